//! Property lists as the iOS checks read them: the bounded builder on arbitrary bytes (binary
//! and XML), and Safari's saved tab sessions (a 4-byte header, then a property list).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_ios_artifacts::plists::{self, MAX_PLIST_DEPTH};

fn depth(value: &plist::Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((value, level)) = stack.pop() {
        deepest = deepest.max(level);
        match value {
            plist::Value::Array(items) => stack.extend(items.iter().map(|v| (v, level + 1))),
            plist::Value::Dictionary(d) => stack.extend(d.values().map(|v| (v, level + 1))),
            _ => {}
        }
    }
    deepest
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = plists::parse(data) {
        assert!(depth(&value) <= MAX_PLIST_DEPTH + 1);
    }
    let _ = stingwatch_ios_artifacts::session_urls(data);
});
