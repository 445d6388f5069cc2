//! GPS tracks of a sensor, and the position nearest in time to an observation.
//!
//! Two formats are read, line by line, each line detected on its own:
//!
//! - Rayhunter's `NAME-gps.ndjson`: one JSON object per line,
//!   `{"latest_packet_timestamp": 1749222140, "system_time": 1749222141, "lat": 52.5, "lon": 13.4}`
//!   (Unix seconds; the packet timestamp is the modem's clock, the one captures are stamped
//!   with, and is preferred; `null` before the first packet). Stingwatch writes the same
//!   lines, with milliseconds (`time_ms`) and accuracy (`accuracy_m`) added. Older files
//!   name the system time `unix_ts`, and the names of Rayhunter's GPS API (`latitude`,
//!   `longitude`) are read too: this is the one reader of these files, for the sensor and the
//!   fleet server alike.
//! - NMEA 0183 from a GPS receiver: `$--RMC` (time, date, validity, position) and `$--GGA`
//!   (time, fix quality, position; its date is the last RMC's), any talker, checksum required.
//!
//! Every line is at most [`MAX_LINE_LEN`] bytes and a track at most [`MAX_FIXES`] fixes; a
//! line that cannot be used becomes a [`LineDiagnostic`] with its number and reason, and the
//! lines around it are still read.

#![forbid(unsafe_code)]

mod gpsd;
mod nmea;

use serde::{Deserialize, Serialize};
use std::io::BufRead;
use stingwatch_model::CaptureTime;

pub use gpsd::{parse_gpsd_line, parse_iso8601, GPSD_WATCH};
pub use nmea::{parse_sentence, NmeaError, NmeaFix, NmeaTime};

/// Longest line read; longer lines are reported and skipped (a JSON fix is under 200 bytes,
/// an NMEA sentence at most 82).
pub const MAX_LINE_LEN: usize = 4096;
/// Most fixes kept from one track (a fix a second for eleven days).
pub const MAX_FIXES: usize = 1_000_000;
/// Most line diagnostics kept; later ones are counted in [`Track::diagnostics_omitted`].
pub const MAX_DIAGNOSTICS: usize = 100;
/// Oldest fix (before or after the observation) still taken as where the sensor was: a
/// minute is about 80 m on foot and 1 km by car, the scale at which a fleet compares sensors.
/// The one limit for a sensor's own recordings; a caller with sparser fixes passes its own
/// to [`Track::locate_within`] and says why.
pub const MAX_FIX_AGE_MS: u64 = 60_000;

/// One position of the sensor at one time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fix {
    /// When, as capture time (Unix microseconds, UTC).
    pub time: CaptureTime,
    /// Degrees north, -90 to 90.
    pub latitude: f64,
    /// Degrees east, -180 to 180.
    pub longitude: f64,
    /// Horizontal accuracy in metres, when the source gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

impl Fix {
    /// Whether the coordinates are finite and on Earth, and the accuracy (if any) is not
    /// negative.
    pub fn is_valid(&self) -> bool {
        self.latitude.is_finite()
            && self.longitude.is_finite()
            && (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude)
            && self.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0)
    }
}

/// Where the sensor was at an observation: the fix nearest in time, and how far in time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Located {
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// Horizontal accuracy of the fix in metres, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    /// Time of the fix.
    pub fix_time: CaptureTime,
    /// Milliseconds between the fix and the observation (absolute).
    pub age_ms: u64,
}

/// A line of a track that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineDiagnostic {
    /// 1-based line number.
    pub line: u64,
    /// Why, in words.
    pub reason: String,
}

impl std::fmt::Display for LineDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Why a track could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// Reading the input failed.
    #[error("reading GPS track: {0}")]
    Io(#[from] std::io::Error),
}

/// A sensor's fixes in time order, with what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Track {
    fixes: Vec<Fix>,
    /// Lines that could not be used (at most [`MAX_DIAGNOSTICS`]).
    pub diagnostics: Vec<LineDiagnostic>,
    /// Further unusable lines not listed.
    pub diagnostics_omitted: u64,
    /// Fixes beyond [`MAX_FIXES`] that were left out.
    pub fixes_omitted: u64,
}

/// A Rayhunter GPS line (and Stingwatch's, which adds two optional fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RayhunterRecord {
    /// Modem clock of the latest packet when the fix arrived, Unix seconds.
    #[serde(default)]
    pub latest_packet_timestamp: Option<i64>,
    /// System clock when the fix arrived, Unix seconds.
    #[serde(default, alias = "unix_ts")]
    pub system_time: Option<i64>,
    /// Degrees north.
    #[serde(alias = "latitude")]
    pub lat: f64,
    /// Degrees east.
    #[serde(alias = "longitude")]
    pub lon: f64,
    /// Time of the fix in Unix milliseconds (Stingwatch's addition: seconds are coarse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<i64>,
    /// Horizontal accuracy in metres (Stingwatch's addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

