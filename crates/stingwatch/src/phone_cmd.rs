//! `phone`: check an iPhone backup, an Android acquisition or bug report against published
//! spyware indicators, decrypt a backup when asked, and write sample acquisitions of the
//! project's own to try the checks on.
//!
//! The scan itself is `stingwatch-phone-check`; this file parses options, shows progress and
//! writes the report. Nothing here or below it uses the network.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stingwatch_android::fixtures;
use stingwatch_ios_backup::{decrypt_to_with_progress, password_from_env_or_prompt, PASSWORD_ENV};
use stingwatch_model::Severity;
use stingwatch_phone_check::{
    check_androidqf, check_backup, check_bugreport, open_backup, sample, Indicators, Progress,
};
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
    /// Check an iPhone backup (iTunes/Finder folder, plain or encrypted) for known spyware and
    /// warning signs. The password of an encrypted backup is read from the environment
    /// variable STINGWATCH_BACKUP_PASSWORD or asked for; it is never an argument.
    CheckBackup(CheckArgs),
    /// Write a decrypted copy of an encrypted iPhone backup to a new folder (only when you need
    /// one: the checks read encrypted backups directly and write nothing decrypted).
    DecryptBackup(DecryptArgs),
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

/// Options of `phone decrypt-backup`.
#[derive(Args)]
pub struct DecryptArgs {
    /// The encrypted backup folder.
    pub path: PathBuf,
    /// The new (or empty) folder to write the decrypted copy to.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

/// Kind of sample acquisition to write.
#[derive(Clone, Copy, ValueEnum)]
pub enum FixtureKind {
    /// An iPhone backup folder (iTunes/Finder format); encrypted when STINGWATCH_BACKUP_PASSWORD
    /// is set, with that password.
    IosBackup,
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
        PhoneCommand::CheckBackup(args) => run_check(args, Kind::Backup),
        PhoneCommand::DecryptBackup(args) => run_decrypt(args),
        PhoneCommand::CheckAndroidqf(args) => run_check(args, Kind::Androidqf),
        PhoneCommand::CheckBugreport(args) => run_check(args, Kind::Bugreport),
        PhoneCommand::Fixture(args) => run_fixture(args),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Backup,
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
            Kind::Backup => {
                check_backup(&args.path, &mut ask_password, &indicators, &mut on_progress)
            }
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

/// The backup password from the environment or the terminal.
fn ask_password() -> std::result::Result<String, String> {
    password_from_env_or_prompt()
        .map(|p| p.to_string())
        .map_err(|_| format!("set {PASSWORD_ENV} or run from a terminal to be asked"))
}

fn run_decrypt(args: DecryptArgs) -> Result<ExitCode> {
    let backup = open_backup(&args.path, &mut ask_password).map_err(|e| anyhow!("{e}"))?;
    if !backup.is_encrypted() {
        bail!(
            "{}: the backup is not encrypted; it can be checked and copied as it is",
            args.path.display()
        );
    }
    let mut spinner = Spinner::new();
    let summary = decrypt_to_with_progress(&backup, &args.output, &mut |done, total| {
        spinner.update(&Progress {
            records: done,
            source: format!("file {done} of {total}"),
            ..Progress::default()
        })
    })
    .map_err(|e| anyhow!("{}: {e}", args.output.display()))?;
    spinner.finish();
    for d in &summary.diagnostics {
        eprintln!("stingwatch: warning: {}: {}", d.source, d.message);
    }
    eprintln!(
        "{}: decrypted copy of {} files ({} bytes); {} skipped. It holds everything on the \
         phone in clear: keep it safe and delete it when done.",
        summary.out_dir.display(),
        summary.files,
        summary.bytes,
        summary.skipped
    );
    Ok(ExitCode::SUCCESS)
}

fn run_fixture(args: FixtureArgs) -> Result<ExitCode> {
    if let FixtureKind::IosBackup = args.kind {
        return run_ios_fixture(&args);
    }
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
        FixtureKind::IosBackup => unreachable!("handled above"),
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

/// `phone fixture ios-backup`: the iPhone sample, encrypted when a password is in the
/// environment.
fn run_ios_fixture(args: &FixtureArgs) -> Result<ExitCode> {
    let content = if args.benign {
        sample::ios::benign()
    } else {
        sample::ios::planted()
    };
    let out = &args.out;
    if out.exists()
        && std::fs::read_dir(out)
            .with_context(|| format!("{}: not a folder", out.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{}: folder is not empty; give a new or empty folder",
            out.display()
        );
    }
    let password = std::env::var(PASSWORD_ENV).ok();
    let written =
        stingwatch_ios_artifacts::fixtures::write_backup(out, &content, password.as_deref())
            .map_err(|e| anyhow!("{}: cannot write the backup: {e}", out.display()))?;
    let how = match (args.benign, password.is_some()) {
        (true, false) => "clean twin, no spyware",
        (true, true) => "clean twin, no spyware, encrypted",
        (false, false) => "sample spyware planted",
        (false, true) => "sample spyware planted, encrypted",
    };
    eprintln!("{}: iPhone backup ({how})", written.display());
    if let Some(iocs) = &args.iocs_out {
        let indicators = sample::ios::indicators();
        let entries: Vec<(&str, stingwatch_phone_model::ObservableKind, &str)> = indicators
            .iter()
            .map(|(k, v)| (sample::SAMPLE_COLLECTION, *k, v.as_str()))
            .collect();
        stingwatch_iocs::fixtures::write_bundle(iocs, &entries)
            .with_context(|| format!("{}: cannot write indicators", iocs.display()))?;
        eprintln!(
            "{}: {} indicators of {:?}",
            iocs.display(),
            entries.len(),
            sample::SAMPLE_COLLECTION
        );
        eprintln!(
            "check it with: stingwatch phone check-backup {} --iocs {}",
            written.display(),
            iocs.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
