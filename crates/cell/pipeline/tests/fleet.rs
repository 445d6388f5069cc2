//! The fleet scenarios written to disk and analysed sensor by sensor, as `analyze` does:
//! each recording read back from its `.qmdl`, its `-gps.ndjson` applied, and the per-cell
//! signal, timing advance and position compared with the scenario's `truth.json`.

use serde_json::Value;
use std::path::Path;
use stingwatch_decode::CaptureReader;
use stingwatch_model::ReadItem;
use stingwatch_pipeline::{Finished, Pipeline};
use stingwatch_report::locate_cells;
use stingwatch_scenario::fleet::{self, build_fleet, write_fleet};

fn analyse(dir: &Path, sensor: &str) -> Finished {
    let path = dir.join(format!("{sensor}.qmdl"));
    let reader = CaptureReader::open(&path).expect("open");
    let mut p = Pipeline::new(path.display().to_string(), None);
    for item in reader {
        match item {
            ReadItem::Message(m) => {
                p.push(&m);
            }
            ReadItem::Measurement(m) => {
                p.push_measurement(&m);
            }
            ReadItem::Damage(d) => panic!("{sensor}: damage {d}"),
        }
    }
    let mut done = p.finish();
    let track_file = std::fs::File::open(dir.join(format!("{sensor}-gps.ndjson"))).unwrap();
    let track = stingwatch_gps::Track::read(std::io::BufReader::new(track_file)).unwrap();
    assert!(track.diagnostics.is_empty(), "{:?}", track.diagnostics);
    locate_cells(&mut done.cells, &mut done.radio_cells, &track);
    done
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn catcher_fleet_recordings_carry_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = build_fleet("fleet-catcher").unwrap();
    write_fleet(&fleet, dir.path()).unwrap();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap())
            .unwrap();
    let catcher = &truth["catcher"];
    let catcher_pos = (f(catcher, "latitude"), f(catcher, "longitude"));
    let catcher_cid = catcher["cell_id"].as_u64().unwrap() as u32;
    let ta_step = f(&truth["model"], "ta_step_m");
    let sigma = f(&truth["model"], "shadowing_sigma_db");
    let mut connected = 0;
    for s in truth["sensors"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let done = analyse(dir.path(), name);
        let start = (f(s, "start_latitude"), f(s, "start_longitude"));
        // Every cell with a position was located on this sensor's own track: within its
        // walk of the recording's length from where it started.
        for c in &done.cells {
            let p = c.position.expect("every cell seen gets a position");
            let walked = fleet::distance_m(start, (p.latitude, p.longitude));
            assert!(
                walked <= 1.5 * fleet::DURATION_S as f64 + 10.0,
                "{name}: {walked} m"
            );
            assert!(p.age_ms <= 1000, "{name}: fix {} ms off", p.age_ms);
        }
        let on_catcher = done.cells.iter().find(|c| c.cell_id == catcher_cid);
        if s["connects"].as_bool().unwrap() {
            connected += 1;
            let c = on_catcher.unwrap_or_else(|| panic!("{name}: catcher cell not seen"));
            let ta = c
                .timing_advance
                .as_ref()
                .expect("timing advance on the catcher");
            assert_eq!(u64::from(ta.value), s["timing_advance"].as_u64().unwrap());
            // The timing advance places the sensor at the catcher's distance, within one step.
            let d = f(s, "catcher_distance_m");
            assert!((ta.distance_m - d).abs() <= ta_step / 2.0 + 1e-6, "{name}");
            // Its serving measurements, by the path-loss model, say about as much.
            let sig = c.signal.as_ref().expect("catcher measured while camped");
            assert!(sig.serving_measurements > 0);
            let model = fleet::mean_rsrp_dbm(f(catcher, "rs_power_dbm"), d);
            assert!(
                (sig.rsrp_dbm_max.db() - model).abs() <= 4.0 * sigma + 6.0,
                "{name}: max {} vs model {model} at {d} m",
                sig.rsrp_dbm_max
            );
            assert!(
                !done.findings.is_empty(),
                "{name}: the catcher's attack found"
            );
        } else {
            assert!(on_catcher.is_none(), "{name}: never camped on the catcher");
            // The catcher is not a cell of its own for this sensor: it is measured as a
            // neighbour (radio only) when in range, and never given a timing advance.
            for r in &done.radio_cells {
                assert!(r.timing_advance.is_none());
            }
        }
        // The catcher measured from afar sits on its carrier and PCI, with RSRP falling with
        // the distance to it.
        let d0 = fleet::distance_m(start, catcher_pos);
        if let Some(r) = done
            .radio_cells
            .iter()
            .find(|r| r.pci == catcher["pci"].as_u64().map(|p| p as u16))
        {
            let sig = r.signal.as_ref().unwrap();
            let model = fleet::mean_rsrp_dbm(f(catcher, "rs_power_dbm"), d0);
            assert!(
                (sig.rsrp_dbm_max.db() - model).abs() <= 4.0 * sigma + 10.0,
                "{name}: neighbour catcher {} vs {model}",
                sig.rsrp_dbm_max
            );
        }
    }
    assert!(connected >= 2, "{connected} sensors connected");
}

#[test]
fn cloned_cell_fleet_shows_one_identity_at_two_distant_places() {
    for (name, far) in [
        ("fleet-cloned-cell", true),
        ("fleet-cloned-cell-benign", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let fleet = build_fleet(name).unwrap();
        write_fleet(&fleet, dir.path()).unwrap();
        let cloned = fleet.truth.transmitters.first().map(|t| t.cell_id).unwrap();
        let mut positions = Vec::new();
        for s in &fleet.truth.sensors {
            let done = analyse(dir.path(), &s.name);
            let c = done
                .cells
                .iter()
                .find(|c| c.cell_id == cloned)
                .unwrap_or_else(|| panic!("{name}/{}: cell not seen", s.name));
            let sig = c.signal.as_ref().expect("measured");
            assert!(sig.serving_measurements as i64 > fleet::DURATION_S / 2);
            let p = c.position.expect("located");
            positions.push((p.latitude, p.longitude));
        }
        let spread = positions
            .iter()
            .flat_map(|a| positions.iter().map(move |b| fleet::distance_m(*a, *b)))
            .fold(0.0, f64::max);
        if far {
            assert!(spread > 25_000.0, "{name}: {spread} m");
        } else {
            assert!(spread < 5_000.0, "{name}: {spread} m");
        }
    }
}
