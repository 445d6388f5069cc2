//! The store against a real PostgreSQL (Debian's, started in a temporary directory by the
//! test), checked with psql as the independent reader of what was stored.

use std::sync::Arc;

use stingwatch_fleet_model::{
    BatchId, CellKey, Observation, Position, Rat, SensorFinding, Severity, UploadBatch,
    PROTOCOL_VERSION,
};
use stingwatch_fleet_store::{now_ms, RayhunterKind, Store, StoreConfig, StoreError};
use stingwatch_testsupport::TempPostgres;

const DAY_MS: i64 = 86_400_000;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn cell() -> CellKey {
    CellKey {
        rat: Rat::Lte,
        mcc: 262,
        mnc: 1,
        area: 4711,
        cell: 0x1234567,
    }
}

fn observation(time_ms: i64, lat: f64, lon: f64) -> Observation {
    Observation {
        time_ms,
        cell: Some(cell()),
        channel: Some(1300),
        pci: Some(77),
        serving: true,
        rsrp_dbm: Some(-90.0),
        rsrq_db: None,
        timing_advance: Some(3),
        position: Some(Position {
            latitude: lat,
            longitude: lon,
            accuracy_m: Some(5.0),
        }),
        position_age_ms: Some(100),
        identity_exposures: 1,
        connections: 2,
    }
}

fn finding(id: &str, time_ms: i64, position: Option<Position>) -> SensorFinding {
    SensorFinding {
        id: id.into(),
        kind: "identity-request-without-auth".into(),
        severity: Severity::High,
        rat: Some(Rat::Lte),
        title: "IMSI requested before authentication".into(),
        explanation: "test".into(),
        time_ms,
        cell: Some(cell()),
        channel: Some(1300),
        pci: Some(77),
        position,
        evidence: None,
    }
}

fn batch(id: &str, observations: Vec<Observation>, findings: Vec<SensorFinding>) -> UploadBatch {
    UploadBatch {
        protocol: PROTOCOL_VERSION,
        batch_id: BatchId(id.into()),
        created_ms: now_ms(),
        observations,
        findings,
        evidence: vec![],
    }
}

fn store(pg: &TempPostgres, db: &str, retention_days: u32) -> Store {
    let mut cfg = StoreConfig::new(pg.database_url(db));
    cfg.retention_days = retention_days;
    Store::new(&cfg).unwrap()
}

#[test]
fn migrations_apply_once_and_batches_are_stored_exactly_once_even_when_sent_together() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    rt().block_on(async {
        let s = Arc::new(store(&pg, "once", 90));
        assert_eq!(s.migrate().await.unwrap(), vec![1, 2, 3]);
        assert!(
            s.migrate().await.unwrap().is_empty(),
            "second run applies nothing"
        );
        assert_eq!(
            pg.psql_in("once", "SELECT count(*) FROM fleet_migrations"),
            "3"
        );

        let token = s.add_sensor("roof-1", false).await.unwrap();
        assert!(matches!(
            s.add_sensor("roof-1", false).await,
            Err(StoreError::Exists(_))
        ));
        let sensor = s.sensor_by_token(&token).await.unwrap().unwrap();
        assert_eq!(sensor.name, "roof-1");
        assert!(s.sensor_by_token("not-a-token").await.unwrap().is_none());
        // Only the hash is in the database.
        let stored = pg.psql_in("once", "SELECT encode(token_hash, 'hex') FROM sensors");
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&token));

        let now = now_ms();
        let b = batch(
            "roof-1-0000000001-ab",
            (0..50)
                .map(|i| observation(now - i * 1000, 52.52, 13.405))
                .collect(),
            vec![finding("f-1", now, None)],
        );
        // Eight copies of the same batch at once: one is stored, seven see it stored.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (s, sensor, b) = (Arc::clone(&s), sensor.clone(), b.clone());
            tasks.push(tokio::spawn(
                async move { s.store_batch(&sensor, &b).await },
            ));
        }
        let mut stored_count = 0;
        for t in tasks {
            let r = t.await.unwrap().unwrap();
            if r.stored {
                stored_count += 1;
                assert_eq!((r.observations, r.findings), (50, 1));
            } else {
                assert_eq!((r.observations, r.findings), (0, 0));
            }
        }
        assert_eq!(stored_count, 1);
        assert_eq!(pg.psql_in("once", "SELECT count(*) FROM batches"), "1");
        assert_eq!(
            pg.psql_in("once", "SELECT count(*) FROM observations"),
            "50"
        );
        assert_eq!(pg.psql_in("once", "SELECT count(*) FROM findings"), "1");
        // A later batch repeating the finding does not store it twice.
        let again = s
            .store_batch(
                &sensor,
                &batch(
                    "roof-1-0000000002-cd",
                    vec![],
                    vec![finding("f-1", now, None)],
                ),
            )
            .await
            .unwrap();
        assert!(again.stored);
        assert_eq!(again.findings, 0);
        assert_eq!(pg.psql_in("once", "SELECT count(*) FROM findings"), "1");

        // Revoked sensors keep their data and are recognisably revoked.
        s.revoke_sensor("roof-1").await.unwrap();
        assert!(s.sensor_by_token(&token).await.unwrap().unwrap().revoked);
        assert!(matches!(
            s.revoke_sensor("nobody").await,
            Err(StoreError::NotFound(_))
        ));
    });
}

