//! Messages and contacts: SMS/iMessage, WhatsApp, call history, the identity-status cache.

use crate::sqlite::{blob, integer, number, text, was_cut, MAX_TEXT_BYTES};
use crate::text::{from_cocoa, one_line, push_unique, push_url, urls_in_text};
use crate::{plists, record, source_label, Ctx};
use plist::Value;
use stingwatch_phone_model::{Observable, ObservableKind, Severity, UnixMillis};

/// Artifact id of SMS and iMessage records.
pub const SMS: &str = "ios.sms";
/// Artifact id of SMS and iMessage attachment records.
pub const SMS_ATTACHMENTS: &str = "ios.sms-attachments";
/// Artifact id of WhatsApp message records.
pub const WHATSAPP: &str = "ios.whatsapp";
/// Artifact id of call history records.
pub const CALLS: &str = "ios.calls";
/// Artifact id of identity-status cache records.
pub const IDSTATUS: &str = "ios.idstatuscache";

/// Longest message text quoted in a summary, in bytes.
const SUMMARY_TEXT_BYTES: usize = 200;

/// How Apple's threat notifications begin (older and newer wording).
const APPLE_THREAT_NOTICES: &[&str] = &[
    "ALERT: State-sponsored attackers may be targeting your iPhone",
    "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone",
];

const APPLE_NOTICE_EXPLANATION: &str = "Apple sends this message when it believes the phone \
was targeted by mercenary spyware. Apple's notices are not always right, but they are rare and \
should be taken seriously: contact a digital-security helpline (for example Access Now's) before \
changing anything on the phone. A copy forwarded by someone else, or a scam imitating Apple, \
would read the same: check that it came from Apple (it also appears at appleid.apple.com).";

/// URLs of the free texts (lossy text of blobs too) into observables; returns how many URLs
/// were over the per-text limit.
fn urls_into(
    observables: &mut Vec<Observable>,
    texts: &[Option<&str>],
    skip: &dyn Fn(&str) -> bool,
) -> usize {
    let mut dropped = 0;
    for text in texts.iter().flatten() {
        let (urls, over) = urls_in_text(text);
        dropped += over;
        for url in urls.iter().filter(|u| !skip(u)) {
            push_url(observables, url);
        }
    }
    dropped
}

/// SMS and iMessage: message text and sender handles.
pub fn sms(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    let mut dropped_urls = 0usize;
    let mut cut = 0usize;
    db.stream(
        "messages",
        &[
            "SELECT message.ROWID, message.text, message.date, message.is_from_me, \
             message.service, handle.id, message.attributedBody \
             FROM message LEFT JOIN handle ON handle.ROWID = message.handle_id",
            "SELECT ROWID, text, date, is_from_me, service, NULL, NULL FROM message",
        ],
        ctx.sink,
        &mut |row, sink| {
            let rowid = integer(row, 0).unwrap_or(0);
            cut += usize::from(was_cut(row, 1));
            let body = text(row, 1);
            let time = number(row, 2).and_then(from_cocoa);
            let from_me = integer(row, 3) == Some(1);
            let service = text(row, 4).unwrap_or_else(|| "SMS".into());
            let handle = text(row, 5);
            // Newer iOS keeps the text only in the archived attributed string.
            let attributed =
                blob(row, 6, MAX_TEXT_BYTES).map(|b| String::from_utf8_lossy(b).into_owned());
            let mut observables = Vec::new();
            dropped_urls += urls_into(
                &mut observables,
                &[body.as_deref(), attributed.as_deref()],
                &|_| false,
            );
            if let Some(handle) = &handle {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::Email, handle),
                );
            }
            let direction = if from_me { "to" } else { "from" };
            let summary = format!(
                "{service} message {direction} {}: {}",
                handle.as_deref().unwrap_or("unknown"),
                one_line(body.as_deref().unwrap_or(""), SUMMARY_TEXT_BYTES)
            );
            let rec = record(
                SMS,
                &source,
                format!("message ROWID {rowid}"),
                time,
                summary,
                observables,
            );
            let notice = body
                .as_deref()
                .is_some_and(|b| APPLE_THREAT_NOTICES.iter().any(|n| b.starts_with(n)));
            if notice {
                sink.signal(stingwatch_phone_model::Signal {
                    kind: "ios.apple-threat-notification",
                    severity: Severity::High,
                    title: format!(
                        "Apple's threat notification received{}",
                        time.map(|t| format!(" on {t}")).unwrap_or_default()
                    ),
                    explanation: APPLE_NOTICE_EXPLANATION.into(),
                    record: rec.clone(),
                });
            }
            sink.record(rec);
        },
    );
    report_bounds(ctx, &source, dropped_urls, cut);
    sms_attachments(ctx, &db);
}

