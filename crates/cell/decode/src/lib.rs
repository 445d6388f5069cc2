//! Opens a capture of any supported format and decodes every radio message in it.
//!
//! The format is detected from the first bytes, never from the file name. Reading is
//! streaming: memory does not grow with the input. Each radio message becomes a
//! [`DecodedMessage`] — decoded, or carrying the reason it could not be.

#![forbid(unsafe_code)]

mod cache;
mod input;

pub use cache::{
    CacheStats, Decoder, MAX_CACHED_PDU, MAX_CACHE_BYTES, MAX_CACHE_ENTRIES, SEEN_BITS, SEEN_RESET,
};
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
///
/// The decoded form is shared, so passing a message on costs one reference count whatever it
/// carries. Its fields read through the message (`msg.rrc` is `msg.decoded.rrc`).
#[derive(Debug, Clone)]
pub struct DecodedMessage {
    /// The message as the capture reader gave it (metadata and payload bytes).
    pub source: RadioMessage,
    /// What the payload decoded to.
    pub decoded: Arc<Decoded>,
}

impl std::ops::Deref for DecodedMessage {
    type Target = Decoded;

    fn deref(&self) -> &Decoded {
        &self.decoded
    }
}

impl DecodedMessage {
    /// True when the outer message decoded without error.
    pub fn is_decoded(&self) -> bool {
        self.error.is_none()
    }
}

/// Everything the decoders read from one payload. It depends on the payload's kind and bytes
/// alone, so one value serves every repeat of a PDU.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Protocol layer of the outer message.
    pub protocol: Protocol,
    /// 3GPP message name of the outer message (e.g. `SystemInformationBlockType1`,
    /// `Attach request`), or a description when it could not be decoded.
    pub message: Cow<'static, str>,
    /// The decoded RRC message, for LTE RRC payloads that decoded.
    pub rrc: Option<Box<RrcMessage>>,
    /// NAS messages: the payload itself for NAS records, or every `dedicatedInfoNAS` carried
    /// inside an RRC message, in order.
    pub nas: Box<[NasMessage]>,
    /// Why the outer message (or a nested one) could not be decoded, if it could not.
    pub error: Option<String>,
    /// The decoded GSM layer-3 message, for GSM payloads; for a UMTS RRC direct transfer, the
    /// NAS message it carries (MM, GMM, CC, SM and SMS are TS 24.008's on both).
    pub gsm: Option<Box<GsmMessage>>,
    /// The decoded NR RRC message, for NR RRC payloads that decoded.
    pub nr: Option<Box<NrRrcMessage>>,
    /// The decoded 5GS NAS message, for 5GS NAS payloads.
    pub nas5g: Option<Box<Nas5gMessage>>,
    /// The 5GS NAS messages an NR RRC message carries (its `dedicatedNAS-Message`s, in
    /// order), decoded.
    pub nr_nas: Box<[Nas5gMessage]>,
    /// The decoded UMTS RRC message, for UMTS RRC payloads that decoded.
    pub umts: Option<Box<stingwatch_umts_rrc::UmtsRrcMessage>>,
}

impl Default for Decoded {
    /// Nothing decoded: what the decoder lends before its first message.
    fn default() -> Self {
        Decoded::named(Protocol::Other, Cow::Borrowed(""))
    }
}

impl Decoded {
    /// Neither an LTE RRC message nor EPS NAS came out of the payload: what the pipeline
    /// counts as undecoded.
    pub fn without_rrc_or_nas(&self) -> bool {
        self.rrc.is_none() && self.nas.is_empty()
    }

    /// A decoded form of `protocol` named `message`, holding nothing else yet.
    fn named(protocol: Protocol, message: Cow<'static, str>) -> Self {
        Decoded {
            protocol,
            message,
            rrc: None,
            nas: Box::new([]),
            error: None,
            gsm: None,
            nr: None,
            nas5g: None,
            nr_nas: Box::new([]),
            umts: None,
        }
    }

