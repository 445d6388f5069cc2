//! End to end at library level: a generated indicator bundle and real backup folders (plain and
//! encrypted) written by the project's own writer, opened, scanned by every check and matched
//! into findings.

mod common;

use common::*;
use stingwatch_ios_artifacts::fixtures::write_large_backup;
use stingwatch_ios_backup::{Backup, BackupError};
use stingwatch_phone_model::Severity;

#[test]
fn every_planted_indicator_is_a_high_finding_where_it_was_planted() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let dir = tmp.path().join("planted");
    write(&dir, &planted_content(), None);
    let result = scan(&dir, None, &iocs).unwrap();
    assert!(result.diagnostics.is_empty(), "{:#?}", result.diagnostics);

    let p = planted();
    let expected: Vec<(&str, &[&str])> = vec![
        (
            &p.domain,
            &[
                "ios.sms",
                "ios.whatsapp",
                "ios.safari-history",
                "ios.chrome-history",
                "ios.webkit-observations",
                "ios.webkit-session-log",
                // The LocalStorage folder named after the site.
                "ios.manifest",
            ],
        ),
        (PORTED_DOMAIN, &["ios.safari-history"]),
        (HOST_WITH_PORT, &["ios.safari-history"]),
        (HOST_VIA_SUBDOMAIN, &["ios.safari-history"]),
        (
            &p.process,
            &["ios.datausage", "ios.shutdown-log", "ios.analytics"],
        ),
        (&p.email, &["ios.sms", "ios.idstatuscache"]),
        (&p.app_id, &["ios.apps"]),
        (&p.profile_uuid, &["ios.configuration-profiles"]),
    ];
    for (value, artifacts) in &expected {
        let found = high_artifacts(&result, value);
        for artifact in *artifacts {
            assert!(
                found.contains(artifact),
                "{value}: no high finding in {artifact}; found in {found:?}"
            );
        }
    }
    // No indicator matches anything but the planted values (signals, e.g. about the planted
    // VPN profile, are findings of their own kind).
    for f in &result.findings {
        if let Some(i) = &f.indicator {
            assert!(
                expected.iter().any(|(e, _)| *e == i.value),
                "unexpected finding {f:#?}"
            );
        }
    }
    // A subdomain with a port is matched, and the finding says how.
    let ported = findings_of(&result, PORTED_DOMAIN);
    let how: Vec<_> = ported
        .iter()
        .flat_map(|f| &f.evidence)
        .filter_map(|e| e.how.as_deref())
        .collect();
    assert!(
        how.iter().any(|h| h.contains("subdomain")),
        "no subdomain explanation in {how:?}"
    );
    let url = ported
        .iter()
        .flat_map(|f| &f.evidence)
        .filter_map(|e| e.observable.as_ref())
        .map(|o| o.value.as_str())
        .collect::<Vec<_>>();
    assert!(
        url.iter().any(|u| u.contains(":8443")),
        "the evidence keeps the URL with its port: {url:?}"
    );
}

#[test]
fn the_benign_twin_yields_nothing_at_medium_or_above() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    for password in [None, Some(PASSWORD)] {
        let dir = tmp
            .path()
            .join(if password.is_some() { "enc" } else { "plain" });
        write(&dir, &benign(), password);
        let result = scan(&dir, password, &iocs).unwrap();
        assert!(result.diagnostics.is_empty(), "{:#?}", result.diagnostics);
        let worrying: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Medium)
            .collect();
        assert!(worrying.is_empty(), "{worrying:#?}");
        // It was read, not skipped: every check's records are there.
        assert!(result.records > 100, "{} records", result.records);
        for artifact in ["ios.sms", "ios.safari-history", "ios.datausage", "ios.apps"] {
            assert!(
                result
                    .artifacts
                    .iter()
                    .any(|a| a.artifact == artifact && a.records > 0),
                "{artifact} read nothing"
            );
        }
    }
}

