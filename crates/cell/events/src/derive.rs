//! Turning decoded messages into events: the only place that knows decoder types.
//!
//! [`EventDeriver`] is stateful because events need context that one message lacks:
//! - **Cell.** Every event carries the (EARFCN, PCI) of the capture's radio context and the
//!   identity of the last SIB1 seen on that radio. NAS records inherit the cell of the last
//!   LTE RRC message (the cell they went through), whatever their container says.
//! - **NAS seen twice.** A DIAG capture logs a NAS message both inside the RRC message that
//!   carries it (`dedicatedInfoNAS`) and as a NAS record of its own (the security-protected
//!   form and/or the plain, already deciphered, form). Events are compared, not bytes: an event
//!   derived from NAS is dropped when an equal event was derived from a *different* message,
//!   with at least one of the two a NAS record, within the last [`DEDUP_PACKETS`] packets and
//!   [`DEDUP_MICROS`] of capture time. Unciphered NAS thus yields the same events whether the
//!   capture has the RRC copy, the NAS record, or both. Ciphered NAS inside RRC yields only a
//!   [`EventKind::ProtectedNas`] marker; when the capture also has the plain record, its
//!   events are kept as well (the deciphered copy is the better one and only adds what the
//!   ciphered copy hides). Two RRC messages never deduplicate each other: each is its own
//!   transmission.
//! - **UMTS NAS seen twice.** On UMTS the NAS message rides in an RRC direct transfer, and
//!   DIAG logs it again as a UMTS NAS record (0x713A). Here the bytes are compared, since both
//!   copies carry the same NAS PDU unchanged (UMTS NAS is never ciphered above RRC): a NAS PDU
//!   equal to one from the *other* source (direct transfer against record) within
//!   [`DEDUP_PACKETS`] packets and [`DEDUP_MICROS`] of capture time is the same message, and
//!   its events are not derived twice; each earlier copy pairs with one later copy only, so a
//!   message the network really sends twice still counts twice.
//! - **5GS NAS seen twice.** NR RRC carries 5GS NAS in `dedicatedNAS-Message`
//!   (RRCSetupComplete, DLInformationTransfer, ULInformationTransfer, ...), and DIAG logs the
//!   same message again as a 5GS NAS record. Both become the same 5GS NAS events, compared as
//!   the EPS NAS ones are: a copy is dropped when an equal event came from a different message,
//!   one of the two a record, within [`DEDUP_PACKETS`] packets and [`DEDUP_MICROS`].
//! - **UMTS system information in segments.** A UMTS cell's BCH carries SIBs longer than one
//!   246-bit block in segments spread over several BCCH-BCH messages. The segments of the
//!   cell's radio context are joined ([`SibReassembler`]); a master information block or SIB3
//!   that completes gives its cell event then, whether it came whole or in pieces. Segments
//!   discarded (a gap, a repeat, a segment without its first, a change of cell) become
//!   [`Diagnostic`]s, never events.

use crate::{
    AccessTechnology, CellIdentity, CellRef, EstablishmentCause, Event, EventKind, FreqPriority,
    GsmEvent, IdentityType, InlineList, Layer, Plmn, Redirect, ReleaseCause, UmtsEvent,
};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use stingwatch_decode::{Decoded, DecodedMessage, Protocol};
use stingwatch_lte_rrc::{PagingIdentity, RedirectTarget, RrcMessage, RrcSummary};
use stingwatch_model::{
    CaptureTime, Direction, LteRrcChannel, Measurement, MeasurementKind, PayloadKind, RadioMessage,
    Rat,
};
use stingwatch_nas::tables::emm;
use stingwatch_nas::{IdentityKind, NasMessage};
use stingwatch_umts_rrc::sib::{ReassembledSib, SibReassembler, SibSegment};

/// NAS events this many packets apart are never treated as copies of one message.
pub const DEDUP_PACKETS: u64 = 16;
/// Capture times before this (2000-01-01 UTC) mean the recording device's clock was not
/// set: modems count from the DIAG epoch (1980-01-06) after power-on until the network gives
/// them the time. Events keep no time rather than one that would make a few minutes look
/// like decades in episode spans.
pub const EARLIEST_PLAUSIBLE_TIME: CaptureTime = CaptureTime(946_684_800_000_000);

/// NAS events this far apart in capture time are never treated as copies of one message.
pub const DEDUP_MICROS: i64 = 2_000_000;
/// Most radios whose SIB1 identity is remembered.
pub const MAX_REMEMBERED_CELLS: usize = 1024;
/// Most UMTS NAS messages remembered for pairing a direct transfer with its NAS record.
pub const MAX_RECENT_UMTS_NAS: usize = 16;
/// Most diagnostics kept until [`EventDeriver::take_diagnostics`]; later ones are counted.
pub const MAX_DIAGNOSTICS: usize = 256;

/// Something in the messages that could not become events, said aloud (e.g. SIB segments a
/// cell's broadcast lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Packet of the message that showed it.
    pub packet: u64,
    /// What happened, in words.
    pub text: String,
}

/// SIB reassembly of the UMTS cell whose BCH is being read.
#[derive(Debug)]
struct UmtsBch {
    radio: Radio,
    reassembler: SibReassembler,
}

/// Radio context of a message: (EARFCN, PCI).
type Radio = (Option<u32>, Option<u16>);

