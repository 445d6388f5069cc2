//! GSM (2G) scenarios: what a 2G cell-site simulator does on a network that never proves
//! itself (identity collection, accepting without authentication, no ciphering, a cell tuned
//! to hold phones) and the silent SMS that locates a phone, each with a benign twin that runs
//! the same procedure the way a real network does (TS 24.008, TS 44.018, TS 23.040).

use crate::recorder::{Recorder, IMSI};
use crate::ScenarioError;
use stingwatch_gsm::build::{self as gsm, Si3};
use stingwatch_gsm::channel::{BCCH, CCCH};
use stingwatch_gsm::Lai;
use stingwatch_model::Direction;

/// Analyzer kinds the GSM attacks expect.
pub(crate) mod kind {
    pub const IDENTITY: &str = "gsm-identity-without-auth";
    pub const REGISTRATION: &str = "gsm-registration-without-auth";
    pub const NO_CIPHERING: &str = "gsm-no-ciphering";
    pub const CELL: &str = "gsm-cell-anomaly";
    pub const SILENT_SMS: &str = "gsm-silent-sms";
    pub const LAC_OUTLIER: &str = "gsm-lac-outlier";
}

/// The phone's TMSI on GSM.
const TMSI: u32 = 0x3c00_a101;
/// Location area of the operator's 2G cells.
pub(crate) const LAC: u16 = 0x0101;
/// Location area a fake cell picks so arriving phones must update.
pub(crate) const LAC_FAKE: u16 = 0x7f01;
/// The operator's next location area (for border scenarios).
const LAC_NEXT: u16 = 0x0102;
/// RAND of the scenarios' authentications.
const RAND: [u8; 16] = [0x5a; 16];
/// SRES of the phone's answers.
const SRES: [u8; 4] = [0x11, 0x22, 0x33, 0x44];
/// MM cause 15: no suitable cells in location area.
const CAUSE_NO_SUITABLE_CELLS: u8 = 15;
/// CM service type 1: mobile originating call.
const SERVICE_CALL: u8 = 1;
/// Neighbours the operator's cells list.
const NEIGHBOURS: [u16; 4] = [17, 23, 41, 62];

pub(crate) fn lai(lac: u16) -> Result<Lai, ScenarioError> {
    gsm::lai("001", "01", lac).ok_or_else(|| ScenarioError::Encode("GSM location area".into()))
}

/// An operator cell: hourly periodic updates, no reselection offset, neighbours listed.
pub(crate) fn operator_cell() -> Result<Si3, ScenarioError> {
    Ok(Si3 {
        cell_identity: 0x2a11,
        lai: lai(LAC)?,
        t3212_decihours: 10,
        rxlev_access_min: 6,
        cell_reselect_offset: None,
    })
}

/// Broadcast of a cell: SI3 then SI2; returns the SI3 packet.
pub(crate) fn camp(
    rec: &mut Recorder,
    si3: &Si3,
    neighbours: &[u16],
    note: &str,
) -> Result<u64, ScenarioError> {
    let si3_packet = rec.gsm(
        Some(BCCH),
        Direction::Downlink,
        &gsm::system_information_3(si3),
        note,
    )?;
    rec.wait_ms(235);
    let note2 = if neighbours.is_empty() {
        "SI2 naming no neighbour cell"
    } else {
        ""
    };
    rec.gsm(
        Some(BCCH),
        Direction::Downlink,
        &gsm::system_information_2(neighbours),
        note2,
    )?;
    rec.wait_s(2);
    Ok(si3_packet)
}

/// A dedicated channel is granted on the common control channel.
pub(crate) fn assign(rec: &mut Recorder) -> Result<u64, ScenarioError> {
    rec.gsm(
        Some(CCCH),
        Direction::Downlink,
        &gsm::immediate_assignment(),
        "",
    )
}

pub(crate) fn location_update(rec: &mut Recorder, lac: u16) -> Result<u64, ScenarioError> {
    assign(rec)?;
    rec.gsm_ul(
        40,
        &gsm::location_updating_request(&lai(lac)?, &gsm::tmsi_identity(TMSI)),
        "location updating request with the TMSI",
    )
}

pub(crate) fn authenticate(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.gsm_dl(120, &gsm::authentication_request(RAND, None), "")?;
    rec.gsm_ul(180, &gsm::authentication_response(SRES), "")?;
    Ok(())
}

