//! Encoders of the NR RRC messages the test scenarios need (UPER, as a base station or phone
//! sends them). Only for building labeled test recordings; nothing here transmits.

use stingwatch_nr_rrc_asn1 as asn;
use stingwatch_nr_rrc_asn1::rasn::types::{BitString, FixedBitString, OctetString};
use stingwatch_nr_rrc_asn1::Uper;

use crate::{NrRedirect, NrRrcChannel};

/// One encoded PDU and the channel it goes on.
pub type EncodedPdu = (NrRrcChannel, Vec<u8>);

/// Why a message could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot encode NR RRC message: {}", self.0)
    }
}

impl std::error::Error for BuildError {}

fn encode<T: Uper>(channel: NrRrcChannel, m: &T) -> Result<EncodedPdu, BuildError> {
    m.encode_uper()
        .map(|b| (channel, b))
        .map_err(|e| BuildError(e.to_string()))
}

fn bits(value: u64, width: usize) -> BitString {
    (0..width).rev().map(|i| (value >> i) & 1 == 1).collect()
}

fn fixed<const N: usize>(value: u64) -> FixedBitString<N> {
    let mut b = FixedBitString::<N>::default();
    for i in 0..N {
        b.set(i, (value >> (N - 1 - i)) & 1 == 1);
    }
    b
}

fn digits(text: &str) -> Result<Vec<asn::MCCMNCDigit>, BuildError> {
    text.chars()
        .map(|c| {
            c.to_digit(10)
                .and_then(|d| u8::try_from(d).ok())
                .map(asn::MCCMNCDigit)
                .ok_or_else(|| BuildError(format!("not a digit in {text}")))
        })
        .collect()
}

/// SIB1 of a cell of `mcc`-`mnc` with tracking area `tac` (24 bits) and NR cell identity
/// `cell_id` (36 bits).
pub fn sib1(mcc: &str, mnc: &str, tac: u32, cell_id: u64) -> Result<EncodedPdu, BuildError> {
    let plmn = asn::PLMNIdentity::new(Some(asn::MCC(digits(mcc)?)), asn::MNC(digits(mnc)?));
    let info = asn::PLMNIdentityInfo::new(
        vec![plmn],
        Some(asn::TrackingAreaCode(fixed::<24>(u64::from(tac)))),
        None,
        asn::CellIdentity(fixed::<36>(cell_id)),
        asn::PLMNIdentityInfoCellReservedForOperatorUse::notReserved,
        None,
        None,
        None,
    );
    let access =
        asn::CellAccessRelatedInfo::new(asn::PLMNIdentityInfoList(vec![info]), None, None, None);
    let sib1 = asn::SIB1::new(
        None, access, None, None, None, None, None, None, None, None, None, None,
    );
    let m = asn::BCCHDLSCHMessage::new(asn::BCCHDLSCHMessageType::c1(
        asn::BCCHDLSCHMessageTypeC1::systemInformationBlockType1(sib1),
    ));
    encode(NrRrcChannel::BcchDlSch, &m)
}

/// RRCSetupRequest with a random identity; `emergency` selects the emergency cause, otherwise
/// mo-Signalling.
pub fn setup_request(emergency: bool) -> Result<EncodedPdu, BuildError> {
    let cause = if emergency {
        asn::EstablishmentCause::emergency
    } else {
        asn::EstablishmentCause::mo_Signalling
    };
    let ies = asn::RRCSetupRequestIEs::new(
        asn::InitialUEIdentity::randomValue(bits(0x12_3456_789a, 39)),
        cause,
        bits(0, 1),
    );
    let m = asn::ULCCCHMessage::new(asn::ULCCCHMessageType::c1(
        asn::ULCCCHMessageTypeC1::rrcSetupRequest(asn::RRCSetupRequest::new(ies)),
    ));
    encode(NrRrcChannel::UlCcch, &m)
}

/// RRCSetup with an empty radio bearer and cell group configuration.
pub fn setup() -> Result<EncodedPdu, BuildError> {
    let rb = asn::RadioBearerConfig::new(None, None, None, None, None, None, None);
    let ies = asn::RRCSetupIEs::new(rb, OctetString::from_slice(&[]), None, None);
    let m = asn::DLCCCHMessage::new(asn::DLCCCHMessageType::c1(
        asn::DLCCCHMessageTypeC1::rrcSetup(asn::RRCSetup::new(
            asn::RRCTransactionIdentifier(0),
            asn::RRCSetupCriticalExtensions::rrcSetup(ies),
        )),
    ));
    encode(NrRrcChannel::DlCcch, &m)
}

/// RRCSetupComplete carrying the 5GS NAS message `nas`.
pub fn setup_complete(nas: &[u8]) -> Result<EncodedPdu, BuildError> {
    let ies = asn::RRCSetupCompleteIEs::new(
        1,
        None,
        None,
        None,
        asn::DedicatedNASMessage(OctetString::from_slice(nas)),
        None,
        None,
        None,
    );
    let m = asn::ULDCCHMessage::new(asn::ULDCCHMessageType::c1(
        asn::ULDCCHMessageTypeC1::rrcSetupComplete(asn::RRCSetupComplete::new(
            asn::RRCTransactionIdentifier(0),
            asn::RRCSetupCompleteCriticalExtensions::rrcSetupComplete(ies),
        )),
    ));
    encode(NrRrcChannel::UlDcch, &m)
}

