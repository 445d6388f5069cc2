//! Writes the fixture backup content as a folder (`DIR/domain/relative_path`, plus Info.plist
//! and Manifest.plist), benign or with planted values, for a backup writer or a reader to try.
//!
//! Usage: cargo run -p stingwatch-ios-artifacts --example write_fixture -- DIR [--plant]

use stingwatch_ios_artifacts::fixtures::{IosContent, Planted};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().ok_or("usage: write_fixture DIR [--plant]")?;
    let mut content = IosContent::benign();
    if args.iter().any(|a| a == "--plant") {
        content.plant(&Planted {
            domain: "tracking-parcel.example".into(),
            process: "roleaccountd".into(),
            email: "attacker@mail.example".into(),
            app_id: "com.example.spy".into(),
            profile_uuid: "6F1D9C1B-0000-4000-8000-00000000BEEF".into(),
        });
    }
    let built = content.build()?;
    built
        .write_folder(std::path::Path::new(dir))
        .map_err(|e| format!("{dir}: {e}"))?;
    println!("{} files written under {dir}", built.files.len());
    Ok(())
}
