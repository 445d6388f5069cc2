//! Message names and the fields detection reads, taken from the decoded ASN.1 tree.

use serde::Serialize;
use stingwatch_nr_rrc_asn1 as asn;

use crate::NrRrcMessage;

/// Most entries kept from any one list (PLMNs, carriers, paging records, requested RATs). The
/// ASN.1 bounds each list already (at most 12 PLMNs, 8 carriers, 32 paging records); this only
/// makes the bound explicit here.
pub const MAX_LIST_ENTRIES: usize = 64;

/// A PLMN identity as broadcast, digits kept as text (`460`, `00`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plmn {
    /// Mobile country code; empty when the entry leaves it out (it then repeats the previous
    /// entry's, TS 38.331 PLMN-Identity).
    pub mcc: String,
    /// Mobile network code (two or three digits).
    pub mnc: String,
}

/// Where an RRCRelease redirects the device (redirectedCarrierInfo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rat", rename_all = "lowercase")]
pub enum NrRedirect {
    /// Another NR carrier.
    Nr {
        /// NR-ARFCN of the carrier.
        arfcn: u32,
    },
    /// An E-UTRA (LTE) carrier.
    Eutra {
        /// EARFCN of the carrier.
        earfcn: u32,
    },
}

/// A carrier with the reselection priority a message gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CarrierPriority {
    /// NR-ARFCN or EARFCN, as the list says.
    pub arfcn: u32,
    /// cellReselectionPriority (0 lowest .. 7 highest), when given.
    pub priority: Option<u8>,
}

/// Dedicated reselection priorities of an RRCRelease (cellReselectionPriorities).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReselectionPriorities {
    /// NR carriers.
    pub nr: Vec<CarrierPriority>,
    /// E-UTRA carriers.
    pub eutra: Vec<CarrierPriority>,
}

/// The identity of one paging record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum NrPagingIdentity {
    /// The 48-bit 5G-S-TMSI of an idle device.
    Ng5gSTmsi(u64),
    /// The 40-bit full I-RNTI of a device in RRC_INACTIVE.
    FullIRnti(u64),
}

/// The fields of an NR RRC message that detection reads. Absent fields are `None` or empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NrRrcSummary {
    /// MIB: systemFrameNumber's six most significant bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sfn_msb: Option<u8>,
    /// MIB: the cell is barred.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_barred: Option<bool>,
    /// SIB1: PLMNs of the first PLMN-IdentityInfo (the cell's primary identity).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plmns: Vec<Plmn>,
    /// SIB1: tracking area code (24 bits) of the first PLMN-IdentityInfo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tac: Option<u32>,
    /// SIB1: NR cell identity (36 bits: gNB id and local cell id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_identity: Option<u64>,
    /// SystemInformation: the SIB numbers it carries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sibs: Vec<u8>,
    /// SIB2: cellReselectionPriority of the serving NR frequency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving_priority: Option<u8>,
    /// SIB4: inter-frequency NR carriers and their priorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nr_carriers: Vec<CarrierPriority>,
    /// SIB5: E-UTRA carriers and their priorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eutra_carriers: Vec<CarrierPriority>,
    /// RRCSetupRequest: establishmentCause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub establishment_cause: Option<&'static str>,
    /// RRCReject or RRCRelease: waitTime in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_time_s: Option<u8>,
    /// RRCRelease: redirectedCarrierInfo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<NrRedirect>,
    /// RRCRelease: dedicated reselection priorities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_priorities: Option<ReselectionPriorities>,
    /// RRCRelease: suspendConfig present (the device goes to RRC_INACTIVE, not idle).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suspend: bool,
    /// SecurityModeCommand: cipheringAlgorithm (0 = nea0, no ciphering .. 3 = nea3; 4..7
    /// spare values, kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphering_algorithm: Option<u8>,
    /// SecurityModeCommand: integrityProtAlgorithm (0 = nia0, null integrity .. 3 = nia3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity_algorithm: Option<u8>,
    /// UECapabilityEnquiry: the RAT types asked for (`nr`, `eutra-nr`, `eutra`, `utra-fdd`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capability_rats: Vec<&'static str>,
    /// Paging: the identity of each record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paging: Vec<NrPagingIdentity>,
    /// MobilityFromNRCommand: the target RAT (`eutra`, `utra-fdd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobility_target: Option<&'static str>,
    /// RRCReconfiguration: carries a secondaryCellGroup (EN-DC or NR-DC addition).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secondary_cell_group: bool,
    /// RRCReconfiguration or CellGroupConfig: reconfigurationWithSync to this physical cell
    /// id (a handover or a secondary cell addition).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_target_pci: Option<u16>,
}

