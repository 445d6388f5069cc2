//! What a finding says: its title, its explanation in plain words, its evidence and what the
//! person should do next.

use serde::Serialize;
use stingwatch_model::Severity;
use stingwatch_phone_model::{IndicatorRef, Observable, ObservableKind, UnixMillis};

use crate::words::shorten;

/// Stable kind of a finding made because a published indicator matched a value on the phone.
pub const INDICATOR_MATCH: &str = "indicator-match";

/// One record behind a finding, as far as the report keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneEvidence {
    /// Check that read the record, e.g. `ios.sms`.
    pub artifact: &'static str,
    /// File inside the acquisition.
    pub source: String,
    /// Where in that file (row id, line, section).
    pub locator: String,
    /// When it happened on the phone, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<UnixMillis>,
    /// The record's one-line summary.
    pub summary: String,
    /// The value the indicator matched (absent for signals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observable: Option<Observable>,
    /// Why it matched when not verbatim, e.g. `subdomain of evil.example`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

/// What to do after reading a finding: whom to ask, what to avoid, what to do meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextSteps {
    /// Whom to contact and what to give them.
    pub contact: Vec<&'static str>,
    /// What not to do, and why.
    pub do_not: Vec<&'static str>,
    /// What to do in the meantime.
    pub meanwhile: Vec<&'static str>,
}

const HELPLINES: &str = "Contact a digital-security helpline before changing anything on the phone: \
     Access Now's Digital Security Helpline (help@accessnow.org; free, around the clock, in many \
     languages) or Amnesty International's Security Lab (securitylab.amnesty.org). They can confirm \
     the finding and preserve the evidence properly.";
const SHARE_REPORT: &str = "Give them this report and keep the backup or acquisition it was made \
     from unchanged. Share the report with no one else: its evidence quotes lines from the phone.";
const NO_WIPE: &str =
    "Do not reset, wipe or update the phone, and do not delete the app, message or \
     file named here, before experts have preserved the evidence: that destroys the traces that \
     show what happened and who was behind it.";
const NO_CONFRONT: &str =
    "Do not confront or warn whoever you suspect: it can tip them off and lead \
     them to cover their tracks or change their methods.";
const OTHER_DEVICE: &str = "Keep using the phone for ordinary things, but use a different device, \
     one never linked to this phone or its accounts, for sensitive contacts and conversations.";
const KEEP_ACQUISITION: &str =
    "Keep the backup or acquisition this report was made from, unchanged, in a safe place.";
const ASK_IF_UNSURE: &str =
    "If you do not recognise what this finding names, ask a digital-security \
     helpline to look at it: Access Now's Digital Security Helpline (help@accessnow.org) or \
     Amnesty International's Security Lab (securitylab.amnesty.org).";
const NOTHING_ALONE: &str =
    "Nothing to do about this alone. If other findings point the same way, \
     or you have other reasons to think you are targeted, a digital-security helpline such as \
     Access Now's (help@accessnow.org) can look further.";
const NO_RESET_FOR_THIS: &str = "Do not reset the phone because of this finding alone: a reset \
     would also erase any other traces an expert might look for.";

impl NextSteps {
    /// The steps that fit a finding of `severity`.
    pub fn for_severity(severity: Severity) -> NextSteps {
        match severity {
            Severity::High => NextSteps {
                contact: vec![HELPLINES, SHARE_REPORT],
                do_not: vec![NO_WIPE, NO_CONFRONT],
                meanwhile: vec![OTHER_DEVICE, KEEP_ACQUISITION],
            },
            Severity::Medium => NextSteps {
                contact: vec![ASK_IF_UNSURE],
                do_not: vec![NO_WIPE, NO_CONFRONT],
                meanwhile: vec![KEEP_ACQUISITION],
            },
            Severity::Low | Severity::Info => NextSteps {
                contact: vec![NOTHING_ALONE],
                do_not: vec![NO_RESET_FOR_THIS],
                meanwhile: Vec::new(),
            },
        }
    }
}

