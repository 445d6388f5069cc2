//! The entry point: index what the fleet uploaded, run every rule, weigh the results against
//! each other and the reference database, and place each transmitter.

use crate::finding::{raise, FleetFinding, FleetKind};
use crate::geo::{accuracy_or, distance_m, is_valid};
use crate::locate::{
    locate, Location, Sighting, DEFAULT_POSITION_ACCURACY_M, MAX_POSITION_ACCURACY_M,
    MAX_POSITION_AGE_MS,
};
use crate::radio::PathLossModel;
use crate::reference::{ReferenceCells, ReferenceVerdict};
use crate::rules;
use crate::rules::corroborate::{LOCATE_MARGIN_MS, PCI_REUSE_RADIUS_M};
use crate::{SensorObservation, SensorReport};
use std::collections::{BTreeMap, BTreeSet};
use stingwatch_fleet_model::{CellKey, Position};

/// Most observations one call considers; beyond this the rest is ignored with a note (the
/// server should correlate a shorter period).
pub const MAX_INPUT_OBSERVATIONS: usize = 20_000_000;
/// Most observations of one cell the rules consider; a busier cell is thinned evenly in time
/// with a note.
pub const MAX_OBSERVATIONS_PER_CELL: usize = 50_000;
/// Sightings of a cell checked against the reference database per finding.
pub const MAX_REFERENCE_CHECKS: usize = 32;
/// Places (one per grid cell) of an identified cell that radio-only sightings are compared
/// with when deciding whether they are the same transmitter.
pub const MAX_ATTRIBUTION_ANCHORS: usize = 64;

/// What to correlate.
#[derive(Debug, Clone, Copy)]
pub struct FleetInput<'a> {
    /// Observations from every sensor, in any order.
    pub observations: &'a [SensorObservation],
    /// Findings the sensors made, in any order.
    pub findings: &'a [SensorReport],
    /// Known cells, when the server has imported a reference.
    pub reference: Option<&'a ReferenceCells>,
}

/// Settings of a correlation run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Config {
    /// Propagation model used to weigh signal strength when locating.
    pub path_loss: PathLossModel,
}

/// What a correlation run found.
#[derive(Debug, Clone, Default)]
pub struct Correlation {
    /// Findings, most severe first, then oldest first.
    pub findings: Vec<FleetFinding>,
    /// What was left out and why (limits reached), for the server's log.
    pub notes: Vec<String>,
}

/// The uploads, indexed by cell.
pub(crate) struct Index<'a> {
    pub obs: &'a [SensorObservation],
    pub reports: &'a [SensorReport],
    /// Observation indices per cell, in time order.
    pub by_cell: BTreeMap<CellKey, Vec<usize>>,
    /// Radio-only observations (no identity) taken to be of an identified cell, per cell:
    /// used only to locate it, never as a sighting of the identity.
    pub radio_by_cell: BTreeMap<CellKey, Vec<usize>>,
    pub model: PathLossModel,
}

/// The sensor's place for an observation, when the fix is good and fresh enough to use.
pub(crate) fn usable_place(o: &SensorObservation) -> Option<Position> {
    let p = o.obs.position?;
    let ok = is_valid(&p)
        && accuracy_or(&p, DEFAULT_POSITION_ACCURACY_M) <= MAX_POSITION_ACCURACY_M
        && o.obs.position_age_ms.unwrap_or(0) <= MAX_POSITION_AGE_MS;
    ok.then_some(p)
}

impl<'a> Index<'a> {
    fn new(input: &FleetInput<'a>, config: &Config, notes: &mut Vec<String>) -> Index<'a> {
        let obs = input
            .observations
            .get(..MAX_INPUT_OBSERVATIONS)
            .unwrap_or(input.observations);
        if obs.len() < input.observations.len() {
            notes.push(format!(
                "{} observations beyond the limit of {MAX_INPUT_OBSERVATIONS} were not correlated",
                input.observations.len() - obs.len()
            ));
        }
        let mut by_cell: BTreeMap<CellKey, Vec<usize>> = BTreeMap::new();
        for (i, o) in obs.iter().enumerate() {
            if let Some(c) = o.obs.cell {
                by_cell.entry(c).or_default().push(i);
            }
        }
        for (cell, v) in by_cell.iter_mut() {
            v.sort_by_key(|&i| (obs.get(i).map(|o| o.obs.time_ms), i));
            if v.len() > MAX_OBSERVATIONS_PER_CELL {
                let keep = MAX_OBSERVATIONS_PER_CELL;
                let n = v.len();
                notes.push(format!(
                    "{}: {n} observations, thinned evenly to {keep}",
                    crate::finding::describe_cell(cell)
                ));
                // Evenly in time order: the k-th kept is the (k·n/keep)-th.
                *v = (0..keep)
                    .filter_map(|k| v.get(k * n / keep).copied())
                    .collect();
            }
        }
        let radio_by_cell = attribute_radio_sightings(obs, &by_cell);
        Index {
            obs,
            reports: input.findings,
            by_cell,
            radio_by_cell,
            model: config.path_loss,
        }
    }

    pub fn get(&self, i: usize) -> Option<&'a SensorObservation> {
        self.obs.get(i)
    }

