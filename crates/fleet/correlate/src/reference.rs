//! The reference database of known cells: OpenCellID's CSV export, read as a stream.
//!
//! Columns (OpenCellID's documented order): `radio, mcc, net, area, cell, unit, lon, lat, range,
//! samples, changeable, created, updated, averageSignal`. The full export has tens of millions
//! of rows and arrives from outside, so it is read one bounded line at a time: a line longer
//! than [`MAX_CSV_LINE_BYTES`] is skipped to its end with a diagnostic, never buffered whole;
//! a row that does not parse yields a diagnostic naming its line and field, and reading goes on
//! with the next. CSV quoting is honoured (csv-core splits the fields); a quoted field never
//! spans lines in this export, so a line is a row.
//!
//! In correlation the reference is supporting evidence only: a cell missing from it, where it
//! knows the operator's neighbouring cells, or seen far outside its recorded range, raises the
//! severity of what other rules found on that cell and never makes a finding by itself —
//! OpenCellID is crowd-sourced and lags new deployments.

use crate::geo::{distance_m, is_valid};
use std::collections::HashMap;
use std::io::BufRead;
use stingwatch_fleet_model::{CellKey, Position, Rat};

/// Longest CSV line read, bytes (a real row is under 120).
pub const MAX_CSV_LINE_BYTES: usize = 1_024;
/// Columns of an OpenCellID row.
pub const OPENCELLID_COLUMNS: usize = 14;
/// Longest field value quoted back in a diagnostic, bytes.
const MAX_QUOTED_VALUE: usize = 40;
/// Most cells an in-memory reference holds (about 100 bytes each with its index).
pub const MAX_REFERENCE_CELLS: usize = 5_000_000;
/// Size of the squares (degrees of latitude and longitude) in which the reference counts an
/// operator's cells, to know whether it covers a place at all.
pub const DENSITY_SQUARE_DEGREES: f64 = 0.05;
/// Cells of the same operator and technology the reference must know within the 3×3 squares
/// around a sighting before a cell's absence from it counts as evidence.
pub const MIN_CELLS_FOR_COVERAGE: u32 = 5;
/// A sighting farther than this multiple of the recorded range (at least [`MIN_RECORDED_RANGE_M`])
/// from the recorded position counts as far outside it: recorded ranges are the spread of
/// crowd-sourced measurements and underestimate real reach.
pub const RANGE_FACTOR: f64 = 3.0;
/// Recorded ranges are taken as at least this, metres.
pub const MIN_RECORDED_RANGE_M: f64 = 1_000.0;

/// One known cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceCell {
    /// Its identity.
    pub key: CellKey,
    /// Where measurements put it (the centre of its sightings, not the mast).
    pub position: Position,
    /// Radius of the measurements around that position, metres.
    pub range_m: f64,
    /// How many measurements it rests on.
    pub samples: u32,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// Longer than [`MAX_CSV_LINE_BYTES`]; skipped to its end.
    #[error("line longer than {MAX_CSV_LINE_BYTES} bytes")]
    TooLong,
    /// Not [`OPENCELLID_COLUMNS`] columns.
    #[error("{0} columns instead of {OPENCELLID_COLUMNS}")]
    Columns(usize),
    /// A field does not hold what its column needs.
    #[error("column {column}: {value:?} is not {expected}")]
    Field {
        /// Column name.
        column: &'static str,
        /// The value (cut to 40 bytes).
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// A technology Stingwatch does not watch (CDMA); not damage, but not imported.
    #[error("radio {0:?} is not watched")]
    Unsupported(String),
    /// Reading failed; nothing after this line is read.
    #[error("read error: {0}")]
    Io(String),
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct RowDiagnostic {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong.
    pub problem: RowProblem,
}

/// Streams cells out of an OpenCellID CSV export.
pub struct OpenCellIdReader<R> {
    input: R,
    /// Built once: building csv-core's DFA costs more than splitting a row.
    fields: csv_core::Reader,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> OpenCellIdReader<R> {
    /// Reads from `input`; a header line, if present, is skipped.
    pub fn new(input: R) -> Self {
        OpenCellIdReader {
            input,
            fields: csv_core::Reader::new(),
            line: 0,
            buf: Vec::with_capacity(MAX_CSV_LINE_BYTES),
            done: false,
        }
    }

    /// Reads the next line into `buf` (without its end), or reports it too long. `None` at
    /// the end of input.
    fn next_line(&mut self) -> Option<Result<(), RowProblem>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Some(Err(RowProblem::Io(e.to_string())));
                }
            };
            if chunk.is_empty() {
                if !any {
                    return None;
                }
                break;
            }
            any = true;
            let (take, end) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                let room = MAX_CSV_LINE_BYTES.saturating_sub(self.buf.len());
                match chunk.get(..take) {
                    Some(part) if part.len() <= room => self.buf.extend_from_slice(part),
                    _ => {
                        too_long = true;
                        self.buf.clear();
                    }
                }
            }
            self.input.consume(if end { take + 1 } else { take });
            if end {
                break;
            }
        }
        self.line += 1;
        if too_long {
            return Some(Err(RowProblem::TooLong));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Some(Ok(()))
    }
}

