//! The backup keybag (`BackupKeyBag` in `Manifest.plist`): a list of tag-length-value items,
//! each a 4-letter tag, a 4-byte big-endian length and the value. Header items (version, salt,
//! iteration counts) come first; each class key starts with its own `UUID` item.
//!
//! Unlocking stretches the password with PBKDF2 (HMAC-SHA256 over `DPSL`/`DPIC`, then
//! HMAC-SHA1 over `SALT`/`ITER`; older keybags have only the second step) and unwraps every
//! password-wrapped class key with it; a failed AES key-wrap integrity check means the wrong
//! password.

use pbkdf2::pbkdf2_hmac;
use sha1::Sha1;
use sha2::Sha256;
use std::fmt;
use zeroize::Zeroizing;

use crate::crypto::{self, Key, WRAPPED_KEY_LEN};

/// Largest keybag parsed: 64 KiB (real ones are under 2 KB).
pub const MAX_KEYBAG_BYTES: usize = 64 * 1024;
/// Most class keys in one keybag: 32 (iOS defines 11 protection classes).
pub const MAX_CLASS_KEYS: usize = 32;
/// Most PBKDF2-HMAC-SHA256 rounds accepted (`DPIC`): 20 million, twice what iOS uses, so a
/// hostile keybag cannot stall the unlock for minutes.
pub const MAX_DPIC_ITERATIONS: u32 = 20_000_000;
/// Most PBKDF2-HMAC-SHA1 rounds accepted (`ITER`): 1 million, a hundred times what iOS uses.
pub const MAX_ITER_ITERATIONS: u32 = 1_000_000;

/// Class-key wrap flag: the key is wrapped with the password-derived key.
pub const WRAP_PASSCODE: u32 = 2;

/// A parsed keybag. Unknown tags are skipped: later iOS versions add some.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keybag {
    /// `VERS`: keybag format version.
    pub version: Option<u32>,
    /// `TYPE`: 1 for a backup keybag.
    pub kind: Option<u32>,
    /// `UUID` of the keybag itself.
    pub uuid: Option<Vec<u8>>,
    /// `HMCK`: wrapped HMAC key (not needed to decrypt).
    pub hmck: Option<Vec<u8>>,
    /// `WRAP` of the keybag itself.
    pub wrap: Option<u32>,
    /// `SALT` of the PBKDF2-HMAC-SHA1 step.
    pub salt: Option<Vec<u8>>,
    /// `ITER`: rounds of the PBKDF2-HMAC-SHA1 step.
    pub iterations: Option<u32>,
    /// `DPWT`.
    pub dp_wrap: Option<u32>,
    /// `DPIC`: rounds of the PBKDF2-HMAC-SHA256 step.
    pub dp_iterations: Option<u32>,
    /// `DPSL`: salt of the PBKDF2-HMAC-SHA256 step; absent before iOS 10.2.
    pub dp_salt: Option<Vec<u8>>,
    /// The class keys, in keybag order.
    pub classes: Vec<ClassKey>,
}

/// One protection class's wrapped key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClassKey {
    /// `UUID` of the class key.
    pub uuid: Vec<u8>,
    /// `CLAS`: the protection class number.
    pub class: Option<u32>,
    /// `WRAP`: how the key is wrapped ([`WRAP_PASSCODE`] bit: with the password key).
    pub wrap: u32,
    /// `KTYP`: key type.
    pub key_type: Option<u32>,
    /// `WPKY`: the wrapped key.
    pub wrapped_key: Option<Vec<u8>>,
}

impl fmt::Debug for Keybag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Salts and wrapped keys are not secret, but a debug line has no use for them.
        f.debug_struct("Keybag")
            .field("version", &self.version)
            .field("kind", &self.kind)
            .field("iterations", &self.iterations)
            .field("dp_iterations", &self.dp_iterations)
            .field(
                "classes",
                &self.classes.iter().map(|c| c.class).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl fmt::Debug for ClassKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClassKey")
            .field("class", &self.class)
            .field("wrap", &self.wrap)
            .finish()
    }
}

