//! Every check reads its fixture back; damaged files give diagnostics and what was readable.

use stingwatch_ios_artifacts::fixtures::{
    self, App, BuiltBackup, IdLookup, IosContent, Planted, ProcessTable, ProcessUse, Profile,
    SafariVisit, Sms, TccGrant, SAFARI_DOMAIN, T0,
};
use stingwatch_ios_artifacts::sqlite::MAX_TEXT_BYTES;
use stingwatch_ios_artifacts::text::MAX_URLS_PER_TEXT;
use stingwatch_ios_artifacts::{scan_backup, FolderBackup, MemoryBackup};
use stingwatch_phone_model::{
    ArtifactRecord, CollectingSink, ObservableKind, Severity, Signal, UnixMillis,
};

fn build(content: &IosContent) -> BuiltBackup {
    match content.build() {
        Ok(built) => built,
        Err(e) => panic!("fixture did not build: {e}"),
    }
}

fn scan(backup: &MemoryBackup) -> CollectingSink {
    let mut sink = CollectingSink::default();
    scan_backup(backup, &mut sink);
    sink
}

fn scan_content(content: &IosContent) -> CollectingSink {
    scan(&build(content).into_memory())
}

fn of<'a>(sink: &'a CollectingSink, artifact: &str) -> Vec<&'a ArtifactRecord> {
    sink.records
        .iter()
        .filter(|r| r.artifact == artifact)
        .collect()
}

fn has(record: &ArtifactRecord, kind: ObservableKind, value: &str) -> bool {
    record
        .observables
        .iter()
        .any(|o| o.kind == kind && o.value == value)
}

fn signals<'a>(sink: &'a CollectingSink, kind: &str) -> Vec<&'a Signal> {
    sink.signals.iter().filter(|s| s.kind == kind).collect()
}

fn near(a: Option<UnixMillis>, b: UnixMillis) -> bool {
    a.is_some_and(|a| (a.0 - b.0).abs() <= 1)
}

fn planted() -> Planted {
    Planted {
        domain: "tracking-parcel.example".into(),
        process: "roleaccountd".into(),
        email: "attacker@mail.example".into(),
        app_id: "com.example.spy".into(),
        profile_uuid: "6F1D9C1B-0000-4000-8000-00000000BEEF".into(),
    }
}

#[test]
fn benign_phone_reads_back_in_full_with_nothing_to_report() {
    let content = IosContent::benign();
    let built = build(&content);
    let sink = scan(&built.clone().into_memory());
    assert!(sink.diagnostics.is_empty(), "{:#?}", sink.diagnostics);
    assert!(sink.signals.is_empty(), "{:#?}", sink.signals);
    let counts = [
        ("ios.manifest", built.files.len()),
        ("ios.sms", content.sms.len()),
        ("ios.sms-attachments", content.sms_attachments.len()),
        ("ios.safari-history", content.safari.len()),
        ("ios.safari-tabs", content.safari_tabs.len()),
        ("ios.chrome-history", content.chrome.len()),
        ("ios.webkit-observations", content.webkit_observations.len()),
        ("ios.webkit-session-log", content.webkit_session.len()),
        ("ios.datausage", content.datausage.processes.len()),
        ("ios.tcc", content.tcc.len()),
        ("ios.apps", content.apps.len()),
        ("ios.calls", content.calls.len()),
        ("ios.whatsapp", content.whatsapp.len()),
        ("ios.idstatuscache", content.idstatus.len()),
    ];
    for (artifact, count) in counts {
        assert_eq!(of(&sink, artifact).len(), count, "{artifact}");
    }
    assert_eq!(
        sink.records.len(),
        counts.iter().map(|(_, c)| c).sum::<usize>()
    );
}

#[test]
fn sms_text_urls_handles_and_times() {
    let content = IosContent::benign();
    let sink = scan_content(&content);
    let records = of(&sink, "ios.sms");
    for (message, record) in content.sms.iter().zip(&records) {
        assert!(near(record.time, message.time), "{record:?}");
        assert!(has(record, ObservableKind::Email, &message.handle));
        assert_eq!(record.source, "HomeDomain/Library/SMS/sms.db");
    }
    // Text kept only in the attributed body (newer iOS) is still searched for links.
    let article = "https://www.theguardian.com/world/2026/nov/01/story";
    let with_article: Vec<_> = content
        .sms
        .iter()
        .zip(&records)
        .filter(|(m, _)| m.text.contains(article))
        .collect();
    assert!(with_article.iter().any(|(m, _)| m.attributed_only));
    for (_, record) in with_article {
        assert!(has(record, ObservableKind::Url, article));
        assert!(has(record, ObservableKind::Domain, "www.theguardian.com"));
    }
}

