#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""UDP echo check with a kernel socket: sends datagrams of many sizes to HOST:PORT and
compares every echo byte by byte.

    udp_echo_client.py HOST PORT [--random N] [--seed S]

Sends one datagram at a time and waits for its echo (2 s). Exits 0 when every echo matched,
1 otherwise, printing one line per problem.
"""
import os
import random
import socket
import sys

SIZES = [1, 2, 7, 8, 100, 1000, 1471, 1472, 1473, 1480, 2000, 2952, 2953, 4000, 7999, 8000]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    nrandom, seed = 20, 1
    args = sys.argv[3:]
    while args:
        if args[0] == "--random":
            nrandom = int(args[1])
        elif args[0] == "--seed":
            seed = int(args[1])
        else:
            print("usage: udp_echo_client.py HOST PORT [--random N] [--seed S]")
            return 2
        args = args[2:]
    rng = random.Random(seed)
    sizes = SIZES + [rng.randint(1, 8000) for _ in range(nrandom)]

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    s.connect((host, port))
    bad = 0
    for i, n in enumerate(sizes):
        payload = bytes(rng.getrandbits(8) for _ in range(n))
        s.send(payload)
        try:
            got = s.recv(65535)
        except socket.timeout:
            print(f"size {n}: no echo within 2 s")
            bad += 1
            continue
        except OSError as e:
            print(f"size {n}: {e}")
            bad += 1
            continue
        if got != payload:
            diff = next((k for k in range(min(len(got), n)) if got[k] != payload[k]), min(len(got), n))
            print(f"size {n}: echo differs (got {len(got)} bytes, first difference at {diff})")
            bad += 1
    print(f"{len(sizes) - bad}/{len(sizes)} datagrams echoed byte-exact "
          f"(sizes {min(sizes)}..{max(sizes)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
