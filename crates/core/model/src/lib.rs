//! Shared vocabulary of Stingwatch: what a capture reader hands to the decoders.
//!
//! Every reader (QMDL/DIAG, pcap, pcapng) turns its container into a stream of
//! [`ReadItem`]s: radio messages with their metadata, and diagnostics for damaged
//! regions. Nothing here parses bytes; it only names things.

#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Radio access technology a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rat {
    /// 2G GSM / GPRS / EDGE.
    Gsm,
    /// 3G UMTS.
    Umts,
    /// 4G LTE (E-UTRA).
    Lte,
    /// 5G NR.
    Nr,
}

impl Rat {
    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Rat::Gsm => "gsm",
            Rat::Umts => "umts",
            Rat::Lte => "lte",
            Rat::Nr => "nr",
        }
    }
}

/// Whether a message went from the network to the device or the other way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Network to device.
    Downlink,
    /// Device to network.
    Uplink,
    /// The container did not say.
    Unknown,
}

impl Direction {
    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Downlink => "downlink",
            Direction::Uplink => "uplink",
            Direction::Unknown => "unknown",
        }
    }
}

/// LTE RRC logical channel and message class (the ASN.1 top-level type to decode with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LteRrcChannel {
    /// BCCH-BCH-Message (MasterInformationBlock).
    BcchBch,
    /// BCCH-DL-SCH-Message (SIB1 and SystemInformation).
    BcchDlSch,
    /// BCCH-DL-SCH-Message-BR (bandwidth-reduced system information).
    BcchDlSchBr,
    /// PCCH-Message (Paging).
    Pcch,
    /// DL-CCCH-Message.
    DlCcch,
    /// DL-DCCH-Message.
    DlDcch,
    /// UL-CCCH-Message.
    UlCcch,
    /// UL-DCCH-Message.
    UlDcch,
    /// MCCH-Message (MBMS control).
    Mcch,
    /// SC-MCCH-Message.
    ScMcch,
    /// BCCH-BCH-Message-MBMS.
    BcchBchMbms,
    /// BCCH-DL-SCH-Message-MBMS.
    BcchDlSchMbms,
    /// BCCH-BCH-Message-NB (NB-IoT).
    BcchBchNb,
    /// BCCH-DL-SCH-Message-NB.
    BcchDlSchNb,
    /// PCCH-Message-NB.
    PcchNb,
    /// DL-CCCH-Message-NB.
    DlCcchNb,
    /// DL-DCCH-Message-NB.
    DlDcchNb,
    /// UL-CCCH-Message-NB.
    UlCcchNb,
    /// UL-DCCH-Message-NB.
    UlDcchNb,
}

impl LteRrcChannel {
    /// Every channel, in declaration order (not GSMTAP sub-type order).
    pub const ALL: [LteRrcChannel; 19] = [
        LteRrcChannel::BcchBch,
        LteRrcChannel::BcchDlSch,
        LteRrcChannel::BcchDlSchBr,
        LteRrcChannel::Pcch,
        LteRrcChannel::DlCcch,
        LteRrcChannel::DlDcch,
        LteRrcChannel::UlCcch,
        LteRrcChannel::UlDcch,
        LteRrcChannel::Mcch,
        LteRrcChannel::ScMcch,
        LteRrcChannel::BcchBchMbms,
        LteRrcChannel::BcchDlSchMbms,
        LteRrcChannel::BcchBchNb,
        LteRrcChannel::BcchDlSchNb,
        LteRrcChannel::PcchNb,
        LteRrcChannel::DlCcchNb,
        LteRrcChannel::DlDcchNb,
        LteRrcChannel::UlCcchNb,
        LteRrcChannel::UlDcchNb,
    ];

