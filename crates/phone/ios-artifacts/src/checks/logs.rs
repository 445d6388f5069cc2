//! Logs a backup may hold: the shutdown log (processes still running at shutdown) and
//! analytics reports (`.ips` crash and diagnostic reports, analytics databases).

use crate::sqlite::{blob, integer, number, MAX_TEXT_BYTES};
use crate::text::{
    bounded, domains_in_path, from_unix_seconds, host_observable, one_line, push_unique, push_url,
    urls_in_text,
};
use crate::{plists, record, source_label, Ctx, MAX_LOG_BYTES};
use plist::Value;
use stingwatch_phone_model::{Observable, ObservableKind, UnixMillis};

/// Artifact id of shutdown log records.
pub const SHUTDOWN: &str = "ios.shutdown-log";
/// Artifact id of analytics records.
pub const ANALYTICS: &str = "ios.analytics";

/// Most entries taken from one log file.
pub const MAX_LOG_ENTRIES: usize = 200_000;
/// Most string values looked at in one analytics report or row.
pub const MAX_ANALYTICS_STRINGS: usize = 20_000;
/// Longest string value of an analytics report taken as a process name.
const MAX_NAME_BYTES: usize = 256;

/// One process the shutdown log lists as still running when the phone shut down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownEntry {
    /// Line number (from 1) of its `remaining client pid` line.
    pub line: usize,
    /// Process id as written.
    pub pid: String,
    /// Path of the executable.
    pub client: String,
    /// Time of the shutdown (its `SIGTERM` line), None when the log ends before one.
    pub time: Option<UnixMillis>,
}

/// Processes of a shutdown log, in order: each `remaining client pid: N (PATH)` line, dated by
/// the next `SIGTERM: [SECONDS]` line. Returns the entries and whether some were over
/// [`MAX_LOG_ENTRIES`](crate::MAX_LOG_ENTRIES).
pub fn parse_shutdown_log(text: &str) -> (Vec<ShutdownEntry>, bool) {
    let mut entries: Vec<ShutdownEntry> = Vec::new();
    let mut pending_from = 0usize;
    let mut over = false;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("remaining client pid:") {
            let rest = rest.trim();
            let (pid, client) = match (rest.find('('), rest.rfind(')')) {
                (Some(open), Some(close)) if close > open => (
                    rest.get(..open).unwrap_or("").trim(),
                    rest.get(open + 1..close).unwrap_or(""),
                ),
                _ => (rest, ""),
            };
            if entries.len() >= MAX_LOG_ENTRIES {
                over = true;
                continue;
            }
            entries.push(ShutdownEntry {
                line: index + 1,
                pid: bounded(pid, 32).to_string(),
                client: bounded(client, MAX_TEXT_BYTES).to_string(),
                time: None,
            });
        } else if line.starts_with("SIGTERM") {
            let time = shutdown_time(line);
            for entry in entries.get_mut(pending_from..).unwrap_or(&mut []) {
                entry.time = time;
            }
            pending_from = entries.len();
        }
    }
    (entries, over)
}

/// The Unix time of a `SIGTERM: [1700000000]` line (or `... @1700000000 ...`).
fn shutdown_time(line: &str) -> Option<UnixMillis> {
    let digits = |s: &str| -> Option<i64> {
        let run: String = s
            .chars()
            .take_while(char::is_ascii_digit)
            .take(12)
            .collect();
        run.parse().ok()
    };
    let seconds = line
        .find('[')
        .and_then(|at| digits(line.get(at + 1..)?))
        .or_else(|| {
            line.find('@')
                .and_then(|at| digits(line.get(at + 1..)?.trim_start()))
        })?;
    from_unix_seconds(seconds as f64)
}

/// Shutdown log: processes running when the phone shut down.
pub fn shutdown(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(bytes) = ctx.read(domain, path, MAX_LOG_BYTES) else {
        return;
    };
    let source = source_label(domain, path);
    let text = String::from_utf8_lossy(&bytes);
    let (entries, over) = parse_shutdown_log(&text);
    for entry in entries {
        let mut observables = Vec::new();
        if !entry.client.is_empty() {
            observables.push(Observable::new(ObservableKind::FilePath, &entry.client));
            // Indicators name processes; any folder of the path may carry the name too.
            for part in entry.client.rsplit('/').filter(|p| !p.is_empty()).take(16) {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::ProcessName, part),
                );
            }
        }
        ctx.record(record(
            SHUTDOWN,
            &source,
            format!("line {}", entry.line),
            entry.time,
            format!(
                "{} (pid {}) was still running at shutdown",
                one_line(&entry.client, 300),
                one_line(&entry.pid, 32)
            ),
            observables,
        ));
    }
    if over {
        ctx.diagnostic(
            &source,
            format!("entries beyond {MAX_LOG_ENTRIES} were not read"),
        );
    }
}

