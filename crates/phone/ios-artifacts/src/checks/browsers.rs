//! Browsers and WebKit: Safari history and open tabs, Chrome history, WebKit's record of the
//! sites apps loaded.

use crate::sqlite::{blob, integer, number, text};
use crate::text::{
    bounded, from_cocoa, from_plist_date, from_unix_seconds, from_webkit_micros, host_of_url,
    one_line, push_host, push_url, MAX_URL_BYTES,
};
use crate::{plists, record, source_label, Ctx};
use plist::Value;
use std::collections::HashMap;
use stingwatch_phone_model::{Severity, UnixMillis};

/// Artifact id of Safari history records.
pub const SAFARI_HISTORY: &str = "ios.safari-history";
/// Artifact id of Safari open-tab records.
pub const SAFARI_TABS: &str = "ios.safari-tabs";
/// Artifact id of Chrome history records.
pub const CHROME_HISTORY: &str = "ios.chrome-history";
/// Artifact id of WebKit resource-load-statistics records.
pub const WEBKIT_OBSERVATIONS: &str = "ios.webkit-observations";
/// Artifact id of WebKit browsing-session resource log records.
pub const WEBKIT_SESSION_LOG: &str = "ios.webkit-session-log";

/// Most visits remembered per history database to find redirects.
pub const MAX_VISITS_FOR_REDIRECTS: usize = 200_000;
/// Most plain-http visits with a redirect remembered per history database.
pub const MAX_REDIRECT_ORIGINS: usize = 10_000;
/// Largest saved tab session read, in bytes.
pub const MAX_TAB_SESSION_BYTES: usize = 16 * 1024 * 1024;

const FAST_REDIRECT_EXPLANATION: &str = "A page opened over plain, unencrypted http led in less \
than a second to a page on another domain. Attacks that tamper with a connection (network \
injection) look like this; so do ordinary redirects by link shorteners, advertising trackers, \
captive portals of hotel or airport Wi-Fi, and sites that move to a new domain. Look at the two \
domains: an unknown domain reached from a well-known one deserves a closer look.";

/// One visit remembered for the redirect check.
struct Visit {
    host: String,
    time: Option<f64>,
}

/// One plain-http visit that redirected.
struct Origin {
    item: i64,
    visit: i64,
    url: String,
    host: String,
    time: Option<f64>,
    destination: i64,
}

/// Safari history: every visit, and plain-http visits redirected to another domain within a
/// second.
pub fn safari_history(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    let mut visits: HashMap<i64, Visit> = HashMap::new();
    let mut origins: Vec<Origin> = Vec::new();
    db.stream(
        "visits",
        &[
            "SELECT history_items.id, history_items.url, history_visits.id, \
             history_visits.visit_time, history_visits.redirect_destination \
             FROM history_visits LEFT JOIN history_items \
             ON history_visits.history_item = history_items.id",
            "SELECT id, url, NULL, NULL, NULL FROM history_items",
        ],
        ctx.sink,
        &mut |row, sink| {
            let item = integer(row, 0).unwrap_or(0);
            let url = text(row, 1).unwrap_or_default();
            let url = bounded(&url, MAX_URL_BYTES);
            let visit = integer(row, 2);
            let seconds = number(row, 3);
            let destination = integer(row, 4);
            let host = host_of_url(url).unwrap_or_default();
            if let Some(visit) = visit {
                if visits.len() < MAX_VISITS_FOR_REDIRECTS {
                    visits.insert(
                        visit,
                        Visit {
                            host: host.clone(),
                            time: seconds,
                        },
                    );
                    if let Some(destination) = destination {
                        if origins.len() < MAX_REDIRECT_ORIGINS
                            && url.to_ascii_lowercase().starts_with("http://")
                        {
                            origins.push(Origin {
                                item,
                                visit,
                                url: url.to_string(),
                                host: host.clone(),
                                time: seconds,
                                destination,
                            });
                        }
                    }
                }
            }
            let mut observables = Vec::new();
            push_url(&mut observables, url);
            let locator = match visit {
                Some(v) => format!("history_visits id {v} (item {item})"),
                None => format!("history_items id {item}"),
            };
            sink.record(record(
                SAFARI_HISTORY,
                &source,
                locator,
                seconds.and_then(from_cocoa),
                format!("Safari visit to {}", one_line(url, 300)),
                observables,
            ));
        },
    );
    for origin in origins {
        let Some(target) = visits.get(&origin.destination) else {
            continue;
        };
        if target.host == origin.host {
            continue;
        }
        let (Some(from), Some(to)) = (origin.time, target.time) else {
            continue;
        };
        let elapsed = to - from;
        if !(0.0..1.0).contains(&elapsed) {
            continue;
        }
        let mut observables = Vec::new();
        push_url(&mut observables, &origin.url);
        push_host(&mut observables, &target.host);
        let rec = record(
            SAFARI_HISTORY,
            &source,
            format!("history_visits id {} (item {})", origin.visit, origin.item),
            from_cocoa(from),
            format!(
                "Safari visit to {} redirected to {} after {:.0} ms",
                one_line(&origin.url, 300),
                target.host,
                elapsed * 1000.0
            ),
            observables,
        );
        ctx.signal(
            "ios.safari-fast-redirect",
            Severity::Medium,
            format!(
                "Plain-http page on {} redirected to {} in under a second",
                origin.host, target.host
            ),
            FAST_REDIRECT_EXPLANATION,
            rec,
        );
    }
}

