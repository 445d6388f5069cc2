//! Running processes (`ps` tables, `processes.json`), files the acquisition listed
//! (`files.json`), and a bounded scan of logs for URLs and started processes.

use std::collections::BTreeSet;

use serde_json::Value;
use stingwatch_phone_model::{
    Diagnostic, Observable, ObservableKind, RecordSink, Severity, Signal, UnixMillis,
};

use crate::json::{each_element, str_field};
use crate::text::{hex_digest, is_package_name, record, Lines};

/// Most processes taken from one table.
pub const MAX_PROCESSES: usize = 100_000;
/// Most files taken from one file listing.
pub const MAX_FILES: usize = 500_000;
/// Most bytes of one log scanned for URLs and process starts.
pub const MAX_LOG_SCAN_BYTES: usize = 64 * 1024 * 1024;
/// Most distinct URLs and process names recorded from one log.
pub const MAX_LOG_VALUES: usize = 20_000;
/// Longest URL kept.
pub const MAX_URL_BYTES: usize = 2048;

/// Folders where a file has no business unless someone put it there by hand.
const TEMPORARY_FOLDERS: &[&str] = &["/data/local/tmp/", "/sdcard/tmp/", "/tmp/", "/data/tmp/"];

fn process_observables(command: &str) -> Vec<Observable> {
    let first = command.split_whitespace().next().unwrap_or("");
    let first = first.trim_start_matches('[').trim_end_matches(']');
    let mut obs = Vec::new();
    let name = first.rsplit('/').next().unwrap_or(first);
    if !name.is_empty() {
        obs.push(Observable::new(ObservableKind::ProcessName, name));
    }
    if first.starts_with('/') {
        obs.push(Observable::new(ObservableKind::FilePath, first));
    }
    // App processes are named after their package (`com.app:service`).
    let app = name.split(':').next().unwrap_or("");
    if is_package_name(app) {
        obs.push(Observable::new(ObservableKind::AppId, app));
    }
    obs
}

/// Reads a `ps` table (`USER PID PPID ... NAME`, or dumpstate's thread listing with `TID` and
/// `CMD`; only a process's main thread is kept there).
pub fn read_ps(source: &str, bytes: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut lines = Lines::new(bytes);
    let mut header: Option<Vec<String>> = None;
    let mut count = 0usize;
    for (n, line) in lines.by_ref() {
        if line.trim().is_empty() {
            continue;
        }
        let Some(cols) = header.as_ref() else {
            let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            if words.iter().any(|w| w == "PID") && words.iter().any(|w| w == "NAME" || w == "CMD") {
                header = Some(words);
            }
            continue;
        };
        // Columns are split on runs of spaces; the last (the command) keeps its spaces.
        let mut fields: Vec<&str> = Vec::with_capacity(cols.len());
        let mut rest = line.trim_start();
        while fields.len() + 1 < cols.len() {
            let Some(end) = rest.find(char::is_whitespace) else {
                break;
            };
            fields.push(rest.get(..end).unwrap_or(""));
            rest = rest.get(end..).unwrap_or("").trim_start();
        }
        fields.push(rest.trim_end());
        if fields.len() != cols.len() {
            continue;
        }
        let get = |name: &str| {
            cols.iter()
                .position(|c| c == name)
                .and_then(|i| fields.get(i).copied())
        };
        let pid = get("PID").unwrap_or("");
        if let (Some(tid), false) = (get("TID"), pid.is_empty()) {
            if tid != pid {
                continue;
            }
        }
        let Some(command) = get("NAME").or_else(|| get("CMD")) else {
            continue;
        };
        if command.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_PROCESSES {
            sink.diagnostic(Diagnostic::new(
                source,
                format!("more than {MAX_PROCESSES} processes; the rest were not read"),
            ));
            break;
        }
        sink.record(record(
            "android.processes",
            source,
            format!("line {}", first_line + n),
            None,
            format!(
                "process {command} (pid {pid}, user {})",
                get("USER").unwrap_or("?")
            ),
            process_observables(command),
        ));
    }
    lines.report(source, sink);
}

