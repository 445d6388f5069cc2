//! Measurement records: what the modem heard and how far it was from the cell.
//!
//! - 0xB17F LTE ML1 Serving Cell Measurement and Evaluation (packet versions 4 and 5): the
//!   serving cell's EARFCN, PCI, RSRP, RSRQ and RSSI in idle mode.
//! - 0xB180 LTE ML1 Neighbor Measurements (versions 4 and 5): neighbour cells on one carrier.
//! - 0xB193 LTE ML1 Serving Cell Measurement Response (version 1, serving cell measurement
//!   subpacket 25 of version 19): the serving cell in connected mode.
//! - 0xB062 LTE MAC RACH Attempt (version 1, RACH attempt subpacket 6 of versions 2, 3, 49
//!   and 50): the timing advance of the random access response (Msg2).
//!
//! Levels are unsigned fields in 1/16 dB steps above a floor: RSRP from -180 dBm, RSRQ from
//! -30 dB, RSSI from -110 dBm. Bit fields are packed from the least significant bit of
//! little-endian words. Layouts are those described by the open-source DIAG decoders
//! MobileInsight (`dm_collector_c/log_packet.h`) and SCAT (`diagltelogparser.py`).

use crate::log::RecordError;
use stingwatch_model::{CellSignal, Sixteenths};

/// Log code of LTE ML1 serving cell measurement and evaluation (idle mode).
pub const LOG_LTE_ML1_SERVING_CELL_MEAS: u16 = 0xB17F;
/// Log code of LTE ML1 neighbour measurements (idle mode).
pub const LOG_LTE_ML1_NEIGHBOUR_MEAS: u16 = 0xB180;
/// Log code of LTE ML1 serving cell measurement response (connected mode).
pub const LOG_LTE_ML1_SERVING_CELL_MEAS_RESPONSE: u16 = 0xB193;
/// Log code of LTE MAC RACH attempts (random access, with the response's timing advance).
pub const LOG_LTE_MAC_RACH_ATTEMPT: u16 = 0xB062;

/// Whether a log code is one of the measurement records read here.
pub fn is_measurement_log_code(code: u16) -> bool {
    matches!(
        code,
        LOG_LTE_ML1_SERVING_CELL_MEAS
            | LOG_LTE_ML1_NEIGHBOUR_MEAS
            | LOG_LTE_ML1_SERVING_CELL_MEAS_RESPONSE
            | LOG_LTE_MAC_RACH_ATTEMPT
    )
}

/// Most neighbour cells read from one 0xB180 record. The count is a 10-bit field; a modem
/// reports a few per carrier (measurement capability is 8 cells per carrier, TS 36.133 8.1.2.2),
/// so a record claiming more is damaged or hostile.
pub const MAX_NEIGHBOUR_CELLS: usize = 32;
/// Most subpackets walked in one 0xB193 or 0xB062 record (real ones hold one).
pub const MAX_SUBPACKETS: usize = 8;
/// Highest EARFCN (TS 36.101 5.7.3: 18-bit values up to 262143); anything above is damage.
pub const MAX_EARFCN: u32 = 262_143;
/// Highest timing advance command of a random access response (TS 36.213 4.2.3: 0 to 1282).
pub const MAX_RAR_TIMING_ADVANCE: u16 = 1282;

/// Floor of the RSRP fields, dBm (value 0).
const RSRP_FLOOR_DB: i32 = -180;
/// Floor of the RSRQ fields, dB.
const RSRQ_FLOOR_DB: i32 = -30;
/// Floor of the RSSI fields, dBm.
const RSSI_FLOOR_DB: i32 = -110;
/// Sixteenths in one dB.
const STEPS_PER_DB: i32 = 16;

/// An RSRP field value (12 bits) as a level.
pub fn rsrp_level(raw: u32) -> Sixteenths {
    level(raw & 0xFFF, RSRP_FLOOR_DB)
}

/// An RSRQ field value (10 bits) as a level.
pub fn rsrq_level(raw: u32) -> Sixteenths {
    level(raw & 0x3FF, RSRQ_FLOOR_DB)
}

/// An RSSI field value (11 bits) as a level.
pub fn rssi_level(raw: u32) -> Sixteenths {
    level(raw & 0x7FF, RSSI_FLOOR_DB)
}

