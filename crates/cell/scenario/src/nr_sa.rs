//! 5G standalone scenarios: what a 5G cell-site simulator can do over 5GS NAS (TS 24.501)
//! without the subscriber's key (ask for identities, reject, select null security), each
//! with a benign twin that runs the same procedure the way a real 5G core does.
//!
//! The messages are 5GS NAS records as a Qualcomm modem logs them: a message sent or
//! received under NAS security appears twice, first as it was on the air (0xB808/0xB809, its
//! security header and, when ciphered, an unreadable body), then deciphered (0xB80A/0xB80B).

use crate::recorder::Recorder;
use crate::ScenarioError;
use stingwatch_model::Direction;
use stingwatch_nas5g::build::{self as nr, SuciSpec};
use stingwatch_nas5g::{Algorithms, IdentityKind, ProtectionScheme, RegistrationType};

/// Analyzer kinds the 5G attacks expect.
pub(crate) mod kind {
    pub const NULL_SUCI: &str = "nr-null-scheme-suci";
    pub const IDENTITY: &str = "nr-identity-without-auth";
    pub const NULL_SECURITY: &str = "nr-nas-null-security";
    pub const REJECT: &str = "nr-unauthenticated-reject";
}

/// The phone's 5G-S-TMSI / 5G-GUTI TMSI.
const TMSI: u32 = 0x5c00_a101;
/// The phone's IMEISV.
const IMEISV: &str = "3566840812345603";
/// MSIN of the phone's SIM (test network 001-01).
const MSIN: &str = "0123456789";
/// 5GMM cause #7: 5GS services not allowed.
const CAUSE_5GS_NOT_ALLOWED: u8 = 7;
/// 5GMM cause #15: no suitable cells in tracking area.
const CAUSE_NO_SUITABLE_CELLS: u8 = 15;
/// 5GMM cause #27: N1 mode not allowed.
const CAUSE_N1_MODE_NOT_ALLOWED: u8 = 27;
/// Security header types (TS 24.501 §9.3.1).
const INTEGRITY_NEW_CONTEXT: u8 = 3;
const INTEGRITY_CIPHERED: u8 = 2;
const INTEGRITY_CIPHERED_NEW_CONTEXT: u8 = 4;

fn suci(scheme: ProtectionScheme) -> Vec<u8> {
    SuciSpec {
        mcc: "001",
        mnc: "01",
        scheme,
        home_network_key: if scheme == ProtectionScheme::Null {
            0
        } else {
            3
        },
        msin: MSIN,
    }
    .identity()
}

fn guti() -> Vec<u8> {
    nr::guti_identity("001", "01", TMSI)
}

/// A 5GS NAS exchange being recorded: which messages go under security.
struct Exchange<'a> {
    rec: &'a mut Recorder,
    /// A security mode command was completed: later messages are ciphered on the air.
    secured: bool,
    sequence: u8,
}

impl<'a> Exchange<'a> {
    fn new(rec: &'a mut Recorder) -> Self {
        Exchange {
            rec,
            secured: false,
            sequence: 0,
        }
    }

    /// One message after `ms`; returns the packet of the first record whose body is readable.
    fn send(
        &mut self,
        ms: i64,
        direction: Direction,
        plain: Vec<u8>,
        note: &str,
    ) -> Result<u64, ScenarioError> {
        self.rec.wait_ms(ms);
        if !self.secured {
            return Ok(self.rec.nr_nas(direction, plain, note));
        }
        self.sequence = self.sequence.wrapping_add(1);
        let aired = nr::protect(INTEGRITY_CIPHERED, self.sequence, &plain);
        self.rec.nr_nas(direction, aired, "");
        self.rec.wait_ms(1);
        Ok(self.rec.nr_nas(direction, plain, note))
    }

    fn dl(&mut self, ms: i64, plain: Vec<u8>, note: &str) -> Result<u64, ScenarioError> {
        self.send(ms, Direction::Downlink, plain, note)
    }

    fn ul(&mut self, ms: i64, plain: Vec<u8>, note: &str) -> Result<u64, ScenarioError> {
        self.send(ms, Direction::Uplink, plain, note)
    }

    fn authenticate(&mut self) -> Result<(), ScenarioError> {
        self.dl(60, nr::authentication_request(), "")?;
        self.ul(40, nr::authentication_response(), "")?;
        Ok(())
    }

    /// Security mode command (integrity protected with the new context, logged as aired and
    /// then plain) and its complete (ciphered with the new context). Returns the packet of
    /// the command as aired.
    fn secure(&mut self, ciphering: u8, integrity: u8, note: &str) -> Result<u64, ScenarioError> {
        self.rec.wait_ms(50);
        let command = nr::security_mode_command(
            Algorithms {
                ciphering,
                integrity,
            },
            true,
        );
        let aired = nr::protect(INTEGRITY_NEW_CONTEXT, 0, &command);
        let packet = self.rec.nr_nas(Direction::Downlink, aired, note);
        self.rec.wait_ms(1);
        self.rec.nr_nas(Direction::Downlink, command, "");
        self.rec.wait_ms(30);
        let complete = nr::security_mode_complete(Some(&nr::imeisv_identity(IMEISV)));
        let aired = nr::protect(INTEGRITY_CIPHERED_NEW_CONTEXT, 0, &complete);
        self.rec.nr_nas(Direction::Uplink, aired, "");
        self.rec.wait_ms(1);
        self.rec.nr_nas(Direction::Uplink, complete, "");
        self.secured = true;
        Ok(packet)
    }

    fn register(
        &mut self,
        kind: RegistrationType,
        identity: &[u8],
        note: &str,
    ) -> Result<u64, ScenarioError> {
        self.ul(0, nr::registration_request(kind, true, identity), note)
    }

