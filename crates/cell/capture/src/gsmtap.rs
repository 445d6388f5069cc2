//! GSMTAP version 2: a zero-copy header view, an owned representation with parse and emit,
//! and the mapping between GSMTAP types/sub-types and [`PayloadKind`].
//!
//! Layout (all multi-byte fields big-endian):
//!
//! ```text
//!  0 version   1 hdr_len (32-bit words)   2 type   3 timeslot
//!  4..6 arfcn (bit 15 PCS, bit 14 uplink, bits 13..0 ARFCN)   6 signal dBm   7 SNR dB
//!  8..12 frame number
//! 12 sub-type  13 antenna  14 sub-slot  15 reserved
//! ```

use std::fmt;

use stingwatch_model::{Direction, LteRrcChannel, PayloadKind, Rat, UmtsRrcChannel};

/// UDP port GSMTAP is sent to (and recognised on).
pub const UDP_PORT: u16 = 4729;
/// The only GSMTAP version this module reads and writes.
pub const VERSION: u8 = 2;
/// Length of the fixed GSMTAP v2 header in bytes.
pub const HEADER_LEN: usize = 16;
/// ARFCN field flag: the ARFCN is in the PCS band.
pub const ARFCN_F_PCS: u16 = 0x8000;
/// ARFCN field flag: the message was sent by the device (uplink).
pub const ARFCN_F_UPLINK: u16 = 0x4000;
/// Bits of the ARFCN field that hold the channel number.
pub const ARFCN_MASK: u16 = 0x3fff;

/// GSMTAP payload type values this crate names.
pub mod gsmtap_type {
    /// GSM Um (air interface) layer 2/3.
    pub const UM: u8 = 0x01;
    /// GSM Abis.
    pub const ABIS: u8 = 0x02;
    /// GSM Um raw burst bits.
    pub const UM_BURST: u8 = 0x03;
    /// UMTS RLC/MAC.
    pub const UMTS_RLC_MAC: u8 = 0x0b;
    /// UMTS RRC.
    pub const UMTS_RRC: u8 = 0x0c;
    /// LTE RRC.
    pub const LTE_RRC: u8 = 0x0d;
    /// LTE MAC.
    pub const LTE_MAC: u8 = 0x0e;
    /// LTE MAC with a context header.
    pub const LTE_MAC_FRAMED: u8 = 0x0f;
    /// LTE (EPS) NAS.
    pub const LTE_NAS: u8 = 0x12;
}

/// LTE NAS sub-type: plain NAS message.
pub const LTE_NAS_PLAIN: u8 = 0;
/// LTE NAS sub-type: security protected NAS message.
pub const LTE_NAS_SECURITY_PROTECTED: u8 = 1;

/// Byte offsets of the GSMTAP v2 header fields.
mod field {
    use std::ops::Range;
    pub const VERSION: usize = 0;
    pub const HDR_LEN: usize = 1;
    pub const TYPE: usize = 2;
    pub const TIMESLOT: usize = 3;
    pub const ARFCN: Range<usize> = 4..6;
    pub const SIGNAL_DBM: usize = 6;
    pub const SNR_DB: usize = 7;
    pub const FRAME_NUMBER: Range<usize> = 8..12;
    pub const SUB_TYPE: usize = 12;
    pub const ANTENNA: usize = 13;
    pub const SUB_SLOT: usize = 14;
    pub const RESERVED: usize = 15;
}

/// Why bytes are not a GSMTAP v2 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GsmtapError {
    /// Fewer bytes than the header (or its declared length) needs.
    Truncated,
    /// A version other than 2.
    UnsupportedVersion(u8),
    /// A header length below the fixed 16 bytes.
    BadHeaderLength(u8),
}

impl fmt::Display for GsmtapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GsmtapError::Truncated => f.write_str("truncated gsmtap header"),
            GsmtapError::UnsupportedVersion(v) => write!(f, "unsupported gsmtap version {v}"),
            GsmtapError::BadHeaderLength(words) => {
                write!(f, "gsmtap header length {words} words is below 4")
            }
        }
    }
}

impl std::error::Error for GsmtapError {}

