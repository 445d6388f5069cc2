//! Indicator files of the project's own for tests and generated scenarios: a STIX 2.1 bundle
//! shaped as public indicator sets publish them (one `malware` object per collection, one
//! `indicator` per value with a single-comparison pattern, an `indicates` relationship from
//! each indicator to its malware). Ids are derived from the content, so the same list always
//! gives the same bytes.

use serde_json::{json, Value};
use std::path::Path;
use stingwatch_phone_model::ObservableKind;

/// Timestamp written on every generated object.
pub const FIXTURE_TIME: &str = "2026-01-01T00:00:00.000Z";

/// 128 bits from text, two FNV-1a 64 passes with different offsets; enough to make distinct
/// stable ids, not a cryptographic hash.
fn digest(text: &str) -> u128 {
    let mut halves = [0xcbf2_9ce4_8422_2325u64, 0x6c62_272e_07bb_0142u64];
    for h in &mut halves {
        for b in text.bytes() {
            *h ^= u64::from(b);
            *h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    (u128::from(halves[0]) << 64) | u128::from(halves[1])
}

/// A STIX id `type--uuid` (UUID version 4 layout) derived from `seed`.
pub fn stix_id(object_type: &str, seed: &str) -> String {
    let d = digest(&format!("{object_type}\u{0}{seed}"));
    // Version 4 and RFC 4122 variant bits, as STIX ids are UUIDv4 in practice.
    let d = (d & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{d:032x}");
    format!(
        "{object_type}--{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The pattern `[key = 'value']` with `'` and `\` escaped as STIX requires.
pub fn pattern_for(kind: ObservableKind, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("[{} = '{}']", kind.stix_key(), escaped)
}

/// The bundle for `indicators`, each `(collection name, kind, value)`; collections appear in
/// the order first named.
pub fn bundle_value(indicators: &[(&str, ObservableKind, &str)]) -> Value {
    let mut objects = Vec::new();
    let mut malware_ids: Vec<(&str, String)> = Vec::new();
    for (collection, _, _) in indicators {
        if malware_ids.iter().any(|(c, _)| c == collection) {
            continue;
        }
        let id = stix_id("malware", collection);
        objects.push(json!({
            "type": "malware",
            "spec_version": "2.1",
            "id": id,
            "created": FIXTURE_TIME,
            "modified": FIXTURE_TIME,
            "name": collection,
            "description": format!("Indicators of {collection} (generated for tests)"),
            "is_family": false,
        }));
        malware_ids.push((collection, id));
    }
    for (n, (collection, kind, value)) in indicators.iter().enumerate() {
        let seed = format!("{n}\u{0}{collection}\u{0}{kind}\u{0}{value}");
        let id = stix_id("indicator", &seed);
        objects.push(json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": id,
            "created": FIXTURE_TIME,
            "modified": FIXTURE_TIME,
            "indicator_types": ["malicious-activity"],
            "pattern": pattern_for(*kind, value),
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": FIXTURE_TIME,
        }));
        if let Some((_, malware)) = malware_ids.iter().find(|(c, _)| c == collection) {
            objects.push(json!({
                "type": "relationship",
                "spec_version": "2.1",
                "id": stix_id("relationship", &seed),
                "created": FIXTURE_TIME,
                "modified": FIXTURE_TIME,
                "relationship_type": "indicates",
                "source_ref": id,
                "target_ref": malware,
            }));
        }
    }
    let bundle_seed: Vec<String> = indicators
        .iter()
        .map(|(c, k, v)| format!("{c}\u{0}{k}\u{0}{v}"))
        .collect();
    json!({
        "type": "bundle",
        "id": stix_id("bundle", &bundle_seed.join("\u{1}")),
        "objects": objects,
    })
}

/// The bundle for `indicators` as indented JSON text.
pub fn bundle_json(indicators: &[(&str, ObservableKind, &str)]) -> String {
    // Serialising a Value built from strings cannot fail; fall back to compact text anyway.
    let value = bundle_value(indicators);
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
}

/// Writes the bundle for `indicators` to `path`.
pub fn write_bundle(
    path: &Path,
    indicators: &[(&str, ObservableKind, &str)],
) -> std::io::Result<()> {
    std::fs::write(path, bundle_json(indicators))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_distinct_and_uuid_shaped() {
        let a = stix_id("indicator", "a");
        assert_eq!(a, stix_id("indicator", "a"));
        assert_ne!(a, stix_id("indicator", "b"));
        assert_ne!(a, stix_id("malware", "a"));
        let uuid = a.strip_prefix("indicator--").unwrap();
        let parts: Vec<_> = uuid.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn patterns_escape_quotes_and_backslashes() {
        assert_eq!(
            pattern_for(ObservableKind::FilePath, r"C:\it's"),
            r"[file:path = 'C:\\it\'s']"
        );
    }
}
