//! Helpers shared by the fuzz targets: a reader that splits its input into awkward reads, the
//! invariants every capture reader keeps, and the decode → events → analysis pipeline.
//!
//! The fuzz targets themselves live in `fuzz_targets/`; `scripts/fuzz` builds and runs them.

#![forbid(unsafe_code)]

use std::io::{self, Read};

#[cfg(feature = "rrc")]
use stingwatch_analysis::Analysis;
#[cfg(feature = "rrc")]
use stingwatch_events::EventDeriver;
#[cfg(feature = "rrc")]
use stingwatch_model::RadioMessage;
use stingwatch_model::{LteRrcChannel, ReadItem, ReadSummary};

/// Every LTE RRC channel, in GSMTAP LTE RRC sub-type order (sub-types 0-11 are their own
/// index), so a fuzz input's first byte modulo the length picks one and seeds cut from GSMTAP
/// keep their channel.
pub const RRC_CHANNELS: [LteRrcChannel; 19] = [
    LteRrcChannel::DlCcch,
    LteRrcChannel::DlDcch,
    LteRrcChannel::UlCcch,
    LteRrcChannel::UlDcch,
    LteRrcChannel::BcchBch,
    LteRrcChannel::BcchDlSch,
    LteRrcChannel::Pcch,
    LteRrcChannel::Mcch,
    LteRrcChannel::BcchBchMbms,
    LteRrcChannel::BcchDlSchBr,
    LteRrcChannel::BcchDlSchMbms,
    LteRrcChannel::ScMcch,
    LteRrcChannel::DlCcchNb,
    LteRrcChannel::DlDcchNb,
    LteRrcChannel::UlCcchNb,
    LteRrcChannel::UlDcchNb,
    LteRrcChannel::BcchBchNb,
    LteRrcChannel::BcchDlSchNb,
    LteRrcChannel::PcchNb,
];

/// The channel a selector byte picks.
pub fn rrc_channel(selector: u8) -> LteRrcChannel {
    let index = usize::from(selector) % RRC_CHANNELS.len();
    RRC_CHANNELS
        .get(index)
        .copied()
        .unwrap_or(LteRrcChannel::DlCcch)
}

/// How a [`StutteringReader`] hands out its bytes, chosen by one configuration byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadPlan {
    /// Most bytes one `read` call returns.
    pub chunk: usize,
    /// Whether one read in the middle of the input fails with an I/O error.
    pub fail_midway: bool,
    /// Whether every other read call is `Interrupted` (which readers must retry).
    pub interrupt: bool,
}

impl ReadPlan {
    /// Whole reads, no errors: what a file gives.
    pub const PLAIN: ReadPlan = ReadPlan {
        chunk: usize::MAX,
        fail_midway: false,
        interrupt: false,
    };

    /// The plan a configuration byte selects: the low 3 bits pick a chunk size, bit 6 asks for
    /// interrupted reads, bit 7 for one failed read. A zero byte is [`ReadPlan::PLAIN`].
    pub fn from_byte(config: u8) -> ReadPlan {
        const CHUNKS: [usize; 8] = [usize::MAX, 1, 2, 3, 7, 64, 4093, 65_536];
        ReadPlan {
            chunk: CHUNKS
                .get(usize::from(config & 7))
                .copied()
                .unwrap_or(usize::MAX),
            fail_midway: config & 0x80 != 0,
            interrupt: config & 0x40 != 0,
        }
    }
}

/// A reader over owned bytes that returns them in small pieces, optionally interrupted, and
/// optionally with one failing read halfway: the reads a pipe or a device gives.
#[derive(Debug)]
pub struct StutteringReader {
    data: Vec<u8>,
    pos: usize,
    plan: ReadPlan,
    failed: bool,
    calls: u64,
}

impl StutteringReader {
    /// A reader over `data` following `plan`.
    pub fn new(data: Vec<u8>, plan: ReadPlan) -> Self {
        StutteringReader {
            data,
            pos: 0,
            plan,
            failed: false,
            calls: 0,
        }
    }
}

impl Read for StutteringReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls = self.calls.wrapping_add(1);
        if self.plan.interrupt && self.calls % 2 == 0 {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        if self.plan.fail_midway && !self.failed && self.pos >= self.data.len() / 2 {
            self.failed = true;
            return Err(io::Error::other("injected read failure"));
        }
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len()).min(self.plan.chunk);
        let (dst, src) = (buf.get_mut(..n), rest.get(..n));
        if let (Some(dst), Some(src)) = (dst, src) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// Most items a reader may yield for `input_len` bytes: every item but an I/O error report
/// stands for at least one input byte.
pub fn max_items(input_len: usize) -> usize {
    input_len.saturating_add(2)
}

