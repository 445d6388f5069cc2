//! Writes a schema table out as Rust: one function per SEQUENCE, SEQUENCE OF and CHOICE that
//! reads past a value of that type, calling the functions of its components directly and
//! reading its leaf components inline. RRC crates run it from their build scripts over their
//! generated table, so the compiled skip can never drift from the table.
//!
//! Why: walking by the table costs a lookup, a match on the type's kind and a recursive call
//! for every value, about a hundred instructions, and most of the values a walk reads are
//! skipped whole (measurement and radio configurations, cell group containers). Compiled,
//! a leaf is its one read with the constraint folded in, and a SEQUENCE is its presence bits
//! and straight-line code. The rules of the encoding stay in one place: generated code calls
//! [`crate::skip`], which shares them with [`crate::schema`].

use std::fmt::Write;

use crate::schema::{Addition, Field, Size, Ty};

/// Writes [`skip_source`] of `types` to `skip.rs` in the build script's `OUT_DIR`, where the
/// crate includes it.
pub fn write_skip_source(types: &[Ty]) -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR not set")?);
    std::fs::write(out.join("skip.rs"), skip_source(types))?;
    Ok(())
}

/// Rust source of `pub(crate) fn skip(r, id, depth)` (a [`crate::skip::SkipFn`]) for the
/// table `types`, with one private function per constructed type.
pub fn skip_source(types: &[Ty]) -> String {
    let mut out = String::new();
    out.push_str(
        "// Generated at build time by stingwatch_uper::compile from the schema table.\n\
         use stingwatch_uper::bits::{BitReader, Bits, Short};\n\
         use stingwatch_uper::schema::{Addition as A, Field as F, Size as S, TyId};\n\
         use stingwatch_uper::skip as k;\n\n\
         /// Reads past one value of type `id` of the schema table, `depth` nesting levels \
         left: a compiled `Schema::skip`.\n\
         #[allow(clippy::match_single_binding)]\n\
         pub(crate) fn skip(r: &mut BitReader, id: TyId, depth: usize) -> Bits<()> {\n    \
         match id {\n",
    );
    for (id, ty) in types.iter().enumerate() {
        if is_leaf(ty) {
            let _ = writeln!(out, "        {id} => {},", leaf_call(ty));
        } else {
            let _ = writeln!(out, "        {id} => t{id}(r, depth),");
        }
    }
    out.push_str("        _ => Err(Short),\n    }\n}\n");
    for (id, ty) in types.iter().enumerate() {
        if is_leaf(ty) {
            continue;
        }
        let _ = write!(
            out,
            "\n#[allow(unused_variables, unused_mut, clippy::all)]\n\
             fn t{id}(r: &mut BitReader, depth: usize) -> Bits<()> {{\n    \
             let depth = depth.checked_sub(1).ok_or(Short)?;\n"
        );
        match *ty {
            Ty::List { size, of } => {
                let _ = writeln!(
                    out,
                    "    for _ in 0..k::count(r, {})? {{\n        {}\n    }}\n    Ok(())",
                    size_literal(size),
                    child(types, of)
                );
            }
            Ty::Seq {
                ext,
                optional,
                fields,
                additions,
            } => {
                if ext {
                    out.push_str("    let extended = r.bit()?;\n");
                }
                if optional > 0 {
                    let _ = writeln!(out, "    let present = k::presence(r, {optional})?;");
                }
                let mut bit = 0usize;
                for f in fields {
                    if f.optional {
                        // Bits past the 64th were never read (presence refuses them), so
                        // such a component is absent, as the table walk has it.
                        if bit < 64 {
                            let _ = writeln!(
                                out,
                                "    if present & (1u64 << {}) != 0 {{\n        {}\n    }}",
                                63 - bit,
                                child(types, f.ty)
                            );
                        }
                        bit += 1;
                    } else {
                        let _ = writeln!(out, "    {}", child(types, f.ty));
                    }
                }
                if ext {
                    let _ = writeln!(
                        out,
                        "    if extended {{\n        k::additions(r, &[{}], depth, skip)?;\n    }}",
                        additions_literal(additions)
                    );
                }
                out.push_str("    Ok(())");
            }
            Ty::Choice { root, ext } => {
                if let Some(alts) = ext {
                    let _ = writeln!(
                        out,
                        "    if r.bit()? {{\n        return k::choice_extension(r, &[{}], depth, skip);\n    }}",
                        alts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
                    );
                }
                let _ = writeln!(out, "    match r.index({})? {{", root.len());
                for (i, alt) in root.iter().enumerate() {
                    let _ = writeln!(out, "        {i} => {{ {} }}", child(types, *alt));
                }
                out.push_str("        _ => return Err(Short),\n    }\n    Ok(())");
            }
            _ => {}
        }
        out.push_str("\n}\n");
    }
    out
}

/// A type without components.
fn is_leaf(ty: &Ty) -> bool {
    !matches!(ty, Ty::List { .. } | Ty::Seq { .. } | Ty::Choice { .. })
}

/// The statement that reads past one component of type `id`: inline for a leaf, a call
/// otherwise (a type outside the table is [`crate::bits::Short`], as the table walk has it).
fn child(types: &[Ty], id: u16) -> String {
    match types.get(usize::from(id)) {
        Some(Ty::Null) => String::new(),
        Some(ty) if is_leaf(ty) => format!("{}?;", leaf_call(ty)),
        Some(_) => format!("t{id}(r, depth)?;"),
        None => "return Err(Short);".to_string(),
    }
}

fn size_literal(s: Size) -> String {
    format!(
        "S {{ lb: {}, ub: {}, ext: {} }}",
        s.lb,
        match s.ub {
            Some(ub) => format!("Some({ub})"),
            None => "None".to_string(),
        },
        s.ext
    )
}

/// The call of [`crate::skip`] that reads past one value of the leaf type `ty`, its
/// constraint written out as constants.
fn leaf_call(ty: &Ty) -> String {
    match *ty {
        Ty::Bool => "k::boolean(r)".to_string(),
        Ty::Int { lb, ub, ext } => format!("k::int(r, {lb}, {ub}, {ext})"),
        Ty::IntOctets { ext } => format!("k::int_octets(r, {ext})"),
        Ty::Enum { root, ext } => format!(
            "k::enumerated(r, {root}, {})",
            match ext {
                Some(n) => format!("Some({n})"),
                None => "None".to_string(),
            }
        ),
        Ty::BitStr(s) => format!("k::bit_string(r, {})", size_literal(s)),
        Ty::OctStr(s) => format!("k::octet_string(r, {})", size_literal(s)),
        // NULL has no bits; the constructed types have functions of their own.
        Ty::Null | Ty::List { .. } | Ty::Seq { .. } | Ty::Choice { .. } => {
            "Ok::<(), Short>(())".to_string()
        }
    }
}

fn field_literal(f: &Field) -> String {
    format!("F {{ ty: {}, optional: {} }}", f.ty, f.optional)
}

fn additions_literal(additions: &[Addition]) -> String {
    additions
        .iter()
        .map(|a| match a {
            Addition::Field(f) => format!("A::Field({})", field_literal(f)),
            Addition::Group(g) => format!(
                "A::Group(&[{}])",
                g.iter().map(field_literal).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