    /// Short name used in reports (matches the ASN.1 top-level type, lower-case, e.g. `bcch-dl-sch`).
    pub fn as_str(self) -> &'static str {
        match self {
            LteRrcChannel::BcchBch => "bcch-bch",
            LteRrcChannel::BcchDlSch => "bcch-dl-sch",
            LteRrcChannel::BcchDlSchBr => "bcch-dl-sch-br",
            LteRrcChannel::Pcch => "pcch",
            LteRrcChannel::DlCcch => "dl-ccch",
            LteRrcChannel::DlDcch => "dl-dcch",
            LteRrcChannel::UlCcch => "ul-ccch",
            LteRrcChannel::UlDcch => "ul-dcch",
            LteRrcChannel::Mcch => "mcch",
            LteRrcChannel::ScMcch => "sc-mcch",
            LteRrcChannel::BcchBchMbms => "bcch-bch-mbms",
            LteRrcChannel::BcchDlSchMbms => "bcch-dl-sch-mbms",
            LteRrcChannel::BcchBchNb => "bcch-bch-nb",
            LteRrcChannel::BcchDlSchNb => "bcch-dl-sch-nb",
            LteRrcChannel::PcchNb => "pcch-nb",
            LteRrcChannel::DlCcchNb => "dl-ccch-nb",
            LteRrcChannel::DlDcchNb => "dl-dcch-nb",
            LteRrcChannel::UlCcchNb => "ul-ccch-nb",
            LteRrcChannel::UlDcchNb => "ul-dcch-nb",
        }
    }

    /// Direction implied by the channel.
    pub fn direction(self) -> Direction {
        match self {
            LteRrcChannel::UlCcch
            | LteRrcChannel::UlDcch
            | LteRrcChannel::UlCcchNb
            | LteRrcChannel::UlDcchNb => Direction::Uplink,
            _ => Direction::Downlink,
        }
    }
}

/// NR RRC logical channel or container (the TS 38.331 ASN.1 type to decode with).
///
/// The containers are NR RRC carried inside other messages rather than on an NR channel: in
/// EN-DC (5G NSA) the LTE RRC connection carries the NR RRCReconfiguration, its completion and
/// the NR RadioBearerConfig as OCTET STRINGs, and phones log them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NrRrcChannel {
    /// BCCH-BCH-Message (MIB).
    BcchBch,
    /// BCCH-DL-SCH-Message (SIB1 and SystemInformation).
    BcchDlSch,
    /// DL-CCCH-Message (RRCSetup, RRCReject).
    DlCcch,
    /// DL-DCCH-Message.
    DlDcch,
    /// PCCH-Message (Paging).
    Pcch,
    /// UL-CCCH-Message (RRCSetupRequest, ...).
    UlCcch,
    /// UL-CCCH1-Message (RRCResumeRequest1).
    UlCcch1,
    /// UL-DCCH-Message.
    UlDcch,
    /// An RRCReconfiguration on its own (EN-DC container).
    RrcReconfiguration,
    /// An RRCReconfigurationComplete on its own (EN-DC container).
    RrcReconfigurationComplete,
    /// A CellGroupConfig on its own.
    CellGroupConfig,
    /// A RadioBearerConfig on its own (EN-DC container).
    RadioBearerConfig,
}

impl NrRrcChannel {
    /// Every channel and container, in declaration order.
    pub const ALL: [NrRrcChannel; 12] = [
        NrRrcChannel::BcchBch,
        NrRrcChannel::BcchDlSch,
        NrRrcChannel::DlCcch,
        NrRrcChannel::DlDcch,
        NrRrcChannel::Pcch,
        NrRrcChannel::UlCcch,
        NrRrcChannel::UlCcch1,
        NrRrcChannel::UlDcch,
        NrRrcChannel::RrcReconfiguration,
        NrRrcChannel::RrcReconfigurationComplete,
        NrRrcChannel::CellGroupConfig,
        NrRrcChannel::RadioBearerConfig,
    ];

