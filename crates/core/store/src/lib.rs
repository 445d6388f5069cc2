//! Crash-safe store of live recordings.
//!
//! Layout of a data directory:
//!
//! ```text
//! DIR/index.sqlite            recordings, findings (JSON), cells (JSON)
//! DIR/recordings/000001.qmdl  one append-only HDLC-framed DIAG segment per recording
//! ```
//!
//! Crash safety rests on two rules. Segments are only ever appended to, one whole frame per
//! write, so after a `kill -9` (or power loss, up to the last fsync) a segment is a run of
//! complete frames plus at most one torn tail, which [`Store::open`] cuts off. And the index is
//! SQLite in WAL mode with full synchronisation: a finding whose row was committed survives
//! any crash, so callers commit before they tell anyone.

#![forbid(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// HDLC flag that ends every DIAG frame.
const FLAG: u8 = 0x7E;
/// Directory of the segments inside the data directory.
pub const SEGMENT_DIR: &str = "recordings";
/// Name of the SQLite index inside the data directory.
pub const INDEX_FILE: &str = "index.sqlite";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or directory operation failed.
    #[error("{path}: {source}")]
    Io {
        /// File or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The SQLite index failed.
    #[error("index {path}: {source}")]
    Sql {
        /// The index file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
}

/// Result of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// How much disk the store may use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Keep at least this share of the file system free (percent, 0–100).
    pub min_free_percent: f64,
    /// Never hold more than this many bytes of segments, when set.
    pub max_bytes: Option<u64>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            min_free_percent: 10.0,
            max_bytes: None,
        }
    }
}

/// What enforcing the budget did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BudgetReport {
    /// Recordings whose segment was deleted to make room.
    pub deleted: Vec<i64>,
    /// True when the budget is still exceeded with nothing left to delete: stop writing.
    pub exhausted: bool,
    /// Free bytes on the file system afterwards.
    pub free_bytes: u64,
    /// Size of the file system.
    pub total_bytes: u64,
    /// Bytes held by segments afterwards.
    pub used_bytes: u64,
}

/// One recording as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recording {
    /// Stable id.
    pub id: i64,
    /// Segment path relative to the data directory.
    pub file: String,
    /// What was recorded (`device /dev/diag`, `replay x.qmdl`).
    pub source: String,
    /// Wall-clock start, Unix milliseconds.
    pub started_unix_ms: i64,
    /// Wall-clock end, Unix milliseconds; `None` while it is being recorded.
    pub ended_unix_ms: Option<i64>,
    /// Bytes in the segment.
    pub bytes: u64,
    /// Radio messages in the segment, as far as counted.
    pub messages: u64,
    /// Torn bytes cut off the end of the segment after a crash.
    pub torn_bytes: u64,
    /// Whether the segment was deleted by the disk budget.
    pub deleted: bool,
    /// Findings made on this recording.
    pub findings: u64,
}

/// A segment cut back after a crash, to be analysed again by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The recording.
    pub id: i64,
    /// Absolute path of its segment.
    pub path: PathBuf,
    /// Segment path relative to the data directory (the `file` of its findings).
    pub file: String,
    /// Bytes kept.
    pub bytes: u64,
    /// Bytes cut off the end.
    pub torn_bytes: u64,
}

/// Whether storing a finding added it, changed it or found it unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// First time this finding was stored.
    New,
    /// Stored before with other content (more occurrences, another severity); the severity
    /// it was stored with.
    Changed {
        /// Severity of the content it replaced.
        previous_severity: String,
    },
    /// Stored before with the same content.
    Same,
}

