//! The index public indicator sets describe themselves with: a YAML document whose
//! `indicators` list names each set and where to download it, either as a GitHub file
//! (`type: github` with `github: {owner, repo, branch, path}`) or as a `download_url`.
//!
//! ```yaml
//! indicators:
//!   - type: github
//!     name: Example spyware indicators
//!     github: { owner: example, repo: investigations, branch: main, path: 2024/spy.stix2 }
//!   - name: Another set
//!     download_url: https://example.org/another.stix2
//! ```

use serde::Deserialize;
use stingwatch_phone_model::Diagnostic;

/// Largest index read, in bytes (the public index is a few kilobytes).
pub const MAX_INDEX_BYTES: usize = 1024 * 1024;
/// Most entries read from one index.
pub const MAX_INDEX_ENTRIES: usize = 1000;
/// Where a `type: github` entry's file is downloaded from: owner, repository, branch, path.
pub const GITHUB_RAW_BASE: &str = "https://raw.githubusercontent.com";
/// Branch a GitHub entry without one names.
pub const DEFAULT_BRANCH: &str = "main";

/// One indicator set an index lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The set's name, e.g. `NSO Group Pegasus Indicators of Compromise`.
    pub name: String,
    /// Where its STIX file is downloaded from.
    pub url: String,
}

#[derive(Deserialize)]
struct RawIndex {
    #[serde(default)]
    indicators: Option<Vec<serde_yaml_ng::Value>>,
}

#[derive(Deserialize)]
struct RawEntry {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    entry_type: Option<String>,
    #[serde(default)]
    github: Option<RawGithub>,
    #[serde(default)]
    download_url: Option<String>,
}

#[derive(Deserialize)]
struct RawGithub {
    owner: String,
    repo: String,
    #[serde(default)]
    branch: Option<String>,
    path: String,
}

/// Percent-encodes what may not stand in a URL path as is (spaces appear in real paths).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A name part of a GitHub URL: not empty, no `/` (or `..`) that would point elsewhere.
fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && !s.contains(['/', '\\', '?', '#', '%'])
        && !s.contains(char::is_whitespace)
}

fn entry_url(entry: &RawEntry) -> Result<String, String> {
    if entry.entry_type.as_deref() == Some("github") {
        let gh = entry
            .github
            .as_ref()
            .ok_or("`type: github` without a `github` section")?;
        let branch = gh.branch.as_deref().unwrap_or(DEFAULT_BRANCH);
        for (what, part) in [("owner", &gh.owner), ("repo", &gh.repo)] {
            if !plain_segment(part) {
                return Err(format!("github {what} {part:?} is not a plain name"));
            }
        }
        if branch.is_empty() || branch.contains(['?', '#']) || branch.contains("..") {
            return Err(format!("github branch {branch:?} is not usable"));
        }
        let path = gh.path.trim_start_matches('/');
        if path.is_empty() || path.split('/').any(|s| s == "..") {
            return Err(format!("github path {:?} is not usable", gh.path));
        }
        return Ok(format!(
            "{GITHUB_RAW_BASE}/{}/{}/{}/{}",
            gh.owner,
            gh.repo,
            encode_path(branch),
            encode_path(path)
        ));
    }
    let url = entry
        .download_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or("neither `type: github` nor a `download_url`")?;
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(format!("download_url {url:?} is not an http(s) URL"));
    }
    Ok(url.to_string())
}

/// Reads an index; entries that cannot be used are reported (by position and name) and
/// skipped. `source` names the index in diagnostics.
pub fn parse_index(source: &str, bytes: &[u8]) -> (Vec<IndexEntry>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    if bytes.len() > MAX_INDEX_BYTES {
        diagnostics.push(Diagnostic::new(
            source,
            format!("index larger than {MAX_INDEX_BYTES} bytes: not read"),
        ));
        return (Vec::new(), diagnostics);
    }
    let raw: RawIndex = match serde_yaml_ng::from_slice(bytes) {
        Ok(raw) => raw,
        Err(e) => {
            diagnostics.push(Diagnostic::new(
                source,
                format!("not an indicator index: {e}"),
            ));
            return (Vec::new(), diagnostics);
        }
    };
    let Some(items) = raw.indicators else {
        diagnostics.push(Diagnostic::new(
            source,
            "not an indicator index: no `indicators` list",
        ));
        return (Vec::new(), diagnostics);
    };
    let mut entries: Vec<IndexEntry> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i >= MAX_INDEX_ENTRIES {
            diagnostics.push(Diagnostic::new(
                source,
                format!("entries after the first {MAX_INDEX_ENTRIES} not read"),
            ));
            break;
        }
        let outcome = serde_yaml_ng::from_value::<RawEntry>(item)
            .map_err(|e| format!("malformed entry: {e}"))
            .and_then(|entry| {
                let url = entry_url(&entry)?;
                let name = entry
                    .name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| url.clone());
                Ok(IndexEntry { name, url })
            });
        match outcome {
            Ok(entry) if entries.iter().any(|e| e.url == entry.url) => {}
            Ok(entry) => entries.push(entry),
            Err(message) => diagnostics.push(Diagnostic::new(
                source,
                format!("entry {i}: {message}; skipped"),
            )),
        }
    }
    (entries, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_and_download_entries() {
        let yaml = br#"
indicators:
  -
    type: github
    name: First set
    sources:
      - Someone
    github:
      owner: example-org
      repo: investigations
      branch: master
      path: 2021-07-18_x/first set.stix2
  - type: github
    name: Default branch
    github: { owner: o, repo: r, path: a/b.stix2 }
  - name: Direct
    download_url: https://example.org/direct.stix2
  - name: Same again
    download_url: https://example.org/direct.stix2
  - name: Nowhere
  - type: github
    name: Escaping
    github: { owner: "../x", repo: r, path: a.stix2 }
  - name: Not web
    download_url: file:///etc/passwd
  - just a string
"#;
        let (entries, diags) = parse_index("index.yaml", yaml);
        assert_eq!(
            entries,
            [
                IndexEntry {
                    name: "First set".into(),
                    url: "https://raw.githubusercontent.com/example-org/investigations/master/2021-07-18_x/first%20set.stix2".into()
                },
                IndexEntry {
                    name: "Default branch".into(),
                    url: "https://raw.githubusercontent.com/o/r/main/a/b.stix2".into()
                },
                IndexEntry {
                    name: "Direct".into(),
                    url: "https://example.org/direct.stix2".into()
                },
            ]
        );
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].starts_with("entry 4: neither"), "{messages:?}");
        assert!(
            messages[1].starts_with("entry 5: github owner"),
            "{messages:?}"
        );
        assert!(
            messages[2].starts_with("entry 6: download_url"),
            "{messages:?}"
        );
        assert!(
            messages[3].starts_with("entry 7: malformed entry"),
            "{messages:?}"
        );
    }

    #[test]
    fn not_an_index() {
        for bytes in [
            &b"{not: [valid"[..],
            b"- a\n- b\n",
            b"other: 1\n",
            b"\xff\xfe",
        ] {
            let (entries, diags) = parse_index("x", bytes);
            assert!(entries.is_empty());
            assert_eq!(diags.len(), 1, "{:?}", String::from_utf8_lossy(bytes));
        }
        let big = vec![b' '; MAX_INDEX_BYTES + 1];
        assert_eq!(parse_index("x", &big).1.len(), 1);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut yaml = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            yaml.push_str(&format!(
                "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        yaml.push_str("indicators: [*b8]\n");
        let (entries, diags) = parse_index("bomb", yaml.as_bytes());
        assert!(entries.is_empty());
        assert_eq!(diags.len(), 1);
    }
}
