//! What the walker and table tests share: every distinct PDU of one kind in the real
//! recordings, and the walker tests' tally over them and their damaged copies.

// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

use stingwatch_decode::CaptureReader;
use stingwatch_model::{PayloadKind, ReadItem};
use stingwatch_testsupport::{shared_captures, shared_recordings, Rng};

/// Every distinct `(channel, payload)` of the real recordings (DIAG recordings, the NR logs
/// and the exported-PDU and GSMTAP pcaps) for which `channel` names a channel, in reading
/// order; `None` when `../shared` is absent and the test may skip (the helpers fail loudly
/// instead when `CI=true`).
pub fn distinct_pdus<C: Eq + Hash + Clone>(
    channel: impl Fn(&PayloadKind) -> Option<C>,
) -> Option<Vec<(C, Vec<u8>)>> {
    let mut files = shared_recordings();
    files.extend(shared_captures("mobileinsight-nr", "mi2log"));
    if files.is_empty() {
        eprintln!("SKIP: ../shared/captures not found");
        return None;
    }
    files.extend(shared_captures("uecapabilityparser", "pcap"));
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for file in &files {
        let reader = CaptureReader::open(file).expect("open");
        for item in reader {
            let ReadItem::Message(m) = item else { continue };
            let Some(c) = channel(&m.kind) else { continue };
            if seen.insert((c.clone(), m.payload.clone())) {
                out.push((c, m.payload));
            }
        }
    }
    Some(out)
}

/// What a walker test counts: distinct PDUs and those the walker answered, damaged copies
/// and those it answered, and the PDUs it left to the generated decoder, by message.
#[derive(Debug, Default)]
pub struct Tally {
    /// Distinct real PDUs.
    pub distinct: u64,
    /// Of those, answered by the walker.
    pub answered: u64,
    /// Damaged copies tried.
    pub damaged: u64,
    /// Of those, answered by the walker.
    pub damaged_answered: u64,
    /// PDUs the decoder reads and the walker left to it, by channel and message name.
    pub left: BTreeMap<String, u64>,
}

/// Runs `check` (which asserts and says whether the walker answered) on every PDU and on
/// `copies` damaged copies of each (`Rng::damaged`, from `seed`); `name` names a PDU the
/// walker left, when the generated decoder reads it.
pub fn tally<C: Copy>(
    pdus: &[(C, Vec<u8>)],
    copies: usize,
    seed: u64,
    check: impl Fn(C, &[u8]) -> bool,
    name: impl Fn(C, &[u8]) -> Option<String>,
) -> Tally {
    let mut t = Tally::default();
    let mut rng = Rng(seed);
    for (channel, payload) in pdus {
        let channel = *channel;
        t.distinct += 1;
        if check(channel, payload) {
            t.answered += 1;
        } else if let Some(n) = name(channel, payload) {
            *t.left.entry(n).or_default() += 1;
        }
        if payload.is_empty() {
            continue;
        }
        for _ in 0..copies {
            let b = rng.damaged(payload);
            t.damaged += 1;
            if check(channel, &b) {
                t.damaged_answered += 1;
            }
        }
    }
    t
}
