//! Streaming pcap and pcapng reader yielding GSMTAP radio messages and damage reports.
//!
//! Framing is done here over a bounded window so that every block is checked (length fields,
//! trailing length copy, size limit) before pcap-parser reads its contents, and so that a
//! damaged region can be skipped by scanning forward for the next block that checks out.

use std::fmt;
use std::io::{self, Read};

use pcap_parser::pcap::{parse_pcap_header, PcapHeader};
use pcap_parser::pcapng::{parse_block_be, parse_block_le, parse_sectionheaderblock, Block};
use stingwatch_model::{
    CaptureFormat, CaptureTime, Damage, Direction, PayloadKind, RadioContext, RadioMessage, Rat,
    ReadItem, ReadSummary,
};

use crate::exported_pdu;
use crate::gsmtap::{self, GsmtapError, GsmtapHeader, GsmtapRepr};
use crate::net::{self, Transport};
use crate::window::Window;

/// Largest pcapng block accepted; a block claiming more is treated as damage, not buffered.
pub const MAX_BLOCK: usize = 1 << 20;
/// Largest legacy pcap record payload accepted (the usual maximum snapshot length).
pub const MAX_PCAP_RECORD: usize = 262_144;
/// Most interfaces one pcapng section may declare; more is damage (bounds memory).
pub const MAX_INTERFACES: usize = 4096;

/// Look-ahead window: one maximal block plus room for the header of the block after it.
const WINDOW_CAPACITY: usize = MAX_BLOCK + 64;
/// Bytes read ahead while scanning a damaged region.
const SCAN_CHUNK: usize = 64 * 1024;

const SHB_TYPE: u32 = 0x0a0d_0d0a;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const IDB_TYPE: u32 = 1;
const OBSOLETE_PACKET_BLOCK_TYPE: u32 = 2;
const SPB_TYPE: u32 = 3;
const NRB_TYPE: u32 = 4;
const ISB_TYPE: u32 = 5;
const EPB_TYPE: u32 = 6;
const SYSTEMD_JOURNAL_TYPE: u32 = 9;
const DECRYPTION_SECRETS_TYPE: u32 = 0x0a;
const CUSTOM_TYPE: u32 = 0x0bad;
const CUSTOM_NOCOPY_TYPE: u32 = 0x4000_0bad;
/// Smallest pcapng block: type, length, trailing length.
const MIN_BLOCK: usize = 12;
const OPTION_IF_TSRESOL: u16 = 9;
const OPTION_IF_TSOFFSET: u16 = 14;

/// Legacy pcap magic numbers as read little-endian: microseconds, nanoseconds, and the
/// modified format whose record headers are 24 bytes.
const PCAP_MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const PCAP_MAGIC_NANOS: u32 = 0xa1b2_3c4d;
const PCAP_MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
const PCAP_HEADER_LEN: usize = 24;

/// Container format from the first bytes of an input, by magic number; `None` when it is
/// neither pcap nor pcapng (or fewer than 4 bytes are given).
pub fn detect_format(prefix: &[u8]) -> Option<CaptureFormat> {
    let magic: [u8; 4] = prefix.get(..4)?.try_into().ok()?;
    if u32::from_le_bytes(magic) == SHB_TYPE {
        return Some(CaptureFormat::Pcapng);
    }
    let pcap_magics = [PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS, PCAP_MAGIC_MODIFIED];
    let le = u32::from_le_bytes(magic);
    let be = u32::from_be_bytes(magic);
    if pcap_magics.contains(&le) || pcap_magics.contains(&be) {
        return Some(CaptureFormat::Pcap);
    }
    None
}

/// Why a [`PcapReader`] could not be created.
#[derive(Debug)]
pub enum OpenError {
    /// Reading the first bytes failed.
    Io(io::Error),
    /// The input does not start with a pcap or pcapng magic number.
    UnknownFormat,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Io(e) => write!(f, "cannot read the capture: {e}"),
            OpenError::UnknownFormat => f.write_str(
                "not a pcap or pcapng capture (no pcap or pcapng magic number at offset 0)",
            ),
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OpenError::Io(e) => Some(e),
            OpenError::UnknownFormat => None,
        }
    }
}

/// Timestamp units of a pcapng interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    /// 10^-n seconds.
    Decimal(u8),
    /// 2^-n seconds.
    Binary(u8),
}

impl Resolution {
    fn from_tsresol(value: u8) -> Resolution {
        if value & 0x80 == 0 {
            Resolution::Decimal(value)
        } else {
            Resolution::Binary(value & 0x7f)
        }
    }

    /// Microseconds in `ticks` units of this resolution; `None` when it does not fit.
    fn micros(self, ticks: u64) -> Option<i64> {
        let micros: u128 = match self {
            Resolution::Decimal(n) if n >= 6 => {
                u128::from(ticks) / 10u128.checked_pow(u32::from(n - 6))?
            }
            Resolution::Decimal(n) => {
                u128::from(ticks).checked_mul(10u128.pow(u32::from(6 - n)))?
            }
            Resolution::Binary(n) => (u128::from(ticks) * 1_000_000) >> n,
        };
        i64::try_from(micros).ok()
    }
}

