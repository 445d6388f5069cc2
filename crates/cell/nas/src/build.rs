//! Encoders for the plain NAS messages a scenario needs, and a security-header wrapper.
//!
//! Every function returns the complete NAS PDU. Values that come from callers as text
//! (IMSI, IMEI digits) are checked and refused with a [`BuildError`].

use crate::header::SecurityHeaderType;
use crate::ie::{Guti, IdentityType, Plmn, SecurityAlgorithms, SecurityCapabilities};
use crate::tables::{emm, esm};
use std::fmt;

const EMM_PD: u8 = 0x07;
const ESM_PD: u8 = 0x02;
/// NAS key set identifier value meaning "no key is available".
pub const NO_KEY: u8 = 7;
/// EEA0-3 and EIA1-3: what a current UE announces.
pub const TYPICAL_UE_CAPABILITIES: SecurityCapabilities = SecurityCapabilities {
    eea: 0xf0,
    eia: 0x70,
};

/// Why a message could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// Identity digits that are not 1 to 16 decimal digits.
    InvalidDigits(String),
    /// An identity kind the IE cannot carry (e.g. a GUTI in an Identity response).
    UnsupportedIdentity(&'static str),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidDigits(d) => {
                write!(f, "identity digits {d:?} are not 1 to 16 decimal digits")
            }
            BuildError::UnsupportedIdentity(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// An identity to put in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity<'a> {
    /// IMSI digits.
    Imsi(&'a str),
    /// IMEI digits (15).
    Imei(&'a str),
    /// IMEISV digits (16).
    Imeisv(&'a str),
    /// TMSI / M-TMSI.
    Tmsi(u32),
    /// GUTI.
    Guti(Guti),
}

fn digits_ie(type_bits: u8, digits: &str) -> Result<Vec<u8>, BuildError> {
    let ds: Option<Vec<u8>> = digits
        .chars()
        .map(|c| c.to_digit(10).and_then(|d| u8::try_from(d).ok()))
        .collect();
    let ds = ds
        .filter(|d| (1..=16).contains(&d.len()))
        .ok_or_else(|| BuildError::InvalidDigits(digits.to_string()))?;
    let odd = ds.len() % 2 == 1;
    let (first, rest) = ds
        .split_first()
        .ok_or_else(|| BuildError::InvalidDigits(digits.to_string()))?;
    let mut out = vec![first << 4 | u8::from(odd) << 3 | type_bits];
    for pair in rest.chunks(2) {
        match pair {
            [lo, hi] => out.push(hi << 4 | lo),
            [lo] => out.push(0xf0 | lo),
            _ => {}
        }
    }
    Ok(out)
}

fn guti_ie(g: &Guti) -> Vec<u8> {
    let mut out = vec![0xf6];
    out.extend_from_slice(&g.plmn.raw);
    out.extend_from_slice(&g.mme_group_id.to_be_bytes());
    out.push(g.mme_code);
    out.extend_from_slice(&g.m_tmsi.to_be_bytes());
    out
}

/// Value of a Mobile identity IE (TS 24.008 numbering: IMSI, IMEI, IMEISV, TMSI).
pub fn mobile_identity(id: &Identity<'_>) -> Result<Vec<u8>, BuildError> {
    match id {
        Identity::Imsi(d) => digits_ie(1, d),
        Identity::Imei(d) => digits_ie(2, d),
        Identity::Imeisv(d) => digits_ie(3, d),
        Identity::Tmsi(t) => {
            let mut out = vec![0xf4];
            out.extend_from_slice(&t.to_be_bytes());
            Ok(out)
        }
        Identity::Guti(_) => Err(BuildError::UnsupportedIdentity(
            "a mobile identity IE cannot carry a GUTI",
        )),
    }
}

/// Value of an EPS mobile identity IE (IMSI, IMEI or GUTI).
pub fn eps_mobile_identity(id: &Identity<'_>) -> Result<Vec<u8>, BuildError> {
    match id {
        Identity::Imsi(d) => digits_ie(1, d),
        Identity::Imei(d) => digits_ie(3, d),
        Identity::Guti(g) => Ok(guti_ie(g)),
        Identity::Imeisv(_) | Identity::Tmsi(_) => Err(BuildError::UnsupportedIdentity(
            "an EPS mobile identity carries an IMSI, IMEI or GUTI only",
        )),
    }
}

fn push_lv(out: &mut Vec<u8>, value: &[u8]) {
    // Callers pass values far below 256 octets; cut rather than wrap if one does not.
    let value = value.get(..255).unwrap_or(value);
    out.push(value.len() as u8);
    out.extend_from_slice(value);
}

fn push_lv_e(out: &mut Vec<u8>, value: &[u8]) {
    let value = value.get(..65535).unwrap_or(value);
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
}

fn emm(message_type: u8) -> Vec<u8> {
    vec![EMM_PD, message_type]
}

/// TAI list value with one partial list of non-consecutive TACs of one PLMN (at most 16).
pub fn tai_list(plmn: Plmn, tacs: &[u16]) -> Vec<u8> {
    let tacs = tacs.get(..16).unwrap_or(tacs);
    let count = tacs.len().max(1);
    let mut out = vec![(count - 1) as u8 & 0x1f];
    out.extend_from_slice(&plmn.raw);
    if tacs.is_empty() {
        out.extend_from_slice(&[0, 1]);
    }
    for tac in tacs {
        out.extend_from_slice(&tac.to_be_bytes());
    }
    out
}

/// Identity request asking for the given identity.
pub fn identity_request(identity_type: IdentityType) -> Vec<u8> {
    let mut out = emm(emm::IDENTITY_REQUEST);
    out.push(identity_type.bits());
    out
}

/// Identity response carrying the given identity.
pub fn identity_response(id: &Identity<'_>) -> Result<Vec<u8>, BuildError> {
    let mut out = emm(emm::IDENTITY_RESPONSE);
    push_lv(&mut out, &mobile_identity(id)?);
    Ok(out)
}

/// ESM PDN connectivity request for IPv4v6, initial request, with ESM information transfer
/// flag set (as phones send it inside Attach request).
pub fn pdn_connectivity_request(pti: u8) -> Vec<u8> {
    vec![ESM_PD, pti, esm::PDN_CONNECTIVITY_REQUEST, 0x31, 0xd1]
}

/// ESM Activate default EPS bearer context request: QCI 9, the APN, one IPv4 address.
pub fn activate_default_eps_bearer_context_request(
    ebi: u8,
    pti: u8,
    apn: &str,
    ipv4: [u8; 4],
) -> Vec<u8> {
    let mut out = vec![
        (ebi & 0x0f) << 4 | ESM_PD,
        pti,
        esm::ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_REQUEST,
    ];
    push_lv(&mut out, &[9]);
    let mut apn_value = Vec::new();
    for label in apn.split('.').filter(|l| !l.is_empty()) {
        push_lv(&mut apn_value, label.as_bytes());
    }
    push_lv(&mut out, &apn_value);
    let mut addr = vec![0x01];
    addr.extend_from_slice(&ipv4);
    push_lv(&mut out, &addr);
    out
}

/// ESM Activate default EPS bearer context accept.
pub fn activate_default_eps_bearer_context_accept(ebi: u8, pti: u8) -> Vec<u8> {
    vec![
        (ebi & 0x0f) << 4 | ESM_PD,
        pti,
        esm::ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_ACCEPT,
    ]
}

/// Attach request (EPS attach type 1..7, no key) with an IMSI or GUTI identity, typical UE
/// capabilities, and the given ESM message (e.g. [`pdn_connectivity_request`]).
pub fn attach_request(
    attach_type: u8,
    id: &Identity<'_>,
    esm_message: &[u8],
) -> Result<Vec<u8>, BuildError> {
    let mut out = emm(emm::ATTACH_REQUEST);
    out.push(NO_KEY << 4 | (attach_type & 0x07));
    push_lv(&mut out, &eps_mobile_identity(id)?);
    push_lv(
        &mut out,
        &[TYPICAL_UE_CAPABILITIES.eea, TYPICAL_UE_CAPABILITIES.eia],
    );
    push_lv_e(&mut out, esm_message);
    Ok(out)
}

/// Attach accept: EPS only, T3412 54 min, the TAI list, the ESM message, optional GUTI.
pub fn attach_accept(plmn: Plmn, tacs: &[u16], guti: Option<Guti>, esm_message: &[u8]) -> Vec<u8> {
    let mut out = emm(emm::ATTACH_ACCEPT);
    out.push(0x01);
    out.push(0x49);
    push_lv(&mut out, &tai_list(plmn, tacs));
    push_lv_e(&mut out, esm_message);
    if let Some(g) = guti {
        out.push(0x50);
        push_lv(&mut out, &guti_ie(&g));
    }
    out
}

/// Attach complete carrying the given ESM message.
pub fn attach_complete(esm_message: &[u8]) -> Vec<u8> {
    let mut out = emm(emm::ATTACH_COMPLETE);
    push_lv_e(&mut out, esm_message);
    out
}

/// Attach reject with an EMM cause.
pub fn attach_reject(cause: u8) -> Vec<u8> {
    let mut out = emm(emm::ATTACH_REJECT);
    out.push(cause);
    out
}

/// Authentication request with the given key set identifier, RAND and AUTN.
pub fn authentication_request(ksi: u8, rand: &[u8; 16], autn: &[u8; 16]) -> Vec<u8> {
    let mut out = emm(emm::AUTHENTICATION_REQUEST);
    out.push(ksi & 0x0f);
    out.extend_from_slice(rand);
    push_lv(&mut out, autn);
    out
}

/// Authentication response carrying RES.
pub fn authentication_response(res: &[u8]) -> Vec<u8> {
    let mut out = emm(emm::AUTHENTICATION_RESPONSE);
    push_lv(&mut out, res);
    out
}

/// Authentication reject.
pub fn authentication_reject() -> Vec<u8> {
    emm(emm::AUTHENTICATION_REJECT)
}

/// Security mode command choosing `algorithms`, replaying the UE's capabilities.
pub fn security_mode_command(
    algorithms: SecurityAlgorithms,
    ksi: u8,
    replayed: SecurityCapabilities,
    imeisv_request: bool,
) -> Vec<u8> {
    let mut out = emm(emm::SECURITY_MODE_COMMAND);
    out.push(algorithms.octet());
    out.push(ksi & 0x0f);
    push_lv(&mut out, &[replayed.eea, replayed.eia]);
    if imeisv_request {
        out.push(0xc1);
    }
    out
}

/// Security mode complete, with the IMEISV when one is given.
pub fn security_mode_complete(imeisv: Option<&str>) -> Result<Vec<u8>, BuildError> {
    let mut out = emm(emm::SECURITY_MODE_COMPLETE);
    if let Some(d) = imeisv {
        out.push(0x23);
        push_lv(&mut out, &digits_ie(3, d)?);
    }
    Ok(out)
}

/// Tracking area update request (update type 0..7) from the UE with the given old GUTI.
pub fn tracking_area_update_request(update_type: u8, ksi: u8, old_guti: Guti) -> Vec<u8> {
    let mut out = emm(emm::TRACKING_AREA_UPDATE_REQUEST);
    out.push((ksi & 0x0f) << 4 | (update_type & 0x07));
    push_lv(&mut out, &guti_ie(&old_guti));
    out
}

/// Tracking area update accept (update result 0..7) with T3412 54 min, the TAI list and an
/// optional new GUTI.
pub fn tracking_area_update_accept(
    update_result: u8,
    plmn: Plmn,
    tacs: &[u16],
    guti: Option<Guti>,
) -> Vec<u8> {
    let mut out = emm(emm::TRACKING_AREA_UPDATE_ACCEPT);
    out.push(update_result & 0x07);
    out.extend_from_slice(&[0x5a, 0x49]);
    if let Some(g) = guti {
        out.push(0x50);
        push_lv(&mut out, &guti_ie(&g));
    }
    out.push(0x54);
    push_lv(&mut out, &tai_list(plmn, tacs));
    out
}

/// Tracking area update reject with an EMM cause.
pub fn tracking_area_update_reject(cause: u8) -> Vec<u8> {
    let mut out = emm(emm::TRACKING_AREA_UPDATE_REJECT);
    out.push(cause);
    out
}

/// Service request (its own security header format): KSI, short sequence number, short MAC.
pub fn service_request(ksi: u8, sequence_number: u8, short_mac: u16) -> Vec<u8> {
    let mut out = vec![
        SecurityHeaderType::ServiceRequest.value() << 4 | EMM_PD,
        (ksi & 0x07) << 5 | (sequence_number & 0x1f),
    ];
    out.extend_from_slice(&short_mac.to_be_bytes());
    out
}

/// Service reject with an EMM cause.
pub fn service_reject(cause: u8) -> Vec<u8> {
    let mut out = emm(emm::SERVICE_REJECT);
    out.push(cause);
    out
}

/// Detach request sent by the UE (detach type 1..3) with its identity.
pub fn detach_request_uplink(
    detach_type: u8,
    switch_off: bool,
    ksi: u8,
    id: &Identity<'_>,
) -> Result<Vec<u8>, BuildError> {
    let mut out = emm(emm::DETACH_REQUEST);
    out.push((ksi & 0x0f) << 4 | u8::from(switch_off) << 3 | (detach_type & 0x07));
    push_lv(&mut out, &eps_mobile_identity(id)?);
    Ok(out)
}

/// Detach request sent by the network (detach type 1..3), with an EMM cause if given.
pub fn detach_request_downlink(detach_type: u8, cause: Option<u8>) -> Vec<u8> {
    let mut out = emm(emm::DETACH_REQUEST);
    out.push(detach_type & 0x07);
    if let Some(c) = cause {
        out.extend_from_slice(&[0x53, c]);
    }
    out
}

/// Detach accept.
pub fn detach_accept() -> Vec<u8> {
    emm(emm::DETACH_ACCEPT)
}

/// How [`protect`] wraps a plain message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Security header type 1: integrity protected, body readable.
    Integrity,
    /// Security header type 3: integrity protected with new EPS security context.
    IntegrityNewContext,
    /// Security header type 2: integrity protected and ciphered.
    Ciphered,
    /// Security header type 4: ciphered with new EPS security context.
    CipheredNewContext,
}

/// Put a plain EMM message behind a security header with the given MAC and sequence number.
///
/// For the ciphered kinds the body is replaced by a deterministic keystream XOR of it, so it
/// looks random and cannot be read back; no real ciphering is done.
pub fn protect(plain: &[u8], protection: Protection, mac: u32, sequence_number: u8) -> Vec<u8> {
    let (header, ciphered) = match protection {
        Protection::Integrity => (SecurityHeaderType::IntegrityProtected, false),
        Protection::IntegrityNewContext => {
            (SecurityHeaderType::IntegrityProtectedNewContext, false)
        }
        Protection::Ciphered => (SecurityHeaderType::IntegrityProtectedCiphered, true),
        Protection::CipheredNewContext => (
            SecurityHeaderType::IntegrityProtectedCipheredNewContext,
            true,
        ),
    };
    let mut out = vec![header.value() << 4 | EMM_PD];
    out.extend_from_slice(&mac.to_be_bytes());
    out.push(sequence_number);
    if ciphered {
        // xorshift64 keystream seeded from the header values (never zero thanks to the constant).
        let mut state = (u64::from(mac) << 8 | u64::from(sequence_number)) ^ 0x9e37_79b9_7f4a_7c15;
        out.extend(plain.iter().map(|b| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b ^ (state >> 32) as u8
        }));
    } else {
        out.extend_from_slice(plain);
    }
    out
}
