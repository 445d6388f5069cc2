//! The fields detection needs, read from the decoded tree into plain values.

use serde::Serialize;
use stingwatch_lte_rrc_asn1 as asn;

use crate::RrcMessage;

/// Largest E-UTRA carrier number of the base field; this value says "see the extension".
pub(crate) const MAX_EARFCN: u16 = 65535;

/// Fields of an LTE RRC message that detection reads. Only the fields of the decoded
/// message's type are filled; everything else stays empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RrcSummary {
    /// MIB: downlink bandwidth in resource blocks (6, 15, 25, 50, 75, 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dl_bandwidth_prbs: Option<u8>,
    /// MIB: the 8 most significant bits of the system frame number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sfn_msb: Option<u8>,

    /// SIB1: PLMNs the cell broadcasts, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plmns: Vec<Plmn>,
    /// SIB1: tracking area code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tac: Option<u16>,
    /// SIB1: 28-bit E-UTRAN cell identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_identity: Option<u32>,
    /// SIB1: whether the cell is barred.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_barred: Option<bool>,
    /// SIB1: frequency band indicator (the v9e0 extension when the base field says 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freq_band: Option<u16>,
    /// SIB1: numbers of the SIBs the cell schedules (2 always, then the scheduling list).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scheduled_sibs: Vec<u8>,
    /// SIB1: SI window length in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub si_window_ms: Option<u8>,

    /// SystemInformation: numbers of the SIBs it carries, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sibs: Vec<u8>,
    /// SIB3: cell reselection priority of the serving frequency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving_priority: Option<u8>,
    /// SIB4: physical cell ids of the listed intra-frequency neighbours.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intra_freq_neighbour_pcis: Vec<u16>,
    /// SIB5: inter-frequency E-UTRA carriers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eutra_carriers: Vec<EutraCarrier>,
    /// SIB6: UTRA FDD carriers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub utra_fdd_carriers: Vec<UtraCarrier>,
    /// SIB6: UTRA TDD carriers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub utra_tdd_carriers: Vec<UtraCarrier>,
    /// SIB7: GERAN carrier sets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub geran_carriers: Vec<GeranCarrierSet>,
    /// SIB24: NR carriers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nr_carriers: Vec<NrCarrier>,

    /// Paging: the paged identities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paging_records: Vec<PagingRecord>,
    /// Paging: systemInfoModification present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_info_modification: Option<bool>,
    /// Paging: etws-Indication present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etws_indication: Option<bool>,

    /// RRCConnectionRequest: establishment cause as the ASN.1 names it (e.g. `mo-Signalling`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub establishment_cause: Option<&'static str>,
    /// RRCConnectionRequest: which initial identity the UE sent (`s-TMSI`, `randomValue`,
    /// `ng-5G-S-TMSI-Part1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ue_identity_type: Option<&'static str>,
    /// RRCConnectionRequest: the S-TMSI, when that is the identity sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s_tmsi: Option<STmsi>,

    /// RRCConnectionReject: wait time in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_time_s: Option<u8>,

    /// RRCConnectionRelease: release cause as the ASN.1 names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_cause: Option<&'static str>,
    /// RRCConnectionRelease: where the UE is redirected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectTarget>,
    /// RRCConnectionRelease: dedicated idle-mode frequency priorities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_mode_priorities: Option<IdleModePriorities>,

    /// SecurityModeCommand: ciphering algorithm value (0..3 = EEA0..EEA3; 4..7 spare).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphering_algorithm: Option<u8>,
    /// SecurityModeCommand: integrity algorithm value (0..3 = EIA0..EIA3; 4..7 spare).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity_algorithm: Option<u8>,

    /// RRCConnectionReconfiguration: handover target (mobilityControlInfo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover: Option<HandoverTarget>,

    /// UECapabilityEnquiry: requested RAT types as the ASN.1 names them (e.g. `geran-cs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requested_rats: Vec<&'static str>,
}

/// A PLMN identity as digit strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Plmn {
    /// Mobile country code, three digits (e.g. `310`).
    pub mcc: String,
    /// Mobile network code, two or three digits (e.g. `260`).
    pub mnc: String,
}

/// An E-UTRA carrier with its reselection priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EutraCarrier {
    /// EARFCN.
    pub earfcn: u32,
    /// Cell reselection priority (0..7), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// A UTRA carrier with its reselection priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UtraCarrier {
    /// UARFCN.
    pub uarfcn: u16,
    /// Cell reselection priority (0..7), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// An NR carrier with its reselection priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NrCarrier {
    /// NR-ARFCN.
    pub arfcn: u32,
    /// Cell reselection priority (0..7), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// GERAN band indicator, which disambiguates ARFCNs 512..810.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GeranBand {
    /// DCS 1800.
    Dcs1800,
    /// PCS 1900.
    Pcs1900,
}

/// A set of GERAN carriers with one reselection priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeranCarrierSet {
    /// First ARFCN of the set.
    pub starting_arfcn: u16,
    /// Band indicator.
    pub band: GeranBand,
    /// Every ARFCN of the set, the starting one first (explicit list, equally spaced, or
    /// bitmap expanded).
    pub arfcns: Vec<u16>,
    /// Cell reselection priority (0..7), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// A frequency with a dedicated priority (idle-mode mobility control).
pub type FreqBandPriority = EutraCarrier;

