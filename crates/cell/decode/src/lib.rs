//! Opens a capture of any supported format and decodes every radio message in it.
//!
//! The format is detected from the first bytes, never from the file name. Reading is
//! streaming: memory does not grow with the input. Each radio message becomes a
//! [`DecodedMessage`] — decoded, or carrying the reason it could not be.

#![forbid(unsafe_code)]

mod cache;
mod input;

pub use cache::{CacheStats, Decoder, MAX_CACHED_PDU, MAX_CACHE_BYTES, MAX_CACHE_ENTRIES};
pub use input::{CaptureReader, OpenError};

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use stingwatch_gsm::GsmMessage;
use stingwatch_lte_rrc::RrcMessage;
use stingwatch_model::{PayloadKind, RadioMessage, Rat};
use stingwatch_nas::NasMessage;
use stingwatch_nas5g::Nas5gMessage;
use stingwatch_nr_rrc::NrRrcMessage;

/// Protocol layer of a decoded message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Protocol {
    /// LTE radio resource control (TS 36.331).
    #[serde(rename = "lte-rrc")]
    LteRrc,
    /// EPS non-access stratum (TS 24.301).
    #[serde(rename = "nas-eps")]
    NasEps,
    /// NR radio resource control (TS 38.331).
    #[serde(rename = "nr-rrc")]
    NrRrc,
    /// GSM air interface layer 3 (TS 44.018 RR, TS 24.008 MM/CC).
    #[serde(rename = "gsm-um")]
    GsmUm,
    /// GSM/UMTS layer 3 without air-interface framing (TS 24.008 MM/GMM/CC/SM, SMS, RR).
    #[serde(rename = "gsm-l3")]
    GsmL3,
    /// 5GS non-access stratum (TS 24.501).
    #[serde(rename = "nas-5gs")]
    Nas5gs,
    /// UMTS radio resource control (TS 25.331).
    #[serde(rename = "umts-rrc")]
    UmtsRrc,
    /// Something the decoders do not read.
    #[serde(rename = "other")]
    Other,
}

impl Protocol {
    /// Name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::LteRrc => "lte-rrc",
            Protocol::NasEps => "nas-eps",
            Protocol::NrRrc => "nr-rrc",
            Protocol::GsmUm => "gsm-um",
            Protocol::GsmL3 => "gsm-l3",
            Protocol::Nas5gs => "nas-5gs",
            Protocol::UmtsRrc => "umts-rrc",
            Protocol::Other => "other",
        }
    }
}

/// One radio message together with everything its decoders could read from it.
#[derive(Debug, Clone)]
pub struct DecodedMessage {
    /// The message as the capture reader gave it (metadata and payload bytes).
    pub source: RadioMessage,
    /// Protocol layer of the outer message.
    pub protocol: Protocol,
    /// 3GPP message name of the outer message (e.g. `SystemInformationBlockType1`,
    /// `Attach request`), or a description when it could not be decoded.
    pub message: Cow<'static, str>,
    /// The decoded RRC message, for LTE RRC payloads that decoded (shared with the decoder's
    /// cache when the PDU was a repeat).
    pub rrc: Option<Arc<RrcMessage>>,
    /// NAS messages: the payload itself for NAS records, or every `dedicatedInfoNAS` carried
    /// inside an RRC message, in order (shared with the decoder's cache when the PDU was a
    /// repeat).
    pub nas: Arc<[NasMessage]>,
    /// Why the outer message (or a nested one) could not be decoded, if it could not.
    pub error: Option<String>,
    /// The decoded GSM layer-3 message, for GSM payloads; for a UMTS RRC direct transfer, the
    /// NAS message it carries (MM, GMM, CC, SM and SMS are TS 24.008's on both).
    pub gsm: Option<Arc<GsmMessage>>,
    /// The decoded NR RRC message, for NR RRC payloads that decoded.
    pub nr: Option<Arc<NrRrcMessage>>,
    /// The decoded 5GS NAS message, for 5GS NAS payloads.
    pub nas5g: Option<Arc<Nas5gMessage>>,
    /// The 5GS NAS messages an NR RRC message carries (its `dedicatedNAS-Message`s, in
    /// order), decoded.
    pub nr_nas: Arc<[Nas5gMessage]>,
    /// The decoded UMTS RRC message, for UMTS RRC payloads that decoded.
    pub umts: Option<Arc<stingwatch_umts_rrc::UmtsRrcMessage>>,
}

impl DecodedMessage {
    /// True when the outer message decoded without error.
    pub fn is_decoded(&self) -> bool {
        self.error.is_none()
    }
}

