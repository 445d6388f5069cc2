//! Helpers shared by the integration tests: scratch folders, planted plans, record queries.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use stingwatch_android::fixtures::{BatteryEvent, FilePlan, PackagePlan, Plan, ProcessPlan};
use stingwatch_phone_model::{CollectingSink, Observable, ObservableKind, Severity};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty folder under the system's temporary folder, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "stingwatch-android-{tag}-{}-{n}",
            std::process::id()
        ));
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

pub const AGENT: &str = "com.evil.agent";
pub const REMOVED: &str = "com.gone.extractor";

/// The benign plan with a stalkerware-like app planted in every place it leaves traces.
pub fn planted() -> Plan {
    let mut plan = Plan::benign();
    let mut agent = PackagePlan::user(AGENT, None);
    agent.granted = vec![
        "android.permission.READ_SMS".into(),
        "android.permission.RECORD_AUDIO".into(),
    ];
    plan.packages.push(agent);
    let mut removed = PackagePlan::user(REMOVED, Some("com.android.shell"));
    removed.installed = false;
    plan.packages.push(removed);
    plan.battery
        .push(BatteryEvent::Install(7200, REMOVED.into()));
    plan.battery
        .push(BatteryEvent::Uninstall(7260, REMOVED.into()));
    plan.processes.push(ProcessPlan::new(
        "u0_a250",
        4100,
        612,
        &format!("{AGENT}:sync"),
    ));
    plan.processes.push(ProcessPlan::new(
        "shell",
        4200,
        1,
        "/data/local/tmp/.x/implant",
    ));
    plan.files
        .push(FilePlan::new("/data/local/tmp/.x/implant", "-rwxrwxrwx"));
    plan.settings
        .retain(|(_, k, _)| k != "package_verifier_enable");
    plan.settings.push((
        "global".into(),
        "package_verifier_enable".into(),
        "0".into(),
    ));
    plan.properties
        .push(("persist.evil.agent.cfg".into(), "1".into()));
    plan.accessibility.push(format!("{AGENT}/.Watcher"));
    plan.databases
        .push(format!("/data/user/0/{AGENT}/databases/queue.db"));
    plan.device_admins.push(format!("{AGENT}/.Admin"));
    plan.receivers.push((
        "android.provider.Telephony.SMS_RECEIVED".into(),
        format!("{AGENT}/.SmsTap"),
    ));
    plan.appops.push((
        AGENT.into(),
        "REQUEST_INSTALL_PACKAGES".into(),
        "allow".into(),
    ));
    plan.log_lines.push(
        "12-01 10:00:01.000  4100  4111 I agent: upload to https://c2.evil.example/u?id=7".into(),
    );
    plan
}

/// Artifacts of the records carrying `value` as an observable of `kind`.
pub fn artifacts_with(
    sink: &CollectingSink,
    kind: ObservableKind,
    value: &str,
) -> Vec<&'static str> {
    let wanted = Observable::new(kind, value);
    let mut out: Vec<&'static str> = sink
        .records
        .iter()
        .filter(|r| r.observables.contains(&wanted))
        .map(|r| r.artifact)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Signal kinds at or above `min`, sorted and deduplicated.
pub fn signal_kinds(sink: &CollectingSink, min: Severity) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = sink
        .signals
        .iter()
        .filter(|s| s.severity >= min)
        .map(|s| s.kind)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Number of records per artifact, for comparing two reads of the same plan.
pub fn artifact_counts(sink: &CollectingSink) -> std::collections::BTreeMap<&'static str, usize> {
    let mut m = std::collections::BTreeMap::new();
    for r in &sink.records {
        *m.entry(r.artifact).or_insert(0) += 1;
    }
    m
}