    /// Locates the transmitter seen in the observations `members` (sightings of one cell),
    /// with the radio-only sightings of that cell made near them and within
    /// [`LOCATE_MARGIN_MS`] of their times.
    pub fn locate(&self, members: impl Iterator<Item = usize>) -> Option<Location> {
        let members: Vec<&SensorObservation> = members.filter_map(|i| self.get(i)).collect();
        let mut sightings: Vec<Sighting> = members
            .iter()
            .filter_map(|o| Sighting::from_observation(o))
            .collect();
        let cell = members.iter().find_map(|o| o.obs.cell);
        let radio = cell.and_then(|c| Some((c, self.radio_by_cell.get(&c)?)));
        if let (Some((cell, radio)), Some(lo), Some(hi)) = (
            radio,
            members.iter().map(|o| o.obs.time_ms).min(),
            members.iter().map(|o| o.obs.time_ms).max(),
        ) {
            let anchors = anchors_of(members.iter().copied());
            let window = lo.saturating_sub(LOCATE_MARGIN_MS)..=hi.saturating_add(LOCATE_MARGIN_MS);
            for o in radio.iter().filter_map(|&i| self.get(i)) {
                let Some(position) = usable_place(o) else {
                    continue;
                };
                if window.contains(&o.obs.time_ms)
                    && anchors
                        .iter()
                        .any(|a| distance_m(a, &position) <= PCI_REUSE_RADIUS_M)
                {
                    sightings.push(Sighting {
                        sensor: o.sensor,
                        rat: cell.rat,
                        position,
                        position_age_ms: o.obs.position_age_ms,
                        rsrp_dbm: o.obs.rsrp_dbm,
                        timing_advance: o.obs.timing_advance,
                    });
                }
            }
        }
        locate(&sightings, &self.model)
    }
}

/// Usable places of some observations, one per grid cell, at most
/// [`MAX_ATTRIBUTION_ANCHORS`].
fn anchors_of<'o>(obs: impl Iterator<Item = &'o SensorObservation>) -> Vec<Position> {
    let mut seen = BTreeSet::new();
    obs.filter_map(usable_place)
        .filter(|p| seen.insert(crate::hexgrid::cell_of(p)))
        .take(MAX_ATTRIBUTION_ANCHORS)
        .collect()
}

/// Which identified cell each radio-only observation (a neighbour measured by carrier and
/// physical cell id, its identity never decoded) belongs to. A physical cell id is reused on
/// a carrier only kilometres apart (504 in LTE), so a radio-only sighting within
/// [`PCI_REUSE_RADIUS_M`] of where an identified cell with that carrier and id was seen is
/// that cell's transmitter; when two identified cells qualify, it is left unattributed.
fn attribute_radio_sightings(
    obs: &[SensorObservation],
    by_cell: &BTreeMap<CellKey, Vec<usize>>,
) -> BTreeMap<CellKey, Vec<usize>> {
    let mut out: BTreeMap<CellKey, Vec<usize>> = BTreeMap::new();
    if !obs
        .iter()
        .any(|o| o.obs.cell.is_none() && o.obs.channel.is_some() && o.obs.pci.is_some())
    {
        return out;
    }
    // Per channel and PCI: the identified cells on it and where each was seen.
    type Anchored = Vec<(CellKey, Vec<Position>)>;
    let mut anchors: BTreeMap<(u32, u16), Anchored> = BTreeMap::new();
    for (cell, members) in by_cell {
        let radio = members
            .iter()
            .rev()
            .filter_map(|&i| obs.get(i))
            .find_map(|o| Some((o.obs.channel?, o.obs.pci?)));
        let places = anchors_of(members.iter().filter_map(|&i| obs.get(i)));
        if let (Some(key), false) = (radio, places.is_empty()) {
            anchors.entry(key).or_default().push((*cell, places));
        }
    }
    for (i, o) in obs.iter().enumerate() {
        let (None, Some(ch), Some(pci)) = (o.obs.cell, o.obs.channel, o.obs.pci) else {
            continue;
        };
        let (Some(candidates), Some(p)) = (anchors.get(&(ch, pci)), usable_place(o)) else {
            continue;
        };
        let mut near = candidates.iter().filter(|(_, places)| {
            places
                .iter()
                .any(|a| distance_m(a, &p) <= PCI_REUSE_RADIUS_M)
        });
        if let (Some((cell, _)), None) = (near.next(), near.next()) {
            let v = out.entry(*cell).or_default();
            if v.len() < MAX_OBSERVATIONS_PER_CELL {
                v.push(i);
            }
        }
    }
    out
}

