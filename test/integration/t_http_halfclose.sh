#!/bin/bash
# SPDX-License-Identifier: MIT
# Clients that shut their write side (SHUT_WR) after a request to `serve http` (run to
# completion), each one from python3 in the namespace:
#   - 200 requests for a 1 KB file, each followed by shutdown(SHUT_WR) at once: ustack
#     sends three segments per connection (SYN-ACK; the answer; its FIN with the ACK of
#     the client's: the FIN's ACK waits for the round's end, where serve has read EOF and
#     closed), counted by ustack (tcp.snd_total, serve.conns_accepted); a bare ACK of the
#     client's FIN first made it four;
#   - 3 requests for a 4 MB file from a client whose receive buffer is 4 KB and which does
#     not read for 1 s, so the window shuts and ustack probes it, then shuts its write
#     side: serve does not close (the file is still going out), so the hook sends the ACK
#     of the FIN at the round's end, and the client must see its FIN acknowledged
#     (FIN_WAIT_2) within a second while its window stays shut (an ACK that carried the
#     window probe's byte, one past the shut window, was dropped: the client sent its FIN
#     again and again); then it reads the whole answer.
. "$(dirname "$0")/lib.sh"
t_begin http_halfclose "$1"
ns_new NS
mkdir "$T_TMP/www"
head -c 1024 /dev/urandom >"$T_TMP/www/small"
head -c 4000000 /dev/urandom >"$T_TMP/www/big"

cat >"$T_TMP/client.py" <<'PY'
import socket, sys, time

addr, mode = sys.argv[1], sys.argv[2]
FIN_WAIT1, FIN_WAIT2 = 4, 5

def read_all(s):
    n = 0
    while True:
        b = s.recv(65536)
        if not b:
            return n
        n += len(b)

if mode == "small":
    for i in range(200):
        s = socket.create_connection((addr, 80), timeout=10)
        s.sendall(b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        n = read_all(s)
        if n <= 1024:
            sys.exit("connection %d: %d bytes" % (i, n))
        s.close()
else:
    for i in range(3):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect((addr, 80))
        s.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(1)  # the window shuts; ustack probes it
        s.shutdown(socket.SHUT_WR)
        t0 = time.monotonic()
        while True:
            st = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
            if st != FIN_WAIT1 or time.monotonic() - t0 > 1:
                break
            time.sleep(0.001)
        if st != FIN_WAIT2:
            sys.exit("connection %d: state %d 1 s after shutdown, want FIN_WAIT_2" % (i, st))
        print("connection %d: FIN acknowledged in %.1f ms" % (i, (time.monotonic() - t0) * 1000))
        n = read_all(s)
        if n <= 4000000:
            sys.exit("connection %d: %d bytes" % (i, n))
        s.close()
PY

# run_client NAME MODE: a fresh ustack serving $T_TMP/www, the client above in MODE
# (small or shut), then SEGS and CONNS as t_http_segments counts them.
run_client()
{
	local name=$1 mode=$2 out
	ust_serve "$NS" --serve "http,root=$T_TMP/www"
	in_ns "$NS" ping -c 1 -W 2 "$US_ADDR" >/dev/null || fail "$name: ustack does not answer a ping"
	out=$(in_ns "$NS" timeout 60 /usr/bin/python3 "$T_TMP/client.py" "$US_ADDR" "$mode" 2>&1) ||
		fail "$name: $out"
	[ -n "$out" ] && echo "$out"
	sleep 0.5 # the last FINs and their ACKs
	ust_stop
	SEGS=$(segs_first_sent)
	CONNS=$(counter serve.conns_accepted)
	echo "$name: $SEGS segments from ustack for $CONNS connections"
}

run_client "request, then shutdown(SHUT_WR)" small
[ "$CONNS" -eq 200 ] || fail "serve.conns_accepted is $CONNS, want 200"
limit=$((3 * CONNS + 2))
[ "$SEGS" -le "$limit" ] || fail "$SEGS segments, want at most $limit (3 per connection)"
run_client "shutdown(SHUT_WR) into a shut window" shut
# the window did shut before the shutdown: ustack probed it (the persist timer)
[ "$(counter tcp.persist_timeouts)" -ge 1 ] ||
	fail "tcp.persist_timeouts is 0: the client's window never shut, the case went untried"
pass
