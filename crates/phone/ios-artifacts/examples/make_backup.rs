//! Writes a large, realistic iOS backup for the benchmark (see `fixtures::write_large_backup`):
//! by default 1 GiB in 100,000 files, plain, without planted indicators.
//!
//! Usage: cargo run --release -p stingwatch-ios-artifacts --example make_backup -- DIR
//!        [--bytes N] [--files N] [--password-env VAR] [--plant] [--stix FILE]
//!
//! `--stix FILE` also writes an indicator bundle naming the planted values, for the scanners
//! the benchmark compares.
//!
//! The password is read from the environment variable VAR, never from the command line.

use std::time::Instant;
use stingwatch_ios_artifacts::fixtures::{write_large_backup, Planted};

const USAGE: &str = "usage: make_backup DIR [--bytes N] [--files N] [--password-env VAR] [--plant]";

/// The values `--plant` spreads over the backup (the indicator set the benchmark loads names
/// them).
fn planted() -> Planted {
    Planted {
        domain: "parcel-tracking-notice.net".into(),
        process: "roleaccountd".into(),
        email: "attacker@mail-notice.net".into(),
        app_id: "com.example.spy".into(),
        profile_uuid: "6F1D9C1B-0000-4000-8000-00000000BEEF".into(),
    }
}

fn number(value: Option<&String>, flag: &str) -> Result<u64, String> {
    value
        .ok_or(format!("{flag} needs a number"))?
        .replace('_', "")
        .parse()
        .map_err(|e| format!("{flag}: {e}"))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = None;
    let mut bytes = 1u64 << 30;
    let mut files = 100_000u64;
    let mut password = None;
    let mut plant = false;
    let mut stix = None;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--bytes" => {
                i += 1;
                bytes = number(args.get(i), "--bytes")?;
            }
            "--files" => {
                i += 1;
                files = number(args.get(i), "--files")?;
            }
            "--password-env" => {
                i += 1;
                let var = args.get(i).ok_or("--password-env needs a variable name")?;
                password =
                    Some(std::env::var(var).map_err(|e| format!("--password-env {var}: {e}"))?);
            }
            "--plant" => plant = true,
            "--stix" => {
                i += 1;
                stix = Some(args.get(i).ok_or("--stix needs a file")?.clone());
            }
            other if other.starts_with('-') => return Err(format!("{other}?\n{USAGE}")),
            other if dir.is_none() => dir = Some(other.to_string()),
            other => return Err(format!("{other}: one folder only\n{USAGE}")),
        }
        i += 1;
    }
    let dir = dir.ok_or(USAGE)?;
    let start = Instant::now();
    let planted = planted();
    if let Some(path) = &stix {
        use stingwatch_phone_model::ObservableKind as K;
        let list = [
            ("Benchmark", K::Domain, planted.domain.as_str()),
            ("Benchmark", K::ProcessName, planted.process.as_str()),
            ("Benchmark", K::Email, planted.email.as_str()),
            ("Benchmark", K::AppId, planted.app_id.as_str()),
            (
                "Benchmark",
                K::ConfigurationProfileId,
                planted.profile_uuid.as_str(),
            ),
        ];
        stingwatch_iocs::fixtures::write_bundle(std::path::Path::new(path), &list)
            .map_err(|e| format!("{path}: {e}"))?;
    }
    let written = write_large_backup(
        std::path::Path::new(&dir),
        bytes,
        files,
        password.as_deref(),
        plant.then_some(&planted),
    )?;
    println!(
        "{}: {} files, {} bytes of content, {}, {} indicators planted, written in {:.1} s",
        written.dir.display(),
        written.files,
        written.bytes,
        if password.is_some() {
            "encrypted"
        } else {
            "plain"
        },
        if written.planted { "with" } else { "no" },
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
