# SPDX-License-Identifier: MIT
# UDP through ustack run: "server PORT N" echoes N datagrams reversed (FIONREAD giving the
# next one's length first); "client HOST PORT" sends 1 to 8000-byte datagrams with
# sendto, then connected send/recv, checking each.
import fcntl, select, socket, struct, sys, termios
role = sys.argv[1]
if role == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    print("ready", flush=True)
    for _ in range(int(sys.argv[3])):
        select.select([s], [], [], 10)
        n = struct.unpack("i", fcntl.ioctl(s, termios.FIONREAD, b"\0\0\0\0"))[0]
        d, a = s.recvfrom(65535)
        assert n == len(d), ("FIONREAD", n, len(d))
        s.sendto(d[::-1], a)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    for n in (1, 100, 1400, 8000):
        d = bytes(range(256)) * (n // 256) + b"x" * (n % 256)
        s.sendto(d, (sys.argv[2], int(sys.argv[3])))
        r, a = s.recvfrom(65535)
        assert r == d[::-1], (n, len(r))
        assert a == (sys.argv[2], int(sys.argv[3])), a
    s.connect((sys.argv[2], int(sys.argv[3])))
    s.send(b"abc"); assert s.recv(10) == b"cba"
    print("udp ok", s.getsockname()[0])
