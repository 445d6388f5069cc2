//! System properties (`getprop`), settings files (`name=value`) and the settings dumpsys
//! section, on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_android::props;
use stingwatch_phone_model::CollectingSink;

fuzz_target!(|data: &[u8]| {
    let mut sink = CollectingSink::default();
    props::read_getprop("getprop.txt", data, 0, &mut sink);
    let properties = sink.records.len();
    assert!(properties <= props::MAX_PROPERTIES);
    props::read_settings_file("settings_global.txt", "global", data, &mut sink);
    props::read_dumpsys_settings("settings", data, 0, &mut sink);
    // Every signal cites the record that shows it.
    assert!(sink.signals.iter().all(|s| !s.record.summary.is_empty()));
});
