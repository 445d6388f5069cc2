//! UMTS RRC (TS 25.331): the fields detection needs, read from unaligned PER bytes by hand.
//!
//! Why by hand and not generated: rasn-compiler 0.16 turns the 25.331 modules (1.5 MB of
//! ASN.1, 2.4 times the LTE module) into 5.4 MB of Rust, and that crate then has to build in
//! CI next to the generated LTE and NR crates, on 2 cores, in debug and for armv7 (the
//! measurements are in `docs/architecture.md`). Detection reads a few dozen fields of a
//! dozen messages, all in the first bits of their message, so this crate walks exactly those
//! bits: the message type of every channel; the RRC Connection Request's initial UE identity
//! and establishment cause; RRC Connection Reject and Release with their redirection; Security
//! Mode Command's ciphering (UEA) and integrity (UIA) algorithms; the NAS message of the direct
//! transfers; Paging Type 1's identities; the master information block's PLMN and SIB3's cell
//! identity; the SIBs and SIB segments of the BCH's system information ([`sib`], which also
//! joins segments). Anything past what is read is left alone, so later-release extensions
//! never make a message fail; a message whose read fields are damaged is an error value, never
//! a panic.
//!
//! [`build`] writes the same messages, for the scenario builder and the tests.

#![forbid(unsafe_code)]

pub mod build;
pub mod per;
pub mod sib;

use per::BitReader;
use serde::Serialize;
use stingwatch_model::UmtsRrcChannel;

/// Most NAS octets a direct transfer carries (`NAS-Message ::= OCTET STRING (SIZE (1..4095))`).
pub const MAX_NAS_OCTETS: usize = 4095;
/// Most paging records of a Paging Type 1 (maxPage1).
pub const MAX_PAGING_RECORDS: usize = 8;
/// Longest PDU read; the longest UMTS RRC messages (capability information) stay far below.
pub const MAX_PDU_OCTETS: usize = 8192;

/// Why a UMTS RRC PDU could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UmtsRrcError {
    /// The PDU ended inside a field.
    #[error("UMTS RRC PDU ends inside {what} (bit {bit})")]
    Truncated {
        /// Field being read.
        what: &'static str,
        /// Bit position.
        bit: usize,
    },
    /// A constrained number above its upper bound.
    #[error("UMTS RRC {what} out of range ({value})")]
    OutOfRange {
        /// Field being read.
        what: &'static str,
        /// Value read.
        value: u32,
    },
    /// A PDU longer than [`MAX_PDU_OCTETS`].
    #[error("UMTS RRC PDU of {0} octets is over the limit")]
    TooLong(usize),
}

/// Identity of the phone in an RRC Connection Request (`InitialUE-Identity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitialIdentity {
    /// The permanent subscriber identity (IMSI digits).
    Imsi(String),
    /// A TMSI with the location area it was given in.
    TmsiAndLai {
        /// Temporary identity.
        tmsi: u32,
        /// Location area.
        lai: Lai,
    },
    /// A packet TMSI with its routing area.
    PtmsiAndRai {
        /// Temporary identity.
        ptmsi: u32,
        /// Location area of the routing area.
        lai: Lai,
        /// Routing area code.
        rac: u8,
    },
    /// The equipment identity (IMEI digits).
    Imei(String),
    /// An ANSI-41 identity (ESN, IMSI-DS-41, TMSI-DS-41), by its choice index.
    Ansi41(u8),
}

/// Location area identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lai {
    /// Network.
    pub plmn: Plmn,
    /// Location area code.
    pub lac: u16,
}

/// PLMN identity as decimal digit strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plmn {
    /// Mobile country code.
    pub mcc: String,
    /// Mobile network code (2 or 3 digits).
    pub mnc: String,
}

/// Where a reject or release sends the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Redirection {
    /// Another UMTS carrier (downlink UARFCN).
    Utra {
        /// Downlink UARFCN.
        uarfcn: u16,
    },
    /// GSM.
    Gsm,
}

/// An identity a Paging Type 1 record pages with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PagedIdentity {
    /// IMSI.
    Imsi,
    /// TMSI.
    Tmsi,
    /// P-TMSI.
    Ptmsi,
    /// An ANSI-41 identity.
    Ansi41,
    /// A connected phone paged by its U-RNTI.
    UtranIdentity,
}

