//! Measurement records (0xB17F, 0xB180, 0xB193, 0xB062) on real recordings and through the
//! writer, with SCAT (`signalcat` from PyPI) as the independent decoder of written records.
//!
//! Of these codes, the shared recordings hold only 0xB193 (AT&T and T-Mobile MobileInsight
//! logs, version 1 with serving cell subpacket version 19); none holds 0xB17F, 0xB180 or
//! 0xB062 (`tools/census/log_codes.py` counts them). The 0xB193 readings are checked against
//! what the same recording's RRC records say about the serving cell and against the ranges
//! of TS 36.133 9.1.

use std::process::Command;
use stingwatch_diag::{QmdlReader, QmdlWriter};
use stingwatch_model::{
    CaptureTime, CellSignal, Measurement, MeasurementKind, PayloadKind, Rat, ReadItem, Sixteenths,
};
use stingwatch_testsupport::{have_python_module, in_ci, shared_captures};

/// RSRP range of TS 36.133 9.1.4 (reported -140 to -44 dBm).
const RSRP_RANGE: std::ops::RangeInclusive<f64> = -144.0..=-40.0;
/// RSRQ range of TS 36.133 9.1.7 (-19.5 to -3 dB, extended to -34 .. 2.5).
const RSRQ_RANGE: std::ops::RangeInclusive<f64> = -34.0..=2.5;

#[test]
fn serving_cell_measurements_of_real_recordings_agree_with_their_rrc_records() {
    let files = shared_captures("mobileinsight", "mi2log");
    let mut measured_files = 0;
    for path in files {
        let file = std::fs::File::open(&path).unwrap();
        let mut reader = QmdlReader::new(file);
        // Serving (EARFCN, PCI) per the last RRC record before each measurement.
        let mut serving = None;
        let mut agree = 0u64;
        let mut on_carrier = 0u64;
        let mut measured = 0u64;
        let mut damaged = Vec::new();
        for item in reader.by_ref() {
            match item {
                ReadItem::Message(m) => {
                    if let (PayloadKind::LteRrc { .. }, Some(e), Some(p)) =
                        (m.kind, m.context.arfcn, m.context.pci)
                    {
                        serving = Some((e, p));
                    }
                }
                ReadItem::Measurement(Measurement {
                    kind: MeasurementKind::Serving(s),
                    ..
                }) => {
                    measured += 1;
                    assert!(
                        RSRP_RANGE.contains(&s.rsrp.db()),
                        "{}: {s:?}",
                        path.display()
                    );
                    let rsrq = s.rsrq.unwrap().db();
                    assert!(RSRQ_RANGE.contains(&rsrq), "{}: {s:?}", path.display());
                    // The carrier's total power is at least one resource element's.
                    assert!(s.rssi.unwrap() > s.rsrp, "{}: {s:?}", path.display());
                    // Carrier aggregation adds secondary serving cells on other carriers
                    // (AT&T's log alternates its primary and a secondary carrier); on the
                    // primary's carrier the cell must be the one the RRC records name.
                    match serving {
                        Some((e, p)) if e == s.earfcn => {
                            on_carrier += 1;
                            if p == s.pci {
                                agree += 1;
                            }
                        }
                        _ => {}
                    }
                }
                ReadItem::Measurement(_) => {}
                ReadItem::Damage(d) if d.reason.contains("0xB193") => damaged.push(d),
                ReadItem::Damage(_) => {}
            }
        }
        let codes = reader.log_codes();
        let b193 = codes.get(&0xB193).copied().unwrap_or(0);
        assert!(damaged.is_empty(), "{}: {damaged:?}", path.display());
        assert_eq!(
            measured,
            b193,
            "{}: every 0xB193 record read",
            path.display()
        );
        assert_eq!(reader.summary().measurements, measured);
        if measured > 0 {
            measured_files += 1;
            println!(
                "{}: {measured} serving cell measurements, {on_carrier} on the RRC's serving \
                 carrier, {agree} of them on its cell",
                path.display()
            );
            // Handovers and reselections put a few measurements on a cell before its first
            // RRC record; most must be on the cell the RRC records name.
            assert!(on_carrier > 0, "{}", path.display());
            assert!(
                agree * 10 >= on_carrier * 9,
                "{}: {agree}/{on_carrier}",
                path.display()
            );
        }
    }
    if measured_files == 0 {
        assert!(
            !in_ci(),
            "no recording with 0xB193 in ../shared/captures/mobileinsight"
        );
        println!("skipped: ../shared/captures/mobileinsight missing");
    }
}

