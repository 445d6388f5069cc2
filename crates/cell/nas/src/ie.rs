//! Information elements detection needs, each read from its value bytes (after any IEI and
//! length) through a [`Reader`]. Identities keep their digits but serialize masked.

use crate::reader::Reader;
use crate::tables;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use std::fmt;

/// Longest digit string kept from an identity (IMEISV has 16 digits); more is an error.
const MAX_IDENTITY_DIGITS: usize = 16;

/// A PLMN identity (MCC + MNC), kept as its three BCD octets (TS 24.008 10.5.1.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Plmn {
    /// The three octets as sent.
    pub raw: [u8; 3],
}

fn bcd_char(nibble: u8) -> char {
    char::from_digit(u32::from(nibble & 0x0f), 16).unwrap_or('?')
}

impl Plmn {
    /// Read three octets.
    pub fn parse(r: &mut Reader<'_>) -> Result<Plmn, crate::reader::Truncated> {
        let b = r.take(3)?;
        match b {
            [a, b, c] => Ok(Plmn { raw: [*a, *b, *c] }),
            _ => Err(crate::reader::Truncated {
                offset: r.position(),
                wanted: 3,
                available: 0,
            }),
        }
    }

    /// A PLMN from decimal MCC and MNC strings (MNC of 2 or 3 digits); `None` if not digits.
    pub fn from_digits(mcc: &str, mnc: &str) -> Option<Plmn> {
        let d = |s: &str| -> Option<Vec<u8>> {
            s.chars()
                .map(|c| c.to_digit(10).and_then(|d| u8::try_from(d).ok()))
                .collect()
        };
        let mcc = d(mcc)?;
        let mnc = d(mnc)?;
        match (mcc.as_slice(), mnc.as_slice()) {
            ([c1, c2, c3], [n1, n2]) => Some(Plmn {
                raw: [c2 << 4 | c1, 0xf0 | c3, n2 << 4 | n1],
            }),
            ([c1, c2, c3], [n1, n2, n3]) => Some(Plmn {
                raw: [c2 << 4 | c1, n3 << 4 | c3, n2 << 4 | n1],
            }),
            _ => None,
        }
    }

    /// Mobile country code, three digits (a non-decimal nibble shows as a hex digit).
    pub fn mcc(&self) -> String {
        let [a, b, _] = self.raw;
        [a & 0x0f, a >> 4, b & 0x0f]
            .into_iter()
            .map(bcd_char)
            .collect()
    }

    /// Mobile network code, two or three digits (filler 0xF in the third digit means two).
    pub fn mnc(&self) -> String {
        let [_, b, c] = self.raw;
        let mut s: String = [c & 0x0f, c >> 4].into_iter().map(bcd_char).collect();
        if b >> 4 != 0x0f {
            s.push(bcd_char(b >> 4));
        }
        s
    }
}

impl fmt::Display for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.mcc(), self.mnc())
    }
}

impl Serialize for Plmn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Plmn", 2)?;
        st.serialize_field("mcc", &self.mcc())?;
        st.serialize_field("mnc", &self.mnc())?;
        st.end()
    }
}

/// Which kind of identity a mobile identity IE carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// No identity (type 0 of TS 24.008).
    NoIdentity,
    /// IMSI: the subscriber's permanent identity.
    Imsi,
    /// IMEI: the device's identity.
    Imei,
    /// IMEISV: IMEI with software version.
    Imeisv,
    /// TMSI / P-TMSI / M-TMSI.
    Tmsi,
    /// TMGI (MBMS).
    Tmgi,
    /// GUTI (EPS mobile identity only).
    Guti,
    /// A reserved type value.
    Other(u8),
}

impl IdentityKind {
    /// Name as used in reports.
    pub fn name(self) -> &'static str {
        match self {
            IdentityKind::NoIdentity => "No identity",
            IdentityKind::Imsi => "IMSI",
            IdentityKind::Imei => "IMEI",
            IdentityKind::Imeisv => "IMEISV",
            IdentityKind::Tmsi => "TMSI",
            IdentityKind::Tmgi => "TMGI",
            IdentityKind::Guti => "GUTI",
            IdentityKind::Other(_) => "reserved",
        }
    }
}

