//! Report sinks: the versioned JSON report model and its text, NDJSON and HTML renderings,
//! and the packet comments of the annotated pcapng.
//!
//! Sinks never re-parse captures: they take findings from the analysis, per-input reading
//! counters, and the table of cells built from `CellObserved` events.

#![forbid(unsafe_code)]

mod annotate;
mod cells;
mod html;
mod svg;
mod text;
mod timeline;
mod words;

pub use annotate::{finding_comment, packet_comments};
pub use cells::{
    locate_cells, position_words, signal_words, timing_advance_words, CellRecord, CellTable,
    RadioCellRecord, SignalSummary, TimingAdvanceSeen,
};
pub use html::render_html;
pub use svg::timeline_svg;
pub use text::render_text;
pub use timeline::{TimelineBuilder, TimelineSegment, MAX_SEGMENTS};
pub use words::escape_html;

use serde::Serialize;
use stingwatch_analysis::{Finding, Severity};

/// Version of the JSON report layout; bumped on any incompatible change (see docs/report-format.md).
pub const SCHEMA_VERSION: u32 = 1;

/// Name and version of the program that wrote a report.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// Always `stingwatch`.
    pub name: &'static str,
    /// Program version.
    pub version: &'static str,
}

/// What reading one input gave.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// Path as given (or found while walking a directory).
    pub path: String,
    /// Detected container format (`qmdl`, `pcap`, `pcapng`), or null when unreadable.
    pub format: Option<&'static str>,
    /// Bytes read.
    pub bytes: u64,
    /// Radio messages read.
    pub messages: u64,
    /// Messages that could not be decoded (each still analysed as far as possible).
    pub undecoded: u64,
    /// Intact records that carry nothing the decoders read.
    pub skipped: u64,
    /// Damaged regions and read errors, each with its offset.
    pub errors: Vec<String>,
}

/// A finding together with the input it came from.
#[derive(Debug, Clone, Serialize)]
pub struct FileFinding {
    /// Input the finding was made on.
    pub file: String,
    /// The finding itself.
    #[serde(flatten)]
    pub finding: Finding,
    /// Where the sensor was at the finding's time (the fix nearest in time from the input's
    /// GPS track, within the track's age limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<stingwatch_gps::Located>,
}

impl FileFinding {
    /// A finding of an input, without position.
    pub fn new(file: impl Into<String>, finding: Finding) -> Self {
        FileFinding {
            file: file.into(),
            finding,
            position: None,
        }
    }

    /// The time a position is looked up for: the finding's time, else its last or first.
    pub fn observed_at(&self) -> Option<stingwatch_events::CaptureTime> {
        self.finding
            .time
            .or(self.finding.last_time)
            .or(self.finding.first_time)
    }
}

/// The GPS track read for an input.
#[derive(Debug, Clone, Serialize)]
pub struct GpsTrackReport {
    /// Input the track belongs to.
    pub input: String,
    /// Track file.
    pub path: String,
    /// Fixes read.
    pub fixes: u64,
    /// Time of the first fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<stingwatch_events::CaptureTime>,
    /// Time of the last fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<stingwatch_events::CaptureTime>,
    /// Lines that could not be used, each with its number and reason.
    pub errors: Vec<String>,
}

/// Totals and the overall verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Inputs analysed.
    pub inputs: usize,
    /// Radio messages read over all inputs.
    pub messages: u64,
    /// Findings by severity.
    pub findings: SeverityCounts,
    /// Highest severity found, or null when there are no findings.
    pub highest: Option<Severity>,
    /// One plain sentence on what the recording shows.
    pub verdict: String,
}

/// Number of findings at each severity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SeverityCounts {
    /// High.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// Info.
    pub info: usize,
}

/// The whole report of an `analyze` run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Program that wrote it.
    pub tool: Tool,
    /// One entry per input.
    pub inputs: Vec<InputReport>,
    /// Findings, most severe first.
    pub findings: Vec<FileFinding>,
    /// Cells seen, with their measured signal, timing advance and position.
    pub cells: Vec<CellRecord>,
    /// Cells measured whose identity (SIB1) the recordings never showed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub radio_cells: Vec<RadioCellRecord>,
    /// GPS tracks read beside the inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gps: Vec<GpsTrackReport>,
    /// Which cell the device was on over time, per input, in capture order.
    pub timeline: Vec<TimelineSegment>,
    /// Totals and verdict.
    pub summary: Summary,
}

