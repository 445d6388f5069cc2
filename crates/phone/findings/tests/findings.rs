//! Findings built from streamed records: merging, bounds, order, escaping, verdicts, formats
//! and exit codes.

mod common;

use common::*;
use stingwatch_phone_findings::*;
use stingwatch_phone_model::{Diagnostic, Observable, ObservableKind, RecordSink, Severity};

fn sms(i: i64, value: &str) -> stingwatch_phone_model::ArtifactRecord {
    record(
        "ios.sms",
        &format!("message ROWID {i}"),
        Some(i * HOUR),
        &format!("SMS from +15550100: {value}"),
        vec![url(value)],
    )
}

#[test]
fn one_indicator_on_many_records_is_one_finding_per_artifact() {
    let m = three_indicators();
    let mut records: Vec<_> = (0..30)
        .map(|i| sms(i, "https://a.evil.example/x"))
        .collect();
    records.push(record(
        "ios.safari_history",
        "history_visits id 7",
        Some(100 * HOUR),
        "Visited https://evil.example/",
        vec![url("https://evil.example/")],
    ));
    // A benign twin: not a subdomain, only a look-alike.
    records.push(sms(40, "https://notevil.example/x"));
    let r = report_of(&m, records, vec![]);
    assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
    let sms_f = r
        .findings
        .iter()
        .find(|f| f.artifact == "ios.sms")
        .expect("sms finding");
    assert_eq!(sms_f.kind, INDICATOR_MATCH);
    assert_eq!(sms_f.severity, Severity::High);
    assert_eq!(sms_f.count, 30);
    assert_eq!(sms_f.evidence.len(), MAX_EVIDENCE_PER_FINDING);
    assert_eq!(sms_f.evidence_omitted, 30 - MAX_EVIDENCE_PER_FINDING as u64);
    assert_eq!(sms_f.first_time.map(|t| t.0), Some(T0));
    assert_eq!(sms_f.last_time.map(|t| t.0), Some(T0 + 29 * HOUR));
    let i = sms_f.indicator.as_ref().expect("indicator");
    assert_eq!(
        (i.value.as_str(), i.collection.as_str()),
        ("evil.example", "Pegasus")
    );
    let e = &sms_f.evidence[0];
    assert_eq!(e.source, "HomeDomain/Library/SMS/sms.db");
    assert_eq!(e.locator, "message ROWID 0");
    assert_eq!(e.how.as_deref(), Some("subdomain of evil.example"));
    assert_eq!(
        e.observable.as_ref().map(|o| o.value.as_str()),
        Some("https://a.evil.example/x")
    );
    let web = r
        .findings
        .iter()
        .find(|f| f.artifact == "ios.safari_history")
        .expect("web");
    assert_eq!(web.count, 1);
    assert_eq!(web.evidence[0].how.as_deref(), Some("host of a URL"));
    // The look-alike matched nothing; counters say so.
    let c = r
        .artifacts
        .iter()
        .find(|c| c.artifact == "ios.sms")
        .expect("counts");
    assert_eq!((c.records, c.matched, c.timed), (31, 30, 31));
    assert_eq!(r.summary.findings.high, 2);
}

#[test]
fn a_url_and_its_host_in_one_record_count_once() {
    let m = three_indicators();
    let rec = record(
        "ios.sms",
        "message ROWID 1",
        Some(0),
        "link",
        vec![
            url("https://evil.example/a"),
            Observable::new(ObservableKind::Domain, "evil.example"),
        ],
    );
    let r = report_of(&m, vec![rec], vec![]);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].count, 1);
    assert_eq!(r.findings[0].evidence.len(), 1);
}

