# SPDX-License-Identifier: MIT
# On ustack: select, poll and epoll over a set mixing a ustack socket and a pipe; a
# non-blocking connect to an address nobody answers is not writable until it fails; a
# reset is ECONNRESET on read, then EPIPE on write; AF_INET6 taken and raw refused;
# TCP_CORK kept and answered; sendfile of 3 MB byte-exact; a socket numbered past 1024 in
# poll and epoll; a blocking accept in one thread while another connects; shutdown(SHUT_RD);
# a signal interrupting a blocking recv; names through ustack's resolver.
import errno, hashlib, os, resource, select, signal, socket, sys, tempfile, threading
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
# an AF_INET6 socket is the stack's; a raw one is refused
s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
assert s6.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) == socket.AF_INET6
s6.close()
try:
    socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    raise SystemExit("a raw AF_INET6 socket was not refused")
except OSError as e:
    assert e.errno == errno.EPROTONOSUPPORT
print("mix: AF_INET6 taken, raw refused")
# TCP_CORK: accepted without effect, kept and answered; too short is EINVAL
s = socket.socket()
cork = lambda: s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK)
assert cork() == 0
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1); assert cork() == 1
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0); assert cork() == 0
try:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, b"\x01")
    raise SystemExit("a 1-byte TCP_CORK was accepted")
except OSError as e:
    assert e.errno == errno.EINVAL, e
s.close()
print("mix: TCP_CORK kept")
# sendfile from a file to a ustack socket
with tempfile.TemporaryFile() as f:
    data = os.urandom(3 * 1024 * 1024)
    f.write(data); f.flush(); f.seek(0)
    s = socket.create_connection((peer, port), timeout=10)
    assert s.sendfile(f) == len(data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while (d := s.recv(1000)):
        got += d
    want = b"%d %s" % (len(data), hashlib.sha256(data).hexdigest().encode())
    assert got == want, (got, want)
    s.close()
print("mix: sendfile ok")
# a descriptor past 1024, in poll and epoll
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), max(hard, 2048)))
pad = [os.open("/dev/null", os.O_RDONLY) for _ in range(1100)]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(4)
assert ls.fileno() > 1024, ls.fileno()
c = socket.create_connection(ls.getsockname(), timeout=5)
p = select.poll(); p.register(ls, select.POLLIN)
assert p.poll(2000), "listener past 1024 not readable in poll"
ep = select.epoll(); ep.register(ls.fileno(), select.EPOLLIN)
assert ep.poll(2), "listener past 1024 not readable in epoll"
a, _ = ls.accept(); a.sendall(b"hi"); assert c.recv(2) == b"hi"
for x in (a, c, ls): x.close()
for fd in pad: os.close(fd)
print("mix: descriptors past 1024 ok")
# a blocking accept in one thread does not hold up another's connect
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(4)
got = []
t = threading.Thread(target=lambda: got.append(ls.accept()[0].recv(5)))
t.start()
import time; time.sleep(0.3)
c = socket.create_connection(ls.getsockname(), timeout=5); c.sendall(b"hello")
t.join(5); assert got == [b"hello"], got
c.close(); ls.close()
print("mix: threads ok")
# shutdown(SHUT_RD): reads end, writes go on, and what the peer sends is dropped
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
c = socket.create_connection(ls.getsockname(), timeout=5); a, _ = ls.accept(); a.settimeout(5)
c.shutdown(socket.SHUT_RD)
assert c.recv(10) == b""
a.sendall(b"dropped" * 1000)
c.sendall(b"still"); assert a.recv(5) == b"still"
time.sleep(0.2)
c.sendall(b"more"); assert a.recv(4) == b"more"
c.close(); assert a.recv(10) == b""
a.close(); ls.close()
print("mix: SHUT_RD ok")
# a signal interrupts a blocking recv (the handler raises)
class Alarm(Exception):
    pass
def on_alarm(sig, frame):
    raise Alarm()
signal.signal(signal.SIGALRM, on_alarm)
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
c = socket.create_connection(ls.getsockname())
signal.setitimer(signal.ITIMER_REAL, 0.3)
try:
    c.recv(10)
    raise SystemExit("recv returned")
except Alarm:
    pass
c.close(); ls.close()
print("mix: EINTR ok")
# names: /etc/hosts of the host ($USTACK_HOSTS), not the kernel's resolver
assert socket.gethostbyname("kpeer.test") == peer
ai = socket.getaddrinfo("kpeer.test", 80, proto=socket.IPPROTO_TCP)
assert [x[4] for x in ai] == [(peer, 80)], ai
try:
    socket.getaddrinfo("nosuch.test", 80)
    raise SystemExit("nosuch.test resolved")
except socket.gaierror:
    pass
print("mix: names ok")
