#!/usr/bin/env python3
"""Count DIAG log codes (and packet versions of the signal/TA codes) in .qmdl/.mi2log files.

Usage: log_codes.py FILE...  Frames are split on 0x7E and unescaped (0x7D xor 0x20); the CRC is
not checked here, which is fine for a census but not for parsing.
"""
import struct
import sys
from collections import Counter

WATCH = {0xB17F: "ML1 serving meas", 0xB180: "ML1 neighbour meas", 0xB062: "MAC RACH trace",
         0xB063: "MAC DL TB", 0xB064: "MAC UL TB", 0xB193: "ML1 serving meas resp",
         0xB195: "ML1 conn neighbour meas", 0xB196: "ML1 ncell meas", 0xB179: "ML1 conn meas",
         0xB17E: "ML1 UE-specific?"}


def frames(data):
    for raw in data.split(b"\x7e"):
        out = bytearray()
        it = iter(raw)
        for b in it:
            if b == 0x7D:
                nb = next(it, None)
                if nb is None:
                    break
                out.append(nb ^ 0x20)
            else:
                out.append(b)
        if len(out) > 2:
            yield bytes(out[:-2])


def main():
    total = Counter()
    for path in sys.argv[1:]:
        codes, versions = Counter(), Counter()
        for f in frames(open(path, "rb").read()):
            if f[:1] == b"\x98":
                f = f[8:]
            if len(f) < 17 or f[0] != 0x10:
                continue
            code = struct.unpack_from("<H", f, 6)[0]
            codes[code] += 1
            if code in WATCH:
                versions[(code, f[16])] += 1
        total.update(codes)
        print(f"{path}: " + " ".join(f"{c:#06x}:{n}" for c, n in sorted(codes.items())))
        for (c, v), n in sorted(versions.items()):
            print(f"   {c:#06x} {WATCH[c]} version {v}: {n}")


if __name__ == "__main__":
    main()
