//! The library part of `stingwatch iocs update URL`: the only code of the phone checks that
//! uses the network, run only when a person asks for it, never by a scan.
//!
//! The URL names either one STIX bundle or an index of sets ([`crate::index`]). Each file is
//! downloaded into memory (at most [`MAX_DOWNLOAD_BYTES`]), checked to load as STIX with at
//! least one indicator, and only then written into the folder through a temporary file and
//! a rename, so a failed or hostile download never replaces a good file.

use crate::index::{parse_index, IndexEntry};
use crate::IocSet;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use stingwatch_phone_model::Diagnostic;

/// Largest file downloaded, in bytes (the same bound loading applies).
pub const MAX_DOWNLOAD_BYTES: u64 = crate::MAX_FILE_BYTES;
/// Time allowed for one download from connection to last byte.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest local file name made from a URL, in bytes.
pub const MAX_LOCAL_NAME_BYTES: usize = 200;
/// The index of the public phone-spyware indicator sets, as the `update` command's default.
pub const PUBLIC_INDEX_URL: &str =
    "https://raw.githubusercontent.com/mvt-project/mvt-indicators/main/indicators.yaml";

/// What an update wrote, and what it could not get.
#[derive(Debug, Default)]
pub struct UpdateReport {
    /// Files written (or rewritten), with the set's name and its indicator count.
    pub written: Vec<WrittenSet>,
    /// Sets of an index that could not be downloaded or were not valid indicators; the
    /// files already in the folder for them are left as they were.
    pub failures: Vec<Diagnostic>,
    /// Problems inside downloaded files that still loaded (malformed objects and the like).
    pub warnings: Vec<Diagnostic>,
}

/// One indicator file an update wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenSet {
    /// The set's name (from the index, else the URL).
    pub name: String,
    /// The URL it came from.
    pub url: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Indicator entries it loads.
    pub indicators: usize,
}

/// Why an update as a whole failed.
#[derive(Debug)]
pub enum UpdateError {
    /// The URL could not be downloaded.
    Download {
        /// What was asked for.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// What was downloaded is neither a usable STIX bundle nor an index.
    NotIndicators {
        /// What was asked for.
        url: String,
        /// Why it was refused.
        message: String,
    },
    /// The indicator folder could not be written.
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::Download { url, message } => {
                write!(f, "cannot download {url}: {message}")
            }
            UpdateError::NotIndicators { url, message } => {
                write!(f, "{url} is not an indicator file or index: {message}")
            }
            UpdateError::Write { path, error } => {
                write!(f, "cannot write {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for UpdateError {}

/// Downloads `url`, at most [`MAX_DOWNLOAD_BYTES`], following redirects.
fn download(url: &str) -> Result<Vec<u8>, UpdateError> {
    let failed = |message: String| UpdateError::Download {
        url: url.to_string(),
        message,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(DOWNLOAD_TIMEOUT))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| failed(e.to_string()))?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_DOWNLOAD_BYTES)
        .read_to_vec()
        .map_err(|e| failed(e.to_string()))
}

/// A file name for a URL's content: host and path with every other character made `_`,
/// ending in `.stix2`, so two sets with the same last path segment do not collide.
pub fn local_file_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let mut name = String::with_capacity(rest.len() + 6);
    for c in rest.chars() {
        let keep = c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_';
        let c = if keep { c } else { '_' };
        if !(c == '_' && name.ends_with('_')) {
            name.push(c);
        }
    }
    let mut name = name.trim_matches(['_', '.']).to_string();
    if name.is_empty() {
        name.push_str("indicators");
    }
    if name.to_ascii_lowercase().ends_with(".stix2") {
        name.truncate(name.len() - ".stix2".len());
    }
    // Cut at a character boundary (the name is ASCII by construction).
    name.truncate(MAX_LOCAL_NAME_BYTES - ".stix2".len());
    name.push_str(".stix2");
    name
}

/// Checks that `bytes` load as STIX with at least one indicator; returns the count and the
/// warnings of what loaded with problems.
pub fn validate_bundle(source: &str, bytes: &[u8]) -> Result<(usize, Vec<Diagnostic>), String> {
    let mut set = IocSet::new();
    let (count, failure) = set.load_bundle_checked(source, source, bytes);
    if let Some(failure) = failure {
        return Err(failure);
    }
    if count == 0 {
        return Err("no usable indicator in it".into());
    }
    Ok((count, set.take_diagnostics()))
}

/// Writes `bytes` to `dest/name` through a temporary file in the same folder and a rename.
pub fn write_atomically(dest: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, UpdateError> {
    let target = dest.join(name);
    let temp = dest.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, &target)
    };
    write().map_err(|error| {
        // Best effort: the temporary file is hidden from loading either way.
        let _ = std::fs::remove_file(&temp);
        UpdateError::Write {
            path: target.clone(),
            error,
        }
    })?;
    Ok(target)
}

