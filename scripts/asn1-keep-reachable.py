#!/usr/bin/env python3
"""Keeps only the type assignments of an ASN.1 module that given root types reach.

Usage: asn1-keep-reachable.py <module.asn> <ROOT> [ROOT...]   (rewrites the file in place)

TS 38.331 defines about 2,800 types, and every generated type costs build time and memory in
the decoder crate, which CI and the 32-bit ARM build compile from scratch. The decoder opens
only a few top-level messages (the logical channels and the containers carried inside other
messages), so the rest (sidelink, inter-node, variables, capability containers nobody decodes)
need not be generated. A type is kept when a root names it, directly or through other kept
types; a name appearing in `(CONTAINING X)` counts, so containers stay decodable. Value
assignments (`maxFoo INTEGER ::= 8`) are all kept: constraints name them and they cost
nothing. Comments are dropped; the kept assignments keep their text and order.

The module must be a single `... DEFINITIONS ... BEGIN ... END` without IMPORTS, as the RRC
definition modules are; anything else is refused rather than pruned wrongly.
"""
import re
import sys

ASSIGNMENT = re.compile(
    r"^(?:(?P<type>[A-Z][A-Za-z0-9-]*)\s*(?:\{[^}]*\})?\s*::="
    r"|(?P<value>[a-z][A-Za-z0-9-]*)\s+[A-Z][A-Za-z0-9-]*\s*::=)"
)
REFERENCE = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\b")
COMMENT = re.compile(r"--.*?(?:--|$)", flags=re.M)


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, roots = sys.argv[1], sys.argv[2:]
    lines = open(path, encoding="utf-8").read().splitlines()
    begin = next((i for i, l in enumerate(lines) if l.strip() == "BEGIN"), None)
    end = max((i for i, l in enumerate(lines) if l.strip() == "END"), default=None)
    if begin is None or end is None or begin > end:
        print(f"{path}: no BEGIN ... END", file=sys.stderr)
        return 1
    if any(l.strip().startswith("IMPORTS") for l in lines[begin:end]):
        print(f"{path}: module has IMPORTS; pruning would drop imported names", file=sys.stderr)
        return 1
    # Split the body into assignments: each runs from its first line to the next one's.
    starts = []
    for i in range(begin + 1, end):
        m = ASSIGNMENT.match(lines[i])
        if m:
            starts.append((i, m.group("type"), m.group("value")))
    types, values = {}, []
    for n, (i, tname, vname) in enumerate(starts):
        stop = starts[n + 1][0] if n + 1 < len(starts) else end
        text = "\n".join(lines[i:stop])
        if tname:
            if tname in types:
                print(f"{path}: type {tname} assigned twice", file=sys.stderr)
                return 1
            types[tname] = (i, text)
        else:
            values.append((i, text))
    missing = [r for r in roots if r not in types]
    if missing:
        print(f"{path}: no such root type: {', '.join(missing)}", file=sys.stderr)
        return 1
    keep, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        body = COMMENT.sub(" ", types[name][1].split("::=", 1)[1])
        todo.extend(r for r in REFERENCE.findall(body) if r in types and r not in keep)
    kept = sorted(
        [(i, COMMENT.sub("", t).rstrip()) for n, (i, t) in types.items() if n in keep]
        + [(i, COMMENT.sub("", t).rstrip()) for i, t in values]
    )
    out = lines[: begin + 1] + [""] + [t + "\n" for _, t in kept] + ["END", ""]
    open(path, "w", encoding="utf-8").write("\n".join(out))
    print(
        f"asn1-keep-reachable: kept {len(keep)} of {len(types)} types from {len(roots)} roots",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
