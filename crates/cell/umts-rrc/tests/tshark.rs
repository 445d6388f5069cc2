//! The messages the builder writes, decoded by this crate and by tshark (an independent UMTS
//! RRC decoder, Wireshark's `rrc`): both must read the same message and the same fields, and
//! tshark must find nothing malformed. This checks the builder and the reader against the
//! 25.331 layout at once, since no recording here carries UMTS RRC.

use std::process::Command;
use stingwatch_model::UmtsRrcChannel;
use stingwatch_umts_rrc::{build, decode, Content, InitialIdentity, Lai, Plmn, Redirection};

/// An exported-PDU pcap (link type 252) with one packet per (dissector, PDU).
fn pcap(packets: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0u8; 8]);
    out.extend(65535u32.to_le_bytes());
    out.extend(252u32.to_le_bytes());
    for (i, (name, pdu)) in packets.iter().enumerate() {
        let mut p = vec![0, 12];
        p.extend(u16::try_from(name.len()).unwrap().to_be_bytes());
        p.extend(name.as_bytes());
        p.extend([0, 0, 0, 0]);
        p.extend(pdu);
        out.extend(u32::try_from(i).unwrap().to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(u32::try_from(p.len()).unwrap().to_le_bytes());
        out.extend(u32::try_from(p.len()).unwrap().to_le_bytes());
        out.extend(p);
    }
    out
}

fn tshark_available() -> bool {
    let ok = Command::new("tshark").arg("--version").output().is_ok();
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "tshark missing in CI"
        );
        eprintln!("skipped: tshark not installed");
    }
    ok
}

