//! The hand-written LTE RRC walker on arbitrary bytes, against the generated decoder: the
//! first byte picks the channel (GSMTAP LTE RRC sub-type order), the rest is the PDU. The
//! walker never panics or reads past the end (every read is checked), and whenever it answers,
//! its answer is exactly the generated decoder's; the detection path always equals `decode`,
//! also when it reads into a message that held another one (a paging of three S-TMSIs); the
//! compiled schema table reads exactly what the table reads; the paging reader answers exactly
//! when the walker does, with the walker's records and flag.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_fuzz::rrc_channel;
use stingwatch_lte_rrc::{
    decode, decode_for_detection, decode_for_detection_into, read_paging, skim, skim_by_table,
    walk_only, RrcMessage,
};
use stingwatch_model::LteRrcChannel;

/// A real paging of three S-TMSIs (1749222138-goodsim.pcap frame 54), read into the reused
/// message first so its paging list, name and flags are there to be cleared.
const PAGING: [u8; 18] = [
    0x41, 0x01, 0x5d, 0x4f, 0xc7, 0xed, 0x30, 0x1e, 0xe5, 0x4f, 0xaf, 0xa4, 0x01, 0xed, 0x5c,
    0xb3, 0xa1, 0x00,
];

fuzz_target!(|input: &[u8]| {
    let Some((&selector, pdu)) = input.split_first() else {
        return;
    };
    let channel = rrc_channel(selector);
    let full = decode(channel, pdu);
    let walked = walk_only(channel, pdu);
    if let Some(walked) = &walked {
        assert_eq!(Ok(&**walked), full.as_ref(), "walker and generated decoder differ");
    }
    if channel == LteRrcChannel::Pcch {
        let mut records = Vec::new();
        let read = read_paging(pdu, |r| records.push(r));
        let from_walker = walked.as_ref().map(|w| {
            (
                w.summary.system_info_modification,
                &w.summary.paging_records,
            )
        });
        assert_eq!(
            read.map(|m| (Some(m), &records)),
            from_walker,
            "paging reader and walker differ"
        );
    }
    assert_eq!(decode_for_detection(channel, pdu).map(|m| *m), full);
    let mut reused = RrcMessage::empty(LteRrcChannel::Pcch);
    assert!(decode_for_detection_into(LteRrcChannel::Pcch, &PAGING, &mut reused).is_ok());
    let into = decode_for_detection_into(channel, pdu, &mut reused).map(|()| reused);
    assert_eq!(into, full, "reading into a reused message differs");
    assert_eq!(
        skim(channel, pdu),
        skim_by_table(channel, pdu),
        "compiled table and table differ"
    );
});