/// DLInformationTransfer carrying the 5GS NAS message `nas`.
pub fn dl_information_transfer(nas: &[u8]) -> Result<EncodedPdu, BuildError> {
    let ies = asn::DLInformationTransferIEs::new(
        Some(asn::DedicatedNASMessage(OctetString::from_slice(nas))),
        None,
        None,
    );
    let m = asn::DLDCCHMessage::new(asn::DLDCCHMessageType::c1(
        asn::DLDCCHMessageTypeC1::dlInformationTransfer(asn::DLInformationTransfer::new(
            asn::RRCTransactionIdentifier(2),
            asn::DLInformationTransferCriticalExtensions::dlInformationTransfer(ies),
        )),
    ));
    encode(NrRrcChannel::DlDcch, &m)
}

/// ULInformationTransfer carrying the 5GS NAS message `nas`.
pub fn ul_information_transfer(nas: &[u8]) -> Result<EncodedPdu, BuildError> {
    let ies = asn::ULInformationTransferIEs::new(
        Some(asn::DedicatedNASMessage(OctetString::from_slice(nas))),
        None,
        None,
    );
    let m = asn::ULDCCHMessage::new(asn::ULDCCHMessageType::c1(
        asn::ULDCCHMessageTypeC1::ulInformationTransfer(asn::ULInformationTransfer::new(
            asn::ULInformationTransferCriticalExtensions::ulInformationTransfer(ies),
        )),
    ));
    encode(NrRrcChannel::UlDcch, &m)
}

fn cipher(n: u8) -> Result<asn::CipheringAlgorithm, BuildError> {
    Ok(match n {
        0 => asn::CipheringAlgorithm::nea0,
        1 => asn::CipheringAlgorithm::nea1,
        2 => asn::CipheringAlgorithm::nea2,
        3 => asn::CipheringAlgorithm::nea3,
        _ => return Err(BuildError(format!("no NEA{n}"))),
    })
}

fn integrity(n: u8) -> Result<asn::IntegrityProtAlgorithm, BuildError> {
    Ok(match n {
        0 => asn::IntegrityProtAlgorithm::nia0,
        1 => asn::IntegrityProtAlgorithm::nia1,
        2 => asn::IntegrityProtAlgorithm::nia2,
        3 => asn::IntegrityProtAlgorithm::nia3,
        _ => return Err(BuildError(format!("no NIA{n}"))),
    })
}

/// SecurityModeCommand selecting NEA`nea` and NIA`nia`.
pub fn security_mode_command(nea: u8, nia: u8) -> Result<EncodedPdu, BuildError> {
    let alg = asn::SecurityAlgorithmConfig::new(cipher(nea)?, Some(integrity(nia)?));
    let ies = asn::SecurityModeCommandIEs::new(asn::SecurityConfigSMC::new(alg), None, None);
    let m = asn::DLDCCHMessage::new(asn::DLDCCHMessageType::c1(
        asn::DLDCCHMessageTypeC1::securityModeCommand(asn::SecurityModeCommand::new(
            asn::RRCTransactionIdentifier(1),
            asn::SecurityModeCommandCriticalExtensions::securityModeCommand(ies),
        )),
    ));
    encode(NrRrcChannel::DlDcch, &m)
}

/// SecurityModeComplete.
pub fn security_mode_complete() -> Result<EncodedPdu, BuildError> {
    let m = asn::ULDCCHMessage::new(asn::ULDCCHMessageType::c1(
        asn::ULDCCHMessageTypeC1::securityModeComplete(asn::SecurityModeComplete::new(
            asn::RRCTransactionIdentifier(1),
            asn::SecurityModeCompleteCriticalExtensions::securityModeComplete(
                asn::SecurityModeCompleteIEs::new(None, None),
            ),
        )),
    ));
    encode(NrRrcChannel::UlDcch, &m)
}

/// RRCRelease, redirecting when `redirect` says where.
pub fn release(redirect: Option<NrRedirect>) -> Result<EncodedPdu, BuildError> {
    let info = redirect.map(|r| match r {
        NrRedirect::Nr { arfcn } => asn::RedirectedCarrierInfo::nr(asn::CarrierInfoNR::new(
            asn::ARFCNValueNR(arfcn),
            asn::SubcarrierSpacing::kHz30,
            None,
        )),
        NrRedirect::Eutra { earfcn } => asn::RedirectedCarrierInfo::eutra(
            asn::RedirectedCarrierInfoEUTRA::new(asn::ARFCNValueEUTRA(earfcn), None),
        ),
    });
    let ies = asn::RRCReleaseIEs::new(info, None, None, None, None, None);
    let m = asn::DLDCCHMessage::new(asn::DLDCCHMessageType::c1(
        asn::DLDCCHMessageTypeC1::rrcRelease(asn::RRCRelease::new(
            asn::RRCTransactionIdentifier(2),
            asn::RRCReleaseCriticalExtensions::rrcRelease(ies),
        )),
    ));
    encode(NrRrcChannel::DlDcch, &m)
}
