//! Distances on a spherical Earth and a local flat frame for the few kilometres a cell covers.
//!
//! A sphere of the mean radius is within 0.5% of WGS84 everywhere, far below the tens of metres
//! that GPS, timing advance and signal strength give; an ellipsoid would buy nothing here.

use stingwatch_fleet_model::Position;

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres per degree of latitude on that sphere.
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// True when the coordinates are finite and on Earth (what [`Position::validate`] checks).
pub fn is_valid(p: &Position) -> bool {
    p.latitude.is_finite()
        && p.longitude.is_finite()
        && (-90.0..=90.0).contains(&p.latitude)
        && (-180.0..=180.0).contains(&p.longitude)
}

/// Horizontal accuracy of a fix in metres, or `default` when the source gave none or nonsense.
pub fn accuracy_or(p: &Position, default: f64) -> f64 {
    match p.accuracy_m {
        Some(a) if a.is_finite() && a >= 0.0 => a,
        _ => default,
    }
}

/// Longitude difference `b - a` in degrees, taken the short way round (-180 to 180).
pub fn lon_delta(a: f64, b: f64) -> f64 {
    let d = (b - a).rem_euclid(360.0);
    if d > 180.0 {
        d - 360.0
    } else {
        d
    }
}

/// Wraps a longitude into -180 to 180.
pub fn wrap_lon(lon: f64) -> f64 {
    let l = (lon + 180.0).rem_euclid(360.0) - 180.0;
    if l.is_finite() {
        l
    } else {
        0.0
    }
}

/// Great-circle distance in metres (haversine, stable for short distances).
pub fn distance_m(a: &Position, b: &Position) -> f64 {
    let (la, lb) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dlat = lb - la;
    let dlon = lon_delta(a.longitude, b.longitude).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

/// A flat east/north frame in metres around an origin (equirectangular). Within 50 km of the
/// origin its distances are within 0.1% of the great circle's away from the poles; across the
/// antimeridian it stays continuous because longitudes are differenced the short way.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    lat0: f64,
    lon0: f64,
    /// Metres per degree of longitude at the origin, never below 1 m so the poles stay finite.
    east_per_degree: f64,
}

impl LocalFrame {
    /// A frame whose (0, 0) is `origin`.
    pub fn new(origin: &Position) -> LocalFrame {
        LocalFrame {
            lat0: origin.latitude,
            lon0: origin.longitude,
            east_per_degree: (METRES_PER_DEGREE * origin.latitude.to_radians().cos()).max(1.0),
        }
    }

    /// East and north offsets of `p` from the origin, metres.
    pub fn to_xy(&self, p: &Position) -> (f64, f64) {
        (
            lon_delta(self.lon0, p.longitude) * self.east_per_degree,
            (p.latitude - self.lat0) * METRES_PER_DEGREE,
        )
    }

    /// The position at east `x`, north `y` metres from the origin (latitude clamped to the
    /// poles, longitude wrapped).
    pub fn to_position(&self, x: f64, y: f64, accuracy_m: Option<f64>) -> Position {
        Position {
            latitude: (self.lat0 + y / METRES_PER_DEGREE).clamp(-90.0, 90.0),
            longitude: wrap_lon(self.lon0 + x / self.east_per_degree),
            accuracy_m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(latitude: f64, longitude: f64) -> Position {
        Position {
            latitude,
            longitude,
            accuracy_m: None,
        }
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = distance_m(&pos(10.0, 20.0), &pos(11.0, 20.0));
        assert!((d - 111_195.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn distance_across_the_antimeridian_is_short() {
        let d = distance_m(&pos(0.0, 179.999), &pos(0.0, -179.999));
        assert!((d - 222.4).abs() < 1.0, "{d}");
        let f = LocalFrame::new(&pos(0.0, 179.999));
        let (x, _) = f.to_xy(&pos(0.0, -179.999));
        assert!((x - 222.4).abs() < 1.0, "{x}");
        let back = f.to_position(x, 0.0, None);
        assert!((back.longitude + 179.999).abs() < 1e-9, "{back:?}");
    }

    #[test]
    fn local_frame_round_trips_and_matches_great_circle_nearby() {
        let o = pos(52.5, 13.4);
        let f = LocalFrame::new(&o);
        let p = f.to_position(3_000.0, -4_000.0, None);
        let (x, y) = f.to_xy(&p);
        assert!((x - 3_000.0).abs() < 1e-6 && (y + 4_000.0).abs() < 1e-6);
        let d = distance_m(&o, &p);
        assert!((d - 5_000.0).abs() < 5.0, "{d}");
    }
}
