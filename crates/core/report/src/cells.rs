//! The table of cells seen in a recording, built from `CellObserved` events, with what the
//! modem measured on each (`Measured` and `TimingAdvance` events) and, once a GPS track is
//! applied ([`locate_cells`]), where the sensor was.
//!
//! These records are what a fleet upload reads for its per-cell observations: identity
//! (`plmn`, `tac`, `cell_id`), radio (`earfcn`, `pci`), [`CellRecord::signal`] (RSRP/RSRQ
//! last, min, max), [`CellRecord::timing_advance`] (latest) and [`CellRecord::position`] (fix
//! nearest the last measurement, with its age). Cells measured whose SIB1 was never read are
//! [`RadioCellRecord`]s.

use std::collections::HashMap;

use serde::Serialize;
use stingwatch_events::{
    CaptureTime, CellIdentity, Event, EventKind, Plmn, Sixteenths, TA_STEP_METRES,
};
use stingwatch_gps::{Located, Track};

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
    /// Signal the modem measured on this cell, when it logged measurements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<SignalSummary>,
    /// Latest timing advance a random access response gave on this cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing_advance: Option<TimingAdvanceSeen>,
    /// Where the sensor was at [`CellRecord::observed_at`], from its GPS track (none without a
    /// track, or when the nearest fix is older than the track's limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Located>,
}

impl CellRecord {
    /// The time a position is looked up for: the last measurement, else the last sighting.
    pub fn observed_at(&self) -> Option<CaptureTime> {
        self.signal
            .as_ref()
            .and_then(|s| s.last_time)
            .or(self.last_time)
    }
}

/// A cell the modem measured but whose identity (SIB1) the recording never showed: known by
/// carrier and physical cell id alone.
#[derive(Debug, Clone, Serialize)]
pub struct RadioCellRecord {
    /// Input the cell was measured in.
    pub file: String,
    /// Downlink EARFCN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earfcn: Option<u32>,
    /// Physical cell id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pci: Option<u16>,
    /// What was measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<SignalSummary>,
    /// Latest timing advance on this cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing_advance: Option<TimingAdvanceSeen>,
    /// Where the sensor was at the last measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Located>,
}

/// The measured signal of one cell over a recording.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalSummary {
    /// Measurements (serving and neighbour).
    pub measurements: u64,
    /// Of which as the serving cell.
    pub serving_measurements: u64,
    /// Last RSRP, dBm.
    pub rsrp_dbm_last: Sixteenths,
    /// Lowest RSRP, dBm.
    pub rsrp_dbm_min: Sixteenths,
    /// Highest RSRP, dBm.
    pub rsrp_dbm_max: Sixteenths,
    /// Last RSRQ, dB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrq_db_last: Option<Sixteenths>,
    /// Lowest RSRQ, dB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrq_db_min: Option<Sixteenths>,
    /// Highest RSRQ, dB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrq_db_max: Option<Sixteenths>,
    /// Last RSSI, dBm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rssi_dbm_last: Option<Sixteenths>,
    /// Time of the last measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<CaptureTime>,
}

impl SignalSummary {
    fn new(
        serving: bool,
        rsrp: Sixteenths,
        rsrq: Option<Sixteenths>,
        rssi: Option<Sixteenths>,
        time: Option<CaptureTime>,
    ) -> Self {
        SignalSummary {
            measurements: 1,
            serving_measurements: u64::from(serving),
            rsrp_dbm_last: rsrp,
            rsrp_dbm_min: rsrp,
            rsrp_dbm_max: rsrp,
            rsrq_db_last: rsrq,
            rsrq_db_min: rsrq,
            rsrq_db_max: rsrq,
            rssi_dbm_last: rssi,
            last_time: time,
        }
    }

    fn add(
        &mut self,
        serving: bool,
        rsrp: Sixteenths,
        rsrq: Option<Sixteenths>,
        rssi: Option<Sixteenths>,
        time: Option<CaptureTime>,
    ) {
        self.measurements = self.measurements.saturating_add(1);
        self.serving_measurements = self.serving_measurements.saturating_add(u64::from(serving));
        self.rsrp_dbm_last = rsrp;
        self.rsrp_dbm_min = self.rsrp_dbm_min.min(rsrp);
        self.rsrp_dbm_max = self.rsrp_dbm_max.max(rsrp);
        if let Some(q) = rsrq {
            self.rsrq_db_last = Some(q);
            self.rsrq_db_min = Some(self.rsrq_db_min.map_or(q, |m| m.min(q)));
            self.rsrq_db_max = Some(self.rsrq_db_max.map_or(q, |m| m.max(q)));
        }
        if rssi.is_some() {
            self.rssi_dbm_last = rssi;
        }
        if time.is_some() {
            self.last_time = time;
        }
    }

