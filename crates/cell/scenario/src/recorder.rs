//! The recording being built: a clock, the serving cell, the messages and their labels, and
//! the procedures scenarios are written in (camp, connect, authenticate, secure, release).

use crate::cell::{sib_number, Cell};
use crate::{Expectation, NasCopies, ScenarioError, START_TIME};
use stingwatch_lte_rrc::build::{
    self as rrc, EncodedPdu, EstablishmentCause, InitialIdentity, ReleaseCause, Sib1, SibContent,
};
use stingwatch_lte_rrc::{IdleModePriorities, PagingRecord, RedirectTarget, STmsi};
use stingwatch_model::{CaptureTime, Direction, PayloadKind, RadioContext, RadioMessage, Rat};
use stingwatch_nas::build::{self as nas, Identity, Protection};
use stingwatch_nas::{Guti, IdentityType, Plmn as NasPlmn, SecurityAlgorithms};

/// IMSI of the scenarios' phone (test network 001-01).
pub const IMSI: &str = "001010123456789";
/// IMEISV of the scenarios' phone.
pub const IMEISV: &str = "3566840812345603";
/// M-TMSI of the phone's GUTI / S-TMSI.
pub const M_TMSI: u32 = 0xc0ff_ee01;
/// MME code of the phone's GUTI / S-TMSI.
pub const MME_CODE: u8 = 0x01;
/// MME group id of the phone's GUTI.
pub const MME_GROUP: u16 = 0x8001;

/// Time between an RRC message carrying NAS and the NAS record logged after it.
const RECORD_DELAY_MICROS: i64 = 200;

/// The phone's S-TMSI.
pub fn s_tmsi() -> STmsi {
    STmsi {
        mmec: MME_CODE,
        m_tmsi: M_TMSI,
    }
}

/// The phone's GUTI (or another phone's, with another M-TMSI).
pub fn guti(m_tmsi: u32) -> Result<Guti, ScenarioError> {
    Ok(Guti {
        plmn: nas_plmn()?,
        mme_group_id: MME_GROUP,
        mme_code: MME_CODE,
        m_tmsi,
    })
}

/// The test network as NAS encodes it.
pub fn nas_plmn() -> Result<NasPlmn, ScenarioError> {
    NasPlmn::from_digits(crate::cell::MCC, crate::cell::MNC)
        .ok_or_else(|| ScenarioError::Encode("test PLMN digits".into()))
}

fn rrc_err(e: rrc::BuildError) -> ScenarioError {
    ScenarioError::Encode(e.to_string())
}

fn nas_err(e: nas::BuildError) -> ScenarioError {
    ScenarioError::Encode(e.to_string())
}

/// What a finished recording hands to [`crate::Scenario`].
pub struct Parts {
    pub messages: Vec<RadioMessage>,
    pub notes: Vec<String>,
    pub carried_by: Vec<Option<u64>>,
    pub expected: Vec<Expectation>,
}

/// Packets of the broadcast read when camping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camped {
    /// SIB1.
    pub sib1: u64,
    /// (SIB number, packet of the SystemInformation carrying it).
    pub si: Vec<(u8, u64)>,
}

impl Camped {
    /// Packet of the SystemInformation carrying SIB `n`.
    pub fn si_packet(&self, n: u8) -> Result<u64, ScenarioError> {
        self.si
            .iter()
            .find(|(s, _)| *s == n)
            .map(|(_, p)| *p)
            .ok_or_else(|| ScenarioError::Encode(format!("SIB{n} was not broadcast")))
    }
}

/// Builds a recording message by message.
pub struct Recorder {
    nas_copies: NasCopies,
    /// Capture time of the next message, microseconds since the Unix epoch.
    now: i64,
    serving: Option<Cell>,
    messages: Vec<RadioMessage>,
    notes: Vec<String>,
    carried_by: Vec<Option<u64>>,
    expected: Vec<Expectation>,
    /// NAS security is active in the current connection: later NAS is ciphered.
    nas_active: bool,
    /// The NAS security context in use selected EEA0.
    null_cipher: bool,
    /// The NAS security context in use selected EIA0.
    null_integrity: bool,
    ul_count: u8,
    dl_count: u8,
}