/// What this crate reads from a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "content", rename_all = "kebab-case")]
pub enum Content {
    /// Only the message type is read.
    None,
    /// RRC Connection Request.
    ConnectionRequest {
        /// Initial UE identity.
        identity: InitialIdentity,
        /// Establishment cause (index of the 25.331 enumeration).
        cause: u8,
    },
    /// RRC Connection Reject.
    ConnectionReject {
        /// Wait time in seconds.
        wait_time: u8,
        /// Redirection, when given.
        redirection: Option<Redirection>,
    },
    /// RRC Connection Release (CCCH or DCCH).
    ConnectionRelease {
        /// Release cause (index of the 25.331 enumeration), when the form is read.
        cause: Option<u8>,
        /// Redirection, when given (and reachable: see [`Content::ConnectionRelease`] notes).
        redirection: Option<Redirection>,
    },
    /// Security Mode Command.
    SecurityModeCommand {
        /// Ciphering algorithm commanded: 0 UEA0 (none), 1 UEA1, 2 UEA2.
        cipher: Option<u8>,
        /// Integrity algorithm: 1 UIA1, 2 UIA2 (UMTS has no null integrity).
        integrity: Option<u8>,
        /// Packet-switched domain (else circuit-switched).
        ps_domain: bool,
    },
    /// A direct transfer: the NAS message it carries.
    DirectTransfer {
        /// NAS message (MM, GMM, CC, SM, SMS as TS 24.008 has it).
        nas: Vec<u8>,
        /// Packet-switched domain.
        ps_domain: bool,
    },
    /// Paging Type 1.
    Paging {
        /// Identities paged, in order (read until the first record this crate cannot walk).
        identities: Vec<PagedIdentity>,
    },
    /// Master information block.
    Mib {
        /// Network, for GSM-MAP cells.
        plmn: Option<Plmn>,
    },
    /// System information block type 3.
    Sib3 {
        /// Cell identity (28 bits).
        cell_id: u32,
    },
    /// A BCCH-BCH system information message: SIBs whole or in segments, which
    /// [`sib::SibReassembler`] joins.
    SystemInformation {
        /// SFN prime (the cell's system frame number halved).
        sfn_prime: u16,
        /// Index of the segment combination ([`sib::payload_name`]).
        payload: u8,
        /// SIBs and segments, in the order the message carries them.
        segments: Vec<sib::SibSegment>,
    },
}

/// A UMTS RRC message as far as this crate reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UmtsRrcMessage {
    /// Channel or single message type it was decoded as.
    pub channel: UmtsRrcChannel,
    /// 3GPP name of the message (e.g. `rrcConnectionRequest`, the ASN.1 choice name).
    pub name: &'static str,
    /// The message carried integrity check info (a MAC) in its header.
    pub integrity_checked: bool,
    /// Fields read.
    pub content: Content,
}

