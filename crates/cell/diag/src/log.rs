//! DIAG log packets (command 0x10) and the LTE records read from them.
//!
//! A log packet is
//!
//! ```text
//! cmd 0x10 | more u8 | len u16 | len2 u16 | log code u16 | timestamp u64 | body
//! ```
//!
//! little-endian, where `len == len2 == 12 + body length`. The timestamp's upper 48 bits count
//! 1.25 ms ticks since 1980-01-06 00:00:00 UTC; the lower 16 bits count 1/32 chips
//! (1.2288 Mchip/s) inside the tick.

use stingwatch_model::{CaptureTime, Direction, LteRrcChannel, UmtsRrcChannel};

/// DIAG command code of a log packet.
pub const DIAG_LOG_F: u8 = 0x10;
/// DIAG command code of the multi-radio (multi-SIM) wrapper around another command.
pub const DIAG_MULTI_RADIO_CMD_F: u8 = 0x98;
/// Length of the multi-radio wrapper header before the wrapped command.
pub const MULTI_RADIO_HEADER_LEN: usize = 8;

/// Log code of LTE RRC OTA messages.
pub const LOG_LTE_RRC_OTA: u16 = 0xB0C0;
/// Log code of security-protected ESM NAS messages received.
pub const LOG_LTE_NAS_ESM_SEC_IN: u16 = 0xB0E0;
/// Log code of security-protected ESM NAS messages sent.
pub const LOG_LTE_NAS_ESM_SEC_OUT: u16 = 0xB0E1;
/// Log code of plain ESM NAS messages received.
pub const LOG_LTE_NAS_ESM_PLAIN_IN: u16 = 0xB0E2;
/// Log code of plain ESM NAS messages sent.
pub const LOG_LTE_NAS_ESM_PLAIN_OUT: u16 = 0xB0E3;
/// Log code of security-protected EMM NAS messages received.
pub const LOG_LTE_NAS_EMM_SEC_IN: u16 = 0xB0EA;
/// Log code of security-protected EMM NAS messages sent.
pub const LOG_LTE_NAS_EMM_SEC_OUT: u16 = 0xB0EB;
/// Log code of plain EMM NAS messages received.
pub const LOG_LTE_NAS_EMM_PLAIN_IN: u16 = 0xB0EC;
/// Log code of plain EMM NAS messages sent.
pub const LOG_LTE_NAS_EMM_PLAIN_OUT: u16 = 0xB0ED;

/// Log code of GSM RR signalling messages (layer 3 of broadcast, common and dedicated channels).
pub const LOG_GSM_RR_SIGNALING: u16 = 0x512F;
/// Dual-SIM variant of [`LOG_GSM_RR_SIGNALING`], whose body starts with a subscription id.
pub const LOG_GSM_DSDS_RR_SIGNALING: u16 = 0x5B2F;
/// Log code of UMTS NAS OTA messages: MM, GMM, CC, SM and SMS of both GSM and UMTS.
pub const LOG_UMTS_NAS_OTA: u16 = 0x713A;
/// Log code of WCDMA RRC OTA signalling messages (`LOG_WCDMA_SIGNALING_MSG_C`).
pub const LOG_WCDMA_RRC_OTA: u16 = 0x412F;

/// Log code of plain 5GSM NAS messages received (NR5G NAS SM5G Plain OTA Incoming).
pub const LOG_NR_NAS_SM_PLAIN_IN: u16 = 0xB800;
/// Log code of plain 5GSM NAS messages sent.
pub const LOG_NR_NAS_SM_PLAIN_OUT: u16 = 0xB801;
/// Log code of security-protected 5GS NAS messages received, as they were on the air.
pub const LOG_NR_NAS_SEC_IN: u16 = 0xB808;
/// Log code of security-protected 5GS NAS messages sent, as they were on the air.
pub const LOG_NR_NAS_SEC_OUT: u16 = 0xB809;
/// Log code of plain 5GMM NAS messages received (deciphered when they were ciphered).
pub const LOG_NR_NAS_MM_PLAIN_IN: u16 = 0xB80A;
/// Log code of plain 5GMM NAS messages sent.
pub const LOG_NR_NAS_MM_PLAIN_OUT: u16 = 0xB80B;
/// Log code of plain 5GMM messages taken out of a NAS message container (e.g. the full
/// Registration Request a Security Mode Complete carries); the record says no direction.
pub const LOG_NR_NAS_MM_PLAIN_CONTAINER: u16 = 0xB814;

/// Seconds from the Unix epoch to the DIAG epoch, 1980-01-06 00:00:00 UTC.
pub const DIAG_EPOCH_UNIX_SECS: i64 = 315_964_800;
/// Highest LTE physical cell id (TS 36.211 6.11: 504 ids).
pub const MAX_LTE_PCI: u16 = 503;
/// Physical cell id written when the message's source did not carry one (GSMTAP has none):
/// out of the LTE range, so reading it back gives "unknown", never a cell id.
pub const PCI_UNKNOWN: u16 = 0xFFFF;
/// EARFCN written when the source did not carry one; `0xFFFF` in 16-bit packet versions
/// (no band uses it) reads back as unknown too.
pub const EARFCN_UNKNOWN: u32 = u32::MAX;
/// Microseconds in one timestamp tick (the upper 48 bits).
const TICK_MICROS: i64 = 1250;
/// Sub-tick units (1/32 chip at 1.2288 Mchip/s) in one tick.
const SUBTICKS_PER_TICK: i64 = 49_152;

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// Fewer bytes than the layout needs.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        present: usize,
    },
    /// The two length fields of the log header disagree with each other or with the frame.
    LengthMismatch {
        /// Length the header gives.
        declared: usize,
        /// Length present.
        present: usize,
    },
    /// A packet version whose layout is not known.
    UnsupportedVersion(u8),
    /// One segment (1-7) of a PDU split over several records, which is not reassembled.
    Segmented(u8),
    /// A count over the named limit of what one record may hold.
    TooMany {
        /// What was counted.
        what: &'static str,
        /// Count the record gives.
        count: usize,
        /// Most read.
        limit: usize,
    },
    /// A field outside the range the standard allows.
    Implausible {
        /// Which field.
        what: &'static str,
        /// Its value.
        value: u64,
    },
    /// A subpacket version whose layout is not known.
    UnsupportedSubpacket {
        /// Subpacket id.
        id: u8,
        /// Subpacket version.
        version: u8,
    },
    /// A WCDMA RRC channel type that no known layout uses.
    UnknownChannelType(u8),
    /// A SIB class octet of a WCDMA RRC record that names no known block.
    UnknownSibClass(u8),
    /// A PDU number that the packet version does not map to a channel.
    UnknownPduNumber {
        /// Packet version.
        version: u8,
        /// PDU number.
        pdu_number: u8,
    },
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::Truncated {
                what,
                needed,
                present,
            } => write!(
                f,
                "truncated {what}: needs {needed} bytes, {present} present"
            ),
            RecordError::LengthMismatch { declared, present } => write!(
                f,
                "length field says {declared} bytes but {present} are present"
            ),
            RecordError::UnsupportedVersion(v) => write!(f, "unsupported packet version {v}"),
            RecordError::UnknownChannelType(t) => write!(f, "unknown channel type {t:#04x}"),
            RecordError::UnknownSibClass(c) => write!(f, "unknown SIB class {c}"),
            RecordError::Segmented(n) => {
                write!(
                    f,
                    "segment {n} of a segmented PDU (reassembly not supported)"
                )
            }
            RecordError::TooMany { what, count, limit } => {
                write!(f, "{count} {what}, more than the {limit} read")
            }
            RecordError::Implausible { what, value } => {
                write!(f, "{what} {value} is out of range")
            }
            RecordError::UnsupportedSubpacket { id, version } => {
                write!(f, "subpacket {id}: unsupported version {version}")
            }
            RecordError::UnknownPduNumber {
                version,
                pdu_number,
            } => write!(
                f,
                "packet version {version}: unknown PDU number {pdu_number}"
            ),
        }
    }
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let b = data.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// A DIAG timestamp converted to Unix microseconds.
pub fn diag_time_to_capture_time(raw: u64) -> CaptureTime {
    let ticks = (raw >> 16) as i64; // < 2^48, no overflow below
    let sub = (raw & 0xFFFF) as i64;
    let micros = ticks * TICK_MICROS + sub * TICK_MICROS / SUBTICKS_PER_TICK;
    CaptureTime(DIAG_EPOCH_UNIX_SECS * 1_000_000 + micros)
}

