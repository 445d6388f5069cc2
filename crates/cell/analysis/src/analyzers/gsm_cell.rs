//! GSM: broadcast parameters that make a cell attract phones and keep them, the way a
//! cell-site simulator tunes its own: no neighbours to move on to, a very large reselection
//! offset, a very short periodic update timer, and one radio channel that changes identity.
//! Each is weak on its own (real networks tune these too), so findings are supporting
//! evidence for the cell's other findings.

use super::BoundedMap;
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity};
use stingwatch_events::{Event, EventKind, GsmEvent, Plmn};

const KIND: &str = "gsm-cell-anomaly";
const VERSION: u32 = 1;

/// T3212 at or below this many decihours (18 minutes) makes phones register again and
/// again; networks use one to many hours.
pub const SHORT_T3212_DECIHOURS: u8 = 3;
/// CELL_RESELECT_OFFSET at or above this (2 dB steps: 40 dB) ranks the cell far above any
/// neighbour it could be compared with.
pub const LARGE_RESELECT_OFFSET: u8 = 20;
/// Most identities remembered per radio channel.
const MAX_IDENTITIES: usize = 8;

/// Identity of a GSM cell as broadcast.
type GsmCellId = (Option<Plmn>, u16, Option<u16>);

#[derive(Debug, Default)]
struct CellSigns {
    first: Option<Event>,
    empty_neighbours: Option<Event>,
    listed_neighbours: bool,
    short_t3212: Option<(Event, u8)>,
    large_offset: Option<(Event, u8)>,
}

/// Reports GSM cells whose broadcast is tuned to attract and hold phones.
#[derive(Debug, Default)]
pub struct GsmCellAnomaly {
    cells: BoundedMap<GsmCellId, CellSigns>,
    /// Identities seen per radio channel (ARFCN), when the recording gives the channel.
    channels: BoundedMap<u32, Vec<(GsmCellId, Event)>>,
    /// The cell whose broadcast is being read (the last SI3/SI4 seen).
    current: Option<GsmCellId>,
}

fn describe(id: &GsmCellId) -> String {
    let (plmn, lac, ci) = id;
    let net = plmn.map_or_else(|| "?".to_string(), |p| p.to_string());
    match ci {
        Some(c) => format!("{net} LAC {lac} CI {c}"),
        None => format!("{net} LAC {lac}"),
    }
}

