//! Differential test: every LTE RRC message of the shared real captures is decoded here and by
//! tshark; message names and the fields detection reads must agree.

use std::process::Command;

use stingwatch_lte_rrc::{decode, LteRrcChannel, PagingIdentity, RrcMessage};
use stingwatch_testsupport::{have_tool, shared_captures};

/// GSMTAP v2 type of an LTE RRC payload.
const GSMTAP_TYPE_LTE_RRC: u8 = 0x0d;

/// GSMTAP LTE RRC sub-type (header byte 12) to channel, as the GSMTAP definitions number them.
fn channel_of_sub_type(sub: u8) -> Option<LteRrcChannel> {
    Some(match sub {
        0 => LteRrcChannel::DlCcch,
        1 => LteRrcChannel::DlDcch,
        2 => LteRrcChannel::UlCcch,
        3 => LteRrcChannel::UlDcch,
        4 => LteRrcChannel::BcchBch,
        5 => LteRrcChannel::BcchDlSch,
        6 => LteRrcChannel::Pcch,
        7 => LteRrcChannel::Mcch,
        8 => LteRrcChannel::BcchBchMbms,
        9 => LteRrcChannel::BcchDlSchBr,
        10 => LteRrcChannel::BcchDlSchMbms,
        11 => LteRrcChannel::ScMcch,
        14 => LteRrcChannel::DlCcchNb,
        15 => LteRrcChannel::DlDcchNb,
        16 => LteRrcChannel::UlCcchNb,
        17 => LteRrcChannel::UlDcchNb,
        18 => LteRrcChannel::BcchBchNb,
        20 => LteRrcChannel::BcchDlSchNb,
        21 => LteRrcChannel::PcchNb,
        _ => return None,
    })
}

const FIELDS: &[&str] = &[
    "frame.number",
    "udp.payload",
    "_ws.col.Info",
    "lte-rrc.trackingAreaCode",
    "lte-rrc.cellIdentity",
    "lte-rrc.MCC_MNC_Digit",
    "lte-rrc.cellReselectionPriority",
    "lte-rrc.releaseCause",
    "lte-rrc.cipheringAlgorithm",
    "lte-rrc.integrityProtAlgorithm",
    "lte-rrc.dl_CarrierFreq",
    "lte-rrc.m_TMSI",
    "lte-rrc.IMSI_Digit",
    "lte-rrc.establishmentCause",
    "lte-rrc.targetPhysCellId",
    "lte-rrc.waitTime",
    "lte-rrc.freqBandIndicator",
    "lte-rrc.dedicatedInfoNAS",
    "lte-rrc.physCellId",
    "lte-rrc.DedicatedInfoNAS",
    "lte-rrc.freqBandIndicator_v9e0",
];

struct Row {
    frame: String,
    cols: Vec<String>,
}

impl Row {
    fn get(&self, field: &str) -> &str {
        let i = FIELDS
            .iter()
            .position(|f| *f == field)
            .expect("known field");
        self.cols.get(i).map(String::as_str).unwrap_or("")
    }

    fn list(&self, field: &str) -> Vec<String> {
        let v = self.get(field);
        if v.is_empty() {
            Vec::new()
        } else {
            v.split(',').map(str::to_string).collect()
        }
    }
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tshark_rows(path: &std::path::Path) -> Vec<Row> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-Y", "gsmtap.type == 13", "-T", "fields"])
        .args([
            "-E",
            "separator=\t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let cols: Vec<String> = l.split('\t').map(str::to_string).collect();
            Row {
                frame: cols.first().cloned().unwrap_or_default(),
                cols,
            }
        })
        .collect()
}

/// First item of tshark's Info column: the message name (it may be followed by `, NAS name`,
/// ` [ SIB2 SIB3 ]`, ` (2 PagingRecords)`, `(DTAP)` or `[Malformed Packet]`).
fn info_name(info: &str) -> &str {
    let end = info
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(info.len());
    &info[..end]
}

const RELEASE_CAUSES: &[&str] = &[
    "loadBalancingTAUrequired",
    "other",
    "cs-FallbackHighPriority-v1020",
    "rrc-Suspend-v1320",
];
const ESTABLISHMENT_CAUSES: &[&str] = &[
    "emergency",
    "highPriorityAccess",
    "mt-Access",
    "mo-Signalling",
    "mo-Data",
    "delayTolerantAccess-v1020",
    "mo-VoiceCall-v1280",
    "spare1",
];

