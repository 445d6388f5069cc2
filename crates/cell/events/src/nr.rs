//! NR (5G) RRC events: what an NR cell broadcast and what happened on an NR RRC connection.
//!
//! NR events are kept apart from the LTE ones (as GSM's are) so that an LTE heuristic never
//! reads an NR message as if it were LTE: in EN-DC (5G NSA) the NR RRC a phone logs rides
//! inside the LTE connection, and the LTE connection is what carries its security.

use serde::Serialize;
use std::sync::Arc;
use stingwatch_nr_rrc::{NrPagingIdentity, NrRedirect, NrRrcMessage};

use crate::{AccessTechnology, FreqPriority, Plmn, Redirect};

/// What happened on NR RRC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "nr", rename_all = "snake_case")]
pub enum NrEvent {
    /// An NR cell's SIB1: who it claims to be.
    CellObserved {
        /// Primary PLMN.
        plmn: Plmn,
        /// Further PLMNs of the same entry.
        additional_plmns: Arc<[Plmn]>,
        /// Tracking area code (24 bits).
        tac: u32,
        /// NR cell identity (36 bits).
        cell_id: u64,
    },
    /// A SystemInformation message with the reselection priorities detection reads.
    SystemInfo {
        /// SIB numbers this message carries.
        sibs: Arc<[u8]>,
        /// SIB2 priority of the serving NR frequency.
        serving_priority: Option<u8>,
        /// SIB4 (NR) and SIB5 (E-UTRA) carrier priorities.
        neighbour_priorities: Arc<[FreqPriority]>,
    },
    /// The device asked for an RRC connection (RRCSetupRequest).
    SetupRequested {
        /// The stated cause is an emergency call.
        emergency: bool,
    },
    /// The base station set the connection up (RRCSetup).
    Setup,
    /// The device completed the set-up (RRCSetupComplete).
    SetupComplete,
    /// The base station refused a connection (RRCReject).
    Rejected {
        /// Seconds the device must wait.
        wait_time: Option<u8>,
    },
    /// The base station released the connection (RRCRelease).
    Released {
        /// redirectedCarrierInfo: where the device must go.
        redirect: Option<Redirect>,
        /// Dedicated reselection priorities (cellReselectionPriorities).
        priorities: Arc<[FreqPriority]>,
        /// The connection is suspended (RRC_INACTIVE), not released.
        suspend: bool,
    },
    /// The base station commanded access-stratum security (SecurityModeCommand).
    SecurityModeCommand {
        /// Ciphering algorithm: 0 is NEA0 (none), 1 SNOW 3G, 2 AES, 3 ZUC.
        cipher: Option<u8>,
        /// Integrity algorithm: 0 is NIA0 (null integrity), 1-3 as for ciphering.
        integrity: Option<u8>,
    },
    /// The device accepted a security mode command.
    SecurityModeComplete,
    /// The device refused a security mode command.
    SecurityModeFailure,
    /// The base station asked the device for its capabilities (UECapabilityEnquiry).
    CapabilityEnquiry {
        /// The technologies asked about.
        rats: Arc<[AccessTechnology]>,
    },
    /// A paging message.
    Paging {
        /// Records paging a 5G-S-TMSI (an idle device's temporary identity).
        ng_5g_s_tmsi: u16,
        /// Records paging a full I-RNTI (a device in RRC_INACTIVE).
        full_i_rnti: u16,
    },
    /// The base station moved the device to another technology (MobilityFromNRCommand).
    MobilityFromNr {
        /// Target technology.
        rat: AccessTechnology,
    },
}

impl NrEvent {
    /// Short name a reader understands.
    pub fn describe(&self) -> String {
        match self {
            NrEvent::CellObserved {
                plmn, tac, cell_id, ..
            } => format!("NR SIB1 of {plmn} TAC {tac} NCI {cell_id}"),
            NrEvent::SystemInfo { sibs, .. } => {
                let list: Vec<String> = sibs.iter().map(|s| format!("SIB{s}")).collect();
                format!("NR system information ({})", list.join(", "))
            }
            NrEvent::SetupRequested { emergency } => if *emergency {
                "NR RRC setup request (emergency)"
            } else {
                "NR RRC setup request"
            }
            .into(),
            NrEvent::Setup => "NR RRC setup".into(),
            NrEvent::SetupComplete => "NR RRC setup complete".into(),
            NrEvent::Rejected { .. } => "NR RRC reject".into(),
            NrEvent::Released { redirect, .. } => match redirect {
                Some(r) => format!("NR RRC release redirecting to {}", r.rat.describe()),
                None => "NR RRC release".into(),
            },
            NrEvent::SecurityModeCommand { cipher, integrity } => format!(
                "NR security mode command ({}, {})",
                cipher.map_or("cipher ?".into(), |c| format!("NEA{c}")),
                integrity.map_or("integrity ?".into(), |i| format!("NIA{i}"))
            ),
            NrEvent::SecurityModeComplete => "NR security mode complete".into(),
            NrEvent::SecurityModeFailure => "NR security mode failure".into(),
            NrEvent::CapabilityEnquiry { .. } => "NR UE capability enquiry".into(),
            NrEvent::Paging {
                ng_5g_s_tmsi,
                full_i_rnti,
            } => format!("NR paging ({ng_5g_s_tmsi} 5G-S-TMSI, {full_i_rnti} I-RNTI)"),
            NrEvent::MobilityFromNr { rat } => {
                format!("NR mobility command to {}", rat.describe())
            }
        }
    }
}

