#!/bin/bash
# SPDX-License-Identifier: MIT
# serve's connections come from a pool (apps/serve.h, struct svc's conn_pool) and
# --max-conn still holds: with 20 idle connections at --max-conn 20 (no head timeout, no
# reclaiming) curl is not answered; once they close it is, twice over (the slots go back
# to the pool and are taken again); then ab makes 1000 connections, 10 at a time, all
# answered. serve.pool_slabs counts the slabs the pools took from malloc: a few in all,
# not one per connection.
. "$(dirname "$0")/lib.sh"
t_begin serve_pool "$1"
need_cmd curl
need_cmd ab
ns_new NS
mkdir "$T_TMP/www"
echo "hello from ustack" >"$T_TMP/www/index.html"
ust_serve "$NS" --serve "http,root=$T_TMP/www" --max-conn 20 --http-header-timeout 0 \
	--reclaim-after 3600000

cat >"$T_TMP/hold.py" <<'PY'
import socket, sys, time
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.create_connection((sys.argv[1], 80), timeout=5)
    socks.append(s)
print("held", flush=True)
time.sleep(float(sys.argv[3]))
PY

for round in 1 2; do
	bg_ns "$NS" "$T_TMP/hold$round.out" /usr/bin/python3 "$T_TMP/hold.py" "$US_ADDR" 20 5
	HOLD=$BG_PID
	wait_for 5 grep -q held "$T_TMP/hold$round.out" ||
		fail "round $round: the 20 connections were not made: $(head -c 300 "$T_TMP/hold$round.out")"
	sleep 0.5
	if body=$(in_ns "$NS" curl -sS --max-time 2 "http://$US_ADDR/index.html" 2>&1); then
		fail "round $round: a 21st connection was answered at --max-conn 20: $body"
	fi
	echo "round $round: 20 held, the 21st waits"
	wait "$HOLD"
	body=$(in_ns "$NS" curl -sS --max-time 5 "http://$US_ADDR/index.html" 2>&1) ||
		fail "round $round: not answered once the 20 closed: $body"
	[ "$body" = "hello from ustack" ] || fail "round $round: got '$body'"
	echo "round $round: answered once they closed"
done

T_CMD_TIMEOUT=60 in_ns "$NS" ab -q -n 1000 -c 10 "http://$US_ADDR/index.html" >"$T_TMP/ab.out" 2>&1 ||
	fail "ab failed: $(tail -5 "$T_TMP/ab.out")"
grep -q "^Complete requests: *1000" "$T_TMP/ab.out" || fail "ab: $(grep -E 'Complete|Failed' "$T_TMP/ab.out")"
grep -q "^Failed requests: *0" "$T_TMP/ab.out" || fail "ab: $(grep Failed "$T_TMP/ab.out")"
echo "ab -n 1000 -c 10: all answered"

ust_alive || fail "ustack exited"
ust_stop
expect_counter serve.conns_accepted -ge 1042
expect_counter serve.pool_slabs -ge 1
expect_counter serve.pool_slabs -le 4
echo "serve.pool_slabs: $(counter serve.pool_slabs) for $(counter serve.conns_accepted) connections"
pass
