//! `stingwatch serve`: the fleet server.
//!
//! Sensors POST [`UploadBatch`]es with their token; a Rayhunter PUTs its recordings over
//! WebDAV with Basic authentication (sensor name and token). Everything is stored in
//! PostgreSQL by [`stingwatch_fleet_store`]; the page at `/` reads it back, with the fleet's
//! own findings ([`fleet`]: the correlation rules over every sensor's uploads, and where each
//! transmitter is estimated to be).
//!
//! Nothing here records where a request came from: no handler takes the peer address, and
//! the only log lines are start-up and database errors.

#![forbid(unsafe_code)]

pub mod fleet;
pub mod recording;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stingwatch_fleet_correlate::ReferenceCells;
use stingwatch_fleet_model::{BatchError, UploadBatch, MAX_BATCH_BYTES};
use stingwatch_fleet_store::{
    now_ms, RayhunterKind, Sensor, Store, StoreConfig, StoreError, SuspiciousCell,
};
use tokio::sync::Semaphore;

pub use fleet::{Correlator, Estimate, FleetAnswer, FleetQuery};

/// Largest `NAME.qmdl.gz` body read.
pub const MAX_WEBDAV_RECORDING_BYTES: usize = 64 * 1024 * 1024;
/// Largest `NAME.ndjson` or `NAME-gps.ndjson` body read.
pub const MAX_WEBDAV_SIDECAR_BYTES: usize = 16 * 1024 * 1024;
/// Longest Rayhunter file name.
pub const MAX_WEBDAV_NAME: usize = 128;
/// Recordings analysed at once (each holds its bytes in memory).
pub const MAX_CONCURRENT_ANALYSES: usize = 2;
/// Time between two retention purges.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// Default number of findings a read returns.
pub const DEFAULT_FINDINGS_LIMIT: i64 = 1000;

/// Settings of a fleet server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Database.
    pub store: StoreConfig,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Administrator token; without one the admin API is off.
    pub admin_token: Option<String>,
    /// Map tile URL template (`https://tile.example/{z}/{x}/{y}.png`) for the page's
    /// background; none by default, the page draws without.
    pub tile_url: Option<String>,
    /// OpenCellID CSV export of known cells: a fleet finding on a cell missing from it (where
    /// it knows the operator's cells around) weighs more.
    pub reference: Option<PathBuf>,
}

/// Shared state of the handlers.
pub struct AppState {
    store: Store,
    admin_hash: Option<Vec<u8>>,
    tile_url: Option<String>,
    correlator: Correlator,
    analyses: Semaphore,
}

impl AppState {
    /// State over an opened store; the admin token is kept only as its hash.
    pub fn new(store: Store, admin_token: Option<&str>, tile_url: Option<String>) -> AppState {
        AppState {
            store,
            admin_hash: admin_token
                .filter(|t| !t.is_empty())
                .map(stingwatch_fleet_store::token_hash),
            tile_url,
            correlator: Correlator::new(None),
            analyses: Semaphore::new(MAX_CONCURRENT_ANALYSES),
        }
    }

    /// The same state weighing fleet findings against a reference database of known cells.
    pub fn with_reference(mut self, reference: Arc<ReferenceCells>) -> AppState {
        self.correlator = Correlator::new(Some(reference));
        self
    }
}

/// Reads an OpenCellID CSV export, printing what was kept and what was refused.
pub fn load_reference(path: &std::path::Path) -> anyhow::Result<ReferenceCells> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("{}: cannot open the reference database", path.display()))?;
    let (cells, summary) = ReferenceCells::import(std::io::BufReader::new(file));
    eprintln!(
        "stingwatch serve: reference {}: {} cells kept, {} of other technologies skipped, \
         {} rows refused, {} over the limit",
        path.display(),
        summary.cells,
        summary.unsupported,
        summary.refused,
        summary.over_limit
    );
    for d in summary.diagnostics.iter().take(5) {
        eprintln!("stingwatch serve: reference {}: {d}", path.display());
    }
    Ok(cells)
}

