//! The harness: feed every analyzer every event, merge findings into episodes, then weigh the
//! evidence as a whole (operator configuration, corroboration, known cells).

use crate::analyzers;
use crate::{Analyzer, EvidenceRole, Finding, KnownCells, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use stingwatch_events::{AccessTechnology, CellRef, Event, EventKind, Plmn};

/// Most episodes kept; past this, findings merge into an existing episode of their kind.
pub const MAX_EPISODES: usize = 10_000;
/// A new occurrence this long (capture time) after an episode's last one starts a new episode.
pub const EPISODE_GAP_MICROS: i64 = 30 * 60 * 1_000_000;
/// A kind seen on at least this many cells of one network may be operator configuration...
pub const OPERATOR_MIN_CELLS: usize = 3;
/// ...when those sightings span at least this long.
pub const OPERATOR_MIN_SPAN_MICROS: i64 = 10 * 60 * 1_000_000;
/// Without capture times, this many cells alone make a kind operator configuration.
pub const OPERATOR_MIN_CELLS_UNTIMED: usize = 5;
/// A kind the device's own subscription explains, seen on this many distinct cells, is the
/// SIM whatever the time span: a fake base station is one place and shows one or a few
/// cells, while a SIM without service (or not allowed to roam) is refused by every cell the
/// phone tries, often several within minutes. Capture times do not help here (a modem's clock
/// is often unset in the first minutes after power-on, exactly when such rejects happen).
pub const SUBSCRIPTION_MIN_CELLS: usize = 5;

/// What a heuristic is, for listings and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnalyzerInfo {
    /// Stable id.
    pub kind: &'static str,
    /// Heuristic version.
    pub version: u32,
    /// What it detects.
    pub description: &'static str,
    /// How its findings combine with others.
    pub role: EvidenceRole,
}

/// Runs analyzers over a stream of events and produces merged, weighed findings.
pub struct Analysis {
    analyzers: Vec<Box<dyn Analyzer>>,
    roles: BTreeMap<&'static str, EvidenceRole>,
    subscription_kinds: BTreeSet<&'static str>,
    known: Option<KnownCells>,
    episodes: Vec<Finding>,
    open: BTreeMap<(&'static str, Option<CellRef>), usize>,
    scratch: Vec<Finding>,
    /// Per event variant ([`EventKind::ordinal`]), the analyzers that read it, in order; filled
    /// the first time a variant is seen.
    routes: Vec<Option<Vec<usize>>>,
    /// Hand every event to every analyzer instead (see [`Analysis::without_routing`]).
    unrouted: bool,
}

impl Default for Analysis {
    fn default() -> Self {
        Analysis::new()
    }
}

impl Analysis {
    /// An analysis with every built-in analyzer.
    pub fn new() -> Self {
        Analysis::with_analyzers(analyzers::all())
    }

    /// An analysis with the given analyzers only.
    pub fn with_analyzers(analyzers: Vec<Box<dyn Analyzer>>) -> Self {
        let roles = analyzers.iter().map(|a| (a.kind(), a.role())).collect();
        let subscription_kinds = analyzers
            .iter()
            .filter(|a| a.explained_by_subscription())
            .map(|a| a.kind())
            .collect();
        Analysis {
            analyzers,
            roles,
            subscription_kinds,
            known: None,
            episodes: Vec::new(),
            open: BTreeMap::new(),
            scratch: Vec::new(),
            routes: vec![None; EventKind::VARIANTS],
            unrouted: false,
        }
    }

    /// Hand every event to every analyzer, whatever [`Analyzer::reads`] says: slower, and the
    /// reference the routing is tested against.
    pub fn without_routing(mut self) -> Self {
        self.unrouted = true;
        self
    }

    /// Use a list of known genuine cells to weigh findings.
    pub fn with_known_cells(mut self, known: KnownCells) -> Self {
        self.known = Some(known);
        self
    }

