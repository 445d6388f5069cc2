//! GSM and GPRS layer 3: RR (TS 44.018), MM, GMM and CC (TS 24.008), and the SMS headers of
//! TS 24.011 (CP, RP) and TS 23.040 (TP), read leniently and without copying.
//!
//! [`decode_l3`] reads one layer-3 message; [`decode_um`] first removes what the air
//! interface adds on a GSMTAP Um channel. Both return a [`GsmMessage`]: protocol, message
//! type, name, the fields detection needs ([`GsmFields`]) and, when the message stops early
//! or breaks a rule, an error saying where. Nothing here panics on input.

#![forbid(unsafe_code)]

pub mod build;
mod dtap;
mod rr;
mod sms;

use serde::Serialize;
pub use stingwatch_nas::ie::{IdentityCoding, IdentityKind, MobileIdentity, Plmn};
use stingwatch_nas::reader::Reader;

pub use rr::{NeighbourList, NeighbourListFormat};
pub use sms::SmsInfo;

/// Longest layer-3 message read. RR and DTAP messages on the air fit in a few LAPDm frames
/// (N201 = 23 octets, at most 251 after segmentation); GMM over LLC is at most 1520.
pub const MAX_L3_LEN: usize = 1600;

/// Most identities kept from one paging message (Paging Request Type 3 carries four).
pub const MAX_PAGED_IDENTITIES: usize = 4;

/// GSMTAP Um channel types (sub-type byte of GSMTAP type 1) this crate reads.
pub mod channel {
    /// Broadcast control channel.
    pub const BCCH: u8 = 0x01;
    /// Common control channel (paging and access grant).
    pub const CCCH: u8 = 0x02;
    /// Random access channel (uplink channel request, no layer 3).
    pub const RACH: u8 = 0x03;
    /// Access grant channel.
    pub const AGCH: u8 = 0x04;
    /// Paging channel.
    pub const PCH: u8 = 0x05;
    /// Stand-alone dedicated control channel, SDCCH/4.
    pub const SDCCH4: u8 = 0x06;
    /// Stand-alone dedicated control channel, SDCCH/8.
    pub const SDCCH8: u8 = 0x07;
    /// Traffic channel, full rate (FACCH).
    pub const TCH_F: u8 = 0x08;
    /// Traffic channel, half rate (FACCH).
    pub const TCH_H: u8 = 0x09;
    /// Flag on a channel type: the slow associated control channel of that channel.
    pub const ACCH_FLAG: u8 = 0x80;
}

/// Protocol discriminator (TS 24.007 11.2.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Call control (3).
    Cc,
    /// Mobility management (5).
    Mm,
    /// Radio resources (6).
    Rr,
    /// GPRS mobility management (8).
    Gmm,
    /// Short message service, CP layer (9).
    Sms,
    /// GPRS session management (10).
    Sm,
    /// Supplementary services (11).
    Ss,
    /// Any other value.
    Other(u8),
}

impl Protocol {
    /// The protocol of a discriminator value.
    pub fn from_pd(pd: u8) -> Protocol {
        match pd & 0x0f {
            3 => Protocol::Cc,
            5 => Protocol::Mm,
            6 => Protocol::Rr,
            8 => Protocol::Gmm,
            9 => Protocol::Sms,
            10 => Protocol::Sm,
            11 => Protocol::Ss,
            other => Protocol::Other(other),
        }
    }

    /// Short upper-case name, as reports show it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Cc => "CC",
            Protocol::Mm => "MM",
            Protocol::Rr => "RR",
            Protocol::Gmm => "GMM",
            Protocol::Sms => "SMS",
            Protocol::Sm => "SM",
            Protocol::Ss => "SS",
            Protocol::Other(_) => "GSM",
        }
    }
}

/// Location area identity (TS 24.008 10.5.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Lai {
    /// Network.
    pub plmn: Plmn,
    /// Location area code.
    pub lac: u16,
}

impl Lai {
    fn parse(r: &mut Reader<'_>) -> Result<Lai, String> {
        let plmn = Plmn::parse(r).map_err(|e| format!("location area: {e}"))?;
        let lac = r.u16().map_err(|e| format!("location area code: {e}"))?;
        Ok(Lai { plmn, lac })
    }
}

