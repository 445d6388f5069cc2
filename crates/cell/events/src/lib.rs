//! Normalized radio events: what happened on the air, in the terms detection heuristics use.
//!
//! Decoders produce protocol trees; analyzers must never dig through them. This crate is the
//! layer between: each decoded message becomes zero or more [`Event`]s (a cell was observed,
//! the network asked for an identity, a security mode was commanded, a request was rejected,
//! ...). Events are plain data with no references to decoder types, so analyzers can be
//! tested and fuzzed from hand-written event lists, and so the events of one recording can be
//! stored or compared.

#![forbid(unsafe_code)]

mod derive;
mod gsm;
mod list;
mod nas5g;
mod nr;
mod umts;

pub use derive::{
    from_decoded, Diagnostic, EventDeriver, KindMemo, Lent, DEDUP_MICROS, DEDUP_PACKETS,
    EARLIEST_PLAUSIBLE_TIME, MAX_DIAGNOSTICS, MAX_RECENT_UMTS_NAS, MAX_REMEMBERED_CELLS,
};

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

pub use gsm::{GsmEvent, GsmProcedure, GsmStep};
pub use list::InlineList;
pub use nas5g::{fgmm_cause_name, Nas5gEvent, Registration5g, SuciProtection};
pub use nr::NrEvent;
pub use stingwatch_model::{CaptureTime, Measurement, MeasurementKind, Sixteenths};
pub use umts::UmtsEvent;

/// Public Land Mobile Network identity: mobile country code and mobile network code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Plmn {
    /// Mobile country code (three decimal digits).
    pub mcc: u16,
    /// Mobile network code (two or three decimal digits).
    pub mnc: u16,
    /// Number of MNC digits (2 or 3); `01` and `001` are different networks.
    pub mnc_digits: u8,
}

impl Plmn {
    /// A PLMN from its codes; `mnc_digits` is 2 or 3.
    pub fn new(mcc: u16, mnc: u16, mnc_digits: u8) -> Self {
        Plmn {
            mcc,
            mnc,
            mnc_digits,
        }
    }

    /// PLMN written as `MCC-MNC` (e.g. `310-260`, `234-15`); the MNC's width (2 or 3 digits)
    /// is kept. `None` when it is not that.
    pub fn parse(text: &str) -> Option<Self> {
        let (mcc, mnc) = text.trim().split_once(['-', ' ', '/'])?;
        Plmn::from_decimal(mcc, mnc)
    }

    /// PLMN from MCC and MNC written as decimal text (as decoders give them); `None` when
    /// either is not all decimal digits or has the wrong length.
    pub fn from_decimal(mcc: &str, mnc: &str) -> Option<Self> {
        let digits = |s: &str| -> Option<Vec<u8>> {
            s.chars()
                .map(|c| c.to_digit(10).and_then(|d| u8::try_from(d).ok()))
                .collect()
        };
        Plmn::from_digits(&digits(mcc)?, &digits(mnc)?)
    }

    /// PLMN from decimal digits as carried on the air (each 0..=9); `None` when malformed.
    pub fn from_digits(mcc: &[u8], mnc: &[u8]) -> Option<Self> {
        if mcc.len() != 3 || !(mnc.len() == 2 || mnc.len() == 3) {
            return None;
        }
        let number = |digits: &[u8]| -> Option<u16> {
            digits.iter().try_fold(0u16, |acc, &d| {
                if d > 9 {
                    None
                } else {
                    acc.checked_mul(10)?.checked_add(u16::from(d))
                }
            })
        };
        Some(Plmn {
            mcc: number(mcc)?,
            mnc: number(mnc)?,
            mnc_digits: if mnc.len() == 3 { 3 } else { 2 },
        })
    }
}

impl fmt::Display for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mnc_digits == 3 {
            write!(f, "{:03}-{:03}", self.mcc, self.mnc)
        } else {
            write!(f, "{:03}-{:02}", self.mcc, self.mnc)
        }
    }
}

/// The network part of an IMSI the device sent: the mobile country code and the three digits
/// after it. Only the SIM knows whether its MNC has two or three digits, so an IMSI matches a
/// PLMN whose MNC is either. The rest of the IMSI (the subscriber number) is never kept, and
/// the third digit, which is the subscriber number's first when the MNC has two, is never
/// shown or serialized (`310-26x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImsiNetwork {
    /// Mobile country code.
    pub mcc: u16,
    /// The fourth to sixth IMSI digits: a two-digit MNC and the first subscriber digit, or a
    /// three-digit MNC.
    pub next_digits: [u8; 3],
}

