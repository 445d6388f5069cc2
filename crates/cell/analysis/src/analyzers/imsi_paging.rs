//! Paging by IMSI instead of the temporary S-TMSI, weighed by whether this phone answered it.
//!
//! A page is broadcast: every phone in the cell reads it, it may be for any of them, and some
//! networks page by IMSI routinely. What makes a page by IMSI part of an attack on this phone
//! is the phone's answer. A phone paged with its IMSI must detach locally and attach again
//! with its IMSI (TS 24.301 5.6.2.2.2), so an attach carrying the IMSI right after an IMSI
//! page on the same cell is this phone answering. A real network then authenticates it
//! (recovery after losing its records); a cell-site simulator that pages a person's IMSI to
//! learn whether they are nearby cannot, and turns the phone away.

use crate::connection::{concerns_connection, Connection};
use crate::{Analyzer, Evidence, EvidenceRole, Finding, Severity};
use stingwatch_events::{CaptureTime, CellRef, Event, EventKind, IdentityType};

const KIND: &str = "imsi-paging";
const VERSION: u32 = 2;
/// An attach with the IMSI this soon after an IMSI page on the same cell answers it: a phone
/// reads its paging occasion at least every 2.56 s and sets up a connection within a second.
pub const PAGE_ANSWER_MICROS: i64 = 10_000_000;
/// Without capture times, the same within this many packets.
pub const PAGE_ANSWER_PACKETS: u64 = 200;

/// An IMSI page, remembered until the phone's possible answer.
#[derive(Debug, Clone)]
struct Page {
    event: Event,
    imsi_records: usize,
    records: usize,
}

/// Detects paging by IMSI, and this phone answering it without being authenticated.
#[derive(Debug, Default)]
pub struct ImsiPaging {
    conn: Connection,
    last_page: Option<Page>,
    /// The page the current connection answers, with the phone's attach.
    answering: Option<(Page, Event)>,
    /// IMSI pages seen so far (for the text).
    pages: u64,
    /// The phone is registered as far as the recording shows (accepted, or updating its area
    /// or asking for service, and not rejected since): only a registered phone is paged, and
    /// a phone attaching after a reject or at power-on is not answering a page.
    registered: bool,
}

fn same_cell(a: Option<&CellRef>, b: Option<&CellRef>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            let radio =
                a.earfcn.is_some() && a.pci.is_some() && (a.earfcn, a.pci) == (b.earfcn, b.pci);
            let identity = a.identity.is_some() && a.identity == b.identity;
            radio || identity || (a.earfcn.is_some() && a.pci.is_none() && a == b)
        }
        // A recording without radio context: one cell as far as it tells.
        (None, None) => true,
        _ => false,
    }
}

fn soon_after(page: &Event, event: &Event) -> bool {
    match (page.time, event.time) {
        (Some(CaptureTime(a)), Some(CaptureTime(b))) => (0..=PAGE_ANSWER_MICROS).contains(&(b - a)),
        _ => event.packet.saturating_sub(page.packet) <= PAGE_ANSWER_PACKETS,
    }
}

impl ImsiPaging {
    fn close(&mut self, out: &mut Vec<Finding>) {
        let Some((page, attach)) = self.answering.take() else {
            return;
        };
        if self.conn.authenticated() {
            let f = Finding::at(
                KIND,
                VERSION,
                Severity::Info,
                &page.event,
                "Paged by IMSI and answered; the network then authenticated the phone",
                "The cell paged by IMSI and this phone answered with an attach carrying its IMSI, \
                 as phones must when paged with their own IMSI. The network then authenticated \
                 it, which only the real operator can do: this is how a real network recovers \
                 after losing its records of the phone. Nothing to do.",
            )
            .with_evidence(Evidence::of(&page.event, "page by IMSI"))
            .with_evidence(Evidence::of(&attach, "the phone answers with its IMSI"));
            out.push(f);
            return;
        }
        let f = Finding::at(
            KIND,
            VERSION,
            Severity::Medium,
            &page.event,
            "This phone was paged by its IMSI and answered, without authentication",
            "The cell paged by IMSI and this phone answered with an attach carrying its IMSI, as \
             phones must when paged with their own IMSI, so the page was for this phone. The \
             network never authenticated it afterwards. Paging a known IMSI and watching for \
             the answer is how a fake base station finds out whether a particular person is \
             nearby; a real network paging by IMSI (to recover lost records) authenticates the \
             phone that answers. What to do: note the time and place, and see whether this cell \
             has other findings.",
        )
        .with_evidence(Evidence::of(
            &page.event,
            format!(
                "{} of {} paging records by IMSI",
                page.imsi_records, page.records
            ),
        ))
        .with_evidence(Evidence::of(&attach, "the phone answers with its IMSI"))
        .benign(
            "Network recovery: after a core network restart or database loss a real network \
             pages by IMSI so phones re-attach. Tell apart: the real network authenticates the \
             phone right after; is there an authentication later in the recording?",
        );
        out.push(f);
    }
}

