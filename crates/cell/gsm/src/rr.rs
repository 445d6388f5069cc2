//! Radio resource management (TS 44.018): names, system information parameters a fake cell
//! tunes, paging identities, ciphering and channel release.

use serde::Serialize;
use stingwatch_nas::reader::Reader;

use crate::{
    default_ie_format, mobile_identity, optional_ies, Ciphering, GsmFields, Lai,
    MAX_PAGED_IDENTITIES,
};

/// RR message names by message type (TS 44.018 10.4).
pub(crate) fn name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x00 => "System Information Type 13",
        0x01 => "System Information Type 14",
        0x02 => "System Information Type 2bis",
        0x03 => "System Information Type 2ter",
        0x04 => "System Information Type 9",
        0x05 => "System Information Type 5bis",
        0x06 => "System Information Type 5ter",
        0x07 => "System Information Type 2quater",
        0x09 => "VGCS Uplink Grant",
        0x0a => "Partial Release",
        0x0d => "Channel Release",
        0x0e => "Uplink Release",
        0x0f => "Partial Release Complete",
        0x10 => "Channel Mode Modify",
        0x11 => "Talker Indication",
        0x12 => "RR Status",
        0x13 => "Classmark Enquiry",
        0x14 => "Frequency Redefinition",
        0x15 => "Measurement Report",
        0x16 => "Classmark Change",
        0x17 => "Channel Mode Modify Acknowledge",
        0x18 => "System Information Type 8",
        0x19 => "System Information Type 1",
        0x1a => "System Information Type 2",
        0x1b => "System Information Type 3",
        0x1c => "System Information Type 4",
        0x1d => "System Information Type 5",
        0x1e => "System Information Type 6",
        0x1f => "System Information Type 7",
        0x20 => "Notification/NCH",
        0x21 => "Paging Request Type 1",
        0x22 => "Paging Request Type 2",
        0x24 => "Paging Request Type 3",
        0x26 => "Notification/Response",
        0x27 => "Paging Response",
        0x28 => "Handover Failure",
        0x29 => "Assignment Command",
        0x2b => "Handover Command",
        0x2c => "Handover Complete",
        0x2d => "Physical Information",
        0x2e => "Assignment Complete",
        0x2f => "Assignment Failure",
        0x32 => "Ciphering Mode Complete",
        0x34 => "GPRS Suspension Request",
        0x35 => "Ciphering Mode Command",
        0x36 => "Extended Measurement Order",
        0x37 => "Extended Measurement Report",
        0x38 => "Application Information",
        0x39 => "Immediate Assignment Extended",
        0x3a => "Immediate Assignment Reject",
        0x3b => "Additional Assignment",
        0x3c => "Uplink Busy",
        0x3d => "System Information Type 16",
        0x3e => "System Information Type 17",
        0x3f => "Immediate Assignment",
        0x40 => "System Information Type 2n",
        0x41 => "System Information Type 21",
        0x42 => "System Information Type 18",
        0x43 => "System Information Type 20",
        0x48 => "DTM Assignment Failure",
        0x49 => "DTM Reject",
        0x4a => "DTM Request",
        0x4b => "Packet Assignment",
        0x4c => "DTM Assignment Command",
        0x4d => "DTM Information",
        0x4e => "Packet Notification",
        0x60 => "UTRAN Classmark Change",
        0x62 => "cdma2000 Classmark Change",
        0x63 => "Inter System to UTRAN Handover Command",
        0x64 => "Inter System to cdma2000 Handover Command",
        0x65 => "GERAN Iu Mode Classmark Change",
        0x66 => "PRR",
        0x67 => "PDCH Assignment",
        0x68 => "VGCS Additional Information",
        0x69 => "VGCS SMS Information",
        0x6a => "System Information Type 10",
        _ => return None,
    })
}

