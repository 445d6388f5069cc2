//! A seeded fleet simulator: transmitters at known places, sensors moving among them, and the
//! observations and findings the sensors would upload.
//!
//! It exists so each rule has a labelled positive and negative case, so the localisation error
//! can be measured against a known truth, and so the server's documentation can show a worked
//! example. Physics kept deliberately simple and stated:
//!
//! - received power by log-distance path loss with independent log-normal shadowing per
//!   sighting (the same [`PathLossModel`] the locator assumes, with its exponent and σ);
//! - a sensor reports the strongest cells above [`Scenario::min_rsrp_dbm`], camps on the
//!   strongest, and on connecting gets the LTE timing advance of its true distance, rounded to
//!   the step, plus Gaussian measurement error;
//! - GPS fixes scattered around the true place by the stated accuracy;
//! - a transmitter marked `exposes_identity` asks every connecting phone for its IMSI; others
//!   do so at the operator's routine rate.

use crate::geo::{distance_m, LocalFrame};
use crate::radio::{PathLossModel, LTE_TA_STEP_M};
use crate::{SensorId, SensorObservation, SensorReport};
use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng;
use stingwatch_fleet_model::{CellKey, Observation, Position, Rat, SensorFinding, Severity};

/// A simulated transmitter.
#[derive(Debug, Clone, PartialEq)]
pub struct Transmitter {
    /// Identity it broadcasts.
    pub cell: CellKey,
    /// Downlink channel.
    pub channel: u32,
    /// Physical cell id.
    pub pci: u16,
    /// Where it truly is.
    pub position: Position,
    /// RSRP one metre away, dBm.
    pub rsrp_at_1m_dbm: f64,
    /// When it is on the air: [start, end) in milliseconds since the epoch.
    pub on_air_ms: (i64, i64),
    /// Asks every connecting phone for its permanent identity (an IMSI catcher).
    pub exposes_identity: bool,
}

/// How the sensors move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Movement {
    /// Random walk at this speed (m/s), turning a little each step, kept within the area.
    Walk(f64),
    /// Standing still.
    Parked,
}

/// A scenario to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Seed of every random draw: the same seed gives the same upload.
    pub seed: u64,
    /// Centre of the area the sensors stay in.
    pub centre: Position,
    /// Radius of that area, metres.
    pub area_radius_m: f64,
    /// Number of sensors; they are numbered from `first_sensor`.
    pub sensors: usize,
    /// Id of the first sensor (so several scenarios can be merged into one fleet).
    pub first_sensor: u64,
    /// How they move.
    pub movement: Movement,
    /// First sample time, ms since the epoch.
    pub start_ms: i64,
    /// Length of the run, ms.
    pub duration_ms: i64,
    /// Time between samples of one sensor, ms.
    pub interval_ms: i64,
    /// Radio propagation.
    pub path_loss: PathLossModel,
    /// Weakest RSRP a sensor reports, dBm.
    pub min_rsrp_dbm: f64,
    /// Most cells one sample reports (serving plus neighbours).
    pub cells_per_sample: usize,
    /// Chance that a sample includes a connection on the serving cell.
    pub connect_probability: f64,
    /// Exposures per connection on cells that do not expose every phone (the operator's
    /// routine rate).
    pub routine_exposure_rate: f64,
    /// GPS accuracy (1σ per axis), metres.
    pub gps_accuracy_m: f64,
    /// Timing-advance measurement error (1σ), in steps.
    pub ta_error_steps: f64,
    /// Whether connected sensors report a timing advance.
    pub report_timing_advance: bool,
    /// The transmitters.
    pub transmitters: Vec<Transmitter>,
}

/// What the sensors of a scenario uploaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Upload {
    /// Every observation, in time order per sensor.
    pub observations: Vec<SensorObservation>,
    /// Every sensor finding.
    pub findings: Vec<SensorReport>,
}

/// A cell identity in the simulator's test network (MCC 001, MNC 01, TAC 100).
pub fn test_cell(cell: u64) -> CellKey {
    CellKey {
        rat: Rat::Lte,
        mcc: 1,
        mnc: 1,
        area: 100,
        cell,
    }
}

