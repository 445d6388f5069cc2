//! A UPER walker for NR RRC: it reads the whole message by the schema table generated from
//! TS 38.331 (`crate::schema`, `stingwatch_uper::schema`), reading by hand only the places
//! whose values detection keeps, and fills the same [`NrRrcMessage`] the generated decoder's
//! summary would, without building the decoded tree.
//!
//! Why: the generated decoder allocates a box for every optional component and a vector for
//! every list, and a reconfiguration carries whole cell group configurations (decoded a
//! second time from their containers) of which detection reads one cell identity.
//!
//! The walker answers only when it is sure: on anything the table does not know in full (an
//! extension the module does not define, a value outside its constraint, a container whose
//! contents do not walk) it returns `None`, and [`crate::decode_for_detection`] asks the
//! generated decoder, which then gives the answer or the error. `stingwatch-decode`'s
//! `tests/nr_walker.rs` holds the two equal on every real recording and on damaged copies,
//! and the fuzz target `nr_rrc_walker` on arbitrary bytes.

use crate::summary::{
    CarrierPriority, NrPagingIdentity, NrRedirect, NrRrcSummary, Plmn, ReselectionPriorities,
    MAX_LIST_ENTRIES,
};
use crate::{schema, NrRrcChannel, NrRrcMessage};
use stingwatch_uper::bits::{BitReader, Bits, Short};
use stingwatch_uper::schema::{Interest, Place, Schema, TyId};

/// The TS 38.331 schema table.
static NR: Schema = Schema::compiled(&schema::TYPES, crate::skip::skip);

/// The message type of `channel` in the schema table.
fn message_type(channel: NrRrcChannel) -> TyId {
    match channel {
        NrRrcChannel::BcchBch => schema::BCCH_BCH_MESSAGE_TYPE,
        NrRrcChannel::BcchDlSch => schema::BCCH_DL_SCH_MESSAGE_TYPE,
        NrRrcChannel::DlCcch => schema::DL_CCCH_MESSAGE_TYPE,
        NrRrcChannel::DlDcch => schema::DL_DCCH_MESSAGE_TYPE,
        NrRrcChannel::Pcch => schema::PCCH_MESSAGE_TYPE,
        NrRrcChannel::UlCcch => schema::UL_CCCH_MESSAGE_TYPE,
        NrRrcChannel::UlCcch1 => schema::UL_CCCH1_MESSAGE_TYPE,
        NrRrcChannel::UlDcch => schema::UL_DCCH_MESSAGE_TYPE,
        NrRrcChannel::RrcReconfiguration => schema::RRC_RECONFIGURATION,
        NrRrcChannel::RrcReconfigurationComplete => schema::RRC_RECONFIGURATION_COMPLETE,
        NrRrcChannel::CellGroupConfig => schema::CELL_GROUP_CONFIG,
        NrRrcChannel::RadioBearerConfig => schema::RADIO_BEARER_CONFIG,
    }
}

/// Bits of the whole message on `channel` walked by the schema table alone.
pub(crate) fn skim(channel: NrRrcChannel, bytes: &[u8]) -> Option<usize> {
    let mut r = BitReader::new(bytes);
    NR.skip(&mut r, message_type(channel)).ok()?;
    Some(r.position())
}

/// [`skim`] by walking the table instead of its compiled form.
pub(crate) fn skim_by_table(channel: NrRrcChannel, bytes: &[u8]) -> Option<usize> {
    let mut r = BitReader::new(bytes);
    NR.skip_by_table(&mut r, message_type(channel)).ok()?;
    Some(r.position())
}

