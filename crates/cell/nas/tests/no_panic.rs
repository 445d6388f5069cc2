//! Hostile input: any bytes decode to a value without panicking, in bounded output.

use proptest::prelude::*;
use stingwatch_model::Direction;
use stingwatch_nas::{decode, decode_with_direction};

fn check(bytes: &[u8]) {
    for dir in [Direction::Unknown, Direction::Uplink, Direction::Downlink] {
        let m = decode_with_direction(bytes, dir);
        // The summary and serialization of whatever was read must work too.
        let _ = m.summary();
        let json = serde_json::to_string(&m).expect("serializable");
        assert!(
            json.len() < 4096 + 8 * bytes.len(),
            "output bounded by input"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes);
    }

    #[test]
    fn emm_and_esm_shaped_bytes_never_panic(
        first in prop_oneof![Just(0x07u8), Just(0x17), Just(0x27), Just(0x37), Just(0xc7), Just(0x52), Just(0x02)],
        message_type in prop_oneof![0x41u8..=0x69, 0xc1u8..=0xeb],
        rest in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut bytes = vec![first];
        if first & 0x0f == 2 {
            bytes.push(0x01);
        } else if first >> 4 != 0 && first >> 4 != 0x0c {
            bytes.extend_from_slice(&[0, 0, 0, 0, 1, 0x07]);
        }
        bytes.push(message_type);
        bytes.extend_from_slice(&rest);
        check(&bytes);
    }

    #[test]
    fn truncations_of_real_messages_never_panic(cut in 0usize..200, flip in any::<(usize, u8)>()) {
        let real: &[&str] = &[
            "074202490620130062844600825203c10106180468326732066d6e63323430066d636333313004677072730d03ac39c2786b35fbe721e6b1935e06fefedddd1010274c80000d040ab10022000d040ab100d2500bf6130062801052c01a129513130062fffd2305f400000000172c4a031302523410031f19f1",
            "177a560a16040741020bf6130062801052c01a129505f07000001000050204d021d15213006284465c0a0013130062fffd11034f18a6f15d0103c1",
            "370434779f00075d220002f070c1",
        ];
        for h in real {
            let mut b: Vec<u8> = (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect();
            b.truncate(cut.min(b.len()));
            if !b.is_empty() {
                let i = flip.0 % b.len();
                b[i] ^= flip.1;
            }
            check(&b);
        }
    }
}

#[test]
fn empty_and_single_octets() {
    for b in 0..=255u8 {
        let m = decode(&[b]);
        assert!(m.error.is_some(), "{b:#04x} alone is not a whole message");
    }
    assert!(decode(&[]).error.is_some());
}