#[test]
fn planted_values_reach_every_check() {
    let mut content = IosContent::benign();
    let p = planted();
    content.plant(&p);
    let sink = scan_content(&content);
    assert!(sink.diagnostics.is_empty(), "{:#?}", sink.diagnostics);
    let domain_in = |artifact: &str| {
        of(&sink, artifact)
            .iter()
            .any(|r| has(r, ObservableKind::Domain, &p.domain))
    };
    for artifact in [
        "ios.sms",
        "ios.whatsapp",
        "ios.safari-history",
        "ios.chrome-history",
        "ios.webkit-observations",
        "ios.webkit-session-log",
        "ios.manifest",
    ] {
        assert!(domain_in(artifact), "{artifact}");
    }
    let process_in = |artifact: &str| {
        of(&sink, artifact)
            .iter()
            .any(|r| has(r, ObservableKind::ProcessName, &p.process))
    };
    for artifact in ["ios.datausage", "ios.shutdown-log", "ios.analytics"] {
        assert!(process_in(artifact), "{artifact}");
    }
    let email_in = |artifact: &str| {
        of(&sink, artifact)
            .iter()
            .any(|r| has(r, ObservableKind::Email, &p.email))
    };
    assert!(email_in("ios.sms"));
    assert!(email_in("ios.idstatuscache"));
    assert!(of(&sink, "ios.apps")
        .iter()
        .any(|r| has(r, ObservableKind::AppId, &p.app_id)));
    assert!(of(&sink, "ios.configuration-profiles").iter().any(|r| has(
        r,
        ObservableKind::ConfigurationProfileId,
        &p.profile_uuid
    )));
    // The planted process has no bundle, and a profile is installed: one low signal each.
    let bare = signals(&sink, "ios.process-without-bundle");
    assert_eq!(bare.len(), 1);
    assert_eq!(bare[0].severity, Severity::Low);
    assert!(has(
        &bare[0].record,
        ObservableKind::ProcessName,
        &p.process
    ));
    assert_eq!(signals(&sink, "ios.configuration-profile").len(), 1);
    assert_eq!(signals(&sink, "ios.profile-event").len(), 1);
    assert_eq!(sink.signals.len(), 3, "{:#?}", sink.signals);
    // The shutdown log's entries carry the SIGTERM time and the full path.
    let shutdown = of(&sink, "ios.shutdown-log");
    assert_eq!(shutdown.len(), 3);
    assert!(shutdown
        .iter()
        .all(|r| near(r.time, UnixMillis(T0.0 + 760 * 60_000))));
    assert!(has(
        shutdown[1],
        ObservableKind::FilePath,
        &format!(
            "/private/var/db/com.apple.xpc.roleaccountd.staging/{}",
            p.process
        )
    ));
}

#[test]
fn manifest_lists_paths_names_apps_and_webkit_hosts() {
    let sink = scan_content(&IosContent::benign());
    let manifest = of(&sink, "ios.manifest");
    let sms = manifest
        .iter()
        .find(|r| has(r, ObservableKind::FilePath, "/Library/SMS/sms.db"));
    assert!(sms.is_some_and(|r| has(r, ObservableKind::FileName, "sms.db")));
    assert!(manifest
        .iter()
        .any(|r| has(r, ObservableKind::Domain, "www.apple.com")));
    assert!(manifest
        .iter()
        .any(|r| has(r, ObservableKind::Domain, "en.wikipedia.org")));
    let app_ids = manifest
        .iter()
        .filter(|r| has(r, ObservableKind::AppId, "com.google.chrome.ios"))
        .count();
    assert_eq!(app_ids, 1, "each app domain is named once");
    assert!(manifest.iter().all(|r| r.time == Some(T0)));
}

