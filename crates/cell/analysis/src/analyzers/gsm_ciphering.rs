//! GSM: a connection that carried a registration, a call or a short message without
//! ciphering (a command for A5/0 or GEA/0, or no command at all).
//!
//! A cell-site simulator does not hold the SIM's key, so it cannot start ciphering that the
//! phone would accept: it either commands "no ciphering" or never commands ciphering, and it
//! accepts whatever the phone asks without a challenge. A real network that skips
//! authentication still ciphers with the key of an earlier authentication.

use super::benign;
use super::gsm_link::{GsmLink, Step};
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{Event, EventKind};

const KIND_CIPHER: &str = "gsm-no-ciphering";
const VERSION: u32 = 1;

/// Detects GSM connections that carried signalling, calls or SMS without ciphering.
#[derive(Debug, Default)]
pub struct GsmNoCiphering {
    link: GsmLink,
}

impl GsmNoCiphering {
    fn close(&mut self, end: Option<&Event>, out: &mut Vec<Finding>) {
        let link = std::mem::take(&mut self.link);
        if link.ciphered {
            return;
        }
        // Only connections that carried something worth protecting: an accepted
        // registration or service, a call, a short message.
        let Some(carried) = link.content.as_ref().or(link.accepted.as_ref()) else {
            return;
        };
        // GPRS may run unciphered by design at registration; circuit-switched content is
        // what the phone's user relies on.
        let anchor = link.null_cipher.as_ref().unwrap_or(carried);
        let commanded_off = link.null_cipher.is_some();
        let mut severity = if commanded_off {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut notes = Vec::new();
        if !link.auth_requested {
            severity = severity.raised();
            notes.push(
                "The network never authenticated the phone in this connection either.".to_string(),
            );
        }
        // UMTS authentication answered: the network proved it holds the SIM's key, so it is
        // the operator; running without ciphering is then its (weak) configuration.
        if link.network_proved() {
            severity = Severity::Low;
            notes.push(
                "The network proved it holds the SIM's key (UMTS authentication, which the phone \
                 accepted): a cell-site simulator cannot do that, so this is the operator's own \
                 weak configuration rather than an attack."
                    .to_string(),
            );
        }
        let what = match (&link.content, &link.accepted) {
            (Some(c), _) => c.kind.describe(),
            (None, Some(a)) => a.kind.describe(),
            (None, None) => "signalling".to_string(),
        };
        let how = if commanded_off {
            "the network commanded no ciphering"
        } else {
            "the network never commanded ciphering"
        };
        let title = format!("GSM connection without ciphering: {how} ({what})");
        let explanation = format!(
            "On 2G (GSM) {how} on a connection that carried {what}. Without ciphering anyone \
             nearby can read the signalling, calls and texts of that connection. A cell-site \
             simulator cannot start ciphering because it does not hold the SIM's key, so \
             running without it (or asking for A5/0) is its telltale; a real network ciphers \
             even when it skips authentication, using the key of an earlier one. Some \
             recordings do not log the ciphering command: check whether other 2G connections of \
             the same recording show ciphering. What to do: avoid calls and texts on 2G here; \
             use end-to-end encrypted apps; where the phone allows it, switch 2G off."
        );
        let mut f = Finding::at(KIND_CIPHER, VERSION, severity, anchor, title, explanation)
            .with_evidence(Evidence::of(carried, "carried without ciphering"));
        if let Some(n) = &link.null_cipher {
            f = f.with_evidence(Evidence::of(n, "selects no ciphering"));
        }
        if let Some(e) = end {
            f = f.with_evidence(Evidence::of(
                e,
                "ends the connection; ciphering never started",
            ));
        }
        f = f.benign(benign::OPERATOR_CONFIG).benign(
            "Logging gaps: some basebands do not log the RR ciphering command. Tell apart: do \
             other 2G connections in the same recording show ciphering?",
        );
        for n in notes {
            f = f.note(n);
        }
        out.push(f);
    }
}

impl Analyzer for GsmNoCiphering {
    fn kind(&self) -> &'static str {
        KIND_CIPHER
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On GSM, a connection that carried an accepted registration, a call or a short message \
         while ciphering was commanded off (A5/0, GEA/0) or never started."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Gsm(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        match self.link.classify(event) {
            Step::Ignore => {}
            Step::Reopened => {
                self.close(None, out);
                self.link.apply(event);
            }
            Step::Ended => self.close(Some(event), out),
            Step::Within => self.link.apply(event),
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        // A connection cut off by the end of the recording may yet have ciphered.
        self.link.reset();
        let _ = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::GsmRegistrationWithoutAuth;
    use stingwatch_events::{GsmEvent, GsmProcedure, GsmStep};

