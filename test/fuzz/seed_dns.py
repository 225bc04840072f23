#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_dns into DIR, one response per file: an A answer, a CNAME
# chain ending in A and AAAA answers (compressed names), NXDOMAIN, a truncated (TC) answer,
# the compression loop the parser must refuse, and negative answers (NXDOMAIN, NODATA for
# AAAA) with an NS and the zone's SOA in the authority section.
#   python3 test/fuzz/seed_dns.py build/fuzz/corpus-dns
import os
import struct
import sys


def name(n):
    out = b""
    for label in n.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def hdr(ident, flags, qd, an, ns=0):
    return struct.pack(">HHHHHH", ident, flags, qd, an, ns, 0)


def rr(nm, rtype, ttl, rdata):
    return nm + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


RESP = 0x8180
q = name("web.test") + struct.pack(">HH", 1, 1)
seeds = {
    "a": hdr(1, RESP, 1, 1) + q + rr(b"\xc0\x0c", 1, 60, bytes([192, 0, 2, 80])),
    "chain": hdr(2, RESP, 1, 3) + name("www.example.test") + struct.pack(">HH", 1, 1)
    + rr(b"\xc0\x0c", 5, 300, b"\x03web\xc0\x10")
    + rr(b"\xc0\x2e", 1, 60, bytes([192, 0, 2, 81]))
    + rr(b"\xc0\x2e", 28, 60, bytes(15) + b"\x51"),
    "nxdomain": hdr(3, RESP | 3, 1, 0) + q,
    "tc": hdr(4, RESP | 0x0200, 1, 0) + q,
    "loop": hdr(5, RESP, 1, 1) + b"\x01a\xc0\x0c" + struct.pack(">HH", 1, 1)
    + rr(b"\xc0\x0c", 1, 1, bytes(4)),
    "nx-soa": hdr(6, RESP | 3, 1, 0, 2) + q
    + rr(b"\xc0\x10", 2, 60, b"\x02ns\xc0\x10")
    + rr(b"\xc0\x10", 6, 300, b"\xc0\x26\x0ahostmaster\xc0\x10"
         + struct.pack(">IIIII", 1, 3600, 600, 86400, 60)),
    "nodata-aaaa": hdr(7, RESP, 1, 0, 1) + name("web.test") + struct.pack(">HH", 28, 1)
    + rr(b"\xc0\x10", 6, 30, b"\x02ns\xc0\x10\xc0\x10"
         + struct.pack(">IIIII", 1, 3600, 600, 86400, 3600)),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(out, "seed-" + k), "wb") as f:
        f.write(v)
