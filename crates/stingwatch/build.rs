//! Two link-time choices for the `stingwatch` executable.
//!
//! 1. 32-bit ARM is linked with LLD instead of GNU ld (bfd). The executable has over 16 MB
//!    of code, more than a Thumb-2 call reaches, so the linker inserts long-branch stubs.
//!    GNU ld 2.40 (Debian bookworm's cross binutils) then writes the addresses of glibc's
//!    IFUNC resolvers (`memcpy`, `memchr`) into their IRELATIVE GOT slots without the Thumb
//!    bit. A static executable applies those relocations first thing in `__libc_start_main`,
//!    calls the Thumb resolver in ARM state and dies with SIGSEGV before its first system
//!    call; a six-line C program with 20 MB of padding code does the same (docs/install.md).
//!    LLD (and gold, which rustc warns against) write the slots right. The choice is probed,
//!    like the layout below.
//! 2. The optimised x86_64 executable is linked with the code analysis runs placed together.
//! 3. The optimised x86_64 executable keeps its relocations (`--emit-relocs`), so that
//!    `scripts/bolt` can rearrange its code after the link. They are sections the loader never
//!    maps: the file grows by about a third, the memory a run takes does not.
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
        "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_RUSTFLAGS",
        "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if is_arm32_gnu() {
        let lld =
            lld_shim().map(|dir| ["-fuse-ld=lld".to_string(), format!("-B{}", dir.display())]);
        match lld {
            Some(args) if links_with(&args) => {
                for a in args {
                    println!("cargo:rustc-link-arg-bins={a}");
                }
            }
            _ if links_with(&["-fuse-ld=gold".into()]) => {
                println!("cargo:rustc-link-arg-bins=-fuse-ld=gold");
            }
            _ => println!(
                "cargo:warning=neither LLD nor gold found: a 32-bit ARM executable linked by GNU \
                 ld may crash at start (IFUNC slots without the Thumb bit); apt-get install lld"
            ),
        }
    }
    if let Some(list) = layout_list() {
        println!("cargo:rustc-link-arg-bins={}", ordering_arg(&list));
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
    if optimised_x86_64() && links_with(&[EMIT_RELOCS.into()]) {
        println!("cargo:rustc-link-arg-bins={EMIT_RELOCS}");
    }
}

/// Keeps the link's relocations in the executable: a post-link optimiser may move a function
/// only when it can find every reference to it.
const EMIT_RELOCS: &str = "-Wl,--emit-relocs";

/// Whether this is an optimised x86_64 Linux build, the one the layout and `scripts/bolt` are for.
fn optimised_x86_64() -> bool {
    env::var("PROFILE").as_deref() == Ok("release")
        && env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu")
}

/// Whether this is a 32-bit ARM Linux build with a GNU toolchain, the case LLD is for.
fn is_arm32_gnu() -> bool {
    let var = |k: &str| env::var(k).unwrap_or_default();
    var("CARGO_CFG_TARGET_ARCH") == "arm"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
}

/// A directory holding `ld.lld`, for `gcc -fuse-ld=lld -B DIR`: a cross gcc looks for LLD
/// only in its own directories, not on `PATH`, so a link to the `ld.lld` found on `PATH` is
/// made in the build's output directory.
fn lld_shim() -> Option<PathBuf> {
    let found = env::split_paths(&env::var_os("PATH")?)
        .map(|d| d.join("ld.lld"))
        .find(|p| p.is_file())?;
    let dir = PathBuf::from(env::var_os("OUT_DIR")?).join("lld");
    std::fs::create_dir_all(&dir).ok()?;
    let link = dir.join("ld.lld");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(found, &link).ok()?;
    Some(dir)
}

/// The list to apply, when this is an optimised x86_64 Linux build whose linker takes it.
fn layout_list() -> Option<PathBuf> {
    if env::var("STINGWATCH_CODE_LAYOUT").as_deref() == Ok("0") || !optimised_x86_64() {
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
/// configured linker may use, does not. So it is tried with an empty ordering file, and the
/// list is used only if that works.
fn linker_takes_ordering() -> bool {
    let Some(out) = env::var_os("OUT_DIR") else {
        return false;
    };
    let empty = PathBuf::from(out).join("empty-layout.txt");
    std::fs::write(&empty, "").is_ok() && links_with(&[ordering_arg(&empty)])
}

/// Whether an empty program links for this build's target, the way this build links, with
/// `args` added to the link.
fn links_with(args: &[String]) -> bool {
    let (Some(out), Some(rustc), Ok(target)) = (
        env::var_os("OUT_DIR"),
        env::var_os("RUSTC"),
        env::var("TARGET"),
    ) else {
        return false;
    };
    let dir = PathBuf::from(out);
    let (source, exe) = (dir.join("probe.rs"), dir.join("probe"));
    if std::fs::write(&source, "fn main() {}\n").is_err() {
        return false;
    }
    let mut cmd = Command::new(rustc);
    cmd.arg("--target").arg(&target).arg("-o").arg(&exe);
    for a in args {
        cmd.arg("-C").arg(format!("link-arg={a}"));
    }
    cmd.arg(&source);
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
