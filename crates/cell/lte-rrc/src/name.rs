//! Message names: the ASN.1 type name of the message, as protocol analyzers show it in their
//! summary line (release suffixes such as `-r13` included).

use stingwatch_lte_rrc_asn1 as asn;

pub(crate) fn bcch_dl_sch(m: &asn::BCCHDLSCHMessageType) -> &'static str {
    use asn::BCCHDLSCHMessageTypeC1 as C1;
    match m {
        asn::BCCHDLSCHMessageType::c1(C1::systemInformation(_)) => "SystemInformation",
        asn::BCCHDLSCHMessageType::c1(C1::systemInformationBlockType1(_)) => {
            "SystemInformationBlockType1"
        }
        asn::BCCHDLSCHMessageType::messageClassExtension(_) => "BCCH-DL-SCH messageClassExtension",
    }
}

pub(crate) fn bcch_dl_sch_br(m: &asn::BCCHDLSCHMessageTypeBRR13) -> &'static str {
    use asn::BCCHDLSCHMessageTypeBRR13C1 as C1;
    match m {
        asn::BCCHDLSCHMessageTypeBRR13::c1(C1::systemInformation_BR_r13(_)) => {
            "SystemInformation-BR-r13"
        }
        asn::BCCHDLSCHMessageTypeBRR13::c1(C1::systemInformationBlockType1_BR_r13(_)) => {
            "SystemInformationBlockType1-BR-r13"
        }
        asn::BCCHDLSCHMessageTypeBRR13::messageClassExtension(_) => {
            "BCCH-DL-SCH-BR messageClassExtension"
        }
    }
}

pub(crate) fn bcch_dl_sch_mbms(m: &asn::BCCHDLSCHMessageTypeMBMSR14) -> &'static str {
    use asn::BCCHDLSCHMessageTypeMBMSR14C1 as C1;
    match m {
        asn::BCCHDLSCHMessageTypeMBMSR14::c1(C1::systemInformation_MBMS_r14(_)) => {
            "SystemInformation-MBMS-r14"
        }
        asn::BCCHDLSCHMessageTypeMBMSR14::c1(C1::systemInformationBlockType1_MBMS_r14(_)) => {
            "SystemInformationBlockType1-MBMS-r14"
        }
        asn::BCCHDLSCHMessageTypeMBMSR14::messageClassExtension(_) => {
            "BCCH-DL-SCH-MBMS messageClassExtension"
        }
    }
}

pub(crate) fn pcch(m: &asn::PCCHMessageType) -> &'static str {
    match m {
        asn::PCCHMessageType::c1(asn::PCCHMessageTypeC1::paging(_)) => "Paging",
        asn::PCCHMessageType::messageClassExtension(_) => "PCCH messageClassExtension",
    }
}

pub(crate) fn dl_ccch(m: &asn::DLCCCHMessageType) -> &'static str {
    use asn::DLCCCHMessageTypeC1 as C1;
    use asn::DLCCCHMessageTypeMessageClassExtension as Ext;
    use asn::DLCCCHMessageTypeMessageClassExtensionC2 as C2;
    match m {
        asn::DLCCCHMessageType::c1(c) => match c {
            C1::rrcConnectionReestablishment(_) => "RRCConnectionReestablishment",
            C1::rrcConnectionReestablishmentReject(_) => "RRCConnectionReestablishmentReject",
            C1::rrcConnectionReject(_) => "RRCConnectionReject",
            C1::rrcConnectionSetup(_) => "RRCConnectionSetup",
        },
        asn::DLCCCHMessageType::messageClassExtension(e) => match e {
            Ext::c2(C2::rrcEarlyDataComplete_r15(_)) => "RRCEarlyDataComplete-r15",
            Ext::c2(C2::spare3(_) | C2::spare2(_) | C2::spare1(_)) => "DL-CCCH spare",
            Ext::messageClassExtensionFuture_r15(_) => "DL-CCCH messageClassExtensionFuture-r15",
        },
    }
}

