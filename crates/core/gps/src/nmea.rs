//! NMEA 0183 `RMC` and `GGA` sentences (the two every GPS receiver sends) as fixes.
//!
//! `$GPRMC,hhmmss.ss,A,ddmm.mmmm,N,dddmm.mmmm,E,knots,course,ddmmyy,magvar,E*hh`
//! `$GPGGA,hhmmss.ss,ddmm.mmmm,N,dddmm.mmmm,E,quality,satellites,hdop,alt,M,...*hh`
//!
//! The checksum (XOR of the bytes between `$` and `*`) is required. GGA carries no date: it
//! takes the last RMC's. Other sentences are ignored.

use crate::Fix;
use stingwatch_model::CaptureTime;

/// Why a sentence could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NmeaError {
    /// No `*hh` checksum at the end.
    #[error("NMEA sentence without a checksum")]
    NoChecksum,
    /// The checksum does not match the sentence.
    #[error("NMEA checksum mismatch: sentence says {stated:02X}, content gives {computed:02X}")]
    Checksum {
        /// Checksum written in the sentence.
        stated: u8,
        /// Checksum of the content.
        computed: u8,
    },
    /// A field is missing or malformed.
    #[error("NMEA {sentence}: bad or missing {field}")]
    Field {
        /// Sentence type (`RMC`, `GGA`).
        sentence: &'static str,
        /// Which field.
        field: &'static str,
    },
    /// A GGA fix before any RMC gave the date.
    #[error("NMEA GGA fix before any RMC sentence: no date to place it on")]
    NoDate,
}

/// Time of day of a sentence, and the date when the sentence has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NmeaTime {
    /// Milliseconds since midnight UTC.
    pub millis_of_day: i64,
    /// Days since 1970-01-01 (RMC only).
    pub days: Option<i64>,
}

/// A position from one sentence, before the date is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NmeaFix {
    /// When.
    pub time: NmeaTime,
    /// Degrees north, or `None` when the receiver had no valid fix.
    pub position: Option<(f64, f64)>,
}

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

fn field_err(sentence: &'static str, field: &'static str) -> NmeaError {
    NmeaError::Field { sentence, field }
}

/// Checks the checksum and returns the fields between `$` and `*`.
fn fields(sentence: &str) -> Result<Vec<&str>, NmeaError> {
    let body = sentence
        .strip_prefix('$')
        .or_else(|| sentence.strip_prefix('!'))
        .unwrap_or(sentence);
    let (content, sum) = body.rsplit_once('*').ok_or(NmeaError::NoChecksum)?;
    let stated = u8::from_str_radix(sum.trim(), 16).map_err(|_| NmeaError::NoChecksum)?;
    let computed = content.bytes().fold(0u8, |acc, b| acc ^ b);
    if stated != computed {
        return Err(NmeaError::Checksum { stated, computed });
    }
    Ok(content.split(',').collect())
}

