//! The live watch page in headless Chromium: opened before the attack is replayed, it shows
//! the finding as it is made (server-sent events), its pcapng download is read by tshark, and
//! a screenshot is kept in `test-artifacts/watch-page/`.

mod report_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use report_support::{artifacts, browser_dir, chromium, have_browser, require, scratch};

/// The browser tools, and tshark to read the downloaded pcapng.
fn have_browser_and_tshark() -> Result<(), String> {
    have_browser()?;
    require(
        stingwatch_testsupport::have_tool("tshark"),
        "`tshark` is not installed",
    )
}

#[test]
fn watch_page_shows_live_finding_and_downloads_pcapng() {
    if let Err(skip) = have_browser_and_tshark() {
        eprintln!("{skip}");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_stingwatch");
    let dir = scratch("watch-page");
    let input = dir.join("imsi-catcher.qmdl");
    assert!(Command::new(bin)
        .args(["scenario", "imsi-catcher", "-o"])
        .arg(&input)
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success());
    let token = "browser-test-token";
    // Slow enough that the page is open before the identity request is replayed (~6 s in).
    let mut child = Command::new(bin)
        .args(["watch", "--replay"])
        .arg(&input)
        .args([
            "--speed",
            "0.125",
            "--listen",
            "127.0.0.1:0",
            "--token",
            token,
        ])
        .args(["--min-free-percent", "0", "--data-dir"])
        .arg(dir.join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        assert!(Instant::now() < deadline, "watch did not start");
        let line = lines.next().expect("watch exited").unwrap();
        if let Some(rest) = line.strip_prefix("stingwatch watch: listening on ") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines.by_ref() {});
    let shots = artifacts("watch-page");
    let shot = shots.join("watch-page.png");
    let pcap = shots.join("recording.pcapng");
    let out = Command::new("node")
        .arg(browser_dir().join("watch_page.mjs"))
        .arg(&url)
        .arg(token)
        .arg(&shot)
        .arg(&pcap)
        .env("CHROMIUM", chromium())
        .output()
        .expect("run node");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        out.status.success(),
        "watch_page.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cards: Vec<String> = seen["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert!(
        cards
            .iter()
            .any(|c| c.to_lowercase().starts_with("high") && c.contains("packet")),
        "no high finding card: {cards:?}"
    );
    assert_eq!(
        seen["foreign"],
        serde_json::json!([]),
        "page fetched from elsewhere"
    );
    assert_eq!(seen["errors"], serde_json::json!([]), "script errors");
    assert!(seen["suggested"].as_str().unwrap().ends_with(".pcapng"));
    // The position the browser gave came back from the server, and was stored beside the
    // recording in Rayhunter's track format, where `analyze` finds it.
    let pos = seen["status"]["position"].as_str().unwrap();
    assert!(pos.starts_with("52.51630, 13.37770"), "{pos}");
    let tracks: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("data/recordings"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-gps.ndjson"))
        .collect();
    assert_eq!(tracks.len(), 1, "{tracks:?}");
    let track = stingwatch_gps::Track::read(std::io::BufReader::new(
        std::fs::File::open(&tracks[0]).unwrap(),
    ))
    .unwrap();
    assert!(track.diagnostics.is_empty());
    let fix = track.fixes().first().expect("a fix");
    assert_eq!(
        (fix.latitude, fix.longitude, fix.accuracy_m),
        (52.5163, 13.3777, Some(12.0))
    );
    let ts = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(
        ts.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&ts.stderr)
    );
    let text = String::from_utf8_lossy(&ts.stdout);
    assert!(text.lines().count() > 0, "tshark read no packet");
    assert!(
        std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 1000,
        "screenshot missing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
