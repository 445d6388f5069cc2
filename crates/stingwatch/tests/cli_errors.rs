//! Bad invocations give a one-line error naming the file and exit with status 2.

use std::process::Command;

fn stingwatch(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stingwatch"))
        .args(args)
        .output()
        .expect("run stingwatch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_one_line_error(args: &[&str], names: &str, says: &str) {
    let (code, stdout, stderr) = stingwatch(args);
    assert_eq!(code, 2, "{args:?}: status {code}, stderr {stderr}");
    assert!(
        stdout.is_empty(),
        "{args:?}: nothing on stdout, got {stdout}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: one line, got {stderr:?}");
    assert!(
        lines[0].contains(names),
        "{args:?}: names {names}: {stderr}"
    );
    assert!(lines[0].contains(says), "{args:?}: says {says}: {stderr}");
}

#[test]
fn missing_file() {
    for cmd in ["decode", "analyze"] {
        assert_one_line_error(
            &[cmd, "/nonexistent/x.qmdl"],
            "/nonexistent/x.qmdl",
            "no such file",
        );
    }
}

#[test]
fn directory_given_to_decode() {
    let dir = std::env::temp_dir();
    let d = dir.to_str().expect("utf-8 temp dir");
    assert_one_line_error(&["decode", d], d, "directory");
}

#[test]
fn empty_file() {
    let path = std::env::temp_dir().join(format!("stingwatch-empty-{}.pcap", std::process::id()));
    std::fs::write(&path, b"").expect("write");
    let p = path.to_str().expect("utf-8");
    assert_one_line_error(&["decode", p], p, "empty");
    assert_one_line_error(&["analyze", p], p, "empty");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn unknown_format() {
    let path = std::env::temp_dir().join(format!("stingwatch-text-{}.qmdl", std::process::id()));
    std::fs::write(&path, b"this is a text file, not a capture\n").expect("write");
    let p = path.to_str().expect("utf-8");
    assert_one_line_error(&["decode", p], p, "unknown format");
    assert_one_line_error(&["convert", p, "/tmp/x.pcapng"], p, "unknown format");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn unknown_flag_is_status_2() {
    let (code, _, _) = stingwatch(&["decode", "--no-such-flag", "x"]);
    assert_eq!(code, 2);
}
