//! One phone scan, from paths to a report: load the indicators, open the acquisition with the
//! reader that knows it, stream what it holds through a [`PhoneScan`] and wrap the result in a
//! [`PhoneReport`]. The `stingwatch phone` commands are a thin layer over this crate.
//!
//! ```rust,ignore
//! let indicators = Indicators::load(&iocs_paths);          // empty: the default folder
//! let report = check_androidqf(path, &indicators, &mut |p: &Progress| { /* spinner */ })?;
//! std::process::exit(exit_code(&report, Severity::Medium));
//! ```
//!
//! Every acquisition kind goes through [`scan`], which takes the reading as a closure: an
//! iPhone backup is scanned the same way once its reader exists,
//!
//! ```rust,ignore
//! scan(AcquisitionKind::IosBackup, path, &indicators, &mut progress, |sink| {
//!     let backup = Backup::open(path, password).map_err(|e| ScanError::from_backup(e))?;
//!     read_backup(&backup, sink);
//!     Ok(ReadSummary { encrypted: backup.is_encrypted(), device: backup.device_fields() })
//! })
//! ```
//!
//! Nothing here touches the network: indicators are read from files and folders given (or
//! the default folder `stingwatch iocs update` writes to), and this crate links
//! `stingwatch-iocs` without its download feature.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod sample;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use stingwatch_iocs::IocSet;
use stingwatch_phone_findings::{
    Acquisition, DeviceField, IndicatorCollection, IndicatorMatcher, PhoneReport, PhoneScan,
};
use stingwatch_phone_model::{
    ArtifactRecord, Diagnostic, IndicatorMatch, Observable, RecordSink, Signal,
};

pub use stingwatch_phone_findings::AcquisitionKind;

/// Records between two progress calls: often enough for a spinner to move, rarely enough to
/// cost nothing next to reading a record.
pub const PROGRESS_EVERY: u64 = 1024;

/// Diagnostics about the acquisition itself quoted in an [`ScanError::Unreadable`] message.
pub const MAX_REASONS: usize = 3;

/// Source name of the diagnostics this crate adds about the indicators.
pub const INDICATORS_SOURCE: &str = "(indicators)";

/// The indicators a scan matches against, and where they came from.
#[derive(Debug, Default)]
pub struct Indicators {
    set: IocSet,
    /// Files and folders loaded, in order (the default folder when none was given).
    pub paths: Vec<PathBuf>,
    /// Why no indicator is loaded, when none is: told in the report and by the commands.
    pub none_loaded: Option<String>,
}

