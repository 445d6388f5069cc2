//! Decoding, event derivation and every analyzer over a sequence of radio messages built from
//! the input, so the fuzzer drives the stateful stages directly (no framing or checksums to
//! get right first).
//!
//! Input: repeated `[kind, context, length, payload...]`; kind picks the payload kind (an RRC
//! channel, NAS, GSM Um or other), context the ARFCN/PCI pair and the time step (which may
//! go backwards), length 255 means "the rest of the input".
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_fuzz::{rrc_channel, run_pipeline};
use stingwatch_model::{CaptureTime, Direction, PayloadKind, RadioContext, RadioMessage, Rat};

const ARFCNS: [Option<u32>; 4] = [None, Some(100), Some(6300), Some(u32::MAX)];
const PCIS: [Option<u16>; 4] = [None, Some(0), Some(1), Some(503)];
/// Time steps in microseconds; `None` means the message has no time.
const STEPS: [Option<i64>; 8] = [
    Some(0),
    Some(1_000),
    Some(1_000_000),
    Some(60_000_000),
    Some(3_600_000_000),
    Some(-1_000_000),
    Some(i64::MAX / 4),
    None,
];

fn pick<T: Copy>(table: &[T], index: u8) -> T {
    let i = usize::from(index) % table.len();
    match table.get(i) {
        Some(v) => *v,
        None => unreachable!("index reduced modulo the table length"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut messages = Vec::new();
    let mut rest = data;
    let mut time = 1_700_000_000_000_000i64;
    let mut offset = 0u64;
    while let [kind, context, len, tail @ ..] = rest {
        let len = if *len == 255 {
            tail.len()
        } else {
            usize::from(*len).min(tail.len())
        };
        let (payload, after) = tail.split_at(len);
        rest = after;
        let step = pick(&STEPS, context >> 4);
        if let Some(step) = step {
            time = time.saturating_add(step);
        }
        let (kind, rat, direction) = match kind % 32 {
            k @ 0..=18 => {
                let channel = rrc_channel(k);
                (
                    PayloadKind::LteRrc { channel },
                    Rat::Lte,
                    channel.direction(),
                )
            }
            19..=27 => {
                let dir = if context & 0x80 != 0 {
                    Direction::Uplink
                } else {
                    Direction::Downlink
                };
                (PayloadKind::LteNas, Rat::Lte, dir)
            }
            28..=30 => (
                PayloadKind::GsmUm {
                    channel_type: kind >> 5,
                },
                Rat::Gsm,
                Direction::Downlink,
            ),
            _ => (
                PayloadKind::Other {
                    gsmtap_type: 0x0e,
                    sub_type: 0,
                },
                Rat::Lte,
                Direction::Unknown,
            ),
        };
        messages.push(RadioMessage {
            packet: messages.len() as u64 + 1,
            offset,
            time: step.map(|_| CaptureTime(time)),
            direction,
            rat,
            kind,
            context: RadioContext {
                arfcn: pick(&ARFCNS, *context),
                pci: pick(&PCIS, context >> 2),
                sfn: None,
            },
            payload: payload.to_vec(),
        });
        offset += 3 + len as u64;
    }
    run_pipeline(messages);
});
