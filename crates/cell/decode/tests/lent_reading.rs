//! Reading with the message lent (`CaptureReader::next_ref`, the path `analyze` takes) gives
//! every real recording's items exactly as the iterator does, DIAG and pcap alike.

use stingwatch_decode::CaptureReader;
use stingwatch_model::ReadItem;
use stingwatch_testsupport::{shared_captures, shared_recordings};

#[test]
fn lent_items_equal_iterated_items_on_every_real_recording() {
    let mut paths = shared_recordings();
    paths.extend(shared_captures("mobileinsight-nr", "mi2log"));
    let mut messages = 0usize;
    for path in &paths {
        let iterated: Vec<ReadItem> = CaptureReader::open(path).expect("open").collect();
        let mut reader = CaptureReader::open(path).expect("open");
        let mut lent = Vec::with_capacity(iterated.len());
        while let Some(item) = reader.next_ref() {
            lent.push(item.into_owned());
        }
        assert_eq!(lent.len(), iterated.len(), "{}", path.display());
        for (i, (a, b)) in lent.iter().zip(&iterated).enumerate() {
            assert_eq!(a, b, "{} item {i}", path.display());
        }
        messages += lent
            .iter()
            .filter(|i| matches!(i, ReadItem::Message(_)))
            .count();
    }
    println!("{} recordings, {messages} messages", paths.len());
    if !paths.is_empty() {
        assert!(messages > 10_000, "only {messages} messages read");
    }
}
