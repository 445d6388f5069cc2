//! [`QmdlReader`]: a DIAG stream as a sequence of [`ReadItem`]s.

use crate::hdlc::{DeframeItem, Deframer, Frame, FrameDamage};
use crate::log::{
    is_lte_nas_log_code, is_nr_nas_log_code, lte_nas_direction, nr_nas_direction, DiagLogPacket,
    GsmRrSignaling, LteNasOta, LteRrcOta, NrNasOta, RecordError, UmtsNasOta, WcdmaRrcOta,
    DIAG_LOG_F, DIAG_MULTI_RADIO_CMD_F, LOG_GSM_DSDS_RR_SIGNALING, LOG_GSM_RR_SIGNALING,
    LOG_LTE_RRC_OTA, LOG_UMTS_NAS_OTA, LOG_WCDMA_RRC_OTA, MULTI_RADIO_HEADER_LEN,
};
use crate::meas::{
    is_measurement_log_code, LteMacRachAttempt, LteMl1NeighbourMeas, LteMl1ServingMeas,
    LteMl1ServingMeasResponse, LOG_LTE_ML1_NEIGHBOUR_MEAS, LOG_LTE_ML1_SERVING_CELL_MEAS,
    LOG_LTE_ML1_SERVING_CELL_MEAS_RESPONSE,
};
use crate::nr::{NrRrcOta, LOG_NR_RRC_OTA};
use std::collections::BTreeMap;
use std::io::Read;
use stingwatch_model::{
    Damage, Direction, Measurement, MeasurementKind, PayloadKind, RadioContext, RadioMessage, Rat,
    ReadItem, ReadItemRef, ReadSummary,
};

/// Reads a DIAG stream (`.qmdl`, `.mi2log`) and yields LTE RRC and NAS messages, GSM and
/// UMTS messages, LTE measurements (signal levels and timing advance, [`crate::meas`]) and
/// damaged regions, in input order, in constant memory.
///
/// Every frame is accounted for: a message, a [`Damage`] (bad frame, or an LTE RRC/NAS record
/// that cannot be read), or a count in [`ReadSummary::skipped`] (`diag log 0xB126`,
/// `diag cmd 0x7d`, ...). Reading resumes after each damaged region.
pub struct QmdlReader<R: Read> {
    deframer: Deframer<R>,
    state: State,
    /// A damaged region that the next bad frame may extend: garbage has a flag byte every
    /// 256 bytes on average, and one diagnostic per run of bad frames is what a person reads.
    pending: Option<Damage>,
    /// Bad frames merged into `pending`.
    pending_frames: u64,
    /// An item held back while `pending` is handed out first.
    ready: Option<Step>,
}

/// What one step of reading gave: a message (left in [`State::message`], so that it is
/// written once, where its reader lends it from) or another item. The rare items are boxed so
/// that a step fits in two registers on its way up.
enum Step {
    Message,
    Damage(Box<Damage>),
    Measurement(Box<Measurement>),
}

/// Kinds of skipped frame whose keys [`State`] keeps written; others are written each time.
const MAX_SKIP_KEYS: usize = 64;

/// What an intact frame the decoders do not read was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skipped {
    /// A DIAG command other than a log packet.
    Command(u8),
    /// A log packet of a code no decoder reads.
    Log(u16),
    /// A measurement log packet that held no measurement.
    LogWithoutMeasurement(u16),
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skipped::Command(cmd) => write!(f, "diag cmd 0x{cmd:02x}"),
            Skipped::Log(code) => write!(f, "diag log 0x{code:04X}"),
            Skipped::LogWithoutMeasurement(code) => {
                write!(f, "diag log 0x{code:04X} without a measurement")
            }
        }
    }
}

/// Everything but the deframer, so a borrowed frame can be handled while counters change.
struct State {
    summary: ReadSummary,
    /// Count per log code, indexed by the code: looked up for every frame, so a flat table
    /// rather than a search (allocated zeroed on first use; only the pages of codes that occur
    /// are ever touched).
    log_codes: Vec<u64>,
    /// The [`ReadSummary::skipped`] key of each kind of skipped frame met, written once: a
    /// recording skips the same few kinds thousands of times, and formatting the key each
    /// time was a fifth of reading such a frame.
    skip_keys: Vec<(Skipped, String)>,
    /// Scratch for the key of a kind past those `skip_keys` keeps.
    spill_key: String,
    /// Whether the last radio record was GSM RR: the NAS record (0x713A) serves GSM and UMTS
    /// alike and says not which.
    on_gsm: bool,
    /// A payload buffer handed back by the reader's user ([`QmdlReader::recycle`]), filled by
    /// the next message instead of a new allocation.
    spare: Vec<u8>,
    /// The last message read, lent by [`QmdlReader::next_ref`]. Messages are written here
    /// rather than returned up through the reader's layers: each move of a just-built message
    /// stalled on reloading what had been stored a moment before (docs/performance.md).
    message: Option<RadioMessage>,
}

