#!/bin/bash
# SPDX-License-Identifier: MIT
# Memory benchmark. Figures, no assertions. Needs root.
#   bench/mem.sh build/ustack
#
# 1. Idle connections: BENCH_MEM_CONNS (10000) kernel clients connect to ustack's `discard`
#    service, send one line each and stay open. ustack's RSS (VmRSS of the process) before
#    and while they are open gives the bytes per idle connection. Then the same clients
#    connect to a kernel server (bench/tcp_hold_server.py in a namespace beside it, over a
#    veth pair) for the kernel's figure: its server side is the growth of the kernel's slab
#    caches (/proc/slabinfo, active objects x object size, summed over every cache) in the
#    kernel run less that growth in the ustack run, where only the clients' sockets are in
#    the kernel (only the caches a socket uses are summed; other processes on the machine
#    still add noise, so the TCP cache's object count is printed too); `ss -tm`'s
#    skmem totals for the server sockets (memory charged to them: queued data, forward
#    allocations) are printed beside it, and are near 0 for idle sockets: skmem does not count
#    the socket structures themselves, which is why the slab delta is the comparison.
# 2. A mixed soak: ab against `http`, flood ping and a UDP flood against `udp-echo`, all at
#    once for BENCH_SOAK_SECS (60), then BENCH_IDLE_SECS (70: TIME_WAIT is 60 s) idle. RSS
#    is sampled every second: start, peak, end of load, after the idle time, and a curve.
#    BENCH_SOAK_SECS=0 leaves the soak out.
set -u
UST=${1:-build/ustack}
N=${BENCH_MEM_CONNS:-10000}
SOAK=${BENCH_SOAK_SECS:-60}
IDLE=${BENCH_IDLE_SECS:-70}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin mem "$UST" ab ping ss
IDLE_PY=$HERE/../test/integration/tcp_idle.py

NS=ust-mem-$$
NS2=ust-mem2-$$

