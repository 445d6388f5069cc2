//! Streaming reads of JSON arrays and JSON lines: each element is handed over as soon as it is
//! parsed, so a truncated or damaged file still yields every element before the damage.

use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// Most elements taken from one JSON array or JSON-lines file.
pub const MAX_JSON_ITEMS: usize = 500_000;

/// How a JSON read ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonOutcome {
    /// Elements handed to the callback.
    pub items: usize,
    /// What stopped the read early, when something did.
    pub error: Option<String>,
}

struct Each<'f, F>(&'f mut F, &'f mut usize);

impl<'de, F: FnMut(Value)> Visitor<'de> for Each<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            if *self.1 >= MAX_JSON_ITEMS {
                return Err(serde::de::Error::custom(format!(
                    "more than {MAX_JSON_ITEMS} elements; the rest were not read"
                )));
            }
            *self.1 += 1;
            (self.0)(value);
        }
        Ok(())
    }
}

impl<'de, F: FnMut(Value)> DeserializeSeed<'de> for Each<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// Hands every element of a top-level JSON array to `each`; when the text is not an array,
/// reads it as JSON lines (one value per line) instead.
pub fn each_element(bytes: &[u8], mut each: impl FnMut(Value)) -> JsonOutcome {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let mut items = 0usize;
    if first == Some(&b'[') {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let result = Each(&mut each, &mut items).deserialize(&mut de);
        let error = match result {
            Ok(()) => de.end().err().map(|e| format!("text after the array: {e}")),
            Err(e) => Some(e.to_string()),
        };
        return JsonOutcome { items, error };
    }
    let mut error = None;
    for (lineno, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if items >= MAX_JSON_ITEMS {
            error = Some(format!(
                "more than {MAX_JSON_ITEMS} lines; the rest were not read"
            ));
            break;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(v) => {
                items += 1;
                each(v);
            }
            Err(e) => {
                if error.is_none() {
                    error = Some(format!("line {}: {e}", lineno + 1));
                }
            }
        }
    }
    JsonOutcome { items, error }
}

/// A string field of a JSON object, when present and a string.
pub fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A boolean field of a JSON object, when present and a boolean.
pub fn bool_field(value: &Value, key: &str) -> Option<bool> {
    value.get(key).and_then(Value::as_bool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_array_keeps_the_complete_elements() {
        let mut seen = Vec::new();
        let out = each_element(br#"[{"a":1},{"a":2},{"a":"#, |v| seen.push(v));
        assert_eq!(seen.len(), 2);
        assert_eq!(out.items, 2);
        assert!(out.error.is_some());
    }

    #[test]
    fn json_lines_skip_bad_lines() {
        let mut seen = 0;
        let out = each_element(b"{\"a\":1}\nnot json\n{\"a\":2}\n", |_| seen += 1);
        assert_eq!(seen, 2);
        assert!(out
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("line 2")));
    }
}
