//! Installed apps (the backup's Info.plist and Manifest.plist) and configuration profiles.

use crate::checks::messages::plist_time;
use crate::text::{one_line, parse_iso8601_utc, push_unique};
use crate::{plists, record, source_label, Ctx};
use plist::{Dictionary, Value};
use std::collections::HashSet;
use stingwatch_phone_model::{Observable, ObservableKind, Severity};

/// Artifact id of installed-app records.
pub const APPS: &str = "ios.apps";
/// Artifact id of configuration-profile records.
pub const PROFILES: &str = "ios.configuration-profiles";
/// Artifact id of configuration-profile event records (installs and removals).
pub const PROFILE_EVENTS: &str = "ios.profile-events";

/// Most apps listed from one backup.
pub const MAX_APPS: usize = 20_000;

/// Installers of App Store and managed (MDM) apps.
const KNOWN_INSTALLERS: &[&str] = &[
    "com.apple.AppStore",
    "com.apple.AppStore.ProductPageExtension",
    "com.apple.dmd",
    "dmd",
];

const OTHER_INSTALLER_EXPLANATION: &str = "This app was not installed by the App Store or by \
device management. Apps from elsewhere skip Apple's review; spyware has been installed this way \
on phones in someone else's hands. Harmless causes: beta apps from TestFlight, apps of an \
employer's in-house distribution, alternative app marketplaces in the EU, and apps restored \
from an old backup. Check that the owner knows the app and where it came from.";

const NO_ID_EXPLANATION: &str = "The app's store metadata has no bundle id, which App Store \
apps always carry. Apps installed by developer tools or repackaged apps lack it; so can apps \
whose metadata was damaged. Check that the owner knows the app.";

fn read_backup_file(ctx: &mut Ctx<'_>, name: &str) -> Option<Value> {
    let bytes = match ctx.source.read_backup_file(name) {
        Ok(Some(bytes)) if bytes.len() <= plists::MAX_PLIST_BYTES => bytes,
        Ok(Some(bytes)) => {
            ctx.diagnostic(
                name,
                format!(
                    "{} bytes is over the {} byte limit; not read",
                    bytes.len(),
                    plists::MAX_PLIST_BYTES
                ),
            );
            return None;
        }
        Ok(None) => return None,
        Err(e) => {
            ctx.diagnostic(name, format!("could not read: {e}"));
            return None;
        }
    };
    match plists::parse(&bytes) {
        Ok(value) => Some(value),
        Err(e) => {
            ctx.diagnostic(name, e);
            None
        }
    }
}

/// Installed apps from Info.plist (with their store metadata) and Manifest.plist.
pub fn installed_apps(ctx: &mut Ctx<'_>) {
    let mut seen: HashSet<String> = HashSet::new();
    if let Some(info) = read_backup_file(ctx, "Info.plist") {
        let top = info.as_dictionary();
        let apps = top
            .and_then(|d| d.get("Applications"))
            .and_then(Value::as_dictionary);
        for (bundle, app) in apps.into_iter().flatten() {
            if seen.len() >= MAX_APPS {
                break;
            }
            seen.insert(bundle.clone());
            app_with_metadata(ctx, bundle, app.as_dictionary());
        }
        let installed = top
            .and_then(|d| d.get("Installed Applications"))
            .and_then(Value::as_array);
        for bundle in installed.into_iter().flatten().filter_map(Value::as_string) {
            if seen.len() < MAX_APPS && seen.insert(bundle.to_string()) {
                plain_app(ctx, "Info.plist", "Installed Applications", bundle);
            }
        }
    }
    if let Some(manifest) = read_backup_file(ctx, "Manifest.plist") {
        let apps = manifest
            .as_dictionary()
            .and_then(|d| d.get("Applications"))
            .and_then(Value::as_dictionary);
        for (bundle, _) in apps.into_iter().flatten() {
            if seen.len() < MAX_APPS && seen.insert(bundle.clone()) {
                plain_app(ctx, "Manifest.plist", "Applications", bundle);
            }
        }
    }
    if seen.len() >= MAX_APPS {
        ctx.diagnostic(
            "Info.plist",
            format!("more than {MAX_APPS} apps; the rest were not read"),
        );
    }
}

fn app_observables(bundle: &str) -> Vec<Observable> {
    vec![
        Observable::new(ObservableKind::AppId, bundle),
        // Some published sets name an app's bundle id as a process.
        Observable::new(ObservableKind::ProcessName, bundle),
    ]
}