/// A finding of the phone checks: one indicator on one artifact, or one kind of signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneFinding {
    /// Stable id: [`INDICATOR_MATCH`] or the signal's kind (e.g. `android.verifier-disabled`).
    pub kind: &'static str,
    /// How worrying it is: high for an indicator match; a signal keeps its own.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// Plain language: what was found, what the indicator's collection is, why it matters.
    pub explanation: String,
    /// Innocent explanations, and how to tell them apart.
    pub benign_alternatives: Vec<String>,
    /// The check whose records it was found in.
    pub artifact: &'static str,
    /// The published indicator that matched (indicator matches only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<IndicatorRef>,
    /// Records merged into this finding.
    pub count: u64,
    /// Earliest phone time among them, when any record had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<UnixMillis>,
    /// Latest phone time among them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<UnixMillis>,
    /// The first records, in reading order (at most [`crate::MAX_EVIDENCE_PER_FINDING`]).
    pub evidence: Vec<PhoneEvidence>,
    /// Records merged but not kept as evidence.
    pub evidence_omitted: u64,
    /// Whom to contact, what not to do, what to do meanwhile.
    pub next_steps: NextSteps,
}

impl PhoneFinding {
    /// Note one more record's time.
    pub(crate) fn widen(&mut self, time: Option<UnixMillis>) {
        if let Some(t) = time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
        }
    }
}

/// How people name the place a check reads, and the harmless reasons a value can be there.
struct Place {
    name: &'static str,
    harmless: &'static str,
}

/// Words for an artifact id; ids are matched by the words in them so that a new check gets
/// sensible wording before it gets its own.
fn place_of(artifact: &str) -> Place {
    let a = artifact.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| a.contains(w));
    if has(&["whatsapp"]) {
        Place {
            name: "WhatsApp messages",
            harmless: RECEIVED_NOT_OPENED,
        }
    } else if has(&["battery"]) {
        // Before "history": Android's battery history records apps installed, removed and
        // run, not web pages.
        Place {
            name: "the battery history (apps installed, removed and run)",
            harmless: "An app id can be re-used by a harmless app of the same name; an app \
                 installed and removed again within minutes is how extraction agents work.",
        }
    } else if has(&["idstatus"]) {
        Place {
            name: "the iMessage and FaceTime identity lookups",
            harmless: "The phone looks up a handle when someone types it or a message from it \
                 arrives: it shows contact with the attackers' address, not infection.",
        }
    } else if has(&["sms", "message", "imessage"]) {
        Place {
            name: "SMS and iMessage messages",
            harmless: RECEIVED_NOT_OPENED,
        }
    } else if has(&[
        "safari", "chrome", "history", "webkit", "browser", "favicon",
    ]) {
        Place {
            name: "the web browsing data",
            harmless: "A visit can come from a redirect, an advert or a link preview rather \
                 than a deliberate click; the spyware may still have failed to install.",
        }
    } else if has(&["process", "datausage", "netusage", "usage"]) {
        Place {
            name: "the record of processes that ran",
            harmless: "A short process name can be shared by a harmless program; spyware picks \
                 names that look like system services, so a collision is possible but rare.",
        }
    } else if has(&["call"]) {
        Place {
            name: "the call history",
            harmless: "A call or a missed call from a handle the attackers used shows contact, \
                 not infection.",
        }
    } else if has(&["tcc", "permission", "appop"]) {
        Place {
            name: "the app permissions",
            harmless: "A permission granted to a name that is also used by a harmless app can \
                 collide; check where the app came from.",
        }
    } else if has(&["profile"]) {
        Place {
            name: "the configuration profiles",
            harmless: "Profiles installed by an employer or school are normal; this one carries \
                 an identifier the indicator set names.",
        }
    } else if has(&["package", "app", "install"]) {
        Place {
            name: "the installed apps",
            harmless: "An app id can be re-used by a harmless app of the same name; a \
                 certificate hash match cannot. Check where the app came from.",
        }
    } else if has(&["prop"]) {
        Place {
            name: "the system properties",
            harmless: "A property can be set by the phone's maker for its own reasons.",
        }
    } else if has(&["log", "shutdown", "analytics", "crash", "dumpsys"]) {
        Place {
            name: "the system logs",
            harmless: "A log line can name a value without the phone having run it, e.g. a \
                 blocked attempt.",
        }
    } else if has(&["manifest", "file", "tmp"]) {
        Place {
            name: "the files of the acquisition",
            harmless: "A file name can collide with a harmless file of the same name; a file \
                 hash match cannot.",
        }
    } else {
        Place {
            name: "this acquisition",
            harmless: GENERIC_HARMLESS,
        }
    }
}

const RECEIVED_NOT_OPENED: &str = "A link or sender in a message shows that the message arrived: \
     a link that was received but never opened does not infect the phone by itself. Such links \
     are still sent only to people the attackers chose, so the message matters.";
