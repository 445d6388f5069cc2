//! Backups written by the crate's writer read back identically, plain and encrypted.

mod common;

use common::{sample_files, write_sample, PASSWORD};
use std::collections::BTreeSet;
use std::path::Path;
use stingwatch_ios_backup::{decrypt_to, file_id, Backup, BackupError, EntryKind};

fn check_contents(backup: &Backup) {
    for (domain, path, content, mtime) in sample_files() {
        let entry = backup.find(domain, path).unwrap().expect("listed");
        assert_eq!(entry.kind, EntryKind::File);
        assert_eq!(entry.file_id, file_id(domain, path));
        assert_eq!(entry.size, Some(content.len() as u64));
        assert_eq!(entry.mtime, Some(mtime));
        assert_eq!(
            backup.read(domain, path).unwrap().as_deref(),
            Some(&content[..]),
            "{domain}/{path}"
        );
        let mut streamed = Vec::new();
        std::io::Read::read_to_end(
            &mut backup.open_entry(&entry).unwrap().unwrap(),
            &mut streamed,
        )
        .unwrap();
        assert_eq!(streamed, content);
    }
    assert_eq!(
        backup.read("HomeDomain", "Library/SMS/nothing.db").unwrap(),
        None
    );
    assert!(backup.take_diagnostics().is_empty());
}

fn check_listing(backup: &Backup) {
    let entries: Vec<_> = backup.entries().collect();
    let dirs: BTreeSet<(String, String)> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Directory)
        .map(|e| (e.domain.clone(), e.relative_path.clone()))
        .collect();
    for (domain, path) in [
        ("HomeDomain", ""),
        ("HomeDomain", "Library"),
        ("HomeDomain", "Library/SMS"),
        ("RootDomain", "Library/Caches/locationd"),
    ] {
        assert!(
            dirs.contains(&(domain.to_string(), path.to_string())),
            "{domain}/{path} folder"
        );
    }
    let files = entries.iter().filter(|e| e.kind == EntryKind::File).count();
    assert_eq!(files, sample_files().len());
    // A folder has no content.
    let dir = backup.find("HomeDomain", "Library").unwrap().unwrap();
    assert_eq!(backup.read_entry(&dir).unwrap(), None);
    let app_files: Vec<_> = backup.entries_like("AppDomain-%", "%.sqlite").collect();
    assert_eq!(app_files.len(), 1);
    assert_eq!(app_files[0].relative_path, "Documents/ChatStorage.sqlite");
}

fn check_info(backup: &Backup) {
    let info = backup.info();
    assert_eq!(info.device_name.as_deref(), Some("Fixture Phone"));
    assert_eq!(info.ios_version.as_deref(), Some("17.5.1"));
    assert_eq!(info.product_type.as_deref(), Some("iPhone14,5"));
    assert_eq!(
        info.date.map(|d| d.iso8601()).as_deref(),
        Some("2026-01-01T00:00:00.000Z")
    );
    assert_eq!(info.snapshot_state.as_deref(), Some("finished"));
    assert!(info.identifiers.udid.is_some());
    let apps: Vec<_> = info
        .installed_apps
        .iter()
        .map(|a| (a.bundle_id.as_str(), a.source_app.as_deref()))
        .collect();
    assert_eq!(
        apps,
        [
            ("com.example.messenger", Some("com.apple.AppStore")),
            (
                "com.example.sideloaded",
                Some("com.example.thirdpartystore")
            )
        ]
    );
    assert_eq!(info.installed_apps[0].name.as_deref(), Some("Messenger"));
    assert_eq!(
        info.installed_apps[0]
            .purchase_date
            .map(|d| d.iso8601())
            .as_deref(),
        Some("2023-11-14T22:13:20.000Z")
    );
}

#[test]
fn plain_backup_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    write_sample(tmp.path(), None);
    let backup = Backup::open(tmp.path(), None).unwrap();
    assert!(!backup.is_encrypted());
    assert!(!backup.info().is_encrypted);
    check_contents(&backup);
    check_listing(&backup);
    check_info(&backup);
    // A password given for a plain backup is ignored.
    assert!(Backup::open(tmp.path(), Some("whatever")).is_ok());
}

