//! A global grid of hexagons about 175–200 m across, for storing where sensors were without
//! storing exactly where.
//!
//! Routine sightings are kept per hexagon, not per GPS fix: a hexagon of this size holds a
//! street block, enough to tell which cells a place sees and small enough for a cell's
//! coverage (hundreds of metres to kilometres) to span many of them.
//!
//! Why not H3: its nearest resolutions are 132 m (res 10) and 348 m (res 9) corner to corner,
//! neither the size wanted, and it is a large dependency for what is here about a hundred
//! lines. The layout:
//!
//! - The Earth is cut into 180 bands of one degree of latitude. Within a band, north is
//!   metres from the band's southern edge (exact on the sphere), east is longitude scaled so
//!   that a whole number of hexagon columns goes round the band at its equator-side edge.
//!   Columns therefore wrap: the antimeridian is no seam, and every band closes on itself.
//! - Hexagons are pointy-topped, circumradius [`HEX_CIRCUMRADIUS_M`], in "odd-r" offset
//!   coordinates (odd rows shifted half a column east).
//! - Scaling east-west at the band's widest latitude makes hexagons at most nominal width
//!   everywhere and narrower poleward (at 60° the band's far edge is 3% narrower; in the
//!   polar bands much more). So a point is always within [`HEX_CIRCUMRADIUS_M`] of its
//!   cell's centre; near the poles cells only get smaller.
//! - Hexagons along a band edge are cut by it; their [`centre`] is pulled into the band, so
//!   `cell_of(centre(id)) == id` for every cell.

use crate::geo::{is_valid, wrap_lon, EARTH_RADIUS_M, METRES_PER_DEGREE};
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;
use stingwatch_fleet_model::Position;

/// Centre-to-corner radius of a hexagon, metres: 200 m corner to corner, 173 m across flats,
/// 0.026 km² each.
pub const HEX_CIRCUMRADIUS_M: f64 = 100.0;
/// Number of one-degree latitude bands.
pub const BANDS: u16 = 180;
/// Most cells [`cells_near`] returns; a radius asking for more is cut to the nearest ones.
pub const MAX_CELLS_NEAR: usize = 4_096;

const SQRT3: f64 = 1.732_050_807_568_877_2;
/// Column width in band units: flat-to-flat width of a hexagon.
const COLUMN_WIDTH: f64 = SQRT3 * HEX_CIRCUMRADIUS_M;
/// Distance between row centres.
const ROW_HEIGHT: f64 = 1.5 * HEX_CIRCUMRADIUS_M;
/// How far inside its band a cut hexagon's reported centre sits, metres.
const EDGE_INSET_M: f64 = 0.001;

/// One hexagon: its latitude band, row within the band (north from the band's southern edge)
/// and column (east from the antimeridian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HexId {
    band: u16,
    row: u16,
    col: u32,
}

/// Why an id does not name a cell.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HexIdError {
    /// Band, row or column is out of range for the grid.
    #[error("no such hexagon: band {band}, row {row}, column {col}")]
    OutOfRange {
        /// Band given.
        band: u64,
        /// Row given.
        row: u64,
        /// Column given.
        col: u64,
    },
    /// The text is not of the form `h<band>-<row>-<col>`.
    #[error("hexagon id must look like h<band>-<row>-<col>")]
    Syntax,
}

fn band_south_lat(band: u16) -> f64 {
    f64::from(band) - 90.0
}

/// Columns round band `band`: its circumference at the equator-side edge over a column width.
fn columns(band: u16) -> u32 {
    let south = band_south_lat(band);
    let equatorward = if south >= 0.0 { south } else { south + 1.0 };
    let circumference =
        2.0 * std::f64::consts::PI * EARTH_RADIUS_M * equatorward.to_radians().cos();
    // At most 231,120 at the equator; at least thousands in the polar bands.
    (circumference / COLUMN_WIDTH).ceil().max(1.0) as u32
}

/// Highest row of any band: the last row whose southern corner is below the band's top.
fn max_row() -> u16 {
    (((METRES_PER_DEGREE + HEX_CIRCUMRADIUS_M) / ROW_HEIGHT).ceil() - 1.0) as u16
}

