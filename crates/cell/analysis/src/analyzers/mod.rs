//! The built-in analyzers, one heuristic per file. `docs/heuristics.md` describes each.

mod cell_conflict;
mod downgrade_redirect;
mod exposure_rate;
mod gsm_cell;
mod gsm_ciphering;
mod gsm_identity;
mod gsm_lac;
mod gsm_link;
mod gsm_registration;
mod gsm_sms;
mod identity_without_auth;
mod imsi_paging;
mod nas5g_null_security;
mod nr_identity;
mod nr_link;
mod nr_null_security;
mod nr_null_suci;
mod nr_priority_downgrade;
mod nr_registration_reject;
mod nr_release_redirect;
mod null_security;
mod priority_downgrade;
mod reject_cause;
mod sib_chain;
mod sib_change;
mod tac_outlier;
mod umts_identity;
mod umts_redirect;

pub use cell_conflict::CellIdentityConflict;
pub use downgrade_redirect::DowngradeRedirect;
pub use exposure_rate::IdentityExposureRate;
pub use gsm_cell::GsmCellAnomaly;
pub use gsm_ciphering::GsmNoCiphering;
pub use gsm_identity::GsmIdentityWithoutAuth;
pub use gsm_lac::GsmLacOutlier;
pub use gsm_registration::GsmRegistrationWithoutAuth;
pub use gsm_sms::GsmSilentSms;
pub use identity_without_auth::IdentityRequestWithoutAuth;
pub use imsi_paging::ImsiPaging;
pub use nas5g_null_security::NrNasNullSecurity;
pub use nr_identity::NrIdentityWithoutAuth;
pub use nr_null_security::NrNullSecurity;
pub use nr_null_suci::NrNullSchemeSuci;
pub use nr_priority_downgrade::NrPriorityDowngrade;
pub use nr_registration_reject::NrUnauthenticatedReject;
pub use nr_release_redirect::NrReleaseRedirect;
pub use null_security::NullSecurity;
pub use priority_downgrade::BroadcastPriorityDowngrade;
pub use reject_cause::DowngradeRejectCause;
pub use sib_chain::IncompleteSibChain;
pub use sib_change::SibContentChange;
pub use tac_outlier::TacOutlier;
pub use umts_identity::UmtsIdentityWithoutSecurity;
pub use umts_redirect::UmtsRedirectToGsm;

use crate::Analyzer;
use std::collections::HashMap;
use std::hash::Hash;

/// Every built-in analyzer, in a fixed order.
pub fn all() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(IdentityRequestWithoutAuth::default()),
        Box::new(DowngradeRejectCause::default()),
        Box::new(DowngradeRedirect::default()),
        Box::new(NullSecurity::default()),
        Box::new(ImsiPaging::default()),
        Box::new(BroadcastPriorityDowngrade::default()),
        Box::new(IncompleteSibChain),
        Box::new(CellIdentityConflict::default()),
        Box::new(TacOutlier::default()),
        Box::new(SibContentChange::default()),
        Box::new(IdentityExposureRate::default()),
        Box::new(GsmIdentityWithoutAuth::default()),
        Box::new(GsmRegistrationWithoutAuth::default()),
        Box::new(GsmNoCiphering::default()),
        Box::new(GsmCellAnomaly::default()),
        Box::new(GsmLacOutlier::default()),
        Box::new(GsmSilentSms::default()),
        Box::new(NrReleaseRedirect::default()),
        Box::new(NrNullSecurity::default()),
        Box::new(NrPriorityDowngrade::default()),
        Box::new(NrNullSchemeSuci::default()),
        Box::new(NrIdentityWithoutAuth::default()),
        Box::new(NrNasNullSecurity::default()),
        Box::new(NrUnauthenticatedReject::default()),
        Box::new(UmtsIdentityWithoutSecurity::default()),
        Box::new(UmtsRedirectToGsm::default()),
    ]
}

/// Most cells any analyzer keeps state for; the least recently updated is forgotten first.
pub(crate) const MAX_CELLS: usize = 512;