impl Serialize for ImsiNetwork {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl ImsiNetwork {
    /// The network part of an IMSI given as decimal digits; `None` when it has fewer than six
    /// digits or a character that is not one.
    pub fn from_imsi(digits: &str) -> Option<Self> {
        let mut d = digits
            .chars()
            .map(|c| c.to_digit(10).and_then(|v| u8::try_from(v).ok()));
        let mut next = || d.next().flatten();
        let (c1, c2, c3) = (next()?, next()?, next()?);
        let next_digits = [next()?, next()?, next()?];
        Some(ImsiNetwork {
            mcc: u16::from(c1) * 100 + u16::from(c2) * 10 + u16::from(c3),
            next_digits,
        })
    }

    /// True when an IMSI of this network can belong to `plmn` (same MCC, and an MNC equal to
    /// the first two or three of the following digits, as `plmn` says).
    pub fn matches(&self, plmn: Plmn) -> bool {
        let [a, b, c] = self.next_digits.map(u16::from);
        let mnc = if plmn.mnc_digits == 3 {
            a * 100 + b * 10 + c
        } else {
            a * 10 + b
        };
        self.mcc == plmn.mcc && mnc == plmn.mnc
    }
}

impl fmt::Display for ImsiNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, _] = self.next_digits;
        write!(f, "{:03}-{a}{b}x", self.mcc)
    }
}

/// The identity an LTE cell broadcasts in SIB1: network, tracking area and cell identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CellIdentity {
    /// First (primary) PLMN of the cell's PLMN list.
    pub plmn: Plmn,
    /// Tracking area code (16 bits in LTE).
    pub tac: u32,
    /// E-UTRAN cell identity (28 bits: eNB id and local cell id).
    pub cell_id: u32,
}

// Cells and networks key the per-cell tables every broadcast looks up. Hashed field by
// field (as derived) a cell reference costs about ten hasher rounds; packed, it costs two.
// Equal values pack equally, so these agree with the derived equality.

impl Plmn {
    /// All three fields in one number (MCC and MNC fit 16 bits each).
    fn packed(&self) -> u64 {
        u64::from(self.mcc) | u64::from(self.mnc) << 16 | u64::from(self.mnc_digits) << 32
    }
}

impl std::hash::Hash for Plmn {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.packed());
    }
}

impl CellIdentity {
    /// All fields in one number: the PLMN's 40 bits, then TAC and cell identity.
    fn packed(&self) -> u128 {
        u128::from(self.plmn.packed()) | u128::from(self.tac) << 40 | u128::from(self.cell_id) << 72
    }
}

impl std::hash::Hash for CellIdentity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u128(self.packed());
    }
}

impl std::hash::Hash for CellRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Presence bits keep `None` apart from `Some(0)`.
        let radio = u64::from(self.earfcn.unwrap_or(0))
            | u64::from(self.pci.unwrap_or(0)) << 32
            | u64::from(self.earfcn.is_some()) << 48
            | u64::from(self.pci.is_some()) << 49
            | u64::from(self.identity.is_some()) << 50;
        state.write_u64(radio);
        if let Some(id) = &self.identity {
            state.write_u128(id.packed());
        }
    }
}

impl fmt::Display for CellIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} TAC {} CID {}", self.plmn, self.tac, self.cell_id)
    }
}

/// Which cell an event happened on, as far as the recording tells.
///
/// `earfcn`/`pci` come from the capture's radio context; `identity` is the last SIB1 identity
/// seen on that (EARFCN, PCI), when any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CellRef {
    /// Downlink EARFCN (or ARFCN for other technologies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earfcn: Option<u32>,
    /// Physical cell id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pci: Option<u16>,
    /// Identity from the last SIB1 of this cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<CellIdentity>,
}

impl CellRef {
    /// A cell known only by its radio context.
    pub fn radio(earfcn: Option<u32>, pci: Option<u16>) -> Self {
        CellRef {
            earfcn,
            pci,
            identity: None,
        }
    }

