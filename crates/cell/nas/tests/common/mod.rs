//! Shared helpers of the differential tests: samples, the pycrate and tshark oracles, and
//! the field-by-field comparison with this crate's decoder.

#![allow(dead_code)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use stingwatch_model::Direction;
use stingwatch_nas::{decode_with_direction, IdentityKind, NasMessage, ProtocolDiscriminator};

/// One NAS PDU to compare, with where it came from.
#[derive(Debug, Clone)]
pub struct Sample {
    pub origin: String,
    pub bytes: Vec<u8>,
    pub uplink: bool,
}

impl Sample {
    pub fn direction(&self) -> Direction {
        if self.uplink {
            Direction::Uplink
        } else {
            Direction::Downlink
        }
    }

    pub fn decode(&self) -> NasMessage {
        decode_with_direction(&self.bytes, self.direction())
    }
}

pub fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// Samples from a vector file: `<ul|dl> <hex> [# comment]`, `#` lines are comments.
pub fn vector_file(path: &Path) -> Vec<Sample> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_string();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let dir = parts.next().unwrap_or("");
        let hex = parts.next().unwrap_or("");
        let bytes = parse_hex(hex).unwrap_or_else(|| panic!("{name}:{}: bad hex", i + 1));
        assert!(
            dir == "ul" || dir == "dl",
            "{name}:{}: direction {dir}",
            i + 1
        );
        out.push(Sample {
            origin: format!("{name}:{}", i + 1),
            bytes,
            uplink: dir == "ul",
        });
    }
    out
}

pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("vectors")
}

/// Every NAS PDU of a pcap with GSMTAP: LTE NAS records (GSMTAP type 0x12, 16-byte header
/// stripped here) and the NAS carried in LTE RRC (dedicatedInfoNAS, as tshark extracts it).
pub fn capture_samples(pcap: &Path) -> Vec<Sample> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-T", "fields", "-E", "separator=/t"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "gsmtap.type",
            "-e",
            "udp.payload",
        ])
        .args(["-e", "lte-rrc.dedicatedInfoNAS"])
        .args(["-Y", "gsmtap.type == 0x12 || lte-rrc.dedicatedInfoNAS"])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", pcap.display());
    let name = pcap
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_string();
    let mut samples = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (frame, gsmtap_type, payload, rrc_nas) = match f.as_slice() {
            [a, b, c, d, ..] => (*a, *b, *c, *d),
            [a, b, c] => (*a, *b, *c, ""),
            _ => continue,
        };
        let Some(udp) = parse_hex(payload) else {
            continue;
        };
        let header_len = udp.get(1).map_or(16, |w| usize::from(*w) * 4);
        let arfcn = u16::from_be_bytes([
            udp.get(4).copied().unwrap_or(0),
            udp.get(5).copied().unwrap_or(0),
        ]);
        let sub_type = udp.get(12).copied().unwrap_or(0);
        match gsmtap_type {
            "18" => samples.push(Sample {
                origin: format!("{name}#{frame} gsmtap-nas"),
                bytes: udp.get(header_len..).unwrap_or(&[]).to_vec(),
                uplink: arfcn & 0x4000 != 0,
            }),
            _ => {
                for (k, nas) in rrc_nas.split(',').filter(|s| !s.is_empty()).enumerate() {
                    if let Some(bytes) = parse_hex(nas) {
                        samples.push(Sample {
                            origin: format!("{name}#{frame} rrc-nas[{k}]"),
                            bytes,
                            // GSMTAP LTE RRC sub-types 2 and 3 are UL-CCCH and UL-DCCH.
                            uplink: matches!(sub_type, 2 | 3),
                        });
                    }
                }
            }
        }
    }
    samples
}

fn oracle_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/pycrate_nas.py")
}

