//! The checks of an iOS backup: each reads one database or file inside the backup and streams
//! what it finds as [`ArtifactRecord`]s, [`Signal`]s and [`Diagnostic`]s into a
//! [`RecordSink`]. Nothing here matches indicators, opens the backup container or decrypts: a
//! container implements [`BackupSource`] and [`scan_backup`] runs every check over it.
//!
//! Every byte read may come from an attacker. Databases are opened from memory, read-only,
//! row by row, within the named limits of [`sqlite`], [`plists`], [`text`] and this module; a
//! damaged file yields what was readable before the damage plus a diagnostic.
//!
//! [`ArtifactRecord`]: stingwatch_phone_model::ArtifactRecord
//! [`Signal`]: stingwatch_phone_model::Signal

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backup;
mod checks;
pub mod fixtures;
pub mod plists;
mod source;
pub mod sqlite;
pub mod text;

pub use backup::BACKUP_ROOT_FILES;
pub use checks::apps::MAX_APPS;
pub use checks::browsers::{
    session_urls, MAX_REDIRECT_ORIGINS, MAX_TAB_SESSION_BYTES, MAX_VISITS_FOR_REDIRECTS,
};
pub use checks::logs::{ips_documents, parse_ips_timestamp, parse_shutdown_log, ShutdownEntry};
pub use checks::logs::{MAX_ANALYTICS_STRINGS, MAX_LOG_ENTRIES};
pub use checks::manifest::glob_match;
pub use checks::manifest::MAX_APP_DOMAINS;
pub use checks::usage::{MAX_GAP_SIGNALS, MAX_PROCESS_IDS};
pub use source::{BackupSource, FolderBackup, ManifestEntry, MemoryBackup};

use std::collections::{HashMap, HashSet};
use stingwatch_phone_model::{
    ArtifactRecord, Diagnostic, Observable, RecordSink, Severity, Signal, UnixMillis,
};

/// Largest log or analytics file read, in bytes.
pub const MAX_LOG_BYTES: usize = 32 * 1024 * 1024;
/// Most files one pattern check reads (Safari profiles, configuration profiles, logs).
pub const MAX_FILES_PER_CHECK: usize = 10_000;
/// Most observables attached to one record.
pub const MAX_OBSERVABLES_PER_RECORD: usize = 256;

/// Where a check looks: a fixed file, or every manifest entry whose path matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// One file: (domain, relative path).
    File(&'static str, &'static str),
    /// Any domain (or the one given), relative paths matching a `*` pattern.
    Pattern(Option<&'static str>, &'static str),
    /// A file at the top of the backup folder, beside Manifest.db.
    BackupRoot(&'static str),
}

/// One check: its artifact id and what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// The artifact id of its records, e.g. `ios.sms`.
    pub artifact: &'static str,
    /// What it reads.
    pub locations: &'static [Location],
}

/// Every check [`scan_backup`] runs, with the files it reads.
pub const CHECKS: &[CheckInfo] = checks::CHECKS;

/// Runs every check over `source`, streaming what they find into `sink`.
pub fn scan_backup(source: &dyn BackupSource, sink: &mut dyn RecordSink) {
    let mut ctx = Ctx {
        source,
        sink,
        wal: HashSet::new(),
        listed: HashMap::new(),
    };
    let found = checks::manifest::scan(&mut ctx);
    ctx.forward_source_diagnostics();
    checks::run_all(&mut ctx, &found);
    ctx.forward_source_diagnostics();
}

/// What every check shares: the backup and the sink.
pub(crate) struct Ctx<'a> {
    pub source: &'a dyn BackupSource,
    pub sink: &'a mut dyn RecordSink,
    /// `domain/path` of databases with a non-empty write-ahead log beside them.
    pub wal: HashSet<String>,
    /// `domain/path` of the files checks read that the manifest lists, with their size.
    pub listed: HashMap<String, Option<u64>>,
}

