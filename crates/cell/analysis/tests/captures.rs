//! The whole pipeline over real recordings of commercial networks (../shared/captures):
//! real networks are not attacks, so they must yield no High finding and only a handful of
//! findings each; the dead-SIM recording must get its SIM-without-service explanation; and a
//! DIAG recording and its pcap export must agree.

use std::path::Path;
use stingwatch_analysis::{Analysis, Finding, Severity};
use stingwatch_decode::{decode_message, CaptureReader};
use stingwatch_events::{Event, EventDeriver};
use stingwatch_model::ReadItem;
use stingwatch_testsupport::{shared_captures, shared_recordings};

/// Most findings a real recording may produce before the detector is "crying wolf".
const HANDFUL: usize = 8;

fn events_of(path: &Path) -> Vec<Event> {
    events_with(path, false)
}

/// Events of a recording; with `radio_blind`, as if the capture had no radio context (the
/// EARFCN and physical cell id a DIAG record header gives but GSMTAP cannot always carry).
fn events_with(path: &Path, radio_blind: bool) -> Vec<Event> {
    let reader = CaptureReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut deriver = EventDeriver::new();
    let mut out = Vec::new();
    for item in reader {
        if let ReadItem::Message(mut m) = item {
            if radio_blind {
                m.context.arfcn = None;
                m.context.pci = None;
            }
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

/// Everything a reader of a finding sees, in a stable text form for the snapshot.
fn render_full(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "[{}] {} v{} packet {} x{} (packets {}..{}){}\n  title: {}\n  explanation: {}\n",
            f.severity,
            f.kind,
            f.version,
            f.packet,
            f.count,
            f.first_packet,
            f.last_packet,
            f.cell.map(|c| format!(" cell {c}")).unwrap_or_default(),
            f.title,
            f.explanation
        ));
        for b in &f.benign_alternatives {
            out.push_str(&format!("  benign: {b}\n"));
        }
        for n in &f.confidence_notes {
            out.push_str(&format!("  confidence: {n}\n"));
        }
        for e in f.evidence.iter().take(5) {
            out.push_str(&format!(
                "  evidence: packet {} {} {}\n",
                e.packet, e.message, e.detail
            ));
        }
        if f.evidence.len() > 5 || f.evidence_omitted > 0 {
            out.push_str(&format!(
                "  evidence: ... {} more\n",
                (f.evidence.len() - f.evidence.len().min(5)) as u64 + f.evidence_omitted
            ));
        }
    }
    if findings.is_empty() {
        out.push_str("no findings\n");
    }
    out
}

/// The findings on the three real recordings, as a person reads them. A change here is a
/// change in what users are told: review the new snapshot (`cargo insta review`, or
/// `INSTA_UPDATE=always cargo test`) and read the explanations before accepting it.
#[test]
fn rayhunter_findings_snapshot() {
    let paths = shared_captures("rayhunter-traces", "qmdl");
    if paths.is_empty() {
        return;
    }
    for path in paths {
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("unnamed")
            .to_string();
        let findings = Analysis::run(&events_of(&path));
        insta::assert_snapshot!(format!("rayhunter-{name}"), render_full(&findings));
    }
}

/// A DIAG recording and the recorder's own pcap of it carry the same messages in the same
/// order, so their decoded content must give the same findings on the same packets. The
/// radio context differs between the two (the DIAG header has the physical cell id, which
/// GSMTAP lacks, and EARFCNs above 16383 do not fit GSMTAP's ARFCN field), so both are read
/// without it; findings that need it are covered by the scenario tests.
#[test]
fn qmdl_and_its_pcap_give_the_same_findings() {
    for qmdl in shared_captures("rayhunter-traces", "qmdl") {
        let pcap = qmdl.with_extension("pcap");
        if !pcap.exists() {
            continue;
        }
        let a = render_full(&Analysis::run(&events_with(&qmdl, true)));
        let b = render_full(&Analysis::run(&events_with(&pcap, true)));
        assert_eq!(a, b, "{} and {} disagree", qmdl.display(), pcap.display());
        assert!(
            a.contains("identity-request-without-auth"),
            "{}: the comparison should cover real findings",
            qmdl.display()
        );
    }
}

#[test]
fn mobileinsight_recordings_are_quiet() {
    for path in shared_captures("mobileinsight", "mi2log") {
        check_real_recording(&path);
    }
}

/// Every real recording of an ordinary network the project holds, in every folder: none
/// reaches Medium, the level that puts "possible cell-site simulator" at the top of a report.
#[test]
fn no_real_recording_reaches_medium() {
    let mut paths = shared_recordings();
    paths.extend(shared_captures("mobileinsight-nr", "mi2log"));
    paths.extend(shared_captures("uecapabilityparser", "pcap"));
    let mut loud = Vec::new();
    for path in &paths {
        if CaptureReader::open(path).is_err() {
            eprintln!(
                "{}: not a capture this reader opens, skipped",
                path.display()
            );
            continue;
        }
        let findings = check_real_recording(path);
        let medium: Vec<Finding> = findings
            .into_iter()
            .filter(|f| f.severity >= Severity::Medium)
            .collect();
        if !medium.is_empty() {
            loud.push(format!("{}\n{}", path.display(), describe(&medium)));
        }
    }
    assert!(loud.is_empty(), "{}", loud.join("\n"));
}

/// The dead-SIM recording: the phone's own operator refuses it on one real cell (a tracking
/// area it shares with other cells) and it never gets service; the diagnosis is the SIM.
/// The roaming recording at an airport: a visited network refuses it, which is information.
#[test]
fn refused_sims_are_diagnosed_not_alarmed() {
    for path in shared_captures("rayhunter-traces", "qmdl") {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let findings = Analysis::run(&events_of(&path));
        if name.contains("deadsim") {
            assert!(
                findings
                    .iter()
                    .any(|f| f.kind == stingwatch_analysis::SUBSCRIPTION_REFUSED),
                "{name}: no SIM diagnosis\n{}",
                describe(&findings)
            );
        }
        if name.starts_with("1749211282") {
            let reject = findings
                .iter()
                .find(|f| f.kind == "downgrade-reject-cause")
                .unwrap_or_else(|| panic!("{name}: the reject is not reported"));
            assert_eq!(reject.severity, Severity::Info, "{name}");
            assert!(
                reject
                    .confidence_notes
                    .iter()
                    .any(|n| n.starts_with("Visited network")),
                "{name}: {:?}",
                reject.confidence_notes
            );
        }
    }
}