    /// Wrap an LTE RRC decoding result, decoding the NAS it carries.
    fn lte_rrc(
        channel: stingwatch_model::LteRrcChannel,
        rrc: Result<Box<RrcMessage>, stingwatch_lte_rrc::RrcError>,
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
                let name = Cow::Borrowed(rrc.name);
                Decoded {
                    rrc: Some(rrc),
                    nas,
                    error,
                    ..Decoded::named(Protocol::LteRrc, name)
                }
            }
            Err(e) => Decoded {
                error: Some(e.to_string()),
                ..Decoded::named(
                    Protocol::LteRrc,
                    Cow::Owned(format!("undecodable {} message", channel.as_str())),
                )
            },
        }
    }

    /// Becomes [`decode_for_detection`]`(source)`, reading an LTE RRC message into the one
    /// this form holds, or else into `spare`, so their allocations serve again (see
    /// [`stingwatch_lte_rrc::decode_for_detection_into`]). A message this form no longer needs
    /// (the new one is not LTE RRC, or did not decode) is left in `spare`.
    pub(crate) fn refill_for_detection(
        &mut self,
        source: &RadioMessage,
        spare: &mut Option<Box<RrcMessage>>,
    ) {
        let PayloadKind::LteRrc { channel } = source.kind else {
            if let Some(rrc) = self.rrc.take() {
                *spare = Some(rrc);
            }
            *self = decode_for_detection(source);
            return;
        };
        let mut rrc = self
            .rrc
            .take()
            .or_else(|| spare.take())
            .unwrap_or_else(|| Box::new(RrcMessage::empty(channel)));
        match stingwatch_lte_rrc::decode_for_detection_into(channel, &source.payload, &mut rrc) {
            Ok(()) => *self = Decoded::lte_rrc(channel, Ok(rrc)),
            Err(e) => {
                *spare = Some(rrc);
                *self = Decoded::lte_rrc(channel, Err(e));
            }
        }
    }

    /// Decode a NAS PDU carried on its own (a NAS record).
    fn nas(payload: &[u8]) -> Self {
        let m = stingwatch_nas::decode(payload);
        let name = Cow::Borrowed(m.name);
        Decoded {
            error: m.error.clone(),
            nas: Box::new([m]),
            ..Decoded::named(Protocol::NasEps, name)
        }
    }

    /// An NR RRC PDU's decoding and the 5GS NAS messages it carries.
    fn nr(
        channel: stingwatch_model::NrRrcChannel,
        decoded: Result<Box<NrRrcMessage>, stingwatch_nr_rrc::NrRrcError>,
    ) -> Self {
        let (message, nr, mut error) = match decoded {
            Ok(m) => (Cow::Borrowed(m.name), Some(m), None),
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
        Decoded {
            error,
            nr,
            nr_nas,
            ..Decoded::named(Protocol::NrRrc, message)
        }
    }

    /// A 5GS NAS PDU carried on its own (a NAS record).
    fn nas5g(payload: &[u8]) -> Self {
        let m = stingwatch_nas5g::decode(payload);
        let name = Cow::Borrowed(m.name);
        Decoded {
            error: m.error.as_ref().map(ToString::to_string),
            nas5g: Some(Box::new(m)),
            ..Decoded::named(Protocol::Nas5gs, name)
        }
    }

    /// A UMTS RRC PDU, with the NAS message of a direct transfer decoded as layer 3.
    fn umts(channel: stingwatch_model::UmtsRrcChannel, payload: &[u8]) -> Self {
        match stingwatch_umts_rrc::decode(channel, payload) {
            Ok(m) => {
                let gsm = match &m.content {
                    stingwatch_umts_rrc::Content::DirectTransfer { nas, .. } => {
                        Some(Box::new(stingwatch_gsm::decode_l3(nas)))
                    }
                    _ => None,
                };
                let error = gsm
                    .as_ref()
                    .and_then(|g| g.error.as_ref())
                    .map(|e| format!("embedded NAS: {e}"));
                let name = Cow::Borrowed(m.name);
                Decoded {
                    error,
                    gsm,
                    umts: Some(Box::new(m)),
                    ..Decoded::named(Protocol::UmtsRrc, name)
                }
            }
            Err(e) => Decoded {
                error: Some(e.to_string()),
                ..Decoded::named(
                    Protocol::UmtsRrc,
                    Cow::Owned(format!("undecodable UMTS {} message", channel.as_str())),
                )
            },
        }
    }

    /// A GSM layer-3 message.
    fn gsm(protocol: Protocol, m: GsmMessage) -> Self {
        let name = Cow::Owned(m.name.clone());
        Decoded {
            error: m.error.clone(),
            gsm: Some(Box::new(m)),
            ..Decoded::named(protocol, name)
        }
    }

    /// What no decoder here reads.
    fn other(source: &RadioMessage, gsmtap_type: u8, sub_type: u8) -> Self {
        Decoded::named(
            Protocol::Other,
            Cow::Owned(if gsmtap_type == 0 {
                format!(
                    "{} message (not decoded here)",
                    source.rat.as_str().to_uppercase()
                )
            } else {
                format!("GSMTAP type {gsmtap_type:#04x} sub-type {sub_type}")
            }),
        )
    }
}