const UL_CCCH: [&str; 4] = [
    "cellUpdate",
    "rrcConnectionRequest",
    "uraUpdate",
    "uL-CCCH-MessageType-r11",
];
const DL_CCCH: [&str; 8] = [
    "cellUpdateConfirm",
    "rrcConnectionReject",
    "rrcConnectionRelease",
    "rrcConnectionSetup",
    "uraUpdateConfirm",
    "dummy",
    "spare2",
    "spare1",
];
const DL_DCCH: [&str; 32] = [
    "activeSetUpdate",
    "assistanceDataDelivery",
    "cellChangeOrderFromUTRAN",
    "cellUpdateConfirm",
    "counterCheck",
    "downlinkDirectTransfer",
    "handoverFromUTRANCommand-GSM",
    "handoverFromUTRANCommand-CDMA2000",
    "measurementControl",
    "pagingType2",
    "physicalChannelReconfiguration",
    "physicalSharedChannelAllocation",
    "radioBearerReconfiguration",
    "radioBearerRelease",
    "radioBearerSetup",
    "rrcConnectionRelease",
    "securityModeCommand",
    "signallingConnectionRelease",
    "transportChannelReconfiguration",
    "transportFormatCombinationControl",
    "ueCapabilityEnquiry",
    "ueCapabilityInformationConfirm",
    "uplinkPhysicalChannelControl",
    "uraUpdateConfirm",
    "utranMobilityInformation",
    "handoverFromUTRANCommand-GERANIu",
    "mbmsModifiedServicesInformation",
    "etwsPrimaryNotificationWithSecurity",
    "handoverFromUTRANCommand-EUTRA",
    "ueInformationRequest",
    "loggingMeasurementConfiguration",
    "spare1",
];
const UL_DCCH: [&str; 32] = [
    "activeSetUpdateComplete",
    "activeSetUpdateFailure",
    "cellChangeOrderFromUTRANFailure",
    "counterCheckResponse",
    "handoverToUTRANComplete",
    "initialDirectTransfer",
    "handoverFromUTRANFailure",
    "measurementControlFailure",
    "measurementReport",
    "physicalChannelReconfigurationComplete",
    "physicalChannelReconfigurationFailure",
    "radioBearerReconfigurationComplete",
    "radioBearerReconfigurationFailure",
    "radioBearerReleaseComplete",
    "radioBearerReleaseFailure",
    "radioBearerSetupComplete",
    "radioBearerSetupFailure",
    "rrcConnectionReleaseComplete",
    "rrcConnectionSetupComplete",
    "rrcStatus",
    "securityModeComplete",
    "securityModeFailure",
    "signallingConnectionReleaseIndication",
    "transportChannelReconfigurationComplete",
    "transportChannelReconfigurationFailure",
    "transportFormatCombinationControlFailure",
    "ueCapabilityInformation",
    "uplinkDirectTransfer",
    "utranMobilityInformationConfirm",
    "utranMobilityInformationFailure",
    "mbmsModificationRequest",
    "ul-DCCH-MessageType-ext",
];
const BCCH_FACH: [&str; 4] = [
    "systemInformation",
    "systemInformationChangeIndication",
    "spare2",
    "spare1",
];

/// Index of a message in [`UL_DCCH`] / [`DL_DCCH`] / the CCCH tables, named for the builder.
pub mod index {
    /// UL-CCCH rrcConnectionRequest.
    pub const UL_CCCH_CONNECTION_REQUEST: u32 = 1;
    /// DL-CCCH rrcConnectionReject.
    pub const DL_CCCH_CONNECTION_REJECT: u32 = 1;
    /// DL-CCCH rrcConnectionRelease.
    pub const DL_CCCH_CONNECTION_RELEASE: u32 = 2;
    /// DL-CCCH rrcConnectionSetup.
    pub const DL_CCCH_CONNECTION_SETUP: u32 = 3;
    /// DL-DCCH downlinkDirectTransfer.
    pub const DL_DCCH_DIRECT_TRANSFER: u32 = 5;
    /// DL-DCCH rrcConnectionRelease.
    pub const DL_DCCH_CONNECTION_RELEASE: u32 = 15;
    /// DL-DCCH securityModeCommand.
    pub const DL_DCCH_SECURITY_MODE_COMMAND: u32 = 16;
    /// UL-DCCH initialDirectTransfer.
    pub const UL_DCCH_INITIAL_DIRECT_TRANSFER: u32 = 5;
    /// UL-DCCH rrcConnectionSetupComplete.
    pub const UL_DCCH_CONNECTION_SETUP_COMPLETE: u32 = 18;
    /// UL-DCCH securityModeComplete.
    pub const UL_DCCH_SECURITY_MODE_COMPLETE: u32 = 20;
    /// UL-DCCH securityModeFailure.
    pub const UL_DCCH_SECURITY_MODE_FAILURE: u32 = 21;
    /// UL-DCCH uplinkDirectTransfer.
    pub const UL_DCCH_UPLINK_DIRECT_TRANSFER: u32 = 27;
}