/// A capture time as a DIAG timestamp; times before the DIAG epoch become 0.
///
/// Rounds the sub-tick part up so that [`diag_time_to_capture_time`] gives the same
/// microsecond back.
pub fn capture_time_to_diag_time(time: CaptureTime) -> u64 {
    let since = time
        .unix_micros()
        .saturating_sub(DIAG_EPOCH_UNIX_SECS * 1_000_000);
    if since <= 0 {
        return 0;
    }
    let ticks = since / TICK_MICROS;
    let rem = since % TICK_MICROS;
    let sub = (rem * SUBTICKS_PER_TICK + TICK_MICROS - 1) / TICK_MICROS;
    ((ticks as u64) << 16) | (sub as u64 & 0xFFFF)
}

mod field {
    use std::ops::Range;
    pub const CMD: usize = 0;
    pub const LEN: Range<usize> = 2..4;
    pub const LEN2: Range<usize> = 4..6;
    pub const LOG_CODE: Range<usize> = 6..8;
    pub const TIMESTAMP: Range<usize> = 8..16;
    pub const BODY: usize = 16;
    /// Bytes of the log item counted by both length fields before the body.
    pub const ITEM_HEADER: usize = 12;
    /// Bytes before the log item: command, more, len.
    pub const OUTER: usize = 4;
}

/// Zero-copy view of a DIAG log packet (command 0x10), length-checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagLogPacket<'a> {
    buffer: &'a [u8],
}

impl<'a> DiagLogPacket<'a> {
    /// Checks that `buffer` is a log packet whose length fields match its size.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self, RecordError> {
        if buffer.len() < field::BODY {
            return Err(RecordError::Truncated {
                what: "DIAG log header",
                needed: field::BODY,
                present: buffer.len(),
            });
        }
        let len = u16_at(buffer, field::LEN.start).unwrap_or(0) as usize;
        let len2 = u16_at(buffer, field::LEN2.start).unwrap_or(0) as usize;
        let present = buffer.len() - field::OUTER;
        if len != present || len2 != present {
            return Err(RecordError::LengthMismatch {
                declared: if len != present { len } else { len2 },
                present,
            });
        }
        Ok(DiagLogPacket { buffer })
    }

    /// Whether a frame payload starting with `head` and `payload_len` bytes long has the
    /// shape of a log packet, possibly inside a multi-radio wrapper.
    pub fn plausible(head: &[u8], payload_len: usize) -> bool {
        let (inner, len) = match head.first() {
            Some(&DIAG_LOG_F) => (head, payload_len),
            Some(&DIAG_MULTI_RADIO_CMD_F) => match (
                head.get(MULTI_RADIO_HEADER_LEN..),
                payload_len.checked_sub(MULTI_RADIO_HEADER_LEN),
            ) {
                (Some(inner), Some(len)) => (inner, len),
                _ => return false,
            },
            _ => return false,
        };
        let want = len.checked_sub(field::OUTER);
        inner.get(field::CMD) == Some(&DIAG_LOG_F)
            && want.is_some()
            && u16_at(inner, field::LEN.start).map(usize::from) == want
            && u16_at(inner, field::LEN2.start).map(usize::from) == want
    }

    /// Log code (e.g. 0xB0C0).
    pub fn log_code(&self) -> u16 {
        u16_at(self.buffer, field::LOG_CODE.start).unwrap_or(0)
    }

    /// Raw 64-bit DIAG timestamp.
    pub fn timestamp_raw(&self) -> u64 {
        u64_at(self.buffer, field::TIMESTAMP.start).unwrap_or(0)
    }

    /// Timestamp as Unix time.
    pub fn time(&self) -> CaptureTime {
        diag_time_to_capture_time(self.timestamp_raw())
    }

    /// The log record after the header.
    pub fn body(&self) -> &'a [u8] {
        self.buffer.get(field::BODY..).unwrap_or(&[])
    }

    /// Writes a log packet with the given code, raw timestamp and body to `out` (cleared first).
    ///
    /// Fails when the body is too long for the 16-bit length fields.
    pub fn emit(log_code: u16, timestamp: u64, body: &[u8], out: &mut Vec<u8>) -> Option<()> {
        let item_len = u16::try_from(body.len().checked_add(field::ITEM_HEADER)?).ok()?;
        out.clear();
        out.push(DIAG_LOG_F);
        out.push(0);
        out.extend_from_slice(&item_len.to_le_bytes());
        out.extend_from_slice(&item_len.to_le_bytes());
        out.extend_from_slice(&log_code.to_le_bytes());
        out.extend_from_slice(&timestamp.to_le_bytes());
        out.extend_from_slice(body);
        Some(())
    }
}

/// Layout family of an LTE RRC OTA packet version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RrcLayout {
    /// Versions 2-4: 16-bit EARFCN, no SIB mask.
    V2,
    /// Versions 5-7: 16-bit EARFCN, 32-bit SIB mask.
    V5,
    /// Versions 8-24: 32-bit EARFCN.
    V8,
    /// Versions 25-29: NR RRC release bytes added.
    V25,
    /// Versions 30 and later: segment id added after the length.
    V30,
}

impl RrcLayout {
    fn of(version: u8) -> Self {
        match version {
            0..=4 => RrcLayout::V2,
            5..=7 => RrcLayout::V5,
            8..=24 => RrcLayout::V8,
            25..=29 => RrcLayout::V25,
            _ => RrcLayout::V30,
        }
    }

    /// Offsets after the version byte: (rb id, pci, earfcn, earfcn is 32-bit, sfn, pdu number,
    /// length, header end).
    fn offsets(self) -> RrcOffsets {
        // Field order is the same in every layout; only widths and inserted fields differ.
        match self {
            RrcLayout::V2 => RrcOffsets {
                nr_release: None,
                bearer: 3,
                pci: 4,
                earfcn: 6,
                earfcn_wide: false,
                sfn: 8,
                pdu: 10,
                sib_mask: None,
                len: 11,
                segment: None,
                end: 13,
            },
            RrcLayout::V5 => RrcOffsets {
                nr_release: None,
                bearer: 3,
                pci: 4,
                earfcn: 6,
                earfcn_wide: false,
                sfn: 8,
                pdu: 10,
                sib_mask: Some(11),
                len: 15,
                segment: None,
                end: 17,
            },
            RrcLayout::V8 => RrcOffsets {
                nr_release: None,
                bearer: 3,
                pci: 4,
                earfcn: 6,
                earfcn_wide: true,
                sfn: 10,
                pdu: 12,
                sib_mask: Some(13),
                len: 17,
                segment: None,
                end: 19,
            },
            RrcLayout::V25 => RrcOffsets {
                nr_release: Some(3),
                bearer: 5,
                pci: 6,
                earfcn: 8,
                earfcn_wide: true,
                sfn: 12,
                pdu: 14,
                sib_mask: Some(15),
                len: 19,
                segment: None,
                end: 21,
            },
            RrcLayout::V30 => RrcOffsets {
                nr_release: Some(3),
                bearer: 5,
                pci: 6,
                earfcn: 8,
                earfcn_wide: true,
                sfn: 12,
                pdu: 14,
                sib_mask: Some(15),
                len: 19,
                segment: Some(23),
                end: 24,
            },
        }
    }
}

/// Byte offsets of an LTE RRC OTA header, from the start of the record (version byte at 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RrcOffsets {
    nr_release: Option<usize>,
    bearer: usize,
    pci: usize,
    earfcn: usize,
    earfcn_wide: bool,
    sfn: usize,
    pdu: usize,
    sib_mask: Option<usize>,
    len: usize,
    segment: Option<usize>,
    end: usize,
}

/// Offset of the RRC release byte in every layout.
const RRC_RELEASE: usize = 1;
/// Offset of the RRC version byte in every layout.
const RRC_VERSION: usize = 2;