/// The data directory: segments and their index.
pub struct Store {
    dir: PathBuf,
    index: PathBuf,
    conn: Connection,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS recordings (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    source TEXT NOT NULL,
    started_unix_ms INTEGER NOT NULL,
    ended_unix_ms INTEGER,
    bytes INTEGER NOT NULL DEFAULT 0,
    messages INTEGER NOT NULL DEFAULT 0,
    torn_bytes INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER,
    key TEXT NOT NULL UNIQUE,
    severity TEXT NOT NULL,
    json TEXT NOT NULL,
    first_stored_unix_ms INTEGER NOT NULL,
    updated_unix_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
    recording_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (recording_id, key)
);
";

impl Store {
    /// Open (creating when needed) the store in `dir`, and recover every recording a crash
    /// left open: its segment is cut back to the last complete frame and the recording closed.
    pub fn open(dir: &Path) -> Result<(Store, Vec<Recovered>)> {
        let segments = dir.join(SEGMENT_DIR);
        std::fs::create_dir_all(&segments).map_err(io_err(&segments))?;
        let index = dir.join(INDEX_FILE);
        let sql = |source| StoreError::Sql {
            path: index.clone(),
            source,
        };
        let conn = Connection::open(&index).map_err(sql)?;
        // WAL keeps readers (the web page) from blocking the writer; FULL makes each commit
        // durable across power loss, which is what "every reported finding survives" needs.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        let store = Store {
            dir: dir.to_path_buf(),
            index: index.clone(),
            conn,
        };
        let recovered = store.recover()?;
        Ok((store, recovered))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn sql(&self) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sql {
            path: self.index.clone(),
            source,
        }
    }

    fn recover(&self) -> Result<Vec<Recovered>> {
        let open: Vec<(i64, String)> = {
            let mut st = self
                .conn
                .prepare("SELECT id, file FROM recordings WHERE ended_unix_ms IS NULL ORDER BY id")
                .map_err(self.sql())?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(self.sql())?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(self.sql())?
        };
        let mut out = Vec::new();
        for (id, file) in open {
            let path = self.dir.join(&file);
            let (bytes, torn) = match OpenOptions::new().read(true).write(true).open(&path) {
                Ok(mut f) => truncate_torn_tail(&mut f).map_err(io_err(&path))?,
                // The row is written before the file is created: a crash in between leaves
                // a recording with nothing in it.
                Err(e) if e.kind() == io::ErrorKind::NotFound => (0, 0),
                Err(e) => return Err(io_err(&path)(e)),
            };
            let ended = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or_else(now_ms);
            self.conn
                .execute(
                    "UPDATE recordings SET ended_unix_ms = max(?2, started_unix_ms), bytes = ?3,
                     torn_bytes = torn_bytes + ?4 WHERE id = ?1",
                    params![id, ended, bytes as i64, torn as i64],
                )
                .map_err(self.sql())?;
            out.push(Recovered {
                id,
                path,
                file,
                bytes,
                torn_bytes: torn,
            });
        }
        Ok(out)
    }

    /// Start a recording: its row is committed first, then its empty segment is created.
    pub fn begin_recording(&self, source: &str) -> Result<SegmentWriter> {
        let started = now_ms();
        self.conn
            .execute(
                "INSERT INTO recordings (file, source, started_unix_ms) VALUES ('', ?1, ?2)",
                params![source, started],
            )
            .map_err(self.sql())?;
        let id = self.conn.last_insert_rowid();
        let file = format!("{SEGMENT_DIR}/{id:06}.qmdl");
        self.conn
            .execute(
                "UPDATE recordings SET file = ?2 WHERE id = ?1",
                params![id, file],
            )
            .map_err(self.sql())?;
        let path = self.dir.join(&file);
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        // The new directory entry must survive power loss too.
        if let Ok(d) = File::open(self.dir.join(SEGMENT_DIR)) {
            let _ = d.sync_all();
        }
        Ok(SegmentWriter {
            id,
            file,
            path,
            out: f,
            bytes: 0,
            dirty: false,
            last_sync: Instant::now(),
        })
    }

