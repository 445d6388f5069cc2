//! The harness: feed every analyzer every event, merge findings into episodes, then weigh the
//! evidence as a whole (operator configuration, corroboration, known cells).

use crate::analyzers;
use crate::home::{CellNetwork, HomeNetwork};
use crate::neighbourhood::Neighbourhood;
use crate::{Analyzer, Evidence, EvidenceRole, Finding, IncludedFinding, KnownCells, Severity};
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
    home: HomeNetwork,
    around: Neighbourhood,
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
            home: HomeNetwork::default(),
            around: Neighbourhood::default(),
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

    /// Take `plmn` as the network of the phone's SIM, whatever the recording shows (for
    /// recordings in which the phone never sends its IMSI).
    pub fn with_home_network(mut self, plmn: Plmn) -> Self {
        self.home = HomeNetwork::configured(plmn);
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
        if HomeNetwork::reads(&event.kind) {
            self.home.observe(event);
        }
        if Neighbourhood::reads(&event.kind) {
            self.around.observe(event);
        }
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
        weigh(self.episodes.clone(), &self.context())
    }

    fn context(&self) -> Context<'_> {
        Context {
            roles: &self.roles,
            subscription_kinds: &self.subscription_kinds,
            known: self.known.as_ref(),
            home: &self.home,
            around: &self.around,
        }
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
        let episodes = std::mem::take(&mut self.episodes);
        weigh(episodes, &self.context())
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
    ep.widen((f.first_packet, f.first_time), (f.last_packet, f.last_time));
    ep.evidence_omitted = ep.evidence_omitted.saturating_add(f.evidence_omitted);
    for e in f.evidence {
        ep.push_evidence(e);
    }
    for p in f.episode_packets {
        if !ep.episode_packets.contains(&p) && ep.episode_packets.len() < crate::MAX_EVIDENCE {
            ep.episode_packets.push(p);
        }
    }
}

/// Folds each finding that is one step of another finding's episode into that finding, so
/// one attack is reported once: the lure (a 4G or 5G release without security) and what the
/// older-technology cell then did. A step is folded only when all of it belongs to the
/// episode (one occurrence, anchored at a packet the episode names) and it is not more
/// severe than the episode; otherwise both stay, and the episode says where the other is.
fn fold_episodes(episodes: Vec<Finding>) -> Vec<Finding> {
    // Episodes by anchor packet, so a named step is looked up rather than searched for among
    // up to MAX_EPISODES findings for each episode.
    let mut anchored: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (j, f) in episodes.iter().enumerate() {
        anchored.entry(f.packet).or_default().push(j);
    }
    // (step, episode) pairs, decided before anything moves.
    let mut folds: Vec<(usize, usize)> = Vec::new();
    let mut mentions: Vec<(usize, usize)> = Vec::new();
    let mut is_step = vec![false; episodes.len()];
    let mut steps_of = vec![0usize; episodes.len()];
    for (i, ep) in episodes.iter().enumerate() {
        if ep.episode_packets.is_empty() || ep.operator_pattern {
            continue;
        }
        let mut named: Vec<usize> = ep
            .episode_packets
            .iter()
            .filter_map(|p| anchored.get(p))
            .flatten()
            .copied()
            .collect();
        named.sort_unstable();
        named.dedup();
        for j in named {
            let Some(step) = episodes.get(j) else {
                continue;
            };
            if i == j || step.kind == ep.kind {
                continue;
            }
            // A step folded elsewhere already, or an episode that is itself folded or takes
            // steps of its own, stays.
            let taken = |k: usize| is_step.get(k).copied().unwrap_or(true);
            if taken(j) || taken(i) || steps_of.get(j).is_some_and(|&n| n > 0) {
                continue;
            }
            let whole = step.count == 1 && !step.operator_pattern;
            let room = steps_of.get(i).is_some_and(|&n| n < crate::MAX_INCLUDED);
            if whole && step.severity <= ep.severity && room {
                folds.push((j, i));
                if let Some(s) = is_step.get_mut(j) {
                    *s = true;
                }
                if let Some(n) = steps_of.get_mut(i) {
                    *n += 1;
                }
            } else {
                mentions.push((i, j));
            }
        }
    }
    let mut slots: Vec<Option<Finding>> = episodes.into_iter().map(Some).collect();
    for (i, j) in mentions {
        let note = slots.get(j).and_then(|s| s.as_ref()).map(|step| {
            format!(
                "Part of the same episode, also reported on its own: {} (packet {}).",
                step.title, step.packet
            )
        });
        if let (Some(note), Some(Some(ep))) = (note, slots.get_mut(i)) {
            ep.add_note(note);
        }
    }
    for (j, i) in folds {
        let Some(step) = slots.get_mut(j).and_then(Option::take) else {
            continue;
        };
        let Some(Some(ep)) = slots.get_mut(i) else {
            continue;
        };
        ep.widen(
            (step.first_packet, step.first_time),
            (step.last_packet, step.last_time),
        );
        if lure_rank(step.lure) > lure_rank(ep.lure) {
            ep.lure = step.lure;
        }
        if !ep.evidence.iter().any(|e| e.packet == step.packet) {
            ep.push_evidence(Evidence {
                packet: step.packet,
                time: step.time,
                message: step.title.clone(),
                detail: String::new(),
            });
        }
        ep.includes.push(IncludedFinding {
            kind: step.kind,
            severity: step.severity,
            packet: step.packet,
            time: step.time,
            title: step.title,
        });
    }
    slots.into_iter().flatten().collect()
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

/// Everything weighing reads besides the episodes.
struct Context<'a> {
    roles: &'a BTreeMap<&'static str, EvidenceRole>,
    subscription_kinds: &'a BTreeSet<&'static str>,
    known: Option<&'a KnownCells>,
    home: &'a HomeNetwork,
    around: &'a Neighbourhood,
}