#[test]
fn routine_positions_are_coarsened_and_exact_ones_kept_only_on_opted_in_findings() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    rt().block_on(async {
        let s = store(&pg, "privacy", 90);
        s.migrate().await.unwrap();
        let private = s.sensor_by_token(&s.add_sensor("private", false).await.unwrap()).await.unwrap().unwrap();
        let open = s.sensor_by_token(&s.add_sensor("open", true).await.unwrap()).await.unwrap().unwrap();
        let now = now_ms();
        let exact = Position { latitude: 52.520_123, longitude: 13.405_678, accuracy_m: Some(4.0) };
        for (sensor, id) in [(&private, "p-1"), (&open, "o-1")] {
            s.store_batch(
                sensor,
                &batch(
                    &format!("{id}-batch"),
                    vec![observation(now, exact.latitude, exact.longitude)],
                    vec![finding(id, now, Some(exact))],
                ),
            )
            .await
            .unwrap();
        }
        // No column of observations holds the fix; the stored centre is another point within
        // one grid cell of it.
        let cols = pg.psql_in(
            "privacy",
            "SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_name = 'observations'",
        );
        assert!(!cols.contains("exact"), "{cols}");
        let centre = pg.psql_in("privacy", "SELECT DISTINCT hex_lat || ',' || hex_lon FROM observations");
        let (lat, lon) = centre.split_once(',').unwrap();
        let (lat, lon): (f64, f64) = (lat.parse().unwrap(), lon.parse().unwrap());
        assert_ne!((lat, lon), (exact.latitude, exact.longitude));
        let d = stingwatch_fleet_correlate::geo::distance_m(
            &stingwatch_fleet_store::position(lat, lon),
            &exact,
        );
        assert!(d > 0.0 && d <= stingwatch_fleet_store::CELL_RADIUS_M * 1.02, "{d} m");
        // The stored cell is the fleet grid's cell of the fix.
        let hex = pg.psql_in("privacy", "SELECT DISTINCT hex FROM observations");
        let id = stingwatch_fleet_correlate::hexgrid::cell_of(&exact).unwrap();
        assert_eq!(hex, id.to_u64().to_string());
        assert_eq!(
            pg.psql_in("privacy", "SELECT coalesce(exact_lat::text, 'none') FROM findings WHERE finding_id = 'p-1'"),
            "none"
        );
        assert_eq!(
            pg.psql_in("privacy", "SELECT exact_lat FROM findings WHERE finding_id = 'o-1'"),
            "52.520123"
        );
        // Reads are scoped: a sensor sees only its own findings.
        let mine = s.findings(Some(private.id), 0, 100).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].sensor, "private");
        assert!(!mine[0].position.unwrap().exact);
        assert_eq!(s.findings(None, 0, 100).await.unwrap().len(), 2);
        let cells = s.suspicious_cells(None, 0).await.unwrap();
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].sensors, 2);
        assert!(!cells[0].sightings.is_empty());
        assert_eq!(s.coverage(Some(open.id), 0).await.unwrap().len(), 1);
    });
}

