//! System information on the BCH (TS 25.331 §8.1.1, §10.2.48): one BCCH-BCH transport block
//! is 246 bits, so a system information block longer than one block travels in segments.
//!
//! A `SystemInformation-BCH` message carries, after an 11-bit SFN prime, one of sixteen
//! combinations of: a first segment (SIB type, segment count, data), subsequent segments and
//! a last segment (SIB type, segment index, data), and complete SIBs (a list of short ones, or
//! one filling the block). The SIB's own UPER encoding is the concatenation, bit by bit, of
//! the data of its segments in index order (§8.1.1.5): segments are not octet-aligned, so they
//! are kept as bit strings ([`SibBits`]).
//!
//! [`SibReassembler`] joins the segments of each SIB as §8.1.1.5 tells a phone to: segments of
//! one SIB arrive in index order, a first segment starts over, and anything else (a gap, a
//! repeat, a segment without its first, an index past the announced count) discards what was
//! gathered. What it discards it says, as a [`SibReassemblyError`]; memory stays within
//! [`MAX_PENDING_SIBS`] SIBs of [`MAX_SIB_BITS`] bits each.

use serde::Serialize;

use crate::per::{BitReader, BitWriter};
use crate::{Content, UmtsRrcError};

/// Most segments of one SIB (`SegCount ::= INTEGER (1..16)`).
pub const MAX_SEGMENTS: u8 = 16;
/// Longest SIB reassembled, in bits: sixteen full segments of `SIB-Data-fixed`.
pub const MAX_SIB_BITS: usize = MAX_SEGMENTS as usize * FIXED_SEGMENT_BITS;
/// Most SIBs being reassembled at once; a cell interleaves the segments of a few SIBs (the
/// scheduling of §8.1.1.1.2), and a new one beyond this pushes out the one waiting longest.
pub const MAX_PENDING_SIBS: usize = 8;
/// Most complete SIBs in one message (`maxSIBperMsg`).
pub const MAX_SIBS_PER_MESSAGE: usize = 16;

/// `SIB-Type` index of the master information block.
pub const SIB_TYPE_MIB: u8 = 0;
/// `SIB-Type` index of system information block type 3.
pub const SIB_TYPE_SIB3: u8 = 3;

/// Names of `SIB-Type` (TS 25.331 §11.3), by index.
const SIB_TYPE_NAMES: [&str; 32] = [
    "masterInformationBlock",
    "systemInformationBlockType1",
    "systemInformationBlockType2",
    "systemInformationBlockType3",
    "systemInformationBlockType4",
    "systemInformationBlockType5",
    "systemInformationBlockType6",
    "systemInformationBlockType7",
    "dummy",
    "dummy2",
    "dummy3",
    "systemInformationBlockType11",
    "systemInformationBlockType12",
    "systemInformationBlockType13",
    "systemInformationBlockType13-1",
    "systemInformationBlockType13-2",
    "systemInformationBlockType13-3",
    "systemInformationBlockType13-4",
    "systemInformationBlockType14",
    "systemInformationBlockType15",
    "systemInformationBlockType15-1",
    "systemInformationBlockType15-2",
    "systemInformationBlockType15-3",
    "systemInformationBlockType16",
    "systemInformationBlockType17",
    "systemInformationBlockType15-4",
    "systemInformationBlockType18",
    "schedulingBlock1",
    "schedulingBlock2",
    "systemInformationBlockType15-5",
    "systemInformationBlockType5bis",
    "extensionType",
];

/// Name of a `SIB-Type` index.
pub fn sib_type_name(sib_type: u8) -> &'static str {
    SIB_TYPE_NAMES
        .get(usize::from(sib_type))
        .copied()
        .unwrap_or("unknown")
}

/// Bits of `SIB-Data-fixed` (first, subsequent and last segments).
const FIXED_SEGMENT_BITS: usize = 222;
/// Bits of the data of a complete SIB alone in a message.
const COMPLETE_SIB_BITS: usize = 226;
/// Largest `SIB-Data-variable` (`BIT STRING (SIZE (1..214))`).
const MAX_VARIABLE_BITS: u32 = 214;
/// Bits of the SFN prime (`INTEGER (0..2047)`).
const SFN_PRIME_BITS: u32 = 11;

/// A bit string: `len` bits, most significant first, in `bytes` (the last octet padded with
/// zero bits).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SibBits {
    bytes: Vec<u8>,
    len: usize,
}

