//! The sensor side of the fleet.
//!
//! ```text
//! analysis (findings, cells) ──convert──▶ UploadBatch ──Outbox::put──▶ pending/ID.json
//!                                                                         │
//!                   server receipt ◀──POST /api/v1/batches── Uploader ◀───┘ (deleted on receipt)
//! ```
//!
//! A batch is written to disk before any upload (temporary file, fsync, rename), so a sensor
//! killed at any moment loses nothing; it is deleted only after the server's receipt, and the
//! server applies a batch id once, so a batch sent twice is stored once.

#![forbid(unsafe_code)]

pub mod convert;
pub mod outbox;
pub mod upload;

pub use convert::{batch_from_analysis, scrub_identities, ConvertOptions};
pub use outbox::Outbox;
pub use upload::{DrainReport, SendError, Uploader};
