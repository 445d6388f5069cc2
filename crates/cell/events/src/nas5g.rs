//! 5G standalone events: what the 5GS NAS (TS 24.501) exchange between a phone and the core
//! network showed, in the shared vocabulary (identity types, PLMNs) where it has one.

use serde::Serialize;
use stingwatch_model::Direction;
use stingwatch_nas5g::{IdentityKind, MobileIdentity, Nas5gMessage, ProtectionScheme};

use crate::{IdentityType, Plmn};

/// Why the phone registered (TS 24.501 §9.11.3.7), as far as detection cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Registration5g {
    /// Initial registration.
    Initial,
    /// Mobility registration updating (a new tracking area, new capabilities, ...).
    Mobility,
    /// Periodic registration updating.
    Periodic,
    /// Emergency registration: the only case in which a network may use no integrity
    /// protection (5G-IA0).
    Emergency,
    /// Another type (SNPN onboarding, disaster roaming, reserved).
    Other,
}

/// How a SUCI the phone sent protects the subscriber's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SuciProtection {
    /// Protection scheme identifier: 0 null (the IMSI in clear), 1 ECIES profile A, 2 profile B.
    pub scheme: u8,
    /// Home network public key identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_network_key: Option<u8>,
    /// Home network the SUCI names (an IMSI-based SUCI says it in clear, whatever the scheme).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_network: Option<Plmn>,
}

impl SuciProtection {
    /// True for the null scheme: the SUCI is the permanent identity in clear.
    pub fn is_null(&self) -> bool {
        self.scheme == 0
    }

    /// Name of the scheme for texts.
    pub fn describe(&self) -> String {
        ProtectionScheme::of(self.scheme).describe()
    }
}

/// What happened in a 5GS NAS exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "nas5g", rename_all = "snake_case")]
pub enum Nas5gEvent {
    /// The phone asked to register.
    RegistrationRequest {
        /// Why.
        registration: Registration5g,
        /// Identity it registered with.
        identity: IdentityType,
        /// The SUCI's protection, when the identity is a SUCI.
        #[serde(skip_serializing_if = "Option::is_none")]
        suci: Option<SuciProtection>,
    },
    /// The network accepted a registration.
    RegistrationAccept,
    /// The network refused a registration.
    RegistrationReject {
        /// 5GMM cause (TS 24.501 §9.11.3.2).
        cause: u8,
    },
    /// The network asked the phone for an identity.
    IdentityRequested {
        /// Identity asked for.
        identity: IdentityType,
    },
    /// The phone sent an identity in an Identity Response.
    IdentitySent {
        /// Identity sent.
        identity: IdentityType,
        /// The SUCI's protection, when the identity is a SUCI.
        #[serde(skip_serializing_if = "Option::is_none")]
        suci: Option<SuciProtection>,
    },
    /// The network challenged the phone (5G AKA or EAP-AKA').
    AuthRequested,
    /// The phone answered: it accepted the network's proof.
    AuthAnswered,
    /// The phone could not authenticate the network.
    AuthFailed {
        /// 5GMM cause (#20 MAC failure, #21 synch failure, #26 non-5G authentication
        /// unacceptable).
        cause: u8,
    },
    /// The network rejected the phone's answer.
    AuthRejected,
    /// The network selected NAS security algorithms.
    SecurityModeCommand {
        /// 5G-EA*n* (0: no ciphering).
        ciphering: u8,
        /// 5G-IA*n* (0: no integrity protection).
        integrity: u8,
        /// The command asks for the IMEISV.
        imeisv_requested: bool,
    },
    /// The phone accepted the security mode command.
    SecurityModeComplete,
    /// The phone refused the security mode command.
    SecurityModeReject {
        /// 5GMM cause.
        cause: u8,
    },
    /// The phone asked for service (to send data or signalling, or to answer a page).
    ServiceRequest {
        /// For emergency services.
        emergency: bool,
    },
    /// The network accepted a service request.
    ServiceAccept,
    /// The network refused a service request.
    ServiceReject {
        /// 5GMM cause.
        cause: u8,
    },
    /// A de-registration request.
    Deregistration {
        /// Sent by the network (true) or the phone (false).
        from_network: bool,
        /// 5GMM cause, when the network gave one.
        #[serde(skip_serializing_if = "Option::is_none")]
        cause: Option<u8>,
    },
    /// The network updated the phone's configuration (a new 5G-GUTI, network name, ...).
    ConfigurationUpdate,
    /// A ciphered 5GS NAS message: proof of a security context.
    Ciphered {
        /// Sent by the phone.
        uplink: bool,
    },
}

