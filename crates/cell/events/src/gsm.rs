//! GSM (2G) events: what a GSM cell broadcast and what happened on a dedicated GSM
//! connection, read from RR, MM, GMM and SMS.

use serde::Serialize;
use stingwatch_gsm::{GsmMessage, IdentityKind, Protocol};

use crate::{IdentityType, Plmn};

/// Registration procedures of GSM and GPRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GsmProcedure {
    /// MM location updating.
    LocationUpdate,
    /// GPRS attach.
    GprsAttach,
    /// GPRS routing area update.
    RoutingAreaUpdate,
    /// MM CM service request (a call, an SMS, supplementary services).
    Service,
    /// MM IMSI detach.
    Detach,
}

impl GsmProcedure {
    /// Name in texts.
    pub fn describe(self) -> &'static str {
        match self {
            GsmProcedure::LocationUpdate => "location update",
            GsmProcedure::GprsAttach => "GPRS attach",
            GsmProcedure::RoutingAreaUpdate => "routing area update",
            GsmProcedure::Service => "service request",
            GsmProcedure::Detach => "IMSI detach",
        }
    }
}

/// Outcome of a registration step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GsmStep {
    /// The phone asked.
    Request,
    /// The network accepted.
    Accept,
    /// The network refused, with a cause.
    Reject,
}

/// What happened on GSM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "gsm", rename_all = "snake_case")]
pub enum GsmEvent {
    /// A cell's identity and selection parameters (System Information 3, 4 or 6).
    Cell {
        /// Network, when the location area is readable.
        #[serde(skip_serializing_if = "Option::is_none")]
        plmn: Option<Plmn>,
        /// Location area code.
        lac: u16,
        /// Cell identity (SI3, SI6).
        #[serde(skip_serializing_if = "Option::is_none")]
        cell_id: Option<u16>,
        /// Periodic location update timer T3212 in decihours (0: none).
        #[serde(skip_serializing_if = "Option::is_none")]
        t3212_decihours: Option<u8>,
        /// RXLEV-ACCESS-MIN (0 is -110 dBm, the weakest).
        #[serde(skip_serializing_if = "Option::is_none")]
        rxlev_access_min: Option<u8>,
        /// CELL_RESELECT_OFFSET in 2 dB steps.
        #[serde(skip_serializing_if = "Option::is_none")]
        cell_reselect_offset: Option<u8>,
    },
    /// A neighbour list (SI2, SI2bis, SI2ter on BCCH; SI5, SI5bis, SI5ter on SACCH).
    Neighbours {
        /// It names no frequency.
        empty: bool,
        /// More of the list follows in another message (EXT-IND).
        continued: bool,
    },
    /// A dedicated channel was assigned (Immediate Assignment): a connection begins.
    ChannelAssigned,
    /// The network released the dedicated channel.
    ChannelReleased {
        /// RR cause.
        cause: u8,
    },
    /// The network asked for an identity.
    IdentityRequested {
        /// Identity asked for.
        identity: IdentityType,
        /// Asked by GPRS mobility management.
        packet_switched: bool,
    },
    /// The phone sent an identity.
    IdentitySent {
        /// Identity sent.
        identity: IdentityType,
        /// The procedure it was sent in, when not an Identity Response.
        #[serde(skip_serializing_if = "Option::is_none")]
        procedure: Option<GsmProcedure>,
    },
    /// The network challenged the phone (MM Authentication Request, or a GMM Authentication
    /// and Ciphering Request carrying a RAND).
    AuthRequested {
        /// AUTN was present: UMTS authentication, in which the network proves itself.
        network_proof: bool,
    },
    /// The phone answered the challenge.
    AuthAnswered,
    /// The phone could not accept the challenge (AUTN wrong: the network failed to prove
    /// itself).
    AuthFailed,
    /// The network rejected the phone's answer.
    AuthRejected,
    /// Ciphering commanded (RR Ciphering Mode Command, or the algorithm of a GMM
    /// Authentication and Ciphering Request).
    Ciphering {
        /// GPRS (GEA) rather than circuit-switched (A5).
        packet_switched: bool,
        /// Ciphering starts: false for an RR command without the SC bit, or GEA/0.
        started: bool,
        /// A5/n or GEA/n.
        algorithm: u8,
    },
    /// A registration or service step.
    Registration {
        /// Which procedure.
        procedure: GsmProcedure,
        /// Request, accept or reject.
        step: GsmStep,
        /// MM or GMM cause of a reject.
        #[serde(skip_serializing_if = "Option::is_none")]
        cause: Option<u8>,
    },
    /// Call control: the connection carries a call.
    Call,
    /// A short message delivered to the phone.
    SmsDelivered {
        /// TP-PID 0x40, "short message type 0": acknowledged and never shown.
        silent: bool,
        /// Message class 0: shown at once and not stored.
        class0: bool,
    },
    /// A paging message and the identities it pages.
    Paging {
        /// Identity type of each paged identity.
        identities: Vec<IdentityType>,
    },
}

