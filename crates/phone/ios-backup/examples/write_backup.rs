//! Writes a large synthetic backup for benchmarks, then reads every file back, timing both.
//!
//! Usage: `write_backup OUT_DIR [FILES] [TOTAL_MB] [encrypted]`
//! (defaults 100000 files, 1024 MB, plain). The password of an encrypted one is `bench`.

use std::time::Instant;
use stingwatch_ios_backup::{Backup, BackupWriter, EntryKind};
use stingwatch_phone_model::UnixMillis;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .ok_or("usage: write_backup OUT_DIR [FILES] [TOTAL_MB] [encrypted]")?;
    let files: usize = args.get(2).map_or(Ok(100_000), |a| a.parse())?;
    let total_mb: usize = args.get(3).map_or(Ok(1024), |a| a.parse())?;
    let password = (args.get(4).map(String::as_str) == Some("encrypted")).then_some("bench");
    let per_file = (total_mb << 20) / files.max(1);

    let started = Instant::now();
    let mut writer = BackupWriter::new(out, password)?;
    let mut content = vec![0u8; per_file];
    for i in 0..files {
        // Distinct content per file, cheap to make.
        for (j, b) in content.iter_mut().enumerate().step_by(4096) {
            *b = (i + j) as u8;
        }
        let domain = [
            "HomeDomain",
            "AppDomain-com.example.app",
            "MediaDomain",
            "RootDomain",
        ][i % 4];
        let path = format!("Library/Bench/{:03}/{i:06}.bin", i % 997);
        writer.add_file(
            domain,
            &path,
            &content,
            UnixMillis(1_700_000_000_000 + i as i64 * 1000),
        )?;
    }
    writer.finish()?;
    let wrote = started.elapsed();

    let started = Instant::now();
    let backup = Backup::open(out, password)?;
    let opened = started.elapsed();
    let (mut n, mut bytes) = (0u64, 0u64);
    for entry in backup.entries() {
        if entry.kind == EntryKind::File {
            if let Some(mut r) = backup.open_entry(&entry)? {
                bytes += std::io::copy(&mut r, &mut std::io::sink())?;
                n += 1;
            }
        }
    }
    let read = started.elapsed();
    println!(
        "{files} files, {} MB, {}: wrote in {:.1} s, opened in {:.2} s, read {n} files / {} MB in {:.1} s",
        (files * per_file) >> 20,
        if password.is_some() { "encrypted" } else { "plain" },
        wrote.as_secs_f64(),
        opened.as_secs_f64(),
        bytes >> 20,
        read.as_secs_f64()
    );
    Ok(())
}
