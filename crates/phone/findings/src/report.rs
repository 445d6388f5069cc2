//! The versioned phone report: what was scanned, with which indicators, what was found, and
//! one plain verdict.

use serde::Serialize;
use stingwatch_model::Severity;
use stingwatch_phone_model::Diagnostic;

use crate::finding::{PhoneFinding, INDICATOR_MATCH};
use crate::scan::{ArtifactCounts, ScanResult, SeverityCounts, Timeline, MAX_FINDINGS};
use crate::words::{plural, span_words};

/// Version of the phone report's JSON layout; bumped on any incompatible change (see
/// docs/phone-report-format.md and docs/phone-report.schema.json).
pub const PHONE_SCHEMA_VERSION: u32 = 1;

/// The report's `kind`, which tells it apart from the cellular report.
pub const REPORT_KIND: &str = "phone";

/// Exit status when no finding reaches the threshold.
pub const EXIT_CLEAN: i32 = 0;
/// Exit status when a finding reaches the threshold.
pub const EXIT_FINDING: i32 = 1;
/// Exit status when the acquisition could not be read or its password was wrong (decided by
/// the caller, which knows; a report always has something to say).
pub const EXIT_UNREADABLE: i32 = 2;

/// Name and version of the program that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// Always `stingwatch`.
    pub name: &'static str,
    /// Program version.
    pub version: &'static str,
}

/// What kind of acquisition was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AcquisitionKind {
    /// An iTunes/Finder backup of an iPhone or iPad.
    IosBackup,
    /// An androidqf acquisition (folder or zip).
    Androidqf,
    /// An `adb bugreport` zip.
    Bugreport,
}

impl AcquisitionKind {
    /// The id used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            AcquisitionKind::IosBackup => "ios-backup",
            AcquisitionKind::Androidqf => "androidqf",
            AcquisitionKind::Bugreport => "bugreport",
        }
    }

    /// How people call it.
    pub fn words(self) -> &'static str {
        match self {
            AcquisitionKind::IosBackup => "iPhone backup",
            AcquisitionKind::Androidqf => "Android acquisition",
            AcquisitionKind::Bugreport => "Android bug report",
        }
    }

    /// Why what it holds is not the whole phone.
    fn limits(self) -> &'static str {
        match self {
            AcquisitionKind::IosBackup => {
                "a backup does not hold everything on the phone, and spyware often erases its traces"
            }
            AcquisitionKind::Androidqf => {
                "an acquisition does not hold everything on the phone, and spyware often erases its traces"
            }
            AcquisitionKind::Bugreport => {
                "a bug report holds only part of what is on the phone, and spyware often erases its traces"
            }
        }
    }
}

/// One key/value the caller read about the device (model, OS version, backup date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceField {
    /// E.g. `Product Version`.
    pub key: String,
    /// E.g. `17.5.1`.
    pub value: String,
}

/// The acquisition a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acquisition {
    /// Its kind.
    pub kind: AcquisitionKind,
    /// Path as given.
    pub path: String,
    /// Whether it was encrypted (and so decrypted to be read).
    pub encrypted: bool,
    /// What it says about the device, in the caller's order.
    pub device: Vec<DeviceField>,
}

impl Acquisition {
    /// An unencrypted acquisition of `kind` at `path`, with no device information yet.
    pub fn new(kind: AcquisitionKind, path: impl Into<String>) -> Acquisition {
        Acquisition {
            kind,
            path: path.into(),
            encrypted: false,
            device: Vec::new(),
        }
    }

    /// The same, marked encrypted or not.
    pub fn encrypted(mut self, encrypted: bool) -> Acquisition {
        self.encrypted = encrypted;
        self
    }

    /// The same with one more device field.
    pub fn with_device(mut self, key: impl Into<String>, value: impl Into<String>) -> Acquisition {
        self.device.push(DeviceField {
            key: key.into(),
            value: value.into(),
        });
        self
    }
}

/// One named collection of indicators the scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorCollection {
    /// Its name, e.g. `Pegasus`.
    pub name: String,
    /// Indicators loaded from it.
    pub indicators: u64,
    /// Files they came from.
    pub files: Vec<String>,
}

/// Totals and the overall verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneSummary {
    /// Records read over all checks.
    pub records: u64,
    /// Checks that read at least one record or raised a signal.
    pub artifacts: usize,
    /// Indicators loaded over all collections.
    pub indicators: u64,
    /// Findings by severity (listed and omitted).
    pub findings: SeverityCounts,
    /// Highest severity found, or null when there are no findings.
    pub highest: Option<Severity>,
    /// Plain sentences on what the scan shows; when nothing was found it says that this is
    /// not proof the phone is clean.
    pub verdict: String,
    /// What any result of this check cannot show, always.
    pub limits: String,
}

/// The whole report of one phone scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneReport {
    /// Layout version ([`PHONE_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Always `phone` ([`REPORT_KIND`]).
    pub kind: &'static str,
    /// Program that wrote it.
    pub tool: Tool,
    /// What was scanned.
    pub acquisition: Acquisition,
    /// The indicator collections matched against.
    pub indicators: Vec<IndicatorCollection>,
    /// What each check read.
    pub artifacts: Vec<ArtifactCounts>,
    /// Findings, most severe first, then earliest first.
    pub findings: Vec<PhoneFinding>,
    /// Findings past the listing limit, by severity.
    pub findings_omitted: SeverityCounts,
    /// The phone's events over time.
    pub timeline: Timeline,
    /// What could not be read.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics past the listing limit.
    pub diagnostics_omitted: u64,
    /// Totals and verdict.
    pub summary: PhoneSummary,
}

