//! pcap and pcapng reading, the GSMTAP v2 view, and a GSMTAP pcapng writer.
//!
//! [`PcapReader`] detects pcap or pcapng from content, follows each packet through its link
//! layer, IPv4/IPv6 and UDP to GSMTAP, and yields [`ReadItem`](stingwatch_model::ReadItem)s:
//! radio messages numbered as tshark numbers frames, and damaged regions with their offset.
//! [`PcapngWriter`] writes radio messages back as GSMTAP in pcapng, with packet comments.

#![forbid(unsafe_code)]

pub mod exported_pdu;
pub mod gsmtap;
pub mod gsmtapv3;
pub mod net;
mod reader;
mod window;
mod writer;

pub use reader::{
    detect_format, OpenError, PcapReader, MAX_BLOCK, MAX_INTERFACES, MAX_PCAP_RECORD,
};
pub use writer::{PcapngWriter, WRITER_SRC_PORT};
