#!/bin/bash
# SPDX-License-Identifier: MIT
# Slowloris against `serve http`: 300 connections from six addresses each send an unfinished
# request head and then a header byte a second. With --http-header-timeout 3 every one is
# closed by the server between 3 and 7 s after it connected (with a 408 when the client
# reads it before the close), however steadily it trickles, while curl from another address
# is served throughout. Then 120 from one address against --max-conn-per-source 50: 50
# held, the other 70 reset at once, curl still served. Then echo and chat clients that send
# nothing are closed after their idle limits (--echo-idle-timeout, --chat-idle-timeout).
# Then, with every slot of --max-conn held by slow connections, curl is still served: a new
# connection takes the slot of the one that has waited longest for its request head. Last,
# the same with every default and more slow connections than --max-conn plus --backlog,
# and --reclaim-after, which keeps a slow head's slot for a while, and the same reclaim
# with no head timeout at all.
. "$(dirname "$0")/lib.sh"
t_begin slowloris "$1"
need_cmd curl
ns_new NS
mkdir "$T_TMP/www"
echo "hello from ustack" >"$T_TMP/www/index.html"
ust_serve "$NS" --serve "http,root=$T_TMP/www" --serve echo --serve chat \
	--http-header-timeout 3 --max-conn-per-source 50 \
	--echo-idle-timeout 2 --chat-idle-timeout 2
# The attackers' addresses and curl's, all on the kernel's side of the TAP.
for i in 11 12 13 14 15 16 21 50; do
	ip -n "$NS" addr add "10.0.0.$i/$US_PREFIX" dev "$TAPIF" || fail "cannot add 10.0.0.$i"
done

# curl_loop SECS OUT: one fetch from 10.0.0.50 every 0.3 s for SECS seconds; OUT gets one
# line per fetch: "ok" or the failure.
curl_loop()
{
	local end=$(($(date +%s) + $1)) out=$2
	: >"$out"
	while [ "$(date +%s)" -lt "$end" ]; do
		if body=$(in_ns "$NS" curl -sS --max-time 5 --interface 10.0.0.50 \
			"http://$US_ADDR/index.html" 2>&1) && [ "$body" = "hello from ustack" ]; then
			echo ok >>"$out"
		else
			echo "failed: $body" >>"$out"
		fi
		sleep 0.3
	done
}

