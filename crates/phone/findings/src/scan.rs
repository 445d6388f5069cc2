//! The sink readers stream into: matches each record's values against the loaded indicators
//! and keeps only what the findings and the timeline need.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use stingwatch_model::Severity;
use stingwatch_phone_model::{
    ArtifactRecord, Diagnostic, IndicatorMatch, IndicatorRef, Observable, RecordSink, Signal,
    UnixMillis,
};

use crate::finding::{indicator_words, NextSteps, PhoneEvidence, PhoneFinding, INDICATOR_MATCH};
use crate::words::{clip, day_words};

/// Distinct findings kept; further ones are counted by severity (see
/// [`ScanResult::findings_omitted`]) and reported in a diagnostic, never silently dropped.
pub const MAX_FINDINGS: usize = 1_000;
/// Evidence records kept per finding; the rest are counted in `evidence_omitted`.
pub const MAX_EVIDENCE_PER_FINDING: usize = 20;
/// Evidence records kept over all findings; past it each finding keeps only its first one.
pub const MAX_EVIDENCE_TOTAL: usize = 5_000;
/// Bytes kept of each string copied from a record (source, locator, summary, value): a hostile
/// message of megabytes is cut with an ellipsis; the locator still points at the whole.
pub const MAX_TEXT_BYTES: usize = 1_024;
/// Diagnostics kept; further ones are counted in [`ScanResult::diagnostics_omitted`].
pub const MAX_DIAGNOSTICS: usize = 1_000;
/// (artifact, day) counters of the timeline; records of further days are counted in
/// [`Timeline::records_past_day_limit`].
pub const MAX_TIMELINE_DAYS: usize = 10_000;
/// Matched and signalled records listed in the timeline; further ones are counted in
/// [`Timeline::marked_omitted`] (they still count in their finding).
pub const MAX_MARKED_EVENTS: usize = 5_000;
/// Unremarkable records listed in the timeline as a sample, over all artifacts and days.
pub const MAX_SAMPLED_EVENTS: usize = 2_000;
/// Unremarkable records sampled per artifact per day (the first ones read).
pub const MAX_SAMPLES_PER_DAY: u64 = 3;
/// Distinct source files remembered to attribute diagnostics to the artifact that read them.
pub const MAX_TRACKED_SOURCES: usize = 4_096;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Finds the published indicators an observable matches; implemented by the loaded indicator
/// set. Kept a trait so that this crate never parses indicator files.
pub trait IndicatorMatcher {
    /// Append to `out` every indicator `observable` matches.
    fn matches(&self, observable: &Observable, out: &mut Vec<IndicatorMatch>);
}

impl<T: IndicatorMatcher + ?Sized> IndicatorMatcher for &T {
    fn matches(&self, observable: &Observable, out: &mut Vec<IndicatorMatch>) {
        (**self).matches(observable, out);
    }
}

/// What one check read, for the report's table of artifacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArtifactCounts {
    /// Check id, e.g. `ios.sms`.
    pub artifact: &'static str,
    /// Records read.
    pub records: u64,
    /// Records that carried a phone time.
    pub timed: u64,
    /// Records some indicator matched.
    pub matched: u64,
    /// Signals raised.
    pub signals: u64,
    /// Diagnostics about files this check read records from.
    pub diagnostics: u64,
}

/// Why a record is in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventMark {
    /// An indicator matched it.
    Match,
    /// A signal was raised on it.
    Signal,
    /// Neither: one of the first records of its artifact on its day.
    Sample,
}

/// One record placed in the phone's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// Phone time, when the record has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<UnixMillis>,
    /// Check id.
    pub artifact: &'static str,
    /// File inside the acquisition.
    pub source: String,
    /// Where in that file.
    pub locator: String,
    /// One line.
    pub summary: String,
    /// Why it is listed.
    pub mark: EventMark,
    /// Severity of the finding it belongs to (matched and signalled records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Value of the indicator that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// Collection of that indicator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// 1-based number of its finding in the report's order (`#finding-N` in the HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<usize>,
}

/// Records of one check on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineDay {
    /// Check id.
    pub artifact: &'static str,
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Start of that day.
    pub start: UnixMillis,
    /// Records read with a time on that day.
    pub records: u64,
    /// Of them, matched or signalled.
    pub marked: u64,
}

