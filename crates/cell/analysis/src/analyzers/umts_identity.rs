//! UMTS: a permanent identity (IMSI, IMEI) asked in a connection that never reaches a
//! security mode the phone accepts, then a reject or a release: what a 3G IMSI catcher does.
//!
//! On UMTS the phone accepts a Security Mode Command only when its integrity check verifies,
//! which needs keys from an authentication in which the network proved itself (TS 33.102). A
//! fake cell cannot get there, so it asks for the identity in the clear and then rejects or
//! releases the phone. A real network asks for the IMSI when it does not know the phone's
//! temporary identity, and then authenticates and commands security: that is operator
//! policy, not an attack. Also here, at low weight: an RRC Connection Request carrying the
//! IMSI (the phone had no valid temporary identity for this network, or was told to forget
//! it), and a security mode without ciphering (UEA0) after authentication, a weak but real
//! configuration.

use super::benign;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{Event, EventKind, GsmEvent, GsmStep, IdentityType, UmtsEvent};

const KIND: &str = "umts-identity-without-security";
const KIND_IMSI_REQUEST: &str = "umts-imsi-in-connection-request";
const KIND_NO_CIPHERING: &str = "umts-no-ciphering";
const VERSION: u32 = 1;
/// Most identity requests kept per connection.
const MAX_REQUESTS: usize = 8;
/// A connection with no message for this long has ended (the RRC inactivity timers of real
/// networks release an idle connection well before).
const MAX_SILENCE_MICROS: i64 = 60_000_000;

/// What one UMTS RRC connection showed so far.
#[derive(Debug, Default)]
struct UmtsLink {
    open: bool,
    /// The connection request, when it carried the IMSI.
    imsi_request: Option<Event>,
    /// Permanent identities asked before security.
    requested: Vec<(IdentityType, Event)>,
    /// The phone accepted a security mode command.
    secured: bool,
    /// The last security mode command, and whether it ciphers.
    command: Option<(Event, bool)>,
    /// The phone refused the network's authentication (AUTN wrong).
    auth_failed: bool,
    /// A NAS reject (event and cause).
    rejected: Option<(Event, Option<u8>)>,
    last_time: Option<i64>,
}

/// Detects identity collection on UMTS without security.
#[derive(Debug, Default)]
pub struct UmtsIdentityWithoutSecurity {
    link: UmtsLink,
}

