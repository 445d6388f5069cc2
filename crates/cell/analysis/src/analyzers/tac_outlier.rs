//! A cell whose tracking area code matches none of the other cells of its network.

use super::BoundedMap;
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity};
use std::collections::BTreeSet;
use stingwatch_events::{Event, EventKind, Plmn};

const KIND: &str = "tac-outlier";
const VERSION: u32 = 2;
/// Fewest other cells of the network needed to call a TAC an outlier.
const MIN_NEIGHBOURS: usize = 3;

#[derive(Debug, Default)]
struct CellSeen {
    tac: u32,
    first: Option<Event>,
    first_order: u64,
    last_order: u64,
    /// The phone started a connection or a NAS procedure on the cell.
    contacted: bool,
    /// A network holding the SIM's keys served the phone on the cell (authentication,
    /// security, an accept): the cell is the operator's.
    served: bool,
}

/// Detects a tracking area code unlike every neighbour's; judged at the end of the recording.
#[derive(Debug, Default)]
pub struct TacOutlier {
    cells: BoundedMap<(Plmn, u32), CellSeen>,
    order: u64,
}

/// Events that prove the network serving the phone holds the SIM's keys.
fn serves(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::AuthAnswered
            | EventKind::SecurityModeComplete { .. }
            | EventKind::AttachAccept
            | EventKind::TauAccept
    )
}

/// Events by which the phone contacts the cell it is on.
fn contacts(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::ConnectionRequested { .. }
            | EventKind::AttachRequest { .. }
            | EventKind::TauRequest { .. }
            | EventKind::ServiceRequest
    )
}

impl Analyzer for TacOutlier {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A cell's tracking area code differs from that of every other cell of the same network \
         in the recording. Fake base stations pick a new tracking area so that phones must \
         contact them (tracking area update) on arrival."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Broadcast
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::CellObserved { .. }) || contacts(kind) || serves(kind)
    }

    fn observe(&mut self, event: &Event, _out: &mut Vec<Finding>) {
        if contacts(&event.kind) || serves(&event.kind) {
            if let Some(id) = event.cell.and_then(|c| c.identity) {
                let seen = self.cells.entry(&(id.plmn, id.cell_id));
                if contacts(&event.kind) {
                    seen.contacted = true;
                } else {
                    seen.served = true;
                }
            }
            return;
        }
        let EventKind::CellObserved {
            plmn, tac, cell_id, ..
        } = &event.kind
        else {
            return;
        };
        self.order = self.order.saturating_add(1);
        let order = self.order;
        let seen = self.cells.entry(&(*plmn, *cell_id));
        if seen.first.is_none() || seen.tac != *tac {
            seen.first = Some(event.clone());
            seen.first_order = order;
        }
        seen.tac = *tac;
        seen.last_order = order;
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        // In key order, so each network's cells lie together: one sort, not one per cell.
        let all: Vec<_> = self.cells.iter().collect();
        for network in all.chunk_by(|((a, _), _), ((b, _), _)| a == b) {
            for &((plmn, cell_id), seen) in network {
                Self::judge(network, plmn, *cell_id, seen, out);
            }
        }
    }
}

