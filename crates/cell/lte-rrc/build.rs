//! Compiles the crate's UPER schema table (`src/schema.rs`) to a skip function, one Rust
//! function per constructed type (`stingwatch_uper::compile`), so the compiled skip is always
//! the table's.

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "src/schema.rs"]
mod schema;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=src/schema.rs");
    stingwatch_uper::compile::write_skip_source(&schema::TYPES)
}
