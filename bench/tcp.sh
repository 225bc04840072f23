#!/bin/bash
# SPDX-License-Identifier: MIT
# TCP benchmarks: iperf2 throughput kernel->ustack (against `--serve sink`), ustack->kernel
# (curl downloading a large file from `--serve http`), and ab requests per second, next to the
# kernel talking to itself over a veth pair with offloads off, measured in the same run.
# The download runs with each congestion control (the default CUBIC and --cc newreno), on
# the clean link and through ustack's own 1% loss (--impair, both directions).
# Pinned (stack and client on CPU 1 with taskset) and unpinned. Figures, not assertions.
#   bench/tcp.sh build/ustack
# Environment: BENCH_SECS (iperf seconds, 5), BENCH_MB (download size, 200), BENCH_LOSS_MB
# (download size through loss, 50), BENCH_AB_N (5000), BENCH_OFFLOAD (the TAP's offload=, on).
set -u
UST=${1:-build/ustack}
SECS=${BENCH_SECS:-5}
MB=${BENCH_MB:-200}
LOSS_MB=${BENCH_LOSS_MB:-50}
ABN=${BENCH_AB_N:-5000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin tbench "$UST" iperf curl ab ethtool

NS=ust-tb-$$
NS2=ust-tb2-$$

head -c $((MB * 1024 * 1024)) /dev/zero >"$TMP/big"
head -c $((LOSS_MB * 1024 * 1024)) /dev/zero >"$TMP/lossy"
head -c 1024 /dev/urandom >"$TMP/small"

# iperf_mbps NS ADDR PORT PIN: kernel client -> server, Mbit/s as iperf reports it.
iperf_mbps()
{
	timeout $((SECS + 15)) ip netns exec "$1" $4 iperf -c "$2" -p "$3" -t "$SECS" -f m 2>/dev/null |
		awk '/Mbits\/sec/ { v = $(NF-1) } END { print v ? v : "n/a" }'
}
# curl_mbps NS URL PIN: download speed in Mbit/s.
curl_mbps()
{
	timeout 120 ip netns exec "$1" $3 curl -s -o /dev/null -w '%{speed_download}' "$2" 2>/dev/null |
		awk '{ printf "%.0f", $1 * 8 / 1e6 }'
}
ab_rps()
{
	timeout 120 ip netns exec "$1" $3 ab -q -n "$ABN" -c 50 "$2" 2>/dev/null |
		awk '/Requests per second/ { print $4 }'
}

# --- ustack on a TAP ---
# ustack_start PIN ARGS...: ustack serving sink and http in a fresh namespace $NS.
ustack_start()
{
	local pin=$1
	shift
	b_ns "$NS"
	b_bg ip netns exec "$NS" $pin "$UST" serve --dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24,offload=${BENCH_OFFLOAD:-on} \
		--serve sink --serve http,root="$TMP" "$@" 2>"$TMP/ustack.log" </dev/null
	UPID=$B_PID
	b_wait_for 5 grep -q serving "$TMP/ustack.log"
	timeout 5 ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 >/dev/null
}
ustack_stop()
{
	b_stop "$UPID"
	ip netns del "$NS"
}
ustack_run()
{
	local pin=$1
	ustack_start "$pin"
	U_IN=$(iperf_mbps "$NS" 10.0.0.2 5001 "$pin")
	U_OUT=$(curl_mbps "$NS" http://10.0.0.2/big "$pin")
	U_AB=$(ab_rps "$NS" http://10.0.0.2/small "$pin")
	ustack_stop
	ustack_start "$pin" --cc newreno
	U_OUT_NR=$(curl_mbps "$NS" http://10.0.0.2/big "$pin")
	ustack_stop
	ustack_start "$pin" --impair loss=1,seed=7
	U_LOSS=$(curl_mbps "$NS" http://10.0.0.2/lossy "$pin")
	ustack_stop
	ustack_start "$pin" --impair loss=1,seed=7 --cc newreno
	U_LOSS_NR=$(curl_mbps "$NS" http://10.0.0.2/lossy "$pin")
	ustack_stop
}

# --- the kernel talking to itself over a veth pair, offloads off ---
kernel_run()
{
	local pin=$1 iperf_pid http_pid
	b_ns "$NS" && b_ns "$NS2"
	ip link add kb0 netns "$NS" type veth peer name kb1 netns "$NS2"
	ip netns exec "$NS" ethtool -K kb0 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1
	ip netns exec "$NS2" ethtool -K kb1 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1
	ip -n "$NS" addr add 10.0.0.1/24 dev kb0; ip -n "$NS" link set kb0 up
	ip -n "$NS2" addr add 10.0.0.2/24 dev kb1; ip -n "$NS2" link set kb1 up
	b_bg ip netns exec "$NS2" $pin iperf -s -p 5001 >/dev/null 2>&1
	iperf_pid=$B_PID
	b_bg ip netns exec "$NS2" $pin "$PY" -m http.server 80 --bind 10.0.0.2 --directory "$TMP" >/dev/null 2>&1
	http_pid=$B_PID
	sleep 1
	K_IN=$(iperf_mbps "$NS" 10.0.0.2 5001 "$pin")
	K_OUT=$(curl_mbps "$NS" http://10.0.0.2/big "$pin")
	K_AB=$(ab_rps "$NS" http://10.0.0.2/small "$pin")
	b_stop "$http_pid"
	b_stop "$iperf_pid"
	ip netns del "$NS"; ip netns del "$NS2"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

for mode in pinned unpinned; do
	pin=""
	[ $mode = pinned ] && pin="taskset -c 1"
	ustack_run "$pin"
	kernel_run "$pin"
	echo "== TCP, $mode =="
	printf "%-34s %12s %12s %8s\n" "" ustack kernel ratio
	printf "%-34s %12s %12s %8s\n" "iperf kernel->stack (Mbit/s)" "$U_IN" "$K_IN" "$(ratio "$U_IN" "$K_IN")"
	printf "%-34s %12s %12s %8s\n" "download stack->kernel (Mbit/s)" "$U_OUT" "$K_OUT" "$(ratio "$U_OUT" "$K_OUT")"
	printf "%-34s %12s %12s %8s\n" "  the same, --cc newreno" "$U_OUT_NR" "$K_OUT" "$(ratio "$U_OUT_NR" "$K_OUT")"
	printf "%-34s %12s %12s %8s\n" "  1% loss, cubic (Mbit/s)" "$U_LOSS" "" ""
	printf "%-34s %12s %12s %8s\n" "  1% loss, --cc newreno" "$U_LOSS_NR" "" "$(ratio "$U_LOSS_NR" "$U_LOSS")"
	printf "%-34s %12s %12s %8s\n" "ab -c 50, 1 KB (requests/s)" "$U_AB" "$K_AB" "$(ratio "$U_AB" "$K_AB")"
	echo "(kernel: veth pair, offloads off; its HTTP server is python3 http.server, so the ab"
	echo " column compares ustack's http service with a slow server, not with a kernel ceiling;"
	echo " the download rows: the default is CUBIC; through loss the ratio is newreno/cubic)"
done
