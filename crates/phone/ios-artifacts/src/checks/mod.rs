//! One module per group of checks; each check reads the files [`CHECKS`] names for it.

pub mod apps;
pub mod browsers;
pub mod logs;
pub mod manifest;
pub mod messages;
pub mod usage;

use crate::{CheckInfo, Ctx, Location};
use manifest::Found;

/// Domain of configuration profiles.
pub const PROFILES_DOMAIN: &str =
    "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles";

/// Every check and what it reads.
pub const CHECKS: &[CheckInfo] = &[
    CheckInfo {
        artifact: manifest::ARTIFACT,
        locations: &[Location::BackupRoot("Manifest.db")],
    },
    CheckInfo {
        artifact: messages::SMS,
        locations: &[Location::File("HomeDomain", "Library/SMS/sms.db")],
    },
    CheckInfo {
        artifact: messages::SMS_ATTACHMENTS,
        locations: &[Location::File("HomeDomain", "Library/SMS/sms.db")],
    },
    CheckInfo {
        artifact: browsers::SAFARI_HISTORY,
        locations: &[
            Location::Pattern(None, "Library/Safari/History.db"),
            Location::Pattern(None, "Library/Safari/Profiles/*/History.db"),
        ],
    },
    CheckInfo {
        artifact: browsers::SAFARI_TABS,
        locations: &[
            Location::Pattern(None, "Library/Safari/BrowserState.db"),
            Location::Pattern(None, "Library/Safari/Profiles/*/BrowserState.db"),
        ],
    },
    CheckInfo {
        artifact: browsers::CHROME_HISTORY,
        locations: &[Location::File(
            "AppDomain-com.google.chrome.ios",
            "Library/Application Support/Google/Chrome/Default/History",
        )],
    },
    CheckInfo {
        artifact: browsers::WEBKIT_OBSERVATIONS,
        // Also the copies in-app browsers keep under SystemData/com.apple.SafariViewService.
        locations: &[
            Location::Pattern(
                None,
                "*Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db",
            ),
            Location::Pattern(None, "*Library/WebKit/WebsiteData/observations.db"),
        ],
    },
    CheckInfo {
        artifact: browsers::WEBKIT_SESSION_LOG,
        // WebKit keeps it beside observations.db, and web clips under Library/WebClips.
        locations: &[Location::Pattern(
            None,
            "*full_browsing_session_resourceLog.plist",
        )],
    },
    CheckInfo {
        artifact: usage::DATAUSAGE,
        locations: &[Location::File(
            "WirelessDomain",
            "Library/Databases/DataUsage.sqlite",
        )],
    },
    CheckInfo {
        artifact: usage::NETUSAGE,
        locations: &[Location::Pattern(None, "*netusage.sqlite")],
    },
    CheckInfo {
        artifact: usage::TCC,
        locations: &[Location::File("HomeDomain", "Library/TCC/TCC.db")],
    },
    CheckInfo {
        artifact: apps::APPS,
        locations: &[
            Location::BackupRoot("Info.plist"),
            Location::BackupRoot("Manifest.plist"),
        ],
    },
    CheckInfo {
        artifact: apps::PROFILES,
        locations: &[
            Location::Pattern(Some(PROFILES_DOMAIN), "profile-*"),
            Location::Pattern(Some(PROFILES_DOMAIN), "*/profile-*"),
        ],
    },
    CheckInfo {
        artifact: apps::PROFILE_EVENTS,
        locations: &[Location::Pattern(
            None,
            "Library/ConfigurationProfiles/MCProfileEvents.plist",
        )],
    },
    CheckInfo {
        artifact: messages::IDSTATUS,
        locations: &[Location::File(
            "HomeDomain",
            "Library/Preferences/com.apple.identityservices.idstatuscache.plist",
        )],
    },
    CheckInfo {
        artifact: messages::CALLS,
        locations: &[Location::File(
            "HomeDomain",
            "Library/CallHistoryDB/CallHistory.storedata",
        )],
    },
    CheckInfo {
        artifact: messages::WHATSAPP,
        locations: &[Location::File(
            "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
            "ChatStorage.sqlite",
        )],
    },
    CheckInfo {
        artifact: logs::SHUTDOWN,
        locations: &[
            Location::Pattern(None, "*shutdown.log"),
            Location::Pattern(None, "*shutdown.*.log"),
        ],
    },
    CheckInfo {
        artifact: logs::ANALYTICS,
        locations: &[
            Location::Pattern(None, "*.ips"),
            Location::Pattern(None, "*Analytics/*.db"),
        ],
    },
];

/// The fixed (domain, path) of a check's only file.
fn file_of(artifact: &str) -> Option<(&'static str, &'static str)> {
    CHECKS
        .iter()
        .find(|c| c.artifact == artifact)?
        .locations
        .iter()
        .find_map(|l| match l {
            Location::File(d, p) => Some((*d, *p)),
            _ => None,
        })
}

/// Runs every check after the manifest pass.
pub fn run_all(ctx: &mut Ctx<'_>, found: &Found) {
    if let Some((d, p)) = file_of(messages::SMS) {
        messages::sms(ctx, d, p);
    }
    for (d, p) in found.files(browsers::SAFARI_HISTORY) {
        browsers::safari_history(ctx, d, p);
    }
    for (d, p) in found.files(browsers::SAFARI_TABS) {
        browsers::safari_tabs(ctx, d, p);
    }
    if let Some((d, p)) = file_of(browsers::CHROME_HISTORY) {
        browsers::chrome_history(ctx, d, p);
    }
    for (d, p) in found.files(browsers::WEBKIT_OBSERVATIONS) {
        browsers::webkit_observations(ctx, d, p);
    }
    for (d, p) in found.files(browsers::WEBKIT_SESSION_LOG) {
        browsers::webkit_session_log(ctx, d, p);
    }
    if let Some((d, p)) = file_of(usage::DATAUSAGE) {
        usage::process_usage(ctx, usage::DATAUSAGE, d, p);
    }
    for (d, p) in found.files(usage::NETUSAGE) {
        usage::process_usage(ctx, usage::NETUSAGE, d, p);
    }
    if let Some((d, p)) = file_of(usage::TCC) {
        usage::tcc(ctx, d, p);
    }
    apps::installed_apps(ctx);
    for (d, p) in found.files(apps::PROFILES) {
        apps::profile(ctx, d, p);
    }
    for (d, p) in found.files(apps::PROFILE_EVENTS) {
        apps::profile_events(ctx, d, p);
    }
    if let Some((d, p)) = file_of(messages::IDSTATUS) {
        messages::idstatus(ctx, d, p);
    }
    if let Some((d, p)) = file_of(messages::CALLS) {
        messages::calls(ctx, d, p);
    }
    if let Some((d, p)) = file_of(messages::WHATSAPP) {
        messages::whatsapp(ctx, d, p);
    }
    for (d, p) in found.files(logs::SHUTDOWN) {
        logs::shutdown(ctx, d, p);
    }
    for (d, p) in found.files(logs::ANALYTICS) {
        logs::analytics(ctx, d, p);
    }
}
