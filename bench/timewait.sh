#!/bin/bash
# SPDX-License-Identifier: MIT
# TIME_WAIT memory. Figures, no assertions. Needs root.
#   bench/timewait.sh build/ustack
#
# BENCH_TW_CONNS (10000) short connections from the kernel (ab, 20 at a time) to ustack's
# `http` service, which closes first: each leaves a TIME_WAIT record on ustack's side.
# ustack's RSS (VmRSS) before the load and 4 s after it (the ring sweep and the packet-pool
# reclaim have run by then), with tcp.conns_time_wait, gives the bytes per connection in
# TIME_WAIT. A second run with `--tcp max_tw_buckets=0` (no TIME_WAIT kept) is the control:
# the difference between the two runs' growth is what the records cost.
set -u
UST=${1:-build/ustack}
N=${BENCH_TW_CONNS:-10000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin timewait "$UST" ab

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
ust_stat() { awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"; }
mkdir -p "$TMP/www"
head -c 1024 /dev/urandom >"$TMP/www/small"

# run NAME [USTACK ARGS...]: one ustack, the load, the figures into $TMP/NAME.*
run()
{
	local name=$1 ns=ust-tw-$$ upid r0 r1
	shift
	b_ns "$ns"
	b_bg ip netns exec "$ns" "$UST" serve --dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 \
		--serve http,root="$TMP/www" --backlog 1024 --stats "$@" \
		2>"$TMP/$name.log" </dev/null
	upid=$B_PID
	if ! b_wait_for 5 grep -q serving "$TMP/$name.log"; then
		echo "$name: ustack did not start:" >&2
		tail -n 3 "$TMP/$name.log" >&2
		b_stop "$upid"
		ip netns del "$ns"
		return 1
	fi
	timeout 5 ip netns exec "$ns" ping -c 1 -W 1 10.0.0.2 >/dev/null
	sleep 1
	r0=$(rss_kb "$upid")
	timeout 300 ip netns exec "$ns" ab -q -n "$N" -c 20 http://10.0.0.2/small >"$TMP/$name.ab" 2>&1
	sleep 4
	r1=$(rss_kb "$upid")
	b_usr1 "$upid" "$TMP/$name.log" >"$TMP/$name.st"
	echo "$r0 $r1" >"$TMP/$name.rss"
	b_stop "$upid"
	ip netns del "$ns"
}

# figures NAME: one line of them
figures()
{
	local r0 r1 tw
	read -r r0 r1 <"$TMP/$1.rss"
	tw=$(ust_stat "$TMP/$1.st" tcp.conns_time_wait)
	printf '%-26s RSS %6s -> %6s KiB, +%5s KiB; conns_time_wait %5s; %s\n' "$1" "$r0" "$r1" \
		"$((r1 - r0))" "$tw" \
		"$(awk '/Complete requests/ { c = $3 } /Failed requests/ { f = $3 } END { print c " requests, " f " failed" }' "$TMP/$1.ab")"
	[ "$tw" -gt 0 ] && echo "  $(( (r1 - r0) * 1024 / tw )) bytes of RSS growth per connection in TIME_WAIT"
	return 0
}

echo "== $N short connections that ustack closes first =="
run default || exit 1
figures default
if run no-time-wait --tcp max_tw_buckets=0; then
	figures no-time-wait
	read -r a0 a1 <"$TMP/default.rss"
	read -r c0 c1 <"$TMP/no-time-wait.rss"
	tw=$(ust_stat "$TMP/default.st" tcp.conns_time_wait)
	[ "$tw" -gt 0 ] && echo "difference per TIME_WAIT record: $(( ((a1 - a0) - (c1 - c0)) * 1024 / tw )) bytes" \
		"(tcp.tw_created $(ust_stat "$TMP/default.st" tcp.tw_created)," \
		"tcp.tw_reused $(ust_stat "$TMP/default.st" tcp.tw_reused): the kernel reused ports)"
else
	echo "(this ustack has no max_tw_buckets: no control run)"
fi
