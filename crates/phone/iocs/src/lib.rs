//! Published spyware indicators: STIX 2.1 bundles loaded into an [`IocSet`] that matches the
//! [`Observable`]s phone readers produce, the index format public indicator sets describe
//! themselves with ([`index`]), and the explicit download command's library part
//! (`update`, behind the default feature of that name).
//!
//! Loading never fails as a whole: every file, object and pattern that cannot be used is
//! reported as a [`Diagnostic`] (file, index in `objects`, id) and counted in [`LoadStats`],
//! and everything else loads. Memory is bounded by the named limits below. Matching is pure
//! and uses no network; only `update::update` downloads, and nothing in a scan calls it.

#![forbid(unsafe_code)]

mod bundle;
pub mod fixtures;
pub mod index;
pub mod pattern;
#[cfg(feature = "update")]
pub mod update;
pub mod url;

use foldhash::fast::RandomState;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

pub use stingwatch_phone_model::{
    Diagnostic, IndicatorMatch, IndicatorRef, Observable, ObservableKind,
};

/// Largest indicator file read, in bytes; a larger one is skipped with a diagnostic.
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;
/// Most indicators kept from one file; the rest of the file is counted and reported.
pub const MAX_INDICATORS_PER_SET: usize = 1_000_000;
/// Most indicators kept in one [`IocSet`] across all files.
pub const MAX_INDICATORS_TOTAL: usize = 4_000_000;
/// Longest indicator value kept, in bytes (long URLs fit; a megabyte "domain" does not).
pub const MAX_VALUE_BYTES: usize = 8 * 1024;
/// Most diagnostics listed per file; further problems are counted in one closing line.
pub const MAX_DIAGNOSTICS_PER_FILE: usize = 100;
/// Most collections one indicator is filed under (reports listing it, malware it indicates).
pub const MAX_COLLECTIONS_PER_INDICATOR: usize = 64;
/// How many of a value's latest entries are checked when dropping duplicates.
pub const DUPLICATE_CHECK_WINDOW: usize = 64;
/// Deepest folder level searched below a folder given to [`IocSet::load_path`].
pub const MAX_FOLDER_DEPTH: usize = 16;
/// Most files read by one [`IocSet::load_path`] of a folder.
pub const MAX_FILES_PER_FOLDER: usize = 10_000;
/// Lengths, in bytes, at which phone logs cut process names (`MAXCOMLEN` 16 on iOS, 15
/// visible characters of Linux's `TASK_COMM_LEN` on Android); an observed name of exactly
/// such a length also matches indicators it is the start of.
pub const PROCESS_NAME_TRUNCATIONS: [usize; 2] = [15, 16];

/// File extensions read when loading a folder.
pub const INDICATOR_FILE_EXTENSIONS: [&str; 3] = ["stix2", "stix", "json"];

/// Counts of what loading kept and what it skipped, by reason.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct LoadStats {
    /// Files read (whether or not they held indicators).
    pub files: usize,
    /// Indicator entries kept (one per value and collection).
    pub indicators: usize,
    /// The same value published twice in one collection, kept once.
    pub duplicates: usize,
    /// Files that were not a STIX bundle at all, or were damaged part-way.
    pub unreadable_files: usize,
    /// Objects skipped because a field was missing or of the wrong type.
    pub malformed_objects: usize,
    /// Patterns that are valid STIX but not single values (`AND`, `!=`, qualifiers ...).
    pub unsupported_patterns: usize,
    /// Patterns that are not valid STIX patterning.
    pub invalid_patterns: usize,
    /// Comparisons on an object path none of the 16 indicator keys name.
    pub unknown_keys: usize,
    /// Values skipped as empty, too long, or not of their kind (e.g. an IPv4 that is not one).
    pub rejected_values: usize,
    /// Indicators, files or bytes left out because a named limit was reached.
    pub over_limit: usize,
}

