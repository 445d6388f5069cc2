//! Damaged files inside real backups, plain and encrypted: truncated and corrupted databases,
//! cut ciphertext, an unreadable Info.plist. Each yields the findings of what is readable plus
//! a diagnostic naming the file.

mod common;

use common::*;
use stingwatch_ios_artifacts::fixtures::{
    write_built_backup, writer_options, BuiltBackup, IosContent, Sms, WhatsAppMessage, T0,
};
use stingwatch_phone_findings::ScanResult;
use stingwatch_phone_model::UnixMillis;

const SMS_DB: (&str, &str) = ("HomeDomain", "Library/SMS/sms.db");
const WHATSAPP_DB: (&str, &str) = (
    "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
    "ChatStorage.sqlite",
);
const CHROME_DB: (&str, &str) = (
    "AppDomain-com.google.chrome.ios",
    "Library/Application Support/Google/Chrome/Default/History",
);
const TCC_DB: (&str, &str) = ("HomeDomain", "Library/TCC/TCC.db");

fn label((domain, path): (&str, &str)) -> String {
    format!("{domain}/{path}")
}

/// The planted phone with thousands of later messages, so that the planted ones sit in the
/// first pages of their databases and the damage falls after them.
fn busy_planted() -> IosContent {
    let mut content = planted_content();
    for i in 0..2000 {
        let time = UnixMillis(T0.0 + 3_000_000 + i * 1000);
        content.sms.push(Sms {
            handle: format!("+1555{i:07}"),
            text: format!(
                "message {i} https://en.wikipedia.org/wiki/{i} {}",
                "x".repeat(200)
            ),
            time,
            from_me: false,
            service: "SMS".into(),
            attributed_only: false,
        });
        content.whatsapp.push(WhatsAppMessage {
            text: format!("whatsapp {i} {}", "y".repeat(200)),
            peer: "15550100001@s.whatsapp.net".into(),
            from_me: i % 2 == 0,
            time,
            media_url: None,
            link_preview: None,
        });
    }
    content
}

fn file_mut<'a>(built: &'a mut BuiltBackup, (domain, path): (&str, &str)) -> &'a mut Vec<u8> {
    built
        .files
        .iter_mut()
        .find(|(d, p, _)| d == domain && p == path)
        .map(|(_, _, b)| b)
        .unwrap_or_else(|| panic!("{domain}/{path} not built"))
}

/// Cuts sms.db at 60% and fills a page in the middle of ChatStorage.sqlite with garbage.
fn damaged() -> BuiltBackup {
    let content = busy_planted();
    let mut built = content.build().unwrap();
    let sms = file_mut(&mut built, SMS_DB);
    assert!(sms.len() > 400_000, "{}", sms.len());
    sms.truncate(sms.len() * 6 / 10);
    let chat = file_mut(&mut built, WHATSAPP_DB);
    let page = usize::from(u16::from_be_bytes([chat[16], chat[17]]));
    let middle = chat.len() / 2 / page * page;
    chat[middle..middle + page].fill(0xA5);
    built
}

fn diagnostics_about<'a>(result: &'a ScanResult, file: &str) -> Vec<&'a str> {
    result
        .diagnostics
        .iter()
        .filter(|d| d.source == file)
        .map(|d| d.message.as_str())
        .collect()
}

#[test]
fn damaged_databases_in_an_encrypted_backup_give_what_is_readable_as_its_plain_twin_does() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let built = damaged();
    let options = writer_options(&busy_planted());
    let (plain, enc) = (tmp.path().join("plain"), tmp.path().join("enc"));
    write_built_backup(&plain, &built, None, options.clone()).unwrap();
    write_built_backup(&enc, &built, Some(PASSWORD), options).unwrap();

    let a = scan(&plain, None, &iocs).unwrap();
    let b = scan(&enc, Some(PASSWORD), &iocs).unwrap();
    for result in [&a, &b] {
        let p = planted();
        // The planted rows come before the damage: still found.
        assert!(high_artifacts(result, &p.domain).contains(&"ios.sms"));
        assert!(high_artifacts(result, &p.email).contains(&"ios.sms"));
        assert!(high_artifacts(result, &p.domain).contains(&"ios.whatsapp"));
        // The rest of the backup is untouched.
        assert!(high_artifacts(result, &p.domain).contains(&"ios.safari-history"));
        assert!(high_artifacts(result, &p.process).contains(&"ios.datausage"));
        // Each damaged database says so, and how far it was read.
        let sms = diagnostics_about(result, &label(SMS_DB));
        assert!(
            sms.iter().any(|m| m.contains("truncated")),
            "{:#?}",
            result.diagnostics
        );
        assert!(
            !diagnostics_about(result, &label(WHATSAPP_DB)).is_empty(),
            "{:#?}",
            result.diagnostics
        );
        // Rows before the damage were read, not all of them.
        let read = result
            .artifacts
            .iter()
            .find(|c| c.artifact == "ios.sms")
            .map_or(0, |c| c.records);
        assert!(read > 100 && read < 2018, "{read} SMS records");
    }
    assert_eq!(
        serde_json::to_string(&a.findings).unwrap(),
        serde_json::to_string(&b.findings).unwrap()
    );
    assert_eq!(a.diagnostics, b.diagnostics);
}

