//! pcapng writer: one section, one raw-IPv4 interface with microsecond timestamps, and one
//! Enhanced Packet Block per radio message as IPv4/UDP/GSMTAP v2, with optional comments.
//!
//! GSMTAP v2 has no type for NR RRC, so NR RRC messages go on a second interface of link
//! type 252 (Wireshark's exported PDU) whose dissector-name tag names the NR RRC type, which
//! stock Wireshark and tshark decode. That interface is described when the first NR message
//! is written, so files without NR are unchanged. 5GS NAS, which GSMTAP v2 has no type for
//! either, goes on the same interface under the `nas-5gs` dissector.

use std::io::{self, Write};

use stingwatch_model::{Direction, NrRrcChannel, PayloadKind, RadioMessage};

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
/// Interface of GSMTAP packets.
const IF_GSMTAP: u32 = 0;
/// Interface of exported PDUs (NR RRC, 5GS NAS).
const IF_EXPORTED_PDU: u32 = 1;

/// Writes radio messages as GSMTAP over IPv4/UDP into a little-endian pcapng stream.
#[derive(Debug)]
pub struct PcapngWriter<W: Write> {
    out: W,
    packets: u64,
    /// The exported-PDU interface has been described.
    exported_pdu_interface: bool,
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

/// An Interface Description Block of `link_type`, microsecond timestamps, no snapshot limit.
fn interface_block(link_type: u16) -> io::Result<Vec<u8>> {
    let mut idb = Vec::new();
    idb.extend_from_slice(&link_type.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes());
    push_option(&mut idb, OPT_IF_TSRESOL, &[TSRESOL_MICROS])?;
    push_option(&mut idb, OPT_ENDOFOPT, &[])?;
    block(IDB_TYPE, &idb)
}

/// UL-DCCH-Message bits before a c1 alternative: the c1 choice (1 bit, 0) and
/// rrcReconfigurationComplete's index among 16 alternatives (4 bits, 1).
const UL_DCCH_RECONFIGURATION_COMPLETE_PREFIX: (u8, u32) = (0b0_0001, 5);

/// An exported-PDU packet carrying one NR RRC PDU, tagged with the dissector that reads it.
///
/// Wireshark has no dissector for a lone RRCReconfigurationComplete (EN-DC carries it inside
/// LTE RRC), so that one is written as the UL-DCCH-Message holding it: in UPER a CHOICE adds
/// only its index bits in front of the alternative, so the message is those five bits followed
/// by the logged PDU's bits, shifted.
fn exported_nr_rrc(channel: NrRrcChannel, pdu: &[u8]) -> io::Result<Vec<u8>> {
    let (name, body) = match channel.dissector() {
        Some(name) => (name, pdu.to_vec()),
        None => (
            "nr-rrc.ul.dcch",
            prefix_bits(UL_DCCH_RECONFIGURATION_COMPLETE_PREFIX, pdu),
        ),
    };
    let mut packet = Vec::with_capacity(12 + name.len() + body.len());
    exported_pdu::emit(name, Direction::Unknown, &body, &mut packet);
    Ok(packet)
}

/// `bits` (value, count of its low bits, at most 8) followed by every bit of `data`, padded
/// with zero bits to whole bytes.
fn prefix_bits((value, count): (u8, u32), data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 1);
    let mut acc: u16 = u16::from(value) & ((1 << count) - 1);
    let mut held = count;
    for &b in data {
        acc = (acc << 8) | u16::from(b);
        held += 8;
        while held >= 8 {
            held -= 8;
            out.push((acc >> held) as u8);
        }
        acc &= (1 << held) - 1;
    }
    if held > 0 {
        out.push((acc << (8 - held)) as u8);
    }
    out
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
            exported_pdu_interface: false,
        })
    }

    /// Write one message as an Enhanced Packet Block, with `comments` as packet comments.
    ///
    /// The GSMTAP header comes from the message's kind, direction and ARFCN (see
    /// [`GsmtapRepr::for_payload`]). A message without a time, or before 1970, is stamped 0.
    /// Fails with `InvalidInput` when the payload does not fit one IPv4 datagram or a comment
    /// exceeds 65535 bytes; nothing is written then.
    pub fn write_message(&mut self, message: &RadioMessage, comments: &[&str]) -> io::Result<()> {
        if let PayloadKind::NrRrc { channel } = message.kind {
            self.declare_exported_pdu_interface()?;
            let packet = exported_nr_rrc(channel, &message.payload)?;
            return self.write_packet(IF_EXPORTED_PDU, message, &packet, comments);
        }
        if message.kind == PayloadKind::NrNas {
            self.declare_exported_pdu_interface()?;
            let mut packet = Vec::with_capacity(message.payload.len() + 24);
            exported_pdu::emit(
                exported_pdu::NAS_5GS_DISSECTOR,
                message.direction,
                &message.payload,
                &mut packet,
            );
            return self.write_packet(IF_EXPORTED_PDU, message, &packet, comments);
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
        self.write_packet(IF_GSMTAP, message, &packet, comments)
    }

    /// Writes `packet` as an Enhanced Packet Block on `interface`, stamped with the time of
    /// `message`.
    /// Describes the exported-PDU interface before its first packet.
    fn declare_exported_pdu_interface(&mut self) -> io::Result<()> {
        if !self.exported_pdu_interface {
            self.out
                .write_all(&interface_block(exported_pdu::LINKTYPE as u16)?)?;
            self.exported_pdu_interface = true;
        }
        Ok(())
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
        let caplen = packet.len() as u32;
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

    /// The sink written so far (e.g. to see how large an in-memory capture has grown).
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Flush and return the output.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bits_shifts_the_pdu_behind_the_choice_bits() {
        // 00001 then 0x00: 0000_1000 0000_0000 -> 0x08 0x00 (padded).
        assert_eq!(prefix_bits((0b00001, 5), &[0x00]), vec![0x08, 0x00]);
        // 00001 then 0xff 0x80: 00001111 11111100 00000000.
        assert_eq!(
            prefix_bits((0b00001, 5), &[0xff, 0x80]),
            vec![0x0f, 0xfc, 0x00]
        );
        assert_eq!(prefix_bits((0b1, 1), &[]), vec![0x80]);
    }

    #[test]
    fn nr_rrc_goes_on_a_second_exported_pdu_interface() {
        use stingwatch_model::{Direction, RadioContext, Rat};
        let msg = |kind| RadioMessage {
            packet: 1,
            offset: 0,
            time: None,
            direction: Direction::Downlink,
            rat: Rat::Nr,
            kind,
            context: RadioContext::default(),
            payload: vec![0x6b, 0x65, 0xa4, 0x60],
        };
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        let nr = PayloadKind::NrRrc {
            channel: NrRrcChannel::BcchBch,
        };
        w.write_message(&msg(nr), &[]).unwrap();
        w.write_message(&msg(nr), &[]).unwrap();
        let out = w.into_inner().unwrap();
        // Walk the blocks: two interfaces (the second of link type 252, described once) and
        // both NR packets on interface 1.
        let (mut at, mut link_types, mut packet_ifaces) = (0usize, Vec::new(), Vec::new());
        while at + 12 <= out.len() {
            let word = |o: usize| u32::from_le_bytes(out[o..o + 4].try_into().unwrap());
            let (ty, len) = (word(at), word(at + 4) as usize);
            if ty == IDB_TYPE {
                link_types.push(u16::from_le_bytes([out[at + 8], out[at + 9]]));
            }
            if ty == EPB_TYPE {
                packet_ifaces.push(word(at + 8));
            }
            at += len;
        }
        assert_eq!(link_types, vec![linktype::IPV4 as u16, 252]);
        assert_eq!(packet_ifaces, vec![IF_EXPORTED_PDU; 2]);
        let tag = b"nr-rrc.bcch.bch";
        assert_eq!(out.windows(tag.len()).filter(|w| *w == tag).count(), 2);
        let packet = exported_nr_rrc(NrRrcChannel::RrcReconfigurationComplete, &[0]).unwrap();
        assert!(packet.windows(14).any(|w| w == b"nr-rrc.ul.dcch"));
        assert_eq!(packet.last_chunk::<2>(), Some(&[0x08, 0x00]));
    }
}
