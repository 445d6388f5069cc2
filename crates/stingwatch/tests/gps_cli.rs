//! `analyze` with GPS: the track beside a recording is found by name, `--gps` takes an NMEA
//! log instead, and damaged track lines are reported with their line numbers while the rest
//! still place the cells.

mod report_support;

use report_support::{scratch, stingwatch};
use std::path::Path;

fn json_report(input: &Path, extra: &[&str], out: &Path) -> serde_json::Value {
    let mut args: Vec<&std::ffi::OsStr> = vec!["analyze".as_ref(), input.as_os_str()];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    args.extend([
        "--format".as_ref(),
        "json".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    let o = stingwatch(&args);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

/// `$--RMC` with its checksum, for a Unix time in seconds and a position.
fn rmc(unix_s: i64, lat: f64, lon: f64) -> String {
    let sod = unix_s.rem_euclid(86_400);
    let (h, m, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    let deg_min = |v: f64, width: usize| {
        let d = v.abs().trunc();
        format!(
            "{:0width$}{:07.4}",
            d as i64,
            (v.abs() - d) * 60.0,
            width = width
        )
    };
    // The scenarios run on 2026-01-01.
    let content = format!(
        "GPRMC,{h:02}{m:02}{s:02}.00,A,{},{},{},{},0.0,0.0,010126,,",
        deg_min(lat, 2),
        if lat >= 0.0 { "N" } else { "S" },
        deg_min(lon, 3),
        if lon >= 0.0 { "E" } else { "W" }
    );
    let sum = content.bytes().fold(0u8, |a, b| a ^ b);
    format!("${content}*{sum:02X}")
}

#[test]
fn tracks_beside_and_named_place_the_cells() {
    let dir = scratch("gps-cli");
    let o = stingwatch(&[
        "scenario".as_ref(),
        "fleet-catcher".as_ref(),
        "--out".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let input = dir.join("sensor-02.qmdl");
    let beside = json_report(&input, &[], &dir.join("beside.json"));
    let cells = beside["cells"].as_array().unwrap();
    assert!(!cells.is_empty());
    let lat0 = cells[0]["position"]["latitude"].as_f64().unwrap();
    let lon0 = cells[0]["position"]["longitude"].as_f64().unwrap();

    // The same track as NMEA, with one damaged sentence and one stray line, given by name.
    let track = std::fs::read_to_string(dir.join("sensor-02-gps.ndjson")).unwrap();
    let mut nmea = String::new();
    for (i, line) in track.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = v["time_ms"].as_i64().unwrap() / 1000;
        let mut sentence = rmc(s, v["lat"].as_f64().unwrap(), v["lon"].as_f64().unwrap());
        if i == 3 {
            sentence = sentence.replace(",A,", ",A,9");
        }
        nmea.push_str(&sentence);
        nmea.push_str("\r\n");
        if i == 5 {
            nmea.push_str("hello\r\n");
        }
    }
    let nmea_path = dir.join("track.nmea");
    std::fs::write(&nmea_path, nmea).unwrap();
    let named = json_report(
        &input,
        &["--gps", nmea_path.to_str().unwrap()],
        &dir.join("named.json"),
    );
    let gps = &named["gps"][0];
    assert_eq!(gps["path"], nmea_path.display().to_string());
    let errors: Vec<&str> = gps["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("line 4: NMEA checksum mismatch"),
        "{errors:?}"
    );
    assert!(errors[1].starts_with("line 7: neither"), "{errors:?}");
    let c = &named["cells"][0]["position"];
    // NMEA keeps 1/10000 of a minute: about 0.2 m.
    assert!((c["latitude"].as_f64().unwrap() - lat0).abs() < 1e-5);
    assert!((c["longitude"].as_f64().unwrap() - lon0).abs() < 1e-5);
}
