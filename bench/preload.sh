#!/bin/bash
# SPDX-License-Identifier: MIT
# The preload path's cost (docs/preload.md), figures not assertions, in one namespace with
# a TAP to the kernel:
#  - a BENCH_MB download from the kernel's HTTP server: `ustack get` against
#    `ustack run -- curl` (the same stack, the bytes through a unix socket and the host
#    thread's pump in addition);
#  - per call, under `ustack run` and, for reference, on the kernel itself (its loopback:
#    the same program without the preload): socket+connect+close to a kernel listener,
#    a control request (setsockopt, getsockname), and a 1-byte round trip through an echo
#    server (bench/preload_calls.c).
#   bench/preload.sh build/ustack
# Environment: BENCH_MB (200), BENCH_CONNECTS (2000), BENCH_RPCS (20000), BENCH_RTTS (5000).
set -u
UST=${1:-build/ustack}
MB=${BENCH_MB:-200}
NC=${BENCH_CONNECTS:-2000}
NR=${BENCH_RPCS:-20000}
NT=${BENCH_RTTS:-5000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin pbench "$UST" curl cc
NS=ust-pb-$$
b_ns "$NS"
DEV=tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24
cc -O2 -o "$TMP/calls" "$HERE/preload_calls.c" || exit 1
mkdir "$TMP/www"
head -c $((MB * 1024 * 1024)) /dev/zero >"$TMP/www/big"
cat >"$TMP/srv.py" <<'PY'
import socket, sys, threading
def accept_close(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1024)
    while True:
        c, _ = s.accept(); c.close()
def echo(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while (d := c.recv(65536)):
            c.sendall(d)
        c.close()
threading.Thread(target=accept_close, args=(7001,), daemon=True).start()
echo(7002)
PY
b_bg ip netns exec "$NS" "$PY" -m http.server -d "$TMP/www" 8080 >/dev/null 2>&1
b_bg ip netns exec "$NS" "$PY" "$TMP/srv.py" >/dev/null 2>&1
for i in $(seq 1 50); do
	ip netns exec "$NS" ss -tln | grep -q ':7002 ' && ip netns exec "$NS" ss -tln | grep -q ':8080 ' && break
	sleep 0.1
done

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "  (failed: $*)" >&2; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
echo "download of $MB MB from the kernel's http.server:"
t=$(secs ip netns exec "$NS" "$UST" get --dev "$DEV" -s -o /dev/null "http://10.0.0.1:8080/big")
echo "  ustack get:              $t s ($(echo "scale=0; $MB * 8 / $t" | bc) Mbit/s)"
t=$(secs ip netns exec "$NS" "$UST" run --dev "$DEV" -- curl -s -o /dev/null "http://10.0.0.1:8080/big")
echo "  ustack run -- curl:      $t s ($(echo "scale=0; $MB * 8 / $t" | bc) Mbit/s)"
echo "per call, under ustack run:"
ip netns exec "$NS" "$UST" run --dev "$DEV" -- sh -c "'$TMP/calls' connect 10.0.0.1 7001 $NC; \
	'$TMP/calls' rpc $NR; '$TMP/calls' io 10.0.0.1 7002 $NT" | sed 's/^/  /'
echo "per call, on the kernel (its loopback, no preload), for reference:"
ip netns exec "$NS" sh -c "'$TMP/calls' connect 127.0.0.1 7001 $NC; '$TMP/calls' rpc $NR; \
	'$TMP/calls' io 127.0.0.1 7002 $NT" | sed 's/^/  /'
