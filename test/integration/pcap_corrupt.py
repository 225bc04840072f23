#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes a copy of a pcap in which one IPv4 header checksum, one UDP checksum and one
ICMP checksum are wrong, to prove that the checksum filter of the tests catches them.

    pcap_corrupt.py IN.pcap OUT.pcap      prints how many frames it corrupted
"""
import sys

from scapy.all import Ether, IP, UDP, ICMP, rdpcap, wrpcap  # noqa: F401

pkts = rdpcap(sys.argv[1])
done = set()
out = []
for p in pkts:
    raw = bytearray(bytes(p))
    if IP in p and len(raw) >= 34 and raw[12:14] == b"\x08\x00":
        ihl = (raw[14] & 0x0F) * 4
        frag = ((raw[20] << 8) | raw[21]) & 0x3FFF
        l4 = 14 + ihl
        if "ip" not in done:
            raw[24] ^= 0x5A                      # IP header checksum
            done.add("ip")
        elif frag == 0 and raw[23] == 17 and "udp" not in done and len(raw) >= l4 + 8 \
                and (raw[l4 + 6] or raw[l4 + 7]):
            raw[l4 + 6] ^= 0x5A                  # UDP checksum (non-zero: it is in use)
            done.add("udp")
        elif frag == 0 and raw[23] == 1 and "icmp" not in done and len(raw) >= l4 + 4:
            raw[l4 + 2] ^= 0x5A                  # ICMP checksum
            done.add("icmp")
    q = Ether(bytes(raw))
    q.time = p.time
    out.append(q)
wrpcap(sys.argv[2], out)
print(len(done))
