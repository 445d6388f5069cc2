//! Reads Android acquisitions into the phone checks' records: an androidqf acquisition (a
//! folder or a zip) and an `adb bugreport` zip. Packages, properties, settings, processes,
//! files, dumpsys services and logs become [`ArtifactRecord`]s with typed observables,
//! [`Signal`]s for what weakens the phone's defences, and [`Diagnostic`]s for what could not
//! be read. Nothing here matches indicators.
//!
//! Every byte comes from the phone (or from whoever crafted the file) and is read under named
//! limits: see [`archive`] for the zip limits and each reader's `MAX_*` constants.
//!
//! [`ArtifactRecord`]: stingwatch_phone_model::ArtifactRecord
//! [`Signal`]: stingwatch_phone_model::Signal
//! [`Diagnostic`]: stingwatch_phone_model::Diagnostic

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod archive;
pub mod dumpsys;
pub mod fixtures;
pub mod json;
pub mod packages;
pub mod procfiles;
pub mod props;
pub mod text;

use std::path::Path;

use stingwatch_phone_model::{Diagnostic, RecordSink};

pub use archive::Archive;

/// Deepest nesting of zips followed (an acquisition holding a bugreport holding a bugreport).
pub const MAX_NESTED_ZIPS: usize = 2;

/// What a read covered, for the report's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Whether the acquisition could be opened at all.
    pub opened: bool,
    /// Members read and parsed (nested ones included).
    pub files_read: usize,
}

/// Reads an androidqf acquisition folder or zip at `path`.
pub fn read_androidqf(path: &Path, sink: &mut dyn RecordSink) -> ReadOutcome {
    match Archive::open(path, sink) {
        Some(mut a) => read_androidqf_archive(&mut a, sink),
        None => ReadOutcome::default(),
    }
}

/// Reads an `adb bugreport` zip (or an unpacked bugreport folder) at `path`.
pub fn read_bugreport(path: &Path, sink: &mut dyn RecordSink) -> ReadOutcome {
    match Archive::open(path, sink) {
        Some(mut a) => read_bugreport_archive(&mut a, sink),
        None => ReadOutcome::default(),
    }
}

/// Reads an Android acquisition at `path`, telling an androidqf acquisition (it holds
/// `packages.json`, `getprop.txt`, `ps.txt`, `files.json` or `acquisition.json`) from a bugreport.
pub fn read_android(path: &Path, sink: &mut dyn RecordSink) -> ReadOutcome {
    let Some(mut archive) = Archive::open(path, sink) else {
        return ReadOutcome::default();
    };
    let androidqf = archive.names().any(|n| {
        matches!(
            archive::base_name(n),
            "packages.json" | "getprop.txt" | "ps.txt" | "files.json" | "acquisition.json"
        )
    });
    if androidqf {
        read_androidqf_archive(&mut archive, sink)
    } else {
        read_bugreport_archive(&mut archive, sink)
    }
}

fn in_logs_folder(name: &str) -> bool {
    name.starts_with("logs/") || name.contains("/logs/")
}

/// Reads an opened androidqf acquisition.
pub fn read_androidqf_archive(archive: &mut Archive, sink: &mut dyn RecordSink) -> ReadOutcome {
    let mut outcome = ReadOutcome {
        opened: true,
        files_read: 0,
    };
    let names: Vec<String> = archive.names().map(str::to_string).collect();
    for name in &names {
        let base = archive::base_name(name).to_string();
        let kind = if base == "packages.json" {
            Kind::Packages
        } else if base == "getprop.txt" {
            Kind::Getprop
        } else if let Some(ns) = base
            .strip_prefix("settings_")
            .and_then(|r| r.strip_suffix(".txt"))
        {
            Kind::Settings(ns.to_string())
        } else if base == "ps.txt" {
            Kind::Ps
        } else if base == "processes.json" {
            Kind::ProcessesJson
        } else if base == "files.json" {
            Kind::Files
        } else if base == "dumpsys.txt" {
            Kind::Dumpsys
        } else if base.ends_with("bugreport.zip") {
            Kind::Bugreport
        } else if in_logs_folder(name) || base.starts_with("logcat") {
            Kind::Log
        } else {
            continue;
        };
        if kind == Kind::Bugreport {
            if let Some(mut nested) = archive.open_nested(name, sink) {
                let inner = read_bugreport_at_depth(&mut nested, sink, 1);
                outcome.files_read += inner.files_read;
            }
            continue;
        }
        let Some(bytes) = archive.read(name, sink) else {
            continue;
        };
        outcome.files_read += 1;
        let source = archive.source_of(name);
        match kind {
            Kind::Packages => packages::read_packages_json(&source, &bytes, sink),
            Kind::Getprop => props::read_getprop(&source, &bytes, 0, sink),
            Kind::Settings(ns) => props::read_settings_file(&source, &ns, &bytes, sink),
            Kind::Ps => procfiles::read_ps(&source, &bytes, 0, sink),
            Kind::ProcessesJson => procfiles::read_processes_json(&source, &bytes, sink),
            Kind::Files => procfiles::read_files_json(&source, &bytes, sink),
            Kind::Dumpsys => {
                dumpsys::read_dumpsys(&source, &bytes, sink);
            }
            Kind::Log => procfiles::scan_log(&source, &bytes, 0, sink),
            Kind::Bugreport => {}
        }
    }
    if outcome.files_read == 0 {
        sink.diagnostic(Diagnostic::new(
            archive.label(),
            "no androidqf files (packages.json, getprop.txt, dumpsys.txt, ...) found",
        ));
    }
    outcome
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Packages,
    Getprop,
    Settings(String),
    Ps,
    ProcessesJson,
    Files,
    Dumpsys,
    Bugreport,
    Log,
}

