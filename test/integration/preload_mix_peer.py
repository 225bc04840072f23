# SPDX-License-Identifier: MIT
# The kernel's side for preload_mix.py: the first connection gets "ping" after 0.5 s and is closed
# after the client's "bye"; the second is reset 0.5 s after the accept (SO_LINGER 0).
import socket, struct, sys, time
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1]))); ls.listen(8)
print("ready", flush=True)
c, _ = ls.accept(); time.sleep(0.5); c.sendall(b"ping")
c.settimeout(5); assert c.recv(3) == b"bye"; c.close()
c, _ = ls.accept(); time.sleep(0.5)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
