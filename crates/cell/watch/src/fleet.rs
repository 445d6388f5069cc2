//! `watch --upload URL`: each finished recording's analysis goes to the fleet server.
//!
//! The analysis thread writes a batch into the outbox under the data directory (atomically;
//! a crash loses nothing) and wakes the uploader thread, which sends pending batches until
//! each has a receipt, backing off while the server is unreachable.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::Duration;

use anyhow::{Context, Result};
use stingwatch_fleet_client::{batch_from_analysis, ConvertOptions, Outbox, Uploader};
use stingwatch_pipeline::Finished;

/// How often the uploader looks at the outbox when nothing woke it.
const IDLE_CHECK: Duration = Duration::from_secs(30);

/// Where and how a watch uploads.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Fleet server, e.g. `http://fleet.example:8443`.
    pub url: String,
    /// This sensor's token.
    pub token: String,
    /// Prefix of batch ids (the sensor's name, for people reading the outbox).
    pub sensor: String,
    /// Send evidence segments with findings.
    pub evidence: bool,
    /// Send findings' positions exactly (owner's opt-in).
    pub share_exact_position: bool,
}

/// The outbox and the uploader thread's wake-up line.
pub(crate) struct FleetSink {
    outbox: Outbox,
    cfg: UploadConfig,
    wake: SyncSender<()>,
}

/// The outbox directory of a data directory.
pub fn outbox_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("fleet-outbox")
}

impl FleetSink {
    /// Opens the outbox and starts the uploader thread.
    pub(crate) fn start(cfg: UploadConfig, data_dir: &Path) -> Result<FleetSink> {
        let dir = outbox_dir(data_dir);
        let outbox =
            Outbox::open(&dir).with_context(|| format!("{}: cannot open outbox", dir.display()))?;
        let (wake, rx) = mpsc::sync_channel(1);
        let thread_outbox = outbox.clone();
        let uploader = Uploader::new(&cfg.url, &cfg.token);
        std::thread::Builder::new()
            .name("fleet-upload".into())
            .spawn(move || upload_loop(uploader, thread_outbox, rx))
            .context("starting the upload thread")?;
        Ok(FleetSink { outbox, cfg, wake })
    }

    /// Queues the analysis of one finished stream. A recorded one (`recorded`: its segment
    /// file, for evidence) is placed from the track file beside it; one that was not recorded
    /// from the fixes the watch kept for it in memory (`unrecorded`).
    pub(crate) fn recording_done(
        &self,
        recorded: Option<&Path>,
        unrecorded: Option<stingwatch_gps::Track>,
        done: &Finished,
    ) {
        if done.findings.is_empty() && done.cells.is_empty() {
            return;
        }
        let id = match self.outbox.next_id(&self.cfg.sensor) {
            Ok(id) => id,
            Err(e) => {
                eprintln!("stingwatch watch: fleet outbox: {e}");
                return;
            }
        };
        let track = unrecorded.or_else(|| recorded.and_then(recording_track));
        let opts = ConvertOptions {
            share_exact_position: self.cfg.share_exact_position,
            track: track.as_ref(),
            evidence_from: recorded.filter(|_| self.cfg.evidence),
            now_ms: crate::live::now_ms(),
        };
        let batch = batch_from_analysis(id, &done.findings, &done.cells, &done.radio_cells, &opts);
        match self.outbox.put(&batch) {
            Ok(_) => {
                let _ = self.wake.try_send(());
            }
            Err(e) => eprintln!("stingwatch watch: fleet outbox: {e}"),
        }
    }
}

/// The GPS track the watch wrote beside a recorded segment, when it has fixes: the batch's
/// sightings then carry where the sensor was at each one, as `stingwatch upload` does with a
/// recording's `-gps.ndjson`. The reader bounds lines and fixes.
fn recording_track(segment: &Path) -> Option<stingwatch_gps::Track> {
    let path = crate::gps::track_path(segment)?;
    let file = std::fs::File::open(path).ok()?;
    let track = stingwatch_gps::Track::read(std::io::BufReader::new(file)).ok()?;
    (!track.is_empty()).then_some(track)
}

