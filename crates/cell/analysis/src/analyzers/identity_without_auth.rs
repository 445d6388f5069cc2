//! Permanent identity (IMSI, IMEI, IMEISV) taken before authentication, then the device is
//! rejected or released without the network ever proving itself: what an IMSI catcher does.

use super::benign;
use crate::connection::Connection;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{emm_cause_name, AccessTechnology, Event, EventKind, IdentityType};

const KIND: &str = "identity-request-without-auth";
const VERSION: u32 = 1;
/// Most requests/responses kept per exposure.
const MAX_STEPS: usize = 16;
/// A reject without authentication is remembered for this many later connections, to catch
/// the reject-then-attach-with-IMSI chain.
const CHAIN_CONNECTIONS: u64 = 3;

/// Detects identity collection followed by reject or release without authentication.
#[derive(Debug, Default)]
pub struct IdentityRequestWithoutAuth {
    conn: Connection,
    pending: Option<Exposure>,
    /// Last reject without authentication: (evidence, cause, connection ordinal).
    recent_reject: Option<(Evidence, u8, u64)>,
}

#[derive(Debug)]
struct Exposure {
    anchor: Event,
    requested: Vec<IdentityType>,
    steps: Vec<Evidence>,
    chain: Option<(Evidence, u8)>,
    early: bool,
}

impl IdentityRequestWithoutAuth {
    fn close(&mut self, end: Option<&Event>, out: &mut Vec<Finding>) {
        let Some(exp) = self.pending.take() else {
            return;
        };
        if self.conn.authenticated() {
            return;
        }
        out.push(self.finding(exp, end));
    }

    fn finding(&self, exp: Exposure, end: Option<&Event>) -> Finding {
        let ids: Vec<String> = {
            let mut v: Vec<IdentityType> = exp.requested.clone();
            v.dedup();
            v.iter().map(|i| i.name()).collect()
        };
        let ids = if ids.is_empty() {
            "IMSI".to_string()
        } else {
            ids.join(" and ")
        };
        let mut severity = Severity::Medium;
        let mut notes: Vec<String> = Vec::new();
        let imsi = exp.requested.contains(&IdentityType::Imsi);
        let equipment = exp
            .requested
            .iter()
            .any(|i| matches!(i, IdentityType::Imei | IdentityType::Imeisv));
        if imsi && equipment {
            severity = Severity::High;
            notes.push(
                "Both the subscriber identity (IMSI) and the equipment identity (IMEI) were taken \
                 without authentication; real networks have no reason to ask for both."
                    .into(),
            );
        }
        if self.conn.auth_failure == Some(Some(20)) {
            severity = Severity::High;
            notes.push(
                "The phone answered an authentication attempt with 'MAC failure': the network \
                 could not prove it knows the SIM's secret key, which a real operator always can."
                    .into(),
            );
        }
        let (outcome, cause) = match end.map(|e| &e.kind) {
            Some(EventKind::AttachReject { cause })
            | Some(EventKind::TauReject { cause })
            | Some(EventKind::ServiceReject { cause }) => (
                format!(
                    "then rejected the phone (#{cause} {})",
                    emm_cause_name(*cause)
                ),
                Some(*cause),
            ),
            Some(EventKind::DetachRequest { cause, .. }) => {
                ("then detached the phone".to_string(), *cause)
            }
            Some(EventKind::ConnectionReleased {
                redirect: Some(r), ..
            }) => {
                if r.rat == AccessTechnology::Geran {
                    severity = Severity::High;
                    notes.push(
                        "The release sent the phone to 2G (GSM), where it can be intercepted."
                            .into(),
                    );
                }
                (
                    format!("then released it towards {}", r.rat.describe()),
                    None,
                )
            }
            Some(_) => ("then released the connection".to_string(), None),
            None => (
                "and the recording ended before the outcome".to_string(),
                None,
            ),
        };
        if end.is_none() {
            severity = Severity::Info;
        }
        let how = if exp.requested.is_empty() {
            "The phone sent its IMSI in an attach request"
        } else {
            "The network asked the phone for its"
        };
        let title = if exp.requested.is_empty() {
            "IMSI sent after a reject, then rejected without authentication".to_string()
        } else {
            format!("{ids} requested before authentication, {outcome}")
        };
        let mut explanation = if exp.requested.is_empty() {
            format!(
                "{how} (after an earlier reject without authentication), and the network {outcome} \
                 without ever authenticating it. "
            )
        } else {
            format!("{how} {ids} before authenticating it, {outcome} without authentication. ")
        };
        explanation.push_str(
            "This is what an IMSI catcher does: it collects the permanent identity, which a real \
             network rarely needs, and sends the phone away before it notices the cell cannot \
             authenticate. The permanent identity lets whoever runs it know this phone is here. ",
        );
        if let Some((_, c)) = &exp.chain {
            explanation.push_str(&format!(
                "It followed an earlier reject without authentication (#{c} {}), which makes the \
                 phone forget its temporary identity and reveal the permanent one. ",
                emm_cause_name(*c)
            ));
        }
        explanation.push_str(
            "What to do: note the time and place; if it repeats where you are, check whether the \
             cell also appears in other findings and compare with a phone on another network.",
        );
        let mut f = Finding::at(KIND, VERSION, severity, &exp.anchor, title, explanation);
        if let Some(c) = cause {
            f = f.rejected_with(c);
        }
        if let Some((ev, _)) = exp.chain {
            f = f.with_evidence(ev);
        }
        for s in exp.steps {
            f = f.with_evidence(s);
        }
        if let Some(e) = end {
            f = f.with_evidence(Evidence::of(e, "ends the exchange without authentication"));
        }
        let roaming_cause = matches!(cause, Some(11..=15));
        if roaming_cause {
            f = f.benign(benign::DEAD_SIM).benign(benign::ROAMING);
        } else {
            f = f.benign(benign::DEAD_SIM);
        }
        if exp.early {
            f = f.benign(benign::FIRST_POWER_ON).note(
                "It happened in one of the first connections of the recording, when a phone is \
                 often just powering on.",
            );
        } else {
            f = f.benign(benign::FIRST_POWER_ON);
        }
        if !roaming_cause {
            f = f.benign(benign::ROAMING);
        }
        for n in notes {
            f = f.note(n);
        }
        f
    }
}

