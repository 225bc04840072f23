#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Socket timeouts through the preload library (t_preload_timeout.sh).
#   server PORT         a kernel server: per connection one line; "slow" is answered after
#                       SLOW_S, "hold" is never read past (the peer's send buffers fill),
#                       anything else is echoed at once; prints "ready"
#   client HOST PORT BLACKHOLE_PORT   under ustack run: every timeout fires on time (the
#                       connect given up on stops sending SYNs: it waits 3 s for the test
#                       to count them), then a normal exchange works; prints one "ok ..."
#                       line per check
import errno
import select
import socket
import struct
import sys
import threading
import time

SLOW_S = 4.0


def serve_conn(c):
    with c:
        f = c.makefile("rb")
        line = f.readline().strip()
        if line == b"slow":
            time.sleep(SLOW_S)
            c.sendall(b"late\n")
        elif line == b"hold":
            time.sleep(SLOW_S)
        else:
            c.sendall(b"echo: " + line + b"\n")


def server(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(16)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve_conn, args=(c,), daemon=True).start()


def within(what, t0, lo, hi):
    dt = time.monotonic() - t0
    if not lo <= dt <= hi:
        sys.exit("FAIL %s after %.3f s, want %.1f-%.1f s" % (what, dt, lo, hi))
    return dt


def client(host, port, blackhole):
    # settimeout: recv against a server that answers late raises socket.timeout on time
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(0.5)
    s.sendall(b"slow\n")
    t0 = time.monotonic()
    try:
        s.recv(100)
        sys.exit("FAIL recv returned before the server answered")
    except socket.timeout:
        dt = within("settimeout(0.5) recv", t0, 0.4, 2.0)
    print("ok settimeout recv timed out after %.3f s" % dt, flush=True)
    s.settimeout(SLOW_S + 5)  # the late answer still arrives on the same socket
    t0 = time.monotonic()
    if s.recv(100) != b"late\n":
        sys.exit("FAIL the late answer")
    print("ok the late answer came %.3f s later" % (time.monotonic() - t0), flush=True)
    s.close()

    # create_connection(timeout=) to a port whose SYNs the kernel drops
    t0 = time.monotonic()
    try:
        socket.create_connection((host, blackhole), timeout=1.0)
        sys.exit("FAIL connected to the black-holed port")
    except socket.timeout:
        dt = within("create_connection(timeout=1.0)", t0, 0.9, 3.0)
    print("ok connect to a black hole timed out after %.3f s" % dt, flush=True)
    # the socket is closed: its SYNs must stop (the test counts them: with RTOs of 1 s
    # and 2 s, a connect still going would send its third at 3 s)
    time.sleep(3.0)

    # SO_RCVTIMEO on a blocking socket: recv fails with EAGAIN on time
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(None)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 300000))
    s.sendall(b"slow\n")
    t0 = time.monotonic()
    try:
        s.recv(100)
        sys.exit("FAIL SO_RCVTIMEO recv returned data")
    except OSError as e:
        if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
            raise
        dt = within("SO_RCVTIMEO 0.3 s", t0, 0.25, 1.5)
    print("ok SO_RCVTIMEO recv failed with EAGAIN after %.3f s" % dt, flush=True)
    s.close()

    # SO_SNDTIMEO: a peer that does not read; the buffers fill and send fails on time
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(None)
    s.sendall(b"hold\n")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, 300000))
    chunk = b"x" * 65536
    sent = 0
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < 20:
            sent += s.send(chunk)
            t0 = time.monotonic()  # the timeout runs from the last send that moved bytes
        sys.exit("FAIL the peer never pushed back")
    except OSError as e:
        if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
            raise
        dt = within("SO_SNDTIMEO 0.3 s", t0, 0.25, 1.5)
    print("ok SO_SNDTIMEO send failed with EAGAIN after %.3f s (%d bytes taken)" % (dt, sent),
          flush=True)
    s.close()

    # poll and select with a timeout on a quiet socket
    s = socket.create_connection((host, port), timeout=5)
    p = select.poll()
    p.register(s, select.POLLIN)
    t0 = time.monotonic()
    if p.poll(300):
        sys.exit("FAIL poll saw input on a quiet socket")
    within("poll(300)", t0, 0.25, 1.5)
    t0 = time.monotonic()
    if select.select([s], [], [], 0.3)[0]:
        sys.exit("FAIL select saw input on a quiet socket")
    within("select(0.3)", t0, 0.25, 1.5)
    print("ok poll and select timed out on a quiet socket", flush=True)
    s.close()

    # after all that, a normal exchange
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"hello\n")
    if s.makefile("rb").readline() != b"echo: hello\n":
        sys.exit("FAIL the normal exchange")
    s.close()
    print("ok normal exchange", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
