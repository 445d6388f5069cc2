//! Packet comments for the annotated pcapng: each finding written on each of its evidence
//! packets, so Wireshark shows the finding beside the message that supports it.

use std::collections::BTreeMap;

use stingwatch_analysis::Finding;

use crate::words::shorten;
use crate::Report;

/// Longest comment written; titles are short, this only bounds what a hostile cell could
/// inflate (pcapng allows 65535 bytes per option).
const MAX_COMMENT_CHARS: usize = 2000;

/// The comment written for `finding`: `stingwatch HIGH: <title> [<kind>]`.
pub fn finding_comment(finding: &Finding) -> String {
    shorten(
        &format!(
            "stingwatch {}: {} [{}]",
            finding.severity.as_str().to_uppercase(),
            finding.title,
            finding.kind
        ),
        MAX_COMMENT_CHARS,
    )
}

/// Comments to attach per packet of input `file`: packet number (the report's numbering)
/// to one comment per finding that cites the packet, in the report's order (most severe first).
///
/// A finding without evidence entries is written on its first packet so it is not lost.
pub fn packet_comments(report: &Report, file: &str) -> BTreeMap<u64, Vec<String>> {
    let mut out: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for ff in report.findings.iter().filter(|f| f.file == file) {
        let f = &ff.finding;
        let comment = finding_comment(f);
        let mut packets: Vec<u64> = f.evidence.iter().map(|e| e.packet).collect();
        if packets.is_empty() {
            packets.push(f.packet);
        }
        packets.sort_unstable();
        packets.dedup();
        for p in packets {
            out.entry(p).or_default().push(comment.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileFinding, Report};
    use stingwatch_analysis::{Evidence, Severity};
    use stingwatch_events::{Event, EventKind};

    fn finding(kind: &'static str, sev: Severity, packets: &[u64]) -> Finding {
        let ev = Event::new(
            packets.first().copied().unwrap_or(1),
            EventKind::ConnectionSetup,
        );
        let mut f = Finding::at(kind, 1, sev, &ev, format!("title of {kind}"), "why");
        for &p in packets {
            f.evidence.push(Evidence {
                packet: p,
                time: None,
                message: "m".into(),
                detail: String::new(),
            });
        }
        f
    }

    #[test]
    fn one_comment_per_finding_on_each_evidence_packet() {
        let findings = vec![
            FileFinding {
                file: "a".into(),
                finding: finding("k1", Severity::Medium, &[2, 5, 5]),
                position: None,
            },
            FileFinding {
                file: "a".into(),
                finding: finding("k2", Severity::High, &[5, 9]),
                position: None,
            },
            FileFinding {
                file: "b".into(),
                finding: finding("k3", Severity::High, &[1]),
                position: None,
            },
        ];
        let r = Report::new("0", Vec::new(), findings, Vec::new());
        let c = packet_comments(&r, "a");
        assert_eq!(c.keys().copied().collect::<Vec<_>>(), vec![2, 5, 9]);
        assert_eq!(
            c[&5],
            vec![
                "stingwatch HIGH: title of k2 [k2]".to_string(),
                "stingwatch MEDIUM: title of k1 [k1]".to_string()
            ]
        );
    }
}
