//! The OpenCellID CSV reader over arbitrary bytes, through a small read buffer so lines arrive
//! in pieces: every row is a cell or a diagnostic, lines are bounded, and whatever imports can
//! be looked up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_fleet_correlate::reference::{
    OpenCellIdReader, ReferenceCells, RowProblem, MAX_CSV_LINE_BYTES,
};

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count() as u64;
    let reader = std::io::BufReader::with_capacity(16, data);
    let mut last_line = 0;
    for row in OpenCellIdReader::new(reader) {
        match row {
            Ok(cell) => {
                assert!(cell.key.mcc <= 999 && cell.key.mnc <= 999);
                assert!(cell.position.latitude.abs() <= 90.0);
                assert!(cell.range_m.is_finite() && cell.range_m >= 0.0);
            }
            Err(d) => {
                assert!(d.line > last_line && d.line <= lines, "line {} of {lines}", d.line);
                last_line = d.line;
                if let RowProblem::Field { value, .. } = &d.problem {
                    assert!(value.len() <= MAX_CSV_LINE_BYTES);
                }
            }
        }
    }
    let (reference, summary) = ReferenceCells::import(data);
    // A cell listed twice is stored once.
    assert!(reference.len() as u64 <= summary.cells);
});
