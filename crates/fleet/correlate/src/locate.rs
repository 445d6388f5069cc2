//! Where a transmitter stands, from several sensors' sightings of it.
//!
//! Two sources of distance, of very different quality:
//!
//! - **Received power.** Under log-distance path loss, RSRP = P₁ − 10·n·log10(d), so the
//!   distance a sighting implies is proportional to 10^(−RSRP / 10n) whatever the unknown
//!   transmit power P₁ is. Weighting each place a sensor stood by the inverse of that distance
//!   gives a centroid pulled towards where the signal was strongest. Shadowing (8 dB standard
//!   deviation in cities) makes each implied distance uncertain by a factor of about 1.7, so
//!   the centroid is only as good as the spread of the places around the transmitter.
//! - **Timing advance.** A connected sensor's timing advance is its round-trip delay to the
//!   transmitter in steps of 16 Ts (LTE: 78.07 m of one-way distance; GSM: 553.5 m), rounded to
//!   the nearest step. Each one puts the transmitter on a ring around the sensor. Rings from
//!   two or more places intersect at the transmitter; the centroid decides between the two
//!   intersections of a pair and holds a single ring in place.
//!
//! With rings, the estimate minimises Σ((|p − sᵢ| − rᵢ)/σᵢ)² plus the centroid as a prior,
//! by a bounded coarse-to-fine grid search from several starts (no derivatives, so a ring's
//! kink or a far-off start cannot make it diverge). Its uncertainty is the region where that
//! sum stays within the 90% chi-square allowance of its minimum, widened when the rings
//! disagree with one another more than their σ allows (a transmitter lying about timing,
//! multipath). Without rings it is the centroid, with an uncertainty proportional to the
//! weighted spread of the places, calibrated on the simulator (see the tests).
//!
//! Degenerate input is answered, not refused: one place gives that place with the generous
//! distance its RSRP allows; places in a line give the centroid with at least that distance,
//! since nothing tells which side of the line the transmitter is on. No sighting with a usable
//! position gives `None`. Every number is finite by construction: weights are taken relative
//! to the strongest sighting and every division is by a positive floor.

use crate::geo::{accuracy_or, is_valid, LocalFrame};
use crate::hexgrid::{cell_of, HexId};
use crate::radio::{ta_step_exact_m, PathLossModel, MAX_PLAUSIBLE_RANGE_M};
use crate::{SensorId, SensorObservation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use stingwatch_fleet_model::{Position, Rat};

/// Most sightings one estimate considers (the strongest); more add little and cost time.
pub const MAX_LOCATE_SIGHTINGS: usize = 512;
/// Oldest GPS fix, relative to the sighting, that still places it, milliseconds.
pub const MAX_POSITION_AGE_MS: u64 = 30_000;
/// Least accurate GPS fix that still places a sighting, metres.
pub const MAX_POSITION_ACCURACY_M: f64 = 300.0;
/// Accuracy assumed for a fix that states none, metres (a poor phone fix in a city).
pub const DEFAULT_POSITION_ACCURACY_M: f64 = 50.0;
/// Speed assumed for a sensor while its fix ages, m/s (a car in town).
pub const SENSOR_SPEED_M_S: f64 = 15.0;
/// RSRP values outside this range, dBm, are treated as missing (TS 36.133 reports −156 to −31).
pub const RSRP_RANGE_DBM: (f64, f64) = (-160.0, -20.0);
/// Grid points per axis in each round of the search.
pub const GRID_POINTS: usize = 21;
/// Rounds of narrowing after the first, full-width grid.
pub const REFINE_ROUNDS: usize = 10;
/// Each round narrows the searched square to this fraction (two grid steps either side of the
/// best point, so the minimum cannot fall out).
pub const REFINE_SHRINK: f64 = 0.2;
/// Best points of the first grid refined separately: ring pairs have two intersections.
pub const SEARCH_STARTS: usize = 3;
/// Widest square searched, half-width in metres.
pub const MAX_SEARCH_HALF_WIDTH_M: f64 = 60_000.0;
/// Chi-square with two degrees of freedom at 90%: the uncertainty region's allowance.
pub const CHI2_2DOF_90: f64 = 4.605;
/// Ratio of the 90% radius to σ for a circular 2-D Gaussian (sqrt(CHI2_2DOF_90)).
const RADIUS_90_PER_SIGMA: f64 = 2.146;
/// Grid points per axis when tracing the uncertainty region.
pub const CONFIDENCE_GRID_POINTS: usize = 25;
/// Doublings of the traced square before the region is taken as unbounded.
pub const CONFIDENCE_DOUBLINGS: usize = 12;
/// Timing-advance measurement error at the base station, in steps (1σ), on top of rounding.
pub const TA_MEASUREMENT_SIGMA_STEPS: f64 = 0.5;
/// Uncertainty radius of the signal centroid as a multiple of the weighted spread of the
/// places: chosen on the simulator so the true position falls inside in about nine trials
/// of ten (`locate_calibration` test prints the coverage).
pub const SPREAD_FACTOR: f64 = 0.5;
/// Smallest uncertainty reported, metres: below this GPS and shadowing dominate.
pub const MIN_UNCERTAINTY_M: f64 = 25.0;
/// Places are in a line when the weighted spread across is below this fraction of the spread
/// along.
pub const COLINEAR_RATIO: f64 = 0.15;

/// One usable sighting of the transmitter to locate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    /// Who saw it.
    pub sensor: SensorId,
    /// Technology (decides the timing-advance step).
    pub rat: Rat,
    /// Where the sensor was.
    pub position: Position,
    /// Age of that fix, milliseconds.
    pub position_age_ms: Option<u64>,
    /// Received power, dBm.
    pub rsrp_dbm: Option<f64>,
    /// Timing advance in the technology's steps.
    pub timing_advance: Option<u32>,
}