impl UmtsIdentityWithoutSecurity {
    fn close(&mut self, end: Option<&Event>, out: &mut Vec<Finding>) {
        let link = std::mem::take(&mut self.link);
        if link.secured {
            if let Some((cmd, false)) = &link.command {
                out.push(
                    Finding::at(
                        KIND_NO_CIPHERING,
                        VERSION,
                        Severity::Low,
                        cmd,
                        "UMTS: security without ciphering (UEA0)".to_string(),
                        "On 3G the network authenticated the phone and switched on integrity \
                         protection, but no ciphering (UEA0): the signalling cannot be forged, \
                         but calls and texts on this connection travel unencrypted. Some \
                         operators configure this; it is a weak setting, not an attack."
                            .to_string(),
                    )
                    .with_evidence(Evidence::of(cmd, "commands UEA0"))
                    .benign(benign::OPERATOR_CONFIG),
                );
            }
            return;
        }
        let Some((_, anchor)) = link.requested.first() else {
            if let Some(req) = &link.imsi_request {
                out.push(
                    Finding::at(
                        KIND_IMSI_REQUEST,
                        VERSION,
                        Severity::Low,
                        req,
                        "UMTS: the phone introduced itself with its IMSI".to_string(),
                        "The phone opened a 3G connection with its permanent identity (IMSI) \
                         instead of a temporary one, and the connection never reached a \
                         security mode. A phone does this when it has no valid temporary \
                         identity for this network or was told to forget it, which a fake cell \
                         can provoke. Alone this is supporting evidence only."
                            .to_string(),
                    )
                    .with_evidence(Evidence::of(req, "carries the IMSI"))
                    .benign(benign::FIRST_POWER_ON)
                    .benign(benign::ROAMING),
                );
            }
            return;
        };
        let mut ids: Vec<IdentityType> = link.requested.iter().map(|(i, _)| *i).collect();
        ids.dedup();
        let names: Vec<String> = ids.iter().map(|i| i.name()).collect();
        let names = names.join(" and ");
        let (mut severity, outcome) = match (&link.rejected, end) {
            (Some((ev, _)), _) => (
                Severity::High,
                format!("then refused the phone ({})", ev.kind.describe()),
            ),
            (None, Some(e)) => (
                Severity::High,
                format!("then ended the connection ({})", e.kind.describe()),
            ),
            (None, None) => (
                Severity::Info,
                "and the recording ended before the outcome".to_string(),
            ),
        };
        if end.is_none() && link.rejected.is_none() && link.open && link.last_time.is_some() {
            // Closed by silence or by a new connection: the outcome was not seen.
            severity = Severity::Medium;
        }
        let mut f = Finding::at(
            KIND,
            VERSION,
            severity,
            anchor,
            format!("UMTS: {names} requested without security, {outcome}"),
            format!(
                "On 3G (UMTS) the network asked the phone for its {names}, {outcome}, and \
                 the phone never accepted a security mode. A real 3G network that asks for the \
                 IMSI goes on to authenticate the phone and switch on integrity protection, \
                 which a fake cell cannot do because it lacks the SIM's keys; collecting the \
                 identity and then sending the phone away is what 3G IMSI catchers do. What to \
                 do: note the time and place, and compare with a phone on another network."
            ),
        );
        if let Some(req) = &link.imsi_request {
            f = f.with_evidence(Evidence::of(
                req,
                "the phone opened the connection with its IMSI",
            ));
        }
        for (_, ev) in &link.requested {
            f = f.with_evidence(Evidence::of(ev, "before any security mode"));
        }
        if let Some((ev, cause)) = &link.rejected {
            f = f.with_evidence(Evidence::of(ev, "refuses the phone without security"));
            if let Some(c) = cause {
                f = f.rejected_with(*c);
            }
        }
        if let Some(e) = end {
            f = f.with_evidence(Evidence::of(e, "ends the connection without security"));
        }
        if link.auth_failed {
            f = f.note(
                "The phone refused the network's authentication: the network could not prove \
                 it holds the SIM's key.",
            );
        }
        out.push(
            f.benign(benign::DEAD_SIM)
                .benign(benign::ROAMING)
                .benign(benign::FIRST_POWER_ON),
        );
    }
}

