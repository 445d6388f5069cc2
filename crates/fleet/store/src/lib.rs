//! PostgreSQL storage of the Stingwatch fleet.
//!
//! What is kept, and why (see docs/fleet.md, "Privacy"):
//! - sensors by name, with the SHA-256 of their token (tokens are 256 random bits, so a plain
//!   hash is enough; no salt or slow hash is needed against guessing);
//! - one row per applied batch, keyed by (sensor, batch id): a retry finds the row and
//!   changes nothing, so every batch is applied exactly once;
//! - routine observations with a grid cell of the fleet's hexagonal grid
//!   ([`stingwatch_fleet_correlate::hexgrid`], about 175-200 m across) and its centre instead of
//!   the position, in day partitions that the retention purge drops whole;
//! - findings, with an exact position only when the sensor's owner opted in;
//! - evidence bytes, only when a sensor sent them or a Rayhunter uploaded its recording.
//!
//! No client address is ever passed to this crate.
//!
//! Database client: tokio-postgres rather than sqlx, measured on this project's two-core
//! builder: 68 crates and 94 s (41 s CPU) for a from-scratch build against 147 crates for
//! sqlx with only its PostgreSQL driver, 285 s (99 s CPU) (method in docs/fleet.md).

#![forbid(unsafe_code)]

mod pool;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};
use stingwatch_fleet_model::{
    BatchId, CellKey, Observation, Position, Rat, SensorFinding, Severity, UploadBatch,
    UploadReceipt,
};
use stingwatch_gps::Track;
use tokio_postgres::types::ToSql;

use pool::Pool;
use stingwatch_fleet_correlate::hexgrid::{self, HEX_CIRCUMRADIUS_M};
use stingwatch_fleet_correlate::{SensorId, SensorObservation, SensorReport, Sighting};

/// Versioned schema migrations, applied in order; never edit one that has shipped.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/0001_initial.sql")),
    (
        2,
        "fleet_grid",
        include_str!("../migrations/0002_fleet_grid.sql"),
    ),
    (
        3,
        "rayhunter_observations",
        include_str!("../migrations/0003_rayhunter_observations.sql"),
    ),
];
/// The migration after which stored grid cells are re-binned into the fleet grid.
const REGRID_MIGRATION: i32 = 2;

/// Oldest GPS fix that still places a finding of a Rayhunter recording, ms. Longer than a
/// sensor's own limit (`stingwatch_gps::MAX_FIX_AGE_MS`, one minute): Rayhunter writes a fix
/// only when something posts one to its API (a phone shortcut, often minutes apart), and five
/// minutes of walking is a few hundred metres, one or two grid cells, which is still the
/// place a finding is shown at rather than none.
pub const RAYHUNTER_MAX_FIX_AGE_MS: u64 = 5 * 60 * 1000;

/// Where a Rayhunter recording's sensor was at `time_ms`, from its GPS file.
fn rayhunter_place(track: &Track, time_ms: i64) -> Option<Position> {
    let at = stingwatch_model::CaptureTime(time_ms.saturating_mul(1000));
    let p = track.locate_within(at, RAYHUNTER_MAX_FIX_AGE_MS)?;
    Some(Position {
        latitude: p.latitude,
        longitude: p.longitude,
        accuracy_m: p.accuracy_m,
    })
}

/// Default retention of observations, findings and evidence, in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// Observations stamped further than this in the future (a sensor clock gone wrong) are not
/// kept: they would make partitions for days that have not come.
pub const MAX_FUTURE_MS: i64 = 24 * 3600 * 1000;
/// Default number of pooled database connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;
/// Longest sensor name.
pub const MAX_SENSOR_NAME: usize = 64;
/// Most rows one read returns (findings, coverage cells, suspicious cells).
pub const MAX_READ_ROWS: i64 = 10_000;
/// Most sightings gathered per suspicious cell (the newest).
pub const MAX_POINTS_PER_CELL: i64 = 500;
/// One day in milliseconds: the partition width.
const DAY_MS: i64 = 86_400_000;
/// Advisory lock of schema migrations.
const MIGRATION_LOCK: i64 = 0x5357_5030;
/// Advisory-lock class of partition creation (any constant unique to this schema).
const PARTITION_LOCK: i32 = 0x5357_5031;
/// Advisory-lock class of Rayhunter recordings.
const RAYHUNTER_LOCK: i32 = 0x5357_5032;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or the connection broke.
    #[error("database: {0}")]
    Db(#[from] tokio_postgres::Error),
    /// A migration failed; the schema is left at the version before it.
    #[error("migration {version} ({name}): {source}")]
    Migration {
        /// Version that failed.
        version: i32,
        /// Its name.
        name: &'static str,
        /// What the database said.
        source: tokio_postgres::Error,
    },
    /// The database holds a newer schema than this program knows.
    #[error("database schema version {0} is newer than this program's; upgrade stingwatch")]
    SchemaTooNew(i32),
    /// A value the caller gave is not acceptable (nothing was stored).
    #[error("{0}")]
    Invalid(String),
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The name is taken.
    #[error("{0} already exists")]
    Exists(String),
    /// No random bytes for a token.
    #[error("no random source: {0}")]
    Random(String),
}

type Result<T> = std::result::Result<T, StoreError>;

/// A sensor as authentication sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sensor {
    /// Database id.
    pub id: i64,
    /// Name given by the administrator.
    pub name: String,
    /// Revoked sensors are refused.
    pub revoked: bool,
    /// Exact positions are kept on this sensor's findings.
    pub share_exact_position: bool,
}

/// A sensor in the administrator's list.
#[derive(Debug, Clone, Serialize)]
pub struct SensorSummary {
    /// Name.
    pub name: String,
    /// Revoked or not.
    pub revoked: bool,
    /// Exact positions on findings kept or not.
    pub share_exact_position: bool,
    /// Batches applied.
    pub batches: i64,
    /// Last batch, milliseconds since the Unix epoch.
    pub last_batch_ms: Option<i64>,
}

/// A position as stored with a finding: the grid cell centre, or the exact fix when the
/// sensor opted in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StoredPosition {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// True for an exact fix, false for a grid cell centre.
    pub exact: bool,
    /// Accuracy in metres: the fix's own, or the grid cell's radius.
    pub accuracy_m: Option<f64>,
}

/// A finding as the fleet page reads it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFinding {
    /// Database id.
    pub id: i64,
    /// Sensor that reported it.
    pub sensor: String,
    /// The sensor's own id of the finding.
    pub finding_id: String,
    /// Analyzer.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// Technology.
    pub rat: Option<Rat>,
    /// One line.
    pub title: String,
    /// Plain-language explanation.
    pub explanation: String,
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Cell it happened on.
    pub cell: Option<CellKey>,
    /// Channel.
    pub channel: Option<u32>,
    /// Physical cell id.
    pub pci: Option<u16>,
    /// Where.
    pub position: Option<StoredPosition>,
    /// Evidence kept for it (download as report or pcapng).
    pub evidence_id: Option<i64>,
    /// Batch it came in.
    pub batch_id: Option<String>,
    /// Rayhunter recording it came from.
    pub recording: Option<String>,
}

