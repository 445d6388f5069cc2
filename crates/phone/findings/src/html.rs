//! The phone report as one self-contained HTML page: the verdict and what to do, a card per
//! finding, the timeline of the phone's events, what each check read, the problems met, the
//! indicators used and the acquisition.
//!
//! The page loads nothing and runs nothing: styles and the chart are inline, there is no
//! script, and a Content-Security-Policy forbids any fetch, so opening a report never tells
//! anyone it was opened. Every string from the phone or the indicator files is escaped.

use std::fmt::Write;
use stingwatch_render::push_html_list;

use stingwatch_model::Severity;

use crate::finding::PhoneFinding;
use crate::report::{PhoneReport, NOT_PROOF};
use crate::scan::EventMark;
use crate::svg::{severity_color, timeline_svg};
use crate::words::{day_words, escape_html as esc, human_time, span_words};

/// Matched and signalled records listed in the page's events table; the CSV has them all.
const MAX_EVENT_ROWS: usize = 500;
/// Diagnostics listed in the page.
const MAX_DIAGNOSTIC_ROWS: usize = 200;

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2429;background:#fafbfc}
main{max-width:1040px;margin:0 auto;padding:16px}
h1{font-size:1.4rem;line-height:1.35;margin:.2em 0}
h2{font-size:1.25rem;margin:1.6em 0 .5em;border-bottom:1px solid #cfd8dc;padding-bottom:.2em}
h3{font-size:1.1rem;margin:0 0 .4em;line-height:1.35;overflow-wrap:anywhere}
h4{font-size:.95rem;margin:1em 0 .3em}
.verdict{border-radius:8px;padding:16px 20px;color:#fff;background:#2e7d32}
.verdict .label{text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;margin:0;opacity:.9}
.verdict p{margin:.3em 0}
.verdict.sev-high{background:#b71c1c}.verdict.sev-medium{background:#e65100}
.verdict.sev-low{background:#01579b}.verdict.sev-info,.verdict.sev-none{background:#2e7d32}
.todo{background:#fff8e1;border:1px solid #ffe082;border-radius:6px;padding:10px 16px;margin:12px 0}
.todo ul{margin:.2em 0;padding-left:1.3em}
nav{margin:12px 0;font-size:.95rem}nav a{margin-right:1em}
.badge{display:inline-block;border-radius:4px;padding:0 .45em;color:#fff;font-size:.8rem;font-weight:700;vertical-align:.1em;margin-right:.3em}
.finding{background:#fff;border:1px solid #cfd8dc;border-left:6px solid #616161;border-radius:6px;padding:14px 16px;margin:14px 0}
.finding.sev-high{border-left-color:#b71c1c}.finding.sev-medium{border-left-color:#e65100}.finding.sev-low{border-left-color:#01579b}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:.4em 0 .8em;font-size:.92rem}
.finding dt{color:#546e7a}.finding dd{margin:0;overflow-wrap:anywhere}
.finding ul{margin:.2em 0;padding-left:1.3em}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}
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
code{overflow-wrap:anywhere}
footer{margin:2em 0 1em;font-size:.85rem;color:#607d8b}
@media (max-width:640px){
 main{padding:10px}
 h1{font-size:1.15rem}
 .finding{padding:10px 12px}
 .finding dl{grid-template-columns:1fr}
 .finding dt{font-weight:600}
 table.evidence thead{display:none}
 table.evidence,table.evidence tbody,table.evidence tr,table.evidence td{display:block;width:100%}
 table.evidence tr{border:1px solid #dfe5e8;margin-bottom:6px}
 table.evidence td{border:none;padding:2px 8px}
 table.evidence td::before{content:attr(data-label) ": ";color:#546e7a;font-weight:600}
}
@media print{nav{display:none}.finding{break-inside:avoid}}
"#;

fn severity_badge(s: Severity) -> String {
    format!(
        "<span class=\"badge\" style=\"background:{}\">{}</span>",
        severity_color(s),
        s.as_str().to_uppercase()
    )
}

/// Render the whole report as one HTML document.
pub fn render_html(report: &PhoneReport) -> String {
    let s = &report.summary;
    let sev_class = s.highest.map(|h| h.as_str()).unwrap_or("none");
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta name=\"generator\" content=\"stingwatch {}\">\
         <title>Stingwatch phone report: {}</title><style>{STYLE}</style></head><body><main>",
        esc(report.tool.version),
        esc(&s.verdict)
    );
    let a = &report.acquisition;
    let _ = write!(
        out,
        "<header id=\"verdict\" class=\"verdict sev-{sev_class}\"><p class=\"label\">Verdict</p>\
         <h1 id=\"verdict-text\">{}</h1>{}\
         <p class=\"num\">{}{}: {} records read by {} checks, compared with {} indicators. \
         Findings: {} high, {} medium, {} low, {} info.</p></header>",
        esc(&s.verdict),
        if s.verdict.contains(NOT_PROOF) {
            String::new()
        } else {
            format!("<p id=\"limits\">{}</p>", esc(&s.limits))
        },
        esc(a.kind.words()),
        if a.encrypted { " (encrypted)" } else { "" },
        s.records,
        s.artifacts,
        s.indicators,
        s.findings.high,
        s.findings.medium,
        s.findings.low,
        s.findings.info
    );
    render_todo(&mut out, report);
    let _ = write!(
        out,
        "<nav><a href=\"#findings\">Findings ({})</a><a href=\"#timeline\">Timeline</a>\
         <a href=\"#checks\">Checks</a><a href=\"#problems\">Problems ({})</a>\
         <a href=\"#indicators\">Indicators</a><a href=\"#acquisition\">Acquisition</a></nav>",
        report.findings.len(),
        report.diagnostics.len() as u64 + report.diagnostics_omitted
    );
    render_findings(&mut out, report);
    render_timeline(&mut out, report);
    render_checks(&mut out, report);
    render_problems(&mut out, report);
    render_indicators(&mut out, report);
    render_acquisition(&mut out, report);
    let _ = writeln!(
        out,
        "<footer>Written by {} {} (phone report schema {}). Times are UTC as the phone recorded \
         them. The timeline CSV (<code>--format csv</code>) lists every matched record.</footer>\
         </main></body></html>",
        esc(report.tool.name),
        esc(report.tool.version),
        report.schema_version
    );
    out
}

/// What to do now, from the most severe finding; when nothing worrying was found, where to go
/// if the person still has reasons to worry.
fn render_todo(out: &mut String, report: &PhoneReport) {
    out.push_str("<section id=\"todo\" class=\"todo\"><h2 style=\"border:0;margin:.2em 0\">What to do now</h2>");
    match report.findings.first() {
        Some(top) if top.severity >= Severity::Medium => {
            push_html_list(out, "", "contact", &top.next_steps.contact);
            push_html_list(out, "", "do-not", &top.next_steps.do_not);
            push_html_list(out, "", "meanwhile", &top.next_steps.meanwhile);
        }
        _ => {
            out.push_str(
                "<p>Nothing here calls for action. If you still have reasons to worry (your work \
                 makes you a likely target, or people seem to know what they should not), a \
                 digital-security helpline can look further: Access Now's Digital Security \
                 Helpline (help@accessnow.org) or Amnesty International's Security Lab \
                 (securitylab.amnesty.org). Do not reset the phone first: a reset erases the \
                 traces they would look for.</p>",
            );
        }
    }
    out.push_str("</section>");
}

fn render_findings(out: &mut String, report: &PhoneReport) {
    let _ = write!(
        out,
        "<section id=\"findings\"><h2>Findings ({})</h2>",
        report.findings.len()
    );
    if report.findings.is_empty() {
        out.push_str(
            "<p>No loaded indicator matched and no warning sign was seen. This is not proof that \
             the phone is clean; see the verdict above for why.</p>",
        );
    }
    for (i, f) in report.findings.iter().enumerate() {
        render_card(out, i + 1, f);
    }
    let omitted = report.findings_omitted.total();
    if omitted > 0 {
        let _ = write!(
            out,
            "<p class=\"muted\">{omitted} further finding(s) ({} high, {} medium, {} low, {} info) \
             are counted in the verdict but not listed.</p>",
            report.findings_omitted.high,
            report.findings_omitted.medium,
            report.findings_omitted.low,
            report.findings_omitted.info
        );
    }
    out.push_str("</section>");
}

fn render_card(out: &mut String, number: usize, f: &PhoneFinding) {
    let _ = write!(
        out,
        "<article class=\"finding sev-{sev}\" id=\"finding-{number}\" data-kind=\"{kind}\" data-severity=\"{sev}\">\
         <h3>{badge}<span class=\"num\">{number}.</span> {title}</h3><dl>",
        sev = f.severity,
        kind = esc(f.kind),
        badge = severity_badge(f.severity),
        title = esc(&f.title)
    );
    let _ = write!(
        out,
        "<dt>Check</dt><dd><code>{}</code></dd>",
        esc(f.artifact)
    );
    let when = span_words(f.first_time, f.last_time);
    if !when.is_empty() {
        let _ = write!(out, "<dt>When</dt><dd>{}</dd>", esc(&when));
    }
    let _ = write!(out, "<dt>Records</dt><dd class=\"num\">{}</dd>", f.count);
    if let Some(i) = &f.indicator {
        let _ = write!(
            out,
            "<dt>Indicator</dt><dd><code>{}</code> ({}), <code>{}</code></dd>\
             <dt>Collection</dt><dd>{}, from <code>{}</code></dd>",
            esc(&i.value),
            esc(i.kind.stix_key()),
            esc(&i.id),
            esc(&i.collection),
            esc(&i.source)
        );
    }
    let _ = write!(
        out,
        "<dt>Kind</dt><dd><code>{}</code></dd></dl><p class=\"explanation\">{}</p>",
        esc(f.kind),
        esc(&f.explanation)
    );
    push_html_list(
        out,
        "Harmless explanations that could fit",
        "benign",
        &f.benign_alternatives,
    );
    if !f.evidence.is_empty() {
        let total = f.evidence.len() as u64 + f.evidence_omitted;
        let _ = write!(
            out,
            "<h4>Evidence ({total} record{})</h4><div class=\"table-wrap\"><table class=\"evidence\">\
             <thead><tr><th>Time (UTC)</th><th>File</th><th>Where</th><th>What</th><th>Value</th></tr></thead><tbody>",
            if total == 1 { "" } else { "s" }
        );
        for e in &f.evidence {
            let time = e.time.map(human_time).unwrap_or_default();
            let value = match (&e.observable, &e.how) {
                (Some(o), Some(how)) => format!("{} ({}; {how})", o.value, o.kind.stix_key()),
                (Some(o), None) => format!("{} ({})", o.value, o.kind.stix_key()),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "<tr><td data-label=\"Time\" class=\"num\">{}</td><td data-label=\"File\"><code>{}</code></td>\
                 <td data-label=\"Where\">{}</td><td data-label=\"What\">{}</td><td data-label=\"Value\">{}</td></tr>",
                esc(&time),
                esc(&e.source),
                esc(&e.locator),
                esc(&e.summary),
                esc(&value)
            );
        }
        out.push_str("</tbody></table></div>");
        if f.evidence_omitted > 0 {
            let _ = write!(
                out,
                "<p class=\"muted\">{} further record(s) left out here; the timeline CSV lists them.</p>",
                f.evidence_omitted
            );
        }
    }
    // Closed: the page's "What to do now" box already shows the most severe finding's steps.
    out.push_str("<details class=\"next-steps\"><summary>What to do</summary>");
    push_html_list(out, "", "contact", &f.next_steps.contact);
    push_html_list(out, "", "do-not", &f.next_steps.do_not);
    push_html_list(out, "", "meanwhile", &f.next_steps.meanwhile);
    out.push_str("</details></article>");
}

fn render_timeline(out: &mut String, report: &PhoneReport) {
    let t = &report.timeline;
    out.push_str("<section id=\"timeline\"><h2>Timeline of the phone's events</h2>");
    let svg = timeline_svg(report);
    if svg.is_empty() {
        out.push_str("<p class=\"muted\">No record read from this acquisition carries a time.</p>");
    } else {
        let first = t.days.first().map(|d| d.start);
        let last = t.days.last().map(|d| d.start);
        let span = match (first, last) {
            (Some(a), Some(b)) => format!(" from {} to {}", day_words(a), day_words(b)),
            _ => String::new(),
        };
        let _ = write!(
            out,
            "<figure><figcaption>Records each check read over time{} (grey bars, taller for \
             more records); coloured marks are matched or signalled records, linked to their \
             findings.</figcaption><div class=\"chart\">{svg}</div><div class=\"legend muted\">",
            esc(&span)
        );
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
    let marked: Vec<_> = t
        .events
        .iter()
        .filter(|e| e.mark != EventMark::Sample)
        .collect();
    if !marked.is_empty() {
        out.push_str(
            "<h3>Matched and signalled records</h3><div class=\"table-wrap\"><table class=\"events\">\
             <thead><tr><th>Time (UTC)</th><th>Check</th><th>Record</th><th>Indicator</th>\
             <th>Collection</th><th>Finding</th></tr></thead><tbody>",
        );
        for e in marked.iter().take(MAX_EVENT_ROWS) {
            let time = e.time.map(human_time).unwrap_or_else(|| "unknown".into());
            let finding = match e.finding {
                Some(n) => format!(
                    "<a href=\"#finding-{n}\">{} #{n}</a>",
                    e.severity.map_or("", Severity::as_str)
                ),
                None => esc(e.severity.map_or("", Severity::as_str)),
            };
            let _ = write!(
                out,
                "<tr><td class=\"num\">{}</td><td><code>{}</code></td><td>{}<br><span class=\"muted\">{} {}</span></td>\
                 <td>{}</td><td>{}</td><td>{finding}</td></tr>",
                esc(&time),
                esc(e.artifact),
                esc(&e.summary),
                esc(&e.source),
                esc(&e.locator),
                esc(e.indicator.as_deref().unwrap_or("")),
                esc(e.collection.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</tbody></table></div>");
        let more =
            (marked.len().saturating_sub(MAX_EVENT_ROWS) as u64).saturating_add(t.marked_omitted);
        if more > 0 {
            let _ = write!(
                out,
                "<p class=\"muted\">{more} further matched or signalled record(s) are not listed here.</p>"
            );
        }
    }
    if t.untimed_records > 0 {
        let _ = write!(
            out,
            "<p class=\"muted\">{} records carry no time and are not drawn.</p>",
            t.untimed_records
        );
    }
    out.push_str(
        "<p class=\"muted\">The timeline CSV lists every matched and signalled record and the \
         first few records of each check on each day.</p></section>",
    );
}

fn render_checks(out: &mut String, report: &PhoneReport) {
    out.push_str("<section id=\"checks\"><h2>What each check read</h2>");
    if report.artifacts.is_empty() {
        out.push_str("<p>No check read anything from this acquisition.</p></section>");
        return;
    }
    out.push_str(
        "<div class=\"table-wrap\"><table class=\"checks\"><thead><tr><th>Check</th><th>Records</th>\
         <th>With a time</th><th>Matched</th><th>Signals</th><th>Problems</th></tr></thead><tbody>",
    );
    for c in &report.artifacts {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(c.artifact),
            c.records,
            c.timed,
            c.matched,
            c.signals,
            c.diagnostics
        );
    }
    out.push_str("</tbody></table></div></section>");
}

fn render_problems(out: &mut String, report: &PhoneReport) {
    let total = report.diagnostics.len() as u64 + report.diagnostics_omitted;
    let _ = write!(
        out,
        "<section id=\"problems\"><h2>Problems reading the acquisition ({total})</h2>"
    );
    if total == 0 {
        out.push_str("<p>None: everything found was read.</p></section>");
        return;
    }
    out.push_str(
        "<p class=\"muted\">What could not be read was left out; everything else was checked. A \
         damaged file can be normal, or a sign that something was removed.</p><ul class=\"problems\">",
    );
    for d in report.diagnostics.iter().take(MAX_DIAGNOSTIC_ROWS) {
        let _ = write!(
            out,
            "<li><code>{}</code>: {}</li>",
            esc(&d.source),
            esc(&d.message)
        );
    }
    out.push_str("</ul>");
    let more = total.saturating_sub(MAX_DIAGNOSTIC_ROWS as u64);
    if more > 0 {
        let _ = write!(out, "<p class=\"muted\">{more} more not listed.</p>");
    }
    out.push_str("</section>");
}

fn render_indicators(out: &mut String, report: &PhoneReport) {
    out.push_str("<section id=\"indicators\"><h2>Indicators used</h2>");
    if report.indicators.is_empty() {
        out.push_str(
            "<p><strong>No indicators were loaded.</strong> Without them this check cannot \
             recognise any known spyware.</p></section>",
        );
        return;
    }
    out.push_str(
        "<div class=\"table-wrap\"><table class=\"indicators\"><thead><tr><th>Collection</th>\
         <th>Indicators</th><th>Files</th></tr></thead><tbody>",
    );
    for c in &report.indicators {
        let files: Vec<String> = c.files.iter().map(|f| esc(f)).collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
            esc(&c.name),
            c.indicators,
            files.join("</code>, <code>")
        );
    }
    out.push_str("</tbody></table></div></section>");
}

fn render_acquisition(out: &mut String, report: &PhoneReport) {
    let a = &report.acquisition;
    let _ = write!(
        out,
        "<section id=\"acquisition\"><h2>Acquisition</h2><div class=\"table-wrap\"><table class=\"acquisition\"><tbody>\
         <tr><th>Kind</th><td>{} (<code>{}</code>)</td></tr><tr><th>Path</th><td><code>{}</code></td></tr>\
         <tr><th>Encrypted</th><td>{}</td></tr>",
        esc(a.kind.words()),
        esc(a.kind.as_str()),
        esc(&a.path),
        if a.encrypted { "yes" } else { "no" }
    );
    for d in &a.device {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(&d.key),
            esc(&d.value)
        );
    }
    out.push_str("</tbody></table></div></section>");
}