impl Serialize for IdentityKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A GUTI (TS 24.301 9.9.3.12 type 110).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Guti {
    /// PLMN of the MME.
    pub plmn: Plmn,
    /// MME group id.
    pub mme_group_id: u16,
    /// MME code.
    pub mme_code: u8,
    /// M-TMSI.
    pub m_tmsi: u32,
}

/// A mobile identity or EPS mobile identity as sent (TS 24.008 10.5.1.4, TS 24.301 9.9.3.12).
///
/// IMSI and IMEI digits are kept (for scenario checks and comparisons) but serialize and
/// debug-print masked, so logs and reports never carry them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobileIdentity {
    /// Kind of identity.
    pub kind: IdentityKind,
    digits: String,
    /// TMSI / M-TMSI when the kind is TMSI.
    pub tmsi: Option<u32>,
    /// The GUTI when the kind is GUTI.
    pub guti: Option<Guti>,
}

/// Which identity numbering the IE uses: the EPS one (9.9.3.12) or the TS 24.008 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityCoding {
    /// EPS mobile identity: 1 IMSI, 3 IMEI, 6 GUTI.
    Eps,
    /// Mobile identity of TS 24.008: 1 IMSI, 2 IMEI, 3 IMEISV, 4 TMSI, 5 TMGI.
    Gsm,
}

impl MobileIdentity {
    /// Decode the value part of a (EPS) mobile identity IE.
    pub fn parse(value: &[u8], coding: IdentityCoding) -> Result<MobileIdentity, String> {
        let mut r = Reader::new(value);
        let first = r.u8().map_err(|e| format!("mobile identity: {e}"))?;
        let type_bits = first & 0x07;
        let kind = match (coding, type_bits) {
            (_, 1) => IdentityKind::Imsi,
            (IdentityCoding::Eps, 3) | (IdentityCoding::Gsm, 2) => IdentityKind::Imei,
            (IdentityCoding::Eps, 6) => IdentityKind::Guti,
            (IdentityCoding::Gsm, 3) => IdentityKind::Imeisv,
            (IdentityCoding::Gsm, 4) => IdentityKind::Tmsi,
            (IdentityCoding::Gsm, 5) => IdentityKind::Tmgi,
            (IdentityCoding::Gsm, 0) => IdentityKind::NoIdentity,
            (_, t) => IdentityKind::Other(t),
        };
        let mut id = MobileIdentity {
            kind,
            digits: String::new(),
            tmsi: None,
            guti: None,
        };
        match kind {
            IdentityKind::Imsi | IdentityKind::Imei | IdentityKind::Imeisv => {
                let odd = first & 0x08 != 0;
                let mut nibbles = Vec::with_capacity(MAX_IDENTITY_DIGITS);
                nibbles.push(first >> 4);
                for b in r.rest() {
                    nibbles.push(b & 0x0f);
                    nibbles.push(b >> 4);
                }
                // An even count ends with a filler nibble (0xF) that is not a digit.
                if !odd && nibbles.last() == Some(&0x0f) {
                    nibbles.pop();
                }
                if nibbles.len() > MAX_IDENTITY_DIGITS {
                    return Err(format!(
                        "{} with {} digits (at most {MAX_IDENTITY_DIGITS})",
                        kind.name(),
                        nibbles.len()
                    ));
                }
                id.digits = nibbles.into_iter().map(bcd_char).collect();
            }
            IdentityKind::Tmsi => {
                id.tmsi = Some(r.u32().map_err(|e| format!("TMSI: {e}"))?);
            }
            IdentityKind::Guti => {
                let guti = (|| {
                    Ok::<_, crate::reader::Truncated>(Guti {
                        plmn: Plmn::parse(&mut r)?,
                        mme_group_id: r.u16()?,
                        mme_code: r.u8()?,
                        m_tmsi: r.u32()?,
                    })
                })()
                .map_err(|e| format!("GUTI: {e}"))?;
                id.guti = Some(guti);
                id.tmsi = Some(guti.m_tmsi);
            }
            _ => {}
        }
        Ok(id)
    }

