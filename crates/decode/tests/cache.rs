//! The caching [`Decoder`] must give exactly what the straightforward `decode_message` gives,
//! message for message, on real recordings (each read twice in a row so the second pass is
//! answered from the cache).

use stingwatch_decode::{decode_message, CaptureReader, Decoder};
use stingwatch_model::ReadItem;
use stingwatch_testsupport::shared_captures;

#[test]
fn cached_decoding_equals_full_decoding_on_real_recordings() {
    let mut paths = shared_captures("rayhunter-traces", "qmdl");
    paths.extend(shared_captures("rayhunter-traces", "pcap"));
    paths.extend(shared_captures("mobileinsight", "mi2log"));
    for path in paths {
        let mut decoder = Decoder::new();
        let mut compared = 0u64;
        for _pass in 0..2 {
            let reader = CaptureReader::open(&path).expect("opens");
            for item in reader {
                let ReadItem::Message(m) = item else { continue };
                let full = decode_message(m.clone());
                let cached = decoder.decode(m);
                assert_eq!(
                    format!("{full:?}"),
                    format!("{cached:?}"),
                    "{}: packet {}",
                    path.display(),
                    full.source.packet
                );
                compared += 1;
            }
        }
        let stats = decoder.stats();
        eprintln!(
            "{}: {compared} messages, cache {} hits / {} misses / {} uncached",
            path.display(),
            stats.hits,
            stats.misses,
            stats.uncached
        );
        assert!(stats.hits > 0 || stats.misses == 0, "{}", path.display());
    }
}