impl Recorder {
    /// An empty recording starting at [`START_TIME`].
    pub fn new(nas_copies: NasCopies) -> Recorder {
        Recorder {
            nas_copies,
            now: START_TIME.0,
            serving: None,
            messages: Vec::new(),
            notes: Vec::new(),
            carried_by: Vec::new(),
            expected: Vec::new(),
            nas_active: false,
            null_cipher: false,
            null_integrity: false,
            ul_count: 0,
            dl_count: 0,
        }
    }

    /// The labeled messages.
    pub fn finish(self) -> Parts {
        Parts {
            messages: self.messages,
            notes: self.notes,
            carried_by: self.carried_by,
            expected: self.expected,
        }
    }

    /// Let `ms` milliseconds pass.
    pub fn wait_ms(&mut self, ms: i64) {
        self.now = self.now.saturating_add(ms.saturating_mul(1000));
    }

    /// Capture time of the next message.
    pub fn now(&self) -> CaptureTime {
        CaptureTime(self.now)
    }

    /// Seconds since [`START_TIME`].
    pub fn elapsed_s(&self) -> f64 {
        (self.now - START_TIME.0) as f64 / 1e6
    }

    /// Let time pass until `unix_micros` (nothing when it is already past).
    pub fn wait_until(&mut self, unix_micros: i64) {
        self.now = self.now.max(unix_micros);
    }

    /// Let `s` seconds pass.
    pub fn wait_s(&mut self, s: i64) {
        self.wait_ms(s.saturating_mul(1000));
    }

    /// Record that an analyzer must report `kind` at `packet` with at least `min_severity`.
    pub fn expect(&mut self, kind: &'static str, packet: u64, min_severity: &'static str) {
        self.expected.push(Expectation {
            kind,
            packet,
            min_severity,
            in_pcapng: true,
        });
    }

    /// Like [`Recorder::expect`] for heuristics that need the physical cell id.
    pub fn expect_qmdl_only(
        &mut self,
        kind: &'static str,
        packet: u64,
        min_severity: &'static str,
    ) {
        self.expected.push(Expectation {
            kind,
            packet,
            min_severity,
            in_pcapng: false,
        });
    }

    fn push(&mut self, msg: RadioMessage, note: &str, carried_by: Option<u64>) -> u64 {
        let packet = u64::try_from(self.messages.len()).map_or(u64::MAX, |n| n.saturating_add(1));
        self.messages.push(RadioMessage { packet, ..msg });
        self.notes.push(note.to_string());
        self.carried_by.push(carried_by);
        packet
    }

    /// Radio context of the serving cell at the current time.
    fn context(&self) -> RadioContext {
        // System frames are 10 ms long and numbered modulo 1024.
        let sfn = u16::try_from(self.now.div_euclid(10_000).rem_euclid(1024)).ok();
        RadioContext {
            arfcn: self.serving.as_ref().map(|c| c.earfcn),
            pci: self.serving.as_ref().map(|c| c.pci),
            sfn,
        }
    }

    /// One RRC message on the serving cell at the current time.
    pub fn rrc(
        &mut self,
        pdu: Result<EncodedPdu, rrc::BuildError>,
        note: &str,
    ) -> Result<u64, ScenarioError> {
        let (channel, payload) = pdu.map_err(rrc_err)?;
        let msg = RadioMessage {
            packet: 0,
            offset: 0,
            time: Some(CaptureTime(self.now)),
            direction: channel.direction(),
            rat: Rat::Lte,
            kind: PayloadKind::LteRrc { channel },
            context: self.context(),
            payload,
        };
        Ok(self.push(msg, note, None))
    }

