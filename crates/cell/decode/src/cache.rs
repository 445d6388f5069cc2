//! A decoder that remembers what recently repeated RRC and NAS PDUs decoded to.
//!
//! A cell repeats its MasterInformationBlock every 40 ms and its system information every
//! 80–640 ms, byte for byte, for as long as it is configured the same way; idle devices also
//! hear the same paging messages over and over. Dedicated messages repeat too: in the real
//! recordings 37–42% of DL-DCCH and UL-DCCH PDUs are byte-for-byte repeats of an earlier one
//! (reconfiguration and security mode completions, the device's own capabilities, the same
//! connection setup from the same cell), and so do NAS records (attach and tracking area
//! update requests of the same device, plain copies of integrity-protected messages).
//! Decoding is a pure function of (channel, bytes), so the decoded form of a repeated PDU can
//! be reused.
//!
//! When full, the cache forgets one entry for each new one: the next one a cursor sweeping the
//! table's slots meets. Slots follow the hash (keyed per process), so this forgets at random
//! with respect to the PDUs. Clearing everything, or forgetting the oldest, would forget all of
//! a working set slightly larger than the cache each time round; this keeps most of it.
//!
//! A PDU is remembered the second time it is seen, not the first. Most PDUs of a recording
//! read once never come back (paging for other phones, measurement reports, each
//! reconfiguration), and remembering each of them cost an allocation, a decoded form kept
//! alive and the eviction of something useful. First sightings are noted in a small Bloom
//! filter, emptied after every [`SEEN_RESET`] notes so it never fills: a false positive only
//! remembers a PDU at its first sighting, and an emptying only delays one. (A table of one
//! tag per slot, tried first, let two PDUs sharing a slot evict each other's note forever, so
//! neither was ever remembered.)
//!
//! The analysis pipeline does not bring most LTE paging here: its pages are read by the walker
//! into their event directly, which costs less than the lookup (`derive_lte_paging` in the
//! events crate).

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use smallvec::SmallVec;

use stingwatch_model::{LteRrcChannel, NrRrcChannel, PayloadKind, RadioMessage};

use crate::{decode_for_detection, decode_payload, Decoded, DecodedMessage};

/// Most PDUs remembered at once; when full, each new PDU replaces one, so memory stays bounded
/// whatever a transmitter sends. One pass of the real recording the benchmark repeats holds
/// 1,076 distinct RRC PDUs; 1,024 entries were measured to thrash on that working set. Each
/// entry holds its decoded summary (about 560 bytes with the table's share; an entry reused
/// for another PDU also keeps the room of its paging list, at most 16 records, and of its NAS
/// list): on recordings read once, where most entries are never asked for again, 4,096
/// entries were 2.3 MB of peak RSS, so the table stays near twice that working set.
pub const MAX_CACHE_ENTRIES: usize = 2048;

/// Most PDU bytes remembered at once (the keys): real PDUs average 40-70 bytes, so this only
/// binds when a transmitter sends many large distinct PDUs, and holds the cache to what 512
/// PDUs of [`MAX_CACHED_PDU`] bytes would take.
pub const MAX_CACHE_BYTES: usize = 256 * 1024;

/// Largest PDU remembered, in bytes (system information messages are a few hundred bytes).
pub const MAX_CACHED_PDU: usize = 512;

/// Bits of the filter of first sightings (a power of two; 8 KiB). Each PDU sets three.
pub const SEEN_BITS: usize = 65536;

/// First sightings noted before the filter is emptied: at that point about 3% of the PDUs
/// never seen would pass for seen, (1 - e^(-3 * 8192 / 65536))^3. It needs to outlast the gap
/// between a PDU and its repeat; the real recordings' repeats (SIBs, paging, completions) come
/// back within a few hundred to about 1,500 distinct PDUs.
pub const SEEN_RESET: usize = 8192;