/// Dedicated idle-mode priorities from an RRCConnectionRelease.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdleModePriorities {
    /// E-UTRA frequencies and priorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eutra: Vec<EutraCarrier>,
    /// GERAN carrier sets and priorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub geran: Vec<GeranCarrierSet>,
    /// UTRA FDD frequencies and priorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub utra_fdd: Vec<UtraCarrier>,
    /// UTRA TDD frequencies and priorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub utra_tdd: Vec<UtraCarrier>,
    /// NR frequencies and priorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nr: Vec<NrCarrier>,
    /// Validity of the priorities (T320) in minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t320_minutes: Option<u16>,
}

/// Where an RRCConnectionRelease redirects the UE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rat", rename_all = "snake_case")]
pub enum RedirectTarget {
    /// An E-UTRA carrier.
    Eutra {
        /// EARFCN (the v9e0 extension value when present).
        earfcn: u32,
    },
    /// A GERAN carrier set.
    Geran {
        /// First ARFCN.
        starting_arfcn: u16,
        /// Band indicator.
        band: GeranBand,
        /// Every ARFCN of the set.
        arfcns: Vec<u16>,
    },
    /// A UTRA FDD carrier.
    UtraFdd {
        /// UARFCN.
        uarfcn: u16,
    },
    /// A UTRA TDD carrier.
    UtraTdd {
        /// UARFCN.
        uarfcn: u16,
    },
    /// Several UTRA TDD carriers (utra-TDD-r10).
    UtraTddList {
        /// UARFCNs.
        uarfcns: Vec<u16>,
    },
    /// A CDMA2000 carrier (HRPD or 1xRTT).
    Cdma2000 {
        /// True for HRPD, false for 1xRTT.
        hrpd: bool,
        /// ARFCN.
        arfcn: u16,
    },
    /// An NR carrier (nr-r15 or nr-r17).
    Nr {
        /// NR-ARFCN.
        arfcn: u32,
    },
}

/// Core network domain of a paging record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CnDomain {
    /// Packet switched.
    Ps,
    /// Circuit switched.
    Cs,
}

/// An SAE temporary mobile subscriber identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct STmsi {
    /// MME code.
    pub mmec: u8,
    /// M-TMSI.
    pub m_tmsi: u32,
}

/// The identity a paging record pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum PagingIdentity {
    /// S-TMSI.
    STmsi(STmsi),
    /// IMSI digits.
    Imsi(String),
    /// 48-bit 5G-S-TMSI.
    Ng5gSTmsi(u64),
    /// 40-bit full I-RNTI.
    FullIRnti(u64),
}

/// One paging record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PagingRecord {
    /// Paged identity.
    pub identity: PagingIdentity,
    /// Core network domain that pages.
    pub cn_domain: CnDomain,
}

/// Handover target from mobilityControlInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HandoverTarget {
    /// Target physical cell id.
    pub pci: u16,
    /// Target downlink EARFCN; absent means the current frequency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earfcn: Option<u32>,
}

// ---- helpers ----

/// Big-endian value of at most 64 bits.
fn bits_value(bits: impl Iterator<Item = bool>) -> u64 {
    bits.take(64).fold(0u64, |acc, b| (acc << 1) | u64::from(b))
}

fn bitstring_value(b: &rasn::types::BitString) -> u64 {
    bits_value(b.iter().by_vals())
}

fn fixed_value<const N: usize>(b: &rasn::types::FixedBitString<N>) -> u64 {
    bits_value(b.iter().by_vals().take(N))
}

fn digits(d: &[asn::MCCMNCDigit]) -> String {
    d.iter()
        .map(|x| char::from_digit(u32::from(x.0), 10).unwrap_or('?'))
        .collect()
}

fn s_tmsi(s: &asn::STMSI) -> STmsi {
    STmsi {
        mmec: u8::try_from(fixed_value(&s.mmec.0)).unwrap_or(u8::MAX),
        m_tmsi: u32::try_from(bitstring_value(&s.m_tmsi)).unwrap_or(u32::MAX),
    }
}

/// Decodes a nested extension carried in an OCTET STRING (`lateNonCriticalExtension`).
fn nested<T: asn::Uper>(bytes: &[u8]) -> Option<T> {
    T::decode_uper(bytes).ok()
}

fn geran_band(b: &asn::BandIndicatorGERAN) -> GeranBand {
    match b {
        asn::BandIndicatorGERAN::dcs1800 => GeranBand::Dcs1800,
        asn::BandIndicatorGERAN::pcs1900 => GeranBand::Pcs1900,
    }
}

/// Expands a GERAN carrier set to its ARFCNs (TS 36.331 CarrierFreqsGERAN).
fn geran_arfcns(c: &asn::CarrierFreqsGERAN) -> Vec<u16> {
    let start = c.starting_arfcn.0;
    let mut out = vec![start];
    match &c.following_arfcns {
        asn::CarrierFreqsGERANFollowingARFCNs::explicitListOfARFCNs(l) => {
            out.extend(l.0.iter().map(|a| a.0));
        }
        asn::CarrierFreqsGERANFollowingARFCNs::equallySpacedARFCNs(e) => {
            let spacing = u32::from(e.arfcn_spacing);
            for k in 1..=u32::from(e.number_of_following_arfcns) {
                // ARFCNs wrap modulo 1024 (45.005).
                let a = (u32::from(start) + k * spacing) % 1024;
                out.push(u16::try_from(a).unwrap_or(u16::MAX));
            }
        }
        asn::CarrierFreqsGERANFollowingARFCNs::variableBitMapOfARFCNs(map) => {
            // Bit N (from the first, most significant, bit) set means ARFCN start + 1 + N.
            let mut n: u32 = 0;
            for byte in map.iter() {
                for bit in (0..8).rev() {
                    n += 1;
                    if byte & (1 << bit) != 0 {
                        let a = (u32::from(start) + n) % 1024;
                        out.push(u16::try_from(a).unwrap_or(u16::MAX));
                    }
                }
            }
        }
    }
    out
}

