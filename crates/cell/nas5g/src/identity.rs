//! The 5GS mobile identity (TS 24.501 §9.11.3.4), reduced to what detection may keep.
//!
//! Read from the IE's value octets here rather than through the library's SUCI type: that
//! type refuses a SUCI whose parts disagree (the null scheme with a key identifier other than
//! 0, a scheme with key 0, an MSIN that is not digits), and such a SUCI still says which
//! protection the phone used, which is what detection needs. Only the type, the SUPI format,
//! the home network (PLMN), the protection scheme and the home network key identifier are
//! kept: never the MSIN, the scheme output, the IMEI digits or the TMSI.

use serde::Serialize;
use std::fmt;

/// Type of identity (TS 24.501 §9.11.3.3 and §9.11.3.4, three bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// No identity.
    NoIdentity,
    /// Subscription concealed identifier.
    Suci,
    /// 5G globally unique temporary identity.
    #[serde(rename = "5g-guti")]
    Guti,
    /// IMEI.
    Imei,
    /// 5G S-TMSI.
    #[serde(rename = "5g-s-tmsi")]
    STmsi,
    /// IMEISV.
    Imeisv,
    /// MAC address (wireline access).
    MacAddress,
    /// EUI-64.
    Eui64,
}

impl IdentityKind {
    /// The type in the low three bits of `octet`.
    pub fn of(octet: u8) -> Self {
        match octet & 0x07 {
            0 => IdentityKind::NoIdentity,
            1 => IdentityKind::Suci,
            2 => IdentityKind::Guti,
            3 => IdentityKind::Imei,
            4 => IdentityKind::STmsi,
            5 => IdentityKind::Imeisv,
            6 => IdentityKind::MacAddress,
            _ => IdentityKind::Eui64,
        }
    }

    /// The value on the wire.
    pub fn value(self) -> u8 {
        match self {
            IdentityKind::NoIdentity => 0,
            IdentityKind::Suci => 1,
            IdentityKind::Guti => 2,
            IdentityKind::Imei => 3,
            IdentityKind::STmsi => 4,
            IdentityKind::Imeisv => 5,
            IdentityKind::MacAddress => 6,
            IdentityKind::Eui64 => 7,
        }
    }
}

/// A PLMN identity (MCC and MNC) read from its three BCD octets (TS 24.008 §10.5.1.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Plmn {
    /// Mobile country code.
    pub mcc: u16,
    /// Mobile network code.
    pub mnc: u16,
    /// Digits of the MNC: 2 or 3.
    pub mnc_digits: u8,
}

impl Plmn {
    /// The PLMN of three octets; `None` when a digit is not decimal.
    pub fn from_octets(o: &[u8]) -> Option<Self> {
        let [a, b, c] = [*o.first()?, *o.get(1)?, *o.get(2)?];
        let digit = |d: u8| (d <= 9).then_some(u16::from(d));
        let mcc = digit(a & 0x0f)? * 100 + digit(a >> 4)? * 10 + digit(b & 0x0f)?;
        let (mnc1, mnc2) = (digit(c & 0x0f)?, digit(c >> 4)?);
        match b >> 4 {
            0x0f => Some(Plmn {
                mcc,
                mnc: mnc1 * 10 + mnc2,
                mnc_digits: 2,
            }),
            d => Some(Plmn {
                mcc,
                mnc: mnc1 * 100 + mnc2 * 10 + digit(d)?,
                mnc_digits: 3,
            }),
        }
    }
}

impl fmt::Display for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mnc_digits == 3 {
            write!(f, "{:03}-{:03}", self.mcc, self.mnc)
        } else {
            write!(f, "{:03}-{:02}", self.mcc, self.mnc)
        }
    }
}

/// SUCI protection scheme identifier (TS 33.501 annex C.1, TS 24.501 §9.11.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtectionScheme {
    /// The null scheme: the scheme output is the MSIN itself, so the SUCI is the SUPI (IMSI)
    /// in clear.
    Null,
    /// ECIES profile A (Curve25519).
    ProfileA,
    /// ECIES profile B (secp256r1).
    ProfileB,
    /// Another value (3-11 reserved for standard schemes, 12-15 for the home operator's own).
    Other(u8),
}

impl ProtectionScheme {
    /// The scheme of its identifier.
    pub fn of(id: u8) -> Self {
        match id {
            0 => ProtectionScheme::Null,
            1 => ProtectionScheme::ProfileA,
            2 => ProtectionScheme::ProfileB,
            v => ProtectionScheme::Other(v),
        }
    }