impl<R: BufRead> Iterator for OpenCellIdReader<R> {
    type Item = Result<ReferenceCell, RowDiagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let read = self.next_line()?;
            let line = self.line;
            if let Err(problem) = read {
                return Some(Err(RowDiagnostic { line, problem }));
            }
            if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            if line == 1 && self.buf.starts_with(b"radio,") {
                continue;
            }
            return Some(
                parse_fields(&mut self.fields, &self.buf)
                    .map_err(|problem| RowDiagnostic { line, problem }),
            );
        }
        None
    }
}

/// Splits one line into at most [`OPENCELLID_COLUMNS`] + 1 fields with csv-core, into buffers
/// of fixed size.
fn split_fields(reader: &mut csv_core::Reader, line: &[u8]) -> Result<Vec<String>, RowProblem> {
    // Each line is a record of its own: an unclosed quote must not run into the next.
    reader.reset();
    let mut out = [0u8; MAX_CSV_LINE_BYTES];
    let mut ends = [0usize; OPENCELLID_COLUMNS + 1];
    let too_many = RowProblem::Columns(OPENCELLID_COLUMNS + 1);
    let (mut input, mut nout, mut nends) = (line, 0usize, 0usize);
    // Bounded: each call consumes input or, with the input empty, finishes the record.
    for _ in 0..=line.len() + 1 {
        let (Some(o), Some(e)) = (out.get_mut(nout..), ends.get_mut(nends..)) else {
            return Err(too_many);
        };
        // An empty input tells csv-core the line (and so the record) has ended.
        let (res, nin, no, ne) = reader.read_record(input, o, e);
        input = input.get(nin..).unwrap_or_default();
        nout += no;
        nends += ne;
        match res {
            csv_core::ReadRecordResult::InputEmpty => {}
            csv_core::ReadRecordResult::OutputFull => return Err(RowProblem::TooLong),
            csv_core::ReadRecordResult::OutputEndsFull => return Err(too_many),
            csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
        }
    }
    let mut fields = Vec::with_capacity(nends);
    let mut start = 0;
    for &end in ends.get(..nends).unwrap_or_default() {
        let bytes = out.get(start..end).unwrap_or_default();
        fields.push(String::from_utf8_lossy(bytes).trim().to_string());
        start = end;
    }
    Ok(fields)
}

fn field_err(column: &'static str, value: &str, expected: &'static str) -> RowProblem {
    let mut cut = value.len().min(MAX_QUOTED_VALUE);
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    RowProblem::Field {
        column,
        value: value.get(..cut).unwrap_or_default().to_string(),
        expected,
    }
}

fn parse_num<T: std::str::FromStr>(
    fields: &[String],
    i: usize,
    column: &'static str,
    expected: &'static str,
) -> Result<T, RowProblem> {
    let v = fields.get(i).map(String::as_str).unwrap_or_default();
    v.parse::<T>().map_err(|_| field_err(column, v, expected))
}

/// Parses one row (without its line end).
pub fn parse_row(line: &[u8]) -> Result<ReferenceCell, RowProblem> {
    parse_fields(&mut csv_core::Reader::new(), line)
}