const TMP_ATTACHMENT_EXPLANATION: &str = "A received attachment was stored under /var/tmp with a \
name ending in -1, where zero-click iMessage exploits have left their files. iMessage also \
stages some incoming files there while it processes them, so check the date against other signs \
(crashes, unexpected processes) before concluding.";

/// Attachments of SMS and iMessage messages: their paths and names.
fn sms_attachments(ctx: &mut Ctx<'_>, db: &crate::sqlite::MemDb) {
    // Without the table (an unreadable or foreign file) the message check has said so.
    if !db.has_table("attachment") {
        return;
    }
    let source = db.source.clone();
    db.stream(
        "attachments",
        &[
            "SELECT attachment.ROWID, attachment.filename, attachment.transfer_name, \
             attachment.created_date, attachment.is_outgoing, attachment.mime_type, handle.id \
             FROM attachment \
             LEFT JOIN message_attachment_join \
             ON message_attachment_join.attachment_id = attachment.ROWID \
             LEFT JOIN message ON message.ROWID = message_attachment_join.message_id \
             LEFT JOIN handle ON handle.ROWID = message.handle_id",
            "SELECT ROWID, filename, transfer_name, created_date, is_outgoing, mime_type, NULL \
             FROM attachment",
        ],
        ctx.sink,
        &mut |row, sink| {
            let rowid = integer(row, 0).unwrap_or(0);
            let filename = text(row, 1);
            let transfer = text(row, 2);
            let time = number(row, 3).and_then(from_cocoa);
            let outgoing = integer(row, 4) == Some(1);
            let mime = text(row, 5);
            let handle = text(row, 6);
            let mut observables = Vec::new();
            if let Some(path) = &filename {
                observables.push(Observable::new(ObservableKind::FilePath, path));
                if let Some(name) = path.rsplit('/').next() {
                    push_unique(
                        &mut observables,
                        Observable::new(ObservableKind::FileName, name),
                    );
                }
            }
            if let Some(name) = &transfer {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::FileName, name),
                );
            }
            if let Some(handle) = &handle {
                push_unique(
                    &mut observables,
                    Observable::new(ObservableKind::Email, handle),
                );
            }
            let path = filename.as_deref().unwrap_or("(no file)");
            let rec = record(
                SMS_ATTACHMENTS,
                &source,
                format!("attachment ROWID {rowid}"),
                time,
                format!(
                    "Attachment {} ({}) {} {}",
                    one_line(path, 300),
                    one_line(mime.as_deref().unwrap_or("unknown type"), 64),
                    if outgoing { "sent to" } else { "received from" },
                    one_line(handle.as_deref().unwrap_or("unknown"), 256)
                ),
                observables,
            );
            let staged = path.starts_with("/var/tmp/") || path.starts_with("/private/var/tmp/");
            if staged && path.ends_with("-1") && !outgoing {
                sink.signal(stingwatch_phone_model::Signal {
                    kind: "ios.imessage-attachment-in-tmp",
                    severity: Severity::Medium,
                    title: format!("Received attachment stored as {}", one_line(path, 300)),
                    explanation: TMP_ATTACHMENT_EXPLANATION.into(),
                    record: rec.clone(),
                });
            }
            sink.record(rec);
        },
    );
}

