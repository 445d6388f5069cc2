//! 5G: a registration or service reject (or a network de-registration) whose cause bars the
//! phone or pushes it off 5G, sent before the network authenticated the phone and secured
//! NAS.

use super::benign;
use super::nr_link::{NrLink, Step};
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{fgmm_cause_name, Event, EventKind, Nas5gEvent};

const KIND: &str = "nr-unauthenticated-reject";
const VERSION: u32 = 1;

/// Detects unauthenticated 5G rejects with causes that bar or downgrade the phone.
#[derive(Debug, Default)]
pub struct NrUnauthenticatedReject {
    link: NrLink,
}

/// What the cause makes the phone do (TS 24.501 §5.5.1.2.5, §5.5.1.3.5, §5.6.1.5,
/// §5.5.2.3.2), and whether the effect lasts until the phone is switched off.
fn effect(cause: u8) -> Option<(&'static str, bool)> {
    Some(match cause {
        3 | 6 => (
            "The phone must now treat its SIM as invalid for 5G and for 4G until it is switched \
             off and on or the SIM is re-inserted: a denial of service.",
            true,
        ),
        7 => (
            "The phone must now treat its SIM as invalid for 5G until it is switched off and \
             on, and fall back to 4G or older networks.",
            true,
        ),
        27 | 31 => (
            "The phone must switch its 5G capability (N1 mode) off and use 4G instead: a \
             forced downgrade.",
            true,
        ),
        11 | 73 => (
            "The phone adds the whole network to its forbidden list and stops using it.",
            false,
        ),
        12 | 13 => (
            "The phone adds this tracking area to its forbidden list and stops using its cells \
             for hours or until switched off.",
            false,
        ),
        15 => (
            "The phone must look for another tracking area (possibly on an older technology) \
             and avoid this one.",
            false,
        ),
        62 => (
            "The phone is told no network slice is available to it and stays unregistered \
             here until a timer runs out.",
            false,
        ),
        _ => return None,
    })
}

impl Analyzer for NrUnauthenticatedReject {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn explained_by_subscription(&self) -> bool {
        true
    }

    fn description(&self) -> &'static str {
        "On 5G, a registration or service reject (or a network de-registration) with a cause \
         that bars the phone or pushes it off 5G (#3, #6, #7, #11 to #15, #27, #31, #62, #73), \
         sent before authentication and NAS security."
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
            Step::Reopened | Step::Ended => self.link.reset(),
            Step::Within => {}
        }
        // Judged on the state before this event: the reject itself changes nothing of it.
        let authenticated = self.link.secured || self.link.network_proved();
        let early_identity = self.link.early_identity_request.clone();
        self.link.apply(event);
        let (procedure, cause) = match &event.kind {
            EventKind::Nas5g(Nas5gEvent::RegistrationReject { cause }) => ("registration", *cause),
            EventKind::Nas5g(Nas5gEvent::ServiceReject { cause }) => ("service request", *cause),
            EventKind::Nas5g(Nas5gEvent::Deregistration {
                from_network: true,
                cause: Some(cause),
            }) => ("network de-registration", *cause),
            _ => return,
        };
        let Some((effect, lasting)) = effect(cause) else {
            return;
        };
        if authenticated {
            // A reject from a network that proved it holds the keys is the real operator.
            return;
        }
        let name = fgmm_cause_name(cause);
        let mut severity = Severity::Medium;
        let mut notes = Vec::new();
        if lasting && early_identity.is_some() {
            severity = Severity::High;
            notes.push(
                "The network first asked for the phone's identity, then sent a reject whose \
                 effect lasts until the phone is restarted: collect, then push away."
                    .to_string(),
            );
        }
        let title = format!("5G: unauthenticated {procedure} reject #{cause} ({name})");
        let explanation = format!(
            "The network refused the phone's {procedure} with cause #{cause} ({name}) before \
             authenticating it or switching NAS security on. {effect} Phones must accept such \
             rejects unprotected, so a fake 5G cell can send them to knock a phone off 5G or \
             off the network, usually right after collecting its identity. What to do: if the \
             phone shows no service or only 4G afterwards, restart it away from this place."
        );
        let mut f = Finding::at(KIND, VERSION, severity, event, title, explanation)
            .with_evidence(Evidence::of(
                event,
                "sent without authentication or security",
            ))
            .rejected_with(cause);
        if let Some(req) = &early_identity {
            f = f.with_evidence(Evidence::of(req, "identity asked before authentication"));
        }
        f = f.benign(benign::DEAD_SIM).benign(benign::ROAMING).benign(
            "A subscription without 5G (standalone) service: some operators reject 5G \
             registration with #7, #27 or #62 for plans that do not include it. Tell apart: \
             does it happen on every 5G cell of the operator, every day?",
        );
        for n in notes {
            f = f.note(n);
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::{IdentityType, Registration5g};

    fn n(e: Nas5gEvent) -> EventKind {
        EventKind::Nas5g(e)
    }

    fn reg() -> EventKind {
        n(Nas5gEvent::RegistrationRequest {
            registration: Registration5g::Initial,
            identity: IdentityType::Guti,
            suci: None,
        })
    }

    #[test]
    fn plain_reject_is_flagged_and_authenticated_reject_is_not() {
        let c = cell(1, 1, 1, 1);
        let f = run(
            &mut NrUnauthenticatedReject::default(),
            &seq(
                1,
                c,
                vec![reg(), n(Nas5gEvent::RegistrationReject { cause: 27 })],
            ),
        );
        assert_eq!(worst(&f), Some(Severity::Medium));
        assert_eq!(f[0].packet, 2);
        let after_auth = vec![
            reg(),
            n(Nas5gEvent::AuthRequested),
            n(Nas5gEvent::AuthAnswered),
            n(Nas5gEvent::SecurityModeCommand {
                ciphering: 2,
                integrity: 2,
                imeisv_requested: false,
            }),
            n(Nas5gEvent::SecurityModeComplete),
            n(Nas5gEvent::RegistrationReject { cause: 27 }),
        ];
        let f = run(
            &mut NrUnauthenticatedReject::default(),
            &seq(1, c, after_auth),
        );
        assert!(f.is_empty());
        // Congestion pushes nobody away.
        let f = run(
            &mut NrUnauthenticatedReject::default(),
            &seq(
                1,
                c,
                vec![reg(), n(Nas5gEvent::RegistrationReject { cause: 22 })],
            ),
        );
        assert!(f.is_empty());
    }
}
