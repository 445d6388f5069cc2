//! HDLC-like framing of a DIAG stream.
//!
//! Each frame is `escape(payload ++ crc16_le(payload)) ++ 0x7E`. Inside a frame 0x7E and 0x7D
//! are sent as 0x7D followed by the byte XOR 0x20. The checksum is CRC-16/X-25
//! (CRC-16/IBM-SDLC), little-endian.
//!
//! [`Deframer`] reads frames from any [`Read`] with a bounded buffer, checks each one and says
//! where damaged regions are; [`encode_frame`] writes one frame.

use std::io::{self, Read};

/// Frame delimiter; ends every frame.
pub const FLAG: u8 = 0x7E;
/// Escape byte: the next byte is sent XOR [`ESCAPE_XOR`].
pub const ESCAPE: u8 = 0x7D;
/// Value XORed into an escaped byte.
pub const ESCAPE_XOR: u8 = 0x20;
/// Largest unescaped frame (payload and checksum) accepted, in bytes.
///
/// DIAG frames are a few KiB at most; anything longer is treated as damage so a stream with a
/// lost flag cannot make the reader buffer without bound.
pub const MAX_FRAME: usize = 64 * 1024;
/// Largest escaped run of bytes between two flags that can still hold a [`MAX_FRAME`] frame.
pub const MAX_RAW_FRAME: usize = 2 * MAX_FRAME;

/// Length of the checksum that ends every frame.
pub const CRC_LEN: usize = 2;

/// How many bytes the deframer asks its reader for at a time.
const READ_CHUNK: usize = 64 * 1024;

/// How many candidate frame starts a damaged region is searched for before giving up, so a
/// hostile region cannot cost quadratic time.
const MAX_RECOVERY_CANDIDATES: usize = 64;

/// CRC-16/X-25 of `data` as DIAG uses it.
// Slice-by-16 tables: the checksum is the largest single cost of reading a stream. Folding
// with carry-less multiplication (crc-fast) was measured 15-35% slower on the real
// recordings' frames (69-80 bytes on average), which are too short for it to pay off.
pub fn crc16(data: &[u8]) -> u16 {
    const CRC16: crc::Crc<u16, crc::Table<16>> =
        crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_IBM_SDLC);
    CRC16.checksum(data)
}

/// Why a frame could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The checksum at the end of the frame does not match its payload.
    CrcMismatch {
        /// Checksum carried by the frame.
        found: u16,
        /// Checksum computed over the payload.
        computed: u16,
    },
    /// A 0x7D escape was followed by a byte that no encoder escapes, or ended the frame.
    BadEscape,
    /// The frame is longer than [`MAX_FRAME`].
    Oversize,
    /// Shorter than a checksum plus one payload byte.
    TooShort,
    /// The input ended inside a frame (no closing flag).
    TruncatedAtEnd,
    /// The reader failed.
    Io(io::ErrorKind),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::CrcMismatch { found, computed } => write!(
                f,
                "HDLC CRC mismatch (frame says 0x{found:04x}, payload gives 0x{computed:04x})"
            ),
            FrameError::BadEscape => f.write_str("HDLC bad escape sequence"),
            FrameError::Oversize => write!(f, "HDLC frame longer than {MAX_FRAME} bytes"),
            FrameError::TooShort => f.write_str("HDLC frame too short for a checksum"),
            FrameError::TruncatedAtEnd => f.write_str("truncated HDLC frame at end of input"),
            FrameError::Io(kind) => write!(f, "read error: {kind}"),
        }
    }
}

/// Appends the unescaped bytes of `raw` (one frame without its flag) to `out`.
///
/// Returns [`FrameError::BadEscape`] for an escape that is not 0x7D 0x5E or 0x7D 0x5D, and
/// [`FrameError::Oversize`] past [`MAX_FRAME`] bytes.
pub fn unescape(raw: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    let start = out.len();
    let mut rest = raw;
    while let Some(pos) = memchr::memchr(ESCAPE, rest) {
        let (plain, tail) = rest.split_at(pos);
        out.extend_from_slice(plain);
        match tail.get(1) {
            Some(&b) if b == FLAG ^ ESCAPE_XOR || b == ESCAPE ^ ESCAPE_XOR => {
                out.push(b ^ ESCAPE_XOR)
            }
            _ => return Err(FrameError::BadEscape),
        }
        rest = tail.get(2..).unwrap_or(&[]);
        if out.len() - start > MAX_FRAME {
            return Err(FrameError::Oversize);
        }
    }
    out.extend_from_slice(rest);
    if out.len() - start > MAX_FRAME {
        return Err(FrameError::Oversize);
    }
    Ok(())
}

