//! The fleet page in headless Chromium: a sensor uploads an attack recording with evidence
//! and a position track; the page, opened with the admin token, draws the finding on the
//! map with the coverage hexagons, the estimated transmitter circle and the timeline, and its
//! downloads are the project's HTML report and an annotated pcapng tshark reads. A
//! screenshot is kept in `test-artifacts/fleet-page/`.

mod fleet_support;
mod report_support;

use std::process::Command;

use fleet_support::*;
use report_support::{artifacts, browser_dir, chromium, have_browser};

#[test]
fn fleet_page_shows_findings_coverage_estimates_and_downloads_evidence() {
    if let Err(skip) = have_browser() {
        eprintln!("{skip}");
        return;
    }
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let db = pg.database_url("page");
    let token = add_sensor(&db, "van", true);
    let s = Server::start(&db);
    let dir = scratch("fleet-page");
    let qmdl = dir.join("imsi-catcher.qmdl");
    assert!(Command::new(bin())
        .args(["scenario", "imsi-catcher", "-o"])
        .arg(&qmdl)
        .status()
        .unwrap()
        .success());
    // A Rayhunter-style upload gives the findings evidence and, from the GPS file, places.
    let bytes = std::fs::read(&qmdl).unwrap();
    let report = Command::new(bin())
        .args(["analyze", "--format", "json"])
        .arg(&qmdl)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    // Capture times are microseconds since the epoch in the JSON report.
    let t0 = report["findings"][0]["time"].as_i64().unwrap() / 1_000_000;
    let gps: String = (-30..30)
        .map(|i| {
            format!(
                "{{\"unix_ts\":{},\"lat\":{},\"lon\":13.40}}\n",
                t0 + i * 10,
                52.52 + i as f64 * 0.0003
            )
        })
        .collect();
    let auth = basic("van", &token);
    assert_eq!(
        call(
            "PUT",
            &format!("{}/webdav/1.qmdl", s.url),
            Some(&auth),
            Some(&bytes)
        )
        .0,
        201
    );
    assert_eq!(
        call(
            "PUT",
            &format!("{}/webdav/1-gps.ndjson", s.url),
            Some(&auth),
            Some(gps.as_bytes())
        )
        .0,
        201
    );
    // A second sensor nearby records the same attack: the fleet corroborates it and places
    // the transmitter from both.
    let bus = add_sensor(&db, "bus", true);
    let bus_gps: String = (-30..30)
        .map(|i| {
            format!(
                "{{\"unix_ts\":{},\"lat\":{},\"lon\":13.41}}\n",
                t0 + i * 10,
                52.52 - i as f64 * 0.0002
            )
        })
        .collect();
    let auth_bus = basic("bus", &bus);
    for (name, body) in [("2.qmdl", &bytes[..]), ("2-gps.ndjson", bus_gps.as_bytes())] {
        let (st, text) = call(
            "PUT",
            &format!("{}/webdav/{name}", s.url),
            Some(&auth_bus),
            Some(body),
        );
        assert_eq!(st, 201, "{name}: {text}");
    }
    // Routine sightings around the place, for the coverage hexagons.
    let (st, body) = call(
        "POST",
        &format!("{}/api/v1/batches", s.url),
        Some(&bearer(&token)),
        Some(batch_json("van-1", 40, now_ms()).as_bytes()),
    );
    assert_eq!(st, 200, "{body}");

    let out_dir = artifacts("fleet-page");
    let (shot, html, pcap) = (
        out_dir.join("fleet-page.png"),
        out_dir.join("evidence.html"),
        out_dir.join("evidence.pcapng"),
    );
    let out = Command::new("node")
        .arg(browser_dir().join("fleet_page.mjs"))
        .arg(&s.url)
        .arg(ADMIN_TOKEN)
        .arg(&shot)
        .arg(&html)
        .arg(&pcap)
        .env("CHROMIUM", chromium())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "fleet_page.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(seen["loaded"], "1", "{seen}");
    assert_eq!(seen["errors"], serde_json::json!([]), "script errors");
    assert_eq!(
        seen["foreign"],
        serde_json::json!([]),
        "page fetched from elsewhere"
    );
    let cards: Vec<String> = seen["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        cards
            .iter()
            .any(|c| c.starts_with("high") && c.contains("van") && c.contains("52.5")),
        "{cards:?}"
    );
    assert!(seen["hexes"].as_u64().unwrap() >= 5, "{seen}");
    assert!(seen["markers"].as_u64().unwrap() >= 1, "{seen}");
    assert!(seen["ticks"].as_u64().unwrap() >= 1, "{seen}");
    let est = &seen["estimates"][0];
    assert!(est["radius_m"].as_f64().unwrap() >= 500.0, "{seen}");
    assert!(
        (est["lat"].as_f64().unwrap() - 52.52).abs() < 0.05,
        "{seen}"
    );
    assert!(
        est["r_px"].as_f64().unwrap() > 3.0,
        "circle drawn to scale: {seen}"
    );
    // The fleet's own finding: two sensors reported the same cell; its area drawn solid.
    let fleet_cards: Vec<String> = seen["fleetCards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        fleet_cards
            .iter()
            .any(|c| c.contains("fleet-corroborated") && c.contains("2 sensor")),
        "{seen}"
    );
    let fleet_est = &seen["fleetEstimates"][0];
    assert!(
        (fleet_est["lat"].as_f64().unwrap() - 52.52).abs() < 0.05
            && (fleet_est["lon"].as_f64().unwrap() - 13.405).abs() < 0.05,
        "{seen}"
    );
    assert!(fleet_est["r_px"].as_f64().unwrap() > 3.0, "{seen}");
    assert!(seen["reportName"].as_str().unwrap().ends_with(".html"));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<html") && page.contains(report["findings"][0]["title"].as_str().unwrap())
    );
    if stingwatch_testsupport::have_tool("tshark") {
        let o = Command::new("tshark")
            .arg("-r")
            .arg(&pcap)
            .args(["-Y", "frame.comment"])
            .output()
            .unwrap();
        assert!(
            o.status.success() && !o.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(
        std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 1000,
        "no screenshot"
    );
    s.kill();
}
