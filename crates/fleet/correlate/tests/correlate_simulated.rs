//! Each fleet rule on labelled simulated fleets: the attack it describes is caught, and the
//! harmless case beside it is not.

use stingwatch_fleet_correlate::geo::{distance_m, LocalFrame};
use stingwatch_fleet_correlate::radio::LTE_TA_STEP_M;
use stingwatch_fleet_correlate::reference::{ReferenceCell, ReferenceCells};
use stingwatch_fleet_correlate::simulate::{test_cell, Movement, Scenario, Transmitter, Upload};
use stingwatch_fleet_correlate::{
    correlate, Config, FleetFinding, FleetInput, FleetKind, Observation, Position, SensorId,
    SensorObservation, Severity,
};

const CATCHER: u64 = 9_999;
const HOUR: i64 = 3_600_000;

fn city() -> Position {
    Position {
        latitude: 34.0522,
        longitude: -118.2437,
        accuracy_m: None,
    }
}

fn catcher(position: Position, cell: u64, on_air_ms: (i64, i64)) -> Transmitter {
    Transmitter {
        cell: test_cell(cell),
        channel: 1_300,
        pci: 7,
        position,
        rsrp_at_1m_dbm: -20.0,
        on_air_ms,
        exposes_identity: true,
    }
}

fn run(up: &Upload, reference: Option<&ReferenceCells>) -> Vec<FleetFinding> {
    let input = FleetInput {
        observations: &up.observations,
        findings: &up.findings,
        reference,
    };
    let out = correlate(&input, &Config::default());
    for f in &out.findings {
        println!(
            "[{}] {} {}: {}",
            f.severity.as_str(),
            f.kind.as_str(),
            f.title,
            f.explanation
        );
        for r in &f.raised_by {
            println!("    raised: {r}");
        }
    }
    out.findings
}

fn on_cell(findings: &[FleetFinding], kind: FleetKind, cell: u64) -> Option<&FleetFinding> {
    findings
        .iter()
        .find(|f| f.kind == kind && f.cell == Some(test_cell(cell)))
}

/// Ten sensors walking around a catcher among macro cells: it is flagged from several
/// sensors' findings, by its exposure rate, and placed near where it is.
#[test]
fn a_catcher_is_flagged_across_sensors_and_placed() {
    for seed in [3, 17, 29] {
        let frame = LocalFrame::new(&city());
        let truth = frame.to_position(250.0, -180.0, None);
        let mut s = Scenario::new(seed, city(), 10).with_macro_grid(1_500.0, 1);
        s.duration_ms = 2 * HOUR;
        s.transmitters
            .push(catcher(truth, CATCHER, (i64::MIN, i64::MAX)));
        let findings = run(&s.run(), None);
        let corroborated = on_cell(&findings, FleetKind::Corroborated, CATCHER)
            .unwrap_or_else(|| panic!("seed {seed}: not corroborated"));
        assert!(corroborated.sensor_total >= 2);
        assert!(corroborated.severity >= Severity::High, "seed {seed}");
        let exposure = on_cell(&findings, FleetKind::ExposureRate, CATCHER)
            .unwrap_or_else(|| panic!("seed {seed}: exposure rate not flagged"));
        let place = exposure.locations.first().expect("placed");
        let err = distance_m(&place.position, &truth);
        println!(
            "seed {seed}: placed {err:.0} m from the truth by {}",
            place.method.as_str()
        );
        // Sensors walk within 1.5 km; timing advance pins it to a few steps.
        assert!(err < 4.0 * LTE_TA_STEP_M, "seed {seed}: {err} m off");
        // The real cells, asking at the routine rate, are not flagged.
        assert!(
            findings.iter().all(|f| f.cell == Some(test_cell(CATCHER))),
            "seed {seed}: a real cell was flagged"
        );
    }
}

/// A catcher in a second city copies a real cell's identity from the first, 15 km away.
#[test]
fn a_cloned_identity_is_caught() {
    for seed in [5, 11] {
        let frame = LocalFrame::new(&city());
        let there = frame.to_position(15_000.0, 0.0, None);
        let mut home = Scenario::new(seed, city(), 10).with_macro_grid(1_500.0, 1);
        home.duration_ms = 2 * HOUR;
        // The copied identity: a real cell of the first city near its centre.
        let copied = home
            .transmitters
            .iter()
            .min_by(|a, b| {
                distance_m(&a.position, &city()).total_cmp(&distance_m(&b.position, &city()))
            })
            .map(|t| t.cell.cell)
            .expect("cells");
        let mut away = Scenario::new(seed + 1000, there, 10).with_macro_grid(1_500.0, 500);
        away.first_sensor = 101;
        away.duration_ms = 2 * HOUR;
        // A copy strong enough to draw in the phones around it, as it must to be of use.
        away.transmitters.push(Transmitter {
            rsrp_at_1m_dbm: -10.0,
            ..catcher(there, copied, (i64::MIN, i64::MAX))
        });
        let up = home.run().merge(away.run());
        let findings = run(&up, None);
        let f = on_cell(&findings, FleetKind::ClonedIdentity, copied)
            .unwrap_or_else(|| panic!("seed {seed}: clone not caught"));
        assert!(f.severity >= Severity::Medium);
        assert_eq!(f.locations.len(), 2, "each transmitter placed");
        let near_there = f
            .locations
            .iter()
            .map(|l| distance_m(&l.position, &there))
            .fold(f64::INFINITY, f64::min);
        assert!(near_there < 1_000.0, "the copy placed {near_there} m off");
        assert_eq!(
            findings
                .iter()
                .filter(|f| f.kind == FleetKind::ClonedIdentity)
                .count(),
            1,
            "only the copied identity"
        );
    }
}

