#!/usr/bin/env python3
"""Cut seed corpora for the fuzz targets out of the shared captures.

Usage: make_seeds.py CAPTURES_DIR OUT_DIR

Writes OUT_DIR/<target>/<name> files. Nothing here is committed: the seeds are rebuilt from
../shared at fuzz time. The cuts are deliberately simple (frames split at 0x7E flags, pcapng
blocks walked, IPv4/UDP stripped); the fuzz targets themselves do the real checking.
"""

import hashlib
import os
import struct
import sys

FLAG, ESCAPE = 0x7E, 0x7D
# Cap per target, so a run starts quickly on a 2-core machine.
MAX_SEEDS = 400
# GSMTAP LTE RRC sub-types in the order the fuzz targets' RRC_CHANNELS table lists them
# (sub-types 0-11 are their own index; the NB-IoT ones follow).
RRC_SUBTYPE_INDEX = {s: s for s in range(12)}
RRC_SUBTYPE_INDEX.update({14: 12, 15: 13, 16: 14, 17: 15, 18: 16, 20: 17, 21: 18})


class Seeds:
    def __init__(self, out):
        self.out = out
        self.counts = {}

    def add(self, target, data, tag):
        if not data:
            return
        n = self.counts.get(target, 0)
        if n >= MAX_SEEDS:
            return
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        name = "%s-%s" % (tag, hashlib.sha1(data).hexdigest()[:12])
        path = os.path.join(d, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.counts[target] = n + 1


def raw_frames(stream):
    """Escaped frames (each with its closing flag) of a DIAG stream."""
    frames, start = [], 0
    for i, b in enumerate(stream):
        if b == FLAG:
            if i > start:
                frames.append(stream[start:i + 1])
            start = i + 1
    return frames


def unescape(raw):
    out, i = bytearray(), 0
    while i < len(raw):
        b = raw[i]
        if b == ESCAPE and i + 1 < len(raw):
            out.append(raw[i + 1] ^ 0x20)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def diag_seeds(seeds, path, tag):
    stream = open(path, "rb").read()
    frames = raw_frames(stream)
    whole = len(stream) <= 16 * 1024
    if whole:
        for config in (0x00, 0x03, 0x26):
            seeds.add("qmdl_reader", bytes([config]) + stream, tag + "-whole")
            seeds.add("hdlc_deframe", bytes([config]) + stream, tag + "-whole")
        seeds.add("analyze_pipeline", stream, tag + "-whole")
    # Runs of consecutive frames: small ones for the readers, bigger ones for the pipeline.
    for size, targets in ((8, ("qmdl_reader", "hdlc_deframe")), (48, ("analyze_pipeline",))):
        # At most 40 runs per recording, spread over it, so every recording contributes.
        starts = range(0, len(frames), size)
        step = max(1, len(starts) // 40)
        for i in list(starts)[::step]:
            piece = b"".join(frames[i:i + size])
            for t in targets:
                prefix = b"" if t == "analyze_pipeline" else b"\x00"
                seeds.add(t, prefix + piece, tag + "-run")
    # One log packet per (log code, version): the record parsers' seeds.
    seen = set()
    for raw in frames:
        payload = unescape(raw[:-1])[:-2]
        if payload[:1] == b"\x98":
            payload = payload[8:]
        if len(payload) < 17 or payload[0] != 0x10:
            continue
        code = struct.unpack_from("<H", payload, 6)[0]
        # GSM RR signalling and UMTS NAS OTA: one seed per (channel, message type).
        if code == 0x512F and len(payload) > 19:
            gkey = (code, payload[16], payload[17])
            if gkey not in seen:
                seen.add(gkey)
                channel = payload[16] & 0x7F
                block = payload[19:]
                if channel in (1, 3):
                    seeds.add("gsm_decode", bytes([channel if channel == 1 else 2]) + block, tag + "-gsm-um")
                else:
                    seeds.add("gsm_decode", block, tag + "-gsm-l3")
        if code == 0x713A and len(payload) > 22:
            gkey = (code, payload[21] & 0x0F, payload[22])
            if gkey not in seen:
                seen.add(gkey)
                seeds.add("gsm_decode", payload[21:], tag + "-gsm-nas")
        # NR RRC OTA: one seed per (version, PDU number) for the record view and the decoder.
        if code == 0xB821 and len(payload) > 40:
            body = payload[16:]
            nkey = (code, body[0], body[17])
            if nkey not in seen:
                seen.add(nkey)
                seeds.add("nr_rrc_ota", body, tag + "-nr-ota")
                # Version 8 header: 24 bytes; PDU numbers 1-10 are channels 0-9 of
                # NrRrcChannel::ALL, 26 is RadioBearerConfig (index 11).
                if body[0] == 8 and (1 <= body[17] <= 10 or body[17] == 26):
                    selector = body[17] - 1 if body[17] <= 10 else 11
                    seeds.add("nr_rrc_decode", bytes([selector]) + body[24:], tag + "-nr")
                    seeds.add("nr_rrc_walker", bytes([selector]) + body[24:], tag + "-nr")
        key = (code, payload[16])
        if key in seen:
            continue
        seen.add(key)
        seeds.add("diag_log_records", payload, tag + "-log%04x" % code)
        if code == 0xB0C0 or 0xB0E0 <= code <= 0xB0ED:
            seeds.add("diag_log_records", payload[16:], tag + "-rec%04x" % code)
        if 0xB0E0 <= code <= 0xB0ED:
            seeds.add("nas_decode", payload[20:], tag + "-nas")


def pcapng_packets(data):
    """(linktype, packet bytes) of every enhanced packet block of a pcapng, either byte order."""
    out, links, off, e = [], [], 0, "<"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            e = ">" if data[off + 8:off + 12] == b"\x1a\x2b\x3c\x4d" else "<"
        btype, blen = struct.unpack_from(e + "II", data, off)
        if blen < 12 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            links = []
        elif btype == 1 and len(body) >= 2:
            links.append(struct.unpack_from(e + "H", body, 0)[0])
        elif btype == 6 and len(body) >= 20:
            ifid, _, _, caplen, _ = struct.unpack_from(e + "IIIII", body, 0)
            if ifid < len(links):
                out.append((links[ifid], body[20:20 + caplen]))
        off += blen
    return out


def udp_payload_ipv4(pkt):
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 17:
        return None
    ihl = (pkt[0] & 15) * 4
    return pkt[ihl + 8:]


def legacy_pcap(linktype, packets):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)
    for i, pkt in enumerate(packets):
        out += struct.pack("<IIII", 1749222138 + i, i * 1000, len(pkt), len(pkt)) + pkt
    return out


def pcap_seeds(seeds, path, tag):
    data = open(path, "rb").read()
    if len(data) <= 16 * 1024:
        for config in (0x00, 0x03):
            seeds.add("pcap_reader", bytes([config]) + data, tag + "-whole")
        seeds.add("analyze_pipeline", data, tag + "-whole")
    else:
        seeds.add("pcap_reader", b"\x00" + data[:16 * 1024], tag + "-head")
        seeds.add("analyze_pipeline", data[:48 * 1024], tag + "-head")
    packets = pcapng_packets(data)
    for i in range(0, len(packets), 12):
        group = [p for (lt, p) in packets[i:i + 12] if lt == 228]
        if group:
            seeds.add("pcap_reader", b"\x00" + legacy_pcap(228, group), tag + "-legacy")
    sequence = b""
    for number, (linktype, pkt) in enumerate(packets):
        # Whole IP packets for the link-layer walk: a sample is enough.
        if number % 8 == 0:
            seeds.add("gsmtap", struct.pack("<I", linktype) + pkt, tag + "-ip")
        gsmtap = udp_payload_ipv4(pkt) if linktype == 228 else None
        if not gsmtap or len(gsmtap) < 16 or gsmtap[0] != 2:
            continue
        seeds.add("gsmtap", gsmtap, tag + "-gsmtap")
        hlen, gtype, sub = gsmtap[1] * 4, gsmtap[2], gsmtap[12]
        payload = gsmtap[hlen:]
        if gtype == 0x0D and sub in RRC_SUBTYPE_INDEX:
            kind = RRC_SUBTYPE_INDEX[sub]
            seeds.add("lte_rrc_decode", bytes([kind]) + payload, tag + "-rrc%d" % sub)
            seeds.add("lte_rrc_walker", bytes([kind]) + payload, tag + "-rrc%d" % sub)
        elif gtype == 0x12:
            kind = 19
            seeds.add("nas_decode", payload, tag + "-nas")
        else:
            continue
        if len(payload) < 255:
            # Context 0x15: ARFCN 100, PCI 0, one millisecond per message.
            sequence += bytes([kind, 0x15, len(payload)]) + payload
        if len(sequence) > 2048:
            seeds.add("analyze_messages", sequence, tag + "-seq")
            sequence = b""
    seeds.add("analyze_messages", sequence, tag + "-seq")


def indicator_seeds(seeds):
    """A few indicator files of the project's own for the STIX and index targets."""
    import json

    patterns = [
        "[domain-name:value = 'evil.example']",
        "[url:value = 'https://a.example:8443/x/?q=1'] OR [ipv4-addr:value='198.51.100.0/24']",
        "[file:hashes.'SHA-256' = 'AB01'] OR [app:cert.sha1 = '00:11']",
        "[process:name = 'com.apple.spyservicesd' OR file:path = '/private/var/tmp/x/']",
        "[email-addr:value = 'it\\'s@mail.example'] OR [file:name = 'back\\\\slash']",
        "[file:name = 'a' AND file:size > 3] WITHIN 5 SECONDS",
    ]
    objects = [{"type": "malware", "id": "malware--1", "name": "Spy"},
               {"type": "report", "id": "report--1", "name": "R", "object_refs": ["indicator--1"]}]
    for i, p in enumerate(patterns):
        seeds.add("stix_pattern", p.encode(), "pattern%d" % i)
        objects.append({"type": "indicator", "id": "indicator--%d" % i, "pattern": p,
                        "pattern_type": "stix"})
        objects.append({"type": "relationship", "relationship_type": "indicates",
                        "source_ref": "indicator--%d" % i, "target_ref": "malware--1"})
    seeds.add("stix_bundle", json.dumps({"type": "bundle", "objects": objects}).encode(), "bundle")
    seeds.add("ioc_index", b"indicators:\n  - type: github\n    name: X\n    github: "
              b"{owner: o, repo: r, branch: main, path: a b/c.stix2}\n"
              b"  - name: Y\n    download_url: https://x.example/y.stix2\n", "index")
    # OpenCellID export rows, written here from the documented column order.
    seeds.add("opencellid_csv",
              b"radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
              b"LTE,262,1,4711,19088743,77,13.405,52.52,1200,35,1,1459692100,1700000000,0\n"
              b"GSM,262,2,1001,3001,,13.41,52.53,800,3,1,1459692100,1700000000,-85\r\n"
              b"\"NR\",262,1,4711,68719476735,1,13.4,52.5,100,2,1,0,0,0\n"
              b"CDMA,310,4,1,2,,0,0,0,1,1,0,0,0\n", "rows")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make_seeds.py CAPTURES_DIR OUT_DIR")
    captures, out = sys.argv[1], sys.argv[2]
    seeds = Seeds(out)
    for root, _, files in sorted(os.walk(captures)):
        for name in sorted(files):
            path = os.path.join(root, name)
            tag = os.path.splitext(name)[0]
            if name.endswith((".qmdl", ".mi2log")):
                diag_seeds(seeds, path, tag)
            elif name.endswith((".pcap", ".pcapng")):
                pcap_seeds(seeds, path, tag)
    indicator_seeds(seeds)
    for target in sorted(seeds.counts):
        print("seeds %-18s %4d" % (target, seeds.counts[target]))


if __name__ == "__main__":
    main()
