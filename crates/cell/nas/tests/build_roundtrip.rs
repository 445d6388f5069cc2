//! Every `build` function's output decodes back to the fields it was built from, and the
//! independent decoders (pycrate, tshark) read it as the same message without error.

mod common;

use common::*;
use stingwatch_nas::build::{self, Identity, Protection};
use stingwatch_nas::tables::{emm, esm};
use stingwatch_nas::{
    decode, Guti, IdentityKind, IdentityType, NasMessage, Plmn, SecurityAlgorithms,
    SecurityHeaderType, TimerValue,
};
use stingwatch_testsupport::{have_pycrate, have_tool};

const IMSI: &str = "001010123456789";
const IMEISV: &str = "3539775757033500";

fn plmn() -> Plmn {
    Plmn::from_digits("001", "01").expect("valid PLMN")
}

fn guti() -> Guti {
    Guti {
        plmn: plmn(),
        mme_group_id: 0x8001,
        mme_code: 0x42,
        m_tmsi: 0xdead_beef,
    }
}

fn pdn() -> Vec<u8> {
    build::pdn_connectivity_request(1)
}

fn bearer() -> Vec<u8> {
    build::activate_default_eps_bearer_context_request(5, 1, "internet", [10, 0, 0, 2])
}

/// (what, uplink, bytes) for every builder.
fn built() -> Vec<(&'static str, bool, Vec<u8>)> {
    let ok = |r: Result<Vec<u8>, build::BuildError>| r.expect("valid input");
    let attach_accept = build::attach_accept(plmn(), &[1, 7], Some(guti()), &bearer());
    vec![
        (
            "identity request",
            false,
            build::identity_request(IdentityType::Imsi),
        ),
        (
            "identity response imsi",
            true,
            ok(build::identity_response(&Identity::Imsi(IMSI))),
        ),
        (
            "identity response imei",
            true,
            ok(build::identity_response(&Identity::Imei("353977575703350"))),
        ),
        (
            "identity response imeisv",
            true,
            ok(build::identity_response(&Identity::Imeisv(IMEISV))),
        ),
        (
            "identity response tmsi",
            true,
            ok(build::identity_response(&Identity::Tmsi(0x01020304))),
        ),
        (
            "attach request imsi",
            true,
            ok(build::attach_request(1, &Identity::Imsi(IMSI), &pdn())),
        ),
        (
            "attach request guti",
            true,
            ok(build::attach_request(2, &Identity::Guti(guti()), &pdn())),
        ),
        ("attach accept", false, attach_accept.clone()),
        (
            "attach complete",
            true,
            build::attach_complete(&build::activate_default_eps_bearer_context_accept(5, 1)),
        ),
        ("attach reject", false, build::attach_reject(15)),
        (
            "authentication request",
            false,
            build::authentication_request(0, &[0x11; 16], &[0x22; 16]),
        ),
        (
            "authentication response",
            true,
            build::authentication_response(&[0x33; 8]),
        ),
        (
            "authentication reject",
            false,
            build::authentication_reject(),
        ),
        (
            "security mode command",
            false,
            build::security_mode_command(
                SecurityAlgorithms { eea: 0, eia: 2 },
                0,
                build::TYPICAL_UE_CAPABILITIES,
                true,
            ),
        ),
        (
            "security mode complete",
            true,
            ok(build::security_mode_complete(Some(IMEISV))),
        ),
        (
            "security mode complete bare",
            true,
            ok(build::security_mode_complete(None)),
        ),
        (
            "tau request",
            true,
            build::tracking_area_update_request(0, 1, guti()),
        ),
        (
            "tau accept",
            false,
            build::tracking_area_update_accept(0, plmn(), &[3], Some(guti())),
        ),
        ("tau reject", false, build::tracking_area_update_reject(12)),
        (
            "service request",
            true,
            build::service_request(1, 9, 0xabcd),
        ),
        ("service reject", false, build::service_reject(10)),
        (
            "detach request ue",
            true,
            ok(build::detach_request_uplink(
                3,
                true,
                1,
                &Identity::Guti(guti()),
            )),
        ),
        (
            "detach request network",
            false,
            build::detach_request_downlink(1, Some(7)),
        ),
        ("detach accept", false, build::detach_accept()),
        ("pdn connectivity request", true, pdn()),
        ("activate default bearer", false, bearer()),
        (
            "integrity protected",
            false,
            build::protect(
                &build::identity_request(IdentityType::Imei),
                Protection::Integrity,
                0x0102_0304,
                3,
            ),
        ),
        (
            "integrity new context",
            false,
            build::protect(&attach_accept, Protection::IntegrityNewContext, 7, 0),
        ),
        (
            "ciphered",
            false,
            build::protect(
                &build::attach_reject(3),
                Protection::Ciphered,
                0xffff_0000,
                200,
            ),
        ),
        (
            "ciphered new context",
            true,
            build::protect(&pdn(), Protection::CipheredNewContext, 1, 1),
        ),
    ]
}

