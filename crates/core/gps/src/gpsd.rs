//! gpsd's JSON protocol (gpsd_json(5)): after the client sends [`GPSD_WATCH`], the daemon
//! streams one JSON object per line; `TPV` (time-position-velocity) objects carry fixes.
//!
//! `{"class":"TPV","mode":3,"time":"2026-01-01T12:00:00.000Z","lat":52.5,"lon":13.4,"eph":8.2}`
//!
//! `mode` is 0/1 without a fix, 2 for 2D and 3 for 3D; `eph` (estimated horizontal position
//! error, metres) is the accuracy when present.

use crate::Fix;
use serde::Deserialize;
use stingwatch_model::CaptureTime;

/// The command that asks gpsd to stream JSON reports.
pub const GPSD_WATCH: &str = "?WATCH={\"enable\":true,\"json\":true}\n";

#[derive(Deserialize)]
struct Tpv {
    class: String,
    #[serde(default)]
    mode: u8,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    #[serde(default)]
    eph: Option<f64>,
}

/// A line from gpsd: a fix for a `TPV` with a 2D or 3D fix and a time, `Ok(None)` for other
/// objects (`VERSION`, `DEVICES`, `WATCH`, `SKY`, TPV without fix), an error for malformed
/// lines.
pub fn parse_gpsd_line(line: &str) -> Result<Option<Fix>, String> {
    #[derive(Deserialize)]
    struct Class {
        class: String,
    }
    let class: Class =
        serde_json::from_str(line).map_err(|e| format!("not a gpsd JSON object: {e}"))?;
    if class.class != "TPV" {
        return Ok(None);
    }
    let tpv: Tpv = serde_json::from_str(line).map_err(|e| format!("malformed TPV: {e}"))?;
    debug_assert_eq!(tpv.class, "TPV");
    if tpv.mode < 2 {
        return Ok(None);
    }
    let (Some(lat), Some(lon), Some(time)) = (tpv.lat, tpv.lon, tpv.time) else {
        return Ok(None);
    };
    let time = parse_iso8601(&time).ok_or_else(|| format!("TPV time {time:?} not ISO 8601"))?;
    let fix = Fix {
        time,
        latitude: lat,
        longitude: lon,
        accuracy_m: tpv.eph.filter(|e| e.is_finite() && *e >= 0.0),
    };
    if !fix.is_valid() {
        return Err(format!("TPV position out of range: {lat}, {lon}"));
    }
    Ok(Some(fix))
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC, as gpsd writes it) as a capture time.
pub fn parse_iso8601(s: &str) -> Option<CaptureTime> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':');
    let (hh, mm, ss): (i64, i64, i64) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    if t.next().is_some() || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let digits: String = frac.chars().take(6).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros = if digits.is_empty() {
        0
    } else {
        digits.parse::<i64>().ok()? * 10i64.pow(6 - digits.len() as u32)
    };
    let days = crate::nmea::days_from_civil(y, m, day);
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(CaptureTime(
        secs.checked_mul(1_000_000)?.checked_add(micros)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tpv_lines() {
        let fix = parse_gpsd_line(
            r#"{"class":"TPV","device":"/dev/ttyUSB0","mode":3,"time":"2026-01-01T12:00:01.500Z","ept":0.005,"lat":52.5163,"lon":13.3777,"alt":34.0,"eph":8.2}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(fix.time.to_rfc3339(), "2026-01-01T12:00:01.500000Z");
        assert_eq!(
            (fix.latitude, fix.longitude, fix.accuracy_m),
            (52.5163, 13.3777, Some(8.2))
        );
        assert_eq!(
            parse_gpsd_line(r#"{"class":"TPV","mode":1,"time":"2026-01-01T12:00:01Z"}"#),
            Ok(None)
        );
        assert_eq!(
            parse_gpsd_line(r#"{"class":"VERSION","release":"3.22"}"#),
            Ok(None)
        );
        assert!(parse_gpsd_line("{\"class\":\"TPV\",\"mode\":\"x\"}").is_err());
        assert!(parse_gpsd_line("garbage").is_err());
        assert!(parse_gpsd_line(
            r#"{"class":"TPV","mode":2,"time":"2026-01-01T12:00:01Z","lat":95,"lon":0}"#
        )
        .is_err());
    }
}