#[test]
fn browsers_read_urls_and_clocks() {
    let content = IosContent::benign();
    let sink = scan_content(&content);
    let safari = of(&sink, "ios.safari-history");
    for (visit, record) in content.safari.iter().zip(&safari) {
        assert!(has(record, ObservableKind::Url, &visit.url));
        assert!(near(record.time, visit.time));
    }
    let chrome = of(&sink, "ios.chrome-history");
    for (visit, record) in content.chrome.iter().zip(&chrome) {
        assert!(has(record, ObservableKind::Url, &visit.url));
        assert_eq!(record.time, Some(visit.time));
    }
    let tabs = of(&sink, "ios.safari-tabs");
    for (tab, record) in content.safari_tabs.iter().zip(&tabs) {
        for url in tab.history.iter().chain([&tab.url]) {
            assert!(has(record, ObservableKind::Url, url), "{url}");
        }
        assert!(near(record.time, tab.time));
    }
    let observed = of(&sink, "ios.webkit-observations");
    for (site, record) in content.webkit_observations.iter().zip(&observed) {
        assert!(has(record, ObservableKind::Domain, &site.domain));
        assert_eq!(record.time, Some(site.time));
        assert!(record.summary.contains(SAFARI_DOMAIN));
    }
    let session = of(&sink, "ios.webkit-session-log");
    assert!(has(session[0], ObservableKind::Domain, "fonts.gstatic.com"));
    assert_eq!(session[0].time, Some(content.webkit_session[0].time));
}

#[test]
fn plain_http_redirect_to_another_domain_within_a_second_is_a_signal() {
    let mut content = IosContent::benign();
    let base = UnixMillis(T0.0 + 9_000_000);
    let visit = |url: &str, offset_ms: i64, redirect_to: Option<usize>| SafariVisit {
        url: url.into(),
        time: UnixMillis(base.0 + offset_ms),
        redirect_to,
    };
    let n = content.safari.len();
    content.safari.extend([
        visit("http://news.example.com/a", 0, Some(n + 1)),
        visit("https://inject.example.net/x", 300, None),
        visit("http://shop.example.com/b", 10_000, Some(n + 3)),
        visit("https://shop.example.com/b", 10_200, None),
        visit("http://slow.example.com/c", 20_000, Some(n + 5)),
        visit("https://elsewhere.example.org/", 25_000, None),
    ]);
    let sink = scan_content(&content);
    let fast = signals(&sink, "ios.safari-fast-redirect");
    assert_eq!(fast.len(), 1, "{fast:#?}");
    assert_eq!(fast[0].severity, Severity::Medium);
    assert!(has(
        &fast[0].record,
        ObservableKind::Url,
        "http://news.example.com/a"
    ));
    assert!(has(
        &fast[0].record,
        ObservableKind::Domain,
        "inject.example.net"
    ));
    assert!(fast[0].record.summary.contains("300 ms"));
}

#[test]
fn apple_threat_notification_is_a_high_signal() {
    let mut content = IosContent::benign();
    content.sms.push(Sms {
        handle: "threat-notifications@apple.com".into(),
        text: "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone. \
               Learn more https://support.apple.com/en-us/102174"
            .into(),
        time: UnixMillis(T0.0 + 1_000_000),
        from_me: false,
        service: "iMessage".into(),
        attributed_only: false,
    });
    let sink = scan_content(&content);
    let notices = signals(&sink, "ios.apple-threat-notification");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].severity, Severity::High);
    assert!(near(notices[0].record.time, UnixMillis(T0.0 + 1_000_000)));
}

#[test]
fn data_usage_missing_process_records_and_gaps() {
    let mut content = IosContent::benign();
    let process = |pk: i64, name: &str| ProcessUse {
        pk,
        name: Some(name.into()),
        bundle: Some(format!("com.apple.{name}")),
        first: UnixMillis(T0.0 + pk * 1000),
        last: UnixMillis(T0.0 + pk * 2000),
    };
    content.datausage = ProcessTable {
        processes: vec![
            process(1, "apsd"),
            process(2, "cloudd"),
            process(5, "assistantd"),
        ],
        orphan_usage: vec![(3, UnixMillis(T0.0 + 5000)), (3, UnixMillis(T0.0 + 6000))],
    };
    let sink = scan_content(&content);
    let records = of(&sink, "ios.datausage");
    assert_eq!(records.len(), 3);
    assert!(has(
        records[2],
        ObservableKind::AppId,
        "com.apple.assistantd"
    ));
    assert_eq!(records[2].time, Some(UnixMillis(T0.0 + 5000)));
    let missing = signals(&sink, "ios.process-record-missing");
    assert_eq!(
        missing.len(),
        1,
        "one signal per missing process, not per usage row"
    );
    assert_eq!(missing[0].severity, Severity::Medium);
    let gaps = signals(&sink, "ios.process-records-gap");
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0]
            .title
            .contains("2 process records missing after \"cloudd\""),
        "{}",
        gaps[0].title
    );
}