/// A read/write view of a GSMTAP v2 header followed by its payload.
#[derive(Debug, Clone)]
pub struct GsmtapHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> GsmtapHeader<T> {
    /// Wrap a buffer without checking it; accessors return 0 for missing bytes.
    pub fn new_unchecked(buffer: T) -> Self {
        GsmtapHeader { buffer }
    }

    /// Wrap a buffer after checking version, header length and size.
    pub fn new_checked(buffer: T) -> Result<Self, GsmtapError> {
        let header = Self::new_unchecked(buffer);
        header.check()?;
        Ok(header)
    }

    /// Check that the buffer holds a whole version 2 header of its declared length.
    pub fn check(&self) -> Result<(), GsmtapError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(GsmtapError::Truncated);
        }
        if self.version() != VERSION {
            return Err(GsmtapError::UnsupportedVersion(self.version()));
        }
        if self.header_len() < HEADER_LEN {
            return Err(GsmtapError::BadHeaderLength(self.header_len_words()));
        }
        if self.header_len() > len {
            return Err(GsmtapError::Truncated);
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn byte(&self, at: usize) -> u8 {
        self.buffer.as_ref().get(at).copied().unwrap_or(0)
    }

    /// GSMTAP version (2).
    pub fn version(&self) -> u8 {
        self.byte(field::VERSION)
    }

    /// Header length in 32-bit words, as written.
    pub fn header_len_words(&self) -> u8 {
        self.byte(field::HDR_LEN)
    }

    /// Header length in bytes.
    pub fn header_len(&self) -> usize {
        usize::from(self.header_len_words()) * 4
    }

    /// Payload type (see [`gsmtap_type`]).
    pub fn gsmtap_type(&self) -> u8 {
        self.byte(field::TYPE)
    }

    /// Timeslot (0..7 on GSM Um).
    pub fn timeslot(&self) -> u8 {
        self.byte(field::TIMESLOT)
    }

    /// The whole ARFCN field including the PCS and uplink flags.
    pub fn arfcn_field(&self) -> u16 {
        u16::from_be_bytes([
            self.byte(field::ARFCN.start),
            self.byte(field::ARFCN.start + 1),
        ])
    }

    /// ARFCN without flags.
    pub fn arfcn(&self) -> u16 {
        self.arfcn_field() & ARFCN_MASK
    }

    /// Uplink flag (device to network).
    pub fn uplink(&self) -> bool {
        self.arfcn_field() & ARFCN_F_UPLINK != 0
    }

    /// PCS band flag.
    pub fn pcs(&self) -> bool {
        self.arfcn_field() & ARFCN_F_PCS != 0
    }

    /// Signal level in dBm.
    pub fn signal_dbm(&self) -> i8 {
        i8::from_be_bytes([self.byte(field::SIGNAL_DBM)])
    }

    /// Signal to noise ratio in dB.
    pub fn snr_db(&self) -> i8 {
        i8::from_be_bytes([self.byte(field::SNR_DB)])
    }

    /// Frame number.
    pub fn frame_number(&self) -> u32 {
        let at = field::FRAME_NUMBER.start;
        u32::from_be_bytes([
            self.byte(at),
            self.byte(at + 1),
            self.byte(at + 2),
            self.byte(at + 3),
        ])
    }

    /// Sub-type (channel or message type, meaning depends on the type).
    pub fn sub_type(&self) -> u8 {
        self.byte(field::SUB_TYPE)
    }

    /// Antenna number.
    pub fn antenna(&self) -> u8 {
        self.byte(field::ANTENNA)
    }

    /// Sub-slot within the timeslot.
    pub fn sub_slot(&self) -> u8 {
        self.byte(field::SUB_SLOT)
    }

    /// Bytes after the declared header length (empty when the header is short).
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(self.header_len()..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> GsmtapHeader<T> {
    fn set_byte(&mut self, at: usize, value: u8) {
        if let Some(b) = self.buffer.as_mut().get_mut(at) {
            *b = value;
        }
    }

    /// Set the version.
    pub fn set_version(&mut self, value: u8) {
        self.set_byte(field::VERSION, value);
    }

    /// Set the header length in 32-bit words.
    pub fn set_header_len_words(&mut self, value: u8) {
        self.set_byte(field::HDR_LEN, value);
    }

    /// Set the payload type.
    pub fn set_gsmtap_type(&mut self, value: u8) {
        self.set_byte(field::TYPE, value);
    }

    /// Set the timeslot.
    pub fn set_timeslot(&mut self, value: u8) {
        self.set_byte(field::TIMESLOT, value);
    }

    /// Set the whole ARFCN field including flags.
    pub fn set_arfcn_field(&mut self, value: u16) {
        let [hi, lo] = value.to_be_bytes();
        self.set_byte(field::ARFCN.start, hi);
        self.set_byte(field::ARFCN.start + 1, lo);
    }

    /// Set the signal level in dBm.
    pub fn set_signal_dbm(&mut self, value: i8) {
        self.set_byte(field::SIGNAL_DBM, value.to_be_bytes()[0]);
    }

    /// Set the signal to noise ratio in dB.
    pub fn set_snr_db(&mut self, value: i8) {
        self.set_byte(field::SNR_DB, value.to_be_bytes()[0]);
    }

    /// Set the frame number.
    pub fn set_frame_number(&mut self, value: u32) {
        for (i, b) in value.to_be_bytes().into_iter().enumerate() {
            self.set_byte(field::FRAME_NUMBER.start + i, b);
        }
    }

    /// Set the sub-type.
    pub fn set_sub_type(&mut self, value: u8) {
        self.set_byte(field::SUB_TYPE, value);
    }

    /// Set the antenna number.
    pub fn set_antenna(&mut self, value: u8) {
        self.set_byte(field::ANTENNA, value);
    }

    /// Set the sub-slot.
    pub fn set_sub_slot(&mut self, value: u8) {
        self.set_byte(field::SUB_SLOT, value);
    }

    /// Zero the reserved byte.
    pub fn clear_reserved(&mut self) {
        self.set_byte(field::RESERVED, 0);
    }

    /// Bytes after the declared header length, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        match self.buffer.as_mut().get_mut(start..) {
            Some(p) => p,
            None => &mut [],
        }
    }
}

