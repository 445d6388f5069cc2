//! 5GS NAS (3GPP TS 24.501) for Stingwatch.
//!
//! [`decode`] reads one 5GS NAS PDU, plain or security protected, and returns a small owned
//! [`Nas5gMessage`]: the message name as Wireshark's `nas-5gs` dissector gives it, the
//! direction its type implies, the security header type, and the few fields detection reads
//! ([`Nas5gFields`]): the identity a phone sent (for a SUCI: its protection scheme and home
//! network key, never the subscriber's digits), the identity the network asked for, the
//! registration type, the 5GMM cause, the selected NAS security algorithms, the
//! de-registration flags.
//!
//! The body of a message is decoded by `oxirush-nas`, a young crate with one maintainer: it
//! stays behind this adapter, which alone names its types, and the tests hold both to tshark
//! and pycrate. The header is read here (see [`header`]) so that a message the library
//! refuses keeps its name and protection. Decoding never fails as a whole: the error says
//! what could not be read.

#![forbid(unsafe_code)]

pub mod build;
pub mod header;
mod identity;

pub use header::{
    mm_direction, mm_message_name, sm_direction, sm_message_name, HeaderError, Nas5gProtocol,
    SecurityHeaderType, EPD_5GMM, EPD_5GSM, PROTECTED_HEADER_LEN,
};
pub use identity::{IdentityKind, MobileIdentity, Plmn, ProtectionScheme, Suci};

use oxirush_nas::nas_5gs::{Nas5gmmMessage, Nas5gsMessage};
use serde::Serialize;
use stingwatch_model::Direction;

/// Longest PDU decoded: a DIAG log packet and a NAS message container hold at most 65535
/// octets, and the decoder's time grows with the length, so a longer input is refused unread.
pub const MAX_PDU_LEN: usize = 65_535;

/// Why (part of) a PDU could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Nas5gError {
    /// The header could not be read.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// Longer than [`MAX_PDU_LEN`].
    #[error("5GS NAS PDU of {0} octets is longer than the {MAX_PDU_LEN} decoded")]
    TooLong(usize),
    /// The body did not decode; the text is the decoder's.
    #[error("5GS NAS body: {0}")]
    Body(String),
}

/// Registration type of a Registration Request (TS 24.501 §9.11.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistrationType {
    /// Initial registration.
    Initial,
    /// Mobility registration updating.
    MobilityUpdating,
    /// Periodic registration updating.
    PeriodicUpdating,
    /// Emergency registration: the only registration a network may leave without integrity
    /// protection (TS 33.501 §10.2.2).
    Emergency,
    /// SNPN onboarding registration.
    SnpnOnboarding,
    /// Disaster roaming mobility registration updating.
    DisasterRoamingUpdating,
    /// Disaster roaming initial registration.
    DisasterRoamingInitial,
    /// Value 0, reserved.
    Reserved,
}

impl RegistrationType {
    /// The type in the low three bits of `value`.
    pub fn of(value: u8) -> Self {
        match value & 0x07 {
            1 => RegistrationType::Initial,
            2 => RegistrationType::MobilityUpdating,
            3 => RegistrationType::PeriodicUpdating,
            4 => RegistrationType::Emergency,
            5 => RegistrationType::SnpnOnboarding,
            6 => RegistrationType::DisasterRoamingUpdating,
            7 => RegistrationType::DisasterRoamingInitial,
            _ => RegistrationType::Reserved,
        }
    }

    /// The value on the wire.
    pub fn value(self) -> u8 {
        match self {
            RegistrationType::Reserved => 0,
            RegistrationType::Initial => 1,
            RegistrationType::MobilityUpdating => 2,
            RegistrationType::PeriodicUpdating => 3,
            RegistrationType::Emergency => 4,
            RegistrationType::SnpnOnboarding => 5,
            RegistrationType::DisasterRoamingUpdating => 6,
            RegistrationType::DisasterRoamingInitial => 7,
        }
    }
}

/// The NAS security algorithms a Security Mode Command selects (TS 24.501 §9.11.3.34).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Algorithms {
    /// 5G-EA*n*: 0 is no ciphering, 1 SNOW 3G, 2 AES, 3 ZUC.
    pub ciphering: u8,
    /// 5G-IA*n*: 0 is no integrity protection, 1 SNOW 3G, 2 AES, 3 ZUC.
    pub integrity: u8,
}

