//! NR RRC against tshark: every NR RRC message of the real recordings is written with the
//! project's own pcapng writer (exported PDU, the dissector-name tag naming the NR RRC type),
//! stock tshark decodes the file, and its message name and the fields detection reads must
//! agree with ours. Sets: the 0xB821 records of ../shared/captures/mobileinsight-nr and the
//! NR packets of ../shared/captures/uecapabilityparser's exported-PDU captures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use stingwatch_capture::PcapngWriter;
use stingwatch_decode::{decode_message, CaptureReader, DecodedMessage, Protocol};
use stingwatch_model::{PayloadKind, RadioMessage, ReadItem};
use stingwatch_testsupport::{have_tool, in_ci, shared_captures};

/// What tshark shows of one NR RRC frame.
#[derive(Debug, Default)]
struct Theirs {
    name: Option<String>,
    malformed: bool,
    sfn_msb: Option<u8>,
    barred: Option<bool>,
    rats: Vec<String>,
    secondary_cell_group: bool,
    sync_pci: Option<u16>,
    cipher: Option<u8>,
    integrity: Option<u8>,
    redirect: Option<String>,
}

/// The value inside the last parentheses of `s` ("nea2 (2)" -> 2).
fn paren_number(s: &str) -> Option<u8> {
    let open = s.rfind('(')?;
    s.get(open + 1..)?.trim_end_matches(')').parse().ok()
}

/// One field's value: `label: value` with the label's indentation stripped.
fn field<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.trim_start().strip_prefix(label)?.strip_prefix(": ")
}

fn parse_frame(lines: &[&str]) -> Theirs {
    let mut t = Theirs::default();
    let mut in_nr = false;
    let mut after_sync = false;
    for (i, line) in lines.iter().enumerate() {
        if line.contains("Malformed Packet") || line.contains("Expert Info (Error") {
            t.malformed = true;
        }
        if line.starts_with("NR Radio Resource Control") {
            in_nr = true;
            // Containers: the first line names the type ("    RRCReconfiguration").
            if let Some(next) = lines.get(i + 1) {
                t.name = match next.trim() {
                    "RRCReconfiguration" => Some("rrcReconfiguration".into()),
                    "RadioBearerConfig" => Some("radioBearerConfig".into()),
                    "CellGroupConfig" => Some("cellGroupConfig".into()),
                    _ => None,
                };
            }
            continue;
        }
        if !in_nr {
            continue;
        }
        let s = line.trim_start();
        if t.name.is_none() {
            for key in ["message", "c1", "c2"] {
                if let Some(v) = field(s, key) {
                    let n = v.split(" (").next().unwrap_or("");
                    if !["c1", "c2", "messageClassExtension"].contains(&n) {
                        t.name = Some(n.to_string());
                    }
                }
            }
        }
        if let Some(v) = field(s, "systemFrameNumber") {
            t.sfn_msb = v
                .rsplit("decimal value ")
                .next()
                .and_then(|d| d.trim_end_matches(']').parse().ok());
        }
        if let Some(v) = field(s, "cellBarred") {
            t.barred = Some(v.starts_with("barred"));
        }
        if let Some(v) = field(s, "rat-Type") {
            t.rats.push(v.split(" (").next().unwrap_or("").to_string());
        }
        if field(s, "secondaryCellGroup").is_some() {
            t.secondary_cell_group = true;
        }
        if s == "reconfigurationWithSync" {
            after_sync = true;
        }
        if let Some(v) = field(s, "physCellId") {
            if after_sync && t.sync_pci.is_none() {
                t.sync_pci = v.parse().ok();
            }
        }
        if let Some(v) = field(s, "cipheringAlgorithm") {
            t.cipher = paren_number(v);
        }
        if let Some(v) = field(s, "integrityProtAlgorithm") {
            t.integrity = paren_number(v);
        }
        if let Some(v) = field(s, "redirectedCarrierInfo") {
            t.redirect = v.split(" (").next().map(str::to_string);
        }
    }
    t
}

/// tshark's view of every frame of `path`, by frame number.
fn tshark_frames(path: &Path) -> BTreeMap<u64, Theirs> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-V", "-O", "nr-rrc"])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut frames = BTreeMap::new();
    let mut current: Option<(u64, Vec<&str>)> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Frame ") {
            if let Some((n, lines)) = current.take() {
                frames.insert(n, parse_frame(&lines));
            }
            let n = rest.split(':').next().and_then(|n| n.parse().ok());
            current = n.map(|n| (n, Vec::new()));
            continue;
        }
        if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some((n, lines)) = current {
        frames.insert(n, parse_frame(&lines));
    }
    frames
}