/// Reads a UMTS RRC PDU of `channel`.
pub fn decode(channel: UmtsRrcChannel, pdu: &[u8]) -> Result<UmtsRrcMessage, UmtsRrcError> {
    if pdu.len() > MAX_PDU_OCTETS {
        return Err(UmtsRrcError::TooLong(pdu.len()));
    }
    let mut r = BitReader::new(pdu);
    let mut integrity_checked = false;
    // Every CCCH and DCCH message starts with optional integrity check info: a 32-bit MAC and
    // a 4-bit sequence number.
    if matches!(
        channel,
        UmtsRrcChannel::UlCcch
            | UmtsRrcChannel::DlCcch
            | UmtsRrcChannel::UlDcch
            | UmtsRrcChannel::DlDcch
    ) {
        integrity_checked = r.bit("integrityCheckInfo presence")?;
        if integrity_checked {
            r.skip(36, "integrityCheckInfo")?;
        }
    }
    let (name, content) = match channel {
        UmtsRrcChannel::UlCcch => {
            let i = r.upto(3, "UL-CCCH message type")?;
            let content = if i == index::UL_CCCH_CONNECTION_REQUEST {
                connection_request(&mut r)?
            } else {
                Content::None
            };
            (pick(&UL_CCCH, i), content)
        }
        UmtsRrcChannel::DlCcch => {
            let i = r.upto(7, "DL-CCCH message type")?;
            let content = match i {
                index::DL_CCCH_CONNECTION_REJECT => connection_reject(&mut r)?,
                index::DL_CCCH_CONNECTION_RELEASE => connection_release(&mut r, true)?,
                _ => Content::None,
            };
            (pick(&DL_CCCH, i), content)
        }
        UmtsRrcChannel::DlDcch => {
            let i = r.upto(31, "DL-DCCH message type")?;
            let content = match i {
                index::DL_DCCH_DIRECT_TRANSFER => downlink_direct_transfer(&mut r)?,
                index::DL_DCCH_CONNECTION_RELEASE => connection_release(&mut r, false)?,
                index::DL_DCCH_SECURITY_MODE_COMMAND => security_mode_command(&mut r)?,
                _ => Content::None,
            };
            (pick(&DL_DCCH, i), content)
        }
        UmtsRrcChannel::UlDcch => {
            let i = r.upto(31, "UL-DCCH message type")?;
            let content = match i {
                index::UL_DCCH_INITIAL_DIRECT_TRANSFER => initial_direct_transfer(&mut r)?,
                index::UL_DCCH_UPLINK_DIRECT_TRANSFER => uplink_direct_transfer(&mut r)?,
                _ => Content::None,
            };
            (pick(&UL_DCCH, i), content)
        }
        UmtsRrcChannel::Pcch => {
            let i = r.upto(1, "PCCH message type")?;
            if i == 0 {
                ("pagingType1", paging_type1(&mut r)?)
            } else {
                ("spare", Content::None)
            }
        }
        UmtsRrcChannel::BcchFach => {
            let i = r.upto(3, "BCCH-FACH message type")?;
            (pick(&BCCH_FACH, i), Content::None)
        }
        UmtsRrcChannel::BcchBch => ("systemInformation", sib::system_information_bch(&mut r)?),
        UmtsRrcChannel::Single(16) => ("masterInformationBlock", mib(&mut r)?),
        UmtsRrcChannel::Single(19) => ("sysInfoType3", sib3(&mut r)?),
        other => (other.as_str(), Content::None),
    };
    Ok(UmtsRrcMessage {
        channel,
        name,
        integrity_checked,
        content,
    })
}

