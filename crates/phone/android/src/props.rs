//! System properties (`getprop`) and settings (`settings_*.txt`, the `settings` dumpsys
//! section). Every property is a record an indicator on its name can match; the settings and
//! properties that weaken the phone's defences also raise signals.

use stingwatch_phone_model::{
    ArtifactRecord, Diagnostic, Observable, ObservableKind, RecordSink, Severity, Signal,
};

use crate::text::{is_package_name, record, Lines};

/// Most properties taken from one getprop listing.
pub const MAX_PROPERTIES: usize = 50_000;
/// Most settings taken from one settings file or section.
pub const MAX_SETTINGS: usize = 50_000;
/// Longest property value kept, in lines (values such as the boot reason history span lines).
pub const MAX_VALUE_LINES: usize = 64;

fn signal(
    kind: &'static str,
    severity: Severity,
    title: String,
    explanation: &str,
    rec: &ArtifactRecord,
    sink: &mut dyn RecordSink,
) {
    sink.signal(Signal {
        kind,
        severity,
        title,
        explanation: explanation.to_string(),
        record: rec.clone(),
    });
}

/// Signals for one property.
fn property_signals(name: &str, value: &str, rec: &ArtifactRecord, sink: &mut dyn RecordSink) {
    let v = value.trim();
    match (name, v) {
        ("ro.debuggable", "1") => signal(
            "android.debuggable-build",
            Severity::Low,
            "The system is built debuggable (ro.debuggable=1)".into(),
            "A debuggable system lets any connected computer gain root easily. Normal on developer and custom builds, never on phones as sold.",
            rec,
            sink,
        ),
        ("ro.secure", "0") => signal(
            "android.insecure-build",
            Severity::Low,
            "The system runs adb as root (ro.secure=0)".into(),
            "Phones as sold run adb without root. Normal only on engineering or custom builds.",
            rec,
            sink,
        ),
        ("ro.boot.verifiedbootstate", "orange") | ("ro.boot.flash.locked", "0") => signal(
            "android.bootloader-unlocked",
            Severity::Low,
            format!("The bootloader is unlocked ({name}={v})"),
            "An unlocked bootloader lets anyone with the phone in hand install a modified system. Harmless when the owner unlocked it to install a custom system.",
            rec,
            sink,
        ),
        ("ro.boot.selinux" | "selinux.status", "permissive" | "0") => signal(
            "android.selinux-permissive",
            Severity::Low,
            format!("SELinux is not enforcing ({name}={v})"),
            "With SELinux permissive, a compromised app or service is no longer contained. Seen on custom and development builds; never on phones as sold.",
            rec,
            sink,
        ),
        ("ro.build.tags", tags) if tags.split(',').any(|t| t == "test-keys") => signal(
            "android.test-keys",
            Severity::Info,
            "The system is signed with test keys".into(),
            "Official builds are signed with release keys. Normal on custom systems (and some cheap handsets).",
            rec,
            sink,
        ),
        ("service.adb.tcp.port" | "persist.adb.tcp.port", port)
            if !port.is_empty() && port != "0" && port != "-1" =>
        {
            signal(
                "android.adb-over-network",
                Severity::Low,
                format!("USB debugging listens on the network ({name}={port})"),
                "Anyone on the same network can then try to connect to the phone's debugging interface. Harmless when the owner uses wireless debugging for development.",
                rec,
                sink,
            )
        }
        ("persist.sys.usb.config" | "sys.usb.config", cfg) if cfg.split(',').any(|t| t == "adb") => {
            signal(
                "android.adb-enabled",
                Severity::Info,
                "USB debugging is switched on".into(),
                "USB debugging lets a computer the phone trusts install apps and read data. Normal for developers, and while an acquisition tool reads the phone.",
                rec,
                sink,
            )
        }
        _ => {}
    }
}

