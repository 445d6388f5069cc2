//! UMTS (3G) events: what the RRC of a UMTS cell did, and the NAS (MM, GMM, CC, SMS, shared
//! with GSM) that went through it, kept apart from GSM's so that 2G heuristics never read 3G
//! traffic and the reverse.

use serde::Serialize;
use std::sync::Arc;
use stingwatch_umts_rrc::{Content, InitialIdentity, PagedIdentity, Redirection, UmtsRrcMessage};

use crate::{AccessTechnology, GsmEvent, IdentityType, Plmn, Redirect};

/// What happened on UMTS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "umts", rename_all = "snake_case")]
pub enum UmtsEvent {
    /// The phone asked for an RRC connection.
    ConnectionRequested {
        /// Kind of identity it introduced itself with (IMSI when it had no valid temporary
        /// identity for this network, or was told to forget it).
        identity: IdentityType,
        /// Establishment cause, as the 25.331 enumeration numbers it (12 registration).
        cause: u8,
    },
    /// The network refused a connection.
    ConnectionRejected {
        /// Where it sends the phone, when anywhere.
        #[serde(skip_serializing_if = "Option::is_none")]
        redirect: Option<Redirect>,
    },
    /// The network released the connection.
    ConnectionReleased {
        /// Where it sends the phone, when anywhere.
        #[serde(skip_serializing_if = "Option::is_none")]
        redirect: Option<Redirect>,
        /// The release carried a message authentication code.
        integrity_checked: bool,
    },
    /// The network commanded security.
    SecurityModeCommand {
        /// UEA algorithm (0 none, 1 KASUMI, 2 SNOW 3G), when ciphering is (re)started.
        #[serde(skip_serializing_if = "Option::is_none")]
        cipher: Option<u8>,
        /// UIA algorithm (1 KASUMI, 2 SNOW 3G), when integrity is started with one.
        #[serde(skip_serializing_if = "Option::is_none")]
        integrity: Option<u8>,
    },
    /// The phone accepted a security mode command: it verified the command's integrity, so
    /// the network holds the keys of an authentication the phone accepted.
    SecurityModeComplete,
    /// The phone refused a security mode command.
    SecurityModeFailure,
    /// A Paging Type 1 and the identities it pages.
    Paging {
        /// Identity of each record.
        identities: Arc<[IdentityType]>,
    },
    /// A cell's master information block or SIB3.
    Cell {
        /// Network (MIB).
        #[serde(skip_serializing_if = "Option::is_none")]
        plmn: Option<Plmn>,
        /// Cell identity (SIB3).
        #[serde(skip_serializing_if = "Option::is_none")]
        cell_id: Option<u32>,
    },
    /// A NAS step (MM, GMM, CC, SMS) carried over UMTS, as GSM events name them.
    Nas(GsmEvent),
}

impl UmtsEvent {
    /// Short name a reader understands.
    pub fn describe(&self) -> String {
        match self {
            UmtsEvent::ConnectionRequested { identity, .. } => {
                format!("UMTS RRC connection request ({})", identity.name())
            }
            UmtsEvent::ConnectionRejected { redirect } => match redirect {
                Some(r) => format!(
                    "UMTS RRC connection reject redirecting to {}",
                    r.rat.describe()
                ),
                None => "UMTS RRC connection reject".into(),
            },
            UmtsEvent::ConnectionReleased { redirect, .. } => match redirect {
                Some(r) => format!(
                    "UMTS RRC connection release redirecting to {}",
                    r.rat.describe()
                ),
                None => "UMTS RRC connection release".into(),
            },
            UmtsEvent::SecurityModeCommand { cipher, integrity } => format!(
                "UMTS security mode command ({}, {})",
                cipher.map_or("ciphering unchanged".into(), |c| format!("UEA{c}")),
                integrity.map_or("integrity unchanged".into(), |i| format!("UIA{i}"))
            ),
            UmtsEvent::SecurityModeComplete => "UMTS security mode complete".into(),
            UmtsEvent::SecurityModeFailure => "UMTS security mode failure".into(),
            UmtsEvent::Paging { identities } => {
                let ids: Vec<String> = identities.iter().map(|i| i.name()).collect();
                format!("UMTS paging ({})", ids.join(", "))
            }
            UmtsEvent::Cell { plmn, cell_id } => {
                let net = plmn.map_or_else(|| "?".to_string(), |p| p.to_string());
                match cell_id {
                    Some(c) => format!("UMTS cell {net} CID {c}"),
                    None => format!("UMTS cell {net}"),
                }
            }
            UmtsEvent::Nas(g) => format!("UMTS NAS: {}", g.describe().trim_start_matches("GSM ")),
        }
    }
}