    /// One NR RRC message on the NR cell `(arfcn, pci)` at the current time.
    pub fn nr(
        &mut self,
        pdu: Result<stingwatch_nr_rrc::build::EncodedPdu, stingwatch_nr_rrc::build::BuildError>,
        (arfcn, pci): (u32, u16),
        note: &str,
    ) -> Result<u64, ScenarioError> {
        let (channel, payload) = pdu.map_err(|e| ScenarioError::Encode(e.to_string()))?;
        let msg = RadioMessage {
            packet: 0,
            offset: 0,
            time: Some(CaptureTime(self.now)),
            direction: channel.direction(),
            rat: Rat::Nr,
            kind: PayloadKind::NrRrc { channel },
            context: RadioContext {
                arfcn: Some(arfcn),
                pci: Some(pci),
                sfn: None,
            },
            payload,
        };
        Ok(self.push(msg, note, None))
    }

    /// One GSM message at the current time: a block on a broadcast or common channel
    /// (`channel_type` BCCH or CCCH, written with its L2 pseudo length), or, with `None`, a
    /// layer-3 message of a dedicated channel. GSM messages carry no radio context: DIAG GSM
    /// records have none.
    pub fn gsm(
        &mut self,
        channel_type: Option<u8>,
        direction: Direction,
        l3: &[u8],
        note: &str,
    ) -> Result<u64, ScenarioError> {
        let (kind, payload) = match channel_type {
            Some(c) => (
                PayloadKind::GsmUm { channel_type: c },
                stingwatch_gsm::build::um_block(c, l3),
            ),
            None => (PayloadKind::GsmL3, l3.to_vec()),
        };
        let msg = RadioMessage {
            packet: 0,
            offset: 0,
            time: Some(CaptureTime(self.now)),
            direction,
            rat: Rat::Gsm,
            kind,
            context: RadioContext::default(),
            payload,
        };
        Ok(self.push(msg, note, None))
    }

    /// One 5GS NAS message as a DIAG record of its own, at the current time. 5GS NAS records
    /// carry no radio context.
    pub fn nr_nas(&mut self, direction: Direction, pdu: Vec<u8>, note: &str) -> u64 {
        let msg = RadioMessage {
            packet: 0,
            offset: 0,
            time: Some(CaptureTime(self.now)),
            direction,
            rat: Rat::Nr,
            kind: PayloadKind::NrNas,
            context: RadioContext::default(),
            payload: pdu,
        };
        self.push(msg, note, None)
    }

    /// One UMTS RRC message after `ms` milliseconds (DIAG 0x412F, GSMTAP type 0x0c). UMTS
    /// messages carry no radio context: the older 0x412F records have none.
    pub fn umts(
        &mut self,
        ms: i64,
        channel: stingwatch_model::UmtsRrcChannel,
        pdu: Vec<u8>,
        note: &str,
    ) -> Result<u64, ScenarioError> {
        self.wait_ms(ms);
        let msg = RadioMessage {
            packet: 0,
            offset: 0,
            time: Some(CaptureTime(self.now)),
            direction: channel.direction(),
            rat: Rat::Umts,
            kind: PayloadKind::UmtsRrc { channel },
            context: RadioContext::default(),
            payload: pdu,
        };
        Ok(self.push(msg, note, None))
    }

    /// A GSM message from the network on the dedicated channel, after `ms` milliseconds.
    pub fn gsm_dl(&mut self, ms: i64, l3: &[u8], note: &str) -> Result<u64, ScenarioError> {
        self.wait_ms(ms);
        self.gsm(None, Direction::Downlink, l3, note)
    }

    /// A GSM message from the phone on the dedicated channel, after `ms` milliseconds.
    pub fn gsm_ul(&mut self, ms: i64, l3: &[u8], note: &str) -> Result<u64, ScenarioError> {
        self.wait_ms(ms);
        self.gsm(None, Direction::Uplink, l3, note)
    }