/// One named collection of a loaded file, for `stingwatch iocs list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectionSummary {
    /// The `malware` or `report` name, else the file's name.
    pub name: String,
    /// The file it was loaded from.
    pub source: String,
    /// Indicators per kind.
    pub counts: BTreeMap<ObservableKind, usize>,
    /// All indicators of the collection.
    pub total: usize,
}

/// The indicator counts loading keeps; [`LoadLimits::default`] is the named limits
/// [`MAX_INDICATORS_PER_SET`] and [`MAX_INDICATORS_TOTAL`]. Smaller ones suit a device
/// with little memory (and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    /// Most indicators kept from one file.
    pub indicators_per_set: usize,
    /// Most indicators kept in all.
    pub indicators_total: usize,
}

impl Default for LoadLimits {
    fn default() -> LoadLimits {
        LoadLimits {
            indicators_per_set: MAX_INDICATORS_PER_SET,
            indicators_total: MAX_INDICATORS_TOTAL,
        }
    }
}

/// One loaded indicator value in one collection.
#[derive(Debug, Clone)]
struct Entry {
    id: Box<str>,
    kind: ObservableKind,
    value: Box<str>,
    collection: u32,
}

#[derive(Debug, Clone)]
struct Collection {
    name: String,
    source: String,
}

type Map<K, V> = HashMap<K, V, RandomState>;

/// Loaded indicators, indexed by kind and normalised value for matching in constant time per
/// lookup (domains: one lookup per label of the observed name).
#[derive(Debug, Default)]
pub struct IocSet {
    entries: Vec<Entry>,
    collections: Vec<Collection>,
    collection_ids: Map<(String, String), u32>,
    /// Normalised value → entries, one map per kind (indexed by `ObservableKind as usize`).
    exact: [Map<Box<str>, Vec<u32>>; 16],
    /// IPv4 networks (`a.b.c.d/n`, n < 32): (prefix length, masked address) → entries.
    ipv4_networks: Map<(u8, u32), Vec<u32>>,
    /// Prefix lengths present in `ipv4_networks`, longest first.
    ipv4_prefix_lengths: Vec<u8>,
    /// The first 15 and 16 bytes of longer process-name indicators → entries.
    process_prefixes: Map<Box<[u8]>, Vec<u32>>,
    /// Longest key per kind: longer parts of an observable are never looked up, which keeps
    /// the per-label and per-folder walks linear in the observable's length.
    max_key_len: [usize; 16],
    limits: LoadLimits,
    diagnostics: Vec<Diagnostic>,
    stats: LoadStats,
}

/// What kind of value a STIX key names; also the index of its map.
fn slot(kind: ObservableKind) -> usize {
    kind as usize
}

/// Lower-cased, trimmed, without trailing dots or a leading `*.` wildcard; a domain
/// published with a scheme, port or path is reduced to its host.
fn normal_domain(value: &str) -> Option<String> {
    let value = value.trim();
    let host = if value.contains([':', '/', '@', '\\']) {
        url::url_host(value)?
    } else {
        value.trim_end_matches('.')
    };
    let host = host.strip_prefix("*.").unwrap_or(host);
    let host = host.to_lowercase();
    (!host.is_empty() && !host.starts_with('.') && !host.contains(char::is_whitespace))
        .then_some(host)
}

/// Normalised form of a value of `kind` for the exact-match maps; None when unusable.
fn normal_value(kind: ObservableKind, value: &str) -> Option<String> {
    use ObservableKind as K;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    match kind {
        K::Domain => normal_domain(trimmed),
        K::Url => Some(url::url_key(trimmed)),
        K::Ipv4 => trimmed.parse::<Ipv4Addr>().ok().map(|a| a.to_string()),
        K::Email => Some(trimmed.to_lowercase()),
        K::FileMd5
        | K::FileSha1
        | K::FileSha256
        | K::AppCertMd5
        | K::AppCertSha1
        | K::AppCertSha256 => Some(trimmed.to_ascii_lowercase().replace(':', "")),
        // The root folder would match every path: not a usable indicator.
        K::FilePath => Some(trimmed.trim_end_matches('/'))
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        K::ProcessName
        | K::FileName
        | K::AppId
        | K::ConfigurationProfileId
        | K::AndroidProperty => Some(trimmed.to_string()),
    }
}

