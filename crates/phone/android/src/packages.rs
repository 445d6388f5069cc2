//! Installed (and removed) apps: the acquisition's `packages.json` and the `package` dumpsys
//! section. Each package is a record carrying its id, certificate and file hashes; signals
//! name apps that came from outside an app store and non-system apps holding permissions that
//! spyware needs.

use std::collections::BTreeSet;

use serde_json::Value;
use stingwatch_phone_model::{
    Diagnostic, Observable, ObservableKind, RecordSink, Severity, Signal,
};

use crate::json::{bool_field, each_element, str_field};
use crate::text::{hex_digest, is_package_name, parse_wall_time, record, Lines};

/// Most packages taken from one package list or dumpsys section.
pub const MAX_PACKAGES: usize = 100_000;
/// Most files (APK splits) taken from one package's entry.
pub const MAX_FILES_PER_PACKAGE: usize = 256;
/// Most granted permissions remembered for one package.
pub const MAX_PERMISSIONS_PER_PACKAGE: usize = 2048;

/// Installers that are app stores people choose knowingly (platform and handset makers' own).
const STORE_INSTALLERS: &[&str] = &[
    "com.android.vending",
    "com.google.android.feedback",
    "com.amazon.venezia",
    "com.sec.android.app.samsungapps",
    "com.huawei.appmarket",
    "com.xiaomi.market",
    "com.xiaomi.mipicks",
    "com.heytap.market",
    "com.oppo.market",
    "com.bbk.appstore",
    "com.oneplus.appstore",
    "com.lenovo.leos.appstore",
    "com.google.android.apps.work.clouddpc",
];

/// Open-source and alternative stores: the app came from a store, but not a vetted one.
const ALTERNATIVE_STORES: &[&str] = &["org.fdroid.fdroid", "com.aurora.store", "org.fdroid.basic"];

/// The system's own installer UI: the app was installed from an APK file (downloaded, sent,
/// or copied onto the phone).
const APK_INSTALLERS: &[&str] = &[
    "com.google.android.packageinstaller",
    "com.android.packageinstaller",
    "com.samsung.android.packageinstaller",
];

/// Apps that root the phone or hide that it is rooted.
const ROOT_APPS: &[&str] = &[
    "com.topjohnwu.magisk",
    "eu.chainfire.supersu",
    "eu.chainfire.supersu.pro",
    "com.noshufou.android.su",
    "com.noshufou.android.su.elite",
    "com.koushikdutta.superuser",
    "com.thirdparty.superuser",
    "com.yellowes.su",
    "me.phh.superuser",
    "com.kingouser.com",
    "com.devadvance.rootcloak",
    "com.devadvance.rootcloakplus",
    "com.amphoras.hidemyroot",
    "com.amphoras.hidemyrootadfree",
    "com.formyhm.hideroot",
    "com.formyhm.hiderootPremium",
    "de.robv.android.xposed.installer",
    "com.saurik.substrate",
    "com.zachspong.temprootremovejb",
    "com.dimonvideo.luckypatcher",
    "com.chelpus.lackypatch",
];

fn root_signal(
    name: &str,
    rec: &stingwatch_phone_model::ArtifactRecord,
    sink: &mut dyn RecordSink,
) {
    if ROOT_APPS.contains(&name) {
        sink.signal(Signal {
            kind: "android.root-app",
            severity: Severity::Low,
            title: format!("Rooting app {name} is installed"),
            explanation: "A rooted phone lets any app that gets root read every other app's data, and some spyware needs it. Harmless when the owner rooted the phone on purpose.".to_string(),
            record: rec.clone(),
        });
    }
}

/// Permissions whose grant to a non-system app is worth a line in the report, with what each
/// lets an app do.
const WATCHED_PERMISSIONS: &[(&str, &str)] = &[
    ("android.permission.READ_SMS", "read text messages"),
    ("android.permission.RECEIVE_SMS", "receive text messages"),
    ("android.permission.READ_CALL_LOG", "read the call log"),
    (
        "android.permission.PROCESS_OUTGOING_CALLS",
        "see outgoing calls",
    ),
    ("android.permission.RECORD_AUDIO", "record audio"),
    ("android.permission.CAMERA", "use the camera"),
    (
        "android.permission.ACCESS_BACKGROUND_LOCATION",
        "track location in the background",
    ),
    ("android.permission.READ_CONTACTS", "read contacts"),
    (
        "android.permission.BIND_ACCESSIBILITY_SERVICE",
        "act as an accessibility service",
    ),
    (
        "android.permission.BIND_DEVICE_ADMIN",
        "act as a device administrator",
    ),
    (
        "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE",
        "read all notifications",
    ),
];

