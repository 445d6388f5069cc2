//! Zero-copy view of the first octets of an EPS NAS PDU (TS 24.301 clause 9.1-9.3): protocol
//! discriminator, security header type or EPS bearer identity, and the security-protected
//! header (MAC, sequence number) when present.

use serde::Serialize;

/// Octet offsets of the header fields.
mod field {
    use std::ops::{Range, RangeFrom};
    /// Security header type (EMM) or EPS bearer identity (ESM) in bits 8-5, PD in bits 4-1.
    pub const FIRST: usize = 0;
    /// Message type of a plain EMM message.
    pub const EMM_TYPE: usize = 1;
    /// Procedure transaction identity of an ESM message.
    pub const ESM_PTI: usize = 1;
    /// Message type of an ESM message.
    pub const ESM_TYPE: usize = 2;
    /// Message authentication code of a security-protected message.
    pub const MAC: Range<usize> = 1..5;
    /// NAS sequence number of a security-protected message.
    pub const SEQUENCE: usize = 5;
    /// The protected (plain or ciphered) NAS message.
    pub const PROTECTED: RangeFrom<usize> = 6..;
    /// KSI (bits 8-6) and short sequence number (bits 5-1) of the service request format.
    pub const SR_KSI_SEQUENCE: usize = 1;
    /// Short MAC of the service request format.
    pub const SR_SHORT_MAC: std::ops::Range<usize> = 2..4;
}

/// Protocol discriminator of TS 24.007 (only EMM and ESM belong to EPS NAS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtocolDiscriminator {
    /// EPS mobility management (7).
    Emm,
    /// EPS session management (2).
    Esm,
    /// Any other value: not an EPS NAS message.
    Other(u8),
}

impl ProtocolDiscriminator {
    /// From the low four bits of the first octet.
    pub fn from_nibble(v: u8) -> ProtocolDiscriminator {
        match v & 0x0f {
            7 => ProtocolDiscriminator::Emm,
            2 => ProtocolDiscriminator::Esm,
            v => ProtocolDiscriminator::Other(v),
        }
    }
}

/// Security header type of an EMM message (TS 24.301 9.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityHeaderType {
    /// 0: plain NAS message (also used for ESM messages, whose first nibble is a bearer id).
    Plain,
    /// 1: integrity protected.
    IntegrityProtected,
    /// 2: integrity protected and ciphered.
    IntegrityProtectedCiphered,
    /// 3: integrity protected with new EPS security context.
    IntegrityProtectedNewContext,
    /// 4: integrity protected and ciphered with new EPS security context.
    IntegrityProtectedCipheredNewContext,
    /// 5: integrity protected and partially ciphered (control plane service request).
    IntegrityProtectedPartiallyCiphered,
    /// 12: security header for the SERVICE REQUEST message.
    ServiceRequest,
    /// Reserved values (6-11, and 13-15 which are read as a service request header).
    Unknown(u8),
}

impl SecurityHeaderType {
    /// From the high four bits of the first octet of an EMM message.
    pub fn from_nibble(v: u8) -> SecurityHeaderType {
        match v & 0x0f {
            0 => SecurityHeaderType::Plain,
            1 => SecurityHeaderType::IntegrityProtected,
            2 => SecurityHeaderType::IntegrityProtectedCiphered,
            3 => SecurityHeaderType::IntegrityProtectedNewContext,
            4 => SecurityHeaderType::IntegrityProtectedCipheredNewContext,
            5 => SecurityHeaderType::IntegrityProtectedPartiallyCiphered,
            12 => SecurityHeaderType::ServiceRequest,
            v => SecurityHeaderType::Unknown(v),
        }
    }

    /// The coded value.
    pub fn value(self) -> u8 {
        match self {
            SecurityHeaderType::Plain => 0,
            SecurityHeaderType::IntegrityProtected => 1,
            SecurityHeaderType::IntegrityProtectedCiphered => 2,
            SecurityHeaderType::IntegrityProtectedNewContext => 3,
            SecurityHeaderType::IntegrityProtectedCipheredNewContext => 4,
            SecurityHeaderType::IntegrityProtectedPartiallyCiphered => 5,
            SecurityHeaderType::ServiceRequest => 12,
            SecurityHeaderType::Unknown(v) => v & 0x0f,
        }
    }

    /// Whether the body after the security header is ciphered.
    pub fn is_ciphered(self) -> bool {
        matches!(
            self,
            SecurityHeaderType::IntegrityProtectedCiphered
                | SecurityHeaderType::IntegrityProtectedCipheredNewContext
                | SecurityHeaderType::IntegrityProtectedPartiallyCiphered
        )
    }