/// Channel of a PDU number in a given LTE RRC OTA packet version, or `None` when unknown.
///
/// The numbering changed between firmware generations; each arm lists the versions that share
/// one numbering.
pub fn lte_rrc_channel(version: u8, pdu_number: u8) -> Option<LteRrcChannel> {
    use LteRrcChannel::*;
    match version {
        2 | 3 | 4 | 6 | 7 | 8 | 13 | 22 => match pdu_number {
            1 => Some(BcchBch),
            2 => Some(BcchDlSch),
            3 => Some(Mcch),
            4 => Some(Pcch),
            5 => Some(DlCcch),
            6 => Some(DlDcch),
            7 => Some(UlCcch),
            8 => Some(UlDcch),
            _ => None,
        },
        9 | 12 => match pdu_number {
            8 => Some(BcchBch),
            9 => Some(BcchDlSch),
            10 => Some(Mcch),
            11 => Some(Pcch),
            12 => Some(DlCcch),
            13 => Some(DlDcch),
            14 => Some(UlCcch),
            15 => Some(UlDcch),
            _ => None,
        },
        14 | 15 | 16 | 20 | 24 | 25 => match pdu_number {
            1 => Some(BcchBch),
            2 => Some(BcchDlSch),
            4 => Some(Mcch),
            5 => Some(Pcch),
            6 => Some(DlCcch),
            7 => Some(DlDcch),
            8 => Some(UlCcch),
            9 => Some(UlDcch),
            // NB-IoT numbering exists only in the later versions of this family.
            54 if version >= 20 => Some(BcchBchNb),
            55 if version >= 20 => Some(BcchDlSchNb),
            56 if version >= 20 => Some(PcchNb),
            57 if version >= 20 => Some(DlCcchNb),
            58 if version >= 20 => Some(DlDcchNb),
            59 if version >= 20 => Some(UlCcchNb),
            61 if version >= 20 => Some(UlDcchNb),
            _ => None,
        },
        19 | 26 | 27 | 29 | 30 | 31 => match pdu_number {
            1 => Some(BcchBch),
            3 => Some(BcchDlSch),
            6 => Some(Mcch),
            7 => Some(Pcch),
            8 => Some(DlCcch),
            9 => Some(DlDcch),
            10 => Some(UlCcch),
            11 => Some(UlDcch),
            45 => Some(BcchBchNb),
            46 => Some(BcchDlSchNb),
            47 => Some(PcchNb),
            48 => Some(DlCcchNb),
            49 => Some(DlDcchNb),
            50 => Some(UlCcchNb),
            52 => Some(UlDcchNb),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a packet version has a known PDU numbering (and so can be read).
pub fn lte_rrc_version_supported(version: u8) -> bool {
    matches!(
        version,
        2 | 3
            | 4
            | 6
            | 7
            | 8
            | 9
            | 12
            | 13
            | 14
            | 15
            | 16
            | 19
            | 20
            | 22
            | 24
            | 25
            | 26
            | 27
            | 29
            | 30
            | 31
    )
}

/// Packet version the writer uses for LTE RRC OTA records.
pub const LTE_RRC_WRITE_VERSION: u8 = 20;

/// PDU number of a channel in [`LTE_RRC_WRITE_VERSION`], or `None` when it has none.
pub fn lte_rrc_pdu_number_v20(channel: LteRrcChannel) -> Option<u8> {
    (0u8..=255).find(|&n| lte_rrc_channel(LTE_RRC_WRITE_VERSION, n) == Some(channel))
}

/// Zero-copy view of an LTE RRC OTA record (body of log code 0xB0C0), length-checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LteRrcOta<'a> {
    buffer: &'a [u8],
    offsets: RrcOffsets,
    channel: LteRrcChannel,
}

impl<'a> LteRrcOta<'a> {
    /// Checks the version, header length, PDU length and PDU number of `body`.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        let version = *body.first().ok_or(RecordError::Truncated {
            what: "LTE RRC OTA header",
            needed: 1,
            present: 0,
        })?;
        if !lte_rrc_version_supported(version) {
            return Err(RecordError::UnsupportedVersion(version));
        }
        let offsets = RrcLayout::of(version).offsets();
        if body.len() < offsets.end {
            return Err(RecordError::Truncated {
                what: "LTE RRC OTA header",
                needed: offsets.end,
                present: body.len(),
            });
        }
        let declared = u16_at(body, offsets.len).unwrap_or(0) as usize;
        let present = body.len() - offsets.end;
        if declared != present {
            return Err(RecordError::LengthMismatch { declared, present });
        }
        let pdu_number = body.get(offsets.pdu).copied().unwrap_or(0);
        let channel =
            lte_rrc_channel(version, pdu_number).ok_or(RecordError::UnknownPduNumber {
                version,
                pdu_number,
            })?;
        Ok(LteRrcOta {
            buffer: body,
            offsets,
            channel,
        })
    }

    /// Packet version.
    pub fn version(&self) -> u8 {
        self.buffer.first().copied().unwrap_or(0)
    }

    /// RRC release number byte (e.g. 14 for Rel-14).
    pub fn rrc_release(&self) -> u8 {
        self.buffer.get(RRC_RELEASE).copied().unwrap_or(0)
    }

    /// RRC version byte (major in the high nibble, minor in the low nibble).
    pub fn rrc_version(&self) -> u8 {
        self.buffer.get(RRC_VERSION).copied().unwrap_or(0)
    }

    /// NR RRC release byte, in versions that have one.
    pub fn nr_rrc_release(&self) -> Option<u8> {
        self.offsets
            .nr_release
            .and_then(|o| self.buffer.get(o).copied())
    }

    /// Radio bearer id.
    pub fn radio_bearer(&self) -> u8 {
        self.buffer.get(self.offsets.bearer).copied().unwrap_or(0)
    }

    /// Physical cell id.
    pub fn pci(&self) -> u16 {
        u16_at(self.buffer, self.offsets.pci).unwrap_or(0)
    }

    /// Physical cell id, `None` when the record says it is unknown (out of the LTE range).
    pub fn known_pci(&self) -> Option<u16> {
        Some(self.pci()).filter(|p| *p <= MAX_LTE_PCI)
    }

    /// EARFCN, `None` when the record says it is unknown.
    pub fn known_earfcn(&self) -> Option<u32> {
        let unknown = if self.offsets.earfcn_wide {
            EARFCN_UNKNOWN
        } else {
            u32::from(u16::MAX)
        };
        Some(self.earfcn()).filter(|e| *e != unknown)
    }

    /// EARFCN of the cell.
    pub fn earfcn(&self) -> u32 {
        if self.offsets.earfcn_wide {
            u32_at(self.buffer, self.offsets.earfcn).unwrap_or(0)
        } else {
            u16_at(self.buffer, self.offsets.earfcn).map_or(0, u32::from)
        }
    }

    /// System frame number (upper 12 bits of the SFN/subframe field).
    pub fn sfn(&self) -> u16 {
        u16_at(self.buffer, self.offsets.sfn).unwrap_or(0) >> 4
    }

    /// Subframe number (lower 4 bits of the SFN/subframe field).
    pub fn subframe(&self) -> u8 {
        (u16_at(self.buffer, self.offsets.sfn).unwrap_or(0) & 0xF) as u8
    }

    /// PDU number as logged (meaning depends on the version).
    pub fn pdu_number(&self) -> u8 {
        self.buffer.get(self.offsets.pdu).copied().unwrap_or(0)
    }

    /// SIB mask, in versions that have one.
    pub fn sib_mask(&self) -> Option<u32> {
        self.offsets.sib_mask.and_then(|o| u32_at(self.buffer, o))
    }

    /// Segment id in versions 30 and later: 0 for a whole PDU, 1-6 for leading parts, 7 for
    /// the last part of a segmented PDU.
    pub fn segment(&self) -> Option<u8> {
        self.offsets
            .segment
            .and_then(|o| self.buffer.get(o).copied())
    }

    /// Channel the PDU was sent on.
    pub fn channel(&self) -> LteRrcChannel {
        self.channel
    }

    /// The RRC PDU.
    pub fn pdu(&self) -> &'a [u8] {
        self.buffer.get(self.offsets.end..).unwrap_or(&[])
    }
}

