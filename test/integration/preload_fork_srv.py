# SPDX-License-Identifier: MIT
# A ForkingTCPServer: each connection gets "pid N says LINE" from a child of its own.
import os, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.wfile.write(b"pid %d says %s" % (os.getpid(), line))
class S(socketserver.ForkingTCPServer):
    allow_reuse_address = True
s = S(("0.0.0.0", int(sys.argv[1])), H)
print("listening", flush=True)
s.serve_forever()