/// Unescapes one frame (without its closing flag) into `out` (cleared first), checks and
/// strips its checksum, leaving the payload in `out`.
pub fn decode_frame(raw: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    out.clear();
    unescape(raw, out)?;
    let body_len = out
        .len()
        .checked_sub(CRC_LEN)
        .filter(|&n| n > 0)
        .ok_or(FrameError::TooShort)?;
    let (body, crc) = out.split_at(body_len);
    let found = match crc {
        [lo, hi] => u16::from_le_bytes([*lo, *hi]),
        _ => return Err(FrameError::TooShort),
    };
    let computed = crc16(body);
    if found != computed {
        return Err(FrameError::CrcMismatch { found, computed });
    }
    out.truncate(body_len);
    Ok(())
}

/// Appends `payload` as one complete frame (escaped payload, escaped checksum, flag) to `out`.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) {
    let crc = crc16(payload).to_le_bytes();
    out.reserve(payload.len() + CRC_LEN + 1 + payload.len() / 16);
    for &b in payload.iter().chain(crc.iter()) {
        if b == FLAG || b == ESCAPE {
            out.push(ESCAPE);
            out.push(b ^ ESCAPE_XOR);
        } else {
            out.push(b);
        }
    }
    out.push(FLAG);
}

/// A good frame: its payload (checksum removed) and where it was in the input.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Input offset of the frame's first byte.
    pub offset: u64,
    /// Escaped length in the input, without the closing flag.
    pub raw_len: u64,
    /// Unescaped payload without the checksum.
    pub payload: &'a [u8],
}

/// A region of the input that holds no usable frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameDamage {
    /// Input offset where the region starts.
    pub offset: u64,
    /// Length of the region in bytes, without a closing flag.
    pub length: u64,
    /// What was wrong.
    pub error: FrameError,
}

/// One thing the deframer found.
#[derive(Debug, PartialEq, Eq)]
pub enum DeframeItem<'a> {
    /// A frame whose checksum is right.
    Frame(Frame<'a>),
    /// A region to skip.
    Damage(FrameDamage),
}

/// Decides whether a frame found inside a damaged region is plausibly real (and not a
/// coincidence), so that it may be recovered: called first with the unescaped start of a
/// candidate (at least 12 bytes when the candidate has them) and its payload length without
/// the checksum, then, once the checksum is right, with the whole payload.
pub type PlausibleFrame = fn(head: &[u8], payload_len: usize) -> bool;

/// Escaped bytes of look-ahead given to a [`PlausibleFrame`] test.
const HEAD_LEN: usize = 24;

/// Streaming frame splitter over a reader, in constant memory.
///
/// Its buffer holds at most [`MAX_RAW_FRAME`] plus two read chunks (64 KiB each). After any damage it starts
/// again at the byte after the next flag. When a region between two flags fails its check, the
/// tail of the region is searched for a complete frame that lost only its opening flag (as when
/// a recording starts mid-frame or two files are spliced): a candidate start accepted by the
/// caller's [`PlausibleFrame`] test with a valid checksum is returned as a frame, the bytes
/// before it as damage.
pub struct Deframer<R> {
    reader: R,
    /// Raw bytes read; `buf[start..end]` is pending.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Input offset of `buf[0]`.
    base: u64,
    /// Where in `buf[start..]` the flag search resumes (bytes before it hold no flag).
    scanned: usize,
    /// Whether `buf[start..start + scanned]` holds an escape byte. The flag search looks for
    /// both bytes at once, so a frame without escapes (most of them) is read once, not twice.
    escaped: bool,
    eof: bool,
    /// Start offset of a run longer than [`MAX_RAW_FRAME`] that is being discarded.
    discarding: Option<u64>,
    /// Unescaped payload of the last frame returned.
    frame: Vec<u8>,
    /// A good frame found inside a damaged region, returned after that damage.
    recovered: Option<(u64, u64)>,
    plausible: PlausibleFrame,
    /// Bytes consumed from the reader.
    bytes_read: u64,
}

impl<R: Read> Deframer<R> {
    /// A deframer over `reader` that recovers frames from damaged regions when `plausible`
    /// accepts their payload.
    pub fn new(reader: R, plausible: PlausibleFrame) -> Self {
        Deframer {
            reader,
            buf: Vec::new(),
            start: 0,
            end: 0,
            base: 0,
            scanned: 0,
            escaped: false,
            eof: false,
            discarding: None,
            frame: Vec::new(),
            recovered: None,
            plausible,
            bytes_read: 0,
        }
    }

