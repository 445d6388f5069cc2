//! Opening inputs: format detection from content and one reader type over all formats.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use stingwatch_capture::PcapReader;
use stingwatch_diag::QmdlReader;
use stingwatch_model::{CaptureFormat, RadioMessage, ReadItem, ReadItemRef, ReadSummary};

/// How many leading bytes are examined to detect the format.
pub const DETECT_PREFIX: usize = 64 * 1024;

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path does not exist.
    #[error("{}: no such file", .0.display())]
    NotFound(PathBuf),
    /// The path is a directory where a file was expected.
    #[error("{}: is a directory, not a capture file", .0.display())]
    IsDirectory(PathBuf),
    /// The file has no bytes.
    #[error("{}: file is empty", .0.display())]
    Empty(PathBuf),
    /// The content is none of the supported formats.
    #[error("{}: unknown format (not pcap, pcapng or a Qualcomm DIAG/QMDL log)", .0.display())]
    UnknownFormat(PathBuf),
    /// Reading failed.
    #[error("{}: {}", .0.display(), .1)]
    Io(PathBuf, io::Error),
}

type Source = io::Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>;

// One reader per input file lives as long as the file is read: the size difference between
// the two readers costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Qmdl(QmdlReader<Source>),
    Pcap(PcapReader<Source>),
}

/// Reads radio messages from a capture of any supported format.
pub struct CaptureReader {
    format: CaptureFormat,
    inner: Inner,
    /// The pcap message [`CaptureReader::next_ref`] lends (DIAG readers keep their own).
    lent: Option<RadioMessage>,
}

impl CaptureReader {
    /// Open a file, detecting its format from its content.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => OpenError::NotFound(path.to_path_buf()),
            _ => OpenError::Io(path.to_path_buf(), e),
        })?;
        if meta.is_dir() {
            return Err(OpenError::IsDirectory(path.to_path_buf()));
        }
        let file = File::open(path).map_err(|e| OpenError::Io(path.to_path_buf(), e))?;
        Self::from_reader(path, file)
    }

    /// Read from any byte source; `name` is only used in error messages.
    pub fn from_reader<R: Read + Send + 'static>(
        name: &Path,
        mut reader: R,
    ) -> Result<Self, OpenError> {
        let mut prefix = Vec::with_capacity(DETECT_PREFIX);
        (&mut reader)
            .take(DETECT_PREFIX as u64)
            .read_to_end(&mut prefix)
            .map_err(|e| OpenError::Io(name.to_path_buf(), e))?;
        if prefix.is_empty() {
            return Err(OpenError::Empty(name.to_path_buf()));
        }
        let format = if let Some(f) = stingwatch_capture::detect_format(&prefix) {
            f
        } else if stingwatch_diag::looks_like_qmdl(&prefix) {
            CaptureFormat::Qmdl
        } else {
            return Err(OpenError::UnknownFormat(name.to_path_buf()));
        };
        let inner = match format {
            // The deframer reads in 64 KiB chunks of its own: a buffer in between would only
            // copy every byte once more.
            CaptureFormat::Qmdl => {
                let rest: Box<dyn Read + Send> = Box::new(reader);
                Inner::Qmdl(QmdlReader::new(Cursor::new(prefix).chain(rest)))
            }
            CaptureFormat::Pcap | CaptureFormat::Pcapng => {
                let rest: Box<dyn Read + Send> =
                    Box::new(BufReader::with_capacity(256 * 1024, reader));
                let source = Cursor::new(prefix).chain(rest);
                Inner::Pcap(PcapReader::new(source).map_err(|e| match e {
                    stingwatch_capture::OpenError::Io(e) => OpenError::Io(name.to_path_buf(), e),
                    stingwatch_capture::OpenError::UnknownFormat => {
                        OpenError::UnknownFormat(name.to_path_buf())
                    }
                })?)
            }
        };
        Ok(CaptureReader {
            format,
            inner,
            lent: None,
        })
    }

    /// The detected container format.
    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// Counters so far (bytes, frames, messages, damaged regions, skipped records).
    pub fn summary(&self) -> &ReadSummary {
        match &self.inner {
            Inner::Qmdl(r) => r.summary(),
            Inner::Pcap(r) => r.summary(),
        }
    }

    /// The next item, its message lent instead of moved out: the same items as the iterator
    /// gives, for a reader that only looks at each message (a DIAG reader then writes each
    /// message once, in place, and reuses its buffers).
    pub fn next_ref(&mut self) -> Option<ReadItemRef<'_>> {
        match &mut self.inner {
            Inner::Qmdl(r) => r.next_ref(),
            Inner::Pcap(r) => Some(match r.next()? {
                ReadItem::Message(m) => ReadItemRef::Message(&*self.lent.insert(m)),
                ReadItem::Damage(d) => ReadItemRef::Damage(Box::new(d)),
                ReadItem::Measurement(m) => ReadItemRef::Measurement(Box::new(m)),
            }),
        }
    }

    /// Every DIAG log code seen with its count (DIAG inputs only).
    pub fn log_codes(&self) -> Option<std::collections::BTreeMap<u16, u64>> {
        match &self.inner {
            Inner::Qmdl(r) => Some(r.log_codes()),
            Inner::Pcap(_) => None,
        }
    }
}

impl Iterator for CaptureReader {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        match &mut self.inner {
            Inner::Qmdl(r) => r.next(),
            Inner::Pcap(r) => r.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_diag::hdlc::{encode_frame, FLAG};
    use stingwatch_diag::log::DiagLogPacket;

    /// Bytes without a flag, a flag, then one DIAG NAS log packet whose closing flag is the
    /// last byte of the detection prefix, or `extra` bytes after it.
    fn diag_stream(extra: usize) -> Vec<u8> {
        let mut log = Vec::new();
        DiagLogPacket::emit(0xB0EC, 0, &[1, 9, 5, 0, 0x07, 0x55, 0x01], &mut log).unwrap();
        let mut frame = Vec::new();
        encode_frame(&log, &mut frame);
        let mut input = vec![0x00; DETECT_PREFIX - 1 - frame.len() + extra];
        input.push(FLAG);
        input.extend_from_slice(&frame);
        assert_eq!(input.len(), DETECT_PREFIX + extra);
        input
    }

    #[test]
    fn diag_is_detected_only_from_a_log_packet_inside_detect_prefix() {
        let name = Path::new("late.qmdl");
        let reader = CaptureReader::from_reader(name, Cursor::new(diag_stream(0))).unwrap();
        assert_eq!(reader.format(), CaptureFormat::Qmdl);
        let payloads: Vec<Vec<u8>> = reader
            .filter_map(|item| match item {
                ReadItem::Message(m) => Some(m.payload),
                ReadItem::Damage(_) | ReadItem::Measurement(_) => None,
            })
            .collect();
        assert_eq!(payloads, vec![vec![0x07, 0x55, 0x01]]);
        // One byte later, the log packet's closing flag is not among the bytes examined.
        let late = CaptureReader::from_reader(name, Cursor::new(diag_stream(1)));
        assert!(matches!(late, Err(OpenError::UnknownFormat(_))));
    }
}
