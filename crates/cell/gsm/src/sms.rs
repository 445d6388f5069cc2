//! Short messages on the control plane: the CP layer (TS 24.011 7.2), the RP layer (TS
//! 24.011 7.3) and the TPDU header (TS 23.040 9.2.2) of a message delivered to the phone.
//! Only what tells a silent or flash message from an ordinary one is read; the text is not.

use serde::Serialize;
use stingwatch_nas::reader::Reader;

use crate::GsmFields;

/// Longest TP-OA address in digits (TS 23.040 9.1.2.5: at most 20 semi-octets).
const MAX_ADDRESS_DIGITS: usize = 20;

/// CP message names (TS 24.011 8.1.3).
pub(crate) fn cp_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x01 => "CP-DATA",
        0x04 => "CP-ACK",
        0x10 => "CP-ERROR",
        _ => return None,
    })
}

/// What the headers of a short message say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SmsInfo {
    /// RP message type indicator (TS 24.011 8.2.2): 0 RP-DATA from the phone, 1 RP-DATA to
    /// the phone, 2/3 RP-ACK, 4/5 RP-ERROR, 6 RP-SMMA.
    pub rp_type: u8,
    /// TP message type indicator of the TPDU, when RP-DATA carries one (0 in SMS-DELIVER).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_type: Option<u8>,
    /// TP-PID of an SMS-DELIVER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_pid: Option<u8>,
    /// TP-DCS of an SMS-DELIVER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_dcs: Option<u8>,
}

impl SmsInfo {
    /// A network-to-phone SMS-DELIVER (RP-DATA downlink with TP-MTI 0).
    pub fn is_deliver(&self) -> bool {
        self.rp_type == 1 && self.tp_type == Some(0)
    }

    /// "Short Message Type 0" (TP-PID 0x40): the phone acknowledges it and shows nothing.
    pub fn is_silent(&self) -> bool {
        self.is_deliver() && self.tp_pid == Some(0x40)
    }

    /// Message class 0 ("flash"): shown at once, not stored (TS 23.038 4).
    pub fn is_class0(&self) -> bool {
        let Some(dcs) = self.tp_dcs.filter(|_| self.is_deliver()) else {
            return false;
        };
        match dcs >> 4 {
            // General data coding (00xx) and automatic deletion (01xx): class given when
            // bit 4 is set.
            0x0..=0x7 => dcs & 0x10 != 0 && dcs & 0x03 == 0,
            // Data coding / message class group.
            0xf => dcs & 0x03 == 0,
            _ => false,
        }
    }
}

/// Read a CP message; CP-DATA carries an RP message whose RP-DATA may carry a TPDU.
pub(crate) fn decode_cp(mt: u8, r: &mut Reader<'_>, f: &mut GsmFields) -> Result<(), String> {
    if mt != 0x01 {
        return Ok(());
    }
    let rpdu = r.lv().map_err(|e| format!("CP-User data: {e}"))?;
    let mut rp = Reader::new(rpdu);
    let rp_type = rp.u8().map_err(|e| format!("RP message type: {e}"))? & 0x07;
    let mut info = SmsInfo {
        rp_type,
        tp_type: None,
        tp_pid: None,
        tp_dcs: None,
    };
    let outcome = read_rp_data(&mut rp, &mut info);
    f.sms = Some(info);
    outcome
}

fn read_rp_data(rp: &mut Reader<'_>, info: &mut SmsInfo) -> Result<(), String> {
    if info.rp_type > 1 {
        return Ok(());
    }
    rp.u8().map_err(|e| format!("RP message reference: {e}"))?;
    rp.lv().map_err(|e| format!("RP originator address: {e}"))?;
    rp.lv()
        .map_err(|e| format!("RP destination address: {e}"))?;
    let tpdu = rp.lv().map_err(|e| format!("RP user data: {e}"))?;
    let mut tp = Reader::new(tpdu);
    let first = tp.u8().map_err(|e| format!("TPDU: {e}"))?;
    let tp_type = first & 0x03;
    info.tp_type = Some(tp_type);
    // SMS-DELIVER travels network to phone only.
    if info.rp_type != 1 || tp_type != 0 {
        return Ok(());
    }
    // TP-OA: length in digits, type of address, then the digits two per octet.
    let digits = usize::from(tp.u8().map_err(|e| format!("TP-OA: {e}"))?);
    if digits > MAX_ADDRESS_DIGITS {
        return Err(format!(
            "TP-OA of {digits} digits (at most {MAX_ADDRESS_DIGITS})"
        ));
    }
    tp.u8().map_err(|e| format!("TP-OA type: {e}"))?;
    tp.take(digits.div_ceil(2))
        .map_err(|e| format!("TP-OA: {e}"))?;
    info.tp_pid = Some(tp.u8().map_err(|e| format!("TP-PID: {e}"))?);
    info.tp_dcs = Some(tp.u8().map_err(|e| format!("TP-DCS: {e}"))?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::build::sms_deliver;
    use crate::decode_l3;

    #[test]
    fn silent_and_flash_messages_are_told_apart() {
        let silent = decode_l3(&sms_deliver(0x40, 0x00, "4915112345678"));
        let s = silent.fields.sms.unwrap();
        assert!(s.is_silent() && !s.is_class0());
        let flash = decode_l3(&sms_deliver(0x00, 0x10, "4915112345678"));
        let f = flash.fields.sms.unwrap();
        assert!(f.is_class0() && !f.is_silent());
        let plain = decode_l3(&sms_deliver(0x00, 0x00, "4915112345678"));
        let p = plain.fields.sms.unwrap();
        assert!(!p.is_class0() && !p.is_silent() && p.is_deliver());
        // Class given in the 0xF_ group.
        let f2 = decode_l3(&sms_deliver(0x00, 0xf0, "123"))
            .fields
            .sms
            .unwrap();
        assert!(f2.is_class0());
    }

    #[test]
    fn a_truncated_tpdu_keeps_what_was_read() {
        let mut pdu = sms_deliver(0x40, 0x00, "4915112345678");
        pdu.truncate(pdu.len() - 12);
        let m = decode_l3(&pdu);
        assert!(m.error.is_some());
    }
}