/// How a neighbour list (TS 44.018 10.5.2.22, coded as 10.5.2.1b) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NeighbourListFormat {
    /// Bit map 0: one bit per ARFCN 1..124.
    BitMap0,
    /// 1024 range.
    Range1024,
    /// 512 range.
    Range512,
    /// 256 range.
    Range256,
    /// 128 range.
    Range128,
    /// Variable bit map.
    VariableBitMap,
}

/// A neighbour cell list as a system information message broadcasts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct NeighbourList {
    /// How it is written.
    pub format: NeighbourListFormat,
    /// Whether it names no frequency at all: a cell that hides its neighbours keeps phones
    /// from leaving it.
    pub empty: bool,
    /// Frequencies named, when the format makes counting simple (bit maps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequencies: Option<u16>,
    /// The EXT-IND bit: the list continues in SI2bis/SI5bis.
    pub continued: bool,
}

impl NeighbourList {
    /// Read the 16-octet value of a neighbour cell description (10.5.2.22), or of a
    /// neighbour cell description 2 (10.5.2.22a, SI2ter and SI5ter) when `second` is set,
    /// whose bit 7 reports multiband rather than a format.
    pub fn parse(value: &[u8], second: bool) -> Option<NeighbourList> {
        let raw = *value.first()?;
        let rest = value.get(1..16)?;
        let (first, continued) = if second {
            (raw & !0x70, false)
        } else {
            (raw, raw & 0x20 != 0)
        };
        let format = if first & 0xc0 == 0x00 {
            NeighbourListFormat::BitMap0
        } else if first & 0xc8 == 0x80 {
            NeighbourListFormat::Range1024
        } else {
            match first & 0xce {
                0x88 => NeighbourListFormat::Range512,
                0x8a => NeighbourListFormat::Range256,
                0x8c => NeighbourListFormat::Range128,
                0x8e => NeighbourListFormat::VariableBitMap,
                _ => return None,
            }
        };
        let (empty, frequencies) = match format {
            NeighbourListFormat::BitMap0 => {
                let count =
                    (first & 0x0f).count_ones() + rest.iter().map(|b| b.count_ones()).sum::<u32>();
                (count == 0, u16::try_from(count).ok())
            }
            // F0 and W(1)..: all zero names nothing.
            NeighbourListFormat::Range1024 => {
                (first & 0x07 == 0 && rest.iter().all(|&b| b == 0), None)
            }
            // These formats always name ORIG-ARFCN.
            _ => (false, None),
        };
        Some(NeighbourList {
            format,
            empty,
            frequencies,
            continued,
        })
    }
}

