//! GPS tracks on arbitrary bytes: Rayhunter JSON lines and NMEA sentences mixed, every line
//! either a fix or a diagnostic with its line number, fixes in time order, positions on
//! Earth, and lookups that never return a fix older than the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_gps::{Track, MAX_DIAGNOSTICS, MAX_FIX_AGE_MS};
use stingwatch_model::CaptureTime;

fuzz_target!(|data: &[u8]| {
    let Ok(track) = Track::read(data) else {
        return;
    };
    assert!(track.diagnostics.len() <= MAX_DIAGNOSTICS);
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    assert!(track.diagnostics.iter().all(|d| d.line >= 1 && d.line <= lines));
    let fixes = track.fixes();
    assert!(fixes.windows(2).all(|w| w[0].time <= w[1].time));
    assert!(fixes.iter().all(|f| f.is_valid()));
    for f in fixes.iter().take(16) {
        for delta in [-61_000_000i64, -1, 0, 1, 61_000_000] {
            if let Some(l) = track.locate(CaptureTime(f.time.0.saturating_add(delta))) {
                assert!(l.age_ms <= MAX_FIX_AGE_MS);
            }
            // The fleet server's wider limit for Rayhunter recordings holds the same way.
            let wide = 5 * 60_000;
            if let Some(l) = track.locate_within(CaptureTime(f.time.0.saturating_add(delta)), wide) {
                assert!(l.age_ms <= wide);
            }
        }
    }
});
