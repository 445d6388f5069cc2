//! Loading bundles the tests build: every key, quoting, collections, malformed objects,
//! folders and limits.

use serde_json::json;
use std::path::PathBuf;
use stingwatch_iocs::fixtures::{bundle_json, write_bundle};
use stingwatch_iocs::{IocSet, Observable, ObservableKind as K, MAX_DIAGNOSTICS_PER_FILE};

/// A fresh empty folder under the system temporary folder, removed at drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "stingwatch-iocs-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One value per key, as a realistic set would publish them.
pub const ONE_OF_EACH: [(K, &str); 16] = [
    (K::Domain, "evil-cdn.example"),
    (K::Url, "https://landing.evil-web.example/x1"),
    (K::Ipv4, "192.0.2.45"),
    (K::Email, "operator@evil-mail.example"),
    (K::ProcessName, "bh"),
    (K::FileName, "com.apple.softwareupdateservicesd.plist"),
    (
        K::FilePath,
        "/private/var/db/com.apple.xpc.roleaccountd.staging/spy",
    ),
    (K::FileMd5, "0123456789abcdef0123456789abcdef"),
    (K::FileSha1, "0123456789abcdef0123456789abcdef01234567"),
    (
        K::FileSha256,
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ),
    (K::AppId, "com.example.spyagent"),
    (K::AppCertMd5, "fedcba9876543210fedcba9876543210"),
    (K::AppCertSha1, "fedcba9876543210fedcba9876543210fedcba98"),
    (
        K::AppCertSha256,
        "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
    ),
    (K::ConfigurationProfileId, "com.example.profile.vpn"),
    (K::AndroidProperty, "persist.sys.spy.enabled"),
];

fn load(name: &str, value: &serde_json::Value) -> IocSet {
    let mut set = IocSet::new();
    let fallback = name.trim_end_matches(".stix2");
    set.load_bundle(name, fallback, value.to_string().as_bytes());
    set
}

fn indicator(id: &str, pattern: &str) -> serde_json::Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": id, "pattern": pattern,
           "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"})
}

#[test]
fn every_key_loads_into_its_collection_and_matches() {
    let list: Vec<(&str, K, &str)> = ONE_OF_EACH
        .iter()
        .enumerate()
        .map(|(i, (k, v))| (if i % 2 == 0 { "Alpha" } else { "Beta" }, *k, *v))
        .collect();
    let mut set = IocSet::new();
    let added = set.load_bundle("gen.stix2", "gen", bundle_json(&list).as_bytes());
    assert_eq!(added, 16);
    assert!(set.diagnostics().is_empty(), "{:?}", set.diagnostics());
    let collections = set.collections();
    assert_eq!(collections.len(), 2);
    assert_eq!(
        (collections[0].name.as_str(), collections[0].total),
        ("Alpha", 8)
    );
    assert_eq!(
        (collections[1].name.as_str(), collections[1].total),
        ("Beta", 8)
    );
    for (i, (kind, value)) in ONE_OF_EACH.iter().enumerate() {
        let c = &collections[i % 2];
        assert_eq!(c.counts.get(kind), Some(&1), "{kind} in {}", c.name);
        let found = set.matches(&Observable::new(*kind, *value));
        assert_eq!(found.len(), 1, "{kind} {value}: {found:?}");
        assert_eq!(found[0].indicator.kind, *kind);
        assert_eq!(found[0].indicator.value, *value);
        assert_eq!(found[0].indicator.collection, c.name);
        assert_eq!(found[0].indicator.source, "gen.stix2");
        assert!(found[0].indicator.id.starts_with("indicator--"));
        assert_eq!(found[0].how, None, "{kind}");
    }
}

