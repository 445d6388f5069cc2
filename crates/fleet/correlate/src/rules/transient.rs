//! Transient cell: a cell identity on the air for a short while, in a place the fleet watched
//! before and after without ever seeing it.
//!
//! Real cells are built to stay: a new cell, once on, is seen from then on; a cell taken down
//! was seen before. A cell-site simulator is switched on for an operation (a protest, a
//! raid, a watch on one address) and off again. One sensor cannot tell "switched on for two
//! hours" from "I was only here for two hours"; the fleet can, when other sensors of the same
//! operator stood where the cell was strong, both before it appeared and after it went, and
//! heard the operator's other cells but not this one. That absence is the evidence, so the
//! rule only speaks when it has it on both sides.
//!
//! Harmless explanations: a cell on wheels or a temporary cell for an event (these usually
//! stay for days and are in the operator's plans), a cell restarted under a new identity
//! during maintenance, a real distant cell heard only in rare propagation (the rule only uses
//! places where the cell was strong, [`TRANSIENT_STRONG_RSRP_DBM`] or serving, for that reason).

use crate::correlate::{usable_place, Index};
use crate::finding::{
    describe_cell, describe_duration, describe_location, FleetFinding, FleetKind,
};
use crate::hexgrid::{cell_of, cells_near, centre, HexId};
use crate::rules::{observation_evidence, sensors_of};
use std::collections::{BTreeSet, HashMap, HashSet};
use stingwatch_fleet_model::{CellKey, Rat, Severity};

/// Longest a cell may be seen for and still count as transient, ms.
pub const TRANSIENT_MAX_DURATION_MS: i64 = 4 * 3_600_000;
/// Fewest sightings of a transient cell (one is too easily a glitch).
pub const TRANSIENT_MIN_SIGHTINGS: usize = 3;
/// A sighting at least this strong (or on the serving cell) marks a place where the cell
/// would have been heard by anyone there, dBm.
pub const TRANSIENT_STRONG_RSRP_DBM: f64 = -100.0;
/// Around each such place, coverage counts within this radius, metres.
pub const COVERAGE_RADIUS_M: f64 = 300.0;
/// Coverage is counted in periods of this length, ms.
pub const COVERAGE_BUCKET_MS: i64 = 30 * 60_000;
/// How far before and after the cell's period coverage is looked for, ms.
pub const TRANSIENT_LOOKAROUND_MS: i64 = 7 * 86_400_000;
/// Periods with coverage needed on each side (two hours' worth).
pub const MIN_COVERED_BUCKETS: usize = 4;
/// Coverage within this many periods of the cell's first and last sighting makes the
/// absence continuous (Medium rather than Low).
pub const ADJACENT_BUCKETS: i64 = 2;
/// Most strong places of one cell whose surroundings are checked.
pub const MAX_TRANSIENT_PLACES: usize = 32;

type Operator = (u16, u16, Rat);

/// Where and when each operator's cells were heard: periods per grid cell.
pub(crate) struct Coverage {
    map: HashMap<Operator, HashMap<HexId, Vec<i64>>>,
}

impl Coverage {
    pub fn build(idx: &Index<'_>) -> Coverage {
        let mut map: HashMap<Operator, HashMap<HexId, Vec<i64>>> = HashMap::new();
        for o in idx.obs {
            let (Some(c), Some(p)) = (o.obs.cell, usable_place(o)) else {
                continue;
            };
            let Some(h) = cell_of(&p) else { continue };
            map.entry((c.mcc, c.mnc, c.rat))
                .or_default()
                .entry(h)
                .or_default()
                .push(o.obs.time_ms.div_euclid(COVERAGE_BUCKET_MS));
        }
        for hexes in map.values_mut() {
            for v in hexes.values_mut() {
                v.sort_unstable();
                v.dedup();
            }
        }
        Coverage { map }
    }

    /// Periods in `[from, to]` with any of the operator's cells heard in `area`.
    fn periods(&self, op: &Operator, area: &HashSet<HexId>, from: i64, to: i64) -> BTreeSet<i64> {
        let mut out = BTreeSet::new();
        let Some(hexes) = self.map.get(op) else {
            return out;
        };
        for h in area {
            if let Some(v) = hexes.get(h) {
                let start = v.partition_point(|&b| b < from);
                out.extend(v.iter().skip(start).take_while(|&&b| b <= to));
            }
        }
        out
    }
}

