//! A cursor over the bits of an unaligned PER (UPER, X.691) encoding, for the hand-written
//! walkers and [`crate::schema`]. Every read is checked against the end of the input; a short
//! read is a value ([`Short`]), never a panic.

/// The encoding ended before a field did (or a field broke a rule the walker checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short;

/// Result of one read.
pub type Bits<T> = Result<T, Short>;

/// Read position in a UPER encoding.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    /// Next bit to read, counted from the first (most significant) bit of the first byte.
    pos: usize,
    /// Bits in `bytes`.
    end: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `bytes`.
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader {
            bytes,
            pos: 0,
            end: bytes.len().saturating_mul(8),
        }
    }

    /// Bits read so far.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// A reader over the next `n` bits alone (an open type's contents), and this one moved
    /// past them.
    #[inline]
    pub fn take(&mut self, n: usize) -> Bits<BitReader<'a>> {
        if self.remaining() < n {
            return Err(Short);
        }
        let sub = BitReader {
            bytes: self.bytes,
            pos: self.pos,
            end: self.pos + n,
        };
        self.pos += n;
        Ok(sub)
    }

    /// A normally small non-negative whole number (X.691 10.6): extension indexes and
    /// counts. Values of 64 and above (a length-prefixed form) are refused: no RRC
    /// module has that many extensions in one place.
    #[inline]
    pub fn normally_small(&mut self) -> Bits<u64> {
        if self.bit()? {
            return Err(Short);
        }
        self.bits(6)
    }

    /// Bits not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    /// One bit.
    #[inline]
    pub fn bit(&mut self) -> Bits<bool> {
        if self.pos >= self.end {
            return Err(Short);
        }
        let byte = *self.bytes.get(self.pos / 8).ok_or(Short)?;
        let b = byte & (0x80 >> (self.pos % 8)) != 0;
        self.pos += 1;
        Ok(b)
    }

    /// `n` bits (at most 64) as a big-endian number.
    #[inline]
    pub fn bits(&mut self, n: usize) -> Bits<u64> {
        if n > 64 || self.remaining() < n {
            return Err(Short);
        }
        if n == 0 {
            return Ok(0);
        }
        let offset = self.pos % 8;
        // Most reads fit one 8-byte window at the current byte: one load and two shifts
        // instead of a step per byte. Near the end the window is padded with zeros, which
        // the length check above keeps out of the result.
        if n + offset <= 64 {
            let rest = self.bytes.get(self.pos / 8..).unwrap_or(&[]);
            let window = match (rest.first_chunk::<8>(), self.bytes.last_chunk::<8>()) {
                (Some(w), _) => u64::from_be_bytes(*w),
                // In the last 8 bytes of a message (239,749 reads of the distinct real
                // recordings): the message's last 8 bytes, shifted so that `rest` comes
                // first. `rest` is a suffix of `bytes`, 1 to 7 bytes long here (a read of
                // at least one bit is left), so the shift is 8 to 56.
                (None, Some(last)) => u64::from_be_bytes(*last)
                    .checked_shl(8 * (8 - rest.len() as u32))
                    .unwrap_or(0),
                // A message shorter than 8 bytes: shifted in byte by byte, only the bytes the
                // read covers (the length check above keeps them inside `rest`); a copy into
                // an array became a call to memcpy.
                (None, None) => rest
                    .iter()
                    .take((offset + n).div_ceil(8))
                    .zip((0..8).rev())
                    .fold(0u64, |w, (b, i)| w | u64::from(*b) << (8 * i)),
            };
            self.pos += n;
            return Ok((window << offset) >> (64 - n));
        }
        let mut v = 0u64;
        let mut left = n;
        while left > 0 {
            let byte = *self.bytes.get(self.pos / 8).ok_or(Short)?;
            let offset = self.pos % 8;
            let avail = 8 - offset;
            let take = avail.min(left);
            let chunk = (byte >> (avail - take)) & (0xFF >> (8 - take));
            v = (v << take) | u64::from(chunk);
            self.pos += take;
            left -= take;
        }
        Ok(v)
    }

    /// Skips `n` bits.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Bits<()> {
        if self.remaining() < n {
            return Err(Short);
        }
        self.pos += n;
        Ok(())
    }

    /// A constrained whole number in `lb..=ub` (X.691 10.5.7.1: the offset from `lb` in the
    /// fewest bits that hold `ub - lb`); a value above `ub` is refused.
    #[inline]
    pub fn constrained(&mut self, lb: u64, ub: u64) -> Bits<u64> {
        let range = ub.checked_sub(lb).ok_or(Short)?;
        let width = bit_width(range);
        let v = self.bits(width)?;
        if v > range {
            return Err(Short);
        }
        Ok(lb + v)
    }

    /// An ENUMERATED or CHOICE index of a root with `count` values and no extension marker.
    #[inline]
    pub fn index(&mut self, count: u64) -> Bits<u64> {
        match count {
            0 => Err(Short),
            1 => Ok(0),
            _ => self.constrained(0, count - 1),
        }
    }

    /// An unconstrained length determinant (X.691 10.9.3.6-7), below 16K (fragments are
    /// refused: no LTE RRC PDU is that long).
    #[inline]
    pub fn length(&mut self) -> Bits<usize> {
        if !self.bit()? {
            return usize::try_from(self.bits(7)?).map_err(|_| Short);
        }
        if self.bit()? {
            return Err(Short);
        }
        usize::try_from(self.bits(14)?).map_err(|_| Short)
    }

    /// An OCTET STRING with an unconstrained length (a length determinant, then the
    /// octets), copied out.
    pub fn octet_string(&mut self) -> Bits<Vec<u8>> {
        let n = self.length()?;
        self.octets(n)
    }

    /// `n` whole octets, not aligned, copied out: a slice copy when the position is on an
    /// octet boundary, two shifts per octet otherwise (NAS containers are most of the octets
    /// a walk copies).
    pub fn octets(&mut self, n: usize) -> Bits<Vec<u8>> {
        let bits = n.checked_mul(8).ok_or(Short)?;
        if self.remaining() < bits {
            return Err(Short);
        }
        let start = self.pos / 8;
        let shift = self.pos % 8;
        let out = if shift == 0 {
            self.bytes.get(start..start + n).ok_or(Short)?.to_vec()
        } else {
            // The last octet read ends inside byte start + n (the length check above keeps
            // it inside `bytes`).
            let src = self.bytes.get(start..=start + n).ok_or(Short)?;
            src.windows(2)
                .map(|w| match w {
                    [a, b] => (a << shift) | (b >> (8 - shift)),
                    _ => 0,
                })
                .collect()
        };
        self.pos += bits;
        Ok(out)
    }
}