    /// Kind, version and description of every analyzer in this analysis.
    pub fn catalog(&self) -> Vec<AnalyzerInfo> {
        self.analyzers
            .iter()
            .map(|a| AnalyzerInfo {
                kind: a.kind(),
                version: a.version(),
                description: a.description(),
                role: a.role(),
            })
            .collect()
    }

    /// Analyze a whole recording's events with every built-in analyzer.
    pub fn run<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<Finding> {
        let mut analysis = Analysis::new();
        for e in events {
            analysis.observe(e);
        }
        analysis.finish()
    }

    /// Feed one event to every analyzer.
    pub fn observe(&mut self, event: &Event) {
        let mut out = std::mem::take(&mut self.scratch);
        let ordinal = event.kind.ordinal();
        match self.routes.get_mut(ordinal) {
            Some(route) if !self.unrouted => {
                let readers = route.get_or_insert_with(|| {
                    (0..self.analyzers.len())
                        .filter(|&i| self.analyzers.get(i).is_some_and(|a| a.reads(&event.kind)))
                        .collect()
                });
                for &i in readers.iter() {
                    if let Some(a) = self.analyzers.get_mut(i) {
                        a.observe(event, &mut out);
                    }
                }
            }
            _ => {
                for a in &mut self.analyzers {
                    a.observe(event, &mut out);
                }
            }
        }
        for f in out.drain(..) {
            self.merge(f);
        }
        self.scratch = out;
    }

    /// Findings so far, weighed as if the recording ended now (for live monitoring).
    pub fn snapshot(&self) -> Vec<Finding> {
        weigh(
            self.episodes.clone(),
            &self.roles,
            &self.subscription_kinds,
            self.known.as_ref(),
        )
    }

    /// End of the recording: final findings, most severe first.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut out = Vec::new();
        for a in &mut self.analyzers {
            a.finish(&mut out);
        }
        for f in out {
            self.merge(f);
        }
        weigh(
            self.episodes,
            &self.roles,
            &self.subscription_kinds,
            self.known.as_ref(),
        )
    }

    fn merge(&mut self, f: Finding) {
        let key = (f.kind, f.cell);
        if let Some(&i) = self.open.get(&key) {
            if let Some(ep) = self.episodes.get_mut(i) {
                let gap = match (ep.last_time, f.first_time) {
                    (Some(a), Some(b)) => b.0.saturating_sub(a.0) > EPISODE_GAP_MICROS,
                    _ => false,
                };
                if !gap {
                    absorb(ep, f);
                    return;
                }
            }
        }
        if self.episodes.len() >= MAX_EPISODES {
            if let Some(ep) = self.episodes.iter_mut().find(|e| e.kind == f.kind) {
                absorb(ep, f);
                return;
            }
        }
        self.open.insert(key, self.episodes.len());
        self.episodes.push(f);
    }
}

fn lure_rank(l: Option<AccessTechnology>) -> u8 {
    match l {
        Some(AccessTechnology::Geran) => 3,
        Some(AccessTechnology::Cdma2000) | Some(AccessTechnology::Utra) => 2,
        Some(_) => 1,
        None => 0,
    }
}

fn absorb(ep: &mut Finding, f: Finding) {
    ep.count = ep.count.saturating_add(f.count);
    if f.severity > ep.severity {
        ep.severity = f.severity;
        ep.title = f.title;
        ep.explanation = f.explanation;
        ep.packet = f.packet;
        ep.time = f.time;
    }
    if lure_rank(f.lure) > lure_rank(ep.lure) {
        ep.lure = f.lure;
    }
    for b in f.benign_alternatives {
        if !ep.benign_alternatives.contains(&b) {
            ep.benign_alternatives.push(b);
        }
    }
    for n in f.confidence_notes {
        ep.add_note(n);
    }
    if f.first_packet < ep.first_packet {
        ep.first_packet = f.first_packet;
        ep.first_time = f.first_time.or(ep.first_time);
    }
    if f.last_packet > ep.last_packet {
        ep.last_packet = f.last_packet;
        ep.last_time = f.last_time.or(ep.last_time);
    }
    ep.evidence_omitted = ep.evidence_omitted.saturating_add(f.evidence_omitted);
    for e in f.evidence {
        ep.push_evidence(e);
    }
}