/// Ciphering as a command sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Ciphering {
    /// Whether ciphering starts (the SC bit of RR, a GEA other than GEA/0 for GPRS).
    pub start: bool,
    /// Algorithm number: A5/n for RR (1..7), GEA/n for GPRS (0 = no ciphering).
    pub algorithm: u8,
}

/// What a message says that detection reads. Every field is absent when the message does not
/// carry it or it could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GsmFields {
    /// Identity asked for (MM or GMM Identity Request): TS 24.008 identity type 1 IMSI,
    /// 2 IMEI, 3 IMEISV, 4 TMSI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_requested: Option<IdentityKind>,
    /// The mobile identity the message carries (Identity Response, Location Updating
    /// Request, CM Service Request, IMSI Detach, attach and routing area requests, TMSI
    /// reallocation, paging response, Ciphering Mode Complete's IMEISV).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_identity: Option<MobileIdentity>,
    /// Identities a paging request pages, at most [`MAX_PAGED_IDENTITIES`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paged: Vec<MobileIdentity>,
    /// Location area the message names (LU request/accept, SI3, SI4, SI6, TMSI reallocation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lai: Option<Lai>,
    /// Routing area code (GMM accepts), with `lai`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rac: Option<u8>,
    /// Cell identity (SI3, SI6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_identity: Option<u16>,
    /// MM cause (10.5.3.6) or GMM cause (10.5.5.14) of a reject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject_cause: Option<u8>,
    /// RR cause (10.5.2.31) of a Channel Release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rr_cause: Option<u8>,
    /// Ciphering set by RR Ciphering Mode Command (A5/x) or GMM Authentication and Ciphering
    /// Request (GEA/x).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphering: Option<Ciphering>,
    /// Whether an Authentication and Ciphering Request carries a challenge (RAND).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<bool>,
    /// Whether an authentication request carries AUTN: UMTS authentication, in which the
    /// network proves it holds the subscriber's key. Plain GSM authentication proves nothing
    /// to the phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_proof: Option<bool>,
    /// Location updating type (0 normal, 1 periodic, 2 IMSI attach) or CM service type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<u8>,
    /// T3212 periodic location update timer in decihours; 0 means no periodic update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t3212_decihours: Option<u8>,
    /// RXLEV-ACCESS-MIN (0 = -110 dBm, the weakest signal a phone may camp on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rxlev_access_min: Option<u8>,
    /// CELL_RESELECT_OFFSET of the SI3/SI4 rest octets, in 2 dB steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_reselect_offset: Option<u8>,
    /// Neighbour cell list (SI2, SI2bis, SI2ter, SI5, SI5bis, SI5ter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<NeighbourList>,
    /// SMS transfer headers (CP-DATA carrying RP-DATA carrying a TPDU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsInfo>,
}

/// One decoded GSM layer-3 message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GsmMessage {
    /// Protocol (discriminator).
    pub protocol: Protocol,
    /// Message type as sent (MM, CC and SS without the send sequence bits).
    pub message_type: u8,
    /// Message name as the specification gives it.
    pub name: String,
    /// Fields detection reads.
    pub fields: GsmFields,
    /// What could not be read, when something could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl GsmMessage {
    fn failed(name: &str, error: String) -> GsmMessage {
        GsmMessage {
            protocol: Protocol::Other(0),
            message_type: 0,
            name: name.to_string(),
            fields: GsmFields::default(),
            error: Some(error),
        }
    }
}

/// Decode one GSM layer-3 message (protocol discriminator first).
pub fn decode_l3(bytes: &[u8]) -> GsmMessage {
    if bytes.len() > MAX_L3_LEN {
        return GsmMessage::failed(
            "GSM message",
            format!(
                "layer-3 message of {} bytes (at most {MAX_L3_LEN})",
                bytes.len()
            ),
        );
    }
    let mut r = Reader::new(bytes);
    let (Ok(first), Ok(mt)) = (r.u8(), r.u8()) else {
        return GsmMessage::failed(
            "GSM message",
            format!(
                "layer-3 message of {} bytes has no message type",
                bytes.len()
            ),
        );
    };
    let protocol = Protocol::from_pd(first);
    // MM, CC and SS carry the send sequence number N(SD) in bits 7-8 (TS 24.007 11.2.3.2.3).
    let message_type = match protocol {
        Protocol::Mm | Protocol::Cc | Protocol::Ss => mt & 0x3f,
        _ => mt,
    };
    let mut fields = GsmFields::default();
    let outcome = match protocol {
        Protocol::Rr => rr::decode(message_type, &mut r, &mut fields),
        Protocol::Mm => dtap::decode_mm(message_type, &mut r, &mut fields),
        Protocol::Gmm => dtap::decode_gmm(message_type, &mut r, &mut fields),
        Protocol::Sms => sms::decode_cp(message_type, &mut r, &mut fields),
        _ => Ok(()),
    };
    let name = match name_of(protocol, message_type) {
        Some(n) => n.to_string(),
        None => format!("{} message type {message_type:#04x}", protocol.name()),
    };
    GsmMessage {
        protocol,
        message_type,
        name,
        fields,
        error: outcome.err(),
    }
}

