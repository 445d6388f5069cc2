//! EPS NAS (3GPP TS 24.301) decoder and builder.
//!
//! [`decode`] reads one NAS PDU, plain or security protected, and returns a [`NasMessage`]:
//! its security header, protocol, name (every EMM and ESM message type of TS 24.301), the
//! fields detection needs ([`NasFields`]), the message inside an integrity-protected
//! header or an ESM message container, and an error string when something could not be read.
//! Decoding never fails as a whole: a PDU that stops early still yields what was read.
//!
//! [`build`] encodes the plain messages a scenario needs, and wraps them in a security
//! header.

#![forbid(unsafe_code)]

pub mod build;
pub mod header;
pub mod ie;
mod message;
pub mod reader;
pub mod tables;
mod text;

pub use header::{NasPdu, ProtocolDiscriminator, SecurityHeaderType};
pub use ie::{
    Coded, Guti, IdentityCoding, IdentityKind, IdentityType, MobileIdentity, Plmn,
    SecurityAlgorithms, SecurityCapabilities, TaiListEntry, TimerValue,
};
pub use message::{decode, decode_with_direction, NasFields, NasMessage};
pub use text::network_name;
