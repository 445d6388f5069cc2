//! The WCDMA RRC OTA record (0x412F) view and the UMTS RRC reader on arbitrary bytes: the
//! first byte picks the channel (or whole block), the rest is the PDU; a record view on the
//! whole input, with its emit → parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_diag::log::WcdmaRrcOta;
use stingwatch_model::UmtsRrcChannel;

fuzz_target!(|data: &[u8]| {
    if let Some((first, pdu)) = data.split_first() {
        if let Some(channel) = UmtsRrcChannel::from_gsmtap(first % 62) {
            if let Ok(m) = stingwatch_umts_rrc::decode(channel, pdu) {
                assert!(!m.name.is_empty());
                if let stingwatch_umts_rrc::Content::DirectTransfer { nas, .. } = &m.content {
                    assert!(!nas.is_empty() && nas.len() <= stingwatch_umts_rrc::MAX_NAS_OCTETS);
                }
                if let stingwatch_umts_rrc::Content::Paging { identities } = &m.content {
                    assert!(identities.len() <= stingwatch_umts_rrc::MAX_PAGING_RECORDS);
                }
            }
        }
    }
    if let Ok(r) = WcdmaRrcOta::new_checked(data) {
        let _ = (r.channel_type(), r.radio_bearer(), r.uarfcn(), r.psc());
        let mut body = Vec::new();
        if WcdmaRrcOta::emit(r.channel(), r.radio_bearer(), r.pdu(), &mut body).is_some() {
            let back = WcdmaRrcOta::new_checked(&body).expect("emitted record reads");
            assert_eq!(back.channel(), r.channel());
            assert_eq!(back.pdu(), r.pdu());
        }
    }
});
