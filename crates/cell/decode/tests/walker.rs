//! The LTE RRC walker against the generated decoder on every real recording: for every
//! distinct RRC PDU (and damaged copies of it: bits flipped, bytes changed, cut short), the
//! walker's answer, when it gives one, is the generated decoder's, and the detection path
//! (`decode_for_detection`) equals `decode` always. Prints how much the walker answered.

use stingwatch_lte_rrc::{decode, decode_for_detection, walk_only, LteRrcChannel};
use stingwatch_model::PayloadKind;

mod common;

/// Damaged copies tried per distinct PDU.
const DAMAGED_COPIES: usize = 24;

fn check(channel: LteRrcChannel, bytes: &[u8]) -> bool {
    let full = decode(channel, bytes);
    assert_eq!(
        decode_for_detection(channel, bytes).map(|m| *m),
        full,
        "{channel:?} {bytes:02x?}"
    );
    match walk_only(channel, bytes) {
        Some(w) => {
            assert_eq!(Ok(&*w), full.as_ref(), "{channel:?} {bytes:02x?}");
            true
        }
        None => false,
    }
}

#[test]
fn walker_equals_generated_decoder_on_real_recordings() {
    let Some(pdus) = common::distinct_pdus(|k| match k {
        PayloadKind::LteRrc { channel } => Some(*channel),
        _ => None,
    }) else {
        return;
    };
    let common::Tally {
        distinct,
        answered,
        damaged,
        damaged_answered,
        left,
    } = common::tally(
        &pdus,
        DAMAGED_COPIES,
        0x5eed_0000_7a1c_0001,
        check,
        |channel, payload| {
            let msg = decode(channel, payload).ok()?;
            Some(format!("{channel:?} {}", msg.name))
        },
    );
    println!(
        "walker answered {answered} of {distinct} distinct real RRC PDUs and {damaged_answered} of {damaged} damaged copies, each equal to the generated decoder; left to the generated decoder: {left:?}"
    );
    assert!(distinct > 0, "no LTE RRC PDU in the real recordings");
    assert!(answered > 0, "the walker answered no real PDU");
}
