//! Damaged and hostile backups: every failure is an error value or a diagnostic, never a
//! panic, and nothing is read or written outside the backup.

mod common;

use common::{write_sample, PASSWORD};
use plist::Value;
use rusqlite::Connection;
use std::fs;
use std::path::Path;
use stingwatch_ios_backup::{decrypt_to, file_id, Backup, BackupError, BackupWriter, Limits};
use stingwatch_phone_model::UnixMillis;
use stingwatch_testsupport::Rng;

fn plain_sample() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_sample(tmp.path(), None);
    tmp
}

fn encrypted_sample() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_sample(tmp.path(), Some(PASSWORD));
    tmp
}

fn content_path(root: &Path, domain: &str, path: &str) -> std::path::PathBuf {
    let id = file_id(domain, path);
    root.join(&id[..2]).join(id)
}

fn edit_manifest_plist(root: &Path, edit: impl FnOnce(&mut plist::Dictionary)) {
    let path = root.join("Manifest.plist");
    let mut value = Value::from_file(&path).unwrap();
    edit(value.as_dictionary_mut().unwrap());
    fs::remove_file(&path).unwrap();
    value.to_file_binary(&path).unwrap();
}

fn many_files(n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = BackupWriter::new(tmp.path(), None).unwrap();
    for i in 0..n {
        w.add_file(
            "HomeDomain",
            &format!("Library/Many/{i:05}.txt"),
            format!("file {i}").as_bytes(),
            UnixMillis(0),
        )
        .unwrap();
    }
    w.finish().unwrap();
    tmp
}

#[test]
fn missing_or_garbage_manifest_plist_is_an_error() {
    let tmp = plain_sample();
    let path = tmp.path().join("Manifest.plist");
    let good = fs::read(&path).unwrap();
    for bad in [
        &b""[..],
        b"bplist00",
        &good[..good.len() / 2],
        b"<?xml version=\"1.0\"?><plist><dict><key>x",
    ] {
        fs::write(&path, bad).unwrap();
        assert!(
            matches!(
                Backup::open(tmp.path(), None),
                Err(BackupError::Plist { .. })
            ),
            "{bad:?}"
        );
    }
    fs::remove_file(&path).unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::NotABackup { .. })
    ));
}

#[test]
fn garbage_info_and_status_plists_are_diagnostics() {
    let tmp = plain_sample();
    fs::write(tmp.path().join("Info.plist"), b"not a plist").unwrap();
    fs::remove_file(tmp.path().join("Status.plist")).unwrap();
    let backup = Backup::open(tmp.path(), None).unwrap();
    // Device details still come from Manifest.plist.
    assert_eq!(backup.info().device_name.as_deref(), Some("Fixture Phone"));
    let sources: Vec<_> = backup
        .take_diagnostics()
        .into_iter()
        .map(|d| d.source)
        .collect();
    assert_eq!(sources, ["Info.plist", "Status.plist"]);
    assert!(backup
        .read("HomeDomain", "Library/Safari/History.db")
        .unwrap()
        .is_some());
}

#[test]
fn truncated_or_empty_manifest_db_is_an_error_or_a_diagnostic() {
    let tmp = many_files(3000);
    let db = tmp.path().join("Manifest.db");
    let good = fs::read(&db).unwrap();
    fs::write(&db, b"").unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::ManifestDb(_))
    ));
    fs::write(&db, &good[..50]).unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::ManifestDb(_))
    ));
    fs::write(&db, &good[..good.len() / 2]).unwrap();
    match Backup::open(tmp.path(), None) {
        Err(e) => assert!(matches!(e, BackupError::ManifestDb(_)), "{e}"),
        Ok(backup) => {
            let n = backup.entries().count();
            assert!(n < 3000, "{n}");
            let diagnostics = backup.take_diagnostics();
            assert!(
                diagnostics.iter().any(|d| d.source == "Manifest.db"),
                "{diagnostics:?}"
            );
        }
    }
}

