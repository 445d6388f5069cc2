//! The project's own pipeline on bytes the server holds: a Rayhunter recording to analyse,
//! or stored evidence to render as the HTML report and the annotated pcapng.

use std::io::{Cursor, Read};
use std::path::Path;

use stingwatch_capture::PcapngWriter;
use stingwatch_decode::CaptureReader;
use stingwatch_model::ReadItem;
use stingwatch_pipeline::Pipeline;
use stingwatch_report::{packet_comments, InputReport, Report};

/// Largest recording the server takes after decompression (a day of a busy Rayhunter is a
/// few tens of MB).
pub const MAX_RECORDING_BYTES: u64 = 128 * 1024 * 1024;
/// Damaged regions listed per recording; the rest are counted.
const MAX_LISTED_DAMAGE: usize = 20;

/// Why a recording could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Not gzip, or a damaged gzip stream.
    #[error("not a valid gzip file: {0}")]
    BadGzip(String),
    /// Decompresses to more than [`MAX_RECORDING_BYTES`].
    #[error("recording decompresses to more than {MAX_RECORDING_BYTES} bytes")]
    TooLarge,
    /// Not a capture format the project reads.
    #[error("not a recording: {0}")]
    NotACapture(String),
}

/// Gunzips at most [`MAX_RECORDING_BYTES`]; a larger result (a zip bomb, or simply too much)
/// is refused without reading further.
pub fn gunzip_bounded(gz: &[u8]) -> Result<Vec<u8>, RecordingError> {
    let mut out = Vec::new();
    let mut dec = flate2::read::MultiGzDecoder::new(gz).take(MAX_RECORDING_BYTES + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| RecordingError::BadGzip(e.to_string()))?;
    if out.len() as u64 > MAX_RECORDING_BYTES {
        return Err(RecordingError::TooLarge);
    }
    if out.is_empty() {
        return Err(RecordingError::BadGzip("empty".into()));
    }
    Ok(out)
}

/// Analyses a recording held in memory; `name` names it in the report.
pub fn analyse(name: &str, bytes: Vec<u8>) -> Result<Report, RecordingError> {
    let size = bytes.len() as u64;
    let reader = CaptureReader::from_reader(Path::new(name), Cursor::new(bytes))
        .map_err(|e| RecordingError::NotACapture(e.to_string()))?;
    let format = reader.format().as_str();
    let mut pipeline = Pipeline::new(name.to_string(), None);
    let mut errors = Vec::new();
    let mut damaged = 0u64;
    let mut reader = reader;
    for item in reader.by_ref() {
        match item {
            ReadItem::Message(m) => {
                pipeline.push(&m);
            }
            // Signal and timing advance go into the cell records the findings are placed with.
            ReadItem::Measurement(m) => {
                pipeline.push_measurement(&m);
            }
            ReadItem::Damage(d) => {
                damaged += 1;
                if errors.len() < MAX_LISTED_DAMAGE {
                    errors.push(format!("damaged input at {d}"));
                }
            }
        }
    }
    if damaged > MAX_LISTED_DAMAGE as u64 {
        errors.push(format!(
            "{} more damaged regions not listed",
            damaged - MAX_LISTED_DAMAGE as u64
        ));
    }
    let s = reader.summary();
    let done = pipeline.finish();
    let input = InputReport {
        path: name.to_string(),
        format: Some(format),
        bytes: size,
        messages: s.messages,
        undecoded: done.undecoded,
        skipped: s.skipped_total(),
        errors,
    };
    Ok(Report::new(
        env!("CARGO_PKG_VERSION"),
        vec![input],
        done.findings,
        done.cells,
    )
    .with_radio_cells(done.radio_cells)
    .with_timeline(done.timeline))
}

/// The recording as GSMTAP pcapng with each finding of `report` a comment on its evidence
/// packets (the same as `stingwatch analyze --format pcapng`).
pub fn annotated_pcapng(
    name: &str,
    bytes: Vec<u8>,
    report: &Report,
) -> Result<Vec<u8>, RecordingError> {
    let comments = packet_comments(report, name);
    let reader = CaptureReader::from_reader(Path::new(name), Cursor::new(bytes))
        .map_err(|e| RecordingError::NotACapture(e.to_string()))?;
    let mut w =
        PcapngWriter::new(Vec::new()).map_err(|e| RecordingError::NotACapture(e.to_string()))?;
    for item in reader {
        if let ReadItem::Message(m) = item {
            let notes: Vec<&str> = comments
                .get(&m.packet)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            // A message too large for one datagram is left out, as analyze does.
            let _ = w.write_message(&m, &notes);
        }
    }
    w.into_inner()
        .map_err(|e| RecordingError::NotACapture(e.to_string()))
}