fn level(raw: u32, floor_db: i32) -> Sixteenths {
    // raw < 2^12: no overflow.
    Sixteenths(raw as i32 + floor_db * STEPS_PER_DB)
}

/// The field value of a level (clamped to the field's range), for writers.
fn raw_of(level: Sixteenths, floor_db: i32, mask: u32) -> u32 {
    let steps = i64::from(level.0) - i64::from(floor_db * STEPS_PER_DB);
    (steps.clamp(0, i64::from(mask)) as u32) & mask
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(b.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

fn truncated(what: &'static str, needed: usize, present: usize) -> RecordError {
    RecordError::Truncated {
        what,
        needed,
        present,
    }
}

fn check_earfcn(earfcn: u32) -> Result<u32, RecordError> {
    if earfcn > MAX_EARFCN {
        return Err(RecordError::Implausible {
            what: "EARFCN",
            value: u64::from(earfcn),
        });
    }
    Ok(earfcn)
}

/// Field offsets of a 0xB17F record per packet version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ServingLayout {
    earfcn: usize,
    earfcn_wide: bool,
    pci: usize,
    rsrp: usize,
    rsrq: usize,
    rssi: usize,
    /// Bytes up to the end of the last field read.
    end: usize,
}

impl ServingLayout {
    fn of(version: u8) -> Option<Self> {
        match version {
            // version, release, 2 reserved, EARFCN u16, PCI/priority u16, then u32 words:
            // measured RSRP, average RSRP, RSRQ, RSSI, rxlev, search.
            4 => Some(ServingLayout {
                earfcn: 4,
                earfcn_wide: false,
                pci: 6,
                rsrp: 8,
                rsrq: 16,
                rssi: 20,
                end: 32,
            }),
            // The EARFCN widened to 32 bits, and PCI/priority padded to 32 bits.
            5 => Some(ServingLayout {
                earfcn: 4,
                earfcn_wide: true,
                pci: 8,
                rsrp: 12,
                rsrq: 20,
                rssi: 24,
                end: 36,
            }),
            _ => None,
        }
    }
}

/// Zero-copy view of a 0xB17F serving cell measurement record, length-checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LteMl1ServingMeas<'a> {
    buffer: &'a [u8],
    layout: ServingLayout,
}

impl<'a> LteMl1ServingMeas<'a> {
    /// Checks the packet version and that `body` holds every field read.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        let version = *body
            .first()
            .ok_or(truncated("LTE ML1 serving cell measurement", 1, 0))?;
        let layout = ServingLayout::of(version).ok_or(RecordError::UnsupportedVersion(version))?;
        if body.len() < layout.end {
            return Err(truncated(
                "LTE ML1 serving cell measurement",
                layout.end,
                body.len(),
            ));
        }
        let view = LteMl1ServingMeas {
            buffer: body,
            layout,
        };
        check_earfcn(view.earfcn())?;
        Ok(view)
    }

    /// Packet version.
    pub fn version(&self) -> u8 {
        self.buffer.first().copied().unwrap_or(0)
    }

    /// Downlink EARFCN of the serving cell.
    pub fn earfcn(&self) -> u32 {
        if self.layout.earfcn_wide {
            u32_at(self.buffer, self.layout.earfcn).unwrap_or(0)
        } else {
            u16_at(self.buffer, self.layout.earfcn).map_or(0, u32::from)
        }
    }

    /// Physical cell id (low 9 bits of its word; the serving layer priority is above).
    pub fn pci(&self) -> u16 {
        u16_at(self.buffer, self.layout.pci).unwrap_or(0) & 0x1FF
    }

    /// Measured (not averaged) RSRP.
    pub fn rsrp(&self) -> Sixteenths {
        rsrp_level(u32_at(self.buffer, self.layout.rsrp).unwrap_or(0))
    }

    /// Measured RSRQ (low 10 bits of the RSRQ word; the average is at bit 20).
    pub fn rsrq(&self) -> Sixteenths {
        rsrq_level(u32_at(self.buffer, self.layout.rsrq).unwrap_or(0))
    }

    /// Measured RSSI (11 bits from bit 10 of the RSSI word).
    pub fn rssi(&self) -> Sixteenths {
        rssi_level(u32_at(self.buffer, self.layout.rssi).unwrap_or(0) >> 10)
    }

    /// The serving cell's signal.
    pub fn signal(&self) -> CellSignal {
        CellSignal {
            earfcn: self.earfcn(),
            pci: self.pci(),
            rsrp: self.rsrp(),
            rsrq: Some(self.rsrq()),
            rssi: Some(self.rssi()),
        }
    }
}

