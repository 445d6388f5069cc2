//! The phone's timeline as CSV, for spreadsheets and other tools.
//!
//! Written by hand: the quoting is a few lines, and what a CSV crate would not do is the
//! part that matters here, neutralising cells a spreadsheet would run as formulas.

use crate::report::PhoneReport;

/// The header line of [`render_timeline_csv`], without its line end.
pub const TIMELINE_CSV_HEADER: &str =
    "time,artifact,source,locator,summary,indicator,collection,severity";

/// One CSV cell: a value starting with `=`, `+`, `-`, `@`, tab or carriage return gets a `'`
/// in front so a spreadsheet shows it instead of running it as a formula (values come from
/// the phone, which an attacker may have written to); a cell holding a comma, quote or line
/// break is quoted with its quotes doubled (RFC 4180).
pub fn csv_cell(value: &str) -> String {
    let risky = matches!(
        value.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let needs_quotes = value.contains([',', '"', '\n', '\r']);
    let mut out = String::with_capacity(value.len() + 3);
    if needs_quotes {
        out.push('"');
    }
    if risky {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if needs_quotes {
        out.push('"');
    }
    out
}

/// The timeline's listed events as CSV (header first, CRLF line ends): timed events by time,
/// then untimed ones. Matched and signalled records carry their severity; sampled records
/// leave indicator, collection and severity empty.
pub fn render_timeline_csv(report: &PhoneReport) -> String {
    let mut out = String::with_capacity(256 * (report.timeline.events.len() + 1));
    out.push_str(TIMELINE_CSV_HEADER);
    out.push_str("\r\n");
    for e in &report.timeline.events {
        let time = e.time.map(|t| t.iso8601()).unwrap_or_default();
        let cells = [
            time.as_str(),
            e.artifact,
            &e.source,
            &e.locator,
            &e.summary,
            e.indicator.as_deref().unwrap_or(""),
            e.collection.as_deref().unwrap_or(""),
            e.severity.map_or("", |s| s.as_str()),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&csv_cell(c));
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_quotes_doubled() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell(""), "");
        // Only the first character makes a formula.
        assert_eq!(csv_cell("a=b"), "a=b");
    }
}