/// The message on `channel` read by the walker, or `None` when the generated decoder must
/// decide. `bytes` is at most [`crate::MAX_NR_RRC_PDU`] long and not empty (checked by the
/// caller).
pub(crate) fn walk(channel: NrRrcChannel, bytes: &[u8]) -> Option<Box<NrRrcMessage>> {
    let mut r = BitReader::new(bytes);
    let mut out = Box::new(NrRrcMessage {
        channel,
        name: "",
        summary: NrRrcSummary::default(),
        nas_pdus: Vec::new(),
    });
    let ty = message_type(channel);
    let walked = match channel {
        NrRrcChannel::BcchBch => bcch_bch(&mut r, &mut out),
        NrRrcChannel::BcchDlSch => bcch_dl_sch(&mut r, &mut out),
        NrRrcChannel::DlCcch => dl_ccch(&mut r, &mut out),
        NrRrcChannel::DlDcch => dl_dcch(&mut r, &mut out),
        NrRrcChannel::Pcch => pcch(&mut r, &mut out),
        NrRrcChannel::UlCcch => ul_ccch(&mut r, &mut out),
        NrRrcChannel::UlCcch1 => ul_ccch1(&mut r, &mut out),
        NrRrcChannel::UlDcch => ul_dcch(&mut r, &mut out),
        NrRrcChannel::RrcReconfiguration => {
            out.name = "rrcReconfiguration";
            reconfiguration(&mut r, &mut out.summary, &mut out.nas_pdus)
        }
        NrRrcChannel::CellGroupConfig => {
            out.name = "cellGroupConfig";
            cell_group(&mut r, &mut out.summary)
        }
        NrRrcChannel::RrcReconfigurationComplete => {
            out.name = "rrcReconfigurationComplete";
            NR.skip(&mut r, ty)
        }
        NrRrcChannel::RadioBearerConfig => {
            out.name = "radioBearerConfig";
            NR.skip(&mut r, ty)
        }
    };
    walked.ok().map(|()| out)
}

/// A NAS container (`DedicatedNAS-Message ::= OCTET STRING`), kept while fewer than
/// [`MAX_LIST_ENTRIES`] are.
fn nas(r: &mut BitReader, nas_pdus: &mut Vec<Vec<u8>>) -> Bits<()> {
    let pdu = r.octet_string()?;
    if nas_pdus.len() < MAX_LIST_ENTRIES {
        nas_pdus.push(pdu);
    }
    Ok(())
}

/// An INTEGER of the table's type `ty` as `T`.
fn int<T: TryFrom<i64>>(r: &mut BitReader, ty: TyId) -> Bits<T> {
    T::try_from(NR.int(r, ty)?).map_err(|_| Short)
}

// ---- BCCH-BCH ----

/// Where the BCCH-BCH walk's hook reads: the message's CHOICE and the MIB's fields.
static BCCH_BCH_PLACES: Interest = Interest::new(&[schema::BCCH_BCH_MESSAGE_TYPE, schema::MIB]);

fn bcch_bch(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let NrRrcMessage { name, summary, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[(
        schema::BCCH_BCH_MESSAGE_TYPE,
        &["mib", "messageClassExtension"],
    )];
    NR.named_walk(
        r,
        schema::BCCH_BCH_MESSAGE_TYPE,
        names,
        &BCCH_BCH_PLACES,
        name,
        &mut |place, r| match (place.parent, place.index) {
            // systemFrameNumber: BIT STRING (SIZE (6)).
            (schema::MIB, 0) => Some(r.bits(6).map(|v| summary.sfn_msb = u8::try_from(v).ok())),
            // cellBarred: ENUMERATED {barred, notBarred}.
            (schema::MIB, 5) => Some(
                NR.enumerated(r, place.ty)
                    .map(|i| summary.cell_barred = Some(i == 0)),
            ),
            _ => None,
        },
    )
}

// ---- BCCH-DL-SCH ----

/// SIB numbers of the `sib-TypeAndInfo` alternatives: sib2..sib9, then the extension
/// alternatives (sib17bis rides with 17).
const SIB_NUMBERS: [u8; 25] = [
    2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 17,
];

/// Where the BCCH-DL-SCH walk's hook reads: the message's CHOICEs, SIB1's fields and the SIBs of SystemInformation.
static BCCH_DL_SCH_PLACES: Interest = Interest::new(&[
    schema::BCCH_DL_SCH_MESSAGE_TYPE,
    schema::BCCH_DL_SCH_MESSAGE_TYPE__C1,
    schema::SIB1,
    schema::SYSTEM_INFORMATION_IES__SIB_TYPE_AND_INFO,
]);

fn bcch_dl_sch(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let NrRrcMessage { name, summary, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (
            schema::BCCH_DL_SCH_MESSAGE_TYPE,
            &["", "messageClassExtension"],
        ),
        (
            schema::BCCH_DL_SCH_MESSAGE_TYPE__C1,
            &["systemInformation", "systemInformationBlockType1"],
        ),
    ];
    NR.named_walk(
        r,
        schema::BCCH_DL_SCH_MESSAGE_TYPE,
        names,
        &BCCH_DL_SCH_PLACES,
        name,
        &mut |place, r| match (place.parent, place.index) {
            // SIB1.cellAccessRelatedInfo.
            (schema::SIB1, 1) => Some(cell_access_related_info(r, place.ty, summary)),
            // Each SIB of SystemInformation-IEs, as far as the summary reads them.
            (schema::SYSTEM_INFORMATION_IES__SIB_TYPE_AND_INFO, i) => {
                Some(if i < MAX_LIST_ENTRIES {
                    sib(r, place.ty, summary)
                } else {
                    NR.skip(r, place.ty)
                })
            }
            _ => None,
        },
    )
}

/// CellAccessRelatedInfo: the PLMNs, tracking area and cell of the first PLMN-IdentityInfo.
fn cell_access_related_info(r: &mut BitReader, ty: TyId, s: &mut NrRrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[
        schema::PLMN_IDENTITY_INFO_LIST,
        schema::PLMN_IDENTITY_INFO__PLMN_IDENTITY_LIST,
        schema::PLMN_IDENTITY_INFO,
    ]);
    let mut mcc = String::new();
    NR.walk_within(
        r,
        ty,
        &PLACES,
        &mut |place, r| match (place.parent, place.index) {
            // The first entry of plmn-IdentityInfoList only.
            (schema::PLMN_IDENTITY_INFO_LIST, i) if i > 0 => Some(NR.skip(r, place.ty)),
            (schema::PLMN_IDENTITY_INFO__PLMN_IDENTITY_LIST, i) => Some(if i < MAX_LIST_ENTRIES {
                plmn_identity(r, &mut mcc).map(|p| s.plmns.push(p))
            } else {
                NR.skip(r, place.ty)
            }),
            // trackingAreaCode: BIT STRING (SIZE (24)).
            (schema::PLMN_IDENTITY_INFO, 1) => {
                Some(r.bits(24).map(|t| s.tac = u32::try_from(t).ok()))
            }
            // cellIdentity: BIT STRING (SIZE (36)).
            (schema::PLMN_IDENTITY_INFO, 3) => Some(r.bits(36).map(|c| s.cell_identity = Some(c))),
            _ => None,
        },
    )
}