/// An IPv4 network `a.b.c.d/n`: (prefix length, masked address).
fn ipv4_network(value: &str) -> Option<(u8, u32)> {
    let (addr, len) = value.trim().split_once('/')?;
    let addr: Ipv4Addr = addr.trim().parse().ok()?;
    let len: u8 = len.trim().parse().ok().filter(|l| *l <= 32)?;
    Some((len, u32::from(addr) & mask(len)))
}

fn mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

/// Diagnostics of one file, capped at [`MAX_DIAGNOSTICS_PER_FILE`] with the rest counted.
struct FileDiagnostics<'a> {
    source: &'a str,
    list: &'a mut Vec<Diagnostic>,
    listed: usize,
    more: usize,
}

impl FileDiagnostics<'_> {
    fn push(&mut self, message: String) {
        if self.listed < MAX_DIAGNOSTICS_PER_FILE {
            self.list.push(Diagnostic::new(self.source, message));
            self.listed += 1;
        } else {
            self.more += 1;
        }
    }

    fn finish(self) {
        if self.more > 0 {
            self.list.push(Diagnostic::new(
                self.source,
                format!(
                    "{} more problems in this file not listed (at most {MAX_DIAGNOSTICS_PER_FILE} are)",
                    self.more
                ),
            ));
        }
    }
}

fn locate(index: usize, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("object {index} ({id})"),
        None => format!("object {index}"),
    }
}

impl IocSet {
    /// An empty set.
    pub fn new() -> IocSet {
        IocSet::default()
    }

    /// An empty set that keeps at most the given numbers of indicators.
    pub fn with_limits(limits: LoadLimits) -> IocSet {
        IocSet {
            limits,
            ..IocSet::default()
        }
    }

    /// Loads every path (a file, or a folder searched recursively for `*.stix2`, `*.stix`,
    /// `*.json`) into a new set.
    pub fn from_paths<P: AsRef<Path>>(paths: &[P]) -> IocSet {
        let mut set = IocSet::new();
        for path in paths {
            set.load_path(path.as_ref());
        }
        set
    }