impl Analyzer for ImsiPaging {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "A paging message that identifies a device by IMSI rather than by its temporary S-TMSI: \
         information on its own (routine on some networks), medium when this phone answers it \
         with its IMSI and is never authenticated."
    }

    fn role(&self) -> EvidenceRole {
        // Paging is broadcast to every device in the cell: it says little alone, and weighs
        // when the same cell shows other signs.
        EvidenceRole::Context
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Paging { .. }) || concerns_connection(kind)
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        if let EventKind::Paging { identities, .. } = &event.kind {
            let imsi = identities
                .iter()
                .filter(|i| **i == IdentityType::Imsi)
                .count();
            if imsi == 0 {
                return;
            }
            self.pages = self.pages.saturating_add(1);
            self.last_page = Some(Page {
                event: event.clone(),
                imsi_records: imsi,
                records: identities.len(),
            });
            let f = Finding::at(
                KIND,
                VERSION,
                Severity::Info,
                event,
                "Paging by IMSI",
                "The cell called a phone by its permanent identity (IMSI), which every phone in \
                 the cell can read, instead of the temporary identity networks normally use. On \
                 its own this says little: the page may be for any phone in the cell, and some \
                 networks page by IMSI as a matter of routine. It would weigh if this phone \
                 answered it and was not authenticated, or if the same cell showed other signs; \
                 neither is reported here unless said below.",
            )
            .with_evidence(Evidence::of(
                event,
                format!("{imsi} of {} paging records by IMSI", identities.len()),
            ))
            .benign(
                "A network's routine: some operators page by IMSI regularly, or after a core \
                 network restart. Tell apart: IMSI pages on many cells of the network, and no \
                 answer from this phone.",
            );
            out.push(f);
            return;
        }
        if self.conn.starts_new(event) && self.conn.active {
            self.close(out);
        }
        self.conn.apply(event);
        match &event.kind {
            EventKind::AttachAccept
            | EventKind::TauAccept
            | EventKind::TauRequest { .. }
            | EventKind::ServiceRequest => self.registered = true,
            EventKind::AttachReject { .. }
            | EventKind::TauReject { .. }
            | EventKind::ServiceReject { .. }
            | EventKind::DetachRequest { .. } => self.registered = false,
            _ => {}
        }
        match &event.kind {
            EventKind::AttachRequest {
                identity: IdentityType::Imsi,
            } if self.answering.is_none() => {
                if let Some(page) = self.last_page.take() {
                    if self.registered
                        && soon_after(&page.event, event)
                        && same_cell(page.event.cell.as_ref(), self.conn.cell.as_ref())
                    {
                        self.answering = Some((page, event.clone()));
                    }
                }
            }
            EventKind::ConnectionReleased { .. } | EventKind::ConnectionRejected { .. } => {
                self.close(out);
            }
            _ => {}
        }
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        if self.answering.is_some() {
            self.close(out);
        }
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
    fn an_imsi_page_alone_is_information() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                paging(vec![IdentityType::STmsi]),
                paging(vec![IdentityType::STmsi, IdentityType::Imsi]),
            ],
        );
        let f = run(&mut ImsiPaging::default(), &events);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].packet, f[0].severity), (2, Severity::Info));
    }

    /// A registered phone: an accepted periodic update.
    fn registered() -> Vec<EventKind> {
        vec![
            conn_req(),
            EventKind::TauRequest {
                identity: IdentityType::Guti,
                periodic: true,
            },
            EventKind::TauAccept,
            release(),
        ]
    }

    #[test]
    fn answered_without_authentication_is_medium_on_the_page() {
        let c = cell(100, 1, 1, 1);
        let mut kinds = registered();
        kinds.extend([
            paging(vec![IdentityType::Imsi]),
            attach(IdentityType::Imsi),
            conn_req(),
            EventKind::ConnectionSetup,
            release(),
        ]);
        let events = seq(1, c, kinds.clone());
        let f = run(&mut ImsiPaging::default(), &events);
        assert_eq!(worst(&f), Some(Severity::Medium));
        let m = f.iter().find(|f| f.severity == Severity::Medium).unwrap();
        assert_eq!(m.packet, 5);
        assert_eq!(m.evidence.len(), 2);
        // A phone that was just refused (or never registered) attaching with its IMSI is not
        // answering the page.
        let mut refused = kinds;
        refused.insert(4, EventKind::AttachReject { cause: 15 });
        let f = run(&mut ImsiPaging::default(), &seq(1, c, refused));
        assert_eq!(worst(&f), Some(Severity::Info));
    }

    #[test]
    fn answered_and_authenticated_is_recovery() {
        let c = cell(100, 1, 1, 1);
        let mut kinds = registered();
        kinds.push(paging(vec![IdentityType::Imsi]));
        let mut events = seq(1, c, kinds);
        events.extend(benign_attach(6, c));
        let f = run(&mut ImsiPaging::default(), &events);
        assert_eq!(worst(&f), Some(Severity::Info));
        assert!(f
            .iter()
            .any(|f| f.title.contains("authenticated the phone")));
    }

    #[test]
    fn an_answer_on_another_cell_or_much_later_is_not_an_answer() {
        let c = cell(100, 1, 1, 1);
        let other = cell(200, 2, 2, 2);
        let mut events = seq(1, c, vec![paging(vec![IdentityType::Imsi])]);
        events.extend(seq(2, other, vec![attach(IdentityType::Imsi), release()]));
        assert_eq!(
            worst(&run(&mut ImsiPaging::default(), &events)),
            Some(Severity::Info)
        );

        let mut late = seq(1, c, vec![paging(vec![IdentityType::Imsi])]);
        late.extend(seq(100, c, vec![attach(IdentityType::Imsi), release()]));
        assert_eq!(
            worst(&run(&mut ImsiPaging::default(), &late)),
            Some(Severity::Info)
        );
        // A GUTI attach after an IMSI page is not the answer a page by IMSI asks for.
        let mut guti = seq(1, c, vec![paging(vec![IdentityType::Imsi])]);
        guti.extend(seq(2, c, vec![attach(IdentityType::Guti), release()]));
        assert_eq!(
            worst(&run(&mut ImsiPaging::default(), &guti)),
            Some(Severity::Info)
        );
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
        assert!(run(&mut ImsiPaging::default(), &events).is_empty());
    }
}
