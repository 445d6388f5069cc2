//! Encoders of the NR RRC messages the test scenarios need (UPER, as a base station or phone
//! sends them). Only for building labeled test recordings; nothing here transmits.

use stingwatch_nr_rrc_asn1 as asn;
use stingwatch_nr_rrc_asn1::rasn::types::{BitString, FixedBitString, OctetString};
use stingwatch_nr_rrc_asn1::Uper;

use crate::{CarrierPriority, NrRedirect, NrRrcChannel};

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
    sib1_scheduling(mcc, mnc, tac, cell_id, &[])
}

/// [`sib1`] whose si-SchedulingInfo schedules the SIBs `sibs` (2 to 9) in one
/// SystemInformation message every 160 ms; none when `sibs` is empty.
pub fn sib1_scheduling(
    mcc: &str,
    mnc: &str,
    tac: u32,
    cell_id: u64,
    sibs: &[u8],
) -> Result<EncodedPdu, BuildError> {
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
    let scheduling = if sibs.is_empty() {
        None
    } else {
        Some(Box::new(si_scheduling(sibs)?))
    };
    let sib1 = asn::SIB1::new(
        None, access, None, scheduling, None, None, None, None, None, None, None, None,
    );
    let m = asn::BCCHDLSCHMessage::new(asn::BCCHDLSCHMessageType::c1(
        asn::BCCHDLSCHMessageTypeC1::systemInformationBlockType1(sib1),
    ));
    encode(NrRrcChannel::BcchDlSch, &m)
}

