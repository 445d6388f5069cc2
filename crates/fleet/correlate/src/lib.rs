//! Fleet correlation: findings that only many sensors together can make, and where the
//! transmitter behind them stands.
//!
//! Pure functions over what sensors uploaded (no database, no network, no clock): the fleet
//! server loads observations and sensor findings, calls [`correlate`], and stores what comes
//! back. Every rule is described with its physics and thresholds in `docs/fleet-correlation.md`.

#![forbid(unsafe_code)]

mod correlate;
pub mod finding;
pub mod geo;
pub mod hexgrid;
pub mod locate;
pub mod radio;
pub mod reference;
pub mod rules;
pub mod simulate;
pub mod stats;

pub use correlate::{
    correlate, Config, Correlation, FleetInput, MAX_INPUT_OBSERVATIONS, MAX_OBSERVATIONS_PER_CELL,
    MAX_REFERENCE_CHECKS,
};
pub use finding::{EvidenceRef, FleetFinding, FleetKind, FleetPlace};
pub use locate::{locate, LocateMethod, Location, Sighting};
pub use reference::{OpenCellIdReader, ReferenceCells};

use serde::{Deserialize, Serialize};
pub use stingwatch_fleet_model::{CellKey, Observation, Position, Rat, SensorFinding, Severity};

/// A sensor as the fleet server numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SensorId(pub u64);

/// One uploaded observation and the sensor that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorObservation {
    /// Who saw it.
    pub sensor: SensorId,
    /// What was seen.
    pub obs: Observation,
}

/// One uploaded sensor finding and the sensor that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorReport {
    /// Who reported it.
    pub sensor: SensorId,
    /// What was reported.
    pub finding: SensorFinding,
}
