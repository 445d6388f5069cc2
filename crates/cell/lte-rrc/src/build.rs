//! Encoders for the messages a scenario builder writes into labeled test captures.
//!
//! Each function returns the channel and the UPER bytes of one complete RRC PDU, ready to be
//! wrapped in GSMTAP or a DIAG record. Values outside the ranges TS 36.331 allows are
//! reported as [`BuildError`], never truncated. Fields a scenario does not choose get fixed,
//! plausible values (e.g. a 10 MHz cell, default timers).

use std::fmt;

use rasn::types::{BitString, FixedBitString};
use stingwatch_lte_rrc_asn1 as asn;

use crate::summary::MAX_EARFCN;
use crate::{
    EutraCarrier, GeranBand, GeranCarrierSet, IdleModePriorities, LteRrcChannel, PagingIdentity,
    PagingRecord, Plmn, RedirectTarget, STmsi, UtraCarrier,
};

/// One encoded PDU: the channel to send it on and its bytes.
pub type EncodedPdu = (LteRrcChannel, Vec<u8>);

/// Why a message could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot build LTE RRC message: {}", self.reason)
    }
}

impl std::error::Error for BuildError {}

fn err(reason: impl Into<String>) -> BuildError {
    BuildError {
        reason: reason.into(),
    }
}

fn encode<T: asn::Uper>(channel: LteRrcChannel, msg: &T) -> Result<EncodedPdu, BuildError> {
    msg.encode_uper()
        .map(|b| (channel, b))
        .map_err(|e| err(e.to_string()))
}

fn encode_nested<T: asn::Uper>(msg: &T) -> Result<rasn::types::OctetString, BuildError> {
    msg.encode_uper()
        .map(Into::into)
        .map_err(|e| err(e.to_string()))
}

fn in_range<T: PartialOrd + fmt::Display + Copy>(
    what: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result<T, BuildError> {
    if v < lo || v > hi {
        return Err(err(format!("{what} {v} outside {lo}..={hi}")));
    }
    Ok(v)
}

fn fixed_bits<const N: usize>(value: u64) -> FixedBitString<N> {
    let mut bits = FixedBitString::<N>::ZERO;
    for i in 0..N.min(64) {
        let shift = N - 1 - i;
        bits.set(i, shift < 64 && (value >> shift) & 1 == 1);
    }
    bits
}

fn bit_string(value: u64, len: usize) -> BitString {
    let mut b = BitString::new();
    for i in (0..len.min(64)).rev() {
        b.push((value >> i) & 1 == 1);
    }
    b
}

fn digits(what: &str, s: &str) -> Result<Vec<asn::MCCMNCDigit>, BuildError> {
    s.chars()
        .map(|c| {
            c.to_digit(10)
                .and_then(|d| u8::try_from(d).ok())
                .map(asn::MCCMNCDigit)
                .ok_or_else(|| err(format!("{what} {s:?} is not all digits")))
        })
        .collect()
}

fn priority(p: u8) -> Result<asn::CellReselectionPriority, BuildError> {
    in_range("cell reselection priority", p, 0, 7).map(asn::CellReselectionPriority)
}

fn opt_priority(p: Option<u8>) -> Result<Option<asn::CellReselectionPriority>, BuildError> {
    p.map(priority).transpose()
}

fn s_tmsi(t: &STmsi) -> asn::STMSI {
    asn::STMSI {
        mmec: asn::MMEC(fixed_bits::<8>(u64::from(t.mmec))),
        m_tmsi: bit_string(u64::from(t.m_tmsi), 32),
    }
}

fn geran_carriers(set: &GeranCarrierSet) -> Result<asn::CarrierFreqsGERAN, BuildError> {
    let arfcn = |a: u16| in_range("GERAN ARFCN", a, 0, 1023).map(asn::ARFCNValueGERAN);
    let following = set
        .arfcns
        .iter()
        .filter(|&&a| a != set.starting_arfcn)
        .map(|&a| arfcn(a))
        .collect::<Result<Vec<_>, _>>()?;
    if following.len() > 31 {
        return Err(err("more than 31 following GERAN ARFCNs"));
    }
    Ok(asn::CarrierFreqsGERAN {
        starting_arfcn: arfcn(set.starting_arfcn)?,
        band_indicator: match set.band {
            GeranBand::Dcs1800 => asn::BandIndicatorGERAN::dcs1800,
            GeranBand::Pcs1900 => asn::BandIndicatorGERAN::pcs1900,
        },
        following_arfcns: asn::CarrierFreqsGERANFollowingARFCNs::explicitListOfARFCNs(
            asn::ExplicitListOfARFCNs(following),
        ),
    })
}

/// Splits an EARFCN into the base field and, above 65535, the v9e0 extension value.
fn earfcn_parts(earfcn: u32) -> Result<(asn::ARFCNValueEUTRA, Option<u32>), BuildError> {
    in_range("EARFCN", earfcn, 0, 262_143)?;
    Ok(match u16::try_from(earfcn) {
        Ok(e) if e < MAX_EARFCN => (asn::ARFCNValueEUTRA(e), None),
        _ => (asn::ARFCNValueEUTRA(MAX_EARFCN), Some(earfcn)),
    })
}

// ---- BCCH ----

/// MasterInformationBlock for a cell of `dl_bandwidth_prbs` resource blocks (6, 15, 25, 50,
/// 75 or 100) at system frame number `sfn` (0..1023; the MIB carries its 8 high bits).
pub fn master_information_block(dl_bandwidth_prbs: u8, sfn: u16) -> Result<EncodedPdu, BuildError> {
    use asn::MasterInformationBlockDlBandwidth as B;
    let dl_bandwidth = match dl_bandwidth_prbs {
        6 => B::n6,
        15 => B::n15,
        25 => B::n25,
        50 => B::n50,
        75 => B::n75,
        100 => B::n100,
        other => return Err(err(format!("no LTE bandwidth of {other} resource blocks"))),
    };
    let sfn = in_range("system frame number", sfn, 0, 1023)?;
    let mib = asn::MasterInformationBlock {
        dl_bandwidth,
        phich_config: asn::PHICHConfig {
            phich_duration: asn::PHICHConfigPhichDuration::normal,
            phich_resource: asn::PHICHConfigPhichResource::one,
        },
        system_frame_number: bit_string(u64::from(sfn >> 2), 8),
        scheduling_info_sib1_br_r13: 0,
        system_info_unchanged_br_r15: false,
        part_earfcn_r17: asn::MasterInformationBlockPartEARFCNR17::spare(bit_string(0, 2)),
        spare: bit_string(0, 1),
    };
    encode(
        LteRrcChannel::BcchBch,
        &asn::BCCHBCHMessage::new(asn::BCCHBCHMessageType(mib)),
    )
}

/// What a SystemInformationBlockType1 announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sib1 {
    /// Broadcast PLMNs (1..6).
    pub plmns: Vec<Plmn>,
    /// Tracking area code.
    pub tac: u16,
    /// 28-bit cell identity.
    pub cell_identity: u32,
    /// Frequency band (1..256).
    pub freq_band: u16,
    /// SIB numbers scheduled besides SIB2 (3..29), each in its own SI message.
    pub scheduled_sibs: Vec<u8>,
    /// Whether the cell is barred.
    pub barred: bool,
}