/// One SchedulingInfo mapping `sibs` to an SI message broadcast every 16 radio frames, in a
/// 20-slot window.
fn si_scheduling(sibs: &[u8]) -> Result<asn::SISchedulingInfo, BuildError> {
    use asn::SIBTypeInfoType as T;
    let mapping = sibs
        .iter()
        .map(|n| {
            let t = match n {
                2 => T::sibType2,
                3 => T::sibType3,
                4 => T::sibType4,
                5 => T::sibType5,
                6 => T::sibType6,
                7 => T::sibType7,
                8 => T::sibType8,
                9 => T::sibType9,
                _ => return Err(BuildError(format!("cannot schedule SIB{n}"))),
            };
            // valueTag is mandatory except for the warning SIBs 6, 7 and 8 (Cond SIB-TYPE).
            let tag = (!matches!(n, 6..=8)).then_some(0);
            Ok(asn::SIBTypeInfo::new(t, tag, None))
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    let info = asn::SchedulingInfo::new(
        asn::SchedulingInfoSiBroadcastStatus::broadcasting,
        asn::SchedulingInfoSiPeriodicity::rf16,
        asn::SIBMapping(mapping),
    );
    Ok(asn::SISchedulingInfo::new(
        vec![info],
        asn::SISchedulingInfoSiWindowLength::s20,
        None,
        None,
        None,
    ))
}

/// Highest cellReselectionPriority (CellReselectionPriority ::= INTEGER (0..7)).
const MAX_PRIORITY: u8 = 7;
/// Most carriers in one SIB4 or SIB5 list (maxFreq and maxEUTRA-Carrier, both 8).
const MAX_CARRIERS: usize = 8;
/// Bands whose SS/PBCH block uses 30 kHz only (TS 38.101-1 table 5.4.3.3-1); the FDD bands
/// this builder is used with use 15 kHz.
const SSB_30KHZ_BANDS: [u16; 3] = [77, 78, 79];

/// An NR carrier of another frequency, as SIB4 lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NrCarrier {
    /// NR-ARFCN of the SS/PBCH block.
    pub arfcn: u32,
    /// NR operating band (n78 is 78).
    pub band: u16,
    /// cellReselectionPriority; `None` leaves the field out (the phone does not reselect to
    /// the frequency on its own).
    pub priority: Option<u8>,
}

fn priority(p: Option<u8>) -> Result<Option<asn::CellReselectionPriority>, BuildError> {
    match p {
        Some(p) if p > MAX_PRIORITY => Err(BuildError(format!("priority {p} above 7"))),
        p => Ok(p.map(asn::CellReselectionPriority)),
    }
}

fn carrier_count(n: usize, list: &str) -> Result<(), BuildError> {
    if n > MAX_CARRIERS {
        return Err(BuildError(format!("{n} {list} carriers, at most 8")));
    }
    Ok(())
}

/// SIB2 of a cell whose own frequency has `serving_priority`; the thresholds are ordinary
/// values (TS 38.331 SIB2, TS 38.304 5.2.4).
fn sib2(serving_priority: u8) -> Result<asn::SIB2, BuildError> {
    let serving_priority = priority(Some(serving_priority))?
        .ok_or_else(|| BuildError("no serving priority".into()))?;
    let common = asn::SIB2CellReselectionInfoCommon::new(
        None,
        None,
        None,
        asn::SIB2CellReselectionInfoCommonQHyst::dB4,
        None,
    );
    let serving = asn::SIB2CellReselectionServingFreqInfo::new(
        // Search other frequencies below 20 dB above q-RxLevMin; leave for a lower priority
        // one below 8 dB.
        Some(asn::ReselectionThreshold(10)),
        None,
        asn::ReselectionThreshold(4),
        None,
        serving_priority,
        None,
    );
    let intra = asn::SIB2IntraFreqCellReselectionInfo::new(
        // -128 dBm (the value is in 2 dB steps).
        asn::QRxLevMin(-64),
        None,
        None,
        asn::ReselectionThreshold(22),
        None,
        asn::TReselection(1),
        None,
        None,
        None,
        None,
        None,
        None,
        true,
        None,
        None,
        None,
        None,
        None,
        None,
    );
    Ok(asn::SIB2::new(common, serving, intra, None, None))
}

/// SIB4 listing the NR carriers `nr`.
fn sib4(nr: &[NrCarrier]) -> Result<asn::SIB4, BuildError> {
    carrier_count(nr.len(), "NR")?;
    let list = nr
        .iter()
        .map(|c| {
            let band = asn::NRMultiBandInfo::new(Some(asn::FreqBandIndicatorNR(c.band)), None);
            let scs = if SSB_30KHZ_BANDS.contains(&c.band) {
                asn::SubcarrierSpacing::kHz30
            } else {
                asn::SubcarrierSpacing::kHz15
            };
            Ok(asn::InterFreqCarrierFreqInfo::new(
                asn::ARFCNValueNR(c.arfcn),
                // Mandatory present in SIB4 (condition Mandatory).
                Some(asn::MultiFrequencyBandListNRSIB(vec![band])),
                None,
                None,
                None,
                None,
                scs,
                None,
                true,
                None,
                asn::QRxLevMin(-64),
                None,
                None,
                None,
                asn::TReselection(1),
                None,
                asn::ReselectionThreshold(10),
                asn::ReselectionThreshold(6),
                None,
                priority(c.priority)?,
                None,
                None,
                None,
                None,
            ))
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    Ok(asn::SIB4::new(
        asn::InterFreqCarrierFreqList(list),
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ))
}

/// SIB5 listing the E-UTRA carriers `eutra` (EARFCN and priority each).
fn sib5(eutra: &[CarrierPriority]) -> Result<asn::SIB5, BuildError> {
    carrier_count(eutra.len(), "E-UTRA")?;
    let list = eutra
        .iter()
        .map(|c| {
            Ok(asn::CarrierFreqEUTRA::new(
                asn::ARFCNValueEUTRA(c.arfcn),
                None,
                None,
                None,
                asn::EUTRAAllowedMeasBandwidth::mbw100,
                asn::EUTRAPresenceAntennaPort1(true),
                priority(c.priority)?,
                None,
                asn::ReselectionThreshold(10),
                asn::ReselectionThreshold(6),
                // -128 dBm, -18 dB and 23 dBm: an ordinary LTE macro cell.
                -64,
                -18,
                23,
                None,
            ))
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    Ok(asn::SIB5::new(
        (!list.is_empty()).then_some(asn::CarrierFreqListEUTRA(list)),
        asn::TReselection(2),
        None,
        None,
        None,
        None,
        None,
    ))
}

/// A SystemInformation message with SIB2 (the serving frequency at `serving_priority`),
/// SIB4 listing `nr` (left out when empty) and SIB5 listing `eutra` (left out when empty):
/// the reselection priorities an NR cell broadcasts (TS 38.331 5.2.2, TS 38.304 5.2.4.1).
pub fn system_information(
    serving_priority: u8,
    nr: &[NrCarrier],
    eutra: &[CarrierPriority],
) -> Result<EncodedPdu, BuildError> {
    use asn::AnonymousSystemInformationIEsSibTypeAndInfo as Sib;
    let mut sibs = vec![Sib::sib2(sib2(serving_priority)?)];
    if !nr.is_empty() {
        sibs.push(Sib::sib4(sib4(nr)?));
    }
    if !eutra.is_empty() {
        sibs.push(Sib::sib5(sib5(eutra)?));
    }
    let ies =
        asn::SystemInformationIEs::new(asn::SystemInformationIEsSibTypeAndInfo(sibs), None, None);
    let m = asn::BCCHDLSCHMessage::new(asn::BCCHDLSCHMessageType::c1(
        asn::BCCHDLSCHMessageTypeC1::systemInformation(asn::SystemInformation::new(
            asn::SystemInformationCriticalExtensions::systemInformation(ies),
        )),
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
