//! Micro-benchmarks of each stage on the real recording the throughput target is stated on
//! (`rayhunter-traces/1749222138-goodsim.qmdl`): HDLC framing and DIAG parsing, LTE RRC
//! decoding (full and cached), NAS decoding, event derivation and analysis.
//!
//! Run: `cargo bench -p stingwatch-bench` (needs ../shared; set STINGWATCH_SHARED otherwise).
//! Each benchmark processes the whole recording once per iteration; divide the recording's
//! size or message count by the reported time for throughput.

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::{black_box, Bencher};
use stingwatch_analysis::Analysis;
use stingwatch_decode::{decode_message, DecodedMessage, Decoder};
use stingwatch_diag::hdlc::{DeframeItem, Deframer};
use stingwatch_diag::QmdlReader;
use stingwatch_events::{Event, EventDeriver};
use stingwatch_model::{PayloadKind, RadioMessage, ReadItem};

fn main() {
    if recording().is_empty() {
        eprintln!("SKIP: the shared recording was not found (set STINGWATCH_SHARED)");
        return;
    }
    divan::main();
}

fn shared() -> PathBuf {
    std::env::var_os("STINGWATCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../../shared"))
        })
}

/// The recording's bytes (empty when missing).
fn recording() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        std::fs::read(shared().join("captures/rayhunter-traces/1749222138-goodsim.qmdl"))
            .unwrap_or_default()
    })
}

fn messages() -> &'static [RadioMessage] {
    static MSGS: OnceLock<Vec<RadioMessage>> = OnceLock::new();
    MSGS.get_or_init(|| {
        QmdlReader::new(recording())
            .filter_map(|i| match i {
                ReadItem::Message(m) => Some(m),
                ReadItem::Damage { .. } => None,
                ReadItem::Measurement(_) => None,
            })
            .collect()
    })
}

fn decoded() -> &'static [DecodedMessage] {
    static DEC: OnceLock<Vec<DecodedMessage>> = OnceLock::new();
    DEC.get_or_init(|| messages().iter().cloned().map(decode_message).collect())
}

fn events() -> &'static [Event] {
    static EV: OnceLock<Vec<Event>> = OnceLock::new();
    EV.get_or_init(|| {
        let mut d = EventDeriver::new();
        decoded().iter().flat_map(|m| d.derive(m)).collect()
    })
}

/// HDLC deframing alone: flag search, unescaping and the CRC-16 check of every frame.
#[divan::bench]
fn hdlc_deframe(b: Bencher) {
    fn never(_: &[u8], _: usize) -> bool {
        false
    }
    b.counter(divan::counter::BytesCount::new(recording().len()))
        .bench(|| {
            let mut d = Deframer::new(black_box(recording()), never);
            let mut frames = 0usize;
            while let Some(item) = d.next_item() {
                if let DeframeItem::Frame(_) = item {
                    frames += 1;
                }
            }
            frames
        });
}

/// CRC-16/X-25 over the recording's bytes (the checksum alone).
#[divan::bench]
fn crc16(b: Bencher) {
    b.counter(divan::counter::BytesCount::new(recording().len()))
        .bench(|| stingwatch_diag::hdlc::crc16(black_box(recording())));
}

/// HDLC deframing, CRC check and DIAG log parsing of the whole recording.
#[divan::bench]
fn read_qmdl(b: Bencher) {
    b.counter(divan::counter::BytesCount::new(recording().len()))
        .bench(|| QmdlReader::new(black_box(recording())).count());
}

/// Full UPER decoding of every LTE RRC PDU.
#[divan::bench]
fn rrc_decode_full(b: Bencher) {
    b.bench(|| {
        for m in messages() {
            if let PayloadKind::LteRrc { channel } = m.kind {
                let _ = black_box(stingwatch_lte_rrc::decode(channel, &m.payload));
            }
        }
    });
}

/// Every message through `decode_message` (RRC, nested NAS, NAS records).
#[divan::bench]
fn decode_all_full(b: Bencher) {
    b.counter(divan::counter::ItemsCount::new(messages().len()))
        .bench(|| {
            for m in messages() {
                black_box(decode_message(m.clone()));
            }
        });
}

/// Every message through the caching `Decoder` (fresh per pass, so each pass starts cold).
#[divan::bench]
fn decode_all_cached(b: Bencher) {
    b.counter(divan::counter::ItemsCount::new(messages().len()))
        .bench(|| {
            let mut d = Decoder::new();
            for m in messages() {
                black_box(d.decode(m.clone()));
            }
        });
}

/// EPS NAS decoding of every NAS PDU (records and those nested in RRC).
#[divan::bench]
fn nas_decode(b: Bencher) {
    let pdus: Vec<&[u8]> = decoded()
        .iter()
        .flat_map(|m| {
            let nested: Vec<&[u8]> = m
                .rrc
                .iter()
                .flat_map(|r| r.nas_pdus.iter().map(|p| p.as_slice()))
                .collect();
            let own =
                matches!(m.source.kind, PayloadKind::LteNas).then_some(m.source.payload.as_slice());
            nested.into_iter().chain(own)
        })
        .collect();
    b.counter(divan::counter::ItemsCount::new(pdus.len()))
        .bench(|| {
            for p in &pdus {
                black_box(stingwatch_nas::decode(p));
            }
        });
}

/// Event derivation from already decoded messages.
#[divan::bench]
fn derive_events(b: Bencher) {
    b.counter(divan::counter::ItemsCount::new(decoded().len()))
        .bench(|| {
            let mut d = EventDeriver::new();
            for m in decoded() {
                black_box(d.derive(m));
            }
        });
}

/// All analyzers over the recording's events.
#[divan::bench]
fn analyze_events(b: Bencher) {
    b.counter(divan::counter::ItemsCount::new(events().len()))
        .bench(|| black_box(Analysis::run(events())));
}

/// Full UPER decoding of the recording's PDUs of one message type (where the time goes).
#[divan::bench(args = ["SystemInformation", "SystemInformationBlockType1", "Paging", "RRCConnectionReconfiguration", "UECapabilityInformation", "MeasurementReport", "DLInformationTransfer", "RRCConnectionSetup"])]
fn rrc_decode_by_message(b: Bencher, name: &str) {
    let pdus: Vec<(stingwatch_model::LteRrcChannel, &[u8])> = decoded()
        .iter()
        .filter(|m| m.rrc.as_ref().is_some_and(|r| r.name == name))
        .filter_map(|m| match m.source.kind {
            PayloadKind::LteRrc { channel } => Some((channel, m.source.payload.as_slice())),
            _ => None,
        })
        .collect();
    b.counter(divan::counter::ItemsCount::new(pdus.len()))
        .bench(|| {
            for (c, p) in &pdus {
                let _ = black_box(stingwatch_lte_rrc::decode(*c, p));
            }
        });
}
