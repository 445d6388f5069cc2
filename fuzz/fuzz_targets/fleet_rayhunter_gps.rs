//! A Rayhunter GPS file of arbitrary bytes: every fix kept is on Earth, the fixes are bounded,
//! and a lookup never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_fleet_model::{parse_rayhunter_gps, MAX_FIXES};

fuzz_target!(|data: &[u8]| {
    let track = parse_rayhunter_gps(data);
    assert!(track.len() <= MAX_FIXES);
    for t in [i64::MIN, -1, 0, 1_700_000_000_000, i64::MAX] {
        if let Some((p, _)) = track.nearest(t) {
            assert!(p.validate("fix").is_ok());
        }
    }
});
