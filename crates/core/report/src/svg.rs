//! The timeline chart as inline SVG: one lane per cell, bars where the device was on it,
//! and findings marked on the lane of their cell.
//!
//! Drawn here rather than in the browser so the chart shows with scripts off, in a mail
//! client's preview and when printed.

use std::fmt::Write;

use stingwatch_analysis::Severity;
use stingwatch_events::CellRef;

use crate::timeline::TimelineSegment;
use crate::words::{cell_words, clock, clock_ms, escape_html, human_time, shorten};
use crate::FileFinding;

const WIDTH: f64 = 960.0;
const LABEL_W: f64 = 250.0;
const RIGHT_PAD: f64 = 24.0;
const TOP_PAD: f64 = 8.0;
const LANE_H: f64 = 32.0;
const AXIS_H: f64 = 40.0;
/// Lanes drawn before the remaining cells share one "other cells" lane.
const MAX_LANES: usize = 24;
const TICKS: usize = 5;

/// Fill colour of a severity, shared with the HTML cards so marks and cards match.
pub fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::High => "#b71c1c",
        Severity::Medium => "#e65100",
        Severity::Low => "#01579b",
        Severity::Info => "#616161",
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Axis {
    /// Microseconds since the epoch.
    Time,
    /// Packet numbers, when some segment has no capture time.
    Packet,
}

/// Where a lane's cell is matched: a cell first seen without its SIB1 identity is drawn on
/// the identified lane with the same radio position, when exactly one exists.
fn canonical(cell: &CellRef, identified: &[CellRef]) -> CellRef {
    if cell.identity.is_some() {
        return *cell;
    }
    let mut same = identified
        .iter()
        .filter(|c| c.earfcn == cell.earfcn && c.pci == cell.pci);
    match (same.next(), same.next()) {
        (Some(only), None) => *only,
        _ => *cell,
    }
}

struct Lanes {
    cells: Vec<CellRef>,
    other: bool,
    unknown: bool,
    identified: Vec<CellRef>,
}

impl Lanes {
    fn index(&self, cell: Option<&CellRef>) -> usize {
        let known = cell
            .filter(|c| !c.is_unknown())
            .map(|c| canonical(c, &self.identified));
        match known {
            Some(c) => match self.cells.iter().position(|l| *l == c) {
                Some(i) => i,
                None if self.other => self.cells.len(),
                // A finding's cell never seen in a segment goes with the unknown ones.
                None => self.cells.len() + usize::from(self.other),
            },
            None => self.cells.len() + usize::from(self.other),
        }
    }

    fn count(&self) -> usize {
        self.cells.len() + usize::from(self.other) + usize::from(self.unknown)
    }
}

fn build_lanes(segments: &[TimelineSegment], findings: &[(usize, &FileFinding)]) -> Lanes {
    let mut identified: Vec<CellRef> = Vec::new();
    for s in segments {
        if s.cell.identity.is_some() && !identified.contains(&s.cell) {
            identified.push(s.cell);
        }
    }
    let mut cells: Vec<CellRef> = Vec::new();
    let mut other = false;
    for s in segments {
        let c = canonical(&s.cell, &identified);
        if !cells.contains(&c) {
            if cells.len() < MAX_LANES {
                cells.push(c);
            } else {
                other = true;
            }
        }
    }
    let mut lanes = Lanes {
        cells,
        other,
        unknown: false,
        identified,
    };
    lanes.unknown = findings.iter().any(|(_, f)| {
        let i = lanes.index(f.finding.cell.as_ref());
        i >= lanes.cells.len() + usize::from(lanes.other)
    });
    lanes
}

/// Position of a segment or finding on the axis, as (start, end).
fn span_of(
    axis: Axis,
    first_packet: u64,
    last_packet: u64,
    first_time: Option<stingwatch_events::CaptureTime>,
    last_time: Option<stingwatch_events::CaptureTime>,
) -> Option<(f64, f64)> {
    match axis {
        Axis::Packet => Some((first_packet as f64, last_packet as f64)),
        Axis::Time => {
            let a = first_time.or(last_time)?.unix_micros() as f64;
            let b = last_time.or(first_time)?.unix_micros() as f64;
            Some((a, b.max(a)))
        }
    }
}

