//! `phone`: check an Android acquisition or bug report against published spyware indicators,
//! and write sample acquisitions of the project's own to try the checks on.
//!
//! The scan itself is `stingwatch-phone-check`; this file parses options, shows progress and
//! writes the report. Nothing here or below it uses the network.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stingwatch_android::fixtures;
use stingwatch_model::Severity;
use stingwatch_phone_check::{check_androidqf, check_bugreport, sample, Indicators, Progress};
use stingwatch_phone_findings::{
    exit_code, render_html, render_text, render_timeline_csv, write_json, write_ndjson,
    PhoneReport, EXIT_UNREADABLE,
};

use crate::analyze_cmd::{write_report, FailOn};

/// A scan shorter than this shows no spinner: it would only flicker.
const SPINNER_DELAY: Duration = Duration::from_millis(400);

/// Indicator loading problems quoted when `--iocs` gave nothing usable.
const MAX_IOC_PROBLEMS_SHOWN: usize = 3;

/// Characters of the current file's name the spinner shows (its end, where the name is).
const SPINNER_SOURCE_CHARS: usize = 48;

/// The last `max` characters of `s`, with an ellipsis when cut.
fn tail(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let kept: String = s.chars().skip(n - max).collect();
    format!("…{kept}")
}

/// The `phone` subcommands.
#[derive(Subcommand)]
pub enum PhoneCommand {
    /// Check an androidqf acquisition (folder or zip) for known spyware and warning signs.
    CheckAndroidqf(CheckArgs),
    /// Check an `adb bugreport` zip for known spyware and warning signs.
    CheckBugreport(CheckArgs),
    /// Write a sample acquisition with made-up spyware planted in it (or its clean twin), and
    /// the indicators that name it, to try the checks on.
    Fixture(FixtureArgs),
}

/// Output format of the phone checks.
#[derive(Clone, Copy, ValueEnum)]
pub enum PhoneFormat {
    /// A readable summary for people.
    Text,
    /// One JSON document (see docs/phone-report-format.md).
    Json,
    /// One JSON object per line: each finding, then a summary line.
    Ndjson,
    /// One self-contained HTML page with the verdict, a timeline and the findings.
    Html,
    /// The phone's timeline as CSV.
    Csv,
}