impl SibBits {
    /// Bits from whole octets, the first `len` of them (all when `len` exceeds them).
    pub fn from_bytes(bytes: &[u8], len: usize) -> SibBits {
        let len = len.min(bytes.len() * 8);
        let mut r = BitReader::new(bytes);
        let mut out = SibBits::default();
        for _ in 0..len {
            // Within bounds by the line above.
            let b = r.bit("bit string").unwrap_or(false);
            out.push(b);
        }
        out
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The octets holding the bits (the last padded with zero bits).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn push(&mut self, bit: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit {
            if let Some(last) = self.bytes.last_mut() {
                *last |= 0x80 >> (self.len % 8);
            }
        }
        self.len += 1;
    }

    /// Appends `other`'s bits.
    fn extend(&mut self, other: &SibBits) {
        let mut r = BitReader::new(&other.bytes);
        for _ in 0..other.len {
            let b = r.bit("bit string").unwrap_or(false);
            self.push(b);
        }
    }

    fn read(
        r: &mut BitReader<'_>,
        len: usize,
        what: &'static str,
    ) -> Result<SibBits, UmtsRrcError> {
        let mut out = SibBits::default();
        out.bytes.reserve(len.div_ceil(8));
        for _ in 0..len {
            out.push(r.bit(what)?);
        }
        Ok(out)
    }

    fn write(&self, w: &mut BitWriter) {
        let mut r = BitReader::new(&self.bytes);
        for _ in 0..self.len {
            w.bit(r.bit("bit string").unwrap_or(false));
        }
    }
}

/// Which part of a SIB a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "part", rename_all = "kebab-case")]
pub enum SegmentPart {
    /// The whole SIB in one piece.
    Complete,
    /// The first of `count` segments (index 0).
    First {
        /// Segments the SIB has in all (1-16).
        count: u8,
    },
    /// A segment between the first and the last.
    Subsequent {
        /// Index of the segment (1-15).
        index: u8,
    },
    /// The last segment.
    Last {
        /// Index of the segment (1-15).
        index: u8,
    },
}

/// One SIB, or one segment of it, as a BCCH-BCH message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SibSegment {
    /// `SIB-Type` index ([`sib_type_name`]).
    pub sib_type: u8,
    /// Which part this is.
    #[serde(flatten)]
    pub part: SegmentPart,
    /// The data bits.
    #[serde(skip)]
    pub data: SibBits,
}

fn sib_type(r: &mut BitReader<'_>) -> Result<u8, UmtsRrcError> {
    // 32 values, no extension marker: five bits, every value valid.
    Ok(u8::try_from(r.bits(5, "SIB-Type")?).unwrap_or(u8::MAX))
}

fn variable_data(r: &mut BitReader<'_>) -> Result<SibBits, UmtsRrcError> {
    let n = 1 + r.upto(MAX_VARIABLE_BITS - 1, "SIB-Data-variable length")? as usize;
    SibBits::read(r, n, "SIB-Data-variable")
}

/// `FirstSegment` (fixed data) or `FirstSegmentShort` (variable data).
fn first(r: &mut BitReader<'_>, short: bool) -> Result<SibSegment, UmtsRrcError> {
    let sib_type = sib_type(r)?;
    let count = 1 + r.upto(u32::from(MAX_SEGMENTS) - 1, "SegCount")?;
    let data = if short {
        variable_data(r)?
    } else {
        SibBits::read(r, FIXED_SEGMENT_BITS, "SIB-Data-fixed")?
    };
    Ok(SibSegment {
        sib_type,
        part: SegmentPart::First {
            count: u8::try_from(count).unwrap_or(MAX_SEGMENTS),
        },
        data,
    })
}

/// `SubsequentSegment`, `LastSegment` (fixed data) or `LastSegmentShort` (variable data).
fn indexed(r: &mut BitReader<'_>, last: bool, short: bool) -> Result<SibSegment, UmtsRrcError> {
    let sib_type = sib_type(r)?;
    let index = 1 + r.upto(14, "SegmentIndex")?;
    let index = u8::try_from(index).unwrap_or(u8::MAX);
    let data = if short {
        variable_data(r)?
    } else {
        SibBits::read(r, FIXED_SEGMENT_BITS, "SIB-Data-fixed")?
    };
    Ok(SibSegment {
        sib_type,
        part: if last {
            SegmentPart::Last { index }
        } else {
            SegmentPart::Subsequent { index }
        },
        data,
    })
}

