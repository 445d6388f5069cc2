//! A decoder that remembers what recently repeated RRC PDUs decoded to.
//!
//! A cell repeats its MasterInformationBlock every 40 ms and its system information every
//! 80–640 ms, byte for byte, for as long as it is configured the same way; idle devices also
//! hear the same paging messages over and over. Dedicated messages repeat too: in the real
//! recordings 37–42% of DL-DCCH and UL-DCCH PDUs are byte-for-byte repeats of an earlier one
//! (reconfiguration and security mode completions, the device's own capabilities, the same
//! connection setup from the same cell). Decoding is a pure function of (channel, bytes), so
//! the decoded form of a repeated PDU can be reused.
//!
//! When full, the cache forgets one entry for each new one, chosen by the order of the hash
//! table (keyed per process). Clearing everything, or forgetting the oldest, would forget all
//! of a working set slightly larger than the cache each time round; this keeps most of it.

use std::collections::HashMap;
use std::sync::Arc;

use stingwatch_lte_rrc::{RrcError, RrcMessage};
use stingwatch_model::{LteRrcChannel, PayloadKind, RadioMessage};

use crate::{decode_message, from_rrc, DecodedMessage};

/// Most PDUs remembered at once; when full, each new PDU replaces one, so memory stays bounded
/// whatever a transmitter sends.
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
    /// LTE RRC PDUs longer than [`MAX_CACHED_PDU`], never cached.
    pub uncached: u64,
}

/// Decoded PDUs of one channel, by their bytes.
type ChannelCache = HashMap<Box<[u8]>, Result<Arc<RrcMessage>, RrcError>>;

/// Decodes radio messages exactly as [`crate::decode_message`] does, reusing the result for
/// repeated LTE RRC PDUs.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Per channel, so entries are found by borrowed bytes without allocating a key.
    cache: HashMap<LteRrcChannel, ChannelCache>,
    entries: usize,
    stats: CacheStats,
}

impl Decoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Decoder::default()
    }

    /// Number of PDUs remembered now.
    pub fn remembered(&self) -> usize {
        self.entries
    }

    /// Forgets one remembered PDU, of `channel` when it has any.
    fn forget_one(&mut self, channel: LteRrcChannel) {
        let victim = match self.cache.get(&channel) {
            Some(m) if !m.is_empty() => Some(channel),
            _ => self
                .cache
                .iter()
                .find(|(_, m)| !m.is_empty())
                .map(|(c, _)| *c),
        };
        let Some(m) = victim.and_then(|c| self.cache.get_mut(&c)) else {
            return;
        };
        if let Some(key) = m.keys().next().cloned() {
            m.remove(&key);
            self.entries = self.entries.saturating_sub(1);
        }
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
        if source.payload.len() > MAX_CACHED_PDU {
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
            self.forget_one(channel);
        }
        self.cache
            .entry(channel)
            .or_default()
            .insert(source.payload.clone().into_boxed_slice(), rrc.clone());
        self.entries += 1;
        from_rrc(source, channel, rrc)
    }
}