/// The phone's events over time: counts per check per day, every matched or signalled record
/// and a small sample of the others.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timeline {
    /// Per check and day, by day then check.
    pub days: Vec<TimelineDay>,
    /// Listed records: timed ones by time, then untimed ones in reading order.
    pub events: Vec<TimelineEvent>,
    /// Records without a phone time (not in `days`).
    pub untimed_records: u64,
    /// Timed records of days past [`MAX_TIMELINE_DAYS`] (not in `days`).
    pub records_past_day_limit: u64,
    /// Matched or signalled records past [`MAX_MARKED_EVENTS`] (not in `events`).
    pub marked_omitted: u64,
}

/// Number of findings at each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// Info.
    pub info: u64,
}

impl SeverityCounts {
    /// Count one more at `s`.
    pub fn add(&mut self, s: Severity) {
        let n = match s {
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        };
        *n = n.saturating_add(1);
    }

    /// The highest severity with a non-zero count.
    pub fn highest(&self) -> Option<Severity> {
        [
            (self.high, Severity::High),
            (self.medium, Severity::Medium),
            (self.low, Severity::Low),
            (self.info, Severity::Info),
        ]
        .into_iter()
        .find(|(n, _)| *n > 0)
        .map(|(_, s)| s)
    }

    /// All counts added.
    pub fn total(&self) -> u64 {
        self.high
            .saturating_add(self.medium)
            .saturating_add(self.low)
            .saturating_add(self.info)
    }

    fn plus(&self, o: &SeverityCounts) -> SeverityCounts {
        SeverityCounts {
            high: self.high.saturating_add(o.high),
            medium: self.medium.saturating_add(o.medium),
            low: self.low.saturating_add(o.low),
            info: self.info.saturating_add(o.info),
        }
    }
}

