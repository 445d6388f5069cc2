//! Terminal rendering of a phone report: verdict first, one block per finding, then what to
//! do.

use std::fmt::Write;
use stingwatch_render::{paint, severity_label, verdict_style};

use stingwatch_model::Severity;

use crate::report::{PhoneReport, NOT_PROOF};
use crate::words::{span_words, terminal_safe};

/// Evidence records listed per finding in the terminal.
const EVIDENCE_SHOWN: usize = 3;
/// Diagnostics listed in the terminal.
const DIAGNOSTICS_SHOWN: usize = 10;

/// Render a report for a terminal; `color` adds ANSI colours (callers decide from TTY and
/// NO_COLOR). Explanations and the timeline are in the HTML report, which the last line
/// points to.
pub fn render_text(report: &PhoneReport, color: bool) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let verdict_code = verdict_style(s.highest);
    let _ = writeln!(out, "{}", paint(color, verdict_code, &s.verdict));
    let a = &report.acquisition;
    let _ = writeln!(
        out,
        "{} {}{}: {} records from {} checks, {} indicators from {} collections; findings: {} high, {} medium, {} low, {} info",
        a.kind.words(),
        terminal_safe(&a.path),
        if a.encrypted { " (encrypted)" } else { "" },
        s.records,
        s.artifacts,
        s.indicators,
        report.indicators.len(),
        s.findings.high,
        s.findings.medium,
        s.findings.low,
        s.findings.info
    );
    let problems = report.diagnostics.len() as u64 + report.diagnostics_omitted;
    if problems > 0 {
        let _ = writeln!(out, "{problems} problem(s) reading the acquisition:");
        for d in report.diagnostics.iter().take(DIAGNOSTICS_SHOWN) {
            let _ = writeln!(
                out,
                "  - {}: {}",
                terminal_safe(&d.source),
                terminal_safe(&d.message)
            );
        }
        if problems > DIAGNOSTICS_SHOWN as u64 {
            let _ = writeln!(out, "  - ... {} more", problems - DIAGNOSTICS_SHOWN as u64);
        }
    }
    for f in &report.findings {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} {} {}",
            severity_label(color, f.severity),
            paint(color, "1", &f.title),
            paint(color, "2", &format!("({})", f.kind))
        );
        let mut place = vec![f.artifact.to_string()];
        let when = span_words(f.first_time, f.last_time);
        if !when.is_empty() {
            place.push(when);
        }
        if f.count > 1 {
            place.push(format!("{} records", f.count));
        }
        if let Some(i) = &f.indicator {
            place.push(format!(
                "indicator {} of {} ({})",
                i.value, i.collection, i.source
            ));
        }
        let _ = writeln!(out, "       {}", terminal_safe(&place.join(" · ")));
        for e in f.evidence.iter().take(EVIDENCE_SHOWN) {
            let mut line = format!("{} {}", e.source, e.locator);
            if let Some(t) = e.time {
                line.push_str(&format!(" {}", t.iso8601()));
            }
            match (&e.observable, &e.how) {
                (Some(o), Some(how)) => line.push_str(&format!(": {} ({how})", o.value)),
                (Some(o), None) => line.push_str(&format!(": {}", o.value)),
                _ => line.push_str(&format!(": {}", e.summary)),
            }
            let _ = writeln!(out, "       - {}", terminal_safe(&line));
        }
        let more = f.evidence.len().saturating_sub(EVIDENCE_SHOWN) as u64 + f.evidence_omitted;
        if more > 0 {
            let _ = writeln!(out, "       - ... {more} more");
        }
    }
    let omitted = report.findings_omitted.total();
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n{omitted} further finding(s) are counted above but not listed."
        );
    }
    if let Some(top) = report.findings.first() {
        if top.severity >= Severity::Medium {
            let _ = writeln!(out);
            let _ = writeln!(out, "{}", paint(color, "1", "What to do now"));
            for line in top
                .next_steps
                .contact
                .iter()
                .chain(&top.next_steps.do_not)
                .chain(&top.next_steps.meanwhile)
            {
                let _ = writeln!(out, "  - {line}");
            }
        }
    }
    let _ = writeln!(out);
    if !s.verdict.contains(NOT_PROOF) {
        let _ = writeln!(out, "{}", paint(color, "2", &s.limits));
    }
    let _ = writeln!(
        out,
        "{}",
        paint(
            color,
            "2",
            "Explanations, evidence and a timeline of the phone's events: add --format html -o report.html"
        )
    );
    out
}
