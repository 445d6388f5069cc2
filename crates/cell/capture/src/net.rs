//! The network layers between a capture's link type and GSMTAP: link headers (Ethernet with
//! VLAN tags, Linux cooked SLL and SLL2, raw IP), IPv4, IPv6 and UDP views, and the IPv4/UDP
//! emitter the writer uses.

use std::fmt;

/// Link-layer header types (pcap `network` / pcapng IDB `linktype`) this module reads.
pub mod linktype {
    /// Ethernet II (with optional 802.1Q / 802.1ad tags).
    pub const ETHERNET: u32 = 1;
    /// Raw IP on some platforms (DLT_RAW value of older BSDs).
    pub const RAW_12: u32 = 12;
    /// Raw IP on some platforms (DLT_RAW value of OpenBSD).
    pub const RAW_14: u32 = 14;
    /// Raw IP, version from the first nibble.
    pub const RAW: u32 = 101;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: u32 = 276;
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const IP_PROTOCOL_UDP: u8 = 17;
/// VLAN tags followed before giving up (802.1ad stacks two; more is not seen in practice).
const MAX_VLAN_TAGS: usize = 4;

/// What a captured packet turned out to carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport<'a> {
    /// A UDP datagram: ports and payload.
    Udp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Datagram payload, trimmed to the UDP length.
        payload: &'a [u8],
    },
    /// An intact packet that is not UDP over IP, with a description for the read summary.
    NotUdp(String),
}

/// A packet whose headers contradict themselves or the captured length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedPacket(pub String);

impl fmt::Display for MalformedPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn malformed<T>(what: impl Into<String>) -> Result<T, MalformedPacket> {
    Err(MalformedPacket(what.into()))
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

/// Follow the link layer of `linktype` down to UDP.
pub fn transport(linktype: u32, data: &[u8]) -> Result<Transport<'_>, MalformedPacket> {
    match linktype {
        linktype::IPV4 => ipv4(data),
        linktype::IPV6 => ipv6(data),
        linktype::RAW | linktype::RAW_12 | linktype::RAW_14 => raw_ip(data),
        linktype::ETHERNET => ethernet(data),
        linktype::LINUX_SLL => {
            const SLL_HEADER_LEN: usize = 16;
            let Some(protocol) = be16(data, 14) else {
                return malformed("truncated linux cooked header");
            };
            by_ethertype(protocol, data.get(SLL_HEADER_LEN..).unwrap_or(&[]))
        }
        linktype::LINUX_SLL2 => {
            const SLL2_HEADER_LEN: usize = 20;
            if data.len() < SLL2_HEADER_LEN {
                return malformed("truncated linux cooked v2 header");
            }
            let protocol = be16(data, 0).unwrap_or(0);
            by_ethertype(protocol, data.get(SLL2_HEADER_LEN..).unwrap_or(&[]))
        }
        other => Ok(Transport::NotUdp(format!("linktype {other}"))),
    }
}

fn raw_ip(data: &[u8]) -> Result<Transport<'_>, MalformedPacket> {
    match data.first().map(|b| b >> 4) {
        Some(4) => ipv4(data),
        Some(6) => ipv6(data),
        Some(v) => malformed(format!("raw IP packet with version {v}")),
        None => malformed("empty raw IP packet"),
    }
}

fn ethernet(data: &[u8]) -> Result<Transport<'_>, MalformedPacket> {
    let mut at = 12;
    for _ in 0..=MAX_VLAN_TAGS {
        let Some(ethertype) = be16(data, at) else {
            return malformed("truncated ethernet header");
        };
        if ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ {
            at += 4;
            continue;
        }
        return by_ethertype(ethertype, data.get(at + 2..).unwrap_or(&[]));
    }
    Ok(Transport::NotUdp("ethernet with too many vlan tags".into()))
}

fn by_ethertype(ethertype: u16, data: &[u8]) -> Result<Transport<'_>, MalformedPacket> {
    match ethertype {
        ETHERTYPE_IPV4 => ipv4(data),
        ETHERTYPE_IPV6 => ipv6(data),
        other => Ok(Transport::NotUdp(format!("ethertype 0x{other:04x}"))),
    }
}