    /// Short name used in reports (e.g. `bcch-dl-sch`, `rrc-reconfiguration`).
    pub fn as_str(self) -> &'static str {
        match self {
            NrRrcChannel::BcchBch => "bcch-bch",
            NrRrcChannel::BcchDlSch => "bcch-dl-sch",
            NrRrcChannel::DlCcch => "dl-ccch",
            NrRrcChannel::DlDcch => "dl-dcch",
            NrRrcChannel::Pcch => "pcch",
            NrRrcChannel::UlCcch => "ul-ccch",
            NrRrcChannel::UlCcch1 => "ul-ccch1",
            NrRrcChannel::UlDcch => "ul-dcch",
            NrRrcChannel::RrcReconfiguration => "rrc-reconfiguration",
            NrRrcChannel::RrcReconfigurationComplete => "rrc-reconfiguration-complete",
            NrRrcChannel::CellGroupConfig => "cell-group-config",
            NrRrcChannel::RadioBearerConfig => "radio-bearer-config",
        }
    }

    /// Direction implied by the channel.
    pub fn direction(self) -> Direction {
        match self {
            NrRrcChannel::UlCcch
            | NrRrcChannel::UlCcch1
            | NrRrcChannel::UlDcch
            | NrRrcChannel::RrcReconfigurationComplete => Direction::Uplink,
            _ => Direction::Downlink,
        }
    }

    /// True for the containers other messages carry (not an NR logical channel).
    pub fn is_container(self) -> bool {
        matches!(
            self,
            NrRrcChannel::RrcReconfiguration
                | NrRrcChannel::RrcReconfigurationComplete
                | NrRrcChannel::CellGroupConfig
                | NrRrcChannel::RadioBearerConfig
        )
    }

    /// Wireshark's dissector for this type (the exported-PDU dissector-name tag), when
    /// Wireshark has one: it has none for a lone RRCReconfigurationComplete.
    pub fn dissector(self) -> Option<&'static str> {
        Some(match self {
            NrRrcChannel::BcchBch => "nr-rrc.bcch.bch",
            NrRrcChannel::BcchDlSch => "nr-rrc.bcch.dl.sch",
            NrRrcChannel::DlCcch => "nr-rrc.dl.ccch",
            NrRrcChannel::DlDcch => "nr-rrc.dl.dcch",
            NrRrcChannel::Pcch => "nr-rrc.pcch",
            NrRrcChannel::UlCcch => "nr-rrc.ul.ccch",
            NrRrcChannel::UlCcch1 => "nr-rrc.ul.ccch1",
            NrRrcChannel::UlDcch => "nr-rrc.ul.dcch",
            NrRrcChannel::RrcReconfiguration => "nr-rrc.rrc_reconf_msg",
            NrRrcChannel::CellGroupConfig => "nr-rrc.cellgroupconfig_msg",
            NrRrcChannel::RadioBearerConfig => "nr-rrc.radiobearerconfig",
            NrRrcChannel::RrcReconfigurationComplete => return None,
        })
    }

    /// The channel a Wireshark dissector name reads, if it is one of these.
    pub fn from_dissector(name: &str) -> Option<Self> {
        NrRrcChannel::ALL
            .into_iter()
            .find(|c| c.dissector() == Some(name))
    }
}

/// UMTS RRC logical channel (the ASN.1 top-level message type of TS 25.331 to decode with),
/// or a single message type carried alone (a system information block the modem already
/// reassembled, a handover container).
///
/// The numbering is GSMTAP's UMTS RRC sub-type (version 2), which names every top-level type
/// and every block 25.331 defines: channels are 0-10, single message types 11-61.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UmtsRrcChannel {
    /// DL-DCCH-Message.
    DlDcch,
    /// UL-DCCH-Message.
    UlDcch,
    /// DL-CCCH-Message.
    DlCcch,
    /// UL-CCCH-Message.
    UlCcch,
    /// PCCH-Message (Paging Type 1).
    Pcch,
    /// DL-SHCCH-Message (TDD).
    DlShcch,
    /// UL-SHCCH-Message (TDD).
    UlShcch,
    /// BCCH-FACH-Message.
    BcchFach,
    /// BCCH-BCH-Message (SystemInformation-BCH: segments of system information blocks).
    BcchBch,
    /// MCCH-Message (MBMS).
    Mcch,
    /// MSCH-Message (MBMS scheduling).
    Msch,
    /// One message type alone, by its GSMTAP v2 UMTS RRC sub-type (11-61): 16 is the master
    /// information block, 17-59 system information blocks (see `umts_rrc_single_name`).
    Single(u8),
}