/// Reads a `processes.json` list (objects with `name`, `process_name` or `cmdline`).
pub fn read_processes_json(source: &str, bytes: &[u8], sink: &mut dyn RecordSink) {
    let mut index = 0usize;
    let outcome = each_element(bytes, |p: Value| {
        index += 1;
        if index > MAX_PROCESSES {
            return;
        }
        let name = ["name", "process_name", "cmdline"]
            .iter()
            .find_map(|k| str_field(&p, k).filter(|s| !s.is_empty()));
        let Some(name) = name else { return };
        let pid = p.get("pid").map(Value::to_string).unwrap_or_default();
        sink.record(record(
            "android.processes",
            source,
            format!("element {index}"),
            None,
            format!("process {name} (pid {pid})"),
            process_observables(name),
        ));
    });
    if let Some(e) = outcome.error {
        sink.diagnostic(Diagnostic::new(
            source,
            format!("process list damaged after {} entries: {e}", outcome.items),
        ));
    }
}

/// Reads a `files.json` listing (a JSON array or JSON lines of file entries with `path`,
/// `mode`, times in seconds and optional hashes).
pub fn read_files_json(source: &str, bytes: &[u8], sink: &mut dyn RecordSink) {
    let mut index = 0usize;
    let outcome = each_element(bytes, |f: Value| {
        index += 1;
        if index > MAX_FILES {
            return;
        }
        let Some(path) = str_field(&f, "path").filter(|p| !p.is_empty()) else {
            return;
        };
        let mut obs = vec![Observable::new(ObservableKind::FilePath, path)];
        if let Some(name) = path.rsplit('/').next().filter(|n| !n.is_empty()) {
            obs.push(Observable::new(ObservableKind::FileName, name));
        }
        for (key, len, kind) in [
            ("sha256", 64, ObservableKind::FileSha256),
            ("sha1", 40, ObservableKind::FileSha1),
            ("md5", 32, ObservableKind::FileMd5),
        ] {
            if let Some(h) = str_field(&f, key).and_then(|v| hex_digest(v, len)) {
                obs.push(Observable::new(kind, h));
            }
        }
        let time = f
            .get("modified_time")
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e11)
            .map(|s| UnixMillis((s * 1000.0) as i64));
        let mode = str_field(&f, "mode").unwrap_or("");
        let rec = record(
            "android.files",
            source,
            format!("element {index}"),
            time,
            format!("file {path} ({mode})"),
            obs,
        );
        let executable = mode.contains('x');
        // The acquisition tool's own collector runs from the temporary folder.
        let own_tool = path == "/data/local/tmp/collector";
        if executable && !own_tool && TEMPORARY_FOLDERS.iter().any(|d| path.starts_with(d)) {
            sink.signal(Signal {
                kind: "android.tmp-executable",
                severity: Severity::Low,
                title: format!("Executable file in a temporary folder: {path}"),
                explanation: "Exploits and implants are often dropped into temporary folders that any shell can write. Developers and rooting tools leave files there too.".into(),
                record: rec.clone(),
            });
        }
        sink.record(rec);
    });
    if let Some(e) = outcome.error {
        sink.diagnostic(Diagnostic::new(
            source,
            format!("file list damaged after {} entries: {e}", outcome.items),
        ));
    }
}

fn url_end(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '<' | '>' | '`' | '\\' | '{' | '}' | '|' | '^'
        )
}

/// The host of an `http(s)://` URL, lower-cased, without port or credentials.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = host_port.split(':').next()?.trim_end_matches('.');
    (!host.is_empty() && host.contains('.')).then(|| host.to_ascii_lowercase())
}

