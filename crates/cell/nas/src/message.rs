//! Decoding of whole NAS messages: security header, message type, and the IEs of
//! [`NasFields`]. Lenient by design: trailing bytes are ignored, an unreadable optional IE
//! stops optional-IE reading and is reported in `error`, and whatever was read is kept.

use crate::header::{NasPdu, ProtocolDiscriminator, SecurityHeaderType};
use crate::ie::{
    parse_apn, parse_tai_list, Coded, IdentityCoding, IdentityType, MobileIdentity, Plmn,
    SecurityAlgorithms, SecurityCapabilities, TaiListEntry, TimerValue,
};
use crate::reader::{Reader, Truncated};
use crate::tables::{self, emm, esm};
use serde::Serialize;
use stingwatch_model::Direction;

/// Deepest nesting followed (security header -> EMM message -> ESM container).
const MAX_DEPTH: u8 = 3;
/// Most equivalent PLMNs a list carries (TS 24.008 10.5.1.13: 15).
pub const MAX_EQUIVALENT_PLMNS: usize = 15;

/// One decoded EPS NAS message: what it is and the fields detection needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NasMessage {
    /// Security header type (EMM); `Plain` for ESM messages.
    pub security_header: SecurityHeaderType,
    /// Protocol discriminator.
    pub protocol: ProtocolDiscriminator,
    /// True when the message body is ciphered and was not read.
    pub ciphered: bool,
    /// Message type octet, when readable (the inner one for an integrity-protected message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<u8>,
    /// Message name as TS 24.301 and common analysis tools name it (the inner message's
    /// name for an integrity-protected message, "Ciphered message" when ciphered).
    pub name: &'static str,
    /// Fields read from the message's IEs.
    #[serde(skip_serializing_if = "NasFields::is_empty")]
    pub fields: NasFields,
    /// The plain message inside an integrity-protected message, or the ESM message inside
    /// the ESM message container of an EMM message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner: Option<Box<NasMessage>>,
    /// Why decoding stopped early or what was skipped; everything read before is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The IEs of a NAS message that detection uses; absent ones are `None`/empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NasFields {
    /// NAS sequence number of a security-protected message (short one for service request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u8>,
    /// NAS key set identifier (7 = no key available).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_set_identifier: Option<u8>,
    /// Identity type the network asks for (Identity request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<IdentityType>,
    /// The (EPS) mobile identity the message carries: the identity of Identity response,
    /// Attach request, Detach request, Extended service request; the GUTI of Attach accept,
    /// Tracking area update request/accept and GUTI reallocation command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_identity: Option<MobileIdentity>,
    /// EMM cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emm_cause: Option<Coded>,
    /// ESM cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub esm_cause: Option<Coded>,
    /// Algorithms chosen in Security mode command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_algorithms: Option<SecurityAlgorithms>,
    /// UE security capabilities replayed by the network in Security mode command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed_security_capabilities: Option<SecurityCapabilities>,
    /// EPS algorithms the UE announced (UE network capability of Attach/TAU request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ue_security_capabilities: Option<SecurityCapabilities>,
    /// Whether Security mode command asks for the IMEISV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imeisv_requested: Option<bool>,
    /// EPS attach type (Attach request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach_type: Option<Coded>,
    /// EPS attach result (Attach accept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach_result: Option<Coded>,
    /// EPS update type (Tracking area update request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_type: Option<Coded>,
    /// EPS update result (Tracking area update accept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_result: Option<Coded>,
    /// Detach type (Detach request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detach_type: Option<Coded>,
    /// Switch-off flag of a UE's Detach request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switch_off: Option<bool>,
    /// Tracking area identity list (Attach accept, TAU accept, GUTI reallocation command).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tai_list: Vec<TaiListEntry>,
    /// Equivalent PLMNs the network gives the device (Attach accept, TAU accept): networks
    /// the device treats as its registered one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub equivalent_plmns: Vec<Plmn>,
    /// Periodic TAU timer T3412.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t3412: Option<TimerValue>,
    /// Attach/TAU retry timer T3402.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t3402: Option<TimerValue>,
    /// Authentication request carries RAND (value never kept).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rand_present: bool,
    /// Authentication request carries AUTN (value never kept).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub autn_present: bool,
    /// Authentication response carries RES (value never kept).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub res_present: bool,
    /// Authentication failure carries AUTS (value never kept).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub auts_present: bool,
    /// EPS bearer identity of an ESM message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eps_bearer_identity: Option<u8>,
    /// Procedure transaction identity of an ESM message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure_transaction_identity: Option<u8>,
    /// Access point name (Activate default EPS bearer context request, PDN connectivity
    /// request, ESM information response).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apn: Option<String>,
    /// Full network name of EMM information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_full_name: Option<String>,
    /// Short network name of EMM information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_short_name: Option<String>,
}

impl NasFields {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == NasFields::default()
    }
}

impl NasMessage {
    fn new(security_header: SecurityHeaderType, protocol: ProtocolDiscriminator) -> NasMessage {
        NasMessage {
            security_header,
            protocol,
            ciphered: false,
            message_type: None,
            name: tables::UNKNOWN_NAME,
            fields: NasFields::default(),
            inner: None,
            error: None,
        }
    }

    fn note(&mut self, why: String) {
        if self.error.is_none() {
            self.error = Some(why);
        }
    }