impl UmtsRrcChannel {
    /// Channel or message type of a GSMTAP v2 UMTS RRC sub-type; `None` above 61.
    pub fn from_gsmtap(sub_type: u8) -> Option<Self> {
        use UmtsRrcChannel::*;
        Some(match sub_type {
            0 => DlDcch,
            1 => UlDcch,
            2 => DlCcch,
            3 => UlCcch,
            4 => Pcch,
            5 => DlShcch,
            6 => UlShcch,
            7 => BcchFach,
            8 => BcchBch,
            9 => Mcch,
            10 => Msch,
            11..=61 => Single(sub_type),
            _ => return None,
        })
    }

    /// GSMTAP v2 UMTS RRC sub-type of this channel or message type.
    pub fn gsmtap_sub_type(self) -> u8 {
        use UmtsRrcChannel::*;
        match self {
            DlDcch => 0,
            UlDcch => 1,
            DlCcch => 2,
            UlCcch => 3,
            Pcch => 4,
            DlShcch => 5,
            UlShcch => 6,
            BcchFach => 7,
            BcchBch => 8,
            Mcch => 9,
            Msch => 10,
            Single(n) => n,
        }
    }

    /// Short name used in reports (e.g. `ul-ccch`, `sib3`).
    pub fn as_str(self) -> &'static str {
        use UmtsRrcChannel::*;
        match self {
            DlDcch => "dl-dcch",
            UlDcch => "ul-dcch",
            DlCcch => "dl-ccch",
            UlCcch => "ul-ccch",
            Pcch => "pcch",
            DlShcch => "dl-shcch",
            UlShcch => "ul-shcch",
            BcchFach => "bcch-fach",
            BcchBch => "bcch-bch",
            Mcch => "mcch",
            Msch => "msch",
            Single(n) => umts_rrc_single_name(n),
        }
    }

    /// Direction implied by the channel (uplink for UL channels, UE capability and inter-RAT
    /// handover information, which the phone sends).
    pub fn direction(self) -> Direction {
        match self {
            UmtsRrcChannel::UlDcch | UmtsRrcChannel::UlCcch | UmtsRrcChannel::UlShcch => {
                Direction::Uplink
            }
            UmtsRrcChannel::Single(12 | 15) => Direction::Uplink,
            _ => Direction::Downlink,
        }
    }
}

/// Short name of a single UMTS RRC message type by its GSMTAP v2 sub-type (11-61).
pub fn umts_rrc_single_name(sub_type: u8) -> &'static str {
    const NAMES: [&str; 51] = [
        "handover-to-utran-command",
        "inter-rat-handover-info",
        "system-information-bch",
        "system-information-container",
        "ue-radio-access-capability-info",
        "mib",
        "sib1",
        "sib2",
        "sib3",
        "sib4",
        "sib5",
        "sib5bis",
        "sib6",
        "sib7",
        "sib8",
        "sib9",
        "sib10",
        "sib11",
        "sib11bis",
        "sib12",
        "sib13",
        "sib13-1",
        "sib13-2",
        "sib13-3",
        "sib13-4",
        "sib14",
        "sib15",
        "sib15bis",
        "sib15-1",
        "sib15-1bis",
        "sib15-2",
        "sib15-2bis",
        "sib15-2ter",
        "sib15-3",
        "sib15-3bis",
        "sib15-4",
        "sib15-5",
        "sib15-6",
        "sib15-7",
        "sib15-8",
        "sib16",
        "sib17",
        "sib18",
        "sib19",
        "sib20",
        "sib21",
        "sib22",
        "sb1",
        "sb2",
        "to-target-rnc-container",
        "target-rnc-to-source-rnc-container",
    ];
    sub_type
        .checked_sub(11)
        .and_then(|i| NAMES.get(usize::from(i)))
        .copied()
        .unwrap_or("unknown")
}

