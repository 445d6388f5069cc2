//! The on-disk outbox: one file per batch, written atomically.
//!
//! Layout under the outbox directory:
//! - `pending/ID.json`: batches waiting for a receipt, sent in name order;
//! - `rejected/ID.json`: batches the server refused as invalid (kept for a person to read,
//!   never sent again);
//! - `tmp/`: files being written; anything here after a crash is incomplete and removed;
//! - `counter`: the last batch number handed out.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use stingwatch_fleet_model::{BatchId, UploadBatch, MAX_ID};

/// Most pending batches kept; when full, [`Outbox::put`] refuses new ones (the sensor keeps
/// its recordings, so nothing is lost that cannot be made again).
pub const MAX_PENDING: usize = 100_000;

/// A directory of batches waiting to be uploaded.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

/// Writes `bytes` to `path` so that after a crash the file is either absent or complete:
/// written to a temporary name in `tmp`, flushed to disk, renamed, and the directory synced.
pub fn write_atomically(tmp: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let tmp_path = tmp.join(name);
    {
        let mut f = File::create(&tmp_path)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp_path, path)?;
    if let Some(parent) = path.parent() {
        // The rename is durable only once the directory entry is.
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    if getrandom::fill(&mut b).is_err() {
        // No random source: the counter alone still makes ids unique on this sensor.
        return "0".repeat(bytes * 2);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A string reduced to the batch-id alphabet, at most `max` bytes.
pub fn id_safe(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(max)
        .collect()
}

impl Outbox {
    /// Opens (creating) an outbox directory and removes unfinished temporary files.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Outbox> {
        let dir = dir.into();
        for sub in ["pending", "rejected", "tmp"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        for e in fs::read_dir(dir.join("tmp"))?.flatten() {
            let _ = fs::remove_file(e.path());
        }
        Ok(Outbox { dir })
    }

    /// The outbox directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new batch id: `PREFIX-NUMBER-RANDOM`, the number one more than the last one handed
    /// out (persisted first, so a crash never hands out a number twice), the random part so
    /// that a sensor whose disk was restored from an old copy still makes new ids.
    pub fn next_id(&self, prefix: &str) -> io::Result<BatchId> {
        let counter = self.dir.join("counter");
        let last: u64 = fs::read_to_string(&counter)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let next = last.saturating_add(1);
        write_atomically(&self.dir.join("tmp"), &counter, next.to_string().as_bytes())?;
        let prefix = id_safe(prefix, MAX_ID - 30);
        Ok(BatchId(format!("{prefix}-{next:010}-{}", random_hex(4))))
    }

    fn pending_path(&self, id: &BatchId) -> PathBuf {
        self.dir.join("pending").join(format!("{}.json", id.0))
    }

    /// Writes a batch into `pending/` atomically. A batch whose id is already pending is
    /// left as it is (the same id always carries the same content).
    pub fn put(&self, batch: &UploadBatch) -> io::Result<PathBuf> {
        batch
            .batch_id
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let path = self.pending_path(&batch.batch_id);
        if path.exists() {
            return Ok(path);
        }
        if self.pending()?.len() >= MAX_PENDING {
            return Err(io::Error::other(format!(
                "outbox {} holds {MAX_PENDING} batches; not adding more until some are sent",
                self.dir.display()
            )));
        }
        let json = serde_json::to_vec(batch).map_err(io::Error::other)?;
        write_atomically(&self.dir.join("tmp"), &path, &json)?;
        Ok(path)
    }

    /// Pending batch files, oldest id first.
    pub fn pending(&self) -> io::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = fs::read_dir(self.dir.join("pending"))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        v.sort();
        Ok(v)
    }

    /// Removes a batch after its receipt.
    pub fn done(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)?;
        File::open(self.dir.join("pending"))?.sync_all()
    }

    /// Moves a batch the server refused as invalid out of the way.
    pub fn reject(&self, path: &Path) -> io::Result<()> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        fs::rename(path, self.dir.join("rejected").join(name))?;
        File::open(self.dir.join("pending"))?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_fleet_model::PROTOCOL_VERSION;

    fn batch(id: BatchId) -> UploadBatch {
        UploadBatch {
            protocol: PROTOCOL_VERSION,
            batch_id: id,
            created_ms: 1,
            observations: vec![],
            findings: vec![],
            evidence: vec![],
        }
    }

    #[test]
    fn ids_increase_survive_reopening_and_files_are_listed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path()).unwrap();
        let a = ob.next_id("roof 1/ä").unwrap();
        let b = ob.next_id("roof 1/ä").unwrap();
        assert!(a.validate().is_ok(), "{a:?}");
        assert!(a.0.starts_with("roof_1__-0000000001-"));
        assert!(b.0.starts_with("roof_1__-0000000002-"));
        let ob = Outbox::open(dir.path()).unwrap();
        let c = ob.next_id("roof").unwrap();
        assert!(c.0.starts_with("roof-0000000003-"));
        for id in [c.clone(), a.clone(), b.clone()] {
            ob.put(&batch(id)).unwrap();
        }
        let names: Vec<String> = ob
            .pending()
            .unwrap()
            .iter()
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![c.0.clone(), a.0.clone(), b.0.clone()]);
        let first = ob.pending().unwrap().remove(0);
        ob.done(&first).unwrap();
        let second = ob.pending().unwrap().remove(0);
        ob.reject(&second).unwrap();
        assert_eq!(ob.pending().unwrap().len(), 1);
        assert!(dir
            .path()
            .join("rejected")
            .join(format!("{}.json", a.0))
            .is_file());
    }

    #[test]
    fn leftover_temporary_files_are_removed_and_never_listed() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path()).unwrap();
        fs::write(dir.path().join("tmp").join("half.json"), b"{\"proto").unwrap();
        let ob2 = Outbox::open(dir.path()).unwrap();
        assert!(ob2.pending().unwrap().is_empty());
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        drop(ob);
    }
}
