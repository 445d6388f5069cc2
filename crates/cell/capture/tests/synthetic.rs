//! Hand-built captures: both byte orders, µs and ns pcap, several pcapng interfaces with
//! their own link types and timestamp resolutions, and packets that are not GSMTAP.

mod common;

use common::*;
use stingwatch_capture::gsmtap::GsmtapRepr;
use stingwatch_capture::net::linktype;
use stingwatch_model::{CaptureFormat, Direction, LteRrcChannel, PayloadKind, Rat, UmtsRrcChannel};

fn rrc(sub_type: u8, arfcn: u16) -> GsmtapRepr {
    GsmtapRepr {
        gsmtap_type: 0x0d,
        sub_type,
        arfcn,
        ..GsmtapRepr::default()
    }
}

fn nas(uplink: bool) -> GsmtapRepr {
    GsmtapRepr {
        gsmtap_type: 0x12,
        uplink,
        ..GsmtapRepr::default()
    }
}

const SIB_PAYLOAD: &[u8] = &[0x68, 0x4c, 0x46, 0x90, 0x1f];
const NAS_PAYLOAD: &[u8] = &[0x07, 0x55, 0x01];

/// A UDP datagram to port 53: an intact packet that is not GSMTAP.
fn dns_packet() -> Vec<u8> {
    let mut out = Vec::new();
    stingwatch_capture::net::emit_ipv4_udp(&mut out, 9, 5353, 53, &[b"not gsmtap"]).expect("fits");
    out
}

fn ethernet(ip: &[u8], vlan: bool) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    if vlan {
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x2a]);
    }
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(ip);
    f
}

fn sll(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(ip);
    f
}

fn sll2(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![
        0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
    ];
    f.extend_from_slice(ip);
    f
}

fn check_with_tshark(bytes: &[u8], name: &str, expected_frames: u64) {
    if !stingwatch_testsupport::have_tool("tshark") {
        return;
    }
    let path = temp_path(name);
    std::fs::write(&path, bytes).expect("write temp");
    let path_str = path.to_str().expect("utf-8");
    let out = tshark(&[
        "-r",
        path_str,
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "gsmtap.type",
    ]);
    let frames: Vec<&str> = out.lines().collect();
    assert_eq!(
        frames.len() as u64,
        expected_frames,
        "{name}: tshark frame count"
    );
    let read = read_all(bytes);
    let gsmtap_frames: Vec<u64> = frames
        .iter()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(_, t)| !t.is_empty())
        .map(|(n, _)| n.parse().expect("number"))
        .collect();
    let ours: Vec<u64> = read.messages.iter().map(|m| m.packet).collect();
    assert_eq!(ours, gsmtap_frames, "{name}: GSMTAP frame numbers");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn big_and_little_endian_pcap_in_micro_and_nanoseconds() {
    for big_endian in [false, true] {
        for nanos in [false, true] {
            let frac = if nanos { 123_456_789 } else { 123_456 };
            let mut file = pcap_header(big_endian, nanos, linktype::IPV4);
            file.extend(pcap_record(
                big_endian,
                1_749_222_138,
                frac,
                &ipv4_gsmtap(&rrc(5, 700), SIB_PAYLOAD),
            ));
            file.extend(pcap_record(big_endian, 1_749_222_139, 0, &dns_packet()));
            file.extend(pcap_record(
                big_endian,
                1_749_222_140,
                5,
                &ipv4_gsmtap(&nas(true), NAS_PAYLOAD),
            ));
            let name = format!("pcap-be{big_endian}-ns{nanos}.pcap");
            assert_eq!(
                stingwatch_capture::detect_format(&file),
                Some(CaptureFormat::Pcap)
            );
            let read = read_all(&file);
            assert!(read.damage.is_empty(), "{name}: {:?}", read.damage);
            assert_eq!(read.summary.frames, 3);
            assert_eq!(read.summary.skipped.get("non-gsmtap packet"), Some(&1));
            assert_eq!(read.messages.len(), 2);
            let sib = &read.messages[0];
            assert_eq!(sib.packet, 1);
            assert_eq!(sib.offset, 24);
            assert_eq!(
                sib.kind,
                PayloadKind::LteRrc {
                    channel: LteRrcChannel::BcchDlSch
                }
            );
            assert_eq!(sib.context.arfcn, Some(700));
            assert_eq!(sib.payload, SIB_PAYLOAD);
            assert_eq!(
                sib.time.map(|t| t.unix_micros()),
                Some(1_749_222_138_123_456)
            );
            let nas = &read.messages[1];
            assert_eq!(nas.packet, 3);
            assert_eq!(nas.kind, PayloadKind::LteNas);
            assert_eq!(nas.direction, Direction::Uplink);
            assert_eq!(nas.rat, Rat::Lte);
            let frac_micros = if nanos { 0 } else { 5 };
            assert_eq!(
                nas.time.map(|t| t.unix_micros()),
                Some(1_749_222_140_000_000 + frac_micros)
            );
            assert_eq!(read.summary.bytes, file.len() as u64);
            check_with_tshark(&file, &name, 3);
        }
    }
}

