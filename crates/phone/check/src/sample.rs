//! A sample phone of the project's own, for `stingwatch phone fixture` and the tests: the
//! benign phone of [`stingwatch_android::fixtures::Plan::benign`] with a made-up spyware
//! planted in the places real spyware leaves traces, and the indicators that name it. The
//! benign twin is the same phone without the spyware, checked against the same indicators.
//!
//! Every name is invented (`.example` domains cannot exist on the internet).

use stingwatch_android::fixtures::{
    fake_hex, BatteryEvent, FilePlan, PackagePlan, Plan, ProcessPlan,
};
use stingwatch_phone_model::ObservableKind;

/// Name of the indicator collection the sample's indicators belong to.
pub const SAMPLE_COLLECTION: &str = "Stingwatch sample spyware";
/// Package name of the planted app, unless another is asked for.
pub const DEFAULT_APP: &str = "com.sample.spyagent";
/// An app with an ordinary-looking name whose signing certificate is the indicator.
pub const DISGUISED_APP: &str = "com.android.sysupdate.helper";
/// An extraction agent installed and removed again, as forensic kits do.
pub const EXTRACTOR_APP: &str = "com.sample.extract.agent";
/// The spyware's server domain, as published.
pub const C2_DOMAIN: &str = "spy-c2.example";
/// The URL the planted app calls: a subdomain of [`C2_DOMAIN`] with a port.
pub const BEACON_URL: &str = "https://cdn.sync.spy-c2.example:8443/v2/beacon";
/// Name of the planted daemon process.
pub const IMPLANT_PROCESS: &str = "spyhelperd";
/// Where the planted payload lies (its SHA-256 is the indicator).
pub const PAYLOAD_PATH: &str = "/sdcard/Android/data/com.android.sysupdate.helper/files/update.bin";
/// Longest package name accepted for `--plant-app` (Android allows 255 bytes).
pub const MAX_APP_ID_BYTES: usize = 255;

/// A planned phone and the indicators of its spyware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// What the phone holds.
    pub plan: Plan,
    /// The indicators, as (kind, value), all in [`SAMPLE_COLLECTION`]; the same for a
    /// planted phone and its benign twin.
    pub indicators: Vec<(ObservableKind, String)>,
}

impl Sample {
    /// The indicators as [`stingwatch_iocs::fixtures::write_bundle`] takes them.
    pub fn bundle_entries(&self) -> Vec<(&str, ObservableKind, &str)> {
        self.indicators
            .iter()
            .map(|(k, v)| (SAMPLE_COLLECTION, *k, v.as_str()))
            .collect()
    }
}

/// Whether `id` can be a planted package name: letters, digits, `_` and `.`, with at least
/// one dot, as Android requires; keeps the generated files well-formed.
pub fn valid_app_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_APP_ID_BYTES
        && id.contains('.')
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !id.contains("..")
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// SHA-256 of the planted payload.
pub fn payload_sha256() -> String {
    fake_hex(&format!("file {PAYLOAD_PATH}"), 64)
}

/// SHA-256 of the disguised app's signing certificate.
pub fn disguised_cert_sha256() -> String {
    PackagePlan::user(DISGUISED_APP, None).cert[2].clone()
}

/// The indicators of the sample spyware planted as `app`.
pub fn indicators(app: &str) -> Vec<(ObservableKind, String)> {
    vec![
        (ObservableKind::AppId, app.to_string()),
        (ObservableKind::AppId, EXTRACTOR_APP.to_string()),
        (ObservableKind::AppCertSha256, disguised_cert_sha256()),
        (ObservableKind::Domain, C2_DOMAIN.to_string()),
        (ObservableKind::ProcessName, IMPLANT_PROCESS.to_string()),
        (ObservableKind::FileSha256, payload_sha256()),
    ]
}

