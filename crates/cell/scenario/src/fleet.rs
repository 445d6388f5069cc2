//! Multi-sensor scenarios: several sensors moving with GPS among cells at known positions.
//!
//! Each sensor gets a DIAG recording (LTE RRC/NAS, serving and neighbour measurements every
//! second, and a timing advance when it connects: to the catcher, or in the cloned-cell
//! scenarios for a short data session on its own cell, as phones do every few minutes), its
//! GPS track, and the scenario one
//! `truth.json` with every transmitter's position and the propagation model, so a fleet's
//! correlation and localisation can be scored against what really happened.
//!
//! Signal levels follow a log-distance path-loss model with seeded log-normal shadowing:
//! `RSRP = P_RS - L0 - 10 n log10(d / 1 m) + X`, `X ~ N(0, sigma)`. A sensor reselects to
//! the catcher when the catcher's mean RSRP exceeds its best genuine cell's by
//! [`RESELECTION_HYSTERESIS_DB`] (the catcher broadcasts on the operator's own carrier, so
//! the intra-frequency ranking of TS 36.304 5.2.4.6 decides) and is at least
//! [`CAMPING_FLOOR_DBM`].
//!
//! Nothing here transmits anything: the output is files for testing a detector.

use crate::cell::{Cell, LAYER_B20, LAYER_B3};
use crate::recorder::{guti, Recorder, M_TMSI};
use crate::{NasCopies, ScenarioError, START_TIME};
use serde::Serialize;
use std::path::Path;
use stingwatch_diag::QmdlWriter;
use stingwatch_lte_rrc::build::{EstablishmentCause, InitialIdentity, ReleaseCause};
use stingwatch_model::{
    CaptureTime, CellSignal, Measurement, MeasurementKind, PayloadKind, RadioMessage, Rat,
    Sixteenths,
};
use stingwatch_nas::build::{self as nas, Identity};

/// Sensors in every fleet scenario.
pub const SENSORS: usize = 10;
/// Length of every sensor's recording, seconds.
pub const DURATION_S: i64 = 120;
/// Second of the recording at which connecting sensors go to the catcher.
const ATTACK_AT_S: i64 = 40;
/// Path-loss exponent (urban macro, 2.7 to 3.5 in the literature; 3.0 here).
pub const PATH_LOSS_EXPONENT: f64 = 3.0;
/// Loss at the 1 m reference distance, dB: free space at 1.8 GHz.
pub const REFERENCE_LOSS_DB: f64 = 37.6;
/// Standard deviation of the shadowing, dB.
pub const SHADOWING_SIGMA_DB: f64 = 4.0;
/// Weakest neighbour reported (below it a modem does not detect the cell).
pub const NEIGHBOUR_FLOOR_DBM: f64 = -124.0;
/// Lowest RSRP a sensor camps on.
pub const CAMPING_FLOOR_DBM: f64 = -110.0;
/// Margin by which the catcher must beat the best genuine cell for reselection, dB.
pub const RESELECTION_HYSTERESIS_DB: f64 = 4.0;
/// Reference signal power of the operator's macro cells, dBm per resource element (46 dBm
/// over 1200 subcarriers).
const MACRO_RS_DBM: f64 = 15.0;
/// Reference signal power of the catcher, dBm per resource element (a 1 W software radio
/// with an amplifier, about 39 dBm over 1200 subcarriers).
const CATCHER_RS_DBM: f64 = 8.0;
/// Thermal noise plus interference over a 20 MHz carrier at the receiver, dBm.
const NOISE_DBM: f64 = -100.0;
/// Metres per degree of latitude.
const METRES_PER_DEGREE: f64 = 111_320.0;
/// Walking speed of a sensor carried by a person, m/s.
const WALK_MPS: f64 = 1.4;
/// Horizontal accuracy written in the GPS tracks, metres.
const FIX_ACCURACY_M: f64 = 5.0;
/// Seed of the shadowing.
const SEED: u64 = 0x5717_6a7c_4f1e_e7a1;

/// What a transmitter is in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// One of the operator's cells.
    Genuine,
    /// The cell-site simulator.
    Catcher,
    /// A second transmitter with a genuine cell's identity.
    Clone,
}