/// What pycrate reads from each sample (one JSON object each, in order).
pub fn pycrate(samples: &[Sample]) -> Vec<Value> {
    let mut child = Command::new("python3")
        .arg(oracle_script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run python3");
    let mut input = String::new();
    for s in samples {
        input.push_str(&format!(
            "{} {}\n",
            to_hex(&s.bytes),
            if s.uplink { "ul" } else { "dl" }
        ));
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("pycrate oracle");
    writer.join().expect("writer").expect("write to oracle");
    assert!(out.status.success(), "pycrate oracle failed");
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect();
    assert_eq!(rows.len(), samples.len(), "oracle answered every sample");
    rows
}

/// What tshark's NAS-EPS dissector reads from each sample.
#[derive(Debug, Clone, Default)]
pub struct TsharkRow {
    pub security_header: Vec<u8>,
    pub emm_types: Vec<u8>,
    pub esm_types: Vec<u8>,
    pub emm_causes: Vec<u8>,
    pub esm_causes: Vec<u8>,
    pub identity_types: Vec<u8>,
    pub eea: Vec<u8>,
    pub eia: Vec<u8>,
    pub info: String,
}

fn numbers(field: &str) -> Vec<u8> {
    field
        .split(',')
        .filter_map(|v| {
            let v = v.trim();
            match v.strip_prefix("0x") {
                Some(h) => u8::from_str_radix(h, 16).ok(),
                None => v.parse().ok(),
            }
        })
        .collect()
}

/// Dissect every sample with tshark: EMM PDUs with the `nas-eps` dissector (which reads the
/// security header), ESM PDUs with `nas-eps_plain` (the only one that reads a bare ESM
/// message). Null-cipher guessing is off: a ciphered body is reported as ciphered, as the
/// standard and pycrate do, instead of being read as clear text when it happens to look so.
pub fn tshark(samples: &[Sample], tag: &str) -> Vec<TsharkRow> {
    let is_esm = |s: &Sample| s.bytes.first().is_some_and(|b| b & 0x0f == 2);
    let emm: Vec<Sample> = samples.iter().filter(|s| !is_esm(s)).cloned().collect();
    let esm: Vec<Sample> = samples.iter().filter(|s| is_esm(s)).cloned().collect();
    let mut emm_rows = tshark_with(&emm, &format!("{tag}-emm"), "nas-eps").into_iter();
    let mut esm_rows = tshark_with(&esm, &format!("{tag}-esm"), "nas-eps_plain").into_iter();
    samples
        .iter()
        .map(|s| {
            let rows = if is_esm(s) {
                &mut esm_rows
            } else {
                &mut emm_rows
            };
            rows.next().unwrap_or_default()
        })
        .collect()
}

fn tshark_with(samples: &[Sample], tag: &str, dissector: &str) -> Vec<TsharkRow> {
    if samples.is_empty() {
        return Vec::new();
    }
    let path =
        std::env::temp_dir().join(format!("stingwatch-nas-{tag}-{}.pcap", std::process::id()));
    let mut pcap = Vec::new();
    pcap.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    pcap.extend_from_slice(&2u16.to_le_bytes());
    pcap.extend_from_slice(&4u16.to_le_bytes());
    pcap.extend_from_slice(&0i32.to_le_bytes());
    pcap.extend_from_slice(&0u32.to_le_bytes());
    pcap.extend_from_slice(&65535u32.to_le_bytes());
    pcap.extend_from_slice(&147u32.to_le_bytes());
    for (i, s) in samples.iter().enumerate() {
        let len = u32::try_from(s.bytes.len()).expect("small PDU");
        pcap.extend_from_slice(&u32::try_from(i).expect("count").to_le_bytes());
        pcap.extend_from_slice(&0u32.to_le_bytes());
        pcap.extend_from_slice(&len.to_le_bytes());
        pcap.extend_from_slice(&len.to_le_bytes());
        pcap.extend_from_slice(&s.bytes);
    }
    std::fs::write(&path, &pcap).expect("write temp pcap");
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .arg("-o")
        .arg(format!(
            r#"uat:user_dlts:"User 0 (DLT=147)","{dissector}","0","","0","""#
        ))
        .args(["-o", "nas-eps.null_decipher:FALSE"])
        .args(["-T", "fields", "-E", "separator=/t"])
        .args(["-e", "frame.number", "-e", "nas_eps.security_header_type"])
        .args([
            "-e",
            "nas_eps.nas_msg_emm_type",
            "-e",
            "nas_eps.nas_msg_esm_type",
        ])
        .args([
            "-e",
            "nas_eps.emm.cause",
            "-e",
            "nas_eps.esm.cause",
            "-e",
            "nas_eps.emm.id_type2",
        ])
        .args([
            "-e",
            "nas_eps.emm.toc",
            "-e",
            "nas_eps.emm.toi",
            "-e",
            "_ws.col.Info",
        ])
        .output()
        .expect("run tshark");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "tshark failed");
    let mut rows = vec![TsharkRow::default(); samples.len()];
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let Some(frame) = f.first().and_then(|v| v.parse::<usize>().ok()) else {
            continue;
        };
        let Some(row) = frame.checked_sub(1).and_then(|i| rows.get_mut(i)) else {
            continue;
        };
        let g = |i: usize| f.get(i).copied().unwrap_or("");
        *row = TsharkRow {
            security_header: numbers(g(1)),
            emm_types: numbers(g(2)),
            esm_types: numbers(g(3)),
            emm_causes: numbers(g(4)),
            esm_causes: numbers(g(5)),
            identity_types: numbers(g(6)),
            eea: numbers(g(7)),
            eia: numbers(g(8)),
            info: g(9).to_string(),
        };
    }
    rows
}

