//! Radio facts the rules rest on: how far a timing-advance step is, how far a cell can reach,
//! and how received power falls with distance.

use stingwatch_fleet_model::Rat;

/// Speed of light in vacuum, m/s.
pub const SPEED_OF_LIGHT_M_S: f64 = 299_792_458.0;
/// LTE basic time unit Ts = 1 / (15 kHz × 2048), seconds (TS 36.211 4).
const LTE_TS_S: f64 = 1.0 / 30_720_000.0;
/// One LTE timing-advance step: 16 Ts of round-trip delay (TS 36.213 4.2.3), as one-way
/// distance: 78.07 m.
pub const LTE_TA_STEP_M: f64 = 16.0 * LTE_TS_S * SPEED_OF_LIGHT_M_S / 2.0;
/// One GSM timing-advance step: one bit period, 48/13 µs of round trip (TS 45.010 5.1), as
/// one-way distance: 553.5 m.
pub const GSM_TA_STEP_M: f64 = 48.0 / 13.0 * 1e-6 * SPEED_OF_LIGHT_M_S / 2.0;
/// Farthest a cell is taken to reach when no timing advance says otherwise, metres. GSM's
/// timing advance stops at 63 steps (34.9 km); LTE and NR macro cells reach that far only in
/// open country (and then with a large timing advance); UMTS cells are smaller. Extended-range
/// cells beyond this exist (remote rural sites, sea coverage) and are the reason a cloned
/// identity's explanation names them.
pub const MAX_PLAUSIBLE_RANGE_M: f64 = 35_000.0;
/// Slack on a timing advance as a distance bound, in steps: half a step of rounding plus one
/// step of measurement error at the base station.
pub const TA_BOUND_SLACK_STEPS: f64 = 1.5;

/// Distance one timing-advance step stands for, as an upper bound: NR's step shrinks with the
/// subcarrier spacing (16·64·Tc / 2^µ, TS 38.213 4.2), which a sighting does not carry, so the
/// 15 kHz step (the same 78.07 m as LTE) bounds it. UMTS has no timing advance.
pub fn ta_step_bound_m(rat: Rat) -> Option<f64> {
    match rat {
        Rat::Gsm => Some(GSM_TA_STEP_M),
        Rat::Lte | Rat::Nr => Some(LTE_TA_STEP_M),
        Rat::Umts => None,
    }
}

/// Distance one timing-advance step stands for, exactly, where the sighting determines it
/// (GSM, LTE); NR's depends on the unknown numerology and is left out of ranging.
pub fn ta_step_exact_m(rat: Rat) -> Option<f64> {
    match rat {
        Rat::Gsm => Some(GSM_TA_STEP_M),
        Rat::Lte => Some(LTE_TA_STEP_M),
        Rat::Nr | Rat::Umts => None,
    }
}

/// Farthest the sighted cell can be from the sensor, metres: the timing advance's bound when
/// there is one, else [`MAX_PLAUSIBLE_RANGE_M`].
pub fn range_bound_m(rat: Rat, timing_advance: Option<u32>) -> f64 {
    match (timing_advance, ta_step_bound_m(rat)) {
        (Some(ta), Some(step)) => {
            ((f64::from(ta) + TA_BOUND_SLACK_STEPS) * step).min(MAX_PLAUSIBLE_RANGE_M)
        }
        _ => MAX_PLAUSIBLE_RANGE_M,
    }
}

/// Log-distance path loss: RSRP(d) = RSRP(1 m) − 10·n·log10(d / 1 m) + shadowing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathLossModel {
    /// Path-loss exponent n: 2 in free space, about 3.5 in built-up areas (the slope of the
    /// Okumura–Hata urban model is 3.5 for a 30 m antenna).
    pub exponent: f64,
    /// Standard deviation of log-normal shadowing, dB (6–10 dB measured in cities).
    pub shadowing_db: f64,
    /// Highest RSRP one metre from a transmitter, dBm: a macro cell's reference-signal power
    /// per resource element (about 18 dBm) plus antenna gain (about 15 dBi) minus free-space
    /// loss at 1 m (about 38 dB at 2 GHz). Used only to bound distance from above.
    pub max_rsrp_at_1m_dbm: f64,
}

impl Default for PathLossModel {
    fn default() -> Self {
        PathLossModel {
            exponent: 3.5,
            shadowing_db: 8.0,
            max_rsrp_at_1m_dbm: -5.0,
        }
    }
}

impl PathLossModel {
    /// Relative weight of a sighting for a weighted centroid: proportional to the inverse of
    /// the distance its RSRP implies, 10^(RSRP / 10n), taken against the strongest sighting
    /// so it never underflows.
    pub fn inverse_distance_weight(&self, rsrp_dbm: f64, strongest_dbm: f64) -> f64 {
        10f64.powf((rsrp_dbm - strongest_dbm) / (10.0 * self.exponent))
    }

    /// A generous distance for an RSRP: from the strongest plausible transmitter, with two
    /// standard deviations of shadowing in its favour, capped at [`MAX_PLAUSIBLE_RANGE_M`].
    pub fn generous_distance_m(&self, rsrp_dbm: f64) -> f64 {
        let excess = self.max_rsrp_at_1m_dbm + 2.0 * self.shadowing_db - rsrp_dbm;
        10f64
            .powf(excess / (10.0 * self.exponent))
            .clamp(1.0, MAX_PLAUSIBLE_RANGE_M)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_advance_steps_match_the_specifications() {
        assert!((LTE_TA_STEP_M - 78.07).abs() < 0.01, "{LTE_TA_STEP_M}");
        assert!((GSM_TA_STEP_M - 553.46).abs() < 0.01, "{GSM_TA_STEP_M}");
        // GSM's largest timing advance, 63, is the 35 km limit of a normal cell.
        assert!((63.0 * GSM_TA_STEP_M - 34_868.0).abs() < 1.0);
    }

    #[test]
    fn a_timing_advance_bounds_the_range() {
        assert!((range_bound_m(Rat::Lte, Some(2)) - 3.5 * LTE_TA_STEP_M).abs() < 1e-9);
        assert_eq!(range_bound_m(Rat::Lte, None), MAX_PLAUSIBLE_RANGE_M);
        assert_eq!(range_bound_m(Rat::Umts, Some(2)), MAX_PLAUSIBLE_RANGE_M);
        assert_eq!(
            range_bound_m(Rat::Lte, Some(u32::MAX)),
            MAX_PLAUSIBLE_RANGE_M
        );
    }

    #[test]
    fn weights_fall_with_the_distance_the_signal_implies() {
        let m = PathLossModel::default();
        // 35 dB weaker at n = 3.5 is ten times as far: a tenth of the weight.
        assert!((m.inverse_distance_weight(-110.0, -75.0) - 0.1).abs() < 1e-12);
        assert!(m.generous_distance_m(-60.0) < m.generous_distance_m(-100.0));
        assert_eq!(m.generous_distance_m(-500.0), MAX_PLAUSIBLE_RANGE_M);
    }
}