fn redirect(r: &Redirection) -> Redirect {
    match r {
        Redirection::Gsm => Redirect {
            rat: AccessTechnology::Geran,
            arfcn: None,
        },
        Redirection::Utra { uarfcn } => Redirect {
            rat: AccessTechnology::Utra,
            arfcn: Some(u32::from(*uarfcn)),
        },
    }
}

fn plmn(p: &stingwatch_umts_rrc::Plmn) -> Option<Plmn> {
    Plmn::from_decimal(&p.mcc, &p.mnc)
}

/// The RRC event of one UMTS RRC message, when it has one.
pub(crate) fn umts_rrc_event(m: &UmtsRrcMessage) -> Option<UmtsEvent> {
    Some(match &m.content {
        Content::ConnectionRequest { identity, cause } => UmtsEvent::ConnectionRequested {
            identity: match identity {
                InitialIdentity::Imsi(_) => IdentityType::Imsi,
                InitialIdentity::Imei(_) => IdentityType::Imei,
                InitialIdentity::TmsiAndLai { .. } | InitialIdentity::PtmsiAndRai { .. } => {
                    IdentityType::Tmsi
                }
                InitialIdentity::Ansi41(i) => IdentityType::Unknown(*i),
            },
            cause: *cause,
        },
        Content::ConnectionReject { redirection, .. } => UmtsEvent::ConnectionRejected {
            redirect: redirection.as_ref().map(redirect),
        },
        Content::ConnectionRelease { redirection, .. } => UmtsEvent::ConnectionReleased {
            redirect: redirection.as_ref().map(redirect),
            integrity_checked: m.integrity_checked,
        },
        Content::SecurityModeCommand {
            cipher, integrity, ..
        } => UmtsEvent::SecurityModeCommand {
            cipher: *cipher,
            integrity: *integrity,
        },
        Content::Paging { identities } => UmtsEvent::Paging {
            identities: identities
                .iter()
                .map(|i| match i {
                    PagedIdentity::Imsi => IdentityType::Imsi,
                    PagedIdentity::Tmsi | PagedIdentity::Ptmsi => IdentityType::Tmsi,
                    PagedIdentity::Ansi41 => IdentityType::Unknown(0),
                    PagedIdentity::UtranIdentity => IdentityType::Unknown(1),
                })
                .collect(),
        },
        Content::Mib { .. } | Content::Sib3 { .. } => return cell_event(&m.content),
        Content::None => match m.name {
            "securityModeComplete" => UmtsEvent::SecurityModeComplete,
            "securityModeFailure" => UmtsEvent::SecurityModeFailure,
            _ => return None,
        },
        // The SIBs of a BCH message may complete only with later messages: the deriver joins
        // them and reads them with [`cell_event`].
        Content::DirectTransfer { .. } | Content::SystemInformation { .. } => return None,
    })
}

/// The cell event of a master information block or SIB3 (whole, or joined from segments).
pub(crate) fn cell_event(content: &Content) -> Option<UmtsEvent> {
    Some(match content {
        Content::Mib { plmn: p } => UmtsEvent::Cell {
            plmn: p.as_ref().and_then(plmn),
            cell_id: None,
        },
        Content::Sib3 { cell_id } => UmtsEvent::Cell {
            plmn: None,
            cell_id: Some(*cell_id),
        },
        _ => return None,
    })
}
