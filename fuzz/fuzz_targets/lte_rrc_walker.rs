//! The hand-written LTE RRC walker on arbitrary bytes, against the generated decoder: the
//! first byte picks the channel (GSMTAP LTE RRC sub-type order), the rest is the PDU. The
//! walker never panics or reads past the end (every read is checked), and whenever it answers,
//! its answer is exactly the generated decoder's; the detection path always equals `decode`;
//! the compiled schema table reads exactly what the table reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_fuzz::rrc_channel;
use stingwatch_lte_rrc::{decode, decode_for_detection, skim, skim_by_table, walk_only};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, pdu)) = input.split_first() else {
        return;
    };
    let channel = rrc_channel(selector);
    let full = decode(channel, pdu);
    if let Some(walked) = walk_only(channel, pdu) {
        assert_eq!(Ok(&*walked), full.as_ref(), "walker and generated decoder differ");
    }
    assert_eq!(decode_for_detection(channel, pdu).map(|m| *m), full);
    assert_eq!(
        skim(channel, pdu),
        skim_by_table(channel, pdu),
        "compiled table and table differ"
    );
});
