//! GSM: a cell alone in a location area no other cell around it uses, on which the phone had
//! to update its location.
//!
//! The attack: a phone in idle mode updates its location only when the location area (LAI in
//! SI3/SI4) of the cell it camps on differs from the one it is registered in (TS 24.008
//! §4.4.1). A 2G cell-site simulator therefore announces a location area of its own, unlike
//! the real cells around it, so every phone that reselects to it starts a location update
//! and the simulator gets a dedicated connection to ask for identities. A phone reads the
//! SI3/SI4 of the cells it camps on and of the neighbours it ranks for reselection, so the
//! recording shows the location areas around it.
//!
//! Harmless look-alikes and how they are kept quiet:
//! - A location area border: crossing it, the phone updates on the first cell of the new
//!   area, and then sees more cells of that area. Only a cell whose location area no other
//!   cell of the network shows in the whole recording is counted.
//! - Few cells seen: without [`MIN_NEIGHBOURS`] other cells of the same network, "unlike the
//!   neighbours" says nothing.
//! - Passing through: the lone cell must sit among cells of its network seen both before and
//!   after it, the way a simulator captures a phone for a while and lets it go.
//! - The operator: when the update on the cell was accepted after ciphering started (A5/1 or
//!   better needs the key of the SIM's authentication, which only the operator holds), the
//!   cell is the operator's.
//!
//! Cells are told apart by their cell identity (SI3, SI6) within their location area: SI4
//! names none, and the radio channel is not always in the recording.
//!
//! A real network edge can still look like this (a lone cell of a neighbouring area the phone
//! briefly camped on), so the finding is low-severity supporting evidence for the cell's other
//! findings.

use super::BoundedMap;
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity};
use std::collections::BTreeSet;
use stingwatch_events::{Event, EventKind, GsmEvent, GsmProcedure, GsmStep, Plmn};

const KIND: &str = "gsm-lac-outlier";
const VERSION: u32 = 1;
/// Fewest other cells of the same network, seen with their location area, before a location
/// area can be called unlike the neighbours'.
pub const MIN_NEIGHBOURS: usize = 3;

/// A GSM cell (its global identity): network, location area, cell identity.
type GsmCellKey = (Plmn, u16, u16);

#[derive(Debug, Default)]
struct CellSeen {
    first: Option<Event>,
    first_order: u64,
    last_order: u64,
    /// The phone's location updating request while camped here.
    updated: Option<Event>,
    /// Ciphering (A5/1 or better) started on a connection here.
    ciphered: bool,
    /// A registration accepted after ciphering started.
    served: bool,
}

/// Reports a GSM cell whose location area is unlike every other cell's of its network, on
/// which the phone updated its location; judged at the end of the recording.
#[derive(Debug, Default)]
pub struct GsmLacOutlier {
    cells: BoundedMap<GsmCellKey, CellSeen>,
    current: Option<GsmCellKey>,
    order: u64,
}

