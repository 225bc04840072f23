#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Sends malformed.py's IP-layer garbage (bad headers, bad ICMP/UDP, bad fragments, random
IP payloads) into a TUN, without an Ethernet header, from the kernel's side.

    tun_malformed.py TUNIF DST_IP SRC_IP [--seed N] [--rounds N]

A TUN has no link header, so a packet socket bound to it writes bare IP packets straight
into the tun queue that ustack reads: nothing in the kernel routes, checks or "fixes" them
on the way (sending to the peer address through the kernel's IP layer, as scapy's send()
does, would have the kernel build or refuse the header). The Ethernet and ARP categories
have no meaning on an L3 device and are left out. Prints the count per category.
"""
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from malformed import Gen, ip4, report, seed_rounds  # noqa: E402

L3_CATEGORIES = ("ip_", "icmp_", "udp_", "frag_", "random_ip_payload")


def main():
    iface, dip, sip = sys.argv[1:4]
    seed, rounds = seed_rounds(sys.argv[4:])
    rng = random.Random(seed)
    g = Gen(b"\0" * 6, b"\0" * 6, ip4(dip), ip4(sip), rng)
    cats = {k: v for k, v in g.categories().items() if k.startswith(L3_CATEGORIES)}
    counts = {k: 0 for k in cats}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0x0800))
    total = 0
    deadline = time.monotonic() + 60
    for _ in range(rounds):
        for name, make in cats.items():
            f = make()
            for frame in f if isinstance(f, list) else [f]:
                packet = frame[14:]  # the Ethernet header malformed.py put in front
                if not packet:
                    continue
                s.send(packet)
                counts[name] += 1
                total += 1
        # Pace a little so that the tun queue (not ustack) is never what drops packets.
        time.sleep(0.01)
        if time.monotonic() > deadline:
            print("stopping early: time limit")
            break
    report(counts, total)


if __name__ == "__main__":
    main()