pub(crate) fn cipher(rec: &mut Recorder, a5: Option<u8>, note: &str) -> Result<u64, ScenarioError> {
    let command = match a5 {
        Some(v) => gsm::ciphering_mode_command(true, v),
        None => gsm::ciphering_mode_command(false, 1),
    };
    let packet = rec.gsm_dl(60, &command, note)?;
    rec.gsm_ul(40, &gsm::ciphering_mode_complete(), "")?;
    Ok(packet)
}

pub(crate) fn release(rec: &mut Recorder) -> Result<u64, ScenarioError> {
    rec.gsm_dl(80, &gsm::channel_release(0), "")
}

/// Accept with a new TMSI, the phone confirms it, the channel is released.
pub(crate) fn accept_and_release(
    rec: &mut Recorder,
    lac: u16,
    note: &str,
) -> Result<u64, ScenarioError> {
    let accept = rec.gsm_dl(
        90,
        &gsm::location_updating_accept(&lai(lac)?, Some(TMSI + 1)),
        note,
    )?;
    rec.gsm_ul(60, &[0x05, 0x1b], "")?;
    release(rec)?;
    Ok(accept)
}

/// A fake 2G cell in a location area of its own, with no neighbours, an 80 dB reselection
/// offset and a 6-minute periodic update, asks the arriving phone for its IMSI and rejects
/// it (#15) without authentication or ciphering.
pub(crate) fn gsm_imsi_catcher(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let si3 = Si3 {
        cell_identity: 0x7e01,
        lai: lai(LAC_FAKE)?,
        t3212_decihours: 1,
        rxlev_access_min: 0,
        cell_reselect_offset: Some(40),
    };
    let broadcast = camp(
        rec,
        &si3,
        &[],
        "SI3 of a cell in a location area of its own, CRO 80 dB, T3212 6 minutes",
    )?;
    rec.expect(kind::CELL, broadcast, "medium");
    location_update(rec, LAC)?;
    let request = rec.gsm_dl(
        90,
        &gsm::identity_request(1),
        "identity request for the IMSI before any authentication",
    )?;
    rec.expect(kind::IDENTITY, request, "medium");
    rec.gsm_ul(
        70,
        &gsm::identity_response(&gsm::digit_identity(1, IMSI)),
        "",
    )?;
    rec.gsm_dl(
        80,
        &gsm::location_updating_reject(CAUSE_NO_SUITABLE_CELLS),
        "location updating reject #15 without authentication",
    )?;
    release(rec)?;
    Ok(())
}

/// The operator's cell asks for the IMSI (it does not know the TMSI), then authenticates,
/// ciphers with A5/3 and accepts the update.
pub(crate) fn benign_gsm_identity(rec: &mut Recorder) -> Result<(), ScenarioError> {
    camp(rec, &operator_cell()?, &NEIGHBOURS, "")?;
    location_update(rec, LAC_FAKE)?;
    rec.gsm_dl(
        90,
        &gsm::identity_request(1),
        "identity request for the IMSI",
    )?;
    rec.gsm_ul(
        70,
        &gsm::identity_response(&gsm::digit_identity(1, IMSI)),
        "",
    )?;
    authenticate(rec)?;
    cipher(rec, Some(3), "ciphering with A5/3")?;
    accept_and_release(rec, LAC, "")?;
    Ok(())
}

/// A normal-looking 2G cell accepts the location update at once: no authentication, and
/// ciphering is never commanded.
pub(crate) fn gsm_no_ciphering(rec: &mut Recorder) -> Result<(), ScenarioError> {
    camp(rec, &operator_cell()?, &NEIGHBOURS, "")?;
    location_update(rec, LAC_FAKE)?;
    let accept = accept_and_release(
        rec,
        LAC,
        "location updating accept without authentication or ciphering",
    )?;
    rec.expect(kind::REGISTRATION, accept, "medium");
    rec.expect(kind::NO_CIPHERING, accept, "medium");
    Ok(())
}

/// The operator skips authentication on this update but ciphers with the key agreed
/// earlier (A5/3), as real networks do.
pub(crate) fn benign_gsm_update(rec: &mut Recorder) -> Result<(), ScenarioError> {
    camp(rec, &operator_cell()?, &NEIGHBOURS, "")?;
    location_update(rec, LAC_FAKE)?;
    cipher(
        rec,
        Some(3),
        "ciphering with the earlier key (A5/3), no new authentication",
    )?;
    accept_and_release(rec, LAC, "")?;
    Ok(())
}

