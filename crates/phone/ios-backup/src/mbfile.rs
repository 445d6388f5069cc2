//! The `file` column of `Manifest.db`: an `MBFile` object archived with NSKeyedArchiver, i.e.
//! a binary property list whose `$objects` array holds the object and the values it refers to
//! by index (UID): its relative path, its wrapped encryption key, a symlink's target.

use plist::{Dictionary, Uid, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use stingwatch_phone_model::UnixMillis;

use crate::MAX_MBFILE_BYTES;

/// Most objects in one archive's `$objects` array: 64 (a real `MBFile` archive has 4 to 8).
pub const MAX_ARCHIVE_OBJECTS: usize = 64;

/// The file attributes a backup keeps per file. All optional: a damaged record still names
/// its file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MbFile {
    /// Content size in bytes as the phone recorded it.
    pub size: Option<u64>,
    /// Last modification.
    pub last_modified: Option<UnixMillis>,
    /// Last status (inode) change.
    pub last_status_change: Option<UnixMillis>,
    /// Creation.
    pub birth: Option<UnixMillis>,
    /// Unix mode (type and permission bits).
    pub mode: Option<u32>,
    /// Data protection class of the file.
    pub protection_class: Option<u32>,
    /// 4-byte little-endian class plus the wrapped file key (encrypted backups only).
    pub encryption_key: Option<Vec<u8>>,
    /// Relative path, as archived (the manifest row has it too).
    pub relative_path: Option<String>,
    /// Target of a symbolic link.
    pub target: Option<String>,
    /// Owner.
    pub user_id: Option<u32>,
    /// Group.
    pub group_id: Option<u32>,
    /// Inode number on the phone.
    pub inode: Option<u64>,
}

/// Why an `MBFile` archive could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MbFileError {
    /// Larger than [`MAX_MBFILE_BYTES`].
    #[error("archived file record is {0} bytes, over the limit of {MAX_MBFILE_BYTES}")]
    TooLarge(usize),
    /// Not a property list.
    #[error("archived file record is not a property list: {0}")]
    Plist(String),
    /// A property list, but not a keyed archive of one object.
    #[error("archived file record: {0}")]
    Shape(&'static str),
}

fn lookup<'a>(objects: &'a [Value], value: &'a Value) -> &'a Value {
    match value {
        Value::Uid(uid) => usize::try_from(uid.get())
            .ok()
            .and_then(|i| objects.get(i))
            .unwrap_or(value),
        other => other,
    }
}

fn unix_seconds(value: &Value) -> Option<UnixMillis> {
    match value {
        Value::Integer(i) => i
            .as_signed()
            .and_then(|s| s.checked_mul(1000))
            .map(UnixMillis),
        Value::Real(r) if r.is_finite() && r.abs() < 1e15 => Some(UnixMillis((r * 1000.0) as i64)),
        Value::Date(d) => {
            let t = SystemTime::from(*d);
            match t.duration_since(UNIX_EPOCH) {
                Ok(after) => i64::try_from(after.as_millis()).ok().map(UnixMillis),
                Err(before) => i64::try_from(before.duration().as_millis())
                    .ok()
                    .map(|m| UnixMillis(-m)),
            }
        }
        _ => None,
    }
}

fn unsigned(value: &Value) -> Option<u64> {
    match value {
        Value::Integer(i) => i.as_unsigned(),
        _ => None,
    }
}

impl MbFile {
    /// Reads an archived `MBFile` from a `Manifest.db` row's `file` blob.
    pub fn parse(blob: &[u8]) -> Result<MbFile, MbFileError> {
        if blob.len() > MAX_MBFILE_BYTES {
            return Err(MbFileError::TooLarge(blob.len()));
        }
        let root = crate::plistread::parse_value(blob).map_err(MbFileError::Plist)?;
        let archive = root
            .as_dictionary()
            .ok_or(MbFileError::Shape("not a dictionary"))?;
        let objects = archive
            .get("$objects")
            .and_then(Value::as_array)
            .ok_or(MbFileError::Shape("no $objects array"))?;
        if objects.len() > MAX_ARCHIVE_OBJECTS {
            return Err(MbFileError::Shape("too many archived objects"));
        }
        let top = archive
            .get("$top")
            .and_then(Value::as_dictionary)
            .and_then(|t| t.get("root"))
            .ok_or(MbFileError::Shape("no $top root"))?;
        let object = lookup(objects, top)
            .as_dictionary()
            .ok_or(MbFileError::Shape("root object is not a dictionary"))?;
        let get = |key: &str| object.get(key).map(|v| lookup(objects, v));
        let number = |key: &str| get(key).and_then(unsigned);
        let small = |key: &str| number(key).and_then(|n| u32::try_from(n).ok());
        let text = |key: &str| get(key).and_then(Value::as_string).map(str::to_owned);
        let encryption_key = get("EncryptionKey").and_then(|v| match v {
            Value::Data(d) => Some(d.clone()),
            Value::Dictionary(d) => d
                .get("NS.data")
                .and_then(Value::as_data)
                .map(<[u8]>::to_vec),
            _ => None,
        });
        Ok(MbFile {
            size: number("Size"),
            last_modified: get("LastModified").and_then(unix_seconds),
            last_status_change: get("LastStatusChange").and_then(unix_seconds),
            birth: get("Birth").and_then(unix_seconds),
            mode: small("Mode"),
            protection_class: small("ProtectionClass"),
            encryption_key,
            relative_path: text("RelativePath"),
            target: text("Target"),
            user_id: small("UserID"),
            group_id: small("GroupID"),
            inode: number("InodeNumber"),
        })
    }