/// What a pcapng Interface Description Block declared.
#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u32,
    snaplen: u32,
    resolution: Resolution,
    offset_secs: i64,
}

/// State of the pcapng section being read.
#[derive(Debug, Default)]
struct Section {
    big_endian: bool,
    interfaces: Vec<Interface>,
}

/// State of a legacy pcap file after its header.
#[derive(Debug, Clone, Copy)]
struct PcapFile {
    big_endian: bool,
    nanos: bool,
    record_header_len: usize,
    linktype: u32,
}

#[derive(Debug)]
enum Framing {
    PcapHeaderPending,
    Pcap(PcapFile),
    Pcapng(Section),
}

/// A record header as read, before it is trusted.
#[derive(Debug, Clone, Copy)]
struct PcapRecordHeader {
    ts_sec: u32,
    ts_frac: u32,
    caplen: usize,
    origlen: usize,
}

/// Result of decoding one captured packet's bytes.
enum PacketOutcome {
    Message(GsmtapRepr, Vec<u8>),
    /// A PDU of an exported-PDU or GSMTAP version 3 packet: what reads it, its technology,
    /// direction and radio context.
    Pdu(PayloadKind, Rat, Direction, RadioContext, Vec<u8>),
    Skipped(String),
    Damaged(String),
}

/// Result of one step of the reader.
enum Step {
    Item(ReadItem),
    Continue,
    End,
}

/// Reads pcap or pcapng (detected from content) and yields one [`ReadItem`] per GSMTAP
/// message or damaged region, with bounded memory.
///
/// Packet numbers follow tshark's `frame.number`: every packet record or packet block
/// (enhanced, simple, obsolete) counts, whatever it carries.
pub struct PcapReader<R: Read> {
    window: Window<R>,
    format: CaptureFormat,
    framing: Framing,
    packets: u64,
    summary: ReadSummary,
    done: bool,
    stalled: u8,
}

impl<R: Read> fmt::Debug for PcapReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcapReader")
            .field("format", &self.format)
            .field("offset", &self.window.offset())
            .field("packets", &self.packets)
            .finish_non_exhaustive()
    }
}

impl<R: Read> PcapReader<R> {
    /// Start reading `input`, detecting pcap or pcapng from its first bytes.
    pub fn new(input: R) -> Result<PcapReader<R>, OpenError> {
        let mut window = Window::new(input, WINDOW_CAPACITY);
        window.fill(4);
        if let Some(e) = window.take_error() {
            return Err(OpenError::Io(e));
        }
        let format = detect_format(window.data()).ok_or(OpenError::UnknownFormat)?;
        let framing = match format {
            CaptureFormat::Pcapng => Framing::Pcapng(Section::default()),
            _ => Framing::PcapHeaderPending,
        };
        Ok(PcapReader {
            window,
            format,
            framing,
            packets: 0,
            summary: ReadSummary::default(),
            done: false,
            stalled: 0,
        })
    }

    /// Counters so far (final once the iterator has returned `None`).
    pub fn summary(&self) -> &ReadSummary {
        &self.summary
    }

    /// The detected container format.
    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    fn damage(&mut self, offset: u64, length: u64, reason: impl Into<String>) -> ReadItem {
        self.summary.damaged_regions += 1;
        ReadItem::Damage(Damage {
            offset,
            length,
            reason: reason.into(),
        })
    }

    /// Report whatever is left of the input as damage and stop.
    fn damage_to_end(&mut self, reason: &str) -> Step {
        self.done = true;
        let offset = self.window.offset();
        let mut length = 0u64;
        loop {
            let n = self.window.data().len();
            length += n as u64;
            self.window.consume(n);
            if !self.window.fill(1) {
                break;
            }
        }
        Step::Item(self.damage(offset, length, reason))
    }

    /// End of input: report a read error if that is what ended it.
    fn end(&mut self) -> Step {
        match self.window.take_error() {
            Some(e) => {
                let offset = self.window.offset();
                Step::Item(self.damage(offset, 0, format!("read error: {e}")))
            }
            None => Step::End,
        }
    }

    fn step(&mut self) -> Step {
        match self.framing {
            Framing::PcapHeaderPending => self.step_pcap_header(),
            Framing::Pcap(file) => self.step_pcap_record(file),
            Framing::Pcapng(_) => self.step_pcapng(),
        }
    }

    fn step_pcap_header(&mut self) -> Step {
        if !self.window.fill(PCAP_HEADER_LEN) {
            return self.damage_to_end("truncated pcap file header");
        }
        let header: Option<PcapHeader> = self
            .window
            .data()
            .get(..PCAP_HEADER_LEN)
            .and_then(|h| parse_pcap_header(h).ok())
            .map(|(_, h)| h);
        let Some(header) = header else {
            return self.damage_to_end("unrecognised pcap file header");
        };
        // The modified format's magic is only defined little-endian.
        let record_header_len = if header.is_modified_format() { 24 } else { 16 };
        self.framing = Framing::Pcap(PcapFile {
            big_endian: header.is_bigendian(),
            nanos: header.is_nanosecond_precision(),
            record_header_len,
            linktype: header.network.0 as u32,
        });
        self.window.consume(PCAP_HEADER_LEN);
        Step::Continue
    }

