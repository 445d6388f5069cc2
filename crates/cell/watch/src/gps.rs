//! Where the sensor is: fixes posted by a phone or the page (`POST /api/gps`, Rayhunter's
//! route and body), or streamed by gpsd (`--gpsd HOST:PORT`), kept as the latest fix and
//! appended to the recording's track (`NNNNNN-gps.ndjson` beside `NNNNNN.qmdl`, Rayhunter's
//! naming and line format), which `analyze` reads back.

use crate::live::{lock, Shared};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stingwatch_gps::{parse_gpsd_line, Fix, RayhunterRecord, GPSD_WATCH, MAX_LINE_LEN};
use stingwatch_model::CaptureTime;

/// Wait between two connection attempts to gpsd.
const GPSD_RETRY: Duration = Duration::from_secs(5);
/// Longest silence from gpsd before the connection is dropped and made again (gpsd reports
/// at least once a second while a receiver is attached).
const GPSD_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Most fixes an unrecorded stream keeps in memory (40 bytes each, about 330 KB). At one fix a
/// second thinning starts after two hours, and the spacing stays under the minute a fix may be
/// from the sighting it places ([`stingwatch_gps::MAX_FIX_AGE_MS`]) for three days.
pub const MAX_STREAM_FIXES: usize = 8192;

/// The fixes of a stream that is not recorded (recording paused, or storage full), so its
/// upload can still say where the sensor was. Memory is bounded for a stream of any length:
/// when [`MAX_STREAM_FIXES`] are held, every other one is dropped and from then on only every
/// second fix is taken (then every fourth, …), so the fixes keep covering the whole stream
/// evenly at a coarser spacing instead of losing its start or its end.
#[derive(Debug, Default)]
pub struct StreamFixes {
    fixes: Vec<Fix>,
    /// Take one fix out of this many.
    stride: u64,
    /// Fixes offered since the last one taken.
    skipped: u64,
}

impl StreamFixes {
    /// Offers a fix; it is kept or skipped by the current spacing.
    pub fn push(&mut self, fix: Fix) {
        let stride = self.stride.max(1);
        if self.skipped + 1 < stride {
            self.skipped += 1;
            return;
        }
        self.skipped = 0;
        if self.fixes.len() >= MAX_STREAM_FIXES {
            let mut i = 0usize;
            self.fixes.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride = stride.saturating_mul(2);
        }
        self.fixes.push(fix);
    }

    /// The fixes as a track (in time order), or `None` when there are none.
    pub fn track(&self) -> Option<stingwatch_gps::Track> {
        (!self.fixes.is_empty())
            .then(|| stingwatch_gps::Track::from_fixes(self.fixes.iter().copied()))
    }
}

/// The latest fix and where the stream in progress keeps its fixes.
#[derive(Debug, Default)]
pub struct GpsState {
    /// Last fix received, from any source.
    pub latest: Option<Fix>,
    /// Track of the recording in progress, when one is recorded.
    pub track: Option<PathBuf>,
    /// Fixes of the stream in progress when it is not recorded.
    pub unrecorded: Option<Arc<Mutex<StreamFixes>>>,
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
    if let Some(fixes) = &g.unrecorded {
        lock(fixes).push(fix);
    }
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

    fn fix_at(second: i64) -> Fix {
        Fix {
            time: CaptureTime(second * 1_000_000),
            latitude: 10.0,
            longitude: 20.0,
            accuracy_m: None,
        }
    }

    #[test]
    fn a_long_unrecorded_stream_keeps_bounded_fixes_over_its_whole_length() {
        let mut f = StreamFixes::default();
        assert!(f.track().is_none());
        // Two days at one fix a second.
        let n = 2 * 86_400;
        for s in 0..n {
            f.push(fix_at(s));
        }
        let track = f.track().unwrap();
        let fixes = track.fixes();
        assert!(fixes.len() <= MAX_STREAM_FIXES, "{}", fixes.len());
        assert!(fixes.len() > MAX_STREAM_FIXES / 2, "{}", fixes.len());
        let first = fixes.first().unwrap().time.unix_micros() / 1_000_000;
        let last = fixes.last().unwrap().time.unix_micros() / 1_000_000;
        assert_eq!(first, 0, "the start of the stream is kept");
        // The end is covered to within the current spacing.
        let gap = fixes
            .windows(2)
            .map(|w| (w[1].time.unix_micros() - w[0].time.unix_micros()) / 1_000_000)
            .max()
            .unwrap();
        assert!(n - 1 - last <= gap, "last fix at {last}, spacing {gap}");
        // Evenly: every gap is the same power of two, under the one-minute limit on the age of
        // a fix that places a sighting.
        assert!(gap.count_ones() == 1 && gap < 60, "{gap}");
        assert!(fixes
            .windows(2)
            .all(|w| (w[1].time.unix_micros() - w[0].time.unix_micros()) / 1_000_000 == gap));
    }

    #[test]
    fn a_short_unrecorded_stream_keeps_every_fix() {
        let mut f = StreamFixes::default();
        for s in 0..100 {
            f.push(fix_at(s));
        }
        assert_eq!(f.track().unwrap().fixes().len(), 100);
    }

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
