//! Where decoding time goes on real recordings read once: the time per message type of the
//! detection path (the LTE and NR RRC walkers, falling back to the generated decoders) and
//! of the generated decoders alone, summed over the distinct PDUs of every given file
//! (repeats are what the decoder's cache answers, so each distinct (channel, bytes) is timed
//! once).
//!
//! Run: `cargo run --profile fastbuild -p stingwatch-bench --example decode_costs -- FILE...`

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use stingwatch_decode::CaptureReader;
use stingwatch_model::{PayloadKind, ReadItem};

/// Rounds each PDU is decoded, to time it above the clock's resolution.
const ROUNDS: u32 = 20;

/// Per (RAT and channel, message name): PDUs, nanoseconds on the detection path, nanoseconds
/// in the generated decoder, bytes.
type Costs = HashMap<(String, String), (u64, u128, u128, u64)>;

/// Mean nanoseconds of `f` over [`ROUNDS`] runs, and what its last run returned.
fn timed<T>(mut f: impl FnMut() -> T) -> (u128, T) {
    let start = Instant::now();
    let mut last = f();
    for _ in 1..ROUNDS {
        last = f();
    }
    (start.elapsed().as_nanos() / u128::from(ROUNDS), last)
}

fn main() {
    let mut seen: HashSet<(PayloadKind, Vec<u8>)> = HashSet::new();
    let mut costs = Costs::new();
    let (mut messages, mut rrc, mut distinct) = (0u64, 0u64, 0u64);
    for path in std::env::args().skip(1) {
        let Ok(reader) = CaptureReader::open(std::path::Path::new(&path)) else {
            eprintln!("{path}: cannot open");
            continue;
        };
        for item in reader {
            let ReadItem::Message(m) = item else { continue };
            messages += 1;
            if !matches!(
                m.kind,
                PayloadKind::LteRrc { .. } | PayloadKind::NrRrc { .. }
            ) {
                continue;
            }
            rrc += 1;
            if !seen.insert((m.kind, m.payload.clone())) {
                continue;
            }
            distinct += 1;
            let (key, walk_ns, full_ns) = match m.kind {
                PayloadKind::LteRrc { channel } => {
                    let (walk_ns, d) =
                        timed(|| stingwatch_lte_rrc::decode_for_detection(channel, &m.payload));
                    let (full_ns, _) = timed(|| stingwatch_lte_rrc::decode(channel, &m.payload));
                    let name = d.map_or("(malformed)", |r| r.name);
                    (
                        (format!("lte {}", channel.as_str()), name),
                        walk_ns,
                        full_ns,
                    )
                }
                PayloadKind::NrRrc { channel } => {
                    let (walk_ns, d) =
                        timed(|| stingwatch_nr_rrc::decode_for_detection(channel, &m.payload));
                    let (full_ns, _) = timed(|| stingwatch_nr_rrc::decode(channel, &m.payload));
                    let name = d.map_or("(malformed)", |r| r.name);
                    ((format!("nr {}", channel.as_str()), name), walk_ns, full_ns)
                }
                _ => continue,
            };
            let e = costs.entry((key.0, key.1.to_string())).or_default();
            e.0 += 1;
            e.1 += walk_ns;
            e.2 += full_ns;
            e.3 += m.payload.len() as u64;
        }
    }
    let walk: u128 = costs.values().map(|c| c.1).sum();
    let full: u128 = costs.values().map(|c| c.2).sum();
    println!(
        "{messages} messages, {rrc} LTE and NR RRC, {distinct} distinct RRC PDUs: {:.2} ms on \
         the detection path, {:.2} ms in the generated decoders, decoding each once",
        walk as f64 / 1e6,
        full as f64 / 1e6
    );
    println!("  share  detection  generated    PDUs   us/PDU    B/PDU  message");
    let mut rows: Vec<_> = costs.into_iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1 .1));
    for ((channel, name), (n, walk_ns, full_ns, bytes)) in rows {
        println!(
            "{:>6.1}% {:>7.2} ms {:>7.2} ms {:>7} {:>8.2} {:>8}  {channel} {name}",
            100.0 * walk_ns as f64 / walk as f64,
            walk_ns as f64 / 1e6,
            full_ns as f64 / 1e6,
            n,
            walk_ns as f64 / n as f64 / 1e3,
            bytes / n
        );
    }
}
