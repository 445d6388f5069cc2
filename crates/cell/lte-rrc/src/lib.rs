//! LTE RRC decoder: one PDU on a logical channel in, the message name, the fields detection
//! needs ([`RrcSummary`]) and the embedded NAS PDUs out.
//!
//! Decoding is UPER over the types generated from TS 36.331 (`stingwatch-lte-rrc-asn1`).
//! Every input may come from a hostile transmitter: the size is bounded by [`MAX_RRC_PDU`],
//! every failure is an [`RrcError`] value, and nothing here indexes or unwraps input-derived
//! data.

#![forbid(unsafe_code)]

mod bits;
pub mod build;
mod name;
mod summary;
mod walk;

use std::fmt;

use stingwatch_lte_rrc_asn1 as asn;
pub use stingwatch_model::LteRrcChannel;
pub use summary::{
    CnDomain, EutraCarrier, FreqBandPriority, GeranBand, GeranCarrierSet, HandoverTarget,
    IdleModePriorities, NrCarrier, PagingIdentity, PagingRecord, Plmn, RedirectTarget, RrcSummary,
    STmsi, UtraCarrier,
};

/// Largest RRC PDU accepted, in bytes. The largest LTE RRC messages (UE capability
/// information) stay well below this; anything bigger is refused before decoding so memory
/// and time per message stay bounded.
pub const MAX_RRC_PDU: usize = 8192;

/// A decoded LTE RRC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrcMessage {
    /// Channel the PDU was decoded on.
    pub channel: LteRrcChannel,
    /// 3GPP message name as protocol analyzers show it (e.g. `SystemInformationBlockType1`).
    pub name: &'static str,
    /// The fields detection reads.
    pub summary: RrcSummary,
    /// Every dedicatedInfoNAS the message carries, in order.
    pub nas_pdus: Vec<Vec<u8>>,
}

/// Why a PDU could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RrcError {
    /// The PDU has no bytes.
    Empty,
    /// The PDU is larger than [`MAX_RRC_PDU`].
    TooLong {
        /// Length of the PDU in bytes.
        len: usize,
    },
    /// The channel's message set is not part of the generated module (NB-IoT channels).
    UnsupportedChannel(LteRrcChannel),
    /// The bytes are not a valid UPER encoding of the channel's message type.
    Malformed {
        /// Channel the PDU was decoded on.
        channel: LteRrcChannel,
        /// What the UPER decoder reported.
        reason: String,
    },
}

impl fmt::Display for RrcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RrcError::Empty => f.write_str("empty LTE RRC PDU"),
            RrcError::TooLong { len } => write!(
                f,
                "LTE RRC PDU of {len} bytes exceeds the {MAX_RRC_PDU}-byte limit"
            ),
            RrcError::UnsupportedChannel(c) => {
                write!(f, "LTE RRC channel {} is not supported", c.as_str())
            }
            RrcError::Malformed { channel, reason } => {
                write!(f, "malformed {} PDU: {reason}", channel.as_str())
            }
        }
    }
}

impl std::error::Error for RrcError {}

/// Decodes one LTE RRC PDU received on `channel`.
///
/// Trailing bytes after the message (system information is zero padded to the transport
/// block) are ignored.
pub fn decode(channel: LteRrcChannel, bytes: &[u8]) -> Result<RrcMessage, RrcError> {
    if bytes.is_empty() {
        return Err(RrcError::Empty);
    }
    if bytes.len() > MAX_RRC_PDU {
        return Err(RrcError::TooLong { len: bytes.len() });
    }
    let mut out = RrcMessage {
        channel,
        name: "",
        summary: RrcSummary::default(),
        nas_pdus: Vec::new(),
    };
    match channel {
        LteRrcChannel::BcchBch => {
            let m: asn::BCCHBCHMessage = uper(channel, bytes)?;
            out.name = "MasterInformationBlock";
            summary::mib(&m.message.0, &mut out.summary);
        }
        LteRrcChannel::BcchDlSch => {
            let m: asn::BCCHDLSCHMessage = uper(channel, bytes)?;
            out.name = name::bcch_dl_sch(&m.message);
            summary::bcch_dl_sch(&m.message, &mut out.summary);
        }
        LteRrcChannel::BcchDlSchBr => {
            let m: asn::BCCHDLSCHMessageBR = uper(channel, bytes)?;
            out.name = name::bcch_dl_sch_br(&m.message);
            summary::bcch_dl_sch_br(&m.message, &mut out.summary);
        }
        LteRrcChannel::BcchBchMbms => {
            let _m: asn::BCCHBCHMessageMBMS = uper(channel, bytes)?;
            out.name = "MasterInformationBlock-MBMS-r14";
        }
        LteRrcChannel::BcchDlSchMbms => {
            let m: asn::BCCHDLSCHMessageMBMS = uper(channel, bytes)?;
            out.name = name::bcch_dl_sch_mbms(&m.message);
        }
        LteRrcChannel::Pcch => {
            let m: asn::PCCHMessage = uper(channel, bytes)?;
            out.name = name::pcch(&m.message);
            summary::pcch(&m.message, &mut out.summary);
        }
        LteRrcChannel::DlCcch => {
            let m: asn::DLCCCHMessage = uper(channel, bytes)?;
            out.name = name::dl_ccch(&m.message);
            summary::dl_ccch(&m.message, &mut out);
        }
        LteRrcChannel::DlDcch => {
            let m: asn::DLDCCHMessage = uper(channel, bytes)?;
            out.name = name::dl_dcch(&m.message);
            summary::dl_dcch(&m.message, &mut out);
        }
        LteRrcChannel::UlCcch => {
            let m: asn::ULCCCHMessage = uper(channel, bytes)?;
            out.name = name::ul_ccch(&m.message);
            summary::ul_ccch(&m.message, &mut out);
        }
        LteRrcChannel::UlDcch => {
            let m: asn::ULDCCHMessage = uper(channel, bytes)?;
            out.name = name::ul_dcch(&m.message);
            summary::ul_dcch(&m.message, &mut out);
        }
        LteRrcChannel::Mcch => {
            let m: asn::MCCHMessage = uper(channel, bytes)?;
            out.name = name::mcch(&m.message);
        }
        LteRrcChannel::ScMcch => {
            let m: asn::SCMCCHMessageR13 = uper(channel, bytes)?;
            out.name = name::sc_mcch(&m.message);
        }
        LteRrcChannel::BcchBchNb
        | LteRrcChannel::BcchDlSchNb
        | LteRrcChannel::PcchNb
        | LteRrcChannel::DlCcchNb
        | LteRrcChannel::DlDcchNb
        | LteRrcChannel::UlCcchNb
        | LteRrcChannel::UlDcchNb => return Err(RrcError::UnsupportedChannel(channel)),
    }
    Ok(out)
}

