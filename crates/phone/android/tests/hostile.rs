//! Hostile and damaged inputs: a zip bomb, path traversal names, truncated and corrupt zips,
//! malformed JSON, huge lines. Each yields diagnostics, no panic, bounded memory, and keeps
//! everything that was readable.

mod common;

use std::io::Write;

use common::*;
use stingwatch_android::archive::{MAX_COMPRESSION_RATIO, RATIO_ALLOWANCE_BYTES};
use stingwatch_android::fixtures::{self, Plan};
use stingwatch_android::text::MAX_LINE_BYTES;
use stingwatch_android::{read_androidqf_archive, read_bugreport_archive, Archive};
use stingwatch_phone_model::{CollectingSink, ObservableKind as K};

fn diagnosed(sink: &CollectingSink, needle: &str) -> bool {
    sink.diagnostics.iter().any(|d| d.message.contains(needle))
}

#[test]
fn zip_bomb_member_is_cut_and_the_rest_still_read() {
    const BOMB_BYTES: usize = 24 * 1024 * 1024;
    let members = vec![
        ("acq/logs/bomb.txt".to_string(), vec![b'A'; BOMB_BYTES]),
        (
            "acq/packages.json".to_string(),
            fixtures::packages_json(&planted()).into_bytes(),
        ),
    ];
    let bytes = fixtures::zip_of(&members).expect("zip");
    let compressed = bytes.len() as u64;
    let mut sink = CollectingSink::default();
    let mut archive = Archive::from_zip_bytes("bomb.zip", bytes, &mut sink).expect("opens");
    read_androidqf_archive(&mut archive, &mut sink);
    assert!(diagnosed(&sink, "zip bomb"), "{:?}", sink.diagnostics);
    // The whole zip is smaller than the bomb member's compressed size bound used here.
    let bound = compressed * MAX_COMPRESSION_RATIO + RATIO_ALLOWANCE_BYTES + 1_000_000;
    assert!(
        archive.bytes_read() < bound,
        "{} read",
        archive.bytes_read()
    );
    assert!((archive.bytes_read() as usize) < BOMB_BYTES);
    assert_eq!(artifacts_with(&sink, K::AppId, AGENT), ["android.packages"]);
}

#[test]
fn traversal_absolute_and_nul_names_are_skipped() {
    let good = fixtures::getprop_text(&planted()).into_bytes();
    let members = vec![
        ("../outside/getprop.txt".to_string(), good.clone()),
        ("/etc/getprop.txt".to_string(), good.clone()),
        ("C:\\evil\\getprop.txt".to_string(), good.clone()),
        ("acq/a\0b/getprop.txt".to_string(), good.clone()),
        ("acq/..\\..\\getprop.txt".to_string(), good.clone()),
        ("acq/getprop.txt".to_string(), good),
    ];
    let bytes = fixtures::zip_of(&members).expect("zip");
    let mut sink = CollectingSink::default();
    let mut archive = Archive::from_zip_bytes("names.zip", bytes, &mut sink).expect("opens");
    let names: Vec<&str> = archive.names().collect();
    assert_eq!(names, ["acq/getprop.txt"]);
    read_androidqf_archive(&mut archive, &mut sink);
    let skipped = sink
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("member skipped"))
        .count();
    assert_eq!(skipped, 5, "{:?}", sink.diagnostics);
    assert_eq!(
        artifacts_with(&sink, K::AndroidProperty, "persist.evil.agent.cfg"),
        ["android.properties"]
    );
}