/// Byte offsets of IPv4 header fields.
mod ipv4_field {
    pub const VER_IHL: usize = 0;
    pub const TOTAL_LEN: usize = 2;
    pub const FLAGS_FRAG: usize = 6;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
}

/// Length of an IPv4 header without options.
pub const IPV4_HEADER_LEN: usize = 20;
/// Length of a UDP header.
pub const UDP_HEADER_LEN: usize = 8;
const IPV6_HEADER_LEN: usize = 40;

fn ipv4(data: &[u8]) -> Result<Transport<'_>, MalformedPacket> {
    let Some(&ver_ihl) = data.get(ipv4_field::VER_IHL) else {
        return malformed("empty IPv4 packet");
    };
    if ver_ihl >> 4 != 4 {
        return malformed(format!("IPv4 header with version {}", ver_ihl >> 4));
    }
    let header_len = usize::from(ver_ihl & 0x0f) * 4;
    if header_len < IPV4_HEADER_LEN {
        return malformed(format!("IPv4 header length {header_len} below 20"));
    }
    if data.len() < header_len {
        return malformed("truncated IPv4 header");
    }
    let total_len = usize::from(be16(data, ipv4_field::TOTAL_LEN).unwrap_or(0));
    if total_len < header_len {
        return malformed(format!(
            "IPv4 total length {total_len} below header length {header_len}"
        ));
    }
    let Some(packet) = data.get(..total_len) else {
        return malformed(format!(
            "IPv4 total length {total_len} exceeds the {} captured bytes",
            data.len()
        ));
    };
    let flags_frag = be16(data, ipv4_field::FLAGS_FRAG).unwrap_or(0);
    let more_fragments = flags_frag & 0x2000 != 0;
    if more_fragments || flags_frag & 0x1fff != 0 {
        return Ok(Transport::NotUdp("ipv4 fragment".into()));
    }
    let protocol = data.get(ipv4_field::PROTOCOL).copied().unwrap_or(0);
    let body = packet.get(header_len..).unwrap_or(&[]);
    if protocol != IP_PROTOCOL_UDP {
        return Ok(Transport::NotUdp(format!("ip protocol {protocol}")));
    }
    udp(body)
}

fn ipv6(data: &[u8]) -> Result<Transport<'_>, MalformedPacket> {
    if data.len() < IPV6_HEADER_LEN {
        return malformed("truncated IPv6 header");
    }
    if data.first().map(|b| b >> 4) != Some(6) {
        return malformed("IPv6 header with wrong version");
    }
    let payload_len = usize::from(be16(data, 4).unwrap_or(0));
    let next_header = data.get(6).copied().unwrap_or(0);
    let Some(body) = data.get(IPV6_HEADER_LEN..IPV6_HEADER_LEN + payload_len) else {
        return malformed(format!(
            "IPv6 payload length {payload_len} exceeds the {} captured bytes",
            data.len() - IPV6_HEADER_LEN
        ));
    };
    if next_header != IP_PROTOCOL_UDP {
        return Ok(Transport::NotUdp(format!("ipv6 next header {next_header}")));
    }
    udp(body)
}

fn udp(data: &[u8]) -> Result<Transport<'_>, MalformedPacket> {
    let (Some(src_port), Some(dst_port), Some(len)) = (be16(data, 0), be16(data, 2), be16(data, 4))
    else {
        return malformed("truncated UDP header");
    };
    let len = usize::from(len);
    if len < UDP_HEADER_LEN {
        return malformed(format!("UDP length {len} below 8"));
    }
    let Some(payload) = data.get(UDP_HEADER_LEN..len) else {
        return malformed(format!(
            "UDP length {len} exceeds the {} bytes the IP layer carries",
            data.len()
        ));
    };
    Ok(Transport::Udp {
        src_port,
        dst_port,
        payload,
    })
}

/// Internet checksum (RFC 1071) over `data`, continuing from a partial `sum`.
fn ones_complement_sum(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        if let [hi, lo] = pair {
            sum = sum.wrapping_add(u32::from(u16::from_be_bytes([*hi, *lo])));
        }
    }
    if let [last] = chunks.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    sum
}

