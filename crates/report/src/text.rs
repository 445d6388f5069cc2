//! Terminal rendering of a report: verdict first, then one block per finding.

use std::fmt::Write;

use stingwatch_analysis::Severity;

use crate::Report;

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn severity_label(color: bool, s: Severity) -> String {
    let code = match s {
        Severity::High => "1;31",
        Severity::Medium => "1;33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    paint(color, code, &s.as_str().to_uppercase())
}

/// Render a report for a terminal; `color` adds ANSI colours (callers decide from TTY/NO_COLOR).
pub fn render_text(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "{}", paint(color, "1", &s.verdict));
    let _ = writeln!(
        out,
        "{} input(s), {} messages; findings: {} high, {} medium, {} low, {} info",
        s.inputs, s.messages, s.findings.high, s.findings.medium, s.findings.low, s.findings.info
    );
    for input in &report.inputs {
        if !input.errors.is_empty() {
            let _ = writeln!(
                out,
                "{}: {} problem(s) reading the input:",
                input.path,
                input.errors.len()
            );
            for e in input.errors.iter().take(10) {
                let _ = writeln!(out, "  - {e}");
            }
            if input.errors.len() > 10 {
                let _ = writeln!(out, "  - ... {} more", input.errors.len() - 10);
            }
        }
    }
    for ff in &report.findings {
        let f = &ff.finding;
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "[{}] {} ({})",
            severity_label(color, f.severity),
            paint(color, "1", &f.title),
            f.kind
        );
        let when = f
            .time
            .map(|t| t.to_string())
            .unwrap_or_else(|| "time unknown".to_string());
        let _ = writeln!(out, "  where: {} packet {} ({when})", ff.file, f.packet);
        if f.count > 1 {
            let _ = writeln!(
                out,
                "  seen {} times, packets {}..{}",
                f.count, f.first_packet, f.last_packet
            );
        }
        if let Some(c) = &f.cell {
            let _ = writeln!(out, "  cell: {c}");
        }
        let _ = writeln!(out, "  {}", f.explanation);
        if !f.benign_alternatives.is_empty() {
            let _ = writeln!(out, "  Could also be:");
            for b in &f.benign_alternatives {
                let _ = writeln!(out, "    - {b}");
            }
        }
        for n in &f.confidence_notes {
            let _ = writeln!(out, "  note: {n}");
        }
        if !f.evidence.is_empty() {
            let _ = writeln!(out, "  evidence:");
            for e in f.evidence.iter().take(8) {
                let detail = if e.detail.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", e.detail)
                };
                let _ = writeln!(out, "    packet {}: {}{detail}", e.packet, e.message);
            }
            let more = f.evidence.len().saturating_sub(8) as u64 + f.evidence_omitted;
            if more > 0 {
                let _ = writeln!(out, "    ... {more} more");
            }
        }
    }
    out
}