fn sighting(sensor: u64, t: i64, p: Position, ta: Option<u32>) -> SensorObservation {
    SensorObservation {
        sensor: SensorId(sensor),
        obs: Observation {
            time_ms: t,
            cell: Some(test_cell(42)),
            channel: Some(1_300),
            pci: Some(3),
            serving: ta.is_some(),
            rsrp_dbm: Some(-90.0),
            rsrq_db: None,
            timing_advance: ta,
            position: Some(Position {
                accuracy_m: Some(10.0),
                ..p
            }),
            position_age_ms: Some(500),
            identity_exposures: 0,
            connections: u32::from(ta.is_some()),
        },
    }
}

/// The same cell seen from places within its reach of each other is one cell: a big rural
/// cell seen 30 km apart without timing advance, and 1.5 km apart with timing advance that
/// allows it.
#[test]
fn a_benign_twin_is_not_flagged() {
    let f = LocalFrame::new(&city());
    let t0 = 1_760_000_000_000;
    let up = Upload {
        observations: vec![
            sighting(1, t0, f.to_position(0.0, 0.0, None), None),
            sighting(2, t0 + 1_000, f.to_position(30_000.0, 0.0, None), None),
            sighting(3, t0 + 2_000, f.to_position(0.0, 5_000.0, None), Some(12)),
            sighting(
                4,
                t0 + 3_000,
                f.to_position(1_500.0, 5_000.0, None),
                Some(8),
            ),
        ],
        findings: vec![],
    };
    assert!(run(&up, None).is_empty());
    // The same sightings with timing advance that rules the first pair out are a clone.
    let mut up = up;
    up.observations[0] = sighting(1, t0, f.to_position(0.0, 0.0, None), Some(2));
    up.observations[1] = sighting(2, t0 + 1_000, f.to_position(30_000.0, 0.0, None), Some(3));
    let findings = run(&up, None);
    assert!(on_cell(&findings, FleetKind::ClonedIdentity, 42).is_some());
}

/// A catcher on the air for an hour in the middle of twelve, among parked sensors that watch
/// the area throughout; the macro cells, on all along, are not transient.
#[test]
fn a_transient_cell_is_caught_where_sensors_kept_watching() {
    let frame = LocalFrame::new(&city());
    let truth = frame.to_position(100.0, 100.0, None);
    let mut s = Scenario::new(8, city(), 12).with_macro_grid(1_500.0, 1);
    s.area_radius_m = 600.0;
    s.movement = Movement::Parked;
    s.duration_ms = 12 * HOUR;
    s.interval_ms = 5 * 60_000;
    let on = (s.start_ms + 6 * HOUR, s.start_ms + 7 * HOUR);
    s.transmitters.push(catcher(truth, CATCHER, on));
    let findings = run(&s.run(), None);
    let f = on_cell(&findings, FleetKind::TransientCell, CATCHER).expect("transient caught");
    assert_eq!(f.severity, Severity::Medium.max(f.severity));
    assert!(f.last_ms - f.first_ms <= HOUR);
    assert!(findings
        .iter()
        .filter(|f| f.kind == FleetKind::TransientCell)
        .all(|f| f.cell == Some(test_cell(CATCHER))));
    // Seen by the other rules too, so each is raised by the others' agreement.
    assert!(
        f.raised_by.iter().any(|r| r.contains("fleet-")),
        "{:?}",
        f.raised_by
    );

    // The same hour without anyone watching before or after is no evidence of absence.
    let mut short = s.clone();
    short.start_ms = on.0;
    short.duration_ms = HOUR;
    let findings = run(&short.run(), None);
    assert!(on_cell(&findings, FleetKind::TransientCell, CATCHER).is_none());
}