/// How often the cache answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// PDUs answered from the cache.
    pub hits: u64,
    /// Cacheable PDUs decoded in full (first sightings included).
    pub misses: u64,
    /// LTE RRC, NAS and NR RRC PDUs longer than [`MAX_CACHED_PDU`], never cached.
    pub uncached: u64,
    /// PDUs remembered in the entry of one the full cache forgot for them, read into its
    /// allocations.
    pub reused: u64,
}

/// PDU bytes kept inline in an entry; longer PDUs keep theirs in an allocation of their own.
/// Most real PDUs are shorter (paging, SIBs, NAS records), and a key read where the entry is
/// read costs no further cache miss when comparing it.
const INLINE_KEY: usize = 64;

/// One remembered PDU: its bytes, what they decoded to and the reader's part, in one
/// allocation, so that a lookup touches one place beyond the table's own small slots.
// The decoded form is held here, not behind a shared handle: refilling a forgotten entry
// would otherwise ask the handle whether it is unique, a locked instruction that `perf`
// found costing half of the refill's time on recordings read once.
#[repr(C)] // the key first: a lookup compares it before it reads anything else
struct Entry<M> {
    key: SmallVec<[u8; INLINE_KEY]>,
    hash: u64,
    decoded: Decoded,
    memo: M,
}

/// Decoded PDUs of one channel (or of NAS records), by their bytes, each with what its reader
/// keeps beside it. A slot is one pointer, so the slots a lookup probes stay few and dense;
/// foldhash is seeded per process, and even if a transmitter made its PDUs collide, a table
/// of at most [`MAX_CACHE_ENTRIES`] bounds the cost of a lookup.
type ChannelCache<M> = HashTable<Box<Entry<M>>>;

/// Decodes radio messages exactly as [`crate::decode_message`] does, reusing the result for
/// repeated LTE RRC, EPS NAS and NR RRC PDUs.
///
/// Each remembered PDU also holds an `M` for the reader ([`Decoder::decode_with`] lends it):
/// what the reader works out from a decoded form once, such as the events it means. Kept in
/// the same table entry, it is found by the same lookup and forgotten with its PDU, so the
/// reader needs no table of its own keyed on the decoded form.
#[derive(Debug)]
pub struct Decoder<M = ()> {
    /// One table per LTE RRC channel (indexed by [`channel_index`]), one for NAS records
    /// ([`NAS_TABLE`]) and one per NR RRC channel (from [`NR_TABLES`]), so entries are found by
    /// borrowed bytes without building a key.
    cache: [ChannelCache<M>; NR_TABLES + NrRrcChannel::ALL.len()],
    entries: usize,
    /// Most PDUs remembered at once ([`MAX_CACHE_ENTRIES`] unless set lower).
    max_entries: usize,
    /// Sum of the remembered PDUs' lengths.
    bytes: usize,
    stats: CacheStats,
    /// The decoded form of the last message that is not cached, lent to its reader.
    scratch: Decoded,
    /// An LTE RRC message `scratch` held before a message of another kind, kept for the next
    /// LTE RRC message read into `scratch` (NAS records come between paging messages).
    spare_rrc: Option<Box<stingwatch_lte_rrc::RrcMessage>>,
    hasher: foldhash::fast::RandomState,
    /// Bloom filter of PDUs seen once and not remembered ([`SEEN_BITS`] bits).
    seen: Box<[u64]>,
    /// First sightings noted since the filter was last emptied.
    seen_notes: usize,
    /// Per table, the slot where the search for the next entry to forget starts.
    forget_from: [usize; NR_TABLES + NrRrcChannel::ALL.len()],
}

impl<M: std::fmt::Debug> std::fmt::Debug for Entry<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("key_len", &self.key.len())
            .field("memo", &self.memo)
            .finish_non_exhaustive()
    }
}

impl<M: Default> Default for Decoder<M> {
    fn default() -> Self {
        Decoder {
            cache: Default::default(),
            entries: 0,
            max_entries: MAX_CACHE_ENTRIES,
            bytes: 0,
            stats: CacheStats::default(),
            scratch: Decoded::default(),
            spare_rrc: None,
            hasher: foldhash::fast::RandomState::default(),
            seen: vec![0; SEEN_BITS / 64].into_boxed_slice(),
            seen_notes: 0,
            forget_from: [0; NR_TABLES + NrRrcChannel::ALL.len()],
        }
    }
}