/// `CompleteSIB-List`.
fn complete_list(r: &mut BitReader<'_>, out: &mut Vec<SibSegment>) -> Result<(), UmtsRrcError> {
    let n = 1 + r.upto(MAX_SIBS_PER_MESSAGE as u32 - 1, "CompleteSIB-List size")? as usize;
    for _ in 0..n {
        let sib_type = sib_type(r)?;
        out.push(SibSegment {
            sib_type,
            part: SegmentPart::Complete,
            data: variable_data(r)?,
        });
    }
    Ok(())
}

/// Payload choices of `SystemInformation-BCH`, by index.
const PAYLOAD_NAMES: [&str; 16] = [
    "noSegment",
    "firstSegment",
    "subsequentSegment",
    "lastSegmentShort",
    "lastAndFirst",
    "lastAndComplete",
    "lastAndCompleteAndFirst",
    "completeSIB-List",
    "completeAndFirst",
    "completeSIB",
    "lastSegment",
    "spare5",
    "spare4",
    "spare3",
    "spare2",
    "spare1",
];

/// Name of a `SystemInformation-BCH` payload choice.
pub fn payload_name(index: u8) -> &'static str {
    PAYLOAD_NAMES
        .get(usize::from(index))
        .copied()
        .unwrap_or("unknown")
}

/// Reads a `SystemInformation-BCH` (the whole BCCH-BCH message).
pub(crate) fn system_information_bch(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    let sfn_prime = u16::try_from(r.bits(SFN_PRIME_BITS, "sfn-Prime")?).unwrap_or(0);
    let payload = r.upto(15, "SystemInformation-BCH payload")?;
    let mut segments = Vec::new();
    match payload {
        1 => segments.push(first(r, false)?),
        2 => segments.push(indexed(r, false, false)?),
        3 => segments.push(indexed(r, true, true)?),
        4 => {
            segments.push(indexed(r, true, true)?);
            segments.push(first(r, true)?);
        }
        5 => {
            segments.push(indexed(r, true, true)?);
            complete_list(r, &mut segments)?;
        }
        6 => {
            segments.push(indexed(r, true, true)?);
            complete_list(r, &mut segments)?;
            segments.push(first(r, true)?);
        }
        7 => complete_list(r, &mut segments)?,
        8 => {
            complete_list(r, &mut segments)?;
            segments.push(first(r, true)?);
        }
        9 => {
            let sib_type = sib_type(r)?;
            segments.push(SibSegment {
                sib_type,
                part: SegmentPart::Complete,
                data: SibBits::read(r, COMPLETE_SIB_BITS, "CompleteSIB data")?,
            });
        }
        10 => segments.push(indexed(r, true, false)?),
        // noSegment and the spares carry nothing.
        _ => {}
    }
    Ok(Content::SystemInformation {
        sfn_prime,
        payload: u8::try_from(payload).unwrap_or(u8::MAX),
        segments,
    })
}

/// Reads a reassembled SIB of `sib_type`: the master information block and SIB3 as
/// [`crate::decode`] reads them alone; other types give [`Content::None`].
pub fn decode_sib(sib_type: u8, data: &SibBits) -> Result<Content, UmtsRrcError> {
    let mut r = BitReader::new(data.as_bytes());
    match sib_type {
        SIB_TYPE_MIB => crate::mib(&mut r),
        SIB_TYPE_SIB3 => crate::sib3(&mut r),
        _ => Ok(Content::None),
    }
}

/// A SIB whose segments were all received, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassembledSib {
    /// `SIB-Type` index.
    pub sib_type: u8,
    /// Segments it came in (1 for a complete SIB).
    pub segments: u8,
    /// The SIB's encoding.
    pub data: SibBits,
}

