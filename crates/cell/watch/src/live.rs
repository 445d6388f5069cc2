//! The live path: recorder thread (bytes → segment) and analysis thread (segment bytes →
//! findings), and the state they share with the web server.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;
use stingwatch_analysis::{KnownCells, Plmn, Severity};
use stingwatch_diag::QmdlReader;
use stingwatch_model::ReadItem;
use stingwatch_pipeline::Pipeline;
use stingwatch_report::FileFinding;
use stingwatch_store::{Budget, PutOutcome, SegmentWriter, Store};

use crate::config::{Source, WatchConfig};
use crate::fleet::FleetSink;
use crate::notify::{Alert, Notifier};

/// Chunks of bytes queued between the source and the recorder, and between the recorder
/// and the analysis; bounds memory whatever the source's pace.
const QUEUE: usize = 256;
/// How often the recording's progress is written to the index.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// How often the disk budget is checked.
const BUDGET_EVERY: Duration = Duration::from_secs(5);
/// Longest delay of a finding's publication while the analysis works off a backlog.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(250);
/// Server-sent event backlog per client.
pub const SSE_BACKLOG: usize = 64;

/// What the recorder thread is told.
pub enum Input {
    /// Bytes from the source (whole frames for replay; whatever the device returned).
    Bytes(Vec<u8>),
    /// The source has no more bytes.
    SourceEnded(String),
    /// Start recording (a new segment) at the next bytes.
    StartRecording,
    /// Stop recording (analysis goes on, nothing is stored).
    StopRecording,
    /// Close everything and end the thread.
    Shutdown,
}

/// A snapshot of what the watch is doing, for `GET /api/status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Status {
    /// Whether bytes are being stored.
    pub recording: bool,
    /// Id of the recording in progress.
    pub recording_id: Option<i64>,
    /// Radio messages analysed since start.
    pub messages: u64,
    /// Radio messages analysed in the recording in progress.
    pub recording_messages: u64,
    /// Findings in the store.
    pub findings: u64,
    /// Messages per second over the last seconds.
    pub messages_per_s: f64,
    /// Cell of the last event that named one.
    pub serving_cell: Option<String>,
    /// What is being watched.
    pub source: String,
    /// Whether the source has ended (replay finished, device gone).
    pub source_ended: bool,
    /// Why the source ended, when it did.
    pub source_end_reason: Option<String>,
    /// Bytes received from the source.
    pub bytes: u64,
    /// Damaged frame regions seen.
    pub damaged: u64,
    /// Latest GPS fix, when one was received.
    pub position: Option<stingwatch_gps::Fix>,
    /// Free bytes on the data directory's file system at the last check.
    pub disk_free_bytes: u64,
    /// Whether storing stopped because the disk budget cannot be met.
    pub storage_full: bool,
    /// Last storage error, if any.
    pub storage_error: Option<String>,
    /// Alerts dropped because the notification queue was full.
    pub alerts_dropped: u64,
    /// Alerts that failed after every retry.
    pub alerts_failed: u64,
    /// Alerts delivered.
    pub alerts_sent: u64,
    /// Segments cut back after a crash when this watch started.
    pub recovered: Vec<i64>,
    /// Seconds since the watch started.
    pub uptime_s: u64,
}

/// Settings the page may change.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Alert threshold.
    pub notify_min_severity: Severity,
}

/// State shared by the threads and the web server.
pub struct Shared {
    /// The store; locked briefly per operation.
    pub store: Mutex<Store>,
    /// Live counters.
    pub status: Mutex<Status>,
    /// Settings the page may change.
    pub settings: Mutex<Settings>,
    /// Findings as they are committed, for server-sent events.
    pub events: tokio::sync::broadcast::Sender<String>,
    /// Requests to the recorder.
    pub input: SyncSender<Input>,
    /// Latest GPS fix and the recording's track.
    pub gps: Mutex<crate::gps::GpsState>,
    /// Message counts over the last seconds, for the rate.
    rate: Mutex<VecDeque<(Instant, u64)>>,
    started: Instant,
}

