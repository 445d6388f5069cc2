//! Writing real backups, plain or encrypted, for the project's own fixtures and benchmarks.
//!
//! File contents go to disk as they are added; the manifest database is built in memory in
//! one transaction and written (encrypted when asked) by [`BackupWriter::finish`].

use plist::{Dictionary, Value};
use rusqlite::Connection;
use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use stingwatch_phone_model::UnixMillis;

use crate::crypto::{self, Key};
use crate::keybag::{ClassKey, ClassKeys, Keybag, WRAP_PASSCODE};
use crate::mbfile::{plist_date, MbFile};
use crate::{file_id, hex, BackupError};

/// Protection classes a written keybag holds keys for (iOS's 1 to 11).
const CLASSES: std::ops::RangeInclusive<u32> = 1..=11;
/// Protection class of `Manifest.db`'s key, as iOS writes it.
const MANIFEST_CLASS: u32 = 4;

/// An app to list as installed, with the store metadata `Info.plist` keeps for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    /// Bundle id.
    pub bundle_id: String,
    /// Display name (`itemName`).
    pub name: String,
    /// Version (`bundleShortVersionString`).
    pub version: String,
    /// Developer (`artistName`).
    pub artist: String,
    /// What installed it (`sourceApp`), e.g. `com.apple.AppStore`; `None` leaves it out.
    pub source_app: Option<String>,
    /// Purchase date.
    pub purchase_date: UnixMillis,
}

impl AppSpec {
    /// An App Store app with the given bundle id and name.
    pub fn store(bundle_id: &str, name: &str) -> AppSpec {
        AppSpec {
            bundle_id: bundle_id.into(),
            name: name.into(),
            version: "1.0".into(),
            artist: "Example Developer".into(),
            source_app: Some("com.apple.AppStore".into()),
            purchase_date: UnixMillis(1_700_000_000_000),
        }
    }
}

/// Device details and key-derivation costs of a written backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Device name.
    pub device_name: String,
    /// Model identifier.
    pub product_type: String,
    /// iOS version.
    pub ios_version: String,
    /// iOS build.
    pub build_version: String,
    /// UDID.
    pub udid: String,
    /// Serial number.
    pub serial_number: String,
    /// IMEI.
    pub imei: String,
    /// Date of the backup.
    pub date: UnixMillis,
    /// Installed apps.
    pub apps: Vec<AppSpec>,
    /// PBKDF2-HMAC-SHA256 rounds (`DPIC`); iOS uses 10,000,000.
    pub dp_iterations: u32,
    /// PBKDF2-HMAC-SHA1 rounds (`ITER`); iOS uses 10,000.
    pub iterations: u32,
    /// Protection class of the files.
    pub protection_class: u32,
}

impl Default for WriterOptions {
    /// A recent iPhone with small key-derivation costs, so tests unlock it quickly.
    fn default() -> WriterOptions {
        WriterOptions {
            device_name: "Test iPhone".into(),
            product_type: "iPhone14,5".into(),
            ios_version: "17.5.1".into(),
            build_version: "21F90".into(),
            udid: "00008110-000A1B2C3D4E5F60".into(),
            serial_number: "F2LZK0ABCDEF".into(),
            imei: "356789012345678".into(),
            date: UnixMillis(1_767_225_600_000), // 2026-01-01
            apps: Vec::new(),
            dp_iterations: 10_000,
            iterations: 1_000,
            protection_class: 3,
        }
    }
}

struct Encryption {
    keybag: Keybag,
    keys: ClassKeys,
    manifest_key: Key,
}

/// Writes a backup into an empty folder; see the module documentation.
pub struct BackupWriter {
    dir: PathBuf,
    options: WriterOptions,
    encryption: Option<Encryption>,
    db: Connection,
    entries: HashSet<String>,
    prefixes: HashSet<String>,
    next_inode: u64,
}

fn sql(e: rusqlite::Error) -> BackupError {
    BackupError::ManifestDb(e.to_string())
}

impl BackupWriter {
    /// A writer of a backup into `dir` (created; must be empty if it exists), encrypted with
    /// `password` when given, with [`WriterOptions::default`].
    pub fn new(dir: impl AsRef<Path>, password: Option<&str>) -> Result<BackupWriter, BackupError> {
        BackupWriter::with_options(dir, password, WriterOptions::default())
    }

