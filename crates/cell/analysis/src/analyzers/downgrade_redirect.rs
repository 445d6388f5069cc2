//! A connection released (or handed over) towards 2G/3G, or given idle-mode priorities that
//! favour 2G/3G, before the network authenticated the device.

use super::benign;
use crate::connection::Connection;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{AccessTechnology, Event, EventKind, FreqPriority};

const KIND: &str = "downgrade-redirect-without-auth";
const VERSION: u32 = 1;

/// Detects unauthenticated redirection or dedicated priorities that lure the device to 2G/3G.
#[derive(Debug, Default)]
pub struct DowngradeRedirect {
    conn: Connection,
}

/// The legacy technology that dedicated priorities favour over every LTE carrier, if any.
///
/// Carriers missing from a dedicated list get no priority at all (TS 36.331 5.2.4.1), so a
/// list without LTE carriers sends the device to whatever legacy carrier it names.
fn favoured_legacy(priorities: &[FreqPriority]) -> Option<(AccessTechnology, u8)> {
    let lte = priorities
        .iter()
        .filter(|p| p.rat == AccessTechnology::Eutra)
        .map(|p| p.priority)
        .max();
    priorities
        .iter()
        .filter(|p| p.rat.is_legacy())
        .filter(|p| match lte {
            Some(l) => p.priority > l,
            None => true,
        })
        .max_by_key(|p| (p.rat == AccessTechnology::Geran, p.priority))
        .map(|p| (p.rat, p.priority))
}

fn weight(rat: AccessTechnology) -> Severity {
    if rat == AccessTechnology::Geran {
        Severity::Medium
    } else {
        Severity::Low
    }
}

fn why(rat: AccessTechnology) -> &'static str {
    if rat == AccessTechnology::Geran {
        "2G (GSM) never authenticates the network and often uses weak or no encryption, so a \
         fake base station there can intercept calls and texts."
    } else {
        "3G authenticates the network, so the gain for an attacker is smaller, but it still \
         leaves the better-protected 4G network."
    }
}

impl Analyzer for DowngradeRedirect {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "An RRC connection release that redirects the device to 2G/3G, dedicated idle-mode \
         priorities that favour 2G/3G over every LTE carrier, or a handover to 2G/3G, before the \
         network authenticated the device."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        crate::connection::concerns_connection(kind)
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        self.conn.apply(event);
        if self.conn.authenticated() {
            // Circuit-switched fallback and load balancing happen after security is set up.
            return;
        }
        let (rat, what) = match &event.kind {
            EventKind::ConnectionReleased {
                redirect: Some(r), ..
            } if r.rat.is_legacy() => (r.rat, "redirected the phone"),
            EventKind::ConnectionReleased {
                idle_priorities, ..
            } => match favoured_legacy(idle_priorities) {
                Some((rat, _)) => (rat, "told the phone to prefer"),
                None => return,
            },
            EventKind::Handover { rat, .. } if rat.is_legacy() => (*rat, "handed the phone over"),
            _ => return,
        };
        let title = format!(
            "Unauthenticated {} to {}",
            match &event.kind {
                EventKind::Handover { .. } => "handover",
                EventKind::ConnectionReleased {
                    redirect: Some(_), ..
                } => "redirect",
                _ => "priority change",
            },
            rat.describe()
        );
        let explanation = format!(
            "When ending the connection, the network {what} to {} before it ever proved it is \
             the real operator (no authentication or security in this connection). {} A real \
             network does this mostly after setting up security, e.g. to place a voice call on \
             an older network. What to do: if your phone now shows 2G/3G where it usually has \
             4G, be careful with calls and texts and restart it elsewhere.",
            rat.describe(),
            why(rat)
        );
        let f = Finding::at(KIND, VERSION, weight(rat), event, title, explanation)
            .with_evidence(Evidence::of(
                event,
                "no authentication or security in this connection",
            ))
            .luring(rat)
            .benign(
                "Load balancing or a congested or broken 4G cell: operators sometimes send \
                 phones to 3G/2G without security, especially right after connecting. Tell \
                 apart: does it happen on many cells of the same network, at busy hours, and \
                 does the phone return to 4G within minutes?",
            )
            .benign(benign::DEAD_SIM)
            .benign(benign::OPERATOR_CONFIG);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::{IdentityType, Layer, Redirect, ReleaseCause};

    fn redirect(rat: AccessTechnology) -> EventKind {
        EventKind::ConnectionReleased {
            cause: Some(ReleaseCause::Other),
            redirect: Some(Redirect {
                rat,
                arfcn: Some(10),
            }),
            idle_priorities: [].into(),
        }
    }

    #[test]
    fn geran_redirect_without_auth_is_medium_on_the_release() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                conn_req(),
                attach(IdentityType::Guti),
                redirect(AccessTechnology::Geran),
            ],
        );
        let mut a = DowngradeRedirect::default();
        let f = run(&mut a, &events);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].packet, 3);
        assert_eq!(f[0].lure, Some(AccessTechnology::Geran));
    }

    #[test]
    fn utra_weighs_less_and_csfb_after_security_is_benign() {
        let c = cell(100, 1, 1, 1);
        let utra = seq(1, c, vec![conn_req(), redirect(AccessTechnology::Utra)]);
        let mut a = DowngradeRedirect::default();
        assert_eq!(worst(&run(&mut a, &utra)), Some(Severity::Low));
        let csfb = seq(
            1,
            c,
            vec![
                conn_req(),
                EventKind::ServiceRequest,
                rrc_smc(2, 2),
                EventKind::SecurityModeComplete { layer: Layer::Rrc },
                redirect(AccessTechnology::Geran),
            ],
        );
        let mut a = DowngradeRedirect::default();
        assert!(run(&mut a, &csfb).is_empty());
    }

    #[test]
    fn dedicated_priorities_without_lte_favour_legacy() {
        let only_gsm = [FreqPriority {
            rat: AccessTechnology::Geran,
            arfcn: Some(1),
            priority: 1,
        }];
        assert_eq!(
            favoured_legacy(&only_gsm),
            Some((AccessTechnology::Geran, 1))
        );
        let lte_above = [
            only_gsm[0],
            FreqPriority {
                rat: AccessTechnology::Eutra,
                arfcn: Some(100),
                priority: 5,
            },
        ];
        assert_eq!(favoured_legacy(&lte_above), None);
    }
}
