//! Writes realistic Android acquisitions from a [`Plan`]: androidqf folders and zips, and
//! bugreport zips, in the layouts and text formats the phone itself produces. Tests plant
//! indicators (a package, a process, a property, a file) into [`Plan::benign`] and compare
//! against the benign twin.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use serde_json::json;
use stingwatch_phone_model::UnixMillis;

/// One app on the planned phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagePlan {
    /// Package name, e.g. `com.example.app`.
    pub name: String,
    /// Installer package, `None` when unrecorded.
    pub installer: Option<String>,
    /// Part of the system image.
    pub system: bool,
    /// Disabled by the user.
    pub disabled: bool,
    /// Still installed; `false` writes it to dumpsys as removed with its data kept (and leaves
    /// it out of `packages.json`, which lists installed apps only).
    pub installed: bool,
    /// SHA-256 of its base APK, lower-case hex.
    pub apk_sha256: String,
    /// MD5, SHA-1 and SHA-256 of its signing certificate, lower-case hex.
    pub cert: [String; 3],
    /// Permissions granted to it.
    pub granted: Vec<String>,
    /// First install, device wall clock `YYYY-MM-DD HH:MM:SS`.
    pub first_install: String,
}

/// Deterministic hex of `len` digits derived from `seed`, so each planned app has its own
/// stable hashes.
pub fn fake_hex(seed: &str, len: usize) -> String {
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        state = (state ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::with_capacity(len);
    while out.len() < len {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let _ = write!(out, "{:016x}", state);
    }
    out.truncate(len);
    out
}

impl PackagePlan {
    /// A user app from `installer` (`None`: no installer recorded).
    pub fn user(name: &str, installer: Option<&str>) -> PackagePlan {
        PackagePlan {
            name: name.to_string(),
            installer: installer.map(str::to_string),
            system: false,
            disabled: false,
            installed: true,
            apk_sha256: fake_hex(&format!("apk {name}"), 64),
            cert: [
                fake_hex(&format!("md5 {name}"), 32),
                fake_hex(&format!("sha1 {name}"), 40),
                fake_hex(&format!("sha256 {name}"), 64),
            ],
            granted: Vec::new(),
            first_install: "2026-10-02 12:30:00".to_string(),
        }
    }

    /// A system app.
    pub fn system(name: &str) -> PackagePlan {
        PackagePlan {
            system: true,
            installer: None,
            first_install: "2009-01-01 00:00:00".to_string(),
            ..PackagePlan::user(name, None)
        }
    }

    fn code_path(&self) -> String {
        if self.system {
            format!("/system/priv-app/{}", self.name)
        } else {
            format!(
                "/data/app/~~{}==/{}-{}==",
                self.apk_sha256.get(..8).unwrap_or(""),
                self.name,
                self.apk_sha256.get(8..16).unwrap_or("")
            )
        }
    }
}

/// One running process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessPlan {
    /// Owner, e.g. `root`, `u0_a123`.
    pub user: String,
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Name as `ps` shows it (a path, a package name, or `[kthread]`).
    pub name: String,
}

impl ProcessPlan {
    /// A process.
    pub fn new(user: &str, pid: u32, ppid: u32, name: &str) -> ProcessPlan {
        ProcessPlan {
            user: user.into(),
            pid,
            ppid,
            name: name.into(),
        }
    }
}

/// One file found on the phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    /// Full path.
    pub path: String,
    /// `ls`-style mode, e.g. `-rwxr-xr-x`.
    pub mode: String,
    /// SHA-256 of its content, lower-case hex.
    pub sha256: String,
    /// Modification time, seconds since 1970.
    pub modified: i64,
}

impl FilePlan {
    /// A file with a hash derived from its path.
    pub fn new(path: &str, mode: &str) -> FilePlan {
        FilePlan {
            path: path.into(),
            mode: mode.into(),
            sha256: fake_hex(&format!("file {path}"), 64),
            modified: 1_764_000_000,
        }
    }
}

