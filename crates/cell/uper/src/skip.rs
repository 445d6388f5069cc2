//! What compiled skips call: the generated code of [`crate::compile`] reads past values with
//! these, so a compiled skip and the table walk of [`crate::schema`] share every rule of the
//! encoding (constraint checks, open types, extension additions) and differ only in how they
//! find the next type: a direct call instead of a table lookup and a match.

use crate::bits::{BitReader, Bits, Short};
use crate::schema::{self, Addition, Size, Ty, TyId};

/// A compiled skip of a whole table: reads past one value of type `id`, `depth` nesting
/// levels left (as [`schema::Schema::skip`] counts them). Generated per schema table by
/// [`crate::compile::skip_source`].
pub type SkipFn = fn(&mut BitReader, TyId, usize) -> Bits<()>;

/// Reads past a value of a type without components (NULL, BOOLEAN, INTEGER, ENUMERATED,
/// BIT STRING, OCTET STRING); any other type is [`Short`]. Generated code passes constants,
/// which the compiler folds into the one read each type needs.
#[inline(always)]
pub fn leaf(r: &mut BitReader, ty: Ty) -> Bits<()> {
    schema::leaf(r, ty).unwrap_or(Err(Short))
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