/// A map with at most `MAX_CELLS` entries: inserting into a full map forgets the entry that
/// was touched least recently, so per-cell state stays bounded on hostile input. A hash table
/// (foldhash, seeded per process) because every broadcast event looks its cell up; ordered
/// iteration sorts on demand.
///
/// The values sit in a dense list that the table indexes, and the entry touched last is asked
/// first: a camped phone hears the same cell's SIBs again and again, so most lookups are one
/// key comparison instead of hashing the key and probing the table.
#[derive(Debug)]
pub(crate) struct BoundedMap<K: Ord + Hash + Clone, V> {
    index: HashMap<K, usize, foldhash::fast::RandomState>,
    slots: Vec<Slot<K, V>>,
    /// Position in `slots` of the entry touched last (`usize::MAX` before the first).
    last: usize,
    clock: u64,
}

#[derive(Debug)]
struct Slot<K, V> {
    key: K,
    touched: u64,
    value: V,
}

impl<K: Ord + Hash + Clone, V> Default for BoundedMap<K, V> {
    fn default() -> Self {
        BoundedMap {
            index: HashMap::default(),
            slots: Vec::new(),
            last: usize::MAX,
            clock: 0,
        }
    }
}

impl<K: Ord + Hash + Clone, V: Default> BoundedMap<K, V> {
    /// The entry for `key`, created empty when missing.
    pub fn entry(&mut self, key: &K) -> &mut V {
        self.clock = self.clock.saturating_add(1);
        let found = match self.slots.get(self.last) {
            Some(s) if s.key == *key => Some(self.last),
            _ => self.index.get(key).copied(),
        };
        let at = match found {
            Some(at) => at,
            None => self.insert(key),
        };
        self.last = at;
        // `at` came from the index or from `insert`, and both name existing slots only: the
        // map's own bookkeeping, which no input decides.
        let slot = &mut self.slots[at];
        slot.touched = self.clock;
        &mut slot.value
    }

    /// Adds an empty entry for `key` (not present), first forgetting the least recently
    /// touched one when full; returns its position.
    fn insert(&mut self, key: &K) -> usize {
        if self.slots.len() >= MAX_CELLS {
            let oldest = self
                .slots
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| s.touched)
                .map(|(i, _)| i);
            if let Some(i) = oldest {
                let gone = self.slots.swap_remove(i);
                self.index.remove(&gone.key);
                if let Some(moved) = self.slots.get(i) {
                    self.index.insert(moved.key.clone(), i);
                }
            }
        }
        let at = self.slots.len();
        self.slots.push(Slot {
            key: key.clone(),
            touched: self.clock,
            value: V::default(),
        });
        self.index.insert(key.clone(), at);
        at
    }
}
impl<K: Ord + Hash + Clone, V> BoundedMap<K, V> {
    /// All entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        let mut all: Vec<(&K, &V)> = self.slots.iter().map(|s| (&s.key, &s.value)).collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        all.into_iter()
    }

    /// Number of entries.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.len()
    }
}

/// How one event moves a per-connection tracker (a GSM connection, a 5G NAS exchange): the
/// analyzers that follow a connection from its start to its end share this vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing about this kind of connection.
    Ignore,
    /// The previous connection ended before this event, which opens a new one.
    Reopened,
    /// The event belongs to the open connection.
    Within,
    /// The event ends the open connection (a channel or radio connection release).
    Ended,
}

/// The evidence and harmless explanations of an identity asked before `protection` (ciphering,
/// security) was set up, then the phone refused or the connection ended: the same story on
/// every generation, told with the same words.
pub(crate) fn identity_episode<'a>(
    mut f: crate::Finding,
    requested: impl IntoIterator<Item = &'a stingwatch_events::Event>,
    rejected: Option<&stingwatch_events::Event>,
    end: Option<&stingwatch_events::Event>,
    protection: &str,
) -> crate::Finding {
    use crate::Evidence;
    for ev in requested {
        f = f.with_evidence(Evidence::of(
            ev,
            format!("before any authentication or {protection}"),
        ));
    }
    if let Some(ev) = rejected {
        f = f.with_evidence(Evidence::of(
            ev,
            format!("refuses the phone without {protection}"),
        ));
    }
    if let Some(e) = end {
        f = f.with_evidence(Evidence::of(
            e,
            format!("ends the connection without {protection}"),
        ));
    }
    f.benign(benign::DEAD_SIM)
        .benign(benign::ROAMING)
        .benign(benign::FIRST_POWER_ON)
}