/// Observations in one grid cell.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageCell {
    /// Grid cell id.
    pub hex: i64,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Observations in the cell.
    pub observations: i64,
    /// Distinct sensors that observed there.
    pub sensors: i64,
    /// Last observation, milliseconds since the Unix epoch.
    pub last_ms: i64,
}

/// A cell with findings, and where it was heard from (the input of a transmitter estimate).
#[derive(Debug, Clone, Serialize)]
pub struct SuspiciousCell {
    /// The cell.
    pub cell: CellKey,
    /// Findings on it.
    pub findings: i64,
    /// Most severe of them.
    pub highest: Severity,
    /// First finding, milliseconds since the Unix epoch.
    pub first_ms: i64,
    /// Last finding.
    pub last_ms: i64,
    /// Sensors that reported findings on it.
    pub sensors: i64,
    /// Where it was heard from, with signal and timing advance (grid cell centres; the
    /// newest [`MAX_POINTS_PER_CELL`]): the input of a transmitter estimate.
    #[serde(skip)]
    pub sightings: Vec<Sighting>,
}

/// What the fleet rules read: every sensor's observations and findings of a period, each
/// with the sensor that made it.
#[derive(Debug, Clone, Default)]
pub struct CorrelationInput {
    /// Observations, positions as grid cell centres.
    pub observations: Vec<SensorObservation>,
    /// Sensor findings, positions exact where kept, else grid cell centres; without their
    /// explanation text (the rules do not read it).
    pub findings: Vec<SensorReport>,
    /// True when older observations of the period were left out at the limit.
    pub observations_truncated: bool,
    /// True when older findings of the period were left out at the limit.
    pub findings_truncated: bool,
}

/// Evidence bytes.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// `qmdl` or `pcapng`.
    pub format: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// Sensor that sent them.
    pub sensor: String,
}

/// A finding the server made itself (from a Rayhunter recording).
#[derive(Debug, Clone)]
pub struct ServerFinding {
    /// The finding, in the upload vocabulary; `position` is filled from the GPS file.
    pub finding: SensorFinding,
}

/// Kind of file a Rayhunter puts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RayhunterKind {
    /// `NAME.qmdl.gz` or `NAME.qmdl`.
    Qmdl,
    /// `NAME.ndjson`: Rayhunter's own analysis.
    Analysis,
    /// `NAME-gps.ndjson`.
    Gps,
}

impl RayhunterKind {
    fn as_str(self) -> &'static str {
        match self {
            RayhunterKind::Qmdl => "qmdl",
            RayhunterKind::Analysis => "analysis",
            RayhunterKind::Gps => "gps",
        }
    }
}

/// What a Rayhunter put did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RayhunterPut {
    /// The same bytes had been stored before; nothing changed.
    pub unchanged: bool,
    /// A file of that name was replaced.
    pub replaced: bool,
    /// Findings now stored for the recording.
    pub findings: u64,
    /// Findings that got a position from the GPS file.
    pub positioned: u64,
    /// Cell observations now stored for the recording (when the put carried them).
    pub observations: u64,
}

/// What a purge removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    /// Day partitions of observations dropped.
    pub partitions_dropped: u64,
    /// Findings deleted.
    pub findings: u64,
    /// Evidence segments deleted.
    pub evidence: u64,
    /// Batch records deleted.
    pub batches: u64,
    /// Rayhunter file records deleted.
    pub rayhunter_files: u64,
}

/// A routine position as stored: the fleet grid cell holding it and the cell's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coarse {
    /// Grid cell id ([`hexgrid::HexId::to_u64`], which fits a BIGINT: the band is below 2^8).
    pub cell: i64,
    /// Latitude of the cell's centre, degrees.
    pub lat: f64,
    /// Longitude of the cell's centre, degrees.
    pub lon: f64,
}

/// The grid cell of a position; `None` for coordinates off Earth.
pub fn coarsen(p: &Position) -> Option<Coarse> {
    let id = hexgrid::cell_of(p)?;
    let c = hexgrid::centre(id);
    Some(Coarse {
        cell: i64::try_from(id.to_u64()).ok()?,
        lat: c.latitude,
        lon: c.longitude,
    })
}

/// Circumradius of a grid cell, metres: how far a stored centre may be from the fix.
pub const CELL_RADIUS_M: f64 = HEX_CIRCUMRADIUS_M;

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new random token: 32 bytes from the operating system, hex.
pub fn new_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Checks a sensor name: 1 to [`MAX_SENSOR_NAME`] of `[A-Za-z0-9_.-]`, not starting with a dot.
pub fn check_sensor_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SENSOR_NAME
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "sensor name must be 1 to {MAX_SENSOR_NAME} characters of A-Z a-z 0-9 - _ . and not start with a dot"
        )))
    }
}

fn rat_code(r: Rat) -> i16 {
    match r {
        Rat::Gsm => 0,
        Rat::Umts => 1,
        Rat::Lte => 2,
        Rat::Nr => 3,
    }
}

fn rat_from(c: Option<i16>) -> Option<Rat> {
    match c? {
        0 => Some(Rat::Gsm),
        1 => Some(Rat::Umts),
        2 => Some(Rat::Lte),
        3 => Some(Rat::Nr),
        _ => None,
    }
}

fn severity_code(s: Severity) -> i16 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
    }
}

fn severity_from(c: i16) -> Severity {
    match c {
        3 => Severity::High,
        2 => Severity::Medium,
        1 => Severity::Low,
        _ => Severity::Info,
    }
}

/// Latest time a query or row may name, ms since the epoch (the start of the year 10000):
/// a read's `since_ms` comes from the caller, and the driver's microsecond arithmetic must
/// not overflow on it.
const MAX_TIME_MS: i64 = 253_402_300_800_000;

/// Milliseconds since the epoch as a timestamp (clamped to the epoch and [`MAX_TIME_MS`]).
fn time_of(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms.min(MAX_TIME_MS)).unwrap_or(0))
}

/// Now in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Day number (days since the epoch) of a time.
fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// `observations_dYYYYMMDD` and the partition's bounds as SQL timestamps.
fn partition_of(day: i64) -> (String, String, String) {
    let date = |d: i64| {
        let t = stingwatch_model::CaptureTime(d.saturating_mul(DAY_MS).saturating_mul(1000));
        t.to_rfc3339().chars().take(10).collect::<String>()
    };
    let from = date(day);
    let to = date(day + 1);
    let name = format!("observations_d{}", from.replace('-', ""));
    (
        name,
        format!("{from} 00:00:00+00"),
        format!("{to} 00:00:00+00"),
    )
}

