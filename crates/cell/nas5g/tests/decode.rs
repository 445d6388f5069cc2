//! The adapter on the messages of the hand encoder, on damaged and hostile input, and on what
//! it must never keep (the subscriber's digits).

use stingwatch_model::Direction;
use stingwatch_nas5g::build::{self, SuciSpec};
use stingwatch_nas5g::{
    decode, Algorithms, IdentityKind, MobileIdentity, Nas5gError, Nas5gProtocol, ProtectionScheme,
    RegistrationType, SecurityHeaderType, CIPHERED_NAME, MAX_PDU_LEN, UNREADABLE_NAME,
};

fn null_suci() -> SuciSpec {
    SuciSpec {
        mcc: "001",
        mnc: "01",
        scheme: ProtectionScheme::Null,
        home_network_key: 0,
        msin: "0123456789",
    }
}

#[test]
fn registration_request_with_a_null_scheme_suci() {
    let pdu =
        build::registration_request(RegistrationType::Emergency, true, &null_suci().identity());
    let m = decode(&pdu);
    assert_eq!(m.error, None);
    assert_eq!(m.name, "Registration request");
    assert_eq!(m.direction, Direction::Uplink);
    assert_eq!(m.security, SecurityHeaderType::Plain);
    assert_eq!(
        m.fields.registration_type,
        Some(RegistrationType::Emergency)
    );
    assert!(m.fields.follow_on);
    let Some(MobileIdentity::Suci(s)) = m.fields.identity else {
        panic!("no SUCI: {m:?}")
    };
    assert!(s.is_null_scheme());
    assert_eq!(s.home_network_key, Some(0));
    assert_eq!(
        s.home_network.map(|p| p.to_string()).as_deref(),
        Some("001-01")
    );
}

#[test]
fn the_subscriber_digits_are_never_kept() {
    // The MSIN 0123456789 travels in clear under the null scheme; neither the summary's debug
    // text nor its JSON may hold it (nor the IMEISV's digits).
    let pdu = build::identity_response(&null_suci().identity());
    let m = decode(&pdu);
    let text = format!("{m:?}") + &serde_json::to_string(&m).unwrap();
    assert!(!text.contains("0123456789"), "{text}");
    assert!(!text.contains("123456789"), "{text}");
    let pdu = build::identity_response(&build::imeisv_identity("3542290600000011"));
    let m = decode(&pdu);
    assert_eq!(m.fields.identity, Some(MobileIdentity::Imeisv));
    let text = format!("{m:?}") + &serde_json::to_string(&m).unwrap();
    assert!(!text.contains("354229"), "{text}");
}

#[test]
fn security_mode_command_protected_and_plain() {
    let smc = build::security_mode_command(
        Algorithms {
            ciphering: 0,
            integrity: 0,
        },
        true,
    );
    for pdu in [smc.clone(), build::protect(3, 0, &smc)] {
        let m = decode(&pdu);
        assert_eq!(m.error, None);
        assert_eq!(m.name, "Security mode command");
        assert_eq!(m.direction, Direction::Downlink);
        assert_eq!(
            m.fields.algorithms,
            Some(Algorithms {
                ciphering: 0,
                integrity: 0
            })
        );
        assert!(m.fields.imeisv_requested);
    }
    assert_eq!(
        decode(&build::protect(3, 0, &smc)).security,
        SecurityHeaderType::IntegrityNewContext
    );
}

#[test]
fn a_ciphered_message_keeps_its_header_only() {
    let m = decode(&build::protect(2, 9, &build::registration_reject(7)));
    assert_eq!(m.name, CIPHERED_NAME);
    assert!(m.is_ciphered());
    assert_eq!(m.message_type, None);
    assert_eq!(m.fields.cause, None);
    assert_eq!(m.error, None);
}

#[test]
fn causes_types_and_flags() {
    assert_eq!(
        decode(&build::registration_reject(27)).fields.cause,
        Some(27)
    );
    assert_eq!(decode(&build::service_reject(7)).fields.cause, Some(7));
    assert_eq!(
        decode(&build::authentication_failure(21)).fields.cause,
        Some(21)
    );
    let d = decode(&build::deregistration_request_network(true, Some(3)));
    assert_eq!(d.name, "Deregistration request (UE terminated)");
    assert_eq!(
        (d.fields.cause, d.fields.re_registration_required),
        (Some(3), true)
    );
    let d = decode(&build::deregistration_request_phone(
        true,
        &build::guti_identity("310", "260", 1),
    ));
    assert_eq!(d.name, "Deregistration request (UE originating)");
    assert!(d.fields.switch_off);
    assert_eq!(
        decode(&build::identity_request(IdentityKind::Imei))
            .fields
            .requested_identity,
        Some(IdentityKind::Imei)
    );
    let s = decode(&build::service_request(3, 1));
    assert_eq!((s.fields.service_type, s.error), (Some(3), None));
    assert_eq!(s.fields.identity, Some(MobileIdentity::STmsi));
    assert!(
        decode(&build::authentication_request())
            .fields
            .aka_challenge
    );
    let c = decode(&build::configuration_update_command(&build::guti_identity(
        "310", "260", 2,
    )));
    assert_eq!(c.name, "Configuration update command");
    assert_eq!(
        c.fields.identity.map(|i| i.kind()),
        Some(IdentityKind::Guti)
    );
}

#[test]
fn damaged_input_keeps_what_was_read() {
    // Cut inside the mobile identity: the name and direction survive, the error says why.
    let pdu =
        build::registration_request(RegistrationType::Initial, false, &null_suci().identity());
    let m = decode(pdu.get(..8).unwrap());
    assert_eq!(m.name, "Registration request");
    assert_eq!(m.direction, Direction::Uplink);
    assert!(matches!(m.error, Some(Nas5gError::Body(_))), "{m:?}");
    // An unknown message type is named so, and counted as an error of the body.
    let m = decode(&[0x7e, 0x00, 0x70]);
    assert_eq!(m.name, "Unknown");
    assert!(m.error.is_some());
    // Not 5GS NAS at all.
    let m = decode(&[0x07, 0x41, 0x01]);
    assert_eq!(m.name, UNREADABLE_NAME);
    // A 5GSM message is named, not read further.
    let m = decode(&[0x2e, 0x01, 0x01, 0xd4]);
    assert_eq!(
        (m.protocol, m.name),
        (Nas5gProtocol::Sm, "PDU session release complete")
    );
    // Over the limit: refused unread.
    let long = vec![0u8; MAX_PDU_LEN + 1];
    assert_eq!(
        decode(&long).error,
        Some(Nas5gError::TooLong(MAX_PDU_LEN + 1))
    );
}

#[test]
fn every_prefix_and_every_flipped_octet_decodes_without_panic() {
    let pdus = [
        build::registration_request(RegistrationType::Initial, true, &null_suci().identity()),
        build::protect(
            3,
            1,
            &build::security_mode_command(
                Algorithms {
                    ciphering: 2,
                    integrity: 2,
                },
                true,
            ),
        ),
        build::registration_accept(&build::guti_identity("001", "01", 5)),
    ];
    for pdu in pdus {
        for n in 0..=pdu.len() {
            let _ = decode(pdu.get(..n).unwrap());
        }
        for i in 0..pdu.len() {
            for bit in 0..8 {
                let mut p = pdu.clone();
                p[i] ^= 1 << bit;
                let m = decode(&p);
                assert!(!m.name.is_empty());
            }
        }
    }
}
