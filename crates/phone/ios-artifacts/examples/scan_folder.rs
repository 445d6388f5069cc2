//! Runs every check over a folder laid out as `DIR/domain/relative_path` (see `write_fixture`)
//! and prints how many records each check read, then the signals and diagnostics.
//!
//! Usage: cargo run -p stingwatch-ios-artifacts --example scan_folder -- DIR

use std::collections::BTreeMap;
use stingwatch_ios_artifacts::{scan_backup, FolderBackup};
use stingwatch_phone_model::CollectingSink;

fn main() -> Result<(), String> {
    let dir = std::env::args().nth(1).ok_or("usage: scan_folder DIR")?;
    let started = std::time::Instant::now();
    let mut sink = CollectingSink::default();
    scan_backup(&FolderBackup { root: dir.into() }, &mut sink);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for record in &sink.records {
        *counts.entry(record.artifact).or_default() += 1;
    }
    for (artifact, count) in counts {
        println!("{artifact}: {count} records");
    }
    for signal in &sink.signals {
        println!(
            "signal {:?} {}: {}",
            signal.severity, signal.kind, signal.title
        );
    }
    for diagnostic in &sink.diagnostics {
        println!("diagnostic {}: {}", diagnostic.source, diagnostic.message);
    }
    println!("{:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
