//! The scenarios: one script per attack and per benign twin.
//!
//! Attacks follow what TS 24.301, TS 36.331 and TS 33.401 let an unauthenticated network do
//! to a phone, and what cell-site simulators are known to do with it: collect the permanent
//! identity before authentication, reject or release the phone without authentication, send
//! it to 2G/3G, switch security off, or broadcast a cell that attracts and keeps phones. Each
//! benign twin runs the same procedure the way a real network does (with authentication and
//! security first, or with consistent broadcast).

use crate::cell::{geran_set, Cell, LAYER_B20, LAYER_B3, UTRA_UARFCN};
use crate::gsm::{
    benign_gsm_call, benign_gsm_identity, benign_gsm_lac_border, benign_gsm_sms, benign_gsm_update,
    fake_gsm_collects_imsi, gsm_a5_0, gsm_imsi_catcher, gsm_lac_outlier, gsm_no_ciphering,
    gsm_silent_sms, operator_gsm_takes_the_call,
};
use crate::nr::{
    benign_nr_null_ciphering, benign_nr_priorities, benign_nr_release_after_security,
    nr_null_security, nr_priority_downgrade, nr_release_before_security, EUTRA_TARGET,
};
use crate::nr_sa::{
    benign_nr_emergency, benign_nr_identity, benign_nr_reject_after_auth, benign_nr_suci,
    nr_sa_identity_catcher, nr_sa_null_security, nr_sa_null_suci, nr_sa_registration_reject,
};
use crate::recorder::{guti, nas_plmn, s_tmsi, Recorder, IMSI, MME_CODE, MME_GROUP, M_TMSI};
use crate::umts::{
    benign_umts_identity, benign_umts_redirect, umts_imsi_catcher, umts_redirect_to_gsm,
};
use crate::ScenarioError;
use stingwatch_lte_rrc::build::{EstablishmentCause, InitialIdentity, ReleaseCause, SibContent};
use stingwatch_lte_rrc::{
    CnDomain, EutraCarrier, IdleModePriorities, PagingIdentity, PagingRecord, RedirectTarget,
    STmsi, UtraCarrier,
};
use stingwatch_nas::build::{self as nas, Identity};
use stingwatch_nas::{Guti, Plmn as NasPlmn};

/// Analyzer kinds the attacks expect (stable ids of the heuristics).
mod kind {
    pub const IDENTITY_WITHOUT_AUTH: &str = "identity-request-without-auth";
    pub const REJECT_CAUSE: &str = "downgrade-reject-cause";
    pub const REDIRECT: &str = "downgrade-redirect-without-auth";
    pub const NULL_SECURITY: &str = "null-security";
    pub const IMSI_PAGING: &str = "imsi-paging";
    pub const PRIORITY_DOWNGRADE: &str = "broadcast-priority-downgrade";
    pub const SIB_CHAIN: &str = "incomplete-sib-chain";
    pub const CELL_CONFLICT: &str = "cell-identity-conflict";
    pub const TAC_OUTLIER: &str = "tac-outlier";
    pub const EXPOSURE_RATE: &str = "identity-exposure-rate";
}

type Script = fn(&mut Recorder) -> Result<(), ScenarioError>;

/// One catalog entry.
pub struct Entry {
    pub name: &'static str,
    pub description: &'static str,
    pub attack: bool,
    pub twin: &'static str,
    pub script: Script,
}

/// Tracking area of the operator's cells around the phone.
const TAC: u16 = 0x2a01;
/// Tracking area of a second, real area (for boundary scenarios).
const TAC_NEXT: u16 = 0x2a02;
/// Tracking area a fake cell picks so that arriving phones must contact it.
const TAC_FAKE: u16 = 0x7f3d;

/// The phone's usual serving cell.
fn home() -> Cell {
    Cell::operator(TAC, 0x01a2_b301, LAYER_B3, 101)
}

/// Its co-sited neighbour on the same frequency.
fn home_sector2() -> Cell {
    Cell::operator(TAC, 0x01a2_b302, LAYER_B3, 102)
}

/// Its co-sited neighbour on the band 20 layer.
fn home_low_band() -> Cell {
    Cell::operator(TAC, 0x01a2_b311, LAYER_B20, 216)
}

/// A fake cell on the operator's frequency with a physical id of its own.
fn fake(cell: Cell) -> Cell {
    Cell {
        earfcn: LAYER_B3,
        pci: 377,
        ..cell
    }
}

fn geran_redirect() -> RedirectTarget {
    let set = geran_set(None);
    RedirectTarget::Geran {
        starting_arfcn: set.starting_arfcn,
        band: set.band,
        arfcns: set.arfcns,
    }
}

fn paging_stmsi(m_tmsi: u32) -> PagingRecord {
    PagingRecord {
        identity: PagingIdentity::STmsi(STmsi { mmec: 1, m_tmsi }),
        cn_domain: CnDomain::Ps,
    }
}

/// RRC release after the attacker's last NAS message (the catcher's inactivity is short).
fn release_plain(rec: &mut Recorder, note: &str) -> Result<u64, ScenarioError> {
    rec.wait_ms(180);
    rec.release(ReleaseCause::Other, None, None, note)
}

// ---- attacks ----

fn imsi_catcher(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let cell = fake(Cell::minimal(TAC_FAKE, 0x0f1e_2d01, LAYER_B3, 377));
    let camped = rec.camp(
        &cell,
        "fake cell: SIB1 schedules nothing beyond SIB2, in a tracking area of its own",
    )?;
    rec.expect(kind::SIB_CHAIN, camped.sib1, "medium");
    rec.wait_ms(640);
    rec.connect(
        InitialIdentity::Random(0x2b_9e01_c4d7),
        EstablishmentCause::MoSignalling,
    )?;
    let attach = nas::attach_request(
        1,
        &Identity::Guti(guti(M_TMSI)?),
        &nas::pdn_connectivity_request(1),
    )
    .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    rec.setup_complete(&attach, true, "power-on attach with the stored GUTI")?;
    let request = rec.imsi_request("identity request for the IMSI before any authentication")?;
    rec.expect(kind::IDENTITY_WITHOUT_AUTH, request, "high");
    let reject = rec.dl_nas(
        &nas::attach_reject(15),
        "attach reject #15 without authentication: the catcher has the IMSI and sends the \
         phone to look for another tracking area",
    )?;
    rec.expect(kind::REJECT_CAUSE, reject, "medium");
    release_plain(rec, "release, no authentication ever happened")?;
    // The phone leaves for the real network.
    rec.wait_ms(900);
    rec.camp(&home(), "")?;
    Ok(())
}

