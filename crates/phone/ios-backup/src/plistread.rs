//! Property lists from untrusted bytes, built from the `plist` crate's event stream with a
//! depth and an event budget.
//!
//! The crate's own `Value::from_reader` recurses once per nesting level, so a few hundred
//! kilobytes of nested arrays overflow the stack; and a binary plist may refer to one array
//! from many places, so a tiny file can expand into exponentially many values. Building the
//! value here, iteratively, with both bounds, turns either into an error.

use plist::stream::{Event, Reader};
use plist::{Dictionary, Value};
use std::io::Cursor;

/// Deepest nesting of arrays and dictionaries accepted: 64 (backup plists nest under 10).
pub const MAX_PLIST_DEPTH: usize = 64;

/// Events (values plus collection ends) a plist of `len` bytes may expand into: every value
/// but the top one costs at least one byte of reference or markup, and each collection one
/// end, so only shared references (an expansion attack) exceed twice the length.
fn event_budget(len: usize) -> usize {
    len.saturating_mul(2).saturating_add(16)
}

enum Frame {
    Array(Vec<Value>),
    Dict(Dictionary, Option<String>),
}

/// Parses a binary, XML or ASCII property list within the depth and expansion bounds.
pub fn parse_value(bytes: &[u8]) -> Result<Value, String> {
    parse_value_within(bytes, MAX_PLIST_DEPTH, usize::MAX)
}

/// [`parse_value`] with another nesting bound and at most `max_events` events (values and
/// collection ends), whichever of that and the expansion budget is smaller.
pub fn parse_value_within(
    bytes: &[u8],
    max_depth: usize,
    max_events: usize,
) -> Result<Value, String> {
    let mut budget = event_budget(bytes.len()).min(max_events);
    let mut stack: Vec<Frame> = Vec::new();
    for event in Reader::new(Cursor::new(bytes)) {
        let event = event.map_err(|e| e.to_string())?;
        budget = budget
            .checked_sub(1)
            .ok_or("property list expands far beyond its size (shared references)")?;
        let value = match event {
            Event::StartArray(_) | Event::StartDictionary(_) => {
                if stack.len() >= max_depth {
                    return Err(format!(
                        "property list nests deeper than {max_depth} levels"
                    ));
                }
                stack.push(match event {
                    Event::StartArray(_) => Frame::Array(Vec::new()),
                    _ => Frame::Dict(Dictionary::new(), None),
                });
                continue;
            }
            Event::EndCollection => match stack.pop() {
                Some(Frame::Array(a)) => Value::Array(a),
                Some(Frame::Dict(d, None)) => Value::Dictionary(d),
                Some(Frame::Dict(_, Some(_))) => {
                    return Err("dictionary key without a value".into())
                }
                None => return Err("collection end without a start".into()),
            },
            Event::Boolean(b) => Value::Boolean(b),
            Event::Data(d) => Value::Data(d.into_owned()),
            Event::Date(d) => Value::Date(d),
            Event::Integer(i) => Value::Integer(i),
            Event::Real(r) => Value::Real(r),
            Event::String(s) => Value::String(s.into_owned()),
            Event::Uid(u) => Value::Uid(u),
            _ => return Err("unsupported property list value".into()),
        };
        match stack.last_mut() {
            None => return Ok(value),
            Some(Frame::Array(a)) => a.push(value),
            Some(Frame::Dict(d, key)) => match key.take() {
                Some(k) => {
                    d.insert(k, value);
                }
                None => match value {
                    Value::String(k) => *key = Some(k),
                    _ => return Err("dictionary key is not a string".into()),
                },
            },
        }
    }
    Err("property list ends early".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let n = 100_000;
        let mut s = String::from("<?xml version=\"1.0\"?><plist version=\"1.0\">");
        s.push_str(&"<array>".repeat(n));
        s.push_str(&"</array>".repeat(n));
        s.push_str("</plist>");
        let err = parse_value(s.as_bytes()).unwrap_err();
        assert!(err.contains("nests deeper"), "{err}");
    }

    #[test]
    fn shared_references_cannot_expand_exponentially() {
        // A binary plist of 40 arrays, each holding the next one twice: 2^40 values.
        let n = 40u8;
        let mut body = Vec::new();
        let mut offsets = Vec::new();
        for i in 0..n {
            offsets.push(8 + body.len());
            if i + 1 < n {
                body.extend_from_slice(&[0xA2, i + 1, i + 1]);
            } else {
                body.push(0x08); // false
            }
        }
        let mut file = b"bplist00".to_vec();
        file.extend_from_slice(&body);
        let table = file.len();
        for o in &offsets {
            file.extend_from_slice(&(*o as u16).to_be_bytes());
        }
        let mut trailer = [0u8; 32];
        trailer[6] = 2; // offset size
        trailer[7] = 1; // reference size
        trailer[15] = n; // objects
        trailer[24..32].copy_from_slice(&(table as u64).to_be_bytes());
        file.extend_from_slice(&trailer);
        let err = parse_value(&file).unwrap_err();
        assert!(err.contains("expands"), "{err}");
    }

    #[test]
    fn ordinary_plists_match_the_crate_reader() {
        let mut d = Dictionary::new();
        d.insert(
            "a".into(),
            Value::Array(vec![Value::Integer(1.into()), Value::Boolean(true)]),
        );
        d.insert("b".into(), Value::Data(vec![1, 2, 3]));
        d.insert("c".into(), Value::Dictionary(Dictionary::new()));
        d.insert("d".into(), Value::Uid(plist::Uid::new(3)));
        let value = Value::Dictionary(d);
        let mut bin = Vec::new();
        value.to_writer_binary(&mut bin).unwrap();
        assert_eq!(parse_value(&bin).unwrap(), value);
        let plain = Value::Dictionary(value.as_dictionary().unwrap().clone());
        let mut xml = Vec::new();
        let mut no_uid = plain.clone();
        no_uid.as_dictionary_mut().unwrap().remove("d");
        no_uid.to_writer_xml(&mut xml).unwrap();
        assert_eq!(parse_value(&xml).unwrap(), no_uid);
        assert!(parse_value(b"").is_err());
        assert!(parse_value(&bin[..bin.len() - 4]).is_err());
    }
}