fn weigh(episodes: Vec<Finding>, cx: &Context<'_>) -> Vec<Finding> {
    let mut episodes = collapse_patterns(episodes, cx.subscription_kinds, cx.roles);
    weigh_visited_networks(&mut episodes, cx.home, cx.roles);
    if let Some(diagnosis) = weigh_refused_subscription(&mut episodes, cx) {
        episodes.push(diagnosis);
    }
    corroborate(&mut episodes, cx.roles);
    if let Some(known) = cx.known {
        weigh_known_cells(&mut episodes, known);
    }
    let mut episodes = fold_episodes(episodes);
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
    base.pattern_cells = cells;
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
    roles: &BTreeMap<&'static str, EvidenceRole>,
) -> Vec<Finding> {
    let mut episodes = episodes;
    let mut groups: BTreeMap<(&'static str, Option<Plmn>), Vec<usize>> = BTreeMap::new();
    for (i, ep) in episodes.iter().enumerate() {
        if ep.severity >= Severity::Medium && roles.get(ep.kind) == Some(&EvidenceRole::Context) {
            // Context findings rise alone only on this phone's own exchange, which no
            // network-wide habit explains.
            continue;
        }
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

/// Reject causes that say "you may not be served here": the network, the tracking area or
/// roaming in it is not allowed (TS 24.301 5.5.1.2.5). A visited network without a roaming
/// agreement sends them before authenticating, because it has no way to authenticate a
/// subscriber it has no agreement for. #14 is left out: it sends the phone down to 2G/3G.
const NOT_ALLOWED_HERE: [u8; 4] = [11, 12, 13, 15];

/// Causes by which a network refuses its own subscriber as a roamer: #11 "PLMN not allowed"
/// and #13 "roaming not allowed in this tracking area" make no sense from the SIM's own
/// network.
const ROAMING_REFUSALS: [u8; 2] = [11, 13];

/// Cell-site simulators impersonate the phone's own operator, because a phone only selects
/// its own (or an equivalent) network while one is around. A cell of a network that is none
/// of the phone's own, refusing it as "not allowed here" before authentication, is how real
/// visited networks behave; broadcast oddities of such a cell concern a network the phone
/// does not use. Refusals from a cell that claims to be the SIM's own network keep their
/// weight, and say that the impersonation is the point.
fn weigh_visited_networks(
    episodes: &mut [Finding],
    home: &HomeNetwork,
    roles: &BTreeMap<&'static str, EvidenceRole>,
) {
    // The IMSI alone does not say which networks serve the SIM (a virtual operator's SIM is
    // served by its host network under another PLMN): a GUTI, an accept or the user's word is
    // needed before a network is called visited.
    if !home.knows_registration() {
        return;
    }
    let own = home.describe();
    for ep in episodes.iter_mut() {
        let Some(cell) = ep.cell else { continue };
        let Some(identity) = cell.identity else {
            continue;
        };
        // Written only into the notes of findings it changes.
        let broadcast = || {
            let plmns: Vec<String> = home
                .cell_plmns(&identity)
                .iter()
                .map(|p| p.to_string())
                .collect();
            plmns.join(", ")
        };
        match home.classify(Some(&cell)) {
            CellNetwork::Visited => {
                if ep
                    .reject_cause
                    .is_some_and(|c| NOT_ALLOWED_HERE.contains(&c))
                {
                    // Two independent signs (IMSI and IMEI, a failed authentication) are not
                    // what a visited network does; they stay above information.
                    ep.severity = if ep.severity >= Severity::High {
                        Severity::Low
                    } else {
                        Severity::Info
                    };
                    ep.explained = true;
                    ep.add_note(format!(
                        "Visited network: this cell broadcasts {}, which is not the \
                         phone's own network ({own}). A visited network that has no roaming \
                         agreement for this SIM cannot authenticate it, so it refuses it \
                         before authentication with exactly this kind of cause. This is \
                         information, not an alarm: a cell-site simulator that wants a phone \
                         imitates the phone's own operator.",
                        broadcast()
                    ));
                } else if roles.get(ep.kind) == Some(&EvidenceRole::Broadcast)
                    || ep.kind == "identity-exposure-rate"
                {
                    if ep.severity > Severity::Low {
                        ep.severity = Severity::Low;
                    }
                    ep.explained = true;
                    ep.add_note(format!(
                        "This cell broadcasts {}, which is not the phone's own network \
                         ({own}); a phone does not normally use such a network, and a \
                         cell-site simulator that wants it would imitate its own operator. \
                         Lowered to at most low.",
                        broadcast()
                    ));
                }
            }
            CellNetwork::Own => {
                if home.broadcasts_subscription(&identity)
                    && ep
                        .reject_cause
                        .is_some_and(|c| ROAMING_REFUSALS.contains(&c))
                {
                    ep.add_note(format!(
                        "This cell claims to be the SIM's own network ({}), yet refuses the \
                         phone as if it were roaming. A network does not refuse its own \
                         subscriber as a roamer; a cell imitating the operator to turn the \
                         phone away would.",
                        broadcast()
                    ));
                }
            }
            CellNetwork::Unknown => {}
        }
    }
}

/// Kinds that are about the refusal of the phone itself, not about signs of the cell.
const REFUSAL_KINDS: [&str; 3] = [
    "identity-request-without-auth",
    "downgrade-reject-cause",
    "identity-exposure-rate",
];

/// Kind of the diagnosis that the SIM, not a cell, is refused.
pub const SUBSCRIPTION_REFUSED: &str = "subscription-refused";
/// Version of the rules behind [`SUBSCRIPTION_REFUSED`].
pub const SUBSCRIPTION_REFUSED_VERSION: u32 = 1;

/// A SIM that its network refuses (not activated, expired, blocked) gets identity requests and
/// rejects without authentication from real cells: exactly what a cell-site simulator does.
/// What tells them apart is around the refusal: the SIM never gets service anywhere in the
/// recording (a phone that a fake cell turned away is served by the real network elsewhere),
/// and the refusing cell is part of the operator's layout (its tracking area is shared with
/// other cells of the network, where a fake cell usually takes a tracking area of its own) and
/// shows no other sign. Refusals that meet all of it are lowered (Low on one cell, Info on
/// several) and a diagnosis says that the SIM may be refused. A cell that refuses while the
/// phone is served elsewhere keeps its weight, and says so.
fn weigh_refused_subscription(episodes: &mut [Finding], cx: &Context<'_>) -> Option<Finding> {
    // Cells with another sign of a fake cell.
    let signs: Vec<CellRef> = episodes
        .iter()
        .filter(|e| {
            !REFUSAL_KINDS.contains(&e.kind)
                && !e.operator_pattern
                && e.severity >= Severity::Medium
        })
        .filter_map(|e| e.cell)
        .collect();
    // Served, or registered (only a phone its network once accepted sends a tracking area
    // update or a service request): either way the SIM works.
    let served = cx.around.served_anywhere() || cx.around.registered_anywhere();
    let mut lowered: Vec<usize> = Vec::new();
    let mut cells: BTreeSet<(u8, u64, u64)> = BTreeSet::new();
    // The earliest merged pattern that qualifies, and the most cells any of them covers.
    let mut collapsed: Option<usize> = None;
    let mut collapsed_cells = 0usize;
    for (i, ep) in episodes.iter_mut().enumerate() {
        let Some(cause) = ep.reject_cause else {
            continue;
        };
        if ep.explained || ep.severity >= Severity::High {
            // Already explained (a visited network), or signs a refused SIM does not give
            // (IMSI and IMEI taken, a failed authentication of the network).
            continue;
        }
        let Some(cell) = ep.cell else { continue };
        let Some(identity) = cell.identity else {
            continue;
        };
        if served {
            if cx.around.served_on(identity.plmn) && ep.severity >= Severity::Medium {
                ep.add_note(format!(
                    "The phone was served (authenticated or accepted) on other cells of \
                     {} in this recording, so its SIM works: the refusal belongs to this \
                     cell.",
                    identity.plmn
                ));
            }
            continue;
        }
        if cx.home.classify(Some(&cell)) == CellNetwork::Visited {
            continue;
        }
        if ep.operator_pattern {
            collapsed_cells = collapsed_cells.max(ep.pattern_cells);
            collapsed = Some(i);
            continue;
        }
        if cx.home.broadcasts_subscription(&identity) && ROAMING_REFUSALS.contains(&cause) {
            continue;
        }
        if signs.iter().any(|c| same_cell(c, &cell)) {
            continue;
        }
        if cx.around.area_neighbours(&identity) == 0 {
            continue;
        }
        lowered.push(i);
        cells.insert(cell_key(&cell));
    }
    if lowered.is_empty() && collapsed.is_none() {
        return None;
    }
    // Cells refused: those counted one by one, or the widest merged pattern (the same cells
    // may be behind both, so they are not added).
    let n = cells.len().max(collapsed_cells);
    let several = n >= 2;
    let cap = if several {
        Severity::Info
    } else {
        Severity::Low
    };
    let mut first: Option<Finding> = None;
    for &i in &lowered {
        let Some(ep) = episodes.get_mut(i) else {
            continue;
        };
        ep.severity = ep.severity.min(cap);
        ep.explained = true;
        ep.add_note(
            "Nothing in this recording shows the SIM being served anywhere (no authentication, \
             no accept), and this cell shares its tracking area with other cells of its network \
             and shows no other sign: a network refusing the SIM itself explains this as well \
             as a fake cell. See the finding on the SIM."
                .into(),
        );
        let earlier = first
            .as_ref()
            .is_none_or(|f: &Finding| ep.first_packet < f.first_packet);
        if earlier {
            first = Some(ep.clone());
        }
    }
    let anchor = match first {
        Some(f) => f,
        None => episodes.get(collapsed?)?.clone(),
    };
    let title = if several {
        format!("This SIM is refused by its network ({n} cells refused it)")
    } else {
        "This SIM may be refused by its network".to_string()
    };
    let cause = anchor.reject_cause.unwrap_or(0);
    let explanation = format!(
        "The phone was refused (#{cause} {}) without being authenticated, and nothing in this \
         recording shows it being served anywhere: no authentication, no accepted attach or \
         update. The refusing {} part of the operator's network (sharing a tracking area with \
         other cells) and show no other sign of a fake cell. The most likely explanation is \
         the SIM itself: not activated, expired, out of credit or blocked. What to do: try the \
         SIM in another phone, or another SIM in this phone, and ask the operator whether the \
         line is active. If the SIM works elsewhere and this repeats at this place, treat the \
         other findings as a possible cell-site simulator.",
        stingwatch_events::emm_cause_name(cause),
        if several { "cells are" } else { "cell is" }
    );
    let mut diagnosis = Finding {
        kind: SUBSCRIPTION_REFUSED,
        version: SUBSCRIPTION_REFUSED_VERSION,
        severity: Severity::Info,
        title,
        explanation,
        benign_alternatives: Vec::new(),
        evidence: Vec::new(),
        evidence_omitted: 0,
        confidence_notes: Vec::new(),
        count: lowered.len().max(1) as u64,
        operator_pattern: false,
        lure: None,
        reject_cause: None,
        includes: Vec::new(),
        episode_packets: Vec::new(),
        ..anchor
    };
    diagnosis.benign_alternatives.push(
        "A cell-site simulator that copies a real cell's tracking area and refuses a phone \
         that has just been switched on looks the same. Tell apart: does the phone get service \
         a little later or a little further away? Then the SIM works, and the refusal was the \
         cell's."
            .into(),
    );
    for &i in &lowered {
        if let Some(ep) = episodes.get(i) {
            diagnosis.push_evidence(Evidence {
                packet: ep.packet,
                time: ep.time,
                message: ep.title.clone(),
                detail: "refused without authentication".into(),
            });
        }
    }
    Some(diagnosis)
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
    // (episode, severity to raise it to, note)
    let mut actions: Vec<(usize, Option<Severity>, String)> = Vec::new();
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
                    Some(Severity::High),
                    format!(
                        "Corroborated on the same cell by: {} (packet {}).",
                        b.title, b.packet
                    ),
                ));
            } else if ra == EvidenceRole::Broadcast && rb == EvidenceRole::Behaviour {
                actions.push((
                    i,
                    None,
                    format!(
                        "Supports a finding on the same cell: {} (packet {}).",
                        b.title, b.packet
                    ),
                ));
            }
        }
    }
    // Context findings (a broadcast that every phone reads) weigh where the cell shows signs.
    for (i, ep) in episodes.iter().enumerate() {
        if role(ep.kind) != EvidenceRole::Context || ep.operator_pattern {
            continue;
        }
        let Some(cell) = ep.cell.as_ref() else {
            continue;
        };
        let sign = episodes.iter().find(|o| {
            !o.operator_pattern
                && o.severity >= Severity::Medium
                && matches!(
                    role(o.kind),
                    EvidenceRole::Behaviour | EvidenceRole::Broadcast
                )
                && o.cell.as_ref().is_some_and(|c| same_cell(c, cell))
        });
        if let Some(o) = sign {
            actions.push((
                i,
                Some(Severity::Medium),
                format!(
                    "Weighs here because the same cell shows: {} (packet {}).",
                    o.title, o.packet
                ),
            ));
        }
    }
    for (i, raise, note) in actions {
        if let Some(ep) = episodes.get_mut(i) {
            if let Some(to) = raise {
                ep.severity = ep.severity.max(to);
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
            Some(false)
                if !ep.operator_pattern && !ep.explained && ep.severity >= Severity::Low =>
            {
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

    fn step(kind: &'static str, packet: u64, severity: Severity) -> Finding {
        let ev = Event::new(packet, EventKind::AuthRequested).at(CaptureTime(packet as i64));
        Finding::at(kind, 1, severity, &ev, format!("{kind} at {packet}"), "")
    }

    #[test]
    fn a_step_an_episode_names_is_folded_into_it() {
        let lure = step("lure", 3, Severity::Medium);
        let lure_event = Event::new(3, EventKind::AuthRequested);
        let episode = step("collect", 9, Severity::High).spanning(&lure_event);
        let unrelated = step("other", 5, Severity::Medium);
        let out = fold_episodes(vec![lure, episode, unrelated]);
        assert_eq!(out.len(), 2);
        let e = out.iter().find(|f| f.kind == "collect").unwrap();
        assert_eq!(e.includes.len(), 1);
        assert_eq!(e.includes[0].kind, "lure");
        assert_eq!(e.includes[0].packet, 3);
        assert_eq!(e.includes[0].severity, Severity::Medium);
        assert_eq!((e.first_packet, e.last_packet), (3, 9));
        assert!(e.evidence.iter().any(|ev| ev.packet == 3));
        assert!(out.iter().any(|f| f.kind == "other"));
    }

    #[test]
    fn an_episode_folds_at_most_max_included_steps() {
        let n = crate::MAX_INCLUDED as u64 + 4;
        let mut episode = step("collect", 1000, Severity::High);
        let mut all = Vec::new();
        for p in 1..=n {
            episode = episode.spanning(&Event::new(p, EventKind::AuthRequested));
            all.push(step("lure", p, Severity::Medium));
        }
        all.push(episode);
        let out = fold_episodes(all);
        let e = out.iter().find(|f| f.kind == "collect").unwrap();
        assert_eq!(e.includes.len(), crate::MAX_INCLUDED);
        assert_eq!(out.len(), 1 + 4);
        assert_eq!(
            e.confidence_notes
                .iter()
                .filter(|t| t.contains("also reported on its own"))
                .count(),
            4
        );
    }

    #[test]
    fn a_step_with_more_than_the_episode_stays_and_is_named() {
        let lure_event = Event::new(3, EventKind::AuthRequested);
        let episode = step("collect", 9, Severity::High).spanning(&lure_event);
        // Repeated elsewhere too: folding it would hide the other occurrences.
        let mut repeated = step("lure", 3, Severity::Medium);
        repeated.count = 4;
        // More severe than the episode: it stays the headline.
        let louder_event = Event::new(4, EventKind::AuthRequested);
        let quiet = step("quiet", 11, Severity::Low).spanning(&louder_event);
        let louder = step("loud", 4, Severity::High);
        let out = fold_episodes(vec![repeated, episode, quiet, louder]);
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(|f| f.includes.is_empty()));
        let e = out.iter().find(|f| f.kind == "collect").unwrap();
        assert!(e
            .confidence_notes
            .iter()
            .any(|n| n.contains("also reported on its own") && n.contains("packet 3")));
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