/// Two interfaces with different link types and resolutions, plus blocks that are not packets.
fn multi_interface_pcapng(big_endian: bool) -> Vec<u8> {
    let be = big_endian;
    let mut file = ng_shb(be);
    file.extend(ng_idb(be, linktype::ETHERNET as u16, Some(9)));
    file.extend(ng_idb(be, linktype::LINUX_SLL as u16, None));
    file.extend(ng_idb(be, 147, None));
    // Name resolution block with only opt_endofrecord: not a packet.
    file.extend(ng_block(be, 4, &[0, 0, 0, 0]));
    file.extend(ng_epb(
        be,
        0,
        1_749_222_138_123_456_789,
        &ethernet(&ipv4_gsmtap(&rrc(2, 1), &[0x40, 0x12]), true),
    ));
    file.extend(ng_epb(
        be,
        1,
        1_749_222_139_000_001,
        &sll(&ipv4_gsmtap(&nas(false), NAS_PAYLOAD)),
    ));
    file.extend(ng_epb(be, 2, 0, b"\x01\x02\x03 user link type"));
    file.extend(ng_epb(be, 0, 0, &ethernet(&dns_packet(), false)));
    // Interface statistics block: not a packet.
    let mut isb = Bytes::new(be);
    isb.u32(0).u32(0).u32(0);
    file.extend(ng_block(be, 5, &isb.out));
    file.extend(ng_epb(
        be,
        1,
        1_749_222_140_000_000,
        &sll(&ipv4_gsmtap(
            &GsmtapRepr {
                gsmtap_type: 0x0c,
                sub_type: 3,
                ..GsmtapRepr::default()
            },
            &[0xaa],
        )),
    ));
    file
}

#[test]
fn pcapng_in_both_byte_orders_with_several_interfaces() {
    for big_endian in [false, true] {
        let file = multi_interface_pcapng(big_endian);
        let name = format!("multi-be{big_endian}.pcapng");
        let read = read_all(&file);
        assert!(read.damage.is_empty(), "{name}: {:?}", read.damage);
        assert_eq!(read.summary.frames, 5, "{name}");
        assert_eq!(read.summary.skipped.get("linktype 147"), Some(&1));
        assert_eq!(read.summary.skipped.get("non-gsmtap packet"), Some(&1));
        // GSMTAP type 0x0c is UMTS RRC, read since UMTS support: nothing skipped for it.
        assert_eq!(read.summary.skipped.get("gsmtap type 0x0c"), None);
        assert_eq!(read.messages.len(), 3);
        let [ul, nas, umts] = &read.messages[..] else {
            panic!("three messages")
        };
        assert_eq!((ul.packet, nas.packet, umts.packet), (1, 2, 5));
        assert_eq!(
            ul.kind,
            PayloadKind::LteRrc {
                channel: LteRrcChannel::UlCcch
            }
        );
        assert_eq!(ul.direction, Direction::Uplink);
        assert_eq!(ul.payload, [0x40, 0x12]);
        // Nanosecond interface: the fraction is cut to microseconds.
        assert_eq!(
            ul.time.map(|t| t.unix_micros()),
            Some(1_749_222_138_123_456)
        );
        assert_eq!(
            nas.time.map(|t| t.unix_micros()),
            Some(1_749_222_139_000_001)
        );
        assert_eq!(nas.direction, Direction::Downlink);
        assert_eq!(
            umts.kind,
            PayloadKind::UmtsRrc {
                channel: UmtsRrcChannel::UlCcch
            }
        );
        assert_eq!(umts.rat, Rat::Umts);
        check_with_tshark(&file, &name, 5);
    }
}

