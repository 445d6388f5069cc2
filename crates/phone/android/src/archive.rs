//! One view over an acquisition that is either a folder or a zip: member names, and member
//! contents read into memory under hard limits. Nothing is ever extracted to disk.
//!
//! Declared sizes in a zip are never trusted: every member is read through `take` with the
//! per-member limit plus one byte, and the compression ratio is checked while reading, so a
//! zip bomb stops after at most [`MAX_MEMBER_BYTES`] of output.

use std::fs;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use stingwatch_phone_model::{Diagnostic, RecordSink};

/// Most members (files in a folder, entries in a zip) one acquisition may list.
pub const MAX_MEMBERS: usize = 200_000;
/// Most bytes read from one member; a full bugreport's dumpstate text is typically 20-150 MB.
pub const MAX_MEMBER_BYTES: u64 = 512 * 1024 * 1024;
/// Most bytes read from all members of one acquisition together (nested archives included).
pub const MAX_TOTAL_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Highest ratio of uncompressed to compressed size accepted for a zip member; text such as
/// dumpstate compresses 10-30 times, a zip bomb thousands of times.
pub const MAX_COMPRESSION_RATIO: u64 = 200;
/// Output a member may produce regardless of its ratio, so tiny members of repetitive text
/// (a property file of blank values) are not refused.
pub const RATIO_ALLOWANCE_BYTES: u64 = 1024 * 1024;
/// Deepest folder nesting walked in a folder acquisition.
pub const MAX_FOLDER_DEPTH: usize = 24;
/// Longest member name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 4096;

/// A `Read + Seek` source for the zip reader: a file on disk or bytes in memory.
trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

enum Backing {
    Folder(PathBuf),
    Zip(Box<zip::ZipArchive<Box<dyn ReadSeek>>>),
    /// Members recovered from a zip whose central directory could not be read, by walking its
    /// local headers from the start; held in memory (within the total limit).
    Salvaged(Vec<Vec<u8>>),
}

/// One member: its normalised name (forward slashes, no leading `./`) and where it lives.
#[derive(Debug, Clone)]
struct Member {
    name: String,
    /// Index in the zip, in the salvaged list, or unused for folders.
    index: usize,
    compressed: u64,
}

/// A folder or zip acquisition opened for reading.
pub struct Archive {
    label: String,
    backing: Backing,
    members: Vec<Member>,
    /// Bytes read so far, shared with nested archives opened from this one.
    budget_used: u64,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("label", &self.label)
            .field("members", &self.members.len())
            .finish()
    }
}

/// Why a member name is refused, or `None` when it is safe to use.
pub fn unsafe_name_reason(name: &str) -> Option<&'static str> {
    if name.contains('\0') {
        return Some("contains a NUL byte");
    }
    if name.len() > MAX_NAME_BYTES {
        return Some("is too long");
    }
    let unified = name.replace('\\', "/");
    if unified.starts_with('/') {
        return Some("is an absolute path");
    }
    let bytes = unified.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Some("names a drive");
    }
    if unified.split('/').any(|part| part == "..") {
        return Some("climbs out of the archive with `..`");
    }
    None
}

fn normalise(name: &str) -> String {
    let unified = name.replace('\\', "/");
    let trimmed = unified.trim_start_matches("./");
    trimmed.to_string()
}

