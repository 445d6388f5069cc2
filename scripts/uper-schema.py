#!/usr/bin/env python3
"""Writes the UPER schema table of one RRC module (run by scripts/regen-uper-schema).

Usage: uper-schema.py PREPARED_MODULE MODULE_NAME OUT.rs SOURCE_NOTE ROOT...

The table lists, for every type the roots reach, only what UPER (X.691, unaligned) needs to
walk past a value of it: the kind, the PER-visible constraints (value range, size range,
extensibility), the order and optionality of components and alternatives, and extension
additions with their groups. `stingwatch_uper::schema` walks values by it. Names of types
are kept only as constants, for the hand-written walkers that read some fields and skip the
rest.

pycrate (PyPI, already the tests' NAS oracle) parses and resolves the module; the table is
built from its parsed objects, never from pycrate's encoders.
"""

import re
import sys

from pycrate_asn1c.asnproc import GLOBAL, compile_text

prepared, module_name, out_path, note = sys.argv[1:5]
roots = sys.argv[5:]

compile_text(open(prepared, encoding="utf-8").read())
MOD = GLOBAL.MOD[module_name]

nodes = []  # Rust expressions, by id
node_ids = {}  # leaf expression -> id
named_ids = {}  # type name -> id
inline_ids = {}  # path of an inline constructed type -> id
CONSTRUCTED = ("SEQUENCE", "CHOICE", "SEQUENCE OF")
pending = []  # (id, named object) still to fill in


def target(obj):
    """The named type `obj` refers to, or None."""
    ref = obj._typeref
    if ref is None:
        return None
    called = getattr(ref, "called", None)
    if not called or not isinstance(called, tuple) or called[0] != module_name:
        return None
    try:
        named = MOD[called[1]]
    except KeyError:
        return None
    # A parameterised type (SetupRelease {X}) is walked from the instance, which pycrate
    # has already filled in with the actual parameter.
    if named._param:
        return None
    return named


def consts(obj, kind):
    """Every constraint of `kind` ('VAL' or 'SIZE') along the reference chain, outermost first."""
    out = []
    while obj is not None:
        out = [c for c in obj._const if c["type"] == kind] + out
        obj = target(obj)
    return out


def int_bounds(constraints):
    """(lb, ub, extensible) of the effective PER-visible range; None bounds are open."""
    lb = ub = None
    ext = False
    for c in constraints:
        roots_ = c["root"]
        los, his = [], []
        for r in roots_:
            lo = getattr(r, "lb", r)
            hi = getattr(r, "ub", r)
            if not isinstance(lo, int) and lo is not None:
                raise SystemExit(f"unexpected constraint {c['text']}")
            los.append(lo)
            his.append(hi)
        c_lb = None if any(v is None for v in los) else min(los)
        c_ub = None if any(v is None for v in his) else max(his)
        if c_lb is not None:
            lb = c_lb if lb is None else max(lb, c_lb)
        if c_ub is not None:
            ub = c_ub if ub is None else min(ub, c_ub)
        # X.691 10.3-10.4: only the last (innermost applied) constraint's extensibility counts.
        ext = c.get("ext") is not None
    return lb, ub, ext


def size(obj):
    lb, ub, ext = int_bounds(consts(obj, "SIZE"))
    lb = 0 if lb is None else lb
    ub_s = "None" if ub is None else f"Some({ub})"
    return f"S {{ lb: {lb}, ub: {ub_s}, ext: {str(ext).lower()} }}"


def is_optional(obj):
    flag = obj._flag or {}
    return any(k in flag for k in ("OPTIONAL", "DEFAULT"))


def intern(expr):
    """Id of the leaf node `expr`, shared by every place with the same one."""
    if expr in node_ids:
        return node_ids[expr]
    nid = len(nodes)
    nodes.append(expr)
    node_ids[expr] = nid
    return nid


def type_id(obj, path):
    """Id of the node that walks a value of `obj`, found at `path` (parent name, component)."""
    named = target(obj)
    local = [c for c in obj._const if c["type"] in ("VAL", "SIZE")]
    if named is not None and not local:
        return named_id(named._name)
    if obj.TYPE in CONSTRUCTED:
        # Inline SEQUENCE, CHOICE and SEQUENCE OF get a node of their own and a constant
        # named by their path, so a walker's hook on one never fires somewhere else.
        nid = len(nodes)
        nodes.append(None)
        inline_ids[path] = nid
        nodes[nid] = expr(obj, path)
        return nid
    e = expr(obj, path)
    return intern(e)


