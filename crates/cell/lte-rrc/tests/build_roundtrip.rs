//! Every builder's output decodes back to the values it was built from, and tshark reads the
//! same message names and fields from it.

use std::io::Write;
use std::process::Command;

use stingwatch_lte_rrc::build::{
    self, EncodedPdu, EstablishmentCause, InitialIdentity, ReleaseCause, SibContent,
};
use stingwatch_lte_rrc::{
    decode, CnDomain, EutraCarrier, GeranBand, GeranCarrierSet, HandoverTarget, IdleModePriorities,
    LteRrcChannel, NrCarrier, PagingIdentity, PagingRecord, Plmn, RedirectTarget, RrcMessage,
    STmsi, UtraCarrier,
};
use stingwatch_testsupport::have_tool;

fn roundtrip(pdu: &EncodedPdu) -> RrcMessage {
    decode(pdu.0, &pdu.1).unwrap_or_else(|e| panic!("built PDU does not decode: {e}"))
}

fn plmn(mcc: &str, mnc: &str) -> Plmn {
    Plmn {
        mcc: mcc.into(),
        mnc: mnc.into(),
    }
}

fn sib1_params() -> build::Sib1 {
    build::Sib1 {
        plmns: vec![plmn("001", "01"), plmn("310", "260")],
        tac: 0xbeef,
        cell_identity: 0x0abc_def1,
        freq_band: 66,
        scheduled_sibs: vec![3, 5, 6, 7, 24],
        barred: false,
    }
}

fn geran_set() -> GeranCarrierSet {
    GeranCarrierSet {
        starting_arfcn: 512,
        band: GeranBand::Dcs1800,
        arfcns: vec![512, 514, 600],
        priority: Some(6),
    }
}

fn idle_priorities() -> IdleModePriorities {
    IdleModePriorities {
        eutra: vec![
            EutraCarrier {
                earfcn: 5230,
                priority: Some(1),
            },
            EutraCarrier {
                earfcn: 66_786,
                priority: Some(7),
            },
        ],
        geran: vec![geran_set()],
        utra_fdd: vec![UtraCarrier {
            uarfcn: 4385,
            priority: Some(7),
        }],
        utra_tdd: vec![],
        nr: vec![NrCarrier {
            arfcn: 632_628,
            priority: Some(5),
        }],
        t320_minutes: Some(180),
    }
}

/// Every message the builders make, with its expected name.
fn all_built() -> Vec<(&'static str, EncodedPdu)> {
    let ok = |r: Result<EncodedPdu, build::BuildError>| r.unwrap_or_else(|e| panic!("{e}"));
    vec![
        (
            "MasterInformationBlock",
            ok(build::master_information_block(50, 513)),
        ),
        (
            "SystemInformationBlockType1",
            ok(build::system_information_block_type1(&sib1_params())),
        ),
        (
            "SystemInformation",
            ok(build::system_information(&[
                SibContent::Sib2,
                SibContent::Sib3 {
                    serving_priority: 2,
                },
            ])),
        ),
        (
            "SystemInformation",
            ok(build::system_information(&[
                SibContent::Sib5 {
                    carriers: vec![
                        EutraCarrier {
                            earfcn: 2050,
                            priority: Some(4),
                        },
                        EutraCarrier {
                            earfcn: 66_486,
                            priority: None,
                        },
                    ],
                },
                SibContent::Sib6 {
                    utra_fdd: vec![UtraCarrier {
                        uarfcn: 10_700,
                        priority: Some(7),
                    }],
                },
                SibContent::Sib7 {
                    geran: vec![geran_set()],
                },
            ])),
        ),
        (
            "Paging",
            ok(build::paging(
                &[
                    PagingRecord {
                        identity: PagingIdentity::Imsi("001010123456789".into()),
                        cn_domain: CnDomain::Cs,
                    },
                    PagingRecord {
                        identity: PagingIdentity::STmsi(STmsi {
                            mmec: 0x21,
                            m_tmsi: 0xc0ff_ee01,
                        }),
                        cn_domain: CnDomain::Ps,
                    },
                ],
                true,
            )),
        ),
        (
            "RRCConnectionRequest",
            ok(build::rrc_connection_request(
                InitialIdentity::STmsi(STmsi {
                    mmec: 0x21,
                    m_tmsi: 0xc0ff_ee01,
                }),
                EstablishmentCause::MtAccess,
            )),
        ),
        ("RRCConnectionSetup", ok(build::rrc_connection_setup())),
        ("RRCConnectionReject", ok(build::rrc_connection_reject(16))),
        (
            "RRCConnectionSetupComplete",
            // Attach request: IMSI 001010123456789, EEA0-2/EIA0-2, PDN connectivity request.
            ok(build::rrc_connection_setup_complete(&[
                0x07, 0x41, 0x71, 0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98, 0x02, 0xe0,
                0xe0, 0x00, 0x04, 0x02, 0x01, 0xd0, 0x11,
            ])),
        ),
        (
            "DLInformationTransfer",
            ok(build::dl_information_transfer(&[0x07, 0x55, 0x01])),
        ),
        (
            "ULInformationTransfer",
            // Identity response carrying IMSI 001010123456789 (TS 24.301 8.2.19).
            ok(build::ul_information_transfer(&[
                0x07, 0x56, 0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98,
            ])),
        ),
        (
            "SecurityModeCommand",
            ok(build::security_mode_command(0, 0)),
        ),
        ("SecurityModeComplete", ok(build::security_mode_complete())),
        (
            "RRCConnectionRelease",
            ok(build::rrc_connection_release(
                ReleaseCause::Other,
                Some(&RedirectTarget::Geran {
                    starting_arfcn: 128,
                    band: GeranBand::Dcs1800,
                    arfcns: vec![128, 130],
                }),
                Some(&idle_priorities()),
            )),
        ),
        (
            "RRCConnectionReconfiguration",
            ok(build::rrc_connection_reconfiguration_handover(
                301,
                Some(66_936),
            )),
        ),
        (
            "UECapabilityEnquiry",
            ok(build::ue_capability_enquiry(&["eutra", "geran-cs", "utra"])),
        ),
    ]
}