/// One battery history event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatteryEvent {
    /// An app installed, at seconds after the history's start.
    Install(u64, String),
    /// An app removed.
    Uninstall(u64, String),
    /// An app brought to the foreground.
    Top(u64, String),
}

/// Everything a planned phone holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Installed and removed apps.
    pub packages: Vec<PackagePlan>,
    /// Running processes.
    pub processes: Vec<ProcessPlan>,
    /// System properties, in order.
    pub properties: Vec<(String, String)>,
    /// Settings as (namespace `global`/`secure`/`system`, name, value).
    pub settings: Vec<(String, String, String)>,
    /// Files the acquisition listed.
    pub files: Vec<FilePlan>,
    /// Battery history events.
    pub battery: Vec<BatteryEvent>,
    /// Battery history start, device wall clock `YYYY-MM-DD-HH-MM-SS`.
    pub battery_start: String,
    /// Enabled accessibility services, as components `pkg/.Service`.
    pub accessibility: Vec<String>,
    /// Enabled device administrators, as components.
    pub device_admins: Vec<String>,
    /// Broadcast receivers as (action, component).
    pub receivers: Vec<(String, String)>,
    /// App ops as (package, op, mode).
    pub appops: Vec<(String, String, String)>,
    /// Computers trusted for USB debugging, as `base64key user@host`.
    pub adb_keys: Vec<String>,
    /// Databases apps opened (full paths).
    pub databases: Vec<String>,
    /// Log lines (logcat threadtime format).
    pub log_lines: Vec<String>,
    /// Whether an androidqf acquisition also carries a `bugreport.zip`.
    pub androidqf_with_bugreport: bool,
    /// When the acquisition started.
    pub started: UnixMillis,
}

