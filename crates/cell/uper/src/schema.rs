//! Walks whole UPER values by a schema table: the kind, PER-visible constraints and
//! component layout of every type of an ASN.1 module, generated from the module by
//! `scripts/regen-uper-schema` (one table per RRC crate).
//!
//! Why: the hand-written walkers read the few fields detection needs, but to reach them they
//! must pass every field before, and RRC messages put large structures (measurement and radio
//! configuration, extension additions) in front. Generated decoders build the whole tree to
//! do that; this walks past it reading only lengths, presence bits and choice indexes.
//!
//! The walk answers only when it is sure: anything outside the table (an extension the
//! module does not define, an index or value outside its constraint, a fragmented length, an
//! open type whose contents do not fill it exactly) is [`Short`], and the walker that asked
//! leaves the message to the generated decoder. So a walk that succeeds has read a value the
//! module allows, bit for bit.

use crate::bits::{bit_width, BitReader, Bits, Short};
use crate::skip::SkipFn;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// Index of a type in its schema table.
pub type TyId = u16;

/// Deepest nesting walked; the RRC modules nest about 20 deep, and the limit keeps a damaged
/// table from recursing without bound.
pub const MAX_DEPTH: usize = 96;

/// Most optional components or extension additions of one SEQUENCE the walk reads (one
/// 64-bit presence mask); no RRC type has more.
pub const MAX_PRESENCE_BITS: usize = 64;

/// A SIZE constraint (X.691 11.9.4): `lb..=ub`, `ub` absent when unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Lower bound.
    pub lb: u32,
    /// Upper bound, if any.
    pub ub: Option<u32>,
    /// The constraint has an extension marker.
    pub ext: bool,
}

/// One component of a SEQUENCE or of an extension addition group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its type.
    pub ty: TyId,
    /// OPTIONAL or DEFAULT: it has a presence bit.
    pub optional: bool,
}

/// One extension addition of a SEQUENCE: a presence bit in the extension bitmap, and an
/// open type when present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addition {
    /// A single component.
    Field(Field),
    /// A `[[ ... ]]` group, encoded as a SEQUENCE of its components.
    Group(&'static [Field]),
}

/// One type as UPER encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// NULL: no bits.
    Null,
    /// BOOLEAN: one bit.
    Bool,
    /// INTEGER with both bounds.
    Int {
        /// Lower bound.
        lb: i64,
        /// Upper bound.
        ub: i64,
        /// The constraint has an extension marker.
        ext: bool,
    },
    /// INTEGER with an open bound: a length and that many octets.
    IntOctets {
        /// The constraint has an extension marker.
        ext: bool,
    },
    /// ENUMERATED.
    Enum {
        /// Values in the root.
        root: u16,
        /// Values after the extension marker, if there is one.
        ext: Option<u16>,
    },
    /// BIT STRING.
    BitStr(Size),
    /// OCTET STRING (also with CONTAINING: the contents are not walked).
    OctStr(Size),
    /// SEQUENCE OF.
    List {
        /// Its SIZE constraint.
        size: Size,
        /// The element type.
        of: TyId,
    },
    /// SEQUENCE.
    Seq {
        /// It has an extension marker.
        ext: bool,
        /// Root components that are optional: presence bits in front of the root.
        optional: u8,
        /// Root components, in order.
        fields: &'static [Field],
        /// Extension additions, in order.
        additions: &'static [Addition],
    },
    /// CHOICE.
    Choice {
        /// Root alternatives, in order.
        root: &'static [TyId],
        /// Extension alternatives, if there is an extension marker.
        ext: Option<&'static [TyId]>,
    },
}

/// The SEQUENCEs, CHOICEs and SEQUENCE OFs whose places a walk's hook reads or notes
/// ([`Schema::walk_within`]). Every other place is not offered to the hook, and a value
/// whose type holds none of them is read past by the compiled skip in one call.
///
/// Declared as a `static` beside the walk it serves: which types hold one of the parents is
/// worked out once per process, type by type as the walks meet them, into one flag octet per
/// type that also marks the parents, so each place a walk meets costs two loads.
#[derive(Debug)]
pub struct Interest {
    parents: &'static [TyId],
    /// Per type: [`WANTED`] when it is a parent, and [`UNKNOWN`], [`HOLDS`], [`HOLDS_NONE`]
    /// or [`SEARCHING`] in the bits of [`HOLDING`].
    flags: OnceLock<Box<[AtomicU8]>>,
}

