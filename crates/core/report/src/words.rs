//! Small renderings shared by the sinks: escaping, times and cells in words.

use stingwatch_events::{CaptureTime, CellRef};
pub use stingwatch_render::{escape_html, terminal_safe};

/// `2026-01-01 12:00:00 UTC`: a capture time to the second, for people.
pub fn human_time(t: CaptureTime) -> String {
    let s = t.to_rfc3339();
    match (s.get(0..10), s.get(11..19)) {
        (Some(d), Some(hms)) => format!("{d} {hms} UTC"),
        _ => s,
    }
}

/// `2026-01-01 12:00:00.751`: a capture time to the millisecond, for evidence tables.
pub fn human_time_ms(t: CaptureTime) -> String {
    let s = t.to_rfc3339();
    match (s.get(0..10), s.get(11..23)) {
        (Some(d), Some(hms)) => format!("{d} {hms}"),
        _ => s,
    }
}

/// `HH:MM:SS` of a capture time (UTC), for chart ticks.
pub fn clock(t: CaptureTime) -> String {
    let s = t.to_rfc3339();
    s.get(11..19).map(str::to_string).unwrap_or(s)
}

/// `HH:MM:SS.mmm` of a capture time (UTC), for ticks of charts shorter than a few seconds.
pub fn clock_ms(t: CaptureTime) -> String {
    let s = t.to_rfc3339();
    s.get(11..23).map(str::to_string).unwrap_or(s)
}

/// A time span in words: `from 2026-01-01 14:02:10 to 14:09:55 UTC`, `at ...` when it is
/// one second or less, empty when the capture has no times.
pub fn span_words(first: Option<CaptureTime>, last: Option<CaptureTime>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if human_time(a) != human_time(b) => {
            let (ha, hb) = (human_time(a), human_time(b));
            let same_day = ha.get(0..10) == hb.get(0..10);
            let start = ha.trim_end_matches(" UTC");
            if same_day {
                format!("from {start} to {} UTC", clock(b))
            } else {
                format!("from {start} to {hb}")
            }
        }
        (Some(a), _) | (None, Some(a)) => format!("at {}", human_time(a)),
        (None, None) => String::new(),
    }
}

/// A cell for people: `310-260, TAC 42, cell id 1234 (EARFCN 1850, PCI 101)`.
pub fn cell_words(c: &CellRef) -> String {
    let mut radio = Vec::new();
    if let Some(e) = c.earfcn {
        radio.push(format!("EARFCN {e}"));
    }
    if let Some(p) = c.pci {
        radio.push(format!("PCI {p}"));
    }
    match (c.identity, radio.is_empty()) {
        (Some(id), true) => format!("{}, TAC {}, cell id {}", id.plmn, id.tac, id.cell_id),
        (Some(id), false) => format!(
            "{}, TAC {}, cell id {} ({})",
            id.plmn,
            id.tac,
            id.cell_id,
            radio.join(", ")
        ),
        (None, false) => format!("unidentified cell on {}", radio.join(", ")),
        (None, true) => "unknown cell".to_string(),
    }
}

/// `s` cut to at most `max` characters, with an ellipsis when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{CellIdentity, Plmn};

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape_html("<script>alert('x')</script>&\"\u{0}\u{1b}[31m\n"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;\u{FFFD}\u{FFFD}[31m\n"
        );
    }

    #[test]
    fn terminal_text_loses_escape_sequences() {
        assert_eq!(terminal_safe("a\u{1b}[2Jb\n"), "a\u{FFFD}[2Jb\u{FFFD}");
    }

    #[test]
    fn times_in_words() {
        let a = CaptureTime(1_767_276_120_000_000); // 2026-01-01 14:02:00
        let b = CaptureTime(1_767_276_540_500_000); // 14:09:00.5
        assert_eq!(human_time(a), "2026-01-01 14:02:00 UTC");
        assert_eq!(human_time_ms(b), "2026-01-01 14:09:00.500");
        assert_eq!(
            span_words(Some(a), Some(b)),
            "from 2026-01-01 14:02:00 to 14:09:00 UTC"
        );
        assert_eq!(span_words(Some(a), Some(a)), "at 2026-01-01 14:02:00 UTC");
        assert_eq!(span_words(None, None), "");
    }

    #[test]
    fn cells_in_words() {
        let mut c = CellRef::radio(Some(1850), None);
        assert_eq!(cell_words(&c), "unidentified cell on EARFCN 1850");
        c.identity = Some(CellIdentity {
            plmn: Plmn::new(310, 260, 3),
            tac: 42,
            cell_id: 7,
        });
        assert_eq!(cell_words(&c), "310-260, TAC 42, cell id 7 (EARFCN 1850)");
        assert_eq!(cell_words(&CellRef::default()), "unknown cell");
    }

    #[test]
    fn shorten_counts_characters() {
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
