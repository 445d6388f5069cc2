//! Each reader reads back what the fixtures wrote: androidqf folders and zips, bugreport zips,
//! nested bugreports; a planted app shows up everywhere it left traces, its benign twin does not.

mod common;

use common::*;
use stingwatch_android::fixtures::{self, Plan};
use stingwatch_android::{
    read_android, read_androidqf, read_androidqf_archive, read_bugreport_archive, Archive,
};
use stingwatch_phone_model::{CollectingSink, ObservableKind as K, Severity};

fn read_folder(plan: &Plan) -> CollectingSink {
    let dir = Scratch::new("aqf");
    fixtures::write_androidqf_dir(plan, &dir.0).expect("write fixture");
    let mut sink = CollectingSink::default();
    let outcome = read_androidqf(&dir.0, &mut sink);
    assert!(outcome.opened);
    sink
}

fn read_zip_bytes(bytes: Vec<u8>, bugreport: bool) -> CollectingSink {
    let mut sink = CollectingSink::default();
    let mut archive = Archive::from_zip_bytes("acq.zip", bytes, &mut sink).expect("zip opens");
    if bugreport {
        read_bugreport_archive(&mut archive, &mut sink);
    } else {
        read_androidqf_archive(&mut archive, &mut sink);
    }
    sink
}

#[test]
fn benign_androidqf_folder_reads_back_without_worrying_signals() {
    let plan = Plan::benign();
    let sink = read_folder(&plan);
    assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
    for p in plan.packages.iter().filter(|p| p.installed) {
        assert!(
            artifacts_with(&sink, K::AppId, &p.name).contains(&"android.packages"),
            "{} missing",
            p.name
        );
        assert_eq!(
            artifacts_with(&sink, K::AppCertSha256, &p.cert[2]),
            ["android.packages"]
        );
        assert_eq!(
            artifacts_with(&sink, K::FileSha256, &p.apk_sha256),
            ["android.packages"]
        );
    }
    for (name, _) in &plan.properties {
        assert_eq!(
            artifacts_with(&sink, K::AndroidProperty, name),
            ["android.properties"]
        );
    }
    assert_eq!(
        artifacts_with(&sink, K::ProcessName, "system_server"),
        ["android.processes"]
    );
    assert_eq!(
        artifacts_with(&sink, K::FileName, "timetable.pdf"),
        ["android.files"]
    );
    assert_eq!(
        artifacts_with(&sink, K::Domain, "www.wikipedia.org"),
        ["android.logs.urls"]
    );
    assert_eq!(
        artifacts_with(&sink, K::AppId, "org.thoughtcrime.securesms"),
        [
            "android.logs.processes",
            "android.packages",
            "android.processes",
            "android.receivers"
        ]
    );
    let counts = artifact_counts(&sink);
    for artifact in [
        "android.settings",
        "android.device-admins",
        "android.receivers",
        "android.appops",
        "android.battery-history.install",
        "android.battery-history.activity",
        "android.dbinfo",
    ] {
        assert!(
            counts.contains_key(artifact),
            "no {artifact} records: {counts:?}"
        );
    }
    // A plain phone raises nothing above Info (USB debugging being on is Info: the
    // acquisition needs it).
    assert_eq!(
        signal_kinds(&sink, Severity::Low),
        Vec::<&str>::new(),
        "{:#?}",
        sink.signals
    );
}

#[test]
fn planted_app_is_seen_everywhere_it_left_traces() {
    let sink = read_folder(&planted());
    assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
    assert_eq!(
        artifacts_with(&sink, K::AppId, AGENT),
        [
            "android.accessibility",
            "android.appops",
            "android.dbinfo",
            "android.device-admins",
            "android.packages",
            "android.processes",
            "android.receivers",
        ]
    );
    // The removed app is only in the battery history and in dumpsys as not installed.
    assert_eq!(
        artifacts_with(&sink, K::AppId, REMOVED),
        [
            "android.battery-history.install",
            "android.battery-history.uninstall",
            "android.packages.removed",
        ]
    );
    assert_eq!(
        artifacts_with(&sink, K::FilePath, "/data/local/tmp/.x/implant"),
        ["android.files", "android.processes"]
    );
    assert_eq!(
        artifacts_with(&sink, K::AndroidProperty, "persist.evil.agent.cfg"),
        ["android.properties"]
    );
    assert_eq!(
        artifacts_with(&sink, K::Domain, "c2.evil.example"),
        ["android.logs.urls"]
    );
    assert_eq!(
        signal_kinds(&sink, Severity::Low),
        [
            "android.accessibility-service",
            "android.dangerous-permissions",
            "android.device-admin",
            "android.sideloaded-app",
            "android.tmp-executable",
            "android.verifier-disabled",
        ]
    );
    let uninstall = sink
        .records
        .iter()
        .find(|r| r.artifact == "android.battery-history.uninstall")
        .and_then(|r| r.time)
        .map(|t| t.iso8601());
    assert_eq!(uninstall.as_deref(), Some("2026-11-30T10:01:00.000Z"));
    let verifier = sink
        .signals
        .iter()
        .find(|s| s.kind == "android.verifier-disabled")
        .map(|s| s.severity);
    assert_eq!(verifier, Some(Severity::Medium));
}

