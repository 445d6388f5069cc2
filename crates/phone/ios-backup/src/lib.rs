//! iTunes/Finder iOS backups, plain and encrypted: the container the iOS checks read from.
//!
//! A backup is a folder with `Manifest.plist` (device, keybag, whether it is encrypted),
//! `Info.plist`, `Status.plist`, `Manifest.db` (one SQLite row per file: domain, relative path,
//! flags and an archived `MBFile` record) and the files' contents under
//! `<fileID[0..2]>/<fileID>`, where the file ID is the SHA-1 of `domain-relativePath`.
//!
//! In an encrypted backup, `Manifest.db` and every file are AES-256-CBC encrypted with keys
//! wrapped (RFC 3394) by class keys, which the keybag in `Manifest.plist` wraps in turn with a
//! key stretched from the backup password. [`Backup::open`] unlocks it and keeps everything it
//! decrypts in memory; nothing decrypted reaches the disk unless the user asks for a decrypted
//! copy ([`decrypt_to`]).
//!
//! [`BackupWriter`] writes real backups, plain or encrypted, for the project's own fixtures.
//!
//! Every byte of a backup may come from an attacker: sizes are checked against the named
//! limits in [`Limits`], file IDs are checked before they become paths, and damage to one file
//! or row becomes a [`Diagnostic`](stingwatch_phone_model::Diagnostic) while the rest is read.

#![forbid(unsafe_code)]

mod crypto;
mod decrypt;
pub mod keybag;
pub mod mbfile;
mod password;
pub mod plistread;
pub mod plists;
mod reader;
mod writer;

pub use decrypt::{decrypt_to, decrypt_to_with_progress, DecryptSummary};
pub use keybag::{Keybag, KeybagError};
pub use mbfile::{MbFile, MbFileError};
pub use password::{password_from_env_or_prompt, PASSWORD_ENV};
pub use plists::{BackupInfo, DeviceIdentifiers, InstalledApp, ManifestPlist, PlistError};
pub use reader::{Backup, Entries, Entry, EntryKind, EntryReader};
pub use writer::{AppSpec, BackupWriter, WriterOptions};

use std::path::PathBuf;

/// Largest `Manifest.db` read into memory: 1 GiB. A backup of a million files has a manifest
/// of a few hundred MB; SQLite's in-memory open also caps a database below 2 GiB.
pub const MAX_MANIFEST_DB_BYTES: u64 = 1 << 30;

/// Largest file content [`Backup::read`] loads into memory: 1 GiB (a large message database).
/// Bigger files are still readable as a stream with [`Backup::open_entry`].
pub const MAX_READ_BYTES: u64 = 1 << 30;

/// Most `Manifest.db` rows [`Backup::entries`] yields: 5 million, several times the largest
/// real backups.
pub const MAX_ENTRIES: u64 = 5_000_000;

/// Largest `Manifest.plist`, `Info.plist` or `Status.plist`: 256 MiB (`Info.plist` carries
/// every app's store metadata and icons).
pub const MAX_PLIST_BYTES: u64 = 256 << 20;

/// Largest archived `MBFile` record in one `Manifest.db` row: 1 MiB (real ones are 1-3 KB).
pub const MAX_MBFILE_BYTES: usize = 1 << 20;

/// Most diagnostics one backup keeps; past it only a count of those left out is kept.
pub const MAX_DIAGNOSTICS: usize = 10_000;

/// The size limits a [`Backup`] enforces; [`Limits::default`] holds the named constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest `Manifest.db` ([`MAX_MANIFEST_DB_BYTES`]).
    pub max_manifest_db_bytes: u64,
    /// Largest file read into memory ([`MAX_READ_BYTES`]).
    pub max_read_bytes: u64,
    /// Most manifest rows yielded ([`MAX_ENTRIES`]).
    pub max_entries: u64,
    /// Largest top-level property list ([`MAX_PLIST_BYTES`]).
    pub max_plist_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_manifest_db_bytes: MAX_MANIFEST_DB_BYTES,
            max_read_bytes: MAX_READ_BYTES,
            max_entries: MAX_ENTRIES,
            max_plist_bytes: MAX_PLIST_BYTES,
        }
    }
}

