//! Damaged copies of the real recordings: truncation, bit flips, zero-filled gaps and
//! spliced files. The reader must never panic, must report damage where it lost packets,
//! and must keep every packet whose bytes were not touched.

mod common;

use common::*;
use stingwatch_model::{Damage, RadioMessage};

/// What identifies a message across copies of a file that keep byte offsets.
fn key(m: &RadioMessage) -> (u64, Vec<u8>, Option<i64>, String) {
    (
        m.offset,
        m.payload.clone(),
        m.time.map(|t| t.0),
        format!("{:?}", m.kind),
    )
}

/// Byte range of the pcapng block at `offset` (length field in either byte order, checked
/// against the trailing copy).
fn ng_block_range(bytes: &[u8], offset: u64) -> std::ops::Range<u64> {
    let at = offset as usize;
    let raw: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap();
    for len in [u32::from_le_bytes(raw), u32::from_be_bytes(raw)] {
        let end = at + len as usize;
        if len >= 12 && end <= bytes.len() && bytes[end - 4..end] == raw {
            return offset..end as u64;
        }
    }
    panic!("no block at {offset}");
}

/// Positions in `start..len` to damage: every one for small files, fewer for large ones, so
/// each test reads about `budget` bytes in all.
///
/// `STINGWATCH_DAMAGE_SCALE=N` multiplies the budget for a thorough run.
fn positions(start: usize, len: usize, budget: usize) -> impl Iterator<Item = usize> {
    let scale: usize = std::env::var("STINGWATCH_DAMAGE_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let budget = budget.saturating_mul(scale);
    let cases = (budget / len.max(1)).clamp(50, len.max(1));
    (start..len).step_by((len / cases).max(1))
}

fn covers(d: &Damage, range: &std::ops::Range<u64>) -> bool {
    let end = d.offset + d.length.max(1);
    d.offset < range.end && range.start < end
}

struct Original {
    name: String,
    bytes: Vec<u8>,
    messages: Vec<RadioMessage>,
    ranges: Vec<std::ops::Range<u64>>,
    /// Where the first packet block starts: everything before is section and interface metadata.
    first_packet: u64,
    /// Offsets where a block (of any type) ends.
    boundaries: Vec<u64>,
}

fn block_boundaries(bytes: &[u8]) -> Vec<u64> {
    let mut at = 0u64;
    let mut out = Vec::new();
    while (at as usize) < bytes.len() {
        at = ng_block_range(bytes, at).end;
        out.push(at);
    }
    out
}

fn originals() -> Vec<Original> {
    rayhunter_pcaps()
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read");
            let read = read_all(&bytes);
            assert!(read.damage.is_empty());
            assert_eq!(read.summary.skipped_total(), 0);
            let ranges: Vec<_> = read
                .messages
                .iter()
                .map(|m| ng_block_range(&bytes, m.offset))
                .collect();
            Original {
                name: file_name(&path),
                first_packet: ranges[0].start,
                boundaries: block_boundaries(&bytes),
                bytes,
                messages: read.messages,
                ranges,
            }
        })
        .collect()
}