    fn read_record_header(file: &PcapFile, data: &[u8]) -> Option<PcapRecordHeader> {
        let field = |i: usize| read_u32(data, i * 4, file.big_endian);
        Some(PcapRecordHeader {
            ts_sec: field(0)?,
            ts_frac: field(1)?,
            caplen: field(2)? as usize,
            origlen: field(3)? as usize,
        })
    }

    fn step_pcap_record(&mut self, file: PcapFile) -> Step {
        let offset = self.window.offset();
        let header_len = file.record_header_len;
        if !self.window.fill(header_len) {
            if self.window.data().is_empty() {
                return self.end();
            }
            return self.damage_to_end("truncated pcap record header");
        }
        let Some(record) = Self::read_record_header(&file, self.window.data()) else {
            return self.damage_to_end("truncated pcap record header");
        };
        if record.caplen > MAX_PCAP_RECORD {
            let reason = format!(
                "pcap record length {} exceeds {MAX_PCAP_RECORD}",
                record.caplen
            );
            return self.resync_pcap(file, offset, reason);
        }
        let total = header_len + record.caplen;
        if !self.window.fill(total) {
            let reason = format!(
                "truncated pcap record: {} of {total} bytes",
                self.window.data().len()
            );
            return self.resync_pcap(file, offset, reason);
        }
        if let Some(start) = self.misframed_pcap_record(&file, &record, total) {
            self.window.consume(start);
            let reason = format!(
                "pcap record length {} runs over the record at offset {}",
                record.caplen,
                self.window.offset()
            );
            return Step::Item(self.damage(offset, start as u64, reason));
        }
        self.packets += 1;
        self.summary.frames += 1;
        let time = pcap_time(&file, &record);
        let outcome = {
            let data = self
                .window
                .data()
                .get(header_len..total)
                .unwrap_or_default();
            decode_packet(file.linktype, data)
        };
        self.window.consume(total);
        self.finish_packet(offset, total as u64, time, outcome)
    }

    /// Where a record really starts inside the `total` bytes the record at the window start
    /// claims, when its length looks corrupt.
    ///
    /// A pcap record has no trailing length to check, so a corrupt captured length would
    /// swallow the records after it. When the header after the claimed end is implausible,
    /// or a raw IP packet is shorter than the record, look inside the claimed span for a plausible pair of records (stamped within a day of
    /// this one, when this one is plausible itself); finding one means the length was wrong. Finding none keeps the record (the
    /// damage is after it).
    fn misframed_pcap_record(
        &mut self,
        file: &PcapFile,
        record: &PcapRecordHeader,
        total: usize,
    ) -> Option<usize> {
        let header_len = file.record_header_len;
        let has_next =
            self.window.fill(total + header_len + 1) || self.window.fill(total + header_len);
        let next_plausible = has_next
            && self
                .window
                .data()
                .get(total..)
                .is_some_and(|d| Self::plausible_pcap_record(file, d, None));
        // A raw IP packet shorter than its record gives a too-long length away even when
        // the bytes after it happen to look like a record (or there are none).
        let data = self
            .window
            .data()
            .get(header_len..total)
            .unwrap_or_default();
        let too_long = raw_ip_shorter_than(file.linktype, data);
        if !too_long && (next_plausible || !has_next) {
            return None;
        }
        // Only a record that itself looks sane vouches for its time.
        let near = self
            .window
            .data()
            .get(..total)
            .filter(|d| Self::plausible_pcap_record(file, d, None))
            .map(|_| record.ts_sec);
        (1..=total).find(|&p| self.pcap_chain_holds_at(file, p, near))
    }

    /// Strict check of the record header at the start of `data`, used to tell records from
    /// other bytes: sane lengths, a fraction of a second below one second, a first data
    /// byte that fits the link type (when present), and a time near `near` (when given).
    fn plausible_pcap_record(file: &PcapFile, data: &[u8], near: Option<u32>) -> bool {
        const DAY: u32 = 86_400;
        let Some(record) = Self::read_record_header(file, data) else {
            return false;
        };
        let units = if file.nanos { 1_000_000_000 } else { 1_000_000 };
        let first = data.get(file.record_header_len).copied();
        let first_fits = match (file.linktype, first) {
            (_, None) => true,
            (net::linktype::IPV4, Some(b)) => (0x45..=0x4f).contains(&b),
            (net::linktype::IPV6, Some(b)) => b >> 4 == 6,
            (net::linktype::RAW | net::linktype::RAW_12 | net::linktype::RAW_14, Some(b)) => {
                (0x45..=0x4f).contains(&b) || b >> 4 == 6
            }
            _ => true,
        };
        record.caplen > 0
            && record.caplen <= MAX_PCAP_RECORD
            && record.origlen >= record.caplen
            && record.origlen <= MAX_BLOCK * 16
            && record.ts_frac < units
            && first_fits
            && near.is_none_or(|t| record.ts_sec.abs_diff(t) <= DAY)
    }

