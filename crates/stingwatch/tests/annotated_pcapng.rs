//! `analyze --format pcapng`: every evidence packet of every finding carries the finding as a
//! packet comment that tshark shows (`-Y frame.comment`), on the same packet number the
//! report cites, and nothing else is commented.

mod report_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use report_support::{analyze_json, analyze_to, scenario, scratch, stingwatch};
use stingwatch_testsupport::have_tool;

/// tshark's packet comments: frame number to the comment field (several joined by commas).
fn commented_frames(pcapng: &Path) -> BTreeMap<u64, String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcapng)
        .args(["-Y", "frame.comment", "-T", "fields"])
        .args(["-e", "frame.number", "-e", "frame.comment"])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark cannot read {}: {}",
        pcapng.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let (n, c) = l.split_once('\t').expect("two fields");
            (n.parse().expect("frame number"), c.to_string())
        })
        .collect()
}

fn frame_count(pcapng: &Path) -> usize {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcapng)
        .args(["-T", "fields", "-e", "frame.number"])
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn check(dir: &Path, name: &str, ext: &str) {
    let input = scenario(dir, name, ext);
    let report = analyze_json(&input);
    let findings = report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty(), "{name}: the attack gives findings");
    let out = dir.join(format!("{name}-{ext}-annotated.pcapng"));
    let code = analyze_to(&input, "pcapng", &out);
    assert_eq!(code, 1, "{name}: exit status still follows --fail-on");

    // Which findings cite which packet, by the report.
    let mut expected: BTreeMap<u64, BTreeSet<(String, String, String)>> = BTreeMap::new();
    for f in findings {
        let key = (
            f["severity"].as_str().expect("severity").to_uppercase(),
            f["title"].as_str().expect("title").to_string(),
            f["kind"].as_str().expect("kind").to_string(),
        );
        for e in f["evidence"].as_array().expect("evidence") {
            let p = e["packet"].as_u64().expect("packet");
            expected.entry(p).or_default().insert(key.clone());
        }
    }
    let seen = commented_frames(&out);
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{name} ({ext}): commented frames differ from the evidence packets"
    );
    for (packet, want) in &expected {
        let line = &seen[packet];
        for (sev, title, kind) in want {
            let comment = format!("stingwatch {sev}: {title} [{kind}]");
            assert!(
                line.contains(&comment),
                "{name} ({ext}) frame {packet}: {line:?} lacks {comment:?}"
            );
        }
    }
    let messages = report["inputs"][0]["messages"].as_u64().expect("messages") as usize;
    assert_eq!(
        frame_count(&out),
        messages,
        "{name} ({ext}): every message written"
    );
}

#[test]
fn every_evidence_packet_carries_its_findings() {
    if !have_tool("tshark") {
        return;
    }
    let dir = scratch("annotated-pcapng");
    for name in [
        "imsi-catcher",
        "redirect-2g",
        "null-cipher-nas",
        "identity-exposure-rate",
    ] {
        check(&dir, name, "pcapng");
    }
    // QMDL numbers messages by index; the annotated pcapng keeps that numbering.
    check(&dir, "imsi-catcher", "qmdl");
}

#[test]
fn benign_recording_gets_no_comments() {
    if !have_tool("tshark") {
        return;
    }
    let dir = scratch("annotated-benign");
    let input = scenario(&dir, "benign-busy-cell", "qmdl");
    let out = dir.join("annotated.pcapng");
    assert_eq!(analyze_to(&input, "pcapng", &out), 0);
    assert!(commented_frames(&out).is_empty());
    assert!(frame_count(&out) > 0);
}

#[test]
fn several_inputs_are_refused() {
    let dir = scratch("annotated-several");
    let a = scenario(&dir, "imsi-catcher", "pcapng");
    let b = scenario(&dir, "benign-busy-cell", "pcapng");
    let out = dir.join("x.pcapng");
    let o = stingwatch(&[
        "analyze".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "--format".as_ref(),
        "pcapng".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("exactly one recording"), "{err}");
    assert_eq!(err.lines().count(), 1, "one-line message: {err}");
    assert!(!out.exists(), "nothing written");
}
