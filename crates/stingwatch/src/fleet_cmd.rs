//! The fleet commands: `serve`, `fleet add-sensor|revoke|list` (server side, behind the
//! `fleet-server` feature) and `upload` (sensor side, always built).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use stingwatch_decode::CaptureReader;
use stingwatch_fleet_client::{batch_from_analysis, ConvertOptions, Outbox, Uploader};
use stingwatch_fleet_model::BatchId;
use stingwatch_model::ReadItem;
use stingwatch_pipeline::Pipeline;

/// Environment variable holding a sensor token (instead of `--token-file`).
pub const TOKEN_ENV: &str = "STINGWATCH_TOKEN";
/// Environment variable holding the fleet database URL (instead of `--db`).
#[cfg(feature = "fleet-server")]
pub const DB_ENV: &str = "STINGWATCH_DB";
/// Environment variable holding the administrator token of `serve`.
#[cfg(feature = "fleet-server")]
pub const ADMIN_TOKEN_ENV: &str = "STINGWATCH_ADMIN_TOKEN";

/// The token from a file (first line) or the environment.
pub fn read_token(file: Option<&Path>, env: &str) -> Result<String> {
    let token = match file {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("{}: cannot read token file", p.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        None => std::env::var(env).unwrap_or_default().trim().to_string(),
    };
    if token.is_empty() {
        bail!("no token: give --token-file FILE or set {env}");
    }
    Ok(token)
}

/// Flags of `upload`.
#[derive(clap::Args)]
pub struct UploadArgs {
    /// Fleet server, e.g. http://fleet.example:8443.
    url: String,
    /// Recordings to analyse and upload, or outbox directories to send.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// File holding this sensor's token (default: the STINGWATCH_TOKEN environment variable).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Also send the raw downlink messages around each finding (evidence segments).
    #[arg(long)]
    evidence: bool,
    /// Send findings' positions exactly (otherwise rounded to about 100 m).
    #[arg(long)]
    share_exact_position: bool,
    /// Outbox for the batches made from recordings (default: fleet-outbox in the watch data
    /// directory).
    #[arg(long)]
    outbox: Option<PathBuf>,
    /// Give up after this many failed attempts in a row (batches stay in the outbox).
    #[arg(long, default_value_t = 8)]
    max_failures: u32,
}

fn is_outbox(p: &Path) -> bool {
    p.join("pending").is_dir()
}

/// A batch id for a recording that is the same however often it is uploaded: a digest of
/// its bytes and of what was asked, so a repeated `upload` of the same file is stored once.
fn recording_batch_id(path: &Path, args: &UploadArgs) -> Result<BatchId> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut h = Sha256::new();
    h.update(&bytes);
    h.update([u8::from(args.evidence), u8::from(args.share_exact_position)]);
    let hex: String = h
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(BatchId(format!("rec-{hex}")))
}

