#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A kernel TCP server for bench/mem.sh: accepts every connection on ADDR:PORT, reads and
discards what arrives, closes on EOF, and stops after SECS seconds or when STOP_FILE exists.

    tcp_hold_server.py ADDR PORT SECS STOP_FILE
"""
import os
import resource
import selectors
import socket
import sys
import time

addr, port, secs, stop = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port))
ls.listen(4096)
ls.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ, None)
end = time.monotonic() + secs
print("listening", flush=True)
while time.monotonic() < end and not os.path.exists(stop):
    for key, _ in sel.select(timeout=0.2):
        if key.data is None:
            for _ in range(256):
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    break
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, 1)
            continue
        s = key.fileobj
        try:
            d = s.recv(65536)
        except BlockingIOError:
            continue
        except OSError:
            d = b""
        if not d:
            sel.unregister(s)
            s.close()
