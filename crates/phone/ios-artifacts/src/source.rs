//! What the checks need from a backup container, and two simple containers.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use stingwatch_phone_model::{Diagnostic, UnixMillis};

/// One file or folder the backup's manifest lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The backup domain, e.g. `HomeDomain` or `AppDomain-com.example.app`.
    pub domain: String,
    /// The path inside the domain, e.g. `Library/SMS/sms.db`.
    pub relative_path: String,
    /// The backup's id of the file (SHA-1 of `domain-relative_path`), empty when unknown.
    pub file_id: String,
    /// Size in bytes, when the manifest says.
    pub size: Option<u64>,
    /// Last modification on the phone, when the manifest says.
    pub mtime: Option<UnixMillis>,
    /// Whether it is a folder.
    pub is_dir: bool,
}

/// A backup container (plain or decrypted in memory) as the checks see it.
pub trait BackupSource {
    /// Visits every manifest entry once, in any order. An error ends the listing; entries
    /// visited before it are kept.
    fn entries(&self, visit: &mut dyn FnMut(ManifestEntry)) -> Result<(), String>;
    /// The content of one file, None when the backup does not hold it. A container may refuse
    /// (Err) a file larger than it is willing to load.
    fn read(&self, domain: &str, relative_path: &str) -> Result<Option<Vec<u8>>, String>;
    /// A file at the top of the backup folder beside Manifest.db (`Info.plist`,
    /// `Manifest.plist`), None when absent.
    fn read_backup_file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let _ = name;
        Ok(None)
    }
    /// [`BackupSource::read`] that loads at most `max + 1` bytes: a container whose manifest
    /// understates a file's size still never loads more than the check's limit (the extra byte
    /// tells the check the file is over it). The default reads the whole file.
    fn read_at_most(
        &self,
        domain: &str,
        relative_path: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>, String> {
        let _ = max;
        self.read(domain, relative_path)
    }
    /// What the container itself could not read since the last call (damaged manifest rows,
    /// missing content); [`crate::scan_backup`] forwards them to its sink. Taking them empties
    /// the list.
    fn take_diagnostics(&self) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// A backup held in memory: files by (domain, relative path), plus top-level files.
#[derive(Debug, Clone, Default)]
pub struct MemoryBackup {
    /// File contents by (domain, relative path).
    pub files: BTreeMap<(String, String), Vec<u8>>,
    /// Top-level files (`Info.plist`, `Manifest.plist`) by name.
    pub backup_files: BTreeMap<String, Vec<u8>>,
    /// The modification time every entry reports.
    pub mtime: Option<UnixMillis>,
}

impl MemoryBackup {
    /// A backup of `files` given as (domain, relative path, content).
    pub fn new(files: Vec<(String, String, Vec<u8>)>) -> MemoryBackup {
        MemoryBackup {
            files: files
                .into_iter()
                .map(|(domain, path, bytes)| ((domain, path), bytes))
                .collect(),
            ..MemoryBackup::default()
        }
    }
}

impl BackupSource for MemoryBackup {
    fn entries(&self, visit: &mut dyn FnMut(ManifestEntry)) -> Result<(), String> {
        for ((domain, path), bytes) in &self.files {
            visit(ManifestEntry {
                domain: domain.clone(),
                relative_path: path.clone(),
                file_id: String::new(),
                size: Some(bytes.len() as u64),
                mtime: self.mtime,
                is_dir: false,
            });
        }
        Ok(())
    }

    fn read(&self, domain: &str, relative_path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self
            .files
            .get(&(domain.to_string(), relative_path.to_string()))
            .cloned())
    }

    fn read_backup_file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.backup_files.get(name).cloned())
    }
}

/// A folder laid out as `ROOT/domain/relative_path`, with top-level backup files (`Info.plist`)
/// directly in ROOT. Symbolic links are neither listed nor followed.
#[derive(Debug, Clone)]
pub struct FolderBackup {
    /// The folder.
    pub root: PathBuf,
}

/// Deepest folder nesting [`FolderBackup`] lists.
pub const MAX_FOLDER_DEPTH: usize = 64;

impl FolderBackup {
    /// The file for (domain, relative path), None when a part would leave the folder.
    fn path_of(&self, parts: &[&str]) -> Option<PathBuf> {
        let mut path = self.root.clone();
        for part in parts {
            for component in Path::new(part).components() {
                match component {
                    Component::Normal(name) => path.push(name),
                    _ => return None,
                }
            }
        }
        Some(path)
    }

    fn read_plain(path: &Path) -> Result<Option<Vec<u8>>, String> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => std::fs::read(path)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

impl BackupSource for FolderBackup {
    fn entries(&self, visit: &mut dyn FnMut(ManifestEntry)) -> Result<(), String> {
        let list = |dir: &Path| -> Result<Vec<std::fs::DirEntry>, String> {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .filter_map(Result::ok)
                .collect();
            entries.sort_by_key(|e| e.file_name());
            Ok(entries)
        };
        for domain_entry in list(&self.root)? {
            let Ok(kind) = domain_entry.file_type() else {
                continue;
            };
            if !kind.is_dir() {
                continue;
            }
            let domain = domain_entry.file_name().to_string_lossy().into_owned();
            let mut pending = vec![(domain_entry.path(), String::new(), 0usize)];
            while let Some((dir, prefix, depth)) = pending.pop() {
                for entry in list(&dir)? {
                    let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                        continue;
                    };
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let relative_path = if prefix.is_empty() {
                        name
                    } else {
                        format!("{prefix}/{name}")
                    };
                    let mtime = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .and_then(|d| i64::try_from(d.as_millis()).ok())
                        .map(UnixMillis);
                    if meta.is_dir() && depth < MAX_FOLDER_DEPTH {
                        pending.push((entry.path(), relative_path.clone(), depth + 1));
                    } else if !meta.is_file() {
                        continue;
                    }
                    visit(ManifestEntry {
                        domain: domain.clone(),
                        relative_path,
                        file_id: String::new(),
                        size: meta.is_file().then_some(meta.len()),
                        mtime,
                        is_dir: meta.is_dir(),
                    });
                }
            }
        }
        Ok(())
    }

    fn read(&self, domain: &str, relative_path: &str) -> Result<Option<Vec<u8>>, String> {
        match self.path_of(&[domain, relative_path]) {
            Some(path) => FolderBackup::read_plain(&path),
            None => Ok(None),
        }
    }

    fn read_backup_file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        match self.path_of(&[name]) {
            Some(path) => FolderBackup::read_plain(&path),
            None => Ok(None),
        }
    }
}