fn sib_type(n: u8) -> Result<asn::SIBType, BuildError> {
    use asn::SIBType as T;
    Ok(match n {
        3 => T::sibType3,
        4 => T::sibType4,
        5 => T::sibType5,
        6 => T::sibType6,
        7 => T::sibType7,
        8 => T::sibType8,
        9 => T::sibType9,
        10 => T::sibType10,
        11 => T::sibType11,
        12 => T::sibType12_v920,
        13 => T::sibType13_v920,
        14 => T::sibType14_v1130,
        15 => T::sibType15_v1130,
        16 => T::sibType16_v1130,
        17 => T::sibType17_v1250,
        18 => T::sibType18_v1250,
        19 => T::sibType19_v1250,
        20 => T::sibType20_v1310,
        21 => T::sibType21_v1430,
        24 => T::sibType24_v1530,
        25 => T::sibType25_v1530,
        26 => T::sibType26_v1530,
        27 => T::sibType27_v1610,
        28 => T::sibType28_v1610,
        29 => T::sibType29_v1610,
        other => return Err(err(format!("SIB{other} cannot be scheduled in SIB1"))),
    })
}

/// SystemInformationBlockType1.
pub fn system_information_block_type1(sib1: &Sib1) -> Result<EncodedPdu, BuildError> {
    if sib1.plmns.is_empty() || sib1.plmns.len() > 6 {
        return Err(err("SIB1 needs 1..6 PLMNs"));
    }
    let plmns = sib1
        .plmns
        .iter()
        .map(|p| {
            let mcc = digits("MCC", &p.mcc)?;
            let mnc = digits("MNC", &p.mnc)?;
            if mcc.len() != 3 || !(2..=3).contains(&mnc.len()) {
                return Err(err(format!(
                    "PLMN {}-{} has the wrong length",
                    p.mcc, p.mnc
                )));
            }
            Ok(asn::PLMNIdentityInfo {
                plmn_identity: asn::PLMNIdentity {
                    mcc: Some(asn::MCC(mcc)),
                    mnc: asn::MNC(mnc),
                },
                cell_reserved_for_operator_use:
                    asn::PLMNIdentityInfoCellReservedForOperatorUse::notReserved,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cell_identity = in_range("cell identity", sib1.cell_identity, 0, (1 << 28) - 1)?;
    let band = in_range("frequency band", sib1.freq_band, 1, 256)?;
    // The first SI message carries SIB2 (implicitly); every other SIB gets its own.
    let mut scheduling = vec![asn::SchedulingInfo {
        si_periodicity: asn::SIPeriodicityR12::rf8,
        sib_mapping_info: asn::SIBMappingInfo(Vec::new()),
    }];
    for &n in &sib1.scheduled_sibs {
        if n == 2 {
            continue;
        }
        scheduling.push(asn::SchedulingInfo {
            si_periodicity: asn::SIPeriodicityR12::rf16,
            sib_mapping_info: asn::SIBMappingInfo(vec![sib_type(n)?]),
        });
    }
    if scheduling.len() > 32 {
        return Err(err("more than 32 SI messages"));
    }
    // Bands above 64 are signalled as 64 plus freqBandIndicator-v9e0 (65..256); 64 itself fits
    // the base field.
    let (base_band, non_critical_extension) = match u8::try_from(band) {
        Ok(b) if b <= 64 => (b, None),
        _ => {
            let v8h0 = asn::SystemInformationBlockType1V8h0IEs {
                multi_band_info_list: None,
                non_critical_extension: Some(Box::new(asn::SystemInformationBlockType1V9e0IEs {
                    freq_band_indicator_v9e0: Some(asn::FreqBandIndicatorV9e0(band)),
                    multi_band_info_list_v9e0: None,
                    non_critical_extension: None,
                })),
            };
            (
                64,
                Some(Box::new(asn::SystemInformationBlockType1V890IEs {
                    late_non_critical_extension: Some(encode_nested(&v8h0)?),
                    non_critical_extension: None,
                })),
            )
        }
    };
    let m = asn::SystemInformationBlockType1 {
        cell_access_related_info: asn::SystemInformationBlockType1CellAccessRelatedInfo {
            plmn_identity_list: asn::PLMNIdentityList(plmns),
            tracking_area_code: asn::TrackingAreaCode(fixed_bits::<16>(u64::from(sib1.tac))),
            cell_identity: asn::CellIdentity(fixed_bits::<28>(u64::from(cell_identity))),
            cell_barred: if sib1.barred {
                asn::SystemInformationBlockType1CellAccessRelatedInfoCellBarred::barred
            } else {
                asn::SystemInformationBlockType1CellAccessRelatedInfoCellBarred::notBarred
            },
            intra_freq_reselection:
                asn::SystemInformationBlockType1CellAccessRelatedInfoIntraFreqReselection::allowed,
            csg_indication: false,
            csg_identity: None,
        },
        cell_selection_info: asn::SystemInformationBlockType1CellSelectionInfo {
            q_rx_lev_min: asn::QRxLevMin(-64),
            q_rx_lev_min_offset: None,
        },
        p_max: None,
        freq_band_indicator: asn::FreqBandIndicator(base_band),
        scheduling_info_list: asn::SchedulingInfoList(scheduling),
        tdd_config: None,
        si_window_length: asn::SystemInformationBlockType1SiWindowLength::ms20,
        system_info_value_tag: 0,
        non_critical_extension,
    };
    encode(
        LteRrcChannel::BcchDlSch,
        &asn::BCCHDLSCHMessage::new(asn::BCCHDLSCHMessageType::c1(
            asn::BCCHDLSCHMessageTypeC1::systemInformationBlockType1(m),
        )),
    )
}

/// One system information block a SystemInformation message can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SibContent {
    /// SIB2 with common radio resource defaults.
    Sib2,
    /// SIB3 with the serving frequency's reselection priority (0..7).
    Sib3 {
        /// Cell reselection priority of the serving frequency.
        serving_priority: u8,
    },
    /// SIB5: inter-frequency E-UTRA carriers (1..8).
    Sib5 {
        /// Carriers and priorities.
        carriers: Vec<EutraCarrier>,
    },
    /// SIB6: UTRA FDD carriers (1..16).
    Sib6 {
        /// Carriers and priorities.
        utra_fdd: Vec<UtraCarrier>,
    },
    /// SIB7: GERAN carrier sets (1..16).
    Sib7 {
        /// Carrier sets and priorities.
        geran: Vec<GeranCarrierSet>,
    },
}

fn sib2() -> asn::SystemInformationBlockType2 {
    let rach = asn::RACHConfigCommon::new(
        asn::RACHConfigCommonPreambleInfo {
            number_of_ra_preambles: asn::RACHConfigCommonPreambleInfoNumberOfRAPreambles::n52,
            preambles_group_aconfig: None,
        },
        asn::PowerRampingParameters {
            power_ramping_step: asn::PowerRampingParametersPowerRampingStep::dB2,
            preamble_initial_received_target_power:
                asn::PowerRampingParametersPreambleInitialReceivedTargetPower::dBm_104,
        },
        asn::RACHConfigCommonRaSupervisionInfo {
            preamble_trans_max: asn::PreambleTransMax::n10,
            ra_response_window_size:
                asn::RACHConfigCommonRaSupervisionInfoRaResponseWindowSize::sf10,
            mac_contention_resolution_timer:
                asn::RACHConfigCommonRaSupervisionInfoMacContentionResolutionTimer::sf64,
        },
        5,
        None,
        None,
    );
    let radio = asn::RadioResourceConfigCommonSIB::new(
        rach,
        asn::BCCHConfig {
            modification_period_coeff: asn::BCCHConfigModificationPeriodCoeff::n4,
        },
        asn::PCCHConfig {
            default_paging_cycle: asn::PCCHConfigDefaultPagingCycle::rf128,
            n_b: asn::PCCHConfigNB::oneT,
        },
        asn::PRACHConfigSIB {
            root_sequence_index: 0,
            prach_config_info: prach_config_info(),
        },
        asn::PDSCHConfigCommon {
            reference_signal_power: 15,
            p_b: 1,
        },
        pusch_config_common(),
        asn::PUCCHConfigCommon {
            delta_pucch_shift: asn::PUCCHConfigCommonDeltaPUCCHShift::ds1,
            n_rb_cqi: 2,
            n_cs_an: 0,
            n1_pucch_an: 36,
        },
        asn::SoundingRSULConfigCommon::release(()),
        asn::UplinkPowerControlCommon {
            p0_nominal_pusch: -90,
            alpha: asn::AlphaR12::al08,
            p0_nominal_pucch: -110,
            delta_flist_pucch: asn::DeltaFListPUCCH {
                delta_f_pucch_format1: asn::DeltaFListPUCCHDeltaFPUCCHFormat1::deltaF0,
                delta_f_pucch_format1b: asn::DeltaFListPUCCHDeltaFPUCCHFormat1b::deltaF3,
                delta_f_pucch_format2: asn::DeltaFListPUCCHDeltaFPUCCHFormat2::deltaF0,
                delta_f_pucch_format2a: asn::DeltaFListPUCCHDeltaFPUCCHFormat2a::deltaF0,
                delta_f_pucch_format2b: asn::DeltaFListPUCCHDeltaFPUCCHFormat2b::deltaF0,
            },
            delta_preamble_msg3: 4,
        },
        asn::ULCyclicPrefixLength::len1,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    );
    let timers = asn::UETimersAndConstants::new(
        asn::UETimersAndConstantsT300::ms1000,
        asn::UETimersAndConstantsT301::ms1000,
        asn::UETimersAndConstantsT310::ms1000,
        asn::UETimersAndConstantsN310::n10,
        asn::UETimersAndConstantsT311::ms10000,
        asn::UETimersAndConstantsN311::n1,
        None,
        None,
        None,
    );
    asn::SystemInformationBlockType2::new(
        None,
        radio,
        timers,
        asn::SystemInformationBlockType2FreqInfo {
            ul_carrier_freq: None,
            ul_bandwidth: None,
            additional_spectrum_emission: asn::AdditionalSpectrumEmission(1),
        },
        None,
        asn::TimeAlignmentTimer::infinity,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    )
}

fn prach_config_info() -> asn::PRACHConfigInfo {
    asn::PRACHConfigInfo {
        prach_config_index: 3,
        high_speed_flag: false,
        zero_correlation_zone_config: 12,
        prach_freq_offset: 4,
    }
}

fn pusch_config_common() -> asn::PUSCHConfigCommon {
    asn::PUSCHConfigCommon {
        pusch_config_basic: asn::PUSCHConfigCommonPuschConfigBasic {
            n_sb: 1,
            hopping_mode: asn::PUSCHConfigCommonPuschConfigBasicHoppingMode::interSubFrame,
            pusch_hopping_offset: 4,
            enable64_qam: false,
        },
        ul_reference_signals_pusch: asn::ULReferenceSignalsPUSCH {
            group_hopping_enabled: false,
            group_assignment_pusch: 0,
            sequence_hopping_enabled: false,
            cyclic_shift: 0,
        },
    }
}

fn sib3(serving_priority: u8) -> Result<asn::SystemInformationBlockType3, BuildError> {
    Ok(asn::SystemInformationBlockType3::new(
        asn::SystemInformationBlockType3CellReselectionInfoCommon {
            q_hyst: asn::SystemInformationBlockType3CellReselectionInfoCommonQHyst::dB4,
            speed_state_reselection_pars: None,
        },
        asn::SystemInformationBlockType3CellReselectionServingFreqInfo {
            s_non_intra_search: None,
            thresh_serving_low: asn::ReselectionThreshold(2),
            cell_reselection_priority: priority(serving_priority)?,
        },
        asn::SystemInformationBlockType3IntraFreqCellReselectionInfo {
            q_rx_lev_min: asn::QRxLevMin(-64),
            p_max: None,
            s_intra_search: None,
            allowed_meas_bandwidth: None,
            presence_antenna_port1: asn::PresenceAntennaPort1(true),
            neigh_cell_config: asn::NeighCellConfig(fixed_bits::<2>(1)),
            t_reselection_eutra: asn::TReselection(1),
            t_reselection_eutra_sf: None,
        },
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ))
}

fn sib5(carriers: &[EutraCarrier]) -> Result<asn::SystemInformationBlockType5, BuildError> {
    if carriers.is_empty() || carriers.len() > 8 {
        return Err(err("SIB5 needs 1..8 carriers"));
    }
    let mut list = Vec::new();
    let mut v9e0 = Vec::new();
    for c in carriers {
        let (base, ext) = earfcn_parts(c.earfcn)?;
        v9e0.push(asn::InterFreqCarrierFreqInfoV9e0 {
            dl_carrier_freq_v9e0: ext.map(asn::ARFCNValueEUTRAV9e0),
            multi_band_info_list_v9e0: None,
        });
        list.push(asn::InterFreqCarrierFreqInfo::new(
            base,
            asn::QRxLevMin(-64),
            None,
            asn::TReselection(1),
            None,
            asn::ReselectionThreshold(10),
            asn::ReselectionThreshold(5),
            asn::AllowedMeasBandwidth::mbw50,
            asn::PresenceAntennaPort1(true),
            opt_priority(c.priority)?,
            asn::NeighCellConfig(fixed_bits::<2>(1)),
            None,
            None,
            None,
            None,
            None,
        ));
    }
    // Carriers above 65535 need the parallel v9e0 list in the late extension.
    let late = if v9e0.iter().any(|e| e.dl_carrier_freq_v9e0.is_some()) {
        Some(encode_nested(&asn::SystemInformationBlockType5V8h0IEs {
            inter_freq_carrier_freq_list_v8h0: None,
            non_critical_extension: Some(Box::new(asn::SystemInformationBlockType5V9e0IEs {
                inter_freq_carrier_freq_list_v9e0: Some(v9e0),
                non_critical_extension: None,
            })),
        })?)
    } else {
        None
    };
    Ok(asn::SystemInformationBlockType5::new(
        asn::InterFreqCarrierFreqList(list),
        late,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ))
}

fn sib6(utra_fdd: &[UtraCarrier]) -> Result<asn::SystemInformationBlockType6, BuildError> {
    if utra_fdd.is_empty() || utra_fdd.len() > 16 {
        return Err(err("SIB6 needs 1..16 UTRA FDD carriers"));
    }
    let list = utra_fdd
        .iter()
        .map(|c| {
            Ok(asn::CarrierFreqUTRAFDD::new(
                asn::ARFCNValueUTRA(in_range("UARFCN", c.uarfcn, 0, 16383)?),
                opt_priority(c.priority)?,
                asn::ReselectionThreshold(10),
                asn::ReselectionThreshold(5),
                -58,
                24,
                -18,
                None,
            ))
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    Ok(asn::SystemInformationBlockType6::new(
        Some(asn::CarrierFreqListUTRAFDD(list)),
        None,
        asn::TReselection(1),
        None,
        None,
        None,
    ))
}

fn sib7(geran: &[GeranCarrierSet]) -> Result<asn::SystemInformationBlockType7, BuildError> {
    if geran.is_empty() || geran.len() > 16 {
        return Err(err("SIB7 needs 1..16 GERAN carrier sets"));
    }
    let list = geran
        .iter()
        .map(|g| {
            Ok(asn::CarrierFreqsInfoGERAN::new(
                geran_carriers(g)?,
                asn::CarrierFreqsInfoGERANCommonInfo {
                    cell_reselection_priority: opt_priority(g.priority)?,
                    ncc_permitted: bit_string(0xff, 8),
                    q_rx_lev_min: 0,
                    p_max_geran: None,
                    thresh_x_high: asn::ReselectionThreshold(10),
                    thresh_x_low: asn::ReselectionThreshold(5),
                },
            ))
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    Ok(asn::SystemInformationBlockType7::new(
        asn::TReselection(1),
        None,
        Some(asn::CarrierFreqsInfoListGERAN(list)),
        None,
    ))
}

/// SystemInformation carrying the given SIBs in order (1..32).
pub fn system_information(sibs: &[SibContent]) -> Result<EncodedPdu, BuildError> {
    use asn::AnonymousSystemInformationR8IEsSibTypeAndInfo as Sib;
    if sibs.is_empty() || sibs.len() > 32 {
        return Err(err("SystemInformation needs 1..32 SIBs"));
    }
    let items = sibs
        .iter()
        .map(|s| {
            Ok(match s {
                SibContent::Sib2 => Sib::sib2(sib2()),
                SibContent::Sib3 { serving_priority } => Sib::sib3(sib3(*serving_priority)?),
                SibContent::Sib5 { carriers } => Sib::sib5(sib5(carriers)?),
                SibContent::Sib6 { utra_fdd } => Sib::sib6(sib6(utra_fdd)?),
                SibContent::Sib7 { geran } => Sib::sib7(sib7(geran)?),
            })
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    let si = asn::SystemInformation {
        critical_extensions: asn::SystemInformationCriticalExtensions::systemInformation_r8(
            asn::SystemInformationR8IEs {
                sib_type_and_info: asn::SystemInformationR8IEsSibTypeAndInfo(items),
                non_critical_extension: None,
            },
        ),
    };
    encode(
        LteRrcChannel::BcchDlSch,
        &asn::BCCHDLSCHMessage::new(asn::BCCHDLSCHMessageType::c1(
            asn::BCCHDLSCHMessageTypeC1::systemInformation(si),
        )),
    )
}

// ---- PCCH ----

/// Paging with the given records (0..16) and flags.
pub fn paging(
    records: &[PagingRecord],
    system_info_modification: bool,
) -> Result<EncodedPdu, BuildError> {
    if records.len() > 16 {
        return Err(err("more than 16 paging records"));
    }
    let list = records
        .iter()
        .map(|r| {
            let ue_identity = match &r.identity {
                PagingIdentity::STmsi(t) => asn::PagingUEIdentity::s_TMSI(s_tmsi(t)),
                PagingIdentity::Imsi(d) => {
                    let ds = d
                        .chars()
                        .map(|c| {
                            c.to_digit(10)
                                .and_then(|x| u8::try_from(x).ok())
                                .map(asn::IMSIDigit)
                                .ok_or_else(|| err(format!("IMSI {d:?} is not all digits")))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    if !(6..=21).contains(&ds.len()) {
                        return Err(err("IMSI needs 6..21 digits"));
                    }
                    asn::PagingUEIdentity::imsi(asn::IMSI(ds))
                }
                PagingIdentity::Ng5gSTmsi(v) => {
                    asn::PagingUEIdentity::ng_5G_S_TMSI_r15(asn::NG5GSTMSIR15(fixed_bits::<48>(*v)))
                }
                PagingIdentity::FullIRnti(v) => {
                    asn::PagingUEIdentity::fullI_RNTI_r15(asn::IRNTIR15(fixed_bits::<40>(*v)))
                }
            };
            Ok(asn::PagingRecord::new(
                ue_identity,
                match r.cn_domain {
                    crate::CnDomain::Ps => asn::PagingRecordCnDomain::ps,
                    crate::CnDomain::Cs => asn::PagingRecordCnDomain::cs,
                },
            ))
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    let p = asn::Paging {
        paging_record_list: (!list.is_empty()).then_some(asn::PagingRecordList(list)),
        system_info_modification: system_info_modification
            .then_some(asn::PagingSystemInfoModification::R_true),
        etws_indication: None,
        non_critical_extension: None,
    };
    encode(
        LteRrcChannel::Pcch,
        &asn::PCCHMessage::new(asn::PCCHMessageType::c1(asn::PCCHMessageTypeC1::paging(p))),
    )
}

// ---- CCCH ----

/// Initial UE identity of an RRCConnectionRequest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialIdentity {
    /// The UE's S-TMSI.
    STmsi(STmsi),
    /// A 40-bit random value (the UE has no valid S-TMSI).
    Random(u64),
}

/// Establishment cause of an RRCConnectionRequest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstablishmentCause {
    /// emergency.
    Emergency,
    /// highPriorityAccess.
    HighPriorityAccess,
    /// mt-Access.
    MtAccess,
    /// mo-Signalling.
    MoSignalling,
    /// mo-Data.
    MoData,
    /// delayTolerantAccess-v1020.
    DelayTolerantAccess,
    /// mo-VoiceCall-v1280.
    MoVoiceCall,
}

/// RRCConnectionRequest.
pub fn rrc_connection_request(
    identity: InitialIdentity,
    cause: EstablishmentCause,
) -> Result<EncodedPdu, BuildError> {
    use asn::EstablishmentCause as E;
    let ue_identity = match identity {
        InitialIdentity::STmsi(t) => asn::InitialUEIdentity::s_TMSI(s_tmsi(&t)),
        InitialIdentity::Random(v) => asn::InitialUEIdentity::randomValue(bit_string(
            in_range("random value", v, 0, (1 << 40) - 1)?,
            40,
        )),
    };
    let ies = asn::RRCConnectionRequestR8IEs {
        ue_identity,
        establishment_cause: match cause {
            EstablishmentCause::Emergency => E::emergency,
            EstablishmentCause::HighPriorityAccess => E::highPriorityAccess,
            EstablishmentCause::MtAccess => E::mt_Access,
            EstablishmentCause::MoSignalling => E::mo_Signalling,
            EstablishmentCause::MoData => E::mo_Data,
            EstablishmentCause::DelayTolerantAccess => E::delayTolerantAccess_v1020,
            EstablishmentCause::MoVoiceCall => E::mo_VoiceCall_v1280,
        },
        spare: bit_string(0, 1),
    };
    encode(
        LteRrcChannel::UlCcch,
        &asn::ULCCCHMessage::new(asn::ULCCCHMessageType::c1(
            asn::ULCCCHMessageTypeC1::rrcConnectionRequest(asn::RRCConnectionRequest {
                critical_extensions:
                    asn::RRCConnectionRequestCriticalExtensions::rrcConnectionRequest_r8(ies),
            }),
        )),
    )
}

fn empty_radio_config() -> asn::RadioResourceConfigDedicated {
    asn::RadioResourceConfigDedicated::new(
        None, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
        None,
    )
}

/// RRCConnectionSetup (with an empty dedicated radio configuration).
pub fn rrc_connection_setup() -> Result<EncodedPdu, BuildError> {
    let setup = asn::RRCConnectionSetup {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::RRCConnectionSetupCriticalExtensions::c1(
            asn::RRCConnectionSetupCriticalExtensionsC1::rrcConnectionSetup_r8(
                asn::RRCConnectionSetupR8IEs {
                    radio_resource_config_dedicated: empty_radio_config(),
                    non_critical_extension: None,
                },
            ),
        ),
    };
    encode(
        LteRrcChannel::DlCcch,
        &asn::DLCCCHMessage::new(asn::DLCCCHMessageType::c1(
            asn::DLCCCHMessageTypeC1::rrcConnectionSetup(setup),
        )),
    )
}

/// RRCConnectionReject with a wait time of 1..16 seconds.
pub fn rrc_connection_reject(wait_time_s: u8) -> Result<EncodedPdu, BuildError> {
    let reject = asn::RRCConnectionReject {
        critical_extensions: asn::RRCConnectionRejectCriticalExtensions::c1(
            asn::RRCConnectionRejectCriticalExtensionsC1::rrcConnectionReject_r8(
                asn::RRCConnectionRejectR8IEs {
                    wait_time: in_range("wait time", wait_time_s, 1, 16)?,
                    non_critical_extension: None,
                },
            ),
        ),
    };
    encode(
        LteRrcChannel::DlCcch,
        &asn::DLCCCHMessage::new(asn::DLCCCHMessageType::c1(
            asn::DLCCCHMessageTypeC1::rrcConnectionReject(reject),
        )),
    )
}

// ---- DCCH ----

fn nas(bytes: &[u8]) -> asn::DedicatedInfoNAS {
    asn::DedicatedInfoNAS(bytes.to_vec().into())
}

fn dl_dcch(c1: asn::DLDCCHMessageTypeC1) -> Result<EncodedPdu, BuildError> {
    encode(
        LteRrcChannel::DlDcch,
        &asn::DLDCCHMessage::new(asn::DLDCCHMessageType::c1(c1)),
    )
}

fn ul_dcch(c1: asn::ULDCCHMessageTypeC1) -> Result<EncodedPdu, BuildError> {
    encode(
        LteRrcChannel::UlDcch,
        &asn::ULDCCHMessage::new(asn::ULDCCHMessageType::c1(c1)),
    )
}

/// RRCConnectionSetupComplete carrying a NAS PDU, for PLMN number 1 of SIB1.
pub fn rrc_connection_setup_complete(nas_pdu: &[u8]) -> Result<EncodedPdu, BuildError> {
    let m = asn::RRCConnectionSetupComplete {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::RRCConnectionSetupCompleteCriticalExtensions::c1(
            asn::RRCConnectionSetupCompleteCriticalExtensionsC1::rrcConnectionSetupComplete_r8(
                asn::RRCConnectionSetupCompleteR8IEs {
                    selected_plmn_identity: 1,
                    registered_mme: None,
                    dedicated_info_nas: nas(nas_pdu),
                    non_critical_extension: None,
                },
            ),
        ),
    };
    ul_dcch(asn::ULDCCHMessageTypeC1::rrcConnectionSetupComplete(m))
}

/// DLInformationTransfer carrying a NAS PDU.
pub fn dl_information_transfer(nas_pdu: &[u8]) -> Result<EncodedPdu, BuildError> {
    let m = asn::DLInformationTransfer {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::DLInformationTransferCriticalExtensions::c1(
            asn::DLInformationTransferCriticalExtensionsC1::dlInformationTransfer_r8(
                asn::DLInformationTransferR8IEs {
                    dedicated_info_type:
                        asn::DLInformationTransferR8IEsDedicatedInfoType::dedicatedInfoNAS(nas(
                            nas_pdu,
                        )),
                    non_critical_extension: None,
                },
            ),
        ),
    };
    dl_dcch(asn::DLDCCHMessageTypeC1::dlInformationTransfer(m))
}

/// ULInformationTransfer carrying a NAS PDU.
pub fn ul_information_transfer(nas_pdu: &[u8]) -> Result<EncodedPdu, BuildError> {
    let m = asn::ULInformationTransfer {
        critical_extensions: asn::ULInformationTransferCriticalExtensions::c1(
            asn::ULInformationTransferCriticalExtensionsC1::ulInformationTransfer_r8(
                asn::ULInformationTransferR8IEs {
                    dedicated_info_type:
                        asn::ULInformationTransferR8IEsDedicatedInfoType::dedicatedInfoNAS(nas(
                            nas_pdu,
                        )),
                    non_critical_extension: None,
                },
            ),
        ),
    };
    ul_dcch(asn::ULDCCHMessageTypeC1::ulInformationTransfer(m))
}

/// One E-UTRA neighbour in a measurement report: PCI and, when measured, RSRP and RSRQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeighbourMeasurement {
    /// Physical cell identity (0..503).
    pub pci: u16,
    /// RSRP-Range value (0..97), if reported.
    pub rsrp: Option<u8>,
    /// RSRQ-Range value (0..34), if reported.
    pub rsrq: Option<u8>,
}

/// MeasurementReport (Release 8 form) of measurement `meas_id` (1..32): the serving cell's
/// RSRP-Range and RSRQ-Range values and, when any, E-UTRA neighbours (at most 8).
pub fn measurement_report(
    meas_id: u8,
    rsrp: u8,
    rsrq: u8,
    neighbours: &[NeighbourMeasurement],
) -> Result<EncodedPdu, BuildError> {
    let rsrp_range = |v| in_range("RSRP", v, 0, 97).map(asn::RSRPRange);
    let rsrq_range = |v| in_range("RSRQ", v, 0, 34).map(asn::RSRQRange);
    let neighbour_list = if neighbours.is_empty() {
        None
    } else {
        if neighbours.len() > 8 {
            return Err(err("more than 8 neighbours in one report"));
        }
        let mut cells = Vec::with_capacity(neighbours.len());
        for n in neighbours {
            cells.push(asn::MeasResultEUTRA::new(
                asn::PhysCellId(in_range("PCI", n.pci, 0, 503)?),
                None,
                asn::MeasResultEUTRAMeasResult::new(
                    n.rsrp.map(rsrp_range).transpose()?,
                    n.rsrq.map(rsrq_range).transpose()?,
                    None,
                    None,
                    None,
                    None,
                    None,
                ),
            ));
        }
        Some(asn::MeasResultsMeasResultNeighCells::measResultListEUTRA(
            asn::MeasResultListEUTRA(cells),
        ))
    };
    let results = asn::MeasResults::new(
        asn::MeasId(in_range("measurement identity", meas_id, 1, 32)?),
        asn::MeasResultsMeasResultPCell::new(rsrp_range(rsrp)?, rsrq_range(rsrq)?),
        neighbour_list,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    );
    let m = asn::MeasurementReport::new(asn::MeasurementReportCriticalExtensions::c1(
        asn::MeasurementReportCriticalExtensionsC1::measurementReport_r8(
            asn::MeasurementReportR8IEs::new(results, None),
        ),
    ));
    ul_dcch(asn::ULDCCHMessageTypeC1::measurementReport(m))
}

/// SecurityModeCommand selecting EEA`eea` and EIA`eia` (each 0..3; EIA0 is the v920 value 0).
pub fn security_mode_command(eea: u8, eia: u8) -> Result<EncodedPdu, BuildError> {
    use asn::CipheringAlgorithmR12 as C;
    use asn::SecurityAlgorithmConfigIntegrityProtAlgorithm as I;
    let ciphering_algorithm = match eea {
        0 => C::eea0,
        1 => C::eea1,
        2 => C::eea2,
        3 => C::eea3_v1130,
        other => return Err(err(format!("no ciphering algorithm EEA{other}"))),
    };
    let integrity_prot_algorithm = match eia {
        0 => I::eia0_v920,
        1 => I::eia1,
        2 => I::eia2,
        3 => I::eia3_v1130,
        other => return Err(err(format!("no integrity algorithm EIA{other}"))),
    };
    let m = asn::SecurityModeCommand {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::SecurityModeCommandCriticalExtensions::c1(
            asn::SecurityModeCommandCriticalExtensionsC1::securityModeCommand_r8(
                asn::SecurityModeCommandR8IEs {
                    security_config_smc: asn::SecurityConfigSMC::new(
                        asn::SecurityAlgorithmConfig {
                            ciphering_algorithm,
                            integrity_prot_algorithm,
                        },
                    ),
                    non_critical_extension: None,
                },
            ),
        ),
    };
    dl_dcch(asn::DLDCCHMessageTypeC1::securityModeCommand(m))
}

/// SecurityModeComplete.
pub fn security_mode_complete() -> Result<EncodedPdu, BuildError> {
    let m = asn::SecurityModeComplete {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::SecurityModeCompleteCriticalExtensions::securityModeComplete_r8(
            asn::SecurityModeCompleteR8IEs {
                non_critical_extension: None,
            },
        ),
    };
    ul_dcch(asn::ULDCCHMessageTypeC1::securityModeComplete(m))
}

/// Release cause of an RRCConnectionRelease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseCause {
    /// loadBalancingTAUrequired.
    LoadBalancingTauRequired,
    /// other.
    Other,
    /// cs-FallbackHighPriority-v1020.
    CsFallbackHighPriority,
    /// rrc-Suspend-v1320.
    RrcSuspend,
}

fn redirected_carrier(
    r: &RedirectTarget,
) -> Result<(asn::RedirectedCarrierInfo, Option<u32>), BuildError> {
    use asn::RedirectedCarrierInfo as R;
    let uarfcn = |u: u16| in_range("UARFCN", u, 0, 16383).map(asn::ARFCNValueUTRA);
    Ok(match r {
        RedirectTarget::Eutra { earfcn } => {
            let (base, ext) = earfcn_parts(*earfcn)?;
            (R::eutra(base), ext)
        }
        RedirectTarget::Geran {
            starting_arfcn,
            band,
            arfcns,
        } => (
            R::geran(geran_carriers(&GeranCarrierSet {
                starting_arfcn: *starting_arfcn,
                band: *band,
                arfcns: arfcns.clone(),
                priority: None,
            })?),
            None,
        ),
        RedirectTarget::UtraFdd { uarfcn: u } => (R::utra_FDD(uarfcn(*u)?), None),
        RedirectTarget::UtraTdd { uarfcn: u } => (R::utra_TDD(uarfcn(*u)?), None),
        RedirectTarget::UtraTddList { uarfcns } => {
            if uarfcns.is_empty() || uarfcns.len() > 6 {
                return Err(err("utra-TDD-r10 needs 1..6 UARFCNs"));
            }
            (
                R::utra_TDD_r10(asn::CarrierFreqListUTRATDDR10(
                    uarfcns
                        .iter()
                        .map(|u| uarfcn(*u))
                        .collect::<Result<Vec<_>, _>>()?,
                )),
                None,
            )
        }
        RedirectTarget::Cdma2000 { hrpd, arfcn } => {
            let c = asn::CarrierFreqCDMA2000 {
                band_class: asn::BandclassCDMA2000::bc0,
                arfcn: asn::ARFCNValueCDMA2000(in_range("CDMA2000 ARFCN", *arfcn, 0, 2047)?),
            };
            (
                if *hrpd {
                    R::cdma2000_HRPD(c)
                } else {
                    R::cdma2000_1xRTT(c)
                },
                None,
            )
        }
        RedirectTarget::Nr { arfcn } => (
            R::nr_r15(asn::CarrierInfoNRR15 {
                carrier_freq_r15: asn::ARFCNValueNRR15(in_range("NR-ARFCN", *arfcn, 0, 3_279_165)?),
                subcarrier_spacing_ssb_r15: asn::CarrierInfoNRR15SubcarrierSpacingSSBR15::kHz30,
                smtc_r15: None,
            }),
            None,
        ),
    })
}

fn idle_mode_info(
    p: &IdleModePriorities,
) -> Result<
    (
        asn::IdleModeMobilityControlInfo,
        Option<asn::IdleModeMobilityControlInfoV9e0>,
    ),
    BuildError,
> {
    let list_len = |what: &str, n: usize, max: usize| {
        if n > max {
            Err(err(format!("more than {max} {what} priorities")))
        } else {
            Ok(())
        }
    };
    list_len("E-UTRA", p.eutra.len(), 8)?;
    list_len("GERAN", p.geran.len(), 16)?;
    list_len("UTRA FDD", p.utra_fdd.len(), 16)?;
    list_len("UTRA TDD", p.utra_tdd.len(), 16)?;
    list_len("NR", p.nr.len(), 8)?;
    let mut eutra = Vec::new();
    let mut eutra_v9e0 = Vec::new();
    for c in &p.eutra {
        let (base, ext) = earfcn_parts(c.earfcn)?;
        eutra.push(asn::FreqPriorityEUTRA {
            carrier_freq: base,
            cell_reselection_priority: priority(c.priority.unwrap_or(0))?,
        });
        eutra_v9e0.push(asn::FreqPriorityEUTRAV9e0 {
            carrier_freq_v9e0: ext.map(asn::ARFCNValueEUTRAV9e0),
        });
    }
    let geran = p
        .geran
        .iter()
        .map(|g| {
            Ok(asn::FreqsPriorityGERAN {
                carrier_freqs: geran_carriers(g)?,
                cell_reselection_priority: priority(g.priority.unwrap_or(0))?,
            })
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    let utra = |list: &[UtraCarrier]| {
        list.iter()
            .map(|u| {
                Ok((
                    asn::ARFCNValueUTRA(in_range("UARFCN", u.uarfcn, 0, 16383)?),
                    priority(u.priority.unwrap_or(0))?,
                ))
            })
            .collect::<Result<Vec<_>, BuildError>>()
    };
    let utra_fdd = utra(&p.utra_fdd)?
        .into_iter()
        .map(
            |(carrier_freq, cell_reselection_priority)| asn::FreqPriorityUTRAFDD {
                carrier_freq,
                cell_reselection_priority,
            },
        )
        .collect::<Vec<_>>();
    let utra_tdd = utra(&p.utra_tdd)?
        .into_iter()
        .map(
            |(carrier_freq, cell_reselection_priority)| asn::FreqPriorityUTRATDD {
                carrier_freq,
                cell_reselection_priority,
            },
        )
        .collect::<Vec<_>>();
    let nr =
        p.nr.iter()
            .map(|n| {
                Ok(asn::FreqPriorityNRR15 {
                    carrier_freq_r15: asn::ARFCNValueNRR15(in_range(
                        "NR-ARFCN", n.arfcn, 0, 3_279_165,
                    )?),
                    cell_reselection_priority_r15: priority(n.priority.unwrap_or(0))?,
                    cell_reselection_sub_priority_r15: None,
                })
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
    use asn::IdleModeMobilityControlInfoT320 as T;
    let t320 = match p.t320_minutes {
        None => None,
        Some(5) => Some(T::min5),
        Some(10) => Some(T::min10),
        Some(20) => Some(T::min20),
        Some(30) => Some(T::min30),
        Some(60) => Some(T::min60),
        Some(120) => Some(T::min120),
        Some(180) => Some(T::min180),
        Some(other) => return Err(err(format!("T320 of {other} minutes is not a T320 value"))),
    };
    let info = asn::IdleModeMobilityControlInfo::new(
        (!eutra.is_empty()).then_some(asn::FreqPriorityListEUTRA(eutra)),
        (!geran.is_empty()).then_some(asn::FreqsPriorityListGERAN(geran)),
        (!utra_fdd.is_empty()).then_some(asn::FreqPriorityListUTRAFDD(utra_fdd)),
        (!utra_tdd.is_empty()).then_some(asn::FreqPriorityListUTRATDD(utra_tdd)),
        None,
        None,
        t320,
        None,
        None,
        (!nr.is_empty()).then_some(
            asn::IdleModeMobilityControlInfoExtGroupFreqPriorityListNRR15 {
                freq_priority_list_nr_r15: Some(asn::FreqPriorityListNRR15(nr)),
            },
        ),
    );
    let v9e0 = eutra_v9e0
        .iter()
        .any(|e| e.carrier_freq_v9e0.is_some())
        .then_some(asn::IdleModeMobilityControlInfoV9e0 {
            freq_priority_list_eutra_v9e0: eutra_v9e0,
        });
    Ok((info, v9e0))
}

/// RRCConnectionRelease with a cause, an optional redirection and optional dedicated
/// idle-mode priorities.
pub fn rrc_connection_release(
    cause: ReleaseCause,
    redirect: Option<&RedirectTarget>,
    priorities: Option<&IdleModePriorities>,
) -> Result<EncodedPdu, BuildError> {
    use asn::ReleaseCause as C;
    let (redirected_carrier_info, redirect_v9e0) = match redirect {
        Some(r) => {
            let (info, ext) = redirected_carrier(r)?;
            (Some(info), ext)
        }
        None => (None, None),
    };
    let (idle_mode_mobility_control_info, idle_v9e0) = match priorities {
        Some(p) => {
            let (info, ext) = idle_mode_info(p)?;
            (Some(Box::new(info)), ext)
        }
        None => (None, None),
    };
    // EARFCNs above 65535 go in the v9e0 extension, carried as late non-critical extension.
    let non_critical_extension = if redirect_v9e0.is_some() || idle_v9e0.is_some() {
        let v9e0 = asn::RRCConnectionReleaseV9e0IEs {
            redirected_carrier_info_v9e0: redirect_v9e0.map(|e| {
                Box::new(asn::RedirectedCarrierInfoV9e0 {
                    eutra_v9e0: asn::ARFCNValueEUTRAV9e0(e),
                })
            }),
            idle_mode_mobility_control_info_v9e0: idle_v9e0.map(Box::new),
            non_critical_extension: None,
        };
        Some(Box::new(asn::RRCConnectionReleaseV890IEs {
            late_non_critical_extension: Some(encode_nested(&v9e0)?),
            non_critical_extension: None,
        }))
    } else {
        None
    };
    let m = asn::RRCConnectionRelease {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::RRCConnectionReleaseCriticalExtensions::c1(
            asn::RRCConnectionReleaseCriticalExtensionsC1::rrcConnectionRelease_r8(
                asn::RRCConnectionReleaseR8IEs {
                    release_cause: match cause {
                        ReleaseCause::LoadBalancingTauRequired => C::loadBalancingTAUrequired,
                        ReleaseCause::Other => C::other,
                        ReleaseCause::CsFallbackHighPriority => C::cs_FallbackHighPriority_v1020,
                        ReleaseCause::RrcSuspend => C::rrc_Suspend_v1320,
                    },
                    redirected_carrier_info,
                    idle_mode_mobility_control_info,
                    non_critical_extension,
                },
            ),
        ),
    };
    dl_dcch(asn::DLDCCHMessageTypeC1::rrcConnectionRelease(m))
}

/// RRCConnectionReconfiguration ordering a handover to cell `target_pci` (0..503) on
/// `earfcn` (None: the current frequency).
pub fn rrc_connection_reconfiguration_handover(
    target_pci: u16,
    earfcn: Option<u32>,
) -> Result<EncodedPdu, BuildError> {
    let (carrier_freq, ext) = match earfcn {
        Some(e) => {
            let (base, ext) = earfcn_parts(e)?;
            (
                Some(Box::new(asn::CarrierFreqEUTRA {
                    dl_carrier_freq: base,
                    ul_carrier_freq: None,
                })),
                ext,
            )
        }
        None => (None, None),
    };
    let radio = asn::RadioResourceConfigCommon::new(
        None,
        asn::PRACHConfig {
            root_sequence_index: 0,
            prach_config_info: Some(Box::new(prach_config_info())),
        },
        None,
        pusch_config_common(),
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        asn::ULCyclicPrefixLength::len1,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    );
    let mci = asn::MobilityControlInfo::new(
        asn::PhysCellId(in_range("PCI", target_pci, 0, 503)?),
        carrier_freq,
        None,
        None,
        asn::MobilityControlInfoT304::ms1000,
        asn::CRNTI(fixed_bits::<16>(0x1234)),
        radio,
        None,
        ext.map(|e| asn::MobilityControlInfoExtGroupCarrierFreqV9e0 {
            carrier_freq_v9e0: Some(Box::new(asn::CarrierFreqEUTRAV9e0 {
                dl_carrier_freq_v9e0: asn::ARFCNValueEUTRAR9(e),
                ul_carrier_freq_v9e0: None,
            })),
        }),
        None,
        None,
        None,
        None,
        None,
    );
    let m = asn::RRCConnectionReconfiguration {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::RRCConnectionReconfigurationCriticalExtensions::c1(
            asn::RRCConnectionReconfigurationCriticalExtensionsC1::rrcConnectionReconfiguration_r8(
                asn::RRCConnectionReconfigurationR8IEs {
                    meas_config: None,
                    mobility_control_info: Some(Box::new(mci)),
                    dedicated_info_naslist: None,
                    radio_resource_config_dedicated: None,
                    security_config_ho: None,
                    non_critical_extension: None,
                },
            ),
        ),
    };
    dl_dcch(asn::DLDCCHMessageTypeC1::rrcConnectionReconfiguration(m))
}

/// UECapabilityEnquiry for the RAT types named as in [`crate::RrcSummary::requested_rats`]
/// (`eutra`, `utra`, `geran-cs`, `geran-ps`, `cdma2000-1XRTT`, `nr`, `eutra-nr`).
pub fn ue_capability_enquiry(rats: &[&str]) -> Result<EncodedPdu, BuildError> {
    use asn::RATType as R;
    if rats.is_empty() || rats.len() > 8 {
        return Err(err("UECapabilityEnquiry needs 1..8 RAT types"));
    }
    let list = rats
        .iter()
        .map(|r| {
            Ok(match *r {
                "eutra" => R::eutra,
                "utra" => R::utra,
                "geran-cs" => R::geran_cs,
                "geran-ps" => R::geran_ps,
                "cdma2000-1XRTT" => R::cdma2000_1XRTT,
                "nr" => R::nr,
                "eutra-nr" => R::eutra_nr,
                other => return Err(err(format!("unknown RAT type {other:?}"))),
            })
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    let m = asn::UECapabilityEnquiry {
        rrc_transaction_identifier: asn::RRCTransactionIdentifier(0),
        critical_extensions: asn::UECapabilityEnquiryCriticalExtensions::c1(
            asn::UECapabilityEnquiryCriticalExtensionsC1::ueCapabilityEnquiry_r8(
                asn::UECapabilityEnquiryR8IEs {
                    ue_capability_request: asn::UECapabilityRequest(list),
                    non_critical_extension: None,
                },
            ),
        ),
    };
    dl_dcch(asn::DLDCCHMessageTypeC1::ueCapabilityEnquiry(m))
}
