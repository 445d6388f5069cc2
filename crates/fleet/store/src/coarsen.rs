//! Coarsening of routine positions: what the fleet keeps of where a sensor was.
//!
//! Routine observations are stored as a grid cell and its centre, never as the fix itself.
//! The grid is behind [`Coarsener`] so the correlation code's grid can take its place; the
//! [`HexGrid`] here is a plain hexagonal grid on a local equirectangular projection.

/// A coarsened position: the grid cell and the cell's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coarse {
    /// Grid cell id, stable for a given grid.
    pub cell: i64,
    /// Latitude of the cell's centre, degrees.
    pub lat: f64,
    /// Longitude of the cell's centre, degrees.
    pub lon: f64,
}

/// Maps exact positions to grid cells.
pub trait Coarsener: Send + Sync {
    /// The cell holding (`lat`, `lon`) and its centre; `None` for coordinates off Earth.
    fn coarsen(&self, lat: f64, lon: f64) -> Option<Coarse>;
    /// Circumradius of a cell in metres (what the page draws, and the estimate's floor).
    fn cell_radius_m(&self) -> f64;
}

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Default hexagon circumradius: cells about 170 m across, within the 150-200 m the fleet
/// promises sensor owners.
pub const DEFAULT_HEX_RADIUS_M: f64 = 100.0;
/// Height of a latitude band, degrees. Each band has its own projection (scaled by the cosine
/// of its middle latitude) so cells stay close to regular hexagons at every latitude; cells
/// are cut at band edges.
const BAND_DEG: f64 = 1.0;

/// Flat-top hexagons in axial coordinates (q, r) on a per-band equirectangular projection.
#[derive(Debug, Clone, Copy)]
pub struct HexGrid {
    radius_m: f64,
}

impl Default for HexGrid {
    fn default() -> Self {
        HexGrid {
            radius_m: DEFAULT_HEX_RADIUS_M,
        }
    }
}

/// Bits of each axial coordinate in a packed cell id (sign-extended).
const COORD_BITS: u32 = 26;
const COORD_MASK: i64 = (1 << COORD_BITS) - 1;

fn pack(band: i64, q: i64, r: i64) -> i64 {
    (band << (2 * COORD_BITS)) | ((q & COORD_MASK) << COORD_BITS) | (r & COORD_MASK)
}

fn unpack(id: i64) -> (i64, i64, i64) {
    let sign = |v: i64| (v << (64 - COORD_BITS)) >> (64 - COORD_BITS);
    let band = id >> (2 * COORD_BITS);
    let q = sign((id >> COORD_BITS) & COORD_MASK);
    let r = sign(id & COORD_MASK);
    (band, q, r)
}

impl HexGrid {
    /// A grid of hexagons with this circumradius in metres (clamped to 10 m - 100 km).
    pub fn new(radius_m: f64) -> Self {
        let radius_m = if radius_m.is_finite() {
            radius_m.clamp(10.0, 100_000.0)
        } else {
            DEFAULT_HEX_RADIUS_M
        };
        HexGrid { radius_m }
    }

    fn band_of(lat: f64) -> i64 {
        ((lat + 90.0) / BAND_DEG)
            .floor()
            .clamp(0.0, 180.0 / BAND_DEG - 1.0) as i64
    }

    fn band_scale(band: i64) -> (f64, f64) {
        let base = band as f64 * BAND_DEG - 90.0;
        let mid = (base + BAND_DEG / 2.0).to_radians();
        (base, mid.cos().max(1e-6))
    }

    /// The centre of a cell id made by this grid.
    pub fn centre(&self, id: i64) -> (f64, f64) {
        let (band, q, r) = unpack(id);
        let (base, scale) = Self::band_scale(band);
        let size = self.radius_m;
        let x = size * 1.5 * q as f64;
        let y = size * 3f64.sqrt() * (r as f64 + q as f64 / 2.0);
        let lat = base + (y / EARTH_RADIUS_M).to_degrees();
        let lon = (x / (EARTH_RADIUS_M * scale)).to_degrees();
        (lat, lon)
    }
}

impl Coarsener for HexGrid {
    fn coarsen(&self, lat: f64, lon: f64) -> Option<Coarse> {
        // NaN is in no range, so this also refuses non-finite coordinates.
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return None;
        }
        let band = Self::band_of(lat);
        let (base, scale) = Self::band_scale(band);
        let x = EARTH_RADIUS_M * scale * lon.to_radians();
        let y = EARTH_RADIUS_M * (lat - base).to_radians();
        let size = self.radius_m;
        // Flat-top axial coordinates, then cube rounding to the nearest hexagon centre.
        let qf = (2.0 / 3.0 * x) / size;
        let rf = (-x / 3.0 + 3f64.sqrt() / 3.0 * y) / size;
        let sf = -qf - rf;
        let (mut q, mut r, s) = (qf.round(), rf.round(), sf.round());
        let (dq, dr, ds) = ((q - qf).abs(), (r - rf).abs(), (s - sf).abs());
        if dq > dr && dq > ds {
            q = -r - s;
        } else if dr > ds {
            r = -q - s;
        }
        let id = pack(band, q as i64, r as i64);
        let (clat, clon) = self.centre(id);
        Some(Coarse {
            cell: id,
            lat: clat,
            lon: clon,
        })
    }

    fn cell_radius_m(&self) -> f64 {
        self.radius_m
    }
}

/// Great-circle distance in metres (haversine).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_lies_within_one_circumradius_of_its_cell_centre() {
        let g = HexGrid::default();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            // Within 60 degrees of the equator the band projection stretches by under 2%.
            let lat = (rng % 120_000) as f64 / 1000.0 - 60.0;
            let lon = ((rng >> 20) % 359_000) as f64 / 1000.0 - 179.5;
            let c = g.coarsen(lat, lon).unwrap();
            let d = distance_m(lat, lon, c.lat, c.lon);
            assert!(
                d <= g.cell_radius_m() * 1.02,
                "{lat},{lon}: {d} m from centre"
            );
            // The centre maps to its own cell (unless the hexagon straddles a band edge and
            // its centre lies in the next band, where that band's own hexagon is taken).
            if HexGrid::band_of(c.lat) == HexGrid::band_of(lat) {
                assert_eq!(g.coarsen(c.lat, c.lon).unwrap().cell, c.cell);
            }
        }
    }

    #[test]
    fn nearby_positions_share_a_cell_and_distant_ones_do_not() {
        let g = HexGrid::default();
        let a = g.coarsen(52.520_000, 13.405_000).unwrap();
        let c = g.coarsen(52.520_000 + 0.01, 13.405_000).unwrap();
        assert_ne!(a.cell, c.cell, "1.1 km apart");
        // A cell's own neighbourhood: a point 20 m from the centre stays in it.
        let near = g.coarsen(a.lat + 0.00018, a.lon).unwrap();
        assert_eq!(near.cell, a.cell);
        assert!(g.coarsen(91.0, 0.0).is_none());
        assert!(g.coarsen(f64::NAN, 0.0).is_none());
    }

    #[test]
    fn cell_ids_round_trip_negative_coordinates() {
        for (b, q, r) in [(0, -5, 7), (179, 12345, -6789), (90, -1, -1)] {
            assert_eq!(unpack(pack(b, q, r)), (b, q, r));
        }
    }
}
