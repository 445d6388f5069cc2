//! `stingwatch`: detect cell-site simulators in baseband recordings, and spyware on phones.

mod analyze_cmd;
mod decode_cmd;
mod fleet_cmd;
mod iocs_cmd;
mod phone_cmd;
mod pretty_json;
mod scenario_cmd;
mod watch_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Detect cell-site simulators (IMSI catchers) in baseband recordings.
#[derive(Parser)]
#[command(name = "stingwatch", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output format of `decode`.
#[derive(Clone, Copy, ValueEnum)]
pub enum DecodeFormat {
    /// One line per message for people.
    Text,
    /// One JSON object per line per message.
    Ndjson,
}

#[derive(Subcommand)]
enum Command {
    /// Decode every radio message of one or more captures (QMDL, pcap, pcapng).
    Decode {
        /// Capture files; the format is detected from content.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: DecodeFormat,
        /// Also print a per-file summary (formats, log codes, damage) on stderr.
        #[arg(long)]
        summary: bool,
    },
    /// Analyse recordings (files or directories) for signs of a cell-site simulator.
    Analyze {
        /// Capture files or directories (walked recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: analyze_cmd::AnalyzeFormat,
        /// Exit with status 1 when a finding reaches this severity.
        #[arg(long, value_enum, default_value = "medium")]
        fail_on: analyze_cmd::FailOn,
        /// CSV of known genuine cells (mcc,mnc,tac,cid,earfcn,pci,lat,lon).
        #[arg(long)]
        known_cells: Option<PathBuf>,
        /// Network of the phone's SIM (MCC-MNC, e.g. 310-260), for recordings in which the
        /// phone never sends its IMSI; otherwise it is read from the recording.
        #[arg(long, value_name = "MCC-MNC", value_parser = parse_plmn)]
        home_plmn: Option<stingwatch_analysis::Plmn>,
        /// Write the report to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Decode every message in full instead of reusing repeated RRC messages (slower, same
        /// findings; for checking and measuring the fast path).
        #[arg(long)]
        full_decode: bool,
        /// GPS track of the recordings (Rayhunter `-gps.ndjson` lines or NMEA 0183); by
        /// default each recording's `NAME-gps.ndjson` beside `NAME.qmdl` is used when present.
        #[arg(long, value_name = "FILE")]
        gps: Option<PathBuf>,
    },
    /// Write a labeled attack or benign scenario capture built by the project itself.
    Scenario {
        /// Scenario name (see --list).
        #[arg(required_unless_present = "list")]
        name: Option<String>,
        /// Output file.
        #[arg(short, long, required_unless_present_any = ["list", "out"])]
        output: Option<PathBuf>,
        /// Output directory of a multi-sensor scenario (`fleet-*`): each sensor's
        /// `NAME.qmdl` and `NAME-gps.ndjson`, and `truth.json`.
        #[arg(long, value_name = "DIR", conflicts_with = "output")]
        out: Option<PathBuf>,
        /// Container format (default from the output's extension: .qmdl, else pcapng).
        #[arg(long, value_enum)]
        format: Option<scenario_cmd::ScenarioFormat>,
        /// How NAS messages appear.
        #[arg(long, value_enum, default_value = "rrc-and-records")]
        nas: scenario_cmd::NasMode,
        /// Also write the scenario's labels (expected findings) as JSON here.
        #[arg(long)]
        labels: Option<PathBuf>,
        /// List the scenarios.
        #[arg(long)]
        list: bool,
    },
    /// Record and analyse live (device or replay), alert, and serve a local web page.
    Watch(Box<watch_cmd::WatchArgs>),
    /// Convert a capture (e.g. QMDL) to GSMTAP pcapng that Wireshark and tshark decode.
    Convert {
        /// Input capture.
        input: PathBuf,
        /// Output pcapng file.
        output: PathBuf,
    },
    /// Check a phone's acquisition for known spyware and warning signs (never uses the
    /// network).
    #[command(subcommand)]
    Phone(phone_cmd::PhoneCommand),
    /// List or download the published spyware indicators the phone checks use.
    #[command(subcommand)]
    Iocs(iocs_cmd::IocsCommand),
    /// Analyse recordings and upload the results (or send an outbox) to a fleet server.
    Upload(Box<fleet_cmd::UploadArgs>),
    /// Run the fleet server (PostgreSQL) that pools many sensors; see docs/fleet.md.
    #[cfg(feature = "fleet-server")]
    Serve(Box<fleet_cmd::ServeArgs>),
    /// Add, revoke and list the fleet's sensors.
    #[cfg(feature = "fleet-server")]
    #[command(subcommand)]
    Fleet(fleet_cmd::FleetCommand),
}

/// `MCC-MNC` as a PLMN, for `--home-plmn`.
pub(crate) fn parse_plmn(text: &str) -> Result<stingwatch_analysis::Plmn, String> {
    stingwatch_analysis::Plmn::parse(text).ok_or_else(|| {
        format!("'{text}' is not MCC-MNC (three digits, a dash, two or three digits)")
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let result = match cli.command {
        Command::Decode {
            files,
            format,
            summary,
        } => decode_cmd::run_decode(&files, format, summary),
        Command::Analyze {
            paths,
            format,
            fail_on,
            known_cells,
            home_plmn,
            output,
            full_decode,
            gps,
        } => analyze_cmd::run_analyze(analyze_cmd::AnalyzeOptions {
            paths,
            format,
            fail_on,
            known_cells,
            home_plmn,
            output,
            full_decode,
            gps,
        }),
        Command::Scenario { list: true, .. } => scenario_cmd::run_list(),
        Command::Scenario {
            name,
            output,
            format,
            nas,
            labels,
            out,
            ..
        } => match (name, output, out) {
            (Some(name), _, Some(dir)) => scenario_cmd::run_fleet(&name, &dir),
            (Some(name), Some(output), None) => {
                scenario_cmd::run_scenario(&name, &output, format, nas, labels)
            }
            _ => Err(anyhow::anyhow!(
                "scenario: a NAME and -o FILE (or --out DIR for fleet-*) are needed"
            )),
        },
        Command::Convert { input, output } => decode_cmd::run_convert(&input, &output),
        Command::Watch(args) => watch_cmd::run_watch(*args),
        Command::Phone(command) => phone_cmd::run(command),
        Command::Iocs(command) => iocs_cmd::run(command),
        Command::Upload(args) => fleet_cmd::run_upload(*args),
        #[cfg(feature = "fleet-server")]
        Command::Serve(args) => fleet_cmd::run_serve(*args),
        #[cfg(feature = "fleet-server")]
        Command::Fleet(command) => fleet_cmd::run_fleet(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stingwatch: {e:#}");
            ExitCode::from(2)
        }
    }
}
