//! HDLC deframing of a DIAG stream: `Deframer` over arbitrary bytes and awkward reads,
//! `decode_frame`/`unescape` on the raw bytes, and the encode → deframe round trip.
//!
//! Input: one configuration byte (read plan; bit 5 picks the recovery test), then the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_diag::hdlc::{self, DeframeItem, Deframer, MAX_FRAME};
use stingwatch_diag::log::DiagLogPacket;
use stingwatch_fuzz::{max_items, ReadPlan, StutteringReader};

/// One deframed item, owned, to compare two runs.
#[derive(Debug, PartialEq, Eq)]
enum Item {
    Frame(u64, u64, Vec<u8>),
    Damage(u64, u64, String),
}

fn deframe(data: &[u8], plan: ReadPlan, plausible: hdlc::PlausibleFrame) -> (Vec<Item>, u64) {
    let mut deframer = Deframer::new(StutteringReader::new(data.to_vec(), plan), plausible);
    let mut items = Vec::new();
    while let Some(item) = deframer.next_item() {
        items.push(match item {
            DeframeItem::Frame(f) => Item::Frame(f.offset, f.raw_len, f.payload.to_vec()),
            DeframeItem::Damage(d) => Item::Damage(d.offset, d.length, d.error.to_string()),
        });
        assert!(
            items.len() <= max_items(data.len()),
            "deframer does not end"
        );
    }
    (items, deframer.bytes_read())
}

fn accept_all(_: &[u8], _: usize) -> bool {
    true
}

fuzz_target!(|input: &[u8]| {
    let Some((&config, data)) = input.split_first() else {
        return;
    };
    let plan = ReadPlan::from_byte(config);
    let plausible: hdlc::PlausibleFrame = if config & 0x20 != 0 {
        accept_all
    } else {
        DiagLogPacket::plausible
    };
    let len = data.len() as u64;

    let (items, bytes_read) = deframe(data, plan, plausible);
    let mut last_offset = 0u64;
    for item in &items {
        let (offset, length) = match item {
            Item::Frame(offset, raw_len, payload) => {
                assert!(payload.len() <= MAX_FRAME, "frame payload over MAX_FRAME");
                assert!(
                    payload.len() as u64 <= *raw_len,
                    "payload longer than its escaped form"
                );
                (*offset, *raw_len)
            }
            Item::Damage(offset, length, _) => (*offset, *length),
        };
        assert!(
            offset.checked_add(length).is_some_and(|e| e <= len),
            "item past end"
        );
        assert!(offset >= last_offset, "items out of input order");
        last_offset = offset;
    }
    if !plan.fail_midway {
        assert_eq!(bytes_read, len, "deframer stopped before the end");
        // The split of the input into reads must not change what is found.
        if plan != ReadPlan::PLAIN {
            let (plain, _) = deframe(data, ReadPlan::PLAIN, plausible);
            assert_eq!(items, plain, "deframing depends on read sizes");
        }
    }

    // Stateless helpers on the same bytes, as one frame without its flag.
    let mut out = Vec::new();
    if hdlc::decode_frame(data, &mut out).is_ok() {
        assert!(out.len() + hdlc::CRC_LEN <= data.len());
        // A frame that checks out re-encodes to the same bytes when it used canonical escapes.
        let mut again = Vec::new();
        hdlc::encode_frame(&out, &mut again);
        assert_eq!(again.last(), Some(&hdlc::FLAG));
    }
    out.clear();
    let _ = hdlc::unescape(data, &mut out);
    assert!(out.len() <= data.len());

    // Round trip: any payload up to MAX_FRAME - CRC_LEN encodes to one frame that deframes
    // back to it, whatever garbage precedes it (after a flag).
    if !data.is_empty() && data.len() + hdlc::CRC_LEN <= MAX_FRAME {
        let mut stream = vec![0x55, 0x7d, hdlc::FLAG];
        hdlc::encode_frame(data, &mut stream);
        let (items, _) = deframe(&stream, plan_without_errors(plan), accept_all);
        let frames: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                Item::Frame(_, _, p) => Some(p),
                Item::Damage(..) => None,
            })
            .collect();
        assert_eq!(
            frames,
            vec![&data.to_vec()],
            "encoded frame does not deframe back"
        );
    }
});

fn plan_without_errors(plan: ReadPlan) -> ReadPlan {
    ReadPlan {
        fail_midway: false,
        ..plan
    }
}