    /// An RRC message carrying NAS, then (when NAS records are written) the plain NAS as a
    /// record of its own. Returns the packet of the RRC message.
    fn rrc_with_nas(
        &mut self,
        pdu: Result<EncodedPdu, rrc::BuildError>,
        plain: &[u8],
        note: &str,
    ) -> Result<u64, ScenarioError> {
        let packet = self.rrc(pdu, note)?;
        if self.nas_copies == NasCopies::RrcAndRecords {
            let direction = self
                .messages
                .last()
                .map_or(Direction::Unknown, |m| m.direction);
            let record = RadioMessage {
                packet: 0,
                offset: 0,
                time: Some(CaptureTime(self.now.saturating_add(RECORD_DELAY_MICROS))),
                direction,
                rat: Rat::Lte,
                kind: PayloadKind::LteNas,
                context: RadioContext::default(),
                payload: plain.to_vec(),
            };
            self.push(record, "", Some(packet));
        }
        Ok(packet)
    }

    /// Next NAS sequence number of a direction.
    fn next_count(&mut self, uplink: bool) -> u8 {
        let count = if uplink {
            &mut self.ul_count
        } else {
            &mut self.dl_count
        };
        *count = count.wrapping_add(1);
        *count
    }

    /// A MAC that differs per message (no real integrity algorithm runs here); EIA0 gives
    /// 32 zero bits (TS 33.401 5.1.4.1).
    fn mac(&self, uplink: bool, count: u8, plain: &[u8]) -> u32 {
        if self.null_integrity {
            return 0;
        }
        let seed: u32 = if uplink { 0x5a00_0000 } else { 0xa500_0000 };
        let sum = plain
            .iter()
            .fold(0u32, |acc, b| acc.rotate_left(5) ^ u32::from(*b));
        seed ^ (u32::from(count) << 16) ^ (sum & 0xffff)
    }

    /// `plain` behind an integrity-only security header (readable body).
    fn integrity_protect(&mut self, plain: &[u8], uplink: bool, new_context: bool) -> Vec<u8> {
        let count = self.next_count(uplink);
        let mac = self.mac(uplink, count, plain);
        let protection = if new_context {
            Protection::IntegrityNewContext
        } else {
            Protection::Integrity
        };
        nas::protect(plain, protection, mac, count)
    }

    /// `plain` behind a ciphered security header. With EEA0 the body stays readable, as the
    /// null cipher leaves it.
    fn cipher(&mut self, plain: &[u8], uplink: bool, new_context: bool) -> Vec<u8> {
        let count = self.next_count(uplink);
        let mac = self.mac(uplink, count, plain);
        if self.null_cipher {
            let header: u8 = if new_context { 4 } else { 2 };
            let mut out = vec![header << 4 | 0x07];
            out.extend_from_slice(&mac.to_be_bytes());
            out.push(count);
            out.extend_from_slice(plain);
            return out;
        }
        let protection = if new_context {
            Protection::CipheredNewContext
        } else {
            Protection::Ciphered
        };
        nas::protect(plain, protection, mac, count)
    }

    /// Uplink NAS in ULInformationTransfer, ciphered when security is active.
    pub fn ul_nas(&mut self, plain: &[u8], note: &str) -> Result<u64, ScenarioError> {
        let air = if self.nas_active {
            self.cipher(plain, true, false)
        } else {
            plain.to_vec()
        };
        self.rrc_with_nas(rrc::ul_information_transfer(&air), plain, note)
    }

    /// Downlink NAS in DLInformationTransfer, ciphered when security is active.
    pub fn dl_nas(&mut self, plain: &[u8], note: &str) -> Result<u64, ScenarioError> {
        let air = if self.nas_active {
            self.cipher(plain, false, false)
        } else {
            plain.to_vec()
        };
        self.rrc_with_nas(rrc::dl_information_transfer(&air), plain, note)
    }

    // ---- broadcast ----

    /// SIB1 of `cell` (which must be the serving cell).
    pub fn sib1(&mut self, cell: &Cell, note: &str) -> Result<u64, ScenarioError> {
        let sib1 = Sib1 {
            plmns: vec![cell.plmn()],
            tac: cell.tac,
            cell_identity: cell.cell_id,
            freq_band: cell.band,
            scheduled_sibs: cell.extra_sibs.iter().map(sib_number).collect(),
            barred: false,
        };
        self.rrc(rrc::system_information_block_type1(&sib1), note)
    }

