//! The phone's own networks, learned from what the phone itself sends and from what its
//! network accepts it with, so that findings can tell a visited network from a cell that
//! claims to be the phone's operator.
//!
//! A cell-site simulator that wants a phone must make the phone select it, and a phone in
//! automatic network selection only registers on its home network, the networks its operator
//! lists as equivalent, or (when none is around) a visited one. A catcher therefore broadcasts
//! the phone's own operator. A cell of a network that is none of these and refuses the phone
//! with "not allowed here" before authenticating it behaves exactly like a real visited
//! network without a roaming agreement: it cannot authenticate a subscriber it has no
//! agreement for, so it can only refuse.

use std::collections::{BTreeSet, HashMap};
use stingwatch_events::{CellIdentity, CellRef, Event, EventKind, ImsiNetwork, InlineList, Plmn};

/// Most networks remembered from GUTIs and accepts; past it, new ones are not added.
pub const MAX_KNOWN_NETWORKS: usize = 64;
/// Most cells whose additional broadcast PLMNs are remembered.
pub const MAX_SHARED_CELLS: usize = 1024;

/// What the recording (or the user) says about the phone's own networks.
#[derive(Debug, Default, Clone)]
pub struct HomeNetwork {
    /// Given by the user (`--home-plmn`); outranks everything learned.
    configured: Option<Plmn>,
    /// From the first IMSI the phone sent.
    subscription: Option<ImsiNetwork>,
    /// PLMNs of GUTIs the phone sent (where it was registered before).
    registered: BTreeSet<Plmn>,
    /// PLMNs accepts gave the phone (new GUTI, equivalent PLMNs, tracking area list).
    equivalent: BTreeSet<Plmn>,
    /// Additional PLMNs of shared cells (RAN sharing), by cell identity.
    shared_cells: HashMap<CellIdentity, InlineList<Plmn, 2>, foldhash::fast::RandomState>,
}

/// Whether a cell belongs to the phone's own networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellNetwork {
    /// The cell broadcasts the SIM's network, or one the phone was accepted with.
    Own,
    /// The cell broadcasts only networks that are none of the phone's own.
    Visited,
    /// The phone's networks or the cell's identity are not known.
    Unknown,
}

impl HomeNetwork {
    /// Take `plmn` as the SIM's network whatever the recording shows.
    pub fn configured(plmn: Plmn) -> Self {
        HomeNetwork {
            configured: Some(plmn),
            ..HomeNetwork::default()
        }
    }

    /// Whether `kind` teaches this tracker anything (for event routing).
    pub fn reads(kind: &EventKind) -> bool {
        matches!(
            kind,
            EventKind::DeviceNetwork { .. }
                | EventKind::EquivalentNetworks { .. }
                | EventKind::CellObserved { .. }
        )
    }

    /// Learn from one event.
    pub fn observe(&mut self, event: &Event) {
        match &event.kind {
            EventKind::DeviceNetwork {
                subscription,
                registered,
            } => {
                if self.subscription.is_none() {
                    self.subscription = *subscription;
                }
                if let Some(p) = registered {
                    insert_bounded(&mut self.registered, *p);
                }
            }
            EventKind::EquivalentNetworks { plmns } => {
                for p in plmns.iter() {
                    insert_bounded(&mut self.equivalent, *p);
                }
            }
            EventKind::CellObserved {
                plmn,
                additional_plmns,
                tac,
                cell_id,
                ..
            } if !additional_plmns.is_empty() => {
                let id = CellIdentity {
                    plmn: *plmn,
                    tac: *tac,
                    cell_id: *cell_id,
                };
                if self.shared_cells.len() < MAX_SHARED_CELLS || self.shared_cells.contains_key(&id)
                {
                    self.shared_cells.insert(id, additional_plmns.clone());
                }
            }
            _ => {}
        }
    }

    /// True when something names the phone's own networks.
    pub fn is_known(&self) -> bool {
        self.configured.is_some()
            || self.subscription.is_some()
            || !self.registered.is_empty()
            || !self.equivalent.is_empty()
    }

    /// True when something beyond the IMSI names the networks that serve the phone: the
    /// user's word, a GUTI the phone sent, or an accept.
    pub fn knows_registration(&self) -> bool {
        self.configured.is_some() || !self.registered.is_empty() || !self.equivalent.is_empty()
    }

    /// True when `plmn` is one of the phone's own networks: the SIM's (configured or from the
    /// IMSI), one it was registered on (GUTI), or one an accept named.
    pub fn is_own(&self, plmn: Plmn) -> bool {
        self.configured == Some(plmn)
            || self.subscription.is_some_and(|s| s.matches(plmn))
            || self.registered.contains(&plmn)
            || self.equivalent.contains(&plmn)
    }