/// How an app reached the phone, judged from its installer package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallRoute {
    /// A mainstream app store.
    Store,
    /// An alternative store (F-Droid, Aurora).
    AlternativeStore,
    /// From an APK file through the system installer.
    ApkFile,
    /// Over USB debugging (`adb install`), installer `com.android.shell`.
    Adb,
    /// No installer recorded (adb, a management tool, or a pre-installed app).
    Unrecorded,
    /// Installed by some other app.
    OtherApp,
}

/// The install route of an installer package name (`None` or `null` when unrecorded).
pub fn install_route(installer: Option<&str>) -> InstallRoute {
    match installer.map(str::trim) {
        None | Some("" | "null") => InstallRoute::Unrecorded,
        Some("com.android.shell") => InstallRoute::Adb,
        Some(i) if STORE_INSTALLERS.contains(&i) => InstallRoute::Store,
        Some(i) if ALTERNATIVE_STORES.contains(&i) => InstallRoute::AlternativeStore,
        Some(i) if APK_INSTALLERS.contains(&i) => InstallRoute::ApkFile,
        Some(_) => InstallRoute::OtherApp,
    }
}

fn sideload_signal(
    name: &str,
    installer: Option<&str>,
    system: bool,
    rec: &stingwatch_phone_model::ArtifactRecord,
    sink: &mut dyn RecordSink,
) {
    if system {
        return;
    }
    let inst = installer.unwrap_or("none");
    let (severity, title, why) = match install_route(installer) {
        InstallRoute::Store => return,
        InstallRoute::AlternativeStore => (
            Severity::Info,
            format!("App {name} came from an alternative store ({inst})"),
            "Alternative stores do not vet apps as closely as the main store. Harmless when the owner chose the store and the app.",
        ),
        InstallRoute::ApkFile => (
            Severity::Low,
            format!("App {name} was installed from an APK file"),
            "Spyware is often installed by someone with the unlocked phone in hand, from a downloaded file. Harmless when the owner installed the app themselves (beta versions, apps not offered in their country).",
        ),
        InstallRoute::Adb => (
            Severity::Low,
            format!("App {name} was installed over USB debugging"),
            "Installing over a USB cable from a computer is a common way to plant spyware on a phone someone had in hand. Harmless for developers and for tools the owner installed on purpose.",
        ),
        InstallRoute::Unrecorded => (
            Severity::Low,
            format!("App {name} has no recorded installer"),
            "A non-system app without an installer was put on the phone outside any store: over USB, by a management tool, or by an exploit. Harmless for apps the owner or their employer installed knowingly.",
        ),
        InstallRoute::OtherApp => (
            Severity::Info,
            format!("App {name} was installed by another app ({inst})"),
            "Some apps install others (file managers, updaters, vendor tools). Worth a look when the installing app itself is unknown.",
        ),
    };
    sink.signal(Signal {
        kind: "android.sideloaded-app",
        severity,
        title,
        explanation: why.to_string(),
        record: rec.clone(),
    });
}

fn permission_signal(
    name: &str,
    granted: &BTreeSet<String>,
    rec: &stingwatch_phone_model::ArtifactRecord,
    sink: &mut dyn RecordSink,
) {
    let watched: Vec<&str> = WATCHED_PERMISSIONS
        .iter()
        .filter(|(p, _)| granted.contains(*p))
        .map(|(_, what)| *what)
        .collect();
    if watched.is_empty() {
        return;
    }
    let has = |p: &str| granted.contains(p);
    // The combination stalkerware needs: messages plus the microphone or background location.
    let stalker_set = (has("android.permission.READ_SMS") || has("android.permission.RECEIVE_SMS"))
        && (has("android.permission.RECORD_AUDIO")
            || has("android.permission.ACCESS_BACKGROUND_LOCATION"));
    sink.signal(Signal {
        kind: "android.dangerous-permissions",
        severity: if stalker_set { Severity::Low } else { Severity::Info },
        title: format!("App {name} may {}", watched.join(", ")),
        explanation: "These permissions are what monitoring apps need. Messaging, recording, navigation and security apps hold them for good reasons; worth a look when the app is unknown to the owner.".to_string(),
        record: rec.clone(),
    });
}