impl Report {
    /// Assemble a report; findings are sorted most severe first, then by file and packet.
    pub fn new(
        version: &'static str,
        inputs: Vec<InputReport>,
        mut findings: Vec<FileFinding>,
        cells: Vec<CellRecord>,
    ) -> Self {
        findings.sort_by(|a, b| {
            b.finding
                .severity
                .cmp(&a.finding.severity)
                .then_with(|| a.file.cmp(&b.file))
                .then_with(|| a.finding.packet.cmp(&b.finding.packet))
        });
        let mut counts = SeverityCounts::default();
        for f in &findings {
            match f.finding.severity {
                Severity::High => counts.high += 1,
                Severity::Medium => counts.medium += 1,
                Severity::Low => counts.low += 1,
                Severity::Info => counts.info += 1,
            }
        }
        let highest = findings.iter().map(|f| f.finding.severity).max();
        let verdict = verdict(&findings);
        let summary = Summary {
            inputs: inputs.len(),
            messages: inputs.iter().map(|i| i.messages).sum(),
            findings: counts,
            highest,
            verdict,
        };
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "stingwatch",
                version,
            },
            inputs,
            findings,
            cells,
            radio_cells: Vec::new(),
            gps: Vec::new(),
            timeline: Vec::new(),
            summary,
        }
    }

    /// The same report with cells measured without identity.
    pub fn with_radio_cells(mut self, radio_cells: Vec<RadioCellRecord>) -> Self {
        self.radio_cells = radio_cells;
        self
    }

    /// The same report with the GPS tracks read.
    pub fn with_gps(mut self, gps: Vec<GpsTrackReport>) -> Self {
        self.gps = gps;
        self
    }

    /// The same report with the cell timeline (kept apart from [`Report::new`] so callers
    /// without events still build reports).
    pub fn with_timeline(mut self, timeline: Vec<TimelineSegment>) -> Self {
        self.timeline = timeline;
        self
    }

    /// True when some finding is at or above `threshold`.
    pub fn reaches(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| f.finding.severity >= threshold)
    }
}

/// One plain sentence on what the findings mean, most severe first.
///
/// The time span covers every finding on the same input and cell at least as severe as the
/// top one's level (or medium), so "from ... to ..." is the whole episode, not its first sign.
fn verdict(findings: &[FileFinding]) -> String {
    let Some(top) = findings.first() else {
        return "No signs of a cell-site simulator in these recordings.".to_string();
    };
    // A SIM that its network refuses looks like a fake cell's refusal; when nothing reaches
    // Medium, the diagnosis is what the reader needs first.
    if top.finding.severity < Severity::Medium {
        if let Some(d) = findings
            .iter()
            .find(|f| f.finding.kind == stingwatch_analysis::SUBSCRIPTION_REFUSED)
        {
            return format!(
                "{}: the phone was refused without authentication and got no service anywhere \
                 in the recording, which points at the SIM (not activated, expired or blocked) \
                 rather than at a cell-site simulator.",
                d.finding.title
            );
        }
    }
    let f = &top.finding;
    let floor = f.severity.min(Severity::Medium);
    let same_episode = findings
        .iter()
        .filter(|o| o.file == top.file && o.finding.cell == f.cell && o.finding.severity >= floor);
    let mut first = f.first_time;
    let mut last = f.last_time;
    for o in same_episode {
        first = match (first, o.finding.first_time) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        last = match (last, o.finding.last_time) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    let when = match words::span_words(first, last) {
        w if w.is_empty() => String::new(),
        w => format!(" {w}"),
    };
    let cell = f
        .cell
        .map(|c| format!(" on cell {}", words::cell_words(&c)))
        .unwrap_or_default();
    match f.severity {
        Severity::High => format!("Likely cell-site simulator{when}{cell}: {}.", f.title),
        Severity::Medium => format!("Possible cell-site simulator{when}{cell}: {}.", f.title),
        Severity::Low => format!(
            "No strong signs of a cell-site simulator; weak signals worth a look (most notable: {}).",
            f.title
        ),
        Severity::Info => format!(
            "No signs of a cell-site simulator; informational notes only (e.g. {}).",
            f.title
        ),
    }
}
