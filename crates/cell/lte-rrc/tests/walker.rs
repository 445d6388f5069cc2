//! The hand-written walker against the generated decoder on messages the generated encoder
//! wrote from random field values: whenever the walker answers, its answer is the generated
//! decoder's; for the shapes it is written for, it answers. Damaged copies keep the first rule.
//! (Real recordings: `stingwatch-decode`'s `tests/walker.rs`.)

use proptest::prelude::*;
use stingwatch_lte_rrc::build::{
    self, EstablishmentCause, InitialIdentity, NeighbourMeasurement, ReleaseCause, Sib1, SibContent,
};
use stingwatch_lte_rrc::{
    decode, decode_for_detection, read_paging, walk_only, CnDomain, GeranBand, LteRrcChannel,
    PagingIdentity, PagingRecord, Plmn, RedirectTarget, STmsi,
};

/// [`read_paging`] answers exactly when the walker does, with the walker's records and flag.
fn paging_agrees(bytes: &[u8]) {
    let mut records = Vec::new();
    let read = read_paging(bytes, |r| records.push(r));
    match (read, walk_only(LteRrcChannel::Pcch, bytes)) {
        (Some(modification), Some(walked)) => {
            assert_eq!(records, walked.summary.paging_records, "{bytes:02x?}");
            assert_eq!(
                Some(modification),
                walked.summary.system_info_modification,
                "{bytes:02x?}"
            );
        }
        (None, None) => {}
        (read, walked) => panic!("read_paging {read:?}, walker {walked:?}: {bytes:02x?}"),
    }
}

/// The walker's answer, when it gives one, equals the generated decoder's; returns whether
/// it answered.
fn agrees(channel: LteRrcChannel, bytes: &[u8]) -> bool {
    let full = decode(channel, bytes);
    assert_eq!(
        decode_for_detection(channel, bytes).map(|m| *m),
        full,
        "{channel:?} {bytes:02x?}"
    );
    if channel == LteRrcChannel::Pcch {
        paging_agrees(bytes);
    }
    match walk_only(channel, bytes) {
        Some(w) => {
            assert_eq!(Ok(&*w), full.as_ref(), "{channel:?} {bytes:02x?}");
            true
        }
        None => false,
    }
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n)
        .prop_map(|d| d.iter().map(|x| char::from(b'0' + x)).collect())
}

fn plmn() -> impl Strategy<Value = Plmn> {
    (digits(3), prop_oneof![digits(2), digits(3)]).prop_map(|(mcc, mnc)| Plmn { mcc, mnc })
}

fn s_tmsi() -> impl Strategy<Value = STmsi> {
    (any::<u8>(), any::<u32>()).prop_map(|(mmec, m_tmsi)| STmsi { mmec, m_tmsi })
}