fn plmn_of(p: &stingwatch_nr_rrc::Plmn) -> Option<Plmn> {
    Plmn::from_decimal(&p.mcc, &p.mnc)
}

fn priorities(
    nr: &[stingwatch_nr_rrc::CarrierPriority],
    eutra: &[stingwatch_nr_rrc::CarrierPriority],
) -> Arc<[FreqPriority]> {
    let tagged = nr
        .iter()
        .map(|c| (AccessTechnology::Nr, c))
        .chain(eutra.iter().map(|c| (AccessTechnology::Eutra, c)));
    tagged
        .filter_map(|(rat, c)| {
            c.priority.map(|priority| FreqPriority {
                rat,
                arfcn: Some(c.arfcn),
                priority,
            })
        })
        .collect()
}

/// The event of one decoded NR RRC message, if it makes one. Containers logged from inside
/// LTE RRC (EN-DC) make none: their connection and its security are LTE's.
pub(crate) fn nr_event(m: &NrRrcMessage) -> Option<NrEvent> {
    if m.channel.is_container() {
        return None;
    }
    let s = &m.summary;
    Some(match m.name {
        "systemInformationBlockType1" => {
            let plmns: Vec<Plmn> = s.plmns.iter().filter_map(plmn_of).collect();
            let (Some(plmn), Some(tac), Some(cell_id)) =
                (plmns.first().copied(), s.tac, s.cell_identity)
            else {
                return None;
            };
            NrEvent::CellObserved {
                plmn,
                additional_plmns: plmns.get(1..).unwrap_or(&[]).into(),
                tac,
                cell_id,
            }
        }
        "systemInformation" if !s.sibs.is_empty() => NrEvent::SystemInfo {
            sibs: s.sibs.as_slice().into(),
            serving_priority: s.serving_priority,
            neighbour_priorities: priorities(&s.nr_carriers, &s.eutra_carriers),
        },
        "rrcSetupRequest" => NrEvent::SetupRequested {
            emergency: s.establishment_cause == Some("emergency"),
        },
        "rrcSetup" => NrEvent::Setup,
        "rrcSetupComplete" => NrEvent::SetupComplete,
        "rrcReject" => NrEvent::Rejected {
            wait_time: s.wait_time_s,
        },
        "rrcRelease" => NrEvent::Released {
            redirect: s.redirect.map(|r| match r {
                NrRedirect::Nr { arfcn } => Redirect {
                    rat: AccessTechnology::Nr,
                    arfcn: Some(arfcn),
                },
                NrRedirect::Eutra { earfcn } => Redirect {
                    rat: AccessTechnology::Eutra,
                    arfcn: Some(earfcn),
                },
            }),
            priorities: s
                .release_priorities
                .as_ref()
                .map_or_else(|| Arc::new([]) as Arc<[_]>, |p| priorities(&p.nr, &p.eutra)),
            suspend: s.suspend,
        },
        "securityModeCommand" => NrEvent::SecurityModeCommand {
            cipher: s.ciphering_algorithm,
            integrity: s.integrity_algorithm,
        },
        "securityModeComplete" => NrEvent::SecurityModeComplete,
        "securityModeFailure" => NrEvent::SecurityModeFailure,
        "ueCapabilityEnquiry" => NrEvent::CapabilityEnquiry {
            rats: s
                .capability_rats
                .iter()
                .map(|r| match *r {
                    "eutra" => AccessTechnology::Eutra,
                    "utra-fdd" => AccessTechnology::Utra,
                    _ => AccessTechnology::Nr,
                })
                .collect(),
        },
        "paging" if !s.paging.is_empty() => {
            let count = |f: fn(&NrPagingIdentity) -> bool| {
                u16::try_from(s.paging.iter().filter(|p| f(p)).count()).unwrap_or(u16::MAX)
            };
            NrEvent::Paging {
                ng_5g_s_tmsi: count(|p| matches!(p, NrPagingIdentity::Ng5gSTmsi(_))),
                full_i_rnti: count(|p| matches!(p, NrPagingIdentity::FullIRnti(_))),
            }
        }
        "mobilityFromNRCommand" => NrEvent::MobilityFromNr {
            rat: match s.mobility_target {
                Some("eutra") => AccessTechnology::Eutra,
                Some("utra-fdd") => AccessTechnology::Utra,
                _ => return None,
            },
        },
        _ => return None,
    })
}
