//! Differential check against an independent dissector: tshark reads every scenario's
//! pcapng, finds one frame per message, nothing malformed, and names each LTE RRC message as
//! our decoder does.

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
