#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The kernel-side web server of t_get_cli: files from a directory, plus paths that answer
what `ustack get` must handle: redirects (relative, absolute with dot segments, a loop, one
to https, one with a CR in its Location, one too long, one without a Location), an error status, a body that stalls, and hostile
heads (endless header lines, endless interim responses, a negative Content-Length). Every request is logged as
"METHOD PATH" to LOG, one line each, so the test can count how often a path was asked for.

    http_redirect.py DIR PORT LOG
"""
import http.server
import sys
import time

ROOT, PORT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]

REDIRECTS = {
    "/a": (302, "b"),                                       # relative to /a: /b
    "/b": (301, "http://10.0.0.1:%d/dir/../file.bin" % PORT),  # absolute, dot segments
    "/loop": (307, "/loop"),                                # a loop -L must give up on
    "/tls": (302, "https://10.0.0.1/"),                     # a scheme get cannot follow
    "/nowhere": (308, "/missing"),                          # to a 404
    "/inject": (302, "/small.txt\rX-Injected: 1"),          # a lone CR in the Location
    "/longloc": (302, "/" + "a" * 3000),                    # longer than a URL may be
}

# hostile heads: headers without end, interim responses without end, a bad length
HOSTILE = ("/bighead", "/many100", "/badlen")


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=ROOT, **kwargs)

    def log_message(self, fmt, *args):
        pass

    def special(self):
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        if self.path in REDIRECTS:
            code, where = REDIRECTS[self.path]
            body = b"moved\n"
            self.send_response(code)
            self.send_header("Location", where)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)
            return True
        if self.path == "/noloc":
            # a redirect without a Location: nothing to follow, the body is the answer
            body = b"moved, but not said where\n"
            self.send_response(302)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)
            return True
        if self.path in HOSTILE:
            self.hostile()
            return True
        if self.path == "/stall":
            # a head that promises 1000 bytes, 10 of them, then silence
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(30)
            return True
        return False

    def hostile(self):
        """4 MB of header lines (then a body, for a client that took them all), 100000
        interim 100 responses, or a Content-Length that is not a number."""
        self.close_connection = True
        try:
            if self.path == "/bighead":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
                for _ in range(4096):
                    self.wfile.write(line)
                self.wfile.write(b"Content-Length: 6\r\n\r\nhello\n")
            elif self.path == "/many100":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n" * 100000)
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
            else:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: -6\r\n\r\nhello\n")
            self.wfile.flush()
        except OSError:
            pass

    def do_GET(self):
        if not self.special():
            super().do_GET()

    def do_HEAD(self):
        if not self.special():
            super().do_HEAD()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


Server(("0.0.0.0", PORT), Handler).serve_forever()