fn identity_without_auth(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let cell = Cell::operator(0x2a05, 0x01a2_c101, LAYER_B3, 377);
    rec.camp(
        &cell,
        "a cell configured like the operator's, in a new tracking area",
    )?;
    rec.wait_s(2);
    rec.tau_request("tracking area update with the GUTI, integrity protected")?;
    let request = rec.imsi_request("identity request for the IMSI instead of authentication")?;
    rec.expect(kind::IDENTITY_WITHOUT_AUTH, request, "medium");
    rec.dl_nas(
        &nas::tracking_area_update_reject(9),
        "TAU reject #9 without authentication: the phone must delete its GUTI and attach",
    )?;
    release_plain(rec, "")?;
    rec.wait_s(3);
    rec.connect(
        InitialIdentity::Random(0x11_70aa_3e09),
        EstablishmentCause::MoSignalling,
    )?;
    let attach = nas::attach_request(1, &Identity::Imsi(IMSI), &nas::pdn_connectivity_request(2))
        .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    rec.setup_complete(&attach, false, "attach with the IMSI, as #9 demands")?;
    let reject = rec.dl_nas(
        &nas::attach_reject(15),
        "attach reject #15, again without authentication",
    )?;
    rec.expect(kind::REJECT_CAUSE, reject, "medium");
    release_plain(rec, "")?;
    Ok(())
}

fn redirect_2g(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(
        &fake(Cell::operator(TAC_FAKE, 0x01a2_c201, LAYER_B3, 377)),
        "",
    )?;
    rec.wait_s(1);
    rec.tau_request("tracking area update on arrival")?;
    rec.wait_ms(120);
    let release = rec.release(
        ReleaseCause::Other,
        Some(&geran_redirect()),
        None,
        "release redirecting to GSM (DCS 1800 ARFCN 512) before any authentication",
    )?;
    rec.expect(kind::REDIRECT, release, "medium");
    Ok(())
}

fn redirect_3g(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(
        &fake(Cell::operator(TAC_FAKE, 0x01a2_c202, LAYER_B3, 377)),
        "",
    )?;
    rec.wait_s(1);
    rec.tau_request("tracking area update on arrival")?;
    let request = rec.imsi_request("identity request for the IMSI before any authentication")?;
    rec.expect(kind::IDENTITY_WITHOUT_AUTH, request, "medium");
    rec.wait_ms(60);
    let release = rec.release(
        ReleaseCause::Other,
        Some(&RedirectTarget::UtraFdd {
            uarfcn: UTRA_UARFCN,
        }),
        None,
        "release redirecting to UMTS before any authentication",
    )?;
    // 3G authenticates the network, so the redirect alone weighs low.
    rec.expect(kind::REDIRECT, release, "low");
    Ok(())
}

fn idle_priority_2g(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(
        &fake(Cell::operator(TAC_FAKE, 0x01a2_c203, LAYER_B3, 377)),
        "",
    )?;
    rec.wait_s(1);
    rec.tau_request("tracking area update on arrival")?;
    rec.wait_ms(120);
    let priorities = IdleModePriorities {
        eutra: vec![EutraCarrier {
            earfcn: LAYER_B3,
            priority: Some(1),
        }],
        geran: vec![geran_set(Some(7))],
        t320_minutes: Some(180),
        ..IdleModePriorities::default()
    };
    let release = rec.release(
        ReleaseCause::Other,
        None,
        Some(&priorities),
        "release with dedicated priorities: GSM 7 above LTE 1 for three hours, no authentication",
    )?;
    rec.expect(kind::REDIRECT, release, "medium");
    Ok(())
}

fn priority_downgrade(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let cell = Cell {
        extra_sibs: vec![
            SibContent::Sib3 {
                serving_priority: 2,
            },
            SibContent::Sib5 {
                carriers: vec![EutraCarrier {
                    earfcn: LAYER_B20,
                    priority: Some(1),
                }],
            },
            SibContent::Sib7 {
                geran: vec![geran_set(Some(6))],
            },
        ],
        ..home()
    };
    let camped = rec.camp(&cell, "")?;
    let sib7 = camped.si_packet(7)?;
    rec.expect(kind::PRIORITY_DOWNGRADE, sib7, "medium");
    rec.wait_s(30);
    rec.periodic_tau(TAC)?;
    Ok(())
}

fn null_cipher_rrc(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(4);
    rec.connect(InitialIdentity::STmsi(s_tmsi()), EstablishmentCause::MoData)?;
    rec.setup_complete(
        &nas::service_request(0, 3, 0x3c1d),
        false,
        "service request",
    )?;
    let smc = rec.as_security(0, 0, "RRC security mode command: EEA0 and EIA0")?;
    rec.expect(kind::NULL_SECURITY, smc, "high");
    rec.wait_s(6);
    rec.release(ReleaseCause::Other, None, None, "")?;
    Ok(())
}

fn null_cipher_nas(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_ms(700);
    rec.connect(
        InitialIdentity::Random(0x3c_5a1e_7d42),
        EstablishmentCause::MoSignalling,
    )?;
    let attach = nas::attach_request(1, &Identity::Imsi(IMSI), &nas::pdn_connectivity_request(1))
        .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    rec.setup_complete(&attach, false, "attach with the IMSI")?;
    let smc = rec.nas_security(
        0,
        0,
        "NAS security mode command: EEA0 and EIA0, without authentication",
    )?;
    rec.expect(kind::NULL_SECURITY, smc, "high");
    let bearer =
        nas::activate_default_eps_bearer_context_request(5, 1, "internet", [10, 45, 0, 17]);
    rec.dl_nas(
        &nas::attach_accept(nas_plmn()?, &[TAC], Some(guti(0x0bad_0001)?), &bearer),
        "attach accept, null protected",
    )?;
    rec.wait_ms(35);
    rec.ul_nas(
        &nas::attach_complete(&nas::activate_default_eps_bearer_context_accept(5, 1)),
        "",
    )?;
    rec.wait_s(8);
    rec.release(ReleaseCause::Other, None, None, "")?;
    Ok(())
}

fn imsi_paging(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(3);
    // Registered: only a registered phone is paged.
    rec.periodic_tau(TAC)?;
    rec.wait_s(12);
    let records = [
        paging_stmsi(0x8e41_0c27),
        PagingRecord {
            identity: PagingIdentity::Imsi(IMSI.to_string()),
            cn_domain: CnDomain::Ps,
        },
    ];
    let page = rec.paging(&records, "paging record by IMSI")?;
    rec.expect(kind::IMSI_PAGING, page, "medium");
    // Paged by IMSI, the phone detaches locally and attaches with the IMSI (TS 24.301
    // 5.6.2.2.2), confirming to the pager that it is here.
    rec.wait_ms(40);
    rec.connect(
        InitialIdentity::Random(0x05_d2e3_f401),
        EstablishmentCause::MoSignalling,
    )?;
    let attach = nas::attach_request(1, &Identity::Imsi(IMSI), &nas::pdn_connectivity_request(3))
        .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    rec.setup_complete(&attach, false, "attach with the IMSI in answer to the page")?;
    rec.wait_ms(400);
    rec.release(ReleaseCause::Other, None, None, "")?;
    Ok(())
}