/// Day of a partition name made by [`partition_of`].
fn day_of_partition(name: &str) -> Option<i64> {
    let digits = name.strip_prefix("observations_d")?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = digits.get(0..4)?.parse().ok()?;
    let m: i64 = digits.get(4..6)?.parse().ok()?;
    let d: i64 = digits.get(6..8)?.parse().ok()?;
    Some(days_from_civil(y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Connection settings of a [`Store`].
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `postgresql://user@host:port/db` (or key=value form).
    pub url: String,
    /// Pooled connections.
    pub max_connections: usize,
    /// Days observations, findings and evidence are kept.
    pub retention_days: u32,
}

impl StoreConfig {
    /// Settings with the defaults for everything but the URL.
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

/// The fleet database.
pub struct Store {
    pool: Pool,
    retention_days: u32,
    /// Day partitions known to exist (a cache: creation is idempotent).
    partitions: Mutex<BTreeSet<i64>>,
}

/// Column vectors of observations for one `INSERT ... SELECT FROM UNNEST`.
#[derive(Default)]
struct ObservationColumns {
    time: Vec<SystemTime>,
    rat: Vec<Option<i16>>,
    mcc: Vec<Option<i16>>,
    mnc: Vec<Option<i16>>,
    area: Vec<Option<i64>>,
    cell: Vec<Option<i64>>,
    channel: Vec<Option<i64>>,
    pci: Vec<Option<i32>>,
    serving: Vec<bool>,
    rsrp: Vec<Option<f32>>,
    rsrq: Vec<Option<f32>>,
    ta: Vec<Option<i64>>,
    hex: Vec<Option<i64>>,
    hex_lat: Vec<Option<f64>>,
    hex_lon: Vec<Option<f64>>,
    exposures: Vec<i32>,
    connections: Vec<i32>,
    position_age: Vec<Option<i32>>,
}

impl ObservationColumns {
    /// Columns of the observations made from `oldest` to `newest` (ms; others are outside
    /// retention or from a wrong clock and are left out), and the days they fall on.
    fn of(observations: &[Observation], oldest: i64, newest: i64) -> (Self, BTreeSet<i64>) {
        let mut obs = ObservationColumns::default();
        let mut days = BTreeSet::new();
        for o in observations {
            if o.time_ms < oldest || o.time_ms > newest {
                continue;
            }
            days.insert(day_of(o.time_ms));
            obs.time.push(time_of(o.time_ms));
            obs.rat.push(o.cell.map(|c| rat_code(c.rat)));
            obs.mcc.push(o.cell.map(|c| c.mcc as i16));
            obs.mnc.push(o.cell.map(|c| c.mnc as i16));
            obs.area.push(o.cell.map(|c| i64::from(c.area)));
            obs.cell.push(o.cell.map(|c| c.cell as i64));
            obs.channel.push(o.channel.map(i64::from));
            obs.pci.push(o.pci.map(i32::from));
            obs.serving.push(o.serving);
            obs.rsrp.push(o.rsrp_dbm.map(|v| v as f32));
            obs.rsrq.push(o.rsrq_db.map(|v| v as f32));
            obs.ta.push(o.timing_advance.map(i64::from));
            let coarse = o.position.as_ref().and_then(coarsen);
            obs.hex.push(coarse.map(|c| c.cell));
            obs.hex_lat.push(coarse.map(|c| c.lat));
            obs.hex_lon.push(coarse.map(|c| c.lon));
            obs.exposures.push(clamp_i32(o.identity_exposures));
            // The fix's age only matters with a fix; beyond i32 milliseconds (24 days) it is
            // too old to place anything and is stored as the largest value.
            obs.position_age.push(
                coarse
                    .and(o.position_age_ms)
                    .map(|a| i32::try_from(a).unwrap_or(i32::MAX)),
            );
            obs.connections.push(clamp_i32(o.connections));
        }
        (obs, days)
    }

    /// Inserts the rows, marked as from the Rayhunter recording `recording` when there is one.
    async fn insert(
        &self,
        tx: &tokio_postgres::Transaction<'_>,
        sensor_id: i64,
        recording: Option<&str>,
    ) -> Result<u64> {
        if self.time.is_empty() {
            return Ok(0);
        }
        tx.execute(
            "INSERT INTO observations (sensor_id, recording, time, rat, mcc, mnc, area, cell, \
             channel, pci, serving, rsrp_dbm, rsrq_db, timing_advance, hex, hex_lat, hex_lon, \
             identity_exposures, connections, position_age_ms) \
             SELECT $1::BIGINT, $20::TEXT, * FROM UNNEST($2::timestamptz[], $3::smallint[], \
             $4::smallint[], $5::smallint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::int[], \
             $10::bool[], $11::real[], $12::real[], $13::bigint[], $14::bigint[], $15::float8[], \
             $16::float8[], $17::int[], $18::int[], $19::int[])",
            &[
                &sensor_id,
                &self.time,
                &self.rat,
                &self.mcc,
                &self.mnc,
                &self.area,
                &self.cell,
                &self.channel,
                &self.pci,
                &self.serving,
                &self.rsrp,
                &self.rsrq,
                &self.ta,
                &self.hex,
                &self.hex_lat,
                &self.hex_lon,
                &self.exposures,
                &self.connections,
                &self.position_age,
                &recording,
            ],
        )
        .await?;
        Ok(self.time.len() as u64)
    }
}

/// The GPS track stored for Rayhunter recording `name`, if there is one and it reads; inside
/// a put's transaction or on its own.
async fn stored_track<C: tokio_postgres::GenericClient>(
    client: &C,
    sensor_id: i64,
    name: &str,
) -> Result<Option<Track>> {
    let row = client
        .query_opt(
            "SELECT content FROM rayhunter_uploads WHERE sensor_id = $1 AND name = $2 AND kind = 'gps'",
            &[&sensor_id, &name],
        )
        .await?;
    Ok(row
        .and_then(|r| r.get::<_, Option<Vec<u8>>>(0))
        .and_then(|b| Track::read(b.as_slice()).ok()))
}

/// Column vectors of findings.
#[derive(Default)]
struct FindingColumns {
    finding_id: Vec<String>,
    kind: Vec<String>,
    severity: Vec<i16>,
    rat: Vec<Option<i16>>,
    title: Vec<String>,
    explanation: Vec<String>,
    time: Vec<SystemTime>,
    mcc: Vec<Option<i16>>,
    mnc: Vec<Option<i16>>,
    area: Vec<Option<i64>>,
    cell: Vec<Option<i64>>,
    channel: Vec<Option<i64>>,
    pci: Vec<Option<i32>>,
    hex: Vec<Option<i64>>,
    hex_lat: Vec<Option<f64>>,
    hex_lon: Vec<Option<f64>>,
    exact_lat: Vec<Option<f64>>,
    exact_lon: Vec<Option<f64>>,
    accuracy: Vec<Option<f64>>,
    evidence: Vec<Option<i64>>,
}

fn clamp_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

const INSERT_FINDINGS: &str = "INSERT INTO findings (sensor_id, batch_id, recording, finding_id, kind, severity, rat, \
     title, explanation, time, mcc, mnc, area, cell, channel, pci, hex, hex_lat, hex_lon, \
     exact_lat, exact_lon, accuracy_m, evidence_id) \
     SELECT $1::BIGINT, $2::TEXT, $3::TEXT, * FROM UNNEST($4::text[], $5::text[], $6::smallint[], $7::smallint[], \
     $8::text[], $9::text[], $10::timestamptz[], $11::smallint[], $12::smallint[], $13::bigint[], \
     $14::bigint[], $15::bigint[], $16::int[], $17::bigint[], $18::float8[], $19::float8[], \
     $20::float8[], $21::float8[], $22::float8[], $23::bigint[]) \
     ON CONFLICT (sensor_id, finding_id) DO NOTHING";

impl FindingColumns {
    fn push(&mut self, f: &SensorFinding, exact: bool, evidence: Option<i64>) {
        self.finding_id.push(f.id.clone());
        self.kind.push(f.kind.clone());
        self.severity.push(severity_code(f.severity));
        // The stored technology also keys the finding's cell on reading: a finding that names
        // a cell but no technology takes the cell's.
        self.rat.push(f.rat.or(f.cell.map(|c| c.rat)).map(rat_code));
        self.title.push(f.title.clone());
        self.explanation.push(f.explanation.clone());
        self.time.push(time_of(f.time_ms));
        self.mcc.push(f.cell.map(|c| c.mcc as i16));
        self.mnc.push(f.cell.map(|c| c.mnc as i16));
        self.area.push(f.cell.map(|c| i64::from(c.area)));
        self.cell.push(f.cell.map(|c| c.cell as i64));
        self.channel.push(f.channel.map(i64::from));
        self.pci.push(f.pci.map(i32::from));
        let coarse = f.position.as_ref().and_then(coarsen);
        self.hex.push(coarse.map(|c| c.cell));
        self.hex_lat.push(coarse.map(|c| c.lat));
        self.hex_lon.push(coarse.map(|c| c.lon));
        let exact_pos = f.position.filter(|_| exact && coarse.is_some());
        self.exact_lat.push(exact_pos.map(|p| p.latitude));
        self.exact_lon.push(exact_pos.map(|p| p.longitude));
        self.accuracy.push(exact_pos.and_then(|p| p.accuracy_m));
        self.evidence.push(evidence);
    }

    /// Inserts the rows; returns how many were new.
    async fn insert(
        &self,
        tx: &tokio_postgres::Transaction<'_>,
        sensor: i64,
        batch: Option<&str>,
        recording: Option<&str>,
    ) -> Result<u64> {
        if self.finding_id.is_empty() {
            return Ok(0);
        }
        let params: [&(dyn ToSql + Sync); 23] = [
            &sensor,
            &batch,
            &recording,
            &self.finding_id,
            &self.kind,
            &self.severity,
            &self.rat,
            &self.title,
            &self.explanation,
            &self.time,
            &self.mcc,
            &self.mnc,
            &self.area,
            &self.cell,
            &self.channel,
            &self.pci,
            &self.hex,
            &self.hex_lat,
            &self.hex_lon,
            &self.exact_lat,
            &self.exact_lon,
            &self.accuracy,
            &self.evidence,
        ];
        Ok(tx.execute(INSERT_FINDINGS, &params).await?)
    }
}

impl Store {
    /// Connects (lazily: the first use opens the first connection).
    pub fn new(cfg: &StoreConfig) -> Result<Store> {
        let config: tokio_postgres::Config =
            cfg.url.parse().map_err(|e: tokio_postgres::Error| {
                StoreError::Invalid(format!("database URL: {e}"))
            })?;
        Ok(Store {
            pool: Pool::new(config, cfg.max_connections.max(1)),
            retention_days: cfg.retention_days.max(1),
            partitions: Mutex::new(BTreeSet::new()),
        })
    }

    /// Days data is kept.
    pub fn retention_days(&self) -> u32 {
        self.retention_days
    }

    /// Applies every migration the database lacks, each in its own transaction, under an
    /// advisory lock so that servers started together do not race. Returns the versions
    /// applied.
    pub async fn migrate(&self) -> Result<Vec<i32>> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS fleet_migrations (\
               version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
               applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await?;
        tx.commit().await?;
        let mut applied = Vec::new();
        for &(version, name, sql) in MIGRATIONS {
            let tx = conn.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            let done = tx
                .query_opt(
                    "SELECT 1 FROM fleet_migrations WHERE version = $1",
                    &[&version],
                )
                .await?
                .is_some();
            if done {
                tx.rollback().await?;
                continue;
            }
            let mut done = tx.batch_execute(sql).await;
            if done.is_ok() && version == REGRID_MIGRATION {
                done = regrid(&tx).await;
            }
            done.map_err(|source| StoreError::Migration {
                version,
                name,
                source,
            })?;
            tx.execute(
                "INSERT INTO fleet_migrations (version, name) VALUES ($1, $2)",
                &[&version, &name],
            )
            .await?;
            tx.commit().await?;
            applied.push(version);
        }
        let newest: Option<i32> = conn
            .query_one("SELECT max(version) FROM fleet_migrations", &[])
            .await?
            .get(0);
        let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
        if let Some(v) = newest.filter(|&v| v > known) {
            return Err(StoreError::SchemaTooNew(v));
        }
        Ok(applied)
    }

    /// Adds a sensor and returns its token (shown once; only its hash is kept).
    pub async fn add_sensor(&self, name: &str, share_exact_position: bool) -> Result<String> {
        check_sensor_name(name)?;
        let token = new_token()?;
        let conn = self.pool.get().await?;
        let n = conn
            .execute(
                "INSERT INTO sensors (name, token_hash, share_exact_position) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
                &[&name, &token_hash(&token), &share_exact_position],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Exists(format!("sensor {name}")));
        }
        Ok(token)
    }

    /// Revokes a sensor: its token is refused from now on; its data stays.
    pub async fn revoke_sensor(&self, name: &str) -> Result<()> {
        let conn = self.pool.get().await?;
        let n = conn
            .execute(
                "UPDATE sensors SET revoked = TRUE WHERE name = $1",
                &[&name],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("sensor {name}")));
        }
        Ok(())
    }

    /// Every sensor with its batch count.
    pub async fn list_sensors(&self) -> Result<Vec<SensorSummary>> {
        let conn = self.pool.get().await?;
        let rows = conn
            .query(
                "SELECT s.name, s.revoked, s.share_exact_position, count(b.batch_id), \
                 (EXTRACT(EPOCH FROM max(b.received_at)) * 1000)::BIGINT \
                 FROM sensors s LEFT JOIN batches b ON b.sensor_id = s.id \
                 GROUP BY s.id ORDER BY s.name",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| SensorSummary {
                name: r.get(0),
                revoked: r.get(1),
                share_exact_position: r.get(2),
                batches: r.get(3),
                last_batch_ms: r.get(4),
            })
            .collect())
    }

    /// The sensor holding `token`, revoked or not; `None` for an unknown token.
    pub async fn sensor_by_token(&self, token: &str) -> Result<Option<Sensor>> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_opt(
                "SELECT id, name, revoked, share_exact_position FROM sensors WHERE token_hash = $1",
                &[&token_hash(token)],
            )
            .await?;
        Ok(row.map(|r| Sensor {
            id: r.get(0),
            name: r.get(1),
            revoked: r.get(2),
            share_exact_position: r.get(3),
        }))
    }

    /// The sensor called `name`, revoked or not.
    pub async fn sensor_by_name(&self, name: &str) -> Result<Option<Sensor>> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_opt(
                "SELECT id, name, revoked, share_exact_position FROM sensors WHERE name = $1",
                &[&name],
            )
            .await?;
        Ok(row.map(|r| Sensor {
            id: r.get(0),
            name: r.get(1),
            revoked: r.get(2),
            share_exact_position: r.get(3),
        }))
    }

    /// Creates the day partitions of observations the given days need (idempotent; servers
    /// creating the same one at once wait on an advisory lock instead of failing).
    async fn ensure_partitions(&self, days: &BTreeSet<i64>) -> Result<()> {
        let missing: Vec<i64> = {
            let known = self.partitions.lock().unwrap_or_else(|p| p.into_inner());
            days.iter()
                .copied()
                .filter(|d| !known.contains(d))
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let mut conn = self.pool.get().await?;
        for day in missing {
            let (name, from, to) = partition_of(day);
            let tx = conn.transaction().await?;
            tx.execute(
                "SELECT pg_advisory_xact_lock($1::INT4, $2::INT4)",
                &[&PARTITION_LOCK, &(day as i32)],
            )
            .await?;
            // The name and bounds are made here from a day number, never from input text.
            tx.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {name} PARTITION OF observations \
                 FOR VALUES FROM ('{from}') TO ('{to}')"
            ))
            .await?;
            tx.commit().await?;
            self.partitions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(day);
        }
        Ok(())
    }

    /// Stores a validated batch in one transaction, exactly once per (sensor, batch id).
    /// Observations outside the retention window (or more than [`MAX_FUTURE_MS`] ahead) are
    /// left out and not counted in the receipt.
    pub async fn store_batch(&self, sensor: &Sensor, batch: &UploadBatch) -> Result<UploadReceipt> {
        let now = now_ms();
        let oldest = now - i64::from(self.retention_days) * DAY_MS;
        let newest = now + MAX_FUTURE_MS;
        // Everything that can fail on the input is done before the transaction.
        let mut evidence = Vec::with_capacity(batch.evidence.len());
        for e in &batch.evidence {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(e.data_base64.as_bytes())
                .map_err(|err| StoreError::Invalid(format!("evidence.data_base64: {err}")))?;
            evidence.push((e.format.as_str(), bytes));
        }
        let (obs, days) = ObservationColumns::of(&batch.observations, oldest, newest);
        self.ensure_partitions(&days).await?;

        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let batch_id = batch.batch_id.0.as_str();
        let fresh = tx
            .execute(
                "INSERT INTO batches (sensor_id, batch_id, created_ms, observations, findings) \
                 VALUES ($1, $2, $3, 0, 0) ON CONFLICT DO NOTHING",
                &[&sensor.id, &batch_id, &batch.created_ms],
            )
            .await?;
        if fresh == 0 {
            tx.rollback().await?;
            return Ok(UploadReceipt {
                batch_id: batch.batch_id.clone(),
                stored: false,
                observations: 0,
                findings: 0,
            });
        }
        let mut evidence_ids = Vec::with_capacity(evidence.len());
        for (format, bytes) in &evidence {
            let row = tx
                .query_one(
                    "INSERT INTO evidence (sensor_id, format, data) VALUES ($1, $2, $3) RETURNING id",
                    &[&sensor.id, format, bytes],
                )
                .await?;
            evidence_ids.push(row.get::<_, i64>(0));
        }
        let stored_obs = obs.insert(&tx, sensor.id, None).await?;
        let mut cols = FindingColumns::default();
        for f in &batch.findings {
            let ev = f.evidence.and_then(|i| evidence_ids.get(i).copied());
            cols.push(f, sensor.share_exact_position, ev);
        }
        let stored_findings = cols.insert(&tx, sensor.id, Some(batch_id), None).await?;
        tx.execute(
            "UPDATE batches SET observations = $3, findings = $4 WHERE sensor_id = $1 AND batch_id = $2",
            &[
                &sensor.id,
                &batch_id,
                &(stored_obs as i32),
                &(stored_findings as i32),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(UploadReceipt {
            batch_id: batch.batch_id.clone(),
            stored: true,
            observations: stored_obs,
            findings: stored_findings,
        })
    }

    /// Observations and findings from `since_ms` on, the newest `max_observations` and
    /// `max_findings` of them, for the fleet rules.
    pub async fn correlation_input(
        &self,
        since_ms: i64,
        max_observations: i64,
        max_findings: i64,
    ) -> Result<CorrelationInput> {
        let conn = self.pool.get().await?;
        let since = time_of(since_ms);
        let max_observations = max_observations.max(0);
        let max_findings = max_findings.max(0);
        let rows = conn
            .query(
                "SELECT sensor_id, (EXTRACT(EPOCH FROM time) * 1000)::BIGINT, rat, mcc, mnc, area, \
                 cell, channel, pci, serving, rsrp_dbm::FLOAT8, rsrq_db::FLOAT8, timing_advance, \
                 hex_lat, hex_lon, position_age_ms, identity_exposures, connections \
                 FROM observations WHERE time >= $1 ORDER BY time DESC LIMIT $2",
                &[&since, &(max_observations.saturating_add(1))],
            )
            .await?;
        let observations_truncated = rows.len() as i64 > max_observations;
        let mut observations = Vec::with_capacity(rows.len());
        for r in rows
            .iter()
            .take(usize::try_from(max_observations).unwrap_or(0))
        {
            let Ok(sensor) = u64::try_from(r.get::<_, i64>(0)) else {
                continue;
            };
            observations.push(SensorObservation {
                sensor: SensorId(sensor),
                obs: Observation {
                    time_ms: r.get(1),
                    cell: cell_key(r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)),
                    channel: r
                        .get::<_, Option<i64>>(7)
                        .and_then(|v| u32::try_from(v).ok()),
                    pci: r
                        .get::<_, Option<i32>>(8)
                        .and_then(|v| u16::try_from(v).ok()),
                    serving: r.get(9),
                    rsrp_dbm: r.get(10),
                    rsrq_db: r.get(11),
                    timing_advance: r
                        .get::<_, Option<i64>>(12)
                        .and_then(|v| u32::try_from(v).ok()),
                    position: stored_centre(r.get(13), r.get(14)),
                    position_age_ms: age_ms(r.get(15)),
                    identity_exposures: u32::try_from(r.get::<_, i32>(16)).unwrap_or(0),
                    connections: u32::try_from(r.get::<_, i32>(17)).unwrap_or(0),
                },
            });
        }
        let rows = conn
            .query(
                "SELECT sensor_id, finding_id, kind, severity, rat, title, \
                 (EXTRACT(EPOCH FROM time) * 1000)::BIGINT, mcc, mnc, area, cell, channel, pci, \
                 hex_lat, hex_lon, exact_lat, exact_lon, accuracy_m \
                 FROM findings WHERE time >= $1 ORDER BY time DESC, id DESC LIMIT $2",
                &[&since, &(max_findings.saturating_add(1))],
            )
            .await?;
        let findings_truncated = rows.len() as i64 > max_findings;
        let mut findings = Vec::with_capacity(rows.len());
        for r in rows.iter().take(usize::try_from(max_findings).unwrap_or(0)) {
            let Ok(sensor) = u64::try_from(r.get::<_, i64>(0)) else {
                continue;
            };
            let exact = match (r.get::<_, Option<f64>>(15), r.get::<_, Option<f64>>(16)) {
                (Some(latitude), Some(longitude)) => Some(Position {
                    latitude,
                    longitude,
                    accuracy_m: r.get(17),
                }),
                _ => None,
            };
            findings.push(SensorReport {
                sensor: SensorId(sensor),
                finding: SensorFinding {
                    id: r.get(1),
                    kind: r.get(2),
                    severity: severity_from(r.get(3)),
                    rat: rat_from(r.get(4)),
                    title: r.get(5),
                    explanation: String::new(),
                    time_ms: r.get(6),
                    cell: cell_key(r.get(4), r.get(7), r.get(8), r.get(9), r.get(10)),
                    channel: r
                        .get::<_, Option<i64>>(11)
                        .and_then(|v| u32::try_from(v).ok()),
                    pci: r
                        .get::<_, Option<i32>>(12)
                        .and_then(|v| u16::try_from(v).ok()),
                    position: exact.or_else(|| stored_centre(r.get(13), r.get(14))),
                    evidence: None,
                },
            });
        }
        Ok(CorrelationInput {
            observations,
            findings,
            observations_truncated,
            findings_truncated,
        })
    }

    /// Every sensor's name by database id.
    pub async fn sensor_names(&self) -> Result<std::collections::BTreeMap<i64, String>> {
        let conn = self.pool.get().await?;
        let rows = conn.query("SELECT id, name FROM sensors", &[]).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Whether a batch has been applied.
    pub async fn has_batch(&self, sensor: &Sensor, id: &BatchId) -> Result<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .query_opt(
                "SELECT 1 FROM batches WHERE sensor_id = $1 AND batch_id = $2",
                &[&sensor.id, &id.0],
            )
            .await?
            .is_some())
    }

    /// Findings since `since_ms`, newest first; only `sensor`'s when given.
    pub async fn findings(
        &self,
        sensor: Option<i64>,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<StoredFinding>> {
        let conn = self.pool.get().await?;
        let rows = conn
            .query(
                "SELECT f.id, s.name, f.finding_id, f.kind, f.severity, f.rat, f.title, f.explanation, \
                 (EXTRACT(EPOCH FROM f.time) * 1000)::BIGINT, f.mcc, f.mnc, f.area, f.cell, \
                 f.channel, f.pci, f.hex_lat, f.hex_lon, f.exact_lat, f.exact_lon, f.accuracy_m, \
                 f.evidence_id, f.batch_id, f.recording \
                 FROM findings f JOIN sensors s ON s.id = f.sensor_id \
                 WHERE f.time >= $1 AND ($2::BIGINT IS NULL OR f.sensor_id = $2) \
                 ORDER BY f.time DESC, f.id DESC LIMIT $3",
                &[&time_of(since_ms), &sensor, &limit.clamp(1, MAX_READ_ROWS)],
            )
            .await?;
        let radius = CELL_RADIUS_M;
        Ok(rows
            .iter()
            .map(|r| {
                let cell = cell_key(r.get(5), r.get(9), r.get(10), r.get(11), r.get(12));
                let exact: (Option<f64>, Option<f64>) = (r.get(17), r.get(18));
                let hex: (Option<f64>, Option<f64>) = (r.get(15), r.get(16));
                let position = match (exact, hex) {
                    ((Some(lat), Some(lon)), _) => Some(StoredPosition {
                        lat,
                        lon,
                        exact: true,
                        accuracy_m: r.get(19),
                    }),
                    (_, (Some(lat), Some(lon))) => Some(StoredPosition {
                        lat,
                        lon,
                        exact: false,
                        accuracy_m: Some(radius),
                    }),
                    _ => None,
                };
                StoredFinding {
                    id: r.get(0),
                    sensor: r.get(1),
                    finding_id: r.get(2),
                    kind: r.get(3),
                    severity: severity_from(r.get(4)),
                    rat: rat_from(r.get(5)),
                    title: r.get(6),
                    explanation: r.get(7),
                    time_ms: r.get(8),
                    cell,
                    channel: r
                        .get::<_, Option<i64>>(13)
                        .and_then(|v| u32::try_from(v).ok()),
                    pci: r
                        .get::<_, Option<i32>>(14)
                        .and_then(|v| u16::try_from(v).ok()),
                    position,
                    evidence_id: r.get(20),
                    batch_id: r.get(21),
                    recording: r.get(22),
                }
            })
            .collect())
    }

    /// Observations per grid cell since `since_ms`; only `sensor`'s when given.
    pub async fn coverage(&self, sensor: Option<i64>, since_ms: i64) -> Result<Vec<CoverageCell>> {
        let conn = self.pool.get().await?;
        let rows = conn
            .query(
                "SELECT hex, min(hex_lat), min(hex_lon), count(*), count(DISTINCT sensor_id), \
                 (EXTRACT(EPOCH FROM max(time)) * 1000)::BIGINT \
                 FROM observations WHERE hex IS NOT NULL AND time >= $1 \
                 AND ($2::BIGINT IS NULL OR sensor_id = $2) \
                 GROUP BY hex ORDER BY count(*) DESC LIMIT $3",
                &[&time_of(since_ms), &sensor, &MAX_READ_ROWS],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(CoverageCell {
                    hex: r.get(0),
                    lat: r.get::<_, Option<f64>>(1)?,
                    lon: r.get::<_, Option<f64>>(2)?,
                    observations: r.get(3),
                    sensors: r.get(4),
                    last_ms: r.get(5),
                })
            })
            .collect())
    }

    /// Cells with findings since `since_ms`, and the grid cells they were heard from (by
    /// findings and by observations of the same cell); only `sensor`'s data when given.
    pub async fn suspicious_cells(
        &self,
        sensor: Option<i64>,
        since_ms: i64,
    ) -> Result<Vec<SuspiciousCell>> {
        let conn = self.pool.get().await?;
        let since = time_of(since_ms);
        let rows = conn
            .query(
                "SELECT rat, mcc, mnc, area, cell, count(*), max(severity), \
                 (EXTRACT(EPOCH FROM min(time)) * 1000)::BIGINT, \
                 (EXTRACT(EPOCH FROM max(time)) * 1000)::BIGINT, count(DISTINCT sensor_id) \
                 FROM findings WHERE cell IS NOT NULL AND time >= $1 \
                 AND ($2::BIGINT IS NULL OR sensor_id = $2) \
                 GROUP BY rat, mcc, mnc, area, cell ORDER BY max(severity) DESC, count(*) DESC LIMIT 200",
                &[&since, &sensor],
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let Some(cell) = cell_key(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)) else {
                continue;
            };
            let (mcc, mnc, area, cid): (Option<i16>, Option<i16>, Option<i64>, Option<i64>) =
                (r.get(1), r.get(2), r.get(3), r.get(4));
            let points = conn
                .query(
                    "SELECT sensor_id, hex_lat, hex_lon, rsrp_dbm::FLOAT8, timing_advance, position_age_ms \
                     FROM ( \
                       SELECT time, sensor_id, hex_lat, hex_lon, NULL::REAL AS rsrp_dbm, \
                       NULL::BIGINT AS timing_advance, NULL::INTEGER AS position_age_ms FROM findings \
                       WHERE mcc = $1 AND mnc = $2 AND area = $3 AND cell = $4 AND hex IS NOT NULL \
                       AND time >= $5 AND ($6::BIGINT IS NULL OR sensor_id = $6) \
                       UNION ALL \
                       SELECT time, sensor_id, hex_lat, hex_lon, rsrp_dbm, timing_advance, position_age_ms \
                       FROM observations \
                       WHERE mcc = $1 AND mnc = $2 AND area = $3 AND cell = $4 AND hex IS NOT NULL \
                       AND time >= $5 AND ($6::BIGINT IS NULL OR sensor_id = $6) \
                     ) p ORDER BY time DESC LIMIT $7",
                    &[
                        &mcc,
                        &mnc,
                        &area,
                        &cid,
                        &since,
                        &sensor,
                        &MAX_POINTS_PER_CELL,
                    ],
                )
                .await?;
            let sightings = points
                .iter()
                .filter_map(|p| {
                    Some(Sighting {
                        sensor: SensorId(u64::try_from(p.get::<_, i64>(0)).ok()?),
                        rat: cell.rat,
                        position: stored_centre(p.get(1), p.get(2))?,
                        position_age_ms: age_ms(p.get(5)),
                        rsrp_dbm: p.get(3),
                        timing_advance: p
                            .get::<_, Option<i64>>(4)
                            .and_then(|v| u32::try_from(v).ok()),
                    })
                })
                .collect();
            out.push(SuspiciousCell {
                cell,
                findings: r.get(5),
                highest: severity_from(r.get::<_, Option<i16>>(6).unwrap_or(0)),
                first_ms: r.get(7),
                last_ms: r.get(8),
                sensors: r.get(9),
                sightings,
            });
        }
        Ok(out)
    }

    /// Evidence bytes; only when they belong to `sensor` if given.
    pub async fn evidence(&self, id: i64, sensor: Option<i64>) -> Result<Option<Evidence>> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_opt(
                "SELECT e.format, e.data, s.name FROM evidence e JOIN sensors s ON s.id = e.sensor_id \
                 WHERE e.id = $1 AND ($2::BIGINT IS NULL OR e.sensor_id = $2)",
                &[&id, &sensor],
            )
            .await?;
        Ok(row.map(|r| Evidence {
            format: r.get(0),
            data: r.get(1),
            sensor: r.get(2),
        }))
    }

    /// Stores a file a Rayhunter put. For a recording (`qmdl`), `findings` are the server's
    /// analysis of it and replace any earlier ones of that name; the recording is kept as
    /// evidence. For a GPS file, `track` positions the recording's findings (whichever of the
    /// two arrives first). `observations`, when given, are the cells the server's analysis of
    /// the recording saw (placed from the GPS file when there is one) and replace the ones
    /// stored for that recording before. The same bytes again change nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_rayhunter(
        &self,
        sensor: &Sensor,
        name: &str,
        kind: RayhunterKind,
        bytes: &[u8],
        findings: &[SensorFinding],
        track: Option<&Track>,
        observations: Option<&[Observation]>,
    ) -> Result<RayhunterPut> {
        let now = now_ms();
        let oldest = now - i64::from(self.retention_days) * DAY_MS;
        let obs = observations.map(|o| ObservationColumns::of(o, oldest, now + MAX_FUTURE_MS));
        if let Some((_, days)) = &obs {
            self.ensure_partitions(days).await?;
        }
        let sha = Sha256::digest(bytes).to_vec();
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let key = format!("{}/{}", sensor.id, name);
        tx.execute(
            "SELECT pg_advisory_xact_lock($1::INT4, hashtext($2::TEXT))",
            &[&RAYHUNTER_LOCK, &key],
        )
        .await?;
        let before = tx
            .query_opt(
                "SELECT sha256, evidence_id FROM rayhunter_uploads WHERE sensor_id = $1 AND name = $2 AND kind = $3",
                &[&sensor.id, &name, &kind.as_str()],
            )
            .await?;
        if let Some(row) = &before {
            if row.get::<_, Vec<u8>>(0) == sha {
                tx.rollback().await?;
                return Ok(RayhunterPut {
                    unchanged: true,
                    replaced: false,
                    findings: 0,
                    positioned: 0,
                    observations: 0,
                });
            }
        }
        let mut result = RayhunterPut {
            unchanged: false,
            replaced: before.is_some(),
            findings: 0,
            positioned: 0,
            observations: 0,
        };
        if let Some((obs, _)) = &obs {
            tx.execute(
                "DELETE FROM observations WHERE sensor_id = $1 AND recording = $2",
                &[&sensor.id, &name],
            )
            .await?;
            result.observations = obs.insert(&tx, sensor.id, Some(name)).await?;
        }
        let size = bytes.len() as i64;
        match kind {
            RayhunterKind::Qmdl => {
                if let Some(old) = before.as_ref().and_then(|r| r.get::<_, Option<i64>>(1)) {
                    tx.execute("DELETE FROM evidence WHERE id = $1", &[&old])
                        .await?;
                }
                tx.execute(
                    "DELETE FROM findings WHERE sensor_id = $1 AND recording = $2",
                    &[&sensor.id, &name],
                )
                .await?;
                let ev: i64 = tx
                    .query_one(
                        "INSERT INTO evidence (sensor_id, format, data) VALUES ($1, 'qmdl', $2) RETURNING id",
                        &[&sensor.id, &bytes],
                    )
                    .await?
                    .get(0);
                upsert_upload(&tx, sensor.id, name, kind, size, &sha, None, Some(ev)).await?;
                // A GPS file that came first positions the findings now.
                let gps = stored_track(&tx, sensor.id, name).await?;
                let mut cols = FindingColumns::default();
                for f in findings {
                    let mut f = f.clone();
                    if let Some(p) = gps.as_ref().and_then(|t| rayhunter_place(t, f.time_ms)) {
                        f.position = Some(p);
                        result.positioned += 1;
                    }
                    cols.push(&f, sensor.share_exact_position, Some(ev));
                }
                result.findings = cols.insert(&tx, sensor.id, None, Some(name)).await?;
            }
            RayhunterKind::Gps => {
                upsert_upload(&tx, sensor.id, name, kind, size, &sha, Some(bytes), None).await?;
                if let Some(track) = track {
                    result.positioned = self.position_recording(&tx, sensor, name, track).await?;
                }
            }
            RayhunterKind::Analysis => {
                upsert_upload(&tx, sensor.id, name, kind, size, &sha, Some(bytes), None).await?;
            }
        }
        tx.commit().await?;
        Ok(result)
    }

    /// The GPS track a Rayhunter put for recording `name`, if it did and it reads.
    pub async fn rayhunter_track(&self, sensor: &Sensor, name: &str) -> Result<Option<Track>> {
        let conn = self.pool.get().await?;
        stored_track(&*conn, sensor.id, name).await
    }

    /// The recording a Rayhunter put as `name` (decompressed, as stored), if it did.
    pub async fn rayhunter_recording(
        &self,
        sensor: &Sensor,
        name: &str,
    ) -> Result<Option<Vec<u8>>> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_opt(
                "SELECT e.data FROM rayhunter_uploads u JOIN evidence e ON e.id = u.evidence_id \
                 WHERE u.sensor_id = $1 AND u.name = $2 AND u.kind = 'qmdl'",
                &[&sensor.id, &name],
            )
            .await?;
        Ok(row.map(|r| r.get::<_, Vec<u8>>(0)))
    }

    /// Sets the position of every finding of a Rayhunter recording from its GPS track.
    async fn position_recording(
        &self,
        tx: &tokio_postgres::Transaction<'_>,
        sensor: &Sensor,
        name: &str,
        track: &Track,
    ) -> Result<u64> {
        let rows = tx
            .query(
                "SELECT id, (EXTRACT(EPOCH FROM time) * 1000)::BIGINT FROM findings \
                 WHERE sensor_id = $1 AND recording = $2",
                &[&sensor.id, &name],
            )
            .await?;
        let mut n = 0;
        for r in &rows {
            let id: i64 = r.get(0);
            let t: i64 = r.get(1);
            let Some(p) = rayhunter_place(track, t) else {
                continue;
            };
            let Some(c) = coarsen(&p) else {
                continue;
            };
            let exact = sensor.share_exact_position;
            tx.execute(
                "UPDATE findings SET hex = $2, hex_lat = $3, hex_lon = $4, exact_lat = $5, \
                 exact_lon = $6, accuracy_m = $7 WHERE id = $1",
                &[
                    &id,
                    &c.cell,
                    &c.lat,
                    &c.lon,
                    &exact.then_some(p.latitude),
                    &exact.then_some(p.longitude),
                    &p.accuracy_m.filter(|_| exact),
                ],
            )
            .await?;
            n += 1;
        }
        Ok(n)
    }

    /// Drops observation partitions wholly older than the retention period (by observation
    /// time) and deletes findings, evidence, batch records and Rayhunter files received
    /// longer ago than that (a recording uploaded late is still kept for the whole period).
    pub async fn purge(&self, now_ms: i64) -> Result<PurgeReport> {
        let cutoff_ms = now_ms - i64::from(self.retention_days) * DAY_MS;
        let cutoff_day = day_of(cutoff_ms);
        let mut report = PurgeReport::default();
        let mut conn = self.pool.get().await?;
        let parts = conn
            .query(
                "SELECT c.relname::TEXT FROM pg_inherits i \
                 JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent \
                 WHERE p.relname = 'observations'",
                &[],
            )
            .await?;
        for r in &parts {
            let name: String = r.get(0);
            let Some(day) = day_of_partition(&name) else {
                continue;
            };
            // A partition goes when its whole day is before the cutoff.
            if day < cutoff_day {
                conn.batch_execute(&format!("DROP TABLE IF EXISTS {name}"))
                    .await?;
                self.partitions
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&day);
                report.partitions_dropped += 1;
            }
        }
        let cutoff = time_of(cutoff_ms);
        let tx = conn.transaction().await?;
        report.findings = tx
            .execute("DELETE FROM findings WHERE received_at < $1", &[&cutoff])
            .await?;
        report.rayhunter_files = tx
            .execute(
                "DELETE FROM rayhunter_uploads WHERE received_at < $1",
                &[&cutoff],
            )
            .await?;
        report.evidence = tx
            .execute("DELETE FROM evidence WHERE received_at < $1", &[&cutoff])
            .await?;
        report.batches = tx
            .execute("DELETE FROM batches WHERE received_at < $1", &[&cutoff])
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Size of the database on disk, bytes.
    pub async fn database_bytes(&self) -> Result<i64> {
        let conn = self.pool.get().await?;
        Ok(conn
            .query_one("SELECT pg_database_size(current_database())", &[])
            .await?
            .get(0))
    }
}

