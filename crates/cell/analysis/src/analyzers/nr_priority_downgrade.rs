//! NR broadcast reselection priorities that rank E-UTRA (4G) above every NR frequency.
//!
//! Medium on one cell: a standalone cell that sends its idle phones to 4G whenever 4G is
//! usable defeats the point of standalone, so a network that wants it configures it on all
//! its cells, and the harness collapses a kind seen on many cells of one network to that
//! network's configuration (Info).

use super::{benign, BoundedMap};
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity, Sighting};
use stingwatch_events::{AccessTechnology, CellRef, Event, EventKind, NrEvent};

const KIND: &str = "nr-priority-downgrade";
const VERSION: u32 = 2;

#[derive(Debug, Default)]
struct CellPriorities {
    /// SIB2 priority of the serving NR frequency, and the sighting that set it.
    serving: Option<(u8, Sighting)>,
    /// Highest SIB4 priority of another NR frequency.
    nr: Option<u8>,
    /// Highest SIB5 E-UTRA priority and its carrier.
    eutra: Option<(u8, Option<u32>)>,
    /// A finding was made for this cell with these priorities.
    reported: Option<(u8, u8)>,
}

/// Detects SIB5 E-UTRA priorities above the SIB2 serving and every SIB4 NR priority.
#[derive(Debug, Default)]
pub struct NrPriorityDowngrade {
    cells: BoundedMap<CellRef, CellPriorities>,
}

impl Analyzer for NrPriorityDowngrade {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A 5G (NR) cell broadcasts a higher reselection priority for a 4G (E-UTRA) frequency \
         (SIB5) than for its own NR frequency (SIB2) and every other NR frequency (SIB4), so \
         idle phones leave 5G whenever a 4G cell is good enough."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Broadcast
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Nr(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::Nr(NrEvent::SystemInfo {
            serving_priority,
            neighbour_priorities,
            ..
        }) = &event.kind
        else {
            return;
        };
        let state = self.cells.entry(&event.cell.unwrap_or_default());
        if let Some(p) = serving_priority {
            match &mut state.serving {
                Some((old, s)) => {
                    *old = *p;
                    s.update(event, || format!("serving NR priority {p}"));
                }
                None => {
                    state.serving = Some((
                        *p,
                        Sighting::new(event, || format!("serving NR priority {p}")),
                    ))
                }
            }
        }
        let best = |rat| {
            neighbour_priorities
                .iter()
                .filter(|p| p.rat == rat)
                .max_by_key(|p| p.priority)
        };
        if let Some(n) = best(AccessTechnology::Nr) {
            state.nr = Some(n.priority);
        }
        if let Some(e) = best(AccessTechnology::Eutra) {
            state.eutra = Some((e.priority, e.arfcn));
        }
        let (Some((serving, sighting)), Some((eutra, earfcn))) = (&state.serving, state.eutra)
        else {
            return;
        };
        let nr_best = state.nr.map_or(*serving, |n| n.max(*serving));
        if eutra <= nr_best || state.reported == Some((*serving, eutra)) {
            return;
        }
        state.reported = Some((*serving, eutra));
        let serving_ev = sighting.evidence().clone();
        let title = "4G ranked above every 5G frequency in broadcast priorities".to_string();
        let explanation = format!(
            "This 5G cell tells every idle phone that a 4G frequency{} (priority {eutra}) is \
             preferred over its own and every other 5G frequency (best priority {nr_best}). \
             Phones then move to 4G whenever such a cell is usable, so on this cell 5G \
             standalone is only a stop on the way down. A cell-site simulator does this to pull \
             phones off 5G, whose identity protection (concealed SUCI) it cannot defeat, onto \
             4G, where an unauthenticated cell can ask for the IMSI in clear. A standalone 5G \
             network that ranks 4G first on purpose does so on every cell; seen on many cells \
             of one network, this is reported as that network's configuration instead.",
            earfcn.map_or(String::new(), |e| format!(" (EARFCN {e})"))
        );
        let f = Finding::at(KIND, VERSION, Severity::Medium, event, title, explanation)
            .with_evidence(serving_ev)
            .with_evidence(Evidence::of(event, format!("E-UTRA priority {eutra}")))
            .luring(AccessTechnology::Eutra)
            .benign(benign::OPERATOR_CONFIG);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::FreqPriority;

    fn si(serving: Option<u8>, prios: &[(AccessTechnology, u8)]) -> EventKind {
        EventKind::Nr(NrEvent::SystemInfo {
            sibs: [2, 4, 5].into(),
            serving_priority: serving,
            neighbour_priorities: prios
                .iter()
                .map(|&(rat, priority)| FreqPriority {
                    rat,
                    arfcn: Some(1300),
                    priority,
                })
                .collect(),
        })
    }

    #[test]
    fn eutra_above_every_nr_frequency_is_medium() {
        use AccessTechnology::*;
        let c = cell(630_000, 1, 1, 1);
        let events = seq(1, c, vec![si(Some(3), &[(Nr, 4)]), si(None, &[(Eutra, 6)])]);
        let f = run(&mut NrPriorityDowngrade::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (2, Severity::Medium));
        // Repeats of the same broadcast add no new finding.
        let mut again = events.clone();
        again.extend(seq(3, c, vec![si(None, &[(Eutra, 6)])]));
        assert_eq!(run(&mut NrPriorityDowngrade::default(), &again).len(), 1);
    }

    #[test]
    fn nr_at_or_above_eutra_is_silent() {
        use AccessTechnology::*;
        let c = cell(630_000, 1, 1, 1);
        let events = seq(1, c, vec![si(Some(5), &[(Nr, 7), (Eutra, 6)])]);
        assert!(run(&mut NrPriorityDowngrade::default(), &events).is_empty());
    }
}
