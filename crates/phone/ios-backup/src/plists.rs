//! The backup's top-level property lists: `Manifest.plist` (encryption, keybag, device,
//! apps), `Info.plist` (device and the installed apps' store metadata) and `Status.plist`.

use plist::{Dictionary, Value};
use std::fmt;
use stingwatch_phone_model::UnixMillis;

use crate::mbfile::date_millis;

/// Most installed apps read from one backup: 100,000.
pub const MAX_APPS: usize = 100_000;

/// Why a property list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlistError {
    /// Not a property list (binary or XML).
    #[error("not a property list: {0}")]
    Syntax(String),
    /// A property list of the wrong shape.
    #[error("{0}")]
    Shape(String),
}

/// Parses property-list bytes (binary or XML) into a dictionary.
pub fn parse_dictionary(bytes: &[u8]) -> Result<Dictionary, PlistError> {
    let value = crate::plistread::parse_value(bytes).map_err(PlistError::Syntax)?;
    value
        .into_dictionary()
        .ok_or_else(|| PlistError::Shape("top level is not a dictionary".into()))
}

/// What `Manifest.plist` says.
#[derive(Clone, PartialEq)]
pub struct ManifestPlist {
    /// `IsEncrypted`.
    pub is_encrypted: bool,
    /// `BackupKeyBag`: the keybag bytes.
    pub backup_keybag: Option<Vec<u8>>,
    /// `ManifestKey`: 4-byte class plus the wrapped key of `Manifest.db`.
    pub manifest_key: Option<Vec<u8>>,
    /// `Version` of the backup format.
    pub version: Option<String>,
    /// `Date` of the backup.
    pub date: Option<UnixMillis>,
    /// `WasPasscodeSet`.
    pub was_passcode_set: Option<bool>,
    /// `Lockdown/DeviceName`.
    pub device_name: Option<String>,
    /// `Lockdown/ProductType`, e.g. `iPhone14,5`.
    pub product_type: Option<String>,
    /// `Lockdown/ProductVersion`: the iOS version.
    pub product_version: Option<String>,
    /// `Lockdown/BuildVersion`.
    pub build_version: Option<String>,
    /// `Lockdown/UniqueDeviceID` and `Lockdown/SerialNumber`.
    pub identifiers: DeviceIdentifiers,
    /// Bundle ids of `Applications`.
    pub applications: Vec<String>,
    /// The whole dictionary, for writing a decrypted copy.
    pub raw: Dictionary,
}

impl fmt::Debug for ManifestPlist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManifestPlist")
            .field("is_encrypted", &self.is_encrypted)
            .field("version", &self.version)
            .field("product_version", &self.product_version)
            .field("applications", &self.applications.len())
            .finish()
    }
}

fn string(d: &Dictionary, key: &str) -> Option<String> {
    match d.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

fn date(d: &Dictionary, key: &str) -> Option<UnixMillis> {
    d.get(key)
        .and_then(Value::as_date)
        .and_then(|d| date_millis(&d))
}

impl ManifestPlist {
    /// Reads `Manifest.plist` bytes.
    pub fn parse(bytes: &[u8]) -> Result<ManifestPlist, PlistError> {
        let raw = parse_dictionary(bytes)?;
        let is_encrypted = match raw.get("IsEncrypted") {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(Value::Integer(i)) => i.as_signed() != Some(0),
            Some(_) => return Err(PlistError::Shape("IsEncrypted is not a boolean".into())),
        };
        let data = |key: &str| raw.get(key).and_then(Value::as_data).map(<[u8]>::to_vec);
        let empty = Dictionary::new();
        let lockdown = raw
            .get("Lockdown")
            .and_then(Value::as_dictionary)
            .unwrap_or(&empty);
        let applications = raw
            .get("Applications")
            .and_then(Value::as_dictionary)
            .map(|apps| apps.keys().take(MAX_APPS).cloned().collect())
            .unwrap_or_default();
        Ok(ManifestPlist {
            is_encrypted,
            backup_keybag: data("BackupKeyBag"),
            manifest_key: data("ManifestKey"),
            version: string(&raw, "Version"),
            date: date(&raw, "Date"),
            was_passcode_set: raw.get("WasPasscodeSet").and_then(Value::as_boolean),
            device_name: string(lockdown, "DeviceName"),
            product_type: string(lockdown, "ProductType"),
            product_version: string(lockdown, "ProductVersion"),
            build_version: string(lockdown, "BuildVersion"),
            identifiers: DeviceIdentifiers {
                udid: string(lockdown, "UniqueDeviceID"),
                serial_number: string(lockdown, "SerialNumber"),
                ..DeviceIdentifiers::default()
            },
            applications,
            raw,
        })
    }
}

/// Identifiers of the phone. They identify a person's device, so `Debug` hides them and a
/// report should show them only where the reader needs them (e.g. to tell two phones apart).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DeviceIdentifiers {
    /// UDID (`Unique Identifier`).
    pub udid: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// IMEI.
    pub imei: Option<String>,
    /// ICCID of the SIM.
    pub iccid: Option<String>,
    /// Phone number.
    pub phone_number: Option<String>,
}

