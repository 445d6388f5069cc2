//! What a sensor uploads from a recording with measurements and a GPS track: the fleet
//! scenario's recordings analysed as `stingwatch upload` does, converted, and compared with
//! the analysis and the scenario's truth.

use std::path::Path;

use stingwatch_decode::CaptureReader;
use stingwatch_fleet_client::{batch_from_analysis, ConvertOptions};
use stingwatch_fleet_model::{BatchId, UploadBatch};
use stingwatch_model::ReadItem;
use stingwatch_pipeline::{Finished, Pipeline};
use stingwatch_scenario::fleet::{build_fleet, write_fleet, FleetTruth};

fn analyse(dir: &Path, sensor: &str) -> (Finished, stingwatch_gps::Track) {
    let path = dir.join(format!("{sensor}.qmdl"));
    let mut p = Pipeline::new(path.display().to_string(), None);
    for item in CaptureReader::open(&path).unwrap() {
        match item {
            ReadItem::Message(m) => {
                p.push(&m);
            }
            ReadItem::Measurement(m) => {
                p.push_measurement(&m);
            }
            ReadItem::Damage(d) => panic!("{sensor}: {d}"),
        }
    }
    let mut done = p.finish();
    let gps = std::fs::read(dir.join(format!("{sensor}-gps.ndjson"))).unwrap();
    let track = stingwatch_gps::Track::read(gps.as_slice()).unwrap();
    stingwatch_report::locate_cells(&mut done.cells, &mut done.radio_cells, &track);
    (done, track)
}

fn convert(done: &Finished, track: Option<&stingwatch_gps::Track>) -> UploadBatch {
    let opts = ConvertOptions {
        track,
        now_ms: 1,
        ..Default::default()
    };
    let b = batch_from_analysis(
        BatchId("b-1".into()),
        &done.findings,
        &done.cells,
        &done.radio_cells,
        &opts,
    );
    b.validate().unwrap();
    b
}

fn scenario() -> (tempfile::TempDir, FleetTruth) {
    let dir = tempfile::tempdir().unwrap();
    let fleet = build_fleet("fleet-catcher").unwrap();
    write_fleet(&fleet, dir.path()).unwrap();
    (dir, fleet.truth)
}

#[test]
fn signal_timing_advance_and_position_of_each_cell_are_uploaded() {
    let (dir, truth) = scenario();
    let catcher = truth.catcher.as_ref().unwrap();
    let mut checked_ta = 0;
    for s in &truth.sensors {
        let (done, track) = analyse(dir.path(), &s.name);
        let batch = convert(&done, Some(&track));
        for c in &done.cells {
            let mine: Vec<_> = batch
                .observations
                .iter()
                .filter(|o| o.cell.is_some_and(|k| k.cell == u64::from(c.cell_id)))
                .collect();
            assert!(
                !mine.is_empty(),
                "{}: cell {} not uploaded",
                s.name,
                c.cell_id
            );
            // The latest measurement, at its own time, where the sensor was then.
            let sig = c.signal.as_ref().expect("every camped cell is measured");
            let measured = mine
                .iter()
                .find(|o| o.rsrp_dbm.is_some())
                .expect("signal uploaded");
            assert_eq!(measured.rsrp_dbm, Some(sig.rsrp_dbm_last.db()));
            assert_eq!(measured.rsrq_db, sig.rsrq_db_last.map(|q| q.db()));
            let at = sig.last_time.unwrap();
            assert_eq!(measured.time_ms, at.unix_micros() / 1000);
            let here = c.position.unwrap();
            let p = measured.position.unwrap();
            assert_eq!((p.latitude, p.longitude), (here.latitude, here.longitude));
            assert_eq!(measured.position_age_ms, Some(here.age_ms));
            assert!(here.age_ms <= 1000);
            // The timing advance, where the sensor was when it was given.
            match &c.timing_advance {
                Some(ta) => {
                    let o = mine
                        .iter()
                        .find(|o| o.timing_advance.is_some())
                        .expect("timing advance uploaded");
                    assert_eq!(o.timing_advance, Some(u32::from(ta.value)));
                    assert_eq!(o.timing_advance.map(|v| v as u16), s.timing_advance);
                    assert!(o.serving && o.connections == 1);
                    let fix = track.locate(ta.time.unwrap()).unwrap();
                    let p = o.position.unwrap();
                    assert_eq!((p.latitude, p.longitude), (fix.latitude, fix.longitude));
                    checked_ta += 1;
                }
                None => assert!(mine.iter().all(|o| o.timing_advance.is_none())),
            }
        }
        // Cells only measured travel as channel and PCI without an identity: the catcher,
        // for every sensor it did not attack and that heard it.
        for r in &done.radio_cells {
            let o = batch
                .observations
                .iter()
                .find(|o| o.cell.is_none() && o.channel == r.earfcn && o.pci == r.pci)
                .unwrap_or_else(|| panic!("{}: radio cell {:?} not uploaded", s.name, r.pci));
            let sig = r.signal.as_ref().unwrap();
            assert_eq!(o.rsrp_dbm, Some(sig.rsrp_dbm_last.db()));
            assert!(!o.serving);
            assert!(o.position.is_some());
        }
        if !s.connects {
            let heard = batch
                .observations
                .iter()
                .any(|o| o.cell.is_none() && o.pci == Some(catcher.pci));
            let measured = done.radio_cells.iter().any(|r| r.pci == Some(catcher.pci));
            assert_eq!(heard, measured, "{}", s.name);
        }
    }
    let connecting = truth.sensors.iter().filter(|s| s.connects).count();
    assert_eq!(checked_ta, connecting);
}

#[test]
fn without_a_track_positions_come_from_the_analysis_aged_to_each_sighting() {
    let (dir, truth) = scenario();
    let s = truth.sensors.iter().find(|s| s.connects).unwrap();
    let (done, _) = analyse(dir.path(), &s.name);
    let batch = convert(&done, None);
    let c = done
        .cells
        .iter()
        .find(|c| c.timing_advance.is_some())
        .unwrap();
    let here = c.position.unwrap();
    let ta = c.timing_advance.as_ref().unwrap();
    let o = batch
        .observations
        .iter()
        .find(|o| o.timing_advance.is_some())
        .unwrap();
    // The one fix the analysis located is used, with the age from the timing advance's time:
    // the server leaves out a sighting whose fix is too old to place it.
    let age = here.fix_time.0.abs_diff(ta.time.unwrap().0) / 1000;
    assert_eq!(o.position_age_ms, Some(age));
    assert!(age > 30_000, "the walk between the two moments: {age} ms");
}
