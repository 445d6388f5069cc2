//! Terminal rendering of a report: verdict first, then one block per finding.

use std::fmt::Write;
use stingwatch_render::{paint, severity_label, verdict_style};

use crate::words::{cell_words, span_words, terminal_safe};
use crate::Report;

/// Render a report for a terminal; `color` adds ANSI colours (callers decide from TTY/NO_COLOR).
///
/// Short on purpose: the verdict, then three lines per finding (what, where and when, the
/// messages behind it). Explanations and harmless alternatives are in the HTML and JSON
/// reports, which the last line points to.
pub fn render_text(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let verdict_code = verdict_style(s.highest);
    let _ = writeln!(out, "{}", paint(color, verdict_code, &s.verdict));
    let _ = writeln!(
        out,
        "{} recording(s), {} messages; findings: {} high, {} medium, {} low, {} info",
        s.inputs, s.messages, s.findings.high, s.findings.medium, s.findings.low, s.findings.info
    );
    for input in &report.inputs {
        if !input.errors.is_empty() {
            let _ = writeln!(
                out,
                "{}: {} problem(s) reading the input:",
                terminal_safe(&input.path),
                input.errors.len()
            );
            for e in input.errors.iter().take(10) {
                let _ = writeln!(out, "  - {}", terminal_safe(e));
            }
            if input.errors.len() > 10 {
                let _ = writeln!(out, "  - ... {} more", input.errors.len() - 10);
            }
        }
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out);
    }
    for ff in &report.findings {
        let f = &ff.finding;
        let _ = writeln!(
            out,
            "{} {} {}",
            severity_label(color, f.severity),
            paint(color, "1", &f.title),
            paint(color, "2", &format!("({})", f.kind))
        );
        let mut place = Vec::new();
        let when = span_words(f.first_time, f.last_time);
        if !when.is_empty() {
            place.push(when);
        }
        if let Some(c) = &f.cell {
            place.push(format!("cell {}", cell_words(c)));
        }
        place.push(if f.first_packet == f.last_packet {
            format!("{} packet {}", ff.file, f.first_packet)
        } else {
            format!("{} packets {}-{}", ff.file, f.first_packet, f.last_packet)
        });
        if f.count > 1 {
            place.push(format!("{} times", f.count));
        }
        if let Some(p) = &ff.position {
            place.push(format!("at {}", crate::position_words(p)));
        }
        let _ = writeln!(out, "       {}", terminal_safe(&place.join(" · ")));
        if !f.includes.is_empty() {
            let steps: Vec<String> = f
                .includes
                .iter()
                .map(|i| format!("#{} {} ({})", i.packet, i.title, i.kind))
                .collect();
            let _ = writeln!(
                out,
                "       same episode: {}",
                terminal_safe(&steps.join(" · "))
            );
        }
        if !f.evidence.is_empty() {
            let shown: Vec<String> = f
                .evidence
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|e| format!("#{} {}", e.packet, e.message))
                .collect();
            let more = f.evidence.len().saturating_sub(EVIDENCE_SHOWN) as u64 + f.evidence_omitted;
            let tail = if more > 0 {
                format!(" · {more} more")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "       evidence: {}{tail}",
                terminal_safe(&shown.join(" · "))
            );
        }
    }
    render_measured_cells(&mut out, report);
    if !report.findings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            paint(
                color,
                "2",
                "What each finding means, its harmless explanations and a timeline: \
                 add --format html -o report.html"
            )
        );
    }
    out
}

/// Cells with measurements, timing advance or position, one line each.
fn render_measured_cells(out: &mut String, report: &Report) {
    let mut lines = Vec::new();
    let radio = |e: Option<u32>, p: Option<u16>| {
        format!(
            "EARFCN {} PCI {}",
            e.map_or("?".into(), |e| e.to_string()),
            p.map_or("?".into(), |p| p.to_string())
        )
    };
    let details = |s: Option<&crate::SignalSummary>,
                   t: Option<&crate::TimingAdvanceSeen>,
                   p: Option<&stingwatch_gps::Located>| {
        let mut parts = Vec::new();
        if let Some(s) = s {
            parts.push(crate::signal_words(s));
        }
        if let Some(t) = t {
            parts.push(crate::timing_advance_words(t));
        }
        if let Some(p) = p {
            parts.push(format!("sensor at {}", crate::position_words(p)));
        }
        parts.join(" · ")
    };
    for c in &report.cells {
        let d = details(
            c.signal.as_ref(),
            c.timing_advance.as_ref(),
            c.position.as_ref(),
        );
        if !d.is_empty() {
            lines.push(format!(
                "{} TAC {} CID {} ({}): {d}",
                c.plmn,
                c.tac,
                c.cell_id,
                radio(c.earfcn, c.pci)
            ));
        }
    }
    for c in &report.radio_cells {
        let d = details(
            c.signal.as_ref(),
            c.timing_advance.as_ref(),
            c.position.as_ref(),
        );
        if !d.is_empty() {
            lines.push(format!(
                "{} (identity not seen): {d}",
                radio(c.earfcn, c.pci)
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Cells measured ({}):", lines.len());
    for l in lines.iter().take(MEASURED_CELLS_SHOWN) {
        let _ = writeln!(out, "  {}", terminal_safe(l));
    }
    if lines.len() > MEASURED_CELLS_SHOWN {
        let _ = writeln!(
            out,
            "  ... {} more (all in --format json or html)",
            lines.len() - MEASURED_CELLS_SHOWN
        );
    }
}

/// Measured cells listed in the terminal.
const MEASURED_CELLS_SHOWN: usize = 20;

/// Evidence messages listed per finding in the terminal.
const EVIDENCE_SHOWN: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileFinding;
    use stingwatch_analysis::{Evidence, Finding, Severity};
    use stingwatch_events::{Event, EventKind};

    fn report() -> Report {
        let ev = Event::new(8, EventKind::ConnectionSetup);
        let mut f = Finding::at("k", 1, Severity::High, &ev, "Title", "why");
        for p in 0..6 {
            f.evidence.push(Evidence {
                packet: p,
                time: None,
                message: format!("m{p}"),
                detail: String::new(),
            });
        }
        Report::new(
            "0",
            Vec::new(),
            vec![FileFinding {
                file: "x.qmdl".into(),
                finding: f,
                position: None,
            }],
            Vec::new(),
        )
    }

    #[test]
    fn plain_text_has_no_escape_codes() {
        let t = render_text(&report(), false);
        assert!(!t.contains('\x1b'));
        assert!(t.starts_with("Likely cell-site simulator"));
        assert!(t.contains("HIGH   Title (k)"));
        assert!(t.contains("evidence: #0 m0 · #1 m1 · #2 m2 · #3 m3 · 2 more"));
    }

    #[test]
    fn a_folded_step_is_named_under_its_episode() {
        let mut r = report();
        assert!(!render_text(&r, false).contains("same episode"));
        r.findings[0]
            .finding
            .includes
            .push(stingwatch_analysis::IncludedFinding {
                kind: "lure",
                severity: Severity::Medium,
                packet: 3,
                time: None,
                title: "Sent to 2G".into(),
            });
        let t = render_text(&r, false);
        assert!(t.contains("same episode: #3 Sent to 2G (lure)"), "{t}");
    }

    #[test]
    fn colour_marks_verdict_and_severity() {
        let t = render_text(&report(), true);
        assert!(t.starts_with("\x1b[1;31mLikely"));
        assert!(t.contains("\x1b[1;31mHIGH  \x1b[0m"));
    }
}
