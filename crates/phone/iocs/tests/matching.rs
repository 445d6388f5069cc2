//! Matching observables against loaded indicators: what matches, why (`how`), and the
//! near misses that must not.

use stingwatch_iocs::fixtures::bundle_json;
use stingwatch_iocs::{IocSet, Observable, ObservableKind as K};

fn set() -> IocSet {
    let list = [
        ("Spy", K::Domain, "evil.example"),
        ("Spy", K::Domain, "Tracker.Example."),
        ("Spy", K::Url, "https://links.example/p/abc/"),
        ("Spy", K::Ipv4, "203.0.113.9"),
        ("Spy", K::Ipv4, "198.51.100.0/24"),
        ("Spy", K::Email, "Agent@mail.example"),
        ("Spy", K::ProcessName, "com.apple.spyservicesd"),
        ("Spy", K::ProcessName, "bh"),
        ("Spy", K::FileName, "spy.dylib"),
        ("Spy", K::FilePath, "/private/var/tmp/spy/"),
        ("Spy", K::FileSha256, "AB".repeat(32).leak()),
        ("Spy", K::AppId, "com.example.Spy"),
        ("Spy", K::ConfigurationProfileId, "profile-1234"),
        ("Spy", K::AndroidProperty, "persist.spy"),
        (
            "Spy",
            K::AppCertSha1,
            "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33",
        ),
    ];
    let mut set = IocSet::new();
    set.load_bundle("m.stix2", "m", bundle_json(&list).as_bytes());
    assert!(set.diagnostics().is_empty(), "{:?}", set.diagnostics());
    set
}

/// (indicator value, how) of every match.
fn found(set: &IocSet, kind: K, value: &str) -> Vec<(String, Option<String>)> {
    set.matches(&Observable::new(kind, value))
        .into_iter()
        .map(|m| {
            assert_eq!(m.observable, Observable::new(kind, value));
            (m.indicator.value, m.how)
        })
        .collect()
}

fn one(set: &IocSet, kind: K, value: &str) -> (String, Option<String>) {
    let mut f = found(set, kind, value);
    assert_eq!(f.len(), 1, "{kind} {value}: {f:?}");
    f.remove(0)
}

fn how(set: &IocSet, kind: K, value: &str) -> String {
    one(set, kind, value).1.unwrap_or_default()
}

#[test]
fn domains_subdomains_case_and_trailing_dot() {
    let s = set();
    assert_eq!(
        one(&s, K::Domain, "evil.example"),
        ("evil.example".into(), None)
    );
    assert_eq!(
        how(&s, K::Domain, "EVIL.example."),
        "same name, case and trailing dot aside"
    );
    assert_eq!(
        how(&s, K::Domain, "a.b.evil.example"),
        "subdomain of evil.example"
    );
    assert_eq!(one(&s, K::Domain, "tracker.example").0, "Tracker.Example.");
    assert_eq!(
        how(&s, K::Domain, "x.TRACKER.example"),
        "subdomain of Tracker.Example."
    );
    assert_eq!(
        how(&s, K::Domain, "evil.example:443"),
        "host of evil.example:443"
    );
    for miss in [
        "notevil.example",
        "evil.example.attacker.test",
        "example",
        "evil",
        "evil-example",
        "vil.example",
        "",
        ".",
        "evil..example",
    ] {
        assert!(found(&s, K::Domain, miss).is_empty(), "{miss}");
    }
}

#[test]
fn domains_inside_urls() {
    let s = set();
    for (url, expected) in [
        ("https://evil.example/path", "host of the URL"),
        ("evil.example/path?q=1", "host of the URL"),
        ("http://evil.example:8080", "host of the URL"),
        ("https://user:pass@evil.example/", "host of the URL"),
        ("https://good.example@evil.example/", "host of the URL"),
        ("HTTPS://EVIL.EXAMPLE./", "host of the URL"),
        (
            "https://cdn.evil.example/x",
            "subdomain of evil.example, host of the URL",
        ),
        (
            "//cdn.evil.example:1/x",
            "subdomain of evil.example, host of the URL",
        ),
    ] {
        let (value, how) = one(&s, K::Url, url);
        assert_eq!(value, "evil.example", "{url}");
        assert_eq!(how.as_deref(), Some(expected), "{url}");
    }
    for miss in [
        "https://notevil.example/",
        "https://evil.example.attacker.test/",
        "https://attacker.test/evil.example",
        "https://attacker.test/?u=https://evil.example/",
        "https://evil.example@attacker.test/",
        "http://[2001:db8::1]/evil.example",
    ] {
        assert!(found(&s, K::Url, miss).is_empty(), "{miss}");
    }
}

#[test]
fn urls_normalised() {
    let s = set();
    assert_eq!(
        one(&s, K::Url, "https://links.example/p/abc/"),
        ("https://links.example/p/abc/".into(), None)
    );
    for same in [
        "https://links.example/p/abc",
        "HTTPS://Links.Example/p/abc",
        "https://links.example:443/p/abc/",
        "links.example/p/abc",
    ] {
        let (_, how) = one(&s, K::Url, same);
        assert!(
            how.unwrap_or_default().starts_with("same URL once"),
            "{same}"
        );
    }
    for miss in [
        "https://links.example/p/ABC",
        "https://links.example/p/abc/d",
        "https://links.example/p",
        "https://links.example:8443/p/abc",
    ] {
        assert!(found(&s, K::Url, miss).is_empty(), "{miss}");
    }
}

