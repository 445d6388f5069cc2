//! `stingwatch phone` and `stingwatch iocs` end to end through the real executable, on sample
//! acquisitions the executable itself writes (`phone fixture`): planted indicators are found,
//! the benign twin is clean, every format renders, exit statuses follow `analyze`, MVT (the
//! oracle) finds nothing Stingwatch misses, and a scan makes no network request.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use stingwatch_phone_check::sample;
use stingwatch_phone_findings::{escape_html, TIMELINE_CSV_HEADER};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh folder under the system's temporary folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "stingwatch-phone-cli-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stingwatch<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_stingwatch"))
        .args(args)
        // Never the user's own downloaded indicators: tests name theirs.
        .env("STINGWATCH_IOCS_DIR", "/nonexistent/stingwatch-test-iocs")
        .output()
        .expect("run stingwatch")
}

fn status(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The three acquisition kinds `phone fixture` writes, and the command that checks each.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Androidqf,
    AndroidqfZip,
    Bugreport,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Androidqf, Kind::AndroidqfZip, Kind::Bugreport];

    fn fixture_arg(self) -> &'static str {
        match self {
            Kind::Androidqf => "androidqf",
            Kind::AndroidqfZip => "androidqf-zip",
            Kind::Bugreport => "bugreport",
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Kind::Androidqf => "aqf",
            Kind::AndroidqfZip => "aqf.zip",
            Kind::Bugreport => "bugreport.zip",
        }
    }

    fn check_command(self) -> &'static str {
        match self {
            Kind::Bugreport => "check-bugreport",
            _ => "check-androidqf",
        }
    }

    /// (STIX key, value) of every planted indicator this kind of acquisition holds: a bug
    /// report has no file listing (`files.json`) and no certificate hashes.
    fn expected(self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("app:id", sample::DEFAULT_APP.to_string()),
            ("app:id", sample::EXTRACTOR_APP.to_string()),
            ("domain-name:value", sample::C2_DOMAIN.to_string()),
            ("process:name", sample::IMPLANT_PROCESS.to_string()),
        ];
        if !matches!(self, Kind::Bugreport) {
            v.push(("app:cert.sha256", sample::disguised_cert_sha256()));
            v.push(("file:hashes.sha256", sample::payload_sha256()));
        }
        v
    }
}

/// A planted acquisition of `kind`, its benign twin and the sample indicators, written by
/// the executable.
struct Fixture {
    _dir: Scratch,
    planted: PathBuf,
    benign: PathBuf,
    iocs: PathBuf,
}

fn fixture(kind: Kind) -> Fixture {
    let dir = Scratch::new(kind.fixture_arg());
    let planted = dir.path(&format!("planted-{}", kind.file_name()));
    let benign = dir.path(&format!("benign-{}", kind.file_name()));
    let iocs = dir.path("sample.stix2");
    let o = stingwatch([
        "phone".as_ref(),
        "fixture".as_ref(),
        kind.fixture_arg().as_ref(),
        "--out".as_ref(),
        planted.as_os_str(),
        "--iocs-out".as_ref(),
        iocs.as_os_str(),
    ]);
    assert_eq!(status(&o), 0, "{}", text(&o.stderr));
    let o = stingwatch([
        "phone".as_ref(),
        "fixture".as_ref(),
        kind.fixture_arg().as_ref(),
        "--benign".as_ref(),
        "--out".as_ref(),
        benign.as_os_str(),
    ]);
    assert_eq!(status(&o), 0, "{}", text(&o.stderr));
    Fixture {
        _dir: dir,
        planted,
        benign,
        iocs,
    }
}

fn check(kind: Kind, path: &Path, iocs: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "phone".as_ref(),
        kind.check_command().as_ref(),
        path.as_os_str(),
        "--iocs".as_ref(),
        iocs.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    stingwatch(args)
}

fn json_report(kind: Kind, path: &Path, iocs: &Path) -> (i32, Value) {
    let o = check(kind, path, iocs, &["--format", "json"]);
    let report: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o.stderr)));
    (status(&o), report)
}

