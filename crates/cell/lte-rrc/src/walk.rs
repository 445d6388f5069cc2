//! A UPER walker for LTE RRC: it reads the whole message, checking every field it passes
//! against the TS 36.331 definition, and fills the same [`RrcMessage`] the generated
//! decoder's summary would, without building the decoded tree.
//!
//! Why: the generated decoder (rasn over `stingwatch-lte-rrc-asn1`) allocates a box for every
//! optional component and a vector for every list, then the summary reads a few fields and
//! drops the tree; on recordings read once that is most of the time spent.
//!
//! Two ways of reading share the work. The fields detection needs are read by hand (system
//! information, paging, connection requests, releases, security mode commands). Everything
//! else, and whole messages detection only names, is walked by the schema table generated
//! from the module (`crate::schema`, `stingwatch_uper::schema`), with hooks at the places
//! whose values are kept (NAS containers, the handover target, the RATs a capability enquiry
//! asks for).
//!
//! The walker answers only when it is sure. It walks a message to its end, and gives up
//! (returns `None`, and [`crate::decode_for_detection`] asks the generated decoder) on
//! anything it does not know in full: an extension the hand-written parts do not model, an
//! extension the module does not define, a value outside its constraint, a length or read
//! past the end. So every answer it gives equals the generated decoder's, and every error is
//! the generated decoder's own. `tests/walker.rs` here and in `stingwatch-decode` hold the
//! two equal on every real recording, on random valid messages, on damaged copies of both,
//! `stingwatch-decode`'s `tests/schema.rs` holds the table alone to the generated decoder, and
//! the fuzz target `lte_rrc_walker` runs on arbitrary bytes; `stingwatch-pipeline`'s
//! `tests/decode_paths.rs` holds the analysis of every recording and scenario to the full
//! decoder's.

use crate::summary::{
    CnDomain, EutraCarrier, GeranBand, GeranCarrierSet, HandoverTarget, NrCarrier, PagingIdentity,
    PagingRecord, Plmn, RedirectTarget, STmsi, UtraCarrier,
};
use crate::{schema, LteRrcChannel, RrcMessage, RrcSummary};
use stingwatch_uper::bits::{BitReader, Bits, Short};
use stingwatch_uper::schema::{Interest, Schema, TyId};

/// The TS 36.331 schema table, for the parts of messages the walker passes without reading.
static LTE: Schema = Schema::compiled(&schema::TYPES, crate::skip::skip);

/// Most PLMNs in a SIB1 list (maxPLMN-r11).
const MAX_PLMN: u64 = 6;
/// Most SI messages in SIB1's scheduling list (maxSI-Message).
const MAX_SI_MESSAGE: u64 = 32;
/// Most SIB types mapped to one SI message (maxSIB-1).
const MAX_SIB_1: u64 = 31;
/// Most paging records (maxPageRec).
const MAX_PAGE_REC: u64 = 16;
/// Most extra bands in multiBandInfoList (maxMultiBands).
const MAX_MULTI_BANDS: u64 = 8;
/// Largest physical cell identity (PhysCellId).
const MAX_PCI: u64 = 503;
/// Largest E-UTRA carrier number of the base field (maxEARFCN).
const MAX_EARFCN: u64 = 65535;
/// Largest E-UTRA carrier number of the extended field (maxEARFCN2, ARFCN-ValueEUTRA-r9).
const MAX_EARFCN_R9: u64 = 262143;

/// The message type of `channel` in the schema table.
fn message_type(channel: LteRrcChannel) -> Option<TyId> {
    Some(match channel {
        LteRrcChannel::BcchBch => schema::BCCH_BCH_MESSAGE,
        LteRrcChannel::BcchDlSch => schema::BCCH_DL_SCH_MESSAGE,
        LteRrcChannel::Pcch => schema::PCCH_MESSAGE,
        LteRrcChannel::DlCcch => schema::DL_CCCH_MESSAGE,
        LteRrcChannel::DlDcch => schema::DL_DCCH_MESSAGE,
        LteRrcChannel::UlCcch => schema::UL_CCCH_MESSAGE,
        LteRrcChannel::UlDcch => schema::UL_DCCH_MESSAGE,
        _ => return None,
    })
}

/// Bits of the whole message on `channel` walked by the schema table alone.
pub(crate) fn skim(channel: LteRrcChannel, bytes: &[u8]) -> Option<usize> {
    let mut r = BitReader::new(bytes);
    LTE.skip(&mut r, message_type(channel)?).ok()?;
    Some(r.position())
}

/// [`skim`] by walking the table instead of its compiled form.
pub(crate) fn skim_by_table(channel: LteRrcChannel, bytes: &[u8]) -> Option<usize> {
    let mut r = BitReader::new(bytes);
    LTE.skip_by_table(&mut r, message_type(channel)?).ok()?;
    Some(r.position())
}

/// The message on `channel` read by the walker, or `None` when the generated decoder must
/// decide. `bytes` is at most [`crate::MAX_RRC_PDU`] long and not empty (checked by the
/// caller).
pub(crate) fn walk(channel: LteRrcChannel, bytes: &[u8]) -> Option<Box<RrcMessage>> {
    let mut out = Box::new(RrcMessage::empty(channel));
    walk_into(channel, bytes, &mut out).then_some(out)
}

/// [`walk`] into `out`, which must be [`RrcMessage::empty`] (it is left partly filled when the
/// walker gives the message up).
pub(crate) fn walk_into(channel: LteRrcChannel, bytes: &[u8], out: &mut RrcMessage) -> bool {
    let mut r = BitReader::new(bytes);
    let walked = match channel {
        LteRrcChannel::BcchBch => mib(&mut r, out),
        LteRrcChannel::BcchDlSch => bcch_dl_sch(&mut r, out),
        LteRrcChannel::Pcch => pcch(&mut r, out),
        LteRrcChannel::DlDcch => dl_dcch(&mut r, out),
        LteRrcChannel::DlCcch => dl_ccch(&mut r, out),
        LteRrcChannel::UlDcch => ul_dcch(&mut r, out),
        LteRrcChannel::UlCcch => ul_ccch(&mut r, out),
        _ => Err(Short),
    };
    walked.is_ok()
}

// ---- shared pieces ----

/// A SEQUENCE's presence bits, first component first.
fn presence<const N: usize>(r: &mut BitReader) -> Bits<[bool; N]> {
    let mut p = [false; N];
    for bit in p.iter_mut() {
        *bit = r.bit()?;
    }
    Ok(p)
}