fn pick(table: &[&'static str], i: u32) -> &'static str {
    table.get(i as usize).copied().unwrap_or("unknown")
}

fn plmn(r: &mut BitReader<'_>) -> Result<Plmn, UmtsRrcError> {
    Ok(Plmn {
        mcc: r.digits(3, 3, "MCC")?,
        mnc: r.digits(2, 3, "MNC")?,
    })
}

fn lai(r: &mut BitReader<'_>) -> Result<Lai, UmtsRrcError> {
    Ok(Lai {
        plmn: plmn(r)?,
        lac: u16::try_from(r.bits(16, "LAC")?).unwrap_or(0),
    })
}

fn initial_identity(r: &mut BitReader<'_>) -> Result<InitialIdentity, UmtsRrcError> {
    Ok(match r.upto(7, "InitialUE-Identity")? {
        0 => InitialIdentity::Imsi(r.digits(6, 21, "IMSI")?),
        1 => InitialIdentity::TmsiAndLai {
            tmsi: r.bits(32, "TMSI")?,
            lai: lai(r)?,
        },
        2 => InitialIdentity::PtmsiAndRai {
            ptmsi: r.bits(32, "P-TMSI")?,
            lai: lai(r)?,
            rac: u8::try_from(r.bits(8, "RAC")?).unwrap_or(0),
        },
        3 => {
            let mut s = String::with_capacity(15);
            for _ in 0..15 {
                let d = r.upto(15, "IMEI digit")?;
                s.push(char::from_digit(d, 16).unwrap_or('?'));
            }
            InitialIdentity::Imei(s)
        }
        other => {
            // ANSI-41 identities: the ESN is 32 bits, IMSI-DS-41 5-7 octets, both together,
            // TMSI-DS-41 2-17 octets.
            match other {
                4 => r.skip(32, "ESN")?,
                5 => {
                    let n = 5 + r.upto(2, "IMSI-DS-41 length")? as usize;
                    r.skip(n * 8, "IMSI-DS-41")?;
                }
                6 => {
                    let n = 5 + r.upto(2, "IMSI-DS-41 length")? as usize;
                    r.skip(n * 8 + 32, "IMSI and ESN")?;
                }
                _ => {
                    let n = 2 + r.upto(15, "TMSI-DS-41 length")? as usize;
                    r.skip(n * 8, "TMSI-DS-41")?;
                }
            }
            InitialIdentity::Ansi41(u8::try_from(other).unwrap_or(u8::MAX))
        }
    })
}

fn connection_request(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    // Presence of measuredResultsOnRACH and the non-critical extensions.
    r.skip(2, "RRCConnectionRequest presence")?;
    let identity = initial_identity(r)?;
    let cause = r.upto(31, "establishmentCause")?;
    Ok(Content::ConnectionRequest {
        identity,
        cause: u8::try_from(cause).unwrap_or(u8::MAX),
    })
}

fn frequency_info(r: &mut BitReader<'_>) -> Result<Redirection, UmtsRrcError> {
    let uarfcn = if r.bit("FrequencyInfo mode")? {
        r.upto(16383, "uarfcn-Nt")?
    } else {
        if r.bit("uarfcn-UL presence")? {
            r.skip(14, "uarfcn-UL")?;
        }
        r.upto(16383, "uarfcn-DL")?
    };
    Ok(Redirection::Utra {
        uarfcn: u16::try_from(uarfcn).unwrap_or(0),
    })
}

fn connection_reject(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    if r.bit("RRCConnectionReject form")? {
        // later-than-r3 carries nothing more that is read.
        return Ok(Content::ConnectionReject {
            wait_time: 0,
            redirection: None,
        });
    }
    r.skip(1, "laterNonCriticalExtensions presence")?;
    let has_redirection = r.bit("redirectionInfo presence")?;
    initial_identity(r)?;
    r.skip(2 + 1, "transaction id, rejection cause")?;
    let wait_time = u8::try_from(r.bits(4, "waitTime")?).unwrap_or(0);
    let redirection = if has_redirection {
        Some(if r.bit("RedirectionInfo")? {
            Redirection::Gsm
        } else {
            frequency_info(r)?
        })
    } else {
        None
    };
    Ok(Content::ConnectionReject {
        wait_time,
        redirection,
    })
}

/// Reads an unconstrained length determinant (X.691 10.9, unaligned).
fn length_determinant(r: &mut BitReader<'_>, what: &'static str) -> Result<usize, UmtsRrcError> {
    if !r.bit(what)? {
        return Ok(r.bits(7, what)? as usize);
    }
    if !r.bit(what)? {
        return Ok(r.bits(14, what)? as usize);
    }
    // Fragmented lengths (16K and more) never occur in these messages.
    Err(UmtsRrcError::OutOfRange { what, value: 3 })
}

fn connection_release(r: &mut BitReader<'_>, ccch: bool) -> Result<Content, UmtsRrcError> {
    if r.bit("RRCConnectionRelease form")? {
        // The later-than-r3 forms (r4, r5) are named but not walked.
        return Ok(Content::ConnectionRelease {
            cause: None,
            redirection: None,
        });
    }
    let has_later = r.bit("laterNonCriticalExtensions presence")?;
    if ccch {
        r.skip(32, "u-RNTI")?;
    }
    let has_n308 = r.bit("n-308 presence")?;
    let has_rplmn = r.bit("rplmn-information presence")?;
    r.skip(2, "rrc-TransactionIdentifier")?;
    if has_n308 {
        r.skip(3, "n-308")?;
    }
    let cause = u8::try_from(r.bits(3, "releaseCause")?).unwrap_or(0);
    // The redirection (Rel-6) sits in the extensions after the RPLMN information, which this
    // crate does not walk; such a release is reported without its redirection.
    let mut redirection = None;
    if has_later && !has_rplmn {
        let has_add_ext = r.bit("r3-add-ext presence")?;
        let has_v690 = r.bit("v690NonCriticalExtensions presence")?;
        if has_add_ext {
            let n = length_determinant(r, "r3-add-ext length")?;
            r.skip(n, "r3-add-ext")?;
        }
        if has_v690 {
            r.skip(1, "v770NonCriticalExtensions presence")?;
            if r.bit("redirectionInfo-v690ext presence")? {
                redirection = Some(if r.bit("RedirectionInfo-r6")? {
                    Redirection::Gsm
                } else {
                    frequency_info(r)?
                });
            }
        }
    }
    Ok(Content::ConnectionRelease {
        cause: Some(cause),
        redirection,
    })
}

fn skip_ciphering_tail(
    r: &mut BitReader<'_>,
    has_activation: bool,
    has_rb_list: bool,
) -> Result<(), UmtsRrcError> {
    if has_activation {
        r.skip(8, "activationTimeForDPCH")?;
    }
    if has_rb_list {
        let n = 1 + r.upto(31, "RB-ActivationTimeInfoList size")? as usize;
        r.skip(n * (5 + 12), "RB-ActivationTimeInfoList")?;
    }
    Ok(())
}

fn skip_integrity_command(r: &mut BitReader<'_>) -> Result<(), UmtsRrcError> {
    if r.bit("IntegrityProtectionModeCommand")? {
        let n = 4 + r.upto(1, "RRC-MessageSequenceNumberList size")? as usize;
        r.skip(n * 4, "RRC-MessageSequenceNumberList")
    } else {
        r.skip(32, "integrityProtInitNumber")
    }
}

fn security_mode_command(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    let later = r.bit("SecurityModeCommand form")?;
    if later {
        r.skip(2, "rrc-TransactionIdentifier")?;
        if r.bit("criticalExtensions")? {
            return Ok(Content::SecurityModeCommand {
                cipher: None,
                integrity: None,
                ps_domain: false,
            });
        }
        // r7: presence of the two trailing components.
        r.skip(2, "r7 presence")?;
    } else {
        r.skip(1, "laterNonCriticalExtensions presence")?;
    }
    let has_cipher = r.bit("cipheringModeInfo presence")?;
    let has_integrity = r.bit("integrityProtectionModeInfo presence")?;
    r.skip(1, "ue-SystemSpecificSecurityCap presence")?;
    if !later {
        r.skip(2, "rrc-TransactionIdentifier")?;
    }
    r.skip(32, "securityCapability")?;
    let mut cipher = None;
    if has_cipher {
        let has_activation = r.bit("activationTimeForDPCH presence")?;
        let has_rb_list = r.bit("rb-DL-CiphActivationTimeInfo presence")?;
        if later {
            cipher = Some(r.upto(2, "CipheringAlgorithm-r7")?);
        } else if !r.bit("CipheringModeCommand")? {
            cipher = Some(u32::from(r.bit("CipheringAlgorithm")?));
        }
        skip_ciphering_tail(r, has_activation, has_rb_list)?;
    }
    let mut integrity = None;
    if has_integrity {
        let has_algorithm = r.bit("integrityProtectionAlgorithm presence")?;
        skip_integrity_command(r)?;
        if has_algorithm {
            // Release 3 knows UIA1 alone (no bits); release 7 adds UIA2.
            integrity = Some(if later {
                1 + u32::from(r.bit("IntegrityProtectionAlgorithm-r7")?)
            } else {
                1
            });
        }
    }
    let ps_domain = r.bit("cn-DomainIdentity")?;
    Ok(Content::SecurityModeCommand {
        cipher: cipher.and_then(|c| u8::try_from(c).ok()),
        integrity: integrity.and_then(|c| u8::try_from(c).ok()),
        ps_domain,
    })
}

fn nas_message(r: &mut BitReader<'_>) -> Result<Vec<u8>, UmtsRrcError> {
    let n = 1 + r.upto(4094, "NAS-Message length")? as usize;
    r.octets(n.min(MAX_NAS_OCTETS), "NAS-Message")
}

fn downlink_direct_transfer(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    if r.bit("DownlinkDirectTransfer form")? {
        return Ok(Content::None);
    }
    r.skip(1 + 2, "presence, rrc-TransactionIdentifier")?;
    let ps_domain = r.bit("cn-DomainIdentity")?;
    Ok(Content::DirectTransfer {
        nas: nas_message(r)?,
        ps_domain,
    })
}

fn initial_direct_transfer(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    r.skip(2, "InitialDirectTransfer presence")?;
    let ps_domain = r.bit("cn-DomainIdentity")?;
    // IntraDomainNasNodeSelector.
    if r.bit("IDNNS version")? {
        r.skip(15, "futurecoding")?;
    } else if r.bit("IDNNS cn-Type")? {
        r.skip(14, "Ansi-41-IDNNS")?;
    } else {
        r.skip(3 + 10 + 1, "Gsm-map-IDNNS")?;
    }
    Ok(Content::DirectTransfer {
        nas: nas_message(r)?,
        ps_domain,
    })
}

fn uplink_direct_transfer(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    r.skip(2, "UplinkDirectTransfer presence")?;
    let ps_domain = r.bit("cn-DomainIdentity")?;
    Ok(Content::DirectTransfer {
        nas: nas_message(r)?,
        ps_domain,
    })
}

fn paging_type1(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    let has_list = r.bit("pagingRecordList presence")?;
    r.skip(2, "PagingType1 presence")?;
    let mut identities = Vec::new();
    if has_list {
        let n = 1 + r.upto(7, "PagingRecordList size")? as usize;
        for _ in 0..n.min(MAX_PAGING_RECORDS) {
            if r.bit("PagingRecord")? {
                // A U-RNTI record; what follows it is not walked.
                identities.push(PagedIdentity::UtranIdentity);
                break;
            }
            r.skip(3 + 1, "pagingCause, cn-DomainIdentity")?;
            let id = match r.upto(7, "CN-PagedUE-Identity")? {
                0 => {
                    r.digits(6, 21, "IMSI")?;
                    PagedIdentity::Imsi
                }
                1 => {
                    r.skip(32, "TMSI")?;
                    PagedIdentity::Tmsi
                }
                2 => {
                    r.skip(32, "P-TMSI")?;
                    PagedIdentity::Ptmsi
                }
                3 => {
                    let n = 5 + r.upto(2, "IMSI-DS-41 length")? as usize;
                    r.skip(n * 8, "IMSI-DS-41")?;
                    PagedIdentity::Ansi41
                }
                4 => {
                    let n = 2 + r.upto(15, "TMSI-DS-41 length")? as usize;
                    r.skip(n * 8, "TMSI-DS-41")?;
                    PagedIdentity::Ansi41
                }
                _ => PagedIdentity::Ansi41,
            };
            identities.push(id);
        }
    }
    Ok(Content::Paging { identities })
}

fn mib(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    r.skip(1 + 3, "v690 presence, mib-ValueTag")?;
    let plmn = match r.upto(3, "PLMN-Type")? {
        0 | 2 => Some(plmn(r)?),
        _ => None,
    };
    Ok(Content::Mib { plmn })
}

fn sib3(r: &mut BitReader<'_>) -> Result<Content, UmtsRrcError> {
    r.skip(1 + 1, "v4b0 presence, sib4indicator")?;
    Ok(Content::Sib3 {
        cell_id: r.bits(28, "cellIdentity")?,
    })
}