    /// Record how far a recording has got (bytes and messages).
    pub fn update_recording(&self, id: i64, bytes: u64, messages: u64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE recordings SET bytes = ?2, messages = ?3 WHERE id = ?1",
                params![id, bytes as i64, messages as i64],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Close a recording.
    pub fn end_recording(&self, id: i64, bytes: u64, messages: u64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE recordings SET bytes = ?2, messages = ?3, ended_unix_ms = ?4 WHERE id = ?1",
                params![id, bytes as i64, messages as i64, now_ms()],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Store (or update) one finding, as JSON, under a caller-chosen stable key.
    ///
    /// The row is committed when this returns: only then may the finding be shown or sent.
    pub fn put_finding(
        &self,
        recording: Option<i64>,
        key: &str,
        severity: &str,
        json: &str,
    ) -> Result<PutOutcome> {
        let old: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT json, severity FROM findings WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql())?;
        let now = now_ms();
        match old {
            Some((j, _)) if j == json => Ok(PutOutcome::Same),
            Some((_, previous_severity)) => {
                self.conn
                    .execute(
                        "UPDATE findings SET severity = ?2, json = ?3, updated_unix_ms = ?4
                         WHERE key = ?1",
                        params![key, severity, json, now],
                    )
                    .map_err(self.sql())?;
                Ok(PutOutcome::Changed { previous_severity })
            }
            None => {
                self.conn
                    .execute(
                        "INSERT INTO findings (recording_id, key, severity, json,
                         first_stored_unix_ms, updated_unix_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                        params![recording, key, severity, json, now],
                    )
                    .map_err(self.sql())?;
                Ok(PutOutcome::New)
            }
        }
    }

    /// Whether a finding is stored under `key`.
    pub fn finding_exists(&self, key: &str) -> Result<bool> {
        self.conn
            .query_row("SELECT 1 FROM findings WHERE key = ?1", [key], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(self.sql())
    }

    /// Every stored finding's JSON, oldest first.
    pub fn findings(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT json FROM findings ORDER BY id")
            .map_err(self.sql())?;
        let rows = st.query_map([], |r| r.get(0)).map_err(self.sql())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.sql())
    }

    /// Stable keys of every stored finding.
    pub fn finding_keys(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT key FROM findings ORDER BY id")
            .map_err(self.sql())?;
        let rows = st.query_map([], |r| r.get(0)).map_err(self.sql())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.sql())
    }

    /// Number of stored findings.
    pub fn finding_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM findings", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(self.sql())
    }

    /// Store the cells seen in a recording (JSON per cell, keyed by the caller).
    pub fn put_cells(&self, recording: i64, cells: &[(String, String)]) -> Result<()> {
        for (key, json) in cells {
            self.conn
                .execute(
                    "INSERT INTO cells (recording_id, key, json) VALUES (?1, ?2, ?3)
                     ON CONFLICT(recording_id, key) DO UPDATE SET json = excluded.json",
                    params![recording, key, json],
                )
                .map_err(self.sql())?;
        }
        Ok(())
    }

    /// Every stored cell's JSON.
    pub fn cells(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT json FROM cells ORDER BY recording_id, key")
            .map_err(self.sql())?;
        let rows = st.query_map([], |r| r.get(0)).map_err(self.sql())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.sql())
    }

    /// Every recording, newest first.
    pub fn recordings(&self) -> Result<Vec<Recording>> {
        self.query_recordings("ORDER BY r.id DESC", [])
    }

    /// One recording, when it exists.
    pub fn recording(&self, id: i64) -> Result<Option<Recording>> {
        Ok(self
            .query_recordings("WHERE r.id = ?1", [id])?
            .into_iter()
            .next())
    }

    fn query_recordings<P: rusqlite::Params>(&self, tail: &str, p: P) -> Result<Vec<Recording>> {
        let q = format!(
            "SELECT r.id, r.file, r.source, r.started_unix_ms, r.ended_unix_ms, r.bytes,
             r.messages, r.torn_bytes, r.deleted,
             (SELECT count(*) FROM findings f WHERE f.recording_id = r.id)
             FROM recordings r {tail}"
        );
        let mut st = self.conn.prepare(&q).map_err(self.sql())?;
        let rows = st
            .query_map(p, |r| {
                Ok(Recording {
                    id: r.get(0)?,
                    file: r.get(1)?,
                    source: r.get(2)?,
                    started_unix_ms: r.get(3)?,
                    ended_unix_ms: r.get(4)?,
                    bytes: r.get::<_, i64>(5)?.max(0) as u64,
                    messages: r.get::<_, i64>(6)?.max(0) as u64,
                    torn_bytes: r.get::<_, i64>(7)?.max(0) as u64,
                    deleted: r.get::<_, i64>(8)? != 0,
                    findings: r.get::<_, i64>(9)?.max(0) as u64,
                })
            })
            .map_err(self.sql())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.sql())
    }

    /// Absolute path of a recording's segment.
    ///
    /// Only paths the store wrote itself are ever joined, so a request cannot name a file.
    pub fn segment_path(&self, rec: &Recording) -> PathBuf {
        self.dir.join(&rec.file)
    }

    /// Delete the oldest recordings (never `current`; those without findings first) until the
    /// disk budget holds. `exhausted` says it could not be met.
    pub fn enforce_budget(&self, budget: &Budget, current: Option<i64>) -> Result<BudgetReport> {
        let mut report = BudgetReport::default();
        loop {
            let (free, total) = disk_space(&self.dir).map_err(io_err(&self.dir))?;
            let used: i64 = self
                .conn
                .query_row(
                    "SELECT coalesce(sum(bytes), 0) FROM recordings WHERE deleted = 0",
                    [],
                    |r| r.get(0),
                )
                .map_err(self.sql())?;
            report.free_bytes = free;
            report.total_bytes = total;
            report.used_bytes = used.max(0) as u64;
            let free_ok =
                total == 0 || (free as f64) * 100.0 >= budget.min_free_percent * total as f64;
            let size_ok = match budget.max_bytes {
                Some(m) => report.used_bytes <= m,
                None => true,
            };
            if free_ok && size_ok {
                report.exhausted = false;
                return Ok(report);
            }
            let victim: Option<(i64, String)> = self
                .conn
                .query_row(
                    "SELECT r.id, r.file FROM recordings r WHERE r.deleted = 0
                     AND r.ended_unix_ms IS NOT NULL AND r.id IS NOT ?1
                     ORDER BY (SELECT count(*) FROM findings f WHERE f.recording_id = r.id) > 0,
                     r.id LIMIT 1",
                    params![current],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(self.sql())?;
            let Some((id, file)) = victim else {
                report.exhausted = true;
                return Ok(report);
            };
            let path = self.dir.join(&file);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&path)(e)),
            }
            self.conn
                .execute(
                    "UPDATE recordings SET deleted = 1, bytes = 0 WHERE id = ?1",
                    [id],
                )
                .map_err(self.sql())?;
            report.deleted.push(id);
        }
    }
}

