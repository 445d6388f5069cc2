//! What a person reads first on the real recordings: the report's first line.

use std::process::Command;
use stingwatch_testsupport::shared_captures;

/// The dead-SIM recording (a SIM its operator refuses, on one real cell, never served) leads
/// with the SIM, not with a cell-site simulator, and exits 0 under the default threshold; the
/// same holds for its pcap export.
#[test]
fn dead_sim_report_leads_with_the_sim() {
    let mut checked = 0;
    for ext in ["qmdl", "pcap"] {
        for path in shared_captures("rayhunter-traces", ext) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.contains("deadsim") {
                continue;
            }
            let out = Command::new(env!("CARGO_BIN_EXE_stingwatch"))
                .arg("analyze")
                .arg(&path)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let first = text.lines().next().unwrap_or("");
            assert!(
                first.contains("SIM may be refused by its network"),
                "{name}: first line: {first}"
            );
            assert!(!first.contains("cell-site simulator on"), "{name}: {first}");
            assert_eq!(out.status.code(), Some(0), "{name}: {text}");
            checked += 1;
        }
    }
    if checked == 0 {
        eprintln!("dead-SIM recording not found under ../shared: skipped");
    }
}
