//! [`QmdlWriter`]: radio messages written back as a DIAG stream.

use crate::hdlc::encode_frame;
use crate::log::{
    capture_time_to_diag_time, lte_nas_log_code_for, nr_nas_log_code_for, DiagLogPacket,
    GsmRrSignaling, LteNasOta, LteRrcOtaRepr, NrNasOta, UmtsNasOta, WcdmaRrcOta, EARFCN_UNKNOWN,
    LOG_GSM_RR_SIGNALING, LOG_LTE_RRC_OTA, LOG_UMTS_NAS_OTA, LOG_WCDMA_RRC_OTA, PCI_UNKNOWN,
};
use crate::meas::{
    emit_neighbour_meas, emit_rach_attempt, emit_serving_meas, LOG_LTE_MAC_RACH_ATTEMPT,
    LOG_LTE_ML1_NEIGHBOUR_MEAS, LOG_LTE_ML1_SERVING_CELL_MEAS, MAX_NEIGHBOUR_CELLS,
};
use crate::nr::{NrRrcOtaRepr, LOG_NR_RRC_OTA};
use std::fmt;
use std::io::{self, Write};
use stingwatch_model::{Direction, Measurement, MeasurementKind, PayloadKind, RadioMessage};

/// Temporary C-RNTI written in RACH attempts (the network's choice; nothing reads it back).
const WRITE_TC_RNTI: u16 = 0x1A23;
/// RRC release byte written in LTE RRC OTA headers (the messages do not carry one).
const WRITE_RRC_RELEASE: u8 = 15;
/// NR RRC release and version bytes written in NR RRC OTA records (Rel-15, as phones log).
const WRITE_NR_RRC_RELEASE: u8 = 15;
const WRITE_NR_RRC_VERSION: u8 = 0x60;
/// RRC version byte written in LTE RRC OTA headers.
const WRITE_RRC_VERSION: u8 = 0x30;
/// Specification version bytes (release 15.6.0) written in 5GS NAS OTA headers.
const WRITE_NR_NAS_VERSION: [u8; 3] = [15, 6, 0];
/// RRC release and standard version bytes written in LTE NAS OTA headers.
const WRITE_NAS_HEADER: (u8, [u8; 2]) = (9, [5, 0]);

/// Why a message could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// The underlying writer failed.
    Io(io::Error),
    /// The message cannot be expressed as a DIAG record this writer emits.
    Unsupported(String),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Io(e) => write!(f, "writing DIAG stream: {e}"),
            WriteError::Unsupported(what) => write!(f, "cannot write as DIAG: {what}"),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Io(e) => Some(e),
            WriteError::Unsupported(_) => None,
        }
    }
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Writes LTE RRC and NAS messages as HDLC-framed DIAG log packets.
///
/// RRC messages become 0xB0C0 records of packet version 20 with the message's EARFCN, PCI and
/// SFN; NAS messages become 0xB0EA/0xB0EB (security protected EMM), 0xB0EC/0xB0ED (other EMM)
/// or 0xB0E2/0xB0E3 (ESM) by their first byte and direction. A message without a time gets
/// timestamp 0 (the DIAG epoch, 1980-01-06).
pub struct QmdlWriter<W: Write> {
    out: W,
    body: Vec<u8>,
    packet: Vec<u8>,
    frame: Vec<u8>,
}

impl<W: Write> QmdlWriter<W> {
    /// A writer that appends frames to `out`.
    pub fn new(out: W) -> Self {
        QmdlWriter {
            out,
            body: Vec::new(),
            packet: Vec::new(),
            frame: Vec::new(),
        }
    }