impl Indicators {
    /// Loads `paths` (files, or folders searched for indicator files); with no paths, the
    /// default folder ([`stingwatch_iocs::default_iocs_dir`]) when it exists. Never fails:
    /// what cannot be read is in [`Indicators::diagnostics`], and a scan without indicators
    /// still looks for the warning signs that need none.
    pub fn load(paths: &[PathBuf]) -> Indicators {
        let (paths, missing_default) = if paths.is_empty() {
            match stingwatch_iocs::default_iocs_dir() {
                Some(dir) if dir.is_dir() => (vec![dir], None),
                Some(dir) => (Vec::new(), Some(dir)),
                None => (Vec::new(), None),
            }
        } else {
            (paths.to_vec(), None)
        };
        let set = IocSet::from_paths(&paths);
        let none_loaded = set.is_empty().then(|| {
            if let Some(dir) = missing_default {
                format!(
                    "no indicators loaded: none were given with --iocs, and the default folder \
                     {} does not exist (download the public sets with `stingwatch iocs update`)",
                    dir.display()
                )
            } else if paths.is_empty() {
                "no indicators loaded: none were given with --iocs, and no default folder is \
                 known (set STINGWATCH_IOCS_DIR or HOME)"
                    .to_string()
            } else {
                format!(
                    "no indicators loaded from {} (see `stingwatch iocs list --iocs PATH` for why)",
                    paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        });
        Indicators {
            set,
            paths,
            none_loaded,
        }
    }

    /// No indicators at all (a scan for the warning signs alone).
    pub fn none() -> Indicators {
        Indicators {
            none_loaded: Some("no indicators loaded".to_string()),
            ..Indicators::default()
        }
    }

    /// The loaded set.
    pub fn set(&self) -> &IocSet {
        &self.set
    }

    /// What could not be loaded, file by file.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        self.set.diagnostics()
    }

    /// The named collections, for the report: one per name, with its indicator count and
    /// the files it came from.
    pub fn collections(&self) -> Vec<IndicatorCollection> {
        let mut by_name: BTreeMap<String, IndicatorCollection> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for c in self.set.collections() {
            let entry = by_name.entry(c.name.clone()).or_insert_with(|| {
                order.push(c.name.clone());
                IndicatorCollection {
                    name: c.name.clone(),
                    indicators: 0,
                    files: Vec::new(),
                }
            });
            entry.indicators = entry.indicators.saturating_add(c.total as u64);
            if !entry.files.contains(&c.source) {
                entry.files.push(c.source);
            }
        }
        order
            .into_iter()
            .filter_map(|name| by_name.remove(&name))
            .collect()
    }

    /// The report's diagnostics about the indicators: why none are loaded, and one line per
    /// indicator file that had problems (the problems themselves are listed by
    /// `stingwatch iocs list`, so a public set's unsupported patterns do not fill every
    /// report).
    pub fn report_diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(why) = &self.none_loaded {
            out.push(Diagnostic::new(INDICATORS_SOURCE, why.clone()));
        }
        let mut per_file: Vec<(&str, Vec<&str>)> = Vec::new();
        for d in self.set.diagnostics() {
            match per_file.iter_mut().find(|(s, _)| *s == d.source) {
                Some((_, messages)) => messages.push(&d.message),
                None => per_file.push((&d.source, vec![&d.message])),
            }
        }
        for (source, messages) in per_file {
            let message = match messages.as_slice() {
                [one] => format!("indicator file: {one}"),
                many => format!(
                    "indicator file: {} problems while loading it (listed by `stingwatch iocs \
                     list --iocs {source}`); everything else in it was loaded",
                    many.len()
                ),
            };
            out.push(Diagnostic::new(source, message));
        }
        out
    }
}

/// The loaded indicator set as the scan's matcher.
pub struct IocMatcher<'a>(pub &'a IocSet);

impl IndicatorMatcher for IocMatcher<'_> {
    fn matches(&self, observable: &Observable, out: &mut Vec<IndicatorMatch>) {
        self.0.matches_into(observable, out);
    }
}

/// How far a scan has got, for a progress display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Records read so far.
    pub records: u64,
    /// Signals raised so far.
    pub signals: u64,
    /// Diagnostics so far.
    pub diagnostics: u64,
    /// The file inside the acquisition the latest record came from.
    pub source: String,
}

/// A [`RecordSink`] that passes everything on to `inner` and calls `on_progress` every
/// [`PROGRESS_EVERY`] records, so a long read can show that it is moving.
pub struct ProgressSink<'p, S> {
    inner: S,
    progress: Progress,
    since_call: u64,
    on_progress: &'p mut dyn FnMut(&Progress),
}

impl<'p, S: RecordSink> ProgressSink<'p, S> {
    /// Wraps `inner`.
    pub fn new(inner: S, on_progress: &'p mut dyn FnMut(&Progress)) -> Self {
        ProgressSink {
            inner,
            progress: Progress::default(),
            since_call: 0,
            on_progress,
        }
    }

    /// Counts so far.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The wrapped sink, after a last progress call with the final counts.
    pub fn finish(self) -> S {
        (self.on_progress)(&self.progress);
        self.inner
    }
}

impl<S: RecordSink> RecordSink for ProgressSink<'_, S> {
    fn record(&mut self, record: ArtifactRecord) {
        self.progress.records = self.progress.records.saturating_add(1);
        self.since_call += 1;
        if self.since_call >= PROGRESS_EVERY {
            self.since_call = 0;
            self.progress.source.clear();
            self.progress.source.push_str(&record.source);
            (self.on_progress)(&self.progress);
        }
        self.inner.record(record);
    }

    fn signal(&mut self, signal: Signal) {
        self.progress.signals = self.progress.signals.saturating_add(1);
        self.inner.signal(signal);
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.progress.diagnostics = self.progress.diagnostics.saturating_add(1);
        self.inner.diagnostic(diagnostic);
    }
}

/// What a reader learnt about the acquisition besides its records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// It was encrypted (and decrypted to be read).
    pub encrypted: bool,
    /// What it says about the device, e.g. model and OS version.
    pub device: Vec<DeviceField>,
}

