//! A decrypted copy of an encrypted backup, written only when the user asks for one
//! (`stingwatch phone decrypt-backup`).

use plist::Value;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};
use stingwatch_phone_model::Diagnostic;

use crate::reader::{read_limited, EntryKind};
use crate::writer::write_new;
use crate::{is_valid_file_id, Backup, BackupError};

/// What [`decrypt_to`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecryptSummary {
    /// The folder written.
    pub out_dir: PathBuf,
    /// Files whose content was written.
    pub files: u64,
    /// Bytes of content written.
    pub bytes: u64,
    /// Files listed but not written (missing or damaged content); each has a diagnostic.
    pub skipped: u64,
    /// What could not be copied, and why.
    pub diagnostics: Vec<Diagnostic>,
}

/// Writes `backup` as a plain backup into `out_dir` (created; must be empty if it exists):
/// the decrypted `Manifest.db`, every file's content, `Manifest.plist` with `IsEncrypted`
/// false, and `Info.plist` and `Status.plist` as they are. Only content files named by valid
/// file IDs are written, so nothing lands outside `out_dir`.
pub fn decrypt_to(
    backup: &Backup,
    out_dir: impl AsRef<Path>,
) -> Result<DecryptSummary, BackupError> {
    decrypt_to_with_progress(backup, out_dir, &mut |_, _| {})
}

/// [`decrypt_to`], calling `progress(files done, files listed)` as it goes.
pub fn decrypt_to_with_progress(
    backup: &Backup,
    out_dir: impl AsRef<Path>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DecryptSummary, BackupError> {
    let out = out_dir.as_ref();
    check_output(backup.root(), out)?;
    let db = backup.manifest_db_bytes()?;
    write_new(&out.join("Manifest.db"), &db)?;
    drop(db);

    let mut manifest = backup.manifest_plist().raw.clone();
    manifest.insert("IsEncrypted".into(), Value::Boolean(false));
    manifest.remove("ManifestKey");
    let mut bytes = Vec::new();
    Value::Dictionary(manifest)
        .to_writer_binary(&mut bytes)
        .map_err(|e| {
            BackupError::io(out.join("Manifest.plist"), io::Error::other(e.to_string()))
        })?;
    write_new(&out.join("Manifest.plist"), &bytes)?;
    let limit = backup.limits().max_plist_bytes;
    for name in ["Info.plist", "Status.plist"] {
        let from = backup.root().join(name);
        if from.is_file() {
            let bytes = read_limited(&from, name, limit)?;
            write_new(&out.join(name), &bytes)?;
        }
    }

    let total: u64 = backup
        .manifest_db()
        .query_row("SELECT count(*) FROM Files WHERE flags = 1", [], |r| {
            r.get(0)
        })
        .unwrap_or(0);
    let mut summary = DecryptSummary {
        out_dir: out.to_path_buf(),
        ..DecryptSummary::default()
    };
    let mut done = 0u64;
    for entry in backup.entries() {
        if entry.kind != EntryKind::File {
            continue;
        }
        done += 1;
        if !is_valid_file_id(&entry.file_id) {
            // Entries are checked when read; this keeps the guarantee local.
            return Err(BackupError::InvalidFileId(entry.file_id));
        }
        let outcome = match backup.open_entry(&entry) {
            Ok(Some(mut reader)) => copy_content(out, &entry.file_id, &mut reader, entry.mtime),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Some(n)) => {
                summary.files += 1;
                summary.bytes += n;
            }
            Ok(None) => summary.skipped += 1,
            Err(e) => {
                summary.skipped += 1;
                backup.diagnose(Diagnostic::new(entry.path(), format!("not copied: {e}")));
            }
        }
        if done.is_multiple_of(1000) {
            progress(done, total);
        }
    }
    progress(done, total);
    summary.diagnostics = backup.take_diagnostics();
    Ok(summary)
}

fn check_output(root: &Path, out: &Path) -> Result<(), BackupError> {
    let refuse = |reason: &str| BackupError::Output {
        path: out.into(),
        reason: reason.into(),
    };
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(refuse(
                    "folder is not empty; a decrypted copy goes only into an empty or new folder",
                ));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(out).map_err(|e| BackupError::io(out, e))?;
        }
        Err(e) => return Err(BackupError::io(out, e)),
    }
    let real_out = fs::canonicalize(out).map_err(|e| BackupError::io(out, e))?;
    let real_root = fs::canonicalize(root).map_err(|e| BackupError::io(root, e))?;
    if real_out.starts_with(&real_root) {
        return Err(refuse(
            "inside the backup itself; choose a folder outside it",
        ));
    }
    Ok(())
}

/// Copies one file's content to `out/<id[0..2]>/<id>`; the number of bytes written.
fn copy_content(
    out: &Path,
    file_id: &str,
    reader: &mut impl io::Read,
    mtime: Option<stingwatch_phone_model::UnixMillis>,
) -> Result<Option<u64>, BackupError> {
    let folder = out.join(file_id.get(..2).unwrap_or_default());
    match fs::create_dir(&folder) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(BackupError::io(&folder, e)),
    }
    let path = folder.join(file_id);
    let mut file: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| BackupError::io(&path, e))?;
    let n = io::copy(reader, &mut file).map_err(|e| BackupError::io(&path, e))?;
    file.flush().map_err(|e| BackupError::io(&path, e))?;
    if let Some(m) = mtime.filter(|m| m.0 >= 0) {
        // Timestamps are a convenience for people browsing the copy; failing to set one is harmless.
        let _ = file.set_modified(UNIX_EPOCH + Duration::from_millis(m.0.unsigned_abs()));
    }
    Ok(Some(n))
}