/// An OCTET STRING without size constraint.
fn skip_octet_string(r: &mut BitReader) -> Bits<()> {
    let n = r.length()?;
    r.skip(n.checked_mul(8).ok_or(Short)?)
}

/// A `nonCriticalExtension` that is `SEQUENCE {}` or one the walker does not model: only
/// absence is accepted.
fn absent(present: bool) -> Bits<()> {
    if present {
        Err(Short)
    } else {
        Ok(())
    }
}

/// The common tail `xxx-v8a0-IEs ::= SEQUENCE { lateNonCriticalExtension OCTET STRING
/// OPTIONAL, nonCriticalExtension ... OPTIONAL }`: the late extension is opaque to the
/// generated decoder (an octet string it keeps undecoded), the next extension is refused.
fn v8a0_tail(r: &mut BitReader) -> Bits<()> {
    let [late, next] = presence::<2>(r)?;
    if late {
        skip_octet_string(r)?;
    }
    absent(next)
}

/// An optional `nonCriticalExtension` of the `v8a0` shape.
fn optional_v8a0(r: &mut BitReader, present: bool) -> Bits<()> {
    if present {
        v8a0_tail(r)?;
    }
    Ok(())
}

/// `DedicatedInfoNAS ::= OCTET STRING`.
fn dedicated_info_nas(r: &mut BitReader) -> Bits<Vec<u8>> {
    r.octet_string()
}

/// S-TMSI: mmec (8 bits), then m-TMSI (32 bits), read as one 40-bit value.
fn s_tmsi(r: &mut BitReader) -> Bits<STmsi> {
    let v = r.bits(40)?;
    let mmec = u8::try_from(v >> 32).map_err(|_| Short)?;
    let m_tmsi = u32::try_from(v & 0xFFFF_FFFF).map_err(|_| Short)?;
    Ok(STmsi { mmec, m_tmsi })
}

fn digit(r: &mut BitReader) -> Bits<char> {
    let d = r.constrained(0, 9)?;
    char::from_digit(u32::try_from(d).map_err(|_| Short)?, 10).ok_or(Short)
}

// ---- BCCH-BCH ----

fn mib(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    const PRBS: [u8; 6] = [6, 15, 25, 50, 75, 100];
    let bw = r.index(6)?;
    // phich-Config: duration (2 values), resource (4 values).
    r.index(2)?;
    r.index(4)?;
    let sfn = r.bits(8)?;
    r.constrained(0, 31)?; // schedulingInfoSIB1-BR-r13
    r.bit()?; // systemInfoUnchanged-BR-r15
    r.index(2)?; // partEARFCN-r17
    r.bits(2)?;
    r.bits(1)?; // spare
    out.name = "MasterInformationBlock";
    out.summary.dl_bandwidth_prbs = PRBS.get(usize::try_from(bw).map_err(|_| Short)?).copied();
    out.summary.sfn_msb = u8::try_from(sfn).ok();
    Ok(())
}

// ---- BCCH-DL-SCH ----

fn bcch_dl_sch(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    // CHOICE { c1 CHOICE { systemInformation, systemInformationBlockType1 },
    //          messageClassExtension SEQUENCE {} }
    if r.bit()? {
        return Err(Short);
    }
    match r.index(2)? {
        0 => system_information(r, out),
        _ => sib1(r, out),
    }
}

/// SystemInformation whose SIBs are all SIB2, SIB3 or SIB4 without extension additions;
/// anything else is left to the generated decoder.
/// SIB numbers of the `sib-TypeAndInfo` alternatives: sib2..sib11, then the extension
/// alternatives (sib26a rides with 26).
const SIB_NUMBERS: [u8; 31] = [
    2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 24, 25, 26, 26, 27, 28,
    29, 30, 31, 32, 33,
];

/// Where the SystemInformation walk's hook reads: its list of SIBs.
static SYSTEM_INFORMATION_PLACES: Interest =
    Interest::new(&[schema::SYSTEM_INFORMATION_R8_IES__SIB_TYPE_AND_INFO__ITEM]);

/// SystemInformation (after its BCCH-DL-SCH index): each SIB's number, and the fields of SIB3
/// to SIB7 and SIB24 detection reads; the rest walked by the table.
fn system_information(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    let s = &mut out.summary;
    LTE.walk_within(
        r,
        schema::SYSTEM_INFORMATION,
        &SYSTEM_INFORMATION_PLACES,
        &mut |place, r| {
            if place.parent != schema::SYSTEM_INFORMATION_R8_IES__SIB_TYPE_AND_INFO__ITEM {
                return None;
            }
            let Some(&number) = SIB_NUMBERS.get(place.index) else {
                return Some(Err(Short));
            };
            let read = match number {
                3 => sib3(r, place.ty, s),
                4 => sib4(r, place.ty, s),
                5 => sib5(r, place.ty, s),
                6 => sib6(r, place.ty, s),
                7 => sib7(r, place.ty, s),
                24 => sib24(r, place.ty, s),
                _ => LTE.skip(r, place.ty),
            };
            Some(read.map(|()| s.sibs.push(number)))
        },
    )?;
    out.name = "SystemInformation";
    Ok(())
}

/// An optional CellReselectionPriority (0..7).
fn priority(r: &mut BitReader, ty: TyId) -> Bits<Option<u8>> {
    Ok(Some(u8::try_from(LTE.int(r, ty)?).map_err(|_| Short)?))
}

/// SIB3: the serving frequency's reselection priority.
fn sib3(r: &mut BitReader, ty: TyId, s: &mut RrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[
        schema::SYSTEM_INFORMATION_BLOCK_TYPE3__CELL_RESELECTION_SERVING_FREQ_INFO,
    ]);
    LTE.walk_within(r, ty, &PLACES, &mut |place, r| {
        match (place.parent, place.index) {
            // cellReselectionServingFreqInfo.cellReselectionPriority.
            (schema::SYSTEM_INFORMATION_BLOCK_TYPE3__CELL_RESELECTION_SERVING_FREQ_INFO, 2) => {
                Some(priority(r, place.ty).map(|p| s.serving_priority = p))
            }
            _ => None,
        }
    })
}

