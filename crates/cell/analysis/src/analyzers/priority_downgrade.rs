//! Broadcast reselection priorities that rank 2G/3G above the serving LTE frequency.

use super::{benign, BoundedMap};
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity, Sighting};
use stingwatch_events::{AccessTechnology, CellRef, Event, EventKind};

const KIND: &str = "broadcast-priority-downgrade";
const VERSION: u32 = 1;

#[derive(Debug, Default)]
struct CellPriorities {
    serving: Option<u8>,
    /// The latest SIB3 that set `serving`.
    serving_sighting: Option<Sighting>,
    eutra: Option<u8>,
    legacy: Vec<(AccessTechnology, u8)>,
}

/// Detects SIB6/SIB7/SIB8 priorities above the SIB3 serving priority.
#[derive(Debug, Default)]
pub struct BroadcastPriorityDowngrade {
    cells: BoundedMap<CellRef, CellPriorities>,
}

impl Analyzer for BroadcastPriorityDowngrade {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A cell broadcasts a higher reselection priority for 2G (SIB7) or 3G (SIB6) frequencies \
         than for its own LTE frequency (SIB3), so idle phones leave LTE whenever a 2G/3G cell \
         is good enough."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Broadcast
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::SystemInfo { .. })
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::SystemInfo {
            serving_priority,
            neighbour_priorities,
            ..
        } = &event.kind
        else {
            return;
        };
        let key = event.cell.unwrap_or_default();
        let state = self.cells.entry(&key);
        if let Some(p) = serving_priority {
            state.serving = Some(*p);
            Sighting::record(&mut state.serving_sighting, event, || {
                format!("serving LTE priority {p}")
            });
        }
        let eutra = neighbour_priorities
            .iter()
            .filter(|p| p.rat == AccessTechnology::Eutra)
            .map(|p| p.priority)
            .max();
        if eutra.is_some() {
            state.eutra = eutra;
        }
        let legacy: Vec<(AccessTechnology, u8)> = neighbour_priorities
            .iter()
            .filter(|p| p.rat.is_legacy())
            .map(|p| (p.rat, p.priority))
            .collect();
        let carries_legacy = !legacy.is_empty();
        if carries_legacy {
            let rats: Vec<AccessTechnology> = legacy.iter().map(|(r, _)| *r).collect();
            state.legacy.retain(|(r, _)| !rats.contains(r));
            state.legacy.extend(legacy);
        }
        if serving_priority.is_none() && !carries_legacy {
            return;
        }
        let (Some(serving), Some(serving_sighting)) = (state.serving, &state.serving_sighting)
        else {
            return;
        };
        // The strongest lure: 2G before 3G, then the highest priority.
        let Some(&(rat, prio)) = state
            .legacy
            .iter()
            .filter(|(_, p)| *p > serving)
            .max_by_key(|(r, p)| (*r == AccessTechnology::Geran, *p))
        else {
            return;
        };
        let serving_ev = serving_sighting.evidence().clone();
        let lte_above = state.eutra.is_some_and(|e| e > prio);
        let severity = if rat == AccessTechnology::Geran && !lte_above {
            Severity::Medium
        } else {
            Severity::Low
        };
        let title = format!(
            "{} ranked above LTE in broadcast reselection priorities",
            rat.describe()
        );
        let explanation = format!(
            "This cell tells every idle phone that {} frequencies (priority {prio}) are \
             preferred over its own LTE frequency (priority {serving}). Phones then move to \
             {} whenever such a cell is usable. {}{} What to do: if your phone keeps dropping to \
             2G/3G here, look at whether this cell has other findings.",
            rat.describe(),
            rat.describe(),
            if rat == AccessTechnology::Geran {
                "A fake base station uses this to push phones onto 2G, which has no network \
                 authentication and weak encryption, where it can intercept them."
            } else {
                "3G still authenticates the network, so the gain for an attacker is small."
            },
            if lte_above {
                " Another LTE frequency is ranked higher still, which limits the effect."
            } else {
                ""
            }
        );
        let f = Finding::at(KIND, VERSION, severity, event, title, explanation)
            .with_evidence(serving_ev)
            .with_evidence(Evidence::of(
                event,
                format!("{} priority {prio}", rat.describe()),
            ))
            .luring(rat)
            .benign(benign::OPERATOR_CONFIG)
            .benign(
                "Coverage planning: where LTE coverage is thin, or for voice (circuit-switched \
                 fallback), some operators rank 3G or even 2G higher. Tell apart: do all cells \
                 of the network in this area broadcast the same priorities?",
            );
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::FreqPriority;

    fn sib3(p: u8) -> EventKind {
        EventKind::SystemInfo {
            sibs: vec![3].into(),
            serving_priority: Some(p),
            neighbour_priorities: [].into(),
        }
    }

    fn neighbours(rat: AccessTechnology, p: u8) -> EventKind {
        EventKind::SystemInfo {
            sibs: vec![if rat == AccessTechnology::Geran { 7 } else { 6 }].into(),
            serving_priority: None,
            neighbour_priorities: vec![FreqPriority {
                rat,
                arfcn: Some(1),
                priority: p,
            }]
            .into(),
        }
    }

    #[test]
    fn geran_above_serving_is_medium_on_the_sib7() {
        let c = cell(100, 1, 1, 1);
        let events = seq(1, c, vec![sib3(3), neighbours(AccessTechnology::Geran, 6)]);
        let f = run(&mut BroadcastPriorityDowngrade::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (2, Severity::Medium));
        assert!(f[0].evidence.iter().any(|e| e.packet == 1));
    }

    #[test]
    fn lower_legacy_priorities_are_benign_and_utra_above_is_low() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                sib3(6),
                neighbours(AccessTechnology::Geran, 1),
                neighbours(AccessTechnology::Utra, 2),
            ],
        );
        assert!(run(&mut BroadcastPriorityDowngrade::default(), &events).is_empty());
        let events = seq(1, c, vec![sib3(3), neighbours(AccessTechnology::Utra, 5)]);
        assert_eq!(
            worst(&run(&mut BroadcastPriorityDowngrade::default(), &events)),
            Some(Severity::Low)
        );
    }
}
