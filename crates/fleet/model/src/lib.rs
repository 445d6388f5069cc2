//! The fleet's wire vocabulary: what a sensor uploads to `stingwatch serve`, and what it gets
//! back.
//!
//! A sensor sends [`UploadBatch`]es as JSON. Each batch carries an id the sensor made
//! ([`BatchId`]), so the server applies a batch exactly once however often a retry sends it.
//! Nothing in a batch identifies the sensor's own subscriber: no IMSI, IMEI or temporary
//! identity field exists here, so none can leave the device by this path.
//!
//! Every batch arriving at the server is untrusted: [`UploadBatch::from_json`] bounds the size
//! before parsing and [`UploadBatch::validate`] checks every value afterwards.

#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
pub use stingwatch_model::{Rat, Severity};

/// Version of the upload protocol; a server refuses batches from a newer one.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest upload body the server reads, in bytes (evidence segments included).
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Most cell observations in one batch.
pub const MAX_OBSERVATIONS: usize = 20_000;
/// Most findings in one batch.
pub const MAX_FINDINGS: usize = 2_000;
/// Most evidence segments in one batch.
pub const MAX_EVIDENCE: usize = 64;
/// Largest evidence segment (raw capture bytes), in bytes.
pub const MAX_EVIDENCE_BYTES: usize = 4 * 1024 * 1024;
/// Longest free-text field (titles, explanations), in bytes.
pub const MAX_TEXT: usize = 16 * 1024;
/// Longest identifier field (batch ids, analyzer kinds, finding ids), in bytes.
pub const MAX_ID: usize = 128;

/// A batch id made by the sensor: 1 to [`MAX_ID`] characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub String);

impl BatchId {
    /// Checks the id's length and alphabet.
    pub fn validate(&self) -> Result<(), BatchError> {
        check_id("batch_id", &self.0)
    }
}

/// A WGS84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Degrees north, -90 to 90.
    pub latitude: f64,
    /// Degrees east, -180 to 180.
    pub longitude: f64,
    /// Horizontal accuracy in metres, when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

impl Position {
    /// Checks that the coordinates are finite and on Earth.
    pub fn validate(&self, field: &'static str) -> Result<(), BatchError> {
        let ok = self.latitude.is_finite()
            && self.longitude.is_finite()
            && (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude)
            && self.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0);
        if ok {
            Ok(())
        } else {
            Err(BatchError::Invalid {
                field,
                why: "latitude, longitude or accuracy out of range".into(),
            })
        }
    }
}

/// A cell's network identity: (PLMN, area code, cell id) and the technology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellKey {
    /// Radio technology of the cell.
    pub rat: Rat,
    /// Mobile country code.
    pub mcc: u16,
    /// Mobile network code.
    pub mnc: u16,
    /// Tracking area code (LTE, NR) or location area code (GSM, UMTS).
    pub area: u32,
    /// Cell identity: 28-bit E-UTRAN, 36-bit NR, 16-bit GSM, 28-bit UMTS.
    pub cell: u64,
}

impl CellKey {
    /// Checks the code ranges.
    pub fn validate(&self) -> Result<(), BatchError> {
        if self.mcc > 999 || self.mnc > 999 || self.cell >= 1 << 36 {
            return Err(BatchError::Invalid {
                field: "cell",
                why: "MCC, MNC or cell identity out of range".into(),
            });
        }
        Ok(())
    }
}

/// One sighting of a cell by a sensor, with the signal and distance evidence it had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// When, in milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    /// Which cell, when its identity was broadcast; radio-only sightings leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<CellKey>,
    /// Downlink channel number (EARFCN, NR-ARFCN, UARFCN or ARFCN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<u32>,
    /// Physical cell id (PCI, PSC or BSIC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci: Option<u16>,
    /// True when the sensor was camped on or connected to the cell, false for a neighbour.
    #[serde(default)]
    pub serving: bool,
    /// Reference signal received power, dBm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsrp_dbm: Option<f64>,
    /// Reference signal received quality, dB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsrq_db: Option<f64>,
    /// Timing advance in the technology's units (LTE: 16 Ts, about 78 m of distance each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_advance: Option<u32>,
    /// Where the sensor was, from the fix nearest in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Age of that fix relative to `time_ms`, in milliseconds (absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_age_ms: Option<u64>,
    /// How many of the cell's identity exposures (identity requests answered with a permanent
    /// identity) the sensor saw in this sighting; feeds the fleet's per-cell exposure rate.
    #[serde(default)]
    pub identity_exposures: u32,
    /// How many connections the sensor made on the cell in this sighting.
    #[serde(default)]
    pub connections: u32,
}

