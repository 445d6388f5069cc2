//! One (EARFCN, PCI) broadcasting different PLMN, TAC or cell identity within a recording.

use super::BoundedMap;
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity, Sighting};
use std::collections::VecDeque;
use stingwatch_events::{CaptureTime, CellIdentity, CellRef, Event, EventKind};

const KIND: &str = "cell-identity-conflict";
const VERSION: u32 = 3;
/// Two identities on one radio this close in time cannot be PCI reuse by distant cells...
const NEAR_MICROS: i64 = 15 * 60 * 1_000_000;
/// ...unless the phone saw at least this many other cells in between: it moved, and physical
/// cell ids repeat every few cells across a city (504 ids on a frequency).
pub const MOVEMENT_MIN_CELLS: usize = 3;
/// Changes of observed cell remembered to count the cells seen in between; more changes than
/// this between two sightings is movement whatever they were.
const MAX_CHANGES: usize = 64;

#[derive(Debug, Default)]
struct Seen {
    identity: Option<CellIdentity>,
    time: Option<CaptureTime>,
    evidence: Option<Sighting>,
    /// Number of cell changes before this radio's last sighting.
    change: u64,
}

/// Detects a radio channel (EARFCN, PCI) whose SIB1 identity changes.
#[derive(Debug, Default)]
pub struct CellIdentityConflict {
    radios: BoundedMap<(u32, u16), Seen>,
    /// The last [`MAX_CHANGES`] changes of observed cell: (change number, new identity).
    changes: VecDeque<(u64, CellIdentity)>,
    /// Changes of observed cell so far.
    change_count: u64,
}

impl CellIdentityConflict {
    /// Distinct cells other than `a` and `b` observed after change `since`, counted over the
    /// remembered changes (a lower bound when more happened: a phone ping-ponging between two
    /// cells still counts two).
    fn cells_between(&self, since: u64, a: CellIdentity, b: CellIdentity) -> usize {
        let mut seen: Vec<CellIdentity> = Vec::new();
        for (n, id) in &self.changes {
            if *n > since && *id != a && *id != b && !seen.contains(id) {
                seen.push(*id);
            }
        }
        seen.len()
    }
}

