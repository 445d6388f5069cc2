//! Event derivation from real encoded messages (built with the decoders' own builders, then
//! decoded the way a capture is).

use stingwatch_decode::{decode_message, DecodedMessage};
use stingwatch_events::*;
use stingwatch_lte_rrc::build as rrc;
use stingwatch_lte_rrc::{GeranBand, LteRrcChannel, PagingIdentity, PagingRecord, RedirectTarget};
use stingwatch_model::{Direction, PayloadKind, RadioContext, RadioMessage, Rat};
use stingwatch_nas::build as nas;

const EARFCN: u32 = 5230;
const PCI: u16 = 101;

fn radio(packet: u64, kind: PayloadKind, payload: Vec<u8>, ctx: RadioContext) -> DecodedMessage {
    let direction = match kind {
        PayloadKind::LteRrc { channel } => channel.direction(),
        _ => Direction::Unknown,
    };
    decode_message(RadioMessage {
        packet,
        offset: 0,
        time: Some(CaptureTime(1_700_000_000_000_000 + packet as i64 * 10_000)),
        direction,
        rat: Rat::Lte,
        kind,
        context: ctx,
        payload,
    })
}

fn ctx() -> RadioContext {
    RadioContext {
        arfcn: Some(EARFCN),
        pci: Some(PCI),
        sfn: None,
    }
}

fn rrc_msg(packet: u64, pdu: (LteRrcChannel, Vec<u8>)) -> DecodedMessage {
    radio(packet, PayloadKind::LteRrc { channel: pdu.0 }, pdu.1, ctx())
}

fn nas_record(packet: u64, pdu: Vec<u8>, direction: Direction) -> DecodedMessage {
    let mut m = radio(packet, PayloadKind::LteNas, pdu, RadioContext::default());
    m.source.direction = direction;
    m
}

fn sib1() -> DecodedMessage {
    let pdu = rrc::system_information_block_type1(&rrc::Sib1 {
        plmns: vec![stingwatch_lte_rrc::Plmn {
            mcc: "310".into(),
            mnc: "260".into(),
        }],
        tac: 4242,
        cell_identity: 0x00AB_CDE1,
        freq_band: 2,
        scheduled_sibs: vec![3, 5, 7],
        barred: false,
    })
    .unwrap();
    rrc_msg(1, pdu)
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind.clone()).collect()
}

#[test]
fn sib1_becomes_cell_observed_and_names_later_events() {
    let mut d = EventDeriver::new();
    let ev = d.derive(&sib1());
    assert_eq!(ev.len(), 1);
    let EventKind::CellObserved {
        plmn,
        tac,
        cell_id,
        scheduled_sibs,
        ..
    } = &ev[0].kind
    else {
        panic!("{ev:?}")
    };
    assert_eq!(plmn.to_string(), "310-260");
    assert_eq!((*tac, *cell_id), (4242, 0x00AB_CDE1));
    assert!(scheduled_sibs.contains(&2) && scheduled_sibs.contains(&7));
    let cell = ev[0].cell.unwrap();
    assert_eq!((cell.earfcn, cell.pci), (Some(EARFCN), Some(PCI)));
    assert_eq!(cell.identity.unwrap().tac, 4242);

    let page = rrc::paging(
        &[PagingRecord {
            identity: PagingIdentity::Imsi("310260123456789".into()),
            cn_domain: stingwatch_lte_rrc::CnDomain::Ps,
        }],
        false,
    )
    .unwrap();
    let ev = d.derive(&rrc_msg(2, page));
    assert_eq!(
        kinds(&ev),
        vec![EventKind::Paging {
            identities: vec![IdentityType::Imsi].into(),
            system_info_modification: false
        }]
    );
    assert_eq!(ev[0].cell.unwrap().identity.unwrap().cell_id, 0x00AB_CDE1);
}

