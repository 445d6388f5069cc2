//! Where decoding time goes on real recordings read once: the LTE RRC decoder's time per
//! message type, summed over the distinct PDUs of every given file (repeats are what the
//! decoder's cache answers, so each distinct (channel, bytes) is timed once).
//!
//! Run: `cargo run --profile fastbuild -p stingwatch-bench --example decode_costs -- FILE...`

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use stingwatch_decode::CaptureReader;
use stingwatch_model::{PayloadKind, ReadItem};

fn main() {
    let mut seen: HashSet<(u8, Vec<u8>)> = HashSet::new();
    // (channel, name) -> (count, nanoseconds, bytes)
    let mut costs: HashMap<(String, String), (u64, u128, u64)> = HashMap::new();
    let (mut messages, mut rrc, mut distinct) = (0u64, 0u64, 0u64);
    for path in std::env::args().skip(1) {
        let Ok(reader) = CaptureReader::open(std::path::Path::new(&path)) else {
            eprintln!("{path}: cannot open");
            continue;
        };
        for item in reader {
            let ReadItem::Message(m) = item else { continue };
            messages += 1;
            let PayloadKind::LteRrc { channel } = m.kind else {
                continue;
            };
            rrc += 1;
            if !seen.insert((channel as u8, m.payload.clone())) {
                continue;
            }
            distinct += 1;
            let start = Instant::now();
            let mut name = String::new();
            for _ in 0..20 {
                let d = stingwatch_lte_rrc::decode(channel, &m.payload);
                name = match &d {
                    Ok(r) => r.name.to_string(),
                    Err(_) => "(malformed)".to_string(),
                };
            }
            let ns = start.elapsed().as_nanos() / 20;
            let e = costs
                .entry((channel.as_str().to_string(), name))
                .or_default();
            e.0 += 1;
            e.1 += ns;
            e.2 += m.payload.len() as u64;
        }
    }
    let total: u128 = costs.values().map(|c| c.1).sum();
    println!(
        "{messages} messages, {rrc} LTE RRC, {distinct} distinct RRC PDUs, {:.1} ms decoding them once",
        total as f64 / 1e6
    );
    let mut rows: Vec<_> = costs.into_iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1 .1));
    for ((channel, name), (n, ns, bytes)) in rows {
        println!(
            "{:>6.1}% {:>8.2} ms {:>6} PDUs {:>7.2} us/PDU {:>6} B/PDU  {channel} {name}",
            100.0 * ns as f64 / total as f64,
            ns as f64 / 1e6,
            n,
            ns as f64 / n as f64 / 1e3,
            bytes / n
        );
    }
}