impl Sighting {
    /// The sighting an observation makes, when it has a position and a technology.
    pub fn from_observation(o: &SensorObservation) -> Option<Sighting> {
        let position = o.obs.position?;
        let rat = o.obs.cell.map(|c| c.rat)?;
        Some(Sighting {
            sensor: o.sensor,
            rat,
            position,
            position_age_ms: o.obs.position_age_ms,
            rsrp_dbm: o.obs.rsrp_dbm,
            timing_advance: o.obs.timing_advance,
        })
    }

    fn usable_rsrp(&self) -> Option<f64> {
        self.rsrp_dbm
            .filter(|r| r.is_finite() && (RSRP_RANGE_DBM.0..=RSRP_RANGE_DBM.1).contains(r))
    }

    /// Horizontal uncertainty of where the sensor was, metres: the fix's accuracy plus how
    /// far it may have moved while the fix aged.
    fn place_sigma_m(&self) -> f64 {
        let age_s = self.position_age_ms.unwrap_or(0) as f64 / 1000.0;
        let acc = accuracy_or(&self.position, DEFAULT_POSITION_ACCURACY_M);
        (acc * acc + (SENSOR_SPEED_M_S * age_s).powi(2)).sqrt()
    }
}

/// How a location was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocateMethod {
    /// Every sighting from about one place: that place, with the distance the signal allows.
    SinglePlace,
    /// Signal-strength weighted centroid of several places.
    SignalCentroid,
    /// Timing-advance rings, held by the centroid.
    TimingAdvance,
}

impl LocateMethod {
    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            LocateMethod::SinglePlace => "single-place",
            LocateMethod::SignalCentroid => "signal-centroid",
            LocateMethod::TimingAdvance => "timing-advance",
        }
    }
}

/// An estimated transmitter position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Best estimate; its `accuracy_m` is `uncertainty_m`.
    pub position: Position,
    /// Radius around `position` that holds the transmitter in about nine cases of ten, metres.
    pub uncertainty_m: f64,
    /// How it was reached.
    pub method: LocateMethod,
    /// Distinct sensors whose sightings were used.
    pub sensors: usize,
    /// Sightings used.
    pub sightings: usize,
    /// Timing-advance rings used (sightings merged per sensor, place and value).
    pub rings: usize,
    /// True when the places lie about in a line, so the side of the line is unknown.
    pub colinear: bool,
}

/// A place weighted for the centroid: one sensor's sightings within one grid cell.
struct Place {
    x: f64,
    y: f64,
    rsrp_sum: f64,
    rsrp_n: usize,
    n: usize,
}