#[test]
fn ipv4_addresses_networks_and_url_hosts() {
    let s = set();
    assert_eq!(
        one(&s, K::Ipv4, "203.0.113.9"),
        ("203.0.113.9".into(), None)
    );
    assert_eq!(
        how(&s, K::Ipv4, "198.51.100.77"),
        "inside network 198.51.100.0/24"
    );
    assert_eq!(
        how(&s, K::Url, "http://203.0.113.9:8000/x"),
        "host of the URL"
    );
    assert_eq!(
        how(&s, K::Url, "https://198.51.100.1/"),
        "inside network 198.51.100.0/24, host of the URL"
    );
    assert_eq!(how(&s, K::Domain, "203.0.113.9"), "");
    for miss in ["203.0.113.90", "198.51.101.1", "203.0.113", "not an ip"] {
        assert!(found(&s, K::Ipv4, miss).is_empty(), "{miss}");
    }
    assert!(found(&s, K::Url, "http://203.0.113.90/").is_empty());
}

#[test]
fn emails_case_and_domain() {
    let s = set();
    assert_eq!(
        how(&s, K::Email, "agent@MAIL.example"),
        "same address, case aside"
    );
    assert_eq!(
        how(&s, K::Email, "someone@evil.example"),
        "domain of the e-mail address"
    );
    assert!(found(&s, K::Email, "agent2@mail.example").is_empty());
}

#[test]
fn process_names_exact_paths_and_truncation() {
    let s = set();
    assert_eq!(one(&s, K::ProcessName, "bh"), ("bh".into(), None));
    assert_eq!(
        how(&s, K::ProcessName, "/usr/libexec/bh"),
        "file name of the process path"
    );
    // iOS logs keep 16 bytes of a name, Android's 15.
    let sixteen = &"com.apple.spyservicesd"[..16];
    let fifteen = &"com.apple.spyservicesd"[..15];
    assert!(how(&s, K::ProcessName, sixteen).starts_with("process name cut to 16 bytes"));
    assert!(how(&s, K::ProcessName, fifteen).starts_with("process name cut to 15 bytes"));
    for miss in [
        &"com.apple.spyservicesd"[..14],
        &"com.apple.spyservicesd"[..17],
        "BH",
        "bhx",
        "com.apple.spyservicesd2",
    ] {
        assert!(found(&s, K::ProcessName, miss).is_empty(), "{miss}");
    }
}

#[test]
fn files_by_path_folder_and_name() {
    let s = set();
    assert_eq!(how(&s, K::FilePath, "/private/var/tmp/spy"), "");
    assert_eq!(
        how(&s, K::FilePath, "/private/var/tmp/spy/a/b.plist"),
        "inside folder /private/var/tmp/spy/"
    );
    assert_eq!(
        how(&s, K::FilePath, "/Library/x/spy.dylib"),
        "file name of the path"
    );
    assert_eq!(
        one(&s, K::FileName, "spy.dylib"),
        ("spy.dylib".into(), None)
    );
    for miss in [
        "/private/var/tmp/spyware",
        "/private/var/tmp",
        "/private/var/tmp/spy.dylib.bak",
    ] {
        assert!(found(&s, K::FilePath, miss).is_empty(), "{miss}");
    }
    assert!(found(&s, K::FileName, "Spy.dylib").is_empty());
}

#[test]
fn hashes_ignore_case_and_colons_ids_are_exact() {
    let s = set();
    assert_eq!(
        how(&s, K::FileSha256, &"ab".repeat(32)),
        "same value, case aside"
    );
    assert_eq!(one(&s, K::FileSha256, &"AB".repeat(32)).1, None);
    assert!(found(&s, K::FileSha1, &"ab".repeat(20)).is_empty());
    assert!(found(&s, K::AppCertSha256, &"ab".repeat(32)).is_empty());
    assert_eq!(
        one(
            &s,
            K::AppCertSha1,
            "00112233445566778899AABBCCDDEEFF00112233"
        )
        .0,
        "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33"
    );
    assert_eq!(one(&s, K::AppId, "com.example.Spy").1, None);
    assert!(found(&s, K::AppId, "com.example.spy").is_empty());
    assert!(found(&s, K::AppId, "com.example.Spy.extra").is_empty());
    assert_eq!(one(&s, K::ConfigurationProfileId, "profile-1234").1, None);
    assert!(found(&s, K::ConfigurationProfileId, "profile-12345").is_empty());
    assert_eq!(one(&s, K::AndroidProperty, "persist.spy").1, None);
    assert!(found(&s, K::AndroidProperty, "persist.spy.other").is_empty());
    // A kind never matches the indicators of another.
    assert!(found(&s, K::FileName, "evil.example").is_empty());
    assert!(found(&s, K::AppId, "evil.example").is_empty());
}

#[test]
fn an_empty_set_matches_nothing() {
    let s = IocSet::new();
    assert!(s.is_empty());
    assert!(s
        .matches(&Observable::new(K::Domain, "evil.example"))
        .is_empty());
}

#[test]
fn huge_observables_cost_linear_time() {
    let s = set();
    // 2 MB of labels before a matching name, and a path of 500,000 folders: the walks skip
    // every part longer than the longest indicator instead of hashing each suffix.
    let host = format!("{}evil.example", "a.".repeat(1_000_000));
    let started = std::time::Instant::now();
    assert_eq!(how(&s, K::Domain, &host), "subdomain of evil.example");
    assert_eq!(
        how(&s, K::Url, &format!("https://{host}/")),
        "subdomain of evil.example, host of the URL"
    );
    let path = format!("/private/var/tmp/spy{}", "/d".repeat(500_000));
    assert_eq!(
        how(&s, K::FilePath, &path),
        "inside folder /private/var/tmp/spy/"
    );
    assert!(found(&s, K::FilePath, &"/x".repeat(500_000)).is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
