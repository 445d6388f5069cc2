//! NR RRC security mode commands that select null integrity (NIA0) or null ciphering (NEA0).

use super::benign;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{Event, EventKind, NrEvent};

const KIND: &str = "nr-null-security";
const VERSION: u32 = 1;

/// Detects NIA0 and NEA0 in NR RRC security mode commands.
#[derive(Debug, Default)]
pub struct NrNullSecurity {
    /// The current NR connection was requested for an emergency call.
    emergency: bool,
}

impl Analyzer for NrNullSecurity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A 5G (NR) RRC security mode command that selects the null integrity algorithm (NIA0), \
         which TS 33.501 forbids outside unauthenticated emergency sessions, or the null \
         ciphering algorithm (NEA0), outside an emergency call."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Nr(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let (cipher, integrity) = match &event.kind {
            EventKind::Nr(NrEvent::SetupRequested { emergency }) => {
                self.emergency = *emergency;
                return;
            }
            EventKind::Nr(NrEvent::SecurityModeCommand { cipher, integrity }) => {
                (*cipher, *integrity)
            }
            _ => return,
        };
        let null_integrity = integrity == Some(0);
        let null_cipher = cipher == Some(0);
        if !null_integrity && !null_cipher {
            return;
        }
        let severity = if self.emergency {
            Severity::Info
        } else if null_integrity {
            // TS 33.501 5.5.2: NIA0 only for unauthenticated emergency sessions; with it
            // anyone in range can inject or alter RRC messages.
            Severity::High
        } else {
            // NEA0 with real integrity is allowed (TS 33.501 5.3.2) and some operators use
            // it: traffic is readable but cannot be forged.
            Severity::Info
        };
        let what = match (null_cipher, null_integrity) {
            (true, true) => "no encryption and no integrity protection (NEA0, NIA0)",
            (false, true) => "no integrity protection (NIA0)",
            _ => "no encryption (NEA0) with integrity protection",
        };
        let title = format!("5G RRC security mode selects {what}");
        let explanation = if null_integrity {
            format!(
                "The 5G cell told the phone to use {what} for the radio connection. The 5G \
                 security specification forbids null integrity except for emergency calls \
                 without authentication: without it anyone nearby can inject or change \
                 messages, and a cell that cannot prove it is the operator has no keys to \
                 protect them with. What to do: avoid sensitive calls and data here and see \
                 whether this cell has other findings."
            )
        } else {
            format!(
                "The 5G cell selected {what}. The specification allows null ciphering and \
                 some operators choose it; integrity protection still stops forged messages. \
                 Recorded for context."
            )
        };
        let mut f = Finding::at(KIND, VERSION, severity, event, title, explanation)
            .with_evidence(Evidence::of(event, what))
            .benign(benign::OPERATOR_CONFIG);
        if self.emergency {
            f = f.benign(
                "An emergency call: null algorithms are allowed for emergency calls, \
                 including without a SIM. Tell apart: was an emergency number dialled?",
            );
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn smc(cipher: u8, integrity: u8) -> EventKind {
        EventKind::Nr(NrEvent::SecurityModeCommand {
            cipher: Some(cipher),
            integrity: Some(integrity),
        })
    }

    fn request(emergency: bool) -> EventKind {
        EventKind::Nr(NrEvent::SetupRequested { emergency })
    }

    #[test]
    fn null_integrity_outside_emergency_is_high_on_the_command() {
        let events = seq(1, cell(630_000, 1, 1, 1), vec![request(false), smc(0, 0)]);
        let f = run(&mut NrNullSecurity::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (2, Severity::High));
    }

    #[test]
    fn null_ciphering_with_integrity_is_info_and_real_algorithms_are_silent() {
        let c = cell(630_000, 1, 1, 1);
        let f = run(
            &mut NrNullSecurity::default(),
            &seq(1, c, vec![request(false), smc(0, 2)]),
        );
        assert_eq!(worst(&f), Some(Severity::Info));
        let f = run(
            &mut NrNullSecurity::default(),
            &seq(1, c, vec![request(false), smc(2, 2)]),
        );
        assert!(f.is_empty());
    }

    #[test]
    fn emergency_sessions_may_use_null_integrity() {
        let events = seq(1, cell(630_000, 1, 1, 1), vec![request(true), smc(0, 0)]);
        let f = run(&mut NrNullSecurity::default(), &events);
        assert_eq!(worst(&f), Some(Severity::Info));
    }
}