/// Owned GSMTAP v2 header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GsmtapRepr {
    /// Payload type (see [`gsmtap_type`]).
    pub gsmtap_type: u8,
    /// Timeslot.
    pub timeslot: u8,
    /// ARFCN without flags (14 bits).
    pub arfcn: u16,
    /// Uplink flag.
    pub uplink: bool,
    /// PCS band flag.
    pub pcs: bool,
    /// Signal level in dBm.
    pub signal_dbm: i8,
    /// Signal to noise ratio in dB.
    pub snr_db: i8,
    /// Frame number.
    pub frame_number: u32,
    /// Sub-type.
    pub sub_type: u8,
    /// Antenna number.
    pub antenna: u8,
    /// Sub-slot.
    pub sub_slot: u8,
}

impl GsmtapRepr {
    /// Read the fields of a checked header.
    pub fn parse<T: AsRef<[u8]>>(header: &GsmtapHeader<T>) -> Result<GsmtapRepr, GsmtapError> {
        header.check()?;
        Ok(GsmtapRepr {
            gsmtap_type: header.gsmtap_type(),
            timeslot: header.timeslot(),
            arfcn: header.arfcn(),
            uplink: header.uplink(),
            pcs: header.pcs(),
            signal_dbm: header.signal_dbm(),
            snr_db: header.snr_db(),
            frame_number: header.frame_number(),
            sub_type: header.sub_type(),
            antenna: header.antenna(),
            sub_slot: header.sub_slot(),
        })
    }

