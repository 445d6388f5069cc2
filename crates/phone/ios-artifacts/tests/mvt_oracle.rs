//! MVT as the oracle of the iOS checks: on the project's own planted backups (plain, and
//! encrypted after MVT's own decryption), every alert MVT raises must have a Stingwatch finding
//! of the same indicator, and its benign twin raises nothing in either tool. Where Stingwatch
//! finds more, the test names what and says why MVT misses it.
//!
//! Runs `mvt-ios` offline (`--disable-update-check --disable-indicator-update-check`); the
//! fixtures hold no link-shortener URL, the one thing MVT would resolve over the network.
//! Skipped with a printed reason when MVT is not installed, except under CI, where that fails.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn have_mvt() -> bool {
    let ok = Command::new("mvt-ios")
        .args([
            "--disable-update-check",
            "--disable-indicator-update-check",
            "--help",
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if stingwatch_testsupport::in_ci() {
            panic!("CI=true but mvt-ios is not installed (python3 -m pip install mvt); .ci/run must install it");
        }
        eprintln!("SKIP: mvt-ios not installed; MVT oracle test skipped");
    }
    ok
}

fn mvt(args: &[&std::ffi::OsStr], env: Option<(&str, &str)>) -> String {
    let mut cmd = Command::new("mvt-ios");
    cmd.args(["--disable-update-check", "--disable-indicator-update-check"])
        .args(args);
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("mvt-ios runs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "mvt-ios {args:?} failed:\n{log}");
    log
}

/// What MVT raised: per module, the indicator values of its alerts, and its alerts that name
/// no indicator (e.g. every configuration-profile event, as a LOW alert).
#[derive(Debug, Default)]
struct MvtAlerts {
    indicators: BTreeMap<String, BTreeSet<String>>,
    notices: BTreeMap<String, usize>,
}

/// Runs `mvt-ios check-backup` and reads the alerts from the `*_detected.json` files it writes.
fn mvt_alerts(stix: &Path, backup: &Path, out: &Path) -> MvtAlerts {
    std::fs::create_dir_all(out).unwrap();
    let log = mvt(
        &[
            "check-backup".as_ref(),
            "--iocs".as_ref(),
            stix.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
            backup.as_os_str(),
        ],
        None,
    );
    let mut alerts = MvtAlerts::default();
    for entry in std::fs::read_dir(out).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(module) = name.strip_suffix("_detected.json") else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let items = match &value {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for item in items {
            // Some modules leave `matched_indicator` empty and name the value only in the
            // alert's event and message; then the indicator is the one the alert quotes. A LOW
            // or INFO alert without one lists an event, not a match.
            let level = item.get("level").and_then(Value::as_str).unwrap_or("");
            let values: Vec<String> = match item
                .get("matched_indicator")
                .and_then(|m| m.get("value"))
                .and_then(Value::as_str)
            {
                Some(v) => vec![v.to_string()],
                None if matches!(level, "LOW" | "INFO" | "INFORMATIONAL") => {
                    *alerts.notices.entry(module.to_string()).or_default() += 1;
                    continue;
                }
                None => {
                    let text = item.to_string().to_ascii_lowercase();
                    indicators()
                        .into_iter()
                        .map(|(_, v)| v)
                        .filter(|v| text.contains(&v.to_ascii_lowercase()))
                        .collect()
                }
            };
            assert!(
                !values.is_empty(),
                "{name}: an alert naming no indicator: {item}\n{log}"
            );
            alerts
                .indicators
                .entry(module.to_string())
                .or_default()
                .extend(values);
        }
    }
    alerts
}

/// The Stingwatch check that reads what an MVT module reads.
fn artifact_of(module: &str) -> &'static str {
    match module {
        "manifest" => "ios.manifest",
        "sms" => "ios.sms",
        "sms_attachments" => "ios.sms-attachments",
        "safari_history" => "ios.safari-history",
        "safari_browser_state" | "safari_browserstate" => "ios.safari-tabs",
        "chrome_history" => "ios.chrome-history",
        "webkit_resource_load_statistics" => "ios.webkit-observations",
        "webkit_session_resource_log" => "ios.webkit-session-log",
        "datausage" => "ios.datausage",
        "netusage" => "ios.netusage",
        "tcc" => "ios.tcc",
        "applications" => "ios.apps",
        "configuration_profiles" => "ios.configuration-profiles",
        "profile_events" => "ios.profile-events",
        "id_status_cache" => "ios.idstatuscache",
        "calls" => "ios.calls",
        "whatsapp" => "ios.whatsapp",
        "shutdown_log" | "shutdownlog" => "ios.shutdown-log",
        "analytics" | "os_analytics_ad_daily" => "ios.analytics",
        other => {
            panic!("MVT module {other} alerted; name the Stingwatch check that reads its file")
        }
    }
}

/// Indicator values of Stingwatch's indicator findings.
fn ours(result: &stingwatch_phone_findings::ScanResult) -> BTreeSet<String> {
    result
        .findings
        .iter()
        .filter_map(|f| f.indicator.as_ref().map(|i| i.value.clone()))
        .collect()
}

