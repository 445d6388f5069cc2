//! Uploads are validated by the server, but correlation must not depend on it: any values at
//! all (extreme times, non-finite signal, counts at their maximum, positions off Earth) give
//! findings or none, never a panic, and every finding stays within its limits.

use proptest::prelude::*;
use stingwatch_fleet_correlate::finding::{MAX_EVIDENCE_PER_FINDING, MAX_SENSORS_PER_FINDING};
use stingwatch_fleet_correlate::{
    correlate, CellKey, Config, FleetInput, Observation, Position, Rat, SensorFinding, SensorId,
    SensorObservation, SensorReport, Severity,
};

fn time() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0i64),
        1_760_000_000_000i64..1_760_000_000_000 + 30 * 86_400_000,
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-f64::INFINITY),
        -200.0f64..200.0,
    ]
}

fn cell() -> impl Strategy<Value = Option<CellKey>> {
    proptest::option::of((0u8..4, 0u16..3, 0u64..4).prop_map(|(r, mnc, c)| CellKey {
        rat: [Rat::Gsm, Rat::Umts, Rat::Lte, Rat::Nr][usize::from(r)],
        mcc: 1,
        mnc,
        area: 1,
        cell: if c == 3 { u64::MAX } else { c },
    }))
}

fn observation() -> impl Strategy<Value = SensorObservation> {
    (
        (
            0u64..6,
            time(),
            cell(),
            proptest::option::of(0u32..3),
            proptest::option::of(0u16..3),
        ),
        (
            any::<bool>(),
            proptest::option::of(float()),
            proptest::option::of(any::<u32>()),
        ),
        (
            proptest::option::of((float(), float(), proptest::option::of(float()))),
            proptest::option::of(any::<u64>()),
        ),
        (any::<u32>(), any::<u32>()),
    )
        .prop_map(
            |((sensor, time_ms, cell, channel, pci), (serving, rsrp, ta), (pos, age), (e, n))| {
                SensorObservation {
                    sensor: SensorId(sensor),
                    obs: Observation {
                        time_ms,
                        cell,
                        channel,
                        pci,
                        serving,
                        rsrp_dbm: rsrp,
                        rsrq_db: None,
                        timing_advance: ta,
                        position: pos.map(|(latitude, longitude, accuracy_m)| Position {
                            latitude: latitude / 2.0,
                            longitude,
                            accuracy_m,
                        }),
                        position_age_ms: age,
                        identity_exposures: e,
                        connections: n,
                    },
                }
            },
        )
}

fn report() -> impl Strategy<Value = SensorReport> {
    (
        0u64..6,
        time(),
        cell(),
        proptest::option::of(0u32..3),
        proptest::option::of(0u16..3),
        proptest::option::of((float(), float())),
    )
        .prop_map(|(sensor, time_ms, cell, channel, pci, pos)| SensorReport {
            sensor: SensorId(sensor),
            finding: SensorFinding {
                id: "f".into(),
                kind: "identity-request-without-auth".into(),
                severity: Severity::High,
                rat: Some(Rat::Lte),
                title: String::new(),
                explanation: String::new(),
                time_ms,
                cell,
                channel,
                pci,
                position: pos.map(|(latitude, longitude)| Position {
                    latitude,
                    longitude,
                    accuracy_m: None,
                }),
                evidence: None,
            },
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_upload_correlates_without_panicking(
        observations in proptest::collection::vec(observation(), 0..60),
        findings in proptest::collection::vec(report(), 0..20),
    ) {
        let input = FleetInput { observations: &observations, findings: &findings, reference: None };
        let out = correlate(&input, &Config::default());
        for f in &out.findings {
            prop_assert!(f.evidence.len() <= MAX_EVIDENCE_PER_FINDING);
            prop_assert!(f.sensors.len() <= MAX_SENSORS_PER_FINDING && f.sensors.len() <= f.sensor_total);
            prop_assert!(f.first_ms <= f.last_ms);
            for l in &f.locations {
                prop_assert!(l.position.latitude.is_finite() && l.position.longitude.is_finite());
                prop_assert!(l.uncertainty_m.is_finite());
            }
            prop_assert!(!f.explanation.is_empty() && !f.title.is_empty());
        }
        // Deterministic: the same upload in reverse order gives the same findings.
        let mut rev = observations.clone();
        rev.reverse();
        let again = correlate(&FleetInput { observations: &rev, findings: &findings, reference: None }, &Config::default());
        prop_assert_eq!(out.findings.len(), again.findings.len());
    }
}
