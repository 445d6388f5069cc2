//! UMTS events: the RRC events of built UMTS RRC messages, and one event per NAS message when
//! a direct transfer and its 0x713A record carry the same NAS (the pairing rule of
//! `derive.rs`).

use stingwatch_decode::decode_message;
use stingwatch_events::{
    AccessTechnology, EventDeriver, EventKind, GsmEvent, IdentityType, UmtsEvent,
    MAX_RECENT_UMTS_NAS,
};
use stingwatch_model::{
    CaptureTime, Direction, PayloadKind, RadioContext, RadioMessage, Rat, UmtsRrcChannel,
};
use stingwatch_umts_rrc::{build, InitialIdentity, Redirection};

/// An Identity Request for the IMSI (MM).
const IDENTITY_REQUEST: [u8; 3] = [0x05, 0x18, 0x01];
const T0: i64 = 1_700_000_000_000_000;

fn umts(packet: u64, ms: i64, channel: UmtsRrcChannel, payload: Vec<u8>) -> RadioMessage {
    RadioMessage {
        packet,
        offset: 0,
        time: Some(CaptureTime(T0 + ms * 1000)),
        direction: channel.direction(),
        rat: Rat::Umts,
        kind: PayloadKind::UmtsRrc { channel },
        context: RadioContext::default(),
        payload,
    }
}

fn record(packet: u64, ms: i64, payload: &[u8]) -> RadioMessage {
    RadioMessage {
        packet,
        offset: 0,
        time: Some(CaptureTime(T0 + ms * 1000)),
        direction: Direction::Downlink,
        rat: Rat::Umts,
        kind: PayloadKind::GsmL3,
        context: RadioContext::default(),
        payload: payload.to_vec(),
    }
}

fn events(messages: Vec<RadioMessage>) -> Vec<EventKind> {
    let mut d = EventDeriver::new();
    messages
        .into_iter()
        .flat_map(|m| d.derive(&decode_message(m)))
        .map(|e| e.kind)
        .collect()
}

fn identity_requests(kinds: &[EventKind]) -> usize {
    kinds
        .iter()
        .filter(|k| {
            matches!(
                k,
                EventKind::Umts(UmtsEvent::Nas(GsmEvent::IdentityRequested {
                    identity: IdentityType::Imsi,
                    ..
                }))
            )
        })
        .count()
}

#[test]
fn rrc_messages_become_umts_events() {
    let imsi = InitialIdentity::Imsi("001010123456789".into());
    let kinds = events(vec![
        umts(
            1,
            0,
            UmtsRrcChannel::UlCcch,
            build::connection_request(&imsi, 12),
        ),
        umts(
            2,
            10,
            UmtsRrcChannel::DlCcch,
            build::connection_reject(&imsi, 3, Some(Redirection::Gsm)),
        ),
        umts(
            3,
            20,
            UmtsRrcChannel::DlDcch,
            build::security_mode_command(Some(0), 1, false, 7),
        ),
        umts(
            4,
            30,
            UmtsRrcChannel::UlDcch,
            build::security_mode_complete(7),
        ),
    ]);
    assert_eq!(
        kinds,
        vec![
            EventKind::Umts(UmtsEvent::ConnectionRequested {
                identity: IdentityType::Imsi,
                cause: 12
            }),
            EventKind::Umts(UmtsEvent::ConnectionRejected {
                redirect: Some(stingwatch_events::Redirect {
                    rat: AccessTechnology::Geran,
                    arfcn: None
                })
            }),
            EventKind::Umts(UmtsEvent::SecurityModeCommand {
                cipher: Some(0),
                integrity: Some(1)
            }),
            EventKind::Umts(UmtsEvent::SecurityModeComplete),
        ]
    );
}

#[test]
fn nas_in_a_direct_transfer_and_its_record_count_once() {
    let dt = || build::downlink_direct_transfer(&IDENTITY_REQUEST, false, None);
    // Transfer then record, record then transfer: one request each time.
    let kinds = events(vec![
        umts(1, 0, UmtsRrcChannel::DlDcch, dt()),
        record(2, 1, &IDENTITY_REQUEST),
    ]);
    assert_eq!(identity_requests(&kinds), 1, "{kinds:?}");
    let kinds = events(vec![
        record(1, 0, &IDENTITY_REQUEST),
        umts(2, 1, UmtsRrcChannel::DlDcch, dt()),
    ]);
    assert_eq!(identity_requests(&kinds), 1);
    // Two transfers (the network asked twice) with their two records: two requests.
    let kinds = events(vec![
        umts(1, 0, UmtsRrcChannel::DlDcch, dt()),
        record(2, 1, &IDENTITY_REQUEST),
        umts(3, 500, UmtsRrcChannel::DlDcch, dt()),
        record(4, 501, &IDENTITY_REQUEST),
    ]);
    assert_eq!(identity_requests(&kinds), 2);
    // Two copies from one source never pair.
    let kinds = events(vec![
        umts(1, 0, UmtsRrcChannel::DlDcch, dt()),
        umts(2, 1, UmtsRrcChannel::DlDcch, dt()),
    ]);
    assert_eq!(identity_requests(&kinds), 2);
    // Beyond two seconds, a record is its own message.
    let kinds = events(vec![
        umts(1, 0, UmtsRrcChannel::DlDcch, dt()),
        record(2, 2_001, &IDENTITY_REQUEST),
    ]);
    assert_eq!(identity_requests(&kinds), 2);
}

#[test]
fn pairing_memory_is_bounded() {
    // More distinct transfers than are remembered, then the record of the first: it is no
    // longer remembered, so it counts as its own message.
    let mut messages = Vec::new();
    let n = MAX_RECENT_UMTS_NAS as u64 + 1;
    for i in 0..n {
        let nas = [0x05, 0x18, 0x01, u8::try_from(i).unwrap()];
        messages.push(umts(
            i + 1,
            0,
            UmtsRrcChannel::DlDcch,
            build::downlink_direct_transfer(&nas, false, None),
        ));
    }
    messages.push(record(n + 1, 1, &[0x05, 0x18, 0x01, 0]));
    let kinds = events(messages);
    assert_eq!(identity_requests(&kinds), usize::try_from(n).unwrap() + 1);
}