#[test]
fn zip_and_folder_of_one_plan_read_the_same() {
    let plan = planted();
    let folder = read_folder(&plan);
    let zipped = read_zip_bytes(fixtures::androidqf_zip(&plan).expect("zip"), false);
    assert!(zipped.diagnostics.is_empty(), "{:?}", zipped.diagnostics);
    assert_eq!(artifact_counts(&folder), artifact_counts(&zipped));
    assert_eq!(folder.signals.len(), zipped.signals.len());
}

#[test]
fn bugreport_reads_properties_processes_logs_and_dumpsys() {
    let plan = planted();
    let sink = read_zip_bytes(fixtures::bugreport_zip(&plan).expect("zip"), true);
    assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
    assert_eq!(
        artifacts_with(&sink, K::AppId, AGENT),
        [
            "android.accessibility",
            "android.appops",
            "android.dbinfo",
            "android.device-admins",
            "android.packages",
            "android.processes",
            "android.receivers",
        ]
    );
    assert_eq!(
        artifacts_with(&sink, K::AndroidProperty, "persist.evil.agent.cfg"),
        ["android.properties"]
    );
    // Thread rows of the process table are not processes.
    let processes = artifact_counts(&sink).get("android.processes").copied();
    assert_eq!(processes, Some(plan.processes.len()));
    assert_eq!(
        artifacts_with(&sink, K::Domain, "c2.evil.example"),
        ["android.logs.urls"]
    );
    assert!(signal_kinds(&sink, Severity::Medium).contains(&"android.verifier-disabled"));
    assert!(artifacts_with(&sink, K::AppId, REMOVED).contains(&"android.packages.removed"));
}

#[test]
fn bugreport_nested_in_a_wrapper_and_in_an_acquisition_is_found() {
    let plan = planted();
    let inner = fixtures::bugreport_zip(&plan).expect("zip");
    let wrapper = fixtures::zip_of(&[
        ("logs/app.log".into(), b"nothing here\n".to_vec()),
        ("bugreport-shiba-2026-12-01.zip".into(), inner),
    ])
    .expect("wrapper");
    let sink = read_zip_bytes(wrapper, true);
    assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
    assert!(artifacts_with(&sink, K::AppId, AGENT).contains(&"android.packages"));

    let mut with_bugreport = Plan::benign();
    with_bugreport.androidqf_with_bugreport = true;
    with_bugreport
        .properties
        .push(("persist.only.in.bugreport".into(), "1".into()));
    let sink = read_folder(&with_bugreport);
    let sources: Vec<&str> = sink
        .records
        .iter()
        .filter(|r| {
            r.observables
                .iter()
                .any(|o| o.value == "persist.only.in.bugreport")
        })
        .map(|r| r.source.as_str())
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(sources.iter().any(|s| s.contains("bugreport.zip/")));
}

#[test]
fn read_android_tells_the_two_formats_apart() {
    let dir = Scratch::new("detect");
    let mut plan = planted();
    plan.packages.push(fixtures::PackagePlan::user(
        "com.topjohnwu.magisk",
        Some("com.android.vending"),
    ));
    let aqf = dir.0.join("acq.zip");
    let bug = dir.0.join("bugreport.zip");
    std::fs::write(&aqf, fixtures::androidqf_zip(&plan).expect("zip")).expect("write");
    std::fs::write(&bug, fixtures::bugreport_zip(&plan).expect("zip")).expect("write");
    for (path, from) in [(&aqf, "packages.json"), (&bug, "bugreport-")] {
        let mut sink = CollectingSink::default();
        assert!(read_android(path, &mut sink).opened);
        assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
        let package = sink
            .records
            .iter()
            .find(|r| r.artifact == "android.packages" && r.summary.contains(AGENT))
            .expect("agent package read");
        assert!(package.source.contains(from), "{}", package.source);
        assert!(signal_kinds(&sink, Severity::Low).contains(&"android.root-app"));
    }
}