fn nas() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 1..300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mib(bw in prop::sample::select(vec![6u8, 15, 25, 50, 75, 100]), sfn in 0u16..1024) {
        let (c, b) = build::master_information_block(bw, sfn).unwrap();
        prop_assert!(agrees(c, &b));
    }

    #[test]
    fn sib1(
        plmns in proptest::collection::vec(plmn(), 1..=6),
        tac in any::<u16>(),
        cell_identity in 0u32..(1 << 28),
        freq_band in 1u16..=256,
        scheduled in proptest::collection::vec(3u8..=18, 0..8),
        barred in any::<bool>(),
    ) {
        let (c, b) = build::system_information_block_type1(&Sib1 {
            plmns,
            tac,
            cell_identity,
            freq_band,
            scheduled_sibs: scheduled,
            barred,
        })
        .unwrap();
        prop_assert!(agrees(c, &b), "SIB1 left to the generated decoder");
    }

    #[test]
    fn sib1_with_later_sib_types(
        scheduled in proptest::collection::vec(
            prop::sample::select(vec![3u8, 5, 19, 20, 21, 24, 25, 26, 27, 28, 29]), 1..8),
    ) {
        // Types past the root of SIB-Type are extension values: the walker may leave them.
        let (c, b) = build::system_information_block_type1(&Sib1 {
            plmns: vec![Plmn { mcc: "001".into(), mnc: "01".into() }],
            tac: 1,
            cell_identity: 1,
            freq_band: 3,
            scheduled_sibs: scheduled,
            barred: false,
        })
        .unwrap();
        agrees(c, &b);
    }

    #[test]
    fn paging(
        records in proptest::collection::vec(
            (prop_oneof![
                s_tmsi().prop_map(PagingIdentity::STmsi),
                (6usize..=21).prop_flat_map(digits).prop_map(PagingIdentity::Imsi),
            ], any::<bool>()),
            0..=16),
        modification in any::<bool>(),
    ) {
        let records: Vec<PagingRecord> = records
            .into_iter()
            .map(|(identity, cs)| PagingRecord {
                identity,
                cn_domain: if cs { CnDomain::Cs } else { CnDomain::Ps },
            })
            .collect();
        let (c, b) = build::paging(&records, modification).unwrap();
        prop_assert!(agrees(c, &b));
    }

    #[test]
    fn paging_5g_identities_agree(v in 0u64..(1 << 40), cs in any::<bool>()) {
        let records = [PagingRecord {
            identity: PagingIdentity::FullIRnti(v),
            cn_domain: if cs { CnDomain::Cs } else { CnDomain::Ps },
        }];
        let (c, b) = build::paging(&records, false).unwrap();
        agrees(c, &b);
    }

    #[test]
    fn connection_request(
        identity in prop_oneof![
            s_tmsi().prop_map(InitialIdentity::STmsi),
            (0u64..(1 << 40)).prop_map(InitialIdentity::Random),
        ],
        cause in prop::sample::select(vec![
            EstablishmentCause::Emergency,
            EstablishmentCause::HighPriorityAccess,
            EstablishmentCause::MtAccess,
            EstablishmentCause::MoSignalling,
            EstablishmentCause::MoData,
            EstablishmentCause::DelayTolerantAccess,
            EstablishmentCause::MoVoiceCall,
        ]),
    ) {
        let (c, b) = build::rrc_connection_request(identity, cause).unwrap();
        prop_assert!(agrees(c, &b));
    }

    #[test]
    fn information_transfer(pdu in nas()) {
        let (c, b) = build::dl_information_transfer(&pdu).unwrap();
        prop_assert!(agrees(c, &b));
        let (c, b) = build::ul_information_transfer(&pdu).unwrap();
        prop_assert!(agrees(c, &b));
    }

    #[test]
    fn security_mode(eea in 0u8..8, eia in 0u8..8) {
        if let Ok((c, b)) = build::security_mode_command(eea, eia) {
            prop_assert!(agrees(c, &b));
        }
        let (c, b) = build::security_mode_complete().unwrap();
        prop_assert!(agrees(c, &b));
    }

    #[test]
    fn release(
        cause in prop::sample::select(vec![
            ReleaseCause::LoadBalancingTauRequired,
            ReleaseCause::Other,
            ReleaseCause::CsFallbackHighPriority,
            ReleaseCause::RrcSuspend,
        ]),
        redirect in proptest::option::of(prop_oneof![
            (0u32..=65535).prop_map(|earfcn| RedirectTarget::Eutra { earfcn }),
            (65536u32..=262143).prop_map(|earfcn| RedirectTarget::Eutra { earfcn }),
            (0u16..16384).prop_map(|uarfcn| RedirectTarget::UtraFdd { uarfcn }),
            (0u16..16384).prop_map(|uarfcn| RedirectTarget::UtraTdd { uarfcn }),
            (0u16..1024, any::<bool>(), proptest::collection::vec(0u16..1024, 0..31)).prop_map(
                |(start, pcs, rest)| {
                    let mut arfcns = vec![start];
                    arfcns.extend(rest);
                    RedirectTarget::Geran {
                        starting_arfcn: start,
                        band: if pcs { GeranBand::Pcs1900 } else { GeranBand::Dcs1800 },
                        arfcns,
                    }
                }
            ),
            (0u32..3_279_166).prop_map(|arfcn| RedirectTarget::Nr { arfcn }),
        ]),
    ) {
        if let Ok((c, b)) = build::rrc_connection_release(cause, redirect.as_ref(), None) {
            let answered = agrees(c, &b);
            // Extension carriers (v9e0, NR) are the generated decoder's; the rest the walker's.
            let simple = match &redirect {
                None => true,
                Some(RedirectTarget::Eutra { earfcn }) => *earfcn <= 65535,
                Some(RedirectTarget::Nr { .. }) => false,
                Some(_) => true,
            };
            prop_assert!(answered || !simple, "release left to the generated decoder");
        }
    }

    #[test]
    fn measurement_report(
        meas_id in 1u8..=32,
        rsrp in 0u8..=97,
        rsrq in 0u8..=34,
        neighbours in proptest::collection::vec(
            (0u16..=503, proptest::option::of(0u8..=97), proptest::option::of(0u8..=34)),
            0..=8,
        ),
    ) {
        let neighbours: Vec<NeighbourMeasurement> = neighbours
            .into_iter()
            .map(|(pci, rsrp, rsrq)| NeighbourMeasurement { pci, rsrp, rsrq })
            .collect();
        let (c, b) = build::measurement_report(meas_id, rsrp, rsrq, &neighbours).unwrap();
        prop_assert!(agrees(c, &b), "Release 8 measurement report left to the generated decoder");
        prop_assert_eq!(decode(c, &b).unwrap().name, "MeasurementReport");
    }

    #[test]
    fn damaged_messages_agree(seed in any::<u64>(), which in 0usize..10, op in 0u8..3) {
        let seeds = [
            build::master_information_block(50, 9).unwrap(),
            build::system_information_block_type1(&Sib1 {
                plmns: vec![
                    Plmn { mcc: "310".into(), mnc: "260".into() },
                    Plmn { mcc: "310".into(), mnc: "026".into() },
                ],
                tac: 0x1234,
                cell_identity: 0x0ab_cdef,
                freq_band: 66,
                scheduled_sibs: vec![3, 4, 5],
                barred: false,
            })
            .unwrap(),
            build::paging(
                &[PagingRecord {
                    identity: PagingIdentity::Imsi("001010123456789".into()),
                    cn_domain: CnDomain::Ps,
                }],
                true,
            )
            .unwrap(),
            build::rrc_connection_request(
                InitialIdentity::Random(12345),
                EstablishmentCause::MoData,
            )
            .unwrap(),
            build::dl_information_transfer(&[7, 0x44, 0x0f]).unwrap(),
            build::ul_information_transfer(&[7, 0x41, 1, 2, 3]).unwrap(),
            build::security_mode_command(1, 2).unwrap(),
            build::rrc_connection_release(
                ReleaseCause::Other,
                Some(&RedirectTarget::Geran {
                    starting_arfcn: 512,
                    band: GeranBand::Dcs1800,
                    arfcns: vec![512, 514],
                }),
                None,
            )
            .unwrap(),
            build::system_information(&[SibContent::Sib2, SibContent::Sib3 { serving_priority: 4 }])
                .unwrap(),
            build::measurement_report(
                3,
                52,
                20,
                &[
                    NeighbourMeasurement { pci: 101, rsrp: Some(40), rsrq: None },
                    NeighbourMeasurement { pci: 7, rsrp: Some(38), rsrq: Some(11) },
                ],
            )
            .unwrap(),
        ];
        let (c, mut b) = seeds[which].clone();
        let mut rng = stingwatch_testsupport::Rng(seed | 1);
        match op {
            0 => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.truncate(1 + rng.below(b.len())),
            _ => {
                let i = rng.below(b.len());
                b[i] = rng.next_u64() as u8;
            }
        }
        agrees(c, &b);
    }
}

/// A message the walker reads only by the table (RRCConnectionSetup: its name, nothing of
/// its radio configuration) equals the generated decoder's; channels the walker does not read
/// go to the generated decoder untouched.
#[test]
fn table_walked_messages_and_other_channels() {
    let (c, b) = build::rrc_connection_setup().unwrap();
    assert_eq!(c, LteRrcChannel::DlCcch);
    let walked = walk_only(c, &b).expect("RRCConnectionSetup is walked by the table");
    assert_eq!(walked.name, "RRCConnectionSetup");
    assert_eq!(Ok(*walked), decode(c, &b));
    for bytes in [&[0x00u8, 0x00][..], &[0x40, 0x12, 0x34]] {
        assert_eq!(walk_only(LteRrcChannel::Mcch, bytes), None);
        assert_eq!(
            decode_for_detection(LteRrcChannel::Mcch, bytes).map(|m| *m),
            decode(LteRrcChannel::Mcch, bytes)
        );
    }
    assert_eq!(walk_only(LteRrcChannel::Pcch, &[]), None);
}
