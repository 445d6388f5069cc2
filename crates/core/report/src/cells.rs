//! The table of cells seen in a recording, built from `CellObserved` events.

use std::collections::HashMap;

use serde::Serialize;
use stingwatch_events::{CaptureTime, Event, EventKind, Plmn};

/// Most distinct cells kept per table; a recording with more is summarised by the first ones.
pub const MAX_CELLS: usize = 4096;

/// One distinct cell broadcast (identity plus radio position) and when it was seen.
#[derive(Debug, Clone, Serialize)]
pub struct CellRecord {
    /// Input the cell was seen in.
    pub file: String,
    /// Primary PLMN, e.g. `310-260`.
    pub plmn: String,
    /// Tracking area code.
    pub tac: u32,
    /// E-UTRAN cell identity (28 bits).
    pub cell_id: u32,
    /// Downlink EARFCN, when the capture records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earfcn: Option<u32>,
    /// Physical cell id, when the capture records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pci: Option<u16>,
    /// SIB numbers SIB1 schedules.
    pub scheduled_sibs: Vec<u8>,
    /// Whether the cell said it was barred.
    pub barred: bool,
    /// SIB1 broadcasts seen.
    pub sightings: u64,
    /// First packet where this cell was seen.
    pub first_packet: u64,
    /// Last packet where this cell was seen.
    pub last_packet: u64,
    /// Capture time of the first sighting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<CaptureTime>,
    /// Capture time of the last sighting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<CaptureTime>,
}

type CellKey = (Plmn, u32, u32, Option<u32>, Option<u16>);

/// Collects [`CellRecord`]s from events.
#[derive(Debug, Default)]
pub struct CellTable {
    /// Hashed: a lookup per SIB1 is on the per-message path, and the records are sorted by
    /// first sighting (unique per cell) when they are taken out.
    cells: HashMap<CellKey, CellRecord, foldhash::fast::RandomState>,
}

impl CellTable {
    /// An empty table.
    pub fn new() -> Self {
        CellTable::default()
    }

    /// Note a `CellObserved` event; other events are ignored.
    pub fn observe(&mut self, file: &str, event: &Event) {
        let EventKind::CellObserved {
            plmn,
            tac,
            cell_id,
            scheduled_sibs,
            barred,
            ..
        } = &event.kind
        else {
            return;
        };
        let (earfcn, pci) = event
            .cell
            .map(|c| (c.earfcn, c.pci))
            .unwrap_or((None, None));
        let key = (*plmn, *tac, *cell_id, earfcn, pci);
        if let Some(rec) = self.cells.get_mut(&key) {
            rec.sightings = rec.sightings.saturating_add(1);
            rec.last_packet = event.packet;
            rec.last_time = event.time.or(rec.last_time);
            rec.barred |= *barred;
            return;
        }
        if self.cells.len() >= MAX_CELLS {
            return;
        }
        self.cells.insert(
            key,
            CellRecord {
                file: file.to_string(),
                plmn: plmn.to_string(),
                tac: *tac,
                cell_id: *cell_id,
                earfcn,
                pci,
                scheduled_sibs: scheduled_sibs.to_vec(),
                barred: *barred,
                sightings: 1,
                first_packet: event.packet,
                last_packet: event.packet,
                first_time: event.time,
                last_time: event.time,
            },
        );
    }

    /// The cells, in order of first sighting.
    pub fn into_records(self) -> Vec<CellRecord> {
        let mut v: Vec<CellRecord> = self.cells.into_values().collect();
        // First sightings are unique within a recording; the rest of the key only keeps the
        // order fixed for a caller that repeats packet numbers.
        v.sort_by(|a, b| {
            (a.first_packet, a.tac, a.cell_id, a.earfcn, a.pci, &a.plmn).cmp(&(
                b.first_packet,
                b.tac,
                b.cell_id,
                b.earfcn,
                b.pci,
                &b.plmn,
            ))
        });
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::CellRef;

    fn sighting(packet: u64, cell_id: u32) -> Event {
        Event::new(
            packet,
            EventKind::CellObserved {
                plmn: Plmn::new(310, 260, 3),
                additional_plmns: [].into(),
                tac: 7,
                cell_id,
                scheduled_sibs: vec![3].into(),
                barred: false,
                value_tag: None,
            },
        )
        .on(CellRef::radio(Some(5230), Some(1)))
    }

    #[test]
    fn cells_past_max_cells_are_left_out_and_known_ones_still_counted() {
        let mut table = CellTable::new();
        for i in 0..MAX_CELLS as u32 {
            table.observe("a.qmdl", &sighting(u64::from(i) + 1, i));
        }
        assert_eq!(table.cells.len(), MAX_CELLS);
        // One cell more is left out; a cell already in the table is still counted.
        table.observe("a.qmdl", &sighting(9000, MAX_CELLS as u32));
        table.observe("a.qmdl", &sighting(9001, 0));
        let records = table.into_records();
        assert_eq!(records.len(), MAX_CELLS);
        assert!(records.iter().all(|r| r.cell_id < MAX_CELLS as u32));
        assert_eq!((records[0].sightings, records[0].last_packet), (2, 9001));
    }
}