/// Runs the server until the process is stopped: migrates the database, purges on a timer,
/// and serves. Prints `stingwatch serve: listening on http://ADDR/` once listening.
pub fn run(cfg: ServerConfig) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let store = Store::new(&cfg.store)?;
        let applied = store.migrate().await.context("migrating the database")?;
        if !applied.is_empty() {
            eprintln!("stingwatch serve: applied schema migrations {applied:?}");
        }
        let mut state = AppState::new(store, cfg.admin_token.as_deref(), cfg.tile_url.clone());
        if let Some(path) = &cfg.reference {
            let path = path.clone();
            let reference = tokio::task::spawn_blocking(move || load_reference(&path))
                .await
                .context("reading the reference database")??;
            state = state.with_reference(Arc::new(reference));
        }
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.listen))?;
        let local = listener.local_addr().context("listening address")?;
        let purging = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                match purging.store.purge(now_ms()).await {
                    Ok(r) if r.partitions_dropped + r.findings + r.evidence > 0 => {
                        eprintln!("stingwatch serve: retention purge: {r:?}")
                    }
                    Ok(_) => {}
                    Err(e) => eprintln!("stingwatch serve: retention purge failed: {e}"),
                }
                tokio::time::sleep(PURGE_EVERY).await;
            }
        });
        if state.admin_hash.is_none() {
            eprintln!("stingwatch serve: no admin token given; the admin API is off");
        }
        eprintln!("stingwatch serve: listening on http://{local}/");
        axum::serve(listener, router(state))
            .await
            .context("serving")?;
        Ok(())
    })
}

/// Every route of the server.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/v1/config", get(config))
        .route("/api/v1/batches", post(post_batch))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/coverage", get(coverage))
        .route("/api/v1/cells", get(cells))
        .route("/api/v1/fleet/findings", get(fleet_findings))
        .route("/api/v1/evidence/{id}/report.html", get(evidence_report))
        .route(
            "/api/v1/evidence/{id}/annotated.pcapng",
            get(evidence_pcapng),
        )
        .route("/api/v1/admin/sensors", get(list_sensors).post(add_sensor))
        .route("/api/v1/admin/sensors/{name}/revoke", post(revoke_sensor))
        .route("/webdav/{*path}", put(webdav_put))
        .with_state(state)
}

/// A JSON error answer: `{"error": "..."}`.
fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    #[derive(Serialize)]
    struct E {
        error: String,
    }
    (status, Json(E { error: msg.into() })).into_response()
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::Invalid(m) => error(StatusCode::UNPROCESSABLE_ENTITY, m),
        StoreError::NotFound(m) => error(StatusCode::NOT_FOUND, format!("{m} not found")),
        StoreError::Exists(m) => error(StatusCode::CONFLICT, format!("{m} already exists")),
        other => {
            eprintln!("stingwatch serve: {other}");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable; try again later",
            )
        }
    }
}

/// Who a request is from.
enum Caller {
    Admin,
    Sensor(Sensor),
}

impl Caller {
    /// The sensor whose data this caller may read: `None` for all (admin).
    fn scope(&self) -> Option<i64> {
        match self {
            Caller::Admin => None,
            Caller::Sensor(s) => Some(s.id),
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Equal hashes, compared without an early exit.
fn same_hash(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 401 without a known token, 403 for a revoked sensor.
async fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let Some(token) = bearer(headers) else {
        return Err(error(StatusCode::UNAUTHORIZED, "a Bearer token is needed"));
    };
    if let Some(admin) = &st.admin_hash {
        if same_hash(admin, &Sha256::digest(token.as_bytes())) {
            return Ok(Caller::Admin);
        }
    }
    match st.store.sensor_by_token(token).await {
        Ok(Some(s)) if s.revoked => Err(error(StatusCode::FORBIDDEN, "this sensor is revoked")),
        Ok(Some(s)) => Ok(Caller::Sensor(s)),
        Ok(None) => Err(error(StatusCode::UNAUTHORIZED, "unknown token")),
        Err(e) => Err(store_error(e)),
    }
}

async fn admin_only(st: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    match authenticate(st, headers).await? {
        Caller::Admin => Ok(()),
        Caller::Sensor(_) => Err(error(StatusCode::FORBIDDEN, "administrators only")),
    }
}

/// Reads at most `limit` bytes of a body; 413 beyond.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body larger than the {limit}-byte limit"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // The only error left once the length is within the limit is a body that grows past it
    // (or a connection that broke, which gets no answer anyway).
    axum::body::to_bytes(body, limit)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| too_large())
}

async fn page(State(st): State<Arc<AppState>>) -> Response {
    let mut csp = String::from(
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
         connect-src 'self'; img-src 'self' data: blob:",
    );
    if let Some(origin) = st.tile_url.as_deref().and_then(origin_of) {
        csp.push(' ');
        csp.push_str(&origin);
    }
    let mut r = Response::new(Body::from(include_str!("page.html")));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `https://host:port` of a URL template, for the page's content security policy.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split('/').next()?;
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    ok.then(|| format!("{scheme}://{host}"))
}

#[derive(Serialize)]
struct PageConfig<'a> {
    tile_url: Option<&'a str>,
    cell_radius_m: f64,
    retention_days: u32,
}

