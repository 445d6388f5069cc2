//! Unaligned PER (X.691) reading for the RRC walkers: a checked bit cursor ([`bits`]) and a
//! walk of whole values by a schema table generated from an ASN.1 module ([`schema`]).

#![forbid(unsafe_code)]

pub mod bits;
pub mod compile;
pub mod schema;
pub mod skip;
