//! `watch`: record, analyse live, alert, serve the local page (see docs/watch.md).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use stingwatch_analysis::KnownCells;
use stingwatch_store::Budget;
use stingwatch_watch::config::{default_data_dir, parse_severity, FileConfig, NotifyConfig};
use stingwatch_watch::{Source, WatchConfig};

/// Flags of `watch`; each overrides the config file.
#[derive(clap::Args)]
pub struct WatchArgs {
    /// Qualcomm DIAG device to read: the character device (/dev/diag) or a serial DIAG port
    /// (/dev/ttyUSB0, /dev/ttyACM0, ...).
    #[arg(long, conflicts_with = "replay")]
    device: Option<PathBuf>,
    /// Feed a recording (QMDL, pcap, pcapng) through the live path instead of a device.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Replay speed: 1 real time, 10 ten times faster, 0 as fast as possible.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Where recordings and the index are kept (default: the platform's data directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Web address (default 127.0.0.1:8080); off loopback every request needs the token.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Token for changes (and for everything off loopback); generated and printed if absent.
    #[arg(long)]
    token: Option<String>,
    /// ntfy topic URL to alert (plain-text POST with Title and Priority headers).
    #[arg(long)]
    ntfy: Option<String>,
    /// Webhook URL to POST each finding's JSON to.
    #[arg(long)]
    webhook: Option<String>,
    /// Alert on findings at least this severe (info, low, medium, high).
    #[arg(long)]
    notify_min_severity: Option<String>,
    /// Keep at least this percent of the file system free (default 10).
    #[arg(long)]
    min_free_percent: Option<f64>,
    /// Keep at most this many bytes of recordings.
    #[arg(long)]
    max_bytes: Option<u64>,
    /// Start a new recording when a segment reaches this size (default 64 MiB).
    #[arg(long)]
    segment_max_bytes: Option<u64>,
    /// TOML config file (keys as the long flags, with underscores).
    #[arg(long)]
    config: Option<PathBuf>,
    /// CSV of known genuine cells (mcc,mnc,tac,cid,earfcn,pci,lat,lon).
    #[arg(long)]
    known_cells: Option<PathBuf>,
    /// Network of the phone's SIM (MCC-MNC), when the recording does not show it.
    #[arg(long, value_name = "MCC-MNC", value_parser = crate::parse_plmn)]
    home_plmn: Option<stingwatch_analysis::Plmn>,
    /// Exit once the replay has been analysed (instead of serving on).
    #[arg(long)]
    exit_when_done: bool,
    /// Analyse without recording until recording is started from the page.
    #[arg(long)]
    paused: bool,
    /// Upload each finished recording's analysis to this fleet server (see docs/fleet.md).
    #[arg(long, value_name = "URL")]
    upload: Option<String>,
    /// File holding this sensor's fleet token (default: the STINGWATCH_TOKEN environment
    /// variable).
    #[arg(long, requires = "upload")]
    upload_token_file: Option<PathBuf>,
    /// Also upload the raw downlink messages around each finding.
    #[arg(long, requires = "upload")]
    upload_evidence: bool,
    /// Upload findings' positions exactly (otherwise rounded to about 100 m).
    #[arg(long, requires = "upload")]
    share_exact_position: bool,
    /// Name in this sensor's batch ids (default: sensor).
    #[arg(long, requires = "upload", default_value = "sensor")]
    sensor_name: String,
    /// Take GPS fixes from gpsd at HOST:PORT (e.g. 127.0.0.1:2947); fixes are stored beside
    /// each recording as NNNNNN-gps.ndjson. Fixes can also be posted to /api/gps.
    #[arg(long, value_name = "HOST:PORT")]
    gpsd: Option<String>,
}

/// `stingwatch watch`.
pub fn run_watch(a: WatchArgs) -> Result<ExitCode> {
    let file = match &a.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    let source = match (a.device, a.replay) {
        (Some(d), None) => Source::Device(d),
        (None, Some(p)) => {
            if !(a.speed >= 0.0 && a.speed.is_finite()) {
                bail!("--speed must be 0 or more");
            }
            Source::Replay {
                path: p,
                speed: a.speed,
            }
        }
        _ => bail!("watch: give --device PATH or --replay FILE"),
    };
    let min_severity = match a.notify_min_severity.or(file.notify_min_severity) {
        Some(s) => parse_severity(&s)?,
        None => NotifyConfig::default().min_severity,
    };
    let known_path = a.known_cells.or(file.known_cells);
    let known_cells = match known_path {
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("{}: cannot read known-cells file", p.display()))?;
            Some(KnownCells::from_csv(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let home_network = match (a.home_plmn, &file.home_plmn) {
        (Some(p), _) => Some(p),
        (None, Some(text)) => {
            Some(crate::parse_plmn(text).map_err(|e| anyhow!("config home_plmn: {e}"))?)
        }
        (None, None) => None,
    };
    let min_free_percent = a
        .min_free_percent
        .or(file.min_free_percent)
        .unwrap_or(Budget::default().min_free_percent);
    if !(0.0..=99.0).contains(&min_free_percent) {
        bail!("--min-free-percent must be between 0 and 99");
    }
    let upload = match &a.upload {
        Some(url) => Some(stingwatch_watch::UploadConfig {
            url: url.clone(),
            token: crate::fleet_cmd::read_token(
                a.upload_token_file.as_deref(),
                crate::fleet_cmd::TOKEN_ENV,
            )?,
            sensor: a.sensor_name.clone(),
            evidence: a.upload_evidence,
            share_exact_position: a.share_exact_position,
        }),
        None => None,
    };
    let cfg = WatchConfig {
        source,
        data_dir: a
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(default_data_dir),
        listen: a
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        token: a.token.or(file.token).filter(|t| !t.is_empty()),
        notify: NotifyConfig {
            ntfy: a.ntfy.or(file.ntfy),
            webhook: a.webhook.or(file.webhook),
            min_severity,
            attempts: file
                .notify_attempts
                .unwrap_or(NotifyConfig::default().attempts),
        },
        budget: Budget {
            min_free_percent,
            max_bytes: a.max_bytes.or(file.max_bytes),
        },
        segment_max_bytes: a
            .segment_max_bytes
            .or(file.segment_max_bytes)
            .unwrap_or(64 * 1024 * 1024),
        fsync_interval: Duration::from_millis(file.fsync_interval_ms.unwrap_or(1000)),
        exit_when_done: a.exit_when_done,
        start_paused: a.paused,
        known_cells,
        home_network,
        upload,
        gpsd: a.gpsd.clone(),
    };
    stingwatch_watch::run(cfg)?;
    Ok(ExitCode::SUCCESS)
}