/// URLs of a saved tab session: a 4-byte header, then a property list whose
/// `SessionHistory.SessionHistoryEntries` hold the pages of the tab's back-forward list.
pub fn session_urls(blob: &[u8]) -> Result<Vec<String>, String> {
    let plist = blob.get(4..).ok_or("tab session shorter than its header")?;
    let value = plists::parse(plist)?;
    let entries = value
        .as_dictionary()
        .and_then(|d| d.get("SessionHistory"))
        .and_then(Value::as_dictionary)
        .and_then(|d| d.get("SessionHistoryEntries"))
        .and_then(Value::as_array);
    let mut urls = Vec::new();
    for entry in entries.into_iter().flatten() {
        let Some(entry) = entry.as_dictionary() else {
            continue;
        };
        for key in ["SessionHistoryEntryURL", "SessionHistoryEntryOriginalURL"] {
            if let Some(url) = plists::string(entry, key) {
                let url = bounded(url, MAX_URL_BYTES).to_string();
                if !urls.contains(&url) {
                    urls.push(url);
                }
            }
        }
    }
    Ok(urls)
}

/// Safari's open tabs and each tab's back-forward list.
pub fn safari_tabs(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    db.stream(
        "tabs",
        &[
            "SELECT tabs.rowid, tabs.title, tabs.url, tabs.user_visible_url, \
             tabs.last_viewed_time, tab_sessions.session_data \
             FROM tabs LEFT JOIN tab_sessions ON tabs.uuid = tab_sessions.tab_uuid",
            "SELECT rowid, title, url, user_visible_url, last_viewed_time, session_data FROM tabs",
            "SELECT rowid, title, url, user_visible_url, last_viewed_time, NULL FROM tabs",
        ],
        ctx.sink,
        &mut |row, sink| {
            let id = integer(row, 0).unwrap_or(0);
            let title = text(row, 1).unwrap_or_default();
            let url = text(row, 2).unwrap_or_default();
            let visible = text(row, 3);
            let time = number(row, 4).and_then(from_cocoa);
            let mut observables = Vec::new();
            push_url(&mut observables, bounded(&url, MAX_URL_BYTES));
            if let Some(visible) = &visible {
                push_url(&mut observables, bounded(visible, MAX_URL_BYTES));
            }
            if let Some(session) = blob(row, 5, MAX_TAB_SESSION_BYTES) {
                match session_urls(session) {
                    Ok(urls) => urls.iter().for_each(|u| push_url(&mut observables, u)),
                    Err(e) => sink.diagnostic(stingwatch_phone_model::Diagnostic::new(
                        &source,
                        format!("tab {id}: saved session not read: {e}"),
                    )),
                }
            }
            sink.record(record(
                SAFARI_TABS,
                &source,
                format!("tabs rowid {id}"),
                time,
                format!(
                    "Safari tab \"{}\" at {}",
                    one_line(&title, 120),
                    one_line(&url, 300)
                ),
                observables,
            ));
        },
    );
}

