//! A decoder that remembers what recent broadcast PDUs decoded to.
//!
//! A cell repeats its MasterInformationBlock every 40 ms and its system information every
//! 80–640 ms, byte for byte, for as long as it is configured the same way; idle devices also
//! hear the same empty or unchanged paging messages over and over. Decoding is a pure function
//! of (channel, bytes), so the decoded form of such a PDU can be reused: on recordings where
//! the device camps on a few cells this removes most of the UPER decoding work. Dedicated
//! channels carry per-connection content and are always decoded in full.

use std::collections::HashMap;
use std::sync::Arc;

use stingwatch_lte_rrc::{RrcError, RrcMessage};
use stingwatch_model::{LteRrcChannel, PayloadKind, RadioMessage};

use crate::{decode_message, from_rrc, DecodedMessage};

/// Most PDUs remembered at once; when full the cache starts over, so memory stays bounded
/// whatever a transmitter broadcasts.
pub const MAX_CACHE_ENTRIES: usize = 1024;

/// Largest PDU remembered, in bytes (system information messages are a few hundred bytes).
pub const MAX_CACHED_PDU: usize = 512;

/// How often the cache answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// PDUs answered from the cache.
    pub hits: u64,
    /// Cacheable PDUs decoded in full.
    pub misses: u64,
    /// PDUs on channels that are never cached.
    pub uncached: u64,
}

/// Decoded PDUs of one channel, by their bytes.
type ChannelCache = HashMap<Box<[u8]>, Result<Arc<RrcMessage>, RrcError>>;

/// Decodes radio messages exactly as [`crate::decode_message`] does, reusing the result for
/// repeated broadcast and paging PDUs.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Per channel, so entries are found by borrowed bytes without allocating a key.
    cache: HashMap<LteRrcChannel, ChannelCache>,
    entries: usize,
    stats: CacheStats,
}

/// Channels whose PDUs repeat unchanged: broadcast and paging.
fn cacheable(channel: LteRrcChannel) -> bool {
    matches!(
        channel,
        LteRrcChannel::BcchBch
            | LteRrcChannel::BcchDlSch
            | LteRrcChannel::BcchDlSchBr
            | LteRrcChannel::BcchBchMbms
            | LteRrcChannel::BcchDlSchMbms
            | LteRrcChannel::Pcch
    )
}

impl Decoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Decoder::default()
    }

    /// Counters since the decoder was made.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Decode one radio message; the result equals `decode_message(source)`.
    pub fn decode(&mut self, source: RadioMessage) -> DecodedMessage {
        let PayloadKind::LteRrc { channel } = source.kind else {
            return decode_message(source);
        };
        if !cacheable(channel) || source.payload.len() > MAX_CACHED_PDU {
            self.stats.uncached += 1;
            return decode_message(source);
        }
        let hit = self
            .cache
            .get(&channel)
            .and_then(|m| m.get(source.payload.as_slice()))
            .cloned();
        if let Some(hit) = hit {
            self.stats.hits += 1;
            return from_rrc(source, channel, hit);
        }
        self.stats.misses += 1;
        let rrc = stingwatch_lte_rrc::decode(channel, &source.payload).map(Arc::new);
        if self.entries >= MAX_CACHE_ENTRIES {
            self.cache.clear();
            self.entries = 0;
        }
        self.cache
            .entry(channel)
            .or_default()
            .insert(source.payload.clone().into_boxed_slice(), rrc.clone());
        self.entries += 1;
        from_rrc(source, channel, rrc)
    }
}