/// Reads a getprop listing (`[name]: [value]` lines; a value may span lines up to its `]`).
pub fn read_getprop(source: &str, bytes: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut count = 0usize;
    let mut lines = Lines::new(bytes);
    let mut pending: Option<(usize, String, String, usize)> = None;
    let mut emit = |lineno: usize, name: String, value: String, sink: &mut dyn RecordSink| {
        count += 1;
        if count > MAX_PROPERTIES {
            if count == MAX_PROPERTIES + 1 {
                sink.diagnostic(Diagnostic::new(
                    source,
                    format!("more than {MAX_PROPERTIES} properties; the rest were not read"),
                ));
            }
            return;
        }
        let rec = record(
            "android.properties",
            source,
            format!("line {lineno}"),
            None,
            format!("{name} = {value}"),
            vec![Observable::new(ObservableKind::AndroidProperty, &name)],
        );
        property_signals(&name, &value, &rec, sink);
        sink.record(rec);
    };
    for (n, line) in lines.by_ref() {
        let lineno = first_line + n;
        let starts_property = line.trim_start().starts_with('[') && line.contains("]: [");
        if starts_property {
            if let Some((start, name, value, _)) = pending.take() {
                sink.diagnostic(Diagnostic::new(
                    source,
                    format!("property {name} at line {start} has no closing bracket"),
                ));
                emit(start, name, value, sink);
            }
        }
        if let Some((start, name, mut value, extra)) = pending.take() {
            let end = line.trim_end();
            if let Some(last) = end.strip_suffix(']') {
                value.push('\n');
                value.push_str(last);
                emit(start, name, value, sink);
            } else if extra + 1 >= MAX_VALUE_LINES {
                emit(start, name, value, sink);
            } else {
                value.push('\n');
                value.push_str(end);
                pending = Some((start, name, value, extra + 1));
            }
            continue;
        }
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('[') else {
            continue;
        };
        let Some((name, rest)) = rest.split_once("]: [") else {
            continue;
        };
        if name.is_empty() || name.contains(']') {
            continue;
        }
        let rest = rest.trim_end();
        match rest.strip_suffix(']') {
            Some(value) => emit(lineno, name.to_string(), value.to_string(), sink),
            None => pending = Some((lineno, name.to_string(), rest.to_string(), 0)),
        }
    }
    if let Some((start, name, value, _)) = pending {
        sink.diagnostic(Diagnostic::new(
            source,
            format!("property {name} at line {start} has no closing bracket"),
        ));
        emit(start, name, value, sink);
    }
    lines.report(source, sink);
}

/// Signals for one setting; `namespace` is `global`, `secure` or `system`.
fn setting_signals(name: &str, value: &str, rec: &ArtifactRecord, sink: &mut dyn RecordSink) {
    let v = value.trim();
    match (name, v) {
        ("package_verifier_enable", "0") => signal(
            "android.verifier-disabled",
            Severity::Medium,
            "App verification (Play Protect) is switched off".into(),
            "Turning off the check that scans installed apps is a usual step before installing spyware. Some owners switch it off themselves to install apps from outside the store.",
            rec,
            sink,
        ),
        ("verifier_verify_adb_installs", "0") => signal(
            "android.verifier-disabled",
            Severity::Medium,
            "Apps installed over USB are no longer verified".into(),
            "Spyware planted over a USB cable benefits from this check being off. Developers sometimes switch it off to install their own builds faster.",
            rec,
            sink,
        ),
        ("upload_apk_enable" | "package_verifier_user_consent", "0" | "-1") => signal(
            "android.verifier-disabled",
            Severity::Low,
            format!("Sending unknown apps for scanning is off ({name}={v})"),
            "Unknown apps are then not sent for a deeper check. Many owners decline this when first asked, for privacy.",
            rec,
            sink,
        ),
        ("install_non_market_apps", "1") => signal(
            "android.unknown-sources",
            Severity::Info,
            "Installing apps from unknown sources is allowed".into(),
            "This lets APK files be installed from outside the store. Common among owners who install apps from elsewhere on purpose.",
            rec,
            sink,
        ),
        ("adb_enabled", "1") => signal(
            "android.adb-enabled",
            Severity::Info,
            "USB debugging is switched on".into(),
            "USB debugging lets a computer the phone trusts install apps and read data. Normal for developers, and while an acquisition tool reads the phone.",
            rec,
            sink,
        ),
        ("adb_wifi_enabled", "1") => signal(
            "android.adb-over-network",
            Severity::Low,
            "Wireless debugging is switched on".into(),
            "Computers on the same network that were once paired can reach the phone's debugging interface. Harmless for developers who use it.",
            rec,
            sink,
        ),
        _ => {}
    }
}

/// The records of one setting, with the app ids named by accessibility settings.
fn setting_record(
    source: &str,
    lineno: usize,
    namespace: &str,
    name: &str,
    value: &str,
) -> ArtifactRecord {
    let mut obs = Vec::new();
    if name == "enabled_accessibility_services" || name == "enabled_notification_listeners" {
        for component in value.split(':') {
            if let Some((pkg, _)) = component.split_once('/') {
                if is_package_name(pkg) {
                    obs.push(Observable::new(ObservableKind::AppId, pkg));
                }
            }
        }
    }
    record(
        "android.settings",
        source,
        format!("line {lineno}"),
        None,
        format!("{namespace} setting {name} = {value}"),
        obs,
    )
}

