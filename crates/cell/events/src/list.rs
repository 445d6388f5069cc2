//! A short list held inside the event that owns it.
//!
//! The short lists an event kind carries (the SIBs a cell schedules or a SystemInformation
//! message holds, its extra PLMNs, the identities a page names) are a handful of items.
//! Copying an event kind is what every repeat of a broadcast costs, so these lists sit inline:
//! a copy is a few bytes moved, where a shared list cost two atomic reference counts (copy and
//! drop) on memory no other part of the message touches. A list longer than its inline
//! capacity moves to the heap whole, so nothing is cut. Lists that are often long (neighbour
//! reselection priorities) stay shared: inline room for them made every event so large that
//! moving events cost more than the counts saved.

use std::fmt;
use std::ops::Deref;

use serde::{Serialize, Serializer};
use smallvec::SmallVec;

/// A list of `T` with room for `N` of them inline (see the module notes).
#[derive(PartialEq, Eq, Hash)]
pub struct InlineList<T, const N: usize>(SmallVec<[T; N]>);

// Items are plain values, so a copy is one block move rather than an item-by-item push.
impl<T: Copy, const N: usize> Clone for InlineList<T, N> {
    fn clone(&self) -> Self {
        InlineList(SmallVec::from_slice(&self.0))
    }
}

impl<T, const N: usize> InlineList<T, N> {
    /// An empty list.
    pub fn new() -> Self {
        InlineList(SmallVec::new())
    }

    /// Appends `item` (moving the list to the heap whole when it is full).
    pub fn push(&mut self, item: T) {
        self.0.push(item);
    }

    /// Whether the items no longer fit inline and sit on the heap.
    pub fn spilled(&self) -> bool {
        self.0.spilled()
    }
}

impl<T, const N: usize> Default for InlineList<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Deref for InlineList<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for InlineList<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Serialize, const N: usize> Serialize for InlineList<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<T, const N: usize> FromIterator<T> for InlineList<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        InlineList(iter.into_iter().collect())
    }
}

impl<T, const N: usize> From<Vec<T>> for InlineList<T, N> {
    fn from(v: Vec<T>) -> Self {
        v.into_iter().collect()
    }
}

impl<T: Clone, const N: usize> From<&[T]> for InlineList<T, N> {
    fn from(v: &[T]) -> Self {
        v.iter().cloned().collect()
    }
}

impl<T, const N: usize, const K: usize> From<[T; K]> for InlineList<T, N> {
    fn from(v: [T; K]) -> Self {
        v.into_iter().collect()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a InlineList<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_longer_than_the_inline_room_keep_every_item() {
        let short: InlineList<u8, 4> = vec![1, 2, 3].into();
        assert!(!short.spilled());
        let long: InlineList<u8, 4> = (0..40).collect();
        assert!(long.spilled());
        assert_eq!(long.len(), 40);
        assert_eq!(long.clone(), long);
        assert_eq!(&long[..], &(0..40).collect::<Vec<u8>>()[..]);
        assert_ne!(short, long);
    }

    #[test]
    fn serializes_as_a_plain_list() {
        let l: InlineList<u8, 2> = [3, 5, 7].into();
        assert_eq!(serde_json::to_string(&l).ok().as_deref(), Some("[3,5,7]"));
        let empty: InlineList<u8, 2> = InlineList::new();
        assert_eq!(serde_json::to_string(&empty).ok().as_deref(), Some("[]"));
    }
}