impl Plan {
    /// A plain phone: system apps, a few store apps, normal processes and settings, nothing
    /// any signal should rate above Info.
    pub fn benign() -> Plan {
        let mut packages: Vec<PackagePlan> = [
            "android",
            "com.android.systemui",
            "com.android.settings",
            "com.android.phone",
            "com.android.providers.telephony",
            "com.google.android.gms",
            "com.android.vending",
            "com.google.android.packageinstaller",
        ]
        .iter()
        .map(|n| PackagePlan::system(n))
        .collect();
        for name in [
            "org.wikipedia",
            "com.spotify.music",
            "org.thoughtcrime.securesms",
        ] {
            packages.push(PackagePlan::user(name, Some("com.android.vending")));
        }
        let properties = [
            ("ro.build.version.sdk", "34"),
            ("ro.build.version.release", "14"),
            ("ro.build.version.security_patch", "2026-11-05"),
            ("ro.build.type", "user"),
            ("ro.build.tags", "release-keys"),
            ("ro.debuggable", "0"),
            ("ro.secure", "1"),
            ("ro.boot.verifiedbootstate", "green"),
            ("ro.boot.flash.locked", "1"),
            ("ro.product.vendor.manufacturer", "Google"),
            ("ro.product.vendor.model", "Pixel 8"),
            ("ro.product.cpu.abi", "arm64-v8a"),
            ("persist.sys.timezone", "UTC"),
            ("persist.sys.usb.config", "mtp,adb"),
            ("gsm.sim.operator.iso-country", "de"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let settings = [
            ("global", "adb_enabled", "1"),
            ("global", "package_verifier_enable", "1"),
            ("global", "verifier_verify_adb_installs", "1"),
            ("global", "upload_apk_enable", "1"),
            ("global", "development_settings_enabled", "1"),
            ("secure", "accessibility_enabled", "0"),
            ("secure", "install_non_market_apps", "0"),
            ("system", "screen_brightness", "102"),
        ]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
        let processes = vec![
            ProcessPlan::new("root", 1, 0, "init"),
            ProcessPlan::new("root", 2, 0, "[kthreadd]"),
            ProcessPlan::new("root", 612, 1, "zygote64"),
            ProcessPlan::new("system", 1024, 612, "system_server"),
            ProcessPlan::new("u0_a81", 1530, 612, "com.android.systemui"),
            ProcessPlan::new("u0_a120", 1801, 612, "com.google.android.gms.persistent"),
            ProcessPlan::new("u0_a201", 2410, 612, "org.thoughtcrime.securesms"),
            ProcessPlan::new("shell", 3300, 1, "/data/local/tmp/collector"),
        ];
        let files = vec![
            FilePlan::new("/sdcard/Download/timetable.pdf", "-rw-rw----"),
            FilePlan::new("/sdcard/DCIM/Camera/IMG_20261101_101500.jpg", "-rw-rw----"),
            FilePlan::new("/data/local/tmp/collector", "-rwxr-xr-x"),
        ];
        Plan {
            packages,
            processes,
            properties,
            settings,
            files,
            battery: vec![
                BatteryEvent::Top(60, "org.wikipedia".into()),
                BatteryEvent::Install(3600, "com.spotify.music".into()),
            ],
            battery_start: "2026-11-30-08-00-00".into(),
            accessibility: Vec::new(),
            device_admins: vec![
                "com.google.android.gms/com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver"
                    .into(),
            ],
            receivers: vec![(
                "android.provider.Telephony.SMS_RECEIVED".into(),
                "org.thoughtcrime.securesms/.service.SmsListener".into(),
            )],
            appops: vec![(
                "org.wikipedia".into(),
                "POST_NOTIFICATION".into(),
                "allow".into(),
            )],
            adb_keys: Vec::new(),
            databases: vec!["/data/user/0/org.wikipedia/databases/history.db".into()],
            log_lines: vec![
                "12-01 09:59:58.120  1024  1100 I ActivityManager: Start proc 2410:org.thoughtcrime.securesms/u0a201".into(),
                "12-01 09:59:59.001  2410  2455 D Fetcher: GET https://www.wikipedia.org/wiki/Main_Page".into(),
            ],
            androidqf_with_bugreport: false,
            started: UnixMillis(1_764_583_200_000),
        }
    }
}

/// The `packages.json` an androidqf acquisition holds (installed apps only).
pub fn packages_json(plan: &Plan) -> String {
    let list: Vec<_> = plan
        .packages
        .iter()
        .filter(|p| p.installed)
        .enumerate()
        .map(|(i, p)| {
            let [md5, sha1, sha256] = &p.cert;
            json!({
                "name": p.name,
                "files": [{
                    "path": format!("{}/base.apk", p.code_path()),
                    "local_name": "",
                    "md5": fake_hex(&format!("apkmd5 {}", p.name), 32),
                    "sha1": fake_hex(&format!("apksha1 {}", p.name), 40),
                    "sha256": p.apk_sha256,
                    "sha512": fake_hex(&format!("apksha512 {}", p.name), 128),
                    "error": "",
                    "verified_certificate": true,
                    "certificate": {
                        "Md5": md5, "Sha1": sha1, "Sha256": sha256,
                        "ValidFrom": "2020-01-01T00:00:00Z", "ValidTo": "2050-01-01T00:00:00Z",
                        "Issuer": format!("CN={}", p.name), "Subject": format!("CN={}", p.name),
                        "SignatureAlgorithm": "SHA256-RSA", "SerialNumber": i + 1
                    },
                    "certificate_error": "",
                    "trusted_certificate": false
                }],
                "installer": p.installer.clone().unwrap_or_else(|| "null".into()),
                "uid": 10_000 + i,
                "disabled": p.disabled,
                "system": p.system,
                "third_party": !p.system
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default()
}

/// The `getprop` listing.
pub fn getprop_text(plan: &Plan) -> String {
    plan.properties
        .iter()
        .map(|(k, v)| format!("[{k}]: [{v}]\n"))
        .collect()
}

/// A `ps -A` table (androidqf `ps.txt`).
pub fn ps_text(plan: &Plan) -> String {
    let mut s =
        "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME\n".to_string();
    for p in &plan.processes {
        let _ = writeln!(
            s,
            "{:<12} {:>5} {:>5} 1234567  12345 0                   0 S {}",
            p.user, p.pid, p.ppid, p.name
        );
    }
    s
}

/// The `files.json` listing (a JSON array).
pub fn files_json(plan: &Plan) -> String {
    let list: Vec<_> = plan
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path, "size": 4096, "mode": f.mode,
                "user_id": 2000, "user_name": "shell", "group_id": 2000, "group_name": "shell",
                "changed_time": f.modified, "modified_time": f.modified, "access_time": f.modified,
                "error": "", "context": "u:object_r:shell_data_file:s0",
                "sha1": "", "sha256": f.sha256, "md5": ""
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default()
}

fn settings_text(plan: &Plan, namespace: &str) -> String {
    plan.settings
        .iter()
        .filter(|(ns, _, _)| ns == namespace)
        .map(|(_, k, v)| format!("{k}={v}\n"))
        .collect()
}

const RULE: &str =
    "-------------------------------------------------------------------------------";

fn service(out: &mut String, name: &str, body: &str) {
    let _ = write!(
        out,
        "{RULE}\nDUMP OF SERVICE {name}:\n{body}--------- 0.012s was the duration of dumpsys {name}, ending at: 2026-12-01 10:00:00\n"
    );
}

/// The dumpsys services of the plan, as `dumpsys` prints them (androidqf `dumpsys.txt`, and
/// the DUMPSYS part of a dumpstate).
pub fn dumpsys_text(plan: &Plan) -> String {
    let mut out = String::new();

    let mut a11y = String::from(
        "ACCESSIBILITY MANAGER (dumpsys accessibility)\n\ncurrentUserId=0\nUser state[\n",
    );
    let _ = writeln!(
        a11y,
        "  attributes:{{id=0, touchExplorationEnabled=false, installedServiceCount={}}}",
        plan.accessibility.len()
    );
    let listed: Vec<String> = plan
        .accessibility
        .iter()
        .map(|c| format!("{{{c}}}"))
        .collect();
    let _ = writeln!(a11y, "           Bound services:{{}}");
    let _ = writeln!(
        a11y,
        "           Enabled services:{{{}}}",
        listed.join(", ")
    );
    let _ = writeln!(a11y, "           Binding services:{{}}");
    let _ = writeln!(a11y, "           Crashed services:{{}}\n]");
    service(&mut out, "accessibility", &a11y);

    let mut adb = String::new();
    if !plan.adb_keys.is_empty() {
        adb.push_str("ADB MANAGER STATE (dumpsys adb):\n{\n  debugging_manager={\n    connected_to_adb=true\n");
        for (i, key) in plan.adb_keys.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(adb, "    user_keys={key}");
            } else {
                let _ = writeln!(adb, "{key}");
            }
        }
        adb.push_str("\n  }\n}\n");
        service(&mut out, "adb", &adb);
    }

    let mut appops = String::from(
        "Current AppOps Service state:\n  Settings:\n    top_state_settle_time=+5s0ms\n",
    );
    let mut by_pkg: Vec<&str> = plan.appops.iter().map(|(p, _, _)| p.as_str()).collect();
    by_pkg.dedup();
    for (i, pkg) in by_pkg.iter().enumerate() {
        let _ = write!(
            appops,
            "  Uid u0a{}:\n    state=cch\n    Package {pkg}:\n",
            300 + i
        );
        for (_, op, mode) in plan.appops.iter().filter(|(p, _, _)| p == pkg) {
            let _ = writeln!(appops, "      {op} ({mode}):");
        }
    }
    service(&mut out, "appops", &appops);

    let mut battery =
        String::from("Battery History (1% used, 5KB used of 256KB, 12 strings using 1KB):\n");
    let _ = writeln!(
        battery,
        "                    0 (15) RESET:TIME: {}",
        plan.battery_start
    );
    for (i, ev) in plan.battery.iter().enumerate() {
        let (secs, text) = match ev {
            BatteryEvent::Install(s, p) => (s, format!("pkginst={}:\"{p}\"", 100 + i)),
            BatteryEvent::Uninstall(s, p) => (s, format!("pkgunin={}:\"{p}\"", 100 + i)),
            BatteryEvent::Top(s, p) => (s, format!("+top=u0a{}:\"{p}\"", 200 + i)),
        };
        let _ = writeln!(
            battery,
            "     +{}h{:02}m{:02}s000ms (2) 100 {text}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }
    battery.push_str("\nPer-PID Stats:\n  PID 1024 wake time: +1s\n");
    service(&mut out, "batterystats", &battery);

    let mut dbinfo = String::from("Applications Database Info:\n\n");
    for path in &plan.databases {
        let _ = write!(
            dbinfo,
            "Connection pool for {path}:\n  Open: true\n  Max connections: 1\n  Available primary connection:\n    Connection #0:\n      isPrimaryConnection: true\n      Most recently executed operations:\n        0: [2026-12-01 09:58:00.123] [Pid:(2410)] executeForCursorWindow took 2ms - succeeded, sql=\"SELECT * FROM entries\", path={path}\n\n"
        );
    }
    service(&mut out, "dbinfo", &dbinfo);

    let mut dpm = String::from("Current Device Policy Manager state:\n  Immutable state:\n    mHasFeature=true\n  Enabled Device Admins (User 0, provisioningState: 0):\n");
    for admin in &plan.device_admins {
        let _ = write!(dpm, "    {admin}:\n      uid=10123\n      testOnlyAdmin=false\n      policies:\n        wipe-data\n        force-lock\n");
    }
    dpm.push_str("  Encryption Status: per-user\n");
    service(&mut out, "device_policy", &dpm);

    service(&mut out, "package", &package_section(plan));

    let mut settings = String::new();
    for ns in ["global", "secure", "system"] {
        let _ = writeln!(settings, "{} SETTINGS (user 0)", ns.to_ascii_uppercase());
        for (i, (_, k, v)) in plan.settings.iter().filter(|(n, _, _)| n == ns).enumerate() {
            let _ = writeln!(
                settings,
                "_id:{} name:{k} pkg:android value:{v} default:{v} defaultSystemSet:true tag:null",
                i + 1
            );
        }
        settings.push('\n');
    }
    service(&mut out, "settings", &settings);
    out.push_str(RULE);
    out.push('\n');
    out
}

fn package_section(plan: &Plan) -> String {
    let mut s = String::from("Activity Resolver Table:\n  Non-Data Actions:\n      android.intent.action.MAIN:\n        4d2a1c0 com.android.settings/.Settings filter 9b1e2f3\n\nReceiver Resolver Table:\n  Non-Data Actions:\n");
    let mut actions: Vec<&str> = plan.receivers.iter().map(|(a, _)| a.as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    for action in actions {
        let _ = writeln!(s, "      {action}:");
        for (i, (_, component)) in plan
            .receivers
            .iter()
            .filter(|(a, _)| a == action)
            .enumerate()
        {
            let _ = writeln!(s, "        {:x} {component}", 0x51a0_0000 + i);
        }
    }
    s.push_str("\nPackages:\n");
    for (i, p) in plan.packages.iter().enumerate() {
        let flags = if p.system {
            "[ SYSTEM HAS_CODE ]"
        } else {
            "[ HAS_CODE ALLOW_CLEAR_USER_DATA ]"
        };
        let _ = writeln!(s, "  Package [{}] ({:x}):", p.name, 0x7a00_0000 + i);
        let _ = writeln!(s, "    userId={}", 10_000 + i);
        let _ = writeln!(s, "    pkg=Package{{{:x} {}}}", 0x3b00_0000 + i, p.name);
        let _ = writeln!(s, "    codePath={}", p.code_path());
        let _ = writeln!(s, "    versionCode=12 minSdk=24 targetSdk=34");
        let _ = writeln!(s, "    versionName=1.2.{i}");
        let _ = writeln!(s, "    flags={flags}");
        let _ = writeln!(s, "    timeStamp={}", p.first_install);
        let _ = writeln!(s, "    firstInstallTime={}", p.first_install);
        let _ = writeln!(s, "    lastUpdateTime={}", p.first_install);
        let _ = writeln!(
            s,
            "    installerPackageName={}",
            p.installer.as_deref().unwrap_or("null")
        );
        let _ = writeln!(s, "    pkgFlags={flags}");
        s.push_str("    requested permissions:\n      android.permission.INTERNET\n");
        for g in &p.granted {
            let _ = writeln!(s, "      {g}");
        }
        s.push_str("    install permissions:\n      android.permission.INTERNET: granted=true\n");
        let _ = writeln!(
            s,
            "    User 0: ceDataInode={} installed={} hidden=false suspended=false distractionFlags=0 stopped=false notLaunched=false enabled={} instant=false virtual=false",
            4000 + i,
            p.installed,
            if p.disabled { 3 } else { 0 }
        );
        if !p.granted.is_empty() {
            s.push_str("      runtime permissions:\n");
            for g in &p.granted {
                let _ = writeln!(
                    s,
                    "        {g}: granted=true, flags=[ USER_SENSITIVE_WHEN_GRANTED ]"
                );
            }
        }
    }
    s.push_str("\nShared users:\n  SharedUser [android.uid.system] (1a2b3c):\n    userId=1000\n");
    s
}

/// The dumpstate text of a bugreport: header, properties, processes, logs, then dumpsys.
pub fn dumpstate_text(plan: &Plan) -> String {
    let mut s = String::from("========================================================\n== dumpstate: 2026-12-01 10:00:00\n========================================================\n\nBuild: UQ1A.240105.004\nBuild fingerprint: 'google/shiba/shiba:14/UQ1A.240105.004/11206848:user/release-keys'\nBootloader: ripcurrent-14.2\nRadio: g5300i\nNetwork: (Unknown)\nKernel: Linux version 5.15.110\nUptime: up 3 days\n\n");
    s.push_str("------ SYSTEM PROPERTIES (getprop) ------\n");
    s.push_str(&getprop_text(plan));
    s.push_str("------ 0.053s was the duration of 'SYSTEM PROPERTIES' ------\n");
    s.push_str(
        "------ PROCESSES AND THREADS (ps -A -T -Z -O pri,nice,rtprio,sched,pcy,time) ------\n",
    );
    s.push_str("LABEL                          USER           PID   TID  PPID     VSZ    RSS WCHAN            ADDR S PRI  NI RTPRIO SCH  PCY     TIME CMD\n");
    for p in &plan.processes {
        for tid in [p.pid, p.pid + 1] {
            let cmd = if tid == p.pid {
                p.name.clone()
            } else {
                format!("Binder:{}_1", p.pid)
            };
            let _ = writeln!(
                s,
                "u:r:untrusted_app:s0:c512,c768 {:<12} {:>5} {:>5} {:>5} 1234567  12345 0                   0 S  19   0      -   0   fg 00:00:01 {cmd}",
                p.user, p.pid, tid, p.ppid
            );
        }
    }
    s.push_str("------ 0.210s was the duration of 'PROCESSES AND THREADS' ------\n");
    s.push_str("------ SYSTEM LOG (logcat -v threadtime -v printable -v uid -d *:v) ------\n");
    for l in &plan.log_lines {
        s.push_str(l);
        s.push('\n');
    }
    s.push_str("------ 0.410s was the duration of 'SYSTEM LOG' ------\n");
    s.push_str("------ DUMPSYS (/system/bin/dumpsys) ------\n");
    s.push_str(&dumpsys_text(plan));
    s.push_str("------ 12.0s was the duration of 'DUMPSYS' ------\n");
    s
}

/// A zip of the given members (deflated), for fixtures and hostile-input tests.
pub fn zip_of(members: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        writer
            .start_file(name.as_str(), options)
            .map_err(io::Error::other)?;
        writer.write_all(data)?;
    }
    Ok(writer.finish().map_err(io::Error::other)?.into_inner())
}

/// The files of an androidqf acquisition, by name relative to its folder.
pub fn androidqf_files(plan: &Plan) -> io::Result<Vec<(String, Vec<u8>)>> {
    let acquisition = json!({
        "uuid": "3f1c6a52-4b7e-4e0f-9d61-2a7c5e8b9d10",
        "androidqf_version": "1.7.0",
        "storage_path": "",
        "started": plan.started.iso8601(),
        "completed": UnixMillis(plan.started.0 + 300_000).iso8601(),
        "collector": "",
        "sha256": ""
    });
    let mut files = vec![
        (
            "acquisition.json".to_string(),
            acquisition.to_string().into_bytes(),
        ),
        (
            "packages.json".to_string(),
            packages_json(plan).into_bytes(),
        ),
        ("getprop.txt".to_string(), getprop_text(plan).into_bytes()),
        ("ps.txt".to_string(), ps_text(plan).into_bytes()),
        ("files.json".to_string(), files_json(plan).into_bytes()),
        ("dumpsys.txt".to_string(), dumpsys_text(plan).into_bytes()),
        (
            "logs/logcat.txt".to_string(),
            plan.log_lines.join("\n").into_bytes(),
        ),
    ];
    for ns in ["global", "secure", "system"] {
        files.push((
            format!("settings_{ns}.txt"),
            settings_text(plan, ns).into_bytes(),
        ));
    }
    if plan.androidqf_with_bugreport {
        files.push(("bugreport.zip".to_string(), bugreport_zip(plan)?));
    }
    Ok(files)
}

/// Writes an androidqf acquisition folder into `dir` (created if needed).
pub fn write_androidqf_dir(plan: &Plan, dir: &Path) -> io::Result<()> {
    for (name, data) in androidqf_files(plan)? {
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, data)?;
    }
    Ok(())
}

/// An androidqf acquisition zip (its files under one top folder, as the tool writes it).
pub fn androidqf_zip(plan: &Plan) -> io::Result<Vec<u8>> {
    let files = androidqf_files(plan)?
        .into_iter()
        .map(|(n, d)| (format!("3f1c6a52-4b7e-4e0f-9d61-2a7c5e8b9d10/{n}"), d))
        .collect::<Vec<_>>();
    zip_of(&files)
}

/// Name of the dumpstate member in a planned bugreport.
pub const BUGREPORT_TEXT_NAME: &str = "bugreport-shiba-UQ1A.240105.004-2026-12-01-10-00-00.txt";

/// A bugreport zip as `adb bugreport` writes it.
pub fn bugreport_zip(plan: &Plan) -> io::Result<Vec<u8>> {
    zip_of(&[
        ("version.txt".to_string(), b"2.0".to_vec()),
        (
            "main_entry.txt".to_string(),
            BUGREPORT_TEXT_NAME.as_bytes().to_vec(),
        ),
        (
            BUGREPORT_TEXT_NAME.to_string(),
            dumpstate_text(plan).into_bytes(),
        ),
        (
            "FS/proc/version".to_string(),
            b"Linux version 5.15.110\n".to_vec(),
        ),
    ])
}
