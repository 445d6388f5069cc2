//! GSM layer 3 decoding of arbitrary bytes, bare and as a GSMTAP Um payload on any channel
//! (first byte), and JSON serialization of the result as `stingwatch decode` does. What a
//! message says it holds is bounded by the crate's named limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_gsm::{decode_l3, decode_um, MAX_PAGED_IDENTITIES};

fuzz_target!(|data: &[u8]| {
    let bare = decode_l3(data);
    assert!(!bare.name.is_empty(), "GSM message without a name");
    assert!(bare.fields.paged.len() <= MAX_PAGED_IDENTITIES);
    assert!(
        serde_json::to_vec(&bare).is_ok(),
        "GSM message does not serialize"
    );
    if let Some((&channel, payload)) = data.split_first() {
        let um = decode_um(channel, payload);
        assert!(!um.name.is_empty(), "GSM Um message without a name");
        assert!(um.fields.paged.len() <= MAX_PAGED_IDENTITIES);
        assert!(
            serde_json::to_vec(&um).is_ok(),
            "GSM message does not serialize"
        );
    }
});
