#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A name server that tries the resolver's checks before it answers: for each A query it
# receives on ADDR:53 it sends, in this order, an answer with the wrong ID, one from
# another port (5353), one to another question, one whose name is a compression loop, and
# only then the right answer (NAME -> IP, TTL 60). Serves COUNT queries, then exits.
#   dns_spoof.py 10.0.1.54 10.0.0.1 1
import socket
import struct
import sys
import time

addr, answer_ip, count = sys.argv[1], sys.argv[2], int(sys.argv[3])


def qname_end(q):
    i = 12
    while q[i]:
        i += 1 + q[i]
    return i + 1 + 4  # the root byte, type and class


def response(ident, question, rdata_ip, name=b"\xc0\x0c"):
    hdr = struct.pack(">HHHHHH", ident, 0x8180, 1, 1, 0, 0)
    rr = name + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(rdata_ip)
    return hdr + question + rr


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
other.bind((addr, 5353))
for _ in range(count):
    q, peer = s.recvfrom(512)
    ident = struct.unpack(">H", q[:2])[0]
    question = q[12:qname_end(q)]
    other_q = b"\x05other\x04test\x00\x00\x01\x00\x01"
    bad = [
        (s, response(ident ^ 1, question, "10.9.9.1")),
        (other, response(ident, question, "10.9.9.2")),
        (s, response(ident, other_q, "10.9.9.3")),
        # "a" then a pointer back to that "a": a loop
        (s, response(ident, question, "10.9.9.4",
                     name=b"\x01a" + struct.pack(">H", 0xc000 | (12 + len(question))))),
    ]
    for sock, msg in bad:
        sock.sendto(msg, peer)
        time.sleep(0.01)
    s.sendto(response(ident, question, answer_ip), peer)
    print("answered", peer, flush=True)
