//! Every scenario writes pcapng and QMDL that read back to the same messages, every message
//! decodes, output is deterministic, and labels are consistent with the messages.

mod common;

use common::{all_scenarios, id, pcapng_round_trip, qmdl_round_trip};
use stingwatch_model::{Direction, LteRrcChannel, PayloadKind, RadioMessage};
use stingwatch_scenario::{build, labels_json, NasCopies, START_TIME};

#[test]
fn qmdl_reads_back_exactly() {
    for s in all_scenarios() {
        let read = qmdl_round_trip(&s);
        assert_eq!(read.len(), s.messages.len(), "{}", id(&s));
        for (got, want) in read.iter().zip(&s.messages) {
            // The offset is the only thing a file adds.
            let got = RadioMessage {
                offset: 0,
                ..got.clone()
            };
            assert_eq!(&got, want, "{} packet {}", id(&s), want.packet);
        }
    }
}

#[test]
fn pcapng_and_qmdl_read_back_to_the_same_messages() {
    for s in all_scenarios() {
        let from_qmdl = qmdl_round_trip(&s);
        let from_pcapng = pcapng_round_trip(&s);
        assert_eq!(from_qmdl.len(), from_pcapng.len(), "{}", id(&s));
        let mut earfcn = None;
        for (q, p) in from_qmdl.iter().zip(&from_pcapng) {
            let at = format!("{} packet {}", id(&s), q.packet);
            assert_eq!(q.packet, p.packet, "{at}");
            assert_eq!(q.time, p.time, "{at}");
            assert_eq!(q.direction, p.direction, "{at}");
            assert_eq!(q.rat, p.rat, "{at}");
            assert_eq!(q.kind, p.kind, "{at}");
            assert_eq!(q.payload, p.payload, "{at}");
            // GSMTAP has no PCI or SFN; NAS records carry the EARFCN of the RRC before them.
            assert_eq!(p.context.pci, None, "{at}");
            match q.kind {
                PayloadKind::LteRrc { .. } => {
                    earfcn = q.context.arfcn;
                    assert_eq!(q.context.arfcn, p.context.arfcn, "{at}");
                }
                // GSMTAP always has an ARFCN field; DIAG GSM records have none, nor do the
                // WCDMA RRC records written (the older channel types, without a carrier).
                PayloadKind::GsmUm { .. } | PayloadKind::GsmL3 | PayloadKind::UmtsRrc { .. } => {
                    assert_eq!(q.context.arfcn, None, "{at}")
                }
                // NR goes into pcapng as an exported PDU, which has no radio context.
                PayloadKind::NrRrc { .. } => assert_eq!(p.context.arfcn, None, "{at}"),
                // Neither a 5GS NAS record nor an exported PDU carries radio context.
                PayloadKind::NrNas => assert_eq!(p.context.arfcn, None, "{at}"),
                _ => assert_eq!(p.context.arfcn, earfcn, "{at}"),
            }
        }
    }
}

