//! Fixtures of the project's own: the databases and files the checks read, built with the
//! schemas iOS uses (enough columns for any reader's queries) from a plan ([`IosContent`]).
//!
//! [`IosContent::benign`] is a plausible phone with nothing to report; [`IosContent::plant`]
//! adds one value of each kind an indicator may name, spread over every check, so planted
//! indicators sit among normal data. Times are fixed, never the clock's.

mod backup;

pub use backup::{
    busy_content, write_backup, write_backup_with, write_built_backup, write_large_backup,
    writer_options, LargeBackup, BACKUP_DATE,
};

use plist::{Dictionary, Value};
use rusqlite::{params, Connection};
use std::time::{Duration, UNIX_EPOCH};
use stingwatch_phone_model::UnixMillis;

/// The domain of Safari's data.
pub const SAFARI_DOMAIN: &str = "AppDomain-com.apple.mobilesafari";
/// Start of the fixtures' timeline: 2026-11-01T00:00:00Z.
pub const T0: UnixMillis = UnixMillis(1_793_491_200_000);

/// An SMS or iMessage.
#[derive(Debug, Clone, PartialEq)]
pub struct Sms {
    /// The other party's handle: phone number or e-mail.
    pub handle: String,
    /// Message text.
    pub text: String,
    /// When it was sent or received.
    pub time: UnixMillis,
    /// Sent by the phone's owner.
    pub from_me: bool,
    /// `iMessage` or `SMS`.
    pub service: String,
    /// Keep the text only in `attributedBody` (as newer iOS does), not in `text`.
    pub attributed_only: bool,
}

/// An attachment of an SMS or iMessage.
#[derive(Debug, Clone, PartialEq)]
pub struct SmsAttachment {
    /// Index of its message in [`IosContent::sms`].
    pub message: usize,
    /// Where it is stored (`filename`), e.g. `~/Library/SMS/Attachments/ab/12/X/IMG_1.heic`.
    pub filename: String,
    /// Its name as sent (`transfer_name`).
    pub transfer_name: String,
    /// MIME type.
    pub mime_type: String,
    /// When it was created.
    pub time: UnixMillis,
}

/// A Safari visit.
#[derive(Debug, Clone, PartialEq)]
pub struct SafariVisit {
    /// Page URL.
    pub url: String,
    /// Visit time.
    pub time: UnixMillis,
    /// Index (in the visit list) of the visit this one redirected to.
    pub redirect_to: Option<usize>,
}

/// A Safari tab.
#[derive(Debug, Clone, PartialEq)]
pub struct SafariTab {
    /// Title.
    pub title: String,
    /// Current URL.
    pub url: String,
    /// URLs of its back-forward list (saved session).
    pub history: Vec<String>,
    /// Last viewed.
    pub time: UnixMillis,
}

/// A Chrome visit.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromeVisit {
    /// Page URL.
    pub url: String,
    /// Visit time.
    pub time: UnixMillis,
}

/// A site in WebKit's resource load statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedSite {
    /// Registrable domain.
    pub domain: String,
    /// Last seen.
    pub time: UnixMillis,
    /// Whether the user interacted with it.
    pub interacted: bool,
}

/// An entry of WebKit's browsing-session resource log.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionResource {
    /// The site.
    pub origin: String,
    /// Sites that redirected to it.
    pub redirects_from: Vec<String>,
    /// Sites it redirected to.
    pub redirects_to: Vec<String>,
    /// Sites loaded under it.
    pub subresources: Vec<String>,
    /// Last seen.
    pub time: UnixMillis,
}

/// A process in DataUsage.sqlite or netusage.sqlite.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessUse {
    /// Row id (Z_PK); gaps plant deleted records.
    pub pk: i64,
    /// Process name (ZPROCNAME).
    pub name: Option<String>,
    /// Bundle id (ZBUNDLENAME).
    pub bundle: Option<String>,
    /// First network use.
    pub first: UnixMillis,
    /// Last network use.
    pub last: UnixMillis,
}

/// A process table plus its live-usage rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcessTable {
    /// Processes; each gets a live-usage row.
    pub processes: Vec<ProcessUse>,
    /// Live-usage rows for process ids with no process record (deleted records).
    pub orphan_usage: Vec<(i64, UnixMillis)>,
}

/// A TCC permission.
#[derive(Debug, Clone, PartialEq)]
pub struct TccGrant {
    /// Service, e.g. `kTCCServiceCamera`.
    pub service: String,
    /// Bundle id, or a path when `by_path`.
    pub client: String,
    /// The client is an executable path (client_type 1).
    pub by_path: bool,
    /// auth_value: 0 denied, 2 allowed, 3 limited.
    pub auth_value: i64,
    /// last_modified.
    pub time: UnixMillis,
}

/// An installed app.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Bundle id.
    pub bundle: String,
    /// Name in the store.
    pub name: String,
    /// Developer.
    pub artist: String,
    /// Installer (`sourceApp`); None leaves the key out.
    pub source_app: Option<String>,
    /// Purchase date.
    pub purchased: UnixMillis,
    /// Whether the store metadata carries `softwareVersionBundleId`.
    pub metadata_has_id: bool,
}

/// An installed configuration profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// PayloadUUID.
    pub uuid: String,
    /// PayloadIdentifier.
    pub identifier: String,
    /// PayloadDisplayName.
    pub name: String,
    /// PayloadOrganization.
    pub organization: String,
    /// PayloadType of each content item (at least one is written).
    pub payload_types: Vec<String>,
    /// InstallDate.
    pub installed: UnixMillis,
    /// The process the profile events name as installer (e.g. `Preferences`).
    pub installed_by: String,
}

/// A call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Number or FaceTime address.
    pub address: String,
    /// Start.
    pub time: UnixMillis,
    /// Seconds.
    pub duration: f64,
    /// Outgoing.
    pub outgoing: bool,
    /// `com.apple.Telephony` or `com.apple.FaceTime`.
    pub provider: String,
}

/// A WhatsApp message.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatsAppMessage {
    /// Text (ZTEXT).
    pub text: String,
    /// The other party's JID.
    pub peer: String,
    /// Sent by the owner.
    pub from_me: bool,
    /// Time.
    pub time: UnixMillis,
    /// A media item's URL (ZWAMEDIAITEM.ZMEDIAURL).
    pub media_url: Option<String>,
    /// A link preview's URL (ZWAMESSAGEDATAITEM.ZMATCHEDTEXT / ZCONTENT1).
    pub link_preview: Option<String>,
}

/// An identity-status cache lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct IdLookup {
    /// Service, e.g. `com.apple.madrid`.
    pub service: String,
    /// Handle, e.g. `mailto:a@b.example` or `tel:+15550100`.
    pub handle: String,
    /// IDStatus.
    pub status: i64,
    /// LookupDate.
    pub time: UnixMillis,
}

/// A shutdown with the processes still running at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shutdown {
    /// SIGTERM time.
    pub time: UnixMillis,
    /// (pid, executable path).
    pub processes: Vec<(u32, String)>,
}

/// An `.ips` analytics report.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsReport {
    /// File name without `.ips`.
    pub file_stem: String,
    /// bug_type.
    pub bug_type: String,
    /// Process name.
    pub proc_name: String,
    /// Executable path.
    pub proc_path: String,
    /// Bundle id, if any.
    pub bundle: Option<String>,
    /// Time.
    pub time: UnixMillis,
}

