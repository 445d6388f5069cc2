//! Damaged copies of real recordings: truncated, bit-flipped, spliced, zero-filled.
//!
//! For each, the reader must not panic, must report a damaged region where the damage is, must
//! yield every message whose frame (including its closing flag) is untouched, and must never
//! yield a message that the clean recording does not have.

use std::collections::BTreeMap;
use std::path::PathBuf;
use stingwatch_diag::QmdlReader;
use stingwatch_model::{Damage, RadioMessage, ReadItem};
use stingwatch_testsupport::shared_captures;

/// A clean recording and what the reader makes of it.
struct Clean {
    name: String,
    data: Vec<u8>,
    /// Messages by frame offset, with the offset of the frame's closing flag.
    messages: BTreeMap<u64, (u64, RadioMessage)>,
}

fn read(data: &[u8]) -> (Vec<RadioMessage>, Vec<Damage>) {
    let mut messages = Vec::new();
    let mut damage = Vec::new();
    for item in QmdlReader::new(data) {
        match item {
            ReadItem::Message(m) => messages.push(m),
            ReadItem::Damage(d) => damage.push(d),
            ReadItem::Measurement(_) => {}
        }
    }
    (messages, damage)
}

fn load(path: PathBuf) -> Clean {
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (msgs, _) = read(&data);
    let messages = msgs
        .into_iter()
        .map(|m| {
            let start = usize::try_from(m.offset).unwrap_or(usize::MAX);
            let flag = data
                .get(start..)
                .and_then(|rest| rest.iter().position(|&b| b == 0x7E))
                .map(|p| (start + p) as u64)
                .unwrap_or(u64::MAX);
            (m.offset, (flag, m))
        })
        .collect();
    Clean {
        name: path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string(),
        data,
        messages,
    }
}

fn recordings() -> Vec<Clean> {
    let mut files = shared_captures("rayhunter-traces", "qmdl");
    files.extend(shared_captures("mobileinsight", "mi2log"));
    files.into_iter().map(load).collect()
}

/// Content of a message without its position in the output.
fn same_content(a: &RadioMessage, b: &RadioMessage) -> bool {
    (a.time, a.direction, a.rat, a.kind, a.context, &a.payload)
        == (b.time, b.direction, b.rat, b.kind, b.context, &b.payload)
}

/// Checks a same-length mutation that touched bytes `touched` (inclusive range).
fn check_in_place(clean: &Clean, mutated: &[u8], touched: (u64, u64), what: &str) {
    let (got, damage) = read(mutated);
    let at = format!("{} {what}", clean.name);
    // No phantom or altered messages.
    for m in &got {
        match clean.messages.get(&m.offset) {
            Some((_, c)) => assert!(same_content(c, m), "{at}: message at {} altered", m.offset),
            None => panic!("{at}: message at offset {} not in the clean read", m.offset),
        }
    }
    // Every untouched frame is still read.
    let got_offsets: std::collections::BTreeSet<u64> = got.iter().map(|m| m.offset).collect();
    for (&offset, (flag, _)) in &clean.messages {
        let untouched = *flag < touched.0 || offset > touched.1;
        if untouched {
            assert!(
                got_offsets.contains(&offset),
                "{at}: lost intact frame at {offset}"
            );
        }
    }
    // The damage is reported where it is.
    let lost = clean.messages.len() - got.len();
    if lost > 0 {
        assert!(
            damage
                .iter()
                .any(|d| d.offset <= touched.1 && d.offset + d.length >= touched.0),
            "{at}: {lost} messages lost but no damage covers {touched:?}: {damage:?}"
        );
    }
    // Packet numbers stay 1-based and dense.
    for (i, m) in got.iter().enumerate() {
        assert_eq!(m.packet, i as u64 + 1, "{at}");
    }
}

/// Offsets to try in a file, so that about `budget` bytes are read in all: every offset of a
/// small file; for larger ones an even spread plus the neighbourhood of a few frame flags.
/// (Tests run unoptimised in CI; this keeps each under a few seconds.)
fn sample_offsets(clean: &Clean, budget: usize) -> Vec<usize> {
    let len = clean.data.len().max(1);
    let count = (budget / len).clamp(8, len);
    let mut out: Vec<usize> = (0..count).map(|i| i * len / count + i % 7).collect();
    for (flag, _) in clean
        .messages
        .values()
        .step_by(clean.messages.len() / 2 + 1)
    {
        let f = usize::try_from(*flag).unwrap_or(0);
        out.extend([f.saturating_sub(1), f, f + 1, f + 2]);
    }
    out.retain(|&o| o < len);
    out.sort_unstable();
    out.dedup();
    out
}

/// Bytes each damage test reads per recording.
const BUDGET: usize = 4 << 20;

