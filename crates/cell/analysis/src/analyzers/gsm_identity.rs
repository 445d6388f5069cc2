//! GSM: a permanent identity (IMSI, IMEI) asked before authentication and ciphering, then
//! the phone rejected or released without ciphering ever starting: what a 2G IMSI catcher
//! does, since on GSM the network never has to prove itself.

use super::gsm_link::{GsmLink, LureWatch, Step};
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{AccessTechnology, Event, EventKind, GsmEvent, IdentityType};

const KIND: &str = "gsm-identity-without-auth";
const VERSION: u32 = 1;
/// Most identity requests kept per connection.
const MAX_REQUESTS: usize = 8;

/// Detects identity collection on GSM without authentication and ciphering.
#[derive(Debug, Default)]
pub struct GsmIdentityWithoutAuth {
    link: GsmLink,
    requested: Vec<(IdentityType, Event)>,
    lure: LureWatch,
}

impl GsmIdentityWithoutAuth {
    fn close(&mut self, end: Option<&Event>, out: &mut Vec<Finding>) {
        let link = std::mem::take(&mut self.link);
        let requested = std::mem::take(&mut self.requested);
        let Some((_, anchor)) = requested.first() else {
            return;
        };
        // A network that asks first and then authenticates and ciphers is behaving as
        // TS 24.008 allows (it did not know the phone's TMSI).
        if link.ciphered || link.network_proved() {
            return;
        }
        let mut ids: Vec<IdentityType> = requested.iter().map(|(i, _)| *i).collect();
        ids.dedup();
        let names: Vec<String> = ids.iter().map(|i| i.name()).collect();
        let names = names.join(" and ");
        let imsi = ids.contains(&IdentityType::Imsi);
        let equipment = ids
            .iter()
            .any(|i| matches!(i, IdentityType::Imei | IdentityType::Imeisv));
        let mut severity = Severity::Medium;
        let mut notes = Vec::new();
        if imsi && equipment {
            severity = Severity::High;
            notes.push(
                "Both the subscriber identity (IMSI) and the equipment identity (IMEI) were taken \
                 before any authentication; real networks have no reason to ask for both."
                    .to_string(),
            );
        }
        if link.auth_failed {
            severity = Severity::High;
            notes.push(
                "The phone refused the network's authentication: the network could not prove it \
                 holds the SIM's key, which a real operator always can."
                    .to_string(),
            );
        }
        if link.auth_requested && !link.network_proof {
            notes.push(
                "The network ran GSM authentication, in which only the phone proves itself: a \
                 fake cell can send any challenge and accept any answer."
                    .to_string(),
            );
        }
        let (outcome, cause) = match (&link.rejected, end) {
            (Some((ev, cause)), _) => (
                format!("then refused the phone ({})", ev.kind.describe()),
                *cause,
            ),
            (None, Some(_)) => ("then released the channel".to_string(), None),
            (None, None) => (
                "and the recording ended before the outcome".to_string(),
                None,
            ),
        };
        if end.is_none() && link.rejected.is_none() {
            severity = Severity::Info;
        }
        // Sent here by a 4G/5G release without security moments before: one episode, the
        // lure and the collection, which no real network combines.
        let lure = self.lure.before(anchor).cloned();
        if lure.is_some() && severity >= Severity::Medium {
            severity = Severity::High;
            notes.push(
                "Moments before, a 4G or 3G release sent the phone to this 2G network: the lure and \
                 the identity collection are one episode."
                    .to_string(),
            );
        }
        let title = format!("GSM: {names} requested before authentication, {outcome}");
        let explanation = format!(
            "On 2G (GSM) the network asked the phone for its {names} before authenticating it, \
             {outcome}, and no ciphering was ever switched on. On GSM the network never has to \
             prove who it is, which is why cell-site simulators lure phones to 2G: this is how \
             they collect the permanent identity that tells them a particular person is here. \
             A real network asks for the IMSI only when it does not know the phone's temporary \
             identity, and then authenticates and ciphers. What to do: note the time and place; \
             if it repeats, keep the phone in 4G/5G-only mode where the settings allow it, and \
             compare with a phone on another network."
        );
        let mut f = Finding::at(KIND, VERSION, severity, anchor, title, explanation);
        if let Some(c) = cause {
            f = f.rejected_with(c);
        }
        if let Some(l) = &lure {
            f = f
                .with_evidence(Evidence::of(l, "sends the phone to 2G"))
                .luring(AccessTechnology::Geran)
                .spanning(l);
        }
        f = super::identity_episode(
            f,
            requested.iter().map(|(_, ev)| ev),
            link.rejected.as_ref().map(|(ev, _)| ev),
            end,
            "ciphering",
        );
        for n in notes {
            f = f.note(n);
        }
        out.push(f);
    }
}