#[test]
fn randomly_damaged_manifest_db_never_panics() {
    let tmp = many_files(500);
    let db = tmp.path().join("Manifest.db");
    let good = fs::read(&db).unwrap();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..40 {
        let mut bad = good.clone();
        for _ in 0..1 + rng.below(20) {
            let at = 100 + rng.below(bad.len() - 100);
            bad[at] = rng.next_u64() as u8;
        }
        fs::write(&db, &bad).unwrap();
        if let Ok(backup) = Backup::open(tmp.path(), None) {
            let entries: Vec<_> = backup.entries().collect();
            for e in entries.iter().take(50) {
                let _ = backup.read_entry(e);
            }
        }
    }
}

#[test]
fn wal_mode_header_still_opens_from_memory() {
    let tmp = plain_sample();
    let db = tmp.path().join("Manifest.db");
    let mut bytes = fs::read(&db).unwrap();
    bytes[18] = 2;
    bytes[19] = 2;
    fs::write(&db, bytes).unwrap();
    let backup = Backup::open(tmp.path(), None).unwrap();
    assert!(backup.entries().count() > 6);
}

#[test]
fn files_must_be_a_table_with_the_manifest_columns() {
    let tmp = plain_sample();
    let db = tmp.path().join("Manifest.db");
    fs::remove_file(&db).unwrap();
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE Real (a); CREATE VIEW Files AS SELECT a AS fileID, a AS domain, a AS relativePath, a AS flags, a AS file FROM Real;").unwrap();
    drop(conn);
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::ManifestDb(_))
    ));
    fs::remove_file(&db).unwrap();
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE Files (fileID, domain);")
        .unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::ManifestDb(_))
    ));
}

#[test]
fn damaged_keybag_is_a_keybag_error() {
    let tmp = encrypted_sample();
    edit_manifest_plist(tmp.path(), |d| {
        let bag = d
            .get("BackupKeyBag")
            .and_then(Value::as_data)
            .unwrap()
            .to_vec();
        d.insert(
            "BackupKeyBag".into(),
            Value::Data(bag[..bag.len() - 3].to_vec()),
        );
    });
    assert!(matches!(
        Backup::open(tmp.path(), Some(PASSWORD)),
        Err(BackupError::Keybag(_))
    ));
    edit_manifest_plist(tmp.path(), |d| {
        d.remove("BackupKeyBag");
    });
    assert!(matches!(
        Backup::open(tmp.path(), Some(PASSWORD)),
        Err(BackupError::Plist { .. })
    ));
}

#[test]
fn hostile_iteration_counts_are_refused_before_any_work() {
    let tmp = encrypted_sample();
    edit_manifest_plist(tmp.path(), |d| {
        let bag = d.get("BackupKeyBag").and_then(Value::as_data).unwrap();
        let mut parsed = stingwatch_ios_backup::Keybag::parse(bag).unwrap();
        parsed.dp_iterations = Some(u32::MAX);
        d.insert("BackupKeyBag".into(), Value::Data(parsed.to_bytes()));
    });
    // The count is checked before any PBKDF2 round runs: the error, not a four-billion-round
    // derivation, comes back.
    let err = Backup::open(tmp.path(), Some(PASSWORD)).unwrap_err();
    assert!(err.to_string().contains("DPIC iteration count"), "{err}");
}

#[test]
fn damaged_encrypted_manifest_db_is_an_error() {
    let tmp = encrypted_sample();
    let db = tmp.path().join("Manifest.db");
    let good = fs::read(&db).unwrap();
    fs::write(&db, &good[..good.len() - 1]).unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), Some(PASSWORD)),
        Err(BackupError::ManifestDb(_))
    ));
    let mut bad = good.clone();
    bad[0] ^= 0xff; // the first block then fails the SQLite header check
    fs::write(&db, &bad).unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), Some(PASSWORD)),
        Err(BackupError::ManifestDb(_))
    ));
    edit_manifest_plist(tmp.path(), |d| {
        d.insert("ManifestKey".into(), Value::Data(vec![4, 0, 0, 0, 1, 2, 3]));
    });
    fs::write(&db, &good).unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), Some(PASSWORD)),
        Err(BackupError::Keybag(_))
    ));
}

