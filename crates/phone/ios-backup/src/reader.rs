//! Opening a backup and reading its manifest and files.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use stingwatch_phone_model::{Diagnostic, UnixMillis};

use crate::crypto::{self, DecryptingReader, BLOCK};
use crate::keybag::{split_class_prefix, ClassKeys, Keybag, UnlockError};
use crate::mbfile::MbFile;
use crate::plists::{parse_dictionary, BackupInfo, ManifestPlist};
use crate::{is_valid_file_id, BackupError, Limits, MAX_DIAGNOSTICS, MAX_MBFILE_BYTES};

/// What a manifest row is, from its `flags` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file (flags 1): has content.
    File,
    /// A folder (flags 2).
    Directory,
    /// A symbolic link (flags 4).
    Symlink,
    /// Any other value, kept as found.
    Other(i64),
}

impl EntryKind {
    /// The kind of a `flags` value.
    pub fn from_flags(flags: i64) -> EntryKind {
        match flags {
            1 => EntryKind::File,
            2 => EntryKind::Directory,
            4 => EntryKind::Symlink,
            other => EntryKind::Other(other),
        }
    }

    /// The `flags` value of this kind.
    pub fn flags(self) -> i64 {
        match self {
            EntryKind::File => 1,
            EntryKind::Directory => 2,
            EntryKind::Symlink => 4,
            EntryKind::Other(n) => n,
        }
    }
}

/// One row of `Manifest.db`: a file, folder or link the phone backed up.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// 40 hex digits naming the content file.
    pub file_id: String,
    /// Domain, e.g. `HomeDomain` or `AppDomain-com.example.app`.
    pub domain: String,
    /// Path inside the domain, e.g. `Library/SMS/sms.db`.
    pub relative_path: String,
    /// File, folder or link.
    pub kind: EntryKind,
    /// Size the phone recorded.
    pub size: Option<u64>,
    /// Last modification.
    pub mtime: Option<UnixMillis>,
    /// Last status change.
    pub ctime: Option<UnixMillis>,
    /// Creation.
    pub birth: Option<UnixMillis>,
    /// Unix mode bits.
    pub mode: Option<u32>,
    /// Data protection class.
    pub protection_class: Option<u32>,
    /// A symbolic link's target.
    pub target: Option<String>,
    /// Class-prefixed wrapped key of an encrypted file.
    pub(crate) encryption_key: Option<Vec<u8>>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("file_id", &self.file_id)
            .field("domain", &self.domain)
            .field("relative_path", &self.relative_path)
            .field("kind", &self.kind)
            .field("size", &self.size)
            .field("mtime", &self.mtime)
            .field("encrypted", &self.encryption_key.is_some())
            .finish()
    }
}

impl Entry {
    /// `domain/relative_path`, the name diagnostics and records use for the file.
    pub fn path(&self) -> String {
        if self.relative_path.is_empty() {
            self.domain.clone()
        } else {
            format!("{}/{}", self.domain, self.relative_path)
        }
    }
}

/// Diagnostics of one backup, bounded by [`MAX_DIAGNOSTICS`].
#[derive(Default)]
struct Diagnostics {
    kept: Vec<Diagnostic>,
    dropped: u64,
}

impl Diagnostics {
    fn push(&mut self, d: Diagnostic) {
        if self.kept.len() < MAX_DIAGNOSTICS {
            self.kept.push(d);
        } else {
            self.dropped += 1;
        }
    }

    fn take(&mut self) -> Vec<Diagnostic> {
        let mut out = std::mem::take(&mut self.kept);
        if self.dropped > 0 {
            out.push(Diagnostic::new(
                "backup",
                format!("{} more diagnostics left out", self.dropped),
            ));
            self.dropped = 0;
        }
        out
    }
}

/// An opened backup: its manifest database in memory, unlocked keys when encrypted.
pub struct Backup {
    root: PathBuf,
    manifest: ManifestPlist,
    info: BackupInfo,
    db: Connection,
    keys: Option<ClassKeys>,
    limits: Limits,
    diagnostics: RefCell<Diagnostics>,
}

