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

/// A MIB and a SIB3 sent in segments over several BCCH-BCH messages, as a cell sends SIBs
/// longer than one 246-bit block: the cell events come when the last segment arrives, with
/// the PLMN and cell identity the joined blocks carry.
#[test]
fn segmented_mib_and_sib3_reach_the_events() {
    use stingwatch_events::Plmn;
    use stingwatch_umts_rrc::sib::{build as sib_build, SIB_TYPE_MIB, SIB_TYPE_SIB3};
    let mib = sib_build::segments_of(SIB_TYPE_MIB, &sib_build::mib("262", "01", 24));
    let sib3 = sib_build::segments_of(SIB_TYPE_SIB3, &sib_build::sib3(0x0123_4567, 500));
    assert!(mib.len() >= 2 && sib3.len() >= 3);
    // Interleaved, as a cell schedules them.
    let mut order = Vec::new();
    for i in 0..mib.len().max(sib3.len()) {
        order.extend(mib.get(i).cloned());
        order.extend(sib3.get(i).cloned());
    }
    let messages: Vec<RadioMessage> = sib_build::messages_of(0, &order)
        .into_iter()
        .enumerate()
        .map(|(i, pdu)| umts(i as u64 + 1, 20 * i as i64, UmtsRrcChannel::BcchBch, pdu))
        .collect();
    let n = messages.len() as u64;
    let mut d = EventDeriver::new();
    let mut got = Vec::new();
    for m in messages {
        got.extend(d.derive(&decode_message(m)));
    }
    let cells: Vec<(u64, EventKind)> = got.into_iter().map(|e| (e.packet, e.kind)).collect();
    let mib_last = 2 * mib.len() as u64 - 1;
    assert_eq!(
        cells,
        vec![
            (
                mib_last,
                EventKind::Umts(UmtsEvent::Cell {
                    plmn: Plmn::from_decimal("262", "01"),
                    cell_id: None
                })
            ),
            (
                n,
                EventKind::Umts(UmtsEvent::Cell {
                    plmn: None,
                    cell_id: Some(0x0123_4567)
                })
            ),
        ]
    );
    assert!(d.take_diagnostics().0.is_empty());
}

/// A segment lost from the broadcast: the SIB is not read from what is left, the loss is a
/// diagnostic, and the next full round gives the event. A cell change leaves the old cell's
/// unfinished SIB behind, said aloud.
#[test]
fn lost_segments_are_diagnosed_and_the_next_round_read() {
    use stingwatch_umts_rrc::sib::{build as sib_build, SIB_TYPE_SIB3};
    let segs = sib_build::segments_of(SIB_TYPE_SIB3, &sib_build::sib3(77, 700));
    assert!(segs.len() >= 4);
    let pdus = sib_build::messages_of(0, &segs);
    let mut broken = pdus.clone();
    broken.remove(1);
    broken.extend(pdus.iter().cloned());
    // The next cell's first segment only.
    let mut d = EventDeriver::new();
    let mut events = Vec::new();
    for (i, pdu) in broken.into_iter().enumerate() {
        events.extend(d.derive(&decode_message(umts(
            i as u64 + 1,
            20 * i as i64,
            UmtsRrcChannel::BcchBch,
            pdu,
        ))));
    }
    let mut other_cell = umts(100, 5000, UmtsRrcChannel::BcchBch, pdus[0].clone());
    other_cell.context = RadioContext {
        arfcn: Some(10_700),
        pci: Some(12),
        ..RadioContext::default()
    };
    events.extend(d.derive(&decode_message(other_cell)));
    d.finish(101);
    let cells: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Umts(UmtsEvent::Cell { .. })))
        .collect();
    assert_eq!(cells.len(), 1, "{events:?}");
    assert_eq!(cells[0].packet, 2 * segs.len() as u64 - 1);
    let (diagnostics, dropped) = d.take_diagnostics();
    assert_eq!(dropped, 0);
    let texts: Vec<&str> = diagnostics.iter().map(|d| d.text.as_str()).collect();
    assert!(
        texts[0].contains("segment 2 where segment 1 was expected"),
        "{texts:?}"
    );
    assert!(texts[1].contains("without its first segment"), "{texts:?}");
    assert!(
        texts.last().unwrap().contains("left incomplete after 1 of"),
        "{texts:?}"
    );
}
