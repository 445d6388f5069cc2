//! The adapter against two independent decoders, tshark (the `nas-5gs` dissector, read from
//! exported PDUs in a pcap) and pycrate (`pycrate_mobile.NAS.parse_NAS5G`), on a corpus of
//! 5GS NAS messages from two independent encoders: this crate's hand encoder
//! (`stingwatch_nas5g::build`, after TS 24.501 §8.2) and pycrate's message classes.
//!
//! Real 5G standalone NAS is absent from `../shared/captures` (the NR recordings there are
//! non-standalone, 5G NAS-free), hence the generated corpus. Fields compared: message type,
//! security header type, 5GMM cause, requested or sent identity type, SUCI protection scheme
//! and home network key, selected algorithms, registration type. Tallies are printed; the
//! agreement must reach 99.5 %.

use std::process::Command;

use stingwatch_nas5g::build::{self, SuciSpec};
use stingwatch_nas5g::{
    decode, Algorithms, IdentityKind, MobileIdentity, ProtectionScheme, RegistrationType,
};

/// The fields compared, each `None` where a decoder shows none.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Fields {
    message_type: Option<u8>,
    security: Option<u8>,
    cause: Option<u8>,
    identity_type: Option<u8>,
    scheme: Option<u8>,
    key: Option<u8>,
    ciphering: Option<u8>,
    integrity: Option<u8>,
    registration: Option<u8>,
}

const FIELD_NAMES: [&str; 9] = [
    "message type",
    "security header",
    "5GMM cause",
    "identity type",
    "SUCI scheme",
    "home network key",
    "5G-EA",
    "5G-IA",
    "registration type",
];

impl Fields {
    fn values(&self) -> [Option<u8>; 9] {
        [
            self.message_type,
            self.security,
            self.cause,
            self.identity_type,
            self.scheme,
            self.key,
            self.ciphering,
            self.integrity,
            self.registration,
        ]
    }
}

fn ours(pdu: &[u8]) -> Fields {
    let m = decode(pdu);
    let f = &m.fields;
    let (scheme, key) = match &f.identity {
        Some(MobileIdentity::Suci(s)) => (s.scheme.map(ProtectionScheme::id), s.home_network_key),
        _ => (None, None),
    };
    Fields {
        message_type: m.message_type,
        // A 5GSM header has no security header type.
        security: (m.protocol == stingwatch_nas5g::Nas5gProtocol::Mm).then(|| m.security.value()),
        cause: f.cause,
        identity_type: f
            .requested_identity
            .or(f.identity.as_ref().map(MobileIdentity::kind))
            .map(IdentityKind::value),
        scheme,
        key,
        ciphering: f.algorithms.map(|a| a.ciphering),
        integrity: f.algorithms.map(|a| a.integrity),
        registration: f.registration_type.map(RegistrationType::value),
    }
}

