//! Values found in free text and paths: URLs in messages, host names in URLs and folder names,
//! bounded copies of attacker-controlled strings, and the clocks iOS databases use.

use stingwatch_phone_model::{Observable, ObservableKind, UnixMillis};

/// Most URLs taken from one text (a message, a log line); the rest are counted, not kept.
pub const MAX_URLS_PER_TEXT: usize = 64;
/// Longest URL kept; a longer one is cut at a character boundary.
pub const MAX_URL_BYTES: usize = 4096;
/// Longest host name kept (DNS allows 253; a little slack for ports and brackets).
pub const MAX_HOST_BYTES: usize = 300;
/// Most host names taken from one backup path.
pub const MAX_DOMAINS_PER_PATH: usize = 8;

/// `text` cut to at most `max` bytes at a character boundary.
pub fn bounded(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

/// Lossy UTF-8 of at most `max` bytes of `bytes`.
pub fn bounded_lossy(bytes: &[u8], max: usize) -> String {
    let cut = bytes.get(..max).unwrap_or(bytes);
    String::from_utf8_lossy(cut).into_owned()
}

/// One line of at most `max` bytes for a summary: control characters become spaces.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out: String = bounded(text, max)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.len() > max {
        out.push('…');
    }
    out
}

/// URLs found in free text, in order, with how many more were present beyond
/// [`MAX_URLS_PER_TEXT`].
///
/// A URL starts at `http://` or `https://` (any case) or at `www.` after a word boundary, and
/// runs to white space, a quote, an angle bracket or a byte that is not text (blobs are
/// searched as lossy text); closing punctuation that ends a sentence
/// (`.`, `,`, `)` without its `(`...) is not part of it.
pub fn urls_in_text(text: &str) -> (Vec<String>, usize) {
    let mut urls = Vec::new();
    let mut dropped = 0;
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let at_boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let starts = (rest.starts_with(b"http://") || rest.starts_with(b"https://"))
            || (at_boundary && rest.starts_with(b"www.") && rest.len() > 4);
        if !starts {
            i += 1;
            continue;
        }
        let end = url_end(text, i);
        let candidate = text.get(i..end).unwrap_or("");
        let candidate = trim_url_tail(bounded(candidate, MAX_URL_BYTES));
        let scheme_only =
            candidate.eq_ignore_ascii_case("http://") || candidate.eq_ignore_ascii_case("https://");
        if !candidate.is_empty() && !scheme_only && host_of_url(candidate).is_some() {
            if urls.len() < MAX_URLS_PER_TEXT {
                urls.push(candidate.to_string());
            } else {
                dropped += 1;
            }
        }
        i = end.max(i + 1);
    }
    (urls, dropped)
}

/// Byte offset where a URL starting at `start` ends.
fn url_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (offset, c) in text.get(start..).unwrap_or("").char_indices() {
        if c.is_whitespace()
            || c.is_control()
            || matches!(c, '"' | '<' | '>' | '`' | '\u{FFFC}' | '\u{FFFD}')
        {
            break;
        }
        end = start + offset + c.len_utf8();
    }
    end
}

/// Drops sentence punctuation after a URL, keeping a `)` that closes a `(` inside it.
fn trim_url_tail(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(last) = url.chars().last() else {
            return url;
        };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            '}' => url.matches('{').count() < url.matches('}').count(),
            _ => false,
        };
        if !drop {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
}

/// The lower-case host of a URL (`https://user@Host.example:8443/x` gives `host.example`), with
/// or without a scheme; None when there is no plausible host.
pub fn host_of_url(url: &str) -> Option<String> {
    let after_scheme = match url.find("://") {
        Some(at) => url.get(at + 3..)?,
        None => url,
    };
    let authority_end = after_scheme
        .find(['/', '?', '#', '\\'])
        .unwrap_or(after_scheme.len());
    let authority = after_scheme.get(..authority_end)?;
    let host_port = match authority.rfind('@') {
        Some(at) => authority.get(at + 1..)?,
        None => authority,
    };
    let host = if let Some(inner) = host_port.strip_prefix('[') {
        inner.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.len() > MAX_HOST_BYTES {
        return None;
    }
    if !host
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return None;
    }
    Some(host)
}