const UNKNOWN: u8 = 0;
const HOLDS: u8 = 1;
const HOLDS_NONE: u8 = 2;
/// A type whose search is under way (a recursive type meets itself): taken to hold a parent,
/// which is never wrong, only slower.
const SEARCHING: u8 = 3;
/// The bits of a type's flags that say whether it holds a parent.
const HOLDING: u8 = 3;
/// The type is one of the parents.
const WANTED: u8 = 4;

impl Interest {
    /// The hook reads or notes places of these types only.
    pub const fn new(parents: &'static [TyId]) -> Self {
        Interest {
            parents,
            flags: OnceLock::new(),
        }
    }

    /// Whether `parent` is one of the types whose places the hook reads or notes.
    pub fn lists(&self, parent: TyId) -> bool {
        self.parents.contains(&parent)
    }

    /// The flags of every type of `types` (the table is the same on every call: an
    /// interest serves the walks of one schema).
    #[inline]
    fn flags(&self, types: &'static [Ty]) -> &[AtomicU8] {
        self.flags.get_or_init(|| {
            let flags: Box<[AtomicU8]> = types.iter().map(|_| AtomicU8::new(UNKNOWN)).collect();
            for &parent in self.parents {
                if let Some(f) = flags.get(usize::from(parent)) {
                    f.store(WANTED, Ordering::Relaxed);
                }
            }
            flags
        })
    }

    /// Whether the hook wants places of `parent`.
    #[inline]
    fn wants(flags: &[AtomicU8], parent: TyId) -> bool {
        flags
            .get(usize::from(parent))
            .is_some_and(|f| f.load(Ordering::Relaxed) & WANTED != 0)
    }

    /// Whether a value of type `ty` may hold a place the hook wants (`ty` is one of the
    /// parents, or one of its components' types may hold one).
    #[inline]
    fn may_hold(flags: &[AtomicU8], types: &'static [Ty], ty: TyId) -> bool {
        match flags
            .get(usize::from(ty))
            .map(|f| f.load(Ordering::Relaxed))
        {
            Some(f) if f & HOLDING == HOLDS_NONE => false,
            Some(f) if f & HOLDING == UNKNOWN => Self::search(flags, types, ty, 0),
            _ => true,
        }
    }

    fn search(flags: &[AtomicU8], types: &'static [Ty], ty: TyId, depth: usize) -> bool {
        // A type outside the table, or nesting past the walk's own limit: walked by the
        // table, which then refuses it.
        let (Some(slot), Some(t)) = (flags.get(usize::from(ty)), types.get(usize::from(ty))) else {
            return true;
        };
        let f = slot.load(Ordering::Relaxed);
        let wanted = f & WANTED;
        match f & HOLDING {
            HOLDS_NONE => return false,
            UNKNOWN => {}
            _ => return true,
        }
        if wanted != 0 || depth >= MAX_DEPTH {
            slot.store(wanted | HOLDS, Ordering::Relaxed);
            return true;
        }
        slot.store(SEARCHING, Ordering::Relaxed);
        let search = |c: TyId| Self::search(flags, types, c, depth + 1);
        let any = match *t {
            Ty::List { of, .. } => search(of),
            Ty::Seq {
                fields, additions, ..
            } => {
                fields.iter().any(|f| search(f.ty))
                    || additions.iter().any(|a| match a {
                        Addition::Field(f) => search(f.ty),
                        Addition::Group(g) => g.iter().any(|f| search(f.ty)),
                    })
            }
            Ty::Choice { root, ext } => {
                root.iter().any(|&c| search(c)) || ext.unwrap_or(&[]).iter().any(|&c| search(c))
            }
            _ => false,
        };
        slot.store(if any { HOLDS } else { HOLDS_NONE }, Ordering::Relaxed);
        any
    }
}

/// A generated table of one module's types, and the same table compiled to a skip function
/// when its crate builds one ([`crate::compile`]).
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    types: &'static [Ty],
    compiled: Option<SkipFn>,
}

/// Where a walk is about to read a value of type `ty`: component `index` of the SEQUENCE
/// `parent` (root components in order, then the components of its extension additions in
/// order), alternative `index` of the CHOICE `parent` (root, then extension alternatives), or
/// element `index` of the SEQUENCE OF `parent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The SEQUENCE or CHOICE.
    pub parent: TyId,
    /// The component or alternative.
    pub index: usize,
    /// Its type.
    pub ty: TyId,
}

impl Schema {
    /// The schema of `types` (a generated table).
    pub const fn new(types: &'static [Ty]) -> Self {
        Schema {
            types,
            compiled: None,
        }
    }

