//! Helpers shared by the report acceptance tests: scenario files, the CLI, and the rule that
//! a missing tool skips a test locally but fails it in CI.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use stingwatch_testsupport::in_ci;

/// `Ok(())` when `ok`; otherwise panics in CI and returns the reason to print and skip.
pub fn require(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        return Ok(());
    }
    if in_ci() {
        panic!("CI=true but {what}; .ci/run must install it");
    }
    Err(format!("SKIP: {what}; test skipped"))
}

/// A fresh scratch directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stingwatch-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Where screenshots and other artifacts of the tests go (gitignored).
pub fn artifacts(sub: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-artifacts")
        .join(sub);
    std::fs::create_dir_all(&dir).expect("create test-artifacts dir");
    dir
}

/// Run the stingwatch binary.
pub fn stingwatch(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stingwatch"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run stingwatch")
}

/// Write scenario `name` into `dir` with extension `ext` (`pcapng` or `qmdl`).
pub fn scenario(dir: &Path, name: &str, ext: &str) -> PathBuf {
    let out = dir.join(format!("{name}.{ext}"));
    let o = stingwatch(&[
        "scenario".as_ref(),
        name.as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        o.status.success(),
        "scenario {name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// `analyze --format FORMAT -o OUT` on `input`; returns the exit code (0, 1 or 2).
pub fn analyze_to(input: &Path, format: &str, out: &Path) -> i32 {
    let o = stingwatch(&[
        "analyze".as_ref(),
        input.as_os_str(),
        "--format".as_ref(),
        format.as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    let code = o.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "analyze {} --format {format} failed ({code}): {}",
        input.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    code
}

/// The JSON report of `input`.
pub fn analyze_json(input: &Path) -> serde_json::Value {
    let out = input.with_extension("json");
    analyze_to(input, "json", &out);
    let text = std::fs::read_to_string(&out).expect("read report");
    serde_json::from_str(&text).expect("report is JSON")
}

/// Names of every scenario the project builds.
pub fn scenario_names() -> Vec<&'static str> {
    stingwatch_scenario::catalog()
        .iter()
        .map(|s| s.name)
        .collect()
}

/// Where the Node scripts that drive Chromium and their npm packages live.
pub fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// The Chromium binary (`CHROMIUM` overrides Debian's `/usr/bin/chromium`).
pub fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Node, Chromium and playwright-core (from `npm ci` in tests/browser) are all there.
pub fn have_browser() -> Result<(), String> {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    require(node, "`node` is not installed")?;
    require(
        chromium().is_file(),
        &format!("Chromium is not installed at {}", chromium().display()),
    )?;
    require(
        browser_dir()
            .join("node_modules/playwright-core/package.json")
            .is_file(),
        "playwright-core is not installed (run `npm ci` in crates/stingwatch/tests/browser)",
    )
}