/// Packet version the writers emit for 0xB17F and 0xB180 (32-bit EARFCN).
pub const ML1_MEAS_WRITE_VERSION: u8 = 5;
/// RRC release byte written in 0xB17F and 0xB180 records (1: Release 9 fields present).
const ML1_MEAS_WRITE_RELEASE: u8 = 1;

/// Writes a serving cell's signal as a 0xB17F record body of version 5 (appended to `out`).
///
/// Average and measured values are written alike; the cell selection fields (rxlev, search
/// thresholds, Release 9 quality) are zero.
pub fn emit_serving_meas(signal: &CellSignal, out: &mut Vec<u8>) {
    out.extend_from_slice(&[ML1_MEAS_WRITE_VERSION, ML1_MEAS_WRITE_RELEASE, 0, 0]);
    out.extend_from_slice(&signal.earfcn.to_le_bytes());
    out.extend_from_slice(&u32::from(signal.pci & 0x1FF).to_le_bytes());
    let rsrp = raw_of(signal.rsrp, RSRP_FLOOR_DB, 0xFFF);
    // Measured RSRP in bits 0-11, and again at bit 12 as the next field's layout has it.
    let rsrp_word = rsrp | (rsrp << 12);
    out.extend_from_slice(&rsrp_word.to_le_bytes());
    out.extend_from_slice(&rsrp_word.to_le_bytes());
    let rsrq = signal.rsrq.map_or(0, |q| raw_of(q, RSRQ_FLOOR_DB, 0x3FF));
    out.extend_from_slice(&(rsrq | (rsrq << 20)).to_le_bytes());
    let rssi = signal.rssi.map_or(0, |r| raw_of(r, RSSI_FLOOR_DB, 0x7FF));
    out.extend_from_slice(&(rssi << 10).to_le_bytes());
    // rxlev, search thresholds, Release 9 quality.
    out.extend_from_slice(&[0; 12]);
}

/// Field offsets of a 0xB180 record per packet version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NeighbourLayout {
    earfcn_wide: bool,
    count: usize,
    count_wide: bool,
    cells: usize,
}

/// Bytes of one neighbour cell in 0xB180 versions 4 and 5 (with the Release 9 word).
const NEIGHBOUR_CELL_LEN: usize = 32;

impl NeighbourLayout {
    fn of(version: u8) -> Option<Self> {
        match version {
            // version, release, 2 reserved, EARFCN u16, rxlevmin/count u16, cells.
            4 => Some(NeighbourLayout {
                earfcn_wide: false,
                count: 6,
                count_wide: false,
                cells: 8,
            }),
            5 => Some(NeighbourLayout {
                earfcn_wide: true,
                count: 8,
                count_wide: true,
                cells: 12,
            }),
            _ => None,
        }
    }
}

/// Zero-copy view of a 0xB180 neighbour measurement record, length-checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LteMl1NeighbourMeas<'a> {
    buffer: &'a [u8],
    layout: NeighbourLayout,
    count: usize,
}

