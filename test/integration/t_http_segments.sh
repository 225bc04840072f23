#!/bin/bash
# SPDX-License-Identifier: MIT
# The segments ustack sends to `ab` through `serve http` (run to completion): no bare ACK
# where an answer could carry it. Counted by ustack (tcp.snd_total: every TCP segment,
# SYN-ACKs included, no ARP or neighbour discovery), against its count of accepted
# connections (serve.conns_accepted):
#   - one request per connection (`ab` without -k, Connection: close): three segments per
#     connection (SYN-ACK; data, ACK and FIN together; the ACK of ab's FIN), also when the
#     request comes with the ACK that completes the handshake (serve reads it in the round
#     that accepts the connection);
#   - a connection ab opens and closes unused: two (SYN-ACK; the ACK of ab's FIN and ours
#     together: the FIN's ACK waits for the round's end, tcp_process_fin, and serve reads
#     EOF and closes in that round);
#   - keep-alive (`ab -k`, 100-byte requests): one segment per request, plus two per
#     connection (SYN-ACK; ab ends the connection: our FIN carries the ACK of its FIN); the
#     window update that every 14th request's read earns rides on the answer
#     (tcp_pcb_recv defers it to the round's end with the answer).
# Two segments of slack; a bare ACK per 14 requests (keep-alive), per 7 connections (with
# -c 50) or before our FIN on each of ab's -k connections exceeds it (what each used to
# cost).
. "$(dirname "$0")/lib.sh"
t_begin http_segments "$1"
need_cmd ab
ns_new NS
mkdir "$T_TMP/www"
head -c 1024 /dev/urandom >"$T_TMP/www/small"
in_ns "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 60000"

# run_ab NAME AB-OPTIONS...: a fresh ustack serving /small, one ab run against it, all
# answered; SEGS: the TCP segments ustack sent, CONNS: the connections it accepted.
run_ab()
{
	local name=$1 out
	shift
	ust_serve "$NS" --serve "http,root=$T_TMP/www"
	in_ns "$NS" ping -c 1 -W 2 "$US_ADDR" >/dev/null || fail "$name: ustack does not answer a ping"
	out=$(in_ns "$NS" ab -q -r -s 10 "$@" "http://$US_ADDR/small" 2>&1) ||
		fail "$name: ab failed: $(echo "$out" | tail -n 3)"
	echo "$out" | grep -q '^Failed requests: *0$' || fail "$name: failed requests: $out"
	echo "$out" | grep -q '^Non-2xx' && fail "$name: answers other than 200"
	sleep 0.5 # the last FINs and their ACKs
	ust_stop
	SEGS=$(segs_first_sent)
	CONNS=$(counter serve.conns_accepted)
	echo "$name: $SEGS segments from ustack for $CONNS connections"
}

# ab may open a few connections more than it needs and close them unused: each of those
# costs two segments (SYN-ACK; FIN and the ACK of ab's FIN), the 1000 used three.
run_ab "Connection: close, 1000 requests" -n 1000 -c 50
[ "$CONNS" -ge 1000 ] || fail "serve.conns_accepted is $CONNS, want at least 1000"
limit=$((3 * 1000 + 2 * (CONNS - 1000) + 2))
[ "$SEGS" -le "$limit" ] ||
	fail "$SEGS segments, want at most $limit (3 per connection used, 2 per one unused)"
run_ab "keep-alive, 3000 requests" -k -n 3000 -c 5
[ "$CONNS" -ge 5 ] || fail "serve.conns_accepted is $CONNS, want at least 5"
limit=$((3000 + 2 * CONNS + 2))
[ "$SEGS" -le "$limit" ] ||
	fail "$SEGS segments, want at most $limit (1 per request, 2 per connection)"
pass
