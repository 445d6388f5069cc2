//! The dumpsys services the phone checks read: accessibility services, device administrators,
//! app ops, battery history (app installs and removals with their times), trusted adb keys and
//! database activity. [`read_dumpsys`] splits a dumpsys or dumpstate text into its services and
//! hands each to its reader; unknown services are skipped.

use std::collections::BTreeSet;

use stingwatch_phone_model::{
    Diagnostic, Observable, ObservableKind, RecordSink, Severity, Signal, UnixMillis,
};

use crate::packages::{read_dumpsys_package, read_receivers};
use crate::props::read_dumpsys_settings;
use crate::text::{dumpsys_sections, is_package_name, parse_wall_time, record, Lines};

/// Most distinct packages recorded from battery history job and foreground events.
pub const MAX_HISTORY_PACKAGES: usize = 10_000;
/// Most records one dumpsys service may produce (app ops, database operations, keys).
pub const MAX_RECORDS_PER_SECTION: usize = 100_000;

/// Reads every known service of a dumpsys (or dumpstate) text.
pub fn read_dumpsys(source: &str, text: &[u8], sink: &mut dyn RecordSink) -> usize {
    let sections = dumpsys_sections(text);
    let count = sections.len();
    for s in sections {
        let (body, line) = (s.body, s.first_line);
        match s.name.as_str() {
            "package" => {
                read_dumpsys_package(source, body, line, sink);
                read_receivers(source, body, line, sink);
            }
            "accessibility" => read_accessibility(source, body, line, sink),
            "device_policy" => read_device_policy(source, body, line, sink),
            "appops" => read_appops(source, body, line, sink),
            "batterystats" => read_battery_history(source, body, line, sink),
            "adb" => read_adb(source, body, line, sink),
            "dbinfo" => read_dbinfo(source, body, line, sink),
            "settings" => read_dumpsys_settings(source, body, line, sink),
            _ => {}
        }
    }
    count
}

/// `pkg/.Service` style components in a line.
fn components(line: &str) -> Vec<(String, String)> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '{' | '}' | ',' | '[' | ']' | '(' | ')'))
        .filter_map(|word| {
            let (pkg, class) = word.split_once('/')?;
            let class = class.trim_end_matches(':');
            (is_package_name(pkg) && !class.is_empty() && !class.contains('/'))
                .then(|| (pkg.to_string(), format!("{pkg}/{class}")))
        })
        .collect()
}

/// Reads the `accessibility` service: installed, enabled and bound services per user.
pub fn read_accessibility(source: &str, body: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut state: Option<String> = None;
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        let header = ["installed", "enabled", "binding", "bound", "crashed"]
            .iter()
            .find(|s| lower.starts_with(&format!("{s} services")));
        let listed = if let Some(s) = header {
            state = Some((*s).to_string());
            t.split_once(':').map_or("", |(_, rest)| rest)
        } else if state.is_some() {
            if t == "}" || t.is_empty() || t.starts_with("AccessibilityInputFilter") {
                state = None;
                continue;
            }
            t
        } else {
            continue;
        };
        let Some(st) = state.clone() else { continue };
        for (pkg, component) in components(listed) {
            if seen.len() >= MAX_RECORDS_PER_SECTION
                || !seen.insert((st.clone(), component.clone()))
            {
                continue;
            }
            let rec = record(
                "android.accessibility",
                source,
                format!("line {}", first_line + n),
                None,
                format!("accessibility service {component} ({st})"),
                vec![Observable::new(ObservableKind::AppId, &pkg)],
            );
            if st == "enabled" || st == "bound" {
                sink.signal(Signal {
                    kind: "android.accessibility-service",
                    severity: Severity::Low,
                    title: format!("Accessibility service {component} is {st}"),
                    explanation: "An accessibility service can read everything on screen and act for the user, which spyware uses to read messages. Screen readers, password managers and automation apps use it for good reasons.".into(),
                    record: rec.clone(),
                });
            }
            sink.record(rec);
        }
        // A one-line `{...}` list closes itself.
        if header.is_some() && t.ends_with('}') {
            state = None;
        }
    }
    lines.report(source, sink);
}