#[test]
fn missing_content_is_a_diagnostic_and_none() {
    for (tmp, password) in [(plain_sample(), None), (encrypted_sample(), Some(PASSWORD))] {
        fs::remove_file(content_path(tmp.path(), "HomeDomain", "Library/SMS/sms.db")).unwrap();
        let backup = Backup::open(tmp.path(), password).unwrap();
        assert_eq!(
            backup.read("HomeDomain", "Library/SMS/sms.db").unwrap(),
            None
        );
        let diagnostics = backup.take_diagnostics();
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].source, "HomeDomain/Library/SMS/sms.db");
        assert!(diagnostics[0].message.contains("not in the backup"));
        // The rest is still read, and a decrypted copy skips the missing file with a note.
        assert!(backup
            .read("HomeDomain", "Library/Safari/History.db")
            .unwrap()
            .is_some());
        let out = tempfile::tempdir().unwrap();
        let summary = decrypt_to(&backup, out.path().join("copy")).unwrap();
        assert_eq!(summary.skipped, 1);
        assert_eq!(summary.diagnostics.len(), 1);
    }
}

#[test]
fn damaged_encrypted_content_is_an_error_for_that_file_only() {
    let tmp = encrypted_sample();
    let path = content_path(tmp.path(), "HomeDomain", "Library/SMS/sms.db");
    let good = fs::read(&path).unwrap();
    fs::write(&path, &good[..good.len() - 1]).unwrap();
    let backup = Backup::open(tmp.path(), Some(PASSWORD)).unwrap();
    assert!(matches!(
        backup.read("HomeDomain", "Library/SMS/sms.db"),
        Err(BackupError::Content { .. })
    ));
    // The last byte decides the padding: every value but the right one is invalid padding
    // or a different content length, never a panic.
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x55;
    fs::write(&path, &bad).unwrap();
    match backup.read("HomeDomain", "Library/SMS/sms.db") {
        Err(BackupError::Content { .. }) => {}
        Ok(Some(content)) => assert_ne!(content, common::sample_files()[0].2),
        other => panic!("{other:?}"),
    }
    assert!(backup
        .read("HomeDomain", "Library/Safari/History.db")
        .unwrap()
        .is_some());
}

#[cfg(unix)]
#[test]
fn content_that_is_a_link_or_folder_is_refused() {
    let tmp = plain_sample();
    let path = content_path(tmp.path(), "HomeDomain", "Library/SMS/sms.db");
    fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", &path).unwrap();
    let backup = Backup::open(tmp.path(), None).unwrap();
    assert!(matches!(
        backup.read("HomeDomain", "Library/SMS/sms.db"),
        Err(BackupError::Content { .. })
    ));
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    assert!(matches!(
        backup.read("HomeDomain", "Library/SMS/sms.db"),
        Err(BackupError::Content { .. })
    ));
}