#[test]
fn values_with_syntax_characters_and_quoted_keys() {
    let bundle = json!({"type": "bundle", "id": "bundle--1", "objects": [
        indicator("indicator--1", "[url:value = 'https://evil.example/a?b=c&d=]e']"),
        indicator("indicator--2", "[file:path='/var/mobile/my dir/x y.plist']"),
        indicator("indicator--3", r"[process:name = 'it\'s']"),
        indicator("indicator--4", r"[file:name = 'back\\slash']"),
        indicator("indicator--5", "[file:hashes.'SHA-256' = 'ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789']"),
        indicator("indicator--6", "[file:hashes.'MD5' = '0123456789ABCDEF0123456789ABCDEF']"),
        indicator("indicator--7", "[app:cert.'SHA-1' = '00112233445566778899aabbccddeeff00112233']"),
        indicator("indicator--8", "[domain-name:value = 'a.example' OR domain-name:value = 'b.example']"),
        indicator("indicator--9", "[email-addr:value = 'x=y@evil.example']"),
    ]});
    let set = load("q.stix2", &bundle);
    assert!(set.diagnostics().is_empty(), "{:?}", set.diagnostics());
    assert_eq!(set.len(), 10);
    let hit = |kind, value: &str| {
        let found = set.matches(&Observable::new(kind, value));
        assert_eq!(found.len(), 1, "{kind} {value}: {found:?}");
        found[0].indicator.id.clone()
    };
    assert_eq!(
        hit(K::Url, "https://evil.example/a?b=c&d=]e"),
        "indicator--1"
    );
    assert_eq!(
        hit(K::FilePath, "/var/mobile/my dir/x y.plist"),
        "indicator--2"
    );
    assert_eq!(hit(K::ProcessName, "it's"), "indicator--3");
    assert_eq!(hit(K::FileName, r"back\slash"), "indicator--4");
    assert_eq!(
        hit(
            K::FileSha256,
            "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
        ),
        "indicator--5"
    );
    assert_eq!(
        hit(K::FileMd5, "0123456789abcdef0123456789abcdef"),
        "indicator--6"
    );
    assert_eq!(
        hit(K::AppCertSha1, "00112233445566778899AABBCCDDEEFF00112233"),
        "indicator--7"
    );
    assert_eq!(hit(K::Domain, "a.example"), "indicator--8");
    assert_eq!(hit(K::Domain, "b.example"), "indicator--8");
    assert_eq!(hit(K::Email, "X=Y@evil.example"), "indicator--9");
}

#[test]
fn unusable_patterns_and_keys_are_reported_and_counted() {
    let bundle = json!({"type": "bundle", "id": "bundle--1", "objects": [
        indicator("indicator--and", "[file:name = 'a' AND file:hashes.md5 = 'b']"),
        indicator("indicator--ne", "[domain-name:value != 'a.example']"),
        indicator("indicator--syntax", "[domain-name:value = 'a.example'"),
        indicator("indicator--unknown", "[x509-certificate:serial_number = '01']"),
        indicator("indicator--mixed", "[domain-name:value = 'kept.example' OR mutex:name = 'm']"),
        indicator("indicator--empty", "[domain-name:value = '  ']"),
        indicator("indicator--ip", "[ipv4-addr:value = 'not-an-ip']"),
        {"type": "indicator", "id": "indicator--yara", "pattern": "rule x {}", "pattern_type": "yara"},
    ]});
    let set = load("bad.stix2", &bundle);
    assert_eq!(set.len(), 1);
    assert_eq!(
        set.matches(&Observable::new(K::Domain, "kept.example"))
            .len(),
        1
    );
    let stats = set.stats();
    assert_eq!(stats.unsupported_patterns, 2);
    assert_eq!(stats.invalid_patterns, 1);
    assert_eq!(stats.unknown_keys, 2);
    assert_eq!(stats.rejected_values, 2);
    assert_eq!(stats.malformed_objects, 1);
    let messages: Vec<&str> = set
        .diagnostics()
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 8, "{messages:#?}");
    for (id, what) in [
        ("object 0 (indicator--and)", "AND"),
        ("object 1 (indicator--ne)", "not an equality"),
        ("object 2 (indicator--syntax)", "syntax error at byte"),
        (
            "object 3 (indicator--unknown)",
            "x509-certificate:serial_number",
        ),
        ("object 4 (indicator--mixed)", "mutex:name"),
        ("object 5 (indicator--empty)", "empty"),
        ("object 6 (indicator--ip)", "not an IPv4"),
        ("object 7 (indicator--yara)", "yara"),
    ] {
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with(id) && m.contains(what)),
            "no diagnostic `{id}` … `{what}` in {messages:#?}"
        );
    }
    assert!(set.diagnostics().iter().all(|d| d.source == "bad.stix2"));
}