/// Info text without parenthesised details ("Attach reject (cause)" -> "Attach reject").
pub fn strip_details(info: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in info.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

fn py_u8(v: &Value, key: &str) -> Option<u8> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u8::try_from(n).ok())
}

fn gsm_identity_code(kind: IdentityKind) -> Option<u8> {
    match kind {
        IdentityKind::Imsi => Some(1),
        IdentityKind::Imei => Some(2),
        IdentityKind::Imeisv => Some(3),
        IdentityKind::Tmsi => Some(4),
        _ => None,
    }
}

/// Differences between this crate's reading and pycrate's.
pub fn diff_pycrate(m: &NasMessage, py: &Value) -> Vec<String> {
    let mut d = Vec::new();
    let err = py.get("err").and_then(Value::as_i64).unwrap_or(-9);
    if py.get("cls").is_none() {
        if m.error.is_none() {
            d.push(format!(
                "pycrate rejects (err {err}), we decode without error"
            ));
        }
        return d;
    }
    let plain = m.plain();
    let pd = match m.protocol {
        ProtocolDiscriminator::Emm => 7,
        ProtocolDiscriminator::Esm => 2,
        ProtocolDiscriminator::Other(v) => v,
    };
    let mut check = |what: &str, ours: Option<u8>, theirs: Option<u8>| {
        if ours != theirs {
            d.push(format!("{what}: ours {ours:?}, pycrate {theirs:?}"));
        }
    };
    check("protocol", Some(pd), py_u8(py, "pd"));
    let py_ciphered = py.get("ciphered").and_then(Value::as_bool).unwrap_or(false);
    check(
        "ciphered",
        Some(u8::from(m.ciphered)),
        Some(u8::from(py_ciphered)),
    );
    if py.get("type").is_some() {
        check("message type", plain.message_type, py_u8(py, "type"));
    }
    if py.get("esm_type").is_some()
        || (plain.protocol == ProtocolDiscriminator::Emm && plain.inner.is_some())
    {
        check(
            "ESM container type",
            plain.inner.as_ref().and_then(|e| e.message_type),
            py_u8(py, "esm_type"),
        );
    }
    if py.get("id_type").is_some() {
        check(
            "identity type",
            plain.fields.identity_type.map(|t| t.bits()),
            py_u8(py, "id_type"),
        );
    }
    if py.get("identity_kind").is_some() {
        check(
            "identity kind",
            plain
                .fields
                .mobile_identity
                .as_ref()
                .and_then(|i| gsm_identity_code(i.kind)),
            py_u8(py, "identity_kind"),
        );
    }
    if py.get("emm_cause").is_some() || plain.fields.emm_cause.is_some() {
        check(
            "EMM cause",
            plain.fields.emm_cause.map(|c| c.value),
            py_u8(py, "emm_cause"),
        );
    }
    let our_esm_cause = m.esm().and_then(|e| e.fields.esm_cause);
    if py.get("esm_cause").is_some() || our_esm_cause.is_some() {
        check(
            "ESM cause",
            our_esm_cause.map(|c| c.value),
            py_u8(py, "esm_cause"),
        );
    }
    if py.get("eea").is_some() {
        let algs = plain.fields.selected_algorithms;
        check("EEA", algs.map(|a| a.eea), py_u8(py, "eea"));
        check("EIA", algs.map(|a| a.eia), py_u8(py, "eia"));
    }
    d
}