/// PLMN-Identity: an absent MCC repeats the one before (`mcc`, updated).
fn plmn_identity(r: &mut BitReader, mcc: &mut String) -> Bits<Plmn> {
    if r.bit()? {
        // MCC ::= SEQUENCE (SIZE (3)) OF MCC-MNC-Digit.
        *mcc = (0..3).map(|_| digit(r)).collect::<Bits<String>>()?;
    }
    // MNC ::= SEQUENCE (SIZE (2..3)) OF MCC-MNC-Digit.
    let n = r.constrained(2, 3)?;
    let mnc = (0..n).map(|_| digit(r)).collect::<Bits<String>>()?;
    Ok(Plmn {
        mcc: mcc.clone(),
        mnc,
    })
}

/// MCC-MNC-Digit ::= INTEGER (0..9).
fn digit(r: &mut BitReader) -> Bits<char> {
    let d = r.constrained(0, 9)?;
    char::from_digit(u32::try_from(d).map_err(|_| Short)?, 10).ok_or(Short)
}

/// One `sib-TypeAndInfo` entry: its number, and SIB2's serving priority, SIB4's NR carriers
/// and SIB5's E-UTRA carriers.
fn sib(r: &mut BitReader, ty: TyId, s: &mut NrRrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[
        schema::SYSTEM_INFORMATION_IES__SIB_TYPE_AND_INFO__ITEM,
        schema::SIB2__CELL_RESELECTION_SERVING_FREQ_INFO,
        schema::INTER_FREQ_CARRIER_FREQ_LIST,
        schema::CARRIER_FREQ_LIST_EUTRA,
    ]);
    let mut number = None;
    NR.walk_within(r, ty, &PLACES, &mut |place, r| match place.parent {
        schema::SYSTEM_INFORMATION_IES__SIB_TYPE_AND_INFO__ITEM => {
            number = SIB_NUMBERS.get(place.index).copied();
            None
        }
        // SIB2.cellReselectionServingFreqInfo.cellReselectionPriority.
        schema::SIB2__CELL_RESELECTION_SERVING_FREQ_INFO if place.index == 4 => {
            Some(int(r, place.ty).map(|p| s.serving_priority = Some(p)))
        }
        // SIB4.interFreqCarrierFreqList: dl-CarrierFreq and cellReselectionPriority.
        schema::INTER_FREQ_CARRIER_FREQ_LIST => Some(if place.index < MAX_LIST_ENTRIES {
            carrier(r, place.ty, schema::INTER_FREQ_CARRIER_FREQ_INFO, 19)
                .map(|c| s.nr_carriers.push(c))
        } else {
            NR.skip(r, place.ty)
        }),
        // SIB5.carrierFreqListEUTRA: carrierFreq and cellReselectionPriority.
        schema::CARRIER_FREQ_LIST_EUTRA => Some(if place.index < MAX_LIST_ENTRIES {
            carrier(r, place.ty, schema::CARRIER_FREQ_EUTRA, 6).map(|c| s.eutra_carriers.push(c))
        } else {
            NR.skip(r, place.ty)
        }),
        _ => None,
    })?;
    if s.sibs.len() < MAX_LIST_ENTRIES {
        s.sibs.push(number.ok_or(Short)?);
    }
    Ok(())
}