impl HexId {
    /// The id as one integer for storage: band in bits 48–63, row in 32–47, column in 0–31.
    pub fn to_u64(self) -> u64 {
        (u64::from(self.band) << 48) | (u64::from(self.row) << 32) | u64::from(self.col)
    }

    /// The cell a stored integer names, checked against the grid.
    pub fn from_u64(v: u64) -> Result<HexId, HexIdError> {
        Self::from_parts(v >> 48, (v >> 32) & 0xffff, v & 0xffff_ffff)
    }

    fn from_parts(band: u64, row: u64, col: u64) -> Result<HexId, HexIdError> {
        let err = HexIdError::OutOfRange { band, row, col };
        let b = u16::try_from(band).map_err(|_| err.clone())?;
        let r = u16::try_from(row).map_err(|_| err.clone())?;
        let c = u32::try_from(col).map_err(|_| err.clone())?;
        if b >= BANDS || r > max_row() || c >= columns(b) {
            return Err(err);
        }
        Ok(HexId {
            band: b,
            row: r,
            col: c,
        })
    }

    /// Latitude band, 0 (southernmost) to 179.
    pub fn band(self) -> u16 {
        self.band
    }
}

impl fmt::Display for HexId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "h{}-{}-{}", self.band, self.row, self.col)
    }
}

impl FromStr for HexId {
    type Err = HexIdError;

    fn from_str(s: &str) -> Result<HexId, HexIdError> {
        let rest = s.strip_prefix('h').ok_or(HexIdError::Syntax)?;
        let mut parts = rest.split('-').map(|p| p.parse::<u64>());
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Ok(b)), Some(Ok(r)), Some(Ok(c)), None) => HexId::from_parts(b, r, c),
            _ => Err(HexIdError::Syntax),
        }
    }
}

/// Band of a latitude: `floor(lat + 90)`, the North Pole in the top band.
fn band_of(lat: f64) -> u16 {
    ((lat + 90.0).floor().clamp(0.0, f64::from(BANDS - 1))) as u16
}

/// Rounds fractional axial coordinates to the hexagon holding them (cube rounding).
fn axial_round(q: f64, r: f64) -> (i64, i64) {
    let s = -q - r;
    let (mut rq, mut rr, rs) = (q.round(), r.round(), s.round());
    let (dq, dr, ds) = ((rq - q).abs(), (rr - r).abs(), (rs - s).abs());
    if dq > dr && dq > ds {
        rq = -rr - rs;
    } else if dr > ds {
        rr = -rq - rs;
    }
    (rq as i64, rr as i64)
}

/// Offset column of axial (q, r) in the odd-r layout.
fn offset_col(q: i64, r: i64) -> i64 {
    q + (r - (r & 1)) / 2
}

/// The cell holding a position, or `None` when the coordinates are not finite or not on Earth.
pub fn cell_of(p: &Position) -> Option<HexId> {
    if !is_valid(p) {
        return None;
    }
    let band = band_of(p.latitude);
    let n = columns(band);
    let y = (p.latitude - band_south_lat(band)) * METRES_PER_DEGREE;
    let x = (p.longitude + 180.0) / 360.0 * f64::from(n) * COLUMN_WIDTH;
    let qf = (SQRT3 / 3.0 * x - y / 3.0) / HEX_CIRCUMRADIUS_M;
    let rf = (2.0 / 3.0 * y) / HEX_CIRCUMRADIUS_M;
    let (q, r) = axial_round(qf, rf);
    // Points of the band always round into its rows; the clamp only guards float edges.
    let r = r.clamp(0, i64::from(max_row()));
    let col = offset_col(q, r).rem_euclid(i64::from(n));
    Some(HexId {
        band,
        row: u16::try_from(r).ok()?,
        col: u32::try_from(col).ok()?,
    })
}

/// Band-frame centre of (row, col), without pulling it into the band.
fn raw_centre(row: i64, col: i64) -> (f64, f64) {
    let x = COLUMN_WIDTH * (col as f64 + 0.5 * (row & 1) as f64);
    (x, ROW_HEIGHT * row as f64)
}