/// What the deriver works out once for a decoded form that is read again and again, kept by
/// whoever keeps the decoded form (the decoder's cache entry, see
/// `stingwatch_decode::Decoder::decode_with`).
///
/// It holds the event kind of an LTE RRC message that carries no NAS, on the EARFCN it was
/// worked out for: such a message's events are a function of its decoded form and the EARFCN
/// (handovers name a target on it). A repeat then needs neither the decoded form nor a table
/// lookup of its own, only what sits beside the cache entry already found.
#[derive(Debug, Clone, Default)]
pub struct KindMemo {
    plain_rrc: Option<PlainRrcKind>,
}

/// The event kind of an LTE RRC message without NAS, on one EARFCN.
#[derive(Debug, Clone)]
struct PlainRrcKind {
    earfcn: Option<u32>,
    kind: Option<EventKind>,
    /// The kind is out in an event ([`EventDeriver::lend_remembered`]) and `kind` is empty; a
    /// memo whose kind never came back is worked out afresh, never read as "no event".
    lent: bool,
}

impl KindMemo {
    /// Whether this memo holds the kind of an LTE RRC message that decoded and carries no NAS.
    pub fn is_plain_rrc(&self) -> bool {
        self.plain_rrc.as_ref().is_some_and(|p| !p.lent)
    }

    /// Puts back the kind of the event [`EventDeriver::lend_remembered`] made from this memo.
    pub fn give_back(&mut self, event: Event) {
        if let Some(p) = self.plain_rrc.as_mut().filter(|p| p.lent) {
            p.kind = Some(event.kind);
            p.lent = false;
        }
    }
}

/// What [`EventDeriver::lend_remembered`] found in a memo.
#[derive(Debug)]
pub enum Lent {
    /// The memo does not answer for this message: derive it in full.
    No,
    /// The message makes no event.
    NoEvent,
    /// The message's one event, its kind moved out of the memo until
    /// [`KindMemo::give_back`].
    Event(Event),
}

/// Where a NAS-derived event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NasSource {
    /// `dedicatedInfoNAS` inside an RRC message.
    Rrc,
    /// A NAS record of its own.
    Record,
}

#[derive(Debug, Clone)]
struct RecentNas {
    packet: u64,
    time: Option<CaptureTime>,
    source: NasSource,
    kind: EventKind,
}

/// Derives events from decoded messages, remembering cells and recent NAS events.
///
/// The decoder hands out one shared decoded form for every repeat of an RRC PDU, and the kinds
/// of an RRC message's own events are a function of that form (and the EARFCN, for handovers),
/// so [`EventDeriver::derive_remembering`] works them out once and keeps them in a
/// [`KindMemo`] beside the form.
#[derive(Debug, Default)]
pub struct EventDeriver {
    identities: HashMap<Radio, CellIdentity, foldhash::fast::RandomState>,
    identity_order: VecDeque<Radio>,
    /// The last radio looked up in `identities` and what it held: nearly every message comes
    /// from the cell the one before came from, so this spares hashing its radio each time.
    last_identity: Option<(Radio, Option<CellIdentity>)>,
    serving: Option<Radio>,
    /// The NR cell of the last NR RRC message that named one: 5GS NAS records carry no radio
    /// context, and an LTE cell must not be blamed for what a 5G cell did.
    nr_serving: Option<Radio>,
    recent: VecDeque<RecentNas>,
    umts_nas: VecDeque<RecentUmtsNas>,
    umts_bch: Option<UmtsBch>,
    diagnostics: Vec<Diagnostic>,
    diagnostics_dropped: u64,
}

/// A UMTS NAS PDU seen lately, and where.
#[derive(Debug, Clone)]
struct RecentUmtsNas {
    packet: u64,
    time: Option<CaptureTime>,
    source: NasSource,
    pdu: Vec<u8>,
}

/// Events of one decoded message, without any memory of earlier messages (no SIB1 identity
/// on cells, no NAS de-duplication). Prefer [`EventDeriver`] for whole recordings.
pub fn from_decoded(msg: &DecodedMessage) -> Vec<Event> {
    EventDeriver::new().derive(msg)
}

impl EventDeriver {
    /// A deriver with no memory.
    pub fn new() -> Self {
        EventDeriver::default()
    }

    /// Events of one decoded message, in the order they happened.
    pub fn derive(&mut self, msg: &DecodedMessage) -> Vec<Event> {
        let mut out = Vec::new();
        self.derive_into(msg, &mut out);
        out
    }

    /// The radio of an LTE RRC message: its own when the container recorded one (it is then the
    /// serving cell), else the serving cell's.
    fn lte_radio(&mut self, radio: Radio) -> Radio {
        if radio == (None, None) {
            self.serving.unwrap_or((None, None))
        } else {
            self.serving = Some(radio);
            radio
        }
    }

    /// Remembers the identity a SIB1 gives its radio.
    fn remember_cell_of(&mut self, radio: Radio, kind: &EventKind) {
        if let EventKind::CellObserved {
            plmn, tac, cell_id, ..
        } = kind
        {
            self.remember(
                radio,
                CellIdentity {
                    plmn: *plmn,
                    tac: *tac,
                    cell_id: *cell_id,
                },
            );
        }
    }

    /// Appends the events of one decoded message to `out`, in the order they happened.
    pub fn derive_into(&mut self, msg: &DecodedMessage, out: &mut Vec<Event>) {
        self.derive_decoded(&msg.source, &msg.decoded, out);
    }

