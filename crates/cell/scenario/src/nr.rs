//! 5G (NR SA) scenarios: a 5G cell that releases the phone to 4G before security (and a 4G
//! cell that then collects its IMSI), a 5G cell that switches integrity protection off, and
//! a 5G cell whose broadcast priorities rank 4G above 5G, each with a benign twin that runs
//! the same procedure the way a real network does (TS 38.331 5.3.8 RRC release, 5.3.4
//! security activation, 5.2.2 system information; TS 33.501 5.5.2; TS 38.304 5.2.4).

use crate::recorder::Recorder;
use crate::ScenarioError;
use stingwatch_nr_rrc::build::{self as nr, NrCarrier};
use stingwatch_nr_rrc::{CarrierPriority, NrRedirect};

/// Analyzer kinds the NR attacks expect.
pub(crate) mod kind {
    pub const RELEASE_REDIRECT: &str = "nr-release-redirect-without-security";
    pub const NULL_SECURITY: &str = "nr-null-security";
    pub const PRIORITY_DOWNGRADE: &str = "nr-priority-downgrade";
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
/// The operator's second E-UTRA carrier (band 20).
const EUTRA_LOW_BAND: u32 = 6300;
/// The operator's second NR carrier in band n78.
const NR_SECOND: u32 = 636_666;

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

/// The NR cell's SIB1 (scheduling SIB2, SIB4 and SIB5), then its SystemInformation with SIB2 (own frequency at `serving`),
/// SIB4 (the second n78 carrier at `nr`) and SIB5 (the band 3 and band 20 E-UTRA carriers at
/// `eutra`); returns the SystemInformation packet.
fn broadcast_priorities(
    rec: &mut Recorder,
    serving: u8,
    nr: u8,
    eutra: [u8; 2],
    note: &str,
) -> Result<u64, ScenarioError> {
    rec.nr(
        nr::sib1_scheduling("001", "01", 0x00_2a01, 0x0_01a2_b301, &[2, 4, 5]),
        NR_CELL,
        "NR SIB1 scheduling SIB2, SIB4 and SIB5",
    )?;
    rec.wait_ms(80);
    let carriers = [NrCarrier {
        arfcn: NR_SECOND,
        band: 78,
        priority: Some(nr),
    }];
    let lte = [
        CarrierPriority {
            arfcn: EUTRA_TARGET,
            priority: Some(eutra[0]),
        },
        CarrierPriority {
            arfcn: EUTRA_LOW_BAND,
            priority: Some(eutra[1]),
        },
    ];
    let si = rec.nr(
        nr::system_information(serving, &carriers, &lte),
        NR_CELL,
        note,
    )?;
    // The broadcast repeats every modification period; the repeats change nothing.
    for _ in 0..3 {
        rec.wait_s(5);
        rec.nr(
            nr::system_information(serving, &carriers, &lte),
            NR_CELL,
            "",
        )?;
    }
    Ok(si)
}

/// A 5G cell broadcasts its own frequency at priority 1 and the other 5G carrier at 2, but
/// both 4G carriers at 7 and 6: every idle phone camped on it reselects to 4G as soon as a
/// 4G cell is good enough.
pub(crate) fn nr_priority_downgrade(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let si = broadcast_priorities(
        rec,
        1,
        2,
        [7, 6],
        "SIB2 serving NR priority 1, SIB4 NR 2, SIB5 E-UTRA 7 and 6",
    )?;
    rec.expect(kind::PRIORITY_DOWNGRADE, si, "medium");
    Ok(())
}

/// The operator's usual ranking: its 5G frequencies first (7 and 6), 4G below (5 and 3).
pub(crate) fn benign_nr_priorities(rec: &mut Recorder) -> Result<(), ScenarioError> {
    broadcast_priorities(
        rec,
        7,
        6,
        [5, 3],
        "SIB2 serving NR priority 7, SIB4 NR 6, SIB5 E-UTRA 5 and 3",
    )?;
    Ok(())
}