/// A carrier entry of type `ty` (the SEQUENCE `seq`): its first component, the carrier
/// number, and component `priority_index`, an optional CellReselectionPriority.
fn carrier(r: &mut BitReader, ty: TyId, seq: TyId, priority_index: usize) -> Bits<CarrierPriority> {
    // Every `seq` a caller passes: the hook takes places of the one asked for only.
    static PLACES: Interest = Interest::new(&[
        schema::INTER_FREQ_CARRIER_FREQ_INFO,
        schema::CARRIER_FREQ_EUTRA,
        schema::FREQ_PRIORITY_NR,
        schema::FREQ_PRIORITY_EUTRA,
    ]);
    debug_assert!(PLACES.lists(seq));
    let (mut arfcn, mut priority) = (None, None);
    NR.walk_within(r, ty, &PLACES, &mut |place, r| {
        if place.parent != seq {
            return None;
        }
        match place.index {
            0 => Some(int(r, place.ty).map(|a| arfcn = Some(a))),
            i if i == priority_index => Some(int(r, place.ty).map(|p| priority = Some(p))),
            _ => None,
        }
    })?;
    Ok(CarrierPriority {
        arfcn: arfcn.ok_or(Short)?,
        priority,
    })
}

// ---- DL-CCCH ----

/// Where the DL-CCCH walk's hook reads: the message's CHOICEs and RRCReject's fields.
static DL_CCCH_PLACES: Interest = Interest::new(&[
    schema::DL_CCCH_MESSAGE_TYPE,
    schema::DL_CCCH_MESSAGE_TYPE__C1,
    schema::RRC_REJECT_IES,
]);

fn dl_ccch(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let NrRrcMessage { name, summary, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (schema::DL_CCCH_MESSAGE_TYPE, &["", "messageClassExtension"]),
        (
            schema::DL_CCCH_MESSAGE_TYPE__C1,
            &["rrcReject", "rrcSetup", "spare", "spare"],
        ),
    ];
    NR.named_walk(
        r,
        schema::DL_CCCH_MESSAGE_TYPE,
        names,
        &DL_CCCH_PLACES,
        name,
        &mut |place, r| match (place.parent, place.index) {
            // RRCReject-IEs.waitTime.
            (schema::RRC_REJECT_IES, 0) => {
                Some(int(r, place.ty).map(|w| summary.wait_time_s = Some(w)))
            }
            _ => None,
        },
    )
}

// ---- DL-DCCH ----

/// Names of the DL-DCCH `c1` alternatives, in order.
const DL_DCCH_NAMES: [&str; 16] = [
    "rrcReconfiguration",
    "rrcResume",
    "rrcRelease",
    "rrcReestablishment",
    "securityModeCommand",
    "dlInformationTransfer",
    "ueCapabilityEnquiry",
    "counterCheck",
    "mobilityFromNRCommand",
    "dlDedicatedMessageSegment-r16",
    "ueInformationRequest-r16",
    "dlInformationTransferMRDC-r16",
    "loggedMeasurementConfiguration-r16",
    "spare",
    "spare",
    "spare",
];

/// RAT-Type root values as the summary names them.
const RAT_TYPES: [&str; 4] = ["nr", "eutra-nr", "eutra", "utra-fdd"];

/// Where the DL-DCCH walk's hook reads: the message's CHOICEs and the fields of the messages read.
static DL_DCCH_PLACES: Interest = Interest::new(&[
    schema::DL_DCCH_MESSAGE_TYPE,
    schema::DL_DCCH_MESSAGE_TYPE__C1,
    schema::DL_INFORMATION_TRANSFER_IES,
    schema::UE_CAPABILITY_RAT_REQUEST_LIST,
    schema::UE_CAPABILITY_RAT_REQUEST,
    schema::MOBILITY_FROM_NR_COMMAND_IES,
]);