#[test]
fn every_message_decodes() {
    for s in all_scenarios() {
        for m in &s.messages {
            let at = format!("{} packet {}", id(&s), m.packet);
            match m.kind {
                PayloadKind::LteRrc { channel } => {
                    let rrc = stingwatch_lte_rrc::decode(channel, &m.payload)
                        .unwrap_or_else(|e| panic!("{at}: {e}"));
                    assert!(!rrc.name.is_empty(), "{at}");
                    for pdu in &rrc.nas_pdus {
                        let nas = stingwatch_nas::decode(pdu);
                        assert_eq!(nas.error, None, "{at}: embedded {}", nas.name);
                    }
                }
                PayloadKind::LteNas => {
                    let nas = stingwatch_nas::decode(&m.payload);
                    assert_eq!(nas.error, None, "{at}: {}", nas.name);
                    assert!(!nas.ciphered, "{at}: NAS records are the plain form");
                }
                PayloadKind::GsmUm { channel_type } => {
                    let gsm = stingwatch_gsm::decode_um(channel_type, &m.payload);
                    assert_eq!(gsm.error, None, "{at}: {}", gsm.name);
                }
                PayloadKind::GsmL3 => {
                    let gsm = stingwatch_gsm::decode_l3(&m.payload);
                    assert_eq!(gsm.error, None, "{at}: {}", gsm.name);
                }
                PayloadKind::NrRrc { channel } => {
                    let nr = stingwatch_nr_rrc::decode(channel, &m.payload)
                        .unwrap_or_else(|e| panic!("{at}: {e}"));
                    assert!(!nr.name.is_empty(), "{at}");
                }
                PayloadKind::NrNas => {
                    let nas = stingwatch_nas5g::decode(&m.payload);
                    assert_eq!(nas.error, None, "{at}: {}", nas.name);
                    // A record says its direction; a plain message's type says the same.
                    if !nas.is_ciphered() {
                        assert_eq!(nas.direction, m.direction, "{at}: {}", nas.name);
                    }
                }
                PayloadKind::UmtsRrc { channel } => {
                    let rrc = stingwatch_umts_rrc::decode(channel, &m.payload)
                        .unwrap_or_else(|e| panic!("{at}: {e}"));
                    assert!(!rrc.name.is_empty(), "{at}");
                    if let stingwatch_umts_rrc::Content::DirectTransfer { nas, .. } = &rrc.content {
                        let gsm = stingwatch_gsm::decode_l3(nas);
                        assert_eq!(gsm.error, None, "{at}: embedded {}", gsm.name);
                    }
                }
                other => panic!("{at}: unexpected payload kind {other:?}"),
            }
        }
    }
}

#[test]
fn nas_records_follow_the_rrc_message_carrying_the_same_nas() {
    for s in all_scenarios() {
        let records = s.carried_by.iter().filter(|c| c.is_some()).count();
        match s.nas {
            NasCopies::RrcOnly => assert_eq!(records, 0, "{}", id(&s)),
            NasCopies::RrcAndRecords => assert!(records > 0 || !has_nas(&s), "{}", id(&s)),
        }
        for (i, (m, carrier)) in s.messages.iter().zip(&s.carried_by).enumerate() {
            let Some(carrier) = carrier else {
                assert!(matches!(
                    m.kind,
                    PayloadKind::LteRrc { .. }
                        | PayloadKind::GsmUm { .. }
                        | PayloadKind::GsmL3
                        | PayloadKind::NrRrc { .. }
                        | PayloadKind::NrNas
                        | PayloadKind::UmtsRrc { .. }
                ));
                continue;
            };
            assert_eq!(m.kind, PayloadKind::LteNas);
            assert_eq!(
                *carrier,
                i as u64,
                "{}: a record follows its carrier",
                id(&s)
            );
            let rrc_msg = &s.messages[i - 1];
            let PayloadKind::LteRrc { channel } = rrc_msg.kind else {
                panic!("{}: carrier is not RRC", id(&s));
            };
            assert_eq!(m.direction, rrc_msg.direction);
            let rrc = stingwatch_lte_rrc::decode(channel, &rrc_msg.payload).expect("decodes");
            let carried = rrc.nas_pdus.first().expect("carrier has NAS");
            let inside = stingwatch_nas::decode(carried);
            let record = stingwatch_nas::decode(&m.payload);
            if inside.ciphered {
                // The record is the deciphered form: the same message type cannot be read
                // from the ciphered copy, but the header still says which direction.
                assert!(!record.ciphered);
            } else {
                assert_eq!(inside.plain().name, record.name, "{}", id(&s));
            }
        }
    }
}

fn has_nas(s: &stingwatch_scenario::Scenario) -> bool {
    s.messages.iter().any(|m| match m.kind {
        PayloadKind::LteRrc { channel } => stingwatch_lte_rrc::decode(channel, &m.payload)
            .map(|r| !r.nas_pdus.is_empty())
            .unwrap_or(false),
        // GSM layer 3 is never carried inside another message: there is no copy to follow.
        PayloadKind::GsmUm { .. } | PayloadKind::GsmL3 => false,
        // 5GS NAS inside NR RRC is not written as records of its own.
        PayloadKind::NrRrc { .. } => false,
        // 5GS NAS records in these scenarios are not copies of an NR RRC message's NAS.
        PayloadKind::NrNas => false,
        // UMTS NAS rides in direct transfers; no 0x713A copy is written, since GSMTAP has no
        // UMTS NAS type and the pcapng twin could not say the copy is UMTS (the pairing of the
        // two copies is tested in stingwatch-events' tests/umts.rs).
        PayloadKind::UmtsRrc { .. } => false,
        _ => true,
    })
}

