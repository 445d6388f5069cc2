//! Processes and permissions: the data-usage and network-usage process tables, and the
//! privacy permissions (TCC) apps were granted.

use crate::sqlite::{integer, number, text};
use crate::text::{bounded, from_cocoa, from_unix_seconds, one_line, push_unique};
use crate::{record, Ctx};
use std::collections::{BTreeMap, HashSet};
use stingwatch_phone_model::{Observable, ObservableKind, Severity, Signal};

/// Artifact id of DataUsage.sqlite process records.
pub const DATAUSAGE: &str = "ios.datausage";
/// Artifact id of netusage.sqlite process records.
pub const NETUSAGE: &str = "ios.netusage";
/// Artifact id of TCC permission records.
pub const TCC: &str = "ios.tcc";

/// Most process ids remembered per database for the missing-record checks.
pub const MAX_PROCESS_IDS: usize = 1_000_000;
/// Most signals about gaps in process ids per database.
pub const MAX_GAP_SIGNALS: usize = 100;

const NO_BUNDLE_EXPLANATION: &str = "The phone counted network traffic for a process that \
belongs to no app bundle. Spyware implants run as such bare processes, often named to look like \
system services. Many genuine iOS system services also have no bundle id, and the database cuts \
names to 15 or 16 characters: compare the name with the services of the iOS version before \
worrying, and look at when it first used the network.";

const MISSING_PROCESS_EXPLANATION: &str = "Network usage was recorded for a process whose own \
record is gone from the database. Deleting the process record is a way to hide which process \
used the network; database maintenance by iOS can leave the same trace, rarely.";

const GAP_EXPLANATION: &str = "Process records are numbered in order; numbers missing in the \
middle mean records were deleted. iOS itself prunes old records, so a gap is common and weak on \
its own; it matters next to other signs around the same time.";

/// Process tables of DataUsage.sqlite and netusage.sqlite (same schema).
pub fn process_usage(ctx: &mut Ctx<'_>, artifact: &'static str, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    // Process ids with the start of their names, for the missing-record checks.
    let mut ids: BTreeMap<i64, String> = BTreeMap::new();
    let mut complete = true;
    let rows = db.stream(
        "processes",
        &["SELECT Z_PK, ZPROCNAME, ZBUNDLENAME, ZFIRSTTIMESTAMP, ZTIMESTAMP FROM ZPROCESS"],
        ctx.sink,
        &mut |row, sink| {
            let pk = integer(row, 0).unwrap_or(0);
            let name = text(row, 1);
            let bundle = text(row, 2);
            let first = number(row, 3).and_then(from_cocoa);
            let last = number(row, 4).and_then(from_cocoa);
            if ids.len() < MAX_PROCESS_IDS {
                let short = name.as_deref().map_or("(no name)", |n| bounded(n, 64));
                ids.insert(pk, short.to_string());
            } else {
                complete = false;
            }
            let mut observables = Vec::new();
            if let Some(name) = &name {
                observables.push(Observable::new(ObservableKind::ProcessName, name));
            }
            if let Some(bundle) = &bundle {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::AppId, bundle),
                );
            }
            let rec = record(
                artifact,
                &source,
                format!("ZPROCESS Z_PK {pk}"),
                first,
                format!(
                    "Process {} (bundle {}) used the network, first at {}, last at {}",
                    one_line(name.as_deref().unwrap_or("(no name)"), 256),
                    one_line(bundle.as_deref().unwrap_or("none"), 256),
                    first.map_or("unknown".into(), |t| t.iso8601()),
                    last.map_or("unknown".into(), |t| t.iso8601()),
                ),
                observables,
            );
            if let (Some(name), None) = (&name, &bundle) {
                sink.signal(Signal {
                    kind: "ios.process-without-bundle",
                    severity: Severity::Low,
                    title: format!(
                        "Process \"{}\" without an app bundle used the network",
                        one_line(name, 64)
                    ),
                    explanation: NO_BUNDLE_EXPLANATION.into(),
                    record: rec.clone(),
                });
            }
            sink.record(rec);
        },
    );
    // A table read only in part would make every later live-usage row look orphaned.
    if complete && rows.is_some_and(|r| r.complete) {
        let mut reported: HashSet<i64> = HashSet::new();
        let mut orphans = Vec::new();
        db.stream(
            "live usage",
            &["SELECT Z_PK, ZHASPROCESS, ZTIMESTAMP FROM ZLIVEUSAGE"],
            ctx.sink,
            &mut |row, _| {
                let pk = integer(row, 0).unwrap_or(0);
                let Some(process) = integer(row, 1) else {
                    return;
                };
                if !ids.contains_key(&process)
                    && reported.len() < MAX_GAP_SIGNALS
                    && reported.insert(process)
                {
                    orphans.push((pk, process, number(row, 2).and_then(from_cocoa)));
                }
            },
        );
        for (pk, process, time) in orphans {
            let rec = record(
                artifact,
                &source,
                format!("ZLIVEUSAGE Z_PK {pk}"),
                time,
                format!("Network usage of process record {process}, which is missing"),
                Vec::new(),
            );
            ctx.signal(
                "ios.process-record-missing",
                Severity::Medium,
                format!("Network usage recorded for deleted process record {process}"),
                MISSING_PROCESS_EXPLANATION,
                rec,
            );
        }
        let mut gaps = 0usize;
        let mut previous: Option<i64> = None;
        for id in ids.keys() {
            if let Some(prev) = previous {
                if *id > prev + 1 && gaps < MAX_GAP_SIGNALS {
                    gaps += 1;
                    let before = ids.get(&prev).map_or("(no name)", String::as_str);
                    let rec = record(
                        artifact,
                        &source,
                        format!("ZPROCESS Z_PK {}..{}", prev + 1, id - 1),
                        None,
                        format!(
                            "Process records {}..{} are missing (after {})",
                            prev + 1,
                            id - 1,
                            one_line(before, 64)
                        ),
                        Vec::new(),
                    );
                    ctx.signal(
                        "ios.process-records-gap",
                        Severity::Low,
                        format!(
                            "{} process records missing after \"{}\"",
                            id - 1 - prev,
                            one_line(before, 64)
                        ),
                        GAP_EXPLANATION,
                        rec,
                    );
                }
            }
            previous = Some(*id);
        }
    }
}

