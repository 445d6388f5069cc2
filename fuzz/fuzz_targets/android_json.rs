//! The acquisition's JSON listings (`packages.json`, `files.json`, `processes.json`), read
//! as arrays or JSON lines, on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_android::{packages, procfiles};
use stingwatch_phone_model::CollectingSink;

fuzz_target!(|data: &[u8]| {
    let mut sink = CollectingSink::default();
    packages::read_packages_json("packages.json", data, &mut sink);
    procfiles::read_files_json("files.json", data, &mut sink);
    procfiles::read_processes_json("processes.json", data, &mut sink);
    assert!(sink.records.iter().all(|r| !r.observables.is_empty()));
});