    /// The plain message: the one inside an integrity-protected message, or `self`.
    pub fn plain(&self) -> &NasMessage {
        match (&self.inner, self.security_header.is_protected()) {
            (Some(inner), true) => inner.plain(),
            _ => self,
        }
    }

    /// The ESM message carried in the ESM message container of the plain EMM message.
    pub fn esm(&self) -> Option<&NasMessage> {
        let plain = self.plain();
        match plain.protocol {
            ProtocolDiscriminator::Esm => Some(plain),
            _ => plain
                .inner
                .as_deref()
                .filter(|m| m.protocol == ProtocolDiscriminator::Esm),
        }
    }

    /// Names of the plain message and any ESM message it carries, comma separated
    /// (e.g. "Attach request, PDN connectivity request"), the way packet lists show them.
    pub fn summary(&self) -> String {
        let plain = self.plain();
        match plain.inner.as_deref() {
            Some(esm) if plain.protocol == ProtocolDiscriminator::Emm => {
                format!("{}, {}", plain.name, esm.summary())
            }
            _ => plain.name.to_string(),
        }
    }
}

/// Decode a NAS PDU whose direction is not known (Detach request is then told apart by
/// its content).
pub fn decode(bytes: &[u8]) -> NasMessage {
    decode_with_direction(bytes, Direction::Unknown)
}

/// Decode a NAS PDU sent in the given direction.
pub fn decode_with_direction(bytes: &[u8], direction: Direction) -> NasMessage {
    decode_nested(bytes, direction, 0)
}

fn decode_nested(bytes: &[u8], direction: Direction, depth: u8) -> NasMessage {
    let Some(pdu) = NasPdu::new_checked(bytes) else {
        let mut m = NasMessage::new(SecurityHeaderType::Plain, ProtocolDiscriminator::Other(0));
        m.note("empty NAS PDU".to_string());
        return m;
    };
    match pdu.protocol_discriminator() {
        ProtocolDiscriminator::Emm => decode_emm(&pdu, bytes, direction, depth),
        ProtocolDiscriminator::Esm => decode_esm(&pdu, bytes),
        other => {
            let mut m = NasMessage::new(SecurityHeaderType::Plain, other);
            m.note(format!(
                "protocol discriminator {} is not EMM (7) or ESM (2)",
                bytes.first().map_or(0, |b| b & 0x0f)
            ));
            m
        }
    }
}

fn decode_emm(pdu: &NasPdu<&[u8]>, bytes: &[u8], direction: Direction, depth: u8) -> NasMessage {
    let header = pdu.security_header_type();
    let mut m = NasMessage::new(header, ProtocolDiscriminator::Emm);
    match header.value() {
        0 => decode_plain_emm(&mut m, pdu, bytes, direction, depth),
        1..=5 => {
            m.fields.sequence_number = pdu.sequence_number();
            let Some(body) = pdu.protected_message() else {
                m.note(format!(
                    "security protected header needs 6 octets, got {}",
                    bytes.len()
                ));
                return m;
            };
            if header.is_ciphered() {
                m.ciphered = true;
                m.name = tables::CIPHERED_MESSAGE_NAME;
            } else if body.is_empty() {
                m.note("no NAS message after the security header".to_string());
            } else if depth >= MAX_DEPTH {
                m.note("security header nested too deep".to_string());
            } else {
                let inner = decode_nested(body, direction, depth + 1);
                m.message_type = inner.message_type;
                m.name = inner.name;
                m.inner = Some(Box::new(inner));
            }
        }
        6..=11 => m.note(format!("reserved security header type {}", header.value())),
        // 12, and 13-15 which receivers read as the service request header.
        _ => {
            m.name = tables::SERVICE_REQUEST_NAME;
            m.fields.key_set_identifier = pdu.service_request_ksi();
            m.fields.sequence_number = pdu.service_request_sequence_number();
            if pdu.service_request_short_mac().is_none() {
                m.note(format!(
                    "service request needs 4 octets, got {}",
                    bytes.len()
                ));
            }
        }
    }
    m
}

fn decode_plain_emm(
    m: &mut NasMessage,
    pdu: &NasPdu<&[u8]>,
    bytes: &[u8],
    direction: Direction,
    depth: u8,
) {
    let Some(message_type) = pdu.emm_message_type() else {
        m.note("EMM message without message type".to_string());
        return;
    };
    m.message_type = Some(message_type);
    match tables::emm_message_name(message_type) {
        Some(name) => m.name = name,
        None => {
            m.note(format!("unknown EMM message type {message_type:#04x}"));
            return;
        }
    }
    let mut r = Reader::new(bytes.get(2..).unwrap_or(&[]));
    let mut body = Body {
        m,
        direction,
        depth,
    };
    if let Err(e) = body.emm(message_type, &mut r) {
        let name = body.m.name;
        body.m.note(format!("{name}: {e}"));
    }
}

fn decode_esm(pdu: &NasPdu<&[u8]>, bytes: &[u8]) -> NasMessage {
    let mut m = NasMessage::new(SecurityHeaderType::Plain, ProtocolDiscriminator::Esm);
    m.fields.eps_bearer_identity = Some(pdu.eps_bearer_identity());
    m.fields.procedure_transaction_identity = pdu.esm_procedure_transaction_identity();
    let Some(message_type) = pdu.esm_message_type() else {
        m.note("ESM message without message type".to_string());
        return m;
    };
    m.message_type = Some(message_type);
    match tables::esm_message_name(message_type) {
        Some(name) => m.name = name,
        None => {
            m.note(format!("unknown ESM message type {message_type:#04x}"));
            return m;
        }
    }
    let mut r = Reader::new(bytes.get(3..).unwrap_or(&[]));
    let mut body = Body {
        m: &mut m,
        direction: Direction::Unknown,
        depth: MAX_DEPTH,
    };
    if let Err(e) = body.esm(message_type, &mut r) {
        let name = body.m.name;
        body.m.note(format!("{name}: {e}"));
    }
    m
}