impl Analyzer for GsmLacOutlier {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A GSM cell announces a location area that no other cell of its network around it uses, \
         and the phone updated its location on it: the way a 2G cell-site simulator makes \
         arriving phones contact it."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Context
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Gsm(_))
    }

    fn observe(&mut self, event: &Event, _out: &mut Vec<Finding>) {
        let EventKind::Gsm(g) = &event.kind else {
            return;
        };
        match g {
            GsmEvent::Cell {
                plmn: Some(plmn),
                lac,
                cell_id,
                ..
            } => {
                // SI4 names no cell identity; the same cell's SI3 does.
                let Some(ci) = cell_id else {
                    return;
                };
                let key = (*plmn, *lac, *ci);
                self.order = self.order.saturating_add(1);
                let order = self.order;
                let seen = self.cells.entry(&key);
                if seen.first.is_none() {
                    seen.first = Some(event.clone());
                    seen.first_order = order;
                }
                seen.last_order = order;
                if self.current != Some(key) {
                    seen.ciphered = false;
                }
                self.current = Some(key);
            }
            GsmEvent::Registration {
                procedure: GsmProcedure::LocationUpdate,
                step: GsmStep::Request,
                ..
            } => {
                if let Some(key) = self.current {
                    let seen = self.cells.entry(&key);
                    seen.updated.get_or_insert_with(|| event.clone());
                }
            }
            GsmEvent::Ciphering {
                packet_switched: false,
                started: true,
                algorithm,
            } if *algorithm >= 1 => {
                if let Some(key) = self.current {
                    self.cells.entry(&key).ciphered = true;
                }
            }
            GsmEvent::Registration {
                step: GsmStep::Accept,
                ..
            } => {
                if let Some(key) = self.current {
                    let seen = self.cells.entry(&key);
                    seen.served |= seen.ciphered;
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        for (key, seen) in self.cells.iter() {
            let (plmn, lac, ci) = key;
            let (Some(first), Some(update)) = (&seen.first, &seen.updated) else {
                continue;
            };
            if seen.served {
                continue;
            }
            let others: Vec<(&GsmCellKey, &CellSeen)> = self
                .cells
                .iter()
                .filter(|(k, _)| k.0 == *plmn && *k != key)
                .collect();
            if others.len() < MIN_NEIGHBOURS || others.iter().any(|((_, l, _), _)| l == lac) {
                continue;
            }
            let before = others.iter().any(|(_, n)| n.first_order < seen.first_order);
            let after = others.iter().any(|(_, n)| n.last_order > seen.last_order);
            if !(before && after) {
                continue;
            }
            let areas: BTreeSet<u16> = others.iter().map(|((_, l, _), _)| *l).collect();
            let list: Vec<String> = areas.iter().map(|l| l.to_string()).collect();
            let cell = format!("CI {ci}");
            out.push(
                Finding::at(
                    KIND,
                    VERSION,
                    Severity::Low,
                    first,
                    format!("GSM cell {cell} of {plmn} is alone in location area {lac}"),
                    format!(
                        "The 2G cell {cell} announced location area {lac}, which none of the {} \
                         other cells of network {plmn} seen around it uses (they use {}), and \
                         the phone had to update its location on it. A phone entering a new \
                         location area must contact the cell, which is why 2G cell-site \
                         simulators pick one of their own. On its own this only adds weight to \
                         other findings on the same cell.",
                        others.len(),
                        list.join(", ")
                    ),
                )
                .with_evidence(Evidence::of(
                    first,
                    "location area unlike every neighbour's",
                ))
                .with_evidence(Evidence::of(update, "location update on the lone cell"))
                .benign(
                    "The edge of a location area: a phone that briefly camps on the one cell of \
                     a neighbouring area it can hear updates there too. Tell apart: was the \
                     phone at an area's edge, was the update authenticated and ciphered, and \
                     does the cell show other findings?",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::CaptureTime;

    fn si3(p: u64, lac: u16, ci: u16) -> Event {
        Event::new(
            p,
            EventKind::Gsm(GsmEvent::Cell {
                plmn: Some(Plmn::new(1, 1, 2)),
                lac,
                cell_id: Some(ci),
                t3212_decihours: Some(10),
                rxlev_access_min: Some(6),
                cell_reselect_offset: None,
            }),
        )
        .at(CaptureTime(1_700_000_000_000_000 + p as i64 * 1_000_000))
    }

    fn gsm(p: u64, g: GsmEvent) -> Event {
        Event::new(p, EventKind::Gsm(g))
    }

    fn update(p: u64, step: GsmStep) -> Event {
        gsm(
            p,
            GsmEvent::Registration {
                procedure: GsmProcedure::LocationUpdate,
                step,
                cause: None,
            },
        )
    }

    fn run(events: &[Event]) -> Vec<Finding> {
        let mut a = GsmLacOutlier::default();
        let mut out = Vec::new();
        for e in events {
            a.observe(e, &mut out);
        }
        a.finish(&mut out);
        out
    }

    /// Three cells of area 10, a lone cell of area 99 with an update, then back to area 10.
    fn lure() -> Vec<Event> {
        vec![
            si3(1, 10, 1),
            si3(2, 10, 2),
            si3(3, 10, 3),
            si3(4, 99, 7),
            update(5, GsmStep::Request),
            si3(6, 10, 1),
        ]
    }

    #[test]
    fn a_lone_area_with_an_update_is_low_evidence() {
        let f = run(&lure());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].packet, 4);
        assert_eq!(f[0].evidence.len(), 2);
    }

    #[test]
    fn an_area_border_is_quiet() {
        // The phone crosses into area 20 and sees more of its cells.
        let mut e = vec![
            si3(1, 10, 1),
            si3(2, 10, 2),
            si3(3, 10, 3),
            si3(4, 20, 7),
            update(5, GsmStep::Request),
            si3(6, 20, 8),
            si3(7, 10, 1),
        ];
        assert!(run(&e).is_empty());
        // The same lone cell seen only at the end (the phone moved on and the recording ended).
        e.truncate(5);
        assert!(run(&e).is_empty());
    }

    #[test]
    fn no_update_or_few_neighbours_is_quiet() {
        let mut e = lure();
        e.remove(4);
        assert!(run(&e).is_empty(), "no update");
        let mut e: Vec<Event> = lure().into_iter().skip(1).collect();
        if let Some(last) = e.last_mut() {
            *last = si3(6, 10, 2);
        }
        assert!(run(&e).is_empty(), "two neighbours only");
    }

    #[test]
    fn an_update_accepted_after_ciphering_is_the_operators() {
        let mut e = lure();
        e.insert(
            5,
            gsm(
                5,
                GsmEvent::Ciphering {
                    packet_switched: false,
                    started: true,
                    algorithm: 3,
                },
            ),
        );
        e.insert(6, update(5, GsmStep::Accept));
        assert!(run(&e).is_empty());
        // A5/0 proves nothing.
        let mut e = lure();
        e.insert(
            5,
            gsm(
                5,
                GsmEvent::Ciphering {
                    packet_switched: false,
                    started: true,
                    algorithm: 0,
                },
            ),
        );
        e.insert(6, update(5, GsmStep::Accept));
        assert_eq!(run(&e).len(), 1);
    }
}
