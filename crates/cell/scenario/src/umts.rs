//! UMTS (3G) scenarios: a 3G cell-site simulator that collects the IMSI and sends the phone
//! away without ever reaching a security mode, and one that rejects the phone towards a 2G
//! catcher; each with a benign twin that runs the procedure as a real network does (TS 25.331,
//! TS 24.008, TS 33.102: authentication in which the network proves itself, then integrity).

use crate::recorder::{Recorder, IMSI};
use crate::ScenarioError;
use stingwatch_gsm::build as gsm;
use stingwatch_model::UmtsRrcChannel::{DlCcch, DlDcch, UlCcch, UlDcch};
use stingwatch_umts_rrc::build as rrc;
use stingwatch_umts_rrc::{InitialIdentity, Lai, Plmn, Redirection};

/// Analyzer kinds the UMTS attacks expect.
pub(crate) mod kind {
    pub const IDENTITY: &str = "umts-identity-without-security";
    pub const REDIRECT: &str = "umts-redirect-to-gsm-without-security";
}

/// The phone's TMSI on UMTS.
const TMSI: u32 = 0x3c00_b202;
/// Location area of the scenarios' 3G cells.
const LAC: u16 = 0x0301;
/// Registration (25.331 EstablishmentCause).
const CAUSE_REGISTRATION: u8 = 12;
/// RAND and AUTN of the benign authentications (AUTN present: UMTS AKA).
const RAND: [u8; 16] = [0x3c; 16];
const AUTN: [u8; 16] = [0x7d; 16];
/// RES of the phone's answer.
const RES: [u8; 4] = [0x21, 0x43, 0x65, 0x87];
/// MAC written on integrity-protected messages (the scenarios do not compute one).
const MAC: u32 = 0x5ec0_0001;

fn lai() -> Result<stingwatch_gsm::Lai, ScenarioError> {
    crate::gsm::lai(LAC)
}

fn tmsi_identity() -> InitialIdentity {
    InitialIdentity::TmsiAndLai {
        tmsi: TMSI,
        lai: Lai {
            plmn: Plmn {
                mcc: "001".into(),
                mnc: "01".into(),
            },
            lac: LAC,
        },
    }
}

/// The phone opens a connection with its TMSI and asks for a location update.
fn connect_and_update(rec: &mut Recorder) -> Result<u64, ScenarioError> {
    let request = rec.umts(
        0,
        UlCcch,
        rrc::connection_request(&tmsi_identity(), CAUSE_REGISTRATION),
        "RRC connection request with the TMSI (registration)",
    )?;
    rec.umts(
        300,
        UlDcch,
        rrc::initial_direct_transfer(
            &gsm::location_updating_request(&lai()?, &gsm::tmsi_identity(TMSI)),
            false,
        ),
        "location updating request in an initial direct transfer",
    )?;
    Ok(request)
}

/// The network asks for the IMSI and the phone answers; returns the request's packet.
fn collect_imsi(rec: &mut Recorder, note: &str) -> Result<u64, ScenarioError> {
    let request = rec.umts(
        90,
        DlDcch,
        rrc::downlink_direct_transfer(&gsm::identity_request(1), false, None),
        note,
    )?;
    rec.umts(
        60,
        UlDcch,
        rrc::uplink_direct_transfer(
            &gsm::identity_response(&gsm::digit_identity(1, IMSI)),
            false,
            None,
        ),
        "identity response with the IMSI",
    )?;
    Ok(request)
}

/// UMTS AKA (the network proves itself), then integrity and ciphering the phone accepts.
fn authenticate_and_secure(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.umts(
        90,
        DlDcch,
        rrc::downlink_direct_transfer(&gsm::authentication_request(RAND, Some(AUTN)), false, None),
        "authentication request with AUTN",
    )?;
    rec.umts(
        120,
        UlDcch,
        rrc::uplink_direct_transfer(&gsm::authentication_response(RES), false, None),
        "",
    )?;
    rec.umts(
        60,
        DlDcch,
        rrc::security_mode_command(Some(2), 2, false, MAC),
        "security mode command: UEA2 ciphering, UIA2 integrity",
    )?;
    rec.umts(
        40,
        UlDcch,
        rrc::security_mode_complete(MAC),
        "the phone verified the command's integrity",
    )?;
    Ok(())
}

/// A 3G cell asks the phone for its IMSI, rejects the location update (#15) and releases the
/// connection without authentication or any security mode.
pub(crate) fn umts_imsi_catcher(rec: &mut Recorder) -> Result<(), ScenarioError> {
    connect_and_update(rec)?;
    let request = collect_imsi(rec, "identity request for the IMSI before any security")?;
    rec.expect(kind::IDENTITY, request, "high");
    rec.umts(
        80,
        DlDcch,
        rrc::downlink_direct_transfer(&gsm::location_updating_reject(15), false, None),
        "location updating reject without authentication",
    )?;
    rec.umts(
        60,
        DlDcch,
        rrc::connection_release(0, None, None),
        "release without security",
    )?;
    rec.wait_s(5);
    Ok(())
}

/// A real 3G network that did not recognise the TMSI: it asks for the IMSI, then authenticates
/// (UMTS AKA), switches integrity and ciphering on, accepts and releases.
pub(crate) fn benign_umts_identity(rec: &mut Recorder) -> Result<(), ScenarioError> {
    connect_and_update(rec)?;
    collect_imsi(rec, "identity request for the IMSI (TMSI unknown here)")?;
    authenticate_and_secure(rec)?;
    rec.umts(
        80,
        DlDcch,
        rrc::downlink_direct_transfer(
            &gsm::location_updating_accept(&lai()?, Some(TMSI + 1)),
            false,
            Some(MAC),
        ),
        "location updating accept with a new TMSI",
    )?;
    rec.umts(60, DlDcch, rrc::connection_release(0, None, Some(MAC)), "")?;
    rec.wait_s(5);
    Ok(())
}

/// A 3G cell rejects the phone's connection with a redirection to GSM before anything else;
/// the 2G cell it lands on collects the IMSI: one episode across RATs.
pub(crate) fn umts_redirect_to_gsm(rec: &mut Recorder) -> Result<(), ScenarioError> {
    rec.umts(
        0,
        UlCcch,
        rrc::connection_request(&tmsi_identity(), CAUSE_REGISTRATION),
        "RRC connection request with the TMSI",
    )?;
    let reject = rec.umts(
        120,
        DlCcch,
        rrc::connection_reject(&tmsi_identity(), 0, Some(Redirection::Gsm)),
        "RRC connection reject redirecting to GSM before any security",
    )?;
    rec.expect(kind::REDIRECT, reject, "medium");
    rec.wait_s(2);
    let request = crate::gsm::fake_gsm_collects_imsi(rec)?;
    rec.expect(crate::gsm::kind::IDENTITY, request, "high");
    Ok(())
}

/// A real 3G network sends a secured connection to GSM for a call (no 3G voice capacity),
/// and the GSM network authenticates and ciphers the call.
pub(crate) fn benign_umts_redirect(rec: &mut Recorder) -> Result<(), ScenarioError> {
    connect_and_update(rec)?;
    authenticate_and_secure(rec)?;
    rec.umts(
        80,
        DlDcch,
        rrc::connection_release(0, Some(Redirection::Gsm), Some(MAC)),
        "integrity-protected release redirecting to GSM",
    )?;
    rec.wait_s(2);
    crate::gsm::operator_gsm_takes_the_call(rec)
}