    /// True when nothing at all is known about the cell.
    pub fn is_unknown(&self) -> bool {
        self.earfcn.is_none() && self.pci.is_none() && self.identity.is_none()
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(id) = self.identity {
            parts.push(id.to_string());
        }
        if let Some(e) = self.earfcn {
            parts.push(format!("EARFCN {e}"));
        }
        if let Some(p) = self.pci {
            parts.push(format!("PCI {p}"));
        }
        if parts.is_empty() {
            f.write_str("unknown cell")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Radio access technology a frequency, redirect or handover points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessTechnology {
    /// 2G GSM/GPRS/EDGE: no mutual authentication, weak or no ciphering.
    Geran,
    /// 3G UMTS (FDD or TDD): mutual authentication.
    Utra,
    /// 4G LTE.
    Eutra,
    /// CDMA2000 (1xRTT or HRPD).
    Cdma2000,
    /// 5G NR.
    Nr,
}

impl AccessTechnology {
    /// Name a reader understands (e.g. `2G (GSM)`).
    pub fn describe(self) -> &'static str {
        match self {
            AccessTechnology::Geran => "2G (GSM)",
            AccessTechnology::Utra => "3G (UMTS)",
            AccessTechnology::Eutra => "4G (LTE)",
            AccessTechnology::Cdma2000 => "CDMA2000",
            AccessTechnology::Nr => "5G (NR)",
        }
    }

    /// True for technologies older than LTE, i.e. a downgrade from the serving LTE cell.
    pub fn is_legacy(self) -> bool {
        matches!(
            self,
            AccessTechnology::Geran | AccessTechnology::Utra | AccessTechnology::Cdma2000
        )
    }
}

/// Protocol layer a procedure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// LTE RRC (TS 36.331): access stratum, between the device and the base station.
    Rrc,
    /// EPS NAS (TS 24.301): between the device and the core network (MME).
    Nas,
}

impl Layer {
    /// Upper-case name used in texts.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Rrc => "RRC",
            Layer::Nas => "NAS",
        }
    }
}

/// Kind of mobile identity asked for, sent or paged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityType {
    /// Permanent subscriber identity (SIM).
    Imsi,
    /// Permanent equipment identity.
    Imei,
    /// Equipment identity with software version.
    Imeisv,
    /// Temporary identity (TMSI/P-TMSI/M-TMSI).
    Tmsi,
    /// Globally unique temporary identity.
    Guti,
    /// SAE temporary identity used in LTE paging and RRC connection requests (and the 5G-S-TMSI).
    STmsi,
    /// 5G subscription concealed identifier: the IMSI encrypted for the home network, or in
    /// clear under the null scheme.
    Suci,
    /// A value this layer does not name, kept as sent.
    Unknown(u8),
}

impl IdentityType {
    /// True for identities that follow a person for life (IMSI, IMEI, IMEISV).
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            IdentityType::Imsi | IdentityType::Imei | IdentityType::Imeisv
        )
    }

    /// Upper-case name used in texts.
    pub fn name(self) -> String {
        match self {
            IdentityType::Imsi => "IMSI".into(),
            IdentityType::Imei => "IMEI".into(),
            IdentityType::Imeisv => "IMEISV".into(),
            IdentityType::Tmsi => "TMSI".into(),
            IdentityType::Guti => "GUTI".into(),
            IdentityType::STmsi => "S-TMSI".into(),
            IdentityType::Suci => "SUCI".into(),
            IdentityType::Unknown(v) => format!("identity type {v}"),
        }
    }
}

/// Why the device asked for an RRC connection (RRCConnectionRequest establishmentCause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EstablishmentCause {
    /// Emergency call.
    Emergency,
    /// High priority access (access classes 11-15).
    HighPriorityAccess,
    /// Answering a page.
    MtAccess,
    /// Device-originated signalling (attach, TAU, ...).
    MoSignalling,
    /// Device-originated data.
    MoData,
    /// Delay-tolerant access (machine-type devices).
    DelayTolerantAccess,
    /// Device-originated voice call.
    MoVoiceCall,
    /// Any other or spare value.
    Other,
}

/// Why the base station released the RRC connection (RRCConnectionRelease releaseCause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseCause {
    /// Load balancing; the device must do a tracking area update.
    LoadBalancingTauRequired,
    /// No particular reason.
    Other,
    /// Circuit-switched fallback for a high-priority call.
    CsFallbackHighPriority,
    /// The connection is suspended, not released.
    RrcSuspend,
    /// A spare value.
    Spare,
}

/// A redirection carried in an RRC connection release: where the device must go next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Redirect {
    /// Target technology.
    pub rat: AccessTechnology,
    /// Target carrier (EARFCN, UARFCN or the first GSM ARFCN), when one is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arfcn: Option<u32>,
}

/// A reselection priority for a carrier (0 lowest .. 7 highest), from system information or an
/// RRC release's idle-mode mobility control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FreqPriority {
    /// Technology of the carrier.
    pub rat: AccessTechnology,
    /// Carrier (EARFCN, UARFCN, or first ARFCN of a GSM carrier group), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arfcn: Option<u32>,
    /// Cell reselection priority.
    pub priority: u8,
}

