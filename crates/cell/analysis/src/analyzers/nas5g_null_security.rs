//! 5G: a NAS security mode command selecting no integrity protection (5G-IA0) outside an
//! emergency registration, or no ciphering (5G-EA0).

use super::benign;
use super::nr_link::{NrLink, Step};
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{Event, EventKind, Nas5gEvent};

const KIND: &str = "nr-nas-null-security";
const VERSION: u32 = 1;

/// Detects null NAS integrity (and null ciphering) selected by a 5G network.
#[derive(Debug, Default)]
pub struct NrNasNullSecurity {
    link: NrLink,
}

impl Analyzer for NrNasNullSecurity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On 5G, a NAS security mode command selecting 5G-IA0 (no integrity protection) outside \
         an emergency registration, or 5G-EA0 (no ciphering)."
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
        self.link.apply(event);
        let EventKind::Nas5g(Nas5gEvent::SecurityModeCommand {
            ciphering,
            integrity,
            ..
        }) = &event.kind
        else {
            return;
        };
        let (ciphering, integrity) = (*ciphering, *integrity);
        if integrity == 0 {
            // TS 33.501 §5.5.2 and §10.2.2: 5G-IA0 only for an unauthenticated emergency
            // registration; a phone must refuse it otherwise (TS 24.501 §5.4.2.3).
            if self.link.emergency {
                return;
            }
            let severity = if ciphering == 0 {
                Severity::High
            } else {
                Severity::Medium
            };
            let title = format!(
                "5G: NAS security with no integrity protection (5G-EA{ciphering}, 5G-IA0) \
                 outside an emergency registration"
            );
            let explanation = format!(
                "The network selected 5G-IA0, no integrity protection, for a registration that \
                 was not an emergency registration{}. 5G allows the null integrity algorithm \
                 only for emergency sessions of a phone that could not be authenticated; \
                 without integrity protection anyone on the radio path can inject or change \
                 signalling, and a fake base station that cannot authenticate the phone has no \
                 other choice. A phone following the standard refuses such a command. What to \
                 do: note the time and place, and check whether the phone then lost 5G service.",
                if ciphering == 0 {
                    ", and no ciphering either (5G-EA0)"
                } else {
                    ""
                }
            );
            out.push(
                Finding::at(KIND, VERSION, severity, event, title, explanation)
                    .with_evidence(Evidence::of(event, "null integrity outside an emergency"))
                    .benign(
                        "A misconfigured test or private 5G network. Tell apart: is this your \
                         operator's public network (MCC-MNC), seen on many cells and days?",
                    ),
            );
            return;
        }
        if ciphering == 0 {
            let proved = self.link.network_proved();
            let severity = if proved {
                Severity::Low
            } else {
                Severity::Medium
            };
            let title = format!("5G: NAS signalling not ciphered (5G-EA0, 5G-IA{integrity})");
            let explanation = format!(
                "The network selected 5G-EA0: NAS signalling (including the equipment identity \
                 if it is asked for) travels unencrypted, though integrity protected \
                 (5G-IA{integrity}). {}",
                if proved {
                    "The network authenticated the phone first, so this is the real operator's \
                     weak configuration rather than an attack."
                } else {
                    "The network had not authenticated the phone."
                }
            );
            out.push(
                Finding::at(KIND, VERSION, severity, event, title, explanation)
                    .with_evidence(Evidence::of(event, "no ciphering"))
                    .benign(benign::OPERATOR_CONFIG),
            );
        }
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

    fn exchange(registration: Registration5g, ciphering: u8, integrity: u8) -> Vec<EventKind> {
        vec![
            n(Nas5gEvent::RegistrationRequest {
                registration,
                identity: IdentityType::Guti,
                suci: None,
            }),
            n(Nas5gEvent::AuthRequested),
            n(Nas5gEvent::AuthAnswered),
            n(Nas5gEvent::SecurityModeCommand {
                ciphering,
                integrity,
                imeisv_requested: false,
            }),
        ]
    }

    #[test]
    fn null_integrity_is_high_except_in_an_emergency() {
        let c = cell(1, 1, 1, 1);
        let f = run(
            &mut NrNasNullSecurity::default(),
            &seq(1, c, exchange(Registration5g::Initial, 0, 0)),
        );
        assert_eq!(worst(&f), Some(Severity::High));
        assert_eq!(f[0].packet, 4);
        let f = run(
            &mut NrNasNullSecurity::default(),
            &seq(1, c, exchange(Registration5g::Emergency, 0, 0)),
        );
        assert!(f.is_empty());
        let f = run(
            &mut NrNasNullSecurity::default(),
            &seq(1, c, exchange(Registration5g::Initial, 0, 2)),
        );
        assert_eq!(worst(&f), Some(Severity::Low));
        let f = run(
            &mut NrNasNullSecurity::default(),
            &seq(1, c, exchange(Registration5g::Initial, 2, 2)),
        );
        assert!(f.is_empty());
    }
}
