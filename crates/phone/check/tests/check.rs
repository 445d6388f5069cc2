//! One scan end to end through the library: real fixture files, a real STIX bundle, the real
//! indicator set and readers.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use stingwatch_android::fixtures;
use stingwatch_phone_check::sample::{self, Sample};
use stingwatch_phone_check::{
    check_androidqf, check_bugreport, scan, AcquisitionKind, Indicators, Progress, ReadSummary,
    ScanError, INDICATORS_SOURCE, PROGRESS_EVERY,
};
use stingwatch_phone_findings::{exit_code, PhoneReport, EXIT_CLEAN, EXIT_FINDING};
use stingwatch_phone_model::{ArtifactRecord, ObservableKind, Severity};

static NEXT: AtomicUsize = AtomicUsize::new(0);

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("stingwatch-check-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bundle(dir: &Scratch, sample: &Sample) -> PathBuf {
    let path = dir.0.join("sample.stix2");
    stingwatch_iocs::fixtures::write_bundle(&path, &sample.bundle_entries()).expect("bundle");
    path
}

fn matched(report: &PhoneReport, kind: ObservableKind, value: &str) -> bool {
    report.findings.iter().any(|f| {
        f.severity == Severity::High
            && f.indicator
                .as_ref()
                .is_some_and(|i| i.kind == kind && i.value == value)
    })
}

fn no_progress() -> impl FnMut(&Progress) {
    |_| {}
}

#[test]
fn planted_androidqf_folder_matches_every_indicator_and_its_twin_none() {
    let dir = Scratch::new("aqf");
    let planted = sample::planted(sample::DEFAULT_APP);
    let iocs = Indicators::load(&[bundle(&dir, &planted)]);
    assert_eq!(iocs.none_loaded, None);
    assert_eq!(iocs.collections().len(), 1);

    let folder = dir.0.join("planted");
    fixtures::write_androidqf_dir(&planted.plan, &folder).expect("fixture");
    let report = check_androidqf(&folder, &iocs, &mut no_progress()).expect("readable");
    for (kind, value) in &planted.indicators {
        assert!(matched(&report, *kind, value), "{kind} {value} not found");
    }
    assert_eq!(exit_code(&report, Severity::High), EXIT_FINDING);
    // The domain was found as the host of a URL with a subdomain and a port.
    let domain = report
        .findings
        .iter()
        .find(|f| {
            f.indicator
                .as_ref()
                .is_some_and(|i| i.value == sample::C2_DOMAIN)
        })
        .expect("domain finding");
    assert!(domain
        .evidence
        .iter()
        .any(|e| e.summary.contains(sample::BEACON_URL) || e.locator.contains("log")));

    let twin = dir.0.join("twin");
    fixtures::write_androidqf_dir(&sample::benign(sample::DEFAULT_APP).plan, &twin)
        .expect("fixture");
    let report = check_androidqf(&twin, &iocs, &mut no_progress()).expect("readable");
    assert!(!report.reaches(Severity::Medium), "{:#?}", report.findings);
    assert_eq!(exit_code(&report, Severity::Medium), EXIT_CLEAN);
    // The header names the system from its properties, in a fixed order.
    let device: Vec<(&str, &str)> = report
        .acquisition
        .device
        .iter()
        .map(|d| (d.key.as_str(), d.value.as_str()))
        .collect();
    assert!(device.contains(&("Android version", "14")), "{device:?}");
    assert!(
        device.contains(&("Security patch", "2026-11-05")),
        "{device:?}"
    );
}

#[test]
fn planted_bugreport_matches_what_a_bugreport_holds() {
    let dir = Scratch::new("bug");
    let planted = sample::planted(sample::DEFAULT_APP);
    let iocs = Indicators::load(&[bundle(&dir, &planted)]);
    let zip = dir.0.join("bugreport.zip");
    std::fs::write(&zip, fixtures::bugreport_zip(&planted.plan).expect("zip")).expect("write");
    let report = check_bugreport(&zip, &iocs, &mut no_progress()).expect("readable");
    assert_eq!(report.acquisition.kind, AcquisitionKind::Bugreport);
    for (kind, value) in [
        (ObservableKind::AppId, sample::DEFAULT_APP),
        (ObservableKind::AppId, sample::EXTRACTOR_APP),
        (ObservableKind::Domain, sample::C2_DOMAIN),
        (ObservableKind::ProcessName, sample::IMPLANT_PROCESS),
    ] {
        assert!(matched(&report, kind, value), "{kind} {value} not found");
    }
}