/// Why a keybag cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeybagError {
    /// Larger than [`MAX_KEYBAG_BYTES`].
    #[error("{0} bytes, over the limit of {MAX_KEYBAG_BYTES}")]
    TooLarge(usize),
    /// An item runs past the end.
    #[error("item at offset {0} runs past the end of the keybag")]
    Truncated(usize),
    /// More than [`MAX_CLASS_KEYS`] class keys.
    #[error("more than {MAX_CLASS_KEYS} class keys")]
    TooManyClasses,
    /// A number item that is not 4 bytes long, or a class item before any class.
    #[error("malformed {tag} item at offset {offset}")]
    BadItem {
        /// The tag.
        tag: String,
        /// Where it starts.
        offset: usize,
    },
    /// An item needed to unlock is absent.
    #[error("no {0} item")]
    Missing(&'static str),
    /// An iteration count outside 1 and its named maximum.
    #[error("{field} iteration count {value} is outside 1..={max}")]
    Iterations {
        /// `DPIC` or `ITER`.
        field: &'static str,
        /// The count found.
        value: u32,
        /// The largest accepted.
        max: u32,
    },
    /// A class key needed is absent or not unlocked.
    #[error("no unlocked key for protection class {0}")]
    NoClassKey(u32),
    /// A key wrapped by a class key does not unwrap: damage, since the password was right.
    #[error("a key wrapped with protection class {0} does not unwrap")]
    BadWrappedKey(u32),
}

/// Why unlocking failed: the password, or the keybag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockError {
    /// The password-derived key does not unwrap the class keys.
    WrongPassword,
    /// The keybag is unusable.
    Keybag(KeybagError),
}

impl From<KeybagError> for UnlockError {
    fn from(e: KeybagError) -> UnlockError {
        UnlockError::Keybag(e)
    }
}

fn number(tag: &[u8; 4], value: &[u8], offset: usize) -> Result<u32, KeybagError> {
    <[u8; 4]>::try_from(value)
        .map(u32::from_be_bytes)
        .map_err(|_| KeybagError::BadItem {
            tag: String::from_utf8_lossy(tag).into_owned(),
            offset,
        })
}