impl<'a> LteMl1NeighbourMeas<'a> {
    /// Checks the version, the cell count against [`MAX_NEIGHBOUR_CELLS`], and that `body`
    /// holds every cell it announces.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        const WHAT: &str = "LTE ML1 neighbour measurement";
        let version = *body.first().ok_or(truncated(WHAT, 1, 0))?;
        let layout =
            NeighbourLayout::of(version).ok_or(RecordError::UnsupportedVersion(version))?;
        if body.len() < layout.cells {
            return Err(truncated(WHAT, layout.cells, body.len()));
        }
        let header = if layout.count_wide {
            u32_at(body, layout.count).unwrap_or(0)
        } else {
            u16_at(body, layout.count).map_or(0, u32::from)
        };
        // Low 6 bits: q-RxLevMin; the count is the 10 bits above.
        let count = ((header >> 6) & 0x3FF) as usize;
        if count > MAX_NEIGHBOUR_CELLS {
            return Err(RecordError::TooMany {
                what: "neighbour cells",
                count,
                limit: MAX_NEIGHBOUR_CELLS,
            });
        }
        let needed = layout.cells + count * NEIGHBOUR_CELL_LEN;
        if body.len() < needed {
            return Err(truncated(WHAT, needed, body.len()));
        }
        let view = LteMl1NeighbourMeas {
            buffer: body,
            layout,
            count,
        };
        check_earfcn(view.earfcn())?;
        Ok(view)
    }

    /// Downlink EARFCN the cells were measured on.
    pub fn earfcn(&self) -> u32 {
        if self.layout.earfcn_wide {
            u32_at(self.buffer, 4).unwrap_or(0)
        } else {
            u16_at(self.buffer, 4).map_or(0, u32::from)
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the record holds no cell.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The cells' signals, in record order.
    pub fn cells(&self) -> impl Iterator<Item = CellSignal> + '_ {
        let earfcn = self.earfcn();
        (0..self.count).map(move |i| {
            let at = self.layout.cells + i * NEIGHBOUR_CELL_LEN;
            // Word 0: PCI (9 bits), measured RSSI (11 bits), measured RSRP (12 bits);
            // word 2: measured RSRQ at bit 12.
            let w0 = u32_at(self.buffer, at).unwrap_or(0);
            let w2 = u32_at(self.buffer, at + 8).unwrap_or(0);
            CellSignal {
                earfcn,
                pci: (w0 & 0x1FF) as u16,
                rsrp: rsrp_level(w0 >> 20),
                rsrq: Some(rsrq_level(w2 >> 12)),
                rssi: Some(rssi_level(w0 >> 9)),
            }
        })
    }
}

/// Writes neighbour cells of one carrier as a 0xB180 record body of version 5 (appended to
/// `out`); `None` when there are more than [`MAX_NEIGHBOUR_CELLS`].
pub fn emit_neighbour_meas(earfcn: u32, cells: &[CellSignal], out: &mut Vec<u8>) -> Option<()> {
    if cells.len() > MAX_NEIGHBOUR_CELLS {
        return None;
    }
    out.extend_from_slice(&[ML1_MEAS_WRITE_VERSION, ML1_MEAS_WRITE_RELEASE, 0, 0]);
    out.extend_from_slice(&earfcn.to_le_bytes());
    out.extend_from_slice(&((cells.len() as u32) << 6).to_le_bytes());
    for c in cells {
        let rsrp = c.rsrp;
        let rsrp = raw_of(rsrp, RSRP_FLOOR_DB, 0xFFF);
        let rssi = c.rssi.map_or(0, |r| raw_of(r, RSSI_FLOOR_DB, 0x7FF));
        let rsrq = c.rsrq.map_or(0, |q| raw_of(q, RSRQ_FLOOR_DB, 0x3FF));
        let w0 = u32::from(c.pci & 0x1FF) | (rssi << 9) | (rsrp << 20);
        out.extend_from_slice(&w0.to_le_bytes());
        // Average RSRP at bit 12, measured RSRQ at bit 12, average RSRQ in bits 0-9.
        out.extend_from_slice(&(rsrp << 12).to_le_bytes());
        out.extend_from_slice(&(rsrq << 12).to_le_bytes());
        out.extend_from_slice(&rsrq.to_le_bytes());
        // Frequency offset, antenna timing offsets, Release 9 quality.
        out.extend_from_slice(&[0; 16]);
    }
    Some(())
}

/// Subpacket id of the serving cell measurement result in 0xB193.
const SUBPACKET_SERVING_CELL_MEAS: u8 = 25;
/// Subpacket id of a RACH attempt in 0xB062.
const SUBPACKET_RACH_ATTEMPT: u8 = 6;
/// Bytes of a subpacket header: id, version, size (the size counts the header).
const SUBPACKET_HEADER_LEN: usize = 4;
/// Bytes of the record header of subpacket records: version, count, 2 reserved.
const SUBPACKET_RECORD_HEADER_LEN: usize = 4;

/// One subpacket of a version 1 subpacket record: (id, version, payload).
type Subpacket<'a> = (u8, u8, &'a [u8]);