fn call(rec: &mut Recorder, a5: Option<u8>, note: &str) -> Result<u64, ScenarioError> {
    camp(rec, &operator_cell()?, &NEIGHBOURS, "")?;
    assign(rec)?;
    rec.gsm_ul(
        40,
        &gsm::cm_service_request(SERVICE_CALL, &gsm::tmsi_identity(TMSI)),
        "CM service request for a call",
    )?;
    authenticate(rec)?;
    let command = cipher(rec, a5, note)?;
    rec.gsm_dl(50, &gsm::cm_service_accept(), "")?;
    // CC Setup (mobile originating, transaction 0) with a bearer capability for speech.
    rec.gsm_ul(60, &[0x03, 0x05, 0x04, 0x01, 0xa0], "call setup")?;
    release(rec)?;
    Ok(command)
}

/// A call set up after the network commands "no ciphering" (A5/0).
pub(crate) fn gsm_a5_0(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let command = call(rec, None, "ciphering mode command: no ciphering (A5/0)")?;
    rec.expect(kind::NO_CIPHERING, command, "medium");
    Ok(())
}

/// The same call with A5/3 ciphering.
pub(crate) fn benign_gsm_call(rec: &mut Recorder) -> Result<(), ScenarioError> {
    call(rec, Some(3), "ciphering with A5/3")?;
    Ok(())
}

fn sms(rec: &mut Recorder, pid: u8, note: &str) -> Result<u64, ScenarioError> {
    camp(rec, &operator_cell()?, &NEIGHBOURS, "")?;
    rec.gsm(
        Some(CCCH),
        Direction::Downlink,
        &gsm::paging_request_type1(&gsm::tmsi_identity(TMSI)),
        "paging the phone's TMSI",
    )?;
    rec.wait_ms(200);
    assign(rec)?;
    // Paging Response: key sequence 0, classmark 2, the TMSI.
    let mut response = vec![0x06, 0x27, 0x00, 0x03, 0x53, 0x19, 0xa2, 0x05];
    response.extend(gsm::tmsi_identity(TMSI));
    rec.gsm_ul(40, &response, "paging response")?;
    authenticate(rec)?;
    cipher(rec, Some(3), "")?;
    let delivered = rec.gsm_dl(300, &gsm::sms_deliver(pid, 0x00, "4915112345678"), note)?;
    // CP-ACK from the phone.
    rec.gsm_ul(40, &[0x89, 0x04], "")?;
    release(rec)?;
    Ok(delivered)
}

/// A silent SMS (TP-PID 0x40) delivered over a genuine, ciphered connection.
pub(crate) fn gsm_silent_sms(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let delivered = sms(rec, 0x40, "SMS-DELIVER of short message type 0 (silent)")?;
    rec.expect(kind::SILENT_SMS, delivered, "medium");
    Ok(())
}

/// An ordinary SMS delivered the same way.
pub(crate) fn benign_gsm_sms(rec: &mut Recorder) -> Result<(), ScenarioError> {
    sms(rec, 0x00, "SMS-DELIVER of an ordinary message")?;
    Ok(())
}

/// The 2G half of a lure: a fake GSM cell of its own location area collects the IMSI and
/// rejects the update without authentication or ciphering. Returns the identity request.
pub(crate) fn fake_gsm_collects_imsi(rec: &mut Recorder) -> Result<u64, ScenarioError> {
    let si3 = Si3 {
        cell_identity: 0x7e02,
        lai: lai(LAC_FAKE)?,
        t3212_decihours: 10,
        rxlev_access_min: 6,
        cell_reselect_offset: None,
    };
    camp(rec, &si3, &NEIGHBOURS, "")?;
    location_update(rec, LAC)?;
    let request = rec.gsm_dl(
        90,
        &gsm::identity_request(1),
        "identity request for the IMSI on the 2G cell the phone was sent to",
    )?;
    rec.gsm_ul(
        70,
        &gsm::identity_response(&gsm::digit_identity(1, IMSI)),
        "",
    )?;
    rec.gsm_dl(
        80,
        &gsm::location_updating_reject(CAUSE_NO_SUITABLE_CELLS),
        "location updating reject #15, never authenticated",
    )?;
    release(rec)?;
    Ok(request)
}