    /// Skip forward from `offset` to the next plausible record (one whose successor is also
    /// plausible, or that ends exactly at the end of input) and report what was skipped.
    fn resync_pcap(&mut self, file: PcapFile, offset: u64, reason: String) -> Step {
        let header_len = file.record_header_len;
        self.window.consume(1);
        loop {
            if !self.window.fill(header_len) {
                let rest = self.window.data().len();
                self.window.consume(rest);
                break;
            }
            let found = {
                let data = self.window.data();
                let last = data.len().saturating_sub(header_len);
                (0..=last).find(|&p| {
                    data.get(p..)
                        .is_some_and(|d| Self::plausible_pcap_record(&file, d, None))
                })
            };
            let Some(p) = found else {
                let keep = header_len - 1;
                let drop = self.window.data().len().saturating_sub(keep).max(1);
                self.window.consume(drop);
                if !self.window.at_eof() {
                    self.window.fill(SCAN_CHUNK);
                }
                continue;
            };
            self.window.consume(p);
            if self.pcap_chain_holds_at(&file, 0, None) {
                break;
            }
            self.window.consume(1);
        }
        let length = self.window.offset() - offset;
        Step::Item(self.damage(offset, length, reason))
    }

    /// Whether a plausible record starts `at` bytes into the window, fits, and is followed by
    /// end of input or by another plausible record.
    fn pcap_chain_holds_at(&mut self, file: &PcapFile, at: usize, near: Option<u32>) -> bool {
        let header_len = file.record_header_len;
        // One byte past the header lets the link-type check see the first data byte.
        self.window.fill(at + header_len + 1);
        let record = self.window.data().get(at..).and_then(|d| {
            Self::plausible_pcap_record(file, d, near)
                .then(|| Self::read_record_header(file, d))
                .flatten()
        });
        let Some(record) = record else {
            return false;
        };
        let end = at + header_len + record.caplen;
        if !self.window.fill(end + header_len + 1) && !self.window.fill(end + header_len) {
            return self.window.data().len() == end && self.window.at_eof();
        }
        self.window
            .data()
            .get(end..)
            .is_some_and(|d| Self::plausible_pcap_record(file, d, None))
    }

    fn section(&self) -> Option<&Section> {
        match &self.framing {
            Framing::Pcapng(s) => Some(s),
            _ => None,
        }
    }

    fn big_endian(&self) -> bool {
        self.section().is_some_and(|s| s.big_endian)
    }

    /// Type, length and byte order of the block header at the start of `data`, or why it
    /// cannot start a block (too few bytes, bad byte-order magic, impossible length).
    fn block_header(data: &[u8], section_big_endian: bool) -> Result<(u32, usize, bool), String> {
        let Some(raw_type) = read_u32(data, 0, false) else {
            return Err("truncated pcapng block header".into());
        };
        let big_endian = if raw_type == SHB_TYPE {
            match read_u32(data, 8, false) {
                Some(BYTE_ORDER_MAGIC) => false,
                Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
                Some(m) => return Err(format!("section header with byte-order magic 0x{m:08x}")),
                None => return Err("truncated pcapng section header".into()),
            }
        } else {
            section_big_endian
        };
        let block_type = read_u32(data, 0, big_endian).unwrap_or(raw_type);
        let Some(len) = read_u32(data, 4, big_endian) else {
            return Err("truncated pcapng block header".into());
        };
        let len = len as usize;
        if len < MIN_BLOCK || !len.is_multiple_of(4) {
            return Err(format!(
                "pcapng block type 0x{block_type:x} with invalid length {len}"
            ));
        }
        if len > MAX_BLOCK {
            return Err(format!(
                "pcapng block type 0x{block_type:x} length {len} exceeds {MAX_BLOCK}"
            ));
        }
        Ok((block_type, len, big_endian))
    }

    fn step_pcapng(&mut self) -> Step {
        let offset = self.window.offset();
        if !self.window.fill(8) {
            if self.window.data().is_empty() {
                return self.end();
            }
            return self.damage_to_end("truncated pcapng block header");
        }
        self.window.fill(MIN_BLOCK);
        let (block_type, len, big_endian) =
            match Self::block_header(self.window.data(), self.big_endian()) {
                Ok(h) => h,
                Err(reason) => return self.resync_pcapng(offset, reason),
            };
        if !self.window.fill(len) {
            let reason = format!(
                "truncated pcapng block type 0x{block_type:x}: {} of {len} bytes",
                self.window.data().len()
            );
            return self.resync_pcapng(offset, reason);
        }
        if read_u32(self.window.data(), len - 4, big_endian) != Some(len as u32) {
            let reason =
                format!("pcapng block type 0x{block_type:x}: trailing length differs from {len}");
            return self.resync_pcapng(offset, reason);
        }
        if let Some(start) = self.misframed_pcapng_block(len) {
            self.window.consume(start);
            let reason = format!(
                "pcapng block type 0x{block_type:x} length {len} runs over the block at offset {}",
                self.window.offset()
            );
            return Step::Item(self.damage(offset, start as u64, reason));
        }
        let step = self.read_block(offset, block_type, len, big_endian);
        self.window.consume(len);
        step
    }

