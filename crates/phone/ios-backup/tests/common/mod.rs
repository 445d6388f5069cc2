//! A small backup of the project's own: a few domains, nested folders, an empty file, binary
//! and multi-chunk content, and two apps; written plain or encrypted by the crate's writer.

#![allow(dead_code)]

use std::path::Path;
use stingwatch_ios_backup::{AppSpec, BackupWriter, WriterOptions};
use stingwatch_phone_model::UnixMillis;

pub const PASSWORD: &str = "correct horse battery staple";

/// (domain, relative path, content, mtime) of every file in the sample backup.
pub fn sample_files() -> Vec<(&'static str, &'static str, Vec<u8>, UnixMillis)> {
    let big: Vec<u8> = (0..200_003u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    vec![
        (
            "HomeDomain",
            "Library/SMS/sms.db",
            b"SQLite format 3\0 pretend messages".to_vec(),
            UnixMillis(1_700_000_000_000),
        ),
        (
            "HomeDomain",
            "Library/Safari/History.db",
            b"history".to_vec(),
            UnixMillis(1_700_000_100_000),
        ),
        (
            "HomeDomain",
            "Library/Preferences/empty.plist",
            Vec::new(),
            UnixMillis(1_700_000_200_000),
        ),
        (
            "RootDomain",
            "Library/Caches/locationd/cache.bin",
            big,
            UnixMillis(1_700_000_300_000),
        ),
        (
            "AppDomain-com.example.messenger",
            "Documents/ChatStorage.sqlite",
            vec![0u8; 16],
            UnixMillis(1_700_000_400_000),
        ),
        (
            "WirelessDomain",
            "Library/Databases/DataUsage.sqlite",
            (0..=255u8).collect(),
            UnixMillis(1_700_000_500_000),
        ),
    ]
}

pub fn options() -> WriterOptions {
    WriterOptions {
        device_name: "Fixture Phone".into(),
        apps: vec![
            AppSpec::store("com.example.messenger", "Messenger"),
            AppSpec {
                source_app: Some("com.example.thirdpartystore".into()),
                ..AppSpec::store("com.example.sideloaded", "Sideloaded")
            },
        ],
        ..WriterOptions::default()
    }
}

/// Writes the sample backup into `dir`.
pub fn write_sample(dir: &Path, password: Option<&str>) {
    let mut w = BackupWriter::with_options(dir, password, options()).unwrap();
    for (domain, path, content, mtime) in sample_files() {
        w.add_file(domain, path, &content, mtime).unwrap();
    }
    w.finish().unwrap();
}
