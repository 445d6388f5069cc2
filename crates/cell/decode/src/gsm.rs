//! GSM Um message naming: enough of TS 44.018 (RR) and TS 24.008 (MM) to name a message.
//!
//! GSMTAP Um payloads on broadcast and common channels are a 23-byte block whose first
//! byte is the L2 pseudo length; dedicated channels carry a LAPDm header first. Only the
//! message name is read here; detailed GSM decoding is future work.

/// GSMTAP Um channel types (the GSMTAP sub-type byte) that carry no LAPDm header.
const CHANNEL_BCCH: u8 = 0x01;
const CHANNEL_CCCH: u8 = 0x02;
const CHANNEL_RACH: u8 = 0x03;
const CHANNEL_AGCH: u8 = 0x04;
const CHANNEL_PCH: u8 = 0x05;

/// Protocol discriminators (TS 24.007 §11.2.3.1.1).
const PD_CC: u8 = 0x03;
const PD_MM: u8 = 0x05;
const PD_RR: u8 = 0x06;

/// Name the GSM Um message on the given GSMTAP channel type, or say why it cannot be named.
pub fn message_name(channel_type: u8, payload: &[u8]) -> (String, Option<String>) {
    let l3 = match channel_type & 0x7f {
        CHANNEL_BCCH | CHANNEL_CCCH | CHANNEL_AGCH | CHANNEL_PCH => payload.get(1..),
        CHANNEL_RACH => return ("Channel request".to_string(), None),
        // Dedicated channels: LAPDm address, control, length octets precede layer 3.
        _ => payload.get(3..),
    };
    let Some(l3) = l3 else {
        return (
            "GSM message".to_string(),
            Some("GSM Um payload too short".to_string()),
        );
    };
    let (Some(&pd_byte), Some(&mt)) = (l3.first(), l3.get(1)) else {
        return (
            "GSM message".to_string(),
            Some("GSM Um payload too short".to_string()),
        );
    };
    let pd = pd_byte & 0x0f;
    let name = match pd {
        PD_RR => rr_name(mt),
        PD_MM => mm_name(mt & 0x3f),
        PD_CC => Some("Call control message"),
        _ => None,
    };
    match name {
        Some(n) => (n.to_string(), None),
        None => (format!("GSM PD {pd} message type {mt:#04x}"), None),
    }
}

/// RR message names by message type (TS 44.018 §10.4).
fn rr_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x00 => "System Information Type 13",
        0x02 => "System Information Type 2bis",
        0x03 => "System Information Type 2ter",
        0x05 => "System Information Type 5bis",
        0x06 => "System Information Type 5ter",
        0x07 => "System Information Type 2quater",
        0x0d => "Channel Release",
        0x15 => "Measurement Report",
        0x16 => "Classmark Change",
        0x18 => "System Information Type 8",
        0x19 => "System Information Type 1",
        0x1a => "System Information Type 2",
        0x1b => "System Information Type 3",
        0x1c => "System Information Type 4",
        0x1d => "System Information Type 5",
        0x1e => "System Information Type 6",
        0x1f => "System Information Type 7",
        0x21 => "Paging Request Type 1",
        0x22 => "Paging Request Type 2",
        0x24 => "Paging Request Type 3",
        0x27 => "Paging Response",
        0x29 => "Assignment Command",
        0x2b => "Handover Command",
        0x2e => "Assignment Complete",
        0x2c => "Handover Complete",
        0x32 => "Ciphering Mode Complete",
        0x35 => "Ciphering Mode Command",
        0x39 => "Immediate Assignment Extended",
        0x3a => "Immediate Assignment Reject",
        0x3f => "Immediate Assignment",
        0x60 => "UTRAN Classmark Change",
        _ => return None,
    })
}

/// MM message names by message type (TS 24.008 §10.4).
fn mm_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x01 => "IMSI Detach Indication",
        0x02 => "Location Updating Accept",
        0x04 => "Location Updating Reject",
        0x08 => "Location Updating Request",
        0x11 => "Authentication Reject",
        0x12 => "Authentication Request",
        0x14 => "Authentication Response",
        0x18 => "Identity Request",
        0x19 => "Identity Response",
        0x1a => "TMSI Reallocation Command",
        0x1b => "TMSI Reallocation Complete",
        0x21 => "CM Service Accept",
        0x22 => "CM Service Reject",
        0x24 => "CM Service Request",
        0x29 => "Abort",
        0x32 => "MM Information",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_system_information_type_3_on_bcch() {
        // L2 pseudo length 0x49, RR PD 0x06, type 0x1b.
        let sib3 = [0x49, 0x06, 0x1b, 0x00, 0x01];
        assert_eq!(
            message_name(CHANNEL_BCCH, &sib3).0,
            "System Information Type 3"
        );
    }

    #[test]
    fn short_payload_is_an_error_not_a_panic() {
        let (_, err) = message_name(CHANNEL_BCCH, &[0x49]);
        assert!(err.is_some());
        let (_, err) = message_name(0x07, &[]);
        assert!(err.is_some());
    }
}
