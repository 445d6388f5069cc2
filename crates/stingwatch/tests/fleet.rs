//! The fleet server end to end: the real `stingwatch serve` on a real PostgreSQL, real
//! sensors made with `stingwatch fleet add-sensor`, uploads with `stingwatch upload`, and
//! psql as the independent reader of what was stored.

mod fleet_support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use fleet_support::*;
use stingwatch_testsupport::Rng;

fn count(pg: &TempPostgres, db: &str, table: &str) -> u64 {
    pg.psql_in(db, &format!("SELECT count(*) FROM {table}"))
        .parse()
        .unwrap()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn hostile_requests_get_the_right_status_and_store_nothing() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let db = pg.database_url("hostile");
    let a = add_sensor(&db, "alpha", false);
    let b = add_sensor(&db, "beta", false);
    let gone = add_sensor(&db, "gone", false);
    let o = Command::new(bin())
        .args(["fleet", "revoke", "gone", "--db", &db])
        .output()
        .unwrap();
    assert!(o.status.success());
    let list = Command::new(bin())
        .args(["fleet", "list", "--db", &db])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("gone\trevoked") && list.contains("alpha\tactive"),
        "{list}"
    );
    let s = Server::start(&db);
    let batches = format!("{}/api/v1/batches", s.url);
    let good = batch_json("alpha-1", 3, now_ms());

    // Authentication.
    assert_eq!(call("POST", &batches, None, Some(good.as_bytes())).0, 401);
    assert_eq!(
        call(
            "POST",
            &batches,
            Some(&bearer("nope")),
            Some(good.as_bytes())
        )
        .0,
        401
    );
    assert_eq!(
        call(
            "POST",
            &batches,
            Some(&bearer(&gone)),
            Some(good.as_bytes())
        )
        .0,
        403
    );
    assert_eq!(
        call(
            "POST",
            &batches,
            Some(&bearer(ADMIN_TOKEN)),
            Some(good.as_bytes())
        )
        .0,
        403
    );
    // Size, syntax, values: each a clear JSON error.
    let big = stingwatch_fleet_model::MAX_BATCH_BYTES + 1;
    assert_eq!(
        post_declaring(&s.url, "/api/v1/batches", &bearer(&a), big),
        413
    );
    // Too large for the limit only once read (no length declared up front): still 413.
    let padded = format!(
        "{}{}",
        good,
        " ".repeat(stingwatch_fleet_model::MAX_BATCH_BYTES)
    );
    let chunked = agent()
        .post(&batches)
        .header("Authorization", &bearer(&a))
        .send(ureq::SendBody::from_reader(&mut padded.as_bytes()));
    if let Ok(mut r) = chunked {
        assert_eq!(
            r.status().as_u16(),
            413,
            "{:?}",
            r.body_mut().read_to_string()
        );
    }
    let (st, body) = call(
        "POST",
        &batches,
        Some(&bearer(&a)),
        Some(b"{\"protocol\":1,"),
    );
    assert_eq!(st, 400);
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("not a valid batch"));
    let bad_lat = good.replace("\"latitude\":52.52", "\"latitude\":91.0");
    assert_ne!(bad_lat, good);
    let (st, body) = call(
        "POST",
        &batches,
        Some(&bearer(&a)),
        Some(bad_lat.as_bytes()),
    );
    assert_eq!(st, 422, "{body}");
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("observations.position"));
    let traversal_id = good.replace("\"alpha-1\"", "\"../../etc\"");
    assert_eq!(
        call(
            "POST",
            &batches,
            Some(&bearer(&a)),
            Some(traversal_id.as_bytes())
        )
        .0,
        422
    );
    for t in ["batches", "observations", "findings", "evidence"] {
        assert_eq!(
            count(&pg, "hostile", t),
            0,
            "{t} stored from a refused request"
        );
    }

    // A good batch from beta, then reads across sensors.
    let (st, body) = call(
        "POST",
        &batches,
        Some(&bearer(&b)),
        Some(batch_json("beta-1", 3, now_ms()).as_bytes()),
    );
    assert_eq!(st, 200, "{body}");
    let findings = format!("{}/api/v1/findings", s.url);
    assert_eq!(call("GET", &findings, None, None).0, 401);
    assert_eq!(
        call(
            "GET",
            &format!("{findings}?sensor=beta"),
            Some(&bearer(&a)),
            None
        )
        .0,
        403
    );
    let (st, mine) = call("GET", &findings, Some(&bearer(&a)), None);
    assert_eq!(st, 200);
    assert_eq!(
        json(&mine)["findings"].as_array().unwrap().len(),
        0,
        "alpha sees beta's finding"
    );
    let (_, all) = call("GET", &findings, Some(&bearer(ADMIN_TOKEN)), None);
    assert_eq!(json(&all)["findings"].as_array().unwrap().len(), 1);
    let (_, theirs) = call("GET", &findings, Some(&bearer(&b)), None);
    assert_eq!(json(&theirs)["findings"][0]["sensor"], "beta");
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/v1/admin/sensors", s.url),
            Some(&bearer(&a)),
            None
        )
        .0,
        403
    );
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/v1/cells", s.url),
            Some(&bearer(&gone)),
            None
        )
        .0,
        403
    );
    let (st, added) = call(
        "POST",
        &format!("{}/api/v1/admin/sensors", s.url),
        Some(&bearer(ADMIN_TOKEN)),
        Some(br#"{"name":"gamma"}"#),
    );
    assert_eq!(st, 201);
    assert_eq!(json(&added)["token"].as_str().unwrap().len(), 64);
    assert_eq!(
        call(
            "POST",
            &format!("{}/api/v1/admin/sensors", s.url),
            Some(&bearer(ADMIN_TOKEN)),
            Some(br#"{"name":"../x"}"#)
        )
        .0,
        422
    );

    // WebDAV: names, authentication, damaged and oversized gzip.
    let dav = |name: &str| format!("{}/webdav/{name}", s.url);
    let gz_of = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let small = gz_of(b"not a recording");
    assert_eq!(call("PUT", &dav("1.qmdl.gz"), None, Some(&small)).0, 401);
    assert_eq!(
        call(
            "PUT",
            &dav("1.qmdl.gz"),
            Some(&basic("alpha", "wrong")),
            Some(&small)
        )
        .0,
        401
    );
    assert_eq!(
        call(
            "PUT",
            &dav("1.qmdl.gz"),
            Some(&basic("beta", &a)),
            Some(&small)
        )
        .0,
        403
    );
    assert_eq!(
        call(
            "PUT",
            &dav("1.qmdl.gz"),
            Some(&basic("gone", &gone)),
            Some(&small)
        )
        .0,
        403
    );
    for name in [
        "%2e%2e%2fetc%2fpasswd.qmdl",
        "..%2F1.qmdl.gz",
        "sub/1.qmdl.gz",
        "1.exe",
        ".hidden.qmdl",
        "a%00b.qmdl",
    ] {
        let (st, body) = call("PUT", &dav(name), Some(&basic("alpha", &a)), Some(&small));
        assert!(st == 400 || st == 404, "{name}: {st} {body}");
    }
    let (st, body) = call(
        "PUT",
        &dav("2.qmdl.gz"),
        Some(&basic("alpha", &a)),
        Some(b"\x1f\x8b\x08garbage"),
    );
    assert_eq!(st, 400, "{body}");
    assert!(json(&body)["error"].as_str().unwrap().contains("gzip"));
    assert_eq!(
        call(
            "PUT",
            &dav("3.qmdl.gz"),
            Some(&basic("alpha", &a)),
            Some(&small)
        )
        .0,
        400
    );
    // 129 MiB of zeros in about 130 KB: refused once the bound is passed.
    let bomb = gz_of(&vec![0u8; 129 * 1024 * 1024]);
    assert!(bomb.len() < 1024 * 1024);
    let (st, body) = call(
        "PUT",
        &dav("4.qmdl.gz"),
        Some(&basic("alpha", &a)),
        Some(&bomb),
    );
    assert_eq!(st, 413, "{body}");
    assert_eq!(
        call(
            "PUT",
            &dav("5-gps.ndjson"),
            Some(&basic("alpha", &a)),
            Some(b"garbage\n")
        )
        .0,
        400
    );
    for t in ["rayhunter_uploads", "evidence"] {
        assert_eq!(
            count(&pg, "hostile", t),
            0,
            "{t} stored from a refused request"
        );
    }
    assert_eq!(count(&pg, "hostile", "batches"), 1);
    s.kill();
}

/// A recording with a finding: the attack scenario, as a real Rayhunter trace may well have
/// none.
fn attack_qmdl(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("imsi-catcher.qmdl");
    let o = Command::new(bin())
        .args(["scenario", "imsi-catcher", "-o"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    p
}

/// Capture times (ms) of the findings `stingwatch analyze` reports for `path`.
fn finding_times(path: &std::path::Path) -> Vec<i64> {
    let o = Command::new(bin())
        .args(["analyze", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    let v = json(&String::from_utf8_lossy(&o.stdout));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        // Capture times are microseconds since the epoch in the JSON report.
        .filter_map(|f| f["time"].as_i64())
        .map(|micros| micros / 1000)
        .collect()
}

#[test]
fn rayhunter_webdav_uploads_are_analysed_and_their_findings_placed_from_the_gps_file() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let db = pg.database_url("rayhunter");
    let token = add_sensor(&db, "orbic", true);
    // The recordings are older than the default retention; their cells must be kept.
    let s = Server::start_with(&db, &["--retention-days", "3650"]);
    let dir = scratch("fleet-rayhunter");
    let auth = basic("orbic", &token);
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };

    // A real Rayhunter recording is taken as it comes.
    let real = stingwatch_testsupport::shared_captures("rayhunter-traces", "qmdl");
    if let Some(first) = real.first() {
        let bytes = std::fs::read(first).unwrap();
        let (st, body) = call(
            "PUT",
            &format!("{}/webdav/1720080123.qmdl.gz", s.url),
            Some(&auth),
            Some(&gz(&bytes)),
        );
        assert_eq!(st, 201, "{}: {body}", first.display());
        let real_findings = finding_times(first).len() as u64;
        assert_eq!(
            pg.psql_in(
                "rayhunter",
                "SELECT count(*) FROM findings WHERE recording = '1720080123'"
            )
            .parse::<u64>()
            .unwrap(),
            real_findings,
            "the server's analysis differs from `stingwatch analyze`"
        );
    }

    // The attack scenario: GPS first for one recording, last for another.
    let qmdl = attack_qmdl(&dir);
    let times = finding_times(&qmdl);
    assert!(!times.is_empty(), "the attack scenario has findings");
    let gps: String = times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "{{\"unix_ts\":{},\"lat\":{},\"lon\":11.5}}\n",
                t / 1000,
                48.1 + i as f64 * 0.001
            )
        })
        .collect();
    let bytes = std::fs::read(&qmdl).unwrap();
    let put = |name: &str, body: &[u8]| {
        call(
            "PUT",
            &format!("{}/webdav/{name}", s.url),
            Some(&auth),
            Some(body),
        )
    };
    assert_eq!(put("1800000000.qmdl.gz", &gz(&bytes)).0, 201);
    assert_eq!(
        put("1800000000.ndjson", b"{\"analysis\":\"rayhunter's own\"}\n").0,
        201
    );
    assert_eq!(put("1800000000-gps.ndjson", gps.as_bytes()).0, 201);
    assert_eq!(put("1800000001-gps.ndjson", gps.as_bytes()).0, 201);
    assert_eq!(put("1800000001.qmdl", &bytes).0, 201);
    // Rayhunter retries the whole entry when one file failed: nothing changes.
    assert_eq!(put("1800000000.qmdl.gz", &gz(&bytes)).0, 204);

    // The cells the server's analysis saw are stored as a sensor's observations are, placed
    // from the GPS file the same way whether it came before or after the recording.
    let observed = |recording: &str| {
        pg.psql_in(
            "rayhunter",
            &format!(
                "SELECT count(*) || ' ' || count(hex) || ' ' || coalesce(string_agg(\
                 concat_ws(':', (EXTRACT(EPOCH FROM time) * 1000)::BIGINT, cell, pci, hex), ',' \
                 ORDER BY time, cell, pci, hex), '') FROM observations \
                 WHERE recording = '{recording}'"
            ),
        )
    };
    let gps_last = observed("1800000000");
    let gps_first = observed("1800000001");
    let mut parts = gps_last.split(' ');
    let rows: u64 = parts.next().unwrap().parse().unwrap();
    let placed: u64 = parts.next().unwrap().parse().unwrap();
    println!("rayhunter recording: {rows} cell observations stored, {placed} placed");
    assert!(rows > 0 && placed > 0, "{gps_last}");
    assert_eq!(gps_last, gps_first);
    if !real.is_empty() {
        // Without a GPS file the cells are stored unplaced (the exposure rate still counts).
        let unplaced = observed("1720080123");
        println!(
            "real rayhunter recording without GPS: {} cell observations",
            unplaced.split(' ').next().unwrap_or_default()
        );
        assert!(!unplaced.starts_with("0 "), "{unplaced}");
        assert!(unplaced.split(' ').nth(1) == Some("0"), "{unplaced}");
    }

    let (st, body) = call(
        "GET",
        &format!("{}/api/v1/findings", s.url),
        Some(&bearer(&token)),
        None,
    );
    assert_eq!(st, 200);
    let v = json(&body);
    let found: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["recording"].as_str().is_some_and(|r| r.starts_with("18")))
        .collect();
    assert_eq!(found.len(), 2 * times.len(), "{body}");
    for f in &found {
        let p = &f["position"];
        assert_eq!(p["exact"], true, "{f}");
        let lat = p["lat"].as_f64().unwrap();
        assert!(
            (48.1..48.1 + times.len() as f64 * 0.001).contains(&lat),
            "{f}"
        );
        assert!(f["evidence_id"].is_i64());
    }
    // The stored recording renders as the project's HTML report and annotated pcapng.
    let ev = found[0]["evidence_id"].as_i64().unwrap();
    let (st, html) = call(
        "GET",
        &format!("{}/api/v1/evidence/{ev}/report.html", s.url),
        Some(&bearer(&token)),
        None,
    );
    assert_eq!(st, 200);
    assert!(html.contains("<html") && html.contains(found[0]["title"].as_str().unwrap()));
    let other = add_sensor(&db, "other", false);
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/v1/evidence/{ev}/report.html", s.url),
            Some(&bearer(&other)),
            None
        )
        .0,
        403
    );
    let pcap = agent()
        .get(&format!("{}/api/v1/evidence/{ev}/annotated.pcapng", s.url))
        .header("Authorization", &bearer(&token))
        .call()
        .unwrap()
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    assert_eq!(
        &pcap[..4],
        &[0x0a, 0x0d, 0x0d, 0x0a],
        "pcapng section header"
    );
    if stingwatch_testsupport::have_tool("tshark") {
        let f = dir.join("evidence.pcapng");
        std::fs::write(&f, &pcap).unwrap();
        let o = Command::new("tshark")
            .arg("-r")
            .arg(&f)
            .args(["-Y", "frame.comment"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!o.stdout.is_empty(), "no annotated packet");
    }
    let cells = json(
        &call(
            "GET",
            &format!("{}/api/v1/cells", s.url),
            Some(&bearer(ADMIN_TOKEN)),
            None,
        )
        .1,
    );
    let with_estimate = cells["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["estimate"]["radius_m"].is_f64())
        .count();
    assert!(with_estimate > 0, "{cells}");
    s.kill();
}

/// Writes `n` batches of `obs` observations into a fresh outbox, as the sensor would.
fn fill_outbox(dir: &std::path::Path, n: usize, obs: usize) -> std::path::PathBuf {
    let ob = dir.join("outbox");
    std::fs::create_dir_all(ob.join("pending")).unwrap();
    let t = now_ms();
    for i in 0..n {
        let id = format!("s-{i:06}-x");
        std::fs::write(
            ob.join("pending").join(format!("{id}.json")),
            batch_json(&id, obs, t),
        )
        .unwrap();
    }
    ob
}

fn pending(ob: &std::path::Path) -> usize {
    std::fs::read_dir(ob.join("pending")).unwrap().count()
}

fn upload(url: &str, ob: &std::path::Path, token: &std::path::Path) -> std::process::Child {
    Command::new(bin())
        .arg("upload")
        .arg(url)
        .arg(ob)
        .arg("--token-file")
        .arg(token)
        .args(["--max-failures", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn assert_each_stored_once(pg: &TempPostgres, db: &str, n: usize, obs: usize) {
    assert_eq!(count(pg, db, "batches"), n as u64);
    assert_eq!(count(pg, db, "observations"), (n * obs) as u64);
    assert_eq!(count(pg, db, "findings"), n as u64);
    assert_eq!(
        pg.psql_in(
            db,
            "SELECT count(*) FROM batches WHERE observations <> 0 AND findings = 1"
        ),
        n.to_string()
    );
}

#[test]
fn every_batch_is_stored_exactly_once_when_the_server_is_killed_20_times() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let db = pg.database_url("killserver");
    let token = add_sensor(&db, "s", false);
    let dir = scratch("fleet-kill-server");
    let tf = token_file(&dir, "s", &token);
    let (n, obs) = (300, 400);
    let ob = fill_outbox(&dir, n, obs);
    let mut rng = Rng(0x5eed_0001);
    let mut kills = 0;
    while kills < 20 {
        let s = Server::start(&db);
        let mut up = upload(&s.url, &ob, &tf);
        std::thread::sleep(Duration::from_millis(30 + rng.below(250) as u64));
        s.kill();
        kills += 1;
        let _ = up.wait();
        if pending(&ob) == 0 {
            break;
        }
    }
    assert!(
        kills >= 5,
        "uploads finished before the server was killed often enough"
    );
    let s = Server::start(&db);
    let st = upload(&s.url, &ob, &tf).wait().unwrap();
    assert!(st.success());
    assert_eq!(pending(&ob), 0);
    assert_each_stored_once(&pg, "killserver", n, obs);
    eprintln!("server killed {kills} times mid-upload; {n} batches stored once each");
}

#[test]
fn every_batch_is_stored_exactly_once_when_the_uploader_is_killed_20_times() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let db = pg.database_url("killclient");
    let token = add_sensor(&db, "s", false);
    let dir = scratch("fleet-kill-client");
    let tf = token_file(&dir, "s", &token);
    let (n, obs) = (300, 400);
    let ob = fill_outbox(&dir, n, obs);
    let s = Server::start(&db);
    let mut rng = Rng(0x5eed_0002);
    let mut kills = 0;
    for _ in 0..20 {
        let mut up = upload(&s.url, &ob, &tf);
        std::thread::sleep(Duration::from_millis(30 + rng.below(250) as u64));
        let _ = up.kill();
        let _ = up.wait();
        kills += 1;
        if pending(&ob) == 0 {
            break;
        }
    }
    assert!(
        kills >= 5,
        "uploads finished before the uploader was killed often enough"
    );
    let st = upload(&s.url, &ob, &tf).wait().unwrap();
    assert!(st.success());
    assert_eq!(pending(&ob), 0);
    assert_each_stored_once(&pg, "killclient", n, obs);
    s.kill();
}

#[test]
fn upload_of_a_recording_twice_stores_it_once_and_watch_uploads_its_findings() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let db = pg.database_url("upload");
    let token = add_sensor(&db, "car", false);
    let s = Server::start(&db);
    let dir = scratch("fleet-upload");
    let tf = token_file(&dir, "car", &token);
    let qmdl = attack_qmdl(&dir);
    for _ in 0..2 {
        let o = Command::new(bin())
            .arg("upload")
            .arg(&s.url)
            .arg(&qmdl)
            .arg("--token-file")
            .arg(&tf)
            .arg("--evidence")
            .arg("--outbox")
            .arg(dir.join("outbox"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let times = finding_times(&qmdl);
    assert_eq!(count(&pg, "upload", "batches"), 1);
    assert_eq!(count(&pg, "upload", "findings"), times.len() as u64);
    assert!(
        count(&pg, "upload", "evidence") > 0,
        "--evidence sent no segment"
    );
    // The sensor's own identities never reach the server: the scenario's IMSI is in the
    // recording, not in anything stored.
    let dump = pg.psql_in(
        "upload",
        "SELECT string_agg(title || explanation, ' ') FROM findings",
    );
    assert!(
        !dump
            .chars()
            .collect::<Vec<_>>()
            .windows(15)
            .any(|w| w.iter().all(|c| c.is_ascii_digit())),
        "{dump}"
    );

    // watch --replay --upload: the finished recording goes through the outbox.
    let watch_token = add_sensor(&db, "hotspot", false);
    let wtf = token_file(&dir, "hotspot", &watch_token);
    let o = Command::new(bin())
        .args(["watch", "--replay"])
        .arg(&qmdl)
        .args([
            "--speed",
            "0",
            "--exit-when-done",
            "--listen",
            "127.0.0.1:0",
            "--min-free-percent",
            "0",
        ])
        .arg("--data-dir")
        .arg(dir.join("watch"))
        .args(["--upload", &s.url, "--upload-token-file"])
        .arg(&wtf)
        .args(["--sensor-name", "hotspot"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The uploader runs beside the watch; the batch is in the outbox or already sent.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n: u64 = pg
            .psql_in("upload", "SELECT count(*) FROM findings f JOIN sensors s ON s.id = f.sensor_id WHERE s.name = 'hotspot'")
            .parse()
            .unwrap();
        if n > 0 {
            break;
        }
        if std::time::Instant::now() > deadline {
            // The watch exited before its uploader sent: the outbox still has the batch, and
            // `stingwatch upload` sends it.
            let ob = dir.join("watch").join("fleet-outbox");
            assert!(
                pending(&ob) > 0,
                "watch neither uploaded nor queued its findings"
            );
            let st = upload(&s.url, &ob, &wtf).wait().unwrap();
            assert!(st.success());
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let n: u64 = pg
        .psql_in("upload", "SELECT count(*) FROM findings f JOIN sensors s ON s.id = f.sensor_id WHERE s.name = 'hotspot'")
        .parse()
        .unwrap();
    assert_eq!(n, times.len() as u64);
    s.kill();
}
