//! 5G: the phone sent a SUCI under the null scheme, i.e. its permanent identity (IMSI) in
//! clear, which 5G was designed never to do over the air.

use super::benign;
use super::nr_link::{NrLink, Step};
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{Event, EventKind, IdentityType, Nas5gEvent};

const KIND: &str = "nr-null-scheme-suci";
const VERSION: u32 = 1;

/// Detects a null-scheme SUCI on the air, worse when a network asked for it before security.
#[derive(Debug, Default)]
pub struct NrNullSchemeSuci {
    link: NrLink,
}

impl Analyzer for NrNullSchemeSuci {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On 5G, a SUCI sent with the null protection scheme: the permanent subscriber identity \
         (IMSI) in clear; worse when the network asked for it before any security."
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
        let (suci, answered) = match &event.kind {
            EventKind::Nas5g(Nas5gEvent::RegistrationRequest {
                identity: IdentityType::Suci,
                suci: Some(s),
                ..
            }) => (s, false),
            EventKind::Nas5g(Nas5gEvent::IdentitySent {
                identity: IdentityType::Suci,
                suci: Some(s),
            }) => (s, true),
            _ => return,
        };
        if !suci.is_null() {
            return;
        }
        let network = suci
            .home_network
            .map_or_else(String::new, |p| format!(" of home network {p}"));
        let asked = answered
            .then(|| self.link.early_identity_request.clone())
            .flatten();
        let (severity, how) = match &asked {
            Some(_) => (
                Severity::High,
                "in answer to an identity request the network sent before any authentication \
                 or security: the pattern of a 5G IMSI catcher, which cannot read a concealed \
                 SUCI and so asks for a fresh one hoping the phone has no key to conceal it",
            ),
            None => (
                Severity::Medium,
                "because the SIM holds no home network key (or the phone was told not to use \
                 it), so every network and any receiver nearby can read it",
            ),
        };
        let title = format!("5G: SUCI with the null scheme sent (IMSI in clear){network}");
        let explanation = format!(
            "The phone sent its subscription identity as a SUCI under the null protection \
             scheme, {how}. A SUCI under ECIES (profile A or B) is encrypted for the home \
             network and changes every time; under the null scheme it is the IMSI itself, the \
             permanent number that tells a surveillance device that a particular person is \
             here. What to do: ask the operator whether the SIM supports SUCI concealment (a \
             newer SIM may), and note the time and place if this repeats."
        );
        let mut f = Finding::at(KIND, VERSION, severity, event, title, explanation)
            .with_evidence(Evidence::of(event, "the IMSI in clear"));
        if let Some(req) = &asked {
            f = f.with_evidence(Evidence::of(req, "asked before any authentication"));
        }
        f = f
            .benign(
                "A SIM without a home network public key: operators that never provisioned SUCI \
                 concealment leave the SIM on the null scheme, and the phone must use it. Tell \
                 apart: does every registration of this phone, on every cell and day, use the \
                 null scheme? Then it is the SIM, not a nearby device.",
            )
            .benign(
                "A test network or test SIM (lab equipment, private 5G networks) often uses the \
                 null scheme on purpose.",
            )
            .benign(benign::OPERATOR_CONFIG);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::{Registration5g, SuciProtection};

    fn suci(scheme: u8) -> Option<SuciProtection> {
        Some(SuciProtection {
            scheme,
            home_network_key: Some(u8::from(scheme != 0)),
            home_network: None,
        })
    }

    fn n(e: Nas5gEvent) -> EventKind {
        EventKind::Nas5g(e)
    }

    #[test]
    fn null_scheme_registration_is_medium_and_asked_for_is_high() {
        let c = cell(5230, 1, 1, 1);
        let reg = |scheme| {
            n(Nas5gEvent::RegistrationRequest {
                registration: Registration5g::Initial,
                identity: IdentityType::Suci,
                suci: suci(scheme),
            })
        };
        let f = run(&mut NrNullSchemeSuci::default(), &seq(1, c, vec![reg(0)]));
        assert_eq!(worst(&f), Some(Severity::Medium));
        assert_eq!(f[0].packet, 1);
        let asked = seq(
            1,
            c,
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
                    suci: suci(0),
                }),
            ],
        );
        let f = run(&mut NrNullSchemeSuci::default(), &asked);
        assert_eq!(worst(&f), Some(Severity::High));
        assert_eq!(f[0].packet, 3);
        // Profile A: nothing to report.
        let f = run(&mut NrNullSchemeSuci::default(), &seq(1, c, vec![reg(1)]));
        assert!(f.is_empty());
    }
}