fn parse_fields(reader: &mut csv_core::Reader, line: &[u8]) -> Result<ReferenceCell, RowProblem> {
    let fields = split_fields(reader, line)?;
    if fields.len() != OPENCELLID_COLUMNS {
        return Err(RowProblem::Columns(fields.len()));
    }
    let radio = fields.first().map(String::as_str).unwrap_or_default();
    let rat = match radio.to_ascii_uppercase().as_str() {
        "GSM" => Rat::Gsm,
        "UMTS" => Rat::Umts,
        "LTE" => Rat::Lte,
        "NR" => Rat::Nr,
        "CDMA" => return Err(RowProblem::Unsupported(radio.to_string())),
        _ => return Err(field_err("radio", radio, "GSM, UMTS, LTE or NR")),
    };
    let mcc: u16 = parse_num(&fields, 1, "mcc", "a country code 0-999")?;
    let mnc: u16 = parse_num(&fields, 2, "net", "a network code 0-999")?;
    let area: u32 = parse_num(&fields, 3, "area", "an area code")?;
    let cell: u64 = parse_num(&fields, 4, "cell", "a cell identity")?;
    let lon: f64 = parse_num(&fields, 6, "lon", "a longitude")?;
    let lat: f64 = parse_num(&fields, 7, "lat", "a latitude")?;
    let range: f64 = parse_num(&fields, 8, "range", "a range in metres")?;
    let samples: u32 = parse_num(&fields, 9, "samples", "a count")?;
    if mcc > 999 || mnc > 999 {
        return Err(field_err("mcc", &format!("{mcc}-{mnc}"), "codes 0-999"));
    }
    if cell >= 1 << 36 {
        return Err(field_err("cell", &cell.to_string(), "below 2^36"));
    }
    let position = Position {
        latitude: lat,
        longitude: lon,
        accuracy_m: None,
    };
    if !is_valid(&position) {
        return Err(field_err(
            "lat",
            &format!("{lat},{lon}"),
            "a position on Earth",
        ));
    }
    if !range.is_finite() || range < 0.0 {
        return Err(field_err("range", &range.to_string(), "a range in metres"));
    }
    Ok(ReferenceCell {
        key: CellKey {
            rat,
            mcc,
            mnc,
            area,
            cell,
        },
        position,
        range_m: range,
        samples,
    })
}

/// What reading a reference export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Cells kept.
    pub cells: u64,
    /// Rows of technologies not watched (CDMA).
    pub unsupported: u64,
    /// Rows refused as damaged.
    pub refused: u64,
    /// Cells dropped because the reference was full.
    pub over_limit: u64,
    /// The first diagnostics (at most [`MAX_DIAGNOSTICS`]).
    pub diagnostics: Vec<RowDiagnostic>,
}

/// Most diagnostics an import keeps; the rest are only counted.
pub const MAX_DIAGNOSTICS: usize = 1_000;

type DensityKey = (u16, u16, Rat, i32, i32);

/// Known cells in memory, with a count of cells per operator and square for coverage.
#[derive(Debug, Clone, Default)]
pub struct ReferenceCells {
    cells: HashMap<CellKey, ReferenceCell>,
    density: HashMap<DensityKey, u32>,
}

fn square(p: &Position) -> (i32, i32) {
    (
        (p.latitude / DENSITY_SQUARE_DEGREES).floor() as i32,
        (p.longitude / DENSITY_SQUARE_DEGREES).floor() as i32,
    )
}

/// How a cell's sighting compares with the reference.
#[derive(Debug, Clone, PartialEq)]
pub enum ReferenceVerdict {
    /// The reference knows the cell and the sighting fits its recorded range.
    Known,
    /// The reference does not know the cell though it knows the operator's cells around.
    Missing {
        /// Cells of the same operator and technology the reference knows around the sighting.
        neighbours: u32,
    },
    /// The sighting is far outside the recorded range.
    OutOfRange {
        /// Distance from the recorded position, metres.
        distance_m: f64,
        /// Recorded range, metres.
        range_m: f64,
    },
    /// The reference knows too little there to say.
    NoCoverage,
}