/// tshark's verbose text of every packet, split per packet.
fn tshark_text(packets: &[(&str, Vec<u8>)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("umts.pcap");
    std::fs::write(&path, pcap(packets)).unwrap();
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .arg("-V")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.split("\nFrame ")
        .map(str::to_string)
        .collect::<Vec<_>>()
}

fn lai() -> Lai {
    Lai {
        plmn: Plmn {
            mcc: "262".into(),
            mnc: "01".into(),
        },
        lac: 0x1234,
    }
}

#[test]
fn built_messages_agree_with_tshark() {
    if !tshark_available() {
        return;
    }
    let imsi = InitialIdentity::Imsi("262011234567890".into());
    let tmsi = InitialIdentity::TmsiAndLai {
        tmsi: 0xDEAD_BEEF,
        lai: lai(),
    };
    let ptmsi = InitialIdentity::PtmsiAndRai {
        ptmsi: 0xC0FF_EE00,
        lai: lai(),
        rac: 7,
    };
    let imei = InitialIdentity::Imei("353456789012345".into());
    // Location updating request (MM), as it would ride in a direct transfer.
    let nas = vec![
        0x05, 0x08, 0x70, 0x62, 0xf2, 0x10, 0x12, 0x34, 0x33, 0x05, 0xf4, 1, 2, 3, 4,
    ];
    // (dissector, channel, pdu, texts tshark must show)
    let cases: Vec<(&str, UmtsRrcChannel, Vec<u8>, Vec<&str>)> = vec![
        (
            "rrc.ul.ccch",
            UmtsRrcChannel::UlCcch,
            build::connection_request(&imsi, 12),
            vec!["rrcConnectionRequest", "imsi", "registration"],
        ),
        (
            "rrc.ul.ccch",
            UmtsRrcChannel::UlCcch,
            build::connection_request(&tmsi, 0),
            vec!["tmsi-and-LAI", "originatingConversationalCall"],
        ),
        (
            "rrc.ul.ccch",
            UmtsRrcChannel::UlCcch,
            build::connection_request(&ptmsi, 15),
            vec!["p-TMSI-and-RAI", "originatingLowPrioritySignalling"],
        ),
        (
            "rrc.ul.ccch",
            UmtsRrcChannel::UlCcch,
            build::connection_request(&imei, 9),
            vec!["imei", "emergencyCall"],
        ),
        (
            "rrc.dl.ccch",
            UmtsRrcChannel::DlCcch,
            build::connection_reject(&imsi, 5, Some(Redirection::Gsm)),
            vec!["rrcConnectionReject", "interRATInfo: gsm", "waitTime: 5"],
        ),
        (
            "rrc.dl.ccch",
            UmtsRrcChannel::DlCcch,
            build::connection_reject(&tmsi, 3, Some(Redirection::Utra { uarfcn: 10713 })),
            vec!["rrcConnectionReject", "uarfcn-DL: 10713"],
        ),
        (
            "rrc.dl.dcch",
            UmtsRrcChannel::DlDcch,
            build::connection_release(1, Some(Redirection::Gsm), Some(0x0102_0304)),
            vec!["rrcConnectionRelease", "redirectionInfo-v690ext", "gsm"],
        ),
        (
            "rrc.dl.dcch",
            UmtsRrcChannel::DlDcch,
            build::connection_release(0, None, None),
            vec!["rrcConnectionRelease", "normalEvent"],
        ),
        (
            "rrc.dl.dcch",
            UmtsRrcChannel::DlDcch,
            build::security_mode_command(Some(1), 1, false, 0xAABB_CCDD),
            vec!["securityModeCommand", "uea1", "cs-domain"],
        ),
        (
            "rrc.dl.dcch",
            UmtsRrcChannel::DlDcch,
            build::security_mode_command(Some(2), 2, true, 0xAABB_CCDD),
            vec!["securityModeCommand", "uea2", "uia2", "ps-domain"],
        ),
        (
            "rrc.dl.dcch",
            UmtsRrcChannel::DlDcch,
            build::security_mode_command(Some(0), 1, false, 1),
            vec!["securityModeCommand", "uea0"],
        ),
        (
            "rrc.ul.dcch",
            UmtsRrcChannel::UlDcch,
            build::security_mode_complete(5),
            vec!["securityModeComplete"],
        ),
        (
            "rrc.ul.dcch",
            UmtsRrcChannel::UlDcch,
            build::initial_direct_transfer(&nas, false),
            vec!["initialDirectTransfer", "Location Updating Request"],
        ),
        (
            "rrc.ul.dcch",
            UmtsRrcChannel::UlDcch,
            build::uplink_direct_transfer(
                &[
                    0x05, 0x19, 0x08, 0x29, 0x26, 0x10, 0x21, 0x43, 0x65, 0x87, 0x09,
                ],
                false,
                Some(9),
            ),
            vec!["uplinkDirectTransfer", "Identity Response"],
        ),
        (
            "rrc.dl.dcch",
            UmtsRrcChannel::DlDcch,
            build::downlink_direct_transfer(&[0x05, 0x18, 0x01], false, None),
            vec!["downlinkDirectTransfer", "Identity Request"],
        ),
        (
            "rrc.pcch",
            UmtsRrcChannel::Pcch,
            build::paging_imsi("262011234567890"),
            vec!["pagingType1", "imsi-GSM-MAP"],
        ),
    ];
    let packets: Vec<(&str, Vec<u8>)> = cases.iter().map(|(d, _, p, _)| (*d, p.clone())).collect();
    let texts = tshark_text(&packets);
    assert_eq!(texts.len(), cases.len(), "one text per packet");
    for (i, ((_, channel, pdu, want), text)) in cases.iter().zip(&texts).enumerate() {
        assert!(
            !text.contains("Malformed"),
            "packet {i}: tshark finds it malformed:\n{text}"
        );
        for w in want {
            assert!(
                text.contains(w),
                "packet {i}: tshark does not show {w:?}:\n{text}"
            );
        }
        let m = decode(*channel, pdu).unwrap_or_else(|e| panic!("packet {i}: {e}"));
        assert!(
            text.contains(m.name),
            "packet {i}: names differ ({})",
            m.name
        );
    }
    // The fields this crate reads, on the same PDUs.
    let m = decode(UmtsRrcChannel::UlCcch, &cases[0].2).unwrap();
    assert_eq!(
        m.content,
        Content::ConnectionRequest {
            identity: imsi.clone(),
            cause: 12
        }
    );
    let m = decode(UmtsRrcChannel::DlCcch, &cases[4].2).unwrap();
    assert_eq!(
        m.content,
        Content::ConnectionReject {
            wait_time: 5,
            redirection: Some(Redirection::Gsm)
        }
    );
    let m = decode(UmtsRrcChannel::DlDcch, &cases[6].2).unwrap();
    assert!(m.integrity_checked);
    assert_eq!(
        m.content,
        Content::ConnectionRelease {
            cause: Some(1),
            redirection: Some(Redirection::Gsm)
        }
    );
    let m = decode(UmtsRrcChannel::DlDcch, &cases[9].2).unwrap();
    assert_eq!(
        m.content,
        Content::SecurityModeCommand {
            cipher: Some(2),
            integrity: Some(2),
            ps_domain: true
        }
    );
    let m = decode(UmtsRrcChannel::UlDcch, &cases[12].2).unwrap();
    assert_eq!(
        m.content,
        Content::DirectTransfer {
            nas: nas.clone(),
            ps_domain: false
        }
    );
}

/// BCCH-BCH system information as the builder writes it, every segment combination: tshark
/// (Wireshark's `rrc.bcch.bch`) must read each without finding it malformed, name the same
/// payload choice, SIB types and segment counts or indices, and a whole master information
/// block inside must show its PLMN.
#[test]
fn bch_system_information_agrees_with_tshark() {
    use stingwatch_umts_rrc::sib::{
        build as sib_build, payload_name, sib_type_name, SegmentPart, SibSegment, SIB_TYPE_MIB,
        SIB_TYPE_SIB3,
    };
    if !tshark_available() {
        return;
    }
    let mib = sib_build::segments_of(SIB_TYPE_MIB, &sib_build::mib("262", "01", 1));
    let sib3 = sib_build::segments_of(SIB_TYPE_SIB3, &sib_build::sib3(0x0123_4567, 600));
    assert_eq!(mib.len(), 1);
    assert_eq!(sib3.len(), 3);
    let short_first = SibSegment {
        data: stingwatch_umts_rrc::sib::SibBits::from_bytes(&[0xA5; 20], 150),
        ..sib3[0].clone()
    };
    let short_last = SibSegment {
        sib_type: 11,
        part: SegmentPart::Last { index: 4 },
        data: stingwatch_umts_rrc::sib::SibBits::from_bytes(&[0x3C; 10], 70),
    };
    let mut pdus: Vec<Vec<u8>> = sib_build::messages_of(100, &sib3);
    pdus.extend(sib_build::messages_of(7, &mib));
    for (payload, segs) in [
        (4u8, vec![short_last.clone(), short_first.clone()]),
        (5, vec![short_last.clone(), mib[0].clone()]),
        (
            6,
            vec![short_last.clone(), mib[0].clone(), short_first.clone()],
        ),
        (8, vec![mib[0].clone(), short_first.clone()]),
        (0, vec![]),
    ] {
        pdus.push(sib_build::system_information_bch(512, payload, &segs));
    }
    let packets: Vec<(&str, Vec<u8>)> = pdus.iter().map(|p| ("rrc.bcch.bch", p.clone())).collect();
    let texts = tshark_text(&packets);
    assert_eq!(texts.len(), pdus.len());
    for (i, (pdu, text)) in pdus.iter().zip(&texts).enumerate() {
        assert!(
            !text.contains("Malformed") && !text.contains("Expert Info (Error"),
            "packet {i}: tshark finds it malformed:\n{text}"
        );
        let m = stingwatch_umts_rrc::decode(UmtsRrcChannel::BcchBch, pdu)
            .unwrap_or_else(|e| panic!("packet {i}: {e}"));
        let Content::SystemInformation {
            payload, segments, ..
        } = &m.content
        else {
            panic!("packet {i}: {:?}", m.content);
        };
        assert!(
            text.contains(&format!("payload: {}", payload_name(*payload))),
            "packet {i}: payload {} not in:\n{text}",
            payload_name(*payload)
        );
        for s in segments {
            assert!(
                text.contains(&format!("sib-Type: {}", sib_type_name(s.sib_type))),
                "packet {i}: SIB type {} not in:\n{text}",
                sib_type_name(s.sib_type)
            );
            match s.part {
                SegmentPart::First { count } => assert!(
                    text.contains(&format!("seg-Count: {count}")),
                    "packet {i}: seg-Count {count} not in:\n{text}"
                ),
                SegmentPart::Subsequent { index } | SegmentPart::Last { index } => assert!(
                    text.contains(&format!("segmentIndex: {index}")),
                    "packet {i}: segmentIndex {index} not in:\n{text}"
                ),
                SegmentPart::Complete => {}
            }
        }
    }
    // The joined SIB3 and the whole MIB read the same fields as tshark shows in them.
    let mut r = stingwatch_umts_rrc::sib::SibReassembler::new();
    let (mut sibs, mut errors) = (Vec::new(), Vec::new());
    for pdu in &pdus {
        if let Ok(m) = stingwatch_umts_rrc::decode(UmtsRrcChannel::BcchBch, pdu) {
            if let Content::SystemInformation { segments, .. } = &m.content {
                for s in segments {
                    r.push(s, &mut sibs, &mut errors);
                }
            }
        }
    }
    let read: Vec<Content> = sibs
        .iter()
        .filter(|s| s.segments > 1 || s.sib_type == SIB_TYPE_MIB)
        .take(2)
        .map(|s| stingwatch_umts_rrc::sib::decode_sib(s.sib_type, &s.data).unwrap())
        .collect();
    assert_eq!(
        read,
        vec![
            Content::Sib3 {
                cell_id: 0x0123_4567
            },
            Content::Mib {
                plmn: Some(Plmn {
                    mcc: "262".into(),
                    mnc: "01".into()
                })
            }
        ]
    );
    // tshark dissects the MIB inside a complete SIB list: its MCC and MNC digits.
    let mib_text = &texts[3];
    assert!(mib_text.contains("completeSIB-List"), "{mib_text}");
}
