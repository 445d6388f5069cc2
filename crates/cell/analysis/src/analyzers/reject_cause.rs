//! Reject causes that bar a device from the network or push it down to 2G/3G, sent without
//! authentication.

use super::benign;
use crate::connection::Connection;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{emm_cause_name, Event, EventKind};

const KIND: &str = "downgrade-reject-cause";
const VERSION: u32 = 1;

/// Detects attach/TAU/service rejects and network detaches with harmful causes, unauthenticated.
#[derive(Debug, Default)]
pub struct DowngradeRejectCause {
    conn: Connection,
}

/// What the cause makes the phone do (TS 24.301 5.5.1.2.5, 5.5.3.2.5, 5.6.1.5).
fn effect(cause: u8) -> Option<&'static str> {
    Some(match cause {
        3 | 6 | 8 => {
            "The phone must now treat its SIM as invalid for all mobile service (calls, texts \
             and data on 2G, 3G and 4G) until it is switched off and on or the SIM is \
             re-inserted: a denial of service."
        }
        7 => {
            "The phone must now treat its SIM as invalid for 4G and fall back to 2G or 3G, \
             where an attacker has far more options, until it is switched off and on."
        }
        14 => {
            "The phone must stop using 4G on this network and fall back to 2G or 3G, where an \
             attacker has far more options."
        }
        11 => {
            "The phone adds the whole network to its forbidden list and stops using it until \
             switched off and on."
        }
        12 | 13 => {
            "The phone adds this tracking area to its forbidden list and stops using its cells \
             until switched off and on (or for hours)."
        }
        15 => "The phone must look for another tracking area and avoid this one.",
        _ => return None,
    })
}

impl Analyzer for DowngradeRejectCause {
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
        "Attach, tracking area update or service reject (or a network detach) with a cause that \
         bars the device or pushes it to 2G/3G (#3, #6, #7, #8, #11 to #15), sent before the \
         network authenticated the device."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        crate::connection::concerns_connection(kind)
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        self.conn.apply(event);
        let (procedure, cause) = match &event.kind {
            EventKind::AttachReject { cause } => ("attach", *cause),
            EventKind::TauReject { cause } => ("tracking area update", *cause),
            EventKind::ServiceReject { cause } => ("service request", *cause),
            EventKind::DetachRequest {
                from_network: true,
                cause: Some(cause),
            } => ("network detach", *cause),
            _ => return,
        };
        let Some(effect) = effect(cause) else { return };
        if self.conn.authenticated() {
            // A reject from a network that proved it holds the keys is the real operator.
            return;
        }
        let name = emm_cause_name(cause);
        let title = format!("Unauthenticated {procedure} reject #{cause} ({name})");
        let explanation = format!(
            "The network refused the phone's {procedure} with cause #{cause} ({name}) without \
             first authenticating it. {effect} Phones accept such rejects unauthenticated, so a \
             fake base station can send them to knock a phone off 4G or off the network, \
             usually right after collecting its identity. What to do: if your phone shows no \
             service or only 2G/3G afterwards, restart it away from this place, and check \
             whether the same cell appears in other findings."
        );
        let mut f = Finding::at(KIND, VERSION, Severity::Medium, event, title, explanation)
            .with_evidence(Evidence::of(event, "sent without authentication"))
            .rejected_with(cause);
        if matches!(cause, 7 | 8 | 11..=15) {
            f = f.benign(benign::DEAD_SIM).benign(benign::ROAMING);
        } else {
            f = f.benign(benign::DEAD_SIM).benign(
                "A SIM or phone that the operator has blocked (reported stolen, unpaid bill, \
                 IMEI blacklist). Tell apart: does the phone also fail on other cells of the \
                 operator, and does the operator's support confirm a block?",
            );
        }
        if self.conn.is_early() {
            f = f.benign(benign::FIRST_POWER_ON);
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::IdentityType;

    #[test]
    fn unauthenticated_reject_7_is_flagged_on_the_reject() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                conn_req(),
                EventKind::TauRequest {
                    identity: IdentityType::Guti,
                    periodic: false,
                },
                EventKind::TauReject { cause: 7 },
                release(),
            ],
        );
        let mut a = DowngradeRejectCause::default();
        let f = run(&mut a, &events);
        assert_eq!(f.len(), 1);
        assert!(f[0].severity >= Severity::Medium);
        assert_eq!(f[0].packet, 3);
    }

    #[test]
    fn authenticated_reject_and_harmless_causes_are_not_flagged() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                conn_req(),
                attach(IdentityType::Imsi),
                EventKind::AuthRequested,
                EventKind::AuthAnswered,
                EventKind::AttachReject { cause: 14 },
                release(),
                conn_req(),
                EventKind::TauRequest {
                    identity: IdentityType::Guti,
                    periodic: true,
                },
                EventKind::TauReject { cause: 10 },
                release(),
            ],
        );
        let mut a = DowngradeRejectCause::default();
        assert!(run(&mut a, &events).is_empty());
    }
}
