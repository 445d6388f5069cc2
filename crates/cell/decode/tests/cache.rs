//! The caching [`Decoder`] must give exactly what the straightforward `decode_message` gives,
//! message for message, on real recordings (each read three times in a row so later passes are
//! answered from the cache), and at its limits (`MAX_CACHE_ENTRIES`, `MAX_CACHED_PDU`). A PDU
//! is remembered at its second sighting.

use std::path::Path;
use stingwatch_decode::{
    decode_message, CacheStats, CaptureReader, Decoder, MAX_CACHED_PDU, MAX_CACHE_BYTES,
    MAX_CACHE_ENTRIES,
};
use stingwatch_model::{
    LteRrcChannel, NrRrcChannel, PayloadKind, RadioContext, RadioMessage, Rat, ReadItem,
};
use stingwatch_testsupport::shared_recordings;

/// Reads the recording at `path` through `decoder`, asserting that each message decodes as
/// `decode_message` decodes it; the number of messages.
fn decode_both_ways(decoder: &mut Decoder, path: &Path) -> u64 {
    let mut compared = 0;
    for item in CaptureReader::open(path).expect("opens") {
        let ReadItem::Message(m) = item else { continue };
        let full = decode_message(m.clone());
        let cached = decoder.decode(m);
        assert_eq!(
            format!("{full:?}"),
            format!("{cached:?}"),
            "{}: packet {}",
            path.display(),
            full.source.packet
        );
        compared += 1;
    }
    compared
}

#[test]
fn cached_decoding_equals_full_decoding_on_real_recordings() {
    for path in shared_recordings() {
        let mut decoder = Decoder::new();
        let mut compared = 0u64;
        let mut first_pass = None;
        for pass in 0..3 {
            if pass == 1 {
                first_pass = Some(decoder.stats());
            }
            compared += decode_both_ways(&mut decoder, &path);
        }
        let stats = decoder.stats();
        let first = first_pass.unwrap_or_default();
        eprintln!(
            "{}: {compared} messages, cache {} hits / {} misses / {} uncached \
             (first pass {} / {} / {})",
            path.display(),
            stats.hits,
            stats.misses,
            stats.uncached,
            first.hits,
            first.misses,
            first.uncached
        );
        assert!(stats.hits > 0 || stats.misses == 0, "{}", path.display());
    }
}

/// One decoder over every real recording in turn, with a cache small enough to fill many
/// times, reads each PDU it remembers into the entry it forgets for it: what it gives must
/// still equal full decoding, message for message, whatever kind of message the forgotten
/// entry held (paging, system information, dedicated messages, NAS records, NR).
#[test]
fn a_full_cache_reads_new_pdus_into_forgotten_entries_exactly() {
    const ENTRIES: usize = 64;
    let mut decoder = Decoder::new().with_max_entries(ENTRIES);
    let mut compared = 0u64;
    for path in shared_recordings() {
        compared += decode_both_ways(&mut decoder, &path);
    }
    if compared == 0 {
        eprintln!("SKIP: no shared recordings");
        return;
    }
    let stats = decoder.stats();
    eprintln!("{compared} messages, {stats:?}");
    // The cache filled, and thousands of PDUs were then remembered in place of others.
    assert_eq!(decoder.remembered(), ENTRIES);
    assert!(stats.reused > 1000, "{stats:?}");
}

/// SIB1 of a real recording (TAC 37124), 32 bytes.
const SIB1: &str = "484c469019104239562592008221030898434d83e526492a0300c052593c8000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn broadcast(channel: LteRrcChannel, payload: Vec<u8>) -> RadioMessage {
    RadioMessage {
        packet: 1,
        offset: 0,
        time: None,
        direction: channel.direction(),
        rat: Rat::Lte,
        kind: PayloadKind::LteRrc { channel },
        context: RadioContext::default(),
        payload,
    }
}

/// Decodes with `decoder`, checking the result against uncached decoding.
fn decode_same(decoder: &mut Decoder, msg: RadioMessage) {
    let full = decode_message(msg.clone());
    let cached = decoder.decode(msg);
    assert_eq!(format!("{full:?}"), format!("{cached:?}"));
}

