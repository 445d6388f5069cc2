//! Every message of the real pcap recordings decodes, and its name agrees with tshark's.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use stingwatch_decode::{decode_message, CaptureReader, DecodedMessage, Protocol};
use stingwatch_model::ReadItem;
use stingwatch_testsupport::{have_tool, shared_captures};

/// tshark's Info column per frame number.
fn tshark_info(path: &Path) -> BTreeMap<u64, String> {
    let out = Command::new("tshark")
        .args(["-r"])
        .arg(path)
        .args(["-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (n, info) = l.split_once('\t')?;
            Some((n.trim().parse().ok()?, info.to_string()))
        })
        .collect()
}

/// The message names tshark's Info column lists, outer first: "A, B [x]" -> ["A", "B"].
fn tshark_names(info: &str) -> Vec<String> {
    let info = info.replace("[Malformed Packet]", "");
    info.split(", ")
        .map(|part| {
            let cut = part
                .find(" [")
                .into_iter()
                .chain(part.find(" ("))
                .chain(part.find('['))
                .min()
                .unwrap_or(part.len());
            part[..cut].trim().to_string()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Our names, outer first, in the same shape as tshark's Info column.
fn our_names(m: &DecodedMessage) -> Vec<String> {
    let mut names = vec![m.message.to_string()];
    let nas_list: Vec<_> = if m.protocol == Protocol::NasEps {
        m.nas.iter().flat_map(|n| n.inner.as_deref()).collect()
    } else {
        m.nas.iter().collect()
    };
    for n in nas_list {
        names.push(n.name.to_string());
    }
    names
}

#[test]
fn message_names_agree_with_tshark_on_real_pcaps() {
    let files = shared_captures("rayhunter-traces", "pcap");
    if files.is_empty() || !have_tool("tshark") {
        return;
    }
    let (mut total, mut agree, mut undecoded) = (0usize, 0usize, 0usize);
    for file in &files {
        let info = tshark_info(file);
        let reader = CaptureReader::open(file).expect("open");
        for item in reader {
            let msg = match item {
                ReadItem::Message(m) => m,
                ReadItem::Measurement(_) => continue,
                ReadItem::Damage(d) => panic!("{}: unexpected damage {d}", file.display()),
            };
            let packet = msg.packet;
            let m = decode_message(msg);
            total += 1;
            if m.rrc.is_none() && m.nas.is_empty() {
                undecoded += 1;
                println!("{}:{packet}: not decoded: {:?}", file.display(), m.error);
            }
            let theirs = tshark_names(info.get(&packet).map(String::as_str).unwrap_or(""));
            let ours = our_names(&m);
            // tshark names the outer message first; compare the outer name and, where tshark
            // shows a nested NAS message, that too.
            let same = theirs.first() == ours.first()
                && theirs
                    .iter()
                    .skip(1)
                    .zip(ours.iter().skip(1))
                    .all(|(a, b)| a == b);
            if same {
                agree += 1;
            } else {
                println!(
                    "DISAGREE {}:{packet}: ours {:?} tshark {:?}",
                    file.display(),
                    ours,
                    theirs
                );
            }
        }
    }
    println!("{agree}/{total} agree with tshark, {undecoded} not decoded");
    assert!(
        total > 1000,
        "expected the real pcaps to hold >1000 messages, got {total}"
    );
    assert_eq!(undecoded, 0, "every message must decode");
    assert!(
        agree as f64 >= 0.995 * total as f64,
        "only {agree}/{total} message names agree with tshark"
    );
}

/// Wireshark exported-PDU captures (link type 252): every LTE RRC message decodes and its name
/// agrees with tshark's; messages of protocols not decoded here (NR RRC) are still read, each
/// as a message of its technology, never dropped.
#[test]
fn exported_pdu_captures_agree_with_tshark() {
    let files: Vec<_> = shared_captures("uecapabilityparser", "pcap")
        .into_iter()
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("exportedPdu"))
        })
        .collect();
    if files.is_empty() || !have_tool("tshark") {
        return;
    }
    let (mut lte, mut agree, mut other) = (0usize, 0usize, 0usize);
    for file in &files {
        let info = tshark_info(file);
        let reader = CaptureReader::open(file).expect("open");
        let mut packets = 0usize;
        for item in reader {
            let msg = match item {
                ReadItem::Message(m) => m,
                ReadItem::Measurement(_) => continue,
                ReadItem::Damage(d) => panic!("{}: unexpected damage {d}", file.display()),
            };
            packets += 1;
            let packet = msg.packet;
            let m = decode_message(msg);
            if m.protocol != Protocol::LteRrc {
                other += 1;
                continue;
            }
            lte += 1;
            assert!(
                m.rrc.is_some(),
                "{}:{packet}: {:?}",
                file.display(),
                m.error
            );
            let theirs = tshark_names(info.get(&packet).map(String::as_str).unwrap_or(""));
            if theirs.first().map(String::as_str) == Some(m.message.as_ref()) {
                agree += 1;
            } else {
                println!(
                    "DISAGREE {}:{packet}: ours {} tshark {theirs:?}",
                    file.display(),
                    m.message
                );
            }
        }
        assert_eq!(packets, info.len(), "{}: every packet read", file.display());
    }
    println!("{agree}/{lte} exported LTE RRC messages agree with tshark; {other} others read");
    assert!(
        lte >= 20,
        "expected the exported LTE RRC messages, got {lte}"
    );
    assert_eq!(agree, lte);
}
