#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A small HTTP upload server for t_preload_servers.sh: PUT /NAME writes the request body
# (Content-Length bytes) to DIR/NAME and answers 201. Prints "listening" when ready.
#   preload_put_srv.py DIR PORT
import http.server
import os
import sys

DIR = sys.argv[1]


class Put(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        left = int(self.headers.get("Content-Length", "0"))
        name = os.path.join(DIR, os.path.basename(self.path))
        with open(name, "wb") as f:
            while left > 0:
                b = self.rfile.read(min(left, 1 << 16))
                if not b:
                    break
                f.write(b)
                left -= len(b)
        self.send_response(201 if left == 0 else 400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))


srv = http.server.HTTPServer(("0.0.0.0", int(sys.argv[2])), Put)
print("listening", flush=True)
srv.serve_forever()