#[test]
fn signals_keep_their_severity_and_merge_by_title() {
    let m = three_indicators();
    let s = |i: i64, title: &str| {
        signal(
            "android.sideloaded-app",
            Severity::Medium,
            title,
            record(
                "android.packages",
                &format!("package {i}"),
                Some(i * DAY),
                title,
                vec![],
            ),
        )
    };
    let r = report_of(
        &m,
        vec![],
        vec![
            s(0, "Sideloaded app com.a"),
            s(1, "Sideloaded app com.a"),
            s(2, "Sideloaded app com.b"),
        ],
    );
    assert_eq!(r.findings.len(), 2);
    assert!(r.findings.iter().all(|f| f.severity == Severity::Medium));
    assert_eq!(r.findings[0].title, "Sideloaded app com.a");
    assert_eq!(r.findings[0].count, 2);
    assert_eq!(r.findings[0].kind, "android.sideloaded-app");
    assert!(r.findings[0].indicator.is_none());
    assert_eq!(r.artifacts[0].signals, 3);
    // Signalled records are marked in the timeline with their own severity.
    let marked: Vec<_> = r
        .timeline
        .events
        .iter()
        .filter(|e| e.mark == EventMark::Signal)
        .collect();
    assert_eq!(marked.len(), 3);
    assert_eq!(marked[2].finding, Some(2));
    assert_eq!(marked[2].severity, Some(Severity::Medium));
}

#[test]
fn findings_are_sorted_by_severity_then_time() {
    let m = three_indicators();
    let late_match = record(
        "ios.datausage",
        "ZPROCESS 3",
        Some(50 * DAY),
        "graphited used the network",
        vec![Observable::new(ObservableKind::ProcessName, "graphited")],
    );
    let early_match = record(
        "ios.installed_apps",
        "Info.plist",
        Some(10 * DAY),
        "com.predator.agent installed",
        vec![Observable::new(ObservableKind::AppId, "com.predator.agent")],
    );
    let low = signal(
        "ios.low-thing",
        Severity::Low,
        "Low sign",
        record("ios.profiles", "p", Some(0), "profile", vec![]),
    );
    let medium = signal(
        "ios.medium-thing",
        Severity::Medium,
        "Medium sign",
        record("ios.profiles", "q", Some(90 * DAY), "profile", vec![]),
    );
    let info_untimed = signal(
        "ios.info-thing",
        Severity::Info,
        "Info note",
        record("ios.profiles", "r", None, "profile", vec![]),
    );
    let r = report_of(
        &m,
        vec![late_match, early_match],
        vec![info_untimed, low, medium],
    );
    let order: Vec<(Severity, &str)> = r
        .findings
        .iter()
        .map(|f| (f.severity, f.artifact))
        .collect();
    assert_eq!(
        order,
        vec![
            (Severity::High, "ios.installed_apps"),
            (Severity::High, "ios.datausage"),
            (Severity::Medium, "ios.profiles"),
            (Severity::Low, "ios.profiles"),
            (Severity::Info, "ios.profiles"),
        ]
    );
    // Timeline events link to the findings' numbers in that order.
    let linked: Vec<(Option<usize>, &str)> = r
        .timeline
        .events
        .iter()
        .map(|e| (e.finding, e.locator.as_str()))
        .collect();
    assert_eq!(
        linked,
        vec![
            (Some(4), "p"),
            (Some(1), "Info.plist"),
            (Some(2), "ZPROCESS 3"),
            (Some(3), "q"),
            (Some(5), "r"),
        ]
    );
}

#[test]
fn distinct_findings_past_the_limit_are_counted_not_lost() {
    let mut m = TableMatcher::new();
    let n = MAX_FINDINGS + 5;
    for i in 0..n {
        m.add(ObservableKind::Domain, &format!("d{i}.example"), "Flood");
    }
    let records = (0..n as i64)
        .map(|i| sms(i, &format!("https://d{i}.example/")))
        .collect();
    let r = report_of(&m, records, vec![]);
    assert_eq!(r.findings.len(), MAX_FINDINGS);
    assert_eq!(r.findings_omitted.high, 5);
    assert_eq!(r.summary.findings.high, n as u64);
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.source == "(scan)" && d.message.contains("distinct findings")));
    assert_eq!(exit_code(&r, Severity::High), EXIT_FINDING);
}

