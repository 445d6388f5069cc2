//! NR RRC OTA records (log code 0xB821) on arbitrary bytes: the view must refuse or accept
//! without panicking, an accepted record's PDU lies inside it, and emit → parse round trips.
//! The first input byte picks a channel for the round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_diag::nr::{nr_rrc_version_supported, NrRrcOta, NrRrcOtaRepr, MAX_NR_PCI};
use stingwatch_model::NrRrcChannel;

fuzz_target!(|input: &[u8]| {
    if let Ok(ota) = NrRrcOta::new_checked(input) {
        let _ = (ota.rrc_release(), ota.rrc_version(), ota.radio_bearer());
        let _ = (ota.pci(), ota.arfcn(), ota.sfn_field(), ota.pdu_number());
        assert!(nr_rrc_version_supported(ota.version()));
        assert!(ota.pdu().len() < input.len(), "PDU not inside its record");
        assert!(ota.known_pci().is_none_or(|p| p <= MAX_NR_PCI));
        if ota.known_pci().is_some() {
            assert!(ota.known_arfcn().is_some());
        }
    }
    let Some((&selector, pdu)) = input.split_first() else {
        return;
    };
    let all = NrRrcChannel::ALL;
    let channel = all[usize::from(selector) % all.len()];
    let repr = NrRrcOtaRepr {
        rrc_release: 15,
        rrc_version: 0x60,
        radio_bearer: 1,
        pci: u16::from(selector) % 1008,
        arfcn: 620_000 + u32::from(selector),
        channel,
        pdu,
    };
    let mut out = Vec::new();
    if repr.emit(&mut out).is_some() {
        let back = NrRrcOta::new_checked(&out).expect("emitted record reads back");
        assert_eq!(back.channel(), channel);
        assert_eq!(back.pdu(), pdu);
    }
});
