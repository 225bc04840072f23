#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Opens N TCP connections at once to HOST:PORT (an echo service), sends one unique line on
each as soon as it is connected, and closes each HOLD seconds after its line came back.
Against a server holding at most M connections with a backlog of B, the others wait: in
the server's accept queue, or for their handshake to be completed. Prints a summary line

    connected C echoed E reset R silent S max_open O

and exits 0 when every connection ended one way or the other (echoed, or reset with
--allow-reset) within DEADLINE seconds: none connected and then left in silence.

    tcp_backlog.py HOST PORT N HOLD DEADLINE [--allow-reset]
"""
import errno
import os
import selectors
import socket
import sys
import time


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    hold, deadline = float(sys.argv[4]), float(sys.argv[5])
    allow_reset = "--allow-reset" in sys.argv[6:]
    end = time.monotonic() + deadline
    sel = selectors.DefaultSelector()
    tag = os.urandom(4).hex()
    st = {}
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc not in (0, errno.EINPROGRESS):
            print("connect %d: %s" % (i, os.strerror(rc)))
            return 1
        line = ("%s %04d\n" % (tag, i)).encode()
        st[s] = {"i": i, "line": line, "got": b"", "state": "connecting", "close_at": None}
        sel.register(s, selectors.EVENT_WRITE)
    connected = echoed = reset = 0
    open_now = max_open = 0
    while time.monotonic() < end:
        live = [s for s, c in st.items() if c["state"] in ("connecting", "sent", "holding")]
        if not live:
            break
        now = time.monotonic()
        for s in live:
            c = st[s]
            if c["state"] == "holding" and now >= c["close_at"]:
                sel.unregister(s)
                s.close()
                c["state"] = "done"
                open_now -= 1
        for key, ev in sel.select(timeout=0.05):
            s = key.fileobj
            c = st[s]
            if c["state"] == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    c["state"] = "reset" if err == errno.ECONNRESET else "failed"
                    reset += err == errno.ECONNRESET
                    sel.unregister(s)
                    s.close()
                    continue
                connected += 1
                try:
                    s.send(c["line"])
                except (ConnectionResetError, BrokenPipeError):
                    # the server's RST (abort_on_overflow) came after our handshake
                    # completed and before this send
                    c["state"] = "reset"
                    reset += 1
                    sel.unregister(s)
                    s.close()
                    continue
                c["state"] = "sent"
                sel.modify(s, selectors.EVENT_READ)
            elif c["state"] == "sent":
                try:
                    d = s.recv(4096)
                except ConnectionResetError:
                    d = None
                if not d:
                    c["state"] = "reset"
                    reset += 1
                    sel.unregister(s)
                    s.close()
                    continue
                c["got"] += d
                if c["got"] == c["line"]:
                    echoed += 1
                    c["state"] = "holding"
                    c["close_at"] = time.monotonic() + hold
                    open_now += 1
                    max_open = max(max_open, open_now)
                elif not c["line"].startswith(c["got"]):
                    print("connection %d: wrong echo %r" % (c["i"], c["got"]))
                    return 1
            else:
                s.recv(4096)  # a holding connection: nothing more expected
    silent = sum(1 for c in st.values() if c["state"] in ("connecting", "sent"))
    failed = sum(1 for c in st.values() if c["state"] == "failed")
    print("connected %d echoed %d reset %d silent %d failed %d max_open %d" %
          (connected, echoed, reset, silent, failed, max_open))
    for s in st:
        if st[s]["state"] not in ("done", "reset", "failed"):
            s.close()
    if silent or failed:
        return 1
    if reset and not allow_reset:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
