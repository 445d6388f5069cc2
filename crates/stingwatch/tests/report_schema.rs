//! The JSON report of every scenario matches `docs/report.schema.json`, and the schema is
//! strict enough to reject reports that break the documented contract.
//!
//! Validation runs in Python's `jsonschema` (installed by `.ci/run`): the Rust `jsonschema`
//! crate turns on a serde_json feature that would give the generated LTE RRC crate a second,
//! separate build in the shared target directory.

mod report_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use report_support::{analyze_json, require, scenario, scenario_names, scratch, stingwatch};

/// One way of damaging a good report.
type Breakage = Box<dyn Fn(&mut serde_json::Value)>;

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.schema.json")
}

fn validator_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_report.py")
}

fn have_python_jsonschema() -> Result<(), String> {
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    require(ok, "python3 with the jsonschema package is not installed")
}

/// Validate `files`; returns the validator's error lines (empty when all are valid).
fn validate(files: &[PathBuf]) -> Vec<String> {
    let out = Command::new("python3")
        .arg(validator_script())
        .arg(schema_path())
        .args(files)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "validator failed: {}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let errors: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert_eq!(
        out.status.success(),
        errors.is_empty(),
        "validator exit status and output disagree"
    );
    errors
}

#[test]
fn every_scenario_report_matches_the_schema() {
    if let Err(skip) = have_python_jsonschema() {
        eprintln!("{skip}");
        return;
    }
    let dir = scratch("schema-all");
    let mut reports = Vec::new();
    for name in scenario_names() {
        for ext in ["pcapng", "qmdl"] {
            let input = scenario(&dir, name, ext);
            let report = analyze_json(&input);
            assert_eq!(report["schema_version"], 1);
            reports.push(input.with_extension("json"));
        }
    }
    assert!(
        reports.len() >= 2 * 28,
        "too few scenarios: {}",
        reports.len()
    );
    // One report over several inputs, as a directory walk gives.
    let all = dir.join("all-inputs.json");
    let o = stingwatch(&[
        "analyze".as_ref(),
        dir.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "-o".as_ref(),
        all.as_os_str(),
    ]);
    assert!(matches!(o.status.code(), Some(0) | Some(1)));
    reports.push(all);
    let errors = validate(&reports);
    assert!(
        errors.is_empty(),
        "reports do not match docs/report.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn schema_rejects_reports_that_break_the_contract() {
    if let Err(skip) = have_python_jsonschema() {
        eprintln!("{skip}");
        return;
    }
    let dir = scratch("schema-strict");
    let input = scenario(&dir, "imsi-catcher", "pcapng");
    let good = analyze_json(&input);
    assert!(
        !good["findings"].as_array().expect("findings").is_empty(),
        "attack scenario has findings"
    );
    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "unknown severity",
            Box::new(|r| r["findings"][0]["severity"] = "critical".into()),
        ),
        (
            "field not in the schema",
            Box::new(|r| r["surprise"] = true.into()),
        ),
        (
            "finding field not in the schema",
            Box::new(|r| r["findings"][0]["score"] = 0.9.into()),
        ),
        (
            "missing verdict",
            Box::new(|r| {
                r["summary"]
                    .as_object_mut()
                    .expect("summary")
                    .remove("verdict");
            }),
        ),
        (
            "missing evidence",
            Box::new(|r| {
                r["findings"][0]
                    .as_object_mut()
                    .expect("finding")
                    .remove("evidence");
            }),
        ),
        (
            "other schema version",
            Box::new(|r| r["schema_version"] = 2.into()),
        ),
        (
            "time as a string",
            Box::new(|r| r["findings"][0]["time"] = "2026-01-01T12:00:00Z".into()),
        ),
    ];
    let mut files = Vec::new();
    for (i, (what, breakage)) in breakages.iter().enumerate() {
        let mut r = good.clone();
        breakage(&mut r);
        let f = dir.join(format!("broken-{i}.json"));
        std::fs::write(&f, serde_json::to_string(&r).expect("json")).expect("write");
        let errors = validate(std::slice::from_ref(&f));
        assert!(!errors.is_empty(), "schema accepted a report with {what}");
        files.push(f);
    }
    let ok = dir.join("good.json");
    std::fs::write(&ok, serde_json::to_string(&good).expect("json")).expect("write");
    assert_eq!(validate(&[ok]), Vec::<String>::new());
}

/// Reports of the fleet scenario's sensors (measurements, timing advance, GPS track found
/// beside each recording) match the schema, carry signal and positions, and a report whose
/// measured levels are text is rejected.
#[test]
fn fleet_sensor_reports_with_signal_and_position_match_the_schema() {
    if let Err(skip) = have_python_jsonschema() {
        eprintln!("{skip}");
        return;
    }
    let dir = scratch("schema-fleet");
    let o = stingwatch(&[
        "scenario".as_ref(),
        "fleet-catcher".as_ref(),
        "--out".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut reports = Vec::new();
    let mut with_ta = 0;
    for i in 1..=10 {
        let input = dir.join(format!("sensor-{i:02}.qmdl"));
        let report = analyze_json(&input);
        let gps = report["gps"]
            .as_array()
            .expect("the track beside it was read");
        assert_eq!(gps.len(), 1);
        assert_eq!(gps[0]["fixes"], 121);
        let cells = report["cells"].as_array().expect("cells");
        assert!(cells
            .iter()
            .all(|c| c["signal"]["rsrp_dbm_last"].is_f64() && c["position"]["age_ms"].is_u64()));
        with_ta += cells
            .iter()
            .filter(|c| c["timing_advance"].is_object())
            .count();
        reports.push(input.with_extension("json"));
    }
    assert!(with_ta >= 2, "{with_ta} sensors with a timing advance");
    let errors = validate(&reports);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut bad = analyze_json(&dir.join("sensor-01.qmdl"));
    bad["cells"][0]["signal"]["rsrp_dbm_last"] = "-90 dBm".into();
    let f = dir.join("broken-signal.json");
    std::fs::write(&f, serde_json::to_string(&bad).expect("json")).expect("write");
    assert!(
        !validate(&[f]).is_empty(),
        "schema accepted a level as text"
    );
}