/// Field comparisons for one message; returns the disagreements.
fn compare_fields(row: &Row, m: &RrcMessage) -> Vec<String> {
    let mut bad = Vec::new();
    let mut check = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            bad.push(format!("{what}: ours {ours:?} tshark {theirs:?}"));
        }
    };
    let s = &m.summary;
    match m.name {
        "SystemInformationBlockType1" => {
            check(
                "tac",
                format!("{:?}", s.tac),
                format!(
                    "{:?}",
                    u16::from_str_radix(row.get("lte-rrc.trackingAreaCode"), 16).ok()
                ),
            );
            check(
                "cell identity",
                format!("{:?}", s.cell_identity),
                format!(
                    "{:?}",
                    u32::from_str_radix(row.get("lte-rrc.cellIdentity"), 16)
                        .ok()
                        .map(|v| v >> 4)
                ),
            );
            let digits: String = row.list("lte-rrc.MCC_MNC_Digit").concat();
            let first = s
                .plmns
                .first()
                .map(|p| format!("{}{}", p.mcc, p.mnc))
                .unwrap_or_default();
            check(
                "first PLMN",
                first.clone(),
                digits.get(..first.len()).unwrap_or("").to_string(),
            );
            // A base value of 64 defers to freqBandIndicator-v9e0 (the first such field;
            // later ones belong to multiBandInfoList-v9e0).
            let base = row.get("lte-rrc.freqBandIndicator").to_string();
            let band = match (
                base.as_str(),
                row.list("lte-rrc.freqBandIndicator_v9e0").first(),
            ) {
                ("64", Some(ext)) => ext.clone(),
                _ => base,
            };
            check(
                "band",
                format!("{:?}", s.freq_band),
                format!("{:?}", band.parse::<u16>().ok()),
            );
        }
        "SystemInformation" if s.sibs.iter().all(|n| (2..=7).contains(n)) => {
            // In message order, every cellReselectionPriority of SIB3/5/6/7 must match.
            let mut ours: Vec<String> = Vec::new();
            let mut carriers = s.eutra_carriers.iter();
            for n in &s.sibs {
                match n {
                    3 => ours.extend(s.serving_priority.map(|p| p.to_string())),
                    5 => {
                        for c in carriers.by_ref() {
                            ours.extend(c.priority.map(|p| p.to_string()));
                        }
                    }
                    6 => {
                        for c in s.utra_fdd_carriers.iter().chain(&s.utra_tdd_carriers) {
                            ours.extend(c.priority.map(|p| p.to_string()));
                        }
                    }
                    7 => {
                        for c in &s.geran_carriers {
                            ours.extend(c.priority.map(|p| p.to_string()));
                        }
                    }
                    _ => {}
                }
            }
            check(
                "priorities",
                ours.join(","),
                row.get("lte-rrc.cellReselectionPriority").to_string(),
            );
            if s.sibs.contains(&5) {
                let ours: Vec<String> = s
                    .eutra_carriers
                    .iter()
                    .map(|c| c.earfcn.min(65535).to_string())
                    .collect();
                check(
                    "SIB5 earfcns",
                    ours.join(","),
                    row.get("lte-rrc.dl_CarrierFreq").to_string(),
                );
            }
            if s.sibs.contains(&4) {
                let ours: Vec<String> = s
                    .intra_freq_neighbour_pcis
                    .iter()
                    .map(u16::to_string)
                    .collect();
                check(
                    "SIB4 pcis",
                    ours.join(","),
                    row.get("lte-rrc.physCellId").to_string(),
                );
            }
        }
        "Paging" => {
            let mut tmsis = Vec::new();
            let mut imsi_digits = String::new();
            for r in &s.paging_records {
                match &r.identity {
                    PagingIdentity::STmsi(t) => tmsis.push(format!("{:08x}", t.m_tmsi)),
                    PagingIdentity::Imsi(d) => imsi_digits.push_str(d),
                    _ => {}
                }
            }
            check(
                "m-TMSIs",
                tmsis.join(","),
                row.get("lte-rrc.m_TMSI").to_string(),
            );
            check(
                "IMSI digits",
                imsi_digits,
                row.list("lte-rrc.IMSI_Digit").concat(),
            );
        }
        "RRCConnectionRequest" => check(
            "establishment cause",
            s.establishment_cause.unwrap_or("").to_string(),
            row.get("lte-rrc.establishmentCause")
                .parse::<usize>()
                .ok()
                .and_then(|i| ESTABLISHMENT_CAUSES.get(i))
                .map(|c| c.to_string())
                .unwrap_or_default(),
        ),
        "RRCConnectionReject" => check(
            "wait time",
            s.wait_time_s.map(|w| w.to_string()).unwrap_or_default(),
            row.get("lte-rrc.waitTime").to_string(),
        ),
        "RRCConnectionRelease" => check(
            "release cause",
            s.release_cause.unwrap_or("").to_string(),
            row.get("lte-rrc.releaseCause")
                .parse::<usize>()
                .ok()
                .and_then(|i| RELEASE_CAUSES.get(i))
                .map(|c| c.to_string())
                .unwrap_or_default(),
        ),
        "SecurityModeCommand" => {
            check(
                "ciphering",
                s.ciphering_algorithm
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                row.get("lte-rrc.cipheringAlgorithm").to_string(),
            );
            check(
                "integrity",
                s.integrity_algorithm
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                row.get("lte-rrc.integrityProtAlgorithm").to_string(),
            );
        }
        "RRCConnectionReconfiguration" => check(
            "handover pci",
            s.handover.map(|h| h.pci.to_string()).unwrap_or_default(),
            row.get("lte-rrc.targetPhysCellId").to_string(),
        ),
        _ => {}
    }
    let nas: Vec<String> = m.nas_pdus.iter().map(|n| hex(n)).collect();
    let theirs: Vec<String> = row
        .list("lte-rrc.dedicatedInfoNAS")
        .into_iter()
        .chain(row.list("lte-rrc.DedicatedInfoNAS"))
        .collect();
    check("NAS PDUs", nas.join(","), theirs.join(","));
    bad
}

