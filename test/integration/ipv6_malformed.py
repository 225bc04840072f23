#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Sends malformed IPv6 frames from the kernel's side of a TAP to ustack.

    ipv6_malformed.py IFACE DST_MAC DST_ADDR DST_LINKLOCAL [--rounds N] [--seed N]

Each kind is sent --rounds times (default 5), then a few hundred frames of random
extension-header chains. The frames are raw bytes, so nothing is fixed on the way; the
source is 2001:db8::1, the kernel's address, so the parameter problems ustack answers with
can be delivered. Prints how many frames of each kind went out.
"""
import random
import socket
import struct
import sys

from scapy.all import Raw, get_if_hwaddr, sendp

SRC = socket.inet_pton(socket.AF_INET6, "2001:db8::1")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def icmp6(src, dst, typ, code, body, bad_sum=False):
    m = bytes([typ, code, 0, 0]) + body
    pseudo = src + dst + struct.pack("!IxxxB", len(m), 58)
    c = csum(pseudo + m)
    if bad_sum:
        c ^= 0x5555
    return m[:2] + struct.pack("!H", c) + m[4:]


def ip6(src, dst, nh, payload, hlim=64, plen=None):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB", 6 << 28, plen, nh, hlim) + src + dst + payload


def ext(nh, body):
    """An extension header of 8 * n bytes: next header, length, then body padded."""
    total = 2 + len(body)
    pad = (-total) % 8
    if pad == 1:
        body += b"\0"
    elif pad:
        body += bytes([1, pad - 2]) + bytes(pad - 2)
    return bytes([nh, (2 + len(body)) // 8 - 1]) + body


def main():
    args = sys.argv[1:]
    rounds, seed = 5, 1
    if "--rounds" in args:
        i = args.index("--rounds")
        rounds = int(args[i + 1])
        del args[i:i + 2]
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    iface, dmac, dst_s, ll_s = args
    rng = random.Random(seed)
    dst = socket.inet_pton(socket.AF_INET6, dst_s)
    ll = socket.inet_pton(socket.AF_INET6, ll_s)
    eth = bytes(int(x, 16) for x in dmac.split(":")) + \
        bytes(int(x, 16) for x in get_if_hwaddr(iface).split(":")) + b"\x86\xdd"
    echo = icmp6(SRC, dst, 128, 0, struct.pack("!HH", 0x77, 1) + b"x" * 8)
    sol = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:0")[:13] + dst[13:]
    smac = bytes(int(x, 16) for x in get_if_hwaddr(iface).split(":"))

    def ns(target, hlim=255, code=0, opt=None, to=sol):
        o = opt if opt is not None else bytes([1, 1]) + smac
        m = icmp6(SRC, to, 135, code, bytes(4) + target + o)
        return ip6(SRC, to, 58, m, hlim=hlim)

    mcast_target = socket.inet_pton(socket.AF_INET6, "ff02::1")
    kinds = {
        # the payload length claims more than the frame holds
        "plen_beyond_frame": lambda: ip6(SRC, dst, 58, echo, plen=1000),
        # a header cut short (a 30-byte IPv6 packet)
        "truncated_header": lambda: ip6(SRC, dst, 58, echo)[:30],
        # hop-by-hop after a destination options header
        "hbh_not_first": lambda: ip6(SRC, dst, 60, ext(0, b"") + ext(58, b"") + echo),
        # a type 0 routing header with segments left
        "rthdr0": lambda: ip6(SRC, dst, 43, ext(58, bytes([0, 1]) + bytes(4) + dst) + echo),
        # a destination options header longer than the packet
        "ext_truncated": lambda: ip6(SRC, dst, 60, bytes([58, 5]) + bytes(6)),
        # ten destination options headers: over the bound of 8
        "ext_too_many": lambda: ip6(SRC, dst, 60, b"".join(ext(60, b"") for _ in range(9)) +
                                    ext(58, b"") + echo),
        # an unknown option of action 01 (discard quietly)
        "opt_discard": lambda: ip6(SRC, dst, 60, ext(58, bytes([0x41, 2, 0, 0])) + echo),
        # an unknown option of action 10 (discard, parameter problem)
        "opt_paramprob": lambda: ip6(SRC, dst, 60, ext(58, bytes([0x81, 2, 0, 0])) + echo),
        # an option running past its header
        "opt_malformed": lambda: ip6(SRC, dst, 60, bytes([58, 0, 1, 9, 0, 0, 0, 0]) + echo),
        # an unknown next header
        "unknown_nh": lambda: ip6(SRC, dst, 253, bytes(16)),
        # a first fragment that no other follows (held for reassembly)
        "fragment": lambda: ip6(SRC, dst, 44, bytes([58, 0, 0, 1]) + struct.pack("!I", 7) +
                                echo),
        # an echo request with a wrong checksum
        "icmp6_bad_cksum": lambda: ip6(SRC, dst, 58, icmp6(SRC, dst, 128, 0, bytes(12),
                                                           bad_sum=True)),
        # ND with hop limit 64: not from this link
        "nd_hlim_64": lambda: ns(dst, hlim=64),
        # an ND option of length 0
        "nd_optlen_0": lambda: ns(dst, opt=bytes([1, 0]) + smac),
        # an ND option running past the message
        "nd_optlen_long": lambda: ns(dst, opt=bytes([1, 3]) + smac),
        # a multicast target
        "nd_mcast_target": lambda: ns(mcast_target, to=dst),
        # ICMPv6 code 1 on an NS
        "nd_bad_code": lambda: ns(dst, code=1),
        # an NS for the link-local address from the unspecified address with a source
        # link-layer option (RFC 4861 7.1.1 forbids it)
        "nd_dad_with_slla": lambda: ip6(bytes(16), sol[:13] + ll[13:], 58,
                                        icmp6(bytes(16), sol[:13] + ll[13:], 135, 0,
                                              bytes(4) + ll + bytes([1, 1]) + smac),
                                        hlim=255),
    }
    frames = []
    for name, make in kinds.items():
        for _ in range(rounds):
            frames.append(make())
        print("%-20s %d" % (name, rounds))
    # random chains: each header a random kind with random lengths and bytes
    for _ in range(300):
        chain, nh = b"", rng.choice([0, 43, 44, 60, 58, 253])
        first = nh
        for _ in range(rng.randint(0, 12)):
            body = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 6, 14, 30])))
            nxt = rng.choice([0, 43, 44, 60, 58, 59, 6, 17])
            chain += bytes([nxt, len(body) // 8 if rng.random() < 0.8 else rng.randint(0, 255)]) + body
        frames.append(ip6(SRC, dst, first, chain + echo)[:rng.randint(30, 40 + len(chain) + 20)])
    print("%-20s %d" % ("random_chains", 300))
    for f in frames:
        sendp(Raw(eth + f), iface=iface, verbose=False)


if __name__ == "__main__":
    main()
