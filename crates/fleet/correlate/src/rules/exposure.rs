//! Identity-exposure rate: a cell asking for permanent identities far more often than the
//! same operator's other cells.
//!
//! A network asks a phone for its IMSI only when it cannot resolve the temporary identity
//! (the first attach, a lost context after an MME change): for a given operator that happens
//! on a small, steady fraction of connections. Collecting IMSIs is what an IMSI catcher is
//! for, so on its cell nearly every connection ends in an exposure. Each sensor sees a few
//! connections; the fleet sees enough to compare a cell with its operator.
//!
//! Test: exposures are taken as Poisson, E on the cell over its N connections and E' on the
//! operator's other cells over their N' connections (plus a prior of one exposure in a
//! hundred connections worth [`PRIOR_CONNECTIONS`] connections, so an operator with little
//! data has a sensible rate). Whether the cell's rate exceeds the others' is the exact
//! conditional test for two Poisson rates: given E + E' exposures in all, under equal rates
//! the cell's share is Binomial(E + E', N / (N + N')). Conditioning makes it account for the
//! uncertainty of the operator's rate too, which a Poisson test against a point estimate of
//! the baseline would not (a fleet that saw few exposures overall would otherwise flag any
//! cell with three). The cell is flagged when P[X ≥ E] is below [`EXPOSURE_ALPHA`] divided by
//! the number of cells tested (Bonferroni, so a fleet with many cells does not raise chance
//! alarms), with at least [`EXPOSURE_MIN_CONNECTIONS`] connections and
//! [`EXPOSURE_MIN_EXPOSURES`] exposures, and a rate at least [`EXPOSURE_MIN_RATIO`] times
//! the operator's: a tiny but significant excess on a huge sample is not an attack pattern.
//!
//! Harmless explanations: a cell at a border or airport where many phones arrive from other
//! networks or with lost contexts (phones there attach afresh); a core-network failure that
//! made the operator ask everyone again (then many cells rise at once).

use crate::correlate::Index;
use crate::finding::{describe_cell, describe_location, FleetFinding, FleetKind};
use crate::rules::{observation_evidence, sensors_of};
use crate::stats::binomial_upper_tail;
use std::collections::{BTreeMap, BTreeSet};
use stingwatch_fleet_model::{CellKey, Rat, Severity};

/// Fewest connections on a cell before its rate is judged.
pub const EXPOSURE_MIN_CONNECTIONS: u64 = 5;
/// Fewest exposures on a cell before it is flagged.
pub const EXPOSURE_MIN_EXPOSURES: u64 = 5;
/// Least ratio of the cell's rate to the operator's.
pub const EXPOSURE_MIN_RATIO: f64 = 3.0;
/// Family-wise false-alarm probability over all cells tested in one run.
pub const EXPOSURE_ALPHA: f64 = 0.001;
/// Prior exposure rate of an operator (one in a hundred connections) ...
pub const PRIOR_RATE: f64 = 0.01;
/// ... worth this many connections of data.
pub const PRIOR_CONNECTIONS: f64 = 100.0;
/// Most exposures one observation is credited with per connection: a sensor reporting more is
/// miscounting, and one upload must not outweigh the fleet.
pub const MAX_EXPOSURES_PER_CONNECTION: u64 = 4;
/// Distinct sensors with exposures on the cell for High.
pub const EXPOSURE_HIGH_SENSORS: usize = 3;

#[derive(Default)]
struct Tally {
    exposures: u64,
    connections: u64,
}

