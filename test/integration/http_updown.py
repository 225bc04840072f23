#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A kernel-side HTTP server for the transfer tests: GET serves files from DIR, PUT stores
the request body under DIR (what `curl -T FILE URL` sends), so a test can check both
directions byte for byte.

    http_updown.py ADDR PORT DIR
"""
import http.server
import os
import shutil
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_PUT(self):
        name = os.path.basename(self.path)
        length = self.headers.get("Content-Length")
        if not name or length is None:
            self.send_error(411 if length is None else 400)
            return
        left = int(length)
        with open(os.path.join(self.directory, name + ".part"), "wb") as f:
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                f.write(chunk)
                left -= len(chunk)
        if left:
            self.send_error(400, "body cut short")
            return
        shutil.move(os.path.join(self.directory, name + ".part"),
                    os.path.join(self.directory, name))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    handler = lambda *a, **kw: Handler(*a, directory=root, **kw)  # noqa: E731
    with http.server.ThreadingHTTPServer((addr, port), handler) as srv:
        srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
