//! A 5G (NR SA) connection released towards an older technology before access-stratum
//! security was set up, and what the older cell then did.

use super::gsm_link::LURE_WINDOW_MICROS;
use crate::connection::Connection;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{AccessTechnology, Event, EventKind, FreqPriority, NrEvent};

const KIND: &str = "nr-release-redirect-without-security";
const VERSION: u32 = 1;

/// NR RRC connection state: opened by a setup, secured by a completed security mode command.
#[derive(Debug, Default, Clone, Copy)]
struct NrConnection {
    /// The start of the connection was recorded, so its security state is known.
    seen_start: bool,
    /// The device completed an RRC security mode command in it.
    secured: bool,
}

/// A release that sent the device to E-UTRA without security, waiting to see what the 4G
/// cell does next.
#[derive(Debug, Clone)]
struct Lure {
    release: Event,
    lte: Connection,
}

/// Detects NR releases (and mobility commands) to older technologies before security.
#[derive(Debug, Default)]
pub struct NrReleaseRedirect {
    conn: NrConnection,
    lure: Option<Lure>,
}

/// The older technology dedicated priorities favour over every NR carrier, if any: carriers
/// missing from a dedicated list get no priority (TS 38.304 5.2.4.1), so a list whose best
/// entry is E-UTRA sends the device there.
fn favoured_older(priorities: &[FreqPriority]) -> Option<AccessTechnology> {
    let nr = priorities
        .iter()
        .filter(|p| p.rat == AccessTechnology::Nr)
        .map(|p| p.priority)
        .max();
    priorities
        .iter()
        .filter(|p| p.rat != AccessTechnology::Nr)
        .find(|p| nr.is_none_or(|n| p.priority > n))
        .map(|p| p.rat)
}

impl NrReleaseRedirect {
    /// What the 4G cell did after the lure, when it acted like an IMSI catcher would.
    fn lte_follow_up(&mut self, event: &Event) -> Option<(Event, &'static str)> {
        let lure = self.lure.as_mut()?;
        let in_window = match (lure.release.time, event.time) {
            (Some(a), Some(b)) => (0..=LURE_WINDOW_MICROS).contains(&b.0.saturating_sub(a.0)),
            _ => true,
        };
        if !in_window {
            self.lure = None;
            return None;
        }
        lure.lte.apply(event);
        if lure.lte.authenticated() {
            // The 4G network proved itself: an ordinary fallback.
            self.lure = None;
            return None;
        }
        let what = match &event.kind {
            EventKind::IdentityRequested { identity, .. } if identity.is_permanent() => {
                "then asked for a permanent identity before authenticating"
            }
            EventKind::ConnectionReleased {
                redirect: Some(r), ..
            } if r.rat == AccessTechnology::Geran => "then sent the phone on to 2G (GSM)",
            _ => return None,
        };
        let release = lure.release.clone();
        self.lure = None;
        Some((release, what))
    }
}