/// Owned description of an LTE RRC OTA record for writing, in [`LTE_RRC_WRITE_VERSION`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LteRrcOtaRepr<'a> {
    /// RRC release number byte.
    pub rrc_release: u8,
    /// RRC version byte.
    pub rrc_version: u8,
    /// Radio bearer id.
    pub radio_bearer: u8,
    /// Physical cell id.
    pub pci: u16,
    /// EARFCN.
    pub earfcn: u32,
    /// System frame number (12 bits).
    pub sfn: u16,
    /// Subframe (4 bits).
    pub subframe: u8,
    /// Channel.
    pub channel: LteRrcChannel,
    /// The RRC PDU.
    pub pdu: &'a [u8],
}

impl LteRrcOtaRepr<'_> {
    /// Appends the record body to `out`; `None` when the channel has no PDU number in the
    /// written version or the PDU is longer than 65535 bytes.
    pub fn emit(&self, out: &mut Vec<u8>) -> Option<()> {
        let pdu_number = lte_rrc_pdu_number_v20(self.channel)?;
        let len = u16::try_from(self.pdu.len()).ok()?;
        out.push(LTE_RRC_WRITE_VERSION);
        out.push(self.rrc_release);
        out.push(self.rrc_version);
        out.push(self.radio_bearer);
        out.extend_from_slice(&self.pci.to_le_bytes());
        out.extend_from_slice(&self.earfcn.to_le_bytes());
        let sfn_sub = ((self.sfn & 0x0FFF) << 4) | u16::from(self.subframe & 0xF);
        out.extend_from_slice(&sfn_sub.to_le_bytes());
        out.push(pdu_number);
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(self.pdu);
        Some(())
    }
}

/// Whether a log code is one of the LTE NAS OTA codes.
pub fn is_lte_nas_log_code(code: u16) -> bool {
    matches!(
        code,
        LOG_LTE_NAS_ESM_SEC_IN
            | LOG_LTE_NAS_ESM_SEC_OUT
            | LOG_LTE_NAS_ESM_PLAIN_IN
            | LOG_LTE_NAS_ESM_PLAIN_OUT
            | LOG_LTE_NAS_EMM_SEC_IN
            | LOG_LTE_NAS_EMM_SEC_OUT
            | LOG_LTE_NAS_EMM_PLAIN_IN
            | LOG_LTE_NAS_EMM_PLAIN_OUT
    )
}

/// Direction of an LTE NAS OTA log code: incoming codes are downlink, outgoing uplink.
pub fn lte_nas_direction(code: u16) -> Direction {
    match code {
        LOG_LTE_NAS_ESM_SEC_IN
        | LOG_LTE_NAS_ESM_PLAIN_IN
        | LOG_LTE_NAS_EMM_SEC_IN
        | LOG_LTE_NAS_EMM_PLAIN_IN => Direction::Downlink,
        LOG_LTE_NAS_ESM_SEC_OUT
        | LOG_LTE_NAS_ESM_PLAIN_OUT
        | LOG_LTE_NAS_EMM_SEC_OUT
        | LOG_LTE_NAS_EMM_PLAIN_OUT => Direction::Uplink,
        _ => Direction::Unknown,
    }
}

/// The only LTE NAS OTA packet version known.
pub const LTE_NAS_VERSION: u8 = 1;
/// Length of the LTE NAS OTA header: version, RRC release, two version bytes.
const NAS_HEADER_LEN: usize = 4;

/// Zero-copy view of an LTE NAS OTA record (body of log codes 0xB0E0-0xB0ED), checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LteNasOta<'a> {
    buffer: &'a [u8],
}

impl<'a> LteNasOta<'a> {
    /// Checks the version and header length of `body`.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        if body.len() < NAS_HEADER_LEN {
            return Err(RecordError::Truncated {
                what: "LTE NAS OTA header",
                needed: NAS_HEADER_LEN,
                present: body.len(),
            });
        }
        match body.first() {
            Some(&LTE_NAS_VERSION) => Ok(LteNasOta { buffer: body }),
            other => Err(RecordError::UnsupportedVersion(other.copied().unwrap_or(0))),
        }
    }

    /// Packet version.
    pub fn version(&self) -> u8 {
        self.buffer.first().copied().unwrap_or(0)
    }

    /// RRC release byte.
    pub fn rrc_release(&self) -> u8 {
        self.buffer.get(1).copied().unwrap_or(0)
    }

    /// The two standard version bytes (as logged).
    pub fn std_version(&self) -> [u8; 2] {
        [
            self.buffer.get(2).copied().unwrap_or(0),
            self.buffer.get(3).copied().unwrap_or(0),
        ]
    }

    /// The NAS PDU.
    pub fn pdu(&self) -> &'a [u8] {
        self.buffer.get(NAS_HEADER_LEN..).unwrap_or(&[])
    }

    /// Appends a record body with the given header bytes and PDU to `out`.
    pub fn emit(rrc_release: u8, std_version: [u8; 2], pdu: &[u8], out: &mut Vec<u8>) {
        out.push(LTE_NAS_VERSION);
        out.push(rrc_release);
        out.extend_from_slice(&std_version);
        out.extend_from_slice(pdu);
    }
}

/// Log code a NAS PDU is written under: security-protected EMM PDUs (protocol discriminator 7
/// with security header type 1-5) under 0xB0EA/0xB0EB, other EMM PDUs (including service
/// requests) under 0xB0EC/0xB0ED, ESM PDUs under 0xB0E2/0xB0E3; incoming for downlink.
pub fn lte_nas_log_code_for(pdu: &[u8], uplink: bool) -> u16 {
    let first = pdu.first().copied().unwrap_or(0);
    let pd = first & 0x0F;
    let sht = first >> 4;
    let (incoming, outgoing) = match (pd, sht) {
        (7, 1..=5) => (LOG_LTE_NAS_EMM_SEC_IN, LOG_LTE_NAS_EMM_SEC_OUT),
        (2, _) => (LOG_LTE_NAS_ESM_PLAIN_IN, LOG_LTE_NAS_ESM_PLAIN_OUT),
        _ => (LOG_LTE_NAS_EMM_PLAIN_IN, LOG_LTE_NAS_EMM_PLAIN_OUT),
    };
    if uplink {
        outgoing
    } else {
        incoming
    }
}

/// Whether a log code is one of the 5GS NAS OTA codes.
pub fn is_nr_nas_log_code(code: u16) -> bool {
    matches!(
        code,
        LOG_NR_NAS_SM_PLAIN_IN
            | LOG_NR_NAS_SM_PLAIN_OUT
            | LOG_NR_NAS_SEC_IN
            | LOG_NR_NAS_SEC_OUT
            | LOG_NR_NAS_MM_PLAIN_IN
            | LOG_NR_NAS_MM_PLAIN_OUT
            | LOG_NR_NAS_MM_PLAIN_CONTAINER
    )
}

/// Direction of a 5GS NAS OTA log code; the container code says none.
pub fn nr_nas_direction(code: u16) -> Direction {
    match code {
        LOG_NR_NAS_SM_PLAIN_IN | LOG_NR_NAS_SEC_IN | LOG_NR_NAS_MM_PLAIN_IN => Direction::Downlink,
        LOG_NR_NAS_SM_PLAIN_OUT | LOG_NR_NAS_SEC_OUT | LOG_NR_NAS_MM_PLAIN_OUT => Direction::Uplink,
        _ => Direction::Unknown,
    }
}

/// The only 5GS NAS OTA packet version known (a 32-bit little-endian field).
pub const NR_NAS_VERSION: u32 = 1;
/// Length of the 5GS NAS OTA header: version (4), then release, major and minor version of
/// the NAS specification the modem implements (one octet each).
pub const NR_NAS_HEADER_LEN: usize = 7;

/// Zero-copy view of a 5GS NAS OTA record (body of log codes 0xB800-0xB814), checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NrNasOta<'a> {
    buffer: &'a [u8],
}