/// The timeline of one input as an `<svg>` element; `findings` pairs each finding of that
/// input with the number of its card (`#finding-N`), so a mark links to its card.
///
/// Returns an empty string when the input has no segment and no finding to draw.
pub fn timeline_svg(segments: &[TimelineSegment], findings: &[(usize, &FileFinding)]) -> String {
    if segments.is_empty() && findings.is_empty() {
        return String::new();
    }
    let all_timed = segments
        .iter()
        .all(|s| s.first_time.is_some() && s.last_time.is_some())
        && findings.iter().all(|(_, f)| f.finding.first_time.is_some());
    let axis = if all_timed { Axis::Time } else { Axis::Packet };
    let seg_spans: Vec<Option<(f64, f64)>> = segments
        .iter()
        .map(|s| {
            span_of(
                axis,
                s.first_packet,
                s.last_packet,
                s.first_time,
                s.last_time,
            )
        })
        .collect();
    let find_spans: Vec<Option<(f64, f64)>> = findings
        .iter()
        .map(|(_, f)| {
            let f = &f.finding;
            span_of(
                axis,
                f.first_packet,
                f.last_packet,
                f.first_time,
                f.last_time,
            )
        })
        .collect();
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (a, b) in seg_spans.iter().chain(find_spans.iter()).flatten() {
        lo = lo.min(*a);
        hi = hi.max(*b);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return String::new();
    }
    if hi - lo < 1.0 {
        // One instant: widen so the bar is visible and ticks are distinct.
        hi = lo + if axis == Axis::Time { 1_000_000.0 } else { 1.0 };
    }
    let lanes = build_lanes(segments, findings);
    let n_lanes = lanes.count().max(1);
    let plot_w = WIDTH - LABEL_W - RIGHT_PAD;
    let x = |v: f64| LABEL_W + (v - lo) / (hi - lo) * plot_w;
    let lane_y = |i: usize| TOP_PAD + i as f64 * LANE_H;
    let height = TOP_PAD + n_lanes as f64 * LANE_H + AXIS_H;

    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-label=\"Timeline: cells the device used and findings\" \
         preserveAspectRatio=\"xMinYMin meet\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    // Lane backgrounds and labels.
    for i in 0..n_lanes {
        let y = lane_y(i);
        let fill = if i % 2 == 0 { "#f4f6f8" } else { "#ffffff" };
        let _ = write!(
            out,
            "<rect class=\"lane\" x=\"0\" y=\"{y:.1}\" width=\"{WIDTH}\" height=\"{LANE_H}\" fill=\"{fill}\"/>"
        );
        let (label, full) = if let Some(c) = lanes.cells.get(i) {
            (lane_label(c), cell_words(c))
        } else if i == lanes.cells.len() && lanes.other {
            (
                "other cells".to_string(),
                format!("cells beyond the first {MAX_LANES}"),
            )
        } else {
            (
                "cell unknown".to_string(),
                "findings whose cell the recording does not tell".to_string(),
            )
        };
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#263238\"><title>{}</title>{}</text>",
            LABEL_W - 8.0,
            y + LANE_H / 2.0 + 4.0,
            escape_html(&full),
            escape_html(&shorten(&label, 36))
        );
    }
    // Grid and ticks.
    let axis_y = TOP_PAD + n_lanes as f64 * LANE_H;
    let _ = write!(
        out,
        "<line x1=\"{LABEL_W}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\" stroke=\"#90a4ae\"/>",
        WIDTH - RIGHT_PAD
    );
    for k in 0..TICKS {
        let v = lo + (hi - lo) * k as f64 / (TICKS - 1) as f64;
        let tx = x(v);
        let label = match axis {
            // Seconds alone would repeat one label on a chart a few seconds long.
            Axis::Time if hi - lo < 10_000_000.0 => {
                clock_ms(stingwatch_events::CaptureTime(v as i64))
            }
            Axis::Time => clock(stingwatch_events::CaptureTime(v as i64)),
            Axis::Packet => format!("#{}", v.round() as u64),
        };
        let anchor = match k {
            0 => "start",
            k if k == TICKS - 1 => "end",
            _ => "middle",
        };
        let _ = write!(
            out,
            "<line x1=\"{tx:.1}\" y1=\"{TOP_PAD}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#cfd8dc\" stroke-dasharray=\"2 3\"/>\
             <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"#455a64\">{}</text>",
            axis_y + 4.0,
            axis_y + 18.0,
            escape_html(&label)
        );
    }
    let caption = match axis {
        Axis::Time => match segments.iter().find_map(|s| s.first_time) {
            Some(t) => format!("time (UTC), starting {}", human_time(t)),
            None => "time (UTC)".to_string(),
        },
        Axis::Packet => "packet number (the recording has no capture times)".to_string(),
    };
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#607d8b\" font-size=\"11\">{}</text>",
        LABEL_W + plot_w / 2.0,
        axis_y + 34.0,
        escape_html(&caption)
    );
    // Where the device was.
    for (s, span) in segments.iter().zip(&seg_spans) {
        let Some((a, b)) = span else { continue };
        let i = lanes.index(Some(&s.cell));
        let (x1, x2) = (x(*a), x(*b));
        let w = (x2 - x1).max(3.0);
        let when = match (s.first_time, s.last_time) {
            (Some(t1), Some(t2)) => format!(", {} to {}", human_time(t1), clock(t2)),
            _ => String::new(),
        };
        let _ = write!(
            out,
            "<rect class=\"segment\" x=\"{x1:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"2\" fill=\"#78909c\">\
             <title>{}: packets {}–{}{when}, {} event(s)</title></rect>",
            lane_y(i) + 10.0,
            LANE_H - 20.0,
            escape_html(&cell_words(&s.cell)),
            s.first_packet,
            s.last_packet,
            s.events
        );
    }
    // Findings, least severe first so the most severe are drawn on top.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&k| findings.get(k).map(|(_, f)| f.finding.severity));
    for k in order {
        let (Some((card, ff)), Some(Some((a, b)))) = (findings.get(k), find_spans.get(k)) else {
            continue;
        };
        let f = &ff.finding;
        let i = lanes.index(f.cell.as_ref());
        let cy = lane_y(i) + LANE_H / 2.0;
        let color = severity_color(f.severity);
        let (x1, x2) = (x(*a), x(*b));
        let _ = write!(
            out,
            "<a href=\"#finding-{card}\" class=\"mark\" data-severity=\"{}\"><title>{}: {} (packet {})</title>",
            f.severity,
            f.severity.as_str().to_uppercase(),
            escape_html(&f.title),
            f.packet
        );
        if x2 - x1 >= 4.0 {
            let _ = write!(
                out,
                "<rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" fill-opacity=\"0.25\"/>",
                cy - 11.0,
                x2 - x1,
                22.0
            );
        }
        let _ = write!(
            out,
            "<circle cx=\"{x1:.1}\" cy=\"{cy:.1}\" r=\"7\" fill=\"{color}\" stroke=\"#ffffff\" stroke-width=\"2\"/>\
             <text x=\"{x1:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#ffffff\" font-size=\"9\" font-weight=\"bold\">{card}</text></a>",
            cy + 3.0
        );
    }
    out.push_str("</svg>");
    out
}