#[test]
fn truncation_keeps_every_complete_frame() {
    for clean in recordings() {
        for cut in sample_offsets(&clean, BUDGET) {
            let data = clean.data.get(..cut).unwrap_or(&[]);
            let (got, damage) = read(data);
            let expected: Vec<&RadioMessage> = clean
                .messages
                .values()
                .filter(|(flag, _)| (*flag as usize) < cut)
                .map(|(_, m)| m)
                .collect();
            assert_eq!(got.len(), expected.len(), "{} cut at {cut}", clean.name);
            for (g, e) in got.iter().zip(expected) {
                assert_eq!(g, e, "{} cut at {cut}", clean.name);
            }
            // Unless the cut falls right after a flag, the tail is reported as truncated.
            let ends_clean = cut == 0 || clean.data.get(cut - 1) == Some(&0x7E);
            let tail = damage.iter().find(|d| d.reason.contains("truncated"));
            if ends_clean {
                assert!(tail.is_none(), "{} cut at {cut}: {tail:?}", clean.name);
            } else {
                let tail = tail.unwrap_or_else(|| panic!("{} cut at {cut}: no tail", clean.name));
                assert_eq!(tail.offset + tail.length, cut as u64, "{}", clean.name);
            }
        }
    }
}

#[test]
fn bit_flips_lose_only_the_frame_hit() {
    for clean in recordings() {
        for (i, pos) in sample_offsets(&clean, BUDGET).into_iter().enumerate() {
            let mut data = clean.data.clone();
            if let Some(b) = data.get_mut(pos) {
                *b ^= 1 << (i % 8);
            }
            check_in_place(
                &clean,
                &data,
                (pos as u64, pos as u64),
                &format!("flip at {pos}"),
            );
        }
    }
}

#[test]
fn zero_filled_gaps_lose_only_the_frames_they_touch() {
    for clean in recordings() {
        for (i, start) in sample_offsets(&clean, BUDGET).into_iter().enumerate() {
            let len = [1usize, 3, 17, 200, 5000][i % 5];
            let end = (start + len).min(clean.data.len());
            let mut data = clean.data.clone();
            if let Some(gap) = data.get_mut(start..end) {
                gap.fill(0);
            }
            if data == clean.data {
                continue;
            }
            check_in_place(
                &clean,
                &data,
                (start as u64, end.saturating_sub(1) as u64),
                &format!("zeros at {start}..{end}"),
            );
        }
    }
}

#[test]
fn splicing_two_recordings_keeps_both_sides() {
    let all = recordings();
    for (a, b) in all.iter().zip(all.iter().cycle().skip(1)) {
        for cut in sample_offsets(a, BUDGET / 4) {
            let mut data = a.data.get(..cut).unwrap_or(&[]).to_vec();
            data.extend_from_slice(&b.data);
            let (got, damage) = read(&data);
            let from_a: Vec<&RadioMessage> = a
                .messages
                .values()
                .filter(|(flag, _)| (*flag as usize) < cut)
                .map(|(_, m)| m)
                .collect();
            let at = format!("{} cut at {cut} + {}", a.name, b.name);
            assert_eq!(got.len(), from_a.len() + b.messages.len(), "{at}");
            for (g, e) in got.iter().zip(
                from_a
                    .iter()
                    .copied()
                    .chain(b.messages.values().map(|(_, m)| m)),
            ) {
                assert!(same_content(g, e), "{at}: message {} differs", g.packet);
            }
            // The half frame at the junction is the one new damaged region.
            let ends_clean = cut == 0 || a.data.get(cut - 1) == Some(&0x7E);
            let junction: Vec<&Damage> = damage
                .iter()
                .filter(|d| d.offset < cut as u64 && d.offset + d.length >= cut as u64)
                .collect();
            assert_eq!(junction.len(), usize::from(!ends_clean), "{at}: {damage:?}");
        }
    }
}

/// Random bytes between two copies of a recording: every message of both copies is read,
/// and the garbage is reported as one damaged region (or a few, where random bytes happen to
/// form a frame that checks out), not one per flag byte it contains.
#[test]
fn random_bytes_between_recordings_are_one_region() {
    let Some(clean) = recordings().into_iter().find(|c| c.name.ends_with(".qmdl")) else {
        return;
    };
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let garbage: Vec<u8> = (0..4 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let mut data = clean.data.clone();
    data.extend_from_slice(&garbage);
    data.extend_from_slice(&clean.data);
    let (messages, damage) = read(&data);
    assert!(
        messages.len() >= 2 * clean.messages.len(),
        "{}: {} messages, want {}",
        clean.name,
        messages.len(),
        2 * clean.messages.len()
    );
    let start = clean.data.len() as u64;
    let covered: u64 = damage
        .iter()
        .filter(|d| d.offset >= start.saturating_sub(8192))
        .map(|d| d.length)
        .sum();
    eprintln!(
        "{} regions: {:?}",
        damage.len(),
        damage.iter().take(5).collect::<Vec<_>>()
    );
    assert!(
        covered >= garbage.len() as u64 - 8192,
        "garbage covered: {covered}"
    );
    assert!(
        damage.len() <= 64,
        "{} damaged regions for one run of garbage",
        damage.len()
    );
    let mut s = QmdlReader::new(data.as_slice());
    let n = s
        .by_ref()
        .filter(|i| matches!(i, ReadItem::Damage(_)))
        .count() as u64;
    assert_eq!(s.summary().damaged_regions, n);
}