impl Keybag {
    /// Parses a keybag's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Keybag, KeybagError> {
        if bytes.len() > MAX_KEYBAG_BYTES {
            return Err(KeybagError::TooLarge(bytes.len()));
        }
        let mut bag = Keybag::default();
        let mut offset = 0usize;
        while offset < bytes.len() {
            let header = bytes
                .get(offset..offset + 8)
                .ok_or(KeybagError::Truncated(offset))?;
            let (tag, len) = header.split_at(4);
            let tag: [u8; 4] = tag.try_into().map_err(|_| KeybagError::Truncated(offset))?;
            let len = <[u8; 4]>::try_from(len)
                .map(u32::from_be_bytes)
                .map_err(|_| KeybagError::Truncated(offset))?;
            let start = offset + 8;
            let end = usize::try_from(len)
                .ok()
                .and_then(|l| start.checked_add(l))
                .filter(|&e| e <= bytes.len())
                .ok_or(KeybagError::Truncated(offset))?;
            let value = bytes
                .get(start..end)
                .ok_or(KeybagError::Truncated(offset))?;
            bag.item(&tag, value, offset)?;
            offset = end;
        }
        Ok(bag)
    }

    fn item(&mut self, tag: &[u8; 4], value: &[u8], offset: usize) -> Result<(), KeybagError> {
        let bad = || KeybagError::BadItem {
            tag: String::from_utf8_lossy(tag).into_owned(),
            offset,
        };
        match tag {
            b"UUID" if self.uuid.is_none() => self.uuid = Some(value.to_vec()),
            b"UUID" => {
                if self.classes.len() >= MAX_CLASS_KEYS {
                    return Err(KeybagError::TooManyClasses);
                }
                self.classes.push(ClassKey {
                    uuid: value.to_vec(),
                    ..ClassKey::default()
                });
            }
            b"CLAS" | b"WRAP" | b"KTYP" | b"WPKY" if !self.classes.is_empty() => {
                let class = self.classes.last_mut().ok_or_else(bad)?;
                match tag {
                    b"CLAS" => class.class = Some(number(tag, value, offset)?),
                    b"WRAP" => class.wrap = number(tag, value, offset)?,
                    b"KTYP" => class.key_type = Some(number(tag, value, offset)?),
                    _ => class.wrapped_key = Some(value.to_vec()),
                }
            }
            b"WRAP" => self.wrap = Some(number(tag, value, offset)?),
            b"CLAS" | b"KTYP" | b"WPKY" => return Err(bad()),
            b"VERS" => self.version = Some(number(tag, value, offset)?),
            b"TYPE" => self.kind = Some(number(tag, value, offset)?),
            b"HMCK" => self.hmck = Some(value.to_vec()),
            b"SALT" => self.salt = Some(value.to_vec()),
            b"ITER" => self.iterations = Some(number(tag, value, offset)?),
            b"DPWT" => self.dp_wrap = Some(number(tag, value, offset)?),
            b"DPIC" => self.dp_iterations = Some(number(tag, value, offset)?),
            b"DPSL" => self.dp_salt = Some(value.to_vec()),
            // Newer tags (e.g. signatures, public keys) are not needed to decrypt.
            _ => {}
        }
        Ok(())
    }

    /// The keybag's bytes, items in the order iOS writes them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |tag: &[u8; 4], value: &[u8]| {
            out.extend_from_slice(tag);
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        };
        let num = |n: u32| n.to_be_bytes();
        if let Some(v) = self.version {
            put(b"VERS", &num(v));
        }
        if let Some(v) = self.kind {
            put(b"TYPE", &num(v));
        }
        if let Some(v) = &self.uuid {
            put(b"UUID", v);
        }
        if let Some(v) = &self.hmck {
            put(b"HMCK", v);
        }
        if let Some(v) = self.wrap {
            put(b"WRAP", &num(v));
        }
        if let Some(v) = &self.salt {
            put(b"SALT", v);
        }
        if let Some(v) = self.iterations {
            put(b"ITER", &num(v));
        }
        if let Some(v) = self.dp_wrap {
            put(b"DPWT", &num(v));
        }
        if let Some(v) = self.dp_iterations {
            put(b"DPIC", &num(v));
        }
        if let Some(v) = &self.dp_salt {
            put(b"DPSL", v);
        }
        for class in &self.classes {
            put(b"UUID", &class.uuid);
            if let Some(v) = class.class {
                put(b"CLAS", &num(v));
            }
            put(b"WRAP", &num(class.wrap));
            if let Some(v) = class.key_type {
                put(b"KTYP", &num(v));
            }
            if let Some(v) = &class.wrapped_key {
                put(b"WPKY", v);
            }
        }
        out
    }

    /// The key derived from `password` by the keybag's two PBKDF2 steps.
    pub(crate) fn password_key(&self, password: &[u8]) -> Result<Key, KeybagError> {
        let salt = self.salt.as_deref().ok_or(KeybagError::Missing("SALT"))?;
        let iter = checked_iterations("ITER", self.iterations, MAX_ITER_ITERATIONS)?;
        let mut key = Zeroizing::new([0u8; 32]);
        match &self.dp_salt {
            Some(dp_salt) => {
                let dpic = checked_iterations("DPIC", self.dp_iterations, MAX_DPIC_ITERATIONS)?;
                let mut round1 = Zeroizing::new([0u8; 32]);
                pbkdf2_hmac::<Sha256>(password, dp_salt, dpic, round1.as_mut_slice());
                pbkdf2_hmac::<Sha1>(round1.as_slice(), salt, iter, key.as_mut_slice());
            }
            None => pbkdf2_hmac::<Sha1>(password, salt, iter, key.as_mut_slice()),
        }
        Ok(key)
    }

    /// Unwraps every password-wrapped class key with `password`.
    pub fn unlock(&self, password: &[u8]) -> Result<ClassKeys, UnlockError> {
        let password_key = self.password_key(password)?;
        self.unlock_with_key(&password_key)
    }

    pub(crate) fn unlock_with_key(
        &self,
        password_key: &[u8; 32],
    ) -> Result<ClassKeys, UnlockError> {
        let mut keys = Vec::new();
        for class in &self.classes {
            let (Some(number), Some(wrapped)) = (class.class, &class.wrapped_key) else {
                continue;
            };
            if class.wrap & WRAP_PASSCODE == 0 {
                // Wrapped with a device key: never in a backup the password opens.
                continue;
            }
            if wrapped.len() != WRAPPED_KEY_LEN {
                return Err(UnlockError::Keybag(KeybagError::BadItem {
                    tag: "WPKY".into(),
                    offset: 0,
                }));
            }
            let key =
                crypto::unwrap_key(password_key, wrapped).ok_or(UnlockError::WrongPassword)?;
            if !keys.iter().any(|(n, _)| *n == number) {
                keys.push((number, key));
            }
        }
        if keys.is_empty() {
            return Err(UnlockError::Keybag(KeybagError::Missing(
                "password-wrapped class key",
            )));
        }
        Ok(ClassKeys { keys })
    }
}

