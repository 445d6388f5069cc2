//! `scenario`: write a labeled attack or benign capture built by the project itself.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use stingwatch_scenario::{build_with, catalog, NasCopies, Options};

/// Container to write a scenario as.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ScenarioFormat {
    /// GSMTAP pcapng (each message's label note as a packet comment).
    Pcapng,
    /// Qualcomm DIAG log (HDLC framed), as a rooted hotspot records it.
    Qmdl,
}

/// How NAS messages appear in the written scenario.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum NasMode {
    /// Inside RRC and again as separate NAS records (as DIAG logs have them).
    RrcAndRecords,
    /// Only inside RRC `dedicatedInfoNAS` (as an over-the-air capture has them).
    RrcOnly,
}

/// Print the catalog of scenarios.
pub fn run_list() -> Result<ExitCode> {
    for s in catalog() {
        let kind = if s.attack { "attack" } else { "benign" };
        println!(
            "{:<28} {kind:<6} twin {:<26} {}",
            s.name, s.twin, s.description
        );
    }
    for s in stingwatch_scenario::fleet::FLEET_SCENARIOS {
        let kind = if s.attack { "attack" } else { "benign" };
        println!(
            "{:<28} {kind:<6} (--out DIR, {} sensors) {}",
            s.name,
            stingwatch_scenario::fleet::SENSORS,
            s.description
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Write multi-sensor scenario `name` into `dir`.
pub fn run_fleet(name: &str, dir: &Path) -> Result<ExitCode> {
    let fleet = stingwatch_scenario::fleet::build_fleet(name).map_err(|e| anyhow!("{e}"))?;
    stingwatch_scenario::fleet::write_fleet(&fleet, dir).map_err(|e| anyhow!("{e}"))?;
    let connecting = fleet.truth.sensors.iter().filter(|s| s.connects).count();
    eprintln!(
        "{}: scenario {} ({} sensors, {connecting} connecting to a catcher; truth.json)",
        dir.display(),
        name,
        fleet.sensors.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Write scenario `name` to `output`, with its labels as JSON beside it when asked.
pub fn run_scenario(
    name: &str,
    output: &Path,
    format: Option<ScenarioFormat>,
    nas: NasMode,
    labels: Option<PathBuf>,
) -> Result<ExitCode> {
    let options = Options {
        nas: match nas {
            NasMode::RrcAndRecords => NasCopies::RrcAndRecords,
            NasMode::RrcOnly => NasCopies::RrcOnly,
        },
    };
    let scenario = build_with(name, options).map_err(|e| anyhow!("{e}"))?;
    let format = format.unwrap_or_else(|| match output.extension().and_then(|e| e.to_str()) {
        Some("qmdl") | Some("mi2log") => ScenarioFormat::Qmdl,
        _ => ScenarioFormat::Pcapng,
    });
    let file =
        File::create(output).with_context(|| format!("{}: cannot create", output.display()))?;
    let out = BufWriter::new(file);
    let written = match format {
        ScenarioFormat::Pcapng => stingwatch_scenario::write_pcapng(&scenario, out)
            .map_err(|e| anyhow!("{}: cannot write: {e}", output.display()))?,
        ScenarioFormat::Qmdl => stingwatch_scenario::write_qmdl(&scenario, out)
            .map_err(|e| anyhow!("{}: cannot write: {e}", output.display()))?,
    };
    written
        .into_inner()
        .map_err(|e| anyhow!("{}: cannot write: {}", output.display(), e.error()))?
        .flush()
        .with_context(|| format!("{}: cannot write", output.display()))?;
    if let Some(l) = labels {
        std::fs::write(&l, stingwatch_scenario::labels_json(&scenario))
            .with_context(|| format!("{}: cannot write labels", l.display()))?;
    }
    eprintln!(
        "{}: scenario {} ({} messages; {})",
        output.display(),
        scenario.name,
        scenario.messages.len(),
        scenario.label()
    );
    Ok(ExitCode::SUCCESS)
}
