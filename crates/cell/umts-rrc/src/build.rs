//! Writes the UMTS RRC messages this crate reads, in their release 3 (and release 7 for UEA2
//! and UIA2) forms, each a complete valid PDU (all optional parts absent unless asked for).
//! Used by the scenario builder and the tests; never sent anywhere.

use crate::per::BitWriter;
use crate::{index, InitialIdentity, Lai, Redirection};

fn header(w: &mut BitWriter, mac: Option<u32>) {
    w.bit(mac.is_some());
    if let Some(mac) = mac {
        w.bits(mac, 32);
        w.bits(0, 4);
    }
}

fn digits(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b.wrapping_sub(b'0').min(15)).collect()
}

fn lai(w: &mut BitWriter, lai: &Lai) {
    w.digits(&digits(&lai.plmn.mcc), 3, 3);
    w.digits(&digits(&lai.plmn.mnc), 2, 3);
    w.bits(u32::from(lai.lac), 16);
}

fn identity(w: &mut BitWriter, id: &InitialIdentity) {
    match id {
        InitialIdentity::Imsi(d) => {
            w.upto(0, 7);
            w.digits(&digits(d), 6, 21);
        }
        InitialIdentity::TmsiAndLai { tmsi, lai: l } => {
            w.upto(1, 7);
            w.bits(*tmsi, 32);
            lai(w, l);
        }
        InitialIdentity::PtmsiAndRai { ptmsi, lai: l, rac } => {
            w.upto(2, 7);
            w.bits(*ptmsi, 32);
            lai(w, l);
            w.bits(u32::from(*rac), 8);
        }
        InitialIdentity::Imei(d) => {
            w.upto(3, 7);
            for x in digits(d).iter().chain(std::iter::repeat(&0)).take(15) {
                w.upto(u32::from(*x), 15);
            }
        }
        InitialIdentity::Ansi41(_) => {
            // An ESN of zeros.
            w.upto(4, 7);
            w.bits(0, 32);
        }
    }
}

/// UL-CCCH RRC Connection Request with an identity and establishment cause (0-31).
pub fn connection_request(id: &InitialIdentity, cause: u8) -> Vec<u8> {
    let mut w = BitWriter::new();
    header(&mut w, None);
    w.upto(index::UL_CCCH_CONNECTION_REQUEST, 3);
    w.bits(0, 2);
    identity(&mut w, id);
    w.upto(u32::from(cause), 31);
    // protocolErrorIndicator: noError.
    w.bit(false);
    w.finish()
}

fn redirection(w: &mut BitWriter, r: Redirection) {
    match r {
        Redirection::Gsm => w.bit(true),
        Redirection::Utra { uarfcn } => {
            w.bit(false);
            // FDD, no uplink UARFCN.
            w.bit(false);
            w.bit(false);
            w.upto(u32::from(uarfcn), 16383);
        }
    }
}

/// DL-CCCH RRC Connection Reject answering `id`, with a wait time and a redirection.
pub fn connection_reject(
    id: &InitialIdentity,
    wait_time: u8,
    redirect: Option<Redirection>,
) -> Vec<u8> {
    let mut w = BitWriter::new();
    header(&mut w, None);
    w.upto(index::DL_CCCH_CONNECTION_REJECT, 7);
    w.bit(false); // r3
    w.bit(false); // no later extensions
    w.bit(redirect.is_some());
    identity(&mut w, id);
    w.bits(0, 2); // transaction id
    w.bit(false); // congestion
    w.bits(u32::from(wait_time.min(15)), 4);
    if let Some(r) = redirect {
        redirection(&mut w, r);
    }
    w.finish()
}

/// DL-DCCH RRC Connection Release with a cause (0-7), optionally redirecting (Release 6
/// extension), integrity protected when `mac` is given.
pub fn connection_release(cause: u8, redirect: Option<Redirection>, mac: Option<u32>) -> Vec<u8> {
    let mut w = BitWriter::new();
    header(&mut w, mac);
    w.upto(index::DL_DCCH_CONNECTION_RELEASE, 31);
    w.bit(false); // r3
    w.bit(redirect.is_some()); // later extensions
    w.bit(false); // n-308
    w.bit(false); // rplmn-information
    w.bits(0, 2);
    w.upto(u32::from(cause), 7);
    if let Some(r) = redirect {
        w.bit(false); // r3-add-ext
        w.bit(true); // v690
        w.bit(false); // v770
        w.bit(true); // redirectionInfo-v690ext
        match r {
            Redirection::Gsm => {
                w.bit(true);
                w.bit(false); // no GSM target cell list
            }
            other => redirection(&mut w, other),
        }
    }
    w.finish()
}

