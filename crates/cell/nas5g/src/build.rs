//! Plain 5GMM messages a scenario needs, encoded by hand after TS 24.501 §8.2 so that the
//! decoder under test is not also the encoder; and the security header that wraps them.
//!
//! Only what the scenarios use: the tests decode every message built here with tshark and
//! pycrate as well.

use crate::header::EPD_5GMM;
use crate::{Algorithms, IdentityKind, ProtectionScheme, RegistrationType};

/// A SUCI to put in a Registration Request or Identity Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuciSpec {
    /// MCC and MNC as decimal text (e.g. "001", "01").
    pub mcc: &'static str,
    /// MNC, two or three digits.
    pub mnc: &'static str,
    /// Protection scheme.
    pub scheme: ProtectionScheme,
    /// Home network public key identifier (0 for the null scheme).
    pub home_network_key: u8,
    /// For the null scheme: the MSIN digits carried in clear. Ignored otherwise.
    pub msin: &'static str,
}

/// Octets of an ECIES scheme output's parts in each profile (TS 33.501 annex C.3.4): the
/// ephemeral public key (X25519 32, compressed secp256r1 33) and the MAC tag (8).
const PROFILE_A_KEY: usize = 32;
const PROFILE_B_KEY: usize = 33;
const MAC_TAG: usize = 8;

fn bcd_digits(text: &str) -> Vec<u8> {
    let d: Vec<u8> = text.bytes().map(|b| b.wrapping_sub(b'0') & 0x0f).collect();
    d.chunks(2)
        .map(|pair| match pair {
            [a, b] => a | (b << 4),
            [a] => a | 0xf0,
            _ => 0xff,
        })
        .collect()
}

fn plmn_octets(mcc: &str, mnc: &str) -> [u8; 3] {
    let m: Vec<u8> = mcc.bytes().map(|b| b.wrapping_sub(b'0') & 0x0f).collect();
    let n: Vec<u8> = mnc.bytes().map(|b| b.wrapping_sub(b'0') & 0x0f).collect();
    let g = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0x0f);
    [
        g(&m, 0) | (g(&m, 1) << 4),
        g(&m, 2) | (g(&n, 2) << 4),
        g(&n, 0) | (g(&n, 1) << 4),
    ]
}

impl SuciSpec {
    /// The 5GS mobile identity value octets (figure 9.11.3.4.3), routing indicator 0.
    pub fn identity(&self) -> Vec<u8> {
        let mut v = vec![0x01];
        v.extend_from_slice(&plmn_octets(self.mcc, self.mnc));
        v.extend_from_slice(&[0xf0, 0xff]);
        v.push(self.scheme.id() & 0x0f);
        v.push(self.home_network_key);
        let msin = bcd_digits(self.msin);
        match self.scheme {
            ProtectionScheme::Null => v.extend_from_slice(&msin),
            ProtectionScheme::ProfileA
            | ProtectionScheme::ProfileB
            | ProtectionScheme::Other(_) => {
                let key = if self.scheme == ProtectionScheme::ProfileB {
                    PROFILE_B_KEY
                } else {
                    PROFILE_A_KEY
                };
                // Stand-in key, ciphertext and tag: fixed octets, not an encryption.
                let mut k = vec![0x5a; key];
                if self.scheme == ProtectionScheme::ProfileB {
                    if let Some(first) = k.first_mut() {
                        *first = 0x02;
                    }
                }
                v.extend_from_slice(&k);
                v.extend(std::iter::repeat_n(0xc3, msin.len()));
                v.extend(std::iter::repeat_n(0x7b, MAC_TAG));
            }
        }
        v
    }
}

fn lv_e(value: &[u8], out: &mut Vec<u8>) {
    let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value.get(..usize::from(len)).unwrap_or(value));
}

fn mm(message_type: u8) -> Vec<u8> {
    vec![EPD_5GMM, 0x00, message_type]
}