    /// The identifier.
    pub fn id(self) -> u8 {
        match self {
            ProtectionScheme::Null => 0,
            ProtectionScheme::ProfileA => 1,
            ProtectionScheme::ProfileB => 2,
            ProtectionScheme::Other(v) => v,
        }
    }

    /// Name for texts.
    pub fn describe(self) -> String {
        match self {
            ProtectionScheme::Null => "null scheme".into(),
            ProtectionScheme::ProfileA => "ECIES profile A".into(),
            ProtectionScheme::ProfileB => "ECIES profile B".into(),
            ProtectionScheme::Other(v) => format!("protection scheme {v}"),
        }
    }
}

/// What a SUCI says about its own protection, without the subscriber part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Suci {
    /// SUPI format: 0 IMSI, 1 network specific identifier, 2 GCI, 3 GLI.
    pub supi_format: u8,
    /// Home network of an IMSI-based SUCI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_network: Option<Plmn>,
    /// Protection scheme, when readable (a NAI-format SUCI may not say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<ProtectionScheme>,
    /// Home network public key identifier (0 with the null scheme).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_network_key: Option<u8>,
}

impl Suci {
    /// True when the SUCI uses the null scheme, i.e. carries the permanent identity in clear.
    pub fn is_null_scheme(&self) -> bool {
        self.scheme == Some(ProtectionScheme::Null)
    }
}

/// A 5GS mobile identity, reduced to what may be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum MobileIdentity {
    /// No identity (or an IE too short to say).
    NoIdentity,
    /// A SUCI.
    Suci(Suci),
    /// A 5G-GUTI, with the network that assigned it.
    #[serde(rename = "5g-guti")]
    Guti {
        /// PLMN of the GUTI.
        #[serde(skip_serializing_if = "Option::is_none")]
        plmn: Option<Plmn>,
    },
    /// An IMEI.
    Imei,
    /// A 5G-S-TMSI.
    #[serde(rename = "5g-s-tmsi")]
    STmsi,
    /// An IMEISV.
    Imeisv,
    /// A MAC address.
    MacAddress,
    /// An EUI-64.
    Eui64,
}

/// Octet (1-based in TS 24.501 figure 9.11.3.4.3) of the SUCI protection scheme identifier,
/// 0-based here: type, PLMN (3), routing indicator (2), scheme.
const SUCI_SCHEME_AT: usize = 6;
/// Octet of the home network public key identifier, after the scheme.
const SUCI_KEY_AT: usize = 7;
/// Longest NAI of a NAI-format SUCI searched for its scheme fields.
const MAX_NAI_SCANNED: usize = 256;

impl MobileIdentity {
    /// The identity of an IE's value octets (the length octets excluded).
    pub fn of(value: &[u8]) -> Self {
        let Some(&first) = value.first() else {
            return MobileIdentity::NoIdentity;
        };
        match IdentityKind::of(first) {
            IdentityKind::NoIdentity => MobileIdentity::NoIdentity,
            IdentityKind::Suci => MobileIdentity::Suci(suci(first, value)),
            IdentityKind::Guti => MobileIdentity::Guti {
                plmn: value.get(1..4).and_then(Plmn::from_octets),
            },
            IdentityKind::Imei => MobileIdentity::Imei,
            IdentityKind::STmsi => MobileIdentity::STmsi,
            IdentityKind::Imeisv => MobileIdentity::Imeisv,
            IdentityKind::MacAddress => MobileIdentity::MacAddress,
            IdentityKind::Eui64 => MobileIdentity::Eui64,
        }
    }

    /// Kind of the identity.
    pub fn kind(&self) -> IdentityKind {
        match self {
            MobileIdentity::NoIdentity => IdentityKind::NoIdentity,
            MobileIdentity::Suci(_) => IdentityKind::Suci,
            MobileIdentity::Guti { .. } => IdentityKind::Guti,
            MobileIdentity::Imei => IdentityKind::Imei,
            MobileIdentity::STmsi => IdentityKind::STmsi,
            MobileIdentity::Imeisv => IdentityKind::Imeisv,
            MobileIdentity::MacAddress => IdentityKind::MacAddress,
            MobileIdentity::Eui64 => IdentityKind::Eui64,
        }
    }
}