/// Differences between this crate's reading and tshark's.
pub fn diff_tshark(m: &NasMessage, t: &TsharkRow) -> Vec<String> {
    let mut d = Vec::new();
    let plain = m.plain();
    let mut check = |what: &str, ours: Option<u8>, theirs: Option<u8>| {
        if ours != theirs {
            d.push(format!("{what}: ours {ours:?}, tshark {theirs:?}"));
        }
    };
    if m.protocol == ProtocolDiscriminator::Emm {
        check(
            "security header",
            Some(m.security_header.value()),
            t.security_header.first().copied(),
        );
    }
    let our_emm = (plain.protocol == ProtocolDiscriminator::Emm)
        .then_some(plain.message_type)
        .flatten();
    check("EMM message type", our_emm, t.emm_types.first().copied());
    let our_esm = m.esm().and_then(|e| e.message_type);
    check("ESM message type", our_esm, t.esm_types.first().copied());
    check(
        "EMM cause",
        plain.fields.emm_cause.map(|c| c.value),
        t.emm_causes.first().copied(),
    );
    let our_esm_cause = m.esm().and_then(|e| e.fields.esm_cause).map(|c| c.value);
    check("ESM cause", our_esm_cause, t.esm_causes.first().copied());
    check(
        "identity type",
        plain.fields.identity_type.map(|i| i.bits()),
        t.identity_types.first().copied(),
    );
    let algs = plain.fields.selected_algorithms;
    check("EEA", algs.map(|a| a.eea), t.eea.first().copied());
    check("EIA", algs.map(|a| a.eia), t.eia.first().copied());
    let theirs = strip_details(&t.info);
    let ours = m.summary();
    // tshark also names the SMS in a NAS message container ("Uplink NAS transport CP-DATA")
    // of NAS transport and control plane service request: another protocol, left to others.
    let sms_inside = matches!(plain.message_type, Some(0x62 | 0x63 | 0x4d))
        && theirs.starts_with(&format!("{ours} "));
    // A PDU that is neither EMM nor ESM: tshark prints nothing, this crate "Unknown".
    let not_nas = ours == "Unknown" && theirs.is_empty();
    if ours != theirs && !sms_inside && !not_nas {
        d.push(format!("name: ours {:?}, tshark {:?}", m.summary(), theirs));
    }
    d
}

/// Compare every sample with both oracles, print each disagreement, return (agree, total)
/// per oracle.
pub fn compare_all(samples: &[Sample], tag: &str) -> ((usize, usize), (usize, usize)) {
    let py = pycrate(samples);
    let ts = tshark(samples, tag);
    let (mut py_ok, mut ts_ok, mut lenient) = (0, 0, 0);
    for ((s, p), t) in samples.iter().zip(&py).zip(&ts) {
        let m = s.decode();
        let dp = diff_pycrate(&m, p);
        let dt = diff_tshark(&m, t);
        if let Some(cut) = p.get("trimmed") {
            lenient += 1;
            println!(
                "LENIENT {} {}: pycrate read it only without its last {cut} octets",
                s.origin,
                to_hex(&s.bytes)
            );
        }
        if dp.is_empty() {
            py_ok += 1;
        } else {
            println!(
                "DISAGREE pycrate {} {}: {}",
                s.origin,
                to_hex(&s.bytes),
                dp.join("; ")
            );
        }
        if dt.is_empty() {
            ts_ok += 1;
        } else {
            println!(
                "DISAGREE tshark  {} {}: {}",
                s.origin,
                to_hex(&s.bytes),
                dt.join("; ")
            );
        }
    }
    println!(
        "{tag}: {} samples; pycrate agrees on {py_ok} ({lenient} after dropping trailing octets), tshark on {ts_ok}",
        samples.len()
    );
    ((py_ok, samples.len()), (ts_ok, samples.len()))
}

/// At least 99% agreement.
pub fn assert_agreement(what: &str, (agree, total): (usize, usize)) {
    assert!(total > 0, "{what}: no samples");
    assert!(
        agree * 100 >= total * 99,
        "{what}: only {agree} of {total} agree (need 99%)"
    );
}

/// NAS PDUs of a Qualcomm DIAG recording (HDLC framed): LTE NAS OTA log records 0xB0E0-0xB0E3
/// (ESM) and 0xB0EA-0xB0ED (EMM), even codes incoming (downlink), odd outgoing (uplink); each
/// record's payload is a 4-octet version header followed by the NAS PDU.
pub fn diag_samples(path: &Path) -> Vec<Sample> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_string();
    let mut out = Vec::new();
    for (index, raw) in data.split(|b| *b == 0x7e).enumerate() {
        let mut frame = Vec::with_capacity(raw.len());
        let mut escaped = false;
        for &b in raw {
            if escaped {
                frame.push(b ^ 0x20);
                escaped = false;
            } else if b == 0x7d {
                escaped = true;
            } else {
                frame.push(b);
            }
        }
        // Log packet: command 0x10, more, length, length, log code, timestamp, payload, CRC.
        let Some(body) = frame.get(..frame.len().saturating_sub(2)) else {
            continue;
        };
        if body.first() != Some(&0x10) || body.len() < 20 {
            continue;
        }
        let code = u16::from_le_bytes([body[6], body[7]]);
        if !matches!(code, 0xb0e0..=0xb0e3 | 0xb0ea..=0xb0ed) {
            continue;
        }
        let nas = &body[20..];
        if nas.is_empty() {
            continue;
        }
        out.push(Sample {
            origin: format!("{name}#{index} log {code:#06x}"),
            bytes: nas.to_vec(),
            uplink: code % 2 == 1,
        });
    }
    out
}
