//! The archived `MBFile` record of a `Manifest.db` row on arbitrary bytes; what parses is
//! emitted and parsed again, and that normalised record is a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_ios_backup::MbFile;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = MbFile::parse(data) else {
        return;
    };
    let normal = MbFile::parse(&file.to_blob()).expect("an emitted record parses");
    let again = MbFile::parse(&normal.to_blob()).expect("an emitted record parses");
    assert_eq!(
        again, normal,
        "MBFile record is not a fixed point after one emit"
    );
});