#[test]
fn an_encrypted_backup_and_its_plain_twin_give_identical_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let content = planted_content();
    let (plain, enc) = (tmp.path().join("plain"), tmp.path().join("enc"));
    write(&plain, &content, None);
    write(&enc, &content, Some(PASSWORD));
    // The encrypted one really is: its sms.db is not readable as it lies on disk.
    let sms_id = stingwatch_ios_backup::file_id("HomeDomain", "Library/SMS/sms.db");
    let on_disk = std::fs::read(enc.join(&sms_id[..2]).join(&sms_id)).unwrap();
    assert!(!on_disk.starts_with(b"SQLite format 3"));

    let a = scan(&plain, None, &iocs).unwrap();
    let b = scan(&enc, Some(PASSWORD), &iocs).unwrap();
    assert!(!a.findings.is_empty());
    assert_eq!(
        serde_json::to_string_pretty(&a.findings).unwrap(),
        serde_json::to_string_pretty(&b.findings).unwrap()
    );
    assert_eq!(a.records, b.records);
    assert_eq!(a.artifacts, b.artifacts);
    assert_eq!(a.diagnostics, b.diagnostics);
}

#[test]
fn a_wrong_or_missing_password_is_refused_before_any_check() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let enc = tmp.path().join("enc");
    write(&enc, &planted_content(), Some(PASSWORD));
    assert!(matches!(
        scan(&enc, Some("correct horse battery stapler"), &iocs),
        Err(BackupError::WrongPassword)
    ));
    assert!(matches!(
        scan(&enc, None, &iocs),
        Err(BackupError::PasswordRequired)
    ));
    // A plain backup ignores a password given anyway.
    let plain = tmp.path().join("plain");
    write(&plain, &planted_content(), None);
    assert!(scan(&plain, Some("whatever"), &iocs).is_ok());
}

#[test]
fn content_missing_from_the_folder_is_one_diagnostic_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let enc = tmp.path().join("enc");
    write(&enc, &planted_content(), Some(PASSWORD));
    let id = stingwatch_ios_backup::file_id("HomeDomain", "Library/SMS/sms.db");
    std::fs::remove_file(enc.join(&id[..2]).join(&id)).unwrap();
    let result = scan(&enc, Some(PASSWORD), &iocs).unwrap();
    let about_sms: Vec<_> = result
        .diagnostics
        .iter()
        .filter(|d| d.source == "HomeDomain/Library/SMS/sms.db")
        .collect();
    assert_eq!(about_sms.len(), 1, "{:#?}", result.diagnostics);
    assert!(about_sms[0].message.contains("not in the backup"));
    let p = planted();
    assert!(!high_artifacts(&result, &p.domain).contains(&"ios.sms"));
    assert!(high_artifacts(&result, &p.domain).contains(&"ios.whatsapp"));
    assert!(high_artifacts(&result, &p.email).contains(&"ios.idstatuscache"));
}

#[test]
fn the_benchmark_generator_writes_what_it_is_asked_for_and_plants_findably() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let p = planted();
    for (name, password, planted) in [
        ("plain-benign", None, None),
        ("enc-planted", Some(PASSWORD), Some(&p)),
    ] {
        let dir = tmp.path().join(name);
        let written = write_large_backup(&dir, 6_000_000, 3_000, password, planted).unwrap();
        assert_eq!((written.files, written.bytes), (3_000, 6_000_000));
        assert_eq!(written.planted, planted.is_some());
        let backup = Backup::open(&dir, password).unwrap();
        let listed = backup
            .entries()
            .filter(|e| e.kind == stingwatch_ios_backup::EntryKind::File)
            .count();
        assert_eq!(listed, 3_000);
        // Files spread over many domains, photos among them.
        let domains: std::collections::BTreeSet<String> =
            backup.entries().map(|e| e.domain).collect();
        assert!(domains.len() > 30, "{domains:?}");
        assert!(domains.contains("CameraRollDomain"));
        drop(backup);

        let result = scan(&dir, password, &iocs).unwrap();
        assert!(result.diagnostics.is_empty(), "{:#?}", result.diagnostics);
        let sms = result
            .artifacts
            .iter()
            .find(|c| c.artifact == "ios.sms")
            .map_or(0, |c| c.records);
        assert!(sms > 500, "{sms} messages in the busy phone");
        let high: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Medium)
            .collect();
        if planted.is_none() {
            assert!(high.is_empty(), "{high:#?}");
        } else {
            for value in [&p.domain, &p.process, &p.email, &p.app_id, &p.profile_uuid] {
                assert!(
                    !high_artifacts(&result, value).is_empty(),
                    "{value} not found"
                );
            }
        }
    }
}