/// A cell asking for the IMSI on every connection against an operator that asks on one in a
/// hundred is flagged; a normal cell with a chance exposure in a handful of connections is not.
#[test]
fn exposure_rate_needs_both_excess_and_samples() {
    let f = LocalFrame::new(&city());
    let t0 = 1_760_000_000_000;
    let mut obs = Vec::new();
    // The operator's baseline: 40 cells, 50 connections each, one exposure in a hundred.
    for c in 0..40u64 {
        for k in 0..50u64 {
            let mut o = sighting(
                1 + k % 5,
                t0 + (k * 60_000) as i64,
                f.to_position(0.0, 0.0, None),
                Some(3),
            );
            o.obs.cell = Some(test_cell(1_000 + c));
            o.obs.identity_exposures = u32::from((c * 50 + k) % 100 == 0);
            obs.push(o);
        }
    }
    // A small cell: 4 connections, 1 exposure (25%, but four samples say nothing).
    for k in 0..4u64 {
        let mut o = sighting(
            7,
            t0 + (k * 60_000) as i64,
            f.to_position(0.0, 0.0, None),
            Some(3),
        );
        o.obs.cell = Some(test_cell(77));
        o.obs.identity_exposures = u32::from(k == 0);
        obs.push(o);
    }
    // A catcher: 30 connections from 6 sensors, an exposure on 27 of them.
    for k in 0..30u64 {
        let mut o = sighting(
            10 + k % 6,
            t0 + (k * 60_000) as i64,
            f.to_position(0.0, 0.0, None),
            Some(1),
        );
        o.obs.cell = Some(test_cell(CATCHER));
        o.obs.identity_exposures = u32::from(k % 10 != 0);
        obs.push(o);
    }
    let up = Upload {
        observations: obs,
        findings: vec![],
    };
    let findings = run(&up, None);
    let flagged: Vec<_> = findings
        .iter()
        .filter(|f| f.kind == FleetKind::ExposureRate)
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:#?}");
    assert_eq!(flagged[0].cell, Some(test_cell(CATCHER)));
    assert_eq!(flagged[0].severity, Severity::High);
}

/// The reference database raises the severity of what was found on a cell it does not know,
/// and on its own never makes a finding.
#[test]
fn the_reference_only_weighs_other_evidence() {
    let frame = LocalFrame::new(&city());
    let truth = frame.to_position(250.0, -180.0, None);
    let mut s = Scenario::new(21, city(), 10).with_macro_grid(1_500.0, 1);
    s.duration_ms = HOUR;
    let mut reference = ReferenceCells::new();
    for t in &s.transmitters {
        reference.insert(ReferenceCell {
            key: t.cell,
            position: t.position,
            range_m: 1_500.0,
            samples: 50,
        });
    }
    // Without the catcher, the one cell the reference lacks is an ordinary one.
    let mut quiet = s.clone();
    let unknown_real = Transmitter {
        cell: test_cell(8_888),
        exposes_identity: false,
        rsrp_at_1m_dbm: -5.0,
        ..catcher(truth, 8_888, (i64::MIN, i64::MAX))
    };
    quiet.transmitters.push(unknown_real);
    assert!(run(&quiet.run(), Some(&reference)).is_empty());

    s.transmitters
        .push(catcher(truth, CATCHER, (i64::MIN, i64::MAX)));
    let up = s.run();
    let plain = run(&up, None);
    let weighed = run(&up, Some(&reference));
    let a = on_cell(&plain, FleetKind::Corroborated, CATCHER).expect("flagged");
    let b = on_cell(&weighed, FleetKind::Corroborated, CATCHER).expect("flagged");
    assert!(
        b.raised_by.len() == a.raised_by.len() + 1,
        "{:?}",
        b.raised_by
    );
    assert!(b.raised_by.iter().any(|r| r.contains("reference database")));
    assert!(b.severity >= a.severity);
}

/// Findings without a cell identity are grouped by channel and physical cell id only when
/// made near each other: physical cell ids are reused a few kilometres apart.
#[test]
fn radio_only_findings_corroborate_only_nearby() {
    use stingwatch_fleet_correlate::{SensorFinding, SensorReport};
    let f = LocalFrame::new(&city());
    let t0 = 1_760_000_000_000;
    let report = |sensor: u64, t: i64, x: f64| SensorReport {
        sensor: SensorId(sensor),
        finding: SensorFinding {
            id: format!("r{sensor}"),
            kind: "downgrade-to-2g".into(),
            severity: Severity::Medium,
            rat: Some(stingwatch_fleet_correlate::Rat::Lte),
            title: "Redirected to 2G".into(),
            explanation: String::new(),
            time_ms: t,
            cell: None,
            channel: Some(1_300),
            pci: Some(7),
            position: Some(f.to_position(x, 0.0, Some(10.0))),
            evidence: None,
        },
    };
    // Two sensors 300 m apart, and a third 12 km away on the same channel and PCI.
    let up = Upload {
        observations: vec![],
        findings: vec![
            report(1, t0, 0.0),
            report(2, t0 + 60_000, 300.0),
            report(3, t0 + 90_000, 12_000.0),
        ],
    };
    let findings = run(&up, None);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let c = &findings[0];
    assert_eq!(c.kind, FleetKind::Corroborated);
    assert_eq!(c.sensors, vec![SensorId(1), SensorId(2)]);
    assert_eq!((c.channel, c.pci, c.cell), (Some(1_300), Some(7), None));
    assert_eq!(c.severity, Severity::High);
}

