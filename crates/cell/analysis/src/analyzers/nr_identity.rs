//! 5G: an identity (SUCI, IMEI, IMEISV) asked before authentication and NAS security, after
//! which the phone is rejected or released without security ever starting: what a 5G
//! standalone IMSI catcher does, since it cannot authenticate.

use super::nr_link::{NrLink, Step};
use crate::{Analyzer, Finding, Severity};
use stingwatch_events::{Event, EventKind, IdentityType, Nas5gEvent};

const KIND: &str = "nr-identity-without-auth";
const VERSION: u32 = 1;
/// Most identity requests kept per exchange.
const MAX_REQUESTS: usize = 8;

/// Detects identity collection on 5G without authentication and security.
#[derive(Debug, Default)]
pub struct NrIdentityWithoutAuth {
    link: NrLink,
    requested: Vec<(IdentityType, Event)>,
}

fn asks_identity(identity: IdentityType) -> bool {
    matches!(
        identity,
        IdentityType::Suci | IdentityType::Imei | IdentityType::Imeisv
    )
}

impl NrIdentityWithoutAuth {
    fn close(&mut self, end: Option<&Event>, out: &mut Vec<Finding>) {
        let link = std::mem::take(&mut self.link);
        let requested = std::mem::take(&mut self.requested);
        let Some((_, anchor)) = requested.first() else {
            return;
        };
        // Asking first and then authenticating and securing is what TS 24.501 §5.4.3 allows
        // a network that does not know the phone's 5G-GUTI: operator policy, not an attack.
        if link.secured || link.network_proved() {
            return;
        }
        let mut ids: Vec<IdentityType> = requested.iter().map(|(i, _)| *i).collect();
        ids.dedup();
        let names = ids
            .iter()
            .map(|i| i.name())
            .collect::<Vec<_>>()
            .join(" and ");
        let subscriber = ids.contains(&IdentityType::Suci);
        let equipment = ids
            .iter()
            .any(|i| matches!(i, IdentityType::Imei | IdentityType::Imeisv));
        let mut severity = Severity::Medium;
        let mut notes = Vec::new();
        if subscriber && equipment {
            severity = Severity::High;
            notes.push(
                "Both the subscription identity (SUCI) and the equipment identity (PEI) were \
                 asked before any security; a real network asks for the equipment identity \
                 only inside the security mode procedure."
                    .to_string(),
            );
        }
        if link.auth_failed {
            severity = Severity::High;
            notes.push(
                "The phone refused the network's authentication: the network could not prove \
                 it holds the subscriber's key, which the real operator always can."
                    .to_string(),
            );
        }
        let (outcome, cause) = match (&link.rejected, end) {
            (Some((ev, cause)), _) => (
                format!("then refused the phone ({})", ev.kind.describe()),
                *cause,
            ),
            (None, Some(_)) => ("then released the connection".to_string(), None),
            (None, None) => (
                "and the recording ended before the outcome".to_string(),
                None,
            ),
        };
        if end.is_none() && link.rejected.is_none() {
            severity = Severity::Info;
        }
        let title = format!("5G: {names} requested before authentication, {outcome}");
        let explanation = format!(
            "On 5G the network asked the phone for its {names} before authenticating it, \
             {outcome}, and NAS security was never switched on. Only the real operator can \
             authenticate a phone; a fake 5G cell cannot, so it asks for identities, gets the \
             equipment identity (IMEI, always sent in clear) or a SUCI (the IMSI in clear if \
             the SIM has no concealment key), then sends the phone away. A real network that \
             asks for an identity goes on to authenticate and secure the connection. What to \
             do: note the time and place, and compare with a phone on another network."
        );
        let mut f = Finding::at(KIND, VERSION, severity, anchor, title, explanation);
        if let Some(c) = cause {
            f = f.rejected_with(c);
        }
        f = super::identity_episode(
            f,
            requested.iter().map(|(_, ev)| ev),
            link.rejected.as_ref().map(|(ev, _)| ev),
            end,
            "security",
        );
        for n in notes {
            f = f.note(n);
        }
        out.push(f);
    }
}

impl Analyzer for NrIdentityWithoutAuth {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On 5G, an identity (SUCI, IMEI, IMEISV) asked before any authentication and NAS \
         security, after which the phone is rejected or released without security ever \
         starting."
    }

    fn explained_by_subscription(&self) -> bool {
        true
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(
            kind,
            EventKind::Nas5g(_) | EventKind::ConnectionReleased { .. }
        )
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
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
        if let EventKind::Nas5g(Nas5gEvent::IdentityRequested { identity }) = &event.kind {
            if asks_identity(*identity)
                && !self.link.auth_requested
                && !self.link.secured
                && self.requested.len() < MAX_REQUESTS
            {
                self.requested.push((*identity, event.clone()));
            }
        }
        self.link.apply(event);
        // A reject or a network de-registration ends the exchange at once.
        if self.link.rejected.is_some() && !self.requested.is_empty() {
            self.close(None, out);
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.close(None, out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::{Registration5g, SuciProtection};

    fn n(e: Nas5gEvent) -> EventKind {
        EventKind::Nas5g(e)
    }

    fn start() -> Vec<EventKind> {
        vec![
            n(Nas5gEvent::RegistrationRequest {
                registration: Registration5g::Initial,
                identity: IdentityType::Guti,
                suci: None,
            }),
            n(Nas5gEvent::IdentityRequested {
                identity: IdentityType::Suci,
            }),
            n(Nas5gEvent::IdentitySent {
                identity: IdentityType::Suci,
                suci: Some(SuciProtection {
                    scheme: 1,
                    home_network_key: Some(1),
                    home_network: None,
                }),
            }),
        ]
    }

    #[test]
    fn identity_then_reject_is_flagged_at_the_request() {
        let mut kinds = start();
        kinds.push(n(Nas5gEvent::RegistrationReject { cause: 7 }));
        let f = run(
            &mut NrIdentityWithoutAuth::default(),
            &seq(1, cell(1, 1, 1, 1), kinds),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].packet, 2);
        assert_eq!(worst(&f), Some(Severity::Medium));
    }

    #[test]
    fn identity_then_authentication_and_security_is_policy() {
        let mut kinds = start();
        kinds.extend([
            n(Nas5gEvent::AuthRequested),
            n(Nas5gEvent::AuthAnswered),
            n(Nas5gEvent::SecurityModeCommand {
                ciphering: 2,
                integrity: 2,
                imeisv_requested: true,
            }),
            n(Nas5gEvent::SecurityModeComplete),
            n(Nas5gEvent::RegistrationAccept),
            release(),
        ]);
        let f = run(
            &mut NrIdentityWithoutAuth::default(),
            &seq(1, cell(1, 1, 1, 1), kinds),
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