#[test]
fn full_cache_replaces_one_entry_per_new_pdu() {
    // Distinct paging PDUs (most do not decode; errors are remembered as well).
    let pdu = |i: usize| broadcast(LteRrcChannel::Pcch, vec![0x40, (i >> 8) as u8, i as u8, 0]);
    let stats = |hits, misses| CacheStats {
        hits,
        misses,
        uncached: 0,
        reused: 0,
    };
    let mut d = Decoder::new();
    // Each PDU is remembered by its second sighting (at its first, when the filter of first
    // sightings takes it for seen: then the second is a hit).
    for i in 0..MAX_CACHE_ENTRIES {
        decode_same(&mut d, pdu(i));
        decode_same(&mut d, pdu(i));
    }
    let max = MAX_CACHE_ENTRIES as u64;
    let s = d.stats();
    assert_eq!((s.hits + s.misses, s.uncached), (2 * max, 0));
    assert!(s.misses >= max, "{s:?}");
    assert_eq!(d.remembered(), MAX_CACHE_ENTRIES);
    // All MAX_CACHE_ENTRIES are remembered, the first one too.
    decode_same(&mut d, pdu(0));
    assert_eq!(d.stats(), stats(s.hits + 1, s.misses));
    // One entry more is remembered (the third decode is a hit) in place of exactly one
    // earlier entry (the count stays at the limit).
    for _ in 0..3 {
        decode_same(&mut d, pdu(MAX_CACHE_ENTRIES));
    }
    assert!(d.stats().hits > s.hits + 1, "{:?}", d.stats());
    assert_eq!(d.remembered(), MAX_CACHE_ENTRIES);
    // Many more distinct PDUs never grow the cache past its limit.
    for i in 0..3 * MAX_CACHE_ENTRIES {
        decode_same(&mut d, pdu(i % (2 * MAX_CACHE_ENTRIES)));
        assert!(d.remembered() <= MAX_CACHE_ENTRIES);
    }
}

#[test]
fn repeated_dedicated_pdus_are_cached() {
    // RRCConnectionReconfigurationComplete (transaction 0) on UL-DCCH, checked with pycrate.
    let complete = || broadcast(LteRrcChannel::UlDcch, vec![0x10, 0x00]);
    let mut d = Decoder::new();
    for _ in 0..3 {
        decode_same(&mut d, complete());
    }
    let s = d.stats();
    assert_eq!((s.hits, s.misses, s.uncached), (1, 2, 0));
}

#[test]
fn pdus_up_to_max_cached_pdu_are_cached() {
    let mut sib1 = hex(SIB1);
    sib1.resize(MAX_CACHED_PDU, 0);
    let mut d = Decoder::new();
    for _ in 0..3 {
        decode_same(&mut d, broadcast(LteRrcChannel::BcchDlSch, sib1.clone()));
    }
    let s = d.stats();
    assert_eq!((s.hits, s.misses, s.uncached), (1, 2, 0));
    // Zero padding is ignored by the decoder, but a PDU one byte longer is not remembered.
    sib1.push(0);
    for _ in 0..2 {
        decode_same(&mut d, broadcast(LteRrcChannel::BcchDlSch, sib1.clone()));
    }
    let s = d.stats();
    assert_eq!((s.hits, s.misses, s.uncached), (1, 2, 2));
}

#[test]
fn large_pdus_are_bounded_by_bytes() {
    // Distinct SIB1-sized PDUs of MAX_CACHED_PDU bytes: the byte budget binds before the
    // entry count, and every answer still equals uncached decoding.
    let fits = MAX_CACHE_BYTES / MAX_CACHED_PDU;
    assert!(fits < MAX_CACHE_ENTRIES);
    let pdu = |i: usize| {
        let mut p = hex(SIB1);
        p.resize(MAX_CACHED_PDU, 0);
        p[MAX_CACHED_PDU - 2] = (i >> 8) as u8;
        p[MAX_CACHED_PDU - 1] = i as u8;
        broadcast(LteRrcChannel::BcchDlSch, p)
    };
    let mut d = Decoder::new();
    for i in 0..fits {
        decode_same(&mut d, pdu(i));
        decode_same(&mut d, pdu(i));
    }
    assert_eq!(d.remembered(), fits);
    assert_eq!(d.remembered_bytes(), MAX_CACHE_BYTES);
    // One more replaces one: the budget is never passed.
    decode_same(&mut d, pdu(fits));
    decode_same(&mut d, pdu(fits));
    assert_eq!(d.remembered(), fits);
    assert_eq!(d.remembered_bytes(), MAX_CACHE_BYTES);
    // A small PDU then fits beside them only by replacing one as well.
    for _ in 0..2 {
        decode_same(&mut d, broadcast(LteRrcChannel::UlDcch, vec![0x10, 0x00]));
    }
    assert!(d.remembered_bytes() <= MAX_CACHE_BYTES);
    for i in 0..3 * fits {
        decode_same(&mut d, pdu(i));
        assert!(d.remembered_bytes() <= MAX_CACHE_BYTES);
    }
}

