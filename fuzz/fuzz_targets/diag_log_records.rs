//! DIAG log packet and record views on arbitrary bytes: `DiagLogPacket` (command 0x10), the
//! LTE RRC OTA record (0xB0C0, every version) and the LTE NAS OTA record (0xB0E0-0xB0ED),
//! both inside a checked log packet and directly on the input; plus emit → parse round trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_diag::log::{
    self, DiagLogPacket, LteNasOta, LteRrcOta, LteRrcOtaRepr, LOG_LTE_RRC_OTA,
};
use stingwatch_diag::looks_like_qmdl;
use stingwatch_fuzz::rrc_channel;

fn read_rrc(body: &[u8]) {
    let Ok(ota) = LteRrcOta::new_checked(body) else {
        return;
    };
    let _ = (
        ota.version(),
        ota.rrc_release(),
        ota.rrc_version(),
        ota.nr_rrc_release(),
    );
    let _ = (
        ota.radio_bearer(),
        ota.pci(),
        ota.earfcn(),
        ota.sfn(),
        ota.subframe(),
    );
    let _ = (
        ota.pdu_number(),
        ota.sib_mask(),
        ota.segment(),
        ota.channel(),
    );
    assert!(
        ota.pdu().len() <= body.len(),
        "RRC PDU longer than its record"
    );
    assert!(log::lte_rrc_version_supported(ota.version()));
}

fn read_nas(body: &[u8]) {
    let Ok(ota) = LteNasOta::new_checked(body) else {
        return;
    };
    let _ = (ota.version(), ota.rrc_release(), ota.std_version());
    assert!(
        ota.pdu().len() + 4 == body.len(),
        "NAS PDU is not the record after its header"
    );
}

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_qmdl(data);
    if let Ok(packet) = DiagLogPacket::new_checked(data) {
        let code = packet.log_code();
        let _ = (packet.timestamp_raw(), packet.time().to_rfc3339());
        let body = packet.body();
        assert!(
            body.len() + 16 == data.len(),
            "log body is not the packet after its header"
        );
        if code == LOG_LTE_RRC_OTA {
            read_rrc(body);
        } else if log::is_lte_nas_log_code(code) {
            let _ = log::lte_nas_direction(code);
            read_nas(body);
        }
        // A checked packet re-emits to the same bytes.
        let mut again = Vec::new();
        if DiagLogPacket::emit(code, packet.timestamp_raw(), body, &mut again).is_some() {
            // Byte 0 (command) is not checked by the view and byte 1 is written as 0.
            assert_eq!(again.get(2..), data.get(2..), "log packet does not re-emit");
        }
    }
    let _ = DiagLogPacket::plausible(data, data.len());
    read_rrc(data);
    read_nas(data);
    let _ = log::lte_nas_log_code_for(data, data.first().is_some_and(|b| b & 1 == 1));
    if let [version, pdu_number, ..] = data {
        let _ = log::lte_rrc_channel(*version, *pdu_number);
    }

    // Emit → parse: a written record (version 20) reads back field for field.
    if data.len() >= 12 {
        let (head, pdu) = data.split_at(12);
        let field = |i: usize| head.get(i).copied().unwrap_or(0);
        let repr = LteRrcOtaRepr {
            rrc_release: field(0),
            rrc_version: field(1),
            radio_bearer: field(2),
            pci: u16::from_le_bytes([field(3), field(4)]),
            earfcn: u32::from_le_bytes([field(5), field(6), field(7), field(8)]),
            sfn: u16::from_le_bytes([field(9), field(10)]) & 0x0fff,
            subframe: field(11) & 0x0f,
            channel: rrc_channel(field(11) >> 4),
            pdu,
        };
        let mut body = Vec::new();
        if repr.emit(&mut body).is_some() {
            let ota = LteRrcOta::new_checked(&body).expect("a written record reads back");
            assert_eq!(ota.pdu(), pdu);
            assert_eq!(ota.channel(), repr.channel);
            assert_eq!((ota.pci(), ota.earfcn()), (repr.pci, repr.earfcn));
            assert_eq!((ota.sfn(), ota.subframe()), (repr.sfn, repr.subframe));
        }
    }
});