/// Everything an LTE RRC, EPS NAS or NR RRC PDU decodes to, apart from the message it arrived
/// in: the same for every repeat of the PDU, so the decoder's cache keeps it whole.
#[derive(Debug, Clone)]
struct Outcome {
    protocol: Protocol,
    message: Cow<'static, str>,
    rrc: Option<Arc<RrcMessage>>,
    nas: Arc<[NasMessage]>,
    error: Option<String>,
    nr: Option<Arc<NrRrcMessage>>,
    nr_nas: Arc<[Nas5gMessage]>,
}

impl Outcome {
    /// Wrap an RRC decoding result, decoding the NAS it carries.
    fn new(
        channel: stingwatch_model::LteRrcChannel,
        rrc: Result<RrcMessage, stingwatch_lte_rrc::RrcError>,
    ) -> Self {
        match rrc {
            Ok(rrc) => {
                let mut error = None;
                let nas = decode_carried(
                    &rrc.nas_pdus,
                    stingwatch_nas::decode,
                    |m| (m.error.as_ref()).map(|e| format!("embedded NAS {}: {e}", m.name)),
                    &mut error,
                );
                Outcome {
                    protocol: Protocol::LteRrc,
                    message: Cow::Borrowed(rrc.name),
                    rrc: Some(Arc::new(rrc)),
                    nas,
                    error,
                    nr: None,
                    nr_nas: Arc::new([]),
                }
            }
            Err(e) => Outcome {
                protocol: Protocol::LteRrc,
                message: Cow::Owned(format!("undecodable {} message", channel.as_str())),
                rrc: None,
                nas: Arc::new([]),
                error: Some(e.to_string()),
                nr: None,
                nr_nas: Arc::new([]),
            },
        }
    }

    /// Decode a NAS PDU carried on its own (a NAS record).
    fn nas(payload: &[u8]) -> Self {
        let m = stingwatch_nas::decode(payload);
        Outcome {
            protocol: Protocol::NasEps,
            message: Cow::Borrowed(m.name),
            rrc: None,
            error: m.error.clone(),
            nas: Arc::new([m]),
            nr: None,
            nr_nas: Arc::new([]),
        }
    }

    /// Decode an NR RRC PDU and the 5GS NAS messages it carries.
    fn nr(channel: stingwatch_model::NrRrcChannel, payload: &[u8]) -> Self {
        let (message, nr, mut error) = match stingwatch_nr_rrc::decode(channel, payload) {
            Ok(m) => (Cow::Borrowed(m.name), Some(Arc::new(m)), None),
            Err(e) => (
                Cow::Owned(format!("undecodable NR RRC {} message", channel.as_str())),
                None,
                Some(e.to_string()),
            ),
        };
        // The NR RRC decoder bounds how many NAS PDUs it keeps; each is decoded like a NAS
        // record.
        let nr_nas = decode_carried(
            nr.iter().flat_map(|m| m.nas_pdus.iter()),
            stingwatch_nas5g::decode,
            |n| (n.error.as_ref()).map(|e| format!("embedded 5GS NAS {}: {e}", n.name)),
            &mut error,
        );
        Outcome {
            protocol: Protocol::NrRrc,
            message,
            rrc: None,
            nas: Arc::new([]),
            error,
            nr,
            nr_nas,
        }
    }

    /// The decoded form of `source`, whose payload this is the outcome of.
    fn message_for(&self, source: RadioMessage) -> DecodedMessage {
        DecodedMessage {
            source,
            protocol: self.protocol,
            message: self.message.clone(),
            rrc: self.rrc.clone(),
            nas: self.nas.clone(),
            error: self.error.clone(),
            gsm: None,
            nr: self.nr.clone(),
            nas5g: None,
            nr_nas: self.nr_nas.clone(),
            umts: None,
        }
    }
}

/// Decodes each NAS PDU an RRC message carries, in order. The first one that fails (`failure`
/// names it) becomes the message's `error`, unless the message already has one.
fn decode_carried<'a, M>(
    pdus: impl IntoIterator<Item = &'a Vec<u8>>,
    decode: impl Fn(&[u8]) -> M,
    failure: impl Fn(&M) -> Option<String>,
    error: &mut Option<String>,
) -> Arc<[M]> {
    pdus.into_iter()
        .map(|pdu| {
            let m = decode(pdu);
            if error.is_none() {
                *error = failure(&m);
            }
            m
        })
        .collect()
}