/// `stingwatch upload`.
pub fn run_upload(args: UploadArgs) -> Result<ExitCode> {
    let token = read_token(args.token_file.as_deref(), TOKEN_ENV)?;
    let default_outbox = args.outbox.clone().unwrap_or_else(|| {
        stingwatch_watch::fleet::outbox_dir(&stingwatch_watch::config::default_data_dir())
    });
    let mut outboxes: Vec<Outbox> = Vec::new();
    let mut made: Option<Outbox> = None;
    for p in &args.paths {
        if p.is_dir() && is_outbox(p) {
            outboxes.push(
                Outbox::open(p).with_context(|| format!("{}: cannot open outbox", p.display()))?,
            );
            continue;
        }
        let reader = CaptureReader::open(p)?;
        let name = p.display().to_string();
        let mut pipeline = Pipeline::new(name, None);
        for item in reader {
            match item {
                ReadItem::Message(m) => {
                    pipeline.push(&m);
                }
                ReadItem::Measurement(m) => {
                    pipeline.push_measurement(&m);
                }
                ReadItem::Damage(_) => {}
            }
        }
        let mut done = pipeline.finish();
        // The GPS track beside the recording (`NAME-gps.ndjson`), as `analyze` reads it: it
        // places each cell, measurement and finding.
        let track = match crate::analyze_cmd::track_beside(p) {
            Some(t) => {
                let file = std::fs::File::open(&t)
                    .with_context(|| format!("{}: cannot open GPS track", t.display()))?;
                let track = stingwatch_gps::Track::read(std::io::BufReader::new(file))
                    .with_context(|| format!("{}: cannot read GPS track", t.display()))?;
                for d in track.diagnostics.iter().take(3) {
                    eprintln!("{}: {d}", t.display());
                }
                stingwatch_report::locate_cells(&mut done.cells, &mut done.radio_cells, &track);
                for f in done.findings.iter_mut() {
                    f.position = f.observed_at().and_then(|at| track.locate(at));
                }
                Some(track)
            }
            None => None,
        };
        let opts = ConvertOptions {
            share_exact_position: args.share_exact_position,
            track: track.as_ref(),
            evidence_from: args.evidence.then_some(p.as_path()),
            now_ms: now_ms(),
        };
        let batch = batch_from_analysis(
            recording_batch_id(p, &args)?,
            &done.findings,
            &done.cells,
            &done.radio_cells,
            &opts,
        );
        let ob = match &made {
            Some(o) => o.clone(),
            None => {
                let o = Outbox::open(&default_outbox)
                    .with_context(|| format!("{}: cannot open outbox", default_outbox.display()))?;
                made = Some(o.clone());
                o
            }
        };
        ob.put(&batch)
            .with_context(|| format!("{}: cannot write to the outbox", ob.dir().display()))?;
        eprintln!(
            "{}: {} findings, {} cell sightings queued as batch {}",
            p.display(),
            batch.findings.len(),
            batch.observations.len(),
            batch.batch_id.0
        );
    }
    outboxes.extend(made);
    let uploader = Uploader::new(&args.url, &token);
    let stop = AtomicBool::new(false);
    let mut pending = 0;
    for ob in &outboxes {
        let r = uploader.drain(ob, args.max_failures.max(1), &stop);
        eprintln!(
            "{}: {} stored, {} already stored, {} rejected, {} pending",
            ob.dir().display(),
            r.stored,
            r.duplicates,
            r.rejected,
            r.pending
        );
        if let Some(e) = &r.last_error {
            eprintln!("stingwatch upload: {e}");
        }
        pending += r.pending + r.rejected;
    }
    Ok(if pending == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(feature = "fleet-server")]
pub use server::*;

#[cfg(feature = "fleet-server")]
mod server {
    use super::*;
    use std::net::SocketAddr;
    use stingwatch_fleet_store::{Store, StoreConfig, DEFAULT_RETENTION_DAYS};

    /// Flags of `serve`.
    #[derive(clap::Args)]
    pub struct ServeArgs {
        /// PostgreSQL URL, e.g. postgresql://stingwatch@localhost/fleet (default: the
        /// STINGWATCH_DB environment variable).
        #[arg(long)]
        db: Option<String>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Days observations, findings and evidence are kept.
        #[arg(long, default_value_t = DEFAULT_RETENTION_DAYS)]
        retention_days: u32,
        /// Map tile URL template for the page's background ({z}/{x}/{y}); none by default.
        #[arg(long)]
        tile_url: Option<String>,
        /// File holding the administrator token (default: STINGWATCH_ADMIN_TOKEN); without
        /// one the admin API is off.
        #[arg(long)]
        admin_token_file: Option<PathBuf>,
        /// Pooled database connections.
        #[arg(long, default_value_t = stingwatch_fleet_store::DEFAULT_MAX_CONNECTIONS)]
        db_connections: usize,
        /// OpenCellID CSV export of known cells (radio,mcc,net,area,cell,...): fleet findings
        /// on cells it lacks, where it knows the operator's cells around, weigh more.
        #[arg(long, value_name = "CSV")]
        reference: Option<PathBuf>,
    }

    /// `fleet` subcommands: sensor administration straight on the database.
    #[derive(clap::Subcommand)]
    pub enum FleetCommand {
        /// Add a sensor and print its token (shown once; only its hash is kept).
        AddSensor {
            /// Sensor name.
            name: String,
            /// Keep exact positions on this sensor's findings (its owner opted in).
            #[arg(long)]
            share_exact_position: bool,
            /// PostgreSQL URL (default: STINGWATCH_DB).
            #[arg(long)]
            db: Option<String>,
        },
        /// Revoke a sensor's token.
        Revoke {
            /// Sensor name.
            name: String,
            /// PostgreSQL URL (default: STINGWATCH_DB).
            #[arg(long)]
            db: Option<String>,
        },
        /// List the sensors.
        List {
            /// PostgreSQL URL (default: STINGWATCH_DB).
            #[arg(long)]
            db: Option<String>,
        },
    }

    fn db_url(db: Option<String>) -> Result<String> {
        db.or_else(|| std::env::var(DB_ENV).ok())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| anyhow::anyhow!("no database: give --db URL or set {DB_ENV}"))
    }

    /// `stingwatch serve`.
    pub fn run_serve(a: ServeArgs) -> Result<ExitCode> {
        let admin = match &a.admin_token_file {
            Some(p) => Some(read_token(Some(p), ADMIN_TOKEN_ENV)?),
            None => std::env::var(ADMIN_TOKEN_ENV)
                .ok()
                .filter(|t| !t.is_empty()),
        };
        let mut store = StoreConfig::new(db_url(a.db)?);
        store.retention_days = a.retention_days.max(1);
        store.max_connections = a.db_connections.max(1);
        stingwatch_fleet_server::run(stingwatch_fleet_server::ServerConfig {
            store,
            listen: a.listen,
            admin_token: admin,
            tile_url: a.tile_url,
            reference: a.reference,
        })?;
        Ok(ExitCode::SUCCESS)
    }

    /// `stingwatch fleet ...`.
    pub fn run_fleet(c: FleetCommand) -> Result<ExitCode> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        rt.block_on(async move {
            let db = match &c {
                FleetCommand::AddSensor { db, .. }
                | FleetCommand::Revoke { db, .. }
                | FleetCommand::List { db } => db.clone(),
            };
            let store = Store::new(&StoreConfig::new(db_url(db)?))?;
            store.migrate().await.context("migrating the database")?;
            match c {
                FleetCommand::AddSensor {
                    name,
                    share_exact_position,
                    ..
                } => {
                    let token = store.add_sensor(&name, share_exact_position).await?;
                    eprintln!("sensor {name} added; its token (shown once):");
                    println!("{token}");
                }
                FleetCommand::Revoke { name, .. } => {
                    store.revoke_sensor(&name).await?;
                    eprintln!("sensor {name} revoked");
                }
                FleetCommand::List { .. } => {
                    for s in store.list_sensors().await? {
                        println!(
                            "{}\t{}\t{} batches{}",
                            s.name,
                            if s.revoked { "revoked" } else { "active" },
                            s.batches,
                            if s.share_exact_position {
                                "\texact positions"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        })
    }
}