/// What a message's payload bytes are, i.e. which decoder reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PayloadKind {
    /// An LTE RRC PDU on the given channel (ASN.1 UPER).
    LteRrc {
        /// Channel, which selects the ASN.1 top-level type.
        channel: LteRrcChannel,
    },
    /// An NR RRC PDU on the given channel or container (ASN.1 UPER, TS 38.331).
    NrRrc {
        /// Channel or container, which selects the ASN.1 type.
        channel: NrRrcChannel,
    },
    /// An EPS NAS PDU (TS 24.301), plain or security protected as the header says.
    LteNas,
    /// A 5GS NAS PDU (TS 24.501), plain or security protected as the header says.
    NrNas,
    /// A UMTS RRC PDU (TS 25.331, ASN.1 UPER) of the given channel or message type.
    UmtsRrc {
        /// Channel, which selects the ASN.1 top-level type.
        channel: UmtsRrcChannel,
    },
    /// A GSM Um (air interface, layer 2/3) message as carried by GSMTAP type 0x01.
    GsmUm {
        /// GSMTAP channel type (BCCH, CCCH, SDCCH, ...).
        channel_type: u8,
    },
    /// A GSM/UMTS layer-3 message without air-interface framing (protocol discriminator
    /// first): MM, GMM, CC, SMS and RR as DIAG NAS records and GSMTAP Abis carry them.
    GsmL3,
    /// Anything else a container carried, kept so it is counted and can be written back.
    Other {
        /// GSMTAP type (or 0 when the source is not GSMTAP).
        gsmtap_type: u8,
        /// GSMTAP sub-type.
        sub_type: u8,
    },
}

/// Time a message was captured, in microseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CaptureTime(pub i64);

impl CaptureTime {
    /// Microseconds since the Unix epoch.
    pub fn unix_micros(self) -> i64 {
        self.0
    }

    /// RFC 3339 rendering with microseconds, UTC (e.g. `2025-06-06T14:02:18.123456Z`).
    pub fn to_rfc3339(self) -> String {
        let micros = self.0.rem_euclid(1_000_000);
        let secs = self.0.div_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
            sod / 3600,
            (sod % 3600) / 60,
            sod % 60
        )
    }
}

impl fmt::Display for CaptureTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); H. Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Radio-layer context a container gives alongside a message (not from the message itself).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RadioContext {
    /// EARFCN / ARFCN of the cell the message was received on or sent to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arfcn: Option<u32>,
    /// Physical cell id (LTE PCI; the primary scrambling code on UMTS), when the container
    /// records it (DIAG does, GSMTAP version 2 does not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pci: Option<u16>,
    /// System frame number, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sfn: Option<u16>,
}

/// One radio message as read from a capture, before protocol decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RadioMessage {
    /// 1-based packet number: pcap/pcapng frame number (as tshark's `frame.number`),
    /// or for DIAG/QMDL the 1-based index among the radio messages the reader yields.
    pub packet: u64,
    /// Byte offset of the frame or packet in the input file.
    pub offset: u64,
    /// Capture time, when the container records one.
    pub time: Option<CaptureTime>,
    /// Direction, from the container or implied by the channel.
    pub direction: Direction,
    /// Radio access technology.
    pub rat: Rat,
    /// Which decoder reads `payload`.
    pub kind: PayloadKind,
    /// Radio-layer context (ARFCN, PCI).
    pub context: RadioContext,
    /// The protocol PDU itself (RRC, NAS or GSM L2/L3 bytes), without container headers.
    pub payload: Vec<u8>,
}