fn dl_dcch(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let NrRrcMessage {
        name,
        summary,
        nas_pdus,
        ..
    } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (schema::DL_DCCH_MESSAGE_TYPE, &["", "messageClassExtension"]),
        (schema::DL_DCCH_MESSAGE_TYPE__C1, &DL_DCCH_NAMES),
    ];
    NR.named_walk(
        r,
        schema::DL_DCCH_MESSAGE_TYPE,
        names,
        &DL_DCCH_PLACES,
        name,
        &mut |place, r| match (place.parent, place.index) {
            (schema::DL_DCCH_MESSAGE_TYPE__C1, 0) => Some(reconfiguration(r, summary, nas_pdus)),
            (schema::DL_DCCH_MESSAGE_TYPE__C1, 2) => Some(release(r, summary)),
            (schema::DL_DCCH_MESSAGE_TYPE__C1, 4) => Some(security_mode_command(r, summary)),
            // DLInformationTransfer-IEs.dedicatedNAS-Message.
            (schema::DL_INFORMATION_TRANSFER_IES, 0) => Some(nas(r, nas_pdus)),
            // UE-CapabilityRAT-Request.rat-Type, for the first entries of the list (the
            // others are walked past unread).
            (schema::UE_CAPABILITY_RAT_REQUEST_LIST, i) if i >= MAX_LIST_ENTRIES => {
                Some(NR.skip(r, place.ty))
            }
            (schema::UE_CAPABILITY_RAT_REQUEST, 0) => Some(
                NR.enumerated(r, place.ty)
                    .and_then(|i| RAT_TYPES.get(i).ok_or(Short))
                    .map(|rat| summary.capability_rats.push(rat)),
            ),
            // MobilityFromNRCommand-IEs.targetRAT-Type.
            (schema::MOBILITY_FROM_NR_COMMAND_IES, 0) => {
                Some(NR.enumerated(r, place.ty).map(|i| {
                    summary.mobility_target = Some(match i {
                        0 => "eutra",
                        1 => "utra-fdd",
                        _ => "spare",
                    })
                }))
            }
            _ => None,
        },
    )
}

/// RRCReconfiguration: whether it carries a secondary cell group, the target cell of the
/// cell group it carries (the secondary one, else the master one), and the NAS PDUs.
/// Where the RRCReconfiguration walk's hook reads: the cell group containers and the NAS
/// list.
static RECONFIGURATION_PLACES: Interest = Interest::new(&[
    schema::RRC_RECONFIGURATION_IES,
    schema::RRC_RECONFIGURATION_V1530_IES,
    schema::RRC_RECONFIGURATION_V1530_IES__DEDICATED_NAS_MESSAGE_LIST,
]);

fn reconfiguration(
    r: &mut BitReader,
    s: &mut NrRrcSummary,
    nas_pdus: &mut Vec<Vec<u8>>,
) -> Bits<()> {
    let (mut secondary, mut master) = (None, None);
    NR.walk_within(
        r,
        schema::RRC_RECONFIGURATION,
        &RECONFIGURATION_PLACES,
        &mut |place, r| {
            match (place.parent, place.index) {
                // RRCReconfiguration-IEs.secondaryCellGroup.
                (schema::RRC_RECONFIGURATION_IES, 1) => {
                    Some(r.octet_string().map(|b| secondary = Some(b)))
                }
                // RRCReconfiguration-v1530-IEs.masterCellGroup.
                (schema::RRC_RECONFIGURATION_V1530_IES, 0) => {
                    Some(r.octet_string().map(|b| master = Some(b)))
                }
                (schema::RRC_RECONFIGURATION_V1530_IES__DEDICATED_NAS_MESSAGE_LIST, _) => {
                    Some(nas(r, nas_pdus))
                }
                _ => None,
            }
        },
    )?;
    s.secondary_cell_group = secondary.is_some();
    if let Some(group) = secondary.or(master) {
        // The generated decoder reads the container as a whole message: padding after it
        // is allowed, and a container it cannot read is no target. The walker cannot tell
        // the second case from its own doubt, so it leaves both to the generated decoder.
        cell_group(&mut BitReader::new(&group), s)?;
    }
    Ok(())
}

