//! Nothing decrypted reaches the disk while an encrypted backup is scanned: no file appears or
//! changes in the backup's folder or in the temporary folder, and at every record the scan
//! hands over, the process holds no file open for writing, no deleted (anonymous temporary)
//! file and no socket. One test in its own binary, since it watches the whole process's open files and sets
//! `TMPDIR`.

#![cfg(target_os = "linux")]

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use stingwatch_ios_artifacts::scan_backup;
use stingwatch_ios_backup::Backup;
use stingwatch_phone_findings::PhoneScan;
use stingwatch_phone_model::{ArtifactRecord, Diagnostic, RecordSink, Signal};

/// Every file under `dir` with its size and modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                pending.push(entry.path());
            }
            out.insert(entry.path(), (meta.len(), meta.modified().unwrap()));
        }
    }
    out
}

/// Open files of this process that could hold written data: regular files open for writing,
/// and files deleted while open (how SQLite keeps its temporary files); and sockets.
fn files_open_for_writing() -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let target = target.to_string_lossy().into_owned();
        // A scan never talks to the network either.
        if target.starts_with("socket:") {
            out.push(target);
            continue;
        }
        if !target.starts_with('/') || target.starts_with("/dev/") || target.starts_with("/proc/") {
            continue; // pipes, sockets, terminals
        }
        let info = std::fs::read_to_string(Path::new("/proc/self/fdinfo").join(entry.file_name()))
            .unwrap_or_default();
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            .unwrap_or(0);
        // O_WRONLY or O_RDWR.
        if flags & 0o3 != 0 || target.ends_with(" (deleted)") {
            out.push(format!("{target} (flags {flags:o})"));
        }
    }
    out
}

/// Passes everything on, looking at the process's open files at every call; what was open
/// before the scan (the test harness's own output, which may be redirected to a file) is not
/// the scan's.
struct Watching<'a, S: RecordSink> {
    inner: S,
    seen: &'a mut Vec<String>,
    baseline: Vec<String>,
    calls: u64,
}

impl<S: RecordSink> Watching<'_, S> {
    fn look(&mut self) {
        self.calls += 1;
        for f in files_open_for_writing() {
            if !self.seen.contains(&f) && !self.baseline.contains(&f) {
                self.seen.push(f);
            }
        }
    }
}

impl<S: RecordSink> RecordSink for Watching<'_, S> {
    fn record(&mut self, record: ArtifactRecord) {
        self.look();
        self.inner.record(record);
    }
    fn signal(&mut self, signal: Signal) {
        self.look();
        self.inner.signal(signal);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.look();
        self.inner.diagnostic(diagnostic);
    }
}

#[test]
fn scanning_an_encrypted_backup_writes_nothing_decrypted_to_disk() {
    let base = tempfile::tempdir().unwrap();
    let spy_tmp = base.path().join("tmp");
    std::fs::create_dir(&spy_tmp).unwrap();
    // SQLite and anything else asking for a temporary file would use this folder.
    std::env::set_var("TMPDIR", &spy_tmp);
    std::env::set_var("SQLITE_TMPDIR", &spy_tmp);

    let stix = base.path().join("fixture.stix2");
    write_stix(&stix);
    let iocs = load(&stix);
    let enc = base.path().join("enc");
    write(&enc, &planted_content(), Some(PASSWORD));
    // The watcher does see a file open for writing, so its silence below means something.
    let probe = spy_tmp.join("probe");
    let file = std::fs::File::create(&probe).unwrap();
    assert!(files_open_for_writing().iter().any(|f| f.contains("probe")));
    drop(file);
    std::fs::remove_file(&probe).unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    assert!(files_open_for_writing()
        .iter()
        .any(|f| f.starts_with("socket:")));
    drop(socket);

    let before = listing(base.path());
    // Whatever is open now (standard output redirected to a log file or a socket, say)
    // predates the scan.
    let baseline = files_open_for_writing();

    let mut seen = Vec::new();
    let backup = Backup::open(&enc, Some(PASSWORD)).unwrap();
    let mut sink = Watching {
        inner: PhoneScan::new(&iocs),
        seen: &mut seen,
        baseline,
        calls: 0,
    };
    scan_backup(&backup, &mut sink);
    let calls = sink.calls;
    let result = sink.inner.finish();
    drop(backup);

    // It did scan and decrypt: the planted SMS was read from the encrypted sms.db.
    assert!(calls > 100, "{calls} records watched");
    assert!(high_artifacts(&result, &planted().domain).contains(&"ios.sms"));
    assert!(
        seen.is_empty(),
        "files open for writing during the scan: {seen:#?}"
    );
    assert_eq!(listing(base.path()), before, "files appeared or changed");
    assert!(std::fs::read_dir(&spy_tmp).unwrap().next().is_none());
    // No plaintext database anywhere in the backup's folder.
    for path in listing(&enc).keys().filter(|p| p.is_file()) {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{} is a plain database",
            path.display()
        );
    }
}
