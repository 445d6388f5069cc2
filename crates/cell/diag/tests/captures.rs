//! Reads every real DIAG recording in `../shared/captures` and checks the result against the
//! recordings' own structure and, for the Rayhunter traces, against tshark's reading of the
//! GSMTAP export of the same recording.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use stingwatch_diag::log::{
    is_lte_nas_log_code, LOG_GSM_DSDS_RR_SIGNALING, LOG_GSM_RR_SIGNALING, LOG_LTE_RRC_OTA,
    LOG_UMTS_NAS_OTA,
};
use stingwatch_diag::{looks_like_qmdl, QmdlReader};
use stingwatch_model::{Direction, LteRrcChannel, PayloadKind, RadioMessage, ReadItem};
use stingwatch_testsupport::{have_tool, shared_captures};

fn read_all(path: &Path) -> (Vec<ReadItem>, QmdlReader<std::fs::File>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = QmdlReader::new(file);
    let items: Vec<ReadItem> = reader.by_ref().collect();
    (items, reader)
}

fn all_recordings() -> Vec<std::path::PathBuf> {
    let mut files = shared_captures("rayhunter-traces", "qmdl");
    files.extend(shared_captures("mobileinsight", "mi2log"));
    files
}

fn print_summary(path: &Path, reader: &QmdlReader<std::fs::File>) {
    let s = reader.summary();
    println!(
        "{}: {} bytes, {} frames, {} messages, {} damaged, {} skipped",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
        s.bytes,
        s.frames,
        s.messages,
        s.damaged_regions,
        s.skipped_total()
    );
    let codes: Vec<String> = reader
        .log_codes()
        .iter()
        .map(|(code, n)| format!("0x{code:04X}:{n}"))
        .collect();
    println!("  log codes: {}", codes.join(" "));
    for (what, n) in &s.skipped {
        if what.starts_with("diag cmd") {
            println!("  {what}: {n}");
        }
    }
}

#[test]
fn clean_recordings_read_without_damage() {
    for path in all_recordings() {
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let (items, reader) = read_all(&path);
        print_summary(&path, &reader);
        let s = reader.summary();
        assert_eq!(s.bytes, len, "{}: not all bytes read", path.display());
        for item in &items {
            if let ReadItem::Damage(d) = item {
                println!("  damage: {d}");
                // A recording may begin in the middle of a frame (the recorder attached to a
                // stream already running); nothing else is damage in these files.
                assert_eq!(d.offset, 0, "{}: unexpected damage {d}", path.display());
                assert!(d.reason.contains("CRC"), "{}: {d}", path.display());
            }
        }
        let messages: Vec<&RadioMessage> = items
            .iter()
            .filter_map(|i| match i {
                ReadItem::Message(m) => Some(m),
                ReadItem::Damage(_) | ReadItem::Measurement(_) => None,
            })
            .collect();
        // Every LTE RRC and NAS, GSM RR and UMTS NAS log packet became a message (none was
        // reported as damage).
        let radio_records: u64 = reader
            .log_codes()
            .iter()
            .filter(|(code, _)| {
                **code == LOG_LTE_RRC_OTA
                    || is_lte_nas_log_code(**code)
                    || matches!(
                        **code,
                        LOG_GSM_RR_SIGNALING | LOG_GSM_DSDS_RR_SIGNALING | LOG_UMTS_NAS_OTA
                    )
            })
            .map(|(_, n)| n)
            .sum();
        assert_eq!(messages.len() as u64, radio_records, "{}", path.display());
        assert!(!messages.is_empty(), "{}", path.display());
        // Frames add up: messages + measurements + damage + skipped.
        assert_eq!(
            s.frames,
            s.messages + s.measurements + s.damaged_regions + s.skipped_total(),
            "{}",
            path.display()
        );
        for (i, m) in messages.iter().enumerate() {
            assert_eq!(m.packet, i as u64 + 1);
            assert!(!m.payload.is_empty(), "{}: empty payload", path.display());
            assert_ne!(m.direction, Direction::Unknown);
            if matches!(m.kind, PayloadKind::LteRrc { .. }) {
                assert!(
                    m.context.pci.is_some_and(|p| p < 504),
                    "{}: PCI",
                    path.display()
                );
            }
        }
        // Offsets increase. Times are not checked for order: real modems mix clocks (one
        // recording here steps back 18 s, the GPS-UTC offset, between NAS and RRC records).
        for w in messages.windows(2) {
            assert!(w[0].offset < w[1].offset);
        }
        let prefix = std::fs::read(&path).unwrap_or_default();
        assert!(looks_like_qmdl(&prefix), "{}: not detected", path.display());
    }
}