/// DL-DCCH Security Mode Command, integrity protected with `mac`: ciphering UEA`cipher`
/// (none when `None`), integrity started with UIA`integrity`. The release 7 form when either
/// algorithm needs it (UEA2, UIA2).
pub fn security_mode_command(cipher: Option<u8>, integrity: u8, ps: bool, mac: u32) -> Vec<u8> {
    let r7 = cipher == Some(2) || integrity == 2;
    let mut w = BitWriter::new();
    header(&mut w, Some(mac));
    w.upto(index::DL_DCCH_SECURITY_MODE_COMMAND, 31);
    w.bit(r7);
    if r7 {
        w.bits(0, 2);
        w.bit(false); // r7
        w.bits(0, 2);
    } else {
        w.bit(false);
    }
    w.bit(cipher.is_some());
    w.bit(true);
    w.bit(false);
    if !r7 {
        w.bits(0, 2);
    }
    // securityCapability: UEA0-2, UIA1-2.
    w.bits(0b0000_0000_0000_0111, 16);
    w.bits(0b0000_0000_0000_0110, 16);
    if let Some(c) = cipher {
        w.bits(0, 2);
        if r7 {
            w.upto(u32::from(c), 2);
        } else {
            w.bit(false);
            w.bit(c == 1);
        }
    }
    w.bit(true); // algorithm present
    w.bit(false); // start
    w.bits(0x1234_5678, 32);
    if r7 {
        w.bit(integrity == 2);
    }
    w.bit(ps);
    w.finish()
}

/// UL-DCCH Security Mode Complete (integrity protected).
pub fn security_mode_complete(mac: u32) -> Vec<u8> {
    let mut w = BitWriter::new();
    header(&mut w, Some(mac));
    w.upto(index::UL_DCCH_SECURITY_MODE_COMPLETE, 31);
    w.bits(0, 3 + 2);
    w.finish()
}

/// DL-DCCH Downlink Direct Transfer carrying `nas`.
pub fn downlink_direct_transfer(nas: &[u8], ps: bool, mac: Option<u32>) -> Vec<u8> {
    let mut w = BitWriter::new();
    header(&mut w, mac);
    w.upto(index::DL_DCCH_DIRECT_TRANSFER, 31);
    w.bits(0, 1 + 1 + 2);
    w.bit(ps);
    nas_message(&mut w, nas);
    w.finish()
}

/// UL-DCCH Initial Direct Transfer carrying `nas` (GSM-MAP node selector, local P-TMSI).
pub fn initial_direct_transfer(nas: &[u8], ps: bool) -> Vec<u8> {
    let mut w = BitWriter::new();
    header(&mut w, None);
    w.upto(index::UL_DCCH_INITIAL_DIRECT_TRANSFER, 31);
    w.bits(0, 2);
    w.bit(ps);
    w.bits(0, 1 + 1 + 3 + 10 + 1);
    nas_message(&mut w, nas);
    w.finish()
}

/// UL-DCCH Uplink Direct Transfer carrying `nas`.
pub fn uplink_direct_transfer(nas: &[u8], ps: bool, mac: Option<u32>) -> Vec<u8> {
    let mut w = BitWriter::new();
    header(&mut w, mac);
    w.upto(index::UL_DCCH_UPLINK_DIRECT_TRANSFER, 31);
    w.bits(0, 2);
    w.bit(ps);
    nas_message(&mut w, nas);
    w.finish()
}

fn nas_message(w: &mut BitWriter, nas: &[u8]) {
    let n = nas.len().clamp(1, crate::MAX_NAS_OCTETS);
    w.upto(u32::try_from(n - 1).unwrap_or(0), 4094);
    w.octets(nas.get(..n).unwrap_or(nas));
    if nas.is_empty() {
        w.bits(0, 8);
    }
}

/// PCCH Paging Type 1 paging one IMSI (digits) for the circuit-switched domain.
pub fn paging_imsi(imsi: &str) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.bit(false); // pagingType1
    w.bit(true);
    w.bits(0, 2);
    w.upto(0, 7); // one record
    w.bit(false); // cn-Identity
    w.bits(0, 3); // terminating conversational call
    w.bit(false); // CS
    w.upto(0, 7);
    w.digits(&digits(imsi), 6, 21);
    w.finish()
}
