//! STIX patterns of arbitrary text: the parser returns values or an error, never panics, and
//! a value it returns, written back with its escapes, reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_iocs::pattern::parse_pattern;
use stingwatch_iocs::url::{url_host, url_key};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = url_host(text);
    let _ = url_key(text);
    let Ok(comparisons) = parse_pattern(text) else {
        return;
    };
    assert!(!comparisons.is_empty());
    for c in comparisons {
        let escaped = c.value.replace('\\', "\\\\").replace('\'', "\\'");
        let again = parse_pattern(&format!("[file:name = '{escaped}']"))
            .unwrap_or_else(|e| panic!("{:?} does not read back: {e}", c.value));
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].value, c.value);
    }
});
