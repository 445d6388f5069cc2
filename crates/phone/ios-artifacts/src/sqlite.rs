//! SQLite databases from a backup, opened from memory and read row by row.
//!
//! A database is deserialized into SQLite's in-memory store, read-only, so decrypted content is
//! never written to disk. Rows are streamed in storage order (no `ORDER BY`, which would read a
//! whole table before the first row) so that a database damaged half-way still yields the rows
//! before the damage; the error then becomes a [`Diagnostic`].

use crate::text::bounded_lossy;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use stingwatch_phone_model::{Diagnostic, RecordSink};

/// Largest database read, in bytes (SQLite holds a second copy while it is open).
pub const MAX_DATABASE_BYTES: usize = 512 * 1024 * 1024;
/// Most rows read from one query; the rest are counted in a diagnostic.
pub const MAX_ROWS_PER_TABLE: usize = 1_000_000;
/// Longest text or blob value kept from one column, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// SQLite virtual-machine steps one query may take (a crafted schema can make a join slow).
pub const MAX_SQL_STEPS_PER_QUERY: u64 = 500_000_000;
/// Steps between two checks of [`MAX_SQL_STEPS_PER_QUERY`].
const STEPS_PER_CHECK: u64 = 10_000;

/// How much of a query was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streamed {
    /// Rows handed over.
    pub rows: usize,
    /// Whether the query ran to its end (no error, no limit reached).
    pub complete: bool,
}

/// An open read-only in-memory database.
pub struct MemDb {
    conn: Connection,
    steps: Arc<AtomicU64>,
    /// Where it came from, e.g. `HomeDomain/Library/SMS/sms.db`.
    pub source: String,
}

impl MemDb {
    /// Opens `bytes` as a database; a diagnostic and None when it is not one.
    pub fn open(source: &str, mut bytes: Vec<u8>, sink: &mut dyn RecordSink) -> Option<MemDb> {
        let fail = |sink: &mut dyn RecordSink, why: String| {
            sink.diagnostic(Diagnostic::new(source, why));
            None
        };
        if bytes.len() > MAX_DATABASE_BYTES {
            return fail(
                sink,
                format!(
                    "database of {} bytes is over the {MAX_DATABASE_BYTES} byte limit; not read",
                    bytes.len()
                ),
            );
        }
        if !bytes.starts_with(b"SQLite format 3\0") || bytes.len() < 100 {
            return fail(
                sink,
                "not an SQLite database (no SQLite header); not read".into(),
            );
        }
        // A database in write-ahead-log mode says so in its header (bytes 18 and 19 are 2);
        // SQLite's in-memory store cannot open the log, so the copy is marked as a plain
        // rollback-journal database. Changes still only in the -wal file are not seen.
        if let Some(versions) = bytes.get_mut(18..20) {
            if versions == [2, 2] {
                versions.copy_from_slice(&[1, 1]);
            }
        }
        // SQLite refuses a file shorter than the page count in its header; the copy is cut to
        // whole pages and told its real size, so the pages that are there can still be read.
        let page_size = match bytes.get(16..18) {
            Some([1, 0]) => 65_536,
            Some([hi, lo]) => usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => 0,
        };
        if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
            return fail(
                sink,
                format!("invalid page size {page_size} in the header; not read"),
            );
        }
        let pages = bytes.len() / page_size;
        if pages == 0 {
            return fail(
                sink,
                format!("file is shorter than one {page_size} byte page; not read"),
            );
        }
        bytes.truncate(pages * page_size);
        let header_pages = bytes
            .get(28..32)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
        if header_pages > pages {
            sink.diagnostic(Diagnostic::new(
                source,
                format!(
                    "the file holds {pages} of the {header_pages} pages its header announces \
                     (truncated); reading the pages that are there"
                ),
            ));
            if let Some(count) = bytes.get_mut(28..32) {
                count.copy_from_slice(&(pages as u32).to_be_bytes());
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_MEMORY;
        let mut conn = match Connection::open_in_memory_with_flags(flags) {
            Ok(conn) => conn,
            Err(e) => return fail(sink, format!("could not open an in-memory database: {e}")),
        };
        let len = bytes.len();
        if let Err(e) = conn.deserialize_read_exact("main", bytes.as_slice(), len, true) {
            return fail(sink, format!("could not load the database: {e}"));
        }
        drop(bytes);
        let steps = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&steps);
        conn.progress_handler(
            STEPS_PER_CHECK as i32,
            Some(move || {
                counter.fetch_add(STEPS_PER_CHECK, Ordering::Relaxed) + STEPS_PER_CHECK
                    > MAX_SQL_STEPS_PER_QUERY
            }),
        );
        // Untrusted schemas may name triggers or views; none may run code or touch files. Sorts
        // and transient indices stay in memory too: content decrypted from a backup never
        // reaches a temporary file.
        let _ = conn.execute_batch(
            "PRAGMA temp_store = MEMORY; PRAGMA query_only = ON; PRAGMA trusted_schema = OFF;",
        );
        Some(MemDb {
            conn,
            steps,
            source: source.to_string(),
        })
    }

