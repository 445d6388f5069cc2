//! The NR RRC walker against the generated decoder on the messages the scenario encoders
//! write (SA system information, connection set-up, security, release with redirection and
//! priorities, NAS transfers) and on damaged copies of them: whenever the walker answers, its
//! answer equals `decode`'s, and the detection path always does. The real recordings are
//! checked in `stingwatch-decode`'s `tests/nr_walker.rs`.

use proptest::prelude::*;
use stingwatch_nr_rrc::build::{self, NrCarrier};
use stingwatch_nr_rrc::{
    decode, decode_for_detection, walk_only, CarrierPriority, NrRedirect, NrRrcChannel,
};

/// Holds the walker to the decoder; whether the walker answered.
fn agrees(channel: NrRrcChannel, bytes: &[u8]) -> bool {
    let full = decode(channel, bytes);
    assert_eq!(
        decode_for_detection(channel, bytes).map(|m| *m),
        full,
        "{channel:?} {bytes:02x?}"
    );
    match walk_only(channel, bytes) {
        Some(w) => {
            assert_eq!(Ok(&*w), full.as_ref(), "{channel:?} {bytes:02x?}");
            true
        }
        None => false,
    }
}

/// Holds the walker to the decoder on `(channel, bytes)` and on damaged copies; the walker
/// must read the undamaged message itself.
fn agrees_also_damaged(channel: NrRrcChannel, bytes: &[u8], seed: u64) {
    assert!(
        agrees(channel, bytes),
        "walker left {channel:?} {bytes:02x?}"
    );
    let mut rng = stingwatch_testsupport::Rng(seed | 1);
    for _ in 0..64 {
        let b = rng.damaged(bytes);
        agrees(channel, &b);
    }
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n).prop_map(|d| d.iter().map(|x| x.to_string()).collect())
}

fn nr_carrier() -> impl Strategy<Value = NrCarrier> {
    (0u32..=3_279_165, 1u16..=256, proptest::option::of(0u8..8)).prop_map(
        |(arfcn, band, priority)| NrCarrier {
            arfcn,
            band,
            priority,
        },
    )
}

fn eutra_carrier() -> impl Strategy<Value = CarrierPriority> {
    (0u32..=262_143, proptest::option::of(0u8..8))
        .prop_map(|(arfcn, priority)| CarrierPriority { arfcn, priority })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sib1(mcc in digits(3), mnc in digits(2), tac in 0u32..(1 << 24), cell in 0u64..(1 << 36), seed: u64) {
        let (c, b) = build::sib1(&mcc, &mnc, tac, cell).unwrap();
        agrees_also_damaged(c, &b, seed);
        let (c, b) = build::sib1_scheduling(&mcc, &mnc, tac, cell, &[2, 4, 5]).unwrap();
        agrees_also_damaged(c, &b, seed);
    }

    #[test]
    fn system_information(
        serving in 0u8..8,
        nr in proptest::collection::vec(nr_carrier(), 0..4),
        eutra in proptest::collection::vec(eutra_carrier(), 0..4),
        seed: u64,
    ) {
        let (c, b) = build::system_information(serving, &nr, &eutra).unwrap();
        agrees_also_damaged(c, &b, seed);
        let m = walk_only(c, &b).unwrap();
        prop_assert_eq!(m.summary.serving_priority, Some(serving));
        prop_assert_eq!(m.summary.nr_carriers.len(), nr.len());
        prop_assert_eq!(m.summary.eutra_carriers, eutra);
    }

    #[test]
    fn connection_and_security(nas in proptest::collection::vec(any::<u8>(), 1..40), nea in 0u8..4, nia in 0u8..4, emergency: bool, seed: u64) {
        for (c, b) in [
            build::setup_request(emergency).unwrap(),
            build::setup().unwrap(),
            build::setup_complete(&nas).unwrap(),
            build::dl_information_transfer(&nas).unwrap(),
            build::ul_information_transfer(&nas).unwrap(),
            build::security_mode_command(nea, nia).unwrap(),
            build::security_mode_complete().unwrap(),
        ] {
            agrees_also_damaged(c, &b, seed);
        }
    }

    #[test]
    fn release(arfcn in 0u32..=3_279_165, earfcn in 0u32..=262_143, which in 0u8..3, seed: u64) {
        let redirect = match which {
            0 => None,
            1 => Some(NrRedirect::Nr { arfcn }),
            _ => Some(NrRedirect::Eutra { earfcn }),
        };
        let (c, b) = build::release(redirect).unwrap();
        agrees_also_damaged(c, &b, seed);
        prop_assert_eq!(walk_only(c, &b).unwrap().summary.redirect, redirect);
    }
}