#[test]
fn tcc_grants_and_their_signals() {
    let mut content = IosContent::benign();
    let grant = |service: &str, client: &str, by_path: bool, auth_value: i64| TccGrant {
        service: service.into(),
        client: client.into(),
        by_path,
        auth_value,
        time: UnixMillis(T0.0 + 3_000_000),
    };
    content.tcc.extend([
        grant("kTCCServiceMicrophone", "/private/var/tmp/helperd", true, 2),
        grant("kTCCServiceCamera", "com.example.videochat", false, 2),
        grant("kTCCServiceCamera", "com.example.denied", false, 0),
    ]);
    let sink = scan_content(&content);
    let records = of(&sink, "ios.tcc");
    assert_eq!(records.len(), content.tcc.len());
    let path = records
        .iter()
        .find(|r| has(r, ObservableKind::FilePath, "/private/var/tmp/helperd"));
    assert!(
        path.is_some_and(|r| has(r, ObservableKind::ProcessName, "helperd")
            && r.time == Some(UnixMillis(T0.0 + 3_000_000)))
    );
    assert!(records
        .iter()
        .any(|r| has(r, ObservableKind::AppId, "com.example.videochat")));
    assert_eq!(signals(&sink, "ios.tcc-path-client").len(), 1);
    let capture = signals(&sink, "ios.tcc-capture-grant");
    assert_eq!(capture.len(), 1);
    assert_eq!(capture[0].severity, Severity::Info);
    assert_eq!(sink.signals.len(), 2);
}

#[test]
fn apps_from_elsewhere_and_profiles_that_silence_notifications() {
    let mut content = IosContent::benign();
    content.apps.push(App {
        bundle: "com.example.sideloaded".into(),
        name: "Helper".into(),
        artist: "Nobody".into(),
        source_app: Some("com.example.installer".into()),
        purchased: UnixMillis(T0.0 - 86_400_000),
        metadata_has_id: false,
    });
    content.profiles.push(Profile {
        uuid: "11111111-2222-4333-8444-555555555555".into(),
        identifier: "com.example.quiet".into(),
        name: "Quiet".into(),
        organization: "Example".into(),
        payload_types: vec!["com.apple.notificationsettings".into()],
        installed: UnixMillis(T0.0 - 3_600_000),
        installed_by: "profiled-helper".into(),
    });
    let sink = scan_content(&content);
    let apps = of(&sink, "ios.apps");
    assert_eq!(apps.len(), content.apps.len());
    let side = apps
        .iter()
        .find(|r| has(r, ObservableKind::AppId, "com.example.sideloaded"));
    assert!(side.is_some_and(|r| r.time == Some(UnixMillis(T0.0 - 86_400_000))));
    assert_eq!(signals(&sink, "ios.app-other-installer").len(), 1);
    assert_eq!(signals(&sink, "ios.app-without-store-id").len(), 1);
    let quiet = signals(&sink, "ios.profile-notification-settings");
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0].severity, Severity::Medium);
    assert_eq!(quiet[0].record.time, Some(UnixMillis(T0.0 - 3_600_000)));
    assert!(has(
        &quiet[0].record,
        ObservableKind::ConfigurationProfileId,
        "com.example.quiet"
    ));
    let events = of(&sink, "ios.profile-events");
    assert_eq!(events.len(), 1);
    assert!(has(
        events[0],
        ObservableKind::ProcessName,
        "profiled-helper"
    ));
    assert!(has(
        events[0],
        ObservableKind::ConfigurationProfileId,
        "com.example.quiet"
    ));
    assert_eq!(events[0].time, Some(UnixMillis(T0.0 - 3_600_000)));
    assert_eq!(signals(&sink, "ios.profile-event").len(), 1);
}

#[test]
fn identity_cache_handles_with_zero_bytes() {
    let mut content = IosContent::benign();
    content.idstatus.push(IdLookup {
        service: "com.apple.madrid".into(),
        handle: "mailto:odd\u{0}\u{0}@example.net".into(),
        status: 2,
        time: UnixMillis(T0.0 + 42_000),
    });
    let sink = scan_content(&content);
    let odd = signals(&sink, "ios.idstatus-zero-bytes");
    assert_eq!(odd.len(), 1);
    assert!(odd[0].title.contains("odd\\x00\\x00@example.net"));
    assert!(near(odd[0].record.time, UnixMillis(T0.0 + 42_000)));
    let lookups = of(&sink, "ios.idstatuscache");
    assert!(lookups
        .iter()
        .any(|r| has(r, ObservableKind::Email, "friend@example.org")));
}