/// UE security capability IE (TLV, IEI 0x2E): 5G-EA0 to 5G-EA2, 5G-IA1 and 5G-IA2.
fn ue_security_capability(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0x2e, 0x02, 0xe0, 0x60]);
}

/// Registration Request (§8.2.6) with an identity's value octets, no key set (ngKSI 7).
pub fn registration_request(kind: RegistrationType, follow_on: bool, identity: &[u8]) -> Vec<u8> {
    let mut m = mm(0x41);
    m.push(0x70 | u8::from(follow_on) << 3 | kind.value());
    lv_e(identity, &mut m);
    ue_security_capability(&mut m);
    m
}

/// 5G-GUTI value octets (figure 9.11.3.4.1) of a PLMN, with AMF and TMSI fields fixed.
pub fn guti_identity(mcc: &str, mnc: &str, tmsi: u32) -> Vec<u8> {
    let mut v = vec![0xf2];
    v.extend_from_slice(&plmn_octets(mcc, mnc));
    v.extend_from_slice(&[0x01, 0x00, 0x41]);
    v.extend_from_slice(&tmsi.to_be_bytes());
    v
}

/// IMEISV value octets (figure 9.11.3.4.2) of 16 digits.
pub fn imeisv_identity(digits: &str) -> Vec<u8> {
    // The type with odd/even 0 (16 digits) and the first digit in the high half.
    let d: Vec<u8> = digits
        .bytes()
        .map(|b| b.wrapping_sub(b'0') & 0x0f)
        .collect();
    let mut v = vec![(d.first().copied().unwrap_or(0) << 4) | 0x05];
    let rest = d.get(1..).unwrap_or(&[]);
    for pair in rest.chunks(2) {
        v.push(match pair {
            [a, b] => a | (b << 4),
            [a] => a | 0xf0,
            _ => 0xff,
        });
    }
    v
}

/// Registration Accept (§8.2.7): 3GPP access, assigning a 5G-GUTI.
pub fn registration_accept(guti: &[u8]) -> Vec<u8> {
    let mut m = mm(0x42);
    m.extend_from_slice(&[0x01, 0x01]);
    m.push(0x77);
    lv_e(guti, &mut m);
    m
}

/// Registration Complete (§8.2.8).
pub fn registration_complete() -> Vec<u8> {
    mm(0x43)
}

/// Registration Reject (§8.2.9) with a 5GMM cause.
pub fn registration_reject(cause: u8) -> Vec<u8> {
    let mut m = mm(0x44);
    m.push(cause);
    m
}

/// Identity Request (§8.2.21).
pub fn identity_request(kind: IdentityKind) -> Vec<u8> {
    let mut m = mm(0x5b);
    m.push(kind.value());
    m
}

/// Identity Response (§8.2.22) with an identity's value octets.
pub fn identity_response(identity: &[u8]) -> Vec<u8> {
    let mut m = mm(0x5c);
    lv_e(identity, &mut m);
    m
}

/// Authentication Request (§8.2.1): 5G AKA with ngKSI 0, ABBA 0000, a RAND and an AUTN.
pub fn authentication_request() -> Vec<u8> {
    let mut m = mm(0x56);
    m.extend_from_slice(&[0x00, 0x02, 0x00, 0x00, 0x21]);
    m.extend_from_slice(&[0x3a; 16]);
    m.extend_from_slice(&[0x20, 0x10]);
    m.extend_from_slice(&[0x9c; 16]);
    m
}

/// Authentication Response (§8.2.2) with a RES*.
pub fn authentication_response() -> Vec<u8> {
    let mut m = mm(0x57);
    m.extend_from_slice(&[0x2d, 0x10]);
    m.extend_from_slice(&[0x4e; 16]);
    m
}

/// Authentication Failure (§8.2.4) with a cause (#20 MAC failure, #21 synch failure).
pub fn authentication_failure(cause: u8) -> Vec<u8> {
    let mut m = mm(0x59);
    m.push(cause);
    m
}

/// Authentication Reject (§8.2.5).
pub fn authentication_reject() -> Vec<u8> {
    mm(0x58)
}