/// Why segments were discarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SibReassemblyError {
    /// A subsequent or last segment without a first segment before it.
    #[error("{} segment {index} without its first segment", sib_type_name(*sib_type))]
    NoFirstSegment {
        /// SIB type.
        sib_type: u8,
        /// Index of the segment.
        index: u8,
    },
    /// A segment other than the next one expected: gathered segments are discarded.
    #[error(
        "{} segment {got} where segment {expected} was expected; {gathered} segments discarded",
        sib_type_name(*sib_type)
    )]
    OutOfOrder {
        /// SIB type.
        sib_type: u8,
        /// Index expected.
        expected: u8,
        /// Index received.
        got: u8,
        /// Segments discarded.
        gathered: u8,
    },
    /// A segment index that does not fit the count the first segment announced (a last
    /// segment before the end, or a subsequent one at or past it).
    #[error(
        "{} segment {index} does not fit the {count} segments announced; discarded",
        sib_type_name(*sib_type)
    )]
    CountMismatch {
        /// SIB type.
        sib_type: u8,
        /// Index received.
        index: u8,
        /// Segments announced.
        count: u8,
    },
    /// A first segment arrived while an earlier instance was incomplete: the earlier one is
    /// discarded (the cell started the SIB over, e.g. after a change).
    #[error(
        "{} started over after {gathered} of {count} segments; those are discarded",
        sib_type_name(*sib_type)
    )]
    StartedOver {
        /// SIB type.
        sib_type: u8,
        /// Segments gathered.
        gathered: u8,
        /// Segments announced.
        count: u8,
    },
    /// More SIBs in progress than [`MAX_PENDING_SIBS`]: the one waiting longest is dropped.
    #[error(
        "more than {MAX_PENDING_SIBS} SIBs in progress: {} dropped after {gathered} segments",
        sib_type_name(*sib_type)
    )]
    TooManyPending {
        /// SIB type dropped.
        sib_type: u8,
        /// Segments it had gathered.
        gathered: u8,
    },
    /// Incomplete SIBs left behind when reassembly stopped (a new cell, the end).
    #[error(
        "{} left incomplete after {gathered} of {count} segments",
        sib_type_name(*sib_type)
    )]
    Incomplete {
        /// SIB type.
        sib_type: u8,
        /// Segments gathered.
        gathered: u8,
        /// Segments announced.
        count: u8,
    },
    /// A reassembled SIB longer than [`MAX_SIB_BITS`] (more bits than sixteen segments hold).
    #[error("{} longer than {MAX_SIB_BITS} bits; discarded", sib_type_name(*sib_type))]
    TooLong {
        /// SIB type.
        sib_type: u8,
    },
}

/// One SIB being gathered.
#[derive(Debug, Clone)]
struct Pending {
    sib_type: u8,
    count: u8,
    /// Index of the next segment expected (also the number gathered).
    next: u8,
    data: SibBits,
}

/// Joins SIB segments of one cell's BCH (see the module notes). Pure: segments in, SIBs and
/// diagnostics out.
#[derive(Debug, Clone, Default)]
pub struct SibReassembler {
    /// In order of their first segment, oldest first.
    pending: Vec<Pending>,
}

impl SibReassembler {
    /// A reassembler with nothing gathered.
    pub fn new() -> Self {
        SibReassembler::default()
    }

    /// SIBs in progress.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Takes one segment: a SIB it completes goes to `sibs`, anything it discards to
    /// `errors`.
    pub fn push(
        &mut self,
        segment: &SibSegment,
        sibs: &mut Vec<ReassembledSib>,
        errors: &mut Vec<SibReassemblyError>,
    ) {
        let t = segment.sib_type;
        let at = self.pending.iter().position(|p| p.sib_type == t);
        match segment.part {
            SegmentPart::Complete => {
                // A complete instance replaces any partial one (the cell sent it whole).
                if let Some(i) = at {
                    let p = self.pending.remove(i);
                    errors.push(SibReassemblyError::StartedOver {
                        sib_type: t,
                        gathered: p.next,
                        count: p.count,
                    });
                }
                sibs.push(ReassembledSib {
                    sib_type: t,
                    segments: 1,
                    data: segment.data.clone(),
                });
            }
            SegmentPart::First { count } => {
                if let Some(i) = at {
                    let p = self.pending.remove(i);
                    errors.push(SibReassemblyError::StartedOver {
                        sib_type: t,
                        gathered: p.next,
                        count: p.count,
                    });
                }
                if count <= 1 {
                    sibs.push(ReassembledSib {
                        sib_type: t,
                        segments: 1,
                        data: segment.data.clone(),
                    });
                    return;
                }
                if self.pending.len() >= MAX_PENDING_SIBS {
                    let p = self.pending.remove(0);
                    errors.push(SibReassemblyError::TooManyPending {
                        sib_type: p.sib_type,
                        gathered: p.next,
                    });
                }
                self.pending.push(Pending {
                    sib_type: t,
                    count: count.min(MAX_SEGMENTS),
                    next: 1,
                    data: segment.data.clone(),
                });
            }
            SegmentPart::Subsequent { index } | SegmentPart::Last { index } => {
                let last = matches!(segment.part, SegmentPart::Last { .. });
                let Some(i) = at else {
                    errors.push(SibReassemblyError::NoFirstSegment { sib_type: t, index });
                    return;
                };
                let Some(p) = self.pending.get_mut(i) else {
                    return;
                };
                if index != p.next {
                    let (expected, gathered) = (p.next, p.next);
                    self.pending.remove(i);
                    errors.push(SibReassemblyError::OutOfOrder {
                        sib_type: t,
                        expected,
                        got: index,
                        gathered,
                    });
                    return;
                }
                let fits = if last {
                    index.checked_add(1) == Some(p.count)
                } else {
                    index.checked_add(1).is_some_and(|n| n < p.count)
                };
                if !fits {
                    let count = p.count;
                    self.pending.remove(i);
                    errors.push(SibReassemblyError::CountMismatch {
                        sib_type: t,
                        index,
                        count,
                    });
                    return;
                }
                if p.data.len() + segment.data.len() > MAX_SIB_BITS {
                    self.pending.remove(i);
                    errors.push(SibReassemblyError::TooLong { sib_type: t });
                    return;
                }
                p.data.extend(&segment.data);
                p.next = index.saturating_add(1);
                if last {
                    let p = self.pending.remove(i);
                    sibs.push(ReassembledSib {
                        sib_type: t,
                        segments: p.count,
                        data: p.data,
                    });
                }
            }
        }
    }