    /// Bytes read from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Input offset of the next pending byte.
    fn pending_offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Drops consumed bytes and reads one more chunk. Returns false at end of input.
    fn fill(&mut self) -> Result<bool, io::ErrorKind> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        // The buffer only grows (to at most MAX_RAW_FRAME plus two chunks); its bytes past
        // `end` are stale, never zeroed again.
        let want = self.end + READ_CHUNK;
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        let got = loop {
            match self
                .reader
                .read(self.buf.get_mut(self.end..want).unwrap_or(&mut []))
            {
                Ok(n) => break n.min(READ_CHUNK),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.kind()),
            }
        };
        self.end += got;
        self.bytes_read += got as u64;
        Ok(got > 0)
    }

    /// The next frame or damaged region, or `None` at the end of input.
    pub fn next_item(&mut self) -> Option<DeframeItem<'_>> {
        if let Some((offset, raw_len)) = self.recovered.take() {
            return Some(DeframeItem::Frame(Frame {
                offset,
                raw_len,
                payload: &self.frame,
            }));
        }
        loop {
            let pending = self.buf.get(self.start..self.end).unwrap_or(&[]);
            let unscanned = pending.get(self.scanned..).unwrap_or(&[]);
            let found = if self.escaped {
                memchr::memchr(FLAG, unscanned)
            } else {
                match memchr::memchr2(FLAG, ESCAPE, unscanned) {
                    Some(i) if unscanned.get(i) == Some(&ESCAPE) => {
                        self.escaped = true;
                        let after = unscanned.get(i + 1..).unwrap_or(&[]);
                        memchr::memchr(FLAG, after).map(|j| i + 1 + j)
                    }
                    other => other,
                }
            }
            .map(|i| i + self.scanned);
            match found {
                Some(pos) => {
                    let offset = self.pending_offset();
                    let frame_start = self.start;
                    self.start = self.start + pos + 1;
                    self.scanned = 0;
                    let escaped = std::mem::take(&mut self.escaped);
                    if let Some(d_start) = self.discarding.take() {
                        let end = offset + pos as u64;
                        return Some(DeframeItem::Damage(FrameDamage {
                            offset: d_start,
                            length: end - d_start,
                            error: FrameError::Oversize,
                        }));
                    }
                    if pos == 0 {
                        // Back-to-back flags: some encoders also open each frame with one.
                        continue;
                    }
                    if pos > MAX_RAW_FRAME {
                        // Too long for any frame. A run this long is discarded whole when it
                        // arrives in small reads (below); one that arrived with its closing
                        // flag in the same read must give the same damage, not a recovery.
                        return Some(DeframeItem::Damage(FrameDamage {
                            offset,
                            length: pos as u64,
                            error: FrameError::Oversize,
                        }));
                    }
                    return Some(self.check_frame(frame_start, pos, offset, escaped));
                }
                None => {
                    self.scanned = pending.len();
                    if pending.len() > MAX_RAW_FRAME {
                        if self.discarding.is_none() {
                            self.discarding = Some(self.pending_offset());
                        }
                        self.start = self.end;
                        self.scanned = 0;
                        self.escaped = false;
                    }
                    if self.eof {
                        return self.finish();
                    }
                    match self.fill() {
                        Ok(true) => {}
                        Ok(false) => self.eof = true,
                        Err(kind) => {
                            self.eof = true;
                            let offset = self.pending_offset();
                            self.start = self.end;
                            self.scanned = 0;
                            self.escaped = false;
                            self.discarding = None;
                            return Some(DeframeItem::Damage(FrameDamage {
                                offset,
                                length: 0,
                                error: FrameError::Io(kind),
                            }));
                        }
                    }
                }
            }
        }
    }

    /// End of input: whatever is left had no closing flag.
    fn finish(&mut self) -> Option<DeframeItem<'_>> {
        let offset = self.pending_offset();
        let left = self.end.saturating_sub(self.start) as u64;
        self.start = self.end;
        self.scanned = 0;
        self.escaped = false;
        if let Some(d_start) = self.discarding.take() {
            return Some(DeframeItem::Damage(FrameDamage {
                offset: d_start,
                length: offset + left - d_start,
                error: FrameError::Oversize,
            }));
        }
        if left == 0 {
            return None;
        }
        Some(DeframeItem::Damage(FrameDamage {
            offset,
            length: left,
            error: FrameError::TruncatedAtEnd,
        }))
    }

    /// Checks the frame `buf[at..at + len]` found at input `offset`; `escaped` says whether it
    /// holds an escape byte.
    fn check_frame(
        &mut self,
        at: usize,
        len: usize,
        offset: u64,
        escaped: bool,
    ) -> DeframeItem<'_> {
        if let Some(body_len) = (!escaped)
            .then(|| self.unescaped_payload_len(at, len))
            .flatten()
        {
            return DeframeItem::Frame(Frame {
                offset,
                raw_len: len as u64,
                payload: self.buf.get(at..at + body_len).unwrap_or(&[]),
            });
        }
        let raw = self.buf.get(at..at + len).unwrap_or(&[]);
        match decode_frame(raw, &mut self.frame) {
            Ok(()) => DeframeItem::Frame(Frame {
                offset,
                raw_len: len as u64,
                payload: &self.frame,
            }),
            Err(error) => {
                let damaged_len = match recover_suffix(raw, &mut self.frame, self.plausible) {
                    Some(skip) => {
                        self.recovered = Some((offset + skip as u64, (len - skip) as u64));
                        skip
                    }
                    None => len,
                };
                DeframeItem::Damage(FrameDamage {
                    offset,
                    length: damaged_len as u64,
                    error,
                })
            }
        }
    }
}

