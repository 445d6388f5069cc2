//! Writing messages as a DIAG stream and reading them back.

use proptest::prelude::*;
use stingwatch_diag::hdlc::{decode_frame, encode_frame, DeframeItem, Deframer, FLAG};
use stingwatch_diag::log::DiagLogPacket;
use stingwatch_diag::{QmdlReader, QmdlWriter, WriteError};
use stingwatch_model::{
    CaptureTime, Direction, LteRrcChannel, PayloadKind, RadioContext, RadioMessage, Rat, ReadItem,
};
use stingwatch_testsupport::shared_captures;

fn read_messages(data: &[u8]) -> Vec<RadioMessage> {
    QmdlReader::new(data)
        .filter_map(|item| match item {
            ReadItem::Message(m) => Some(m),
            ReadItem::Measurement(_) => None,
            ReadItem::Damage(d) => panic!("damage in written stream: {d}"),
        })
        .collect()
}

/// Written and read back, a message keeps its kind, direction, time, payload and context.
fn assert_same(written: &RadioMessage, read: &RadioMessage) {
    assert_eq!(read.kind, written.kind);
    assert_eq!(read.direction, written.direction);
    assert_eq!(read.time, written.time);
    assert_eq!(read.payload, written.payload);
    assert_eq!(read.rat, written.rat);
    if matches!(written.kind, PayloadKind::LteRrc { .. }) {
        assert_eq!(read.context, written.context);
    }
}

