//! `stingwatch watch --device` on a serial DIAG port, end to end against a pseudo-terminal
//! whose far end plays the modem (docs/watch.md, "Serial DIAG ports").
//!
//! The modem decodes what the watch writes, answers the two log-configuration requests as a
//! Qualcomm modem does, then streams a real recording's frames from ../shared/captures. Two
//! broken modems (one silent, one answering noise) must make the watch stop with an error that
//! says so, not hang.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use serde_json::Value;
use stingwatch_diag::hdlc;

const TOKEN: &str = "serial-test-token-0123";
/// LTE log-mask size the modem reports, as a real modem does.
const LTE_MASK_BITS: u32 = 513;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stingwatch")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sw-serial-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The far end of a new pseudo-terminal and the path of its near end. The far end is not
/// inherited by the watch, so that closing it here hangs up the line.
fn pty() -> (std::fs::File, PathBuf) {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    (
        std::fs::File::from(master),
        PathBuf::from(name.to_str().unwrap()),
    )
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    hdlc::encode_frame(payload, &mut f);
    f
}

/// The request frames the watch wrote, decoded, in order.
#[derive(Clone, Default)]
struct Requests(Arc<Mutex<Vec<Vec<u8>>>>);

impl Requests {
    fn get(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap().clone()
    }
}

/// How the simulated modem behaves.
#[derive(Clone, Copy, PartialEq)]
enum Modem {
    /// Answers both requests, then streams the recording.
    Answering,
    /// Never answers.
    Silent,
    /// Answers the first request with noise from an AT port.
    Noise,
}

