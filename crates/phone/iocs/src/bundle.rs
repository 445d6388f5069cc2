//! One STIX 2.1 bundle read object by object: the bundle's `objects` array is walked with a
//! visitor that borrows each element as raw JSON, so a large file is never turned into one
//! tree of values; each object is then read on its own, and a malformed one is reported with
//! its index and id and skipped while the rest of the file still loads.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::fmt;

/// What one bundle holds that matters for indicators, before grouping.
#[derive(Debug, Default)]
pub(crate) struct BundleContent {
    /// Indicator objects in file order.
    pub indicators: Vec<RawIndicator>,
    /// `malware` objects: id → name (None when the object has no usable name).
    pub malware: HashMap<String, Option<String>>,
    /// `report` objects: id, name, and the ids they list.
    pub reports: Vec<RawReport>,
    /// `relationship` objects: (source_ref, target_ref).
    pub relationships: Vec<(String, String)>,
    /// Problems with single objects: (index in `objects`, id if any, message).
    pub problems: Vec<(usize, Option<String>, String)>,
    /// Number of elements of `objects` seen.
    pub objects: usize,
}

/// An `indicator` object: its id, where it sits, and its pattern text.
#[derive(Debug)]
pub(crate) struct RawIndicator {
    pub id: String,
    pub index: usize,
    pub pattern: String,
}

/// A `report` object.
#[derive(Debug)]
pub(crate) struct RawReport {
    pub id: String,
    pub name: Option<String>,
    pub object_refs: Vec<String>,
}

/// Why a whole file could not be read as a bundle (objects read before a syntax error stay).
#[derive(Debug)]
pub(crate) struct BundleFailure {
    pub message: String,
}

/// The fields of any STIX object that grouping and patterns need; everything else is skipped
/// without being stored. Each is raw so that a wrong type is reported per field.
#[derive(Deserialize)]
struct ObjectFields<'a> {
    #[serde(rename = "type", borrow, default)]
    object_type: Option<&'a RawValue>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pattern: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pattern_type: Option<&'a RawValue>,
    #[serde(borrow, default)]
    source_ref: Option<&'a RawValue>,
    #[serde(borrow, default)]
    target_ref: Option<&'a RawValue>,
    #[serde(borrow, default)]
    object_refs: Option<&'a RawValue>,
}

fn string_field(raw: Option<&RawValue>, field: &str) -> Result<Option<String>, String> {
    match raw {
        None => Ok(None),
        Some(raw) if raw.get() == "null" => Ok(None),
        Some(raw) => serde_json::from_str::<String>(raw.get())
            .map(Some)
            .map_err(|_| format!("`{field}` is not a string")),
    }
}

fn required(raw: Option<&RawValue>, field: &str) -> Result<String, String> {
    string_field(raw, field)?.ok_or_else(|| format!("`{field}` is missing"))
}

impl BundleContent {
    fn object(&mut self, index: usize, raw: &RawValue) {
        self.objects += 1;
        let fields: ObjectFields = match serde_json::from_str(raw.get()) {
            Ok(fields) => fields,
            Err(e) => {
                let what = if raw.get().starts_with('{') {
                    format!("malformed object: {e}")
                } else {
                    "not a JSON object".to_string()
                };
                self.problems.push((index, None, what));
                return;
            }
        };
        let id = string_field(fields.id, "id").ok().flatten();
        if let Err(message) = self.fields(index, &fields, id.clone()) {
            self.problems.push((index, id, message));
        }
    }

    fn fields(
        &mut self,
        index: usize,
        fields: &ObjectFields,
        id: Option<String>,
    ) -> Result<(), String> {
        let object_type = required(fields.object_type, "type")?;
        match object_type.as_str() {
            "indicator" => {
                let id = id.ok_or("`id` is missing or not a string")?;
                let pattern = required(fields.pattern, "pattern")?;
                if let Some(kind) = string_field(fields.pattern_type, "pattern_type")? {
                    if kind != "stix" {
                        return Err(format!(
                            "pattern_type `{kind}` is not a STIX pattern; only `stix` is read"
                        ));
                    }
                }
                self.indicators.push(RawIndicator { id, index, pattern });
            }
            "malware" => {
                let id = id.ok_or("`id` is missing or not a string")?;
                let name = string_field(fields.name, "name")?.filter(|n| !n.trim().is_empty());
                self.malware.insert(id, name);
            }
            "report" => {
                let id = id.ok_or("`id` is missing or not a string")?;
                let name = string_field(fields.name, "name")?.filter(|n| !n.trim().is_empty());
                let object_refs = match fields.object_refs {
                    None => Vec::new(),
                    Some(raw) => serde_json::from_str::<Vec<String>>(raw.get())
                        .map_err(|_| "`object_refs` is not a list of strings".to_string())?,
                };
                self.reports.push(RawReport {
                    id,
                    name,
                    object_refs,
                });
            }
            "relationship" => {
                let source = required(fields.source_ref, "source_ref")?;
                let target = required(fields.target_ref, "target_ref")?;
                self.relationships.push((source, target));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Walks `objects`, handing each element to the content as it is read.
struct ObjectsSeed<'c>(&'c mut BundleContent);

impl<'de, 'c> DeserializeSeed<'de> for ObjectsSeed<'c> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, 'c> Visitor<'de> for ObjectsSeed<'c> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of STIX objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.0.object(index, raw);
            index += 1;
        }
        Ok(())
    }
}

