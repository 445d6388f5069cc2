//! The backup format's cryptography: AES key wrap of 32-byte keys, and AES-256-CBC with a zero
//! IV and PKCS#7 padding, in memory and as a stream.

use aes::cipher::{consts::U16, inout::InOutBuf, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes_kw::KekAes256;
use std::io::{self, Read};
use zeroize::Zeroizing;

use crate::BackupError;

/// AES block size.
pub(crate) const BLOCK: usize = 16;
/// A wrapped 32-byte key: the key plus the 8-byte integrity block.
pub(crate) const WRAPPED_KEY_LEN: usize = 40;

/// A 32-byte AES key, wiped from memory when dropped.
pub(crate) type Key = Zeroizing<[u8; 32]>;

/// Unwraps a 40-byte wrapped key with `kek`; `None` when the integrity check fails (the wrong
/// key-encryption key) or the length is wrong.
pub(crate) fn unwrap_key(kek: &[u8; 32], wrapped: &[u8]) -> Option<Key> {
    if wrapped.len() != WRAPPED_KEY_LEN {
        return None;
    }
    let mut out = Zeroizing::new([0u8; 32]);
    KekAes256::from(*kek)
        .unwrap(wrapped, out.as_mut_slice())
        .ok()?;
    Some(out)
}

/// Wraps a 32-byte key with `kek`.
pub(crate) fn wrap_key(kek: &[u8; 32], key: &[u8; 32]) -> [u8; WRAPPED_KEY_LEN] {
    let mut out = [0u8; WRAPPED_KEY_LEN];
    // A 32-byte input and a 40-byte output are the sizes key wrap accepts; it cannot fail.
    let _ = KekAes256::from(*kek).wrap(key, &mut out);
    out
}

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

fn decryptor(key: &[u8; 32]) -> Decryptor {
    Decryptor::new(key.into(), &[0u8; BLOCK].into())
}

fn decrypt_blocks(dec: &mut Decryptor, buf: &mut [u8]) {
    let (blocks, _tail) = InOutBuf::from(buf).into_chunks::<U16>();
    dec.decrypt_blocks_inout_mut(blocks);
}

/// The length of `plain` without its PKCS#7 padding, or `None` when the padding is invalid
/// (a wrong key or damaged content).
pub(crate) fn unpadded_len(plain: &[u8]) -> Option<usize> {
    let &n = plain.last()?;
    let n = usize::from(n);
    if n == 0 || n > BLOCK || n > plain.len() {
        return None;
    }
    let start = plain.len() - n;
    plain
        .get(start..)?
        .iter()
        .all(|&b| usize::from(b) == n)
        .then_some(start)
}

/// Decrypts `data` (AES-256-CBC, zero IV) in place and drops its padding.
pub(crate) fn decrypt_in_place(key: &[u8; 32], data: &mut Vec<u8>) -> Result<(), &'static str> {
    if data.is_empty() || !data.len().is_multiple_of(BLOCK) {
        return Err("encrypted length is not a positive multiple of 16 bytes");
    }
    decrypt_blocks(&mut decryptor(key), data);
    let len = unpadded_len(data).ok_or("invalid padding after decryption")?;
    data.truncate(len);
    Ok(())
}

/// Encrypts `plain` with AES-256-CBC, zero IV, PKCS#7 padding.
pub(crate) fn encrypt(key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
    let pad = BLOCK - plain.len() % BLOCK;
    let mut out = Vec::with_capacity(plain.len() + pad);
    out.extend_from_slice(plain);
    // `pad` is 1..=16, so it fits a byte.
    out.resize(plain.len() + pad, pad as u8);
    let (blocks, _tail) = InOutBuf::from(out.as_mut_slice()).into_chunks::<U16>();
    Encryptor::new(key.into(), &[0u8; BLOCK].into()).encrypt_blocks_inout_mut(blocks);
    out
}

/// Bytes decrypted per read from an encrypted content file.
const CHUNK: usize = 64 * 1024;

