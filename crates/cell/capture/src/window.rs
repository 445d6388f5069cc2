//! A bounded look-ahead window over a byte stream: the reader sees at most `capacity` bytes
//! at a time, knows the file offset of the first one, and drops bytes once consumed.

use std::io::{self, Read};

/// Bytes asked of the underlying reader per read call.
const READ_CHUNK: usize = 64 * 1024;

/// Bounded buffer over a [`Read`], tracking the file offset of its first byte.
///
/// The buffer keeps its zero-filled length between reads and tracks the filled end
/// separately, so a source that returns a few bytes per call costs a few bytes of copying,
/// not a fresh 64 KiB zero-fill per call.
#[derive(Debug)]
pub(crate) struct Window<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    capacity: usize,
    offset: u64,
    eof: bool,
    error: Option<io::Error>,
}

impl<R: Read> Window<R> {
    /// A window that never holds more than `capacity` bytes.
    pub(crate) fn new(inner: R, capacity: usize) -> Self {
        Window {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            capacity,
            offset: 0,
            eof: false,
            error: None,
        }
    }

    /// Buffered bytes not yet consumed.
    pub(crate) fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// File offset of the first byte of [`data`](Self::data).
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// True once the input has ended (or failed) and every byte is buffered.
    pub(crate) fn at_eof(&self) -> bool {
        self.eof
    }

    /// The read error that ended the input, once.
    pub(crate) fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Drop `n` buffered bytes (at most all of them).
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.data().len());
        self.start += n;
        self.offset = self.offset.saturating_add(n as u64);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Make at least `want` bytes available if the input has them; true when it did.
    ///
    /// `want` above the capacity is never satisfied.
    pub(crate) fn fill(&mut self, want: usize) -> bool {
        if want > self.capacity {
            return false;
        }
        while self.data().len() < want && !self.eof {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let room = READ_CHUNK
                .max(want.saturating_sub(self.end))
                .min(self.capacity - self.end);
            if self.buf.len() < self.end + room {
                self.buf.resize(self.end + room, 0);
            }
            let result = match self.buf.get_mut(self.end..self.end + room) {
                Some(space) => self.inner.read(space),
                None => Ok(0),
            };
            match result {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n.min(room),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.error = Some(e);
                }
            }
        }
        self.data().len() >= want
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most 3 bytes per call, like a slow pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn fills_across_short_reads_and_tracks_offsets() {
        let input: Vec<u8> = (0..=255).collect();
        let mut w = Window::new(Trickle(&input), 32);
        assert!(w.fill(10));
        assert_eq!(&w.data()[..10], &input[..10]);
        w.consume(7);
        assert_eq!(w.offset(), 7);
        assert!(w.fill(32));
        assert_eq!(w.data()[0], 7);
        assert!(!w.fill(33));
        w.consume(1000);
        assert_eq!(w.offset(), 39);
        assert!(w.fill(1));
        let mut total = 39;
        while w.fill(1) {
            total += w.data().len() as u64;
            let n = w.data().len();
            w.consume(n);
        }
        assert_eq!(total, 256);
        assert!(w.at_eof());
        assert_eq!(w.offset(), 256);
    }
}
