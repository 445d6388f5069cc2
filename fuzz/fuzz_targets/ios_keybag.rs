//! iOS backup keybag parsing on arbitrary bytes, the emit → parse round trip of what parses,
//! and unlocking when the iteration counts are cheap enough to fuzz.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_ios_backup::Keybag;

fuzz_target!(|data: &[u8]| {
    let Ok(bag) = Keybag::parse(data) else {
        return;
    };
    let again = Keybag::parse(&bag.to_bytes()).expect("an emitted keybag parses");
    assert_eq!(again, bag, "keybag does not round trip");
    let cheap = |n: Option<u32>| n.map_or(true, |n| n <= 4);
    if cheap(bag.iterations) && cheap(bag.dp_iterations) {
        let _ = bag.unlock(b"password");
    }
});
