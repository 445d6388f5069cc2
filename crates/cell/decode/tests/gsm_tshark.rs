//! GSM layer 3 read from a real DIAG recording (RR signalling 0x512F, NAS OTA 0x713A) agrees
//! with tshark, the independent oracle, message by message and field by field.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::Path;
use std::process::Command;

use stingwatch_capture::PcapngWriter;
use stingwatch_decode::{decode_message, CaptureReader, Protocol};
use stingwatch_gsm::{GsmMessage, IdentityKind, Protocol as Pd};
use stingwatch_model::ReadItem;
use stingwatch_testsupport::{have_tool, shared_dir};

/// Fields asked of tshark, first occurrence of each per frame.
const FIELDS: [&str; 15] = [
    "gsm_a.dtap.msg_rr_type",
    "gsm_a.dtap.msg_mm_type",
    "gsm_a.dtap.msg_gmm_type",
    "gsm_a.dtap.msg_sm_type",
    "gsm_a.dtap.msg_cc_type",
    "gsm_a.dtap.msg_sms_type",
    "gsm_a.rr.t3212",
    "gsm_a.rr.rxlev_access_min",
    "gsm_a.bssmap.cell_ci",
    "gsm_a.lac",
    "gsm_a.dtap.rej_cause",
    "gsm_a.gm.gmm.cause",
    "gsm_a.ie.mobileid.type",
    "gsm_a.dtap.type_of_identity",
    "gsm_a.rr.cell_reselect_offset",
];

fn tshark_fields(pcapng: &Path) -> BTreeMap<u64, Vec<Option<u32>>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcapng)
        .args(["-T", "fields", "-E", "occurrence=f", "-e", "frame.number"]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let frame = cols.next()?.trim().parse().ok()?;
            let values = cols
                .map(|c| {
                    let c = c.trim();
                    c.strip_prefix("0x")
                        .map(|h| u32::from_str_radix(h, 16).ok())
                        .unwrap_or_else(|| c.parse().ok())
                })
                .collect();
            Some((frame, values))
        })
        .collect()
}

fn identity_number(kind: IdentityKind) -> Option<u32> {
    Some(match kind {
        IdentityKind::NoIdentity => 0,
        IdentityKind::Imsi => 1,
        IdentityKind::Imei => 2,
        IdentityKind::Imeisv => 3,
        IdentityKind::Tmsi => 4,
        IdentityKind::Tmgi => 5,
        _ => return None,
    })
}

/// Our value for each of [`FIELDS`], and whether we claim to read it for this message
/// (a claimed field that tshark has and we lack is a disagreement).
fn ours(m: &GsmMessage) -> Vec<(Option<u32>, bool)> {
    let f = &m.fields;
    let mt = Some(u32::from(m.message_type));
    let by = |p: Pd| {
        if m.protocol == p {
            (mt, true)
        } else {
            (None, false)
        }
    };
    let rr = m.protocol == Pd::Rr;
    let mm = m.protocol == Pd::Mm;
    let gmm = m.protocol == Pd::Gmm;
    let si3 = rr && m.message_type == 0x1b;
    let si4 = rr && m.message_type == 0x1c;
    let si6 = rr && m.message_type == 0x1e;
    let first_identity = f
        .mobile_identity
        .as_ref()
        .or(f.paged.first())
        .and_then(|i| identity_number(i.kind));
    vec![
        by(Pd::Rr),
        by(Pd::Mm),
        by(Pd::Gmm),
        by(Pd::Sm),
        by(Pd::Cc),
        by(Pd::Sms),
        (f.t3212_decihours.map(u32::from), si3),
        (f.rxlev_access_min.map(u32::from), si3 || si4),
        (f.cell_identity.map(u32::from), si3 || si6),
        (f.lai.map(|l| u32::from(l.lac)), si3 || si4 || si6),
        (
            f.reject_cause.map(u32::from),
            mm && matches!(m.message_type, 0x04 | 0x22),
        ),
        (
            f.reject_cause.map(u32::from),
            gmm && matches!(m.message_type, 0x04 | 0x0b | 0x0e),
        ),
        (first_identity, false),
        (
            f.identity_requested.and_then(identity_number),
            mm && m.message_type == 0x18,
        ),
        (f.cell_reselect_offset.map(u32::from), si3 || si4),
    ]
}

#[test]
fn gsm_messages_of_a_real_recording_agree_with_tshark() {
    let Some(shared) = shared_dir() else { return };
    if !have_tool("tshark") {
        return;
    }
    let recording = shared.join("captures/mobileinsight/cmcc.mi2log");
    let dir = std::env::temp_dir().join(format!("stingwatch-gsm-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pcapng = dir.join("gsm.pcapng");
    let mut writer = PcapngWriter::new(BufWriter::new(
        std::fs::File::create(&pcapng).expect("create pcapng"),
    ))
    .expect("pcapng header");
    let mut decoded = Vec::new();
    for item in CaptureReader::open(&recording).expect("open recording") {
        let ReadItem::Message(msg) = item else {
            continue;
        };
        let m = decode_message(msg);
        if !matches!(m.protocol, Protocol::GsmUm | Protocol::GsmL3) {
            continue;
        }
        writer.write_message(&m.source, &[]).expect("write");
        decoded.push(m);
    }
    writer.flush().expect("flush");
    drop(writer);
    let theirs = tshark_fields(&pcapng);
    let _ = std::fs::remove_dir_all(&dir);

    let (mut agree, mut fields_compared, mut undecoded) = (0usize, 0usize, 0usize);
    for (i, m) in decoded.iter().enumerate() {
        let frame = i as u64 + 1;
        let Some(gsm) = m.gsm.as_deref() else {
            panic!("frame {frame}: GSM message without a GSM decoding");
        };
        if gsm.error.is_some() {
            undecoded += 1;
            println!("frame {frame}: {} not decoded: {:?}", gsm.name, gsm.error);
        }
        let Some(t) = theirs.get(&frame) else {
            println!("frame {frame}: tshark shows nothing");
            continue;
        };
        let mut same = true;
        for (k, ((our, claimed), their)) in ours(gsm).into_iter().zip(t).enumerate() {
            match (our, their) {
                (Some(a), Some(b)) => {
                    fields_compared += 1;
                    if a != *b {
                        same = false;
                        println!(
                            "frame {frame} {}: {} ours {a} tshark {b}",
                            gsm.name, FIELDS[k]
                        );
                    }
                }
                (None, Some(b)) if claimed => {
                    same = false;
                    println!(
                        "frame {frame} {}: {} missing, tshark {b}",
                        gsm.name, FIELDS[k]
                    );
                }
                (Some(a), None) if k < 6 => {
                    same = false;
                    println!("frame {frame} {}: tshark has no type, ours {a}", gsm.name);
                }
                _ => {}
            }
        }
        if same {
            agree += 1;
        }
    }
    let total = decoded.len();
    println!(
        "{agree}/{total} GSM messages agree with tshark ({fields_compared} fields compared), {undecoded} not decoded"
    );
    assert!(
        total >= 300,
        "expected the recording's GSM messages, got {total}"
    );
    assert!(
        agree as f64 >= 0.995 * total as f64,
        "only {agree}/{total} GSM messages agree with tshark"
    );
    assert!(
        undecoded as f64 <= 0.005 * total as f64,
        "{undecoded}/{total} GSM messages not decoded"
    );
}
