//! 5GS NAS decoding of arbitrary bytes (the stingwatch-nas5g adapter over oxirush-nas), JSON
//! serialization of the summary as `stingwatch decode --format ndjson` does, and the 5GS NAS
//! OTA DIAG record (0xB800-0xB814) read from the same bytes with an emit → parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_diag::log::{nr_nas_log_code_for, NrNasOta, NR_NAS_HEADER_LEN};
use stingwatch_nas5g::{decode, MAX_PDU_LEN};

fuzz_target!(|data: &[u8]| {
    let message = decode(data);
    assert!(!message.name.is_empty(), "5GS NAS message without a name");
    assert!(
        serde_json::to_vec(&message).is_ok(),
        "5GS NAS message does not serialize"
    );
    if data.len() > MAX_PDU_LEN {
        assert!(message.error.is_some(), "over-long PDU decoded");
    }
    if let Ok(record) = NrNasOta::new_checked(data) {
        assert_eq!(record.pdu().len() + NR_NAS_HEADER_LEN, data.len());
        let mut again = Vec::new();
        NrNasOta::emit(record.std_version(), record.pdu(), &mut again);
        assert_eq!(again, data, "5GS NAS record does not round-trip");
        let _ = decode(record.pdu());
    }
    let code = nr_nas_log_code_for(data, data.len() % 2 == 0);
    assert!((0xB800..=0xB80B).contains(&code));
});