/// `hhmmss[.sss]` as milliseconds of the day.
fn time_of_day(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.len() != 6 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| whole.get(r).and_then(|t| t.parse::<i64>().ok());
    let (h, m, sec) = (n(0..2)?, n(2..4)?, n(4..6)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let ms = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(3).collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: i64 = digits.parse().ok()?;
        v * 10i64.pow(3 - digits.len() as u32)
    };
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// `ddmmyy` as days since 1970-01-01 (years 80-99 are 1980-1999, 00-79 are 2000-2079).
fn date(s: &str) -> Option<i64> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i64>().ok());
    let (d, m, y) = (n(0..2)?, n(2..4)?, n(4..6)?);
    if !(1..=31).contains(&d) || !(1..=12).contains(&m) {
        return None;
    }
    let year = if y >= 80 { 1900 + y } else { 2000 + y };
    Some(days_from_civil(year, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `ddmm.mmmm` (or `dddmm.mmmm`) and a hemisphere letter as signed degrees.
fn coordinate(value: &str, hemisphere: &str, positive: char, negative: char) -> Option<f64> {
    let dot = value.find('.').unwrap_or(value.len());
    let deg_len = dot.checked_sub(2)?;
    let degrees: f64 = value.get(..deg_len)?.parse().ok()?;
    let minutes: f64 = value.get(deg_len..)?.parse().ok()?;
    if !(0.0..60.0).contains(&minutes) || degrees < 0.0 {
        return None;
    }
    let v = degrees + minutes / 60.0;
    match hemisphere.chars().next()? {
        c if c == positive => Some(v),
        c if c == negative => Some(-v),
        _ => None,
    }
}

/// One sentence as a fix; `Ok(None)` for sentences other than RMC and GGA.
pub fn parse_sentence(sentence: &str) -> Result<Option<NmeaFix>, NmeaError> {
    let f = fields(sentence)?;
    let kind = f.first().copied().unwrap_or("");
    let get = |i: usize| f.get(i).copied().unwrap_or("");
    if kind.len() == 5 && kind.ends_with("RMC") {
        const S: &str = "RMC";
        let tod = time_of_day(get(1)).ok_or(field_err(S, "time"))?;
        let days = date(get(9)).ok_or(field_err(S, "date"))?;
        let position = match get(2) {
            "A" => Some((
                coordinate(get(3), get(4), 'N', 'S').ok_or(field_err(S, "latitude"))?,
                coordinate(get(5), get(6), 'E', 'W').ok_or(field_err(S, "longitude"))?,
            )),
            "V" => None,
            _ => return Err(field_err(S, "status")),
        };
        return Ok(Some(NmeaFix {
            time: NmeaTime {
                millis_of_day: tod,
                days: Some(days),
            },
            position,
        }));
    }
    if kind.len() == 5 && kind.ends_with("GGA") {
        const S: &str = "GGA";
        let tod = time_of_day(get(1)).ok_or(field_err(S, "time"))?;
        let quality: u8 = get(6).parse().map_err(|_| field_err(S, "fix quality"))?;
        let position = if quality == 0 {
            None
        } else {
            Some((
                coordinate(get(2), get(3), 'N', 'S').ok_or(field_err(S, "latitude"))?,
                coordinate(get(4), get(5), 'E', 'W').ok_or(field_err(S, "longitude"))?,
            ))
        };
        return Ok(Some(NmeaFix {
            time: NmeaTime {
                millis_of_day: tod,
                days: None,
            },
            position,
        }));
    }
    Ok(None)
}

/// The date of the last RMC, for GGA sentences.
#[derive(Debug, Default)]
pub(crate) struct NmeaState {
    /// (days, milliseconds of day) of the last RMC.
    last_rmc: Option<(i64, i64)>,
}

impl NmeaState {
    /// One sentence: a fix when it has a valid position and a date.
    pub(crate) fn feed(&mut self, sentence: &str) -> Result<Option<Fix>, NmeaError> {
        let Some(fix) = parse_sentence(sentence)? else {
            return Ok(None);
        };
        let tod = fix.time.millis_of_day;
        let days = match fix.time.days {
            Some(d) => {
                self.last_rmc = Some((d, tod));
                d
            }
            None => {
                let (d, rmc_tod) = self.last_rmc.ok_or(NmeaError::NoDate)?;
                // A GGA shortly after midnight follows an RMC of the day before.
                if tod + DAY_MS / 2 < rmc_tod {
                    d + 1
                } else {
                    d
                }
            }
        };
        let Some((latitude, longitude)) = fix.position else {
            return Ok(None);
        };
        Ok(Some(Fix {
            time: CaptureTime((days * DAY_MS + tod) * 1000),
            latitude,
            longitude,
            accuracy_m: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sentence with its checksum computed.
    fn with_sum(content: &str) -> String {
        let sum = content.bytes().fold(0u8, |a, b| a ^ b);
        format!("${content}*{sum:02X}")
    }

    #[test]
    fn known_sentences() {
        // The RMC example of the NMEA reference (gpsd's "NMEA 0183" page).
        let rmc = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A";
        let mut st = NmeaState::default();
        let fix = st.feed(rmc).unwrap().unwrap();
        assert!((fix.latitude - 48.1173).abs() < 1e-9);
        assert!((fix.longitude - 11.516_666_666).abs() < 1e-6);
        assert_eq!(
            fix.time.to_rfc3339(),
            "1994-03-23T12:35:19.000000Z".to_string()
        );
        // The GGA example of the same page: its date is the RMC's.
        let gga = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47";
        let fix = st.feed(gga).unwrap().unwrap();
        assert_eq!(fix.time.to_rfc3339(), "1994-03-23T12:35:19.000000Z");
    }

    #[test]
    fn checksum_date_and_validity() {
        let mut st = NmeaState::default();
        let gga = with_sum("GNGGA,000001.50,3351.000,S,15112.000,E,1,08,0.9,5.0,M,,M,,");
        assert_eq!(st.feed(&gga), Err(NmeaError::NoDate));
        let bad = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6B";
        assert!(matches!(st.feed(bad), Err(NmeaError::Checksum { .. })));
        assert_eq!(
            st.feed("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
            Err(NmeaError::NoChecksum)
        );
        // A void RMC still gives the date; a GGA just after midnight is on the next day.
        st.feed(&with_sum("GNRMC,235959,V,,,,,,,311225,,")).unwrap();
        let fix = st.feed(&gga).unwrap().unwrap();
        assert_eq!(fix.time.to_rfc3339(), "2026-01-01T00:00:01.500000Z");
        assert!(fix.latitude < -33.0 && fix.longitude > 151.0);
        // Sentences without position are not errors.
        assert_eq!(st.feed(&with_sum("GPGSV,1,1,00")), Ok(None));
    }
}
