#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""UDP echo packets per second with a kernel socket: keeps WINDOW datagrams in flight to
HOST:PORT for SECONDS and counts the echoes that come back.

    udp_pps.py HOST PORT [SECONDS] [SIZE] [WINDOW]     prints "pps N sent S lost L"
"""
import select
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
secs = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
size = int(sys.argv[4]) if len(sys.argv) > 4 else 64
window = int(sys.argv[5]) if len(sys.argv) > 5 else 8

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((host, port))
s.setblocking(False)
payload = b"x" * size
sent = recv = 0
# Warm up (ARP) with one blocking round trip.
s.settimeout(2.0)
try:
    s.send(payload)
    s.recv(65535)
except OSError:
    pass
s.setblocking(False)
start = time.monotonic()
end = start + secs
inflight = 0
last_rx = start
while True:
    now = time.monotonic()
    if now >= end:
        break
    while inflight < window:
        try:
            s.send(payload)
        except BlockingIOError:
            break
        sent += 1
        inflight += 1
    r, _, _ = select.select([s], [], [], 0.05)
    if r:
        while True:
            try:
                s.recv(65535)
            except (BlockingIOError, ConnectionRefusedError):
                break
            recv += 1
            inflight -= 1
            last_rx = now
    elif now - last_rx > 0.2:
        inflight = 0  # a datagram was lost: refill the window
        last_rx = now
elapsed = time.monotonic() - start
print(f"pps {recv / elapsed:.0f} sent {sent} lost {sent - recv}")
