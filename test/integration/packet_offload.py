#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turns an offload of a network interface on or off with the ethtool ioctl, for the
tests that would otherwise need the ethtool program (not among the test dependencies).

    packet_offload.py IFNAME {tso|tx|gso|sg} {on|off}
"""
import ctypes
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
SET = {"tx": 0x17, "sg": 0x19, "tso": 0x1F, "gso": 0x24}  # ETHTOOL_S{TXCSUM,SG,TSO,GSO}


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in SET or sys.argv[3] not in ("on", "off"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ifname, what, state = sys.argv[1:]
    # struct ethtool_value { u32 cmd; u32 data; }, pointed to from struct ifreq.
    value = ctypes.create_string_buffer(struct.pack("II", SET[what], 1 if state == "on" else 0))
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(value))
    ifr += b"\0" * (40 - len(ifr))  # sizeof(struct ifreq)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