#[test]
fn repeated_nas_records_are_cached() {
    // An Identity request (IMSI), plain EMM, logged on its own three times.
    let record = || RadioMessage {
        kind: PayloadKind::LteNas,
        ..broadcast(LteRrcChannel::DlDcch, vec![0x07, 0x55, 0x01])
    };
    let mut d = Decoder::new();
    for _ in 0..3 {
        decode_same(&mut d, record());
    }
    let s = d.stats();
    assert_eq!((s.hits, s.misses, s.uncached), (1, 2, 0));
    // The same bytes as an RRC PDU are another table's entry, not a hit.
    decode_same(
        &mut d,
        broadcast(LteRrcChannel::DlDcch, vec![0x07, 0x55, 0x01]),
    );
    assert_eq!(d.stats().misses, 3);
}

#[test]
fn repeated_nr_rrc_pdus_are_cached_per_channel() {
    // An NR MasterInformationBlock (BCCH-BCH, 3 bytes) heard three times, then the same bytes
    // on another NR channel, which is another table's entry.
    let nr = |channel: NrRrcChannel| RadioMessage {
        rat: Rat::Nr,
        kind: PayloadKind::NrRrc { channel },
        ..broadcast(LteRrcChannel::BcchBch, vec![0x02, 0x94, 0x44])
    };
    let mut d = Decoder::new();
    for _ in 0..3 {
        decode_same(&mut d, nr(NrRrcChannel::BcchBch));
    }
    let s = d.stats();
    assert_eq!((s.hits, s.misses, s.uncached), (1, 2, 0));
    decode_same(&mut d, nr(NrRrcChannel::Pcch));
    decode_same(&mut d, nr(NrRrcChannel::Pcch));
    assert_eq!(d.stats().misses, 4);
    // An NR PDU past MAX_CACHED_PDU is decoded each time and not remembered.
    let large = || RadioMessage {
        payload: vec![0; MAX_CACHED_PDU + 1],
        ..nr(NrRrcChannel::DlDcch)
    };
    decode_same(&mut d, large());
    decode_same(&mut d, large());
    assert_eq!(d.stats().uncached, 2);
    assert_eq!(d.remembered(), 2);
}

#[test]
fn pdus_seen_once_are_not_remembered() {
    // Distinct paging PDUs, each seen once, take (nearly) no entry: only a false positive of
    // the filter of first sightings, about 1 in 10,000 here, remembers one at once.
    let pdu = |i: usize| broadcast(LteRrcChannel::Pcch, vec![0x40, (i >> 8) as u8, i as u8, 0]);
    let mut d = Decoder::new();
    for i in 0..1000 {
        decode_same(&mut d, pdu(i));
    }
    assert!(d.remembered() < 10, "{}", d.remembered());
    // Seen again after 999 others, every one is remembered, and the next time answered.
    for i in 0..1000 {
        decode_same(&mut d, pdu(i));
    }
    assert_eq!(d.remembered(), 1000);
    let before = d.stats().hits;
    for i in 0..1000 {
        decode_same(&mut d, pdu(i));
    }
    assert_eq!(d.stats().hits, before + 1000);
}

/// A working set read over and over (as a phone camped on a few cells hears the same SIBs and
/// pages) ends up answered entirely from the cache, whatever its PDUs' hashes: no two PDUs may
/// keep each other from being remembered. 1,500 PDUs, more than the 1,076 of the real
/// recording the benchmark repeats; the filter is emptied once on the way (8,192 notes).
#[test]
fn a_repeated_working_set_ends_up_fully_remembered() {
    let pdu = |i: usize| broadcast(LteRrcChannel::Pcch, vec![0x40, (i >> 8) as u8, i as u8, 1]);
    let mut d = Decoder::new();
    // Filler first sightings bring the filter close to emptying in the middle of the passes.
    for i in 0..7_000 {
        d.decode(broadcast(
            LteRrcChannel::DlDcch,
            vec![0x07, (i >> 8) as u8, i as u8],
        ));
    }
    for _ in 0..4 {
        for i in 0..1500 {
            d.decode(pdu(i));
        }
    }
    let before = d.stats();
    for i in 0..1500 {
        decode_same(&mut d, pdu(i));
    }
    assert_eq!(d.stats().hits, before.hits + 1500, "{:?}", d.stats());
}