/// A finding made on the sensor, as the fleet receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorFinding {
    /// Id made by the sensor, stable across retries (e.g. from the recording and packet).
    pub id: String,
    /// Analyzer that made it, e.g. `identity-request-without-auth`.
    pub kind: String,
    /// Severity on the sensor.
    pub severity: Severity,
    /// Technology it happened on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rat: Option<Rat>,
    /// One line: what was seen.
    pub title: String,
    /// Plain-language explanation.
    #[serde(default)]
    pub explanation: String,
    /// When, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Cell it happened on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<CellKey>,
    /// Radio channel of that cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<u32>,
    /// Physical cell id of that cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci: Option<u16>,
    /// Exact position, sent only when the sensor opted in (`share_exact_position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Index into the batch's `evidence` of the raw segment behind this finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<usize>,
}

/// Raw capture bytes behind a finding, sent only when asked (`--upload-evidence`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceSegment {
    /// Container format: `pcapng` or `qmdl`.
    pub format: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub data_base64: String,
}

/// One upload from a sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadBatch {
    /// Protocol version the sensor speaks; see [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// Made by the sensor; the server stores a batch id at most once per sensor.
    pub batch_id: BatchId,
    /// Sensor clock when the batch was made, milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// Cell sightings.
    #[serde(default)]
    pub observations: Vec<Observation>,
    /// Findings made on the sensor.
    #[serde(default)]
    pub findings: Vec<SensorFinding>,
    /// Raw evidence segments referenced by findings.
    #[serde(default)]
    pub evidence: Vec<EvidenceSegment>,
}

/// The server's answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadReceipt {
    /// The batch this answers.
    pub batch_id: BatchId,
    /// False when the batch had been stored before (a retry); nothing was stored twice.
    pub stored: bool,
    /// Observations stored from this batch (0 on a retry).
    pub observations: u64,
    /// Findings stored from this batch (0 on a retry).
    pub findings: u64,
}

/// Why a batch was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BatchError {
    /// The body is larger than [`MAX_BATCH_BYTES`].
    #[error("upload of {0} bytes is larger than the {MAX_BATCH_BYTES}-byte limit")]
    TooLarge(usize),
    /// The body is not a batch.
    #[error("upload is not a valid batch: {0}")]
    Malformed(String),
    /// A list is longer than its limit.
    #[error("{field}: {count} items, more than the limit of {limit}")]
    TooMany {
        /// Which list.
        field: &'static str,
        /// How many arrived.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A value is out of range.
    #[error("{field}: {why}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        why: String,
    },
    /// The sensor speaks a newer protocol.
    #[error("protocol version {0} is newer than this server's {PROTOCOL_VERSION}")]
    Protocol(u32),
}

fn check_id(field: &'static str, s: &str) -> Result<(), BatchError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_ID
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b':');
    if ok {
        Ok(())
    } else {
        Err(BatchError::Invalid {
            field,
            why: format!("must be 1 to {MAX_ID} characters of A-Z a-z 0-9 - _ . :"),
        })
    }
}

fn check_text(field: &'static str, s: &str) -> Result<(), BatchError> {
    if s.len() > MAX_TEXT {
        return Err(BatchError::Invalid {
            field,
            why: format!("{} bytes, more than {MAX_TEXT}", s.len()),
        });
    }
    Ok(())
}

fn check_count(field: &'static str, count: usize, limit: usize) -> Result<(), BatchError> {
    if count > limit {
        return Err(BatchError::TooMany {
            field,
            count,
            limit,
        });
    }
    Ok(())
}

fn check_finite(field: &'static str, v: Option<f64>) -> Result<(), BatchError> {
    match v {
        Some(x) if !x.is_finite() => Err(BatchError::Invalid {
            field,
            why: "not a finite number".into(),
        }),
        _ => Ok(()),
    }
}

impl UploadBatch {
    /// Parses a body, refusing it before parsing when it is over [`MAX_BATCH_BYTES`], and
    /// validates the result.
    pub fn from_json(body: &[u8]) -> Result<UploadBatch, BatchError> {
        if body.len() > MAX_BATCH_BYTES {
            return Err(BatchError::TooLarge(body.len()));
        }
        let batch: UploadBatch =
            serde_json::from_slice(body).map_err(|e| BatchError::Malformed(e.to_string()))?;
        batch.validate()?;
        Ok(batch)
    }

