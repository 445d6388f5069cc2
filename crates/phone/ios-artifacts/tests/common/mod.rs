//! What the end-to-end tests share: the planted values, the indicator bundle naming them, the
//! fixture backups, and a scan from backup folder to findings.

#![allow(dead_code)]

use std::path::Path;
use stingwatch_iocs::IocSet;
use stingwatch_ios_artifacts::fixtures::{write_backup, IosContent, Planted, SafariVisit, T0};
use stingwatch_ios_artifacts::scan_backup;
use stingwatch_ios_backup::{Backup, BackupError};
use stingwatch_phone_findings::{IndicatorMatcher, PhoneFinding, PhoneScan, ScanResult};
use stingwatch_phone_model::{IndicatorMatch, Observable, ObservableKind, Severity, UnixMillis};

/// Password of the encrypted fixtures.
pub const PASSWORD: &str = "correct horse battery staple";

/// Collection name of the generated indicators.
pub const COLLECTION: &str = "Fixture Spyware";

/// A registrable domain only ever reached through a subdomain with a port (`cdn.` and `:8443`).
pub const PORTED_DOMAIN: &str = "static-assets-cache.net";
/// A host (not a registrable domain) an indicator names, visited with a port.
pub const HOST_WITH_PORT: &str = "push.msg-delivery-service.com";
/// A host an indicator names, visited only through a subdomain of it.
pub const HOST_VIA_SUBDOMAIN: &str = "api.update-check-service.com";

/// The values planted over every check.
pub fn planted() -> Planted {
    Planted {
        domain: "parcel-tracking-notice.net".into(),
        process: "roleaccountd".into(),
        email: "attacker@mail-notice.net".into(),
        app_id: "com.example.spy".into(),
        profile_uuid: "6F1D9C1B-0000-4000-8000-00000000BEEF".into(),
    }
}

/// The benign phone.
pub fn benign() -> IosContent {
    IosContent::benign()
}

/// The benign phone with [`planted`] values, plus Safari visits that reach indicator hosts
/// through a subdomain and a port.
pub fn planted_content() -> IosContent {
    let mut content = IosContent::benign();
    content.plant(&planted());
    let at = |minutes: i64| UnixMillis(T0.0 + minutes * 60_000);
    for (url, minute) in [
        (format!("https://cdn.{PORTED_DOMAIN}:8443/js/init?v=2"), 720),
        (format!("https://{HOST_WITH_PORT}:8443/r/77ab"), 721),
        (format!("https://eu1.{HOST_VIA_SUBDOMAIN}/v1/ping"), 722),
    ] {
        content.safari.push(SafariVisit {
            url,
            time: at(minute),
            redirect_to: None,
        });
    }
    content
}

/// Every planted indicator, as (kind, value).
pub fn indicators() -> Vec<(ObservableKind, String)> {
    let p = planted();
    vec![
        (ObservableKind::Domain, p.domain),
        (ObservableKind::Domain, PORTED_DOMAIN.into()),
        (ObservableKind::Domain, HOST_WITH_PORT.into()),
        (ObservableKind::Domain, HOST_VIA_SUBDOMAIN.into()),
        (ObservableKind::ProcessName, p.process),
        (ObservableKind::Email, p.email),
        (ObservableKind::AppId, p.app_id),
        (ObservableKind::ConfigurationProfileId, p.profile_uuid),
    ]
}

/// Writes the STIX bundle of [`indicators`] to `path`.
pub fn write_stix(path: &Path) {
    let list = indicators();
    let entries: Vec<(&str, ObservableKind, &str)> = list
        .iter()
        .map(|(k, v)| (COLLECTION, *k, v.as_str()))
        .collect();
    stingwatch_iocs::fixtures::write_bundle(path, &entries).expect("write STIX bundle");
}

/// The loaded indicator set as the scan's matcher.
pub struct Iocs(pub IocSet);

impl IndicatorMatcher for Iocs {
    fn matches(&self, observable: &Observable, out: &mut Vec<IndicatorMatch>) {
        self.0.matches_into(observable, out);
    }
}

/// The indicators of `stix`, loaded as a user's scan loads them; no load diagnostics.
pub fn load(stix: &Path) -> Iocs {
    let set = IocSet::from_paths(&[stix]);
    assert!(set.diagnostics().is_empty(), "{:?}", set.diagnostics());
    assert_eq!(set.len(), indicators().len());
    Iocs(set)
}

/// Writes `content` as a backup in `dir`.
pub fn write(dir: &Path, content: &IosContent, password: Option<&str>) {
    write_backup(dir, content, password).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}

/// Opens the backup in `dir` and scans it into findings.
pub fn scan(dir: &Path, password: Option<&str>, iocs: &Iocs) -> Result<ScanResult, BackupError> {
    let backup = Backup::open(dir, password)?;
    let mut sink = PhoneScan::new(iocs);
    scan_backup(&backup, &mut sink);
    Ok(sink.finish())
}

/// Findings of an indicator with `value`.
pub fn findings_of<'a>(result: &'a ScanResult, value: &str) -> Vec<&'a PhoneFinding> {
    result
        .findings
        .iter()
        .filter(|f| f.indicator.as_ref().is_some_and(|i| i.value == value))
        .collect()
}

/// Checks (artifact ids) with a High finding of the indicator `value`.
pub fn high_artifacts(result: &ScanResult, value: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = findings_of(result, value)
        .into_iter()
        .filter(|f| f.severity == Severity::High)
        .map(|f| f.artifact)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