def named_id(name):
    if name in named_ids:
        return named_ids[name]
    nid = len(nodes)
    nodes.append(None)
    named_ids[name] = nid
    pending.append((nid, MOD[name]))
    return nid


def fields(obj, names, path):
    cont = obj.get_cont()
    return "&[" + ", ".join(
        f"F {{ ty: {type_id(cont[n], path + (n,))}, optional: {str(is_optional(cont[n])).lower()} }}"
        for n in names
    ) + "]"


def expr(obj, path):
    t = obj.TYPE
    if t == "NULL":
        return "Ty::Null"
    if t == "BOOLEAN":
        return "Ty::Bool"
    if t == "INTEGER":
        lb, ub, ext = int_bounds(consts(obj, "VAL"))
        if lb is not None and ub is not None:
            return f"Ty::Int {{ lb: {lb}, ub: {ub}, ext: {str(ext).lower()} }}"
        return f"Ty::IntOctets {{ ext: {str(ext).lower()} }}"
    if t == "ENUMERATED":
        root = obj.get_root() or []
        ext = obj.get_ext()
        ext_s = "None" if ext is None else f"Some({len(ext)})"
        return f"Ty::Enum {{ root: {len(root)}, ext: {ext_s} }}"
    if t == "BIT STRING":
        return f"Ty::BitStr({size(obj)})"
    if t == "OCTET STRING":
        return f"Ty::OctStr({size(obj)})"
    if t == "SEQUENCE OF":
        return f"Ty::List {{ size: {size(obj)}, of: {type_id(obj.get_cont(), path + ('item',))} }}"
    if t == "SEQUENCE":
        cont = obj.get_cont()
        ext = obj.get_ext()
        root = [n for n in cont if ext is None or n not in ext]
        adds = []
        if ext:
            groups = obj.get_ext_group() or {}
            group_of = {n: g for g, names in groups.items() for n in names}
            done = set()
            for n in ext:
                g = group_of.get(n)
                if g is None:
                    c = cont[n]
                    adds.append(
                        f"A::Field(F {{ ty: {type_id(c, path + (n,))}, optional: {str(is_optional(c)).lower()} }})"
                    )
                elif g not in done:
                    done.add(g)
                    adds.append(f"A::Group({fields(obj, groups[g], path)})")
        optional = sum(1 for n in root if is_optional(cont[n]))
        return (
            f"Ty::Seq {{ ext: {str(ext is not None).lower()}, optional: {optional}, "
            f"fields: {fields(obj, root, path)}, additions: &[{', '.join(adds)}] }}"
        )
    if t == "CHOICE":
        cont = obj.get_cont()
        ext = obj.get_ext()
        root = [n for n in cont if ext is None or n not in ext]
        alts = ", ".join(str(type_id(cont[n], path + (n,))) for n in root)
        ext_alts = (
            "None"
            if ext is None
            else "Some(&[" + ", ".join(str(type_id(cont[n], path + (n,))) for n in ext) + "])"
        )
        return f"Ty::Choice {{ root: &[{alts}], ext: {ext_alts} }}"
    raise SystemExit(f"{obj._name}: type {t} is not supported")


for r in roots:
    named_id(r)
while pending:
    nid, obj = pending.pop()
    nodes[nid] = expr(obj, (obj._name,))


def const_name(name):
    name = name.replace("IEs", "Ies")
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).upper()


with open(out_path, "w", encoding="utf-8") as out:
    out.write(f"// Generated by scripts/regen-uper-schema from {note}. Do not edit.\n")
    out.write(f"// Roots: {' '.join(roots)}\n\n")
    out.write("use stingwatch_uper::schema::{Addition as A, Field as F, Size as S, Ty, TyId};\n\n")
    out.write("/// Every type the roots reach, by id.\n")
    out.write(f"pub(crate) static TYPES: [Ty; {len(nodes)}] = [\n")
    for i, n in enumerate(nodes):
        out.write(f"    /* {i} */ {n},\n")
    out.write("];\n\n")
    consts_ = {const_name(n): (n, i) for n, i in named_ids.items()}
    for path, i in inline_ids.items():
        consts_["__".join(const_name(p) for p in path)] = (".".join(path), i)
    for c in sorted(consts_):
        name, i = consts_[c]
        out.write(f"/// `{name}`.\n#[allow(dead_code)]\npub(crate) const {c}: TyId = {i};\n")
print(f"{len(nodes)} nodes, {len(named_ids)} named types", file=sys.stderr)