    /// A digit identity (IMSI, IMEI, IMEISV) built from its digits.
    pub fn from_digits(kind: IdentityKind, digits: &str) -> MobileIdentity {
        MobileIdentity {
            kind,
            digits: digits.chars().take(MAX_IDENTITY_DIGITS).collect(),
            tmsi: None,
            guti: None,
        }
    }

    /// The IMSI/IMEI/IMEISV digits in full (empty for other kinds). Never put these in reports.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The digits with the subscriber- or device-specific part hidden: an IMSI keeps its
    /// first 6 digits (MCC + MNC) and last 2, an IMEI/IMEISV keeps its 8-digit type
    /// allocation code (the device model). Other kinds have no digits.
    pub fn masked(&self) -> String {
        let n = self.digits.chars().count();
        let (head, tail) = match self.kind {
            IdentityKind::Imsi if n > 8 => (6, 2),
            IdentityKind::Imei | IdentityKind::Imeisv if n > 8 => (8, 0),
            _ => (0, 0),
        };
        self.digits
            .chars()
            .enumerate()
            .map(|(i, c)| if i < head || i + tail >= n { c } else { '*' })
            .collect()
    }
}

impl fmt::Debug for MobileIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MobileIdentity")
            .field("kind", &self.kind)
            .field("digits", &self.masked())
            .field("tmsi", &self.tmsi)
            .field("guti", &self.guti)
            .finish()
    }
}

impl Serialize for MobileIdentity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", &self.kind)?;
        if !self.digits.is_empty() {
            m.serialize_entry("digits", &self.masked())?;
        }
        if let Some(guti) = &self.guti {
            m.serialize_entry("guti", guti)?;
        } else if let Some(tmsi) = self.tmsi {
            m.serialize_entry("tmsi", &format!("{tmsi:#010x}"))?;
        }
        m.end()
    }
}

/// Identity type asked for in an Identity request (TS 24.301 9.9.3.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityType {
    /// IMSI (the permanent identity IMSI catchers want).
    Imsi,
    /// IMEI.
    Imei,
    /// IMEISV.
    Imeisv,
    /// TMSI.
    Tmsi,
    /// A reserved value.
    Reserved(u8),
}

impl IdentityType {
    /// From the three coded bits.
    pub fn from_bits(bits: u8) -> IdentityType {
        match bits & 0x07 {
            1 => IdentityType::Imsi,
            2 => IdentityType::Imei,
            3 => IdentityType::Imeisv,
            4 => IdentityType::Tmsi,
            v => IdentityType::Reserved(v),
        }
    }

    /// The coded value.
    pub fn bits(self) -> u8 {
        match self {
            IdentityType::Imsi => 1,
            IdentityType::Imei => 2,
            IdentityType::Imeisv => 3,
            IdentityType::Tmsi => 4,
            IdentityType::Reserved(v) => v & 0x07,
        }
    }

    /// Name as used in reports.
    pub fn name(self) -> &'static str {
        match self {
            IdentityType::Imsi => "IMSI",
            IdentityType::Imei => "IMEI",
            IdentityType::Imeisv => "IMEISV",
            IdentityType::Tmsi => "TMSI",
            IdentityType::Reserved(_) => "reserved",
        }
    }
}

impl Serialize for IdentityType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A coded value with its name (causes, attach type, update type, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Coded {
    /// The value as sent.
    pub value: u8,
    /// Its name in the standard.
    pub name: &'static str,
}

impl Coded {
    /// Pair a value with the name a table gives it.
    pub fn new(value: u8, name_of: fn(u8) -> &'static str) -> Coded {
        Coded {
            value,
            name: name_of(value),
        }
    }
}

/// NAS security algorithms chosen by the network (TS 24.301 9.9.3.23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityAlgorithms {
    /// Ciphering algorithm EEA0..EEA7 (0 = no ciphering).
    pub eea: u8,
    /// Integrity algorithm EIA0..EIA7 (0 = no integrity protection).
    pub eia: u8,
}

