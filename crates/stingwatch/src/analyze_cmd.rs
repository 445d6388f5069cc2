//! `analyze`: recordings in, findings out.
//!
//! Each input is read, decoded, turned into events and analysed on its own; inputs are
//! spread over worker threads so several files use every core, and a single input is read on
//! one core while it is analysed on another.
//!
//! The annotated pcapng needs the findings before the first packet is written, so that
//! format reads its one input twice rather than holding every message in memory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stingwatch_analysis::{KnownCells, Plmn, Severity};
use stingwatch_capture::PcapngWriter;
use stingwatch_decode::{CaptureReader, OpenError};
use stingwatch_model::{ReadItem, ReadItemRef};
use stingwatch_pipeline::Pipeline;
use stingwatch_report::{
    locate_cells, packet_comments, render_html, render_text, CellRecord, FileFinding,
    GpsTrackReport, InputReport, RadioCellRecord, Report, TimelineSegment,
};

/// Inputs larger than this in total get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 50 * 1024 * 1024;
/// Messages between two progress updates: often enough to move, rarely enough to cost nothing.
const PROGRESS_EVERY: u64 = 2048;

/// Output format of `analyze`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// A readable summary for people.
    Text,
    /// One JSON document (see docs/report-format.md).
    Json,
    /// One JSON object per line: each finding, then a final summary line.
    Ndjson,
    /// One self-contained HTML page with verdict, timeline, finding cards and cells.
    Html,
    /// The input's messages as GSMTAP pcapng, each finding a comment on its evidence packets.
    Pcapng,
}

/// Severity threshold for the exit status.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Info,
    /// Low or above.
    Low,
    /// Medium or above.
    Medium,
    /// High only.
    High,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Info => Severity::Info,
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
        }
    }
}

/// Options of one `analyze` run.
pub struct AnalyzeOptions {
    /// Files and directories to analyse.
    pub paths: Vec<PathBuf>,
    /// Output format.
    pub format: AnalyzeFormat,
    /// Exit 1 when a finding reaches this severity.
    pub fail_on: FailOn,
    /// Optional known-cells CSV.
    pub known_cells: Option<PathBuf>,
    /// The SIM's network when the recordings do not show it.
    pub home_plmn: Option<Plmn>,
    /// Write the report here instead of stdout.
    pub output: Option<PathBuf>,
    /// Decode every message in full (the straightforward path) instead of reusing repeats.
    pub full_decode: bool,
    /// GPS track for every input (else each input's `NAME-gps.ndjson` beside it, if any).
    pub gps: Option<PathBuf>,
}

/// The GPS track beside a recording: `NAME-gps.ndjson` for `NAME.qmdl` (Rayhunter's and
/// `watch`'s naming), when that file exists.
pub fn track_beside(recording: &Path) -> Option<PathBuf> {
    let stem = recording.file_stem()?.to_str()?;
    let candidate = recording.with_file_name(format!("{stem}-gps.ndjson"));
    candidate.is_file().then_some(candidate)
}

/// Reads a GPS track; a track that cannot be opened is an error of the run when it was
/// named (`--gps`), a note in the report when it was found beside the input.
fn read_track(path: &Path) -> Result<stingwatch_gps::Track> {
    let file =
        File::open(path).with_context(|| format!("{}: cannot open GPS track", path.display()))?;
    stingwatch_gps::Track::read(io::BufReader::new(file))
        .with_context(|| format!("{}: cannot read GPS track", path.display()))
}

/// Gives cells, measured-only cells and findings of one input their positions from `track`
/// and describes the track for the report.
fn apply_track(
    input: &str,
    path: &Path,
    track: &stingwatch_gps::Track,
    result: &mut FileResult,
) -> GpsTrackReport {
    locate_cells(&mut result.cells, &mut result.radio_cells, track);
    for f in result.findings.iter_mut() {
        f.position = f.observed_at().and_then(|t| track.locate(t));
    }
    let mut errors: Vec<String> = track.diagnostics.iter().map(|d| d.to_string()).collect();
    if track.diagnostics_omitted > 0 {
        errors.push(format!(
            "{} more unusable lines not listed",
            track.diagnostics_omitted
        ));
    }
    if track.fixes_omitted > 0 {
        errors.push(format!(
            "{} fixes past the first {} left out",
            track.fixes_omitted,
            stingwatch_gps::MAX_FIXES
        ));
    }
    GpsTrackReport {
        input: input.to_string(),
        path: path.display().to_string(),
        fixes: track.fixes().len() as u64,
        first_time: track.fixes().first().map(|f| f.time),
        last_time: track.fixes().last().map(|f| f.time),
        errors,
    }
}

