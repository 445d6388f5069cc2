//! Cloned identity: one cell identity at two places no single transmitter could cover at once.
//!
//! An operator gives each cell an identity unique within its network (the E-UTRAN cell global
//! identity, TS 23.003 19.6; likewise the CGI in GSM/UMTS and the NCGI in NR), so phones and
//! the network can tell cells apart. A cell-site simulator that copies a real cell's identity
//! to blend in makes two transmitters with one identity. A sensor alone cannot see that;
//! the fleet can, when two sightings are farther apart than the cell can reach from both,
//! and closer in time than a transmitter could have driven (or flown) the distance between.
//!
//! A cell's reach from a sensor is bounded by its timing advance when the sensor was
//! connected ((TA + 1.5) steps: rounding and measurement error), else by
//! [`MAX_PLAUSIBLE_RANGE_M`]; to it is added twice the uncertainty of the sensor's fix.
//!
//! Harmless explanations: a repeater or distributed antenna system carrying the real cell far
//! from its mast (tunnels, large buildings, fibre-fed remote units); a wrong GPS fix (one
//! sensor on both sides points there); an operator re-using an identity after re-planning
//! (over days, not within the hour compared here).

use crate::correlate::{usable_place, Index};
use crate::finding::{
    describe_cell, describe_distance, describe_duration, describe_location, EvidenceRef,
    FleetFinding, FleetKind, FleetPlace, MAX_EVIDENCE_PER_FINDING,
};
use crate::geo::{accuracy_or, distance_m, LocalFrame};
use crate::locate::{DEFAULT_POSITION_ACCURACY_M, SENSOR_SPEED_M_S};
use crate::radio::{range_bound_m, MAX_PLAUSIBLE_RANGE_M};
use crate::rules::sensors_of;
use crate::SensorId;
use std::collections::BTreeSet;
use stingwatch_fleet_model::{CellKey, Position, Severity};

/// Fastest a transmitter is taken to move, m/s: 250 km/h, above any road vehicle and the
/// speed of the light aircraft that have carried cell-site simulators.
pub const MAX_TRANSMITTER_SPEED_M_S: f64 = 70.0;
/// Sightings farther apart in time than this are not compared, ms: beyond an hour the
/// allowed travel (252 km) exceeds the reach that a contradiction needs anyway.
pub const CLONE_MAX_WINDOW_MS: i64 = 3_600_000;
/// Most later sightings each sighting is compared with (the nearest in time).
pub const MAX_PAIRS_PER_SIGHTING: usize = 256;
/// Margin beyond every bound before two sightings contradict each other, metres.
pub const CLONE_MIN_GAP_M: f64 = 1_000.0;
/// Distinct sensors on each side for a High finding.
pub const CLONE_HIGH_SENSORS_PER_SIDE: usize = 2;

struct Place {
    i: usize,
    t: i64,
    sensor: SensorId,
    pos: Position,
    x: f64,
    y: f64,
    reach: f64,
    ta: Option<u32>,
}

