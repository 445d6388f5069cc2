//! Sending batches: one POST per batch, retried with backoff, deleted only on a receipt.
//!
//! Plain HTTP by default: ureq is built without TLS here, which keeps the device build
//! small. A fleet reached over the Internet should sit behind a TLS proxy on the sensor's
//! side or the server's, or enable ureq's `rustls` feature (docs/fleet.md).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use stingwatch_fleet_model::{UploadBatch, UploadReceipt, MAX_BATCH_BYTES};

use crate::outbox::Outbox;

/// Longest wait for one upload.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// First wait after a failed upload; doubled per failure up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// Longest wait between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Largest server answer read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Why a batch was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Network trouble or a server error: try again later.
    #[error("upload failed, will retry: {0}")]
    Retry(String),
    /// The server refused the token (401/403): retrying will not help until it is fixed.
    #[error("server refused the sensor token (HTTP {0}): {1}")]
    Auth(u16, String),
    /// The server refused the batch itself (400, 413, 422): it is moved to `rejected/`.
    #[error("server refused the batch (HTTP {0}): {1}")]
    Rejected(u16, String),
}

/// Sends batches to one server with one sensor token.
pub struct Uploader {
    agent: ureq::Agent,
    url: String,
    token: String,
}

/// What draining an outbox did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// Batches the server stored now.
    pub stored: u64,
    /// Batches the server had already stored (a retry after a lost answer).
    pub duplicates: u64,
    /// Batches refused as invalid and moved to `rejected/`.
    pub rejected: u64,
    /// Batches still pending.
    pub pending: u64,
    /// Last error met, if any.
    pub last_error: Option<String>,
}

impl Uploader {
    /// An uploader for the server at `base` (e.g. `http://fleet.example:8443`).
    pub fn new(base: &str, token: &str) -> Uploader {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(UPLOAD_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Uploader {
            agent,
            url: format!("{}/api/v1/batches", base.trim_end_matches('/')),
            token: token.to_string(),
        }
    }

    /// Sends one batch body (JSON) and returns the server's receipt.
    pub fn send(&self, body: &[u8]) -> Result<UploadReceipt, SendError> {
        if body.len() > MAX_BATCH_BYTES {
            return Err(SendError::Rejected(
                413,
                "batch larger than the protocol allows".into(),
            ));
        }
        let r = self
            .agent
            .post(&self.url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .content_type("application/json")
            .send(body);
        let mut resp = r.map_err(|e| SendError::Retry(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .unwrap_or_default();
        match status {
            200..=299 => serde_json::from_str::<UploadReceipt>(&text)
                .map_err(|e| SendError::Retry(format!("answer is not a receipt: {e}"))),
            401 | 403 => Err(SendError::Auth(status, text)),
            400 | 413 | 422 => Err(SendError::Rejected(status, text)),
            _ => Err(SendError::Retry(format!("HTTP {status}: {text}"))),
        }
    }

    /// Sends every pending batch of `outbox`, oldest first, deleting each on its receipt.
    /// A failure is retried after a backoff that doubles up to [`MAX_BACKOFF`]; gives up
    /// (leaving the batches pending) after `max_failures` failures in a row, on an
    /// authentication refusal, or when `stop` is set.
    pub fn drain(&self, outbox: &Outbox, max_failures: u32, stop: &AtomicBool) -> DrainReport {
        let mut report = DrainReport::default();
        let mut backoff = FIRST_BACKOFF;
        let mut failures = 0u32;
        'outer: loop {
            let pending = match outbox.pending() {
                Ok(p) => p,
                Err(e) => {
                    report.last_error = Some(format!("cannot list the outbox: {e}"));
                    break;
                }
            };
            if pending.is_empty() {
                break;
            }
            for path in pending {
                if stop.load(Ordering::SeqCst) {
                    break 'outer;
                }
                match self.send_file(&path) {
                    Ok(receipt) => {
                        if receipt.stored {
                            report.stored += 1;
                        } else {
                            report.duplicates += 1;
                        }
                        if let Err(e) = outbox.done(&path) {
                            report.last_error = Some(format!("{}: {e}", path.display()));
                            break 'outer;
                        }
                        failures = 0;
                        backoff = FIRST_BACKOFF;
                    }
                    Err(SendError::Rejected(status, why)) => {
                        report.rejected += 1;
                        report.last_error =
                            Some(format!("{}: HTTP {status}: {why}", path.display()));
                        let _ = outbox.reject(&path);
                    }
                    Err(e @ SendError::Auth(..)) => {
                        report.last_error = Some(e.to_string());
                        break 'outer;
                    }
                    Err(e) => {
                        report.last_error = Some(e.to_string());
                        failures += 1;
                        if failures >= max_failures {
                            break 'outer;
                        }
                        sleep_unless_stopped(jittered(backoff), stop);
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue 'outer;
                    }
                }
            }
        }
        report.pending = outbox.pending().map(|p| p.len() as u64).unwrap_or(0);
        report
    }

    fn send_file(&self, path: &Path) -> Result<UploadReceipt, SendError> {
        let body = std::fs::read(path).map_err(|e| SendError::Retry(e.to_string()))?;
        // A file that is not a batch (damaged disk, a stray file) is set aside, not sent.
        if let Err(e) = UploadBatch::from_json(&body) {
            return Err(SendError::Rejected(
                0,
                format!("not a valid batch file: {e}"),
            ));
        }
        self.send(&body)
    }
}

/// `d` plus up to a quarter more, so sensors that failed together do not retry together.
fn jittered(d: Duration) -> Duration {
    let mut b = [0u8; 2];
    let r = if getrandom::fill(&mut b).is_ok() {
        u16::from_le_bytes(b)
    } else {
        0
    };
    d + d / 4 * u32::from(r) / 65_535
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let end = Instant::now() + d;
    while Instant::now() < end && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
    }
}
