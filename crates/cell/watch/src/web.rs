//! The local web page and its JSON API.
//!
//! Reads are open on a loopback bind; off loopback every request needs the token. Every
//! state-changing request needs the token always (`Authorization: Bearer T`, or
//! `X-Stingwatch-Token: T`; `?token=T` for the page's downloads and event stream).

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use stingwatch_decode::CaptureReader;
use stingwatch_model::ReadItem;
use tokio::sync::{broadcast, mpsc};

use crate::config::parse_severity;
use crate::live::{lock, request, Input, Shared};

/// Largest request body accepted (settings are a few bytes).
pub const MAX_BODY: usize = 16 * 1024;
/// Chunks of a download in flight; bounds memory per download.
const DOWNLOAD_QUEUE: usize = 8;
const DOWNLOAD_CHUNK: usize = 64 * 1024;

const PAGE: &str = include_str!("page.html");

#[derive(Clone)]
struct App {
    shared: Arc<Shared>,
    token: Arc<str>,
    /// Off loopback, reads need the token too.
    token_for_reads: bool,
}

/// Serve until the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    token: String,
    token_for_reads: bool,
) -> anyhow::Result<()> {
    let app = App {
        shared,
        token: token.into(),
        token_for_reads,
    };
    axum::serve(listener, router(app)).await?;
    Ok(())
}

fn router(app: App) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/status", get(status))
        .route("/api/findings", get(findings))
        .route("/api/cells", get(cells))
        .route("/api/recordings", get(recordings))
        .route("/api/recordings/{id}/{format}", get(download))
        .route("/api/events", get(events))
        .route("/api/settings", get(settings).post(set_settings))
        .route("/api/recording/start", post(start_recording))
        .route("/api/recording/stop", post(stop_recording))
        .route("/api/gps", get(get_gps).post(post_gps))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

fn error(code: StatusCode, msg: &str) -> Response {
    (code, Json(serde_json::json!({ "error": msg }))).into_response()
}

fn presented_token<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.trim());
        }
    }
    if let Some(v) = headers
        .get("x-stingwatch-token")
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.trim());
    }
    query?.split('&').find_map(|kv| kv.strip_prefix("token="))
}

/// Constant-time comparison, so response timing says nothing about the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Token check before any handler: mutating methods always, reads off loopback.
async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    let mutating = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let is_api = req.uri().path().starts_with("/api/");
    if mutating || (app.token_for_reads && is_api) {
        let ok =
            presented_token(req.headers(), req.uri().query()).is_some_and(|t| same(t, &app.token));
        if !ok {
            return error(StatusCode::UNAUTHORIZED, "missing or wrong token");
        }
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    resp
}

async fn page() -> Response {
    let mut r = Html(PAGE).into_response();
    r.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    r
}

async fn status(State(app): State<App>) -> Response {
    let s = app.shared.clone();
    match tokio::task::spawn_blocking(move || s.status()).await {
        Ok(st) => Json(st).into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "status unavailable"),
    }
}

/// A JSON array of stored JSON documents, without parsing them again.
fn json_array(items: Vec<String>) -> Response {
    let mut body = String::from("[");
    for (i, j) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(j);
    }
    body.push(']');
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn findings(State(app): State<App>) -> Response {
    let s = app.shared.clone();
    match tokio::task::spawn_blocking(move || lock(&s.store).findings()).await {
        Ok(Ok(v)) => json_array(v),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable"),
    }
}

async fn cells(State(app): State<App>) -> Response {
    let s = app.shared.clone();
    match tokio::task::spawn_blocking(move || lock(&s.store).cells()).await {
        Ok(Ok(v)) => json_array(v),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable"),
    }
}

async fn recordings(State(app): State<App>) -> Response {
    let s = app.shared.clone();
    match tokio::task::spawn_blocking(move || lock(&s.store).recordings()).await {
        Ok(Ok(v)) => Json(v).into_response(),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable"),
    }
}

