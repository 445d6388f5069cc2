//! A bounds-checked cursor over a NAS PDU: every read is checked, a short read is an error value.

use std::fmt;

/// A read went past the end of the PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated {
    /// Offset (from the start of the slice the reader was made over) where the read started.
    pub offset: usize,
    /// Bytes the read wanted.
    pub wanted: usize,
    /// Bytes that were left.
    pub available: usize,
}

impl fmt::Display for Truncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "truncated at offset {}: wanted {} bytes, {} left",
            self.offset, self.wanted, self.available
        )
    }
}

/// Cursor over a byte slice; reads borrow from the slice (no copies).
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or(&[])
    }

    /// The next byte, without consuming it.
    pub fn peek_u8(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consume `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.bytes.get(self.pos..end)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(Truncated {
                offset: self.pos,
                wanted: n,
                available: self.remaining(),
            }),
        }
    }

    /// Consume one byte.
    pub fn u8(&mut self) -> Result<u8, Truncated> {
        let s = self.take(1)?;
        s.first().copied().ok_or(Truncated {
            offset: self.pos,
            wanted: 1,
            available: 0,
        })
    }

    /// Consume a big-endian u16.
    pub fn u16(&mut self) -> Result<u16, Truncated> {
        let s = self.take(2)?;
        match s {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(Truncated {
                offset: self.pos,
                wanted: 2,
                available: 0,
            }),
        }
    }

    /// Consume a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, Truncated> {
        let s = self.take(4)?;
        match s {
            [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => Err(Truncated {
                offset: self.pos,
                wanted: 4,
                available: 0,
            }),
        }
    }

    /// Consume an LV value (one length byte, then that many bytes).
    pub fn lv(&mut self) -> Result<&'a [u8], Truncated> {
        let len = self.u8()?;
        self.take(usize::from(len))
    }

    /// Consume an LV-E value (two length bytes, then that many bytes).
    pub fn lv_e(&mut self) -> Result<&'a [u8], Truncated> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports_short_reads() {
        let mut r = Reader::new(&[0x07, 0x55, 0x02, 0x01, 0xaa, 0xbb]);
        assert_eq!(r.u8(), Ok(0x07));
        assert_eq!(r.u16(), Ok(0x5502));
        assert_eq!(r.lv(), Ok(&[0xaa][..]));
        assert_eq!(r.remaining(), 1);
        let err = r.u32().unwrap_err();
        assert_eq!((err.offset, err.wanted, err.available), (5, 4, 1));
        // A failed read consumes nothing.
        assert_eq!(r.rest(), &[0xbb]);
        assert_eq!(
            r.lv(),
            Err(Truncated {
                offset: 6,
                wanted: 187,
                available: 0
            })
        );
    }
}
