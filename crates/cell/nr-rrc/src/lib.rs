//! NR RRC decoder: one PDU on a logical channel (or one container) in, the message name, the
//! fields detection needs ([`NrRrcSummary`]) and the embedded NAS PDUs out.
//!
//! Decoding is UPER over the types generated from TS 38.331 (`stingwatch-nr-rrc-asn1`).
//! Every input may come from a hostile transmitter: the size is bounded by [`MAX_NR_RRC_PDU`],
//! every failure is an [`NrRrcError`] value, and nothing here indexes or unwraps input-derived
//! data.

#![forbid(unsafe_code)]

pub mod build;
mod summary;

use std::fmt;

pub use stingwatch_model::NrRrcChannel;
use stingwatch_nr_rrc_asn1 as asn;
pub use summary::{
    CarrierPriority, NrPagingIdentity, NrRedirect, NrRrcSummary, Plmn, ReselectionPriorities,
};

/// Largest NR RRC PDU accepted, in bytes. A UE capability report with many band combinations
/// is the largest NR RRC message and stays well below this (TS 38.331 limits a DCCH PDU to
/// 9000 bytes before segmentation); anything bigger is refused before decoding, so memory and
/// time per message stay bounded.
pub const MAX_NR_RRC_PDU: usize = 9000;

/// A decoded NR RRC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NrRrcMessage {
    /// Channel or container the PDU was decoded as.
    pub channel: NrRrcChannel,
    /// The message as TS 38.331 names its CHOICE alternative, which is also what Wireshark
    /// shows (e.g. `rrcRelease`, `systemInformationBlockType1`, `mib`); for containers the
    /// type's own name in the same style (`rrcReconfiguration`, `radioBearerConfig`).
    pub name: &'static str,
    /// The fields detection reads.
    pub summary: NrRrcSummary,
    /// Every dedicatedNAS-Message the message carries, in order (5GS NAS, TS 24.501).
    pub nas_pdus: Vec<Vec<u8>>,
}

/// Why a PDU could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NrRrcError {
    /// The PDU has no bytes.
    Empty,
    /// The PDU is larger than [`MAX_NR_RRC_PDU`].
    TooLong {
        /// Length of the PDU in bytes.
        len: usize,
    },
    /// The bytes are not a valid UPER encoding of the channel's message type.
    Malformed {
        /// Channel the PDU was decoded on.
        channel: NrRrcChannel,
        /// What the UPER decoder reported.
        reason: String,
    },
}

impl fmt::Display for NrRrcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NrRrcError::Empty => f.write_str("empty NR RRC PDU"),
            NrRrcError::TooLong { len } => write!(
                f,
                "NR RRC PDU of {len} bytes exceeds the {MAX_NR_RRC_PDU}-byte limit"
            ),
            NrRrcError::Malformed { channel, reason } => {
                write!(f, "malformed NR RRC {} PDU: {reason}", channel.as_str())
            }
        }
    }
}

impl std::error::Error for NrRrcError {}

/// Decodes one NR RRC PDU received on `channel` (or logged as the container `channel` names).
///
/// Trailing bytes after the message (padding to the transport block) are ignored.
pub fn decode(channel: NrRrcChannel, bytes: &[u8]) -> Result<NrRrcMessage, NrRrcError> {
    if bytes.is_empty() {
        return Err(NrRrcError::Empty);
    }
    if bytes.len() > MAX_NR_RRC_PDU {
        return Err(NrRrcError::TooLong { len: bytes.len() });
    }
    let mut out = NrRrcMessage {
        channel,
        name: "",
        summary: NrRrcSummary::default(),
        nas_pdus: Vec::new(),
    };
    match channel {
        NrRrcChannel::BcchBch => {
            let m: asn::BCCHBCHMessage = uper(channel, bytes)?;
            summary::bcch_bch(&m.message, &mut out);
        }
        NrRrcChannel::BcchDlSch => {
            let m: asn::BCCHDLSCHMessage = uper(channel, bytes)?;
            summary::bcch_dl_sch(&m.message, &mut out);
        }
        NrRrcChannel::DlCcch => {
            let m: asn::DLCCCHMessage = uper(channel, bytes)?;
            summary::dl_ccch(&m.message, &mut out);
        }
        NrRrcChannel::DlDcch => {
            let m: asn::DLDCCHMessage = uper(channel, bytes)?;
            summary::dl_dcch(&m.message, &mut out);
        }
        NrRrcChannel::Pcch => {
            let m: asn::PCCHMessage = uper(channel, bytes)?;
            summary::pcch(&m.message, &mut out);
        }
        NrRrcChannel::UlCcch => {
            let m: asn::ULCCCHMessage = uper(channel, bytes)?;
            summary::ul_ccch(&m.message, &mut out);
        }
        NrRrcChannel::UlCcch1 => {
            let m: asn::ULCCCH1Message = uper(channel, bytes)?;
            out.name = match m.message {
                asn::ULCCCH1MessageType::c1(asn::ULCCCH1MessageTypeC1::rrcResumeRequest1(_)) => {
                    "rrcResumeRequest1"
                }
                asn::ULCCCH1MessageType::c1(_) => "spare",
                asn::ULCCCH1MessageType::messageClassExtension(_) => "messageClassExtension",
            };
        }
        NrRrcChannel::UlDcch => {
            let m: asn::ULDCCHMessage = uper(channel, bytes)?;
            summary::ul_dcch(&m.message, &mut out);
        }
        NrRrcChannel::RrcReconfiguration => {
            let m: asn::RRCReconfiguration = uper(channel, bytes)?;
            out.name = "rrcReconfiguration";
            summary::reconfiguration(&m, &mut out);
        }
        NrRrcChannel::RrcReconfigurationComplete => {
            let _m: asn::RRCReconfigurationComplete = uper(channel, bytes)?;
            out.name = "rrcReconfigurationComplete";
        }
        NrRrcChannel::CellGroupConfig => {
            let m: asn::CellGroupConfig = uper(channel, bytes)?;
            out.name = "cellGroupConfig";
            summary::cell_group(&m, &mut out.summary);
        }
        NrRrcChannel::RadioBearerConfig => {
            let _m: asn::RadioBearerConfig = uper(channel, bytes)?;
            out.name = "radioBearerConfig";
        }
    }
    Ok(out)
}

/// UPER-decodes `T`, ignoring trailing padding.
fn uper<T: asn::Uper>(channel: NrRrcChannel, bytes: &[u8]) -> Result<T, NrRrcError> {
    T::decode_uper(bytes).map_err(|e| NrRrcError::Malformed {
        channel,
        reason: first_line(&e.to_string()),
    })
}

/// The decoder's error text can span lines (with a backtrace note); reports want one line.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}
