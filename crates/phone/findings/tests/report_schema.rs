//! Phone reports match `docs/phone-report.schema.json`, and the schema is strict enough to
//! reject reports that break the documented contract.
//!
//! Validation runs in Python's `jsonschema` with the validator the cellular report's schema
//! test uses (`crates/stingwatch/tests/validate_report.py`); `.ci/run` installs it. Outside
//! CI a missing `jsonschema` skips with a printed reason; in CI it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use stingwatch_phone_findings::*;
use stingwatch_phone_model::{
    ArtifactRecord, Diagnostic, Observable, ObservableKind, RecordSink, Severity, UnixMillis,
};

/// One way of damaging a good report.
type Breakage = Box<dyn Fn(&mut serde_json::Value)>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stingwatch-phone-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Validate `files`; returns the validator's error lines (empty when all are valid).
fn validate(files: &[PathBuf]) -> Vec<String> {
    let out = Command::new("python3")
        .arg(root().join("crates/stingwatch/tests/validate_report.py"))
        .arg(root().join("docs/phone-report.schema.json"))
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
    assert_eq!(out.status.success(), errors.is_empty());
    errors
}

fn json_of(r: &PhoneReport) -> serde_json::Value {
    let mut out = Vec::new();
    write_json(r, &mut out).expect("write");
    serde_json::from_slice(&out).expect("json")
}

/// Reports covering every field: matches, signals of every severity, diagnostics, untimed and
/// extreme times, limits reached, no indicators.
fn reports() -> Vec<(&'static str, PhoneReport)> {
    let m = three_indicators();
    let mut out = Vec::new();

    let mut scan = PhoneScan::new(&m);
    for i in 0..30 {
        scan.record(record(
            "ios.sms",
            &format!("ROWID {i}"),
            Some(i * HOUR),
            "<script>alert(1)</script>",
            vec![url("https://a.evil.example/")],
        ));
    }
    scan.record(record(
        "android.packages",
        "package 1",
        None,
        "com.predator.agent",
        vec![Observable::new(ObservableKind::AppId, "com.predator.agent")],
    ));
    for (i, s) in [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ]
    .into_iter()
    .enumerate()
    {
        scan.signal(signal(
            "android.sign",
            s,
            &format!("Sign {i}"),
            record("android.getprop", "line 1", None, "=cmd", vec![]),
        ));
    }
    // Times at both ends of what the model can hold.
    for t in [i64::MIN, i64::MAX, -1] {
        scan.record(ArtifactRecord {
            artifact: "ios.calls",
            source: "CallHistory.storedata".into(),
            locator: "Z_PK 1".into(),
            time: Some(UnixMillis(t)),
            summary: "call".into(),
            observables: vec![],
        });
    }
    scan.diagnostic(Diagnostic::new(
        "HomeDomain/Library/SMS/sms.db",
        "row 9 damaged",
    ));
    out.push((
        "full",
        PhoneReport::new(
            "0.1.0",
            Acquisition::new(AcquisitionKind::Androidqf, "aqf.zip")
                .with_device("ro.product.model", "Pixel")
                .encrypted(false),
            m.collections(),
            scan.finish(),
        ),
    ));

    out.push((
        "clean",
        report_of(
            &m,
            vec![record("ios.sms", "1", Some(0), "hi", vec![])],
            vec![],
        ),
    ));

    let none = TableMatcher::new();
    let mut scan = PhoneScan::new(&none);
    scan.record(record(
        "ios.sms",
        "1",
        None,
        "hi",
        vec![url("https://evil.example/")],
    ));
    out.push((
        "no-indicators",
        PhoneReport::new(
            "0.1.0",
            Acquisition::new(AcquisitionKind::Bugreport, "bugreport.zip"),
            Vec::new(),
            scan.finish(),
        ),
    ));

    // Limits reached: more findings, days and diagnostics than are listed.
    let mut flood = TableMatcher::new();
    for i in 0..MAX_FINDINGS + 3 {
        flood.add(ObservableKind::Domain, &format!("d{i}.example"), "Flood");
    }
    let mut scan = PhoneScan::new(&flood);
    for i in 0..(MAX_TIMELINE_DAYS + 10) as i64 {
        let v = format!("https://d{}.example/", i % (MAX_FINDINGS as i64 + 3));
        scan.record(record(
            "ios.safari_history",
            "v",
            Some(i * DAY),
            "visit",
            vec![url(&v)],
        ));
    }
    for i in 0..MAX_DIAGNOSTICS + 2 {
        scan.diagnostic(Diagnostic::new(format!("f{i}"), "bad"));
    }
    out.push((
        "limits",
        PhoneReport::new(
            "0.1.0",
            Acquisition::new(AcquisitionKind::IosBackup, "b").encrypted(true),
            flood.collections(),
            scan.finish(),
        ),
    ));
    out
}

#[test]
fn every_kind_of_report_matches_the_schema() {
    if !stingwatch_testsupport::have_python_module("jsonschema") {
        return;
    }
    let dir = scratch("schema-all");
    let mut files = Vec::new();
    for (name, r) in reports() {
        let v = json_of(&r);
        if name == "limits" {
            assert!(v["findings_omitted"]["high"].as_u64() > Some(0));
            assert!(v["diagnostics_omitted"].as_u64() > Some(0));
            assert!(v["timeline"]["records_past_day_limit"].as_u64() > Some(0));
        }
        let f = dir.join(format!("{name}.json"));
        std::fs::write(&f, serde_json::to_string(&v).expect("json")).expect("write");
        files.push(f);
    }
    let errors = validate(&files);
    assert!(
        errors.is_empty(),
        "reports do not match docs/phone-report.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn schema_rejects_reports_that_break_the_contract() {
    if !stingwatch_testsupport::have_python_module("jsonschema") {
        return;
    }
    let dir = scratch("schema-strict");
    let good = json_of(&reports().swap_remove(0).1);
    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "the cellular kind",
            Box::new(|r| r["kind"] = "cellular".into()),
        ),
        (
            "no kind",
            Box::new(|r| {
                r.as_object_mut().expect("report").remove("kind");
            }),
        ),
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
            "missing next steps",
            Box::new(|r| {
                r["findings"][0]
                    .as_object_mut()
                    .expect("finding")
                    .remove("next_steps");
            }),
        ),
        (
            "finding without evidence",
            Box::new(|r| r["findings"][0]["evidence"] = serde_json::json!([])),
        ),
        (
            "other schema version",
            Box::new(|r| r["schema_version"] = 2.into()),
        ),
        (
            "time as a string",
            Box::new(|r| r["findings"][0]["first_time"] = "2025-12-04T10:00:00Z".into()),
        ),
        (
            "unknown acquisition",
            Box::new(|r| r["acquisition"]["kind"] = "icloud".into()),
        ),
        (
            "unknown observable kind",
            Box::new(|r| r["findings"][0]["indicator"]["kind"] = "x509".into()),
        ),
    ];
    for (i, (what, breakage)) in breakages.iter().enumerate() {
        let mut r = good.clone();
        breakage(&mut r);
        let f = dir.join(format!("broken-{i}.json"));
        std::fs::write(&f, serde_json::to_string(&r).expect("json")).expect("write");
        assert!(
            !validate(std::slice::from_ref(&f)).is_empty(),
            "schema accepted a report with {what}"
        );
    }
    let ok = dir.join("good.json");
    std::fs::write(&ok, serde_json::to_string(&good).expect("json")).expect("write");
    assert_eq!(validate(&[ok]), Vec::<String>::new());
}