    /// The schema of `types` whose values [`Schema::skip`] reads past with `skip`, the
    /// table compiled by [`crate::compile::skip_source`].
    pub const fn compiled(types: &'static [Ty], skip: SkipFn) -> Self {
        Schema {
            types,
            compiled: Some(skip),
        }
    }

    /// The type `id`.
    #[inline]
    pub fn ty(&self, id: TyId) -> Bits<Ty> {
        self.types.get(usize::from(id)).copied().ok_or(Short)
    }

    /// Reads past one value of type `id`: by the compiled table when there is one.
    pub fn skip(&self, r: &mut BitReader, id: TyId) -> Bits<()> {
        match self.compiled {
            Some(skip) => skip(r, id, MAX_DEPTH),
            None => self.skip_by_table(r, id),
        }
    }

    /// Holds the compiled skip to the table walk: every type of the table read both ways
    /// from `rounds` buffers each (zeros, which take absent components and first
    /// alternatives; sparse pseudo-random bits from `seed`, which go deeper; dense ones, which
    /// fail early). The number of values both read whole, or the first type and buffer on
    /// which the answers or the bits read differ. For the tests of crates that compile a table.
    pub fn compare_compiled(&self, rounds: usize, seed: u64) -> Result<usize, String> {
        let compiled = self.compiled.ok_or("the schema has no compiled skip")?;
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut walked = 0;
        for id in 0..self.types.len() {
            let id = TyId::try_from(id).map_err(|_| "more types than ids")?;
            for round in 0..rounds {
                let len = (next() % 96) as usize;
                let bytes: Vec<u8> = (0..len)
                    .map(|_| match round % 3 {
                        0 => 0,
                        1 if next() % 4 != 0 => 0,
                        _ => next() as u8,
                    })
                    .collect();
                let (mut a, mut b) = (BitReader::new(&bytes), BitReader::new(&bytes));
                let by_code = compiled(&mut a, id, MAX_DEPTH);
                let by_table = self.skip_by_table(&mut b, id);
                if by_code != by_table || (by_table.is_ok() && a.position() != b.position()) {
                    return Err(format!(
                        "type {id} on {bytes:02x?}: compiled {by_code:?} after {} bits, \
                         table {by_table:?} after {} bits",
                        a.position(),
                        b.position()
                    ));
                }
                walked += usize::from(by_table.is_ok());
            }
        }
        Ok(walked)
    }

    /// Reads past one value of type `id` by walking the table (what the compiled skip must
    /// equal).
    pub fn skip_by_table(&self, r: &mut BitReader, id: TyId) -> Bits<()> {
        self.walk_at(r, id, MAX_DEPTH, &mut |_, _| None)
    }

    /// Reads an INTEGER of type `id` with both bounds (a value of its root; an extension
    /// value is [`Short`]).
    pub fn int(&self, r: &mut BitReader, id: TyId) -> Bits<i64> {
        let Ty::Int { lb, ub, ext } = self.ty(id)? else {
            return Err(Short);
        };
        if ext && r.bit()? {
            return Err(Short);
        }
        root_int(r, lb, ub)
    }

    /// Reads an ENUMERATED of type `id`: the index of a root value (an extension value is
    /// [`Short`]).
    pub fn enumerated(&self, r: &mut BitReader, id: TyId) -> Bits<usize> {
        let Ty::Enum { root, ext } = self.ty(id)? else {
            return Err(Short);
        };
        if ext.is_some() && r.bit()? {
            return Err(Short);
        }
        root_index(r, root)
    }

    /// Reads one value of type `id`, offering every component and alternative on the way to
    /// `hook` first: `hook(place, r)` returns `Some` when it has read that value itself
    /// (with the result), `None` to let the walk read it (it may note the place, such as
    /// which alternative was chosen).
    pub fn walk(
        &self,
        r: &mut BitReader,
        id: TyId,
        hook: &mut impl FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    ) -> Bits<()> {
        self.walk_at(r, id, MAX_DEPTH, hook)
    }

    /// [`Schema::walk`] for a hook that reads or notes only places whose parent `interest`
    /// lists: other places are not offered to it, and values that hold none of those
    /// places are read past by [`Schema::skip`] (the compiled table, when there is one).
    pub fn walk_within(
        &self,
        r: &mut BitReader,
        id: TyId,
        interest: &Interest,
        hook: &mut impl FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    ) -> Bits<()> {
        let flags = interest.flags(self.types);
        self.walk(r, id, &mut |place, r| {
            if Interest::wants(flags, place.parent) {
                if let Some(done) = hook(place, r) {
                    return Some(done);
                }
            } else {
                debug_assert!(
                    hook(place, &mut r.clone()).is_none(),
                    "a hook takes places of type {} and its interest does not list it",
                    place.parent
                );
            }
            if Interest::may_hold(flags, self.types, place.ty) {
                return None;
            }
            #[cfg(debug_assertions)]
            self.check_unwanted(r, place.ty, interest, hook);
            Some(self.skip(r, place.ty))
        })
    }

