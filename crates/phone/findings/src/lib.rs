//! Findings of the phone checks: the layer between the acquisition readers and the outputs.
//!
//! Readers stream [`ArtifactRecord`](stingwatch_phone_model::ArtifactRecord)s, signals and
//! diagnostics into a [`PhoneScan`], which asks an [`IndicatorMatcher`] (the loaded indicator
//! set) about each record's values and keeps only what findings and the timeline need: one
//! finding per (indicator, artifact) or per signal, bounded evidence, day counts and a bounded
//! list of events. [`PhoneReport`] wraps the result with what was scanned and which indicators
//! were used, and renders as text, JSON, NDJSON, one self-contained HTML page and a timeline
//! CSV. Every string that came from the phone is escaped for the output it goes to.

#![forbid(unsafe_code)]

mod csv;
mod finding;
mod html;
mod report;
mod scan;
mod svg;
mod text;
mod words;

pub use crate::csv::{csv_cell, render_timeline_csv, TIMELINE_CSV_HEADER};
pub use finding::{NextSteps, PhoneEvidence, PhoneFinding, INDICATOR_MATCH};
pub use html::render_html;
pub use report::{
    exit_code, Acquisition, AcquisitionKind, DeviceField, IndicatorCollection, PhoneReport,
    PhoneSummary, Tool, EXIT_CLEAN, EXIT_FINDING, EXIT_UNREADABLE, PHONE_SCHEMA_VERSION,
    REPORT_KIND,
};
pub use scan::{
    ArtifactCounts, EventMark, IndicatorMatcher, PhoneScan, ScanResult, SeverityCounts, Timeline,
    TimelineDay, TimelineEvent, MAX_DIAGNOSTICS, MAX_EVIDENCE_PER_FINDING, MAX_EVIDENCE_TOTAL,
    MAX_FINDINGS, MAX_MARKED_EVENTS, MAX_SAMPLED_EVENTS, MAX_SAMPLES_PER_DAY, MAX_TEXT_BYTES,
    MAX_TIMELINE_DAYS, MAX_TRACKED_SOURCES,
};
pub use text::render_text;
pub use words::escape_html;

use std::io::{self, Write};

/// Write the report as pretty JSON followed by a newline.
pub fn write_json(report: &PhoneReport, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}

/// Write the report as NDJSON: one line per finding (`"record": "finding"` followed by the
/// finding's fields, as in `findings[]`), then one summary line (`"record": "summary"`).
pub fn write_ndjson(report: &PhoneReport, w: &mut dyn Write) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct FindingLine<'a> {
        record: &'static str,
        #[serde(flatten)]
        finding: &'a PhoneFinding,
    }
    #[derive(serde::Serialize)]
    struct SummaryLine<'a> {
        record: &'static str,
        schema_version: u32,
        kind: &'static str,
        tool: &'a Tool,
        acquisition: &'a Acquisition,
        findings_omitted: &'a SeverityCounts,
        summary: &'a PhoneSummary,
    }
    for f in &report.findings {
        serde_json::to_writer(
            &mut *w,
            &FindingLine {
                record: "finding",
                finding: f,
            },
        )?;
        w.write_all(b"\n")?;
    }
    serde_json::to_writer(
        &mut *w,
        &SummaryLine {
            record: "summary",
            schema_version: report.schema_version,
            kind: report.kind,
            tool: &report.tool,
            acquisition: &report.acquisition,
            findings_omitted: &report.findings_omitted,
            summary: &report.summary,
        },
    )?;
    w.write_all(b"\n")
}