    /// Whether the message carries a MAC and sequence number followed by a NAS message.
    pub fn is_protected(self) -> bool {
        matches!(self.value(), 1..=5)
    }
}

/// Typed view over NAS PDU bytes; accessors return `None` when the PDU is too short for them.
#[derive(Debug, Clone, Copy)]
pub struct NasPdu<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> NasPdu<T> {
    /// Wrap a buffer; fails only when it is empty (every NAS PDU has a first octet).
    pub fn new_checked(buffer: T) -> Option<NasPdu<T>> {
        if buffer.as_ref().is_empty() {
            None
        } else {
            Some(NasPdu { buffer })
        }
    }

    fn octet(&self, at: usize) -> Option<u8> {
        self.buffer.as_ref().get(at).copied()
    }

    fn first(&self) -> u8 {
        self.octet(field::FIRST).unwrap_or(0)
    }

    /// Protocol discriminator.
    pub fn protocol_discriminator(&self) -> ProtocolDiscriminator {
        ProtocolDiscriminator::from_nibble(self.first())
    }

    /// Security header type (meaningful for EMM only).
    pub fn security_header_type(&self) -> SecurityHeaderType {
        SecurityHeaderType::from_nibble(self.first() >> 4)
    }

    /// EPS bearer identity (meaningful for ESM only).
    pub fn eps_bearer_identity(&self) -> u8 {
        self.first() >> 4
    }

    /// Message type of a plain EMM message.
    pub fn emm_message_type(&self) -> Option<u8> {
        self.octet(field::EMM_TYPE)
    }

    /// Procedure transaction identity of an ESM message.
    pub fn esm_procedure_transaction_identity(&self) -> Option<u8> {
        self.octet(field::ESM_PTI)
    }

    /// Message type of an ESM message.
    pub fn esm_message_type(&self) -> Option<u8> {
        self.octet(field::ESM_TYPE)
    }

    /// MAC of a security-protected message.
    pub fn mac(&self) -> Option<u32> {
        match self.buffer.as_ref().get(field::MAC)? {
            [a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => None,
        }
    }

    /// NAS sequence number of a security-protected message.
    pub fn sequence_number(&self) -> Option<u8> {
        self.octet(field::SEQUENCE)
    }

    /// The NAS message inside a security-protected message (plain or ciphered).
    pub fn protected_message(&self) -> Option<&[u8]> {
        self.buffer.as_ref().get(field::PROTECTED)
    }

    /// Key set identifier of the service request format.
    pub fn service_request_ksi(&self) -> Option<u8> {
        self.octet(field::SR_KSI_SEQUENCE).map(|b| b >> 5)
    }

    /// Short sequence number of the service request format.
    pub fn service_request_sequence_number(&self) -> Option<u8> {
        self.octet(field::SR_KSI_SEQUENCE).map(|b| b & 0x1f)
    }

    /// Short MAC of the service request format.
    pub fn service_request_short_mac(&self) -> Option<u16> {
        match self.buffer.as_ref().get(field::SR_SHORT_MAC)? {
            [a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_header_fields() {
        // Integrity protected with new context: Security mode command from a real capture.
        let b = [
            0x37, 0x04, 0x34, 0x77, 0x9f, 0x00, 0x07, 0x5d, 0x22, 0x00, 0x02, 0xf0, 0x70, 0xc1,
        ];
        let pdu = NasPdu::new_checked(&b[..]).unwrap();
        assert_eq!(pdu.protocol_discriminator(), ProtocolDiscriminator::Emm);
        assert_eq!(
            pdu.security_header_type(),
            SecurityHeaderType::IntegrityProtectedNewContext
        );
        assert_eq!(pdu.mac(), Some(0x0434779f));
        assert_eq!(pdu.sequence_number(), Some(0));
        assert_eq!(pdu.protected_message().map(|m| m.len()), Some(8));
        assert!(NasPdu::new_checked(&[][..]).is_none());
        let short = NasPdu::new_checked(&[0x27, 0x01][..]).unwrap();
        assert_eq!(short.mac(), None);
        assert_eq!(short.protected_message(), None);
    }

    #[test]
    fn service_request_header() {
        let pdu = NasPdu::new_checked(&[0xc7, 0x4a, 0x12, 0x34][..]).unwrap();
        assert_eq!(
            pdu.security_header_type(),
            SecurityHeaderType::ServiceRequest
        );
        assert_eq!(pdu.service_request_ksi(), Some(2));
        assert_eq!(pdu.service_request_sequence_number(), Some(10));
        assert_eq!(pdu.service_request_short_mac(), Some(0x1234));
    }

    #[test]
    fn header_type_values_round_trip() {
        for v in 0..16u8 {
            assert_eq!(SecurityHeaderType::from_nibble(v).value(), v);
        }
    }
}
