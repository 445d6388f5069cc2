//! Builders for the GSM messages the scenario builder writes, and the air-interface framing
//! (L2 pseudo length, LAPDm) GSMTAP Um carries them in.

use crate::{channel, Lai, Plmn};

/// Protocol discriminators used below.
const PD_MM: u8 = 0x05;
const PD_RR: u8 = 0x06;
const PD_GMM: u8 = 0x08;
const PD_SMS: u8 = 0x09;

/// Fill octet of unused bits in GSM blocks and rest octets.
const FILL: u8 = 0x2b;

/// A TS 24.008 mobile identity value (without length) from digits: IMSI (1), IMEI (2) or
/// IMEISV (3) by `type_bits`.
pub fn digit_identity(type_bits: u8, digits: &str) -> Vec<u8> {
    let nibbles: Vec<u8> = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|d| d - b'0')
        .collect();
    let odd = nibbles.len() % 2 == 1;
    let mut out =
        vec![nibbles.first().copied().unwrap_or(0) << 4 | u8::from(odd) << 3 | (type_bits & 0x07)];
    for pair in nibbles.get(1..).unwrap_or(&[]).chunks(2) {
        let lo = pair.first().copied().unwrap_or(0x0f);
        let hi = pair.get(1).copied().unwrap_or(0x0f);
        out.push(hi << 4 | lo);
    }
    out
}

/// A TMSI mobile identity value.
pub fn tmsi_identity(tmsi: u32) -> Vec<u8> {
    let mut out = vec![0xf4];
    out.extend(tmsi.to_be_bytes());
    out
}

fn lai_bytes(lai: &Lai) -> [u8; 5] {
    let [a, b, c] = lai.plmn.raw;
    let [h, l] = lai.lac.to_be_bytes();
    [a, b, c, h, l]
}