/// Largest payload buffer kept for reuse: a frame's whole payload at most, so one huge
/// message cannot keep memory once it is gone.
const MAX_SPARE: usize = crate::hdlc::MAX_FRAME;

/// `bytes` in `spare`'s allocation (taken, so the next message allocates unless a buffer is
/// handed back again).
#[inline(always)]
fn reuse(spare: &mut Vec<u8>, bytes: &[u8]) -> Vec<u8> {
    let mut payload = std::mem::take(spare);
    payload.clear();
    payload.extend_from_slice(bytes);
    payload
}

impl<R: Read> QmdlReader<R> {
    /// A reader over `reader` (wrap files in a `BufReader` or not: reads are 64 KiB chunks).
    pub fn new(reader: R) -> Self {
        QmdlReader {
            deframer: Deframer::new(reader, DiagLogPacket::plausible),
            state: State {
                summary: ReadSummary::default(),
                log_codes: Vec::new(),
                skip_keys: Vec::new(),
                spill_key: String::new(),
                on_gsm: false,
                spare: Vec::new(),
                message: None,
            },
            pending: None,
            pending_frames: 0,
            ready: None,
        }
    }

    /// The pending damaged region, its reason saying how many bad frames it spans. Asked
    /// after every message, and there is seldom one, so the asking is inlined.
    #[inline(always)]
    fn take_pending(&mut self) -> Option<Damage> {
        self.pending.as_ref()?;
        self.hand_out_pending()
    }

    /// [`QmdlReader::take_pending`] when a damaged region is pending.
    #[cold]
    fn hand_out_pending(&mut self) -> Option<Damage> {
        let mut d = self.pending.take()?;
        if self.pending_frames > 1 {
            d.reason = format!(
                "{} damaged frames in a row; first: {}",
                self.pending_frames, d.reason
            );
        }
        self.pending_frames = 0;
        // Counted as handed out, so the summary counts merged regions, as the caller sees them.
        self.state.summary.damaged_regions += 1;
        Some(d)
    }

    /// The next item before contiguous damaged regions are merged.
    fn next_unmerged(&mut self) -> Option<Step> {
        loop {
            let item = match self.deframer.next_item() {
                None => {
                    self.state.summary.bytes = self.deframer.bytes_read();
                    return None;
                }
                Some(DeframeItem::Frame(frame)) => {
                    self.state.summary.frames += 1;
                    self.state.handle_frame(&frame)
                }
                Some(DeframeItem::Damage(damage)) => {
                    self.state.summary.frames += 1;
                    Some(Step::Damage(Box::new(self.state.frame_damage(damage))))
                }
            };
            self.state.summary.bytes = self.deframer.bytes_read();
            if item.is_some() {
                return item;
            }
        }
    }

    /// Hands a message's payload buffer back once its reader is done with it: the next
    /// message is copied into it instead of a new allocation (one per message otherwise).
    pub fn recycle(&mut self, payload: Vec<u8>) {
        if payload.capacity() <= MAX_SPARE {
            self.state.spare = payload;
        }
    }

    /// Counters so far (final once the iterator has returned `None`).
    pub fn summary(&self) -> &ReadSummary {
        &self.state.summary
    }