fn fold_checksum(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Loopback address the writer sends its synthetic GSMTAP datagrams from and to.
pub const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

/// Append an IPv4 header and UDP header (both with correct checksums) and `payload` to `out`.
///
/// Returns `None` (appending nothing) when the datagram would exceed the IPv4 maximum size.
pub fn emit_ipv4_udp(
    out: &mut Vec<u8>,
    identification: u16,
    src_port: u16,
    dst_port: u16,
    payload: &[&[u8]],
) -> Option<()> {
    let payload_len = payload
        .iter()
        .map(|p| p.len())
        .try_fold(0usize, usize::checked_add)?;
    let udp_len = u16::try_from(payload_len.checked_add(UDP_HEADER_LEN)?).ok()?;
    let total_len = udp_len.checked_add(IPV4_HEADER_LEN as u16)?;

    let mut ip = [0u8; IPV4_HEADER_LEN];
    ip[ipv4_field::VER_IHL] = 0x45;
    ip[ipv4_field::TOTAL_LEN..ipv4_field::TOTAL_LEN + 2].copy_from_slice(&total_len.to_be_bytes());
    ip[4..6].copy_from_slice(&identification.to_be_bytes());
    // Don't fragment; a GSMTAP datagram is always sent whole.
    ip[ipv4_field::FLAGS_FRAG] = 0x40;
    ip[8] = 64;
    ip[ipv4_field::PROTOCOL] = IP_PROTOCOL_UDP;
    ip[ipv4_field::SRC..ipv4_field::SRC + 4].copy_from_slice(&LOOPBACK);
    ip[ipv4_field::DST..ipv4_field::DST + 4].copy_from_slice(&LOOPBACK);
    let checksum = fold_checksum(ones_complement_sum(0, &ip));
    ip[ipv4_field::CHECKSUM..ipv4_field::CHECKSUM + 2].copy_from_slice(&checksum.to_be_bytes());

    let mut udp = [0u8; UDP_HEADER_LEN];
    udp[0..2].copy_from_slice(&src_port.to_be_bytes());
    udp[2..4].copy_from_slice(&dst_port.to_be_bytes());
    udp[4..6].copy_from_slice(&udp_len.to_be_bytes());
    // Pseudo-header: source, destination, zero + protocol, UDP length.
    let mut sum = ones_complement_sum(0, &LOOPBACK);
    sum = ones_complement_sum(sum, &LOOPBACK);
    sum = sum.wrapping_add(u32::from(IP_PROTOCOL_UDP));
    sum = sum.wrapping_add(u32::from(udp_len));
    sum = ones_complement_sum(sum, &udp);
    // Parts are summed in order; an odd-length part would shift the byte pairing after it.
    let mut carry: Option<u8> = None;
    for part in payload {
        let mut bytes = part.iter();
        if let Some(hi) = carry.take() {
            if let Some(lo) = bytes.next() {
                sum = sum.wrapping_add(u32::from(u16::from_be_bytes([hi, *lo])));
            } else {
                carry = Some(hi);
                continue;
            }
        }
        let rest = bytes.as_slice();
        sum = ones_complement_sum(sum, rest.get(..rest.len() & !1).unwrap_or(&[]));
        if rest.len() % 2 == 1 {
            carry = rest.last().copied();
        }
    }
    if let Some(hi) = carry {
        sum = sum.wrapping_add(u32::from(hi) << 8);
    }
    let mut checksum = fold_checksum(sum);
    // A computed 0 is sent as all ones: 0 means "no checksum" in UDP over IPv4.
    if checksum == 0 {
        checksum = 0xffff;
    }
    udp[6..8].copy_from_slice(&checksum.to_be_bytes());

    out.extend_from_slice(&ip);
    out.extend_from_slice(&udp);
    for part in payload {
        out.extend_from_slice(part);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // IPv4/UDP headers of frame 1 of the 1749211282-goodsim recording; its recorder writes
    // 0xffff in both checksum fields, which readers must not treat as damage.
    static FRAME1_HEADERS: [u8; 28] = [
        0x45, 0x00, 0x00, 0x4c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xff, 0xff, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0x34, 0x19, 0x12, 0x79, 0x00, 0x38, 0xff, 0xff,
    ];

    fn frame1() -> Vec<u8> {
        let mut f = FRAME1_HEADERS.to_vec();
        f.resize(0x4c, 0x5a);
        f
    }

    #[test]
    fn real_ipv4_udp_headers() {
        let f = frame1();
        match transport(linktype::IPV4, &f) {
            Ok(Transport::Udp {
                src_port,
                dst_port,
                payload,
            }) => {
                assert_eq!((src_port, dst_port), (13337, 4729));
                assert_eq!(payload.len(), 0x38 - 8);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn ethernet_padding_is_trimmed_and_vlan_followed() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
        frame.extend_from_slice(&frame1());
        frame.extend_from_slice(&[0, 0, 0, 0]);
        match transport(linktype::ETHERNET, &frame) {
            Ok(Transport::Udp { payload, .. }) => assert_eq!(payload.len(), 0x30),
            other => panic!("unexpected {other:?}"),
        }
        frame[16] = 0x08;
        frame[17] = 0x06;
        assert_eq!(
            transport(linktype::ETHERNET, &frame),
            Ok(Transport::NotUdp("ethertype 0x0806".into()))
        );
    }

    #[test]
    fn max_vlan_tags_are_followed_and_one_more_is_not_udp() {
        for tags in [MAX_VLAN_TAGS, MAX_VLAN_TAGS + 1, 1000] {
            let mut frame = vec![0u8; 12];
            for i in 0..tags {
                let tpid = if i == 0 {
                    ETHERTYPE_QINQ
                } else {
                    ETHERTYPE_VLAN
                };
                frame.extend_from_slice(&tpid.to_be_bytes());
                frame.extend_from_slice(&[0x00, 0x05]);
            }
            frame.extend_from_slice(&[0x08, 0x00]);
            frame.extend_from_slice(&frame1());
            let got = transport(linktype::ETHERNET, &frame);
            if tags <= MAX_VLAN_TAGS {
                assert!(matches!(got, Ok(Transport::Udp { .. })), "{tags}: {got:?}");
            } else {
                assert_eq!(
                    got,
                    Ok(Transport::NotUdp("ethernet with too many vlan tags".into())),
                    "{tags} tags"
                );
            }
        }
    }

    #[test]
    fn broken_lengths_are_malformed() {
        let mut f = frame1();
        f.truncate(60);
        assert!(transport(linktype::IPV4, &f).is_err());
        let mut f = frame1();
        f[0] = 0x44;
        assert!(transport(linktype::IPV4, &f).is_err());
        let mut f = frame1();
        f[25] = 0x60;
        assert!(transport(linktype::IPV4, &f).is_err());
        let mut f = frame1();
        f[25] = 0x04;
        assert!(transport(linktype::IPV4, &f).is_err());
        assert!(transport(linktype::RAW, &[]).is_err());
        assert!(transport(linktype::LINUX_SLL, &[0; 10]).is_err());
    }

    #[test]
    fn unknown_linktype_is_not_udp() {
        assert_eq!(
            transport(147, &[1, 2, 3]),
            Ok(Transport::NotUdp("linktype 147".into()))
        );
    }

    #[test]
    fn emitted_checksums_verify() {
        let payload_a: &[u8] = &[1, 2, 3];
        let payload_b: &[u8] = &[4, 5, 6, 7, 8];
        let mut out = Vec::new();
        emit_ipv4_udp(&mut out, 7, 13337, 4729, &[payload_a, payload_b]).expect("fits");
        assert_eq!(out.len(), 20 + 8 + 8);
        assert_eq!(fold_checksum(ones_complement_sum(0, &out[..20])), 0);
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&out[12..20]);
        pseudo.extend_from_slice(&[0, 17]);
        pseudo.extend_from_slice(&out[24..26]);
        pseudo.extend_from_slice(&out[20..]);
        assert_eq!(fold_checksum(ones_complement_sum(0, &pseudo)), 0);
        match transport(linktype::IPV4, &out) {
            Ok(Transport::Udp { payload, .. }) => assert_eq!(payload, &[1, 2, 3, 4, 5, 6, 7, 8]),
            other => panic!("unexpected {other:?}"),
        }
        let big = vec![0u8; 65_536 - 28];
        assert!(emit_ipv4_udp(&mut Vec::new(), 0, 1, 2, &[&big]).is_none());
    }
}