const GENERIC_HARMLESS: &str = "Indicator sets can contain mistakes, and short values can \
     collide with harmless ones; an expert can tell.";

/// Extra harmless explanation of a kind of value, beyond the place it was found in.
fn value_harmless(kind: ObservableKind) -> Option<&'static str> {
    match kind {
        ObservableKind::Domain | ObservableKind::Url | ObservableKind::Ipv4 => Some(
            "Domains and addresses are re-used: one registered or assigned to someone else \
             after the campaign can match today. The date of the record tells whether it falls \
             in the campaign's time.",
        ),
        ObservableKind::FileName | ObservableKind::ProcessName => Some(
            "A name alone is weaker evidence than a hash: an expert checks the file or process \
             behind it.",
        ),
        _ => None,
    }
}

/// Title, explanation and harmless explanations of an indicator match.
pub(crate) fn indicator_words(
    artifact: &str,
    indicator: &IndicatorRef,
    observable: &Observable,
) -> (String, String, Vec<String>) {
    let place = place_of(artifact);
    let title = format!(
        "{} indicator found in {}: {}",
        shorten(&indicator.collection, 60),
        place.name,
        shorten(&observable.value, 80)
    );
    let explanation = format!(
        "{place} on this phone hold the value {value} ({kind}), which the published indicator \
         {id} names. \"{collection}\" is a collection of indicators loaded from {source}: \
         domains, apps, files and other values that investigators tied to that spyware or to \
         the infrastructure behind it after finding them on phones of people who were targeted. \
         A match is the most direct sign this check can give: ordinary phones rarely hold these \
         values, and operators of such spyware aim it at journalists, lawyers, activists and \
         their contacts. It is a reason to have an expert look, not yet proof of infection.",
        place = capitalise(place.name),
        value = shorten(&observable.value, 200),
        kind = observable.kind.stix_key(),
        id = shorten(&indicator.id, 100),
        collection = shorten(&indicator.collection, 100),
        source = shorten(&indicator.source, 200),
    );
    let mut benign = vec![place.harmless.to_string()];
    if let Some(h) = value_harmless(observable.kind) {
        benign.push(h.to_string());
    }
    if place.harmless != GENERIC_HARMLESS {
        benign.push(GENERIC_HARMLESS.to_string());
    }
    (title, explanation, benign)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn battery_history_is_not_called_web_browsing() {
        assert!(place_of("android.battery-history.install")
            .name
            .starts_with("the battery history"));
        assert_eq!(place_of("ios.safari.history").name, "the web browsing data");
    }

    fn pegasus() -> IndicatorRef {
        IndicatorRef {
            id: "indicator--1".into(),
            kind: ObservableKind::Domain,
            value: "evil.example".into(),
            collection: "Pegasus".into(),
            source: "pegasus.stix2".into(),
        }
    }

    #[test]
    fn a_link_in_a_message_says_received_is_not_opened() {
        let (title, explanation, benign) = indicator_words(
            "ios.sms",
            &pegasus(),
            &Observable::new(ObservableKind::Url, "https://a.evil.example/x"),
        );
        assert_eq!(
            title,
            "Pegasus indicator found in SMS and iMessage messages: https://a.evil.example/x"
        );
        assert!(explanation.starts_with("SMS and iMessage messages on this phone hold"));
        assert!(explanation
            .contains("\"Pegasus\" is a collection of indicators loaded from pegasus.stix2"));
        assert!(benign[0].contains("received but never opened"));
        assert!(benign.iter().any(|b| b.contains("re-used")));
    }

    #[test]
    fn unknown_artifacts_get_generic_words() {
        let (title, _, benign) = indicator_words(
            "x.unheard-of",
            &pegasus(),
            &Observable::new(ObservableKind::AppCertSha256, "ab"),
        );
        assert!(title.ends_with("found in this acquisition: ab"));
        assert_eq!(benign, vec![GENERIC_HARMLESS.to_string()]);
    }

    #[test]
    fn high_steps_name_helplines_and_forbid_wiping() {
        let s = NextSteps::for_severity(Severity::High);
        assert!(s.contact.iter().any(|c| c.contains("Access Now")));
        assert!(s.contact.iter().any(|c| c.contains("Security Lab")));
        assert!(s.do_not.iter().any(|c| c.contains("Do not reset, wipe")));
        assert!(s.do_not.iter().any(|c| c.contains("tip them off")));
        assert!(s.meanwhile.iter().any(|c| c.contains("different device")));
    }
}
