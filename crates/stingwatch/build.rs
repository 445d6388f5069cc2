//! Links the optimised `stingwatch` executable with the code analysis runs placed together.
//!
//! `code-layout.txt` lists the functions a release build runs on every real capture and
//! scenario (written by `scripts/code-layout`). Placed first, they share a few megabytes of
//! pages instead of being spread over the whole executable, most of which is the RRC encoder
//! and decoders of messages a run never meets; peak RSS falls by several megabytes
//! (docs/performance.md). Names the executable does not have are skipped by the linker, so a
//! stale list costs memory, never correctness.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=code-layout.txt");
    for var in [
        "STINGWATCH_CODE_LAYOUT",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if let Some(list) = layout_list() {
        println!("cargo:rustc-link-arg-bins={}", ordering_arg(&list));
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// The list to apply, when this is an optimised x86_64 Linux build whose linker takes it.
fn layout_list() -> Option<PathBuf> {
    if env::var("STINGWATCH_CODE_LAYOUT").as_deref() == Ok("0")
        || env::var("PROFILE").as_deref() != Ok("release")
        || env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu")
    {
        return None;
    }
    let list = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR")?).join("code-layout.txt");
    let usable = list.is_file() && list.to_str().is_some_and(|s| !s.contains(','));
    (usable && linker_takes_ordering()).then_some(list)
}

/// The linker argument that applies `list`.
fn ordering_arg(list: &Path) -> String {
    format!("-Wl,--symbol-ordering-file={}", list.display())
}

/// Whether the linker this build uses accepts a symbol ordering file. rustup's compilers link
/// this target with their own LLD, which does; GNU ld, which a distribution's compiler or a
/// configured linker may use, does not. So an empty program is linked the way this build links,
/// with an empty ordering file, and the list is used only if that works.
fn linker_takes_ordering() -> bool {
    let (Some(out), Some(rustc)) = (env::var_os("OUT_DIR"), env::var_os("RUSTC")) else {
        return false;
    };
    let dir = PathBuf::from(out);
    let (source, empty, exe) = (
        dir.join("probe.rs"),
        dir.join("empty-layout.txt"),
        dir.join("probe"),
    );
    if std::fs::write(&source, "fn main() {}\n").is_err() || std::fs::write(&empty, "").is_err() {
        return false;
    }
    let mut cmd = Command::new(rustc);
    cmd.arg("--target")
        .arg("x86_64-unknown-linux-gnu")
        .arg("-o")
        .arg(&exe)
        .arg("-C")
        .arg(format!("link-arg={}", ordering_arg(&empty)))
        .arg(&source);
    if let Some(linker) = env::var_os("RUSTC_LINKER") {
        cmd.arg("-C")
            .arg(format!("linker={}", linker.to_string_lossy()));
    }
    if let Ok(flags) = env::var("CARGO_ENCODED_RUSTFLAGS") {
        cmd.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
