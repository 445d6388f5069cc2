//! What the recording shows about the cells around the phone and about its service, for
//! weighing refusals: which tracking areas the cells of each network share, and whether the
//! phone was ever served (authenticated, secured or accepted) anywhere.
//!
//! A SIM that its operator refuses (not activated, expired, blocked) is refused by real cells
//! that belong to the operator's network layout: they share their tracking area with other
//! cells of the operator, and the phone never gets service anywhere. A cell-site simulator
//! usually stands alone (a tracking area of its own, so that phones must contact it), and a
//! phone it refuses gets service from the real network elsewhere, which proves that the SIM
//! works.

use std::collections::{HashMap, HashSet};
use stingwatch_events::{CellIdentity, Event, EventKind, Plmn};

/// Most distinct cell identities remembered; past it, new cells are not counted.
pub const MAX_NEIGHBOURHOOD_CELLS: usize = 4096;

/// Cells per tracking area, and whether the phone was served.
#[derive(Debug, Default, Clone)]
pub struct Neighbourhood {
    cells: HashSet<CellIdentity, foldhash::fast::RandomState>,
    /// The cell counted last: SIB1 repeats every 80 ms, and a repeat needs no lookup.
    last_cell: Option<CellIdentity>,
    per_area: HashMap<(Plmn, u32), u32, foldhash::fast::RandomState>,
    served_networks: HashSet<Option<Plmn>, foldhash::fast::RandomState>,
    served: bool,
    registered: bool,
}

impl Neighbourhood {
    /// Whether `kind` teaches this tracker anything (for event routing).
    pub fn reads(kind: &EventKind) -> bool {
        matches!(
            kind,
            EventKind::CellObserved { .. }
                | EventKind::AuthAnswered
                | EventKind::SecurityModeComplete { .. }
                | EventKind::AttachAccept
                | EventKind::TauAccept
                | EventKind::ProtectedNas { uplink: true }
                | EventKind::TauRequest { .. }
                | EventKind::ServiceRequest
        )
    }

    /// Learn from one event.
    pub fn observe(&mut self, event: &Event) {
        match &event.kind {
            EventKind::CellObserved {
                plmn, tac, cell_id, ..
            } => {
                let id = CellIdentity {
                    plmn: *plmn,
                    tac: *tac,
                    cell_id: *cell_id,
                };
                if self.last_cell == Some(id) {
                    return;
                }
                self.last_cell = Some(id);
                if self.cells.len() < MAX_NEIGHBOURHOOD_CELLS && self.cells.insert(id) {
                    let n = self.per_area.entry((*plmn, *tac)).or_default();
                    *n = n.saturating_add(1);
                }
            }
            // Each of these proves that a network holding the SIM's keys served the phone.
            EventKind::AuthAnswered
            | EventKind::SecurityModeComplete { .. }
            | EventKind::AttachAccept
            | EventKind::TauAccept
            | EventKind::ProtectedNas { uplink: true } => {
                self.served = true;
                let network = event.cell.and_then(|c| c.identity).map(|id| id.plmn);
                if self.served_networks.len() < MAX_NEIGHBOURHOOD_CELLS {
                    self.served_networks.insert(network);
                }
            }
            // Only a phone its network accepted before (EMM-REGISTERED, with a GUTI and a
            // security context) updates its tracking area or asks for service; a SIM that was
            // never served only attaches.
            EventKind::TauRequest { .. } | EventKind::ServiceRequest => self.registered = true,
            _ => {}
        }
    }

    /// True when the phone shows it was registered before (tracking area update or service
    /// request).
    pub fn registered_anywhere(&self) -> bool {
        self.registered
    }

    /// True when anything in the recording shows the phone being served.
    pub fn served_anywhere(&self) -> bool {
        self.served
    }

    /// True when the phone was served on a cell of `plmn`.
    pub fn served_on(&self, plmn: Plmn) -> bool {
        self.served_networks.contains(&Some(plmn))
    }

    /// Other cells of the same network seen in the same tracking area as `id`.
    pub fn area_neighbours(&self, id: &CellIdentity) -> u32 {
        let n = self.per_area.get(&(id.plmn, id.tac)).copied().unwrap_or(0);
        if self.cells.contains(id) {
            n.saturating_sub(1)
        } else {
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{CellRef, Layer};

    fn sib1(p: u64, tac: u32, cell_id: u32) -> Event {
        Event::new(
            p,
            EventKind::CellObserved {
                plmn: Plmn::new(310, 410, 3),
                additional_plmns: [].into(),
                tac,
                cell_id,
                scheduled_sibs: vec![2, 3].into(),
                barred: false,
                value_tag: None,
            },
        )
    }

    #[test]
    fn counts_area_neighbours_once_per_cell() {
        let mut n = Neighbourhood::default();
        for (p, (tac, cid)) in [(7, 1), (7, 2), (7, 1), (7, 3), (9, 4)].iter().enumerate() {
            n.observe(&sib1(p as u64, *tac, *cid));
        }
        let id = |tac, cell_id| CellIdentity {
            plmn: Plmn::new(310, 410, 3),
            tac,
            cell_id,
        };
        assert_eq!(n.area_neighbours(&id(7, 1)), 2);
        assert_eq!(n.area_neighbours(&id(9, 4)), 0);
        assert_eq!(n.area_neighbours(&id(9, 5)), 1);
    }

    #[test]
    fn service_is_proof_from_the_network() {
        let mut n = Neighbourhood::default();
        assert!(!n.served_anywhere());
        n.observe(&Event::new(1, EventKind::AuthRequested));
        assert!(!n.served_anywhere());
        let cell = CellRef {
            earfcn: Some(1),
            pci: Some(1),
            identity: Some(CellIdentity {
                plmn: Plmn::new(310, 410, 3),
                tac: 1,
                cell_id: 1,
            }),
        };
        n.observe(&Event::new(2, EventKind::SecurityModeComplete { layer: Layer::Nas }).on(cell));
        assert!(n.served_anywhere());
        assert!(n.served_on(Plmn::new(310, 410, 3)));
        assert!(!n.served_on(Plmn::new(310, 260, 3)));
    }
}