    /// The archive's bytes (binary property list), laid out as iOS writes it: `$null`, the
    /// object, its path, its key and target, then the class descriptions.
    pub fn to_blob(&self) -> Vec<u8> {
        let mut objects: Vec<Value> = vec![Value::String("$null".into())];
        let mut object = Dictionary::new();
        let push = |objects: &mut Vec<Value>, v: Value| {
            objects.push(v);
            Value::Uid(Uid::new(objects.len() as u64 - 1))
        };
        objects.push(Value::Boolean(false)); // placeholder for the object, index 1
        let seconds =
            |m: Option<UnixMillis>| Value::Integer(m.map_or(0, |m| m.0.div_euclid(1000)).into());
        object.insert("Birth".into(), seconds(self.birth));
        object.insert("LastModified".into(), seconds(self.last_modified));
        object.insert("LastStatusChange".into(), seconds(self.last_status_change));
        object.insert(
            "Mode".into(),
            Value::Integer(self.mode.unwrap_or(0o100644).into()),
        );
        object.insert("Flags".into(), Value::Integer(0.into()));
        object.insert(
            "UserID".into(),
            Value::Integer(self.user_id.unwrap_or(501).into()),
        );
        object.insert(
            "GroupID".into(),
            Value::Integer(self.group_id.unwrap_or(501).into()),
        );
        object.insert(
            "InodeNumber".into(),
            Value::Integer(self.inode.unwrap_or(0).into()),
        );
        object.insert("Size".into(), Value::Integer(self.size.unwrap_or(0).into()));
        object.insert(
            "ProtectionClass".into(),
            Value::Integer(self.protection_class.unwrap_or(0).into()),
        );
        let path = push(
            &mut objects,
            Value::String(self.relative_path.clone().unwrap_or_default()),
        );
        object.insert("RelativePath".into(), path);
        let mut data_class = None;
        if let Some(key) = &self.encryption_key {
            let mut data = Dictionary::new();
            data.insert("NS.data".into(), Value::Data(key.clone()));
            let index = objects.len();
            let uid = push(&mut objects, Value::Dictionary(data));
            object.insert("EncryptionKey".into(), uid);
            data_class = Some(index);
        }
        if let Some(target) = &self.target {
            let uid = push(&mut objects, Value::String(target.clone()));
            object.insert("Target".into(), uid);
        }
        if let Some(index) = data_class {
            let uid = push(
                &mut objects,
                class_description("NSMutableData", &["NSMutableData", "NSData", "NSObject"]),
            );
            if let Some(Value::Dictionary(d)) = objects.get_mut(index) {
                d.insert("$class".into(), uid);
            }
        }
        let class = push(
            &mut objects,
            class_description("MBFile", &["MBFile", "NSObject"]),
        );
        object.insert("$class".into(), class);
        if let Some(slot) = objects.get_mut(1) {
            *slot = Value::Dictionary(object);
        }
        let mut top = Dictionary::new();
        top.insert("root".into(), Value::Uid(Uid::new(1)));
        let mut archive = Dictionary::new();
        archive.insert("$version".into(), Value::Integer(100_000.into()));
        archive.insert("$archiver".into(), Value::String("NSKeyedArchiver".into()));
        archive.insert("$top".into(), Value::Dictionary(top));
        archive.insert("$objects".into(), Value::Array(objects));
        let mut out = Vec::new();
        // Writing a well-formed value to memory cannot fail.
        let _ = Value::Dictionary(archive).to_writer_binary(&mut out);
        out
    }
}

fn class_description(name: &str, chain: &[&str]) -> Value {
    let mut d = Dictionary::new();
    d.insert("$classname".into(), Value::String(name.into()));
    d.insert(
        "$classes".into(),
        Value::Array(chain.iter().map(|c| Value::String((*c).into())).collect()),
    );
    Value::Dictionary(d)
}