/// A timing-advance ring in the local frame.
struct Ring {
    x: f64,
    y: f64,
    radius: f64,
    sigma: f64,
}

/// Estimates where the transmitter seen in `sightings` is; `None` when none of them has a
/// usable position.
pub fn locate(sightings: &[Sighting], model: &PathLossModel) -> Option<Location> {
    let mut usable: Vec<&Sighting> = sightings
        .iter()
        .filter(|s| {
            is_valid(&s.position)
                && accuracy_or(&s.position, DEFAULT_POSITION_ACCURACY_M) <= MAX_POSITION_ACCURACY_M
                && s.position_age_ms.unwrap_or(0) <= MAX_POSITION_AGE_MS
        })
        .collect();
    // Strongest first, ties broken by sensor and place, so the result does not depend on the
    // order sightings arrived in.
    usable.sort_by(|a, b| {
        let (ra, rb) = (a.usable_rsrp(), b.usable_rsrp());
        rb.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&ra.unwrap_or(f64::NEG_INFINITY))
            .then(a.sensor.cmp(&b.sensor))
            .then(a.position.latitude.total_cmp(&b.position.latitude))
            .then(a.position.longitude.total_cmp(&b.position.longitude))
            .then(a.timing_advance.cmp(&b.timing_advance))
    });
    usable.truncate(MAX_LOCATE_SIGHTINGS);
    let first = usable.first()?;
    let frame = LocalFrame::new(&first.position);
    let strongest = usable
        .iter()
        .filter_map(|s| s.usable_rsrp())
        .reduce(f64::max);

    // Places: one per sensor and grid cell, so a sensor parked for hours counts once.
    let mut places: BTreeMap<(SensorId, Option<HexId>), Place> = BTreeMap::new();
    let mut rings: BTreeMap<(SensorId, Option<HexId>, u32), (Ring, usize)> = BTreeMap::new();
    let mut sensors: Vec<SensorId> = Vec::new();
    for s in &usable {
        let (x, y) = frame.to_xy(&s.position);
        let hex = cell_of(&s.position);
        let p = places.entry((s.sensor, hex)).or_insert(Place {
            x: 0.0,
            y: 0.0,
            rsrp_sum: 0.0,
            rsrp_n: 0,
            n: 0,
        });
        p.x += x;
        p.y += y;
        p.n += 1;
        if let Some(r) = s.usable_rsrp() {
            p.rsrp_sum += r;
            p.rsrp_n += 1;
        }
        if let (Some(ta), Some(step)) = (s.timing_advance, ta_step_exact_m(s.rat)) {
            let quantisation = step * step / 12.0;
            let measurement = (TA_MEASUREMENT_SIGMA_STEPS * step).powi(2);
            let place = s.place_sigma_m();
            let sigma = (quantisation + measurement + place * place).sqrt();
            let e = rings.entry((s.sensor, hex, ta)).or_insert((
                Ring {
                    x: 0.0,
                    y: 0.0,
                    radius: f64::from(ta) * step,
                    sigma,
                },
                0,
            ));
            e.0.x += x;
            e.0.y += y;
            e.0.sigma = e.0.sigma.min(sigma);
            e.1 += 1;
        }
        if !sensors.contains(&s.sensor) {
            sensors.push(s.sensor);
        }
    }
    let rings: Vec<Ring> = rings
        .into_values()
        .map(|(mut r, n)| {
            let n = n.max(1) as f64;
            r.x /= n;
            r.y /= n;
            r
        })
        .collect();

    // Weighted centroid and spread.
    let weighted: Vec<(f64, f64, f64)> = places
        .values()
        .map(|p| {
            let n = p.n.max(1) as f64;
            let w = match (strongest, p.rsrp_n) {
                (Some(top), k) if k > 0 => {
                    model.inverse_distance_weight(p.rsrp_sum / k as f64, top)
                }
                // A place without RSRP counts as weakly as the weakest the model allows.
                (Some(_), _) => 1e-6,
                (None, _) => 1.0,
            };
            (p.x / n, p.y / n, w)
        })
        .collect();
    let total: f64 = weighted
        .iter()
        .map(|w| w.2)
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let cx = weighted.iter().map(|w| w.0 * w.2).sum::<f64>() / total;
    let cy = weighted.iter().map(|w| w.1 * w.2).sum::<f64>() / total;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (x, y, w) in &weighted {
        sxx += w * (x - cx) * (x - cx);
        syy += w * (y - cy) * (y - cy);
        sxy += w * (x - cx) * (y - cy);
    }
    let (sxx, syy, sxy) = (sxx / total, syy / total, sxy / total);
    // Eigenvalues of the 2x2 weighted covariance: spread along and across the places.
    let half_trace = (sxx + syy) / 2.0;
    let disc = (((sxx - syy) / 2.0).powi(2) + sxy * sxy).sqrt();
    let along = (half_trace + disc).max(0.0).sqrt();
    let across = (half_trace - disc).max(0.0).sqrt();
    let spread = (sxx + syy).max(0.0).sqrt();
    let one_place = along < crate::hexgrid::HEX_CIRCUMRADIUS_M;
    let colinear = !one_place && across < COLINEAR_RATIO * along;
    // The distance the strongest sighting allows: how far off a line or a lone place the
    // transmitter may be.
    let reach = strongest
        .map(|r| model.generous_distance_m(r))
        .unwrap_or(MAX_PLAUSIBLE_RANGE_M);
    let centroid_uncertainty = if one_place || colinear {
        (SPREAD_FACTOR * spread).max(reach)
    } else {
        SPREAD_FACTOR * spread
    }
    .clamp(MIN_UNCERTAINTY_M, MAX_PLAUSIBLE_RANGE_M);

    let sightings_used = usable.len();
    let sensors_used = sensors.len();
    if rings.is_empty() {
        return Some(Location {
            position: frame.to_position(cx, cy, Some(centroid_uncertainty)),
            uncertainty_m: centroid_uncertainty,
            method: if one_place {
                LocateMethod::SinglePlace
            } else {
                LocateMethod::SignalCentroid
            },
            sensors: sensors_used,
            sightings: sightings_used,
            rings: 0,
            colinear,
        });
    }

    let prior_sigma = (centroid_uncertainty / RADIUS_90_PER_SIGMA).max(1.0);
    let cost = |x: f64, y: f64| -> f64 {
        let prior = ((x - cx).powi(2) + (y - cy).powi(2)) / (prior_sigma * prior_sigma);
        rings.iter().fold(prior, |acc, r| {
            let d = ((x - r.x).powi(2) + (y - r.y).powi(2)).sqrt();
            acc + ((d - r.radius) / r.sigma.max(1.0)).powi(2)
        })
    };
    let reach_of_rings = rings
        .iter()
        .map(|r| ((r.x - cx).powi(2) + (r.y - cy).powi(2)).sqrt() + r.radius + 3.0 * r.sigma)
        .fold(centroid_uncertainty, f64::max)
        .min(MAX_SEARCH_HALF_WIDTH_M);
    let (bx, by, best) = search(&cost, cx, cy, reach_of_rings);
    let min_step = rings
        .iter()
        .map(|r| r.sigma)
        .fold(f64::INFINITY, f64::min)
        .max(1.0);
    let radius = confidence_radius(&cost, bx, by, best, min_step);
    // Rings that disagree beyond their σ (a transmitter lying about timing, reflections):
    // widen by how far the fit is from what the σ predict.
    let dof = rings.len().max(1) as f64;
    let inflation = (best / dof).max(1.0).sqrt();
    let uncertainty = (radius * inflation).clamp(MIN_UNCERTAINTY_M, MAX_PLAUSIBLE_RANGE_M);
    Some(Location {
        position: frame.to_position(bx, by, Some(uncertainty)),
        uncertainty_m: uncertainty,
        method: LocateMethod::TimingAdvance,
        sensors: sensors_used,
        sightings: sightings_used,
        rings: rings.len(),
        colinear,
    })
}

