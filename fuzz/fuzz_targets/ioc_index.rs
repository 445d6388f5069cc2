//! The indicator index (YAML) of arbitrary bytes: entries or diagnostics, never a panic, and
//! every entry a web URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_iocs::index::parse_index;

fuzz_target!(|data: &[u8]| {
    let (entries, _diagnostics) = parse_index("fuzz.yaml", data);
    for entry in entries {
        let url = entry.url.to_ascii_lowercase();
        assert!(
            url.starts_with("https://") || url.starts_with("http://"),
            "{url}"
        );
    }
});