/// The subpackets of a version 1 subpacket record, at most [`MAX_SUBPACKETS`].
fn subpackets<'a>(body: &'a [u8], what: &'static str) -> Result<Vec<Subpacket<'a>>, RecordError> {
    let version = *body.first().ok_or(truncated(what, 1, 0))?;
    if version != 1 {
        return Err(RecordError::UnsupportedVersion(version));
    }
    let count = usize::from(*body.get(1).ok_or(truncated(what, 2, body.len()))?);
    if count > MAX_SUBPACKETS {
        return Err(RecordError::TooMany {
            what: "subpackets",
            count,
            limit: MAX_SUBPACKETS,
        });
    }
    let mut out = Vec::with_capacity(count);
    let mut at = SUBPACKET_RECORD_HEADER_LEN;
    for _ in 0..count {
        let header = body.get(at..at + SUBPACKET_HEADER_LEN).ok_or(truncated(
            what,
            at + SUBPACKET_HEADER_LEN,
            body.len(),
        ))?;
        let (id, sub_version) = (
            header.first().copied().unwrap_or(0),
            header.get(1).copied().unwrap_or(0),
        );
        let size = usize::from(u16_at(header, 2).unwrap_or(0));
        if size < SUBPACKET_HEADER_LEN {
            return Err(RecordError::LengthMismatch {
                declared: size,
                present: SUBPACKET_HEADER_LEN,
            });
        }
        let payload = body
            .get(at + SUBPACKET_HEADER_LEN..at + size)
            .ok_or(truncated(what, at + size, body.len()))?;
        out.push((id, sub_version, payload));
        at += size;
    }
    Ok(out)
}

/// Bytes of the serving cell measurement subpacket of version 19 that are read (EARFCN,
/// count, the first cell up to its RSSI word).
const SERVING_RESPONSE_V19_LEN: usize = 52;

/// The serving cell measurement of a 0xB193 record (version 1, subpacket 25 version 19).
///
/// Only the first cell of a subpacket is read: real records (and the layout descriptions)
/// hold one; with carrier aggregation it is the primary cell when it says it is serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LteMl1ServingMeasResponse<'a> {
    subpacket: &'a [u8],
}

impl<'a> LteMl1ServingMeasResponse<'a> {
    /// The serving cell measurement subpackets of a record; an error when none is readable.
    pub fn parse(body: &'a [u8]) -> Result<Vec<Self>, RecordError> {
        let mut out = Vec::new();
        let mut unsupported = None;
        for (id, version, payload) in subpackets(body, "LTE ML1 serving cell measurement response")?
        {
            if id != SUBPACKET_SERVING_CELL_MEAS {
                continue;
            }
            if version != 19 {
                unsupported = Some(version);
                continue;
            }
            if payload.len() < SERVING_RESPONSE_V19_LEN {
                return Err(truncated(
                    "serving cell measurement subpacket",
                    SERVING_RESPONSE_V19_LEN,
                    payload.len(),
                ));
            }
            let view = LteMl1ServingMeasResponse { subpacket: payload };
            check_earfcn(view.earfcn())?;
            out.push(view);
        }
        match (out.is_empty(), unsupported) {
            (true, Some(v)) => Err(RecordError::UnsupportedSubpacket { id: 25, version: v }),
            _ => Ok(out),
        }
    }

    /// Downlink EARFCN.
    pub fn earfcn(&self) -> u32 {
        u32_at(self.subpacket, 0).unwrap_or(0)
    }

    /// Physical cell id of the first cell.
    pub fn pci(&self) -> u16 {
        u16_at(self.subpacket, 8).unwrap_or(0) & 0x1FF
    }

    /// Serving cell index of the first cell: 0 for the primary cell, 1 to 7 for secondary
    /// cells of carrier aggregation.
    pub fn serving_cell_index(&self) -> u8 {
        ((u16_at(self.subpacket, 8).unwrap_or(0) >> 9) & 0x7) as u8
    }

    /// Whether the first cell is flagged as the serving cell.
    pub fn is_serving(&self) -> bool {
        u16_at(self.subpacket, 8).unwrap_or(0) & (1 << 12) != 0
    }

    /// Combined RSRP (12 bits from bit 12 of its word).
    pub fn rsrp(&self) -> Sixteenths {
        rsrp_level(u32_at(self.subpacket, 32).unwrap_or(0) >> 12)
    }

