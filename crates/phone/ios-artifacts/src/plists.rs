//! Property lists from a backup, read with bounds.
//!
//! The plist crate's own `Value::from_reader` follows shared references of a binary plist, so
//! a few hundred bytes can describe billions of values, and dropping a deeply nested value
//! recurses once per level. Values are therefore built here from the crate's event stream,
//! counting events and nesting.

use plist::{Dictionary, Value};

/// Largest property list read, in bytes.
pub const MAX_PLIST_BYTES: usize = 64 * 1024 * 1024;
/// Most values (events) built from one property list.
pub const MAX_PLIST_VALUES: usize = 2_000_000;
/// Deepest nesting of arrays and dictionaries accepted.
pub const MAX_PLIST_DEPTH: usize = 128;

/// Parses a binary or XML property list within the limits above.
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    if bytes.len() > MAX_PLIST_BYTES {
        return Err(format!(
            "property list of {} bytes is over the {} byte limit",
            bytes.len(),
            MAX_PLIST_BYTES
        ));
    }
    // iOS writes binary and XML property lists only; the crate would also take any text as
    // an old-style (OpenStep) list.
    let xml = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .and_then(|start| bytes.get(start..))
        .is_some_and(|rest| rest.starts_with(b"<") || rest.starts_with(b"\xef\xbb\xbf<"));
    if !bytes.starts_with(b"bplist00") && !xml {
        return Err("not a property list (neither binary nor XML)".into());
    }
    // The value is built by the backup reader's bounded builder, with this crate's bounds.
    stingwatch_ios_backup::plistread::parse_value_within(bytes, MAX_PLIST_DEPTH, MAX_PLIST_VALUES)
}

/// The string at `key` of a dictionary value.
pub fn string<'a>(dict: &'a Dictionary, key: &str) -> Option<&'a str> {
    dict.get(key).and_then(Value::as_string)
}

/// A number (integer or real) at `key`, as f64.
pub fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Real(r) => Some(*r),
        Value::Integer(i) => i
            .as_signed()
            .map(|v| v as f64)
            .or_else(|| i.as_unsigned().map(|v| v as f64)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        value
            .to_writer_binary(&mut out)
            .map(|()| out)
            .unwrap_or_default()
    }

    #[test]
    fn binary_and_xml_read_back() {
        let mut dict = Dictionary::new();
        dict.insert(
            "a".into(),
            Value::Array(vec![Value::String("x".into()), 7.into()]),
        );
        let value = Value::Dictionary(dict);
        assert_eq!(parse(&binary(&value)), Ok(value.clone()));
        let mut xml = Vec::new();
        assert!(value.to_writer_xml(&mut xml).is_ok());
        assert_eq!(parse(&xml), Ok(value));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut value = Value::String("x".into());
        for _ in 0..(MAX_PLIST_DEPTH + 2) {
            value = Value::Array(vec![value]);
        }
        let err = parse(&binary(&value)).err().unwrap_or_default();
        assert!(err.contains("nests deeper"), "{err}");
    }

    /// A binary plist of 42 objects where each array holds the previous one twice: 2^40
    /// leaves if references were followed without a count.
    fn shared_reference_bomb() -> Vec<u8> {
        let mut out = b"bplist00".to_vec();
        let mut offsets = vec![out.len()];
        out.extend_from_slice(&[0x51, b'x']);
        for level in 1..42u8 {
            offsets.push(out.len());
            out.extend_from_slice(&[0xA2, level - 1, level - 1]);
        }
        let table = out.len();
        out.extend(offsets.iter().map(|o| *o as u8));
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 1]);
        out.extend_from_slice(&(offsets.len() as u64).to_be_bytes());
        out.extend_from_slice(&(offsets.len() as u64 - 1).to_be_bytes());
        out.extend_from_slice(&(table as u64).to_be_bytes());
        out
    }

    #[test]
    fn shared_references_cannot_multiply_values() {
        let bomb = shared_reference_bomb();
        assert!(bomb.len() < 300);
        let err = parse(&bomb).err().unwrap_or_default();
        assert!(err.contains("expands far beyond"), "{err}");
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        let value = Value::Array(vec![Value::String("x".into()); 10]);
        let bytes = binary(&value);
        assert!(parse(&bytes[..bytes.len() / 2]).is_err());
        assert!(parse(b"\x00\x01garbage").is_err());
        assert!(parse(b"").is_err());
    }
}