/// The corpus: (origin, PDU).
fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let sucis = [
        SuciSpec {
            mcc: "001",
            mnc: "01",
            scheme: ProtectionScheme::Null,
            home_network_key: 0,
            msin: "0000000001",
        },
        SuciSpec {
            mcc: "310",
            mnc: "260",
            scheme: ProtectionScheme::ProfileA,
            home_network_key: 7,
            msin: "123456789",
        },
        SuciSpec {
            mcc: "208",
            mnc: "93",
            scheme: ProtectionScheme::ProfileB,
            home_network_key: 200,
            msin: "0000000120",
        },
    ];
    let kinds = [
        RegistrationType::Initial,
        RegistrationType::MobilityUpdating,
        RegistrationType::PeriodicUpdating,
        RegistrationType::Emergency,
    ];
    for s in &sucis {
        for k in kinds {
            out.push((
                "builder",
                build::registration_request(k, true, &s.identity()),
            ));
        }
        out.push(("builder", build::identity_response(&s.identity())));
    }
    let guti = build::guti_identity("310", "260", 0x1234_5678);
    out.push((
        "builder",
        build::registration_request(RegistrationType::MobilityUpdating, false, &guti),
    ));
    out.push((
        "builder",
        build::identity_response(&build::imeisv_identity("3542290600000011")),
    ));
    out.push(("builder", build::registration_accept(&guti)));
    out.push(("builder", build::registration_complete()));
    out.push(("builder", build::authentication_request()));
    out.push(("builder", build::authentication_response()));
    out.push(("builder", build::authentication_reject()));
    for cause in [20, 21, 26] {
        out.push(("builder", build::authentication_failure(cause)));
    }
    for cause in [3, 6, 7, 11, 12, 13, 15, 22, 27, 31, 62, 73, 111] {
        out.push(("builder", build::registration_reject(cause)));
        out.push(("builder", build::service_reject(cause)));
        out.push((
            "builder",
            build::deregistration_request_network(cause % 2 == 0, Some(cause)),
        ));
    }
    for kind in [
        IdentityKind::Suci,
        IdentityKind::Imei,
        IdentityKind::Imeisv,
        IdentityKind::Guti,
    ] {
        out.push(("builder", build::identity_request(kind)));
    }
    for c in 0..4 {
        for i in 0..4 {
            let smc = build::security_mode_command(
                Algorithms {
                    ciphering: c,
                    integrity: i,
                },
                c == i,
            );
            out.push(("builder", build::protect(3, 0, &smc)));
            out.push(("builder", smc));
        }
    }
    out.push((
        "builder",
        build::security_mode_complete(Some(&build::imeisv_identity("3542290600000011"))),
    ));
    out.push((
        "builder",
        build::protect(4, 0, &build::security_mode_complete(None)),
    ));
    out.push(("builder", build::security_mode_reject(23)));
    out.push(("builder", build::service_request(1, 0xdead_beef)));
    out.push(("builder", build::service_request(3, 0xdead_beef)));
    out.push(("builder", build::service_accept()));
    out.push(("builder", build::deregistration_request_phone(true, &guti)));
    out.push(("builder", build::deregistration_accept_phone()));
    out.push(("builder", build::deregistration_accept_network()));
    out.push(("builder", build::configuration_update_command(&guti)));
    out.push((
        "builder",
        build::protect(2, 5, &build::registration_accept(&guti)),
    ));
    out.push((
        "builder",
        build::protect(1, 6, &build::registration_reject(7)),
    ));
    out
}

/// Messages encoded by pycrate: every 5GMM cause in rejects, every identity type asked,
/// every pair of algorithms commanded.
const PYCRATE_ENCODER: &str = r#"
import sys
from pycrate_mobile.NAS5G import FGMMTypeClasses as C
out = []
for cause in range(256):
    out.append(C[0x44](val={'5GMMCause': cause}).to_bytes())
    out.append(C[0x4d](val={'5GMMCause': cause}).to_bytes())
    out.append(C[0x59](val={'5GMMCause': cause}).to_bytes())
for t in range(8):
    out.append(C[0x5b](val={'5GSIDType': {'Value': t}}).to_bytes())
for c in range(8):
    for i in range(8):
        m = C[0x5d]()
        m['NASSecAlgo'][0].set_val(bytes([c << 4 | i]))
        m['UESecCap'][1].set_val(bytes([0x80, 0x20]))
        m['UESecCap'][0].set_val(None)
        out.append(m.to_bytes())
for b in out:
    print(b.hex())
"#;

/// For each hex line on stdin, the fields pycrate decodes, tab separated, `-` for none.
const PYCRATE_DECODER: &str = r#"
import sys
from pycrate_mobile.NAS import parse_NAS5G
def first(m, path):
    try:
        e = m
        for p in path:
            e = e[p]
        return e.get_val()
    except Exception:
        return None