impl Analyzer for NrReleaseRedirect {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A 5G (NR) RRC release that redirects the device to 4G or another older technology, \
         gives dedicated priorities favouring one over every NR carrier, or a mobility command \
         to one, before NR access-stratum security was set up in the connection; raised when \
         the 4G cell it was sent to then asks for a permanent identity or sends it on to 2G \
         without authenticating."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Nr(_)) || crate::connection::concerns_connection(kind)
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let nr = match &event.kind {
            EventKind::Nr(nr) => nr,
            _ => {
                if let Some((release, what)) = self.lte_follow_up(event) {
                    let f = Finding::at(
                        KIND,
                        VERSION,
                        Severity::High,
                        &release,
                        "5G release without security lured the phone to a 4G cell that acts \
                         like an IMSI catcher",
                        format!(
                            "A 5G cell released the phone to 4G before any security was set \
                             up, and the 4G cell it went to {what}. Each step alone has \
                             innocent causes; together they are how a cell-site simulator \
                             pulls a 5G phone down to a network where it can identify or \
                             intercept it."
                        ),
                    )
                    .with_evidence(Evidence::of(&release, "5G release without security"))
                    .with_evidence(Evidence::of(event, "on the 4G cell, before authentication"))
                    .luring(AccessTechnology::Eutra)
                    .spanning(event);
                    out.push(f);
                }
                return;
            }
        };
        let (rat, how) = match nr {
            NrEvent::SetupRequested { .. } | NrEvent::Setup => {
                self.conn = NrConnection {
                    seen_start: true,
                    secured: false,
                };
                return;
            }
            NrEvent::SecurityModeComplete => {
                self.conn.secured = true;
                return;
            }
            NrEvent::Released {
                redirect,
                priorities,
                ..
            } => {
                let conn = std::mem::take(&mut self.conn);
                if !conn.seen_start || conn.secured {
                    return;
                }
                match (redirect, favoured_older(priorities)) {
                    (Some(r), _) if r.rat != AccessTechnology::Nr => (r.rat, "redirected"),
                    (_, Some(rat)) => (rat, "told the phone to prefer"),
                    _ => return,
                }
            }
            NrEvent::MobilityFromNr { rat } => {
                if !self.conn.seen_start || self.conn.secured {
                    return;
                }
                (*rat, "moved")
            }
            _ => return,
        };
        let severity = if how == "told the phone to prefer" {
            Severity::Low
        } else {
            Severity::Medium
        };
        let title = format!("5G connection {how} to {} before security", rat.describe());
        let explanation = format!(
            "The 5G cell {how} the phone to {} before it set up any security in this \
             connection (no completed RRC security mode command). A real 5G network releases \
             to 4G mostly after security, e.g. for a voice call or when 5G coverage ends; a \
             5G cell that cannot prove it is the operator has every reason to send the phone \
             to an older network, where it can ask for the phone's identity. What to do: if the \
             phone now shows 4G (or less) where it usually has 5G, watch what follows.",
            rat.describe()
        );
        let f = Finding::at(KIND, VERSION, severity, event, title, explanation)
            .with_evidence(Evidence::of(event, "no NR security in this connection"))
            .luring(rat)
            .benign(
                "5G coverage ending or an overloaded 5G cell: operators release phones to 4G, \
                 sometimes right after connecting and before security. Tell apart: does it \
                 happen on many cells of the same network, and does the 4G cell then \
                 authenticate the phone normally?",
            )
            .benign(super::benign::OPERATOR_CONFIG);
        out.push(f);
        if rat == AccessTechnology::Eutra && severity == Severity::Medium {
            self.lure = Some(Lure {
                release: event.clone(),
                lte: Connection::default(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::{IdentityType, Redirect};

    fn release_to(rat: AccessTechnology) -> EventKind {
        EventKind::Nr(NrEvent::Released {
            redirect: Some(Redirect {
                rat,
                arfcn: Some(1300),
            }),
            priorities: [].into(),
            suspend: false,
        })
    }

    fn setup() -> Vec<EventKind> {
        vec![
            EventKind::Nr(NrEvent::SetupRequested { emergency: false }),
            EventKind::Nr(NrEvent::Setup),
            EventKind::Nr(NrEvent::SetupComplete),
        ]
    }

    #[test]
    fn redirect_to_eutra_before_security_is_medium_on_the_release() {
        let mut kinds = setup();
        kinds.push(release_to(AccessTechnology::Eutra));
        let events = seq(1, cell(630_000, 1, 1, 1), kinds);
        let f = run(&mut NrReleaseRedirect::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].packet, 4);
        assert_eq!(f[0].lure, Some(AccessTechnology::Eutra));
    }

    #[test]
    fn after_security_or_to_nr_or_without_a_start_it_is_silent() {
        let mut secured = setup();
        secured.push(EventKind::Nr(NrEvent::SecurityModeCommand {
            cipher: Some(2),
            integrity: Some(2),
        }));
        secured.push(EventKind::Nr(NrEvent::SecurityModeComplete));
        secured.push(release_to(AccessTechnology::Eutra));
        let c = cell(630_000, 1, 1, 1);
        assert!(run(&mut NrReleaseRedirect::default(), &seq(1, c, secured)).is_empty());
        let mut to_nr = setup();
        to_nr.push(release_to(AccessTechnology::Nr));
        assert!(run(&mut NrReleaseRedirect::default(), &seq(1, c, to_nr)).is_empty());
        let mid_recording = vec![release_to(AccessTechnology::Eutra)];
        assert!(run(&mut NrReleaseRedirect::default(), &seq(1, c, mid_recording)).is_empty());
    }

    #[test]
    fn dedicated_priorities_favouring_eutra_are_low() {
        let mut kinds = setup();
        kinds.push(EventKind::Nr(NrEvent::Released {
            redirect: None,
            priorities: [
                FreqPriority {
                    rat: AccessTechnology::Nr,
                    arfcn: Some(630_000),
                    priority: 2,
                },
                FreqPriority {
                    rat: AccessTechnology::Eutra,
                    arfcn: Some(1300),
                    priority: 6,
                },
            ]
            .into(),
            suspend: false,
        }));
        let f = run(
            &mut NrReleaseRedirect::default(),
            &seq(1, cell(630_000, 1, 1, 1), kinds),
        );
        assert_eq!(worst(&f), Some(Severity::Low));
    }

    #[test]
    fn an_imsi_request_on_the_4g_cell_after_the_lure_is_high() {
        let mut kinds = setup();
        kinds.push(release_to(AccessTechnology::Eutra));
        let mut events = seq(1, cell(630_000, 1, 1, 1), kinds);
        events.extend(seq(
            5,
            cell(1300, 7, 2, 2),
            vec![conn_req(), id_req(IdentityType::Imsi)],
        ));
        let f = run(&mut NrReleaseRedirect::default(), &events);
        assert_eq!(worst(&f), Some(Severity::High));
        let high = f.iter().find(|f| f.severity == Severity::High).unwrap();
        assert_eq!(high.packet, 4, "anchored at the 5G release");
        assert!(high.evidence.iter().any(|e| e.packet == 6));
    }
}