/// What a normalized event says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A cell's SIB1: who it claims to be and which further SIBs it schedules.
    CellObserved {
        /// Primary PLMN.
        plmn: Plmn,
        /// Further PLMNs the cell is shared with.
        additional_plmns: InlineList<Plmn, 2>,
        /// Tracking area code.
        tac: u32,
        /// E-UTRAN cell identity.
        cell_id: u32,
        /// SIB numbers the scheduling list announces, SIB2 included (SIB2 is always first).
        scheduled_sibs: InlineList<u8, 16>,
        /// Whether the cell says it is barred.
        barred: bool,
        /// systemInfoValueTag, which changes when system information changes.
        value_tag: Option<u8>,
    },
    /// A SystemInformation message (SIB2 and later) with the reselection data detection needs.
    SystemInfo {
        /// SIB numbers this message carries.
        sibs: InlineList<u8, 8>,
        /// SIB3 priority of the serving LTE frequency.
        serving_priority: Option<u8>,
        /// SIB5 (LTE), SIB6 (UTRA), SIB7 (GERAN), SIB8 (CDMA2000), SIB24 (NR) priorities.
        neighbour_priorities: Arc<[FreqPriority]>,
    },
    /// The device asked for an RRC connection.
    ConnectionRequested {
        /// Stated reason.
        cause: EstablishmentCause,
    },
    /// The base station set the RRC connection up.
    ConnectionSetup,
    /// The device confirmed the RRC connection set-up.
    ConnectionSetupComplete,
    /// The base station refused an RRC connection.
    ConnectionRejected {
        /// Seconds the device must wait before trying again.
        wait_time: Option<u8>,
    },
    /// The base station released the RRC connection.
    ConnectionReleased {
        /// Stated reason, when given.
        cause: Option<ReleaseCause>,
        /// Redirection to another carrier or technology, when given.
        redirect: Option<Redirect>,
        /// Dedicated idle-mode reselection priorities, overriding broadcast ones.
        idle_priorities: Arc<[FreqPriority]>,
    },
    /// The network asked the device for an identity.
    IdentityRequested {
        /// Layer of the request (NAS Identity Request in LTE).
        layer: Layer,
        /// Identity asked for.
        identity: IdentityType,
    },
    /// The device sent an identity in an Identity Response.
    IdentitySent {
        /// Identity sent.
        identity: IdentityType,
    },
    /// The network started authentication (NAS Authentication Request).
    AuthRequested,
    /// The device answered authentication (it accepted the network's proof).
    AuthAnswered,
    /// The network rejected the device's authentication response.
    AuthRejected,
    /// The device could not authenticate the network (NAS Authentication Failure).
    AuthFailure {
        /// EMM cause (20 MAC failure, 21 synch failure, 26 non-EPS authentication unacceptable).
        cause: Option<u8>,
    },
    /// The network commanded security (ciphering and integrity algorithms).
    SecurityModeCommand {
        /// RRC (access stratum) or NAS.
        layer: Layer,
        /// Ciphering algorithm index: 0 is EEA0 (no ciphering), 1 SNOW 3G, 2 AES, 3 ZUC.
        cipher: Option<u8>,
        /// Integrity algorithm index: 0 is EIA0 (no integrity), 1 SNOW 3G, 2 AES, 3 ZUC.
        integrity: Option<u8>,
    },
    /// The device accepted a security mode command.
    SecurityModeComplete {
        /// RRC or NAS.
        layer: Layer,
    },
    /// The device refused a security mode command.
    SecurityModeReject {
        /// RRC or NAS.
        layer: Layer,
    },
    /// A NAS message under security protection that could not be read (ciphered).
    ProtectedNas {
        /// Sent by the device; an uplink ciphered message proves a security context the device
        /// trusts.
        uplink: bool,
    },
    /// The device asked to attach.
    AttachRequest {
        /// Identity it attached with.
        identity: IdentityType,
    },
    /// The network accepted an attach.
    AttachAccept,
    /// The device completed an attach.
    AttachComplete,
    /// The network rejected an attach.
    AttachReject {
        /// EMM cause (TS 24.301 9.9.3.9).
        cause: u8,
    },
    /// The device asked for a tracking area update.
    TauRequest {
        /// Identity it used (normally GUTI).
        identity: IdentityType,
        /// Periodic update (timer T3412), not a change of area.
        periodic: bool,
    },
    /// The network accepted a tracking area update.
    TauAccept,
    /// The network rejected a tracking area update.
    TauReject {
        /// EMM cause.
        cause: u8,
    },
    /// The device asked for service (Service Request or Extended Service Request).
    ServiceRequest,
    /// The network rejected a service request.
    ServiceReject {
        /// EMM cause.
        cause: u8,
    },
    /// A detach request.
    DetachRequest {
        /// Sent by the network (true) or the device (false).
        from_network: bool,
        /// EMM cause, when the network gave one.
        cause: Option<u8>,
    },
    /// A paging message with the identities it pages.
    Paging {
        /// Identity type of each paging record.
        identities: InlineList<IdentityType, 16>,
        /// The page announces a system information change.
        system_info_modification: bool,
    },
    /// The network moved the connected device to another cell or technology.
    Handover {
        /// Target technology.
        rat: AccessTechnology,
        /// Target carrier, when given.
        arfcn: Option<u32>,
        /// Target physical cell id, when given.
        pci: Option<u16>,
    },
    /// The device named its own networks in an identity it sent: the network of its SIM (from
    /// an IMSI) and the network that last registered it (from a GUTI). Only the networks are
    /// kept, never the identity itself.
    DeviceNetwork {
        /// Network of the SIM, from an IMSI the device sent.
        #[serde(skip_serializing_if = "Option::is_none")]
        subscription: Option<ImsiNetwork>,
        /// Network of a GUTI the device sent (where it was registered before).
        #[serde(skip_serializing_if = "Option::is_none")]
        registered: Option<Plmn>,
    },
    /// An accept (attach or tracking area update) named the networks the device may treat as
    /// its own here: the PLMN of the GUTI it assigned, the equivalent PLMNs and the PLMNs of
    /// the tracking area list.
    EquivalentNetworks {
        /// The networks, each once.
        plmns: Arc<[Plmn]>,
    },
    /// Something that happened on GSM (2G).
    Gsm(GsmEvent),
    /// Something that happened on NR (5G) RRC.
    Nr(NrEvent),
    /// The modem measured the cell's signal (the event's cell says which cell).
    Measured {
        /// Measured as the serving cell (true) or as a neighbour (false).
        serving: bool,
        /// Reference signal received power, dBm.
        rsrp: Sixteenths,
        /// Reference signal received quality, dB.
        #[serde(skip_serializing_if = "Option::is_none")]
        rsrq: Option<Sixteenths>,
        /// Received signal strength of the carrier, dBm.
        #[serde(skip_serializing_if = "Option::is_none")]
        rssi: Option<Sixteenths>,
    },
    /// A random access response told the device its timing advance on the cell: how far it
    /// is from the cell's antenna, in steps of 16 Ts (about 78 m, [`TA_STEP_METRES`]).
    TimingAdvance {
        /// The response's 11-bit timing advance command (0 to 1282).
        value: u16,
    },
    /// Something that happened in a 5G standalone NAS exchange.
    Nas5g(Nas5gEvent),
    /// Something that happened on UMTS (3G): its RRC, and the NAS that went through it.
    Umts(UmtsEvent),
}