fn suci(first: u8, value: &[u8]) -> Suci {
    let supi_format = (first >> 4) & 0x07;
    if supi_format == 0 {
        return Suci {
            supi_format,
            home_network: value.get(1..4).and_then(Plmn::from_octets),
            scheme: value
                .get(SUCI_SCHEME_AT)
                .map(|o| ProtectionScheme::of(o & 0x0f)),
            home_network_key: value.get(SUCI_KEY_AT).copied(),
        };
    }
    // A NAI (TS 23.003 §28.7.3): "type<n>.rid<r>.schid<s>.hnkey<k>.<output>@realm" for a
    // concealed one, "type<n>.rid<r>.schid0.userid<user>@realm" for the null scheme.
    let nai = value.get(1..).unwrap_or(&[]);
    let nai = nai.get(..MAX_NAI_SCANNED).unwrap_or(nai);
    let field = |name: &[u8]| -> Option<u8> {
        let local = nai.split(|&b| b == b'@').next()?;
        local.split(|&b| b == b'.').find_map(|part| {
            let digits = part.strip_prefix(name)?;
            let text = std::str::from_utf8(digits).ok()?;
            text.parse::<u8>().ok()
        })
    };
    let scheme = field(b"schid").map(ProtectionScheme::of);
    Suci {
        supi_format,
        home_network: None,
        scheme,
        home_network_key: field(b"hnkey").or(match scheme {
            Some(ProtectionScheme::Null) => Some(0),
            _ => None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plmns_of_two_and_three_digit_mncs() {
        assert_eq!(
            Plmn::from_octets(&[0x02, 0xf8, 0x39]),
            Some(Plmn {
                mcc: 208,
                mnc: 93,
                mnc_digits: 2
            })
        );
        let p = Plmn::from_octets(&[0x13, 0x00, 0x62]).unwrap();
        assert_eq!(p.to_string(), "310-260");
        assert_eq!(Plmn::from_octets(&[0x1a, 0x00, 0x62]), None);
        assert_eq!(Plmn::from_octets(&[0x13]), None);
    }

    #[test]
    fn suci_of_imsi_keeps_scheme_and_network_only() {
        // TS 24.501 figure 9.11.3.4.3: SUCI, IMSI format, 208-93, routing 0, profile A, key 5.
        let mut v = vec![0x01, 0x02, 0xf8, 0x39, 0xf0, 0xff, 0x01, 0x05];
        v.extend_from_slice(&[0xAB; 32 + 8 + 5]);
        let MobileIdentity::Suci(s) = MobileIdentity::of(&v) else {
            panic!("not a SUCI")
        };
        assert_eq!(s.scheme, Some(ProtectionScheme::ProfileA));
        assert_eq!(s.home_network_key, Some(5));
        assert_eq!(
            s.home_network.map(|p| p.to_string()).as_deref(),
            Some("208-93")
        );
        assert!(!s.is_null_scheme());
        // Cut short after the PLMN: the type and network remain.
        let MobileIdentity::Suci(short) = MobileIdentity::of(&v[..4]) else {
            panic!("not a SUCI")
        };
        assert_eq!((short.scheme, short.home_network_key), (None, None));
    }

    #[test]
    fn suci_of_nai_reads_its_scheme_fields() {
        let mut v = vec![0x11];
        v.extend_from_slice(b"type1.rid678.schid0.useriduser17@example.com");
        let MobileIdentity::Suci(s) = MobileIdentity::of(&v) else {
            panic!("not a SUCI")
        };
        assert!(s.is_null_scheme());
        assert_eq!(s.home_network_key, Some(0));
        let mut v = vec![0x11];
        v.extend_from_slice(b"type1.rid678.schid2.hnkey27.abcdef@example.com");
        let MobileIdentity::Suci(s) = MobileIdentity::of(&v) else {
            panic!("not a SUCI")
        };
        assert_eq!(
            (s.scheme, s.home_network_key),
            (Some(ProtectionScheme::ProfileB), Some(27))
        );
    }

    #[test]
    fn other_identities_keep_no_digits() {
        assert_eq!(MobileIdentity::of(&[]), MobileIdentity::NoIdentity);
        assert_eq!(
            MobileIdentity::of(&[0x3b, 0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43]),
            MobileIdentity::Imei
        );
        let guti = MobileIdentity::of(&[0xf2, 0x13, 0x00, 0x62, 1, 0, 0x41, 1, 2, 3, 4]);
        assert_eq!(guti.kind(), IdentityKind::Guti);
        let json = serde_json::to_string(&guti).unwrap();
        assert_eq!(
            json,
            r#"{"type":"5g-guti","plmn":{"mcc":310,"mnc":260,"mnc_digits":3}}"#
        );
    }
}
