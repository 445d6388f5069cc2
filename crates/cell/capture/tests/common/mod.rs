//! Helpers shared by the integration tests: reading a whole input, running tshark,
//! building GSMTAP packets and capture files by hand.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use stingwatch_capture::gsmtap::{GsmtapHeader, GsmtapRepr, HEADER_LEN, UDP_PORT};
use stingwatch_capture::{net, PcapReader};
use stingwatch_model::{Damage, RadioMessage, ReadItem, ReadSummary};

/// Everything a reader yields for `bytes`, split into messages and damage, plus its summary.
pub struct ReadAll {
    pub messages: Vec<RadioMessage>,
    pub damage: Vec<Damage>,
    pub items: Vec<ReadItem>,
    pub summary: ReadSummary,
}

pub fn read_all(bytes: &[u8]) -> ReadAll {
    let mut reader = PcapReader::new(bytes).expect("recognised capture");
    let items: Vec<ReadItem> = reader.by_ref().collect();
    let mut messages = Vec::new();
    let mut damage = Vec::new();
    for item in &items {
        match item {
            ReadItem::Message(m) => messages.push(m.clone()),
            ReadItem::Damage(d) => damage.push(d.clone()),
            ReadItem::Measurement(_) => {}
        }
    }
    ReadAll {
        messages,
        damage,
        items,
        summary: reader.summary().clone(),
    }
}

/// Run tshark with `args` and return its standard output (stderr is dropped).
pub fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tshark prints UTF-8")
}

/// A fresh path under the system temporary folder for this test process.
pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stingwatch-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

pub fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// `seconds.fraction` as tshark prints frame.time_epoch, in microseconds.
pub fn epoch_micros(s: &str) -> i64 {
    let (secs, frac) = s.split_once('.').unwrap_or((s, "0"));
    let mut frac = frac.to_string();
    frac.truncate(6);
    while frac.len() < 6 {
        frac.push('0');
    }
    secs.parse::<i64>().expect("seconds") * 1_000_000 + frac.parse::<i64>().expect("micros")
}

/// IPv4/UDP/GSMTAP bytes for a GSMTAP header and payload.
pub fn ipv4_gsmtap(repr: &GsmtapRepr, payload: &[u8]) -> Vec<u8> {
    let mut header = [0u8; HEADER_LEN];
    repr.emit(&mut GsmtapHeader::new_unchecked(&mut header[..]))
        .expect("emit");
    let mut out = Vec::new();
    net::emit_ipv4_udp(&mut out, 1, 40000, UDP_PORT, &[&header, payload]).expect("fits");
    out
}

/// IPv4/UDP/GSMTAP bytes for a radio message, as the writer would send it.
pub fn message_packet(m: &RadioMessage) -> Vec<u8> {
    let repr = GsmtapRepr::for_payload(m.kind, m.direction, m.context.arfcn, &m.payload);
    ipv4_gsmtap(&repr, &m.payload)
}

/// Byte-order aware builder of capture files.
pub struct Bytes {
    pub out: Vec<u8>,
    pub big_endian: bool,
}

impl Bytes {
    pub fn new(big_endian: bool) -> Self {
        Bytes {
            out: Vec::new(),
            big_endian,
        }
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
        self
    }
    pub fn raw(&mut self, v: &[u8]) -> &mut Self {
        self.out.extend_from_slice(v);
        self
    }
    pub fn pad4(&mut self) -> &mut Self {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
        self
    }
}

/// Legacy pcap file header.
pub fn pcap_header(big_endian: bool, nanos: bool, linktype: u32) -> Vec<u8> {
    let mut b = Bytes::new(big_endian);
    b.u32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 })
        .u16(2)
        .u16(4)
        .u32(0)
        .u32(0)
        .u32(65535)
        .u32(linktype);
    b.out
}

/// Legacy pcap record.
pub fn pcap_record(big_endian: bool, secs: u32, frac: u32, data: &[u8]) -> Vec<u8> {
    let mut b = Bytes::new(big_endian);
    b.u32(secs)
        .u32(frac)
        .u32(data.len() as u32)
        .u32(data.len() as u32)
        .raw(data);
    b.out
}

/// A pcapng block of `block_type` around `body` (body padded to 4 bytes).
pub fn ng_block(big_endian: bool, block_type: u32, body: &[u8]) -> Vec<u8> {
    let mut padded = body.to_vec();
    while !padded.len().is_multiple_of(4) {
        padded.push(0);
    }
    let len = padded.len() as u32 + 12;
    let mut b = Bytes::new(big_endian);
    b.u32(block_type).u32(len).raw(&padded).u32(len);
    b.out
}

pub fn ng_shb(big_endian: bool) -> Vec<u8> {
    let mut body = Bytes::new(big_endian);
    body.u32(0x1a2b_3c4d)
        .u16(1)
        .u16(0)
        .u32(0xffff_ffff)
        .u32(0xffff_ffff);
    ng_block(big_endian, 0x0a0d_0d0a, &body.out)
}

/// Interface Description Block, with an if_tsresol option when given.
pub fn ng_idb(big_endian: bool, linktype: u16, tsresol: Option<u8>) -> Vec<u8> {
    let mut body = Bytes::new(big_endian);
    body.u16(linktype).u16(0).u32(0);
    if let Some(r) = tsresol {
        body.u16(9).u16(1).raw(&[r, 0, 0, 0]).u16(0).u16(0);
    }
    ng_block(big_endian, 1, &body.out)
}

/// Enhanced Packet Block with a 64-bit timestamp in the interface's units.
pub fn ng_epb(big_endian: bool, if_id: u32, ts: u64, data: &[u8]) -> Vec<u8> {
    let mut body = Bytes::new(big_endian);
    body.u32(if_id)
        .u32((ts >> 32) as u32)
        .u32(ts as u32)
        .u32(data.len() as u32)
        .u32(data.len() as u32)
        .raw(data)
        .pad4();
    ng_block(big_endian, 6, &body.out)
}

/// The real recordings, or an empty list (skipped) outside CI when ../shared is missing.
pub fn rayhunter_pcaps() -> Vec<PathBuf> {
    stingwatch_testsupport::shared_captures("rayhunter-traces", "pcap")
}

pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