/// Decodes one LTE RRC PDU for detection: the same [`RrcMessage`] as [`decode`], read by a
/// hand-written walker for the frequent simple messages (no decoded tree is built) and by the
/// generated decoder for everything else, every error included.
pub fn decode_for_detection(channel: LteRrcChannel, bytes: &[u8]) -> Result<RrcMessage, RrcError> {
    if bytes.is_empty() {
        return Err(RrcError::Empty);
    }
    if bytes.len() > MAX_RRC_PDU {
        return Err(RrcError::TooLong { len: bytes.len() });
    }
    match walk::walk(channel, bytes) {
        Some(m) => Ok(m),
        None => decode(channel, bytes),
    }
}

/// The walker alone: `Some` exactly when it reads the message itself (the answer then equals
/// [`decode`]'s), `None` when it leaves the message to the generated decoder. For tests and
/// benchmarks that hold the two paths to each other.
pub fn walk_only(channel: LteRrcChannel, bytes: &[u8]) -> Option<RrcMessage> {
    if bytes.is_empty() || bytes.len() > MAX_RRC_PDU {
        return None;
    }
    walk::walk(channel, bytes)
}

/// UPER-decodes `T`, ignoring trailing padding.
fn uper<T: asn::Uper>(channel: LteRrcChannel, bytes: &[u8]) -> Result<T, RrcError> {
    T::decode_uper(bytes).map_err(|e| RrcError::Malformed {
        channel,
        reason: first_line(&e.to_string()),
    })
}