/// A region of an input that could not be read as the format requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Damage {
    /// Byte offset in the input where the damaged region starts.
    pub offset: u64,
    /// Length of the damaged region in bytes (0 when unknown, e.g. at end of file).
    pub length: u64,
    /// What was wrong, in words (e.g. `HDLC CRC mismatch`, `truncated pcapng block`).
    pub reason: String,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "offset {} ({} bytes): {}",
            self.offset, self.length, self.reason
        )
    }
}

/// One thing a capture reader yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadItem {
    /// A radio message the decoders can read.
    Message(RadioMessage),
    /// A damaged region that was skipped; reading continues after it.
    Damage(Damage),
    /// What the modem measured (signal levels, timing advance): not a message on the air, but
    /// the device's own record of the cells it heard and how far away it was from them.
    Measurement(Measurement),
}

/// One thing a capture reader yields, with its message lent by the reader rather than moved
/// out ([`ReadItem`] owns its message). The rare items are boxed, so that an item is two
/// words and is handed up through a reader's layers in registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadItemRef<'a> {
    /// A radio message the decoders can read, valid until the reader reads on.
    Message(&'a RadioMessage),
    /// A damaged region that was skipped; reading continues after it.
    Damage(Box<Damage>),
    /// What the modem measured (signal levels, timing advance).
    Measurement(Box<Measurement>),
}

impl ReadItemRef<'_> {
    /// The item as the iterator gives it, its message copied out of the reader.
    pub fn into_owned(self) -> ReadItem {
        match self {
            ReadItemRef::Message(m) => ReadItem::Message(m.clone()),
            ReadItemRef::Damage(d) => ReadItem::Damage(*d),
            ReadItemRef::Measurement(m) => ReadItem::Measurement(*m),
        }
    }
}

/// A level in sixteenths of a decibel, the resolution of the modem's measurement records.
///
/// Kept as an integer so events stay comparable and hashable; [`Sixteenths::db`] gives the
/// value in dB (or dBm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sixteenths(pub i32);

impl Sixteenths {
    /// The level in dB (or dBm).
    pub fn db(self) -> f64 {
        f64::from(self.0) / 16.0
    }

    /// The nearest level to `db` (saturating far outside any radio range).
    pub fn from_db(db: f64) -> Self {
        // The cast saturates, and NaN becomes 0: no input reaches undefined behaviour.
        Sixteenths((db * 16.0).round() as i32)
    }
}

impl Serialize for Sixteenths {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.db())
    }
}

impl fmt::Display for Sixteenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.db())
    }
}

/// Signal of one LTE cell as the modem measured it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CellSignal {
    /// Downlink EARFCN of the cell.
    pub earfcn: u32,
    /// Physical cell id.
    pub pci: u16,
    /// Reference signal received power, dBm.
    pub rsrp: Sixteenths,
    /// Reference signal received quality, dB, when the record carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrq: Option<Sixteenths>,
    /// Received signal strength over the whole carrier, dBm, when the record carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rssi: Option<Sixteenths>,
}

/// What a measurement record says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MeasurementKind {
    /// The serving cell's signal.
    Serving(CellSignal),
    /// Neighbour cells' signals on one carrier.
    Neighbours {
        /// The cells, as many as the record holds (bounded by the reader).
        cells: Vec<CellSignal>,
    },
    /// A random access response's timing advance: the round-trip delay the cell measured,
    /// in units of 16 Ts (about 78 m of distance each, TS 36.213 4.2.3).
    TimingAdvance {
        /// The 11-bit timing advance command of the random access response (0 to 1282).
        value: u16,
    },
}