#[test]
fn malformed_objects_are_located_and_the_rest_loads() {
    let bundle = json!({"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "malware", "id": "malware--1", "name": "Spy"},
        indicator("indicator--1", "[domain-name:value = 'one.example']"),
        {"type": "indicator", "id": "indicator--2", "pattern": ["not", "a", "string"]},
        "just a string",
        {"type": "indicator", "pattern": "[domain-name:value = 'noid.example']"},
        {"type": 7, "id": "indicator--4"},
        {"type": "relationship", "source_ref": "indicator--1"},
        {"type": "report", "id": "report--1", "object_refs": [1, 2]},
        indicator("indicator--5", "[domain-name:value = 'five.example']"),
        {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates",
         "source_ref": "indicator--5", "target_ref": "malware--1"},
    ]});
    let set = load("m.stix2", &bundle);
    assert_eq!(set.len(), 2);
    assert_eq!(
        set.matches(&Observable::new(K::Domain, "five.example"))[0]
            .indicator
            .collection,
        "Spy"
    );
    assert_eq!(
        set.matches(&Observable::new(K::Domain, "one.example"))[0]
            .indicator
            .collection,
        "m"
    );
    let located: Vec<&str> = set
        .diagnostics()
        .iter()
        .map(|d| d.message.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        located,
        [
            "object 2 (indicator--2)",
            "object 3",
            "object 4",
            "object 5 (indicator--4)",
            "object 6",
            "object 7 (report--1)",
        ]
    );
    assert_eq!(set.stats().malformed_objects, 6);
}

#[test]
fn collections_from_relationships_reports_and_file_name() {
    let bundle = json!({"type": "bundle", "id": "bundle--1", "objects": [
        // Relationships may come before the objects they join.
        {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates",
         "source_ref": "indicator--rel", "target_ref": "malware--a"},
        {"type": "relationship", "id": "relationship--2", "relationship_type": "indicates",
         "source_ref": "indicator--both", "target_ref": "malware--a"},
        {"type": "malware", "id": "malware--a", "name": "Graphite", "is_family": true},
        {"type": "report", "id": "report--r", "name": "Campaign report 2025",
         "object_refs": ["indicator--rep", "indicator--both", "malware--a"]},
        indicator("indicator--rel", "[domain-name:value = 'rel.example']"),
        indicator("indicator--rep", "[domain-name:value = 'rep.example']"),
        indicator("indicator--both", "[domain-name:value = 'both.example']"),
        indicator("indicator--none", "[domain-name:value = 'none.example']"),
        {"type": "malware", "id": "malware--unnamed"},
        {"type": "relationship", "id": "relationship--3", "relationship_type": "indicates",
         "source_ref": "indicator--anon", "target_ref": "malware--unnamed"},
        indicator("indicator--anon", "[domain-name:value = 'anon.example']"),
    ]});
    let set = load("2025_campaign.stix2", &bundle);
    let collections_of = |d: &str| -> Vec<String> {
        set.matches(&Observable::new(K::Domain, d))
            .into_iter()
            .map(|m| m.indicator.collection)
            .collect()
    };
    assert_eq!(collections_of("rel.example"), ["Graphite"]);
    assert_eq!(collections_of("rep.example"), ["Campaign report 2025"]);
    assert_eq!(
        collections_of("both.example"),
        ["Campaign report 2025", "Graphite"]
    );
    assert_eq!(collections_of("none.example"), ["2025_campaign"]);
    assert_eq!(collections_of("anon.example"), ["malware--unnamed"]);
    assert!(set
        .diagnostics()
        .iter()
        .any(|d| d.message.contains("malware--unnamed has no name")));
    let names: Vec<(String, usize)> = set
        .collections()
        .into_iter()
        .map(|c| (c.name, c.total))
        .collect();
    assert_eq!(names.iter().map(|(_, n)| n).sum::<usize>(), 6);
}

