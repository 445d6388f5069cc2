//! Stingwatch analyzers: pure, deterministic state machines over normalized events.
//!
//! Each analyzer (one per file under `analyzers/`) reads [`Event`]s and reports raw findings:
//! one per incriminating occurrence. The [`Analysis`] harness feeds every analyzer every event,
//! merges the raw findings into episodes (one finding per cell and kind, with a count and a
//! time span), and then weighs the evidence as a whole: several independent signs on one cell
//! raise severity, a pattern seen on many cells of one network over a long time is operator
//! configuration and is lowered, and a cell missing from a user's list of known cells raises
//! confidence. Nothing here reads a clock, a file or a socket; time comes from the events.

#![forbid(unsafe_code)]

pub mod analyzers;
mod connection;
mod harness;
mod home;
mod known_cells;
mod neighbourhood;

pub use harness::{Analysis, AnalyzerInfo, SUBSCRIPTION_REFUSED, SUBSCRIPTION_REFUSED_VERSION};
pub use home::{CellNetwork, HomeNetwork};
pub use known_cells::{KnownCells, KnownCellsError};
pub use stingwatch_events::{AccessTechnology, CaptureTime, CellRef, Event, EventKind, Plmn};
pub use stingwatch_model::Severity;

use serde::Serialize;

/// How an analyzer's findings combine with others on the same cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceRole {
    /// Something the network did to this device (asked for identity, rejected, redirected).
    Behaviour,
    /// Something the cell broadcasts to everyone (system information, identity).
    Broadcast,
    /// Stands alone; never combined with other findings.
    Standalone,
    /// Says little alone (e.g. a broadcast read by every phone); raised to Medium when the same
    /// cell shows other signs, and never raises anything itself.
    Context,
}

/// One message that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Packet number of the message.
    pub packet: u64,
    /// Capture time of the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<CaptureTime>,
    /// What the message is, e.g. `Identity request (IMSI)`.
    pub message: String,
    /// Why it matters here, when more needs saying.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Evidence {
    /// Evidence for an event, described by the event itself.
    pub fn of(event: &Event, detail: impl Into<String>) -> Self {
        Evidence {
            packet: event.packet,
            time: event.time,
            message: event.kind.describe(),
            detail: detail.into(),
        }
    }
}

/// The latest sighting of something an analyzer may cite later, e.g. the last SIB that carried
/// a cell's old content.
///
/// Broadcasts repeat every few tens of milliseconds, and writing evidence text for each repeat
/// cost more than the rest of the analysis. The text is written when the event's content
/// differs from the last sighting's; a repeat with equal content only moves the packet and
/// time. `detail` must therefore depend on the event's kind alone.
#[derive(Debug, Clone)]
pub(crate) struct Sighting {
    kind: EventKind,
    evidence: Evidence,
}

impl Sighting {
    /// A first sighting.
    pub(crate) fn new(event: &Event, detail: impl FnOnce() -> String) -> Self {
        Sighting {
            kind: event.kind.clone(),
            evidence: Evidence::of(event, detail()),
        }
    }

    /// Make `event` the latest sighting.
    pub(crate) fn update(&mut self, event: &Event, detail: impl FnOnce() -> String) {
        if self.kind == event.kind {
            self.evidence.packet = event.packet;
            self.evidence.time = event.time;
        } else {
            *self = Sighting::new(event, detail);
        }
    }

    /// Make `event` the latest sighting in `slot`, empty or not.
    pub(crate) fn record(
        slot: &mut Option<Sighting>,
        event: &Event,
        detail: impl FnOnce() -> String,
    ) {
        match slot {
            Some(s) => s.update(event, detail),
            None => *slot = Some(Sighting::new(event, detail)),
        }
    }

    /// Kind of the event last sighted.
    pub(crate) fn kind(&self) -> &EventKind {
        &self.kind
    }

    /// Evidence of the latest sighting, exactly as `Evidence::of` would have written it then.
    pub(crate) fn evidence(&self) -> &Evidence {
        &self.evidence
    }
}

/// Most evidence entries one finding keeps; the rest are only counted.
pub const MAX_EVIDENCE: usize = 50;

/// Most other findings one episode folds in (see [`Finding::includes`]).
pub const MAX_INCLUDED: usize = 16;

