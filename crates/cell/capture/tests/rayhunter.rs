//! The real recordings in ../shared/captures/rayhunter-traces against tshark, and the writer
//! round trip over them.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use stingwatch_capture::gsmtap::{lte_nas_sub_type, lte_rrc_sub_type};
use stingwatch_capture::PcapngWriter;
use stingwatch_model::{CaptureFormat, Direction, LteRrcChannel, PayloadKind, Rat};

/// tshark's name for the top-level PDU of each channel.
fn channel_field(channel: LteRrcChannel) -> &'static str {
    use LteRrcChannel::*;
    match channel {
        BcchBch => "lte-rrc.BCCH_BCH_Message_element",
        BcchDlSch => "lte-rrc.BCCH_DL_SCH_Message_element",
        BcchDlSchBr => "lte-rrc.BCCH_DL_SCH_Message_BR_element",
        Pcch => "lte-rrc.PCCH_Message_element",
        DlCcch => "lte-rrc.DL_CCCH_Message_element",
        DlDcch => "lte-rrc.DL_DCCH_Message_element",
        UlCcch => "lte-rrc.UL_CCCH_Message_element",
        UlDcch => "lte-rrc.UL_DCCH_Message_element",
        Mcch => "lte-rrc.MCCH_Message_element",
        ScMcch => "lte-rrc.SC_MCCH_Message_element",
        BcchBchMbms => "lte-rrc.BCCH_BCH_Message_MBMS_element",
        BcchDlSchMbms => "lte-rrc.BCCH_DL_SCH_Message_MBMS_element",
        BcchBchNb => "lte-rrc.BCCH_BCH_Message_NB_element",
        BcchDlSchNb => "lte-rrc.BCCH_DL_SCH_Message_NB_element",
        PcchNb => "lte-rrc.PCCH_Message_NB_element",
        DlCcchNb => "lte-rrc.DL_CCCH_Message_NB_element",
        DlDcchNb => "lte-rrc.DL_DCCH_Message_NB_element",
        UlCcchNb => "lte-rrc.UL_CCCH_Message_NB_element",
        UlDcchNb => "lte-rrc.UL_DCCH_Message_NB_element",
    }
}

struct TsharkFrame {
    number: u64,
    gsmtap_type: Option<u8>,
    uplink: bool,
    arfcn: Option<u32>,
    micros: i64,
    udp_payload: Vec<u8>,
}

fn tshark_frames(path: &str) -> Vec<TsharkFrame> {
    let out = tshark(&[
        "-r",
        path,
        "-T",
        "fields",
        "-E",
        "occurrence=f",
        "-e",
        "frame.number",
        "-e",
        "gsmtap.type",
        "-e",
        "gsmtap.uplink",
        "-e",
        "gsmtap.arfcn",
        "-e",
        "frame.time_epoch",
        "-e",
        "udp.payload",
    ]);
    out.lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            TsharkFrame {
                number: f[0].parse().expect("frame number"),
                gsmtap_type: f[1].parse().ok(),
                uplink: f[2] == "1",
                arfcn: f[3].parse().ok(),
                micros: epoch_micros(f[4]),
                udp_payload: hex_decode(f[5]),
            }
        })
        .collect()
}

#[test]
fn rayhunter_pcaps_match_tshark_frame_by_frame() {
    let files = rayhunter_pcaps();
    if files.is_empty() || !stingwatch_testsupport::have_tool("tshark") {
        return;
    }
    for path in files {
        let name = file_name(&path);
        let bytes = std::fs::read(&path).expect("read capture");
        let read = read_all(&bytes);
        assert!(read.damage.is_empty(), "{name}: damage {:?}", read.damage);
        let path_str = path.to_str().expect("utf-8 path");
        let frames = tshark_frames(path_str);
        assert!(!frames.is_empty());
        assert_eq!(
            read.summary.frames,
            frames.len() as u64,
            "{name}: frame count"
        );
        assert_eq!(read.summary.bytes, bytes.len() as u64, "{name}: bytes");

        // Which frames tshark decoded as each RRC channel's top-level PDU.
        let mut decoded_as: BTreeMap<LteRrcChannel, BTreeSet<u64>> = BTreeMap::new();
        let gsmtap_frames: Vec<&TsharkFrame> =
            frames.iter().filter(|f| f.gsmtap_type.is_some()).collect();
        assert_eq!(
            read.messages.len(),
            gsmtap_frames.len(),
            "{name}: message count"
        );
        let mut by_offset = BTreeSet::new();
        for (m, f) in read.messages.iter().zip(&gsmtap_frames) {
            let ctx = format!("{name} frame {}", f.number);
            assert_eq!(m.packet, f.number, "{ctx}: packet number");
            assert!(by_offset.insert(m.offset), "{ctx}: offsets are distinct");
            let sub_type = f.udp_payload[12];
            assert_eq!(m.payload, f.udp_payload[16..], "{ctx}: payload");
            assert_eq!(
                m.time.map(|t| t.unix_micros()),
                Some(f.micros),
                "{ctx}: time"
            );
            assert_eq!(m.context.arfcn, f.arfcn, "{ctx}: arfcn");
            match (f.gsmtap_type, m.kind) {
                (Some(0x0d), PayloadKind::LteRrc { channel }) => {
                    assert_eq!(lte_rrc_sub_type(channel), sub_type, "{ctx}: rrc sub-type");
                    assert_eq!(m.direction, channel.direction(), "{ctx}");
                    assert_eq!(m.rat, Rat::Lte);
                    let set = decoded_as.entry(channel).or_insert_with(|| {
                        tshark(&[
                            "-r",
                            path_str,
                            "-Y",
                            channel_field(channel),
                            "-T",
                            "fields",
                            "-e",
                            "frame.number",
                        ])
                        .lines()
                        .map(|l| l.parse().expect("frame number"))
                        .collect()
                    });
                    assert!(
                        set.contains(&f.number),
                        "{ctx}: tshark decoded it as {channel:?}"
                    );
                }
                (Some(0x12), PayloadKind::LteNas) => {
                    assert!(sub_type <= 1, "{ctx}: nas sub-type {sub_type}");
                    let expected = if f.uplink {
                        Direction::Uplink
                    } else {
                        Direction::Downlink
                    };
                    assert_eq!(m.direction, expected, "{ctx}: direction");
                    assert_eq!(m.rat, Rat::Lte);
                }
                (t, kind) => panic!("{ctx}: gsmtap type {t:?} read as {kind:?}"),
            }
        }
        // The reader's offset is where tshark's frame starts: the EPB header at that offset
        // says "enhanced packet block".
        for m in &read.messages {
            let at = m.offset as usize;
            let block_type: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
            assert!(
                u32::from_le_bytes(block_type) == 6 || u32::from_be_bytes(block_type) == 6,
                "{name}: EPB at offset {at}"
            );
        }
        assert_eq!(PcapReaderFormat::of(&bytes), Some(CaptureFormat::Pcapng));
    }
}

