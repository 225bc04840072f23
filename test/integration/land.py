#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Sends land segments to ustack from the kernel's side of a TAP: source address and port
equal to the destination's.

    land.py IFACE DST_MAC DST_IP [--syn-only] PORT [PORT...]

For each PORT: a SYN, a SYN with FIN, and a bare ACK (only the SYN with --syn-only), all
from DST_IP:PORT to DST_IP:PORT. Sent with scapy's sendp (layer 2), so the kernel does not
judge the source.
"""
import sys

from scapy.all import IP, TCP, Ether, get_if_hwaddr, sendp


def main():
    iface, dmac, dip = sys.argv[1:4]
    syn_only = "--syn-only" in sys.argv[4:]
    ports = [int(p) for p in sys.argv[4:] if p != "--syn-only"]
    smac = get_if_hwaddr(iface)
    frames = []
    for p in ports:
        for flags in ("S",) if syn_only else ("S", "SF", "A"):
            frames.append(Ether(src=smac, dst=dmac) / IP(src=dip, dst=dip, ttl=64) /
                          TCP(sport=p, dport=p, flags=flags, seq=1000, ack=2000 if "A" in flags else 0,
                              window=8192))
    sendp(frames, iface=iface, verbose=False)
    print("sent %d land segments" % len(frames))


if __name__ == "__main__":
    main()