/// Expand directories (recursively, sorted) into the capture files below them.
fn expand(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut stack = vec![p.clone()];
            let mut found = Vec::new();
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir)
                    .with_context(|| format!("{}: cannot list directory", dir.display()))?;
                for e in entries.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        found.push(path);
                    }
                }
            }
            found.sort();
            out.extend(found.into_iter().map(|f| (f, true)));
        } else {
            out.push((p.clone(), false));
        }
    }
    Ok(out)
}

struct FileResult {
    input: InputReport,
    findings: Vec<FileFinding>,
    cells: Vec<CellRecord>,
    radio_cells: Vec<RadioCellRecord>,
    timeline: Vec<TimelineSegment>,
}

/// A byte-count progress bar on stderr, hidden unless stderr is a terminal and the work is
/// large enough to be worth watching.
fn progress_bar(total: u64, what: &str) -> ProgressBar {
    if total < PROGRESS_MIN_BYTES || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg} [{bar:24}] {bytes}/{total_bytes} eta {eta}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// Advances `bar` by the bytes `reader` consumed since the last call.
fn advance(bar: &ProgressBar, reader: &CaptureReader, done: &mut u64) {
    let now = reader.summary().bytes;
    bar.inc(now.saturating_sub(*done));
    *done = now.max(*done);
}

/// Damaged regions listed per input; a hostile file can hold millions, and the report must
/// stay bounded. The rest are counted in one closing line.
const MAX_REPORTED_ERRORS: usize = 100;

/// Messages handed from the reading thread to the analysing one at a time (see
/// [`analyze_reader`]): large enough that the hand-over costs next to nothing per message,
/// small enough that the batches in flight stay a few hundred KB (1,024 and 4 ahead took
/// 1.6 MB more peak RSS).
const READ_AHEAD_BATCH: usize = 256;
/// Batches the reading thread may be ahead by; bounds the memory between the two threads.
const READ_AHEAD_BATCHES: usize = 2;

