//! What the walker and table tests share: every distinct PDU of one kind in the real
//! recordings.

use std::collections::HashSet;
use std::hash::Hash;

use stingwatch_decode::CaptureReader;
use stingwatch_model::{PayloadKind, ReadItem};
use stingwatch_testsupport::{shared_captures, shared_recordings};

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