fn hash_observables(value: &Value, upper: bool, out: &mut Vec<Observable>) {
    let keys: [(&str, usize, ObservableKind, ObservableKind); 3] = [
        (
            "md5",
            32,
            ObservableKind::FileMd5,
            ObservableKind::AppCertMd5,
        ),
        (
            "sha1",
            40,
            ObservableKind::FileSha1,
            ObservableKind::AppCertSha1,
        ),
        (
            "sha256",
            64,
            ObservableKind::FileSha256,
            ObservableKind::AppCertSha256,
        ),
    ];
    for (key, len, file_kind, cert_kind) in keys {
        let key_name = if upper {
            // Certificate hashes are keyed `Md5`, `Sha1`, `Sha256`.
            let mut k = key.to_string();
            if let Some(f) = k.get_mut(..1) {
                f.make_ascii_uppercase();
            }
            k
        } else {
            key.to_string()
        };
        if let Some(hex) = str_field(value, &key_name).and_then(|v| hex_digest(v, len)) {
            out.push(Observable::new(
                if upper { cert_kind } else { file_kind },
                hex,
            ));
        }
    }
}

/// Reads an acquisition's `packages.json` (an array of package objects).
pub fn read_packages_json(source: &str, bytes: &[u8], sink: &mut dyn RecordSink) {
    let mut index = 0usize;
    let mut skipped = 0usize;
    let outcome = each_element(bytes, |pkg| {
        index += 1;
        if index > MAX_PACKAGES {
            skipped += 1;
            return;
        }
        let Some(name) = str_field(&pkg, "name").filter(|n| !n.is_empty()) else {
            skipped += 1;
            return;
        };
        let installer = str_field(&pkg, "installer");
        let system = bool_field(&pkg, "system").unwrap_or(false);
        let disabled = bool_field(&pkg, "disabled").unwrap_or(false);
        let mut obs = vec![Observable::new(ObservableKind::AppId, name)];
        let files = pkg.get("files").and_then(Value::as_array);
        for file in files.into_iter().flatten().take(MAX_FILES_PER_PACKAGE) {
            if let Some(path) = str_field(file, "path").filter(|p| !p.is_empty()) {
                obs.push(Observable::new(ObservableKind::FilePath, path));
            }
            hash_observables(file, false, &mut obs);
            if let Some(cert) = file.get("certificate").filter(|c| c.is_object()) {
                hash_observables(cert, true, &mut obs);
            }
        }
        obs.dedup();
        let summary = format!(
            "package {name} (installer {}, {}{})",
            installer.unwrap_or("none"),
            if system { "system" } else { "user-installed" },
            if disabled { ", disabled" } else { "" }
        );
        let rec = record(
            "android.packages",
            source,
            format!("element {index}"),
            None,
            summary,
            obs,
        );
        sideload_signal(name, installer, system, &rec, sink);
        root_signal(name, &rec, sink);
        sink.record(rec);
    });
    if let Some(error) = outcome.error {
        sink.diagnostic(Diagnostic::new(
            source,
            format!(
                "package list damaged after {} entries: {error}",
                outcome.items
            ),
        ));
    }
    if skipped > 0 {
        sink.diagnostic(Diagnostic::new(
            source,
            format!("{skipped} entries without a package name (or past {MAX_PACKAGES}) skipped"),
        ));
    }
}

#[derive(Default)]
struct DumpsysPackage {
    name: String,
    line: usize,
    hidden_system: bool,
    installer: Option<String>,
    system: bool,
    code_path: Option<String>,
    first_install: Option<String>,
    users_installed: Vec<bool>,
    granted: BTreeSet<String>,
}