impl fmt::Debug for Backup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backup")
            .field("root", &self.root)
            .field("encrypted", &self.manifest.is_encrypted)
            .finish()
    }
}

/// Reads a whole file of at most `limit` bytes.
pub(crate) fn read_limited(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>, BackupError> {
    let file = File::open(path).map_err(|e| BackupError::io(path, e))?;
    let meta = file.metadata().map_err(|e| BackupError::io(path, e))?;
    if !meta.is_file() {
        return Err(BackupError::io(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    if meta.len() > limit {
        return Err(BackupError::TooLarge {
            what: what.into(),
            size: meta.len(),
            limit,
        });
    }
    let mut out = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| BackupError::io(path, e))?;
    if out.len() as u64 > limit {
        return Err(BackupError::TooLarge {
            what: what.into(),
            size: out.len() as u64,
            limit,
        });
    }
    Ok(out)
}

/// The folder holding `Manifest.plist`: `path` itself, or its only sub-folder that has one
/// (a user may point at the folder of all backups on a computer that has one).
fn backup_root(path: &Path) -> Result<(PathBuf, Option<Diagnostic>), BackupError> {
    if path.join("Manifest.plist").is_file() {
        return Ok((path.to_path_buf(), None));
    }
    if path.join("Manifest.mbdb").is_file() {
        return Err(BackupError::NotABackup {
            path: path.into(),
            reason: "a Manifest.mbdb backup of iOS 9 or older, which is not supported".into(),
        });
    }
    let not_backup = |reason: &str| BackupError::NotABackup {
        path: path.into(),
        reason: reason.into(),
    };
    let dir = fs::read_dir(path).map_err(|e| BackupError::io(path, e))?;
    let mut found = Vec::new();
    for entry in dir.take(10_000).flatten() {
        let sub = entry.path();
        if sub.join("Manifest.plist").is_file() {
            found.push(sub);
        }
    }
    match found.as_slice() {
        [one] => Ok((
            one.clone(),
            Some(Diagnostic::new(
                "backup",
                format!(
                    "no Manifest.plist in the folder given; read the backup in {}",
                    one.display()
                ),
            )),
        )),
        [] => Err(not_backup("no Manifest.plist")),
        _ => Err(not_backup(
            "no Manifest.plist, and several sub-folders hold backups: choose one",
        )),
    }
}

fn open_manifest_db(bytes: Vec<u8>) -> Result<Connection, BackupError> {
    // Plaintext of an encrypted backup: wipe the copy SQLite does not own, on every path.
    let mut bytes = zeroize::Zeroizing::new(bytes);
    let bad = |m: String| BackupError::ManifestDb(m);
    if !bytes.starts_with(b"SQLite format 3\0") {
        return Err(bad(
            "not an SQLite database (an encrypted backup whose Manifest.plist says it is not?)"
                .into(),
        ));
    }
    // A database in WAL mode cannot be opened from memory; the header bytes 18 and 19 are the
    // only difference from a rollback-journal database when no WAL file comes with it.
    for i in [18, 19] {
        if let Some(b) = bytes.get_mut(i) {
            if *b == 2 {
                *b = 1;
            }
        }
    }
    let mut db = Connection::open_with_flags(
        ":memory:",
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| bad(e.to_string()))?;
    db.deserialize_read_exact(rusqlite::MAIN_DB, bytes.as_slice(), bytes.len(), true)
        .map_err(|e| bad(e.to_string()))?;
    drop(bytes);
    // A hostile database could carry triggers or views calling functions; none may run. Sorts
    // stay in memory: the decrypted manifest never reaches a temporary file.
    db.execute_batch(
        "PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF; PRAGMA query_only = ON;",
    )
    .map_err(|e| bad(e.to_string()))?;
    let kind: Option<String> = db
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Files'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| bad(format!("no Files table ({e})")))?;
    if kind.as_deref() != Some("table") {
        return Err(bad("Files is not a table".into()));
    }
    db.prepare(&format!("SELECT {COLUMNS} FROM Files LIMIT 1"))
        .map_err(|e| bad(format!("Files table lacks a column: {e}")))?;
    Ok(db)
}

const COLUMNS: &str = "rowid, fileID, domain, relativePath, flags, file";

fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

impl Backup {
    /// Opens the backup in `path`; `password` unlocks an encrypted one (ignored for a plain one).
    /// With the iteration counts iOS uses, unlocking takes a few seconds of key derivation.
    pub fn open(path: impl AsRef<Path>, password: Option<&str>) -> Result<Backup, BackupError> {
        Backup::open_with_limits(path, password, Limits::default())
    }

    /// [`Backup::open`] with limits other than the named defaults.
    pub fn open_with_limits(
        path: impl AsRef<Path>,
        password: Option<&str>,
        limits: Limits,
    ) -> Result<Backup, BackupError> {
        let (root, note) = backup_root(path.as_ref())?;
        let mut diagnostics = Diagnostics::default();
        if let Some(d) = note {
            diagnostics.push(d);
        }
        let manifest_bytes = read_limited(
            &root.join("Manifest.plist"),
            "Manifest.plist",
            limits.max_plist_bytes,
        )?;
        let manifest =
            ManifestPlist::parse(&manifest_bytes).map_err(|source| BackupError::Plist {
                file: "Manifest.plist".into(),
                source,
            })?;
        let db_path = root.join("Manifest.db");
        let mut db_bytes = read_limited(&db_path, "Manifest.db", limits.max_manifest_db_bytes)?;
        let keys = if manifest.is_encrypted {
            let password = password.ok_or(BackupError::PasswordRequired)?;
            let keybag_bytes = manifest
                .backup_keybag
                .as_deref()
                .ok_or(BackupError::Plist {
                    file: "Manifest.plist".into(),
                    source: crate::PlistError::Shape("encrypted, but no BackupKeyBag".into()),
                })?;
            let keybag = Keybag::parse(keybag_bytes)?;
            let keys = keybag.unlock(password.as_bytes()).map_err(|e| match e {
                UnlockError::WrongPassword => BackupError::WrongPassword,
                UnlockError::Keybag(k) => BackupError::Keybag(k),
            })?;
            let manifest_key = manifest.manifest_key.as_deref().ok_or(BackupError::Plist {
                file: "Manifest.plist".into(),
                source: crate::PlistError::Shape("encrypted, but no ManifestKey".into()),
            })?;
            let key = keys.unwrap_class_prefixed(manifest_key)?;
            crypto::decrypt_in_place(&key, &mut db_bytes)
                .map_err(|m| BackupError::ManifestDb(format!("cannot decrypt: {m}")))?;
            Some(keys)
        } else {
            None
        };
        let db = open_manifest_db(db_bytes)?;
        let mut info = BackupInfo::default();
        match read_limited(
            &root.join("Info.plist"),
            "Info.plist",
            limits.max_plist_bytes,
        )
        .and_then(|b| {
            parse_dictionary(&b).map_err(|source| BackupError::Plist {
                file: "Info.plist".into(),
                source,
            })
        }) {
            Ok(dict) => info.apply_info_plist(&dict),
            Err(e) => diagnostics.push(Diagnostic::new(
                "Info.plist",
                format!("unreadable, device details come from Manifest.plist only: {e}"),
            )),
        }
        info.apply_manifest(&manifest);
        match read_limited(
            &root.join("Status.plist"),
            "Status.plist",
            limits.max_plist_bytes,
        )
        .and_then(|b| {
            parse_dictionary(&b).map_err(|source| BackupError::Plist {
                file: "Status.plist".into(),
                source,
            })
        }) {
            Ok(dict) => info.apply_status(&dict),
            Err(e) => diagnostics.push(Diagnostic::new("Status.plist", format!("unreadable: {e}"))),
        }
        if info
            .snapshot_state
            .as_deref()
            .is_some_and(|s| s != "finished")
        {
            diagnostics.push(Diagnostic::new(
                "Status.plist",
                format!(
                    "the backup did not finish (state {}); files may be missing",
                    info.snapshot_state.as_deref().unwrap_or_default()
                ),
            ));
        }
        Ok(Backup {
            root,
            manifest,
            info,
            db,
            keys,
            limits,
            diagnostics: RefCell::new(diagnostics),
        })
    }

    /// The folder the backup was read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the backup is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.manifest.is_encrypted
    }

    /// The device and backup details.
    pub fn info(&self) -> &BackupInfo {
        &self.info
    }

    /// `Manifest.plist` as read.
    pub fn manifest_plist(&self) -> &ManifestPlist {
        &self.manifest
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The (decrypted) `Manifest.db` as SQLite bytes.
    pub fn manifest_db_bytes(&self) -> Result<Vec<u8>, BackupError> {
        self.db
            .serialize(rusqlite::MAIN_DB)
            .map(|d| d.to_vec())
            .map_err(|e| BackupError::ManifestDb(e.to_string()))
    }

    /// The manifest database, read-only, for queries this crate does not offer.
    pub fn manifest_db(&self) -> &Connection {
        &self.db
    }

    /// Records a diagnostic about this backup.
    pub fn diagnose(&self, d: Diagnostic) {
        self.diagnostics.borrow_mut().push(d);
    }

    /// The diagnostics recorded so far (unreadable rows, missing content); taking them empties
    /// the list.
    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        self.diagnostics.borrow_mut().take()
    }

    /// Every manifest entry, read in batches (bounded memory, at most
    /// [`Limits::max_entries`]); unreadable rows become diagnostics.
    pub fn entries(&self) -> Entries<'_> {
        Entries::new(self, None)
    }

    /// Entries whose domain and relative path match SQL `LIKE` patterns (`%` any run,
    /// `_` one character), e.g. `("AppDomain%", "%.sqlite")`.
    pub fn entries_like(&self, domain_like: &str, relative_path_like: &str) -> Entries<'_> {
        Entries::new(
            self,
            Some((domain_like.to_owned(), relative_path_like.to_owned())),
        )
    }

    fn entry_from_row(&self, row: &Row<'_>) -> Option<Entry> {
        let id_value = row.get_ref(1).ok()?;
        let domain = row.get_ref(2).ok().and_then(text).unwrap_or_default();
        let relative_path = row.get_ref(3).ok().and_then(text).unwrap_or_default();
        let source = if relative_path.is_empty() {
            domain.clone()
        } else {
            format!("{domain}/{relative_path}")
        };
        let file_id = match id_value {
            ValueRef::Text(t) => std::str::from_utf8(t).ok().filter(|s| is_valid_file_id(s)),
            _ => None,
        };
        let Some(file_id) = file_id else {
            self.diagnose(Diagnostic::new(
                source,
                format!(
                    "manifest row skipped: file ID {:?} is not 40 hex digits",
                    text(id_value)
                        .unwrap_or_default()
                        .chars()
                        .take(80)
                        .collect::<String>()
                ),
            ));
            return None;
        };
        let flags = match row.get_ref(4).ok() {
            Some(ValueRef::Integer(i)) => i,
            _ => 0,
        };
        let mut entry = Entry {
            file_id: file_id.to_owned(),
            domain,
            relative_path,
            kind: EntryKind::from_flags(flags),
            size: None,
            mtime: None,
            ctime: None,
            birth: None,
            mode: None,
            protection_class: None,
            target: None,
            encryption_key: None,
        };
        match row.get_ref(5).ok() {
            Some(ValueRef::Blob(blob)) if blob.len() > MAX_MBFILE_BYTES => {
                self.diagnose(Diagnostic::new(
                    source,
                    format!(
                        "file record of {} bytes skipped (limit {MAX_MBFILE_BYTES})",
                        blob.len()
                    ),
                ))
            }
            Some(ValueRef::Blob(blob)) => match MbFile::parse(blob) {
                Ok(m) => {
                    entry.size = m.size;
                    entry.mtime = m.last_modified;
                    entry.ctime = m.last_status_change;
                    entry.birth = m.birth;
                    entry.mode = m.mode;
                    entry.protection_class = m.protection_class;
                    entry.target = m.target;
                    entry.encryption_key = m.encryption_key;
                }
                Err(e) => self.diagnose(Diagnostic::new(
                    source,
                    format!("{e}; its path is still listed"),
                )),
            },
            Some(ValueRef::Null) | None => {}
            Some(_) => self.diagnose(Diagnostic::new(
                source,
                "file record is not a blob; its path is still listed",
            )),
        }
        Some(entry)
    }

    /// The entry for `domain` and `relative_path` (a file's row first when several match).
    pub fn find(&self, domain: &str, relative_path: &str) -> Result<Option<Entry>, BackupError> {
        let mut stmt = self
            .db
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM Files WHERE domain = ?1 AND relativePath = ?2 \
                 ORDER BY flags = 1 DESC, rowid LIMIT 1"
            ))
            .map_err(|e| BackupError::ManifestDb(e.to_string()))?;
        let mut rows = stmt
            .query((domain, relative_path))
            .map_err(|e| BackupError::ManifestDb(e.to_string()))?;
        match rows.next() {
            Ok(Some(row)) => Ok(self.entry_from_row(row)),
            Ok(None) => Ok(None),
            Err(e) => Err(BackupError::ManifestDb(e.to_string())),
        }
    }

    /// The content of `domain`/`relative_path`: `None` when the manifest does not list it, or
    /// lists it without content in the folder (recorded as a diagnostic; normal in a partial
    /// backup). Errors concern this one file only.
    pub fn read(&self, domain: &str, relative_path: &str) -> Result<Option<Vec<u8>>, BackupError> {
        match self.find(domain, relative_path)? {
            Some(entry) => self.read_entry(&entry),
            None => Ok(None),
        }
    }

    /// The content of `entry`, decrypted, at most [`Limits::max_read_bytes`]; `None` for a
    /// folder or link, or a file whose content is missing (recorded as a diagnostic).
    pub fn read_entry(&self, entry: &Entry) -> Result<Option<Vec<u8>>, BackupError> {
        let Some(mut reader) = self.open_entry(entry)? else {
            return Ok(None);
        };
        let limit = self.limits.max_read_bytes;
        let stored = reader.stored_len();
        // Ciphertext carries at most one block of padding more than the content.
        if stored > limit.saturating_add(BLOCK as u64) {
            return Err(BackupError::TooLarge {
                what: entry.path(),
                size: stored,
                limit,
            });
        }
        let mut out = Vec::with_capacity(usize::try_from(stored.min(limit)).unwrap_or(0));
        (&mut reader)
            .take(limit.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| BackupError::Content {
                path: entry.path(),
                message: e.to_string(),
            })?;
        if out.len() as u64 > limit {
            return Err(BackupError::TooLarge {
                what: entry.path(),
                size: out.len() as u64,
                limit,
            });
        }
        Ok(Some(out))
    }

    /// A stream of `entry`'s decrypted content, for files too large to hold in memory; `None`
    /// as for [`Backup::read_entry`].
    pub fn open_entry(&self, entry: &Entry) -> Result<Option<EntryReader>, BackupError> {
        if entry.kind != EntryKind::File {
            return Ok(None);
        }
        // Checked again: an `Entry` is plain data a caller could have built.
        if !is_valid_file_id(&entry.file_id) {
            return Err(BackupError::InvalidFileId(entry.file_id.clone()));
        }
        let prefix = entry.file_id.get(..2).unwrap_or_default();
        let path = self.root.join(prefix).join(&entry.file_id);
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if entry.size == Some(0) {
                    // Empty files may have no content file at all.
                    return Ok(Some(EntryReader::empty()));
                }
                self.diagnose(Diagnostic::new(
                    entry.path(),
                    format!(
                        "listed in the manifest but its content {prefix}/{} is not in the backup",
                        entry.file_id
                    ),
                ));
                return Ok(None);
            }
            Err(e) => return Err(BackupError::io(path, e)),
        };
        if !meta.is_file() {
            return Err(BackupError::Content {
                path: entry.path(),
                message: format!("content {prefix}/{} is not a regular file", entry.file_id),
            });
        }
        let file = File::open(&path).map_err(|e| BackupError::io(&path, e))?;
        let len = file
            .metadata()
            .map_err(|e| BackupError::io(&path, e))?
            .len();
        let Some(keys) = &self.keys else {
            return Ok(Some(EntryReader {
                inner: Inner::Plain(file.take(len)),
                stored_len: len,
            }));
        };
        let Some(wrapped) = &entry.encryption_key else {
            if len == 0 {
                return Ok(Some(EntryReader::empty()));
            }
            return Err(BackupError::Content {
                path: entry.path(),
                message: "encrypted backup, but the file has no encryption key".into(),
            });
        };
        if len == 0 {
            return Ok(Some(EntryReader::empty()));
        }
        let key = unwrap_file_key(keys, entry.protection_class, wrapped).map_err(|e| {
            BackupError::Content {
                path: entry.path(),
                message: format!("file key: {e}"),
            }
        })?;
        let reader =
            DecryptingReader::new(file, &key, len).ok_or_else(|| BackupError::Content {
                path: entry.path(),
                message: format!("encrypted content of {len} bytes is not a multiple of 16"),
            })?;
        Ok(Some(EntryReader {
            inner: Inner::Encrypted(Box::new(reader)),
            stored_len: len,
        }))
    }
}