impl GsmEvent {
    /// Short name a reader understands.
    pub fn describe(&self) -> String {
        match self {
            GsmEvent::Cell {
                plmn, lac, cell_id, ..
            } => {
                let net = plmn.map_or_else(|| "?".to_string(), |p| p.to_string());
                match cell_id {
                    Some(c) => format!("GSM cell {net} LAC {lac} CI {c}"),
                    None => format!("GSM cell {net} LAC {lac}"),
                }
            }
            GsmEvent::Neighbours { empty: true, .. } => "GSM neighbour list (empty)".into(),
            GsmEvent::Neighbours { .. } => "GSM neighbour list".into(),
            GsmEvent::ChannelAssigned => "GSM immediate assignment".into(),
            GsmEvent::ChannelReleased { cause } => {
                format!("GSM channel release (RR cause {cause})")
            }
            GsmEvent::IdentityRequested { identity, .. } => {
                format!("GSM identity request ({})", identity.name())
            }
            GsmEvent::IdentitySent {
                identity,
                procedure,
            } => match procedure {
                Some(p) => format!("GSM {} with {}", p.describe(), identity.name()),
                None => format!("GSM identity response ({})", identity.name()),
            },
            GsmEvent::AuthRequested { network_proof } => if *network_proof {
                "GSM authentication request (UMTS, network proves itself)"
            } else {
                "GSM authentication request (2G, network unproven)"
            }
            .into(),
            GsmEvent::AuthAnswered => "GSM authentication response".into(),
            GsmEvent::AuthFailed => "GSM authentication failure".into(),
            GsmEvent::AuthRejected => "GSM authentication reject".into(),
            GsmEvent::Ciphering {
                packet_switched,
                started,
                algorithm,
            } => match (packet_switched, started) {
                (false, true) => format!("GSM ciphering mode command (A5/{algorithm})"),
                (false, false) => "GSM ciphering mode command (no ciphering)".into(),
                (true, _) => format!("GPRS ciphering (GEA/{algorithm})"),
            },
            GsmEvent::Registration {
                procedure,
                step,
                cause,
            } => {
                let what = procedure.describe();
                match (step, cause) {
                    (GsmStep::Request, _) => format!("GSM {what} request"),
                    (GsmStep::Accept, _) => format!("GSM {what} accept"),
                    (GsmStep::Reject, Some(c)) => format!("GSM {what} reject (#{c})"),
                    (GsmStep::Reject, None) => format!("GSM {what} reject"),
                }
            }
            GsmEvent::Call => "GSM call control".into(),
            GsmEvent::SmsDelivered { silent, class0 } => match (silent, class0) {
                (true, _) => "SMS delivered (silent, type 0)".into(),
                (false, true) => "SMS delivered (class 0, flash)".into(),
                _ => "SMS delivered".into(),
            },
            GsmEvent::Paging { identities } => {
                let ids: Vec<String> = identities.iter().map(|i| i.name()).collect();
                format!("GSM paging ({})", ids.join(", "))
            }
        }
    }
}

fn identity_type(kind: IdentityKind) -> IdentityType {
    match kind {
        IdentityKind::Imsi => IdentityType::Imsi,
        IdentityKind::Imei => IdentityType::Imei,
        IdentityKind::Imeisv => IdentityType::Imeisv,
        IdentityKind::Tmsi => IdentityType::Tmsi,
        IdentityKind::Guti => IdentityType::Guti,
        IdentityKind::NoIdentity => IdentityType::Unknown(0),
        IdentityKind::Tmgi => IdentityType::Unknown(5),
        IdentityKind::Other(v) => IdentityType::Unknown(v),
    }
}

fn plmn(p: &stingwatch_gsm::Plmn) -> Option<Plmn> {
    Plmn::from_decimal(&p.mcc(), &p.mnc())
}

/// Most events one GSM message yields (an identity and its procedure, or a registration
/// and the identity in it).
pub(crate) const MAX_GSM_EVENTS: usize = 2;