#[test]
fn every_builder_round_trips_through_decode() {
    for (name, pdu) in all_built() {
        assert_eq!(roundtrip(&pdu).name, name, "{:?}", pdu.0);
    }
}

#[test]
fn mib_round_trip() {
    let m = roundtrip(&build::master_information_block(50, 513).unwrap());
    assert_eq!(m.channel, LteRrcChannel::BcchBch);
    assert_eq!(m.summary.dl_bandwidth_prbs, Some(50));
    assert_eq!(m.summary.sfn_msb, Some((513 >> 2) as u8));
}

#[test]
fn sib1_round_trip() {
    let m = roundtrip(&build::system_information_block_type1(&sib1_params()).unwrap());
    let s = m.summary;
    assert_eq!(s.plmns, vec![plmn("001", "01"), plmn("310", "260")]);
    assert_eq!(s.tac, Some(0xbeef));
    assert_eq!(s.cell_identity, Some(0x0abc_def1));
    assert_eq!(s.freq_band, Some(66));
    assert_eq!(s.scheduled_sibs, vec![2, 3, 5, 6, 7, 24]);
    assert_eq!(s.cell_barred, Some(false));
}

#[test]
fn system_information_round_trip() {
    let m = roundtrip(
        &build::system_information(&[
            SibContent::Sib2,
            SibContent::Sib3 {
                serving_priority: 2,
            },
        ])
        .unwrap(),
    );
    assert_eq!(m.summary.sibs, vec![2, 3]);
    assert_eq!(m.summary.serving_priority, Some(2));

    let built = all_built();
    let m = roundtrip(&built[3].1);
    assert_eq!(m.summary.sibs, vec![5, 6, 7]);
    assert_eq!(
        m.summary.eutra_carriers,
        vec![
            EutraCarrier {
                earfcn: 2050,
                priority: Some(4)
            },
            EutraCarrier {
                earfcn: 66_486,
                priority: None
            }
        ]
    );
    assert_eq!(
        m.summary.utra_fdd_carriers,
        vec![UtraCarrier {
            uarfcn: 10_700,
            priority: Some(7)
        }]
    );
    assert_eq!(m.summary.geran_carriers, vec![geran_set()]);
}

#[test]
fn paging_round_trip() {
    let m = roundtrip(&all_built()[4].1);
    assert_eq!(m.summary.paging_records.len(), 2);
    assert_eq!(
        m.summary.paging_records[0].identity,
        PagingIdentity::Imsi("001010123456789".into())
    );
    assert_eq!(m.summary.paging_records[0].cn_domain, CnDomain::Cs);
    assert_eq!(
        m.summary.paging_records[1].identity,
        PagingIdentity::STmsi(STmsi {
            mmec: 0x21,
            m_tmsi: 0xc0ff_ee01
        })
    );
    assert_eq!(m.summary.system_info_modification, Some(true));
}