/// The 2G half of a real circuit-switched fallback: the operator's GSM cell authenticates,
/// ciphers and accepts the call's service request.
pub(crate) fn operator_gsm_takes_the_call(rec: &mut Recorder) -> Result<(), ScenarioError> {
    camp(rec, &operator_cell()?, &NEIGHBOURS, "")?;
    assign(rec)?;
    rec.gsm_ul(
        40,
        &gsm::cm_service_request(SERVICE_CALL, &gsm::tmsi_identity(TMSI)),
        "CM service request for the call that fell back",
    )?;
    authenticate(rec)?;
    cipher(rec, Some(3), "ciphering with A5/3")?;
    rec.gsm_dl(50, &gsm::cm_service_accept(), "")?;
    release(rec)?;
    Ok(())
}

/// An operator cell of location area `lac` with cell identity `ci`.
fn operator_cell_in(lac: u16, ci: u16) -> Result<Si3, ScenarioError> {
    Ok(Si3 {
        cell_identity: ci,
        lai: lai(lac)?,
        ..operator_cell()?
    })
}

/// The SI3 of a neighbour cell, which the phone reads to rank it for reselection. (The
/// recording does not say the channel: the GSM RR record has no place for it.)
fn neighbour_si3(rec: &mut Recorder, si3: &Si3) -> Result<u64, ScenarioError> {
    rec.wait_ms(400);
    rec.gsm(
        Some(BCCH),
        Direction::Downlink,
        &gsm::system_information_3(si3),
        "",
    )
}

/// The phone camps among three operator cells of one location area (its own and two
/// neighbours whose SI3 it reads).
fn among_operator_cells(rec: &mut Recorder) -> Result<(), ScenarioError> {
    camp(rec, &operator_cell()?, &NEIGHBOURS, "")?;
    neighbour_si3(rec, &operator_cell_in(LAC, 0x2a12)?)?;
    neighbour_si3(rec, &operator_cell_in(LAC, 0x2a13)?)?;
    rec.wait_s(5);
    Ok(())
}

/// Among operator cells of one location area, a cell with ordinary broadcast settings but a
/// location area of its own draws the phone into a location update, asks for the IMSI and
/// rejects it; the phone returns to the operator's cells.
pub(crate) fn gsm_lac_outlier(rec: &mut Recorder) -> Result<(), ScenarioError> {
    among_operator_cells(rec)?;
    let broadcast = camp(
        rec,
        &operator_cell_in(LAC_FAKE, 0x7e03)?,
        &NEIGHBOURS,
        "SI3 of a cell whose location area no cell around it uses",
    )?;
    rec.expect(kind::LAC_OUTLIER, broadcast, "low");
    location_update(rec, LAC)?;
    rec.gsm_dl(
        90,
        &gsm::identity_request(1),
        "identity request for the IMSI before any authentication",
    )?;
    rec.gsm_ul(
        70,
        &gsm::identity_response(&gsm::digit_identity(1, IMSI)),
        "",
    )?;
    rec.gsm_dl(
        80,
        &gsm::location_updating_reject(CAUSE_NO_SUITABLE_CELLS),
        "",
    )?;
    release(rec)?;
    rec.wait_s(10);
    camp(
        rec,
        &operator_cell()?,
        &NEIGHBOURS,
        "back on the operator's cell",
    )?;
    Ok(())
}

/// An ordinary location area border: the phone leaves three cells of one area for a cell of
/// the next, updates its location there (authenticated, ciphered with A5/3, accepted), and
/// reads the SI3 of that area's other cells.
pub(crate) fn benign_gsm_lac_border(rec: &mut Recorder) -> Result<(), ScenarioError> {
    among_operator_cells(rec)?;
    let next = operator_cell_in(LAC_NEXT, 0x2b11)?;
    camp(rec, &next, &NEIGHBOURS, "")?;
    location_update(rec, LAC)?;
    authenticate(rec)?;
    cipher(rec, Some(3), "ciphering with A5/3")?;
    accept_and_release(rec, LAC_NEXT, "")?;
    neighbour_si3(rec, &operator_cell_in(LAC_NEXT, 0x2b12)?)?;
    neighbour_si3(rec, &operator_cell_in(LAC_NEXT, 0x2b13)?)?;
    rec.wait_s(5);
    camp(rec, &next, &NEIGHBOURS, "")?;
    Ok(())
}
