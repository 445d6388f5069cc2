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

impl<T> Remembered<T> {
    /// Whether this content was remembered from an event of exactly `kind`: each content is a
    /// function of the event kind, and a slot's sighting is always the last event that
    /// touched it, so such an event brings the same content again.
    fn last_seen_as(&self, kind: &EventKind) -> bool {
        self.sighting.kind() == kind
    }

    /// What [`compare`] does with content equal to the remembered one.
    fn seen_again(&mut self, value_tag: Option<u8>, event: &Event) {
        self.value_tag = value_tag;
        self.sighting.update(event, String::new);
    }
}

impl CellState {
    /// Handles a broadcast that repeats, in every slot it touches, the event that last touched
    /// that slot (the common case: the same SIB every 80-640 ms) exactly as the full comparison
    /// would, without building its content; false, changing nothing, for any other event.
    fn repeat(&mut self, event: &Event) -> bool {
        match &event.kind {
            EventKind::CellObserved { value_tag, .. } => {
                let Some(r) = self.sib1.as_mut().filter(|r| r.last_seen_as(&event.kind)) else {
                    return false;
                };
                r.seen_again(*value_tag, event);
                self.value_tag = *value_tag;
                true
            }
            EventKind::SystemInfo {
                sibs,
                serving_priority,
                ..
            } => {
                let touched = |rat: &AccessTechnology| sibs.contains(&sib_of(*rat));
                let serving_ok = serving_priority.is_none()
                    || self
                        .serving
                        .as_ref()
                        .is_some_and(|r| r.last_seen_as(&event.kind));
                let neighbours_ok = ALL_RATS.iter().filter(|r| touched(r)).all(|rat| {
                    self.neighbours
                        .get(rat)
                        .is_some_and(|r| r.last_seen_as(&event.kind))
                });
                if !(serving_ok && neighbours_ok) {
                    return false;
                }
                let tag = self.value_tag;
                if serving_priority.is_some() {
                    if let Some(r) = self.serving.as_mut() {
                        r.seen_again(tag, event);
                    }
                }
                for rat in ALL_RATS.iter().filter(|r| touched(r)) {
                    if let Some(r) = self.neighbours.get_mut(rat) {
                        r.seen_again(tag, event);
                    }
                }
                true
            }
            _ => false,
        }
    }
}

/// Every technology whose priorities a SIB carries, in the order they are compared.
const ALL_RATS: [AccessTechnology; 5] = [
    AccessTechnology::Eutra,
    AccessTechnology::Utra,
    AccessTechnology::Geran,
    AccessTechnology::Cdma2000,
    AccessTechnology::Nr,
];

/// Detects SIB content that changes within a recording.
#[derive(Debug)]
pub struct SibContentChange {
    cells: BoundedMap<CellRef, CellState>,
    /// Take [`CellState::repeat`] for repeated broadcasts (off only in the test that holds it
    /// to the full comparison).
    shortcut: bool,
}

impl Default for SibContentChange {
    fn default() -> Self {
        SibContentChange {
            cells: BoundedMap::default(),
            shortcut: true,
        }
    }
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

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(
            kind,
            EventKind::CellObserved { .. } | EventKind::SystemInfo { .. }
        )
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        if !matches!(
            event.kind,
            EventKind::CellObserved { .. } | EventKind::SystemInfo { .. }
        ) {
            return;
        }
        let key = match event.cell {
            Some(c) if !c.is_unknown() => c,
            _ => return,
        };
        let state = self.cells.entry(&key);
        if self.shortcut && state.repeat(event) {
            return;
        }
        let mut changes: Vec<(String, Evidence, bool)> = Vec::new();
        match &event.kind {
            EventKind::CellObserved {
                scheduled_sibs,
                additional_plmns,
                value_tag,
                ..
            } => {
                let mut scheduled = scheduled_sibs.to_vec();
                scheduled.sort_unstable();
                scheduled.dedup();
                let content = Sib1Content {
                    scheduled,
                    additional_plmns: additional_plmns.to_vec(),
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
                for rat in ALL_RATS {
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
            sibs: vec![7].into(),
            serving_priority: None,
            neighbour_priorities: vec![FreqPriority {
                rat: AccessTechnology::Geran,
                arfcn: Some(1),
                priority: p,
            }]
            .into(),
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

    /// Random streams of a few SIB1 and SystemInformation kinds on two cells (so repeats,
    /// changes, value tag changes and returns to older content interleave): the repeat
    /// shortcut gives exactly the findings of the full comparison.
    #[test]
    fn repeat_shortcut_equals_full_comparison() {
        let geran = |p| FreqPriority {
            rat: AccessTechnology::Geran,
            arfcn: Some(1),
            priority: p,
        };
        let eutra = |p| FreqPriority {
            rat: AccessTechnology::Eutra,
            arfcn: Some(9),
            priority: p,
        };
        let kinds = vec![
            sib1(4, vec![2, 3, 5, 7]),
            sib1(5, vec![2, 3, 5, 7]),
            sib1(4, vec![2, 3]),
            sib7(1),
            sib7(6),
            EventKind::SystemInfo {
                sibs: vec![3, 5].into(),
                serving_priority: Some(4),
                neighbour_priorities: vec![eutra(5)].into(),
            },
            EventKind::SystemInfo {
                sibs: vec![3, 5, 7].into(),
                serving_priority: Some(4),
                neighbour_priorities: vec![eutra(5), geran(1)].into(),
            },
            EventKind::SystemInfo {
                sibs: vec![3].into(),
                serving_priority: Some(7),
                neighbour_priorities: [].into(),
            },
            EventKind::SystemInfo {
                sibs: vec![5].into(),
                serving_priority: None,
                neighbour_priorities: vec![eutra(2)].into(),
            },
            EventKind::ConnectionSetup,
        ];
        let cells = [cell(100, 1, 1, 1), cell(100, 2, 1, 2)];
        let mut rng = stingwatch_testsupport::Rng(7);
        let mut compared = 0;
        for _ in 0..300 {
            let mut events = Vec::new();
            let mut k = 0;
            for p in 0..60 {
                // Mostly repeats of the previous kind, as real broadcasts are.
                if rng.below(3) == 0 {
                    k = rng.below(kinds.len());
                }
                let kind = kinds.get(k).cloned().unwrap_or(EventKind::ConnectionSetup);
                let c = cells.get(rng.below(2)).copied().unwrap_or_default();
                events.extend(seq(p + 1, c, vec![kind]));
            }
            let fast = run(&mut SibContentChange::default(), &events);
            let mut full_analyzer = SibContentChange {
                shortcut: false,
                ..SibContentChange::default()
            };
            let full = run(&mut full_analyzer, &events);
            assert_eq!(fast, full, "{events:?}");
            compared += fast.len();
        }
        assert!(compared > 0, "the streams raised no finding at all");
    }
}
