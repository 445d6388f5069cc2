//! UMTS SIB segment reassembly on arbitrary input: the input is cut into BCCH-BCH messages
//! (a length octet, then that many octets), each read as `SystemInformation-BCH`, and every
//! segment read goes through one reassembler; then the same input read as a list of made-up
//! segments (type, part, index or count, data length) reaches the orders and indices real
//! messages rarely give. The reassembler must stay within its named limits, never panic, and
//! every SIB it completes must be readable (or refused with an error value).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_model::UmtsRrcChannel;
use stingwatch_umts_rrc::sib::{
    decode_sib, SegmentPart, SibBits, SibReassembler, SibSegment, MAX_PENDING_SIBS, MAX_SEGMENTS,
    MAX_SIB_BITS,
};
use stingwatch_umts_rrc::Content;

fn check(r: &mut SibReassembler, segments: &[SibSegment]) {
    let (mut sibs, mut errors) = (Vec::new(), Vec::new());
    for s in segments {
        r.push(s, &mut sibs, &mut errors);
        assert!(r.pending() <= MAX_PENDING_SIBS);
    }
    for s in &sibs {
        assert!(s.data.len() <= MAX_SIB_BITS);
        assert!(s.segments >= 1 && s.segments <= MAX_SEGMENTS);
        let _ = decode_sib(s.sib_type, &s.data);
    }
    for e in &errors {
        assert!(!e.to_string().is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = SibReassembler::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (pdu, next) = tail.split_at(n);
        rest = next;
        if let Ok(m) = stingwatch_umts_rrc::decode(UmtsRrcChannel::BcchBch, pdu) {
            if let Content::SystemInformation { segments, .. } = &m.content {
                check(&mut r, segments);
            }
        }
    }
    let mut errors = Vec::new();
    r.abandon(&mut errors);
    assert_eq!(r.pending(), 0);

    let made_up: Vec<SibSegment> = data
        .chunks(4)
        .map(|c| {
            let at = |i: usize| c.get(i).copied().unwrap_or(0);
            let n = at(2) % 17;
            let part = match at(1) % 4 {
                0 => SegmentPart::Complete,
                1 => SegmentPart::First { count: n },
                2 => SegmentPart::Subsequent { index: n },
                _ => SegmentPart::Last { index: n },
            };
            SibSegment {
                sib_type: at(0) % 4,
                part,
                data: SibBits::from_bytes(&[at(3); 28], 8 + usize::from(at(3))),
            }
        })
        .collect();
    check(&mut SibReassembler::new(), &made_up);
});
