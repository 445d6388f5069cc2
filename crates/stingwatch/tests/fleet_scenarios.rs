//! The fleet scenarios end to end: `stingwatch scenario fleet-* --out DIR` writes each
//! sensor's recording and GPS track; each sensor uploads its recording with `stingwatch
//! upload` (analysis, track, conversion and outbox on the sensor's side); the real `stingwatch
//! serve` on a real PostgreSQL correlates what all of them sent; the fleet findings are read
//! through its API and scored against the scenario's `truth.json`.
//!
//! Run with `--nocapture` to see the localisation errors.

mod fleet_support;

use std::path::Path;
use std::process::Command;

use fleet_support::*;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn f64_of(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number {key} in {v}"))
}

/// Great-circle distance, metres (an oracle independent of the server's geometry code).
fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dl = (b.1 - a.1).to_radians();
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().min(1.0).asin()
}

/// Writes the scenario with the CLI and returns its truth.
fn scenario(name: &str, dir: &Path) -> Value {
    let o = Command::new(bin())
        .args(["scenario", name, "--out"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    json(&std::fs::read_to_string(dir.join("truth.json")).unwrap())
}

/// Every sensor of the scenario registered and uploading its own recording, as a sensor
/// owner would: `stingwatch upload URL NAME.qmdl` (its `NAME-gps.ndjson` beside it).
fn upload_every_sensor(db: &str, url: &str, dir: &Path, truth: &Value) -> Vec<(String, String)> {
    let mut tokens = Vec::new();
    for s in truth["sensors"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let token = add_sensor(db, name, false);
        let tf = token_file(dir, name, &token);
        let o = Command::new(bin())
            .arg("upload")
            .arg(url)
            .arg(dir.join(format!("{name}.qmdl")))
            .arg("--token-file")
            .arg(&tf)
            .arg("--outbox")
            .arg(dir.join(format!("outbox-{name}")))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        tokens.push((name.to_string(), token));
    }
    tokens
}

fn fleet_findings(url: &str, timing_advance: bool) -> Value {
    let (status, body) = call(
        "GET",
        &format!("{url}/api/v1/fleet/findings?timing_advance={timing_advance}"),
        Some(&bearer(ADMIN_TOKEN)),
        None,
    );
    assert_eq!(status, 200, "{body}");
    json(&body)
}

/// The scenario recordings are stamped 2026-01-01; the server keeps them for ten years.
const RETENTION: [&str; 2] = ["--retention-days", "3650"];

#[test]
fn the_fleet_flags_the_catcher_across_sensors_and_places_it() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let dir = scratch("fleet-catcher-scenario");
    let truth = scenario("fleet-catcher", &dir);
    let db = pg.database_url("catcher");
    let s = Server::start_with(&db, &RETENTION);
    let tokens = upload_every_sensor(&db, &s.url, &dir, &truth);

    // Who may read: no token 401; a sensor sees the fleet findings with only its own name
    // among the sensors behind them; a period after everything is empty.
    let path = format!("{}/api/v1/fleet/findings", s.url);
    assert_eq!(call("GET", &path, None, None).0, 401);
    let (name, token) = &tokens[0];
    let (status, body) = call("GET", &path, Some(&bearer(token)), None);
    assert_eq!(status, 200, "{body}");
    let seen = json(&body);
    assert!(!seen["findings"].as_array().unwrap().is_empty());
    for f in seen["findings"].as_array().unwrap() {
        for n in f["sensors"].as_array().unwrap() {
            assert_eq!(n.as_str(), Some(name.as_str()), "{f:#}");
        }
    }
    let (status, body) = call(
        "GET",
        &format!("{path}?since_ms={}", i64::MAX),
        Some(&bearer(ADMIN_TOKEN)),
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["findings"].as_array().map(Vec::len), Some(0));

    let catcher = &truth["catcher"];
    let at = (f64_of(catcher, "latitude"), f64_of(catcher, "longitude"));
    let cid = catcher["cell_id"].as_u64().unwrap();
    let connected = truth["sensors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["connects"].as_bool() == Some(true))
        .count();
    let mut errors = Vec::new();
    for timing_advance in [false, true] {
        let answer = fleet_findings(&s.url, timing_advance);
        let on_catcher: Vec<&Value> = answer["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["cell"]["cell"].as_u64() == Some(cid))
            .collect();
        // Flagged across sensors: every sensor the catcher attacked reported it, and the
        // fleet puts their reports together.
        let corroborated = on_catcher
            .iter()
            .find(|f| f["kind"] == "fleet-corroborated")
            .unwrap_or_else(|| panic!("catcher not corroborated: {answer:#}"));
        assert_eq!(
            corroborated["sensor_total"].as_u64(),
            Some(connected as u64),
            "{corroborated:#}"
        );
        assert_eq!(corroborated["severity"], "high", "{corroborated:#}");
        // No fleet finding on any of the operator's cells.
        for f in answer["findings"].as_array().unwrap() {
            assert_eq!(
                f["cell"]["cell"].as_u64(),
                Some(cid),
                "genuine cell flagged: {f:#}"
            );
        }
        let loc = corroborated["locations"]
            .get(0)
            .unwrap_or_else(|| panic!("catcher not placed: {corroborated:#}"));
        let error = distance_m(at, (f64_of(loc, "lat"), f64_of(loc, "lon")));
        let radius = f64_of(loc, "radius_m");
        let method = loc["method"].as_str().unwrap();
        println!(
            "fleet-catcher, {}: error {error:.0} m, stated 90% radius {radius:.0} m, method \
             {method}, {} sensors, {} timing-advance rings",
            if timing_advance {
                "RSRP + TA"
            } else {
                "RSRP only"
            },
            loc["sensors"],
            loc["rings"]
        );
        // The sensors that only measured the catcher as a neighbour count too.
        assert!(loc["sensors"].as_u64().unwrap() > connected as u64, "{loc}");
        if timing_advance {
            assert_eq!(method, "timing-advance", "{loc}");
            assert_eq!(loc["rings"].as_u64(), Some(connected as u64), "{loc}");
        } else {
            assert_ne!(method, "timing-advance", "{loc}");
        }
        assert!(
            error <= radius,
            "the catcher is {error:.0} m from the estimate, outside its {radius:.0} m radius"
        );
        errors.push((error, radius));
    }
    // Ranging narrows the area.
    assert!(errors[1].1 < errors[0].1, "{errors:?}");
    s.kill();
}

#[test]
fn the_fleet_alone_flags_a_cloned_identity_and_not_its_benign_twin() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    for (name, attack) in [
        ("fleet-cloned-cell", true),
        ("fleet-cloned-cell-benign", false),
    ] {
        let dir = scratch(name);
        let truth = scenario(name, &dir);
        let db = pg.database_url(&name.replace('-', "_"));
        let s = Server::start_with(&db, &RETENTION);
        let tokens = upload_every_sensor(&db, &s.url, &dir, &truth);
        let cell = &truth["transmitters"][0];
        let cid = cell["cell_id"].as_u64().unwrap();

        // No sensor flags anything on its own.
        let (status, body) = call(
            "GET",
            &format!("{}/api/v1/findings", s.url),
            Some(&bearer(ADMIN_TOKEN)),
            None,
        );
        assert_eq!(status, 200);
        let sensor_findings = json(&body);
        assert_eq!(
            sensor_findings["findings"].as_array().map(Vec::len),
            Some(0),
            "{name}: {sensor_findings:#}"
        );

        let answer = fleet_findings(&s.url, true);
        let cloned: Vec<&Value> = answer["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "fleet-cloned-identity")
            .collect();
        if !attack {
            assert!(cloned.is_empty(), "{name}: {answer:#}");
            s.kill();
            continue;
        }
        assert_eq!(cloned.len(), 1, "{name}: {answer:#}");
        let f = cloned[0];
        assert_eq!(f["cell"]["cell"].as_u64(), Some(cid), "{f:#}");
        assert_eq!(f["severity"], "high", "{f:#}");
        assert_eq!(f["sensor_total"].as_u64(), Some(10), "{f:#}");
        // The two places: an administrator sees both and every sensor at them.
        let places = f["places"].as_array().unwrap();
        assert_eq!(places.len(), 2, "{f:#}");
        let listed: usize = places
            .iter()
            .map(|p| p["sensors"].as_array().unwrap().len())
            .sum();
        assert_eq!(listed, 10, "{f:#}");
        // A sensor sees only the place it was at, with only its own name, and the text
        // names no sensor and no place.
        let (own, token) = &tokens[0];
        let (status, body) = call(
            "GET",
            &format!("{}/api/v1/fleet/findings", s.url),
            Some(&bearer(token)),
            None,
        );
        assert_eq!(status, 200, "{body}");
        let seen = json(&body);
        let mine = seen["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["kind"] == "fleet-cloned-identity")
            .unwrap_or_else(|| panic!("{seen:#}"));
        let my_places = mine["places"].as_array().unwrap();
        assert_eq!(my_places.len(), 1, "{mine:#}");
        assert_eq!(
            my_places[0]["sensors"],
            serde_json::json!([own]),
            "{mine:#}"
        );
        for p in places {
            let lat = format!("{:.5}", f64_of(p, "latitude"));
            assert!(
                !mine["explanation"].as_str().unwrap().contains(&lat),
                "{mine:#}"
            );
        }
        for (other, _) in &tokens[1..] {
            assert!(!body.contains(other.as_str()), "{other} in {mine:#}");
        }
        // Each of the two transmitters placed, each estimate holding one of them.
        let txs: Vec<(f64, f64)> = truth["transmitters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["cell_id"].as_u64() == Some(cid))
            .map(|t| (f64_of(t, "latitude"), f64_of(t, "longitude")))
            .collect();
        assert_eq!(txs.len(), 2);
        let locs = f["locations"].as_array().unwrap();
        assert_eq!(locs.len(), 2, "{f:#}");
        for loc in locs {
            let p = (f64_of(loc, "lat"), f64_of(loc, "lon"));
            let (error, tx) = txs
                .iter()
                .map(|t| (distance_m(*t, p), t))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap();
            let radius = f64_of(loc, "radius_m");
            println!(
                "{name}: transmitter at {:.5}, {:.5} placed {error:.0} m off, stated radius \
                 {radius:.0} m ({})",
                tx.0, tx.1, loc["method"]
            );
            assert!(error <= radius, "{error:.0} m off, radius {radius:.0} m");
        }
        s.kill();
    }
}

/// `serve --reference`: an OpenCellID export that knows the operator's cells around the
/// catcher but not the catcher adds that to the fleet finding's reasons (it is already High).
#[test]
fn a_reference_without_the_catcher_weighs_in() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let dir = scratch("fleet-catcher-reference");
    let truth = scenario("fleet-catcher", &dir);
    let mut csv = String::from(
        "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n",
    );
    let mut known = 0;
    for t in truth["transmitters"].as_array().unwrap() {
        if t["role"] != "genuine" {
            continue;
        }
        let (mcc, mnc) = t["plmn"].as_str().unwrap().split_once('-').unwrap();
        // Each genuine site, and cells of the same operator a few hundred metres around it
        // (the export lists far more cells than a scenario has).
        for k in 0..3u64 {
            csv.push_str(&format!(
                "LTE,{mcc},{mnc},{},{},0,{},{},1500,40,1,1500000000,1700000000,0\n",
                t["tac"],
                t["cell_id"].as_u64().unwrap() + k * 0x0010_0000,
                f64_of(t, "longitude") + k as f64 * 0.003,
                f64_of(t, "latitude"),
            ));
            known += 1;
        }
    }
    csv.push_str("LTE,not,a,row\n");
    let reference = dir.join("cells.csv");
    std::fs::write(&reference, csv).unwrap();
    let db = pg.database_url("reference");
    let s = Server::start_with(
        &db,
        &[
            RETENTION[0],
            RETENTION[1],
            "--reference",
            reference.to_str().unwrap(),
        ],
    );
    upload_every_sensor(&db, &s.url, &dir, &truth);
    let answer = fleet_findings(&s.url, true);
    assert_eq!(
        answer["reference_cells"].as_u64(),
        Some(known),
        "{answer:#}"
    );
    let cid = truth["catcher"]["cell_id"].as_u64().unwrap();
    let f = answer["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cell"]["cell"].as_u64() == Some(cid))
        .unwrap_or_else(|| panic!("{answer:#}"));
    let reasons = f["raised_by"].to_string();
    assert!(
        reasons.contains("reference database does not know this cell"),
        "{f:#}"
    );
    s.kill();
}