#[test]
fn output_is_deterministic() {
    for info in stingwatch_scenario::catalog() {
        let a = build(info.name).expect("builds");
        let b = build(info.name).expect("builds");
        assert_eq!(a, b, "{}", info.name);
        let qa = stingwatch_scenario::write_qmdl(&a, Vec::new()).expect("qmdl");
        let qb = stingwatch_scenario::write_qmdl(&b, Vec::new()).expect("qmdl");
        assert_eq!(qa, qb, "{}", info.name);
        let pa = stingwatch_scenario::write_pcapng(&a, Vec::new()).expect("pcapng");
        let pb = stingwatch_scenario::write_pcapng(&b, Vec::new()).expect("pcapng");
        assert_eq!(pa, pb, "{}", info.name);
    }
}

#[test]
fn timing_is_ordered_and_plausible() {
    for s in all_scenarios() {
        let times: Vec<i64> = s
            .messages
            .iter()
            .map(|m| m.time.expect("every message is timed").0)
            .collect();
        assert_eq!(times.first().copied(), Some(START_TIME.0), "{}", id(&s));
        for w in times.windows(2) {
            assert!(w[1] >= w[0], "{}: time goes back", id(&s));
        }
        // A request is answered by a setup within tens of milliseconds.
        for (i, m) in s.messages.iter().enumerate() {
            if m.kind
                == (PayloadKind::LteRrc {
                    channel: LteRrcChannel::UlCcch,
                })
            {
                let setup = &s.messages[i + 1];
                assert_eq!(setup.direction, Direction::Downlink);
                let gap = setup.time.expect("timed").0 - m.time.expect("timed").0;
                assert!((5_000..=100_000).contains(&gap), "{}: gap {gap}", id(&s));
            }
        }
    }
}

#[test]
fn expectations_point_at_messages_and_labels_say_so() {
    for s in all_scenarios() {
        assert_eq!(s.notes.len(), s.messages.len());
        assert_eq!(s.carried_by.len(), s.messages.len());
        assert_eq!(s.attack, !s.expected.is_empty(), "{}", id(&s));
        for e in &s.expected {
            assert!(
                (1..=s.messages.len() as u64).contains(&e.packet),
                "{}: {e:?}",
                id(&s)
            );
            assert!(["low", "medium", "high"].contains(&e.min_severity));
            // Findings point at RRC messages: the NAS record is a copy of one.
            assert_eq!(s.carried_by[e.packet as usize - 1], None, "{}", id(&s));
        }
        let label: serde_json::Value =
            serde_json::from_str(&labels_json(&s)).expect("labels are JSON");
        assert_eq!(label["scenario"], s.name);
        assert_eq!(label["attack"], s.attack);
        assert_eq!(label["messages"], s.messages.len());
        assert_eq!(
            label["expected"].as_array().map(Vec::len),
            Some(s.expected.len())
        );
        if s.attack {
            assert_eq!(label["benign_ceiling"], serde_json::Value::Null);
        } else {
            assert_eq!(label["benign_ceiling"], "low");
        }
    }
}

#[test]
fn expectations_move_with_the_nas_form() {
    for info in stingwatch_scenario::catalog().iter().filter(|i| i.attack) {
        let both = stingwatch_scenario::build_with(
            info.name,
            stingwatch_scenario::Options {
                nas: NasCopies::RrcAndRecords,
            },
        )
        .expect("builds");
        let only = stingwatch_scenario::build_with(
            info.name,
            stingwatch_scenario::Options {
                nas: NasCopies::RrcOnly,
            },
        )
        .expect("builds");
        assert_eq!(both.expected.len(), only.expected.len());
        for (b, o) in both.expected.iter().zip(&only.expected) {
            assert_eq!(b.kind, o.kind);
            assert_eq!(
                both.rrc_only_packet(b.packet),
                Some(o.packet),
                "{}",
                info.name
            );
            assert_eq!(
                both.messages[b.packet as usize - 1].payload,
                only.messages[o.packet as usize - 1].payload
            );
        }
    }
}