/// Tests every cell's exposure rate against its operator's.
pub(crate) fn find(idx: &Index<'_>) -> Vec<FleetFinding> {
    let mut cells: BTreeMap<CellKey, Tally> = BTreeMap::new();
    let mut operators: BTreeMap<(u16, u16, Rat), Tally> = BTreeMap::new();
    for (cell, members) in &idx.by_cell {
        let t = cells.entry(*cell).or_default();
        for o in members.iter().filter_map(|&i| idx.get(i)) {
            let n = u64::from(o.obs.connections);
            let e = u64::from(o.obs.identity_exposures)
                .min(n.saturating_mul(MAX_EXPOSURES_PER_CONNECTION));
            t.connections = t.connections.saturating_add(n);
            t.exposures = t.exposures.saturating_add(e);
        }
        let op = operators.entry((cell.mcc, cell.mnc, cell.rat)).or_default();
        op.connections = op.connections.saturating_add(t.connections);
        op.exposures = op.exposures.saturating_add(t.exposures);
    }
    let tested = cells
        .values()
        .filter(|t| t.connections >= EXPOSURE_MIN_CONNECTIONS)
        .count()
        .max(1);
    let alpha = EXPOSURE_ALPHA / tested as f64;
    let mut out = Vec::new();
    for (cell, t) in &cells {
        if t.connections < EXPOSURE_MIN_CONNECTIONS || t.exposures < EXPOSURE_MIN_EXPOSURES {
            continue;
        }
        let Some(op) = operators.get(&(cell.mcc, cell.mnc, cell.rat)) else {
            continue;
        };
        // The operator's rate on its other cells, so a busy catcher cannot raise its own
        // baseline.
        let other_e = op.exposures.saturating_sub(t.exposures) as f64;
        let other_n = op.connections.saturating_sub(t.connections) as f64;
        let baseline = (other_e + PRIOR_RATE * PRIOR_CONNECTIONS) / (other_n + PRIOR_CONNECTIONS);
        let rate = t.exposures as f64 / t.connections as f64;
        if rate < EXPOSURE_MIN_RATIO * baseline {
            continue;
        }
        let prior_e = (PRIOR_RATE * PRIOR_CONNECTIONS).round() as u64;
        let all_e = op.exposures.max(t.exposures).saturating_add(prior_e);
        let share = t.connections as f64 / (t.connections as f64 + other_n + PRIOR_CONNECTIONS);
        let p = binomial_upper_tail(t.exposures, all_e, share);
        if p > alpha {
            continue;
        }
        let Some(members) = idx.by_cell.get(cell) else {
            continue;
        };
        let exposed: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| idx.get(i).is_some_and(|o| o.obs.identity_exposures > 0))
            .collect();
        let exposed_sensors: BTreeSet<_> = exposed
            .iter()
            .filter_map(|&i| idx.get(i))
            .map(|o| o.sensor)
            .collect();
        let severity = if exposed_sensors.len() >= EXPOSURE_HIGH_SENSORS {
            Severity::High
        } else {
            Severity::Medium
        };
        let first = exposed.first().and_then(|&i| idx.get(i)).map(|o| &o.obs);
        let times = || {
            exposed
                .iter()
                .filter_map(|&i| idx.get(i))
                .map(|o| o.obs.time_ms)
        };
        let location = idx.locate(members.iter().copied());
        let (sensors, sensor_total) = sensors_of(idx, exposed.iter().copied());
        let mut explanation = format!(
            "On cell {}, sensors gave up their permanent identity (IMSI) {} times in {} \
             connections (one in {:.1}), by {} sensor{}; the same operator's other cells asked \
             in one connection of {:.0}. If this cell behaved like them, {} or more exposures \
             would happen by chance with probability {:.1e} — below the {:.0e} allowed for one \
             of the {} cells tested. Collecting permanent identities is what an IMSI catcher is \
             for.",
            describe_cell(cell),
            t.exposures,
            t.connections,
            1.0 / rate.max(f64::MIN_POSITIVE),
            exposed_sensors.len(),
            if exposed_sensors.len() == 1 { "" } else { "s" },
            1.0 / baseline,
            t.exposures,
            p,
            alpha,
            tested,
        );
        if let Some(l) = &location {
            explanation.push_str(&format!(
                " The transmitter is estimated at {}.",
                describe_location(l)
            ));
        }
        explanation.push_str(
            " Harmless explanations to rule out: a cell at a border or airport where phones \
             arrive without a valid temporary identity, or a core-network failure that made the \
             operator ask everyone again (then the operator's other cells nearby rise too). What \
             to do: treat phones that connected to this cell as identified at that time and place.",
        );
        out.push(FleetFinding {
            kind: FleetKind::ExposureRate,
            severity,
            title: format!(
                "A cell asked for permanent identities {:.0} times as often as its operator's others",
                rate / baseline
            ),
            explanation,
            cell: Some(*cell),
            channel: first.and_then(|o| o.channel),
            pci: first.and_then(|o| o.pci),
            first_ms: times().min().unwrap_or_default(),
            last_ms: times().max().unwrap_or_default(),
            sensors,
            sensor_total,
            evidence: observation_evidence(exposed.iter().copied()),
            evidence_total: exposed.len(),
            locations: location.into_iter().collect(),
            raised_by: Vec::new(),
            places: Vec::new(),
        });
    }
    out
}
