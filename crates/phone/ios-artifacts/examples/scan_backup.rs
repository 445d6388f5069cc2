//! Scans a real backup folder (plain or encrypted) against an indicator file, as the command
//! line will, and prints the findings, the records read and the time taken: the library half
//! of the benchmark against MVT.
//!
//! Usage: cargo run --release -p stingwatch-ios-artifacts --example scan_backup -- BACKUP
//!        --iocs STIX [--password-env VAR]

use std::time::Instant;
use stingwatch_iocs::IocSet;
use stingwatch_ios_artifacts::scan_backup;
use stingwatch_ios_backup::Backup;
use stingwatch_phone_findings::{IndicatorMatcher, PhoneScan};
use stingwatch_phone_model::{IndicatorMatch, Observable};

const USAGE: &str = "usage: scan_backup BACKUP --iocs STIX [--password-env VAR]";

struct Iocs(IocSet);

impl IndicatorMatcher for Iocs {
    fn matches(&self, observable: &Observable, out: &mut Vec<IndicatorMatch>) {
        self.0.matches_into(observable, out);
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut backup, mut iocs, mut password) = (None, None, None);
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--iocs" => {
                i += 1;
                iocs = Some(args.get(i).ok_or(USAGE)?.clone());
            }
            "--password-env" => {
                i += 1;
                let var = args.get(i).ok_or(USAGE)?;
                password = Some(std::env::var(var).map_err(|e| format!("{var}: {e}"))?);
            }
            other if backup.is_none() && !other.starts_with('-') => {
                backup = Some(other.to_string())
            }
            other => return Err(format!("{other}?\n{USAGE}")),
        }
        i += 1;
    }
    let (backup, iocs) = (backup.ok_or(USAGE)?, iocs.ok_or(USAGE)?);
    let start = Instant::now();
    let set = IocSet::from_paths(&[iocs.as_str()]);
    for d in set.diagnostics() {
        eprintln!("{}: {}", d.source, d.message);
    }
    let matcher = Iocs(set);
    let opened = Backup::open(&backup, password.as_deref()).map_err(|e| e.to_string())?;
    let unlocked = start.elapsed();
    let mut scan = PhoneScan::new(&matcher);
    scan_backup(&opened, &mut scan);
    let result = scan.finish();
    for f in &result.findings {
        println!("{:?} {} [{}] x{}", f.severity, f.title, f.artifact, f.count);
    }
    for d in &result.diagnostics {
        println!("diagnostic {}: {}", d.source, d.message);
    }
    println!(
        "{} records, {} findings, {} diagnostics; opened in {:.2} s, total {:.2} s",
        result.records,
        result.findings.len(),
        result.diagnostics.len(),
        unlocked.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
