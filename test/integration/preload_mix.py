# SPDX-License-Identifier: MIT
# On ustack: select, poll and epoll over a set mixing a ustack socket and a pipe; a
# non-blocking connect to an address nobody answers is not writable until it fails; a
# reset is ECONNRESET on read, then EPIPE on write.
import errno, os, select, socket, sys
peer, port, dead = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((peer, port), timeout=5)
r, w = os.pipe()
os.write(w, b"x")
# the pipe is ready, the socket is not (the peer sends after 0.5 s)
rd, _, _ = select.select([s, r], [], [], 0.2); assert rd == [r], rd
p = select.poll(); p.register(s, select.POLLIN); p.register(r, select.POLLIN)
ev = p.poll(200); assert [fd for fd, _ in ev] == [r], ev
ep = select.epoll(); ep.register(s.fileno(), select.EPOLLIN); ep.register(r, select.EPOLLIN)
ev = ep.poll(0.2); assert [fd for fd, _ in ev] == [r], ev
os.read(r, 1)
# now the socket
rd, _, _ = select.select([s, r], [], [], 3); assert rd == [s], rd
ev = p.poll(1000); assert [fd for fd, _ in ev] == [s.fileno()], ev
ev = ep.poll(1); assert [fd for fd, _ in ev] == [s.fileno()], ev
assert s.recv(4) == b"ping"
s.sendall(b"bye")
assert s.recv(10) == b""      # the peer's FIN
s.close()
print("mix: select/poll/epoll ok")
# a reset
s = socket.create_connection((peer, port), timeout=5)
try:
    d = s.recv(10)
    raise SystemExit("read after a reset gave %r" % d)
except ConnectionResetError:
    pass
try:
    s.send(b"more"); s.send(b"more")
    raise SystemExit("send after a reset succeeded")
except BrokenPipeError:
    pass
s.close()
print("mix: reset ok")
# non-blocking connect to an address that does not answer ARP: not writable meanwhile
s = socket.socket(); s.setblocking(False)
assert s.connect_ex((dead, 80)) == errno.EINPROGRESS
p = select.poll(); p.register(s, select.POLLOUT)
assert p.poll(1000) == [], "writable before the connection is decided"
ev = p.poll(10000); assert ev and ev[0][1] & select.POLLOUT, ev
e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
assert e in (errno.EHOSTUNREACH, errno.ETIMEDOUT), errno.errorcode.get(e, e)
print("mix: connect in progress ok (%s)" % errno.errorcode[e])
try:
    socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    raise SystemExit("AF_INET6 was not refused")
except OSError as e:
    assert e.errno == errno.EAFNOSUPPORT
print("mix: AF_INET6 refused")