    /// Length of the header [`emit`](Self::emit) writes.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the 16-byte header into the start of `header`'s buffer.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        header: &mut GsmtapHeader<T>,
    ) -> Result<(), GsmtapError> {
        if header.buffer.as_ref().len() < HEADER_LEN {
            return Err(GsmtapError::Truncated);
        }
        let mut arfcn = self.arfcn & ARFCN_MASK;
        if self.uplink {
            arfcn |= ARFCN_F_UPLINK;
        }
        if self.pcs {
            arfcn |= ARFCN_F_PCS;
        }
        header.set_version(VERSION);
        header.set_header_len_words((HEADER_LEN / 4) as u8);
        header.set_gsmtap_type(self.gsmtap_type);
        header.set_timeslot(self.timeslot);
        header.set_arfcn_field(arfcn);
        header.set_signal_dbm(self.signal_dbm);
        header.set_snr_db(self.snr_db);
        header.set_frame_number(self.frame_number);
        header.set_sub_type(self.sub_type);
        header.set_antenna(self.antenna);
        header.set_sub_slot(self.sub_slot);
        header.clear_reserved();
        Ok(())
    }

    /// Which decoder reads the payload of a message with this header.
    pub fn payload_kind(&self) -> PayloadKind {
        match self.gsmtap_type {
            gsmtap_type::LTE_RRC => match lte_rrc_channel(self.sub_type) {
                Some(channel) => PayloadKind::LteRrc { channel },
                None => self.other(),
            },
            gsmtap_type::LTE_NAS
                if matches!(self.sub_type, LTE_NAS_PLAIN | LTE_NAS_SECURITY_PROTECTED) =>
            {
                PayloadKind::LteNas
            }
            gsmtap_type::UMTS_RRC => match UmtsRrcChannel::from_gsmtap(self.sub_type) {
                Some(channel) => PayloadKind::UmtsRrc { channel },
                None => self.other(),
            },
            gsmtap_type::UM => PayloadKind::GsmUm {
                channel_type: self.sub_type,
            },
            gsmtap_type::ABIS => PayloadKind::GsmL3,
            _ => self.other(),
        }
    }

    fn other(&self) -> PayloadKind {
        PayloadKind::Other {
            gsmtap_type: self.gsmtap_type,
            sub_type: self.sub_type,
        }
    }

    /// Radio access technology implied by the GSMTAP type (GSM when the type names none).
    pub fn rat(&self) -> Rat {
        match self.gsmtap_type {
            gsmtap_type::UMTS_RLC_MAC | gsmtap_type::UMTS_RRC => Rat::Umts,
            gsmtap_type::LTE_RRC
            | gsmtap_type::LTE_MAC
            | gsmtap_type::LTE_MAC_FRAMED
            | gsmtap_type::LTE_NAS => Rat::Lte,
            _ => Rat::Gsm,
        }
    }

    /// Direction: the RRC channel's for LTE and UMTS RRC, the uplink flag for everything else.
    pub fn direction(&self) -> Direction {
        match self.payload_kind() {
            PayloadKind::LteRrc { channel } => channel.direction(),
            PayloadKind::UmtsRrc { channel } => channel.direction(),
            _ if self.uplink => Direction::Uplink,
            _ => Direction::Downlink,
        }
    }

    /// Header fields that carry a payload of the given kind and direction on `arfcn`.
    ///
    /// `payload` is consulted only for LTE NAS, whose sub-type says whether the message is
    /// security protected. An ARFCN above 14 bits cannot be represented and is written as 0.
    pub fn for_payload(
        kind: PayloadKind,
        direction: Direction,
        arfcn: Option<u32>,
        payload: &[u8],
    ) -> GsmtapRepr {
        let (gsmtap_type, sub_type) = match kind {
            PayloadKind::LteRrc { channel } => (gsmtap_type::LTE_RRC, lte_rrc_sub_type(channel)),
            PayloadKind::LteNas => (gsmtap_type::LTE_NAS, lte_nas_sub_type(payload)),
            PayloadKind::GsmUm { channel_type } => (gsmtap_type::UM, channel_type),
            PayloadKind::GsmL3 => (gsmtap_type::ABIS, 0),
            // GSMTAP v2 has no NR type; the pcapng writer carries NR as exported PDUs.
            PayloadKind::NrRrc { .. } => (0, 0),
            // GSMTAP v2 has no 5GS NAS type: the pcapng writer carries it as an exported PDU.
            PayloadKind::NrNas => (0, 0),
            PayloadKind::UmtsRrc { channel } => (gsmtap_type::UMTS_RRC, channel.gsmtap_sub_type()),
            PayloadKind::Other {
                gsmtap_type,
                sub_type,
            } => (gsmtap_type, sub_type),
        };
        let arfcn = arfcn
            .and_then(|a| u16::try_from(a).ok())
            .filter(|a| *a <= ARFCN_MASK)
            .unwrap_or(0);
        GsmtapRepr {
            gsmtap_type,
            sub_type,
            arfcn,
            uplink: direction == Direction::Uplink,
            ..GsmtapRepr::default()
        }
    }
}

