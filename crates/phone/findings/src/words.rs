//! Small renderings shared by the sinks: escaping, clipping, times in words.
//!
//! Escaping is the shared core's (`stingwatch-render`), as in the cellular report.

use stingwatch_phone_model::UnixMillis;
pub use stingwatch_render::{escape_html, terminal_safe};

/// `s` cut to at most `max` bytes on a character boundary, with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 3);
    out.push_str(s.get(..end).unwrap_or(""));
    out.push('…');
    out
}

/// `s` cut to at most `max` characters, with an ellipsis when cut (for titles).
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `2026-12-04 10:00:00 UTC`: a phone time to the second, for people.
pub fn human_time(t: UnixMillis) -> String {
    let s = t.iso8601();
    // Split at the `T` rather than at fixed offsets: a hostile time can have a year of any
    // number of digits, or a sign.
    match s.split_once('T') {
        Some((d, rest)) => match rest.get(0..8) {
            Some(hms) => format!("{d} {hms} UTC"),
            None => s.clone(),
        },
        None => s,
    }
}

/// `2026-12-04`: the UTC day of a phone time.
pub fn day_words(t: UnixMillis) -> String {
    let s = t.iso8601();
    match s.split_once('T') {
        Some((d, _)) => d.to_string(),
        None => s,
    }
}

/// `10:00`: hours and minutes of a phone time (UTC), for chart ticks.
pub fn clock_words(t: UnixMillis) -> String {
    let s = t.iso8601();
    match s.split_once('T').and_then(|(_, rest)| rest.get(0..5)) {
        Some(hm) => hm.to_string(),
        None => s,
    }
}

/// A time span in words: `from 2026-12-04 10:00:00 to 2026-12-05 09:00:00 UTC`, `at ...` for
/// one second, empty when no time is known.
pub fn span_words(first: Option<UnixMillis>, last: Option<UnixMillis>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if human_time(a) != human_time(b) => {
            let ha = human_time(a);
            format!("from {} to {}", ha.trim_end_matches(" UTC"), human_time(b))
        }
        (Some(a), _) | (None, Some(a)) => format!("at {}", human_time(a)),
        (None, None) => String::new(),
    }
}

/// `1 record`, `3 records`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn clip_keeps_character_boundaries() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcdef", 5), "ab…");
        // 'é' is two bytes: a cut inside it moves back to its start.
        assert_eq!(clip("ééééé", 6), "é…");
        assert!(clip(&"x".repeat(10_000), 100).len() <= 100);
    }

    #[test]
    fn times_in_words() {
        let a = UnixMillis(1_764_842_400_000); // 2025-12-04 10:00:00
        let b = UnixMillis(1_764_928_800_500);
        assert_eq!(human_time(a), "2025-12-04 10:00:00 UTC");
        assert_eq!(day_words(b), "2025-12-05");
        assert_eq!(
            span_words(Some(a), Some(b)),
            "from 2025-12-04 10:00:00 to 2025-12-05 10:00:00 UTC"
        );
        assert_eq!(span_words(Some(a), None), "at 2025-12-04 10:00:00 UTC");
        assert_eq!(span_words(None, None), "");
        assert_eq!(clock_words(b), "10:00");
    }

    #[test]
    fn extreme_years_keep_their_digits() {
        assert_eq!(day_words(UnixMillis(i64::MAX)), "292278994-08-17");
        assert!(day_words(UnixMillis(i64::MIN)).starts_with("-292275055-"));
        assert!(human_time(UnixMillis(i64::MAX)).starts_with("292278994-08-17 07:12:55"));
    }
}
