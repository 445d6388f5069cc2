//! Paging by IMSI instead of the temporary S-TMSI.

use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity};
use stingwatch_events::{Event, EventKind, IdentityType};

const KIND: &str = "imsi-paging";
const VERSION: u32 = 1;

/// Detects paging records that carry an IMSI.
#[derive(Debug, Default)]
pub struct ImsiPaging;

impl Analyzer for ImsiPaging {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A paging message that identifies the paged device by IMSI rather than by its temporary \
         S-TMSI."
    }

    fn role(&self) -> EvidenceRole {
        // Paging is broadcast to every device in the cell: the page may be for someone else,
        // so it neither corroborates nor is corroborated by what happened to this device.
        EvidenceRole::Standalone
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Paging { .. })
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::Paging { identities, .. } = &event.kind else {
            return;
        };
        let imsi = identities
            .iter()
            .filter(|i| **i == IdentityType::Imsi)
            .count();
        if imsi == 0 {
            return;
        }
        let f = Finding::at(
            KIND,
            VERSION,
            Severity::Medium,
            event,
            "Paging by IMSI",
            "The cell called a phone by its permanent identity (IMSI), which every phone in the \
             cell can read, instead of the temporary identity networks normally use. Fake base \
             stations page by IMSI to find out whether a particular person is nearby, and it \
             exposes that person's identity to anyone listening. The page may be for another \
             phone. What to do: see whether this cell has other findings and whether IMSI pages \
             repeat.",
        )
        .with_evidence(Evidence::of(
            event,
            format!("{imsi} of {} paging records by IMSI", identities.len()),
        ))
        .benign(
            "Network recovery: after a core network restart or database loss a real network \
             pages by IMSI so phones re-attach. Tell apart: is it a short burst on many cells \
             of the network at once, followed by normal paging?",
        )
        .benign(
            "A phone whose temporary identity the network lost (e.g. after a failed update) may \
             be paged by IMSI once. Tell apart: a single page, not a pattern.",
        );
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn paging(ids: Vec<IdentityType>) -> EventKind {
        EventKind::Paging {
            identities: ids.into(),
            system_info_modification: false,
        }
    }

    #[test]
    fn imsi_page_is_flagged() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                paging(vec![IdentityType::STmsi]),
                paging(vec![IdentityType::STmsi, IdentityType::Imsi]),
            ],
        );
        let f = run(&mut ImsiPaging, &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (2, Severity::Medium));
    }

    #[test]
    fn s_tmsi_paging_in_a_busy_cell_is_benign() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            (0..200)
                .map(|_| paging(vec![IdentityType::STmsi; 16]))
                .collect(),
        );
        assert!(run(&mut ImsiPaging, &events).is_empty());
    }
}