/// Points of a `GRID_POINTS`² grid over the square of half-width `half` around (x, y).
fn grid(x: f64, y: f64, half: f64) -> impl Iterator<Item = (f64, f64)> {
    let n = GRID_POINTS.max(2);
    let step = 2.0 * half / (n - 1) as f64;
    (0..n).flat_map(move |i| {
        (0..n).map(move |j| (x - half + i as f64 * step, y - half + j as f64 * step))
    })
}

/// Coarse-to-fine grid search for the minimum of `cost`, from the [`SEARCH_STARTS`] best
/// points of a first grid of half-width `half` around (x, y).
fn search(cost: &dyn Fn(f64, f64) -> f64, x: f64, y: f64, half: f64) -> (f64, f64, f64) {
    let mut first: Vec<(f64, f64, f64)> =
        grid(x, y, half).map(|(a, b)| (a, b, cost(a, b))).collect();
    first.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut best = (x, y, cost(x, y));
    for &(sx, sy, sc) in first.iter().take(SEARCH_STARTS) {
        let mut cur = (sx, sy, sc);
        let mut h = half;
        for _ in 0..REFINE_ROUNDS {
            h *= REFINE_SHRINK;
            if h < 0.1 {
                break;
            }
            for (a, b) in grid(cur.0, cur.1, h) {
                let c = cost(a, b);
                if c < cur.2 {
                    cur = (a, b, c);
                }
            }
        }
        if cur.2 < best.2 {
            best = cur;
        }
    }
    best
}