/// Why a mandatory IE could not be read.
#[derive(Debug)]
enum BodyError {
    Truncated(&'static str, Truncated),
    Invalid(&'static str, String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::Truncated(ie, t) => write!(f, "mandatory IE {ie} {t}"),
            BodyError::Invalid(ie, why) => write!(f, "mandatory IE {ie} invalid: {why}"),
        }
    }
}

trait Context<T> {
    fn ie(self, name: &'static str) -> Result<T, BodyError>;
}

impl<T> Context<T> for Result<T, Truncated> {
    fn ie(self, name: &'static str) -> Result<T, BodyError> {
        self.map_err(|t| BodyError::Truncated(name, t))
    }
}

/// An optional IE: type 1 (half octet) IEs have `iei` = high nibble << 4 and `value` = the octet.
struct OptionalIe<'a> {
    iei: u8,
    value: &'a [u8],
}

/// Read the next optional IE. `fixed` lists the IEIs of this message that are fixed-length
/// TV IEs with their total length; other IEIs are type 1 (bit 8 set), TLV-E (0x7X) or TLV.
fn next_optional<'a>(
    r: &mut Reader<'a>,
    fixed: &[(u8, usize)],
) -> Option<Result<OptionalIe<'a>, Truncated>> {
    let iei = r.peek_u8()?;
    let res = if iei & 0x80 != 0 {
        r.take(1).map(|v| OptionalIe {
            iei: iei & 0xf0,
            value: v,
        })
    } else if let Some((_, total)) = fixed.iter().find(|(i, _)| *i == iei) {
        r.take(*total).map(|v| OptionalIe {
            iei,
            value: v.get(1..).unwrap_or(&[]),
        })
    } else {
        let start = *r;
        let res = r
            .u8()
            .and_then(|_| if iei & 0xf0 == 0x70 { r.lv_e() } else { r.lv() });
        if res.is_err() {
            *r = start;
        }
        res.map(|value| OptionalIe { iei, value })
    };
    Some(res)
}

struct Body<'m> {
    m: &'m mut NasMessage,
    direction: Direction,
    depth: u8,
}