/// Decrypts an AES-256-CBC stream of a known length as it is read, holding one chunk.
pub(crate) struct DecryptingReader<R> {
    inner: R,
    dec: Decryptor,
    /// Ciphertext bytes not yet read from `inner`.
    remaining: u64,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<R: Read> DecryptingReader<R> {
    /// A reader of `inner`, which holds `len` bytes of ciphertext; `len` must be a positive
    /// multiple of 16.
    pub(crate) fn new(inner: R, key: &[u8; 32], len: u64) -> Option<DecryptingReader<R>> {
        (len > 0 && len.is_multiple_of(BLOCK as u64)).then(|| DecryptingReader {
            inner,
            dec: decryptor(key),
            remaining: len,
            buf: Vec::new(),
            start: 0,
            end: 0,
        })
    }

    fn refill(&mut self) -> io::Result<()> {
        let n = usize::try_from(self.remaining).unwrap_or(CHUNK).min(CHUNK);
        self.buf.resize(n, 0);
        let chunk = self.buf.get_mut(..n).unwrap_or_default();
        self.inner.read_exact(chunk)?;
        decrypt_blocks(&mut self.dec, chunk);
        self.remaining -= n as u64;
        self.start = 0;
        self.end = n;
        if self.remaining == 0 {
            self.end = unpadded_len(chunk).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    "invalid padding after decryption (damaged file or wrong key)",
                )
            })?;
        }
        Ok(())
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.start == self.end {
            if self.remaining == 0 {
                return Ok(0);
            }
            self.refill()?;
        }
        let avail = self.buf.get(self.start..self.end).unwrap_or_default();
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.start += n;
        Ok(n)
    }
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], BackupError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| BackupError::Random(e.to_string()))?;
    Ok(out)
}

/// A fresh random 32-byte key.
pub(crate) fn random_key() -> Result<Key, BackupError> {
    Ok(Zeroizing::new(random::<32>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_wrap_matches_rfc3394_vector() {
        // RFC 3394 section 4.6: 256-bit key data with a 256-bit KEK.
        let kek: [u8; 32] = core::array::from_fn(|i| i as u8);
        let key: [u8; 32] = [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD,
            0xEE, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B,
            0x0C, 0x0D, 0x0E, 0x0F,
        ];
        let wrapped = wrap_key(&kek, &key);
        assert_eq!(
            crate::hex(&wrapped),
            "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"
        );
        assert_eq!(unwrap_key(&kek, &wrapped).as_deref(), Some(&key));
        let mut other = kek;
        other[0] ^= 1;
        assert!(unwrap_key(&other, &wrapped).is_none());
        assert!(unwrap_key(&kek, &wrapped[..32]).is_none());
    }

    #[test]
    fn cbc_round_trips_in_memory_and_streaming() {
        let key = [7u8; 32];
        for len in [
            0usize,
            1,
            15,
            16,
            17,
            CHUNK - 1,
            CHUNK,
            CHUNK + 16,
            3 * CHUNK + 5,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let enc = encrypt(&key, &plain);
            assert_eq!(enc.len() % BLOCK, 0);
            assert!(enc.len() > plain.len());
            let mut copy = enc.clone();
            decrypt_in_place(&key, &mut copy).unwrap();
            assert_eq!(copy, plain);
            let mut streamed = Vec::new();
            DecryptingReader::new(&enc[..], &key, enc.len() as u64)
                .unwrap()
                .read_to_end(&mut streamed)
                .unwrap();
            assert_eq!(streamed, plain, "length {len}");
        }
    }

    #[test]
    fn wrong_key_or_damage_is_a_padding_error_not_a_panic() {
        let enc = encrypt(&[1u8; 32], b"hello world, some content");
        let mut wrong = enc.clone();
        // With the wrong key the last byte is random; a valid-looking padding is possible but
        // rare, so try keys until one shows the error path (the first almost always does).
        let failed = (2u8..20).any(|k| {
            wrong.clone_from(&enc);
            decrypt_in_place(&[k; 32], &mut wrong).is_err()
        });
        assert!(failed);
        let mut short = enc[..enc.len() - 1].to_vec();
        assert!(decrypt_in_place(&[1u8; 32], &mut short).is_err());
        assert!(DecryptingReader::new(&enc[..], &[1u8; 32], 0).is_none());
        assert!(DecryptingReader::new(&enc[..], &[1u8; 32], 17).is_none());
        // A stream shorter than announced is an I/O error.
        let mut out = Vec::new();
        let mut r = DecryptingReader::new(&enc[..16], &[1u8; 32], enc.len() as u64).unwrap();
        assert!(r.read_to_end(&mut out).is_err());
    }

    #[test]
    fn padding_rules() {
        assert_eq!(unpadded_len(&[]), None);
        assert_eq!(unpadded_len(&[0; 16]), None);
        assert_eq!(unpadded_len(&[17; 16]), None);
        assert_eq!(unpadded_len(&[1, 2, 3, 3]), None);
        assert_eq!(unpadded_len(&[1, 3, 3, 3]), Some(1));
        assert_eq!(unpadded_len(&[16; 16]), Some(0));
    }
}
