//! The NR RRC walker and the NR schema table against the generated decoder on every real
//! recording: for every distinct NR RRC PDU (and damaged copies of it: bits flipped, bytes
//! changed, cut short), the walker's answer, when it gives one, is the generated decoder's,
//! the detection path (`decode_for_detection`) equals `decode` always, and the table never
//! walks a PDU the decoder refuses. Prints how much each answered.

use std::collections::{BTreeMap, HashSet};

use stingwatch_decode::CaptureReader;
use stingwatch_model::{NrRrcChannel, PayloadKind, ReadItem};
use stingwatch_nr_rrc::{decode, decode_for_detection, skim, walk_only};
use stingwatch_testsupport::{shared_captures, shared_recordings, Rng};

/// Damaged copies tried per distinct PDU.
const DAMAGED_COPIES: usize = 24;

/// Holds the walker and the table to the generated decoder on one PDU; whether the walker
/// answered.
fn check(channel: NrRrcChannel, bytes: &[u8]) -> bool {
    let full = decode(channel, bytes);
    assert_eq!(
        decode_for_detection(channel, bytes),
        full,
        "{channel:?} {bytes:02x?}"
    );
    if skim(channel, bytes).is_some() {
        assert!(
            full.is_ok(),
            "{channel:?}: the table walked a PDU the decoder refuses: {bytes:02x?}"
        );
    }
    match walk_only(channel, bytes) {
        Some(w) => {
            assert_eq!(Ok(&w), full.as_ref(), "{channel:?} {bytes:02x?}");
            true
        }
        None => false,
    }
}

#[test]
fn nr_walker_equals_generated_decoder_on_real_recordings() {
    let mut files = shared_recordings();
    files.extend(shared_captures("mobileinsight-nr", "mi2log"));
    files.extend(shared_captures("uecapabilityparser", "pcap"));
    if files.is_empty() {
        eprintln!("SKIP: ../shared/captures not found");
        return;
    }
    let mut seen: HashSet<(NrRrcChannel, Vec<u8>)> = HashSet::new();
    let mut left: BTreeMap<String, u64> = BTreeMap::new();
    let (mut distinct, mut answered, mut damaged, mut damaged_answered) = (0u64, 0u64, 0u64, 0u64);
    let mut rng = Rng(0x5eed_0000_4e52_0001);
    for file in &files {
        let Ok(reader) = CaptureReader::open(file) else {
            continue;
        };
        for item in reader {
            let ReadItem::Message(m) = item else { continue };
            let PayloadKind::NrRrc { channel } = m.kind else {
                continue;
            };
            if !seen.insert((channel, m.payload.clone())) {
                continue;
            }
            distinct += 1;
            if check(channel, &m.payload) {
                answered += 1;
            } else if let Ok(msg) = decode(channel, &m.payload) {
                *left.entry(format!("{channel:?} {}", msg.name)).or_default() += 1;
            }
            if m.payload.is_empty() {
                continue;
            }
            for _ in 0..DAMAGED_COPIES {
                let b = rng.damaged(&m.payload);
                damaged += 1;
                if check(channel, &b) {
                    damaged_answered += 1;
                }
            }
        }
    }
    println!(
        "NR walker answered {answered} of {distinct} distinct real NR RRC PDUs and {damaged_answered} of {damaged} damaged copies, each equal to the generated decoder; left to the generated decoder: {left:?}"
    );
    assert!(distinct > 0, "no NR RRC PDU in the real recordings");
    assert!(answered > 0, "the NR walker answered no real PDU");
}
