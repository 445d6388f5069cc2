//! Measurement record views on arbitrary bytes: 0xB17F and 0xB180 (versions 4 and 5), 0xB193
//! (version 1, subpacket 25 version 19) and 0xB062 (version 1, RACH attempt subpackets),
//! each read in full; plus write → read round trips of the records the writer emits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_diag::meas::{
    emit_neighbour_meas, emit_rach_attempt, emit_serving_meas, LteMacRachAttempt,
    LteMl1NeighbourMeas, LteMl1ServingMeas, LteMl1ServingMeasResponse, MAX_EARFCN,
    MAX_NEIGHBOUR_CELLS, MAX_RAR_TIMING_ADVANCE,
};
use stingwatch_model::{CellSignal, Sixteenths};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = LteMl1ServingMeas::new_checked(data) {
        let s = m.signal();
        assert!(s.earfcn <= MAX_EARFCN && s.pci < 512);
    }
    if let Ok(n) = LteMl1NeighbourMeas::new_checked(data) {
        assert!(n.len() <= MAX_NEIGHBOUR_CELLS);
        assert_eq!(n.cells().count(), n.len());
    }
    if let Ok(cells) = LteMl1ServingMeasResponse::parse(data) {
        for c in cells {
            let _ = (c.signal(), c.is_serving(), c.serving_cell_index());
        }
    }
    if let Ok(attempts) = LteMacRachAttempt::parse(data) {
        for a in attempts {
            assert!(a.timing_advance() <= MAX_RAR_TIMING_ADVANCE);
            let _ = a.tc_rnti();
        }
    }

    // Write → read: levels inside the fields' ranges come back to the sixteenth.
    if data.len() >= 12 {
        let word = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]);
        let signal = CellSignal {
            earfcn: u32::from(word(0)),
            pci: word(2) & 0x1FF,
            rsrp: Sixteenths(-180 * 16 + i32::from(word(4) & 0xFFF)),
            rsrq: Some(Sixteenths(-30 * 16 + i32::from(word(6) & 0x3FF))),
            rssi: Some(Sixteenths(-110 * 16 + i32::from(word(8) & 0x7FF))),
        };
        let mut body = Vec::new();
        emit_serving_meas(&signal, &mut body);
        assert_eq!(
            LteMl1ServingMeas::new_checked(&body).map(|m| m.signal()),
            Ok(signal)
        );
        let cells = vec![signal; usize::from(data[10]) % (MAX_NEIGHBOUR_CELLS + 1)];
        let mut body = Vec::new();
        emit_neighbour_meas(signal.earfcn, &cells, &mut body).expect("within the limit");
        let read: Vec<CellSignal> = LteMl1NeighbourMeas::new_checked(&body)
            .expect("a written record reads back")
            .cells()
            .collect();
        assert_eq!(read, cells);
        let ta = word(10) % (MAX_RAR_TIMING_ADVANCE + 1);
        let mut body = Vec::new();
        emit_rach_attempt(ta, word(0), &mut body);
        let a = LteMacRachAttempt::parse(&body).expect("a written record reads back");
        assert_eq!(a.first().map(|a| a.timing_advance()), Some(ta));
    }
});