/// The parents of the steps of [`cell_group`]'s path.
static SYNC_TARGET_PLACES: Interest = Interest::new(&[
    schema::CELL_GROUP_CONFIG,
    schema::SP_CELL_CONFIG,
    schema::RECONFIGURATION_WITH_SYNC,
    schema::SERVING_CELL_CONFIG_COMMON,
]);

/// CellGroupConfig: the physical cell of spCellConfig.reconfigurationWithSync.
/// spCellConfigCommon (a synchronous reconfiguration's target).
fn cell_group(r: &mut BitReader, s: &mut NrRrcSummary) -> Bits<()> {
    let path = [
        (schema::CELL_GROUP_CONFIG, 5),          // spCellConfig
        (schema::SP_CELL_CONFIG, 1),             // reconfigurationWithSync
        (schema::RECONFIGURATION_WITH_SYNC, 0),  // spCellConfigCommon
        (schema::SERVING_CELL_CONFIG_COMMON, 0), // physCellId
    ];
    NR.walk_path(
        r,
        schema::CELL_GROUP_CONFIG,
        &path,
        &SYNC_TARGET_PLACES,
        &mut |ty, r| int(r, ty).map(|pci| s.sync_target_pci = Some(pci)),
    )
}

/// RRCRelease: the redirection, the dedicated priorities, whether the connection is
/// suspended, and the wait time.
fn release(r: &mut BitReader, s: &mut NrRrcSummary) -> Bits<()> {
    static PLACES: Interest =
        Interest::new(&[schema::RRC_RELEASE_IES, schema::RRC_RELEASE_V1540_IES]);
    NR.walk_within(r, schema::RRC_RELEASE, &PLACES, &mut |place, r| match (
        place.parent,
        place.index,
    ) {
        // RRCRelease-IEs.redirectedCarrierInfo.
        (schema::RRC_RELEASE_IES, 0) => Some(redirect(r, place.ty).map(|d| s.redirect = d)),
        // RRCRelease-IEs.cellReselectionPriorities.
        (schema::RRC_RELEASE_IES, 1) => {
            Some(priorities(r, place.ty).map(|p| s.release_priorities = Some(p)))
        }
        // RRCRelease-IEs.suspendConfig.
        (schema::RRC_RELEASE_IES, 2) => {
            s.suspend = true;
            None
        }
        // RRCRelease-v1540-IEs.waitTime.
        (schema::RRC_RELEASE_V1540_IES, 0) => {
            Some(int(r, place.ty).map(|w| s.wait_time_s = Some(w)))
        }
        _ => None,
    })
}

/// RedirectedCarrierInfo: an NR or E-UTRA carrier (a later release's target is none).
fn redirect(r: &mut BitReader, ty: TyId) -> Bits<Option<NrRedirect>> {
    static PLACES: Interest = Interest::new(&[
        schema::CARRIER_INFO_NR,
        schema::REDIRECTED_CARRIER_INFO_EUTRA,
    ]);
    let mut target = None;
    NR.walk_within(
        r,
        ty,
        &PLACES,
        &mut |place, r| match (place.parent, place.index) {
            // CarrierInfoNR.carrierFreq.
            (schema::CARRIER_INFO_NR, 0) => {
                Some(int(r, place.ty).map(|arfcn| target = Some(NrRedirect::Nr { arfcn })))
            }
            // RedirectedCarrierInfo-EUTRA.eutraFrequency.
            (schema::REDIRECTED_CARRIER_INFO_EUTRA, 0) => {
                Some(int(r, place.ty).map(|earfcn| target = Some(NrRedirect::Eutra { earfcn })))
            }
            _ => None,
        },
    )?;
    Ok(target)
}

/// CellReselectionPriorities: the first entries of the NR and E-UTRA priority lists.
fn priorities(r: &mut BitReader, ty: TyId) -> Bits<ReselectionPriorities> {
    static PLACES: Interest = Interest::new(&[
        schema::FREQ_PRIORITY_LIST_NR,
        schema::FREQ_PRIORITY_LIST_EUTRA,
    ]);
    let mut p = ReselectionPriorities::default();
    NR.walk_within(r, ty, &PLACES, &mut |place, r| {
        let (list, seq) = match place.parent {
            schema::FREQ_PRIORITY_LIST_NR => (&mut p.nr, schema::FREQ_PRIORITY_NR),
            schema::FREQ_PRIORITY_LIST_EUTRA => (&mut p.eutra, schema::FREQ_PRIORITY_EUTRA),
            _ => return None,
        };
        Some(if place.index < MAX_LIST_ENTRIES {
            carrier(r, place.ty, seq, 1).map(|c| list.push(c))
        } else {
            NR.skip(r, place.ty)
        })
    })?;
    Ok(p)
}