    /// Merges a later summary of the same cell into this one.
    fn merge(&mut self, later: &SignalSummary) {
        self.measurements = self.measurements.saturating_add(later.measurements);
        self.serving_measurements = self
            .serving_measurements
            .saturating_add(later.serving_measurements);
        self.rsrp_dbm_min = self.rsrp_dbm_min.min(later.rsrp_dbm_min);
        self.rsrp_dbm_max = self.rsrp_dbm_max.max(later.rsrp_dbm_max);
        let later_is_later = later.last_time >= self.last_time;
        if later_is_later {
            self.rsrp_dbm_last = later.rsrp_dbm_last;
            self.rsrq_db_last = later.rsrq_db_last.or(self.rsrq_db_last);
            self.rssi_dbm_last = later.rssi_dbm_last.or(self.rssi_dbm_last);
            self.last_time = later.last_time.or(self.last_time);
        }
        self.rsrq_db_min = min_opt(self.rsrq_db_min, later.rsrq_db_min);
        self.rsrq_db_max = max_opt(self.rsrq_db_max, later.rsrq_db_max);
    }
}

fn min_opt(a: Option<Sixteenths>, b: Option<Sixteenths>) -> Option<Sixteenths> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<Sixteenths>, b: Option<Sixteenths>) -> Option<Sixteenths> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// A timing advance the device was given on a cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingAdvanceSeen {
    /// The latest timing advance command (units of 16 Ts).
    pub value: u16,
    /// The distance it stands for, metres (value × [`TA_STEP_METRES`]; within one step).
    pub distance_m: f64,
    /// Random access responses seen on the cell.
    pub count: u64,
    /// Time of the latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<CaptureTime>,
}

/// What was measured on one (identity, radio) key while the recording is read.
#[derive(Debug, Default, Clone)]
struct Measured {
    signal: Option<SignalSummary>,
    timing_advance: Option<TimingAdvanceSeen>,
}

impl Measured {
    fn merge(&mut self, later: &Measured) {
        match (&mut self.signal, &later.signal) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.signal = Some(b.clone()),
            _ => {}
        }
        match (&mut self.timing_advance, &later.timing_advance) {
            (Some(a), Some(b)) => {
                let count = a.count.saturating_add(b.count);
                if b.time >= a.time {
                    *a = b.clone();
                }
                a.count = count;
            }
            (None, Some(b)) => self.timing_advance = Some(b.clone()),
            _ => {}
        }
    }
}

/// Cells measured, keyed by what the events knew: identity (when the SIB1 was read) and
/// radio.
type MeasuredKey = (Option<CellIdentity>, Option<u32>, Option<u16>);

type CellKey = (Plmn, u32, u32, Option<u32>, Option<u16>);

/// Collects [`CellRecord`]s from events.
#[derive(Debug, Default)]
pub struct CellTable {
    /// The records in order of first sighting, found through `index`: a lookup per SIB1 is on
    /// the per-message path.
    cells: Vec<(CellKey, CellRecord)>,
    index: HashMap<CellKey, usize, foldhash::fast::RandomState>,
    /// Position in `cells` of the record a SIB1 touched last: a camped phone hears the same
    /// cell's SIB1 again and again, and comparing its key costs less than hashing it.
    last: usize,
    /// Measurements and timing advances, at most [`MAX_CELLS`] keys.
    measured: HashMap<MeasuredKey, Measured, foldhash::fast::RandomState>,
    /// Measured keys in order of first measurement, so radio-only records come out in a
    /// fixed order.
    measured_order: Vec<MeasuredKey>,
}

impl CellTable {
    /// An empty table.
    pub fn new() -> Self {
        CellTable::default()
    }

    fn measured(&mut self, event: &Event) -> Option<&mut Measured> {
        let cell = event.cell?;
        let key = (cell.identity, cell.earfcn, cell.pci);
        if !self.measured.contains_key(&key) {
            if self.measured.len() >= MAX_CELLS {
                return None;
            }
            self.measured_order.push(key);
        }
        Some(self.measured.entry(key).or_default())
    }

