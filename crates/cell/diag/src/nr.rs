//! NR RRC OTA records (log code 0xB821): one NR RRC PDU with the radio context the modem
//! logged beside it.
//!
//! The header layout changes with the packet version. What the public parsers document
//! (MobileInsight's `NrRrcOtaPacketFmt` for versions 7-9, SCAT's `parse_nr_rrc` for 9-23),
//! little-endian throughout:
//!
//! ```text
//! version u32 | rrc release u8 | rrc version u8 | radio bearer u8 | pci u16 |
//!   [v17+: 8 bytes not understood] | nr-arfcn u32 | sfn/subframe (v7-9: u32, v12+: 3 bytes) |
//!   pdu number u8 | sib mask u32 | length u16 | [v19-20: 1 byte, v23: 4 bytes] | pdu
//! ```
//!
//! The PDU number says which ASN.1 type the PDU is: the eight NR logical channels first,
//! then the containers EN-DC (5G NSA) carries inside LTE RRC. Its table also moved between
//! versions (see [`nr_rrc_channel`]). Records of other versions, or with a PDU number a
//! version does not map, are refused as values, never guessed.

use crate::log::RecordError;
use stingwatch_model::NrRrcChannel;

/// Log code of NR RRC OTA messages.
pub const LOG_NR_RRC_OTA: u16 = 0xB821;
/// Highest NR physical cell id (TS 38.211 7.4.2.1: 1008 ids).
pub const MAX_NR_PCI: u16 = 1007;
/// Highest NR-ARFCN (TS 38.104 5.4.2.1: the global raster ends at 3279165).
pub const MAX_NR_ARFCN: u32 = 3_279_165;

/// Header layout family of an NR RRC OTA packet version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Versions 7-9: 32-bit SFN/subframe.
    V7,
    /// Versions 12 and 14: 24-bit SFN/subframe.
    V12,
    /// Version 17: eight more bytes after the PCI.
    V17,
    /// Versions 19 and 20: as 17, one more byte after the length.
    V19,
    /// Version 23: as 17, four more bytes after the length.
    V23,
}

/// Byte offsets of one layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Offsets {
    arfcn: usize,
    sfn: usize,
    pdu: usize,
    len: usize,
    end: usize,
}

const RRC_RELEASE: usize = 4;
const RRC_VERSION: usize = 5;
const BEARER: usize = 6;
const PCI: usize = 7;

impl Layout {
    fn of(version: u32) -> Option<Self> {
        Some(match version {
            7..=9 => Layout::V7,
            12 | 14 => Layout::V12,
            17 => Layout::V17,
            19 | 20 => Layout::V19,
            23 => Layout::V23,
            _ => return None,
        })
    }

    fn offsets(self) -> Offsets {
        let (arfcn, sfn_len, tail) = match self {
            Layout::V7 => (9, 4, 0),
            Layout::V12 => (9, 3, 0),
            Layout::V17 => (17, 3, 0),
            Layout::V19 => (17, 3, 1),
            Layout::V23 => (17, 3, 4),
        };
        let sfn = arfcn + 4;
        let pdu = sfn + sfn_len;
        let len = pdu + 1 + 4;
        Offsets {
            arfcn,
            sfn,
            pdu,
            len,
            end: len + 2 + tail,
        }
    }
}

/// The ASN.1 type a PDU number stands for in a packet version, `None` when the version does
/// not map it (or maps it to something not decoded here, such as a UE capability container).
pub fn nr_rrc_channel(version: u32, pdu_number: u8) -> Option<NrRrcChannel> {
    use NrRrcChannel::*;
    let logical = |n: u8| {
        Some(match n {
            1 => BcchBch,
            2 => BcchDlSch,
            3 => DlCcch,
            4 => DlDcch,
            5 => Pcch,
            6 => UlCcch,
            7 => UlCcch1,
            8 => UlDcch,
            9 => RrcReconfiguration,
            10 => RrcReconfigurationComplete,
            _ => return None,
        })
    };
    match version {
        // Versions 20 and 23 insert MCCH as 5 and shift the rest by one.
        20 | 23 => match pdu_number {
            1..=4 => logical(pdu_number),
            5 => None,
            6..=11 => logical(pdu_number - 1),
            36 => Some(RadioBearerConfig),
            _ => None,
        },
        _ => match (version, pdu_number) {
            (_, 1..=10) => logical(pdu_number),
            (7, 24) | (8, 26) | (9 | 12, 25) | (17 | 19, 29) => Some(RadioBearerConfig),
            _ => None,
        },
    }
}

/// Whether [`NrRrcOta`] reads records of this packet version.
pub fn nr_rrc_version_supported(version: u32) -> bool {
    Layout::of(version).is_some()
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([
        *b.first()?,
        *b.get(1)?,
        *b.get(2)?,
        *b.get(3)?,
    ]))
}

/// Zero-copy view of an NR RRC OTA record (body of log code 0xB821), length-checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NrRrcOta<'a> {
    buffer: &'a [u8],
    offsets: Offsets,
    channel: NrRrcChannel,
}