impl Algorithms {
    /// The algorithms of the IE's one octet: ciphering in bits 7-5, integrity in bits 3-1
    /// (bits 8 and 4 are spare).
    pub fn of(octet: u8) -> Self {
        Algorithms {
            ciphering: (octet >> 4) & 0x07,
            integrity: octet & 0x07,
        }
    }
}

/// The fields of one message that detection reads. Each is `None` (or false) when the message
/// does not carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Nas5gFields {
    /// Registration Request: the registration type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_type: Option<RegistrationType>,
    /// Registration Request: a follow-on request is pending.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub follow_on: bool,
    /// Registration Request, Identity Response, Service Request, UE-originating
    /// De-registration Request, Security Mode Complete (the IMEISV): the identity the phone
    /// sent. A Registration Accept or
    /// Configuration Update Command: the 5G-GUTI the network assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<MobileIdentity>,
    /// Identity Request: the identity asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_identity: Option<IdentityKind>,
    /// 5GMM cause (TS 24.501 §9.11.3.2) of a reject, failure, status, network-originated
    /// de-registration or DL NAS transport (a payload not forwarded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<u8>,
    /// Security Mode Command: the selected algorithms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithms: Option<Algorithms>,
    /// Security Mode Command: the network asks for the IMEISV.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub imeisv_requested: bool,
    /// Authentication Request: a 5G AKA challenge (RAND and AUTN) rather than EAP.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub aka_challenge: bool,
    /// De-registration Request from the phone: it is switching off.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub switch_off: bool,
    /// De-registration Request from the network: the phone must register again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub re_registration_required: bool,
    /// Service Request: the service type (TS 24.501 §9.11.3.50; 3 is emergency services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_type: Option<u8>,
}

/// One 5GS NAS PDU as detection sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nas5gMessage {
    /// 5GMM or 5GSM (of the plain message; 5GMM for a ciphered one).
    pub protocol: Nas5gProtocol,
    /// Security header type of the outer header.
    pub security: SecurityHeaderType,
    /// Message type of the plain message; `None` when ciphered or cut short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<u8>,
    /// The message's name as Wireshark's `nas-5gs` dissector gives it (e.g. `Registration
    /// request`), or a description when it has none.
    pub name: &'static str,
    /// Direction the message type implies; `Unknown` for status messages and ciphered ones.
    pub direction: Direction,
    /// Fields detection reads.
    pub fields: Nas5gFields,
    /// What could not be read, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Nas5gError>,
}

impl Serialize for Nas5gError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Name given to a ciphered message, whose type cannot be read.
pub const CIPHERED_NAME: &str = "Ciphered 5GS NAS message";
/// Name given to a PDU whose header could not be read.
pub const UNREADABLE_NAME: &str = "Unreadable 5GS NAS message";
/// Name given to a message type TS 24.501 does not assign.
pub const UNKNOWN_NAME: &str = "Unknown";

impl Nas5gMessage {
    /// True when the outer header is plain: nothing protects the message.
    pub fn is_plain(&self) -> bool {
        self.security == SecurityHeaderType::Plain
    }

    /// True when the message is ciphered (its body could not be read).
    pub fn is_ciphered(&self) -> bool {
        self.security.is_ciphered()
    }

    fn unreadable(error: Nas5gError) -> Self {
        Nas5gMessage {
            protocol: Nas5gProtocol::Mm,
            security: SecurityHeaderType::Plain,
            message_type: None,
            name: UNREADABLE_NAME,
            direction: Direction::Unknown,
            fields: Nas5gFields::default(),
            error: Some(error),
        }
    }
}