fn incomplete_sib(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let camped = rec.camp(
        &Cell::minimal(TAC, 0x01a2_b3f1, LAYER_B3, 377),
        "SIB1 schedules nothing beyond SIB2",
    )?;
    rec.expect(kind::SIB_CHAIN, camped.sib1, "medium");
    rec.wait_s(60);
    Ok(())
}

fn downgrade_reject(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(
        &fake(Cell::operator(TAC_FAKE, 0x01a2_c204, LAYER_B3, 377)),
        "",
    )?;
    rec.wait_s(1);
    rec.tau_request("tracking area update on arrival")?;
    let reject = rec.dl_nas(
        &nas::tracking_area_update_reject(7),
        "TAU reject #7 (EPS services not allowed) without authentication: the phone must \
         treat the SIM as invalid for LTE",
    )?;
    rec.expect(kind::REJECT_CAUSE, reject, "medium");
    release_plain(rec, "")?;
    Ok(())
}

fn inconsistent_cell(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(5);
    rec.periodic_tau(TAC)?;
    rec.wait_s(180);
    let impostor = Cell {
        tac: TAC_FAKE,
        cell_id: 0x0f1e_2d02,
        ..home()
    };
    let camped = rec.camp(
        &impostor,
        "same EARFCN and PCI as before, different tracking area and cell identity",
    )?;
    rec.expect_qmdl_only(kind::CELL_CONFLICT, camped.sib1, "medium");
    rec.wait_s(20);
    Ok(())
}

fn tac_outlier(rec: &mut Recorder) -> Result<(), ScenarioError> {
    // A drive past four cells of one tracking area with an odd one in between.
    let cells = [
        Cell::operator(TAC, 0x01a2_b301, LAYER_B3, 101),
        Cell::operator(TAC, 0x01a2_b402, LAYER_B3, 140),
        Cell::operator(TAC, 0x01a2_b503, LAYER_B20, 212),
    ];
    for cell in &cells {
        rec.camp(cell, "")?;
        rec.wait_s(40);
    }
    let odd = Cell::operator(TAC_FAKE, 0x01a2_b6f0, LAYER_B3, 377);
    let camped = rec.camp(&odd, "a tracking area no other cell around uses")?;
    rec.expect(kind::TAC_OUTLIER, camped.sib1, "medium");
    // Camped in a tracking area outside its registration area, the phone must contact the
    // cell at once (TS 24.301 5.5.3.2.2): what the odd area is for.
    rec.wait_ms(300);
    rec.tau_request("tracking area update: the phone must contact the new area's cell")?;
    release_plain(rec, "released without an answer to the update")?;
    rec.wait_s(40);
    rec.camp(&Cell::operator(TAC, 0x01a2_b704, LAYER_B3, 188), "")?;
    rec.wait_s(40);
    Ok(())
}

/// Six quiet connections on two cells: the recording's baseline.
fn quiet_baseline(rec: &mut Recorder) -> Result<(), ScenarioError> {
    for cell in [home(), home_low_band()] {
        rec.camp(&cell, "")?;
        for _ in 0..3 {
            rec.wait_s(40);
            rec.service_request(false, 6)?;
        }
        rec.wait_s(20);
    }
    Ok(())
}

fn identity_exposure_rate(rec: &mut Recorder) -> Result<(), ScenarioError> {
    quiet_baseline(rec)?;
    let catcher = Cell::operator(0x2a07, 0x01a2_c301, LAYER_B3, 377);
    rec.camp(&catcher, "")?;
    for i in 0..5 {
        rec.wait_s(40);
        rec.tau_request("tracking area update")?;
        let request = rec.imsi_request("identity request for the IMSI")?;
        if i == 0 {
            rec.expect(kind::EXPOSURE_RATE, request, "medium");
            rec.expect(kind::IDENTITY_WITHOUT_AUTH, request, "medium");
        }
        release_plain(rec, "released without authentication")?;
    }
    Ok(())
}

/// The phone, served by its operator, meets a cell that broadcasts the operator's own network
/// in a tracking area of its own, asks for the IMSI and refuses the phone as a roamer (#13).
fn home_network_reject(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(4);
    rec.service_request(false, 5)?;
    rec.wait_s(30);
    let cell = fake(Cell::operator(TAC_FAKE, 0x01a2_c405, LAYER_B3, 377));
    rec.camp(
        &cell,
        "a cell broadcasting the phone's own network, in a tracking area of its own",
    )?;
    rec.wait_ms(300);
    rec.tau_request("tracking area update on arrival")?;
    let request = rec.imsi_request("identity request for the IMSI before any authentication")?;
    rec.expect(kind::IDENTITY_WITHOUT_AUTH, request, "medium");
    let reject = rec.dl_nas(
        &nas::tracking_area_update_reject(13),
        "TAU reject #13 (roaming not allowed in this tracking area) from a cell claiming to be \
         the SIM's own network, without authentication",
    )?;
    rec.expect(kind::REJECT_CAUSE, reject, "medium");
    release_plain(rec, "")?;
    Ok(())
}

/// The phone is served on two cells of its operator; a third cell of the same tracking area
/// refuses its service request with #7 without authentication.
fn cell_refuses_sim(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_ms(700);
    rec.first_attach(6)?;
    rec.wait_s(40);
    rec.camp(&home_sector2(), "")?;
    rec.wait_s(3);
    rec.service_request(false, 5)?;
    rec.wait_s(40);
    let rogue = fake(Cell::operator(TAC, 0x01a2_b3f7, LAYER_B3, 377));
    rec.camp(&rogue, "a cell of the same tracking area as its neighbours")?;
    rec.wait_s(3);
    rec.connect(InitialIdentity::STmsi(s_tmsi()), EstablishmentCause::MoData)?;
    rec.setup_complete(&nas::service_request(0, 9, 0x2b7c), false, "")?;
    let reject = rec.dl_nas(
        &nas::service_reject(7),
        "service reject #7 (EPS services not allowed) without authentication, while the \
         neighbouring cells just served the phone",
    )?;
    rec.expect(kind::REJECT_CAUSE, reject, "medium");
    release_plain(rec, "")?;
    Ok(())
}

/// The phone's serving cell (EARFCN 1850, PCI 101) alternates between two identities within
/// seconds, with no other cell seen in between: two transmitters in one place.
fn identity_flip(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(20);
    let impostor = Cell {
        tac: TAC_FAKE,
        cell_id: 0x0f1e_2d0f,
        ..home()
    };
    let camped = rec.camp(
        &impostor,
        "same EARFCN and PCI, another identity, seconds later and with no cell in between",
    )?;
    rec.expect_qmdl_only(kind::CELL_CONFLICT, camped.sib1, "medium");
    rec.wait_s(8);
    rec.camp(&home(), "the first identity again")?;
    rec.wait_s(6);
    rec.camp(&impostor, "and the second")?;
    rec.wait_s(10);
    Ok(())
}

// ---- benign ----

fn benign_first_attach(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_ms(700);
    rec.first_attach(10)?;
    Ok(())
}

