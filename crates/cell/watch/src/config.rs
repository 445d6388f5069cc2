//! Watch settings: from flags, from a TOML file, or both (flags win).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use stingwatch_analysis::{KnownCells, Plmn, Severity};
use stingwatch_store::Budget;

/// Where the bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A Qualcomm DIAG character device (`/dev/diag`).
    Device(PathBuf),
    /// A recording fed in capture-time order; `speed` 0 means as fast as possible.
    Replay {
        /// The recording (QMDL, pcap or pcapng).
        path: PathBuf,
        /// Time scale: 1 real time, 10 ten times faster, 0 no waiting.
        speed: f64,
    },
}

impl Source {
    /// How the source is named in the recordings list.
    pub fn describe(&self) -> String {
        match self {
            Source::Device(p) => format!("device {}", p.display()),
            Source::Replay { path, .. } => format!("replay {}", path.display()),
        }
    }
}

/// Where and when to send alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// ntfy topic URL (`http://host/topic`): plain-text POST with Title and Priority headers.
    pub ntfy: Option<String>,
    /// Generic webhook URL: POST of the finding JSON.
    pub webhook: Option<String>,
    /// Alert on findings at least this severe.
    pub min_severity: Severity,
    /// Attempts per alert and target before it is given up.
    pub attempts: u32,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            ntfy: None,
            webhook: None,
            min_severity: Severity::Medium,
            attempts: 6,
        }
    }
}

/// Everything a watch needs.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// Byte source.
    pub source: Source,
    /// Data directory (segments and index).
    pub data_dir: PathBuf,
    /// Web address.
    pub listen: SocketAddr,
    /// Token for state-changing requests (and for all requests off loopback); generated and
    /// printed when absent.
    pub token: Option<String>,
    /// Alerts.
    pub notify: NotifyConfig,
    /// Disk budget.
    pub budget: Budget,
    /// A segment this large is closed and a new recording started.
    pub segment_max_bytes: u64,
    /// Longest time written frames wait for an fsync.
    pub fsync_interval: Duration,
    /// Exit when the source ends (replay) instead of serving on.
    pub exit_when_done: bool,
    /// Start without recording (analyse only) until asked to record.
    pub start_paused: bool,
    /// Known genuine cells.
    pub known_cells: Option<KnownCells>,
    /// The SIM's network when the recording does not show it.
    pub home_network: Option<Plmn>,
    /// Upload each finished recording's analysis to a fleet server.
    pub upload: Option<crate::fleet::UploadConfig>,
    /// gpsd to take fixes from (`HOST:PORT`).
    pub gpsd: Option<String>,
}

/// The TOML config file; every key optional, flags override.
///
/// ```toml
/// data_dir = "/data/stingwatch"
/// listen = "127.0.0.1:8080"
/// token = "..."
/// ntfy = "http://ntfy.example/my-topic"
/// webhook = "http://127.0.0.1:9000/hook"
/// notify_min_severity = "medium"
/// min_free_percent = 10
/// max_bytes = 2000000000
/// segment_max_bytes = 67108864
/// fsync_interval_ms = 1000
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Web address.
    pub listen: Option<SocketAddr>,
    /// Token.
    pub token: Option<String>,
    /// ntfy URL.
    pub ntfy: Option<String>,
    /// Webhook URL.
    pub webhook: Option<String>,
    /// `info`, `low`, `medium` or `high`.
    pub notify_min_severity: Option<String>,
    /// Attempts per alert.
    pub notify_attempts: Option<u32>,
    /// Percent of the file system kept free.
    pub min_free_percent: Option<f64>,
    /// Most bytes of recordings kept.
    pub max_bytes: Option<u64>,
    /// Segment size at which a new recording starts.
    pub segment_max_bytes: Option<u64>,
    /// Longest delay before written frames are fsynced, in milliseconds.
    pub fsync_interval_ms: Option<u64>,
    /// Known-cells CSV.
    pub known_cells: Option<PathBuf>,
    /// Network of the phone's SIM, `MCC-MNC`.
    pub home_plmn: Option<String>,
}

impl FileConfig {
    /// Read and check a config file.
    pub fn load(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read config", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
    }
}

/// Parse a severity name.
pub fn parse_severity(s: &str) -> Result<Severity> {
    match s.trim().to_ascii_lowercase().as_str() {
        "info" => Ok(Severity::Info),
        "low" => Ok(Severity::Low),
        "medium" => Ok(Severity::Medium),
        "high" => Ok(Severity::High),
        other => Err(anyhow!(
            "unknown severity {other:?} (info, low, medium or high)"
        )),
    }
}

/// Default data directory: `$XDG_DATA_HOME/stingwatch`, else `~/.local/share/stingwatch`,
/// else `./stingwatch-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("stingwatch");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(h).join(".local/share/stingwatch");
    }
    PathBuf::from("stingwatch-data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config_file() {
        let c: FileConfig = toml::from_str(
            r#"
            data_dir = "/tmp/x"
            listen = "0.0.0.0:9000"
            token = "t"
            ntfy = "http://127.0.0.1:1/topic"
            webhook = "http://127.0.0.1:1/hook"
            notify_min_severity = "high"
            min_free_percent = 5.5
            max_bytes = 1000
            segment_max_bytes = 100
            fsync_interval_ms = 250
            "#,
        )
        .unwrap();
        assert_eq!(c.listen, Some("0.0.0.0:9000".parse().unwrap()));
        assert_eq!(c.min_free_percent, Some(5.5));
        assert_eq!(
            parse_severity(c.notify_min_severity.as_deref().unwrap()).unwrap(),
            Severity::High
        );
    }

    #[test]
    fn rejects_unknown_keys_and_severities() {
        assert!(toml::from_str::<FileConfig>("colour = 1").is_err());
        assert!(parse_severity("urgent").is_err());
    }
}
