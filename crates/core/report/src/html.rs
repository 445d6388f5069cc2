//! The report as one self-contained HTML page: verdict, timeline, a card per finding, the
//! cells seen and the inputs read.
//!
//! The page loads nothing: styles, the small script and the charts are inline, and a
//! Content-Security-Policy forbids any fetch, so opening a report never tells anyone it was
//! opened. Every string from the capture is escaped.

use std::fmt::Write;

use stingwatch_analysis::Severity;

use crate::svg::{severity_color, timeline_svg};
use crate::words::{cell_words, escape_html as esc, human_time, human_time_ms, span_words};
use crate::{FileFinding, Report};
use stingwatch_render::push_html_list;

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2429;background:#fafbfc}
main{max-width:1040px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;line-height:1.3;margin:.2em 0}
h2{font-size:1.25rem;margin:1.6em 0 .5em;border-bottom:1px solid #cfd8dc;padding-bottom:.2em}
h3{font-size:1.1rem;margin:0 0 .4em;line-height:1.35}
h4{font-size:.95rem;margin:1em 0 .3em}
.verdict{border-radius:8px;padding:16px 20px;color:#fff;background:#2e7d32}
.verdict .label{text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;margin:0;opacity:.9}
.verdict p{margin:.3em 0}
.verdict.sev-high{background:#b71c1c}.verdict.sev-medium{background:#e65100}
.verdict.sev-low{background:#01579b}.verdict.sev-info,.verdict.sev-none{background:#2e7d32}
nav{margin:12px 0;font-size:.95rem}nav a{margin-right:1em}
.badge{display:inline-block;border-radius:4px;padding:0 .45em;color:#fff;font-size:.8rem;font-weight:700;vertical-align:.1em;margin-right:.3em}
.finding{background:#fff;border:1px solid #cfd8dc;border-left:6px solid #616161;border-radius:6px;padding:14px 16px;margin:14px 0}
.finding.sev-high{border-left-color:#b71c1c}.finding.sev-medium{border-left-color:#e65100}.finding.sev-low{border-left-color:#01579b}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:.4em 0 .8em;font-size:.92rem}
.finding dt{color:#546e7a}.finding dd{margin:0;overflow-wrap:anywhere}
.finding ul{margin:.2em 0;padding-left:1.3em}
.num{font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9rem;background:#fff}
th,td{border:1px solid #dfe5e8;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eceff1}
td{overflow-wrap:anywhere}
td.num{overflow-wrap:normal;white-space:nowrap}
figure{margin:0 0 12px}figcaption{font-size:.9rem;color:#455a64;margin:.3em 0}
.chart{overflow-x:auto;-webkit-overflow-scrolling:touch}
svg.timeline{width:100%;min-width:600px;height:auto;display:block;background:#fff;border:1px solid #dfe5e8;border-radius:4px}
.legend span{display:inline-block;margin-right:1em;white-space:nowrap}
.legend i{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.3em;vertical-align:-.05em}
.muted{color:#607d8b;font-size:.9rem}
.filters{margin:8px 0;font-size:.95rem}.filters label{margin-right:1em;white-space:nowrap}
footer{margin:2em 0 1em;font-size:.85rem;color:#607d8b}
@media (max-width:640px){
 main{padding:10px}
 h1{font-size:1.2rem}
 .finding{padding:10px 12px}
 .finding dl{grid-template-columns:1fr}
 .finding dt{font-weight:600}
 table.evidence thead{display:none}
 table.evidence,table.evidence tbody,table.evidence tr,table.evidence td{display:block;width:100%}
 table.evidence tr{border:1px solid #dfe5e8;margin-bottom:6px}
 table.evidence td{border:none;padding:2px 8px}
 table.evidence td::before{content:attr(data-label) ": ";color:#546e7a;font-weight:600}
}
@media print{.filters,nav{display:none}.finding{break-inside:avoid}}
"#;

/// Shows the severity filter (hidden without scripts, where it could not work) and hides the
/// cards of unticked severities.
const SCRIPT: &str = r#"
(function(){
  var f=document.getElementById('filters');if(!f)return;f.hidden=false;
  f.addEventListener('change',function(){
    var on={};f.querySelectorAll('input').forEach(function(i){on[i.value]=i.checked;});
    document.querySelectorAll('article.finding').forEach(function(a){a.hidden=!on[a.dataset.severity];});
  });
})();
"#;

/// What the verdict's confidence means, in words a non-specialist can weigh.
fn confidence_words(highest: Option<Severity>) -> &'static str {
    match highest {
        Some(Severity::High) => {
            "Confidence: high. Several independent signs on one cell, or a sign real networks do not \
             produce. Read the harmless explanations in each finding before acting on it."
        }
        Some(Severity::Medium) => {
            "Confidence: medium. The recording matches an attack pattern, but harmless explanations \
             exist; each finding says how to tell them apart."
        }
        Some(Severity::Low) => {
            "Confidence: low. Something was unusual, most likely harmless; it matters only if \
             other recordings point the same way."
        }
        Some(Severity::Info) | None => {
            "Nothing in this recording matches an attack pattern. This covers only what this device \
             recorded while it was recording."
        }
    }
}

fn severity_badge(s: Severity) -> String {
    format!(
        "<span class=\"badge\" style=\"background:{}\">{}</span>",
        severity_color(s),
        s.as_str().to_uppercase()
    )
}

/// Render the whole report as one HTML document.
pub fn render_html(report: &Report) -> String {
    let s = &report.summary;
    let sev_class = s.highest.map(|h| h.as_str()).unwrap_or("none");
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta name=\"generator\" content=\"stingwatch {}\">\
         <title>Stingwatch report: {}</title><style>{STYLE}</style></head><body><main>",
        esc(report.tool.version),
        esc(&s.verdict)
    );
    // Verdict.
    let _ = write!(
        out,
        "<header id=\"verdict\" class=\"verdict sev-{sev_class}\"><p class=\"label\">Verdict</p>\
         <h1 id=\"verdict-text\">{}</h1><p id=\"confidence\">{}</p>\
         <p class=\"num\">{} recording(s), {} radio messages. Findings: {} high, {} medium, {} low, {} info.</p></header>",
        esc(&s.verdict),
        esc(confidence_words(s.highest)),
        s.inputs,
        s.messages,
        s.findings.high,
        s.findings.medium,
        s.findings.low,
        s.findings.info
    );
    let _ = write!(
        out,
        "<nav><a href=\"#timeline\">Timeline</a><a href=\"#findings\">Findings ({})</a>\
         <a href=\"#cells\">Cells ({})</a><a href=\"#inputs\">Recordings</a></nav>",
        report.findings.len(),
        report.cells.len()
    );
    render_timeline(&mut out, report);
    render_findings(&mut out, report);
    render_cells(&mut out, report);
    render_inputs(&mut out, report);
    let _ = writeln!(
        out,
        "<footer>Written by {} {} (report schema {}). Times are UTC as recorded by the capture. \
         Packet numbers are Wireshark's frame numbers for pcap/pcapng and the message index for \
         QMDL, as printed by <code>stingwatch decode</code>.</footer></main><script>{SCRIPT}</script></body></html>",
        esc(report.tool.name),
        esc(report.tool.version),
        report.schema_version
    );
    out
}

fn render_timeline(out: &mut String, report: &Report) {
    out.push_str("<section id=\"timeline\"><h2>Timeline</h2>");
    let mut files: Vec<&str> = Vec::new();
    for f in report
        .timeline
        .iter()
        .map(|t| &*t.file)
        .chain(report.findings.iter().map(|f| f.file.as_str()))
    {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    if files.is_empty() {
        out.push_str("<p class=\"muted\">The recordings tell no cell to draw.</p>");
    }
    for file in files {
        let segs: Vec<_> = report
            .timeline
            .iter()
            .filter(|t| &*t.file == file)
            .cloned()
            .collect();
        let marks: Vec<(usize, &FileFinding)> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.file == file)
            .map(|(i, f)| (i + 1, f))
            .collect();
        let svg = timeline_svg(&segs, &marks);
        if svg.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<figure><figcaption>{}: the cell the device was on over time (grey bars); \
             numbered marks are findings, linked to their cards below.</figcaption><div class=\"chart\">{svg}</div>",
            esc(file)
        );
        out.push_str("<div class=\"legend muted\">");
        for sev in [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ] {
            let _ = write!(
                out,
                "<span><i style=\"background:{}\"></i>{}</span>",
                severity_color(sev),
                sev.as_str()
            );
        }
        out.push_str("</div></figure>");
    }
    out.push_str("</section>");
}

fn render_findings(out: &mut String, report: &Report) {
    let _ = write!(
        out,
        "<section id=\"findings\"><h2>Findings ({})</h2>",
        report.findings.len()
    );
    if report.findings.is_empty() {
        out.push_str(
            "<p>No heuristic found anything to report. See <code>docs/heuristics.md</code> for what was checked.</p>",
        );
    } else {
        out.push_str("<div id=\"filters\" class=\"filters\" hidden>Show: ");
        for sev in ["high", "medium", "low", "info"] {
            let _ = write!(
                out,
                "<label><input type=\"checkbox\" value=\"{sev}\" checked> {sev}</label>"
            );
        }
        out.push_str("</div>");
    }
    for (i, ff) in report.findings.iter().enumerate() {
        render_card(out, i + 1, ff);
    }
    out.push_str("</section>");
}

fn render_card(out: &mut String, number: usize, ff: &FileFinding) {
    let f = &ff.finding;
    let _ = write!(
        out,
        "<article class=\"finding sev-{sev}\" id=\"finding-{number}\" data-kind=\"{kind}\" data-severity=\"{sev}\">\
         <h3>{badge}<span class=\"num\">{number}.</span> {title}</h3><dl>",
        sev = f.severity,
        kind = esc(f.kind),
        badge = severity_badge(f.severity),
        title = esc(&f.title)
    );
    let when = span_words(f.first_time, f.last_time);
    if !when.is_empty() {
        let _ = write!(out, "<dt>When</dt><dd>{}</dd>", esc(&when));
    }
    let cell = f
        .cell
        .map(|c| cell_words(&c))
        .unwrap_or_else(|| "not known".to_string());
    let _ = write!(out, "<dt>Cell</dt><dd>{}</dd>", esc(&cell));
    let packets = if f.first_packet == f.last_packet {
        format!("packet {}", f.first_packet)
    } else {
        format!("packets {} to {}", f.first_packet, f.last_packet)
    };
    let _ = write!(
        out,
        "<dt>Recording</dt><dd>{}, {}</dd>",
        esc(&ff.file),
        esc(&packets)
    );
    if f.count > 1 {
        let _ = write!(
            out,
            "<dt>Occurrences</dt><dd class=\"num\">{}</dd>",
            f.count
        );
    }
    if let Some(p) = &ff.position {
        let _ = write!(
            out,
            "<dt>Sensor position</dt><dd>{}</dd>",
            esc(&crate::position_words(p))
        );
    }
    if let Some(l) = f.lure {
        let _ = write!(
            out,
            "<dt>Pushes the phone to</dt><dd>{}</dd>",
            esc(l.describe())
        );
    }
    if f.operator_pattern {
        out.push_str(
            "<dt>Pattern</dt><dd>seen on many cells of one network for a long time: most likely the operator's configuration</dd>",
        );
    }
    let _ = write!(
        out,
        "<dt>Heuristic</dt><dd><code>{}</code> version {}</dd></dl><p class=\"explanation\">{}</p>",
        esc(f.kind),
        f.version,
        esc(&f.explanation)
    );
    push_html_list(
        out,
        "Harmless explanations that could fit",
        "benign",
        &f.benign_alternatives,
    );
    push_html_list(out, "Why this severity", "notes", &f.confidence_notes);
    if !f.includes.is_empty() {
        let steps: Vec<String> = f
            .includes
            .iter()
            .map(|i| {
                format!(
                    "packet {}: {} ({}, {} on its own)",
                    i.packet, i.title, i.kind, i.severity
                )
            })
            .collect();
        push_html_list(out, "Steps of this episode reported here", "steps", &steps);
    }
    if !f.evidence.is_empty() {
        let _ = write!(
            out,
            "<h4>Evidence ({} message{})</h4><div class=\"table-wrap\"><table class=\"evidence\">\
             <thead><tr><th>Packet</th><th>Time (UTC)</th><th>Message</th><th>Why it matters</th></tr></thead><tbody>",
            f.evidence.len() as u64 + f.evidence_omitted,
            if f.evidence.len() as u64 + f.evidence_omitted == 1 {
                ""
            } else {
                "s"
            }
        );
        for e in &f.evidence {
            let t = e.time.map(human_time_ms).unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td data-label=\"Packet\" class=\"num\">{}</td><td data-label=\"Time\" class=\"num\">{}</td>\
                 <td data-label=\"Message\">{}</td><td data-label=\"Why\">{}</td></tr>",
                e.packet,
                esc(&t),
                esc(&e.message),
                esc(&e.detail)
            );
        }
        out.push_str("</tbody></table></div>");
        if f.evidence_omitted > 0 {
            let _ = write!(
                out,
                "<p class=\"muted\">{} further message(s) left out; <code>stingwatch decode</code> lists every message.</p>",
                f.evidence_omitted
            );
        }
    }
    out.push_str("</article>");
}

fn render_cells(out: &mut String, report: &Report) {
    let _ = write!(
        out,
        "<section id=\"cells\"><h2>Cells seen ({})</h2>",
        report.cells.len()
    );
    if report.cells.is_empty() {
        out.push_str(
            "<p class=\"muted\">No cell broadcast its identity (SIB1) in these recordings.</p></section>",
        );
        return;
    }
    out.push_str(
        "<div class=\"table-wrap\"><table class=\"cells\"><thead><tr><th>Network</th><th>TAC</th><th>Cell id</th>\
         <th>EARFCN</th><th>PCI</th><th>SIBs scheduled</th><th>Barred</th><th>SIB1 seen</th>\
         <th>First seen</th><th>Last seen</th><th>Signal</th><th>Timing advance</th>\
         <th>Sensor position</th><th>Recording</th></tr></thead><tbody>",
    );
    for c in &report.cells {
        let sibs = if c.scheduled_sibs.is_empty() {
            "none beyond SIB2".to_string()
        } else {
            c.scheduled_sibs
                .iter()
                .map(|s| format!("SIB{s}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let opt = |v: Option<String>| v.unwrap_or_else(|| "–".to_string());
        let first = opt(c.first_time.map(human_time));
        let last = opt(c.last_time.map(human_time));
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{} (packet {})</td><td class=\"num\">{} (packet {})</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.plmn),
            c.tac,
            c.cell_id,
            opt(c.earfcn.map(|e| e.to_string())),
            opt(c.pci.map(|p| p.to_string())),
            esc(&sibs),
            if c.barred { "yes" } else { "no" },
            c.sightings,
            esc(&first),
            c.first_packet,
            esc(&last),
            c.last_packet,
            esc(&opt(c.signal.as_ref().map(crate::signal_words))),
            esc(&opt(c.timing_advance.as_ref().map(crate::timing_advance_words))),
            esc(&opt(c.position.as_ref().map(crate::position_words))),
            esc(&c.file)
        );
    }
    out.push_str("</tbody></table></div>");
    if !report.radio_cells.is_empty() {
        let _ = write!(
            out,
            "<h3>Cells measured without their identity ({})</h3>\
             <div class=\"table-wrap\"><table class=\"cells\"><thead><tr><th>EARFCN</th><th>PCI</th>\
             <th>Signal</th><th>Timing advance</th><th>Sensor position</th><th>Recording</th>\
             </tr></thead><tbody>",
            report.radio_cells.len()
        );
        let opt = |v: Option<String>| v.unwrap_or_else(|| "–".to_string());
        for c in &report.radio_cells {
            let _ = write!(
                out,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td></tr>",
                opt(c.earfcn.map(|e| e.to_string())),
                opt(c.pci.map(|p| p.to_string())),
                esc(&opt(c.signal.as_ref().map(crate::signal_words))),
                esc(&opt(c
                    .timing_advance
                    .as_ref()
                    .map(crate::timing_advance_words))),
                esc(&opt(c.position.as_ref().map(crate::position_words))),
                esc(&c.file)
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</section>");
}

fn render_inputs(out: &mut String, report: &Report) {
    out.push_str(
        "<section id=\"inputs\"><h2>Recordings</h2><div class=\"table-wrap\"><table class=\"inputs\">\
         <thead><tr><th>File</th><th>Format</th><th>Bytes</th><th>Messages</th><th>Not decoded</th>\
         <th>Skipped</th><th>Problems</th></tr></thead><tbody>",
    );
    for i in &report.inputs {
        let problems = if i.errors.is_empty() {
            "none".to_string()
        } else {
            let mut p: Vec<String> = i.errors.iter().take(20).cloned().collect();
            if i.errors.len() > 20 {
                p.push(format!("… {} more", i.errors.len() - 20));
            }
            p.join("; ")
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&i.path),
            esc(i.format.unwrap_or("unreadable")),
            i.bytes,
            i.messages,
            i.undecoded,
            i.skipped,
            esc(&problems)
        );
    }
    out.push_str("</tbody></table></div></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CellRecord, InputReport, TimelineSegment};
    use stingwatch_analysis::{Evidence, Finding};
    use stingwatch_events::{CaptureTime, CellRef, Event, EventKind};

    fn hostile_report() -> Report {
        let mut ev = Event::new(8, EventKind::ConnectionSetup);
        ev.time = Some(CaptureTime(1_767_276_120_000_000));
        ev.cell = Some(CellRef::radio(Some(1850), None));
        let mut f = Finding::at(
            "identity-request-without-auth",
            1,
            Severity::High,
            &ev,
            "<img src=x onerror=alert(1)>",
            "why </p><script>bad()</script>",
        )
        .benign("a \"quoted\" alternative");
        f.evidence.push(Evidence {
            packet: 8,
            time: ev.time,
            message: "Identity request (IMSI) <b>".into(),
            detail: "'x'".into(),
        });
        let input = InputReport {
            path: "<evil>.pcapng".into(),
            format: Some("pcapng"),
            bytes: 10,
            messages: 20,
            undecoded: 0,
            skipped: 0,
            errors: vec!["damaged <here>".into()],
        };
        let cell = CellRecord {
            file: "<evil>.pcapng".into(),
            plmn: "310-260".into(),
            tac: 42,
            cell_id: 7,
            earfcn: Some(1850),
            pci: None,
            scheduled_sibs: vec![],
            barred: false,
            sightings: 1,
            first_packet: 2,
            last_packet: 2,
            first_time: ev.time,
            last_time: ev.time,
            signal: None,
            timing_advance: Some(crate::TimingAdvanceSeen {
                value: 3,
                distance_m: 234.2,
                count: 1,
                time: ev.time,
            }),
            position: None,
        };
        Report::new(
            "0.1.0",
            vec![input],
            vec![FileFinding {
                file: "<evil>.pcapng".into(),
                finding: f,
                position: None,
            }],
            vec![cell],
        )
        .with_timeline(vec![TimelineSegment {
            file: "<evil>.pcapng".into(),
            cell: CellRef::radio(Some(1850), None),
            first_packet: 1,
            last_packet: 20,
            first_time: ev.time,
            last_time: Some(CaptureTime(1_767_276_540_000_000)),
            events: 20,
        }])
    }

    #[test]
    fn nothing_from_the_capture_becomes_markup() {
        let html = render_html(&hostile_report());
        assert!(!html.contains("<img"));
        assert!(!html.contains("<script>bad"));
        assert!(!html.contains("<evil>"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("a &quot;quoted&quot; alternative"));
        // The only script is the page's own.
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn page_has_verdict_chart_card_and_cells() {
        let html = render_html(&hostile_report());
        assert!(html.contains("id=\"verdict\" class=\"verdict sev-high\""));
        assert!(html.contains("Likely cell-site simulator"));
        assert!(html.contains("Confidence: high"));
        assert!(html.contains("<svg class=\"timeline\""));
        assert!(html.contains("class=\"segment\""));
        assert!(html.contains("id=\"finding-1\" data-kind=\"identity-request-without-auth\""));
        assert!(html.contains("<td>310-260</td>"));
        // The cell's timing advance in words; no signal and no position measured.
        assert!(html.contains("<td>TA 3 (about 234 m)</td>"));
        assert!(html.contains("<td>–</td><td>TA 3"));
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("http://") || html.matches("http://").count() == 1); // SVG namespace only
        assert!(!html.contains("https://"));
    }

    #[test]
    fn empty_report_says_no_signs() {
        let r = Report::new("0.1.0", Vec::new(), Vec::new(), Vec::new());
        let html = render_html(&r);
        assert!(html.contains("No signs of a cell-site simulator"));
        assert!(html.contains("sev-none"));
    }
}