/// Everything a fixture backup holds, check by check.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IosContent {
    /// sms.db messages.
    pub sms: Vec<Sms>,
    /// sms.db attachments.
    pub sms_attachments: Vec<SmsAttachment>,
    /// Safari History.db visits.
    pub safari: Vec<SafariVisit>,
    /// Safari BrowserState.db tabs.
    pub safari_tabs: Vec<SafariTab>,
    /// Chrome History visits.
    pub chrome: Vec<ChromeVisit>,
    /// WebKit observations.db sites.
    pub webkit_observations: Vec<ObservedSite>,
    /// WebKit browsing-session resource log entries.
    pub webkit_session: Vec<SessionResource>,
    /// WebKit LocalStorage origins, as folder names (`https_site.example_0`).
    pub webkit_localstorage: Vec<String>,
    /// DataUsage.sqlite.
    pub datausage: ProcessTable,
    /// netusage.sqlite (written only when it has processes).
    pub netusage: ProcessTable,
    /// TCC.db.
    pub tcc: Vec<TccGrant>,
    /// Installed apps (Info.plist and Manifest.plist).
    pub apps: Vec<App>,
    /// Configuration profiles.
    pub profiles: Vec<Profile>,
    /// CallHistory.storedata.
    pub calls: Vec<Call>,
    /// WhatsApp ChatStorage.sqlite.
    pub whatsapp: Vec<WhatsAppMessage>,
    /// Identity-status cache.
    pub idstatus: Vec<IdLookup>,
    /// Shutdown log (written only when not empty).
    pub shutdown: Vec<Shutdown>,
    /// Analytics reports.
    pub analytics: Vec<AnalyticsReport>,
    /// Other files, as (domain, relative path, content): the rest of a phone.
    pub other_files: Vec<(String, String, Vec<u8>)>,
}

/// A built fixture: backup files plus the backup's top-level property lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuiltBackup {
    /// (domain, relative path, content) of every file.
    pub files: Vec<(String, String, Vec<u8>)>,
    /// Info.plist (device and installed apps).
    pub info_plist: Vec<u8>,
    /// Manifest.plist as an unencrypted backup writes it (apps, no keybag).
    pub manifest_plist: Vec<u8>,
}

impl BuiltBackup {
    /// The same backup held in memory.
    pub fn into_memory(self) -> crate::MemoryBackup {
        let mut backup = crate::MemoryBackup::new(self.files);
        backup
            .backup_files
            .insert("Info.plist".into(), self.info_plist);
        backup
            .backup_files
            .insert("Manifest.plist".into(), self.manifest_plist);
        backup.mtime = Some(T0);
        backup
    }

    /// Writes it as a folder for [`crate::FolderBackup`] (`ROOT/domain/relative_path`).
    pub fn write_folder(&self, root: &std::path::Path) -> std::io::Result<()> {
        for (domain, path, bytes) in &self.files {
            let file = root.join(domain).join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(file, bytes)?;
        }
        std::fs::write(root.join("Info.plist"), &self.info_plist)?;
        std::fs::write(root.join("Manifest.plist"), &self.manifest_plist)
    }

    /// The content of (domain, path), if built.
    pub fn file(&self, domain: &str, path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(d, p, _)| d == domain && p == path)
            .map(|(_, _, b)| b.as_slice())
    }
}

/// Values to plant, one per indicator kind; see [`IosContent::plant`].
#[derive(Debug, Clone, PartialEq)]
pub struct Planted {
    /// A domain (in links, WebKit data, paths).
    pub domain: String,
    /// A process name (data usage, shutdown log, analytics).
    pub process: String,
    /// An e-mail handle (SMS sender, identity lookups).
    pub email: String,
    /// An app bundle id (installed app).
    pub app_id: String,
    /// A configuration profile UUID.
    pub profile_uuid: String,
}

fn ms(base: UnixMillis, minutes: i64) -> UnixMillis {
    UnixMillis(base.0 + minutes * 60_000)
}

fn cocoa_seconds(t: UnixMillis) -> f64 {
    t.0 as f64 / 1000.0 - 978_307_200.0
}

fn plist_date(t: UnixMillis) -> Value {
    let time = if t.0 >= 0 {
        UNIX_EPOCH + Duration::from_millis(t.0 as u64)
    } else {
        UNIX_EPOCH
    };
    Value::Date(time.into())
}

fn dict(pairs: Vec<(&str, Value)>) -> Value {
    let mut d = Dictionary::new();
    for (k, v) in pairs {
        d.insert(k.to_string(), v);
    }
    Value::Dictionary(d)
}

fn binary_plist(value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    value
        .to_writer_binary(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn xml_plist(value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    value.to_writer_xml(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A database built in memory from `schema` and `fill`, as file bytes.
pub fn database(
    schema: &str,
    fill: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<Vec<u8>, String> {
    let conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
    conn.execute_batch(schema).map_err(|e| e.to_string())?;
    fill(&conn).map_err(|e| e.to_string())?;
    let data = conn.serialize("main").map_err(|e| e.to_string())?;
    Ok(data.to_vec())
}

/// sms.db tables as iOS 16-17 has them (the columns any reader queries).
pub const SMS_SCHEMA: &str = "
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL,
  country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT,
  UNIQUE (id, service));
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0,
  subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0,
  type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0,
  date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0,
  is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0,
  is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0,
  is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0,
  is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0,
  cache_has_attachments INTEGER DEFAULT 0, item_type INTEGER DEFAULT 0, group_title TEXT,
  payload_data BLOB, message_summary_info BLOB, thread_originator_guid TEXT);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  style INTEGER, state INTEGER, account_id TEXT, chat_identifier TEXT, service_name TEXT,
  display_name TEXT);
CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER, message_date INTEGER DEFAULT 0,
  PRIMARY KEY (chat_id, message_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT,
  mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0,
  user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0,
  sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER, attachment_id INTEGER,
  UNIQUE(message_id, attachment_id));
";

/// A minimal archived attributed string carrying `text`, as newer iOS stores message bodies.
fn attributed_body(text: &str) -> Vec<u8> {
    let mut out = b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+".to_vec();
    let len = text.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        out.push(0x81);
        out.extend_from_slice(&(len.min(u16::MAX as usize) as u16).to_le_bytes());
    }
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\x86\x84\x02iI\x01");
    out
}

fn build_sms(messages: &[Sms], attachments: &[SmsAttachment]) -> Result<Vec<u8>, String> {
    database(SMS_SCHEMA, |c| {
        let mut handles: Vec<(String, String)> = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let key = (m.handle.clone(), m.service.clone());
            let handle_id = match handles.iter().position(|h| *h == key) {
                Some(p) => p + 1,
                None => {
                    handles.push(key);
                    c.execute(
                        "INSERT INTO handle (id, country, service, uncanonicalized_id) VALUES (?1, 'us', ?2, ?1)",
                        params![m.handle, m.service],
                    )?;
                    handles.len()
                }
            };
            let date = (cocoa_seconds(m.time) * 1e9) as i64;
            let (text, body) = if m.attributed_only {
                (None, Some(attributed_body(&m.text)))
            } else {
                (Some(m.text.clone()), Some(attributed_body(&m.text)))
            };
            c.execute(
                "INSERT INTO message (guid, text, handle_id, attributedBody, service, account, date, \
                 date_read, date_delivered, is_from_me, is_read, is_sent, is_delivered, is_finished) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?9, 1, ?9, 1, 1)",
                params![
                    format!("F1XTURE-{i:08}"),
                    text,
                    handle_id as i64,
                    body,
                    m.service,
                    "E:owner@example.org",
                    date,
                    if m.from_me { 0 } else { date + 60_000_000_000 },
                    i64::from(m.from_me),
                ],
            )?;
        }
        for (i, a) in attachments.iter().enumerate() {
            let outgoing = messages.get(a.message).is_some_and(|m| m.from_me);
            c.execute(
                "INSERT INTO attachment (guid, created_date, start_date, filename, uti, mime_type, \
                 transfer_state, is_outgoing, transfer_name, total_bytes) \
                 VALUES (?1, ?2, 0, ?3, 'public.data', ?4, 5, ?5, ?6, 1000)",
                params![
                    format!("AT_F1XTURE-{i:08}"),
                    cocoa_seconds(a.time) as i64,
                    a.filename,
                    a.mime_type,
                    i64::from(outgoing),
                    a.transfer_name
                ],
            )?;
            c.execute(
                "INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?1, ?2)",
                params![(a.message + 1) as i64, (i + 1) as i64],
            )?;
        }
        Ok(())
    })
}

