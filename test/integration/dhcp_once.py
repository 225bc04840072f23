#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A DHCP server that gives one lease and then goes quiet, so the lease expires:
#   dhcp_once.py IFNAME SERVER_ADDR YIADDR LEASE_S T1_S T2_S SECONDS
# On IFNAME (SO_BINDTODEVICE, port 67) it answers the first DISCOVER with an OFFER of YIADDR
# and the REQUEST for it with an ACK (LEASE_S, T1_S, T2_S), both broadcast. Every message
# it hears is printed as one line (its type, and "ciaddr A" for a renewal or rebinding);
# after the ACK it answers nothing. Exits after SECONDS. Waits (up to 10 s) for IFNAME.
import socket
import struct
import sys
import time

ifname, server, yiaddr = sys.argv[1], sys.argv[2], sys.argv[3]
lease, t1, t2, seconds = (int(x) for x in sys.argv[4:8])
TYPES = {1: "DISCOVER", 3: "REQUEST", 4: "DECLINE", 7: "RELEASE"}

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for _ in range(100):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
        break
    except OSError:
        time.sleep(0.1)
else:
    print(f"no interface {ifname}", flush=True)
    sys.exit(1)
s.bind(("0.0.0.0", 67))
print("listening", flush=True)


def options(b):
    """The options of a message as {code: bytes}; stops at END or a malformed one."""
    out, i = {}, 240
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        if i + 1 >= len(b) or i + 2 + b[i + 1] > len(b):
            break
        out[b[i]] = b[i + 2:i + 2 + b[i + 1]]
        i += 2 + b[i + 1]
    return out


def reply(req, mtype):
    opts = bytes([53, 1, mtype, 54, 4]) + socket.inet_aton(server)
    opts += bytes([1, 4, 255, 255, 255, 0])
    for code, v in ((51, lease), (58, t1), (59, t2)):
        opts += bytes([code, 4]) + struct.pack("!I", v)
    m = struct.pack("!BBBBIHH", 2, 1, 6, 0, struct.unpack("!I", req[4:8])[0], 0, 0x8000)
    m += bytes(4) + socket.inet_aton(yiaddr) + socket.inet_aton(server) + bytes(4)
    m += req[28:44] + bytes(192) + bytes([99, 130, 83, 99]) + opts + bytes([255])
    s.sendto(m.ljust(300, b"\0"), ("255.255.255.255", 68))


acked = False
end = time.time() + seconds
while time.time() < end:
    s.settimeout(max(0.1, end - time.time()))
    try:
        b, _ = s.recvfrom(1500)
    except socket.timeout:
        break
    if len(b) < 244 or b[0] != 1:
        continue
    o = options(b)
    mtype = o.get(53, b"\0")[0]
    ciaddr = socket.inet_ntoa(b[12:16])
    print(TYPES.get(mtype, f"type {mtype}") +
          (f" ciaddr {ciaddr}" if ciaddr != "0.0.0.0" else ""), flush=True)
    if acked:
        continue
    if mtype == 1:
        reply(b, 2)
    elif mtype == 3 and o.get(50) == socket.inet_aton(yiaddr):
        reply(b, 5)
        acked = True
        print("acked", flush=True)