    /// Test builds walk what [`Schema::walk_within`] is about to skip, on a copy of the
    /// reader: no place inside is one the interest lists, and the hook takes none of them
    /// (an interest missing a parent its hook reads fails every test that meets one).
    #[cfg(debug_assertions)]
    fn check_unwanted(
        &self,
        r: &BitReader,
        ty: TyId,
        interest: &Interest,
        hook: &mut impl FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    ) {
        let _ = self.walk_at(
            &mut r.clone(),
            ty,
            MAX_DEPTH,
            &mut |inner: Place, r: &mut BitReader| {
                assert!(
                    !interest.lists(inner.parent),
                    "type {ty} was to be skipped but holds a place of type {}",
                    inner.parent
                );
                assert!(
                    hook(inner, &mut r.clone()).is_none(),
                    "a hook takes places of type {} and its interest does not list it",
                    inner.parent
                );
                None
            },
        );
    }

    /// Reads one value of type `ty`, handing to `read` the value found by following `path`
    /// down from it, place by place (`(parent, index)` of each step), and reading past
    /// everything else. A step reached elsewhere than inside the step before does not count,
    /// so `read` sees only that one value (if present). `interest` lists the steps' parents.
    pub fn walk_path(
        &self,
        r: &mut BitReader,
        ty: TyId,
        path: &[(TyId, usize)],
        interest: &Interest,
        read: &mut impl FnMut(TyId, &mut BitReader) -> Bits<()>,
    ) -> Bits<()> {
        debug_assert!(path.iter().all(|(parent, _)| interest.lists(*parent)));
        let Some((&step, rest)) = path.split_first() else {
            return read(ty, r);
        };
        self.walk_within(r, ty, interest, &mut |place, r| {
            ((place.parent, place.index) == step)
                .then(|| self.walk_path(r, place.ty, rest, interest, read))
        })
    }