#[test]
fn nas_in_rrc_and_as_record_yields_one_event() {
    let req = nas::identity_request(stingwatch_nas::IdentityType::Imsi);
    let in_rrc = rrc_msg(2, rrc::dl_information_transfer(&req).unwrap());
    let record = nas_record(3, req.clone(), Direction::Downlink);

    let mut both = EventDeriver::new();
    both.derive(&sib1());
    let mut ev = both.derive(&in_rrc);
    ev.extend(both.derive(&record));

    let mut rrc_only = EventDeriver::new();
    rrc_only.derive(&sib1());
    let only = rrc_only.derive(&in_rrc);

    let want = vec![EventKind::IdentityRequested {
        layer: Layer::Nas,
        identity: IdentityType::Imsi,
    }];
    assert_eq!(kinds(&ev), want);
    assert_eq!(ev, only);

    // Record first, RRC copy second: still one event, on the record's packet.
    let mut rev = EventDeriver::new();
    rev.derive(&sib1());
    let mut ev = rev.derive(&nas_record(2, req.clone(), Direction::Downlink));
    ev.extend(rev.derive(&rrc_msg(3, rrc::dl_information_transfer(&req).unwrap())));
    assert_eq!(kinds(&ev), want);
    assert_eq!(ev[0].packet, 2);
    // A record without radio context inherits the serving cell.
    assert_eq!(ev[0].cell.unwrap().pci, Some(PCI));
}

#[test]
fn two_rrc_transmissions_are_never_merged() {
    let req = nas::identity_request(stingwatch_nas::IdentityType::Imsi);
    let mut d = EventDeriver::new();
    let mut ev = d.derive(&rrc_msg(2, rrc::dl_information_transfer(&req).unwrap()));
    ev.extend(d.derive(&rrc_msg(3, rrc::dl_information_transfer(&req).unwrap())));
    assert_eq!(ev.len(), 2);
}

#[test]
fn ciphered_nas_is_a_marker_and_the_plain_record_adds_content() {
    let plain = nas::tracking_area_update_reject(7);
    let ciphered = nas::protect(&plain, nas::Protection::Ciphered, 0x1234_5678, 3);
    let mut d = EventDeriver::new();
    let mut ev = d.derive(&rrc_msg(
        2,
        rrc::dl_information_transfer(&ciphered).unwrap(),
    ));
    ev.extend(d.derive(&nas_record(3, plain, Direction::Downlink)));
    assert_eq!(
        kinds(&ev),
        vec![
            EventKind::ProtectedNas { uplink: false },
            EventKind::TauReject { cause: 7 }
        ]
    );
}

#[test]
fn rrc_procedures_map_to_events() {
    let mut d = EventDeriver::new();
    let release = rrc::rrc_connection_release(
        rrc::ReleaseCause::Other,
        Some(&RedirectTarget::Geran {
            starting_arfcn: 20,
            band: GeranBand::Dcs1800,
            arfcns: vec![20],
        }),
        None,
    )
    .unwrap();
    let ev = d.derive(&rrc_msg(5, release));
    assert_eq!(
        kinds(&ev),
        vec![EventKind::ConnectionReleased {
            cause: Some(ReleaseCause::Other),
            redirect: Some(Redirect {
                rat: AccessTechnology::Geran,
                arfcn: Some(20)
            }),
            idle_priorities: [].into(),
        }]
    );
    let ev = d.derive(&rrc_msg(6, rrc::security_mode_command(0, 2).unwrap()));
    assert_eq!(
        kinds(&ev),
        vec![EventKind::SecurityModeCommand {
            layer: Layer::Rrc,
            cipher: Some(0),
            integrity: Some(2)
        }]
    );
    let ev = d.derive(&rrc_msg(
        7,
        rrc::rrc_connection_reconfiguration_handover(7, None).unwrap(),
    ));
    assert_eq!(
        kinds(&ev),
        vec![EventKind::Handover {
            rat: AccessTechnology::Eutra,
            arfcn: Some(EARFCN),
            pci: Some(7)
        }]
    );
}