impl Analyzer for GsmIdentityWithoutAuth {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On GSM, a permanent identity (IMSI, IMEI) asked before any authentication and \
         ciphering, after which the phone is rejected or released without ciphering ever \
         starting."
    }

    fn explained_by_subscription(&self) -> bool {
        true
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(
            kind,
            // UMTS events for the 3G releases and rejects that lure to GSM (the harness asks
            // per variant, so every UMTS event is delivered; the rest are ignored).
            EventKind::Gsm(_) | EventKind::ConnectionReleased { .. } | EventKind::Umts(_)
        )
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        if self.lure.observe(event) {
            return;
        }
        match self.link.classify(event) {
            Step::Ignore => return,
            Step::Reopened => self.close(None, out),
            Step::Ended => {
                self.close(Some(event), out);
                self.link.reset();
                return;
            }
            Step::Within => {}
        }
        if let EventKind::Gsm(GsmEvent::IdentityRequested { identity, .. }) = &event.kind {
            if identity.is_permanent()
                && !self.link.auth_requested
                && !self.link.ciphered
                && self.requested.len() < MAX_REQUESTS
            {
                self.requested.push((*identity, event.clone()));
            }
        }
        self.link.apply(event);
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.close(None, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{GsmProcedure, GsmStep};

    fn gsm(packet: u64, g: GsmEvent) -> Event {
        Event::new(packet, EventKind::Gsm(g))
    }

    fn run(events: &[Event]) -> Vec<Finding> {
        let mut a = GsmIdentityWithoutAuth::default();
        let mut out = Vec::new();
        for e in events {
            a.observe(e, &mut out);
        }
        a.finish(&mut out);
        out
    }

    fn lu_request(p: u64) -> Event {
        gsm(
            p,
            GsmEvent::Registration {
                procedure: GsmProcedure::LocationUpdate,
                step: GsmStep::Request,
                cause: None,
            },
        )
    }

    fn identity(p: u64, identity: IdentityType) -> Event {
        gsm(
            p,
            GsmEvent::IdentityRequested {
                identity,
                packet_switched: false,
            },
        )
    }

    #[test]
    fn imsi_then_reject_without_ciphering_is_reported() {
        let f = run(&[
            lu_request(1),
            identity(2, IdentityType::Imsi),
            gsm(
                3,
                GsmEvent::Registration {
                    procedure: GsmProcedure::LocationUpdate,
                    step: GsmStep::Reject,
                    cause: Some(15),
                },
            ),
            gsm(4, GsmEvent::ChannelReleased { cause: 0 }),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].packet, 2);
        assert_eq!(f[0].reject_cause, Some(15));
    }

    #[test]
    fn imsi_then_authentication_and_ciphering_is_legitimate() {
        let f = run(&[
            lu_request(1),
            identity(2, IdentityType::Imsi),
            gsm(
                3,
                GsmEvent::AuthRequested {
                    network_proof: false,
                },
            ),
            gsm(4, GsmEvent::AuthAnswered),
            gsm(
                5,
                GsmEvent::Ciphering {
                    packet_switched: false,
                    started: true,
                    algorithm: 3,
                },
            ),
            gsm(6, GsmEvent::ChannelReleased { cause: 0 }),
        ]);
        assert!(f.is_empty());
    }

    #[test]
    fn imsi_and_imei_without_authentication_is_high() {
        let f = run(&[
            lu_request(1),
            identity(2, IdentityType::Imsi),
            identity(3, IdentityType::Imei),
            gsm(4, GsmEvent::ChannelReleased { cause: 0 }),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn a_4g_release_to_2g_just_before_makes_one_high_episode() {
        use stingwatch_events::{CaptureTime, Redirect};
        let at = |e: Event, s: i64| e.at(CaptureTime(1_700_000_000_000_000 + s * 1_000_000));
        let release = Event::new(
            1,
            EventKind::ConnectionReleased {
                cause: None,
                redirect: Some(Redirect {
                    rat: AccessTechnology::Geran,
                    arfcn: Some(512),
                }),
                idle_priorities: std::sync::Arc::new([]),
            },
        );
        let episode = |gap: i64| {
            run(&[
                at(release.clone(), 0),
                at(lu_request(2), gap),
                at(identity(3, IdentityType::Imsi), gap + 1),
                at(gsm(4, GsmEvent::ChannelReleased { cause: 0 }), gap + 2),
            ])
        };
        let f = episode(5);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].lure, Some(AccessTechnology::Geran));
        assert!(f[0].evidence.iter().any(|e| e.packet == 1));
        // Long after, the redirect is another story.
        let f = episode(600);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].lure, None);
    }

    #[test]
    fn recording_ending_mid_exchange_is_info() {
        let f = run(&[lu_request(1), identity(2, IdentityType::Imsi)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }
}