#[test]
fn truncated_zip_keeps_the_members_before_the_cut() {
    let plan = planted();
    let mut members = fixtures::androidqf_files(&plan).expect("files");
    // packages.json first, then a large member the cut falls into.
    members.sort_by_key(|(n, _)| n != "packages.json");
    // Noise does not compress, so the cut below lands inside this member.
    let mut state: u64 = 1;
    let noise: Vec<u8> = (0..800_000)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    members.push(("logs/zz-large.txt".into(), noise));
    let members: Vec<(String, Vec<u8>)> = members
        .into_iter()
        .map(|(n, d)| (format!("acq/{n}"), d))
        .collect();
    let mut bytes = fixtures::zip_of(&members).expect("zip");
    bytes.truncate(bytes.len() - 300_000);
    let mut sink = CollectingSink::default();
    let mut archive = Archive::from_zip_bytes("cut.zip", bytes, &mut sink).expect("salvaged");
    read_androidqf_archive(&mut archive, &mut sink);
    assert!(
        diagnosed(&sink, "central directory unreadable"),
        "{:?}",
        sink.diagnostics
    );
    assert!(
        diagnosed(&sink, "read failed after"),
        "{:?}",
        sink.diagnostics
    );
    assert!(artifacts_with(&sink, K::AppId, AGENT).contains(&"android.packages"));
}

#[test]
fn corrupt_zips_give_diagnostics_not_panics() {
    let plan = Plan::benign();
    let good = fixtures::bugreport_zip(&plan).expect("zip");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..200 {
        let mut bytes = good.clone();
        for _ in 0..(1 + round % 8) {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let at = (seed >> 33) as usize % bytes.len();
            bytes[at] ^= (seed >> 7) as u8 | 1;
        }
        let mut sink = CollectingSink::default();
        if let Some(mut archive) = Archive::from_zip_bytes("flipped.zip", bytes, &mut sink) {
            read_bugreport_archive(&mut archive, &mut sink);
        }
    }
    let mut sink = CollectingSink::default();
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    if let Some(mut archive) = Archive::from_zip_bytes("garbage.zip", garbage, &mut sink) {
        read_bugreport_archive(&mut archive, &mut sink);
    }
    assert!(!sink.diagnostics.is_empty());
    assert!(sink.records.is_empty());
}

#[test]
fn malformed_package_list_keeps_the_packages_before_the_damage() {
    let plan = planted();
    let json = fixtures::packages_json(&plan);
    let agent_at = json.find(AGENT).expect("agent listed");
    // Cut inside the entry after the agent's.
    let cut = json[agent_at..]
        .find("\"installer\"")
        .map(|i| agent_at + i + 400)
        .unwrap_or(json.len());
    let damaged = &json[..cut.min(json.len() - 5)];
    let dir = Scratch::new("badjson");
    fixtures::write_androidqf_dir(&plan, &dir.0).expect("fixture");
    std::fs::write(dir.0.join("packages.json"), damaged).expect("write");
    std::fs::write(
        dir.0.join("files.json"),
        b"{\"path\": \"/sdcard/a\", \"mode\": \"-rw\"}\n{oops\n{\"path\": \"/sdcard/b\"}\n",
    )
    .expect("write");
    let mut sink = CollectingSink::default();
    stingwatch_android::read_androidqf(&dir.0, &mut sink);
    assert!(
        diagnosed(&sink, "package list damaged"),
        "{:?}",
        sink.diagnostics
    );
    assert!(
        diagnosed(&sink, "file list damaged"),
        "{:?}",
        sink.diagnostics
    );
    assert_eq!(
        artifacts_with(&sink, K::AppId, "android"),
        ["android.packages"]
    );
    assert!(artifacts_with(&sink, K::AppId, AGENT).contains(&"android.packages"));
    assert_eq!(
        artifacts_with(&sink, K::FilePath, "/sdcard/b"),
        ["android.files"]
    );
}