#[test]
fn stateless_helper_and_garbage_input() {
    assert_eq!(from_decoded(&sib1()).len(), 1);
    // Undecodable bytes produce no events and no panic.
    let junk = rrc_msg(9, (LteRrcChannel::DlDcch, vec![0xff; 40]));
    assert!(EventDeriver::new().derive(&junk).is_empty() || junk.rrc.is_some());
    let junk_nas = nas_record(10, vec![0x07, 0x41], Direction::Uplink);
    let _ = EventDeriver::new().derive(&junk_nas);
}

#[test]
fn unset_device_clock_gives_no_time() {
    let page = || {
        rrc::paging(
            &[PagingRecord {
                identity: PagingIdentity::Imsi("310260123456789".into()),
                cn_domain: stingwatch_lte_rrc::CnDomain::Ps,
            }],
            false,
        )
        .unwrap()
    };
    let mut d = EventDeriver::new();
    // 1980-01-06 00:02:49: a modem counting from the DIAG epoch before it learned the time.
    let mut early = rrc_msg(1, page());
    early.source.time = Some(CaptureTime(315_964_969_664_000));
    let ev = d.derive(&early);
    assert!(!ev.is_empty());
    assert!(ev.iter().all(|e| e.time.is_none()));
    let mut late = rrc_msg(2, page());
    late.source.time = Some(CaptureTime(1_749_222_138_000_000));
    let ev = d.derive(&late);
    assert!(!ev.is_empty());
    assert!(ev
        .iter()
        .all(|e| e.time == Some(CaptureTime(1_749_222_138_000_000))));
}

#[test]
fn oldest_of_more_than_max_remembered_cells_is_forgotten() {
    let sib = sib1();
    let page = rrc_msg(
        0,
        rrc::paging(
            &[PagingRecord {
                identity: PagingIdentity::Imsi("310260123456789".into()),
                cn_domain: stingwatch_lte_rrc::CnDomain::Ps,
            }],
            false,
        )
        .unwrap(),
    );
    let on = |msg: &DecodedMessage, earfcn: usize| {
        let mut m = msg.clone();
        m.source.packet = 1;
        m.source.context.arfcn = Some(earfcn as u32);
        m
    };
    // Whether the deriver still knows the SIB1 identity of the cell on `earfcn`.
    let known = |d: &mut EventDeriver, earfcn: usize| {
        let ev = d.derive(&on(&page, earfcn));
        ev[0].cell.expect("radio context").identity.is_some()
    };
    let mut d = EventDeriver::new();
    for earfcn in 0..MAX_REMEMBERED_CELLS {
        d.derive(&on(&sib, earfcn));
    }
    assert!(known(&mut d, 0));
    assert!(known(&mut d, MAX_REMEMBERED_CELLS - 1));
    // One cell more: the first one seen is forgotten, and only it.
    d.derive(&on(&sib, MAX_REMEMBERED_CELLS));
    assert!(!known(&mut d, 0));
    assert!(known(&mut d, 1));
    assert!(known(&mut d, MAX_REMEMBERED_CELLS));
    // 2000 cells in all: the last MAX_REMEMBERED_CELLS are remembered.
    for earfcn in MAX_REMEMBERED_CELLS + 1..2000 {
        d.derive(&on(&sib, earfcn));
    }
    let first_kept = 2000 - MAX_REMEMBERED_CELLS;
    assert!(!known(&mut d, first_kept - 1));
    assert!(known(&mut d, first_kept));
    assert!(known(&mut d, 1999));
}

#[test]
fn nas_copies_merge_only_within_dedup_packets_and_dedup_micros() {
    const T0: i64 = 1_700_000_000_000_000;
    let req = nas::identity_request(stingwatch_nas::IdentityType::Imsi);
    // Events from a NAS record and its RRC copy `packets` and `micros` later (or earlier).
    let events = |packets: u64, micros: i64| {
        let mut record = nas_record(100, req.clone(), Direction::Downlink);
        record.source.time = Some(CaptureTime(T0));
        let mut copy = rrc_msg(100 + packets, rrc::dl_information_transfer(&req).unwrap());
        copy.source.time = Some(CaptureTime(T0 + micros));
        let mut d = EventDeriver::new();
        let mut ev = d.derive(&record);
        ev.extend(d.derive(&copy));
        ev.len()
    };
    assert_eq!(events(DEDUP_PACKETS, 0), 1);
    assert_eq!(events(DEDUP_PACKETS + 1, 0), 2);
    assert_eq!(events(1, DEDUP_MICROS), 1);
    assert_eq!(events(1, DEDUP_MICROS + 1), 2);
    // Time going backwards is a distance too.
    assert_eq!(events(1, -DEDUP_MICROS), 1);
    assert_eq!(events(1, -DEDUP_MICROS - 1), 2);
    assert_eq!(events(1, -3_600_000_000), 2);
}