impl RayhunterRecord {
    /// The line written for a fix (the packet timestamp is the fix's own time: Stingwatch
    /// stamps fixes on the capture clock).
    pub fn of(fix: &Fix) -> Self {
        let ms = fix.time.unix_micros().div_euclid(1000);
        RayhunterRecord {
            latest_packet_timestamp: Some(ms.div_euclid(1000)),
            system_time: Some(ms.div_euclid(1000)),
            lat: fix.latitude,
            lon: fix.longitude,
            time_ms: Some(ms),
            accuracy_m: fix.accuracy_m,
        }
    }

    fn fix(&self) -> Option<Fix> {
        let micros = match (self.time_ms, self.latest_packet_timestamp, self.system_time) {
            (Some(ms), _, _) => ms.checked_mul(1000)?,
            (None, Some(s), _) | (None, None, Some(s)) => s.checked_mul(1_000_000)?,
            (None, None, None) => return None,
        };
        Some(Fix {
            time: CaptureTime(micros),
            latitude: self.lat,
            longitude: self.lon,
            accuracy_m: self.accuracy_m,
        })
    }
}

/// One JSON line of a track as a fix (the timestamp is required and the position valid).
pub fn parse_json_line(line: &str) -> Result<Fix, String> {
    let rec: RayhunterRecord =
        serde_json::from_str(line).map_err(|e| format!("not a GPS record: {e}"))?;
    let fix = rec
        .fix()
        .ok_or_else(|| "GPS record without a usable timestamp".to_string())?;
    if !fix.is_valid() {
        return Err(format!(
            "position out of range: latitude {}, longitude {}",
            fix.latitude, fix.longitude
        ));
    }
    Ok(fix)
}

impl Track {
    /// A track from fixes in any order (invalid ones are left out and counted as
    /// diagnostics-free omissions by the caller's choice: see [`Track::push`]).
    pub fn from_fixes(fixes: impl IntoIterator<Item = Fix>) -> Self {
        let mut t = Track::default();
        for f in fixes {
            t.push(f);
        }
        t.finish();
        t
    }

    /// Adds a fix (kept unsorted until [`Track::finish`]); over [`MAX_FIXES`] it is counted,
    /// not kept.
    pub fn push(&mut self, fix: Fix) {
        if self.fixes.len() >= MAX_FIXES {
            self.fixes_omitted += 1;
        } else {
            self.fixes.push(fix);
        }
    }

    /// Sorts the fixes by time (stable: equal times keep their order).
    pub fn finish(&mut self) {
        self.fixes.sort_by_key(|f| f.time);
    }

    fn note(&mut self, line: u64, reason: String) {
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(LineDiagnostic { line, reason });
        } else {
            self.diagnostics_omitted += 1;
        }
    }

    /// Reads a track of Rayhunter JSON lines and/or NMEA sentences.
    pub fn read(input: impl BufRead) -> Result<Self, TrackError> {
        let mut track = Track::default();
        let mut reader = LineReader::new(input);
        let mut nmea = nmea::NmeaState::default();
        let mut number = 0u64;
        while let Some(line) = reader.next_line()? {
            number += 1;
            let text = match line {
                Line::TooLong(len) => {
                    track.note(
                        number,
                        format!("line of {len} bytes or more, longer than {MAX_LINE_LEN}"),
                    );
                    continue;
                }
                Line::Text(bytes) => bytes,
            };
            let Ok(text) = std::str::from_utf8(&text) else {
                track.note(number, "not UTF-8 text".into());
                continue;
            };
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let result = if text.starts_with('{') {
                parse_json_line(text).map(Some)
            } else if text.starts_with('$') || text.starts_with('!') {
                nmea.feed(text).map_err(|e| e.to_string())
            } else {
                Err("neither a JSON GPS record nor an NMEA sentence".into())
            };
            match result {
                Ok(Some(fix)) => track.push(fix),
                Ok(None) => {}
                Err(reason) => track.note(number, reason),
            }
        }
        track.finish();
        Ok(track)
    }

    /// The fixes, in time order.
    pub fn fixes(&self) -> &[Fix] {
        &self.fixes
    }

    /// Whether the track has no fix.
    pub fn is_empty(&self) -> bool {
        self.fixes.is_empty()
    }

    /// The fix nearest in time to `time`, unless it is more than `max_age_ms` away.
    pub fn locate_within(&self, time: CaptureTime, max_age_ms: u64) -> Option<Located> {
        let i = self.fixes.partition_point(|f| f.time < time);
        let before = i.checked_sub(1).and_then(|j| self.fixes.get(j));
        let after = self.fixes.get(i);
        let age = |f: &Fix| (f.time.0.abs_diff(time.0)) / 1000;
        let nearest = match (before, after) {
            (Some(b), Some(a)) => {
                if age(a) < age(b) {
                    a
                } else {
                    b
                }
            }
            (Some(f), None) | (None, Some(f)) => f,
            (None, None) => return None,
        };
        let age_ms = age(nearest);
        (age_ms <= max_age_ms).then_some(Located {
            latitude: nearest.latitude,
            longitude: nearest.longitude,
            accuracy_m: nearest.accuracy_m,
            fix_time: nearest.time,
            age_ms,
        })
    }

    /// The fix nearest in time to `time`, unless it is more than [`MAX_FIX_AGE_MS`] away.
    pub fn locate(&self, time: CaptureTime) -> Option<Located> {
        self.locate_within(time, MAX_FIX_AGE_MS)
    }
}

