//! A user's list of cells known to be genuine (CSV: `mcc,mnc,tac,cid,earfcn,pci,lat,lon`).
//!
//! A cell missing from the list is never a finding by itself (lists are always incomplete);
//! it only raises the confidence of findings on that cell. Parsing takes text, not a path:
//! reading the file is the application's job.

use std::collections::BTreeSet;
use std::fmt;
use stingwatch_events::CellRef;

/// Most rows read from one list, to bound memory.
pub const MAX_KNOWN_CELLS: usize = 1_000_000;

/// Cells known to be genuine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownCells {
    identities: BTreeSet<(u16, u16, u32, u32)>,
    radios: BTreeSet<(u32, u16)>,
}

/// A row of a known-cells list that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownCellsError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for KnownCellsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "known-cells list, line {}: {} (expected mcc,mnc,tac,cid,earfcn,pci,lat,lon)",
            self.line, self.reason
        )
    }
}

impl std::error::Error for KnownCellsError {}

fn field<T: std::str::FromStr>(
    cols: &[&str],
    index: usize,
    name: &str,
    line: usize,
) -> Result<Option<T>, KnownCellsError> {
    let raw = cols.get(index).map(|s| s.trim()).unwrap_or("");
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<T>().map(Some).map_err(|_| KnownCellsError {
        line,
        reason: format!("{name} `{raw}` is not a number in range"),
    })
}

impl KnownCells {
    /// Read a CSV list. A first line that starts with `mcc` is a header; `#` starts a comment
    /// line; empty earfcn/pci/lat/lon fields are allowed.
    pub fn from_csv(text: &str) -> Result<KnownCells, KnownCellsError> {
        let mut cells = KnownCells::default();
        // Rows, not distinct cells: rows repeating one identity with other radios would
        // otherwise grow the radio set without bound.
        let mut rows = 0usize;
        for (i, raw) in text.lines().enumerate() {
            let line = i.saturating_add(1);
            let row = raw.trim();
            if row.is_empty() || row.starts_with('#') {
                continue;
            }
            if i == 0 && row.to_ascii_lowercase().starts_with("mcc") {
                continue;
            }
            if rows >= MAX_KNOWN_CELLS {
                return Err(KnownCellsError {
                    line,
                    reason: format!("more than {MAX_KNOWN_CELLS} rows"),
                });
            }
            rows += 1;
            let cols: Vec<&str> = row.split(',').collect();
            if cols.len() < 4 {
                return Err(KnownCellsError {
                    line,
                    reason: format!("{} fields, need at least 4", cols.len()),
                });
            }
            let mcc: Option<u16> = field(&cols, 0, "mcc", line)?;
            let mnc: Option<u16> = field(&cols, 1, "mnc", line)?;
            let tac: Option<u32> = field(&cols, 2, "tac", line)?;
            let cid: Option<u32> = field(&cols, 3, "cid", line)?;
            let earfcn: Option<u32> = field(&cols, 4, "earfcn", line)?;
            let pci: Option<u16> = field(&cols, 5, "pci", line)?;
            let _lat: Option<f64> = field(&cols, 6, "lat", line)?;
            let _lon: Option<f64> = field(&cols, 7, "lon", line)?;
            match (mcc, mnc, tac, cid) {
                (Some(mcc), Some(mnc), Some(tac), Some(cid)) => {
                    cells.identities.insert((mcc, mnc, tac, cid));
                }
                _ => {
                    return Err(KnownCellsError {
                        line,
                        reason: "mcc, mnc, tac and cid are required".into(),
                    })
                }
            }
            if let (Some(e), Some(p)) = (earfcn, pci) {
                cells.radios.insert((e, p));
            }
        }
        Ok(cells)
    }

    /// Number of cells in the list.
    pub fn len(&self) -> usize {
        self.identities.len()
    }

    /// True when the list has no cells.
    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// Whether the list holds `cell`: by SIB1 identity when known (MNC compared as a number,
    /// as cell databases store it), else by (EARFCN, PCI); `None` when neither is known.
    pub fn contains(&self, cell: &CellRef) -> Option<bool> {
        if let Some(id) = cell.identity {
            return Some(
                self.identities
                    .contains(&(id.plmn.mcc, id.plmn.mnc, id.tac, id.cell_id)),
            );
        }
        match (cell.earfcn, cell.pci) {
            (Some(e), Some(p)) if !self.radios.is_empty() => Some(self.radios.contains(&(e, p))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{CellIdentity, Plmn};

    #[test]
    fn parses_header_comments_and_blank_optional_fields() {
        let list = KnownCells::from_csv(
            "mcc,mnc,tac,cid,earfcn,pci,lat,lon\n# home\n310,260,1234,27439044,66486,12,47.6,-122.3\n310,410,99,5,,,,\n",
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        let known = CellRef {
            earfcn: Some(66486),
            pci: Some(12),
            identity: Some(CellIdentity {
                plmn: Plmn::new(310, 260, 3),
                tac: 1234,
                cell_id: 27439044,
            }),
        };
        assert_eq!(list.contains(&known), Some(true));
        let mut other = known;
        other.identity = Some(CellIdentity {
            plmn: Plmn::new(310, 260, 3),
            tac: 1234,
            cell_id: 1,
        });
        assert_eq!(list.contains(&other), Some(false));
        assert_eq!(
            list.contains(&CellRef::radio(Some(66486), Some(12))),
            Some(true)
        );
        assert_eq!(
            list.contains(&CellRef::radio(Some(1), Some(12))),
            Some(false)
        );
        assert_eq!(list.contains(&CellRef::default()), None);
    }

    #[test]
    fn row_past_max_known_cells_is_an_error() {
        // One identity on ever new radios: one cell, but every row is kept.
        let mut text = String::from("mcc,mnc,tac,cid,earfcn,pci\n");
        let row = |i: usize| format!("310,260,1,1,{},{}\n", i / 504, i % 504);
        for i in 0..MAX_KNOWN_CELLS {
            text.push_str(&row(i));
        }
        let at_limit = KnownCells::from_csv(&text).unwrap();
        assert_eq!(at_limit.len(), 1);
        assert_eq!(at_limit.radios.len(), MAX_KNOWN_CELLS);
        text.push_str(&row(MAX_KNOWN_CELLS));
        let err = KnownCells::from_csv(&text).unwrap_err();
        // The header is line 1.
        assert_eq!(err.line, MAX_KNOWN_CELLS + 2);
        assert_eq!(err.reason, format!("more than {MAX_KNOWN_CELLS} rows"));
    }

    #[test]
    fn reports_line_of_bad_row() {
        let err = KnownCells::from_csv("310,260,1234,1\n310,x,1,1\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("mnc"));
        assert!(KnownCells::from_csv("310,260\n").is_err());
    }
}