/// Free and total bytes of the file system holding `dir`.
pub fn disk_space(dir: &Path) -> io::Result<(u64, u64)> {
    let s = rustix::fs::statvfs(dir).map_err(io::Error::from)?;
    Ok((
        s.f_bavail.saturating_mul(s.f_frsize),
        s.f_blocks.saturating_mul(s.f_frsize),
    ))
}

/// Cut a segment back to just after its last frame flag; returns (bytes kept, bytes cut).
///
/// Escaping guarantees 0x7E never occurs inside a frame, so the last flag ends the last
/// complete frame and anything after it is a frame torn by the crash.
pub fn truncate_torn_tail(f: &mut File) -> io::Result<(u64, u64)> {
    let len = f.seek(SeekFrom::End(0))?;
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    let keep = loop {
        if end == 0 {
            break 0;
        }
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        let chunk = buf.get_mut(..n).unwrap_or(&mut []);
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(chunk)?;
        if let Some(i) = memrchr(FLAG, chunk) {
            break start + i as u64 + 1;
        }
        end = start;
    };
    if keep < len {
        f.set_len(keep)?;
        f.sync_all()?;
    }
    Ok((keep, len - keep))
}

fn memrchr(b: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().rposition(|&x| x == b)
}

/// The open segment of the recording in progress.
///
/// Each frame goes to the file in one `write` (so it reaches the kernel at once and a crash of
/// the process loses nothing written); `sync` makes it durable against power loss too and is
/// called periodically and whenever a finding is about to be committed.
pub struct SegmentWriter {
    id: i64,
    file: String,
    path: PathBuf,
    out: File,
    bytes: u64,
    dirty: bool,
    last_sync: Instant,
}

impl SegmentWriter {
    /// The recording's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Segment path relative to the data directory.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Absolute segment path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Append whole frames.
    pub fn append(&mut self, frames: &[u8]) -> io::Result<()> {
        self.out.write_all(frames)?;
        self.bytes += frames.len() as u64;
        self.dirty = true;
        Ok(())
    }

    /// Make everything written so far durable.
    pub fn sync(&mut self) -> io::Result<()> {
        if self.dirty {
            self.out.sync_data()?;
            self.dirty = false;
        }
        self.last_sync = Instant::now();
        Ok(())
    }

