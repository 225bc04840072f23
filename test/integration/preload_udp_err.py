#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# UDP errors through the preload library (t_preload_udp_err.sh), run under ustack run:
# argv HOST CLOSED_PORT ECHO_PORT. On a connected socket the kernel's ICMP port
# unreachable for a datagram to a closed port makes the next send fail with ECONNREFUSED,
# and after another datagram the next recv too, as on Linux; the error is reported once;
# an unconnected socket hears nothing of it (a recvfrom times out); then a connected
# socket to an echo port exchanges a datagram. Prints one "ok ..." line per check.
import socket
import sys
import time

host, closed, echo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def refused(what, call):
    try:
        call()
    except ConnectionRefusedError:
        print("ok %s: ECONNREFUSED" % what, flush=True)
        return
    sys.exit("FAIL %s: no ECONNREFUSED" % what)


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((host, closed))
s.send(b"one")
time.sleep(0.5)  # the port unreachable comes back
refused("send after the port unreachable", lambda: s.send(b"two"))
s.send(b"three")  # the error was reported once: this one leaves
s.settimeout(3)
refused("recv after the next port unreachable", lambda: s.recv(100))
s.settimeout(0.5)
try:
    s.recv(100)
    sys.exit("FAIL a datagram from a closed port")
except socket.timeout:
    print("ok the error reported once: the next recv times out", flush=True)
s.close()

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(0.5)
u.sendto(b"four", (host, closed))
time.sleep(0.3)
u.sendto(b"five", (host, closed))
try:
    u.recvfrom(100)
    sys.exit("FAIL an unconnected socket got something")
except socket.timeout:
    print("ok an unconnected socket hears no error", flush=True)
u.close()

e = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
e.settimeout(3)
e.connect((host, echo))
e.send(b"hello")
if e.recv(100) != b"olleh":  # preload_udp.py answers reversed
    sys.exit("FAIL the echo")
print("ok echo on a connected socket", flush=True)
