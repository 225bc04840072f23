#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Opens N TCP connections to HOST:PORT (a service that reads, like discard), at most
INFLIGHT handshakes at a time, sends one short line on each, and then holds them all open
and idle until RELEASE_FILE exists (at most HOLD_SECS), then closes them all.

    tcp_idle.py HOST PORT N DEADLINE_SECS RELEASE_FILE [HOLD_SECS] [INFLIGHT]

Prints "holding N open" once all N are connected and their lines sent, then "closed N" at
the end. Exit 0 only if all N connected; 1 otherwise (the reason is printed).
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
    release = sys.argv[5]
    hold_secs = float(sys.argv[6]) if len(sys.argv) > 6 else 60.0
    inflight_max = int(sys.argv[7]) if len(sys.argv) > 7 else 128
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            print(f"RLIMIT_NOFILE hard limit {hard} is below {want}")
            return 1
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    end = time.monotonic() + deadline
    sel = selectors.DefaultSelector()
    socks = []
    connecting = 0
    opened = done = 0
    while done < n:
        if time.monotonic() > end:
            print(f"only {done} of {n} connected after {deadline} s")
            return 1
        while opened < n and connecting < inflight_max:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((host, port))
            if err not in (0, errno.EINPROGRESS):
                print(f"connect {opened}: {os.strerror(err)}")
                return 1
            sel.register(s, selectors.EVENT_WRITE, opened)
            socks.append(s)
            opened += 1
            connecting += 1
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            sel.unregister(s)
            connecting -= 1
            if err:
                print(f"connection {key.data}: {os.strerror(err)}")
                return 1
            try:
                s.send(b"idle connection %d\n" % key.data)
            except OSError as e:
                print(f"connection {key.data}: send: {e}")
                return 1
            done += 1
    print(f"holding {n} open", flush=True)
    until = time.monotonic() + hold_secs
    while not os.path.exists(release) and time.monotonic() < until:
        time.sleep(0.05)
    for s in socks:
        s.close()
    print(f"closed {n}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
