//! pcapng writer: one section, one raw-IPv4 interface with microsecond timestamps, and one
//! Enhanced Packet Block per radio message as IPv4/UDP/GSMTAP v2, with optional comments.
//! GSMTAP v2 has no type for 5GS NAS: those messages go on a second interface as Wireshark
//! exported PDUs (link type 252, dissector `nas-5gs`), declared when the first one is written.

use std::io::{self, Write};

use stingwatch_model::{PayloadKind, RadioMessage};

use crate::exported_pdu;
use crate::gsmtap::{self, GsmtapHeader, GsmtapRepr};
use crate::net::{self, linktype};
use crate::reader::MAX_BLOCK;

/// UDP source port of written GSMTAP datagrams (any port works; readers key on 4729).
pub const WRITER_SRC_PORT: u16 = 13337;

const SHB_TYPE: u32 = 0x0a0d_0d0a;
const IDB_TYPE: u32 = 1;
const EPB_TYPE: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const OPT_ENDOFOPT: u16 = 0;
const OPT_COMMENT: u16 = 1;
const OPT_SHB_USERAPPL: u16 = 4;
const OPT_IF_TSRESOL: u16 = 9;
/// Microseconds: 10^-6 s.
const TSRESOL_MICROS: u8 = 6;
const EPB_FIXED_LEN: usize = 32;

/// Writes radio messages as GSMTAP over IPv4/UDP into a little-endian pcapng stream.
#[derive(Debug)]
pub struct PcapngWriter<W: Write> {
    out: W,
    packets: u64,
    /// The exported-PDU interface (id 1) has been declared.
    exported_interface: bool,
}

/// Interface id of the raw-IPv4 (GSMTAP) interface.
const GSMTAP_INTERFACE: u32 = 0;
/// Interface id of the exported-PDU interface.
const EXPORTED_INTERFACE: u32 = 1;

fn interface_block(linktype: u16) -> io::Result<Vec<u8>> {
    let mut idb = Vec::new();
    idb.extend_from_slice(&linktype.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    // Snapshot length 0: no limit.
    idb.extend_from_slice(&0u32.to_le_bytes());
    push_option(&mut idb, OPT_IF_TSRESOL, &[TSRESOL_MICROS])?;
    push_option(&mut idb, OPT_ENDOFOPT, &[])?;
    block(IDB_TYPE, &idb)
}

fn push_option(block: &mut Vec<u8>, code: u16, value: &[u8]) -> io::Result<()> {
    let len = u16::try_from(value.len())
        .map_err(|_| invalid("pcapng option value longer than 65535 bytes"))?;
    block.extend_from_slice(&code.to_le_bytes());
    block.extend_from_slice(&len.to_le_bytes());
    block.extend_from_slice(value);
    pad_to_4(block);
    Ok(())
}

fn pad_to_4(block: &mut Vec<u8>) {
    while !block.len().is_multiple_of(4) {
        block.push(0);
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

/// Frame `body` (everything between the length fields) as a block of `block_type`.
fn block(block_type: u32, body: &[u8]) -> io::Result<Vec<u8>> {
    let len = body.len() + 12;
    if len > MAX_BLOCK {
        return Err(invalid("pcapng block would exceed the maximum block size"));
    }
    let len32 = len as u32;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&len32.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&len32.to_le_bytes());
    Ok(out)
}

impl<W: Write> PcapngWriter<W> {
    /// Start a pcapng stream on `out`: writes the section header and the interface.
    pub fn new(mut out: W) -> io::Result<PcapngWriter<W>> {
        let mut shb = Vec::new();
        shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        // Section length not known in advance.
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        push_option(&mut shb, OPT_SHB_USERAPPL, b"stingwatch")?;
        push_option(&mut shb, OPT_ENDOFOPT, &[])?;
        out.write_all(&block(SHB_TYPE, &shb)?)?;

        out.write_all(&interface_block(linktype::IPV4 as u16)?)?;
        Ok(PcapngWriter {
            out,
            packets: 0,
            exported_interface: false,
        })
    }

    /// Write one message as an Enhanced Packet Block, with `comments` as packet comments.
    ///
    /// The GSMTAP header comes from the message's kind, direction and ARFCN (see
    /// [`GsmtapRepr::for_payload`]). A message without a time, or before 1970, is stamped 0.
    /// Fails with `InvalidInput` when the payload does not fit one IPv4 datagram or a comment
    /// exceeds 65535 bytes; nothing is written then.
    pub fn write_message(&mut self, message: &RadioMessage, comments: &[&str]) -> io::Result<()> {
        if message.kind == PayloadKind::NrNas {
            if !self.exported_interface {
                self.out
                    .write_all(&interface_block(exported_pdu::LINKTYPE as u16)?)?;
                self.exported_interface = true;
            }
            let mut packet = Vec::with_capacity(message.payload.len() + 16);
            exported_pdu::emit(
                exported_pdu::NAS_5GS_DISSECTOR,
                message.direction,
                &message.payload,
                &mut packet,
            );
            return self.write_packet(EXPORTED_INTERFACE, message, &packet, comments);
        }
        let repr = GsmtapRepr::for_payload(
            message.kind,
            message.direction,
            message.context.arfcn,
            &message.payload,
        );
        let mut header = [0u8; gsmtap::HEADER_LEN];
        repr.emit(&mut GsmtapHeader::new_unchecked(&mut header[..]))
            .map_err(|e| invalid(&e.to_string()))?;
        let mut packet = Vec::with_capacity(
            net::IPV4_HEADER_LEN + net::UDP_HEADER_LEN + header.len() + message.payload.len(),
        );
        net::emit_ipv4_udp(
            &mut packet,
            self.packets as u16,
            WRITER_SRC_PORT,
            gsmtap::UDP_PORT,
            &[&header, &message.payload],
        )
        .ok_or_else(|| invalid("payload too large for one IPv4 datagram"))?;
        self.write_packet(GSMTAP_INTERFACE, message, &packet, comments)
    }

    /// One Enhanced Packet Block of `packet` on `interface`.
    fn write_packet(
        &mut self,
        interface: u32,
        message: &RadioMessage,
        packet: &[u8],
        comments: &[&str],
    ) -> io::Result<()> {
        let micros = message.time.map_or(0, |t| t.unix_micros()).max(0) as u64;
        let caplen = u32::try_from(packet.len())
            .map_err(|_| invalid("packet longer than a pcapng block can hold"))?;
        let mut body = Vec::with_capacity(EPB_FIXED_LEN + packet.len() + 8);
        body.extend_from_slice(&interface.to_le_bytes());
        body.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(micros as u32).to_le_bytes());
        body.extend_from_slice(&caplen.to_le_bytes());
        body.extend_from_slice(&caplen.to_le_bytes());
        body.extend_from_slice(packet);
        pad_to_4(&mut body);
        for comment in comments {
            push_option(&mut body, OPT_COMMENT, comment.as_bytes())?;
        }
        if !comments.is_empty() {
            push_option(&mut body, OPT_ENDOFOPT, &[])?;
        }
        self.out.write_all(&block(EPB_TYPE, &body)?)?;
        self.packets += 1;
        Ok(())
    }

    /// Number of messages written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    /// Flush the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flush and return the output.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