impl<'a> NrRrcOta<'a> {
    /// Checks the version, header length, PDU length and PDU number of `body`.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        let version = u32_at(body, 0).ok_or(RecordError::Truncated {
            what: "NR RRC OTA header",
            needed: 4,
            present: body.len(),
        })?;
        let layout = Layout::of(version).ok_or(RecordError::UnsupportedVersion(
            u8::try_from(version).unwrap_or(u8::MAX),
        ))?;
        let offsets = layout.offsets();
        if body.len() < offsets.end {
            return Err(RecordError::Truncated {
                what: "NR RRC OTA header",
                needed: offsets.end,
                present: body.len(),
            });
        }
        let declared = usize::from(u16_at(body, offsets.len).unwrap_or(0));
        let present = body.len() - offsets.end;
        if declared != present {
            return Err(RecordError::LengthMismatch { declared, present });
        }
        let pdu_number = body.get(offsets.pdu).copied().unwrap_or(0);
        let channel = nr_rrc_channel(version, pdu_number).ok_or(RecordError::UnknownPduNumber {
            version: u8::try_from(version).unwrap_or(u8::MAX),
            pdu_number,
        })?;
        Ok(NrRrcOta {
            buffer: body,
            offsets,
            channel,
        })
    }

    /// Packet version.
    pub fn version(&self) -> u32 {
        u32_at(self.buffer, 0).unwrap_or(0)
    }

    /// RRC release number byte (e.g. 15 for Rel-15).
    pub fn rrc_release(&self) -> u8 {
        self.buffer.get(RRC_RELEASE).copied().unwrap_or(0)
    }

    /// RRC version byte.
    pub fn rrc_version(&self) -> u8 {
        self.buffer.get(RRC_VERSION).copied().unwrap_or(0)
    }

    /// Radio bearer id (0xFF on broadcast channels).
    pub fn radio_bearer(&self) -> u8 {
        self.buffer.get(BEARER).copied().unwrap_or(0)
    }

    /// Physical cell id as logged.
    pub fn pci(&self) -> u16 {
        u16_at(self.buffer, PCI).unwrap_or(0)
    }

    /// NR-ARFCN as logged.
    pub fn arfcn(&self) -> u32 {
        u32_at(self.buffer, self.offsets.arfcn).unwrap_or(0)
    }

    /// NR-ARFCN, `None` when the record leaves it out: containers logged without a cell
    /// carry 0 (no band has NR-ARFCN 0) for both frequency and cell id.
    pub fn known_arfcn(&self) -> Option<u32> {
        Some(self.arfcn()).filter(|a| *a != 0 && *a <= MAX_NR_ARFCN)
    }

    /// Physical cell id, `None` when the record has no cell (see [`Self::known_arfcn`]) or
    /// the id is out of the NR range.
    pub fn known_pci(&self) -> Option<u16> {
        self.known_arfcn()?;
        Some(self.pci()).filter(|p| *p <= MAX_NR_PCI)
    }

    /// Raw SFN/subframe field (its bit layout is not documented; kept for display only).
    pub fn sfn_field(&self) -> u32 {
        let b = self.buffer;
        let at = self.offsets.sfn;
        let width = self.offsets.pdu - at;
        (0..width).fold(0u32, |acc, i| {
            acc | (u32::from(b.get(at + i).copied().unwrap_or(0)) << (8 * i))
        })
    }

    /// PDU number as logged (meaning depends on the version).
    pub fn pdu_number(&self) -> u8 {
        self.buffer.get(self.offsets.pdu).copied().unwrap_or(0)
    }

    /// The ASN.1 type of the PDU.
    pub fn channel(&self) -> NrRrcChannel {
        self.channel
    }

    /// The RRC PDU.
    pub fn pdu(&self) -> &'a [u8] {
        self.buffer.get(self.offsets.end..).unwrap_or(&[])
    }
}

/// Packet version the writer uses for NR RRC OTA records: the one with the most real samples
/// here (../shared/captures/mobileinsight-nr).
pub const NR_RRC_WRITE_VERSION: u32 = 8;

/// PDU number of a channel in [`NR_RRC_WRITE_VERSION`], or `None` when it has none.
pub fn nr_rrc_pdu_number_v8(channel: NrRrcChannel) -> Option<u8> {
    (0u8..=255).find(|&n| nr_rrc_channel(NR_RRC_WRITE_VERSION, n) == Some(channel))
}

/// Owned description of an NR RRC OTA record for writing, in [`NR_RRC_WRITE_VERSION`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NrRrcOtaRepr<'a> {
    /// RRC release number byte.
    pub rrc_release: u8,
    /// RRC version byte.
    pub rrc_version: u8,
    /// Radio bearer id.
    pub radio_bearer: u8,
    /// Physical cell id (0 with NR-ARFCN 0 when unknown).
    pub pci: u16,
    /// NR-ARFCN (0 when unknown).
    pub arfcn: u32,
    /// Channel or container.
    pub channel: NrRrcChannel,
    /// The RRC PDU.
    pub pdu: &'a [u8],
}

