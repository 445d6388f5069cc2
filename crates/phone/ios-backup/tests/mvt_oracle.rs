//! MVT as the oracle of the backup format: it must decrypt a backup this crate wrote into
//! exactly the plain twin's files, must refuse the wrong password, and must read the plain
//! twin's manifest, device details and apps as this crate's reader does.
//!
//! Uses MVT's Python API (`mvt.ios.decrypt.DecryptBackup`) rather than its command line, whose
//! start-up may look for updates over the network. Skipped with a printed reason when MVT is
//! not installed, except under CI, where that fails.

mod common;

use common::{sample_files, write_sample, PASSWORD};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use stingwatch_ios_backup::file_id;

const READ_PLAIN: &str = r#"
import json, logging, sys
logging.disable(logging.CRITICAL)
from mvt.ios.modules.backup.manifest import Manifest
from mvt.ios.modules.backup.backup_info import BackupInfo
from mvt.ios.modules.mixed.applications import Applications
log = logging.getLogger("oracle")
m = Manifest(target_path=sys.argv[1], log=log); m.run()
b = BackupInfo(target_path=sys.argv[1], log=log); b.run()
a = Applications(target_path=sys.argv[1], log=log); a.is_backup = True; a.run()
print(json.dumps({
    "manifest": [[r["domain"], r["relative_path"], r["flags"], r.get("size"), r.get("modified")] for r in m.results],
    "device": [b.results.get("Device Name"), b.results.get("Product Version"), b.results.get("Product Type")],
    "apps": [[r.get("softwareVersionBundleId"), r.get("sourceApp")] for r in a.results],
}))
"#;

const DECRYPT: &str = r#"
import logging, sys
from mvt.ios.decrypt import DecryptBackup
logging.disable(logging.CRITICAL)
src, dst, password = sys.argv[1], sys.argv[2], sys.stdin.read()
d = DecryptBackup(src, dst)
d.decrypt_with_password(password)
if not d.can_process():
    print("REFUSED")
    sys.exit(3)
d.process_backup()
print("DECRYPTED")
"#;

fn have_mvt() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import mvt.ios.decrypt"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if stingwatch_testsupport::in_ci() {
            panic!("CI=true but MVT is not importable (python3 -m pip install mvt); .ci/run must install it");
        }
        eprintln!("SKIP: MVT (python package mvt) not installed; oracle test skipped");
    }
    ok
}

/// Runs MVT's decryption; the password goes through standard input, not the command line.
fn mvt_decrypt(src: &Path, dst: &Path, password: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", DECRYPT])
        .arg(src)
        .arg(dst)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && text.contains("DECRYPTED"), text)
}

fn rows(db: &Path) -> BTreeMap<String, (String, String, i64)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT fileID, domain, relativePath, flags FROM Files")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows
}

#[test]
fn mvt_decrypts_our_encrypted_backup_into_the_plain_twin() {
    if !have_mvt() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (enc, plain, out) = (
        tmp.path().join("enc"),
        tmp.path().join("plain"),
        tmp.path().join("out"),
    );
    write_sample(&enc, Some(PASSWORD));
    write_sample(&plain, None);
    let (ok, log) = mvt_decrypt(&enc, &out, PASSWORD);
    assert!(ok, "MVT did not decrypt the backup:\n{log}");

    // The manifest lists the same rows as the plain twin's.
    let decrypted_rows = rows(&out.join("Manifest.db"));
    assert_eq!(decrypted_rows, rows(&plain.join("Manifest.db")));
    assert!(decrypted_rows.len() > sample_files().len());

    // Every content file is byte for byte the plain twin's, and the original content.
    let mut compared = 0;
    for (domain, path, content, _) in sample_files() {
        let id = file_id(domain, path);
        let theirs = std::fs::read(out.join(&id[..2]).join(&id));
        let twin = std::fs::read(plain.join(&id[..2]).join(&id)).unwrap();
        assert_eq!(twin, content);
        assert_eq!(
            theirs.unwrap_or_else(|e| panic!("{domain}/{path}: {e}\n{log}")),
            twin,
            "{domain}/{path}"
        );
        compared += 1;
    }
    assert_eq!(compared, sample_files().len());
}

#[test]
fn mvt_refuses_the_wrong_password_for_our_backup() {
    if !have_mvt() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (enc, out) = (tmp.path().join("enc"), tmp.path().join("out"));
    write_sample(&enc, Some(PASSWORD));
    let (ok, log) = mvt_decrypt(&enc, &out, "not the password");
    assert!(!ok, "MVT accepted a wrong password:\n{log}");
    assert!(log.contains("REFUSED"), "{log}");
    assert!(!out.join("Manifest.db").exists());
}

#[test]
fn mvt_reads_our_plain_backup_as_we_do() {
    if !have_mvt() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    write_sample(tmp.path(), None);
    let out = Command::new("python3")
        .args(["-c", READ_PLAIN])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let backup = stingwatch_ios_backup::Backup::open(tmp.path(), None).unwrap();
    let ours: Vec<serde_json::Value> = backup
        .entries()
        .map(|e| {
            // MVT prints modification times as naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`.
            let modified = e.mtime.map(|m| {
                let iso = m.iso8601();
                format!("{} {}.000000", &iso[..10], &iso[11..19])
            });
            serde_json::json!([e.domain, e.relative_path, e.kind.flags(), e.size, modified])
        })
        .collect();
    assert_eq!(theirs["manifest"], serde_json::Value::Array(ours));

    let info = backup.info();
    assert_eq!(
        theirs["device"],
        serde_json::json!([info.device_name, info.ios_version, info.product_type])
    );
    let apps: Vec<_> = info
        .installed_apps
        .iter()
        .map(|a| serde_json::json!([a.bundle_id, a.source_app]))
        .collect();
    assert_eq!(theirs["apps"], serde_json::Value::Array(apps));
}