/// Farthest point from (bx, by) where `cost` is within [`CHI2_2DOF_90`] of `best`, traced on
/// a grid that doubles until the region fits inside it.
fn confidence_radius(
    cost: &dyn Fn(f64, f64) -> f64,
    bx: f64,
    by: f64,
    best: f64,
    start: f64,
) -> f64 {
    let limit = best + CHI2_2DOF_90;
    let n = CONFIDENCE_GRID_POINTS.max(3);
    let mut half = start;
    for _ in 0..CONFIDENCE_DOUBLINGS {
        let step = 2.0 * half / (n - 1) as f64;
        let mut radius: f64 = step;
        let mut touches_edge = false;
        for i in 0..n {
            for j in 0..n {
                let (dx, dy) = (-half + i as f64 * step, -half + j as f64 * step);
                if cost(bx + dx, by + dy) <= limit {
                    radius = radius.max((dx * dx + dy * dy).sqrt());
                    if i == 0 || j == 0 || i == n - 1 || j == n - 1 {
                        touches_edge = true;
                    }
                }
            }
        }
        if !touches_edge {
            return radius;
        }
        half *= 2.0;
    }
    half
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::distance_m;
    use crate::radio::LTE_TA_STEP_M;

    fn sighting(
        sensor: u64,
        frame: &LocalFrame,
        x: f64,
        y: f64,
        rsrp: f64,
        ta: Option<u32>,
    ) -> Sighting {
        Sighting {
            sensor: SensorId(sensor),
            rat: Rat::Lte,
            position: frame.to_position(x, y, Some(5.0)),
            position_age_ms: Some(0),
            rsrp_dbm: Some(rsrp),
            timing_advance: ta,
        }
    }

    fn origin() -> (Position, LocalFrame) {
        let o = Position {
            latitude: 52.5,
            longitude: 13.4,
            accuracy_m: None,
        };
        (o, LocalFrame::new(&o))
    }

    #[test]
    fn no_usable_position_gives_nothing() {
        let (o, _) = origin();
        let bad = Sighting {
            sensor: SensorId(1),
            rat: Rat::Lte,
            position: Position {
                latitude: f64::NAN,
                ..o
            },
            position_age_ms: None,
            rsrp_dbm: Some(-80.0),
            timing_advance: None,
        };
        let stale = Sighting {
            position: o,
            position_age_ms: Some(MAX_POSITION_AGE_MS + 1),
            ..bad.clone()
        };
        assert_eq!(locate(&[bad, stale], &PathLossModel::default()), None);
        assert_eq!(locate(&[], &PathLossModel::default()), None);
    }

    #[test]
    fn one_place_gives_that_place_with_the_reach_of_its_signal() {
        let (o, f) = origin();
        let s = vec![sighting(1, &f, 0.0, 0.0, -90.0, None); 3];
        let l = locate(&s, &PathLossModel::default()).unwrap();
        assert_eq!(l.method, LocateMethod::SinglePlace);
        assert!(distance_m(&l.position, &o) < 1.0);
        let reach = PathLossModel::default().generous_distance_m(-90.0);
        assert!(
            (l.uncertainty_m - reach).abs() < 1e-6,
            "{}",
            l.uncertainty_m
        );
        assert_eq!((l.sensors, l.sightings), (1, 3));
    }

    #[test]
    fn rings_from_three_places_meet_at_the_transmitter() {
        let (_, f) = origin();
        let truth: (f64, f64) = (400.0, 300.0);
        let places: [(f64, f64); 3] = [(0.0, 0.0), (900.0, 100.0), (300.0, 1000.0)];
        let s: Vec<Sighting> = places
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| {
                let d = ((x - truth.0).powi(2) + (y - truth.1).powi(2)).sqrt();
                let ta = (d / LTE_TA_STEP_M).round() as u32;
                sighting(i as u64, &f, x, y, -90.0, Some(ta))
            })
            .collect();
        let l = locate(&s, &PathLossModel::default()).unwrap();
        assert_eq!(l.method, LocateMethod::TimingAdvance);
        let err = distance_m(&l.position, &f.to_position(truth.0, truth.1, None));
        // Each ring is exact to half a step; three of them pin the point to about that.
        assert!(err < LTE_TA_STEP_M, "error {err} m");
        assert!(
            err <= l.uncertainty_m,
            "error {err} m outside {} m",
            l.uncertainty_m
        );
        assert_eq!(l.rings, 3);
    }

    #[test]
    fn places_in_a_line_are_flagged_and_keep_a_wide_radius() {
        let (_, f) = origin();
        let s: Vec<Sighting> = (0..6)
            .map(|i| sighting(i, &f, i as f64 * 300.0, 0.0, -85.0 - i as f64, None))
            .collect();
        let l = locate(&s, &PathLossModel::default()).unwrap();
        assert!(l.colinear);
        assert!(l.uncertainty_m >= PathLossModel::default().generous_distance_m(-85.0) - 1e-6);
        assert!(l.position.latitude.is_finite() && l.position.longitude.is_finite());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Whatever arrives (valid or not, any mix of signal and timing advance, anywhere on
        /// Earth), the answer is finite and its radius within the stated bounds.
        #[test]
        fn any_input_gives_a_finite_answer(
            raw in proptest::collection::vec(
                (0u64..4, -95.0f64..95.0, -200.0f64..200.0, proptest::option::of(-200.0f64..0.0),
                 proptest::option::of(0u32..2_000), proptest::option::of(0.0f64..500.0), 0u8..4),
                0..40,
            ),
        ) {
            let s: Vec<Sighting> = raw
                .iter()
                .map(|&(sensor, lat, lon, rsrp, ta, acc, rat)| Sighting {
                    sensor: SensorId(sensor),
                    rat: [Rat::Gsm, Rat::Umts, Rat::Lte, Rat::Nr][usize::from(rat)],
                    position: Position { latitude: lat, longitude: lon, accuracy_m: acc },
                    position_age_ms: Some(1_000),
                    rsrp_dbm: rsrp,
                    timing_advance: ta,
                })
                .collect();
            if let Some(l) = locate(&s, &PathLossModel::default()) {
                proptest::prop_assert!(is_valid(&l.position), "{:?}", l);
                proptest::prop_assert!(
                    (MIN_UNCERTAINTY_M..=MAX_PLAUSIBLE_RANGE_M).contains(&l.uncertainty_m),
                    "{:?}", l
                );
                proptest::prop_assert!(l.sightings <= s.len() && l.sensors <= l.sightings);
            } else {
                proptest::prop_assert!(!s.iter().any(|x| is_valid(&x.position)
                    && accuracy_or(&x.position, DEFAULT_POSITION_ACCURACY_M) <= MAX_POSITION_ACCURACY_M));
            }
        }
    }

    #[test]
    fn order_of_sightings_does_not_matter() {
        let (_, f) = origin();
        let mut s: Vec<Sighting> = (0..8)
            .map(|i| {
                let a = i as f64;
                sighting(
                    i % 3,
                    &f,
                    a * 170.0,
                    (a * 1.3).sin() * 500.0,
                    -80.0 - a * 3.0,
                    (i % 2 == 0).then_some(i as u32 + 2),
                )
            })
            .collect();
        let a = locate(&s, &PathLossModel::default()).unwrap();
        s.reverse();
        let b = locate(&s, &PathLossModel::default()).unwrap();
        assert_eq!(a, b);
    }
}
