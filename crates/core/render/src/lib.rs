//! Renderings every report shares, cellular and phone alike: escaping text that an attacker
//! may have written (a fake base station's broadcast, a message on a phone) for HTML and for a
//! terminal, and the colours of severities.

#![forbid(unsafe_code)]

use stingwatch_model::Severity;

/// Escape text for HTML and SVG, element content and quoted attributes alike.
///
/// Control characters other than tab and newline become U+FFFD: XML forbids them and they can
/// hide text from a reader.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Appends `items`, each escaped, as `<ul class="{class}">`, after an `<h4>` `heading` when
/// one is given; appends nothing when there are no items.
pub fn push_html_list<S: AsRef<str>>(out: &mut String, heading: &str, class: &str, items: &[S]) {
    if items.is_empty() {
        return;
    }
    if !heading.is_empty() {
        out.push_str("<h4>");
        out.push_str(&escape_html(heading));
        out.push_str("</h4>");
    }
    out.push_str("<ul class=\"");
    out.push_str(&escape_html(class));
    out.push_str("\">");
    for item in items {
        out.push_str("<li>");
        out.push_str(&escape_html(item.as_ref()));
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

/// Text safe to print on a terminal: control characters (escape sequences planted to rewrite
/// the screen) become U+FFFD.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// `s` made terminal-safe and, with `color`, wrapped in the ANSI style `code`.
pub fn paint(color: bool, code: &str, s: &str) -> String {
    let s = terminal_safe(s);
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s
    }
}

/// A severity as a fixed-width, coloured label (`HIGH  `, `MEDIUM`).
pub fn severity_label(color: bool, s: Severity) -> String {
    let code = match s {
        Severity::High => "1;31",
        Severity::Medium => "1;33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    // Padded before painting so escape codes do not upset the alignment.
    paint(color, code, &format!("{:<6}", s.as_str().to_uppercase()))
}

/// The ANSI style of a verdict line led by the highest severity found (green for none).
pub fn verdict_style(highest: Option<Severity>) -> &'static str {
    match highest {
        Some(Severity::High) => "1;31",
        Some(Severity::Medium) => "1;33",
        Some(Severity::Low) => "1;36",
        Some(Severity::Info) | None => "1;32",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_neutralised() {
        assert_eq!(
            escape_html("<a href=\"x\">'&'</a>\u{1b}[2J"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\u{FFFD}[2J"
        );
        assert_eq!(terminal_safe("ok\u{1b}[31m\n"), "ok\u{FFFD}[31m\u{FFFD}");
        assert_eq!(paint(false, "1", "a\u{7}"), "a\u{FFFD}");
        assert_eq!(severity_label(false, Severity::Low), "LOW   ");
        let mut out = String::new();
        push_html_list::<&str>(&mut out, "Notes", "n", &[]);
        assert!(out.is_empty());
        push_html_list(&mut out, "Notes", "n", &["<b>"]);
        assert_eq!(out, "<h4>Notes</h4><ul class=\"n\"><li>&lt;b&gt;</li></ul>");
    }
}
