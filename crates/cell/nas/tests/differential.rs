//! Differential tests: this decoder against pycrate and tshark over every NAS PDU of the
//! real captures and over the published vectors in tests/vectors.

mod common;

use common::*;
use stingwatch_testsupport::{have_pycrate, have_tool, shared_captures};

fn oracles_present() -> bool {
    have_tool("tshark") && have_pycrate()
}

#[test]
fn capture_nas_agrees_with_pycrate_and_tshark() {
    let pcaps = shared_captures("rayhunter-traces", "pcap");
    if pcaps.is_empty() || !oracles_present() {
        return;
    }
    let samples: Vec<Sample> = pcaps.iter().flat_map(|p| capture_samples(p)).collect();
    // The three recordings hold a few hundred NAS PDUs; far fewer means extraction broke.
    assert!(
        samples.len() >= 200,
        "only {} NAS PDUs extracted",
        samples.len()
    );
    assert!(samples.iter().any(|s| s.origin.contains("rrc-nas")));
    assert!(samples.iter().any(|s| s.origin.contains("gsmtap-nas")));
    let (py, ts) = compare_all(&samples, "captures");
    assert_agreement("captures vs pycrate", py);
    assert_agreement("captures vs tshark", ts);
}

#[test]
fn published_vectors_agree_with_pycrate_and_tshark() {
    if !oracles_present() {
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("txt"))
        .collect();
    files.sort();
    let samples: Vec<Sample> = files.iter().flat_map(|f| vector_file(f)).collect();
    assert!(samples.len() >= 60, "only {} vectors", samples.len());
    let (py, ts) = compare_all(&samples, "vectors");
    assert_agreement("vectors vs pycrate", py);
    assert_agreement("vectors vs tshark", ts);
}

#[test]
fn vectors_decode_without_error_and_name_every_message() {
    for f in std::fs::read_dir(vectors_dir())
        .expect("tests/vectors")
        .flatten()
    {
        for s in vector_file(&f.path()) {
            let m = s.decode();
            assert_ne!(m.name, "Unknown", "{} unnamed", s.origin);
            assert_eq!(m.error, None, "{}: {:?}", s.origin, m.error);
        }
    }
}

#[test]
fn diag_recordings_nas_agrees_with_pycrate_and_tshark() {
    let logs = shared_captures("mobileinsight", "mi2log");
    if logs.is_empty() || !oracles_present() {
        return;
    }
    let samples: Vec<Sample> = logs.iter().flat_map(|p| diag_samples(p)).collect();
    // attach_sample and volte_sample alone hold over a thousand NAS records.
    assert!(
        samples.len() >= 1000,
        "only {} NAS PDUs extracted",
        samples.len()
    );
    let (py, ts) = compare_all(&samples, "diag");
    assert_agreement("DIAG recordings vs pycrate", py);
    assert_agreement("DIAG recordings vs tshark", ts);
}