    /// The phone selects `cell` and reads its broadcast: MIB, SIB1, then one SystemInformation
    /// per scheduled SI message, 20 ms apart (SIB1 repeats every 20 ms, SI windows follow).
    pub fn camp(&mut self, cell: &Cell, sib1_note: &str) -> Result<Camped, ScenarioError> {
        self.serving = Some(cell.clone());
        let sfn = self.context().sfn.unwrap_or(0);
        self.rrc(rrc::master_information_block(cell.prbs, sfn), "")?;
        self.wait_ms(5);
        let sib1 = self.sib1(cell, sib1_note)?;
        self.wait_ms(15);
        let mut si = vec![(
            2,
            self.rrc(rrc::system_information(&[SibContent::Sib2]), "")?,
        )];
        for sib in &cell.extra_sibs {
            self.wait_ms(20);
            let packet = self.rrc(rrc::system_information(std::slice::from_ref(sib)), "")?;
            si.push((sib_number(sib), packet));
        }
        self.wait_ms(20);
        Ok(Camped { sib1, si })
    }

    /// A paging message on the serving cell.
    pub fn paging(&mut self, records: &[PagingRecord], note: &str) -> Result<u64, ScenarioError> {
        self.rrc(rrc::paging(records, false), note)
    }

    // ---- connections ----

    /// RRCConnectionRequest and RRCConnectionSetup; the caller sends the setup complete.
    /// Returns the packet of the request.
    pub fn connect(
        &mut self,
        identity: InitialIdentity,
        cause: EstablishmentCause,
    ) -> Result<u64, ScenarioError> {
        self.nas_active = false;
        let request = self.rrc(rrc::rrc_connection_request(identity, cause), "")?;
        self.wait_ms(14);
        self.rrc(rrc::rrc_connection_setup(), "")?;
        self.wait_ms(12);
        Ok(request)
    }

    /// RRCConnectionSetupComplete carrying the initial NAS message, integrity protected with
    /// the phone's stored security context when it has one (TS 24.301 4.4.4.2).
    pub fn setup_complete(
        &mut self,
        plain: &[u8],
        stored_context: bool,
        note: &str,
    ) -> Result<u64, ScenarioError> {
        let air = if stored_context {
            self.integrity_protect(plain, true, false)
        } else {
            plain.to_vec()
        };
        let packet = self.rrc_with_nas(rrc::rrc_connection_setup_complete(&air), plain, note)?;
        // The MME answers after a round trip to the core.
        self.wait_ms(45);
        Ok(packet)
    }

    /// The network uses the phone's stored NAS context: later NAS is ciphered.
    pub fn resume_nas_security(&mut self) {
        self.nas_active = true;
    }

    /// EPS AKA: Authentication request and response.
    pub fn authenticate(&mut self) -> Result<u64, ScenarioError> {
        let rand = [
            0x3a, 0x91, 0x0c, 0x5e, 0x77, 0x21, 0xd4, 0x08, 0x9b, 0x62, 0xe0, 0x13, 0x4f, 0xa8,
            0x55, 0xc6,
        ];
        let autn = [
            0x8d, 0x2e, 0x41, 0x70, 0x0b, 0xf3, 0x80, 0x00, 0x6c, 0x19, 0xa2, 0x5d, 0x37, 0xe4,
            0x90, 0x1b,
        ];
        let request = self.dl_nas(
            &nas::authentication_request(0, &rand, &autn),
            "authentication: the network proves it holds the SIM's key",
        )?;
        self.wait_ms(28);
        let res = [0xd1, 0x5c, 0x27, 0x8e, 0x03, 0xb4, 0x6a, 0xf9];
        self.ul_nas(&nas::authentication_response(&res), "")?;
        self.wait_ms(22);
        Ok(request)
    }