impl<R> Deframer<R> {
    /// Payload length of the frame `buf[at..at + len]`, which holds no escape, when its
    /// checksum is right. Most frames have no escape, and they are then used where they lie in
    /// the read buffer instead of being copied out; anything else takes the general path.
    fn unescaped_payload_len(&self, at: usize, len: usize) -> Option<usize> {
        let raw = self.buf.get(at..at + len)?;
        debug_assert!(
            memchr::memchr(ESCAPE, raw).is_none(),
            "frame with an escape taken as escape-free"
        );
        if len > MAX_FRAME {
            return None;
        }
        let body_len = len.checked_sub(CRC_LEN).filter(|&n| n > 0)?;
        let (body, crc) = raw.split_at(body_len);
        let found = match crc {
            [lo, hi] => u16::from_le_bytes([*lo, *hi]),
            _ => return None,
        };
        (crc16(body) == found).then_some(body_len)
    }
}

/// Looks for a complete frame at the end of a damaged run `raw`; returns how many leading
/// bytes are damage, with the recovered payload left in `out`.
///
/// Linear in `raw`: each start position costs a few bytes of look-ahead, and only candidates
/// the caller finds plausible (at most [`MAX_RECOVERY_CANDIDATES`]) get a full checksum.
fn recover_suffix(raw: &[u8], out: &mut Vec<u8>, plausible: PlausibleFrame) -> Option<usize> {
    let total_escapes = memchr::memchr_iter(ESCAPE, raw).count();
    let mut escapes_before = 0usize;
    let mut tried = 0;
    let mut head = Vec::with_capacity(HEAD_LEN + 1);
    for at in 1..raw.len() {
        if raw.get(at - 1) == Some(&ESCAPE) {
            // The candidate may begin right after a stray escape byte of the damaged part;
            // that byte is not part of the candidate.
            escapes_before += 1;
        }
        let cand = raw.get(at..)?;
        // If every escape in the candidate is well formed, each costs one byte.
        let unescaped_len = cand
            .len()
            .saturating_sub(total_escapes.saturating_sub(escapes_before));
        let payload_len = unescaped_len.checked_sub(CRC_LEN).filter(|&n| n > 0)?;
        head.clear();
        let head_raw = cand.get(..HEAD_LEN.min(cand.len())).unwrap_or(&[]);
        // An escape split at the end of the look-ahead is fine to drop.
        let head_raw = match head_raw.last() {
            Some(&ESCAPE) => head_raw.get(..head_raw.len() - 1).unwrap_or(&[]),
            _ => head_raw,
        };
        if unescape(head_raw, &mut head).is_err() || !plausible(&head, payload_len) {
            continue;
        }
        tried += 1;
        if decode_frame(cand, out).is_ok() && plausible(out, out.len()) {
            return Some(at);
        }
        if tried >= MAX_RECOVERY_CANDIDATES {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A good frame as (offset, raw length, payload), or a damaged region.
    type Item = Result<(u64, u64, Vec<u8>), FrameDamage>;

    /// Every item of `input` read whole, recovering any frame start.
    fn all_items(input: &[u8]) -> Vec<Item> {
        items_in_pieces(input, input.len().max(1), |_, _| true).0
    }

    /// CRC-16/X-25 one bit at a time, from its definition (reflected polynomial 0x8408,
    /// initial value and final XOR 0xFFFF).
    fn crc16_bitwise(data: &[u8]) -> u16 {
        let mut crc = 0xFFFFu16;
        for &b in data {
            crc ^= u16::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    crc >> 1 ^ 0x8408
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn crc_matches_the_definition_at_every_length_and_alignment() {
        // Slice-by-16 takes whole 16-byte blocks and then a tail of single bytes, and reads
        // at any alignment: try lengths below, at and past several blocks, at each offset.
        let data: Vec<u8> = (0..700u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for start in 0..16 {
            for len in 0..=600 {
                let part = &data[start..start + len];
                assert_eq!(
                    crc16(part),
                    crc16_bitwise(part),
                    "start {start} length {len}"
                );
            }
        }
    }

    #[test]
    fn crc_is_x25() {
        // The check value of CRC-16/X-25 over "123456789".
        assert_eq!(crc16(b"123456789"), 0x906E);
    }

    #[test]
    fn decodes_real_frame() {
        // First frame of a real recording: DIAG log 0xB0ED (EMM plain outgoing), version 1.
        let raw: &[u8] = &[
            0x10, 0x00, 0x14, 0x00, 0x14, 0x00, 0xed, 0xb0, 0xff, 0x45, 0x94, 0xc2, 0xa5, 0x11,
            0xd1, 0x00, 0x01, 0x09, 0x05, 0x00, 0xc7, 0x01, 0x17, 0x00, 0x26, 0xe9,
        ];
        let mut out = Vec::new();
        decode_frame(raw, &mut out).unwrap();
        assert_eq!(out.len(), raw.len() - 2);
        assert_eq!(out.first(), Some(&0x10));
        let mut enc = Vec::new();
        encode_frame(&out, &mut enc);
        assert_eq!(enc.get(..enc.len() - 1), Some(raw));
        assert_eq!(enc.last(), Some(&FLAG));
    }

    #[test]
    fn escapes_round_trip() {
        let payload = [0x7E, 0x7D, 0x00, 0x5E, 0x5D, 0x7E];
        let mut enc = Vec::new();
        encode_frame(&payload, &mut enc);
        assert_eq!(enc.iter().filter(|&&b| b == FLAG).count(), 1);
        let mut out = Vec::new();
        decode_frame(enc.get(..enc.len() - 1).unwrap(), &mut out).unwrap();
        assert_eq!(out, payload);
    }

    #[test]
    fn bad_escape_and_short_frames() {
        let mut out = Vec::new();
        assert_eq!(
            decode_frame(&[0x10, 0x7D], &mut out),
            Err(FrameError::BadEscape)
        );
        assert_eq!(
            decode_frame(&[0x10, 0x7D, 0x00, 0x11, 0x22], &mut out),
            Err(FrameError::BadEscape)
        );
        assert_eq!(
            decode_frame(&[0x10, 0x11], &mut out),
            Err(FrameError::TooShort)
        );
        assert!(matches!(
            decode_frame(&[0x10, 0x11, 0x22], &mut out),
            Err(FrameError::CrcMismatch { .. })
        ));
    }

    #[test]
    fn deframer_reports_offsets() {
        let mut input = Vec::new();
        encode_frame(b"\x10abc", &mut input); // 0..7
        input.extend_from_slice(b"\x10junk\x7e"); // 7..13, flag at 13
        let second = input.len() as u64;
        encode_frame(b"\x10\x7edef", &mut input);
        input.extend_from_slice(b"\x10tail");
        let items = all_items(&input);
        assert_eq!(items.len(), 4);
        assert_eq!(items[0], Ok((0, 6, b"\x10abc".to_vec())));
        match &items[1] {
            Err(d) => {
                assert_eq!((d.offset, d.length), (7, 5));
                assert!(matches!(d.error, FrameError::CrcMismatch { .. }));
            }
            other => panic!("expected damage, got {other:?}"),
        }
        assert_eq!(
            items[2].as_ref().map(|x| (x.0, x.2.clone())),
            Ok((second, b"\x10\x7edef".to_vec()))
        );
        match &items[3] {
            Err(d) => {
                assert_eq!(d.error, FrameError::TruncatedAtEnd);
                assert_eq!(d.length, 5);
            }
            other => panic!("expected truncated tail, got {other:?}"),
        }
    }

    #[test]
    fn recovers_frame_after_garbage_without_flag() {
        let mut input = b"\x01\x02\x7d\x5e\x03".to_vec();
        encode_frame(b"\x10payload", &mut input);
        let frame_len = input.len() as u64 - 5 - 1;
        let items = all_items(&input);
        assert_eq!(items.len(), 2);
        match &items[0] {
            Err(d) => assert_eq!((d.offset, d.length), (0, 5)),
            other => panic!("expected damage, got {other:?}"),
        }
        assert_eq!(items[1], Ok((5, frame_len, b"\x10payload".to_vec())));
    }

    #[test]
    fn oversize_run_is_one_damaged_region() {
        let mut input = vec![0x55; MAX_RAW_FRAME * 2 + 10];
        input.push(FLAG);
        encode_frame(b"\x10ok", &mut input);
        let items = all_items(&input);
        assert_eq!(items.len(), 2);
        match &items[0] {
            Err(d) => {
                assert_eq!(d.error, FrameError::Oversize);
                assert_eq!((d.offset, d.length), (0, MAX_RAW_FRAME as u64 * 2 + 10));
            }
            other => panic!("expected damage, got {other:?}"),
        }
        assert_eq!(
            items[1].as_ref().map(|x| x.2.clone()),
            Ok(b"\x10ok".to_vec())
        );
    }

    #[test]
    fn oversize_unescaped_frame_is_rejected() {
        let mut input = vec![0x55; MAX_FRAME + 10];
        input.push(FLAG);
        let items = all_items(&input);
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0], Err(d) if d.error == FrameError::Oversize));
    }

    /// A reader that hands out at most `.1` bytes per call.
    struct Pieces<'a>(&'a [u8], usize);

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            let (head, rest) = self.0.split_at(n);
            buf[..n].copy_from_slice(head);
            self.0 = rest;
            Ok(n)
        }
    }

    /// Every item of `input` read `piece` bytes at a time, and the largest the deframer's
    /// buffer grew to.
    fn items_in_pieces(
        input: &[u8],
        piece: usize,
        plausible: PlausibleFrame,
    ) -> (Vec<Item>, usize) {
        let mut d = Deframer::new(Pieces(input, piece), plausible);
        let mut out = Vec::new();
        let mut largest = 0;
        loop {
            let item = match d.next_item() {
                None => break,
                Some(DeframeItem::Frame(f)) => Ok((f.offset, f.raw_len, f.payload.to_vec())),
                Some(DeframeItem::Damage(x)) => Err(x),
            };
            out.push(item);
            largest = largest.max(d.buf.len());
        }
        (out, largest.max(d.buf.len()))
    }

    /// Recovery test that accepts only starts with the DIAG log command byte.
    fn starts_with_0x10(head: &[u8], _payload_len: usize) -> bool {
        head.first() == Some(&0x10)
    }

    thread_local! {
        /// Candidates [`counting_0x10`] accepted on this thread: each costs one full checksum.
        static ACCEPTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// [`starts_with_0x10`], counting the candidates it accepts.
    fn counting_0x10(head: &[u8], payload_len: usize) -> bool {
        let yes = starts_with_0x10(head, payload_len);
        if yes {
            ACCEPTED.with(|c| c.set(c.get() + 1));
        }
        yes
    }

    /// A payload whose frame (payload and checksum) unescapes to exactly `len` bytes.
    fn payload_for_frame_of(len: usize, fill: u8) -> Vec<u8> {
        let mut p = vec![fill; len - CRC_LEN];
        p[0] = 0x10;
        p
    }

    #[test]
    fn frame_of_max_frame_decodes_and_one_byte_more_is_oversize() {
        // 0x55 is never escaped; 0x7E is always escaped (two bytes in the input).
        for fill in [0x55, FLAG] {
            let at_limit = payload_for_frame_of(MAX_FRAME, fill);
            let mut input = Vec::new();
            encode_frame(&at_limit, &mut input);
            if fill == FLAG {
                assert!(input.len() >= 2 * (MAX_FRAME - CRC_LEN));
                assert!(input.len() <= MAX_RAW_FRAME + 1);
            }
            let mut out = Vec::new();
            assert_eq!(decode_frame(&input[..input.len() - 1], &mut out), Ok(()));
            assert_eq!(out, at_limit);
            assert_eq!(
                all_items(&input),
                vec![Ok((0, input.len() as u64 - 1, at_limit))]
            );

            let past = payload_for_frame_of(MAX_FRAME + 1, fill);
            let mut input = Vec::new();
            encode_frame(&past, &mut input);
            assert_eq!(
                decode_frame(&input[..input.len() - 1], &mut out),
                Err(FrameError::Oversize)
            );
            let items = all_items(&input);
            assert_eq!(items.len(), 1, "fill {fill:#x}");
            match &items[0] {
                Err(d) => {
                    assert_eq!(d.error, FrameError::Oversize);
                    assert_eq!((d.offset, d.length), (0, input.len() as u64 - 1));
                }
                other => panic!("expected damage, got {other:?}"),
            }
        }
    }

    #[test]
    fn ten_megabyte_flagless_run_is_one_damage_in_bounded_memory() {
        let run = 10 * 1024 * 1024;
        let mut input = vec![0x55; run];
        input.push(FLAG);
        let next = input.len() as u64;
        encode_frame(b"\x10ok", &mut input);
        for piece in [1 << 20, READ_CHUNK, 4093] {
            let (items, largest) = items_in_pieces(&input, piece, starts_with_0x10);
            assert_eq!(items.len(), 2, "{piece}-byte reads");
            assert_eq!(
                items[0],
                Err(FrameDamage {
                    offset: 0,
                    length: run as u64,
                    error: FrameError::Oversize
                })
            );
            assert_eq!(items[1], Ok((next, 3 + CRC_LEN as u64, b"\x10ok".to_vec())));
            assert!(
                largest <= MAX_RAW_FRAME + 2 * READ_CHUNK,
                "buffer grew to {largest} bytes with {piece}-byte reads"
            );
        }
    }

    #[test]
    fn run_longer_than_max_raw_frame_is_damage_whatever_the_read_sizes() {
        // Garbage and then a good frame that lost its opening flag, the whole run between two
        // flags exactly MAX_RAW_FRAME bytes long: the frame is recovered. One byte more and
        // the run is too long for any frame, so it is one damaged region, however the reads
        // happened to split it (before the fix, whole reads recovered the frame from a run
        // that 1-byte reads discarded).
        let mut frame = Vec::new();
        encode_frame(b"\x10payload", &mut frame);
        let frame_raw = frame.len() - 1;
        for extra in [0, 1] {
            let garbage = MAX_RAW_FRAME - frame_raw + extra;
            let mut input = vec![0x55; garbage];
            input.extend_from_slice(&frame);
            encode_frame(b"\x10next", &mut input);
            let next = (garbage + frame.len()) as u64;
            let expected: Vec<Item> = if extra == 0 {
                vec![
                    Err(FrameDamage {
                        offset: 0,
                        length: garbage as u64,
                        error: FrameError::Oversize,
                    }),
                    Ok((garbage as u64, frame_raw as u64, b"\x10payload".to_vec())),
                    Ok((next, 5 + CRC_LEN as u64, b"\x10next".to_vec())),
                ]
            } else {
                vec![
                    Err(FrameDamage {
                        offset: 0,
                        length: MAX_RAW_FRAME as u64 + 1,
                        error: FrameError::Oversize,
                    }),
                    Ok((next, 5 + CRC_LEN as u64, b"\x10next".to_vec())),
                ]
            };
            for piece in [input.len(), READ_CHUNK, 4093, 1] {
                let (items, _) = items_in_pieces(&input, piece, starts_with_0x10);
                assert_eq!(
                    items,
                    expected,
                    "run of {} bytes, {piece}-byte reads",
                    garbage + frame_raw
                );
            }
        }
    }

    #[test]
    fn recovery_gives_up_after_max_recovery_candidates() {
        // A plausible-looking start that is not a frame: the log command byte, then garbage.
        let fake = [0x10, 0x55, 0x55, 0x55];
        let mut frame = Vec::new();
        encode_frame(b"\x10payload", &mut frame);
        frame.pop();
        let mut out = Vec::new();
        for fakes in [MAX_RECOVERY_CANDIDATES - 1, MAX_RECOVERY_CANDIDATES] {
            let mut raw = vec![0x01];
            for _ in 0..fakes {
                raw.extend_from_slice(&fake);
            }
            let start = raw.len();
            raw.extend_from_slice(&frame);
            ACCEPTED.with(|c| c.set(0));
            let found = recover_suffix(&raw, &mut out, counting_0x10);
            // The real frame is candidate number `fakes + 1`; it is checked only within the
            // limit.
            if fakes < MAX_RECOVERY_CANDIDATES {
                assert_eq!(found, Some(start));
                assert_eq!(out, b"\x10payload");
                // Its head, then its whole payload once the checksum is right.
                assert_eq!(ACCEPTED.with(|c| c.get()), MAX_RECOVERY_CANDIDATES + 1);
            } else {
                assert_eq!(found, None);
                assert_eq!(ACCEPTED.with(|c| c.get()), MAX_RECOVERY_CANDIDATES);
            }
        }
    }

    #[test]
    fn megabyte_of_plausible_starts_costs_max_recovery_candidates_checksums() {
        // Every position looks like the start of a log packet; only MAX_RECOVERY_CANDIDATES of
        // them get a full checksum (each linear in the region), so the work is linear too.
        let raw = vec![0x10; 1 << 20];
        let mut out = Vec::new();
        ACCEPTED.with(|c| c.set(0));
        assert_eq!(recover_suffix(&raw, &mut out, counting_0x10), None);
        assert_eq!(ACCEPTED.with(|c| c.get()), MAX_RECOVERY_CANDIDATES);

        // The same through the deframer, with the longest run it checks: one damaged region.
        let mut input = vec![0x10; MAX_RAW_FRAME];
        input.push(FLAG);
        ACCEPTED.with(|c| c.set(0));
        let (items, _) = items_in_pieces(&input, input.len(), counting_0x10);
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0], Err(d) if d.length == MAX_RAW_FRAME as u64));
        assert_eq!(ACCEPTED.with(|c| c.get()), MAX_RECOVERY_CANDIDATES);
    }

    /// Frames with and without escapes, a bad escape and a wrong checksum give the same items
    /// whatever the read sizes, including reads that split a frame between an escape and its
    /// closing flag.
    #[test]
    fn escapes_are_found_across_read_boundaries() {
        let mut input = Vec::new();
        let mut seed = 0x2545_f491_u32;
        for n in 0..40u32 {
            let len = 3 + (n as usize * 7) % 60;
            let payload: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    // One byte in eight needs escaping.
                    match seed % 16 {
                        0 => FLAG,
                        1 => ESCAPE,
                        _ => (seed >> 8) as u8,
                    }
                })
                .collect();
            encode_frame(&payload, &mut input);
            match n % 10 {
                3 => input.extend_from_slice(&[0x10, ESCAPE, 0x11, FLAG]),
                7 => {
                    // Flip the byte before the checksum's last byte (the checksum's first
                    // byte or half an escape pair): a checksum mismatch or a bad escape.
                    let at = input.len() - 3;
                    input[at] ^= 0x01;
                }
                _ => {}
            }
        }
        let whole = items_in_pieces(&input, input.len(), |_, _| false).0;
        assert!(whole.iter().filter(|i| i.is_ok()).count() >= 30);
        assert!(whole
            .iter()
            .any(|i| matches!(i, Err(d) if d.error == FrameError::BadEscape)));
        for piece in 1..=9 {
            assert_eq!(
                items_in_pieces(&input, piece, |_, _| false).0,
                whole,
                "reads of {piece} bytes"
            );
        }
    }

    /// A frame whose escaped bytes, read as they lie, carry a right checksum: only unescaping
    /// shows the checksum is wrong, so the frame must be damage however the reads split it. A
    /// deframer that lost track of the escape would hand out the escaped bytes as a frame.
    #[test]
    fn escaped_frame_is_never_checked_as_it_lies() {
        // Escaped bytes 10 7D 5E 42 (unescaped 10 7E 42), with the checksum of the escaped form.
        let mut frame = vec![0x10, ESCAPE, FLAG ^ ESCAPE_XOR, 0x42];
        let crc = crc16(&frame).to_le_bytes();
        assert!(crc.iter().all(|b| *b != FLAG && *b != ESCAPE));
        frame.extend_from_slice(&crc);
        frame.push(FLAG);
        let mut input = Vec::new();
        encode_frame(b"\x10before", &mut input);
        input.extend_from_slice(&frame);
        encode_frame(b"\x10after", &mut input);
        for piece in 1..=9 {
            let items = items_in_pieces(&input, piece, |_, _| false).0;
            assert_eq!(items.len(), 3, "reads of {piece} bytes");
            assert!(
                matches!(&items[1], Err(d) if matches!(d.error, FrameError::CrcMismatch { .. })),
                "reads of {piece} bytes: {:?}",
                items[1]
            );
            assert_eq!(
                items[2].as_ref().map(|x| x.2.clone()),
                Ok(b"\x10after".to_vec())
            );
        }
    }
}