impl<'a> NrNasOta<'a> {
    /// Checks the version and header length of `body`.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        let version = u32_at(body, 0).ok_or(RecordError::Truncated {
            what: "5GS NAS OTA header",
            needed: NR_NAS_HEADER_LEN,
            present: body.len(),
        })?;
        if version != NR_NAS_VERSION {
            return Err(RecordError::UnsupportedVersion(
                u8::try_from(version).unwrap_or(u8::MAX),
            ));
        }
        if body.len() < NR_NAS_HEADER_LEN {
            return Err(RecordError::Truncated {
                what: "5GS NAS OTA header",
                needed: NR_NAS_HEADER_LEN,
                present: body.len(),
            });
        }
        Ok(NrNasOta { buffer: body })
    }

    /// The specification version bytes: release, major, minor.
    pub fn std_version(&self) -> [u8; 3] {
        [4, 5, 6].map(|i| self.buffer.get(i).copied().unwrap_or(0))
    }

    /// The NAS PDU.
    pub fn pdu(&self) -> &'a [u8] {
        self.buffer.get(NR_NAS_HEADER_LEN..).unwrap_or(&[])
    }

    /// Appends a record body with the given version bytes and PDU to `out`.
    pub fn emit(std_version: [u8; 3], pdu: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&NR_NAS_VERSION.to_le_bytes());
        out.extend_from_slice(&std_version);
        out.extend_from_slice(pdu);
    }
}