    /// Note a `CellObserved`, `Measured` or `TimingAdvance` event; other events are ignored.
    pub fn observe(&mut self, file: &str, event: &Event) {
        match &event.kind {
            EventKind::Measured {
                serving,
                rsrp,
                rsrq,
                rssi,
            } => {
                let time = event.time;
                if let Some(m) = self.measured(event) {
                    match &mut m.signal {
                        Some(s) => s.add(*serving, *rsrp, *rsrq, *rssi, time),
                        None => {
                            m.signal = Some(SignalSummary::new(*serving, *rsrp, *rsrq, *rssi, time))
                        }
                    }
                }
                return;
            }
            EventKind::TimingAdvance { value } => {
                let time = event.time;
                if let Some(m) = self.measured(event) {
                    let count = m.timing_advance.as_ref().map_or(0, |t| t.count);
                    m.timing_advance = Some(TimingAdvanceSeen {
                        value: *value,
                        distance_m: f64::from(*value) * TA_STEP_METRES,
                        count: count.saturating_add(1),
                        time,
                    });
                }
                return;
            }
            _ => {}
        }
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
        let at = match self.cells.get(self.last) {
            Some((k, _)) if *k == key => Some(self.last),
            _ => self.index.get(&key).copied(),
        };
        if let Some((_, rec)) = at.and_then(|i| {
            self.last = i;
            self.cells.get_mut(i)
        }) {
            rec.sightings = rec.sightings.saturating_add(1);
            rec.last_packet = event.packet;
            rec.last_time = event.time.or(rec.last_time);
            rec.barred |= *barred;
            return;
        }
        if self.cells.len() >= MAX_CELLS {
            return;
        }
        self.index.insert(key, self.cells.len());
        self.cells.push((
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
                signal: None,
                timing_advance: None,
                position: None,
            },
        ));
    }

    /// The cells, in order of first sighting, with what was measured on them.
    pub fn into_records(self) -> Vec<CellRecord> {
        self.into_all_records().0
    }

    /// The cells with identity, in order of first sighting, and the cells measured without
    /// one, in order of first measurement.
    ///
    /// A measurement made before the cell's SIB1 was read is known by radio alone; it joins
    /// the cell with identity that has the same EARFCN and PCI when exactly one has (two
    /// cells with one radio, a reused PCI or a clone, would make the attribution a guess).
    pub fn into_all_records(self) -> (Vec<CellRecord>, Vec<RadioCellRecord>) {
        let CellTable {
            cells,
            mut measured,
            measured_order,
            ..
        } = self;
        let mut v: Vec<CellRecord> = cells
            .into_iter()
            .map(|((plmn, tac, cell_id, earfcn, pci), mut r)| {
                let id = CellIdentity { plmn, tac, cell_id };
                if let Some(m) = measured.remove(&(Some(id), earfcn, pci)) {
                    r.signal = m.signal;
                    r.timing_advance = m.timing_advance;
                }
                r
            })
            .collect();
        let mut radio_cells = Vec::new();
        let file = v.first().map(|r| r.file.clone());
        for key in measured_order {
            let Some(m) = measured.remove(&key) else {
                continue;
            };
            let (_, earfcn, pci) = key;
            let mut same_radio = v.iter_mut().filter(|r| r.earfcn == earfcn && r.pci == pci);
            match (same_radio.next(), same_radio.next()) {
                (Some(r), None) if earfcn.is_some() || pci.is_some() => {
                    let mut mine = Measured {
                        signal: r.signal.take(),
                        timing_advance: r.timing_advance.take(),
                    };
                    mine.merge(&m);
                    r.signal = mine.signal;
                    r.timing_advance = mine.timing_advance;
                }
                _ => radio_cells.push(RadioCellRecord {
                    file: String::new(),
                    earfcn,
                    pci,
                    signal: m.signal,
                    timing_advance: m.timing_advance,
                    position: None,
                }),
            }
        }
        if let Some(f) = file {
            for r in radio_cells.iter_mut() {
                r.file.clone_from(&f);
            }
        }
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
        (v, radio_cells)
    }
}

/// RSRP and RSRQ of a cell in words: `RSRP -97.5 dBm (-104.0 to -91.2), RSRQ -11.0 dB`.
pub fn signal_words(s: &SignalSummary) -> String {
    let mut out = format!("RSRP {} dBm", s.rsrp_dbm_last);
    if s.measurements > 1 {
        out.push_str(&format!(" ({} to {})", s.rsrp_dbm_min, s.rsrp_dbm_max));
    }
    if let Some(q) = s.rsrq_db_last {
        out.push_str(&format!(", RSRQ {q} dB"));
    }
    out
}

/// A timing advance in words: `TA 5 (about 390 m)`.
pub fn timing_advance_words(t: &TimingAdvanceSeen) -> String {
    format!("TA {} (about {:.0} m)", t.value, t.distance_m)
}

/// A position in words: `52.51630, 13.37770 (fix 2 s off)`.
pub fn position_words(p: &Located) -> String {
    format!(
        "{:.5}, {:.5} (fix {} s off)",
        p.latitude,
        p.longitude,
        p.age_ms.div_ceil(1000)
    )
}

