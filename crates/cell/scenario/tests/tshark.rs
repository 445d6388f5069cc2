//! Differential check against an independent dissector: tshark reads every scenario's
//! pcapng, finds one frame per message, nothing malformed, and names each LTE RRC message as
//! our decoder does; on the NR SystemInformation messages it reads the same reselection
//! priorities.

mod common;

use common::{all_scenarios, id};
use std::process::Command;
use stingwatch_model::PayloadKind;
use stingwatch_testsupport::have_tool;

#[test]
fn tshark_reads_every_scenario_without_malformed_packets() {
    if !have_tool("tshark") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scenario-tshark");
    std::fs::create_dir_all(&dir).expect("temp dir");
    for s in all_scenarios() {
        let path = dir.join(format!("{}-{}.pcapng", s.name, s.nas.as_str()));
        let file = std::fs::File::create(&path).expect("create pcapng");
        stingwatch_scenario::write_pcapng(&s, file).expect("write pcapng");
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(["-T", "fields", "-E", "separator=\t"])
            .args([
                "-e",
                "frame.number",
                "-e",
                "_ws.col.Protocol",
                "-e",
                "_ws.col.Info",
            ])
            .output()
            .expect("run tshark");
        assert!(
            out.status.success(),
            "{}: tshark failed: {}",
            id(&s),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), s.messages.len(), "{}: frame count", id(&s));
        for (line, m) in lines.iter().zip(&s.messages) {
            let at = format!("{} packet {}: {line}", id(&s), m.packet);
            assert!(!line.contains("Malformed"), "{at}");
            assert!(!line.to_lowercase().contains("unknown"), "{at}");
            let mut fields = line.split('\t');
            assert_eq!(fields.next(), Some(m.packet.to_string().as_str()), "{at}");
            let protocol = fields.next().unwrap_or("");
            let info = fields.next().unwrap_or("");
            match m.kind {
                PayloadKind::LteRrc { channel } => {
                    assert!(protocol.contains("RRC"), "{at}");
                    let ours = stingwatch_lte_rrc::decode(channel, &m.payload).expect("decodes");
                    let name = if ours.name == "SystemInformation" {
                        // tshark lists the SIBs instead of the container's name.
                        "SIB"
                    } else {
                        ours.name
                    };
                    assert!(info.contains(name), "{at}: expected {name}");
                }
                PayloadKind::LteNas => assert!(protocol.contains("NAS"), "{at}"),
                PayloadKind::NrNas => {
                    assert!(protocol.contains("NAS-5GS"), "{at}");
                    let ours = stingwatch_nas5g::decode(&m.payload);
                    if !ours.is_ciphered() {
                        assert!(info.contains(ours.name), "{at}: expected {}", ours.name);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The reselection priorities of one SystemInformation: serving (SIB2), then the SIB4 and SIB5
/// carriers as (ARFCN, priority).
type Priorities = (Option<u8>, Vec<(u32, Option<u8>)>, Vec<(u32, Option<u8>)>);

/// What tshark's verbose NR RRC tree says of one frame's priorities.
fn tshark_priorities(lines: &[&str]) -> Priorities {
    let mut out: Priorities = (None, Vec::new(), Vec::new());
    let mut sib = "";
    for line in lines {
        let s = line.trim();
        if [
            "sib2", "sib3", "sib4", "sib5", "sib6", "sib7", "sib8", "sib9",
        ]
        .contains(&s)
        {
            sib = s;
            continue;
        }
        let Some((label, value)) = s.split_once(": ") else {
            continue;
        };
        let number = value.split(' ').next().and_then(|v| v.parse::<u32>().ok());
        match (sib, label, number) {
            ("sib2", "cellReselectionPriority", Some(p)) => out.0 = u8::try_from(p).ok(),
            ("sib4", "dl-CarrierFreq", Some(a)) => out.1.push((a, None)),
            ("sib5", "carrierFreq", Some(a)) => out.2.push((a, None)),
            ("sib4" | "sib5", "cellReselectionPriority", Some(p)) => {
                let list = if sib == "sib4" {
                    &mut out.1
                } else {
                    &mut out.2
                };
                if let Some(last) = list.last_mut() {
                    last.1 = u8::try_from(p).ok();
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn tshark_reads_the_nr_reselection_priorities_we_read() {
    if !have_tool("tshark") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scenario-tshark-nr-si");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut checked = 0;
    for s in all_scenarios() {
        // Our view of every NR SystemInformation, by packet (= tshark frame number).
        let ours: Vec<(u64, Priorities)> = s
            .messages
            .iter()
            .filter_map(|m| {
                let PayloadKind::NrRrc { channel } = m.kind else {
                    return None;
                };
                let d = stingwatch_nr_rrc::decode(channel, &m.payload).expect("decodes");
                (d.name == "systemInformation").then(|| {
                    let c = |l: &[stingwatch_nr_rrc::CarrierPriority]| {
                        l.iter().map(|c| (c.arfcn, c.priority)).collect()
                    };
                    let sm = &d.summary;
                    (
                        m.packet,
                        (
                            sm.serving_priority,
                            c(&sm.nr_carriers),
                            c(&sm.eutra_carriers),
                        ),
                    )
                })
            })
            .collect();
        if ours.is_empty() {
            continue;
        }
        let path = dir.join(format!("{}-{}.pcapng", s.name, s.nas.as_str()));
        let file = std::fs::File::create(&path).expect("create pcapng");
        stingwatch_scenario::write_pcapng(&s, file).expect("write pcapng");
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(["-V", "-O", "nr-rrc"])
            .output()
            .expect("run tshark");
        assert!(out.status.success(), "{}: tshark failed", id(&s));
        let text = String::from_utf8_lossy(&out.stdout);
        let mut frames: std::collections::BTreeMap<u64, Vec<&str>> = Default::default();
        let mut current = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("Frame ") {
                current = rest.split(':').next().and_then(|n| n.parse().ok());
                continue;
            }
            if let Some(n) = current {
                frames.entry(n).or_default().push(line);
            }
        }
        for (packet, mine) in ours {
            let theirs = tshark_priorities(frames.get(&packet).map_or(&[][..], |l| l));
            assert_eq!(theirs, mine, "{} packet {packet}", id(&s));
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "no scenario broadcasts an NR SystemInformation"
    );
}