#[test]
fn encrypted_backup_round_trips_and_keeps_nothing_plain_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    write_sample(tmp.path(), Some(PASSWORD));
    let backup = Backup::open(tmp.path(), Some(PASSWORD)).unwrap();
    assert!(backup.is_encrypted());
    check_contents(&backup);
    check_listing(&backup);
    check_info(&backup);
    assert!(backup
        .manifest_db_bytes()
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
    // Neither the manifest nor any content is plaintext on disk.
    let db = std::fs::read(tmp.path().join("Manifest.db")).unwrap();
    assert!(!db.starts_with(b"SQLite format 3"));
    for file in walk(tmp.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!contains(&bytes, b"pretend messages"), "{}", file.display());
        assert!(
            !contains(&bytes, b"Documents/ChatStorage"),
            "{}",
            file.display()
        );
    }
}

#[test]
fn wrong_or_missing_password_is_a_distinct_error() {
    let tmp = tempfile::tempdir().unwrap();
    write_sample(tmp.path(), Some(PASSWORD));
    assert!(matches!(
        Backup::open(tmp.path(), Some("wrong password")),
        Err(BackupError::WrongPassword)
    ));
    assert!(matches!(
        Backup::open(tmp.path(), Some("")),
        Err(BackupError::WrongPassword)
    ));
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::PasswordRequired)
    ));
}

#[test]
fn decrypted_copy_is_a_plain_backup_with_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let enc = tmp.path().join("enc");
    write_sample(&enc, Some(PASSWORD));
    let backup = Backup::open(&enc, Some(PASSWORD)).unwrap();
    let out = tmp.path().join("plain");
    let summary = decrypt_to(&backup, &out).unwrap();
    assert_eq!(summary.files, sample_files().len() as u64);
    assert_eq!(summary.skipped, 0);
    let plain = Backup::open(&out, None).unwrap();
    assert!(!plain.is_encrypted());
    check_contents(&plain);
    check_listing(&plain);
    check_info(&plain);
    // Never into a non-empty folder, nor inside the backup.
    assert!(matches!(
        decrypt_to(&backup, &out),
        Err(BackupError::Output { .. })
    ));
    assert!(matches!(
        decrypt_to(&backup, enc.join("inside")),
        Err(BackupError::Output { .. })
    ));
}

#[test]
fn a_parent_folder_with_one_backup_is_accepted_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    write_sample(&tmp.path().join("00008110-000A1B2C3D4E5F60"), None);
    let backup = Backup::open(tmp.path(), None).unwrap();
    assert!(backup.root().ends_with("00008110-000A1B2C3D4E5F60"));
    let notes = backup.take_diagnostics();
    assert_eq!(notes.len(), 1, "{notes:?}");
    write_sample(&tmp.path().join("second"), None);
    assert!(matches!(
        Backup::open(tmp.path(), None),
        Err(BackupError::NotABackup { .. })
    ));
}

#[test]
fn writer_refuses_bad_entries_and_non_empty_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = stingwatch_ios_backup::BackupWriter::new(tmp.path().join("b"), None).unwrap();
    let t = stingwatch_phone_model::UnixMillis(0);
    w.add_file("HomeDomain", "a/b", b"x", t).unwrap();
    assert!(w.add_file("HomeDomain", "a/b", b"x", t).is_err());
    assert!(w.add_file("Home/Domain", "a", b"x", t).is_err());
    assert!(w.add_file("HomeDomain", "/abs", b"x", t).is_err());
    assert!(w.add_file("HomeDomain", "", b"x", t).is_err());
    w.finish().unwrap();
    assert!(stingwatch_ios_backup::BackupWriter::new(tmp.path().join("b"), None).is_err());
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn keybag_with_the_iteration_counts_ios_uses_unlocks() {
    // 10,000,000 PBKDF2-HMAC-SHA256 and 10,000 PBKDF2-HMAC-SHA1 rounds, as iOS writes them,
    // are within the named maxima.
    let tmp = tempfile::tempdir().unwrap();
    let options = stingwatch_ios_backup::WriterOptions {
        dp_iterations: 10_000_000,
        iterations: 10_000,
        ..common::options()
    };
    let mut w =
        stingwatch_ios_backup::BackupWriter::with_options(tmp.path(), Some(PASSWORD), options)
            .unwrap();
    w.add_file(
        "HomeDomain",
        "Library/SMS/sms.db",
        b"messages",
        stingwatch_phone_model::UnixMillis(0),
    )
    .unwrap();
    w.finish().unwrap();
    let backup = Backup::open(tmp.path(), Some(PASSWORD)).unwrap();
    assert_eq!(
        backup
            .read("HomeDomain", "Library/SMS/sms.db")
            .unwrap()
            .as_deref(),
        Some(&b"messages"[..])
    );
}