/// Gives each cell the position of the sensor at [`CellRecord::observed_at`] (the fix
/// nearest in time, within the track's age limit).
pub fn locate_cells(cells: &mut [CellRecord], radio_cells: &mut [RadioCellRecord], track: &Track) {
    for c in cells {
        c.position = c.observed_at().and_then(|t| track.locate(t));
    }
    for c in radio_cells {
        c.position = c
            .signal
            .as_ref()
            .and_then(|s| s.last_time)
            .or(c.timing_advance.as_ref().and_then(|t| t.time))
            .and_then(|t| track.locate(t));
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

    fn measured(packet: u64, second: i64, cell: CellRef, serving: bool, rsrp: f64) -> Event {
        Event::new(
            packet,
            EventKind::Measured {
                serving,
                rsrp: Sixteenths::from_db(rsrp),
                rsrq: Some(Sixteenths::from_db(-10.0)),
                rssi: None,
            },
        )
        .on(cell)
        .at(CaptureTime(1_767_268_800_000_000 + second * 1_000_000))
    }

    #[test]
    fn measurements_join_their_cell_and_radio_only_cells_stay_apart() {
        let mut table = CellTable::new();
        let radio = CellRef::radio(Some(5230), Some(1));
        // Measured before its SIB1 was read, then with identity after.
        table.observe("a", &measured(1, 0, radio, true, -90.0));
        table.observe("a", &sighting(2, 77));
        let with_id = CellRef {
            identity: Some(CellIdentity {
                plmn: Plmn::new(310, 260, 3),
                tac: 7,
                cell_id: 77,
            }),
            ..radio
        };
        table.observe("a", &measured(3, 2, with_id, true, -80.5));
        table.observe(
            "a",
            &Event::new(3, EventKind::TimingAdvance { value: 5 }).on(with_id),
        );
        // A neighbour never camped on.
        let other = CellRef::radio(Some(5230), Some(300));
        table.observe("a", &measured(4, 3, other, false, -120.0));
        let (cells, radio_cells) = table.into_all_records();
        assert_eq!(cells.len(), 1);
        let s = cells[0].signal.as_ref().unwrap();
        assert_eq!((s.measurements, s.serving_measurements), (2, 2));
        assert_eq!(s.rsrp_dbm_last, Sixteenths::from_db(-80.5));
        assert_eq!(
            (s.rsrp_dbm_min, s.rsrp_dbm_max),
            (Sixteenths::from_db(-90.0), Sixteenths::from_db(-80.5))
        );
        let ta = cells[0].timing_advance.as_ref().unwrap();
        assert_eq!((ta.value, ta.count), (5, 1));
        assert!((ta.distance_m - 5.0 * TA_STEP_METRES).abs() < 1e-9);
        assert_eq!(radio_cells.len(), 1);
        assert_eq!(
            (radio_cells[0].earfcn, radio_cells[0].pci),
            (Some(5230), Some(300))
        );
        assert_eq!(radio_cells[0].file, "a");
    }

    #[test]
    fn a_radio_shared_by_two_identities_keeps_its_measurements_apart() {
        let mut table = CellTable::new();
        table.observe("a", &sighting(1, 77));
        table.observe("a", &sighting(2, 78));
        table.observe(
            "a",
            &measured(3, 0, CellRef::radio(Some(5230), Some(1)), true, -70.0),
        );
        let (cells, radio_cells) = table.into_all_records();
        assert!(cells.iter().all(|c| c.signal.is_none()));
        assert_eq!(radio_cells.len(), 1);
    }

    #[test]
    fn positions_come_from_the_nearest_fix_within_the_limit() {
        let mut table = CellTable::new();
        table.observe("a", &sighting(1, 77));
        let with_id = CellRef {
            identity: Some(CellIdentity {
                plmn: Plmn::new(310, 260, 3),
                tac: 7,
                cell_id: 77,
            }),
            ..CellRef::radio(Some(5230), Some(1))
        };
        table.observe("a", &measured(2, 100, with_id, true, -70.0));
        let (mut cells, mut radio) = table.into_all_records();
        let fix = |s: i64, lat: f64| stingwatch_gps::Fix {
            time: CaptureTime(1_767_268_800_000_000 + s * 1_000_000),
            latitude: lat,
            longitude: 2.0,
            accuracy_m: None,
        };
        let track = Track::from_fixes([fix(90, 1.0), fix(103, 1.5)]);
        locate_cells(&mut cells, &mut radio, &track);
        let p = cells[0].position.unwrap();
        assert_eq!((p.latitude, p.age_ms), (1.5, 3000));
        // Only fixes far from the last measurement: no position.
        let far = Track::from_fixes([fix(0, 1.0), fix(200, 1.5)]);
        locate_cells(&mut cells, &mut radio, &far);
        assert!(cells[0].position.is_none());
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
