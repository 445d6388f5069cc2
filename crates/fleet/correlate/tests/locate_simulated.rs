//! Localisation against the simulator's known truth: errors for signal strength alone and with
//! timing advance, over many seeds, and how often the stated radius holds the truth.

use stingwatch_fleet_correlate::geo::{distance_m, LocalFrame};
use stingwatch_fleet_correlate::locate::{locate, LocateMethod, Sighting};
use stingwatch_fleet_correlate::radio::LTE_TA_STEP_M;
use stingwatch_fleet_correlate::simulate::{test_cell, Scenario, Transmitter};
use stingwatch_fleet_correlate::Position;

const SEEDS: u64 = 60;

/// A catcher somewhere within 500 m of the centre of a city block covered by macro cells, ten
/// sensors walking within 1.5 km for half an hour.
fn scenario(seed: u64) -> (Scenario, Position) {
    let centre = Position {
        latitude: 40.7128,
        longitude: -74.0060,
        accuracy_m: None,
    };
    let mut s = Scenario::new(seed, centre, 10).with_macro_grid(1_500.0, 1);
    let frame = LocalFrame::new(&centre);
    let a = (seed as f64 * 2.399_963).rem_euclid(std::f64::consts::TAU);
    let r = 500.0 * ((seed % 7) as f64 / 7.0).sqrt();
    let truth = frame.to_position(r * a.cos(), r * a.sin(), None);
    s.transmitters.push(Transmitter {
        cell: test_cell(9_999),
        channel: 1_300,
        pci: 7,
        position: truth,
        rsrp_at_1m_dbm: -20.0,
        on_air_ms: (i64::MIN, i64::MAX),
        exposes_identity: true,
    });
    (s, truth)
}

struct Trial {
    rsrp_error: f64,
    rsrp_inside: bool,
    ta_error: f64,
    ta_inside: bool,
    ta_used: bool,
}

fn trial(seed: u64) -> Option<Trial> {
    let (s, truth) = scenario(seed);
    let up = s.run();
    let sightings: Vec<Sighting> = up
        .observations
        .iter()
        .filter(|o| o.obs.cell == Some(test_cell(9_999)))
        .filter_map(Sighting::from_observation)
        .collect();
    let model = s.path_loss;
    let without_ta: Vec<Sighting> = sightings
        .iter()
        .cloned()
        .map(|mut x| {
            x.timing_advance = None;
            x
        })
        .collect();
    let a = locate(&without_ta, &model)?;
    let b = locate(&sightings, &model)?;
    let (ea, eb) = (
        distance_m(&a.position, &truth),
        distance_m(&b.position, &truth),
    );
    println!(
        "seed {seed:3}: {:3} sightings from {:2} sensors; signal only {:6.0} m (radius {:6.0}, {}); with TA {:6.0} m (radius {:6.0}, {}, {} rings)",
        b.sightings, b.sensors, ea, a.uncertainty_m, a.method.as_str(), eb, b.uncertainty_m, b.method.as_str(), b.rings
    );
    Some(Trial {
        rsrp_error: ea,
        rsrp_inside: ea <= a.uncertainty_m,
        ta_error: eb,
        ta_inside: eb <= b.uncertainty_m,
        ta_used: b.method == LocateMethod::TimingAdvance,
    })
}

#[test]
fn locate_calibration() {
    let trials: Vec<Trial> = (1..=SEEDS).filter_map(trial).collect();
    assert!(
        trials.len() as u64 >= SEEDS * 9 / 10,
        "the catcher went unseen too often"
    );
    let n = trials.len() as f64;
    let mean = |f: &dyn Fn(&Trial) -> f64| trials.iter().map(f).sum::<f64>() / n;
    let mut rsrp: Vec<f64> = trials.iter().map(|t| t.rsrp_error).collect();
    let mut ta: Vec<f64> = trials
        .iter()
        .filter(|t| t.ta_used)
        .map(|t| t.ta_error)
        .collect();
    rsrp.sort_by(f64::total_cmp);
    ta.sort_by(f64::total_cmp);
    let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    let p90 = |v: &[f64]| v.get(v.len() * 9 / 10).copied().unwrap_or(f64::NAN);
    let rsrp_cover = mean(&|t| f64::from(u8::from(t.rsrp_inside)));
    let ta_trials: Vec<&Trial> = trials.iter().filter(|t| t.ta_used).collect();
    let ta_cover =
        ta_trials.iter().filter(|t| t.ta_inside).count() as f64 / ta_trials.len().max(1) as f64;
    println!(
        "signal only: mean {:.0} m, median {:.0} m, 90th percentile {:.0} m, truth inside radius {:.0}%",
        mean(&|t| t.rsrp_error),
        median(&rsrp),
        p90(&rsrp),
        100.0 * rsrp_cover
    );
    println!(
        "with timing advance ({} of {} trials had rings): mean {:.0} m, median {:.0} m, 90th percentile {:.0} m, truth inside radius {:.0}%",
        ta_trials.len(),
        trials.len(),
        ta.iter().sum::<f64>() / ta.len().max(1) as f64,
        median(&ta),
        p90(&ta),
        100.0 * ta_cover
    );
    // Generous bounds from the model: rings are exact to about a step, so the median error
    // with them stays within two steps; and they never make the average worse.
    assert!(
        ta_trials.len() as f64 >= n * 0.5,
        "too few trials with rings"
    );
    assert!(
        median(&ta) < 2.0 * LTE_TA_STEP_M,
        "median error with TA {:.0} m",
        median(&ta)
    );
    let paired_rsrp: f64 = ta_trials.iter().map(|t| t.rsrp_error).sum::<f64>();
    let paired_ta: f64 = ta_trials.iter().map(|t| t.ta_error).sum::<f64>();
    assert!(paired_ta <= paired_rsrp, "TA made it worse on average");
    // The stated radius holds the truth in most trials (it is meant as a 90% radius).
    assert!(
        rsrp_cover >= 0.75,
        "signal-only radius held the truth in {:.0}%",
        100.0 * rsrp_cover
    );
    assert!(
        ta_cover >= 0.75,
        "timing-advance radius held the truth in {:.0}%",
        100.0 * ta_cover
    );
}
