#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Sends bad IPv6 fragments from the kernel's side of a TAP to ustack.

    ipv6_frag_barrage.py IFACE DST_MAC DST_ADDR [--rounds N]

Kinds (each --rounds times, default 5, with fresh identifications): overlapping
fragments (RFC 5722), fragments that would make a packet past 65535 bytes, tiny
fragments that are not the last (5 bytes, and empty), first fragments without the whole
header chain (RFC 7112: a TCP header cut at 8 bytes), and exact duplicates; then 200
first fragments of packets that never complete (over the cap of 64 incomplete packets).
The frames are raw bytes from 2001:db8::1. Prints how many frames of each kind went out.
"""
import socket
import struct
import sys

from scapy.all import Raw, get_if_hwaddr, sendp

SRC = socket.inet_pton(socket.AF_INET6, "2001:db8::1")


def frag(dst, ident, off, more, nh, payload):
    f = struct.pack("!BBHI", nh, 0, off | (1 if more else 0), ident) + payload
    return struct.pack("!IHBB", 6 << 28, len(f), 44, 64) + SRC + dst + f


def main():
    args = sys.argv[1:]
    rounds = 5
    if "--rounds" in args:
        i = args.index("--rounds")
        rounds = int(args[i + 1])
        del args[i:i + 2]
    iface, dmac, dst_s = args
    dst = socket.inet_pton(socket.AF_INET6, dst_s)
    eth = bytes(int(x, 16) for x in dmac.split(":")) + \
        bytes(int(x, 16) for x in get_if_hwaddr(iface).split(":")) + b"\x86\xdd"
    echo = bytes([128, 0, 0, 0]) + struct.pack("!HH", 0x99, 1)
    ident = 0x51000000
    kinds = {
        # 0..64, then 56..72: overlaps the first
        "overlap": lambda i: [frag(dst, i, 0, True, 58, echo + b"o" * 56),
                              frag(dst, i, 56, False, 58, b"p" * 16)],
        # offset 65528 with 16 bytes: past 65535
        "oversize": lambda i: [frag(dst, i, 65528, False, 58, b"q" * 16)],
        # not the last, 5 bytes; and empty
        "tiny": lambda i: [frag(dst, i, 8, True, 58, b"r" * 5),
                           frag(dst, i + 0x800000, 8, True, 58, b"")],
        # a first fragment with 8 bytes of a 20-byte TCP header
        "no_chain": lambda i: [frag(dst, i, 0, True, 6, bytes(8))],
        # the same first fragment twice (never completed)
        "duplicate": lambda i: [frag(dst, i, 0, True, 58, echo + b"d" * 8)] * 2,
    }
    for name, make in kinds.items():
        n = 0
        for _ in range(rounds):
            ident += 1
            for f in make(ident):
                sendp(Raw(eth + f), iface=iface, verbose=False)
                n += 1
        print("%s %d" % (name, n))
    frames = [Raw(eth + frag(dst, 0x52000000 + k, 0, True, 58, echo + b"c" * 8))
              for k in range(200)]
    sendp(frames, iface=iface, verbose=False)
    print("incomplete %d" % len(frames))


if __name__ == "__main__":
    main()