    /// Handle one framed block at the window start (its framing already checked).
    fn read_block(&mut self, offset: u64, block_type: u32, len: usize, big_endian: bool) -> Step {
        let is_packet = matches!(block_type, EPB_TYPE | SPB_TYPE | OBSOLETE_PACKET_BLOCK_TYPE);
        if is_packet {
            self.packets += 1;
            self.summary.frames += 1;
        }
        let Framing::Pcapng(section) = &mut self.framing else {
            return Step::Continue;
        };
        let block = self.window.data().get(..len).unwrap_or_default();
        match parse_framed_block(block, block_type, big_endian, &section.interfaces) {
            Ok(Parsed::Section { big_endian }) => {
                section.big_endian = big_endian;
                section.interfaces.clear();
                Step::Continue
            }
            Ok(Parsed::Interface(interface)) => {
                if section.interfaces.len() >= MAX_INTERFACES {
                    let reason = format!("more than {MAX_INTERFACES} interfaces in one section");
                    return Step::Item(self.damage(offset, len as u64, reason));
                }
                section.interfaces.push(interface);
                Step::Continue
            }
            Ok(Parsed::Packet(time, outcome)) => {
                self.finish_packet(offset, len as u64, time, outcome)
            }
            Ok(Parsed::Other) => {
                if !is_known_block_type(block_type) {
                    self.summary
                        .skip(format!("pcapng block type 0x{block_type:x}"));
                }
                Step::Continue
            }
            Err(reason) => Step::Item(self.damage(offset, len as u64, reason)),
        }
    }

    /// Whether a block that passes framing and parsing starts `at` bytes into the window.
    fn pcapng_block_holds_at(&mut self, at: usize) -> bool {
        let section_big_endian = self.big_endian();
        let header = self
            .window
            .data()
            .get(at..)
            .map(|d| Self::block_header(d, section_big_endian));
        let Some(Ok((block_type, len, big_endian))) = header else {
            return false;
        };
        if !is_known_block_type(block_type) || !self.window.fill(at + len) {
            return false;
        }
        if read_u32(self.window.data(), at + len - 4, big_endian) != Some(len as u32) {
            return false;
        }
        let interfaces = match &self.framing {
            Framing::Pcapng(s) => s.interfaces.as_slice(),
            _ => &[],
        };
        let block = self.window.data().get(at..at + len).unwrap_or_default();
        match parse_framed_block(block, block_type, big_endian, interfaces) {
            Ok(Parsed::Packet(_, PacketOutcome::Damaged(_))) | Err(_) => false,
            // A packet on an interface this section never declared is noise, not a block.
            Ok(Parsed::Packet(..)) => block_type == SPB_TYPE || !interfaces.is_empty(),
            Ok(_) => true,
        }
    }

    /// Where a block really starts inside the `len` bytes the block at the window start
    /// claims, when its length looks corrupt.
    ///
    /// A corrupt length can still match the trailing copy by chance (the 4 bytes at the
    /// wrong end happen to hold the same value), and would swallow the start of the next
    /// block. When what follows the claimed end is not a block header, look inside the
    /// claimed span for a block that checks out; finding none keeps the block.
    fn misframed_pcapng_block(&mut self, len: usize) -> Option<usize> {
        if !self.window.fill(len + MIN_BLOCK) {
            return None;
        }
        let section_big_endian = self.big_endian();
        let next_is_block = self.window.data().get(len..).is_some_and(|d| {
            Self::block_header(d, section_big_endian).is_ok_and(|(t, _, _)| is_known_block_type(t))
        });
        if next_is_block {
            return None;
        }
        (1..len).find(|&p| self.pcapng_block_holds_at(p))
    }

    /// Skip forward from `offset` to the next block that passes framing and parsing, and
    /// report what was skipped.
    fn resync_pcapng(&mut self, offset: u64, reason: String) -> Step {
        self.window.consume(1);
        loop {
            if !self.window.fill(MIN_BLOCK) {
                let rest = self.window.data().len();
                self.window.consume(rest);
                break;
            }
            let section_big_endian = self.big_endian();
            let found = {
                let data = self.window.data();
                let last = data.len().saturating_sub(MIN_BLOCK);
                (0..=last).find(|&p| {
                    data.get(p..).is_some_and(|d| {
                        Self::block_header(d, section_big_endian)
                            .is_ok_and(|(t, _, _)| is_known_block_type(t))
                    })
                })
            };
            let Some(p) = found else {
                let keep = MIN_BLOCK - 1;
                let drop = self.window.data().len().saturating_sub(keep).max(1);
                self.window.consume(drop);
                if !self.window.at_eof() {
                    self.window.fill(SCAN_CHUNK);
                }
                continue;
            };
            self.window.consume(p);
            if self.pcapng_block_holds_at(0) {
                break;
            }
            self.window.consume(1);
        }
        let length = self.window.offset() - offset;
        Step::Item(self.damage(offset, length, reason))
    }