/// One diagnostic for what the per-message limits left out.
fn report_bounds(ctx: &mut Ctx<'_>, source: &str, dropped_urls: usize, cut: usize) {
    if dropped_urls > 0 {
        ctx.diagnostic(
            source,
            format!(
                "{dropped_urls} URLs beyond {} per message were not read",
                crate::text::MAX_URLS_PER_TEXT
            ),
        );
    }
    if cut > 0 {
        ctx.diagnostic(
            source,
            format!("{cut} message texts longer than {MAX_TEXT_BYTES} bytes were read only up to that length"),
        );
    }
}

/// WhatsApp's own media servers, whose links every media message carries.
fn is_whatsapp_media(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://mmg-fna.whatsapp.net/")
        || lower.starts_with("https://mmg.whatsapp.net/")
}

/// WhatsApp: links in message text, link previews and media items.
pub fn whatsapp(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    let mut dropped_urls = 0usize;
    let mut cut = 0usize;
    db.stream(
        "messages",
        &[
            "SELECT m.Z_PK, m.ZMESSAGEDATE, m.ZTEXT, m.ZFROMJID, m.ZTOJID, m.ZISFROMME, \
             mi.ZMEDIAURL, di.ZCONTENT1, di.ZCONTENT2, di.ZMATCHEDTEXT \
             FROM ZWAMESSAGE m \
             LEFT JOIN ZWAMEDIAITEM mi ON mi.ZMESSAGE = m.Z_PK \
             LEFT JOIN ZWAMESSAGEDATAITEM di ON di.ZMESSAGE = m.Z_PK",
            "SELECT m.Z_PK, m.ZMESSAGEDATE, m.ZTEXT, m.ZFROMJID, m.ZTOJID, m.ZISFROMME, \
             mi.ZMEDIAURL, NULL, NULL, NULL \
             FROM ZWAMESSAGE m LEFT JOIN ZWAMEDIAITEM mi ON mi.ZMESSAGE = m.Z_PK",
            "SELECT Z_PK, ZMESSAGEDATE, ZTEXT, ZFROMJID, ZTOJID, ZISFROMME, NULL, NULL, NULL, \
             NULL FROM ZWAMESSAGE",
        ],
        ctx.sink,
        &mut |row, sink| {
            let pk = integer(row, 0).unwrap_or(0);
            let time = number(row, 1).and_then(from_cocoa);
            cut += usize::from(was_cut(row, 2));
            let body = text(row, 2);
            let from_me = integer(row, 5) == Some(1);
            let peer = if from_me { text(row, 4) } else { text(row, 3) };
            let fields: Vec<Option<String>> = (6..10).map(|i| text(row, i)).collect();
            let mut texts: Vec<Option<&str>> = vec![body.as_deref()];
            texts.extend(fields.iter().map(|f| f.as_deref()));
            let mut observables = Vec::new();
            dropped_urls += urls_into(&mut observables, &texts, &is_whatsapp_media);
            let direction = if from_me { "to" } else { "from" };
            let summary = format!(
                "WhatsApp message {direction} {}: {}",
                peer.as_deref().unwrap_or("unknown"),
                one_line(body.as_deref().unwrap_or(""), SUMMARY_TEXT_BYTES)
            );
            sink.record(record(
                WHATSAPP,
                &source,
                format!("ZWAMESSAGE Z_PK {pk}"),
                time,
                summary,
                observables,
            ));
        },
    );
    report_bounds(ctx, &source, dropped_urls, cut);
}