impl DumpsysPackage {
    fn finish(self, source: &str, sink: &mut dyn RecordSink) {
        let mut obs = vec![Observable::new(ObservableKind::AppId, &self.name)];
        if let Some(path) = &self.code_path {
            obs.push(Observable::new(ObservableKind::FilePath, path));
        }
        // Removed with its data kept (`pm uninstall -k`) or removed for every user: the
        // package is gone but its trace is not, and indicators on it must still match.
        let removed = !self.users_installed.is_empty() && self.users_installed.iter().all(|i| !i);
        let summary = format!(
            "package {} (installer {}, {}{}{})",
            self.name,
            self.installer.as_deref().unwrap_or("none"),
            if self.system {
                "system"
            } else {
                "user-installed"
            },
            if self.hidden_system {
                ", replaced system copy"
            } else {
                ""
            },
            if removed {
                ", not installed for any user (removed, data kept)"
            } else {
                ""
            },
        );
        let time = self.first_install.as_deref().and_then(parse_wall_time);
        let rec = record(
            if removed {
                "android.packages.removed"
            } else {
                "android.packages"
            },
            source,
            format!("line {}", self.line),
            time,
            summary,
            obs,
        );
        if !removed {
            root_signal(&self.name, &rec, sink);
        }
        if !removed && !self.hidden_system {
            sideload_signal(
                &self.name,
                self.installer.as_deref(),
                self.system,
                &rec,
                sink,
            );
            if !self.system {
                permission_signal(&self.name, &self.granted, &rec, sink);
            }
        }
        sink.record(rec);
    }
}

/// Reads the `package` dumpsys section (`Packages:` and `Hidden system packages:` lists).
pub fn read_dumpsys_package(
    source: &str,
    body: &[u8],
    first_line: usize,
    sink: &mut dyn RecordSink,
) {
    let mut category: Option<bool> = None; // Some(hidden_system)
    let mut current: Option<DumpsysPackage> = None;
    let mut count = 0usize;
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        let lineno = first_line + n;
        if line == "Packages:" || line == "Hidden system packages:" {
            if let Some(p) = current.take() {
                p.finish(source, sink);
            }
            category = Some(line.starts_with("Hidden"));
            continue;
        }
        let Some(hidden) = category else { continue };
        if let Some(rest) = line.strip_prefix("  Package [") {
            if let Some(p) = current.take() {
                p.finish(source, sink);
            }
            count += 1;
            if count > MAX_PACKAGES {
                sink.diagnostic(Diagnostic::new(
                    source,
                    format!("more than {MAX_PACKAGES} packages; the rest were not read"),
                ));
                return;
            }
            let name = rest.split(']').next().unwrap_or("").to_string();
            if name.is_empty() {
                continue;
            }
            current = Some(DumpsysPackage {
                name,
                line: lineno,
                hidden_system: hidden,
                ..DumpsysPackage::default()
            });
            continue;
        }
        if !line.is_empty() && !line.starts_with(' ') && !line.ends_with(" overlay paths:") {
            if let Some(p) = current.take() {
                p.finish(source, sink);
            }
            category = None;
            continue;
        }
        let Some(pkg) = current.as_mut() else {
            continue;
        };
        let t = line.trim();
        if let Some(v) = t.strip_prefix("installerPackageName=") {
            pkg.installer = (v != "null").then(|| v.to_string());
        } else if let Some(v) = t.strip_prefix("pkgFlags=") {
            pkg.system = v.split([' ', '[', ']']).any(|f| f == "SYSTEM");
        } else if let Some(v) = t.strip_prefix("codePath=") {
            pkg.code_path = Some(v.to_string());
        } else if let Some(v) = t.strip_prefix("firstInstallTime=") {
            pkg.first_install.get_or_insert_with(|| v.to_string());
        } else if let Some(v) = t.strip_prefix("timeStamp=") {
            pkg.first_install.get_or_insert_with(|| v.to_string());
        } else if t.starts_with("User ") && t.contains(':') {
            if let Some(state) = t
                .split_whitespace()
                .find_map(|w| w.strip_prefix("installed="))
            {
                pkg.users_installed.push(state == "true");
            }
        } else if let Some((perm, details)) = t.split_once(": granted=") {
            if details.starts_with("true") && pkg.granted.len() < MAX_PERMISSIONS_PER_PACKAGE {
                pkg.granted.insert(perm.to_string());
            }
        }
    }
    if let Some(p) = current.take() {
        p.finish(source, sink);
    }
    lines.report(source, sink);
}

