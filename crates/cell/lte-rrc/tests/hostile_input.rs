//! Hostile input: random bytes and damaged copies of valid messages, on every channel, must
//! come back as a message or an error value, never a panic.

use stingwatch_lte_rrc::build::{self, SibContent};
use stingwatch_lte_rrc::{decode, LteRrcChannel, MAX_RRC_PDU};
use stingwatch_testsupport::Rng;

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for _ in 0..4000 {
        let len = 1 + rng.below(96);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        for c in LteRrcChannel::ALL {
            let _ = decode(c, &bytes);
        }
    }
}

#[test]
fn all_ones_and_long_inputs_never_panic() {
    for len in [1, 2, 3, 8, 64, 512, MAX_RRC_PDU] {
        for fill in [0x00u8, 0xff, 0xaa, 0x55] {
            let bytes = vec![fill; len];
            for c in LteRrcChannel::ALL {
                let _ = decode(c, &bytes);
            }
        }
    }
}

#[test]
fn damaged_valid_messages_never_panic() {
    let seeds: Vec<(LteRrcChannel, Vec<u8>)> = vec![
        build::master_information_block(100, 7).unwrap(),
        build::system_information(&[
            SibContent::Sib2,
            SibContent::Sib3 {
                serving_priority: 5,
            },
        ])
        .unwrap(),
        build::paging(&[], true).unwrap(),
        build::rrc_connection_setup().unwrap(),
        build::rrc_connection_setup_complete(&[7, 0x41, 1, 2, 3]).unwrap(),
        build::security_mode_command(2, 2).unwrap(),
        build::rrc_connection_reconfiguration_handover(1, Some(70_000)).unwrap(),
        build::ue_capability_enquiry(&["eutra"]).unwrap(),
    ];
    let mut rng = Rng(0xdead_beef_0000_0042);
    for (channel, bytes) in &seeds {
        for _ in 0..1500 {
            let mut b = bytes.clone();
            match rng.below(3) {
                0 => {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
                1 => b.truncate(1 + rng.below(b.len())),
                _ => {
                    let i = rng.below(b.len());
                    b[i] = rng.next_u64() as u8;
                    b.push(rng.next_u64() as u8);
                }
            }
            let _ = decode(*channel, &b);
        }
    }
}
