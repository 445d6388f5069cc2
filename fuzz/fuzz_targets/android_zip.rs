//! Zip member reading under the limits (names, ratio, sizes, salvage of damaged zips, nested
//! bugreports), then the androidqf and bugreport readers over whatever members were readable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_android::archive::{
    unsafe_name_reason, Archive, MAX_COMPRESSION_RATIO, RATIO_ALLOWANCE_BYTES,
};
use stingwatch_android::{read_androidqf_archive, read_bugreport_archive};
use stingwatch_phone_model::CollectingSink;

fuzz_target!(|data: &[u8]| {
    let mut sink = CollectingSink::default();
    if let Some(mut archive) = Archive::from_zip_bytes("fuzz.zip", data.to_vec(), &mut sink) {
        assert!(archive.names().all(|n| unsafe_name_reason(n).is_none()));
        read_androidqf_archive(&mut archive, &mut sink);
        // Nothing read expands past the ratio bound of the whole input (nesting included).
        let bound =
            (data.len() as u64 + 1) * MAX_COMPRESSION_RATIO * 4 + RATIO_ALLOWANCE_BYTES * 16;
        assert!(
            archive.bytes_read() <= bound,
            "{} bytes read",
            archive.bytes_read()
        );
    }
    let mut sink = CollectingSink::default();
    if let Some(mut archive) = Archive::from_zip_bytes("fuzz.zip", data.to_vec(), &mut sink) {
        read_bugreport_archive(&mut archive, &mut sink);
    }
});