    /// Names of the columns of `table`, empty when it is missing or unreadable.
    pub fn columns(&self, table: &str) -> Vec<String> {
        let sql = format!("PRAGMA table_info(\"{}\")", table.replace('"', "\"\""));
        self.steps.store(0, Ordering::Relaxed);
        let Ok(mut stmt) = self.conn.prepare(&sql) else {
            return Vec::new();
        };
        let Ok(rows) = stmt.query_map([], |row| row.get::<_, String>(1)) else {
            return Vec::new();
        };
        rows.filter_map(Result::ok).take(4096).collect()
    }

    /// Whether `table` exists.
    pub fn has_table(&self, table: &str) -> bool {
        !self.columns(table).is_empty()
    }

    /// Runs the first of `queries` that SQLite accepts and hands each row to `each`, in
    /// storage order, up to [`MAX_ROWS_PER_TABLE`]. A query that fails part-way keeps the
    /// rows before the failure and adds a diagnostic naming `what`. Returns how much was read,
    /// or None when no query was accepted (the table is missing or has another shape).
    pub fn stream(
        &self,
        what: &str,
        queries: &[&str],
        sink: &mut dyn RecordSink,
        each: &mut dyn FnMut(&Row<'_>, &mut dyn RecordSink),
    ) -> Option<Streamed> {
        let mut last_error = String::new();
        for sql in queries {
            self.steps.store(0, Ordering::Relaxed);
            let mut stmt = match self.conn.prepare(sql) {
                Ok(stmt) => stmt,
                // A missing table or column: the next query may fit an older schema.
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::Unknown) => {
                    last_error = e.to_string();
                    continue;
                }
                Err(e) => {
                    sink.diagnostic(Diagnostic::new(
                        &self.source,
                        format!("{what}: could not read the database: {}", self.explain(&e)),
                    ));
                    return Some(Streamed {
                        rows: 0,
                        complete: false,
                    });
                }
            };
            let mut rows = match stmt.query([]) {
                Ok(rows) => rows,
                Err(e) => {
                    sink.diagnostic(Diagnostic::new(
                        &self.source,
                        format!("{what}: could not read: {}", self.explain(&e)),
                    ));
                    return Some(Streamed {
                        rows: 0,
                        complete: false,
                    });
                }
            };
            let mut count = 0usize;
            loop {
                match rows.next() {
                    Ok(Some(row)) => {
                        if count >= MAX_ROWS_PER_TABLE {
                            sink.diagnostic(Diagnostic::new(
                                &self.source,
                                format!(
                                    "{what}: stopped after {MAX_ROWS_PER_TABLE} rows (the limit); \
                                     later rows were not read"
                                ),
                            ));
                            return Some(Streamed {
                                rows: count,
                                complete: false,
                            });
                        }
                        count += 1;
                        each(row, sink);
                    }
                    Ok(None) => {
                        return Some(Streamed {
                            rows: count,
                            complete: true,
                        })
                    }
                    Err(e) => {
                        sink.diagnostic(Diagnostic::new(
                            &self.source,
                            format!(
                                "{what}: reading stopped after {count} rows: {}; the rows \
                                 before were kept",
                                self.explain(&e)
                            ),
                        ));
                        return Some(Streamed {
                            rows: count,
                            complete: false,
                        });
                    }
                }
            }
        }
        sink.diagnostic(Diagnostic::new(
            &self.source,
            format!("{what}: the database has no table of the expected shape ({last_error})"),
        ));
        None
    }

    fn explain(&self, e: &rusqlite::Error) -> String {
        if self.steps.load(Ordering::Relaxed) > MAX_SQL_STEPS_PER_QUERY {
            format!("the query took more than {MAX_SQL_STEPS_PER_QUERY} steps (the limit)")
        } else {
            e.to_string()
        }
    }
}

/// Text of a column (text, or a blob as lossy UTF-8), at most [`MAX_TEXT_BYTES`].
pub fn text(row: &Row<'_>, index: usize) -> Option<String> {
    match row.get_ref(index).ok()? {
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(bounded_lossy(t, MAX_TEXT_BYTES)),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(r) => Some(r.to_string()),
        ValueRef::Null => None,
    }
    .filter(|s| !s.is_empty())
}

/// Whether a text or blob column is longer than [`MAX_TEXT_BYTES`] (and so was cut by [`text`]).
pub fn was_cut(row: &Row<'_>, index: usize) -> bool {
    matches!(row.get_ref(index), Ok(ValueRef::Text(t) | ValueRef::Blob(t)) if t.len() > MAX_TEXT_BYTES)
}

/// A column as a number (integer, real, or numeric text).
pub fn number(row: &Row<'_>, index: usize) -> Option<f64> {
    match row.get_ref(index).ok()? {
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Real(r) => Some(r),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A column as an integer.
pub fn integer(row: &Row<'_>, index: usize) -> Option<i64> {
    match row.get_ref(index).ok()? {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(r) if r.is_finite() => Some(r as i64),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A blob column, at most `max` bytes; None when longer or not a blob.
pub fn blob<'r>(row: &'r Row<'_>, index: usize, max: usize) -> Option<&'r [u8]> {
    match row.get_ref(index).ok()? {
        ValueRef::Blob(b) if b.len() <= max => Some(b),
        _ => None,
    }
}
