//! The generated schema table (`stingwatch_lte_rrc::skim`) against the generated decoder on
//! every distinct LTE RRC PDU of the real recordings and on damaged copies of them: every
//! real PDU the decoder reads, the table walks within its bytes, and no PDU the decoder
//! refuses, damaged or not, does the table walk. The compiled table reads exactly what the
//! table reads. Prints the PDUs the table leaves to the decoder, by message.

use std::collections::BTreeMap;

use stingwatch_lte_rrc::{decode, skim, skim_by_table};
use stingwatch_model::PayloadKind;
use stingwatch_testsupport::Rng;

mod common;

/// Damaged copies tried per distinct PDU.
const DAMAGED_COPIES: usize = 16;

#[test]
fn schema_table_walks_what_the_generated_decoder_reads() {
    let Some(pdus) = common::distinct_pdus(|k| match k {
        PayloadKind::LteRrc { channel } => Some(*channel),
        _ => None,
    }) else {
        return;
    };
    let mut left: BTreeMap<String, u64> = BTreeMap::new();
    let (mut decoded, mut walked) = (0u64, 0u64);
    let (mut damaged, mut damaged_walked) = (0u64, 0u64);
    let mut rng = Rng(0x5eed_0000_5c4e_0001);
    for (channel, payload) in &pdus {
        let channel = *channel;
        let full = decode(channel, payload);
        let bits = skim(channel, payload);
        assert_eq!(
            bits,
            skim_by_table(channel, payload),
            "{channel:?} {payload:02x?}"
        );
        match (&full, bits) {
            (Ok(_), Some(bits)) => {
                decoded += 1;
                walked += 1;
                // Broadcast PDUs fill their transport block, so octets may follow the
                // message; the walk never reads past the PDU.
                assert!(
                    bits <= payload.len() * 8,
                    "{channel:?}: the table took {bits} bits of {} bytes",
                    payload.len()
                );
            }
            (Ok(msg), None) => {
                decoded += 1;
                *left.entry(format!("{channel:?} {}", msg.name)).or_default() += 1;
            }
            (Err(e), Some(_)) => {
                panic!(
                    "{channel:?}: the table walked what the decoder refused ({e}): {:02x?}",
                    payload
                )
            }
            (Err(_), None) => {}
        }
        if payload.is_empty() {
            continue;
        }
        for _ in 0..DAMAGED_COPIES {
            let b = rng.damaged(payload);
            damaged += 1;
            let bits = skim(channel, &b);
            assert_eq!(bits, skim_by_table(channel, &b), "{channel:?} {b:02x?}");
            if bits.is_some() {
                damaged_walked += 1;
                assert!(
                    decode(channel, &b).is_ok(),
                    "{channel:?}: the table walked a damaged PDU the decoder refuses: {b:02x?}"
                );
            }
        }
    }
    println!(
        "the table walked {damaged_walked} of {damaged} damaged copies, each one the decoder reads"
    );
    println!("the schema table walked {walked} of {decoded} decoded distinct real LTE RRC PDUs; left to the decoder: {left:?}");
    assert!(decoded > 0, "no LTE RRC PDU in the real recordings");
}