fn is_reject(kind: &EventKind) -> Option<u8> {
    match kind {
        EventKind::AttachReject { cause }
        | EventKind::TauReject { cause }
        | EventKind::ServiceReject { cause } => Some(*cause),
        EventKind::DetachRequest {
            from_network: true,
            cause,
        } => Some(cause.unwrap_or(0)),
        _ => None,
    }
}

impl Analyzer for IdentityRequestWithoutAuth {
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
        "The network takes a permanent identity (IMSI, IMEI, IMEISV) before authenticating the \
         device and then rejects or releases it without authentication, possibly after a \
         tracking area update or attach reject that made the device reveal its IMSI."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        crate::connection::concerns_connection(kind)
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        if self.conn.starts_new(event) && self.conn.active {
            // The previous connection ended without a recorded release.
            self.close(Some(event), out);
        }
        self.conn.apply(event);
        if self.conn.proven() {
            self.pending = None;
            self.recent_reject = None;
        }
        match &event.kind {
            EventKind::IdentityRequested { identity, .. } if identity.is_permanent() => {
                if self.conn.authenticated() {
                    return;
                }
                let early = self.conn.is_early();
                let chain = self
                    .recent_reject
                    .as_ref()
                    .map(|(ev, cause, _)| (ev.clone(), *cause));
                let exp = self.pending.get_or_insert_with(|| Exposure {
                    anchor: event.clone(),
                    requested: Vec::new(),
                    steps: Vec::new(),
                    chain,
                    early,
                });
                if exp.requested.is_empty() {
                    // A volunteered IMSI anchored the exposure; the request is stronger.
                    exp.anchor = event.clone();
                }
                // Each identity once: the list names what was taken, and stays bounded
                // however many requests one connection carries.
                if !exp.requested.contains(identity) {
                    exp.requested.push(*identity);
                }
                if exp.steps.len() < MAX_STEPS {
                    exp.steps
                        .push(Evidence::of(event, "before any authentication"));
                }
            }
            EventKind::IdentitySent { identity } if identity.is_permanent() => {
                if let Some(exp) = self.pending.as_mut() {
                    if exp.steps.len() < MAX_STEPS {
                        exp.steps
                            .push(Evidence::of(event, "the phone revealed its identity"));
                    }
                }
            }
            EventKind::AttachRequest {
                identity: IdentityType::Imsi,
            } => {
                if let Some((ev, cause, ordinal)) = self.recent_reject.clone() {
                    if self.conn.ordinal.saturating_sub(ordinal) <= CHAIN_CONNECTIONS
                        && self.pending.is_none()
                    {
                        self.pending = Some(Exposure {
                            anchor: event.clone(),
                            requested: Vec::new(),
                            steps: vec![Evidence::of(
                                event,
                                "the phone sent its IMSI after the earlier reject",
                            )],
                            chain: Some((ev, cause)),
                            early: self.conn.is_early(),
                        });
                    }
                }
            }
            EventKind::AttachAccept | EventKind::TauAccept => {
                // Accepts are always integrity protected: the network holds the keys.
                self.pending = None;
            }
            EventKind::ConnectionReleased { .. } | EventKind::ConnectionRejected { .. } => {
                self.close(Some(event), out);
            }
            kind => {
                if let Some(cause) = is_reject(kind) {
                    if self.pending.is_some() {
                        self.close(Some(event), out);
                    } else if !self.conn.authenticated() {
                        self.recent_reject = Some((
                            Evidence::of(event, "reject without authentication"),
                            cause,
                            self.conn.ordinal,
                        ));
                    }
                }
            }
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
    use stingwatch_events::{Redirect, ReleaseCause};

    fn imsi_catcher() -> Vec<Event> {
        let c = cell(5230, 101, 7777, 4242);
        seq(
            10,
            c,
            vec![
                conn_req(),
                EventKind::ConnectionSetup,
                EventKind::TauRequest {
                    identity: IdentityType::Guti,
                    periodic: false,
                },
                id_req(IdentityType::Imsi), // 13
                id_sent(IdentityType::Imsi),
                EventKind::TauReject { cause: 15 },
                release(),
            ],
        )
    }

    #[test]
    fn identity_then_reject_without_auth_is_flagged_on_the_request() {
        let mut a = IdentityRequestWithoutAuth::default();
        let f = run(&mut a, &imsi_catcher());
        assert_eq!(f.len(), 1);
        assert!(f[0].severity >= Severity::Medium);
        assert_eq!(f[0].packet, 13);
        assert!(f[0].evidence.iter().any(|e| e.packet == 15));
        assert!(f[0]
            .benign_alternatives
            .iter()
            .any(|b| b.contains("SIM without service")));
    }

    #[test]
    fn identity_followed_by_authentication_is_benign() {
        let c = cell(5230, 101, 7777, 4242);
        let events = seq(
            10,
            c,
            vec![
                conn_req(),
                attach(IdentityType::Guti),
                id_req(IdentityType::Imsi),
                id_sent(IdentityType::Imsi),
                EventKind::AuthRequested,
                EventKind::AuthAnswered,
                nas_smc(2, 2),
                EventKind::AttachAccept,
                release(),
            ],
        );
        let mut a = IdentityRequestWithoutAuth::default();
        assert!(run(&mut a, &events).is_empty());
        let mut a = IdentityRequestWithoutAuth::default();
        assert!(run(&mut a, &benign_attach(1, c)).is_empty());
    }

    #[test]
    fn imsi_and_imei_then_geran_redirect_is_high() {
        let c = cell(5230, 101, 7777, 4242);
        let events = seq(
            1,
            c,
            vec![
                conn_req(),
                attach(IdentityType::Guti),
                id_req(IdentityType::Imsi),
                id_sent(IdentityType::Imsi),
                id_req(IdentityType::Imei),
                id_sent(IdentityType::Imei),
                EventKind::ConnectionReleased {
                    cause: Some(ReleaseCause::Other),
                    redirect: Some(Redirect {
                        rat: AccessTechnology::Geran,
                        arfcn: Some(20),
                    }),
                    idle_priorities: [].into(),
                },
            ],
        );
        let mut a = IdentityRequestWithoutAuth::default();
        let f = run(&mut a, &events);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].packet, 3);
    }

    #[test]
    fn reject_chain_then_imsi_attach_is_flagged() {
        let c = cell(5230, 101, 7777, 4242);
        let mut events = seq(
            1,
            c,
            vec![
                conn_req(),
                EventKind::TauRequest {
                    identity: IdentityType::Guti,
                    periodic: false,
                },
                EventKind::TauReject { cause: 9 },
                release(),
            ],
        );
        events.extend(seq(
            5,
            c,
            vec![
                conn_req(),
                attach(IdentityType::Imsi), // 6
                EventKind::AttachReject { cause: 3 },
                release(),
            ],
        ));
        let mut a = IdentityRequestWithoutAuth::default();
        let f = run(&mut a, &events);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].severity >= Severity::Medium);
        assert_eq!(f[0].packet, 6);
        assert!(f[0].evidence.iter().any(|e| e.packet == 3));
    }

    #[test]
    fn auth_mac_failure_does_not_count_as_authentication() {
        let c = cell(5230, 101, 7777, 4242);
        let events = seq(
            1,
            c,
            vec![
                conn_req(),
                attach(IdentityType::Guti),
                id_req(IdentityType::Imsi),
                id_sent(IdentityType::Imsi),
                EventKind::AuthRequested,
                EventKind::AuthFailure { cause: Some(20) },
                EventKind::AttachReject { cause: 7 },
            ],
        );
        let mut a = IdentityRequestWithoutAuth::default();
        let f = run(&mut a, &events);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn steps_stop_at_max_steps_and_the_title_names_each_identity_once() {
        let c = cell(5230, 101, 7777, 4242);
        // `requests` identity requests alternating IMSI and IMEI, each answered when `answer`.
        let exposure = |requests: usize, answer: bool| {
            let mut kinds = vec![conn_req(), attach(IdentityType::Guti)];
            for i in 0..requests {
                let t = if i % 2 == 0 {
                    IdentityType::Imsi
                } else {
                    IdentityType::Imei
                };
                kinds.push(id_req(t));
                if answer {
                    kinds.push(id_sent(t));
                }
            }
            kinds.push(EventKind::AttachReject { cause: 7 });
            let mut a = IdentityRequestWithoutAuth::default();
            let f = run(&mut a, &seq(1, c, kinds));
            assert_eq!(f.len(), 1);
            f.into_iter().next().unwrap()
        };
        // MAX_STEPS steps, then one more: the evidence is the steps kept and the reject.
        let f = exposure(MAX_STEPS / 2, true);
        assert_eq!(f.evidence.len(), MAX_STEPS + 1);
        let f = exposure(MAX_STEPS + 1, false);
        assert_eq!(f.evidence.len(), MAX_STEPS + 1);
        assert_eq!(f.evidence[MAX_STEPS - 1].packet, 2 + MAX_STEPS as u64);
        // A connection of 1000 NAS messages.
        let f = exposure(499, true);
        assert_eq!(f.evidence.len(), MAX_STEPS + 1);
        assert_eq!(
            f.title,
            "IMSI and IMEI requested before authentication, then rejected the phone \
             (#7 EPS services not allowed)"
        );
    }

    #[test]
    fn recording_ending_mid_exchange_is_only_info() {
        let c = cell(5230, 101, 7777, 4242);
        let events = seq(
            1,
            c,
            vec![
                conn_req(),
                attach(IdentityType::Guti),
                id_req(IdentityType::Imsi),
            ],
        );
        let mut a = IdentityRequestWithoutAuth::default();
        assert_eq!(worst(&run(&mut a, &events)), Some(Severity::Info));
    }
}
