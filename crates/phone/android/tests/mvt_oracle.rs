//! Oracle: MVT (`mvt-android`) must parse the fixtures this crate writes and find the same
//! planted package, so the fixtures are in the formats real acquisitions use. Skipped with a
//! printed reason when MVT is absent, unless CI is set.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::json;
use stingwatch_android::fixtures::{self, Plan};
use stingwatch_android::read_androidqf;
use stingwatch_phone_model::{CollectingSink, ObservableKind as K};

fn mvt_available() -> bool {
    // `mvt-android` has no `--version`; its help answers when it is installed.
    stingwatch_testsupport::have_tool_answering("mvt-android", "--help")
}

/// A minimal STIX 2.1 bundle naming one app id, indicated by one malware object.
fn stix_for_app(dir: &Path, app: &str) -> std::path::PathBuf {
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--5b0d3f4e-8c1a-4e55-9a0e-0d6a2f1b7c01",
        "objects": [
            {
                "type": "malware", "spec_version": "2.1",
                "id": "malware--0f4d2a61-3c1b-4b7e-8a55-91c2d7e6f302",
                "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
                "name": "TestAgent", "is_family": false
            },
            {
                "type": "indicator", "spec_version": "2.1",
                "id": "indicator--7e2c5b90-1d4f-4c3a-b6e8-2f9a0c1d5e03",
                "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
                "indicator_types": ["malicious-activity"],
                "pattern": format!("[app:id='{app}']"), "pattern_type": "stix",
                "valid_from": "2026-12-01T00:00:00Z"
            },
            {
                "type": "relationship", "spec_version": "2.1",
                "id": "relationship--3a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c04",
                "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
                "relationship_type": "indicates",
                "source_ref": "indicator--7e2c5b90-1d4f-4c3a-b6e8-2f9a0c1d5e03",
                "target_ref": "malware--0f4d2a61-3c1b-4b7e-8a55-91c2d7e6f302"
            }
        ]
    });
    let path = dir.join("agent.stix2");
    std::fs::write(&path, bundle.to_string()).expect("write stix");
    path
}

/// Runs `mvt-android <command> --iocs <stix> --output <out> <target>` and returns the
/// detected results MVT wrote (every `*_detected.json`, concatenated) and its log output.
fn run_mvt(command: &str, stix: &Path, out: &Path, target: &Path) -> (String, String) {
    std::fs::create_dir_all(out).expect("output folder");
    // The oracle stays offline: no version or indicator update checks.
    let result = Command::new("mvt-android")
        .args(["--disable-update-check", "--disable-indicator-update-check"])
        .arg(command)
        .arg("--iocs")
        .arg(stix)
        .arg("--output")
        .arg(out)
        .arg(target)
        .output()
        .expect("mvt-android runs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(
        result.status.success(),
        "mvt-android {command} failed:\n{log}"
    );
    let mut detected = String::new();
    for entry in std::fs::read_dir(out).expect("output listing").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            detected.push_str(&format!("== {name}\n"));
            detected.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    (detected, log)
}

#[test]
fn mvt_finds_the_planted_package_in_androidqf_and_not_in_its_benign_twin() {
    if !mvt_available() {
        return;
    }
    let scratch = Scratch::new("mvt-aqf");
    let stix = stix_for_app(&scratch.0, AGENT);

    let planted_dir = scratch.0.join("planted");
    fixtures::write_androidqf_dir(&planted(), &planted_dir).expect("fixture");
    let (detected, log) = run_mvt(
        "check-androidqf",
        &stix,
        &scratch.0.join("out-planted"),
        &planted_dir,
    );
    assert!(
        detected.contains(AGENT) && detected.contains("TestAgent"),
        "MVT did not detect the planted package:\n{detected}\n{log}"
    );
    assert!(!log.contains("Traceback"), "{log}");

    let benign_dir = scratch.0.join("benign");
    fixtures::write_androidqf_dir(&Plan::benign(), &benign_dir).expect("fixture");
    let (detected, log) = run_mvt(
        "check-androidqf",
        &stix,
        &scratch.0.join("out-benign"),
        &benign_dir,
    );
    assert!(
        !detected.contains(AGENT),
        "benign twin matched:\n{detected}\n{log}"
    );

    // This crate reads the same folder and names the same app.
    let mut sink = CollectingSink::default();
    read_androidqf(&planted_dir, &mut sink);
    assert!(artifacts_with(&sink, K::AppId, AGENT).contains(&"android.packages"));
}

#[test]
fn mvt_finds_the_planted_package_in_a_bugreport() {
    if !mvt_available() {
        return;
    }
    let scratch = Scratch::new("mvt-bug");
    let stix = stix_for_app(&scratch.0, REMOVED);
    let zip = scratch.0.join("bugreport.zip");
    std::fs::write(&zip, fixtures::bugreport_zip(&planted()).expect("zip")).expect("write");
    let (detected, log) = run_mvt("check-bugreport", &stix, &scratch.0.join("out"), &zip);
    assert!(
        detected.contains(REMOVED) && detected.contains("TestAgent"),
        "MVT did not detect the removed package:\n{detected}\n{log}"
    );
    assert!(!log.contains("Traceback"), "{log}");
}