impl Archive {
    /// Opens a folder or a zip file on disk; `None` (with a diagnostic) when neither can be read.
    pub fn open(path: &Path, sink: &mut dyn RecordSink) -> Option<Archive> {
        let label = path.display().to_string();
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                sink.diagnostic(Diagnostic::new(label, format!("cannot open: {e}")));
                return None;
            }
        };
        if meta.is_dir() {
            return Some(Archive::open_folder(path, label, sink));
        }
        let file = match fs::File::open(path) {
            Ok(file) => file,
            Err(e) => {
                sink.diagnostic(Diagnostic::new(label, format!("cannot open: {e}")));
                return None;
            }
        };
        match Archive::open_zip(label.clone(), Box::new(file), sink, 0) {
            Ok(archive) => Some(archive),
            Err(_) => {
                let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                if size > MAX_MEMBER_BYTES {
                    sink.diagnostic(Diagnostic::new(
                        label.clone(),
                        format!("damaged zip of {size} bytes: only its first {MAX_MEMBER_BYTES} bytes are searched for members"),
                    ));
                }
                let mut bytes = Vec::new();
                let read = fs::File::open(path)
                    .and_then(|f| f.take(MAX_MEMBER_BYTES).read_to_end(&mut bytes));
                if let Err(e) = read {
                    sink.diagnostic(Diagnostic::new(label, format!("cannot read: {e}")));
                    return None;
                }
                Archive::salvage(label, &bytes, sink, 0)
            }
        }
    }

    /// Opens a zip held in memory (a test's or a fuzzer's bytes, or a nested zip), recovering
    /// the members of a damaged one from its local headers.
    pub fn from_zip_bytes(
        label: impl Into<String>,
        bytes: Vec<u8>,
        sink: &mut dyn RecordSink,
    ) -> Option<Archive> {
        Archive::zip_or_salvage(label.into(), bytes, sink, 0)
    }

    fn zip_or_salvage(
        label: String,
        bytes: Vec<u8>,
        sink: &mut dyn RecordSink,
        used: u64,
    ) -> Option<Archive> {
        if zip::ZipArchive::new(Cursor::new(bytes.as_slice())).is_ok() {
            Archive::open_zip(label, Box::new(Cursor::new(bytes)), sink, used).ok()
        } else {
            Archive::salvage(label, &bytes, sink, used)
        }
    }

    fn open_folder(root: &Path, label: String, sink: &mut dyn RecordSink) -> Archive {
        let mut members = Vec::new();
        let mut stack: Vec<(PathBuf, usize)> = vec![(root.to_path_buf(), 0)];
        let mut too_many = false;
        while let Some((dir, depth)) = stack.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    sink.diagnostic(Diagnostic::new(
                        dir.display().to_string(),
                        format!("cannot list folder: {e}"),
                    ));
                    continue;
                }
            };
            for entry in entries {
                let path = match entry {
                    Ok(e) => e.path(),
                    Err(e) => {
                        sink.diagnostic(Diagnostic::new(
                            dir.display().to_string(),
                            format!("folder entry unreadable: {e}"),
                        ));
                        continue;
                    }
                };
                // Symbolic links are not followed: they could point anywhere on this machine.
                let Ok(meta) = fs::symlink_metadata(&path) else {
                    continue;
                };
                let rel = match path.strip_prefix(root) {
                    Ok(r) => r.to_string_lossy().replace('\\', "/"),
                    Err(_) => continue,
                };
                if meta.file_type().is_symlink() {
                    sink.diagnostic(Diagnostic::new(
                        format!("{label}/{rel}"),
                        "symbolic link skipped",
                    ));
                } else if meta.is_dir() {
                    if depth + 1 > MAX_FOLDER_DEPTH {
                        sink.diagnostic(Diagnostic::new(
                            format!("{label}/{rel}"),
                            format!("folder nested deeper than {MAX_FOLDER_DEPTH} levels skipped"),
                        ));
                    } else {
                        stack.push((path, depth + 1));
                    }
                } else if meta.is_file() {
                    if members.len() >= MAX_MEMBERS {
                        too_many = true;
                        break;
                    }
                    members.push(Member {
                        name: rel,
                        index: 0,
                        compressed: meta.len(),
                    });
                }
            }
            if too_many {
                break;
            }
        }
        if too_many {
            sink.diagnostic(Diagnostic::new(
                label.clone(),
                format!("more than {MAX_MEMBERS} files; the rest were not read"),
            ));
        }
        members.sort_by(|a, b| a.name.cmp(&b.name));
        Archive {
            label,
            backing: Backing::Folder(root.to_path_buf()),
            members,
            budget_used: 0,
        }
    }

    fn open_zip(
        label: String,
        reader: Box<dyn ReadSeek>,
        sink: &mut dyn RecordSink,
        budget_used: u64,
    ) -> Result<Archive, zip::result::ZipError> {
        let mut zip = zip::ZipArchive::new(reader)?;
        let count = zip.len();
        if count > MAX_MEMBERS {
            sink.diagnostic(Diagnostic::new(
                label.clone(),
                format!("zip lists {count} members; only the first {MAX_MEMBERS} are read"),
            ));
        }
        let mut members = Vec::new();
        for index in 0..count.min(MAX_MEMBERS) {
            let file = match zip.by_index_raw(index) {
                Ok(f) => f,
                Err(e) => {
                    sink.diagnostic(Diagnostic::new(
                        format!("{label}#{index}"),
                        format!("zip member unreadable: {e}"),
                    ));
                    continue;
                }
            };
            if file.is_dir() {
                continue;
            }
            let raw = String::from_utf8_lossy(file.name_raw()).into_owned();
            if let Some(reason) = unsafe_name_reason(&raw) {
                sink.diagnostic(Diagnostic::new(
                    format!("{label}/{}", raw.escape_debug()),
                    format!("member skipped: its name {reason}"),
                ));
                continue;
            }
            members.push(Member {
                name: normalise(&raw),
                index,
                compressed: file.compressed_size(),
            });
        }
        Ok(Archive {
            label,
            backing: Backing::Zip(Box::new(zip)),
            members,
            budget_used,
        })
    }

    /// Recovers members of a zip whose central directory is gone by walking its local
    /// headers. Written here rather than with the zip crate's stream reader because that one
    /// cannot follow members whose sizes come after their data (a data descriptor, as
    /// streaming writers such as the phone's own produce): a deflated member ends where its
    /// deflate stream ends, which the decoder reports.
    fn salvage(
        label: String,
        bytes: &[u8],
        sink: &mut dyn RecordSink,
        mut budget_used: u64,
    ) -> Option<Archive> {
        sink.diagnostic(Diagnostic::new(
            label.clone(),
            "zip central directory unreadable (truncated or damaged); members recovered from local headers",
        ));
        let mut members = Vec::new();
        let mut contents = Vec::new();
        let mut pos = 0usize;
        let stop = |sink: &mut dyn RecordSink, count: usize, why: String| {
            sink.diagnostic(Diagnostic::new(
                label.clone(),
                format!("recovery stopped after {count} members: {why}"),
            ));
        };
        loop {
            if members.len() >= MAX_MEMBERS {
                stop(
                    sink,
                    members.len(),
                    format!("more than {MAX_MEMBERS} members"),
                );
                break;
            }
            let header = match LocalHeader::parse(bytes, pos) {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err(why) => {
                    stop(sink, members.len(), format!("{why} at offset {pos}"));
                    break;
                }
            };
            let raw = String::from_utf8_lossy(&header.name).into_owned();
            let source = format!("{label}/{}", raw.escape_debug());
            let available = bytes.get(header.data_start..).unwrap_or(&[]);
            let (data, next) = match (header.method, header.descriptor) {
                _ if header.encrypted && header.descriptor => {
                    stop(
                        sink,
                        members.len(),
                        format!("encrypted member {source} of unknown size"),
                    );
                    break;
                }
                _ if header.encrypted => {
                    sink.diagnostic(Diagnostic::new(source, "encrypted member skipped"));
                    pos = header.data_start.saturating_add(header.compressed as usize);
                    continue;
                }
                (0, false) => {
                    let end = (header.compressed as usize).min(available.len());
                    let stored = available.get(..end).unwrap_or(&[]);
                    let r =
                        read_limited(stored, header.compressed, &source, &mut budget_used, sink);
                    if end < header.compressed as usize {
                        sink.diagnostic(Diagnostic::new(
                            source.clone(),
                            format!(
                                "member cut short: {end} of {} bytes present",
                                header.compressed
                            ),
                        ));
                    }
                    (
                        r,
                        header.data_start.saturating_add(header.compressed as usize),
                    )
                }
                (8, descriptor) => {
                    let input = if descriptor {
                        available
                    } else {
                        available
                            .get(..(header.compressed as usize).min(available.len()))
                            .unwrap_or(available)
                    };
                    let mut decoder = flate2::bufread::DeflateDecoder::new(input);
                    let r = read_limited(
                        &mut decoder,
                        input.len() as u64,
                        &source,
                        &mut budget_used,
                        sink,
                    );
                    let consumed = usize::try_from(decoder.total_in()).unwrap_or(usize::MAX);
                    let next = if descriptor {
                        let after = header.data_start.saturating_add(consumed);
                        let signed = bytes.get(after..after.saturating_add(4))
                            == Some(b"PK\x07\x08".as_slice());
                        after.saturating_add(if signed { 16 } else { 12 })
                    } else {
                        header.data_start.saturating_add(header.compressed as usize)
                    };
                    (r, next)
                }
                (method, _) => {
                    sink.diagnostic(Diagnostic::new(
                        source,
                        format!("compression method {method} not supported; member skipped"),
                    ));
                    if header.descriptor {
                        stop(
                            sink,
                            members.len(),
                            "the skipped member's size is unknown".into(),
                        );
                        break;
                    }
                    pos = header.data_start.saturating_add(header.compressed as usize);
                    continue;
                }
            };
            pos = next;
            let is_dir = raw.ends_with('/');
            let cut = data.as_ref().is_none_or(|d| d.cut);
            if is_dir {
            } else if let Some(reason) = unsafe_name_reason(&raw) {
                sink.diagnostic(Diagnostic::new(
                    source,
                    format!("member skipped: its name {reason}"),
                ));
            } else if let Some(data) = data {
                members.push(Member {
                    name: normalise(&raw),
                    index: contents.len(),
                    compressed: header.compressed,
                });
                contents.push(data.bytes);
            }
            if cut {
                // Where the next member starts is unknown after a member that was cut.
                break;
            }
        }
        Some(Archive {
            label,
            backing: Backing::Salvaged(contents),
            members,
            budget_used,
        })
    }

    /// What the acquisition is called in diagnostics (its path, or a nested member's path).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Every readable member's name, forward slashes, sorted for folders, zip order for zips.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.name.as_str())
    }

    /// Members whose last path component satisfies `wanted`.
    pub fn find(&self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        self.members
            .iter()
            .filter(|m| wanted(base_name(&m.name)))
            .map(|m| m.name.clone())
            .collect()
    }

    /// The full name of this member as diagnostics and records cite it.
    pub fn source_of(&self, name: &str) -> String {
        format!("{}/{name}", self.label)
    }

    /// Reads one member into memory under the limits. A member cut at a limit is returned
    /// with what was read and a diagnostic; `None` (with a diagnostic) when nothing could be read.
    pub fn read(&mut self, name: &str, sink: &mut dyn RecordSink) -> Option<Vec<u8>> {
        let member = self.members.iter().find(|m| m.name == name)?.clone();
        let source = self.source_of(name);
        if self.budget_used >= MAX_TOTAL_BYTES {
            sink.diagnostic(Diagnostic::new(
                source,
                format!("not read: the acquisition already gave {MAX_TOTAL_BYTES} bytes"),
            ));
            return None;
        }
        match &mut self.backing {
            Backing::Folder(root) => {
                let path = root.join(&member.name);
                match fs::File::open(&path) {
                    // Files on disk are not compressed: the ratio check does not apply.
                    Ok(f) => read_limited(f, u64::MAX / 2, &source, &mut self.budget_used, sink)
                        .map(|r| r.bytes),
                    Err(e) => {
                        sink.diagnostic(Diagnostic::new(source, format!("cannot read: {e}")));
                        None
                    }
                }
            }
            Backing::Zip(zip) => match zip.by_index(member.index) {
                Ok(file) => read_limited(
                    file,
                    member.compressed,
                    &source,
                    &mut self.budget_used,
                    sink,
                )
                .map(|r| r.bytes),
                Err(e) => {
                    sink.diagnostic(Diagnostic::new(source, format!("cannot read member: {e}")));
                    None
                }
            },
            Backing::Salvaged(contents) => contents.get(member.index).cloned(),
        }
    }

    /// Opens a zip stored as a member of this archive (a bugreport inside an acquisition),
    /// in memory, sharing this archive's byte budget.
    pub fn open_nested(&mut self, name: &str, sink: &mut dyn RecordSink) -> Option<Archive> {
        let bytes = self.read(name, sink)?;
        let label = self.source_of(name);
        let used = self.budget_used;
        Archive::zip_or_salvage(label, bytes, sink, used)
    }

    /// Bytes read so far from this archive's members.
    pub fn bytes_read(&self) -> u64 {
        self.budget_used
    }
}

