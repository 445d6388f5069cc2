//! Test helpers: where the shared real captures are, and whether external oracles exist.
//!
//! Tests that need `../shared` call [`shared_dir`]. When `CI=true` and the folder is
//! missing the test fails loudly; elsewhere it is skipped with a printed reason.

use std::path::{Path, PathBuf};
use std::process::Command;

/// True when running under CI (`CI=true` or `CI=1`), where a missing tool or folder must fail.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// The `shared/` folder beside the project checkout, or `None` (test should return early).
///
/// Panics when running in CI and the folder is missing, so CI never passes vacuously.
pub fn shared_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("STINGWATCH_SHARED").map(PathBuf::from),
        // The checkout's parent holds `shared/`; crates sit at different depths.
        manifest
            .ancestors()
            .find(|p| p.join("Cargo.lock").is_file())
            .and_then(Path::parent)
            .map(|p| p.join("shared")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.join("captures").is_dir() {
            return Some(c);
        }
    }
    if in_ci() {
        panic!("CI=true but the shared folder (../shared with captures/) is missing; set STINGWATCH_SHARED");
    }
    eprintln!("SKIP: ../shared/captures not found (set STINGWATCH_SHARED); test skipped");
    None
}

/// All files in `shared/captures/<sub>` with the given extension, sorted; empty (with a
/// printed reason) when the shared folder is absent outside CI.
pub fn shared_captures(sub: &str, ext: &str) -> Vec<PathBuf> {
    let Some(dir) = shared_dir() else {
        return Vec::new();
    };
    let dir = dir.join("captures").join(sub);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some(ext))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no .{ext} files in {}", dir.display());
    out
}

/// Every real recording the capture readers open: the rayhunter QMDL files and their pcapng
/// twins, and the MobileInsight logs.
pub fn shared_recordings() -> Vec<PathBuf> {
    let mut paths = shared_captures("rayhunter-traces", "qmdl");
    paths.extend(shared_captures("rayhunter-traces", "pcap"));
    paths.extend(shared_captures("mobileinsight", "mi2log"));
    paths
}

/// True when an external program answers `--version`; in CI a missing oracle is a failure.
pub fn have_tool(program: &str) -> bool {
    have_tool_answering(program, "--version")
}

/// True when an external program exits successfully when run with `arg` (for tools without
/// `--version`, e.g. `mvt-android --help`, `strace -V`); in CI a missing tool is a failure.
pub fn have_tool_answering(program: &str, arg: &str) -> bool {
    let ok = Command::new(program)
        .arg(arg)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if in_ci() {
            panic!("CI=true but `{program}` is not installed; .ci/run must install it");
        }
        eprintln!("SKIP: `{program}` not installed; oracle test skipped");
    }
    ok
}

/// True when `python3 -c "import pycrate"` works; in CI a missing pycrate is a failure.
pub fn have_pycrate() -> bool {
    have_python_module("pycrate_mobile.NAS")
}

/// True when `python3 -c "import MODULE"` works (an oracle or validator written in Python);
/// in CI a missing module is a failure, elsewhere the test is skipped with a printed reason.
pub fn have_python_module(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if in_ci() {
            panic!("CI=true but python3 cannot import {module}; .ci/run must pip install it");
        }
        eprintln!("SKIP: python3 cannot import {module}; test skipped");
    }
    ok
}

/// Runs a Python oracle: `python3 -c SCRIPT` with `input` on its standard input; returns what
/// it printed, and fails the test with its error output when it fails.
pub fn run_python(script: &str, input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to python3");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(
        out.status.success(),
        "python3 oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python3 printed UTF-8")
}

/// xorshift64*: a deterministic pseudo-random source for hostile-input tests, so a failure
/// reproduces from its seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A damaged copy of `bytes` (not empty): one bit flipped, the copy cut short (at least
    /// one byte kept), or one byte changed, as a radio or a broken file damages a PDU.
    pub fn damaged(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut b = bytes.to_vec();
        let i = self.below(b.len());
        match self.below(3) {
            0 => b[i] ^= 1 << self.below(8),
            1 => b.truncate(i.max(1)),
            _ => b[i] = self.next_u64() as u8,
        }
        b
    }
}

mod postgres;
pub use postgres::TempPostgres;
