//! A SIB1 that schedules nothing beyond SIB2: the minimum a cell needs to be camped on.

use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity};
use stingwatch_events::{Event, EventKind};

const KIND: &str = "incomplete-sib-chain";
const VERSION: u32 = 1;

/// Detects cells whose SIB1 schedules no SIB beyond SIB2.
#[derive(Debug, Default)]
pub struct IncompleteSibChain;

impl Analyzer for IncompleteSibChain {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A cell's SIB1 schedules no system information beyond SIB2: no reselection parameters \
         (SIB3) and no neighbour lists (SIB4-SIB8), so phones camped on it have no information \
         to leave it."
    }

    fn role(&self) -> EvidenceRole {
        EvidenceRole::Broadcast
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::CellObserved { .. })
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::CellObserved { scheduled_sibs, .. } = &event.kind else {
            return;
        };
        if scheduled_sibs.iter().any(|s| *s > 2) {
            return;
        }
        let f = Finding::at(
            KIND,
            VERSION,
            Severity::Medium,
            event,
            "Cell broadcasts no system information beyond SIB2",
            "This cell announces only the bare minimum of system information (SIB1 and SIB2). \
             Real LTE cells also broadcast how and where to move to better cells (SIB3 and \
             neighbour lists); without them a phone has no reason to leave. Simple fake base \
             stations broadcast only what is needed to attract phones and keep them. What to \
             do: see whether the same cell also asked for your identity or sent you away, which \
             would make an attack much more likely.",
        )
        .with_evidence(Evidence::of(event, "schedules nothing beyond SIB2"))
        .benign(
            "A small cell, test cell or temporary cell (e.g. an event or emergency deployment) \
             configured minimally. Tell apart: does it appear in a cell database, is it seen at \
             the same place for days, and does it authenticate phones normally?",
        )
        .benign(
            "A decoding gap: a damaged or partly logged SIB1. Tell apart: do other SIB1s of the \
             same cell in the recording schedule more SIBs?",
        );
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn sib1(sibs: Vec<u8>) -> EventKind {
        cell_observed(1, 1, sibs, 1)
    }

    #[test]
    fn sib2_only_is_flagged() {
        let c = cell(100, 1, 1, 1);
        let f = run(&mut IncompleteSibChain, &seq(5, c, vec![sib1(vec![2])]));
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (5, Severity::Medium));
    }

    #[test]
    fn full_chain_is_benign() {
        let c = cell(100, 1, 1, 1);
        let f = run(
            &mut IncompleteSibChain,
            &seq(5, c, vec![sib1(vec![2, 3, 5, 6, 7])]),
        );
        assert!(f.is_empty());
    }
}
