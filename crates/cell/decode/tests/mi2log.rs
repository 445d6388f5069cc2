//! Phone recordings from commercial networks (older 0xB0C0 versions, dozens of other log
//! codes): read without panic, every LTE RRC / NAS and GSM record decoded or listed with its
//! reason, and a per-file summary of log codes.

use stingwatch_decode::{decode_message, CaptureReader};
use stingwatch_model::ReadItem;
use stingwatch_testsupport::shared_captures;

#[test]
fn mobileinsight_recordings_decode() {
    let files = shared_captures("mobileinsight", "mi2log");
    for file in &files {
        let mut reader = CaptureReader::open(file).expect("open");
        let (mut messages, mut failed, mut damage) = (0u64, 0u64, 0u64);
        for item in reader.by_ref() {
            match item {
                ReadItem::Message(m) => {
                    messages += 1;
                    let packet = m.packet;
                    let d = decode_message(m);
                    // A message whose outer layer did not decode counts as failed; a nested
                    // NAS message cut short in an optional IE is listed with its reason.
                    let gsm_failed = !matches!(d.gsm.as_deref(), Some(g) if g.error.is_none());
                    if d.rrc.is_none() && d.nas.is_empty() && gsm_failed {
                        failed += 1;
                    }
                    if let Some(e) = &d.error {
                        println!(
                            "{}:{packet}: {} not fully decoded: {e}",
                            file.display(),
                            d.message
                        );
                    }
                }
                ReadItem::Measurement(_) => {}
                ReadItem::Damage(d) => {
                    damage += 1;
                    println!("{}: damaged region {d}", file.display());
                }
            }
        }
        let codes = reader.log_codes().expect("DIAG input has log codes");
        let list: Vec<String> = codes.iter().map(|(c, n)| format!("{c:#06X}:{n}")).collect();
        println!(
            "{}: {messages} LTE RRC/NAS and GSM messages, {failed} not fully decoded, {damage} damaged regions; {} log codes: {}",
            file.display(),
            codes.len(),
            list.join(" ")
        );
        assert!(
            messages > 0,
            "{}: no LTE RRC/NAS message read",
            file.display()
        );
        assert!(
            codes.len() > 3,
            "{}: log code summary too small",
            file.display()
        );
        assert!(
            failed * 100 <= messages,
            "{}: {failed} of {messages} messages not decoded",
            file.display()
        );
    }
}