/// Log code a 5GS NAS PDU is written under: 5GSM under 0xB800/0xB801, security-protected
/// 5GMM (security header type 1-4) under 0xB808/0xB809, plain 5GMM under 0xB80A/0xB80B;
/// incoming for downlink.
pub fn nr_nas_log_code_for(pdu: &[u8], uplink: bool) -> u16 {
    let (incoming, outgoing) = match (pdu.first(), pdu.get(1).map(|b| b & 0x0f)) {
        (Some(0x2e), _) => (LOG_NR_NAS_SM_PLAIN_IN, LOG_NR_NAS_SM_PLAIN_OUT),
        (Some(0x7e), Some(1..=4)) => (LOG_NR_NAS_SEC_IN, LOG_NR_NAS_SEC_OUT),
        _ => (LOG_NR_NAS_MM_PLAIN_IN, LOG_NR_NAS_MM_PLAIN_OUT),
    };
    if uplink {
        outgoing
    } else {
        incoming
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nr_nas_record_round_trips_and_checks_its_header() {
        let mut body = Vec::new();
        NrNasOta::emit([15, 6, 0], &[0x7e, 0x00, 0x5b, 0x01], &mut body);
        let r = NrNasOta::new_checked(&body).unwrap();
        assert_eq!(r.std_version(), [15, 6, 0]);
        assert_eq!(r.pdu(), &[0x7e, 0x00, 0x5b, 0x01]);
        assert_eq!(
            NrNasOta::new_checked(&[2, 0, 0, 0, 15, 6, 0, 0x7e]),
            Err(RecordError::UnsupportedVersion(2))
        );
        assert!(matches!(
            NrNasOta::new_checked(&[1, 0, 0, 0, 15]),
            Err(RecordError::Truncated { .. })
        ));
        assert_eq!(nr_nas_log_code_for(&[0x7e, 0x00, 0x41], true), 0xB80B);
        assert_eq!(
            nr_nas_log_code_for(&[0x7e, 0x02, 0, 0, 0, 0, 0], false),
            0xB808
        );
        assert_eq!(nr_nas_log_code_for(&[0x2e, 1, 1, 0xc1], true), 0xB801);
        assert_eq!(
            nr_nas_direction(LOG_NR_NAS_MM_PLAIN_CONTAINER),
            Direction::Unknown
        );
    }

    /// Unescaped payload of a real frame: 0xB0C0 version 20, BCCH-DL-SCH (PDU number 2),
    /// EARFCN 0, PCI 0, from a Rayhunter recording of an Orbic RC400L.
    const RRC_V20: &[u8] = &[
        0x10, 0x00, 0x3f, 0x00, 0x3f, 0x00, 0xc0, 0xb0, 0xf3, 0x87, 0xff, 0x62, 0x00, 0x00, 0x00,
        0x00, 0x14, 0x0e, 0x30, 0x00, 0x16, 0x00, 0xe8, 0x03, 0x01, 0x00, 0x65, 0xff, 0x02, 0x02,
        0x00, 0x00, 0x00, 0x20, 0x00, 0x68, 0x4c, 0x46, 0x90, 0x1f, 0x20, 0x13, 0xb1, 0x6f, 0x0c,
        0x92, 0x46, 0xa1, 0x90, 0x80, 0x84, 0x0c, 0x22, 0x61, 0x2b, 0x0c, 0x1d, 0xb6, 0x09, 0x8f,
        0xd0, 0x80, 0x81, 0x4b, 0x60, 0x30, 0x00,
    ];

    /// Unescaped payload of a real frame: 0xB0ED (EMM plain outgoing) version 1, a service
    /// request, from a phone on China Mobile (first frame after the file's damaged start).
    const NAS_B0ED: &[u8] = &[
        0x10, 0x00, 0x14, 0x00, 0x14, 0x00, 0xed, 0xb0, 0xff, 0x45, 0x94, 0xc2, 0xa5, 0x11, 0xd1,
        0x00, 0x01, 0x09, 0x05, 0x00, 0xc7, 0x01, 0x17, 0x00,
    ];

    #[test]
    fn parses_real_rrc_v20() {
        let log = DiagLogPacket::new_checked(RRC_V20).unwrap();
        assert_eq!(log.log_code(), LOG_LTE_RRC_OTA);
        let rrc = LteRrcOta::new_checked(log.body()).unwrap();
        assert_eq!(rrc.version(), 20);
        assert_eq!(rrc.rrc_release(), 14);
        assert_eq!(rrc.rrc_version(), 0x30);
        assert_eq!(rrc.radio_bearer(), 0);
        assert_eq!(rrc.pci(), 22);
        assert_eq!(rrc.earfcn(), 66_536);
        assert_eq!(rrc.pdu_number(), 2);
        assert_eq!(rrc.channel(), LteRrcChannel::BcchDlSch);
        assert_eq!(rrc.pdu().len(), 0x20);
        assert_eq!(rrc.pdu().first(), Some(&0x68));
        assert_eq!(rrc.sib_mask(), Some(2));
        assert_eq!(rrc.sfn(), 4086);
        assert_eq!(rrc.subframe(), 5);
        assert_eq!(rrc.segment(), None);
    }

    /// Unescaped payloads of real 0xB0C0 frames of three older versions, all UL-DCCH with a
    /// two-byte PDU: (version, payload, PCI, EARFCN). Version 9 from a phone on AT&T (band 17),
    /// version 8 on China Mobile (band 39), version 15 from an attach sample (band 13).
    const RRC_OLDER: [(u8, &[u8], u16, u32); 3] = [
        (
            9,
            &[
                0x10, 0x00, 0x21, 0x00, 0x21, 0x00, 0xc0, 0xb0, 0xaa, 0x1f, 0xc8, 0x27, 0x29, 0xca,
                0xd3, 0x00, 0x09, 0x0b, 0x70, 0x01, 0xb9, 0x00, 0x94, 0x16, 0x00, 0x00, 0x00, 0x00,
                0x0f, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x14, 0x00,
            ],
            185,
            5780,
        ),
        (
            8,
            &[
                0x10, 0x00, 0x21, 0x00, 0x21, 0x00, 0xc0, 0xb0, 0xb9, 0x62, 0x27, 0xc3, 0xa5, 0x11,
                0xd1, 0x00, 0x08, 0x0a, 0x72, 0x01, 0x51, 0x01, 0x0c, 0x94, 0x00, 0x00, 0x00, 0x00,
                0x08, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x2e, 0x00,
            ],
            337,
            37900,
        ),
        (
            15,
            &[
                0x10, 0x00, 0x21, 0x00, 0x21, 0x00, 0xc0, 0xb0, 0x4d, 0x4b, 0xd8, 0x1d, 0x14, 0x1d,
                0xed, 0x00, 0x0f, 0x0d, 0x21, 0x01, 0xc0, 0x00, 0x6e, 0x14, 0x00, 0x00, 0x00, 0x00,
                0x09, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x14, 0x00,
            ],
            192,
            5230,
        ),
    ];

    #[test]
    fn parses_real_older_rrc_versions() {
        for (version, bytes, pci, earfcn) in RRC_OLDER {
            let log = DiagLogPacket::new_checked(bytes).unwrap();
            let rrc = LteRrcOta::new_checked(log.body()).unwrap();
            assert_eq!(rrc.version(), version);
            assert_eq!(rrc.channel(), LteRrcChannel::UlDcch, "version {version}");
            assert_eq!(
                (rrc.pci(), rrc.earfcn()),
                (pci, earfcn),
                "version {version}"
            );
            assert_eq!(rrc.radio_bearer(), 1);
            assert_eq!(rrc.pdu().len(), 2);
        }
    }

    #[test]
    fn newer_layouts_place_fields_after_nr_release() {
        // Version 26: LTE release/version, NR release/version, bearer, PCI, 32-bit EARFCN,
        // SFN/subframe, PDU number, SIB mask, length, PDU.
        let mut v26 = vec![
            26, 15, 0x30, 15, 0x60, 1, 0x41, 0x01, 0x62, 0x04, 0x01, 0x00,
        ];
        v26.extend_from_slice(&[0x95, 0x3f, 9, 0, 0, 0, 0, 2, 0, 0xAA, 0xBB]);
        let rrc = LteRrcOta::new_checked(&v26).unwrap();
        assert_eq!(rrc.nr_rrc_release(), Some(15));
        assert_eq!(
            (rrc.radio_bearer(), rrc.pci(), rrc.earfcn()),
            (1, 321, 66_658)
        );
        assert_eq!((rrc.sfn(), rrc.subframe()), (1017, 5));
        assert_eq!(rrc.channel(), LteRrcChannel::DlDcch);
        assert_eq!(rrc.pdu(), &[0xAA, 0xBB]);
        assert_eq!(rrc.segment(), None);
        // Version 30 adds two unknown bytes and a segment id after the length.
        let mut v30 = v26.clone();
        v30[0] = 30;
        v30.splice(21..21, [0, 0, 0]);
        let rrc = LteRrcOta::new_checked(&v30).unwrap();
        assert_eq!(rrc.segment(), Some(0));
        assert_eq!(rrc.pdu(), &[0xAA, 0xBB]);
        v30[23] = 3;
        assert_eq!(
            LteRrcOta::new_checked(&v30).map(|r| r.segment()),
            Ok(Some(3))
        );
    }

    #[test]
    fn parses_real_nas_b0ed() {
        let log = DiagLogPacket::new_checked(NAS_B0ED).unwrap();
        assert_eq!(log.log_code(), LOG_LTE_NAS_EMM_PLAIN_OUT);
        assert_eq!(lte_nas_direction(log.log_code()), Direction::Uplink);
        let nas = LteNasOta::new_checked(log.body()).unwrap();
        assert_eq!(nas.version(), 1);
        assert_eq!(nas.rrc_release(), 9);
        // A service request (security header type 12, EMM).
        assert_eq!(nas.pdu(), &[0xc7, 0x01, 0x17, 0x00]);
        assert_eq!(
            lte_nas_log_code_for(nas.pdu(), true),
            LOG_LTE_NAS_EMM_PLAIN_OUT
        );
    }

    #[test]
    fn header_lengths_are_checked() {
        let mut short = RRC_V20.to_vec();
        short.pop();
        assert!(matches!(
            DiagLogPacket::new_checked(&short),
            Err(RecordError::LengthMismatch { .. })
        ));
        assert!(matches!(
            DiagLogPacket::new_checked(RRC_V20.get(..10).unwrap()),
            Err(RecordError::Truncated { .. })
        ));
        let log = DiagLogPacket::new_checked(RRC_V20).unwrap();
        let body = log.body();
        assert!(matches!(
            LteRrcOta::new_checked(body.get(..body.len() - 1).unwrap()),
            Err(RecordError::LengthMismatch { .. })
        ));
        assert!(matches!(
            LteRrcOta::new_checked(body.get(..10).unwrap()),
            Err(RecordError::Truncated { .. })
        ));
        let mut v5 = body.to_vec();
        v5[0] = 5;
        assert_eq!(
            LteRrcOta::new_checked(&v5),
            Err(RecordError::UnsupportedVersion(5))
        );
        let mut pdu3 = body.to_vec();
        pdu3[12] = 3;
        assert_eq!(
            LteRrcOta::new_checked(&pdu3),
            Err(RecordError::UnknownPduNumber {
                version: 20,
                pdu_number: 3
            })
        );
        assert!(matches!(
            LteNasOta::new_checked(&[2, 9, 5, 0, 7]),
            Err(RecordError::UnsupportedVersion(2))
        ));
    }

    #[test]
    fn plausible_matches_real_lengths() {
        assert!(DiagLogPacket::plausible(RRC_V20, RRC_V20.len()));
        assert!(!DiagLogPacket::plausible(RRC_V20, RRC_V20.len() + 1));
        let mut wrapped = vec![DIAG_MULTI_RADIO_CMD_F, 1, 0, 0, 1, 0, 0, 0];
        wrapped.extend_from_slice(RRC_V20);
        assert!(DiagLogPacket::plausible(&wrapped, wrapped.len()));
        assert!(!DiagLogPacket::plausible(&[0x73, 0, 0, 0], 4));
    }

    #[test]
    fn rrc_emit_round_trips() {
        for channel in [
            LteRrcChannel::BcchBch,
            LteRrcChannel::BcchDlSch,
            LteRrcChannel::Mcch,
            LteRrcChannel::Pcch,
            LteRrcChannel::DlCcch,
            LteRrcChannel::DlDcch,
            LteRrcChannel::UlCcch,
            LteRrcChannel::UlDcch,
            LteRrcChannel::UlDcchNb,
        ] {
            let repr = LteRrcOtaRepr {
                rrc_release: 14,
                rrc_version: 0x30,
                radio_bearer: 1,
                pci: 321,
                earfcn: 66_786,
                sfn: 1023,
                subframe: 9,
                channel,
                pdu: &[1, 2, 3],
            };
            let mut body = Vec::new();
            repr.emit(&mut body).unwrap();
            let rrc = LteRrcOta::new_checked(&body).unwrap();
            assert_eq!(rrc.channel(), channel);
            assert_eq!(
                (
                    rrc.pci(),
                    rrc.earfcn(),
                    rrc.sfn(),
                    rrc.subframe(),
                    rrc.radio_bearer()
                ),
                (321, 66_786, 1023, 9, 1)
            );
            assert_eq!(rrc.pdu(), &[1, 2, 3]);
        }
        let br = LteRrcOtaRepr {
            rrc_release: 14,
            rrc_version: 0,
            radio_bearer: 0,
            pci: 0,
            earfcn: 0,
            sfn: 0,
            subframe: 0,
            channel: LteRrcChannel::BcchDlSchBr,
            pdu: &[],
        };
        assert_eq!(br.emit(&mut Vec::new()), None);
    }

    #[test]
    fn timestamps_convert_both_ways() {
        // Tick 0 is the DIAG epoch.
        assert_eq!(
            diag_time_to_capture_time(0).unix_micros(),
            DIAG_EPOCH_UNIX_SECS * 1_000_000
        );
        // One tick is 1.25 ms; a half tick of sub-units is 625 us.
        assert_eq!(
            diag_time_to_capture_time((1 << 16) | 24_576).unix_micros(),
            DIAG_EPOCH_UNIX_SECS * 1_000_000 + 1250 + 625
        );
        for us in [0i64, 1, 624, 1249, 1250, 123_456_789, 1_749_222_138_123_456] {
            let t = CaptureTime(DIAG_EPOCH_UNIX_SECS * 1_000_000 + us);
            assert_eq!(diag_time_to_capture_time(capture_time_to_diag_time(t)), t);
        }
        assert_eq!(capture_time_to_diag_time(CaptureTime(0)), 0);
    }

    #[test]
    fn real_timestamp_is_plausible() {
        let log = DiagLogPacket::new_checked(RRC_V20).unwrap();
        // This recorder's clock was not set: 31.68 s after the DIAG epoch.
        let t = log.time().unix_micros() - DIAG_EPOCH_UNIX_SECS * 1_000_000;
        assert!((31_678_000..31_680_000).contains(&t), "{t}");
    }
}

/// Length of the GSM RR signalling header: channel and direction, message type, length.
const GSM_RR_HEADER_LEN: usize = 3;

/// Zero-copy view of a GSM RR signalling record (body of 0x512F), checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GsmRrSignaling<'a> {
    buffer: &'a [u8],
}