/// Checks whether `cell`, seen in `members` (time-sorted), came and went unseen around.
pub(crate) fn find(
    idx: &Index<'_>,
    coverage: &Coverage,
    cell: &CellKey,
    members: &[usize],
) -> Option<FleetFinding> {
    if members.len() < TRANSIENT_MIN_SIGHTINGS {
        return None;
    }
    let first_ms = idx.get(*members.first()?)?.obs.time_ms;
    let last_ms = idx.get(*members.last()?)?.obs.time_ms;
    if last_ms.saturating_sub(first_ms) > TRANSIENT_MAX_DURATION_MS {
        return None;
    }
    let mut places: Vec<HexId> = Vec::new();
    for &i in members {
        let Some(o) = idx.get(i) else { continue };
        let strong = o.obs.serving
            || o.obs
                .rsrp_dbm
                .is_some_and(|r| r >= TRANSIENT_STRONG_RSRP_DBM);
        if let (true, Some(h)) = (strong, usable_place(o).and_then(|p| cell_of(&p))) {
            if !places.contains(&h) {
                places.push(h);
                if places.len() >= MAX_TRANSIENT_PLACES {
                    break;
                }
            }
        }
    }
    if places.is_empty() {
        return None;
    }
    let area: HashSet<HexId> = places
        .iter()
        .flat_map(|h| cells_near(&centre(*h), COVERAGE_RADIUS_M))
        .collect();
    let op = (cell.mcc, cell.mnc, cell.rat);
    let first_b = first_ms.div_euclid(COVERAGE_BUCKET_MS);
    let last_b = last_ms.div_euclid(COVERAGE_BUCKET_MS);
    let look = TRANSIENT_LOOKAROUND_MS / COVERAGE_BUCKET_MS;
    let before = coverage.periods(
        &op,
        &area,
        first_b.saturating_sub(look),
        first_b.saturating_sub(1),
    );
    let after = coverage.periods(
        &op,
        &area,
        last_b.saturating_add(1),
        last_b.saturating_add(look),
    );
    if before.len() < MIN_COVERED_BUCKETS || after.len() < MIN_COVERED_BUCKETS {
        return None;
    }
    let adjacent = before
        .last()
        .is_some_and(|&b| b >= first_b.saturating_sub(ADJACENT_BUCKETS))
        && after
            .first()
            .is_some_and(|&b| b <= last_b.saturating_add(ADJACENT_BUCKETS));
    let severity = if adjacent {
        Severity::Medium
    } else {
        Severity::Low
    };
    let hours = |n: usize| describe_duration(n as i64 * COVERAGE_BUCKET_MS);
    let location = idx.locate(members.iter().copied());
    let (sensors, sensor_total) = sensors_of(idx, members.iter().copied());
    let mut explanation = format!(
        "Cell {} was on the air for {} ({} sightings by {} sensor{}) and never otherwise. \
         Sensors of the same operator stood within {} m of where it was strong during {} of the \
         week before and {} of the week after, heard the operator's other cells, and never this \
         one{}. Real cells are built to stay; a cell-site simulator is switched on for an \
         operation and off again.",
        describe_cell(cell),
        describe_duration(last_ms.saturating_sub(first_ms)),
        members.len(),
        sensor_total,
        if sensor_total == 1 { "" } else { "s" },
        COVERAGE_RADIUS_M,
        hours(before.len()),
        hours(after.len()),
        if adjacent {
            ", right up to when it appeared and from just after it went"
        } else {
            ""
        },
    );
    if let Some(l) = &location {
        explanation.push_str(&format!(
            " The transmitter is estimated at {}.",
            describe_location(l)
        ));
    }
    explanation.push_str(
        " Harmless explanations to rule out: a temporary cell for an event (these usually stay \
         for days and operators announce them), or a cell restarted under a new identity during \
         maintenance. What to do: note who was near it during that period; if sensors there \
         also reported findings on it, treat those as confirmed.",
    );
    let first = idx.get(*members.first()?).map(|o| &o.obs);
    Some(FleetFinding {
        kind: FleetKind::TransientCell,
        severity,
        title: format!(
            "A cell on the air for only {} where sensors never saw it before or after",
            describe_duration(last_ms.saturating_sub(first_ms))
        ),
        explanation,
        cell: Some(*cell),
        channel: first.and_then(|o| o.channel),
        pci: first.and_then(|o| o.pci),
        first_ms,
        last_ms,
        sensors,
        sensor_total,
        evidence: observation_evidence(members.iter().copied()),
        evidence_total: members.len(),
        locations: location.into_iter().collect(),
        raised_by: Vec::new(),
        places: Vec::new(),
    })
}