/// Privacy services whose grant to an unusual client is worth a look.
const SENSITIVE_SERVICES: &[&str] = &[
    "kTCCServiceMicrophone",
    "kTCCServiceCamera",
    "kTCCServiceAddressBook",
    "kTCCServicePhotos",
    "kTCCServiceCalendar",
    "kTCCServiceReminders",
    "kTCCServiceLiverpool",
    "kTCCServiceUbiquity",
    "kTCCServiceMotion",
    "kTCCServiceBluetoothAlways",
    "kTCCServiceMediaLibrary",
    "kTCCServiceFaceID",
];

const PATH_CLIENT_EXPLANATION: &str = "A privacy permission is granted to a program named by \
its file path rather than to an app. On an iPhone apps are normally named by bundle id; a path \
client is unusual for a sensitive service. iOS's own components and MDM-managed tools can appear \
this way: check whether the path belongs to iOS.";

const CAPTURE_GRANT_EXPLANATION: &str = "An app outside Apple's own was allowed to use the \
microphone or camera. This is normal for messaging, video and camera apps; it is listed so that \
an app the owner does not recognise stands out.";

/// TCC.db: which client was granted which privacy service.
pub fn tcc(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    let columns = db.columns("access");
    let v3 = columns.iter().any(|c| c == "auth_value");
    let queries: &[&str] = if v3 {
        &["SELECT rowid, service, client, client_type, auth_value, last_modified FROM access"]
    } else {
        &[
            "SELECT rowid, service, client, client_type, allowed, last_modified FROM access",
            "SELECT rowid, service, client, client_type, allowed, NULL FROM access",
        ]
    };
    db.stream("access", queries, ctx.sink, &mut |row, sink| {
        let id = integer(row, 0).unwrap_or(0);
        let service = text(row, 1).unwrap_or_default();
        let client = text(row, 2).unwrap_or_default();
        let by_path = integer(row, 3) == Some(1);
        let value = integer(row, 4);
        let time = number(row, 5).and_then(from_unix_seconds);
        let (granted, state) = match (v3, value) {
            (true, Some(2)) => (true, "allowed"),
            (true, Some(3)) => (true, "limited"),
            (true, Some(0)) => (false, "denied"),
            (false, Some(1)) => (true, "allowed"),
            (false, Some(0)) => (false, "denied"),
            _ => (false, "unknown"),
        };
        let mut observables = vec![Observable::new(ObservableKind::ProcessName, &client)];
        if by_path {
            observables.push(Observable::new(ObservableKind::FilePath, &client));
            if let Some(name) = client.rsplit('/').next() {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::ProcessName, name),
                );
            }
        } else {
            observables.push(Observable::new(ObservableKind::AppId, &client));
        }
        observables.retain(|o| !o.value.is_empty());
        let service_name = service
            .strip_prefix("kTCCService")
            .unwrap_or(&service)
            .to_string();
        let rec = record(
            TCC,
            &source,
            format!("access rowid {id}"),
            time,
            format!(
                "{} access by {}: {state}",
                one_line(&service_name, 64),
                one_line(&client, 256)
            ),
            observables,
        );
        let sensitive = SENSITIVE_SERVICES.contains(&service.as_str());
        if granted && sensitive && by_path {
            sink.signal(Signal {
                kind: "ios.tcc-path-client",
                severity: Severity::Low,
                title: format!(
                    "{service_name} access granted to the program {}",
                    one_line(&client, 256)
                ),
                explanation: PATH_CLIENT_EXPLANATION.into(),
                record: rec.clone(),
            });
        } else if granted
            && matches!(
                service.as_str(),
                "kTCCServiceMicrophone" | "kTCCServiceCamera"
            )
            && !client.starts_with("com.apple.")
        {
            sink.signal(Signal {
                kind: "ios.tcc-capture-grant",
                severity: Severity::Info,
                title: format!(
                    "{service_name} access granted to {}",
                    one_line(&client, 256)
                ),
                explanation: CAPTURE_GRANT_EXPLANATION.into(),
                record: rec.clone(),
            });
        }
        sink.record(rec);
    });
}
