# SPDX-License-Identifier: MIT
"""A TCP receiver that closes first: listens on HOST PORT, accepts one connection, reads
exactly BYTES into FILE, then closes its side and reads on until the peer's FIN (more
data is an error). The interop tests use it so that the kernel side, not a short-lived
ustack command, is the first to close (and so the one whose stack keeps TIME_WAIT).

    recv_n.py HOST PORT BYTES FILE      exit 0 when BYTES arrived and then the FIN
"""
import socket
import sys


def main():
    host, port, want, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    ls.settimeout(60)
    c, _ = ls.accept()
    c.settimeout(60)
    got = 0
    with open(path, "wb") as f:
        while got < want:
            d = c.recv(min(65536, want - got))
            if not d:
                print(f"recv_n: FIN after {got} of {want} bytes", file=sys.stderr)
                return 1
            f.write(d)
            got += len(d)
    c.shutdown(socket.SHUT_WR)
    extra = c.recv(1)
    c.close()
    if extra:
        print("recv_n: data after the expected bytes", file=sys.stderr)
        return 1
    print(f"recv_n: {got} bytes, then both FINs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