/// Decode a GSMTAP Um payload on `channel_type`: strip the L2 pseudo length (BCCH, CCCH),
/// the LAPDm header (SDCCH, FACCH) or the SACCH L1 and LAPDm headers, then [`decode_l3`].
pub fn decode_um(channel_type: u8, payload: &[u8]) -> GsmMessage {
    match um_l3(channel_type, payload) {
        Ok(Some(l3)) => decode_l3(l3),
        Ok(None) => GsmMessage {
            protocol: Protocol::Rr,
            message_type: 0,
            name: "Channel Request".to_string(),
            fields: GsmFields::default(),
            error: None,
        },
        Err(e) => GsmMessage::failed("GSM message", e),
    }
}

/// The layer-3 part of a GSMTAP Um payload; `None` for a random access burst, which has none.
pub fn um_l3(channel_type: u8, payload: &[u8]) -> Result<Option<&[u8]>, String> {
    let acch = channel_type & channel::ACCH_FLAG != 0;
    let base = channel_type & !channel::ACCH_FLAG;
    let short = |what: &str| format!("GSM Um {what}: payload of {} bytes", payload.len());
    if base == channel::RACH && !acch {
        return Ok(None);
    }
    if !acch
        && matches!(
            base,
            channel::BCCH | channel::CCCH | channel::AGCH | channel::PCH
        )
    {
        // Octet 1 is the L2 pseudo length (TS 44.006 7.1). It does not bound the message:
        // it leaves out rest octets (SI13 and SI2ter state 0), so the whole block is read.
        return payload.get(1..).map(Some).ok_or_else(|| short("block"));
    }
    // SACCH blocks start with a two-octet L1 header (power level, timing advance).
    let lapdm = if acch {
        payload.get(2..).ok_or_else(|| short("SACCH block"))?
    } else {
        payload
    };
    // LAPDm: address, control, length indicator (TS 44.006 5.1); only I and UI frames
    // carry layer 3, and the length indicator bounds it.
    let (Some(&_address), Some(&control), Some(&length)) =
        (lapdm.first(), lapdm.get(1), lapdm.get(2))
    else {
        return Err(short("LAPDm frame"));
    };
    let is_info = control & 0x01 == 0 || control & 0xef == 0x03;
    if !is_info {
        return Err(format!(
            "LAPDm frame without layer 3 (control {control:#04x})"
        ));
    }
    let len = usize::from(length >> 2);
    let l3 = lapdm.get(3..).ok_or_else(|| short("LAPDm frame"))?;
    Ok(Some(l3.get(..len).unwrap_or(l3)))
}

/// Name of a message by protocol and type, `None` when the type is unknown.
pub fn name_of(protocol: Protocol, message_type: u8) -> Option<&'static str> {
    match protocol {
        Protocol::Rr => rr::name(message_type),
        Protocol::Mm => dtap::mm_name(message_type),
        Protocol::Gmm => dtap::gmm_name(message_type),
        Protocol::Cc => dtap::cc_name(message_type),
        Protocol::Sms => sms::cp_name(message_type),
        Protocol::Sm => dtap::sm_name(message_type),
        Protocol::Ss => dtap::ss_name(message_type),
        Protocol::Other(_) => None,
    }
}