#[test]
fn without_indicators_the_scan_still_runs_and_says_so() {
    let dir = Scratch::new("none");
    let folder = dir.0.join("aqf");
    fixtures::write_androidqf_dir(&sample::planted(sample::DEFAULT_APP).plan, &folder)
        .expect("fixture");
    let iocs = Indicators::none();
    let report = check_androidqf(&folder, &iocs, &mut no_progress()).expect("readable");
    assert_eq!(report.summary.indicators, 0);
    assert!(report.findings.iter().all(|f| f.indicator.is_none()));
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.source == INDICATORS_SOURCE && d.message.contains("no indicators")));
    assert!(report.summary.verdict.contains("No indicators were loaded"));
}

#[test]
fn a_damaged_indicator_file_is_one_line_in_the_report_and_the_rest_loads() {
    let dir = Scratch::new("bad-iocs");
    let planted = sample::planted(sample::DEFAULT_APP);
    let good = bundle(&dir, &planted);
    let bad = dir.0.join("bad.stix2");
    std::fs::write(&bad, b"{\"type\": \"bundle\", \"objects\": [").expect("write");
    let iocs = Indicators::load(&[good, bad.clone()]);
    assert_eq!(iocs.none_loaded, None);
    let folder = dir.0.join("aqf");
    fixtures::write_androidqf_dir(&planted.plan, &folder).expect("fixture");
    let report = check_androidqf(&folder, &iocs, &mut no_progress()).expect("readable");
    assert!(matched(&report, ObservableKind::AppId, sample::DEFAULT_APP));
    let about_bad: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.source == bad.display().to_string())
        .collect();
    assert_eq!(about_bad.len(), 1, "{:#?}", report.diagnostics);
}

#[test]
fn unreadable_inputs_are_errors_naming_the_path() {
    let dir = Scratch::new("unreadable");
    let iocs = Indicators::none();
    let missing = dir.0.join("missing");
    match check_androidqf(&missing, &iocs, &mut no_progress()) {
        Err(ScanError::Unreadable { path, reason }) => {
            assert_eq!(path, missing.display().to_string());
            assert!(reason.contains("cannot open"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let garbage = dir.0.join("garbage.zip");
    std::fs::write(&garbage, b"this is not a zip at all\n".repeat(100)).expect("write");
    for result in [
        check_androidqf(&garbage, &iocs, &mut no_progress()),
        check_bugreport(&garbage, &iocs, &mut no_progress()),
    ] {
        let err = result.expect_err("garbage is unreadable");
        assert!(err.to_string().starts_with(&garbage.display().to_string()));
    }
    // A bugreport is not an androidqf acquisition, and the other way round.
    let zip = dir.0.join("bugreport.zip");
    std::fs::write(
        &zip,
        fixtures::bugreport_zip(&sample::benign(sample::DEFAULT_APP).plan).expect("zip"),
    )
    .expect("write");
    assert!(check_androidqf(&zip, &iocs, &mut no_progress()).is_err());
}

#[test]
fn progress_is_called_as_records_arrive_and_once_at_the_end() {
    let mut calls: Vec<u64> = Vec::new();
    let total = 3 * PROGRESS_EVERY + 5;
    let report = scan(
        AcquisitionKind::IosBackup,
        std::path::Path::new("backup"),
        &Indicators::none(),
        &mut |p: &Progress| calls.push(p.records),
        |sink| {
            for n in 0..total {
                sink.record(ArtifactRecord {
                    artifact: "test.records",
                    source: "records.db".into(),
                    locator: format!("row {n}"),
                    time: None,
                    summary: String::new(),
                    observables: Vec::new(),
                });
            }
            Ok(ReadSummary {
                encrypted: true,
                device: Vec::new(),
            })
        },
    )
    .expect("scan");
    assert_eq!(
        calls,
        [
            PROGRESS_EVERY,
            2 * PROGRESS_EVERY,
            3 * PROGRESS_EVERY,
            total
        ]
    );
    assert_eq!(report.summary.records, total);
    assert!(report.acquisition.encrypted);
    assert_eq!(report.acquisition.kind, AcquisitionKind::IosBackup);
}

#[test]
fn a_reader_error_is_passed_on() {
    let err = scan(
        AcquisitionKind::IosBackup,
        std::path::Path::new("backup"),
        &Indicators::none(),
        &mut no_progress(),
        |_| {
            Err(ScanError::WrongPassword {
                path: "backup".into(),
            })
        },
    )
    .expect_err("wrong password");
    assert!(err.to_string().contains("wrong password"));
}