    /// True when `plmn` is the SIM's own network itself (configured or from the IMSI), not
    /// only a network the phone was registered on or accepted by.
    pub fn is_subscription(&self, plmn: Plmn) -> bool {
        match self.configured {
            Some(c) => c == plmn,
            None => self.subscription.is_some_and(|s| s.matches(plmn)),
        }
    }

    /// True when the cell broadcasts the SIM's own network (among the PLMNs it shares).
    pub fn broadcasts_subscription(&self, identity: &CellIdentity) -> bool {
        self.cell_plmns(identity)
            .into_iter()
            .any(|p| self.is_subscription(p))
    }

    /// Every PLMN a cell broadcasts (its primary one and those it shares).
    pub fn cell_plmns(&self, identity: &CellIdentity) -> Vec<Plmn> {
        let mut all = vec![identity.plmn];
        if let Some(more) = self.shared_cells.get(identity) {
            all.extend(more.iter().copied());
        }
        all
    }

    /// Whether `cell` belongs to the phone's own networks.
    pub fn classify(&self, cell: Option<&CellRef>) -> CellNetwork {
        let Some(identity) = cell.and_then(|c| c.identity) else {
            return CellNetwork::Unknown;
        };
        if !self.is_known() {
            return CellNetwork::Unknown;
        }
        if self
            .cell_plmns(&identity)
            .into_iter()
            .any(|p| self.is_own(p))
        {
            CellNetwork::Own
        } else {
            CellNetwork::Visited
        }
    }

    /// The phone's own networks in words, e.g. `310-26 (or 310-260), from the IMSI the phone
    /// sent; accepted on 310-260`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(c) = self.configured {
            parts.push(format!("{c}, as you configured"));
        } else if let Some(s) = self.subscription {
            parts.push(format!("{s}, from the IMSI the phone sent"));
        }
        let list = |set: &BTreeSet<Plmn>| -> String {
            set.iter()
                .map(Plmn::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.registered.is_empty() {
            parts.push(format!(
                "registered before on {} (the GUTI the phone sent)",
                list(&self.registered)
            ));
        }
        if !self.equivalent.is_empty() {
            parts.push(format!("accepted on {}", list(&self.equivalent)));
        }
        if parts.is_empty() {
            "not known".to_string()
        } else {
            parts.join("; ")
        }
    }
}

fn insert_bounded(set: &mut BTreeSet<Plmn>, p: Plmn) {
    if set.len() < MAX_KNOWN_NETWORKS {
        set.insert(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(plmn: Plmn) -> CellRef {
        CellRef {
            earfcn: Some(100),
            pci: Some(1),
            identity: Some(CellIdentity {
                plmn,
                tac: 1,
                cell_id: 1,
            }),
        }
    }

    #[test]
    fn imsi_makes_the_home_network_and_others_visited() {
        let mut h = HomeNetwork::default();
        assert_eq!(
            h.classify(Some(&cell(Plmn::new(310, 260, 3)))),
            CellNetwork::Unknown
        );
        h.observe(&Event::new(
            1,
            EventKind::DeviceNetwork {
                subscription: ImsiNetwork::from_imsi("310260000000001"),
                registered: None,
            },
        ));
        assert_eq!(
            h.classify(Some(&cell(Plmn::new(310, 260, 3)))),
            CellNetwork::Own
        );
        assert_eq!(
            h.classify(Some(&cell(Plmn::new(334, 20, 2)))),
            CellNetwork::Visited
        );
        assert_eq!(h.classify(None), CellNetwork::Unknown);
        assert!(h.is_subscription(Plmn::new(310, 260, 3)));
    }

    #[test]
    fn accepts_and_shared_cells_extend_the_own_networks() {
        let mut h = HomeNetwork::configured(Plmn::new(310, 260, 3));
        let partner = Plmn::new(310, 120, 3);
        assert_eq!(h.classify(Some(&cell(partner))), CellNetwork::Visited);
        h.observe(&Event::new(
            1,
            EventKind::EquivalentNetworks {
                plmns: vec![partner].into(),
            },
        ));
        assert_eq!(h.classify(Some(&cell(partner))), CellNetwork::Own);
        assert!(!h.is_subscription(partner));

        let shared = Plmn::new(234, 30, 2);
        h.observe(&Event::new(
            2,
            EventKind::CellObserved {
                plmn: shared,
                additional_plmns: vec![Plmn::new(310, 260, 3)].into(),
                tac: 1,
                cell_id: 1,
                scheduled_sibs: vec![2, 3].into(),
                barred: false,
                value_tag: None,
            },
        ));
        assert_eq!(h.classify(Some(&cell(shared))), CellNetwork::Own);
    }
}