/// Benign explanations shared by several analyzers.
pub(crate) mod benign {
    pub const DEAD_SIM: &str = "A SIM without service (not activated, expired, blocked or out \
        of credit): the real network asks for the IMSI, finds no subscription and rejects the \
        device without authenticating it, often with #7, #8, #11, #13 or #15. Tell apart: does \
        the SIM work in another phone? Do the same rejects repeat on many different cells of \
        the operator for as long as the phone is on?";
    pub const ROAMING: &str = "Roaming or arriving from abroad (for example after a flight \
        lands): a visited network that does not know the device's temporary identity asks for \
        the IMSI, and rejects it (#11 PLMN not allowed, #13 roaming not allowed in this \
        tracking area) when there is no roaming agreement. Tell apart: is the network (MCC-MNC) \
        your operator or a partner? Does the phone find service on another network right after?";
    pub const FIRST_POWER_ON: &str = "First power-on, a new SIM or a phone that was off for a \
        long time: the network does not recognise the temporary identity and asks for the \
        IMSI. A real network then authenticates the device. Tell apart: is it the first \
        connection in the recording, and does a later attempt authenticate normally?";
    pub const OPERATOR_CONFIG: &str = "Operator configuration: some real networks are set up \
        this way. Tell apart: is the same thing seen on many cells of the same network, over \
        hours or days, and at other places?";
}

#[cfg(test)]
mod bounded_map_tests {
    use super::*;

    #[test]
    fn forgets_least_recently_touched_entry_when_full() {
        let mut m: BoundedMap<usize, u32> = BoundedMap::default();
        for k in 0..MAX_CELLS {
            *m.entry(&k) += 1;
        }
        *m.entry(&0) += 1; // touch 0 so 1 is now the oldest
        *m.entry(&MAX_CELLS) += 1;
        assert_eq!(m.len(), MAX_CELLS);
        assert!(m.iter().any(|(k, v)| *k == 0 && *v == 2));
        assert!(!m.iter().any(|(k, _)| *k == 1));
    }

    /// Against a plain model (every key with its last touch, the oldest dropped past
    /// `MAX_CELLS`) on runs that repeat the last key, revisit old ones and overflow the map,
    /// so the last-touched shortcut is exercised across evictions that move slots.
    #[test]
    fn agrees_with_a_plain_model_across_evictions() {
        let mut m: BoundedMap<u32, u64> = BoundedMap::default();
        let mut model: std::collections::BTreeMap<u32, (u64, u64)> = Default::default();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut last = 0;
        for step in 0..40_000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let key = match state % 4 {
                0 => last,
                1 => (state >> 8) as u32 % 64,
                _ => (state >> 8) as u32 % (MAX_CELLS as u32 * 2),
            };
            last = key;
            *m.entry(&key) += step;
            if !model.contains_key(&key) && model.len() >= MAX_CELLS {
                let oldest = model.iter().min_by_key(|(_, (t, _))| *t).map(|(k, _)| *k);
                if let Some(k) = oldest {
                    model.remove(&k);
                }
            }
            let e = model.entry(key).or_insert((0, 0));
            e.0 = step;
            e.1 += step;
        }
        let got: Vec<(u32, u64)> = m.iter().map(|(k, v)| (*k, *v)).collect();
        let want: Vec<(u32, u64)> = model.iter().map(|(k, (_, v))| (*k, *v)).collect();
        assert_eq!(got, want);
    }
}

