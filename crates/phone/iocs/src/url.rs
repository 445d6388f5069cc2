//! Just enough URL reading to match indicators: the host of a URL (with or without scheme,
//! port, user info, IPv6 brackets) and a normal form for comparing whole URLs.
//!
//! By hand rather than a URL crate: values found on a phone are often not valid URLs at all
//! (no scheme, a bare `host:port`, text around a link), and a strict parser would refuse
//! exactly the values worth checking. Backslashes end the authority as browsers treat them
//! in web URLs, so `https://evil.example\@good.example` has the host a browser would visit.

/// True when `s` is a URL scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
}

/// Splits off `scheme://`; returns (scheme, rest). A value without `://` has no scheme.
fn split_scheme(s: &str) -> (&str, &str) {
    if let Some(i) = s.find("://") {
        let scheme = s.get(..i).unwrap_or("");
        if is_scheme(scheme) {
            return (scheme, s.get(i + 3..).unwrap_or(""));
        }
    }
    ("", s.strip_prefix("//").unwrap_or(s))
}

fn authority_end(rest: &str) -> usize {
    rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len())
}

/// Splits an authority into (user info with its `@`, host, port with its `:`).
fn split_authority(authority: &str) -> (&str, &str, &str) {
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (
            authority.get(..=i).unwrap_or(""),
            authority.get(i + 1..).unwrap_or(""),
        ),
        None => ("", authority),
    };
    if hostport.starts_with('[') {
        if let Some(close) = hostport.find(']') {
            return (
                userinfo,
                hostport.get(1..close).unwrap_or(""),
                hostport.get(close + 1..).unwrap_or(""),
            );
        }
    }
    match hostport.find(':') {
        Some(i) => (
            userinfo,
            hostport.get(..i).unwrap_or(""),
            hostport.get(i..).unwrap_or(""),
        ),
        None => (userinfo, hostport, ""),
    }
}

/// The host a URL (or a bare `host`, `host:port`, `//host/path`) names, without brackets,
/// port, user info or trailing dots; not lower-cased. None when there is no host.
pub fn url_host(value: &str) -> Option<&str> {
    let (_, rest) = split_scheme(value.trim());
    let authority = rest.get(..authority_end(rest)).unwrap_or("");
    let (_, host, _) = split_authority(authority);
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then_some(host)
}

/// The host part of an e-mail address, if it has one.
pub fn email_domain(value: &str) -> Option<&str> {
    let domain = value.trim().rsplit_once('@')?.1.trim_end_matches('.');
    (!domain.is_empty()).then_some(domain)
}

/// A URL in the form two spellings of the same address share: scheme and host in lower
/// case, web schemes (`http`, `https`, none) treated alike, default port and trailing
/// slashes of the path dropped. Path, query and fragment keep their case.
pub fn url_key(value: &str) -> String {
    let (scheme, rest) = split_scheme(value.trim());
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = (rest.get(..end).unwrap_or(""), rest.get(end..).unwrap_or(""));
    let (userinfo, host, port) = split_authority(authority);
    let host = host.trim_end_matches('.').to_lowercase();
    let default_port = matches!(
        (scheme.as_str(), port),
        ("http" | "", ":80") | ("https" | "", ":443") | (_, ":")
    );
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (path, after) = (
        tail.get(..path_end).unwrap_or(""),
        tail.get(path_end..).unwrap_or(""),
    );
    let mut key = String::with_capacity(value.len() + 8);
    if !matches!(scheme.as_str(), "" | "http" | "https") {
        key.push_str(&scheme);
        key.push_str("://");
    }
    key.push_str(userinfo);
    if authority.contains('[') {
        key.push('[');
        key.push_str(&host);
        key.push(']');
    } else {
        key.push_str(&host);
    }
    if !default_port {
        key.push_str(port);
    }
    key.push_str(path.trim_end_matches('/'));
    key.push_str(after);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_many_spellings() {
        for (value, host) in [
            ("https://evil.example/path?q=1", "evil.example"),
            ("evil.example", "evil.example"),
            ("evil.example:8443/x", "evil.example"),
            ("HTTP://Evil.Example.:80", "Evil.Example"),
            ("https://user:pw@evil.example:1/", "evil.example"),
            ("https://good.example@evil.example/", "evil.example"),
            ("https://evil.example\\@good.example/", "evil.example"),
            ("http://[2001:db8::1]:8080/a", "2001:db8::1"),
            ("//evil.example/a", "evil.example"),
            ("evil.example#frag", "evil.example"),
            ("  https://evil.example  ", "evil.example"),
            ("mailto:someone@evil.example", "evil.example"),
            ("http://192.0.2.7:80/", "192.0.2.7"),
        ] {
            assert_eq!(url_host(value), Some(host), "{value}");
        }
        assert_eq!(url_host("https:///path"), None);
        assert_eq!(url_host(""), None);
        assert_eq!(url_host("http://user@:80/"), None);
    }

    #[test]
    fn url_keys_agree_on_equivalent_spellings() {
        let base = url_key("https://evil.example/a/b");
        for same in [
            "https://evil.example/a/b/",
            "HTTPS://EVIL.EXAMPLE/a/b",
            "https://evil.example:443/a/b",
            "http://evil.example/a/b",
            "evil.example/a/b",
            "https://evil.example./a/b",
        ] {
            assert_eq!(url_key(same), base, "{same}");
        }
        for different in [
            "https://evil.example/A/b",
            "https://evil.example:8443/a/b",
            "https://evil.example/a/b?x=1",
            "ftp://evil.example/a/b",
            "https://other.example/a/b",
        ] {
            assert_ne!(url_key(different), base, "{different}");
        }
        assert_eq!(
            url_key("https://evil.example"),
            url_key("https://evil.example/")
        );
        assert_eq!(
            url_key("https://x.example/?q=1"),
            url_key("https://x.example?q=1")
        );
        assert_eq!(url_key("http://[2001:DB8::1]:80/"), "[2001:db8::1]");
    }

    #[test]
    fn email_domains() {
        assert_eq!(email_domain("a@Evil.example"), Some("Evil.example"));
        assert_eq!(email_domain("no-at-sign"), None);
        assert_eq!(email_domain("a@"), None);
    }
}