fn benign_guti_attach(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_ms(640);
    rec.connect(
        InitialIdentity::Random(0x2b_9e01_c4d7),
        EstablishmentCause::MoSignalling,
    )?;
    let attach = nas::attach_request(
        1,
        &Identity::Guti(guti(M_TMSI)?),
        &nas::pdn_connectivity_request(1),
    )
    .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    rec.setup_complete(&attach, true, "attach with a GUTI this MME does not know")?;
    rec.imsi_request("identity request for the IMSI, then authentication")?;
    rec.secure_and_accept_attach()?;
    rec.wait_s(10);
    rec.release(ReleaseCause::Other, None, None, "")?;
    Ok(())
}

fn benign_tau_identity(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&Cell::operator(TAC_NEXT, 0x01a2_d101, LAYER_B3, 310), "")?;
    rec.wait_s(2);
    rec.tau_request("tracking area update into a new area")?;
    rec.imsi_request("the new MME cannot reach the old one: identity request for the IMSI")?;
    rec.authenticate()?;
    rec.nas_security(2, 2, "")?;
    rec.dl_nas(
        &nas::tracking_area_update_accept(0, nas_plmn()?, &[TAC_NEXT], Some(guti(0x4f12_a0c3)?)),
        "",
    )?;
    rec.wait_ms(150);
    rec.release(ReleaseCause::Other, None, None, "")?;
    Ok(())
}

fn benign_periodic_tau(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(3);
    rec.periodic_tau(TAC)?;
    // T3412 of 54 minutes.
    rec.wait_s(54 * 60);
    rec.camp(&home(), "")?;
    rec.periodic_tau(TAC)?;
    Ok(())
}

fn benign_handover(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(2);
    rec.connect(InitialIdentity::STmsi(s_tmsi()), EstablishmentCause::MoData)?;
    rec.setup_complete(&nas::service_request(0, 4, 0x7a21), false, "")?;
    rec.resume_nas_security();
    rec.as_security(2, 2, "")?;
    rec.wait_s(3);
    rec.handover(&home_sector2(), "handover to the neighbour sector")?;
    rec.wait_s(5);
    rec.handover(&home_low_band(), "handover to the band 20 layer")?;
    rec.wait_s(6);
    rec.release(ReleaseCause::Other, None, None, "")?;
    rec.wait_ms(60);
    rec.camp(&home_low_band(), "")?;
    rec.wait_s(10);
    Ok(())
}

fn benign_stmsi_paging(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(12);
    rec.paging(&[paging_stmsi(0x8e41_0c27)], "")?;
    rec.wait_ms(1280);
    rec.paging(
        &[paging_stmsi(M_TMSI), paging_stmsi(0x1d77_3b90)],
        "paging the phone by its S-TMSI",
    )?;
    rec.wait_ms(30);
    rec.service_request(true, 5)?;
    Ok(())
}

fn benign_busy_cell(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_ms(700);
    rec.first_attach(12)?;
    for i in 0..12u32 {
        rec.wait_s(35 + i64::from(i % 4) * 10);
        match i % 4 {
            0 | 2 => {
                rec.service_request(false, 4 + i64::from(i % 3))?;
            }
            1 => {
                rec.paging(&[paging_stmsi(M_TMSI)], "")?;
                rec.wait_ms(30);
                rec.service_request(true, 3)?;
            }
            _ => {
                rec.periodic_tau(TAC)?;
            }
        }
    }
    Ok(())
}

/// A fake LTE cell answers a tracking area update by sending the phone to GSM without
/// authentication, and the 2G cell it lands on collects the IMSI: one episode across RATs.
fn lte_lure_to_gsm_catcher(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(
        &fake(Cell::operator(TAC_FAKE, 0x01a2_c204, LAYER_B3, 377)),
        "",
    )?;
    rec.wait_s(1);
    rec.tau_request("tracking area update on arrival")?;
    rec.wait_ms(120);
    let release = rec.release(
        ReleaseCause::Other,
        Some(&geran_redirect()),
        None,
        "release redirecting to GSM before any authentication",
    )?;
    rec.expect(kind::REDIRECT, release, "medium");
    rec.wait_s(2);
    let request = fake_gsm_collects_imsi(rec)?;
    rec.expect(crate::gsm::kind::IDENTITY, request, "high");
    Ok(())
}

/// A 5G cell releases the phone to 4G before any security, and the 4G cell it lands on asks
/// for the IMSI without authenticating: one episode across RATs.
fn nr_release_to_eutra(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let release = nr_release_before_security(rec)?;
    rec.wait_s(1);
    let cell = Cell {
        earfcn: EUTRA_TARGET,
        pci: 377,
        ..Cell::operator(TAC_FAKE, 0x01a2_c301, EUTRA_TARGET, 377)
    };
    rec.camp(
        &cell,
        "the 4G cell the release named, in a tracking area of its own",
    )?;
    rec.wait_s(1);
    rec.tau_request("tracking area update on arrival from 5G")?;
    let request = rec.imsi_request("identity request for the IMSI instead of authentication")?;
    rec.expect(kind::IDENTITY_WITHOUT_AUTH, request, "medium");
    rec.expect(crate::nr::kind::RELEASE_REDIRECT, release, "high");
    release_plain(rec, "")?;
    Ok(())
}

/// The benign twin of [`nr_release_to_eutra`]: security first, then the release to 4G, and
/// the operator's 4G cell accepts the update as usual.
fn benign_nr_release_to_eutra(rec: &mut Recorder) -> Result<(), ScenarioError> {
    benign_nr_release_after_security(rec)?;
    rec.wait_s(1);
    rec.camp(&home(), "")?;
    rec.wait_s(1);
    rec.accepted_tau(0, TAC)?;
    Ok(())
}

/// Circuit-switched fallback as operators run it: the LTE release to GSM comes after
/// security, and the GSM network authenticates and ciphers the call.
fn benign_csfb_to_gsm_call(rec: &mut Recorder) -> Result<(), ScenarioError> {
    benign_csfb_redirect(rec)?;
    rec.wait_s(2);
    operator_gsm_takes_the_call(rec)
}

fn benign_csfb_redirect(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(3);
    rec.csfb_request("extended service request: a voice call by CS fallback")?;
    rec.as_security(2, 2, "")?;
    rec.wait_ms(90);
    rec.release(
        ReleaseCause::CsFallbackHighPriority,
        Some(&geran_redirect()),
        None,
        "release redirecting to GSM for the call, after security was set up",
    )?;
    Ok(())
}

fn benign_redirect_lte(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(3);
    rec.connect(InitialIdentity::STmsi(s_tmsi()), EstablishmentCause::MoData)?;
    rec.setup_complete(&nas::service_request(0, 5, 0x11ab), false, "")?;
    rec.resume_nas_security();
    rec.as_security(2, 2, "")?;
    rec.wait_s(4);
    rec.release(
        ReleaseCause::LoadBalancingTauRequired,
        Some(&RedirectTarget::Eutra { earfcn: LAYER_B20 }),
        None,
        "load balancing: release redirecting to the band 20 layer",
    )?;
    rec.wait_ms(80);
    rec.camp(&home_low_band(), "")?;
    Ok(())
}

