//! Position tracks: fixes in time order, and the fix nearest to a moment.
//!
//! A sensor (or the server, for a Rayhunter upload) attaches to each sighting the fix
//! nearest in time, and leaves a sighting without position when the nearest fix is older
//! than [`MAX_FIX_AGE_MS`].

use serde::Deserialize;

use crate::Position;

/// Most fixes one track holds; a Rayhunter GPS file beyond this is read up to it.
pub const MAX_FIXES: usize = 200_000;
/// Longest line of a GPS file that is parsed; longer lines are counted as damaged.
pub const MAX_FIX_LINE: usize = 4096;
/// A fix further than this from a sighting in time is not used for it (5 minutes: a walking
/// sensor moves a few hundred metres, about one grid cell).
pub const MAX_FIX_AGE_MS: u64 = 5 * 60 * 1000;

/// A position at a moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Where.
    pub position: Position,
}

/// Fixes sorted by time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    fixes: Vec<Fix>,
    /// Lines that were not a fix (malformed, out of range, too long, past the limit).
    pub damaged_lines: u64,
}

impl Track {
    /// A track from fixes in any order; invalid positions are dropped and counted.
    pub fn new(fixes: impl IntoIterator<Item = Fix>) -> Track {
        let mut t = Track::default();
        for f in fixes {
            if t.fixes.len() < MAX_FIXES && f.position.validate("fix").is_ok() {
                t.fixes.push(f);
            } else {
                t.damaged_lines += 1;
            }
        }
        t.fixes.sort_by_key(|f| f.time_ms);
        t
    }

    /// Number of fixes.
    pub fn len(&self) -> usize {
        self.fixes.len()
    }

    /// True when there is no fix.
    pub fn is_empty(&self) -> bool {
        self.fixes.is_empty()
    }

    /// The fix nearest to `time_ms` (the earlier on a tie) and its age, when it is within
    /// [`MAX_FIX_AGE_MS`].
    pub fn nearest(&self, time_ms: i64) -> Option<(Position, u64)> {
        let i = self.fixes.partition_point(|f| f.time_ms < time_ms);
        let before = i.checked_sub(1).and_then(|j| self.fixes.get(j));
        let after = self.fixes.get(i);
        let age = |f: &Fix| f.time_ms.abs_diff(time_ms);
        let best = match (before, after) {
            (Some(b), Some(a)) => {
                if age(a) < age(b) {
                    a
                } else {
                    b
                }
            }
            (Some(b), None) => b,
            (None, Some(a)) => a,
            (None, None) => return None,
        };
        let a = age(best);
        (a <= MAX_FIX_AGE_MS).then_some((best.position, a))
    }
}

/// One line of Rayhunter's GPS file. Versions of Rayhunter name the fields differently
/// (`unix_ts`/`lat`/`lon` in its sidecar file, `timestamp`/`latitude`/`longitude` in its GPS
/// API, `system_time` in some tools); all are read.
#[derive(Deserialize)]
struct RayhunterFix {
    #[serde(alias = "unix_ts", alias = "system_time", alias = "time")]
    timestamp: serde_json::Value,
    #[serde(alias = "lat")]
    latitude: f64,
    #[serde(alias = "lon", alias = "lng")]
    longitude: f64,
    #[serde(default, alias = "accuracy")]
    accuracy_m: Option<f64>,
}

/// Unix time in seconds (integer or fractional, number or numeric string) as milliseconds.
/// Values above 10^11 are taken as milliseconds already (10^11 s is the year 5138).
fn timestamp_ms(v: &serde_json::Value) -> Option<i64> {
    let x = match v {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let ms = if x > 1e11 { x } else { x * 1000.0 };
    (ms < 1e15).then_some(ms as i64)
}

/// Parses a Rayhunter `NAME-gps.ndjson` file: one JSON object per line with a Unix time and
/// a latitude and longitude. Bad lines are counted in [`Track::damaged_lines`] and skipped.
pub fn parse_rayhunter_gps(bytes: &[u8]) -> Track {
    let mut fixes = Vec::new();
    let mut damaged = 0u64;
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if line.len() > MAX_FIX_LINE || fixes.len() >= MAX_FIXES {
            damaged += 1;
            continue;
        }
        let fix = serde_json::from_slice::<RayhunterFix>(line)
            .ok()
            .and_then(|f| {
                Some(Fix {
                    time_ms: timestamp_ms(&f.timestamp)?,
                    position: Position {
                        latitude: f.latitude,
                        longitude: f.longitude,
                        accuracy_m: f.accuracy_m,
                    },
                })
            });
        match fix {
            Some(f) => fixes.push(f),
            None => damaged += 1,
        }
    }
    let mut t = Track::new(fixes);
    t.damaged_lines += damaged;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rayhunter_lines_of_every_naming_are_read_and_bad_lines_counted() {
        let text = b"{\"unix_ts\":1700000000,\"lat\":52.5,\"lon\":13.4}\n\
            {\"timestamp\":\"1700000060\",\"latitude\":52.6,\"longitude\":13.5}\n\
            {\"system_time\":1700000120.5,\"lat\":52.7,\"lon\":13.6}\n\
            not json\n\
            {\"unix_ts\":1700000180,\"lat\":95.0,\"lon\":13.6}\n";
        let t = parse_rayhunter_gps(text);
        assert_eq!(t.len(), 3);
        assert_eq!(t.damaged_lines, 2);
        let (p, age) = t.nearest(1_700_000_050_000).unwrap();
        assert_eq!((p.latitude, age), (52.6, 10_000));
        let (p, _) = t.nearest(1_700_000_030_000).unwrap();
        assert_eq!(p.latitude, 52.5, "a tie goes to the earlier fix");
        assert!(t
            .nearest(1_700_000_000_000 + 2 * MAX_FIX_AGE_MS as i64)
            .is_none());
    }
}