/// True when two cell references name the same cell (same radio or same SIB1 identity).
fn same_cell(a: &CellRef, b: &CellRef) -> bool {
    let radio = a.earfcn.is_some() && a.pci.is_some() && a.earfcn == b.earfcn && a.pci == b.pci;
    let identity = a.identity.is_some() && a.identity == b.identity;
    radio || identity
}

/// A key that tells cells apart for counting: SIB1 identity when known, else radio.
fn cell_key(c: &CellRef) -> (u8, u64, u64) {
    match c.identity {
        Some(id) => (
            0,
            u64::from(id.tac),
            (u64::from(id.plmn.mcc) << 48) | (u64::from(id.plmn.mnc) << 32) | u64::from(id.cell_id),
        ),
        None => (
            1,
            u64::from(c.earfcn.unwrap_or(u32::MAX)),
            u64::from(c.pci.unwrap_or(u16::MAX)),
        ),
    }
}

fn format_minutes(micros: i64) -> String {
    let minutes = micros / 60_000_000;
    if minutes >= 120 {
        format!("{} hours", minutes / 60)
    } else {
        format!("{minutes} minutes")
    }
}

fn weigh(
    episodes: Vec<Finding>,
    roles: &BTreeMap<&'static str, EvidenceRole>,
    subscription_kinds: &BTreeSet<&'static str>,
    known: Option<&KnownCells>,
) -> Vec<Finding> {
    let mut episodes = collapse_patterns(episodes, subscription_kinds);
    corroborate(&mut episodes, roles);
    if let Some(known) = known {
        weigh_known_cells(&mut episodes, known);
    }
    episodes.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.first_packet.cmp(&b.first_packet))
            .then(a.kind.cmp(b.kind))
    });
    episodes
}

/// Cells and capture-time span covered by a group of episodes.
fn group_extent(episodes: &[Finding], members: &[usize]) -> (usize, Option<i64>) {
    let cells: BTreeSet<(u8, u64, u64)> = members
        .iter()
        .filter_map(|&i| episodes.get(i))
        .filter_map(|e| e.cell.as_ref().map(cell_key))
        .collect();
    let first = members
        .iter()
        .filter_map(|&i| episodes.get(i).and_then(|e| e.first_time))
        .min();
    let last = members
        .iter()
        .filter_map(|&i| episodes.get(i).and_then(|e| e.last_time))
        .max();
    let span = match (first, last) {
        (Some(a), Some(b)) => Some(b.0.saturating_sub(a.0)),
        _ => None,
    };
    (cells.len(), span)
}

fn widespread(cells: usize, span: Option<i64>) -> bool {
    match span {
        Some(s) => cells >= OPERATOR_MIN_CELLS && s >= OPERATOR_MIN_SPAN_MICROS,
        None => cells >= OPERATOR_MIN_CELLS_UNTIMED,
    }
}

/// Merge a widespread group into one finding, capped low, saying why.
fn collapse(
    episodes: &mut [Finding],
    members: &[usize],
    cells: usize,
    note: String,
) -> Option<Finding> {
    let mut sorted: Vec<usize> = members.to_vec();
    sorted.sort_by_key(|&i| episodes.get(i).map_or(u64::MAX, |e| e.first_packet));
    let mut iter = sorted.into_iter();
    let mut base = episodes.get(iter.next()?)?.clone();
    for i in iter {
        if let Some(e) = episodes.get(i) {
            absorb(&mut base, e.clone());
        }
    }
    let cap = if base.severity == Severity::High || base.lure == Some(AccessTechnology::Geran) {
        Severity::Low
    } else {
        Severity::Info
    };
    base.severity = base.severity.min(cap);
    base.operator_pattern = true;
    base.title = format!("{} (on {cells} cells)", base.title);
    base.add_note(note);
    Some(base)
}

