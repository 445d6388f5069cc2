//! Unaligned PER (X.691) reading for the RRC walkers: a checked bit cursor ([`bits`]), a
//! walk of whole values by a schema table generated from an ASN.1 module ([`schema`]), and
//! the same table compiled to Rust by the RRC crates' build scripts ([`compile`], whose code
//! reads through [`skip`]).

#![forbid(unsafe_code)]

pub mod bits;
pub mod compile;
pub mod schema;
pub mod skip;