/// Security Mode Command (§8.2.25), ngKSI 0, replaying the capability of
/// [`registration_request`], optionally asking for the IMEISV.
pub fn security_mode_command(algorithms: Algorithms, imeisv: bool) -> Vec<u8> {
    let mut m = mm(0x5d);
    m.push(((algorithms.ciphering & 0x07) << 4) | (algorithms.integrity & 0x07));
    m.push(0x00);
    m.extend_from_slice(&[0x02, 0xe0, 0x60]);
    if imeisv {
        m.push(0xe1);
    }
    m
}

/// Security Mode Complete (§8.2.26), carrying the IMEISV when given.
pub fn security_mode_complete(imeisv: Option<&[u8]>) -> Vec<u8> {
    let mut m = mm(0x5e);
    if let Some(id) = imeisv {
        m.push(0x77);
        lv_e(id, &mut m);
    }
    m
}

/// Security Mode Reject (§8.2.27) with a cause.
pub fn security_mode_reject(cause: u8) -> Vec<u8> {
    let mut m = mm(0x5f);
    m.push(cause);
    m
}

/// Service Request (§8.2.16) of a 5G-S-TMSI, ngKSI 0, service type (0 signalling, 1 data,
/// 3 emergency services).
pub fn service_request(service_type: u8, tmsi: u32) -> Vec<u8> {
    let mut m = mm(0x4c);
    m.push((service_type & 0x0f) << 4);
    // Figure 9.11.3.4.5: type, AMF set id and pointer (two octets), 5G-TMSI.
    let mut id = vec![0xf4, 0x00, 0x41];
    id.extend_from_slice(&tmsi.to_be_bytes());
    lv_e(&id, &mut m);
    m
}

/// Service Accept (§8.2.17).
pub fn service_accept() -> Vec<u8> {
    mm(0x4e)
}

/// Service Reject (§8.2.18) with a cause.
pub fn service_reject(cause: u8) -> Vec<u8> {
    let mut m = mm(0x4d);
    m.push(cause);
    m
}

/// De-registration Request from the network (§8.2.14): 3GPP access, with a cause.
pub fn deregistration_request_network(re_register: bool, cause: Option<u8>) -> Vec<u8> {
    let mut m = mm(0x47);
    m.push(0x01 | u8::from(re_register) << 2);
    if let Some(c) = cause {
        m.extend_from_slice(&[0x58, c]);
    }
    m
}

/// De-registration Accept to the network's request (§8.2.15).
pub fn deregistration_accept_network() -> Vec<u8> {
    mm(0x48)
}

/// De-registration Request from the phone (§8.2.12) with its 5G-GUTI, 3GPP access.
pub fn deregistration_request_phone(switch_off: bool, guti: &[u8]) -> Vec<u8> {
    let mut m = mm(0x45);
    m.push(0x01 | u8::from(switch_off) << 3);
    lv_e(guti, &mut m);
    m
}

/// De-registration Accept to the phone's request (§8.2.13).
pub fn deregistration_accept_phone() -> Vec<u8> {
    mm(0x46)
}

/// Configuration Update Command (§8.2.19) assigning a new 5G-GUTI.
pub fn configuration_update_command(guti: &[u8]) -> Vec<u8> {
    let mut m = mm(0x54);
    m.push(0x77);
    lv_e(guti, &mut m);
    m
}

/// Wrap a plain message in a security header (§9.1.1) of the given type (1-4), with a
/// stand-in MAC and a sequence number. With a ciphering type the plain octets stand for the
/// ciphertext: nothing here ciphers.
pub fn protect(security_header_type: u8, sequence: u8, plain: &[u8]) -> Vec<u8> {
    let mut m = vec![
        EPD_5GMM,
        security_header_type & 0x0f,
        0x1c,
        0x2d,
        0x3e,
        0x4f,
    ];
    m.push(sequence);
    m.extend_from_slice(plain);
    m
}