impl SecurityAlgorithms {
    /// From the one coded octet.
    pub fn from_octet(b: u8) -> SecurityAlgorithms {
        SecurityAlgorithms {
            eea: (b >> 4) & 0x07,
            eia: b & 0x07,
        }
    }

    /// The coded octet.
    pub fn octet(self) -> u8 {
        (self.eea & 0x07) << 4 | (self.eia & 0x07)
    }
}

impl Serialize for SecurityAlgorithms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("SecurityAlgorithms", 2)?;
        st.serialize_field("eea", tables::eea_name(self.eea))?;
        st.serialize_field("eia", tables::eia_name(self.eia))?;
        st.end()
    }
}

/// EPS algorithms a UE says it supports (UE security capability 9.9.3.36, or the first two
/// octets of UE network capability 9.9.3.34): bit 8 of each octet is algorithm 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityCapabilities {
    /// EEA bitmap (0x80 = EEA0 ... 0x01 = EEA7).
    pub eea: u8,
    /// EIA bitmap (0x80 = EIA0 ... 0x01 = EIA7).
    pub eia: u8,
}

impl SecurityCapabilities {
    /// Read from the value part; at least two octets.
    pub fn parse(value: &[u8]) -> Result<SecurityCapabilities, String> {
        match value {
            [eea, eia, ..] => Ok(SecurityCapabilities {
                eea: *eea,
                eia: *eia,
            }),
            _ => Err(format!(
                "security capability of {} octets (at least 2)",
                value.len()
            )),
        }
    }

    /// Whether EEA `n` (0..=7) is supported.
    pub fn supports_eea(self, n: u8) -> bool {
        n < 8 && self.eea & (0x80 >> n) != 0
    }

    /// Whether EIA `n` (0..=7) is supported.
    pub fn supports_eia(self, n: u8) -> bool {
        n < 8 && self.eia & (0x80 >> n) != 0
    }
}

fn bitmap_list(bitmap: u8) -> Vec<u8> {
    (0u8..8).filter(|n| bitmap & (0x80 >> n) != 0).collect()
}

impl Serialize for SecurityCapabilities {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("SecurityCapabilities", 2)?;
        st.serialize_field("eea", &bitmap_list(self.eea))?;
        st.serialize_field("eia", &bitmap_list(self.eia))?;
        st.end()
    }
}

/// One partial tracking area identity list (TS 24.301 9.9.3.33), flattened to a PLMN and its TACs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaiListEntry {
    /// PLMN of the tracking areas.
    pub plmn: Plmn,
    /// Tracking area codes.
    pub tacs: Vec<u16>,
}

impl Serialize for TaiListEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("TaiListEntry", 3)?;
        st.serialize_field("mcc", &self.plmn.mcc())?;
        st.serialize_field("mnc", &self.plmn.mnc())?;
        st.serialize_field("tacs", &self.tacs)?;
        st.end()
    }
}

