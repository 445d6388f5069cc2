//! 5GS NAS, which GSMTAP v2 cannot carry, goes into the written pcapng as Wireshark exported
//! PDUs on an interface of their own, between GSMTAP packets, and reads back as it was.

use std::io::Cursor;
use stingwatch_capture::{PcapReader, PcapngWriter};
use stingwatch_model::{
    CaptureTime, Direction, LteRrcChannel, PayloadKind, RadioContext, RadioMessage, Rat, ReadItem,
};

fn message(kind: PayloadKind, rat: Rat, direction: Direction, payload: &[u8]) -> RadioMessage {
    RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(CaptureTime(1_767_268_800_000_000)),
        direction,
        rat,
        kind,
        context: RadioContext::default(),
        payload: payload.to_vec(),
    }
}

#[test]
fn nas_5gs_between_gsmtap_packets_reads_back() {
    let written = [
        message(
            PayloadKind::LteRrc {
                channel: LteRrcChannel::UlDcch,
            },
            Rat::Lte,
            Direction::Uplink,
            &[0x48, 0x01],
        ),
        message(
            PayloadKind::NrNas,
            Rat::Nr,
            Direction::Downlink,
            &[0x7e, 0x00, 0x5b, 0x01],
        ),
        message(
            PayloadKind::LteNas,
            Rat::Lte,
            Direction::Downlink,
            &[0x07, 0x55, 0x01],
        ),
        message(
            PayloadKind::NrNas,
            Rat::Nr,
            Direction::Uplink,
            &[0x7e, 0x00, 0x44, 0x07],
        ),
    ];
    let mut w = PcapngWriter::new(Vec::new()).unwrap();
    for m in &written {
        w.write_message(m, &["a note"]).unwrap();
    }
    let bytes = w.into_inner().unwrap();
    let read: Vec<RadioMessage> = PcapReader::new(Cursor::new(bytes))
        .unwrap()
        .map(|i| match i {
            ReadItem::Message(m) => m,
            ReadItem::Damage(d) => panic!("damage: {d}"),
            ReadItem::Measurement(m) => panic!("a pcapng has no measurement records: {m:?}"),
        })
        .collect();
    assert_eq!(read.len(), written.len());
    for (r, w) in read.iter().zip(&written) {
        assert_eq!((r.kind, r.rat, &r.payload), (w.kind, w.rat, &w.payload));
    }
    // The direction travels in the exported PDU's direction tag.
    assert_eq!(read[1].direction, Direction::Downlink);
    assert_eq!(read[3].direction, Direction::Uplink);
    assert_eq!(read[1].time, written[1].time);
}