#[test]
fn sll2_raw_ip_and_simple_packet_blocks() {
    let mut file = ng_shb(false);
    file.extend(ng_idb(false, linktype::LINUX_SLL2 as u16, Some(3)));
    file.extend(ng_idb(false, linktype::RAW as u16, None));
    let ms = 1_749_222_138_123u64;
    file.extend(ng_epb(
        false,
        0,
        ms,
        &sll2(&ipv4_gsmtap(&rrc(4, 5230), &[1, 2, 3])),
    ));
    file.extend(ng_epb(false, 1, 7, &ipv4_gsmtap(&rrc(6, 5230), &[4])));
    // Simple packet block on interface 0 (SLL2): no timestamp.
    let pkt = sll2(&ipv4_gsmtap(&rrc(1, 9), &[5, 6]));
    let mut spb = Bytes::new(false);
    spb.u32(pkt.len() as u32).raw(&pkt);
    file.extend(ng_block(false, 3, &spb.out));
    let read = read_all(&file);
    assert!(read.damage.is_empty(), "{:?}", read.damage);
    let kinds: Vec<_> = read
        .messages
        .iter()
        .map(|m| (m.packet, m.kind, m.payload.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (
                1,
                PayloadKind::LteRrc {
                    channel: LteRrcChannel::BcchBch
                },
                vec![1, 2, 3]
            ),
            (
                2,
                PayloadKind::LteRrc {
                    channel: LteRrcChannel::Pcch
                },
                vec![4]
            ),
            (
                3,
                PayloadKind::LteRrc {
                    channel: LteRrcChannel::DlDcch
                },
                vec![5, 6]
            ),
        ]
    );
    assert_eq!(
        read.messages[0].time.map(|t| t.unix_micros()),
        Some(1_749_222_138_123_000)
    );
    assert_eq!(read.messages[1].time.map(|t| t.unix_micros()), Some(7));
    assert_eq!(read.messages[2].time, None);
    assert_eq!(read.messages[0].context.arfcn, Some(5230));
    check_with_tshark(&file, "sll2-raw-spb.pcapng", 3);
}

#[test]
fn ethernet_and_sll_legacy_pcap() {
    for (lt, wrap) in [
        (linktype::ETHERNET, ethernet as fn(&[u8], bool) -> Vec<u8>),
        (linktype::LINUX_SLL, |ip: &[u8], _| sll(ip)),
    ] {
        let mut file = pcap_header(false, false, lt);
        file.extend(pcap_record(
            false,
            10,
            0,
            &wrap(&ipv4_gsmtap(&rrc(3, 0), &[9, 9]), false),
        ));
        file.extend(pcap_record(
            false,
            11,
            0,
            &wrap(
                &ipv4_gsmtap(
                    &GsmtapRepr {
                        gsmtap_type: 1,
                        sub_type: 2,
                        uplink: false,
                        ..GsmtapRepr::default()
                    },
                    &[0x2d, 0x06],
                ),
                true,
            ),
        ));
        let read = read_all(&file);
        assert!(read.damage.is_empty(), "linktype {lt}: {:?}", read.damage);
        assert_eq!(read.messages.len(), 2);
        assert_eq!(
            read.messages[0].kind,
            PayloadKind::LteRrc {
                channel: LteRrcChannel::UlDcch
            }
        );
        assert_eq!(
            read.messages[1].kind,
            PayloadKind::GsmUm { channel_type: 2 }
        );
        assert_eq!(read.messages[1].rat, Rat::Gsm);
        assert_eq!(read.messages[1].direction, Direction::Downlink);
        check_with_tshark(&file, &format!("link{lt}.pcap"), 2);
    }
}

#[test]
fn obsolete_packet_blocks_count_as_frames() {
    let mut file = ng_shb(false);
    file.extend(ng_idb(false, linktype::IPV4 as u16, None));
    let pkt = ipv4_gsmtap(&nas(true), NAS_PAYLOAD);
    let mut pb = Bytes::new(false);
    pb.u16(0)
        .u16(0)
        .u32(0)
        .u32(42)
        .u32(pkt.len() as u32)
        .u32(pkt.len() as u32)
        .raw(&pkt)
        .pad4();
    file.extend(ng_block(false, 2, &pb.out));
    file.extend(ng_epb(false, 0, 43, &ipv4_gsmtap(&nas(false), NAS_PAYLOAD)));
    let read = read_all(&file);
    assert!(read.damage.is_empty(), "{:?}", read.damage);
    let seen: Vec<_> = read
        .messages
        .iter()
        .map(|m| (m.packet, m.direction, m.time.map(|t| t.0)))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, Direction::Uplink, Some(42)),
            (2, Direction::Downlink, Some(43))
        ]
    );
    check_with_tshark(&file, "obsolete-pb.pcapng", 2);
}