def fields(pdu):
    m, err = parse_NAS5G(pdu, inner=True)
    f = ['-'] * 9
    if m is None or err or (pdu[1] & 0x0f in (1, 3) and not hasattr(m[-1], '_content')):
        return ['error'] + f[1:]
    sht = pdu[1] & 0x0f if pdu[0] == 0x7e else 0
    if pdu[0] == 0x7e:
        f[1] = str(sht)
    inner = m
    if sht in (1, 3):
        inner = m[-1]
    if sht in (2, 4):
        return f
    hdr = inner[0]
    f[0] = str(hdr['Type'].get_val())
    names = [e._name for e in inner._content]
    if '5GMMCause' in names:
        f[2] = str(inner['5GMMCause'][-1].get_val() if hasattr(inner['5GMMCause'], '_content') else inner['5GMMCause'].get_val())
    if '5GSIDType' in names:
        f[3] = str(inner['5GSIDType']['5GSIDType']['Value'].get_val())
    for idname in ('5GSID', 'IMEISV', 'GUTI'):
        if idname in names and f[3] == '-':
            ie = inner[idname]
            idv = ie[-1]
            if not hasattr(idv, '_content') or 'Type' not in [e._name for e in idv._content]:
                continue
            f[3] = str(idv['Type'].get_val())
            if idv['Type'].get_val() == 1 and idv['Fmt'].get_val() == 0:
                v = idv['Value']
                f[4] = str(v['ProtSchemeID'].get_val())
                f[5] = str(v['HNPKID'].get_val())
    if 'NASSecAlgo' in names:
        a = inner['NASSecAlgo']['NASSecAlgo']
        f[6] = str(a['CiphAlgo'].get_val())
        f[7] = str(a['IntegAlgo'].get_val())
    if '5GSRegType' in names:
        f[8] = str(inner['5GSRegType']['5GSRegType']['Value'].get_val())
    return f
for line in sys.stdin:
    try:
        f = fields(bytes.fromhex(line.strip()))
    except Exception:
        # pycrate itself failed on the message (a bug of its own, e.g. in payload containers).
        f = ['error'] + ['-'] * 8
    print('\t'.join(f))
"#;

fn parse_row(line: &str) -> Option<Fields> {
    let cols: Vec<Option<u8>> = line
        .split('\t')
        .map(|c| {
            let v = c.split(',').next()?.trim();
            match v.strip_prefix("0x") {
                Some(h) => u8::from_str_radix(h, 16).ok(),
                None => v.parse().ok(),
            }
        })
        .collect();
    if line.starts_with("error") {
        return None;
    }
    let g = |i: usize| cols.get(i).copied().flatten();
    Some(Fields {
        // tshark names the 5GSM message type apart, in a tenth column.
        message_type: g(0).or(g(9)),
        security: g(1),
        cause: g(2),
        identity_type: g(3),
        scheme: g(4),
        key: g(5),
        ciphering: g(6),
        integrity: g(7),
        registration: g(8),
    })
}

/// A classic pcap of exported PDUs (link type 252) with the `nas-5gs` dissector name.
fn exported_pdu_pcap(pdus: &[Vec<u8>]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65_535u32.to_le_bytes());
    f.extend_from_slice(&252u32.to_le_bytes());
    for (i, pdu) in pdus.iter().enumerate() {
        let name = b"nas-5gs";
        let mut p = vec![0, 12, 0, name.len() as u8];
        p.extend_from_slice(name);
        p.extend_from_slice(&[0, 0, 0, 0]);
        p.extend_from_slice(pdu);
        f.extend_from_slice(&(i as u32).to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(&p);
    }
    f
}