/// Call history: who called or was called, and when.
pub fn calls(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    db.stream(
        "calls",
        &[
            "SELECT Z_PK, ZDATE, ZDURATION, ZADDRESS, ZSERVICE_PROVIDER, ZORIGINATED FROM ZCALLRECORD",
            "SELECT Z_PK, ZDATE, ZDURATION, ZADDRESS, ZSERVICE_PROVIDER, NULL FROM ZCALLRECORD",
        ],
        ctx.sink,
        &mut |row, sink| {
            let pk = integer(row, 0).unwrap_or(0);
            let time = number(row, 1).and_then(from_cocoa);
            let duration = number(row, 2).unwrap_or(0.0);
            let address = text(row, 3);
            let provider = text(row, 4).unwrap_or_else(|| "phone".into());
            let outgoing = integer(row, 5) == Some(1);
            let mut observables = Vec::new();
            // FaceTime calls to an Apple ID carry an e-mail address; phone numbers have no
            // indicator key of their own.
            if let Some(address) = address.as_deref().filter(|a| a.contains('@')) {
                observables.push(Observable::new(ObservableKind::Email, address));
            }
            let summary = format!(
                "{} call {} {} ({:.0} s)",
                provider,
                if outgoing { "to" } else { "with" },
                one_line(address.as_deref().unwrap_or("unknown"), 256),
                duration
            );
            sink.record(record(CALLS, &source, format!("ZCALLRECORD Z_PK {pk}"), time, summary, observables));
        },
    );
}

const IDSTATUS_EXPLANATION: &str = "The identity-status cache lists the handles iMessage and \
FaceTime looked up. A handle containing zero bytes is not one a person types or a contact \
holds; such entries were seen on phones attacked through iMessage. A malformed contact card or \
a buggy app can also produce one: compare its date with other signs before concluding.";

/// Identity-status cache: handles looked up by iMessage and FaceTime.
pub fn idstatus(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(bytes) = ctx.read(domain, path, plists::MAX_PLIST_BYTES) else {
        return;
    };
    let source = source_label(domain, path);
    let value = match plists::parse(&bytes) {
        Ok(v) => v,
        Err(e) => return ctx.diagnostic(&source, e),
    };
    let Some(top) = value.as_dictionary() else {
        return ctx.diagnostic(&source, "top value is not a dictionary; not read".into());
    };
    for (service, entries) in top {
        let Some(entries) = entries.as_dictionary() else {
            continue;
        };
        for (handle, entry) in entries {
            let Some(entry) = entry.as_dictionary() else {
                continue;
            };
            let time = match entry.get("LookupDate") {
                Some(Value::Date(d)) => crate::text::from_plist_date(*d),
                other => plists::number(other).and_then(from_cocoa),
            };
            let status = plists::number(entry.get("IDStatus"));
            let shown = handle.replace('\0', "\\x00");
            let mut observables = Vec::new();
            if let Some(email) = handle.strip_prefix("mailto:") {
                let email = email.trim_matches('\'');
                observables.push(Observable::new(ObservableKind::Email, email));
            }
            let rec = record(
                IDSTATUS,
                &source,
                format!("{service} / {}", one_line(&shown, 256)),
                time,
                format!(
                    "Lookup of {} by {service} (status {})",
                    one_line(&shown, 256),
                    status.map_or("unknown".into(), |s| format!("{s}"))
                ),
                observables,
            );
            if handle.contains("\0\0") {
                ctx.signal(
                    "ios.idstatus-zero-bytes",
                    Severity::Medium,
                    format!(
                        "Identity-status cache entry with zero bytes: {}",
                        one_line(&shown, 256)
                    ),
                    IDSTATUS_EXPLANATION,
                    rec.clone(),
                );
            }
            ctx.record(rec);
        }
    }
}

/// Milliseconds since 1970 of a Cocoa date value found in a plist, for callers elsewhere.
pub fn plist_time(value: Option<&Value>) -> Option<UnixMillis> {
    match value {
        Some(Value::Date(d)) => crate::text::from_plist_date(*d),
        other => plists::number(other).and_then(from_cocoa),
    }
}