#[test]
fn duplicates_in_a_collection_are_kept_once() {
    let list = [
        ("Spy", K::Domain, "dup.example"),
        ("Spy", K::Domain, "DUP.example."),
        ("Other", K::Domain, "dup.example"),
    ];
    let mut set = IocSet::new();
    set.load_bundle("d.stix2", "d", bundle_json(&list).as_bytes());
    assert_eq!(set.len(), 2);
    assert_eq!(set.stats().duplicates, 1);
    assert_eq!(
        set.matches(&Observable::new(K::Domain, "dup.example"))
            .len(),
        2
    );
}

#[test]
fn files_folders_and_damaged_files() {
    let dir = TempDir::new("folders");
    let root = &dir.0;
    std::fs::create_dir_all(root.join("2024/nested")).unwrap();
    write_bundle(&root.join("a.stix2"), &[("A", K::Domain, "a.example")]).unwrap();
    write_bundle(&root.join("2024/b.json"), &[("B", K::AppId, "com.b")]).unwrap();
    write_bundle(
        &root.join("2024/nested/c.STIX2"),
        &[("C", K::ProcessName, "cproc")],
    )
    .unwrap();
    write_bundle(
        &root.join("2024/notes.txt"),
        &[("T", K::Domain, "txt.example")],
    )
    .unwrap();
    write_bundle(
        &root.join(".hidden.stix2"),
        &[("H", K::Domain, "hidden.example")],
    )
    .unwrap();
    std::fs::write(root.join("broken.stix2"), "this is not JSON {").unwrap();
    let full = bundle_json(&[
        ("T", K::Domain, "t1.example"),
        ("T", K::Domain, "t2.example"),
    ]);
    let cut = full.find("t2.example").unwrap();
    std::fs::write(root.join("truncated.stix2"), &full[..cut]).unwrap();

    let set = IocSet::from_paths(&[root.clone(), root.join("missing.stix2")]);
    let names: Vec<String> = set.collections().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["B", "C", "A", "T"]);
    assert_eq!(set.stats().files, 5);
    assert_eq!(set.stats().unreadable_files, 2);
    assert_eq!(
        set.matches(&Observable::new(K::Domain, "t1.example")).len(),
        1
    );
    assert!(set
        .matches(&Observable::new(K::Domain, "hidden.example"))
        .is_empty());
    assert!(set
        .matches(&Observable::new(K::Domain, "txt.example"))
        .is_empty());
    let diag = |file: &str| {
        set.diagnostics()
            .iter()
            .find(|d| d.source.ends_with(file))
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    assert!(
        diag("broken.stix2").starts_with("not a STIX bundle"),
        "{}",
        diag("broken.stix2")
    );
    assert!(
        diag("truncated.stix2").starts_with("damaged JSON"),
        "{}",
        diag("truncated.stix2")
    );
    assert!(
        diag("missing.stix2").starts_with("cannot open"),
        "{}",
        diag("missing.stix2")
    );

    // A file given by name loads whatever its extension.
    let mut one = IocSet::new();
    one.load_path(&root.join("2024/notes.txt"));
    assert_eq!(one.len(), 1);
}