/// Format as both the free function and the reader see it.
struct PcapReaderFormat;

impl PcapReaderFormat {
    fn of(bytes: &[u8]) -> Option<CaptureFormat> {
        let detected = stingwatch_capture::detect_format(bytes)?;
        let reader = stingwatch_capture::PcapReader::new(bytes).ok()?;
        assert_eq!(reader.format(), detected);
        Some(detected)
    }
}

fn info_column(path: &str) -> Vec<(String, String)> {
    tshark(&[
        "-r",
        path,
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "_ws.col.Info",
    ])
    .lines()
    .map(|l| {
        let (n, info) = l.split_once('\t').unwrap_or((l, ""));
        (n.to_string(), info.trim().to_string())
    })
    .collect()
}

#[test]
fn writer_round_trip_keeps_messages_and_tshark_view() {
    let files = rayhunter_pcaps();
    if files.is_empty() {
        return;
    }
    let with_tshark = stingwatch_testsupport::have_tool("tshark");
    for path in files {
        let name = file_name(&path);
        let original = read_all(&std::fs::read(&path).expect("read capture"));
        let mut writer = PcapngWriter::new(Vec::new()).expect("header");
        let mut expected_comments = Vec::new();
        for (i, m) in original.messages.iter().enumerate() {
            if i % 7 == 3 {
                let a = format!("stingwatch note {}", m.packet);
                let b = "second comment, with ünïcode";
                writer.write_message(m, &[&a, b]).expect("write");
                expected_comments.push((m.packet, a, b.to_string()));
            } else {
                writer.write_message(m, &[]).expect("write");
            }
        }
        assert_eq!(writer.packets_written(), original.messages.len() as u64);
        let written = writer.into_inner().expect("flush");
        let back = read_all(&written);
        assert!(back.damage.is_empty(), "{name}: {:?}", back.damage);
        assert_eq!(back.messages.len(), original.messages.len());
        for (a, b) in original.messages.iter().zip(&back.messages) {
            let mut b = b.clone();
            b.offset = a.offset;
            assert_eq!(a, &b, "{name}: message {}", a.packet);
        }
        if !with_tshark {
            continue;
        }
        let out_path = temp_path(&format!("roundtrip-{name}ng"));
        std::fs::write(&out_path, &written).expect("write temp");
        let out_str = out_path.to_str().expect("utf-8");
        // Some recorded PDUs are themselves malformed; the container must add none.
        let malformed = |p: &str| -> Vec<String> {
            tshark(&["-r", p])
                .lines()
                .filter(|l| l.contains("Malformed"))
                .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
                .collect()
        };
        assert_eq!(
            malformed(out_str),
            malformed(path.to_str().expect("utf-8")),
            "{name}: frames tshark calls malformed"
        );
        let before = info_column(path.to_str().expect("utf-8"));
        let after = info_column(out_str);
        assert_eq!(before.len(), after.len());
        for ((m, b), a) in original.messages.iter().zip(&before).zip(&after) {
            // The recorder marks every NAS message plain; the writer marks security protected
            // EMM messages as such, so tshark can name the ciphered ones it showed blank.
            let rewritten_nas = m.kind == PayloadKind::LteNas && lte_nas_sub_type(&m.payload) == 1;
            if rewritten_nas && b.1.is_empty() {
                assert_eq!(a.1, "Ciphered message", "{name}: Info of frame {}", b.0);
                continue;
            }
            assert_eq!(a, b, "{name}: Info of frame {}", b.0);
        }
        let comments = tshark(&[
            "-r",
            out_str,
            "-Y",
            "frame.comment",
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=|",
            "-e",
            "frame.number",
            "-e",
            "frame.comment",
        ]);
        let seen: Vec<(u64, String, String)> = comments
            .lines()
            .map(|l| {
                let (n, c) = l.split_once('\t').expect("two fields");
                let (a, b) = c.split_once('|').expect("two comments");
                (n.parse().expect("number"), a.to_string(), b.to_string())
            })
            .collect();
        assert_eq!(seen, expected_comments, "{name}: comments");
        let _ = std::fs::remove_file(&out_path);
    }
}