fn finding_on(sensor: u64, t: i64, cell: u64, position: Option<Position>) -> SensorReport {
    SensorReport {
        sensor: SensorId(sensor),
        finding: SensorFinding {
            id: format!("f{sensor}-{t}"),
            kind: "identity-request-without-auth".into(),
            severity: Severity::High,
            rat: Some(stingwatch_fleet_correlate::Rat::Lte),
            title: "IMSI requested before authentication".into(),
            explanation: String::new(),
            time_ms: t,
            cell: Some(test_cell(cell)),
            channel: Some(1_300),
            pci: Some(7),
            position,
            evidence: None,
        },
    }
}

use stingwatch_fleet_correlate::{SensorFinding, SensorReport};

/// The sensors a catcher pulled in decode its identity; the others only measure it as a
/// neighbour on its channel and PCI. Those measurements place it too; one on the same channel
/// and PCI 12 km away (another cell reusing the PCI) does not.
#[test]
fn radio_only_sightings_near_an_identified_cell_help_place_it() {
    let f = LocalFrame::new(&city());
    let t0 = 1_760_000_000_000;
    let seen = |sensor: u64, x: f64, y: f64, identified: bool, ta: Option<u32>| {
        let d = (x * x + y * y).sqrt().max(1.0);
        SensorObservation {
            sensor: SensorId(sensor),
            obs: Observation {
                time_ms: t0 + sensor as i64 * 1_000,
                cell: identified.then(|| test_cell(CATCHER)),
                channel: Some(1_300),
                pci: Some(7),
                serving: identified,
                rsrp_dbm: Some(-20.0 - 35.0 * d.log10()),
                rsrq_db: None,
                timing_advance: ta,
                position: Some(f.to_position(x, y, Some(10.0))),
                position_age_ms: Some(0),
                identity_exposures: 0,
                connections: u32::from(ta.is_some()),
            },
        }
    };
    let mut observations = vec![
        seen(1, 120.0, 40.0, true, Some(2)),
        seen(2, -90.0, 100.0, true, Some(2)),
    ];
    for (i, (x, y)) in [
        (600.0, 0.0),
        (-500.0, -300.0),
        (0.0, -800.0),
        (300.0, 900.0),
    ]
    .into_iter()
    .enumerate()
    {
        observations.push(seen(3 + i as u64, x, y, false, None));
    }
    observations.push(seen(9, 12_000.0, 0.0, false, None));
    let up = Upload {
        observations,
        findings: vec![
            finding_on(1, t0, CATCHER, None),
            finding_on(2, t0 + 5_000, CATCHER, None),
        ],
    };
    let findings = run(&up, None);
    let c = on_cell(&findings, FleetKind::Corroborated, CATCHER).expect("corroborated");
    let loc = c.locations.first().expect("placed");
    assert_eq!(loc.sensors, 6, "{loc:?}");
    let error = distance_m(&loc.position, &city());
    assert!(
        error <= loc.uncertainty_m,
        "{error} m, radius {}",
        loc.uncertainty_m
    );
    // The cell's sightings are still only those that decoded its identity.
    assert_eq!(c.sensor_total, 2);
}

/// A Rayhunter uploads recordings, not sightings: the places its findings were made at
/// locate the cell when nothing else does.
#[test]
fn findings_alone_place_a_corroborated_cell() {
    let f = LocalFrame::new(&city());
    let t0 = 1_760_000_000_000;
    let up = Upload {
        observations: vec![],
        findings: vec![
            finding_on(1, t0, CATCHER, Some(f.to_position(200.0, 0.0, Some(10.0)))),
            finding_on(
                2,
                t0 + 1_000,
                CATCHER,
                Some(f.to_position(-200.0, 100.0, Some(10.0))),
            ),
            finding_on(
                3,
                t0 + 2_000,
                CATCHER,
                Some(f.to_position(0.0, -250.0, Some(10.0))),
            ),
        ],
    };
    let findings = run(&up, None);
    let c = on_cell(&findings, FleetKind::Corroborated, CATCHER).expect("corroborated");
    let loc = c.locations.first().expect("placed from the findings");
    assert_eq!(loc.sensors, 3);
    assert!(distance_m(&loc.position, &city()) < 200.0, "{loc:?}");
}
