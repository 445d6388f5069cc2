#!/usr/bin/env python3
"""Oracle for the NAS differential test: decode EPS NAS PDUs with pycrate.

Input (stdin): one PDU per line, "<hex> <dir>" with dir = ul | dl.
Output (stdout): one JSON object per input line, in order, with what pycrate read:
  err (pycrate's error code, 0 = ok), cls (message class name), sec_hdr, pd,
  type (message type of the plain message: the inner one when integrity protected),
  trimmed (trailing octets dropped before pycrate accepted the PDU),
  ciphered, esm_type (ESM message in an ESM container), id_type (Identity request),
  identity_kind (type of the identity in Identity response), emm_cause, esm_cause, eea, eia.
"""
import json
import sys
from binascii import unhexlify

from pycrate_mobile.NASLTE import parse_NASLTE_MO, parse_NASLTE_MT


def children(elt):
    try:
        return list(elt)
    except Exception:  # atoms are not iterable; some arrays refuse iteration
        return []


def find(elt, name, depth=0):
    """First descendant (or elt itself) named `name`, depth-first."""
    if getattr(elt, "_name", None) == name:
        return elt
    if depth > 12:
        return None
    for c in children(elt):
        hit = find(c, name, depth + 1)
        if hit is not None:
            return hit
    return None


def val(elt, name):
    """Integer value of the descendant `name`; for a TV/TLV wrapper, its last integer atom."""
    e = find(elt, name)
    if e is None:
        return None
    try:
        v = e.get_val()
    except Exception:
        return None
    while isinstance(v, list) and v:
        v = v[-1]
    return v if isinstance(v, int) else None


def plain_message(msg):
    """The plain EMM/ESM message: the inner one of a security protected message."""
    if msg._name == "EMMSecProtNASMessage":
        kids = children(msg)
        if len(kids) >= 4 and kids[3]._name != "NASMessage":
            return kids[3]
        return None
    return msg


def parse_lenient(buf, parse):
    """Parse; when pycrate rejects the PDU, retry without trailing octets (basebands log
    extra octets after a message) and report how many had to go."""
    try:
        msg, err = parse(buf)
    except Exception as exc:  # pycrate itself failed: report as an oracle error
        return None, -1, 0
    if msg is not None:
        return msg, err, 0
    for cut in range(1, len(buf) - 1):
        try:
            msg2, err2 = parse(buf[:-cut])
        except Exception:
            continue
        if msg2 is not None and err2 == 0:
            return msg2, err2, cut
    return None, err, 0


def describe(hexstr, direction):
    buf = unhexlify(hexstr)
    parse = parse_NASLTE_MO if direction == "ul" else parse_NASLTE_MT
    msg, err, trimmed = parse_lenient(buf, parse)
    out = {"err": err}
    if trimmed:
        out["trimmed"] = trimmed
    if msg is None:
        return out
    out["cls"] = msg._name
    out["sec_hdr"] = buf[0] >> 4 if buf[0] & 0x0F == 7 else 0
    out["pd"] = buf[0] & 0x0F
    out["ciphered"] = msg._name == "EMMSecProtNASMessage" and plain_message(msg) is None
    plain = plain_message(msg)
    if plain is not None and plain._name != "EMMServiceRequest":
        hdr = children(plain)[0] if children(plain) else None
        out["type"] = val(hdr, "Type") if hdr is not None else None
        out["plain_cls"] = plain._name
        esmc = find(plain, "ESMContainer")
        if esmc is not None:
            inner = children(esmc)
            if inner and inner[-1]._name.startswith("ESM"):
                out["esm_type"] = val(children(inner[-1])[0], "Type")
        if plain._name == "EMMIdentityRequest":
            out["id_type"] = val(plain, "IDType")
        if plain._name == "EMMIdentityResponse":
            ident = find(plain, "ID")
            out["identity_kind"] = val(children(ident)[-1], "Type") if ident is not None else None
        cause = find(plain, "EMMCause")
        if cause is not None and not (hasattr(cause, "get_trans") and cause.get_trans()):
            out["emm_cause"] = val(cause, "EMMCause")
        ecause = find(plain, "ESMCause")
        if ecause is not None and not (hasattr(ecause, "get_trans") and ecause.get_trans()):
            out["esm_cause"] = val(ecause, "ESMCause")
        if plain._name == "EMMSecurityModeCommand":
            out["eea"] = val(plain, "CiphAlgo")
            out["eia"] = val(plain, "IntegAlgo")
    return out


def main():
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            print(json.dumps({"err": -2}))
            continue
        direction = parts[1] if len(parts) > 1 else "dl"
        try:
            row = describe(parts[0], direction)
        except Exception as exc:  # a bug here must not hide the other samples
            row = {"err": -3, "exc": repr(exc)}
        print(json.dumps(row))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