/// The benign phone with the sample spyware planted as `app`: the app itself (sideloaded,
/// reading messages and recording audio), a disguised helper app signed with the spyware's
/// certificate, an extraction agent installed and removed, a daemon process, a payload file,
/// and a log line of the app calling its server.
pub fn planted(app: &str) -> Sample {
    let mut plan = Plan::benign();
    let mut agent = PackagePlan::user(app, None);
    agent.granted = vec![
        "android.permission.READ_SMS".into(),
        "android.permission.RECORD_AUDIO".into(),
    ];
    agent.first_install = "2026-11-30 09:12:00".into();
    plan.packages.push(agent);
    let mut helper = PackagePlan::user(DISGUISED_APP, None);
    helper.first_install = "2026-11-30 09:12:30".into();
    plan.packages.push(helper);
    let mut extractor = PackagePlan::user(EXTRACTOR_APP, Some("com.android.shell"));
    extractor.installed = false;
    plan.packages.push(extractor);
    plan.battery
        .push(BatteryEvent::Install(7200, EXTRACTOR_APP.into()));
    plan.battery
        .push(BatteryEvent::Uninstall(7260, EXTRACTOR_APP.into()));
    plan.processes
        .push(ProcessPlan::new("u0_a250", 4100, 612, app));
    plan.processes
        .push(ProcessPlan::new("root", 4321, 1, IMPLANT_PROCESS));
    plan.files.push(FilePlan::new(PAYLOAD_PATH, "-rw-rw----"));
    plan.log_lines.push(format!(
        "12-01 10:02:11.500  4100  4130 I SyncClient: POST {BEACON_URL} status=200"
    ));
    Sample {
        plan,
        indicators: indicators(app),
    }
}

/// The benign twin: the same phone without the spyware, with the same indicators.
pub fn benign(app: &str) -> Sample {
    Sample {
        plan: Plan::benign(),
        indicators: indicators(app),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_that_would_break_the_generated_files_are_refused() {
        assert!(valid_app_id("com.example.app"));
        assert!(valid_app_id(DEFAULT_APP));
        for bad in [
            "", "noDot", ".lead", "trail.", "a..b", "a b.c", "a.b\n", "a.b'c",
        ] {
            assert!(!valid_app_id(bad), "{bad:?}");
        }
        assert!(!valid_app_id(&format!(
            "a.{}",
            "b".repeat(MAX_APP_ID_BYTES)
        )));
    }

    #[test]
    fn the_planted_phone_holds_every_indicated_value_and_the_twin_none() {
        let planted = planted(DEFAULT_APP);
        let twin = benign(DEFAULT_APP);
        assert_eq!(planted.indicators, twin.indicators);
        let has_app = |p: &Plan, n: &str| p.packages.iter().any(|x| x.name == n);
        assert!(has_app(&planted.plan, DEFAULT_APP) && !has_app(&twin.plan, DEFAULT_APP));
        assert!(planted
            .plan
            .packages
            .iter()
            .any(|p| p.cert[2] == disguised_cert_sha256()));
        assert!(planted
            .plan
            .files
            .iter()
            .any(|f| f.sha256 == payload_sha256()));
        assert!(planted
            .plan
            .log_lines
            .iter()
            .any(|l| l.contains(BEACON_URL)));
        assert!(!twin.plan.log_lines.iter().any(|l| l.contains(C2_DOMAIN)));
    }
}

/// The iPhone sample: what the planted spyware left in a backup, and the indicators that
/// name it (the same for the benign twin).
pub mod ios {
    use stingwatch_ios_artifacts::fixtures::{IosContent, Planted};
    use stingwatch_phone_model::ObservableKind;

    /// The spyware's server domain; the backup holds links to subdomains of it.
    pub const C2_DOMAIN: &str = "spy-c2.example";
    /// The implant's process name, as data-usage records show it.
    pub const IMPLANT_PROCESS: &str = "bh";
    /// The sender handle of the infection message.
    pub const SENDER: &str = "delivery-notice@mail.spy-c2.example";
    /// Bundle id of the planted app.
    pub const APP: &str = "com.sample.spyagent";
    /// UUID of the planted configuration profile.
    pub const PROFILE: &str = "6F1D9C1B-5A3E-4B7C-9D2A-53616D706C65";

    fn planted_values() -> Planted {
        Planted {
            domain: C2_DOMAIN.to_string(),
            process: IMPLANT_PROCESS.to_string(),
            email: SENDER.to_string(),
            app_id: APP.to_string(),
            profile_uuid: PROFILE.to_string(),
        }
    }

    /// The indicators of the sample spyware.
    pub fn indicators() -> Vec<(ObservableKind, String)> {
        vec![
            (ObservableKind::Domain, C2_DOMAIN.to_string()),
            (ObservableKind::ProcessName, IMPLANT_PROCESS.to_string()),
            (ObservableKind::Email, SENDER.to_string()),
            (ObservableKind::AppId, APP.to_string()),
            (ObservableKind::ConfigurationProfileId, PROFILE.to_string()),
        ]
    }

    /// A phone with the sample spyware's traces.
    pub fn planted() -> IosContent {
        let mut content = IosContent::benign();
        content.plant(&planted_values());
        content
    }

    /// The same phone without them.
    pub fn benign() -> IosContent {
        IosContent::benign()
    }
}