impl NrRrcOtaRepr<'_> {
    /// Appends the record body to `out`; `None` when the channel has no PDU number in the
    /// written version or the PDU is longer than 65535 bytes.
    pub fn emit(&self, out: &mut Vec<u8>) -> Option<()> {
        let pdu_number = nr_rrc_pdu_number_v8(self.channel)?;
        let len = u16::try_from(self.pdu.len()).ok()?;
        out.extend_from_slice(&NR_RRC_WRITE_VERSION.to_le_bytes());
        out.push(self.rrc_release);
        out.push(self.rrc_version);
        out.push(self.radio_bearer);
        out.extend_from_slice(&self.pci.to_le_bytes());
        out.extend_from_slice(&self.arfcn.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.push(pdu_number);
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(self.pdu);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    // Record bodies from ../shared/captures/mobileinsight-nr/ (Apache-2.0, MobileInsight's
    // example logs of a Xiaomi Mi 10 on China Mobile, packet version 8).
    /// A MIB on NR-ARFCN 504990, PCI 625 (band n41).
    const MIB: &str = "080000000f60ff71029eb4070000000000010000000004006b65a460";
    /// A RadioBearerConfig container logged without a cell.
    const RBC: &str = "080000000f600100000000000038\
                       00af031a000000000900140928978bc26d2200";

    #[test]
    fn reads_a_version_8_mib() {
        let body = h(MIB);
        let r = NrRrcOta::new_checked(&body).unwrap();
        assert_eq!(r.version(), 8);
        assert_eq!(r.rrc_release(), 15);
        assert_eq!(r.radio_bearer(), 0xff);
        assert_eq!(r.known_pci(), Some(625));
        assert_eq!(r.known_arfcn(), Some(504_990));
        assert_eq!(r.channel(), NrRrcChannel::BcchBch);
        assert_eq!(r.pdu(), &[0x6b, 0x65, 0xa4, 0x60]);
    }

    #[test]
    fn a_container_without_a_cell_has_no_radio_context() {
        let body = h(RBC);
        let r = NrRrcOta::new_checked(&body).unwrap();
        assert_eq!(r.channel(), NrRrcChannel::RadioBearerConfig);
        assert_eq!((r.known_arfcn(), r.known_pci()), (None, None));
        assert_eq!(r.pdu().len(), 9);
    }

    #[test]
    fn emit_then_read_back() {
        for channel in NrRrcChannel::ALL {
            let Some(_) = nr_rrc_pdu_number_v8(channel) else {
                assert_eq!(channel, NrRrcChannel::CellGroupConfig);
                continue;
            };
            let repr = NrRrcOtaRepr {
                rrc_release: 15,
                rrc_version: 0x60,
                radio_bearer: 1,
                pci: 625,
                arfcn: 504_990,
                channel,
                pdu: &[1, 2, 3],
            };
            let mut out = Vec::new();
            repr.emit(&mut out).unwrap();
            let r = NrRrcOta::new_checked(&out).unwrap();
            assert_eq!(r.channel(), channel);
            assert_eq!(r.known_pci(), Some(625));
            assert_eq!(r.known_arfcn(), Some(504_990));
            assert_eq!(r.pdu(), &[1, 2, 3]);
        }
    }

    #[test]
    fn layouts_of_later_versions() {
        // Version 23: PDU number 11 is the reconfiguration complete container.
        let mut body = 23u32.to_le_bytes().to_vec();
        body.extend([15, 0x60, 1]);
        body.extend(1u16.to_le_bytes());
        body.extend([0; 8]);
        body.extend(630_000u32.to_le_bytes());
        body.extend([0, 0, 0, 11, 0, 0, 0, 0]);
        body.extend(1u16.to_le_bytes());
        body.extend([0; 4]);
        body.push(0);
        let r = NrRrcOta::new_checked(&body).unwrap();
        assert_eq!(r.channel(), NrRrcChannel::RrcReconfigurationComplete);
        assert_eq!(r.known_arfcn(), Some(630_000));
        assert_eq!(r.pdu(), &[0]);
        assert_eq!(nr_rrc_channel(20, 5), None, "MCCH is not decoded");
        assert_eq!(nr_rrc_channel(20, 6), Some(NrRrcChannel::Pcch));
        assert_eq!(nr_rrc_channel(12, 5), Some(NrRrcChannel::Pcch));
    }

    #[test]
    fn damaged_records_are_errors() {
        let body = h(MIB);
        assert!(matches!(
            NrRrcOta::new_checked(&body[..20]),
            Err(RecordError::Truncated { .. })
        ));
        let mut longer = body.clone();
        longer.push(0);
        assert!(matches!(
            NrRrcOta::new_checked(&longer),
            Err(RecordError::LengthMismatch { .. })
        ));
        let mut v99 = body.clone();
        v99[0] = 99;
        assert_eq!(
            NrRrcOta::new_checked(&v99),
            Err(RecordError::UnsupportedVersion(99))
        );
        let mut unknown = body;
        unknown[17] = 25;
        assert_eq!(
            NrRrcOta::new_checked(&unknown),
            Err(RecordError::UnknownPduNumber {
                version: 8,
                pdu_number: 25
            })
        );
        assert!(NrRrcOta::new_checked(&[]).is_err());
    }
}