/// Broadcasts whose receivers can watch messages and calls, with what they show.
const WATCHED_BROADCASTS: &[(&str, &str)] = &[
    (
        "android.provider.Telephony.SMS_RECEIVED",
        "incoming text messages",
    ),
    (
        "android.provider.Telephony.NEW_OUTGOING_SMS",
        "outgoing text messages",
    ),
    (
        "android.intent.action.DATA_SMS_RECEIVED",
        "incoming data messages",
    ),
    ("android.intent.action.PHONE_STATE", "phone call state"),
    ("android.intent.action.NEW_OUTGOING_CALL", "outgoing calls"),
];

/// Reads the `Receiver Resolver Table:` of the `package` section: one record per receiver of
/// a message or call broadcast, carrying the receiving app's id.
pub fn read_receivers(source: &str, body: &[u8], first_line: usize, sink: &mut dyn RecordSink) {
    let mut in_table = false;
    let mut action: Option<&'static str> = None;
    let mut what = "";
    let mut lines = Lines::new(body);
    for (n, line) in lines.by_ref() {
        if line.starts_with("Receiver Resolver Table:") {
            in_table = true;
            continue;
        }
        if !in_table {
            continue;
        }
        if !line.is_empty() && !line.starts_with(' ') {
            break;
        }
        let t = line.trim();
        if let Some(key) = t.strip_suffix(':') {
            action = WATCHED_BROADCASTS
                .iter()
                .find(|(a, _)| *a == key)
                .map(|(a, w)| {
                    what = w;
                    *a
                });
            continue;
        }
        let Some(act) = action else { continue };
        let mut words = t.split_whitespace();
        let (Some(id), Some(component)) = (words.next(), words.next()) else {
            continue;
        };
        if !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let Some((pkg, _)) = component.split_once('/') else {
            continue;
        };
        if !is_package_name(pkg) {
            continue;
        }
        sink.record(record(
            "android.receivers",
            source,
            format!("line {}", first_line + n),
            None,
            format!("{component} receives {what} ({act})"),
            vec![Observable::new(ObservableKind::AppId, pkg)],
        ));
    }
    lines.report(source, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_phone_model::CollectingSink;

    #[test]
    fn routes_of_installers() {
        assert_eq!(install_route(None), InstallRoute::Unrecorded);
        assert_eq!(install_route(Some("null")), InstallRoute::Unrecorded);
        assert_eq!(
            install_route(Some("com.android.vending")),
            InstallRoute::Store
        );
        assert_eq!(install_route(Some("com.android.shell")), InstallRoute::Adb);
        assert_eq!(
            install_route(Some("com.google.android.packageinstaller")),
            InstallRoute::ApkFile
        );
    }

    #[test]
    fn certificate_and_file_hashes_become_observables() {
        let json = br#"[{"name":"com.evil.app","installer":"null","system":false,
            "files":[{"path":"/data/app/base.apk","sha256":"AA00000000000000000000000000000000000000000000000000000000000000",
            "certificate":{"Md5":"0123456789abcdef0123456789abcdef","Sha1":"x","Sha256":"bb00000000000000000000000000000000000000000000000000000000000000"}}]}]"#;
        let mut sink = CollectingSink::default();
        read_packages_json("packages.json", json, &mut sink);
        let obs = &sink.records[0].observables;
        assert!(obs.contains(&Observable::new(ObservableKind::AppId, "com.evil.app")));
        assert!(obs.contains(&Observable::new(
            ObservableKind::FileSha256,
            "aa00000000000000000000000000000000000000000000000000000000000000"
        )));
        assert!(obs.contains(&Observable::new(
            ObservableKind::AppCertMd5,
            "0123456789abcdef0123456789abcdef"
        )));
        assert!(!obs.iter().any(|o| o.kind == ObservableKind::AppCertSha1));
        assert_eq!(sink.signals.len(), 1);
        assert_eq!(sink.signals[0].kind, "android.sideloaded-app");
    }
}
