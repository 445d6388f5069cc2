//! Dumpstate and dumpsys text: command sections, `DUMP OF SERVICE` sections and every service
//! reader (packages, receivers, accessibility, device admins, app ops, battery history, adb
//! keys, databases, settings), on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_android::text::MAX_LINE_BYTES;
use stingwatch_phone_model::CollectingSink;

fuzz_target!(|data: &[u8]| {
    let mut sink = CollectingSink::default();
    stingwatch_android::read_dumpstate("fuzz", data, &mut sink);
    for r in &sink.records {
        // Every value comes from one line (a property value may join a few).
        assert!(r
            .observables
            .iter()
            .all(|o| o.value.len() <= 64 * MAX_LINE_BYTES + 64));
    }
});
