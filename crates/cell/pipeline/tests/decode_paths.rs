//! The fast path (broadcast PDUs decoded once and reused) must reach exactly the findings,
//! cells, timeline and undecoded count of the straightforward path that decodes every message
//! in full: on every real recording, read twice in a row so the second pass is answered from
//! the cache, and on every labelled scenario.

use stingwatch_decode::CaptureReader;
use stingwatch_model::{RadioMessage, ReadItem};
use stingwatch_pipeline::Pipeline;
use stingwatch_testsupport::shared_recordings;

/// Everything a finished pipeline reports, in a comparable form.
fn outcome(name: &str, messages: &[RadioMessage], full: bool) -> String {
    let mut p = Pipeline::new(name, None);
    if full {
        p = p.with_full_decoding();
    }
    for m in messages {
        p.push(m);
    }
    let live = format!("{:?}", p.snapshot());
    let done = p.finish();
    format!(
        "live {live}\nfindings {:?}\ncells {:?}\ntimeline {:?}\nundecoded {}",
        done.findings, done.cells, done.timeline, done.undecoded
    )
}

fn messages_of(path: &std::path::Path) -> Vec<RadioMessage> {
    CaptureReader::open(path)
        .expect("opens")
        .filter_map(|i| match i {
            ReadItem::Message(m) => Some(m),
            ReadItem::Damage { .. } => None,
            ReadItem::Measurement(_) => None,
        })
        .collect()
}

#[test]
fn fast_path_findings_equal_full_decoding_on_real_recordings() {
    for path in shared_recordings() {
        let once = messages_of(&path);
        // The recording twice, numbered on as one longer recording.
        let last = once.iter().map(|m| m.packet).max().unwrap_or(0);
        let mut twice = once.clone();
        twice.extend(once.iter().cloned().map(|mut m| {
            m.packet += last;
            m
        }));
        let name = path.display().to_string();
        let full = outcome(&name, &twice, true);
        let fast = outcome(&name, &twice, false);
        assert_eq!(full, fast, "{name}");
        eprintln!(
            "{name}: {} messages, same outcome on both paths",
            twice.len()
        );
    }
}

#[test]
fn fast_path_findings_equal_full_decoding_on_scenarios() {
    let catalog = stingwatch_scenario::catalog();
    assert!(!catalog.is_empty());
    let mut with_findings = 0;
    for info in catalog {
        let s = stingwatch_scenario::build(info.name).expect("scenario builds");
        let full = outcome(info.name, &s.messages, true);
        let fast = outcome(info.name, &s.messages, false);
        assert_eq!(full, fast, "scenario {}", info.name);
        if !full.contains("findings []") {
            with_findings += 1;
        }
    }
    // The comparison means something only if findings were made.
    assert!(with_findings > 0);
}