/// A transmitter at a known position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transmitter {
    /// What it is.
    pub role: Role,
    /// PLMN it broadcasts, `MCC-MNC`.
    pub plmn: String,
    /// Tracking area code.
    pub tac: u16,
    /// E-UTRAN cell identity.
    pub cell_id: u32,
    /// Downlink EARFCN.
    pub earfcn: u32,
    /// Physical cell id.
    pub pci: u16,
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// Reference signal power, dBm per resource element.
    pub rs_power_dbm: f64,
    #[serde(skip)]
    cell: Cell,
}

/// The propagation model, as written in `truth.json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Model {
    /// `n` of the log-distance model.
    pub path_loss_exponent: f64,
    /// Reference distance, metres.
    pub reference_distance_m: f64,
    /// Loss at the reference distance, dB.
    pub reference_loss_db: f64,
    /// Shadowing standard deviation, dB.
    pub shadowing_sigma_db: f64,
    /// Seed of the shadowing.
    pub seed: u64,
    /// Weakest neighbour reported, dBm.
    pub neighbour_floor_dbm: f64,
    /// Lowest RSRP camped on, dBm.
    pub camping_floor_dbm: f64,
    /// Reselection margin the catcher needs, dB.
    pub reselection_hysteresis_db: f64,
    /// Metres per timing advance step.
    pub ta_step_m: f64,
}

/// One sensor of a fleet scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensorTruth {
    /// Name, and the stem of its files (`NAME.qmdl`, `NAME-gps.ndjson`).
    pub name: String,
    /// Position at the start, degrees.
    pub start_latitude: f64,
    /// Position at the start, degrees.
    pub start_longitude: f64,
    /// Velocity east, m/s.
    pub velocity_east_mps: f64,
    /// Velocity north, m/s.
    pub velocity_north_mps: f64,
    /// Whether it reselected to the catcher and connected (identity request and all).
    pub connects: bool,
    /// Timing advance it was given when it connected (by the catcher, or in the cloned-cell
    /// scenarios by its own cell).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing_advance: Option<u16>,
    /// Distance to the catcher when it connected, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catcher_distance_m: Option<f64>,
}

/// `truth.json` of a fleet scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetTruth {
    /// Scenario name.
    pub scenario: &'static str,
    /// What happens.
    pub description: &'static str,
    /// True when the fleet should raise an alarm.
    pub attack: bool,
    /// Time of the first record.
    pub start_time: String,
    /// Length of each recording, seconds.
    pub duration_s: i64,
    /// The catcher, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catcher: Option<Transmitter>,
    /// For cloned-cell scenarios: distance between the two transmitters of one identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_separation_m: Option<f64>,
    /// Every transmitter.
    pub transmitters: Vec<Transmitter>,
    /// Propagation model.
    pub model: Model,
    /// The sensors.
    pub sensors: Vec<SensorTruth>,
}

/// One sensor's files.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetSensor {
    /// Name.
    pub name: String,
    /// Radio messages, in time order.
    pub messages: Vec<RadioMessage>,
    /// Measurements, in time order.
    pub measurements: Vec<Measurement>,
    /// GPS fixes, one a second.
    pub track: Vec<stingwatch_gps::Fix>,
}

/// A built fleet scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// The sensors' recordings.
    pub sensors: Vec<FleetSensor>,
    /// What really happened.
    pub truth: FleetTruth,
}

/// A fleet scenario of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FleetInfo {
    /// Name.
    pub name: &'static str,
    /// What happens.
    pub description: &'static str,
    /// True when the fleet should raise an alarm.
    pub attack: bool,
}

/// The fleet scenarios.
pub const FLEET_SCENARIOS: [FleetInfo; 3] = [
    FleetInfo {
        name: "fleet-catcher",
        description: "Ten sensors walk around a cell-site simulator on the operator's carrier; \
                      those close enough reselect to it, are asked for their IMSI without \
                      authentication and rejected; all of them measure it as a neighbour.",
        attack: true,
    },
    FleetInfo {
        name: "fleet-cloned-cell",
        description: "One genuine-looking cell identity is broadcast by two transmitters 30 km \
                      apart at the same time: five sensors near each camp on it, and each \
                      connects once for a short data session.",
        attack: true,
    },
    FleetInfo {
        name: "fleet-cloned-cell-benign",
        description: "Ten sensors on both sides of one genuine cell, at most 2 km from it, all \
                      camp on it and connect once for a short data session: one identity seen \
                      in two places within its range.",
        attack: false,
    },
];