#[test]
fn evidence_over_all_findings_is_bounded_and_every_finding_keeps_some() {
    let mut m = TableMatcher::new();
    let findings = 300;
    for i in 0..findings {
        m.add(ObservableKind::Domain, &format!("d{i}.example"), "Many");
    }
    let mut records = Vec::new();
    for round in 0..25 {
        for i in 0..findings {
            records.push(sms(round * 1000 + i, &format!("https://d{i}.example/")));
        }
    }
    let r = report_of(&m, records, vec![]);
    assert_eq!(r.findings.len(), findings as usize);
    let kept: usize = r.findings.iter().map(|f| f.evidence.len()).sum();
    assert!(kept <= MAX_EVIDENCE_TOTAL + findings as usize, "{kept}");
    assert!(kept >= MAX_EVIDENCE_TOTAL);
    for f in &r.findings {
        assert!(!f.evidence.is_empty());
        assert_eq!(f.evidence.len() as u64 + f.evidence_omitted, f.count);
        assert_eq!(f.count, 25);
    }
}

#[test]
fn long_values_are_clipped() {
    let m = three_indicators();
    let long = format!("https://evil.example/{}", "A".repeat(100_000));
    let r = report_of(&m, vec![sms(1, &long)], vec![]);
    let e = &r.findings[0].evidence[0];
    assert!(e.summary.len() <= MAX_TEXT_BYTES);
    let v = &e.observable.as_ref().expect("value").value;
    assert!(v.len() <= MAX_TEXT_BYTES && v.ends_with('…'));
    assert!(r.findings[0].title.chars().count() < 200);
}