/// Why a scan produced no report: the acquisition could not be read at all (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// Nothing in it could be read: missing, not the kind of acquisition asked for, damaged
    /// beyond recovery.
    Unreadable {
        /// The acquisition as given.
        path: String,
        /// What went wrong, in the reader's words.
        reason: String,
    },
    /// An encrypted acquisition whose password did not open it.
    WrongPassword {
        /// The acquisition as given.
        path: String,
    },
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Unreadable { path, reason } => write!(f, "{path}: cannot read: {reason}"),
            ScanError::WrongPassword { path } => write!(
                f,
                "{path}: wrong password: the backup's keys could not be unlocked with it"
            ),
        }
    }
}

impl std::error::Error for ScanError {}

/// Scans one acquisition: `read` streams what it holds into the sink it is given (and says
/// whether it could be read at all); the records are matched against `indicators` and the
/// report is built. `on_progress` is called as records arrive.
pub fn scan<R>(
    kind: AcquisitionKind,
    path: &Path,
    indicators: &Indicators,
    on_progress: &mut dyn FnMut(&Progress),
    read: R,
) -> Result<PhoneReport, ScanError>
where
    R: FnOnce(&mut dyn RecordSink) -> Result<ReadSummary, ScanError>,
{
    let matcher = IocMatcher(indicators.set());
    let mut sink = ProgressSink::new(PhoneScan::new(&matcher), on_progress);
    for d in indicators.report_diagnostics() {
        sink.diagnostic(d);
    }
    let summary = read(&mut sink)?;
    let result = sink.finish().finish();
    let mut acquisition =
        Acquisition::new(kind, path.display().to_string()).encrypted(summary.encrypted);
    acquisition.device = summary.device;
    Ok(PhoneReport::new(
        env!("CARGO_PKG_VERSION"),
        acquisition,
        indicators.collections(),
        result,
    ))
}

/// Passes everything on and keeps the first diagnostics about the acquisition itself (its
/// path is their source), to explain a read that found nothing.
struct ReasonWatch<'a> {
    inner: &'a mut dyn RecordSink,
    label: String,
    reasons: Vec<String>,
    /// What the system properties say about the device, for the report's header.
    device: Vec<DeviceField>,
}

/// System properties shown in an Android report's header, and their labels; the device's
/// identifiers (serial, IMEI) are never among them.
const DEVICE_PROPERTIES: [(&str, &str); 4] = [
    ("ro.product.manufacturer", "Manufacturer"),
    ("ro.product.model", "Model"),
    ("ro.build.version.release", "Android version"),
    ("ro.build.version.security_patch", "Security patch"),
];

impl ReasonWatch<'_> {
    fn note_device(&mut self, record: &ArtifactRecord) {
        if record.artifact != "android.properties" {
            return;
        }
        let Some((name, value)) = record.summary.split_once(" = ") else {
            return;
        };
        let Some((_, label)) = DEVICE_PROPERTIES.iter().find(|(p, _)| *p == name) else {
            return;
        };
        let value = value.trim();
        if !value.is_empty() && !self.device.iter().any(|d| d.key == *label) {
            self.device.push(DeviceField {
                key: label.to_string(),
                value: value.chars().take(MAX_DEVICE_VALUE_CHARS).collect(),
            });
        }
    }
}

/// Longest device value kept for the report header.
const MAX_DEVICE_VALUE_CHARS: usize = 80;

impl RecordSink for ReasonWatch<'_> {
    fn record(&mut self, record: ArtifactRecord) {
        self.note_device(&record);
        self.inner.record(record);
    }
    fn signal(&mut self, signal: Signal) {
        self.inner.signal(signal);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        if diagnostic.source == self.label && self.reasons.len() < MAX_REASONS {
            self.reasons.push(diagnostic.message.clone());
        }
        self.inner.diagnostic(diagnostic);
    }
}

