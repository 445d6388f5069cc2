//! The NR RRC walker and the NR schema table against the generated decoder on every real
//! recording: for every distinct NR RRC PDU (and damaged copies of it: bits flipped, bytes
//! changed, cut short), the walker's answer, when it gives one, is the generated decoder's,
//! the detection path (`decode_for_detection`) equals `decode` always, the table never walks
//! a PDU the decoder refuses, and its compiled form reads exactly what it reads. Prints how much each answered.

use stingwatch_model::{NrRrcChannel, PayloadKind};
use stingwatch_nr_rrc::{decode, decode_for_detection, skim, skim_by_table, walk_only};

mod common;

/// Damaged copies tried per distinct PDU.
const DAMAGED_COPIES: usize = 24;

/// Holds the walker and the table to the generated decoder on one PDU; whether the walker
/// answered.
fn check(channel: NrRrcChannel, bytes: &[u8]) -> bool {
    let full = decode(channel, bytes);
    assert_eq!(
        decode_for_detection(channel, bytes).map(|m| *m),
        full,
        "{channel:?} {bytes:02x?}"
    );
    let skimmed = skim(channel, bytes);
    assert_eq!(
        skimmed,
        skim_by_table(channel, bytes),
        "{channel:?}: the compiled table and the table differ: {bytes:02x?}"
    );
    if skimmed.is_some() {
        assert!(
            full.is_ok(),
            "{channel:?}: the table walked a PDU the decoder refuses: {bytes:02x?}"
        );
    }
    match walk_only(channel, bytes) {
        Some(w) => {
            assert_eq!(Ok(&*w), full.as_ref(), "{channel:?} {bytes:02x?}");
            true
        }
        None => false,
    }
}

#[test]
fn nr_walker_equals_generated_decoder_on_real_recordings() {
    let Some(pdus) = common::distinct_pdus(|k| match k {
        PayloadKind::NrRrc { channel } => Some(*channel),
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
        0x5eed_0000_4e52_0001,
        check,
        |channel, payload| {
            let msg = decode(channel, payload).ok()?;
            Some(format!("{channel:?} {}", msg.name))
        },
    );
    println!(
        "NR walker answered {answered} of {distinct} distinct real NR RRC PDUs and {damaged_answered} of {damaged} damaged copies, each equal to the generated decoder; left to the generated decoder: {left:?}"
    );
    assert!(distinct > 0, "no NR RRC PDU in the real recordings");
    assert!(answered > 0, "the NR walker answered no real PDU");
}
