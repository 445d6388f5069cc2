//! 5G (NR SA) scenarios: a 5G cell that releases the phone to 4G before security (and a 4G
//! cell that then collects its IMSI), and a 5G cell that switches integrity protection off,
//! each with a benign twin that runs the same procedure the way a real network does
//! (TS 38.331 5.3.8 RRC release, 5.3.4 security activation; TS 33.501 5.5.2).

use crate::recorder::Recorder;
use crate::ScenarioError;
use stingwatch_nr_rrc::build as nr;
use stingwatch_nr_rrc::NrRedirect;

/// Analyzer kinds the NR attacks expect.
pub(crate) mod kind {
    pub const RELEASE_REDIRECT: &str = "nr-release-redirect-without-security";
    pub const NULL_SECURITY: &str = "nr-null-security";
}

/// The NR cell: band n78 (NR-ARFCN 630000), PCI 101.
const NR_CELL: (u32, u16) = (630_000, 101);
/// A plain 5GS NAS registration request (TS 24.501 8.2.6): initial registration, no key
/// set, the 5G-GUTI of 001-01 (AMF region 1, set 1, pointer 1, 5G-TMSI 0x12345678). Its
/// content is not read here (5GS NAS is decoded elsewhere); it is well formed for tshark.
const REGISTRATION_REQUEST: [u8; 17] = [
    0x7e, 0x00, 0x41, 0x71, 0x00, 0x0b, 0xf2, 0x00, 0xf1, 0x10, 0x01, 0x00, 0x41, 0x12, 0x34, 0x56,
    0x78,
];
/// The E-UTRA carrier a release sends the phone to (band 3).
pub(crate) const EUTRA_TARGET: u32 = 1300;

/// Broadcast and connection set-up on the NR cell; returns the SIB1 packet.
fn connect(rec: &mut Recorder, emergency: bool) -> Result<u64, ScenarioError> {
    let sib1 = rec.nr(
        nr::sib1("001", "01", 0x00_2a01, 0x0_01a2_b301),
        NR_CELL,
        "NR SIB1",
    )?;
    rec.wait_s(2);
    rec.nr(nr::setup_request(emergency), NR_CELL, "")?;
    rec.wait_ms(20);
    rec.nr(nr::setup(), NR_CELL, "")?;
    rec.wait_ms(20);
    rec.nr(
        nr::setup_complete(&REGISTRATION_REQUEST),
        NR_CELL,
        "setup complete carrying a 5GS registration request",
    )?;
    Ok(sib1)
}

/// Security activation on the NR cell, as a real network does it after authentication.
fn secure(rec: &mut Recorder, nea: u8, nia: u8, note: &str) -> Result<u64, ScenarioError> {
    rec.wait_ms(150);
    let smc = rec.nr(nr::security_mode_command(nea, nia), NR_CELL, note)?;
    rec.wait_ms(15);
    rec.nr(nr::security_mode_complete(), NR_CELL, "")?;
    Ok(smc)
}

/// The 5G release to 4G before any security; returns the release packet.
pub(crate) fn nr_release_before_security(rec: &mut Recorder) -> Result<u64, ScenarioError> {
    connect(rec, false)?;
    rec.wait_ms(120);
    let release = rec.nr(
        nr::release(Some(NrRedirect::Eutra {
            earfcn: EUTRA_TARGET,
        })),
        NR_CELL,
        "release redirecting to E-UTRA before any security",
    )?;
    rec.expect(kind::RELEASE_REDIRECT, release, "medium");
    Ok(release)
}

/// The operator's way: security first, then a release to 4G (5G coverage ending).
pub(crate) fn benign_nr_release_after_security(rec: &mut Recorder) -> Result<(), ScenarioError> {
    connect(rec, false)?;
    secure(rec, 2, 2, "")?;
    rec.wait_s(5);
    rec.nr(
        nr::release(Some(NrRedirect::Eutra {
            earfcn: EUTRA_TARGET,
        })),
        NR_CELL,
        "release redirecting to E-UTRA after security was set up",
    )?;
    Ok(())
}

/// A 5G cell commands null integrity and null ciphering outside an emergency call.
pub(crate) fn nr_null_security(rec: &mut Recorder) -> Result<(), ScenarioError> {
    connect(rec, false)?;
    let smc = secure(
        rec,
        0,
        0,
        "security mode command with NEA0 and NIA0, not an emergency call",
    )?;
    rec.expect(kind::NULL_SECURITY, smc, "high");
    rec.wait_s(3);
    rec.nr(nr::release(None), NR_CELL, "")?;
    Ok(())
}

/// Operator policy: NEA0 with real integrity (NIA2), which TS 33.501 allows.
pub(crate) fn benign_nr_null_ciphering(rec: &mut Recorder) -> Result<(), ScenarioError> {
    connect(rec, false)?;
    secure(
        rec,
        0,
        2,
        "security mode command with NEA0 and NIA2: no encryption, integrity on",
    )?;
    rec.wait_s(3);
    rec.nr(nr::release(None), NR_CELL, "")?;
    Ok(())
}