/// Checks the invariants every capture reader keeps over an input of `input_len` bytes and
/// its final summary; `complete` says whether the whole input was delivered without errors.
///
/// Panics (so the fuzzer reports it) when one is broken.
pub fn check_read_items(
    items: &[ReadItem],
    summary: &ReadSummary,
    input_len: usize,
    complete: bool,
) {
    let len = input_len as u64;
    assert!(
        items.len() <= max_items(input_len),
        "{} items from {input_len} bytes",
        items.len()
    );
    let mut messages = 0u64;
    let mut damages = 0u64;
    let mut measurements = 0u64;
    for item in items {
        match item {
            ReadItem::Measurement(m) => {
                measurements += 1;
                assert!(m.offset < len, "measurement offset {} past end {len}", m.offset);
            }
            ReadItem::Message(m) => {
                messages += 1;
                assert!(m.offset < len, "message offset {} past end {len}", m.offset);
                assert!(
                    m.payload.len() <= input_len,
                    "payload longer than the input"
                );
            }
            ReadItem::Damage(d) => {
                damages += 1;
                let end = d.offset.checked_add(d.length);
                assert!(
                    end.is_some_and(|e| e <= len),
                    "damage {d} runs past the end of {len} bytes"
                );
                assert!(!d.reason.is_empty(), "damage without a reason");
            }
        }
    }
    assert_eq!(
        summary.messages, messages,
        "summary counts other messages than yielded"
    );
    assert_eq!(
        summary.damaged_regions, damages,
        "summary counts other damage than yielded"
    );
    assert_eq!(
        summary.measurements, measurements,
        "summary counts other measurements than yielded"
    );
    assert!(
        summary.bytes <= len,
        "summary says {} bytes of {len}",
        summary.bytes
    );
    if complete {
        assert_eq!(
            summary.bytes, len,
            "reader stopped before the end of the input"
        );
    }
}

/// Checks that packet numbers of the messages are increasing (DIAG numbers them 1, 2, 3 ...;
/// pcap by frame number, which skips non-GSMTAP frames).
pub fn check_packet_numbers(items: &[ReadItem], consecutive: bool) {
    let mut last = 0u64;
    for item in items {
        if let ReadItem::Message(m) = item {
            if consecutive {
                assert_eq!(
                    m.packet,
                    last + 1,
                    "DIAG message numbers must be consecutive"
                );
            } else {
                assert!(m.packet > last, "packet numbers must increase");
            }
            last = m.packet;
        }
    }
}

#[cfg(feature = "rrc")]
/// Runs radio messages through decoding, event derivation and every analyzer, checking that
/// each stage stays bounded by its input, that its output serializes, that the caching
/// decoder agrees with full decoding, and that events from kinds remembered beside the cache's
/// entries (as `stingwatch analyze` derives them, lending a repeat's kind to its event) equal
/// events derived afresh.
pub fn run_pipeline(messages: impl IntoIterator<Item = RadioMessage>) {
    let mut deriver = EventDeriver::new();
    let mut analysis = Analysis::new();
    let mut cached = stingwatch_decode::Decoder::new();
    let mut remembering = stingwatch_decode::Decoder::<stingwatch_events::KindMemo>::with_memo();
    let mut remembering_deriver = EventDeriver::new();
    let mut events_total = 0usize;
    let mut messages_total = 0usize;
    for message in messages {
        messages_total += 1;
        let payload_len = message.payload.len();
        // The fast path must decode exactly as the straightforward one, repeats included.
        let fast = cached.decode(message.clone());
        let mut remembered = Vec::new();
        // As the pipeline reads a repeat: the memo's kind lent to its event and given back; a
        // PDU the cache does not remember is derived without a memo.
        remembering.decode_with(&message, |decoded, memo| {
            let Some(memo) = memo else {
                return remembering_deriver.derive_decoded(&message, decoded, &mut remembered);
            };
            match remembering_deriver.lend_remembered(&message, memo) {
                stingwatch_events::Lent::Event(ev) => {
                    remembered.push(ev.clone());
                    memo.give_back(ev);
                }
                stingwatch_events::Lent::NoEvent => {}
                stingwatch_events::Lent::No => {
                    remembering_deriver.derive_remembering(&message, decoded, memo, &mut remembered)
                }
            }
        });
        let decoded = stingwatch_decode::decode_message(message);
        assert_eq!(
            format!("{fast:?}"),
            format!("{decoded:?}"),
            "the caching decoder differs from full decoding"
        );
        assert!(
            !decoded.message.is_empty(),
            "decoded message without a name"
        );
        let nas_bytes: usize = decoded
            .rrc
            .iter()
            .flat_map(|r| r.nas_pdus.iter())
            .map(Vec::len)
            .sum();
        assert!(
            nas_bytes <= payload_len,
            "RRC gave more NAS bytes than its PDU has"
        );
        for nas in decoded.nas.iter() {
            assert!(
                serde_json::to_vec(nas).is_ok(),
                "NAS message does not serialize"
            );
        }
        if let Some(rrc) = &decoded.rrc {
            assert!(
                serde_json::to_vec(&rrc.summary).is_ok(),
                "RRC summary does not serialize"
            );
        }
        let events = deriver.derive(&decoded);
        assert_eq!(
            remembered, events,
            "events from remembered kinds differ from events derived afresh"
        );
        events_total += events.len();
        for event in &events {
            assert!(
                serde_json::to_vec(event).is_ok(),
                "event does not serialize"
            );
            analysis.observe(event);
        }
    }
    let snapshot = analysis.snapshot();
    let findings = analysis.finish();
    assert!(
        findings.len()
            <= events_total
                .saturating_add(messages_total)
                .saturating_add(64),
        "{} findings from {events_total} events",
        findings.len()
    );
    let _ = snapshot;
    for finding in &findings {
        assert!(
            finding.first_packet <= finding.last_packet,
            "finding ends before it starts"
        );
        assert!(
            serde_json::to_vec(finding).is_ok(),
            "finding does not serialize"
        );
    }
}