#[test]
fn calls_and_whatsapp() {
    let content = IosContent::benign();
    let sink = scan_content(&content);
    let calls = of(&sink, "ios.calls");
    for (call, record) in content.calls.iter().zip(&calls) {
        assert!(near(record.time, call.time));
        assert_eq!(
            has(record, ObservableKind::Email, &call.address),
            call.address.contains('@')
        );
    }
    let whatsapp = of(&sink, "ios.whatsapp");
    assert!(whatsapp.iter().any(|r| has(
        r,
        ObservableKind::Url,
        "https://en.wikipedia.org/wiki/Item_0"
    )));
    // WhatsApp's own media links are not kept.
    assert!(!whatsapp
        .iter()
        .any(|r| has(r, ObservableKind::Domain, "mmg.whatsapp.net")));
    for (message, record) in content.whatsapp.iter().zip(&whatsapp) {
        assert!(near(record.time, message.time));
    }
}

/// A backup whose sms.db has `count` long messages (so it spans many pages).
fn big_sms(count: usize) -> (IosContent, Vec<u8>) {
    let sms = (0..count)
        .map(|i| Sms {
            handle: format!("+1555{i:07}"),
            text: format!("message {i} https://site{i}.example/ {}", "x".repeat(300)),
            time: UnixMillis(T0.0 + i as i64 * 1000),
            from_me: false,
            service: "SMS".into(),
            attributed_only: false,
        })
        .collect();
    let content = IosContent {
        sms,
        ..IosContent::default()
    };
    let built = build(&content);
    let db = built
        .file("HomeDomain", "Library/SMS/sms.db")
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    (content, db)
}

fn backup_with(domain: &str, path: &str, bytes: Vec<u8>) -> MemoryBackup {
    MemoryBackup::new(vec![(domain.into(), path.into(), bytes)])
}

#[test]
fn truncated_database_keeps_the_rows_before_the_damage() {
    let (_, db) = big_sms(2000);
    assert!(db.len() > 400_000);
    let cut = db[..db.len() * 6 / 10].to_vec();
    let sink = scan(&backup_with("HomeDomain", "Library/SMS/sms.db", cut));
    let read = of(&sink, "ios.sms");
    assert!(
        read.len() > 100 && read.len() < 2000,
        "{} rows {:#?}",
        read.len(),
        sink.diagnostics
    );
    for (i, record) in read.iter().enumerate() {
        assert!(has(
            record,
            ObservableKind::Url,
            &format!("https://site{i}.example/")
        ));
    }
    assert!(
        sink.diagnostics
            .iter()
            .any(|d| d.source == "HomeDomain/Library/SMS/sms.db"
                && d.message.contains(&format!("after {} rows", read.len()))),
        "{:#?}",
        sink.diagnostics
    );
}

#[test]
fn corrupt_page_in_the_middle_keeps_the_rows_before() {
    let (_, mut db) = big_sms(2000);
    let page = u16::from_be_bytes([db[16], db[17]]) as usize;
    let middle = db.len() / 2 / page * page;
    for b in &mut db[middle..middle + page] {
        *b = 0xA5;
    }
    let sink = scan(&backup_with("HomeDomain", "Library/SMS/sms.db", db));
    let read = of(&sink, "ios.sms").len();
    assert!(read > 100 && read < 2000, "{read} rows");
    assert_eq!(sink.diagnostics.len(), 1, "{:#?}", sink.diagnostics);
}

#[test]
fn garbage_empty_and_foreign_databases_are_diagnostics() {
    let garbage: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let foreign = fixtures::database("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('x');", |_| Ok(()))
        .unwrap_or_default();
    let mut header_only = b"SQLite format 3\0\x10\x00".to_vec();
    header_only.resize(100, 0);
    let mut blank_page = header_only.clone();
    blank_page.resize(4096, 0);
    for (bytes, expect) in [
        (garbage, "not an SQLite database"),
        (Vec::new(), "not an SQLite database"),
        (foreign, "no table of the expected shape"),
        (header_only, "shorter than one 4096 byte page"),
        (blank_page, "could not read the database"),
    ] {
        let sink = scan(&backup_with("HomeDomain", "Library/SMS/sms.db", bytes));
        assert!(of(&sink, "ios.sms").is_empty());
        assert_eq!(sink.diagnostics.len(), 1, "{:#?}", sink.diagnostics);
        assert!(
            sink.diagnostics[0].message.contains(expect),
            "{:#?}",
            sink.diagnostics
        );
    }
}