/// Reads the `device_policy` service: apps enabled as device administrators.
pub fn read_device_policy(source: &str, body: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut in_admins = false;
    let mut admin_indent = usize::MAX;
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        let t = line.trim();
        let indent = line.len() - line.trim_start().len();
        if t.starts_with("Enabled Device Admins") {
            in_admins = true;
            admin_indent = usize::MAX;
            continue;
        }
        if !in_admins || t.is_empty() {
            continue;
        }
        if indent <= 2 {
            in_admins = false;
            continue;
        }
        // Admin components sit at the shallowest indent of the block, each ending with `:`.
        if !t.ends_with(':') || indent > admin_indent {
            continue;
        }
        let Some((pkg, component)) = components(t).into_iter().next() else {
            continue;
        };
        admin_indent = indent;
        let rec = record(
            "android.device-admins",
            source,
            format!("line {}", first_line + n),
            None,
            format!("device administrator {component}"),
            vec![Observable::new(ObservableKind::AppId, &pkg)],
        );
        // The platform's own find-my-device admin is on most phones.
        if pkg != "com.google.android.gms" {
            sink.signal(Signal {
                kind: "android.device-admin",
                severity: Severity::Low,
                title: format!("App {pkg} is a device administrator"),
                explanation: "A device administrator can lock or wipe the phone and is harder to remove, which stalkerware uses to stay installed. Work phones and anti-theft apps use it legitimately.".into(),
                record: rec.clone(),
            });
        }
        sink.record(rec);
    }
    lines.report(source, sink);
}

/// Reads the `appops` service: per package, the operations recorded and their modes.
pub fn read_appops(source: &str, body: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut current: Option<(String, usize, Vec<String>)> = None;
    let mut count = 0usize;
    let flush = |cur: Option<(String, usize, Vec<String>)>, sink: &mut dyn RecordSink| {
        let Some((pkg, line, ops)) = cur else { return };
        let rec = record(
            "android.appops",
            source,
            format!("line {line}"),
            None,
            format!("app ops of {pkg}: {}", ops.join(", ")),
            vec![Observable::new(ObservableKind::AppId, &pkg)],
        );
        if ops.iter().any(|o| o == "REQUEST_INSTALL_PACKAGES (allow)") {
            sink.signal(Signal {
                kind: "android.may-install-apps",
                severity: Severity::Info,
                title: format!("App {pkg} is allowed to install other apps"),
                explanation: "An app allowed to install others can bring more apps onto the phone. Browsers, file managers and messengers are often allowed this after the owner opened an APK with them.".into(),
                record: rec.clone(),
            });
        }
        sink.record(rec);
    };
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        if let Some(rest) = line.strip_prefix("    Package ") {
            flush(current.take(), sink);
            count += 1;
            if count > MAX_RECORDS_PER_SECTION {
                sink.diagnostic(Diagnostic::new(
                    source,
                    format!("more than {MAX_RECORDS_PER_SECTION} app-op packages; the rest were not read"),
                ));
                return;
            }
            let pkg = rest.trim_end_matches(':').trim();
            current = is_package_name(pkg).then(|| (pkg.to_string(), first_line + n, Vec::new()));
            continue;
        }
        if line.starts_with("  Uid ") || (!line.starts_with(' ') && !line.is_empty()) {
            flush(current.take(), sink);
            continue;
        }
        let Some((_, _, ops)) = current.as_mut() else {
            continue;
        };
        let t = line.trim();
        // `      CAMERA (allow):` at six spaces of indent.
        if line.starts_with("      ") && !line.starts_with("       ") && t.ends_with(':') {
            let op = t.trim_end_matches(':');
            if op.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && ops.len() < 512 {
                ops.push(op.to_string());
            }
        }
    }
    flush(current.take(), sink);
    lines.report(source, sink);
}

/// Seconds in a battery history offset such as `+1d02h03m04s005ms`.
fn elapsed_millis(token: &str) -> Option<i64> {
    let rest = token.strip_prefix('+')?;
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            if number.len() >= 12 {
                return None;
            }
            number.push(c);
            continue;
        }
        let value: i64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'd' => 86_400_000,
            'h' => 3_600_000,
            's' => 1000,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            'm' => 60_000,
            _ => return None,
        };
        total = total.checked_add(value.checked_mul(unit)?)?;
    }
    number.is_empty().then_some(total)
}