fn lv(out: &mut Vec<u8>, value: &[u8]) {
    out.push(u8::try_from(value.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(value);
}

/// A location area identity from MCC, MNC (decimal text) and LAC.
pub fn lai(mcc: &str, mnc: &str, lac: u16) -> Option<Lai> {
    Some(Lai {
        plmn: Plmn::from_digits(mcc, mnc)?,
        lac,
    })
}

/// MM Location Updating Request (normal updating) with the given identity value.
pub fn location_updating_request(lai: &Lai, identity: &[u8]) -> Vec<u8> {
    let mut out = vec![PD_MM, 0x08, 0x70];
    out.extend(lai_bytes(lai));
    out.push(0x33);
    lv(&mut out, identity);
    out
}

/// MM Location Updating Accept, optionally allocating a TMSI.
pub fn location_updating_accept(lai: &Lai, tmsi: Option<u32>) -> Vec<u8> {
    let mut out = vec![PD_MM, 0x02];
    out.extend(lai_bytes(lai));
    if let Some(t) = tmsi {
        out.push(0x17);
        lv(&mut out, &tmsi_identity(t));
    }
    out
}

/// MM Location Updating Reject with an MM cause.
pub fn location_updating_reject(cause: u8) -> Vec<u8> {
    vec![PD_MM, 0x04, cause]
}

/// MM Identity Request for identity type `type_bits` (1 IMSI, 2 IMEI, 3 IMEISV, 4 TMSI).
pub fn identity_request(type_bits: u8) -> Vec<u8> {
    vec![PD_MM, 0x18, type_bits & 0x07]
}

/// MM Identity Response carrying `identity`.
pub fn identity_response(identity: &[u8]) -> Vec<u8> {
    let mut out = vec![PD_MM, 0x19];
    lv(&mut out, identity);
    out
}

/// MM Authentication Request with key sequence 0, a RAND and, for UMTS authentication of
/// a USIM, an AUTN.
pub fn authentication_request(rand: [u8; 16], autn: Option<[u8; 16]>) -> Vec<u8> {
    let mut out = vec![PD_MM, 0x12, 0x00];
    out.extend(rand);
    if let Some(a) = autn {
        out.push(0x20);
        lv(&mut out, &a);
    }
    out
}

/// MM Authentication Response with an SRES.
pub fn authentication_response(sres: [u8; 4]) -> Vec<u8> {
    let mut out = vec![PD_MM, 0x14];
    out.extend(sres);
    out
}

/// MM CM Service Request for mobile-originating calls (type 1) with `identity`.
pub fn cm_service_request(service_type: u8, identity: &[u8]) -> Vec<u8> {
    let mut out = vec![PD_MM, 0x24, 0x70 | (service_type & 0x0f)];
    lv(&mut out, &[0x53, 0x19, 0xa2]);
    lv(&mut out, identity);
    out
}

/// MM CM Service Accept.
pub fn cm_service_accept() -> Vec<u8> {
    vec![PD_MM, 0x21]
}

/// RR Ciphering Mode Command: `start` sets SC; `a5` is the A5 version (1..7).
pub fn ciphering_mode_command(start: bool, a5: u8) -> Vec<u8> {
    let alg = a5.saturating_sub(1) & 0x07;
    vec![PD_RR, 0x35, u8::from(start) | alg << 1]
}

/// RR Ciphering Mode Complete.
pub fn ciphering_mode_complete() -> Vec<u8> {
    vec![PD_RR, 0x32]
}

/// RR Channel Release with an RR cause (0 normal event).
pub fn channel_release(cause: u8) -> Vec<u8> {
    vec![PD_RR, 0x0d, cause]
}

/// RR Immediate Assignment of an SDCCH/8 on timeslot 1 (what precedes a dedicated exchange).
pub fn immediate_assignment() -> Vec<u8> {
    vec![
        PD_RR, 0x3f, 0x00, 0x41, 0x00, 0x7e, 0x9f, 0x1c, 0x3c, 0x00, 0x00, 0x2b,
    ]
}

/// RR Paging Request Type 1 paging one identity.
pub fn paging_request_type1(identity: &[u8]) -> Vec<u8> {
    let mut out = vec![PD_RR, 0x21, 0x00];
    lv(&mut out, identity);
    out
}

/// Broadcast parameters of a System Information Type 3.
#[derive(Debug, Clone, Copy)]
pub struct Si3 {
    /// Cell identity.
    pub cell_identity: u16,
    /// Location area.
    pub lai: Lai,
    /// T3212 in decihours.
    pub t3212_decihours: u8,
    /// RXLEV-ACCESS-MIN (0..63).
    pub rxlev_access_min: u8,
    /// CELL_RESELECT_OFFSET (0..63, 2 dB steps), broadcast in the rest octets when set.
    pub cell_reselect_offset: Option<u8>,
}

/// RR System Information Type 3.
pub fn system_information_3(si: &Si3) -> Vec<u8> {
    let mut out = vec![PD_RR, 0x1b];
    out.extend(si.cell_identity.to_be_bytes());
    out.extend(lai_bytes(&si.lai));
    // Control channel description: ATT set, BS-AG-BLKS-RES 1, CCCH-CONF 0; BS-PA-MFRMS 2;
    // T3212.
    out.extend([0x48, 0x02, si.t3212_decihours]);
    // Cell options: PWRC 0, DTX 2, RADIO-LINK-TIMEOUT 8.
    out.push(0x25);
    // Cell selection parameters: hysteresis 2 (4 dB), MS-TXPWR-MAX-CCH 5; NECI; RXLEV.
    out.extend([0x45, 0x40 | (si.rxlev_access_min & 0x3f)]);
    // RACH control: max retrans 4, tx-integer 14, no cell bar, all access classes allowed.
    out.extend([0xb8, 0x00, 0x00]);
    out.extend(si3_rest_octets(si.cell_reselect_offset));
    out
}

/// Four rest octets: optional selection parameters when an offset is given, fill otherwise.
fn si3_rest_octets(offset: Option<u8>) -> [u8; 4] {
    let Some(cro) = offset else {
        return [FILL; 4];
    };
    // H (differs from the fill bit 0 at bit position 0), CBQ 0, CRO (6), TEMPORARY_OFFSET 0
    // (3), PENALTY_TIME 0 (5): 16 bits; then fill.
    let bits: u16 = 1 << 15 | u16::from(cro & 0x3f) << 8;
    let [a, b] = bits.to_be_bytes();
    [a, b, FILL, FILL]
}

/// RR System Information Type 2 naming `arfcns` (1..124) in a bit map 0 list.
pub fn system_information_2(arfcns: &[u16]) -> Vec<u8> {
    let mut out = vec![PD_RR, 0x1a];
    out.extend(bit_map_0(arfcns));
    // NCC permitted: all.
    out.push(0xff);
    out.extend([0xb8, 0x00, 0x00]);
    out
}

/// A neighbour cell description in bit map 0: octet 16 bit 1 is ARFCN 1, octet 2 bit 4
/// ARFCN 124 (TS 44.018 10.5.2.1b.2).
fn bit_map_0(arfcns: &[u16]) -> [u8; 16] {
    let mut v = [0u8; 16];
    for &n in arfcns.iter().filter(|n| (1..=124).contains(*n)) {
        let bit = usize::from(n - 1);
        if let Some(b) = v.get_mut(15 - bit / 8) {
            *b |= 1 << (bit % 8);
        }
    }
    v
}

/// GMM Authentication and Ciphering Request choosing GEA/`gea` (0 = none), with a RAND.
pub fn gmm_authentication_and_ciphering_request(gea: u8, rand: Option<[u8; 16]>) -> Vec<u8> {
    let mut out = vec![PD_GMM, 0x12, gea & 0x07, 0x00];
    if let Some(r) = rand {
        out.push(0x21);
        out.extend(r);
    }
    out
}

/// A CP-DATA carrying an RP-DATA (network to phone) carrying an SMS-DELIVER from
/// `originator` with the given TP-PID and TP-DCS and a short text.
pub fn sms_deliver(pid: u8, dcs: u8, originator: &str) -> Vec<u8> {
    let digits: Vec<u8> = originator
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|d| d - b'0')
        .take(20)
        .collect();
    let mut tpdu = vec![0x04, u8::try_from(digits.len()).unwrap_or(0), 0x91];
    for pair in digits.chunks(2) {
        let lo = pair.first().copied().unwrap_or(0x0f);
        let hi = pair.get(1).copied().unwrap_or(0x0f);
        tpdu.push(hi << 4 | lo);
    }
    tpdu.extend([pid, dcs]);
    // Service centre time stamp 2026-12-04 10:00:00 +00 (semi-octets swapped).
    tpdu.extend([0x62, 0x21, 0x40, 0x01, 0x00, 0x00, 0x00]);
    // "hi" in the default alphabet, packed.
    tpdu.extend([0x02, 0xe8, 0x34]);
    let mut rpdu = vec![0x01, 0x2a];
    // RP originator: the service centre.
    lv(&mut rpdu, &[0x91, 0x94, 0x71, 0x01, 0x67, 0x00]);
    lv(&mut rpdu, &[]);
    lv(&mut rpdu, &tpdu);
    let mut out = vec![PD_SMS, 0x01];
    lv(&mut out, &rpdu);
    out
}

/// A GSMTAP Um payload for `l3` on `channel_type`: BCCH and CCCH blocks get the L2 pseudo
/// length and fill to 23 octets; dedicated channels a LAPDm I frame header (SAPI 0, or 3
/// for short messages) and fill.
pub fn um_block(channel_type: u8, l3: &[u8]) -> Vec<u8> {
    let len = u8::try_from(l3.len().min(63)).unwrap_or(63);
    let base = channel_type & !channel::ACCH_FLAG;
    let mut out = Vec::with_capacity(23 + l3.len());
    if matches!(
        base,
        channel::BCCH | channel::CCCH | channel::AGCH | channel::PCH
    ) {
        out.push(len << 2 | 0x01);
    } else {
        let sapi3 = l3.first().map(|b| b & 0x0f) == Some(PD_SMS);
        // Address: SAPI, C/R 0, EA 1. Control: I frame N(R) 0 N(S) 0. Length: L, M 0, EL 1.
        out.push(if sapi3 { 0x0d } else { 0x01 });
        out.push(0x00);
        out.push(len << 2 | 0x01);
    }
    out.extend_from_slice(l3);
    while out.len() < 23 {
        out.push(FILL);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_l3, decode_um, IdentityKind};

    #[test]
    fn built_messages_decode_to_what_was_built() {
        let lai = lai("001", "01", 0x0102).unwrap();
        let imsi = digit_identity(1, "001010123456789");
        let m = decode_l3(&location_updating_request(&lai, &imsi));
        assert_eq!(m.error, None);
        assert_eq!(
            m.fields.mobile_identity.as_ref().map(|i| i.digits()),
            Some("001010123456789")
        );
        let m = decode_l3(&ciphering_mode_command(false, 1));
        assert_eq!(m.fields.ciphering.map(|c| c.start), Some(false));
        let m = decode_l3(&ciphering_mode_command(true, 3));
        assert_eq!(m.fields.ciphering.map(|c| c.algorithm), Some(3));
        let si = Si3 {
            cell_identity: 0x4242,
            lai,
            t3212_decihours: 1,
            rxlev_access_min: 0,
            cell_reselect_offset: Some(40),
        };
        let m = decode_um(
            channel::BCCH,
            &um_block(channel::BCCH, &system_information_3(&si)),
        );
        assert_eq!(m.error, None);
        assert_eq!(m.fields.cell_identity, Some(0x4242));
        assert_eq!(m.fields.t3212_decihours, Some(1));
        assert_eq!(m.fields.rxlev_access_min, Some(0));
        assert_eq!(m.fields.cell_reselect_offset, Some(40));
        let m = decode_um(
            channel::BCCH,
            &um_block(channel::BCCH, &system_information_2(&[])),
        );
        assert!(m.fields.neighbours.unwrap().empty);
        let m = decode_um(
            channel::BCCH,
            &um_block(channel::BCCH, &system_information_2(&[1, 17, 124])),
        );
        assert_eq!(m.fields.neighbours.unwrap().frequencies, Some(3));
        let m = decode_um(
            channel::SDCCH8,
            &um_block(channel::SDCCH8, &identity_request(1)),
        );
        assert_eq!(m.fields.identity_requested, Some(IdentityKind::Imsi));
        let m = decode_um(
            channel::CCCH,
            &um_block(channel::CCCH, &paging_request_type1(&imsi)),
        );
        assert_eq!(
            m.fields.paged.first().map(|i| i.kind),
            Some(IdentityKind::Imsi)
        );
    }
}
