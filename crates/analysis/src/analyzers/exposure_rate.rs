//! Identity exposure per connection on each cell, against the recording's own baseline.
//!
//! Counting messages that expose a permanent identity (identity requests and responses for
//! IMSI/IMEI, attach requests carrying the IMSI) per connection shows catchers plainly: on a
//! real network almost no connection exposes an identity, on a catcher nearly every one does.
//! The baseline is the rest of the same recording, so the same device, SIM and network
//! conditions are compared with themselves.

use super::{benign, BoundedMap};
use crate::connection::Connection;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{CellRef, Event, EventKind, IdentityType};

const KIND: &str = "identity-exposure-rate";
const VERSION: u32 = 1;
/// Connections on other cells needed before their rate is a baseline.
const MIN_BASELINE_CONNECTIONS: u64 = 5;
/// Evidence entries kept per cell.
const MAX_CELL_EVIDENCE: usize = 10;

#[derive(Debug, Default)]
struct CellTally {
    connections: u64,
    exposing: u64,
    unauthenticated_exposing: u64,
    anchor: Option<Event>,
    evidence: Vec<Evidence>,
}

#[derive(Debug, Default)]
struct Current {
    first: Option<Event>,
    evidence: Vec<Evidence>,
}

/// Compares each cell's identity-exposing connections with the rest of the recording.
#[derive(Debug, Default)]
pub struct IdentityExposureRate {
    conn: Connection,
    current: Current,
    cells: BoundedMap<CellRef, CellTally>,
}

impl IdentityExposureRate {
    fn close(&mut self) {
        let current = std::mem::take(&mut self.current);
        let key = self.conn.cell.unwrap_or_default();
        let authenticated = self.conn.authenticated();
        let tally = self.cells.entry(&key);
        tally.connections = tally.connections.saturating_add(1);
        if let Some(first) = current.first {
            tally.exposing = tally.exposing.saturating_add(1);
            if !authenticated {
                tally.unauthenticated_exposing = tally.unauthenticated_exposing.saturating_add(1);
            }
            if tally.anchor.is_none() {
                tally.anchor = Some(first);
            }
            for e in current.evidence {
                if tally.evidence.len() < MAX_CELL_EVIDENCE {
                    tally.evidence.push(e);
                }
            }
        }
    }
}

fn exposes(kind: &EventKind) -> bool {
    match kind {
        EventKind::IdentityRequested { identity, .. } | EventKind::IdentitySent { identity } => {
            identity.is_permanent()
        }
        EventKind::AttachRequest { identity } => *identity == IdentityType::Imsi,
        _ => false,
    }
}

impl Analyzer for IdentityExposureRate {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn explained_by_subscription(&self) -> bool {
        true
    }

