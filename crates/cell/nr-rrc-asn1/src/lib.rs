//! NR RRC ASN.1 types (3GPP TS 38.331 Release 18) with UPER encoders and decoders.
//!
//! Everything in `generated.rs` is produced by `scripts/regen-nr-rrc` and never edited by
//! hand. Two deliberate differences from the specification: components declared
//! `DEFAULT <enumerated value>` are generated as `Option` (absent means the default), because
//! the generator cannot express those defaults (the bits on the wire are identical); and only
//! the types that the roots below reach are generated, to keep the crate's build small.
//!
//! [`Uper`] is the way in: it is implemented here, non-generically, for the top-level
//! message types and the containers other messages carry, so the UPER codec for the whole
//! message tree is compiled once in this crate instead of in every crate that decodes.

#![forbid(unsafe_code)]
// Generated code: names follow the ASN.1 module, and lints are not worth fixing by hand.
#![allow(clippy::all, clippy::pedantic, missing_docs, unused)]

mod generated;

pub use generated::nr_rrc_definitions::*;
pub use rasn;

/// UPER encoding and decoding of one ASN.1 type.
pub trait Uper: Sized {
    /// Decodes a value from the start of `bytes`; trailing bytes (padding) are ignored.
    fn decode_uper(bytes: &[u8]) -> Result<Self, rasn::error::DecodeError>;
    /// Encodes the value (canonical UPER, padded to whole bytes).
    fn encode_uper(&self) -> Result<Vec<u8>, rasn::error::EncodeError>;
}

macro_rules! uper_types {
    ($($t:ty),* $(,)?) => {$(
        impl Uper for $t {
            fn decode_uper(bytes: &[u8]) -> Result<Self, rasn::error::DecodeError> {
                rasn::uper::decode_with_remainder::<$t>(bytes).map(|(v, _)| v)
            }
            fn encode_uper(&self) -> Result<Vec<u8>, rasn::error::EncodeError> {
                rasn::uper::encode(self)
            }
        }
    )*};
}

// The roots of scripts/regen-rrc (the generated types are those these reach), and the
// containers carried as OCTET STRING: a SIB1 or SystemInformation delivered in a
// reconfiguration, the reconfiguration completion E-UTRA RRC carries for EN-DC.
uper_types!(
    BCCHBCHMessage,
    BCCHDLSCHMessage,
    DLCCCHMessage,
    DLDCCHMessage,
    PCCHMessage,
    ULCCCHMessage,
    ULCCCH1Message,
    ULDCCHMessage,
    RRCReconfiguration,
    RRCReconfigurationComplete,
    CellGroupConfig,
    RadioBearerConfig,
    SIB1,
    SystemInformation,
);