fn geran_set(c: &asn::CarrierFreqsGERAN, priority: Option<u8>) -> GeranCarrierSet {
    GeranCarrierSet {
        starting_arfcn: c.starting_arfcn.0,
        band: geran_band(&c.band_indicator),
        arfcns: geran_arfcns(c),
        priority,
    }
}

fn prio(p: &Option<asn::CellReselectionPriority>) -> Option<u8> {
    p.as_ref().map(|p| p.0)
}

// ---- BCCH ----

pub(crate) fn mib(m: &asn::MasterInformationBlock, s: &mut RrcSummary) {
    use asn::MasterInformationBlockDlBandwidth as B;
    s.dl_bandwidth_prbs = Some(match m.dl_bandwidth {
        B::n6 => 6,
        B::n15 => 15,
        B::n25 => 25,
        B::n50 => 50,
        B::n75 => 75,
        B::n100 => 100,
    });
    s.sfn_msb = u8::try_from(bitstring_value(&m.system_frame_number)).ok();
}

pub(crate) fn bcch_dl_sch(m: &asn::BCCHDLSCHMessageType, s: &mut RrcSummary) {
    use asn::BCCHDLSCHMessageTypeC1 as C1;
    match m {
        asn::BCCHDLSCHMessageType::c1(C1::systemInformationBlockType1(sib1)) => {
            system_information_block_type1(sib1, s)
        }
        asn::BCCHDLSCHMessageType::c1(C1::systemInformation(si)) => system_information(si, s),
        asn::BCCHDLSCHMessageType::messageClassExtension(_) => {}
    }
}

pub(crate) fn bcch_dl_sch_br(m: &asn::BCCHDLSCHMessageTypeBRR13, s: &mut RrcSummary) {
    use asn::BCCHDLSCHMessageTypeBRR13C1 as C1;
    match m {
        asn::BCCHDLSCHMessageTypeBRR13::c1(C1::systemInformationBlockType1_BR_r13(sib1)) => {
            system_information_block_type1(&sib1.0, s)
        }
        asn::BCCHDLSCHMessageTypeBRR13::c1(C1::systemInformation_BR_r13(si)) => {
            system_information(&si.0, s)
        }
        asn::BCCHDLSCHMessageTypeBRR13::messageClassExtension(_) => {}
    }
}

fn system_information_block_type1(m: &asn::SystemInformationBlockType1, s: &mut RrcSummary) {
    let access = &m.cell_access_related_info;
    let mut last_mcc = String::new();
    for p in access.plmn_identity_list.0.iter() {
        // An absent MCC repeats the one of the preceding entry (TS 36.331 PLMN-Identity).
        let mcc = match &p.plmn_identity.mcc {
            Some(mcc) => digits(&mcc.0),
            None => last_mcc.clone(),
        };
        last_mcc.clone_from(&mcc);
        s.plmns.push(Plmn {
            mcc,
            mnc: digits(&p.plmn_identity.mnc.0),
        });
    }
    s.tac = u16::try_from(fixed_value(&access.tracking_area_code.0)).ok();
    s.cell_identity = u32::try_from(fixed_value(&access.cell_identity.0)).ok();
    s.cell_barred = Some(matches!(
        access.cell_barred,
        asn::SystemInformationBlockType1CellAccessRelatedInfoCellBarred::barred
    ));
    // The late extension (v8h0 and on) holds the band above 64 and the later SIB types.
    let v8h0 = m
        .non_critical_extension
        .as_ref()
        .and_then(|e| e.late_non_critical_extension.as_ref())
        .and_then(|b| nested::<asn::SystemInformationBlockType1V8h0IEs>(b));
    let v9e0 = v8h0
        .as_ref()
        .and_then(|v| v.non_critical_extension.as_ref());
    let mut band = u16::from(m.freq_band_indicator.0);
    if band == 64 {
        // 64 means the real band (65..256) is in freqBandIndicator-v9e0.
        if let Some(b) = v9e0.and_then(|v| v.freq_band_indicator_v9e0.as_ref()) {
            band = b.0;
        }
    }
    s.freq_band = Some(band);
    s.scheduled_sibs.push(2);
    for info in m.scheduling_info_list.0.iter() {
        for t in info.sib_mapping_info.0.iter() {
            if let Some(n) = sib_type_number(t) {
                s.scheduled_sibs.push(n);
            }
        }
    }
    let v12j0 = v9e0
        .and_then(|v| v.non_critical_extension.as_ref())
        .and_then(|v| v.non_critical_extension.as_ref())
        .and_then(|v| v.non_critical_extension.as_ref())
        .and_then(|v| v.non_critical_extension.as_ref());
    if let Some(v) = v12j0 {
        let listed = v
            .scheduling_info_list_v12j0
            .iter()
            .flat_map(|l| l.0.iter())
            .filter_map(|i| i.sib_mapping_info_v12j0.as_ref());
        let ext = v
            .scheduling_info_list_ext_r12
            .iter()
            .flat_map(|l| l.0.iter())
            .map(|i| &i.sib_mapping_info_r12);
        for t in listed.chain(ext).flat_map(|m| m.0.iter()) {
            if let Some(n) = sib_type_v12j0_number(t) {
                s.scheduled_sibs.push(n);
            }
        }
    }
    use asn::SystemInformationBlockType1SiWindowLength as W;
    s.si_window_ms = Some(match m.si_window_length {
        W::ms1 => 1,
        W::ms2 => 2,
        W::ms5 => 5,
        W::ms10 => 10,
        W::ms15 => 15,
        W::ms20 => 20,
        W::ms40 => 40,
    });
}