/// A file's key: the record's protection class names the class key (as other readers of real
/// backups use it); the class in the key's own 4-byte prefix is tried when that fails.
fn unwrap_file_key(
    keys: &ClassKeys,
    record_class: Option<u32>,
    class_prefixed: &[u8],
) -> Result<crypto::Key, crate::KeybagError> {
    let (prefix_class, wrapped) =
        split_class_prefix(class_prefixed).ok_or(crate::KeybagError::BadItem {
            tag: "EncryptionKey".into(),
            offset: 0,
        })?;
    match record_class {
        Some(class) if class != prefix_class => keys
            .unwrap_with_class(class, wrapped)
            .or_else(|_| keys.unwrap_with_class(prefix_class, wrapped)),
        _ => keys.unwrap_with_class(prefix_class, wrapped),
    }
}

enum Inner {
    Empty,
    Plain(io::Take<File>),
    Encrypted(Box<DecryptingReader<File>>),
}

/// The decrypted content of one backed-up file, as a stream.
pub struct EntryReader {
    inner: Inner,
    stored_len: u64,
}

impl EntryReader {
    fn empty() -> EntryReader {
        EntryReader {
            inner: Inner::Empty,
            stored_len: 0,
        }
    }

    /// Size of the content file in the backup (ciphertext size when encrypted).
    pub fn stored_len(&self) -> u64 {
        self.stored_len
    }
}