/// Decode one 5GS NAS PDU. Never fails as a whole: see [`Nas5gMessage::error`].
pub fn decode(pdu: &[u8]) -> Nas5gMessage {
    if pdu.len() > MAX_PDU_LEN {
        return Nas5gMessage::unreadable(Nas5gError::TooLong(pdu.len()));
    }
    let header = match header::read_header(pdu) {
        Ok(h) => h,
        Err(e) => return Nas5gMessage::unreadable(e.into()),
    };
    let mut m = Nas5gMessage {
        protocol: header.protocol,
        security: header.security,
        message_type: header.message_type,
        name: CIPHERED_NAME,
        direction: Direction::Unknown,
        fields: Nas5gFields::default(),
        error: None,
    };
    if let Some(mt) = header.message_type {
        let (name, direction) = match header.protocol {
            Nas5gProtocol::Mm => (mm_message_name(mt), mm_direction(mt)),
            Nas5gProtocol::Sm => (sm_message_name(mt), sm_direction(mt)),
        };
        m.name = name.unwrap_or(UNKNOWN_NAME);
        m.direction = direction;
    } else if !header.security.is_ciphered() {
        m.name = UNREADABLE_NAME;
        m.error = Some(Nas5gError::Header(HeaderError::Truncated {
            needed: header.plain_at.saturating_add(3),
            present: pdu.len(),
        }));
        return m;
    }
    if header.security.is_ciphered() {
        return m;
    }
    // The plain message alone: the library would otherwise also hold the security header to
    // rules (an inner message's own header) that say nothing about what the message is.
    let plain = pdu.get(header.plain_at..).unwrap_or(&[]);
    match Nas5gsMessage::decode(plain) {
        Ok(Nas5gsMessage::Gmm(_, body)) => fields_of(&body, &mut m.fields),
        Ok(_) => {}
        Err(e) => m.error = Some(Nas5gError::Body(e.to_string())),
    }
    m
}

/// Copy the fields detection reads out of a decoded 5GMM message.
fn fields_of(body: &Nas5gmmMessage, f: &mut Nas5gFields) {
    use Nas5gmmMessage as M;
    match body {
        M::RegistrationRequest(r) => {
            f.registration_type = Some(RegistrationType::of(r.fgs_registration_type.value));
            f.follow_on = r.fgs_registration_type.follow_on_request();
            f.identity = Some(MobileIdentity::of(&r.fgs_mobile_identity.value));
        }
        M::RegistrationAccept(r) => {
            f.identity = r.fg_guti.as_ref().map(|g| MobileIdentity::of(&g.value));
        }
        M::ConfigurationUpdateCommand(c) => {
            f.identity = c.fg_guti.as_ref().map(|g| MobileIdentity::of(&g.value));
        }
        M::RegistrationReject(r) => f.cause = Some(r.fgmm_cause.value),
        M::ServiceReject(r) => f.cause = Some(r.fgmm_cause.value),
        M::AuthenticationFailure(r) => f.cause = Some(r.fgmm_cause.value),
        M::SecurityModeReject(r) => f.cause = Some(r.fgmm_cause.value),
        M::SecurityModeComplete(r) => {
            f.identity = r.imeisv.as_ref().map(|i| MobileIdentity::of(&i.value))
        }
        M::FiveGmmStatus(r) => f.cause = Some(r.fgmm_cause.value),
        M::DlNasTransport(r) => f.cause = r.fgmm_cause.as_ref().map(|c| c.value),
        M::IdentityRequest(r) => {
            f.requested_identity = Some(IdentityKind::of(r.identity_type.value))
        }
        M::IdentityResponse(r) => f.identity = Some(MobileIdentity::of(&r.mobile_identity.value)),
        M::AuthenticationRequest(r) => {
            f.aka_challenge = r.authentication_parameter_rand.is_some()
                && r.authentication_parameter_autn.is_some();
        }
        M::SecurityModeCommand(r) => {
            f.algorithms = Some(Algorithms::of(r.selected_nas_security_algorithms.value));
            // TS 24.501 §9.11.3.28: bit 1 of the IMEISV request IE, value 1 "requested".
            f.imeisv_requested = r
                .imeisv_request
                .as_ref()
                .is_some_and(|i| i.value & 0x07 == 1);
        }
        M::ServiceRequest(r) => {
            f.service_type = Some(r.service_type.value & 0x0f);
            f.identity = Some(MobileIdentity::of(&r.fg_s_tmsi.value));
        }
        M::DeregistrationRequestUeOriginating(r) => {
            f.switch_off = r.de_registration_type.switch_off();
            f.identity = Some(MobileIdentity::of(&r.fgs_mobile_identity.value));
        }
        M::DeregistrationRequestUeTerminated(r) => {
            f.re_registration_required = r.de_registration_type.re_registration_required();
            f.cause = r.fgmm_cause.as_ref().map(|c| c.value);
        }
        _ => {}
    }
}