/// Correlates what the fleet uploaded. Deterministic: the same input gives the same findings
/// in the same order.
pub fn correlate(input: &FleetInput<'_>, config: &Config) -> Correlation {
    let mut notes = Vec::new();
    let idx = Index::new(input, config, &mut notes);
    let mut findings = Vec::new();
    let coverage = rules::transient::Coverage::build(&idx);
    for (cell, members) in &idx.by_cell {
        if let Some(f) = rules::cloned::find(&idx, cell, members) {
            findings.push(f);
        }
        if let Some(f) = rules::transient::find(&idx, &coverage, cell, members) {
            findings.push(f);
        }
    }
    findings.extend(rules::exposure::find(&idx));
    findings.extend(rules::corroborate::find(&idx));
    if let Some(reference) = input.reference {
        for f in &mut findings {
            weigh_against_reference(&idx, reference, f);
        }
    }
    weigh_against_each_other(&mut findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.first_ms.cmp(&b.first_ms))
            .then(a.kind.cmp(&b.kind))
            .then(a.cell.cmp(&b.cell))
    });
    Correlation { findings, notes }
}

/// Raises a finding one level when the reference database finds its cell unknown where it
/// knows the operator's cells around, or knows it far from where it was seen.
fn weigh_against_reference(idx: &Index<'_>, reference: &ReferenceCells, f: &mut FleetFinding) {
    let Some(cell) = f.cell else {
        return;
    };
    let Some(members) = idx.by_cell.get(&cell) else {
        return;
    };
    let places: Vec<Position> = members
        .iter()
        .filter_map(|&i| idx.get(i))
        .filter(|o| (f.first_ms..=f.last_ms).contains(&o.obs.time_ms))
        .filter_map(usable_place)
        .take(MAX_REFERENCE_CHECKS)
        .collect();
    let mut missing = None;
    let mut farthest: Option<(f64, f64)> = None;
    for p in &places {
        match reference.check(&cell, p) {
            ReferenceVerdict::Missing { neighbours } => missing = Some(neighbours),
            ReferenceVerdict::OutOfRange {
                distance_m,
                range_m,
            } => {
                if farthest.is_none_or(|(d, _)| distance_m > d) {
                    farthest = Some((distance_m, range_m));
                }
            }
            ReferenceVerdict::Known | ReferenceVerdict::NoCoverage => {}
        }
    }
    let why = if let Some((d, r)) = farthest {
        format!(
            "The reference database records this cell {} from where it was seen, with a recorded \
             range of {}: a transmitter with this identity is far from the real cell's place.",
            crate::finding::describe_distance(d),
            crate::finding::describe_distance(r)
        )
    } else if let Some(n) = missing {
        format!(
            "The reference database does not know this cell, though it knows {n} cells of the \
             same operator and technology around where it was seen (a new real cell is also \
             missing until crowd-sourced measurements catch up)."
        )
    } else {
        return;
    };
    f.severity = raise(f.severity, 1);
    f.raised_by.push(why);
}

/// Raises each finding one level when a different rule found something on the same cell:
/// the rules look at different things (places, times, rates, sensor findings), so their
/// agreement is independent evidence.
fn weigh_against_each_other(findings: &mut [FleetFinding]) {
    let mut kinds: BTreeMap<CellKey, Vec<FleetKind>> = BTreeMap::new();
    for f in findings.iter() {
        if let Some(c) = f.cell {
            let v = kinds.entry(c).or_default();
            if !v.contains(&f.kind) {
                v.push(f.kind);
            }
        }
    }
    for f in findings.iter_mut() {
        let Some(c) = f.cell else { continue };
        let others: Vec<&'static str> = kinds
            .get(&c)
            .map(|v| {
                v.iter()
                    .filter(|k| **k != f.kind)
                    .map(|k| k.as_str())
                    .collect()
            })
            .unwrap_or_default();
        if !others.is_empty() {
            f.severity = raise(f.severity, 1);
            f.raised_by.push(format!(
                "Other fleet rules found the same cell suspicious independently: {}.",
                others.join(", ")
            ));
        }
    }
}