impl fmt::Debug for DeviceIdentifiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<String>| if v.is_some() { "<present>" } else { "<absent>" };
        f.debug_struct("DeviceIdentifiers")
            .field("udid", &shown(&self.udid))
            .field("serial_number", &shown(&self.serial_number))
            .field("imei", &shown(&self.imei))
            .field("iccid", &shown(&self.iccid))
            .field("phone_number", &shown(&self.phone_number))
            .finish()
    }
}

/// One app the backup lists as installed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstalledApp {
    /// Bundle id, e.g. `com.example.app` (the store metadata's `softwareVersionBundleId` when
    /// present, else the key it is listed under).
    pub bundle_id: String,
    /// Store metadata present but without `softwareVersionBundleId` (suspicious by itself).
    pub missing_bundle_id: bool,
    /// `itemName`.
    pub name: Option<String>,
    /// `bundleShortVersionString`.
    pub version: Option<String>,
    /// `artistName`: the developer.
    pub artist: Option<String>,
    /// `sourceApp`: what installed it (the App Store, an MDM, a third-party store).
    pub source_app: Option<String>,
    /// The purchase date of the store's download information.
    pub purchase_date: Option<UnixMillis>,
    /// SHA-256 of the placeholder icon, lower-case hex.
    pub icon_sha256: Option<String>,
}

/// The device and backup as `Info.plist`, `Manifest.plist` and `Status.plist` describe them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupInfo {
    /// `Device Name`.
    pub device_name: Option<String>,
    /// `Product Type`, e.g. `iPhone14,5`.
    pub product_type: Option<String>,
    /// `Product Name`.
    pub product_name: Option<String>,
    /// `Product Version`: the iOS version.
    pub ios_version: Option<String>,
    /// `Build Version`.
    pub build_version: Option<String>,
    /// `Last Backup Date` (or the manifest's `Date`).
    pub date: Option<UnixMillis>,
    /// `iTunes Version` of the computer that made it.
    pub itunes_version: Option<String>,
    /// Whether the backup is encrypted.
    pub is_encrypted: bool,
    /// `IsFullBackup` of `Status.plist`.
    pub is_full_backup: Option<bool>,
    /// `SnapshotState` of `Status.plist` (`finished` for a complete backup).
    pub snapshot_state: Option<String>,
    /// The phone's identifiers.
    pub identifiers: DeviceIdentifiers,
    /// Installed apps: those with store metadata in `Info.plist`, then those only listed.
    pub installed_apps: Vec<InstalledApp>,
}

impl BackupInfo {
    /// Fills in what `Info.plist` says; its entries win over the manifest's.
    pub fn apply_info_plist(&mut self, info: &Dictionary) {
        let set = |slot: &mut Option<String>, key: &str| {
            if let Some(v) = string(info, key) {
                *slot = Some(v);
            }
        };
        set(&mut self.device_name, "Device Name");
        set(&mut self.product_type, "Product Type");
        set(&mut self.product_name, "Product Name");
        set(&mut self.ios_version, "Product Version");
        set(&mut self.build_version, "Build Version");
        set(&mut self.itunes_version, "iTunes Version");
        set(&mut self.identifiers.udid, "Unique Identifier");
        set(&mut self.identifiers.serial_number, "Serial Number");
        set(&mut self.identifiers.imei, "IMEI");
        set(&mut self.identifiers.iccid, "ICCID");
        set(&mut self.identifiers.phone_number, "Phone Number");
        if let Some(d) = date(info, "Last Backup Date") {
            self.date = Some(d);
        }
        let mut apps: Vec<InstalledApp> = Vec::new();
        if let Some(dict) = info.get("Applications").and_then(Value::as_dictionary) {
            for (key, value) in dict.iter().take(MAX_APPS) {
                apps.push(app_from_info(key, value));
            }
        }
        if let Some(list) = info.get("Installed Applications").and_then(Value::as_array) {
            for id in list.iter().filter_map(Value::as_string).take(MAX_APPS) {
                if apps.len() < MAX_APPS && !apps.iter().any(|a| a.bundle_id == id) {
                    apps.push(InstalledApp {
                        bundle_id: id.to_owned(),
                        ..InstalledApp::default()
                    });
                }
            }
        }
        for app in apps {
            self.add_app(app);
        }
    }

    fn add_app(&mut self, app: InstalledApp) {
        if self.installed_apps.len() >= MAX_APPS {
            return;
        }
        match self
            .installed_apps
            .iter_mut()
            .find(|a| a.bundle_id == app.bundle_id)
        {
            Some(known) if app.name.is_some() || app.source_app.is_some() => *known = app,
            Some(_) => {}
            None => self.installed_apps.push(app),
        }
    }