/// Standard normal draw (Box–Muller; the simulator needs nothing more than this).
fn gaussian(rng: &mut XorShiftRng) -> f64 {
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl Upload {
    /// Adds another upload's observations and findings to this one.
    pub fn merge(mut self, other: Upload) -> Upload {
        self.observations.extend(other.observations);
        self.findings.extend(other.findings);
        self
    }
}

impl Scenario {
    /// A scenario with the usual physics and no transmitters, around `centre`.
    pub fn new(seed: u64, centre: Position, sensors: usize) -> Scenario {
        Scenario {
            seed,
            centre,
            area_radius_m: 1_500.0,
            sensors,
            first_sensor: 1,
            movement: Movement::Walk(1.4),
            start_ms: 1_760_000_000_000,
            duration_ms: 30 * 60_000,
            interval_ms: 60_000,
            path_loss: PathLossModel::default(),
            min_rsrp_dbm: -120.0,
            cells_per_sample: 4,
            connect_probability: 0.3,
            routine_exposure_rate: 0.01,
            gps_accuracy_m: 8.0,
            ta_error_steps: 0.3,
            report_timing_advance: true,
            transmitters: Vec::new(),
        }
    }

    /// Adds macro cells on a hexagonal layout with `spacing_m` between sites over the area,
    /// numbered from `first_cell`, on the air for the whole run.
    pub fn with_macro_grid(mut self, spacing_m: f64, first_cell: u64) -> Scenario {
        let frame = LocalFrame::new(&self.centre);
        let reach = self.area_radius_m + spacing_m;
        let rows = (reach / (spacing_m * 0.866)).ceil() as i64;
        let cols = (reach / spacing_m).ceil() as i64;
        let mut n = first_cell;
        for r in -rows..=rows {
            for c in -cols..=cols {
                let x = (c as f64 + if r % 2 == 0 { 0.0 } else { 0.5 }) * spacing_m;
                let y = r as f64 * spacing_m * 0.866;
                if (x * x + y * y).sqrt() > reach {
                    continue;
                }
                self.transmitters.push(Transmitter {
                    cell: test_cell(n),
                    channel: 1_300,
                    pci: (n % 504) as u16,
                    position: frame.to_position(x, y, None),
                    rsrp_at_1m_dbm: self.path_loss.max_rsrp_at_1m_dbm,
                    on_air_ms: (i64::MIN, i64::MAX),
                    exposes_identity: false,
                });
                n += 1;
            }
        }
        self
    }

    /// Runs the scenario.
    pub fn run(&self) -> Upload {
        let mut rng = XorShiftRng::seed_from_u64(self.seed);
        let frame = LocalFrame::new(&self.centre);
        let mut out = Upload::default();
        let steps = (self.duration_ms / self.interval_ms.max(1)).max(1);
        for s in 0..self.sensors {
            let sensor = SensorId(self.first_sensor + s as u64);
            // Uniform over the disc.
            let r0 = self.area_radius_m * rng.random_range(0.0f64..1.0).sqrt();
            let a0 = rng.random_range(0.0..std::f64::consts::TAU);
            let (mut x, mut y) = (r0 * a0.cos(), r0 * a0.sin());
            let mut heading = rng.random_range(0.0..std::f64::consts::TAU);
            let mut reported_to: Vec<usize> = Vec::new();
            for k in 0..steps {
                let t = self.start_ms + k * self.interval_ms + rng.random_range(0..1_000);
                if let Movement::Walk(speed) = self.movement {
                    heading += 0.5 * gaussian(&mut rng);
                    let dt = self.interval_ms as f64 / 1000.0;
                    let (nx, ny) = (
                        x + speed * dt * heading.cos(),
                        y + speed * dt * heading.sin(),
                    );
                    if (nx * nx + ny * ny).sqrt() > self.area_radius_m {
                        // Turn back towards the centre.
                        heading = (-y).atan2(-x) + 0.3 * gaussian(&mut rng);
                    } else {
                        (x, y) = (nx, ny);
                    }
                }
                let truth = frame.to_position(x, y, None);
                let mut heard: Vec<(usize, f64, f64)> = Vec::new();
                for (i, tx) in self.transmitters.iter().enumerate() {
                    if t < tx.on_air_ms.0 || t >= tx.on_air_ms.1 {
                        continue;
                    }
                    let d = distance_m(&truth, &tx.position).max(1.0);
                    let rsrp = tx.rsrp_at_1m_dbm - 10.0 * self.path_loss.exponent * d.log10()
                        + self.path_loss.shadowing_db * gaussian(&mut rng);
                    if rsrp >= self.min_rsrp_dbm {
                        heard.push((i, rsrp, d));
                    }
                }
                heard.sort_by(|a, b| b.1.total_cmp(&a.1));
                heard.truncate(self.cells_per_sample);
                let fix = frame.to_position(
                    x + self.gps_accuracy_m * gaussian(&mut rng),
                    y + self.gps_accuracy_m * gaussian(&mut rng),
                    Some(self.gps_accuracy_m),
                );
                let age = rng.random_range(0..2_000u64);
                for (rank, &(i, rsrp, d)) in heard.iter().enumerate() {
                    let Some(tx) = self.transmitters.get(i) else {
                        continue;
                    };
                    let serving = rank == 0;
                    let connected =
                        serving && rng.random_range(0.0..1.0) < self.connect_probability;
                    let timing_advance = (connected && self.report_timing_advance).then(|| {
                        (d / LTE_TA_STEP_M + self.ta_error_steps * gaussian(&mut rng))
                            .round()
                            .max(0.0) as u32
                    });
                    let exposures = if !connected {
                        0
                    } else if tx.exposes_identity {
                        1
                    } else {
                        u32::from(rng.random_range(0.0..1.0) < self.routine_exposure_rate)
                    };
                    out.observations.push(SensorObservation {
                        sensor,
                        obs: Observation {
                            time_ms: t,
                            cell: Some(tx.cell),
                            channel: Some(tx.channel),
                            pci: Some(tx.pci),
                            serving,
                            rsrp_dbm: Some((rsrp * 4.0).round() / 4.0),
                            rsrq_db: None,
                            timing_advance,
                            position: Some(fix),
                            position_age_ms: Some(age),
                            identity_exposures: exposures,
                            connections: u32::from(connected),
                        },
                    });
                    if connected && tx.exposes_identity && !reported_to.contains(&i) {
                        reported_to.push(i);
                        out.findings.push(SensorReport {
                            sensor,
                            finding: SensorFinding {
                                id: format!("sim-{}-{}-{}", self.seed, sensor.0, t),
                                kind: "identity-request-without-auth".into(),
                                severity: Severity::Medium,
                                rat: Some(Rat::Lte),
                                title: "Asked for the IMSI before authenticating".into(),
                                explanation: String::new(),
                                time_ms: t,
                                cell: Some(tx.cell),
                                channel: Some(tx.channel),
                                pci: Some(tx.pci),
                                position: None,
                                evidence: None,
                            },
                        });
                    }
                }
            }
        }
        out
    }
}
