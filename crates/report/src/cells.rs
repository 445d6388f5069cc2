//! The table of cells seen in a recording, built from `CellObserved` events.

use std::collections::BTreeMap;

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
    cells: BTreeMap<CellKey, CellRecord>,
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
                scheduled_sibs: scheduled_sibs.clone(),
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
        v.sort_by_key(|c| c.first_packet);
        v
    }
}
