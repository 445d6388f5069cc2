//! System information of one cell changing mid-recording, especially without the value tag
//! that announces a change.

use super::BoundedMap;
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity, Sighting};
use std::collections::BTreeMap;
use stingwatch_events::{AccessTechnology, CellRef, Event, EventKind, Plmn};

const KIND: &str = "sib-content-change";
const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Sib1Content {
    scheduled: Vec<u8>,
    additional_plmns: Vec<Plmn>,
}

/// A remembered piece of content with the value tag in force when it was seen.
#[derive(Debug, Clone)]
struct Remembered<T> {
    content: T,
    value_tag: Option<u8>,
    sighting: Sighting,
}

/// (carrier, priority) pairs of one technology, sorted.
type PriorityList = Vec<(Option<u32>, u8)>;

#[derive(Debug, Default)]
struct CellState {
    value_tag: Option<u8>,
    sib1: Option<Remembered<Sib1Content>>,
    serving: Option<Remembered<u8>>,
    neighbours: BTreeMap<AccessTechnology, Remembered<PriorityList>>,
}

/// Detects SIB content that changes within a recording.
#[derive(Debug, Default)]
pub struct SibContentChange {
    cells: BoundedMap<CellRef, CellState>,
}

fn sib_of(rat: AccessTechnology) -> u8 {
    match rat {
        AccessTechnology::Eutra => 5,
        AccessTechnology::Utra => 6,
        AccessTechnology::Geran => 7,
        AccessTechnology::Cdma2000 => 8,
        AccessTechnology::Nr => 24,
    }
}

/// Compare new content with the remembered one; describe the change when there is one. The
/// new content, with `event` as its latest sighting, is remembered either way.
fn compare<T: PartialEq>(
    slot: &mut Option<Remembered<T>>,
    content: T,
    value_tag: Option<u8>,
    event: &Event,
    detail: impl FnOnce(&T) -> String,
) -> Option<(Evidence, bool)> {
    if let Some(old) = slot.as_mut() {
        if old.content == content {
            old.value_tag = value_tag;
            old.sighting.update(event, || detail(&content));
            return None;
        }
    }
    let change = slot.as_ref().map(|old| {
        let unannounced = old.value_tag.is_some() && old.value_tag == value_tag;
        (old.sighting.evidence().clone(), unannounced)
    });
    let sighting = Sighting::new(event, || detail(&content));
    *slot = Some(Remembered {
        content,
        value_tag,
        sighting,
    });
    change
}