    fn accept(&mut self) -> Result<(), ScenarioError> {
        self.dl(40, nr::registration_accept(&guti()), "")?;
        self.ul(20, nr::registration_complete(), "")?;
        Ok(())
    }
}

/// A fake 5G cell asks a phone that registered with its 5G-GUTI for a fresh SUCI and for its
/// IMEI before any authentication, then rejects it with #7 (5GS services not allowed), which
/// keeps the phone off 5G until it restarts.
pub(crate) fn nr_sa_identity_catcher(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(
        RegistrationType::MobilityUpdating,
        &guti(),
        "registration with the 5G-GUTI",
    )?;
    let request = x.dl(
        45,
        nr::identity_request(IdentityKind::Suci),
        "identity request for the SUCI before any authentication",
    )?;
    x.ul(
        35,
        nr::identity_response(&suci(ProtectionScheme::ProfileA)),
        "",
    )?;
    x.dl(
        40,
        nr::identity_request(IdentityKind::Imeisv),
        "identity request for the IMEISV before any authentication",
    )?;
    x.ul(35, nr::identity_response(&nr::imeisv_identity(IMEISV)), "")?;
    let reject = x.dl(
        40,
        nr::registration_reject(CAUSE_5GS_NOT_ALLOWED),
        "registration reject #7 without authentication",
    )?;
    rec.expect(kind::IDENTITY, request, "medium");
    rec.expect(kind::REJECT, reject, "medium");
    Ok(())
}

/// The operator's core does not know the phone's 5G-GUTI (another AMF assigned it), asks for
/// the SUCI, then authenticates, secures NAS asking for the IMEISV, and accepts.
pub(crate) fn benign_nr_identity(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(RegistrationType::MobilityUpdating, &guti(), "")?;
    x.dl(
        45,
        nr::identity_request(IdentityKind::Suci),
        "identity request for the SUCI",
    )?;
    x.ul(
        35,
        nr::identity_response(&suci(ProtectionScheme::ProfileA)),
        "",
    )?;
    x.authenticate()?;
    x.secure(2, 2, "")?;
    x.accept()
}

/// A fake 5G cell asks a phone that registered with its 5G-GUTI for its SUCI; the SIM has no
/// home network key, so the answer is the IMSI in clear (null scheme); then the phone is
/// rejected with #15.
pub(crate) fn nr_sa_null_suci(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(RegistrationType::MobilityUpdating, &guti(), "")?;
    let request = x.dl(
        45,
        nr::identity_request(IdentityKind::Suci),
        "identity request for the SUCI before any authentication",
    )?;
    let response = x.ul(
        35,
        nr::identity_response(&suci(ProtectionScheme::Null)),
        "SUCI under the null scheme: the IMSI in clear",
    )?;
    let reject = x.dl(
        40,
        nr::registration_reject(CAUSE_NO_SUITABLE_CELLS),
        "registration reject #15 without authentication",
    )?;
    rec.expect(kind::NULL_SUCI, response, "high");
    rec.expect(kind::IDENTITY, request, "medium");
    rec.expect(kind::REJECT, reject, "medium");
    Ok(())
}

/// A phone registers with a SUCI concealed under ECIES profile A; the operator authenticates,
/// secures and accepts it.
pub(crate) fn benign_nr_suci(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(
        RegistrationType::Initial,
        &suci(ProtectionScheme::ProfileA),
        "initial registration with a SUCI under ECIES profile A",
    )?;
    x.authenticate()?;
    x.secure(2, 2, "")?;
    x.accept()
}

/// A fake 5G cell that cannot authenticate the phone commands NAS security with 5G-EA0 and
/// 5G-IA0 for an ordinary registration, and accepts it.
pub(crate) fn nr_sa_null_security(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(
        RegistrationType::Initial,
        &suci(ProtectionScheme::ProfileA),
        "",
    )?;
    let command = x.secure(0, 0, "security mode command with 5G-EA0 and 5G-IA0")?;
    x.accept()?;
    rec.expect(kind::NULL_SECURITY, command, "high");
    Ok(())
}

/// A phone without a usable SIM makes an emergency registration with its equipment
/// identity; the network, unable to authenticate it, uses 5G-EA0 and 5G-IA0 as TS 33.501
/// allows for emergency services, and accepts.
pub(crate) fn benign_nr_emergency(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(
        RegistrationType::Emergency,
        &nr::imeisv_identity(IMEISV),
        "emergency registration with the IMEISV",
    )?;
    x.secure(0, 0, "null algorithms for the emergency registration")?;
    x.accept()
}

/// A fake 5G cell rejects the phone's registration with #27 (N1 mode not allowed) before any
/// authentication: the phone switches 5G off and falls back to 4G.
pub(crate) fn nr_sa_registration_reject(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(RegistrationType::MobilityUpdating, &guti(), "")?;
    let reject = x.dl(
        45,
        nr::registration_reject(CAUSE_N1_MODE_NOT_ALLOWED),
        "registration reject #27 without authentication",
    )?;
    rec.expect(kind::REJECT, reject, "medium");
    Ok(())
}

/// The operator authenticates the phone and secures NAS, then rejects the registration with
/// #27 (the subscription has no 5G standalone service).
pub(crate) fn benign_nr_reject_after_auth(rec: &mut Recorder) -> Result<(), ScenarioError> {
    let mut x = Exchange::new(rec);
    x.register(RegistrationType::MobilityUpdating, &guti(), "")?;
    x.authenticate()?;
    x.secure(2, 2, "")?;
    x.dl(
        40,
        nr::registration_reject(CAUSE_N1_MODE_NOT_ALLOWED),
        "registration reject #27 under NAS security",
    )?;
    Ok(())
}
