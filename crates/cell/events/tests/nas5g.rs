//! 5G standalone events from 5GS NAS records built with the hand encoder and decoded the way a
//! capture is: what each message yields, and one event per message when DIAG logs it twice.

use stingwatch_decode::{decode_message, DecodedMessage};
use stingwatch_events::*;
use stingwatch_model::{Direction, PayloadKind, RadioContext, RadioMessage, Rat};
use stingwatch_nas5g::build::{self as nr, SuciSpec};
use stingwatch_nas5g::{Algorithms, IdentityKind, ProtectionScheme, RegistrationType};

fn record(packet: u64, direction: Direction, pdu: Vec<u8>) -> DecodedMessage {
    decode_message(RadioMessage {
        packet,
        offset: 0,
        time: Some(CaptureTime(1_767_268_800_000_000 + packet as i64 * 10_000)),
        direction,
        rat: Rat::Nr,
        kind: PayloadKind::NrNas,
        context: RadioContext::default(),
        payload: pdu,
    })
}

fn kinds(messages: &[DecodedMessage]) -> Vec<EventKind> {
    let mut d = EventDeriver::new();
    messages
        .iter()
        .flat_map(|m| d.derive(m))
        .map(|e| e.kind)
        .collect()
}

#[test]
fn registration_with_a_suci_names_its_scheme_and_network() {
    let suci = SuciSpec {
        mcc: "310",
        mnc: "260",
        scheme: ProtectionScheme::ProfileB,
        home_network_key: 4,
        msin: "123456789",
    };
    let pdu = nr::registration_request(RegistrationType::Initial, true, &suci.identity());
    let k = kinds(&[record(1, Direction::Uplink, pdu)]);
    assert_eq!(
        k,
        vec![EventKind::Nas5g(Nas5gEvent::RegistrationRequest {
            registration: Registration5g::Initial,
            identity: IdentityType::Suci,
            suci: Some(SuciProtection {
                scheme: 2,
                home_network_key: Some(4),
                home_network: Some(Plmn::new(310, 260, 3)),
            }),
        })]
    );
    assert_eq!(
        k[0].describe(),
        "5G registration request (initial, SUCI (ECIES profile B))"
    );
}

#[test]
fn a_message_logged_as_aired_and_plain_is_one_event() {
    let smc = nr::security_mode_command(
        Algorithms {
            ciphering: 1,
            integrity: 2,
        },
        false,
    );
    let reject = nr::registration_reject(27);
    let k = kinds(&[
        record(1, Direction::Downlink, nr::protect(3, 0, &smc)),
        record(2, Direction::Downlink, smc),
        record(3, Direction::Downlink, nr::protect(2, 1, &reject)),
        record(4, Direction::Downlink, reject),
    ]);
    assert_eq!(
        k,
        vec![
            EventKind::Nas5g(Nas5gEvent::SecurityModeCommand {
                ciphering: 1,
                integrity: 2,
                imeisv_requested: false,
            }),
            EventKind::Nas5g(Nas5gEvent::Ciphered { uplink: false }),
            EventKind::Nas5g(Nas5gEvent::RegistrationReject { cause: 27 }),
        ]
    );
}

#[test]
fn a_container_record_takes_the_direction_of_its_message_type() {
    // 0xB814 records say no direction; the identity request still becomes an event, and a
    // ciphered message of unknown direction none.
    let k = kinds(&[
        record(
            1,
            Direction::Unknown,
            nr::identity_request(IdentityKind::Imeisv),
        ),
        record(
            2,
            Direction::Unknown,
            nr::protect(2, 0, &nr::registration_complete()),
        ),
    ]);
    assert_eq!(
        k,
        vec![EventKind::Nas5g(Nas5gEvent::IdentityRequested {
            identity: IdentityType::Imeisv
        })]
    );
}

/// 5GS NAS records carry no cell: their events take the NR cell of the last NR RRC message,
/// never the LTE cell the phone was on before (a 5G finding must not name a 4G cell).
#[test]
fn nas_events_take_the_nr_cell_never_an_lte_one() {
    let with_cell = |packet: u64, rat: Rat, kind: PayloadKind, arfcn: u32, pci: u16, payload| {
        decode_message(RadioMessage {
            packet,
            offset: 0,
            time: Some(CaptureTime(1_767_268_800_000_000 + packet as i64 * 10_000)),
            direction: Direction::Downlink,
            rat,
            kind,
            context: RadioContext {
                arfcn: Some(arfcn),
                pci: Some(pci),
                sfn: None,
            },
            payload,
        })
    };
    let (lte_channel, mib) = stingwatch_lte_rrc::build::master_information_block(50, 0).unwrap();
    let lte = with_cell(
        1,
        Rat::Lte,
        PayloadKind::LteRrc {
            channel: lte_channel,
        },
        1850,
        7,
        mib,
    );
    let identity = || {
        record(
            2,
            Direction::Downlink,
            nr::identity_request(IdentityKind::Suci),
        )
    };
    let mut d = EventDeriver::new();
    let _ = d.derive(&lte);
    let events = d.derive(&identity());
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].cell, None, "an LTE cell was named");

    let (nr_channel, setup) = stingwatch_nr_rrc::build::setup().unwrap();
    let nr_rrc = with_cell(
        3,
        Rat::Nr,
        PayloadKind::NrRrc {
            channel: nr_channel,
        },
        630_000,
        101,
        setup,
    );
    let _ = d.derive(&nr_rrc);
    let events = d.derive(&record(
        4,
        Direction::Downlink,
        nr::identity_request(IdentityKind::Imei),
    ));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].cell,
        Some(CellRef::radio(Some(630_000), Some(101)))
    );
}