/// Safari History.db tables.
pub const SAFARI_HISTORY_SCHEMA: &str = "
CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE,
  domain_expansion TEXT NULL, visit_count INTEGER NOT NULL, daily_visit_counts BLOB NOT NULL,
  weekly_visit_counts BLOB NULL, autocomplete_triggers BLOB NULL,
  should_recompute_derived_visit_counts INTEGER NOT NULL, visit_count_score INTEGER NOT NULL,
  status_code INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT,
  history_item INTEGER NOT NULL REFERENCES history_items(id) ON DELETE CASCADE,
  visit_time REAL NOT NULL, title TEXT NULL, load_successful BOOLEAN NOT NULL DEFAULT 1,
  http_non_get BOOLEAN NOT NULL DEFAULT 0, synthesized BOOLEAN NOT NULL DEFAULT 0,
  redirect_source INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,
  redirect_destination INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,
  origin INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 0,
  attributes INTEGER NOT NULL DEFAULT 0, score INTEGER NOT NULL DEFAULT 0);
CREATE INDEX history_visits__last_visit ON history_visits (history_item, visit_time DESC);
";

fn build_safari_history(visits: &[SafariVisit]) -> Result<Vec<u8>, String> {
    database(SAFARI_HISTORY_SCHEMA, |c| {
        let mut items: Vec<String> = Vec::new();
        for v in visits {
            if !items.contains(&v.url) {
                items.push(v.url.clone());
                c.execute(
                    "INSERT INTO history_items (url, domain_expansion, visit_count, daily_visit_counts, \
                     should_recompute_derived_visit_counts, visit_count_score) VALUES (?1, NULL, 1, x'', 0, 100)",
                    params![v.url],
                )?;
            }
        }
        for v in visits {
            let item = items.iter().position(|u| *u == v.url).unwrap_or(0) + 1;
            c.execute(
                "INSERT INTO history_visits (history_item, visit_time, title) VALUES (?1, ?2, '')",
                params![item as i64, cocoa_seconds(v.time)],
            )?;
        }
        for (i, v) in visits.iter().enumerate() {
            if let Some(to) = v.redirect_to {
                c.execute(
                    "UPDATE history_visits SET redirect_destination = ?2 WHERE id = ?1",
                    params![(i + 1) as i64, (to + 1) as i64],
                )?;
                c.execute(
                    "UPDATE history_visits SET redirect_source = ?1 WHERE id = ?2",
                    params![(i + 1) as i64, (to + 1) as i64],
                )?;
            }
        }
        Ok(())
    })
}

/// Safari BrowserState.db tables.
pub const SAFARI_TABS_SCHEMA: &str = "
CREATE TABLE tabs (id INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT UNIQUE NOT NULL,
  title TEXT NOT NULL DEFAULT '', url TEXT NOT NULL DEFAULT '',
  user_visible_url TEXT NOT NULL DEFAULT '', last_viewed_time REAL NOT NULL DEFAULT 0,
  opened_from_link BOOLEAN NOT NULL DEFAULT 0, showing_reader BOOLEAN NOT NULL DEFAULT 0,
  reader_view_top_scroll_offset INTEGER NOT NULL DEFAULT 0, order_index INTEGER NOT NULL DEFAULT 0,
  browser_window_uuid TEXT, browser_window_id INTEGER, private_browsing BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE tab_sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, tab_uuid TEXT UNIQUE NOT NULL,
  session_data BLOB);
";

fn build_safari_tabs(tabs: &[SafariTab]) -> Result<Vec<u8>, String> {
    let mut sessions = Vec::new();
    for tab in tabs {
        let entries = tab
            .history
            .iter()
            .map(|u| {
                dict(vec![
                    ("SessionHistoryEntryURL", Value::String(u.clone())),
                    ("SessionHistoryEntryOriginalURL", Value::String(u.clone())),
                    ("SessionHistoryEntryTitle", Value::String(String::new())),
                    ("SessionHistoryEntryData", Value::Data(vec![0; 16])),
                ])
            })
            .collect();
        let session = dict(vec![(
            "SessionHistory",
            dict(vec![
                ("SessionHistoryCurrentIndex", Value::Integer(0.into())),
                ("SessionHistoryEntries", Value::Array(entries)),
                ("SessionHistoryVersion", Value::Integer(1.into())),
            ]),
        )]);
        let mut blob = vec![0, 0, 0, 2];
        blob.extend(binary_plist(&session)?);
        sessions.push(blob);
    }
    database(SAFARI_TABS_SCHEMA, |c| {
        for (i, (tab, session)) in tabs.iter().zip(&sessions).enumerate() {
            let uuid = format!("00000000-0000-4000-8000-{i:012}");
            c.execute(
                "INSERT INTO tabs (uuid, title, url, user_visible_url, last_viewed_time, order_index, \
                 browser_window_uuid) VALUES (?1, ?2, ?3, ?3, ?4, ?5, 'W1')",
                params![uuid, tab.title, tab.url, cocoa_seconds(tab.time), i as i64],
            )?;
            c.execute(
                "INSERT INTO tab_sessions (tab_uuid, session_data) VALUES (?1, ?2)",
                params![uuid, session],
            )?;
        }
        Ok(())
    })
}