#[test]
fn every_database_check_survives_garbage_and_truncation() {
    let mut content = IosContent::benign();
    content.plant(&planted());
    let built = build(&content);
    for (domain, path, bytes) in &built.files {
        if !bytes.starts_with(b"SQLite format 3\0") && !bytes.starts_with(b"bplist00") {
            continue;
        }
        for damaged in [
            bytes[..bytes.len() / 3].to_vec(),
            bytes.iter().map(|b| b ^ 0x5A).collect(),
        ] {
            let mut backup = built.clone().into_memory();
            backup.files.insert((domain.clone(), path.clone()), damaged);
            let sink = scan(&backup);
            // Only files a check reads report; the damage never stops the other checks.
            assert!(sink.records.len() > 100, "{path}");
            assert!(
                sink.diagnostics
                    .iter()
                    .all(|d| d.source.ends_with(path.as_str())),
                "{path}: {:#?}",
                sink.diagnostics
            );
        }
    }
}

#[test]
fn damaged_property_lists_are_diagnostics() {
    let mut content = IosContent::benign();
    content.plant(&planted());
    let built = build(&content);
    let plists = [
        ("HomeDomain", "Library/Preferences/com.apple.identityservices.idstatuscache.plist"),
        (SAFARI_DOMAIN, "Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist"),
    ];
    for (domain, path) in plists {
        let bytes = built
            .file(domain, path)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let mut backup = built.clone().into_memory();
        backup.files.insert(
            (domain.into(), path.into()),
            bytes[..bytes.len() / 2].to_vec(),
        );
        let sink = scan(&backup);
        let expected = format!("{domain}/{path}");
        assert_eq!(sink.diagnostics.len(), 1, "{:#?}", sink.diagnostics);
        assert_eq!(sink.diagnostics[0].source, expected);
    }
    let mut backup = built.into_memory();
    backup.backup_files.insert(
        "Info.plist".into(),
        b"<?xml version=\"1.0\"?><plist><dict><key>A".to_vec(),
    );
    let sink = scan(&backup);
    assert!(sink.diagnostics.iter().any(|d| d.source == "Info.plist"));
    // Manifest.plist still names the apps.
    assert!(of(&sink, "ios.apps")
        .iter()
        .any(|r| has(r, ObservableKind::AppId, "com.example.spy")));
}

#[test]
fn huge_message_text_is_bounded() {
    let mut content = IosContent::default();
    let text = (0..20_000)
        .map(|i| format!("https://u{i}.example/p "))
        .collect::<String>();
    assert!(text.len() > 2 * MAX_TEXT_BYTES);
    content.sms.push(Sms {
        handle: "+15550100001".into(),
        text,
        time: T0,
        from_me: false,
        service: "SMS".into(),
        attributed_only: false,
    });
    let sink = scan_content(&content);
    let record = of(&sink, "ios.sms")[0];
    let urls = record
        .observables
        .iter()
        .filter(|o| o.kind == ObservableKind::Url)
        .count();
    assert_eq!(urls, MAX_URLS_PER_TEXT);
    assert!(record.summary.len() < 400);
    assert!(sink
        .diagnostics
        .iter()
        .any(|d| d.message.contains("URLs beyond")));
    assert!(sink
        .diagnostics
        .iter()
        .any(|d| d.message.contains("1 message texts longer than")));
}

#[test]
fn netusage_reads_like_datausage() {
    let mut content = IosContent::benign();
    content.netusage = ProcessTable {
        processes: vec![ProcessUse {
            pk: 1,
            name: Some("networkd".into()),
            bundle: Some("com.apple.networkd".into()),
            first: T0,
            last: T0,
        }],
        orphan_usage: Vec::new(),
    };
    let sink = scan_content(&content);
    let records = of(&sink, "ios.netusage");
    assert_eq!(records.len(), 1);
    assert!(has(records[0], ObservableKind::ProcessName, "networkd"));
    assert_eq!(
        records[0].source,
        "RootDomain/Library/networkd/netusage.sqlite"
    );
}