/// An NR RRC message at `packet` on the channel the builder chose.
fn rrc(packet: u64, pdu: (stingwatch_model::NrRrcChannel, Vec<u8>)) -> DecodedMessage {
    let (channel, payload) = pdu;
    decode_message(RadioMessage {
        packet,
        offset: 0,
        time: Some(CaptureTime(1_767_268_800_000_000 + packet as i64 * 10_000)),
        direction: channel.direction(),
        rat: Rat::Nr,
        kind: PayloadKind::NrRrc { channel },
        context: RadioContext::default(),
        payload,
    })
}

fn nas5g_only(kinds: Vec<EventKind>) -> Vec<EventKind> {
    kinds
        .into_iter()
        .filter(|k| matches!(k, EventKind::Nas5g(_)))
        .collect()
}

/// 5GS NAS inside NR RRC (RRCSetupComplete, DLInformationTransfer, ULInformationTransfer)
/// gives the same events as the NAS records, and a message carried by both the RRC message and
/// a record close to it counts once, in either order; two RRC messages never merge.
#[test]
fn nas_in_nr_rrc_gives_the_same_events_once() {
    use stingwatch_nr_rrc::build as rrc_build;
    let suci = SuciSpec {
        mcc: "001",
        mnc: "01",
        scheme: ProtectionScheme::Null,
        home_network_key: 0,
        msin: "0123456789",
    };
    let registration = nr::registration_request(RegistrationType::Initial, true, &suci.identity());
    let identity_request = nr::identity_request(IdentityKind::Suci);
    let reject = nr::registration_reject(11);
    let rrc_only = [
        rrc(1, rrc_build::setup_complete(&registration).unwrap()),
        rrc(
            2,
            rrc_build::dl_information_transfer(&identity_request).unwrap(),
        ),
        rrc(3, rrc_build::dl_information_transfer(&reject).unwrap()),
    ];
    let records = [
        record(1, Direction::Uplink, registration.clone()),
        record(2, Direction::Downlink, identity_request.clone()),
        record(3, Direction::Downlink, reject.clone()),
    ];
    let from_rrc = nas5g_only(kinds(&rrc_only));
    let from_records = nas5g_only(kinds(&records));
    assert_eq!(from_rrc.len(), 3, "{from_rrc:?}");
    assert_eq!(from_rrc, from_records);
    assert!(matches!(
        from_rrc[0],
        EventKind::Nas5g(Nas5gEvent::RegistrationRequest {
            suci: Some(SuciProtection { scheme: 0, .. }),
            ..
        })
    ));

    // DIAG order: the RRC message, then the record of its NAS; and the reverse.
    let both = [
        rrc(10, rrc_build::setup_complete(&registration).unwrap()),
        record(11, Direction::Uplink, registration.clone()),
        record(12, Direction::Downlink, identity_request.clone()),
        rrc(
            13,
            rrc_build::dl_information_transfer(&identity_request).unwrap(),
        ),
        rrc(14, rrc_build::dl_information_transfer(&reject).unwrap()),
        record(15, Direction::Downlink, reject.clone()),
    ];
    assert_eq!(nas5g_only(kinds(&both)), from_records);

    // The phone's answer in ULInformationTransfer.
    let answer = nr::identity_response(&suci.identity());
    let up = nas5g_only(kinds(&[rrc(
        20,
        rrc_build::ul_information_transfer(&answer).unwrap(),
    )]));
    assert!(matches!(
        up[..],
        [EventKind::Nas5g(Nas5gEvent::IdentitySent { .. })]
    ));

    // The network really asking twice is two events.
    let twice = [
        rrc(
            30,
            rrc_build::dl_information_transfer(&identity_request).unwrap(),
        ),
        rrc(
            31,
            rrc_build::dl_information_transfer(&identity_request).unwrap(),
        ),
    ];
    assert_eq!(nas5g_only(kinds(&twice)).len(), 2);
}