    /// Stops reassembly (a new cell, the end of the recording): every SIB in progress is
    /// reported incomplete to `errors`.
    pub fn abandon(&mut self, errors: &mut Vec<SibReassemblyError>) {
        for p in self.pending.drain(..) {
            errors.push(SibReassemblyError::Incomplete {
                sib_type: p.sib_type,
                gathered: p.next,
                count: p.count,
            });
        }
    }
}

/// Writes BCCH-BCH `SystemInformation-BCH` messages: for the scenario builder and the tests.
pub mod build {
    use super::*;

    fn data_variable(w: &mut BitWriter, data: &SibBits) {
        let n = data.len().clamp(1, MAX_VARIABLE_BITS as usize);
        w.upto(u32::try_from(n - 1).unwrap_or(0), MAX_VARIABLE_BITS - 1);
        let mut bits = SibBits::from_bytes(data.as_bytes(), n);
        while bits.len() < n {
            bits.push(false);
        }
        bits.write(w);
    }

    fn data_fixed(w: &mut BitWriter, data: &SibBits, len: usize) {
        let mut bits = SibBits::from_bytes(data.as_bytes(), data.len().min(len));
        // The padding of §12.1: zero bits.
        while bits.len() < len {
            bits.push(false);
        }
        bits.write(w);
    }

    /// One BCCH-BCH message with the segment combination `payload` (the index of
    /// [`payload_name`]) holding `segments` in the order the combination lists them.
    /// Segments that do not fit the combination are left out.
    pub fn system_information_bch(sfn_prime: u16, payload: u8, segments: &[SibSegment]) -> Vec<u8> {
        let mut w = BitWriter::new();
        w.bits(u32::from(sfn_prime), SFN_PRIME_BITS);
        w.upto(u32::from(payload), 15);
        let mut it = segments.iter();
        let mut seg = |w: &mut BitWriter, short: bool| {
            if let Some(s) = it.next() {
                w.bits(u32::from(s.sib_type), 5);
                match s.part {
                    SegmentPart::First { count } => w.upto(u32::from(count.max(1)) - 1, 15),
                    SegmentPart::Subsequent { index } | SegmentPart::Last { index } => {
                        w.upto(u32::from(index.max(1)) - 1, 14)
                    }
                    SegmentPart::Complete => {}
                }
                if short {
                    data_variable(w, &s.data);
                } else {
                    let len = if s.part == SegmentPart::Complete {
                        COMPLETE_SIB_BITS
                    } else {
                        FIXED_SEGMENT_BITS
                    };
                    data_fixed(w, &s.data, len);
                }
            }
        };
        let list_len = |rest: usize| segments.len().saturating_sub(rest).clamp(1, 16);
        match payload {
            1 | 2 | 10 => seg(&mut w, false),
            3 => seg(&mut w, true),
            4 => {
                seg(&mut w, true);
                seg(&mut w, true);
            }
            5..=8 => {
                let (before, after) = match payload {
                    5 => (1, 0),
                    6 => (1, 1),
                    7 => (0, 0),
                    _ => (0, 1),
                };
                for _ in 0..before {
                    seg(&mut w, true);
                }
                let n = list_len(before + after);
                w.upto(u32::try_from(n - 1).unwrap_or(0), 15);
                for _ in 0..n {
                    seg(&mut w, true);
                }
                for _ in 0..after {
                    seg(&mut w, true);
                }
            }
            9 => seg(&mut w, false),
            _ => {}
        }
        let mut out = w.finish();
        // A BCH transport block is 246 bits: 31 octets.
        out.resize(out.len().max(31), 0);
        out
    }