/// Runs the modem on `far` until `stop`; returns the requests it has seen so far. An answering
/// modem hangs up (closes its end, as when the phone is unplugged) when `hangup` says so.
fn spawn_modem(
    mut far: std::fs::File,
    kind: Modem,
    recording: Vec<u8>,
    stop: Arc<AtomicBool>,
    hangup: mpsc::Receiver<()>,
) -> Requests {
    let requests = Requests::default();
    let seen = requests.clone();
    std::thread::spawn(move || {
        let mut pending = Vec::new();
        let mut buf = [0u8; 4096];
        while !stop.load(Ordering::SeqCst) {
            let n = match far.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            while let Some(end) = pending.iter().position(|&b| b == hdlc::FLAG) {
                let raw: Vec<u8> = pending.drain(..=end).collect();
                let mut payload = Vec::new();
                if hdlc::decode_frame(&raw[..raw.len() - 1], &mut payload).is_err() {
                    payload = raw; // kept as written, so the test sees it
                }
                seen.0.lock().unwrap().push(payload.clone());
                let answer = match (kind, payload.get(..8)) {
                    (Modem::Silent, _) => continue,
                    (Modem::Noise, _) => b"\r\nERROR\r\n".repeat(4096),
                    (Modem::Answering, Some([0x73, 0, 0, 0, 1, 0, 0, 0])) => {
                        let mut p = vec![0x73, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
                        for eq in 0..16u32 {
                            let bits = if eq == 0x0B { LTE_MASK_BITS } else { 0 };
                            p.extend_from_slice(&bits.to_le_bytes());
                        }
                        frame(&p)
                    }
                    (Modem::Answering, Some([0x73, 0, 0, 0, 3, 0, 0, 0])) => {
                        let mut a = frame(&[0x73, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0x0B, 0, 0, 0]);
                        // Then the log flows, in pieces of whatever size the line gives.
                        a.extend_from_slice(&recording);
                        a
                    }
                    (Modem::Answering, _) => continue,
                };
                for piece in answer.chunks(1000) {
                    if far.write_all(piece).is_err() {
                        return;
                    }
                }
                if kind == Modem::Answering && payload.get(..5) == Some(&[0x73, 0, 0, 0, 3]) {
                    let _ = hangup.recv();
                    return;
                }
            }
        }
    });
    requests
}

struct Watch {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watch {
    fn start(device: &Path, data: &Path) -> Watch {
        let mut child = Command::new(bin())
            .arg("watch")
            .arg("--device")
            .arg(device)
            .arg("--data-dir")
            .arg(data)
            .args(["--listen", "127.0.0.1:0", "--token", TOKEN])
            .args(["--min-free-percent", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Watch { child, stderr }
    }

    fn addr(&self) -> SocketAddr {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let err = self.stderr.lock().unwrap().clone();
            let found = err.lines().find_map(|l| {
                l.strip_prefix("stingwatch watch: listening on http://")
                    .map(|a| a.trim_end_matches('/').to_string())
            });
            if let Some(a) = found {
                return a.parse().unwrap();
            }
            assert!(Instant::now() < deadline, "watch did not start: {err}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to end; its exit status and stderr.
    fn wait_exit(&mut self, limit: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                return (st.code(), self.stderr.lock().unwrap().clone());
            }
            assert!(
                Instant::now() < deadline,
                "watch still running after {limit:?}: it hangs on a broken modem"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn get_json(addr: SocketAddr, path: &str) -> Value {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(raw.starts_with(b"HTTP/1.1 200"), "GET {path}");
    serde_json::from_slice(&raw[split + 4..]).unwrap()
}

/// What a modem must have been sent: the mask-size request, then the LTE mask, nothing else.
fn expected_requests() -> Vec<Vec<u8>> {
    use stingwatch_watch::device::{
        retrieve_id_ranges_request, set_mask_request, EQUIPMENT_LTE, LTE_LOG_CODES,
    };
    vec![
        retrieve_id_ranges_request(),
        set_mask_request(EQUIPMENT_LTE, LTE_MASK_BITS, &LTE_LOG_CODES),
    ]
}

#[test]
fn serial_modem_streaming_a_real_recording_is_watched() {
    let Some(shared) = stingwatch_testsupport::shared_dir() else {
        return;
    };
    let input = shared.join("captures/rayhunter-traces/1749222138-goodsim.qmdl");
    let recording = std::fs::read(&input).unwrap();
    let dir = tmp("answering");
    let analyzed = Command::new(bin())
        .args(["analyze", "--format", "json"])
        .arg(&input)
        .output()
        .unwrap();
    let expected: Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    let messages = expected["inputs"][0]["messages"].as_u64().unwrap();
    assert!(!expected["findings"].as_array().unwrap().is_empty());

    let (far, near) = pty();
    let stop = Arc::new(AtomicBool::new(false));
    let (hangup, hangup_rx) = mpsc::channel();
    let requests = spawn_modem(
        far,
        Modem::Answering,
        recording.clone(),
        Arc::clone(&stop),
        hangup_rx,
    );
    let w = Watch::start(&near, &dir.join("data"));
    let addr = w.addr();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let s = get_json(addr, "/api/status");
        if s["messages"].as_u64() == Some(messages) && s["findings"].as_u64() > Some(0) {
            break s;
        }
        assert!(Instant::now() < deadline, "status {s}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status["source"], format!("device {}", near.display()));
    assert_eq!(status["source_ended"], false);

    // Only the two requests were written, byte for byte the /dev/diag path's.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(requests.get(), expected_requests());

    // The phone is unplugged: the watch says the source ended and finishes the analysis.
    hangup.send(()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let s = get_json(addr, "/api/status");
        if s["source_ended"] == true {
            break s;
        }
        assert!(Instant::now() < deadline, "status {s}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status["source_end_reason"]
            .as_str()
            .unwrap()
            .starts_with("serial line"),
        "{status}"
    );
    std::thread::sleep(Duration::from_millis(500));

    // The stored segment is exactly what the modem streamed; its analysis is what the page
    // shows.
    let recs = get_json(addr, "/api/recordings");
    let file = recs[0]["file"].as_str().unwrap().to_string();
    let data = dir.join("data");
    assert_eq!(std::fs::read(data.join(&file)).unwrap(), recording);
    let out = Command::new(bin())
        .current_dir(&data)
        .args(["analyze", "--format", "json", &file])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let live = get_json(addr, "/api/findings");
    let from_file = report["findings"].as_array().unwrap();
    assert_eq!(
        from_file.len(),
        expected["findings"].as_array().unwrap().len()
    );
    for f in from_file {
        assert!(
            live.as_array().unwrap().contains(f),
            "analyze finding missing from /api/findings: {}",
            f["kind"]
        );
    }
    stop.store(true, Ordering::SeqCst);
    drop(w);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `watch` on a pseudo-terminal whose far end behaves as `modem`, waits for it to end,
/// and checks that it failed with a message containing every one of `expected`, after
/// writing nothing but the first request.
fn watch_fails_against(name: &str, modem: Modem, expected: &[&str]) {
    let dir = tmp(name);
    let (far, near) = pty();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = spawn_modem(far, modem, Vec::new(), Arc::clone(&stop), mpsc::channel().1);
    let mut w = Watch::start(&near, &dir.join("data"));
    let (code, stderr) = w.wait_exit(Duration::from_secs(30));
    assert_ne!(code, Some(0), "{stderr}");
    for text in expected {
        assert!(stderr.contains(text), "{stderr}");
    }
    // Nothing but the first request was written.
    assert_eq!(requests.get(), expected_requests()[..1]);
    stop.store(true, Ordering::SeqCst);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn silent_serial_modem_is_a_clear_error_not_a_hang() {
    watch_fails_against(
        "silent",
        Modem::Silent,
        &["DIAG log configuration", "did not answer within 5 s"],
    );
}

#[test]
fn serial_port_answering_noise_is_a_clear_error() {
    watch_fails_against("noise", Modem::Noise, &["not DIAG frames"]);
}