    /// Checks every limit and range; a batch that passes can be stored as it is.
    pub fn validate(&self) -> Result<(), BatchError> {
        if self.protocol > PROTOCOL_VERSION || self.protocol == 0 {
            return Err(BatchError::Protocol(self.protocol));
        }
        self.batch_id.validate()?;
        check_count("observations", self.observations.len(), MAX_OBSERVATIONS)?;
        check_count("findings", self.findings.len(), MAX_FINDINGS)?;
        check_count("evidence", self.evidence.len(), MAX_EVIDENCE)?;
        for o in &self.observations {
            if let Some(c) = &o.cell {
                c.validate()?;
            }
            if let Some(p) = &o.position {
                p.validate("observations.position")?;
            }
            check_finite("observations.rsrp_dbm", o.rsrp_dbm)?;
            check_finite("observations.rsrq_db", o.rsrq_db)?;
        }
        for f in &self.findings {
            check_id("findings.id", &f.id)?;
            check_id("findings.kind", &f.kind)?;
            check_text("findings.title", &f.title)?;
            check_text("findings.explanation", &f.explanation)?;
            if let Some(c) = &f.cell {
                c.validate()?;
            }
            if let Some(p) = &f.position {
                p.validate("findings.position")?;
            }
            if let Some(i) = f.evidence {
                if i >= self.evidence.len() {
                    return Err(BatchError::Invalid {
                        field: "findings.evidence",
                        why: format!("refers to segment {i} of {}", self.evidence.len()),
                    });
                }
            }
        }
        for e in &self.evidence {
            if e.format != "pcapng" && e.format != "qmdl" {
                return Err(BatchError::Invalid {
                    field: "evidence.format",
                    why: "must be pcapng or qmdl".into(),
                });
            }
            // Base64 is 4 characters per 3 bytes.
            if e.data_base64.len() / 4 * 3 > MAX_EVIDENCE_BYTES {
                return Err(BatchError::Invalid {
                    field: "evidence.data_base64",
                    why: format!("segment larger than {MAX_EVIDENCE_BYTES} bytes"),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> UploadBatch {
        UploadBatch {
            protocol: PROTOCOL_VERSION,
            batch_id: BatchId("s1-000042".into()),
            created_ms: 1_700_000_000_000,
            observations: vec![Observation {
                time_ms: 1_700_000_000_000,
                cell: Some(CellKey {
                    rat: Rat::Lte,
                    mcc: 262,
                    mnc: 1,
                    area: 4711,
                    cell: 0x1234567,
                }),
                channel: Some(1300),
                pci: Some(77),
                serving: true,
                rsrp_dbm: Some(-95.5),
                rsrq_db: Some(-11.0),
                timing_advance: Some(3),
                position: Some(Position {
                    latitude: 52.52,
                    longitude: 13.405,
                    accuracy_m: Some(8.0),
                }),
                position_age_ms: Some(400),
                identity_exposures: 0,
                connections: 1,
            }],
            findings: vec![],
            evidence: vec![],
        }
    }

    #[test]
    fn a_batch_survives_json_and_validates() {
        let b = batch();
        let json = serde_json::to_vec(&b).unwrap();
        assert_eq!(UploadBatch::from_json(&json).unwrap(), b);
    }

    #[test]
    fn out_of_range_values_are_refused_with_the_field_named() {
        let mut b = batch();
        b.observations[0].position.as_mut().unwrap().latitude = 91.0;
        assert!(matches!(
            b.validate(),
            Err(BatchError::Invalid {
                field: "observations.position",
                ..
            })
        ));
        let mut b = batch();
        b.batch_id = BatchId("../etc".into());
        assert!(matches!(
            b.validate(),
            Err(BatchError::Invalid {
                field: "batch_id",
                ..
            })
        ));
        let mut b = batch();
        b.protocol = PROTOCOL_VERSION + 1;
        assert_eq!(
            b.validate(),
            Err(BatchError::Protocol(PROTOCOL_VERSION + 1))
        );
    }

    #[test]
    fn oversized_and_malformed_bodies_are_refused_before_use() {
        let big = vec![b' '; MAX_BATCH_BYTES + 1];
        assert_eq!(
            UploadBatch::from_json(&big),
            Err(BatchError::TooLarge(MAX_BATCH_BYTES + 1))
        );
        assert!(matches!(
            UploadBatch::from_json(b"{\"protocol\":1"),
            Err(BatchError::Malformed(_))
        ));
    }

    #[test]
    fn a_subscriber_identity_field_is_not_part_of_the_protocol() {
        // Unknown fields are ignored, and nothing that names the subscriber is kept.
        let mut v = serde_json::to_value(batch()).unwrap();
        v["observations"][0]["imsi"] = serde_json::json!("262011234567890");
        let back: UploadBatch = serde_json::from_value(v).unwrap();
        let again = serde_json::to_string(&back).unwrap();
        assert!(!again.contains("262011234567890"));
    }
}