/// Every original message whose block lies outside `touched` is read back unchanged (same
/// offset, payload, time, kind), every lost one is accounted for, and no more messages appear
/// that the original did not have than there were touched packets.
fn check_kept(o: &Original, damaged: &[u8], touched: std::ops::Range<u64>, what: &str) {
    let mut extra = 0;
    let read = read_all(damaged);
    let got: std::collections::HashSet<_> = read.messages.iter().map(key).collect();
    let want: std::collections::HashSet<_> = o.messages.iter().map(key).collect();
    for (m, range) in o.messages.iter().zip(&o.ranges) {
        let untouched = range.end <= touched.start || touched.end <= range.start;
        extra += usize::from(!untouched);
        let present = got.contains(&key(m));
        if untouched {
            assert!(
                present,
                "{} {what}: intact packet at {} lost; damage {:?}",
                o.name, m.offset, read.damage
            );
        } else if !present {
            // A touched packet may come back altered (same offset), be skipped as a block of
            let altered = read.messages.iter().any(|r| r.offset == m.offset);
            // an unknown type (its type field was hit) or as not GSMTAP (its IP or UDP header
            // was hit and still parses), or be reported as damage.
            let skipped = read.summary.skipped_total() > 0;
            assert!(
                altered || skipped || read.damage.iter().any(|d| covers(d, range)),
                "{} {what}: packet at {} lost without damage over it; damage {:?}",
                o.name,
                m.offset,
                read.damage
            );
        }
    }
    let new = got.difference(&want).count();
    assert!(
        new <= extra,
        "{} {what}: {new} messages not in the original",
        o.name
    );
    for d in &read.damage {
        assert!(
            d.offset + d.length <= damaged.len() as u64,
            "{} {what}: damage past the end: {d}",
            o.name
        );
    }
    assert_eq!(
        read.summary.bytes,
        damaged.len() as u64,
        "{} {what}: bytes consumed",
        o.name
    );
}

#[test]
fn truncation_at_many_offsets_keeps_every_whole_block() {
    for o in originals() {
        let mut cuts: Vec<usize> = positions(4, o.bytes.len(), 40 << 20).collect();
        for r in o.ranges.iter().take(5) {
            cuts.extend([r.start as usize, r.start as usize + 1, r.end as usize - 1]);
        }
        for cut in cuts {
            let read = read_all(&o.bytes[..cut]);
            let expected: Vec<&RadioMessage> = o
                .messages
                .iter()
                .zip(&o.ranges)
                .filter(|(_, r)| r.end <= cut as u64)
                .map(|(m, _)| m)
                .collect();
            let got: Vec<&RadioMessage> = read.messages.iter().collect();
            assert_eq!(got, expected, "{} cut at {cut}", o.name);
            let at_boundary = o.boundaries.contains(&(cut as u64));
            if at_boundary {
                assert!(
                    read.damage.is_empty(),
                    "{} cut at {cut}: {:?}",
                    o.name,
                    read.damage
                );
            } else if !at_boundary {
                assert_eq!(
                    read.damage.len(),
                    1,
                    "{} cut at {cut}: {:?}",
                    o.name,
                    read.damage
                );
                let d = &read.damage[0];
                assert_eq!(
                    d.offset + d.length,
                    cut as u64,
                    "{} cut at {cut}: {d}",
                    o.name
                );
            }
        }
    }
}

#[test]
fn bit_flips_lose_at_most_the_flipped_block() {
    for o in originals() {
        for pos in positions(o.first_packet as usize, o.bytes.len(), 30 << 20) {
            let mut damaged = o.bytes.clone();
            damaged[pos] ^= 1 << (pos % 8);
            check_kept(
                &o,
                &damaged,
                pos as u64..pos as u64 + 1,
                &format!("flip at {pos}"),
            );
        }
        // Metadata flips: only "never panics, never loops" can be asked of them.
        for pos in 0..o.first_packet as usize {
            let mut damaged = o.bytes.clone();
            damaged[pos] ^= 0x10;
            if let Ok(reader) = stingwatch_capture::PcapReader::new(&damaged[..]) {
                assert!(reader.count() <= o.messages.len() * 2 + 4);
            }
        }
    }
}

#[test]
fn zero_filled_gaps_lose_only_what_they_cover() {
    for o in originals() {
        let len = o.bytes.len();
        let span = len - o.first_packet as usize;
        for gap in [1usize, 4, 8, 17, 100, 1000, 5000] {
            for k in 0..10 {
                let start = o.first_packet as usize + (span * k / 10 + k * 13) % span;
                let end = (start + gap).min(len);
                let mut damaged = o.bytes.clone();
                damaged[start..end].fill(0);
                check_kept(
                    &o,
                    &damaged,
                    start as u64..end as u64,
                    &format!("zeros {start}..{end}"),
                );
            }
        }
    }
}