    /// Turn a decoded packet into the item to yield, updating the counters.
    fn finish_packet(
        &mut self,
        offset: u64,
        length: u64,
        time: Option<CaptureTime>,
        outcome: PacketOutcome,
    ) -> Step {
        match outcome {
            PacketOutcome::Message(repr, payload) => {
                let kind = repr.payload_kind();
                if let PayloadKind::Other {
                    gsmtap_type,
                    sub_type,
                } = kind
                {
                    let what = if gsmtap_type == gsmtap::gsmtap_type::LTE_RRC
                        || gsmtap_type == gsmtap::gsmtap_type::LTE_NAS
                    {
                        format!("gsmtap type 0x{gsmtap_type:02x} sub-type {sub_type}")
                    } else {
                        format!("gsmtap type 0x{gsmtap_type:02x}")
                    };
                    self.summary.skip(what);
                }
                self.summary.messages += 1;
                Step::Item(ReadItem::Message(RadioMessage {
                    packet: self.packets,
                    offset,
                    time,
                    direction: repr.direction(),
                    rat: repr.rat(),
                    kind,
                    context: RadioContext {
                        arfcn: Some(u32::from(repr.arfcn)),
                        ..RadioContext::default()
                    },
                    payload,
                }))
            }
            PacketOutcome::Pdu(kind, rat, direction, context, payload) => {
                if let PayloadKind::Other { .. } = kind {
                    self.summary
                        .skip(format!("exported PDU of {}", rat.as_str()));
                }
                self.summary.messages += 1;
                Step::Item(ReadItem::Message(RadioMessage {
                    packet: self.packets,
                    offset,
                    time,
                    direction,
                    rat,
                    kind,
                    context,
                    payload,
                }))
            }
            PacketOutcome::Skipped(what) => {
                self.summary.skip(what);
                Step::Continue
            }
            PacketOutcome::Damaged(reason) => Step::Item(self.damage(
                offset,
                length,
                format!("packet {}: {reason}", self.packets),
            )),
        }
    }
}

impl<R: Read> Iterator for PcapReader<R> {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        while !self.done {
            let before = self.window.offset();
            let step = self.step();
            self.summary.bytes = self.window.offset();
            // Every step consumes input or ends; a step that did neither twice in a row
            // would be a bug, and must not become an endless stream.
            if self.window.offset() == before {
                self.stalled += 1;
                if self.stalled > 2 {
                    self.done = true;
                }
            } else {
                self.stalled = 0;
            }
            match step {
                Step::Item(item) => return Some(item),
                Step::Continue => {}
                Step::End => self.done = true,
            }
        }
        None
    }
}

fn is_known_block_type(block_type: u32) -> bool {
    matches!(
        block_type,
        SHB_TYPE
            | IDB_TYPE
            | OBSOLETE_PACKET_BLOCK_TYPE
            | SPB_TYPE
            | NRB_TYPE
            | ISB_TYPE
            | EPB_TYPE
            | SYSTEMD_JOURNAL_TYPE
            | DECRYPTION_SECRETS_TYPE
            | CUSTOM_TYPE
            | CUSTOM_NOCOPY_TYPE
    )
}

/// Whether `data` on a raw-IP link type holds an IPv4 packet whose total length is less
/// than the captured bytes (raw IP has no link padding, so the record is too long).
fn raw_ip_shorter_than(linktype: u32, data: &[u8]) -> bool {
    let raw_ip = matches!(
        linktype,
        net::linktype::IPV4 | net::linktype::RAW | net::linktype::RAW_12 | net::linktype::RAW_14
    );
    let is_ipv4 = data.first().is_some_and(|b| b >> 4 == 4);
    let total_len = read_u16(data, 2, true).map(usize::from);
    raw_ip && is_ipv4 && total_len.is_some_and(|t| t < data.len())
}

fn read_u32(data: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    })
}

fn read_u16(data: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let bytes: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    })
}

fn pcap_time(file: &PcapFile, record: &PcapRecordHeader) -> Option<CaptureTime> {
    let frac_micros = if file.nanos {
        i64::from(record.ts_frac / 1000)
    } else {
        i64::from(record.ts_frac)
    };
    i64::from(record.ts_sec)
        .checked_mul(1_000_000)?
        .checked_add(frac_micros)
        .map(CaptureTime)
}

/// What one framed pcapng block held.
enum Parsed {
    Section { big_endian: bool },
    Interface(Interface),
    Packet(Option<CaptureTime>, PacketOutcome),
    Other,
}