/// Chrome History tables (the columns any reader queries).
pub const CHROME_SCHEMA: &str = "
CREATE TABLE urls (id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR,
  visit_count INTEGER DEFAULT 0 NOT NULL, typed_count INTEGER DEFAULT 0 NOT NULL,
  last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visits (id INTEGER PRIMARY KEY AUTOINCREMENT, url INTEGER NOT NULL,
  visit_time INTEGER NOT NULL, from_visit INTEGER, transition INTEGER DEFAULT 0 NOT NULL,
  segment_id INTEGER, visit_duration INTEGER DEFAULT 0 NOT NULL,
  incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL);
CREATE TABLE meta (key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
";

fn webkit_micros(t: UnixMillis) -> i64 {
    (t.0 + 11_644_473_600_000) * 1000
}

fn build_chrome(visits: &[ChromeVisit]) -> Result<Vec<u8>, String> {
    database(CHROME_SCHEMA, |c| {
        let mut urls: Vec<String> = Vec::new();
        for v in visits {
            let id = match urls.iter().position(|u| *u == v.url) {
                Some(p) => p + 1,
                None => {
                    urls.push(v.url.clone());
                    c.execute(
                        "INSERT INTO urls (url, title, visit_count, last_visit_time) VALUES (?1, '', 1, ?2)",
                        params![v.url, webkit_micros(v.time)],
                    )?;
                    urls.len()
                }
            };
            c.execute(
                "INSERT INTO visits (url, visit_time, from_visit) VALUES (?1, ?2, 0)",
                params![id as i64, webkit_micros(v.time)],
            )?;
        }
        Ok(())
    })
}

/// WebKit observations.db table.
pub const OBSERVATIONS_SCHEMA: &str = "
CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY,
  registrableDomain TEXT NOT NULL UNIQUE ON CONFLICT FAIL, lastSeen REAL NOT NULL,
  hadUserInteraction INTEGER NOT NULL, mostRecentUserInteractionTime REAL NOT NULL,
  grandfathered INTEGER NOT NULL, isScheduledForAllButCookieDataRemoval INTEGER NOT NULL,
  mostRecentWebPushInteractionTime REAL NOT NULL);
CREATE TABLE TopLevelDomains (topLevelDomainID INTEGER PRIMARY KEY,
  FOREIGN KEY(topLevelDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);
";

fn build_observations(sites: &[ObservedSite]) -> Result<Vec<u8>, String> {
    database(OBSERVATIONS_SCHEMA, |c| {
        for s in sites {
            let seen = s.time.0 as f64 / 1000.0;
            c.execute(
                "INSERT INTO ObservedDomains (registrableDomain, lastSeen, hadUserInteraction, \
                 mostRecentUserInteractionTime, grandfathered, isScheduledForAllButCookieDataRemoval, \
                 mostRecentWebPushInteractionTime) VALUES (?1, ?2, ?3, ?4, 0, 0, 0)",
                params![s.domain, seen, i64::from(s.interacted), if s.interacted { seen } else { 0.0 }],
            )?;
        }
        Ok(())
    })
}

fn build_session_log(entries: &[SessionResource]) -> Result<Vec<u8>, String> {
    let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    let stats = entries
        .iter()
        .map(|e| {
            dict(vec![
                ("PrevalentResourceOrigin", Value::String(e.origin.clone())),
                ("topFrameUniqueRedirectsFrom", strings(&e.redirects_from)),
                ("topFrameUniqueRedirectsTo", strings(&e.redirects_to)),
                ("subframeUnderTopFrameOrigins", strings(&[])),
                ("subresourceUnderTopFrameOrigins", strings(&e.subresources)),
                ("hadUserInteraction", Value::Boolean(false)),
                ("lastSeen", plist_date(e.time)),
                ("mostRecentUserInteraction", plist_date(e.time)),
            ])
        })
        .collect();
    binary_plist(&dict(vec![
        ("browsingStatistics", Value::Array(stats)),
        ("version", Value::Integer(1.into())),
    ]))
}

/// DataUsage.sqlite / netusage.sqlite tables.
pub const PROCESS_USAGE_SCHEMA: &str = "
CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, ZPROCNAME VARCHAR);
CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER,
  ZMETADATA INTEGER, ZTAG INTEGER, ZHASPROCESS INTEGER, ZBILLCYCLEEND TIMESTAMP,
  ZTIMESTAMP TIMESTAMP, ZWIFIIN FLOAT, ZWIFIOUT FLOAT, ZWWANIN FLOAT, ZWWANOUT FLOAT);
CREATE INDEX ZLIVEUSAGE_ZHASPROCESS_INDEX ON ZLIVEUSAGE (ZHASPROCESS);
";

fn build_process_usage(table: &ProcessTable) -> Result<Vec<u8>, String> {
    database(PROCESS_USAGE_SCHEMA, |c| {
        let mut live = 0i64;
        for p in &table.processes {
            c.execute(
                "INSERT INTO ZPROCESS (Z_PK, Z_ENT, Z_OPT, ZFIRSTTIMESTAMP, ZTIMESTAMP, ZBUNDLENAME, ZPROCNAME) \
                 VALUES (?1, 8, 1, ?2, ?3, ?4, ?5)",
                params![p.pk, cocoa_seconds(p.first), cocoa_seconds(p.last), p.bundle, p.name],
            )?;
            live += 1;
            c.execute(
                "INSERT INTO ZLIVEUSAGE (Z_PK, Z_ENT, Z_OPT, ZKIND, ZHASPROCESS, ZTIMESTAMP, ZWIFIIN, \
                 ZWIFIOUT, ZWWANIN, ZWWANOUT) VALUES (?1, 5, 1, 0, ?2, ?3, 1024.0, 512.0, 2048.0, 256.0)",
                params![live, p.pk, cocoa_seconds(p.last)],
            )?;
        }
        for (process, time) in &table.orphan_usage {
            live += 1;
            c.execute(
                "INSERT INTO ZLIVEUSAGE (Z_PK, Z_ENT, Z_OPT, ZKIND, ZHASPROCESS, ZTIMESTAMP, ZWIFIIN, \
                 ZWIFIOUT, ZWWANIN, ZWWANOUT) VALUES (?1, 5, 1, 0, ?2, ?3, 0.0, 0.0, 4096.0, 4096.0)",
                params![live, process, cocoa_seconds(*time)],
            )?;
        }
        Ok(())
    })
}

/// TCC.db access table (iOS 14 and later).
pub const TCC_SCHEMA: &str = "
CREATE TABLE admin (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
  auth_value INTEGER NOT NULL, auth_reason INTEGER NOT NULL, auth_version INTEGER NOT NULL,
  csreq BLOB, policy_id INTEGER, indirect_object_identifier_type INTEGER,
  indirect_object_identifier TEXT NOT NULL DEFAULT 'UNUSED', indirect_object_code_identity BLOB,
  flags INTEGER, last_modified INTEGER NOT NULL,
  PRIMARY KEY (service, client, client_type, indirect_object_identifier));
INSERT INTO admin VALUES ('version', 22);
";

fn build_tcc(grants: &[TccGrant]) -> Result<Vec<u8>, String> {
    database(TCC_SCHEMA, |c| {
        for g in grants {
            c.execute(
                "INSERT INTO access (service, client, client_type, auth_value, auth_reason, auth_version, \
                 flags, last_modified) VALUES (?1, ?2, ?3, ?4, 2, 1, 0, ?5)",
                params![g.service, g.client, i64::from(g.by_path), g.auth_value, g.time.0 / 1000],
            )?;
        }
        Ok(())
    })
}

/// CallHistory.storedata call table.
pub const CALLS_SCHEMA: &str = "
CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZANSWERED INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA INTEGER,
  ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZREAD INTEGER, ZDATE TIMESTAMP,
  ZDURATION FLOAT, ZADDRESS VARCHAR, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR,
  ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR);
";

fn build_calls(calls: &[Call]) -> Result<Vec<u8>, String> {
    database(CALLS_SCHEMA, |c| {
        for (i, call) in calls.iter().enumerate() {
            c.execute(
                "INSERT INTO ZCALLRECORD (Z_PK, Z_ENT, Z_OPT, ZANSWERED, ZCALLTYPE, ZORIGINATED, ZREAD, ZDATE, \
                 ZDURATION, ZADDRESS, ZISO_COUNTRY_CODE, ZLOCATION, ZSERVICE_PROVIDER, ZUNIQUE_ID) \
                 VALUES (?1, 2, 1, 1, 1, ?2, 1, ?3, ?4, ?5, 'us', '', ?6, ?7)",
                params![
                    (i + 1) as i64,
                    i64::from(call.outgoing),
                    cocoa_seconds(call.time),
                    call.duration,
                    call.address,
                    call.provider,
                    format!("CALL-{i:08}")
                ],
            )?;
        }
        Ok(())
    })
}

