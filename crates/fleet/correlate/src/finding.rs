//! What correlation produces: fleet findings, each with the sensors and uploads behind it.

use crate::locate::Location;
use crate::SensorId;
use serde::{Deserialize, Serialize};
use stingwatch_fleet_model::{CellKey, Position, Severity};

/// Most evidence references one finding lists; the total is kept in `evidence_total`.
pub const MAX_EVIDENCE_PER_FINDING: usize = 64;
/// Most sensors one finding lists by id; the total is kept in `sensor_total`.
pub const MAX_SENSORS_PER_FINDING: usize = 256;

/// Which rule made a fleet finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FleetKind {
    /// One cell identity at two places no single transmitter covers at once.
    ClonedIdentity,
    /// A cell on the air for a short while where sensors saw it neither before nor after.
    TransientCell,
    /// The same suspicious cell reported by several sensors independently.
    Corroborated,
    /// A cell asking for permanent identities far more often than its operator's other cells.
    ExposureRate,
}

impl FleetKind {
    /// Stable id stored with the finding.
    pub fn as_str(self) -> &'static str {
        match self {
            FleetKind::ClonedIdentity => "fleet-cloned-identity",
            FleetKind::TransientCell => "fleet-transient-cell",
            FleetKind::Corroborated => "fleet-corroborated",
            FleetKind::ExposureRate => "fleet-identity-exposure-rate",
        }
    }
}

/// Something a fleet finding rests on, as an index into the slices given to
/// [`crate::correlate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "index")]
pub enum EvidenceRef {
    /// `FleetInput::observations[i]`.
    Observation(usize),
    /// `FleetInput::findings[i]`.
    Finding(usize),
}

/// Where and when sensors saw what a finding is about (for a cloned identity: each of the
/// two places). These are the sensors' own (coarse) positions, so a reader sees only those
/// its access allows (the server shows a sensor only its own); the explanation names none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetPlace {
    /// Where the sightings were made.
    pub position: Position,
    /// When, ms since the epoch.
    pub time_ms: i64,
    /// Sensors that made them (sorted, at most [`MAX_SENSORS_PER_FINDING`]).
    pub sensors: Vec<SensorId>,
}

/// A finding the fleet made from many sensors' uploads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetFinding {
    /// Which rule.
    pub kind: FleetKind,
    /// How much it should worry the reader, after every raise listed in `raised_by`.
    pub severity: Severity,
    /// One line: what was found.
    pub title: String,
    /// For the person who must act: what was seen, why it matters, what else could explain it
    /// and how to tell.
    pub explanation: String,
    /// The cell, when it broadcast its identity.
    pub cell: Option<CellKey>,
    /// Its channel, when known.
    pub channel: Option<u32>,
    /// Its physical cell id, when known.
    pub pci: Option<u16>,
    /// First upload behind the finding, ms since the epoch.
    pub first_ms: i64,
    /// Last upload behind the finding, ms since the epoch.
    pub last_ms: i64,
    /// Sensors whose uploads it rests on (sorted, at most [`MAX_SENSORS_PER_FINDING`]).
    pub sensors: Vec<SensorId>,
    /// Number of distinct sensors.
    pub sensor_total: usize,
    /// Uploads it rests on (at most [`MAX_EVIDENCE_PER_FINDING`], the most telling first).
    pub evidence: Vec<EvidenceRef>,
    /// Number of uploads it rests on.
    pub evidence_total: usize,
    /// Where the transmitter (for a cloned identity: each transmitter) is estimated to be.
    pub locations: Vec<Location>,
    /// Other evidence that raised the severity, one sentence each.
    pub raised_by: Vec<String>,
    /// Where sensors saw it, when the places are part of the finding (see [`FleetPlace`]).
    pub places: Vec<FleetPlace>,
}

/// `s` raised by `levels`, at most to High.
pub fn raise(s: Severity, levels: u8) -> Severity {
    let mut s = s;
    for _ in 0..levels {
        s = match s {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium | Severity::High => Severity::High,
        };
    }
    s
}

/// A cell identity as a person reads it: `LTE 262-01 TAC 4711 cell 19088743 (eNB 74565 cell 103)`.
pub fn describe_cell(c: &CellKey) -> String {
    let area = match c.rat {
        stingwatch_fleet_model::Rat::Lte | stingwatch_fleet_model::Rat::Nr => "TAC",
        _ => "LAC",
    };
    let split = match c.rat {
        stingwatch_fleet_model::Rat::Lte => {
            format!(" (eNB {} cell {})", c.cell >> 8, c.cell & 0xff)
        }
        _ => String::new(),
    };
    format!(
        "{} {:03}-{:02} {} {} cell {}{}",
        c.rat.as_str().to_uppercase(),
        c.mcc,
        c.mnc,
        area,
        c.area,
        c.cell,
        split
    )
}

/// A distance as a person reads it.
pub fn describe_distance(m: f64) -> String {
    if m >= 10_000.0 {
        format!("{:.0} km", m / 1000.0)
    } else if m >= 1_000.0 {
        format!("{:.1} km", m / 1000.0)
    } else {
        format!("{:.0} m", m)
    }
}

/// A duration as a person reads it.
pub fn describe_duration(ms: i64) -> String {
    let s = ms.unsigned_abs() / 1000;
    match s {
        0..=119 => format!("{s} s"),
        120..=7_199 => format!("{} min", s / 60),
        7_200..=172_799 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} days", s / 86_400),
    }
}

/// A position as a person reads it (5 decimals, about a metre).
pub fn describe_position(p: &Position) -> String {
    format!("{:.5}, {:.5}", p.latitude, p.longitude)
}

/// Where a location says the transmitter is, for an explanation.
pub fn describe_location(l: &Location) -> String {
    format!(
        "{} within about {} ({} from {} sensor{})",
        describe_position(&l.position),
        describe_distance(l.uncertainty_m),
        match l.method {
            crate::locate::LocateMethod::SinglePlace => "signal strength at one place",
            crate::locate::LocateMethod::SignalCentroid => "signal strength",
            crate::locate::LocateMethod::TimingAdvance => "timing advance and signal strength",
        },
        l.sensors,
        if l.sensors == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_stops_at_high() {
        assert_eq!(raise(Severity::Low, 1), Severity::Medium);
        assert_eq!(raise(Severity::Low, 5), Severity::High);
        assert_eq!(raise(Severity::Info, 0), Severity::Info);
    }

    #[test]
    fn people_read_numbers_in_their_units() {
        assert_eq!(describe_distance(850.4), "850 m");
        assert_eq!(describe_distance(12_345.0), "12 km");
        assert_eq!(describe_duration(90_000), "90 s");
        assert_eq!(describe_duration(3 * 3_600_000 + 20 * 60_000), "3 h 20 min");
        let c = CellKey {
            rat: stingwatch_fleet_model::Rat::Lte,
            mcc: 262,
            mnc: 1,
            area: 4711,
            cell: 0x1234567,
        };
        assert_eq!(
            describe_cell(&c),
            "LTE 262-01 TAC 4711 cell 19088743 (eNB 74565 cell 103)"
        );
    }
}