impl Ctx<'_> {
    /// The content of a file, None when absent; errors and oversize files become diagnostics.
    pub fn read(&mut self, domain: &str, path: &str, max: usize) -> Option<Vec<u8>> {
        let label = source_label(domain, path);
        let listed = self.listed.get(&label).copied();
        // The manifest's size spares loading a file only to refuse it.
        if let Some(Some(size)) = listed.filter(|s| s.is_some_and(|s| s > max as u64)) {
            self.sink.diagnostic(Diagnostic::new(
                label,
                format!(
                    "{size} bytes (as the manifest says) is over the {max} byte limit; not read"
                ),
            ));
            return None;
        }
        let read = self.source.read_at_most(domain, path, max);
        // The container's own word on this file (e.g. content missing from the folder) comes
        // first, and replaces the generic one below.
        let explained = self.forward_source_diagnostics_about(&label);
        match read {
            Ok(None) if listed.is_some() && explained => None,
            Ok(None) if listed.is_some() => {
                self.sink.diagnostic(Diagnostic::new(
                    label,
                    "listed in the manifest but missing from the backup (an incomplete backup?); \
                     not checked",
                ));
                None
            }
            Ok(Some(bytes)) if bytes.len() > max => {
                self.sink.diagnostic(Diagnostic::new(
                    label,
                    format!(
                        "{} bytes is over the {max} byte limit; not read",
                        bytes.len()
                    ),
                ));
                None
            }
            Ok(found) => found,
            Err(e) => {
                self.sink
                    .diagnostic(Diagnostic::new(label, format!("could not read: {e}")));
                None
            }
        }
    }

    /// Sends the container's pending diagnostics to the sink.
    pub fn forward_source_diagnostics(&mut self) {
        self.forward_source_diagnostics_about("");
    }

    /// Sends the container's pending diagnostics to the sink; whether one concerned `label`.
    fn forward_source_diagnostics_about(&mut self, label: &str) -> bool {
        let mut about = false;
        for d in self.source.take_diagnostics() {
            about |= d.source == label;
            self.sink.diagnostic(d);
        }
        about
    }

    /// A database opened from memory, None when absent or unreadable (with a diagnostic).
    pub fn open_db(&mut self, domain: &str, path: &str) -> Option<sqlite::MemDb> {
        let bytes = self.read(domain, path, sqlite::MAX_DATABASE_BYTES)?;
        let label = source_label(domain, path);
        if self.wal.contains(&label) {
            self.sink.diagnostic(Diagnostic::new(
                &label,
                "a write-ahead log (-wal) sits beside this database; changes still only in the \
                 log are not read",
            ));
        }
        sqlite::MemDb::open(&label, bytes, self.sink)
    }

    /// Sends one record.
    pub fn record(&mut self, record: ArtifactRecord) {
        self.sink.record(record);
    }

    /// Sends one signal about `record`.
    pub fn signal(
        &mut self,
        kind: &'static str,
        severity: Severity,
        title: String,
        explanation: &str,
        record: ArtifactRecord,
    ) {
        self.sink.signal(Signal {
            kind,
            severity,
            title,
            explanation: explanation.to_string(),
            record,
        });
    }

    /// Sends one diagnostic.
    pub fn diagnostic(&mut self, source: &str, message: String) {
        self.sink.diagnostic(Diagnostic::new(source, message));
    }
}

/// How records name a file: `domain/relative_path`.
pub fn source_label(domain: &str, path: &str) -> String {
    format!("{domain}/{path}")
}

/// A record with its observables capped at [`MAX_OBSERVABLES_PER_RECORD`].
pub(crate) fn record(
    artifact: &'static str,
    source: &str,
    locator: String,
    time: Option<UnixMillis>,
    summary: String,
    mut observables: Vec<Observable>,
) -> ArtifactRecord {
    observables.truncate(MAX_OBSERVABLES_PER_RECORD);
    ArtifactRecord {
        artifact,
        source: source.to_string(),
        locator,
        time,
        summary,
        observables,
    }
}