impl Analyzer for SibContentChange {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A cell's system information (scheduled SIBs, shared networks, reselection priorities) \
         changes during the recording; worse when the SIB1 value tag that must announce every \
         change stays the same."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Broadcast
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let key = match event.cell {
            Some(c) if !c.is_unknown() => c,
            _ => return,
        };
        let state = self.cells.entry(&key);
        let mut changes: Vec<(String, Evidence, bool)> = Vec::new();
        match &event.kind {
            EventKind::CellObserved {
                scheduled_sibs,
                additional_plmns,
                value_tag,
                ..
            } => {
                let mut scheduled = scheduled_sibs.clone();
                scheduled.sort_unstable();
                scheduled.dedup();
                let content = Sib1Content {
                    scheduled,
                    additional_plmns: additional_plmns.clone(),
                };
                state.value_tag = *value_tag;
                let detail = |_: &Sib1Content| "new SIB1 content".to_string();
                if let Some((old, un)) =
                    compare(&mut state.sib1, content, *value_tag, event, detail)
                {
                    changes.push(("SIB1 scheduling or shared networks".into(), old, un));
                }
            }
            EventKind::SystemInfo {
                sibs,
                serving_priority,
                neighbour_priorities,
            } => {
                let tag = state.value_tag;
                if let Some(p) = serving_priority {
                    let detail = |p: &u8| format!("serving priority {p}");
                    if let Some((old, un)) = compare(&mut state.serving, *p, tag, event, detail) {
                        changes.push(("SIB3 serving priority".into(), old, un));
                    }
                }
                for rat in [
                    AccessTechnology::Eutra,
                    AccessTechnology::Utra,
                    AccessTechnology::Geran,
                    AccessTechnology::Cdma2000,
                    AccessTechnology::Nr,
                ] {
                    let sib = sib_of(rat);
                    if !sibs.contains(&sib) {
                        continue;
                    }
                    let mut list: Vec<(Option<u32>, u8)> = neighbour_priorities
                        .iter()
                        .filter(|p| p.rat == rat)
                        .map(|p| (p.arfcn, p.priority))
                        .collect();
                    list.sort_unstable();
                    let detail = |list: &PriorityList| format!("SIB{sib} priorities {list:?}");
                    let mut slot = state.neighbours.remove(&rat);
                    let change = compare(&mut slot, list, tag, event, detail);
                    if let Some(s) = slot {
                        state.neighbours.insert(rat, s);
                    }
                    if let Some((old, un)) = change {
                        changes.push((format!("SIB{sib} reselection priorities"), old, un));
                    }
                }
            }
            _ => return,
        }
        for (what, old, unannounced) in changes {
            let severity = if unannounced {
                Severity::Medium
            } else {
                Severity::Low
            };
            let explanation = format!(
                "This cell's {what} changed during the recording{}. Real cells change system \
                 information rarely, and announce each change by incrementing a value tag in \
                 SIB1 so phones re-read it. A change {}can mean a second transmitter imitating \
                 this cell with different settings. What to do: see whether this cell has other \
                 findings, especially a changed identity or a downgrade.",
                if unannounced {
                    " without the SIB1 value tag changing"
                } else {
                    ""
                },
                if unannounced {
                    "that was not announced "
                } else {
                    ""
                }
            );
            let f = Finding::at(
                KIND,
                VERSION,
                severity,
                event,
                format!("{what} changed mid-recording"),
                explanation,
            )
            .with_evidence(old)
            .with_evidence(Evidence::of(event, "changed content"))
            .benign(
                "A real reconfiguration by the operator (new neighbour, changed priorities). \
                 Tell apart: the value tag changes with it, it happens once and the new content \
                 stays.",
            )
            .benign(
                "Two real cells that the recording could not tell apart (same frequency and \
                 physical id, no SIB1 in between). Tell apart: was the device moving?",
            );
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use stingwatch_events::FreqPriority;

    fn sib1(tag: u8, sibs: Vec<u8>) -> EventKind {
        cell_observed(1, 1, sibs, tag)
    }

    fn sib7(p: u8) -> EventKind {
        EventKind::SystemInfo {
            sibs: vec![7],
            serving_priority: None,
            neighbour_priorities: vec![FreqPriority {
                rat: AccessTechnology::Geran,
                arfcn: Some(1),
                priority: p,
            }],
        }
    }

    #[test]
    fn unannounced_priority_change_is_medium() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![sib1(4, vec![2, 3, 7]), sib7(1), sib7(1), sib7(6)],
        );
        let f = run(&mut SibContentChange::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (4, Severity::Medium));
    }

    #[test]
    fn repeated_broadcasts_are_benign_and_announced_change_is_low() {
        let c = cell(100, 1, 1, 1);
        let mut kinds = Vec::new();
        for _ in 0..20 {
            kinds.push(sib1(4, vec![2, 3, 7]));
            kinds.push(sib7(1));
        }
        assert!(run(&mut SibContentChange::default(), &seq(1, c, kinds)).is_empty());
        let events = seq(1, c, vec![sib1(4, vec![2, 3]), sib1(5, vec![2, 3, 5])]);
        assert_eq!(
            worst(&run(&mut SibContentChange::default(), &events)),
            Some(Severity::Low)
        );
    }
}