    /// How many DIAG log packets of each log code were seen, decoded ones included.
    pub fn log_codes(&self) -> BTreeMap<u16, u64> {
        (0..=u16::MAX)
            .zip(self.state.log_codes.iter())
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| (code, *n))
            .collect()
    }

    /// The next item with contiguous damaged regions merged.
    fn step(&mut self) -> Option<Step> {
        if let Some(step) = self.ready.take() {
            return Some(step);
        }
        loop {
            match self.next_unmerged() {
                None => return self.take_pending().map(|d| Step::Damage(Box::new(d))),
                Some(Step::Damage(d)) => {
                    if let Some(p) = &mut self.pending {
                        // Adjacent bad frames are separated by their one flag byte.
                        let end = p.offset.saturating_add(p.length);
                        if p.length > 0 && d.offset >= end && d.offset - end <= 1 {
                            p.length = d.offset.saturating_add(d.length) - p.offset;
                            self.pending_frames += 1;
                            continue;
                        }
                    }
                    let previous = self.take_pending();
                    self.pending = Some(*d);
                    self.pending_frames = 1;
                    if let Some(previous) = previous {
                        return Some(Step::Damage(Box::new(previous)));
                    }
                }
                Some(step) => {
                    if let Some(p) = self.take_pending() {
                        // A message held back stays where it was written: nothing reads
                        // into it before `ready` is handed out.
                        self.ready = Some(step);
                        return Some(Step::Damage(Box::new(p)));
                    }
                    return Some(step);
                }
            }
        }
    }

    /// The next item, its message lent from the reader instead of moved out: the fast way to
    /// read a recording when each message is only looked at (the reader reuses the message's
    /// buffers for the next one). The items are those the iterator yields.
    pub fn next_ref(&mut self) -> Option<ReadItemRef<'_>> {
        Some(match self.step()? {
            Step::Message => ReadItemRef::Message(self.state.message.as_ref()?),
            Step::Damage(d) => ReadItemRef::Damage(d),
            Step::Measurement(m) => ReadItemRef::Measurement(m),
        })
    }
}

impl<R: Read> Iterator for QmdlReader<R> {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        Some(match self.step()? {
            Step::Message => ReadItem::Message(self.state.message.take()?),
            Step::Damage(d) => ReadItem::Damage(*d),
            Step::Measurement(m) => ReadItem::Measurement(*m),
        })
    }
}

impl State {
    fn skip(&mut self, what: Skipped) {
        if let Some((_, key)) = self.skip_keys.iter().find(|(k, _)| *k == what) {
            return self.summary.skip(key.as_str());
        }
        if self.skip_keys.len() < MAX_SKIP_KEYS {
            let key = what.to_string();
            self.summary.skip(key.as_str());
            return self.skip_keys.push((what, key));
        }
        // Past the kinds kept written: formatted into scratch, so only a key the summary does
        // not hold yet allocates.
        use std::fmt::Write;
        self.spill_key.clear();
        let _ = write!(self.spill_key, "{what}");
        self.summary.skip(self.spill_key.as_str());
    }

    fn frame_damage(&mut self, d: FrameDamage) -> Damage {
        self.damage(d.offset, d.length, d.error.to_string())
    }

    fn damage(&mut self, offset: u64, length: u64, reason: String) -> Damage {
        Damage {
            offset,
            length,
            reason,
        }
    }

    /// The buffer the next message's payload is copied into: the last message's, or one
    /// handed back, so that reading allocates no buffer per message.
    fn payload_buffer(&mut self) -> Vec<u8> {
        match &mut self.message {
            Some(m) => std::mem::take(&mut m.payload),
            None => std::mem::take(&mut self.spare),
        }
    }

    /// Puts back a buffer from [`State::payload_buffer`] that no message took.
    fn give_back(&mut self, buffer: Vec<u8>) {
        match &mut self.message {
            Some(m) => m.payload = buffer,
            None => self.spare = buffer,
        }
    }