/// The identity type value (TS 24.008 10.5.3.4 and 10.5.5.9) as a kind.
fn identity_kind(bits: u8) -> IdentityKind {
    match bits & 0x07 {
        1 => IdentityKind::Imsi,
        2 => IdentityKind::Imei,
        3 => IdentityKind::Imeisv,
        4 => IdentityKind::Tmsi,
        other => IdentityKind::Other(other),
    }
}

/// A TS 24.008 mobile identity from the value part of its IE.
fn mobile_identity(value: &[u8]) -> Result<MobileIdentity, String> {
    MobileIdentity::parse(value, IdentityCoding::Gsm)
}

/// Optional TLV/TV information elements after the mandatory part: calls `visit` with each
/// IEI and value, using `kind` to tell the format of an IEI. Octets after the last IE that
/// do not form a whole one are extraneous (real networks pad some messages) and end the
/// walk without an error; an IE that cannot be read in the middle is an error.
fn optional_ies<'a>(
    r: &mut Reader<'a>,
    kind: impl Fn(u8) -> IeFormat,
    mut visit: impl FnMut(u8, &'a [u8]) -> Result<(), String>,
) -> Result<(), String> {
    while let Some(iei) = r.peek_u8() {
        let at = r.position();
        let value = match kind(iei) {
            IeFormat::Half => {
                let _ = r.u8();
                &[][..]
            }
            IeFormat::Tv(n) => {
                let _ = r.u8();
                match r.take(n) {
                    Ok(v) => v,
                    Err(_) => return Ok(()),
                }
            }
            IeFormat::Tlv => {
                let _ = r.u8();
                match r.lv() {
                    Ok(v) => v,
                    Err(_) => return Ok(()),
                }
            }
            IeFormat::Unknown => {
                // Comprehension required (TS 24.007 11.2.4): a 0x0_ IEI with the high
                // bit clear and no known format ends what can be read.
                return Err(format!("unknown IE {iei:#04x} at offset {at}"));
            }
        };
        visit(iei, value)?;
    }
    Ok(())
}

/// Format of an optional information element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IeFormat {
    /// Type 1: IEI and value in one octet.
    Half,
    /// Type 3: IEI and a fixed-length value.
    Tv(usize),
    /// Type 4: IEI, length, value.
    Tlv,
    /// Not known for this message.
    Unknown,
}

/// The usual rule when a message's optional IEs are not listed one by one: an IEI with the
/// high bit set is a one-octet IE, otherwise a TLV (TS 24.007 11.2.4).
fn default_ie_format(iei: u8) -> IeFormat {
    if iei & 0x80 != 0 {
        IeFormat::Half
    } else {
        IeFormat::Tlv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_input_is_an_error_value() {
        for len in 0..2 {
            let m = decode_l3(&[0x05; 2][..len]);
            assert!(m.error.is_some(), "{len} bytes");
        }
        let m = decode_l3(&vec![0x05; MAX_L3_LEN + 1]);
        assert!(m.error.unwrap().contains("at most"));
    }

    #[test]
    fn mm_send_sequence_bits_do_not_change_the_type() {
        // Identity Request with N(SD) = 1 (0x40 | 0x18), asking for the IMSI.
        let m = decode_l3(&[0x05, 0x58, 0x01]);
        assert_eq!(m.name, "Identity Request");
        assert_eq!(m.fields.identity_requested, Some(IdentityKind::Imsi));
    }

    #[test]
    fn um_rest_octets_beyond_the_pseudo_length_are_kept() {
        // SI13 states a pseudo length of 0; its rest octets fill the block.
        let mut block = vec![0x01, 0x06, 0x00, 0x90];
        block.resize(23, 0x2b);
        let l3 = um_l3(channel::BCCH, &block).unwrap().unwrap();
        assert_eq!(l3.len(), 22);
        assert_eq!(
            decode_um(channel::BCCH, &block).name,
            "System Information Type 13"
        );
    }

    #[test]
    fn lapdm_supervisory_frames_carry_no_layer_3() {
        // RR frame (control 0x01) on SDCCH.
        assert!(um_l3(channel::SDCCH8, &[0x01, 0x01, 0x01]).is_err());
        // UI frame (0x03) with a two-octet message.
        let l3 = um_l3(channel::SDCCH8, &[0x01, 0x03, 0x09, 0x06, 0x35, 0x2b])
            .unwrap()
            .unwrap();
        assert_eq!(l3, &[0x06, 0x35]);
    }
}