/// Keys whose string values name a process.
const PROCESS_KEYS: &[&str] = &[
    "procName",
    "parentProc",
    "responsibleProc",
    "process",
    "processName",
    "app_name",
    "name",
];
/// Keys whose string values are an executable's path.
const PATH_KEYS: &[&str] = &["procPath", "path", "executablePath"];
/// Keys whose string values are a bundle id.
const BUNDLE_KEYS: &[&str] = &[
    "bundleID",
    "bundle_id",
    "CFBundleIdentifier",
    "coalitionName",
];

/// Observables of the string values of an analytics report, by the key that holds them; any
/// other short string is kept as a possible process name, and URLs and host names in any
/// string as URLs and domains.
#[derive(Default)]
struct Harvest {
    observables: Vec<Observable>,
    strings: usize,
    name: Option<String>,
}

impl Harvest {
    fn add(&mut self, key: Option<&str>, value: &str) {
        if self.strings >= MAX_ANALYTICS_STRINGS || value.is_empty() {
            return;
        }
        self.strings += 1;
        let value = bounded(value, MAX_TEXT_BYTES);
        let key = key.unwrap_or("");
        if PATH_KEYS.contains(&key) {
            push_unique(
                &mut self.observables,
                Observable::new(ObservableKind::FilePath, value),
            );
            if let Some(name) = value.rsplit('/').next() {
                push_unique(
                    &mut self.observables,
                    Observable::new(ObservableKind::ProcessName, name),
                );
            }
        } else if BUNDLE_KEYS.contains(&key) {
            push_unique(
                &mut self.observables,
                Observable::new(ObservableKind::AppId, value),
            );
        } else if PROCESS_KEYS.contains(&key)
            || (value.len() <= MAX_NAME_BYTES && !value.contains(char::is_whitespace))
        {
            if PROCESS_KEYS.contains(&key) && self.name.is_none() {
                self.name = Some(value.to_string());
            }
            if value.len() <= MAX_NAME_BYTES {
                push_unique(
                    &mut self.observables,
                    Observable::new(ObservableKind::ProcessName, value),
                );
                // A process named by its path is matched by its file name.
                if let Some(name) = value.rsplit('/').next().filter(|n| n.len() < value.len()) {
                    push_unique(
                        &mut self.observables,
                        Observable::new(ObservableKind::ProcessName, name),
                    );
                }
            }
        }
        let (urls, _) = urls_in_text(value);
        for url in &urls {
            push_url(&mut self.observables, url);
        }
        if urls.is_empty() && !value.contains(char::is_whitespace) && !value.contains('/') {
            for host in domains_in_path(value) {
                push_unique(&mut self.observables, host_observable(&host));
            }
        }
    }

    fn json(&mut self, value: &serde_json::Value) {
        let mut stack: Vec<(Option<&str>, &serde_json::Value)> = vec![(None, value)];
        while let Some((key, value)) = stack.pop() {
            if self.strings >= MAX_ANALYTICS_STRINGS {
                return;
            }
            match value {
                serde_json::Value::String(s) => self.add(key, s),
                serde_json::Value::Array(items) => {
                    stack.extend(items.iter().rev().map(|v| (key, v)))
                }
                serde_json::Value::Object(map) => {
                    stack.extend(map.iter().rev().map(|(k, v)| (Some(k.as_str()), v)))
                }
                _ => {}
            }
        }
    }

    fn plist(&mut self, value: &Value) {
        let mut stack: Vec<(Option<&str>, &Value)> = vec![(None, value)];
        while let Some((key, value)) = stack.pop() {
            if self.strings >= MAX_ANALYTICS_STRINGS {
                return;
            }
            match value {
                Value::String(s) => self.add(key, s),
                Value::Array(items) => stack.extend(items.iter().rev().map(|v| (key, v))),
                Value::Dictionary(map) => {
                    stack.extend(map.iter().map(|(k, v)| (Some(k.as_str()), v)))
                }
                _ => {}
            }
        }
    }
}

/// The JSON documents of an `.ips` report: a one-line header, then the body (or one
/// document); with the reason when part of it is not JSON (what was read is still returned).
pub fn ips_documents(text: &str) -> (Vec<serde_json::Value>, Option<String>) {
    let text = text.trim_start_matches('\u{feff}');
    if let Ok(whole) = serde_json::from_str::<serde_json::Value>(text) {
        return (vec![whole], None);
    }
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    let header: serde_json::Value = match serde_json::from_str(header) {
        Ok(h) => h,
        Err(e) => return (Vec::new(), Some(format!("report header is not JSON: {e}"))),
    };
    if body.trim().is_empty() {
        return (vec![header], None);
    }
    match serde_json::from_str(body) {
        Ok(body) => (vec![header, body], None),
        Err(e) => (
            vec![header],
            Some(format!(
                "report body is not JSON ({e}); its header was read"
            )),
        ),
    }
}