/// The LTE RRC `pdu` as packet `packet`, heard on `earfcn` from cell `PCI`.
fn on_earfcn(packet: u64, pdu: &(LteRrcChannel, Vec<u8>), earfcn: u32) -> DecodedMessage {
    let ctx = RadioContext {
        arfcn: Some(earfcn),
        pci: Some(PCI),
        sfn: None,
    };
    radio(
        packet,
        PayloadKind::LteRrc { channel: pdu.0 },
        pdu.1.clone(),
        ctx,
    )
}

/// A handover on the current frequency makes an event whose target EARFCN is the serving one,
/// so its kind depends on the message's EARFCN as well as its (shared) decoded form. Repeats
/// through the caching decoder, whose entries keep the deriver's memo, on EARFCNs that change
/// every message, then stay, then come back, give exactly the events of decoding every message
/// afresh, and the PDU is decoded twice (it is remembered at its second sighting).
#[test]
fn remembered_kinds_follow_the_earfcn() {
    let pdu = rrc::rrc_connection_reconfiguration_handover(7, None).unwrap();
    let mut decoder = stingwatch_decode::Decoder::<KindMemo>::with_memo();
    let mut cached = EventDeriver::new();
    let mut fresh = EventDeriver::new();
    let earfcns = (0..40u32)
        .map(|i| 1000 + i % 7)
        .chain(std::iter::repeat_n(2000, 20))
        .chain((0..20u32).map(|i| 1000 + i % 3));
    let mut remembered = 0;
    for (packet, earfcn) in (1u64..).zip(earfcns) {
        let msg = on_earfcn(packet, &pdu, earfcn);
        let mut got = Vec::new();
        decoder.decode_with(&msg.source, |decoded, memo| {
            let mut unkept = KindMemo::default();
            let memo = memo.unwrap_or(&mut unkept);
            if memo.is_plain_rrc() {
                remembered += 1;
            }
            cached.derive_remembering(&msg.source, decoded, memo, &mut got);
        });
        let want = fresh.derive(&msg);
        assert_eq!(got, want, "packet {packet}");
        assert!(
            want.iter().any(
                |e| matches!(e.kind, EventKind::Handover { arfcn: Some(a), .. } if a == earfcn)
            ),
            "packet {packet}: {want:?}"
        );
    }
    assert_eq!(decoder.stats().misses, 2);
    // Every message after the second found a memo, whichever EARFCN it was worked out for.
    assert_eq!(remembered, 78);
}

/// A memo is kept only for an LTE RRC message without NAS: one that carries NAS derives its
/// events afresh each time (NAS copies are merged by what came before), and repeats still give
/// exactly the events of decoding afresh.
#[test]
fn messages_carrying_nas_are_not_remembered() {
    let req = nas::identity_request(stingwatch_nas::IdentityType::Imsi);
    let pdu = rrc::dl_information_transfer(&req).unwrap();
    let mut decoder = stingwatch_decode::Decoder::<KindMemo>::with_memo();
    let mut cached = EventDeriver::new();
    let mut fresh = EventDeriver::new();
    for packet in 1..=10u64 {
        let ctx = RadioContext {
            arfcn: Some(EARFCN),
            pci: Some(PCI),
            sfn: None,
        };
        // Far enough apart that no two are copies of one message.
        let msg = radio(
            packet * 100,
            PayloadKind::LteRrc { channel: pdu.0 },
            pdu.1.clone(),
            ctx,
        );
        let mut got = Vec::new();
        decoder.decode_with(&msg.source, |decoded, memo| {
            let mut unkept = KindMemo::default();
            let memo = memo.unwrap_or(&mut unkept);
            cached.derive_remembering(&msg.source, decoded, memo, &mut got);
            assert!(!memo.is_plain_rrc());
        });
        assert_eq!(got, fresh.derive(&msg), "packet {packet}");
        assert_eq!(got.len(), 1, "packet {packet}");
    }
}