#[test]
fn analytics_databases_name_processes_and_domains() {
    let mut event = plist::Dictionary::new();
    event.insert("process".into(), plist::Value::String("bh".into()));
    event.insert(
        "client".into(),
        plist::Value::String("/private/var/tmp/evild".into()),
    );
    event.insert("host".into(), plist::Value::String("c2.example.net".into()));
    event.insert(
        "note".into(),
        plist::Value::String("fetch https://x.example.org/p failed".into()),
    );
    let mut blob = Vec::new();
    assert!(plist::Value::Dictionary(event)
        .to_writer_binary(&mut blob)
        .is_ok());
    let db = fixtures::database(
        "CREATE TABLE hard_failures (timestamp REAL, data BLOB);
         CREATE TABLE soft_failures (timestamp REAL, data BLOB);",
        |c| {
            c.execute(
                "INSERT INTO hard_failures VALUES (?1, ?2)",
                rusqlite::params![1_790_000_000.0, blob],
            )?;
            c.execute(
                "INSERT INTO soft_failures VALUES (?1, x'00')",
                [1_790_000_001.0],
            )?;
            Ok(())
        },
    )
    .unwrap_or_default();
    let sink = scan(&backup_with(
        "RootDomain",
        "Library/Keychains/Analytics/trust.db",
        db,
    ));
    let records = of(&sink, "ios.analytics");
    assert_eq!(records.len(), 2);
    assert!(has(records[0], ObservableKind::ProcessName, "bh"));
    assert!(has(records[0], ObservableKind::ProcessName, "evild"));
    assert!(has(records[0], ObservableKind::Domain, "c2.example.net"));
    assert!(has(records[0], ObservableKind::Domain, "x.example.org"));
    assert_eq!(records[0].time, Some(UnixMillis(1_790_000_000_000)));
    // The second row's data is not a property list: a diagnostic, and the row still counts.
    assert_eq!(sink.diagnostics.len(), 1, "{:#?}", sink.diagnostics);
}

#[test]
fn tcc_of_older_ios_uses_the_allowed_column() {
    let db = fixtures::database(
        "CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL,
           client_type INTEGER NOT NULL, allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL,
           csreq BLOB, last_modified INTEGER);
         INSERT INTO access VALUES ('kTCCServiceMicrophone', '/usr/libexec/helper', 1, 1, 0, NULL, 1700000000);
         INSERT INTO access VALUES ('kTCCServiceCamera', 'com.example.cam', 0, 0, 1, NULL, 1700000001);",
        |_| Ok(()),
    )
    .unwrap_or_default();
    let sink = scan(&backup_with("HomeDomain", "Library/TCC/TCC.db", db));
    let records = of(&sink, "ios.tcc");
    assert_eq!(records.len(), 2);
    assert!(records[0].summary.ends_with("allowed"));
    assert!(records[1].summary.ends_with("denied"));
    assert_eq!(records[0].time, Some(UnixMillis(1_700_000_000_000)));
    assert_eq!(signals(&sink, "ios.tcc-path-client").len(), 1);
    assert!(sink.diagnostics.is_empty());
}

#[test]
fn write_ahead_log_databases_are_read_and_the_log_is_mentioned() {
    let content = IosContent::benign();
    let built = build(&content);
    let mut backup = built.into_memory();
    let key = ("HomeDomain".to_string(), "Library/TCC/TCC.db".to_string());
    if let Some(db) = backup.files.get_mut(&key) {
        db[18] = 2;
        db[19] = 2;
    }
    backup.files.insert(
        ("HomeDomain".into(), "Library/TCC/TCC.db-wal".into()),
        vec![0; 32],
    );
    let sink = scan(&backup);
    assert_eq!(of(&sink, "ios.tcc").len(), content.tcc.len());
    assert_eq!(sink.diagnostics.len(), 1);
    assert!(sink.diagnostics[0].message.contains("write-ahead log"));
}

#[test]
fn an_empty_backup_reports_nothing() {
    let sink = scan(&MemoryBackup::default());
    assert!(sink.records.is_empty() && sink.signals.is_empty() && sink.diagnostics.is_empty());
}