impl Nas5gEvent {
    /// Short name a reader understands.
    pub fn describe(&self) -> String {
        let suci_text = |suci: &Option<SuciProtection>| match suci {
            Some(s) => format!(" ({})", s.describe()),
            None => String::new(),
        };
        match self {
            Nas5gEvent::RegistrationRequest {
                registration,
                identity,
                suci,
            } => {
                let why = match registration {
                    Registration5g::Initial => "initial",
                    Registration5g::Mobility => "mobility",
                    Registration5g::Periodic => "periodic",
                    Registration5g::Emergency => "emergency",
                    Registration5g::Other => "other",
                };
                format!(
                    "5G registration request ({why}, {}{})",
                    identity.name(),
                    suci_text(suci)
                )
            }
            Nas5gEvent::RegistrationAccept => "5G registration accept".into(),
            Nas5gEvent::RegistrationReject { cause } => {
                format!(
                    "5G registration reject (#{cause} {})",
                    fgmm_cause_name(*cause)
                )
            }
            Nas5gEvent::IdentityRequested { identity } => {
                format!("5G identity request ({})", identity.name())
            }
            Nas5gEvent::IdentitySent { identity, suci } => {
                format!(
                    "5G identity response ({}{})",
                    identity.name(),
                    suci_text(suci)
                )
            }
            Nas5gEvent::AuthRequested => "5G authentication request".into(),
            Nas5gEvent::AuthAnswered => "5G authentication response".into(),
            Nas5gEvent::AuthFailed { cause } => {
                format!(
                    "5G authentication failure (#{cause} {})",
                    fgmm_cause_name(*cause)
                )
            }
            Nas5gEvent::AuthRejected => "5G authentication reject".into(),
            Nas5gEvent::SecurityModeCommand {
                ciphering,
                integrity,
                ..
            } => format!("5G NAS security mode command (5G-EA{ciphering}, 5G-IA{integrity})"),
            Nas5gEvent::SecurityModeComplete => "5G NAS security mode complete".into(),
            Nas5gEvent::SecurityModeReject { cause } => {
                format!(
                    "5G NAS security mode reject (#{cause} {})",
                    fgmm_cause_name(*cause)
                )
            }
            Nas5gEvent::ServiceRequest { emergency } => if *emergency {
                "5G service request (emergency)"
            } else {
                "5G service request"
            }
            .into(),
            Nas5gEvent::ServiceAccept => "5G service accept".into(),
            Nas5gEvent::ServiceReject { cause } => {
                format!("5G service reject (#{cause} {})", fgmm_cause_name(*cause))
            }
            Nas5gEvent::Deregistration {
                from_network,
                cause,
            } => {
                let who = if *from_network { "network" } else { "phone" };
                match cause {
                    Some(c) => format!(
                        "5G de-registration request from the {who} (#{c} {})",
                        fgmm_cause_name(*c)
                    ),
                    None => format!("5G de-registration request from the {who}"),
                }
            }
            Nas5gEvent::ConfigurationUpdate => "5G configuration update command".into(),
            Nas5gEvent::Ciphered { uplink } => format!(
                "Ciphered 5G NAS message ({})",
                if *uplink { "uplink" } else { "downlink" }
            ),
        }
    }
}

/// Name of a 5GMM cause value (TS 24.501 §9.11.3.2), for texts.
pub fn fgmm_cause_name(cause: u8) -> &'static str {
    match cause {
        3 => "Illegal UE",
        5 => "PEI not accepted",
        6 => "Illegal ME",
        7 => "5GS services not allowed",
        9 => "UE identity cannot be derived by the network",
        10 => "Implicitly de-registered",
        11 => "PLMN not allowed",
        12 => "Tracking area not allowed",
        13 => "Roaming not allowed in this tracking area",
        15 => "No suitable cells in tracking area",
        20 => "MAC failure",
        21 => "Synch failure",
        22 => "Congestion",
        23 => "UE security capabilities mismatch",
        24 => "Security mode rejected, unspecified",
        26 => "Non-5G authentication unacceptable",
        27 => "N1 mode not allowed",
        28 => "Restricted service area",
        31 => "Redirection to EPC required",
        36 => "IAB-node operation not authorized",
        43 => "LADN not available",
        62 => "No network slices available",
        65 => "Maximum number of PDU sessions reached",
        67 => "Insufficient resources for specific slice and DNN",
        69 => "Insufficient resources for specific slice",
        71 => "ngKSI already in use",
        72 => "Non-3GPP access to 5GCN not allowed",
        73 => "Serving network not authorized",
        74 => "Temporarily not authorized for this SNPN",
        75 => "Permanently not authorized for this SNPN",
        76 => "Not authorized for this CAG or authorized for CAG cells only",
        77 => "Wireline access area not allowed",
        78 => "PLMN not allowed to operate at the present UE location",
        79 => "UAS services not allowed",
        90 => "Payload was not forwarded",
        91 => "DNN not supported or not subscribed in the slice",
        92 => "Insufficient user-plane resources for the PDU session",
        95 => "Semantically incorrect message",
        96 => "Invalid mandatory information",
        97 => "Message type non-existent or not implemented",
        98 => "Message type not compatible with the protocol state",
        99 => "Information element non-existent or not implemented",
        100 => "Conditional IE error",
        101 => "Message not compatible with the protocol state",
        111 => "Protocol error, unspecified",
        _ => "unknown cause",
    }
}