/// Read, decode, derive events and analyse one opened input. With `read_ahead`, a second
/// thread reads and deframes the input while this one decodes and analyses: the same items in
/// the same order, on two cores.
fn analyze_reader(
    path: &Path,
    reader: CaptureReader,
    known: Option<&KnownCells>,
    home: Option<Plmn>,
    full_decode: bool,
    read_ahead: bool,
    bar: &ProgressBar,
) -> FileResult {
    let name = path.display().to_string();
    let mut pipeline = Pipeline::new(name.clone(), known).with_home_network(home);
    if full_decode {
        pipeline = pipeline.with_full_decoding();
    }
    let mut errors = Vec::new();
    let mut errors_omitted = 0u64;
    let mut take = |item: ReadItemRef<'_>| match item {
        ReadItemRef::Message(msg) => {
            pipeline.push(msg);
        }
        ReadItemRef::Measurement(m) => {
            pipeline.push_measurement(&m);
        }
        ReadItemRef::Damage(d) => {
            if errors.len() < MAX_REPORTED_ERRORS {
                errors.push(format!("damaged input at {d}"));
            } else {
                errors_omitted += 1;
            }
        }
    };
    let reader = if read_ahead {
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ReadItem>>(READ_AHEAD_BATCHES);
            let reading = s.spawn(move || {
                let mut reader = reader;
                let mut done = 0u64;
                let mut batch = Vec::with_capacity(READ_AHEAD_BATCH);
                while let Some(item) = reader.next() {
                    batch.push(item);
                    if batch.len() >= READ_AHEAD_BATCH {
                        let full =
                            std::mem::replace(&mut batch, Vec::with_capacity(READ_AHEAD_BATCH));
                        if tx.send(full).is_err() {
                            break;
                        }
                        advance(bar, &reader, &mut done);
                    }
                }
                let _ = tx.send(batch);
                advance(bar, &reader, &mut done);
                reader
            });
            for batch in rx {
                // The reader is on another thread, so its items arrive owned; each is lent to
                // the same handler as on one core.
                for item in batch {
                    match item {
                        ReadItem::Message(m) => take(ReadItemRef::Message(&m)),
                        ReadItem::Damage(d) => take(ReadItemRef::Damage(Box::new(d))),
                        ReadItem::Measurement(m) => take(ReadItemRef::Measurement(Box::new(m))),
                    }
                }
            }
            reading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    } else {
        let mut reader = reader;
        let mut done = 0u64;
        let mut since_update = 0u64;
        // Messages are lent by the reader, which reuses their buffers for the next one.
        while let Some(item) = reader.next_ref() {
            take(item);
            since_update += 1;
            if since_update >= PROGRESS_EVERY {
                since_update = 0;
                advance(bar, &reader, &mut done);
            }
        }
        advance(bar, &reader, &mut done);
        reader
    };
    if errors_omitted > 0 {
        errors.push(format!(
            "{errors_omitted} more damaged regions not listed (see `stingwatch decode --summary`)"
        ));
    }
    let finished = pipeline.finish();
    let mut diagnostics_omitted = finished.diagnostics_dropped;
    for d in &finished.diagnostics {
        if errors.len() < MAX_REPORTED_ERRORS {
            errors.push(format!("message {}: {}", d.packet, d.text));
        } else {
            diagnostics_omitted += 1;
        }
    }
    if diagnostics_omitted > 0 {
        errors.push(format!(
            "{diagnostics_omitted} more messages that could not become events not listed"
        ));
    }
    let s = reader.summary();
    let input = InputReport {
        path: name,
        format: Some(reader.format().as_str()),
        bytes: s.bytes,
        messages: s.messages,
        undecoded: finished.undecoded,
        skipped: s.skipped_total(),
        errors,
    };
    FileResult {
        input,
        findings: finished.findings,
        cells: finished.cells,
        radio_cells: finished.radio_cells,
        timeline: finished.timeline,
    }
}