fn find(all: &[(&'static str, bool, Vec<u8>)], what: &str) -> NasMessage {
    let (_, _, b) = all.iter().find(|(w, _, _)| *w == what).expect("built");
    decode(b)
}

#[test]
fn built_messages_decode_to_what_was_built() {
    let all = built();
    for (what, _, bytes) in &all {
        let m = decode(bytes);
        assert_eq!(m.error, None, "{what}: {:?}", m.error);
        assert_ne!(m.name, "Unknown", "{what}");
    }
    let m = find(&all, "identity request");
    assert_eq!(
        (m.message_type, m.fields.identity_type),
        (Some(emm::IDENTITY_REQUEST), Some(IdentityType::Imsi))
    );
    let id = find(&all, "identity response imsi")
        .fields
        .mobile_identity
        .expect("identity");
    assert_eq!((id.kind, id.digits()), (IdentityKind::Imsi, IMSI));
    let id = find(&all, "identity response imeisv")
        .fields
        .mobile_identity
        .expect("identity");
    assert_eq!((id.kind, id.digits()), (IdentityKind::Imeisv, IMEISV));
    let id = find(&all, "identity response imei")
        .fields
        .mobile_identity
        .expect("identity");
    assert_eq!(
        (id.kind, id.digits()),
        (IdentityKind::Imei, "353977575703350")
    );
    let id = find(&all, "identity response tmsi")
        .fields
        .mobile_identity
        .expect("identity");
    assert_eq!((id.kind, id.tmsi), (IdentityKind::Tmsi, Some(0x01020304)));

    let m = find(&all, "attach request imsi");
    assert_eq!(m.fields.attach_type.map(|c| c.value), Some(1));
    assert_eq!(
        m.fields.mobile_identity.as_ref().map(|i| i.digits()),
        Some(IMSI)
    );
    assert_eq!(
        m.esm().and_then(|e| e.message_type),
        Some(esm::PDN_CONNECTIVITY_REQUEST)
    );
    let m = find(&all, "attach request guti");
    assert_eq!(
        m.fields.mobile_identity.as_ref().and_then(|i| i.guti),
        Some(guti())
    );

    let m = find(&all, "attach accept");
    assert_eq!(m.fields.tai_list.len(), 1);
    assert_eq!(m.fields.tai_list[0].plmn, plmn());
    assert_eq!(m.fields.tai_list[0].tacs, vec![1, 7]);
    assert_eq!(m.fields.t3412, Some(TimerValue::Seconds(54 * 60)));
    assert_eq!(
        m.fields.mobile_identity.as_ref().and_then(|i| i.guti),
        Some(guti())
    );
    assert_eq!(
        m.esm().and_then(|e| e.fields.apn.clone()).as_deref(),
        Some("internet")
    );

    assert_eq!(
        find(&all, "attach reject")
            .fields
            .emm_cause
            .map(|c| c.value),
        Some(15)
    );
    let m = find(&all, "authentication request");
    assert!(m.fields.rand_present && m.fields.autn_present);
    assert!(find(&all, "authentication response").fields.res_present);
    let m = find(&all, "security mode command");
    assert_eq!(
        m.fields.selected_algorithms,
        Some(SecurityAlgorithms { eea: 0, eia: 2 })
    );
    assert_eq!(
        m.fields.replayed_security_capabilities,
        Some(build::TYPICAL_UE_CAPABILITIES)
    );
    assert_eq!(m.fields.imeisv_requested, Some(true));
    let id = find(&all, "security mode complete")
        .fields
        .mobile_identity
        .expect("IMEISV");
    assert_eq!(id.digits(), IMEISV);
    let m = find(&all, "tau request");
    assert_eq!(m.fields.update_type.map(|c| c.value), Some(0));
    assert_eq!(
        m.fields.mobile_identity.as_ref().and_then(|i| i.guti),
        Some(guti())
    );
    let m = find(&all, "tau accept");
    assert_eq!(m.fields.tai_list[0].tacs, vec![3]);
    assert_eq!(
        find(&all, "tau reject").fields.emm_cause.map(|c| c.value),
        Some(12)
    );
    let m = find(&all, "service request");
    assert_eq!(
        (m.fields.key_set_identifier, m.fields.sequence_number),
        (Some(1), Some(9))
    );
    assert_eq!(
        find(&all, "service reject")
            .fields
            .emm_cause
            .map(|c| c.value),
        Some(10)
    );
    let m = find(&all, "detach request ue");
    assert_eq!(
        (m.fields.switch_off, m.fields.detach_type.map(|c| c.value)),
        (Some(true), Some(3))
    );
    let m = find(&all, "detach request network");
    assert_eq!(
        m.fields.detach_type.map(|c| c.name),
        Some("Re-attach required")
    );
    assert_eq!(m.fields.emm_cause.map(|c| c.value), Some(7));

    let m = find(&all, "integrity protected");
    assert_eq!(m.security_header, SecurityHeaderType::IntegrityProtected);
    assert_eq!(m.plain().fields.identity_type, Some(IdentityType::Imei));
    assert_eq!(m.fields.sequence_number, Some(3));
    let m = find(&all, "integrity new context");
    assert_eq!(
        m.summary(),
        "Attach accept, Activate default EPS bearer context request"
    );
    for what in ["ciphered", "ciphered new context"] {
        let m = find(&all, what);
        assert!(m.ciphered && m.inner.is_none(), "{what}");
    }
    // The ciphered body is not the plain message.
    let (_, _, c) = all
        .iter()
        .find(|(w, _, _)| *w == "ciphered")
        .expect("built");
    assert_ne!(c.get(6..), Some(&build::attach_reject(3)[..]));
}

#[test]
fn builders_refuse_bad_identities() {
    assert!(build::identity_response(&Identity::Imsi("12a4")).is_err());
    assert!(build::identity_response(&Identity::Imsi("")).is_err());
    assert!(build::identity_response(&Identity::Imsi("12345678901234567")).is_err());
    assert!(build::identity_response(&Identity::Guti(guti())).is_err());
    assert!(build::attach_request(1, &Identity::Tmsi(1), &pdn()).is_err());
}

#[test]
fn built_messages_agree_with_pycrate_and_tshark() {
    if !(have_tool("tshark") && have_pycrate()) {
        return;
    }
    let samples: Vec<Sample> = built()
        .into_iter()
        .map(|(what, uplink, bytes)| Sample {
            origin: what.to_string(),
            bytes,
            uplink,
        })
        .collect();
    let py = pycrate(&samples);
    for (s, p) in samples.iter().zip(&py) {
        assert_eq!(
            p.get("err").and_then(|v| v.as_i64()),
            Some(0),
            "pycrate rejects {}: {p}",
            s.origin
        );
        assert!(
            p.get("trimmed").is_none(),
            "pycrate needed trimming for {}",
            s.origin
        );
    }
    let (py_agree, ts_agree) = compare_all(&samples, "built");
    // Our own output must agree completely.
    assert_eq!(py_agree.0, py_agree.1, "pycrate disagreements above");
    assert_eq!(ts_agree.0, ts_agree.1, "tshark disagreements above");
}