/// Reads one `settings_<namespace>.txt` file (`name=value` lines).
pub fn read_settings_file(source: &str, namespace: &str, bytes: &[u8], sink: &mut dyn RecordSink) {
    let mut count = 0usize;
    let mut lines = Lines::new(bytes);
    for (n, line) in lines.by_ref() {
        let Some((name, value)) = line.trim().split_once('=') else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_SETTINGS {
            sink.diagnostic(Diagnostic::new(
                source,
                format!("more than {MAX_SETTINGS} settings; the rest were not read"),
            ));
            break;
        }
        let rec = setting_record(source, n, namespace, name, value);
        setting_signals(name, value, &rec, sink);
        sink.record(rec);
    }
    lines.report(source, sink);
}

/// Reads the `settings` dumpsys section (`_id:1 name:adb_enabled pkg:android value:1 ...`
/// records under `GLOBAL SETTINGS (user 0)` style headings).
pub fn read_dumpsys_settings(
    source: &str,
    body: &[u8],
    first_line: usize,
    sink: &mut dyn RecordSink,
) {
    let mut namespace = String::new();
    let mut count = 0usize;
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        let t = line.trim();
        if let Some(head) = t.strip_suffix(')') {
            if let Some((ns, _user)) = head.split_once(" SETTINGS (user ") {
                namespace = ns.to_ascii_lowercase();
                continue;
            }
        }
        if namespace.is_empty() || !t.starts_with("_id:") {
            continue;
        }
        let Some((_, rest)) = t.split_once(" name:") else {
            continue;
        };
        let (name, rest) = rest.split_once(" pkg:").unwrap_or((rest, ""));
        let value = match rest.split_once(" value:") {
            Some((_, v)) => [
                " default:",
                " defaultSystemSet:",
                " tag:",
                " isValuePreservedInRestore:",
            ]
            .iter()
            .filter_map(|k| v.find(k))
            .min()
            .and_then(|end| v.get(..end))
            .unwrap_or(v),
            None => continue,
        };
        let value = value
            .strip_suffix(" notPreservedInRestore")
            .unwrap_or(value);
        count += 1;
        if count > MAX_SETTINGS {
            sink.diagnostic(Diagnostic::new(
                source,
                format!("more than {MAX_SETTINGS} settings; the rest were not read"),
            ));
            break;
        }
        let rec = setting_record(source, first_line + n, &namespace, name, value);
        setting_signals(name, value, &rec, sink);
        sink.record(rec);
    }
    lines.report(source, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_phone_model::CollectingSink;

    #[test]
    fn multi_line_property_values_are_joined() {
        let text = b"[ro.debuggable]: [1]\n[persist.sys.boot.reason.history]: [reboot,1\nshutdown,2]\n[x]: [y]\n";
        let mut sink = CollectingSink::default();
        read_getprop("getprop.txt", text, 0, &mut sink);
        let summaries: Vec<&str> = sink.records.iter().map(|r| r.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "ro.debuggable = 1",
                "persist.sys.boot.reason.history = reboot,1\nshutdown,2",
                "x = y"
            ]
        );
        assert_eq!(sink.signals.len(), 1);
        assert_eq!(sink.signals[0].kind, "android.debuggable-build");
    }

    #[test]
    fn dumpsys_settings_values_end_at_the_next_field() {
        let text = b"GLOBAL SETTINGS (user 0)\n_id:12 name:package_verifier_enable pkg:com.android.shell value:0 default:1 defaultSystemSet:true tag:null\n_id:13 name:adb_enabled pkg:android value:1\n";
        let mut sink = CollectingSink::default();
        read_dumpsys_settings("dumpstate", text, 0, &mut sink);
        assert_eq!(sink.records.len(), 2);
        assert_eq!(
            sink.records[0].summary,
            "global setting package_verifier_enable = 0"
        );
        let kinds: Vec<_> = sink.signals.iter().map(|s| (s.kind, s.severity)).collect();
        assert_eq!(
            kinds,
            [
                ("android.verifier-disabled", Severity::Medium),
                ("android.adb-enabled", Severity::Info)
            ]
        );
    }
}
