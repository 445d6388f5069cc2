//! Every iOS backup check end to end: the input (after a selector byte) becomes the content of
//! the file one check reads, inside an otherwise empty in-memory backup, and the whole scan
//! runs. Seeds: the files `IosContent::benign().build()` writes (SQLite, plists, logs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_ios_artifacts::{scan_backup, MemoryBackup};
use stingwatch_phone_model::CollectingSink;

const FILES: &[(&str, &str)] = &[
    ("HomeDomain", "Library/SMS/sms.db"),
    ("HomeDomain", "Library/Safari/History.db"),
    ("HomeDomain", "Library/Safari/BrowserState.db"),
    (
        "AppDomain-com.google.chrome.ios",
        "Library/Application Support/Google/Chrome/Default/History",
    ),
    (
        "AppDomain-com.apple.mobilesafari",
        "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db",
    ),
    (
        "AppDomain-com.apple.mobilesafari",
        "Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist",
    ),
    ("WirelessDomain", "Library/Databases/DataUsage.sqlite"),
    ("HomeDomain", "Library/TCC/TCC.db"),
    (
        "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
        "Library/ConfigurationProfiles/profile-x.stub",
    ),
    (
        "HomeDomain",
        "Library/Preferences/com.apple.identityservices.idstatuscache.plist",
    ),
    (
        "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
        "Library/ConfigurationProfiles/MCProfileEvents.plist",
    ),
    ("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata"),
    (
        "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
        "ChatStorage.sqlite",
    ),
    ("HomeDomain", "Library/Logs/shutdown.log"),
    ("HomeDomain", "Library/Logs/CrashReporter/x.ips"),
    ("HomeDomain", "Library/Keychains/Analytics/x.db"),
];

fuzz_target!(|data: &[u8]| {
    let Some((selector, content)) = data.split_first() else {
        return;
    };
    let mut backup = MemoryBackup::default();
    let index = usize::from(*selector);
    if let Some((domain, path)) = FILES.get(index % (FILES.len() + 2)) {
        backup
            .files
            .insert((domain.to_string(), path.to_string()), content.to_vec());
    } else if index % 2 == 0 {
        backup
            .backup_files
            .insert("Info.plist".into(), content.to_vec());
    } else {
        backup
            .backup_files
            .insert("Manifest.plist".into(), content.to_vec());
    }
    let mut sink = CollectingSink::default();
    scan_backup(&backup, &mut sink);
    for record in &sink.records {
        assert!(record.observables.len() <= stingwatch_ios_artifacts::MAX_OBSERVABLES_PER_RECORD);
    }
});