#[test]
fn timeline_counts_days_and_samples_the_rest() {
    let m = three_indicators();
    let mut records = Vec::new();
    for day in 0..3 {
        for k in 0..10 {
            let value = if day == 1 && k == 5 {
                "https://evil.example/"
            } else {
                "https://news.example/"
            };
            records.push(record(
                "ios.safari_history",
                &format!("visit {day}-{k}"),
                Some(day * DAY + k * HOUR),
                "visit",
                vec![url(value)],
            ));
        }
    }
    records.push(record(
        "ios.safari_history",
        "untimed",
        None,
        "visit",
        vec![],
    ));
    let r = report_of(&m, records, vec![]);
    let t = &r.timeline;
    let days: Vec<(&str, u64, u64)> = t
        .days
        .iter()
        .map(|d| (d.day.as_str(), d.records, d.marked))
        .collect();
    assert_eq!(
        days,
        vec![
            ("2025-12-04", 10, 0),
            ("2025-12-05", 10, 1),
            ("2025-12-06", 10, 0)
        ]
    );
    assert_eq!(t.untimed_records, 1);
    let samples = t
        .events
        .iter()
        .filter(|e| e.mark == EventMark::Sample)
        .count();
    assert_eq!(samples, 3 * MAX_SAMPLES_PER_DAY as usize);
    let matched: Vec<_> = t
        .events
        .iter()
        .filter(|e| e.mark == EventMark::Match)
        .collect();
    assert_eq!(matched.len(), 1);
    assert_eq!(matched[0].locator, "visit 1-5");
    assert_eq!(matched[0].indicator.as_deref(), Some("evil.example"));
    assert_eq!(matched[0].collection.as_deref(), Some("Pegasus"));
    assert_eq!(matched[0].finding, Some(1));
    // Events are in time order.
    let times: Vec<_> = t.events.iter().filter_map(|e| e.time).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn diagnostics_count_against_the_check_that_read_the_file() {
    let m = three_indicators();
    let mut scan = PhoneScan::new(&m);
    scan.diagnostic(Diagnostic::new(
        "HomeDomain/Library/SMS/sms.db",
        "table message: row 7 unreadable",
    ));
    scan.record(sms(1, "https://ok.example/"));
    scan.diagnostic(Diagnostic::new("Manifest.db", "truncated"));
    let r = PhoneReport::new(
        "0.1.0",
        Acquisition::new(AcquisitionKind::IosBackup, "b"),
        m.collections(),
        scan.finish(),
    );
    assert_eq!(r.diagnostics.len(), 2);
    let c = &r.artifacts[0];
    assert_eq!((c.artifact, c.diagnostics), ("ios.sms", 1));
}

fn hostile_report() -> PhoneReport {
    let mut m = TableMatcher::new();
    m.add(ObservableKind::Domain, "evil.example", "<b>Coll</b>");
    let rec = stingwatch_phone_model::ArtifactRecord {
        artifact: "ios.sms",
        source: "+cmd|' /C calc'!A0".into(),
        locator: "=HYPERLINK(\"http://x.example\",\"click\")".into(),
        time: Some(stingwatch_phone_model::UnixMillis(T0)),
        summary: "<script>alert(1)</script>, \"quoted\"\nsecond line \u{1b}[2J".into(),
        observables: vec![url("https://evil.example/<img src=x onerror=alert(1)>")],
    };
    let sig = signal(
        "ios.odd",
        Severity::Low,
        "@SUM(1+1) <iframe src=x>",
        record(
            "ios.profiles",
            "-2+3",
            Some(HOUR),
            "<svg onload=alert(1)>",
            vec![],
        ),
    );
    let mut scan = PhoneScan::new(&m);
    scan.record(rec);
    scan.signal(sig);
    scan.diagnostic(Diagnostic::new(
        "<evil>.db",
        "bad </li><script>x()</script>",
    ));
    PhoneReport::new(
        "0.1.0",
        Acquisition::new(AcquisitionKind::IosBackup, "/tmp/<backup>")
            .with_device("Device Name", "<iframe src=//x.example>")
            .encrypted(true),
        m.collections(),
        scan.finish(),
    )
}

#[test]
fn nothing_from_the_phone_becomes_markup() {
    let html = render_html(&hostile_report());
    for bad in [
        "<script",
        "<img",
        "<iframe",
        "<b>",
        "<evil>",
        "<svg onload",
        "<backup>",
    ] {
        assert!(!html.contains(bad), "{bad} reached the page unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;Coll&lt;/b&gt;"));
    assert!(html.contains("&lt;iframe src=//x.example&gt;"));
    // The page loads nothing: no source attributes, only in-page links.
    assert!(html.contains("default-src 'none'"));
    assert!(!html.contains("src=\""));
    assert!(!html.contains("<script"));
    for (i, _) in html.match_indices("href=\"") {
        assert_eq!(html.get(i + 6..i + 7), Some("#"), "external link at {i}");
    }
    // The only URL in markup is the SVG namespace.
    assert_eq!(
        html.matches("=\"http").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
}

#[test]
fn the_terminal_gets_no_escape_sequences_from_the_phone() {
    let text = render_text(&hostile_report(), false);
    assert!(!text.contains('\x1b'));
    let colored = render_text(&hostile_report(), true);
    assert!(!colored.contains("\x1b[2J"));
}

/// RFC 4180 fields of a CSV document (quoted fields may hold commas, quotes and line breaks).
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
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

#[test]
fn timeline_csv_quotes_and_neutralises_formulas() {
    let report = hostile_report();
    let csv = render_timeline_csv(&report);
    let rows = parse_csv(&csv);
    assert_eq!(rows[0].join(","), TIMELINE_CSV_HEADER);
    assert_eq!(rows.len(), 1 + report.timeline.events.len());
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.len(), 8, "{row:?}");
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
    }
    let m = &rows[1];
    assert_eq!(m[0], "2025-12-04T10:00:00.000Z");
    assert_eq!(m[1], "ios.sms");
    assert_eq!(m[2], "'+cmd|' /C calc'!A0");
    assert_eq!(m[3], "'=HYPERLINK(\"http://x.example\",\"click\")");
    assert!(m[4].starts_with("<script>alert(1)</script>, \"quoted\"\nsecond line"));
    assert_eq!(
        (m[5].as_str(), m[6].as_str(), m[7].as_str()),
        ("evil.example", "<b>Coll</b>", "high")
    );
    assert_eq!(rows[2][3], "'-2+3");
    assert_eq!(rows[2][7], "low");
}