#[test]
fn traversal_file_ids_are_skipped_with_a_diagnostic() {
    let tmp = plain_sample();
    let outside = tmp.path().join("secret.txt");
    fs::write(&outside, b"outside the backup").unwrap();
    let conn = Connection::open(tmp.path().join("Manifest.db")).unwrap();
    let blob: Vec<u8> = conn
        .query_row(
            "SELECT file FROM Files WHERE relativePath = 'Library/SMS/sms.db'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for (i, id) in [
        "../secret.txt",
        "../../../../../../../../../../etc/passwd",
        // 40 characters, but not hex.
        "../../../../../../../../../../../../../x",
        "ab/../../secret.txt",
        "/etc/passwd",
    ]
    .iter()
    .enumerate()
    {
        conn.execute(
            "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?1, 'HomeDomain', ?2, 1, ?3)",
            (id, format!("evil{i}"), &blob),
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO Files VALUES (x'0102', 'HomeDomain', 'evil-blob-id', 1, NULL)",
        [],
    )
    .unwrap();
    drop(conn);
    let backup = Backup::open(tmp.path(), None).unwrap();
    let listed: Vec<_> = backup
        .entries()
        .filter(|e| e.relative_path.starts_with("evil"))
        .collect();
    assert!(listed.is_empty(), "{listed:?}");
    let diagnostics = backup.take_diagnostics();
    assert_eq!(diagnostics.len(), 6, "{diagnostics:?}");
    assert!(diagnostics
        .iter()
        .all(|d| d.message.contains("not 40 hex digits")));
    for i in 0..5 {
        assert_eq!(
            backup.read("HomeDomain", &format!("evil{i}")).unwrap(),
            None
        );
    }
    let out = tempfile::tempdir().unwrap();
    let summary = decrypt_to(&backup, out.path().join("copy")).unwrap();
    assert_eq!(summary.files, common::sample_files().len() as u64);
    assert!(!out.path().join("etc").exists());
}

#[test]
fn bad_file_records_keep_the_entry_with_a_diagnostic() {
    let tmp = plain_sample();
    let conn = Connection::open(tmp.path().join("Manifest.db")).unwrap();
    conn.execute(
        "UPDATE Files SET file = x'62706c6973743030ff' WHERE relativePath = 'Library/SMS/sms.db'",
        [],
    )
    .unwrap();
    conn.execute(
        "UPDATE Files SET file = 'text' WHERE relativePath = 'Library/Safari/History.db'",
        [],
    )
    .unwrap();
    conn.execute("UPDATE Files SET file = zeroblob(2000000) WHERE relativePath = 'Library/Preferences/empty.plist'", []).unwrap();
    drop(conn);
    let backup = Backup::open(tmp.path(), None).unwrap();
    let sms = backup
        .find("HomeDomain", "Library/SMS/sms.db")
        .unwrap()
        .unwrap();
    assert_eq!(sms.size, None);
    // The content is still there and readable.
    assert!(backup.read_entry(&sms).unwrap().is_some());
    assert!(backup
        .find("HomeDomain", "Library/Safari/History.db")
        .unwrap()
        .is_some());
    assert!(backup
        .find("HomeDomain", "Library/Preferences/empty.plist")
        .unwrap()
        .is_some());
    let sources: Vec<_> = backup
        .take_diagnostics()
        .into_iter()
        .map(|d| d.source)
        .collect();
    assert_eq!(
        sources,
        [
            "HomeDomain/Library/SMS/sms.db",
            "HomeDomain/Library/Safari/History.db",
            "HomeDomain/Library/Preferences/empty.plist"
        ]
    );
}

#[test]
fn named_limits_hold() {
    let tmp = plain_sample();
    let small = |l: Limits| Backup::open_with_limits(tmp.path(), None, l);
    let backup = small(Limits {
        max_read_bytes: 1000,
        ..Limits::default()
    })
    .unwrap();
    assert!(matches!(
        backup.read("RootDomain", "Library/Caches/locationd/cache.bin"),
        Err(BackupError::TooLarge { .. })
    ));
    assert!(backup
        .read("HomeDomain", "Library/SMS/sms.db")
        .unwrap()
        .is_some());
    let backup = small(Limits {
        max_entries: 3,
        ..Limits::default()
    })
    .unwrap();
    assert_eq!(backup.entries().count(), 3);
    assert!(backup.take_diagnostics()[0]
        .message
        .contains("more than 3 entries"));
    assert!(matches!(
        small(Limits {
            max_manifest_db_bytes: 100,
            ..Limits::default()
        }),
        Err(BackupError::TooLarge { .. })
    ));
    assert!(matches!(
        small(Limits {
            max_plist_bytes: 10,
            ..Limits::default()
        }),
        Err(BackupError::TooLarge { .. })
    ));
}

#[test]
fn deeply_nested_plists_are_errors_not_stack_overflows() {
    let tmp = plain_sample();
    let n = 200_000;
    let nested = format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\">{}{}</plist>",
        "<array>".repeat(n),
        "</array>".repeat(n)
    );
    fs::write(tmp.path().join("Info.plist"), &nested).unwrap();
    let backup = Backup::open(tmp.path(), None).unwrap();
    let diagnostics = backup.take_diagnostics();
    assert!(
        diagnostics[0].message.contains("nests deeper"),
        "{diagnostics:?}"
    );
    drop(backup);
    let conn = Connection::open(tmp.path().join("Manifest.db")).unwrap();
    conn.execute(
        "UPDATE Files SET file = ?1 WHERE relativePath = 'Library/SMS/sms.db'",
        [nested.as_bytes()],
    )
    .unwrap();
    drop(conn);
    let backup = Backup::open(tmp.path(), None).unwrap();
    assert!(backup
        .find("HomeDomain", "Library/SMS/sms.db")
        .unwrap()
        .is_some());
    fs::write(tmp.path().join("Manifest.plist"), &nested).unwrap();
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::Plist { .. })
    ));
}
