//! Helpers of the fleet tests: a real PostgreSQL, the real `stingwatch serve` binary, sensors
//! made with `stingwatch fleet add-sensor`, and plain HTTP.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use stingwatch_testsupport::TempPostgres;

pub const ADMIN_TOKEN: &str = "admin-token-for-tests-0123456789abcdef";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stingwatch")
}

/// A running `stingwatch serve`; killed with SIGKILL on drop.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(db: &str) -> Server {
        Self::start_with(db, &[])
    }

    pub fn start_with(db: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(bin())
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("STINGWATCH_ADMIN_TOKEN", ADMIN_TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = loop {
            assert!(Instant::now() < deadline, "serve did not start");
            let line = lines.next().expect("serve exited").unwrap();
            if let Some(rest) = line.strip_prefix("stingwatch serve: listening on ") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server { child, url }
    }

    /// kill -9.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `stingwatch fleet add-sensor NAME`: the printed token.
pub fn add_sensor(db: &str, name: &str, exact: bool) -> String {
    let mut cmd = Command::new(bin());
    cmd.args(["fleet", "add-sensor", name, "--db", db]);
    if exact {
        cmd.arg("--share-exact-position");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(token.len(), 64, "token {token:?}");
    token
}

pub fn token_file(dir: &Path, name: &str, token: &str) -> PathBuf {
    let p = dir.join(format!("{name}.token"));
    std::fs::write(&p, format!("{token}\n")).unwrap();
    p
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Status and body of a request.
pub fn call(method: &str, url: &str, auth: Option<&str>, body: Option<&[u8]>) -> (u16, String) {
    let a = agent();
    let auth = auth.map(str::to_string);
    let resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.call()
        }
        ("POST", b) | ("PUT", b) => {
            let mut r = if method == "POST" {
                a.post(url)
            } else {
                a.put(url)
            };
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.send(b.unwrap_or_default())
        }
        _ => panic!("method {method}"),
    };
    let mut resp = resp.expect("request");
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    (status, text)
}

pub fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

pub fn basic(user: &str, pass: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stingwatch-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A batch as a sensor would send it: `n` observations and one finding, all stamped now.
pub fn batch_json(id: &str, n: usize, t: i64) -> String {
    let obs: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "time_ms": t - i as i64,
                "cell": {"rat": "lte", "mcc": 262, "mnc": 1, "area": 4711, "cell": 1000 + (i % 7)},
                "channel": 1300, "pci": 7, "serving": i == 0, "rsrp_dbm": -95.0,
                "position": {"latitude": 52.52 + (i % 13) as f64 * 0.002, "longitude": 13.40},
            })
        })
        .collect();
    serde_json::json!({
        "protocol": 1,
        "batch_id": id,
        "created_ms": t,
        "observations": obs,
        "findings": [{
            "id": format!("{id}-f"), "kind": "identity-request-without-auth", "severity": "high",
            "title": "IMSI requested before authentication", "time_ms": t,
            "cell": {"rat": "lte", "mcc": 262, "mnc": 1, "area": 4711, "cell": 1000},
        }],
    })
    .to_string()
}

/// Status of a POST that declares `declared` body bytes but sends only the first 64 KiB:
/// how an oversized upload meets a server that answers before reading it all.
pub fn post_declaring(url: &str, path: &str, auth: &str, declared: usize) -> u16 {
    use std::io::{Read, Write};
    let host = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(&vec![b' '; 64 * 1024]);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {line:?}"))
}