#[test]
fn cut_ciphertext_and_an_unreadable_info_plist_are_diagnostics_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let enc = tmp.path().join("enc");
    let content = busy_planted();
    write_built_backup(
        &enc,
        &content.build().unwrap(),
        Some(PASSWORD),
        writer_options(&content),
    )
    .unwrap();
    let stored = |(domain, path): (&str, &str)| {
        let id = stingwatch_ios_backup::file_id(domain, path);
        enc.join(&id[..2]).join(&id)
    };
    // sms.db loses its last 4 KiB of ciphertext (whole blocks: the padding no longer checks).
    let sms = stored(SMS_DB);
    let bytes = std::fs::read(&sms).unwrap();
    std::fs::write(&sms, &bytes[..bytes.len() - 4096]).unwrap();
    // TCC.db is no longer a whole number of blocks.
    let tcc = stored(TCC_DB);
    let bytes = std::fs::read(&tcc).unwrap();
    std::fs::write(&tcc, &bytes[..bytes.len() - 5]).unwrap();
    // Chrome's history: garbage in place of its ciphertext's middle.
    let chrome = stored(CHROME_DB);
    let mut bytes = std::fs::read(&chrome).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 64].fill(0x5A);
    std::fs::write(&chrome, &bytes).unwrap();
    // Info.plist: not a property list at all.
    std::fs::write(
        enc.join("Info.plist"),
        b"<?xml version=\"1.0\"?><plist><dict><key>",
    )
    .unwrap();

    let result = scan(&enc, Some(PASSWORD), &iocs).unwrap();
    let p = planted();
    // The cut sms.db: the bytes before the cut are read, with the planted message.
    let sms_notes = diagnostics_about(&result, &label(SMS_DB));
    assert!(
        sms_notes.iter().any(|m| m.contains("unreadable after")),
        "{:#?}",
        result.diagnostics
    );
    assert!(high_artifacts(&result, &p.domain).contains(&"ios.sms"));
    // TCC.db cannot be decrypted at all: a diagnostic, and nothing from it.
    let tcc_notes = diagnostics_about(&result, &label(TCC_DB));
    assert!(
        tcc_notes.iter().any(|m| m.contains("multiple of 16")),
        "{:#?}",
        result.diagnostics
    );
    assert!(!result
        .artifacts
        .iter()
        .any(|c| c.artifact == "ios.tcc" && c.records > 0));
    // Garbage inside Chrome's ciphertext garbles those blocks only: the file still opens, and
    // whatever it yields, the scan goes on.
    assert!(high_artifacts(&result, &p.domain).contains(&"ios.safari-history"));
    // Info.plist: the backup says it is unreadable; the apps come from Manifest.plist.
    assert!(
        !diagnostics_about(&result, "Info.plist").is_empty(),
        "{:#?}",
        result.diagnostics
    );
    assert!(high_artifacts(&result, &p.app_id).contains(&"ios.apps"));
    // The untouched checks all still find their planted values.
    assert!(high_artifacts(&result, &p.domain).contains(&"ios.whatsapp"));
    assert!(high_artifacts(&result, &p.email).contains(&"ios.idstatuscache"));
    assert!(high_artifacts(&result, &p.profile_uuid).contains(&"ios.configuration-profiles"));
}

#[test]
fn damaged_manifest_rows_reach_the_findings_as_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let stix = tmp.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let dir = tmp.path().join("plain");
    write(&dir, &planted_content(), None);
    {
        let db = rusqlite::Connection::open(dir.join("Manifest.db")).unwrap();
        // A traversal attempt where a file ID belongs, and a record that is not an MBFile.
        let changed = db
            .execute(
                "UPDATE Files SET fileID = '../../../../etc/passwd' WHERE relativePath = ?1",
                [TCC_DB.1],
            )
            .unwrap();
        assert_eq!(changed, 1);
        db.execute(
            "UPDATE Files SET file = x'00112233' WHERE relativePath = ?1",
            [CHROME_DB.1],
        )
        .unwrap();
    }
    let result = scan(&dir, None, &iocs).unwrap();
    let tcc = diagnostics_about(&result, &label(TCC_DB));
    assert!(
        tcc.iter().any(|m| m.contains("not 40 hex digits")),
        "{:#?}",
        result.diagnostics
    );
    let chrome = diagnostics_about(&result, &label(CHROME_DB));
    assert!(!chrome.is_empty(), "{:#?}", result.diagnostics);
    // The row skipped is not read; everything else is.
    assert!(!result
        .artifacts
        .iter()
        .any(|c| c.artifact == "ios.tcc" && c.records > 0));
    let p = planted();
    assert!(high_artifacts(&result, &p.domain).contains(&"ios.sms"));
    assert!(high_artifacts(&result, &p.app_id).contains(&"ios.apps"));
}