# rss_kb PID: VmRSS in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# slab_bytes: active objects x object size of the slab caches a TCP socket and its
# descriptor take (the socket, its inode, file and dentry, epoll items, bind buckets,
# kmalloc'd parts); the other caches only add the noise of other processes.
SLAB_RE='^(TCP|request_sock_TCP|tcp_bind_bucket|tcp_bind2_bucket|sock_inode_cache|filp|dentry|eventpoll_epi|eventpoll_pwq|kmalloc-[0-9]+|skbuff_head_cache) '
slab_bytes() { awk -v re="$SLAB_RE" 'NR > 2 && $0 ~ re { s += $2 * $4 } END { printf "%.0f", s }' /proc/slabinfo; }
# tcp_objs: objects in the TCP socket cache (one per full socket).
tcp_objs() { awk '$1 == "TCP" { print $2 }' /proc/slabinfo; }
# skmem_bytes NS: the sum of ss -tm's skmem fields other than the limits rb and tb.
skmem_bytes()
{
	ip netns exec "$1" ss -tmnH state established 2>/dev/null |
		grep -o 'skmem:([^)]*)' | tr '(),' '   ' |
		awk '{ for (i = 2; i <= NF; i++) { f = $i; sub(/[0-9]+$/, "", f); v = substr($i, length(f) + 1);
			if (f != "rb" && f != "tb") s += v } } END { printf "%.0f", s }'
}
ust_stat() { awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"; }
# ust_stats FILE: SIGUSR1, the block of counters printed goes to FILE.
ust_stats()
{
	b_usr1 "$UPID" "$TMP/ustack.log" >"$1"
}
# hold NS ADDR PORT: opens N idle connections from NS and holds them until $TMP/release;
# returns once they are all open (1 if they did not open).
hold()
{
	rm -f "$TMP/release"
	b_bg timeout 300 ip netns exec "$1" $PY "$IDLE_PY" "$2" "$3" "$N" 180 "$TMP/release" 240 >"$TMP/idle.out" 2>&1
	CPID=$B_PID
	for _ in $(seq 1 1800); do
		grep -q '^holding' "$TMP/idle.out" && return 0
		kill -0 "$CPID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/idle.out" >&2
	return 1
}
release()
{
	touch "$TMP/release"
	wait "$CPID" 2>/dev/null
}

b_ns "$NS"
mkdir -p "$TMP/www"
head -c 1024 /dev/urandom >"$TMP/www/small"
b_bg ip netns exec "$NS" "$UST" serve --dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 \
	--serve discard --serve http,root="$TMP/www" --serve udp-echo --max-conn $((N + 100)) \
	--backlog 1024 --stats 2>"$TMP/ustack.log" </dev/null
UPID=$B_PID
b_wait_for 5 grep -q serving "$TMP/ustack.log"
timeout 5 ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 >/dev/null
sleep 1

# ---- 1. idle connections ----
r0=$(rss_kb $UPID)
s0=$(slab_bytes)
o0=$(tcp_objs)
if hold "$NS" 10.0.0.2 9; then
	# idle, as the name says: two sweeps free the rings the lines went through, then the
	# reclaim timer's malloc_trim gives their pages back
	sleep 5
	r1=$(rss_kb $UPID)
	s1=$(slab_bytes)
	o1=$(tcp_objs)
	ust_stats "$TMP/st1"
	release
	u_ok=1
else
	release
	u_ok=0
fi
sleep 3
r2=$(rss_kb $UPID)

# the kernel server beside it
b_ns "$NS2"
ip link add km0 netns "$NS" type veth peer name km1 netns "$NS2"
ip -n "$NS" addr add 10.0.1.1/24 dev km0 && ip -n "$NS" link set km0 up
ip -n "$NS2" addr add 10.0.1.2/24 dev km1 && ip -n "$NS2" link set km1 up
b_bg timeout 400 ip netns exec "$NS2" $PY "$HERE/tcp_hold_server.py" 10.0.1.2 9 380 "$TMP/kstop" \
	>"$TMP/kserver.out" 2>&1
b_wait_for 5 grep -q listening "$TMP/kserver.out"
sleep 2
k0=$(slab_bytes)
ko0=$(tcp_objs)
if hold "$NS" 10.0.1.2 9; then
	sleep 2
	k1=$(slab_bytes)
	ko1=$(tcp_objs)
	kskmem=$(skmem_bytes "$NS2")
	kn=$(ip netns exec "$NS2" ss -tnH state established | wc -l)
	release
	k_ok=1
else
	release
	k_ok=0
fi
touch "$TMP/kstop"

echo "== $N idle TCP connections (RSS, KiB unless said) =="
if [ "$u_ok" = 1 ]; then
	per=$(( (r1 - r0) * 1024 / N ))
	echo "ustack RSS before:            $r0"
	echo "ustack RSS with $N open:   $r1   ($per bytes per connection)"
	echo "ustack RSS after they closed: $r2"
	echo "ustack tcp.mem_ring_bytes with them open: $(ust_stat "$TMP/st1" tcp.mem_ring_bytes) bytes" \
		"(rings allocated: $(ust_stat "$TMP/st1" tcp.mem_rings))"
else
	echo "ustack: the clients could not open $N connections"
fi
if [ "$k_ok" = 1 ] && [ "$u_ok" = 1 ]; then
	cli=$(( s1 - s0 ))
	both=$(( k1 - k0 ))
	echo "kernel slab growth, clients only (ustack run):     $((cli / 1024))   (TCP objects +$((o1 - o0)))"
	echo "kernel slab growth, clients + kernel server:       $((both / 1024))   (TCP objects +$((ko1 - ko0)))"
	echo "kernel server side (difference):                   $(( (both - cli) / 1024 ))   ($(( (both - cli) / N )) bytes per connection)"
	echo "kernel server sockets established: $kn, ss -tm skmem total: $kskmem bytes"
	echo "ratio ustack / kernel per connection: $(awk -v a=$(( (r1 - r0) * 1024 )) -v b=$((both - cli)) \
		'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
fi

# ---- 2. mixed soak ----
[ "$SOAK" -gt 0 ] || exit 0
echo "== mixed soak: ab + flood ping + UDP flood for $SOAK s, then $IDLE s idle (RSS KiB) =="
: >"$TMP/rss"
start=$(date +%s)
# rss_sampler: "seconds RSS" into $TMP/rss every second while ustack runs.
rss_sampler()
{
	while kill -0 $UPID 2>/dev/null; do
		echo "$(( $(date +%s) - start )) $(rss_kb $UPID)" >>"$TMP/rss"
		sleep 1
	done
}
b_bg rss_sampler
SPID=$B_PID
rs=$(rss_kb $UPID)
b_bg timeout $((SOAK + 30)) ip netns exec "$NS" ab -q -t "$SOAK" -n 100000000 -c 50 http://10.0.0.2/small \
	>"$TMP/ab.out" 2>&1
A=$B_PID
b_bg timeout $((SOAK + 30)) ip netns exec "$NS" ping -q -f -s 1400 -w "$SOAK" 10.0.0.2 >"$TMP/ping.out" 2>&1
P=$B_PID
b_bg timeout $((SOAK + 30)) ip netns exec "$NS" $PY "$HERE/udp_pps.py" 10.0.0.2 7 "$SOAK" 1400 64 \
	>"$TMP/udp.out" 2>&1
U=$B_PID
wait $A $P $U 2>/dev/null
re=$(rss_kb $UPID)
ust_stats "$TMP/st2"
sleep "$IDLE"
ri=$(rss_kb $UPID)
ust_stats "$TMP/st3"
b_stop "$SPID"
peak=$(awk -v m="$re" '$2 > m { m = $2 } END { print m + 0 }' "$TMP/rss")
echo "start $rs  peak $peak  end of load $re  after $IDLE s idle $ri"
tw=$(ust_stat "$TMP/st2" tcp.conns_time_wait)
[ "$tw" -gt 0 ] && echo "RSS above the start per connection in TIME_WAIT at the end of the load" \
	"($tw of them): $(( (re - rs) * 1024 / tw )) bytes"
echo "ab: $(awk '/Complete requests/ { print $3 " requests" } /Requests per second/ { print $4 " per second" }' "$TMP/ab.out" | paste -sd, -)"
echo "ping: $(grep -E 'packets transmitted' "$TMP/ping.out")"
echo "udp: $(cat "$TMP/udp.out")"
echo "curve (seconds RSS), every 5 s:"
awk '$1 % 5 == 0 { printf "  %s:%s", $1, $2 } END { print "" }' "$TMP/rss" | fold -s -w 100
for f in st2 st3; do
	echo "$( [ $f = st2 ] && echo "end of load" || echo "after idle"):" \
		"conns_live $(ust_stat "$TMP/$f" tcp.conns_live)" \
		"time_wait $(ust_stat "$TMP/$f" tcp.conns_time_wait)" \
		"ring bytes $(ust_stat "$TMP/$f" tcp.mem_ring_bytes)" \
		"pkb cached $(ust_stat "$TMP/$f" pkb.pool_cached)+$(ust_stat "$TMP/$f" pkb.large_pool_cached)"
done