/// Short lane label: `310-260 TAC 42 CID 1234` or the radio position.
fn lane_label(c: &CellRef) -> String {
    match c.identity {
        Some(id) => format!("{} TAC {} CID {}", id.plmn, id.tac, id.cell_id),
        None => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_analysis::Finding;
    use stingwatch_events::{CaptureTime, Event, EventKind};

    fn seg(cell: CellRef, a: u64, b: u64) -> TimelineSegment {
        TimelineSegment {
            file: "f".into(),
            cell,
            first_packet: a,
            last_packet: b,
            first_time: Some(CaptureTime(a as i64 * 1_000_000)),
            last_time: Some(CaptureTime(b as i64 * 1_000_000)),
            events: b - a + 1,
        }
    }

    fn finding(cell: CellRef, packet: u64, title: &str) -> FileFinding {
        let mut ev = Event::new(packet, EventKind::ConnectionSetup);
        ev.cell = Some(cell);
        ev.time = Some(CaptureTime(packet as i64 * 1_000_000));
        FileFinding {
            file: "f".into(),
            finding: Finding::at("test-kind", 1, Severity::High, &ev, title, "why"),
            position: None,
        }
    }

    #[test]
    fn draws_segments_lanes_and_linked_marks() {
        let a = CellRef::radio(Some(1850), Some(1));
        let b = CellRef::radio(Some(100), Some(2));
        let segs = [seg(a, 1, 10), seg(b, 11, 20), seg(a, 21, 30)];
        let f = finding(b, 15, "<b>bad</b>");
        let svg = timeline_svg(&segs, &[(1, &f)]);
        assert_eq!(svg.matches("class=\"segment\"").count(), 3);
        assert_eq!(svg.matches("class=\"lane\"").count(), 2);
        assert!(svg.contains("href=\"#finding-1\""));
        assert!(svg.contains("&lt;b&gt;bad&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn finding_without_a_known_cell_gets_its_own_lane() {
        let a = CellRef::radio(Some(1850), Some(1));
        let f = finding(CellRef::default(), 3, "x");
        let svg = timeline_svg(&[seg(a, 1, 5)], &[(1, &f)]);
        assert!(svg.contains("cell unknown"));
        assert_eq!(svg.matches("class=\"lane\"").count(), 2);
    }

    #[test]
    fn nothing_to_draw_gives_nothing() {
        assert_eq!(timeline_svg(&[], &[]), "");
    }

    #[test]
    fn packets_are_the_axis_when_times_are_missing() {
        let mut s = seg(CellRef::radio(Some(1), None), 1, 9);
        s.first_time = None;
        s.last_time = None;
        let svg = timeline_svg(&[s], &[]);
        assert!(svg.contains("packet number"));
        assert!(svg.contains("#9"));
    }
}