/// Where ours and tshark's disagree, in words; empty when they agree.
fn disagreements(m: &DecodedMessage, t: &Theirs) -> Vec<String> {
    let mut out = Vec::new();
    let Some(nr) = &m.nr else {
        if !t.malformed {
            out.push(format!(
                "we failed ({:?}), tshark decoded {:?}",
                m.error, t.name
            ));
        }
        return out;
    };
    if t.malformed {
        out.push(format!("we decoded {}, tshark calls it malformed", nr.name));
        return out;
    }
    if t.name.as_deref() != Some(nr.name) {
        out.push(format!("name: ours {} tshark {:?}", nr.name, t.name));
    }
    let s = &nr.summary;
    // Each field is compared on the message that carries it as detection reads it: the same
    // names occur elsewhere (a RadioBearerConfig's security algorithms, the RAT types of a
    // capability report, the cells of a measurement report).
    let name = nr.name;
    if s.sfn_msb != t.sfn_msb {
        out.push(format!("sfn: ours {:?} tshark {:?}", s.sfn_msb, t.sfn_msb));
    }
    if s.cell_barred != t.barred {
        out.push(format!(
            "barred: ours {:?} tshark {:?}",
            s.cell_barred, t.barred
        ));
    }
    let rats: Vec<String> = t
        .rats
        .iter()
        .map(|r| r.trim_end_matches("-v1610").to_string())
        .collect();
    if name == "ueCapabilityEnquiry" && s.capability_rats != rats {
        out.push(format!(
            "RATs: ours {:?} tshark {rats:?}",
            s.capability_rats
        ));
    }
    let reconfiguration = name == "rrcReconfiguration";
    if reconfiguration && s.secondary_cell_group != t.secondary_cell_group {
        out.push("secondaryCellGroup presence differs".into());
    }
    if reconfiguration && s.sync_target_pci != t.sync_pci {
        out.push(format!(
            "sync PCI: ours {:?} tshark {:?}",
            s.sync_target_pci, t.sync_pci
        ));
    }
    if name == "securityModeCommand"
        && (s.ciphering_algorithm, s.integrity_algorithm) != (t.cipher, t.integrity)
    {
        out.push(format!(
            "algorithms: ours {:?}/{:?} tshark {:?}/{:?}",
            s.ciphering_algorithm, s.integrity_algorithm, t.cipher, t.integrity
        ));
    }
    let redirect = s.redirect.map(|r| match r {
        stingwatch_nr_rrc::NrRedirect::Nr { .. } => "nr".to_string(),
        stingwatch_nr_rrc::NrRedirect::Eutra { .. } => "eutra".to_string(),
    });
    if name == "rrcRelease" && redirect != t.redirect {
        out.push(format!(
            "redirect: ours {redirect:?} tshark {:?}",
            t.redirect
        ));
    }
    out
}

/// Tally of one set.
#[derive(Debug, Default)]
struct Tally {
    messages: usize,
    agree: usize,
    records_refused: usize,
}

/// Reads the NR RRC messages of `files`, writes them to one pcapng in `dir`, compares each
/// with tshark, and prints the tally.
fn compare_set(name: &str, files: &[PathBuf], dir: &Path) -> Tally {
    let mut tally = Tally::default();
    let mut messages: Vec<(String, RadioMessage)> = Vec::new();
    for file in files {
        for item in CaptureReader::open(file).expect("open") {
            match item {
                ReadItem::Message(m) if matches!(m.kind, PayloadKind::NrRrc { .. }) => {
                    messages.push((format!("{}:{}", file.display(), m.packet), m));
                }
                ReadItem::Message(_) | ReadItem::Measurement(_) => {}
                ReadItem::Damage(d) if d.reason.contains("NR RRC") => {
                    println!("{}: refused: {d}", file.display());
                    tally.records_refused += 1;
                }
                ReadItem::Damage(_) => {}
            }
        }
    }
    let out = dir.join(format!("{name}.pcapng"));
    let mut w = PcapngWriter::new(std::fs::File::create(&out).expect("create")).expect("pcapng");
    for (_, m) in &messages {
        w.write_message(m, &[]).expect("write");
    }
    w.flush().expect("flush");
    drop(w);
    let theirs = tshark_frames(&out);
    assert_eq!(
        theirs.len(),
        messages.len(),
        "{name}: tshark read every frame"
    );
    for (i, (at, m)) in messages.into_iter().enumerate() {
        let frame = i as u64 + 1;
        let d = decode_message(m);
        assert_eq!(d.protocol, Protocol::NrRrc);
        tally.messages += 1;
        let t = theirs.get(&frame).expect("frame");
        let diff = disagreements(&d, t);
        if diff.is_empty() {
            tally.agree += 1;
        } else {
            println!("DISAGREE {at} (frame {frame}): {}", diff.join("; "));
        }
    }
    println!(
        "{name}: {}/{} NR RRC messages agree with tshark 4.0 (name and compared fields); \
         {} NR RRC OTA records refused before decoding",
        tally.agree, tally.messages, tally.records_refused
    );
    tally
}

fn ready(files: &[PathBuf], what: &str) -> bool {
    if files.is_empty() {
        assert!(!in_ci(), "{what} missing in CI");
        println!("skipped: {what} not found");
        return false;
    }
    if !have_tool("tshark") {
        assert!(!in_ci(), "tshark missing in CI");
        println!("skipped: tshark not installed");
        return false;
    }
    true
}

#[test]
fn mobileinsight_nr_records_agree_with_tshark() {
    let files = shared_captures("mobileinsight-nr", "mi2log");
    if !ready(&files, "../shared/captures/mobileinsight-nr") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let t = compare_set("mobileinsight-nr", &files, dir.path());
    assert!(
        t.messages >= 1800,
        "expected ~1870 NR messages, got {}",
        t.messages
    );
    assert!(
        t.agree as f64 >= 0.995 * t.messages as f64,
        "only {}/{} agree",
        t.agree,
        t.messages
    );
    // The records whose PDU number version 8 does not document stay visible as damage.
    assert!(t.records_refused <= t.messages / 100);
}

#[test]
fn uecapabilityparser_nr_packets_agree_with_tshark() {
    let files: Vec<_> = shared_captures("uecapabilityparser", "pcap")
        .into_iter()
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("exportedPdu"))
        })
        .collect();
    if !ready(&files, "../shared/captures/uecapabilityparser") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let t = compare_set("uecapabilityparser", &files, dir.path());
    assert_eq!(t.messages, 10, "the ten NR RRC packets");
    assert_eq!(t.agree, t.messages);
}