    /// Sync when the last sync is older than `every`.
    pub fn sync_if_older(&mut self, every: std::time::Duration) -> io::Result<()> {
        if self.dirty && self.last_sync.elapsed() >= every {
            self.sync()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sw-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        stingwatch_diag::hdlc::encode_frame(payload, &mut out);
        out
    }

    #[test]
    fn torn_tail_is_cut_at_recovery() {
        let dir = tmp("torn");
        let (store, rec) = Store::open(&dir).unwrap();
        assert!(rec.is_empty());
        let mut seg = store.begin_recording("test").unwrap();
        let a = frame(&[0x10, 1, 2, 3]);
        let b = frame(&[0x10, 4, 5, 0x7E, 6]);
        seg.append(&a).unwrap();
        seg.append(&b).unwrap();
        // A torn third frame: no closing flag.
        seg.append(&[0x10, 7, 8]).unwrap();
        let id = seg.id();
        let path = seg.path().to_path_buf();
        drop(seg);
        drop(store);
        let (store, rec) = Store::open(&dir).unwrap();
        assert_eq!(rec.len(), 1);
        assert_eq!(rec[0].id, id);
        assert_eq!(rec[0].torn_bytes, 3);
        let kept = std::fs::read(&path).unwrap();
        assert_eq!(kept, [a, b].concat());
        let r = store.recording(id).unwrap().unwrap();
        assert!(r.ended_unix_ms.is_some());
        assert_eq!(r.bytes, kept.len() as u64);
        assert_eq!(r.torn_bytes, 3);
        // Recovered once: a second start finds nothing to do.
        drop(store);
        let (_s, rec) = Store::open(&dir).unwrap();
        assert!(rec.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn segment_without_any_flag_is_emptied() {
        let dir = tmp("noflag");
        let (store, _) = Store::open(&dir).unwrap();
        let mut seg = store.begin_recording("test").unwrap();
        seg.append(&[1, 2, 3]).unwrap();
        let path = seg.path().to_path_buf();
        drop(seg);
        drop(store);
        let (_s, rec) = Store::open(&dir).unwrap();
        assert_eq!(rec[0].bytes, 0);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn findings_upsert_and_survive_reopen() {
        let dir = tmp("findings");
        let (store, _) = Store::open(&dir).unwrap();
        let seg = store.begin_recording("test").unwrap();
        let id = Some(seg.id());
        assert_eq!(
            store.put_finding(id, "k1", "high", "{\"a\":1}").unwrap(),
            PutOutcome::New
        );
        assert_eq!(
            store.put_finding(id, "k1", "high", "{\"a\":1}").unwrap(),
            PutOutcome::Same
        );
        assert_eq!(
            store.put_finding(id, "k1", "high", "{\"a\":2}").unwrap(),
            PutOutcome::Changed {
                previous_severity: "high".into()
            }
        );
        drop(seg);
        drop(store);
        let (store, _) = Store::open(&dir).unwrap();
        assert_eq!(store.findings().unwrap(), vec!["{\"a\":2}".to_string()]);
        assert_eq!(store.finding_count().unwrap(), 1);
        let recs = store.recordings().unwrap();
        assert_eq!(recs[0].findings, 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn budget_deletes_oldest_without_findings_first() {
        let dir = tmp("budget");
        let (store, _) = Store::open(&dir).unwrap();
        let mut ids = Vec::new();
        for i in 0..3 {
            let mut seg = store.begin_recording("test").unwrap();
            seg.append(&vec![0x7E; 1000]).unwrap();
            store.end_recording(seg.id(), 1000, 0).unwrap();
            if i == 0 {
                store
                    .put_finding(Some(seg.id()), "k", "high", "{}")
                    .unwrap();
            }
            ids.push(seg.id());
        }
        let current = store.begin_recording("test").unwrap();
        let budget = Budget {
            min_free_percent: 0.0,
            max_bytes: Some(1500),
        };
        let r = store.enforce_budget(&budget, Some(current.id())).unwrap();
        // The two without findings go first (oldest first); then the one with a finding.
        assert_eq!(r.deleted, vec![ids[1], ids[2]]);
        assert!(!r.exhausted);
        let tight = Budget {
            min_free_percent: 0.0,
            max_bytes: Some(0),
        };
        let r = store.enforce_budget(&tight, Some(current.id())).unwrap();
        assert_eq!(r.deleted, vec![ids[0]]);
        assert!(!r.exhausted, "only the open, empty recording is left");
        let impossible = Budget {
            min_free_percent: 100.0,
            max_bytes: None,
        };
        let r = store
            .enforce_budget(&impossible, Some(current.id()))
            .unwrap();
        assert!(r.exhausted);
        assert!(
            store
                .recordings()
                .unwrap()
                .iter()
                .filter(|r| r.deleted)
                .count()
                == 3
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