/// LTE RRC channel for a GSMTAP LTE RRC sub-type; `None` for sub-types without a channel here
/// (sidelink, TDD NB-IoT broadcast, NB-IoT SC-MCCH, and unassigned values).
pub fn lte_rrc_channel(sub_type: u8) -> Option<LteRrcChannel> {
    use LteRrcChannel::*;
    Some(match sub_type {
        0 => DlCcch,
        1 => DlDcch,
        2 => UlCcch,
        3 => UlDcch,
        4 => BcchBch,
        5 => BcchDlSch,
        6 => Pcch,
        7 => Mcch,
        8 => BcchBchMbms,
        9 => BcchDlSchBr,
        10 => BcchDlSchMbms,
        11 => ScMcch,
        14 => DlCcchNb,
        15 => DlDcchNb,
        16 => UlCcchNb,
        17 => UlDcchNb,
        18 => BcchBchNb,
        20 => BcchDlSchNb,
        21 => PcchNb,
        _ => return None,
    })
}

/// GSMTAP LTE RRC sub-type that carries messages of `channel`.
pub fn lte_rrc_sub_type(channel: LteRrcChannel) -> u8 {
    use LteRrcChannel::*;
    match channel {
        DlCcch => 0,
        DlDcch => 1,
        UlCcch => 2,
        UlDcch => 3,
        BcchBch => 4,
        BcchDlSch => 5,
        Pcch => 6,
        Mcch => 7,
        BcchBchMbms => 8,
        BcchDlSchBr => 9,
        BcchDlSchMbms => 10,
        ScMcch => 11,
        DlCcchNb => 14,
        DlDcchNb => 15,
        UlCcchNb => 16,
        UlDcchNb => 17,
        BcchBchNb => 18,
        BcchDlSchNb => 20,
        PcchNb => 21,
    }
}

