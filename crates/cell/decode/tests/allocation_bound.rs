//! Peak heap use of one `decode_message` call stays under a fixed bound on hostile input:
//! random bytes on every LTE RRC channel up to `MAX_RRC_PDU` bytes (and one past it), NAS
//! PDUs up to 64 KiB, GSM Um and unknown payloads, and valid RRC messages carrying random NAS
//! PDUs, a few thousand deterministic cases in all.
//!
//! A counting allocator wraps the system one and tracks the bytes live at any moment. This is
//! the only test in this file (its own test binary), so no other test thread allocates while
//! a call is measured. The `unsafe` below is the `GlobalAlloc` contract, passed through to
//! `System` unchanged; the library crates themselves forbid unsafe code.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use stingwatch_decode::decode_message;
use stingwatch_lte_rrc::build;
use stingwatch_lte_rrc::MAX_RRC_PDU;
use stingwatch_model::{Direction, LteRrcChannel, PayloadKind, RadioContext, RadioMessage, Rat};
use stingwatch_testsupport::Rng;

/// Bytes allocated and not yet freed, by anyone in the process.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Highest value of [`LIVE`] since it was last reset.
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

impl Counting {
    fn grew(by: usize) {
        let now = LIVE.fetch_add(by, Ordering::SeqCst) + by;
        PEAK.fetch_max(now, Ordering::SeqCst);
    }

    fn shrank(by: usize) {
        LIVE.fetch_sub(by, Ordering::SeqCst);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every path above uses it).
        unsafe { System.dealloc(ptr, layout) };
        Counting::shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller guarantees `new_size` is valid for `layout`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as the new block existing before the old one is freed, as the system
            // allocator may have to do.
            Counting::grew(new_size);
            Counting::shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Largest number of bytes live at once, above what was live before, during one call of
/// `decode_message` (its input not included, its result included until it is dropped).
///
/// Measured on this test's cases, and once on 60,000 more random SC-MCCH, BCCH-DL-SCH and
/// DL-DCCH PDUs: the largest peak is 172 KB, for SC-MCCH random bytes (the decoded SC-PTM
/// configuration lists, up to 1023 entries); the other RRC channels stay under 35 KB, RRC
/// messages carrying an 8 KB NAS PDU at 16 KB, NAS under 1.5 KB, GSM Um and unknown payloads
/// under 100 bytes. 1 MiB is six times the worst seen: enough for ordinary changes of the
/// decoders, while a decoder that reserves memory for a count or length the input declares
/// (a 16-bit length field alone can ask for 64 KiB times the element size) goes past it.
const PEAK_BOUND: usize = 1 << 20;

/// Lengths and byte strings for the cases below.
trait Draw {
    fn length(&mut self, max: usize) -> usize;
    fn bytes(&mut self, len: usize) -> Vec<u8>;
}

impl Draw for Rng {
    /// A length from 1 to `max`: short most of the time, up to `max` often enough.
    fn length(&mut self, max: usize) -> usize {
        let cap = match self.below(4) {
            0 | 1 => 64.min(max),
            2 => 1024.min(max),
            _ => max,
        };
        1 + self.below(cap)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

fn message(kind: PayloadKind, payload: Vec<u8>) -> RadioMessage {
    RadioMessage {
        packet: 1,
        offset: 0,
        time: None,
        direction: Direction::Unknown,
        rat: Rat::Lte,
        kind,
        context: RadioContext::default(),
        payload,
    }
}

fn rrc(channel: LteRrcChannel, payload: Vec<u8>) -> RadioMessage {
    message(PayloadKind::LteRrc { channel }, payload)
}

/// Peak bytes live above the starting level while `msg` is decoded.
fn peak_of(msg: RadioMessage) -> usize {
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let decoded = decode_message(msg);
    let peak = PEAK.load(Ordering::SeqCst);
    drop(decoded);
    peak.saturating_sub(base)
}

/// Every hostile input of this test, with a short description for failure messages.
fn cases() -> Vec<(String, RadioMessage)> {
    let mut rng = Rng(0x5eed_a110_c0de_0001);
    let mut out = Vec::new();
    for channel in LteRrcChannel::ALL {
        for i in 0..150 {
            let len = rng.length(MAX_RRC_PDU);
            let what = format!("{channel:?} random #{i}, {len} bytes");
            out.push((what, rrc(channel, rng.bytes(len))));
        }
        for fill in [0x00, 0xff, 0xaa, 0x55] {
            for len in [MAX_RRC_PDU, MAX_RRC_PDU + 1] {
                let what = format!("{channel:?} {len} bytes of {fill:#04x}");
                out.push((what, rrc(channel, vec![fill; len])));
            }
        }
    }
    // NAS: random bytes behind each plausible first octet (EMM plain and protected, ESM,
    // service request, other protocols), up to 64 KiB (a DIAG NAS record's length field).
    let first_octets = [0x07, 0x17, 0x27, 0x37, 0x47, 0xc7, 0x02, 0x52, 0x05];
    for i in 0..900 {
        let max = if i % 10 == 0 { 65_535 } else { MAX_RRC_PDU };
        let len = rng.length(max);
        let mut pdu = rng.bytes(len);
        pdu[0] = first_octets[i % first_octets.len()];
        out.push((
            format!("NAS #{i}, {len} bytes"),
            message(PayloadKind::LteNas, pdu),
        ));
    }
    // Valid RRC messages carrying random NAS PDUs, so the NAS inside RRC is decoded too.
    for i in 0..200 {
        let len = rng.length(MAX_RRC_PDU - 64);
        let mut nas = rng.bytes(len);
        nas[0] = first_octets[i % first_octets.len()];
        let built = match i % 3 {
            0 => build::dl_information_transfer(&nas),
            1 => build::ul_information_transfer(&nas),
            _ => build::rrc_connection_setup_complete(&nas),
        };
        let (channel, pdu) = built.expect("a NAS PDU of this size fits");
        out.push((
            format!("{channel:?} carrying NAS #{i}, {len} bytes"),
            rrc(channel, pdu),
        ));
    }
    // GSM Um and unknown payloads.
    for i in 0..200 {
        let len = rng.length(MAX_RRC_PDU);
        let kind = if i % 2 == 0 {
            PayloadKind::GsmUm {
                channel_type: rng.below(256) as u8,
            }
        } else {
            PayloadKind::Other {
                gsmtap_type: rng.below(256) as u8,
                sub_type: rng.below(256) as u8,
            }
        };
        out.push((
            format!("{kind:?} #{i}, {len} bytes"),
            message(kind, rng.bytes(len)),
        ));
    }
    out
}

#[test]
fn decode_message_peak_allocation_is_bounded() {
    let cases = cases();
    assert!(cases.len() > 3000);
    let mut worst = (0usize, String::new());
    for (what, msg) in cases {
        let peak = peak_of(msg);
        if peak > worst.0 {
            worst = (peak, what);
        }
    }
    eprintln!("largest peak: {} bytes ({})", worst.0, worst.1);
    assert!(
        worst.0 <= PEAK_BOUND,
        "{} bytes live at once while decoding {}, bound {PEAK_BOUND}",
        worst.0,
        worst.1
    );
}