/// The same kind on many cells over a long time is not an attack aimed at this device: on
/// one network it is how the operator set the network up; for kinds that the device's own
/// subscription explains (no service, roaming) it is the SIM, on whatever networks. Each such
/// group becomes one finding, capped at Low or Info, so it cannot drown a real attack.
fn collapse_patterns(
    episodes: Vec<Finding>,
    subscription_kinds: &BTreeSet<&'static str>,
) -> Vec<Finding> {
    let mut episodes = episodes;
    let mut groups: BTreeMap<(&'static str, Option<Plmn>), Vec<usize>> = BTreeMap::new();
    for (i, ep) in episodes.iter().enumerate() {
        if let Some(cell) = ep.cell {
            groups
                .entry((ep.kind, cell.identity.map(|id| id.plmn)))
                .or_default()
                .push(i);
        }
    }
    let mut taken: BTreeSet<usize> = BTreeSet::new();
    let mut merged: Vec<Finding> = Vec::new();
    for ((_, plmn), members) in &groups {
        let (cells, span) = group_extent(&episodes, members);
        if !widespread(cells, span) {
            continue;
        }
        let network = plmn.map_or("one network".to_string(), |p| format!("network {p}"));
        let over = span.map_or(String::new(), |s| format!(" over {}", format_minutes(s)));
        let note = format!(
            "Seen on {cells} cells of {network}{over}: this is how the operator configured its \
             network, not an attack aimed at this device. It is reported at a low level so it \
             does not hide a real attack; it still weakens protection on this network."
        );
        if let Some(f) = collapse(&mut episodes, members, cells, note) {
            merged.push(f);
            taken.extend(members.iter().copied());
        }
    }
    let mut by_kind: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for (i, ep) in episodes.iter().enumerate() {
        if !taken.contains(&i) && ep.cell.is_some() && subscription_kinds.contains(ep.kind) {
            by_kind.entry(ep.kind).or_default().push(i);
        }
    }
    for members in by_kind.values() {
        let (cells, span) = group_extent(&episodes, members);
        if !widespread(cells, span) && cells < SUBSCRIPTION_MIN_CELLS {
            continue;
        }
        let over = span.map_or(String::new(), |s| format!(" over {}", format_minutes(s)));
        let note = format!(
            "Seen on {cells} different cells{over}: a fake base station is one place, so the \
             phone's own subscription (a SIM without service, or roaming where it is not \
             allowed) explains this far better than an attack. It is reported at a low level \
             so it does not hide a real attack."
        );
        if let Some(f) = collapse(&mut episodes, members, cells, note) {
            merged.push(f);
            taken.extend(members.iter().copied());
        }
    }
    let mut out: Vec<Finding> = episodes
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !taken.contains(i))
        .map(|(_, e)| e)
        .collect();
    out.extend(merged);
    out
}

/// Independent signs on the same cell make an attack far more likely than each alone.
fn corroborate(episodes: &mut [Finding], roles: &BTreeMap<&'static str, EvidenceRole>) {
    let role = |k: &'static str| roles.get(k).copied().unwrap_or(EvidenceRole::Standalone);
    let candidates: Vec<usize> = episodes
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.operator_pattern && e.severity >= Severity::Medium && e.cell.is_some())
        .map(|(i, _)| i)
        .collect();
    // (episode, raise to High, note)
    let mut actions: Vec<(usize, bool, String)> = Vec::new();
    for &i in &candidates {
        for &j in &candidates {
            if i == j {
                continue;
            }
            let (Some(a), Some(b)) = (episodes.get(i), episodes.get(j)) else {
                continue;
            };
            if a.kind == b.kind {
                continue;
            }
            let (Some(ca), Some(cb)) = (a.cell.as_ref(), b.cell.as_ref()) else {
                continue;
            };
            if !same_cell(ca, cb) {
                continue;
            }
            let (ra, rb) = (role(a.kind), role(b.kind));
            let combined = match (ra, rb) {
                // A cell that looks wrong and treats the device like an IMSI catcher would.
                (EvidenceRole::Behaviour, EvidenceRole::Broadcast) => true,
                // Collecting an identity and sending the device to 2G is the classic catcher.
                (EvidenceRole::Behaviour, EvidenceRole::Behaviour) => {
                    a.lure == Some(AccessTechnology::Geran)
                        || b.lure == Some(AccessTechnology::Geran)
                }
                _ => false,
            };
            if combined {
                actions.push((
                    i,
                    true,
                    format!(
                        "Corroborated on the same cell by: {} (packet {}).",
                        b.title, b.packet
                    ),
                ));
            } else if ra == EvidenceRole::Broadcast && rb == EvidenceRole::Behaviour {
                actions.push((
                    i,
                    false,
                    format!(
                        "Supports a finding on the same cell: {} (packet {}).",
                        b.title, b.packet
                    ),
                ));
            }
        }
    }
    for (i, raise, note) in actions {
        if let Some(ep) = episodes.get_mut(i) {
            if raise {
                ep.severity = Severity::High;
            }
            ep.add_note(note);
        }
    }
}