/// WhatsApp ChatStorage.sqlite tables (the columns any reader queries).
pub const WHATSAPP_SCHEMA: &str = "
CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZARCHIVED INTEGER, ZCONTACTABID INTEGER, ZFLAGS INTEGER, ZHIDDEN INTEGER,
  ZMESSAGECOUNTER INTEGER, ZREMOVED INTEGER, ZSESSIONTYPE INTEGER, ZUNREADCOUNT INTEGER,
  ZGROUPINFO INTEGER, ZLASTMESSAGE INTEGER, ZPROPERTIES INTEGER, ZLASTMESSAGEDATE TIMESTAMP,
  ZCONTACTIDENTIFIER VARCHAR, ZCONTACTJID VARCHAR, ZETAG VARCHAR, ZLASTMESSAGETEXT VARCHAR,
  ZPARTNERNAME VARCHAR, ZSAVEDINPUT VARCHAR);
CREATE TABLE ZWAGROUPINFO (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZCHATSESSION INTEGER, ZCREATIONDATE TIMESTAMP, ZCREATORJID VARCHAR, ZOWNERJID VARCHAR,
  ZSUBJECTOWNERJID VARCHAR);
CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZCHILDMESSAGESDELIVEREDCOUNT INTEGER, ZDOCID INTEGER, ZENCRETRYCOUNT INTEGER,
  ZFILTEREDRECIPIENTCOUNT INTEGER, ZFLAGS INTEGER, ZGROUPEVENTTYPE INTEGER, ZISFROMME INTEGER,
  ZMESSAGEERRORSTATUS INTEGER, ZMESSAGESTATUS INTEGER, ZMESSAGETYPE INTEGER, ZSORT INTEGER,
  ZSPOTLIGHTSTATUS INTEGER, ZSTARRED INTEGER, ZCHATSESSION INTEGER, ZGROUPMEMBER INTEGER,
  ZLASTSESSION INTEGER, ZMEDIAITEM INTEGER, ZMESSAGEINFO INTEGER, ZPARENTMESSAGE INTEGER,
  ZMESSAGEDATE TIMESTAMP, ZSENTDATE TIMESTAMP, ZFROMJID VARCHAR, ZMEDIASECTIONID VARCHAR,
  ZPHASH VARCHAR, ZPUSHNAME VARCHAR, ZSTANZAID VARCHAR, ZTEXT VARCHAR, ZTOJID VARCHAR);
CREATE TABLE ZWAMEDIAITEM (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZCLOUDSTATUS INTEGER, ZFILESIZE INTEGER, ZMEDIAORIGIN INTEGER, ZMOVIEDURATION INTEGER,
  ZMESSAGE INTEGER, ZASPECTRATIO FLOAT, ZHACCURACY FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT,
  ZMEDIAURLDATE TIMESTAMP, ZAUTHORNAME VARCHAR, ZCOLLECTIONNAME VARCHAR, ZMEDIALOCALPATH VARCHAR,
  ZMEDIAURL VARCHAR, ZTHUMBNAILLOCALPATH VARCHAR, ZTITLE VARCHAR, ZVCARDNAME VARCHAR,
  ZVCARDSTRING VARCHAR, ZXMPPTHUMBPATH VARCHAR, ZMEDIAKEY BLOB, ZMETADATA BLOB);
CREATE TABLE ZWAMESSAGEDATAITEM (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZINDEX INTEGER, ZMESSAGE INTEGER, ZDATE TIMESTAMP, ZCONTENT1 VARCHAR, ZCONTENT2 VARCHAR,
  ZMATCHEDTEXT VARCHAR, ZSECTIONID VARCHAR, ZSUMMARY VARCHAR, ZTITLE VARCHAR);
";

fn build_whatsapp(messages: &[WhatsAppMessage]) -> Result<Vec<u8>, String> {
    database(WHATSAPP_SCHEMA, |c| {
        let mut peers: Vec<String> = Vec::new();
        for m in messages {
            if !peers.contains(&m.peer) {
                peers.push(m.peer.clone());
                c.execute(
                    "INSERT INTO ZWACHATSESSION (Z_PK, Z_ENT, Z_OPT, ZARCHIVED, ZREMOVED, ZSESSIONTYPE, \
                     ZMESSAGECOUNTER, ZCONTACTJID, ZPARTNERNAME, ZLASTMESSAGEDATE) VALUES (?1, 4, 1, 0, 0, 0, 0, ?2, ?3, ?4)",
                    params![peers.len() as i64, m.peer, format!("Contact {}", peers.len()), cocoa_seconds(m.time)],
                )?;
            }
        }
        let owner = "15550100000@s.whatsapp.net";
        for (i, m) in messages.iter().enumerate() {
            let pk = (i + 1) as i64;
            let session = peers.iter().position(|p| *p == m.peer).unwrap_or(0) + 1;
            let (from, to) = if m.from_me {
                (owner, m.peer.as_str())
            } else {
                (m.peer.as_str(), owner)
            };
            c.execute(
                "INSERT INTO ZWAMESSAGE (Z_PK, Z_ENT, Z_OPT, ZISFROMME, ZMESSAGESTATUS, ZMESSAGETYPE, ZCHATSESSION, \
                 ZMESSAGEDATE, ZSENTDATE, ZFROMJID, ZTOJID, ZTEXT, ZSTANZAID) \
                 VALUES (?1, 9, 1, ?2, 8, 0, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
                params![pk, i64::from(m.from_me), session as i64, cocoa_seconds(m.time), from, to, m.text, format!("3EB0{i:016X}")],
            )?;
            if let Some(url) = &m.media_url {
                c.execute(
                    "INSERT INTO ZWAMEDIAITEM (Z_PK, Z_ENT, Z_OPT, ZMESSAGE, ZFILESIZE, ZMEDIAURL, ZAUTHORNAME) \
                     VALUES (?1, 6, 1, ?1, 1000, ?2, '')",
                    params![pk, url],
                )?;
            }
            if let Some(url) = &m.link_preview {
                c.execute(
                    "INSERT INTO ZWAMESSAGEDATAITEM (Z_PK, Z_ENT, Z_OPT, ZINDEX, ZMESSAGE, ZCONTENT1, ZMATCHEDTEXT, ZTITLE) \
                     VALUES (?1, 7, 1, 0, ?1, ?2, ?2, 'Preview')",
                    params![pk, url],
                )?;
            }
        }
        Ok(())
    })
}

fn build_idstatus(lookups: &[IdLookup]) -> Result<Vec<u8>, String> {
    let mut top = Dictionary::new();
    for l in lookups {
        let service = top
            .entry(l.service.clone())
            .or_insert_with(|| Value::Dictionary(Dictionary::new()));
        if let Value::Dictionary(entries) = service {
            entries.insert(
                l.handle.clone(),
                dict(vec![
                    ("IDStatus", Value::Integer(l.status.into())),
                    ("LookupDate", Value::Real(cocoa_seconds(l.time))),
                ]),
            );
        }
    }
    binary_plist(&Value::Dictionary(top))
}