impl<'a> GsmRrSignaling<'a> {
    /// Checks the header and that the stated length is the message's.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        let Some(&len) = body.get(2) else {
            return Err(RecordError::Truncated {
                what: "GSM RR signalling header",
                needed: GSM_RR_HEADER_LEN,
                present: body.len(),
            });
        };
        let present = body.len() - GSM_RR_HEADER_LEN;
        if usize::from(len) != present {
            return Err(RecordError::LengthMismatch {
                declared: usize::from(len),
                present,
            });
        }
        Ok(GsmRrSignaling { buffer: body })
    }

    /// Channel: 0 DCCH, 1 BCCH, 2 RACH, 3 CCCH, 4 SACCH (other values are not documented).
    pub fn channel(&self) -> u8 {
        self.buffer.first().copied().unwrap_or(0) & 0x7f
    }

    /// True for a message from the network (bit 8 of the first octet).
    pub fn downlink(&self) -> bool {
        self.buffer.first().copied().unwrap_or(0) & 0x80 != 0
    }

    /// RR message type as logged.
    pub fn message_type(&self) -> u8 {
        self.buffer.get(1).copied().unwrap_or(0)
    }

    /// The message: a 23-octet block with its L2 pseudo length on BCCH and CCCH, layer 3
    /// alone on dedicated channels.
    pub fn message(&self) -> &'a [u8] {
        self.buffer.get(GSM_RR_HEADER_LEN..).unwrap_or(&[])
    }

    /// Appends a record body for `message` on `channel` to `out`.
    pub fn emit(
        channel: u8,
        downlink: bool,
        message_type: u8,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Option<()> {
        out.push(channel & 0x7f | if downlink { 0x80 } else { 0 });
        out.push(message_type);
        out.push(u8::try_from(message.len()).ok()?);
        out.extend_from_slice(message);
        Some(())
    }
}

/// Length of the UMTS NAS OTA header: direction, then a 32-bit little-endian length.
const UMTS_NAS_HEADER_LEN: usize = 5;

/// Zero-copy view of a UMTS NAS OTA record (body of 0x713A), checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UmtsNasOta<'a> {
    buffer: &'a [u8],
}

impl<'a> UmtsNasOta<'a> {
    /// Checks the header and that the stated length is the message's.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        let declared = u32_at(body, 1).ok_or(RecordError::Truncated {
            what: "UMTS NAS OTA header",
            needed: UMTS_NAS_HEADER_LEN,
            present: body.len(),
        })?;
        let present = body.len() - UMTS_NAS_HEADER_LEN;
        if usize::try_from(declared).ok() != Some(present) {
            return Err(RecordError::LengthMismatch {
                declared: usize::try_from(declared).unwrap_or(usize::MAX),
                present,
            });
        }
        Ok(UmtsNasOta { buffer: body })
    }

    /// True for a message sent by the phone (direction 1; 0 is from the network).
    pub fn uplink(&self) -> bool {
        self.buffer.first() == Some(&1)
    }

    /// The layer-3 message, protocol discriminator first.
    pub fn pdu(&self) -> &'a [u8] {
        self.buffer.get(UMTS_NAS_HEADER_LEN..).unwrap_or(&[])
    }

    /// Appends a record body for `pdu` to `out`.
    pub fn emit(uplink: bool, pdu: &[u8], out: &mut Vec<u8>) -> Option<()> {
        out.push(u8::from(uplink));
        out.extend_from_slice(&u32::try_from(pdu.len()).ok()?.to_le_bytes());
        out.extend_from_slice(pdu);
        Some(())
    }
}

/// Length of the WCDMA RRC OTA header: channel type, radio bearer, 16-bit length.
const WCDMA_RRC_HEADER_LEN: usize = 4;
/// Length of the carrier fields (UARFCN, primary scrambling code) of the newer channel types.
const WCDMA_RRC_CARRIER_LEN: usize = 4;

/// How a WCDMA RRC OTA channel type lays out what follows the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WcdmaRrcLayout {
    /// The PDU of a channel right after the header.
    Plain(UmtsRrcChannel),
    /// A SIB class octet, then one whole system information block the modem reassembled.
    Sib {
        /// The newer SIB class numbering (class 31 is SIB19 there, SIB11bis before).
        newer: bool,
    },
    /// UARFCN and scrambling code, then the PDU of a channel.
    CarrierPlain(UmtsRrcChannel),
    /// UARFCN and scrambling code, a SIB class octet, then one whole block.
    CarrierSib,
}

/// How a channel type of a WCDMA RRC OTA record reads, or `None` for values not known.
///
/// Two families exist: 0-10 (with 9, 0xFE and 0xFF carrying whole blocks), and from newer
/// modems 0x80-0x89 and 0xF0, which add the carrier's UARFCN and primary scrambling code.
fn wcdma_rrc_layout(channel_type: u8) -> Option<WcdmaRrcLayout> {
    use UmtsRrcChannel::*;
    use WcdmaRrcLayout::*;
    let base = |t: u8| -> Option<UmtsRrcChannel> {
        Some(match t {
            0 => UlCcch,
            1 => UlDcch,
            2 => DlCcch,
            3 => DlDcch,
            4 => BcchBch,
            5 => BcchFach,
            6 => Pcch,
            7 => Mcch,
            8 => Msch,
            _ => return None,
        })
    };
    Some(match channel_type {
        0..=8 => Plain(base(channel_type)?),
        // A System Information Container (the blocks of a target cell in a handover).
        10 => Plain(Single(14)),
        9 | 0xFE | 0xFF => Sib { newer: false },
        0x80..=0x88 => CarrierPlain(base(channel_type & 0x7f)?),
        0x89 | 0xF0 => CarrierSib,
        _ => return None,
    })
}

/// GSMTAP UMTS RRC sub-type of a SIB class octet of a WCDMA RRC OTA record (the order of
/// TS 25.331 SIB-Type, with the modem's own numbers for extension blocks).
pub fn wcdma_sib_class_sub_type(class: u8, newer: bool) -> Option<u8> {
    Some(match class {
        0 => 16,
        1..=5 => 16 + class,
        6..=11 => 17 + class,
        12..=17 => 18 + class,
        18 | 19 => 18 + class,
        20 => 39,
        21 => 41,
        22 => 44,
        23 => 51,
        24 => 52,
        25 => 46,
        26 => 53,
        27 => 58,
        28 => 59,
        29 => 47,
        30 => 22,
        31 if newer => 54,
        31 | 66 => 29,
        67 => 54,
        _ => return None,
    })
}

/// Zero-copy view of a WCDMA RRC OTA record (body of 0x412F), checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WcdmaRrcOta<'a> {
    buffer: &'a [u8],
    channel: UmtsRrcChannel,
    carrier: bool,
    pdu_start: usize,
}

impl<'a> WcdmaRrcOta<'a> {
    /// Checks the header, the channel type and the stated length.
    ///
    /// The length field counts the PDU; for records that carry a SIB class octet it has been
    /// seen to count that octet as well, so either is accepted, and nothing else.
    pub fn new_checked(body: &'a [u8]) -> Result<Self, RecordError> {
        let (Some(&channel_type), Some(declared)) = (body.first(), u16_at(body, 2)) else {
            return Err(RecordError::Truncated {
                what: "WCDMA RRC OTA header",
                needed: WCDMA_RRC_HEADER_LEN,
                present: body.len(),
            });
        };
        let layout =
            wcdma_rrc_layout(channel_type).ok_or(RecordError::UnknownChannelType(channel_type))?;
        let carrier = matches!(
            layout,
            WcdmaRrcLayout::CarrierPlain(_) | WcdmaRrcLayout::CarrierSib
        );
        let mut at = WCDMA_RRC_HEADER_LEN;
        if carrier {
            at += WCDMA_RRC_CARRIER_LEN;
        }
        let (channel, class_octet) = match layout {
            WcdmaRrcLayout::Plain(c) | WcdmaRrcLayout::CarrierPlain(c) => (c, false),
            WcdmaRrcLayout::Sib { newer } => (sib_channel(body, &mut at, newer)?, true),
            WcdmaRrcLayout::CarrierSib => (sib_channel(body, &mut at, true)?, true),
        };
        if body.len() < at {
            return Err(RecordError::Truncated {
                what: "WCDMA RRC OTA header",
                needed: at,
                present: body.len(),
            });
        }
        let present = body.len() - at;
        let declared = usize::from(declared);
        if declared != present && !(class_octet && declared == present + 1) {
            return Err(RecordError::LengthMismatch { declared, present });
        }
        Ok(WcdmaRrcOta {
            buffer: body,
            channel,
            carrier,
            pdu_start: at,
        })
    }