#[test]
fn real_recordings_round_trip() {
    let mut files = shared_captures("rayhunter-traces", "qmdl");
    files.extend(shared_captures("mobileinsight", "mi2log"));
    for path in files {
        let data = std::fs::read(&path).unwrap_or_default();
        let original: Vec<RadioMessage> = QmdlReader::new(data.as_slice())
            .filter_map(|i| match i {
                ReadItem::Message(m) => Some(m),
                ReadItem::Damage(_) | ReadItem::Measurement(_) => None,
            })
            .collect();
        let mut writer = QmdlWriter::new(Vec::new());
        for m in &original {
            writer
                .write_message(m)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        let written = writer.into_inner();
        let back = read_messages(&written);
        assert_eq!(back.len(), original.len(), "{}", path.display());
        for (w, r) in original.iter().zip(&back) {
            assert_same(w, r);
        }
        // Packet numbers restart at 1 and offsets are those of the new stream.
        assert_eq!(back.first().map(|m| (m.packet, m.offset)), Some((1, 0)));
    }
}

#[test]
fn nas_log_codes_follow_the_header() {
    let cases: [(&[u8], Direction, u16); 5] = [
        // Plain EMM identity request, downlink.
        (&[0x07, 0x55, 0x01], Direction::Downlink, 0xB0EC),
        // Integrity protected and ciphered EMM, uplink.
        (
            &[0x27, 1, 2, 3, 4, 5, 0x07, 0x43],
            Direction::Uplink,
            0xB0EB,
        ),
        // Service request (security header type 12) stays with plain EMM.
        (&[0xC7, 0x01, 0x17, 0x00], Direction::Uplink, 0xB0ED),
        // Plain ESM, both directions.
        (&[0x02, 0x01, 0xD1], Direction::Downlink, 0xB0E2),
        (&[0x02, 0x01, 0xD2], Direction::Uplink, 0xB0E3),
    ];
    for (pdu, direction, code) in cases {
        let msg = RadioMessage {
            packet: 1,
            offset: 0,
            time: Some(CaptureTime(1_749_222_138_123_456)),
            direction,
            rat: Rat::Lte,
            kind: PayloadKind::LteNas,
            context: RadioContext::default(),
            payload: pdu.to_vec(),
        };
        let mut writer = QmdlWriter::new(Vec::new());
        writer.write_message(&msg).unwrap();
        let stream = writer.into_inner();
        let mut payload = Vec::new();
        decode_frame(stream.get(..stream.len() - 1).unwrap(), &mut payload).unwrap();
        let log = DiagLogPacket::new_checked(&payload).unwrap();
        assert_eq!(log.log_code(), code, "{pdu:02x?}");
        let back = read_messages(&stream);
        assert_same(&msg, &back[0]);
    }
}

#[test]
fn unwritable_messages_are_errors() {
    let mut msg = RadioMessage {
        packet: 1,
        offset: 0,
        time: None,
        direction: Direction::Unknown,
        rat: Rat::Lte,
        kind: PayloadKind::LteNas,
        context: RadioContext::default(),
        payload: vec![0x07, 0x55],
    };
    let mut writer = QmdlWriter::new(Vec::new());
    assert!(matches!(
        writer.write_message(&msg),
        Err(WriteError::Unsupported(_))
    ));
    msg.kind = PayloadKind::LteRrc {
        channel: LteRrcChannel::ScMcch,
    };
    assert!(matches!(
        writer.write_message(&msg),
        Err(WriteError::Unsupported(_))
    ));
    // A dedicated-channel frame too short to hold LAPDm and layer 3.
    msg.kind = PayloadKind::GsmUm { channel_type: 7 };
    assert!(matches!(
        writer.write_message(&msg),
        Err(WriteError::Unsupported(_))
    ));
    // Layer 3 of unknown direction.
    msg.kind = PayloadKind::GsmL3;
    assert!(matches!(
        writer.write_message(&msg),
        Err(WriteError::Unsupported(_))
    ));
    assert!(writer.into_inner().is_empty());
}

#[test]
fn gsm_messages_round_trip_through_their_records() {
    let block = {
        let mut b = vec![0x49, 0x06, 0x1b, 0x12, 0x34];
        b.resize(23, 0x2b);
        b
    };
    let base = RadioMessage {
        packet: 0,
        offset: 0,
        time: None,
        direction: Direction::Downlink,
        rat: Rat::Gsm,
        kind: PayloadKind::GsmUm { channel_type: 1 },
        context: RadioContext::default(),
        payload: block.clone(),
    };
    let mm = RadioMessage {
        direction: Direction::Uplink,
        kind: PayloadKind::GsmL3,
        payload: vec![0x05, 0x19, 0x01, 0xf4],
        ..base.clone()
    };
    // An SDCCH frame: LAPDm address, control, length (2 octets), then layer 3 and fill.
    let sdcch = RadioMessage {
        kind: PayloadKind::GsmUm { channel_type: 7 },
        payload: vec![0x01, 0x00, 0x09, 0x06, 0x35, 0x2b, 0x2b],
        ..base.clone()
    };
    let mut writer = QmdlWriter::new(Vec::new());
    for m in [&base, &mm, &sdcch] {
        writer.write_message(m).unwrap();
    }
    let bytes = writer.into_inner();
    let read = read_messages(&bytes);
    assert_eq!(read.len(), 3);
    assert_eq!(read[0].kind, PayloadKind::GsmUm { channel_type: 1 });
    assert_eq!(read[0].payload, block);
    assert_eq!(read[1].kind, PayloadKind::GsmL3);
    assert_eq!(read[1].direction, Direction::Uplink);
    assert_eq!(read[1].payload, mm.payload);
    // The dedicated frame comes back as its layer 3 alone, on GSM.
    assert_eq!(read[2].kind, PayloadKind::GsmL3);
    assert_eq!(read[2].payload, vec![0x06, 0x35]);
    assert_eq!(read[2].rat, Rat::Gsm);
}

fn channel() -> impl Strategy<Value = LteRrcChannel> {
    use LteRrcChannel::*;
    prop::sample::select(vec![
        BcchBch,
        BcchDlSch,
        Mcch,
        Pcch,
        DlCcch,
        DlDcch,
        UlCcch,
        UlDcch,
        BcchBchNb,
        BcchDlSchNb,
        PcchNb,
        DlCcchNb,
        DlDcchNb,
        UlCcchNb,
        UlDcchNb,
    ])
}

fn rrc_message() -> impl Strategy<Value = RadioMessage> {
    (
        channel(),
        0i64..4_000_000_000_000_000,
        // Unknown values (a GSMTAP source has no PCI) must read back as unknown, not as 0.
        prop::option::of(0u32..u32::MAX),
        prop::option::of(0u16..504),
        0u16..1024,
        prop::collection::vec(any::<u8>(), 1..300),
    )
        .prop_map(|(channel, t, arfcn, pci, sfn, payload)| RadioMessage {
            packet: 0,
            offset: 0,
            time: Some(CaptureTime(315_964_800_000_000 + t)),
            direction: channel.direction(),
            rat: Rat::Lte,
            kind: PayloadKind::LteRrc { channel },
            context: RadioContext {
                arfcn,
                pci,
                sfn: Some(sfn),
            },
            payload,
        })
}

proptest! {
    #[test]
    fn hdlc_round_trips(payload in prop::collection::vec(any::<u8>(), 1..2000)) {
        let mut frame = Vec::new();
        encode_frame(&payload, &mut frame);
        prop_assert_eq!(frame.iter().filter(|&&b| b == FLAG).count(), 1);
        prop_assert_eq!(frame.last(), Some(&FLAG));
        let mut out = Vec::new();
        prop_assert!(decode_frame(&frame[..frame.len() - 1], &mut out).is_ok());
        prop_assert_eq!(out, payload);
    }

    #[test]
    fn deframer_splits_concatenated_frames(frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..300), 0..20)) {
        let mut stream = Vec::new();
        for f in &frames {
            encode_frame(f, &mut stream);
        }
        let mut d = Deframer::new(stream.as_slice(), |_, _| false);
        let mut got = Vec::new();
        while let Some(item) = d.next_item() {
            match item {
                DeframeItem::Frame(f) => got.push(f.payload.to_vec()),
                DeframeItem::Damage(x) => prop_assert!(false, "damage {:?}", x),
            }
        }
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..4000)) {
        let mut reader = QmdlReader::new(data.as_slice());
        let mut covered = 0u64;
        for item in reader.by_ref() {
            if let ReadItem::Damage(d) = item {
                prop_assert!(d.offset + d.length <= data.len() as u64);
                covered += d.length;
            }
        }
        prop_assert!(covered <= data.len() as u64);
        prop_assert_eq!(reader.summary().bytes, data.len() as u64);
    }

    #[test]
    fn framed_noise_never_panics(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..40)) {
        // Noise shaped like DIAG: log-packet headers with random lengths, codes and bodies.
        let mut stream = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            let mut payload = vec![0x10, 0];
            payload.extend_from_slice(c);
            if i % 3 == 0 {
                let mut p = Vec::new();
                let code = [0xB0C0u16, 0xB0EC, 0xB0E3, 0xB0EA][i % 4];
                let _ = DiagLogPacket::emit(code, i as u64, c, &mut p);
                payload = p;
            }
            encode_frame(&payload, &mut stream);
        }
        let n = QmdlReader::new(stream.as_slice()).count();
        prop_assert!(n <= chunks.len());
    }

    #[test]
    fn rrc_messages_round_trip(msgs in prop::collection::vec(rrc_message(), 1..20)) {
        let mut writer = QmdlWriter::new(Vec::new());
        for m in &msgs {
            writer.write_message(m).unwrap();
        }
        let stream = writer.into_inner();
        let back = read_messages(&stream);
        prop_assert_eq!(back.len(), msgs.len());
        for (i, (w, r)) in msgs.iter().zip(&back).enumerate() {
            assert_same(w, r);
            prop_assert_eq!(r.packet, i as u64 + 1);
        }
    }
}
