//! `PcapReader` (pcap and pcapng, detected from content) over arbitrary bytes delivered in
//! awkward reads: it ends, accounts for every byte, keeps offsets inside the input, numbers
//! packets in increasing order, and yields the same whatever the read sizes.
//!
//! Input: one configuration byte (read plan), then the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_capture::{detect_format, PcapReader};
use stingwatch_fuzz::{
    check_packet_numbers, check_read_items, max_items, ReadPlan, StutteringReader,
};
use stingwatch_model::{ReadItem, ReadSummary};

fn read_all(data: &[u8], plan: ReadPlan) -> Option<(Vec<ReadItem>, ReadSummary)> {
    let mut reader = PcapReader::new(StutteringReader::new(data.to_vec(), plan)).ok()?;
    let mut items = Vec::new();
    for item in reader.by_ref() {
        items.push(item);
        assert!(items.len() <= max_items(data.len()), "reader does not end");
    }
    Some((items, reader.summary().clone()))
}

fuzz_target!(|input: &[u8]| {
    let Some((&config, data)) = input.split_first() else {
        return;
    };
    let detected = detect_format(data);
    let plan = ReadPlan::from_byte(config);
    let Some((items, summary)) = read_all(data, plan) else {
        if !plan.fail_midway && !plan.interrupt && data.len() >= 4 {
            assert!(detected.is_none(), "a detected format failed to open");
        }
        return;
    };
    check_read_items(&items, &summary, data.len(), !plan.fail_midway);
    check_packet_numbers(&items, false);
    if !plan.fail_midway && plan != ReadPlan::PLAIN {
        if let Some((plain, plain_summary)) = read_all(data, ReadPlan::PLAIN) {
            assert_eq!(items, plain, "items depend on read sizes");
            assert_eq!(summary, plain_summary, "summary depends on read sizes");
        }
    }
});