/// The networks a phone names (the IMSI's, a GUTI's) and those an accept gives it become
/// events; nothing of the identity beyond its network is kept.
#[test]
fn identities_and_accepts_name_the_phones_networks() {
    let mut d = EventDeriver::new();
    let attach = nas::attach_request(
        1,
        &nas::Identity::Imsi("234157654321098"),
        &nas::pdn_connectivity_request(1),
    )
    .unwrap();
    let events = d.derive(&nas_record(1, attach, Direction::Uplink));
    let named = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::DeviceNetwork {
                subscription,
                registered,
            } => Some((*subscription, *registered)),
            _ => None,
        })
        .expect("no DeviceNetwork event");
    let sim = named.0.expect("no subscription network");
    assert!(sim.matches(Plmn::new(234, 15, 2)));
    assert_eq!(named.1, None);
    // A two-digit MNC: the sixth digit is the subscriber number's first, and stays out.
    let text = serde_json::to_string(&events).unwrap();
    assert!(text.contains("234-15x"), "{text}");
    assert!(
        !text.contains("2341576") && !text.contains("234-157"),
        "{text}"
    );

    let plmn = stingwatch_nas::Plmn::from_digits("310", "260").unwrap();
    let accept = nas::tracking_area_update_accept(0, plmn, &[0x2a01], None);
    let events = d.derive(&nas_record(2, accept, Direction::Downlink));
    assert!(
        events.iter().any(|e| e.kind
            == EventKind::EquivalentNetworks {
                plmns: vec![Plmn::new(310, 260, 3)].into()
            }),
        "{events:?}"
    );
    // The same accept sent by the phone would be nonsense, and names nothing.
    let plmn = stingwatch_nas::Plmn::from_digits("310", "260").unwrap();
    let accept = nas::tracking_area_update_accept(0, plmn, &[0x2a01], None);
    let events = d.derive(&nas_record(40, accept, Direction::Uplink));
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::EquivalentNetworks { .. })));
}

/// Lending a remembered kind (the pipeline's path for repeats) gives the events that deriving
/// afresh gives, on EARFCNs that change and stay; a memo whose kind was lent and never given
/// back is worked out again, never read as "no event".
#[test]
fn lent_kinds_equal_fresh_ones_and_a_kind_not_given_back_is_worked_out_again() {
    let pdu = rrc::rrc_connection_reconfiguration_handover(7, None).unwrap();
    let mut decoder = stingwatch_decode::Decoder::<KindMemo>::with_memo();
    let mut lending = EventDeriver::new();
    let mut fresh = EventDeriver::new();
    let earfcns = (0..30u32)
        .map(|i| 1000 + i % 4)
        .chain(std::iter::repeat_n(2000, 30));
    let mut lent = 0;
    for (packet, earfcn) in (1u64..).zip(earfcns) {
        let msg = on_earfcn(packet, &pdu, earfcn);
        let mut got = Vec::new();
        decoder.decode_with(&msg.source, |decoded, memo| {
            let mut unkept = KindMemo::default();
            let memo = memo.unwrap_or(&mut unkept);
            match lending.lend_remembered(&msg.source, memo) {
                Lent::Event(ev) => {
                    lent += 1;
                    got.push(ev.clone());
                    // Every fifth lent kind is kept, as if its reader had failed to give it back.
                    if packet % 5 != 0 {
                        memo.give_back(ev);
                    }
                }
                Lent::NoEvent => {}
                Lent::No => lending.derive_remembering(&msg.source, decoded, memo, &mut got),
            }
        });
        assert_eq!(got, fresh.derive(&msg), "packet {packet}");
    }
    assert!(lent > 20, "{lent}");
}