impl NrRrcSummary {
    /// One line a reader understands, with the fields that are present (empty when none).
    pub fn brief(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(p) = self.plmns.first() {
            parts.push(format!("PLMN {}-{}", p.mcc, p.mnc));
        }
        if let Some(t) = self.tac {
            parts.push(format!("TAC {t}"));
        }
        if let Some(c) = self.cell_identity {
            parts.push(format!("NCI {c}"));
        }
        if !self.sibs.is_empty() {
            let s: Vec<String> = self.sibs.iter().map(|n| format!("SIB{n}")).collect();
            parts.push(s.join(" "));
        }
        if let Some(p) = self.serving_priority {
            parts.push(format!("serving priority {p}"));
        }
        let list = |l: &[CarrierPriority]| -> String {
            l.iter()
                .map(|c| match c.priority {
                    Some(p) => format!("{}:{p}", c.arfcn),
                    None => format!("{}:-", c.arfcn),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        if !self.nr_carriers.is_empty() {
            parts.push(format!("NR priorities {}", list(&self.nr_carriers)));
        }
        if !self.eutra_carriers.is_empty() {
            parts.push(format!("E-UTRA priorities {}", list(&self.eutra_carriers)));
        }
        if let Some(c) = self.establishment_cause {
            parts.push(format!("cause {c}"));
        }
        match self.redirect {
            Some(NrRedirect::Nr { arfcn }) => parts.push(format!("redirect to NR {arfcn}")),
            Some(NrRedirect::Eutra { earfcn }) => {
                parts.push(format!("redirect to E-UTRA {earfcn}"))
            }
            None => {}
        }
        if let Some(p) = &self.release_priorities {
            parts.push(format!(
                "dedicated priorities NR {} E-UTRA {}",
                list(&p.nr),
                list(&p.eutra)
            ));
        }
        if self.suspend {
            parts.push("suspend".into());
        }
        if let Some(c) = self.ciphering_algorithm {
            parts.push(format!("nea{c}"));
        }
        if let Some(i) = self.integrity_algorithm {
            parts.push(format!("nia{i}"));
        }
        if !self.capability_rats.is_empty() {
            parts.push(format!("RATs {}", self.capability_rats.join(",")));
        }
        if !self.paging.is_empty() {
            let (tmsi, irnti) = self.paging.iter().fold((0, 0), |(t, i), p| match p {
                NrPagingIdentity::Ng5gSTmsi(_) => (t + 1, i),
                NrPagingIdentity::FullIRnti(_) => (t, i + 1),
            });
            parts.push(format!("{tmsi} 5G-S-TMSI, {irnti} I-RNTI"));
        }
        if let Some(t) = self.mobility_target {
            parts.push(format!("to {t}"));
        }
        if self.secondary_cell_group {
            parts.push("secondary cell group".into());
        }
        if let Some(p) = self.sync_target_pci {
            parts.push(format!("sync to PCI {p}"));
        }
        if let Some(b) = self.cell_barred {
            parts.push(if b { "barred" } else { "not barred" }.into());
        }
        parts.join(", ")
    }
}

/// The first `width` bits (at most 64) as a number. A fixed-size BIT STRING of N bits is
/// stored in N bytes, with the value in its first N bits; the rest is never part of it.
fn bits_value(bits: &rasn::types::BitStr, width: usize) -> u64 {
    bits.iter()
        .take(width.min(64))
        .fold(0u64, |acc, b| (acc << 1) | u64::from(*b))
}

fn digits(d: &[asn::MCCMNCDigit]) -> String {
    d.iter()
        .take(3)
        .map(|x| char::from_digit(u32::from(x.0), 10).unwrap_or('?'))
        .collect()
}

pub(crate) fn bcch_bch(m: &asn::BCCHBCHMessageType, out: &mut NrRrcMessage) {
    match m {
        asn::BCCHBCHMessageType::mib(mib) => {
            out.name = "mib";
            out.summary.sfn_msb = u8::try_from(bits_value(&mib.system_frame_number, 6)).ok();
            out.summary.cell_barred = Some(matches!(mib.cell_barred, asn::MIBCellBarred::barred));
        }
        asn::BCCHBCHMessageType::messageClassExtension(_) => out.name = "messageClassExtension",
    }
}

pub(crate) fn bcch_dl_sch(m: &asn::BCCHDLSCHMessageType, out: &mut NrRrcMessage) {
    use asn::BCCHDLSCHMessageTypeC1 as C1;
    match m {
        asn::BCCHDLSCHMessageType::c1(C1::systemInformationBlockType1(sib1)) => {
            out.name = "systemInformationBlockType1";
            sib1_fields(sib1, &mut out.summary);
        }
        asn::BCCHDLSCHMessageType::c1(C1::systemInformation(si)) => {
            out.name = "systemInformation";
            system_information(si, &mut out.summary);
        }
        asn::BCCHDLSCHMessageType::messageClassExtension(_) => out.name = "messageClassExtension",
    }
}

fn sib1_fields(sib1: &asn::SIB1, s: &mut NrRrcSummary) {
    let Some(first) = sib1
        .cell_access_related_info
        .plmn_identity_info_list
        .0
        .first()
    else {
        return;
    };
    let mut mcc = String::new();
    for p in first.plmn_identity_list.iter().take(MAX_LIST_ENTRIES) {
        if let Some(m) = &p.mcc {
            mcc = digits(&m.0);
        }
        s.plmns.push(Plmn {
            mcc: mcc.clone(),
            mnc: digits(&p.mnc.0),
        });
    }
    s.tac = first
        .tracking_area_code
        .as_ref()
        .and_then(|t| u32::try_from(bits_value(&t.0, 24)).ok());
    s.cell_identity = Some(bits_value(&first.cell_identity.0, 36));
}

fn system_information(si: &asn::SystemInformation, s: &mut NrRrcSummary) {
    use asn::AnonymousSystemInformationIEsSibTypeAndInfo as Sib;
    let asn::SystemInformationCriticalExtensions::systemInformation(ies) = &si.critical_extensions
    else {
        return;
    };
    for sib in ies.sib_type_and_info.0.iter().take(MAX_LIST_ENTRIES) {
        let n =
            match sib {
                Sib::sib2(b) => {
                    s.serving_priority = Some(
                        b.cell_reselection_serving_freq_info
                            .cell_reselection_priority
                            .0,
                    );
                    2
                }
                Sib::sib3(_) => 3,
                Sib::sib4(b) => {
                    s.nr_carriers.extend(
                        b.inter_freq_carrier_freq_list
                            .0
                            .iter()
                            .take(MAX_LIST_ENTRIES)
                            .map(|c| CarrierPriority {
                                arfcn: c.dl_carrier_freq.0,
                                priority: c.cell_reselection_priority.as_ref().map(|p| p.0),
                            }),
                    );
                    4
                }
                Sib::sib5(b) => {
                    if let Some(list) = &b.carrier_freq_list_eutra {
                        s.eutra_carriers
                            .extend(list.0.iter().take(MAX_LIST_ENTRIES).map(|c| {
                                CarrierPriority {
                                    arfcn: c.carrier_freq.0,
                                    priority: c.cell_reselection_priority.as_ref().map(|p| p.0),
                                }
                            }));
                    }
                    5
                }
                Sib::sib6(_) => 6,
                Sib::sib7(_) => 7,
                Sib::sib8(_) => 8,
                Sib::sib9(_) => 9,
                Sib::sib10_v1610(_) => 10,
                Sib::sib11_v1610(_) => 11,
                Sib::sib12_v1610(_) => 12,
                Sib::sib13_v1610(_) => 13,
                Sib::sib14_v1610(_) => 14,
                Sib::sib15_v1700(_) => 15,
                Sib::sib16_v1700(_) => 16,
                Sib::sib17_v1700(_) => 17,
                Sib::sib18_v1700(_) => 18,
                Sib::sib19_v1700(_) => 19,
                Sib::sib20_v1700(_) => 20,
                Sib::sib21_v1700(_) => 21,
                Sib::sib22_v1800(_) => 22,
                Sib::sib23_v1800(_) => 23,
                Sib::sib24_v1800(_) => 24,
                Sib::sib25_v1800(_) => 25,
                Sib::sib17bis_v1820(_) => 17,
                // A later release's SIB: counted as unknown (0) rather than dropped.
                _ => 0,
            };
        if s.sibs.len() < MAX_LIST_ENTRIES {
            s.sibs.push(n);
        }
    }
}

pub(crate) fn dl_ccch(m: &asn::DLCCCHMessageType, out: &mut NrRrcMessage) {
    use asn::DLCCCHMessageTypeC1 as C1;
    out.name = match m {
        asn::DLCCCHMessageType::c1(C1::rrcReject(r)) => {
            if let asn::RRCRejectCriticalExtensions::rrcReject(ies) = &r.critical_extensions {
                out.summary.wait_time_s = ies.wait_time.as_ref().map(|w| w.0);
            }
            "rrcReject"
        }
        asn::DLCCCHMessageType::c1(C1::rrcSetup(_)) => "rrcSetup",
        asn::DLCCCHMessageType::c1(_) => "spare",
        asn::DLCCCHMessageType::messageClassExtension(_) => "messageClassExtension",
    };
}

fn push_nas(out: &mut NrRrcMessage, nas: Option<&asn::DedicatedNASMessage>) {
    if let Some(n) = nas {
        if out.nas_pdus.len() < MAX_LIST_ENTRIES {
            out.nas_pdus.push(n.0.to_vec());
        }
    }
}

fn carriers_eutra(l: &asn::FreqPriorityListEUTRA) -> Vec<CarrierPriority> {
    l.0.iter()
        .take(MAX_LIST_ENTRIES)
        .map(|c| CarrierPriority {
            arfcn: c.carrier_freq.0,
            priority: Some(c.cell_reselection_priority.0),
        })
        .collect()
}

fn carriers_nr(l: &asn::FreqPriorityListNR) -> Vec<CarrierPriority> {
    l.0.iter()
        .take(MAX_LIST_ENTRIES)
        .map(|c| CarrierPriority {
            arfcn: c.carrier_freq.0,
            priority: Some(c.cell_reselection_priority.0),
        })
        .collect()
}

pub(crate) fn dl_dcch(m: &asn::DLDCCHMessageType, out: &mut NrRrcMessage) {
    use asn::DLDCCHMessageTypeC1 as C1;
    let asn::DLDCCHMessageType::c1(c1) = m else {
        out.name = "messageClassExtension";
        return;
    };
    out.name = match c1 {
        C1::rrcReconfiguration(r) => {
            reconfiguration(r, out);
            "rrcReconfiguration"
        }
        C1::rrcResume(_) => "rrcResume",
        C1::rrcRelease(r) => {
            release(r, &mut out.summary);
            "rrcRelease"
        }
        C1::rrcReestablishment(_) => "rrcReestablishment",
        C1::securityModeCommand(smc) => {
            if let asn::SecurityModeCommandCriticalExtensions::securityModeCommand(ies) =
                &smc.critical_extensions
            {
                let alg = &ies.security_config_smc.security_algorithm_config;
                out.summary.ciphering_algorithm = Some(alg.ciphering_algorithm as u8);
                out.summary.integrity_algorithm = alg.integrity_prot_algorithm.map(|i| i as u8);
            }
            "securityModeCommand"
        }
        C1::dlInformationTransfer(d) => {
            if let asn::DLInformationTransferCriticalExtensions::dlInformationTransfer(ies) =
                &d.critical_extensions
            {
                push_nas(out, ies.dedicated_nas_message.as_ref());
            }
            "dlInformationTransfer"
        }
        C1::ueCapabilityEnquiry(e) => {
            if let asn::UECapabilityEnquiryCriticalExtensions::ueCapabilityEnquiry(ies) =
                &e.critical_extensions
            {
                out.summary.capability_rats = ies
                    .ue_capability_rat_request_list
                    .0
                    .iter()
                    .take(MAX_LIST_ENTRIES)
                    .map(|r| match r.rat_type {
                        asn::RATType::nr => "nr",
                        asn::RATType::eutra_nr => "eutra-nr",
                        asn::RATType::eutra => "eutra",
                        asn::RATType::utra_fdd_v1610 => "utra-fdd",
                        _ => "unknown",
                    })
                    .collect();
            }
            "ueCapabilityEnquiry"
        }
        C1::counterCheck(_) => "counterCheck",
        C1::mobilityFromNRCommand(c) => {
            if let asn::MobilityFromNRCommandCriticalExtensions::mobilityFromNRCommand(ies) =
                &c.critical_extensions
            {
                out.summary.mobility_target = Some(match ies.target_rat_type {
                    asn::MobilityFromNRCommandIEsTargetRATType::eutra => "eutra",
                    asn::MobilityFromNRCommandIEsTargetRATType::utra_fdd_v1610 => "utra-fdd",
                    _ => "spare",
                });
            }
            "mobilityFromNRCommand"
        }
        C1::dlDedicatedMessageSegment_r16(_) => "dlDedicatedMessageSegment-r16",
        C1::ueInformationRequest_r16(_) => "ueInformationRequest-r16",
        C1::dlInformationTransferMRDC_r16(_) => "dlInformationTransferMRDC-r16",
        C1::loggedMeasurementConfiguration_r16(_) => "loggedMeasurementConfiguration-r16",
        C1::spare3(_) | C1::spare2(_) | C1::spare1(_) => "spare",
    };
}

fn release(r: &asn::RRCRelease, s: &mut NrRrcSummary) {
    let asn::RRCReleaseCriticalExtensions::rrcRelease(ies) = &r.critical_extensions else {
        return;
    };
    s.redirect = ies.redirected_carrier_info.as_ref().and_then(|c| match c {
        asn::RedirectedCarrierInfo::nr(n) => Some(NrRedirect::Nr {
            arfcn: n.carrier_freq.0,
        }),
        asn::RedirectedCarrierInfo::eutra(e) => Some(NrRedirect::Eutra {
            earfcn: e.eutra_frequency.0,
        }),
        // A later release's target: not one detection knows.
        _ => None,
    });
    s.release_priorities =
        ies.cell_reselection_priorities
            .as_ref()
            .map(|p| ReselectionPriorities {
                nr: p
                    .freq_priority_list_nr
                    .as_ref()
                    .map(carriers_nr)
                    .unwrap_or_default(),
                eutra: p
                    .freq_priority_list_eutra
                    .as_ref()
                    .map(carriers_eutra)
                    .unwrap_or_default(),
            });
    s.suspend = ies.suspend_config.is_some();
    s.wait_time_s = ies
        .non_critical_extension
        .as_ref()
        .and_then(|v| v.wait_time.as_ref())
        .map(|w| w.0);
}

pub(crate) fn reconfiguration(r: &asn::RRCReconfiguration, out: &mut NrRrcMessage) {
    let asn::RRCReconfigurationCriticalExtensions::rrcReconfiguration(ies) = &r.critical_extensions
    else {
        return;
    };
    out.summary.secondary_cell_group = ies.secondary_cell_group.is_some();
    // The cell group travels as an OCTET STRING; a handover's target is inside it.
    let group = ies.secondary_cell_group.as_ref().or_else(|| {
        ies.non_critical_extension
            .as_ref()
            .and_then(|v| v.master_cell_group.as_ref())
    });
    if let Some(bytes) = group {
        if let Ok(cg) = <asn::CellGroupConfig as asn::Uper>::decode_uper(bytes) {
            cell_group(&cg, &mut out.summary);
        }
    }
    if let Some(list) = ies
        .non_critical_extension
        .as_ref()
        .and_then(|v| v.dedicated_nas_message_list.as_ref())
    {
        for n in list.iter() {
            push_nas(out, Some(n));
        }
    }
}

pub(crate) fn cell_group(cg: &asn::CellGroupConfig, s: &mut NrRrcSummary) {
    s.sync_target_pci = cg
        .sp_cell_config
        .as_ref()
        .and_then(|sp| sp.reconfiguration_with_sync.as_ref())
        .and_then(|r| r.sp_cell_config_common.as_ref())
        .and_then(|c| c.phys_cell_id.as_ref())
        .map(|p| p.0);
}

pub(crate) fn pcch(m: &asn::PCCHMessageType, out: &mut NrRrcMessage) {
    out.name = match m {
        asn::PCCHMessageType::c1(asn::PCCHMessageTypeC1::paging(p)) => {
            if let Some(list) = &p.paging_record_list {
                out.summary.paging = list
                    .0
                    .iter()
                    .take(MAX_LIST_ENTRIES)
                    .filter_map(|r| match &r.ue_identity {
                        asn::PagingUEIdentity::ng_5G_S_TMSI(t) => {
                            Some(NrPagingIdentity::Ng5gSTmsi(bits_value(&t.0, 48)))
                        }
                        asn::PagingUEIdentity::fullI_RNTI(i) => {
                            Some(NrPagingIdentity::FullIRnti(bits_value(&i.0, 40)))
                        }
                        _ => None,
                    })
                    .collect();
            }
            "paging"
        }
        asn::PCCHMessageType::c1(_) => "spare",
        asn::PCCHMessageType::messageClassExtension(_) => "messageClassExtension",
    };
}

pub(crate) fn ul_ccch(m: &asn::ULCCCHMessageType, out: &mut NrRrcMessage) {
    use asn::ULCCCHMessageTypeC1 as C1;
    out.name = match m {
        asn::ULCCCHMessageType::c1(C1::rrcSetupRequest(r)) => {
            use asn::EstablishmentCause as E;
            out.summary.establishment_cause = Some(match r.rrc_setup_request.establishment_cause {
                E::emergency => "emergency",
                E::highPriorityAccess => "highPriorityAccess",
                E::mt_Access => "mt-Access",
                E::mo_Signalling => "mo-Signalling",
                E::mo_Data => "mo-Data",
                E::mo_VoiceCall => "mo-VoiceCall",
                E::mo_VideoCall => "mo-VideoCall",
                E::mo_SMS => "mo-SMS",
                E::mps_PriorityAccess => "mps-PriorityAccess",
                E::mcs_PriorityAccess => "mcs-PriorityAccess",
                _ => "spare",
            });
            "rrcSetupRequest"
        }
        asn::ULCCCHMessageType::c1(C1::rrcResumeRequest(_)) => "rrcResumeRequest",
        asn::ULCCCHMessageType::c1(C1::rrcReestablishmentRequest(_)) => "rrcReestablishmentRequest",
        asn::ULCCCHMessageType::c1(C1::rrcSystemInfoRequest(_)) => "rrcSystemInfoRequest",
        asn::ULCCCHMessageType::messageClassExtension(_) => "messageClassExtension",
    };
}

pub(crate) fn ul_dcch(m: &asn::ULDCCHMessageType, out: &mut NrRrcMessage) {
    use asn::ULDCCHMessageTypeC1 as C1;
    use asn::ULDCCHMessageTypeMessageClassExtensionC2 as C2;
    out.name = match m {
        asn::ULDCCHMessageType::c1(c1) => match c1 {
            C1::measurementReport(_) => "measurementReport",
            C1::rrcReconfigurationComplete(_) => "rrcReconfigurationComplete",
            C1::rrcSetupComplete(c) => {
                if let asn::RRCSetupCompleteCriticalExtensions::rrcSetupComplete(ies) =
                    &c.critical_extensions
                {
                    push_nas(out, Some(&ies.dedicated_nas_message));
                }
                "rrcSetupComplete"
            }
            C1::rrcReestablishmentComplete(_) => "rrcReestablishmentComplete",
            C1::rrcResumeComplete(_) => "rrcResumeComplete",
            C1::securityModeComplete(_) => "securityModeComplete",
            C1::securityModeFailure(_) => "securityModeFailure",
            C1::ulInformationTransfer(u) => {
                if let asn::ULInformationTransferCriticalExtensions::ulInformationTransfer(ies) =
                    &u.critical_extensions
                {
                    push_nas(out, ies.dedicated_nas_message.as_ref());
                }
                "ulInformationTransfer"
            }
            C1::locationMeasurementIndication(_) => "locationMeasurementIndication",
            C1::ueCapabilityInformation(_) => "ueCapabilityInformation",
            C1::counterCheckResponse(_) => "counterCheckResponse",
            C1::ueAssistanceInformation(_) => "ueAssistanceInformation",
            C1::failureInformation(_) => "failureInformation",
            C1::ulInformationTransferMRDC(_) => "ulInformationTransferMRDC",
            C1::scgFailureInformation(_) => "scgFailureInformation",
            C1::scgFailureInformationEUTRA(_) => "scgFailureInformationEUTRA",
        },
        asn::ULDCCHMessageType::messageClassExtension(
            asn::ULDCCHMessageTypeMessageClassExtension::c2(c2),
        ) => match c2 {
            C2::ulDedicatedMessageSegment_r16(_) => "ulDedicatedMessageSegment-r16",
            C2::dedicatedSIBRequest_r16(_) => "dedicatedSIBRequest-r16",
            C2::mcgFailureInformation_r16(_) => "mcgFailureInformation-r16",
            C2::ueInformationResponse_r16(_) => "ueInformationResponse-r16",
            C2::sidelinkUEInformationNR_r16(_) => "sidelinkUEInformationNR-r16",
            C2::ulInformationTransferIRAT_r16(_) => "ulInformationTransferIRAT-r16",
            C2::iabOtherInformation_r16(_) => "iabOtherInformation-r16",
            C2::mbsInterestIndication_r17(_) => "mbsInterestIndication-r17",
            C2::uePositioningAssistanceInfo_r17(_) => "uePositioningAssistanceInfo-r17",
            C2::measurementReportAppLayer_r17(_) => "measurementReportAppLayer-r17",
            C2::indirectPathFailureInformation_r18(_) => "indirectPathFailureInformation-r18",
            _ => "spare",
        },
        asn::ULDCCHMessageType::messageClassExtension(_) => "messageClassExtensionFuture-r16",
    };
}