fn profile_plist(p: &Profile) -> Result<Vec<u8>, String> {
    let mut types = p.payload_types.clone();
    if types.is_empty() {
        types.push("com.apple.wifi.managed".into());
    }
    let content = types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            dict(vec![
                ("PayloadType", Value::String(t.clone())),
                (
                    "PayloadIdentifier",
                    Value::String(format!("{}.payload{i}", p.identifier)),
                ),
                ("PayloadUUID", Value::String(format!("{}-{i}", p.uuid))),
                (
                    "PayloadDisplayName",
                    Value::String(format!("{} payload {i}", p.name)),
                ),
                ("PayloadVersion", Value::Integer(1.into())),
            ])
        })
        .collect();
    binary_plist(&dict(vec![
        ("PayloadUUID", Value::String(p.uuid.clone())),
        ("PayloadIdentifier", Value::String(p.identifier.clone())),
        ("PayloadDisplayName", Value::String(p.name.clone())),
        (
            "PayloadDescription",
            Value::String(format!("Settings of {}", p.organization)),
        ),
        ("PayloadOrganization", Value::String(p.organization.clone())),
        ("PayloadType", Value::String("Configuration".into())),
        ("PayloadVersion", Value::Integer(1.into())),
        ("InstallDate", plist_date(p.installed)),
        ("PayloadContent", Value::Array(content)),
    ]))
}

fn shutdown_log(events: &[Shutdown]) -> Vec<u8> {
    let mut out = String::new();
    for e in events {
        let half = e.processes.len() / 2;
        for (i, (pid, path)) in e.processes.iter().enumerate() {
            if i == half && i > 0 {
                out.push_str("After 0.50s, these clients are still here:\n");
            }
            out.push_str(&format!("\t\tremaining client pid: {pid} ({path})\n"));
        }
        out.push_str(&format!("SIGTERM: [{}]\n", e.time.0 / 1000));
    }
    out.into_bytes()
}

fn ips_report(r: &AnalyticsReport) -> Vec<u8> {
    let time = r.time.iso8601();
    let stamp = format!(
        "{} {}.00 +0000",
        time.get(..10).unwrap_or(""),
        time.get(11..19).unwrap_or("")
    );
    let mut header = serde_json::json!({
        "bug_type": r.bug_type, "timestamp": stamp, "name": r.proc_name,
        "os_version": "iPhone OS 17.5.1 (21F90)", "incident_id": format!("{:08X}-0000-4000-8000-000000000000", r.time.0 / 1000),
    });
    if let (Some(b), Some(h)) = (&r.bundle, header.as_object_mut()) {
        h.insert("bundleID".into(), serde_json::Value::String(b.clone()));
    }
    let body = serde_json::json!({
        "procName": r.proc_name, "procPath": r.proc_path, "pid": 412, "parentProc": "launchd",
        "captureTime": stamp, "exception": {"type": "EXC_CRASH", "signal": "SIGABRT"},
    });
    format!("{header}\n{body:#}").into_bytes()
}

impl IosContent {
    /// A plausible phone with nothing to report: common Apple and web domains, system
    /// processes with their bundles, App Store apps; no signal and no indicator.
    pub fn benign() -> IosContent {
        let sites = [
            "www.apple.com",
            "support.apple.com",
            "en.wikipedia.org",
            "www.bbc.co.uk",
            "news.ycombinator.com",
            "www.nytimes.com",
            "maps.google.com",
            "www.youtube.com",
            "github.com",
            "www.theguardian.com",
            "weather.com",
            "www.reddit.com",
        ];
        let handles = [
            "+15550100001",
            "+15550100002",
            "friend@example.org",
            "+447700900123",
        ];
        let texts = [
            "See you at 7?",
            "Here is the article: https://www.theguardian.com/world/2026/nov/01/story",
            "Your Apple ID code is 123456. Do not share it.",
            "Directions: https://maps.google.com/?q=coffee",
            "ok 👍",
            "Photos from the trip https://www.icloud.com/photos/#0a1b2c",
        ];
        let sms = (0..18)
            .map(|i| Sms {
                handle: handles[i % handles.len()].into(),
                text: texts[i % texts.len()].into(),
                time: ms(T0, 37 * i as i64),
                from_me: i % 3 == 0,
                service: if i % 2 == 0 { "iMessage" } else { "SMS" }.into(),
                attributed_only: i % 4 == 1,
            })
            .collect();
        let sms_attachments = (0..2)
            .map(|i| SmsAttachment {
                message: i * 5,
                filename: format!(
                    "~/Library/SMS/Attachments/0{i}/1{i}/F1XTURE-{i}/IMG_000{i}.heic"
                ),
                transfer_name: format!("IMG_000{i}.heic"),
                mime_type: "image/heic".into(),
                time: ms(T0, 37 * (i as i64) * 5),
            })
            .collect();
        let safari = (0..30)
            .map(|i| SafariVisit {
                url: format!("https://{}/page/{i}", sites[i % sites.len()]),
                time: ms(T0, 11 * i as i64 + 5),
                redirect_to: None,
            })
            .collect();
        let safari_tabs = (0..3)
            .map(|i| SafariTab {
                title: format!("Tab {i}"),
                url: format!("https://{}/", sites[i]),
                history: vec![
                    format!("https://{}/", sites[i + 3]),
                    format!("https://{}/", sites[i]),
                ],
                time: ms(T0, 400 + i as i64),
            })
            .collect();
        let chrome = (0..10)
            .map(|i| ChromeVisit {
                url: format!("https://{}/c{i}", sites[(i * 5) % sites.len()]),
                time: ms(T0, 13 * i as i64 + 3),
            })
            .collect();
        let webkit_observations = sites
            .iter()
            .enumerate()
            .map(|(i, s)| ObservedSite {
                domain: s.trim_start_matches("www.").to_string(),
                time: ms(T0, 20 * i as i64),
                interacted: i % 2 == 0,
            })
            .collect();
        let webkit_session = (0..4)
            .map(|i| SessionResource {
                origin: sites[i].trim_start_matches("www.").to_string(),
                redirects_from: vec![],
                redirects_to: vec![],
                subresources: vec!["fonts.gstatic.com".into(), "cdn.jsdelivr.net".into()],
                time: ms(T0, 500 + i as i64),
            })
            .collect();
        let webkit_localstorage = sites
            .iter()
            .take(5)
            .map(|s| format!("https_{s}_0"))
            .collect();
        let daemons = [
            ("nsurlsessiond", "com.apple.nsurlsessiond"),
            ("apsd", "com.apple.apsd"),
            ("mDNSResponder", "com.apple.mDNSResponder"),
            ("itunesstored", "com.apple.itunesstored"),
            ("MobileSafari", "com.apple.mobilesafari"),
            ("WhatsApp", "net.whatsapp.WhatsApp"),
            ("Maps", "com.apple.Maps"),
            ("cloudd", "com.apple.cloudd"),
            ("identityservicesd", "com.apple.identityservicesd"),
            ("softwareupdated", "com.apple.softwareupdateservicesd"),
            ("assistantd", "com.apple.assistantd"),
            ("Music", "com.apple.Music"),
        ];
        let processes = daemons
            .iter()
            .enumerate()
            .map(|(i, (name, bundle))| ProcessUse {
                pk: (i + 1) as i64,
                name: Some((*name).into()),
                bundle: Some((*bundle).into()),
                first: ms(T0, -10_000 + i as i64),
                last: ms(T0, 600 + i as i64),
            })
            .collect();
        let tcc = [
            ("kTCCServiceCamera", "com.apple.camera"),
            ("kTCCServicePhotos", "net.whatsapp.WhatsApp"),
            ("kTCCServiceAddressBook", "net.whatsapp.WhatsApp"),
            ("kTCCServiceMicrophone", "com.apple.VoiceMemos"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (s, c))| TccGrant {
            service: (*s).into(),
            client: (*c).into(),
            by_path: false,
            auth_value: 2,
            time: ms(T0, -5000 + i as i64),
        })
        .collect();
        let apps = [
            (
                "net.whatsapp.WhatsApp",
                "WhatsApp Messenger",
                "WhatsApp Inc.",
            ),
            ("com.google.chrome.ios", "Google Chrome", "Google LLC"),
            (
                "org.wikimedia.wikipedia",
                "Wikipedia",
                "Wikimedia Foundation",
            ),
            ("com.spotify.client", "Spotify", "Spotify"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (b, n, a))| App {
            bundle: (*b).into(),
            name: (*n).into(),
            artist: (*a).into(),
            source_app: Some("com.apple.AppStore".into()),
            purchased: ms(T0, -100_000 + i as i64 * 1000),
            metadata_has_id: true,
        })
        .collect();
        let calls = (0..6)
            .map(|i| Call {
                address: if i == 4 {
                    "friend@example.org".into()
                } else {
                    format!("+1555010000{i}")
                },
                time: ms(T0, 90 * i as i64),
                duration: 30.0 + i as f64,
                outgoing: i % 2 == 0,
                provider: if i == 4 {
                    "com.apple.FaceTime"
                } else {
                    "com.apple.Telephony"
                }
                .into(),
            })
            .collect();
        let whatsapp = (0..8)
            .map(|i| WhatsAppMessage {
                text: if i % 3 == 0 {
                    format!("look https://en.wikipedia.org/wiki/Item_{i}")
                } else {
                    "on my way".into()
                },
                peer: format!("1555010000{}@s.whatsapp.net", i % 2),
                from_me: i % 2 == 0,
                time: ms(T0, 45 * i as i64 + 7),
                media_url: (i == 5).then(|| "https://mmg.whatsapp.net/v/t62/abc.enc".to_string()),
                link_preview: (i % 3 == 0)
                    .then(|| format!("https://en.wikipedia.org/wiki/Item_{i}")),
            })
            .collect();
        let idstatus = [
            ("com.apple.madrid", "mailto:friend@example.org"),
            ("com.apple.madrid", "tel:+15550100001"),
            ("com.apple.private.alloy.facetime.multi", "tel:+15550100002"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (s, h))| IdLookup {
            service: (*s).into(),
            handle: (*h).into(),
            status: 1,
            time: ms(T0, 30 * i as i64),
        })
        .collect();
        let other_files = vec![
            (
                "HomeDomain".into(),
                "Library/Preferences/com.apple.mobilesafari.plist".into(),
                b"bplist00".to_vec(),
            ),
            (
                "MediaDomain".into(),
                "Media/DCIM/100APPLE/IMG_0001.HEIC".into(),
                vec![0u8; 64],
            ),
            (
                "AppDomain-net.whatsapp.WhatsApp".into(),
                "Library/Preferences/net.whatsapp.WhatsApp.plist".into(),
                b"bplist00".to_vec(),
            ),
            (
                "AppDomain-org.wikimedia.wikipedia".into(),
                "Library/Caches/en.wikipedia.org/fsCachedData/A1".into(),
                vec![1u8; 16],
            ),
        ];
        IosContent {
            sms,
            sms_attachments,
            safari,
            safari_tabs,
            chrome,
            webkit_observations,
            webkit_session,
            webkit_localstorage,
            datausage: ProcessTable {
                processes,
                orphan_usage: Vec::new(),
            },
            netusage: ProcessTable::default(),
            tcc,
            apps,
            profiles: Vec::new(),
            calls,
            whatsapp,
            idstatus,
            shutdown: Vec::new(),
            analytics: Vec::new(),
            other_files,
        }
    }