/// A line, or how long a line was that was too long to keep.
enum Line {
    Text(Vec<u8>),
    TooLong(usize),
}

/// Reads lines of at most [`MAX_LINE_LEN`] bytes without holding a longer one in memory.
struct LineReader<R> {
    input: R,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    fn new(input: R) -> Self {
        LineReader {
            input,
            buf: Vec::new(),
        }
    }

    fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        self.buf.clear();
        let mut total = 0usize;
        let mut any = false;
        loop {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (part, found) = match chunk.iter().position(|&b| b == b'\n') {
                Some(end) => (chunk.get(..end).unwrap_or(chunk), true),
                None => (chunk, false),
            };
            let used = part.len() + usize::from(found);
            total = total.saturating_add(part.len());
            if total <= MAX_LINE_LEN {
                self.buf.extend_from_slice(part);
            }
            self.input.consume(used);
            if found {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if total > MAX_LINE_LEN {
            self.buf.clear();
            return Ok(Some(Line::TooLong(total)));
        }
        Ok(Some(Line::Text(std::mem::take(&mut self.buf))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Track {
        Track::read(text.as_bytes()).unwrap()
    }

    #[test]
    fn reads_rayhunter_lines() {
        let t = read(
            "{\"latest_packet_timestamp\":null,\"system_time\":1749222100,\"lat\":52.52,\"lon\":13.405}\n\
             {\"latest_packet_timestamp\":1749222140,\"system_time\":1749222141,\"lat\":52.53,\"lon\":13.41}\n",
        );
        assert_eq!(t.fixes().len(), 2);
        assert_eq!(t.fixes()[0].time, CaptureTime(1_749_222_100_000_000));
        // The modem clock is preferred over the system clock.
        assert_eq!(t.fixes()[1].time, CaptureTime(1_749_222_140_000_000));
        assert!(t.diagnostics.is_empty());
    }

    #[test]
    fn older_and_api_field_names_are_read_too() {
        let t = read(
            "{\"unix_ts\":1700000000,\"lat\":52.5,\"lon\":13.4}\n\
             {\"system_time\":1700000060,\"latitude\":52.6,\"longitude\":13.5}\n",
        );
        assert_eq!(t.fixes().len(), 2, "{:?}", t.diagnostics);
        assert_eq!(t.fixes()[0].time, CaptureTime(1_700_000_000_000_000));
        assert_eq!(t.fixes()[1].latitude, 52.6);
        // A caller with sparse fixes widens the limit; the default refuses the same fix.
        let later = CaptureTime(1_700_000_060_000_000 + 4 * 60_000_000);
        assert!(t.locate(later).is_none());
        assert_eq!(
            t.locate_within(later, 5 * 60_000).map(|p| p.age_ms),
            Some(240_000)
        );
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_read() {
        let long = "x".repeat(MAX_LINE_LEN + 1);
        let t = read(&format!(
            "{{\"system_time\":1,\"lat\":91.0,\"lon\":0}}\n{long}\nhello\n\
             {{\"lat\":1,\"lon\":2}}\n{{\"system_time\":5,\"lat\":1,\"lon\":2}}\n"
        ));
        assert_eq!(t.fixes().len(), 1);
        let lines: Vec<u64> = t.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4]);
        assert!(t.diagnostics[1].reason.contains("longer than"));
    }

    #[test]
    fn locate_takes_the_nearest_fix_and_respects_the_age_limit() {
        let fix = |s: i64, lat: f64| Fix {
            time: CaptureTime(s * 1_000_000),
            latitude: lat,
            longitude: 0.0,
            accuracy_m: None,
        };
        let t = Track::from_fixes([fix(100, 1.0), fix(10, 0.5), fix(200, 2.0)]);
        let at = |s: i64| CaptureTime(s * 1_000_000);
        assert_eq!(
            t.locate(at(140)).map(|l| (l.latitude, l.age_ms)),
            Some((1.0, 40_000))
        );
        assert_eq!(
            t.locate(at(160)).map(|l| (l.latitude, l.age_ms)),
            Some((2.0, 40_000))
        );
        assert_eq!(t.locate(at(10)).map(|l| l.age_ms), Some(0));
        // Over a minute from every fix: no position.
        assert_eq!(t.locate(at(200 + 61)), None);
        assert_eq!(t.locate(at(-51)), None);
        assert_eq!(Track::default().locate(at(0)), None);
    }

    #[test]
    fn written_lines_read_back() {
        let fix = Fix {
            time: CaptureTime(1_764_000_000_123_000),
            latitude: -33.8688,
            longitude: 151.2093,
            accuracy_m: Some(12.5),
        };
        let line = serde_json::to_string(&RayhunterRecord::of(&fix)).unwrap();
        assert_eq!(parse_json_line(&line), Ok(fix));
    }
}