/// SIB4: the physical cell identities of the intra-frequency neighbour list.
fn sib4(r: &mut BitReader, ty: TyId, s: &mut RrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[schema::INTRA_FREQ_NEIGH_CELL_INFO]);
    LTE.walk_within(
        r,
        ty,
        &PLACES,
        &mut |place, r| match (place.parent, place.index) {
            // IntraFreqNeighCellInfo.physCellId.
            (schema::INTRA_FREQ_NEIGH_CELL_INFO, 0) => Some(
                LTE.int(r, place.ty)
                    .and_then(|p| u16::try_from(p).map_err(|_| Short))
                    .map(|p| s.intra_freq_neighbour_pcis.push(p)),
            ),
            _ => None,
        },
    )
}

/// SIB5: each inter-frequency carrier and its priority; a carrier of maxEARFCN stands for
/// the one at the same position of the v9e0 list, in the late extension.
fn sib5(r: &mut BitReader, ty: TyId, s: &mut RrcSummary) -> Bits<()> {
    let mut carriers: Vec<(u16, Option<u8>)> = Vec::new();
    let mut v9e0: Vec<Option<u32>> = Vec::new();
    static PLACES: Interest = Interest::new(&[
        schema::INTER_FREQ_CARRIER_FREQ_LIST,
        schema::SYSTEM_INFORMATION_BLOCK_TYPE5,
    ]);
    static CARRIER_PLACES: Interest = Interest::new(&[schema::INTER_FREQ_CARRIER_FREQ_INFO]);
    LTE.walk_within(
        r,
        ty,
        &PLACES,
        &mut |place, r| match (place.parent, place.index) {
            (schema::INTER_FREQ_CARRIER_FREQ_LIST, _) => {
                let (mut dl, mut prio) = (None, None);
                let read = LTE.walk_within(r, place.ty, &CARRIER_PLACES, &mut |f, r| match (
                    f.parent, f.index,
                ) {
                    // dl-CarrierFreq.
                    (schema::INTER_FREQ_CARRIER_FREQ_INFO, 0) => {
                        Some(LTE.int(r, f.ty).map(|v| dl = u16::try_from(v).ok()))
                    }
                    // cellReselectionPriority.
                    (schema::INTER_FREQ_CARRIER_FREQ_INFO, 9) => {
                        Some(priority(r, f.ty).map(|p| prio = p))
                    }
                    _ => None,
                });
                Some(read.and_then(|()| {
                    carriers.push((dl.ok_or(Short)?, prio));
                    Ok(())
                }))
            }
            // lateNonCriticalExtension (the first extension addition): SIB5-v8h0-IEs.
            (schema::SYSTEM_INFORMATION_BLOCK_TYPE5, 1) => Some(sib5_v8h0(r, &mut v9e0)),
            _ => None,
        },
    )?;
    for (i, (dl, priority)) in carriers.into_iter().enumerate() {
        let earfcn = match v9e0.get(i) {
            Some(Some(f)) if u64::from(dl) == MAX_EARFCN => *f,
            _ => u32::from(dl),
        };
        s.eutra_carriers.push(EutraCarrier { earfcn, priority });
    }
    Ok(())
}

/// SIB5's late extension: the v9e0 carriers, one entry per base carrier.
fn sib5_v8h0(r: &mut BitReader, v9e0: &mut Vec<Option<u32>>) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[
        schema::SYSTEM_INFORMATION_BLOCK_TYPE5_V9E0_IES__INTER_FREQ_CARRIER_FREQ_LIST_V9E0,
    ]);
    static CARRIER_PLACES: Interest = Interest::new(&[schema::INTER_FREQ_CARRIER_FREQ_INFO_V9E0]);
    let inner = r.octet_string()?;
    let mut inner = BitReader::new(&inner);
    LTE.walk_within(
        &mut inner,
        schema::SYSTEM_INFORMATION_BLOCK_TYPE5_V8H0_IES,
        &PLACES,
        &mut |place, r| match (place.parent, place.index) {
            (
                schema::SYSTEM_INFORMATION_BLOCK_TYPE5_V9E0_IES__INTER_FREQ_CARRIER_FREQ_LIST_V9E0,
                _,
            ) => {
                let mut dl = None;
                let read = LTE.walk_within(r, place.ty, &CARRIER_PLACES, &mut |f, r| match (
                    f.parent, f.index,
                ) {
                    // dl-CarrierFreq-v9e0.
                    (schema::INTER_FREQ_CARRIER_FREQ_INFO_V9E0, 0) => {
                        Some(LTE.int(r, f.ty).map(|v| dl = u32::try_from(v).ok()))
                    }
                    _ => None,
                });
                Some(read.map(|()| v9e0.push(dl)))
            }
            _ => None,
        },
    )
}

/// SIB6: the UTRA FDD and TDD carriers and their priorities.
fn sib6(r: &mut BitReader, ty: TyId, s: &mut RrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[
        schema::CARRIER_FREQ_LIST_UTRA_FDD,
        schema::CARRIER_FREQ_LIST_UTRA_TDD,
    ]);
    static CARRIER_PLACES: Interest =
        Interest::new(&[schema::CARRIER_FREQ_UTRA_FDD, schema::CARRIER_FREQ_UTRA_TDD]);
    LTE.walk_within(r, ty, &PLACES, &mut |place, r| {
        let list = match place.parent {
            schema::CARRIER_FREQ_LIST_UTRA_FDD => &mut s.utra_fdd_carriers,
            schema::CARRIER_FREQ_LIST_UTRA_TDD => &mut s.utra_tdd_carriers,
            _ => return None,
        };
        let (mut uarfcn, mut prio) = (None, None);
        // carrierFreq and cellReselectionPriority lead both CarrierFreqUTRA-FDD and -TDD.
        let read = LTE.walk_within(r, place.ty, &CARRIER_PLACES, &mut |f, r| match f.index {
            0 if f.parent == place.ty => {
                Some(LTE.int(r, f.ty).map(|v| uarfcn = u16::try_from(v).ok()))
            }
            1 if f.parent == place.ty => Some(priority(r, f.ty).map(|p| prio = p)),
            _ => None,
        });
        Some(read.and_then(|()| {
            list.push(UtraCarrier {
                uarfcn: uarfcn.ok_or(Short)?,
                priority: prio,
            });
            Ok(())
        }))
    })
}