    /// Adds `p`'s values among the content: the domain in an SMS, a WhatsApp link, Safari,
    /// Chrome and WebKit data and a LocalStorage folder; the process in data usage (without a
    /// bundle, as implants appear), the shutdown log and an analytics report; the e-mail as an
    /// SMS sender and an identity lookup; the app as installed; the profile as installed.
    pub fn plant(&mut self, p: &Planted) {
        let at = ms(T0, 700);
        let url = format!("https://{}/track/1a2b3c", p.domain);
        self.sms.push(Sms {
            handle: p.email.clone(),
            text: format!("Your parcel is waiting: {url}"),
            time: at,
            from_me: false,
            service: "iMessage".into(),
            attributed_only: false,
        });
        self.whatsapp.push(WhatsAppMessage {
            text: format!("urgent {url}?w=1"),
            peer: "15550199999@s.whatsapp.net".into(),
            from_me: false,
            time: ms(at, 1),
            media_url: None,
            link_preview: Some(format!("{url}?w=1")),
        });
        self.safari.push(SafariVisit {
            url: format!("{url}?s=1"),
            time: ms(at, 2),
            redirect_to: None,
        });
        self.chrome.push(ChromeVisit {
            url: format!("{url}?c=1"),
            time: ms(at, 3),
        });
        self.webkit_observations.push(ObservedSite {
            domain: p.domain.clone(),
            time: ms(at, 2),
            interacted: false,
        });
        self.webkit_session.push(SessionResource {
            origin: p.domain.clone(),
            redirects_from: vec!["news.example.net".into()],
            redirects_to: vec![],
            subresources: vec![],
            time: ms(at, 2),
        });
        self.webkit_localstorage
            .push(format!("https_{}_0", p.domain));
        let pk = self
            .datausage
            .processes
            .iter()
            .map(|x| x.pk)
            .max()
            .unwrap_or(0)
            + 1;
        self.datausage.processes.push(ProcessUse {
            pk,
            name: Some(p.process.clone()),
            bundle: None,
            first: ms(at, 5),
            last: ms(at, 6),
        });
        self.shutdown.push(Shutdown {
            time: ms(at, 60),
            processes: vec![
                (101, "/usr/libexec/nsurlsessiond".into()),
                (
                    4242,
                    format!(
                        "/private/var/db/com.apple.xpc.roleaccountd.staging/{}",
                        p.process
                    ),
                ),
                (102, "/usr/sbin/mDNSResponder".into()),
            ],
        });
        self.analytics.push(AnalyticsReport {
            file_stem: format!("{}-2026-11-01-114000", p.process),
            bug_type: "309".into(),
            proc_name: p.process.clone(),
            proc_path: format!("/private/var/tmp/{}", p.process),
            bundle: None,
            time: ms(at, 7),
        });
        self.idstatus.push(IdLookup {
            service: "com.apple.madrid".into(),
            handle: format!("mailto:{}", p.email),
            status: 1,
            time: ms(at, -1),
        });
        self.apps.push(App {
            bundle: p.app_id.clone(),
            name: "Utility".into(),
            artist: "Unknown".into(),
            source_app: Some("com.apple.AppStore".into()),
            purchased: ms(at, -60),
            metadata_has_id: true,
        });
        self.profiles.push(Profile {
            uuid: p.profile_uuid.clone(),
            identifier: format!(
                "com.example.profile.{}",
                p.profile_uuid.to_ascii_lowercase()
            ),
            name: "Network settings".into(),
            organization: "Network".into(),
            payload_types: vec!["com.apple.vpn.managed".into()],
            installed: ms(at, -30),
            installed_by: "Preferences".into(),
        });
    }

