//! `update` against an HTTP server the test runs on the loopback address: a bundle, an index
//! of sets, and downloads that must not replace a good file.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stingwatch_iocs::fixtures::bundle_json;
use stingwatch_iocs::update::{local_file_name, update, UpdateError};
use stingwatch_iocs::{IocSet, Observable, ObservableKind as K};

type Routes = Arc<Mutex<HashMap<String, (u16, Vec<u8>)>>>;

/// Serves `routes` on 127.0.0.1 until `MAX_CONNECTIONS` requests or 60 s have passed.
fn serve(routes: Routes) -> String {
    const MAX_CONNECTIONS: usize = 64;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut served = 0;
        while served < MAX_CONNECTIONS && Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            served += 1;
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = routes
                .lock()
                .unwrap()
                .get(&path)
                .cloned()
                .unwrap_or((404, b"not found".to_vec()));
            let mut stream = reader.into_inner();
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("stingwatch-iocs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn files_in(dir: &PathBuf) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_bundle_and_an_index_land_and_parse() {
    let routes: Routes = Arc::default();
    let base = serve(routes.clone());
    let spy = bundle_json(&[
        ("Spy", K::Domain, "spy.example"),
        ("Spy", K::AppId, "com.spy"),
    ]);
    let other = bundle_json(&[("Other", K::ProcessName, "otherd")]);
    let index = format!(
        "indicators:\n  - type: download\n    name: Spy set\n    download_url: {base}/sets/spy.stix2\n\
         \x20 - name: Other set\n    download_url: {base}/other.json\n\
         \x20 - name: Gone\n    download_url: {base}/gone.stix2\n\
         \x20 - name: Not STIX\n    download_url: {base}/page.html\n"
    );
    {
        let mut r = routes.lock().unwrap();
        r.insert("/sets/spy.stix2".into(), (200, spy.into_bytes()));
        r.insert("/other.json".into(), (200, other.into_bytes()));
        r.insert("/page.html".into(), (200, b"<html>moved</html>".to_vec()));
        r.insert("/index.yaml".into(), (200, index.into_bytes()));
    }
    let dir = TempDir::new("update-index");

    let report = update(&format!("{base}/index.yaml"), &dir.0).unwrap();
    let written: Vec<(&str, usize)> = report
        .written
        .iter()
        .map(|w| (w.name.as_str(), w.indicators))
        .collect();
    assert_eq!(written, [("Spy set", 2), ("Other set", 1)]);
    assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
    assert!(report.failures[0].message.contains("Gone"));
    assert!(report.failures[1].message.contains("Not STIX"));
    assert_eq!(
        files_in(&dir.0),
        [
            local_file_name(&format!("{base}/other.json")),
            local_file_name(&format!("{base}/sets/spy.stix2")),
        ]
    );
    let set = IocSet::from_paths(&[&dir.0]);
    assert!(set.diagnostics().is_empty(), "{:?}", set.diagnostics());
    assert_eq!(set.len(), 3);
    assert_eq!(
        set.matches(&Observable::new(K::Domain, "cdn.spy.example"))
            .len(),
        1
    );
}

#[test]
fn a_bad_download_never_replaces_a_good_file() {
    let routes: Routes = Arc::default();
    let base = serve(routes.clone());
    let url = format!("{base}/spy.stix2");
    let good = bundle_json(&[("Spy", K::Domain, "spy.example")]);
    routes
        .lock()
        .unwrap()
        .insert("/spy.stix2".into(), (200, good.clone().into_bytes()));
    let dir = TempDir::new("update-bad");
    let report = update(&url, &dir.0).unwrap();
    assert_eq!(report.written.len(), 1);
    let path = report.written[0].path.clone();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), good);

    let bad_bodies: [(u16, &[u8]); 4] = [
        (200, b"<html>captive portal</html>"),
        (
            200,
            br#"{"type": "bundle", "objects": [{"type": "indicator", "#,
        ),
        (200, br#"{"type": "bundle", "objects": []}"#),
        (500, b"server error"),
    ];
    for (status, body) in bad_bodies {
        routes
            .lock()
            .unwrap()
            .insert("/spy.stix2".into(), (status, body.to_vec()));
        let err = update(&url, &dir.0).unwrap_err();
        match (&err, status) {
            (UpdateError::Download { .. }, 500) | (UpdateError::NotIndicators { .. }, 200) => {}
            _ => panic!("{status}: {err}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), good, "{err}");
        // No temporary file is left behind either.
        assert_eq!(files_in(&dir.0).len(), 1, "{err}");
    }
}

#[test]
fn an_unreachable_url_is_an_error_value() {
    // A port nothing listens on (bound, then closed).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = TempDir::new("update-unreachable");
    let err = update(&format!("http://127.0.0.1:{port}/x.stix2"), &dir.0).unwrap_err();
    assert!(matches!(err, UpdateError::Download { .. }), "{err}");
}
