//! Line and section access over untrusted text held as bytes: lines are decoded lossily and
//! cut at [`MAX_LINE_BYTES`], sections are slices of the original bytes (never copies).

use std::borrow::Cow;

use stingwatch_phone_model::{ArtifactRecord, Diagnostic, Observable, RecordSink, UnixMillis};

/// Longest line kept whole; longer lines are cut to this many bytes (and counted).
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most `DUMP OF SERVICE` or command sections taken from one file.
pub const MAX_SECTIONS: usize = 20_000;

/// Lines of a byte buffer, with their 1-based number and byte offset, CR stripped.
pub fn raw_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, usize, &[u8])> {
    let mut offset = 0usize;
    let mut lineno = 0usize;
    std::iter::from_fn(move || {
        let rest = bytes.get(offset..)?;
        if rest.is_empty() {
            return None;
        }
        let (line, advance) = match memchr_newline(rest) {
            Some(i) => (rest.get(..i).unwrap_or(&[]), i + 1),
            None => (rest, rest.len()),
        };
        let start = offset;
        offset += advance;
        lineno += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some((lineno, start, line))
    })
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// Text lines of a buffer, each cut at [`MAX_LINE_BYTES`]; `cut` counts the lines that were.
pub struct Lines<'a> {
    inner: Box<dyn Iterator<Item = (usize, usize, &'a [u8])> + 'a>,
    /// Lines longer than [`MAX_LINE_BYTES`] seen so far.
    pub cut: usize,
}

impl<'a> Lines<'a> {
    /// Lines of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines {
            inner: Box::new(raw_lines(bytes)),
            cut: 0,
        }
    }

    /// Reports the cut lines, if any, as one diagnostic about `source`.
    pub fn report(&self, source: &str, sink: &mut dyn RecordSink) {
        if self.cut > 0 {
            sink.diagnostic(Diagnostic::new(
                source,
                format!(
                    "{} lines longer than {MAX_LINE_BYTES} bytes were cut to that length",
                    self.cut
                ),
            ));
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let (lineno, _, line) = self.inner.next()?;
        let kept = if line.len() > MAX_LINE_BYTES {
            self.cut += 1;
            line.get(..MAX_LINE_BYTES).unwrap_or(line)
        } else {
            line
        };
        Some((lineno, String::from_utf8_lossy(kept)))
    }
}

/// A named part of a dumpstate or dumpsys text, as a slice of the original bytes.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    /// `package` for `DUMP OF SERVICE package:`, `SYSTEM PROPERTIES (getprop)` for a command.
    pub name: String,
    /// Line number of the heading in the whole text.
    pub first_line: usize,
    /// The lines after the heading up to the section's end.
    pub body: &'a [u8],
}

fn trimmed(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    line.get(start..end.max(start)).unwrap_or(&[])
}

/// The dumpsys service name of a `DUMP OF SERVICE [PRIORITY] name:` line.
fn service_heading(line: &[u8]) -> Option<String> {
    let t = trimmed(line);
    let rest = t.strip_prefix(b"DUMP OF SERVICE ")?;
    let rest = rest.strip_suffix(b":")?;
    let text = String::from_utf8_lossy(rest);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // Priority dumps say `DUMP OF SERVICE CRITICAL package:`.
    if words.len() == 2 && matches!(words.first(), Some(&"CRITICAL" | &"HIGH" | &"NORMAL")) {
        words.remove(0);
    }
    (words.len() == 1).then(|| words.concat())
}

fn is_rule(line: &[u8]) -> bool {
    let t = trimmed(line);
    t.len() >= 40 && t.iter().all(|&b| b == b'-')
}

/// Every `DUMP OF SERVICE name:` section of a dumpsys or dumpstate text; a section ends at the
/// next long rule of dashes or the next service heading.
pub fn dumpsys_sections(text: &[u8]) -> Vec<Section<'_>> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, usize)> = None;
    for (lineno, offset, line) in raw_lines(text) {
        let heading = service_heading(line);
        if heading.is_some() || is_rule(line) {
            if let Some((name, first_line, start)) = open.take() {
                out.push(Section {
                    name,
                    first_line,
                    body: text.get(start..offset).unwrap_or(&[]),
                });
                if out.len() >= MAX_SECTIONS {
                    return out;
                }
            }
        }
        if let Some(name) = heading {
            let start = offset + line.len() + 1;
            open = Some((name, lineno, start.min(text.len())));
        }
    }
    if let Some((name, first_line, start)) = open {
        out.push(Section {
            name,
            first_line,
            body: text.get(start..).unwrap_or(&[]),
        });
    }
    out
}

/// The title of a `------ TITLE (command) ------` line, unless it is a timing line.
fn command_heading(line: &[u8]) -> Option<String> {
    let t = trimmed(line);
    let rest = t.strip_prefix(b"------ ")?;
    let text = String::from_utf8_lossy(rest);
    let title = text.trim_end_matches('-').trim();
    if title.is_empty() || title.contains("was the duration of") {
        return None;
    }
    Some(title.to_string())
}

fn is_duration_line(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(trimmed(line));
    text.starts_with("---") && text.contains("was the duration of")
}

