//! The file manifest: every file and folder the backup lists, by path, name and the host
//! names its path carries; also which files the pattern checks will read.

use crate::text::{domains_in_path, host_observable, push_unique};
use crate::{record, source_label, Ctx, Location, ManifestEntry, CHECKS, MAX_FILES_PER_CHECK};
use std::collections::{BTreeMap, HashMap, HashSet};
use stingwatch_phone_model::{Observable, ObservableKind};

/// Artifact id of manifest records.
pub const ARTIFACT: &str = "ios.manifest";
/// Most distinct app domains remembered (to name each app once).
pub const MAX_APP_DOMAINS: usize = 100_000;

/// Files each pattern check will read, by artifact id.
#[derive(Debug, Default)]
pub struct Found {
    files: BTreeMap<&'static str, Vec<(String, String)>>,
}

impl Found {
    /// The (domain, path) pairs found for `artifact`, in manifest order.
    pub fn files(&self, artifact: &str) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .get(artifact)
            .into_iter()
            .flatten()
            .map(|(d, p)| (d.as_str(), p.as_str()))
    }
}

/// Lists the manifest into records and collects the files of the pattern checks.
pub fn scan(ctx: &mut Ctx<'_>) -> Found {
    let mut found = Found::default();
    let mut app_domains: HashSet<String> = HashSet::new();
    let mut wal: HashSet<String> = HashSet::new();
    let mut listed: HashMap<String, Option<u64>> = HashMap::new();
    let mut over_limit: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut count = 0usize;
    let sink = &mut *ctx.sink;
    let result = ctx.source.entries(&mut |entry: ManifestEntry| {
        count += 1;
        if classify(&entry, &mut found, &mut over_limit) {
            listed.insert(
                source_label(&entry.domain, &entry.relative_path),
                entry.size,
            );
        }
        if !entry.is_dir && entry.size.unwrap_or(0) > 0 {
            if let Some(db) = entry.relative_path.strip_suffix("-wal") {
                wal.insert(source_label(&entry.domain, db));
            }
        }
        let mut observables = Vec::new();
        let app = app_of_domain(&entry.domain);
        if let Some(app) = app {
            if app_domains.len() < MAX_APP_DOMAINS && app_domains.insert(entry.domain.clone()) {
                observables.push(Observable::new(ObservableKind::AppId, app));
            }
        }
        if !entry.relative_path.is_empty() {
            observables.push(Observable::new(
                ObservableKind::FilePath,
                format!("/{}", entry.relative_path),
            ));
            if let Some(name) = entry.relative_path.rsplit('/').next() {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::FileName, name),
                );
            }
            for host in domains_in_path(&entry.relative_path) {
                push_unique(&mut observables, host_observable(&host));
            }
        }
        let label = source_label(&entry.domain, &entry.relative_path);
        let locator = if entry.file_id.is_empty() {
            label.clone()
        } else {
            entry.file_id.clone()
        };
        let what = if entry.is_dir { "folder" } else { "file" };
        sink.record(record(
            ARTIFACT,
            "Manifest.db",
            locator,
            entry.mtime,
            format!("Backup {what} {label}"),
            observables,
        ));
    });
    if let Err(e) = result {
        ctx.diagnostic(
            "Manifest.db",
            format!("listing stopped after {count} entries: {e}; the entries before were kept"),
        );
    }
    for (artifact, dropped) in over_limit {
        ctx.diagnostic(
            "Manifest.db",
            format!(
                "{artifact}: {dropped} more matching files were not read (limit \
                 {MAX_FILES_PER_CHECK} per check)"
            ),
        );
    }
    ctx.wal = wal;
    ctx.listed = listed;
    found
}

/// The app a domain belongs to: `AppDomain-com.example.app` is `com.example.app`.
fn app_of_domain(domain: &str) -> Option<&str> {
    domain
        .strip_prefix("AppDomainPlugin-")
        .or_else(|| domain.strip_prefix("AppDomain-"))
        .filter(|app| !app.is_empty())
}

/// Files the pattern checks read into `found`; whether any check reads the entry.
fn classify(
    entry: &ManifestEntry,
    found: &mut Found,
    over_limit: &mut BTreeMap<&'static str, usize>,
) -> bool {
    if entry.is_dir {
        return false;
    }
    let mut read = false;
    for check in CHECKS {
        let fixed = check.locations.iter().any(|location| {
            matches!(location, Location::File(d, p) if *d == entry.domain && *p == entry.relative_path)
        });
        read |= fixed;
        let matches = check.locations.iter().any(|location| match location {
            Location::Pattern(domain, pattern) => {
                domain.is_none_or(|d| d == entry.domain)
                    && glob_match(pattern, &entry.relative_path)
            }
            _ => false,
        });
        if !matches {
            continue;
        }
        read = true;
        let files = found.files.entry(check.artifact).or_default();
        if files.len() >= MAX_FILES_PER_CHECK {
            *over_limit.entry(check.artifact).or_default() += 1;
        } else {
            files.push((entry.domain.clone(), entry.relative_path.clone()));
        }
    }
    read
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters (slashes
/// included) and letters match in any ASCII case, as the manifest's SQL `LIKE` does.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if c.eq_ignore_ascii_case(&t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or(&[]).iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(
            "Library/Safari/Profiles/*/History.db",
            "Library/Safari/Profiles/AB-12/History.db"
        ));
        assert!(!glob_match(
            "Library/Safari/History.db",
            "Library/Safari/History.db-wal"
        ));
        assert!(glob_match("*shutdown.*.log", "Library/Logs/shutdown.2.log"));
        assert!(glob_match("*.ips", "x/Analytics-2024.IPS"));
        assert!(!glob_match("profile-*", "Library/profile-x"));
        assert!(glob_match(
            "*/profile-*",
            "Library/ConfigurationProfiles/profile-x.stub"
        ));
    }
}
