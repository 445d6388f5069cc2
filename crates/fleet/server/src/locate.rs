//! Where a suspicious cell's transmitter probably is, from where it was heard.
//!
//! The estimate here is deliberately simple (a weighted centroid of the grid cells the cell
//! was heard from, with a radius covering them all); the correlation code replaces it
//! through [`Locator`] with one that uses signal strength and timing advance properly.

use serde::Serialize;
use stingwatch_fleet_store::coarsen::distance_m;
use stingwatch_fleet_store::SuspiciousCell;

/// Smallest radius an estimate claims: a low-power transmitter heard from one place can be
/// anywhere within a few hundred metres of it.
pub const MIN_RADIUS_M: f64 = 500.0;

/// An estimated transmitter area: a circle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Uncertainty radius, metres.
    pub radius_m: f64,
    /// How it was made.
    pub method: &'static str,
}

/// Estimates a transmitter's area from a suspicious cell's sightings.
pub trait Locator: Send + Sync {
    /// The estimate, or `None` when the cell was never heard from a known place.
    fn locate(&self, cell: &SuspiciousCell, cell_radius_m: f64) -> Option<Estimate>;
}

/// Weighted centroid of the places a cell was heard from; stronger signals weigh more.
#[derive(Debug, Default, Clone, Copy)]
pub struct CentroidLocator;

impl Locator for CentroidLocator {
    fn locate(&self, cell: &SuspiciousCell, cell_radius_m: f64) -> Option<Estimate> {
        let mut sum_w = 0.0;
        let (mut lat, mut lon) = (0.0, 0.0);
        for p in &cell.heard_from {
            // Received power falls about 20 dB per tenfold distance near a small cell: a
            // place 20 dB stronger is taken as ten times closer, so ten times the weight.
            let strength = p
                .best_rsrp_dbm
                .filter(|v| v.is_finite())
                .map(|r| 10f64.powf(((r + 120.0) / 20.0).clamp(-3.0, 3.0)))
                .unwrap_or(1.0);
            let w = p.weight.max(1) as f64 * strength;
            sum_w += w;
            lat += p.lat * w;
            lon += p.lon * w;
        }
        if sum_w <= 0.0 {
            return None;
        }
        let (lat, lon) = (lat / sum_w, lon / sum_w);
        let spread = cell
            .heard_from
            .iter()
            .map(|p| distance_m(lat, lon, p.lat, p.lon))
            .fold(0.0, f64::max);
        Some(Estimate {
            lat,
            lon,
            radius_m: (spread + cell_radius_m).max(MIN_RADIUS_M),
            method: "centroid",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_fleet_model::{CellKey, Rat, Severity};
    use stingwatch_fleet_store::HeardFrom;

    fn cell(points: Vec<HeardFrom>) -> SuspiciousCell {
        SuspiciousCell {
            cell: CellKey {
                rat: Rat::Lte,
                mcc: 1,
                mnc: 1,
                area: 1,
                cell: 1,
            },
            findings: 1,
            highest: Severity::High,
            first_ms: 0,
            last_ms: 0,
            sensors: 1,
            heard_from: points,
        }
    }

    #[test]
    fn the_centre_lies_between_the_places_and_the_circle_covers_them() {
        let pts = vec![
            HeardFrom {
                lat: 52.50,
                lon: 13.40,
                weight: 1,
                best_rsrp_dbm: None,
            },
            HeardFrom {
                lat: 52.52,
                lon: 13.40,
                weight: 1,
                best_rsrp_dbm: None,
            },
        ];
        let e = CentroidLocator.locate(&cell(pts.clone()), 100.0).unwrap();
        assert!((e.lat - 52.51).abs() < 1e-9);
        for p in &pts {
            assert!(distance_m(e.lat, e.lon, p.lat, p.lon) <= e.radius_m);
        }
        assert!(CentroidLocator.locate(&cell(vec![]), 100.0).is_none());
        let one = CentroidLocator.locate(&cell(vec![pts[0]]), 100.0).unwrap();
        assert_eq!(one.radius_m, MIN_RADIUS_M);
    }
}