    /// A message (written into `self.message`), a damage or a measurement, or `None` when the
    /// frame was counted as skipped.
    fn handle_frame(&mut self, frame: &Frame<'_>) -> Option<Step> {
        let mut payload = frame.payload;
        let mut cmd = payload.first().copied().unwrap_or(0);
        if cmd == DIAG_MULTI_RADIO_CMD_F {
            // The wrapper says which subscription (SIM) the wrapped command belongs to.
            match payload.get(MULTI_RADIO_HEADER_LEN..) {
                Some(inner) if !inner.is_empty() => {
                    payload = inner;
                    cmd = inner.first().copied().unwrap_or(0);
                }
                _ => {
                    self.skip(Skipped::Command(cmd));
                    return None;
                }
            }
        }
        if cmd != DIAG_LOG_F {
            self.skip(Skipped::Command(cmd));
            return None;
        }
        let log = match DiagLogPacket::new_checked(payload) {
            Ok(log) => log,
            Err(e) => {
                return Some(Step::Damage(Box::new(self.damage(
                    frame.offset,
                    frame.raw_len,
                    format!("DIAG log packet: {e}"),
                ))))
            }
        };
        let code = log.log_code();
        if self.log_codes.is_empty() {
            self.log_codes = vec![0; usize::from(u16::MAX) + 1];
        }
        if let Some(n) = self.log_codes.get_mut(usize::from(code)) {
            *n += 1;
        }
        let mut buffer = self.payload_buffer();
        let parsed = if code == LOG_LTE_RRC_OTA {
            self.on_gsm = false;
            rrc_message(&log, &mut buffer)
        } else if code == LOG_NR_RRC_OTA {
            nr_rrc_message(&log, &mut buffer)
        } else if is_lte_nas_log_code(code) {
            nas_message(&log, &mut buffer)
        } else if is_nr_nas_log_code(code) {
            nr_nas_message(&log, &mut buffer)
        } else if code == LOG_GSM_RR_SIGNALING || code == LOG_GSM_DSDS_RR_SIGNALING {
            self.on_gsm = true;
            gsm_rr_message(&log, code == LOG_GSM_DSDS_RR_SIGNALING, &mut buffer)
        } else if code == LOG_WCDMA_RRC_OTA {
            self.on_gsm = false;
            wcdma_rrc_message(&log, &mut buffer)
        } else if code == LOG_UMTS_NAS_OTA {
            umts_nas_message(&log, self.on_gsm, &mut buffer)
        } else if is_measurement_log_code(code) {
            self.give_back(buffer);
            return match measurement(&log) {
                Ok(Some(kind)) => {
                    self.summary.measurements += 1;
                    Some(Step::Measurement(Box::new(Measurement {
                        offset: frame.offset,
                        time: Some(log.time()),
                        rat: Rat::Lte,
                        kind,
                    })))
                }
                Ok(None) => {
                    self.skip(Skipped::LogWithoutMeasurement(code));
                    None
                }
                Err(e) => Some(Step::Damage(Box::new(self.damage(
                    frame.offset,
                    frame.raw_len,
                    format!("{} 0x{code:04X}: {e}", measurement_name(code)),
                )))),
            };
        } else {
            self.give_back(buffer);
            self.skip(Skipped::Log(code));
            return None;
        };
        match parsed {
            Ok(mut msg) => {
                self.summary.messages += 1;
                msg.packet = self.summary.messages;
                msg.offset = frame.offset;
                self.message = Some(msg);
                Some(Step::Message)
            }
            Err(e) => {
                // The buffer was not taken: kept for the next message.
                self.give_back(buffer);
                let what = match code {
                    LOG_LTE_RRC_OTA => "LTE RRC OTA",
                    LOG_NR_RRC_OTA => "NR RRC OTA",
                    LOG_GSM_RR_SIGNALING | LOG_GSM_DSDS_RR_SIGNALING => "GSM RR signalling",
                    LOG_UMTS_NAS_OTA => "UMTS NAS OTA",
                    c if is_nr_nas_log_code(c) => "5GS NAS OTA",
                    LOG_WCDMA_RRC_OTA => "WCDMA RRC OTA",
                    _ => "LTE NAS OTA",
                };
                Some(Step::Damage(Box::new(self.damage(
                    frame.offset,
                    frame.raw_len,
                    format!("{what} 0x{code:04X}: {e}"),
                ))))
            }
        }
    }
}

/// Message of an LTE RRC OTA record (packet number and offset filled in by the caller).
#[inline(always)]
fn rrc_message(log: &DiagLogPacket<'_>, spare: &mut Vec<u8>) -> Result<RadioMessage, RecordError> {
    let rrc = LteRrcOta::new_checked(log.body())?;
    if let Some(segment) = rrc.segment().filter(|&s| s != 0) {
        // Segments of one long PDU; joining them needs more real samples than exist here, so
        // they are reported rather than passed on as if whole.
        return Err(RecordError::Segmented(segment));
    }
    let channel = rrc.channel();
    Ok(RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(log.time()),
        direction: channel.direction(),
        rat: Rat::Lte,
        kind: PayloadKind::LteRrc { channel },
        context: RadioContext {
            arfcn: rrc.known_earfcn(),
            pci: rrc.known_pci(),
            sfn: Some(rrc.sfn()),
        },
        payload: reuse(spare, rrc.pdu()),
    })
}

/// Message of an NR RRC OTA record (packet number and offset filled in by the caller).
#[inline(always)]
fn nr_rrc_message(
    log: &DiagLogPacket<'_>,
    spare: &mut Vec<u8>,
) -> Result<RadioMessage, RecordError> {
    let rrc = NrRrcOta::new_checked(log.body())?;
    let channel = rrc.channel();
    Ok(RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(log.time()),
        direction: channel.direction(),
        rat: Rat::Nr,
        kind: PayloadKind::NrRrc { channel },
        context: RadioContext {
            arfcn: rrc.known_arfcn(),
            pci: rrc.known_pci(),
            sfn: None,
        },
        payload: reuse(spare, rrc.pdu()),
    })
}