#[test]
fn verdict_without_findings_says_it_is_not_proof() {
    let m = three_indicators();
    let r = report_of(&m, vec![sms(1, "https://news.example/")], vec![]);
    let v = &r.summary.verdict;
    assert!(r.findings.is_empty());
    assert!(
        v.starts_with("None of the 3 loaded indicators matched anything in this iPhone backup, and no other warning sign was seen."),
        "{v}"
    );
    assert!(
        v.contains("This is not proof that the phone is clean"),
        "{v}"
    );
    assert!(
        v.contains("a backup does not hold everything on the phone"),
        "{v}"
    );
    assert!(r
        .summary
        .limits
        .contains("Finding nothing is not proof that the phone is clean"));
    assert_eq!(r.summary.highest, None);
    let html = render_html(&r);
    assert!(html.contains("verdict sev-none"));
    assert!(html.contains("not proof that the phone is clean"));
    assert!(render_text(&r, false).starts_with("None of the 3 loaded indicators"));

    // Without indicators the verdict says nothing could be compared.
    let empty = TableMatcher::new();
    let mut scan = PhoneScan::new(&empty);
    scan.record(sms(1, "https://evil.example/"));
    let r = PhoneReport::new(
        "0.1.0",
        Acquisition::new(AcquisitionKind::Androidqf, "aqf"),
        Vec::new(),
        scan.finish(),
    );
    let v = &r.summary.verdict;
    assert!(v.starts_with("No indicators were loaded, so this Android acquisition could not be compared with any known spyware"), "{v}");
    assert!(v.contains("not proof that the phone is clean"), "{v}");
    assert!(v.contains("an acquisition does not hold everything"), "{v}");
    assert!(render_html(&r).contains("No indicators were loaded."));
}

#[test]
fn verdict_with_a_match_names_the_collection_and_the_helpline() {
    let m = three_indicators();
    let r = report_of(&m, vec![sms(2, "https://evil.example/")], vec![]);
    let v = &r.summary.verdict;
    assert_eq!(
        v,
        "Traces of known spyware found in this iPhone backup: 1 indicator from 1 collection \
         (Pegasus) matched (most notable: Pegasus indicator found in SMS and iMessage messages: \
         https://evil.example/, at 2025-12-04 12:00:00 UTC). Contact a digital-security helpline \
         (Access Now's Digital Security Helpline or Amnesty International's Security Lab) before \
         changing anything on the phone."
    );
    let text = render_text(&r, false);
    assert!(text.contains("What to do now"));
    assert!(text.contains("Do not reset, wipe or update the phone"));
    let html = render_html(&r);
    assert!(html.contains("verdict sev-high"));
    assert!(html.contains("<details class=\"next-steps\"><summary>What to do</summary>"));
    assert!(html.contains("id=\"limits\""));
    assert!(html.contains("received but never opened"));
    assert!(html.contains("<svg class=\"timeline\""));
    assert!(html.contains("<a href=\"#finding-1\"><circle class=\"mark\""));
}

#[test]
fn verdict_with_weak_signs_only_still_says_not_proof() {
    let m = three_indicators();
    let low = signal(
        "ios.low-thing",
        Severity::Low,
        "An old configuration profile",
        record("ios.profiles", "p", Some(0), "profile", vec![]),
    );
    let r = report_of(&m, vec![], vec![low]);
    let v = &r.summary.verdict;
    assert!(v.starts_with("None of the 3 loaded indicators matched anything in this iPhone backup; weak signs worth a look (most notable: An old configuration profile)."), "{v}");
    assert!(v.contains("not proof that the phone is clean"));
}