/// Table of NAS records (EPS NAS PDUs logged on their own), after the RRC channels'.
const NAS_TABLE: usize = LteRrcChannel::ALL.len();

/// First table of the NR RRC channels, in the order of [`NrRrcChannel::ALL`].
const NR_TABLES: usize = NAS_TABLE + 1;

/// Position of `channel` in [`LteRrcChannel::ALL`].
fn channel_index(channel: LteRrcChannel) -> usize {
    channel as usize
}

impl Decoder {
    /// An empty decoder whose entries hold nothing for the reader.
    pub fn new() -> Self {
        Decoder::default()
    }
}

impl<M: Default> Decoder<M> {
    /// An empty decoder whose entries each hold an `M` for the reader, `M::default()` at first.
    pub fn with_memo() -> Self {
        Decoder::default()
    }

    /// The same decoder remembering at most `entries` PDUs at once (at least one, at most
    /// [`MAX_CACHE_ENTRIES`]): less memory on small devices, and a cache that fills soon for
    /// tests of what it does when full.
    pub fn with_max_entries(mut self, entries: usize) -> Self {
        self.max_entries = entries.clamp(1, MAX_CACHE_ENTRIES);
        self
    }

    /// Number of PDUs remembered now.
    pub fn remembered(&self) -> usize {
        self.entries
    }

    /// Bytes of the PDUs remembered now.
    pub fn remembered_bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets one remembered PDU, of table `own` when it has any, and hands back its entry;
    /// `None` when the cache is empty.
    fn forget_one(&mut self, own: usize) -> Option<Box<Entry<M>>> {
        let victim = if self.cache.get(own).is_some_and(|m| !m.is_empty()) {
            Some(own)
        } else {
            self.cache.iter().position(|m| !m.is_empty())
        };
        let i = victim?;
        let (m, from) = self.cache.get_mut(i).zip(self.forget_from.get_mut(i))?;
        // The sweep goes on from where the last one stopped. Taking the table's first entry
        // each time, as before, emptied the front of the table, so each search scanned further
        // and then looked its find up again by hash.
        let slots = m.num_buckets();
        let at = (0..slots)
            .map(|step| (*from + step) % slots)
            .find(|&at| m.get_bucket(at).is_some())?;
        *from = at + 1;
        let (gone, _) = m.get_bucket_entry(at).ok()?.remove();
        self.entries = self.entries.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(gone.key.len());
        Some(gone)
    }

    /// Counters since the decoder was made.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Decode one radio message; the result equals `decode_message(source)`. The decoded form
    /// is a copy of what the cache holds (the pipeline reads it in place with
    /// [`Decoder::decode_with`]).
    pub fn decode(&mut self, source: RadioMessage) -> DecodedMessage {
        let decoded = self.decode_with(&source, |decoded, _| Arc::new(decoded.clone()));
        DecodedMessage { source, decoded }
    }

