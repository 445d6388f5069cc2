//! Where the sensor is: fixes posted by a phone or the page (`POST /api/gps`, Rayhunter's
//! route and body), or streamed by gpsd (`--gpsd HOST:PORT`), kept as the latest fix and
//! appended to the recording's track (`NNNNNN-gps.ndjson` beside `NNNNNN.qmdl`, Rayhunter's
//! naming and line format), which `analyze` reads back.

use crate::live::{lock, Shared};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use stingwatch_gps::{parse_gpsd_line, Fix, RayhunterRecord, GPSD_WATCH, MAX_LINE_LEN};
use stingwatch_model::CaptureTime;

/// Wait between two connection attempts to gpsd.
const GPSD_RETRY: Duration = Duration::from_secs(5);
/// Longest silence from gpsd before the connection is dropped and made again (gpsd reports
/// at least once a second while a receiver is attached).
const GPSD_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The latest fix and the track file of the recording in progress.
#[derive(Debug, Default)]
pub struct GpsState {
    /// Last fix received, from any source.
    pub latest: Option<Fix>,
    /// Track of the recording in progress, when one is recorded.
    pub track: Option<PathBuf>,
    /// Fixes received since start.
    pub fixes: u64,
    /// Last problem writing the track.
    pub error: Option<String>,
}

/// The track file of a segment: `DIR/000012-gps.ndjson` for `DIR/000012.qmdl`.
pub fn track_path(segment: &Path) -> Option<PathBuf> {
    let stem = segment.file_stem()?.to_str()?;
    Some(segment.with_file_name(format!("{stem}-gps.ndjson")))
}

/// The current time as a capture time (the clock fixes are stamped with: UTC, like the
/// modem's timestamps).
pub fn now() -> CaptureTime {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    CaptureTime(micros)
}

/// Takes a fix: the latest one, and a line of the recording's track.
pub fn record_fix(shared: &Shared, fix: Fix) {
    let mut g = lock(&shared.gps);
    g.latest = Some(fix);
    g.fixes = g.fixes.saturating_add(1);
    let Some(path) = g.track.clone() else {
        return;
    };
    let line = match serde_json::to_string(&RayhunterRecord::of(&fix)) {
        Ok(l) => l,
        Err(e) => {
            g.error = Some(e.to_string());
            return;
        }
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
    g.error = written.err().map(|e| format!("{}: {e}", path.display()));
}

/// Reads fixes from gpsd at `addr` until the process ends, reconnecting after failures.
pub fn gpsd_thread(addr: String, shared: Arc<Shared>) {
    loop {
        match gpsd_session(&addr, &mut |fix| record_fix(&shared, fix)) {
            Ok(()) => eprintln!("stingwatch watch: gpsd {addr} closed the connection"),
            Err(e) => eprintln!("stingwatch watch: gpsd {addr}: {e}"),
        }
        std::thread::sleep(GPSD_RETRY);
    }
}

/// One connection to gpsd: asks for JSON reports and hands every fix to `take` until the
/// daemon closes the connection or falls silent.
fn gpsd_session(addr: &str, take: &mut dyn FnMut(Fix)) -> std::io::Result<()> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(GPSD_READ_TIMEOUT))?;
    stream.write_all(GPSD_WATCH.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Bounded: a line longer than the limit is read in pieces and each piece dropped.
        let n = (&mut reader)
            .take(MAX_LINE_LEN as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        if line.last() != Some(&b'\n') {
            // Longer than any gpsd report: skip to the end of it.
            let mut rest = Vec::new();
            while !rest.ends_with(b"\n") {
                rest.clear();
                if (&mut reader)
                    .take(MAX_LINE_LEN as u64)
                    .read_until(b'\n', &mut rest)?
                    == 0
                {
                    return Ok(());
                }
            }
            continue;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            continue;
        };
        match parse_gpsd_line(text.trim()) {
            Ok(Some(fix)) => take(fix),
            Ok(None) => {}
            Err(e) => eprintln!("stingwatch watch: gpsd {addr}: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An NMEA log of a receiver standing still for five seconds: RMC and GGA each second.
    fn nmea_log() -> String {
        let mut out = String::new();
        for i in 0..5 {
            for content in [
                format!("GPRMC,1200{i:02}.00,A,5230.978,N,01322.662,E,0.0,0.0,010126,,"),
                format!("GPGGA,1200{i:02}.00,5230.978,N,01322.662,E,1,08,0.9,34.0,M,0.0,M,,"),
            ] {
                let sum = content.bytes().fold(0u8, |a, b| a ^ b);
                out.push_str(&format!("${content}*{sum:02X}\r\n"));
            }
        }
        out
    }

    /// A real gpsd (Debian's, run by `gpsfake` from gpsd-clients) replays an NMEA log; the
    /// fixes read over its JSON protocol are the ones the log's own RMC sentences give.
    #[test]
    fn fixes_from_a_real_gpsd() {
        let gpsfake = Path::new("/usr/bin/gpsfake");
        if !gpsfake.exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "gpsfake (apt-get install gpsd gpsd-clients) is required in CI"
            );
            eprintln!("skipped: gpsfake not installed (apt-get install gpsd gpsd-clients)");
            return;
        }
        let dir = std::env::temp_dir().join(format!("stingwatch-gpsd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("still.nmea");
        std::fs::write(&log, nmea_log()).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let mut child = std::process::Command::new(gpsfake)
            // Without -1, gpsfake replays the log in a loop: a session that connects late (a
            // loaded machine) still sees every sentence on the next pass.
            .args(["-c", "0.2", "-P", &port.to_string()])
            .arg(&log)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // gpsfake takes a moment to start gpsd.
            while std::time::Instant::now() < deadline {
                let _ = gpsd_session(&addr, &mut |f| {
                    let _ = tx.send(f);
                });
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let mut fixes = Vec::new();
        while fixes.len() < 3 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(f) => fixes.push(f),
                Err(_) => break,
            }
        }
        // gpsfake leaves the gpsd it started running when it is killed: find that gpsd by the
        // control socket named after gpsfake's process id, and stop both.
        let socket = format!("gpsfake-{}.sock", child.id());
        let _ = child.kill();
        let _ = child.wait();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&socket) {
                let _ = std::process::Command::new("kill")
                    .arg(entry.file_name())
                    .status();
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let ours = stingwatch_gps::Track::read(nmea_log().as_bytes()).unwrap();
        assert!(fixes.len() >= 3, "{} fixes from gpsd", fixes.len());
        for f in &fixes {
            let same = ours
                .fixes()
                .iter()
                .find(|o| o.time == f.time)
                .unwrap_or_else(|| panic!("gpsd fix at {} not in the log", f.time));
            assert!((same.latitude - f.latitude).abs() < 1e-6);
            assert!((same.longitude - f.longitude).abs() < 1e-6);
        }
        // Reports after a GGA (fix quality, HDOP) carry gpsd's error estimate.
        assert!(fixes.iter().any(|f| f.accuracy_m.is_some_and(|a| a > 0.0)));
    }

    #[test]
    fn track_sits_beside_its_segment() {
        assert_eq!(
            track_path(Path::new("/data/recordings/000012.qmdl")),
            Some(PathBuf::from("/data/recordings/000012-gps.ndjson"))
        );
    }
}
