#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Opens N TCP connections at once to HOST:PORT (an echo service), sends one unique line on
each once it is connected, reads it back, and only then closes them all, so that all N are
open together. Prints a summary; exit 0 only if every connection echoed its own line.

    tcp_many.py HOST PORT N DEADLINE_SECS [HOLD_FILE]

With HOLD_FILE, once every line is back it prints "holding N open" and keeps the
connections open until HOLD_FILE exists (at most 15 s), so the caller can look at them.
"""
import errno
import os
import resource
import selectors
import socket
import sys
import time


def main():
    host, port, n, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    hold = sys.argv[5] if len(sys.argv) > 5 else None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY else want, hard))
    end = time.monotonic() + deadline
    sel = selectors.DefaultSelector()
    tag = os.urandom(4).hex()
    conns = {}
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((host, port))
        if err not in (0, errno.EINPROGRESS):
            print(f"connect {i}: {os.strerror(err)}")
            return 1
        line = f"connection {i} of {n} tag {tag}\n".encode()
        c = {"i": i, "sock": s, "line": line, "sent": 0, "got": b"", "state": "connecting"}
        conns[s.fileno()] = c
        sel.register(s, selectors.EVENT_WRITE, c)
    done = 0
    failed = []
    while done + len(failed) < n and time.monotonic() < end:
        for key, ev in sel.select(timeout=0.5):
            c = key.data
            s = c["sock"]
            if c["state"] == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    failed.append((c["i"], "connect: " + os.strerror(err)))
                    sel.unregister(s)
                    continue
                c["state"] = "sending"
            if c["state"] == "sending":
                try:
                    c["sent"] += s.send(c["line"][c["sent"]:])
                except BlockingIOError:
                    continue
                if c["sent"] == len(c["line"]):
                    c["state"] = "reading"
                    sel.modify(s, selectors.EVENT_READ, c)
                continue
            if c["state"] == "reading":
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError as e:
                    failed.append((c["i"], "recv: " + str(e)))
                    sel.unregister(s)
                    continue
                if not data:
                    failed.append((c["i"], f"closed early after {c['got']!r}"))
                    sel.unregister(s)
                    continue
                c["got"] += data
                if len(c["got"]) >= len(c["line"]):
                    sel.unregister(s)
                    if c["got"] == c["line"]:
                        done += 1
                    else:
                        failed.append((c["i"], f"echoed {c['got']!r}, sent {c['line']!r}"))
    pending = n - done - len(failed)
    # All still open here: this is the moment of N concurrent connections.
    if hold and done == n:
        print(f"holding {n} open", flush=True)
        until = time.monotonic() + 15
        while not os.path.exists(hold) and time.monotonic() < until:
            time.sleep(0.05)
    for c in conns.values():
        c["sock"].close()
    print(f"connections {n} echoed {done} failed {len(failed)} unfinished {pending}")
    for i, why in failed[:5]:
        print(f"  connection {i}: {why}")
    if pending:
        states = {}
        for c in conns.values():
            if c["got"] != c["line"]:
                states[c["state"]] = states.get(c["state"], 0) + 1
        print(f"  unfinished by state: {states}")
    return 0 if done == n else 1


if __name__ == "__main__":
    sys.exit(main())