fn plain_app(ctx: &mut Ctx<'_>, file: &str, section: &str, bundle: &str) {
    ctx.record(record(
        APPS,
        file,
        format!("{section} / {}", one_line(bundle, 256)),
        None,
        format!("Installed app {}", one_line(bundle, 256)),
        app_observables(bundle),
    ));
}

fn app_with_metadata(ctx: &mut Ctx<'_>, bundle: &str, app: Option<&Dictionary>) {
    let metadata = app
        .and_then(|a| a.get("iTunesMetadata"))
        .and_then(Value::as_data)
        .map(plists::parse);
    let metadata = match metadata {
        Some(Ok(Value::Dictionary(d))) => Some(d),
        Some(Ok(_)) => None,
        Some(Err(e)) => {
            ctx.diagnostic(
                "Info.plist",
                format!(
                    "app {}: store metadata not read: {e}",
                    one_line(bundle, 256)
                ),
            );
            None
        }
        None => None,
    };
    let mut observables = app_observables(bundle);
    let field = |key: &str| {
        metadata
            .as_ref()
            .and_then(|m| plists::string(m, key))
            .map(str::to_string)
    };
    let store_id = field("softwareVersionBundleId");
    if let Some(id) = &store_id {
        push_unique(&mut observables, Observable::new(ObservableKind::AppId, id));
        push_unique(
            &mut observables,
            Observable::new(ObservableKind::ProcessName, id),
        );
    }
    let installer = field("sourceApp");
    let time = metadata.as_ref().and_then(|m| {
        m.get("com.apple.iTunesStore.downloadInfo")
            .and_then(Value::as_dictionary)
            .and_then(|d| plists::string(d, "purchaseDate"))
            .or_else(|| plists::string(m, "purchaseDate"))
            .and_then(parse_iso8601_utc)
    });
    let rec = record(
        APPS,
        "Info.plist",
        format!("Applications / {}", one_line(bundle, 256)),
        time,
        format!(
            "Installed app {} \"{}\" by {}, installed by {}",
            one_line(bundle, 256),
            one_line(&field("itemName").unwrap_or_default(), 120),
            one_line(
                &field("artistName").unwrap_or_else(|| "unknown".into()),
                120
            ),
            one_line(installer.as_deref().unwrap_or("unknown"), 120),
        ),
        observables,
    );
    if metadata.is_some() && store_id.is_none() {
        ctx.signal(
            "ios.app-without-store-id",
            Severity::Low,
            format!(
                "App {} has store metadata without a bundle id",
                one_line(bundle, 256)
            ),
            NO_ID_EXPLANATION,
            rec.clone(),
        );
    }
    if let Some(installer) = installer
        .as_deref()
        .filter(|i| !KNOWN_INSTALLERS.contains(i))
    {
        ctx.signal(
            "ios.app-other-installer",
            Severity::Low,
            format!(
                "App {} was installed by {}, not the App Store",
                one_line(bundle, 256),
                one_line(installer, 120)
            ),
            OTHER_INSTALLER_EXPLANATION,
            rec.clone(),
        );
    }
    ctx.record(rec);
}

const PROFILE_EXPLANATION: &str = "A configuration profile can route the phone's traffic \
through a VPN or proxy, install certificates that let someone read encrypted traffic, and \
manage the phone. Profiles are common on work and school phones, and some apps (VPNs, content \
filters) install one. Check that the owner knows who installed it and why (Settings, General, \
VPN & Device Management).";

const HIDDEN_NOTIFICATIONS_EXPLANATION: &str = "This configuration profile changes notification \
settings, which can silence the alerts an app would show, for example a warning that an \
account was used elsewhere. Managed work phones use such profiles too; check who installed it.";