fn identity_type(kind: IdentityKind) -> IdentityType {
    match kind {
        IdentityKind::Suci => IdentityType::Suci,
        IdentityKind::Guti => IdentityType::Guti,
        IdentityKind::Imei => IdentityType::Imei,
        IdentityKind::STmsi => IdentityType::STmsi,
        IdentityKind::Imeisv => IdentityType::Imeisv,
        other => IdentityType::Unknown(other.value()),
    }
}

fn suci_of(identity: &MobileIdentity) -> Option<SuciProtection> {
    let MobileIdentity::Suci(s) = identity else {
        return None;
    };
    Some(SuciProtection {
        // A SUCI cut short before its scheme octet says nothing about protection: counted as
        // an unknown scheme rather than as the null one.
        scheme: s.scheme.map_or(u8::MAX, ProtectionScheme::id),
        home_network_key: s.home_network_key,
        home_network: s
            .home_network
            .map(|p| Plmn::new(p.mcc, p.mnc, p.mnc_digits)),
    })
}

/// The events of one 5GS NAS message; `uplink` is the container's direction when it says one.
pub(crate) fn nas5g_events(m: &Nas5gMessage, container: Direction) -> Option<Nas5gEvent> {
    let f = &m.fields;
    if m.is_ciphered() {
        let uplink = match container {
            Direction::Uplink => true,
            Direction::Downlink => false,
            Direction::Unknown => return None,
        };
        return Some(Nas5gEvent::Ciphered { uplink });
    }
    if m.protocol != stingwatch_nas5g::Nas5gProtocol::Mm {
        return None;
    }
    let identity = || f.identity.as_ref().map(|i| identity_type(i.kind()));
    let cause = f.cause.unwrap_or(0);
    Some(match m.message_type? {
        0x41 => Nas5gEvent::RegistrationRequest {
            registration: match f.registration_type {
                Some(stingwatch_nas5g::RegistrationType::Initial) => Registration5g::Initial,
                Some(stingwatch_nas5g::RegistrationType::MobilityUpdating) => {
                    Registration5g::Mobility
                }
                Some(stingwatch_nas5g::RegistrationType::PeriodicUpdating) => {
                    Registration5g::Periodic
                }
                Some(stingwatch_nas5g::RegistrationType::Emergency) => Registration5g::Emergency,
                _ => Registration5g::Other,
            },
            identity: identity()?,
            suci: f.identity.as_ref().and_then(suci_of),
        },
        0x42 => Nas5gEvent::RegistrationAccept,
        0x44 if f.cause.is_some() => Nas5gEvent::RegistrationReject { cause },
        0x5b => Nas5gEvent::IdentityRequested {
            identity: identity_type(f.requested_identity?),
        },
        0x5c => Nas5gEvent::IdentitySent {
            identity: identity()?,
            suci: f.identity.as_ref().and_then(suci_of),
        },
        0x56 => Nas5gEvent::AuthRequested,
        0x57 => Nas5gEvent::AuthAnswered,
        0x58 => Nas5gEvent::AuthRejected,
        0x59 if f.cause.is_some() => Nas5gEvent::AuthFailed { cause },
        0x5d => {
            let a = f.algorithms?;
            Nas5gEvent::SecurityModeCommand {
                ciphering: a.ciphering,
                integrity: a.integrity,
                imeisv_requested: f.imeisv_requested,
            }
        }
        0x5e => Nas5gEvent::SecurityModeComplete,
        0x5f if f.cause.is_some() => Nas5gEvent::SecurityModeReject { cause },
        // TS 24.501 §9.11.3.50: service type 3 is "emergency services".
        0x4c => Nas5gEvent::ServiceRequest {
            emergency: f.service_type == Some(3),
        },
        0x4e => Nas5gEvent::ServiceAccept,
        0x4d if f.cause.is_some() => Nas5gEvent::ServiceReject { cause },
        0x45 => Nas5gEvent::Deregistration {
            from_network: false,
            cause: None,
        },
        0x47 => Nas5gEvent::Deregistration {
            from_network: true,
            cause: f.cause,
        },
        0x54 => Nas5gEvent::ConfigurationUpdate,
        _ => return None,
    })
}