    /// [`BackupWriter::new`] with other device details or key-derivation costs.
    pub fn with_options(
        dir: impl AsRef<Path>,
        password: Option<&str>,
        options: WriterOptions,
    ) -> Result<BackupWriter, BackupError> {
        let dir = dir.as_ref().to_path_buf();
        prepare_empty_dir(&dir)?;
        let encryption = match password {
            Some(p) => Some(new_keybag(p, &options)?),
            None => None,
        };
        let db = Connection::open_in_memory().map_err(sql)?;
        db.execute_batch(
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
             CREATE INDEX FilesDomainIdx ON Files(domain);
             CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
             CREATE INDEX FilesFlagsIdx ON Files(flags);
             CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
             BEGIN;",
        )
        .map_err(sql)?;
        Ok(BackupWriter {
            dir,
            options,
            encryption,
            db,
            entries: HashSet::new(),
            prefixes: HashSet::new(),
            next_inode: 100_000,
        })
    }

    fn insert(
        &mut self,
        domain: &str,
        relative_path: &str,
        flags: i64,
        file: &MbFile,
    ) -> Result<String, BackupError> {
        let id = file_id(domain, relative_path);
        if !self.entries.insert(id.clone()) {
            return Err(BackupError::InvalidEntry {
                domain: domain.into(),
                relative_path: relative_path.into(),
                reason: "added twice".into(),
            });
        }
        self.db
            .prepare_cached("INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?1, ?2, ?3, ?4, ?5)")
            .and_then(|mut s| s.execute((&id, domain, relative_path, flags, file.to_blob())))
            .map_err(sql)?;
        Ok(id)
    }

    fn record(&mut self, relative_path: &str, mode: u32, size: u64, mtime: UnixMillis) -> MbFile {
        self.next_inode += 1;
        MbFile {
            size: Some(size),
            last_modified: Some(mtime),
            last_status_change: Some(mtime),
            birth: Some(mtime),
            mode: Some(mode),
            protection_class: Some(self.options.protection_class),
            encryption_key: None,
            relative_path: Some(relative_path.into()),
            target: None,
            user_id: Some(501),
            group_id: Some(501),
            inode: Some(self.next_inode),
        }
    }

    /// Adds a folder entry (flags 2), unless present.
    pub fn add_directory(
        &mut self,
        domain: &str,
        relative_path: &str,
        mtime: UnixMillis,
    ) -> Result<(), BackupError> {
        if self.entries.contains(&file_id(domain, relative_path)) {
            return Ok(());
        }
        let record = self.record(relative_path, 0o40755, 0, mtime);
        self.insert(domain, relative_path, 2, &record).map(drop)
    }