#[test]
fn broken_ip_and_gsmtap_are_damage_with_the_packet_offset() {
    let mut file = ng_shb(false);
    file.extend(ng_idb(false, linktype::IPV4 as u16, None));
    let good = ipv4_gsmtap(&rrc(5, 1), SIB_PAYLOAD);
    let mut bad_ip = good.clone();
    bad_ip[3] = bad_ip[3].wrapping_add(40); // total length beyond the captured bytes
    let mut bad_gsmtap = good.clone();
    bad_gsmtap[28 + 1] = 2; // header length of 2 words
    let first = file.len() as u64;
    file.extend(ng_epb(false, 0, 1, &bad_ip));
    let second = file.len() as u64;
    file.extend(ng_epb(false, 0, 2, &bad_gsmtap));
    file.extend(ng_epb(false, 0, 3, &good));
    let read = read_all(&file);
    let offsets: Vec<u64> = read.damage.iter().map(|d| d.offset).collect();
    assert_eq!(offsets, vec![first, second], "{:?}", read.damage);
    assert!(
        read.damage[0].reason.contains("IPv4 total length"),
        "{}",
        read.damage[0]
    );
    assert!(
        read.damage[1].reason.contains("gsmtap"),
        "{}",
        read.damage[1]
    );
    assert_eq!(read.messages.len(), 1);
    assert_eq!(read.messages[0].packet, 3);
    assert_eq!(read.summary.damaged_regions, 2);
}

#[test]
fn short_reads_from_a_pipe_are_reassembled() {
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(5).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let file = multi_interface_pcapng(true);
    let whole = read_all(&file);
    let mut reader = stingwatch_capture::PcapReader::new(Trickle(&file)).expect("pcapng");
    let items: Vec<_> = reader.by_ref().collect();
    assert_eq!(items, whole.items);
    assert_eq!(reader.summary(), &whole.summary);
}

#[test]
fn oversized_blocks_and_records_are_damage_not_growth() {
    let good = ipv4_gsmtap(&rrc(5, 1), SIB_PAYLOAD);
    // pcapng: a block claiming 2 MiB between two good packets.
    let mut file = ng_shb(false);
    file.extend(ng_idb(false, linktype::IPV4 as u16, None));
    file.extend(ng_epb(false, 0, 1, &good));
    let bad_at = file.len() as u64;
    let mut huge = Bytes::new(false);
    huge.u32(6).u32(2 << 20).u32(0).u32(0);
    file.extend(huge.out);
    file.extend(ng_epb(false, 0, 2, &good));
    let read = read_all(&file);
    assert_eq!(read.messages.len(), 2, "{:?}", read.damage);
    assert_eq!(read.damage.len(), 1);
    assert_eq!(read.damage[0].offset, bad_at);
    assert_eq!(read.damage[0].length, 16);
    assert!(
        read.damage[0].reason.contains("exceeds"),
        "{}",
        read.damage[0]
    );

    // Legacy pcap: a record claiming more than the maximum record size.
    let mut file = pcap_header(false, false, linktype::IPV4);
    file.extend(pcap_record(false, 1, 0, &good));
    let bad_at = file.len() as u64;
    let mut huge = Bytes::new(false);
    huge.u32(2)
        .u32(0)
        .u32(1 << 20)
        .u32(1 << 20)
        .raw(&[0xee; 40]);
    file.extend(huge.out);
    file.extend(pcap_record(false, 3, 0, &good));
    let read = read_all(&file);
    assert_eq!(read.messages.len(), 2, "{:?}", read.damage);
    assert_eq!(read.damage.len(), 1);
    assert_eq!((read.damage[0].offset, read.damage[0].length), (bad_at, 56));
    assert_eq!(read.messages[1].packet, 2);
}

#[test]
fn read_errors_end_the_stream_with_damage() {
    struct Failing<'a>(&'a [u8]);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("device unplugged"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut file = pcap_header(true, false, linktype::IPV4);
    file.extend(pcap_record(
        true,
        1,
        0,
        &ipv4_gsmtap(&nas(false), NAS_PAYLOAD),
    ));
    let items: Vec<_> = stingwatch_capture::PcapReader::new(Failing(&file))
        .expect("pcap")
        .collect();
    assert_eq!(items.len(), 2);
    assert!(matches!(items[0], stingwatch_model::ReadItem::Message(_)));
    match &items[1] {
        stingwatch_model::ReadItem::Damage(d) => {
            assert_eq!(d.offset, file.len() as u64);
            assert!(d.reason.contains("device unplugged"), "{d}");
        }
        other => panic!("expected damage, got {other:?}"),
    }
}

#[test]
fn truncated_headers_are_damage() {
    let full = pcap_header(false, false, linktype::IPV4);
    let read = read_all(&full[..10]);
    assert_eq!(read.damage.len(), 1);
    assert_eq!((read.damage[0].offset, read.damage[0].length), (0, 10));
    let shb = ng_shb(true);
    let read = read_all(&shb[..6]);
    assert_eq!(read.damage.len(), 1);
    assert_eq!((read.damage[0].offset, read.damage[0].length), (0, 6));
    assert!(read.messages.is_empty());
}
