//! Shared vocabulary of the phone checks: what an acquisition reader (iOS backup, androidqf,
//! bugreport) hands to the indicator matcher and the report.
//!
//! Readers never match indicators and matchers never parse files: a reader turns each row,
//! line or file it understands into an [`ArtifactRecord`] carrying typed [`Observable`]s, plus
//! [`Signal`]s for what is suspicious without any indicator, and [`Diagnostic`]s for what it
//! could not read. Records stream through a [`RecordSink`] so that a backup of 100,000 files
//! is never held in memory at once.

#![forbid(unsafe_code)]

use serde::Serialize;
use std::fmt;

pub use stingwatch_model::Severity;

/// What kind of value an observable is; one per indicator key the public indicator sets use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservableKind {
    /// A host name (`domain-name:value`); also matched against every URL's host.
    Domain,
    /// A full URL (`url:value`); its host is matched against domain indicators too.
    Url,
    /// An IPv4 address (`ipv4-addr:value`).
    Ipv4,
    /// An e-mail address or messaging handle (`email-addr:value`).
    Email,
    /// A process or executable name (`process:name`).
    ProcessName,
    /// A file's name without folders (`file:name`).
    FileName,
    /// A file's full path (`file:path`).
    FilePath,
    /// MD5 of a file's content, lower-case hex (`file:hashes.md5`).
    FileMd5,
    /// SHA-1 of a file's content, lower-case hex (`file:hashes.sha1`).
    FileSha1,
    /// SHA-256 of a file's content, lower-case hex (`file:hashes.sha256`).
    FileSha256,
    /// An app's bundle or package id (`app:id`).
    AppId,
    /// MD5 of an app's signing certificate, lower-case hex (`app:cert.md5`).
    AppCertMd5,
    /// SHA-1 of an app's signing certificate, lower-case hex (`app:cert.sha1`).
    AppCertSha1,
    /// SHA-256 of an app's signing certificate, lower-case hex (`app:cert.sha256`).
    AppCertSha256,
    /// A configuration profile's identifier or UUID (`configuration-profile:id`).
    ConfigurationProfileId,
    /// An Android system property name (`android-property:name`).
    AndroidProperty,
}

impl ObservableKind {
    /// The STIX object path indicators use for this kind, e.g. `domain-name:value`.
    pub fn stix_key(self) -> &'static str {
        match self {
            ObservableKind::Domain => "domain-name:value",
            ObservableKind::Url => "url:value",
            ObservableKind::Ipv4 => "ipv4-addr:value",
            ObservableKind::Email => "email-addr:value",
            ObservableKind::ProcessName => "process:name",
            ObservableKind::FileName => "file:name",
            ObservableKind::FilePath => "file:path",
            ObservableKind::FileMd5 => "file:hashes.md5",
            ObservableKind::FileSha1 => "file:hashes.sha1",
            ObservableKind::FileSha256 => "file:hashes.sha256",
            ObservableKind::AppId => "app:id",
            ObservableKind::AppCertMd5 => "app:cert.md5",
            ObservableKind::AppCertSha1 => "app:cert.sha1",
            ObservableKind::AppCertSha256 => "app:cert.sha256",
            ObservableKind::ConfigurationProfileId => "configuration-profile:id",
            ObservableKind::AndroidProperty => "android-property:name",
        }
    }

    /// Every kind, in declaration order.
    pub const ALL: [ObservableKind; 16] = [
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::Ipv4,
        ObservableKind::Email,
        ObservableKind::ProcessName,
        ObservableKind::FileName,
        ObservableKind::FilePath,
        ObservableKind::FileMd5,
        ObservableKind::FileSha1,
        ObservableKind::FileSha256,
        ObservableKind::AppId,
        ObservableKind::AppCertMd5,
        ObservableKind::AppCertSha1,
        ObservableKind::AppCertSha256,
        ObservableKind::ConfigurationProfileId,
        ObservableKind::AndroidProperty,
    ];

    /// The kind a STIX object path names, e.g. `file:hashes.'SHA-256'` is [`ObservableKind::FileSha256`].
    pub fn from_stix_key(key: &str) -> Option<ObservableKind> {
        let normal: String = key
            .chars()
            .filter(|c| *c != '\'' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        Some(match normal.as_str() {
            "domainname:value" => ObservableKind::Domain,
            "url:value" => ObservableKind::Url,
            "ipv4addr:value" => ObservableKind::Ipv4,
            "emailaddr:value" => ObservableKind::Email,
            "process:name" => ObservableKind::ProcessName,
            "file:name" => ObservableKind::FileName,
            "file:path" => ObservableKind::FilePath,
            "file:hashes.md5" => ObservableKind::FileMd5,
            "file:hashes.sha1" => ObservableKind::FileSha1,
            "file:hashes.sha256" => ObservableKind::FileSha256,
            "app:id" => ObservableKind::AppId,
            "app:cert.md5" => ObservableKind::AppCertMd5,
            "app:cert.sha1" => ObservableKind::AppCertSha1,
            "app:cert.sha256" => ObservableKind::AppCertSha256,
            "configurationprofile:id" => ObservableKind::ConfigurationProfileId,
            "androidproperty:name" => ObservableKind::AndroidProperty,
            _ => return None,
        })
    }
}

impl fmt::Display for ObservableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.stix_key())
    }
}

/// One value found on the phone that an indicator may match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Observable {
    /// What the value is.
    pub kind: ObservableKind,
    /// The value as found (matchers normalise case and trailing dots themselves).
    pub value: String,
}

