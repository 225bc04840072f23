# SPDX-License-Identifier: MIT
# The kernel's side for preload_mix.py: the first connection gets "ping" after 0.5 s and is
# closed after the client's "bye"; the second is reset 0.5 s after the accept (SO_LINGER 0);
# the third is read to its end and answered with the byte count and their sha256.
import socket, struct, sys, time
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1]))); ls.listen(8)
print("ready", flush=True)
c, _ = ls.accept(); time.sleep(0.5); c.sendall(b"ping")
c.settimeout(5); assert c.recv(3) == b"bye"; c.close()
c, _ = ls.accept(); time.sleep(0.5)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
c, _ = ls.accept(); c.settimeout(10)
import hashlib
h, n = hashlib.sha256(), 0
while (d := c.recv(65536)):
    h.update(d); n += len(d)
c.sendall(b"%d %s" % (n, h.hexdigest().encode())); c.close()