#[test]
fn connection_setup_messages_round_trip() {
    let m = roundtrip(&all_built()[5].1);
    assert_eq!(m.summary.establishment_cause, Some("mt-Access"));
    assert_eq!(m.summary.ue_identity_type, Some("s-TMSI"));
    assert_eq!(
        m.summary.s_tmsi,
        Some(STmsi {
            mmec: 0x21,
            m_tmsi: 0xc0ff_ee01
        })
    );
    let random = roundtrip(
        &build::rrc_connection_request(
            InitialIdentity::Random(0x12_3456_789a),
            EstablishmentCause::MoData,
        )
        .unwrap(),
    );
    assert_eq!(random.summary.ue_identity_type, Some("randomValue"));
    assert_eq!(random.summary.establishment_cause, Some("mo-Data"));
    assert_eq!(roundtrip(&all_built()[7].1).summary.wait_time_s, Some(16));
    assert_eq!(
        roundtrip(&all_built()[8].1).nas_pdus,
        vec![vec![
            0x07, 0x41, 0x71, 0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98, 0x02, 0xe0,
            0xe0, 0x00, 0x04, 0x02, 0x01, 0xd0, 0x11,
        ]]
    );
    assert_eq!(
        roundtrip(&all_built()[9].1).nas_pdus,
        vec![vec![0x07, 0x55, 0x01]]
    );
    assert_eq!(
        roundtrip(&all_built()[10].1).nas_pdus,
        vec![vec![
            0x07, 0x56, 0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98,
        ]]
    );
}

#[test]
fn security_mode_command_round_trip() {
    for eea in 0..4 {
        for eia in 0..4 {
            let m = roundtrip(&build::security_mode_command(eea, eia).unwrap());
            assert_eq!(m.summary.ciphering_algorithm, Some(eea));
            assert_eq!(m.summary.integrity_algorithm, Some(eia));
        }
    }
    assert!(build::security_mode_command(4, 0).is_err());
}

#[test]
fn release_round_trip() {
    let m = roundtrip(&all_built()[13].1);
    assert_eq!(m.summary.release_cause, Some("other"));
    assert_eq!(
        m.summary.redirect,
        Some(RedirectTarget::Geran {
            starting_arfcn: 128,
            band: GeranBand::Dcs1800,
            arfcns: vec![128, 130]
        })
    );
    assert_eq!(m.summary.idle_mode_priorities, Some(idle_priorities()));

    let targets = [
        RedirectTarget::Eutra { earfcn: 1300 },
        RedirectTarget::Eutra { earfcn: 66_786 },
        RedirectTarget::UtraFdd { uarfcn: 10_563 },
        RedirectTarget::UtraTdd { uarfcn: 9500 },
        RedirectTarget::UtraTddList {
            uarfcns: vec![9500, 9550],
        },
        RedirectTarget::Cdma2000 {
            hrpd: true,
            arfcn: 283,
        },
        RedirectTarget::Nr { arfcn: 632_628 },
    ];
    for t in targets {
        let m = roundtrip(
            &build::rrc_connection_release(ReleaseCause::LoadBalancingTauRequired, Some(&t), None)
                .unwrap(),
        );
        assert_eq!(m.summary.redirect, Some(t));
        assert_eq!(m.summary.release_cause, Some("loadBalancingTAUrequired"));
        assert_eq!(m.summary.idle_mode_priorities, None);
    }
}

#[test]
fn handover_round_trip() {
    let m = roundtrip(&all_built()[14].1);
    assert_eq!(
        m.summary.handover,
        Some(HandoverTarget {
            pci: 301,
            earfcn: Some(66_936)
        })
    );
    let same_freq = roundtrip(&build::rrc_connection_reconfiguration_handover(7, None).unwrap());
    assert_eq!(
        same_freq.summary.handover,
        Some(HandoverTarget {
            pci: 7,
            earfcn: None
        })
    );
    assert!(build::rrc_connection_reconfiguration_handover(504, None).is_err());
}

#[test]
fn capability_enquiry_round_trip() {
    let m = roundtrip(&all_built()[15].1);
    assert_eq!(m.summary.requested_rats, vec!["eutra", "geran-cs", "utra"]);
    assert!(build::ue_capability_enquiry(&["lte"]).is_err());
}