impl ReferenceCells {
    /// An empty reference.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of cells held.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True when no cell is held.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Adds a cell; false when the reference is full ([`MAX_REFERENCE_CELLS`]).
    pub fn insert(&mut self, cell: ReferenceCell) -> bool {
        if self.cells.len() >= MAX_REFERENCE_CELLS && !self.cells.contains_key(&cell.key) {
            return false;
        }
        let (a, b) = square(&cell.position);
        let k = (cell.key.mcc, cell.key.mnc, cell.key.rat, a, b);
        if let Some(old) = self.cells.insert(cell.key, cell) {
            let (oa, ob) = square(&old.position);
            if let Some(n) = self
                .density
                .get_mut(&(old.key.mcc, old.key.mnc, old.key.rat, oa, ob))
            {
                *n = n.saturating_sub(1);
            }
        }
        *self.density.entry(k).or_insert(0) += 1;
        true
    }

    /// Reads an OpenCellID export into a reference, keeping what parses.
    pub fn import<R: BufRead>(input: R) -> (ReferenceCells, ImportSummary) {
        let mut me = ReferenceCells::new();
        let mut summary = ImportSummary::default();
        for row in OpenCellIdReader::new(input) {
            match row {
                Ok(cell) => {
                    if me.insert(cell) {
                        summary.cells += 1;
                    } else {
                        summary.over_limit += 1;
                    }
                }
                Err(d) => {
                    if matches!(d.problem, RowProblem::Unsupported(_)) {
                        summary.unsupported += 1;
                        continue;
                    }
                    summary.refused += 1;
                    if summary.diagnostics.len() < MAX_DIAGNOSTICS {
                        summary.diagnostics.push(d);
                    }
                }
            }
        }
        (me, summary)
    }

    /// The recorded cell, if known.
    pub fn get(&self, key: &CellKey) -> Option<&ReferenceCell> {
        self.cells.get(key)
    }

    /// Cells of `key`'s operator and technology known in the 3×3 squares around `p`.
    pub fn operator_cells_near(&self, key: &CellKey, p: &Position) -> u32 {
        let (a, b) = square(p);
        let mut n: u32 = 0;
        for da in -1..=1 {
            for db in -1..=1 {
                let k = (key.mcc, key.mnc, key.rat, a + da, b + db);
                n = n.saturating_add(self.density.get(&k).copied().unwrap_or(0));
            }
        }
        n
    }