#[test]
fn oversized_files_and_values_hit_named_limits() {
    let dir = TempDir::new("limits");
    let huge = dir.0.join("huge.stix2");
    let file = std::fs::File::create(&huge).unwrap();
    // Sparse: no disk is used, and the loader refuses it from its size without reading.
    file.set_len(stingwatch_iocs::MAX_FILE_BYTES + 1).unwrap();
    drop(file);
    let set = IocSet::from_paths(&[&huge]);
    assert_eq!(set.stats().over_limit, 1);
    assert!(set.diagnostics()[0].message.contains("MAX_FILE_BYTES"));

    let long = "a".repeat(stingwatch_iocs::MAX_VALUE_BYTES + 1) + ".example";
    let set = load(
        "long.stix2",
        &json!({"objects": [indicator("indicator--1", &format!("[domain-name:value = '{long}']"))]}),
    );
    assert!(set.is_empty());
    assert!(set.diagnostics()[0].message.contains("more than"));
}

#[test]
fn diagnostics_per_file_are_capped_and_the_rest_counted() {
    let objects: Vec<_> = (0..MAX_DIAGNOSTICS_PER_FILE + 50)
        .map(|i| json!({"type": "indicator", "id": format!("indicator--{i}")}))
        .collect();
    let set = load("many.stix2", &json!({ "objects": objects }));
    assert_eq!(set.diagnostics().len(), MAX_DIAGNOSTICS_PER_FILE + 1);
    assert!(set.diagnostics()[MAX_DIAGNOSTICS_PER_FILE]
        .message
        .starts_with("50 more problems"));
    assert_eq!(set.stats().malformed_objects, MAX_DIAGNOSTICS_PER_FILE + 50);
}

#[test]
fn a_large_bundle_loads_streaming() {
    // 50,000 indicators (~35 MB of JSON): read object by object, then matched by hash map.
    let values: Vec<String> = (0..50_000)
        .map(|i| format!("host{i}.bulk.example"))
        .collect();
    let list: Vec<(&str, K, &str)> = values
        .iter()
        .map(|v| ("Bulk", K::Domain, v.as_str()))
        .collect();
    let text = bundle_json(&list);
    let mut set = IocSet::new();
    assert_eq!(
        set.load_bundle("bulk.stix2", "bulk", text.as_bytes()),
        50_000
    );
    let found = set.matches(&Observable::new(
        K::Url,
        "https://a.b.host49999.bulk.example:8443/x",
    ));
    assert_eq!(found.len(), 1);
    assert!(set
        .matches(&Observable::new(K::Domain, "bulk.example"))
        .is_empty());
}

#[test]
fn indicator_count_limits_keep_the_first_and_say_so() {
    use stingwatch_iocs::LoadLimits;
    let mut set = IocSet::with_limits(LoadLimits {
        indicators_per_set: 3,
        indicators_total: 5,
    });
    let values = ["a.example", "b.example", "c.example", "d.example"];
    let a: Vec<_> = values.iter().map(|v| ("A", K::Domain, *v)).collect();
    let b: Vec<_> = values.iter().map(|v| ("B", K::Domain, *v)).collect();
    assert_eq!(
        set.load_bundle("a.stix2", "a", bundle_json(&a).as_bytes()),
        3
    );
    assert_eq!(
        set.load_bundle("b.stix2", "b", bundle_json(&b).as_bytes()),
        2
    );
    assert_eq!(set.len(), 5);
    assert_eq!(set.stats().over_limit, 3);
    let messages: Vec<_> = set
        .diagnostics()
        .iter()
        .map(|d| (d.source.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].0 == "a.stix2" && messages[0].1.starts_with("1 indicators not loaded"));
    assert!(messages[1].0 == "b.stix2" && messages[1].1.starts_with("2 indicators not loaded"));
    assert!(set
        .matches(&Observable::new(K::Domain, "d.example"))
        .is_empty());
}

#[test]
fn a_set_is_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<IocSet>();
}