/// GSMTAP LTE NAS sub-type for an EPS NAS PDU: security protected when it is an EMM message
/// (protocol discriminator 7) whose security header type is not 0.
///
/// Only EMM messages have a security header: the high nibble of an ESM message is its EPS
/// bearer identity, so an ESM message is plain whatever that nibble holds.
pub fn lte_nas_sub_type(payload: &[u8]) -> u8 {
    const EMM_PROTOCOL_DISCRIMINATOR: u8 = 0x07;
    match payload.first() {
        Some(b) if b & 0x0f == EMM_PROTOCOL_DISCRIMINATOR && b >> 4 != 0 => {
            LTE_NAS_SECURITY_PROTECTED
        }
        _ => LTE_NAS_PLAIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // GSMTAP header and payload of frame 1 of the 1749211282-goodsim recording (SIB1 on
    // BCCH-DL-SCH, frame number 4086).
    static SIB1: [u8; 48] = [
        0x02, 0x04, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xf6, 0x05, 0x00, 0x05,
        0x00, 0x68, 0x4c, 0x46, 0x90, 0x1f, 0x20, 0x13, 0xb1, 0x6f, 0x0c, 0x92, 0x46, 0xa1, 0x90,
        0x80, 0x84, 0x0c, 0x22, 0x61, 0x2b, 0x0c, 0x1d, 0xb6, 0x09, 0x8f, 0xd0, 0x80, 0x81, 0x4b,
        0x60, 0x30, 0x00,
    ];

    // Header of frame 5 of the same recording: uplink LTE NAS (Attach request).
    static NAS_UPLINK: [u8; 16] = [
        0x02, 0x04, 0x12, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ];

    #[test]
    fn deconstruct_lte_rrc_header() {
        let header = GsmtapHeader::new_checked(&SIB1[..]).expect("valid header");
        assert_eq!(header.version(), 2);
        assert_eq!(header.header_len(), 16);
        assert_eq!(header.gsmtap_type(), gsmtap_type::LTE_RRC);
        assert_eq!(header.arfcn(), 0);
        assert!(!header.uplink());
        assert_eq!(header.frame_number(), 4086);
        assert_eq!(header.sub_type(), 5);
        assert_eq!(header.antenna(), 0);
        assert_eq!(header.sub_slot(), 5);
        assert_eq!(header.payload().len(), 32);
        assert_eq!(header.payload().first(), Some(&0x68));
        let repr = GsmtapRepr::parse(&header).expect("parse");
        assert_eq!(
            repr.payload_kind(),
            PayloadKind::LteRrc {
                channel: LteRrcChannel::BcchDlSch
            }
        );
        assert_eq!(repr.direction(), Direction::Downlink);
        assert_eq!(repr.rat(), Rat::Lte);
    }

    #[test]
    fn emit_reproduces_known_header() {
        let header = GsmtapHeader::new_checked(&SIB1[..]).expect("valid header");
        let repr = GsmtapRepr::parse(&header).expect("parse");
        let mut out = [0xaau8; HEADER_LEN];
        repr.emit(&mut GsmtapHeader::new_unchecked(&mut out[..]))
            .expect("emit");
        assert_eq!(&out[..], &SIB1[..HEADER_LEN]);
    }

    #[test]
    fn uplink_nas_header() {
        let header = GsmtapHeader::new_checked(&NAS_UPLINK[..]).expect("valid header");
        assert!(header.uplink());
        assert!(!header.pcs());
        assert_eq!(header.arfcn(), 0);
        let repr = GsmtapRepr::parse(&header).expect("parse");
        assert_eq!(repr.payload_kind(), PayloadKind::LteNas);
        assert_eq!(repr.direction(), Direction::Uplink);
        let mut out = [0u8; HEADER_LEN];
        repr.emit(&mut GsmtapHeader::new_unchecked(&mut out[..]))
            .expect("emit");
        assert_eq!(out, NAS_UPLINK);
    }

    #[test]
    fn flags_signal_and_slots_round_trip() {
        let repr = GsmtapRepr {
            gsmtap_type: gsmtap_type::UM,
            timeslot: 7,
            arfcn: 0x0123,
            uplink: true,
            pcs: true,
            signal_dbm: -77,
            snr_db: -3,
            frame_number: 0x0102_0304,
            sub_type: 6,
            antenna: 1,
            sub_slot: 2,
        };
        let mut out = [0u8; 20];
        repr.emit(&mut GsmtapHeader::new_unchecked(&mut out[..]))
            .expect("emit");
        assert_eq!(&out[4..6], &[0xc1, 0x23]);
        assert_eq!(out[6], 0xb3);
        assert_eq!(&out[8..12], &[1, 2, 3, 4]);
        let header = GsmtapHeader::new_checked(&out[..]).expect("valid");
        assert_eq!(GsmtapRepr::parse(&header), Ok(repr));
        assert_eq!(header.payload().len(), 4);
        assert_eq!(repr.payload_kind(), PayloadKind::GsmUm { channel_type: 6 });
        assert_eq!(repr.rat(), Rat::Gsm);
        assert_eq!(repr.direction(), Direction::Uplink);
    }

    #[test]
    fn rejects_short_wrong_version_and_bad_length() {
        assert_eq!(
            GsmtapHeader::new_checked(&SIB1[..15]).err(),
            Some(GsmtapError::Truncated)
        );
        let mut v1 = SIB1;
        v1[0] = 1;
        assert_eq!(
            GsmtapHeader::new_checked(&v1[..]).err(),
            Some(GsmtapError::UnsupportedVersion(1))
        );
        let mut short = SIB1;
        short[1] = 3;
        assert_eq!(
            GsmtapHeader::new_checked(&short[..]).err(),
            Some(GsmtapError::BadHeaderLength(3))
        );
        let mut long = SIB1;
        long[1] = 13;
        assert_eq!(
            GsmtapHeader::new_checked(&long[..]).err(),
            Some(GsmtapError::Truncated)
        );
        long[1] = 12;
        let header = GsmtapHeader::new_checked(&long[..]).expect("48-byte header fits");
        assert!(header.payload().is_empty());
    }

    #[test]
    fn every_rrc_channel_maps_back_to_its_sub_type() {
        let mut channels = 0;
        for sub in 0..=u8::MAX {
            if let Some(channel) = lte_rrc_channel(sub) {
                assert_eq!(lte_rrc_sub_type(channel), sub);
                channels += 1;
            }
        }
        assert_eq!(channels, 19);
        assert_eq!(lte_rrc_channel(2), Some(LteRrcChannel::UlCcch));
        assert_eq!(lte_rrc_channel(12), None);
        assert_eq!(lte_rrc_channel(19), None);
        assert_eq!(lte_rrc_channel(22), None);
    }

    #[test]
    fn unknown_types_and_sub_types_are_other() {
        let repr = GsmtapRepr {
            gsmtap_type: gsmtap_type::UMTS_RRC,
            sub_type: 62,
            uplink: true,
            ..GsmtapRepr::default()
        };
        assert_eq!(
            repr.payload_kind(),
            PayloadKind::Other {
                gsmtap_type: 0x0c,
                sub_type: 62
            }
        );
        assert_eq!(repr.rat(), Rat::Umts);
        assert_eq!(repr.direction(), Direction::Uplink);
        let ul_ccch = GsmtapRepr {
            sub_type: 3,
            uplink: false,
            ..repr
        };
        assert_eq!(
            ul_ccch.payload_kind(),
            PayloadKind::UmtsRrc {
                channel: UmtsRrcChannel::UlCcch
            }
        );
        // The channel says the direction, whatever the flag.
        assert_eq!(ul_ccch.direction(), Direction::Uplink);
        for sub in 0..=61u8 {
            let channel = UmtsRrcChannel::from_gsmtap(sub).unwrap();
            let back = GsmtapRepr::for_payload(
                PayloadKind::UmtsRrc { channel },
                Direction::Downlink,
                None,
                &[],
            );
            assert_eq!((back.gsmtap_type, back.sub_type), (0x0c, sub));
        }
        let sidelink = GsmtapRepr {
            gsmtap_type: gsmtap_type::LTE_RRC,
            sub_type: 12,
            ..GsmtapRepr::default()
        };
        assert!(matches!(sidelink.payload_kind(), PayloadKind::Other { .. }));
        let nas_unknown = GsmtapRepr {
            gsmtap_type: gsmtap_type::LTE_NAS,
            sub_type: 2,
            ..GsmtapRepr::default()
        };
        assert!(matches!(
            nas_unknown.payload_kind(),
            PayloadKind::Other { .. }
        ));
    }

    #[test]
    fn nas_sub_type_follows_emm_security_header() {
        assert_eq!(lte_nas_sub_type(&[0x07, 0x41]), LTE_NAS_PLAIN);
        assert_eq!(lte_nas_sub_type(&[0x27, 0x02]), LTE_NAS_SECURITY_PROTECTED);
        assert_eq!(lte_nas_sub_type(&[0xc7, 0x0a]), LTE_NAS_SECURITY_PROTECTED);
        // ESM with EPS bearer identity 5 in the high nibble is plain.
        assert_eq!(lte_nas_sub_type(&[0x52, 0x03]), LTE_NAS_PLAIN);
        assert_eq!(lte_nas_sub_type(&[]), LTE_NAS_PLAIN);
    }

    #[test]
    fn writer_header_for_payload() {
        let repr = GsmtapRepr::for_payload(
            PayloadKind::LteRrc {
                channel: LteRrcChannel::UlDcch,
            },
            Direction::Uplink,
            Some(2050),
            &[],
        );
        assert_eq!(
            (repr.gsmtap_type, repr.sub_type, repr.arfcn),
            (0x0d, 3, 2050)
        );
        let too_big = GsmtapRepr::for_payload(
            PayloadKind::LteNas,
            Direction::Downlink,
            Some(66_000),
            &[0x27],
        );
        assert_eq!(
            (too_big.gsmtap_type, too_big.sub_type, too_big.arfcn),
            (0x12, 1, 0)
        );
        assert!(!too_big.uplink);
    }
}
