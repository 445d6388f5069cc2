//! The HTML report of an attack and of its benign twin, opened in headless Chromium: the
//! verdict reads as the report says, the timeline has drawn elements, every finding has its
//! card, nothing is fetched, no script fails, and a phone-width page needs no sideways scroll.
//! Screenshots go to `test-artifacts/html-report/`.

mod report_support;

use std::path::Path;
use std::process::Command;

use report_support::{
    analyze_json, analyze_to, artifacts, browser_dir, chromium, have_browser, scenario, scratch,
};

/// Open `html` in Chromium; screenshots are written as `<shots>-desktop.png`/`-phone.png`.
fn render(html: &Path, shots: &Path) -> serde_json::Value {
    let out = Command::new("node")
        .arg(browser_dir().join("render.mjs"))
        .arg(html)
        .arg(shots)
        .env("CHROMIUM", chromium())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "render.mjs failed on {}:\n{}\n{}",
        html.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("render.mjs prints JSON")
}

fn check_scenario(name: &str, attack: bool) {
    let dir = scratch(&format!("html-{name}"));
    let input = scenario(&dir, name, "pcapng");
    let report = analyze_json(&input);
    let html = artifacts("html-report").join(format!("{name}.html"));
    analyze_to(&input, "html", &html);
    let shots = artifacts("html-report").join(name);
    let seen = render(&html, &shots);

    // Verdict: the same sentence as the JSON report, in plain words.
    let verdict = report["summary"]["verdict"].as_str().expect("verdict");
    let shown = seen["verdict"].as_str().expect("verdict shown");
    assert_eq!(shown.trim(), verdict, "{name}: verdict text");
    if attack {
        assert!(
            shown.starts_with("Likely cell-site simulator")
                || shown.starts_with("Possible cell-site simulator"),
            "{name}: {shown}"
        );
    } else {
        assert!(
            shown.starts_with("No signs of a cell-site simulator"),
            "{name}: {shown}"
        );
    }
    assert!(seen["confidence"].as_str().is_some_and(|c| !c.is_empty()));

    // Chart: drawn shapes, one bar per cell stretch at least, a mark per finding.
    assert_eq!(seen["charts"], 1, "{name}: one chart per recording");
    assert!(seen["shapes"].as_u64().unwrap_or(0) > 0, "{name}: {seen}");
    assert!(
        seen["drawnShapes"].as_u64().unwrap_or(0) > 0,
        "{name}: {seen}"
    );
    assert!(seen["segments"].as_u64().unwrap_or(0) > 0, "{name}: {seen}");
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(
        seen["marks"].as_u64(),
        Some(findings.len() as u64),
        "{name}: a mark per finding"
    );

    // A visible card per finding, in report order, with its title and evidence.
    let cards = seen["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), findings.len(), "{name}: a card per finding");
    if attack {
        assert!(!cards.is_empty(), "{name}: the attack has findings");
    }
    for (i, (card, f)) in cards.iter().zip(findings).enumerate() {
        assert_eq!(card["id"], format!("finding-{}", i + 1));
        assert_eq!(card["kind"], f["kind"]);
        assert_eq!(card["severity"], f["severity"]);
        assert_eq!(card["visible"], true, "{name}: card {i} visible");
        let title = f["title"].as_str().expect("title");
        assert!(
            card["title"].as_str().is_some_and(|t| t.contains(title)),
            "{name}: card {i} title {:?} lacks {title:?}",
            card["title"]
        );
        assert_eq!(
            card["evidenceRows"].as_u64(),
            f["evidence"].as_array().map(|e| e.len() as u64),
            "{name}: card {i} evidence rows"
        );
    }
    assert_eq!(
        seen["cellRows"].as_u64(),
        report["cells"].as_array().map(|c| c.len() as u64)
    );

    // Self-contained, working, readable on a phone.
    assert_eq!(
        seen["requests"],
        serde_json::json!([]),
        "{name}: fetched something"
    );
    assert_eq!(
        seen["errors"],
        serde_json::json!([]),
        "{name}: script errors"
    );
    let phone = &seen["phone"];
    assert!(
        phone["scrollWidth"].as_u64() <= phone["innerWidth"].as_u64(),
        "{name}: page wider than a phone: {phone}"
    );
    for suffix in ["desktop", "phone"] {
        let shot = artifacts("html-report").join(format!("{name}-{suffix}.png"));
        let len = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(len > 1000, "{name}: screenshot {} missing", shot.display());
    }
}

#[test]
fn attack_and_benign_reports_render_in_chromium() {
    if let Err(skip) = have_browser() {
        eprintln!("{skip}");
        return;
    }
    check_scenario("imsi-catcher", true);
    check_scenario("redirect-2g", true);
    check_scenario("benign-busy-cell", false);
}
