//! Acceptance tests of `stingwatch watch` (docs/watch.md): live findings through the API and
//! a notification receiver, crash recovery under repeated SIGKILL, and the web API's guards.
//!
//! Everything runs on loopback: the watch binds port 0 and prints its address; alerts go to a
//! tiny HTTP receiver inside the test.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const TOKEN: &str = "test-token-0123456789";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stingwatch")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sw-watch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn scenario(dir: &Path, name: &str) -> PathBuf {
    scenario_as(dir, name, "qmdl")
}

/// The scenario `name` written to `dir` in the container its extension `ext` names.
fn scenario_as(dir: &Path, name: &str, ext: &str) -> PathBuf {
    let out = dir.join(format!("{name}.{ext}"));
    let st = Command::new(bin())
        .args(["scenario", name, "-o"])
        .arg(&out)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "scenario {name}");
    out
}

/// A running watch and the address it listens on.
struct Watch {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_watch(args: &[&str], data: &Path) -> Watch {
    let mut child = Command::new(bin())
        .arg("watch")
        .args(args)
        .arg("--data-dir")
        .arg(data)
        // The test machine's disk may be nearly full; the budget is tested on its own.
        .args(["--min-free-percent", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        assert!(Instant::now() < deadline, "watch did not start");
        let line = lines
            .next()
            .expect("watch exited before listening")
            .unwrap();
        if let Some(rest) = line.strip_prefix("stingwatch watch: listening on http://") {
            break rest.trim_end_matches('/').parse().unwrap();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Watch { child, addr }
}

/// A minimal HTTP/1.1 client: status and (de-chunked) body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    // The server may answer (413) before reading a large body.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut rest = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut p = 0;
        loop {
            let nl = rest[p..].windows(2).position(|w| w == b"\r\n").unwrap() + p;
            let n =
                usize::from_str_radix(String::from_utf8_lossy(&rest[p..nl]).trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            p = nl + 2 + n + 2;
        }
        rest = out;
    }
    (status, rest)
}

fn get_json(addr: SocketAddr, path: &str) -> Value {
    let (st, body) = http(addr, "GET", path, &[], b"");
    assert_eq!(st, 200, "GET {path}");
    serde_json::from_slice(&body).unwrap()
}

/// One request a receiver got: when, path, raw headers, body.
type Received = (Instant, String, String, Vec<u8>);

/// A loopback HTTP receiver that records each request's path, headers and body.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start() -> (Receiver, SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let r = Receiver::default();
        let rr = r.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let rr = rr.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(s.try_clone().unwrap());
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    let path = first.split(' ').nth(1).unwrap_or("").to_string();
                    let mut headers = String::new();
                    let mut len = 0usize;
                    loop {
                        let mut l = String::new();
                        if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                            break;
                        }
                        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                        headers.push_str(&l);
                    }
                    let mut body = vec![0u8; len];
                    let _ = reader.read_exact(&mut body);
                    rr.got
                        .lock()
                        .unwrap()
                        .push((Instant::now(), path, headers, body));
                    let _ = s.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                });
            }
        });
        (r, addr)
    }

    fn requests(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// Capture time (µs) of the first message of a recording.
fn first_time(path: &Path) -> i64 {
    let r = stingwatch_decode::CaptureReader::open(path).unwrap();
    for item in r {
        if let stingwatch_model::ReadItem::Message(m) = item {
            return m.time.unwrap().0;
        }
    }
    panic!("no message")
}

/// Waits (at most 30 s) until the watch at `addr` says its replay has ended.
fn wait_replay_ended(addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !get_json(addr, "/api/status")["source_ended"]
        .as_bool()
        .unwrap()
    {
        assert!(Instant::now() < deadline, "{what}: replay did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn finding_key(f: &Value) -> String {
    format!("{}|{}|{}", f["file"], f["kind"], f["first_packet"])
}

/// (a) A replayed attack raises its finding through the API and the notification receiver
/// within 2 s of the incriminating packet being replayed.
#[test]
fn replayed_attack_is_reported_live_within_two_seconds() {
    let dir = tmp("live");
    let input = scenario(&dir, "imsi-catcher");
    let t0 = first_time(&input);
    let (hook, hook_addr) = Receiver::start();
    let (ntfy, ntfy_addr) = Receiver::start();
    let speed = 0.25;
    let started = Instant::now();
    let w = start_watch(
        &[
            "--replay",
            input.to_str().unwrap(),
            "--speed",
            "0.25",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--webhook",
            &format!("http://{hook_addr}/hook"),
            "--ntfy",
            &format!("http://{ntfy_addr}/stingwatch"),
            "--notify-min-severity",
            "high",
        ],
        &dir.join("data"),
    );
    let kind = "identity-request-without-auth";
    let mut api_seen: Option<(Instant, Value)> = None;
    let deadline = started + Duration::from_secs(30);
    while api_seen.is_none() || hook.requests().is_empty() || ntfy.requests().is_empty() {
        assert!(Instant::now() < deadline, "finding not reported in time");
        if api_seen.is_none() {
            let list = get_json(w.addr, "/api/findings");
            if let Some(f) = list.as_array().unwrap().iter().find(|f| f["kind"] == kind) {
                api_seen = Some((Instant::now(), f.clone()));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (api_at, finding) = api_seen.unwrap();
    // When the incriminating packet was replayed (at the latest: the replay started after
    // the process did).
    let rel = (finding["time"].as_i64().unwrap() - t0) as f64 / speed;
    let replayed_at = started + Duration::from_micros(rel as u64);
    let limit = replayed_at + Duration::from_secs(2);
    assert!(api_at <= limit, "API late by {:?}", api_at - limit);
    let hooks = hook.requests();
    let (hook_at, path, _, body) = hooks
        .iter()
        .find(|r| {
            serde_json::from_slice::<Value>(&r.3)
                .map(|v| v["kind"] == kind)
                .unwrap_or(false)
        })
        .expect("webhook got the finding");
    assert!(*hook_at <= limit, "webhook late");
    assert_eq!(path, "/hook");
    let hooked: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(hooked["severity"], "high");
    // Only findings at or above the threshold are sent.
    for r in &hooks {
        let v: Value = serde_json::from_slice(&r.3).unwrap();
        assert_eq!(v["severity"], "high");
    }
    let n = ntfy.requests();
    let (ntfy_at, _, headers, text) = n.first().unwrap();
    assert!(*ntfy_at <= limit, "ntfy late");
    let h = headers.to_ascii_lowercase();
    assert!(
        h.contains("title:") && h.contains("priority: 5"),
        "{headers}"
    );
    assert!(String::from_utf8_lossy(text).contains("cell"));

    // The live finding is the same object `analyze --format json` gives for the segment.
    let recs = get_json(w.addr, "/api/recordings");
    let rec = &recs[0];
    let seg = dir.join("data").join(rec["file"].as_str().unwrap());
    // Wait for the end of the replay, so the segment is complete.
    wait_replay_ended(w.addr, "imsi-catcher");
    std::thread::sleep(Duration::from_millis(500));
    let out = Command::new(bin())
        .current_dir(dir.join("data"))
        .args(["analyze", "--format", "json", rec["file"].as_str().unwrap()])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let live = get_json(w.addr, "/api/findings");
    let from_file = report["findings"].as_array().unwrap();
    for f in from_file {
        assert!(
            live.as_array().unwrap().contains(f),
            "analyze finding missing from /api/findings: {}",
            f["kind"]
        );
    }
    assert_eq!(std::fs::read(&seg).unwrap(), std::fs::read(&input).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every frame of `stream` ends at one of these offsets.
fn frame_ends(stream: &[u8]) -> BTreeSet<usize> {
    let mut s: BTreeSet<usize> = stream
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == 0x7E)
        .map(|(i, _)| i + 1)
        .collect();
    s.insert(0);
    s
}

/// (b) SIGKILL at random moments, 20 times: every restart recovers the partial segment to its
/// last complete frame, and every finding reported before a kill is still stored.
#[test]
fn survives_repeated_sigkill() {
    let dir = tmp("crash");
    let input = scenario(&dir, "imsi-catcher");
    let stream = std::fs::read(&input).unwrap();
    let ends = frame_ends(&stream);
    let data = dir.join("data");
    let (hook, hook_addr) = Receiver::start();
    let hook_url = format!("http://{hook_addr}/hook");
    // A simple generator so the kill moments differ run to run but the test is repeatable.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id());
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut reported: BTreeSet<String> = BTreeSet::new();
    // For each run: (recording id, messages the API said were in it just before the kill).
    let mut runs: Vec<(i64, u64)> = Vec::new();
    let mut torn_injected: Vec<(i64, usize)> = Vec::new();
    // Whether the previous run was killed with its recording still open.
    let mut last_open = false;
    let kills = 20;
    for run in 0..kills {
        // Each run replays the recording again into a new segment; the runs together cover
        // kills before, during and after the findings (the replay lasts about 4 s).
        let w = start_watch(
            &[
                "--replay",
                input.to_str().unwrap(),
                "--speed",
                "0.5",
                "--listen",
                "127.0.0.1:0",
                "--token",
                TOKEN,
                "--webhook",
                &hook_url,
                "--notify-min-severity",
                "info",
            ],
            &data,
        );
        let status = get_json(w.addr, "/api/status");
        if let Some(&(prev, _)) = runs.last().filter(|_| last_open) {
            let recovered: Vec<i64> = status["recovered"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            assert!(
                recovered.contains(&prev),
                "run {run}: recording {prev} not recovered: {status}"
            );
        }
        let kill_after = Duration::from_millis(150 + next() % 3600);
        let t = Instant::now();
        let mut rec_id = None;
        let mut msgs = 0;
        while t.elapsed() < kill_after {
            let s = get_json(w.addr, "/api/status");
            if let Some(id) = s["recording_id"].as_i64() {
                rec_id = Some(id);
                msgs = s["recording_messages"].as_u64().unwrap();
            }
            last_open = s["recording"].as_bool().unwrap();
            for f in get_json(w.addr, "/api/findings").as_array().unwrap() {
                reported.insert(finding_key(f));
            }
            std::thread::sleep(Duration::from_millis(10 + next() % 40));
        }
        for r in hook.requests() {
            reported.insert(finding_key(&serde_json::from_slice(&r.3).unwrap()));
        }
        let mut w = w;
        w.child.kill().unwrap(); // SIGKILL
        w.child.wait().unwrap();
        // Messages reported before the kill; webhook deliveries in flight are counted next run.
        let id = match rec_id {
            Some(id) => id,
            None => get_last_recording(&data),
        };
        runs.push((id, msgs));
        // Every other run, also tear the last frame as a power loss mid-write would.
        if run % 2 == 1 && last_open {
            let seg = data.join(format!("recordings/{id:06}.qmdl"));
            let mut f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
            let junk = [0x10, 0x00, 0x33, 0x00, 0x33, 0x00, 0xC0, 0xB0];
            f.write_all(&junk[..1 + (next() % 7) as usize]).unwrap();
            torn_injected.push((id, std::fs::metadata(&seg).unwrap().len() as usize));
        }
    }
    // Final start: recovers the last run, then check the whole store.
    let w = start_watch(
        &[
            "--replay",
            input.to_str().unwrap(),
            "--speed",
            "0",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--paused",
        ],
        &data,
    );
    let last = runs.last().unwrap().0;
    let status = get_json(w.addr, "/api/status");
    assert!(
        !last_open
            || status["recovered"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v.as_i64() == Some(last))
    );
    for r in hook.requests() {
        reported.insert(finding_key(&serde_json::from_slice(&r.3).unwrap()));
    }
    let recs = get_json(w.addr, "/api/recordings");
    let stored: BTreeSet<String> = get_json(w.addr, "/api/findings")
        .as_array()
        .unwrap()
        .iter()
        .map(finding_key)
        .collect();
    for k in &reported {
        assert!(
            stored.contains(k),
            "finding reported before a kill is gone: {k}"
        );
    }
    for (id, msgs) in &runs {
        let rec = recs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap();
        assert!(rec["ended_unix_ms"].is_i64(), "recording {id} still open");
        let seg = std::fs::read(data.join(rec["file"].as_str().unwrap())).unwrap();
        // The segment is exactly the replayed stream up to a frame end: nothing torn kept,
        // nothing complete lost.
        assert!(
            stream.starts_with(&seg),
            "recording {id} differs from the replayed stream"
        );
        assert!(ends.contains(&seg.len()), "recording {id} ends mid-frame");
        let count = Command::new(bin())
            .args(["decode", "--format", "ndjson"])
            .arg(data.join(rec["file"].as_str().unwrap()))
            .output()
            .unwrap();
        let n = String::from_utf8_lossy(&count.stdout)
            .lines()
            .filter(|l| l.contains("\"message\"") && !l.contains("\"damage\""))
            .count() as u64;
        if !seg.is_empty() {
            assert!(
                n >= *msgs,
                "recording {id}: {n} messages kept, {msgs} were analysed before the kill"
            );
        }
        assert_eq!(rec["bytes"].as_u64().unwrap(), seg.len() as u64);
    }
    for (id, torn_len) in &torn_injected {
        let rec = recs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap();
        assert!(
            rec["torn_bytes"].as_u64().unwrap() > 0,
            "recording {id}: torn tail not cut"
        );
        assert!((rec["bytes"].as_u64().unwrap() as usize) < *torn_len);
    }
    assert!(
        !reported.is_empty(),
        "no finding was ever reported: kills too early?"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn get_last_recording(data: &Path) -> i64 {
    let mut ids: Vec<i64> = std::fs::read_dir(data.join("recordings"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.path().file_stem()?.to_str()?.parse().ok())
        .collect();
    ids.sort();
    *ids.last().expect("no recording")
}

/// (c) Token, traversal, unknown ids and oversized bodies.
#[test]
fn web_api_rejects_what_it_must() {
    let dir = tmp("guards");
    let input = scenario(&dir, "imsi-catcher");
    let w = start_watch(
        &[
            "--replay",
            input.to_str().unwrap(),
            "--speed",
            "0",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
        ],
        &dir.join("data"),
    );
    let a = w.addr;
    let auth = format!("Bearer {TOKEN}");
    for p in [
        "/api/recording/start",
        "/api/recording/stop",
        "/api/settings",
    ] {
        assert_eq!(http(a, "POST", p, &[], b"{}").0, 401, "{p} without token");
        assert_eq!(
            http(a, "POST", p, &[("Authorization", "Bearer wrong")], b"{}").0,
            401,
            "{p} with a wrong token"
        );
    }
    assert_eq!(
        http(
            a,
            "POST",
            "/api/recording/stop",
            &[("Authorization", &auth)],
            b""
        )
        .0,
        202
    );
    assert_eq!(
        http(
            a,
            "POST",
            "/api/recording/start",
            &[("X-Stingwatch-Token", TOKEN)],
            b""
        )
        .0,
        202
    );
    let (st, body) = http(
        a,
        "POST",
        "/api/settings",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        br#"{"notify_min_severity":"low"}"#,
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(get_json(a, "/api/settings")["notify_min_severity"], "low");
    let big = vec![b' '; 64 * 1024];
    assert_eq!(
        http(
            a,
            "POST",
            "/api/settings",
            &[("Authorization", &auth)],
            &big
        )
        .0,
        413
    );
    // Wait until the replay's recording exists.
    let deadline = Instant::now() + Duration::from_secs(20);
    let id = loop {
        let recs = get_json(a, "/api/recordings");
        if let Some(r) = recs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["bytes"].as_u64().unwrap_or(0) > 0)
        {
            break r["id"].as_i64().unwrap();
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(100));
    };
    for p in [
        "/api/recordings/../../etc/passwd",
        "/api/recordings/../index.sqlite/qmdl",
        "/api/recordings/..%2F..%2Fetc%2Fpasswd/qmdl",
        "/api/recordings/%2e%2e%2findex.sqlite/qmdl",
        "/api/recordings/1/..%2F..%2Findex.sqlite",
        "/../../etc/passwd",
    ] {
        let st = http(a, "GET", p, &[], b"").0;
        assert!(st == 400 || st == 404, "{p}: {st}");
    }
    assert_eq!(
        http(a, "GET", "/api/recordings/999999/qmdl", &[], b"").0,
        404
    );
    assert_eq!(http(a, "GET", "/api/recordings/abc/qmdl", &[], b"").0, 400);
    assert_eq!(
        http(a, "GET", &format!("/api/recordings/{id}/exe"), &[], b"").0,
        404
    );
    // Downloads: the segment itself, and a pcapng converted on the fly.
    let (st, q) = http(a, "GET", &format!("/api/recordings/{id}/qmdl"), &[], b"");
    assert_eq!(st, 200);
    assert!(!q.is_empty());
    let (st, p) = http(a, "GET", &format!("/api/recordings/{id}/pcapng"), &[], b"");
    assert_eq!(st, 200);
    assert_eq!(&p[..4], &[0x0A, 0x0D, 0x0D, 0x0A], "pcapng section header");
    let pcap = dir.join("dl.pcapng");
    std::fs::write(&pcap, &p).unwrap();
    if stingwatch_testsupport::have_tool("tshark") {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&pcap)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tshark: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).lines().count() > 0);
    }
    // The page is served and needs nothing from the network.
    let (st, page) = http(a, "GET", "/", &[], b"");
    assert_eq!(st, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("Stingwatch") && !page.contains("http://") && !page.contains("https://"));
    drop(w);

    // Off loopback every request needs the token.
    let w = start_watch(
        &[
            "--replay",
            input.to_str().unwrap(),
            "--speed",
            "0",
            "--listen",
            "0.0.0.0:0",
            "--token",
            TOKEN,
        ],
        &dir.join("data2"),
    );
    let a: SocketAddr = format!("127.0.0.1:{}", w.addr.port()).parse().unwrap();
    assert_eq!(http(a, "GET", "/api/status", &[], b"").0, 401);
    assert_eq!(http(a, "GET", "/api/findings", &[], b"").0, 401);
    assert_eq!(
        http(a, "GET", "/api/status", &[("Authorization", &auth)], b"").0,
        200
    );
    assert_eq!(
        http(a, "GET", &format!("/api/status?token={TOKEN}"), &[], b"").0,
        200
    );
    drop(w);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a finding says, without the name of the file it was made on.
fn finding_content(f: &Value) -> String {
    format!(
        "{} {} {} packets {}..{} x{} | {}",
        f["kind"],
        f["severity"],
        f["packet"],
        f["first_packet"],
        f["last_packet"],
        f["count"],
        f["title"]
    )
}

/// For every scenario, the findings `watch --replay` publishes for its pcapng are exactly the
/// ones `analyze` gives for the same pcapng. The replay turns the pcapng into QMDL segments;
/// values GSMTAP does not carry (the physical cell id) must stay unknown through that
/// conversion, or two cells on one frequency would look like one cell changing identity.
#[test]
fn replay_and_analyze_agree_on_every_scenario() {
    let dir = tmp("every-scenario");
    let list = Command::new(bin())
        .args(["scenario", "--list"])
        .output()
        .unwrap();
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        // Multi-sensor scenarios write a directory of recordings (`--out DIR`), not one file.
        .filter(|l| !l.contains("(--out DIR"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(names.len() >= 30, "scenario list: {names:?}");
    let mut disagreements = Vec::new();
    for name in &names {
        let input = scenario_as(&dir, name, "pcapng");
        let out = Command::new(bin())
            .args(["analyze", "--format", "json"])
            .arg(&input)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let analyzed: BTreeSet<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(finding_content)
            .collect();

        let w = start_watch(
            &[
                "--replay",
                input.to_str().unwrap(),
                "--speed",
                "0",
                "--listen",
                "127.0.0.1:0",
                "--token",
                TOKEN,
            ],
            &dir.join(name).join("data"),
        );
        wait_replay_ended(w.addr, name);
        // Findings are published once the input is idle; wait until two reads agree. The
        // deadline only binds when they disagree: on a loaded 2-core machine (the whole test
        // suite at once) 10 s was once too short for a replay to settle.
        let mut live: BTreeSet<String> = BTreeSet::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now: BTreeSet<String> = get_json(w.addr, "/api/findings")
                .as_array()
                .unwrap()
                .iter()
                .map(finding_content)
                .collect();
            if now == live && (now == analyzed || Instant::now() > deadline) {
                break;
            }
            live = now;
        }
        drop(w);
        if live != analyzed {
            disagreements.push(format!(
                "{name}:\n  analyze: {analyzed:#?}\n  replay:  {live:#?}"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}
