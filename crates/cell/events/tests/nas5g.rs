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
