//! `convert` of real DIAG recordings gives pcapng that tshark decodes without malformed
//! packets, with the same messages as the recorder's own pcap export.

use std::path::{Path, PathBuf};
use std::process::Command;

use stingwatch_testsupport::{have_tool, shared_captures};

fn convert(input: &Path) -> PathBuf {
    let out = std::env::temp_dir().join(format!(
        "stingwatch-convert-{}-{}.pcapng",
        std::process::id(),
        input.file_name().and_then(|n| n.to_str()).unwrap_or("x")
    ));
    let st = Command::new(env!("CARGO_BIN_EXE_stingwatch"))
        .arg("convert")
        .arg(input)
        .arg(&out)
        .output()
        .expect("run stingwatch convert");
    assert!(
        st.status.success(),
        "convert {} failed: {}",
        input.display(),
        String::from_utf8_lossy(&st.stderr)
    );
    out
}

/// tshark's Info column, one entry per frame.
fn infos(path: &Path) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-T", "fields", "-e", "_ws.col.Info"])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark cannot read {}",
        path.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Frames tshark flags as malformed, with their Info text.
fn malformed(path: &Path) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        // tshark by default guesses that ciphered NAS might be null-ciphered and dissects the
        // ciphertext as plain NAS, which then looks malformed; the guess is turned off so only
        // genuinely malformed packets count.
        .args(["-o", "nas-eps.null_decipher:FALSE"])
        .args([
            "-Y",
            "_ws.malformed || _ws.expert.severity == error",
            "-T",
            "fields",
        ])
        .args(["-e", "frame.number", "-e", "_ws.col.Info"])
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn converted_qmdl_matches_the_recorders_pcap() {
    let qmdls = shared_captures("rayhunter-traces", "qmdl");
    if qmdls.is_empty() || !have_tool("tshark") {
        return;
    }
    for qmdl in &qmdls {
        let ours = convert(qmdl);
        let theirs = qmdl.with_extension("pcap");
        let a = infos(&ours);
        let b = infos(&theirs);
        let bad_ours = malformed(&ours);
        let bad_theirs = malformed(&theirs);
        // The recorder's own export already carries a few NAS messages that tshark flags
        // (trailing bytes logged by the modem); conversion must add none of its own.
        for m in &bad_ours {
            println!("{}: malformed in conversion: {m}", qmdl.display());
        }
        assert!(
            bad_ours.len() <= bad_theirs.len(),
            "{}: {} malformed frames after convert, {} in the recorder's pcap",
            qmdl.display(),
            bad_ours.len(),
            bad_theirs.len()
        );
        assert_eq!(a.len(), b.len(), "{}: frame count", qmdl.display());
        let mut diffs = 0;
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            // The recorder labels security-protected NAS as plain (GSMTAP sub-type 0), so
            // tshark shows nothing for it; conversion labels it right.
            let relabelled = y.is_empty() && x == "Ciphered message";
            if x != y && !relabelled {
                diffs += 1;
                println!(
                    "{} frame {}: ours {x:?} recorder {y:?}",
                    qmdl.display(),
                    i + 1
                );
            }
        }
        assert_eq!(
            diffs,
            0,
            "{}: {diffs} frames decode differently",
            qmdl.display()
        );
        let _ = std::fs::remove_file(&ours);
    }
}

#[test]
fn converted_mi2log_has_no_malformed_packets() {
    let logs = shared_captures("mobileinsight", "mi2log");
    if logs.is_empty() || !have_tool("tshark") {
        return;
    }
    for log in &logs {
        let ours = convert(log);
        let frames = infos(&ours).len();
        let bad = malformed(&ours);
        for m in &bad {
            println!("{}: malformed: {m}", log.display());
        }
        println!(
            "{}: {frames} frames, {} malformed",
            log.display(),
            bad.len()
        );
        assert!(frames > 0, "{}: nothing converted", log.display());
        assert!(
            bad.is_empty(),
            "{}: {} malformed frames",
            log.display(),
            bad.len()
        );
        let _ = std::fs::remove_file(&ours);
    }
}