/// Distance one step of LTE timing advance stands for: 16 Ts of round-trip delay
/// (Ts = 1/30.72 MHz, TS 36.211 4) at the speed of light, halved for the one-way distance.
pub const TA_STEP_METRES: f64 = 16.0 / 30.72e6 * 299_792_458.0 / 2.0;

impl EventKind {
    /// Number of variants, the length of a table indexed by [`EventKind::ordinal`].
    pub const VARIANTS: usize = 37;

    /// Position of this event's variant in the declaration (0 to `VARIANTS - 1`), for tables
    /// indexed by kind of event.
    pub fn ordinal(&self) -> usize {
        match self {
            EventKind::CellObserved { .. } => 0,
            EventKind::SystemInfo { .. } => 1,
            EventKind::ConnectionRequested { .. } => 2,
            EventKind::ConnectionSetup => 3,
            EventKind::ConnectionSetupComplete => 4,
            EventKind::ConnectionRejected { .. } => 5,
            EventKind::ConnectionReleased { .. } => 6,
            EventKind::IdentityRequested { .. } => 7,
            EventKind::IdentitySent { .. } => 8,
            EventKind::AuthRequested => 9,
            EventKind::AuthAnswered => 10,
            EventKind::AuthRejected => 11,
            EventKind::AuthFailure { .. } => 12,
            EventKind::SecurityModeCommand { .. } => 13,
            EventKind::SecurityModeComplete { .. } => 14,
            EventKind::SecurityModeReject { .. } => 15,
            EventKind::ProtectedNas { .. } => 16,
            EventKind::AttachRequest { .. } => 17,
            EventKind::AttachAccept => 18,
            EventKind::AttachComplete => 19,
            EventKind::AttachReject { .. } => 20,
            EventKind::TauRequest { .. } => 21,
            EventKind::TauAccept => 22,
            EventKind::TauReject { .. } => 23,
            EventKind::ServiceRequest => 24,
            EventKind::ServiceReject { .. } => 25,
            EventKind::DetachRequest { .. } => 26,
            EventKind::Paging { .. } => 27,
            EventKind::Handover { .. } => 28,
            EventKind::DeviceNetwork { .. } => 29,
            EventKind::EquivalentNetworks { .. } => 30,
            EventKind::Gsm(_) => 31,
            EventKind::Nr(_) => 32,
            EventKind::Measured { .. } => 33,
            EventKind::TimingAdvance { .. } => 34,
            EventKind::Nas5g(_) => 35,
            EventKind::Umts(_) => 36,
        }
    }