    /// [`EventDeriver::derive_into`] for a message whose decoded form is held apart from it
    /// (borrowed from the decoder's cache, so passing it on costs nothing).
    pub fn derive_decoded(
        &mut self,
        source: &RadioMessage,
        decoded: &Decoded,
        out: &mut Vec<Event>,
    ) {
        self.derive_with(source, decoded, None, out);
    }

    /// The event of a repeated message whose `memo` answers for it, as
    /// [`EventDeriver::derive_remembering`] would make it, but with the kind moved out of the
    /// memo instead of copied: the caller reads the event and hands it back with
    /// [`KindMemo::give_back`]. [`Lent::No`] when the memo does not answer (then derive in
    /// full).
    pub fn lend_remembered(&mut self, source: &RadioMessage, memo: &mut KindMemo) -> Lent {
        let Some(plain) = memo.plain_rrc.as_mut().filter(|p| !p.lent) else {
            return Lent::No;
        };
        // Only LTE RRC forms get a memo, so the radio is worked out as for LTE RRC.
        let radio = self.lte_radio((source.context.arfcn, source.context.pci));
        if plain.earfcn != radio.0 {
            return Lent::No;
        }
        let Some(kind) = plain.kind.take() else {
            return Lent::NoEvent;
        };
        plain.lent = true;
        self.remember_cell_of(radio, &kind);
        let time = plausible(source.time);
        Lent::Event(self.event(source.packet, time, radio, kind))
    }

    /// The event of an LTE paging read by the walker alone
    /// ([`stingwatch_lte_rrc::read_paging`]), appended to `out` exactly as
    /// [`EventDeriver::derive_decoded`] appends it for the decoded form. `false`, with nothing
    /// appended and nothing remembered, when `source` is not a PCCH PDU or the walker leaves
    /// it to the generated decoder: the caller then decodes it and derives from that.
    pub fn derive_lte_paging(&mut self, source: &RadioMessage, out: &mut Vec<Event>) -> bool {
        if source.kind
            != (PayloadKind::LteRrc {
                channel: LteRrcChannel::Pcch,
            })
        {
            return false;
        }
        let mut identities = InlineList::new();
        let Some(system_info_modification) =
            stingwatch_lte_rrc::read_paging(&source.payload, |r| {
                identities.push(paging_identity_type(&r.identity))
            })
        else {
            return false;
        };
        let radio = self.lte_radio((source.context.arfcn, source.context.pci));
        if let Some(kind) = paging_kind(identities, system_info_modification) {
            out.push(self.event(source.packet, plausible(source.time), radio, kind));
        }
        true
    }

    /// [`EventDeriver::derive_decoded`] for a decoded form that is read again: `memo` is kept
    /// with the form (it must never be shared between two forms), and what it holds spares
    /// working the events out again.
    pub fn derive_remembering(
        &mut self,
        source: &RadioMessage,
        decoded: &Decoded,
        memo: &mut KindMemo,
        out: &mut Vec<Event>,
    ) {
        // A memo that answers gives its event as when lent, kept here as a copy.
        match self.lend_remembered(source, memo) {
            Lent::Event(ev) => {
                out.push(ev.clone());
                memo.give_back(ev);
            }
            Lent::NoEvent => {}
            Lent::No => self.derive_with(source, decoded, Some(memo), out),
        }
    }

