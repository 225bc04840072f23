#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seeds for fuzz_tcp (format in fuzz_tcp.c) from the TCP frames of test/data/*.pcap.

For every TCP stream that starts with a SYN, two inputs: the harness plays the server while
the capture's client is the peer (passive open), and the harness plays the client while
the capture's server is the peer (active open). The peer's frames after the handshake
become segment operations with their flags, window, options (timestamps left to the
harness) and payload length, and
sequence and acknowledgment numbers relative to what the connection expects (as in the
capture); the other side's data becomes send operations; time gaps become clock steps.
  test/fuzz/seed_tcp.py DIR
"""
import os
import struct
import sys


def frames(path):
    b = open(path, "rb").read()
    end = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = b[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack(end + "I", b[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(b):
        sec, frac, incl = struct.unpack(end + "III", b[off:off + 12])
        t = sec + frac / (1e9 if nano else 1e6)
        data = b[off + 16:off + 16 + incl]
        off += 16 + incl
        if link == 1:            # Ethernet
            if len(data) < 14 or data[12:14] != b"\x08\x00":
                continue
            data = data[14:]
        elif link not in (101, 228):  # raw IPv4
            continue
        out.append((t, data))
    return out


def tcp_of(ip):
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
        return None
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack(">H", ip[2:4])[0]
    t = ip[ihl:tot]
    if len(t) < 20:
        return None
    doff = (t[12] >> 4) * 4
    return {
        "src": ip[12:16], "dst": ip[16:20],
        "sport": struct.unpack(">H", t[0:2])[0], "dport": struct.unpack(">H", t[2:4])[0],
        "seq": struct.unpack(">I", t[4:8])[0], "ack": struct.unpack(">I", t[8:12])[0],
        "flags": t[13], "wnd": struct.unpack(">H", t[14:16])[0],
        "opts": t[20:doff], "len": max(0, len(t) - doff),
    }


def syn_setup(seg, active):
    """The setup byte and MSS from the peer's SYN options."""
    o, i = seg["opts"], 0
    setup, mss = 1 if active else 0, 0
    while i < len(o):
        k = o[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            break
        n = o[i + 1]
        if k == 2 and n == 4:
            mss = struct.unpack(">H", o[i + 2:i + 4])[0]
        elif k == 3 and n == 3:
            setup |= 0x04 | (min(o[i + 2], 15) << 4)
        elif k == 4:
            setup |= 0x08
        elif k == 8:
            setup |= 0x02
        i += n
    return setup, mss


def strip_ts(o):
    """The options without timestamps (the capture's clock would fail PAWS against the
    harness's; with none given, the harness adds a valid one)."""
    out, i = bytearray(), 0
    while i < len(o):
        k = o[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            break
        if k != 8:
            out += o[i:i + o[i + 1]]
        i += o[i + 1]
    return bytes(out)


def seed(stream, active):
    """stream: [(t, seg)] in capture order; the client sent the first SYN."""
    client = (stream[0][1]["src"], stream[0][1]["sport"])
    is_peer = (lambda s: (s["src"], s["sport"]) != client) if active else \
        (lambda s: (s["src"], s["sport"]) == client)
    syn = next((s for _, s in stream if is_peer(s) and s["flags"] & 0x02), None)
    if syn is None:
        return None
    setup, mss = syn_setup(syn, active)
    out = bytearray([setup]) + struct.pack(">H", mss)
    peer_nxt = us_max = None
    last_t = None
    handshake = True
    for t, s in stream:
        if last_t is not None and t - last_t >= 0.001:
            out += bytes([3]) + struct.pack(">H", min(65535, int((t - last_t) * 1000)))
        last_t = t
        syn_fin = (1 if s["flags"] & 0x02 else 0) + (1 if s["flags"] & 0x01 else 0)
        if is_peer(s):
            # the harness scripts the handshake itself: skip the peer's SYN (or SYN,ACK)
            # and, for a passive open, the ACK that completes it
            if handshake and s["flags"] & 0x02:
                peer_nxt = (s["seq"] + 1) & 0xffffffff
                continue
            if handshake and not active and s["flags"] == 0x10 and s["len"] == 0:
                handshake = False
                continue
            handshake = False
            sd = (s["seq"] - (peer_nxt or s["seq"])) & 0xffff
            ad = (s["ack"] - (us_max or s["ack"])) & 0xffff
            opts = strip_ts(s["opts"])[:40]
            out += bytes([0, s["flags"]]) + struct.pack(">HHH", sd, ad, s["wnd"])
            out += bytes([len(opts)]) + opts + struct.pack(">H", min(s["len"], 4096))
            peer_nxt = (s["seq"] + s["len"] + syn_fin) & 0xffffffff
        else:
            us_max = (s["seq"] + s["len"] + syn_fin) & 0xffffffff
            if s["len"] and not s["flags"] & 0x02:
                out += bytes([5 | (min(31, max(0, (s["len"] - 1) // 700)) << 3)])
            if s["flags"] & 0x01:
                out += bytes([6])  # the application shut down its side
    out += bytes([4 | (31 << 3)])  # read what came
    return bytes(out)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "build/fuzz/corpus-tcp"
    os.makedirs(d, exist_ok=True)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    n = 0
    for name in sorted(os.listdir(root)):
        if not name.endswith(".pcap"):
            continue
        streams = {}
        for t, ip in frames(os.path.join(root, name)):
            s = tcp_of(ip)
            if not s:
                continue
            a, b = (s["src"], s["sport"]), (s["dst"], s["dport"])
            key = (min(a, b), max(a, b))
            if key not in streams:
                if not (s["flags"] & 0x02) or s["flags"] & 0x10:
                    continue  # only streams whose first frame here is a SYN
                streams[key] = []
            streams[key].append((t, s))
        for i, st in enumerate(streams.values()):
            for active in (0, 1):
                b = seed(st, active)
                if b:
                    base = "%s-%d-%s" % (name[:-5], i, "active" if active else "passive")
                    open(os.path.join(d, base), "wb").write(b)
                    n += 1
    print("seed_tcp.py: %d inputs in %s" % (n, d))


if __name__ == "__main__":
    main()
