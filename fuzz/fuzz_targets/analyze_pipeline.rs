//! The whole analysis path on raw bytes: format detection and `CaptureReader`, then every
//! message through `decode_message`, `EventDeriver` and `Analysis` (as `stingwatch analyze`).
//! The input is read twice, once handing every payload buffer back to the reader as
//! `stingwatch analyze` does (with bytes of its own left in it), and both reads must agree.
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
    if let Ok(mut recycling) =
        CaptureReader::from_reader(Path::new("fuzz-input"), Cursor::new(data.to_vec()))
    {
        let mut again = Vec::new();
        while let Some(item) = recycling.next() {
            if let ReadItem::Message(m) = &item {
                let mut buffer = m.payload.clone();
                buffer.push(0xEE);
                recycling.recycle(buffer);
            }
            again.push(item);
            assert!(again.len() <= max_items(data.len()), "reader does not end");
        }
        assert_eq!(
            format!("{again:?}"),
            format!("{items:?}"),
            "reading with recycled buffers differs"
        );
    }
    run_pipeline(items.into_iter().filter_map(|item| match item {
        ReadItem::Message(m) => Some(m),
        ReadItem::Damage(_) => None,
        ReadItem::Measurement(_) => None,
    }));
});