/// Lock a mutex even when a thread panicked holding it: the data is plain counters.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// The status with rate, uptime and finding count filled in.
    pub fn status(&self) -> Status {
        let findings = lock(&self.store).finding_count().unwrap_or(0);
        let mut s = lock(&self.status).clone();
        s.findings = findings;
        s.position = lock(&self.gps).latest;
        s.uptime_s = self.started.elapsed().as_secs();
        let now = Instant::now();
        let mut rate = lock(&self.rate);
        rate.push_back((now, s.messages));
        while rate
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(10))
        {
            rate.pop_front();
        }
        if rate.len() > 64 {
            rate.pop_front();
        }
        if let Some((t0, n0)) = rate.front() {
            let dt = now.duration_since(*t0).as_secs_f64();
            if dt > 0.5 {
                s.messages_per_s = (s.messages.saturating_sub(*n0)) as f64 / dt;
            }
        }
        s
    }
}

/// The running live path.
pub struct Live {
    shared: Arc<Shared>,
    recorder: Option<JoinHandle<()>>,
    done: tokio::sync::watch::Receiver<bool>,
}

impl Live {
    /// Open the store (recovering what a crash left), re-analyse recovered segments, and
    /// start the source, recorder, analysis and notifier threads.
    pub fn start(cfg: &WatchConfig) -> Result<Live> {
        let (store, recovered) = Store::open(&cfg.data_dir)
            .with_context(|| format!("{}: cannot open data directory", cfg.data_dir.display()))?;
        let (events, _) = tokio::sync::broadcast::channel(SSE_BACKLOG);
        let (input, input_rx) = mpsc::sync_channel(QUEUE);
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            status: Mutex::new(Status {
                source: cfg.source.describe(),
                recovered: recovered.iter().map(|r| r.id).collect(),
                ..Status::default()
            }),
            settings: Mutex::new(Settings {
                notify_min_severity: cfg.notify.min_severity,
            }),
            events,
            input: input.clone(),
            gps: Mutex::new(crate::gps::GpsState::default()),
            rate: Mutex::new(VecDeque::new()),
            started: Instant::now(),
        });
        let notifier = Notifier::start(cfg.notify.clone(), Arc::clone(&shared));
        let fleet = match &cfg.upload {
            Some(u) => Some(Arc::new(FleetSink::start(u.clone(), &cfg.data_dir)?)),
            None => None,
        };
        for r in &recovered {
            eprintln!(
                "stingwatch watch: recovered recording {} ({} bytes kept, {} torn bytes cut)",
                r.id, r.bytes, r.torn_bytes
            );
            reanalyse(
                &shared,
                r,
                cfg.known_cells.as_ref(),
                cfg.home_network,
                &notifier,
                fleet.as_deref(),
            );
        }
        let (done_tx, done) = tokio::sync::watch::channel(false);
        let (analysis_tx, analysis_rx) = mpsc::sync_channel::<Job>(4);
        let analysis = {
            let shared = Arc::clone(&shared);
            let known = cfg.known_cells.clone();
            let home = cfg.home_network;
            let notifier = notifier.clone();
            let fleet = fleet.clone();
            std::thread::Builder::new()
                .name("analysis".into())
                .spawn(move || {
                    analysis_thread(analysis_rx, shared, known, home, notifier, fleet, done_tx)
                })
                .context("starting the analysis thread")?
        };
        let recorder = {
            let shared = Arc::clone(&shared);
            let r = Recorder {
                shared,
                budget: cfg.budget,
                segment_max: cfg.segment_max_bytes.max(4096),
                fsync_every: cfg.fsync_interval,
                want_recording: !cfg.start_paused,
                source: cfg.source.describe(),
                analysis: analysis_tx,
                seg: None,
                stream: None,
                unrecorded_streams: 0,
                started_ms: now_ms(),
            };
            std::thread::Builder::new()
                .name("recorder".into())
                .spawn(move || {
                    r.run(input_rx);
                    let _ = analysis.join();
                })
                .context("starting the recorder thread")?
        };
        match &cfg.source {
            Source::Replay { path, speed } => {
                crate::replay::spawn(path.clone(), *speed, input.clone())?;
            }
            Source::Device(path) => {
                crate::device::spawn(path.clone(), input.clone())?;
            }
        }
        Ok(Live {
            shared,
            recorder: Some(recorder),
            done,
        })
    }

    /// The shared state.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Resolves once the source has ended and everything it sent has been analysed.
    pub fn done_signal(&self) -> impl std::future::Future<Output = ()> + 'static {
        let mut rx = self.done.clone();
        async move {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    return;
                }
            }
        }
    }

    /// Close the recording and stop the threads.
    pub fn stop(mut self) {
        let _ = self.shared.input.send(Input::Shutdown);
        if let Some(h) = self.recorder.take() {
            let _ = h.join();
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Work for the analysis thread, in order.
enum Job {
    /// Analyse a stream to its end.
    Stream(Stream),
    /// Every stream of the source has been analysed.
    SourceEnded,
}

/// One run of bytes analysed as one recording.
struct Stream {
    recording: Option<i64>,
    /// The `file` of its findings: the segment path, or `live-…` when not recorded.
    name: String,
    /// Unique prefix of its findings' keys.
    key: String,
    bytes: Receiver<Vec<u8>>,
    /// Chunks sent but not yet read by the analysis.
    queued: Arc<AtomicUsize>,
    /// A second handle on the segment, to fsync it before a finding is committed.
    sync: Option<std::fs::File>,
    /// Where the sensor was during a stream that is not recorded (a recorded one has its
    /// track file beside the segment).
    fixes: Option<Arc<Mutex<crate::gps::StreamFixes>>>,
}

struct Recorder {
    shared: Arc<Shared>,
    budget: Budget,
    segment_max: u64,
    fsync_every: Duration,
    want_recording: bool,
    source: String,
    analysis: SyncSender<Job>,
    seg: Option<SegmentWriter>,
    stream: Option<(SyncSender<Vec<u8>>, Arc<AtomicUsize>)>,
    unrecorded_streams: u64,
    started_ms: i64,
}

impl Recorder {
    fn run(mut self, input: Receiver<Input>) {
        let mut last_progress = Instant::now();
        let mut last_budget: Option<Instant> = None;
        loop {
            let msg = match input.recv_timeout(Duration::from_millis(200)) {
                Ok(m) => Some(m),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => Some(Input::Shutdown),
            };
            match msg {
                Some(Input::Bytes(b)) => self.bytes(b),
                Some(Input::StartRecording) if !self.want_recording => {
                    self.want_recording = true;
                    // The unrecorded stream ends; the next bytes open a segment.
                    self.close_stream();
                }
                Some(Input::StartRecording) => {}
                Some(Input::StopRecording) => {
                    self.want_recording = false;
                    self.close_stream();
                }
                Some(Input::SourceEnded(reason)) => {
                    self.close_stream();
                    {
                        let mut s = lock(&self.shared.status);
                        s.source_ended = true;
                        s.source_end_reason = Some(reason);
                    }
                    // Queued behind the last stream: "done" means analysed, not just read.
                    let _ = self.analysis.send(Job::SourceEnded);
                }
                Some(Input::Shutdown) => {
                    self.close_stream();
                    return;
                }
                None => {}
            }
            let synced = self
                .seg
                .as_mut()
                .map(|seg| (seg.sync_if_older(self.fsync_every), seg.file().to_string()));
            if let Some((Err(e), file)) = synced {
                self.storage_error(format!("fsync {file}: {e}"));
            }
            if last_progress.elapsed() >= PROGRESS_EVERY {
                last_progress = Instant::now();
                if let Some(seg) = &self.seg {
                    let messages = lock(&self.shared.status).recording_messages;
                    let _ =
                        lock(&self.shared.store).update_recording(seg.id(), seg.bytes(), messages);
                }
            }
            if last_budget.is_none_or_elapsed(BUDGET_EVERY) {
                last_budget = Some(Instant::now());
                self.check_budget();
            }
        }
    }

    fn storage_error(&self, e: String) {
        eprintln!("stingwatch watch: storage: {e}");
        lock(&self.shared.status).storage_error = Some(e);
    }

    fn check_budget(&mut self) {
        let current = self.seg.as_ref().map(|s| s.id());
        let report = lock(&self.shared.store).enforce_budget(&self.budget, current);
        match report {
            Ok(r) => {
                for id in &r.deleted {
                    eprintln!("stingwatch watch: disk budget: deleted recording {id}");
                }
                let full = r.exhausted;
                {
                    let mut s = lock(&self.shared.status);
                    s.disk_free_bytes = r.free_bytes;
                    s.storage_full = full;
                }
                if full && self.seg.is_some() {
                    eprintln!("stingwatch watch: disk budget reached: recording stops");
                    self.close_stream();
                } else if !full
                    && self.want_recording
                    && self.seg.is_none()
                    && self.stream.is_some()
                {
                    // Room again: the next bytes open a new recording.
                    self.close_stream();
                }
            }
            Err(e) => self.storage_error(e.to_string()),
        }
    }

    fn bytes(&mut self, b: Vec<u8>) {
        lock(&self.shared.status).bytes += b.len() as u64;
        if self.stream.is_none() {
            self.open_stream();
        }
        if let Some(seg) = self.seg.as_mut() {
            if let Err(e) = seg.append(&b) {
                let file = seg.file().to_string();
                self.storage_error(format!("append {file}: {e}"));
                self.close_stream();
                self.want_recording = false;
                self.open_stream();
            }
        }
        if let Some((tx, queued)) = &self.stream {
            queued.fetch_add(1, Ordering::SeqCst);
            // Blocks when analysis lags: bytes wait here, already safe on disk.
            if tx.send(b).is_err() {
                self.stream = None;
            }
        }
        if self
            .seg
            .as_ref()
            .is_some_and(|s| s.bytes() >= self.segment_max)
        {
            self.close_stream();
        }
    }

    fn open_stream(&mut self) {
        let storage_full = lock(&self.shared.status).storage_full;
        let mut sync = None;
        if self.want_recording && !storage_full {
            match lock(&self.shared.store).begin_recording(&self.source) {
                Ok(seg) => {
                    sync = std::fs::File::open(seg.path()).ok();
                    lock(&self.shared.gps).track = crate::gps::track_path(seg.path());
                    self.seg = Some(seg);
                }
                Err(e) => self.storage_error(e.to_string()),
            }
        }
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let queued = Arc::new(AtomicUsize::new(0));
        let (recording, name, key, fixes) = match &self.seg {
            Some(seg) => (
                Some(seg.id()),
                seg.file().to_string(),
                format!("rec{}", seg.id()),
                None,
            ),
            None => {
                self.unrecorded_streams += 1;
                let name = format!("live-{}-{}", self.started_ms, self.unrecorded_streams);
                let fixes = Arc::new(Mutex::new(crate::gps::StreamFixes::default()));
                lock(&self.shared.gps).unrecorded = Some(Arc::clone(&fixes));
                (None, name.clone(), name, Some(fixes))
            }
        };
        {
            let mut s = lock(&self.shared.status);
            s.recording = recording.is_some();
            s.recording_id = recording;
            s.recording_messages = 0;
        }
        let stream = Stream {
            recording,
            name,
            key,
            bytes: rx,
            queued: Arc::clone(&queued),
            sync,
            fixes,
        };
        if self.analysis.send(Job::Stream(stream)).is_ok() {
            self.stream = Some((tx, queued));
        }
    }

    /// End the current stream: the analysis finishes it; the segment is synced and closed.
    fn close_stream(&mut self) {
        self.stream = None;
        {
            let mut gps = lock(&self.shared.gps);
            gps.track = None;
            gps.unrecorded = None;
        }
        if let Some(mut seg) = self.seg.take() {
            if let Err(e) = seg.sync() {
                self.storage_error(format!("fsync {}: {e}", seg.file()));
            }
            let messages = lock(&self.shared.status).recording_messages;
            let r = lock(&self.shared.store).end_recording(seg.id(), seg.bytes(), messages);
            if let Err(e) = r {
                self.storage_error(e.to_string());
            }
        }
        let mut s = lock(&self.shared.status);
        s.recording = false;
        s.recording_id = None;
    }
}

trait ElapsedExt {
    fn is_none_or_elapsed(&self, d: Duration) -> bool;
}

impl ElapsedExt for Option<Instant> {
    fn is_none_or_elapsed(&self, d: Duration) -> bool {
        match self {
            None => true,
            Some(t) => t.elapsed() >= d,
        }
    }
}

/// A blocking [`Read`] over the chunks the recorder sends; end of input when it hangs up.
struct ChunkReader {
    rx: Receiver<Vec<u8>>,
    queued: Arc<AtomicUsize>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            match self.rx.recv() {
                Ok(c) => {
                    self.queued.fetch_sub(1, Ordering::SeqCst);
                    self.chunk = c;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let rest = self.chunk.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

fn analysis_thread(
    streams: Receiver<Job>,
    shared: Arc<Shared>,
    known: Option<KnownCells>,
    home: Option<Plmn>,
    notifier: Notifier,
    fleet: Option<Arc<FleetSink>>,
    done: tokio::sync::watch::Sender<bool>,
) {
    while let Ok(job) = streams.recv() {
        let stream = match job {
            Job::Stream(s) => s,
            Job::SourceEnded => {
                let _ = done.send(true);
                continue;
            }
        };
        let reader = QmdlReader::new(ChunkReader {
            rx: stream.bytes,
            queued: Arc::clone(&stream.queued),
            chunk: Vec::new(),
            pos: 0,
        });
        let mut pipeline =
            Pipeline::new(stream.name.clone(), known.as_ref()).with_home_network(home);
        let publisher = Publisher {
            shared: &shared,
            notifier: &notifier,
            recording: stream.recording,
            key: &stream.key,
            sync: stream.sync.as_ref(),
        };
        let mut messages = 0u64;
        let mut dirty = false;
        let mut last_publish = Instant::now();
        for item in reader {
            match item {
                ReadItem::Message(m) => {
                    messages += 1;
                    let pushed = pipeline.push(&m);
                    {
                        let mut s = lock(&shared.status);
                        s.messages += 1;
                        if s.recording_id == stream.recording {
                            s.recording_messages = messages;
                        }
                        if let Some(c) = pushed.cell {
                            s.serving_cell = Some(c.to_string());
                        }
                    }
                    dirty |= pushed.events > 0;
                    // Findings are published at once when the input is idle (a live device),
                    // and at most every SNAPSHOT_EVERY while a backlog is worked off (a fast
                    // replay), since each snapshot weighs every episode again.
                    if dirty
                        && (stream.queued.load(Ordering::SeqCst) == 0
                            || last_publish.elapsed() >= SNAPSHOT_EVERY)
                    {
                        publisher.publish(&pipeline.snapshot());
                        dirty = false;
                        last_publish = Instant::now();
                    }
                }
                ReadItem::Measurement(m) => {
                    pipeline.push_measurement(&m);
                }
                ReadItem::Damage(_) => lock(&shared.status).damaged += 1,
            }
        }
        let done = pipeline.finish();
        publisher.publish(&done.findings);
        if let Some(f) = &fleet {
            let recorded = stream.recording.map(|_| Path::new(stream.name.as_str()));
            // Copied out, so a fix arriving meanwhile does not wait on the outbox write.
            let unrecorded = stream.fixes.as_ref().and_then(|m| lock(m).track());
            f.recording_done(recorded, unrecorded, &done);
        }
        if let Some(id) = stream.recording {
            let store = lock(&shared.store);
            let _ = store.put_cells(id, &cell_rows(&done.cells));
            if let Ok(Some(r)) = store.recording(id) {
                let _ = store.update_recording(id, r.bytes, messages);
            }
        }
    }
}

fn cell_rows(cells: &[stingwatch_report::CellRecord]) -> Vec<(String, String)> {
    cells
        .iter()
        .filter_map(|c| {
            let key = format!(
                "{}|{}|{}|{:?}|{:?}",
                c.plmn, c.tac, c.cell_id, c.earfcn, c.pci
            );
            serde_json::to_string(c).ok().map(|j| (key, j))
        })
        .collect()
}

/// Commits findings, then tells the page and the notifier.
struct Publisher<'a> {
    shared: &'a Shared,
    notifier: &'a Notifier,
    recording: Option<i64>,
    key: &'a str,
    sync: Option<&'a std::fs::File>,
}

impl Publisher<'_> {
    fn publish(&self, findings: &[FileFinding]) {
        for f in findings {
            let Ok(json) = serde_json::to_string(f) else {
                continue;
            };
            let cell = f
                .finding
                .cell
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into());
            let key = format!(
                "{}|{}|{}|{}",
                self.key, f.finding.kind, cell, f.finding.first_packet
            );
            let store = lock(&self.shared.store);
            let existing = store.finding_exists(&key).unwrap_or(false);
            if !existing {
                // The evidence must be durable before the finding that points at it.
                if let Some(file) = self.sync {
                    let _ = file.sync_data();
                }
            }
            let outcome =
                store.put_finding(self.recording, &key, f.finding.severity.as_str(), &json);
            drop(store);
            match outcome {
                Ok(PutOutcome::Same) => continue,
                Ok(o) => {
                    let _ = self.shared.events.send(json.clone());
                    let min = lock(&self.shared.settings).notify_min_severity;
                    // A finding that rises to the threshold later (a refusal weighed again once
                    // the phone is served elsewhere) alerts then, once.
                    let crossed = match &o {
                        PutOutcome::New => true,
                        PutOutcome::Changed { previous_severity } => {
                            crate::config::parse_severity(previous_severity)
                                .is_ok_and(|before| before < min)
                        }
                        PutOutcome::Same => false,
                    };
                    if crossed && f.finding.severity >= min {
                        self.notifier.send(Alert {
                            severity: f.finding.severity,
                            title: f.finding.title.clone(),
                            text: alert_text(f),
                            json,
                        });
                    }
                }
                Err(e) => {
                    eprintln!("stingwatch watch: cannot store finding: {e}");
                    lock(&self.shared.status).storage_error = Some(e.to_string());
                }
            }
        }
    }
}

fn alert_text(f: &FileFinding) -> String {
    let mut t = format!("{} ({})", f.finding.title, f.finding.severity.as_str());
    if let Some(c) = f.finding.cell {
        t.push_str(&format!("\ncell: {c}"));
    }
    if let Some(time) = f.finding.time {
        t.push_str(&format!("\ntime: {time}"));
    }
    t.push_str(&format!(
        "\nrecording: {} packet {}",
        f.file, f.finding.packet
    ));
    t
}

/// Analyse a recovered segment again, so findings a crash kept from being committed are
/// stored now (those already committed are left as they are or updated).
fn reanalyse(
    shared: &Arc<Shared>,
    r: &stingwatch_store::Recovered,
    known: Option<&KnownCells>,
    home: Option<Plmn>,
    notifier: &Notifier,
    fleet: Option<&FleetSink>,
) {
    let mut pipeline = Pipeline::new(r.file.clone(), known).with_home_network(home);
    let mut messages = 0u64;
    if let Ok(reader) = std::fs::File::open(&r.path) {
        for item in QmdlReader::new(io::BufReader::new(reader)) {
            if let ReadItem::Message(m) = item {
                messages += 1;
                pipeline.push(&m);
            }
        }
    }
    let done = pipeline.finish();
    if let Some(f) = fleet {
        f.recording_done(Some(&r.path), None, &done);
    }
    let key = format!("rec{}", r.id);
    let publisher = Publisher {
        shared,
        notifier,
        recording: Some(r.id),
        key: &key,
        sync: None,
    };
    publisher.publish(&done.findings);
    let store = lock(&shared.store);
    let _ = store.put_cells(r.id, &cell_rows(&done.cells));
    let _ = store.update_recording(r.id, r.bytes, messages);
}

/// Non-blocking hand-off used by the web server for start/stop.
pub fn request(shared: &Shared, input: Input) -> bool {
    match shared.input.try_send(input) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
    }
}