impl Analyzer for UmtsIdentityWithoutSecurity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On UMTS, a permanent identity (IMSI, IMEI) asked in a connection that never reaches a \
         security mode the phone accepts, then a reject or release; also, at low weight, an RRC \
         connection request carrying the IMSI, and security without ciphering (UEA0)."
    }

    fn explained_by_subscription(&self) -> bool {
        true
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Umts(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::Umts(u) = &event.kind else {
            return;
        };
        let silent = match (self.link.last_time, event.time) {
            (Some(last), Some(now)) => now.0.saturating_sub(last) > MAX_SILENCE_MICROS,
            _ => false,
        };
        let request = matches!(u, UmtsEvent::ConnectionRequested { .. });
        if self.link.open && (silent || request) {
            self.close(None, out);
        }
        match u {
            UmtsEvent::Cell { .. } | UmtsEvent::Paging { .. } => return,
            UmtsEvent::ConnectionReleased { .. } | UmtsEvent::ConnectionRejected { .. } => {
                if self.link.open {
                    self.close(Some(event), out);
                }
                return;
            }
            _ => {}
        }
        let link = &mut self.link;
        link.open = true;
        link.last_time = event.time.map(|t| t.0);
        match u {
            UmtsEvent::ConnectionRequested {
                identity: IdentityType::Imsi,
                ..
            } => link.imsi_request = Some(event.clone()),
            UmtsEvent::SecurityModeCommand { cipher, .. } => {
                link.command = Some((event.clone(), *cipher != Some(0)));
            }
            UmtsEvent::SecurityModeComplete => link.secured = true,
            UmtsEvent::Nas(GsmEvent::IdentityRequested { identity, .. })
                if identity.is_permanent()
                    && !link.secured
                    && link.requested.len() < MAX_REQUESTS =>
            {
                link.requested.push((*identity, event.clone()));
            }
            UmtsEvent::Nas(GsmEvent::AuthFailed) => link.auth_failed = true,
            UmtsEvent::Nas(GsmEvent::AuthRejected) if !link.secured => {
                link.rejected.get_or_insert((event.clone(), None));
            }
            UmtsEvent::Nas(GsmEvent::Registration {
                step: GsmStep::Reject,
                cause,
                ..
            }) if !link.secured => {
                link.rejected.get_or_insert((event.clone(), *cause));
            }
            _ => {}
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.close(None, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{AccessTechnology, GsmProcedure, Redirect};

    fn umts(packet: u64, u: UmtsEvent) -> Event {
        Event::new(packet, EventKind::Umts(u))
    }

    fn run(events: &[Event]) -> Vec<Finding> {
        let mut a = UmtsIdentityWithoutSecurity::default();
        let mut out = Vec::new();
        for e in events {
            a.observe(e, &mut out);
        }
        a.finish(&mut out);
        out
    }

    fn request(packet: u64, identity: IdentityType) -> Event {
        umts(
            packet,
            UmtsEvent::ConnectionRequested {
                identity,
                cause: 12,
            },
        )
    }

    fn ask(packet: u64, identity: IdentityType) -> Event {
        umts(
            packet,
            UmtsEvent::Nas(GsmEvent::IdentityRequested {
                identity,
                packet_switched: false,
            }),
        )
    }

    fn release(packet: u64, to_gsm: bool) -> Event {
        umts(
            packet,
            UmtsEvent::ConnectionReleased {
                redirect: to_gsm.then_some(Redirect {
                    rat: AccessTechnology::Geran,
                    arfcn: None,
                }),
                integrity_checked: false,
            },
        )
    }

    #[test]
    fn identity_then_reject_without_security_is_high() {
        let f = run(&[
            request(1, IdentityType::Tmsi),
            ask(2, IdentityType::Imsi),
            umts(
                3,
                UmtsEvent::Nas(GsmEvent::Registration {
                    procedure: GsmProcedure::LocationUpdate,
                    step: GsmStep::Reject,
                    cause: Some(13),
                }),
            ),
            release(4, false),
        ]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, KIND);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].packet, 2);
    }

    #[test]
    fn identity_then_authentication_and_security_is_policy() {
        let f = run(&[
            request(1, IdentityType::Imsi),
            ask(2, IdentityType::Imsi),
            umts(
                3,
                UmtsEvent::Nas(GsmEvent::AuthRequested {
                    network_proof: true,
                }),
            ),
            umts(4, UmtsEvent::Nas(GsmEvent::AuthAnswered)),
            umts(
                5,
                UmtsEvent::SecurityModeCommand {
                    cipher: Some(2),
                    integrity: Some(2),
                },
            ),
            umts(6, UmtsEvent::SecurityModeComplete),
            release(7, false),
        ]);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn ueaz_after_authentication_is_low() {
        let f = run(&[
            request(1, IdentityType::Tmsi),
            umts(
                2,
                UmtsEvent::SecurityModeCommand {
                    cipher: Some(0),
                    integrity: Some(1),
                },
            ),
            umts(3, UmtsEvent::SecurityModeComplete),
            release(4, false),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].kind, f[0].severity),
            (KIND_NO_CIPHERING, Severity::Low)
        );
    }

    #[test]
    fn imsi_in_request_alone_is_low() {
        let f = run(&[request(1, IdentityType::Imsi), release(2, false)]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].kind, f[0].severity),
            (KIND_IMSI_REQUEST, Severity::Low)
        );
        let f = run(&[request(1, IdentityType::Tmsi), release(2, false)]);
        assert!(f.is_empty());
    }
}
