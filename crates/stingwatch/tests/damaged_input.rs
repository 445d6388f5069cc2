//! A damaged recording still yields every good message, and each damaged region is reported
//! with the file and its offset.

use std::process::Command;

use stingwatch_testsupport::shared_dir;

fn decode_count(path: &std::path::Path) -> (usize, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_stingwatch"))
        .arg("decode")
        .arg(path)
        .args(["--format", "ndjson"])
        .output()
        .expect("run stingwatch");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let messages = stdout
        .lines()
        .filter(|l| l.contains("\"record\":\"message\""))
        .count();
    (
        messages,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn zero_filled_gap_in_a_real_qmdl_is_reported_and_skipped() {
    let Some(shared) = shared_dir() else { return };
    let src = shared.join("captures/rayhunter-traces/1749222138-goodsim.qmdl");
    let bytes = std::fs::read(&src).expect("read capture");
    let (clean, _, code) = decode_count(&src);
    assert_eq!(code, 0);
    // Zero a 300-byte region in the middle: a few frames are lost, the rest must survive.
    let mut damaged = bytes.clone();
    let start = bytes.len() / 2;
    for b in damaged.iter_mut().skip(start).take(300) {
        *b = 0;
    }
    let path = std::env::temp_dir().join(format!("stingwatch-damaged-{}.qmdl", std::process::id()));
    std::fs::write(&path, &damaged).expect("write");
    let (got, stderr, code) = decode_count(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0, "damage is not a failure: {stderr}");
    let name = path.display().to_string();
    let warning = stderr
        .lines()
        .find(|l| l.contains(&name) && l.contains("damaged input at offset"))
        .unwrap_or_else(|| panic!("no damage warning naming the file: {stderr}"));
    let offset: u64 = warning
        .split("offset ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("offset in warning");
    assert!(
        offset <= start as u64 + 300 && offset + 2048 >= start as u64,
        "reported offset {offset} is not at the damage ({start}..{})",
        start + 300
    );
    // 300 bytes hold at most a handful of frames; everything else is kept.
    assert!(got < clean, "some messages were in the zeroed region");
    assert!(got + 12 >= clean, "only {got} of {clean} messages kept");
}
