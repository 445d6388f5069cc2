//! An indicator file of arbitrary bytes loaded as a STIX bundle, then every loaded indicator
//! matched against an observable of its own published value (which must find it), and the
//! `list` summary and diagnostics serialised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_iocs::{IocSet, Observable, ObservableKind};

fuzz_target!(|data: &[u8]| {
    let mut set = IocSet::new();
    let added = set.load_bundle("fuzz.stix2", "fuzz", data);
    assert_eq!(added, set.len());
    let total: usize = set.collections().iter().map(|c| c.total).sum();
    assert_eq!(total, set.len());
    for indicator in set.indicators().take(64).collect::<Vec<_>>() {
        // A network (`a.b.c.d/n`) is matched by the addresses inside it, not by its text.
        if indicator.kind == ObservableKind::Ipv4 && indicator.value.contains('/') {
            continue;
        }
        let observable = Observable::new(indicator.kind, indicator.value.clone());
        let found = set.matches(&observable);
        assert!(
            found.iter().any(|m| m.indicator.id == indicator.id),
            "{indicator:?} does not match its own value: {found:?}"
        );
        for kind in [
            ObservableKind::Url,
            ObservableKind::Domain,
            ObservableKind::FilePath,
        ] {
            let _ = set.matches(&Observable::new(kind, indicator.value.clone()));
        }
    }
    assert!(serde_json::to_vec(&set.collections()).is_ok());
    assert!(serde_json::to_vec(set.diagnostics()).is_ok());
});