    /// Builds every file, as iOS lays them out in a backup.
    pub fn build(&self) -> Result<BuiltBackup, String> {
        let mut files: Vec<(String, String, Vec<u8>)> = Vec::new();
        let mut add = |domain: &str, path: &str, bytes: Vec<u8>| {
            files.push((domain.to_string(), path.to_string(), bytes));
        };
        add(
            "HomeDomain",
            "Library/SMS/sms.db",
            build_sms(&self.sms, &self.sms_attachments)?,
        );
        add(
            "HomeDomain",
            "Library/Safari/History.db",
            build_safari_history(&self.safari)?,
        );
        add(
            "HomeDomain",
            "Library/Safari/BrowserState.db",
            build_safari_tabs(&self.safari_tabs)?,
        );
        add(
            "AppDomain-com.google.chrome.ios",
            "Library/Application Support/Google/Chrome/Default/History",
            build_chrome(&self.chrome)?,
        );
        add(
            SAFARI_DOMAIN,
            "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db",
            build_observations(&self.webkit_observations)?,
        );
        add(
            SAFARI_DOMAIN,
            "Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist",
            build_session_log(&self.webkit_session)?,
        );
        for origin in &self.webkit_localstorage {
            add(
                SAFARI_DOMAIN,
                &format!("Library/WebKit/WebsiteData/LocalStorage/{origin}.localstorage"),
                database("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB NOT NULL ON CONFLICT FAIL);", |_| Ok(()))?,
            );
        }
        add(
            "WirelessDomain",
            "Library/Databases/DataUsage.sqlite",
            build_process_usage(&self.datausage)?,
        );
        if !self.netusage.processes.is_empty() || !self.netusage.orphan_usage.is_empty() {
            add(
                "RootDomain",
                "Library/networkd/netusage.sqlite",
                build_process_usage(&self.netusage)?,
            );
        }
        add("HomeDomain", "Library/TCC/TCC.db", build_tcc(&self.tcc)?);
        for p in &self.profiles {
            let stem: String = p.uuid.chars().filter(char::is_ascii_alphanumeric).collect();
            add(
                crate::checks::PROFILES_DOMAIN,
                &format!("Library/ConfigurationProfiles/profile-{stem}.stub"),
                profile_plist(p)?,
            );
        }
        if !self.profiles.is_empty() {
            let events = self
                .profiles
                .iter()
                .map(|p| {
                    dict(vec![(
                        p.identifier.as_str(),
                        dict(vec![
                            ("timestamp", plist_date(p.installed)),
                            ("operation", Value::String("install".into())),
                            ("process", Value::String(p.installed_by.clone())),
                        ]),
                    )])
                })
                .collect();
            add(
                crate::checks::PROFILES_DOMAIN,
                "Library/ConfigurationProfiles/MCProfileEvents.plist",
                binary_plist(&dict(vec![("ProfileEvents", Value::Array(events))]))?,
            );
        }
        add(
            "HomeDomain",
            "Library/CallHistoryDB/CallHistory.storedata",
            build_calls(&self.calls)?,
        );
        add(
            "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
            "ChatStorage.sqlite",
            build_whatsapp(&self.whatsapp)?,
        );
        add(
            "HomeDomain",
            "Library/Preferences/com.apple.identityservices.idstatuscache.plist",
            build_idstatus(&self.idstatus)?,
        );
        if !self.shutdown.is_empty() {
            add(
                "HomeDomain",
                "Library/Logs/shutdown.log",
                shutdown_log(&self.shutdown),
            );
        }
        for r in &self.analytics {
            add(
                "HomeDomain",
                &format!("Library/Logs/CrashReporter/{}.ips", r.file_stem),
                ips_report(r),
            );
        }
        for (d, p, b) in &self.other_files {
            add(d, p, b.clone());
        }
        Ok(BuiltBackup {
            files,
            info_plist: self.info_plist()?,
            manifest_plist: self.manifest_plist()?,
        })
    }

    fn info_plist(&self) -> Result<Vec<u8>, String> {
        let mut applications = Dictionary::new();
        for app in &self.apps {
            let mut metadata = vec![
                ("itemName", Value::String(app.name.clone())),
                ("artistName", Value::String(app.artist.clone())),
                ("bundleShortVersionString", Value::String("1.0".into())),
                ("bundleVersion", Value::String("1".into())),
                (
                    "com.apple.iTunesStore.downloadInfo",
                    dict(vec![(
                        "purchaseDate",
                        Value::String(
                            app.purchased.iso8601().get(..19).unwrap_or("").to_string() + "Z",
                        ),
                    )]),
                ),
            ];
            if app.metadata_has_id {
                metadata.push(("softwareVersionBundleId", Value::String(app.bundle.clone())));
            }
            if let Some(source) = &app.source_app {
                metadata.push(("sourceApp", Value::String(source.clone())));
            }
            applications.insert(
                app.bundle.clone(),
                dict(vec![
                    (
                        "iTunesMetadata",
                        Value::Data(binary_plist(&dict(metadata))?),
                    ),
                    (
                        "PlaceholderIcon",
                        Value::Data(b"\x89PNG\r\n\x1a\nfixture".to_vec()),
                    ),
                ]),
            );
        }
        xml_plist(&dict(vec![
            ("Applications", Value::Dictionary(applications)),
            (
                "Installed Applications",
                Value::Array(
                    self.apps
                        .iter()
                        .map(|a| Value::String(a.bundle.clone()))
                        .collect(),
                ),
            ),
            ("Build Version", Value::String("21F90".into())),
            ("Device Name", Value::String("Fixture iPhone".into())),
            ("Display Name", Value::String("Fixture iPhone".into())),
            (
                "GUID",
                Value::String("0123456789ABCDEF0123456789ABCDEF".into()),
            ),
            ("Last Backup Date", plist_date(ms(T0, 1440))),
            ("Product Name", Value::String("iPhone 13".into())),
            ("Product Type", Value::String("iPhone14,5".into())),
            ("Product Version", Value::String("17.5.1".into())),
            ("Serial Number", Value::String("F1XTUREF1XTU".into())),
            (
                "Target Identifier",
                Value::String("00008110-000F1XTURE0001E".into()),
            ),
            ("Target Type", Value::String("Device".into())),
            (
                "Unique Identifier",
                Value::String("00008110-000F1XTURE0001E".into()),
            ),
            ("iTunes Version", Value::String("12.13".into())),
        ]))
    }

    fn manifest_plist(&self) -> Result<Vec<u8>, String> {
        let mut applications = Dictionary::new();
        for app in &self.apps {
            applications.insert(
                app.bundle.clone(),
                dict(vec![
                    ("CFBundleIdentifier", Value::String(app.bundle.clone())),
                    ("CFBundleVersion", Value::String("1".into())),
                    (
                        "ContainerContentClass",
                        Value::String("Data/Application".into()),
                    ),
                    (
                        "Path",
                        Value::String(format!(
                            "/var/containers/Bundle/Application/{}.app",
                            app.name.replace(' ', "")
                        )),
                    ),
                ]),
            );
        }
        binary_plist(&dict(vec![
            ("Applications", Value::Dictionary(applications)),
            ("IsEncrypted", Value::Boolean(false)),
            ("Version", Value::String("10.0".into())),
            ("Date", plist_date(ms(T0, 1440))),
            ("SystemDomainsVersion", Value::String("24.0".into())),
            (
                "Lockdown",
                dict(vec![
                    ("ProductVersion", Value::String("17.5.1".into())),
                    ("ProductType", Value::String("iPhone14,5".into())),
                    ("BuildVersion", Value::String("21F90".into())),
                    ("DeviceName", Value::String("Fixture iPhone".into())),
                ]),
            ),
        ]))
    }
}