/// (STIX key, value) of every high-severity indicator match in a JSON report.
fn high_matches(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "high")
        .filter_map(|f| {
            let i = f.get("indicator")?;
            Some((
                i["kind"].as_str()?.to_string(),
                i["value"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The report's STIX key for a kind as JSON names it (`app-id` -> `app:id`).
fn stix_key(json_kind: &str) -> &str {
    match json_kind {
        "domain" => "domain-name:value",
        "url" => "url:value",
        "ipv4" => "ipv4-addr:value",
        "email" => "email-addr:value",
        "process-name" => "process:name",
        "file-name" => "file:name",
        "file-path" => "file:path",
        "file-md5" => "file:hashes.md5",
        "file-sha1" => "file:hashes.sha1",
        "file-sha256" => "file:hashes.sha256",
        "app-id" => "app:id",
        "app-cert-md5" => "app:cert.md5",
        "app-cert-sha1" => "app:cert.sha1",
        "app-cert-sha256" => "app:cert.sha256",
        "configuration-profile-id" => "configuration-profile:id",
        "android-property" => "android-property:name",
        other => other,
    }
}

fn high_match_keys(report: &Value) -> BTreeSet<(String, String)> {
    high_matches(report)
        .into_iter()
        .map(|(k, v)| (stix_key(&k).to_string(), v))
        .collect()
}

fn reaches_medium(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "high" || f["severity"] == "medium")
        .map(|f| f["title"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn planted_indicators_are_found_and_the_benign_twin_is_clean() {
    for kind in Kind::ALL {
        let f = fixture(kind);
        let (code, report) = json_report(kind, &f.planted, &f.iocs);
        assert_eq!(report["kind"], "phone");
        assert_eq!(code, 1, "{kind:?}: a high finding exits 1");
        let found = high_match_keys(&report);
        for (key, value) in kind.expected() {
            assert!(
                found.contains(&(key.to_string(), value.clone())),
                "{kind:?}: {key} {value} not found; found {found:?}"
            );
        }
        // The domain was published bare and found as the host of a URL in a log line,
        // with a subdomain and a port.
        let domain = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["indicator"]["value"] == sample::C2_DOMAIN)
            .expect("domain finding");
        let evidence = domain["evidence"].to_string();
        assert!(
            evidence.contains("cdn.sync.spy-c2.example:8443"),
            "{kind:?}: {evidence}"
        );

        let (code, report) = json_report(kind, &f.benign, &f.iocs);
        assert!(
            reaches_medium(&report).is_empty(),
            "{kind:?}: benign twin has findings: {:?}",
            reaches_medium(&report)
        );
        assert!(high_matches(&report).is_empty(), "{kind:?}");
        assert_eq!(code, 0, "{kind:?}: benign twin exits 0 at --fail-on medium");
        assert_eq!(report["summary"]["indicators"], 6);
    }
}

#[test]
fn a_custom_planted_app_is_what_is_found() {
    let dir = Scratch::new("custom-app");
    let out = dir.path("aqf");
    let iocs = dir.path("iocs.stix2");
    let app = "org.example.flashlight_pro";
    let o = stingwatch([
        "phone".as_ref(),
        "fixture".as_ref(),
        "androidqf".as_ref(),
        "--plant-app".as_ref(),
        app.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--iocs-out".as_ref(),
        iocs.as_os_str(),
    ]);
    assert_eq!(status(&o), 0, "{}", text(&o.stderr));
    let (_, report) = json_report(Kind::Androidqf, &out, &iocs);
    let found = high_match_keys(&report);
    assert!(
        found.contains(&("app:id".to_string(), app.to_string())),
        "{found:?}"
    );
    assert!(!found.iter().any(|(_, v)| v == sample::DEFAULT_APP));

    // A name that would break the generated files is refused, and nothing is written.
    let bad = dir.path("bad");
    let o = stingwatch([
        "phone".as_ref(),
        "fixture".as_ref(),
        "androidqf".as_ref(),
        "--plant-app".as_ref(),
        "evil app\n".as_ref(),
        "--out".as_ref(),
        bad.as_os_str(),
    ]);
    assert_eq!(status(&o), 2);
    assert!(
        text(&o.stderr).contains("--plant-app"),
        "{}",
        text(&o.stderr)
    );
    assert!(!bad.exists());

    // A folder already holding something is not written into.
    let o = stingwatch([
        "phone".as_ref(),
        "fixture".as_ref(),
        "androidqf".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(status(&o), 2);
    assert!(text(&o.stderr).contains("not empty"), "{}", text(&o.stderr));
}

#[test]
fn every_format_renders() {
    let f = fixture(Kind::Androidqf);
    let (_, json) = json_report(Kind::Androidqf, &f.planted, &f.iocs);
    let verdict = json["summary"]["verdict"]
        .as_str()
        .expect("verdict")
        .to_string();
    assert!(verdict.contains("Traces of known spyware"), "{verdict}");

    let o = check(Kind::Androidqf, &f.planted, &f.iocs, &["--format", "text"]);
    assert_eq!(status(&o), 1);
    let out = text(&o.stdout);
    assert!(out.contains(&verdict), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour when not a terminal");

    let o = check(
        Kind::Androidqf,
        &f.planted,
        &f.iocs,
        &["--format", "ndjson"],
    );
    assert_eq!(status(&o), 1);
    let lines: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let findings = json["findings"].as_array().map_or(0, Vec::len);
    assert_eq!(lines.len(), findings + 1);
    assert!(lines[..findings].iter().all(|l| l["record"] == "finding"));
    assert_eq!(lines[findings]["record"], "summary");
    assert_eq!(lines[findings]["kind"], "phone");

    let o = check(Kind::Androidqf, &f.planted, &f.iocs, &["--format", "html"]);
    assert_eq!(status(&o), 1);
    let html = text(&o.stdout);
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    assert!(html.contains(&escape_html(&verdict)), "verdict in the page");

    let o = check(Kind::Androidqf, &f.planted, &f.iocs, &["--format", "csv"]);
    assert_eq!(status(&o), 1);
    let csv = text(&o.stdout);
    assert_eq!(csv.lines().next(), Some(TIMELINE_CSV_HEADER));
    assert!(csv.contains(sample::DEFAULT_APP));

    // -o writes the report to the file, and nothing to standard output.
    let dir = Scratch::new("out");
    let file = dir.path("report.json");
    let o = check(
        Kind::Androidqf,
        &f.planted,
        &f.iocs,
        &["--format", "json", "-o", file.to_str().expect("utf-8")],
    );
    assert_eq!(status(&o), 1);
    assert!(o.stdout.is_empty());
    let written: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("report file")).expect("JSON");
    assert_eq!(written["findings"], json["findings"]);
}

#[test]
fn exit_status_follows_fail_on() {
    let f = fixture(Kind::Bugreport);
    for (fail_on, planted, benign) in [("high", 1, 0), ("medium", 1, 0), ("low", 1, 0)] {
        let o = check(
            Kind::Bugreport,
            &f.planted,
            &f.iocs,
            &["--fail-on", fail_on],
        );
        assert_eq!(status(&o), planted, "planted at {fail_on}");
        let o = check(Kind::Bugreport, &f.benign, &f.iocs, &["--fail-on", fail_on]);
        assert_eq!(
            status(&o),
            benign,
            "benign at {fail_on}: {}",
            text(&o.stdout)
        );
    }
    // Without indicators a scan still runs, says so, and finds no indicator match.
    let o = stingwatch([
        "phone".as_ref(),
        "check-bugreport".as_ref(),
        f.planted.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert!(
        text(&o.stderr).contains("no indicators loaded"),
        "{}",
        text(&o.stderr)
    );
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(high_matches(&report).is_empty());
    assert_eq!(report["summary"]["indicators"], 0);
}

fn assert_unreadable(o: &Output, names: &Path) {
    assert_eq!(status(o), 2, "stderr: {}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "no report: {}", text(&o.stdout));
    let stderr = text(&o.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("stingwatch: ") && !l.contains("note:"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    assert!(
        errors[0].contains(&names.display().to_string()) && errors[0].contains("cannot"),
        "{stderr}"
    );
}

#[test]
fn unreadable_input_exits_2_with_a_clear_message() {
    let f = fixture(Kind::Bugreport);
    let dir = Scratch::new("unreadable");
    let missing = dir.path("no-such-acquisition.zip");
    let garbage = dir.path("garbage.zip");
    std::fs::write(&garbage, b"PK\x03\x04 not really a zip\n".repeat(64)).expect("write");
    for kind in [Kind::Androidqf, Kind::Bugreport] {
        assert_unreadable(&check(kind, &missing, &f.iocs, &[]), &missing);
        assert_unreadable(&check(kind, &garbage, &f.iocs, &[]), &garbage);
    }
    // A bug report is not an androidqf acquisition.
    assert_unreadable(
        &check(Kind::Androidqf, &f.planted, &f.iocs, &[]),
        &f.planted,
    );
    // Indicators asked for but none usable: not a clean scan against nothing.
    let missing_iocs = dir.path("no-such-indicators.stix2");
    assert_unreadable(
        &check(Kind::Bugreport, &f.planted, &missing_iocs, &[]),
        &missing_iocs,
    );
    // One usable file of two: the scan runs, and the other is warned about.
    let o = stingwatch([
        "phone".as_ref(),
        "check-bugreport".as_ref(),
        f.planted.as_os_str(),
        "--iocs".as_ref(),
        f.iocs.as_os_str(),
        "--iocs".as_ref(),
        missing_iocs.as_os_str(),
    ]);
    assert_eq!(status(&o), 1);
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains(&missing_iocs.display().to_string()),
        "{stderr}"
    );
}

#[test]
fn iocs_list_shows_collections_counts_and_problems() {
    let f = fixture(Kind::Bugreport);
    let o = stingwatch([
        "iocs".as_ref(),
        "list".as_ref(),
        "--iocs".as_ref(),
        f.iocs.as_os_str(),
    ]);
    assert_eq!(status(&o), 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains(sample::SAMPLE_COLLECTION), "{out}");
    assert!(
        out.contains("app:id") && out.contains("domain-name:value"),
        "{out}"
    );
    assert!(out.contains(&f.iocs.display().to_string()), "{out}");

    let dir = Scratch::new("iocs-list");
    let bad = dir.path("broken.stix2");
    std::fs::write(
        &bad,
        b"{\"type\": \"bundle\", \"objects\": [{\"type\": \"indicator\"",
    )
    .expect("write");
    let o = stingwatch([
        "iocs".as_ref(),
        "list".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--iocs".as_ref(),
        f.iocs.as_os_str(),
        "--iocs".as_ref(),
        bad.as_os_str(),
    ]);
    assert_eq!(status(&o), 0);
    let listing: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(listing["collections"][0]["name"], sample::SAMPLE_COLLECTION);
    assert_eq!(listing["collections"][0]["total"], 6);
    assert_eq!(listing["collections"][0]["counts"]["app-id"], 2);
    assert!(listing["diagnostics"]
        .as_array()
        .is_some_and(|d| d.iter().any(|d| d["source"] == bad.display().to_string())));

    // Only unreadable files named: nothing to list, exit 2.
    let o = stingwatch([
        "iocs".as_ref(),
        "list".as_ref(),
        "--iocs".as_ref(),
        bad.as_os_str(),
    ]);
    assert_eq!(status(&o), 2);
}

#[test]
fn reports_of_real_scans_match_the_published_schema() {
    if !stingwatch_testsupport::have_python_module("jsonschema") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = Scratch::new("schema");
    let mut files = Vec::new();
    for kind in Kind::ALL {
        let f = fixture(kind);
        for (name, target, with_iocs) in [
            ("planted", &f.planted, true),
            ("benign", &f.benign, true),
            ("no-iocs", &f.planted, false),
        ] {
            let file = dir.path(&format!("{}-{name}.json", kind.fixture_arg()));
            let mut args: Vec<&std::ffi::OsStr> = vec![
                "phone".as_ref(),
                kind.check_command().as_ref(),
                target.as_os_str(),
                "--format".as_ref(),
                "json".as_ref(),
                "-o".as_ref(),
                file.as_os_str(),
            ];
            if with_iocs {
                args.extend(["--iocs".as_ref(), f.iocs.as_os_str()]);
            }
            let o = stingwatch(args);
            assert!(status(&o) < 2, "{}", text(&o.stderr));
            files.push(file);
        }
    }
    let o = Command::new("python3")
        .arg(root.join("crates/stingwatch/tests/validate_report.py"))
        .arg(root.join("docs/phone-report.schema.json"))
        .args(&files)
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "reports do not match docs/phone-report.schema.json:\n{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

// --- MVT as the oracle -------------------------------------------------------------------

fn mvt_available() -> bool {
    // `mvt-android` has no `--version`; its help answers when it is installed.
    stingwatch_testsupport::have_tool_answering("mvt-android", "--help")
}

/// Runs MVT offline on `target` and returns its alerts (`alerts.json`, empty when it wrote
/// none).
fn mvt_alerts(command: &str, iocs: &Path, target: &Path, out: &Path) -> Vec<Value> {
    std::fs::create_dir_all(out).expect("MVT output folder");
    let o = Command::new("mvt-android")
        .args(["--disable-update-check", "--disable-indicator-update-check"])
        .arg(command)
        .arg("--iocs")
        .arg(iocs)
        .arg("--output")
        .arg(out)
        .arg(target)
        // MVT's own settings and downloaded indicators stay out of it, and it stays offline.
        .env("MVT_DATA_FOLDER", out.join("mvt-data"))
        .env("MVT_CONFIG_FOLDER", out.join("mvt-config"))
        .env("MVT_NETWORK_ACCESS_ALLOWED", "false")
        .output()
        .expect("mvt-android runs");
    let log = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "mvt-android {command} failed:\n{log}");
    assert!(!log.contains("Traceback"), "{log}");
    match std::fs::read(out.join("alerts.json")) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(Value::Array(a)) => a,
            other => panic!("alerts.json: {other:?}"),
        },
        Err(_) => Vec::new(),
    }
}

#[test]
fn every_mvt_alert_has_a_matching_stingwatch_finding() {
    if !mvt_available() {
        return;
    }
    for kind in Kind::ALL {
        let f = fixture(kind);
        let out = Scratch::new("mvt-out");
        let alerts = mvt_alerts(
            kind.check_command(),
            &f.iocs,
            &f.planted,
            &out.path("planted"),
        );
        let (_, report) = json_report(kind, &f.planted, &f.iocs);
        let ours = high_match_keys(&report);
        let our_values: BTreeSet<&str> = ours.iter().map(|(_, v)| v.as_str()).collect();
        let mut theirs = BTreeSet::new();
        for alert in &alerts {
            let message = alert["message"].as_str().unwrap_or("");
            let Some(value) = alert["matched_indicator"]["value"].as_str() else {
                // A warning sign raised without an indicator (e.g. an app installed from
                // outside a store) names its app in quotes: some Stingwatch finding must be
                // about the same app.
                let named = message.split('"').nth(1).unwrap_or("");
                assert!(
                    !named.is_empty(),
                    "{kind:?}: unexpected MVT alert {alert:#}"
                );
                let about_it = report["findings"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|f| f["title"].as_str().is_some_and(|t| t.contains(named)));
                assert!(
                    about_it,
                    "{kind:?}: MVT alert {message:?} has no Stingwatch finding about {named}"
                );
                continue;
            };
            theirs.insert(value.to_string());
            assert!(
                our_values.contains(value),
                "{kind:?}: MVT alert on {value} ({message}) has no Stingwatch finding; \
                 ours: {ours:?}"
            );
        }
        assert!(
            theirs.contains(sample::DEFAULT_APP),
            "{kind:?}: the oracle must see the planted app, or it proves nothing: {alerts:#?}"
        );
        // Stingwatch finds more: the server domain appears only as the host of a URL in a log
        // line, with a subdomain and a port (`https://cdn.sync.spy-c2.example:8443/...`).
        // MVT reads no logs of an androidqf acquisition or a bug report, and matches domains
        // only in the URLs of messages and browsing history.
        assert!(!theirs.contains(sample::C2_DOMAIN), "{kind:?}");
        assert!(our_values.contains(sample::C2_DOMAIN), "{kind:?}");
        // The extraction agent was installed and removed: an androidqf acquisition lists it
        // only in `dumpsys.txt` (package manager's removed packages, battery history). MVT's
        // androidqf checks read installed packages from `packages.json` alone; in a bug report
        // both see it.
        assert!(our_values.contains(sample::EXTRACTOR_APP), "{kind:?}");
        if !matches!(kind, Kind::Bugreport) {
            assert!(!theirs.contains(sample::EXTRACTOR_APP), "{kind:?}");
        }

        // The benign twin: neither raises an indicator alert.
        let alerts = mvt_alerts(
            kind.check_command(),
            &f.iocs,
            &f.benign,
            &out.path("benign"),
        );
        let matched: Vec<&Value> = alerts
            .iter()
            .filter(|a| !a["matched_indicator"].is_null())
            .collect();
        assert!(matched.is_empty(), "{kind:?}: {matched:#?}");
        let (_, report) = json_report(kind, &f.benign, &f.iocs);
        assert!(high_matches(&report).is_empty());
    }
}

// --- No network during a scan ------------------------------------------------------------

fn have_strace() -> bool {
    stingwatch_testsupport::have_tool_answering("strace", "-V")
}

/// Runs stingwatch with `args` under `strace -f -e trace=network` and returns the trace's
/// lines that open an internet socket or connect to an internet address.
fn internet_calls(args: &[&std::ffi::OsStr], trace: &Path) -> Vec<String> {
    let o = Command::new("strace")
        .args(["-f", "-e", "trace=network", "-o"])
        .arg(trace)
        .arg(env!("CARGO_BIN_EXE_stingwatch"))
        .args(args)
        .env("STINGWATCH_IOCS_DIR", "/nonexistent/stingwatch-test-iocs")
        .output()
        .expect("strace runs");
    let log = std::fs::read_to_string(trace)
        .unwrap_or_else(|e| panic!("no trace ({e}): {}", text(&o.stderr)));
    assert!(
        log.contains("+++ exited with"),
        "strace traced the run: {log}"
    );
    log.lines()
        .filter(|l| {
            l.contains("socket(AF_INET")
                || (l.contains("connect(") && (l.contains("sin_addr") || l.contains("sin6_addr")))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn a_scan_makes_no_network_request() {
    if !have_strace() {
        return;
    }
    let dir = Scratch::new("strace");
    for kind in Kind::ALL {
        let f = fixture(kind);
        for format in ["json", "html"] {
            let calls = internet_calls(
                &[
                    "phone".as_ref(),
                    kind.check_command().as_ref(),
                    f.planted.as_os_str(),
                    "--iocs".as_ref(),
                    f.iocs.as_os_str(),
                    "--format".as_ref(),
                    format.as_ref(),
                    "-o".as_ref(),
                    dir.path("report").as_os_str(),
                ],
                &dir.path("trace.txt"),
            );
            assert!(calls.is_empty(), "{kind:?} {format}: {calls:#?}");
        }
    }
    // An iPhone backup, plain (an encrypted one reads the same files once unlocked).
    let backup = dir.path("iphone");
    let iocs = dir.path("iphone.stix2");
    ios_fixture(&backup, Some(&iocs), false, None);
    let calls = internet_calls(
        &[
            "phone".as_ref(),
            "check-backup".as_ref(),
            backup.as_os_str(),
            "--iocs".as_ref(),
            iocs.as_os_str(),
            "--format".as_ref(),
            "html".as_ref(),
            "-o".as_ref(),
            dir.path("report").as_os_str(),
        ],
        &dir.path("trace-ios.txt"),
    );
    assert!(calls.is_empty(), "iPhone backup: {calls:#?}");
    // The same check sees a connection when there is one: `iocs update` to a local port
    // nothing listens on (refused at once, nothing leaves the machine).
    let calls = internet_calls(
        &[
            "iocs".as_ref(),
            "update".as_ref(),
            "http://127.0.0.1:9/indicators.stix2".as_ref(),
            "--dir".as_ref(),
            dir.path("iocs").as_os_str(),
        ],
        &dir.path("trace-update.txt"),
    );
    assert!(
        calls.iter().any(|l| l.contains("127.0.0.1")),
        "the trace check must see a real connection: {calls:#?}"
    );
}

/// `stingwatch` with the backup password in the environment, or none at all (never the
/// caller's own).
fn stingwatch_with_password<I, S>(args: I, password: Option<&str>) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stingwatch"));
    cmd.args(args)
        .env("STINGWATCH_IOCS_DIR", "/nonexistent/stingwatch-test-iocs")
        .env_remove("STINGWATCH_BACKUP_PASSWORD")
        .stdin(std::process::Stdio::null());
    if let Some(p) = password {
        cmd.env("STINGWATCH_BACKUP_PASSWORD", p);
    }
    cmd.output().expect("run stingwatch")
}

fn ios_fixture(out: &Path, iocs: Option<&Path>, benign: bool, password: Option<&str>) {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "phone".as_ref(),
        "fixture".as_ref(),
        "ios-backup".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    if let Some(i) = iocs {
        args.push("--iocs-out".as_ref());
        args.push(i.as_os_str());
    }
    if benign {
        args.push("--benign".as_ref());
    }
    let o = stingwatch_with_password(args, password);
    assert_eq!(status(&o), 0, "{}", text(&o.stderr));
}

fn check_backup_json(backup: &Path, iocs: &Path, password: Option<&str>) -> (i32, Value, String) {
    let o = stingwatch_with_password(
        [
            "phone".as_ref(),
            "check-backup".as_ref(),
            backup.as_os_str(),
            "--iocs".as_ref(),
            iocs.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ],
        password,
    );
    let report = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (status(&o), report, text(&o.stderr))
}

/// Findings without what differs between two scans of the same phone (the path and the
/// acquisition's encryption flag live outside `findings`).
fn findings_of(report: &Value) -> Value {
    report["findings"].clone()
}

#[test]
fn iphone_backups_plain_and_encrypted_give_the_same_findings() {
    let dir = Scratch::new("ios");
    let iocs = dir.path("sample.stix2");
    let plain = dir.path("plain");
    let encrypted = dir.path("encrypted");
    let benign = dir.path("benign");
    ios_fixture(&plain, Some(&iocs), false, None);
    ios_fixture(&encrypted, None, false, Some("correct horse"));
    ios_fixture(&benign, None, true, None);

    let (code, report, err) = check_backup_json(&plain, &iocs, None);
    assert_eq!(code, 1, "{err}");
    assert_eq!(report["acquisition"]["encrypted"], false);
    let found = high_match_keys(&report);
    for (kind, value) in sample::ios::indicators() {
        assert!(
            found.contains(&(kind.stix_key().to_string(), value.clone())),
            "{value} not found: {found:?}"
        );
    }

    let (code, twin, err) = check_backup_json(&encrypted, &iocs, Some("correct horse"));
    assert_eq!(code, 1, "{err}");
    assert_eq!(twin["acquisition"]["encrypted"], true);
    assert_eq!(findings_of(&twin), findings_of(&report));

    // A wrong password, and none at all without a terminal: exit 2, said plainly.
    let (code, _, err) = check_backup_json(&encrypted, &iocs, Some("wrong"));
    assert_eq!(code, 2);
    assert!(err.contains("wrong password"), "{err}");
    let (code, _, err) = check_backup_json(&encrypted, &iocs, None);
    assert_eq!(code, 2);
    assert!(err.contains("encrypted"), "{err}");

    let (code, clean, err) = check_backup_json(&benign, &iocs, None);
    assert_eq!(code, 0, "{err}");
    assert!(
        reaches_medium(&clean).is_empty(),
        "{:?}",
        reaches_medium(&clean)
    );
}

#[test]
fn decrypt_backup_writes_a_plain_copy_that_checks_the_same() {
    let dir = Scratch::new("ios-decrypt");
    let iocs = dir.path("sample.stix2");
    let encrypted = dir.path("encrypted");
    let copy = dir.path("copy");
    ios_fixture(&encrypted, Some(&iocs), false, Some("pw"));
    let o = stingwatch_with_password(
        [
            "phone".as_ref(),
            "decrypt-backup".as_ref(),
            encrypted.as_os_str(),
            "-o".as_ref(),
            copy.as_os_str(),
        ],
        Some("pw"),
    );
    assert_eq!(status(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("in clear"), "{}", text(&o.stderr));
    let (_, from_encrypted, _) = check_backup_json(&encrypted, &iocs, Some("pw"));
    let (code, from_copy, err) = check_backup_json(&copy, &iocs, None);
    assert_eq!(code, 1, "{err}");
    assert_eq!(from_copy["acquisition"]["encrypted"], false);
    assert_eq!(findings_of(&from_copy), findings_of(&from_encrypted));
    // A second copy into the same, now full, folder is refused.
    let o = stingwatch_with_password(
        [
            "phone".as_ref(),
            "decrypt-backup".as_ref(),
            encrypted.as_os_str(),
            "-o".as_ref(),
            copy.as_os_str(),
        ],
        Some("pw"),
    );
    assert_eq!(status(&o), 2, "{}", text(&o.stderr));
}
