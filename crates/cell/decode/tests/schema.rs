//! The generated schema table (`stingwatch_lte_rrc::skim`) against the generated decoder on
//! every distinct LTE RRC PDU of the real recordings and on damaged copies of them: every
//! real PDU the decoder reads, the table walks within its bytes, and no PDU the decoder
//! refuses, damaged or not, does the table walk. Prints the PDUs the table leaves to the
//! decoder, by message.

use std::collections::{BTreeMap, HashSet};

use stingwatch_decode::CaptureReader;
use stingwatch_lte_rrc::{decode, skim, LteRrcChannel};
use stingwatch_model::{PayloadKind, ReadItem};
use stingwatch_testsupport::{shared_captures, shared_recordings, Rng};

/// Damaged copies tried per distinct PDU.
const DAMAGED_COPIES: usize = 16;

#[test]
fn schema_table_walks_what_the_generated_decoder_reads() {
    let mut files = shared_recordings();
    files.extend(shared_captures("mobileinsight-nr", "mi2log"));
    if files.is_empty() {
        eprintln!("SKIP: ../shared/captures not found");
        return;
    }
    let mut seen: HashSet<(LteRrcChannel, Vec<u8>)> = HashSet::new();
    let mut left: BTreeMap<String, u64> = BTreeMap::new();
    let (mut decoded, mut walked) = (0u64, 0u64);
    let (mut damaged, mut damaged_walked) = (0u64, 0u64);
    let mut rng = Rng(0x5eed_0000_5c4e_0001);
    for file in &files {
        let reader = CaptureReader::open(file).expect("open");
        for item in reader {
            let ReadItem::Message(m) = item else { continue };
            let PayloadKind::LteRrc { channel } = m.kind else {
                continue;
            };
            if !seen.insert((channel, m.payload.clone())) {
                continue;
            }
            let full = decode(channel, &m.payload);
            let bits = skim(channel, &m.payload);
            match (&full, bits) {
                (Ok(_), Some(bits)) => {
                    decoded += 1;
                    walked += 1;
                    // Broadcast PDUs fill their transport block, so octets may follow the
                    // message; the walk never reads past the PDU.
                    assert!(
                        bits <= m.payload.len() * 8,
                        "{channel:?}: the table took {bits} bits of {} bytes",
                        m.payload.len()
                    );
                }
                (Ok(msg), None) => {
                    decoded += 1;
                    *left.entry(format!("{channel:?} {}", msg.name)).or_default() += 1;
                }
                (Err(e), Some(_)) => {
                    panic!(
                        "{channel:?}: the table walked what the decoder refused ({e}): {:02x?}",
                        m.payload
                    )
                }
                (Err(_), None) => {}
            }
            if m.payload.is_empty() {
                continue;
            }
            for _ in 0..DAMAGED_COPIES {
                let b = rng.damaged(&m.payload);
                damaged += 1;
                if skim(channel, &b).is_some() {
                    damaged_walked += 1;
                    assert!(
                        decode(channel, &b).is_ok(),
                        "{channel:?}: the table walked a damaged PDU the decoder refuses: {b:02x?}"
                    );
                }
            }
        }
    }
    println!(
        "the table walked {damaged_walked} of {damaged} damaged copies, each one the decoder reads"
    );
    println!("the schema table walked {walked} of {decoded} decoded distinct real LTE RRC PDUs; left to the decoder: {left:?}");
    assert!(decoded > 0, "no LTE RRC PDU in the real recordings");
}