/// Parse one pcapng block whose framing has been checked.
fn parse_framed_block(
    block: &[u8],
    block_type: u32,
    big_endian: bool,
    interfaces: &[Interface],
) -> Result<Parsed, String> {
    if block_type == SHB_TYPE {
        return match parse_sectionheaderblock(block) {
            Ok((_, shb)) => Ok(Parsed::Section {
                big_endian: shb.big_endian(),
            }),
            Err(_) => Err("malformed pcapng section header block".into()),
        };
    }
    if block_type == OBSOLETE_PACKET_BLOCK_TYPE {
        return parse_obsolete_packet_block(block, big_endian, interfaces);
    }
    let parsed = if big_endian {
        parse_block_be(block)
    } else {
        parse_block_le(block)
    };
    let block = match parsed {
        Ok((_, b)) => b,
        Err(_) => return Err(format!("malformed pcapng block type 0x{block_type:x}")),
    };
    match block {
        Block::InterfaceDescription(idb) => {
            let mut resolution = Resolution::Decimal(6);
            let mut offset_secs = 0i64;
            for option in &idb.options {
                let value = option.value();
                match option.code.0 {
                    OPTION_IF_TSRESOL => {
                        if let Some(&v) = value.first() {
                            resolution = Resolution::from_tsresol(v);
                        }
                    }
                    OPTION_IF_TSOFFSET => {
                        if let Some(bytes) =
                            value.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok())
                        {
                            offset_secs = if big_endian {
                                i64::from_be_bytes(bytes)
                            } else {
                                i64::from_le_bytes(bytes)
                            };
                        }
                    }
                    _ => {}
                }
            }
            Ok(Parsed::Interface(Interface {
                linktype: idb.linktype.0 as u32 & 0xffff,
                snaplen: idb.snaplen,
                resolution,
                offset_secs,
            }))
        }
        Block::EnhancedPacket(epb) => {
            let Some(interface) = interfaces.get(epb.if_id as usize) else {
                return Ok(Parsed::Packet(
                    None,
                    PacketOutcome::Damaged(format!(
                        "enhanced packet block on undeclared interface {}",
                        epb.if_id
                    )),
                ));
            };
            let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
            let time = interface_time(interface, ticks);
            let Some(data) = epb.data.get(..epb.caplen as usize) else {
                return Err("enhanced packet block captured length exceeds the block".into());
            };
            Ok(Parsed::Packet(
                time,
                decode_packet(interface.linktype, data),
            ))
        }
        Block::SimplePacket(spb) => {
            let Some(interface) = interfaces.first() else {
                return Ok(Parsed::Packet(
                    None,
                    PacketOutcome::Damaged("simple packet block before any interface".into()),
                ));
            };
            let mut len = spb.data.len().min(spb.origlen as usize);
            if interface.snaplen != 0 {
                len = len.min(interface.snaplen as usize);
            }
            let data = spb.data.get(..len).unwrap_or_default();
            Ok(Parsed::Packet(
                None,
                decode_packet(interface.linktype, data),
            ))
        }
        _ => Ok(Parsed::Other),
    }
}

/// The pcapng Packet Block (type 2) that Enhanced Packet Blocks replaced; still counted as a
/// packet. Layout after type and length: interface id (16), drops (16), timestamp high,
/// timestamp low, captured length, original length, data, options.
fn parse_obsolete_packet_block(
    block: &[u8],
    big_endian: bool,
    interfaces: &[Interface],
) -> Result<Parsed, String> {
    const DATA_START: usize = 28;
    let fields = (
        read_u16(block, 8, big_endian),
        read_u32(block, 12, big_endian),
        read_u32(block, 16, big_endian),
        read_u32(block, 20, big_endian),
    );
    let (Some(if_id), Some(ts_high), Some(ts_low), Some(caplen)) = fields else {
        return Err("truncated pcapng packet block".into());
    };
    let data = DATA_START
        .checked_add(caplen as usize)
        .and_then(|end| block.get(DATA_START..end))
        .filter(|_| caplen as usize <= block.len().saturating_sub(DATA_START + 4));
    let Some(data) = data else {
        return Err("pcapng packet block captured length exceeds the block".into());
    };
    let Some(interface) = interfaces.get(usize::from(if_id)) else {
        return Ok(Parsed::Packet(
            None,
            PacketOutcome::Damaged(format!("packet block on undeclared interface {if_id}")),
        ));
    };
    let ticks = (u64::from(ts_high) << 32) | u64::from(ts_low);
    Ok(Parsed::Packet(
        interface_time(interface, ticks),
        decode_packet(interface.linktype, data),
    ))
}

fn interface_time(interface: &Interface, ticks: u64) -> Option<CaptureTime> {
    interface
        .resolution
        .micros(ticks)?
        .checked_add(interface.offset_secs.checked_mul(1_000_000)?)
        .map(CaptureTime)
}