    /// Calls `f` with the decoded form of `source` (the value `decode_message(source)` holds)
    /// and the reader's `M` for it, both borrowed from the cache when its PDU is remembered:
    /// reading a repeat then costs no copy. A PDU that is not remembered comes
    /// without an `M`, so its reader keeps nothing that would be dropped at once.
    pub fn decode_with<R>(
        &mut self,
        source: &RadioMessage,
        f: impl FnOnce(&Decoded, Option<&mut M>) -> R,
    ) -> R {
        let Some(index) = table_of(source.kind) else {
            self.scratch = decode_payload(source);
            return self.lend_scratch(f);
        };
        if source.payload.len() > MAX_CACHED_PDU {
            self.stats.uncached += 1;
            self.refill_scratch(source);
            return self.lend_scratch(f);
        }
        let key = source.payload.as_slice();
        let hash = self.hasher.hash_one(key);
        if let Some(hit) = self
            .cache
            .get_mut(index)
            .and_then(|m| m.find_mut(hash, |e| e.key.as_slice() == key))
        {
            self.stats.hits += 1;
            let hit = &mut **hit;
            return f(&hit.decoded, Some(&mut hit.memo));
        }
        self.stats.misses += 1;
        if self.first_sighting(index, hash) {
            self.refill_scratch(source);
            return self.lend_scratch(f);
        }
        let len = source.payload.len();
        let mut forgotten = None;
        while self.entries >= self.max_entries || self.bytes + len > MAX_CACHE_BYTES {
            match self.forget_one(index) {
                Some(gone) => forgotten = Some(gone),
                None => break,
            }
        }
        // A full cache forgets a PDU for each new one (several when the new one needs the room
        // of more than one): the new one is read into the last forgotten entry's allocations
        // (its box and its LTE RRC message), which on recordings read once
        // saves an allocation and a free of each for most PDUs remembered.
        let entry = match forgotten {
            Some(mut entry) => {
                entry
                    .decoded
                    .refill_for_detection(source, &mut self.spare_rrc);
                entry.key = SmallVec::from_slice(key);
                entry.hash = hash;
                entry.memo = M::default();
                self.stats.reused += 1;
                entry
            }
            None => Box::new(Entry {
                key: SmallVec::from_slice(key),
                hash,
                decoded: decode_for_detection(source),
                memo: M::default(),
            }),
        };
        let Some(m) = self.cache.get_mut(index) else {
            self.scratch = entry.decoded;
            return self.lend_scratch(f);
        };
        self.entries += 1;
        self.bytes += len;
        let slot = m.insert_unique(hash, entry, |e| e.hash).into_mut();
        f(&slot.decoded, Some(&mut slot.memo))
    }

    /// Whether the PDU of table `index` hashing to `hash` is seen for the first time lately,
    /// noting it if so.
    fn first_sighting(&mut self, index: usize, hash: u64) -> bool {
        // Three bit positions from three 16-bit parts of the hash, the table mixed in so that
        // equal bytes on two channels are two PDUs.
        let mixed = hash ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let bits = [mixed, mixed >> 16, mixed >> 32].map(|h| h as usize & (SEEN_BITS - 1));
        let is_set =
            |seen: &[u64], b: usize| seen.get(b / 64).is_some_and(|w| w >> (b % 64) & 1 == 1);
        if bits.iter().all(|&b| is_set(&self.seen, b)) {
            return false;
        }
        if self.seen_notes >= SEEN_RESET {
            self.seen.fill(0);
            self.seen_notes = 0;
        }
        for b in bits {
            if let Some(w) = self.seen.get_mut(b / 64) {
                *w |= 1 << (b % 64);
            }
        }
        self.seen_notes += 1;
        true
    }

    /// Makes `decode_for_detection(source)` the scratch form, read into the scratch's own
    /// allocations: a paging message (from readers other than the analysis pipeline) then
    /// costs no allocation and no free for its message and paging list.
    fn refill_scratch(&mut self, source: &RadioMessage) {
        self.scratch
            .refill_for_detection(source, &mut self.spare_rrc);
    }

    /// Calls `f` with the scratch decoded form, which has no reader's part.
    fn lend_scratch<R>(&mut self, f: impl FnOnce(&Decoded, Option<&mut M>) -> R) -> R {
        f(&self.scratch, None)
    }
}

/// The cache table of a payload kind, if the kind is cached.
fn table_of(kind: PayloadKind) -> Option<usize> {
    match kind {
        PayloadKind::LteRrc { channel } => Some(channel_index(channel)),
        PayloadKind::LteNas => Some(NAS_TABLE),
        PayloadKind::NrRrc { channel } => Some(NR_TABLES + channel as usize),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_index_is_position_in_all() {
        for (i, c) in LteRrcChannel::ALL.iter().enumerate() {
            assert_eq!(channel_index(*c), i, "{c:?}");
        }
        for (i, c) in NrRrcChannel::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{c:?}");
        }
    }
}