#[test]
fn names_and_fields_agree_with_tshark() {
    let files = shared_captures("rayhunter-traces", "pcap");
    if files.is_empty() || !have_tool("tshark") {
        return;
    }
    let (mut total, mut name_ok, mut decoded) = (0usize, 0usize, 0usize);
    let mut field_disagreements = 0usize;
    let mut field_checked = 0usize;
    for path in &files {
        for row in tshark_rows(path) {
            let payload = hex_decode(row.get("udp.payload"));
            let (Some(&hdr_words), Some(&ty), Some(&sub)) =
                (payload.get(1), payload.get(2), payload.get(12))
            else {
                continue;
            };
            if ty != GSMTAP_TYPE_LTE_RRC {
                continue;
            }
            let Some(channel) = channel_of_sub_type(sub) else {
                println!("{} #{}: unknown sub-type {sub}", path.display(), row.frame);
                continue;
            };
            let pdu = payload.get(usize::from(hdr_words) * 4..).unwrap_or(&[]);
            total += 1;
            let theirs = info_name(row.get("_ws.col.Info"));
            match decode(channel, pdu) {
                Ok(m) => {
                    decoded += 1;
                    if m.name == theirs {
                        name_ok += 1;
                    } else {
                        println!(
                            "{} #{}: name ours {:?} tshark {:?}",
                            path.display(),
                            row.frame,
                            m.name,
                            theirs
                        );
                    }
                    let bad = compare_fields(&row, &m);
                    field_checked += 1;
                    for b in &bad {
                        println!("{} #{} {}: {b}", path.display(), row.frame, m.name);
                    }
                    field_disagreements += bad.len();
                }
                Err(e) => println!(
                    "{} #{}: decode error ({theirs}): {e}",
                    path.display(),
                    row.frame
                ),
            }
        }
    }
    println!(
        "{total} LTE RRC messages, {decoded} decoded, {name_ok} names agree, \
         {field_disagreements} field disagreements over {field_checked} messages"
    );
    assert!(
        total > 1000,
        "expected the shared captures to hold >1000 RRC messages"
    );
    assert!(
        name_ok * 1000 >= total * 995,
        "name agreement {name_ok}/{total} below 99.5%"
    );
    assert_eq!(field_disagreements, 0, "field disagreements with tshark");
}