/// Follow one packet down to GSMTAP, or read it as an exported PDU.
fn decode_packet(linktype: u32, data: &[u8]) -> PacketOutcome {
    if linktype == exported_pdu::LINKTYPE {
        return match exported_pdu::parse(data) {
            Err(e) => PacketOutcome::Damaged(e),
            Ok(e) => {
                let name = e.dissector.unwrap_or("");
                match exported_pdu::payload_for(name) {
                    // A channel's own direction (RRC) comes first; the tag serves the rest.
                    Some((kind, rat, direction)) => PacketOutcome::Pdu(
                        kind,
                        rat,
                        match direction {
                            Direction::Unknown => e.direction.unwrap_or(direction),
                            known => known,
                        },
                        RadioContext::default(),
                        e.pdu.to_vec(),
                    ),
                    // Kept (and counted) as another protocol's message, never dropped.
                    None => PacketOutcome::Pdu(
                        PayloadKind::Other {
                            gsmtap_type: 0,
                            sub_type: 0,
                        },
                        exported_pdu::rat_of(name),
                        e.direction.unwrap_or(Direction::Unknown),
                        RadioContext::default(),
                        e.pdu.to_vec(),
                    ),
                }
            }
        };
    }
    let payload = match net::transport(linktype, data) {
        Err(malformed) => return PacketOutcome::Damaged(malformed.0),
        Ok(Transport::NotUdp(what)) if what.starts_with("linktype") => {
            return PacketOutcome::Skipped(what)
        }
        Ok(Transport::NotUdp(_)) => return PacketOutcome::Skipped("non-gsmtap packet".into()),
        Ok(Transport::Udp {
            src_port,
            dst_port,
            payload,
        }) => {
            if src_port != gsmtap::UDP_PORT && dst_port != gsmtap::UDP_PORT {
                return PacketOutcome::Skipped("non-gsmtap packet".into());
            }
            payload
        }
    };
    if payload.first() == Some(&crate::gsmtapv3::VERSION) {
        return match crate::gsmtapv3::Gsmtapv3::parse(payload) {
            Ok(v3) => {
                let (kind, rat, direction) = v3.route();
                PacketOutcome::Pdu(
                    kind,
                    rat,
                    direction,
                    RadioContext {
                        arfcn: v3.channel_number,
                        pci: v3.cell,
                        sfn: None,
                    },
                    v3.payload.to_vec(),
                )
            }
            Err(e) => PacketOutcome::Damaged(e.to_string()),
        };
    }
    let header = match GsmtapHeader::new_checked(payload) {
        Ok(h) => h,
        Err(GsmtapError::UnsupportedVersion(v)) => {
            return PacketOutcome::Skipped(format!("gsmtap version {v}"))
        }
        Err(e) => return PacketOutcome::Damaged(e.to_string()),
    };
    match GsmtapRepr::parse(&header) {
        Ok(repr) => PacketOutcome::Message(repr, header.payload().to_vec()),
        Err(e) => PacketOutcome::Damaged(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_by_magic() {
        assert_eq!(
            detect_format(&[0x0a, 0x0d, 0x0d, 0x0a, 0]),
            Some(CaptureFormat::Pcapng)
        );
        assert_eq!(
            detect_format(&[0xd4, 0xc3, 0xb2, 0xa1]),
            Some(CaptureFormat::Pcap)
        );
        assert_eq!(
            detect_format(&[0xa1, 0xb2, 0xc3, 0xd4]),
            Some(CaptureFormat::Pcap)
        );
        assert_eq!(
            detect_format(&[0x4d, 0x3c, 0xb2, 0xa1]),
            Some(CaptureFormat::Pcap)
        );
        assert_eq!(
            detect_format(&[0xa1, 0xb2, 0x3c, 0x4d]),
            Some(CaptureFormat::Pcap)
        );
        assert_eq!(detect_format(&[0x7e, 0x00, 0x00, 0x00]), None);
        assert_eq!(detect_format(&[0x0a, 0x0d, 0x0d]), None);
    }

    #[test]
    fn resolutions_convert_to_micros() {
        assert_eq!(Resolution::Decimal(6).micros(1_500_000), Some(1_500_000));
        assert_eq!(
            Resolution::Decimal(9).micros(1_500_000_123),
            Some(1_500_000)
        );
        assert_eq!(Resolution::Decimal(3).micros(1_500), Some(1_500_000));
        assert_eq!(Resolution::Decimal(0).micros(2), Some(2_000_000));
        assert_eq!(Resolution::Binary(10).micros(1024), Some(1_000_000));
        assert_eq!(Resolution::Binary(0).micros(3), Some(3_000_000));
        assert_eq!(Resolution::Decimal(0).micros(u64::MAX), None);
        assert_eq!(Resolution::Decimal(127).micros(5), None);
        assert_eq!(Resolution::from_tsresol(0x8a), Resolution::Binary(10));
    }

    #[test]
    fn unknown_input_is_refused() {
        assert!(matches!(
            PcapReader::new(&b"\x7e\x10\x00\x00garbage"[..]),
            Err(OpenError::UnknownFormat)
        ));
        assert!(matches!(
            PcapReader::new(&b""[..]),
            Err(OpenError::UnknownFormat)
        ));
    }
}