/// The events of one GSM message.
pub(crate) fn gsm_events(m: &GsmMessage) -> Vec<GsmEvent> {
    let f = &m.fields;
    let mt = m.message_type;
    let mut out = Vec::with_capacity(MAX_GSM_EVENTS);
    let sent = |procedure| {
        f.mobile_identity.as_ref().map(|id| GsmEvent::IdentitySent {
            identity: identity_type(id.kind),
            procedure,
        })
    };
    let registration = |procedure, step| GsmEvent::Registration {
        procedure,
        step,
        cause: if step == GsmStep::Reject {
            f.reject_cause
        } else {
            None
        },
    };
    match m.protocol {
        Protocol::Rr => match mt {
            0x1b | 0x1c | 0x1e => {
                if let Some(lai) = f.lai {
                    out.push(GsmEvent::Cell {
                        plmn: plmn(&lai.plmn),
                        lac: lai.lac,
                        cell_id: f.cell_identity,
                        t3212_decihours: f.t3212_decihours,
                        rxlev_access_min: f.rxlev_access_min,
                        cell_reselect_offset: f.cell_reselect_offset,
                    });
                }
            }
            0x1a | 0x02 | 0x03 | 0x1d | 0x05 | 0x06 => {
                if let Some(n) = f.neighbours {
                    out.push(GsmEvent::Neighbours {
                        empty: n.empty,
                        continued: n.continued,
                    });
                }
            }
            0x3f | 0x39 => out.push(GsmEvent::ChannelAssigned),
            0x0d => out.push(GsmEvent::ChannelReleased {
                cause: f.rr_cause.unwrap_or(0),
            }),
            0x35 => {
                if let Some(c) = f.ciphering {
                    out.push(GsmEvent::Ciphering {
                        packet_switched: false,
                        started: c.start,
                        algorithm: c.algorithm,
                    });
                }
            }
            0x21 | 0x22 | 0x24 if !f.paged.is_empty() => out.push(GsmEvent::Paging {
                identities: f.paged.iter().map(|i| identity_type(i.kind)).collect(),
            }),
            0x27 => out.extend(sent(None)),
            _ => {}
        },
        Protocol::Mm => match mt {
            0x08 => {
                out.push(registration(GsmProcedure::LocationUpdate, GsmStep::Request));
                out.extend(sent(Some(GsmProcedure::LocationUpdate)));
            }
            0x02 => out.push(registration(GsmProcedure::LocationUpdate, GsmStep::Accept)),
            0x04 => out.push(registration(GsmProcedure::LocationUpdate, GsmStep::Reject)),
            0x24 => {
                out.push(registration(GsmProcedure::Service, GsmStep::Request));
                out.extend(sent(Some(GsmProcedure::Service)));
            }
            0x21 => out.push(registration(GsmProcedure::Service, GsmStep::Accept)),
            0x22 => out.push(registration(GsmProcedure::Service, GsmStep::Reject)),
            0x01 => out.extend(sent(Some(GsmProcedure::Detach))),
            0x12 => out.push(GsmEvent::AuthRequested {
                network_proof: f.network_proof.unwrap_or(false),
            }),
            0x14 => out.push(GsmEvent::AuthAnswered),
            0x1c => out.push(GsmEvent::AuthFailed),
            0x11 => out.push(GsmEvent::AuthRejected),
            0x18 => {
                if let Some(k) = f.identity_requested {
                    out.push(GsmEvent::IdentityRequested {
                        identity: identity_type(k),
                        packet_switched: false,
                    });
                }
            }
            0x19 => out.extend(sent(None)),
            _ => {}
        },
        Protocol::Gmm => match mt {
            0x01 => {
                out.push(registration(GsmProcedure::GprsAttach, GsmStep::Request));
                out.extend(sent(Some(GsmProcedure::GprsAttach)));
            }
            0x02 => out.push(registration(GsmProcedure::GprsAttach, GsmStep::Accept)),
            0x04 => out.push(registration(GsmProcedure::GprsAttach, GsmStep::Reject)),
            0x08 => out.push(registration(
                GsmProcedure::RoutingAreaUpdate,
                GsmStep::Request,
            )),
            0x09 => out.push(registration(
                GsmProcedure::RoutingAreaUpdate,
                GsmStep::Accept,
            )),
            0x0b => out.push(registration(
                GsmProcedure::RoutingAreaUpdate,
                GsmStep::Reject,
            )),
            0x12 => {
                if f.challenge == Some(true) {
                    out.push(GsmEvent::AuthRequested {
                        network_proof: f.network_proof.unwrap_or(false),
                    });
                }
                if let Some(c) = f.ciphering {
                    out.push(GsmEvent::Ciphering {
                        packet_switched: true,
                        started: c.start,
                        algorithm: c.algorithm,
                    });
                }
            }
            0x13 => out.push(GsmEvent::AuthAnswered),
            0x1c => out.push(GsmEvent::AuthFailed),
            0x14 => out.push(GsmEvent::AuthRejected),
            0x15 => {
                if let Some(k) = f.identity_requested {
                    out.push(GsmEvent::IdentityRequested {
                        identity: identity_type(k),
                        packet_switched: true,
                    });
                }
            }
            0x16 => out.extend(sent(None)),
            _ => {}
        },
        Protocol::Cc => out.push(GsmEvent::Call),
        Protocol::Sms => {
            if let Some(s) = f.sms.filter(|s| s.is_deliver()) {
                out.push(GsmEvent::SmsDelivered {
                    silent: s.is_silent(),
                    class0: s.is_class0(),
                });
            }
        }
        _ => {}
    }
    out
}