    /// Combined RSRQ (10 bits from bit 20 of the second RSRQ word).
    pub fn rsrq(&self) -> Sixteenths {
        rsrq_level(u32_at(self.subpacket, 40).unwrap_or(0) >> 20)
    }

    /// Combined RSSI (low 11 bits of its word).
    pub fn rssi(&self) -> Sixteenths {
        rssi_level(u32_at(self.subpacket, 48).unwrap_or(0))
    }

    /// The first cell's signal.
    pub fn signal(&self) -> CellSignal {
        CellSignal {
            earfcn: self.earfcn(),
            pci: self.pci(),
            rsrp: self.rsrp(),
            rsrq: Some(self.rsrq()),
            rssi: Some(self.rssi()),
        }
    }
}

/// Offsets in a RACH attempt subpacket of a version: (message mask, Msg2).
fn rach_offsets(version: u8) -> Option<(usize, usize)> {
    match version {
        // retx, result, contention, message mask; Msg1 (4 bytes).
        2 => Some((3, 8)),
        // sub id and cell id first.
        3 | 49 => Some((5, 10)),
        // Msg1 grew to 7 bytes.
        50 => Some((5, 13)),
        _ => None,
    }
}

/// Bytes of Msg2 in a RACH attempt: backoff u16, result u8, TC-RNTI u16, timing advance u16.
const RACH_MSG2_LEN: usize = 7;
/// Bit of the message mask saying Msg2 (the random access response) was received.
const RACH_MSG2_PRESENT: u8 = 0x02;

/// One RACH attempt of a 0xB062 record whose random access response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LteMacRachAttempt<'a> {
    subpacket: &'a [u8],
    msg2: usize,
}

impl<'a> LteMacRachAttempt<'a> {
    /// The RACH attempts of a record that carry a random access response (attempts that
    /// failed before Msg2 carry no timing advance and are left out).
    pub fn parse(body: &'a [u8]) -> Result<Vec<Self>, RecordError> {
        let mut out = Vec::new();
        for (id, version, payload) in subpackets(body, "LTE MAC RACH attempt")? {
            if id != SUBPACKET_RACH_ATTEMPT {
                continue;
            }
            let (mask_at, msg2) =
                rach_offsets(version).ok_or(RecordError::UnsupportedSubpacket { id, version })?;
            let mask = *payload.get(mask_at).ok_or(truncated(
                "RACH attempt subpacket",
                mask_at + 1,
                payload.len(),
            ))?;
            if mask & RACH_MSG2_PRESENT == 0 {
                continue;
            }
            if payload.len() < msg2 + RACH_MSG2_LEN {
                return Err(truncated(
                    "RACH attempt subpacket",
                    msg2 + RACH_MSG2_LEN,
                    payload.len(),
                ));
            }
            let view = LteMacRachAttempt {
                subpacket: payload,
                msg2,
            };
            if view.timing_advance() > MAX_RAR_TIMING_ADVANCE {
                return Err(RecordError::Implausible {
                    what: "timing advance",
                    value: u64::from(view.timing_advance()),
                });
            }
            out.push(view);
        }
        Ok(out)
    }

    /// Temporary C-RNTI the response assigned.
    pub fn tc_rnti(&self) -> u16 {
        u16_at(self.subpacket, self.msg2 + 3).unwrap_or(0)
    }

    /// Timing advance command of the random access response (units of 16 Ts).
    pub fn timing_advance(&self) -> u16 {
        u16_at(self.subpacket, self.msg2 + 5).unwrap_or(0)
    }
}

