//! The NR RRC walker (schema table and hooks) on arbitrary bytes, against the generated
//! decoder: the first byte picks the channel or container, the rest is the PDU. The walker
//! never panics or reads past the end (every read is checked), whenever it answers its answer
//! is exactly the generated decoder's, the detection path always equals `decode`, and the
//! table alone never walks a PDU the decoder refuses (and its compiled form reads exactly what
//! it reads).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_model::NrRrcChannel;
use stingwatch_nr_rrc::{decode, decode_for_detection, skim, skim_by_table, walk_only};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, pdu)) = input.split_first() else {
        return;
    };
    let all = NrRrcChannel::ALL;
    let channel = all[usize::from(selector) % all.len()];
    let full = decode(channel, pdu);
    if let Some(walked) = walk_only(channel, pdu) {
        assert_eq!(Ok(&*walked), full.as_ref(), "walker and generated decoder differ");
    }
    let skimmed = skim(channel, pdu);
    assert_eq!(skimmed, skim_by_table(channel, pdu), "compiled table and table differ");
    if skimmed.is_some() {
        assert!(full.is_ok(), "the table walked a PDU the generated decoder refuses");
    }
    assert_eq!(decode_for_detection(channel, pdu).map(|m| *m), full);
});