/// Decode one radio message with the decoder its payload kind selects.
///
/// This is the straightforward path: every message is decoded in full. [`Decoder`] gives the
/// same results faster on long recordings.
pub fn decode_message(source: RadioMessage) -> DecodedMessage {
    match source.kind {
        PayloadKind::LteRrc { channel } => Outcome::new(
            channel,
            stingwatch_lte_rrc::decode(channel, &source.payload),
        )
        .message_for(source),
        PayloadKind::LteNas => Outcome::nas(&source.payload).message_for(source),
        PayloadKind::NrRrc { channel } => Outcome::nr(channel, &source.payload).message_for(source),
        PayloadKind::GsmUm { channel_type } => {
            let m = stingwatch_gsm::decode_um(channel_type, &source.payload);
            gsm_message(Protocol::GsmUm, m, source)
        }
        PayloadKind::GsmL3 => {
            let m = stingwatch_gsm::decode_l3(&source.payload);
            gsm_message(Protocol::GsmL3, m, source)
        }
        PayloadKind::NrNas => {
            let m = stingwatch_nas5g::decode(&source.payload);
            DecodedMessage {
                protocol: Protocol::Nas5gs,
                message: Cow::Borrowed(m.name),
                rrc: None,
                nas: Arc::new([]),
                error: m.error.as_ref().map(ToString::to_string),
                gsm: None,
                nr: None,
                nas5g: Some(Arc::new(m)),
                nr_nas: Arc::new([]),
                umts: None,
                source,
            }
        }
        PayloadKind::UmtsRrc { channel } => umts_message(channel, source),
        PayloadKind::Other {
            gsmtap_type,
            sub_type,
        } => DecodedMessage {
            protocol: Protocol::Other,
            message: Cow::Owned(if gsmtap_type == 0 {
                format!(
                    "{} message (not decoded here)",
                    source.rat.as_str().to_uppercase()
                )
            } else {
                format!("GSMTAP type {gsmtap_type:#04x} sub-type {sub_type}")
            }),
            rrc: None,
            nas: Arc::new([]),
            error: None,
            gsm: None,
            nr: None,
            nas5g: None,
            nr_nas: Arc::new([]),
            umts: None,
            source,
        },
    }
}

/// A UMTS RRC message, with the NAS message of a direct transfer decoded as layer 3.
fn umts_message(channel: stingwatch_model::UmtsRrcChannel, source: RadioMessage) -> DecodedMessage {
    match stingwatch_umts_rrc::decode(channel, &source.payload) {
        Ok(m) => {
            let gsm = match &m.content {
                stingwatch_umts_rrc::Content::DirectTransfer { nas, .. } => {
                    Some(Arc::new(stingwatch_gsm::decode_l3(nas)))
                }
                _ => None,
            };
            let error = gsm
                .as_ref()
                .and_then(|g| g.error.as_ref())
                .map(|e| format!("embedded NAS: {e}"));
            DecodedMessage {
                protocol: Protocol::UmtsRrc,
                message: Cow::Borrowed(m.name),
                rrc: None,
                nas: Arc::new([]),
                error,
                gsm,
                nr: None,
                nas5g: None,
                nr_nas: Arc::new([]),
                umts: Some(Arc::new(m)),
                source,
            }
        }
        Err(e) => DecodedMessage {
            protocol: Protocol::UmtsRrc,
            message: Cow::Owned(format!("undecodable UMTS {} message", channel.as_str())),
            rrc: None,
            nas: Arc::new([]),
            error: Some(e.to_string()),
            gsm: None,
            nr: None,
            nas5g: None,
            nr_nas: Arc::new([]),
            umts: None,
            source,
        },
    }
}

/// [`decode_message`] with LTE RRC read by [`stingwatch_lte_rrc::decode_for_detection`]: the
/// same result, without building the decoded tree of the messages the walker reads.
pub(crate) fn decode_for_detection(source: RadioMessage) -> DecodedMessage {
    match source.kind {
        PayloadKind::LteRrc { channel } => Outcome::new(
            channel,
            stingwatch_lte_rrc::decode_for_detection(channel, &source.payload),
        )
        .message_for(source),
        _ => decode_message(source),
    }
}

fn gsm_message(protocol: Protocol, m: GsmMessage, source: RadioMessage) -> DecodedMessage {
    DecodedMessage {
        protocol,
        message: Cow::Owned(m.name.clone()),
        rrc: None,
        nas: Arc::new([]),
        error: m.error.clone(),
        gsm: Some(Arc::new(m)),
        nr: None,
        nas5g: None,
        nr_nas: Arc::new([]),
        umts: None,
        source,
    }
}

/// Short human label of a message's radio access technology.
pub fn rat_label(rat: Rat) -> &'static str {
    rat.as_str()
}