/// One configuration profile: its identifiers, and a signal that it is installed.
pub fn profile(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(bytes) = ctx.read(domain, path, plists::MAX_PLIST_BYTES) else {
        return;
    };
    let source = source_label(domain, path);
    let value = match plists::parse(&bytes) {
        Ok(Value::Dictionary(d)) => d,
        Ok(_) => return ctx.diagnostic(&source, "top value is not a dictionary; not read".into()),
        Err(e) => return ctx.diagnostic(&source, e),
    };
    let mut observables = Vec::new();
    for key in ["PayloadUUID", "PayloadIdentifier"] {
        if let Some(id) = plists::string(&value, key) {
            push_unique(
                &mut observables,
                Observable::new(ObservableKind::ConfigurationProfileId, id),
            );
        }
    }
    let mut types = Vec::new();
    let content = value.get("PayloadContent").and_then(Value::as_array);
    for item in content
        .into_iter()
        .flatten()
        .filter_map(Value::as_dictionary)
    {
        if let Some(kind) = plists::string(item, "PayloadType") {
            if !types.iter().any(|t| t == kind) {
                types.push(kind.to_string());
            }
        }
        for key in ["PayloadUUID", "PayloadIdentifier"] {
            if let Some(id) = plists::string(item, key) {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::ConfigurationProfileId, id),
                );
            }
        }
    }
    let name = plists::string(&value, "PayloadDisplayName").unwrap_or("(no name)");
    let uuid = plists::string(&value, "PayloadUUID").unwrap_or("(no UUID)");
    let rec = record(
        PROFILES,
        &source,
        one_line(uuid, 128),
        plist_time(value.get("InstallDate")),
        format!(
            "Configuration profile \"{}\" ({}) by {}: {}",
            one_line(name, 120),
            one_line(uuid, 128),
            one_line(
                plists::string(&value, "PayloadOrganization").unwrap_or("unknown"),
                120
            ),
            one_line(&types.join(", "), 300)
        ),
        observables,
    );
    if types.iter().any(|t| t == "com.apple.notificationsettings") {
        ctx.signal(
            "ios.profile-notification-settings",
            Severity::Medium,
            format!(
                "Configuration profile \"{}\" changes notification settings",
                one_line(name, 120)
            ),
            HIDDEN_NOTIFICATIONS_EXPLANATION,
            rec.clone(),
        );
    } else {
        ctx.signal(
            "ios.configuration-profile",
            Severity::Low,
            format!(
                "Configuration profile \"{}\" is installed",
                one_line(name, 120)
            ),
            PROFILE_EXPLANATION,
            rec.clone(),
        );
    }
    ctx.record(rec);
}

const PROFILE_EVENT_EXPLANATION: &str = "iOS logs which program installed or removed each \
configuration profile. Settings (Preferences) installing a profile the owner opened is the usual \
case, as is a device-management agent on a managed phone; any other process, or a profile the \
owner does not know, deserves a look.";

/// Configuration-profile events: which process installed or removed which profile, when.
pub fn profile_events(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(bytes) = ctx.read(domain, path, plists::MAX_PLIST_BYTES) else {
        return;
    };
    let source = source_label(domain, path);
    let value = match plists::parse(&bytes) {
        Ok(v) => v,
        Err(e) => return ctx.diagnostic(&source, e),
    };
    let events = value
        .as_dictionary()
        .and_then(|d| d.get("ProfileEvents"))
        .and_then(Value::as_array);
    for (index, event) in events.into_iter().flatten().enumerate() {
        let Some((profile, details)) = event.as_dictionary().and_then(|d| d.iter().next()) else {
            continue;
        };
        let details = details.as_dictionary();
        let field = |name: &str| {
            details.and_then(|d| {
                d.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
        };
        let process = field("process").and_then(Value::as_string).unwrap_or("");
        let operation = field("operation").and_then(Value::as_string).unwrap_or("");
        let mut observables = vec![Observable::new(
            ObservableKind::ConfigurationProfileId,
            profile,
        )];
        if !process.is_empty() {
            observables.push(Observable::new(ObservableKind::ProcessName, process));
        }
        let rec = record(
            PROFILE_EVENTS,
            &source,
            format!("ProfileEvents[{index}]"),
            plist_time(field("timestamp")),
            format!(
                "Process {} did \"{}\" on profile {}",
                one_line(
                    if process.is_empty() {
                        "(unknown)"
                    } else {
                        process
                    },
                    120
                ),
                one_line(operation, 64),
                one_line(profile, 200)
            ),
            observables,
        );
        ctx.signal(
            "ios.profile-event",
            Severity::Low,
            format!(
                "Profile {} {} by {}",
                one_line(profile, 200),
                one_line(operation, 64),
                one_line(
                    if process.is_empty() {
                        "(unknown)"
                    } else {
                        process
                    },
                    120
                )
            ),
            PROFILE_EVENT_EXPLANATION,
            rec.clone(),
        );
        ctx.record(rec);
    }
}