fn band_xy_to_position(band: u16, x: f64, y: f64) -> Position {
    let n = f64::from(columns(band));
    Position {
        latitude: (band_south_lat(band) + y / METRES_PER_DEGREE).clamp(-90.0, 90.0),
        longitude: wrap_lon(x / (n * COLUMN_WIDTH) * 360.0 - 180.0),
        accuracy_m: Some(HEX_CIRCUMRADIUS_M),
    }
}

/// The centre of a cell (pulled inside its band for cells the band edge cuts), with the cell's
/// circumradius as accuracy.
pub fn centre(id: HexId) -> Position {
    let (x, y) = raw_centre(i64::from(id.row), i64::from(id.col));
    band_xy_to_position(id.band, x, y.min(METRES_PER_DEGREE - EDGE_INSET_M))
}

/// The distinct cells around `id`: six inside a band. Across a band edge a neighbour is the
/// cell holding where the neighbour's centre would be, and two of those may be one cell (the
/// bands' columns do not line up), so edge cells have four to six; at the poles, where the
/// grid closes, fewer still.
pub fn neighbours(id: HexId) -> Vec<HexId> {
    const AXIAL: [(i64, i64); 6] = [(1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1)];
    let row = i64::from(id.row);
    let q = i64::from(id.col) - (row - (row & 1)) / 2;
    let n = i64::from(columns(id.band));
    let mut out = Vec::with_capacity(6);
    for (dq, dr) in AXIAL {
        let (nq, nr) = (q + dq, row + dr);
        let col = offset_col(nq, nr);
        let next = if (0..=i64::from(max_row())).contains(&nr) {
            match (u16::try_from(nr), u32::try_from(col.rem_euclid(n))) {
                (Ok(r), Ok(c)) => Some(HexId {
                    band: id.band,
                    row: r,
                    col: c,
                }),
                _ => None,
            }
        } else {
            let (x, y) = raw_centre(nr, col);
            cell_of(&band_xy_to_position(id.band, x, y))
        };
        if let Some(c) = next {
            if c != id && !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// The cells whose centre is within `radius_m` (plus one cell radius) of `p`, nearest first by
/// rings, at most [`MAX_CELLS_NEAR`]. Empty for an invalid position.
pub fn cells_near(p: &Position, radius_m: f64) -> Vec<HexId> {
    let Some(start) = cell_of(p) else {
        return Vec::new();
    };
    let reach = radius_m.max(0.0) + HEX_CIRCUMRADIUS_M;
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    let mut out = Vec::new();
    while let Some(c) = queue.pop_front() {
        out.push(c);
        if out.len() >= MAX_CELLS_NEAR {
            break;
        }
        for nb in neighbours(c) {
            if seen.insert(nb) && crate::geo::distance_m(&centre(nb), p) <= reach {
                queue.push_back(nb);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::distance_m;
    use proptest::prelude::*;

    fn pos(latitude: f64, longitude: f64) -> Position {
        Position {
            latitude,
            longitude,
            accuracy_m: None,
        }
    }

    /// Allowance for the flat band frame against the sphere over one hexagon: well under 1 mm.
    const TOLERANCE_M: f64 = 0.01;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn a_point_is_within_one_radius_of_its_cells_centre(
            lat in -90.0f64..=90.0, lon in -180.0f64..=180.0,
        ) {
            let p = pos(lat, lon);
            let id = cell_of(&p).unwrap();
            let c = centre(id);
            let d = distance_m(&p, &c);
            prop_assert!(d <= HEX_CIRCUMRADIUS_M + TOLERANCE_M, "{p:?} -> {id} centre {c:?}: {d} m");
        }

        #[test]
        fn a_cells_centre_lies_in_the_cell_and_ids_round_trip(
            lat in -90.0f64..=90.0, lon in -180.0f64..=180.0,
        ) {
            let id = cell_of(&pos(lat, lon)).unwrap();
            prop_assert_eq!(cell_of(&centre(id)), Some(id));
            prop_assert_eq!(HexId::from_u64(id.to_u64()), Ok(id));
            prop_assert_eq!(id.to_string().parse::<HexId>(), Ok(id));
        }

        #[test]
        fn six_distinct_neighbours_at_cell_distance_away_from_the_poles(
            lat in -85.0f64..=85.0, lon in -180.0f64..=180.0,
        ) {
            let id = cell_of(&pos(lat, lon)).unwrap();
            let nbs = neighbours(id);
            // Across a band edge, cells on the poleward side are narrower than those they
            // meet, so two neighbour centres can fall into one cell there.
            if id.row == 0 || id.row == max_row() {
                prop_assert!((4..=6).contains(&nbs.len()), "{} -> {:?}", id, nbs);
            } else {
                prop_assert_eq!(nbs.len(), 6, "{} -> {:?}", id, nbs);
            }
            let c = centre(id);
            for nb in &nbs {
                prop_assert_ne!(*nb, id);
                let d = distance_m(&c, &centre(*nb));
                // Cut cells at band edges have inset centres, so allow below the nominal 173 m.
                prop_assert!(d > 0.2 * HEX_CIRCUMRADIUS_M && d < 3.5 * HEX_CIRCUMRADIUS_M, "{id} to {nb}: {d} m");
            }
        }

        #[test]
        fn neighbours_are_distinct_even_at_the_poles(
            lat in prop_oneof![-90.0f64..=-89.0, 89.0f64..=90.0], lon in -180.0f64..=180.0,
        ) {
            let id = cell_of(&pos(lat, lon)).unwrap();
            let nbs = neighbours(id);
            prop_assert!(!nbs.is_empty() && nbs.len() <= 6);
            let set: HashSet<_> = nbs.iter().collect();
            prop_assert_eq!(set.len(), nbs.len());
            prop_assert!(!nbs.contains(&id));
        }
    }

    #[test]
    fn cells_are_about_175_to_200_metres_across() {
        // Mid-band: at a band edge the neighbours across it are the cells under their centres.
        let a = cell_of(&pos(48.5, 11.0)).unwrap();
        let nbs = neighbours(a);
        let d: Vec<f64> = nbs
            .iter()
            .map(|n| distance_m(&centre(a), &centre(*n)))
            .collect();
        for x in &d {
            assert!((160.0..=174.0).contains(x), "{d:?}");
        }
    }

    #[test]
    fn the_antimeridian_is_no_seam() {
        let east = cell_of(&pos(10.0, 179.9999)).unwrap();
        let west = cell_of(&pos(10.0, -179.9999)).unwrap();
        assert!(
            east == west || neighbours(east).contains(&west),
            "{east} and {west} are not adjacent"
        );
        assert_eq!(cell_of(&pos(10.0, 180.0)), cell_of(&pos(10.0, -180.0)));
    }

    #[test]
    fn invalid_positions_and_ids_are_refused() {
        assert_eq!(cell_of(&pos(f64::NAN, 0.0)), None);
        assert_eq!(cell_of(&pos(91.0, 0.0)), None);
        assert!(HexId::from_u64(u64::MAX).is_err());
        assert!(HexId::from_u64(u64::from(BANDS) << 48).is_err());
        assert_eq!("x1-2-3".parse::<HexId>(), Err(HexIdError::Syntax));
        assert_eq!("h1-2-3-4".parse::<HexId>(), Err(HexIdError::Syntax));
        assert!("h179-0-999999".parse::<HexId>().is_err());
    }

    #[test]
    fn cells_near_cover_a_disc() {
        let p = pos(40.0, -3.7);
        let cells = cells_near(&p, 500.0);
        // A 600 m disc over 0.026 km² cells: about 44 cells, more with the edge allowance.
        assert!((30..=90).contains(&cells.len()), "{}", cells.len());
        for c in &cells {
            assert!(distance_m(&centre(*c), &p) <= 600.0 + TOLERANCE_M);
        }
        assert_eq!(cells.first(), cell_of(&p).as_ref());
    }
}