/// A cell missing from the user's known-cells list raises confidence in findings on it.
fn weigh_known_cells(episodes: &mut [Finding], known: &KnownCells) {
    for ep in episodes.iter_mut() {
        let Some(cell) = ep.cell else { continue };
        match known.contains(&cell) {
            Some(false) if !ep.operator_pattern && ep.severity >= Severity::Low => {
                ep.severity = ep.severity.raised();
                ep.add_note(
                    "This cell is not in your list of known cells, which makes it more likely \
                     to be a fake base station (or a new cell the list does not have yet)."
                        .into(),
                );
            }
            Some(true) => ep.add_note(
                "This cell is in your list of known cells. A fake base station can copy a real \
                 cell's identity, so this lowers suspicion without ruling an attack out."
                    .into(),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{CaptureTime, EventKind};

    /// One finding per event, of one of two kinds by packet parity, on no cell.
    struct EveryEvent;

    impl Analyzer for EveryEvent {
        fn kind(&self) -> &'static str {
            "every-event"
        }

        fn version(&self) -> u32 {
            1
        }

        fn description(&self) -> &'static str {
            "A finding for every event."
        }

        fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
            let kind = if event.packet % 2 == 1 { "odd" } else { "even" };
            out.push(Finding::at(kind, 1, Severity::Info, event, "seen", ""));
        }
    }

    /// Episodes from `n` findings, each too long after the one before to join its episode.
    fn episodes(n: usize) -> Vec<Finding> {
        let mut analysis = Analysis::with_analyzers(vec![Box::new(EveryEvent)]);
        for i in 0..n {
            let time = 1_700_000_000_000_000 + i as i64 * (EPISODE_GAP_MICROS + 1);
            analysis
                .observe(&Event::new(i as u64 + 1, EventKind::AuthRequested).at(CaptureTime(time)));
        }
        analysis.finish()
    }

    #[test]
    fn episodes_stop_at_max_episodes_and_later_findings_merge() {
        let at_limit = episodes(MAX_EPISODES);
        assert_eq!(at_limit.len(), MAX_EPISODES);
        assert!(at_limit.iter().all(|e| e.count == 1));

        // One more: it joins the first episode of its kind.
        let past = episodes(MAX_EPISODES + 1);
        assert_eq!(past.len(), MAX_EPISODES);
        let first = past.iter().find(|e| e.first_packet == 1).unwrap();
        assert_eq!(first.count, 2);
        assert_eq!(first.last_packet, MAX_EPISODES as u64 + 1);

        // 20,000 findings of two alternating kinds: every finding is counted, in its kind.
        let many = episodes(2 * MAX_EPISODES);
        assert_eq!(many.len(), MAX_EPISODES);
        for kind in ["odd", "even"] {
            let count: u64 = many
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.count)
                .sum();
            assert_eq!(count, MAX_EPISODES as u64, "{kind}");
        }
    }
}
