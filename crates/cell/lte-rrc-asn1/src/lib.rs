//! LTE RRC ASN.1 types (3GPP TS 36.331 Release 18) with UPER encoders and decoders.
//!
//! Everything in `generated.rs` is produced by `scripts/regen-lte-rrc` and never edited by
//! hand. One deliberate difference from the specification: components declared
//! `DEFAULT <enumerated value>` are generated as `Option` (absent means the default), because
//! the generator cannot express those defaults. The bits on the wire are identical.
//!
//! [`Uper`] is the way in: it is implemented here, non-generically, for the top-level
//! message types and the nested extension containers, so the UPER codec for the whole message
//! tree is compiled once in this crate instead of in every crate that decodes.

#![forbid(unsafe_code)]
// Generated code: names follow the ASN.1 module, and lints are not worth fixing by hand.
#![allow(clippy::all, clippy::pedantic, missing_docs, unused)]

mod generated;

pub use generated::eutra_rrc_definitions::*;
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

uper_types!(
    BCCHBCHMessage,
    BCCHBCHMessageMBMS,
    BCCHDLSCHMessage,
    BCCHDLSCHMessageBR,
    BCCHDLSCHMessageMBMS,
    PCCHMessage,
    DLCCCHMessage,
    DLDCCHMessage,
    ULCCCHMessage,
    ULDCCHMessage,
    MCCHMessage,
    SCMCCHMessageR13,
    // Containers carried as OCTET STRING in lateNonCriticalExtension.
    SystemInformationBlockType1V8h0IEs,
    SystemInformationBlockType5V8h0IEs,
    RRCConnectionReleaseV9e0IEs,
);
