//! The phone's timeline as inline SVG: one lane per check, bars for how many records it read
//! over time, and a mark for each matched or signalled record.
//!
//! Drawn here rather than in the browser so the chart shows with scripts off, in a mail
//! client's preview and when printed.

use std::fmt::Write;

use stingwatch_model::Severity;

use crate::report::PhoneReport;
use crate::scan::EventMark;
use crate::words::{clock_words, day_words, escape_html, human_time, shorten};

const WIDTH: f64 = 960.0;
const LABEL_W: f64 = 200.0;
const RIGHT_PAD: f64 = 24.0;
const TOP_PAD: f64 = 8.0;
const LANE_H: f64 = 30.0;
const AXIS_H: f64 = 36.0;
/// Lanes drawn before the remaining checks share one "other checks" lane.
const MAX_LANES: usize = 24;
/// Bars per lane: days are summed into this many columns.
const COLUMNS: usize = 200;
/// Marks drawn; the events table and the CSV list them all.
const MAX_MARKS: usize = 1_000;
const TICKS: usize = 5;
const MILLIS_PER_DAY: f64 = 86_400_000.0;

/// Fill colour of a severity, shared with the HTML cards so marks and cards match.
pub fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::High => "#b71c1c",
        Severity::Medium => "#e65100",
        Severity::Low => "#01579b",
        Severity::Info => "#616161",
    }
}

/// The timeline chart, or an empty string when no record has a time.
pub fn timeline_svg(report: &PhoneReport) -> String {
    let t = &report.timeline;
    let timed_marks = t
        .events
        .iter()
        .filter(|e| e.mark != EventMark::Sample)
        .filter_map(|e| e.time.map(|time| (time, e)));
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for d in &t.days {
        let s = d.start.0 as f64;
        lo = lo.min(s);
        hi = hi.max(s + MILLIS_PER_DAY);
    }
    for (time, _) in timed_marks.clone() {
        lo = lo.min(time.0 as f64);
        hi = hi.max(time.0 as f64);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return String::new();
    }
    if hi - lo < 1000.0 {
        hi = lo + 1000.0;
    }
    // Lanes in the report's order of checks; those past MAX_LANES share the last one.
    let mut lanes: Vec<&str> = Vec::new();
    let mut other = false;
    for a in t
        .days
        .iter()
        .map(|d| d.artifact)
        .chain(timed_marks.clone().map(|(_, e)| e.artifact))
    {
        if !lanes.contains(&a) {
            if lanes.len() < MAX_LANES {
                lanes.push(a);
            } else {
                other = true;
            }
        }
    }
    lanes.sort_unstable();
    let lane_of = |a: &str| lanes.iter().position(|l| *l == a).unwrap_or(lanes.len());
    let n_lanes = lanes.len() + usize::from(other);
    let plot_w = WIDTH - LABEL_W - RIGHT_PAD;
    let x = |v: f64| LABEL_W + (v - lo) / (hi - lo) * plot_w;
    let lane_y = |i: usize| TOP_PAD + i as f64 * LANE_H;
    let height = TOP_PAD + n_lanes.max(1) as f64 * LANE_H + AXIS_H;

    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-label=\"Timeline: records each check read over time, matched and signalled records marked\" \
         preserveAspectRatio=\"xMinYMin meet\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    for i in 0..n_lanes {
        let y = lane_y(i);
        let name = lanes.get(i).copied().unwrap_or("other checks");
        if i % 2 == 0 {
            let _ = write!(
                out,
                "<rect x=\"0\" y=\"{y:.1}\" width=\"{WIDTH}\" height=\"{LANE_H}\" fill=\"#f5f7f8\"/>"
            );
        }
        let _ = write!(
            out,
            "<text x=\"6\" y=\"{:.1}\" fill=\"#263238\"><title>{}</title>{}</text>",
            y + LANE_H / 2.0 + 4.0,
            escape_html(name),
            escape_html(&shorten(name, 28))
        );
    }
    // Bars: records per column, height by the logarithm of the count so one busy day does
    // not flatten the rest.
    let mut bins = vec![0u64; n_lanes * COLUMNS];
    for d in &t.days {
        let mid = d.start.0 as f64 + MILLIS_PER_DAY / 2.0;
        let col = (((mid - lo) / (hi - lo)) * COLUMNS as f64).floor();
        let col = (col.max(0.0) as usize).min(COLUMNS - 1);
        if let Some(b) = bins.get_mut(lane_of(d.artifact) * COLUMNS + col) {
            *b = b.saturating_add(d.records);
        }
    }
    let max = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let col_w = plot_w / COLUMNS as f64;
    for (i, &n) in bins.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let (lane, col) = (i / COLUMNS, i % COLUMNS);
        let h = 3.0 + (LANE_H - 10.0) * ((1.0 + n as f64).ln() / (1.0 + max).ln());
        let y = lane_y(lane) + LANE_H - 4.0 - h;
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{h:.1}\" fill=\"#90a4ae\"><title>{n} records</title></rect>",
            LABEL_W + col as f64 * col_w,
            col_w.max(1.0)
        );
    }
    for (time, e) in timed_marks.take(MAX_MARKS) {
        let sev = e.severity.unwrap_or(Severity::Info);
        let cx = x(time.0 as f64);
        let cy = lane_y(lane_of(e.artifact)) + LANE_H / 2.0;
        let label = format!(
            "{}: {}{}",
            human_time(time),
            shorten(&e.summary, 120),
            e.indicator
                .as_deref()
                .map(|i| format!(" (indicator {})", shorten(i, 80)))
                .unwrap_or_default()
        );
        let mark = format!(
            "<circle class=\"mark\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"{}\" stroke=\"#fff\"><title>{}</title></circle>",
            severity_color(sev),
            escape_html(&label)
        );
        match e.finding {
            Some(n) => {
                let _ = write!(out, "<a href=\"#finding-{n}\">{mark}</a>");
            }
            None => out.push_str(&mark),
        }
    }
    // Axis.
    let axis_y = lane_y(n_lanes.max(1));
    let _ = write!(
        out,
        "<line x1=\"{LABEL_W}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\" stroke=\"#78909c\"/>",
        WIDTH - RIGHT_PAD
    );
    let days = (hi - lo) >= 2.0 * MILLIS_PER_DAY;
    for k in 0..=TICKS {
        let v = lo + (hi - lo) * k as f64 / TICKS as f64;
        let t = stingwatch_phone_model::UnixMillis(v as i64);
        let label = if days { day_words(t) } else { clock_words(t) };
        let anchor = match k {
            0 => "start",
            TICKS => "end",
            _ => "middle",
        };
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{axis_y:.1}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#78909c\"/>\
             <text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"{anchor}\" fill=\"#455a64\">{3}</text>",
            x(v),
            axis_y + 5.0,
            axis_y + 20.0,
            escape_html(&label)
        );
    }
    out.push_str("</svg>");
    out
}