#[test]
fn day_partitions_are_made_on_demand_and_dropped_by_the_purge() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    rt().block_on(async {
        let s = store(&pg, "retention", 3);
        s.migrate().await.unwrap();
        let sensor = s.sensor_by_token(&s.add_sensor("a", false).await.unwrap()).await.unwrap().unwrap();
        let now = now_ms();
        let obs = vec![
            observation(now, 1.0, 1.0),
            observation(now - DAY_MS, 1.0, 1.0),
            observation(now - 2 * DAY_MS, 1.0, 1.0),
            // Beyond retention and too far ahead: left out.
            observation(now - 10 * DAY_MS, 1.0, 1.0),
            observation(now + 5 * DAY_MS, 1.0, 1.0),
        ];
        let r = s
            .store_batch(&sensor, &batch("b1", obs, vec![finding("old", now - 2 * DAY_MS, None)]))
            .await
            .unwrap();
        assert_eq!(r.observations, 3);
        let parts = "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'observations'";
        let before: u32 = pg.psql_in("retention", parts).parse().unwrap();
        assert!((3..=4).contains(&before), "{before} partitions");
        // Nothing is old yet.
        let r0 = s.purge(now).await.unwrap();
        assert_eq!(r0.partitions_dropped, 0);
        // Two days on, the oldest day's partition is past the 3-day retention; the finding,
        // received now, stays for the whole period.
        let r1 = s.purge(now + 2 * DAY_MS).await.unwrap();
        assert!(r1.partitions_dropped >= 1, "{r1:?}");
        assert_eq!(r1.findings, 0);
        let after: u32 = pg.psql_in("retention", parts).parse().unwrap();
        assert_eq!(after, before - r1.partitions_dropped as u32);
        // A week on, everything is gone, and new batches still find their partitions.
        let r3 = s.purge(now + 7 * DAY_MS).await.unwrap();
        assert_eq!((r3.findings, r3.batches), (1, 1));
        assert_eq!(pg.psql_in("retention", parts), "0");
        assert_eq!(pg.psql_in("retention", "SELECT count(*) FROM observations"), "0");
        let r2 = s.store_batch(&sensor, &batch("b2", vec![observation(now, 1.0, 1.0)], vec![])).await.unwrap();
        assert_eq!(r2.observations, 1);
    });
}

#[test]
fn rayhunter_findings_get_positions_whichever_file_arrives_first() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    rt().block_on(async {
        let s = store(&pg, "rayhunter", 90);
        s.migrate().await.unwrap();
        let sensor = s.sensor_by_token(&s.add_sensor("rh", true).await.unwrap()).await.unwrap().unwrap();
        let t = now_ms();
        let gps = format!(
            "{{\"system_time\":{},\"lat\":48.1,\"lon\":11.5}}\n{{\"system_time\":{},\"lat\":48.2,\"lon\":11.6}}\n",
            t / 1000 - 30,
            t / 1000 + 600
        );
        let track = stingwatch_gps::Track::read(gps.as_bytes()).unwrap();
        // Recording first, then GPS.
        let r = s
            .put_rayhunter(&sensor, "100", RayhunterKind::Qmdl, b"qmdl bytes", &[finding("r-1", t, None)], None, None)
            .await
            .unwrap();
        assert_eq!((r.findings, r.positioned), (1, 0));
        let g = s
            .put_rayhunter(&sensor, "100", RayhunterKind::Gps, gps.as_bytes(), &[], Some(&track), None)
            .await
            .unwrap();
        assert_eq!(g.positioned, 1);
        // GPS first, then the recording.
        s.put_rayhunter(&sensor, "200", RayhunterKind::Gps, gps.as_bytes(), &[], Some(&track), None)
            .await
            .unwrap();
        let r = s
            .put_rayhunter(&sensor, "200", RayhunterKind::Qmdl, b"other", &[finding("r-2", t, None)], None, None)
            .await
            .unwrap();
        assert_eq!(r.positioned, 1);
        // The same bytes again change nothing.
        let again = s
            .put_rayhunter(&sensor, "200", RayhunterKind::Qmdl, b"other", &[finding("r-2", t, None)], None, None)
            .await
            .unwrap();
        assert!(again.unchanged);
        assert_eq!(
            pg.psql_in("rayhunter", "SELECT string_agg(exact_lat::text, ',' ORDER BY finding_id) FROM findings"),
            "48.1,48.1"
        );
        assert_eq!(pg.psql_in("rayhunter", "SELECT count(*) FROM evidence"), "2");
    });
}

