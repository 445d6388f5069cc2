//! NR RRC UPER decoding of arbitrary bytes: the first byte picks the channel or container,
//! the rest is the PDU. Errors are fine; panics, hangs and unbounded memory are not, and a
//! decoded message's NAS PDUs cannot hold more bytes than the PDU.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_model::NrRrcChannel;
use stingwatch_nr_rrc::{decode, NrRrcError, MAX_NR_RRC_PDU as MAX};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, pdu)) = input.split_first() else {
        return;
    };
    let all = NrRrcChannel::ALL;
    let channel = all[usize::from(selector) % all.len()];
    match decode(channel, pdu) {
        Ok(message) => {
            assert!(pdu.len() <= MAX);
            assert_eq!(message.channel, channel);
            assert!(!message.name.is_empty(), "decoded message without a name");
            let nas: usize = message.nas_pdus.iter().map(Vec::len).sum();
            assert!(nas <= pdu.len(), "more NAS bytes than PDU bytes");
            assert!(serde_json::to_vec(&message.summary).is_ok());
            let _ = message.summary.brief();
        }
        Err(NrRrcError::Empty) => assert!(pdu.is_empty()),
        Err(NrRrcError::TooLong { len }) => assert!(len > MAX && len == pdu.len()),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