/// Reads an opened bugreport: its dumpstate text, or the bugreport zip nested in a wrapper.
pub fn read_bugreport_archive(archive: &mut Archive, sink: &mut dyn RecordSink) -> ReadOutcome {
    read_bugreport_at_depth(archive, sink, 0)
}

/// The member holding the dumpstate text: the one `main_entry.txt` names, else a
/// `bugreport-*.txt`, `dumpstate*.txt`, `dumpState_*.log` or `dumpsys.txt`.
fn dumpstate_member(archive: &mut Archive, sink: &mut dyn RecordSink) -> Option<String> {
    let names: Vec<String> = archive.names().map(str::to_string).collect();
    if names.iter().any(|n| n == "main_entry.txt") {
        if let Some(bytes) = archive.read("main_entry.txt", sink) {
            let named = String::from_utf8_lossy(bytes.get(..4096).unwrap_or(&bytes))
                .trim()
                .to_string();
            if names.contains(&named) {
                return Some(named);
            }
            sink.diagnostic(Diagnostic::new(
                archive.source_of("main_entry.txt"),
                format!("names {named:?}, which the archive does not hold"),
            ));
        }
    }
    let looks = |n: &str| {
        let base = archive::base_name(n);
        (base.starts_with("bugreport-") && base.ends_with(".txt"))
            || (base.starts_with("dumpstate") && base.ends_with(".txt"))
            || (base.starts_with("dumpState_") && base.ends_with(".log"))
            || base == "dumpsys.txt"
    };
    names.into_iter().find(|n| looks(n))
}

fn read_bugreport_at_depth(
    archive: &mut Archive,
    sink: &mut dyn RecordSink,
    depth: usize,
) -> ReadOutcome {
    let mut outcome = ReadOutcome {
        opened: true,
        files_read: 0,
    };
    if let Some(member) = dumpstate_member(archive, sink) {
        if let Some(bytes) = archive.read(&member, sink) {
            outcome.files_read += 1;
            read_dumpstate(&archive.source_of(&member), &bytes, sink);
        }
        return outcome;
    }
    // A wrapper (some vendors hand out a zip of logs with the real bugreport zip inside).
    let mut zips: Vec<String> = archive
        .names()
        .filter(|n| n.to_ascii_lowercase().ends_with(".zip"))
        .map(str::to_string)
        .collect();
    zips.sort_by_key(|n| {
        let l = n.to_ascii_lowercase();
        !(l.contains("bugreport") || l.contains("dumpstate"))
    });
    if depth < MAX_NESTED_ZIPS {
        for name in zips {
            if let Some(mut nested) = archive.open_nested(&name, sink) {
                let inner = read_bugreport_at_depth(&mut nested, sink, depth + 1);
                if inner.files_read > 0 {
                    outcome.files_read += inner.files_read;
                    return outcome;
                }
            }
        }
    }
    sink.diagnostic(Diagnostic::new(
        archive.label(),
        "no dumpstate text (main_entry.txt, bugreport-*.txt) found",
    ));
    outcome
}

/// Reads a dumpstate text: its property, process and log sections, and every dumpsys service.
pub fn read_dumpstate(source: &str, text: &[u8], sink: &mut dyn RecordSink) {
    for section in text::command_sections(text) {
        let name = section.name.as_str();
        let locator_source = format!("{source} [{name}]");
        if name.starts_with("SYSTEM PROPERTIES") {
            props::read_getprop(&locator_source, section.body, section.first_line, sink);
        } else if name.starts_with("PROCESSES AND THREADS") || name.starts_with("PROCESSES (") {
            procfiles::read_ps(&locator_source, section.body, section.first_line, sink);
        } else if name.contains(" LOG")
            || name.starts_with("LOGCAT")
            || name.contains("LAST LOGCAT")
        {
            procfiles::scan_log(&locator_source, section.body, section.first_line, sink);
        }
    }
    dumpsys::read_dumpsys(source, text, sink);
}