    /// Loads a file, or every indicator file under a folder (symbolic links to folders are
    /// not followed, so a loop cannot trap the walk). Problems become diagnostics.
    pub fn load_path(&mut self, path: &Path) {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut files = Vec::new();
                self.walk(path, 0, &mut files);
                files.sort();
                for file in files {
                    self.load_file(&file);
                }
            }
            Ok(_) => self.load_file(path),
            Err(e) => self.diagnostics.push(Diagnostic::new(
                path.display().to_string(),
                format!("cannot open indicators: {e}"),
            )),
        }
    }

    fn walk(&mut self, dir: &Path, depth: usize, files: &mut Vec<PathBuf>) {
        let source = dir.display().to_string();
        if depth > MAX_FOLDER_DEPTH {
            self.stats.over_limit += 1;
            self.diagnostics.push(Diagnostic::new(
                source,
                format!("folder deeper than {MAX_FOLDER_DEPTH} levels not searched"),
            ));
            return;
        }
        let reader = match std::fs::read_dir(dir) {
            Ok(reader) => reader,
            Err(e) => {
                self.diagnostics
                    .push(Diagnostic::new(source, format!("cannot list folder: {e}")));
                return;
            }
        };
        let mut children: Vec<_> = reader.filter_map(Result::ok).collect();
        children.sort_by_key(|c| c.file_name());
        for child in children {
            let path = child.path();
            let name = child.file_name();
            // Dot files are hidden state, such as an interrupted update's temporary file.
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(kind) = child.file_type() else {
                continue;
            };
            if kind.is_dir() {
                self.walk(&path, depth + 1, files);
            } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
                let wanted = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    INDICATOR_FILE_EXTENSIONS
                        .iter()
                        .any(|w| e.eq_ignore_ascii_case(w))
                });
                if !wanted {
                    continue;
                }
                if files.len() >= MAX_FILES_PER_FOLDER {
                    self.stats.over_limit += 1;
                    self.diagnostics.push(Diagnostic::new(
                        path.display().to_string(),
                        format!("not read: more than {MAX_FILES_PER_FOLDER} indicator files"),
                    ));
                    return;
                }
                files.push(path);
            }
        }
    }

    /// Loads one indicator file.
    pub fn load_file(&mut self, path: &Path) {
        let source = path.display().to_string();
        let bytes = match read_limited(path) {
            Ok(bytes) => bytes,
            Err(message) => {
                self.stats.files += 1;
                self.stats.unreadable_files += 1;
                if message.contains("larger than") {
                    self.stats.over_limit += 1;
                }
                self.diagnostics.push(Diagnostic::new(source, message));
                return;
            }
        };
        let fallback = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| source.clone());
        self.load_bundle(&source, &fallback, &bytes);
    }

    /// Loads a bundle from memory; `source` names it in diagnostics and matches, and
    /// `fallback_collection` names the collection of indicators no `malware` or `report`
    /// groups. Returns how many indicator entries it added.
    pub fn load_bundle(&mut self, source: &str, fallback_collection: &str, bytes: &[u8]) -> usize {
        self.load_bundle_checked(source, fallback_collection, bytes)
            .0
    }

    /// As [`IocSet::load_bundle`], also saying whether the file as a whole was unreadable
    /// (not JSON, damaged, or without `objects`): the message, when it was.
    pub fn load_bundle_checked(
        &mut self,
        source: &str,
        fallback_collection: &str,
        bytes: &[u8],
    ) -> (usize, Option<String>) {
        self.stats.files += 1;
        let before = self.stats.indicators;
        let mut content = bundle::BundleContent::default();
        let failure = bundle::read_bundle(bytes, &mut content).err();
        let mut diagnostics = std::mem::take(&mut self.diagnostics);
        let mut diag = FileDiagnostics {
            source,
            list: &mut diagnostics,
            listed: 0,
            more: 0,
        };
        if let Some(failure) = &failure {
            self.stats.unreadable_files += 1;
            diag.push(failure.message.clone());
        }
        for (index, id, message) in &content.problems {
            self.stats.malformed_objects += 1;
            diag.push(format!(
                "{}: {message}; skipped",
                locate(*index, id.as_deref())
            ));
        }
        self.add_content(source, fallback_collection, &content, &mut diag);
        diag.finish();
        self.diagnostics = diagnostics;
        (self.stats.indicators - before, failure.map(|f| f.message))
    }

    fn collection(&mut self, name: &str, source: &str) -> u32 {
        let key = (name.to_string(), source.to_string());
        if let Some(id) = self.collection_ids.get(&key) {
            return *id;
        }
        let id = u32::try_from(self.collections.len()).unwrap_or(u32::MAX);
        self.collections.push(Collection {
            name: key.0.clone(),
            source: key.1.clone(),
        });
        self.collection_ids.insert(key, id);
        id
    }

    fn add_content(
        &mut self,
        source: &str,
        fallback: &str,
        content: &bundle::BundleContent,
        diag: &mut FileDiagnostics,
    ) {
        // Which collections list each indicator: reports by their refs, malware by
        // relationships from the indicator (either way round, as sets publish both).
        let mut groups: Map<&str, Vec<&str>> = Map::default();
        for report in &content.reports {
            let name = report.name.as_deref().unwrap_or(report.id.as_str());
            for r in &report.object_refs {
                groups.entry(r.as_str()).or_default().push(name);
            }
        }
        let mut group_names: Map<&str, &str> = Map::default();
        for (id, name) in &content.malware {
            group_names.insert(id, name.as_deref().unwrap_or(id));
        }
        for report in &content.reports {
            group_names.insert(&report.id, report.name.as_deref().unwrap_or(&report.id));
        }
        let malware_name = |id: &str| group_names.get(id).copied();
        for (from, to) in &content.relationships {
            if let Some(name) = malware_name(to) {
                groups.entry(from.as_str()).or_default().push(name);
            } else if let Some(name) = malware_name(from) {
                groups.entry(to.as_str()).or_default().push(name);
            }
        }
        for (id, name) in &content.malware {
            if name.is_none() {
                diag.push(format!(
                    "malware {id} has no name; its indicators are grouped under its id"
                ));
            }
        }
        let mut kept_in_file = 0usize;
        let mut over = 0usize;
        for indicator in &content.indicators {
            let at = locate(indicator.index, Some(&indicator.id));
            let comparisons = match pattern::parse_pattern(&indicator.pattern) {
                Ok(c) => c,
                Err(e) => {
                    match e {
                        pattern::PatternError::Syntax { .. } => self.stats.invalid_patterns += 1,
                        pattern::PatternError::Unsupported(_) => {
                            self.stats.unsupported_patterns += 1
                        }
                        pattern::PatternError::TooLarge(_) => self.stats.over_limit += 1,
                    }
                    diag.push(format!("{at}: {e}; skipped"));
                    continue;
                }
            };
            let mut names = groups
                .get(indicator.id.as_str())
                .cloned()
                .unwrap_or_default();
            names.sort_unstable();
            names.dedup();
            if names.len() > MAX_COLLECTIONS_PER_INDICATOR {
                self.stats.over_limit += 1;
                diag.push(format!(
                    "{at}: in {} collections; kept in the first {MAX_COLLECTIONS_PER_INDICATOR}",
                    names.len()
                ));
                names.truncate(MAX_COLLECTIONS_PER_INDICATOR);
            }
            if names.is_empty() {
                names.push(fallback);
            }
            for c in comparisons {
                let Some(kind) = ObservableKind::from_stix_key(&c.key) else {
                    self.stats.unknown_keys += 1;
                    diag.push(format!(
                        "{at}: key `{}` is none of the indicator keys read; skipped",
                        c.key
                    ));
                    continue;
                };
                if c.value.len() > MAX_VALUE_BYTES {
                    self.stats.over_limit += 1;
                    diag.push(format!(
                        "{at}: value of {} bytes, more than {MAX_VALUE_BYTES}; skipped",
                        c.value.len()
                    ));
                    continue;
                }
                for name in &names {
                    if kept_in_file >= self.limits.indicators_per_set
                        || self.entries.len() >= self.limits.indicators_total
                    {
                        over += 1;
                        continue;
                    }
                    let collection = self.collection(name, source);
                    match self.insert(&indicator.id, kind, &c.value, collection) {
                        Ok(true) => kept_in_file += 1,
                        Ok(false) => self.stats.duplicates += 1,
                        Err(why) => {
                            self.stats.rejected_values += 1;
                            diag.push(format!("{at}: {kind} value {:?} {why}; skipped", c.value));
                        }
                    }
                }
            }
        }
        if over > 0 {
            self.stats.over_limit += over;
            diag.push(format!(
                "{over} indicators not loaded: at most {} per file and {} in all are kept",
                self.limits.indicators_per_set, self.limits.indicators_total
            ));
        }
    }

    /// Adds one value; false when the collection already has it, an error saying why a
    /// value is unusable.
    fn insert(
        &mut self,
        id: &str,
        kind: ObservableKind,
        value: &str,
        collection: u32,
    ) -> Result<bool, &'static str> {
        let network = if kind == ObservableKind::Ipv4 {
            ipv4_network(value).filter(|(len, _)| *len < 32)
        } else {
            None
        };
        let key = match network {
            Some(_) => None,
            None if kind == ObservableKind::Ipv4 => Some(
                normal_value(kind, value)
                    .or_else(|| ipv4_network(value).map(|(_, a)| Ipv4Addr::from(a).to_string()))
                    .ok_or("is not an IPv4 address or network")?,
            ),
            None => Some(normal_value(kind, value).ok_or("is empty or not usable")?),
        };
        let next = u32::try_from(self.entries.len()).map_err(|_| "exceeds the entry count")?;
        let list = match (&key, network) {
            (Some(key), _) => {
                let longest = &mut self.max_key_len[slot(kind)];
                *longest = (*longest).max(key.len());
                self.exact[slot(kind)]
                    .entry(key.clone().into_boxed_str())
                    .or_default()
            }
            (None, Some(net)) => {
                if !self.ipv4_prefix_lengths.contains(&net.0) {
                    self.ipv4_prefix_lengths.push(net.0);
                    self.ipv4_prefix_lengths.sort_unstable_by(|a, b| b.cmp(a));
                }
                self.ipv4_networks.entry(net).or_default()
            }
            (None, None) => return Err("is not usable"),
        };
        let entries = &self.entries;
        // Only the latest entries are compared: a value repeated in many collections stays
        // linear to load, at the cost of rarely keeping a far-apart duplicate twice.
        if list.iter().rev().take(DUPLICATE_CHECK_WINDOW).any(|e| {
            entries
                .get(*e as usize)
                .is_some_and(|e| e.collection == collection)
        }) {
            return Ok(false);
        }
        list.push(next);
        if kind == ObservableKind::ProcessName {
            for cut in PROCESS_NAME_TRUNCATIONS {
                if let Some(prefix) = value.trim().as_bytes().get(..cut) {
                    if value.trim().len() > cut {
                        self.process_prefixes
                            .entry(prefix.into())
                            .or_default()
                            .push(next);
                    }
                }
            }
        }
        self.entries.push(Entry {
            id: id.into(),
            kind,
            value: value.into(),
            collection,
        });
        self.stats.indicators += 1;
        Ok(true)
    }

    /// Problems met while loading, in order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Takes the problems met while loading, leaving none.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// Counts of what loading kept and skipped.
    pub fn stats(&self) -> &LoadStats {
        &self.stats
    }

    /// Number of indicator entries (one per value and collection).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no indicator is loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One summary per collection that kept indicators, in loading order.
    pub fn collections(&self) -> Vec<CollectionSummary> {
        let mut out: Vec<CollectionSummary> = self
            .collections
            .iter()
            .map(|c| CollectionSummary {
                name: c.name.clone(),
                source: c.source.clone(),
                counts: BTreeMap::new(),
                total: 0,
            })
            .collect();
        for entry in &self.entries {
            if let Some(summary) = out.get_mut(entry.collection as usize) {
                *summary.counts.entry(entry.kind).or_default() += 1;
                summary.total += 1;
            }
        }
        // A collection all of whose values were refused is told of by diagnostics instead.
        out.retain(|c| c.total > 0);
        out
    }

    /// Every loaded indicator as a finding would cite it, in loading order.
    pub fn indicators(&self) -> impl Iterator<Item = IndicatorRef> + '_ {
        self.entries.iter().map(|e| self.reference(e))
    }

    fn reference(&self, entry: &Entry) -> IndicatorRef {
        let collection = self.collections.get(entry.collection as usize);
        IndicatorRef {
            id: entry.id.to_string(),
            kind: entry.kind,
            value: entry.value.to_string(),
            collection: collection.map(|c| c.name.clone()).unwrap_or_default(),
            source: collection.map(|c| c.source.clone()).unwrap_or_default(),
        }
    }

    /// Every indicator `observable` matches, each with why when not verbatim.
    pub fn matches(&self, observable: &Observable) -> Vec<IndicatorMatch> {
        let mut out = Vec::new();
        self.matches_into(observable, &mut out);
        out
    }

    /// As [`IocSet::matches`], appending to `out` (no allocation when nothing matches).
    pub fn matches_into(&self, observable: &Observable, out: &mut Vec<IndicatorMatch>) {
        if self.entries.is_empty() {
            return;
        }
        let mut hits = Hits {
            set: self,
            observable,
            out,
        };
        let value = observable.value.as_str();
        use ObservableKind as K;
        match observable.kind {
            K::Domain => {
                if let Some(domain) = normal_domain(value) {
                    let note = (domain != value.trim().trim_end_matches('.').to_lowercase())
                        .then(|| format!("host of {}", value.trim()));
                    self.match_host(&domain, note.as_deref(), &mut hits);
                }
            }
            K::Url => {
                let key = url::url_key(value);
                hits.exact(K::Url, &key, |published| {
                    (published != value).then(|| {
                        "same URL once scheme, host case, default port and trailing slash are \
                         set aside"
                            .to_string()
                    })
                });
                if let Some(host) = url::url_host(value) {
                    let host = host.to_lowercase();
                    self.match_host(&host, Some("host of the URL"), &mut hits);
                }
            }
            K::Ipv4 => self.match_ipv4(value.trim(), None, &mut hits),
            K::Email => {
                let lower = value.trim().to_lowercase();
                hits.exact(K::Email, &lower, |published| {
                    (published != value).then(|| "same address, case aside".to_string())
                });
                if let Some(domain) = url::email_domain(value) {
                    let domain = domain.to_lowercase();
                    self.match_host(&domain, Some("domain of the e-mail address"), &mut hits);
                }
            }
            K::ProcessName => self.match_process(value, &mut hits),
            K::FilePath => self.match_path(value, &mut hits),
            kind => {
                if let Some(key) = normal_value(kind, value) {
                    hits.exact(kind, &key, |published| {
                        (published != value).then(|| "same value, case aside".to_string())
                    });
                }
            }
        }
    }

    /// A host name against domain indicators (itself and each parent domain) and, when it is
    /// an IPv4 address, against IPv4 indicators.
    fn match_host(&self, host: &str, context: Option<&str>, hits: &mut Hits) {
        if host.parse::<Ipv4Addr>().is_ok() {
            self.match_ipv4(host, context, hits);
        }
        let observed = hits.observable.value.as_str();
        let mut suffix = host;
        loop {
            let sub = suffix.len() != host.len();
            hits.exact(ObservableKind::Domain, suffix, |published| {
                let mut how = Vec::new();
                if sub {
                    how.push(format!("subdomain of {published}"));
                }
                if let Some(context) = context {
                    how.push(context.to_string());
                }
                if how.is_empty() && published != observed {
                    how.push("same name, case and trailing dot aside".to_string());
                }
                (!how.is_empty()).then(|| how.join(", "))
            });
            match suffix.split_once('.') {
                Some((_, parent)) if !parent.is_empty() => suffix = parent,
                _ => break,
            }
        }
    }

    fn match_ipv4(&self, value: &str, context: Option<&str>, hits: &mut Hits) {
        let Ok(addr) = value.parse::<Ipv4Addr>() else {
            return;
        };
        hits.exact(ObservableKind::Ipv4, &addr.to_string(), |_| {
            context.map(str::to_string)
        });
        let bits = u32::from(addr);
        for len in &self.ipv4_prefix_lengths {
            if let Some(list) = self.ipv4_networks.get(&(*len, bits & mask(*len))) {
                let how = |published: &str| {
                    let mut how = format!("inside network {published}");
                    if let Some(context) = context {
                        how.push_str(", ");
                        how.push_str(context);
                    }
                    Some(how)
                };
                hits.entries(list, how);
            }
        }
    }

    fn match_process(&self, value: &str, hits: &mut Hits) {
        let name = value.trim();
        hits.exact(ObservableKind::ProcessName, name, |_| None);
        let base = name.rsplit('/').next().unwrap_or(name);
        if base != name && !base.is_empty() {
            hits.exact(ObservableKind::ProcessName, base, |_| {
                Some("file name of the process path".to_string())
            });
        }
        if PROCESS_NAME_TRUNCATIONS.contains(&base.len()) {
            if let Some(list) = self.process_prefixes.get(base.as_bytes()) {
                let cut = base.len();
                hits.entries(list, |published| {
                    Some(format!(
                        "process name cut to {cut} bytes, as phone logs store it; start of {published}"
                    ))
                });
            }
        }
    }

    fn match_path(&self, value: &str, hits: &mut Hits) {
        let path = value.trim();
        let Some(key) = normal_value(ObservableKind::FilePath, path) else {
            return;
        };
        hits.exact(ObservableKind::FilePath, &key, |_| None);
        // Each enclosing folder, so a folder indicator matches the files inside it.
        for (i, _) in key.match_indices('/').filter(|(i, _)| *i > 0) {
            if let Some(folder) = key.get(..i) {
                hits.exact(ObservableKind::FilePath, folder, |published| {
                    Some(format!("inside folder {published}"))
                });
            }
        }
        if let Some(name) = key.rsplit('/').next().filter(|n| !n.is_empty()) {
            hits.exact(ObservableKind::FileName, name, |_| {
                Some("file name of the path".to_string())
            });
        }
    }
}

