//! Compiles the crate's UPER schema table (`src/schema.rs`) to a skip function, one Rust
//! function per constructed type (see `stingwatch_uper::compile`), so the compiled skip is
//! always the table's.

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "src/schema.rs"]
mod schema;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=src/schema.rs");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR not set")?);
    std::fs::write(
        out.join("skip.rs"),
        stingwatch_uper::compile::skip_source(&schema::TYPES),
    )?;
    Ok(())
}
