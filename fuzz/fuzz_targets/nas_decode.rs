//! EPS NAS decoding of arbitrary bytes, without and with a direction (first byte), and JSON
//! serialization of the result as `stingwatch decode --format ndjson` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_model::Direction;
use stingwatch_nas::{decode, decode_with_direction};

fuzz_target!(|data: &[u8]| {
    let message = decode(data);
    assert!(!message.name.is_empty(), "NAS message without a name");
    assert!(
        serde_json::to_vec(&message).is_ok(),
        "NAS message does not serialize"
    );
    if let Some((&dir, pdu)) = data.split_first() {
        let direction = match dir % 3 {
            0 => Direction::Downlink,
            1 => Direction::Uplink,
            _ => Direction::Unknown,
        };
        let message = decode_with_direction(pdu, direction);
        assert!(
            serde_json::to_vec(&message).is_ok(),
            "NAS message does not serialize"
        );
    }
});