/// SIB7: the GERAN carrier sets and their priorities.
fn sib7(r: &mut BitReader, ty: TyId, s: &mut RrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[schema::CARRIER_FREQS_INFO_LIST_GERAN]);
    static CARRIER_PLACES: Interest = Interest::new(&[
        schema::CARRIER_FREQS_INFO_GERAN,
        schema::CARRIER_FREQS_INFO_GERAN__COMMON_INFO,
    ]);
    LTE.walk_within(r, ty, &PLACES, &mut |place, r| {
        if place.parent != schema::CARRIER_FREQS_INFO_LIST_GERAN {
            return None;
        }
        let (mut set, mut prio) = (None, None);
        let read = LTE.walk_within(r, place.ty, &CARRIER_PLACES, &mut |f, r| match (
            f.parent, f.index,
        ) {
            // carrierFreqs.
            (schema::CARRIER_FREQS_INFO_GERAN, 0) => Some(geran_redirect(r).map(|g| set = Some(g))),
            // commonInfo.cellReselectionPriority.
            (schema::CARRIER_FREQS_INFO_GERAN__COMMON_INFO, 0) => {
                Some(priority(r, f.ty).map(|p| prio = p))
            }
            _ => None,
        });
        Some(read.and_then(|()| {
            let Some(RedirectTarget::Geran {
                starting_arfcn,
                band,
                arfcns,
            }) = set
            else {
                return Err(Short);
            };
            s.geran_carriers.push(GeranCarrierSet {
                starting_arfcn,
                band,
                arfcns,
                priority: prio,
            });
            Ok(())
        }))
    })
}

/// SIB24: the NR carriers and their priorities.
fn sib24(r: &mut BitReader, ty: TyId, s: &mut RrcSummary) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[schema::CARRIER_FREQ_LIST_NR_R15]);
    static CARRIER_PLACES: Interest = Interest::new(&[schema::CARRIER_FREQ_NR_R15]);
    LTE.walk_within(r, ty, &PLACES, &mut |place, r| {
        if place.parent != schema::CARRIER_FREQ_LIST_NR_R15 {
            return None;
        }
        let (mut arfcn, mut prio) = (None, None);
        let read = LTE.walk_within(r, place.ty, &CARRIER_PLACES, &mut |f, r| match (
            f.parent, f.index,
        ) {
            // carrierFreq-r15.
            (schema::CARRIER_FREQ_NR_R15, 0) => {
                Some(LTE.int(r, f.ty).map(|v| arfcn = u32::try_from(v).ok()))
            }
            // cellReselectionPriority-r15.
            (schema::CARRIER_FREQ_NR_R15, 6) => Some(priority(r, f.ty).map(|p| prio = p)),
            _ => None,
        });
        Some(read.and_then(|()| {
            s.nr_carriers.push(NrCarrier {
                arfcn: arfcn.ok_or(Short)?,
                priority: prio,
            });
            Ok(())
        }))
    })
}

fn sib1(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    let s = &mut out.summary;
    // SystemInformationBlockType1: p-Max, tdd-Config, nonCriticalExtension optional.
    let [p_max, tdd, nce] = presence::<3>(r)?;
    // cellAccessRelatedInfo: csg-Identity optional.
    let [csg] = presence::<1>(r)?;
    let n = r.constrained(1, MAX_PLMN)?;
    let mut last_mcc = String::new();
    for _ in 0..n {
        // PLMN-Identity: mcc optional.
        let [has_mcc] = presence::<1>(r)?;
        let mcc = if has_mcc {
            (0..3).map(|_| digit(r)).collect::<Bits<String>>()?
        } else {
            last_mcc.clone()
        };
        last_mcc.clone_from(&mcc);
        let mnc_len = r.constrained(2, 3)?;
        let mnc = (0..mnc_len).map(|_| digit(r)).collect::<Bits<String>>()?;
        r.index(2)?; // cellReservedForOperatorUse
        s.plmns.push(Plmn { mcc, mnc });
    }
    s.tac = u16::try_from(r.bits(16)?).ok();
    s.cell_identity = u32::try_from(r.bits(28)?).ok();
    s.cell_barred = Some(r.index(2)? == 0);
    r.index(2)?; // intraFreqReselection
    r.bit()?; // csg-Indication
    if csg {
        r.bits(27)?;
    }
    // cellSelectionInfo: q-RxLevMinOffset optional.
    let [offset] = presence::<1>(r)?;
    r.constrained(0, 48)?; // q-RxLevMin -70..-22
    if offset {
        r.constrained(1, 8)?;
    }
    if p_max {
        r.constrained(0, 63)?; // -30..33
    }
    let band = r.constrained(1, 64)?;
    let mut band = u16::try_from(band).map_err(|_| Short)?;
    s.scheduled_sibs.push(2);
    let n = r.constrained(1, MAX_SI_MESSAGE)?;
    for _ in 0..n {
        r.index(7)?; // si-Periodicity
        let m = r.constrained(0, MAX_SIB_1)?;
        for _ in 0..m {
            // SIB-Type: sibType3..sibType18-v1250, then the extension values.
            let number = if r.bit()? {
                let i = usize::try_from(r.normally_small()?).map_err(|_| Short)?;
                *SIB_TYPE_EXTENSION_NUMBERS.get(i).ok_or(Short)?
            } else {
                u8::try_from(r.index(16)? + 3).map_err(|_| Short)?
            };
            s.scheduled_sibs.push(number);
        }
    }
    if tdd {
        r.index(7)?;
        r.index(9)?;
    }
    const WINDOWS: [u8; 7] = [1, 2, 5, 10, 15, 20, 40];
    let w = r.index(7)?;
    s.si_window_ms = WINDOWS.get(usize::try_from(w).map_err(|_| Short)?).copied();
    r.constrained(0, 31)?; // systemInfoValueTag
    if nce {
        // SystemInformationBlockType1-v890-IEs: the late extension holds v8h0 and on (read);
        // detection reads nothing of the v920 chain (walked by the table).
        let [late, next] = presence::<2>(r)?;
        if late {
            let inner = r.octet_string()?;
            if let Some(b) = sib1_v8h0(&inner, &mut s.scheduled_sibs)? {
                if band == 64 {
                    band = b;
                }
            }
        }
        if next {
            LTE.skip(r, schema::SYSTEM_INFORMATION_BLOCK_TYPE1_V920_IES)?;
        }
    }
    s.freq_band = Some(band);
    out.name = "SystemInformationBlockType1";
    Ok(())
}

