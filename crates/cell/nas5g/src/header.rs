//! The 5GS NAS header, read by hand: the extended protocol discriminator, the security header
//! type and the message type (TS 24.501 §9.1-9.7).
//!
//! These are the first two to seven octets and need no library; reading them here means that a
//! message whose body the decoder refuses still has its name, direction and protection (and
//! that a ciphered message, whose body nobody can read, has them too).

use serde::Serialize;
use stingwatch_model::Direction;

/// Extended protocol discriminator of 5GS mobility management (TS 24.007 §11.2.3.1.1A).
pub const EPD_5GMM: u8 = 0x7e;
/// Extended protocol discriminator of 5GS session management.
pub const EPD_5GSM: u8 = 0x2e;
/// Octets of the security-protected header: EPD, security header type, MAC (4), sequence
/// number (TS 24.501 §9.1.1).
pub const PROTECTED_HEADER_LEN: usize = 7;

/// Which protocol a PDU belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Nas5gProtocol {
    /// 5GS mobility management (registration, authentication, security mode, ...).
    #[serde(rename = "5gmm")]
    Mm,
    /// 5GS session management (PDU sessions).
    #[serde(rename = "5gsm")]
    Sm,
}

/// Security header type (TS 24.501 §9.3.1), in the 5GMM header's second octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecurityHeaderType {
    /// Plain NAS message, not security protected.
    Plain,
    /// Integrity protected.
    Integrity,
    /// Integrity protected and ciphered.
    IntegrityCiphered,
    /// Integrity protected with new 5G NAS security context (a Security Mode Command).
    IntegrityNewContext,
    /// Integrity protected and ciphered with new 5G NAS security context (a Security Mode
    /// Complete).
    IntegrityCipheredNewContext,
    /// A value TS 24.501 does not define (5-15), kept as sent.
    Reserved(u8),
}

impl SecurityHeaderType {
    /// Security header type of the low four bits of `octet`.
    pub fn of(octet: u8) -> Self {
        match octet & 0x0f {
            0 => SecurityHeaderType::Plain,
            1 => SecurityHeaderType::Integrity,
            2 => SecurityHeaderType::IntegrityCiphered,
            3 => SecurityHeaderType::IntegrityNewContext,
            4 => SecurityHeaderType::IntegrityCipheredNewContext,
            v => SecurityHeaderType::Reserved(v),
        }
    }

    /// The value on the wire.
    pub fn value(self) -> u8 {
        match self {
            SecurityHeaderType::Plain => 0,
            SecurityHeaderType::Integrity => 1,
            SecurityHeaderType::IntegrityCiphered => 2,
            SecurityHeaderType::IntegrityNewContext => 3,
            SecurityHeaderType::IntegrityCipheredNewContext => 4,
            SecurityHeaderType::Reserved(v) => v,
        }
    }

    /// True when the message after the security header is ciphered.
    pub fn is_ciphered(self) -> bool {
        matches!(
            self,
            SecurityHeaderType::IntegrityCiphered | SecurityHeaderType::IntegrityCipheredNewContext
        )
    }

    /// True when a security header (MAC and sequence number) precedes the message.
    pub fn is_protected(self) -> bool {
        !matches!(self, SecurityHeaderType::Plain)
    }
}

