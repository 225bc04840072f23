#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Sends a barrage of malformed frames from the kernel's side of a TAP to ustack.

    malformed.py IFACE DST_MAC DST_IP SRC_IP [--seed N] [--rounds N]

Every category below is sent --rounds times (with random variation), so the default of 60
rounds sends a few thousand frames. Prints how many frames of each category went out.
The frames are built as raw bytes (so that nothing is "fixed" on the way) and sent with
scapy's sendp.
"""
import random
import struct
import sys
import time

from scapy.all import Raw, get_if_hwaddr, sendp


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


class Gen:
    def __init__(self, dst_mac, src_mac, dst_ip, src_ip, rng):
        self.dmac, self.smac = dst_mac, src_mac
        self.dip, self.sip = dst_ip, src_ip
        # Fragments come from another host on the subnet: the datagrams they leave half
        # built (for the 30 s reassembly timeout) must not share (src, id, proto) with the
        # kernel's own fragmented UDP in the echo check after the barrage, whose IP ids
        # this script cannot know.
        self.fsip = src_ip[:3] + bytes([251 if src_ip[3] == 250 else 250])
        self.rng = rng
        self.ident = rng.randint(0, 0xFFFF)

    def eth(self, etype, payload, dmac=None):
        return (dmac or self.dmac) + self.smac + struct.pack("!H", etype) + payload

    def iphdr(self, proto, plen, ihl=5, ver=4, tot=None, ttl=64, frag=0, ident=None,
              src=None, dst=None, good_sum=True, opts=b""):
        tot = 4 * ihl + plen if tot is None else tot
        ident = self.next_id() if ident is None else ident
        h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 0xF), 0, tot & 0xFFFF, ident,
                        frag, ttl, proto, 0, src or self.sip, dst or self.dip) + opts
        s = csum(h)
        if not good_sum:
            s ^= 0x1234
        return h[:10] + struct.pack("!H", s) + h[12:]

    def next_id(self):
        self.ident = (self.ident + 1) & 0xFFFF
        return self.ident

    def ip(self, proto, payload, **kw):
        return self.eth(0x0800, self.iphdr(proto, len(payload), **kw) + payload)

    def udp(self, data, dport=7, sport=40000, ulen=None, good_sum=True, src=None):
        ulen = 8 + len(data) if ulen is None else ulen
        pseudo = (src or self.sip) + self.dip + struct.pack("!BBH", 0, 17, 8 + len(data))
        u = struct.pack("!HHHH", sport, dport, ulen & 0xFFFF, 0) + data
        s = csum(pseudo + u) or 0xFFFF
        if not good_sum:
            s ^= 0x0F0F
        return u[:6] + struct.pack("!H", s) + u[8:]

    def icmp(self, typ, code, data, good_sum=True):
        m = struct.pack("!BBHHH", typ, code, 0, 0x4242, 1) + data
        s = csum(m)
        if not good_sum:
            s ^= 0x00FF
        return m[:2] + struct.pack("!H", s) + m[4:]

    def arp(self, op=1, htype=1, ptype=0x0800, hlen=6, plen=4, sha=None, spa=None, tpa=None):
        return self.eth(0x0806, struct.pack("!HHBBH", htype, ptype, hlen, plen, op) +
                        (sha or self.smac) + (spa or self.sip) + b"\0" * 6 + (tpa or self.dip))

    # ---- the categories ----
    def categories(self):
        r = self.rng
        ok_ip = self.iphdr(1, 8)

        def rnd(n):
            return bytes(r.getrandbits(8) for _ in range(n))

        return {
            # Ethernet: IP/ARP ethertype with nothing after it; frames for another host.
            "eth_empty_ip": lambda: self.eth(0x0800, b""),
            "eth_not_for_us": lambda: self.eth(0x0800, ok_ip + self.icmp(8, 0, b"x"),
                                                dmac=b"\x02\x11\x22\x33\x44\x55"),
            # IPv4 header
            "ip_truncated": lambda: self.eth(0x0800, ok_ip[:r.randint(1, 19)]),
            "ip_bad_version": lambda: self.ip(1, self.icmp(8, 0, b"v"), ver=r.choice([0, 5, 6, 15])),
            "ip_ihl_small": lambda: self.ip(1, self.icmp(8, 0, b"i"), ihl=r.randint(0, 4)),
            "ip_ihl_past_end": lambda: self.eth(0x0800, self.iphdr(1, 0, ihl=15, tot=20)),
            "ip_totlen_long": lambda: self.ip(1, self.icmp(8, 0, b"t"), tot=r.randint(60, 65535)),
            "ip_totlen_short": lambda: self.ip(1, self.icmp(8, 0, b"s"), tot=r.randint(0, 19)),
            "ip_bad_cksum": lambda: self.ip(1, self.icmp(8, 0, b"c"), good_sum=False),
            "ip_martian_src": lambda: self.ip(17, self.udp(b"b"), src=r.choice(
                [b"\xff\xff\xff\xff", b"\xe0\x00\x00\x01", b"\x7f\x00\x00\x01", b"\0\0\0\0"])),
            "ip_not_for_us": lambda: self.ip(1, self.icmp(8, 0, b"n"), dst=ip4("10.9.9.9")),
            "ip_unknown_proto": lambda: self.ip(r.choice([0, 99, 143, 253, 255]), rnd(16)),
            "ip_bad_options": lambda: self.ip(1, self.icmp(8, 0, b"o"), ihl=6,
                                              opts=bytes([0x44, r.choice([0, 1, 2, 255])]) + b"\0\0"),
            # ICMP
            "icmp_short": lambda: self.ip(1, rnd(r.randint(0, 7))),
            "icmp_bad_cksum": lambda: self.ip(1, self.icmp(8, 0, rnd(20), good_sum=False)),
            "icmp_odd_types": lambda: self.ip(1, self.icmp(r.choice([3, 5, 11, 12, 13, 42]),
                                                           r.randint(0, 20), rnd(r.randint(0, 40)))),
            # UDP
            "udp_short": lambda: self.ip(17, rnd(r.randint(0, 7))),
            "udp_len_long": lambda: self.ip(17, self.udp(b"long", ulen=r.randint(13, 2000))),
            "udp_len_small": lambda: self.ip(17, self.udp(b"small", ulen=r.randint(0, 7))),
            "udp_bad_cksum": lambda: self.ip(17, self.udp(rnd(30), good_sum=False)),
            # Fragments: overlapping, tiny, out of range, never completed.
            "frag_overlap": self.frag_overlap,
            "frag_tiny": self.frag_tiny,
            "frag_oversize": lambda: self.ip(17, rnd(64), frag=0x2000 | 8189, src=self.fsip),
            "frag_incomplete": lambda: self.ip(17, self.udp(rnd(48), src=self.fsip),
                                               frag=0x2000, src=self.fsip),
            # ARP
            "arp_short": lambda: self.eth(0x0806, rnd(r.randint(0, 27))),
            "arp_bad_format": lambda: self.arp(htype=r.choice([0, 6, 0xFFFF]), hlen=r.choice([6, 8]),
                                               ptype=r.choice([0x0800, 0x86DD])),
            "arp_bad_lengths": lambda: self.arp(hlen=r.choice([0, 4, 7, 255]), plen=r.choice([4, 16])),
            "arp_bad_op": lambda: self.arp(op=r.choice([0, 3, 8, 0xFFFF])),
            "arp_bogus_sender": lambda: self.arp(sha=r.choice([b"\xff" * 6, b"\x01\x00\x5e\0\0\1"]),
                                                 spa=r.choice([b"\xff\xff\xff\xff", b"\0\0\0\0", self.sip])),
            # Noise
            "random_bytes": lambda: self.dmac + self.smac + rnd(r.randint(2, 1500)),
            "random_ip_payload": lambda: self.eth(0x0800, rnd(r.randint(1, 1500))),
            "random_arp_payload": lambda: self.eth(0x0806, rnd(r.randint(1, 60))),
        }

    def frag_overlap(self):
        # Two or three fragments of one datagram whose ranges overlap with different bytes.
        ident = self.next_id()
        data = self.udp(bytes(range(56)), src=self.fsip)
        a = self.ip(17, data[:32], ident=ident, frag=0x2000 | 0, src=self.fsip)
        b = self.ip(17, bytes(b ^ 0xFF for b in data[16:64]), ident=ident, frag=0x2000 | 2,
                    src=self.fsip)
        c = self.ip(17, data[24:], ident=ident, frag=3, src=self.fsip)
        return [a, b, c]

    def frag_tiny(self):
        # A datagram cut into 8-byte fragments, some repeated, the last one missing.
        ident = self.next_id()
        data = self.udp(bytes(self.rng.getrandbits(8) for _ in range(56)), src=self.fsip)
        out = []
        for off in range(0, len(data) - 8, 8):
            out.append(self.ip(17, data[off:off + 8], ident=ident, frag=0x2000 | (off // 8),
                               src=self.fsip))
            if self.rng.random() < 0.2:
                out.append(out[-1])
        return out


def seed_rounds(rest):
    """--seed N and --rounds N (defaults 1 and 60) from the options after the operands."""
    seed, rounds = 1, 60
    while rest:
        if rest[0] == "--seed":
            seed = int(rest[1])
        elif rest[0] == "--rounds":
            rounds = int(rest[1])
        rest = rest[2:]
    return seed, rounds


def report(counts, total):
    """What the tests read: a line per category, then "total N"."""
    for k, v in counts.items():
        print(f"{k} {v}")
    print(f"total {total}")


def main():
    iface, dmac, dip, sip = sys.argv[1:5]
    seed, rounds = seed_rounds(sys.argv[5:])
    rng = random.Random(seed)
    g = Gen(mac(dmac), mac(get_if_hwaddr(iface)), ip4(dip), ip4(sip), rng)
    cats = g.categories()
    counts = {k: 0 for k in cats}
    total = 0
    deadline = time.monotonic() + 60
    for _ in range(rounds):
        batch = []
        for name, make in cats.items():
            f = make()
            frames = f if isinstance(f, list) else [f]
            counts[name] += len(frames)
            batch += frames
        # Pace a little so that the TAP queue (not ustack) is never what drops frames.
        sendp([Raw(load=f) for f in batch], iface=iface, verbose=False)
        total += len(batch)
        time.sleep(0.01)
        if time.monotonic() > deadline:
            print("stopping early: time limit")
            break
    report(counts, total)


if __name__ == "__main__":
    main()