/// Whether `host` is a dotted-quad IPv4 address.
pub fn is_ipv4(host: &str) -> bool {
    host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// The observable for a host: an IPv4 address or a domain name.
pub fn host_observable(host: &str) -> Observable {
    if is_ipv4(host) {
        Observable::new(ObservableKind::Ipv4, host)
    } else {
        Observable::new(ObservableKind::Domain, host)
    }
}

/// Pushes `url` and its host as observables (no duplicates).
pub fn push_url(observables: &mut Vec<Observable>, url: &str) {
    push_unique(observables, Observable::new(ObservableKind::Url, url));
    if let Some(host) = host_of_url(url) {
        push_unique(observables, host_observable(&host));
    }
}

/// Pushes a bare host or domain-like value (a WebKit origin, `evil.example`, `https://x.y`).
pub fn push_host(observables: &mut Vec<Observable>, value: &str) {
    if let Some(host) = host_of_url(value.trim()) {
        push_unique(observables, host_observable(&host));
    }
}

/// Pushes `observable` unless an equal one is already there.
pub fn push_unique(observables: &mut Vec<Observable>, observable: Observable) {
    if observable.value.is_empty() || observables.contains(&observable) {
        return;
    }
    observables.push(observable);
}

/// File extensions that make a dotted path part a file name rather than a host name.
const FILE_EXTENSIONS: &[&str] = &[
    "db",
    "sqlite",
    "sqlitedb",
    "plist",
    "localstorage",
    "storedata",
    "log",
    "ips",
    "json",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "heic",
    "mov",
    "mp4",
    "txt",
    "xml",
    "dat",
    "bin",
    "cache",
    "ktx",
    "strings",
    "car",
    "wal",
    "shm",
    "journal",
    "lock",
    "tmp",
    "pdf",
    "html",
    "js",
    "css",
    "zip",
    "gz",
    "pb",
    "data",
    "info",
    "state",
    "archive",
    "realm",
    "mom",
    "momd",
    "db-wal",
];

/// Host names a backup path names: WebKit keeps a site's data in folders named
/// `scheme_host_port` (`https_evil.example_0`), and other stores use the host as a whole
/// file or folder name.
pub fn domains_in_path(path: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for component in path.split('/') {
        let parts: Vec<&str> = component.split('_').collect();
        for (index, part) in parts.iter().enumerate() {
            let lower = part.to_ascii_lowercase();
            let after_scheme = index > 0
                && matches!(
                    parts
                        .get(index - 1)
                        .map(|p| p.to_ascii_lowercase())
                        .as_deref(),
                    Some("http" | "https")
                );
            let host = lower.trim_end_matches('.');
            let plausible = looks_like_host(host)
                && (after_scheme || !has_file_extension(host))
                && !host.starts_with("com.apple.")
                && !host.starts_with("group.");
            if plausible && !found.iter().any(|f| f == host) {
                if found.len() >= MAX_DOMAINS_PER_PATH {
                    return found;
                }
                found.push(host.to_string());
            }
        }
    }
    found
}

fn has_file_extension(host: &str) -> bool {
    host.rsplit('.')
        .next()
        .is_some_and(|last| FILE_EXTENSIONS.contains(&last))
}

/// A dotted name of letters, digits and hyphens whose last label is alphabetic (2 to 24
/// letters), or a dotted-quad address.
fn looks_like_host(host: &str) -> bool {
    if host.len() < 4 || host.len() > 253 {
        return false;
    }
    if is_ipv4(host) {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    let tld_ok = labels.last().is_some_and(|tld| {
        (2..=24).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphabetic())
    });
    labels_ok && tld_ok
}

/// Seconds between 1601-01-01 (the WebKit/Chrome epoch) and 1970-01-01.
const WEBKIT_EPOCH_OFFSET_SECONDS: i64 = 11_644_473_600;

/// Microseconds since 1601-01-01 UTC, as Chrome stores visit times.
pub fn from_webkit_micros(micros: i64) -> Option<UnixMillis> {
    let millis = (micros / 1000).checked_sub(WEBKIT_EPOCH_OFFSET_SECONDS * 1000)?;
    (micros > 0 && millis > 0).then_some(UnixMillis(millis))
}

/// Seconds since 1970-01-01 UTC.
pub fn from_unix_seconds(seconds: f64) -> Option<UnixMillis> {
    let millis = seconds * 1000.0;
    (millis.is_finite() && millis > 0.0 && millis < 1e15).then_some(UnixMillis(millis as i64))
}

/// Cocoa seconds (or nanoseconds) since 2001-01-01 UTC; zero and negatives mean "not set".
pub fn from_cocoa(value: f64) -> Option<UnixMillis> {
    if value <= 0.0 {
        return None;
    }
    UnixMillis::from_cocoa_seconds(value)
}

/// A plist date as milliseconds since 1970.
pub fn from_plist_date(date: plist::Date) -> Option<UnixMillis> {
    let time: std::time::SystemTime = date.into();
    let millis = match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_millis()).ok()?,
    };
    Some(UnixMillis(millis))
}