    fn gsm(packet: u64, g: GsmEvent) -> Event {
        Event::new(packet, EventKind::Gsm(g))
    }

    fn reg(p: u64, step: GsmStep) -> Event {
        gsm(
            p,
            GsmEvent::Registration {
                procedure: GsmProcedure::LocationUpdate,
                step,
                cause: None,
            },
        )
    }

    fn cipher(p: u64, started: bool) -> Event {
        gsm(
            p,
            GsmEvent::Ciphering {
                packet_switched: false,
                started,
                algorithm: if started { 3 } else { 1 },
            },
        )
    }

    fn run(a: &mut dyn Analyzer, events: &[Event]) -> Vec<Finding> {
        let mut out = Vec::new();
        for e in events {
            a.observe(e, &mut out);
        }
        a.finish(&mut out);
        out
    }

    fn release(p: u64) -> Event {
        gsm(p, GsmEvent::ChannelReleased { cause: 0 })
    }

    #[test]
    fn accepted_update_without_authentication_or_ciphering() {
        let events = [
            reg(1, GsmStep::Request),
            reg(2, GsmStep::Accept),
            release(3),
        ];
        let f = run(&mut GsmRegistrationWithoutAuth::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].packet, 2);
        let f = run(&mut GsmNoCiphering::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn authenticated_and_ciphered_update_is_quiet() {
        let events = [
            reg(1, GsmStep::Request),
            gsm(
                2,
                GsmEvent::AuthRequested {
                    network_proof: false,
                },
            ),
            gsm(3, GsmEvent::AuthAnswered),
            cipher(4, true),
            reg(5, GsmStep::Accept),
            release(6),
        ];
        assert!(run(&mut GsmRegistrationWithoutAuth::default(), &events).is_empty());
        assert!(run(&mut GsmNoCiphering::default(), &events).is_empty());
    }

    #[test]
    fn update_without_authentication_but_ciphered_is_info() {
        let events = [
            reg(1, GsmStep::Request),
            cipher(2, true),
            reg(3, GsmStep::Accept),
            release(4),
        ];
        let f = run(&mut GsmRegistrationWithoutAuth::default(), &events);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(run(&mut GsmNoCiphering::default(), &events).is_empty());
    }

    #[test]
    fn a5_0_commanded_without_authentication_is_high() {
        let events = [
            reg(1, GsmStep::Request),
            cipher(2, false),
            reg(3, GsmStep::Accept),
            release(4),
        ];
        let f = run(&mut GsmNoCiphering::default(), &events);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].packet, 2);
    }

    #[test]
    fn proven_network_without_ciphering_is_operator_configuration() {
        let events = [
            reg(1, GsmStep::Request),
            gsm(
                2,
                GsmEvent::AuthRequested {
                    network_proof: true,
                },
            ),
            gsm(3, GsmEvent::AuthAnswered),
            reg(4, GsmStep::Accept),
            release(5),
        ];
        let f = run(&mut GsmNoCiphering::default(), &events);
        assert_eq!(f[0].severity, Severity::Low);
    }
}