    /// Derives the events of `decoded` afresh, noting in `memo` what a repeat may reuse. A
    /// form read once has no memo: most PDUs of a recording (paging for other phones,
    /// measurement reports) are, and copying each one's kind into a memo about to be dropped
    /// was wasted work.
    fn derive_with(
        &mut self,
        source: &RadioMessage,
        decoded: &Decoded,
        memo: Option<&mut KindMemo>,
        out: &mut Vec<Event>,
    ) {
        let packet = source.packet;
        let time = plausible(source.time);
        let mut radio = (source.context.arfcn, source.context.pci);
        match decoded.protocol {
            Protocol::LteRrc => {
                radio = self.lte_radio(radio);
                let Some(rrc) = &decoded.rrc else {
                    return;
                };
                let uplink = rrc.channel.direction() == Direction::Uplink;
                let kind = rrc_kind(rrc, radio.0);
                if let Some(memo) = memo.filter(|_| decoded.nas.is_empty()) {
                    memo.plain_rrc = Some(PlainRrcKind {
                        earfcn: radio.0,
                        kind: kind.clone(),
                        lent: false,
                    });
                }
                if let Some(kind) = kind {
                    self.remember_cell_of(radio, &kind);
                    out.push(self.event(packet, time, radio, kind));
                }
                for nas in decoded.nas.iter() {
                    for kind in nas_kinds(nas, uplink).into_iter().flatten() {
                        if self.is_copy(packet, time, NasSource::Rrc, &kind) {
                            continue;
                        }
                        out.push(self.event(packet, time, radio, kind));
                    }
                }
            }
            Protocol::NasEps => {
                // NAS sits above the radio: whatever a container records beside a NAS record
                // (often nothing, or a placeholder carrier) says less than the cell of the
                // last RRC message, which is the cell the NAS message went through.
                if let Some(serving) = self.serving {
                    radio = serving;
                }
                let uplink = source.direction == Direction::Uplink;
                for nas in decoded.nas.iter() {
                    for kind in nas_kinds(nas, uplink).into_iter().flatten() {
                        if self.is_copy(packet, time, NasSource::Record, &kind) {
                            continue;
                        }
                        out.push(self.event(packet, time, radio, kind));
                    }
                }
            }
            Protocol::UmtsRrc => {
                let Some(umts) = &decoded.umts else {
                    return;
                };
                if let Some(ev) = crate::umts::umts_rrc_event(umts) {
                    out.push(self.event(packet, time, radio, EventKind::Umts(ev)));
                }
                if let stingwatch_umts_rrc::Content::SystemInformation { segments, .. } =
                    &umts.content
                {
                    self.umts_system_information(packet, time, radio, segments, out);
                }
                if let (Some(gsm), stingwatch_umts_rrc::Content::DirectTransfer { nas, .. }) =
                    (&decoded.gsm, &umts.content)
                {
                    if !self.is_umts_nas_copy(packet, time, NasSource::Rrc, nas) {
                        for ev in crate::gsm::gsm_events(gsm) {
                            out.push(self.event(
                                packet,
                                time,
                                radio,
                                EventKind::Umts(UmtsEvent::Nas(ev)),
                            ));
                        }
                    }
                }
            }
            Protocol::GsmL3 if source.rat == Rat::Umts => {
                let Some(gsm) = &decoded.gsm else {
                    return;
                };
                if self.is_umts_nas_copy(packet, time, NasSource::Record, &source.payload) {
                    return;
                }
                for ev in crate::gsm::gsm_events(gsm) {
                    out.push(self.event(packet, time, radio, EventKind::Umts(UmtsEvent::Nas(ev))));
                }
            }
            Protocol::GsmUm | Protocol::GsmL3 => {
                let Some(gsm) = &decoded.gsm else {
                    return;
                };
                let uplink = source.direction == Direction::Uplink;
                for ev in crate::gsm::gsm_events(gsm) {
                    let network = match &ev {
                        GsmEvent::IdentitySent {
                            identity: IdentityType::Imsi,
                            ..
                        } if uplink => gsm
                            .fields
                            .mobile_identity
                            .as_ref()
                            .and_then(|id| crate::ImsiNetwork::from_imsi(id.digits()))
                            .map(|subscription| EventKind::DeviceNetwork {
                                subscription: Some(subscription),
                                registered: None,
                            }),
                        _ => None,
                    };
                    out.push(self.event(packet, time, radio, EventKind::Gsm(ev)));
                    if let Some(kind) = network {
                        out.push(self.event(packet, time, radio, kind));
                    }
                }
            }
            Protocol::NrRrc => {
                let Some(nr) = &decoded.nr else {
                    return;
                };
                // NR radio context stays its own: LTE messages without a context inherit the
                // last LTE cell, never an NR one.
                if radio != (None, None) {
                    self.nr_serving = Some(radio);
                }
                if let Some(ev) = crate::nr::nr_event(nr) {
                    out.push(self.event(packet, time, radio, EventKind::Nr(ev)));
                }
                // The 5GS NAS an RRC message carries is the same message a 5GS NAS record
                // (0xB800-0xB80B) logs again: the rule of the EPS NAS applies (see the module
                // notes), with the channel's direction.
                let direction = nr.channel.direction();
                for m in decoded.nr_nas.iter() {
                    let at = (packet, time, radio);
                    self.derive_nas5g(m, direction, NasSource::Rrc, at, out);
                }
            }
            Protocol::Nas5gs => {
                let Some(m) = &decoded.nas5g else {
                    return;
                };
                if let Some(serving) = self.nr_serving {
                    radio = serving;
                }
                // DIAG logs a protected message twice (as sent, then deciphered): equal events
                // of two records close together are one message.
                let at = (packet, time, radio);
                self.derive_nas5g(m, source.direction, NasSource::Record, at, out);
            }
            Protocol::Other => {}
        }
    }

    /// Events of one measurement record: one [`EventKind::Measured`] per cell, or one
    /// [`EventKind::TimingAdvance`] on the serving cell (the cell of the last LTE RRC message,
    /// the one the device is connecting to). `packet` is the packet number the events carry:
    /// that of the last message before the record.
    pub fn derive_measurement(&mut self, m: &Measurement, packet: u64, out: &mut Vec<Event>) {
        let time = plausible(m.time);
        let measured = |serving: bool, s: &stingwatch_model::CellSignal| EventKind::Measured {
            serving,
            rsrp: s.rsrp,
            rsrq: s.rsrq,
            rssi: s.rssi,
        };
        match &m.kind {
            MeasurementKind::Serving(s) => {
                let radio = (Some(s.earfcn), Some(s.pci));
                out.push(self.event(packet, time, radio, measured(true, s)));
            }
            MeasurementKind::Neighbours { cells } => {
                for s in cells {
                    let radio = (Some(s.earfcn), Some(s.pci));
                    out.push(self.event(packet, time, radio, measured(false, s)));
                }
            }
            MeasurementKind::TimingAdvance { value } => {
                let radio = self.serving.unwrap_or((None, None));
                out.push(self.event(
                    packet,
                    time,
                    radio,
                    EventKind::TimingAdvance { value: *value },
                ));
            }
        }
    }

    /// Diagnostics gathered since the last call, oldest first, and how many more were not
    /// kept (over [`MAX_DIAGNOSTICS`]).
    pub fn take_diagnostics(&mut self) -> (Vec<Diagnostic>, u64) {
        let dropped = std::mem::take(&mut self.diagnostics_dropped);
        (std::mem::take(&mut self.diagnostics), dropped)
    }