/// Helpers shared by analyzer tests.
#[cfg(test)]
pub(crate) mod testkit {
    use crate::{Analyzer, Finding, Severity};
    use stingwatch_events::*;

    /// A cell with a full identity.
    pub fn cell(earfcn: u32, pci: u16, tac: u32, cid: u32) -> CellRef {
        CellRef {
            earfcn: Some(earfcn),
            pci: Some(pci),
            identity: Some(CellIdentity {
                plmn: Plmn::new(310, 260, 3),
                tac,
                cell_id: cid,
            }),
        }
    }

    /// Numbered events on one cell, one second apart, starting at packet `first`.
    pub fn seq(first: u64, c: CellRef, kinds: Vec<EventKind>) -> Vec<Event> {
        kinds
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let p = first + i as u64;
                Event::new(p, k)
                    .on(c)
                    .at(CaptureTime(1_700_000_000_000_000 + p as i64 * 1_000_000))
            })
            .collect()
    }

    /// A SIB1 sighting of a cell of 310-260.
    pub fn cell_observed(
        tac: u32,
        cell_id: u32,
        scheduled_sibs: Vec<u8>,
        value_tag: u8,
    ) -> EventKind {
        EventKind::CellObserved {
            plmn: Plmn::new(310, 260, 3),
            additional_plmns: [].into(),
            tac,
            cell_id,
            scheduled_sibs: scheduled_sibs.into(),
            barred: false,
            value_tag: Some(value_tag),
        }
    }

    /// A SIB1 with a complete chain (SIB2 and SIB3 scheduled), for identity tests.
    pub fn sib1(tac: u32, cid: u32) -> EventKind {
        cell_observed(tac, cid, vec![2, 3], 1)
    }

    /// Run one analyzer over events: raw findings in order.
    pub fn run(a: &mut dyn Analyzer, events: &[Event]) -> Vec<Finding> {
        let mut out = Vec::new();
        for e in events {
            a.observe(e, &mut out);
        }
        a.finish(&mut out);
        out
    }

    /// Highest severity among findings.
    pub fn worst(findings: &[Finding]) -> Option<Severity> {
        findings.iter().map(|f| f.severity).max()
    }

    pub fn conn_req() -> EventKind {
        EventKind::ConnectionRequested {
            cause: EstablishmentCause::MoSignalling,
        }
    }

    pub fn release() -> EventKind {
        EventKind::ConnectionReleased {
            cause: Some(ReleaseCause::Other),
            redirect: None,
            idle_priorities: [].into(),
        }
    }

    pub fn id_req(t: IdentityType) -> EventKind {
        EventKind::IdentityRequested {
            layer: Layer::Nas,
            identity: t,
        }
    }

    pub fn id_sent(t: IdentityType) -> EventKind {
        EventKind::IdentitySent { identity: t }
    }

    pub fn attach(t: IdentityType) -> EventKind {
        EventKind::AttachRequest { identity: t }
    }

    pub fn nas_smc(cipher: u8, integrity: u8) -> EventKind {
        EventKind::SecurityModeCommand {
            layer: Layer::Nas,
            cipher: Some(cipher),
            integrity: Some(integrity),
        }
    }

    pub fn rrc_smc(cipher: u8, integrity: u8) -> EventKind {
        EventKind::SecurityModeCommand {
            layer: Layer::Rrc,
            cipher: Some(cipher),
            integrity: Some(integrity),
        }
    }

    /// A benign first attach with IMSI, authenticated and secured.
    pub fn benign_attach(first: u64, c: CellRef) -> Vec<Event> {
        seq(
            first,
            c,
            vec![
                conn_req(),
                EventKind::ConnectionSetup,
                attach(IdentityType::Imsi),
                EventKind::AuthRequested,
                EventKind::AuthAnswered,
                nas_smc(2, 2),
                EventKind::SecurityModeComplete { layer: Layer::Nas },
                rrc_smc(2, 2),
                EventKind::SecurityModeComplete { layer: Layer::Rrc },
                EventKind::AttachAccept,
                EventKind::AttachComplete,
                release(),
            ],
        )
    }
}