/// One measurement record of a capture.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Measurement {
    /// Byte offset of the record's frame in the input file.
    pub offset: u64,
    /// Capture time, when the container records one.
    pub time: Option<CaptureTime>,
    /// Radio access technology.
    pub rat: Rat,
    /// What was measured.
    pub kind: MeasurementKind,
}

/// Container format of an input, detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaptureFormat {
    /// Qualcomm DIAG log stream, HDLC framed (`.qmdl`, `.mi2log`, `/dev/diag`).
    Qmdl,
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    Pcapng,
}

impl CaptureFormat {
    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureFormat::Qmdl => "qmdl",
            CaptureFormat::Pcap => "pcap",
            CaptureFormat::Pcapng => "pcapng",
        }
    }
}

/// Counters a reader keeps while reading, for the per-file summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// Bytes consumed from the input.
    pub bytes: u64,
    /// Frames (HDLC frames or pcap packets) seen, good or bad.
    pub frames: u64,
    /// Radio messages yielded.
    pub messages: u64,
    /// Damaged regions reported.
    pub damaged_regions: u64,
    /// Measurement records (signal levels, timing advance) yielded.
    pub measurements: u64,
    /// Records or packets that were intact but carry nothing the decoders read, by what they
    /// are (e.g. `diag log 0xB193`, `gsmtap type 0x0c`, `non-gsmtap packet`).
    pub skipped: BTreeMap<String, u64>,
}

/// Most distinct descriptions [`ReadSummary::skipped`] keeps; later ones are counted under
/// [`OTHER_SKIPPED`]. Descriptions can come from the input (pcapng block types are 32 bits), so
/// without a bound a crafted file could grow the summary with its own length.
pub const MAX_SKIPPED_KINDS: usize = 256;

/// Key under which skipped records beyond [`MAX_SKIPPED_KINDS`] descriptions are counted.
pub const OTHER_SKIPPED: &str = "other (too many kinds to list)";

impl ReadSummary {
    /// Count one skipped record of the given description.
    pub fn skip(&mut self, what: impl Into<String> + AsRef<str>) {
        if let Some(n) = self.skipped.get_mut(what.as_ref()) {
            *n += 1;
            return;
        }
        let key = if self.skipped.len() < MAX_SKIPPED_KINDS {
            what.into()
        } else {
            OTHER_SKIPPED.to_string()
        };
        *self.skipped.entry(key).or_insert(0) += 1;
    }

    /// Total of skipped records.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_kinds_are_bounded() {
        let mut s = ReadSummary::default();
        for i in 0..(MAX_SKIPPED_KINDS as u32 + 1000) {
            s.skip(format!("pcapng block type {i:#x}"));
        }
        s.skip("pcapng block type 0x0");
        assert_eq!(s.skipped.len(), MAX_SKIPPED_KINDS + 1);
        assert_eq!(s.skipped.get(OTHER_SKIPPED), Some(&1000));
        assert_eq!(s.skipped.get("pcapng block type 0x0"), Some(&2));
        assert_eq!(s.skipped_total(), MAX_SKIPPED_KINDS as u64 + 1001);
    }

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(CaptureTime(0).to_rfc3339(), "1970-01-01T00:00:00.000000Z");
        // 1749222138 s is 2025-06-06T15:02:18Z.
        assert_eq!(
            CaptureTime(1_749_222_138_123_456).to_rfc3339(),
            "2025-06-06T15:02:18.123456Z"
        );
        assert_eq!(CaptureTime(-1).to_rfc3339(), "1969-12-31T23:59:59.999999Z");
    }
}

/// How much a finding should worry the person reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no action needed.
    Info,
    /// Unusual, most likely harmless; look if other findings point the same way.
    Low,
    /// Matches an attack pattern; has benign explanations that should be checked.
    Medium,
    /// Several independent signs of an attack, or one that real networks do not produce.
    High,
}

impl Severity {
    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// One level up, saturating at High.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium | Severity::High => Severity::High,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