/// Re-bins every stored grid centre into the fleet grid (migration 2 cleared the old ids).
/// Distinct centres are few (one per cell ever visited), so one update per centre.
async fn regrid(
    tx: &tokio_postgres::Transaction<'_>,
) -> std::result::Result<(), tokio_postgres::Error> {
    for table in ["observations", "findings"] {
        // The table names are constants of this function, never input.
        let rows = tx
            .query(
                &format!(
                    "SELECT DISTINCT hex_lat, hex_lon FROM {table} \
                     WHERE hex IS NULL AND hex_lat IS NOT NULL AND hex_lon IS NOT NULL"
                ),
                &[],
            )
            .await?;
        for r in &rows {
            let (lat, lon): (f64, f64) = (r.get(0), r.get(1));
            let Some(c) = coarsen(&position(lat, lon)) else {
                continue;
            };
            tx.execute(
                &format!(
                    "UPDATE {table} SET hex = $1, hex_lat = $2, hex_lon = $3 \
                     WHERE hex IS NULL AND hex_lat = $4 AND hex_lon = $5"
                ),
                &[&c.cell, &c.lat, &c.lon, &lat, &lon],
            )
            .await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn upsert_upload(
    tx: &tokio_postgres::Transaction<'_>,
    sensor: i64,
    name: &str,
    kind: RayhunterKind,
    size: i64,
    sha: &[u8],
    content: Option<&[u8]>,
    evidence: Option<i64>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO rayhunter_uploads (sensor_id, name, kind, bytes, sha256, content, evidence_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sensor_id, name, kind) DO UPDATE SET \
         bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256, content = EXCLUDED.content, \
         evidence_id = EXCLUDED.evidence_id, received_at = now()",
        &[&sensor, &name, &kind.as_str(), &size, &sha, &content, &evidence],
    )
    .await?;
    Ok(())
}

fn cell_key(
    rat: Option<i16>,
    mcc: Option<i16>,
    mnc: Option<i16>,
    area: Option<i64>,
    cell: Option<i64>,
) -> Option<CellKey> {
    Some(CellKey {
        rat: rat_from(rat)?,
        mcc: u16::try_from(mcc?).ok()?,
        mnc: u16::try_from(mnc?).ok()?,
        area: u32::try_from(area?).ok()?,
        cell: u64::try_from(cell?).ok()?,
    })
}

/// A stored grid centre as a position, with the cell's radius as its accuracy.
fn stored_centre(lat: Option<f64>, lon: Option<f64>) -> Option<Position> {
    Some(Position {
        latitude: lat?,
        longitude: lon?,
        accuracy_m: Some(CELL_RADIUS_M),
    })
}

fn age_ms(v: Option<i32>) -> Option<u64> {
    v.and_then(|a| u64::try_from(a).ok())
}

/// The exact position of a finding, for callers that attach one.
pub fn position(lat: f64, lon: f64) -> Position {
    Position {
        latitude: lat,
        longitude: lon,
        accuracy_m: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_round_trip_through_their_day() {
        for day in [0, 19_000, 20_792, 25_000] {
            let (name, from, to) = partition_of(day);
            assert_eq!(day_of_partition(&name), Some(day), "{name}");
            assert!(from < to);
        }
        assert_eq!(
            partition_of(days_from_civil(2026, 11, 1)).0,
            "observations_d20261101"
        );
        assert_eq!(day_of_partition("observations_d2026110"), None);
        assert_eq!(day_of_partition("other_d20261101"), None);
    }

    #[test]
    fn sensor_names_refuse_paths_and_odd_characters() {
        assert!(check_sensor_name("roof-1.berlin_a").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "a b", &"x".repeat(65)] {
            assert!(check_sensor_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tokens_are_256_random_bits_and_stored_as_their_hash() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 32);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