impl Body<'_> {
    fn f(&mut self) -> &mut crate::message::NasFields {
        &mut self.m.fields
    }

    /// Read the optional IEs and hand each to `each`; a malformed one ends reading.
    fn optionals(
        &mut self,
        r: &mut Reader<'_>,
        fixed: &[(u8, usize)],
        mut each: impl FnMut(&mut Self, u8, &[u8]),
    ) {
        // Each IE consumes at least one octet, so this loop is bounded by the PDU length.
        while let Some(ie) = next_optional(r, fixed) {
            match ie {
                Ok(ie) => each(self, ie.iei, ie.value),
                Err(t) => {
                    let iei = r.peek_u8().unwrap_or(0);
                    self.m.note(format!(
                        "optional IE {iei:#04x} {t}; rest of message skipped"
                    ));
                    return;
                }
            }
        }
    }

    fn identity(&mut self, value: &[u8], coding: IdentityCoding) {
        match MobileIdentity::parse(value, coding) {
            Ok(id) => self.f().mobile_identity = Some(id),
            Err(e) => self.m.note(e),
        }
    }

    fn mandatory_identity(
        &mut self,
        value: &[u8],
        coding: IdentityCoding,
    ) -> Result<(), BodyError> {
        let id = MobileIdentity::parse(value, coding)
            .map_err(|e| BodyError::Invalid("mobile identity", e))?;
        self.f().mobile_identity = Some(id);
        Ok(())
    }

    fn tai_list(&mut self, value: &[u8]) {
        let (list, err) = parse_tai_list(value);
        self.f().tai_list = list;
        if let Some(e) = err {
            self.m.note(e);
        }
    }

    /// PLMN list IE (TS 24.008 10.5.1.13): three octets per PLMN, at most 15.
    fn equivalent_plmns(&mut self, value: &[u8]) {
        let chunks = value.chunks_exact(3);
        if !chunks.remainder().is_empty() || value.len() > 3 * MAX_EQUIVALENT_PLMNS {
            self.m.note(format!(
                "equivalent PLMNs: {} octets is not a list of at most {MAX_EQUIVALENT_PLMNS} \
                 PLMNs; the whole PLMNs are kept",
                value.len()
            ));
        }
        let list: Vec<Plmn> = chunks
            .take(MAX_EQUIVALENT_PLMNS)
            .filter_map(|c| match c {
                [a, b, c] => Some(Plmn { raw: [*a, *b, *c] }),
                _ => None,
            })
            .collect();
        self.f().equivalent_plmns = list;
    }

    fn esm_container(&mut self, value: &[u8]) {
        if value.is_empty() {
            return;
        }
        if self.depth >= MAX_DEPTH {
            self.m.note("ESM container nested too deep".to_string());
            return;
        }
        let inner = decode_nested(value, self.direction, self.depth + 1);
        self.m.inner = Some(Box::new(inner));
    }

    fn emm_cause(&mut self, value: u8) {
        self.f().emm_cause = Some(Coded::new(value, tables::emm_cause_name));
    }

    fn emm(&mut self, message_type: u8, r: &mut Reader<'_>) -> Result<(), BodyError> {
        match message_type {
            emm::ATTACH_REQUEST => {
                let b = r.u8().ie("NAS key set identifier and EPS attach type")?;
                self.f().key_set_identifier = Some((b >> 4) & 0x07);
                self.f().attach_type = Some(Coded::new(b & 0x07, tables::attach_type_name));
                let id = r.lv().ie("EPS mobile identity")?;
                self.mandatory_identity(id, IdentityCoding::Eps)?;
                let cap = r.lv().ie("UE network capability")?;
                match SecurityCapabilities::parse(cap) {
                    Ok(c) => self.f().ue_security_capabilities = Some(c),
                    Err(e) => self.m.note(e),
                }
                let esm = r.lv_e().ie("ESM message container")?;
                self.esm_container(esm);
            }
            emm::ATTACH_ACCEPT => {
                let b = r.u8().ie("EPS attach result")?;
                self.f().attach_result = Some(Coded::new(b & 0x07, tables::attach_result_name));
                let t = r.u8().ie("T3412 value")?;
                self.f().t3412 = Some(TimerValue::from_gprs_timer(t));
                let tai = r.lv().ie("TAI list")?;
                self.tai_list(tai);
                let esm = r.lv_e().ie("ESM message container")?;
                self.esm_container(esm);
                const FIXED: &[(u8, usize)] = &[(0x13, 6), (0x53, 2), (0x17, 2), (0x59, 2)];
                self.optionals(r, FIXED, |s, iei, v| match (iei, v) {
                    (0x50, v) => s.identity(v, IdentityCoding::Eps),
                    (0x4a, v) => s.equivalent_plmns(v),
                    (0x53, [c]) => s.emm_cause(*c),
                    (0x17, [t]) => s.f().t3402 = Some(TimerValue::from_gprs_timer(*t)),
                    _ => {}
                });
            }
            emm::ATTACH_COMPLETE => {
                let esm = r.lv_e().ie("ESM message container")?;
                self.esm_container(esm);
            }
            emm::ATTACH_REJECT => {
                let c = r.u8().ie("EMM cause")?;
                self.emm_cause(c);
                self.optionals(r, &[], |s, iei, v| {
                    if iei == 0x78 {
                        s.esm_container(v);
                    }
                });
            }
            emm::DETACH_REQUEST => {
                let b = r.u8().ie("detach type")?;
                let downlink = match self.direction {
                    Direction::Downlink => true,
                    Direction::Uplink => false,
                    // A UE's request carries its identity; the network's at most a cause.
                    Direction::Unknown => {
                        r.is_empty() || (r.remaining() == 2 && r.peek_u8() == Some(0x53))
                    }
                };
                if downlink {
                    self.f().detach_type =
                        Some(Coded::new(b & 0x07, tables::detach_type_downlink_name));
                    self.optionals(r, &[(0x53, 2)], |s, iei, v| {
                        if let (0x53, [c]) = (iei, v) {
                            s.emm_cause(*c);
                        }
                    });
                } else {
                    self.f().key_set_identifier = Some((b >> 4) & 0x07);
                    self.f().switch_off = Some(b & 0x08 != 0);
                    self.f().detach_type =
                        Some(Coded::new(b & 0x07, tables::detach_type_uplink_name));
                    let id = r.lv().ie("EPS mobile identity")?;
                    self.mandatory_identity(id, IdentityCoding::Eps)?;
                }
            }
            emm::TRACKING_AREA_UPDATE_REQUEST => {
                let b = r.u8().ie("NAS key set identifier and EPS update type")?;
                self.f().key_set_identifier = Some((b >> 4) & 0x07);
                self.f().update_type = Some(Coded::new(b & 0x07, tables::update_type_name));
                let id = r.lv().ie("old GUTI")?;
                self.mandatory_identity(id, IdentityCoding::Eps)?;
                const FIXED: &[(u8, usize)] = &[
                    (0x19, 4),
                    (0x55, 5),
                    (0x52, 6),
                    (0x5c, 3),
                    (0x13, 6),
                    (0x17, 2),
                ];
                self.optionals(r, FIXED, |s, iei, v| {
                    if iei == 0x58 {
                        if let Ok(c) = SecurityCapabilities::parse(v) {
                            s.f().ue_security_capabilities = Some(c);
                        }
                    }
                });
            }
            emm::TRACKING_AREA_UPDATE_ACCEPT => {
                let b = r.u8().ie("EPS update result")?;
                self.f().update_result = Some(Coded::new(b & 0x07, tables::update_result_name));
                const FIXED: &[(u8, usize)] =
                    &[(0x5a, 2), (0x13, 6), (0x53, 2), (0x17, 2), (0x59, 2)];
                self.optionals(r, FIXED, |s, iei, v| match (iei, v) {
                    (0x5a, [t]) => s.f().t3412 = Some(TimerValue::from_gprs_timer(*t)),
                    (0x50, v) => s.identity(v, IdentityCoding::Eps),
                    (0x54, v) => s.tai_list(v),
                    (0x4a, v) => s.equivalent_plmns(v),
                    (0x53, [c]) => s.emm_cause(*c),
                    (0x17, [t]) => s.f().t3402 = Some(TimerValue::from_gprs_timer(*t)),
                    _ => {}
                });
            }
            emm::TRACKING_AREA_UPDATE_REJECT
            | emm::SERVICE_REJECT
            | emm::SECURITY_MODE_REJECT
            | emm::EMM_STATUS => {
                let c = r.u8().ie("EMM cause")?;
                self.emm_cause(c);
            }
            emm::EXTENDED_SERVICE_REQUEST => {
                let b = r.u8().ie("service type and NAS key set identifier")?;
                self.f().key_set_identifier = Some((b >> 4) & 0x07);
                let id = r.lv().ie("M-TMSI")?;
                self.mandatory_identity(id, IdentityCoding::Gsm)?;
            }
            emm::CONTROL_PLANE_SERVICE_REQUEST => {
                let b = r
                    .u8()
                    .ie("control plane service type and NAS key set identifier")?;
                self.f().key_set_identifier = Some((b >> 4) & 0x07);
                self.optionals(r, &[], |s, iei, v| {
                    if iei == 0x78 {
                        s.esm_container(v);
                    }
                });
            }
            emm::GUTI_REALLOCATION_COMMAND => {
                let id = r.lv().ie("GUTI")?;
                self.mandatory_identity(id, IdentityCoding::Eps)?;
                self.optionals(r, &[], |s, iei, v| {
                    if iei == 0x54 {
                        s.tai_list(v);
                    }
                });
            }
            emm::AUTHENTICATION_REQUEST => {
                let b = r.u8().ie("NAS key set identifier")?;
                self.f().key_set_identifier = Some(b & 0x07);
                r.take(16).ie("RAND")?;
                self.f().rand_present = true;
                r.lv().ie("AUTN")?;
                self.f().autn_present = true;
            }
            emm::AUTHENTICATION_RESPONSE => {
                r.lv().ie("RES")?;
                self.f().res_present = true;
            }
            emm::AUTHENTICATION_FAILURE => {
                let c = r.u8().ie("EMM cause")?;
                self.emm_cause(c);
                self.optionals(r, &[], |s, iei, _| {
                    if iei == 0x30 {
                        s.f().auts_present = true;
                    }
                });
            }
            emm::IDENTITY_REQUEST => {
                let b = r.u8().ie("identity type")?;
                self.f().identity_type = Some(IdentityType::from_bits(b));
            }
            emm::IDENTITY_RESPONSE => {
                let id = r.lv().ie("mobile identity")?;
                self.mandatory_identity(id, IdentityCoding::Gsm)?;
            }
            emm::SECURITY_MODE_COMMAND => {
                let b = r.u8().ie("selected NAS security algorithms")?;
                self.f().selected_algorithms = Some(SecurityAlgorithms::from_octet(b));
                let k = r.u8().ie("NAS key set identifier")?;
                self.f().key_set_identifier = Some(k & 0x07);
                let caps = r.lv().ie("replayed UE security capabilities")?;
                let caps = SecurityCapabilities::parse(caps)
                    .map_err(|e| BodyError::Invalid("replayed UE security capabilities", e))?;
                self.f().replayed_security_capabilities = Some(caps);
                self.f().imeisv_requested = Some(false);
                self.optionals(r, &[(0x55, 5), (0x56, 5)], |s, iei, v| {
                    if let (0xc0, [b]) = (iei, v) {
                        s.f().imeisv_requested = Some(b & 0x07 == 1);
                    }
                });
            }
            emm::SECURITY_MODE_COMPLETE => {
                self.optionals(r, &[], |s, iei, v| {
                    if iei == 0x23 {
                        s.identity(v, IdentityCoding::Gsm);
                    }
                });
            }
            emm::EMM_INFORMATION => {
                self.optionals(r, &[(0x46, 2), (0x47, 8)], |s, iei, v| match iei {
                    0x43 => s.f().network_full_name = Some(crate::text::network_name(v)),
                    0x45 => s.f().network_short_name = Some(crate::text::network_name(v)),
                    _ => {}
                });
            }
            // Messages whose IEs detection does not need: the name is enough.
            _ => {}
        }
        Ok(())
    }

    fn esm(&mut self, message_type: u8, r: &mut Reader<'_>) -> Result<(), BodyError> {
        match message_type {
            esm::ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_REJECT
            | esm::ACTIVATE_DEDICATED_EPS_BEARER_CONTEXT_REJECT
            | esm::MODIFY_EPS_BEARER_CONTEXT_REJECT
            | esm::DEACTIVATE_EPS_BEARER_CONTEXT_REQUEST
            | esm::PDN_CONNECTIVITY_REJECT
            | esm::PDN_DISCONNECT_REJECT
            | esm::BEARER_RESOURCE_ALLOCATION_REJECT
            | esm::BEARER_RESOURCE_MODIFICATION_REJECT
            | esm::ESM_STATUS => {
                let c = r.u8().ie("ESM cause")?;
                self.f().esm_cause = Some(Coded::new(c, tables::esm_cause_name));
            }
            esm::ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_REQUEST => {
                r.lv().ie("EPS QoS")?;
                let apn = r.lv().ie("access point name")?;
                self.f().apn = Some(parse_apn(apn));
                r.lv().ie("PDN address")?;
                // The network may grant another PDN type than asked and say why (ESM cause).
                self.optionals(r, &[(0x32, 2), (0x58, 2)], |s, iei, v| {
                    if let (0x58, [c]) = (iei, v) {
                        s.f().esm_cause = Some(Coded::new(*c, tables::esm_cause_name));
                    }
                });
            }
            esm::PDN_CONNECTIVITY_REQUEST => {
                r.u8().ie("PDN type and request type")?;
                self.optionals(r, &[], |s, iei, v| {
                    if iei == 0x28 {
                        s.f().apn = Some(parse_apn(v));
                    }
                });
            }
            esm::ESM_INFORMATION_RESPONSE => {
                self.optionals(r, &[], |s, iei, v| {
                    if iei == 0x28 {
                        s.f().apn = Some(parse_apn(v));
                    }
                });
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ie::IdentityKind;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // All byte strings below are NAS PDUs from the real recordings in shared/captures.

    /// The chain of messages from `m` inwards, `m` first.
    fn chain(m: &NasMessage) -> Vec<&NasMessage> {
        let mut out = vec![m];
        while let Some(inner) = out.last().and_then(|m| m.inner.as_deref()) {
            out.push(inner);
        }
        out
    }

    /// `plain` behind `headers` integrity-protection headers.
    fn wrapped(plain: &[u8], headers: usize) -> Vec<u8> {
        let mut m = plain.to_vec();
        for i in 0..headers {
            m = crate::build::protect(
                &m,
                crate::build::Protection::Integrity,
                0x0102_0304,
                i as u8,
            );
        }
        m
    }

    #[test]
    fn equivalent_plmns_of_an_accept_are_read_and_a_ragged_list_keeps_its_whole_plmns() {
        let home = Plmn::from_digits("310", "260").unwrap();
        let mut accept = crate::build::tracking_area_update_accept(0, home, &[0x2a01], None);
        let partners = [
            Plmn::from_digits("310", "120").unwrap(),
            Plmn::from_digits("234", "15").unwrap(),
        ];
        accept.extend_from_slice(&[0x4a, 6]);
        for p in &partners {
            accept.extend_from_slice(&p.raw);
        }
        let m = decode_with_direction(&accept, Direction::Downlink);
        assert_eq!(m.fields.equivalent_plmns, partners.to_vec());
        assert_eq!(m.fields.equivalent_plmns[1].to_string(), "234-15");
        assert!(m.error.is_none(), "{:?}", m.error);

        let mut ragged = crate::build::tracking_area_update_accept(0, home, &[0x2a01], None);
        ragged.extend_from_slice(&[0x4a, 4]);
        ragged.extend_from_slice(&partners[0].raw);
        ragged.push(0x21);
        let m = decode_with_direction(&ragged, Direction::Downlink);
        assert_eq!(m.fields.equivalent_plmns, vec![partners[0]]);
        assert!(m
            .error
            .as_deref()
            .unwrap_or("")
            .contains("equivalent PLMNs"));
    }

    #[test]
    fn security_headers_nested_past_max_depth_stop_with_a_note() {
        let plain = crate::build::identity_request(IdentityType::Imsi);
        let max = usize::from(MAX_DEPTH);
        // MAX_DEPTH headers: every one is followed down to the plain message.
        let m = decode(&wrapped(&plain, max));
        let levels = chain(&m);
        assert_eq!(levels.len(), max + 1);
        assert!(levels.iter().all(|l| l.error.is_none()), "{m:?}");
        assert_eq!(levels[max].security_header, SecurityHeaderType::Plain);
        assert_eq!(m.name, "Identity request");
        // One more, or many more: the header at depth MAX_DEPTH is not followed and says why.
        for headers in [max + 1, 10, 1000] {
            let m = decode(&wrapped(&plain, headers));
            let levels = chain(&m);
            assert_eq!(levels.len(), max + 1, "{headers} headers");
            let deepest = levels[max];
            assert_eq!(
                deepest.security_header,
                SecurityHeaderType::IntegrityProtected
            );
            assert_eq!(
                deepest.error.as_deref(),
                Some("security header nested too deep")
            );
            assert_eq!(deepest.name, tables::UNKNOWN_NAME);
        }
    }

    #[test]
    fn esm_container_past_max_depth_is_not_read() {
        let esm = crate::build::activate_default_eps_bearer_context_accept(5, 0);
        let plain = crate::build::attach_complete(&esm);
        let max = usize::from(MAX_DEPTH);
        // The EMM message at depth MAX_DEPTH - 1 still reads its ESM container...
        let m = decode(&wrapped(&plain, max - 1));
        let levels = chain(&m);
        assert_eq!(levels.len(), max + 1);
        assert_eq!(levels[max].protocol, ProtocolDiscriminator::Esm);
        assert_eq!(levels[max - 1].error, None);
        // ...the one at depth MAX_DEPTH does not.
        let m = decode(&wrapped(&plain, max));
        let levels = chain(&m);
        assert_eq!(levels.len(), max + 1);
        let emm = levels[max];
        assert_eq!(emm.name, "Attach complete");
        assert_eq!(emm.error.as_deref(), Some("ESM container nested too deep"));
    }

    #[test]
    fn attach_request_with_imsi_and_pdn_connectivity() {
        let m = decode(&hex("07417208390142201774700505f07000001000050201d031d15c0a0013130062fffd11034f18a6f15d0103c1"));
        assert_eq!(m.error, None);
        assert_eq!(m.name, "Attach request");
        assert_eq!(m.summary(), "Attach request, PDN connectivity request");
        let f = &m.fields;
        assert_eq!(f.key_set_identifier, Some(7));
        assert_eq!(
            f.attach_type.map(|c| c.name),
            Some("Combined EPS/IMSI attach")
        );
        let id = f.mobile_identity.as_ref().unwrap();
        assert_eq!(id.kind, IdentityKind::Imsi);
        assert_eq!(id.digits().len(), 15);
        let caps = f.ue_security_capabilities.unwrap();
        assert!(caps.supports_eea(0) && caps.supports_eea(3) && !caps.supports_eia(0));
        let esm = m.esm().unwrap();
        assert_eq!(esm.message_type, Some(esm::PDN_CONNECTIVITY_REQUEST));
        assert_eq!(esm.fields.procedure_transaction_identity, Some(1));
    }

    #[test]
    fn attach_request_with_guti_integrity_protected() {
        let m = decode(&hex("177a560a16040741020bf6130062801052c01a129505f07000001000050204d021d15213006284465c0a0013130062fffd11034f18a6f15d0103c1"));
        assert_eq!(m.security_header, SecurityHeaderType::IntegrityProtected);
        assert_eq!(m.name, "Attach request");
        assert_eq!(m.fields.sequence_number, Some(4));
        let plain = m.plain();
        assert_eq!(plain.security_header, SecurityHeaderType::Plain);
        let guti = plain.fields.mobile_identity.as_ref().unwrap().guti.unwrap();
        assert_eq!(guti.m_tmsi, 0xc01a1295);
        assert_eq!(m.esm().map(|e| e.name), Some("PDN connectivity request"));
    }

    #[test]
    fn identity_request_and_response() {
        let m = decode(&hex("075501"));
        assert_eq!(m.name, "Identity request");
        assert_eq!(m.fields.identity_type, Some(IdentityType::Imsi));
        // Trailing zero octets as some basebands log them are ignored.
        let m = decode(&hex("0756083901422017747005000000000000"));
        assert_eq!(m.error, None);
        assert_eq!(m.name, "Identity response");
        let id = m.fields.mobile_identity.as_ref().unwrap();
        assert_eq!(id.kind, IdentityKind::Imsi);
        assert_eq!(id.masked(), "310240*******50");
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("310240*******50"), "{json}");
        assert!(!json.contains(id.digits()), "{json}");
    }

    #[test]
    fn attach_reject_cause() {
        let m = decode(&hex("07440f"));
        assert_eq!(m.name, "Attach reject");
        assert_eq!(
            m.fields.emm_cause,
            Some(Coded {
                value: 15,
                name: "No Suitable Cells In tracking area"
            })
        );
        assert_eq!(
            decode(&hex("07440d")).fields.emm_cause.map(|c| c.value),
            Some(13)
        );
    }

    #[test]
    fn authentication_request_presence_only() {
        let m = decode(&hex(
            "075200ae981af83feeda7b0f29505173c4f4431061b880fbef3c80005238557c9cf058a2",
        ));
        assert_eq!(m.error, None);
        assert!(m.fields.rand_present && m.fields.autn_present);
        assert_eq!(m.fields.key_set_identifier, Some(0));
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("ae981a"), "{json}");
        let m = decode(&hex("075200ae981af83f"));
        assert!(!m.fields.rand_present);
        assert!(m.error.unwrap().contains("RAND"));
    }

    #[test]
    fn security_mode_command_in_new_context_header() {
        let m = decode(&hex("370434779f00075d220002f070c1"));
        assert_eq!(
            m.security_header,
            SecurityHeaderType::IntegrityProtectedNewContext
        );
        assert_eq!(m.name, "Security mode command");
        let f = &m.plain().fields;
        assert_eq!(
            f.selected_algorithms,
            Some(SecurityAlgorithms { eea: 2, eia: 2 })
        );
        let caps = f.replayed_security_capabilities.unwrap();
        assert_eq!((caps.eea, caps.eia), (0xf0, 0x70));
        assert_eq!(f.imeisv_requested, Some(true));
    }

    #[test]
    fn security_mode_complete_with_imeisv() {
        let m = decode(&hex("075e23093335795757073305f0000000000000"));
        let id = m.fields.mobile_identity.as_ref().unwrap();
        assert_eq!(id.kind, IdentityKind::Imeisv);
        assert_eq!(id.digits().len(), 16);
    }

    #[test]
    fn ciphered_messages_are_not_read() {
        let m = decode(&hex("2793a4a7de01e81d7d"));
        assert!(m.ciphered);
        assert_eq!(m.name, "Ciphered message");
        assert_eq!(m.message_type, None);
        assert_eq!(m.fields.sequence_number, Some(1));
        assert_eq!(m.inner, None);
        let m = decode(&hex("479fa4bd2900eae6938f66a139a3d2ad9099b5"));
        assert_eq!(
            m.security_header,
            SecurityHeaderType::IntegrityProtectedCipheredNewContext
        );
        assert!(m.ciphered);
    }

    #[test]
    fn attach_accept_tai_list_guti_timers_and_esm() {
        let m = decode(&hex("074202490620130062844600825203c10106180468326732066d6e63323430066d636333313004677072730d03ac39c2786b35fbe721e6b1935e06fefedddd1010274c80000d040ab10022000d040ab100d2000310fd00976a000000000000000000000009000310fd00976a000000000000000000000010000501028021100301001081060ab1002283060ab100d2500bf6130062801052c01a129513130062fffd2305f400000000172c4a031302523410031f19f1031f11f2031f9111031f1121640103f2"));
        assert_eq!(m.error, None);
        assert_eq!(
            m.summary(),
            "Attach accept, Activate default EPS bearer context request"
        );
        let f = &m.fields;
        assert_eq!(f.attach_result.map(|c| c.value), Some(2));
        assert_eq!(f.t3412, Some(TimerValue::Seconds(54 * 60)));
        assert_eq!(f.t3402, Some(TimerValue::Seconds(12 * 60)));
        assert_eq!(f.tai_list.len(), 1);
        assert_eq!(f.tai_list[0].plmn.to_string(), "310-260");
        assert_eq!(f.tai_list[0].tacs, vec![33862]);
        assert_eq!(
            f.mobile_identity.as_ref().map(|i| i.kind),
            Some(IdentityKind::Guti)
        );
        let esm = m.esm().unwrap();
        assert_eq!(esm.fields.apn.as_deref(), Some("h2g2.mnc240.mcc310.gprs"));
        assert_eq!(esm.fields.eps_bearer_identity, Some(5));
    }

    #[test]
    fn detach_request_both_directions() {
        let m = decode(&hex("0745030bf6130062801052c01a1295000000000000"));
        assert_eq!(
            m.fields.detach_type.map(|c| c.name),
            Some("Combined EPS/IMSI detach")
        );
        assert_eq!(m.fields.switch_off, Some(false));
        assert!(m.fields.mobile_identity.is_some());
        let m = decode(&[0x07, 0x45, 0x01, 0x53, 0x07]);
        assert_eq!(
            m.fields.detach_type.map(|c| c.name),
            Some("Re-attach required")
        );
        assert_eq!(m.fields.emm_cause.map(|c| c.value), Some(7));
        let m = decode_with_direction(&[0x07, 0x45, 0x02], Direction::Downlink);
        assert_eq!(
            m.fields.detach_type.map(|c| c.name),
            Some("Re-attach not required")
        );
    }

    #[test]
    fn emm_information_names() {
        let m = decode(&hex("076146694752606051838269490101"));
        assert_eq!(m.name, "EMM information");
        assert_eq!(m.error, None);
        let m = decode(&hex("07614308 80d456f32d4eb3cb".replace(' ', "").as_str()));
        assert_eq!(m.fields.network_full_name.as_deref(), Some("T-Mobile"));
    }

    #[test]
    fn esm_information_exchange() {
        let m = decode(&hex("0203d9"));
        assert_eq!(m.name, "ESM information request");
        assert_eq!(m.protocol, ProtocolDiscriminator::Esm);
        assert_eq!(m.security_header, SecurityHeaderType::Plain);
        let m = decode(&hex("0203da2812046661737408742d6d6f62696c6503636f6d"));
        assert_eq!(m.fields.apn.as_deref(), Some("fast.t-mobile.com"));
    }

    #[test]
    fn service_request_header_format() {
        let m = decode(&[0xc7, 0x45, 0x12, 0x34]);
        assert_eq!(m.name, "Service request");
        assert_eq!(m.security_header, SecurityHeaderType::ServiceRequest);
        assert_eq!(m.fields.key_set_identifier, Some(2));
        assert_eq!(m.fields.sequence_number, Some(5));
        assert_eq!(m.error, None);
        assert!(decode(&[0xc7, 0x45]).error.is_some());
    }

    #[test]
    fn lenient_on_bad_input() {
        assert!(decode(&[]).error.is_some());
        let m = decode(&[0x07]);
        assert_eq!(m.protocol, ProtocolDiscriminator::Emm);
        assert!(m.error.is_some());
        let m = decode(&[0x07, 0x57]);
        assert_eq!((m.name, m.message_type), ("Unknown", Some(0x57)));
        let m = decode(&[0x08, 0x01]);
        assert_eq!(m.protocol, ProtocolDiscriminator::Other(8));
        // A truncated optional IE keeps the mandatory part and what came before.
        let m = decode(&hex("0742024906201300628446000050"));
        assert_eq!(m.name, "Attach accept");
        assert_eq!(m.fields.tai_list.len(), 1);
        let err = m.error.unwrap();
        assert!(err.contains("0x50"), "{err}");
        // A security header with nothing after it.
        let m = decode(&hex("1700000000"));
        assert!(m.error.is_some());
    }

    #[test]
    fn default_bearer_with_granted_pdn_type_cause() {
        // Layout seen in real attaches: IPv4v6 asked, IPv4 granted, and after the PDN
        // address and APN-AMBR the ESM cause 52 "single address bearers only allowed".
        let m = decode(&hex("5201c101050403696d73050101020304 5e020000 5834"
            .replace(' ', "")
            .as_str()));
        assert_eq!(m.error, None);
        assert_eq!(m.fields.apn.as_deref(), Some("ims"));
        assert_eq!(
            m.fields.esm_cause.map(|c| c.name),
            Some("Single address bearers only allowed")
        );
    }

    #[test]
    fn esm_rejects_carry_cause() {
        let m = decode(&[0x02, 0x01, 0xd1, 0x1b]);
        assert_eq!(m.name, "PDN connectivity reject");
        assert_eq!(
            m.fields.esm_cause.map(|c| c.name),
            Some("Missing or unknown APN")
        );
    }
}