    /// Writes one message as one frame.
    pub fn write_message(&mut self, msg: &RadioMessage) -> Result<(), WriteError> {
        self.body.clear();
        let code = match msg.kind {
            PayloadKind::LteRrc { channel } => {
                let repr = LteRrcOtaRepr {
                    rrc_release: WRITE_RRC_RELEASE,
                    rrc_version: WRITE_RRC_VERSION,
                    radio_bearer: 0,
                    // An unknown value is written as one, never as a plausible number.
                    pci: msg.context.pci.unwrap_or(PCI_UNKNOWN),
                    earfcn: msg.context.arfcn.unwrap_or(EARFCN_UNKNOWN),
                    sfn: msg.context.sfn.unwrap_or(0),
                    subframe: 0,
                    channel,
                    pdu: &msg.payload,
                };
                repr.emit(&mut self.body).ok_or_else(|| {
                    WriteError::Unsupported(format!(
                        "LTE RRC channel {} has no PDU number in packet version 20, or the PDU is over 65535 bytes",
                        channel.as_str()
                    ))
                })?;
                LOG_LTE_RRC_OTA
            }
            PayloadKind::NrRrc { channel } => {
                let (pci, arfcn) = match (msg.context.arfcn, msg.context.pci) {
                    (Some(a), Some(p)) => (p, a),
                    // The record's way of saying "no cell" (see nr::NrRrcOta::known_arfcn).
                    _ => (0, 0),
                };
                let repr = NrRrcOtaRepr {
                    rrc_release: WRITE_NR_RRC_RELEASE,
                    rrc_version: WRITE_NR_RRC_VERSION,
                    radio_bearer: 0,
                    pci,
                    arfcn,
                    channel,
                    pdu: &msg.payload,
                };
                repr.emit(&mut self.body).ok_or_else(|| {
                    WriteError::Unsupported(format!(
                        "NR RRC {} has no PDU number in packet version 8, or the PDU is over 65535 bytes",
                        channel.as_str()
                    ))
                })?;
                LOG_NR_RRC_OTA
            }
            PayloadKind::LteNas => {
                let uplink = match msg.direction {
                    Direction::Uplink => true,
                    Direction::Downlink => false,
                    Direction::Unknown => {
                        return Err(WriteError::Unsupported(
                            "LTE NAS message of unknown direction".into(),
                        ))
                    }
                };
                let (release, version) = WRITE_NAS_HEADER;
                LteNasOta::emit(release, version, &msg.payload, &mut self.body);
                lte_nas_log_code_for(&msg.payload, uplink)
            }
            PayloadKind::NrNas => {
                // A plain 5GMM message says its own direction; the writer needs one to pick
                // the incoming or outgoing code.
                let uplink = match msg.direction {
                    Direction::Uplink => true,
                    Direction::Downlink => false,
                    Direction::Unknown => {
                        return Err(WriteError::Unsupported(
                            "5GS NAS message of unknown direction".into(),
                        ))
                    }
                };
                NrNasOta::emit(WRITE_NR_NAS_VERSION, &msg.payload, &mut self.body);
                nr_nas_log_code_for(&msg.payload, uplink)
            }
            PayloadKind::GsmUm { channel_type } => {
                gsm_um_record(channel_type, msg, &mut self.body)?
            }
            PayloadKind::GsmL3 => gsm_l3_record(&msg.payload, msg.direction, &mut self.body)?,
            PayloadKind::UmtsRrc { channel } => {
                WcdmaRrcOta::emit(channel, 0, &msg.payload, &mut self.body).ok_or_else(|| {
                    WriteError::Unsupported(format!(
                        "UMTS RRC {} has no WCDMA RRC OTA channel type, or the PDU is over 65535 bytes",
                        channel.as_str()
                    ))
                })?;
                LOG_WCDMA_RRC_OTA
            }
            other => {
                return Err(WriteError::Unsupported(format!(
                    "payload kind {other:?} has no DIAG record here"
                )))
            }
        };
        self.frame_out(code, msg.time)
    }

    /// Writes one measurement as one frame: a serving cell as 0xB17F, neighbours as 0xB180
    /// (version 5 both), a timing advance as a successful 0xB062 RACH attempt.
    pub fn write_measurement(&mut self, m: &Measurement) -> Result<(), WriteError> {
        self.body.clear();
        let code = match &m.kind {
            MeasurementKind::Serving(signal) => {
                emit_serving_meas(signal, &mut self.body);
                LOG_LTE_ML1_SERVING_CELL_MEAS
            }
            MeasurementKind::Neighbours { cells } => {
                // One record holds one carrier.
                let earfcn = cells.first().map_or(0, |c| c.earfcn);
                if cells.iter().any(|c| c.earfcn != earfcn) {
                    return Err(WriteError::Unsupported(
                        "neighbour cells of several carriers in one record".into(),
                    ));
                }
                emit_neighbour_meas(earfcn, cells, &mut self.body).ok_or_else(|| {
                    WriteError::Unsupported(format!(
                        "more than {MAX_NEIGHBOUR_CELLS} neighbour cells in one record"
                    ))
                })?;
                LOG_LTE_ML1_NEIGHBOUR_MEAS
            }
            MeasurementKind::TimingAdvance { value } => {
                emit_rach_attempt(*value, WRITE_TC_RNTI, &mut self.body);
                LOG_LTE_MAC_RACH_ATTEMPT
            }
        };
        self.frame_out(code, m.time)
    }

