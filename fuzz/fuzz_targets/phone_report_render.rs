//! Phone findings and every rendering of them on records whose every string is arbitrary:
//! the scan must not panic, the HTML must carry no markup but its own, the CSV no formula cell
//! and the right number of cells per row, the NDJSON one JSON value per line, and the plain
//! terminal text no control character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_phone_findings::{
    render_html, render_text, render_timeline_csv, write_json, write_ndjson, Acquisition,
    AcquisitionKind, IndicatorCollection, IndicatorMatcher, PhoneReport, PhoneScan,
};
use stingwatch_phone_model::{
    ArtifactRecord, Diagnostic, IndicatorMatch, IndicatorRef, Observable, ObservableKind,
    RecordSink, Severity, Signal, UnixMillis,
};

/// Matches any value containing `evil`, naming the value itself as the indicator so that
/// indicator strings are as hostile as the records.
struct ContainsEvil;

impl IndicatorMatcher for ContainsEvil {
    fn matches(&self, o: &Observable, out: &mut Vec<IndicatorMatch>) {
        if o.value.contains("evil") {
            out.push(IndicatorMatch {
                observable: o.clone(),
                indicator: IndicatorRef {
                    id: format!("indicator--{}", o.value),
                    kind: o.kind,
                    value: o.value.clone(),
                    collection: o.value.chars().rev().collect(),
                    source: o.value.clone(),
                },
                how: Some(o.value.clone()),
            });
        }
    }
}

const ARTIFACTS: [&str; 4] = ["ios.sms", "ios.safari_history", "android.packages", "x"];

/// Tags the renderers write themselves; any other `<name` came from the input.
const OWN_TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "header",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "section",
    "ul",
    "li",
    "nav",
    "a",
    "article",
    "span",
    "dl",
    "dt",
    "dd",
    "code",
    "details",
    "summary",
    "div",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "figure",
    "figcaption",
    "svg",
    "rect",
    "text",
    "line",
    "circle",
    "i",
    "strong",
    "footer",
];

fn csv_rows(s: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "CSV ends inside a row"
    );
    rows
}

fuzz_target!(|data: &[u8]| {
    let mut scan = PhoneScan::new(&ContainsEvil);
    // Each 0xFF-separated chunk is one item: first byte chooses what, 8 bytes of time, then
    // 0xFE-separated strings.
    for chunk in data.split(|b| *b == 0xFF) {
        let Some((&op, rest)) = chunk.split_first() else {
            continue;
        };
        let (time, rest) = match rest.split_first_chunk::<8>() {
            Some((t, r)) if op & 0x10 != 0 => (Some(UnixMillis(i64::from_le_bytes(*t))), r),
            _ => (None, rest),
        };
        let mut strings = rest
            .split(|b| *b == 0xFE)
            .map(|s| String::from_utf8_lossy(s).into_owned());
        let mut next = || strings.next().unwrap_or_default();
        let kind = ObservableKind::ALL[usize::from(op >> 5) % ObservableKind::ALL.len()];
        let record = ArtifactRecord {
            artifact: ARTIFACTS[usize::from(op) % ARTIFACTS.len()],
            source: next(),
            locator: next(),
            time,
            summary: next(),
            observables: vec![Observable::new(kind, next()), Observable::new(kind, next())],
        };
        match op & 0x0C {
            0x04 => scan.signal(Signal {
                kind: "fuzz.signal",
                severity: [
                    Severity::Info,
                    Severity::Low,
                    Severity::Medium,
                    Severity::High,
                ][usize::from(op >> 6)],
                title: next(),
                explanation: next(),
                record,
            }),
            0x08 => scan.diagnostic(Diagnostic::new(next(), next())),
            _ => scan.record(record),
        }
    }
    let report = PhoneReport::new(
        "0.0.0",
        Acquisition::new(AcquisitionKind::IosBackup, String::from_utf8_lossy(data))
            .with_device(String::from_utf8_lossy(data), "<x>"),
        vec![IndicatorCollection {
            name: String::from_utf8_lossy(data).into_owned(),
            indicators: 1,
            files: vec!["<f>".into()],
        }],
        scan.finish(),
    );

    let html = render_html(&report);
    for (i, _) in html.match_indices('<') {
        let name: String = html[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '/')
            .collect();
        let name = name.trim_start_matches('/');
        assert!(OWN_TAGS.contains(&name), "markup from the input: <{name}");
    }
    for (i, _) in html.match_indices("href=\"") {
        assert_eq!(
            html.get(i + 6..i + 7),
            Some("#"),
            "a link that leaves the page"
        );
    }

    let csv = render_timeline_csv(&report);
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), report.timeline.events.len() + 1);
    for row in &rows {
        assert_eq!(row.len(), 8);
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell"
            );
        }
    }

    let mut nd = Vec::new();
    write_ndjson(&report, &mut nd).expect("write to memory");
    let nd = String::from_utf8(nd).expect("NDJSON is UTF-8");
    assert_eq!(nd.lines().count(), report.findings.len() + 1);
    for line in nd.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each NDJSON line is JSON");
    }
    let mut json = Vec::new();
    write_json(&report, &mut json).expect("write to memory");
    serde_json::from_slice::<serde_json::Value>(&json).expect("the report is JSON");

    let text = render_text(&report, false);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "control character in text"
    );
});