#[test]
fn huge_lines_are_cut_and_the_lines_around_them_read() {
    let dir = Scratch::new("huge");
    fixtures::write_androidqf_dir(&Plan::benign(), &dir.0).expect("fixture");
    let mut text = b"[first.prop]: [1]\n[huge.prop]: [".to_vec();
    text.extend(std::iter::repeat_n(b'x', 4 * MAX_LINE_BYTES));
    text.extend_from_slice(b"]\n[last.prop]: [2]\n");
    std::fs::File::create(dir.0.join("getprop.txt"))
        .and_then(|mut f| f.write_all(&text))
        .expect("write");
    let mut dumpsys = fixtures::dumpsys_text(&planted()).into_bytes();
    dumpsys.extend(std::iter::repeat_n(b'-', 3 * MAX_LINE_BYTES));
    std::fs::write(dir.0.join("dumpsys.txt"), dumpsys).expect("write");
    let mut sink = CollectingSink::default();
    stingwatch_android::read_androidqf(&dir.0, &mut sink);
    assert!(
        diagnosed(&sink, "lines longer than"),
        "{:?}",
        sink.diagnostics
    );
    assert!(
        diagnosed(&sink, "no closing bracket"),
        "{:?}",
        sink.diagnostics
    );
    for name in ["first.prop", "huge.prop", "last.prop"] {
        assert_eq!(
            artifacts_with(&sink, K::AndroidProperty, name),
            ["android.properties"],
            "{name}"
        );
    }
    assert!(artifacts_with(&sink, K::AppId, AGENT).contains(&"android.packages"));
}

#[cfg(unix)]
#[test]
fn symbolic_links_in_a_folder_acquisition_are_not_followed() {
    let dir = Scratch::new("links");
    let acq = dir.0.join("acq");
    fixtures::write_androidqf_dir(&Plan::benign(), &acq).expect("fixture");
    let outside = dir.0.join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(
        outside.join("packages.json"),
        fixtures::packages_json(&planted()),
    )
    .expect("write");
    std::os::unix::fs::symlink(&outside, acq.join("linked")).expect("symlink");
    let mut sink = CollectingSink::default();
    stingwatch_android::read_androidqf(&acq, &mut sink);
    assert!(
        diagnosed(&sink, "symbolic link skipped"),
        "{:?}",
        sink.diagnostics
    );
    assert!(artifacts_with(&sink, K::AppId, AGENT).is_empty());
    assert_eq!(
        artifacts_with(&sink, K::AppId, "org.wikipedia"),
        [
            "android.appops",
            "android.battery-history.activity",
            "android.dbinfo",
            "android.packages"
        ]
    );
}

/// A zip as a streaming writer produces it: each member's local header carries no sizes
/// (flag bit 3), its deflated data is followed by a data descriptor; the central directory is
/// left out, as when the transfer was cut before it.
fn streamed_zip_without_directory(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in members {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("deflate");
        let deflated = encoder.finish().expect("deflate");
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&8u16.to_le_bytes()); // flags: data descriptor
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&[0; 4]); // time, date
        out.extend_from_slice(&[0; 12]); // crc, sizes: in the descriptor
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&deflated);
        out.extend_from_slice(b"PK\x07\x08");
        out.extend_from_slice(&0u32.to_le_bytes()); // crc (not checked on recovery)
        out.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    }
    out
}

#[test]
fn streamed_bugreport_without_central_directory_is_recovered() {
    let plan = planted();
    let text = fixtures::dumpstate_text(&plan);
    let bytes = streamed_zip_without_directory(&[
        ("version.txt", b"2.0"),
        ("main_entry.txt", fixtures::BUGREPORT_TEXT_NAME.as_bytes()),
        (fixtures::BUGREPORT_TEXT_NAME, text.as_bytes()),
        ("FS/proc/version", b"Linux version 5.15.110\n"),
    ]);
    let mut sink = CollectingSink::default();
    let mut archive = Archive::from_zip_bytes("streamed.zip", bytes, &mut sink).expect("salvaged");
    assert_eq!(archive.names().count(), 4);
    read_bugreport_archive(&mut archive, &mut sink);
    assert_eq!(sink.diagnostics.len(), 1, "{:?}", sink.diagnostics);
    assert!(diagnosed(&sink, "central directory unreadable"));
    assert!(artifacts_with(&sink, K::AppId, AGENT).contains(&"android.packages"));
}