/// Options of `phone check-androidqf` and `phone check-bugreport`.
#[derive(Args)]
pub struct CheckArgs {
    /// The acquisition: an androidqf folder or zip, or a bugreport zip.
    pub path: PathBuf,
    /// STIX 2.1 indicator file or folder; repeat for several. Default: the folder
    /// `stingwatch iocs update` downloads to.
    #[arg(long = "iocs", value_name = "PATH")]
    pub iocs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: PhoneFormat,
    /// Exit with status 1 when a finding reaches this severity.
    #[arg(long, value_enum, default_value = "medium")]
    pub fail_on: FailOn,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Kind of sample acquisition to write.
#[derive(Clone, Copy, ValueEnum)]
pub enum FixtureKind {
    /// An androidqf acquisition folder.
    Androidqf,
    /// An androidqf acquisition zip.
    AndroidqfZip,
    /// An `adb bugreport` zip.
    Bugreport,
}

/// Options of `phone fixture`.
#[derive(Args)]
pub struct FixtureArgs {
    /// What to write.
    #[arg(value_enum)]
    pub kind: FixtureKind,
    /// Where: a new (or empty) folder for `androidqf`, a file for the zips.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Package name of the planted spyware app.
    #[arg(long, value_name = "ID", default_value = sample::DEFAULT_APP)]
    pub plant_app: String,
    /// Write the clean twin: the same phone without the spyware.
    #[arg(long)]
    pub benign: bool,
    /// Also write the STIX 2.1 indicators of the sample spyware to this file.
    #[arg(long, value_name = "FILE")]
    pub iocs_out: Option<PathBuf>,
}

/// Runs a `phone` subcommand.
pub fn run(command: PhoneCommand) -> Result<ExitCode> {
    match command {
        PhoneCommand::CheckAndroidqf(args) => run_check(args, Kind::Androidqf),
        PhoneCommand::CheckBugreport(args) => run_check(args, Kind::Bugreport),
        PhoneCommand::Fixture(args) => run_fixture(args),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Androidqf,
    Bugreport,
}

/// A spinner on stderr while a scan reads, only when stderr is a terminal and only once
/// the scan has taken long enough to be worth watching.
struct Spinner {
    started: Instant,
    bar: Option<ProgressBar>,
    enabled: bool,
}

impl Spinner {
    fn new() -> Spinner {
        Spinner {
            started: Instant::now(),
            bar: None,
            enabled: io::stderr().is_terminal(),
        }
    }

    fn update(&mut self, p: &Progress) {
        if !self.enabled || self.started.elapsed() < SPINNER_DELAY {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(format!(
            "{} records read, {} warning signs; {}",
            p.records,
            p.signals,
            tail(&p.source, SPINNER_SOURCE_CHARS)
        ));
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn run_check(args: CheckArgs, kind: Kind) -> Result<ExitCode> {
    let indicators = Indicators::load(&args.iocs);
    if !args.iocs.is_empty() {
        // Indicators asked for but none usable: scanning on would report a phone with nothing
        // to compare as clean (exit 0) because of a mistyped path.
        if indicators.none_loaded.is_some() {
            let why: Vec<String> = indicators
                .diagnostics()
                .iter()
                .take(MAX_IOC_PROBLEMS_SHOWN)
                .map(|d| format!("{}: {}", d.source, d.message))
                .collect();
            bail!("no indicators loaded from --iocs: {}", why.join("; "));
        }
        for d in indicators.report_diagnostics() {
            eprintln!("stingwatch: warning: {}: {}", d.source, d.message);
        }
    }
    let mut spinner = Spinner::new();
    let result = {
        let mut on_progress = |p: &Progress| spinner.update(p);
        match kind {
            Kind::Androidqf => check_androidqf(&args.path, &indicators, &mut on_progress),
            Kind::Bugreport => check_bugreport(&args.path, &indicators, &mut on_progress),
        }
    };
    spinner.finish();
    let report = result.map_err(|e| anyhow!("{e}"))?;
    if let Some(why) = &indicators.none_loaded {
        eprintln!("stingwatch: note: {why}; only warning signs were looked for");
    }
    write_phone_report(&report, args.format, args.output.as_deref())?;
    let status = exit_code(&report, Severity::from(args.fail_on));
    Ok(ExitCode::from(
        u8::try_from(status).unwrap_or(EXIT_UNREADABLE as u8),
    ))
}

/// Writes `report` in `format` to `output`, or to standard output.
fn write_phone_report(
    report: &PhoneReport,
    format: PhoneFormat,
    output: Option<&Path>,
) -> Result<()> {
    match format {
        PhoneFormat::Json => write_report(output, |w| write_json(report, w)),
        PhoneFormat::Ndjson => write_report(output, |w| write_ndjson(report, w)),
        PhoneFormat::Text => {
            let to_tty = output.is_none() && io::stdout().is_terminal();
            let color = to_tty && std::env::var_os("NO_COLOR").is_none();
            let text = render_text(report, color);
            write_report(output, |w| w.write_all(text.as_bytes()))
        }
        PhoneFormat::Html => {
            let html = render_html(report);
            write_report(output, |w| w.write_all(html.as_bytes()))
        }
        PhoneFormat::Csv => {
            let csv = render_timeline_csv(report);
            write_report(output, |w| w.write_all(csv.as_bytes()))
        }
    }
}

fn run_fixture(args: FixtureArgs) -> Result<ExitCode> {
    if !sample::valid_app_id(&args.plant_app) {
        bail!(
            "--plant-app {:?}: not a package name (letters, digits, `_` and `.`, with a dot, at \
             most {} bytes)",
            args.plant_app,
            sample::MAX_APP_ID_BYTES
        );
    }
    let sample = if args.benign {
        sample::benign(&args.plant_app)
    } else {
        sample::planted(&args.plant_app)
    };
    let out = &args.out;
    let what = match args.kind {
        FixtureKind::Androidqf => {
            if out.exists() {
                let empty = std::fs::read_dir(out)
                    .with_context(|| format!("{}: not a folder", out.display()))?
                    .next()
                    .is_none();
                if !empty {
                    bail!(
                        "{}: folder is not empty; give a new or empty folder",
                        out.display()
                    );
                }
            }
            fixtures::write_androidqf_dir(&sample.plan, out)
                .with_context(|| format!("{}: cannot write", out.display()))?;
            "androidqf acquisition folder"
        }
        FixtureKind::AndroidqfZip => {
            let bytes = fixtures::androidqf_zip(&sample.plan).context("building the zip")?;
            std::fs::write(out, bytes)
                .with_context(|| format!("{}: cannot write", out.display()))?;
            "androidqf acquisition zip"
        }
        FixtureKind::Bugreport => {
            let bytes = fixtures::bugreport_zip(&sample.plan).context("building the zip")?;
            std::fs::write(out, bytes)
                .with_context(|| format!("{}: cannot write", out.display()))?;
            "bugreport zip"
        }
    };
    let how = if args.benign {
        "clean twin, no spyware".to_string()
    } else {
        format!("sample spyware planted as {}", args.plant_app)
    };
    eprintln!("{}: {what} ({how})", out.display());
    if let Some(iocs) = &args.iocs_out {
        stingwatch_iocs::fixtures::write_bundle(iocs, &sample.bundle_entries())
            .with_context(|| format!("{}: cannot write indicators", iocs.display()))?;
        eprintln!(
            "{}: {} indicators of {:?}",
            iocs.display(),
            sample.indicators.len(),
            sample::SAMPLE_COLLECTION
        );
        let command = match args.kind {
            FixtureKind::Bugreport => "check-bugreport",
            _ => "check-androidqf",
        };
        eprintln!(
            "check it with: stingwatch phone {command} {} --iocs {}",
            out.display(),
            iocs.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