/// Finds a contradiction among the sightings `members` of `cell` (time-sorted).
pub(crate) fn find(idx: &Index<'_>, cell: &CellKey, members: &[usize]) -> Option<FleetFinding> {
    let mut frame: Option<LocalFrame> = None;
    let places: Vec<Place> = members
        .iter()
        .filter_map(|&i| {
            let o = idx.get(i)?;
            let pos = usable_place(o)?;
            let f = *frame.get_or_insert_with(|| LocalFrame::new(&pos));
            let (x, y) = f.to_xy(&pos);
            let age_s = o.obs.position_age_ms.unwrap_or(0) as f64 / 1000.0;
            let fix = accuracy_or(&pos, DEFAULT_POSITION_ACCURACY_M) + SENSOR_SPEED_M_S * age_s;
            Some(Place {
                i,
                t: o.obs.time_ms,
                sensor: o.sensor,
                pos,
                x,
                y,
                reach: range_bound_m(cell.rat, o.obs.timing_advance) + 2.0 * fix,
                ta: o.obs.timing_advance,
            })
        })
        .collect();
    // A fast screen in the flat frame (exact enough to rank; the best pair is measured on the
    // sphere below). Nothing can contradict within twice the largest reach.
    let mut best: Option<(f64, usize, usize)> = None;
    for (ai, a) in places.iter().enumerate() {
        for (bj, b) in places
            .iter()
            .enumerate()
            .skip(ai + 1)
            .take_while(|(_, b)| b.t.saturating_sub(a.t) <= CLONE_MAX_WINDOW_MS)
            .take(MAX_PAIRS_PER_SIGHTING)
        {
            let need = a.reach + b.reach + CLONE_MIN_GAP_M;
            let d2 = (a.x - b.x).powi(2) + (a.y - b.y).powi(2);
            if d2 <= need * need {
                continue;
            }
            let travel = MAX_TRANSMITTER_SPEED_M_S * b.t.saturating_sub(a.t) as f64 / 1000.0;
            let excess = d2.sqrt() - a.reach - b.reach - travel;
            if excess > CLONE_MIN_GAP_M && best.is_none_or(|(e, _, _)| excess > e) {
                best = Some((excess, ai, bj));
            }
        }
    }
    let (_, ai, bj) = best?;
    let (a, b) = (places.get(ai)?, places.get(bj)?);
    let d = distance_m(&a.pos, &b.pos);
    let dt = b.t.saturating_sub(a.t);
    let travel = MAX_TRANSMITTER_SPEED_M_S * dt as f64 / 1000.0;
    if d - a.reach - b.reach - travel <= CLONE_MIN_GAP_M {
        return None;
    }
    // Each sighting in the period joins the side it is nearer to.
    let (from, to) = (
        a.t.saturating_sub(CLONE_MAX_WINDOW_MS),
        b.t.saturating_add(CLONE_MAX_WINDOW_MS),
    );
    let mut side_a = Vec::new();
    let mut side_b = Vec::new();
    for p in places.iter().filter(|p| (from..=to).contains(&p.t)) {
        if distance_m(&p.pos, &a.pos) <= distance_m(&p.pos, &b.pos) {
            side_a.push(p);
        } else {
            side_b.push(p);
        }
    }
    let sensors_a: BTreeSet<SensorId> = side_a.iter().map(|p| p.sensor).collect();
    let sensors_b: BTreeSet<SensorId> = side_b.iter().map(|p| p.sensor).collect();
    let one_sensor = sensors_a.len() == 1 && sensors_a == sensors_b;
    let severity = if one_sensor {
        Severity::Low
    } else if sensors_a.len() >= CLONE_HIGH_SENSORS_PER_SIDE
        && sensors_b.len() >= CLONE_HIGH_SENSORS_PER_SIDE
    {
        Severity::High
    } else {
        Severity::Medium
    };
    let loc_a = idx.locate(side_a.iter().map(|p| p.i));
    let loc_b = idx.locate(side_b.iter().map(|p| p.i));
    let reach_text = |p: &Place| match p.ta {
        Some(ta) if range_bound_m(cell.rat, Some(ta)) < MAX_PLAUSIBLE_RANGE_M => format!(
            "{} (its timing advance there was {ta})",
            describe_distance(p.reach)
        ),
        _ => format!(
            "{} (no timing advance: the farthest a cell reaches)",
            describe_distance(p.reach)
        ),
    };
    let mut explanation = format!(
        "Cell {} was seen at two places {} apart within {}: by {} at the first and by {} at \
         the second (the finding's places say where, to those allowed to see them). \
         From the first place the cell can be at most {} away, from the second at most {}, and \
         a single transmitter could not have covered the remaining {} in {} even at {:.0} km/h. \
         So two transmitters broadcast the same identity at the same time. A network gives each \
         cell an identity that is unique within the operator; a cell-site simulator that copies \
         a real cell's identity to blend in produces exactly this.",
        describe_cell(cell),
        describe_distance(d),
        describe_duration(dt),
        sensor_count(sensors_a.len()),
        sensor_count(sensors_b.len()),
        reach_text(a),
        reach_text(b),
        describe_distance((d - a.reach - b.reach).max(0.0)),
        describe_duration(dt),
        MAX_TRANSMITTER_SPEED_M_S * 3.6,
    );
    for (name, loc) in [("first", &loc_a), ("second", &loc_b)] {
        if let Some(l) = loc {
            explanation.push_str(&format!(
                " The {name} transmitter is estimated at {}.",
                describe_location(l)
            ));
        }
    }
    explanation.push_str(
        " Harmless explanations to rule out: a repeater or distributed antenna system carrying \
         the real cell far from its mast (tunnels, large buildings; the timing advance there is \
         then larger than the distance to the nearest mast suggests); a wrong GPS fix",
    );
    if one_sensor {
        explanation.push_str(
            " (likely here: one sensor made both sightings, so check its track for a jump)",
        );
    }
    explanation.push_str(
        ". What to do: look at which of the two places has a known mast for this operator; the \
         other is the copy. Warn people near it, and keep the sensors there recording.",
    );
    let mut evidence = vec![EvidenceRef::Observation(a.i), EvidenceRef::Observation(b.i)];
    for p in side_a.iter().chain(side_b.iter()) {
        if evidence.len() >= MAX_EVIDENCE_PER_FINDING {
            break;
        }
        if p.i != a.i && p.i != b.i {
            evidence.push(EvidenceRef::Observation(p.i));
        }
    }
    let all: Vec<usize> = side_a.iter().chain(side_b.iter()).map(|p| p.i).collect();
    let (sensors, sensor_total) = sensors_of(idx, all.iter().copied());
    let first_ms = side_a
        .iter()
        .chain(side_b.iter())
        .map(|p| p.t)
        .min()
        .unwrap_or(a.t);
    let last_ms = side_a
        .iter()
        .chain(side_b.iter())
        .map(|p| p.t)
        .max()
        .unwrap_or(b.t);
    let first = idx.get(a.i).map(|o| &o.obs);
    Some(FleetFinding {
        kind: FleetKind::ClonedIdentity,
        severity,
        title: format!(
            "One cell identity at two places {} apart at the same time",
            describe_distance(d)
        ),
        explanation,
        cell: Some(*cell),
        channel: first.and_then(|o| o.channel),
        pci: first.and_then(|o| o.pci),
        first_ms,
        last_ms,
        sensors,
        sensor_total,
        evidence,
        evidence_total: all.len(),
        locations: loc_a.into_iter().chain(loc_b).collect(),
        raised_by: Vec::new(),
        places: vec![place_of(a, &sensors_a), place_of(b, &sensors_b)],
    })
}

/// How many sensors, in words: an explanation names no sensor, since every sensor that reads
/// the finding would learn who else was where.
fn sensor_count(n: usize) -> String {
    match n {
        1 => "one sensor".to_string(),
        n => format!("{n} sensors"),
    }
}

/// The sensors of one side, as a [`FleetPlace`] at the sighting that defines the side.
fn place_of(p: &Place, sensors: &BTreeSet<SensorId>) -> FleetPlace {
    FleetPlace {
        position: p.pos,
        time_ms: p.t,
        sensors: sensors
            .iter()
            .copied()
            .take(crate::finding::MAX_SENSORS_PER_FINDING)
            .collect(),
    }
}