    /// Short name a reader understands, e.g. `Identity request (IMSI)`.
    pub fn describe(&self) -> String {
        match self {
            EventKind::CellObserved {
                plmn, tac, cell_id, ..
            } => format!("SIB1 of {plmn} TAC {tac} CID {cell_id}"),
            EventKind::SystemInfo { sibs, .. } => {
                let list: Vec<String> = sibs.iter().map(|s| format!("SIB{s}")).collect();
                format!("System information ({})", list.join(", "))
            }
            EventKind::ConnectionRequested { .. } => "RRC connection request".into(),
            EventKind::ConnectionSetup => "RRC connection setup".into(),
            EventKind::ConnectionSetupComplete => "RRC connection setup complete".into(),
            EventKind::ConnectionRejected { .. } => "RRC connection reject".into(),
            EventKind::ConnectionReleased { redirect, .. } => match redirect {
                Some(r) => format!("RRC connection release redirecting to {}", r.rat.describe()),
                None => "RRC connection release".into(),
            },
            EventKind::IdentityRequested { identity, .. } => {
                format!("Identity request ({})", identity.name())
            }
            EventKind::IdentitySent { identity } => {
                format!("Identity response ({})", identity.name())
            }
            EventKind::AuthRequested => "Authentication request".into(),
            EventKind::AuthAnswered => "Authentication response".into(),
            EventKind::AuthRejected => "Authentication reject".into(),
            EventKind::AuthFailure { cause } => match cause {
                Some(c) => format!("Authentication failure ({})", emm_cause_name(*c)),
                None => "Authentication failure".into(),
            },
            EventKind::SecurityModeCommand {
                layer,
                cipher,
                integrity,
            } => format!(
                "{} security mode command ({}, {})",
                layer.as_str(),
                cipher.map_or("cipher ?".into(), |c| format!("EEA{c}")),
                integrity.map_or("integrity ?".into(), |i| format!("EIA{i}"))
            ),
            EventKind::SecurityModeComplete { layer } => {
                format!("{} security mode complete", layer.as_str())
            }
            EventKind::SecurityModeReject { layer } => {
                format!("{} security mode reject", layer.as_str())
            }
            EventKind::ProtectedNas { uplink } => format!(
                "Ciphered NAS message ({})",
                if *uplink { "uplink" } else { "downlink" }
            ),
            EventKind::AttachRequest { identity } => {
                format!("Attach request ({})", identity.name())
            }
            EventKind::AttachAccept => "Attach accept".into(),
            EventKind::AttachComplete => "Attach complete".into(),
            EventKind::AttachReject { cause } => {
                format!("Attach reject (#{cause} {})", emm_cause_name(*cause))
            }
            EventKind::TauRequest { periodic, .. } => if *periodic {
                "Tracking area update request (periodic)"
            } else {
                "Tracking area update request"
            }
            .into(),
            EventKind::TauAccept => "Tracking area update accept".into(),
            EventKind::TauReject { cause } => {
                format!(
                    "Tracking area update reject (#{cause} {})",
                    emm_cause_name(*cause)
                )
            }
            EventKind::ServiceRequest => "Service request".into(),
            EventKind::ServiceReject { cause } => {
                format!("Service reject (#{cause} {})", emm_cause_name(*cause))
            }
            EventKind::DetachRequest {
                from_network,
                cause,
            } => {
                let who = if *from_network { "network" } else { "device" };
                match cause {
                    Some(c) => format!("Detach request from {who} (#{c} {})", emm_cause_name(*c)),
                    None => format!("Detach request from {who}"),
                }
            }
            EventKind::Paging { identities, .. } => {
                let ids: Vec<String> = identities.iter().map(|i| i.name()).collect();
                format!("Paging ({})", ids.join(", "))
            }
            EventKind::Handover { rat, .. } => format!("Handover to {}", rat.describe()),
            EventKind::DeviceNetwork {
                subscription,
                registered,
            } => {
                let mut parts = Vec::new();
                if let Some(s) = subscription {
                    parts.push(format!("SIM of network {s}"));
                }
                if let Some(r) = registered {
                    parts.push(format!("registered on {r}"));
                }
                format!("Device names its networks ({})", parts.join(", "))
            }
            EventKind::EquivalentNetworks { plmns } => {
                let list: Vec<String> = plmns.iter().map(Plmn::to_string).collect();
                format!(
                    "Networks accepted as the device's own ({})",
                    list.join(", ")
                )
            }
            EventKind::Gsm(g) => g.describe(),
            EventKind::Nr(n) => n.describe(),
            EventKind::Measured {
                serving,
                rsrp,
                rsrq,
                ..
            } => format!(
                "{} cell measured: RSRP {rsrp} dBm{}",
                if *serving { "Serving" } else { "Neighbour" },
                rsrq.map(|q| format!(", RSRQ {q} dB")).unwrap_or_default()
            ),
            EventKind::TimingAdvance { value } => format!(
                "Timing advance {value} (about {:.0} m from the cell)",
                f64::from(*value) * TA_STEP_METRES
            ),
            EventKind::Nas5g(n) => n.describe(),
            EventKind::Umts(u) => u.describe(),
        }
    }
}