# json FILE EXPR: a field of slowloris.py's summary (python expression over `d`).
json()
{
	$PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

check_curls()
{
	local ok bad
	ok=$(grep -c '^ok$' "$1")
	bad=$(grep -vc '^ok$' "$1")
	echo "$2: curl served $ok times, failed $bad times"
	[ "$bad" -eq 0 ] || fail "$2: curl failed during the attack: $(grep -v '^ok$' "$1" | head -n 3)"
	[ "$ok" -ge 5 ] || fail "$2: curl ran only $ok times"
}

# 1. 300 slow connections, 50 from each of six addresses (at the per-source limit, not past).
bg_ns "$NS" "$T_TMP/slow1.json" "$PY" "$TESTDIR/slowloris.py" --host "$US_ADDR" --port 80 \
	--conns 300 --interval 1 --duration 10 --sources 10.0.0.11,10.0.0.12,10.0.0.13,10.0.0.14,10.0.0.15,10.0.0.16
slow=$BG_PID
sleep 1
curl_loop 7 "$T_TMP/curl1.txt"
pid_wait_exit "$slow" 20 || fail "slowloris.py did not stop by itself"
cat "$T_TMP/slow1.json"
json "$T_TMP/slow1.json" 'd["established"]' >/dev/null 2>&1 || fail "no summary from slowloris.py"
check_curls "$T_TMP/curl1.txt" "300 slow connections"
[ "$(json "$T_TMP/slow1.json" 'd["established"]')" -eq 300 ] || fail "not all 300 connected"
[ "$(json "$T_TMP/slow1.json" 'd["closed_by_server"]')" -eq 300 ] ||
	fail "the server did not close every slow connection"
[ "$(json "$T_TMP/slow1.json" 'int(d["life_min"] >= 2.5 and d["life_max"] <= 7)')" -eq 1 ] ||
	fail "slow connections closed outside 3..7 s of connecting"
echo "slow connections lived $(json "$T_TMP/slow1.json" 'd["life_min"]')..$(json "$T_TMP/slow1.json" 'd["life_max"]') s; $(json "$T_TMP/slow1.json" 'd["got_408"]') read a 408"

# 2. 120 from one address against --max-conn-per-source 50.
bg_ns "$NS" "$T_TMP/slow2.json" "$PY" "$TESTDIR/slowloris.py" --host "$US_ADDR" --port 80 \
	--conns 120 --interval 1 --duration 6 --sources 10.0.0.21
slow=$BG_PID
sleep 0.5
curl_loop 4 "$T_TMP/curl2.txt"
pid_wait_exit "$slow" 20 || fail "slowloris.py did not stop by itself"
cat "$T_TMP/slow2.json"
check_curls "$T_TMP/curl2.txt" "120 from one address"
# refused: reset at once, whether or not the client had seen the handshake complete
short=$(json "$T_TMP/slow2.json" 'sum(1 for x in d["lives"] if x < 1.5) + d["connect_reset"]')
long=$(json "$T_TMP/slow2.json" 'sum(1 for x in d["lives"] if x >= 2.5)')
echo "one address: $long held until the head timeout, $short refused at once"
[ "$long" -eq 50 ] || fail "$long connections from one address were held, want 50"
[ "$short" -eq 70 ] || fail "$short connections past the limit were refused, want 70"

# 3. Silent echo and chat clients are closed after their idle limits (2 s).
for port in 7 23; do
	in_ns "$NS" $PY -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
t0 = time.monotonic()
while s.recv(4096):
    pass
print("%.1f" % (time.monotonic() - t0))' "$US_ADDR" "$port" >"$T_TMP/idle.txt" 2>&1 ||
		fail "port $port: $(cat "$T_TMP/idle.txt")"
	secs=$(cat "$T_TMP/idle.txt")
	echo "port $port: a silent client was closed after $secs s"
	$PY -c 'import sys; sys.exit(not 1.5 <= float(sys.argv[1]) <= 6)' "$secs" ||
		fail "port $port: closed after $secs s, want about 2"
done

ust_alive || fail "ustack exited during the attack"
ust_stop
expect_counter serve.refused_per_source -eq 70
expect_counter serve.closed_deadline -ge 350
expect_counter serve.closed_idle -ge 2

# 4. At --max-conn 100 with the default head timeout (20 s), 150 slow connections from one
# address that come back when closed: 100 fill every slot and 50 more wait in the backlog,
# yet curl is served, because a new connection takes the slot of the one that has waited
# longest for its head.
ust_serve "$NS" --serve "http,root=$T_TMP/www" --max-conn 100
for i in 21 50; do
	ip -n "$NS" addr add "10.0.0.$i/$US_PREFIX" dev "$TAPIF" || fail "cannot add 10.0.0.$i"
done
bg_ns "$NS" "$T_TMP/slow4.json" "$PY" "$TESTDIR/slowloris.py" --host "$US_ADDR" --port 80 \
	--conns 150 --interval 1 --duration 9 --reconnect --sources 10.0.0.21
slow=$BG_PID
sleep 2
curl_loop 5 "$T_TMP/curl4.txt"
pid_wait_exit "$slow" 20 || fail "slowloris.py did not stop by itself"
check_curls "$T_TMP/curl4.txt" "150 slow connections at --max-conn 100"
echo "held at most $(json "$T_TMP/slow4.json" 'd["max_held"]') (client's count), opened $(json "$T_TMP/slow4.json" 'd["conns"]')"
ust_alive || fail "ustack exited during the attack"
ust_stop
expect_counter serve.reclaimed -ge 5

# 5. With every default (--max-conn 1024, --backlog 128), 1400 slow connections from one
# address that come back when closed: more than the server holds and its backlog queues.
# curl is served from the first seconds on: a new connection takes a slow one's slot at
# once, so the accept queue never stays full and curl's SYN is answered. (When a new one
# had to wait for a slow one to be a second old, the attackers kept the queue full and
# curl's SYNs went unanswered.)
ust_serve "$NS" --serve "http,root=$T_TMP/www"
for i in 21 50; do
	ip -n "$NS" addr add "10.0.0.$i/$US_PREFIX" dev "$TAPIF" || fail "cannot add 10.0.0.$i"
done
bg_ns "$NS" "$T_TMP/slow5.json" "$PY" "$TESTDIR/slowloris.py" --host "$US_ADDR" --port 80 \
	--conns 1400 --interval 5 --duration 10 --reconnect --sources 10.0.0.21
slow=$BG_PID
sleep 1
curl_loop 7 "$T_TMP/curl5.txt"
pid_wait_exit "$slow" 30 || fail "slowloris.py did not stop by itself"
check_curls "$T_TMP/curl5.txt" "1400 slow connections against the defaults"
echo "held at most $(json "$T_TMP/slow5.json" 'd["max_held"]') (client's count), opened $(json "$T_TMP/slow5.json" 'd["conns"]')"
[ "$(json "$T_TMP/slow5.json" 'd["max_held"]')" -ge 1024 ] ||
	fail "the attack never filled --max-conn"
ust_alive || fail "ustack exited during the attack"
ust_stop
expect_counter serve.reclaimed -ge 100

# reclaim_probe OUT: two connections that send an unfinished head, then (0.3 s later) a
# whole request; OUT gets "CODE CLOSED SERVED": the request's status, and the seconds from
# the slow connections' start until the older was closed and until the request was served.
reclaim_probe()
{
	in_ns "$NS" $PY -c '
import socket, sys, time
host = sys.argv[1]
slow = []
for _ in range(2):
    s = socket.create_connection((host, 80), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    slow.append(s)
t0 = time.monotonic()
time.sleep(0.3)
c = socket.create_connection((host, 80), timeout=10)
c.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
resp = b""
while True:
    d = c.recv(4096)
    if not d:
        break
    resp += d
served = time.monotonic() - t0
slow[0].settimeout(10)
while slow[0].recv(4096):
    pass
print("%s %.1f %.1f" % (resp.split()[1].decode(), time.monotonic() - t0, served))' \
		"$US_ADDR" >"$1" 2>&1 || fail "reclaim probe: $(cat "$1")"
}

# 6. --reclaim-after: at --max-conn 2, two slow connections keep their slots until they
# have waited 2 s for their heads; then a waiting request takes the older one's slot.
ust_serve "$NS" --serve "http,root=$T_TMP/www" --max-conn 2 --reclaim-after 2000
reclaim_probe "$T_TMP/reclaim.txt"
read -r code closed served <"$T_TMP/reclaim.txt"
echo "--reclaim-after 2000: answered $code after $served s; the oldest slow head closed after $closed s"
[ "$code" = 200 ] || fail "reclaim-after: the waiting request got $(cat "$T_TMP/reclaim.txt")"
$PY -c 'import sys; sys.exit(not 1.8 <= float(sys.argv[1]) < 15)' "$closed" ||
	fail "the slow connection was reclaimed after $closed s, not after --reclaim-after 2000"
ust_alive || fail "ustack exited"
ust_stop
expect_counter serve.reclaimed -eq 1

# 7. The same without a head timeout (--http-header-timeout 0) and with the default
# --reclaim-after: a head still being waited for gives up its slot at --max-conn.
ust_serve "$NS" --serve "http,root=$T_TMP/www" --max-conn 2 --http-header-timeout 0
reclaim_probe "$T_TMP/reclaim0.txt"
read -r code closed served <"$T_TMP/reclaim0.txt"
echo "no head timeout: answered $code; the oldest slow head was closed to make room"
[ "$code" = 200 ] || fail "no head timeout: the waiting request got $(cat "$T_TMP/reclaim0.txt")"
ust_alive || fail "ustack exited"
ust_stop
expect_counter serve.reclaimed -eq 1
expect_counter serve.closed_deadline -eq 0
pass
