//! `QmdlReader` over arbitrary bytes delivered in awkward reads: it ends, accounts for every
//! byte, keeps offsets inside the input and numbers messages 1, 2, 3 ..., and what it yields
//! does not depend on how the input was split into reads.
//!
//! Input: one configuration byte (read plan), then the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_diag::{looks_like_qmdl, QmdlReader};
use stingwatch_fuzz::{
    check_packet_numbers, check_read_items, max_items, ReadPlan, StutteringReader,
};
use stingwatch_model::ReadItem;

fn read_all(data: &[u8], plan: ReadPlan) -> (Vec<ReadItem>, stingwatch_model::ReadSummary) {
    let mut reader = QmdlReader::new(StutteringReader::new(data.to_vec(), plan));
    let mut items = Vec::new();
    for item in reader.by_ref() {
        items.push(item);
        assert!(items.len() <= max_items(data.len()), "reader does not end");
    }
    (items, reader.summary().clone())
}

fuzz_target!(|input: &[u8]| {
    let Some((&config, data)) = input.split_first() else {
        return;
    };
    let _ = looks_like_qmdl(data);
    let plan = ReadPlan::from_byte(config);
    let (items, summary) = read_all(data, plan);
    check_read_items(&items, &summary, data.len(), !plan.fail_midway);
    check_packet_numbers(&items, true);
    if !plan.fail_midway && plan != ReadPlan::PLAIN {
        let (plain, plain_summary) = read_all(data, ReadPlan::PLAIN);
        assert_eq!(items, plain, "items depend on read sizes");
        assert_eq!(summary, plain_summary, "summary depends on read sizes");
    }
});
