//! A throw-away PostgreSQL server for tests: Debian's `initdb` into a temporary directory,
//! `pg_ctl start` on a free loopback port, stopped and deleted on drop.
//!
//! PostgreSQL refuses to run as root, and tests often do (CI containers); then the data
//! directory is given to the `postgres` user and every server command runs through
//! `runuser -u postgres`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::in_ci;

/// A running PostgreSQL server that lives as long as this value.
pub struct TempPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Directory of Debian's PostgreSQL server programs (the newest installed version), or the
/// one on PATH.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, b)) = versions.pop() {
        return Some(b);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    dir.join("initdb").is_file().then_some(dir)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

impl TempPostgres {
    /// Start a server, or `None` with a printed reason when PostgreSQL is not installed.
    /// Panics when `CI=true` and PostgreSQL is missing (`.ci/run` installs it), or when an
    /// installed server fails to start.
    pub fn start() -> Option<TempPostgres> {
        let Some(bin) = bin_dir() else {
            if in_ci() {
                panic!("CI=true but PostgreSQL (initdb) is not installed; .ci/run must apt-get install postgresql");
            }
            eprintln!(
                "SKIP: PostgreSQL is not installed (apt-get install postgresql); test skipped"
            );
            return None;
        };
        let as_postgres = is_root();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("stingwatch-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create PostgreSQL temp dir");
        if as_postgres {
            let ok = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "cannot give {} to the postgres user", dir.display());
        }
        let mut pg = TempPostgres {
            dir,
            bin,
            port: 0,
            as_postgres,
        };
        let data = pg.dir.join("data");
        let out = pg.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-sync".as_ref(),
            ],
        );
        assert!(out.status.success(), "initdb failed: {}", describe(&out));
        // A port taken between the probe and the start is retried on another.
        for _ in 0..5 {
            pg.port = free_port();
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 \
                 -c fsync=off -c full_page_writes=off",
                pg.port,
                pg.dir.display()
            );
            let log = pg.dir.join("log");
            let out = pg.run(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-o".as_ref(),
                    opts.as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "start".as_ref(),
                ],
            );
            if out.status.success() {
                return Some(pg);
            }
            eprintln!(
                "pg_ctl start on port {} failed: {}\n{}",
                pg.port,
                describe(&out),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start");
    }

    /// Connection URL of the server's `postgres` database (trust authentication).
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Connection URL of another database, created on first use.
    pub fn database_url(&self, name: &str) -> String {
        let out = self.psql(&format!("CREATE DATABASE \"{name}\""));
        // Already existing is fine; anything else shows in the test that uses it.
        let _ = out;
        format!("postgresql://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Run one SQL command with `psql` (the oracle for what is stored), returning its
    /// unaligned, tuples-only output.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_in("postgres", sql)
    }

    /// [`TempPostgres::psql`] in database `db`.
    pub fn psql_in(&self, db: &str, sql: &str) -> String {
        let port = self.port.to_string();
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &port, "-d", db, "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql {sql:?}: {}", describe(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The server's data and socket directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
    }
}

fn describe(out: &Output) -> String {
    format!(
        "{}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "stop".as_ref(),
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