fn read_android(
    path: &Path,
    sink: &mut dyn RecordSink,
    reader: fn(&Path, &mut dyn RecordSink) -> stingwatch_android::ReadOutcome,
    nothing_found: &str,
) -> Result<ReadSummary, ScanError> {
    let label = path.display().to_string();
    let mut watch = ReasonWatch {
        inner: sink,
        label: label.clone(),
        reasons: Vec::new(),
        device: Vec::new(),
    };
    let outcome = reader(path, &mut watch);
    if outcome.opened && outcome.files_read > 0 {
        // Manufacturer, model, version, patch level in a fixed order.
        let mut device = std::mem::take(&mut watch.device);
        device.sort_by_key(|d| DEVICE_PROPERTIES.iter().position(|(_, l)| *l == d.key));
        return Ok(ReadSummary {
            encrypted: false,
            device,
        });
    }
    let reason = if watch.reasons.is_empty() {
        nothing_found.to_string()
    } else {
        watch.reasons.join("; ")
    };
    Err(ScanError::Unreadable {
        path: label,
        reason,
    })
}

/// Scans an androidqf acquisition, a folder or a zip.
pub fn check_androidqf(
    path: &Path,
    indicators: &Indicators,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<PhoneReport, ScanError> {
    check_android(
        AcquisitionKind::Androidqf,
        path,
        indicators,
        on_progress,
        stingwatch_android::read_androidqf,
        "no androidqf files found",
    )
}

/// Scans an `adb bugreport` zip.
pub fn check_bugreport(
    path: &Path,
    indicators: &Indicators,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<PhoneReport, ScanError> {
    check_android(
        AcquisitionKind::Bugreport,
        path,
        indicators,
        on_progress,
        stingwatch_android::read_bugreport,
        "no bug report text found",
    )
}

/// Scans an Android acquisition of `kind` with `reader`.
fn check_android(
    kind: AcquisitionKind,
    path: &Path,
    indicators: &Indicators,
    on_progress: &mut dyn FnMut(&Progress),
    reader: fn(&Path, &mut dyn RecordSink) -> stingwatch_android::ReadOutcome,
    nothing_found: &str,
) -> Result<PhoneReport, ScanError> {
    scan(kind, path, indicators, on_progress, |sink| {
        read_android(path, sink, reader, nothing_found)
    })
}

/// How an iOS backup's password is found when the backup is encrypted: asked for only then,
/// so a plain backup never prompts.
pub type PasswordSource<'a> = &'a mut dyn FnMut() -> Result<String, String>;

/// Scans an iTunes/Finder backup folder, plain or encrypted. `password` is called only when
/// the backup is encrypted; decrypted content stays in memory.
pub fn check_backup(
    path: &Path,
    password: PasswordSource<'_>,
    indicators: &Indicators,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<PhoneReport, ScanError> {
    scan(
        AcquisitionKind::IosBackup,
        path,
        indicators,
        on_progress,
        |sink| {
            let backup = open_backup(path, password)?;
            stingwatch_ios_artifacts::scan_backup(&backup, sink);
            Ok(ReadSummary {
                encrypted: backup.is_encrypted(),
                device: backup_device(backup.info()),
            })
        },
    )
}

/// Opens a backup, asking `password` for one only when the backup turns out to be encrypted.
pub fn open_backup(
    path: &Path,
    password: PasswordSource<'_>,
) -> Result<stingwatch_ios_backup::Backup, ScanError> {
    use stingwatch_ios_backup::{Backup, BackupError};
    let label = path.display().to_string();
    let unreadable = |e: BackupError| ScanError::Unreadable {
        path: label.clone(),
        reason: e.to_string(),
    };
    match Backup::open(path, None) {
        Ok(b) => Ok(b),
        Err(BackupError::PasswordRequired) => {
            let secret = password().map_err(|reason| ScanError::Unreadable {
                path: label.clone(),
                reason: format!("the backup is encrypted and no password was given: {reason}"),
            })?;
            match Backup::open(path, Some(&secret)) {
                Ok(b) => Ok(b),
                Err(BackupError::WrongPassword) => Err(ScanError::WrongPassword {
                    path: label.clone(),
                }),
                Err(e) => Err(unreadable(e)),
            }
        }
        Err(e) => Err(unreadable(e)),
    }
}

/// What the report shows of the device: model and system, never its identifiers.
fn backup_device(info: &stingwatch_ios_backup::BackupInfo) -> Vec<DeviceField> {
    let mut out = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.push(DeviceField {
                key: key.to_string(),
                value: v,
            });
        }
    };
    push("Device name", info.device_name.clone());
    push(
        "Model",
        info.product_name.clone().or(info.product_type.clone()),
    );
    push("iOS version", info.ios_version.clone());
    push("Build", info.build_version.clone());
    push("Backup date", info.date.map(|d| d.iso8601()));
    out
}
