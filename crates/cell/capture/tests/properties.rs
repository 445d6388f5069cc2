//! Property tests: arbitrary bytes never panic or loop, and the writer round-trips
//! arbitrary messages.

mod common;

use common::*;
use proptest::prelude::*;
use stingwatch_capture::gsmtap::lte_rrc_channel;
use stingwatch_capture::{PcapReader, PcapngWriter};
use stingwatch_model::{
    CaptureTime, Direction, PayloadKind, RadioContext, RadioMessage, Rat, ReadItem, UmtsRrcChannel,
};

/// Reading must end, and yield at most one item per input byte (plus one for the end).
fn read_bounded(bytes: &[u8]) {
    if let Ok(reader) = PcapReader::new(bytes) {
        let mut n = 0usize;
        for item in reader {
            n += 1;
            assert!(n <= bytes.len() + 1, "more items than bytes");
            if let ReadItem::Damage(d) = item {
                assert!(d.offset + d.length <= bytes.len() as u64);
            }
        }
    }
}

fn kind_strategy() -> impl Strategy<Value = PayloadKind> {
    prop_oneof![
        (0u8..=22)
            .prop_filter_map("rrc channel", lte_rrc_channel)
            .prop_map(|channel| PayloadKind::LteRrc { channel }),
        Just(PayloadKind::LteNas),
        any::<u8>().prop_map(|channel_type| PayloadKind::GsmUm { channel_type }),
        Just(PayloadKind::GsmL3),
        (0u8..=61)
            .prop_filter_map("umts rrc channel", UmtsRrcChannel::from_gsmtap)
            .prop_map(|channel| PayloadKind::UmtsRrc { channel }),
        (any::<u8>(), any::<u8>())
            .prop_filter("not a named kind", |(t, s)| {
                !matches!(t, 0x01 | 0x02 | 0x0d | 0x12) && *t != 0 && !(*t == 0x0c && *s <= 61)
            })
            .prop_map(|(gsmtap_type, sub_type)| PayloadKind::Other {
                gsmtap_type,
                sub_type
            }),
    ]
}

fn rat_for(kind: PayloadKind) -> Rat {
    match kind {
        PayloadKind::LteRrc { .. } | PayloadKind::LteNas => Rat::Lte,
        PayloadKind::GsmUm { .. } | PayloadKind::GsmL3 => Rat::Gsm,
        PayloadKind::NrRrc { .. } => Rat::Nr,
        PayloadKind::NrNas => Rat::Nr,
        PayloadKind::UmtsRrc { .. } => Rat::Umts,
        PayloadKind::Other { gsmtap_type, .. } => match gsmtap_type {
            0x0b | 0x0c => Rat::Umts,
            0x0e | 0x0f => Rat::Lte,
            _ => Rat::Gsm,
        },
    }
}

fn message_strategy() -> impl Strategy<Value = RadioMessage> {
    (
        kind_strategy(),
        any::<bool>(),
        0u32..=0x3fff,
        0i64..=4_102_444_800_000_000,
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(kind, uplink, arfcn, micros, payload)| {
            let direction = match kind {
                PayloadKind::LteRrc { channel } => channel.direction(),
                PayloadKind::UmtsRrc { channel } => channel.direction(),
                _ if uplink => Direction::Uplink,
                _ => Direction::Downlink,
            };
            RadioMessage {
                packet: 0,
                offset: 0,
                time: Some(CaptureTime(micros)),
                direction,
                rat: rat_for(kind),
                kind,
                context: RadioContext {
                    arfcn: Some(arfcn),
                    ..RadioContext::default()
                },
                payload,
            }
        })
}

proptest! {
    // PROPTEST_CASES raises the count for a thorough run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
    ))]

    #[test]
    fn arbitrary_pcapng_bytes_never_panic(
        be in any::<bool>(),
        tail in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        let mut bytes = ng_shb(be);
        bytes.extend(ng_idb(be, 228, None));
        bytes.extend(tail);
        read_bounded(&bytes);
    }

    #[test]
    fn arbitrary_pcap_bytes_never_panic(
        be in any::<bool>(),
        nanos in any::<bool>(),
        linktype in prop_oneof![Just(1u32), Just(101), Just(113), Just(228), Just(276), any::<u32>()],
        tail in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        let mut bytes = pcap_header(be, nanos, linktype);
        bytes.extend(tail);
        read_bounded(&bytes);
    }

    #[test]
    fn any_prefix_of_a_capture_never_panics(
        pcapng in any::<bool>(),
        be in any::<bool>(),
        messages in proptest::collection::vec(message_strategy(), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut file = if pcapng {
            let mut f = ng_shb(be);
            f.extend(ng_idb(be, 228, Some(6)));
            for (i, m) in messages.iter().enumerate() {
                f.extend(ng_epb(be, 0, i as u64, &message_packet(m)));
            }
            f
        } else {
            let mut f = pcap_header(be, false, 228);
            for (i, m) in messages.iter().enumerate() {
                f.extend(pcap_record(be, i as u32, 0, &message_packet(m)));
            }
            f
        };
        let whole = read_all(&file).messages;
        prop_assert_eq!(whole.len(), messages.len());
        let keep = cut.index(file.len() + 1);
        file.truncate(keep);
        read_bounded(&file);
        if keep >= 4 {
            // What survives a truncation is a prefix of what the whole file holds.
            let read = read_all(&file);
            prop_assert!(read.messages.len() <= whole.len());
            prop_assert_eq!(&read.messages[..], &whole[..read.messages.len()]);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        read_bounded(&bytes);
    }

    #[test]
    fn mutated_writer_output_never_panics(
        messages in proptest::collection::vec(message_strategy(), 1..6),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut writer = PcapngWriter::new(Vec::new()).expect("header");
        for m in &messages {
            writer.write_message(m, &["note"]).expect("write");
        }
        let mut bytes = writer.into_inner().expect("flush");
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(4));
        read_bounded(&bytes);
    }

    #[test]
    fn writer_round_trips_arbitrary_messages(
        messages in proptest::collection::vec(message_strategy(), 0..8),
        comment in "[ -~]{0,40}",
    ) {
        let mut writer = PcapngWriter::new(Vec::new()).expect("header");
        for m in &messages {
            writer.write_message(m, &[comment.as_str()]).expect("write");
        }
        let bytes = writer.into_inner().expect("flush");
        let read = read_all(&bytes);
        prop_assert!(read.damage.is_empty(), "{:?}", read.damage);
        prop_assert_eq!(read.messages.len(), messages.len());
        for (i, (want, got)) in messages.iter().zip(&read.messages).enumerate() {
            let mut want = want.clone();
            want.packet = i as u64 + 1;
            want.offset = got.offset;
            prop_assert_eq!(&want, got);
        }
    }
}