impl TacOutlier {
    /// The finding, if any, for `cell_id` among the other cells of its `network`.
    fn judge(
        network: &[(&(Plmn, u32), &CellSeen)],
        plmn: &Plmn,
        cell_id: u32,
        seen: &CellSeen,
        out: &mut Vec<Finding>,
    ) {
        let neighbours: Vec<&CellSeen> = network
            .iter()
            .filter(|((_, c), _)| *c != cell_id)
            .map(|(_, s)| *s)
            .collect();
        if neighbours.len() < MIN_NEIGHBOURS || neighbours.iter().any(|n| n.tac == seen.tac) {
            return;
        }
        let Some(first) = &seen.first else { return };
        let tacs: BTreeSet<u32> = neighbours.iter().map(|n| n.tac).collect();
        let before = neighbours.iter().any(|n| n.first_order < seen.first_order);
        let after = neighbours.iter().any(|n| n.last_order > seen.last_order);
        // One homogeneous area seen before and after: the device did not cross into a new
        // area and stay there; the odd cell appeared in the middle of a known area.
        // The trick works by making the phone contact the cell: a phone that camps on a
        // cell of a tracking area outside its registration area must start a tracking
        // area update at once (TS 24.301 5.5.3.2.2). A cell the phone never contacted was
        // only measured, or its area was part of the phone's registration area.
        let severity = if tacs.len() == 1 && before && after && seen.contacted && !seen.served {
            Severity::Medium
        } else {
            Severity::Low
        };
        let list: Vec<String> = tacs.iter().map(|t| t.to_string()).collect();
        let f = Finding::at(
            KIND,
            VERSION,
            severity,
            first,
            format!(
                "Cell {cell_id} of {plmn} is alone in tracking area {}",
                seen.tac
            ),
            format!(
                "Cell {cell_id} announced tracking area {}, while the {} other cells of \
                 network {plmn} seen in this recording use {}. A phone entering a new \
                 tracking area must contact the cell, which is why fake base stations \
                 choose an unused one. What to do: see whether this cell also appears in \
                 other findings.",
                seen.tac,
                neighbours.len(),
                list.join(", ")
            ),
        )
        .with_evidence(Evidence::of(
            first,
            "tracking area unlike every neighbour's",
        ))
        .benign(
            "A tracking area boundary: near the edge of an area a phone sees cells of both. \
             Tell apart: was the device moving, and does the odd tracking area number sit \
             close to the others (real areas are often numbered in sequence)?",
        );
        let f = if seen.served {
            f.note(
                "The network served the phone on this cell with proof that it holds the \
                 SIM's keys (authentication, security or an accepted update): the cell \
                 and its tracking area are the operator's.",
            )
        } else if seen.contacted {
            f.note("The phone contacted this cell (a connection or a NAS procedure).")
        } else {
            f.note(
                "The phone never contacted this cell. A phone that camps on a cell of a \
                 tracking area outside its registration area must start a tracking area \
                 update at once, so the phone only measured this cell, or its area was part \
                 of the phone's registration area: the trick did not work here.",
            )
        };
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    /// Three cells of one area, an odd one (packet 4), then the first again; the phone sends
    /// a tracking area update on the odd cell when `contact`.
    fn lone_tac(contact: bool) -> Vec<Event> {
        let c = cell(100, 1, 1, 1);
        let mut events = seq(
            1,
            c,
            vec![sib1(500, 1), sib1(500, 2), sib1(500, 3), sib1(4242, 9)],
        );
        if contact {
            events.extend(seq(
                5,
                cell(100, 1, 4242, 9),
                vec![EventKind::TauRequest {
                    identity: stingwatch_events::IdentityType::Guti,
                    periodic: false,
                }],
            ));
        }
        events.extend(seq(6, c, vec![sib1(500, 1)]));
        events
    }

    #[test]
    fn lone_tac_inside_a_homogeneous_area_is_medium_once_contacted() {
        let f = run(&mut TacOutlier::default(), &lone_tac(true));
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (4, Severity::Medium));
        let f = run(&mut TacOutlier::default(), &lone_tac(false));
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (4, Severity::Low));
        assert!(f[0].confidence_notes[0].contains("never contacted"));
        // Accepted there: the network itself put the area in the phone's registration area.
        let mut served = lone_tac(true);
        served.extend(seq(7, cell(100, 1, 4242, 9), vec![EventKind::TauAccept]));
        let f = run(&mut TacOutlier::default(), &served);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn crossing_into_a_new_area_is_not_medium() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                sib1(500, 1),
                sib1(500, 2),
                sib1(500, 3),
                sib1(501, 4),
                sib1(501, 5),
            ],
        );
        let f = run(&mut TacOutlier::default(), &events);
        assert!(worst(&f) < Some(Severity::Medium));
        let same_area = seq(1, c, (1..=6).map(|i| sib1(500, i)).collect());
        assert!(run(&mut TacOutlier::default(), &same_area).is_empty());
    }
}