fn checked_iterations(
    field: &'static str,
    value: Option<u32>,
    max: u32,
) -> Result<u32, KeybagError> {
    let value = value.ok_or(KeybagError::Missing(field))?;
    if value == 0 || value > max {
        return Err(KeybagError::Iterations { field, value, max });
    }
    Ok(value)
}

/// The unlocked class keys of a keybag; wiped from memory when dropped.
pub struct ClassKeys {
    keys: Vec<(u32, Key)>,
}

impl fmt::Debug for ClassKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|(n, _)| n))
            .finish()
    }
}

impl ClassKeys {
    pub(crate) fn from_keys(keys: Vec<(u32, Key)>) -> ClassKeys {
        ClassKeys { keys }
    }

    fn class_key(&self, class: u32) -> Result<&Key, KeybagError> {
        self.keys
            .iter()
            .find(|(n, _)| *n == class)
            .map(|(_, k)| k)
            .ok_or(KeybagError::NoClassKey(class))
    }

    /// Unwraps a key stored as a 4-byte little-endian protection class followed by the key
    /// wrapped with that class's key (`ManifestKey`, a file's `EncryptionKey`).
    pub fn unwrap_class_prefixed(&self, bytes: &[u8]) -> Result<Key, KeybagError> {
        let (class, wrapped) = split_class_prefix(bytes).ok_or(KeybagError::BadItem {
            tag: "class-prefixed key".into(),
            offset: 0,
        })?;
        crypto::unwrap_key(self.class_key(class)?, wrapped).ok_or(KeybagError::BadWrappedKey(class))
    }

    /// Unwraps a 40-byte wrapped key with `class`'s key.
    pub fn unwrap_with_class(&self, class: u32, wrapped: &[u8]) -> Result<Key, KeybagError> {
        crypto::unwrap_key(self.class_key(class)?, wrapped).ok_or(KeybagError::BadWrappedKey(class))
    }

    /// `key` wrapped with `class`'s key and prefixed with the class, as backups store it.
    pub(crate) fn wrap_class_prefixed(
        &self,
        class: u32,
        key: &[u8; 32],
    ) -> Result<Vec<u8>, KeybagError> {
        let wrapped = crypto::wrap_key(self.class_key(class)?, key);
        let mut out = class.to_le_bytes().to_vec();
        out.extend_from_slice(&wrapped);
        Ok(out)
    }
}

