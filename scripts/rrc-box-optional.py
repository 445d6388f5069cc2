#!/usr/bin/env python3
"""Boxes the OPTIONAL SEQUENCE components of the generated RRC types (LTE and NR).

Usage: rrc-box-optional.py <generated.rs>   (rewrites the file in place; run rustfmt after)

The generator places every component inline, so a message type holds its whole tree by value:
DL-DCCH-Message was 15,960 bytes and RRCConnectionSetup's radio resource configuration 5,832,
and the UPER decoder moves such values through every CHOICE and Result on the way up. Profiling
`analyze` showed memcpy as most of its instructions. An OPTIONAL component that is a SEQUENCE
(a struct with named fields) becomes `Option<Box<T>>`: absent components cost nothing, present
ones one allocation, and the types shrink to a few hundred bytes. The bits on the wire are
unchanged (rasn encodes and decodes `Box<T>` as `T`).
"""
import re
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = sys.argv[1]
    text = open(path, encoding="utf-8").read()
    # Structs with named fields are the SEQUENCE (and SET) types; tuple structs are newtypes
    # over integers, strings or lists and stay inline.
    sequences = set(re.findall(r"^\s*pub struct (\w+) \{", text, flags=re.M))
    # Extension addition groups must stay inline: rasn encodes them through a trait that
    # `Box<T>` does not implement.
    groups = set(
        re.findall(
            r"extension_addition_group[^\]]*\]\s*pub \w+\s*:\s*Option\s*<\s*(\w+)", text, flags=re.M
        )
    )
    sequences -= groups
    if not sequences:
        print("rrc-box-optional: no SEQUENCE types found", file=sys.stderr)
        return 1
    count = 0

    def box(m: "re.Match[str]") -> str:
        nonlocal count
        if m.group(1) not in sequences:
            return m.group(0)
        count += 1
        return f"Option<Box<{m.group(1)}>>"

    # `Option<Name>`, possibly split over lines or spaced out by rustfmt; the closing
    # `>` right after the name keeps `Option<Vec<Name>>`-like and already boxed types out.
    text = re.sub(r"Option\s*<\s*(\w+)\s*,?\s*>", box, text)
    open(path, "w", encoding="utf-8").write(text)
    print(f"rrc-box-optional: boxed {count} optional SEQUENCE components", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