    /// Adds a file with `content` (and folder entries for its domain root and parents); returns
    /// its file ID. The content is written to disk at once, encrypted when the backup is.
    pub fn add_file(
        &mut self,
        domain: &str,
        relative_path: &str,
        content: &[u8],
        mtime: UnixMillis,
    ) -> Result<String, BackupError> {
        let invalid = |reason: &str| BackupError::InvalidEntry {
            domain: domain.into(),
            relative_path: relative_path.into(),
            reason: reason.into(),
        };
        if domain.is_empty() || domain.contains('/') {
            return Err(invalid("a domain is one non-empty name"));
        }
        if relative_path.is_empty()
            || relative_path.starts_with('/')
            || relative_path.ends_with('/')
        {
            return Err(invalid(
                "a relative path is non-empty without leading or trailing '/'",
            ));
        }
        self.add_directory(domain, "", mtime)?;
        let mut parent = String::new();
        let parts: Vec<&str> = relative_path.split('/').collect();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(part);
            let dir = parent.clone();
            self.add_directory(domain, &dir, mtime)?;
        }
        let mut record = self.record(relative_path, 0o100644, content.len() as u64, mtime);
        let stored: std::borrow::Cow<'_, [u8]> = match &self.encryption {
            Some(enc) => {
                let key = crypto::random_key()?;
                record.encryption_key = Some(
                    enc.keys
                        .wrap_class_prefixed(self.options.protection_class, &key)
                        .map_err(|e| invalid(&e.to_string()))?,
                );
                crypto::encrypt(&key, content).into()
            }
            None => content.into(),
        };
        let id = self.insert(domain, relative_path, 1, &record)?;
        let prefix = id.get(..2).unwrap_or_default().to_owned();
        let folder = self.dir.join(&prefix);
        if !self.prefixes.contains(&prefix) {
            fs::create_dir_all(&folder).map_err(|e| BackupError::io(&folder, e))?;
            self.prefixes.insert(prefix);
        }
        let path = folder.join(&id);
        fs::write(&path, &stored).map_err(|e| BackupError::io(&path, e))?;
        Ok(id)
    }

    /// Writes `Manifest.db`, `Manifest.plist`, `Info.plist` and `Status.plist`; returns the
    /// backup's folder.
    pub fn finish(self) -> Result<PathBuf, BackupError> {
        self.db.execute_batch("COMMIT").map_err(sql)?;
        let db_bytes = self.db.serialize(rusqlite::MAIN_DB).map_err(sql)?.to_vec();
        let manifest_db = match &self.encryption {
            Some(enc) => crypto::encrypt(&enc.manifest_key, &db_bytes),
            None => db_bytes,
        };
        write_new(&self.dir.join("Manifest.db"), &manifest_db)?;
        let o = &self.options;
        let date = Value::Date(plist_date(o.date));

        let mut lockdown = Dictionary::new();
        for (k, v) in [
            ("DeviceName", &o.device_name),
            ("ProductType", &o.product_type),
            ("ProductVersion", &o.ios_version),
            ("BuildVersion", &o.build_version),
            ("UniqueDeviceID", &o.udid),
            ("SerialNumber", &o.serial_number),
        ] {
            lockdown.insert(k.into(), Value::String(v.clone()));
        }
        let mut apps = Dictionary::new();
        for app in &o.apps {
            let mut a = Dictionary::new();
            a.insert(
                "CFBundleIdentifier".into(),
                Value::String(app.bundle_id.clone()),
            );
            a.insert("CFBundleVersion".into(), Value::String(app.version.clone()));
            a.insert(
                "ContainerContentClass".into(),
                Value::String("Data/Application".into()),
            );
            a.insert(
                "Path".into(),
                Value::String(format!(
                    "/private/var/containers/Bundle/Application/{}/{}.app",
                    uuid_text(&crypto::random::<16>()?),
                    app.name
                )),
            );
            apps.insert(app.bundle_id.clone(), Value::Dictionary(a));
        }
        let mut manifest = Dictionary::new();
        manifest.insert("Version".into(), Value::String("10.0".into()));
        manifest.insert("SystemDomainsVersion".into(), Value::String("24.0".into()));
        manifest.insert("Date".into(), date.clone());
        manifest.insert("WasPasscodeSet".into(), Value::Boolean(true));
        manifest.insert(
            "IsEncrypted".into(),
            Value::Boolean(self.encryption.is_some()),
        );
        manifest.insert("Lockdown".into(), Value::Dictionary(lockdown));
        manifest.insert("Applications".into(), Value::Dictionary(apps));
        if let Some(enc) = &self.encryption {
            manifest.insert("BackupKeyBag".into(), Value::Data(enc.keybag.to_bytes()));
            let wrapped = enc
                .keys
                .wrap_class_prefixed(MANIFEST_CLASS, &enc.manifest_key)
                .map_err(|e| BackupError::ManifestDb(e.to_string()))?;
            manifest.insert("ManifestKey".into(), Value::Data(wrapped));
        }
        write_plist(&self.dir.join("Manifest.plist"), manifest, true)?;

        let mut info = Dictionary::new();
        let s = |v: &str| Value::String(v.into());
        info.insert("Build Version".into(), s(&o.build_version));
        info.insert("Device Name".into(), s(&o.device_name));
        info.insert("Display Name".into(), s(&o.device_name));
        info.insert(
            "GUID".into(),
            s(&hex(&crypto::random::<16>()?).to_uppercase()),
        );
        info.insert("IMEI".into(), s(&o.imei));
        info.insert(
            "Installed Applications".into(),
            Value::Array(o.apps.iter().map(|a| s(&a.bundle_id)).collect()),
        );
        info.insert("Last Backup Date".into(), date.clone());
        info.insert("Product Name".into(), s("iPhone"));
        info.insert("Product Type".into(), s(&o.product_type));
        info.insert("Product Version".into(), s(&o.ios_version));
        info.insert("Serial Number".into(), s(&o.serial_number));
        info.insert("Target Identifier".into(), s(&o.udid));
        info.insert("Target Type".into(), s("Device"));
        info.insert("Unique Identifier".into(), s(&o.udid.to_uppercase()));
        info.insert("iTunes Version".into(), s("12.13.2.3"));
        let mut info_apps = Dictionary::new();
        for app in &o.apps {
            let mut entry = Dictionary::new();
            entry.insert("iTunesMetadata".into(), Value::Data(itunes_metadata(app)?));
            info_apps.insert(app.bundle_id.clone(), Value::Dictionary(entry));
        }
        info.insert("Applications".into(), Value::Dictionary(info_apps));
        write_plist(&self.dir.join("Info.plist"), info, false)?;

        let mut status = Dictionary::new();
        status.insert("BackupState".into(), s("new"));
        status.insert("Date".into(), date);
        status.insert("IsFullBackup".into(), Value::Boolean(false));
        status.insert("SnapshotState".into(), s("finished"));
        status.insert("UUID".into(), s(&uuid_text(&crypto::random::<16>()?)));
        status.insert("Version".into(), s("3.3"));
        write_plist(&self.dir.join("Status.plist"), status, true)?;
        Ok(self.dir)
    }
}

