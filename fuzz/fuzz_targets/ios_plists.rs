//! A backup's top-level property lists on arbitrary bytes: `Manifest.plist`, and `Info.plist`
//! and `Status.plist` folded into the device details.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_ios_backup::plists::{parse_dictionary, BackupInfo};
use stingwatch_ios_backup::ManifestPlist;

fuzz_target!(|data: &[u8]| {
    let mut info = BackupInfo::default();
    if let Ok(manifest) = ManifestPlist::parse(data) {
        info.apply_manifest(&manifest);
    }
    if let Ok(dict) = parse_dictionary(data) {
        info.apply_info_plist(&dict);
        info.apply_status(&dict);
    }
    assert!(info.installed_apps.len() <= stingwatch_ios_backup::plists::MAX_APPS);
});
