//! `analyze`: recordings in, findings out.
//!
//! Each input is read, decoded, turned into events and analysed on its own; inputs are
//! spread over worker threads so several files use every core.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use stingwatch_analysis::{Analysis, KnownCells, Severity};
use stingwatch_decode::{decode_message, CaptureReader, OpenError};
use stingwatch_events::EventDeriver;
use stingwatch_model::ReadItem;
use stingwatch_report::{render_text, CellRecord, CellTable, FileFinding, InputReport, Report};

/// Output format of `analyze`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// A readable summary for people.
    Text,
    /// One JSON document (see docs/report-format.md).
    Json,
    /// One JSON object per line: each finding, then a final summary line.
    Ndjson,
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
    /// Write the report here instead of stdout.
    pub output: Option<PathBuf>,
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
}

/// Read, decode, derive events and analyse one opened input.
fn analyze_reader(
    path: &Path,
    mut reader: CaptureReader,
    known: Option<&KnownCells>,
) -> FileResult {
    let name = path.display().to_string();
    let mut analysis = Analysis::new();
    if let Some(k) = known {
        analysis = analysis.with_known_cells(k.clone());
    }
    let mut deriver = EventDeriver::new();
    let mut cells = CellTable::new();
    let mut errors = Vec::new();
    let mut undecoded = 0u64;
    for item in reader.by_ref() {
        match item {
            ReadItem::Message(msg) => {
                let m = decode_message(msg);
                if m.rrc.is_none() && m.nas.is_empty() {
                    undecoded += 1;
                }
                for ev in deriver.derive(&m) {
                    cells.observe(&name, &ev);
                    analysis.observe(&ev);
                }
            }
            ReadItem::Damage(d) => errors.push(format!("damaged input at {d}")),
        }
    }
    let s = reader.summary();
    let input = InputReport {
        path: name.clone(),
        format: Some(reader.format().as_str()),
        bytes: s.bytes,
        messages: s.messages,
        undecoded,
        skipped: s.skipped_total(),
        errors,
    };
    let findings = analysis
        .finish()
        .into_iter()
        .map(|finding| FileFinding {
            file: name.clone(),
            finding,
        })
        .collect();
    FileResult {
        input,
        findings,
        cells: cells.into_records(),
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
    let input_failed = !unreadable.is_empty();

    let results = analyze_parallel(opened, known.as_ref());
    let mut inputs = Vec::new();
    let mut findings = Vec::new();
    let mut cells = Vec::new();
    for r in results {
        inputs.push(r.input);
        findings.extend(r.findings);
        cells.extend(r.cells);
    }
    inputs.extend(unreadable);
    let report = Report::new(env!("CARGO_PKG_VERSION"), inputs, findings, cells);

    let rendered = match opts.format {
        AnalyzeFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report).context("serializing report")?;
            s.push('\n');
            s
        }
        AnalyzeFormat::Ndjson => {
            let mut s = String::new();
            for f in &report.findings {
                s.push_str(&serde_json::to_string(f).context("serializing finding")?);
                s.push('\n');
            }
            let tail = serde_json::json!({
                "record": "summary",
                "schema_version": report.schema_version,
                "inputs": report.inputs,
                "summary": report.summary,
            });
            s.push_str(&tail.to_string());
            s.push('\n');
            s
        }
        AnalyzeFormat::Text => {
            let to_tty = opts.output.is_none() && io::stdout().is_terminal();
            let color = to_tty && std::env::var_os("NO_COLOR").is_none();
            render_text(&report, color)
        }
    };
    match &opts.output {
        Some(p) => std::fs::write(p, rendered)
            .with_context(|| format!("{}: cannot write report", p.display()))?,
        None => {
            let mut out = io::stdout().lock();
            if let Err(e) = out.write_all(rendered.as_bytes()).and_then(|_| out.flush()) {
                if e.kind() != io::ErrorKind::BrokenPipe {
                    return Err(e).context("writing report");
                }
            }
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

/// Analyse inputs on up to one thread per core; results keep the input order.
fn analyze_parallel(
    inputs: Vec<(PathBuf, CaptureReader)>,
    known: Option<&KnownCells>,
) -> Vec<FileResult> {
    let n = inputs.len();
    let workers = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .min(n.max(1));
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
                    let r = analyze_reader(&path, reader, known);
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
