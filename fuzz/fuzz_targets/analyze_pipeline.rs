//! The whole analysis path on raw bytes: format detection and `CaptureReader`, then every
//! message through `decode_message`, `EventDeriver` and `Analysis` (as `stingwatch analyze`).
//! The input is read twice, once with each message lent by the reader (`next_ref`, as
//! `stingwatch analyze` reads, the reader filling the lent message's buffers again), and both
//! reads must agree.
#![no_main]

use std::io::Cursor;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use stingwatch_decode::CaptureReader;
use stingwatch_fuzz::{check_read_items, max_items, run_pipeline};
use stingwatch_model::ReadItem;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) =
        CaptureReader::from_reader(Path::new("fuzz-input"), Cursor::new(data.to_vec()))
    else {
        return;
    };
    let mut reader = reader;
    let mut items = Vec::new();
    for item in reader.by_ref() {
        items.push(item);
        assert!(items.len() <= max_items(data.len()), "reader does not end");
    }
    check_read_items(&items, reader.summary(), data.len(), true);
    if let Ok(mut lending) =
        CaptureReader::from_reader(Path::new("fuzz-input"), Cursor::new(data.to_vec()))
    {
        let mut again = Vec::new();
        while let Some(item) = lending.next_ref() {
            again.push(item.into_owned());
            assert!(again.len() <= max_items(data.len()), "reader does not end");
        }
        assert_eq!(again, items, "reading with lent messages differs");
        assert_eq!(lending.summary(), reader.summary());
    }
    run_pipeline(items.into_iter().filter_map(|item| match item {
        ReadItem::Message(m) => Some(m),
        ReadItem::Damage(_) => None,
        ReadItem::Measurement(_) => None,
    }));
});
