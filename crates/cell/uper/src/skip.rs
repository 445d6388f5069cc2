//! What compiled skips call: the generated code of [`crate::compile`] reads past values with
//! these, so a compiled skip and the table walk of [`crate::schema`] share every rule of the
//! encoding (constraint checks, open types, extension additions) and differ only in how they
//! find the next type: a direct call instead of a table lookup and a match.

use crate::bits::{BitReader, Bits, Short};
use crate::schema::{self, Addition, Size, TyId};

/// A compiled skip of a whole table: reads past one value of type `id`, `depth` nesting
/// levels left (as [`schema::Schema::skip`] counts them). Generated per schema table by
/// [`crate::compile::skip_source`].
pub type SkipFn = fn(&mut BitReader, TyId, usize) -> Bits<()>;

// One small function per leaf kind, called with constants. Optimised builds force each inline,
// so the generated code is what a single generic leaf reader gave and the code layout list
// needs no new names. Builds with debug assertions (tests) leave them plain calls: forced
// inline at each of the tens of thousands of leaf components, they made the unoptimised build
// of the two RRC crates take 326 s instead of 14 s.

/// Reads past a BOOLEAN.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn boolean(r: &mut BitReader) -> Bits<()> {
    r.skip(1)
}

/// Reads past an INTEGER in `lb..=ub` (extensible when `ext`).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn int(r: &mut BitReader, lb: i64, ub: i64, ext: bool) -> Bits<()> {
    schema::int(r, lb, ub, ext)
}

/// Reads past an INTEGER with an open bound: a length and that many octets.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn int_octets(r: &mut BitReader, ext: bool) -> Bits<()> {
    if ext {
        r.skip(1)?;
    }
    schema::skip_int_octets(r)
}

/// Reads past an ENUMERATED of `root` values (and `ext` extension values).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn enumerated(r: &mut BitReader, root: u16, ext: Option<u16>) -> Bits<()> {
    schema::enumerated(r, root, ext)
}

/// Reads past a BIT STRING of SIZE `size`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn bit_string(r: &mut BitReader, size: Size) -> Bits<()> {
    let n = count(r, size)?;
    r.skip(n)
}

/// Reads past an OCTET STRING of SIZE `size`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn octet_string(r: &mut BitReader, size: Size) -> Bits<()> {
    let n = count(r, size)?;
    r.skip(n.checked_mul(8).ok_or(Short)?)
}

/// `n` presence bits of a SEQUENCE, the first in the top bit (more than
/// [`schema::MAX_PRESENCE_BITS`] is [`Short`]).
#[inline]
pub fn presence(r: &mut BitReader, n: usize) -> Bits<u64> {
    schema::presence(r, n)
}

/// The number of elements of a SEQUENCE OF with SIZE constraint `size`.
#[inline]
pub fn count(r: &mut BitReader, size: Size) -> Bits<usize> {
    schema::count(r, size)
}

/// An extension alternative of a CHOICE whose extension alternatives are `ext`, after its
/// extension bit (set): a normally small index, then the alternative as an open type.
pub fn choice_extension(
    r: &mut BitReader,
    ext: &'static [TyId],
    depth: usize,
    skip: SkipFn,
) -> Bits<()> {
    let i = usize::try_from(r.normally_small()?).map_err(|_| Short)?;
    let ty = *ext.get(i).ok_or(Short)?;
    schema::open_type(r, |sub| skip(sub, ty, depth))
}

/// The extension additions of a SEQUENCE whose extension bit was set, read by the same code
/// as the table walk's ([`schema::read_additions`]).
pub fn additions(
    r: &mut BitReader,
    additions: &'static [Addition],
    depth: usize,
    skip: SkipFn,
) -> Bits<()> {
    schema::read_additions(r, additions, 0, |sub, ty, _| skip(sub, ty, depth))
}