pub(crate) fn dl_dcch(m: &asn::DLDCCHMessageType) -> &'static str {
    use asn::DLDCCHMessageTypeC1 as C1;
    match m {
        asn::DLDCCHMessageType::c1(c) => match c {
            C1::csfbParametersResponseCDMA2000(_) => "CSFBParametersResponseCDMA2000",
            C1::dlInformationTransfer(_) => "DLInformationTransfer",
            C1::handoverFromEUTRAPreparationRequest(_) => "HandoverFromEUTRAPreparationRequest",
            C1::mobilityFromEUTRACommand(_) => "MobilityFromEUTRACommand",
            C1::rrcConnectionReconfiguration(_) => "RRCConnectionReconfiguration",
            C1::rrcConnectionRelease(_) => "RRCConnectionRelease",
            C1::securityModeCommand(_) => "SecurityModeCommand",
            C1::ueCapabilityEnquiry(_) => "UECapabilityEnquiry",
            C1::counterCheck(_) => "CounterCheck",
            C1::ueInformationRequest_r9(_) => "UEInformationRequest-r9",
            C1::loggedMeasurementConfiguration_r10(_) => "LoggedMeasurementConfiguration-r10",
            C1::rnReconfiguration_r10(_) => "RNReconfiguration-r10",
            C1::rrcConnectionResume_r13(_) => "RRCConnectionResume-r13",
            C1::dlDedicatedMessageSegment_r16(_) => "DLDedicatedMessageSegment-r16",
            C1::spare2(_) | C1::spare1(_) => "DL-DCCH spare",
        },
        asn::DLDCCHMessageType::messageClassExtension(_) => "DL-DCCH messageClassExtension",
    }
}

pub(crate) fn ul_ccch(m: &asn::ULCCCHMessageType) -> &'static str {
    use asn::ULCCCHMessageTypeC1 as C1;
    use asn::ULCCCHMessageTypeMessageClassExtension as Ext;
    use asn::ULCCCHMessageTypeMessageClassExtensionC2 as C2;
    use asn::ULCCCHMessageTypeMessageClassExtensionMessageClassExtensionFutureR13 as Fut13;
    use asn::ULCCCHMessageTypeMessageClassExtensionMessageClassExtensionFutureR13C3 as C3;
    match m {
        asn::ULCCCHMessageType::c1(c) => match c {
            C1::rrcConnectionReestablishmentRequest(_) => "RRCConnectionReestablishmentRequest",
            C1::rrcConnectionRequest(_) => "RRCConnectionRequest",
        },
        asn::ULCCCHMessageType::messageClassExtension(e) => match e {
            Ext::c2(C2::rrcConnectionResumeRequest_r13(_)) => "RRCConnectionResumeRequest-r13",
            Ext::messageClassExtensionFuture_r13(f) => match f {
                Fut13::c3(C3::rrcEarlyDataRequest_r15(_)) => "RRCEarlyDataRequest-r15",
                Fut13::c3(C3::spare3(_) | C3::spare2(_) | C3::spare1(_)) => "UL-CCCH spare",
                Fut13::messageClassExtensionFuture_r15(_) => {
                    "UL-CCCH messageClassExtensionFuture-r15"
                }
            },
        },
    }
}