/// Every `------ TITLE ------` command section of a dumpstate text. A section ends at the
/// next line starting with six dashes that is not a timing line (dumpstate prints a section's
/// timing when it finishes, which may land inside the next one).
pub fn command_sections(text: &[u8]) -> Vec<Section<'_>> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, usize)> = None;
    for (lineno, offset, line) in raw_lines(text) {
        let t = trimmed(line);
        let ends = t.starts_with(b"------") && !is_duration_line(line);
        if ends {
            if let Some((name, first_line, start)) = open.take() {
                out.push(Section {
                    name,
                    first_line,
                    body: text.get(start..offset).unwrap_or(&[]),
                });
                if out.len() >= MAX_SECTIONS {
                    return out;
                }
            }
            if let Some(name) = command_heading(line) {
                let start = offset + line.len() + 1;
                open = Some((name, lineno, start.min(text.len())));
            }
        }
    }
    if let Some((name, first_line, start)) = open {
        out.push(Section {
            name,
            first_line,
            body: text.get(start..).unwrap_or(&[]),
        });
    }
    out
}

/// A record with the common fields filled.
pub fn record(
    artifact: &'static str,
    source: &str,
    locator: impl Into<String>,
    time: Option<UnixMillis>,
    summary: impl Into<String>,
    observables: Vec<Observable>,
) -> ArtifactRecord {
    ArtifactRecord {
        artifact,
        source: source.to_string(),
        locator: locator.into(),
        time,
        summary: summary.into(),
        observables,
    }
}

/// True for a plausible Android package name (`com.example.app`): letters, digits and `_`
/// in at least two dot-separated parts, each starting with a letter.
pub fn is_package_name(s: &str) -> bool {
    if s.len() > 255 || !s.contains('.') {
        return false;
    }
    s.split('.').all(|part| {
        let mut chars = part.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the well-known era algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds of a wall-clock date and time read as UTC; `None` when a field is out of range.
pub fn civil_millis(
    y: i64,
    mo: i64,
    d: i64,
    h: i64,
    mi: i64,
    s: i64,
    ms: i64,
) -> Option<UnixMillis> {
    let valid = (1970..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0..=60).contains(&s)
        && (0..=999).contains(&ms);
    valid.then(|| {
        UnixMillis(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
    })
}

/// A device wall-clock time `2026-11-30 08:00:00[.123]` or `2026-11-30-08-00-00[-123]`,
/// read as UTC (dumps do not say the zone).
pub fn parse_wall_time(text: &str) -> Option<UnixMillis> {
    let fields: Vec<&str> = text.trim().split(['-', ' ', ':', '.', 'T']).collect();
    if fields.len() < 6 || fields.len() > 7 {
        return None;
    }
    let num = |i: usize| -> Option<i64> {
        let f = fields.get(i)?;
        if f.is_empty() || f.len() > 4 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        f.parse().ok()
    };
    let ms = match fields.get(6) {
        Some(f) => {
            let digits: String = f.chars().take(3).collect();
            let scale = 10i64.pow(3u32.saturating_sub(digits.len() as u32));
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse::<i64>().ok()? * scale
        }
        None => 0,
    };
    civil_millis(num(0)?, num(1)?, num(2)?, num(3)?, num(4)?, num(5)?, ms)
}

/// Lower-case hex of the given length, or `None`.
pub fn hex_digest(value: &str, len: usize) -> Option<String> {
    let v = value.trim();
    (v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit())).then(|| v.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_times_in_both_shapes() {
        let a = parse_wall_time("2026-11-30 08:00:00.250");
        let b = parse_wall_time("2026-11-30-08-00-00");
        assert_eq!(
            a.map(|t| t.iso8601()).as_deref(),
            Some("2026-11-30T08:00:00.250Z")
        );
        assert_eq!(b.map(|t| t.0 + 250), a.map(|t| t.0));
        assert_eq!(parse_wall_time("2026-13-30 08:00:00"), None);
        assert_eq!(parse_wall_time("garbage"), None);
    }

    #[test]
    fn sections_split_on_headings_and_rules() {
        let text = b"x\n----------------------------------------------------------------\nDUMP OF SERVICE CRITICAL package:\nA\n--------- 0.1s was the duration of dumpsys package\nB\n----------------------------------------------------------------\nDUMP OF SERVICE adb:\nC\n";
        let s = dumpsys_sections(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "package");
        assert!(String::from_utf8_lossy(s[0].body).contains('B'));
        assert_eq!(s[1].name, "adb");
        assert_eq!(s[1].body, b"C\n");
        let cmd = b"------ SYSTEM PROPERTIES (getprop) ------\n[a.b]: [1]\n------ 0.01s was the duration of 'SYSTEM PROPERTIES' ------\n[c.d]: [2]\n------ PROCESSES (ps) ------\nP\n";
        let c = command_sections(cmd);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "SYSTEM PROPERTIES (getprop)");
        assert!(String::from_utf8_lossy(c[0].body).contains("[c.d]"));
    }

    #[test]
    fn long_lines_are_cut_and_counted() {
        let mut text = vec![b'a'; MAX_LINE_BYTES + 10];
        text.extend_from_slice(b"\nshort\r\n");
        let mut lines = Lines::new(&text);
        let first = lines.next().map(|(_, l)| l.len());
        let second = lines.next().map(|(n, l)| (n, l.into_owned()));
        assert_eq!(first, Some(MAX_LINE_BYTES));
        assert_eq!(second, Some((2, "short".to_string())));
        assert_eq!(lines.cut, 1);
    }
}