    fn frame_out(
        &mut self,
        code: u16,
        time: Option<stingwatch_model::CaptureTime>,
    ) -> Result<(), WriteError> {
        let timestamp = time.map_or(0, capture_time_to_diag_time);
        DiagLogPacket::emit(code, timestamp, &self.body, &mut self.packet).ok_or_else(|| {
            WriteError::Unsupported("record longer than a DIAG log packet can hold".into())
        })?;
        self.frame.clear();
        encode_frame(&self.packet, &mut self.frame);
        self.out.write_all(&self.frame)?;
        Ok(())
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Logged GSM RR channels (the first octet of a GSM RR signalling record).
const RR_DCCH: u8 = 0;
const RR_BCCH: u8 = 1;
const RR_RACH: u8 = 2;
const RR_CCCH: u8 = 3;

/// Body of the record for a GSMTAP Um message: broadcast and common channel blocks as GSM RR
/// signalling records; dedicated channel frames lose their LAPDm header and are written as
/// the record their protocol belongs in.
fn gsm_um_record(
    channel_type: u8,
    msg: &RadioMessage,
    body: &mut Vec<u8>,
) -> Result<u16, WriteError> {
    let base = channel_type & 0x7f;
    let logged = match (channel_type & 0x80 != 0, base) {
        (false, 0x01) => Some(RR_BCCH),
        (false, 0x02 | 0x04 | 0x05) => Some(RR_CCCH),
        (false, 0x03) => Some(RR_RACH),
        _ => None,
    };
    let downlink = msg.direction != Direction::Uplink;
    if let Some(channel) = logged {
        // Octet 2 of a block is the protocol discriminator, octet 3 the message type.
        let message_type = msg.payload.get(2).copied().unwrap_or(0);
        GsmRrSignaling::emit(channel, downlink, message_type, &msg.payload, body)
            .ok_or_else(|| WriteError::Unsupported("GSM block over 255 bytes".into()))?;
        return Ok(LOG_GSM_RR_SIGNALING);
    }
    // SACCH frames carry a two-octet L1 header before LAPDm; LAPDm is address, control,
    // length (TS 44.006).
    let lapdm = if channel_type & 0x80 != 0 {
        msg.payload.get(2..)
    } else {
        Some(msg.payload.as_slice())
    };
    let l3 = lapdm
        .and_then(|f| {
            let len = usize::from(f.get(2)? >> 2);
            f.get(3..3 + len)
        })
        .ok_or_else(|| WriteError::Unsupported("GSM Um frame without layer 3".into()))?;
    gsm_l3_record(l3, msg.direction, body)
}

/// Body of the record for a bare GSM layer-3 message: RR in a GSM RR signalling record on a
/// dedicated channel, everything else in a UMTS NAS OTA record.
fn gsm_l3_record(l3: &[u8], direction: Direction, body: &mut Vec<u8>) -> Result<u16, WriteError> {
    let downlink = match direction {
        Direction::Uplink => false,
        Direction::Downlink => true,
        Direction::Unknown => {
            return Err(WriteError::Unsupported(
                "GSM message of unknown direction".into(),
            ))
        }
    };
    let pd = l3.first().map_or(0, |b| b & 0x0f);
    if pd == 6 {
        let message_type = l3.get(1).copied().unwrap_or(0);
        GsmRrSignaling::emit(RR_DCCH, downlink, message_type, l3, body)
            .ok_or_else(|| WriteError::Unsupported("GSM RR message over 255 bytes".into()))?;
        Ok(LOG_GSM_RR_SIGNALING)
    } else {
        UmtsNasOta::emit(!downlink, l3, body)
            .ok_or_else(|| WriteError::Unsupported("NAS message too long".into()))?;
        Ok(LOG_UMTS_NAS_OTA)
    }
}