/// Collects the matches of one observable.
struct Hits<'a, 'o> {
    set: &'a IocSet,
    observable: &'a Observable,
    out: &'o mut Vec<IndicatorMatch>,
}

impl Hits<'_, '_> {
    fn exact(&mut self, kind: ObservableKind, key: &str, how: impl Fn(&str) -> Option<String>) {
        if key.len() > self.set.max_key_len[slot(kind)] {
            return;
        }
        if let Some(list) = self.set.exact[slot(kind)].get(key) {
            self.entries(list, how);
        }
    }

    fn entries(&mut self, list: &[u32], how: impl Fn(&str) -> Option<String>) {
        for e in list {
            if let Some(entry) = self.set.entries.get(*e as usize) {
                self.out.push(IndicatorMatch {
                    observable: self.observable.clone(),
                    indicator: self.set.reference(entry),
                    how: how(&entry.value),
                });
            }
        }
    }
}

/// Reads a whole file of at most [`MAX_FILE_BYTES`].
fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let too_large =
        || format!("larger than {MAX_FILE_BYTES} bytes: not read (limit MAX_FILE_BYTES)");
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    // Refused before reading when the size is known; `take` bounds files that grow or lie.
    if file.metadata().is_ok_and(|m| m.len() > MAX_FILE_BYTES) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The folder downloaded indicators live in and scans read by default:
