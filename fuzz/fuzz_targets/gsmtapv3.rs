//! GSMTAP version 3 header and metadata on arbitrary bytes, and the routing of its payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_capture::gsmtapv3::Gsmtapv3;

fuzz_target!(|data: &[u8]| {
    if let Ok(v3) = Gsmtapv3::parse(data) {
        assert!(v3.payload.len() + 8 <= data.len());
        let _ = (v3.route(), v3.dissector(), v3.channel_number, v3.cell);
    }
});