fn benign_idle_priorities(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(3);
    rec.connect(InitialIdentity::STmsi(s_tmsi()), EstablishmentCause::MoData)?;
    rec.setup_complete(&nas::service_request(0, 6, 0x52e0), false, "")?;
    rec.resume_nas_security();
    rec.as_security(2, 2, "")?;
    rec.wait_s(5);
    let priorities = IdleModePriorities {
        eutra: vec![
            EutraCarrier {
                earfcn: LAYER_B3,
                priority: Some(6),
            },
            EutraCarrier {
                earfcn: LAYER_B20,
                priority: Some(5),
            },
        ],
        utra_fdd: vec![UtraCarrier {
            uarfcn: UTRA_UARFCN,
            priority: Some(2),
        }],
        geran: vec![geran_set(Some(1))],
        t320_minutes: Some(60),
        ..IdleModePriorities::default()
    };
    rec.release(
        ReleaseCause::Other,
        None,
        Some(&priorities),
        "dedicated priorities keeping LTE on top",
    )?;
    Ok(())
}

fn benign_priorities(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "operator priorities: LTE 5 and 4, UMTS 3, GSM 1")?;
    rec.wait_s(30);
    rec.periodic_tau(TAC)?;
    Ok(())
}

fn benign_service_request(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(4);
    rec.service_request(false, 6)?;
    Ok(())
}

fn benign_sib_chain(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "SIB1 schedules SIB3, SIB5, SIB6 and SIB7")?;
    rec.wait_s(60);
    Ok(())
}

fn benign_reject_after_auth(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&Cell::operator(TAC_NEXT, 0x01a2_d102, LAYER_B3, 311), "")?;
    rec.wait_s(1);
    rec.tau_request("tracking area update")?;
    rec.authenticate()?;
    rec.nas_security(2, 2, "")?;
    rec.dl_nas(
        &nas::tracking_area_update_reject(7),
        "TAU reject #7 after authentication: the subscription has no LTE",
    )?;
    release_plain(rec, "")?;
    Ok(())
}

fn benign_neighbour_cells(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(5);
    rec.periodic_tau(TAC)?;
    rec.wait_s(120);
    rec.camp(
        &home_sector2(),
        "reselection to the neighbour sector, same frequency",
    )?;
    rec.wait_s(120);
    rec.camp(&home(), "back to the first sector, same identity as before")?;
    rec.wait_s(20);
    Ok(())
}

fn benign_two_tracking_areas(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let cells = [
        Cell::operator(TAC, 0x01a2_b301, LAYER_B3, 101),
        Cell::operator(TAC, 0x01a2_b402, LAYER_B3, 140),
        Cell::operator(TAC_NEXT, 0x01a2_d103, LAYER_B3, 312),
        Cell::operator(TAC_NEXT, 0x01a2_d204, LAYER_B20, 90),
    ];
    for (i, cell) in cells.iter().enumerate() {
        rec.camp(cell, "")?;
        rec.wait_s(2);
        if i == 2 {
            rec.accepted_tau(0, TAC_NEXT)?;
        }
        rec.wait_s(40);
    }
    Ok(())
}

fn benign_identity_baseline(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_ms(700);
    rec.first_attach(8)?;
    rec.wait_s(20);
    quiet_baseline(rec)?;
    rec.camp(&home_sector2(), "")?;
    for _ in 0..3 {
        rec.wait_s(40);
        rec.service_request(false, 5)?;
    }
    Ok(())
}

/// Another operator's network (a visited one abroad) as the scenarios use it.
const VISITED: (&str, &str) = ("262", "01");
/// A second foreign network that has a roaming agreement with the phone's operator.
const PARTNER: (&str, &str) = ("262", "02");

/// Landing abroad: the first foreign network asks for the IMSI and refuses the phone (#13,
/// no roaming agreement) before authenticating; a partner network then authenticates it and
/// accepts it.
fn benign_roaming_reject(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let visited =
        Cell::operator(0x1b01, 0x0330_1101, LAYER_B3, 211).of_network(VISITED.0, VISITED.1);
    rec.camp(
        &visited,
        "a foreign network: not the SIM's, nor one it was accepted on",
    )?;
    rec.wait_ms(640);
    rec.connect(
        InitialIdentity::Random(0x11_2e03_a4c5),
        EstablishmentCause::MoSignalling,
    )?;
    let attach = nas::attach_request(
        1,
        &Identity::Guti(guti(M_TMSI)?),
        &nas::pdn_connectivity_request(1),
    )
    .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    rec.setup_complete(&attach, true, "attach with the GUTI from home")?;
    rec.imsi_request("the visited network does not know the GUTI and asks for the IMSI")?;
    rec.dl_nas(
        &nas::attach_reject(13),
        "attach reject #13 (roaming not allowed in this tracking area): no roaming agreement",
    )?;
    release_plain(rec, "")?;
    rec.wait_s(4);
    let partner =
        Cell::operator(0x2c07, 0x0440_2201, LAYER_B20, 96).of_network(PARTNER.0, PARTNER.1);
    rec.camp(&partner, "a partner network")?;
    rec.wait_ms(640);
    rec.connect(
        InitialIdentity::Random(0x11_2e03_a4c6),
        EstablishmentCause::MoSignalling,
    )?;
    let attach = nas::attach_request(1, &Identity::Imsi(IMSI), &nas::pdn_connectivity_request(1))
        .map_err(|e| ScenarioError::Encode(e.to_string()))?;
    rec.setup_complete(
        &attach,
        false,
        "attach with the IMSI on the partner network",
    )?;
    rec.authenticate()?;
    rec.nas_security(2, 2, "")?;
    rec.as_security(2, 2, "")?;
    let plmn = NasPlmn::from_digits(PARTNER.0, PARTNER.1)
        .ok_or_else(|| ScenarioError::Encode("partner PLMN digits".into()))?;
    let roaming_guti = Guti {
        plmn,
        mme_group_id: MME_GROUP,
        mme_code: MME_CODE,
        m_tmsi: 0x5d01_77a2,
    };
    let bearer = nas::activate_default_eps_bearer_context_request(5, 1, "internet", [10, 77, 1, 9]);
    rec.dl_nas(
        &nas::attach_accept(plmn, &[0x2c07], Some(roaming_guti), &bearer),
        "attach accept: roaming on the partner network",
    )?;
    rec.wait_s(6);
    rec.release(ReleaseCause::Other, None, None, "")?;
    Ok(())
}