/// One normalized event: what happened, on which cell, in which packet, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Packet number of the message the event comes from (see the model's numbering rules).
    pub packet: u64,
    /// Capture time, when the container recorded one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<CaptureTime>,
    /// Cell the event happened on, as far as known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<CellRef>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// An event without time or cell (handy in tests and fuzzing).
    pub fn new(packet: u64, kind: EventKind) -> Self {
        Event {
            packet,
            time: None,
            cell: None,
            kind,
        }
    }

    /// The same event with a capture time.
    pub fn at(mut self, time: CaptureTime) -> Self {
        self.time = Some(time);
        self
    }

    /// The same event on a cell.
    pub fn on(mut self, cell: CellRef) -> Self {
        self.cell = Some(cell);
        self
    }
}

/// Name of an EMM cause value (TS 24.301 9.9.3.9), for texts.
pub fn emm_cause_name(cause: u8) -> &'static str {
    match cause {
        2 => "IMSI unknown in HSS",
        3 => "Illegal UE",
        5 => "IMEI not accepted",
        6 => "Illegal ME",
        7 => "EPS services not allowed",
        8 => "EPS services and non-EPS services not allowed",
        9 => "UE identity cannot be derived by the network",
        10 => "Implicitly detached",
        11 => "PLMN not allowed",
        12 => "Tracking area not allowed",
        13 => "Roaming not allowed in this tracking area",
        14 => "EPS services not allowed in this PLMN",
        15 => "No suitable cells in tracking area",
        16 => "MSC temporarily not reachable",
        17 => "Network failure",
        18 => "CS domain not available",
        19 => "ESM failure",
        20 => "MAC failure",
        21 => "Synch failure",
        22 => "Congestion",
        23 => "UE security capabilities mismatch",
        24 => "Security mode rejected, unspecified",
        25 => "Not authorized for this CSG",
        26 => "Non-EPS authentication unacceptable",
        31 => "Redirection to 5GCN required",
        35 => "Requested service option not authorized in this PLMN",
        39 => "CS service temporarily not available",
        40 => "No EPS bearer context activated",
        42 => "Severe network failure",
        78 => "PLMN not allowed to operate at the present UE location",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Ordinals index tables of `VARIANTS` entries: in range, and distinct per variant.
    #[test]
    fn ordinals_are_distinct_and_in_range() {
        let kinds = [
            EventKind::ConnectionSetup,
            EventKind::AuthRequested,
            EventKind::AttachAccept,
            EventKind::ServiceRequest,
            EventKind::Handover {
                rat: AccessTechnology::Eutra,
                arfcn: None,
                pci: None,
            },
            EventKind::Paging {
                identities: InlineList::new(),
                system_info_modification: false,
            },
        ];
        let ordinals: Vec<usize> = kinds.iter().map(EventKind::ordinal).collect();
        assert!(ordinals.iter().all(|&o| o < EventKind::VARIANTS));
        let mut distinct = ordinals.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), ordinals.len());
        // The last variant declared takes the last slot.
        let last = EventKind::Umts(UmtsEvent::SecurityModeComplete);
        assert_eq!(last.ordinal(), EventKind::VARIANTS - 1);
        assert_eq!(
            EventKind::Gsm(GsmEvent::ChannelAssigned).ordinal(),
            EventKind::VARIANTS - 6
        );
        assert_eq!(
            EventKind::Nr(NrEvent::Setup).ordinal(),
            EventKind::VARIANTS - 5
        );
    }

    /// Neighbour measurements become one event per cell on that cell; a timing advance lands
    /// on the cell of the last RRC message, which is where the random access happened.
    #[test]
    fn measurements_become_events_on_their_cells() {
        use stingwatch_model::{CellSignal, Rat};
        let mut d = EventDeriver::new();
        let signal = |pci| CellSignal {
            earfcn: 1850,
            pci,
            rsrp: Sixteenths::from_db(-101.5),
            rsrq: None,
            rssi: None,
        };
        let m = Measurement {
            offset: 0,
            time: Some(CaptureTime(1_767_268_800_000_000)),
            rat: Rat::Lte,
            kind: MeasurementKind::Neighbours {
                cells: vec![signal(7), signal(300)],
            },
        };
        let mut out = Vec::new();
        d.derive_measurement(&m, 12, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].cell, Some(CellRef::radio(Some(1850), Some(300))));
        assert_eq!(out[1].packet, 12);
        assert!(matches!(
            out[0].kind,
            EventKind::Measured { serving: false, .. }
        ));
        assert_eq!(
            out[0].kind.describe(),
            "Neighbour cell measured: RSRP -101.5 dBm"
        );
        // No RRC message yet: the timing advance has no cell.
        let ta = Measurement {
            kind: MeasurementKind::TimingAdvance { value: 13 },
            ..m
        };
        out.clear();
        d.derive_measurement(&ta, 12, &mut out);
        assert_eq!(out[0].cell, None);
        assert_eq!(
            out[0].kind.describe(),
            "Timing advance 13 (about 1015 m from the cell)"
        );
    }

    #[test]
    fn gsm_events_serialize_with_both_tags() {
        let e = Event::new(
            3,
            EventKind::Gsm(GsmEvent::Ciphering {
                packet_switched: false,
                started: false,
                algorithm: 1,
            }),
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "gsm");
        assert_eq!(json["gsm"], "ciphering");
        assert_eq!(json["started"], false);
    }

    #[test]
    fn imsi_network_matches_two_and_three_digit_mncs() {
        let n = ImsiNetwork::from_imsi("310410123456789").unwrap();
        assert!(n.matches(Plmn::new(310, 410, 3)));
        assert!(n.matches(Plmn::new(310, 41, 2)));
        assert!(!n.matches(Plmn::new(310, 260, 3)));
        assert!(!n.matches(Plmn::new(311, 410, 3)));
        let uk = ImsiNetwork::from_imsi("234150000000001").unwrap();
        assert!(uk.matches(Plmn::new(234, 15, 2)));
        assert!(!uk.matches(Plmn::new(234, 151, 3)));
        assert_eq!(ImsiNetwork::from_imsi("31041"), None);
        assert_eq!(ImsiNetwork::from_imsi("3104x0123"), None);
        assert_eq!(n.to_string(), "310-41x");
        // Only the network part reaches any output.
        let json = serde_json::to_string(&uk).unwrap();
        assert_eq!(json, "\"234-15x\"");
    }

    #[test]
    fn plmn_display_keeps_mnc_width() {
        assert_eq!(Plmn::new(1, 1, 2).to_string(), "001-01");
        assert_eq!(Plmn::new(310, 410, 3).to_string(), "310-410");
        assert_eq!(Plmn::new(310, 10, 3).to_string(), "310-010");
    }

    #[test]
    fn plmn_parses_mcc_dash_mnc() {
        assert_eq!(Plmn::parse("310-260"), Some(Plmn::new(310, 260, 3)));
        assert_eq!(Plmn::parse("234-15"), Some(Plmn::new(234, 15, 2)));
        assert_eq!(Plmn::parse("310-010"), Some(Plmn::new(310, 10, 3)));
        assert_eq!(Plmn::parse("31-260"), None);
        assert_eq!(Plmn::parse("310260"), None);
        assert_eq!(Plmn::parse("310-2a0"), None);
    }

    #[test]
    fn plmn_from_digits_rejects_malformed() {
        assert_eq!(
            Plmn::from_digits(&[3, 1, 0], &[4, 1, 0]),
            Some(Plmn::new(310, 410, 3))
        );
        assert_eq!(Plmn::from_digits(&[3, 1], &[4, 1]), None);
        assert_eq!(Plmn::from_digits(&[3, 1, 0], &[4]), None);
        assert_eq!(Plmn::from_digits(&[3, 1, 10], &[4, 1]), None);
    }

    #[test]
    fn event_serializes_flat_with_type_tag() {
        let ev = Event::new(
            7,
            EventKind::IdentityRequested {
                layer: Layer::Nas,
                identity: IdentityType::Imsi,
            },
        )
        .at(CaptureTime(1_000_000))
        .on(CellRef::radio(Some(5230), Some(101)));
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json["type"], "identity_requested");
        assert_eq!(json["identity"], "imsi");
        assert_eq!(json["layer"], "nas");
        assert_eq!(json["packet"], 7);
        assert_eq!(json["cell"]["earfcn"], 5230);
        assert_eq!(ev.kind.describe(), "Identity request (IMSI)");
    }

    #[test]
    fn cell_ref_display() {
        let c = CellRef {
            earfcn: Some(66486),
            pci: Some(12),
            identity: Some(CellIdentity {
                plmn: Plmn::new(310, 260, 3),
                tac: 1234,
                cell_id: 27_439_044,
            }),
        };
        assert_eq!(
            c.to_string(),
            "310-260 TAC 1234 CID 27439044, EARFCN 66486, PCI 12"
        );
        assert_eq!(CellRef::default().to_string(), "unknown cell");
    }
}