impl Analyzer for GsmCellAnomaly {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A GSM cell that broadcasts no neighbours, a very large reselection offset or a very \
         short periodic update timer, or a GSM radio channel that changes its cell identity."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Context
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Gsm(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::Gsm(g) = &event.kind else {
            return;
        };
        match g {
            GsmEvent::Cell {
                plmn,
                lac,
                cell_id,
                t3212_decihours,
                cell_reselect_offset,
                ..
            } => {
                let id = (*plmn, *lac, *cell_id);
                self.current = Some(id);
                let signs = self.cells.entry(&id);
                signs.first.get_or_insert_with(|| event.clone());
                if let Some(t) = t3212_decihours.filter(|t| (1..=SHORT_T3212_DECIHOURS).contains(t))
                {
                    signs.short_t3212.get_or_insert((event.clone(), t));
                }
                if let Some(o) = cell_reselect_offset.filter(|o| *o >= LARGE_RESELECT_OFFSET) {
                    signs.large_offset.get_or_insert((event.clone(), o));
                }
                // GSMTAP writers put ARFCN 0 when they do not know the channel (a DIAG GSM
                // RR record carries none), so 0 cannot tell cells apart.
                if let Some(arfcn) = event.cell.and_then(|c| c.earfcn).filter(|a| *a != 0) {
                    let seen = self.channels.entry(&arfcn);
                    // SI4 names no cell identity; compare only like with like.
                    let new = cell_id.is_some()
                        && !seen.iter().any(|(s, _)| *s == id)
                        && seen.iter().any(|(s, _)| s.2.is_some());
                    if seen.len() < MAX_IDENTITIES
                        && cell_id.is_some()
                        && !seen.iter().any(|(s, _)| *s == id)
                    {
                        seen.push((id, event.clone()));
                    }
                    if new {
                        if let Some((old, old_ev)) = seen.first().cloned() {
                            let title = format!(
                                "GSM channel {arfcn} changed its cell identity ({} → {})",
                                describe(&old),
                                describe(&id)
                            );
                            let explanation = format!(
                                "The same 2G radio channel (ARFCN {arfcn}) first broadcast the \
                                 cell {} and later {}. A real network keeps a cell's identity; a \
                                 cell-site simulator that is moved or reconfigured, or that \
                                 copies whichever neighbour it wants to impersonate, does not. \
                                 Moving between places where the operator reuses the channel \
                                 also does this.",
                                describe(&old),
                                describe(&id)
                            );
                            out.push(
                                Finding::at(KIND, VERSION, Severity::Low, event, title, explanation)
                                    .with_evidence(Evidence::of(&old_ev, "the first identity"))
                                    .with_evidence(Evidence::of(event, "a different identity"))
                                    .benign(
                                        "Frequency reuse: after moving a few kilometres the same \
                                         channel belongs to another cell. Tell apart: did you move?",
                                    ),
                            );
                        }
                    }
                }
            }
            GsmEvent::Neighbours { empty, continued } => {
                let Some(id) = self.current else {
                    return;
                };
                let signs = self.cells.entry(&id);
                if *empty && !*continued {
                    signs.empty_neighbours.get_or_insert_with(|| event.clone());
                } else if !*empty {
                    signs.listed_neighbours = true;
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        for (id, signs) in self.cells.iter() {
            let Some(anchor) = signs.first.as_ref() else {
                continue;
            };
            let mut found: Vec<(String, Evidence)> = Vec::new();
            // A list stated empty while another message of the same cell lists neighbours is
            // a split list, not an empty one.
            if let Some(e) = signs
                .empty_neighbours
                .as_ref()
                .filter(|_| !signs.listed_neighbours)
            {
                found.push((
                    "it lists no neighbour cells, so phones camped on it have nowhere to go".into(),
                    Evidence::of(e, "names no neighbour"),
                ));
            }
            if let Some((e, t)) = &signs.short_t3212 {
                found.push((
                    format!(
                        "its periodic location update timer is {} minutes, making phones \
                         register (and reveal themselves) again and again",
                        u32::from(*t) * 6
                    ),
                    Evidence::of(e, format!("T3212 = {t} decihours")),
                ));
            }
            if let Some((e, o)) = &signs.large_offset {
                found.push((
                    format!(
                        "its cell reselection offset is {} dB, ranking it far above real \
                         neighbours",
                        u32::from(*o) * 2
                    ),
                    Evidence::of(e, format!("CELL_RESELECT_OFFSET = {o}")),
                ));
            }
            if found.is_empty() {
                continue;
            }
            let severity = if found.len() >= 3 {
                Severity::Medium
            } else {
                Severity::Low
            };
            let title = format!(
                "GSM cell {} is tuned to attract and hold phones",
                describe(id)
            );
            let signs_text: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
            let explanation = format!(
                "The 2G cell {} broadcasts settings that cell-site simulators use: {}. Each of \
                 these also occurs in real networks, so on its own this only adds weight to other \
                 findings on the same cell.",
                describe(id),
                signs_text.join("; ")
            );
            let mut f = Finding::at(KIND, VERSION, severity, anchor, title, explanation);
            for (_, e) in found {
                f = f.with_evidence(e);
            }
            f = f.benign(
                "Operator tuning: rural cells, small cells and cells at a network's edge use \
                 unusual values. Tell apart: does the cell show other findings, and do other cells \
                 of the same operator here broadcast the same values?",
            );
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::CellRef;

    fn cell(p: u64, arfcn: u32, ci: u16, t3212: u8, cro: Option<u8>) -> Event {
        let mut e = Event::new(
            p,
            EventKind::Gsm(GsmEvent::Cell {
                plmn: Some(Plmn::new(1, 1, 2)),
                lac: 7,
                cell_id: Some(ci),
                t3212_decihours: Some(t3212),
                rxlev_access_min: Some(0),
                cell_reselect_offset: cro,
            }),
        );
        e.cell = Some(CellRef::radio(Some(arfcn), None));
        e
    }

    fn run(events: &[Event]) -> Vec<Finding> {
        let mut a = GsmCellAnomaly::default();
        let mut out = Vec::new();
        for e in events {
            a.observe(e, &mut out);
        }
        a.finish(&mut out);
        out
    }

    #[test]
    fn ordinary_broadcast_is_quiet() {
        let n = Event::new(
            2,
            EventKind::Gsm(GsmEvent::Neighbours {
                empty: false,
                continued: false,
            }),
        );
        assert!(run(&[cell(1, 40, 10, 10, Some(0)), n]).is_empty());
    }

    #[test]
    fn three_signs_make_a_medium_finding() {
        let n = Event::new(
            2,
            EventKind::Gsm(GsmEvent::Neighbours {
                empty: true,
                continued: false,
            }),
        );
        let f = run(&[cell(1, 40, 10, 1, Some(30)), n]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        // The timer and the offset come from one message: one piece of evidence.
        assert_eq!(f[0].evidence.len(), 2);
        for sign in ["no neighbour", "6 minutes", "60 dB"] {
            assert!(f[0].explanation.contains(sign), "{sign}");
        }
    }

    #[test]
    fn a_channel_changing_identity_is_reported() {
        let f = run(&[cell(1, 40, 10, 10, None), cell(2, 40, 11, 10, None)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].packet, 2);
    }
}