/// A SIM its operator has deactivated: after each power-on, a real cell of the operator (each
/// in a tracking area shared with a neighbour the phone also sees) takes the attach with the
/// IMSI and refuses it (#8) without authenticating; the phone never gets service.
fn benign_sim_refused(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let sites = [
        (
            Cell::operator(TAC, 0x01a2_b301, LAYER_B3, 101),
            Cell::operator(TAC, 0x01a2_b302, LAYER_B3, 102),
        ),
        (
            Cell::operator(TAC_NEXT, 0x01a2_d101, LAYER_B3, 310),
            Cell::operator(TAC_NEXT, 0x01a2_d102, LAYER_B3, 311),
        ),
        (
            Cell::operator(TAC, 0x01a2_b311, LAYER_B20, 216),
            Cell::operator(TAC, 0x01a2_b312, LAYER_B20, 217),
        ),
    ];
    for (i, (neighbour, cell)) in sites.iter().enumerate() {
        rec.camp(neighbour, "")?;
        rec.wait_ms(400);
        rec.camp(cell, "")?;
        rec.wait_ms(600);
        rec.connect(
            InitialIdentity::Random(0x3c_5a1e_7d00 + i as u64),
            EstablishmentCause::MoSignalling,
        )?;
        let attach =
            nas::attach_request(1, &Identity::Imsi(IMSI), &nas::pdn_connectivity_request(1))
                .map_err(|e| ScenarioError::Encode(e.to_string()))?;
        rec.setup_complete(&attach, false, "attach with the IMSI after power-on")?;
        rec.dl_nas(
            &nas::attach_reject(8),
            "attach reject #8: the operator no longer serves this SIM",
        )?;
        release_plain(rec, "")?;
        // The phone treats the SIM as invalid until it is switched off and on again.
        rec.wait_s(240);
    }
    Ok(())
}

/// Driving: the serving cell on EARFCN 1850 / PCI 101, then three other cells, and four
/// minutes later a distant cell that reuses EARFCN 1850 / PCI 101 with its own identity.
fn benign_pci_reuse(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.camp(&home(), "")?;
    rec.wait_s(5);
    rec.periodic_tau(TAC)?;
    let route = [
        Cell::operator(TAC, 0x01a2_b402, LAYER_B3, 140),
        Cell::operator(TAC_NEXT, 0x01a2_d103, LAYER_B3, 312),
        Cell::operator(TAC_NEXT, 0x01a2_d204, LAYER_B20, 90),
    ];
    for (i, cell) in route.iter().enumerate() {
        rec.wait_s(60);
        rec.camp(cell, "")?;
        if i == 1 {
            rec.wait_s(2);
            rec.accepted_tau(0, TAC_NEXT)?;
        }
    }
    rec.wait_s(60);
    let distant = Cell::operator(TAC_NEXT, 0x01a2_d3a1, LAYER_B3, 101);
    rec.camp(
        &distant,
        "a distant cell reusing EARFCN 1850 and PCI 101 with its own identity",
    )?;
    rec.wait_s(20);
    Ok(())
}

macro_rules! entry {
    ($name:literal, $attack:literal, $twin:literal, $script:ident, $description:literal) => {
        Entry {
            name: $name,
            description: $description,
            attack: $attack,
            twin: $twin,
            script: $script,
        }
    };
}