/// Name of a measurement record's log code, for diagnostics.
fn measurement_name(code: u16) -> &'static str {
    match code {
        LOG_LTE_ML1_SERVING_CELL_MEAS => "LTE ML1 serving cell measurement",
        LOG_LTE_ML1_NEIGHBOUR_MEAS => "LTE ML1 neighbour measurement",
        LOG_LTE_ML1_SERVING_CELL_MEAS_RESPONSE => "LTE ML1 serving cell measurement response",
        _ => "LTE MAC RACH attempt",
    }
}

/// What a measurement record says; `None` when it holds nothing to report (a RACH attempt
/// that got no response).
fn measurement(log: &DiagLogPacket<'_>) -> Result<Option<MeasurementKind>, RecordError> {
    let body = log.body();
    Ok(match log.log_code() {
        LOG_LTE_ML1_SERVING_CELL_MEAS => Some(MeasurementKind::Serving(
            LteMl1ServingMeas::new_checked(body)?.signal(),
        )),
        LOG_LTE_ML1_NEIGHBOUR_MEAS => Some(MeasurementKind::Neighbours {
            cells: LteMl1NeighbourMeas::new_checked(body)?.cells().collect(),
        }),
        LOG_LTE_ML1_SERVING_CELL_MEAS_RESPONSE => {
            // Several subpackets are carrier aggregation's serving cells: the primary cell
            // speaks for the connection.
            let cells = LteMl1ServingMeasResponse::parse(body)?;
            cells
                .iter()
                .find(|c| c.serving_cell_index() == 0)
                .or(cells.first())
                .map(|c| MeasurementKind::Serving(c.signal()))
        }
        _ => LteMacRachAttempt::parse(body)?
            .last()
            .map(|a| MeasurementKind::TimingAdvance {
                value: a.timing_advance(),
            }),
    })
}

/// Message of an LTE NAS OTA record (packet number and offset filled in by the caller).
#[inline(always)]
fn nas_message(log: &DiagLogPacket<'_>, spare: &mut Vec<u8>) -> Result<RadioMessage, RecordError> {
    let nas = LteNasOta::new_checked(log.body())?;
    Ok(RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(log.time()),
        direction: lte_nas_direction(log.log_code()),
        rat: Rat::Lte,
        kind: PayloadKind::LteNas,
        context: RadioContext::default(),
        payload: reuse(spare, nas.pdu()),
    })
}

/// Message of a 5GS NAS OTA record (packet number and offset filled in by the caller).
#[inline(always)]
fn nr_nas_message(
    log: &DiagLogPacket<'_>,
    spare: &mut Vec<u8>,
) -> Result<RadioMessage, RecordError> {
    let nas = NrNasOta::new_checked(log.body())?;
    Ok(RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(log.time()),
        direction: nr_nas_direction(log.log_code()),
        rat: Rat::Nr,
        kind: PayloadKind::NrNas,
        context: RadioContext::default(),
        payload: reuse(spare, nas.pdu()),
    })
}

/// GSMTAP Um channel types the logged GSM RR channels map to.
const GSMTAP_BCCH: u8 = 0x01;
const GSMTAP_CCCH: u8 = 0x02;
const GSMTAP_RACH: u8 = 0x03;

/// Message of a GSM RR signalling record. Broadcast and common channel blocks keep their L2
/// pseudo length and are GSMTAP Um payloads as they stand; dedicated channel records hold
/// layer 3 alone and are carried as such.
#[inline(always)]
fn gsm_rr_message(
    log: &DiagLogPacket<'_>,
    dual_sim: bool,
    spare: &mut Vec<u8>,
) -> Result<RadioMessage, RecordError> {
    let body = if dual_sim {
        log.body().get(1..).ok_or(RecordError::Truncated {
            what: "GSM DSDS RR subscription id",
            needed: 1,
            present: 0,
        })?
    } else {
        log.body()
    };
    let rr = GsmRrSignaling::new_checked(body)?;
    let kind = match rr.channel() {
        1 => PayloadKind::GsmUm {
            channel_type: GSMTAP_BCCH,
        },
        2 => PayloadKind::GsmUm {
            channel_type: GSMTAP_RACH,
        },
        3 => PayloadKind::GsmUm {
            channel_type: GSMTAP_CCCH,
        },
        _ => PayloadKind::GsmL3,
    };
    Ok(RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(log.time()),
        direction: if rr.downlink() {
            Direction::Downlink
        } else {
            Direction::Uplink
        },
        rat: Rat::Gsm,
        kind,
        context: RadioContext::default(),
        payload: reuse(spare, rr.message()),
    })
}

