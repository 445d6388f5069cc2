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
const VERSION: u32 = 2;
/// Connections on other cells needed before their rate is a baseline.
const MIN_BASELINE_CONNECTIONS: u64 = 5;
/// Connections on a cell needed before its rate can rise above Low: two of two is what one
/// power-on attach and one retry give.
pub const MIN_RATE_CONNECTIONS: u64 = 5;
/// Normal quantile of the two-sided 95% Wilson interval.
const WILSON_Z: f64 = 1.96;
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

/// Wilson score interval (95%) of `k` successes in `n` trials, as (lower, upper); a rate
/// over few trials gets a wide interval, which is the point.
fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let p = (k as f64 / n).clamp(0.0, 1.0);
    let z2 = WILSON_Z * WILSON_Z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = WILSON_Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
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
            // Enough connections, and a rate whose 95% interval lies wholly above the
            // baseline's: anything less can be chance.
            let (cell_low, _) = wilson(tally.exposing, tally.connections);
            let (_, base_high) = wilson(other_exp, other_conn);
            let enough = tally.connections >= MIN_RATE_CONNECTIONS;
            let separated = cell_low > base_high;
            let severity = if enough && separated {
                Severity::Medium
            } else {
                Severity::Low
            };
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
            f = f.note(format!(
                "Counted over {} connections on this cell and {} on the others. With 95% \
                 confidence this cell's rate is at least {}%, the others' at most {}%.",
                tally.connections,
                other_conn,
                (cell_low * 100.0).floor(),
                (base_high * 100.0).ceil()
            ));
            if !enough {
                f = f.note(format!(
                    "Only {} connections on this cell: a rate over so few is not evidence on \
                     its own (at least {MIN_RATE_CONNECTIONS} are needed before it rises above \
                     low).",
                    tally.connections
                ));
            } else if !separated {
                f = f.note(
                    "The two rates are not far enough apart to rule out chance, so it stays \
                     low.",
                );
            }
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

    /// `connections` exposing connections on one cell, against `baseline` quiet ones on
    /// another, the first of which is an authenticated attach with the IMSI when
    /// `baseline_attach`.
    fn exposing(connections: u64, baseline: u64, baseline_attach: bool) -> Vec<Finding> {
        let home = cell(100, 1, 1, 1);
        let odd = cell(200, 2, 9, 9);
        let mut events = Vec::new();
        let mut quiet = baseline;
        if baseline_attach {
            events.extend(benign_attach(500, home));
            quiet -= 1;
        }
        events.extend(quiet_connections(1, home, quiet));
        for k in 0..connections {
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
        run(&mut IdentityExposureRate::default(), &events)
    }

    #[test]
    fn small_samples_stay_low_and_say_how_many() {
        // Two of two against a quiet baseline: a rate, but not evidence.
        let f = exposing(2, 10, false);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            f[0].title.starts_with("2 of 2 connections"),
            "{}",
            f[0].title
        );
        assert!(f[0]
            .confidence_notes
            .iter()
            .any(|n| n.contains("Only 2 connections")));
        // Enough connections, but a baseline too small to tell the rates apart (one of five
        // exposed there too).
        let f = exposing(5, 5, true);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        // Enough of both.
        let f = exposing(5, 10, false);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn wilson_bounds_narrow_with_more_trials() {
        let (lo2, _) = wilson(2, 2);
        let (lo5, _) = wilson(5, 5);
        let (_, hi0) = wilson(0, 10);
        assert!(lo2 < lo5);
        assert!((0.34..0.35).contains(&lo2), "{lo2}");
        assert!((0.27..0.28).contains(&hi0), "{hi0}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn cell_exposing_every_connection_is_medium() {
        let f = exposing(MIN_RATE_CONNECTIONS, 10, false);
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