fn sample_measurements() -> Vec<Measurement> {
    let at = |s: i64| Some(CaptureTime(1_764_000_000_000_000 + s * 1_000_000));
    let cell = |pci, rsrp: f64| CellSignal {
        earfcn: 5230,
        pci,
        rsrp: Sixteenths::from_db(rsrp),
        rsrq: Some(Sixteenths::from_db(-10.5)),
        rssi: Some(Sixteenths::from_db(rsrp + 25.0)),
    };
    vec![
        Measurement {
            offset: 0,
            time: at(1),
            rat: Rat::Lte,
            kind: MeasurementKind::Serving(cell(101, -85.25)),
        },
        Measurement {
            offset: 0,
            time: at(2),
            rat: Rat::Lte,
            kind: MeasurementKind::Neighbours {
                cells: vec![cell(7, -101.0), cell(300, -117.5)],
            },
        },
        Measurement {
            offset: 0,
            time: at(3),
            rat: Rat::Lte,
            kind: MeasurementKind::TimingAdvance { value: 13 },
        },
    ]
}

#[test]
fn written_measurements_read_back() {
    let written = sample_measurements();
    let mut w = QmdlWriter::new(Vec::new());
    for m in &written {
        w.write_measurement(m).unwrap();
    }
    let bytes = w.into_inner();
    let read: Vec<Measurement> = QmdlReader::new(bytes.as_slice())
        .map(|i| match i {
            ReadItem::Measurement(m) => m,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(read.len(), written.len());
    for (r, w) in read.iter().zip(&written) {
        assert_eq!((&r.kind, r.time, r.rat), (&w.kind, w.time, w.rat));
    }
}

/// SCAT's reading of the records this crate writes: the same cells, levels and timing
/// advance.
#[test]
fn scat_reads_written_records_alike() {
    if !have_python_module("scat.parsers.qualcomm.diagltelogparser") {
        assert!(!in_ci(), "SCAT (pip install signalcat) is required in CI");
        println!("skipped: SCAT not installed (pip install signalcat)");
        return;
    }
    let mut bodies = Vec::new();
    for m in sample_measurements() {
        let mut w = QmdlWriter::new(Vec::new());
        w.write_measurement(&m).unwrap();
        let bytes = w.into_inner();
        // The body is what follows the 16-byte log header inside the one frame.
        let mut frames = stingwatch_diag::hdlc::Deframer::new(bytes.as_slice(), |_, _| true);
        let frame = match frames.next_item() {
            Some(stingwatch_diag::hdlc::DeframeItem::Frame(f)) => f.payload.to_vec(),
            other => panic!("{other:?}"),
        };
        let code = u16::from_le_bytes([frame[6], frame[7]]);
        let body: String = frame[16..].iter().map(|b| format!("{b:02x}")).collect();
        bodies.push((code, body));
    }
    let script = r#"
import sys, binascii, collections
from scat.parsers.qualcomm.diagltelogparser import DiagLteLogParser
p = DiagLteLogParser(None)
H = collections.namedtuple('H', 'log_id timestamp')
for line in sys.stdin:
    code, body = line.split()
    code = int(code); body = binascii.unhexlify(body)
    if code == 0xB17F:
        print(p.parse_lte_ml1_scell_meas(H(code, 0), body, None)['stdout'])
    elif code == 0xB180:
        print(p.parse_lte_ml1_ncell_meas(H(code, 0), body, None)['stdout'].replace('\n', ' | '))
    else:
        rar = p.parse_lte_mac_rach_response(H(code, 0), body, None)['cp'][0]
        # The response is the packet's last 7 bytes: subheader, R + TA (7), TA (4) + grant...
        print('TA', ((rar[-6] & 0x7f) << 4) | (rar[-5] >> 4))
"#;
    let input: String = bodies.iter().map(|(c, b)| format!("{c} {b}\n")).collect();
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "LTE SCell: EARFCN: 5230, PCI: 101, Measured RSRP: -85.25, Measured RSSI: -60.25, Measured RSRQ: -10.50",
            "LTE NCell: EARFCN: 5230, number of cells: 2 | └── Neighbor cell 0: PCI:   7, RSRP: -101.00, RSSI: -76.00, RSRQ: -10.50 | └── Neighbor cell 1: PCI: 300, RSRP: -117.50, RSSI: -92.50, RSRQ: -10.50",
            "TA 13",
        ]
    );
}
