//! Links the optimised `stingwatch` executable with the code analysis runs placed together.
//!
//! `code-layout.txt` lists the functions a release build runs on every real capture and
//! scenario (written by `scripts/code-layout`). Placed first, they share a few megabytes of
//! pages instead of being spread over the whole executable, most of which is the RRC encoder
//! and decoders of messages a run never meets; peak RSS falls by several megabytes
//! (docs/performance.md). Names the executable does not have are skipped by the linker, so a
//! stale list costs memory, never correctness.

use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=code-layout.txt");
    println!("cargo:rerun-if-env-changed=STINGWATCH_CODE_LAYOUT");
    if let Some(arg) = ordering_arg() {
        println!("cargo:rustc-link-arg-bins={arg}");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// The linker argument that applies the list, when this build links with LLD.
fn ordering_arg() -> Option<String> {
    if env::var("STINGWATCH_CODE_LAYOUT").as_deref() == Ok("0")
        || env::var("PROFILE").as_deref() != Ok("release")
        // rustc links this target with its own LLD from 1.90 on; other targets and a linker
        // chosen by configuration may be GNU ld, which does not know the option.
        || env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu")
        || env::var_os("RUSTC_LINKER").is_some()
        || env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| {
            f.contains("linker") || f.contains("fuse-ld") || f.contains("link-self-contained")
        })
        || !rustc_links_with_lld()
    {
        return None;
    }
    let list = env::var("CARGO_MANIFEST_DIR").ok()? + "/code-layout.txt";
    if list.contains(',') || !std::path::Path::new(&list).is_file() {
        return None;
    }
    Some(format!("-Wl,--symbol-ordering-file={list}"))
}

/// True when the compiler is 1.90 or later, whose default linker on this target is LLD.
fn rustc_links_with_lld() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let Ok(out) = Command::new(rustc).arg("-vV").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text
        .lines()
        .find_map(|l| l.strip_prefix("release: "))
        .map(str::trim)
    else {
        return false;
    };
    let mut parts = version
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}