/// Name of a 5GMM message type as Wireshark's `nas-5gs` dissector names it; `None` for a value
/// TS 24.501 §9.7 table 9.7.1 does not assign.
pub fn mm_message_name(message_type: u8) -> Option<&'static str> {
    Some(match message_type {
        0x41 => "Registration request",
        0x42 => "Registration accept",
        0x43 => "Registration complete",
        0x44 => "Registration reject",
        0x45 => "Deregistration request (UE originating)",
        0x46 => "Deregistration accept (UE originating)",
        0x47 => "Deregistration request (UE terminated)",
        0x48 => "Deregistration accept (UE terminated)",
        0x4c => "Service request",
        0x4d => "Service reject",
        0x4e => "Service accept",
        0x4f => "Control plane service request",
        0x50 => "Network slice-specific authentication command",
        0x51 => "Network slice-specific authentication complete",
        0x52 => "Network slice-specific authentication result",
        0x54 => "Configuration update command",
        0x55 => "Configuration update complete",
        0x56 => "Authentication request",
        0x57 => "Authentication response",
        0x58 => "Authentication reject",
        0x59 => "Authentication failure",
        0x5a => "Authentication result",
        0x5b => "Identity request",
        0x5c => "Identity response",
        0x5d => "Security mode command",
        0x5e => "Security mode complete",
        0x5f => "Security mode reject",
        0x64 => "5GMM status",
        0x65 => "Notification",
        0x66 => "Notification response",
        0x67 => "UL NAS transport",
        0x68 => "DL NAS transport",
        0x69 => "Relay key request",
        0x6a => "Relay key accept",
        0x6b => "Relay key reject",
        0x6c => "Relay authentication request",
        0x6d => "Relay authentication response",
        _ => return None,
    })
}

/// Name of a 5GSM message type as Wireshark names it; `None` for an unassigned value.
pub fn sm_message_name(message_type: u8) -> Option<&'static str> {
    Some(match message_type {
        0xc1 => "PDU session establishment request",
        0xc2 => "PDU session establishment accept",
        0xc3 => "PDU session establishment reject",
        0xc5 => "PDU session authentication command",
        0xc6 => "PDU session authentication complete",
        0xc7 => "PDU session authentication result",
        0xc9 => "PDU session modification request",
        0xca => "PDU session modification reject",
        0xcb => "PDU session modification command",
        0xcc => "PDU session modification complete",
        0xcd => "PDU session modification command reject",
        0xd1 => "PDU session release request",
        0xd2 => "PDU session release reject",
        0xd3 => "PDU session release command",
        0xd4 => "PDU session release complete",
        0xd6 => "5GSM status",
        _ => return None,
    })
}

/// Direction a 5GMM message type travels in (TS 24.501 §8.2): every 5GMM message but 5GMM
/// STATUS goes one way only.
pub fn mm_direction(message_type: u8) -> Direction {
    match message_type {
        0x41 | 0x43 | 0x45 | 0x48 | 0x4c | 0x4f | 0x51 | 0x55 | 0x57 | 0x59 | 0x5c | 0x5e
        | 0x5f | 0x66 | 0x67 | 0x69 | 0x6d => Direction::Uplink,
        0x42 | 0x44 | 0x46 | 0x47 | 0x4d | 0x4e | 0x50 | 0x52 | 0x54 | 0x56 | 0x58 | 0x5a
        | 0x5b | 0x5d | 0x65 | 0x68 | 0x6a | 0x6b | 0x6c => Direction::Downlink,
        _ => Direction::Unknown,
    }
}

/// Direction a 5GSM message type travels in (TS 24.501 §8.3).
pub fn sm_direction(message_type: u8) -> Direction {
    match message_type {
        0xc1 | 0xc6 | 0xc9 | 0xcc | 0xcd | 0xd1 | 0xd4 => Direction::Uplink,
        0xc2 | 0xc3 | 0xc5 | 0xc7 | 0xca | 0xcb | 0xd2 | 0xd3 => Direction::Downlink,
        _ => Direction::Unknown,
    }
}

/// What the header says, before the body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Protocol of the plain message (of the outer header when the message is ciphered).
    pub protocol: Nas5gProtocol,
    /// Security header type of the outer header (always plain for 5GSM).
    pub security: SecurityHeaderType,
    /// Message type of the plain message, `None` when ciphered or cut short.
    pub message_type: Option<u8>,
    /// Offset of the plain message in the PDU (0 or [`PROTECTED_HEADER_LEN`]).
    pub plain_at: usize,
}

/// Why the header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// No octets.
    #[error("empty 5GS NAS PDU")]
    Empty,
    /// The first octet is not a 5GS extended protocol discriminator.
    #[error("extended protocol discriminator {0:#04x} is neither 5GMM (0x7e) nor 5GSM (0x2e)")]
    UnknownEpd(u8),
    /// Fewer octets than the header needs.
    #[error("5GS NAS header cut short: {needed} octets needed, {present} present")]
    Truncated {
        /// Octets needed.
        needed: usize,
        /// Octets present.
        present: usize,
    },
}