/// Another analyzer's finding that is one step of this finding's episode, folded into it so
/// that one attack is reported once (e.g. the 4G release that lured the phone to the 2G cell
/// that then collected its IMSI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncludedFinding {
    /// Stable id of the analyzer that reported the step.
    pub kind: &'static str,
    /// Severity the step had on its own.
    pub severity: Severity,
    /// Its first incriminating packet.
    pub packet: u64,
    /// Capture time of `packet`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<CaptureTime>,
    /// Its one-line title.
    pub title: String,
}

/// What an analyzer (or, after merging, an episode of them) reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id of the analyzer that found it, e.g. `identity-request-without-auth`.
    pub kind: &'static str,
    /// Version of that analyzer's heuristic.
    pub version: u32,
    /// How worrying it is, after weighing all evidence.
    pub severity: Severity,
    /// One line: what was seen.
    pub title: String,
    /// Plain language: what happened, why it matters, what to do.
    pub explanation: String,
    /// Harmless causes that could explain it, each with what to look at to tell them apart.
    pub benign_alternatives: Vec<String>,
    /// First incriminating packet (of the most severe occurrence).
    pub packet: u64,
    /// Capture time of `packet`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<CaptureTime>,
    /// Cell it happened on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<CellRef>,
    /// Number of occurrences merged into this finding.
    pub count: u64,
    /// First packet of the episode.
    pub first_packet: u64,
    /// Last packet of the episode.
    pub last_packet: u64,
    /// Capture time of the first occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<CaptureTime>,
    /// Capture time of the last occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<CaptureTime>,
    /// Supporting messages, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<Evidence>,
    /// Supporting messages left out of `evidence` to bound its size.
    pub evidence_omitted: u64,
    /// Why the severity is what it is: corroboration, operator pattern, unknown cell, ...
    pub confidence_notes: Vec<String>,
    /// Older technology this finding lures the device to, when it is a downgrade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lure: Option<AccessTechnology>,
    /// Seen on many cells of one network over a long time: operator configuration.
    pub operator_pattern: bool,
    /// Other analyzers' findings that are steps of this one episode, reported here instead of
    /// on their own; at most [`MAX_INCLUDED`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<IncludedFinding>,
    /// Anchor packets of the other steps this analyzer tied into its episode (a lure before,
    /// a follow-up after): a finding anchored at one of them is folded in.
    #[serde(skip)]
    pub(crate) episode_packets: Vec<u64>,
    /// EMM cause of the reject that ended the exchange, when the finding is about one: the
    /// harness weighs causes against the phone's own networks. Not part of the report.
    #[serde(skip)]
    pub reject_cause: Option<u8>,
    /// Cells merged into this finding when it is an operator or subscription pattern.
    #[serde(skip)]
    pub(crate) pattern_cells: usize,
    /// Lowered because something other than an attack explains it (a visited network, a SIM
    /// its network refuses); the known-cells list does not raise it again.
    #[serde(skip)]
    pub(crate) explained: bool,
}

impl Finding {
    /// A single-occurrence finding anchored at `event`.
    pub fn at(
        kind: &'static str,
        version: u32,
        severity: Severity,
        event: &Event,
        title: impl Into<String>,
        explanation: impl Into<String>,
    ) -> Self {
        Finding {
            kind,
            version,
            severity,
            title: title.into(),
            explanation: explanation.into(),
            benign_alternatives: Vec::new(),
            packet: event.packet,
            time: event.time,
            cell: event.cell,
            count: 1,
            first_packet: event.packet,
            last_packet: event.packet,
            first_time: event.time,
            last_time: event.time,
            evidence: Vec::new(),
            evidence_omitted: 0,
            confidence_notes: Vec::new(),
            lure: None,
            operator_pattern: false,
            includes: Vec::new(),
            episode_packets: Vec::new(),
            reject_cause: None,
            pattern_cells: 0,
            explained: false,
        }
    }

    /// Add a benign alternative.
    pub fn benign(mut self, text: impl Into<String>) -> Self {
        self.benign_alternatives.push(text.into());
        self
    }