    /// NAS security mode command (integrity protected with the new context) and complete
    /// (ciphered with it, carrying the IMEISV). Returns the packet of the command.
    pub fn nas_security(&mut self, eea: u8, eia: u8, note: &str) -> Result<u64, ScenarioError> {
        let command = nas::security_mode_command(
            SecurityAlgorithms { eea, eia },
            0,
            nas::TYPICAL_UE_CAPABILITIES,
            true,
        );
        self.null_cipher = eea == 0;
        self.null_integrity = eia == 0;
        let air = self.integrity_protect(&command, false, true);
        let packet = self.rrc_with_nas(rrc::dl_information_transfer(&air), &command, note)?;
        self.wait_ms(16);
        let complete = nas::security_mode_complete(Some(IMEISV)).map_err(nas_err)?;
        let air = self.cipher(&complete, true, true);
        self.rrc_with_nas(rrc::ul_information_transfer(&air), &complete, "")?;
        self.nas_active = true;
        self.wait_ms(20);
        Ok(packet)
    }

    /// RRC (access stratum) security mode command and complete. Returns the command's packet.
    pub fn as_security(&mut self, eea: u8, eia: u8, note: &str) -> Result<u64, ScenarioError> {
        let packet = self.rrc(rrc::security_mode_command(eea, eia), note)?;
        self.wait_ms(9);
        self.rrc(rrc::security_mode_complete(), "")?;
        self.wait_ms(15);
        Ok(packet)
    }

    /// RRCConnectionRelease. Returns its packet.
    pub fn release(
        &mut self,
        cause: ReleaseCause,
        redirect: Option<&RedirectTarget>,
        priorities: Option<&IdleModePriorities>,
        note: &str,
    ) -> Result<u64, ScenarioError> {
        let packet = self.rrc(
            rrc::rrc_connection_release(cause, redirect, priorities),
            note,
        )?;
        self.nas_active = false;
        Ok(packet)
    }

    /// Handover of the connection to `target` (a new serving cell) by an
    /// RRCConnectionReconfiguration with mobilityControlInfo. Returns its packet.
    pub fn handover(&mut self, target: &Cell, note: &str) -> Result<u64, ScenarioError> {
        let earfcn = self
            .serving
            .as_ref()
            .filter(|c| c.earfcn != target.earfcn)
            .map(|_| target.earfcn);
        let packet = self.rrc(
            rrc::rrc_connection_reconfiguration_handover(target.pci, earfcn),
            note,
        )?;
        self.serving = Some(target.clone());
        Ok(packet)
    }

    // ---- whole procedures ----

    /// A first attach with the IMSI on the serving cell, authenticated and secured with
    /// EEA2/EIA2, then released after `idle_s` seconds. Returns the attach request's packet.
    pub fn first_attach(&mut self, idle_s: i64) -> Result<u64, ScenarioError> {
        self.connect(
            InitialIdentity::Random(0x3c_5a1e_7d42),
            EstablishmentCause::MoSignalling,
        )?;
        let attach =
            nas::attach_request(1, &Identity::Imsi(IMSI), &nas::pdn_connectivity_request(1))
                .map_err(nas_err)?;
        let packet = self.setup_complete(
            &attach,
            false,
            "attach with the IMSI: the phone has no temporary identity yet",
        )?;
        self.secure_and_accept_attach()?;
        self.wait_s(idle_s);
        self.release(ReleaseCause::Other, None, None, "")?;
        Ok(packet)
    }

    /// Authentication, NAS and RRC security with EEA2/EIA2, attach accept and complete.
    pub fn secure_and_accept_attach(&mut self) -> Result<(), ScenarioError> {
        self.authenticate()?;
        self.nas_security(2, 2, "")?;
        self.as_security(2, 2, "")?;
        let bearer =
            nas::activate_default_eps_bearer_context_request(5, 1, "internet", [10, 45, 0, 17]);
        let accept = nas::attach_accept(nas_plmn()?, &[], Some(guti(M_TMSI)?), &bearer);
        self.dl_nas(&accept, "")?;
        self.wait_ms(35);
        let complete = nas::attach_complete(&nas::activate_default_eps_bearer_context_accept(5, 1));
        self.ul_nas(&complete, "")?;
        self.wait_ms(10);
        Ok(())
    }