pub(crate) fn ul_dcch(m: &asn::ULDCCHMessageType) -> &'static str {
    use asn::ULDCCHMessageTypeC1 as C1;
    use asn::ULDCCHMessageTypeMessageClassExtension as Ext;
    use asn::ULDCCHMessageTypeMessageClassExtensionC2 as C2;
    match m {
        asn::ULDCCHMessageType::c1(c) => match c {
            C1::csfbParametersRequestCDMA2000(_) => "CSFBParametersRequestCDMA2000",
            C1::measurementReport(_) => "MeasurementReport",
            C1::rrcConnectionReconfigurationComplete(_) => "RRCConnectionReconfigurationComplete",
            C1::rrcConnectionReestablishmentComplete(_) => "RRCConnectionReestablishmentComplete",
            C1::rrcConnectionSetupComplete(_) => "RRCConnectionSetupComplete",
            C1::securityModeComplete(_) => "SecurityModeComplete",
            C1::securityModeFailure(_) => "SecurityModeFailure",
            C1::ueCapabilityInformation(_) => "UECapabilityInformation",
            C1::ulHandoverPreparationTransfer(_) => "ULHandoverPreparationTransfer",
            C1::ulInformationTransfer(_) => "ULInformationTransfer",
            C1::counterCheckResponse(_) => "CounterCheckResponse",
            C1::ueInformationResponse_r9(_) => "UEInformationResponse-r9",
            C1::proximityIndication_r9(_) => "ProximityIndication-r9",
            C1::rnReconfigurationComplete_r10(_) => "RNReconfigurationComplete-r10",
            C1::mbmsCountingResponse_r10(_) => "MBMSCountingResponse-r10",
            C1::interFreqRSTDMeasurementIndication_r10(_) => {
                "InterFreqRSTDMeasurementIndication-r10"
            }
        },
        asn::ULDCCHMessageType::messageClassExtension(e) => match e {
            Ext::c2(c) => match c {
                C2::ueAssistanceInformation_r11(_) => "UEAssistanceInformation-r11",
                C2::inDeviceCoexIndication_r11(_) => "InDeviceCoexIndication-r11",
                C2::mbmsInterestIndication_r11(_) => "MBMSInterestIndication-r11",
                C2::scgFailureInformation_r12(_) => "SCGFailureInformation-r12",
                C2::sidelinkUEInformation_r12(_) => "SidelinkUEInformation-r12",
                C2::wlanConnectionStatusReport_r13(_) => "WLANConnectionStatusReport-r13",
                C2::rrcConnectionResumeComplete_r13(_) => "RRCConnectionResumeComplete-r13",
                C2::ulInformationTransferMRDC_r15(_) => "ULInformationTransferMRDC-r15",
                C2::scgFailureInformationNR_r15(_) => "SCGFailureInformationNR-r15",
                C2::measReportAppLayer_r15(_) => "MeasReportAppLayer-r15",
                C2::failureInformation_r15(_) => "FailureInformation-r15",
                C2::ulDedicatedMessageSegment_r16(_) => "ULDedicatedMessageSegment-r16",
                C2::purConfigurationRequest_r16(_) => "PURConfigurationRequest-r16",
                C2::failureInformation_r16(_) => "FailureInformation-r16",
                C2::mcgFailureInformation_r16(_) => "MCGFailureInformation-r16",
                C2::ulInformationTransferIRAT_r16(_) => "ULInformationTransferIRAT-r16",
            },
            Ext::messageClassExtensionFuture_r11(_) => "UL-DCCH messageClassExtensionFuture-r11",
        },
    }
}

pub(crate) fn mcch(m: &asn::MCCHMessageType) -> &'static str {
    match m {
        asn::MCCHMessageType::c1(asn::MCCHMessageTypeC1::mbsfnAreaConfiguration_r9(_)) => {
            "MBSFNAreaConfiguration-r9"
        }
        asn::MCCHMessageType::later(asn::MCCHMessageTypeLater::c2(
            asn::MCCHMessageTypeLaterC2::mbmsCountingRequest_r10(_),
        )) => "MBMSCountingRequest-r10",
        asn::MCCHMessageType::later(asn::MCCHMessageTypeLater::messageClassExtension(_)) => {
            "MCCH messageClassExtension"
        }
    }
}

pub(crate) fn sc_mcch(m: &asn::SCMCCHMessageTypeR13) -> &'static str {
    use asn::SCMCCHMessageTypeR13MessageClassExtension as Ext;
    use asn::SCMCCHMessageTypeR13MessageClassExtensionC2 as C2;
    match m {
        asn::SCMCCHMessageTypeR13::c1(asn::SCMCCHMessageTypeR13C1::scptmConfiguration_r13(_)) => {
            "SCPTMConfiguration-r13"
        }
        asn::SCMCCHMessageTypeR13::messageClassExtension(e) => match e {
            Ext::c2(C2::scptmConfiguration_BR_r14(_)) => "SCPTMConfiguration-BR-r14",
            Ext::c2(C2::spare(_)) => "SC-MCCH spare",
            Ext::messageClassExtensionFuture_r14(_) => "SC-MCCH messageClassExtensionFuture-r14",
        },
    }
}