impl Observable {
    /// An observable of `kind` with `value`.
    pub fn new(kind: ObservableKind, value: impl Into<String>) -> Observable {
        Observable {
            kind,
            value: value.into(),
        }
    }
}

/// A moment on the phone's clock, as milliseconds since 1970-01-01 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// Seconds since 2001-01-01 UTC (Apple's Cocoa epoch, used by iOS databases).
    pub fn from_cocoa_seconds(seconds: f64) -> Option<UnixMillis> {
        // Nanosecond values (newer iOS databases) are told apart by their size.
        let seconds = if seconds.abs() > 1e12 {
            seconds / 1e9
        } else {
            seconds
        };
        let millis = (seconds + 978_307_200.0) * 1000.0;
        millis
            .is_finite()
            .then_some(UnixMillis(millis as i64))
            .filter(|m| m.0 > 0)
    }

    /// ISO 8601 UTC text, e.g. `2026-12-04T10:00:00.000Z`.
    pub fn iso8601(self) -> String {
        let days = self.0.div_euclid(86_400_000);
        let ms_of_day = self.0.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            ms_of_day / 3_600_000,
            ms_of_day / 60_000 % 60,
            ms_of_day / 1000 % 60,
            ms_of_day % 1000
        )
    }
}

impl fmt::Display for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso8601())
    }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (the well-known era algorithm);
/// a few lines instead of a date crate for one conversion.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The published indicator an observable matched, as a finding cites it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IndicatorRef {
    /// STIX id of the indicator object, e.g. `indicator--1a2b...`.
    pub id: String,
    /// What kind of value it names.
    pub kind: ObservableKind,
    /// The value it names, as published (e.g. `evil.example`).
    pub value: String,
    /// The named collection it belongs to (a `malware` or `report` object's name, else the
    /// file's name), e.g. `Pegasus`.
    pub collection: String,
    /// The indicator file it was loaded from.
    pub source: String,
}

/// One observable of one record that one indicator matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorMatch {
    /// The value found on the phone.
    pub observable: Observable,
    /// The indicator it matched.
    pub indicator: IndicatorRef,
    /// Why it matched when not verbatim, e.g. `subdomain of evil.example`, `host of a URL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

/// One thing read from an acquisition: a message, a visited page, an installed app, a process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArtifactRecord {
    /// Stable id of the check that read it, e.g. `ios.sms` or `android.packages`.
    pub artifact: &'static str,
    /// File inside the acquisition it came from, e.g. `HomeDomain/Library/SMS/sms.db`.
    pub source: String,
    /// Where in that file: a row id, a line number, a section name.
    pub locator: String,
    /// When it happened on the phone, when the file says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<UnixMillis>,
    /// One line a person can read in a timeline.
    pub summary: String,
    /// The values indicators are matched against.
    pub observables: Vec<Observable>,
}

/// Something suspicious by itself, without any indicator: a sideloaded app, a disabled
/// package verifier, an accessibility service from an unknown source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    /// Stable id, e.g. `android.verifier-disabled`.
    pub kind: &'static str,
    /// How worrying it is on its own.
    pub severity: Severity,
    /// One line: what was seen.
    pub title: String,
    /// Plain language: why it matters and its harmless explanations.
    pub explanation: String,
    /// The record that shows it.
    pub record: ArtifactRecord,
}

/// Something that could not be read, and where; a damaged input never fails silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// File inside the acquisition (or the acquisition itself).
    pub source: String,
    /// What went wrong and what was still read.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic about `source`.
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            source: source.into(),
            message: message.into(),
        }
    }
}

/// Where readers put what they read; implemented by the indicator matcher and by tests.
pub trait RecordSink {
    /// One record read.
    fn record(&mut self, record: ArtifactRecord);
    /// One sign suspicious by itself.
    fn signal(&mut self, signal: Signal);
    /// One part that could not be read.
    fn diagnostic(&mut self, diagnostic: Diagnostic);
}

/// A sink that keeps everything, for tests and small acquisitions.
#[derive(Debug, Default, Clone)]
pub struct CollectingSink {
    /// Records in reading order.
    pub records: Vec<ArtifactRecord>,
    /// Signals in reading order.
    pub signals: Vec<Signal>,
    /// Diagnostics in reading order.
    pub diagnostics: Vec<Diagnostic>,
}

impl RecordSink for CollectingSink {
    fn record(&mut self, record: ArtifactRecord) {
        self.records.push(record);
    }
    fn signal(&mut self, signal: Signal) {
        self.signals.push(signal);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_of_known_instants() {
        assert_eq!(UnixMillis(0).iso8601(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            UnixMillis(951_782_400_123).iso8601(),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(UnixMillis(-1).iso8601(), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn cocoa_seconds_and_nanoseconds_agree() {
        let s = UnixMillis::from_cocoa_seconds(700_000_000.0);
        let ns = UnixMillis::from_cocoa_seconds(700_000_000.0 * 1e9);
        assert_eq!(s, Some(UnixMillis(1_678_307_200_000)));
        assert_eq!(s, ns);
        assert_eq!(UnixMillis::from_cocoa_seconds(f64::NAN), None);
    }

    #[test]
    fn stix_keys_round_trip() {
        for kind in ObservableKind::ALL {
            assert_eq!(ObservableKind::from_stix_key(kind.stix_key()), Some(kind));
        }
        assert_eq!(
            ObservableKind::from_stix_key("file:hashes.'SHA-256'"),
            Some(ObservableKind::FileSha256)
        );
        assert_eq!(
            ObservableKind::from_stix_key("x509-certificate:serial"),
            None
        );
    }
}