    /// Walks a whole message of type `ty` like [`Schema::walk_within`], naming it on the
    /// way: its name is the last alternative taken of the CHOICEs `names` lists (by type,
    /// then alternative). A message named by no list is [`Short`]. `interest` lists the
    /// CHOICEs of `names` and the parents `read` wants.
    pub fn named_walk(
        &self,
        r: &mut BitReader,
        ty: TyId,
        names: &[(TyId, &[&'static str])],
        interest: &Interest,
        name: &mut &'static str,
        read: &mut impl FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    ) -> Bits<()> {
        debug_assert!(names.iter().all(|(choice, _)| interest.lists(*choice)));
        self.walk_within(r, ty, interest, &mut |place, r| {
            if let Some((_, list)) = names.iter().find(|(choice, _)| *choice == place.parent) {
                match list.get(place.index) {
                    Some(n) => *name = n,
                    None => return Some(Err(Short)),
                }
            }
            read(place, r)
        })?;
        if name.is_empty() {
            return Err(Short);
        }
        Ok(())
    }

    /// Offers `place` to the hook, or walks it.
    fn visit<H>(&self, r: &mut BitReader, place: Place, depth: usize, hook: &mut H) -> Bits<()>
    where
        H: FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    {
        if let Some(done) = hook(place, r) {
            return done;
        }
        self.walk_at(r, place.ty, depth, hook)
    }

    fn walk_at<H>(&self, r: &mut BitReader, id: TyId, depth: usize, hook: &mut H) -> Bits<()>
    where
        H: FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    {
        let ty = self.ty(id)?;
        match leaf(r, ty) {
            Some(done) => done,
            None => self.constructed(r, id, ty, depth, hook),
        }
    }

    /// A SEQUENCE OF, SEQUENCE or CHOICE value of type `ty` (number `id`).
    fn constructed<H>(
        &self,
        r: &mut BitReader,
        id: TyId,
        ty: Ty,
        depth: usize,
        hook: &mut H,
    ) -> Bits<()>
    where
        H: FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    {
        let depth = depth.checked_sub(1).ok_or(Short)?;
        match ty {
            Ty::List { size, of } => {
                for index in 0..count(r, size)? {
                    let place = Place {
                        parent: id,
                        index,
                        ty: of,
                    };
                    self.visit(r, place, depth, hook)?;
                }
                Ok(())
            }
            Ty::Seq {
                ext,
                optional,
                fields,
                additions,
            } => {
                let extended = ext && r.bit()?;
                let mut index = 0;
                let present = presence(r, usize::from(optional))?;
                self.components(r, id, fields, present, &mut index, depth, hook)?;
                if extended {
                    self.additions(r, id, additions, index, depth, hook)?;
                }
                Ok(())
            }
            Ty::Choice { root, ext } => {
                if let Some(alts) = ext {
                    if r.bit()? {
                        let i = usize::try_from(r.normally_small()?).map_err(|_| Short)?;
                        let ty = *alts.get(i).ok_or(Short)?;
                        let place = Place {
                            parent: id,
                            index: root.len() + i,
                            ty,
                        };
                        return open_type(r, |sub| self.visit(sub, place, depth, hook));
                    }
                }
                let count = u64::try_from(root.len()).map_err(|_| Short)?;
                let i = usize::try_from(r.index(count)?).map_err(|_| Short)?;
                let ty = *root.get(i).ok_or(Short)?;
                self.visit(
                    r,
                    Place {
                        parent: id,
                        index: i,
                        ty,
                    },
                    depth,
                    hook,
                )
            }
            _ => leaf(r, ty).unwrap_or(Err(Short)),
        }
    }

    /// The extension additions of a SEQUENCE (X.691 19.7-19.9): a normally small count,
    /// a presence bit each, then each present one as an open type. Components are numbered
    /// on from `index`.
    fn additions<H>(
        &self,
        r: &mut BitReader,
        id: TyId,
        additions: &'static [Addition],
        index: usize,
        depth: usize,
        hook: &mut H,
    ) -> Bits<()>
    where
        H: FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    {
        read_additions(r, additions, index, |sub, ty, index| {
            self.visit(
                sub,
                Place {
                    parent: id,
                    index,
                    ty,
                },
                depth,
                hook,
            )
        })
    }

    /// The components `fields` (their presence bits, first in the top bit, already read
    /// into `present`), numbered from `index`.
    #[allow(clippy::too_many_arguments)]
    fn components<H>(
        &self,
        r: &mut BitReader,
        parent: TyId,
        fields: &'static [Field],
        mut present: u64,
        index: &mut usize,
        depth: usize,
        hook: &mut H,
    ) -> Bits<()>
    where
        H: FnMut(Place, &mut BitReader) -> Option<Bits<()>>,
    {
        for f in fields {
            let i = *index;
            *index += 1;
            if f.optional {
                let here = present & (1 << 63) != 0;
                present <<= 1;
                if !here {
                    continue;
                }
            }
            let place = Place {
                parent,
                index: i,
                ty: f.ty,
            };
            self.visit(r, place, depth, hook)?;
        }
        Ok(())
    }
}

/// The extension additions of a SEQUENCE (X.691 19.7-19.9): a normally small count, a
/// presence bit each, then each present one as an open type, whose components (one, or a
/// group's) go to `read(reader, type, index)`, numbered on from `index`. An addition the
/// table does not define, or a mandatory one left out, is [`Short`]: left to the generated
/// decoder. The table walk and the compiled skip ([`crate::skip::additions`]) both read
/// additions here.
pub(crate) fn read_additions(
    r: &mut BitReader,
    additions: &'static [Addition],
    mut index: usize,
    mut read: impl FnMut(&mut BitReader, TyId, usize) -> Bits<()>,
) -> Bits<()> {
    let n = usize::try_from(r.normally_small()?).map_err(|_| Short)? + 1;
    let present = presence(r, n)?;
    for i in 0..n {
        let addition = additions.get(i);
        if present & (1 << (63 - i)) == 0 {
            match addition {
                Some(Addition::Field(Field {
                    optional: false, ..
                })) => return Err(Short),
                Some(Addition::Field(_)) => index += 1,
                Some(Addition::Group(g)) => index += g.len(),
                None => {}
            }
            continue;
        }
        match *addition.ok_or(Short)? {
            Addition::Field(f) => {
                let at = index;
                index += 1;
                open_type(r, |sub| read(sub, f.ty, at))?;
            }
            Addition::Group(group) => open_type(r, |sub| {
                let optional = group.iter().filter(|f| f.optional).count();
                let mut present = presence(sub, optional)?;
                for f in group {
                    let at = index;
                    index += 1;
                    if f.optional {
                        let here = present & (1 << 63) != 0;
                        present <<= 1;
                        if !here {
                            continue;
                        }
                    }
                    read(sub, f.ty, at)?;
                }
                Ok(())
            })?,
        }
    }
    Ok(())
}

/// Reads past a value of a type without components (NULL, BOOLEAN, INTEGER, ENUMERATED,
/// BIT STRING, OCTET STRING); `None` for the others.
// Always inlined: it is most of the values a walk reads, and a call per value showed as a
// tenth of the walk's instructions.
#[inline(always)]
pub(crate) fn leaf(r: &mut BitReader, ty: Ty) -> Option<Bits<()>> {
    Some(match ty {
        Ty::Null => Ok(()),
        Ty::Bool => r.skip(1),
        Ty::Int { lb, ub, ext } => int(r, lb, ub, ext),
        Ty::IntOctets { ext } => {
            if ext {
                if let Err(e) = r.skip(1) {
                    return Some(Err(e));
                }
            }
            skip_int_octets(r)
        }
        Ty::Enum { root, ext } => enumerated(r, root, ext),
        Ty::BitStr(size) => count(r, size).and_then(|n| r.skip(n)),
        Ty::OctStr(size) => count(r, size).and_then(|n| r.skip(n.checked_mul(8).ok_or(Short)?)),
        Ty::List { .. } | Ty::Seq { .. } | Ty::Choice { .. } => return None,
    })
}

/// Reads past an INTEGER in `lb..=ub` (an extension value as length-prefixed octets).
#[inline]
pub(crate) fn int(r: &mut BitReader, lb: i64, ub: i64, ext: bool) -> Bits<()> {
    if ext && r.bit()? {
        return skip_int_octets(r);
    }
    root_int(r, lb, ub).map(drop)
}

/// An INTEGER value of the root `lb..=ub`: the offset from `lb` in the fewest bits, a value
/// above `ub` refused.
#[inline]
fn root_int(r: &mut BitReader, lb: i64, ub: i64) -> Bits<i64> {
    let range = u64::try_from(ub.checked_sub(lb).ok_or(Short)?).map_err(|_| Short)?;
    let v = r.bits(bit_width(range))?;
    if v > range {
        return Err(Short);
    }
    lb.checked_add(i64::try_from(v).map_err(|_| Short)?)
        .ok_or(Short)
}

/// Reads past an ENUMERATED of `root` values (and `ext` extension values when extensible).
#[inline]
pub(crate) fn enumerated(r: &mut BitReader, root: u16, ext: Option<u16>) -> Bits<()> {
    if let Some(n) = ext {
        if r.bit()? {
            return if r.normally_small()? < u64::from(n) {
                Ok(())
            } else {
                Err(Short)
            };
        }
    }
    root_index(r, root).map(drop)
}

/// The index of one of `root` values (ENUMERATED or CHOICE root).
#[inline]
fn root_index(r: &mut BitReader, root: u16) -> Bits<usize> {
    usize::try_from(r.index(u64::from(root))?).map_err(|_| Short)
}

/// `n` presence bits (at most [`MAX_PRESENCE_BITS`]), the first in the top bit.
pub(crate) fn presence(r: &mut BitReader, n: usize) -> Bits<u64> {
    match n {
        0 => Ok(0),
        1..=57 => Ok(r.bits(n)? << (64 - n)),
        58..=MAX_PRESENCE_BITS => {
            let high = r.bits(32)?;
            let low = r.bits(n - 32)?;
            Ok(high << 32 | low << (64 - n))
        }
        _ => Err(Short),
    }
}

/// The number of elements (bits, octets, components) a SIZE constraint's length gives
/// (X.691 11.9.4, 16, 17, 20 for the unaligned variant).
pub(crate) fn count(r: &mut BitReader, size: Size) -> Bits<usize> {
    if size.ext && r.bit()? {
        return r.length();
    }
    let lb = usize::try_from(size.lb).map_err(|_| Short)?;
    match size.ub {
        Some(ub) if ub < 65_536 => {
            let ub = usize::try_from(ub).map_err(|_| Short)?;
            if ub == lb {
                Ok(lb)
            } else {
                let n = r.constrained(lb as u64, ub as u64)?;
                usize::try_from(n).map_err(|_| Short)
            }
        }
        _ => {
            let n = r.length()?;
            if n < lb {
                return Err(Short);
            }
            Ok(n)
        }
    }
}

/// An INTEGER's length-prefixed octets (X.691 12.2.4-12.2.6); at least one octet.
pub(crate) fn skip_int_octets(r: &mut BitReader) -> Bits<()> {
    let n = r.length()?;
    if n == 0 {
        return Err(Short);
    }
    r.skip(n.checked_mul(8).ok_or(Short)?)
}

/// An open type (X.691 11.2): a length in octets, then a complete encoding (X.691 11.1)
/// that `walk` must read: padding to the last octet and nothing more, and a value of no bits
/// is one zero octet. Generated decoders refuse the rest, so the walk does too.
pub(crate) fn open_type(
    r: &mut BitReader,
    walk: impl FnOnce(&mut BitReader) -> Bits<()>,
) -> Bits<()> {
    let n = r.length()?;
    let mut sub = r.take(n.checked_mul(8).ok_or(Short)?)?;
    let start = sub.position();
    walk(&mut sub)?;
    let used = sub.position() - start;
    let complete = if used == 0 {
        n == 1 && sub.bits(8)? == 0
    } else {
        used.div_ceil(8) == n
    };
    if complete {
        Ok(())
    } else {
        Err(Short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leak<T>(v: Vec<T>) -> &'static [T] {
        Box::leak(v.into_boxed_slice())
    }

    /// A table whose type 0 is a SEQUENCE holding type 1, which holds type 2, and so on
    /// down to `depth - 1` SEQUENCEs, then a BOOLEAN.
    fn nested(depth: usize) -> Schema {
        let mut types: Vec<Ty> = (0..depth)
            .map(|i| Ty::Seq {
                ext: false,
                optional: 0,
                fields: leak(vec![Field {
                    ty: TyId::try_from(i + 1).unwrap(),
                    optional: false,
                }]),
                additions: &[],
            })
            .collect();
        types.push(Ty::Bool);
        Schema::new(leak(types))
    }

    #[test]
    fn nesting_of_max_depth_is_walked_and_one_more_is_short() {
        let bytes = [0x80];
        let mut r = BitReader::new(&bytes);
        assert_eq!(nested(MAX_DEPTH).skip(&mut r, 0), Ok(()));
        assert_eq!(r.position(), 1);
        let mut r = BitReader::new(&bytes);
        assert_eq!(nested(MAX_DEPTH + 1).skip(&mut r, 0), Err(Short));
        let mut r = BitReader::new(&bytes);
        assert_eq!(nested(1000).skip(&mut r, 0), Err(Short));
    }

    /// A SEQUENCE of `n` optional BOOLEANs (type 1).
    fn optionals(n: usize) -> Schema {
        let fields = vec![
            Field {
                ty: 1,
                optional: true
            };
            n
        ];
        Schema::new(leak(vec![
            Ty::Seq {
                ext: false,
                optional: u8::try_from(n).unwrap_or(u8::MAX),
                fields: leak(fields),
                additions: &[],
            },
            Ty::Bool,
        ]))
    }

    #[test]
    fn presence_of_max_presence_bits_is_read_and_one_more_is_short() {
        // Every optional present: n presence bits, then n BOOLEANs.
        let bytes = [0xFF; 17];
        let mut r = BitReader::new(&bytes);
        assert_eq!(optionals(MAX_PRESENCE_BITS).skip(&mut r, 0), Ok(()));
        assert_eq!(r.position(), 2 * MAX_PRESENCE_BITS);
        let mut r = BitReader::new(&bytes);
        assert_eq!(optionals(MAX_PRESENCE_BITS + 1).skip(&mut r, 0), Err(Short));
        // The two-part read (above 57 bits) keeps the order: only the last present.
        let mut bits = vec![0u8; 9];
        bits[7] = 0x01; // bit 63: the 64th field present
        bits[8] = 0x80; // its BOOLEAN
        let mut seen = Vec::new();
        let mut r = BitReader::new(&bits);
        let walked = optionals(64).walk(&mut r, 0, &mut |p, _| {
            seen.push(p.index);
            None
        });
        assert_eq!(walked, Ok(()));
        assert_eq!(seen, [63]);
    }

    /// A SEQUENCE with an extension marker and one extension addition of type 1.
    fn extended(addition: Ty) -> Schema {
        Schema::new(leak(vec![
            Ty::Seq {
                ext: true,
                optional: 0,
                fields: &[],
                additions: leak(vec![Addition::Field(Field {
                    ty: 1,
                    optional: true,
                })]),
            },
            addition,
        ]))
    }

    fn walks(schema: &Schema, bytes: &[u8]) -> Bits<usize> {
        let mut r = BitReader::new(bytes);
        schema.skip(&mut r, 0).map(|()| r.position())
    }

    #[test]
    fn open_types_must_hold_exactly_their_value() {
        // Extension bit, count 1 (normally small 0), presence 1, then the open type:
        // length 1 and a BOOLEAN padded to the octet.
        let byte = Ty::Int {
            lb: 0,
            ub: 255,
            ext: false,
        };
        let two = Ty::Int {
            lb: 0,
            ub: 65535,
            ext: false,
        };
        // 1 0000000 1 | 00000001 | value octet
        assert_eq!(
            walks(&extended(byte), &[0x80, 0x80, 0x80, 0xAB]).map(|b| b > 0),
            Ok(true)
        );
        // Length 2 for an 8-bit value: an octet too many.
        assert_eq!(
            walks(&extended(byte), &[0x80, 0x81, 0x00, 0xAB, 0x00]),
            Err(Short)
        );
        // Length 1 for a 16-bit value: runs past its contents.
        assert_eq!(
            walks(&extended(two), &[0x80, 0x80, 0x80, 0xAB, 0xCD]),
            Err(Short)
        );
        // A value of no bits is one zero octet; any other octet is refused.
        assert!(walks(&extended(Ty::Null), &[0x80, 0x80, 0x80, 0x00]).is_ok());
        assert_eq!(
            walks(&extended(Ty::Null), &[0x80, 0x80, 0x81, 0x00]),
            Err(Short)
        );
        // An addition the table does not define (the second of two) is left alone.
        assert_eq!(
            walks(&extended(byte), &[0x80, 0xB0, 0x00, 0x00, 0x00]),
            Err(Short)
        );
    }
    /// A table with a recursive type: 0 holds 1 and 2; 2 is 4 or 0 again; 4 is a list of
    /// 5; 1 and 5 hold a BOOLEAN (3).
    fn recursive() -> Schema {
        let f = |ty| Field {
            ty,
            optional: false,
        };
        Schema::new(leak(vec![
            Ty::Seq {
                ext: false,
                optional: 0,
                fields: leak(vec![f(1), f(2)]),
                additions: &[],
            },
            Ty::Seq {
                ext: false,
                optional: 0,
                fields: leak(vec![f(3)]),
                additions: &[],
            },
            Ty::Choice {
                root: leak(vec![4, 0]),
                ext: None,
            },
            Ty::Bool,
            Ty::List {
                size: Size {
                    lb: 1,
                    ub: Some(2),
                    ext: false,
                },
                of: 5,
            },
            Ty::Seq {
                ext: false,
                optional: 0,
                fields: leak(vec![f(3)]),
                additions: &[],
            },
        ]))
    }

    #[test]
    fn interests_know_which_types_hold_their_places() {
        let schema = recursive();
        let holds = |interest: &Interest| -> Vec<bool> {
            let flags = interest.flags(schema.types);
            (0..6)
                .map(|t| Interest::may_hold(flags, schema.types, t))
                .collect()
        };
        // Through the list: 4 holds 5, 2 holds 4, 0 holds 2.
        let list = Interest::new(&[5]);
        assert_eq!(holds(&list), [true, false, true, false, true, true]);
        // Through the recursion: 2 holds 0, which holds 1.
        let first = Interest::new(&[1]);
        assert_eq!(holds(&first), [true, true, true, false, false, false]);
        // Asked in another order, the same answers (the search memoizes per type).
        let late = Interest::new(&[1]);
        let mut reverse: Vec<bool> = (0..6)
            .rev()
            .map(|t| Interest::may_hold(late.flags(schema.types), schema.types, t))
            .collect();
        reverse.reverse();
        assert_eq!(reverse, [true, true, true, false, false, false]);
    }

    /// Walks `recursive()`'s type 0 over 1 | 0 | 1 | 1 | 0 (a BOOLEAN, alternative 0, a
    /// list of two 5s) with a hook that takes the list's elements.
    fn take_list_elements(interest: &Interest) -> (Bits<()>, usize, Vec<usize>) {
        let schema = recursive();
        let bytes = [0b1011_0000];
        let mut taken = Vec::new();
        let mut r = BitReader::new(&bytes);
        let walked = schema.walk_within(&mut r, 0, interest, &mut |p, r| {
            (p.parent == 4).then(|| {
                taken.push(p.index);
                schema.skip_by_table(r, p.ty)
            })
        });
        (walked, r.position(), taken)
    }

    #[test]
    fn walks_within_an_interest_offer_its_places() {
        assert_eq!(
            take_list_elements(&Interest::new(&[4])),
            (Ok(()), 5, vec![0, 1])
        );
    }

    /// Test builds catch an interest that leaves out a parent its hook takes.
    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "its interest does not list it")]
    fn a_hook_taking_places_its_interest_leaves_out_fails_tests() {
        let _ = take_list_elements(&Interest::new(&[1]));
    }
}