async fn config(State(st): State<Arc<AppState>>) -> Response {
    Json(PageConfig {
        tile_url: st.tile_url.as_deref(),
        cell_radius_m: stingwatch_fleet_store::CELL_RADIUS_M,
        retention_days: st.store.retention_days(),
    })
    .into_response()
}

async fn post_batch(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let sensor = match authenticate(&st, &headers).await {
        Ok(Caller::Sensor(s)) => s,
        Ok(Caller::Admin) => {
            return error(
                StatusCode::FORBIDDEN,
                "batches come from sensors, not the admin token",
            )
        }
        Err(r) => return r,
    };
    let bytes = match read_body(&headers, body, MAX_BATCH_BYTES).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let batch = match UploadBatch::from_json(&bytes) {
        Ok(b) => b,
        Err(e @ BatchError::TooLarge(_)) => {
            return error(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
        }
        Err(e @ BatchError::Malformed(_)) => return error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    };
    match st.store.store_batch(&sensor, &batch).await {
        Ok(receipt) => {
            if receipt.stored {
                st.correlator.stored();
            }
            Json(receipt).into_response()
        }
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
struct ReadQuery {
    since_ms: Option<i64>,
    limit: Option<i64>,
    sensor: Option<String>,
}

/// The sensor scope of a read: a sensor reads only its own data (asking for another's is
/// 403); the admin reads all, or one sensor's with `sensor=NAME`.
async fn read_scope(
    st: &AppState,
    headers: &HeaderMap,
    q: &ReadQuery,
) -> Result<Option<i64>, Response> {
    let caller = authenticate(st, headers).await?;
    match (&caller, q.sensor.as_deref()) {
        (Caller::Sensor(s), Some(name)) if name != s.name => Err(error(
            StatusCode::FORBIDDEN,
            "a sensor token reads only its own sensor's data",
        )),
        (Caller::Admin, Some(name)) => match st.store.sensor_by_name(name).await {
            Ok(Some(s)) => Ok(Some(s.id)),
            Ok(None) => Err(error(
                StatusCode::NOT_FOUND,
                format!("sensor {name} not found"),
            )),
            Err(e) => Err(store_error(e)),
        },
        _ => Ok(caller.scope()),
    }
}

/// Start of a read: everything still stored unless `since_ms` says otherwise (retention
/// already bounds what is there).
fn since(q: &ReadQuery) -> i64 {
    q.since_ms.unwrap_or(0)
}

async fn findings(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> Response {
    let scope = match read_scope(&st, &headers, &q).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let limit = q.limit.unwrap_or(DEFAULT_FINDINGS_LIMIT);
    match st.store.findings(scope, since(&q), limit).await {
        Ok(f) => Json(serde_json::json!({ "findings": f })).into_response(),
        Err(e) => store_error(e),
    }
}

async fn coverage(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> Response {
    let scope = match read_scope(&st, &headers, &q).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match st.store.coverage(scope, since(&q)).await {
        Ok(c) => Json(serde_json::json!({
            "cell_radius_m": stingwatch_fleet_store::CELL_RADIUS_M,
            "cells": c,
        }))
        .into_response(),
        Err(e) => store_error(e),
    }
}

/// A suspicious cell with its estimated transmitter area (`null` when it was never heard
/// from a known place).
#[derive(Serialize)]
struct CellAnswer {
    #[serde(flatten)]
    cell: SuspiciousCell,
    estimate: Option<Estimate>,
}

async fn cells(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> Response {
    let scope = match read_scope(&st, &headers, &q).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match st.store.suspicious_cells(scope, since(&q)).await {
        Ok(cells) => {
            let out: Vec<CellAnswer> = cells
                .into_iter()
                .map(|cell| CellAnswer {
                    estimate: fleet::estimate(&cell.sightings),
                    cell,
                })
                .collect();
            Json(serde_json::json!({ "cells": out })).into_response()
        }
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
struct FleetReadQuery {
    since_ms: Option<i64>,
    timing_advance: Option<bool>,
}

/// The fleet's own findings over every sensor's uploads. Any sensor may read them (they are
/// the point of a fleet: a catcher near one member concerns all), but a sensor token sees
/// only its own name among the sensors behind each.
async fn fleet_findings(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<FleetReadQuery>,
) -> Response {
    let viewer = match authenticate(&st, &headers).await {
        Ok(c) => c.scope(),
        Err(r) => return r,
    };
    let query = FleetQuery {
        since_ms: q.since_ms.unwrap_or(0),
        timing_advance: q.timing_advance.unwrap_or(true),
    };
    match st.correlator.findings(&st.store, query, viewer).await {
        Ok(answer) => Json(answer).into_response(),
        Err(fleet::FleetError::Store(e)) => store_error(e),
        Err(e @ fleet::FleetError::Failed(_)) => {
            eprintln!("stingwatch serve: {e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "correlation failed")
        }
    }
}

/// Stored evidence the caller may read: 404 when absent, 403 when another sensor's.
async fn readable_evidence(
    st: &AppState,
    headers: &HeaderMap,
    id: i64,
) -> Result<stingwatch_fleet_store::Evidence, Response> {
    let caller = authenticate(st, headers).await?;
    let ev = match st.store.evidence(id, None).await {
        Ok(Some(e)) => e,
        Ok(None) => return Err(error(StatusCode::NOT_FOUND, "no such evidence")),
        Err(e) => return Err(store_error(e)),
    };
    if let Caller::Sensor(s) = &caller {
        if s.name != ev.sensor {
            return Err(error(
                StatusCode::FORBIDDEN,
                "a sensor token reads only its own sensor's data",
            ));
        }
    }
    Ok(ev)
}

async fn render_evidence(
    st: &AppState,
    ev: stingwatch_fleet_store::Evidence,
    id: i64,
    pcapng: bool,
) -> Response {
    let Ok(_permit) = st.analyses.acquire().await else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    };
    let name = format!("evidence-{id}.{}", ev.format);
    let job = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, recording::RecordingError> {
        let report = recording::analyse(&name, ev.data.clone())?;
        if pcapng {
            recording::annotated_pcapng(&name, ev.data, &report)
        } else {
            Ok(stingwatch_report::render_html(&report).into_bytes())
        }
    })
    .await;
    match job {
        Ok(Ok(bytes)) => {
            let (ctype, file) = if pcapng {
                (
                    "application/vnd.tcpdump.pcap",
                    format!("evidence-{id}.pcapng"),
                )
            } else {
                ("text/html; charset=utf-8", format!("evidence-{id}.html"))
            };
            let mut r = Response::new(Body::from(bytes));
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Ok(Err(e)) => error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "rendering failed"),
    }
}

async fn evidence_report(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    match readable_evidence(&st, &headers, id).await {
        Ok(ev) => render_evidence(&st, ev, id, false).await,
        Err(r) => r,
    }
}

async fn evidence_pcapng(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    match readable_evidence(&st, &headers, id).await {
        Ok(ev) => render_evidence(&st, ev, id, true).await,
        Err(r) => r,
    }
}

async fn list_sensors(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(r) = admin_only(&st, &headers).await {
        return r;
    }
    match st.store.list_sensors().await {
        Ok(s) => Json(serde_json::json!({ "sensors": s })).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
struct NewSensor {
    name: String,
    #[serde(default)]
    share_exact_position: bool,
}

async fn add_sensor(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    if let Err(r) = admin_only(&st, &headers).await {
        return r;
    }
    let bytes = match read_body(&headers, body, 4096).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let req: NewSensor = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("not a sensor request: {e}"),
            )
        }
    };
    match st
        .store
        .add_sensor(&req.name, req.share_exact_position)
        .await
    {
        Ok(token) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "name": req.name, "token": token })),
        )
            .into_response(),
        Err(e) => store_error(e),
    }
}

async fn revoke_sensor(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if let Err(r) = admin_only(&st, &headers).await {
        return r;
    }
    match st.store.revoke_sensor(&name).await {
        Ok(()) => Json(serde_json::json!({ "name": name, "revoked": true })).into_response(),
        Err(e) => store_error(e),
    }
}

/// A Rayhunter file name: `NAME.qmdl.gz`, `NAME.qmdl`, `NAME.ndjson` or `NAME-gps.ndjson`,
/// with NAME of `[A-Za-z0-9_.-]`, no leading dot, no path.
pub fn parse_webdav_name(name: &str) -> Option<(&str, RayhunterKind, bool)> {
    if name.is_empty()
        || name.len() > MAX_WEBDAV_NAME
        || name.starts_with('.')
        || name.contains("..")
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return None;
    }
    let (stem, kind, gz) = if let Some(s) = name.strip_suffix(".qmdl.gz") {
        (s, RayhunterKind::Qmdl, true)
    } else if let Some(s) = name.strip_suffix(".qmdl") {
        (s, RayhunterKind::Qmdl, false)
    } else if let Some(s) = name.strip_suffix("-gps.ndjson") {
        (s, RayhunterKind::Gps, false)
    } else if let Some(s) = name.strip_suffix(".ndjson") {
        (s, RayhunterKind::Analysis, false)
    } else {
        return None;
    };
    (!stem.is_empty()).then_some((stem, kind, gz))
}

/// Basic authentication: `(user, password)`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ")?.trim();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

fn unauthorized_basic(msg: &str) -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, msg);
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"stingwatch fleet\""),
    );
    r
}