/// Writes one successful RACH attempt (Msg1, Msg2, Msg3) with the response's timing advance
/// as a 0xB062 record body (version 1, one subpacket of version 3), appended to `out`.
pub fn emit_rach_attempt(timing_advance: u16, tc_rnti: u16, out: &mut Vec<u8>) {
    const SUB_VERSION: u8 = 3;
    // sub id, cell id, retx counter 1, result success, contention based, all three messages.
    let head = [0u8, 0, 1, 0, 1, 0x07];
    // preamble index, mask 0xFF (invalid: not dedicated), power offset -104 dB... as s16.
    let msg1 = [0x18, 0xFF, 0x98, 0xFF];
    let mut msg2 = vec![0, 0, 1];
    msg2.extend_from_slice(&tc_rnti.to_le_bytes());
    msg2.extend_from_slice(&timing_advance.to_le_bytes());
    // Msg3: grant raw u32, grant size u16, HARQ id, 10 bytes of the MAC PDU (a CCCH SDU
    // header and zero padding: the RRC message itself is logged as 0xB0C0).
    let mut msg3 = vec![0u8; 4];
    msg3.extend_from_slice(&7u16.to_le_bytes());
    msg3.push(0);
    msg3.extend_from_slice(&[0x20, 0x06, 0, 0, 0, 0, 0, 0, 0, 0]);
    let size = SUBPACKET_HEADER_LEN + head.len() + msg1.len() + msg2.len() + msg3.len();
    out.extend_from_slice(&[1, 1, 0, 0]);
    out.extend_from_slice(&[SUBPACKET_RACH_ATTEMPT, SUB_VERSION]);
    out.extend_from_slice(&(size as u16).to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&msg1);
    out.extend_from_slice(&msg2);
    out.extend_from_slice(&msg3);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Records from SCAT's test suite (tests/test_diagltelogparser.py, GPL-2.0-or-later
    // project; the bytes are modem output, used here as test vectors), with the values SCAT
    // prints for them.
    const SCELL_V4: &str =
        "040100009C18D60AECC44E00E2244E00FFFCE30FFED80A0047AD56021D310100A2624100";
    const SCELL_V5: &str =
        "05010000160d0000d40e00004bb444005444450039e514133149070048adfe019f310100a23f0000";
    const SCELL_V5_BAD_EARFCN: &str = "05010000f424000a4d43434d4e434d41524b45527c307c3236327c317c34323330333233347c7c4d43434d4e434d41524b45520a0a434f504d41524b45527c434f504552524f5232363230317c434f504d41524b45520a006306000057755500577555001d75d4111d290b0048ad7e02dd370100a27f4100";
    const NCELL_V4: &str =
        "040100009C1847008348E44DDEA44C00CAB4CC32B6D8420300000000FF773301FF77330122020100";
    const NCELL_V5: &str =
        "05010000160d0000480000006cea413bb4433b00b4f3cc33cf3c130200000000ffefc00fffefc00f45081600";
    const RACH_V2: &str =
        "0101a06906022400010001071BFF98FF000001231A0400181C010007000600465C80BD0648000000";
    const RACH_V3: &str =
        "0101a0690603280001000100010718ffa4ff000001c6610b00b4a2000012000120061f423f8d95075800";
    const RACH_V49: &str = "01010000063134000100010001070aff98ff0000011c48070018e2000007000000523b7dfd69b6000000f5540000ff0001000000d6040000";
    const RACH_V50: &str = "010100000632380001000100010713ffa0ffeb0000000001ad5a0500000146b412000420061f425dc9be41b400665300001800010000001a05000000";

    fn db(x: f64) -> Sixteenths {
        Sixteenths::from_db(x)
    }

    #[test]
    fn serving_meas_matches_scat() {
        let v4 = hex(SCELL_V4);
        let m = LteMl1ServingMeas::new_checked(&v4).unwrap();
        assert_eq!((m.version(), m.earfcn(), m.pci()), (4, 6300, 214));
        assert_eq!(m.rsrp(), db(-101.25));
        assert_eq!(m.rssi(), db(-66.625));
        assert_eq!(m.rsrq(), db(-14.0625));
        let v5 = hex(SCELL_V5);
        let m = LteMl1ServingMeas::new_checked(&v5).unwrap();
        assert_eq!((m.version(), m.earfcn(), m.pci()), (5, 3350, 212));
        assert_eq!(m.rsrp(), db(-111.3125));
        assert_eq!(m.rssi(), db(-80.875));
        assert_eq!(m.rsrq(), db(-10.4375));
        // A damaged record SCAT prints with an EARFCN of 167781620.
        assert_eq!(
            LteMl1ServingMeas::new_checked(&hex(SCELL_V5_BAD_EARFCN)),
            Err(RecordError::Implausible {
                what: "EARFCN",
                value: 167_781_620
            })
        );
    }

    #[test]
    fn neighbour_meas_matches_scat() {
        let v4 = hex(NCELL_V4);
        let n = LteMl1NeighbourMeas::new_checked(&v4).unwrap();
        let cells: Vec<CellSignal> = n.cells().collect();
        assert_eq!(
            cells,
            vec![CellSignal {
                earfcn: 6300,
                pci: 131,
                rsrp: db(-102.125),
                rsrq: Some(db(-17.3125)),
                rssi: Some(db(-75.75)),
            }]
        );
        let v5 = hex(NCELL_V5);
        let n = LteMl1NeighbourMeas::new_checked(&v5).unwrap();
        let cells: Vec<CellSignal> = n.cells().collect();
        assert_eq!(cells.len(), 1);
        assert_eq!((cells[0].earfcn, cells[0].pci), (3350, 108));
        assert_eq!(cells[0].rsrp, db(-120.75));
        assert_eq!(cells[0].rssi, Some(db(-94.6875)));
        assert_eq!(cells[0].rsrq, Some(db(-17.0625)));
    }

    #[test]
    fn rach_timing_advance_matches_the_response_scat_builds() {
        // SCAT turns these into MAC random access responses whose timing advance is 4, 11,
        // 7 and 5.
        // The version 3 sample is two bytes shorter than its subpacket size says: read as
        // it is, that is damage; completed, its response is read.
        assert_eq!(
            LteMacRachAttempt::parse(&hex(RACH_V3)),
            Err(RecordError::Truncated {
                what: "LTE MAC RACH attempt",
                needed: 44,
                present: 42
            })
        );
        let v3_completed = format!("{RACH_V3}0000");
        for (record, ta) in [
            (RACH_V2, 4),
            (v3_completed.as_str(), 11),
            (RACH_V49, 7),
            (RACH_V50, 5),
        ] {
            let body = hex(record);
            let attempts = LteMacRachAttempt::parse(&body).unwrap();
            assert_eq!(attempts.len(), 1, "{record}");
            assert_eq!(attempts[0].timing_advance(), ta, "{record}");
        }
    }

    #[test]
    fn writers_round_trip() {
        let s = CellSignal {
            earfcn: 66_486,
            pci: 403,
            rsrp: db(-97.5),
            rsrq: Some(db(-11.0)),
            rssi: Some(db(-70.25)),
        };
        let mut body = Vec::new();
        emit_serving_meas(&s, &mut body);
        assert_eq!(LteMl1ServingMeas::new_checked(&body).unwrap().signal(), s);
        let cells = [
            s,
            CellSignal {
                pci: 12,
                rsrp: db(-130.0),
                ..s
            },
        ];
        let mut body = Vec::new();
        emit_neighbour_meas(s.earfcn, &cells, &mut body).unwrap();
        let n = LteMl1NeighbourMeas::new_checked(&body).unwrap();
        assert_eq!(n.cells().collect::<Vec<_>>(), cells.to_vec());
        let mut body = Vec::new();
        emit_rach_attempt(1282, 0x4601, &mut body);
        let a = LteMacRachAttempt::parse(&body).unwrap();
        assert_eq!((a[0].timing_advance(), a[0].tc_rnti()), (1282, 0x4601));
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        for record in [SCELL_V4, SCELL_V5, NCELL_V4, NCELL_V5, RACH_V2, RACH_V50] {
            let body = hex(record);
            for cut in 0..body.len() {
                let short = &body[..cut];
                let _ = LteMl1ServingMeas::new_checked(short);
                let _ = LteMl1NeighbourMeas::new_checked(short);
                let _ = LteMl1ServingMeasResponse::parse(short);
                let _ = LteMacRachAttempt::parse(short);
            }
        }
        // A neighbour count over the limit.
        let mut body = hex(NCELL_V5);
        body[8..12].copy_from_slice(&(((MAX_NEIGHBOUR_CELLS as u32) + 1) << 6).to_le_bytes());
        assert!(matches!(
            LteMl1NeighbourMeas::new_checked(&body),
            Err(RecordError::TooMany { .. })
        ));
        // A timing advance over the range of the response's field.
        let mut body = Vec::new();
        emit_rach_attempt(MAX_RAR_TIMING_ADVANCE + 1, 1, &mut body);
        assert!(matches!(
            LteMacRachAttempt::parse(&body),
            Err(RecordError::Implausible { .. })
        ));
    }
}