impl Analyzer for CellIdentityConflict {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "The same radio channel (EARFCN and physical cell id) broadcasts a different network, \
         tracking area or cell identity than earlier in the recording: two transmitters, one \
         imitating the other."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Broadcast
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::CellObserved { .. })
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::CellObserved {
            plmn, tac, cell_id, ..
        } = &event.kind
        else {
            return;
        };
        let Some((earfcn, pci)) = event.cell.and_then(|c| Some((c.earfcn?, c.pci?))) else {
            return;
        };
        let now = CellIdentity {
            plmn: *plmn,
            tac: *tac,
            cell_id: *cell_id,
        };
        if self.changes.back().map(|(_, id)| *id) != Some(now) {
            self.change_count = self.change_count.saturating_add(1);
            if self.changes.len() >= MAX_CHANGES {
                self.changes.pop_front();
            }
            self.changes.push_back((self.change_count, now));
        }
        let change_count = self.change_count;
        let seen = self.radios.entry(&(earfcn, pci));
        let before = seen.identity;
        let before_time = seen.time;
        let before_change = seen.change;
        seen.change = change_count;
        let before_ev = match before {
            Some(b) if b != now => seen.evidence.as_ref().map(|s| s.evidence().clone()),
            _ => None,
        };
        seen.identity = Some(now);
        seen.time = event.time;
        Sighting::record(&mut seen.evidence, event, || format!("identity {now}"));
        let Some(before) = before else { return };
        if before == now {
            return;
        }
        // Nearness must be shown by capture times; without them (a modem clock not yet set,
        // a capture without times) distant PCI reuse cannot be ruled out.
        let near = match (before_time, event.time) {
            (Some(a), Some(b)) => b.0.saturating_sub(a.0) <= NEAR_MICROS,
            _ => false,
        };
        let mut changed = Vec::new();
        if before.plmn != now.plmn {
            changed.push(format!("network {} → {}", before.plmn, now.plmn));
        }
        if before.tac != now.tac {
            changed.push(format!("tracking area {} → {}", before.tac, now.tac));
        }
        if before.cell_id != now.cell_id {
            changed.push(format!(
                "cell identity {} → {}",
                before.cell_id, now.cell_id
            ));
        }
        let between = self.cells_between(before_change, before, now);
        let moved = between >= MOVEMENT_MIN_CELLS;
        let severity = match (near, moved) {
            (true, false) => Severity::Medium,
            (true, true) => Severity::Info,
            (false, _) => Severity::Low,
        };
        let movement_note = if moved {
            format!(
                "Between the two sightings the phone saw {between} other cells: it moved, and \
                 physical cell ids repeat every few cells, so this is ordinary reuse of the id \
                 by a distant cell."
            )
        } else {
            format!(
                "The phone saw {between} other cell(s) between the two sightings: too few to \
                 have moved out of the first cell's area."
            )
        };
        let title = format!(
            "EARFCN {earfcn} PCI {pci} changed identity ({})",
            changed.join(", ")
        );
        let explanation = format!(
            "The cell on frequency {earfcn} with physical id {pci} announced {before} and then \
             {now}. A real cell keeps its identity; when another one appears on the same \
             channel{} it is usually a second transmitter imitating a real cell, which is how \
             fake base stations blend in. What to do: check which of the two identities \
             appears in other findings, and whether the change repeats.",
            if near { " within minutes" } else { "" }
        );
        let mut f = Finding::at(KIND, VERSION, severity, event, title, explanation)
            .on_cell(Some(CellRef::radio(Some(earfcn), Some(pci))))
            .with_evidence(Evidence::of(event, format!("identity {now}")))
            .benign(
                "Physical cell ids are reused: while travelling, two distant real cells with the \
                 same frequency and id can both be seen. Tell apart: was the device moving, how \
                 far apart in time are the two identities, and do they alternate back and forth?",
            )
            .benign(
                "Network reconfiguration (a cell renumbered or moved to another tracking area). \
                 Tell apart: the change happens once and stays.",
            );
        if let Some(ev) = before_ev {
            f = f.with_evidence(ev);
        }
        f = f.note(movement_note);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn identity_change_on_one_radio_is_flagged() {
        let c = CellRef::radio(Some(100), Some(7));
        let events = seq(1, c, vec![sib1(1, 1), sib1(1, 1), sib1(999, 1)]);
        let f = run(&mut CellIdentityConflict::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (3, Severity::Medium));
    }

    /// Radio (100, 7) with one identity, the cells `between` (each on a radio of its own),
    /// then (100, 7) with another identity at packet 20.
    fn reuse_after(between: &[u32]) -> Vec<Finding> {
        let a = CellRef::radio(Some(100), Some(7));
        let mut events = seq(1, a, vec![sib1(1, 1)]);
        for (i, cid) in between.iter().enumerate() {
            events.extend(seq(
                10 + i as u64,
                CellRef::radio(Some(100), Some(30 + i as u16)),
                vec![sib1(2, *cid)],
            ));
        }
        events.extend(seq(20, a, vec![sib1(3, 999)]));
        run(&mut CellIdentityConflict::default(), &events)
    }

    #[test]
    fn reuse_after_the_phone_saw_other_cells_is_information() {
        let f = reuse_after(&[21, 22, 23]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].confidence_notes[0].contains("saw 3 other cells"));
        // Two cells in between (e.g. the neighbours of a phone that stays put): a conflict.
        let f = reuse_after(&[21, 22, 21]);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn ping_pong_past_the_remembered_changes_is_not_movement() {
        let a = CellRef::radio(Some(100), Some(7));
        let mut events = seq(1, a, vec![sib1(1, 1)]);
        // A stationary phone reselecting between two neighbours far more often than remembered.
        for i in 0..(MAX_CHANGES as u32 + 5) {
            events.extend(seq(
                10 + u64::from(i),
                CellRef::radio(Some(200 + i % 2), Some(1)),
                vec![sib1(2, 100 + i % 2)],
            ));
        }
        events.extend(seq(500, a, vec![sib1(3, 999)]));
        let f = run(&mut CellIdentityConflict::default(), &events);
        let last = f.last().unwrap();
        assert_eq!(last.packet, 500);
        assert_eq!(last.severity, Severity::Medium);
    }

    #[test]
    fn stable_cells_and_distinct_radios_are_benign() {
        let mut events = seq(1, CellRef::radio(Some(100), Some(7)), vec![sib1(1, 1); 50]);
        events.extend(seq(
            51,
            CellRef::radio(Some(100), Some(8)),
            vec![sib1(2, 2); 50],
        ));
        assert!(run(&mut CellIdentityConflict::default(), &events).is_empty());
    }
}