    /// Ends the recording: SIBs still in progress are reported incomplete (see
    /// [`EventDeriver::take_diagnostics`]).
    pub fn finish(&mut self, packet: u64) {
        if let Some(mut bch) = self.umts_bch.take() {
            let mut errors = Vec::new();
            bch.reassembler.abandon(&mut errors);
            for e in errors {
                self.diagnose(packet, format!("UMTS system information: {e}"));
            }
        }
    }

    fn diagnose(&mut self, packet: u64, text: String) {
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(Diagnostic { packet, text });
        } else {
            self.diagnostics_dropped += 1;
        }
    }

    /// Joins the SIB segments of one BCCH-BCH message with those before it on the same
    /// radio, and derives the cell events of the SIBs that complete.
    fn umts_system_information(
        &mut self,
        packet: u64,
        time: Option<CaptureTime>,
        radio: Radio,
        segments: &[SibSegment],
        out: &mut Vec<Event>,
    ) {
        let mut errors = Vec::new();
        let mut sibs: Vec<ReassembledSib> = Vec::new();
        if self.umts_bch.as_ref().is_some_and(|b| b.radio != radio) {
            // Another cell: what the last one left unfinished never completes.
            if let Some(mut old) = self.umts_bch.take() {
                old.reassembler.abandon(&mut errors);
            }
        }
        let bch = self.umts_bch.get_or_insert_with(|| UmtsBch {
            radio,
            reassembler: SibReassembler::new(),
        });
        for s in segments {
            bch.reassembler.push(s, &mut sibs, &mut errors);
        }
        for e in errors {
            self.diagnose(packet, format!("UMTS system information: {e}"));
        }
        for sib in sibs {
            match stingwatch_umts_rrc::sib::decode_sib(sib.sib_type, &sib.data) {
                Ok(content) => {
                    if let Some(ev) = crate::umts::cell_event(&content) {
                        out.push(self.event(packet, time, radio, EventKind::Umts(ev)));
                    }
                }
                Err(e) => self.diagnose(
                    packet,
                    format!(
                        "UMTS {} of {} segments not readable: {e}",
                        stingwatch_umts_rrc::sib::sib_type_name(sib.sib_type),
                        sib.segments
                    ),
                ),
            }
        }
    }

    fn event(
        &mut self,
        packet: u64,
        time: Option<CaptureTime>,
        radio: Radio,
        kind: EventKind,
    ) -> Event {
        let identity = match self.last_identity {
            Some((r, id)) if r == radio => id,
            _ => {
                let id = self.identities.get(&radio).copied();
                self.last_identity = Some((radio, id));
                id
            }
        };
        let cell = CellRef {
            earfcn: radio.0,
            pci: radio.1,
            identity,
        };
        Event {
            packet,
            time,
            cell: if cell.is_unknown() { None } else { Some(cell) },
            kind,
        }
    }

    fn remember(&mut self, radio: Radio, id: CellIdentity) {
        if self.last_identity == Some((radio, Some(id))) {
            return;
        }
        // Whatever the eviction below drops, the next lookup asks the table again.
        self.last_identity = None;
        if self.identities.insert(radio, id).is_none() {
            self.identity_order.push_back(radio);
            if self.identity_order.len() > MAX_REMEMBERED_CELLS {
                if let Some(old) = self.identity_order.pop_front() {
                    self.identities.remove(&old);
                }
            }
        }
    }

    /// True when the UMTS NAS PDU `pdu` is the other source's copy of a PDU seen lately (see
    /// the module notes); the PDU is remembered when it is not a copy, and the copy it pairs
    /// with is forgotten when it is.
    fn is_umts_nas_copy(
        &mut self,
        packet: u64,
        time: Option<CaptureTime>,
        source: NasSource,
        pdu: &[u8],
    ) -> bool {
        self.umts_nas
            .retain(|r| packet.saturating_sub(r.packet) <= DEDUP_PACKETS);
        let paired = self.umts_nas.iter().position(|r| {
            let close_in_time = match (r.time, time) {
                (Some(a), Some(b)) => b.0.saturating_sub(a.0).abs() <= DEDUP_MICROS,
                _ => true,
            };
            r.source != source && close_in_time && r.pdu == pdu
        });
        if let Some(i) = paired {
            self.umts_nas.remove(i);
            return true;
        }
        self.umts_nas.push_back(RecentUmtsNas {
            packet,
            time,
            source,
            pdu: pdu.to_vec(),
        });
        while self.umts_nas.len() > MAX_RECENT_UMTS_NAS {
            self.umts_nas.pop_front();
        }
        false
    }

    /// The event of one 5GS NAS message at `at` (packet, time, cell), carried by an NR RRC
    /// message or logged as a record of its own, unless it repeats the other copy. A record of
    /// a plain message inside a NAS container, like a container channel, says no direction:
    /// the message type does.
    fn derive_nas5g(
        &mut self,
        m: &stingwatch_nas5g::Nas5gMessage,
        carrier: Direction,
        source: NasSource,
        (packet, time, radio): (u64, Option<CaptureTime>, Radio),
        out: &mut Vec<Event>,
    ) {
        let direction = match carrier {
            Direction::Unknown => m.direction,
            d => d,
        };
        if let Some(ev) = crate::nas5g::nas5g_events(m, direction) {
            let kind = EventKind::Nas5g(ev);
            if !self.is_copy(packet, time, source, &kind) {
                out.push(self.event(packet, time, radio, kind));
            }
        }
    }

    /// True when `kind` repeats a NAS event of another message (see the module notes); the
    /// event is remembered either way.
    fn is_copy(
        &mut self,
        packet: u64,
        time: Option<CaptureTime>,
        source: NasSource,
        kind: &EventKind,
    ) -> bool {
        while let Some(front) = self.recent.front() {
            if packet.saturating_sub(front.packet) > DEDUP_PACKETS {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        let copy = self.recent.iter().any(|r| {
            let close_in_time = match (r.time, time) {
                (Some(a), Some(b)) => b.0.saturating_sub(a.0).abs() <= DEDUP_MICROS,
                _ => true,
            };
            r.packet != packet
                && (r.source == NasSource::Record || source == NasSource::Record)
                && close_in_time
                && r.kind == *kind
        });
        if !copy {
            self.recent.push_back(RecentNas {
                packet,
                time,
                source,
                kind: kind.clone(),
            });
            // Bounded even when many events share one packet.
            while self.recent.len() > 64 {
                self.recent.pop_front();
            }
        }
        copy
    }
}

fn plmn_of(p: &stingwatch_lte_rrc::Plmn) -> Option<Plmn> {
    Plmn::from_decimal(&p.mcc, &p.mnc)
}

fn establishment_cause(s: &str) -> EstablishmentCause {
    match s {
        "emergency" => EstablishmentCause::Emergency,
        "highPriorityAccess" => EstablishmentCause::HighPriorityAccess,
        "mt-Access" => EstablishmentCause::MtAccess,
        "mo-Signalling" => EstablishmentCause::MoSignalling,
        "mo-Data" => EstablishmentCause::MoData,
        "delayTolerantAccess-v1020" => EstablishmentCause::DelayTolerantAccess,
        "mo-VoiceCall-v1280" => EstablishmentCause::MoVoiceCall,
        _ => EstablishmentCause::Other,
    }
}

fn release_cause(s: &str) -> ReleaseCause {
    match s {
        "loadBalancingTAUrequired" => ReleaseCause::LoadBalancingTauRequired,
        "other" => ReleaseCause::Other,
        "cs-FallbackHighPriority-v1020" => ReleaseCause::CsFallbackHighPriority,
        "rrc-Suspend-v1320" => ReleaseCause::RrcSuspend,
        _ => ReleaseCause::Spare,
    }
}

fn redirect(t: &RedirectTarget) -> Redirect {
    let (rat, arfcn) = match t {
        RedirectTarget::Eutra { earfcn } => (AccessTechnology::Eutra, Some(*earfcn)),
        RedirectTarget::Geran { starting_arfcn, .. } => {
            (AccessTechnology::Geran, Some(u32::from(*starting_arfcn)))
        }
        RedirectTarget::UtraFdd { uarfcn } | RedirectTarget::UtraTdd { uarfcn } => {
            (AccessTechnology::Utra, Some(u32::from(*uarfcn)))
        }
        RedirectTarget::UtraTddList { uarfcns } => (
            AccessTechnology::Utra,
            uarfcns.first().map(|u| u32::from(*u)),
        ),
        RedirectTarget::Cdma2000 { arfcn, .. } => {
            (AccessTechnology::Cdma2000, Some(u32::from(*arfcn)))
        }
        RedirectTarget::Nr { arfcn } => (AccessTechnology::Nr, Some(*arfcn)),
    };
    Redirect { rat, arfcn }
}

/// Every carrier priority a summary carries (system information or dedicated priorities).
fn priorities(s: &RrcSummary) -> Vec<FreqPriority> {
    let mut out = Vec::new();
    let mut push = |rat, arfcn: u32, p: Option<u8>| {
        if let Some(priority) = p {
            out.push(FreqPriority {
                rat,
                arfcn: Some(arfcn),
                priority,
            });
        }
    };
    for c in &s.eutra_carriers {
        push(AccessTechnology::Eutra, c.earfcn, c.priority);
    }
    for c in s.utra_fdd_carriers.iter().chain(&s.utra_tdd_carriers) {
        push(AccessTechnology::Utra, u32::from(c.uarfcn), c.priority);
    }
    for c in &s.geran_carriers {
        push(
            AccessTechnology::Geran,
            u32::from(c.starting_arfcn),
            c.priority,
        );
    }
    for c in &s.nr_carriers {
        push(AccessTechnology::Nr, c.arfcn, c.priority);
    }
    if let Some(idle) = &s.idle_mode_priorities {
        for c in &idle.eutra {
            push(AccessTechnology::Eutra, c.earfcn, c.priority);
        }
        for c in idle.utra_fdd.iter().chain(&idle.utra_tdd) {
            push(AccessTechnology::Utra, u32::from(c.uarfcn), c.priority);
        }
        for c in &idle.geran {
            push(
                AccessTechnology::Geran,
                u32::from(c.starting_arfcn),
                c.priority,
            );
        }
        for c in &idle.nr {
            push(AccessTechnology::Nr, c.arfcn, c.priority);
        }
    }
    out
}

/// A capture time, unless it is earlier than any real recording (a clock not yet set).
fn plausible(time: Option<CaptureTime>) -> Option<CaptureTime> {
    time.filter(|t| t.0 >= EARLIEST_PLAUSIBLE_TIME.0)
}

/// The event of a page naming `identities`; a page that names nobody makes none.
fn paging_kind(
    identities: InlineList<IdentityType, 16>,
    system_info_modification: bool,
) -> Option<EventKind> {
    (!identities.is_empty()).then_some(EventKind::Paging {
        identities,
        system_info_modification,
    })
}

/// The identity type a paging record names.
fn paging_identity_type(identity: &PagingIdentity) -> IdentityType {
    match identity {
        PagingIdentity::STmsi(_) => IdentityType::STmsi,
        PagingIdentity::Imsi(_) => IdentityType::Imsi,
        // Both are temporary identities of 5G or suspended connections.
        PagingIdentity::Ng5gSTmsi(_) | PagingIdentity::FullIRnti(_) => IdentityType::Tmsi,
    }
}

/// The event of an RRC message itself (not of the NAS it carries), if it makes one.
fn rrc_kind(rrc: &RrcMessage, earfcn: Option<u32>) -> Option<EventKind> {
    let s = &rrc.summary;
    let kind = match rrc.name {
        "SystemInformationBlockType1" => {
            let plmns: Vec<Plmn> = s.plmns.iter().filter_map(plmn_of).collect();
            let (Some(plmn), Some(tac), Some(cell_id)) =
                (plmns.first().copied(), s.tac, s.cell_identity)
            else {
                return None;
            };
            EventKind::CellObserved {
                plmn,
                additional_plmns: plmns.get(1..).unwrap_or(&[]).into(),
                tac: u32::from(tac),
                cell_id,
                scheduled_sibs: s.scheduled_sibs.as_slice().into(),
                barred: s.cell_barred.unwrap_or(false),
                value_tag: None,
            }
        }
        "SystemInformation" if !s.sibs.is_empty() => EventKind::SystemInfo {
            sibs: s.sibs.as_slice().into(),
            serving_priority: s.serving_priority,
            neighbour_priorities: priorities(s).into(),
        },
        "Paging" => {
            return paging_kind(
                s.paging_records
                    .iter()
                    .map(|r| paging_identity_type(&r.identity))
                    .collect(),
                s.system_info_modification.unwrap_or(false),
            )
        }
        "RRCConnectionRequest" => EventKind::ConnectionRequested {
            cause: s
                .establishment_cause
                .map_or(EstablishmentCause::Other, establishment_cause),
        },
        "RRCConnectionSetup" => EventKind::ConnectionSetup,
        "RRCConnectionSetupComplete" => EventKind::ConnectionSetupComplete,
        "RRCConnectionReject" => EventKind::ConnectionRejected {
            wait_time: s.wait_time_s,
        },
        "RRCConnectionRelease" => EventKind::ConnectionReleased {
            cause: s.release_cause.map(release_cause),
            redirect: s.redirect.as_ref().map(redirect),
            idle_priorities: if s.idle_mode_priorities.is_some() {
                priorities(s).into()
            } else {
                Arc::new([])
            },
        },
        "SecurityModeCommand" => EventKind::SecurityModeCommand {
            layer: Layer::Rrc,
            cipher: s.ciphering_algorithm,
            integrity: s.integrity_algorithm,
        },
        "SecurityModeComplete" => EventKind::SecurityModeComplete { layer: Layer::Rrc },
        "SecurityModeFailure" => EventKind::SecurityModeReject { layer: Layer::Rrc },
        "RRCConnectionReconfiguration" => match s.handover {
            Some(h) => EventKind::Handover {
                rat: AccessTechnology::Eutra,
                arfcn: h.earfcn.or(earfcn),
                pci: Some(h.pci),
            },
            None => return None,
        },
        _ => return None,
    };
    Some(kind)
}

fn identity_of(kind: IdentityKind) -> IdentityType {
    match kind {
        IdentityKind::Imsi => IdentityType::Imsi,
        IdentityKind::Imei => IdentityType::Imei,
        IdentityKind::Imeisv => IdentityType::Imeisv,
        IdentityKind::Tmsi => IdentityType::Tmsi,
        IdentityKind::Guti => IdentityType::Guti,
        IdentityKind::NoIdentity => IdentityType::Unknown(0),
        IdentityKind::Tmgi => IdentityType::Unknown(5),
        IdentityKind::Other(v) => IdentityType::Unknown(v),
    }
}

fn requested_identity(t: stingwatch_nas::IdentityType) -> IdentityType {
    match t {
        stingwatch_nas::IdentityType::Imsi => IdentityType::Imsi,
        stingwatch_nas::IdentityType::Imei => IdentityType::Imei,
        stingwatch_nas::IdentityType::Imeisv => IdentityType::Imeisv,
        stingwatch_nas::IdentityType::Tmsi => IdentityType::Tmsi,
        stingwatch_nas::IdentityType::Reserved(v) => IdentityType::Unknown(v),
    }
}

/// The events of one NAS message: what it is, then the networks it names (an identity the
/// device sent, or the networks an accept gives it), in a fixed-size array so the common
/// message with one event allocates nothing.
fn nas_kinds(m: &NasMessage, uplink: bool) -> [Option<EventKind>; 2] {
    let kind = nas_kind(m, uplink);
    let networks = match kind {
        Some(
            EventKind::AttachRequest { .. }
            | EventKind::TauRequest { .. }
            | EventKind::IdentitySent { .. }
            | EventKind::DetachRequest {
                from_network: false,
                ..
            },
        ) if uplink => device_network(m.plain()),
        Some(EventKind::AttachAccept | EventKind::TauAccept) if !uplink => {
            equivalent_networks(m.plain())
        }
        _ => None,
    };
    [kind, networks]
}

fn plmn_of_nas(p: &stingwatch_nas::Plmn) -> Option<Plmn> {
    Plmn::from_decimal(&p.mcc(), &p.mnc())
}

/// The networks an identity sent by the device names (only the networks are kept).
fn device_network(m: &NasMessage) -> Option<EventKind> {
    let id = m.fields.mobile_identity.as_ref()?;
    let (subscription, registered) = match id.kind {
        IdentityKind::Imsi => (crate::ImsiNetwork::from_imsi(id.digits()), None),
        IdentityKind::Guti => (None, id.guti.as_ref().and_then(|g| plmn_of_nas(&g.plmn))),
        _ => (None, None),
    };
    if subscription.is_none() && registered.is_none() {
        return None;
    }
    Some(EventKind::DeviceNetwork {
        subscription,
        registered,
    })
}

/// Most networks one accept is taken to name (GUTI, 15 equivalent PLMNs, 16 TAI list parts).
const MAX_ACCEPTED_NETWORKS: usize = 32;

/// The networks an accept gives the device: its new GUTI's, the equivalent PLMNs and the
/// tracking area list's, each once.
fn equivalent_networks(m: &NasMessage) -> Option<EventKind> {
    let f = &m.fields;
    let guti = f
        .mobile_identity
        .as_ref()
        .and_then(|id| id.guti.as_ref())
        .map(|g| &g.plmn);
    let mut plmns: Vec<Plmn> = Vec::new();
    let all = guti
        .into_iter()
        .chain(f.equivalent_plmns.iter())
        .chain(f.tai_list.iter().map(|t| &t.plmn));
    for p in all.filter_map(plmn_of_nas) {
        if plmns.len() >= MAX_ACCEPTED_NETWORKS {
            break;
        }
        if !plmns.contains(&p) {
            plmns.push(p);
        }
    }
    if plmns.is_empty() {
        return None;
    }
    Some(EventKind::EquivalentNetworks {
        plmns: plmns.into(),
    })
}

/// The event of one NAS message, if it has one (EMM only; ESM carries nothing detection
/// reads).
fn nas_kind(m: &NasMessage, uplink: bool) -> Option<EventKind> {
    if m.ciphered {
        return Some(EventKind::ProtectedNas { uplink });
    }
    let p = m.plain();
    if p.name == stingwatch_nas::tables::SERVICE_REQUEST_NAME {
        return Some(EventKind::ServiceRequest);
    }
    if p.protocol != stingwatch_nas::ProtocolDiscriminator::Emm {
        return None;
    }
    let f = &p.fields;
    let cause = f.emm_cause.map(|c| c.value);
    let identity = f
        .mobile_identity
        .as_ref()
        .map_or(IdentityType::Unknown(0), |i| identity_of(i.kind));
    let t = p.message_type?;
    let kind = match t {
        emm::ATTACH_REQUEST => EventKind::AttachRequest { identity },
        emm::ATTACH_ACCEPT => EventKind::AttachAccept,
        emm::ATTACH_COMPLETE => EventKind::AttachComplete,
        emm::ATTACH_REJECT => EventKind::AttachReject {
            cause: cause.unwrap_or(0),
        },
        emm::DETACH_REQUEST => EventKind::DetachRequest {
            from_network: !uplink && f.switch_off.is_none(),
            cause,
        },
        emm::TRACKING_AREA_UPDATE_REQUEST => EventKind::TauRequest {
            identity,
            periodic: f.update_type.is_some_and(|u| u.value & 0x07 == 3),
        },
        emm::TRACKING_AREA_UPDATE_ACCEPT => EventKind::TauAccept,
        emm::TRACKING_AREA_UPDATE_REJECT => EventKind::TauReject {
            cause: cause.unwrap_or(0),
        },
        emm::EXTENDED_SERVICE_REQUEST | emm::CONTROL_PLANE_SERVICE_REQUEST => {
            EventKind::ServiceRequest
        }
        emm::SERVICE_REJECT => EventKind::ServiceReject {
            cause: cause.unwrap_or(0),
        },
        emm::AUTHENTICATION_REQUEST => EventKind::AuthRequested,
        emm::AUTHENTICATION_RESPONSE => EventKind::AuthAnswered,
        emm::AUTHENTICATION_REJECT => EventKind::AuthRejected,
        emm::AUTHENTICATION_FAILURE => EventKind::AuthFailure { cause },
        emm::IDENTITY_REQUEST => EventKind::IdentityRequested {
            layer: Layer::Nas,
            identity: f
                .identity_type
                .map_or(IdentityType::Unknown(0), requested_identity),
        },
        emm::IDENTITY_RESPONSE => EventKind::IdentitySent { identity },
        emm::SECURITY_MODE_COMMAND => EventKind::SecurityModeCommand {
            layer: Layer::Nas,
            cipher: f.selected_algorithms.map(|a| a.eea),
            integrity: f.selected_algorithms.map(|a| a.eia),
        },
        emm::SECURITY_MODE_COMPLETE => EventKind::SecurityModeComplete { layer: Layer::Nas },
        emm::SECURITY_MODE_REJECT => EventKind::SecurityModeReject { layer: Layer::Nas },
        _ => return None,
    };
    Some(kind)
}