/// The top-level bundle object: finds `objects` and skips every other member unread.
struct BundleSeed<'c>(&'c mut BundleContent);

impl<'de, 'c> DeserializeSeed<'de> for BundleSeed<'c> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, 'c> Visitor<'de> for BundleSeed<'c> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a STIX bundle (a JSON object with `objects`)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "objects" {
                map.next_value_seed(ObjectsSeed(&mut *self.0))?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Reads a bundle from its bytes. On a syntax error the objects read before it are kept in
/// `content` and the failure says where the damage is.
pub(crate) fn read_bundle(bytes: &[u8], content: &mut BundleContent) -> Result<(), BundleFailure> {
    // A byte-order mark, as some editors save JSON, is not part of the text.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let outcome = BundleSeed(&mut *content)
        .deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found));
    match outcome {
        Ok(true) => Ok(()),
        Ok(false) => Err(BundleFailure {
            message: "JSON without `objects`: not a STIX bundle".into(),
        }),
        Err(e) => {
            let message = if content.objects == 0 {
                format!("not a STIX bundle: {e}")
            } else {
                format!(
                    "damaged JSON ({e}); the {} objects before the damage are read",
                    content.objects
                )
            };
            Err(BundleFailure { message })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_read_one_by_one_and_bad_ones_located() {
        let text = br#"{"type":"bundle","id":"bundle--1","objects":[
            {"type":"malware","id":"malware--1","name":"Spy"},
            {"type":"indicator","id":"indicator--1","pattern":"[file:name = 'x']","pattern_type":"stix"},
            {"type":"indicator","id":"indicator--2","pattern":5},
            7,
            {"type":"indicator","pattern":"[file:name = 'y']"},
            {"type":"indicator","id":"indicator--3","pattern":"x","pattern_type":"yara"},
            {"type":"relationship","source_ref":"indicator--1","target_ref":"malware--1","relationship_type":"indicates"},
            {"type":"report","id":"report--1","name":"R","object_refs":"indicator--1"},
            {"type":"identity","id":"identity--1","name":{"deep":[1,2,3]}},
            {"id":"x--1"}
        ],"spec_version":"2.1"}"#;
        let mut content = BundleContent::default();
        read_bundle(text, &mut content).unwrap();
        assert_eq!(content.objects, 10);
        assert_eq!(content.indicators.len(), 1);
        assert_eq!(content.malware.get("malware--1"), Some(&Some("Spy".into())));
        assert_eq!(content.relationships.len(), 1);
        let located: Vec<_> = content
            .problems
            .iter()
            .map(|(i, id, _)| (*i, id.as_deref()))
            .collect();
        assert_eq!(
            located,
            [
                (2, Some("indicator--2")),
                (3, None),
                (4, None),
                (5, Some("indicator--3")),
                (7, Some("report--1")),
                (9, Some("x--1")),
            ]
        );
    }

    #[test]
    fn damage_keeps_what_came_before() {
        let text = br#"{"objects":[{"type":"indicator","id":"indicator--1","pattern":"[file:name = 'x']"}, {"type": "#;
        let mut content = BundleContent::default();
        let failure = read_bundle(text, &mut content).unwrap_err();
        assert_eq!(content.indicators.len(), 1);
        assert!(
            failure.message.contains("1 objects before"),
            "{}",
            failure.message
        );
        let mut content = BundleContent::default();
        assert!(read_bundle(b"\x00\xffnot json", &mut content)
            .unwrap_err()
            .message
            .starts_with("not a STIX bundle"));
        assert!(read_bundle(b"[1,2]", &mut content).is_err());
        assert!(read_bundle(br#"{"type":"bundle"}"#, &mut content)
            .unwrap_err()
            .message
            .contains("without `objects`"));
        assert!(read_bundle(br#"{"objects":[]} trailing"#, &mut content).is_err());
        assert!(read_bundle(b"\xEF\xBB\xBF{\"objects\":[]}", &mut content).is_ok());
    }
}