/// The server's analysis of a Rayhunter recording as the upload a sensor would have made of
/// it: its findings, and the cells it saw (placed from `track` when there is one).
fn rayhunter_batch(
    report: &stingwatch_report::Report,
    track: Option<&stingwatch_gps::Track>,
) -> stingwatch_fleet_model::UploadBatch {
    let opts = stingwatch_fleet_client::ConvertOptions {
        now_ms: now_ms(),
        track,
        ..Default::default()
    };
    stingwatch_fleet_client::batch_from_analysis(
        stingwatch_fleet_model::BatchId(String::new()),
        &report.findings,
        &report.cells,
        &report.radio_cells,
        &opts,
    )
}

async fn webdav_put(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(path): Path<String>,
    body: Body,
) -> Response {
    let Some((user, token)) = basic(&headers) else {
        return unauthorized_basic("Basic authentication with the sensor name and token is needed");
    };
    let sensor = match st.store.sensor_by_token(&token).await {
        Ok(Some(s)) if s.revoked => return error(StatusCode::FORBIDDEN, "this sensor is revoked"),
        Ok(Some(s)) if s.name != user => {
            return error(StatusCode::FORBIDDEN, "the token belongs to another sensor")
        }
        Ok(Some(s)) => s,
        Ok(None) => return unauthorized_basic("unknown token"),
        Err(e) => return store_error(e),
    };
    // Rayhunter puts to BASE/NAME; only the last part names the file, and it must be a plain
    // name: anything that looks like a path is refused whole.
    let Some((stem, kind, gz)) = parse_webdav_name(&path) else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected NAME.qmdl.gz, NAME.qmdl, NAME.ndjson or NAME-gps.ndjson (no path)",
        );
    };
    let stem = stem.to_string();
    let limit = match kind {
        RayhunterKind::Qmdl => MAX_WEBDAV_RECORDING_BYTES,
        _ => MAX_WEBDAV_SIDECAR_BYTES,
    };
    let bytes = match read_body(&headers, body, limit).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let outcome = match kind {
        RayhunterKind::Qmdl => {
            // A GPS file put first places the cells the analysis finds.
            let track = match st.store.rayhunter_track(&sensor, &stem).await {
                Ok(t) => t,
                Err(e) => return store_error(e),
            };
            let Ok(_permit) = st.analyses.acquire().await else {
                return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
            };
            let name = format!("{stem}.qmdl");
            let job = tokio::task::spawn_blocking(move || {
                let raw = if gz {
                    recording::gunzip_bounded(&bytes)?
                } else {
                    bytes
                };
                let report = recording::analyse(&name, raw.clone())?;
                let batch = rayhunter_batch(&report, track.as_ref());
                Ok::<_, recording::RecordingError>((raw, batch))
            })
            .await;
            let (raw, batch) = match job {
                Ok(Ok(v)) => v,
                Ok(Err(e @ recording::RecordingError::TooLarge)) => {
                    return error(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
                }
                Ok(Err(e)) => return error(StatusCode::BAD_REQUEST, e.to_string()),
                Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "analysis failed"),
            };
            st.store
                .put_rayhunter(
                    &sensor,
                    &stem,
                    kind,
                    &raw,
                    &batch.findings,
                    None,
                    Some(&batch.observations),
                )
                .await
        }
        RayhunterKind::Gps => {
            let track = match stingwatch_gps::Track::read(bytes.as_slice()) {
                Ok(t) => t,
                Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
            };
            if track.is_empty() && !bytes.trim_ascii().is_empty() {
                let first = track
                    .diagnostics
                    .first()
                    .map(|d| format!("; {d}"))
                    .unwrap_or_default();
                return error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "no GPS fix in the file ({} lines unreadable{first})",
                        track.diagnostics.len() as u64 + track.diagnostics_omitted
                    ),
                );
            }
            // A recording put first is analysed again with the track, so its cells are placed
            // exactly as if the track had come first.
            let recorded = match st.store.rayhunter_recording(&sensor, &stem).await {
                Ok(r) => r,
                Err(e) => return store_error(e),
            };
            let observations = match recorded {
                None => None,
                Some(raw) => {
                    let Ok(_permit) = st.analyses.acquire().await else {
                        return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
                    };
                    let name = format!("{stem}.qmdl");
                    let placed = track.clone();
                    let job = tokio::task::spawn_blocking(move || {
                        recording::analyse(&name, raw)
                            .map(|report| rayhunter_batch(&report, Some(&placed)).observations)
                    })
                    .await;
                    match job {
                        Ok(Ok(o)) => Some(o),
                        // It was analysed when it was put; failing now is a server fault.
                        _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "analysis failed"),
                    }
                }
            };
            st.store
                .put_rayhunter(
                    &sensor,
                    &stem,
                    kind,
                    &bytes,
                    &[],
                    Some(&track),
                    observations.as_deref(),
                )
                .await
        }
        RayhunterKind::Analysis => {
            if std::str::from_utf8(&bytes).is_err() {
                return error(StatusCode::BAD_REQUEST, "analysis file is not UTF-8 text");
            }
            st.store
                .put_rayhunter(&sensor, &stem, kind, &bytes, &[], None, None)
                .await
        }
    };
    if outcome.as_ref().is_ok_and(|r| !r.unchanged) {
        st.correlator.stored();
    }
    match outcome {
        Ok(r) if r.unchanged || r.replaced => StatusCode::NO_CONTENT.into_response(),
        Ok(_) => StatusCode::CREATED.into_response(),
        Err(e) => store_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webdav_names_are_plain_rayhunter_files_only() {
        assert_eq!(
            parse_webdav_name("1720080123.qmdl.gz").map(|x| (x.0, x.1, x.2)),
            Some(("1720080123", RayhunterKind::Qmdl, true))
        );
        assert_eq!(
            parse_webdav_name("1720080123-gps.ndjson").map(|x| x.1),
            Some(RayhunterKind::Gps)
        );
        assert_eq!(
            parse_webdav_name("1720080123.ndjson").map(|x| x.1),
            Some(RayhunterKind::Analysis)
        );
        for bad in [
            "../etc/passwd.qmdl",
            "a/b.qmdl",
            "..qmdl.gz",
            ".qmdl",
            ".hidden.qmdl",
            "x.pcap",
            "x.qmdl.gz/",
            "x\\y.qmdl",
            "x%2f.qmdl",
            "",
            "-gps.ndjson",
        ] {
            assert!(parse_webdav_name(bad).is_none(), "{bad:?}");
        }
        assert!(parse_webdav_name(&format!("{}.qmdl", "a".repeat(200))).is_none());
    }

    #[test]
    fn tile_origins_are_only_http_hosts() {
        assert_eq!(
            origin_of("https://tile.example.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://tile.example.org")
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://a b/"), None);
    }
}