/// Message of a WCDMA RRC OTA record; the newer channel types say the carrier (UARFCN) and
/// primary scrambling code, kept as the radio context.
#[inline(always)]
fn wcdma_rrc_message(
    log: &DiagLogPacket<'_>,
    spare: &mut Vec<u8>,
) -> Result<RadioMessage, RecordError> {
    let rrc = WcdmaRrcOta::new_checked(log.body())?;
    let channel = rrc.channel();
    Ok(RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(log.time()),
        direction: channel.direction(),
        rat: Rat::Umts,
        kind: PayloadKind::UmtsRrc { channel },
        context: RadioContext {
            arfcn: rrc.uarfcn().map(u32::from),
            pci: rrc.psc(),
            sfn: None,
        },
        payload: reuse(spare, rrc.pdu()),
    })
}

/// Message of a UMTS NAS OTA record: GSM when the last radio record was GSM RR, else UMTS.
#[inline(always)]
fn umts_nas_message(
    log: &DiagLogPacket<'_>,
    on_gsm: bool,
    spare: &mut Vec<u8>,
) -> Result<RadioMessage, RecordError> {
    let nas = UmtsNasOta::new_checked(log.body())?;
    Ok(RadioMessage {
        packet: 0,
        offset: 0,
        time: Some(log.time()),
        direction: if nas.uplink() {
            Direction::Uplink
        } else {
            Direction::Downlink
        },
        rat: if on_gsm { Rat::Gsm } else { Rat::Umts },
        kind: PayloadKind::GsmL3,
        context: RadioContext::default(),
        payload: reuse(spare, nas.pdu()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hdlc::encode_frame;
    use stingwatch_model::{Direction, LteRrcChannel};

    fn log_frame(code: u16, body: &[u8], out: &mut Vec<u8>) {
        let mut payload = Vec::new();
        DiagLogPacket::emit(code, 0x0000_6a20_a745_0000, body, &mut payload).unwrap();
        encode_frame(&payload, out);
    }

    #[test]
    fn classifies_every_frame() {
        let mut input = Vec::new();
        // NAS plain EMM incoming: an identity request.
        log_frame(0xB0EC, &[1, 9, 5, 0, 0x07, 0x55, 0x01], &mut input);
        // An unknown log code, a non-log command, and an RRC record of an unknown version.
        log_frame(0xB126, &[0; 8], &mut input);
        encode_frame(&[0x7d, 5, 1, 0], &mut input);
        let bad_rrc_at = input.len() as u64;
        log_frame(0xB0C0, &[5; 20], &mut input);
        // Multi-radio wrapped NAS plain ESM outgoing.
        let mut wrapped = vec![0x98, 1, 0, 0, 2, 0, 0, 0];
        DiagLogPacket::emit(0xB0E3, 0, &[1, 9, 5, 0, 0x02, 0x01], &mut Vec::new()).unwrap();
        let mut inner = Vec::new();
        DiagLogPacket::emit(0xB0E3, 0, &[1, 9, 5, 0, 0x02, 0x01], &mut inner).unwrap();
        wrapped.extend_from_slice(&inner);
        let wrapped_at = input.len() as u64;
        encode_frame(&wrapped, &mut input);

        let mut reader = QmdlReader::new(input.as_slice());
        let items: Vec<ReadItem> = reader.by_ref().collect();
        assert_eq!(items.len(), 3);
        match &items[0] {
            ReadItem::Message(m) => {
                assert_eq!((m.packet, m.offset), (1, 0));
                assert_eq!(m.kind, PayloadKind::LteNas);
                assert_eq!(m.direction, Direction::Downlink);
                assert_eq!(m.payload, vec![0x07, 0x55, 0x01]);
            }
            other => panic!("{other:?}"),
        }
        match &items[1] {
            ReadItem::Damage(d) => {
                assert_eq!(d.offset, bad_rrc_at);
                assert_eq!(d.reason, "LTE RRC OTA 0xB0C0: unsupported packet version 5");
            }
            other => panic!("{other:?}"),
        }
        match &items[2] {
            ReadItem::Message(m) => {
                assert_eq!((m.packet, m.offset), (2, wrapped_at));
                assert_eq!(m.direction, Direction::Uplink);
                assert_eq!(m.payload, vec![0x02, 0x01]);
            }
            other => panic!("{other:?}"),
        }
        let s = reader.summary();
        assert_eq!((s.frames, s.messages, s.damaged_regions), (5, 2, 1));
        assert_eq!(s.skipped.get("diag log 0xB126"), Some(&1));
        assert_eq!(s.skipped.get("diag cmd 0x7d"), Some(&1));
        assert_eq!(s.bytes, input.len() as u64);
        let codes: Vec<(u16, u64)> = reader.log_codes().iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(
            codes,
            vec![(0xB0C0, 1), (0xB0E3, 1), (0xB0EC, 1), (0xB126, 1)]
        );
    }

    /// Skipped frames are counted under their own key past the kinds whose keys the reader
    /// keeps written, and under the summary's catch-all past the kinds it lists: each frame
    /// once, whatever the order.
    #[test]
    fn every_skipped_frame_is_counted_once_however_many_kinds() {
        use stingwatch_model::{MAX_SKIPPED_KINDS, OTHER_SKIPPED};
        let kinds = MAX_SKIPPED_KINDS + MAX_SKIP_KEYS;
        let code = |i: usize| 0xC000 + u16::try_from(i).unwrap();
        let mut input = Vec::new();
        for round in 0..3 {
            for i in 0..kinds {
                // The second round in reverse, so kinds met late come first.
                let i = if round == 1 { kinds - 1 - i } else { i };
                log_frame(code(i), &[0; 8], &mut input);
            }
        }
        let mut reader = QmdlReader::new(input.as_slice());
        assert_eq!(reader.by_ref().count(), 0);
        let s = reader.summary();
        assert_eq!(s.frames, 3 * kinds as u64);
        assert_eq!(s.skipped_total(), 3 * kinds as u64);
        // The first MAX_SKIPPED_KINDS kinds met keep their own keys, the rest share one.
        for i in 0..MAX_SKIPPED_KINDS {
            let key = format!("diag log 0x{:04X}", code(i));
            assert_eq!(s.skipped.get(&key), Some(&3), "{key}");
        }
        let rest = (kinds - MAX_SKIPPED_KINDS) as u64;
        assert_eq!(s.skipped.get(OTHER_SKIPPED), Some(&(3 * rest)));
        assert_eq!(s.skipped.len(), MAX_SKIPPED_KINDS + 1);
    }

    /// Buffers handed back are filled with the next message's bytes and nothing of what they
    /// held before: messages read with every buffer handed back (long after short, short after
    /// long, one too large to keep) equal messages read without.
    #[test]
    fn recycled_buffers_hold_only_the_next_message() {
        let mut input = Vec::new();
        let bodies: Vec<Vec<u8>> = vec![
            (0..40).collect(),
            vec![0x07, 0x55, 0x01],
            (0..200).map(|i| i as u8).collect(),
            vec![0x02],
            vec![0x07, 0x55, 0x01],
        ];
        for pdu in &bodies {
            let mut body = vec![1, 9, 5, 0];
            body.extend_from_slice(pdu);
            log_frame(0xB0EC, &body, &mut input);
        }
        let plain: Vec<ReadItem> = QmdlReader::new(input.as_slice()).collect();
        let mut reader = QmdlReader::new(input.as_slice());
        let mut recycled = Vec::new();
        let mut handed_back = 0;
        while let Some(item) = reader.next() {
            if let ReadItem::Message(m) = &item {
                let mut buffer = m.payload.clone();
                if handed_back == 2 {
                    // Too large to keep: dropped, and the next message allocates afresh.
                    buffer.reserve(MAX_SPARE + 1);
                } else {
                    buffer.extend_from_slice(&[0xEE; 300]);
                }
                reader.recycle(buffer);
                handed_back += 1;
            }
            recycled.push(item);
        }
        assert_eq!(format!("{recycled:?}"), format!("{plain:?}"));
        let payloads: Vec<Vec<u8>> = recycled
            .into_iter()
            .filter_map(|i| match i {
                ReadItem::Message(m) => Some(m.payload),
                _ => None,
            })
            .collect();
        assert_eq!(payloads, bodies);
    }

    /// Lending reads the same items as the iterator, in the same order, with the same
    /// counters: messages of changing lengths (a lent message's buffer is filled again by the
    /// next), a message held back behind a run of damaged frames, an unreadable record, a
    /// skipped log and a frame cut off at the end.
    #[test]
    fn lent_items_are_the_iterators_items() {
        let mut input = Vec::new();
        let nas = |pdu: &[u8], out: &mut Vec<u8>| {
            let mut body = vec![1, 9, 5, 0];
            body.extend_from_slice(pdu);
            log_frame(0xB0EC, &body, out);
        };
        nas(&(0..120).collect::<Vec<u8>>(), &mut input);
        // Two frames with wrong checksums, one damaged region; the next message waits behind it.
        input.extend_from_slice(&[0x10, 0x11, 0x12, 0x13, 0x7E, 0x20, 0x21, 0x22, 0x7E]);
        nas(&[0x07, 0x55, 0x01], &mut input);
        log_frame(0xB0C0, &[5; 20], &mut input);
        nas(&(0..64).rev().collect::<Vec<u8>>(), &mut input);
        log_frame(0xB126, &[0; 8], &mut input);
        nas(&[0x02], &mut input);
        input.extend_from_slice(&[0x10, 0x00, 0x01]);
        let mut plain = QmdlReader::new(input.as_slice());
        let expected: Vec<ReadItem> = plain.by_ref().collect();
        let mut lending = QmdlReader::new(input.as_slice());
        let mut lent = Vec::new();
        while let Some(item) = lending.next_ref() {
            lent.push(item.into_owned());
        }
        assert_eq!(lent, expected);
        assert_eq!(lending.summary(), plain.summary());
        let kinds: Vec<&str> = expected
            .iter()
            .map(|i| match i {
                ReadItem::Message(_) => "message",
                ReadItem::Damage(_) => "damage",
                ReadItem::Measurement(_) => "measurement",
            })
            .collect();
        assert_eq!(
            kinds,
            ["message", "damage", "message", "damage", "message", "message", "damage"]
        );
        // Reading on after the end gives nothing more either way.
        assert!(lending.next_ref().is_none());
    }

    #[test]
    fn multi_radio_wrapper_shorter_than_its_header_is_skipped() {
        let mut log = Vec::new();
        DiagLogPacket::emit(0xB0EC, 0, &[1, 9, 5, 0, 0x07, 0x55, 0x01], &mut log).unwrap();
        let mut input = Vec::new();
        // The command byte and 0 to 7 header bytes, then the header and nothing inside: none
        // holds a wrapped command, and none may be read past its end.
        for len in 1..=MULTI_RADIO_HEADER_LEN {
            let mut wrapper = vec![DIAG_MULTI_RADIO_CMD_F; 1];
            wrapper.resize(len, 0x01);
            assert!(!DiagLogPacket::plausible(&wrapper, wrapper.len()));
            let mut alone = Vec::new();
            encode_frame(&wrapper, &mut alone);
            assert!(!crate::looks_like_qmdl(&alone), "{len}-byte wrapper");
            encode_frame(&wrapper, &mut input);
        }
        // The full header with a log packet inside is read.
        let mut wrapper = vec![DIAG_MULTI_RADIO_CMD_F, 1, 0, 0, 2, 0, 0, 0];
        assert_eq!(wrapper.len(), MULTI_RADIO_HEADER_LEN);
        wrapper.extend_from_slice(&log);
        assert!(DiagLogPacket::plausible(&wrapper, wrapper.len()));
        let wrapped_at = input.len() as u64;
        encode_frame(&wrapper, &mut input);
        assert!(crate::looks_like_qmdl(&input));

        let mut reader = QmdlReader::new(input.as_slice());
        let items: Vec<ReadItem> = reader.by_ref().collect();
        match items.as_slice() {
            [ReadItem::Message(m)] => {
                assert_eq!((m.packet, m.offset), (1, wrapped_at));
                assert_eq!(m.payload, vec![0x07, 0x55, 0x01]);
            }
            other => panic!("{other:?}"),
        }
        let s = reader.summary();
        assert_eq!((s.frames, s.messages, s.damaged_regions), (9, 1, 0));
        assert_eq!(
            s.skipped.get("diag cmd 0x98"),
            Some(&(MULTI_RADIO_HEADER_LEN as u64))
        );
    }

    #[test]
    fn rrc_context_comes_from_the_header() {
        let repr = crate::log::LteRrcOtaRepr {
            rrc_release: 14,
            rrc_version: 0x30,
            radio_bearer: 0,
            pci: 22,
            earfcn: 66_536,
            sfn: 4086,
            subframe: 5,
            channel: LteRrcChannel::BcchDlSch,
            pdu: &[0x68, 0x4c],
        };
        let mut body = Vec::new();
        repr.emit(&mut body).unwrap();
        let mut input = Vec::new();
        log_frame(0xB0C0, &body, &mut input);
        let items: Vec<ReadItem> = QmdlReader::new(input.as_slice()).collect();
        match items.as_slice() {
            [ReadItem::Message(m)] => {
                assert_eq!(
                    m.kind,
                    PayloadKind::LteRrc {
                        channel: LteRrcChannel::BcchDlSch
                    }
                );
                assert_eq!(m.context.arfcn, Some(66_536));
                assert_eq!(m.context.pci, Some(22));
                assert_eq!(m.context.sfn, Some(4086));
                assert_eq!(m.direction, Direction::Downlink);
                assert!(m.time.is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}
