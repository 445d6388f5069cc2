//! LTE RRC UPER decoding of arbitrary bytes: the first byte picks the channel (GSMTAP LTE RRC
//! sub-type order), the rest is the PDU. Errors are fine; panics, hangs and unbounded memory are
//! not, and a decoded message's NAS PDUs cannot hold more bytes than the PDU.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_fuzz::rrc_channel;
use stingwatch_lte_rrc::{decode, RrcError, MAX_RRC_PDU};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, pdu)) = input.split_first() else {
        return;
    };
    let channel = rrc_channel(selector);
    match decode(channel, pdu) {
        Ok(message) => {
            assert!(pdu.len() <= MAX_RRC_PDU);
            assert_eq!(message.channel, channel);
            assert!(!message.name.is_empty(), "decoded message without a name");
            let nas: usize = message.nas_pdus.iter().map(Vec::len).sum();
            assert!(nas <= pdu.len(), "more NAS bytes than PDU bytes");
            assert!(serde_json::to_vec(&message.summary).is_ok());
        }
        Err(RrcError::Empty) => assert!(pdu.is_empty()),
        Err(RrcError::TooLong { len }) => assert!(len > MAX_RRC_PDU && len == pdu.len()),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