impl PhoneReport {
    /// Assemble the report of a finished scan.
    pub fn new(
        version: &'static str,
        acquisition: Acquisition,
        indicators: Vec<IndicatorCollection>,
        scan: ScanResult,
    ) -> PhoneReport {
        let counts = scan.severity_counts();
        let loaded: u64 = indicators
            .iter()
            .fold(0u64, |n, c| n.saturating_add(c.indicators));
        let verdict = verdict(acquisition.kind, loaded, &scan.findings, &counts);
        let limits = format!(
            "This check compares the {} with published indicators of known spyware and looks for \
             a few warning signs. Finding nothing is not proof that the phone is clean: indicators \
             cover only spyware that has been found and published, {}.",
            acquisition.kind.words(),
            acquisition.kind.limits()
        );
        let summary = PhoneSummary {
            records: scan.records,
            artifacts: scan.artifacts.len(),
            indicators: loaded,
            findings: counts,
            highest: counts.highest(),
            verdict,
            limits,
        };
        PhoneReport {
            schema_version: PHONE_SCHEMA_VERSION,
            kind: REPORT_KIND,
            tool: Tool {
                name: "stingwatch",
                version,
            },
            acquisition,
            indicators,
            artifacts: scan.artifacts,
            findings: scan.findings,
            findings_omitted: scan.findings_omitted,
            timeline: scan.timeline,
            diagnostics: scan.diagnostics,
            diagnostics_omitted: scan.diagnostics_omitted,
            summary,
        }
    }

    /// True when some finding, listed or omitted, is at or above `threshold`.
    pub fn reaches(&self, threshold: Severity) -> bool {
        self.summary.highest.is_some_and(|h| h >= threshold)
    }
}

/// The process exit status `analyze` would give: [`EXIT_FINDING`] when a finding is at or
/// above `fail_on`, else [`EXIT_CLEAN`]. ([`EXIT_UNREADABLE`] is the caller's to give.)
pub fn exit_code(report: &PhoneReport, fail_on: Severity) -> i32 {
    if report.reaches(fail_on) {
        EXIT_FINDING
    } else {
        EXIT_CLEAN
    }
}

/// The words every verdict that found nothing worrying carries; renderers that show the
/// limits apart leave them out when the verdict already says them.
pub(crate) const NOT_PROOF: &str = "not proof that the phone is clean";

const ASK_HELPLINE: &str = "Contact a digital-security helpline (Access Now's Digital Security \
     Helpline or Amnesty International's Security Lab) before changing anything on the phone.";

/// Plain sentences on what the findings mean, most severe first.
fn verdict(
    kind: AcquisitionKind,
    indicators: u64,
    findings: &[PhoneFinding],
    counts: &SeverityCounts,
) -> String {
    let acq = kind.words();
    let not_proof = format!(
        "This is {NOT_PROOF}: indicators cover only spyware that has been found and published, \
         {}.",
        kind.limits()
    );
    let none_matched = if indicators == 0 {
        format!(
            "No indicators were loaded, so this {acq} could not be compared with any known spyware"
        )
    } else if indicators == 1 {
        format!("The one loaded indicator matched nothing in this {acq}")
    } else {
        format!("None of the {indicators} loaded indicators matched anything in this {acq}")
    };
    let highest = counts.highest();
    let Some(top) = findings.first() else {
        return match highest {
            // Every finding past the listing limit: say what the counts say.
            Some(h) => format!(
                "{} findings at {h} severity or below were made but are not listed (limit \
                 {MAX_FINDINGS}). {ASK_HELPLINE}",
                counts.total()
            ),
            None => format!("{none_matched}, and no other warning sign was seen. {not_proof}"),
        };
    };
    if highest.is_some_and(|h| h > top.severity) {
        return format!(
            "Findings at {} severity were made beyond the {MAX_FINDINGS} this report lists. \
             {ASK_HELPLINE}",
            highest.map_or("high", Severity::as_str)
        );
    }
    let when = match span_words(top.first_time, top.last_time) {
        w if w.is_empty() => String::new(),
        w => format!(", {w}"),
    };
    match top.severity {
        Severity::High if top.kind == INDICATOR_MATCH => {
            let matched: Vec<&PhoneFinding> = findings
                .iter()
                .filter(|f| f.kind == INDICATOR_MATCH)
                .collect();
            let mut collections: Vec<&str> = Vec::new();
            for f in &matched {
                if let Some(i) = &f.indicator {
                    if !collections.contains(&i.collection.as_str()) {
                        collections.push(&i.collection);
                    }
                }
            }
            let names = match collections.len() {
                0..=3 => collections.join(", "),
                n => format!(
                    "{} and {} more",
                    collections
                        .iter()
                        .take(3)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    n - 3
                ),
            };
            format!(
                "Traces of known spyware found in this {acq}: {} from {} ({}) matched (most \
                 notable: {}{when}). {ASK_HELPLINE}",
                plural(matched.len() as u64, "indicator", "indicators"),
                plural(collections.len() as u64, "collection", "collections"),
                names,
                top.title
            )
        }
        Severity::High => format!(
            "Strong warning sign in this {acq}: {}{when}. {ASK_HELPLINE}",
            top.title
        ),
        Severity::Medium => format!(
            "{none_matched}, but a warning sign deserves an expert's look: {}{when}. {not_proof}",
            top.title
        ),
        Severity::Low => format!(
            "{none_matched}; weak signs worth a look (most notable: {}). {not_proof}",
            top.title
        ),
        Severity::Info => format!(
            "{none_matched}; informational notes only (e.g. {}). {not_proof}",
            top.title
        ),
    }
}