fn itunes_metadata(app: &AppSpec) -> Result<Vec<u8>, BackupError> {
    let mut meta = Dictionary::new();
    meta.insert(
        "softwareVersionBundleId".into(),
        Value::String(app.bundle_id.clone()),
    );
    meta.insert("itemName".into(), Value::String(app.name.clone()));
    meta.insert(
        "bundleShortVersionString".into(),
        Value::String(app.version.clone()),
    );
    meta.insert("bundleVersion".into(), Value::String(app.version.clone()));
    meta.insert("artistName".into(), Value::String(app.artist.clone()));
    if let Some(source) = &app.source_app {
        meta.insert("sourceApp".into(), Value::String(source.clone()));
    }
    let mut download = Dictionary::new();
    let purchased = app.purchase_date.iso8601();
    // The store writes whole seconds: `2023-11-14T22:13:20Z`.
    let purchased = format!("{}Z", purchased.get(..19).unwrap_or_default());
    download.insert("purchaseDate".into(), Value::String(purchased));
    meta.insert(
        "com.apple.iTunesStore.downloadInfo".into(),
        Value::Dictionary(download),
    );
    let mut out = Vec::new();
    Value::Dictionary(meta)
        .to_writer_xml(&mut out)
        .map_err(|e| BackupError::ManifestDb(e.to_string()))?;
    Ok(out)
}

fn uuid_text(b: &[u8; 16]) -> String {
    let h = hex(b).to_uppercase();
    format!(
        "{}-{}-{}-{}-{}",
        h.get(..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..).unwrap_or_default()
    )
}

fn new_keybag(password: &str, options: &WriterOptions) -> Result<Encryption, BackupError> {
    let mut keybag = Keybag {
        version: Some(4),
        kind: Some(1),
        uuid: Some(crypto::random::<16>()?.to_vec()),
        hmck: Some(crypto::random::<40>()?.to_vec()),
        wrap: Some(0),
        salt: Some(crypto::random::<20>()?.to_vec()),
        iterations: Some(options.iterations),
        dp_wrap: Some(1),
        dp_iterations: Some(options.dp_iterations),
        dp_salt: Some(crypto::random::<20>()?.to_vec()),
        classes: Vec::new(),
    };
    let password_key = keybag.password_key(password.as_bytes())?;
    let mut keys = Vec::new();
    for class in CLASSES {
        let key = crypto::random_key()?;
        keybag.classes.push(ClassKey {
            uuid: crypto::random::<16>()?.to_vec(),
            class: Some(class),
            wrap: WRAP_PASSCODE,
            key_type: Some(0),
            wrapped_key: Some(crypto::wrap_key(&password_key, &key).to_vec()),
        });
        keys.push((class, key));
    }
    Ok(Encryption {
        keybag,
        keys: ClassKeys::from_keys(keys),
        manifest_key: crypto::random_key()?,
    })
}

fn prepare_empty_dir(dir: &Path) -> Result<(), BackupError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BackupError::Output {
                    path: dir.into(),
                    reason:
                        "folder is not empty; a backup is written only into an empty or new folder"
                            .into(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| BackupError::io(dir, e))
        }
        Err(e) => Err(BackupError::io(dir, e)),
    }
}

/// Writes a new file; an existing file or link at `path` is an error, never followed.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| BackupError::io(path, e))?;
    f.write_all(bytes).map_err(|e| BackupError::io(path, e))
}

fn write_plist(path: &Path, dict: Dictionary, binary: bool) -> Result<(), BackupError> {
    let mut out = Vec::new();
    let value = Value::Dictionary(dict);
    let written = if binary {
        value.to_writer_binary(&mut out)
    } else {
        value.to_writer_xml(&mut out)
    };
    written.map_err(|e| BackupError::io(path, std::io::Error::other(e.to_string())))?;
    write_new(path, &out)
}
