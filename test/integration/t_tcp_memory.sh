#!/bin/bash
# SPDX-License-Identifier: MIT
# Memory follows the load. 2,000 idle connections to ustack's `discard` (tcp_idle.py: one
# line each, then silence): once the sweep has run, their rings hold no storage
# (tcp.mem_ring_bytes) and ustack's RSS grows by less than 8 KiB per connection (the goal
# is under 4 KiB; the bound is generous, the exact figure is bench/mem.sh's). After they
# close and an ab load leaves its connections in TIME_WAIT on ustack's side, those are
# small records (tcp.tw_created; no control block, no rings), the packet-buffer pool gives
# back what the load left cached, and RSS comes back near where it started (a generous
# margin, plus 512 bytes per TIME_WAIT record still there: a record is about 100; the
# whole control block kept, as TIME_WAIT once did, cost about 1,200). A sanitizer build keeps freed memory in quarantine, so there the RSS checks are
# skipped (said so) and the counters are still checked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_memory "$1"
command -v ab >/dev/null || { echo "SKIP $T_NAME: ab missing (make deps)"; T_DONE=1; exit 0; }
N=2000
ns_new NS
mkdir -p "$T_TMP/www"
head -c 1024 /dev/urandom >"$T_TMP/www/small"
ust_serve "$NS" --serve discard --serve http,root="$T_TMP/www" --max-conn $((N + 200)) --backlog 1024
pid=$(ust_inner_pid)
[ -n "$pid" ] || fail "cannot find the ustack process"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
san=0
grep -qa __asan_init "$UST" && san=1
in_ns "$NS" ping -c 1 -W 2 "$US_ADDR" >/dev/null || fail "no ping reply from ustack"
sleep 1
rss0=$(rss)

bg_ns "$NS" "$T_TMP/idle.out" "$PY" "$TESTDIR/tcp_idle.py" "$US_ADDR" 9 $N 60 "$T_TMP/release" 60
CLI=$BG_PID
for i in $(seq 1 600); do
	grep -q '^holding' "$T_TMP/idle.out" && break
	kill -0 "$CLI" 2>/dev/null || break
	sleep 0.1
done
grep -q '^holding' "$T_TMP/idle.out" || { cat "$T_TMP/idle.out"; fail "the client could not open $N connections"; }
# two sweeps (buf_idle_ms, 1 s): the rings the lines passed through are unused by then
sleep 3
rss1=$(rss)
ust_stats_now "$T_TMP/idle"
live=$(counter_in "$T_TMP/idle" tcp.conns_live)
rbytes=$(counter_in "$T_TMP/idle" tcp.mem_ring_bytes)
echo "$N idle: conns_live $live, ring bytes $rbytes, RSS $rss0 -> $rss1 KiB ($(( (rss1 - rss0) * 1024 / N )) bytes per connection)"
[ "$live" -eq $N ] || fail "tcp.conns_live is $live with $N connections open"
[ "$rbytes" -le 65536 ] || fail "$N idle connections hold $rbytes bytes of ring storage (want the sweep to have freed it)"
if [ $san -eq 0 ]; then
	[ $(( (rss1 - rss0) * 1024 )) -lt $(( N * 8192 )) ] ||
		fail "RSS grew by $((rss1 - rss0)) KiB for $N idle connections (bound: 8 KiB each)"
fi
touch "$T_TMP/release"
pid_wait_exit "$CLI" 30 || fail "the idle client did not finish"

# a load whose connections ustack closes first: each leaves a TIME_WAIT record
in_ns "$NS" ab -q -n 3000 -c 20 "http://$US_ADDR/small" >"$T_TMP/ab.out" 2>&1 ||
	{ tail -n 5 "$T_TMP/ab.out"; fail "ab failed"; }
grep -E '^(Complete|Failed) requests' "$T_TMP/ab.out"
grep -qE '^Failed requests: +0$' "$T_TMP/ab.out" || fail "ab saw failed requests"
# the sweep and the reclaim timer run every second; the pool needs two periods
sleep 4
rss2=$(rss)
ust_stats_now "$T_TMP/after"
tw=$(counter_in "$T_TMP/after" tcp.conns_time_wait)
rbytes=$(counter_in "$T_TMP/after" tcp.mem_ring_bytes)
cached=$(counter_in "$T_TMP/after" pkb.pool_cached)
released=$(counter_in "$T_TMP/after" tcp.mem_tw_released)
created=$(counter_in "$T_TMP/after" tcp.tw_created)
echo "after the load: TIME_WAIT $tw (records made: $created, released rings on entry: $released), ring bytes $rbytes," \
	"pkb cached $cached, malloc_trims $(counter_in "$T_TMP/after" mem.malloc_trims), RSS $rss2 KiB"
[ "$tw" -ge 1000 ] || fail "only $tw connections in TIME_WAIT after 3000 requests that ustack closed"
[ "$rbytes" -eq 0 ] || fail "$rbytes bytes of ring storage held with only TIME_WAIT left"
[ "$released" -ge 1000 ] || fail "tcp.mem_tw_released is $released: TIME_WAIT kept its rings"
[ "$created" -ge "$tw" ] || fail "tcp.tw_created is $created with $tw in TIME_WAIT"
[ "$cached" -le 64 ] || fail "pkb.pool_cached is $cached 4 s after the load (want at most 64)"
if [ $san -eq 0 ]; then
	bound=$(( rss0 + 4096 + tw / 2 ))
	[ "$rss2" -le "$bound" ] ||
		fail "RSS is $rss2 KiB after the load, started at $rss0 (bound $bound with $tw TIME_WAIT records)"
else
	echo "sanitizer build: RSS checks skipped (freed memory stays in ASan's quarantine)"
fi
ust_alive || fail "ustack exited"
ust_stop
pass