/// Local east/north offsets (metres) around an origin, as degrees.
fn offset(origin: (f64, f64), east_m: f64, north_m: f64) -> (f64, f64) {
    let lat = origin.0 + north_m / METRES_PER_DEGREE;
    let lon = origin.1 + east_m / (METRES_PER_DEGREE * origin.0.to_radians().cos());
    (lat, lon)
}

/// Distance in metres between two nearby points (equirectangular; exact enough below 50 km).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let mean_lat = ((a.0 + b.0) / 2.0).to_radians();
    let dn = (a.0 - b.0) * METRES_PER_DEGREE;
    let de = (a.1 - b.1) * METRES_PER_DEGREE * mean_lat.cos();
    (dn * dn + de * de).sqrt()
}

/// Mean RSRP of a transmitter at a distance (no shadowing), dBm.
pub fn mean_rsrp_dbm(rs_power_dbm: f64, distance_m: f64) -> f64 {
    rs_power_dbm - REFERENCE_LOSS_DB - 10.0 * PATH_LOSS_EXPONENT * distance_m.max(1.0).log10()
}

/// A reproducible standard normal draw for (sensor, transmitter, second).
fn shadowing(sensor: usize, tx: usize, second: i64) -> f64 {
    let mut z = SEED ^ (sensor as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z ^= (tx as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    z ^= (second as u64).wrapping_mul(0x1656_67b1_9e37_79f9);
    let mut next = || {
        // splitmix64
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = z;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    // Box-Muller from two uniforms in (0, 1].
    let u1 = ((next() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let u2 = ((next() >> 11) as f64) / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos() * SHADOWING_SIGMA_DB
}

/// A sensor's path: start and velocity (east, north) in m/s.
#[derive(Debug, Clone, Copy)]
struct Walk {
    start: (f64, f64),
    velocity: (f64, f64),
}

impl Walk {
    fn at(&self, second: f64) -> (f64, f64) {
        offset(
            self.start,
            self.velocity.0 * second,
            self.velocity.1 * second,
        )
    }
}

fn transmitter(role: Role, cell: Cell, pos: (f64, f64), rs_power_dbm: f64) -> Transmitter {
    Transmitter {
        role,
        plmn: format!("{}-{}", cell.network.0, cell.network.1),
        tac: cell.tac,
        cell_id: cell.cell_id,
        earfcn: cell.earfcn,
        pci: cell.pci,
        latitude: pos.0,
        longitude: pos.1,
        rs_power_dbm,
        cell,
    }
}

/// Where the fleet scenarios take place (a made-up origin; any would do).
const ORIGIN: (f64, f64) = (52.5163, 13.3777);
/// Tracking area of the operator's cells.
const TAC: u16 = 0x2a01;
/// Tracking area of the catcher (one of its own, as catchers use to force an update).
const TAC_CATCHER: u16 = 0x7f3d;

/// Builds the fleet scenario called `name`.
pub fn build_fleet(name: &str) -> Result<Fleet, ScenarioError> {
    let info = FLEET_SCENARIOS
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| ScenarioError::Unknown(name.to_string()))?;
    match info.name {
        "fleet-catcher" => fleet_catcher(info),
        "fleet-cloned-cell" => cloned_cell(info, 30_000.0),
        _ => cloned_cell(info, 0.0),
    }
}

fn model() -> Model {
    Model {
        path_loss_exponent: PATH_LOSS_EXPONENT,
        reference_distance_m: 1.0,
        reference_loss_db: REFERENCE_LOSS_DB,
        shadowing_sigma_db: SHADOWING_SIGMA_DB,
        seed: SEED,
        neighbour_floor_dbm: NEIGHBOUR_FLOOR_DBM,
        camping_floor_dbm: CAMPING_FLOOR_DBM,
        reselection_hysteresis_db: RESELECTION_HYSTERESIS_DB,
        ta_step_m: stingwatch_ta_step_m(),
    }
}

/// Metres per LTE timing advance step (16 Ts of round trip, halved).
fn stingwatch_ta_step_m() -> f64 {
    16.0 / 30.72e6 * 299_792_458.0 / 2.0
}

fn fleet_catcher(info: &FleetInfo) -> Result<Fleet, ScenarioError> {
    let catcher_pos = ORIGIN;
    let catcher = transmitter(
        Role::Catcher,
        Cell::minimal(TAC_CATCHER, 0x0f1e_2d01, LAYER_B3, 377),
        catcher_pos,
        CATCHER_RS_DBM,
    );
    let genuine = [
        (
            Cell::operator(TAC, 0x01a2_b301, LAYER_B3, 101),
            offset(ORIGIN, 1400.0, 900.0),
        ),
        (
            Cell::operator(TAC, 0x01a2_b401, LAYER_B3, 140),
            offset(ORIGIN, -1300.0, 700.0),
        ),
        (
            Cell::operator(TAC, 0x01a2_b501, LAYER_B3, 212),
            offset(ORIGIN, 200.0, -1600.0),
        ),
        (
            Cell::operator(TAC, 0x01a2_b511, LAYER_B20, 216),
            offset(ORIGIN, 200.0, -1600.0),
        ),
    ];
    let mut txs = vec![catcher.clone()];
    txs.extend(
        genuine
            .iter()
            .map(|(c, p)| transmitter(Role::Genuine, c.clone(), *p, MACRO_RS_DBM)),
    );
    // Sensors at growing distances in different directions, walking across the line to the
    // catcher.
    let mut walks = Vec::new();
    for i in 0..SENSORS {
        let distance = 60.0 * 1.45f64.powi(i as i32);
        let bearing = (i as f64) * 2.4;
        let (e, n) = (distance * bearing.sin(), distance * bearing.cos());
        walks.push(Walk {
            start: offset(ORIGIN, e, n),
            velocity: (WALK_MPS * bearing.cos(), -WALK_MPS * bearing.sin()),
        });
    }
    build(info, txs, walks, Some(0), None, false)
}

fn cloned_cell(info: &FleetInfo, separation_m: f64) -> Result<Fleet, ScenarioError> {
    let cell = Cell::operator(TAC, 0x01a2_c701, LAYER_B3, 233);
    let other = Cell::operator(TAC, 0x01a2_c801, LAYER_B3, 51);
    let a = ORIGIN;
    let mut txs = vec![
        transmitter(Role::Genuine, cell.clone(), a, MACRO_RS_DBM),
        transmitter(
            Role::Genuine,
            other,
            offset(a, -2500.0, 1500.0),
            MACRO_RS_DBM,
        ),
    ];
    let b = offset(a, separation_m, 0.0);
    if separation_m > 0.0 {
        txs.push(transmitter(Role::Clone, cell, b, MACRO_RS_DBM));
    }
    let mut walks = Vec::new();
    for i in 0..SENSORS {
        // Five sensors around each transmitter (or on both sides of the one cell), 300 m to
        // 1.9 km from it.
        let near_b = i >= SENSORS / 2;
        let centre = if near_b && separation_m > 0.0 { b } else { a };
        let k = (i % (SENSORS / 2)) as f64;
        let distance = 300.0 + 400.0 * k;
        let side = if near_b { 1.0 } else { -1.0 };
        let bearing = side * (0.6 + 0.5 * k);
        walks.push(Walk {
            start: offset(centre, distance * bearing.sin(), distance * bearing.cos()),
            velocity: (0.0, WALK_MPS * side),
        });
    }
    let separation = (separation_m > 0.0).then(|| distance_m(a, b));
    build(info, txs, walks, None, separation, true)
}

/// Signal of transmitter `t` for sensor `s` at second `k` at position `pos`.
fn signal(s: usize, t: usize, tx: &Transmitter, pos: (f64, f64), k: i64) -> f64 {
    mean_rsrp_dbm(
        tx.rs_power_dbm,
        distance_m(pos, (tx.latitude, tx.longitude)),
    ) + shadowing(s, t, k)
}

fn build(
    info: &FleetInfo,
    txs: Vec<Transmitter>,
    walks: Vec<Walk>,
    catcher: Option<usize>,
    identity_separation_m: Option<f64>,
    data_sessions: bool,
) -> Result<Fleet, ScenarioError> {
    let mut sensors = Vec::new();
    let mut truths = Vec::new();
    for (s, walk) in walks.iter().enumerate() {
        let name = format!("sensor-{:02}", s + 1);
        // Camp on the genuine transmitter of best mean signal at the start.
        let mean_at = |t: &Transmitter, second: f64| {
            mean_rsrp_dbm(
                t.rs_power_dbm,
                distance_m(walk.at(second), (t.latitude, t.longitude)),
            )
        };
        let home = txs
            .iter()
            .filter(|t| t.role != Role::Catcher)
            .max_by(|a, b| mean_at(a, 0.0).total_cmp(&mean_at(b, 0.0)))
            .ok_or_else(|| ScenarioError::Encode("no genuine cell".into()))?;
        let attack_s = ATTACK_AT_S as f64;
        let connects = catcher.and_then(|c| txs.get(c)).is_some_and(|c| {
            let best_genuine = txs
                .iter()
                .filter(|t| t.role != Role::Catcher)
                .map(|t| mean_at(t, attack_s))
                .fold(f64::NEG_INFINITY, f64::max);
            let m = mean_at(c, attack_s);
            m >= CAMPING_FLOOR_DBM && m >= best_genuine + RESELECTION_HYSTERESIS_DB
        });
        let mut rec = Recorder::new(NasCopies::RrcAndRecords);
        rec.camp(&home.cell, "")?;
        let mut ta = None;
        let mut ta_time = None;
        let mut catcher_distance = None;
        if let (true, Some(c)) = (connects, catcher.and_then(|c| txs.get(c))) {
            rec.wait_until(START_TIME.0 + ATTACK_AT_S * 1_000_000);
            rec.camp(
                &c.cell,
                "the catcher, stronger than the operator's cells here",
            )?;
            rec.wait_ms(640);
            let d = distance_m(walk.at(rec.elapsed_s()), (c.latitude, c.longitude));
            let value = (d / stingwatch_ta_step_m()).round().clamp(0.0, 1282.0) as u16;
            ta = Some(value);
            ta_time = Some(rec.now());
            catcher_distance = Some(d);
            rec.wait_ms(5);
            rec.connect(
                InitialIdentity::Random(0x2b_9e01_c4d7),
                EstablishmentCause::MoSignalling,
            )?;
            let attach = nas::attach_request(
                1,
                &Identity::Guti(guti(M_TMSI)?),
                &nas::pdn_connectivity_request(1),
            )
            .map_err(|e| ScenarioError::Encode(e.to_string()))?;
            rec.setup_complete(&attach, true, "power-on attach with the stored GUTI")?;
            rec.imsi_request("identity request for the IMSI before any authentication")?;
            rec.dl_nas(
                &nas::attach_reject(15),
                "attach reject #15 without authentication",
            )?;
            rec.wait_ms(180);
            rec.release(ReleaseCause::Other, None, None, "")?;
            rec.wait_ms(900);
            rec.camp(&home.cell, "")?;
        } else if data_sessions {
            // A data session on the sensor's own cell: the random access response before it
            // carries the timing advance of the distance to that cell's transmitter.
            rec.wait_until(START_TIME.0 + ATTACK_AT_S * 1_000_000);
            let d = distance_m(walk.at(rec.elapsed_s()), (home.latitude, home.longitude));
            ta = Some((d / stingwatch_ta_step_m()).round().clamp(0.0, 1282.0) as u16);
            ta_time = Some(rec.now());
            rec.wait_ms(5);
            rec.service_request(false, 2)?;
        }
        let parts = rec.finish();
        let messages = parts.messages;
        let measurements = measure(s, walk, &txs, &messages, ta.zip(ta_time));
        let track = (0..=DURATION_S)
            .map(|k| {
                let (lat, lon) = walk.at(k as f64);
                stingwatch_gps::Fix {
                    time: CaptureTime(START_TIME.0 + k * 1_000_000),
                    latitude: lat,
                    longitude: lon,
                    accuracy_m: Some(FIX_ACCURACY_M),
                }
            })
            .collect();
        sensors.push(FleetSensor {
            name: name.clone(),
            messages,
            measurements,
            track,
        });
        truths.push(SensorTruth {
            name,
            start_latitude: walk.start.0,
            start_longitude: walk.start.1,
            velocity_east_mps: walk.velocity.0,
            velocity_north_mps: walk.velocity.1,
            connects,
            timing_advance: ta,
            catcher_distance_m: catcher_distance,
        });
    }
    Ok(Fleet {
        sensors,
        truth: FleetTruth {
            scenario: info.name,
            description: info.description,
            attack: info.attack,
            start_time: START_TIME.to_rfc3339(),
            duration_s: DURATION_S,
            catcher: catcher.and_then(|c| txs.get(c)).cloned(),
            identity_separation_m,
            transmitters: txs,
            model: model(),
            sensors: truths,
        },
    })
}

/// Serving and neighbour measurements each second, and the timing advance.
fn measure(
    s: usize,
    walk: &Walk,
    txs: &[Transmitter],
    messages: &[RadioMessage],
    ta: Option<(u16, CaptureTime)>,
) -> Vec<Measurement> {
    let mut out = Vec::new();
    let to_signal = |tx: &Transmitter, rsrp: f64, rssi: f64| CellSignal {
        earfcn: tx.earfcn,
        pci: tx.pci,
        rsrp: Sixteenths::from_db(rsrp),
        // RSRQ = N x RSRP / RSSI over N resource blocks (TS 36.214 5.1.3).
        rsrq: Some(Sixteenths::from_db(
            (10.0 * f64::from(tx.cell.prbs).log10() + rsrp - rssi).clamp(-19.5, -3.0),
        )),
        rssi: Some(Sixteenths::from_db(rssi)),
    };
    for k in 0..=DURATION_S {
        let time = CaptureTime(START_TIME.0 + k * 1_000_000 + 500_000);
        let pos = walk.at(k as f64 + 0.5);
        // The serving cell is the one of the last RRC message before this time.
        let serving = messages
            .iter()
            .take_while(|m| m.time.is_some_and(|t| t <= time))
            .filter(|m| matches!(m.kind, PayloadKind::LteRrc { .. }))
            .last()
            .and_then(|m| Some((m.context.arfcn?, m.context.pci?)));
        let levels: Vec<f64> = txs
            .iter()
            .enumerate()
            .map(|(t, tx)| signal(s, t, tx, pos, k))
            .collect();
        // RSSI of a carrier: every cell's reference power over its 12 x N subcarriers, noise.
        let rssi_of = |earfcn: u32| {
            let mw: f64 = txs
                .iter()
                .zip(&levels)
                .filter(|(t, _)| t.earfcn == earfcn)
                .map(|(t, l)| 10f64.powf(l / 10.0) * 12.0 * f64::from(t.cell.prbs))
                .sum::<f64>()
                + 10f64.powf(NOISE_DBM / 10.0);
            10.0 * mw.log10()
        };
        let mut neighbours: Vec<(u32, Vec<CellSignal>)> = Vec::new();
        for (tx, level) in txs.iter().zip(&levels) {
            let sig = to_signal(tx, *level, rssi_of(tx.earfcn));
            if serving == Some((tx.earfcn, tx.pci)) {
                out.push(Measurement {
                    offset: 0,
                    time: Some(time),
                    rat: Rat::Lte,
                    kind: MeasurementKind::Serving(sig),
                });
            } else if *level >= NEIGHBOUR_FLOOR_DBM {
                match neighbours.iter_mut().find(|(e, _)| *e == tx.earfcn) {
                    Some((_, cells)) => cells.push(sig),
                    None => neighbours.push((tx.earfcn, vec![sig])),
                }
            }
        }
        for (_, cells) in neighbours {
            out.push(Measurement {
                offset: 0,
                time: Some(CaptureTime(time.0 + 1000)),
                rat: Rat::Lte,
                kind: MeasurementKind::Neighbours { cells },
            });
        }
    }
    if let Some((value, time)) = ta {
        out.push(Measurement {
            offset: 0,
            time: Some(time),
            rat: Rat::Lte,
            kind: MeasurementKind::TimingAdvance { value },
        });
    }
    out.sort_by_key(|m| m.time);
    out
}

/// Writes one sensor's recording: messages and measurements merged in time order (a message
/// before a measurement of the same microsecond).
pub fn write_sensor_qmdl<W: std::io::Write>(
    sensor: &FleetSensor,
    out: W,
) -> Result<W, stingwatch_diag::WriteError> {
    let mut w = QmdlWriter::new(out);
    let mut ms = sensor.measurements.iter().peekable();
    for msg in &sensor.messages {
        while let Some(m) = ms.next_if(|m| m.time < msg.time) {
            w.write_measurement(m)?;
        }
        w.write_message(msg)?;
    }
    for m in ms {
        w.write_measurement(m)?;
    }
    w.flush()?;
    Ok(w.into_inner())
}

/// Writes every sensor's `NAME.qmdl` and `NAME-gps.ndjson`, and `truth.json`, into `dir`.
pub fn write_fleet(fleet: &Fleet, dir: &Path) -> Result<(), ScenarioError> {
    let io =
        |what: &Path, e: std::io::Error| ScenarioError::Encode(format!("{}: {e}", what.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for s in &fleet.sensors {
        let path = dir.join(format!("{}.qmdl", s.name));
        let file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        write_sensor_qmdl(s, std::io::BufWriter::new(file))
            .map_err(|e| ScenarioError::Encode(format!("{}: {e}", path.display())))?;
        let path = dir.join(format!("{}-gps.ndjson", s.name));
        let mut text = String::new();
        for f in &s.track {
            let line = serde_json::to_string(&stingwatch_gps::RayhunterRecord::of(f))
                .map_err(|e| ScenarioError::Encode(e.to_string()))?;
            text.push_str(&line);
            text.push('\n');
        }
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    let path = dir.join("truth.json");
    let json = serde_json::to_string_pretty(&fleet.truth)
        .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    std::fs::write(&path, json).map_err(|e| io(&path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catcher_fleet_has_connecting_and_distant_sensors() {
        let f = build_fleet("fleet-catcher").unwrap();
        let connecting = f.truth.sensors.iter().filter(|s| s.connects).count();
        // The model decides who connects; both groups must be there for the scenario to test
        // anything.
        assert!(
            (2..SENSORS - 2).contains(&connecting),
            "{connecting} connect"
        );
        for (s, t) in f.sensors.iter().zip(&f.truth.sensors) {
            let tas: Vec<u16> = s
                .measurements
                .iter()
                .filter_map(|m| match m.kind {
                    MeasurementKind::TimingAdvance { value } => Some(value),
                    _ => None,
                })
                .collect();
            assert_eq!(tas.first().copied(), t.timing_advance);
            assert_eq!(tas.len(), usize::from(t.connects));
            assert_eq!(t.timing_advance.is_some(), t.connects);
            assert_eq!(s.track.len() as i64, DURATION_S + 1);
        }
    }

    #[test]
    fn shadowing_is_seeded_and_has_the_model_spread() {
        let draws: Vec<f64> = (0..4000).map(|k| shadowing(1, 2, k)).collect();
        assert_eq!(draws[7], shadowing(1, 2, 7));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let sd =
            (draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64).sqrt();
        assert!(mean.abs() < 0.3, "{mean}");
        assert!((sd - SHADOWING_SIGMA_DB).abs() < 0.3, "{sd}");
    }

    #[test]
    fn every_cloned_cell_sensor_connects_once_to_its_own_cell() {
        for name in ["fleet-cloned-cell", "fleet-cloned-cell-benign"] {
            let f = build_fleet(name).unwrap();
            for (s, t) in f.sensors.iter().zip(&f.truth.sensors) {
                assert!(!t.connects, "{name}: no catcher to connect to");
                let tas: Vec<u16> = s
                    .measurements
                    .iter()
                    .filter_map(|m| match m.kind {
                        MeasurementKind::TimingAdvance { value } => Some(value),
                        _ => None,
                    })
                    .collect();
                assert_eq!(tas.len(), 1, "{name}/{}", t.name);
                assert_eq!(Some(tas[0]), t.timing_advance);
                // 300 m to 1.9 km from its cell (plus the walk): 3 to 26 steps of 78 m.
                assert!((3..=26).contains(&tas[0]), "{name}/{}: {}", t.name, tas[0]);
            }
        }
    }

    #[test]
    fn cloned_identity_is_far_apart_only_in_the_attack() {
        let attack = build_fleet("fleet-cloned-cell").unwrap();
        let benign = build_fleet("fleet-cloned-cell-benign").unwrap();
        assert!(attack.truth.identity_separation_m.unwrap() > 25_000.0);
        assert!(benign.truth.identity_separation_m.is_none());
        assert!(attack
            .truth
            .transmitters
            .iter()
            .any(|t| t.role == Role::Clone));
    }
}
