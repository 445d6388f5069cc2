//! An upload body of arbitrary bytes: refused with an error or a batch that passes its own
//! validation again, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_fleet_model::UploadBatch;

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = UploadBatch::from_json(data) {
        assert!(batch.validate().is_ok());
        let again = serde_json::to_vec(&batch).expect("serialise");
        assert_eq!(UploadBatch::from_json(&again).ok().as_ref(), Some(&batch));
    }
});