/// `stingwatch analyze`.
pub fn run_analyze(opts: AnalyzeOptions) -> Result<ExitCode> {
    let known = match &opts.known_cells {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read known-cells file", p.display()))?;
            Some(KnownCells::from_csv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    // Open every explicitly named input first: a bad invocation fails before any work.
    let mut opened: Vec<(PathBuf, CaptureReader)> = Vec::new();
    let mut unreadable: Vec<InputReport> = Vec::new();
    for (path, walked) in expand(&opts.paths)? {
        match CaptureReader::open(&path) {
            Ok(r) => opened.push((path, r)),
            // Files met while walking a directory that are not captures (notes, licences)
            // are not errors; named inputs are.
            Err(OpenError::UnknownFormat(_)) | Err(OpenError::Empty(_)) if walked => {}
            Err(e) if walked => unreadable.push(InputReport {
                path: path.display().to_string(),
                format: None,
                bytes: 0,
                messages: 0,
                undecoded: 0,
                skipped: 0,
                errors: vec![e.to_string()],
            }),
            Err(e) => return Err(e.into()),
        }
    }
    let named_track = match &opts.gps {
        Some(p) => Some((p.clone(), read_track(p)?)),
        None => None,
    };
    let input_failed = !unreadable.is_empty();
    let annotate_path = match opts.format {
        AnalyzeFormat::Pcapng => Some(pcapng_preflight(&opts, &opened, &unreadable)?),
        _ => None,
    };

    let total: u64 = opened
        .iter()
        .filter_map(|(p, _)| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress_bar(total, "analysing");
    let results = analyze_parallel(
        opened,
        known.as_ref(),
        opts.home_plmn,
        opts.full_decode,
        &bar,
    );
    bar.finish_and_clear();
    let mut inputs = Vec::new();
    let mut findings = Vec::new();
    let mut cells = Vec::new();
    let mut timeline = Vec::new();
    let mut radio_cells = Vec::new();
    let mut tracks = Vec::new();
    for mut r in results {
        let input = r.input.path.clone();
        match &named_track {
            Some((path, track)) => {
                tracks.push(apply_track(&input, path, track, &mut r));
            }
            None => {
                if let Some(path) = track_beside(Path::new(&input)) {
                    match read_track(&path) {
                        Ok(track) => tracks.push(apply_track(&input, &path, &track, &mut r)),
                        Err(e) => r.input.errors.push(format!("{e:#}")),
                    }
                }
            }
        }
        inputs.push(r.input);
        findings.extend(r.findings);
        cells.extend(r.cells);
        radio_cells.extend(r.radio_cells);
        timeline.extend(r.timeline);
    }
    inputs.extend(unreadable);
    let report = Report::new(env!("CARGO_PKG_VERSION"), inputs, findings, cells)
        .with_timeline(timeline)
        .with_radio_cells(radio_cells)
        .with_gps(tracks);

    if let Some(input) = &annotate_path {
        write_annotated(input, opts.output.as_deref(), &report)?;
    } else {
        // JSON goes straight to the output: the report of a long recording (timeline of up to
        // 10,000 segments) is megabytes, and building it as one string first doubled the peak
        // memory of a whole run.
        match opts.format {
            AnalyzeFormat::Json => write_report(opts.output.as_deref(), |w| {
                crate::pretty_json::to_writer(&mut *w, &report)?;
                w.write_all(b"\n")
            })?,
            AnalyzeFormat::Ndjson => write_report(opts.output.as_deref(), |w| {
                for f in &report.findings {
                    serde_json::to_writer(&mut *w, f)?;
                    w.write_all(b"\n")?;
                }
                let tail = serde_json::json!({
                    "record": "summary",
                    "schema_version": report.schema_version,
                    "inputs": report.inputs,
                    "summary": report.summary,
                });
                serde_json::to_writer(&mut *w, &tail)?;
                w.write_all(b"\n")
            })?,
            AnalyzeFormat::Text => {
                let to_tty = opts.output.is_none() && io::stdout().is_terminal();
                let color = to_tty && std::env::var_os("NO_COLOR").is_none();
                let text = render_text(&report, color);
                write_report(opts.output.as_deref(), |w| w.write_all(text.as_bytes()))?;
            }
            AnalyzeFormat::Html => {
                let html = render_html(&report);
                write_report(opts.output.as_deref(), |w| w.write_all(html.as_bytes()))?;
            }
            // Written by write_annotated above.
            AnalyzeFormat::Pcapng => {}
        }
    }
    if input_failed {
        for i in report.inputs.iter().filter(|i| i.format.is_none()) {
            for e in &i.errors {
                eprintln!("stingwatch: {e}");
            }
        }
        return Ok(ExitCode::from(2));
    }
    Ok(if report.reaches(opts.fail_on.into()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What a report is written into: a buffer of one known type in front of the file or stdout.
/// serde_json writes each token and each indentation on its own; into a `dyn Write` every one
/// of those writes was a call that could not be inlined, about a third of writing the JSON
/// report.
pub(crate) type ReportWriter = BufWriter<Box<dyn Write>>;

/// Bytes a [`ReportWriter`] gathers before it writes them out.
const REPORT_BUFFER: usize = 64 * 1024;

/// Write a report through `write` to `output`, or to stdout, buffered (a closed pipe is not an
/// error).
pub(crate) fn write_report(
    output: Option<&Path>,
    write: impl FnOnce(&mut ReportWriter) -> io::Result<()>,
) -> Result<()> {
    match output {
        Some(p) => {
            let file =
                File::create(p).with_context(|| format!("{}: cannot write report", p.display()))?;
            let mut w: ReportWriter = BufWriter::with_capacity(REPORT_BUFFER, Box::new(file));
            write(&mut w)
                .and_then(|_| w.flush())
                .with_context(|| format!("{}: cannot write report", p.display()))?;
        }
        None => {
            let mut out: ReportWriter =
                BufWriter::with_capacity(REPORT_BUFFER, Box::new(io::stdout().lock()));
            if let Err(e) = write(&mut out).and_then(|_| out.flush()) {
                if e.kind() != io::ErrorKind::BrokenPipe {
                    return Err(e).context("writing report");
                }
            }
        }
    }
    Ok(())
}

/// Check that an annotated pcapng can be written, before any analysis: exactly one readable
/// input (one pcapng holds one recording's packet numbering) and an output that is not a
/// terminal. Returns the input's path.
fn pcapng_preflight(
    opts: &AnalyzeOptions,
    opened: &[(PathBuf, CaptureReader)],
    unreadable: &[InputReport],
) -> Result<PathBuf> {
    if opened.len() != 1 || !unreadable.is_empty() {
        bail!(
            "--format pcapng annotates exactly one recording, but {} input(s) were given; \
             run analyze once per recording",
            opened.len() + unreadable.len()
        );
    }
    if opts.output.is_none() && io::stdout().is_terminal() {
        bail!("--format pcapng writes binary data: give -o FILE or redirect standard output");
    }
    match opened.first() {
        Some((p, _)) => Ok(p.clone()),
        None => bail!("--format pcapng needs one recording"),
    }
}

/// Second pass over `input`: every message re-written as GSMTAP pcapng, with each finding as
/// a comment on each of its evidence packets.
fn write_annotated(input: &Path, output: Option<&Path>, report: &Report) -> Result<()> {
    let name = input.display().to_string();
    let comments: BTreeMap<u64, Vec<String>> = packet_comments(report, &name);
    let mut reader = CaptureReader::open(input)?;
    let sink: Box<dyn Write> = match output {
        Some(p) => {
            Box::new(File::create(p).with_context(|| format!("{}: cannot create", p.display()))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let out_name = output
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".to_string());
    let mut writer = PcapngWriter::new(BufWriter::new(sink))
        .with_context(|| format!("{out_name}: cannot write"))?;
    let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size, "annotating");
    let (mut done, mut since_update) = (0u64, 0u64);
    let (mut written, mut annotated) = (0u64, 0u64);
    while let Some(item) = reader.next() {
        if let ReadItem::Message(msg) = item {
            let notes: Vec<&str> = comments
                .get(&msg.packet)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            match writer.write_message(&msg, &notes) {
                Ok(()) => {
                    written += 1;
                    annotated += u64::from(!notes.is_empty());
                }
                // A message too large for one datagram is reported and left out; the
                // comments still name each packet's original number.
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                    eprintln!("warning: {name}: packet {} not written: {e}", msg.packet)
                }
                Err(e) => return Err(e).with_context(|| format!("{out_name}: cannot write")),
            }
        }
        since_update += 1;
        if since_update >= PROGRESS_EVERY {
            since_update = 0;
            advance(&bar, &reader, &mut done);
        }
    }
    bar.finish_and_clear();
    writer
        .into_inner()
        .and_then(|mut w| w.flush())
        .with_context(|| format!("{out_name}: cannot write"))?;
    eprintln!(
        "{name} -> {out_name}: {written} messages, {annotated} annotated with {} finding(s)",
        report.findings.len()
    );
    Ok(())
}

/// Analyse inputs on up to one thread per core; results keep the input order.
fn analyze_parallel(
    inputs: Vec<(PathBuf, CaptureReader)>,
    known: Option<&KnownCells>,
    home: Option<Plmn>,
    full_decode: bool,
    bar: &ProgressBar,
) -> Vec<FileResult> {
    let n = inputs.len();
    let cores = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1);
    let workers = cores.min(n.max(1));
    // One input and a spare core: read it on a thread of its own.
    let read_ahead = n == 1 && cores > 1;
    if workers == 1 {
        // On this thread: a spawned worker's allocations come from a second malloc arena,
        // which glibc grows with mprotect calls (4% of a one-core profile on recordings read
        // once was under them; none are left, though end to end the gain is within noise).
        return inputs
            .into_iter()
            .map(|(path, reader)| {
                analyze_reader(&path, reader, known, home, full_decode, read_ahead, bar)
            })
            .collect();
    }
    let queue: Vec<Mutex<Option<(PathBuf, CaptureReader)>>> =
        inputs.into_iter().map(|i| Mutex::new(Some(i))).collect();
    let results: Vec<Mutex<Option<FileResult>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = queue.get(i) else { break };
                let job = slot.lock().map(|mut g| g.take()).unwrap_or(None);
                if let Some((path, reader)) = job {
                    let r =
                        analyze_reader(&path, reader, known, home, full_decode, read_ahead, bar);
                    if let Some(out) = results.get(i) {
                        if let Ok(mut g) = out.lock() {
                            *g = Some(r);
                        }
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}