    /// Fills in what `Manifest.plist` says.
    pub fn apply_manifest(&mut self, manifest: &ManifestPlist) {
        self.is_encrypted = manifest.is_encrypted;
        self.device_name = self
            .device_name
            .take()
            .or_else(|| manifest.device_name.clone());
        self.product_type = self
            .product_type
            .take()
            .or_else(|| manifest.product_type.clone());
        self.ios_version = self
            .ios_version
            .take()
            .or_else(|| manifest.product_version.clone());
        self.build_version = self
            .build_version
            .take()
            .or_else(|| manifest.build_version.clone());
        self.date = self.date.or(manifest.date);
        let ids = &mut self.identifiers;
        ids.udid = ids
            .udid
            .take()
            .or_else(|| manifest.identifiers.udid.clone());
        ids.serial_number = ids
            .serial_number
            .take()
            .or_else(|| manifest.identifiers.serial_number.clone());
        for id in &manifest.applications {
            self.add_app(InstalledApp {
                bundle_id: id.clone(),
                ..InstalledApp::default()
            });
        }
    }

    /// Fills in what `Status.plist` says.
    pub fn apply_status(&mut self, status: &Dictionary) {
        self.is_full_backup = status.get("IsFullBackup").and_then(Value::as_boolean);
        self.snapshot_state = string(status, "SnapshotState");
        self.date = self.date.or_else(|| date(status, "Date"));
    }
}

fn app_from_info(key: &str, value: &Value) -> InstalledApp {
    let mut app = InstalledApp {
        bundle_id: key.to_owned(),
        ..InstalledApp::default()
    };
    let Some(entry) = value.as_dictionary() else {
        return app;
    };
    if let Some(icon) = entry.get("PlaceholderIcon").and_then(Value::as_data) {
        use sha2::{Digest, Sha256};
        app.icon_sha256 = Some(crate::hex(&Sha256::digest(icon)));
    }
    let metadata = entry
        .get("iTunesMetadata")
        .and_then(Value::as_data)
        .and_then(|bytes| parse_dictionary(bytes).ok());
    if let Some(meta) = metadata {
        match string(&meta, "softwareVersionBundleId") {
            Some(id) => app.bundle_id = id,
            None => app.missing_bundle_id = true,
        }
        app.name = string(&meta, "itemName");
        app.version = string(&meta, "bundleShortVersionString");
        app.artist = string(&meta, "artistName");
        app.source_app = string(&meta, "sourceApp");
        app.purchase_date = meta
            .get("com.apple.iTunesStore.downloadInfo")
            .and_then(Value::as_dictionary)
            .and_then(|d| d.get("purchaseDate"))
            .and_then(|v| match v {
                Value::String(s) => parse_iso8601_utc(s),
                Value::Date(d) => date_millis(d),
                _ => None,
            });
    }
    app
}

/// `YYYY-MM-DDTHH:MM:SSZ` as Unix milliseconds; the store's one date format, read by hand
/// rather than pulling a date crate in for it.
pub fn parse_iso8601_utc(s: &str) -> Option<UnixMillis> {
    let b = s.as_bytes();
    if b.len() != 20
        || b.get(4) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(19) != Some(&b'Z')
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> { s.get(from..to)?.parse().ok() };
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (the inverse of the era algorithm the phone model uses).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(UnixMillis(
        ((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_dates_parse() {
        let t = parse_iso8601_utc("2024-02-29T12:34:56Z").unwrap();
        assert_eq!(t.iso8601(), "2024-02-29T12:34:56.000Z");
        assert_eq!(
            parse_iso8601_utc("1970-01-01T00:00:00Z"),
            Some(UnixMillis(0))
        );
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "2024-02-29 12:34:56Z",
            "2024-02-29T12:34:5xZ",
        ] {
            assert_eq!(parse_iso8601_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn identifiers_are_hidden_from_debug() {
        let ids = DeviceIdentifiers {
            udid: Some("00008110-000A1B2C3D4E5F60".into()),
            ..DeviceIdentifiers::default()
        };
        let shown = format!("{ids:?}");
        assert!(!shown.contains("00008110"), "{shown}");
        assert!(shown.contains("<present>"));
    }

    #[test]
    fn manifest_plist_errors_are_values() {
        assert!(matches!(
            ManifestPlist::parse(b""),
            Err(PlistError::Syntax(_))
        ));
        assert!(matches!(
            ManifestPlist::parse(b"bplist00\0\0"),
            Err(PlistError::Syntax(_))
        ));
        let mut list = Vec::new();
        Value::Array(vec![]).to_writer_xml(&mut list).unwrap();
        assert!(matches!(
            ManifestPlist::parse(&list),
            Err(PlistError::Shape(_))
        ));
        let mut d = Dictionary::new();
        d.insert("IsEncrypted".into(), Value::String("yes".into()));
        let mut bytes = Vec::new();
        Value::Dictionary(d).to_writer_binary(&mut bytes).unwrap();
        assert!(matches!(
            ManifestPlist::parse(&bytes),
            Err(PlistError::Shape(_))
        ));
    }
}