/// Chrome history: every visit.
pub fn chrome_history(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    db.stream(
        "visits",
        &[
            "SELECT urls.id, urls.url, visits.id, visits.visit_time \
             FROM visits LEFT JOIN urls ON visits.url = urls.id",
            "SELECT id, url, NULL, last_visit_time FROM urls",
        ],
        ctx.sink,
        &mut |row, sink| {
            let id = integer(row, 0).unwrap_or(0);
            let url = text(row, 1).unwrap_or_default();
            let url = bounded(&url, MAX_URL_BYTES);
            let visit = integer(row, 2);
            let time = integer(row, 3).and_then(from_webkit_micros);
            let mut observables = Vec::new();
            push_url(&mut observables, url);
            let locator = match visit {
                Some(v) => format!("visits id {v} (url {id})"),
                None => format!("urls id {id}"),
            };
            sink.record(record(
                CHROME_HISTORY,
                &source,
                locator,
                time,
                format!("Chrome visit to {}", one_line(url, 300)),
                observables,
            ));
        },
    );
}

/// WebKit resource load statistics: every site an app's web views loaded from.
pub fn webkit_observations(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(db) = ctx.open_db(domain, path) else {
        return;
    };
    let source = db.source.clone();
    let app = domain.to_string();
    db.stream(
        "observed domains",
        &["SELECT domainID, registrableDomain, lastSeen, hadUserInteraction FROM ObservedDomains"],
        ctx.sink,
        &mut |row, sink| {
            let id = integer(row, 0).unwrap_or(0);
            let site = text(row, 1).unwrap_or_default();
            let time = number(row, 2).and_then(from_unix_seconds);
            let interacted = integer(row, 3) == Some(1);
            let mut observables = Vec::new();
            push_host(&mut observables, &site);
            sink.record(record(
                WEBKIT_OBSERVATIONS,
                &source,
                format!("ObservedDomains domainID {id}"),
                time,
                format!(
                    "Web content loaded from {} in {app}{}",
                    one_line(&site, 300),
                    if interacted {
                        " (with user interaction)"
                    } else {
                        ""
                    }
                ),
                observables,
            ));
        },
    );
}

/// Keys of a browsing-session statistics entry that list further sites.
const SESSION_SITE_LISTS: &[&str] = &[
    "topFrameUniqueRedirectsFrom",
    "topFrameUniqueRedirectsTo",
    "subframeUnderTopFrameOrigins",
    "subresourceUnderTopFrameOrigins",
];

/// Sites of a browsing-session entry's list: strings, or dictionaries with `origin`/`domain`.
fn session_sites(value: Option<&Value>) -> Vec<String> {
    let mut sites = Vec::new();
    for item in value.and_then(Value::as_array).into_iter().flatten() {
        match item {
            Value::String(s) => sites.push(s.clone()),
            Value::Dictionary(d) => {
                for key in ["origin", "domain"] {
                    if let Some(s) = plists::string(d, key) {
                        sites.push(s.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    sites
}

fn plist_instant(value: Option<&Value>) -> Option<UnixMillis> {
    match value {
        Some(Value::Date(d)) => from_plist_date(*d),
        other => plists::number(other).and_then(from_unix_seconds),
    }
}

/// WebKit browsing-session resource log: sites, and the sites that redirected to or were
/// loaded under them.
pub fn webkit_session_log(ctx: &mut Ctx<'_>, domain: &str, path: &str) {
    let Some(bytes) = ctx.read(domain, path, plists::MAX_PLIST_BYTES) else {
        return;
    };
    let source = source_label(domain, path);
    let value = match plists::parse(&bytes) {
        Ok(v) => v,
        Err(e) => return ctx.diagnostic(&source, e),
    };
    let stats = value
        .as_dictionary()
        .and_then(|d| d.get("browsingStatistics"))
        .and_then(Value::as_array);
    for (index, item) in stats.into_iter().flatten().enumerate() {
        let Some(item) = item.as_dictionary() else {
            continue;
        };
        let origin = plists::string(item, "PrevalentResourceOrigin").unwrap_or_default();
        let mut observables = Vec::new();
        push_host(&mut observables, origin);
        let mut related = 0usize;
        for key in SESSION_SITE_LISTS {
            for site in session_sites(item.get(key)) {
                related += 1;
                push_host(&mut observables, &site);
            }
        }
        let time = plist_instant(item.get("lastSeen"))
            .or_else(|| plist_instant(item.get("mostRecentUserInteraction")));
        ctx.record(record(
            WEBKIT_SESSION_LOG,
            &source,
            format!("browsingStatistics[{index}]"),
            time,
            format!(
                "Browsing session resource from {} ({related} related sites)",
                one_line(origin, 300)
            ),
            observables,
        ));
    }
}
