//! Unaligned PER (X.691) bit reading and writing: the few primitives TS 25.331 messages use.

use crate::UmtsRrcError;

/// Reads bits most significant first from a byte slice; every read is bounds-checked.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    /// Bits read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// One bit.
    pub fn bit(&mut self, what: &'static str) -> Result<bool, UmtsRrcError> {
        let byte = self.data.get(self.pos / 8).ok_or(UmtsRrcError::Truncated {
            what,
            bit: self.pos,
        })?;
        let b = byte >> (7 - (self.pos % 8)) & 1;
        self.pos += 1;
        Ok(b == 1)
    }

    /// `n` bits (at most 32) as an unsigned number.
    pub fn bits(&mut self, n: u32, what: &'static str) -> Result<u32, UmtsRrcError> {
        let mut v = 0u32;
        for _ in 0..n.min(32) {
            v = (v << 1) | u32::from(self.bit(what)?);
        }
        Ok(v)
    }

    /// A constrained whole number in `0..=max` (the bits of `max`).
    pub fn upto(&mut self, max: u32, what: &'static str) -> Result<u32, UmtsRrcError> {
        let v = self.bits(bits_for(max), what)?;
        if v > max {
            return Err(UmtsRrcError::OutOfRange { what, value: v });
        }
        Ok(v)
    }

    /// Skips `n` bits.
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<(), UmtsRrcError> {
        let end = self.pos.checked_add(n).ok_or(UmtsRrcError::Truncated {
            what,
            bit: self.pos,
        })?;
        if end > self.data.len() * 8 {
            return Err(UmtsRrcError::Truncated {
                what,
                bit: self.pos,
            });
        }
        self.pos = end;
        Ok(())
    }

    /// `n` whole octets, not aligned (UPER).
    pub fn octets(&mut self, n: usize, what: &'static str) -> Result<Vec<u8>, UmtsRrcError> {
        if self.pos.saturating_add(n.saturating_mul(8)) > self.data.len() * 8 {
            return Err(UmtsRrcError::Truncated {
                what,
                bit: self.pos,
            });
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(u8::try_from(self.bits(8, what)?).unwrap_or(0));
        }
        Ok(out)
    }

    /// A sequence of decimal digits of a size in `min..=max` (`SEQUENCE (SIZE (min..max)) OF
    /// Digit`), as text; digits above 9 are an error.
    pub fn digits(
        &mut self,
        min: u32,
        max: u32,
        what: &'static str,
    ) -> Result<String, UmtsRrcError> {
        let n = min + self.upto(max - min, what)?;
        let mut s = String::with_capacity(n as usize);
        for _ in 0..n {
            let d = self.upto(9, what)?;
            s.push(char::from(b'0' + d as u8));
        }
        Ok(s)
    }
}

/// Bits that hold a number in `0..=max`.
pub fn bits_for(max: u32) -> u32 {
    32 - max.leading_zeros()
}

/// Writes bits most significant first.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    pos: usize,
}

impl BitWriter {
    /// An empty writer.
    pub fn new() -> Self {
        BitWriter::default()
    }

    /// One bit.
    pub fn bit(&mut self, b: bool) {
        if self.pos.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if b {
            if let Some(last) = self.bytes.last_mut() {
                *last |= 0x80 >> (self.pos % 8);
            }
        }
        self.pos += 1;
    }

    /// The `n` low bits of `v`, most significant first.
    pub fn bits(&mut self, v: u32, n: u32) {
        for i in (0..n.min(32)).rev() {
            self.bit(v >> i & 1 == 1);
        }
    }

    /// A constrained whole number in `0..=max`.
    pub fn upto(&mut self, v: u32, max: u32) {
        self.bits(v.min(max), bits_for(max));
    }

    /// Whole octets, unaligned.
    pub fn octets(&mut self, data: &[u8]) {
        for b in data {
            self.bits(u32::from(*b), 8);
        }
    }

    /// Decimal digits with their size in `min..=max`.
    pub fn digits(&mut self, digits: &[u8], min: u32, max: u32) {
        let n = u32::try_from(digits.len()).unwrap_or(max).clamp(min, max);
        self.upto(n - min, max - min);
        for d in digits.iter().take(n as usize) {
            self.upto(u32::from(*d), 9);
        }
    }

    /// The bytes, the last one padded with zero bits.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}