/// SIB-Type extension values (sibType19-v1250 on), by index; sibType26a rides with 26.
const SIB_TYPE_EXTENSION_NUMBERS: [u8; 10] = [19, 20, 21, 24, 25, 26, 26, 27, 28, 29];

/// SIB-Type-v12j0 values, by index; the two spares schedule nothing.
const SIB_TYPE_V12J0_NUMBERS: [Option<u8>; 16] = [
    Some(19),
    Some(20),
    Some(21),
    Some(24),
    Some(25),
    Some(26),
    Some(26),
    Some(27),
    Some(28),
    Some(29),
    Some(30),
    Some(31),
    Some(32),
    Some(33),
    None,
    None,
];

/// SystemInformationBlockType1-v8h0-IEs in the late extension: freqBandIndicator-v9e0 when
/// given, and the SIB types of the v12j0 scheduling lists (further down the chain, walked
/// by the table) added to `scheduled`.
fn sib1_v8h0(bytes: &[u8], scheduled: &mut Vec<u8>) -> Bits<Option<u16>> {
    let mut r = BitReader::new(bytes);
    let [multi, next] = presence::<2>(&mut r)?;
    if multi {
        let n = r.constrained(1, MAX_MULTI_BANDS)?;
        for _ in 0..n {
            r.constrained(1, 64)?;
        }
    }
    if !next {
        return Ok(None);
    }
    // SystemInformationBlockType1-v9e0-IEs.
    let [fbi, multi, next] = presence::<3>(&mut r)?;
    let band = if fbi {
        Some(u16::try_from(r.constrained(65, 256)?).map_err(|_| Short)?)
    } else {
        None
    };
    if multi {
        let n = r.constrained(1, MAX_MULTI_BANDS)?;
        for _ in 0..n {
            let [b] = presence::<1>(&mut r)?;
            if b {
                r.constrained(65, 256)?;
            }
        }
    }
    if next {
        static PLACES: Interest =
            Interest::new(&[schema::SYSTEM_INFORMATION_BLOCK_TYPE1_V12J0_IES]);
        LTE.walk_within(
            &mut r,
            schema::SYSTEM_INFORMATION_BLOCK_TYPE1_V10J0_IES,
            &PLACES,
            &mut |place, r| {
                match (place.parent, place.index) {
                    // schedulingInfoList-v12j0 and schedulingInfoListExt-r12, in that order.
                    (schema::SYSTEM_INFORMATION_BLOCK_TYPE1_V12J0_IES, 0 | 1) => {
                        Some(v12j0_scheduling(r, place.ty, scheduled))
                    }
                    _ => None,
                }
            },
        )?;
    }
    Ok(band)
}

/// One of the v12j0 scheduling lists: the SIB types of every mapping in it.
fn v12j0_scheduling(r: &mut BitReader, ty: TyId, scheduled: &mut Vec<u8>) -> Bits<()> {
    static PLACES: Interest = Interest::new(&[schema::SIB_MAPPING_INFO_V12J0]);
    LTE.walk_within(r, ty, &PLACES, &mut |place, r| {
        if place.parent != schema::SIB_MAPPING_INFO_V12J0 {
            return None;
        }
        // SIB-Type-v12j0: extensible, no extension values defined.
        Some(c1_extension(r, 16).and_then(|i| {
            let number = SIB_TYPE_V12J0_NUMBERS
                .get(usize::try_from(i).map_err(|_| Short)?)
                .ok_or(Short)?;
            scheduled.extend(*number);
            Ok(())
        }))
    })
}

// ---- PCCH ----

fn pcch(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    let s = &mut out.summary;
    let flags = paging(r, |record| s.paging_records.push(record))?;
    s.system_info_modification = Some(flags.system_info_modification);
    s.etws_indication = Some(flags.etws_indication);
    out.name = "Paging";
    Ok(())
}

/// Paging's two flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PagingFlags {
    /// systemInfoModification present.
    pub(crate) system_info_modification: bool,
    /// etws-Indication present.
    pub(crate) etws_indication: bool,
}

/// A PCCH-Message, which the walker reads only as a Paging: each record is handed to
/// `record` as it is read (so a message given up half way has handed some over).
pub(crate) fn paging(r: &mut BitReader, mut record: impl FnMut(PagingRecord)) -> Bits<PagingFlags> {
    // CHOICE { c1 CHOICE { paging }, messageClassExtension SEQUENCE {} }
    if r.bit()? {
        return Err(Short);
    }
    r.index(1)?;
    let [list, modification, etws, nce] = presence::<4>(r)?;
    if list {
        let n = r.constrained(1, MAX_PAGE_REC)?;
        for _ in 0..n {
            // PagingRecord ::= SEQUENCE { ue-Identity, cn-Domain, ... }
            if r.bit()? {
                return Err(Short);
            }
            // PagingUE-Identity ::= CHOICE { s-TMSI, imsi, ..., (5G identities) }
            if r.bit()? {
                return Err(Short);
            }
            let identity = match r.index(2)? {
                0 => PagingIdentity::STmsi(s_tmsi(r)?),
                _ => {
                    let n = r.constrained(6, 21)?;
                    PagingIdentity::Imsi((0..n).map(|_| digit(r)).collect::<Bits<String>>()?)
                }
            };
            let cn_domain = if r.index(2)? == 0 {
                CnDomain::Ps
            } else {
                CnDomain::Cs
            };
            record(PagingRecord {
                identity,
                cn_domain,
            });
        }
    }
    if modification {
        r.index(1)?;
    }
    if etws {
        r.index(1)?;
    }
    if nce {
        // Paging-v890-IEs: lateNonCriticalExtension, then v920 and on (refused).
        v8a0_tail(r)?;
    }
    Ok(PagingFlags {
        system_info_modification: modification,
        etws_indication: etws,
    })
}

// ---- DL-DCCH ----

/// Names of the DL-DCCH `c1` alternatives, in order.
const DL_DCCH_NAMES: [&str; 16] = [
    "CSFBParametersResponseCDMA2000",
    "DLInformationTransfer",
    "HandoverFromEUTRAPreparationRequest",
    "MobilityFromEUTRACommand",
    "RRCConnectionReconfiguration",
    "RRCConnectionRelease",
    "SecurityModeCommand",
    "UECapabilityEnquiry",
    "CounterCheck",
    "UEInformationRequest-r9",
    "LoggedMeasurementConfiguration-r10",
    "RNReconfiguration-r10",
    "RRCConnectionResume-r13",
    "DLDedicatedMessageSegment-r16",
    "DL-DCCH spare",
    "DL-DCCH spare",
];