    /// Cuts a SIB's encoding into the segments §8.1.1.1 describes: whole when it fits in one
    /// message (226 bits), else a first segment and
    /// subsequent ones of 222 bits and a last one with the rest.
    pub fn segments_of(sib_type: u8, sib: &SibBits) -> Vec<SibSegment> {
        if sib.len() <= COMPLETE_SIB_BITS {
            return vec![SibSegment {
                sib_type,
                part: SegmentPart::Complete,
                data: sib.clone(),
            }];
        }
        let mut chunks = Vec::new();
        let mut r = BitReader::new(sib.as_bytes());
        let mut left = sib.len();
        while left > 0 {
            let n = left.min(FIXED_SEGMENT_BITS);
            chunks.push(SibBits::read(&mut r, n, "SIB").unwrap_or_default());
            left -= n;
        }
        let count = u8::try_from(chunks.len()).unwrap_or(MAX_SEGMENTS);
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, data)| {
                let index = u8::try_from(i).unwrap_or(u8::MAX);
                SibSegment {
                    sib_type,
                    part: if i == 0 {
                        SegmentPart::First { count }
                    } else if index + 1 == count {
                        SegmentPart::Last { index }
                    } else {
                        SegmentPart::Subsequent { index }
                    },
                    data,
                }
            })
            .collect()
    }

    /// The BCCH-BCH messages that carry `segments` one per message, as a cell sends a long
    /// SIB: firstSegment, subsequentSegment, lastSegment (or lastSegmentShort when the rest is
    /// short), completeSIB-List for a whole one.
    pub fn messages_of(sfn_prime: u16, segments: &[SibSegment]) -> Vec<Vec<u8>> {
        segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let payload = match s.part {
                    SegmentPart::Complete if s.data.len() <= MAX_VARIABLE_BITS as usize => 7,
                    SegmentPart::Complete => 9,
                    SegmentPart::First { .. } => 1,
                    SegmentPart::Subsequent { .. } => 2,
                    SegmentPart::Last { .. } if s.data.len() <= MAX_VARIABLE_BITS as usize => 3,
                    SegmentPart::Last { .. } => 10,
                };
                let sfn = sfn_prime.wrapping_add(u16::try_from(i).unwrap_or(0)) & 0x7ff;
                system_information_bch(sfn, payload, std::slice::from_ref(s))
            })
            .collect()
    }

    /// Most SIB references [`mib`] writes (`maxSIB`).
    pub const MAX_MIB_REFERENCES: usize = 32;

    /// Encodes a master information block (release 99 form) of a GSM-MAP cell of
    /// `mcc`/`mnc` digits, scheduling `references` SIBs (1 to [`MAX_MIB_REFERENCES`]; many make
    /// it long enough to need segments): SIB3 and then, in turn, the cell-value-tagged blocks.
    pub fn mib(mcc: &str, mnc: &str, references: usize) -> SibBits {
        let digits =
            |s: &str| -> Vec<u8> { s.bytes().map(|b| b.wrapping_sub(b'0') % 10).collect() };
        let mut w = BitWriter::new();
        w.bit(false); // v690NonCriticalExtensions absent
        w.upto(0, 7); // mib-ValueTag 1
        w.upto(0, 3); // plmn-Type: gsm-MAP
        w.digits(&digits(mcc), 3, 3);
        w.digits(&digits(mnc), 2, 3);
        let n = references.clamp(1, MAX_MIB_REFERENCES);
        w.upto(u32::try_from(n - 1).unwrap_or(0), 31); // sibSb-ReferenceList size
                                                       // SIBSb-TypeAndTag choices carrying a CellValueTag: SIB2-SIB6, SIB11-SIB13.
        const TAGGED: [u32; 8] = [2, 1, 3, 4, 5, 10, 11, 12];
        for i in 0..n {
            w.upto(TAGGED.get(i % TAGGED.len()).copied().unwrap_or(2), 31);
            w.upto(0, 3); // CellValueTag 1
            w.bits(0, 2); // segCount default, no position offsets
            w.upto(4, 10); // sib-Pos: rep64
            w.upto(u32::try_from(i % 32).unwrap_or(0), 31);
        }
        let used = 1 + 3 + 2 + 3 * 4 + 1 + mnc.len() * 4 + 5 + n * (5 + 2 + 2 + 4 + 5);
        SibBits::from_bytes(&w.finish(), used)
    }

    /// Encodes the start of a SIB3 with `cell_id` (28 bits), followed by `padding_bits`
    /// filler bits standing for the rest of the block.
    pub fn sib3(cell_id: u32, padding_bits: usize) -> SibBits {
        let mut w = BitWriter::new();
        w.bit(false); // v4b0NonCriticalExtensions absent
        w.bit(false); // sib4indicator
        w.bits(cell_id & 0x0fff_ffff, 28);
        let bytes = w.finish();
        let mut bits = SibBits::from_bytes(&bytes, 30);
        for i in 0..padding_bits {
            bits.push(i % 5 == 1);
        }
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Plmn;

    fn bits(n: usize, seed: u8) -> SibBits {
        let mut b = SibBits::default();
        for i in 0..n {
            b.push((i as u8).wrapping_mul(seed) & 4 != 0);
        }
        b
    }

    fn decode_bch(pdu: &[u8]) -> (u8, Vec<SibSegment>) {
        match crate::decode(stingwatch_model::UmtsRrcChannel::BcchBch, pdu)
            .unwrap()
            .content
        {
            Content::SystemInformation {
                payload, segments, ..
            } => (payload, segments),
            other => panic!("{other:?}"),
        }
    }

    fn reassemble(segments: &[SibSegment]) -> (Vec<ReassembledSib>, Vec<SibReassemblyError>) {
        let mut r = SibReassembler::new();
        let (mut sibs, mut errors) = (Vec::new(), Vec::new());
        for s in segments {
            r.push(s, &mut sibs, &mut errors);
        }
        (sibs, errors)
    }

    #[test]
    fn every_combination_reads_back() {
        let first = SibSegment {
            sib_type: 5,
            part: SegmentPart::First { count: 3 },
            data: bits(40, 3),
        };
        let last = SibSegment {
            sib_type: 11,
            part: SegmentPart::Last { index: 2 },
            data: bits(50, 5),
        };
        let complete = SibSegment {
            sib_type: 0,
            part: SegmentPart::Complete,
            data: bits(60, 7),
        };
        let cases: Vec<(u8, Vec<SibSegment>)> = vec![
            (3, vec![last.clone()]),
            (4, vec![last.clone(), first.clone()]),
            (5, vec![last.clone(), complete.clone()]),
            (6, vec![last.clone(), complete.clone(), first.clone()]),
            (7, vec![complete.clone(), complete.clone()]),
            (8, vec![complete.clone(), first.clone()]),
        ];
        for (payload, segs) in cases {
            let pdu = build::system_information_bch(100, payload, &segs);
            assert!(pdu.len() * 8 >= 246);
            let (p, got) = decode_bch(&pdu);
            assert_eq!(p, payload);
            assert_eq!(got, segs, "payload {}", payload_name(payload));
        }
        // Fixed-size data comes back padded to its size.
        let full = SibSegment {
            sib_type: 3,
            part: SegmentPart::Subsequent { index: 1 },
            data: bits(222, 9),
        };
        let (_, got) = decode_bch(&build::system_information_bch(
            2047,
            2,
            std::slice::from_ref(&full),
        ));
        assert_eq!(got, vec![full]);
        let pdu = build::system_information_bch(0, 0, &[]);
        assert_eq!(decode_bch(&pdu), (0, vec![]));
    }

    #[test]
    fn a_long_sib3_reassembles_and_reads() {
        let sib = build::sib3(0x0ABC_DEF0, 600);
        let segs = build::segments_of(SIB_TYPE_SIB3, &sib);
        assert_eq!(segs.len(), 3);
        let mut read = Vec::new();
        for pdu in build::messages_of(7, &segs) {
            read.extend(decode_bch(&pdu).1);
        }
        let (sibs, errors) = reassemble(&read);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(sibs.len(), 1);
        assert_eq!(sibs[0].segments, 3);
        assert_eq!(sibs[0].data, sib);
        assert_eq!(
            decode_sib(SIB_TYPE_SIB3, &sibs[0].data).unwrap(),
            Content::Sib3 {
                cell_id: 0x0ABC_DEF0
            }
        );
        let mib = build::mib("262", "01", 1);
        assert_eq!(
            decode_sib(SIB_TYPE_MIB, &mib).unwrap(),
            Content::Mib {
                plmn: Some(Plmn {
                    mcc: "262".into(),
                    mnc: "01".into()
                })
            }
        );
    }

    #[test]
    fn interleaved_sibs_reassemble_each() {
        let a = build::segments_of(SIB_TYPE_SIB3, &build::sib3(1, 500));
        let b = build::segments_of(SIB_TYPE_MIB, &build::mib("001", "01", 32));
        let mut mixed = Vec::new();
        for i in 0..a.len().max(b.len()) {
            mixed.extend(a.get(i).cloned());
            mixed.extend(b.get(i).cloned());
        }
        let (sibs, errors) = reassemble(&mixed);
        assert!(errors.is_empty(), "{errors:?}");
        let types: Vec<u8> = sibs.iter().map(|s| s.sib_type).collect();
        assert_eq!(types, vec![SIB_TYPE_SIB3, SIB_TYPE_MIB]);
    }

    #[test]
    fn damaged_sequences_are_said_and_recovered_from() {
        let segs = build::segments_of(SIB_TYPE_SIB3, &build::sib3(42, 800));
        assert_eq!(segs.len(), 4);
        // A missing middle segment: the rest is discarded, and the next round succeeds.
        let mut seq: Vec<SibSegment> = vec![segs[0].clone(), segs[2].clone(), segs[3].clone()];
        seq.extend(segs.iter().cloned());
        let (sibs, errors) = reassemble(&seq);
        assert_eq!(sibs.len(), 1);
        assert_eq!(
            errors,
            vec![
                SibReassemblyError::OutOfOrder {
                    sib_type: 3,
                    expected: 1,
                    got: 2,
                    gathered: 1
                },
                SibReassemblyError::NoFirstSegment {
                    sib_type: 3,
                    index: 3
                },
            ]
        );
        // A repeat, a restart, a last segment before its time, an unknown follower.
        let (sibs, errors) = reassemble(&[
            segs[0].clone(),
            segs[1].clone(),
            segs[1].clone(),
            segs[0].clone(),
            segs[0].clone(),
            SibSegment {
                part: SegmentPart::Last { index: 1 },
                ..segs[1].clone()
            },
        ]);
        assert!(sibs.is_empty());
        assert!(matches!(errors[0], SibReassemblyError::OutOfOrder { .. }));
        assert!(matches!(errors[1], SibReassemblyError::StartedOver { .. }));
        assert!(matches!(
            errors[2],
            SibReassemblyError::CountMismatch {
                index: 1,
                count: 4,
                ..
            }
        ));
        // A subsequent segment at the last index.
        let (_, errors) = reassemble(&[
            segs[0].clone(),
            segs[1].clone(),
            segs[2].clone(),
            SibSegment {
                part: SegmentPart::Subsequent { index: 3 },
                ..segs[3].clone()
            },
        ]);
        assert!(matches!(
            errors[..],
            [SibReassemblyError::CountMismatch { index: 3, .. }]
        ));
    }

    #[test]
    fn pending_sibs_are_bounded_and_abandoned_aloud() {
        let mut r = SibReassembler::new();
        let (mut sibs, mut errors) = (Vec::new(), Vec::new());
        for t in 0..20u8 {
            let s = SibSegment {
                sib_type: t,
                part: SegmentPart::First { count: 16 },
                data: bits(222, t),
            };
            r.push(&s, &mut sibs, &mut errors);
        }
        assert_eq!(r.pending(), MAX_PENDING_SIBS);
        assert_eq!(errors.len(), 20 - MAX_PENDING_SIBS);
        assert!(matches!(
            errors[0],
            SibReassemblyError::TooManyPending { sib_type: 0, .. }
        ));
        errors.clear();
        r.abandon(&mut errors);
        assert_eq!(errors.len(), MAX_PENDING_SIBS);
        assert_eq!(r.pending(), 0);
        assert!(sibs.is_empty());
    }

    #[test]
    fn sixteen_segments_is_the_most() {
        let sib = bits(15 * FIXED_SEGMENT_BITS + 70, 3);
        let segs = build::segments_of(7, &sib);
        assert_eq!(segs.len(), 16);
        let (sibs, errors) = reassemble(&segs);
        assert!(errors.is_empty());
        assert_eq!(sibs[0].data, sib);
    }

    #[test]
    fn truncated_messages_are_errors() {
        let segs = build::segments_of(SIB_TYPE_SIB3, &build::sib3(9, 400));
        let pdu = build::messages_of(0, &segs).remove(0);
        for n in 0..pdu.len() {
            if let Ok(m) = crate::decode(stingwatch_model::UmtsRrcChannel::BcchBch, &pdu[..n]) {
                panic!("{n} octets decoded: {m:?}");
            }
        }
    }
}
