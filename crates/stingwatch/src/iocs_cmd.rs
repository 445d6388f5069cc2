//! `iocs`: list the published spyware indicators the phone checks would use, and download
//! them. `iocs update` is the only command of the phone checks that uses the network, and
//! only when a person runs it; scans read what it wrote.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::{Subcommand, ValueEnum};
use stingwatch_iocs::update::{update, PUBLIC_INDEX_URL};
use stingwatch_iocs::{default_iocs_dir, CollectionSummary, Diagnostic, LoadStats};
use stingwatch_phone_check::Indicators;

use crate::analyze_cmd::write_report;

/// The `iocs` subcommands.
#[derive(Subcommand)]
pub enum IocsCommand {
    /// List indicator collections: counts per kind, source files and loading problems.
    List {
        /// STIX 2.1 indicator file or folder; repeat for several. Default: the folder
        /// `stingwatch iocs update` downloads to.
        #[arg(long = "iocs", value_name = "PATH")]
        iocs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Download published indicators (one STIX file, or an index of sets) into the
    /// indicator folder. The only phone command that uses the network.
    Update {
        /// URL of a STIX 2.1 bundle or of an indicator index (YAML).
        #[arg(default_value = PUBLIC_INDEX_URL)]
        url: String,
        /// Folder to write into. Default: $STINGWATCH_IOCS_DIR, else
        /// $XDG_DATA_HOME/stingwatch/iocs, else ~/.local/share/stingwatch/iocs.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Output format of `iocs list`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Text,
    /// One JSON document.
    Json,
}

/// Runs an `iocs` subcommand.
pub fn run(command: IocsCommand) -> Result<ExitCode> {
    match command {
        IocsCommand::List { iocs, format } => run_list(&iocs, format),
        IocsCommand::Update { url, dir } => run_update(&url, dir),
    }
}

#[derive(serde::Serialize)]
struct Listing<'a> {
    paths: Vec<String>,
    collections: &'a [CollectionSummary],
    stats: &'a LoadStats,
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Option::is_none")]
    none_loaded: Option<&'a str>,
}

fn run_list(paths: &[PathBuf], format: ListFormat) -> Result<ExitCode> {
    let indicators = Indicators::load(paths);
    let collections = indicators.set().collections();
    let listing = Listing {
        paths: indicators
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        collections: &collections,
        stats: indicators.set().stats(),
        diagnostics: indicators.diagnostics(),
        none_loaded: indicators.none_loaded.as_deref(),
    };
    match format {
        ListFormat::Json => write_report(None, |w| {
            serde_json::to_writer_pretty(&mut *w, &listing)?;
            w.write_all(b"\n")
        })?,
        ListFormat::Text => {
            let text = list_text(&listing);
            write_report(None, |w| w.write_all(text.as_bytes()))?;
        }
    }
    // Paths named on the command line that hold no indicator are unreadable input; an
    // absent default folder only means nothing was downloaded yet.
    Ok(if indicators.none_loaded.is_some() && !paths.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn list_text(l: &Listing) -> String {
    let mut out = String::new();
    if let Some(why) = l.none_loaded {
        out.push_str(why);
        out.push('\n');
    } else {
        let collections = match l.collections.len() {
            1 => "1 collection".to_string(),
            n => format!("{n} collections"),
        };
        out.push_str(&format!(
            "{} indicators in {collections} from {}\n",
            l.stats.indicators,
            l.paths.join(", ")
        ));
    }
    for c in l.collections {
        out.push_str(&format!(
            "\n{}  ({} indicators)\n  file: {}\n",
            c.name, c.total, c.source
        ));
        for (kind, n) in &c.counts {
            out.push_str(&format!("  {n:>8}  {kind}\n"));
        }
    }
    let s = l.stats;
    let skipped = [
        (s.duplicates, "duplicates kept once"),
        (s.malformed_objects, "malformed objects skipped"),
        (
            s.unsupported_patterns,
            "patterns not of one value (not loaded)",
        ),
        (s.invalid_patterns, "invalid patterns"),
        (
            s.unknown_keys,
            "comparisons on other keys than the 16 known",
        ),
        (
            s.rejected_values,
            "values refused (empty, too long, not of their kind)",
        ),
        (s.over_limit, "left out at a size limit"),
        (s.unreadable_files, "unreadable files"),
    ];
    if skipped.iter().any(|(n, _)| *n > 0) {
        out.push_str("\nNot loaded:\n");
        for (n, what) in skipped.iter().filter(|(n, _)| *n > 0) {
            out.push_str(&format!("  {n:>8}  {what}\n"));
        }
    }
    if !l.diagnostics.is_empty() {
        out.push_str("\nProblems:\n");
        for d in l.diagnostics {
            out.push_str(&format!("  {}: {}\n", d.source, d.message));
        }
    }
    out
}

fn run_update(url: &str, dir: Option<PathBuf>) -> Result<ExitCode> {
    let dir = match dir.or_else(default_iocs_dir) {
        Some(d) => d,
        None => {
            return Err(anyhow!(
                "no indicator folder known: give --dir DIR or set STINGWATCH_IOCS_DIR"
            ))
        }
    };
    eprintln!("downloading {url} into {}", dir.display());
    let report = update(url, &dir).map_err(|e| anyhow!("{e}"))?;
    for w in &report.written {
        println!(
            "{}: {} indicators ({}) from {}",
            w.path.display(),
            w.indicators,
            w.name,
            w.url
        );
    }
    for d in &report.warnings {
        eprintln!("stingwatch: warning: {}: {}", d.source, d.message);
    }
    for d in &report.failures {
        eprintln!("stingwatch: not updated: {}: {}", d.source, d.message);
    }
    Ok(if report.written.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