/// Decodes each NAS PDU an RRC message carries, in order. The first one that fails (`failure`
/// names it) becomes the message's `error`, unless the message already has one.
fn decode_carried<'a, M>(
    pdus: impl IntoIterator<Item = &'a Vec<u8>>,
    decode: impl Fn(&[u8]) -> M,
    failure: impl Fn(&M) -> Option<String>,
    error: &mut Option<String>,
) -> Box<[M]> {
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
    let decoded = Arc::new(decode_payload(&source));
    DecodedMessage { source, decoded }
}

/// The decoded form [`decode_message`] gives `source`, for a caller that keeps the message.
pub fn decode_payload(source: &RadioMessage) -> Decoded {
    match source.kind {
        PayloadKind::LteRrc { channel } => Decoded::lte_rrc(
            channel,
            stingwatch_lte_rrc::decode(channel, &source.payload).map(Box::new),
        ),
        PayloadKind::LteNas => Decoded::nas(&source.payload),
        PayloadKind::NrRrc { channel } => Decoded::nr(
            channel,
            stingwatch_nr_rrc::decode(channel, &source.payload).map(Box::new),
        ),
        PayloadKind::GsmUm { channel_type } => Decoded::gsm(
            Protocol::GsmUm,
            stingwatch_gsm::decode_um(channel_type, &source.payload),
        ),
        PayloadKind::GsmL3 => {
            Decoded::gsm(Protocol::GsmL3, stingwatch_gsm::decode_l3(&source.payload))
        }
        PayloadKind::NrNas => Decoded::nas5g(&source.payload),
        PayloadKind::UmtsRrc { channel } => Decoded::umts(channel, &source.payload),
        PayloadKind::Other {
            gsmtap_type,
            sub_type,
        } => Decoded::other(source, gsmtap_type, sub_type),
    }
}

/// The decoded form of `source`, with LTE and NR RRC read by
/// [`stingwatch_lte_rrc::decode_for_detection`] and
/// [`stingwatch_nr_rrc::decode_for_detection`]: the same result as [`decode_message`]'s,
/// without building the decoded tree of the messages the walkers read.
pub(crate) fn decode_for_detection(source: &RadioMessage) -> Decoded {
    match source.kind {
        PayloadKind::LteRrc { channel } => Decoded::lte_rrc(
            channel,
            stingwatch_lte_rrc::decode_for_detection(channel, &source.payload),
        ),
        PayloadKind::NrRrc { channel } => Decoded::nr(
            channel,
            stingwatch_nr_rrc::decode_for_detection(channel, &source.payload),
        ),
        _ => decode_payload(source),
    }
}

/// Short human label of a message's radio access technology.
pub fn rat_label(rat: Rat) -> &'static str {
    rat.as_str()
}
