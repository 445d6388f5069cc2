//! The checks over a real backup folder, plain or encrypted: [`Backup`] as a [`BackupSource`].
//!
//! Everything goes through the opened [`Backup`]: the manifest from its in-memory database, each
//! file decrypted as a stream into memory, never onto the disk.

use crate::source::{BackupSource, ManifestEntry};
use std::fs::File;
use std::io::Read;
use stingwatch_ios_backup::{Backup, Entry, EntryKind};
use stingwatch_phone_model::Diagnostic;

/// Files at the top of a backup folder the checks may ask for; no other name becomes a path.
pub const BACKUP_ROOT_FILES: [&str; 3] = ["Info.plist", "Manifest.plist", "Status.plist"];

fn manifest_entry(entry: Entry) -> ManifestEntry {
    ManifestEntry {
        is_dir: entry.kind == EntryKind::Directory,
        domain: entry.domain,
        relative_path: entry.relative_path,
        file_id: entry.file_id,
        size: entry.size,
        mtime: entry.mtime,
    }
}

/// Reads at most `max + 1` bytes of `reader` (the extra byte shows the caller the content is
/// over `max`); content over `own`, the backup's limit, when that is the smaller, is an error,
/// since the caller would otherwise take a cut file for a whole one. Content damaged part-way
/// (a cut or corrupted ciphertext) gives the bytes before the damage and a diagnostic, so a
/// database still yields its first pages.
fn read_bounded(
    backup: &Backup,
    reader: impl Read,
    max: usize,
    own: usize,
    what: &str,
) -> Result<Vec<u8>, String> {
    let cap = max.min(own);
    let mut out = Vec::new();
    if let Err(e) = reader
        .take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut out)
    {
        if out.is_empty() {
            return Err(format!("{what}: {e}"));
        }
        backup.diagnose(Diagnostic::new(
            what,
            format!(
                "content unreadable after {} bytes ({e}); the bytes before are checked",
                out.len()
            ),
        ));
    }
    if out.len() > own && own < max {
        return Err(format!(
            "{what}: over the backup's limit of {own} bytes for one file"
        ));
    }
    Ok(out)
}

impl BackupSource for Backup {
    fn entries(&self, visit: &mut dyn FnMut(ManifestEntry)) -> Result<(), String> {
        // Unreadable rows and the entry limit are the backup's diagnostics, forwarded by the
        // scan; the listing itself never fails once the backup is open.
        for entry in Backup::entries(self) {
            visit(manifest_entry(entry));
        }
        Ok(())
    }

    fn read(&self, domain: &str, relative_path: &str) -> Result<Option<Vec<u8>>, String> {
        let max = usize::try_from(self.limits().max_read_bytes).unwrap_or(usize::MAX);
        self.read_at_most(domain, relative_path, max)
    }

    fn read_at_most(
        &self,
        domain: &str,
        relative_path: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>, String> {
        let Some(entry) = self
            .find(domain, relative_path)
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        match entry.kind {
            EntryKind::File => {}
            EntryKind::Symlink => {
                return Err(format!(
                    "a symbolic link (to {:?}), not a file",
                    entry.target.as_deref().unwrap_or("?")
                ))
            }
            // A folder where a check expects a file: nothing to read, and nothing lost.
            EntryKind::Directory => return Ok(None),
            EntryKind::Other(flags) => {
                return Err(format!("manifest flags {flags}, not a file"));
            }
        }
        let own = usize::try_from(self.limits().max_read_bytes).unwrap_or(usize::MAX);
        match self.open_entry(&entry).map_err(|e| e.to_string())? {
            Some(reader) => read_bounded(self, reader, max, own, &entry.path()).map(Some),
            None => Ok(None),
        }
    }

    fn read_backup_file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        if !BACKUP_ROOT_FILES.contains(&name) {
            return Ok(None);
        }
        let path = self.root().join(name);
        // A link could point anywhere on the computer; the backup's own files are never links.
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => return Err(format!("{}: not a regular file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
        let file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let own = usize::try_from(self.limits().max_plist_bytes).unwrap_or(usize::MAX);
        read_bounded(self, file, crate::plists::MAX_PLIST_BYTES, own, name).map(Some)
    }

    fn take_diagnostics(&self) -> Vec<Diagnostic> {
        Backup::take_diagnostics(self)
    }
}