/// `/api/recordings/{id}/qmdl` and `/api/recordings/{id}/pcapng`.
async fn download(State(app): State<App>, Path((id, format)): Path<(String, String)>) -> Response {
    // Ids are numbers: anything else (`..`, slashes, names) never reaches the file system.
    let Ok(id) = id.parse::<i64>() else {
        return error(StatusCode::BAD_REQUEST, "recording id must be a number");
    };
    let kind = match format.as_str() {
        "qmdl" => Download::Qmdl,
        "pcapng" => Download::Pcapng,
        "html" => Download::Html,
        _ => return error(StatusCode::NOT_FOUND, "unknown download format"),
    };
    let s = app.shared.clone();
    let rec = tokio::task::spawn_blocking(move || {
        let store = lock(&s.store);
        store
            .recording(id)
            .map(|r| r.map(|r| (store.segment_path(&r), r)))
    })
    .await;
    let (path, rec) = match rec {
        Ok(Ok(Some(x))) => x,
        Ok(Ok(None)) => return error(StatusCode::NOT_FOUND, "no such recording"),
        _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable"),
    };
    if rec.deleted || !path.is_file() {
        return error(StatusCode::GONE, "recording deleted by the disk budget");
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(DOWNLOAD_QUEUE);
    let file = rec.file.clone();
    tokio::task::spawn_blocking(move || match kind {
        Download::Pcapng => write_pcapng(&path, &tx),
        Download::Qmdl => copy_file(&path, &tx),
        Download::Html => write_html(&path, &file, &tx),
    });
    let body = Body::from_stream(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|c| (c, rx))
    }));
    let (ext, ctype) = match kind {
        Download::Pcapng => ("pcapng", "application/vnd.tcpdump.pcap"),
        Download::Qmdl => ("qmdl", "application/octet-stream"),
        Download::Html => ("html", "text/html; charset=utf-8"),
    };
    let disposition = format!("attachment; filename=\"stingwatch-{id:06}.{ext}\"");
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// What a recording is downloaded as.
#[derive(Clone, Copy)]
enum Download {
    Qmdl,
    Pcapng,
    Html,
}

/// The recording's HTML report, as `analyze --format html` writes it for the segment.
fn write_html(path: &std::path::Path, file: &str, tx: &ChunkTx) {
    let mut pipeline = stingwatch_pipeline::Pipeline::new(file, None);
    let mut input = stingwatch_report::InputReport {
        path: file.to_string(),
        format: Some("qmdl"),
        bytes: 0,
        messages: 0,
        undecoded: 0,
        skipped: 0,
        errors: Vec::new(),
    };
    if let Ok(mut reader) = CaptureReader::open(path) {
        for item in reader.by_ref() {
            match item {
                ReadItem::Message(m) => {
                    pipeline.push(&m);
                }
                ReadItem::Measurement(m) => {
                    pipeline.push_measurement(&m);
                }
                ReadItem::Damage(d) => input.errors.push(format!("damaged input at {d}")),
            }
        }
        let s = reader.summary();
        input.bytes = s.bytes;
        input.messages = s.messages;
        input.skipped = s.skipped_total();
    }
    let done = pipeline.finish();
    input.undecoded = done.undecoded;
    let report = stingwatch_report::Report::new(
        env!("CARGO_PKG_VERSION"),
        vec![input],
        done.findings,
        done.cells,
    )
    .with_timeline(done.timeline);
    let html = stingwatch_report::render_html(&report);
    for chunk in html.as_bytes().chunks(DOWNLOAD_CHUNK) {
        if tx.blocking_send(Ok(Bytes::copy_from_slice(chunk))).is_err() {
            return;
        }
    }
}

type ChunkTx = mpsc::Sender<Result<Bytes, std::io::Error>>;

fn copy_file(path: &std::path::Path, tx: &ChunkTx) {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            let _ = tx.blocking_send(Err(e));
            return;
        }
    };
    let mut buf = vec![0u8; DOWNLOAD_CHUNK];
    loop {
        match f.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                let chunk = Bytes::copy_from_slice(buf.get(..n).unwrap_or(&[]));
                if tx.blocking_send(Ok(chunk)).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    }
}

/// A [`Write`] that sends what it gets as body chunks.
struct ChunkWriter<'a> {
    tx: &'a ChunkTx,
    buf: Vec<u8>,
}