#[test]
fn a_version_1_database_is_moved_onto_the_fleet_grid() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    rt().block_on(async {
        let s = store(&pg, "upgrade", 90);
        // A database as version 1 left it: its schema, and a day of observations binned by the
        // old grid (an id of that grid, and its centre).
        pg.psql_in("upgrade", include_str!("../migrations/0001_initial.sql"));
        pg.psql_in(
            "upgrade",
            "CREATE TABLE fleet_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()); \
             INSERT INTO fleet_migrations (version, name) VALUES (1, 'initial'); \
             CREATE TABLE observations_d20261101 PARTITION OF observations \
             FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-11-02 00:00:00+00'); \
             INSERT INTO observations (time, sensor_id, serving, hex, hex_lat, hex_lon, \
             identity_exposures, connections) VALUES \
             ('2026-11-01 10:00:00+00', 1, true, 9007199254740993, 52.5201, 13.4049, 0, 0), \
             ('2026-11-01 10:01:00+00', 1, true, 9007199254740993, 52.5201, 13.4049, 0, 0), \
             ('2026-11-01 10:02:00+00', 1, true, NULL, NULL, NULL, 0, 0)",
        );
        assert_eq!(s.migrate().await.unwrap(), vec![2, 3]);
        let old = stingwatch_fleet_store::position(52.5201, 13.4049);
        let id = stingwatch_fleet_correlate::hexgrid::cell_of(&old).unwrap();
        let centre = stingwatch_fleet_correlate::hexgrid::centre(id);
        let rows = pg.psql_in(
            "upgrade",
            "SELECT coalesce(hex::text, '-') || ' ' || coalesce(hex_lat::text, '-') || ' ' || \
             coalesce(hex_lon::text, '-') FROM observations ORDER BY time",
        );
        let want = format!("{} {} {}", id.to_u64(), centre.latitude, centre.longitude);
        assert_eq!(rows, format!("{want}\n{want}\n- - -"));
        // The new columns are there: the fix's age, and the Rayhunter recording of a row.
        assert_eq!(
            pg.psql_in(
                "upgrade",
                "SELECT count(*) FROM information_schema.columns \
                 WHERE table_name = 'observations' \
                 AND column_name IN ('position_age_ms', 'recording')"
            ),
            "2"
        );
    });
}

#[test]
fn the_rules_read_back_what_was_stored_with_its_sensor() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    rt().block_on(async {
        let s = store(&pg, "input", 90);
        s.migrate().await.unwrap();
        let sensor = s
            .sensor_by_token(&s.add_sensor("a", false).await.unwrap())
            .await
            .unwrap()
            .unwrap();
        let now = now_ms();
        let mut o = observation(now, 52.52, 13.40);
        o.timing_advance = Some(4);
        o.position_age_ms = Some(700);
        // A finding naming its cell but not its technology keeps its cell.
        let mut f = finding("n-1", now, None);
        f.rat = None;
        s.store_batch(&sensor, &batch("in-1", vec![o.clone()], vec![f]))
            .await
            .unwrap();
        let input = s.correlation_input(now - 1000, 10, 10).await.unwrap();
        assert!(!input.observations_truncated && !input.findings_truncated);
        let got = &input.observations[0];
        assert_eq!(got.sensor.0, sensor.id as u64);
        assert_eq!((got.obs.cell, got.obs.timing_advance), (o.cell, Some(4)));
        assert_eq!(
            (got.obs.rsrp_dbm, got.obs.position_age_ms),
            (o.rsrp_dbm, Some(700))
        );
        let p = got.obs.position.unwrap();
        assert_eq!(p.accuracy_m, Some(stingwatch_fleet_store::CELL_RADIUS_M));
        assert_eq!(input.findings[0].finding.cell, Some(cell()));
        // The limit keeps the newest and says so.
        s.store_batch(
            &sensor,
            &batch("in-2", vec![observation(now + 10, 52.52, 13.40)], vec![]),
        )
        .await
        .unwrap();
        let input = s.correlation_input(now - 1000, 1, 10).await.unwrap();
        assert!(input.observations_truncated);
        assert_eq!(input.observations[0].obs.time_ms, now + 10);
    });
}