/// The fields of a zip local file header that recovery needs.
struct LocalHeader {
    encrypted: bool,
    /// Sizes and CRC follow the data instead of preceding it.
    descriptor: bool,
    method: u16,
    compressed: u64,
    name: Vec<u8>,
    data_start: usize,
}

impl LocalHeader {
    const SIGNATURE: &'static [u8] = b"PK\x03\x04";
    const FIXED_LEN: usize = 30;

    /// The header at `pos`; `None` at the central directory, the end of the data, or the
    /// end of the archive.
    fn parse(bytes: &[u8], pos: usize) -> Result<Option<LocalHeader>, String> {
        let Some(fixed) = bytes.get(pos..pos.saturating_add(Self::FIXED_LEN)) else {
            return match bytes.get(pos..) {
                Some(rest) if rest.len() >= 4 && rest.starts_with(Self::SIGNATURE) => {
                    Err("member header cut short".into())
                }
                _ => Ok(None),
            };
        };
        let u16_at = |i: usize| {
            fixed
                .get(i..i + 2)
                .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
        };
        let u32_at = |i: usize| {
            fixed
                .get(i..i + 4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        match fixed.get(..4) {
            Some(s) if s == Self::SIGNATURE => {}
            // Central directory or end of central directory: the members are over.
            Some(b"PK\x01\x02") | Some(b"PK\x05\x06") | Some(b"PK\x06\x06") => return Ok(None),
            _ => return Err("no member header".into()),
        }
        let flags = u16_at(6);
        let method = u16_at(8);
        let mut compressed = u64::from(u32_at(18));
        let name_len = usize::from(u16_at(26));
        let extra_len = usize::from(u16_at(28));
        let name_start = pos + Self::FIXED_LEN;
        let extra_start = name_start + name_len;
        let data_start = extra_start + extra_len;
        let (Some(name), Some(extra)) = (
            bytes.get(name_start..extra_start),
            bytes.get(extra_start..data_start),
        ) else {
            return Err("member header cut short".into());
        };
        // Zip64: the real sizes are in extra field 0x0001 (uncompressed, then compressed).
        if compressed == u64::from(u32::MAX) {
            let mut rest = extra;
            while let (Some(id), Some(len)) = (rest.get(0..2), rest.get(2..4)) {
                let id = u16::from_le_bytes([id[0], id[1]]);
                let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
                let body = rest.get(4..4 + len).unwrap_or(&[]);
                if id == 1 {
                    if let Some(c) = body.get(8..16) {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(c);
                        compressed = u64::from_le_bytes(b);
                    }
                }
                rest = rest.get(4 + len..).unwrap_or(&[]);
            }
        }
        Ok(Some(LocalHeader {
            encrypted: flags & 1 != 0,
            descriptor: flags & 8 != 0,
            method,
            compressed,
            name: name.to_vec(),
            data_start,
        }))
    }
}

/// The last path component of a member name.
pub fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

struct ReadResult {
    bytes: Vec<u8>,
    cut: bool,
}

/// Reads at most [`MAX_MEMBER_BYTES`] (and what is left of [`MAX_TOTAL_BYTES`]) from `reader`,
/// stopping early when the output outgrows [`MAX_COMPRESSION_RATIO`] times `compressed`.
fn read_limited(
    reader: impl Read,
    compressed: u64,
    source: &str,
    budget_used: &mut u64,
    sink: &mut dyn RecordSink,
) -> Option<ReadResult> {
    let left = MAX_TOTAL_BYTES.saturating_sub(*budget_used);
    let ratio_cap = compressed
        .saturating_mul(MAX_COMPRESSION_RATIO)
        .saturating_add(RATIO_ALLOWANCE_BYTES);
    let cap = MAX_MEMBER_BYTES.min(left).min(ratio_cap);
    let mut limited = reader.take(cap.saturating_add(1));
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut error = None;
    loop {
        match limited.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                let room = usize::try_from(cap.saturating_sub(bytes.len() as u64)).unwrap_or(0);
                bytes.extend_from_slice(chunk.get(..n.min(room)).unwrap_or(&[]));
                if n > room {
                    break;
                }
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let over = limited.limit() == 0;
    *budget_used = budget_used.saturating_add(bytes.len() as u64);
    let mut cut = false;
    if over {
        cut = true;
        let why = if cap == ratio_cap {
            format!(
                "expands more than {MAX_COMPRESSION_RATIO} times its compressed size (a zip bomb?)"
            )
        } else if cap == MAX_MEMBER_BYTES {
            format!("is larger than {MAX_MEMBER_BYTES} bytes")
        } else {
            format!("would exceed the acquisition's {MAX_TOTAL_BYTES} bytes")
        };
        sink.diagnostic(Diagnostic::new(
            source,
            format!(
                "member {why}; only its first {} bytes were read",
                bytes.len()
            ),
        ));
    }
    if let Some(e) = error {
        cut = true;
        sink.diagnostic(Diagnostic::new(
            source,
            format!("read failed after {} bytes: {e}", bytes.len()),
        ));
        if bytes.is_empty() {
            return None;
        }
    }
    Some(ReadResult { bytes, cut })
}