#[test]
fn ndjson_is_one_finding_per_line_then_a_summary() {
    let r = hostile_report();
    let mut out = Vec::new();
    write_ndjson(&r, &mut out).expect("write");
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), r.findings.len() + 1);
    for (i, line) in lines.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        if i + 1 < lines.len() {
            assert_eq!(v["record"], "finding");
            assert_eq!(v["kind"], r.findings[i].kind);
            assert!(v["evidence"].is_array());
            assert!(v["next_steps"]["do_not"].is_array());
        } else {
            assert_eq!(v["record"], "summary");
            assert_eq!(v["kind"], "phone");
            assert_eq!(v["schema_version"], PHONE_SCHEMA_VERSION);
            assert_eq!(v["summary"]["verdict"], r.summary.verdict);
        }
    }
}

#[test]
fn json_says_it_is_a_phone_report() {
    let r = hostile_report();
    let mut out = Vec::new();
    write_json(&r, &mut out).expect("write");
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["kind"], "phone");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["acquisition"]["kind"], "ios-backup");
    assert_eq!(v["acquisition"]["encrypted"], true);
    assert_eq!(v["acquisition"]["device"][0]["key"], "Device Name");
    assert_eq!(v["findings"][0]["indicator"]["collection"], "<b>Coll</b>");
    assert_eq!(v["findings"][0]["evidence"][0]["time"], T0);
    assert_eq!(v["summary"]["highest"], "high");
}

#[test]
fn exit_codes_follow_fail_on() {
    let m = three_indicators();
    let all = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];
    let clean = report_of(&m, vec![sms(1, "https://news.example/")], vec![]);
    for s in all {
        assert_eq!(exit_code(&clean, s), EXIT_CLEAN);
    }
    let matched = report_of(&m, vec![sms(1, "https://evil.example/")], vec![]);
    for s in all {
        assert_eq!(exit_code(&matched, s), EXIT_FINDING);
    }
    let medium = report_of(
        &m,
        vec![],
        vec![signal(
            "android.verifier-disabled",
            Severity::Medium,
            "Package verifier disabled",
            record("android.getprop", "line 3", None, "verifier off", vec![]),
        )],
    );
    let codes: Vec<i32> = all.iter().map(|s| exit_code(&medium, *s)).collect();
    assert_eq!(codes, vec![1, 1, 1, 0]);
}

#[test]
fn times_at_the_ends_of_the_range_render_everywhere() {
    let m = three_indicators();
    let records = [i64::MIN, -1, 0, i64::MAX]
        .into_iter()
        .map(|t| stingwatch_phone_model::ArtifactRecord {
            artifact: "ios.sms",
            source: "sms.db".into(),
            locator: format!("t {t}"),
            time: Some(stingwatch_phone_model::UnixMillis(t)),
            summary: "https://evil.example/".into(),
            observables: vec![url("https://evil.example/")],
        })
        .collect();
    let r = report_of(&m, records, vec![]);
    assert_eq!(r.findings[0].count, 4);
    assert_eq!(r.timeline.days.len(), 4);
    let html = render_html(&r);
    assert!(html.contains("<svg class=\"timeline\""));
    let svg = html
        .split_once("<svg")
        .and_then(|(_, rest)| rest.split_once("</svg>"))
        .map(|(svg, _)| svg)
        .expect("chart");
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    assert!(render_text(&r, false).contains("292278994-08-17"));
    let csv = render_timeline_csv(&r);
    // A time before year 0 starts with '-' and is neutralised like any other cell.
    assert!(csv.contains("\r\n'-292275055-"), "{csv}");
}
