//! UMTS: an RRC Connection Release or Reject that sends the phone to GSM before any security
//! mode: how a 3G fake cell hands its catch to a 2G one, where the network never has to prove
//! itself. The GSM analyzers tie what the 2G cell does next to this lure (one episode).

use super::benign;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{AccessTechnology, Event, EventKind, UmtsEvent};

const KIND: &str = "umts-redirect-to-gsm-without-security";
const VERSION: u32 = 1;

/// Detects UMTS releases and rejects redirecting to GSM without security.
#[derive(Debug, Default)]
pub struct UmtsRedirectToGsm {
    /// A security mode was accepted in the current connection.
    secured: bool,
}

impl Analyzer for UmtsRedirectToGsm {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On UMTS, an RRC connection release or reject redirecting the phone to GSM before the \
         phone accepted any security mode."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Umts(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::Umts(u) = &event.kind else {
            return;
        };
        let (what, redirect) = match u {
            UmtsEvent::ConnectionRequested { .. } => {
                self.secured = false;
                return;
            }
            UmtsEvent::SecurityModeComplete => {
                self.secured = true;
                return;
            }
            UmtsEvent::ConnectionReleased { redirect, .. } => ("connection release", *redirect),
            UmtsEvent::ConnectionRejected { redirect } => ("connection reject", *redirect),
            _ => return,
        };
        let secured = std::mem::take(&mut self.secured);
        if secured || redirect.is_none_or(|r| r.rat != AccessTechnology::Geran) {
            return;
        }
        out.push(
            Finding::at(
                KIND,
                VERSION,
                Severity::Medium,
                event,
                format!("UMTS: {what} sends the phone to 2G (GSM) before any security"),
                "A 3G cell sent the phone to 2G (GSM) before any security mode was in force. On \
                 GSM the network never proves itself, which is why fake cells lure phones there. \
                 Real networks redirect to 2G for calls where 3G is congested or absent, usually \
                 after security is on."
                    .to_string(),
            )
            .with_evidence(Evidence::of(event, "sends the phone to 2G"))
            .luring(AccessTechnology::Geran)
            .benign(benign::OPERATOR_CONFIG),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{IdentityType, Redirect};

    fn umts(packet: u64, u: UmtsEvent) -> Event {
        Event::new(packet, EventKind::Umts(u))
    }

    fn run(events: &[Event]) -> Vec<Finding> {
        let mut a = UmtsRedirectToGsm::default();
        let mut out = Vec::new();
        for e in events {
            a.observe(e, &mut out);
        }
        out
    }

    const GSM: Option<Redirect> = Some(Redirect {
        rat: AccessTechnology::Geran,
        arfcn: None,
    });

    #[test]
    fn redirect_before_security_is_flagged_after_it_is_not() {
        let req = umts(
            1,
            UmtsEvent::ConnectionRequested {
                identity: IdentityType::Tmsi,
                cause: 0,
            },
        );
        let f = run(&[
            req.clone(),
            umts(2, UmtsEvent::ConnectionRejected { redirect: GSM }),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].severity, f[0].packet), (Severity::Medium, 2));
        let f = run(&[
            req,
            umts(2, UmtsEvent::SecurityModeComplete),
            umts(
                3,
                UmtsEvent::ConnectionReleased {
                    redirect: GSM,
                    integrity_checked: true,
                },
            ),
        ]);
        assert!(f.is_empty());
    }
}