/// `$STINGWATCH_IOCS_DIR`, else `$XDG_DATA_HOME/stingwatch/iocs`, else
/// `~/.local/share/stingwatch/iocs` (`%LOCALAPPDATA%\stingwatch\iocs` on Windows).
pub fn default_iocs_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("STINGWATCH_IOCS_DIR") {
        return Some(dir);
    }
    if let Some(data) = var("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return Some(data.join("stingwatch").join("iocs"));
    }
    if cfg!(windows) {
        if let Some(local) = var("LOCALAPPDATA") {
            return Some(local.join("stingwatch").join("iocs"));
        }
    }
    var("HOME").map(|home| home.join(".local/share/stingwatch/iocs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_folder_follows_the_environment() {
        // The only test of this crate that touches these variables.
        std::env::set_var("STINGWATCH_IOCS_DIR", "/srv/iocs");
        assert_eq!(default_iocs_dir(), Some(PathBuf::from("/srv/iocs")));
        std::env::set_var("STINGWATCH_IOCS_DIR", "");
        std::env::set_var("XDG_DATA_HOME", "/data");
        assert_eq!(
            default_iocs_dir(),
            Some(PathBuf::from("/data/stingwatch/iocs"))
        );
        std::env::set_var("XDG_DATA_HOME", "relative");
        std::env::set_var("HOME", "/home/u");
        assert_eq!(
            default_iocs_dir(),
            Some(PathBuf::from("/home/u/.local/share/stingwatch/iocs"))
        );
    }

    #[test]
    fn ipv4_networks_mask() {
        assert_eq!(ipv4_network("10.1.2.3/8"), Some((8, 0x0a00_0000)));
        assert_eq!(ipv4_network("10.1.2.3/0"), Some((0, 0)));
        assert_eq!(ipv4_network("10.1.2.3/33"), None);
        assert_eq!(mask(32), u32::MAX);
    }
}
