//! A `.qmdl` and the recorder's `.pcap` export of it give the same message sequence.

use std::path::Path;

use stingwatch_decode::{decode_message, CaptureReader};
use stingwatch_model::ReadItem;
use stingwatch_testsupport::shared_captures;

/// (channel, outer name, nested NAS names) of every message, in order.
fn sequence(path: &Path) -> Vec<(String, String, Vec<String>)> {
    let reader = CaptureReader::open(path).expect("open");
    let mut out = Vec::new();
    for item in reader {
        match item {
            ReadItem::Message(m) => {
                let kind = format!("{:?}", m.kind);
                let d = decode_message(m);
                let nested = d.nas.iter().map(|n| n.name.to_string()).collect();
                out.push((kind, d.message.to_string(), nested));
            }
            ReadItem::Measurement(_) => {}
            ReadItem::Damage(d) => panic!("{}: unexpected damage {d}", path.display()),
        }
    }
    out
}

#[test]
fn qmdl_and_its_pcap_give_the_same_messages() {
    let qmdls = shared_captures("rayhunter-traces", "qmdl");
    for qmdl in &qmdls {
        let pcap = qmdl.with_extension("pcap");
        let a = sequence(qmdl);
        let b = sequence(&pcap);
        let mut diffs = 0;
        for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
            if x != y {
                diffs += 1;
                println!(
                    "{}: message {}: qmdl {x:?} pcap {y:?}",
                    qmdl.display(),
                    i + 1
                );
            }
        }
        assert_eq!(
            a.len(),
            b.len(),
            "{}: message count differs",
            qmdl.display()
        );
        assert_eq!(diffs, 0, "{}: {diffs} messages differ", qmdl.display());
        println!(
            "{}: {} messages identical to the pcap",
            qmdl.display(),
            a.len()
        );
    }
}