/// Seconds since 1970 as a property-list date, for plists the writer emits.
pub(crate) fn plist_date(m: UnixMillis) -> plist::Date {
    let t = if m.0 >= 0 {
        UNIX_EPOCH + Duration::from_millis(m.0.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(m.0.unsigned_abs())
    };
    plist::Date::from(t)
}

/// A property-list date as Unix milliseconds.
pub(crate) fn date_millis(d: &plist::Date) -> Option<UnixMillis> {
    unix_seconds(&Value::Date(*d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn sample() -> MbFile {
        MbFile {
            size: Some(1234),
            last_modified: Some(UnixMillis(1_700_000_000_000)),
            last_status_change: Some(UnixMillis(1_700_000_001_000)),
            birth: Some(UnixMillis(1_600_000_000_000)),
            mode: Some(0o100644),
            protection_class: Some(3),
            encryption_key: Some((0..44).collect()),
            relative_path: Some("Library/SMS/sms.db".into()),
            target: None,
            user_id: Some(501),
            group_id: Some(501),
            inode: Some(99),
        }
    }

    #[test]
    fn emit_then_parse_round_trips() {
        let file = sample();
        let blob = file.to_blob();
        assert_eq!(&blob[..8], b"bplist00");
        assert_eq!(MbFile::parse(&blob).unwrap(), file);
        let link = MbFile {
            encryption_key: None,
            target: Some("../elsewhere".into()),
            mode: Some(0o120755),
            ..sample()
        };
        assert_eq!(MbFile::parse(&link.to_blob()).unwrap(), link);
    }

    #[test]
    fn archive_layout_is_the_keyed_archiver_one() {
        let root = Value::from_reader(Cursor::new(sample().to_blob())).unwrap();
        let archive = root.as_dictionary().unwrap();
        assert_eq!(
            archive.get("$archiver").and_then(Value::as_string),
            Some("NSKeyedArchiver")
        );
        let objects = archive.get("$objects").and_then(Value::as_array).unwrap();
        assert_eq!(objects[0].as_string(), Some("$null"));
        let object = objects[1].as_dictionary().unwrap();
        let class = lookup(objects, object.get("$class").unwrap())
            .as_dictionary()
            .unwrap();
        assert_eq!(
            class.get("$classname").and_then(Value::as_string),
            Some("MBFile")
        );
        let key = lookup(objects, object.get("EncryptionKey").unwrap())
            .as_dictionary()
            .unwrap();
        assert_eq!(
            key.get("NS.data").and_then(Value::as_data).map(<[u8]>::len),
            Some(44)
        );
    }

    #[test]
    fn damaged_archives_are_errors() {
        assert!(matches!(MbFile::parse(b""), Err(MbFileError::Plist(_))));
        assert!(matches!(
            MbFile::parse(b"bplist00garbage"),
            Err(MbFileError::Plist(_))
        ));
        let blob = sample().to_blob();
        assert!(MbFile::parse(&blob[..blob.len() / 2]).is_err());
        let mut list = Vec::new();
        Value::Array(vec![]).to_writer_binary(&mut list).unwrap();
        assert_eq!(
            MbFile::parse(&list),
            Err(MbFileError::Shape("not a dictionary"))
        );
        assert!(matches!(
            MbFile::parse(&vec![0; MAX_MBFILE_BYTES + 1]),
            Err(MbFileError::TooLarge(_))
        ));
        // A root UID pointing past the objects is no object.
        let mut archive = Dictionary::new();
        let mut top = Dictionary::new();
        top.insert("root".into(), Value::Uid(Uid::new(7)));
        archive.insert("$top".into(), Value::Dictionary(top));
        archive.insert(
            "$objects".into(),
            Value::Array(vec![Value::String("$null".into())]),
        );
        let mut out = Vec::new();
        Value::Dictionary(archive)
            .to_writer_binary(&mut out)
            .unwrap();
        assert!(MbFile::parse(&out).is_err());
    }

    #[test]
    fn date_values_are_read_as_well_as_integers() {
        let mut file = Dictionary::new();
        file.insert(
            "LastModified".into(),
            Value::Date(plist_date(UnixMillis(1_000_000_000_000))),
        );
        file.insert("Size".into(), Value::Integer(5.into()));
        let mut top = Dictionary::new();
        top.insert("root".into(), Value::Uid(Uid::new(1)));
        let mut archive = Dictionary::new();
        archive.insert("$top".into(), Value::Dictionary(top));
        archive.insert(
            "$objects".into(),
            Value::Array(vec![Value::String("$null".into()), Value::Dictionary(file)]),
        );
        let mut out = Vec::new();
        Value::Dictionary(archive)
            .to_writer_binary(&mut out)
            .unwrap();
        let parsed = MbFile::parse(&out).unwrap();
        assert_eq!(parsed.last_modified, Some(UnixMillis(1_000_000_000_000)));
        assert_eq!(parsed.size, Some(5));
    }
}