#[test]
fn spliced_files_keep_both_sides() {
    let all = originals();
    for a in &all {
        for b in &all {
            for k in 1..12 {
                let cut =
                    a.first_packet as usize + (a.bytes.len() - a.first_packet as usize) * k / 12;
                let mut spliced = a.bytes[..cut].to_vec();
                spliced.extend_from_slice(&b.bytes);
                let read = read_all(&spliced);
                let kept_a: Vec<&RadioMessage> = a
                    .messages
                    .iter()
                    .zip(&a.ranges)
                    .filter(|(_, r)| r.end <= cut as u64)
                    .map(|(m, _)| m)
                    .collect();
                let mut expected: Vec<RadioMessage> = kept_a.iter().map(|m| (*m).clone()).collect();
                for m in &b.messages {
                    let mut m = m.clone();
                    m.offset += cut as u64;
                    m.packet += kept_a.len() as u64;
                    expected.push(m);
                }
                let what = format!("{} cut at {cut} + {}", a.name, b.name);
                assert_eq!(read.messages, expected, "{what}");
                let at_boundary = a.boundaries.contains(&(cut as u64));
                if at_boundary {
                    assert!(read.damage.is_empty(), "{what}: {:?}", read.damage);
                } else {
                    assert_eq!(read.damage.len(), 1, "{what}: {:?}", read.damage);
                    assert_eq!(
                        read.damage[0].offset + read.damage[0].length,
                        cut as u64,
                        "{what}"
                    );
                }
            }
        }
    }
}

/// The real messages re-framed as a legacy pcap, with each record's byte range.
fn legacy_copy(o: &Original, big_endian: bool) -> (Vec<u8>, Vec<std::ops::Range<u64>>) {
    let mut file = pcap_header(big_endian, false, 228);
    let mut ranges = Vec::new();
    for m in &o.messages {
        let t = m.time.map_or(0, |t| t.0);
        let start = file.len() as u64;
        file.extend(pcap_record(
            big_endian,
            (t / 1_000_000) as u32,
            (t % 1_000_000) as u32,
            &message_packet(m),
        ));
        ranges.push(start..file.len() as u64);
    }
    (file, ranges)
}

#[test]
fn legacy_pcap_damage_keeps_intact_records() {
    for o in originals() {
        for big_endian in [false, true] {
            let (file, ranges) = legacy_copy(&o, big_endian);
            let clean = read_all(&file);
            assert!(clean.damage.is_empty());
            assert_eq!(clean.messages.len(), o.messages.len());
            let legacy = Original {
                name: format!("{} as legacy pcap (be {big_endian})", o.name),
                first_packet: 24,
                boundaries: ranges.iter().map(|r| r.end).collect(),
                messages: clean.messages,
                ranges,
                bytes: file,
            };
            let len = legacy.bytes.len();
            for pos in positions(24, len, 8 << 20) {
                let mut damaged = legacy.bytes.clone();
                damaged[pos] ^= 1 << (pos % 8);
                check_kept(
                    &legacy,
                    &damaged,
                    pos as u64..pos as u64 + 1,
                    &format!("flip at {pos}"),
                );
            }
            for gap in [3usize, 16, 40, 300] {
                for k in 0..8 {
                    let start = 24 + (len - 24) * k / 8 + k;
                    let end = (start + gap).min(len);
                    let mut damaged = legacy.bytes.clone();
                    damaged[start..end].fill(0);
                    check_kept(
                        &legacy,
                        &damaged,
                        start as u64..end as u64,
                        &format!("zeros {start}..{end}"),
                    );
                }
            }
            for cut in positions(24, len, 8 << 20) {
                let read = read_all(&legacy.bytes[..cut]);
                let expected = legacy.ranges.iter().filter(|r| r.end <= cut as u64).count();
                assert_eq!(
                    read.messages.len(),
                    expected,
                    "{} cut at {cut}",
                    legacy.name
                );
                assert_eq!(
                    read.messages[..],
                    legacy.messages[..expected],
                    "{} cut at {cut}",
                    legacy.name
                );
            }
        }
    }
}