fn check_against_mvt(encrypted: bool) {
    if !have_mvt() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let password = encrypted.then_some(PASSWORD);

    for (name, content, is_planted) in [
        ("planted", planted_content(), true),
        ("benign", benign(), false),
    ] {
        let dir = tmp.path().join(name);
        write(&dir, &content, password);
        // MVT reads only plain backups: it decrypts first, to disk, with its own code.
        let mvt_input = if encrypted {
            let decrypted = tmp.path().join(format!("{name}-decrypted"));
            mvt(
                &[
                    "decrypt-backup".as_ref(),
                    "-d".as_ref(),
                    decrypted.as_os_str(),
                    dir.as_os_str(),
                ],
                Some(("MVT_IOS_BACKUP_PASSWORD", PASSWORD)),
            );
            decrypted
        } else {
            dir.clone()
        };
        let alerts = mvt_alerts(&stix, &mvt_input, &tmp.path().join(format!("{name}-mvt")));
        let theirs = &alerts.indicators;
        let result = scan(&dir, password, &iocs).unwrap();
        let ours = ours(&result);
        let mvt_values: BTreeSet<String> = theirs.values().flatten().cloned().collect();
        eprintln!("{name}: MVT alerts by module {alerts:#?}; Stingwatch {ours:#?}");

        // Every MVT alert has a finding of the same indicator, from the same file.
        let missed: Vec<_> = mvt_values.difference(&ours).collect();
        assert!(
            missed.is_empty(),
            "{name}: MVT alerts Stingwatch lacks: {missed:?}"
        );
        for (module, values) in theirs {
            let artifact = artifact_of(module);
            for value in values {
                assert!(
                    high_artifacts(&result, value).contains(&artifact),
                    "{name}: MVT's {module} alerts on {value}; no high finding in {artifact}"
                );
            }
        }

        // MVT's alerts that list an event without an indicator (every profile install) are
        // findings too: Stingwatch reports the same events as low signals.
        for (module, count) in &alerts.notices {
            let artifact = artifact_of(module);
            let ours = result
                .findings
                .iter()
                .filter(|f| f.artifact == artifact && f.indicator.is_none())
                .map(|f| f.count)
                .sum::<u64>();
            assert!(
                ours >= *count as u64,
                "{name}: MVT's {module} lists {count} events; Stingwatch signals {ours} in {artifact}"
            );
        }

        if !is_planted {
            assert!(mvt_values.is_empty(), "benign twin: MVT alerts {alerts:#?}");
            assert!(
                ours.is_empty(),
                "benign twin: Stingwatch findings {ours:#?}"
            );
            continue;
        }
        // The oracle is not vacuous: MVT alerts on the planted values it can see.
        let p = planted();
        for value in [&p.domain, &p.app_id, &p.profile_uuid, &p.email, &p.process] {
            assert!(
                mvt_values.contains(value.as_str()),
                "MVT raised no alert for {value}: {theirs:#?}"
            );
        }
        // Where Stingwatch finds more, and why MVT misses it.
        let extra: BTreeSet<&str> = ours.difference(&mvt_values).map(String::as_str).collect();
        assert_eq!(
            extra,
            BTreeSet::from([HOST_WITH_PORT, HOST_VIA_SUBDOMAIN]),
            "what only Stingwatch finds"
        );
        // HOST_WITH_PORT: visited as `https://push.msg-delivery-service.com:8443/...`. MVT
        // compares the URL's host with its port still attached
        // (`push.msg-delivery-service.com:8443`) to the indicator, then only the registrable
        // domain (`msg-delivery-service.com`), so an indicator naming a host is missed as soon
        // as the URL carries a port.
        assert!(high_artifacts(&result, HOST_WITH_PORT).contains(&"ios.safari-history"));
        // HOST_VIA_SUBDOMAIN: visited as `https://eu1.api.update-check-service.com/...`. MVT
        // matches a URL's full host or its registrable domain, never the hosts in between, so
        // a subdomain of an indicator that names a host below the registrable domain is missed.
        assert!(high_artifacts(&result, HOST_VIA_SUBDOMAIN).contains(&"ios.safari-history"));
        // PORTED_DOMAIN (a registrable domain reached through `cdn.` and a port) MVT does find
        // through its registrable-domain fallback: both tools agree on it.
        assert!(mvt_values.contains(PORTED_DOMAIN));

        // Per artifact, Stingwatch also finds more than MVT for values both find: the planted
        // process in the shutdown log and analytics reports (MVT reads those only from a
        // full file-system dump, not from a backup) and the planted e-mail as an SMS sender
        // (MVT matches SMS links only).
        assert!(high_artifacts(&result, &p.process).contains(&"ios.shutdown-log"));
        assert!(high_artifacts(&result, &p.process).contains(&"ios.analytics"));
        assert!(high_artifacts(&result, &p.email).contains(&"ios.sms"));
    }
}

#[test]
fn every_mvt_alert_on_a_plain_backup_is_a_finding() {
    check_against_mvt(false);
}

#[test]
fn every_mvt_alert_on_an_encrypted_backup_is_a_finding() {
    check_against_mvt(true);
}