fn fetch_set(
    name: &str,
    url: &str,
    dest: &Path,
    report: &mut UpdateReport,
) -> Result<(), UpdateError> {
    let bytes = download(url)?;
    let (indicators, warnings) =
        validate_bundle(url, &bytes).map_err(|message| UpdateError::NotIndicators {
            url: url.to_string(),
            message,
        })?;
    let path = write_atomically(dest, &local_file_name(url), &bytes)?;
    report.warnings.extend(warnings);
    report.written.push(WrittenSet {
        name: name.to_string(),
        url: url.to_string(),
        path,
        indicators,
    });
    Ok(())
}

/// Downloads the STIX bundle or the index of sets at `url` into `dest` (created if needed).
/// With an index, a set that fails is listed in [`UpdateReport::failures`] and the others
/// are still written; the call fails as a whole only when `url` itself cannot be used.
pub fn update(url: &str, dest: &Path) -> Result<UpdateReport, UpdateError> {
    std::fs::create_dir_all(dest).map_err(|error| UpdateError::Write {
        path: dest.to_path_buf(),
        error,
    })?;
    let bytes = download(url)?;
    let mut report = UpdateReport::default();
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'{') {
        let (indicators, warnings) =
            validate_bundle(url, &bytes).map_err(|message| UpdateError::NotIndicators {
                url: url.to_string(),
                message,
            })?;
        let path = write_atomically(dest, &local_file_name(url), &bytes)?;
        report.warnings = warnings;
        report.written.push(WrittenSet {
            name: url.to_string(),
            url: url.to_string(),
            path,
            indicators,
        });
        return Ok(report);
    }
    let (entries, problems) = parse_index(url, &bytes);
    if entries.is_empty() {
        let message = problems
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_else(|| "the index lists no indicator set".into());
        return Err(UpdateError::NotIndicators {
            url: url.to_string(),
            message,
        });
    }
    report.failures.extend(problems);
    for IndexEntry { name, url: set_url } in entries {
        if let Err(e) = fetch_set(&name, &set_url, dest, &mut report) {
            if let UpdateError::Write { .. } = e {
                return Err(e);
            }
            report
                .failures
                .push(Diagnostic::new(set_url.clone(), format!("{name}: {e}")));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_are_plain_and_distinct() {
        assert_eq!(
            local_file_name("https://raw.githubusercontent.com/o/r/main/2021/pegasus.stix2"),
            "raw.githubusercontent.com_o_r_main_2021_pegasus.stix2"
        );
        assert_eq!(
            local_file_name("http://127.0.0.1:8080/a/../b.json?x=1"),
            "127.0.0.1_8080_a_.._b.json.stix2"
        );
        assert_eq!(local_file_name("https://"), "indicators.stix2");
        assert!(
            local_file_name(&format!("https://x/{}", "a".repeat(500))).len()
                <= MAX_LOCAL_NAME_BYTES
        );
        assert!(!local_file_name("https://x/../../etc/passwd").contains('/'));
    }
}