impl Read for EntryReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Empty => Ok(0),
            Inner::Plain(f) => f.read(buf),
            Inner::Encrypted(r) => r.read(buf),
        }
    }
}

/// Rows fetched per query while iterating the manifest.
const BATCH: usize = 512;

/// Manifest entries in row order; see [`Backup::entries`].
pub struct Entries<'b> {
    backup: &'b Backup,
    filter: Option<(String, String)>,
    after_rowid: i64,
    batch: VecDeque<Entry>,
    done: bool,
    yielded: u64,
}

impl<'b> Entries<'b> {
    fn new(backup: &'b Backup, filter: Option<(String, String)>) -> Entries<'b> {
        Entries {
            backup,
            filter,
            after_rowid: i64::MIN,
            batch: VecDeque::new(),
            done: false,
            yielded: 0,
        }
    }

    fn fetch(&mut self) -> Result<(), rusqlite::Error> {
        let db = &self.backup.db;
        let where_filter = if self.filter.is_some() {
            " AND domain LIKE ?2 AND relativePath LIKE ?3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM Files WHERE rowid > ?1{where_filter} ORDER BY rowid LIMIT {BATCH}"
        );
        let mut stmt = db.prepare_cached(&sql)?;
        let mut rows = match &self.filter {
            Some((d, p)) => stmt.query((self.after_rowid, d, p))?,
            None => stmt.query([self.after_rowid])?,
        };
        let mut count = 0;
        while let Some(row) = rows.next()? {
            count += 1;
            self.after_rowid = row.get(0)?;
            if let Some(entry) = self.backup.entry_from_row(row) {
                self.batch.push_back(entry);
            }
        }
        if count < BATCH {
            self.done = true;
        }
        Ok(())
    }
}

impl Iterator for Entries<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        loop {
            if let Some(entry) = self.batch.pop_front() {
                if self.yielded >= self.backup.limits.max_entries {
                    self.backup.diagnose(Diagnostic::new(
                        "Manifest.db",
                        format!(
                            "more than {} entries; the rest are not read",
                            self.backup.limits.max_entries
                        ),
                    ));
                    self.batch.clear();
                    self.done = true;
                    return None;
                }
                self.yielded += 1;
                return Some(entry);
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                self.backup.diagnose(Diagnostic::new(
                    "Manifest.db",
                    format!("reading stopped after {} entries: {e}", self.yielded),
                ));
                self.done = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_stop_at_max_diagnostics_and_count_the_rest() {
        let mut d = Diagnostics::default();
        for i in 0..MAX_DIAGNOSTICS + 5 {
            d.push(Diagnostic::new("x", i.to_string()));
        }
        let taken = d.take();
        assert_eq!(taken.len(), MAX_DIAGNOSTICS + 1);
        assert_eq!(
            taken[MAX_DIAGNOSTICS - 1].message,
            (MAX_DIAGNOSTICS - 1).to_string()
        );
        assert_eq!(
            taken[MAX_DIAGNOSTICS].message,
            "5 more diagnostics left out"
        );
        assert!(d.take().is_empty());
    }

    #[test]
    fn file_keys_follow_the_record_class_then_the_prefix() {
        let keys = ClassKeys::from_keys(vec![
            (3, zeroize::Zeroizing::new([3; 32])),
            (4, zeroize::Zeroizing::new([4; 32])),
        ]);
        let wrapped = crypto::wrap_key(&[3; 32], &[9; 32]);
        let prefixed = |class: u32| [&class.to_le_bytes()[..], &wrapped[..]].concat();
        let unwrap = |record, class| unwrap_file_key(&keys, record, &prefixed(class)).map(|k| *k);
        assert_eq!(unwrap(Some(3), 3), Ok([9; 32]));
        assert_eq!(unwrap(Some(3), 4), Ok([9; 32]));
        assert_eq!(unwrap(Some(4), 3), Ok([9; 32]));
        assert_eq!(unwrap(None, 3), Ok([9; 32]));
        assert!(unwrap(None, 4).is_err());
        assert!(unwrap(Some(7), 4).is_err());
        assert!(unwrap_file_key(&keys, Some(3), &[3, 0]).is_err());
    }

    #[test]
    fn flags_map_to_kinds_and_back() {
        for flags in [1, 2, 4, 0, 3, -7] {
            assert_eq!(EntryKind::from_flags(flags).flags(), flags);
        }
    }
}
