//! Home of the micro-benchmarks (`benches/stages.rs`); the library itself is empty.
