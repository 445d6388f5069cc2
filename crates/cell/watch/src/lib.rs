//! `stingwatch watch`: record a baseband log, analyse it as it records, alert, and serve a
//! local web page — losing nothing when the process is killed.
//!
//! One path carries every byte, whatever its source ([`device`], [`serial`] or [`replay`]):
//!
//! ```text
//! source thread ──bytes──▶ recorder thread ──append──▶ QMDL segment (store)
//!                               │ same bytes
//!                               ▼
//!                          analysis thread: deframe → decode → events → analysis
//!                               │ finding: fsync segment, commit row, then
//!                               ├──▶ web (server-sent events)
//!                               └──▶ notifier thread (bounded queue; ntfy, webhook)
//! ```
//!
//! The web server (axum on a single-threaded tokio runtime) only reads the shared state and
//! the store, and sends start/stop requests to the recorder.

#![deny(unsafe_code)]

pub mod config;
pub mod device;
pub mod fleet;
mod gps;
mod live;
pub mod notify;
mod replay;
pub mod serial;
mod web;

pub use config::{Source, WatchConfig};
pub use fleet::UploadConfig;

use std::sync::Arc;

use anyhow::{Context, Result};

/// Run a watch until the source ends (with `exit_when_done`) or the process is stopped.
pub fn run(cfg: WatchConfig) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(cfg.listen))
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let local = listener.local_addr().context("listening address")?;
    let token = cfg.token.clone().unwrap_or_else(generate_token);
    let live = live::Live::start(&cfg)?;
    // Printed so that scripts (and tests using port 0) know where to go.
    eprintln!("stingwatch watch: listening on http://{local}/");
    if cfg.token.is_none() {
        eprintln!("stingwatch watch: token {token}");
    }
    let shared = Arc::clone(live.shared());
    if let Some(addr) = cfg.gpsd.clone() {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("gpsd".into())
            .spawn(move || gps::gpsd_thread(addr, shared))
            .context("starting the gpsd thread")?;
    }
    let server = web::serve(listener, shared, token, !local.ip().is_loopback());
    let done = live.done_signal();
    runtime.block_on(async move {
        tokio::select! {
            r = server => r,
            _ = shutdown_signal() => Ok(()),
            _ = done, if cfg.exit_when_done => Ok(()),
        }
    })?;
    live.stop();
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut i), Ok(mut t)) => {
                tokio::select! {
                    _ = i.recv() => {}
                    _ = t.recv() => {}
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await
}

/// A random token of 128 bits, hex.
pub fn generate_token() -> String {
    use std::io::Read;
    let mut b = [0u8; 16];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok();
    if !ok {
        // No /dev/urandom: mix time and addresses; weaker, still unguessable from outside.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let x = t ^ ((&b as *const _ as usize as u128) << 64) ^ u128::from(std::process::id());
        b = x.to_le_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}