/// Decode a TAI list value. Returns what was read and, if the list was cut short, why.
pub fn parse_tai_list(value: &[u8]) -> (Vec<TaiListEntry>, Option<String>) {
    let mut r = Reader::new(value);
    let mut out: Vec<TaiListEntry> = Vec::new();
    while let Some(head) = r.peek_u8() {
        let _ = r.u8();
        let list_type = (head >> 5) & 0x03;
        let count = usize::from(head & 0x1f) + 1;
        let res = (|| -> Result<(), crate::reader::Truncated> {
            match list_type {
                0 => {
                    let plmn = Plmn::parse(&mut r)?;
                    let mut tacs = Vec::with_capacity(count);
                    for _ in 0..count {
                        tacs.push(r.u16()?);
                    }
                    out.push(TaiListEntry { plmn, tacs });
                }
                1 => {
                    let plmn = Plmn::parse(&mut r)?;
                    let first = r.u16()?;
                    let tacs = (0..count)
                        .filter_map(|i| u16::try_from(i).ok().and_then(|i| first.checked_add(i)))
                        .collect();
                    out.push(TaiListEntry { plmn, tacs });
                }
                _ => {
                    for _ in 0..count {
                        let plmn = Plmn::parse(&mut r)?;
                        let tac = r.u16()?;
                        match out.last_mut() {
                            Some(last) if last.plmn == plmn && list_type == 2 => {
                                last.tacs.push(tac)
                            }
                            _ => out.push(TaiListEntry {
                                plmn,
                                tacs: vec![tac],
                            }),
                        }
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = res {
            return (out, Some(format!("TAI list: {e}")));
        }
    }
    (out, None)
}

/// Value of a GPRS timer IE (TS 24.008 10.5.7.3): a duration or "deactivated".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerValue {
    /// Running time in seconds.
    Seconds(u32),
    /// The timer is deactivated.
    Deactivated,
}

impl TimerValue {
    /// Decode a GPRS timer octet (unit in bits 8-6, value in bits 5-1).
    pub fn from_gprs_timer(octet: u8) -> TimerValue {
        let value = u32::from(octet & 0x1f);
        match octet >> 5 {
            0 => TimerValue::Seconds(value * 2),
            2 => TimerValue::Seconds(value * 360),
            7 => TimerValue::Deactivated,
            // Unit 1 is minutes; other values are read as minutes too.
            _ => TimerValue::Seconds(value * 60),
        }
    }
}

impl Serialize for TimerValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TimerValue::Seconds(v) => s.serialize_u32(*v),
            TimerValue::Deactivated => s.serialize_str("deactivated"),
        }
    }
}

/// Decode an access point name (TS 23.003 9.1: length-prefixed labels) into dotted text.
pub fn parse_apn(value: &[u8]) -> String {
    let mut r = Reader::new(value);
    let mut out = String::new();
    while let Ok(label) = r.lv() {
        if !out.is_empty() {
            out.push('.');
        }
        out.extend(label.iter().map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '?'
            }
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imsi_from_identity_response() {
        // Identity response value from a real capture (odd count, 15 digits).
        let id = MobileIdentity::parse(
            &[0x39, 0x01, 0x42, 0x20, 0x17, 0x74, 0x70, 0x05],
            IdentityCoding::Gsm,
        )
        .unwrap();
        assert_eq!(id.kind, IdentityKind::Imsi);
        assert_eq!(id.digits(), "310240271470750");
        assert_eq!(id.digits().len(), 15);
        assert_eq!(id.masked(), "310240*******50");
        assert!(!format!("{id:?}").contains(id.digits()));
    }

    #[test]
    fn imeisv_even_digits_drop_filler() {
        // Type 3 (IMEISV), even count: 16 digits, the final 0xF nibble is filler.
        let id = MobileIdentity::parse(
            &[0x33, 0x35, 0x79, 0x57, 0x57, 0x07, 0x33, 0x05, 0xf0],
            IdentityCoding::Gsm,
        )
        .unwrap();
        assert_eq!(id.kind, IdentityKind::Imeisv);
        assert_eq!(id.digits(), "3539775757033500");
        assert_eq!(id.masked(), "35397757********");
    }

    /// An IMSI-coded identity value of `digits` digits (all 9).
    fn imsi_value(digits: usize) -> Vec<u8> {
        let odd = digits % 2 == 1;
        let mut value = vec![0x91 | if odd { 0x08 } else { 0 }];
        let rest = digits - 1;
        value.extend(std::iter::repeat_n(0x99, rest / 2));
        if rest % 2 == 1 {
            value.push(0xf9);
        }
        value
    }

    #[test]
    fn identity_of_max_identity_digits_is_read_and_one_more_is_an_error() {
        let id =
            MobileIdentity::parse(&imsi_value(MAX_IDENTITY_DIGITS), IdentityCoding::Gsm).unwrap();
        assert_eq!(id.digits(), "9".repeat(MAX_IDENTITY_DIGITS));
        for digits in [MAX_IDENTITY_DIGITS + 1, 2 * 255 - 1] {
            let value = imsi_value(digits);
            assert!(value.len() <= 255);
            assert_eq!(
                MobileIdentity::parse(&value, IdentityCoding::Gsm),
                Err(format!(
                    "IMSI with {digits} digits (at most {MAX_IDENTITY_DIGITS})"
                ))
            );
        }
        assert_eq!(
            MobileIdentity::from_digits(IdentityKind::Imsi, &"1".repeat(40)).digits(),
            "1".repeat(MAX_IDENTITY_DIGITS)
        );
    }

    #[test]
    fn guti_fields() {
        let id = MobileIdentity::parse(
            &[
                0xf6, 0x13, 0x00, 0x62, 0x80, 0x10, 0x52, 0xc0, 0x1a, 0x12, 0x95,
            ],
            IdentityCoding::Eps,
        )
        .unwrap();
        let guti = id.guti.unwrap();
        assert_eq!(guti.plmn.to_string(), "310-260");
        assert_eq!(guti.mme_group_id, 0x8010);
        assert_eq!(guti.mme_code, 0x52);
        assert_eq!(guti.m_tmsi, 0xc01a1295);
        assert!(MobileIdentity::parse(&[0xf6, 0x13, 0x00], IdentityCoding::Eps).is_err());
    }

    #[test]
    fn plmn_two_and_three_digit_mnc() {
        assert_eq!(
            Plmn {
                raw: [0x13, 0x00, 0x62]
            }
            .to_string(),
            "310-260"
        );
        assert_eq!(
            Plmn {
                raw: [0x13, 0xf0, 0x62]
            }
            .to_string(),
            "310-26"
        );
        for (mcc, mnc) in [("310", "260"), ("001", "01"), ("311", "480")] {
            let p = Plmn::from_digits(mcc, mnc).unwrap();
            assert_eq!((p.mcc().as_str(), p.mnc().as_str()), (mcc, mnc));
        }
        assert!(Plmn::from_digits("31", "260").is_none());
    }

    #[test]
    fn tai_list_types() {
        // Type 1 (consecutive), one element: 310-260 TAC 33862.
        let (l, e) = parse_tai_list(&[0x20, 0x13, 0x00, 0x62, 0x84, 0x46]);
        assert_eq!(e, None);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].tacs, vec![33862]);
        // Type 0, three TACs.
        let (l, _) = parse_tai_list(&[0x02, 0x13, 0x00, 0x62, 0, 1, 0, 2, 0, 3]);
        assert_eq!(l[0].tacs, vec![1, 2, 3]);
        // Type 2, two TAIs of different PLMNs.
        let (l, _) = parse_tai_list(&[0x41, 0x13, 0x00, 0x62, 0, 1, 0x13, 0xf0, 0x62, 0, 2]);
        assert_eq!(l.len(), 2);
        // Truncated: what was read is kept, error reported.
        let (l, e) = parse_tai_list(&[0x20, 0x13, 0x00, 0x62, 0x84, 0x46, 0x02, 0x13]);
        assert_eq!(l.len(), 1);
        assert!(e.is_some());
    }

    #[test]
    fn timers_and_apn() {
        assert_eq!(
            TimerValue::from_gprs_timer(0x49),
            TimerValue::Seconds(9 * 360)
        );
        assert_eq!(
            TimerValue::from_gprs_timer(0x2c),
            TimerValue::Seconds(12 * 60)
        );
        assert_eq!(TimerValue::from_gprs_timer(0xe0), TimerValue::Deactivated);
        assert_eq!(
            parse_apn(b"\x04h2g2\x06mnc240\x06mcc310\x04gprs"),
            "h2g2.mnc240.mcc310.gprs"
        );
    }
}