/// The decoder's error text can span lines (with a backtrace note); reports want one line.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hex to bytes for test vectors.
    fn h(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    // Test vectors: RRC PDUs (GSMTAP payload after the 16-byte header) from
    // shared/captures/rayhunter-traces/1749222138-goodsim.pcap (BSD-2-Clause, a commercial
    // network seen by a phone-network hotspot); frame numbers as tshark numbers them.

    /// Frame 1: SIB1 of PLMN 311-480, TAC 37124, band 5, SIB24 scheduled in the v12j0 list.
    const SIB1: &str = "484c469019104239562592008221030898434d83e526492a0300c052593c8000";
    /// Frame 15: RRCConnectionRequest, random identity, mo-Signalling.
    const CONNECTION_REQUEST: &str = "5f2acf243f86";
    /// Frame 121: SecurityModeCommand EEA1 / EIA2.
    const SECURITY_MODE_COMMAND: &str = "300120";
    /// Frame 54: Paging of three S-TMSIs.
    const PAGING: &str = "41015d4fc7ed301ee54fafa401ed5cb3a100";
    /// Frame 18: DLInformationTransfer carrying an Attach Reject.
    const DL_INFO_TRANSFER: &str = "0800183a2078";
    /// 1741896393-deadsim.pcap frame 26: RRCConnectionRelease, cause other.
    const RELEASE: &str = "2802";

    #[test]
    fn sib1_fields() {
        let m = decode(LteRrcChannel::BcchDlSch, &h(SIB1)).unwrap();
        assert_eq!(m.name, "SystemInformationBlockType1");
        let s = &m.summary;
        assert_eq!(
            s.plmns,
            vec![Plmn {
                mcc: "311".into(),
                mnc: "480".into()
            }]
        );
        assert_eq!(s.tac, Some(37124));
        assert_eq!(s.cell_identity, Some(37_312_037));
        assert_eq!(s.cell_barred, Some(false));
        assert_eq!(s.freq_band, Some(5));
        assert_eq!(s.scheduled_sibs, vec![2, 3, 5, 4, 24]);
        assert_eq!(s.si_window_ms, Some(20));
        assert!(m.nas_pdus.is_empty());
    }

    #[test]
    fn connection_request_fields() {
        let m = decode(LteRrcChannel::UlCcch, &h(CONNECTION_REQUEST)).unwrap();
        assert_eq!(m.name, "RRCConnectionRequest");
        assert_eq!(m.summary.establishment_cause, Some("mo-Signalling"));
        assert_eq!(m.summary.ue_identity_type, Some("randomValue"));
        assert_eq!(m.summary.s_tmsi, None);
    }

    #[test]
    fn security_mode_command_algorithms() {
        let m = decode(LteRrcChannel::DlDcch, &h(SECURITY_MODE_COMMAND)).unwrap();
        assert_eq!(m.name, "SecurityModeCommand");
        assert_eq!(m.summary.ciphering_algorithm, Some(1));
        assert_eq!(m.summary.integrity_algorithm, Some(2));
    }

    #[test]
    fn paging_identities() {
        let m = decode(LteRrcChannel::Pcch, &h(PAGING)).unwrap();
        assert_eq!(m.name, "Paging");
        let ids: Vec<_> = m
            .summary
            .paging_records
            .iter()
            .map(|r| &r.identity)
            .collect();
        assert_eq!(
            ids,
            vec![
                &PagingIdentity::STmsi(STmsi {
                    mmec: 0x15,
                    m_tmsi: 0xd4fc_7ed3
                }),
                &PagingIdentity::STmsi(STmsi {
                    mmec: 0x1e,
                    m_tmsi: 0xe54f_afa4
                }),
                &PagingIdentity::STmsi(STmsi {
                    mmec: 0x1e,
                    m_tmsi: 0xd5cb_3a10
                }),
            ]
        );
        assert!(m
            .summary
            .paging_records
            .iter()
            .all(|r| r.cn_domain == CnDomain::Ps));
        assert_eq!(m.summary.system_info_modification, Some(false));
    }

    #[test]
    fn dl_information_transfer_nas() {
        let m = decode(LteRrcChannel::DlDcch, &h(DL_INFO_TRANSFER)).unwrap();
        assert_eq!(m.name, "DLInformationTransfer");
        // EMM Attach Reject (0x44), cause 15 "no suitable cells in tracking area".
        assert_eq!(m.nas_pdus, vec![vec![0x07, 0x44, 0x0f]]);
    }

    #[test]
    fn release_cause() {
        let m = decode(LteRrcChannel::DlDcch, &h(RELEASE)).unwrap();
        assert_eq!(m.name, "RRCConnectionRelease");
        assert_eq!(m.summary.release_cause, Some("other"));
        assert_eq!(m.summary.redirect, None);
    }

    #[test]
    fn zero_padding_after_the_message_is_ignored() {
        let mut padded = h(SIB1);
        padded.extend_from_slice(&[0; 40]);
        let m = decode(LteRrcChannel::BcchDlSch, &padded).unwrap();
        assert_eq!(m.summary.tac, Some(37124));
    }

    #[test]
    fn pdu_of_max_rrc_pdu_is_decoded_and_one_byte_more_is_too_long() {
        let mut padded = h(SIB1);
        padded.resize(MAX_RRC_PDU, 0);
        let m = decode(LteRrcChannel::BcchDlSch, &padded).unwrap();
        assert_eq!(m.summary.tac, Some(37124));
        padded.push(0);
        assert_eq!(
            decode(LteRrcChannel::BcchDlSch, &padded),
            Err(RrcError::TooLong {
                len: MAX_RRC_PDU + 1
            })
        );
    }

    #[test]
    fn refuses_empty_oversized_truncated_and_nb_iot() {
        assert_eq!(decode(LteRrcChannel::Pcch, &[]), Err(RrcError::Empty));
        let big = vec![0u8; MAX_RRC_PDU + 1];
        assert_eq!(
            decode(LteRrcChannel::Pcch, &big),
            Err(RrcError::TooLong {
                len: MAX_RRC_PDU + 1
            })
        );
        let sib1 = h(SIB1);
        let e = decode(LteRrcChannel::BcchDlSch, &sib1[..4]).unwrap_err();
        assert!(matches!(e, RrcError::Malformed { .. }), "{e:?}");
        assert!(!e.to_string().is_empty());
        assert_eq!(
            decode(LteRrcChannel::PcchNb, &[0]),
            Err(RrcError::UnsupportedChannel(LteRrcChannel::PcchNb))
        );
    }

    #[test]
    fn summary_serializes_only_present_fields() {
        let m = decode(LteRrcChannel::DlDcch, &h(SECURITY_MODE_COMMAND)).unwrap();
        let json = serde_json::to_string(&m.summary).unwrap();
        assert_eq!(json, r#"{"ciphering_algorithm":1,"integrity_algorithm":2}"#);
    }
}