impl Write for ChunkWriter<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= DOWNLOAD_CHUNK {
            self.flush()?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

/// Convert a segment to GSMTAP pcapng on the fly, in constant memory.
fn write_pcapng(path: &std::path::Path, tx: &ChunkTx) {
    let fail = |e: std::io::Error| {
        let _ = tx.blocking_send(Err(e));
    };
    let reader = match CaptureReader::open(path) {
        Ok(r) => r,
        // An empty segment converts to a pcapng with no packets.
        Err(stingwatch_decode::OpenError::Empty(_)) => {
            let w = ChunkWriter {
                tx,
                buf: Vec::new(),
            };
            if let Ok(w) = stingwatch_capture::PcapngWriter::new(w) {
                let _ = w.into_inner().and_then(|mut w| w.flush());
            }
            return;
        }
        Err(e) => return fail(std::io::Error::other(e.to_string())),
    };
    let w = ChunkWriter {
        tx,
        buf: Vec::new(),
    };
    let mut writer = match stingwatch_capture::PcapngWriter::new(w) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    for item in reader {
        if let ReadItem::Message(m) = item {
            // Messages GSMTAP cannot carry are left out, as `convert` does.
            if writer.write_message(&m, &[]).is_err() {
                continue;
            }
        }
    }
    if let Ok(mut w) = writer.into_inner() {
        let _ = w.flush();
    }
}

async fn events(State(app): State<App>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = app.shared.events.subscribe();
    let s = stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(json) => Some((Ok(Event::default().event("finding").data(json)), rx)),
            // A slow client missed some: tell it to reload the list.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                Some((Ok(Event::default().event("resync").data("{}")), rx))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    });
    Sse::new(s).keep_alive(KeepAlive::default())
}

async fn settings(State(app): State<App>) -> Response {
    Json(lock(&app.shared.settings).clone()).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsUpdate {
    notify_min_severity: Option<String>,
}

async fn set_settings(State(app): State<App>, body: Bytes) -> Response {
    let Ok(update) = serde_json::from_slice::<SettingsUpdate>(&body) else {
        return error(StatusCode::BAD_REQUEST, "expected JSON settings");
    };
    if let Some(s) = update.notify_min_severity {
        match parse_severity(&s) {
            Ok(sev) => lock(&app.shared.settings).notify_min_severity = sev,
            Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
        }
    }
    Json(lock(&app.shared.settings).clone()).into_response()
}

/// A fix as Rayhunter's `POST /api/gps` takes it, so phone shortcuts made for Rayhunter keep
/// working; `accuracy` (metres, as the browser's geolocation gives it) is optional.
#[derive(Deserialize)]
struct GpsPost {
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    accuracy: Option<f64>,
}

async fn post_gps(State(app): State<App>, body: Bytes) -> Response {
    let Ok(p) = serde_json::from_slice::<GpsPost>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected JSON {\"latitude\": .., \"longitude\": ..}",
        );
    };
    let fix = stingwatch_gps::Fix {
        time: crate::gps::now(),
        latitude: p.latitude,
        longitude: p.longitude,
        accuracy_m: p.accuracy,
    };
    if !fix.is_valid() {
        return error(
            StatusCode::BAD_REQUEST,
            "latitude must be -90 to 90, longitude -180 to 180, accuracy not negative",
        );
    }
    crate::gps::record_fix(&app.shared, fix);
    StatusCode::OK.into_response()
}

async fn get_gps(State(app): State<App>) -> Response {
    match lock(&app.shared.gps).latest {
        Some(f) => Json(serde_json::json!({
            "latitude": f.latitude,
            "longitude": f.longitude,
            "accuracy": f.accuracy_m,
            "time": f.time.to_rfc3339(),
        }))
        .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start_recording(State(app): State<App>, _body: Bytes) -> Response {
    control(&app, Input::StartRecording)
}

async fn stop_recording(State(app): State<App>, _body: Bytes) -> Response {
    control(&app, Input::StopRecording)
}

fn control(app: &App, input: Input) -> Response {
    if request(&app.shared, input) {
        (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "ok": true })),
        )
            .into_response()
    } else {
        error(StatusCode::SERVICE_UNAVAILABLE, "recorder busy, try again")
    }
}