    /// A periodic tracking area update of a registered phone, accepted with its stored
    /// security context. Returns the packet of the request.
    pub fn periodic_tau(&mut self, tac: u16) -> Result<u64, ScenarioError> {
        self.accepted_tau(3, tac)
    }

    /// A tracking area update (update type 0 normal, 3 periodic) of a registered phone,
    /// accepted with its stored security context. Returns the packet of the request.
    pub fn accepted_tau(&mut self, update_type: u8, tac: u16) -> Result<u64, ScenarioError> {
        self.connect(
            InitialIdentity::STmsi(s_tmsi()),
            EstablishmentCause::MoSignalling,
        )?;
        let request = nas::tracking_area_update_request(update_type, 0, guti(M_TMSI)?);
        let packet = self.setup_complete(&request, true, "")?;
        self.resume_nas_security();
        let accept = nas::tracking_area_update_accept(0, nas_plmn()?, &[tac], None);
        self.dl_nas(&accept, "")?;
        self.wait_ms(120);
        self.release(ReleaseCause::Other, None, None, "")?;
        Ok(packet)
    }

    /// A service request of a registered phone (mobile originated data, or `mt` after
    /// paging), with RRC security EEA2/EIA2, released after `active_s` seconds. Returns the
    /// packet of the RRC connection request.
    pub fn service_request(&mut self, mt: bool, active_s: i64) -> Result<u64, ScenarioError> {
        let cause = if mt {
            EstablishmentCause::MtAccess
        } else {
            EstablishmentCause::MoData
        };
        let packet = self.connect(InitialIdentity::STmsi(s_tmsi()), cause)?;
        let seq = self.ul_count.wrapping_add(1);
        self.ul_count = seq;
        self.setup_complete(&nas::service_request(0, seq & 0x1f, 0x3c1d), false, "")?;
        self.resume_nas_security();
        self.as_security(2, 2, "")?;
        self.wait_s(active_s);
        self.release(ReleaseCause::Other, None, None, "")?;
        Ok(packet)
    }

    /// Extended service request for a mobile-originating CS fallback call (TS 24.301 8.2.15):
    /// service type 0, the M-TMSI, integrity protected with the stored context. Returns the
    /// packet of the setup complete carrying it.
    pub fn csfb_request(&mut self, note: &str) -> Result<u64, ScenarioError> {
        self.connect(InitialIdentity::STmsi(s_tmsi()), EstablishmentCause::MoData)?;
        let mut request = vec![0x07, 0x4c, 0x00, 0x05, 0xf4];
        request.extend_from_slice(&M_TMSI.to_be_bytes());
        let packet = self.setup_complete(&request, true, note)?;
        self.resume_nas_security();
        Ok(packet)
    }

    /// Identity request for the IMSI and the phone's answer. Returns the request's packet.
    pub fn imsi_request(&mut self, note: &str) -> Result<u64, ScenarioError> {
        let packet = self.dl_nas(&nas::identity_request(IdentityType::Imsi), note)?;
        self.wait_ms(24);
        let response = nas::identity_response(&Identity::Imsi(IMSI)).map_err(nas_err)?;
        self.ul_nas(&response, "the phone reveals its IMSI")?;
        self.wait_ms(30);
        Ok(packet)
    }

    /// Tracking area update request (normal, not periodic) as a registered phone entering a
    /// new tracking area sends it. Returns the packet of the setup complete carrying it.
    pub fn tau_request(&mut self, note: &str) -> Result<u64, ScenarioError> {
        self.connect(
            InitialIdentity::STmsi(s_tmsi()),
            EstablishmentCause::MoSignalling,
        )?;
        let request = nas::tracking_area_update_request(0, 0, guti(M_TMSI)?);
        self.setup_complete(&request, true, note)
    }
}