    /// Channel type as logged.
    pub fn channel_type(&self) -> u8 {
        self.buffer.first().copied().unwrap_or(0)
    }

    /// Radio bearer id.
    pub fn radio_bearer(&self) -> u8 {
        self.buffer.get(1).copied().unwrap_or(0)
    }

    /// Channel, or the single message type of a whole block.
    pub fn channel(&self) -> UmtsRrcChannel {
        self.channel
    }

    /// Downlink UARFCN, in the channel types that carry one.
    pub fn uarfcn(&self) -> Option<u16> {
        self.carrier
            .then(|| u16_at(self.buffer, WCDMA_RRC_HEADER_LEN))
            .flatten()
    }

    /// Primary scrambling code, in the channel types that carry one.
    pub fn psc(&self) -> Option<u16> {
        self.carrier
            .then(|| u16_at(self.buffer, WCDMA_RRC_HEADER_LEN + 2))
            .flatten()
    }

    /// The RRC PDU.
    pub fn pdu(&self) -> &'a [u8] {
        self.buffer.get(self.pdu_start..).unwrap_or(&[])
    }

    /// Appends a record body of the older family (no carrier fields) for a PDU of `channel`
    /// to `out`; `None` for single message types other than blocks with a SIB class, or a PDU
    /// over 65535 bytes.
    pub fn emit(
        channel: UmtsRrcChannel,
        radio_bearer: u8,
        pdu: &[u8],
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let len = u16::try_from(pdu.len()).ok()?;
        let (channel_type, class) = match (0u8..=10)
            .find(|&t| wcdma_rrc_layout(t) == Some(WcdmaRrcLayout::Plain(channel)))
        {
            Some(t) => (t, None),
            None => {
                let UmtsRrcChannel::Single(sub) = channel else {
                    return None;
                };
                let class =
                    (0u8..=67).find(|&c| wcdma_sib_class_sub_type(c, false) == Some(sub))?;
                (0xFE, Some(class))
            }
        };
        out.push(channel_type);
        out.push(radio_bearer);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend(class);
        out.extend_from_slice(pdu);
        Some(())
    }
}

/// The block type of the SIB class octet at `*at`, moving `*at` past it.
fn sib_channel(body: &[u8], at: &mut usize, newer: bool) -> Result<UmtsRrcChannel, RecordError> {
    let class = *body.get(*at).ok_or(RecordError::Truncated {
        what: "WCDMA RRC OTA SIB class",
        needed: *at + 1,
        present: body.len(),
    })?;
    let sub = wcdma_sib_class_sub_type(class, newer).ok_or(RecordError::UnknownSibClass(class))?;
    *at += 1;
    Ok(UmtsRrcChannel::Single(sub))
}

#[cfg(test)]
mod wcdma_tests {
    use super::*;

    // No recording here carries 0x412F records (none of the MobileInsight or Rayhunter
    // recordings has one), so these bodies are built from the layout: channel type, radio
    // bearer, 16-bit little-endian length, then for 0x80-0x89 the UARFCN and scrambling code.

    #[test]
    fn older_family_channels() {
        // UL-CCCH, an RRC Connection Request's first bytes.
        let body = [0x00, 0x00, 0x03, 0x00, 0x15, 0x0a, 0x40];
        let r = WcdmaRrcOta::new_checked(&body).unwrap();
        assert_eq!(r.channel(), UmtsRrcChannel::UlCcch);
        assert_eq!(r.pdu(), &[0x15, 0x0a, 0x40]);
        assert_eq!((r.uarfcn(), r.psc()), (None, None));
        for (t, c) in [
            (1, UmtsRrcChannel::UlDcch),
            (2, UmtsRrcChannel::DlCcch),
            (3, UmtsRrcChannel::DlDcch),
            (4, UmtsRrcChannel::BcchBch),
            (5, UmtsRrcChannel::BcchFach),
            (6, UmtsRrcChannel::Pcch),
            (10, UmtsRrcChannel::Single(14)),
        ] {
            let body = [t, 1, 1, 0, 0xAA];
            let r = WcdmaRrcOta::new_checked(&body).unwrap();
            assert_eq!(r.channel(), c, "channel type {t}");
        }
    }

    #[test]
    fn whole_blocks_and_carrier_fields() {
        // Channel type 0xFE: SIB class 3 (SIB3), length counting the PDU only.
        let r = WcdmaRrcOta::new_checked(&[0xFE, 0, 2, 0, 3, 0xAB, 0xCD]).unwrap();
        assert_eq!(r.channel(), UmtsRrcChannel::Single(19));
        assert_eq!(r.pdu(), &[0xAB, 0xCD]);
        // The same with the length counting the class octet.
        let r = WcdmaRrcOta::new_checked(&[0xFE, 0, 3, 0, 0, 0xAB, 0xCD]).unwrap();
        assert_eq!(r.channel(), UmtsRrcChannel::Single(16));
        // Newer family: DL-DCCH with UARFCN 10713 and PSC 301.
        let mut body = vec![0x83, 3, 1, 0];
        body.extend_from_slice(&10713u16.to_le_bytes());
        body.extend_from_slice(&301u16.to_le_bytes());
        body.push(0x42);
        let r = WcdmaRrcOta::new_checked(&body).unwrap();
        assert_eq!(r.channel(), UmtsRrcChannel::DlDcch);
        assert_eq!((r.uarfcn(), r.psc()), (Some(10713), Some(301)));
        assert_eq!(r.pdu(), &[0x42]);
        // Newer block: class 31 is SIB19 there.
        let mut body = vec![0x89, 0, 1, 0, 0, 0, 0, 0, 31, 0x11];
        let r = WcdmaRrcOta::new_checked(&body).unwrap();
        assert_eq!(r.channel(), UmtsRrcChannel::Single(54));
        body[0] = 0x09;
        body.drain(4..8);
        let r = WcdmaRrcOta::new_checked(&body).unwrap();
        assert_eq!(r.channel(), UmtsRrcChannel::Single(29));
    }

    #[test]
    fn damage_is_reported() {
        assert!(matches!(
            WcdmaRrcOta::new_checked(&[0, 0, 1]),
            Err(RecordError::Truncated { .. })
        ));
        assert_eq!(
            WcdmaRrcOta::new_checked(&[0x0B, 0, 0, 0]),
            Err(RecordError::UnknownChannelType(0x0B))
        );
        assert_eq!(
            WcdmaRrcOta::new_checked(&[0xFE, 0, 0, 0, 99]),
            Err(RecordError::UnknownSibClass(99))
        );
        assert!(matches!(
            WcdmaRrcOta::new_checked(&[0, 0, 5, 0, 1]),
            Err(RecordError::LengthMismatch {
                declared: 5,
                present: 1
            })
        ));
        assert!(matches!(
            WcdmaRrcOta::new_checked(&[0x83, 0, 0, 0, 1]),
            Err(RecordError::Truncated { .. })
        ));
    }

    #[test]
    fn emit_round_trips() {
        for channel in [
            UmtsRrcChannel::UlCcch,
            UmtsRrcChannel::DlDcch,
            UmtsRrcChannel::Pcch,
            UmtsRrcChannel::BcchBch,
            UmtsRrcChannel::Single(16),
            UmtsRrcChannel::Single(19),
            UmtsRrcChannel::Single(54),
        ] {
            let mut body = Vec::new();
            WcdmaRrcOta::emit(channel, 2, &[1, 2, 3], &mut body).unwrap();
            let r = WcdmaRrcOta::new_checked(&body).unwrap();
            assert_eq!(r.channel(), channel);
            assert_eq!(r.pdu(), &[1, 2, 3]);
        }
        assert_eq!(
            WcdmaRrcOta::emit(UmtsRrcChannel::Single(11), 0, &[], &mut Vec::new()),
            None
        );
    }
}