/// SecurityModeCommand: the ciphering and integrity algorithms.
fn security_mode_command(r: &mut BitReader, s: &mut NrRrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[schema::SECURITY_ALGORITHM_CONFIG]);
    NR.walk_within(
        r,
        schema::SECURITY_MODE_COMMAND,
        &PLACES,
        &mut |place, r| match (place.parent, place.index) {
            (schema::SECURITY_ALGORITHM_CONFIG, 0) => {
                Some(algorithm(r, place.ty).map(|a| s.ciphering_algorithm = Some(a)))
            }
            (schema::SECURITY_ALGORITHM_CONFIG, 1) => {
                Some(algorithm(r, place.ty).map(|a| s.integrity_algorithm = Some(a)))
            }
            _ => None,
        },
    )
}

/// CipheringAlgorithm or IntegrityProtAlgorithm: the root value's number.
fn algorithm(r: &mut BitReader, ty: TyId) -> Bits<u8> {
    u8::try_from(NR.enumerated(r, ty)?).map_err(|_| Short)
}

// ---- PCCH ----

/// Where the PCCH walk's hook reads: the message's CHOICEs, the paging records and their identities.
static PCCH_PLACES: Interest = Interest::new(&[
    schema::PCCH_MESSAGE_TYPE,
    schema::PCCH_MESSAGE_TYPE__C1,
    schema::PAGING_RECORD_LIST,
    schema::PAGING_UE_IDENTITY,
]);

fn pcch(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let NrRrcMessage { name, summary, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (schema::PCCH_MESSAGE_TYPE, &["", "messageClassExtension"]),
        (schema::PCCH_MESSAGE_TYPE__C1, &["paging", "spare"]),
    ];
    NR.named_walk(
        r,
        schema::PCCH_MESSAGE_TYPE,
        names,
        &PCCH_PLACES,
        name,
        &mut |place, r| match (place.parent, place.index) {
            // The first records only; the others are walked past unread.
            (schema::PAGING_RECORD_LIST, i) if i >= MAX_LIST_ENTRIES => Some(NR.skip(r, place.ty)),
            // PagingUE-Identity: ng-5G-S-TMSI (48 bits) or fullI-RNTI (40 bits).
            (schema::PAGING_UE_IDENTITY, 0) => Some(
                r.bits(48)
                    .map(|t| summary.paging.push(NrPagingIdentity::Ng5gSTmsi(t))),
            ),
            (schema::PAGING_UE_IDENTITY, 1) => Some(
                r.bits(40)
                    .map(|i| summary.paging.push(NrPagingIdentity::FullIRnti(i))),
            ),
            _ => None,
        },
    )
}

// ---- UL-CCCH, UL-CCCH1 ----

/// EstablishmentCause root values as the summary names them (the spares are "spare").
const ESTABLISHMENT_CAUSES: [&str; 10] = [
    "emergency",
    "highPriorityAccess",
    "mt-Access",
    "mo-Signalling",
    "mo-Data",
    "mo-VoiceCall",
    "mo-VideoCall",
    "mo-SMS",
    "mps-PriorityAccess",
    "mcs-PriorityAccess",
];

/// Where the UL-CCCH walk's hook reads: the message's CHOICEs and RRCSetupRequest's fields.
static UL_CCCH_PLACES: Interest = Interest::new(&[
    schema::UL_CCCH_MESSAGE_TYPE,
    schema::UL_CCCH_MESSAGE_TYPE__C1,
    schema::RRC_SETUP_REQUEST_IES,
]);

fn ul_ccch(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let NrRrcMessage { name, summary, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (schema::UL_CCCH_MESSAGE_TYPE, &["", "messageClassExtension"]),
        (
            schema::UL_CCCH_MESSAGE_TYPE__C1,
            &[
                "rrcSetupRequest",
                "rrcResumeRequest",
                "rrcReestablishmentRequest",
                "rrcSystemInfoRequest",
            ],
        ),
    ];
    NR.named_walk(
        r,
        schema::UL_CCCH_MESSAGE_TYPE,
        names,
        &UL_CCCH_PLACES,
        name,
        &mut |place, r| match (place.parent, place.index) {
            // RRCSetupRequest-IEs.establishmentCause.
            (schema::RRC_SETUP_REQUEST_IES, 1) => Some(NR.enumerated(r, place.ty).map(|i| {
                summary.establishment_cause =
                    Some(ESTABLISHMENT_CAUSES.get(i).copied().unwrap_or("spare"));
            })),
            _ => None,
        },
    )
}