fn sib_type_number(t: &asn::SIBType) -> Option<u8> {
    use asn::SIBType as T;
    Some(match t {
        T::sibType3 => 3,
        T::sibType4 => 4,
        T::sibType5 => 5,
        T::sibType6 => 6,
        T::sibType7 => 7,
        T::sibType8 => 8,
        T::sibType9 => 9,
        T::sibType10 => 10,
        T::sibType11 => 11,
        T::sibType12_v920 => 12,
        T::sibType13_v920 => 13,
        T::sibType14_v1130 => 14,
        T::sibType15_v1130 => 15,
        T::sibType16_v1130 => 16,
        T::sibType17_v1250 => 17,
        T::sibType18_v1250 => 18,
        T::sibType19_v1250 => 19,
        T::sibType20_v1310 => 20,
        T::sibType21_v1430 => 21,
        T::sibType24_v1530 => 24,
        T::sibType25_v1530 => 25,
        T::sibType26_v1530 => 26,
        // SIB26a has no number of its own; it rides with 26 for reporting.
        T::sibType26a_v1610 => 26,
        T::sibType27_v1610 => 27,
        T::sibType28_v1610 => 28,
        T::sibType29_v1610 => 29,
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

fn sib_type_v12j0_number(t: &asn::SIBTypeV12j0) -> Option<u8> {
    use asn::SIBTypeV12j0 as T;
    Some(match t {
        T::sibType19_v1250 => 19,
        T::sibType20_v1310 => 20,
        T::sibType21_v1430 => 21,
        T::sibType24_v1530 => 24,
        T::sibType25_v1530 => 25,
        T::sibType26_v1530 | T::sibType26a_v1610 => 26,
        T::sibType27_v1610 => 27,
        T::sibType28_v1610 => 28,
        T::sibType29_v1610 => 29,
        T::sibType30_v1700 => 30,
        T::sibType31_v1700 => 31,
        T::sibType32_v1700 => 32,
        T::sibType33_v1800 => 33,
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

fn system_information(m: &asn::SystemInformation, s: &mut RrcSummary) {
    use asn::AnonymousSystemInformationR8IEsSibTypeAndInfo as Sib;
    let asn::SystemInformationCriticalExtensions::systemInformation_r8(ies) =
        &m.critical_extensions
    else {
        return;
    };
    for sib in ies.sib_type_and_info.0.iter() {
        let n = match sib {
            Sib::sib2(_) => 2,
            Sib::sib3(b) => {
                s.serving_priority = Some(
                    b.cell_reselection_serving_freq_info
                        .cell_reselection_priority
                        .0,
                );
                3
            }
            Sib::sib4(b) => {
                if let Some(l) = &b.intra_freq_neigh_cell_list {
                    s.intra_freq_neighbour_pcis
                        .extend(l.0.iter().map(|c| c.phys_cell_id.0));
                }
                4
            }
            Sib::sib5(b) => {
                sib5(b, s);
                5
            }
            Sib::sib6(b) => {
                if let Some(l) = &b.carrier_freq_list_utra_fdd {
                    s.utra_fdd_carriers.extend(l.0.iter().map(|c| UtraCarrier {
                        uarfcn: c.carrier_freq.0,
                        priority: prio(&c.cell_reselection_priority),
                    }));
                }
                if let Some(l) = &b.carrier_freq_list_utra_tdd {
                    s.utra_tdd_carriers.extend(l.0.iter().map(|c| UtraCarrier {
                        uarfcn: c.carrier_freq.0,
                        priority: prio(&c.cell_reselection_priority),
                    }));
                }
                6
            }
            Sib::sib7(b) => {
                if let Some(l) = &b.carrier_freqs_info_list {
                    s.geran_carriers.extend(l.0.iter().map(|c| {
                        geran_set(
                            &c.carrier_freqs,
                            prio(&c.common_info.cell_reselection_priority),
                        )
                    }));
                }
                7
            }
            Sib::sib8(_) => 8,
            Sib::sib9(_) => 9,
            Sib::sib10(_) => 10,
            Sib::sib11(_) => 11,
            Sib::sib12_v920(_) => 12,
            Sib::sib13_v920(_) => 13,
            Sib::sib14_v1130(_) => 14,
            Sib::sib15_v1130(_) => 15,
            Sib::sib16_v1130(_) => 16,
            Sib::sib17_v1250(_) => 17,
            Sib::sib18_v1250(_) => 18,
            Sib::sib19_v1250(_) => 19,
            Sib::sib20_v1310(_) => 20,
            Sib::sib21_v1430(_) => 21,
            Sib::sib24_v1530(b) => {
                if let Some(l) = &b.carrier_freq_list_nr_r15 {
                    s.nr_carriers.extend(l.0.iter().map(|c| NrCarrier {
                        arfcn: c.carrier_freq_r15.0,
                        priority: prio(&c.cell_reselection_priority_r15),
                    }));
                }
                24
            }
            Sib::sib25_v1530(_) => 25,
            Sib::sib26_v1530(_) | Sib::sib26a_v1610(_) => 26,
            Sib::sib27_v1610(_) => 27,
            Sib::sib28_v1610(_) => 28,
            Sib::sib29_v1610(_) => 29,
            Sib::sib30_v1700(_) => 30,
            Sib::sib31_v1700(_) => 31,
            Sib::sib32_v1700(_) => 32,
            Sib::sib33_v1800(_) => 33,
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        s.sibs.push(n);
    }
}

fn sib5(b: &asn::SystemInformationBlockType5, s: &mut RrcSummary) {
    // Carriers above 65535 sit in interFreqCarrierFreqList-v9e0, one entry per base entry.
    let v9e0: Vec<Option<u32>> = b
        .late_non_critical_extension
        .as_ref()
        .and_then(|x| nested::<asn::SystemInformationBlockType5V8h0IEs>(x))
        .and_then(|v| v.non_critical_extension)
        .and_then(|v| v.inter_freq_carrier_freq_list_v9e0)
        .map(|l| {
            l.iter()
                .map(|e| e.dl_carrier_freq_v9e0.as_ref().map(|f| f.0))
                .collect()
        })
        .unwrap_or_default();
    for (i, c) in b.inter_freq_carrier_freq_list.0.iter().enumerate() {
        let mut earfcn = u32::from(c.dl_carrier_freq.0);
        if c.dl_carrier_freq.0 == MAX_EARFCN {
            if let Some(Some(f)) = v9e0.get(i) {
                earfcn = *f;
            }
        }
        s.eutra_carriers.push(EutraCarrier {
            earfcn,
            priority: prio(&c.cell_reselection_priority),
        });
    }
}

// ---- PCCH ----

pub(crate) fn pcch(m: &asn::PCCHMessageType, s: &mut RrcSummary) {
    let asn::PCCHMessageType::c1(asn::PCCHMessageTypeC1::paging(p)) = m else {
        return;
    };
    if let Some(list) = &p.paging_record_list {
        for r in list.0.iter() {
            let identity = match &r.ue_identity {
                asn::PagingUEIdentity::s_TMSI(t) => PagingIdentity::STmsi(s_tmsi(t)),
                asn::PagingUEIdentity::imsi(d) => PagingIdentity::Imsi(
                    d.0.iter()
                        .map(|x| char::from_digit(u32::from(x.0), 10).unwrap_or('?'))
                        .collect(),
                ),
                asn::PagingUEIdentity::ng_5G_S_TMSI_r15(t) => {
                    PagingIdentity::Ng5gSTmsi(fixed_value(&t.0))
                }
                asn::PagingUEIdentity::fullI_RNTI_r15(t) => {
                    PagingIdentity::FullIRnti(fixed_value(&t.0))
                }
                #[allow(unreachable_patterns)]
                _ => continue,
            };
            let cn_domain = match r.cn_domain {
                asn::PagingRecordCnDomain::ps => CnDomain::Ps,
                asn::PagingRecordCnDomain::cs => CnDomain::Cs,
            };
            s.paging_records.push(PagingRecord {
                identity,
                cn_domain,
            });
        }
    }
    s.system_info_modification = Some(p.system_info_modification.is_some());
    s.etws_indication = Some(p.etws_indication.is_some());
}

// ---- CCCH / DCCH ----

pub(crate) fn dl_ccch(m: &asn::DLCCCHMessageType, out: &mut RrcMessage) {
    use asn::DLCCCHMessageTypeC1 as C1;
    match m {
        asn::DLCCCHMessageType::c1(C1::rrcConnectionReject(r)) => {
            if let asn::RRCConnectionRejectCriticalExtensions::c1(
                asn::RRCConnectionRejectCriticalExtensionsC1::rrcConnectionReject_r8(ies),
            ) = &r.critical_extensions
            {
                out.summary.wait_time_s = Some(ies.wait_time);
            }
        }
        asn::DLCCCHMessageType::messageClassExtension(
            asn::DLCCCHMessageTypeMessageClassExtension::c2(
                asn::DLCCCHMessageTypeMessageClassExtensionC2::rrcEarlyDataComplete_r15(r),
            ),
        ) => {
            let asn::RRCEarlyDataCompleteR15CriticalExtensions::rrcEarlyDataComplete_r15(ies) =
                &r.critical_extensions
            else {
                return;
            };
            if let Some(nas) = &ies.dedicated_info_nas_r15 {
                out.nas_pdus.push(nas.0.to_vec());
            }
            if let Some(i) = &ies.idle_mode_mobility_control_info_r15 {
                out.summary.idle_mode_priorities = Some(idle_mode(i, None));
            }
        }
        _ => {}
    }
}

pub(crate) fn ul_ccch(m: &asn::ULCCCHMessageType, out: &mut RrcMessage) {
    use asn::ULCCCHMessageTypeC1 as C1;
    let s = &mut out.summary;
    match m {
        asn::ULCCCHMessageType::c1(C1::rrcConnectionRequest(r)) => match &r.critical_extensions {
            asn::RRCConnectionRequestCriticalExtensions::rrcConnectionRequest_r8(ies) => {
                use asn::EstablishmentCause as E;
                s.establishment_cause = Some(match ies.establishment_cause {
                    E::emergency => "emergency",
                    E::highPriorityAccess => "highPriorityAccess",
                    E::mt_Access => "mt-Access",
                    E::mo_Signalling => "mo-Signalling",
                    E::mo_Data => "mo-Data",
                    E::delayTolerantAccess_v1020 => "delayTolerantAccess-v1020",
                    E::mo_VoiceCall_v1280 => "mo-VoiceCall-v1280",
                    E::spare1 => "spare1",
                });
                match &ies.ue_identity {
                    asn::InitialUEIdentity::s_TMSI(t) => {
                        s.ue_identity_type = Some("s-TMSI");
                        s.s_tmsi = Some(s_tmsi(t));
                    }
                    asn::InitialUEIdentity::randomValue(_) => {
                        s.ue_identity_type = Some("randomValue")
                    }
                }
            }
            asn::RRCConnectionRequestCriticalExtensions::rrcConnectionRequest_r15(ies) => {
                s.ue_identity_type = Some(match &ies.ue_identity_r15 {
                    asn::InitialUEIdentity5GCR15::ng_5G_S_TMSI_Part1(_) => "ng-5G-S-TMSI-Part1",
                    asn::InitialUEIdentity5GCR15::randomValue(_) => "randomValue",
                });
            }
        },
        asn::ULCCCHMessageType::messageClassExtension(
            asn::ULCCCHMessageTypeMessageClassExtension::messageClassExtensionFuture_r13(
                asn::ULCCCHMessageTypeMessageClassExtensionMessageClassExtensionFutureR13::c3(
                    asn::ULCCCHMessageTypeMessageClassExtensionMessageClassExtensionFutureR13C3::rrcEarlyDataRequest_r15(r),
                ),
            ),
        ) => {
            if let asn::RRCEarlyDataRequestR15CriticalExtensions::rrcEarlyDataRequest_r15(ies) =
                &r.critical_extensions
            {
                s.ue_identity_type = Some("s-TMSI");
                s.s_tmsi = Some(s_tmsi(&ies.s_tmsi_r15));
                out.nas_pdus.push(ies.dedicated_info_nas_r15.0.to_vec());
            }
        }
        _ => {}
    }
}

pub(crate) fn dl_dcch(m: &asn::DLDCCHMessageType, out: &mut RrcMessage) {
    use asn::DLDCCHMessageTypeC1 as C1;
    let asn::DLDCCHMessageType::c1(c1) = m else {
        return;
    };
    match c1 {
        C1::dlInformationTransfer(t) => {
            if let asn::DLInformationTransferCriticalExtensions::c1(c) = &t.critical_extensions {
                match c {
                    asn::DLInformationTransferCriticalExtensionsC1::dlInformationTransfer_r8(ies) => {
                        if let asn::DLInformationTransferR8IEsDedicatedInfoType::dedicatedInfoNAS(n) =
                            &ies.dedicated_info_type
                        {
                            out.nas_pdus.push(n.0.to_vec());
                        }
                    }
                    asn::DLInformationTransferCriticalExtensionsC1::dlInformationTransfer_r15(
                        ies,
                    ) => {
                        if let Some(
                            asn::DLInformationTransferR15IEsDedicatedInfoTypeR15::dedicatedInfoNAS(n),
                        ) = &ies.dedicated_info_type_r15
                        {
                            out.nas_pdus.push(n.0.to_vec());
                        }
                    }
                    _ => {}
                }
            }
        }
        C1::rrcConnectionRelease(r) => release(r, &mut out.summary),
        C1::securityModeCommand(c) => {
            if let asn::SecurityModeCommandCriticalExtensions::c1(
                asn::SecurityModeCommandCriticalExtensionsC1::securityModeCommand_r8(ies),
            ) = &c.critical_extensions
            {
                let alg = &ies.security_config_smc.security_algorithm_config;
                out.summary.ciphering_algorithm = Some(alg.ciphering_algorithm as u8);
                out.summary.integrity_algorithm = Some(alg.integrity_prot_algorithm as u8);
            }
        }
        C1::rrcConnectionReconfiguration(r) => {
            if let asn::RRCConnectionReconfigurationCriticalExtensions::c1(
                asn::RRCConnectionReconfigurationCriticalExtensionsC1::rrcConnectionReconfiguration_r8(ies),
            ) = &r.critical_extensions
            {
                reconfiguration(ies, out);
            }
        }
        C1::ueCapabilityEnquiry(e) => {
            if let asn::UECapabilityEnquiryCriticalExtensions::c1(
                asn::UECapabilityEnquiryCriticalExtensionsC1::ueCapabilityEnquiry_r8(ies),
            ) = &e.critical_extensions
            {
                use asn::RATType as R;
                out.summary.requested_rats = ies
                    .ue_capability_request
                    .0
                    .iter()
                    .map(|r| match r {
                        R::eutra => "eutra",
                        R::utra => "utra",
                        R::geran_cs => "geran-cs",
                        R::geran_ps => "geran-ps",
                        R::cdma2000_1XRTT => "cdma2000-1XRTT",
                        R::nr => "nr",
                        R::eutra_nr => "eutra-nr",
                        R::spare1 => "spare1",
                        _ => "unknown",
                    })
                    .collect();
            }
        }
        _ => {}
    }
}

fn reconfiguration(ies: &asn::RRCConnectionReconfigurationR8IEs, out: &mut RrcMessage) {
    if let Some(list) = &ies.dedicated_info_naslist {
        out.nas_pdus.extend(list.iter().map(|n| n.0.to_vec()));
    }
    if let Some(mci) = &ies.mobility_control_info {
        let ext = mci
            .ext_group_carrier_freq_v9e0
            .as_ref()
            .and_then(|g| g.carrier_freq_v9e0.as_ref())
            .map(|c| c.dl_carrier_freq_v9e0.0);
        let base = mci.carrier_freq.as_ref().map(|c| c.dl_carrier_freq.0);
        let earfcn = match (base, ext) {
            (Some(MAX_EARFCN), Some(e)) => Some(e),
            (Some(b), _) => Some(u32::from(b)),
            (None, e) => e,
        };
        out.summary.handover = Some(HandoverTarget {
            pci: mci.target_phys_cell_id.0,
            earfcn,
        });
    }
    let v1530 = ies
        .non_critical_extension
        .as_ref()
        .and_then(|e| e.non_critical_extension.as_ref())
        .and_then(|e| e.non_critical_extension.as_ref())
        .and_then(|e| e.non_critical_extension.as_ref())
        .and_then(|e| e.non_critical_extension.as_ref())
        .and_then(|e| e.non_critical_extension.as_ref())
        .and_then(|e| e.non_critical_extension.as_ref())
        .and_then(|e| e.non_critical_extension.as_ref())
        .and_then(|e| e.non_critical_extension.as_ref());
    if let Some(list) = v1530.and_then(|e| e.dedicated_info_naslist_r15.as_ref()) {
        out.nas_pdus.extend(list.iter().map(|n| n.0.to_vec()));
    }
}

fn release(r: &asn::RRCConnectionRelease, s: &mut RrcSummary) {
    let asn::RRCConnectionReleaseCriticalExtensions::c1(
        asn::RRCConnectionReleaseCriticalExtensionsC1::rrcConnectionRelease_r8(ies),
    ) = &r.critical_extensions
    else {
        return;
    };
    use asn::ReleaseCause as C;
    s.release_cause = Some(match ies.release_cause {
        C::loadBalancingTAUrequired => "loadBalancingTAUrequired",
        C::other => "other",
        C::cs_FallbackHighPriority_v1020 => "cs-FallbackHighPriority-v1020",
        C::rrc_Suspend_v1320 => "rrc-Suspend-v1320",
    });
    let v9e0 = ies
        .non_critical_extension
        .as_ref()
        .and_then(|e| e.late_non_critical_extension.as_ref())
        .and_then(|b| nested::<asn::RRCConnectionReleaseV9e0IEs>(b));
    if let Some(rc) = &ies.redirected_carrier_info {
        let ext = v9e0
            .as_ref()
            .and_then(|v| v.redirected_carrier_info_v9e0.as_ref())
            .map(|r| r.eutra_v9e0.0);
        s.redirect = redirect(rc, ext);
    }
    if let Some(i) = &ies.idle_mode_mobility_control_info {
        let ext = v9e0
            .as_ref()
            .and_then(|v| v.idle_mode_mobility_control_info_v9e0.as_deref());
        s.idle_mode_priorities = Some(idle_mode(i, ext));
    }
}

fn redirect(rc: &asn::RedirectedCarrierInfo, eutra_v9e0: Option<u32>) -> Option<RedirectTarget> {
    use asn::RedirectedCarrierInfo as R;
    Some(match rc {
        R::eutra(a) => RedirectTarget::Eutra {
            earfcn: match eutra_v9e0 {
                Some(e) if a.0 == MAX_EARFCN => e,
                _ => u32::from(a.0),
            },
        },
        R::geran(g) => RedirectTarget::Geran {
            starting_arfcn: g.starting_arfcn.0,
            band: geran_band(&g.band_indicator),
            arfcns: geran_arfcns(g),
        },
        R::utra_FDD(u) => RedirectTarget::UtraFdd { uarfcn: u.0 },
        R::utra_TDD(u) => RedirectTarget::UtraTdd { uarfcn: u.0 },
        R::cdma2000_HRPD(c) => RedirectTarget::Cdma2000 {
            hrpd: true,
            arfcn: c.arfcn.0,
        },
        R::cdma2000_1xRTT(c) => RedirectTarget::Cdma2000 {
            hrpd: false,
            arfcn: c.arfcn.0,
        },
        R::utra_TDD_r10(l) => RedirectTarget::UtraTddList {
            uarfcns: l.0.iter().map(|u| u.0).collect(),
        },
        R::nr_r15(n) => RedirectTarget::Nr {
            arfcn: n.carrier_freq_r15.0,
        },
        R::nr_r17(n) => RedirectTarget::Nr {
            arfcn: n.carrier_freq_r17.0,
        },
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

fn idle_mode(
    i: &asn::IdleModeMobilityControlInfo,
    v9e0: Option<&asn::IdleModeMobilityControlInfoV9e0>,
) -> IdleModePriorities {
    let mut p = IdleModePriorities::default();
    if let Some(l) = &i.freq_priority_list_eutra {
        for (k, f) in l.0.iter().enumerate() {
            let ext = v9e0
                .and_then(|v| v.freq_priority_list_eutra_v9e0.get(k))
                .and_then(|e| e.carrier_freq_v9e0.as_ref())
                .map(|e| e.0);
            let earfcn = match ext {
                Some(e) if f.carrier_freq.0 == MAX_EARFCN => e,
                _ => u32::from(f.carrier_freq.0),
            };
            p.eutra.push(EutraCarrier {
                earfcn,
                priority: Some(f.cell_reselection_priority.0),
            });
        }
    }
    if let Some(l) = i
        .ext_group_freq_priority_list_ext_eutra_r12
        .as_ref()
        .and_then(|g| g.freq_priority_list_ext_eutra_r12.as_ref())
    {
        p.eutra.extend(l.0.iter().map(|f| EutraCarrier {
            earfcn: f.carrier_freq_r12.0,
            priority: Some(f.cell_reselection_priority_r12.0),
        }));
    }
    if let Some(l) = &i.freq_priority_list_geran {
        p.geran.extend(
            l.0.iter()
                .map(|g| geran_set(&g.carrier_freqs, Some(g.cell_reselection_priority.0))),
        );
    }
    if let Some(l) = &i.freq_priority_list_utra_fdd {
        p.utra_fdd.extend(l.0.iter().map(|u| UtraCarrier {
            uarfcn: u.carrier_freq.0,
            priority: Some(u.cell_reselection_priority.0),
        }));
    }
    if let Some(l) = &i.freq_priority_list_utra_tdd {
        p.utra_tdd.extend(l.0.iter().map(|u| UtraCarrier {
            uarfcn: u.carrier_freq.0,
            priority: Some(u.cell_reselection_priority.0),
        }));
    }
    if let Some(l) = i
        .ext_group_freq_priority_list_nr_r15
        .as_ref()
        .and_then(|g| g.freq_priority_list_nr_r15.as_ref())
    {
        p.nr.extend(l.0.iter().map(|n| NrCarrier {
            arfcn: n.carrier_freq_r15.0,
            priority: Some(n.cell_reselection_priority_r15.0),
        }));
    }
    use asn::IdleModeMobilityControlInfoT320 as T;
    p.t320_minutes = i.t320.as_ref().and_then(|t| match t {
        T::min5 => Some(5),
        T::min10 => Some(10),
        T::min20 => Some(20),
        T::min30 => Some(30),
        T::min60 => Some(60),
        T::min120 => Some(120),
        T::min180 => Some(180),
        T::spare1 => None,
    });
    p
}

pub(crate) fn ul_dcch(m: &asn::ULDCCHMessageType, out: &mut RrcMessage) {
    use asn::ULDCCHMessageTypeC1 as C1;
    match m {
        asn::ULDCCHMessageType::c1(C1::rrcConnectionSetupComplete(c)) => {
            if let asn::RRCConnectionSetupCompleteCriticalExtensions::c1(
                asn::RRCConnectionSetupCompleteCriticalExtensionsC1::rrcConnectionSetupComplete_r8(
                    ies,
                ),
            ) = &c.critical_extensions
            {
                out.nas_pdus.push(ies.dedicated_info_nas.0.to_vec());
            }
        }
        asn::ULDCCHMessageType::c1(C1::ulInformationTransfer(t)) => {
            if let asn::ULInformationTransferCriticalExtensions::c1(c) = &t.critical_extensions {
                match c {
                    asn::ULInformationTransferCriticalExtensionsC1::ulInformationTransfer_r8(ies) => {
                        if let asn::ULInformationTransferR8IEsDedicatedInfoType::dedicatedInfoNAS(n) =
                            &ies.dedicated_info_type
                        {
                            out.nas_pdus.push(n.0.to_vec());
                        }
                    }
                    asn::ULInformationTransferCriticalExtensionsC1::ulInformationTransfer_r16(
                        ies,
                    ) => {
                        if let Some(
                            asn::ULInformationTransferR16IEsDedicatedInfoTypeR16::dedicatedInfoNAS_r16(n),
                        ) = &ies.dedicated_info_type_r16
                        {
                            out.nas_pdus.push(n.0.to_vec());
                        }
                    }
                    _ => {}
                }
            }
        }
        asn::ULDCCHMessageType::messageClassExtension(
            asn::ULDCCHMessageTypeMessageClassExtension::c2(
                asn::ULDCCHMessageTypeMessageClassExtensionC2::rrcConnectionResumeComplete_r13(c),
            ),
        ) => {
            if let asn::RRCConnectionResumeCompleteR13CriticalExtensions::rrcConnectionResumeComplete_r13(ies) =
                &c.critical_extensions
            {
                if let Some(n) = &ies.dedicated_info_nas_r13 {
                    out.nas_pdus.push(n.0.to_vec());
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eutra_redirect(base: u16, extension: Option<u32>) -> Option<RedirectTarget> {
        redirect(
            &asn::RedirectedCarrierInfo::eutra(asn::ARFCNValueEUTRA(base)),
            extension,
        )
    }

    #[test]
    fn base_earfcn_max_earfcn_means_the_extension_value() {
        let eutra = |earfcn| Some(RedirectTarget::Eutra { earfcn });
        assert_eq!(eutra_redirect(MAX_EARFCN, Some(70_000)), eutra(70_000));
        assert_eq!(eutra_redirect(MAX_EARFCN, None), eutra(65_535));
        // Below MAX_EARFCN the base field is the value, whatever an extension says.
        assert_eq!(eutra_redirect(MAX_EARFCN - 1, Some(70_000)), eutra(65_534));
        assert_eq!(eutra_redirect(MAX_EARFCN - 1, None), eutra(65_534));
    }
}
