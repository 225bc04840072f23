#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes the seed corpus for fuzz_input into DIR (default build/fuzz/corpus): every frame of
# test/data/linux-session.pcap, linux-ipv6-nd.pcap and linux-ipv6-dad.pcap (Ethernet
# device) and linux-tun-raw.pcap (L3 device) as an input of its own, and the TCP session of
# linux-session.pcap, an IPv6 NS followed by an echo request, and the NS followed by the
# fragments of linux-ipv6-frag.pcap as inputs of many frames,
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
# IPv6: Linux's NS, NA, echo request and reply, and DAD probe, unicast ones re-addressed to
# fz-eth's MAC (the responder of linux-ipv6-nd.pcap is 2001:db8::b, fz-eth's address);
# then the NS and the echo request as one input (the NS teaches the asker's MAC)
us_mac = eth[15][0:6]
def to_us(f):
    return f if f[0] & 1 else us_mac + f[6:]
v6 = [to_us(f) for f in frames("test/data/linux-ipv6-nd.pcap") +
      frames("test/data/linux-ipv6-dad.pcap")]
for i, f in enumerate(v6):
    open(f"{d}/eth6-{i:02d}", "wb").write(record(0, [f]))
    n += 1
open(f"{d}/eth6-ns-echo", "wb").write(record(1 << 1, [v6[0], v6[2]]))
n += 1
# Linux's NS, then the five fragments of its `ping -6 -s 6000` (linux-ipv6-frag.pcap, the
# same two hosts): reassembly, and a reply that leaves in fragments
frag6 = [to_us(f) for f in frames("test/data/linux-ipv6-frag.pcap")[:5]]
open(f"{d}/eth6-ns-frags", "wb").write(record(1 << 1, [v6[0]] + frag6))
n += 1
print(f"seed.sh: {n} inputs in {d}")
PY