fn upload_loop(uploader: Uploader, outbox: Outbox, wake: Receiver<()>) {
    let never = AtomicBool::new(false);
    loop {
        let r = uploader.drain(&outbox, u32::MAX, &never);
        if let Some(e) = &r.last_error {
            eprintln!(
                "stingwatch watch: fleet upload: {e} ({} batches pending)",
                r.pending
            );
        }
        match wake.recv_timeout(IDLE_CHECK) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that was not recorded has no track file; the fixes the watch kept for it in
    /// memory place its sightings instead.
    #[test]
    fn an_unrecorded_stream_is_placed_from_the_fixes_kept_in_memory() {
        let dir = std::env::temp_dir().join(format!("stingwatch-fleet-mem-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = UploadConfig {
            // Nothing listens on the discard port: the batch stays in the outbox to be read.
            url: "http://127.0.0.1:9".into(),
            token: "t".into(),
            sensor: "bike".into(),
            evidence: false,
            share_exact_position: false,
        };
        let sink = FleetSink::start(cfg, &dir).unwrap();
        let t0 = 1_767_268_800_000_000i64;
        let mut fixes = crate::gps::StreamFixes::default();
        for i in 0..10 {
            fixes.push(stingwatch_gps::Fix {
                time: stingwatch_model::CaptureTime(t0 + i * 1_000_000),
                latitude: 52.52 + i as f64 * 1e-4,
                longitude: 13.405,
                accuracy_m: None,
            });
        }
        let cell = stingwatch_report::CellRecord {
            file: "live-1-1".into(),
            plmn: "262-01".into(),
            tac: 1,
            cell_id: 0x1234,
            earfcn: Some(1300),
            pci: Some(7),
            scheduled_sibs: vec![],
            barred: false,
            sightings: 1,
            first_packet: 0,
            last_packet: 0,
            first_time: Some(stingwatch_model::CaptureTime(t0 + 4_000_000)),
            last_time: Some(stingwatch_model::CaptureTime(t0 + 4_000_000)),
            signal: None,
            timing_advance: None,
            position: None,
        };
        let done = Finished {
            findings: vec![],
            cells: vec![cell],
            radio_cells: vec![],
            timeline: vec![],
            undecoded: 0,
            diagnostics: vec![],
            diagnostics_dropped: 0,
        };
        sink.recording_done(None, fixes.track(), &done);
        let pending = sink.outbox.pending().unwrap();
        assert_eq!(pending.len(), 1);
        let batch: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&pending[0]).unwrap()).unwrap();
        let obs = &batch["observations"][0];
        assert_eq!(obs["position_age_ms"], 0, "{batch}");
        let lat = obs["position"]["latitude"].as_f64().unwrap();
        // Stored coarsened (a grid cell of ~150-200 m), so near the fix, not exactly on it.
        assert!((lat - 52.5204).abs() < 0.01, "{lat}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_track_beside_a_segment_goes_with_its_batch() {
        let dir =
            std::env::temp_dir().join(format!("stingwatch-fleet-track-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let segment = dir.join("000007.qmdl");
        std::fs::write(&segment, b"").unwrap();
        assert!(recording_track(&segment).is_none(), "no track file yet");
        std::fs::write(
            dir.join("000007-gps.ndjson"),
            "{\"unix_ts\":1767268800,\"latitude\":52.52,\"longitude\":13.405}\n",
        )
        .unwrap();
        let track = recording_track(&segment).unwrap();
        assert_eq!(track.fixes().len(), 1);
        assert!((track.fixes()[0].latitude - 52.52).abs() < 1e-9);
        std::fs::write(dir.join("000007-gps.ndjson"), "not a fix\n").unwrap();
        assert!(recording_track(&segment).is_none(), "a track without fixes");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