/// `event=uid:"name"` items of a battery history line, with the event's sign.
fn history_events(line: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(q) = rest.find(":\"") {
        let before = rest.get(..q).unwrap_or("");
        let after = rest.get(q + 2..).unwrap_or("");
        let Some(end) = after.find('"') else { break };
        let name = after.get(..end).unwrap_or("");
        let word = before.rsplit(' ').next().unwrap_or("");
        if let Some((event, uid)) = word.split_once('=') {
            out.push((event.to_string(), uid.to_string(), name.to_string()));
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out
}

/// Reads the battery history of the `batterystats` service: app installs and removals with
/// their times, and the first sighting of each app seen running a job or in the foreground
/// (which names apps even after they were removed).
pub fn read_battery_history(
    source: &str,
    body: &[u8],
    first_line: usize,
    sink: &mut dyn RecordSink,
) {
    let mut anchor: Option<(UnixMillis, i64)> = None;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut in_history = false;
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        let t = line.trim();
        if line.starts_with("Battery History") {
            in_history = true;
            continue;
        }
        if !in_history {
            continue;
        }
        if t.is_empty() {
            in_history = false;
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        let elapsed = elapsed_millis(first).or_else(|| (first == "0").then_some(0));
        if let Some(pos) = t.find("TIME:") {
            let stamp = t
                .get(pos + 5..)
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("");
            if let Some(at) = parse_wall_time(stamp) {
                anchor = Some((at, elapsed.unwrap_or(0)));
            }
            continue;
        }
        let time = match (anchor, elapsed) {
            (Some((at, base)), Some(e)) => Some(UnixMillis(at.0.saturating_add(e - base))),
            _ => None,
        };
        for (event, uid, name) in history_events(t) {
            let ev = event.trim_start_matches(['+', '-']);
            let (artifact, what) = match ev {
                "pkginst" => ("android.battery-history.install", "installed"),
                "pkgunin" => ("android.battery-history.uninstall", "removed"),
                "top" | "job" => {
                    let pkg = match ev {
                        "job" => name.split('/').next().unwrap_or(""),
                        _ => name.as_str(),
                    };
                    if !is_package_name(pkg)
                        || seen.len() >= MAX_HISTORY_PACKAGES
                        || !seen.insert(pkg.to_string())
                    {
                        continue;
                    }
                    sink.record(record(
                        "android.battery-history.activity",
                        source,
                        format!("line {}", first_line + n),
                        time,
                        format!("app {pkg} first seen active ({ev})"),
                        vec![Observable::new(ObservableKind::AppId, pkg)],
                    ));
                    continue;
                }
                _ => continue,
            };
            if !is_package_name(&name) {
                continue;
            }
            sink.record(record(
                artifact,
                source,
                format!("line {}", first_line + n),
                time,
                format!("app {name} {what} (version or uid {uid})"),
                vec![Observable::new(ObservableKind::AppId, &name)],
            ));
        }
    }
    lines.report(source, sink);
}

/// Reads the `adb` service: the computers trusted for USB debugging (their public keys).
pub fn read_adb(source: &str, body: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut in_keys = false;
    let mut count = 0usize;
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        let t = line.trim();
        let key_text = if let Some(rest) = t.strip_prefix("user_keys=") {
            in_keys = true;
            rest
        } else if in_keys {
            t
        } else {
            continue;
        };
        let mut parts = key_text.splitn(2, ' ');
        let key = parts.next().unwrap_or("");
        let host = parts.next().unwrap_or("unnamed host").trim();
        // Keys are one base64 word each (which may end in `=`), so a line that is not one
        // ends the list.
        let is_key = key.len() >= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if !is_key {
            in_keys = false;
            continue;
        }
        count += 1;
        if count > MAX_RECORDS_PER_SECTION {
            break;
        }
        let rec = record(
            "android.adb-keys",
            source,
            format!("line {}", first_line + n),
            None,
            format!("computer trusted for USB debugging: {host}"),
            Vec::new(),
        );
        sink.signal(Signal {
            kind: "android.adb-trusted-computer",
            severity: Severity::Low,
            title: format!("A computer is trusted for USB debugging ({host})"),
            explanation: "A trusted computer can install apps and read data over USB without asking. Expected for the computer that made this acquisition and for a developer's own machines; any other is worth asking about.".into(),
            record: rec.clone(),
        });
        sink.record(rec);
    }
    lines.report(source, sink);
}

/// The app id in an app's data path (`/data/user/0/<pkg>/...`, `/data/data/<pkg>/...`).
fn package_of_path(path: &str) -> Option<&str> {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    loop {
        match parts.next()? {
            "data" => match parts.next()? {
                "data" => return parts.next().filter(|p| is_package_name(p)),
                "user" | "user_de" => {
                    parts.next()?;
                    return parts.next().filter(|p| is_package_name(p));
                }
                _ => {}
            },
            _ => continue,
        }
    }
}

/// Reads the `dbinfo` service: databases apps opened, naming the apps by their data paths.
pub fn read_dbinfo(source: &str, body: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        let Some(rest) = line.strip_prefix("Connection pool for ") else {
            continue;
        };
        let path = rest.trim_end_matches(':').trim();
        if path.is_empty()
            || seen.len() >= MAX_RECORDS_PER_SECTION
            || !seen.insert(path.to_string())
        {
            continue;
        }
        let mut obs = vec![Observable::new(ObservableKind::FilePath, path)];
        if let Some(pkg) = package_of_path(path) {
            obs.push(Observable::new(ObservableKind::AppId, pkg));
        }
        sink.record(record(
            "android.dbinfo",
            source,
            format!("line {}", first_line + n),
            None,
            format!("database opened: {path}"),
            obs,
        ));
    }
    lines.report(source, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_phone_model::CollectingSink;

    #[test]
    fn battery_history_times_follow_the_reset_anchor() {
        let text = b"Battery History (1% used):\n                    0 (9) RESET:TIME: 2026-11-30-08-00-00\n     +1h00m00s500ms (2) 100 pkginst=120:\"com.evil.agent\"\n     +2h (2) 100 -pkgunin=120:\"com.evil.agent\" +top=u0a1:\"com.good.app\"\n\n";
        let mut sink = CollectingSink::default();
        read_battery_history("batterystats", text, 0, &mut sink);
        let got: Vec<(&str, Option<String>)> = sink
            .records
            .iter()
            .map(|r| (r.artifact, r.time.map(|t| t.iso8601())))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "android.battery-history.install",
                    Some("2026-11-30T09:00:00.500Z".into())
                ),
                (
                    "android.battery-history.uninstall",
                    Some("2026-11-30T10:00:00.000Z".into())
                ),
                (
                    "android.battery-history.activity",
                    Some("2026-11-30T10:00:00.000Z".into())
                ),
            ]
        );
    }

    #[test]
    fn accessibility_blocks_and_inline_lists() {
        let text = b"User state[\n    attributes:{id=0, installedServiceCount=2}\n           installed services: {\n             0 : com.google.android.marvin.talkback/com.android.switchaccess.SwitchAccessService\n             1 : com.evil.agent/.Watcher\n           }\n           Bound services:{Service[label=TalkBack, feedbackType[FEEDBACK_SPOKEN]]}\n           Enabled services:{{com.evil.agent/.Watcher}}\n           Crashed services:{}\n]\n";
        let mut sink = CollectingSink::default();
        read_accessibility("a11y", text, 0, &mut sink);
        let summaries: Vec<&str> = sink.records.iter().map(|r| r.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "accessibility service com.google.android.marvin.talkback/com.android.switchaccess.SwitchAccessService (installed)",
                "accessibility service com.evil.agent/.Watcher (installed)",
                "accessibility service com.evil.agent/.Watcher (enabled)",
            ]
        );
        assert_eq!(sink.signals.len(), 1);
        assert_eq!(sink.signals[0].record.locator, "line 8");
    }

    #[test]
    fn device_admins_are_the_components_of_the_admin_block() {
        let text = b"Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n    com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver:\n      uid=10137\n      policies:\n        wipe-data\n      mCrossProfileCalendarPackages:\n    com.evil.agent/.Admin:\n      uid=10250\n    mPasswordOwner=-1\n  Encryption Status: per-user\n    com.not.an/.Admin:\n";
        let mut sink = CollectingSink::default();
        read_device_policy("dpm", text, 0, &mut sink);
        let summaries: Vec<&str> = sink.records.iter().map(|r| r.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "device administrator com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver",
                "device administrator com.evil.agent/.Admin",
            ]
        );
        // The platform's own admin raises nothing.
        assert_eq!(sink.signals.len(), 1);
    }

    #[test]
    fn adb_keys_end_at_the_next_field() {
        let key = "QAAAAF".repeat(20);
        let text = format!("{{\n  debugging_manager={{\n    user_keys={key}== alice@laptop\n{key}= bob@desk\n    keystore=<?xml\n  }}\n}}\n");
        let mut sink = CollectingSink::default();
        read_adb("adb", text.as_bytes(), 0, &mut sink);
        let summaries: Vec<&str> = sink.records.iter().map(|r| r.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "computer trusted for USB debugging: alice@laptop",
                "computer trusted for USB debugging: bob@desk"
            ]
        );
    }

    #[test]
    fn elapsed_offsets() {
        assert_eq!(elapsed_millis("+1d02h03m04s005ms"), Some(93_784_005));
        assert_eq!(elapsed_millis("+5ms"), Some(5));
        assert_eq!(elapsed_millis("+99999999999999d"), None);
        assert_eq!(elapsed_millis("12"), None);
    }

    #[test]
    fn data_paths_name_their_app() {
        assert_eq!(
            package_of_path("/data/user/0/com.a.b/databases/x.db"),
            Some("com.a.b")
        );
        assert_eq!(package_of_path("/data/data/com.a.b/x.db"), Some("com.a.b"));
        assert_eq!(package_of_path("/system/x.db"), None);
    }
}