/// Where the UL-CCCH1 walk's hook reads: the message's CHOICEs.
static UL_CCCH1_PLACES: Interest = Interest::new(&[
    schema::UL_CCCH1_MESSAGE_TYPE,
    schema::UL_CCCH1_MESSAGE_TYPE__C1,
]);

fn ul_ccch1(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let names: &[(TyId, &[&'static str])] = &[
        (
            schema::UL_CCCH1_MESSAGE_TYPE,
            &["", "messageClassExtension"],
        ),
        (
            schema::UL_CCCH1_MESSAGE_TYPE__C1,
            &["rrcResumeRequest1", "spare", "spare", "spare"],
        ),
    ];
    NR.named_walk(
        r,
        schema::UL_CCCH1_MESSAGE_TYPE,
        names,
        &UL_CCCH1_PLACES,
        &mut out.name,
        &mut |_: Place, _: &mut BitReader| None,
    )
}

// ---- UL-DCCH ----

/// Names of the UL-DCCH `c1` alternatives, in order.
const UL_DCCH_NAMES: [&str; 16] = [
    "measurementReport",
    "rrcReconfigurationComplete",
    "rrcSetupComplete",
    "rrcReestablishmentComplete",
    "rrcResumeComplete",
    "securityModeComplete",
    "securityModeFailure",
    "ulInformationTransfer",
    "locationMeasurementIndication",
    "ueCapabilityInformation",
    "counterCheckResponse",
    "ueAssistanceInformation",
    "failureInformation",
    "ulInformationTransferMRDC",
    "scgFailureInformation",
    "scgFailureInformationEUTRA",
];

/// Names of the UL-DCCH `messageClassExtension` `c2` alternatives, in order.
const UL_DCCH_C2_NAMES: [&str; 16] = [
    "ulDedicatedMessageSegment-r16",
    "dedicatedSIBRequest-r16",
    "mcgFailureInformation-r16",
    "ueInformationResponse-r16",
    "sidelinkUEInformationNR-r16",
    "ulInformationTransferIRAT-r16",
    "iabOtherInformation-r16",
    "mbsInterestIndication-r17",
    "uePositioningAssistanceInfo-r17",
    "measurementReportAppLayer-r17",
    "indirectPathFailureInformation-r18",
    "spare",
    "spare",
    "spare",
    "spare",
    "spare",
];

/// Where the UL-DCCH walk's hook reads: the message's CHOICEs and the fields carrying NAS.
static UL_DCCH_PLACES: Interest = Interest::new(&[
    schema::UL_DCCH_MESSAGE_TYPE__C1,
    schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION,
    schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION__C2,
    schema::RRC_SETUP_COMPLETE_IES,
    schema::UL_INFORMATION_TRANSFER_IES,
]);

fn ul_dcch(r: &mut BitReader, out: &mut NrRrcMessage) -> Bits<()> {
    let NrRrcMessage { name, nas_pdus, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (schema::UL_DCCH_MESSAGE_TYPE__C1, &UL_DCCH_NAMES),
        (
            schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION,
            &["", "messageClassExtensionFuture-r16"],
        ),
        (
            schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION__C2,
            &UL_DCCH_C2_NAMES,
        ),
    ];
    NR.named_walk(
        r,
        schema::UL_DCCH_MESSAGE_TYPE,
        names,
        &UL_DCCH_PLACES,
        name,
        &mut |place, r| match (place.parent, place.index) {
            // RRCSetupComplete-IEs.dedicatedNAS-Message, ULInformationTransfer-IEs'.
            (schema::RRC_SETUP_COMPLETE_IES, 4) | (schema::UL_INFORMATION_TRANSFER_IES, 0) => {
                Some(nas(r, nas_pdus))
            }
            _ => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_skip_equals_the_table_walk_for_every_type() {
        let walked = NR
            .compare_compiled(48, 0x5eed_c0de_0000_0001)
            .unwrap_or_else(|e| panic!("{e}"));
        // Most types read a value from some of the buffers.
        assert!(
            walked > schema::TYPES.len() * 8,
            "only {walked} values walked"
        );
    }
}
