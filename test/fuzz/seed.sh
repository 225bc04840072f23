#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes the seed corpus for fuzz_input into DIR (default build/fuzz/corpus): every frame of
# test/data/linux-session.pcap (Ethernet device) and linux-tun-raw.pcap (L3 device) as an
# input of its own, and the TCP session of linux-session.pcap as one input of many frames,
# in the format fuzz_input.c describes (control byte, then 2-byte length + frame each).
#   test/fuzz/seed.sh [DIR]
set -eu
cd "$(dirname "$0")/../.."
dir=${1:-build/fuzz/corpus}
mkdir -p "$dir"
python3 - "$dir" <<'PY'
import struct, sys

def frames(path):
    b = open(path, "rb").read()
    magic = b[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, out = 24, []
    while off + 16 <= len(b):
        incl = struct.unpack(end + "I", b[off + 8:off + 12])[0]
        out.append(b[off + 16:off + 16 + incl])
        off += 16 + incl
    return out

def record(ctrl, fs):
    return bytes([ctrl]) + b"".join(struct.pack(">H", len(f)) + f for f in fs)

d = sys.argv[1]
n = 0
eth = frames("test/data/linux-session.pcap")
for i, f in enumerate(eth):
    open(f"{d}/eth-{i:02d}", "wb").write(record(0, [f]))
    n += 1
for i, f in enumerate(frames("test/data/linux-tun-raw.pcap")):
    open(f"{d}/tun-{i:02d}", "wb").write(record(1, [f]))
    n += 1
# the HTTP session to 192.0.2.2:8080, the peer's side only (frames 15..26 from 192.0.2.1),
# 2 ms apart
peer_mac = eth[0][6:12]
sess = [f for f in eth[15:27] if f[6:12] == peer_mac]
open(f"{d}/eth-session", "wb").write(record(2 << 1, sess))
n += 1
print(f"seed.sh: {n} inputs in {d}")
PY