/// Where the DL-DCCH walk's hook reads: the message's CHOICE and the fields of the messages read (the read messages' own walks declare theirs).
static DL_DCCH_PLACES: Interest = Interest::new(&[
    schema::DL_DCCH_MESSAGE_TYPE__C1,
    schema::DL_INFORMATION_TRANSFER_R8_IES__DEDICATED_INFO_TYPE,
    schema::DL_INFORMATION_TRANSFER_R15_IES__DEDICATED_INFO_TYPE_R15,
    schema::UE_CAPABILITY_REQUEST,
]);

fn dl_dcch(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    let RrcMessage {
        name,
        summary,
        nas_pdus,
        ..
    } = out;
    let names: &[(TyId, &[&'static str])] = &[(schema::DL_DCCH_MESSAGE_TYPE__C1, &DL_DCCH_NAMES)];
    LTE.named_walk(
        r,
        schema::DL_DCCH_MESSAGE_TYPE,
        names,
        &DL_DCCH_PLACES,
        name,
        &mut |place, r| {
            match (place.parent, place.index) {
                (schema::DL_DCCH_MESSAGE_TYPE__C1, 4) => {
                    Some(rrc_connection_reconfiguration(r, summary, nas_pdus))
                }
                (schema::DL_DCCH_MESSAGE_TYPE__C1, 5) => Some(rrc_connection_release(r, summary)),
                (schema::DL_DCCH_MESSAGE_TYPE__C1, 6) => Some(security_mode_command(r, summary)),
                // dedicatedInfoNAS of DLInformationTransfer-r8 and -r15.
                (schema::DL_INFORMATION_TRANSFER_R8_IES__DEDICATED_INFO_TYPE, 0)
                | (schema::DL_INFORMATION_TRANSFER_R15_IES__DEDICATED_INFO_TYPE_R15, 0) => {
                    Some(dedicated_info_nas(r).map(|n| nas_pdus.push(n)))
                }
                // UE-CapabilityRequest of UECapabilityEnquiry-r8: each RAT-Type (extensible, no
                // extension values defined).
                (schema::UE_CAPABILITY_REQUEST, _) => Some(c1_extension(r, 8).and_then(|i| {
                    let rat = RATS
                        .get(usize::try_from(i).map_err(|_| Short)?)
                        .ok_or(Short)?;
                    summary.requested_rats.push(rat);
                    Ok(())
                })),
                _ => None,
            }
        },
    )
}

/// RAT-Type values, in order.
const RATS: [&str; 8] = [
    "eutra",
    "utra",
    "geran-cs",
    "geran-ps",
    "cdma2000-1XRTT",
    "nr",
    "eutra-nr",
    "spare1",
];

/// RRCConnectionReconfiguration (after its DL-DCCH index): the NAS PDUs (r8 and v1530 lists)
/// and the handover target; the measurement and radio configuration and every other
/// extension walked by the table.
/// Where the RRCConnectionReconfiguration walk's hook reads: the handover and the NAS lists.
static RECONFIGURATION_PLACES: Interest = Interest::new(&[
    schema::RRC_CONNECTION_RECONFIGURATION_R8_IES,
    schema::RRC_CONNECTION_RECONFIGURATION_R8_IES__DEDICATED_INFO_NAS_LIST,
    schema::RRC_CONNECTION_RECONFIGURATION_V1530_IES__DEDICATED_INFO_NAS_LIST_R15,
]);

fn rrc_connection_reconfiguration(
    r: &mut BitReader,
    summary: &mut RrcSummary,
    nas: &mut Vec<Vec<u8>>,
) -> Bits<()> {
    LTE.walk_within(
        r,
        schema::RRC_CONNECTION_RECONFIGURATION,
        &RECONFIGURATION_PLACES,
        &mut |place, r| {
            match (place.parent, place.index) {
                // mobilityControlInfo.
                (schema::RRC_CONNECTION_RECONFIGURATION_R8_IES, 1) => {
                    Some(mobility_control_info(r).map(|h| summary.handover = Some(h)))
                }
                (schema::RRC_CONNECTION_RECONFIGURATION_R8_IES__DEDICATED_INFO_NAS_LIST, _)
                | (
                    schema::RRC_CONNECTION_RECONFIGURATION_V1530_IES__DEDICATED_INFO_NAS_LIST_R15,
                    _,
                ) => Some(dedicated_info_nas(r).map(|n| nas.push(n))),
                _ => None,
            }
        },
    )
}

/// MobilityControlInfo: the target cell and its downlink carrier, the v9e0 carrier (an
/// extension addition) standing for a base value of maxEARFCN.
fn mobility_control_info(r: &mut BitReader) -> Bits<HandoverTarget> {
    static PLACES: Interest = Interest::new(&[schema::MOBILITY_CONTROL_INFO]);
    let (mut pci, mut base, mut ext) = (None, None, None);
    LTE.walk_within(
        r,
        schema::MOBILITY_CONTROL_INFO,
        &PLACES,
        &mut |place, r| {
            match (place.parent, place.index) {
                // targetPhysCellId.
                (schema::MOBILITY_CONTROL_INFO, 0) => {
                    Some(r.constrained(0, MAX_PCI).map(|p| pci = Some(p)))
                }
                // carrierFreq: CarrierFreqEUTRA.
                (schema::MOBILITY_CONTROL_INFO, 1) => {
                    Some(carrier_freq(r, MAX_EARFCN).map(|dl| base = Some(dl)))
                }
                // carrierFreq-v9e0 (first extension group): CarrierFreqEUTRA-v9e0.
                (schema::MOBILITY_CONTROL_INFO, 8) => {
                    Some(carrier_freq(r, MAX_EARFCN_R9).map(|dl| ext = Some(dl)))
                }
                _ => None,
            }
        },
    )?;
    let pci = u16::try_from(pci.ok_or(Short)?).map_err(|_| Short)?;
    let ext = ext.map(u32::try_from).transpose().map_err(|_| Short)?;
    let earfcn = match (base, ext) {
        (Some(MAX_EARFCN), Some(e)) => Some(e),
        (Some(b), _) => Some(u32::try_from(b).map_err(|_| Short)?),
        (None, e) => e,
    };
    Ok(HandoverTarget { pci, earfcn })
}

/// `SEQUENCE { dl-CarrierFreq, ul-CarrierFreq OPTIONAL }` with carriers in `0..=max`: the
/// downlink one.
fn carrier_freq(r: &mut BitReader, max: u64) -> Bits<u64> {
    let [ul] = presence::<1>(r)?;
    let dl = r.constrained(0, max)?;
    if ul {
        r.constrained(0, max)?;
    }
    Ok(dl)
}

/// `criticalExtensions CHOICE { c1 CHOICE { xxx-r8, spare... (n in all) },
/// criticalExtensionsFuture SEQUENCE {} }`: the index within c1.
fn c1_extension(r: &mut BitReader, alternatives: u64) -> Bits<u64> {
    if r.bit()? {
        return Err(Short);
    }
    r.index(alternatives)
}

/// RRCConnectionRelease (after its DL-DCCH index).
fn rrc_connection_release(r: &mut BitReader, summary: &mut RrcSummary) -> Bits<()> {
    r.constrained(0, 3)?;
    if c1_extension(r, 4)? != 0 {
        return Err(Short);
    }
    // RRCConnectionRelease-r8-IEs.
    let [redirect, idle, nce] = presence::<3>(r)?;
    const CAUSES: [&str; 4] = [
        "loadBalancingTAUrequired",
        "other",
        "cs-FallbackHighPriority-v1020",
        "rrc-Suspend-v1320",
    ];
    let cause = r.index(4)?;
    summary.release_cause = CAUSES
        .get(usize::try_from(cause).map_err(|_| Short)?)
        .copied();
    if redirect {
        // RedirectedCarrierInfo is extensible; the root alternatives are read.
        if r.bit()? {
            return Err(Short);
        }
        summary.redirect = Some(match r.index(6)? {
            0 => RedirectTarget::Eutra {
                earfcn: u32::try_from(r.constrained(0, MAX_EARFCN)?).map_err(|_| Short)?,
            },
            1 => geran_redirect(r)?,
            2 => RedirectTarget::UtraFdd {
                uarfcn: u16::try_from(r.constrained(0, 16383)?).map_err(|_| Short)?,
            },
            3 => RedirectTarget::UtraTdd {
                uarfcn: u16::try_from(r.constrained(0, 16383)?).map_err(|_| Short)?,
            },
            _ => return Err(Short),
        });
    }
    // Dedicated priorities and the v890 chain (whose late extension may carry the v9e0
    // carrier above 65535) are left to the generated decoder.
    absent(idle)?;
    absent(nce)?;
    Ok(())
}

/// `CarrierFreqsGERAN` as a redirect target.
fn geran_redirect(r: &mut BitReader) -> Bits<RedirectTarget> {
    let start = u16::try_from(r.constrained(0, 1023)?).map_err(|_| Short)?;
    let band = if r.index(2)? == 0 {
        GeranBand::Dcs1800
    } else {
        GeranBand::Pcs1900
    };
    let mut arfcns = vec![start];
    // followingARFCNs CHOICE { explicitListOfARFCNs, equallySpacedARFCNs,
    // variableBitMapOfARFCNs }
    match r.index(3)? {
        0 => {
            // ExplicitListOfARFCNs ::= SEQUENCE (SIZE (0..31)) OF ARFCN-ValueGERAN
            let n = r.constrained(0, 31)?;
            for _ in 0..n {
                arfcns.push(u16::try_from(r.constrained(0, 1023)?).map_err(|_| Short)?);
            }
        }
        1 => {
            let spacing = r.constrained(1, 8)?;
            let following = r.constrained(0, 31)?;
            for k in 1..=following {
                let a = (u64::from(start) + k * spacing) % 1024;
                arfcns.push(u16::try_from(a).map_err(|_| Short)?);
            }
        }
        _ => {
            // OCTET STRING (SIZE (1..16))
            let n = r.constrained(1, 16)?;
            let map = r.octets(usize::try_from(n).map_err(|_| Short)?)?;
            let mut k: u64 = 0;
            for byte in map {
                for bit in (0..8).rev() {
                    k += 1;
                    if byte & (1 << bit) != 0 {
                        let a = (u64::from(start) + k) % 1024;
                        arfcns.push(u16::try_from(a).map_err(|_| Short)?);
                    }
                }
            }
        }
    }
    Ok(RedirectTarget::Geran {
        starting_arfcn: start,
        band,
        arfcns,
    })
}

/// SecurityModeCommand (after its DL-DCCH index).
fn security_mode_command(r: &mut BitReader, summary: &mut RrcSummary) -> Bits<()> {
    r.constrained(0, 3)?;
    if c1_extension(r, 4)? != 0 {
        return Err(Short);
    }
    // SecurityModeCommand-r8-IEs.
    let [nce] = presence::<1>(r)?;
    // SecurityConfigSMC ::= SEQUENCE { securityAlgorithmConfig, ... }
    if r.bit()? {
        return Err(Short);
    }
    // Both algorithm enumerations are extensible with 8 root values.
    if r.bit()? {
        return Err(Short);
    }
    let cipher = r.index(8)?;
    if r.bit()? {
        return Err(Short);
    }
    let integrity = r.index(8)?;
    optional_v8a0(r, nce)?;
    summary.ciphering_algorithm = u8::try_from(cipher).ok();
    summary.integrity_algorithm = u8::try_from(integrity).ok();
    Ok(())
}

// ---- UL-DCCH ----

/// Names of the UL-DCCH `c1` alternatives, in order.
const UL_DCCH_NAMES: [&str; 16] = [
    "CSFBParametersRequestCDMA2000",
    "MeasurementReport",
    "RRCConnectionReconfigurationComplete",
    "RRCConnectionReestablishmentComplete",
    "RRCConnectionSetupComplete",
    "SecurityModeComplete",
    "SecurityModeFailure",
    "UECapabilityInformation",
    "ULHandoverPreparationTransfer",
    "ULInformationTransfer",
    "CounterCheckResponse",
    "UEInformationResponse-r9",
    "ProximityIndication-r9",
    "RNReconfigurationComplete-r10",
    "MBMSCountingResponse-r10",
    "InterFreqRSTDMeasurementIndication-r10",
];

/// Names of the UL-DCCH `messageClassExtension` `c2` alternatives, in order.
const UL_DCCH_C2_NAMES: [&str; 16] = [
    "UEAssistanceInformation-r11",
    "InDeviceCoexIndication-r11",
    "MBMSInterestIndication-r11",
    "SCGFailureInformation-r12",
    "SidelinkUEInformation-r12",
    "WLANConnectionStatusReport-r13",
    "RRCConnectionResumeComplete-r13",
    "ULInformationTransferMRDC-r15",
    "SCGFailureInformationNR-r15",
    "MeasReportAppLayer-r15",
    "FailureInformation-r15",
    "ULDedicatedMessageSegment-r16",
    "PURConfigurationRequest-r16",
    "FailureInformation-r16",
    "MCGFailureInformation-r16",
    "ULInformationTransferIRAT-r16",
];

/// Where the UL-DCCH walk's hook reads: the message's CHOICEs and the fields carrying NAS.
static UL_DCCH_PLACES: Interest = Interest::new(&[
    schema::UL_DCCH_MESSAGE_TYPE__C1,
    schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION,
    schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION__C2,
    schema::RRC_CONNECTION_SETUP_COMPLETE_R8_IES,
    schema::UL_INFORMATION_TRANSFER_R8_IES__DEDICATED_INFO_TYPE,
    schema::UL_INFORMATION_TRANSFER_R16_IES__DEDICATED_INFO_TYPE_R16,
    schema::RRC_CONNECTION_RESUME_COMPLETE_R13_IES,
]);

fn ul_dcch(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    let RrcMessage { name, nas_pdus, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (schema::UL_DCCH_MESSAGE_TYPE__C1, &UL_DCCH_NAMES),
        (
            schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION,
            &["", "UL-DCCH messageClassExtensionFuture-r11"],
        ),
        (
            schema::UL_DCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION__C2,
            &UL_DCCH_C2_NAMES,
        ),
    ];
    LTE.named_walk(
        r,
        schema::UL_DCCH_MESSAGE_TYPE,
        names,
        &UL_DCCH_PLACES,
        name,
        &mut |place, r| {
            match (place.parent, place.index) {
                // RRCConnectionSetupComplete-r8 dedicatedInfoNAS, the dedicatedInfoNAS choices of
                // ULInformationTransfer-r8 and -r16, RRCConnectionResumeComplete-r13
                // dedicatedInfoNAS-r13.
                (schema::RRC_CONNECTION_SETUP_COMPLETE_R8_IES, 2)
                | (schema::UL_INFORMATION_TRANSFER_R8_IES__DEDICATED_INFO_TYPE, 0)
                | (schema::UL_INFORMATION_TRANSFER_R16_IES__DEDICATED_INFO_TYPE_R16, 0)
                | (schema::RRC_CONNECTION_RESUME_COMPLETE_R13_IES, 1) => {
                    Some(dedicated_info_nas(r).map(|n| nas_pdus.push(n)))
                }
                _ => None,
            }
        },
    )
}

/// Names of the DL-CCCH `c1` alternatives, in order.
const DL_CCCH_NAMES: [&str; 4] = [
    "RRCConnectionReestablishment",
    "RRCConnectionReestablishmentReject",
    "RRCConnectionReject",
    "RRCConnectionSetup",
];

/// Where the DL-CCCH walk's hook reads: the message's CHOICEs and RRCConnectionReject's wait time.
static DL_CCCH_PLACES: Interest = Interest::new(&[
    schema::DL_CCCH_MESSAGE_TYPE__C1,
    schema::DL_CCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION,
    schema::DL_CCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION__C2,
    schema::RRC_CONNECTION_REJECT_R8_IES,
]);

fn dl_ccch(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    let RrcMessage { name, summary, .. } = out;
    let names: &[(TyId, &[&'static str])] = &[
        (schema::DL_CCCH_MESSAGE_TYPE__C1, &DL_CCCH_NAMES),
        (
            schema::DL_CCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION,
            &["", "DL-CCCH messageClassExtensionFuture-r15"],
        ),
        (
            schema::DL_CCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION__C2,
            &[
                "RRCEarlyDataComplete-r15",
                "DL-CCCH spare",
                "DL-CCCH spare",
                "DL-CCCH spare",
            ],
        ),
    ];
    LTE.named_walk(
        r,
        schema::DL_CCCH_MESSAGE_TYPE,
        names,
        &DL_CCCH_PLACES,
        name,
        &mut |place, r| {
            match (place.parent, place.index) {
                // RRCConnectionReject-r8 waitTime.
                (schema::RRC_CONNECTION_REJECT_R8_IES, 0) => {
                    Some(r.constrained(1, 16).and_then(|w| {
                        summary.wait_time_s = Some(u8::try_from(w).map_err(|_| Short)?);
                        Ok(())
                    }))
                }
                // Early data: its idle-mode priorities are left to the generated decoder.
                (schema::DL_CCCH_MESSAGE_TYPE__MESSAGE_CLASS_EXTENSION__C2, 0) => Some(Err(Short)),
                _ => None,
            }
        },
    )
}

// ---- UL-CCCH ----

fn ul_ccch(r: &mut BitReader, out: &mut RrcMessage) -> Bits<()> {
    if r.bit()? {
        return Err(Short);
    }
    if r.index(2)? != 1 {
        return Err(Short);
    }
    // RRCConnectionRequest: criticalExtensions CHOICE { r8, r15 }.
    if r.index(2)? != 0 {
        return Err(Short);
    }
    let s = &mut out.summary;
    match r.index(2)? {
        0 => {
            s.ue_identity_type = Some("s-TMSI");
            s.s_tmsi = Some(s_tmsi(r)?);
        }
        _ => {
            r.bits(40)?;
            s.ue_identity_type = Some("randomValue");
        }
    }
    const CAUSES: [&str; 8] = [
        "emergency",
        "highPriorityAccess",
        "mt-Access",
        "mo-Signalling",
        "mo-Data",
        "delayTolerantAccess-v1020",
        "mo-VoiceCall-v1280",
        "spare1",
    ];
    let cause = r.index(8)?;
    s.establishment_cause = CAUSES
        .get(usize::try_from(cause).map_err(|_| Short)?)
        .copied();
    r.bits(1)?; // spare
    out.name = "RRCConnectionRequest";
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_skip_equals_the_table_walk_for_every_type() {
        let walked = LTE
            .compare_compiled(48, 0x5eed_c0de_0000_0001)
            .unwrap_or_else(|e| panic!("{e}"));
        // Most types read a value from some of the buffers.
        assert!(
            walked > schema::TYPES.len() * 8,
            "only {walked} values walked"
        );
    }
}