/// `YYYY-MM-DDTHH:MM:SSZ` (the App Store's purchase date) as milliseconds since 1970.
pub fn parse_iso8601_utc(text: &str) -> Option<UnixMillis> {
    let b = text.as_bytes();
    if b.len() < 19 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> { text.get(from..to)?.parse().ok() };
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, s) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(UnixMillis(((days * 24 + h) * 60 + mi) * 60_000 + s * 1000))
}

/// Day count since 1970-01-01 of a proleptic Gregorian date (the well-known era algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_cut_at_spaces_quotes_and_sentence_punctuation() {
        let (urls, dropped) = urls_in_text(
            "Your parcel: https://Track.Evil.example:8443/p?id=1. See (http://a.example/x_(y)) \
             or \"www.b.example/z\", not https:// alone nor xhttp://c.example",
        );
        assert_eq!(
            urls,
            vec![
                "https://Track.Evil.example:8443/p?id=1",
                "http://a.example/x_(y)",
                "www.b.example/z",
                "http://c.example"
            ]
        );
        assert_eq!(dropped, 0);
        assert_eq!(host_of_url(&urls[0]).as_deref(), Some("track.evil.example"));
    }

    #[test]
    fn urls_beyond_the_limit_are_counted() {
        let text = "https://a.example ".repeat(MAX_URLS_PER_TEXT + 5);
        let (urls, dropped) = urls_in_text(&text);
        assert_eq!(urls.len(), MAX_URLS_PER_TEXT);
        assert_eq!(dropped, 5);
    }

    #[test]
    fn hosts_of_unusual_urls() {
        assert_eq!(host_of_url("https://u:p@[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(
            host_of_url("HTTP://10.0.0.1:8080").as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(
            host_of_url("evil.example.").as_deref(),
            Some("evil.example")
        );
        assert_eq!(host_of_url("https://"), None);
        assert_eq!(host_of_url("https://a b/"), None);
        assert!(is_ipv4("10.0.0.1"));
    }

    #[test]
    fn domains_in_webkit_folder_names() {
        assert_eq!(
            domains_in_path(
                "Library/WebKit/WebsiteData/LocalStorage/https_www.evil.example_0.localstorage"
            ),
            vec!["www.evil.example"]
        );
        assert_eq!(
            domains_in_path("Library/Caches/news.example.org/fsCachedData/x"),
            vec!["news.example.org"]
        );
        assert!(domains_in_path("Library/SMS/sms.db").is_empty());
        assert!(domains_in_path("Library/Preferences/com.apple.identityservices.plist").is_empty());
    }

    #[test]
    fn clocks() {
        assert_eq!(
            from_webkit_micros(13_300_000_000_000_000),
            Some(UnixMillis(1_655_526_400_000))
        );
        assert_eq!(from_webkit_micros(0), None);
        assert_eq!(
            parse_iso8601_utc("2024-02-29T12:00:00Z"),
            Some(UnixMillis(1_709_208_000_000))
        );
        assert_eq!(parse_iso8601_utc("2024-13-01T00:00:00Z"), None);
        assert_eq!(from_cocoa(0.0), None);
        assert_eq!(bounded("héllo", 2), "h");
    }
}
