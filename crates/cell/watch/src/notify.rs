//! Alerts: an ntfy-compatible POST and a generic JSON webhook.
//!
//! Alerts go through a bounded queue to a thread of their own, so a slow or unreachable
//! receiver never holds up recording or analysis: when the queue is full the alert is dropped
//! and counted (the finding itself is already stored and on the page).

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use stingwatch_analysis::Severity;

use crate::config::NotifyConfig;
use crate::live::{lock, Shared};

/// Alerts waiting to be sent.
const QUEUE: usize = 64;
/// First retry delay; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// Longest retry delay.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Per-request timeout.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One alert about one finding.
#[derive(Debug, Clone)]
pub struct Alert {
    /// Finding severity.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// A few lines for a phone notification.
    pub text: String,
    /// The finding as `analyze --format json` prints it.
    pub json: String,
}

/// ntfy priority (1–5) for a severity.
pub fn ntfy_priority(s: Severity) -> &'static str {
    match s {
        Severity::High => "5",
        Severity::Medium => "4",
        Severity::Low => "3",
        Severity::Info => "2",
    }
}

/// Hands alerts to the sending thread without ever blocking.
#[derive(Clone)]
pub struct Notifier {
    tx: Option<SyncSender<Alert>>,
    shared: Arc<Shared>,
}

impl Notifier {
    /// Start the sending thread when a target is configured.
    pub fn start(cfg: NotifyConfig, shared: Arc<Shared>) -> Notifier {
        if cfg.ntfy.is_none() && cfg.webhook.is_none() {
            return Notifier { tx: None, shared };
        }
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let s = Arc::clone(&shared);
        let started = std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || sender(rx, cfg, s));
        match started {
            Ok(_) => Notifier {
                tx: Some(tx),
                shared,
            },
            Err(e) => {
                eprintln!("stingwatch watch: notifications off: {e}");
                Notifier { tx: None, shared }
            }
        }
    }

    /// Queue an alert; drops it (counted) when the queue is full.
    pub fn send(&self, alert: Alert) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(alert) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                lock(&self.shared.status).alerts_dropped += 1;
            }
        }
    }
}

fn sender(rx: Receiver<Alert>, cfg: NotifyConfig, shared: Arc<Shared>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    while let Ok(alert) = rx.recv() {
        let targets = [
            cfg.ntfy.as_deref().map(|u| (u, true)),
            cfg.webhook.as_deref().map(|u| (u, false)),
        ];
        for (url, ntfy) in targets.into_iter().flatten() {
            let mut delay = FIRST_BACKOFF;
            let mut ok = false;
            for attempt in 1..=cfg.attempts.max(1) {
                let r = if ntfy {
                    agent
                        .post(url)
                        .header("Title", &header_safe(&alert.title))
                        .header("Priority", ntfy_priority(alert.severity))
                        .header("Tags", "warning,stingwatch")
                        .content_type("text/plain; charset=utf-8")
                        .send(alert.text.as_bytes())
                } else {
                    agent
                        .post(url)
                        .content_type("application/json")
                        .send(alert.json.as_bytes())
                };
                match r {
                    Ok(_) => {
                        ok = true;
                        break;
                    }
                    Err(e) => {
                        eprintln!(
                            "stingwatch watch: alert to {url} failed (attempt {attempt}): {e}"
                        );
                        if attempt < cfg.attempts {
                            std::thread::sleep(delay);
                            delay = (delay * 2).min(MAX_BACKOFF);
                        }
                    }
                }
            }
            let mut s = lock(&shared.status);
            if ok {
                s.alerts_sent += 1;
            } else {
                s.alerts_failed += 1;
            }
        }
    }
}

/// Header values must be visible ASCII: anything else becomes `?`.
fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_stay_ascii() {
        assert_eq!(header_safe("IMSI — asked\r\n"), "IMSI ? asked??");
        assert_eq!(ntfy_priority(Severity::High), "5");
    }
}