/// Every scenario, attacks first.
pub static ENTRIES: &[Entry] =
    &[
        entry!(
            "lte-lure-to-gsm-catcher",
            true,
            "benign-csfb-to-gsm-call",
            lte_lure_to_gsm_catcher,
            "A fake LTE cell redirects the phone to GSM before any authentication; the 2G cell it \
         lands on asks for the IMSI and rejects the update without authentication or ciphering."
        ),
        entry!(
            "nr-release-to-eutra",
            true,
            "benign-nr-release-to-eutra",
            nr_release_to_eutra,
            "A 5G cell releases the phone to 4G before any security is set up; the 4G cell it \
         lands on asks for the IMSI instead of authenticating."
        ),
        entry!(
            "nr-null-security",
            true,
            "benign-nr-null-ciphering",
            nr_null_security,
            "A 5G cell commands null ciphering and null integrity (NEA0, NIA0) on a connection \
         that is not an emergency call."
        ),
        entry!(
            "nr-priority-downgrade",
            true,
            "benign-nr-priorities",
            nr_priority_downgrade,
            "A 5G cell broadcasts its own frequency at priority 1 (SIB2) and another 5G carrier \
         at 2 (SIB4), but two 4G carriers at 7 and 6 (SIB5), so idle phones leave 5G."
        ),
        entry!(
            "umts-imsi-catcher",
            true,
            "benign-umts-identity",
            umts_imsi_catcher,
            "A 3G cell asks the phone for its IMSI, rejects its location update (#15) and \
         releases it without authentication or any security mode."
        ),
        entry!(
            "umts-redirect-to-gsm",
            true,
            "benign-umts-redirect",
            umts_redirect_to_gsm,
            "A 3G cell rejects the phone's connection with a redirection to GSM before any \
         security; the 2G cell it lands on asks for the IMSI and rejects the update."
        ),
        entry!(
            "gsm-imsi-catcher",
            true,
            "benign-gsm-identity",
            gsm_imsi_catcher,
            "A 2G cell in a location area of its own, broadcasting no neighbours, an 80 dB \
         reselection offset and a 6-minute update timer, asks the arriving phone for its IMSI \
         and rejects its location update (#15) without authentication or ciphering."
        ),
        entry!(
            "gsm-lac-outlier",
            true,
            "benign-gsm-lac-border",
            gsm_lac_outlier,
            "Among three operator cells of one location area, a 2G cell with ordinary settings \
         but a location area of its own draws the phone into a location update, asks for the \
         IMSI and rejects it; the phone returns to the operator's cells."
        ),
        entry!(
            "gsm-no-ciphering",
            true,
            "benign-gsm-update",
            gsm_no_ciphering,
            "A 2G cell accepts a location update at once: no authentication, and ciphering is \
         never commanded."
        ),
        entry!(
            "gsm-a5-0",
            true,
            "benign-gsm-call",
            gsm_a5_0,
            "A call on 2G after GSM authentication, with the ciphering mode command selecting no \
         ciphering (A5/0)."
        ),
        entry!(
            "gsm-silent-sms",
            true,
            "benign-gsm-sms",
            gsm_silent_sms,
            "The phone is paged on a genuine 2G cell, authenticated, ciphered and sent a short \
         message of type 0 (silent): it answers and shows nothing."
        ),
        entry!(
            "imsi-catcher",
            true,
            "benign-guti-attach",
            imsi_catcher,
            "A fake cell broadcasting only SIB1 and SIB2 in a tracking area of its own: the phone \
         attaches with its GUTI, the cell asks for the IMSI, rejects the attach (#15) and \
         releases the phone without ever authenticating."
        ),
        entry!(
            "identity-without-auth",
            true,
            "benign-tau-identity",
            identity_without_auth,
            "A normal-looking cell answers a tracking area update with an IMSI identity request, \
         rejects it with #9 so the phone attaches with its IMSI, then rejects that attach \
         (#15); no authentication at any point."
        ),
        entry!(
            "redirect-2g",
            true,
            "benign-csfb-redirect",
            redirect_2g,
            "A tracking area update is answered by an RRC release redirecting the phone to GSM \
         before any authentication."
        ),
        entry!(
            "redirect-3g",
            true,
            "benign-redirect-lte",
            redirect_3g,
            "A tracking area update is answered by an IMSI identity request and an RRC release \
         redirecting the phone to UMTS, without authentication."
        ),
        entry!(
            "idle-priority-2g",
            true,
            "benign-idle-priorities",
            idle_priority_2g,
            "An unauthenticated RRC release with dedicated idle-mode priorities ranking GSM (7) \
         above LTE (1) for three hours."
        ),
        entry!(
            "priority-downgrade",
            true,
            "benign-priorities",
            priority_downgrade,
            "A cell broadcasts its own LTE frequency at priority 2 (SIB3) and GSM at priority 6 \
         (SIB7), so idle phones leave for 2G."
        ),
        entry!(
            "null-cipher-rrc",
            true,
            "benign-service-request",
            null_cipher_rrc,
            "A service request is followed by an RRC security mode command selecting EEA0 and \
         EIA0."
        ),
        entry!(
            "null-cipher-nas",
            true,
            "benign-first-attach",
            null_cipher_nas,
            "An attach with the IMSI gets a NAS security mode command selecting EEA0 and EIA0 \
         without authentication, then an attach accept."
        ),
        entry!(
            "imsi-paging",
            true,
            "benign-stmsi-paging",
            imsi_paging,
            "A paging message carries the phone's IMSI; the phone answers with an attach \
         revealing it is present."
        ),
        entry!(
            "incomplete-sib",
            true,
            "benign-sib-chain",
            incomplete_sib,
            "A cell whose SIB1 schedules nothing beyond SIB2 (no reselection information, no \
         neighbours); the phone stays idle on it."
        ),
        entry!(
            "downgrade-reject",
            true,
            "benign-reject-after-auth",
            downgrade_reject,
            "A tracking area update is rejected with #7 (EPS services not allowed) without \
         authentication, pushing the phone off LTE."
        ),
        entry!(
            "inconsistent-cell",
            true,
            "benign-neighbour-cells",
            inconsistent_cell,
            "The phone's serving cell (EARFCN 1850, PCI 101) broadcasts a different tracking area \
         and cell identity three minutes later: a second transmitter on the same channel."
        ),
        entry!(
            "tac-outlier",
            true,
            "benign-two-tracking-areas",
            tac_outlier,
            "Driving past four cells of one tracking area, the phone meets a cell in between whose \
         tracking area matches none of them, and must send it a tracking area update."
        ),
        entry!(
            "identity-exposure-rate",
            true,
            "benign-identity-baseline",
            identity_exposure_rate,
            "Six quiet connections on two real cells, then a cell where every connection (five) \
         is asked for the IMSI without authentication."
        ),
        entry!(
            "home-network-reject",
            true,
            "benign-roaming-reject",
            home_network_reject,
            "A cell broadcasting the phone's own network, in a tracking area of its own, asks \
         for the IMSI and refuses the phone as a roamer (#13) without authentication."
        ),
        entry!(
            "cell-refuses-sim",
            true,
            "benign-sim-refused",
            cell_refuses_sim,
            "Two cells of the operator serve the phone; a third cell of the same tracking area \
         refuses its service request with #7 without authentication."
        ),
        entry!(
            "identity-flip",
            true,
            "benign-pci-reuse",
            identity_flip,
            "The serving cell's EARFCN and PCI alternate between two identities within \
         seconds, with no other cell seen in between."
        ),
        entry!(
            "nr-sa-identity-catcher",
            true,
            "benign-nr-identity",
            nr_sa_identity_catcher,
            "A fake 5G standalone cell asks a phone that registered with its 5G-GUTI for a fresh \
         SUCI and its IMEISV before any authentication, then rejects it with #7 (5GS services \
         not allowed)."
        ),
        entry!(
            "nr-sa-null-suci",
            true,
            "benign-nr-suci",
            nr_sa_null_suci,
            "A fake 5G cell asks for the SUCI before any authentication; the SIM has no home \
         network key, so the phone answers with the null scheme (the IMSI in clear), and is \
         rejected with #15."
        ),
        entry!(
            "nr-sa-null-security",
            true,
            "benign-nr-emergency",
            nr_sa_null_security,
            "A 5G cell that cannot authenticate the phone commands NAS security with 5G-EA0 and \
         5G-IA0 for an ordinary registration, and accepts it."
        ),
        entry!(
            "nr-sa-registration-reject",
            true,
            "benign-nr-reject-after-auth",
            nr_sa_registration_reject,
            "A fake 5G cell rejects the phone's registration with #27 (N1 mode not allowed) \
         before any authentication, switching 5G off on the phone."
        ),
        entry!(
            "benign-first-attach",
            false,
            "null-cipher-nas",
            benign_first_attach,
            "A first attach with the IMSI: authentication, NAS and RRC security with EEA2/EIA2, \
         attach accept."
        ),
        entry!(
            "benign-guti-attach",
            false,
            "imsi-catcher",
            benign_guti_attach,
            "An attach with a GUTI the MME does not know: identity request for the IMSI, then \
         authentication, security and accept."
        ),
        entry!(
            "benign-tau-identity",
            false,
            "identity-without-auth",
            benign_tau_identity,
            "A tracking area update into a new area whose MME asks for the IMSI, then \
         authenticates, secures and accepts."
        ),
        entry!("benign-periodic-tau", false, "downgrade-reject", benign_periodic_tau,
        "Two periodic tracking area updates 54 minutes apart, integrity protected and accepted \
         with the stored security context."),
        entry!(
            "benign-handover",
            false,
            "redirect-2g",
            benign_handover,
            "A secured data connection handed over twice (neighbour sector, then the band 20 \
         layer) and released on the target cell."
        ),
        entry!(
            "benign-stmsi-paging",
            false,
            "imsi-paging",
            benign_stmsi_paging,
            "Paging by S-TMSI (another phone, then this one) answered by a service request with \
         RRC security."
        ),
        entry!(
            "benign-busy-cell",
            false,
            "identity-exposure-rate",
            benign_busy_cell,
            "A first attach then twelve connections on one cell over about ten minutes: data, \
         paging answers and periodic updates, all secured."
        ),
        entry!(
            "benign-csfb-redirect",
            false,
            "redirect-2g",
            benign_csfb_redirect,
            "A voice call by CS fallback: extended service request, RRC security, then a release \
         redirecting to GSM."
        ),
        entry!(
            "benign-redirect-lte",
            false,
            "redirect-3g",
            benign_redirect_lte,
            "Load balancing after security: a release redirecting the phone to the operator's \
         other LTE layer."
        ),
        entry!(
            "benign-idle-priorities",
            false,
            "idle-priority-2g",
            benign_idle_priorities,
            "After security, a release with dedicated priorities that keep LTE above UMTS and \
         GSM."
        ),
        entry!(
            "benign-priorities",
            false,
            "priority-downgrade",
            benign_priorities,
            "A cell broadcasting LTE at priority 5 with UMTS (3) and GSM (1) below it."
        ),
        entry!(
            "benign-service-request",
            false,
            "null-cipher-rrc",
            benign_service_request,
            "A service request followed by RRC security with EEA2/EIA2."
        ),
        entry!(
            "benign-sib-chain",
            false,
            "incomplete-sib",
            benign_sib_chain,
            "A cell whose SIB1 schedules SIB3, SIB5, SIB6 and SIB7, all broadcast."
        ),
        entry!(
            "benign-reject-after-auth",
            false,
            "downgrade-reject",
            benign_reject_after_auth,
            "A tracking area update authenticated and secured, then rejected with #7 because the \
         subscription has no LTE."
        ),
        entry!(
            "benign-neighbour-cells",
            false,
            "inconsistent-cell",
            benign_neighbour_cells,
            "Reselection between two sectors on one frequency (PCI 101 and 102), each keeping its \
         own identity."
        ),
        entry!(
            "benign-two-tracking-areas",
            false,
            "tac-outlier",
            benign_two_tracking_areas,
            "Driving across a tracking area boundary: two cells of one area, then two of the \
         next, with an accepted update."
        ),
        entry!(
            "benign-identity-baseline",
            false,
            "identity-exposure-rate",
            benign_identity_baseline,
            "A first attach with the IMSI (authenticated) among nine quiet connections on three \
         cells."
        ),
        entry!(
            "benign-roaming-reject",
            false,
            "home-network-reject",
            benign_roaming_reject,
            "Abroad, a foreign network asks for the IMSI and refuses the phone (#13) without \
         authentication; a partner network then authenticates and accepts it."
        ),
        entry!(
            "benign-sim-refused",
            false,
            "cell-refuses-sim",
            benign_sim_refused,
            "A deactivated SIM: after each power-on a real cell of the operator (in three places) \
         refuses the attach with #8 without authentication; no service anywhere."
        ),
        entry!(
            "benign-pci-reuse",
            false,
            "identity-flip",
            benign_pci_reuse,
            "Driving past three cells, then, four minutes after the first, a distant cell reusing \
         its EARFCN and PCI with an identity of its own."
        ),
        entry!(
            "benign-umts-identity",
            false,
            "umts-imsi-catcher",
            benign_umts_identity,
            "A 3G operator cell asks for the IMSI (it does not know the TMSI), then runs UMTS \
         authentication, switches on UIA2 integrity and UEA2 ciphering, and accepts the update."
        ),
        entry!(
            "benign-umts-redirect",
            false,
            "umts-redirect-to-gsm",
            benign_umts_redirect,
            "A 3G operator cell secures the connection, then releases it to GSM for a call; the \
         GSM network authenticates and ciphers the call."
        ),
        entry!(
            "benign-gsm-identity",
            false,
            "gsm-imsi-catcher",
            benign_gsm_identity,
            "A 2G operator cell asks for the IMSI (it does not know the TMSI), then authenticates, \
         ciphers with A5/3 and accepts the location update."
        ),
        entry!(
            "benign-gsm-lac-border",
            false,
            "gsm-lac-outlier",
            benign_gsm_lac_border,
            "An ordinary location area border: the phone leaves three cells of one area for a \
         cell of the next, updates there with authentication and A5/3, and sees that area's \
         other cells."
        ),
        entry!(
            "benign-gsm-update",
            false,
            "gsm-no-ciphering",
            benign_gsm_update,
            "A 2G operator cell skips authentication on a location update but ciphers with the \
         earlier key (A5/3) before accepting it."
        ),
        entry!(
            "benign-gsm-call",
            false,
            "gsm-a5-0",
            benign_gsm_call,
            "A call on 2G after authentication, ciphered with A5/3."
        ),
        entry!(
            "benign-gsm-sms",
            false,
            "gsm-silent-sms",
            benign_gsm_sms,
            "An ordinary short message delivered to the phone over a ciphered 2G connection."
        ),
        entry!(
            "benign-csfb-to-gsm-call",
            false,
            "lte-lure-to-gsm-catcher",
            benign_csfb_to_gsm_call,
            "A voice call by circuit-switched fallback: the LTE release to GSM follows security, \
         and the operator's GSM cell authenticates and ciphers the call."
        ),
        entry!(
            "benign-nr-release-to-eutra",
            false,
            "nr-release-to-eutra",
            benign_nr_release_to_eutra,
            "5G coverage ends: the 5G cell sets up security, then releases the phone to 4G, where \
         the operator's cell accepts its tracking area update."
        ),
        entry!(
            "benign-nr-null-ciphering",
            false,
            "nr-null-security",
            benign_nr_null_ciphering,
            "Operator policy: a 5G cell selects null ciphering (NEA0) with integrity protection \
         (NIA2), which the 5G security specification allows."
        ),
        entry!(
            "benign-nr-priorities",
            false,
            "nr-priority-downgrade",
            benign_nr_priorities,
            "A 5G cell ranks its own frequency (7) and its other 5G carrier (6) above its two 4G \
         carriers (5 and 3), the operator's usual broadcast."
        ),
        entry!(
            "benign-nr-identity",
            false,
            "nr-sa-identity-catcher",
            benign_nr_identity,
            "A 5G core that does not know the phone's 5G-GUTI asks for the SUCI (profile A), then \
         authenticates, secures NAS (asking for the IMEISV inside the security mode procedure) \
         and accepts the registration."
        ),
        entry!(
            "benign-nr-suci",
            false,
            "nr-sa-null-suci",
            benign_nr_suci,
            "A phone registers on 5G with a SUCI concealed under ECIES profile A; the operator \
         authenticates, secures and accepts it."
        ),
        entry!(
            "benign-nr-emergency",
            false,
            "nr-sa-null-security",
            benign_nr_emergency,
            "A phone without a usable SIM makes a 5G emergency registration with its equipment \
         identity; the network uses 5G-EA0 and 5G-IA0, as allowed for emergency services."
        ),
        entry!(
            "benign-nr-reject-after-auth",
            false,
            "nr-sa-registration-reject",
            benign_nr_reject_after_auth,
            "The operator authenticates the phone and secures NAS, then rejects its 5G \
         registration with #27 (no 5G standalone service in the subscription)."
        ),
    ];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NasCopies;

    #[test]
    fn every_script_runs_and_attacks_expect_something() {
        for e in ENTRIES {
            let mut rec = Recorder::new(NasCopies::RrcAndRecords);
            (e.script)(&mut rec).unwrap_or_else(|err| panic!("{}: {err}", e.name));
            let parts = rec.finish();
            assert!(!parts.messages.is_empty(), "{}", e.name);
            assert_eq!(e.attack, !parts.expected.is_empty(), "{}", e.name);
        }
    }
}