#[test]
fn out_of_range_values_are_errors() {
    assert!(build::master_information_block(42, 0).is_err());
    assert!(build::master_information_block(50, 1024).is_err());
    let mut bad = sib1_params();
    bad.plmns = vec![plmn("31a", "26")];
    assert!(build::system_information_block_type1(&bad).is_err());
    let mut bad = sib1_params();
    bad.cell_identity = 1 << 28;
    assert!(build::system_information_block_type1(&bad).is_err());
    assert!(build::system_information(&[SibContent::Sib3 {
        serving_priority: 8
    }])
    .is_err());
    assert!(build::rrc_connection_reject(0).is_err());
}

// ---- tshark oracle ----

/// GSMTAP LTE RRC sub-type for a channel (inverse of the capture reader's mapping).
fn gsmtap_sub_type(c: LteRrcChannel) -> u8 {
    match c {
        LteRrcChannel::DlCcch => 0,
        LteRrcChannel::DlDcch => 1,
        LteRrcChannel::UlCcch => 2,
        LteRrcChannel::UlDcch => 3,
        LteRrcChannel::BcchBch => 4,
        LteRrcChannel::BcchDlSch => 5,
        LteRrcChannel::Pcch => 6,
        other => panic!("no sub-type for {other:?} in this test"),
    }
}

/// A classic pcap (LINKTYPE_IPV4) holding each PDU as GSMTAP v2 over UDP port 4729.
fn gsmtap_pcap(pdus: &[EncodedPdu]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&228u32.to_le_bytes());
    for (i, (channel, bytes)) in pdus.iter().enumerate() {
        let mut gsmtap = vec![2, 4, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        gsmtap.extend_from_slice(&[gsmtap_sub_type(*channel), 0, 0, 0]);
        gsmtap.extend_from_slice(bytes);
        let udp_len = 8 + gsmtap.len();
        let ip_len = 20 + udp_len;
        let mut pkt = vec![
            0x45,
            0,
            (ip_len >> 8) as u8,
            ip_len as u8,
            0,
            0,
            0,
            0,
            64,
            17,
            0,
            0,
        ];
        pkt.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
        pkt.extend_from_slice(&[
            0x12,
            0x34,
            0x12,
            0x79,
            (udp_len >> 8) as u8,
            udp_len as u8,
            0,
            0,
        ]);
        pkt.extend_from_slice(&gsmtap);
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&pkt);
    }
    out
}

#[test]
fn tshark_reads_what_the_builders_wrote() {
    if !have_tool("tshark") {
        return;
    }
    let built = all_built();
    let pdus: Vec<EncodedPdu> = built.iter().map(|(_, p)| p.clone()).collect();
    let path = std::env::temp_dir().join(format!(
        "stingwatch-lte-rrc-build-{}.pcap",
        std::process::id()
    ));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&gsmtap_pcap(&pdus)))
        .expect("write temporary pcap");
    let fields = [
        "_ws.col.Info",
        "_ws.expert",
        "lte-rrc.trackingAreaCode",
        "lte-rrc.cellReselectionPriority",
        "lte-rrc.cipheringAlgorithm",
        "lte-rrc.targetPhysCellId",
        "lte-rrc.IMSI_Digit",
        "lte-rrc.releaseCause",
        "lte-rrc.startingARFCN",
    ];
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(&path).args([
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), built.len(), "tshark output:\n{text}");
    for ((name, _), row) in built.iter().zip(&rows) {
        let info = row.first().copied().unwrap_or("");
        assert!(info.starts_with(name), "tshark shows {info:?} for {name}");
        assert!(!info.contains("Malformed"), "tshark: {info}");
        let expert = row.get(1).copied().unwrap_or("");
        assert!(
            !expert.to_lowercase().contains("malformed"),
            "{name}: {expert}"
        );
    }
    assert_eq!(rows[1][2], "beef", "SIB1 TAC");
    assert_eq!(rows[2][3], "2", "SIB3 serving priority");
    assert_eq!(rows[3][3], "4,7,6", "SIB5/6/7 priorities");
    assert_eq!(rows[4][6], "0,0,1,0,1,0,1,2,3,4,5,6,7,8,9", "IMSI digits");
    assert_eq!(rows[11][4], "0", "EEA0");
    assert_eq!(rows[13][7], "1", "release cause other");
    assert_eq!(
        rows[13][8], "128,512",
        "GERAN redirect and priority start ARFCNs"
    );
    assert_eq!(rows[14][5], "301", "handover target PCI");
}