/// Read the header of `pdu`.
pub(crate) fn read_header(pdu: &[u8]) -> Result<Header, HeaderError> {
    let epd = *pdu.first().ok_or(HeaderError::Empty)?;
    let short = |needed: usize| HeaderError::Truncated {
        needed,
        present: pdu.len(),
    };
    match epd {
        EPD_5GSM => {
            // EPD, PDU session identity, procedure transaction identity, message type.
            let mt = *pdu.get(3).ok_or_else(|| short(4))?;
            Ok(Header {
                protocol: Nas5gProtocol::Sm,
                security: SecurityHeaderType::Plain,
                message_type: Some(mt),
                plain_at: 0,
            })
        }
        EPD_5GMM => {
            let security = SecurityHeaderType::of(*pdu.get(1).ok_or_else(|| short(2))?);
            if !security.is_protected() {
                let mt = *pdu.get(2).ok_or_else(|| short(3))?;
                return Ok(Header {
                    protocol: Nas5gProtocol::Mm,
                    security,
                    message_type: Some(mt),
                    plain_at: 0,
                });
            }
            if pdu.len() < PROTECTED_HEADER_LEN {
                return Err(short(PROTECTED_HEADER_LEN));
            }
            if security.is_ciphered() {
                return Ok(Header {
                    protocol: Nas5gProtocol::Mm,
                    security,
                    message_type: None,
                    plain_at: PROTECTED_HEADER_LEN,
                });
            }
            // Integrity protected only: a plain message follows, 5GMM or (TS 24.501 §9.1.1
            // allows only 5GMM inside, but a peer may get it wrong) 5GSM.
            let inner = pdu.get(PROTECTED_HEADER_LEN..).unwrap_or(&[]);
            let (protocol, mt) = match inner.first() {
                Some(&EPD_5GSM) => (Nas5gProtocol::Sm, inner.get(3).copied()),
                _ => (Nas5gProtocol::Mm, inner.get(2).copied()),
            };
            Ok(Header {
                protocol,
                security,
                message_type: mt,
                plain_at: PROTECTED_HEADER_LEN,
            })
        }
        other => Err(HeaderError::UnknownEpd(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_type_has_a_direction_except_status() {
        for mt in 0..=255u8 {
            if mm_message_name(mt).is_some() {
                assert_eq!(
                    mm_direction(mt) == Direction::Unknown,
                    mt == 0x64,
                    "{mt:#x}"
                );
            }
            if sm_message_name(mt).is_some() {
                assert_eq!(
                    sm_direction(mt) == Direction::Unknown,
                    mt == 0xd6,
                    "{mt:#x}"
                );
            }
        }
    }

    #[test]
    fn headers_of_each_shape() {
        let plain = read_header(&[0x7e, 0x00, 0x5b, 0x01]).unwrap();
        assert_eq!(plain.message_type, Some(0x5b));
        assert_eq!(plain.security, SecurityHeaderType::Plain);
        let ciphered = read_header(&[0x7e, 0x02, 1, 2, 3, 4, 5, 0xaa]).unwrap();
        assert_eq!(ciphered.message_type, None);
        assert!(ciphered.security.is_ciphered());
        let integrity = read_header(&[0x7e, 0x03, 1, 2, 3, 4, 0, 0x7e, 0x00, 0x5d]).unwrap();
        assert_eq!(integrity.message_type, Some(0x5d));
        assert_eq!(integrity.plain_at, PROTECTED_HEADER_LEN);
        let sm = read_header(&[0x2e, 0x05, 0x01, 0xd4]).unwrap();
        assert_eq!(
            (sm.protocol, sm.message_type),
            (Nas5gProtocol::Sm, Some(0xd4))
        );
        assert_eq!(read_header(&[]), Err(HeaderError::Empty));
        assert_eq!(read_header(&[0x07, 0x41]), Err(HeaderError::UnknownEpd(7)));
        assert!(matches!(
            read_header(&[0x7e, 0x01, 0]),
            Err(HeaderError::Truncated { needed: 7, .. })
        ));
    }
}
