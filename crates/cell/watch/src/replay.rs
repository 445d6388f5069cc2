//! `--replay`: a recording fed into the live path as a device would feed it.
//!
//! Every radio message of the input (QMDL, pcap or pcapng) is written as one DIAG frame with
//! [`QmdlWriter`] and handed to the recorder at its capture time, scaled by `speed`. The
//! segments a replay leaves are therefore QMDL whatever the input was, and the rest of the
//! path cannot tell a replay from a device.

use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use stingwatch_decode::CaptureReader;
use stingwatch_diag::QmdlWriter;
use stingwatch_model::ReadItem;

use crate::live::Input;

/// Start the replay thread.
pub fn spawn(path: PathBuf, speed: f64, out: SyncSender<Input>) -> Result<()> {
    let reader =
        CaptureReader::open(&path).with_context(|| format!("{}: cannot replay", path.display()))?;
    std::thread::Builder::new()
        .name("replay".into())
        .spawn(move || {
            let reason = replay(reader, speed, &out);
            let _ = out.send(Input::SourceEnded(reason));
        })
        .context("starting the replay thread")?;
    Ok(())
}

fn replay(reader: CaptureReader, speed: f64, out: &SyncSender<Input>) -> String {
    let start = Instant::now();
    let mut first: Option<i64> = None;
    let mut sent = 0u64;
    let mut skipped = 0u64;
    for item in reader {
        let ReadItem::Message(msg) = item else {
            continue;
        };
        let mut frame = Vec::new();
        if QmdlWriter::new(&mut frame).write_message(&msg).is_err() {
            // Messages DIAG cannot carry (e.g. GSM from a pcap) are not part of a DIAG log.
            skipped += 1;
            continue;
        }
        if speed > 0.0 {
            if let Some(t) = msg.time {
                let t0 = *first.get_or_insert(t.0);
                let micros = t.0.saturating_sub(t0).max(0) as f64 / speed;
                let target = Duration::from_micros(micros as u64);
                if let Some(wait) = target.checked_sub(start.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
        }
        if out.send(Input::Bytes(frame)).is_err() {
            return "watch stopped".into();
        }
        sent += 1;
    }
    format!("replay finished: {sent} messages sent, {skipped} not DIAG-writable")
}