/// Scans a log (logcat, event log, a logs folder file) for URLs and for processes the event
/// log shows starting (`am_proc_start`); each distinct value is recorded once.
pub fn scan_log(source: &str, bytes: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let scanned = bytes.get(..MAX_LOG_SCAN_BYTES).unwrap_or(bytes);
    if scanned.len() < bytes.len() {
        sink.diagnostic(Diagnostic::new(
            source,
            format!("log longer than {MAX_LOG_SCAN_BYTES} bytes; only its start was scanned"),
        ));
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut full = false;
    let mut lines = Lines::new(scanned);
    for (n, line) in lines.by_ref() {
        if seen.len() >= MAX_LOG_VALUES {
            full = true;
            break;
        }
        let locator = format!("line {}", first_line + n);
        let mut rest: &str = &line;
        while let Some(pos) = rest.find("http") {
            let tail = rest.get(pos..).unwrap_or("");
            rest = tail.get(4..).unwrap_or("");
            if !(tail.starts_with("http://") || tail.starts_with("https://")) {
                continue;
            }
            let end = tail.find(url_end).unwrap_or(tail.len());
            let url = tail.get(..end.min(MAX_URL_BYTES)).unwrap_or("");
            let url = url.trim_end_matches(['.', ',', ')', ';', ']']);
            let Some(host) = url_host(url) else { continue };
            if !seen.insert(format!("u {url}")) {
                continue;
            }
            sink.record(record(
                "android.logs.urls",
                source,
                locator.clone(),
                None,
                format!("URL in log: {url}"),
                vec![
                    Observable::new(ObservableKind::Url, url),
                    Observable::new(ObservableKind::Domain, host),
                ],
            ));
        }
        // Event log `am_proc_start: [user,pid,uid,process,type,component]`, and the system
        // log's `Start proc 2410:com.app/u0a201 for ...`.
        let started = if let Some(pos) = line.find("am_proc_start: [") {
            let fields = line.get(pos + 16..).unwrap_or("").trim_end_matches(']');
            fields.split(',').nth(3).map(str::trim)
        } else if let Some(pos) = line.find("Start proc ") {
            let rest = line.get(pos + 11..).unwrap_or("");
            rest.split_once(':')
                .and_then(|(_, p)| p.split(['/', ' ']).next())
                .map(str::trim)
        } else {
            None
        };
        if let Some(process) = started.filter(|p| !p.is_empty()) {
            if seen.insert(format!("p {process}")) {
                sink.record(record(
                    "android.logs.processes",
                    source,
                    locator,
                    None,
                    format!("process started: {process}"),
                    process_observables(process),
                ));
            }
        }
    }
    if full {
        sink.diagnostic(Diagnostic::new(
            source,
            format!(
                "more than {MAX_LOG_VALUES} distinct values; the rest of the log was not scanned"
            ),
        ));
    }
    lines.report(source, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_phone_model::CollectingSink;

    #[test]
    fn ps_thread_rows_are_skipped() {
        let text = b"LABEL USER PID TID PPID VSZ RSS WCHAN ADDR S PRI NI RTPRIO SCH PCY TIME CMD\nu:r:init:s0 root 1 1 0 100 10 0 0 S 19 0 - 0 fg 00:00:01 init\nu:r:untrusted_app:s0 u0_a1 500 500 1 100 10 0 0 S 19 0 - 0 fg 00:00:01 com.evil.agent:svc\nu:r:untrusted_app:s0 u0_a1 500 501 1 100 10 0 0 S 19 0 - 0 fg 00:00:01 Binder:500_1\n";
        let mut sink = CollectingSink::default();
        read_ps("ps", text, 0, &mut sink);
        assert_eq!(sink.records.len(), 2);
        assert!(sink.records[1]
            .observables
            .contains(&Observable::new(ObservableKind::AppId, "com.evil.agent")));
    }

    #[test]
    fn log_urls_and_hosts() {
        let text =
            b"12-01 10:00:00.000  100  100 I Tag: fetch https://Evil.example:443/x?y=1, done\n";
        let mut sink = CollectingSink::default();
        scan_log("logcat", text, 0, &mut sink);
        assert_eq!(sink.records.len(), 1);
        assert!(sink.records[0]
            .observables
            .contains(&Observable::new(ObservableKind::Domain, "evil.example")));
    }
}
