#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A connected kernel UDP socket sends to a port nobody listens on: the ICMP port
unreachable (ICMPv6's for an IPv6 HOST) that comes back must surface as ECONNREFUSED.

    udp_unreach.py HOST PORT
"""
import errno
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2.0)
s.connect((host, port))
for attempt in range(3):
    try:
        s.send(b"anyone there?")
        s.recv(100)
        print("got a reply from a closed port")
        sys.exit(1)
    except ConnectionRefusedError:
        print(f"ECONNREFUSED after {attempt + 1} datagram(s)")
        sys.exit(0)
    except socket.timeout:
        continue
print("no ECONNREFUSED after 3 datagrams")
sys.exit(1)