    /// How a sighting of `key` at `p` compares with the reference.
    pub fn check(&self, key: &CellKey, p: &Position) -> ReferenceVerdict {
        match self.cells.get(key) {
            Some(r) => {
                let d = distance_m(&r.position, p);
                let allowed = RANGE_FACTOR * r.range_m.max(MIN_RECORDED_RANGE_M)
                    + p.accuracy_m.filter(|a| a.is_finite()).unwrap_or(0.0);
                if d > allowed {
                    ReferenceVerdict::OutOfRange {
                        distance_m: d,
                        range_m: r.range_m,
                    }
                } else {
                    ReferenceVerdict::Known
                }
            }
            None => {
                let n = self.operator_cells_near(key, p);
                if n >= MIN_CELLS_FOR_COVERAGE {
                    ReferenceVerdict::Missing { neighbours: n }
                } else {
                    ReferenceVerdict::NoCoverage
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n\
LTE,262,1,4711,19088743,77,13.405,52.52,1200,35,1,1459692100,1700000000,0\n\
GSM,262,2,1001,3001,,13.41,52.53,800,3,1,1459692100,1700000000,-85\r\n\
CDMA,310,4,1,2,,0,0,0,1,1,0,0,0\n\
LTE,262,1,4711,notanumber,77,13.405,52.52,1200,35,1,1459692100,1700000000,0\n\
LTE,262,1,4711\n\
\n\
\"NR\",262,1,4711,68719476735,1,13.4,52.5,100,2,1,0,0,0\n\
LTE,262,1,4711,5,1,13.4,95.0,100,2,1,0,0,0\n";

    #[test]
    fn rows_parse_and_damage_is_reported_by_line() {
        let rows: Vec<_> = OpenCellIdReader::new(SAMPLE.as_bytes()).collect();
        assert_eq!(rows.len(), 7, "{rows:#?}");
        let Ok(lte) = &rows[0] else {
            panic!("{:?}", rows[0])
        };
        assert_eq!(lte.key.cell, 19_088_743);
        assert_eq!(lte.key.rat, Rat::Lte);
        assert_eq!(
            (lte.position.latitude, lte.position.longitude),
            (52.52, 13.405)
        );
        assert_eq!((lte.range_m, lte.samples), (1200.0, 35));
        let Ok(gsm) = &rows[1] else {
            panic!("{:?}", rows[1])
        };
        assert_eq!((gsm.key.mnc, gsm.key.area), (2, 1001));
        assert!(matches!(
            &rows[2],
            Err(RowDiagnostic {
                line: 4,
                problem: RowProblem::Unsupported(_)
            })
        ));
        assert!(matches!(
            &rows[3],
            Err(RowDiagnostic {
                line: 5,
                problem: RowProblem::Field { column: "cell", .. }
            })
        ));
        assert!(matches!(
            &rows[4],
            Err(RowDiagnostic {
                line: 6,
                problem: RowProblem::Columns(4)
            })
        ));
        let Ok(nr) = &rows[5] else {
            panic!("{:?}", rows[5])
        };
        assert_eq!((nr.key.rat, nr.key.cell), (Rat::Nr, (1 << 36) - 1));
        assert!(matches!(
            &rows[6],
            Err(RowDiagnostic {
                line: 9,
                problem: RowProblem::Field { column: "lat", .. }
            })
        ));
    }

    #[test]
    fn an_unclosed_quote_stays_on_its_line() {
        let text =
            "LTE,\"262,1,1,1,1,13.4,52.5,100,2,1,0,0,0\nLTE,262,1,1,2,1,13.4,52.5,100,2,1,0,0,0\n";
        let rows: Vec<_> = OpenCellIdReader::new(text.as_bytes()).collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(
            matches!(
                rows[0],
                Err(RowDiagnostic {
                    line: 1,
                    problem: RowProblem::Columns(2)
                })
            ),
            "{rows:?}"
        );
        assert_eq!(rows[1].as_ref().map(|c| c.key.cell), Ok(2));
    }

    #[test]
    fn an_overlong_line_is_skipped_without_buffering_it() {
        let mut text = String::from("LTE,262,1,1,1,1,13.4,52.5,100,2,1,0,0,0\n");
        text.push_str(&"9".repeat(MAX_CSV_LINE_BYTES * 50));
        text.push('\n');
        text.push_str("LTE,262,1,1,2,1,13.4,52.5,100,2,1,0,0,0");
        // A small read buffer, so the long line arrives in many pieces.
        let reader = std::io::BufReader::with_capacity(64, text.as_bytes());
        let rows: Vec<_> = OpenCellIdReader::new(reader).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].is_ok() && rows[2].is_ok());
        assert_eq!(
            rows[1],
            Err(RowDiagnostic {
                line: 2,
                problem: RowProblem::TooLong
            })
        );
    }

    #[test]
    fn import_counts_and_coverage_decide_what_absence_means() {
        let mut text = String::new();
        for i in 0..6 {
            text.push_str(&format!(
                "LTE,262,1,4711,{},1,13.40{i},52.50{i},500,10,1,0,0,0\n",
                100 + i
            ));
        }
        text.push_str("CDMA,310,4,1,2,,0,0,0,1,1,0,0,0\nbroken\n");
        let (r, s) = ReferenceCells::import(text.as_bytes());
        assert_eq!((s.cells, s.unsupported, s.refused, r.len()), (6, 1, 1, 6));
        assert_eq!(s.diagnostics.len(), 1);
        let here = Position {
            latitude: 52.503,
            longitude: 13.403,
            accuracy_m: Some(10.0),
        };
        let known = CellKey {
            rat: Rat::Lte,
            mcc: 262,
            mnc: 1,
            area: 4711,
            cell: 102,
        };
        assert_eq!(r.check(&known, &here), ReferenceVerdict::Known);
        let unknown = CellKey { cell: 999, ..known };
        assert_eq!(
            r.check(&unknown, &here),
            ReferenceVerdict::Missing { neighbours: 6 }
        );
        let other_operator = CellKey { mnc: 3, ..unknown };
        assert_eq!(
            r.check(&other_operator, &here),
            ReferenceVerdict::NoCoverage
        );
        let far = Position {
            latitude: 52.6,
            ..here
        };
        assert!(matches!(
            r.check(&known, &far),
            ReferenceVerdict::OutOfRange { .. }
        ));
    }
}