#[test]
fn pcap_exports_are_not_detected_as_qmdl() {
    for path in shared_captures("rayhunter-traces", "pcap") {
        let data = std::fs::read(&path).unwrap_or_default();
        assert!(!looks_like_qmdl(&data), "{}", path.display());
    }
}

/// One GSMTAP packet as tshark reads it from the pcap export.
struct GsmtapPacket {
    time_micros: i64,
    gsmtap_type: u8,
    sub_type: u8,
    uplink: bool,
    payload: Vec<u8>,
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| s.get(2 * i..2 * i + 2))
        .filter_map(|h| u8::from_str_radix(h, 16).ok())
        .collect()
}

fn epoch_micros(s: &str) -> i64 {
    let (secs, frac) = s.split_once('.').unwrap_or((s, "0"));
    let frac = format!("{frac:0<6}");
    secs.parse::<i64>().unwrap_or(0) * 1_000_000
        + frac.get(..6).unwrap_or("0").parse::<i64>().unwrap_or(0)
}

fn tshark_gsmtap(pcap: &Path) -> Vec<GsmtapPacket> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-T", "fields", "-E", "separator=\t"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "frame.time_epoch",
            "-e",
            "udp.payload",
        ])
        .output()
        .expect("tshark runs");
    assert!(out.status.success(), "tshark failed on {}", pcap.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let udp = hex_bytes(cols.get(2).copied().unwrap_or(""));
            // GSMTAP v2 header: version, header length in 32-bit words, type, ..., uplink flag
            // in the ARFCN field, sub-type at byte 12.
            let hdr_len = usize::from(*udp.get(1).unwrap_or(&4)) * 4;
            GsmtapPacket {
                time_micros: epoch_micros(cols.get(1).copied().unwrap_or("0")),
                gsmtap_type: *udp.get(2).unwrap_or(&0),
                sub_type: *udp.get(12).unwrap_or(&0),
                uplink: udp.get(4).is_some_and(|b| b & 0x40 != 0),
                payload: udp.get(hdr_len..).unwrap_or(&[]).to_vec(),
            }
        })
        .collect()
}

/// GSMTAP LTE RRC sub-type of a channel (GSMTAP's own numbering).
fn gsmtap_lte_rrc_sub_type(channel: LteRrcChannel) -> Option<u8> {
    use LteRrcChannel::*;
    Some(match channel {
        DlCcch => 0,
        DlDcch => 1,
        UlCcch => 2,
        UlDcch => 3,
        BcchBch => 4,
        BcchDlSch => 5,
        Pcch => 6,
        Mcch => 7,
        _ => return None,
    })
}

#[test]
fn rayhunter_qmdl_matches_its_pcap_export() {
    if !have_tool("tshark") {
        return;
    }
    for qmdl in shared_captures("rayhunter-traces", "qmdl") {
        let pcap = qmdl.with_extension("pcap");
        let gsmtap = tshark_gsmtap(&pcap);
        let (items, reader) = read_all(&qmdl);
        let messages: Vec<&RadioMessage> = items
            .iter()
            .filter_map(|i| match i {
                ReadItem::Message(m) => Some(m),
                ReadItem::Damage(_) | ReadItem::Measurement(_) => None,
            })
            .collect();
        println!(
            "{}: {} messages, pcap has {} GSMTAP packets",
            qmdl.display(),
            messages.len(),
            gsmtap.len()
        );
        assert_eq!(messages.len(), gsmtap.len(), "{}", qmdl.display());
        assert_eq!(reader.summary().damaged_regions, 0);
        let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
        for (i, (m, g)) in messages.iter().zip(&gsmtap).enumerate() {
            let at = format!("{} message {}", qmdl.display(), i + 1);
            match m.kind {
                PayloadKind::LteRrc { channel } => {
                    assert_eq!(g.gsmtap_type, 13, "{at}: GSMTAP type");
                    assert_eq!(Some(g.sub_type), gsmtap_lte_rrc_sub_type(channel), "{at}");
                    *by_kind.entry(channel.as_str().to_string()).or_default() += 1;
                }
                PayloadKind::LteNas => {
                    assert_eq!(g.gsmtap_type, 18, "{at}: GSMTAP type");
                    assert_eq!(
                        g.uplink,
                        m.direction == Direction::Uplink,
                        "{at}: direction"
                    );
                    *by_kind.entry("nas".into()).or_default() += 1;
                }
                other => panic!("{at}: unexpected kind {other:?}"),
            }
            assert_eq!(m.payload, g.payload, "{at}: payload");
            // The export keeps milliseconds and scales the sub-tick part slightly differently.
            let ours = m.time.map(|t| t.0).unwrap_or(0);
            assert!(
                (ours - g.time_micros).abs() < 1_500,
                "{at}: time {ours} vs {}",
                g.time_micros
            );
        }
        println!("  by kind: {by_kind:?}");
    }
}