fn tshark_rows(pdus: &[Vec<u8>]) -> Vec<Option<Fields>> {
    let dir = tempfile_dir();
    let path = dir.join("nas5g-oracle.pcap");
    std::fs::write(&path, exported_pdu_pcap(pdus)).expect("write pcap");
    let out = Command::new("tshark")
        .args(["-r"])
        .arg(&path)
        .args([
            "-T",
            "fields",
            "-E",
            "occurrence=f",
            "-e",
            "nas_5gs.mm.message_type",
            "-e",
            "nas_5gs.security_header_type",
            "-e",
            "nas_5gs.mm.5gmm_cause",
            "-e",
            "nas_5gs.mm.type_id",
            "-e",
            "nas_5gs.mm.suci.scheme_id",
            "-e",
            "nas_5gs.mm.suci.pki",
            "-e",
            "nas_5gs.mm.nas_sec_algo_enc",
            "-e",
            "nas_5gs.mm.nas_sec_algo_ip",
            "-e",
            "nas_5gs.mm.5gs_reg_type",
            "-e",
            "nas_5gs.sm.message_type",
        ])
        .output()
        .expect("tshark runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "tshark failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(parse_row)
        .collect()
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("stingwatch-nas5g-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Compares field by field; a field counts when either side shows it.
fn tally(name: &str, pdus: &[Vec<u8>], theirs: &[Option<Fields>]) -> (usize, usize) {
    assert_eq!(pdus.len(), theirs.len(), "{name}: one row per message");
    let (mut agree, mut total) = (0, 0);
    let mut per_field = [(0usize, 0usize); 9];
    for (pdu, t) in pdus.iter().zip(theirs) {
        let o = ours(pdu);
        let Some(t) = t else {
            // The oracle refused the message: counted against agreement unless ours refused
            // its body too.
            total += 1;
            if decode(pdu).error.is_some() {
                agree += 1;
            } else {
                eprintln!("{name} refused {}", hex(pdu));
            }
            continue;
        };
        for (i, (a, b)) in o.values().iter().zip(t.values()).enumerate() {
            if a.is_none() && b.is_none() {
                continue;
            }
            total += 1;
            per_field[i].1 += 1;
            if *a == b {
                agree += 1;
                per_field[i].0 += 1;
            } else {
                eprintln!(
                    "{name} {}: {} ours {a:?} theirs {b:?}",
                    hex(pdu),
                    FIELD_NAMES[i]
                );
            }
        }
    }
    println!(
        "{name}: {agree}/{total} field values agree over {} messages",
        pdus.len()
    );
    for (i, (a, t)) in per_field.iter().enumerate() {
        println!("  {:<18} {a}/{t}", FIELD_NAMES[i]);
    }
    (agree, total)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn oracles_available() -> bool {
    let tshark = stingwatch_testsupport::have_tool_answering("tshark", "-v");
    let pycrate = stingwatch_testsupport::have_pycrate();
    if (!tshark || !pycrate) && stingwatch_testsupport::in_ci() {
        panic!("CI must have tshark and pycrate for the 5GS NAS oracle test");
    }
    if !tshark || !pycrate {
        eprintln!("skipped: tshark and pycrate are needed");
    }
    tshark && pycrate
}

#[test]
fn agrees_with_tshark_and_pycrate() {
    if !oracles_available() {
        return;
    }
    let mut pdus: Vec<Vec<u8>> = corpus().into_iter().map(|(_, p)| p).collect();
    let builder = pdus.len();
    let encoded = stingwatch_testsupport::run_python(PYCRATE_ENCODER, "");
    pdus.extend(encoded.lines().map(|l| {
        (0..l.len())
            .step_by(2)
            .filter_map(|i| l.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Vec<u8>>()
    }));
    let generated = pdus.len();
    // More messages, e.g. from a lab capture: one hexadecimal PDU per line.
    if let Ok(path) = std::env::var("STINGWATCH_NAS5G_CORPUS") {
        let text = std::fs::read_to_string(&path).expect("the extra corpus is readable");
        pdus.extend(text.lines().filter(|l| !l.trim().is_empty()).map(|l| {
            let l = l.trim();
            (0..l.len())
                .step_by(2)
                .filter_map(|i| l.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect::<Vec<u8>>()
        }));
    }
    println!(
        "corpus: {builder} messages from the hand encoder, {} from pycrate's encoder, {} extra",
        generated - builder,
        pdus.len() - generated
    );
    let input: String = pdus.iter().map(|p| hex(p) + "\n").collect();
    let py: Vec<Option<Fields>> = stingwatch_testsupport::run_python(PYCRATE_DECODER, &input)
        .lines()
        .map(parse_row)
        .collect();
    let ts = tshark_rows(&pdus);
    let (a1, t1) = tally("pycrate", &pdus, &py);
    let (a2, t2) = tally("tshark", &pdus, &ts);
    let rate = |a: usize, t: usize| a as f64 / t.max(1) as f64;
    assert!(rate(a1, t1) >= 0.995, "pycrate agreement {a1}/{t1}");
    assert!(rate(a2, t2) >= 0.995, "tshark agreement {a2}/{t2}");
}