    /// Add supporting evidence; the episode span grows to cover it.
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.push_evidence(evidence);
        self
    }

    /// Add a confidence note.
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.add_note(text.into());
        self
    }

    /// Mark the technology this finding lures the device to.
    pub fn luring(mut self, rat: AccessTechnology) -> Self {
        self.lure = Some(rat);
        self
    }

    /// Tie `event`, a step another analyzer reports on its own (the lure, or what the lured
    /// phone met next), into this finding's episode: that finding is folded into this one.
    pub fn spanning(mut self, event: &Event) -> Self {
        if !self.episode_packets.contains(&event.packet)
            && self.episode_packets.len() < MAX_EVIDENCE
        {
            self.episode_packets.push(event.packet);
        }
        self
    }

    /// Record the EMM cause of the reject that ended the exchange.
    pub fn rejected_with(mut self, cause: u8) -> Self {
        self.reject_cause = Some(cause);
        self
    }

    /// Set the cell explicitly (e.g. a radio-only reference).
    pub fn on_cell(mut self, cell: Option<CellRef>) -> Self {
        self.cell = cell;
        self
    }

    fn add_note(&mut self, text: String) {
        if !self.confidence_notes.contains(&text) {
            self.confidence_notes.push(text);
        }
    }

    /// Grows the episode span to start no later than `first` and end no earlier than `last`
    /// (packet and capture time each).
    fn widen(&mut self, first: (u64, Option<CaptureTime>), last: (u64, Option<CaptureTime>)) {
        if first.0 < self.first_packet {
            self.first_packet = first.0;
            self.first_time = first.1.or(self.first_time);
        }
        if last.0 > self.last_packet {
            self.last_packet = last.0;
            self.last_time = last.1.or(self.last_time);
        }
    }

    fn push_evidence(&mut self, evidence: Evidence) {
        let at = (evidence.packet, evidence.time);
        self.widen(at, at);
        if self
            .evidence
            .iter()
            .any(|e| e.packet == evidence.packet && e.message == evidence.message)
        {
            return;
        }
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(evidence);
        } else {
            self.evidence_omitted = self.evidence_omitted.saturating_add(1);
        }
    }

    /// Length of the episode in microseconds of capture time, when both ends have times.
    pub fn span_micros(&self) -> Option<i64> {
        match (self.first_time, self.last_time) {
            (Some(a), Some(b)) => Some(b.0.saturating_sub(a.0)),
            _ => None,
        }
    }
}

/// A detection heuristic: a pure, deterministic state machine over events.
pub trait Analyzer {
    /// Stable id of this heuristic, e.g. `null-security`.
    fn kind(&self) -> &'static str;
    /// Version of the heuristic; bumped whenever its rules change.
    fn version(&self) -> u32;
    /// One paragraph: what it detects.
    fn description(&self) -> &'static str;
    /// How its findings combine with others on the same cell.
    fn role(&self) -> EvidenceRole {
        EvidenceRole::Behaviour
    }
    /// True when the device's own subscription (a SIM without service, roaming) can produce
    /// this finding on every cell it visits; such findings on many cells are merged and lowered.
    fn explained_by_subscription(&self) -> bool {
        false
    }
    /// Whether `observe` can do anything at all (change state, push a finding) with events of
    /// `kind`'s variant. The harness asks once per variant and then hands the analyzer only the
    /// events it reads, so the answer must depend on the variant alone. Every event by default.
    fn reads(&self, kind: &EventKind) -> bool {
        let _ = kind;
        true
    }
    /// Read one event; push any findings it completes.
    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>);
    /// The recording ended; push findings that needed the whole recording.
    fn finish(&mut self, out: &mut Vec<Finding>) {
        let _ = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_serializes_lowercase() {
        assert!(Severity::High > Severity::Medium);
        assert!(Severity::Medium > Severity::Low);
        assert!(Severity::Low > Severity::Info);
        assert_eq!(
            serde_json::to_string(&Severity::Medium).unwrap(),
            "\"medium\""
        );
        assert_eq!(Severity::Medium.raised(), Severity::High);
        assert_eq!(Severity::High.raised(), Severity::High);
    }

    #[test]
    fn evidence_is_bounded_and_deduplicated() {
        let ev = Event::new(1, EventKind::AuthRequested);
        let mut f = Finding::at("x", 1, Severity::Low, &ev, "t", "e");
        for p in 0..(MAX_EVIDENCE as u64 + 10) {
            f.push_evidence(Evidence::of(
                &Event::new(p + 1, EventKind::AuthRequested),
                "",
            ));
        }
        f.push_evidence(Evidence::of(&Event::new(1, EventKind::AuthRequested), ""));
        assert_eq!(f.evidence.len(), MAX_EVIDENCE);
        assert_eq!(f.evidence_omitted, 10);
        assert_eq!(f.last_packet, MAX_EVIDENCE as u64 + 10);
    }
}
