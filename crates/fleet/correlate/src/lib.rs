//! Fleet correlation: findings that only many sensors together can make, and where the
//! transmitter behind them stands.
//!
//! Pure functions over what sensors uploaded (no database, no network, no clock): the fleet
//! server loads observations and sensor findings, calls [`correlate`], and stores what comes
//! back. Every rule is described with its physics and thresholds in `docs/fleet-correlation.md`.

#![forbid(unsafe_code)]

pub mod geo;
pub mod hexgrid;