/// Bits a constrained whole number of range `range` (ub - lb) takes.
#[inline]
pub fn bit_width(range: u64) -> usize {
    (u64::BITS - range.leading_zeros()) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_across_byte_boundaries() {
        let mut r = BitReader::new(&[0b1010_1100, 0b0101_0011]);
        assert_eq!(r.bit(), Ok(true));
        assert_eq!(r.bits(3), Ok(0b010));
        assert_eq!(r.bits(8), Ok(0b1100_0101));
        assert_eq!(r.remaining(), 4);
        assert_eq!(r.bits(5), Err(Short));
        assert_eq!(r.bits(4), Ok(0b0011));
        assert_eq!(r.bit(), Err(Short));
    }

    /// Every width at every bit position of buffers of every length up to 12 bytes, against
    /// reading the same bits one at a time: the one-window path, the padded window near the
    /// end and the long path all give the bits in order, and nothing past the end.
    #[test]
    fn bits_equal_bit_by_bit_reads() {
        let data: Vec<u8> = (0u32..12).map(|i| (i * 0x9D + 0x3B) as u8).collect();
        for len in 0..=data.len() {
            let bytes = &data[..len];
            for start in 0..=len * 8 {
                for n in 0..=64 {
                    let mut fast = BitReader::new(bytes);
                    let mut slow = BitReader::new(bytes);
                    fast.skip(start).unwrap();
                    slow.skip(start).unwrap();
                    let want = if n <= len * 8 - start {
                        (0..n).try_fold(0u64, |v, _| slow.bit().map(|b| v << 1 | u64::from(b)))
                    } else {
                        Err(Short)
                    };
                    assert_eq!(fast.bits(n), want, "len {len} start {start} n {n}");
                    if want.is_ok() {
                        assert_eq!(fast.remaining(), slow.remaining());
                    }
                }
            }
        }
    }

    #[test]
    fn constrained_values_above_the_bound_are_refused() {
        // 0..5 takes 3 bits; 6 and 7 are not values.
        assert_eq!(BitReader::new(&[0b1010_0000]).constrained(0, 5), Ok(5));
        assert_eq!(BitReader::new(&[0b1100_0000]).constrained(0, 5), Err(Short));
        assert_eq!(BitReader::new(&[0xFF]).constrained(3, 3), Ok(3));
        assert_eq!(bit_width(0), 0);
        assert_eq!(bit_width(1), 1);
        assert_eq!(bit_width(255), 8);
        assert_eq!(bit_width(256), 9);
    }

    /// Octet copies at every bit offset equal reading the octets one at a time.
    #[test]
    fn octets_equal_octet_by_octet_reads() {
        let data: Vec<u8> = (0u32..24).map(|i| (i * 0x3D + 0x17) as u8).collect();
        for start in 0..=data.len() * 8 {
            for n in 0..=(data.len() * 8 - start) / 8 + 1 {
                let mut fast = BitReader::new(&data);
                let mut slow = BitReader::new(&data);
                fast.skip(start).unwrap();
                slow.skip(start).unwrap();
                let want: Bits<Vec<u8>> = (0..n).map(|_| slow.bits(8).map(|b| b as u8)).collect();
                assert_eq!(fast.octets(n), want, "start {start} n {n}");
                if want.is_ok() {
                    assert_eq!(fast.position(), slow.position());
                }
            }
        }
    }

    #[test]
    fn lengths_and_octets() {
        // Length 2, then 0xAB 0xCD, unaligned after one leading bit.
        let mut r = BitReader::new(&[0b1000_0001, 0b0101_0101, 0b1110_0110, 0b1000_0000]);
        assert_eq!(r.bit(), Ok(true));
        assert_eq!(r.length(), Ok(2));
        assert_eq!(r.octets(2), Ok(vec![0xAB, 0xCD]));
        assert_eq!(BitReader::new(&[0x80, 0x05]).length(), Ok(5));
        assert_eq!(BitReader::new(&[0xC0, 0x00]).length(), Err(Short));
    }
}