    fn description(&self) -> &'static str {
        "The share of connections on a cell that expose a permanent identity (IMSI or IMEI) is \
         far above the share on the other cells of the same recording."
    }

    fn observe(&mut self, event: &Event, _out: &mut Vec<Finding>) {
        if self.conn.starts_new(event) && self.conn.active {
            self.close();
        }
        let was_active = self.conn.active;
        self.conn.apply(event);
        let ends = matches!(
            event.kind,
            EventKind::ConnectionReleased { .. } | EventKind::ConnectionRejected { .. }
        );
        if !(self.conn.active || ends && was_active) {
            // Outside any connection (e.g. broadcast); nothing to count.
            return;
        }
        if exposes(&event.kind) {
            if self.current.first.is_none() {
                self.current.first = Some(event.clone());
            }
            if self.current.evidence.len() < MAX_CELL_EVIDENCE {
                self.current
                    .evidence
                    .push(Evidence::of(event, "exposes a permanent identity"));
            }
        }
        if ends {
            self.close();
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        if self.conn.active {
            self.close();
        }
        let (all_conn, all_exp) = self.cells.iter().fold((0u64, 0u64), |(c, e), (_, t)| {
            (
                c.saturating_add(t.connections),
                e.saturating_add(t.exposing),
            )
        });
        for (cell, tally) in self.cells.iter() {
            let Some(anchor) = &tally.anchor else {
                continue;
            };
            let other_conn = all_conn.saturating_sub(tally.connections);
            let other_exp = all_exp.saturating_sub(tally.exposing);
            if other_conn < MIN_BASELINE_CONNECTIONS {
                continue;
            }
            let high_rate = tally.exposing.saturating_mul(2) >= tally.connections;
            let quiet_baseline = other_exp.saturating_mul(5) <= other_conn;
            if !high_rate || !quiet_baseline {
                continue;
            }
            // A single exposure (e.g. one first attach) on a cell says nothing about its rate.
            if tally.exposing < 2 || tally.unauthenticated_exposing == 0 {
                continue;
            }
            let severity = Severity::Medium;
            let percent = |n: u64, d: u64| n.saturating_mul(100).checked_div(d).unwrap_or(0);
            let title = format!(
                "{} of {} connections exposed a permanent identity (other cells: {} of {})",
                tally.exposing, tally.connections, other_exp, other_conn
            );
            let explanation = format!(
                "On this cell {}% of the phone's connections revealed its permanent identity \
                 (IMSI or IMEI), against {}% on the other cells of this recording. A real \
                 network uses temporary identities almost always; a fake base station exists to \
                 collect permanent ones, so nearly every connection to it exposes one. What to \
                 do: look at the identity findings for this cell and at when the exposures \
                 happened.",
                percent(tally.exposing, tally.connections),
                percent(other_exp, other_conn)
            );
            let mut f = Finding::at(KIND, VERSION, severity, anchor, title, explanation)
                .on_cell(if cell.is_unknown() { None } else { Some(*cell) })
                .benign(benign::FIRST_POWER_ON)
                .benign(benign::DEAD_SIM)
                .benign(
                    "Few connections: with only a handful of connections on a cell, one attach \
                     with the IMSI gives a high share. Tell apart: how many connections does \
                     the cell have, and were they authenticated?",
                );
            for e in &tally.evidence {
                f = f.with_evidence(e.clone());
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn quiet_connections(first: u64, c: CellRef, n: u64) -> Vec<Event> {
        let mut out = Vec::new();
        for i in 0..n {
            out.extend(seq(
                first + i * 10,
                c,
                vec![
                    conn_req(),
                    EventKind::ServiceRequest,
                    rrc_smc(2, 2),
                    release(),
                ],
            ));
        }
        out
    }

    #[test]
    fn cell_exposing_every_connection_is_medium() {
        let home = cell(100, 1, 1, 1);
        let odd = cell(200, 2, 9, 9);
        let mut events = quiet_connections(1, home, 10);
        for k in 0..2 {
            events.extend(seq(
                1000 + k * 10,
                odd,
                vec![
                    conn_req(),
                    attach(IdentityType::Guti),
                    id_req(IdentityType::Imsi),
                    id_sent(IdentityType::Imsi),
                    EventKind::AttachReject { cause: 11 },
                    release(),
                ],
            ));
        }
        let f = run(&mut IdentityExposureRate::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (1002, Severity::Medium));
    }

    #[test]
    fn evidence_stops_at_max_cell_evidence() {
        let home = cell(100, 1, 1, 1);
        let odd = cell(200, 2, 9, 9);
        // `connections` connections on the odd cell, each exposing the IMSI `per` times.
        let evidence = |connections: u64, per: usize| {
            let mut events = quiet_connections(1, home, 30);
            for k in 0..connections {
                let mut kinds = vec![conn_req(), attach(IdentityType::Guti)];
                kinds.extend((0..per).map(|_| id_req(IdentityType::Imsi)));
                kinds.push(EventKind::AttachReject { cause: 11 });
                kinds.push(release());
                events.extend(seq(1000 + k * 100, odd, kinds));
            }
            let f = run(&mut IdentityExposureRate::default(), &events);
            assert_eq!(f.len(), 1);
            f[0].evidence.iter().map(|e| e.packet).collect::<Vec<u64>>()
        };
        let limit = MAX_CELL_EVIDENCE as u64;
        let first: Vec<u64> = (0..limit).map(|k| 1002 + k * 100).collect();
        assert_eq!(evidence(limit, 1), first);
        assert_eq!(evidence(limit + 1, 1), first);
        // Within one connection too, while it is still open.
        let mut kinds = vec![conn_req(), attach(IdentityType::Guti)];
        kinds.extend((0..1000).map(|_| id_req(IdentityType::Imsi)));
        let mut a = IdentityExposureRate::default();
        let mut out = Vec::new();
        for e in seq(1, odd, kinds) {
            a.observe(&e, &mut out);
        }
        assert_eq!(a.current.evidence.len(), MAX_CELL_EVIDENCE);
    }

    #[test]
    fn first_attach_with_imsi_and_busy_cells_are_not_flagged() {
        let home = cell(100, 1, 1, 1);
        let other = cell(200, 2, 9, 9);
        let mut events = benign_attach(1, other);
        events.extend(quiet_connections(100, home, 30));
        let f = run(&mut IdentityExposureRate::default(), &events);
        assert!(worst(&f) < Some(Severity::Low));
    }
}