#[test]
fn a_folder_backup_reads_like_the_memory_one() {
    let mut content = IosContent::benign();
    content.plant(&planted());
    let built = build(&content);
    let root =
        std::env::temp_dir().join(format!("stingwatch-ios-artifacts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    assert!(built.write_folder(&root).is_ok());
    let mut from_folder = CollectingSink::default();
    scan_backup(&FolderBackup { root: root.clone() }, &mut from_folder);
    let from_memory = scan(&built.into_memory());
    let _ = std::fs::remove_dir_all(&root);
    let not_manifest = |s: &CollectingSink| -> Vec<ArtifactRecord> {
        let mut r: Vec<_> = s
            .records
            .iter()
            .filter(|r| r.artifact != "ios.manifest")
            .cloned()
            .collect();
        r.sort_by(|a, b| (&a.source, &a.locator).cmp(&(&b.source, &b.locator)));
        r
    };
    assert_eq!(not_manifest(&from_folder), not_manifest(&from_memory));
    assert_eq!(from_folder.signals.len(), from_memory.signals.len());
    // The folder lists directories too; every file is there.
    let files = |s: &CollectingSink| {
        s.records
            .iter()
            .filter(|r| r.artifact == "ios.manifest" && r.summary.starts_with("Backup file"))
            .count()
    };
    assert_eq!(files(&from_folder), files(&from_memory));
}

/// A backup whose manifest lists files its folder lacks, or says are huge.
struct Incomplete(MemoryBackup);

impl stingwatch_ios_artifacts::BackupSource for Incomplete {
    fn entries(
        &self,
        visit: &mut dyn FnMut(stingwatch_ios_artifacts::ManifestEntry),
    ) -> Result<(), String> {
        self.0.entries(visit)?;
        for (path, size) in [("Library/SMS/sms.db", 10), ("Library/TCC/TCC.db", u64::MAX)] {
            visit(stingwatch_ios_artifacts::ManifestEntry {
                domain: "HomeDomain".into(),
                relative_path: path.into(),
                file_id: String::new(),
                size: Some(size),
                mtime: None,
                is_dir: false,
            });
        }
        Err("Manifest.db: database disk image is malformed".into())
    }

    fn read(&self, domain: &str, relative_path: &str) -> Result<Option<Vec<u8>>, String> {
        assert_ne!(
            relative_path, "Library/TCC/TCC.db",
            "an oversize file is not loaded"
        );
        self.0.read(domain, relative_path)
    }
}

#[test]
fn files_listed_but_missing_or_oversize_and_a_broken_manifest_are_diagnostics() {
    let sink = {
        let mut sink = CollectingSink::default();
        scan_backup(&Incomplete(MemoryBackup::default()), &mut sink);
        sink
    };
    assert_eq!(of(&sink, "ios.manifest").len(), 2);
    let about = |needle: &str| {
        sink.diagnostics
            .iter()
            .filter(|d| d.message.contains(needle))
            .count()
    };
    assert_eq!(
        about("missing from the backup"),
        1,
        "{:#?}",
        sink.diagnostics
    );
    assert_eq!(about("as the manifest says"), 1);
    assert_eq!(about("listing stopped after 2 entries"), 1);
}

#[test]
fn in_app_browser_webkit_data_is_read_too() {
    let built = build(&IosContent::benign());
    let observations = built
        .file(
            SAFARI_DOMAIN,
            "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db",
        )
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let sink = scan(&backup_with(
        "AppDomain-com.example.reader",
        "SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/observations.db",
        observations,
    ));
    let records = of(&sink, "ios.webkit-observations");
    assert_eq!(
        records.len(),
        IosContent::benign().webkit_observations.len()
    );
    assert!(records[0].summary.contains("AppDomain-com.example.reader"));
}

#[test]
fn sms_attachments_and_files_staged_in_tmp() {
    let mut content = IosContent::benign();
    content.sms_attachments.push(fixtures::SmsAttachment {
        message: 1,
        filename: "/var/tmp/com.apple.messages/ABCD-1".into(),
        transfer_name: "ABCD-1".into(),
        mime_type: "image/gif".into(),
        time: UnixMillis(T0.0 + 77_000),
    });
    let sink = scan_content(&content);
    let records = of(&sink, "ios.sms-attachments");
    assert_eq!(records.len(), content.sms_attachments.len());
    let first = &content.sms_attachments[0];
    assert!(has(records[0], ObservableKind::FilePath, &first.filename));
    assert!(has(
        records[0],
        ObservableKind::FileName,
        &first.transfer_name
    ));
    assert!(has(
        records[0],
        ObservableKind::Email,
        &content.sms[first.message].handle
    ));
    assert!(near(records[0].time, first.time));
    let staged = signals(&sink, "ios.imessage-attachment-in-tmp");
    assert_eq!(staged.len(), 1, "{:#?}", sink.signals);
    assert_eq!(staged[0].severity, Severity::Medium);
    assert_eq!(sink.signals.len(), 1);
}

#[test]
fn a_query_that_never_ends_is_stopped_by_its_step_budget() {
    // A hostile file can name a view where a table belongs; this one counts for ever and
    // never yields a row.
    let db = fixtures::database(
        "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);
         CREATE VIEW message AS
           WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
           SELECT x AS ROWID, 'text' AS text, 0 AS date, 0 AS is_from_me, 'SMS' AS service,
                  0 AS handle_id, NULL AS attributedBody
           FROM n WHERE x < 0;",
        |_| Ok(()),
    )
    .unwrap_or_default();
    let started = std::time::Instant::now();
    let sink = scan(&backup_with("HomeDomain", "Library/SMS/sms.db", db));
    assert!(of(&sink, "ios.sms").is_empty());
    assert_eq!(sink.diagnostics.len(), 1, "{:#?}", sink.diagnostics);
    assert!(
        sink.diagnostics[0].message.contains("steps (the limit)"),
        "{:#?} after {:?}",
        sink.diagnostics,
        started.elapsed()
    );
}