/// `2024-03-01 10:20:30.00 +0100` (an `.ips` header's timestamp) as milliseconds since 1970.
pub fn parse_ips_timestamp(text: &str) -> Option<UnixMillis> {
    let text = text.trim();
    let date_time = text.get(..19)?.replacen(' ', "T", 1);
    let base = crate::text::parse_iso8601_utc(&format!("{date_time}Z"))?;
    let zone = text
        .rsplit(' ')
        .next()
        .filter(|z| z.len() == 5 && (z.starts_with('+') || z.starts_with('-')));
    let offset_minutes = match zone {
        Some(z) => {
            let hours: i64 = z.get(1..3)?.parse().ok()?;
            let minutes: i64 = z.get(3..5)?.parse().ok()?;
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (hours * 60 + minutes)
        }
        None => 0,
    };
    Some(UnixMillis(base.0 - offset_minutes * 60_000))
}

/// Analytics: `.ips` reports and analytics databases.
pub fn analytics(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    if path.to_ascii_lowercase().ends_with(".db") {
        return analytics_db(ctx, domain, path);
    }
    let Some(bytes) = ctx.read(domain, path, MAX_LOG_BYTES) else {
        return;
    };
    let source = source_label(domain, path);
    let text = String::from_utf8_lossy(&bytes);
    let (documents, problem) = ips_documents(&text);
    if let Some(problem) = problem {
        ctx.diagnostic(&source, problem);
    }
    if documents.is_empty() {
        return;
    }
    let mut harvest = Harvest::default();
    let mut time = None;
    for document in &documents {
        if time.is_none() {
            time = ["timestamp", "captureTime"]
                .iter()
                .find_map(|k| document.get(k).and_then(serde_json::Value::as_str))
                .and_then(parse_ips_timestamp);
        }
        harvest.json(document);
    }
    let bug_type = documents
        .first()
        .and_then(|h| h.get("bug_type"))
        .map(|v| v.to_string())
        .unwrap_or_else(|| "unknown".into());
    ctx.record(record(
        ANALYTICS,
        &source,
        "report".into(),
        time,
        format!(
            "Analytics report (type {}) about {}",
            one_line(bug_type.trim_matches('"'), 32),
            one_line(harvest.name.as_deref().unwrap_or("unknown"), 120)
        ),
        harvest.observables,
    ));
}

fn analytics_db(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    for table in ["hard_failures", "soft_failures", "all_events"] {
        if !db.has_table(table) {
            continue;
        }
        let sql = format!("SELECT rowid, timestamp, data FROM {table}");
        db.stream(table, &[sql.as_str()], ctx.sink, &mut |row, sink| {
            let id = integer(row, 0).unwrap_or(0);
            let time = number(row, 1).and_then(from_unix_seconds);
            let mut harvest = Harvest::default();
            if let Some(data) = blob(row, 2, plists::MAX_PLIST_BYTES) {
                match plists::parse(data) {
                    Ok(value) => harvest.plist(&value),
                    Err(e) => sink.diagnostic(stingwatch_phone_model::Diagnostic::new(
                        &source,
                        format!("{table} rowid {id}: {e}"),
                    )),
                }
            }
            sink.record(record(
                ANALYTICS,
                &source,
                format!("{table} rowid {id}"),
                time,
                format!(
                    "Analytics event in {table} about {}",
                    one_line(harvest.name.as_deref().unwrap_or("unknown"), 120)
                ),
                harvest.observables,
            ));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shutdown_entries_take_the_time_of_the_next_sigterm() {
        let log = "remaining client pid: 12 (/usr/libexec/a)\n\
                   After 0.50s, these clients are still here:\n\
                   remaining client pid: 34 (/private/var/db/x/bh)\n\
                   SIGTERM: [1700000000]\n\
                   remaining client pid: 56 (/usr/sbin/b)\n";
        let (entries, over) = parse_shutdown_log(log);
        assert!(!over);
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].client, "/private/var/db/x/bh");
        assert_eq!(entries[1].pid, "34");
        assert_eq!(entries[0].time, Some(UnixMillis(1_700_000_000_000)));
        assert_eq!(entries[1].time, Some(UnixMillis(1_700_000_000_000)));
        assert_eq!(entries[2].time, None);
        assert_eq!(entries[2].line, 5);
    }

    #[test]
    fn ips_header_and_body() {
        let report = "{\"bug_type\":\"309\",\"timestamp\":\"2024-03-01 10:20:30.00 +0100\",\"name\":\"bh\"}\n\
                      {\"procPath\":\"/private/var/tmp/bh\",\"procName\":\"bh\",\"note\":\"see https://c2.example/x\"}";
        let (docs, problem) = ips_documents(report);
        assert_eq!(docs.len(), 2);
        assert_eq!(problem, None);
        assert_eq!(
            parse_ips_timestamp("2024-03-01 10:20:30.00 +0100"),
            Some(UnixMillis(1_709_284_830_000))
        );
        let mut harvest = Harvest::default();
        docs.iter().for_each(|d| harvest.json(d));
        let has = |k: ObservableKind, v: &str| {
            harvest
                .observables
                .iter()
                .any(|o| o.kind == k && o.value == v)
        };
        assert!(has(ObservableKind::FilePath, "/private/var/tmp/bh"));
        assert!(has(ObservableKind::ProcessName, "bh"));
        assert!(has(ObservableKind::Domain, "c2.example"));
    }
}