/// Everything a scan kept, ready for [`crate::PhoneReport::new`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanResult {
    /// Findings, most severe first, then earliest first.
    pub findings: Vec<PhoneFinding>,
    /// Findings past [`MAX_FINDINGS`], by severity.
    pub findings_omitted: SeverityCounts,
    /// Per check, by check id.
    pub artifacts: Vec<ArtifactCounts>,
    /// The phone's events over time.
    pub timeline: Timeline,
    /// What could not be read (and the scan's own limits reached), in arrival order.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics past [`MAX_DIAGNOSTICS`].
    pub diagnostics_omitted: u64,
    /// Records read over all checks.
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FindingKey {
    Indicator(&'static str, IndicatorRef),
    Signal(&'static str, &'static str, String),
}

#[derive(Debug, Default)]
struct DayCount {
    records: u64,
    marked: u64,
    sampled: u64,
}

/// A [`RecordSink`] that turns what readers stream into findings, artifact counters, a
/// bounded timeline and diagnostics. Memory is bounded by the `MAX_` limits of this module,
/// whatever the number of records.
///
/// Only records are matched against indicators: a signal's record is shown as the signal's
/// evidence, so a reader streams it as a record as well when its values should be matched
/// (otherwise one record would count twice in a finding).
pub struct PhoneScan<'m, M: IndicatorMatcher + ?Sized> {
    matcher: &'m M,
    findings: Vec<PhoneFinding>,
    index: HashMap<FindingKey, usize>,
    findings_omitted: SeverityCounts,
    evidence_kept: usize,
    artifacts: BTreeMap<&'static str, ArtifactCounts>,
    source_artifact: HashMap<String, &'static str>,
    diagnostics_by_source: HashMap<String, u64>,
    diagnostics: Vec<Diagnostic>,
    diagnostics_omitted: u64,
    days: BTreeMap<(i64, &'static str), DayCount>,
    marked: Vec<(TimelineEvent, Option<usize>)>,
    samples: Vec<TimelineEvent>,
    untimed: u64,
    past_day_limit: u64,
    marked_omitted: u64,
    records: u64,
    scratch: Vec<IndicatorMatch>,
}

impl<'m, M: IndicatorMatcher + ?Sized> PhoneScan<'m, M> {
    /// A scan matching records against `matcher`.
    pub fn new(matcher: &'m M) -> Self {
        PhoneScan {
            matcher,
            findings: Vec::new(),
            index: HashMap::new(),
            findings_omitted: SeverityCounts::default(),
            evidence_kept: 0,
            artifacts: BTreeMap::new(),
            source_artifact: HashMap::new(),
            diagnostics_by_source: HashMap::new(),
            diagnostics: Vec::new(),
            diagnostics_omitted: 0,
            days: BTreeMap::new(),
            marked: Vec::new(),
            samples: Vec::new(),
            untimed: 0,
            past_day_limit: 0,
            marked_omitted: 0,
            records: 0,
            scratch: Vec::new(),
        }
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Findings so far (unsorted), for progress displays.
    pub fn findings_so_far(&self) -> usize {
        self.findings.len()
    }

    fn counts(&mut self, artifact: &'static str) -> &mut ArtifactCounts {
        self.artifacts
            .entry(artifact)
            .or_insert_with(|| ArtifactCounts {
                artifact,
                ..ArtifactCounts::default()
            })
    }

    fn remember_source(&mut self, source: &str, artifact: &'static str) {
        if self.source_artifact.len() < MAX_TRACKED_SOURCES
            && !self.source_artifact.contains_key(source)
        {
            self.source_artifact
                .entry(clip(source, MAX_TEXT_BYTES))
                .or_insert(artifact);
        }
    }

    /// The slot of the finding `key` names, creating it with `make` when there is room.
    fn slot(
        &mut self,
        key: FindingKey,
        severity: Severity,
        make: impl FnOnce() -> PhoneFinding,
    ) -> Option<usize> {
        if let Some(&i) = self.index.get(&key) {
            return Some(i);
        }
        if self.findings.len() >= MAX_FINDINGS {
            if self.findings_omitted.total() == 0 {
                self.push_diagnostic(Diagnostic::new(
                    "(scan)",
                    format!(
                        "more than {MAX_FINDINGS} distinct findings: further ones are counted \
                         by severity in the summary but not listed"
                    ),
                ));
            }
            self.findings_omitted.add(severity);
            return None;
        }
        let i = self.findings.len();
        self.findings.push(make());
        self.index.insert(key, i);
        Some(i)
    }

    fn add_evidence(&mut self, slot: usize, evidence: impl FnOnce() -> PhoneEvidence) {
        let Some(f) = self.findings.get_mut(slot) else {
            return;
        };
        let room = f.evidence.len() < MAX_EVIDENCE_PER_FINDING
            && (self.evidence_kept < MAX_EVIDENCE_TOTAL || f.evidence.is_empty());
        if room {
            f.evidence.push(evidence());
            self.evidence_kept += 1;
        } else {
            f.evidence_omitted = f.evidence_omitted.saturating_add(1);
        }
    }

    /// Count a timed record in its day; returns whether it may be sampled.
    fn count_day(&mut self, artifact: &'static str, time: UnixMillis, marked: bool) -> bool {
        let day = time.0.div_euclid(MILLIS_PER_DAY);
        let key = (day, artifact);
        let full = self.days.len() >= MAX_TIMELINE_DAYS;
        let entry = match self.days.get_mut(&key) {
            Some(e) => e,
            None if full => {
                self.past_day_limit = self.past_day_limit.saturating_add(1);
                return false;
            }
            None => self.days.entry(key).or_default(),
        };
        entry.records = entry.records.saturating_add(1);
        if marked {
            entry.marked = entry.marked.saturating_add(1);
            return false;
        }
        if entry.sampled < MAX_SAMPLES_PER_DAY && self.samples.len() < MAX_SAMPLED_EVENTS {
            entry.sampled += 1;
            return true;
        }
        false
    }

    fn mark(&mut self, event: TimelineEvent, slot: Option<usize>) {
        if self.marked.len() < MAX_MARKED_EVENTS {
            self.marked.push((event, slot));
        } else {
            self.marked_omitted = self.marked_omitted.saturating_add(1);
        }
    }

    fn push_diagnostic(&mut self, d: Diagnostic) {
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(Diagnostic {
                source: clip(&d.source, MAX_TEXT_BYTES),
                message: clip(&d.message, MAX_TEXT_BYTES),
            });
        } else {
            self.diagnostics_omitted = self.diagnostics_omitted.saturating_add(1);
        }
    }

    /// Everything kept, findings sorted most severe first, then earliest first.
    pub fn finish(mut self) -> ScanResult {
        if self.marked_omitted > 0 {
            self.push_diagnostic(Diagnostic::new(
                "(scan)",
                format!(
                    "{} matched or signalled records beyond the first {MAX_MARKED_EVENTS} are \
                     left out of the timeline; they still count in their findings",
                    self.marked_omitted
                ),
            ));
        }
        if self.past_day_limit > 0 {
            self.push_diagnostic(Diagnostic::new(
                "(scan)",
                format!(
                    "the records span more than {MAX_TIMELINE_DAYS} check-days; {} records of \
                     later days are left out of the timeline's day counts",
                    self.past_day_limit
                ),
            ));
        }
        // Diagnostics count against the check that read records from the same file.
        for (source, n) in &self.diagnostics_by_source {
            if let Some(a) = self.source_artifact.get(source) {
                if let Some(c) = self.artifacts.get_mut(a) {
                    c.diagnostics = c.diagnostics.saturating_add(*n);
                }
            }
        }
        let mut numbered: Vec<(usize, PhoneFinding)> =
            self.findings.into_iter().enumerate().collect();
        numbered.sort_by(|(_, fa), (_, fb)| {
            fb.severity
                .cmp(&fa.severity)
                .then_with(|| cmp_time(fa.first_time, fb.first_time))
                .then_with(|| fa.kind.cmp(fb.kind))
                .then_with(|| fa.artifact.cmp(fb.artifact))
                .then_with(|| fa.title.cmp(&fb.title))
        });
        // Slot -> 1-based number in the report's order.
        let mut number = vec![0usize; numbered.len()];
        for (pos, (slot, _)) in numbered.iter().enumerate() {
            if let Some(n) = number.get_mut(*slot) {
                *n = pos + 1;
            }
        }
        let findings: Vec<PhoneFinding> = numbered.into_iter().map(|(_, f)| f).collect();
        let mut events: Vec<TimelineEvent> = self
            .marked
            .into_iter()
            .map(|(mut e, slot)| {
                e.finding = slot.and_then(|s| number.get(s).copied());
                e
            })
            .chain(self.samples)
            .collect();
        events.sort_by(|a, b| cmp_time(a.time, b.time));
        let days = self
            .days
            .into_iter()
            .map(|((day, artifact), c)| {
                let start = UnixMillis(day.saturating_mul(MILLIS_PER_DAY));
                TimelineDay {
                    artifact,
                    day: day_words(start),
                    start,
                    records: c.records,
                    marked: c.marked,
                }
            })
            .collect();
        ScanResult {
            findings,
            findings_omitted: self.findings_omitted,
            artifacts: self.artifacts.into_values().collect(),
            timeline: Timeline {
                days,
                events,
                untimed_records: self.untimed,
                records_past_day_limit: self.past_day_limit,
                marked_omitted: self.marked_omitted,
            },
            diagnostics: self.diagnostics,
            diagnostics_omitted: self.diagnostics_omitted,
            records: self.records,
        }
    }
}

/// Known times first, in order; unknown times last.
fn cmp_time(a: Option<UnixMillis>, b: Option<UnixMillis>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

fn evidence_of(
    record: &ArtifactRecord,
    observable: Option<&Observable>,
    how: Option<&str>,
) -> PhoneEvidence {
    PhoneEvidence {
        artifact: record.artifact,
        source: clip(&record.source, MAX_TEXT_BYTES),
        locator: clip(&record.locator, MAX_TEXT_BYTES),
        time: record.time,
        summary: clip(&record.summary, MAX_TEXT_BYTES),
        observable: observable.map(|o| Observable::new(o.kind, clip(&o.value, MAX_TEXT_BYTES))),
        how: how.map(|h| clip(h, MAX_TEXT_BYTES)),
    }
}

fn event_of(record: &ArtifactRecord, mark: EventMark) -> TimelineEvent {
    TimelineEvent {
        time: record.time,
        artifact: record.artifact,
        source: clip(&record.source, MAX_TEXT_BYTES),
        locator: clip(&record.locator, MAX_TEXT_BYTES),
        summary: clip(&record.summary, MAX_TEXT_BYTES),
        mark,
        severity: None,
        indicator: None,
        collection: None,
        finding: None,
    }
}

impl<M: IndicatorMatcher + ?Sized> RecordSink for PhoneScan<'_, M> {
    fn record(&mut self, record: ArtifactRecord) {
        self.records = self.records.saturating_add(1);
        let artifact = record.artifact;
        {
            let c = self.counts(artifact);
            c.records = c.records.saturating_add(1);
            if record.time.is_some() {
                c.timed = c.timed.saturating_add(1);
            }
        }
        self.remember_source(&record.source, artifact);

        let mut matches = std::mem::take(&mut self.scratch);
        matches.clear();
        for o in &record.observables {
            self.matcher.matches(o, &mut matches);
        }
        // One evidence entry per (record, indicator), even when several of the record's
        // values match the same indicator (a URL and its host).
        let mut seen: HashSet<&IndicatorRef> = HashSet::new();
        let mut first: Option<usize> = None;
        let mut first_slot: Option<usize> = None;
        for (mi, m) in matches.iter().enumerate() {
            if !seen.insert(&m.indicator) {
                continue;
            }
            first.get_or_insert(mi);
            let indicator = IndicatorRef {
                id: clip(&m.indicator.id, MAX_TEXT_BYTES),
                kind: m.indicator.kind,
                value: clip(&m.indicator.value, MAX_TEXT_BYTES),
                collection: clip(&m.indicator.collection, MAX_TEXT_BYTES),
                source: clip(&m.indicator.source, MAX_TEXT_BYTES),
            };
            let key = FindingKey::Indicator(artifact, indicator.clone());
            let slot = self.slot(key, Severity::High, || {
                let (title, explanation, benign) =
                    indicator_words(artifact, &indicator, &m.observable);
                PhoneFinding {
                    kind: INDICATOR_MATCH,
                    severity: Severity::High,
                    title: clip(&title, MAX_TEXT_BYTES),
                    explanation,
                    benign_alternatives: benign,
                    artifact,
                    indicator: Some(indicator),
                    count: 0,
                    first_time: None,
                    last_time: None,
                    evidence: Vec::new(),
                    evidence_omitted: 0,
                    next_steps: NextSteps::for_severity(Severity::High),
                }
            });
            let Some(slot) = slot else { continue };
            first_slot.get_or_insert(slot);
            if let Some(f) = self.findings.get_mut(slot) {
                f.count = f.count.saturating_add(1);
                f.widen(record.time);
            }
            self.add_evidence(slot, || {
                evidence_of(&record, Some(&m.observable), m.how.as_deref())
            });
        }
        let matched = !seen.is_empty();
        drop(seen);
        if matched {
            let c = self.counts(artifact);
            c.matched = c.matched.saturating_add(1);
        }
        let sample = match record.time {
            Some(t) => self.count_day(artifact, t, matched),
            None => {
                self.untimed = self.untimed.saturating_add(1);
                false
            }
        };
        if matched {
            let mut e = event_of(&record, EventMark::Match);
            e.severity = Some(Severity::High);
            if let Some(m) = first.and_then(|i| matches.get(i)) {
                e.indicator = Some(clip(&m.indicator.value, MAX_TEXT_BYTES));
                e.collection = Some(clip(&m.indicator.collection, MAX_TEXT_BYTES));
            }
            self.mark(e, first_slot);
        } else if sample {
            self.samples.push(event_of(&record, EventMark::Sample));
        }
        matches.clear();
        self.scratch = matches;
    }

    fn signal(&mut self, signal: Signal) {
        let Signal {
            kind,
            severity,
            title,
            explanation,
            record,
        } = signal;
        let artifact = record.artifact;
        {
            let c = self.counts(artifact);
            c.signals = c.signals.saturating_add(1);
        }
        self.remember_source(&record.source, artifact);
        let title = clip(&title, MAX_TEXT_BYTES);
        let key = FindingKey::Signal(kind, artifact, title.clone());
        let slot = self.slot(key, severity, || PhoneFinding {
            kind,
            severity,
            title,
            explanation: clip(&explanation, 4 * MAX_TEXT_BYTES),
            benign_alternatives: Vec::new(),
            artifact,
            indicator: None,
            count: 0,
            first_time: None,
            last_time: None,
            evidence: Vec::new(),
            evidence_omitted: 0,
            next_steps: NextSteps::for_severity(severity),
        });
        if let Some(slot) = slot {
            if let Some(f) = self.findings.get_mut(slot) {
                f.count = f.count.saturating_add(1);
                f.widen(record.time);
            }
            self.add_evidence(slot, || evidence_of(&record, None, None));
        }
        // A signal's record is listed in the timeline but not counted in its day: readers
        // also stream it as a record when it is one of the phone's events.
        let mut e = event_of(&record, EventMark::Signal);
        e.severity = Some(severity);
        self.mark(e, slot);
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        let source = clip(&diagnostic.source, MAX_TEXT_BYTES);
        if let Some(n) = self.diagnostics_by_source.get_mut(&source) {
            *n = n.saturating_add(1);
        } else if self.diagnostics_by_source.len() < MAX_TRACKED_SOURCES {
            self.diagnostics_by_source.insert(source, 1);
        }
        self.push_diagnostic(diagnostic);
    }
}

impl ScanResult {
    /// Findings at every severity, listed and omitted together.
    pub fn severity_counts(&self) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        for f in &self.findings {
            c.add(f.severity);
        }
        c.plus(&self.findings_omitted)
    }
}