/// Why a backup, or one file of it, could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The password does not unlock the backup's keybag.
    #[error("wrong backup password: it does not unlock the backup's keybag")]
    WrongPassword,
    /// The backup is encrypted and no password was given.
    #[error("the backup is encrypted: give its password (set STINGWATCH_BACKUP_PASSWORD or answer the prompt)")]
    PasswordRequired,
    /// The folder holds no `Manifest.plist`, so it is not a backup.
    #[error("{path}: not an iOS backup ({reason})")]
    NotABackup {
        /// The folder given.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A property list could not be read.
    #[error("{file}: {source}")]
    Plist {
        /// Which one, e.g. `Manifest.plist`.
        file: String,
        /// What is wrong with it.
        source: PlistError,
    },
    /// The keybag in `Manifest.plist` is malformed.
    #[error("Manifest.plist: backup keybag: {0}")]
    Keybag(#[from] KeybagError),
    /// `Manifest.db` is not a readable manifest database.
    #[error("Manifest.db: {0}")]
    ManifestDb(String),
    /// Something is larger than its named limit.
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// What, e.g. `Manifest.db` or a file's domain and path.
        what: String,
        /// Its size.
        size: u64,
        /// The limit it exceeds.
        limit: u64,
    },
    /// A manifest row names a file ID that is not 40 hex digits (a path traversal attempt or
    /// damage); it is never turned into a path.
    #[error("invalid file ID {0:?}: not 40 hex digits")]
    InvalidFileId(String),
    /// One file's content could not be decrypted or read.
    #[error("{path}: {message}")]
    Content {
        /// Domain and relative path of the file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The output folder of a decrypted copy or a written backup is unusable.
    #[error("{path}: {reason}")]
    Output {
        /// The folder or file.
        path: PathBuf,
        /// Why it is refused.
        reason: String,
    },
    /// Writing a backup was given an entry it cannot hold.
    #[error("cannot add {domain}/{relative_path}: {reason}")]
    InvalidEntry {
        /// The entry's domain.
        domain: String,
        /// The entry's relative path.
        relative_path: String,
        /// Why.
        reason: String,
    },
    /// The operating system gave no random bytes for new keys.
    #[error("no random bytes for backup keys: {0}")]
    Random(String),
}

impl BackupError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> BackupError {
        BackupError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Whether `id` is a well-formed file ID: exactly 40 hex digits, so that
/// `<backup>/<id[0..2]>/<id>` can never leave the backup folder.
pub fn is_valid_file_id(id: &str) -> bool {
    id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The file ID of `domain` and `relative_path`: lower-case hex SHA-1 of `domain-relativePath`.
pub fn file_id(domain: &str, relative_path: &str) -> String {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(domain.as_bytes());
    hasher.update(b"-");
    hasher.update(relative_path.as_bytes());
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_ids_are_sha1_of_domain_and_path() {
        // SHA-1 of "HomeDomain-Library/SMS/sms.db", the message database every backup has.
        assert_eq!(
            file_id("HomeDomain", "Library/SMS/sms.db"),
            "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
        );
        assert!(is_valid_file_id("3d0d7e5fb2ce288813306e4d4636395e047a3d28"));
    }

    #[test]
    fn traversal_file_ids_are_invalid() {
        for id in [
            "../../../../../../../../../../etc/passwd",
            "3d/../../../../../../../../../../../../x",
            "",
            "3d0d7e5fb2ce288813306e4d4636395e047a3d2",
            "3d0d7e5fb2ce288813306e4d4636395e047a3d28/",
            "3d0d7e5fb2ce288813306e4d4636395e047a3d2g",
            "/d0d7e5fb2ce288813306e4d4636395e047a3d28",
        ] {
            assert!(!is_valid_file_id(id), "{id}");
        }
    }
}