/// The protection class and wrapped key of a class-prefixed key.
pub(crate) fn split_class_prefix(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (class, wrapped) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*class), wrapped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(password_key: &[u8; 32]) -> (Keybag, Vec<(u32, [u8; 32])>) {
        let mut bag = Keybag {
            version: Some(4),
            kind: Some(1),
            uuid: Some(vec![1; 16]),
            hmck: Some(vec![2; 40]),
            wrap: Some(0),
            salt: Some(vec![3; 20]),
            iterations: Some(10),
            dp_wrap: Some(1),
            dp_iterations: Some(10),
            dp_salt: Some(vec![4; 20]),
            classes: Vec::new(),
        };
        let mut plain = Vec::new();
        for n in 1..=4u32 {
            let key = [n as u8 + 100; 32];
            bag.classes.push(ClassKey {
                uuid: vec![n as u8; 16],
                class: Some(n),
                wrap: WRAP_PASSCODE,
                key_type: Some(0),
                wrapped_key: Some(crypto::wrap_key(password_key, &key).to_vec()),
            });
            plain.push((n, key));
        }
        (bag, plain)
    }

    #[test]
    fn emit_then_parse_gives_the_same_keybag() {
        let (bag, _) = sample(&[9; 32]);
        let bytes = bag.to_bytes();
        assert_eq!(&bytes[..8], b"VERS\0\0\0\x04");
        assert_eq!(Keybag::parse(&bytes).unwrap(), bag);
    }

    #[test]
    fn unlock_with_right_and_wrong_password() {
        let probe = Keybag {
            salt: Some(vec![3; 20]),
            iterations: Some(10),
            dp_iterations: Some(10),
            dp_salt: Some(vec![4; 20]),
            ..Keybag::default()
        };
        let pk = probe.password_key(b"secret").unwrap();
        let (bag, plain) = sample(&pk);
        let keys = bag.unlock(b"secret").unwrap();
        for (n, key) in plain {
            let mut stored = n.to_le_bytes().to_vec();
            stored.extend_from_slice(&crypto::wrap_key(&[n as u8 + 100; 32], &[42; 32]));
            assert_eq!(*keys.unwrap_class_prefixed(&stored).unwrap(), [42; 32]);
            assert_eq!(**keys.class_key(n).unwrap(), key);
        }
        assert_eq!(
            bag.unlock(b"Secret").unwrap_err(),
            UnlockError::WrongPassword
        );
        assert_eq!(
            keys.unwrap_class_prefixed(&[9, 0, 0, 0]).unwrap_err(),
            KeybagError::NoClassKey(9)
        );
        assert!(keys.unwrap_class_prefixed(&[1, 0]).is_err());
    }

    #[test]
    fn two_step_derivation_matches_pbkdf2_definition() {
        let bag = Keybag {
            salt: Some(b"salt-two".to_vec()),
            iterations: Some(3),
            dp_iterations: Some(5),
            dp_salt: Some(b"salt-one".to_vec()),
            ..Keybag::default()
        };
        let mut round1 = [0u8; 32];
        pbkdf2_hmac::<Sha256>(b"pw", b"salt-one", 5, &mut round1);
        let mut expect = [0u8; 32];
        pbkdf2_hmac::<Sha1>(&round1, b"salt-two", 3, &mut expect);
        assert_eq!(*bag.password_key(b"pw").unwrap(), expect);
        let old = Keybag {
            dp_salt: None,
            ..bag
        };
        pbkdf2_hmac::<Sha1>(b"pw", b"salt-two", 3, &mut expect);
        assert_eq!(*old.password_key(b"pw").unwrap(), expect);
    }

    #[test]
    fn hostile_keybags_are_errors() {
        assert_eq!(Keybag::parse(b"VERS"), Err(KeybagError::Truncated(0)));
        assert_eq!(
            Keybag::parse(b"VERS\xff\xff\xff\xff\0\0\0\x04"),
            Err(KeybagError::Truncated(0))
        );
        assert!(matches!(
            Keybag::parse(b"VERS\0\0\0\x02\0\x04"),
            Err(KeybagError::BadItem { .. })
        ));
        assert!(matches!(
            Keybag::parse(b"WPKY\0\0\0\x01x"),
            Err(KeybagError::BadItem { .. })
        ));
        assert_eq!(
            Keybag::parse(&vec![0; MAX_KEYBAG_BYTES + 1]),
            Err(KeybagError::TooLarge(MAX_KEYBAG_BYTES + 1))
        );
        let mut many = Vec::new();
        for _ in 0..=MAX_CLASS_KEYS + 1 {
            many.extend_from_slice(b"UUID\0\0\0\0");
        }
        assert_eq!(Keybag::parse(&many), Err(KeybagError::TooManyClasses));
        let slow = Keybag {
            salt: Some(vec![1]),
            iterations: Some(MAX_ITER_ITERATIONS + 1),
            ..Keybag::default()
        };
        assert!(matches!(
            slow.unlock(b"x"),
            Err(UnlockError::Keybag(KeybagError::Iterations { .. }))
        ));
        let zero = Keybag {
            salt: Some(vec![1]),
            iterations: Some(1),
            dp_salt: Some(vec![1]),
            dp_iterations: Some(0),
            ..Keybag::default()
        };
        assert!(matches!(
            zero.unlock(b"x"),
            Err(UnlockError::Keybag(KeybagError::Iterations { .. }))
        ));
        let no_classes = Keybag {
            salt: Some(vec![1]),
            iterations: Some(1),
            ..Keybag::default()
        };
        assert!(matches!(
            no_classes.unlock(b"x"),
            Err(UnlockError::Keybag(KeybagError::Missing(_)))
        ));
    }
}
