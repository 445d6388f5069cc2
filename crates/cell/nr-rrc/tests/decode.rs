//! NR RRC decoding of real PDUs and of the scenario encoders' output.
//!
//! Real PDUs: NR RRC OTA records (0xB821, packet version 8) of
//! ../shared/captures/mobileinsight-nr/ (Apache-2.0; MobileInsight's example logs of a Xiaomi
//! Mi 10 on China Mobile 460-00, EN-DC), from 20201115_181637_Xiaomi-Mi10_46000.mi2log and the
//! files after it; the expected values are what tshark 4.0 shows for the same bytes.

use stingwatch_nr_rrc::build;
use stingwatch_nr_rrc::build::NrCarrier;
use stingwatch_nr_rrc::{
    decode, CarrierPriority, NrRedirect, NrRrcChannel, NrRrcError, MAX_NR_RRC_PDU,
};

fn h(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// A MIB: systemFrameNumber 53 (six MSBs), not barred.
const MIB: &str = "6b65a460";
/// An EN-DC RRCReconfiguration adding a secondary cell group with reconfigurationWithSync to
/// PCI 625.
const RECONFIGURATION: &str = "0c82345c40b1c431c847d0120e05f00f84380aa0f38c241941201a0760ddc738b47b49e0140f5b080000620c08966bfb4370402000010080000006ac028806d018e02ac0478073800000620e044b3380880266666d31217386309ee08dc21b8637106e28dc61b8e3708de19bc4378a6f246eba5f09c5abaffa10b01d80492daeaa10000881af00202004930b2a002200ffffc000011001b86c37084200092016520e0cb204e2d754010040802041bf805100da01cc01b8053011a2944536805100a2014402880510076014402800101ff21400fc75a00004cd555250700041030814307a5102450b18353078680cc280000c2d418020b2d418040c21400060b21400080c314080a0b314080c0c294100e0b29410101261400908b0a00504185002c1ec280180e61400d06b0a00b024b50681258f0782d88d159e1fd06da100201009a5b49358138813883c15d018214200f208dc21b8637106e28dc61b8e3708de19bc4378a6f246e40d91ffa4e7739ce258bc020031d7e803c200435fa00080080400003f422479c40240200001fa112dce23002030195010198aa8ac08c000834800f84338b82c4867bd5002210d2aa062533dea8011086965521619ef54a020434ea1699ef54d820434f060000000102484a47005808f00b40dc1b4008852b87680110a564dc280819570d8200801004104830a0800800101200840c84e3c00900040f10830025e1010418901a3c7807ff917fff87922f0a183f808418828c38418829241c645fffe1e4b40810a80000021510002002a8000f2801ed278a04862910002050500100584581c104f0104b110870218a021066fff3c100000080084004a0000";
/// A RadioBearerConfig adding one DRB for EPS bearer 5.
const RADIO_BEARER_CONFIG: &str = "140928978bc26d2200";

#[test]
fn real_mib() {
    let m = decode(NrRrcChannel::BcchBch, &h(MIB)).unwrap();
    assert_eq!(m.name, "mib");
    assert_eq!(m.summary.sfn_msb, Some(53));
    assert_eq!(m.summary.cell_barred, Some(false));
}

#[test]
fn real_en_dc_containers() {
    let m = decode(NrRrcChannel::RrcReconfiguration, &h(RECONFIGURATION)).unwrap();
    assert_eq!(m.name, "rrcReconfiguration");
    assert!(m.summary.secondary_cell_group);
    assert_eq!(m.summary.sync_target_pci, Some(625));
    let m = decode(NrRrcChannel::RadioBearerConfig, &h(RADIO_BEARER_CONFIG)).unwrap();
    assert_eq!(m.name, "radioBearerConfig");
    let m = decode(NrRrcChannel::RrcReconfigurationComplete, &[0]).unwrap();
    assert_eq!(m.name, "rrcReconfigurationComplete");
}

#[test]
fn encoded_messages_decode_to_their_fields() {
    let (ch, b) = build::sib1("460", "00", 0x00_1234, 0x9_8765_4321).unwrap();
    let m = decode(ch, &b).unwrap();
    assert_eq!(m.name, "systemInformationBlockType1");
    assert_eq!(m.summary.brief(), "PLMN 460-00, TAC 4660, NCI 40926266145");
    let (ch, b) =
        build::sib1_scheduling("460", "00", 0x00_1234, 0x9_8765_4321, &[2, 4, 5]).unwrap();
    let m = decode(ch, &b).unwrap();
    assert_eq!(m.summary.brief(), "PLMN 460-00, TAC 4660, NCI 40926266145");
    assert!(build::sib1_scheduling("460", "00", 1, 1, &[10]).is_err());

    let (ch, b) = build::security_mode_command(0, 0).unwrap();
    let m = decode(ch, &b).unwrap();
    assert_eq!(m.name, "securityModeCommand");
    assert_eq!(
        (m.summary.ciphering_algorithm, m.summary.integrity_algorithm),
        (Some(0), Some(0))
    );

    let (ch, b) = build::release(Some(NrRedirect::Eutra { earfcn: 1300 })).unwrap();
    let m = decode(ch, &b).unwrap();
    assert_eq!(m.name, "rrcRelease");
    assert_eq!(m.summary.redirect, Some(NrRedirect::Eutra { earfcn: 1300 }));

    let (ch, b) = build::setup_request(true).unwrap();
    let m = decode(ch, &b).unwrap();
    assert_eq!(m.summary.establishment_cause, Some("emergency"));

    let (ch, b) = build::setup_complete(&[0x7e, 0x00, 0x41]).unwrap();
    let m = decode(ch, &b).unwrap();
    assert_eq!(m.name, "rrcSetupComplete");
    assert_eq!(m.nas_pdus, vec![vec![0x7e, 0x00, 0x41]]);

    for (ch, b) in [
        build::setup().unwrap(),
        build::security_mode_complete().unwrap(),
    ] {
        assert!(decode(ch, &b).is_ok());
    }
}

fn eutra(arfcn: u32, priority: Option<u8>) -> CarrierPriority {
    CarrierPriority { arfcn, priority }
}

#[test]
fn encoded_system_information_decodes_to_its_priorities() {
    let nr = [
        NrCarrier {
            arfcn: 636_666,
            band: 78,
            priority: Some(6),
        },
        NrCarrier {
            arfcn: 151_600,
            band: 28,
            priority: None,
        },
    ];
    let lte = [
        eutra(1300, Some(5)),
        eutra(6300, Some(3)),
        eutra(3050, None),
    ];
    let (ch, b) = build::system_information(7, &nr, &lte).unwrap();
    assert_eq!(ch, NrRrcChannel::BcchDlSch);
    let m = decode(ch, &b).unwrap();
    assert_eq!(m.name, "systemInformation");
    let s = &m.summary;
    assert_eq!(s.sibs, vec![2, 4, 5]);
    assert_eq!(s.serving_priority, Some(7));
    let nr_back: Vec<_> = s
        .nr_carriers
        .iter()
        .map(|c| (c.arfcn, c.priority))
        .collect();
    assert_eq!(nr_back, vec![(636_666, Some(6)), (151_600, None)]);
    assert_eq!(s.eutra_carriers, lte.to_vec());

    // Without SIB4 the message carries SIB2 and SIB5 only.
    let (ch, b) = build::system_information(1, &[], &[eutra(1300, Some(7))]).unwrap();
    let s = decode(ch, &b).unwrap().summary;
    assert_eq!(s.sibs, vec![2, 5]);
    assert_eq!(s.serving_priority, Some(1));
    assert_eq!(s.eutra_carriers, vec![eutra(1300, Some(7))]);
    assert!(s.nr_carriers.is_empty());
}

#[test]
fn system_information_refuses_what_ts_38_331_cannot_carry() {
    assert!(build::system_information(8, &[], &[]).is_err());
    assert!(build::system_information(7, &[], &[eutra(1300, Some(8))]).is_err());
    let nine: Vec<_> = (0..9).map(|i| eutra(1300 + i, Some(3))).collect();
    assert!(build::system_information(7, &[], &nine).is_err());
}

#[test]
fn refuses_empty_oversized_and_truncated() {
    assert_eq!(decode(NrRrcChannel::Pcch, &[]), Err(NrRrcError::Empty));
    let big = vec![0u8; MAX_NR_RRC_PDU + 1];
    assert_eq!(
        decode(NrRrcChannel::DlDcch, &big),
        Err(NrRrcError::TooLong {
            len: MAX_NR_RRC_PDU + 1
        })
    );
    let reconf = h(RECONFIGURATION);
    let e = decode(NrRrcChannel::RrcReconfiguration, &reconf[..3]).unwrap_err();
    assert!(matches!(e, NrRrcError::Malformed { .. }), "{e:?}");
    assert!(!e.to_string().is_empty());
}