/// Read the fields of RR message `mt` after its header.
pub(crate) fn decode(mt: u8, r: &mut Reader<'_>, f: &mut GsmFields) -> Result<(), String> {
    let short = |what: &str, e: stingwatch_nas::reader::Truncated| format!("{what}: {e}");
    match mt {
        // System Information Type 3: cell identity, LAI, control channel description, cell
        // options, cell selection parameters, RACH control, rest octets.
        0x1b => {
            f.cell_identity = Some(r.u16().map_err(|e| short("cell identity", e))?);
            f.lai = Some(Lai::parse(r)?);
            let ccd = r
                .take(3)
                .map_err(|e| short("control channel description", e))?;
            f.t3212_decihours = ccd.get(2).copied();
            r.u8().map_err(|e| short("cell options", e))?;
            let csp = r
                .take(2)
                .map_err(|e| short("cell selection parameters", e))?;
            f.rxlev_access_min = csp.get(1).map(|b| b & 0x3f);
            r.take(3).map_err(|e| short("RACH control", e))?;
            f.cell_reselect_offset = selection_offset(r.rest());
        }
        // System Information Type 4: LAI, cell selection parameters, RACH control, optional
        // CBCH IEs, rest octets (whose optional selection parameters come first).
        0x1c => {
            f.lai = Some(Lai::parse(r)?);
            let csp = r
                .take(2)
                .map_err(|e| short("cell selection parameters", e))?;
            f.rxlev_access_min = csp.get(1).map(|b| b & 0x3f);
            r.take(3).map_err(|e| short("RACH control", e))?;
            // CBCH channel description (TV 0x64, 3) and mobile allocation (TLV 0x72).
            let mut rest = *r;
            loop {
                match rest.peek_u8() {
                    Some(0x64) => {
                        let _ = rest.u8();
                        rest.take(3)
                            .map_err(|e| short("CBCH channel description", e))?;
                    }
                    Some(0x72) => {
                        let _ = rest.u8();
                        rest.lv().map_err(|e| short("CBCH mobile allocation", e))?;
                    }
                    _ => break,
                }
            }
            f.cell_reselect_offset = selection_offset(rest.rest());
        }
        // SI2, SI2bis, SI2ter, SI5, SI5bis, SI5ter: a neighbour cell description first.
        0x1a | 0x02 | 0x03 | 0x1d | 0x05 | 0x06 => {
            let value = r
                .take(16)
                .map_err(|e| short("neighbour cell description", e))?;
            f.neighbours = NeighbourList::parse(value, matches!(mt, 0x03 | 0x06));
            if f.neighbours.is_none() {
                return Err("neighbour cell description of a reserved format".to_string());
            }
        }
        // System Information Type 6: cell identity, LAI, cell options, NCC permitted.
        0x1e => {
            f.cell_identity = Some(r.u16().map_err(|e| short("cell identity", e))?);
            f.lai = Some(Lai::parse(r)?);
        }
        // Paging Request Type 1: page mode, mobile identity 1 (LV), optional identity 2.
        0x21 => {
            r.u8().map_err(|e| short("page mode", e))?;
            let first = r.lv().map_err(|e| short("mobile identity 1", e))?;
            push_paged(f, mobile_identity(first)?);
            if r.peek_u8() == Some(0x17) {
                let _ = r.u8();
                let second = r.lv().map_err(|e| short("mobile identity 2", e))?;
                push_paged(f, mobile_identity(second)?);
            }
        }
        // Paging Request Type 2: page mode, two TMSIs, optional mobile identity 3.
        0x22 => {
            r.u8().map_err(|e| short("page mode", e))?;
            for _ in 0..2 {
                let tmsi = r.take(4).map_err(|e| short("TMSI", e))?;
                push_paged(f, tmsi_identity(tmsi)?);
            }
            if r.peek_u8() == Some(0x17) {
                let _ = r.u8();
                let third = r.lv().map_err(|e| short("mobile identity 3", e))?;
                push_paged(f, mobile_identity(third)?);
            }
        }
        // Paging Request Type 3: page mode, four TMSIs.
        0x24 => {
            r.u8().map_err(|e| short("page mode", e))?;
            for _ in 0..4 {
                let tmsi = r.take(4).map_err(|e| short("TMSI", e))?;
                push_paged(f, tmsi_identity(tmsi)?);
            }
        }
        // Paging Response: ciphering key sequence number, classmark 2 (LV), mobile identity.
        0x27 => {
            r.u8().map_err(|e| short("key sequence", e))?;
            r.lv().map_err(|e| short("classmark 2", e))?;
            let id = r.lv().map_err(|e| short("mobile identity", e))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        // Ciphering Mode Command: ciphering mode setting in bits 1-4 (SC, algorithm), cipher
        // response in bits 5-8.
        0x35 => {
            let b = r.u8().map_err(|e| short("ciphering mode setting", e))?;
            f.ciphering = Some(Ciphering {
                start: b & 0x01 != 0,
                algorithm: ((b >> 1) & 0x07) + 1,
            });
        }
        // Ciphering Mode Complete: optional mobile equipment identity (IMEISV).
        0x32 if r.peek_u8() == Some(0x17) => {
            let _ = r.u8();
            let id = r.lv().map_err(|e| short("mobile equipment identity", e))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        // Channel Release: RR cause, then optional IEs.
        0x0d => {
            f.rr_cause = Some(r.u8().map_err(|e| short("RR cause", e))?);
            optional_ies(r, default_ie_format, |_, _| Ok(()))?;
        }
        _ => {}
    }
    Ok(())
}

fn push_paged(f: &mut GsmFields, id: stingwatch_nas::ie::MobileIdentity) {
    if f.paged.len() < MAX_PAGED_IDENTITIES {
        f.paged.push(id);
    }
}

fn tmsi_identity(tmsi: &[u8]) -> Result<stingwatch_nas::ie::MobileIdentity, String> {
    // A bare TMSI is the value of a TS 24.008 mobile identity of type 4.
    let mut value = [0xf4, 0, 0, 0, 0];
    for (d, s) in value.iter_mut().skip(1).zip(tmsi) {
        *d = *s;
    }
    mobile_identity(&value)
}

/// CELL_RESELECT_OFFSET from SI3 or SI4 rest octets: `{ L | H <CBQ:1> <CELL_RESELECT_OFFSET:6>
/// <TEMPORARY_OFFSET:3> <PENALTY_TIME:5> }` first (TS 44.018 10.5.2.34, 10.5.2.35), where
/// L and H are bits relative to the 0x2B fill pattern.
fn selection_offset(rest: &[u8]) -> Option<u8> {
    let mut bits = CsnBits::new(rest);
    if !bits.high()? {
        return None;
    }
    bits.take(1)?;
    u8::try_from(bits.take(6)?).ok()
}

/// Bit reader over CSN.1 rest octets, where a "H" bit is one that differs from the fill
/// pattern 0x2B at its position.
struct CsnBits<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> CsnBits<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        CsnBits { bytes, pos: 0 }
    }

    fn bit(&mut self) -> Option<u8> {
        let byte = self.bytes.get(self.pos / 8)?;
        let shift = 7 - (self.pos % 8);
        self.pos += 1;
        Some((byte >> shift) & 1)
    }

    fn high(&mut self) -> Option<bool> {
        let shift = 7 - (self.pos % 8);
        let fill = (0x2b >> shift) & 1;
        Some(self.bit()? != fill)
    }

    fn take(&mut self, n: usize) -> Option<u32> {
        (0..n).try_fold(0u32, |acc, _| Some(acc << 1 | u32::from(self.bit()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_map_0_counts_frequencies() {
        let mut v = [0u8; 16];
        assert!(NeighbourList::parse(&v, false).unwrap().empty);
        v[15] = 0b0000_0101;
        let n = NeighbourList::parse(&v, false).unwrap();
        assert_eq!(n.frequencies, Some(2));
        assert!(!n.empty);
        // BA-IND (bit 5) and EXT-IND (bit 6) are not frequencies.
        let mut v = [0u8; 16];
        v[0] = 0x30;
        let n = NeighbourList::parse(&v, false).unwrap();
        assert!(n.empty && n.continued);
    }

    #[test]
    fn range_1024_with_no_w_is_empty() {
        let mut v = [0u8; 16];
        v[0] = 0x80;
        assert!(NeighbourList::parse(&v, false).unwrap().empty);
        v[3] = 0x10;
        assert!(!NeighbourList::parse(&v, false).unwrap().empty);
        v[0] = 0x8e;
        assert_eq!(
            NeighbourList::parse(&v, false).unwrap().format,
            NeighbourListFormat::VariableBitMap
        );
        // Description 2: bits 7-6 report multiband, bit 5 is BA-IND.
        v[0] = 0xcf;
        assert_eq!(
            NeighbourList::parse(&v, true).unwrap().format,
            NeighbourListFormat::VariableBitMap
        );
        assert!(NeighbourList::parse(&v, false).is_none());
    }

    #[test]
    fn selection_offset_is_read_relative_to_fill() {
        // All fill: L, so no optional selection parameters.
        assert_eq!(selection_offset(&[0x2b, 0x2b]), None);
        // H (first bit 1 where fill has 0), CBQ 0, offset 0b111111 = 63 (126 dB).
        assert_eq!(selection_offset(&[0b1011_1111, 0b1000_0000]), Some(63));
        assert_eq!(selection_offset(&[]), None);
    }
}
