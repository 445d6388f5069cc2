//! The whole pipeline over real recordings of commercial networks (../shared/captures):
//! real networks are not attacks, so they must yield no High finding and only a handful of
//! findings each; the dead-SIM recording must get its SIM-without-service explanation; and a
//! DIAG recording and its pcap export must agree.

use std::path::Path;
use stingwatch_analysis::{Analysis, Finding, Severity};
use stingwatch_decode::{decode_message, CaptureReader};
use stingwatch_events::{Event, EventDeriver};
use stingwatch_model::ReadItem;
use stingwatch_testsupport::shared_captures;

/// Most findings a real recording may produce before the detector is "crying wolf".
const HANDFUL: usize = 8;

fn events_of(path: &Path) -> Vec<Event> {
    let reader = CaptureReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut deriver = EventDeriver::new();
    let mut out = Vec::new();
    for item in reader {
        if let ReadItem::Message(m) = item {
            out.extend(deriver.derive(&decode_message(m)));
        }
    }
    out
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "  [{}] {} x{} (packet {}): {}",
                f.severity, f.kind, f.count, f.packet, f.title
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_real_recording(path: &Path) -> Vec<Finding> {
    let events = events_of(path);
    let findings = Analysis::run(&events);
    eprintln!(
        "{}: {} events, {} findings\n{}",
        path.display(),
        events.len(),
        findings.len(),
        describe(&findings)
    );
    assert!(
        findings.iter().all(|f| f.severity < Severity::High),
        "{}: High finding on a real network\n{}",
        path.display(),
        describe(&findings)
    );
    assert!(
        findings.len() <= HANDFUL,
        "{}: {} findings\n{}",
        path.display(),
        findings.len(),
        describe(&findings)
    );
    findings
}

#[test]
fn rayhunter_recordings_are_quiet() {
    for ext in ["qmdl", "pcap"] {
        for path in shared_captures("rayhunter-traces", ext) {
            let findings = check_real_recording(&path);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.contains("deadsim") {
                let explained = findings.iter().any(|f| {
                    f.benign_alternatives
                        .iter()
                        .any(|b| b.contains("SIM without service"))
                });
                let ids = findings.iter().any(|f| {
                    f.kind == "identity-request-without-auth" || f.kind == "downgrade-reject-cause"
                });
                if ids {
                    assert!(explained, "{name}: no SIM-without-service explanation");
                }
            }
        }
    }
}

#[test]
fn mobileinsight_recordings_are_quiet() {
    for path in shared_captures("mobileinsight", "mi2log") {
        check_real_recording(&path);
    }
}
