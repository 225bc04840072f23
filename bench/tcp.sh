#!/bin/bash
# SPDX-License-Identifier: MIT
# TCP benchmarks. Bulk data each way, measured in the same run against
#   ustack, per frame (the TAP's offload=off: every segment a frame) and with offloads
#     (offload=on: super-segments through the TAP's virtio-net header), serving `sink`
#     and `http`;
#   lwIP (test/interop/lwip_peer on Debian's liblwip, its own TAP, per frame: `server
#     5001 discard` and `server 80 http`, both on its raw TCP API);
#   the kernel talking to itself over a veth pair, offloads off (per frame) and with the
#     veth's default offloads (the ceiling), iperf -s and nginx (sendfile) serving;
# kernel -> stack: an iperf2 client for BENCH_SECS; stack -> kernel: curl downloading
# BENCH_MB as GETs of at most 64 MiB over one connection (lwIP's http serves a body from
# memory, at most 64 MiB). Beside each rate, CPU seconds per GiB moved: those of the
# stack's process alone (utime + stime from /proc/PID/stat, all its threads, before and
# after the transfer), and for context those of the peer, the kernel's client (iperf -c,
# curl: its own user + system time, which holds the kernel's TCP work done in its system
# calls). For the kernel's own column the "stack" is its server process (iperf -s,
# nginx); the kernel's TCP work in softirq context is charged to whatever task was
# running, so that figure is a reference, not a like-for-like one.
# Ratios with issue 13's goals beside them: per frame ustack/lwIP at least 1.3, with
# offloads ustack/kernel (default offloads) at least 1, CPU per GiB ustack/lwIP at most
# 0.5, each direction, pinned (stack and client on CPU 1 with taskset) and unpinned.
# Then, once per mode with the TAP's BENCH_OFFLOAD: the download with --cc newreno, the
# download through ustack's own 1% loss (--impair, both directions) with each congestion
# control, and `ab -c 50` requests per second against ustack's http and nginx.
# Figures, not assertions. Needs root.
#   bench/tcp.sh build/ustack
# Environment: BENCH_SECS (iperf seconds, 3), BENCH_MB (download size, 384), BENCH_RUNS
# (bulk runs, interleaved, each figure the median, 3), BENCH_LOSS_MB (download size through loss, 50),
# BENCH_AB_N (5000), BENCH_OFFLOAD (the TAP's offload= for the rows after the bulk ones,
# on), BENCH_SUMMARY (a file: the goal rows are appended to it, for bench/issue13.sh).
# Without build/interop/lwip_peer (`make interop`, needs liblwip-dev) lwIP's column says n/a.
# shellcheck disable=SC2086 # $pin is "" or "taskset -c 1": split on purpose
# shellcheck disable=SC2059 # the printf formats are FMT and G
set -u
UST=${1:-build/ustack}
SECS=${BENCH_SECS:-3}
MB=${BENCH_MB:-384}
RUNS=${BENCH_RUNS:-3}
LOSS_MB=${BENCH_LOSS_MB:-50}
ABN=${BENCH_AB_N:-5000}
OFFLOAD=${BENCH_OFFLOAD:-on}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin tbench "$UST" iperf curl ab ethtool nginx taskset

LWIP_PEER=$(dirname "$UST")/interop/lwip_peer
[ -x "$LWIP_PEER" ] || LWIP_PEER=
NS=ust-tb-$$
NS2=ust-tb2-$$
HZ=$(getconf CLK_TCK)

# The download: GETS GETs of a CHUNK_MB MiB file (lwIP's http body is at most 64 MiB).
CHUNK_MB=$((MB < 64 ? MB : 64))
GETS=$(((MB + CHUNK_MB - 1) / CHUNK_MB))
head -c $((CHUNK_MB * 1024 * 1024)) /dev/zero >"$TMP/chunk"
head -c $((LOSS_MB * 1024 * 1024)) /dev/zero >"$TMP/lossy"
head -c 1024 /dev/urandom >"$TMP/small"

# cpu_s PID: the process's CPU seconds so far (user + system, all threads).
cpu_s()
{
	awk -v t="$(b_cpu_ticks "$1")" -v hz="$HZ" 'BEGIN { printf "%.3f", t / hz }'
}
# usr_s PID: the process's user CPU seconds so far (all threads).
usr_s()
{
	b_cpu_split "$1" | awk -v hz="$HZ" '{ printf "%.3f", $1 / hz }'
}
# sub A B: B - A.
sub()
{
	awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'
}

# timed OUT CMD...: runs CMD, its stdout into OUT; PEER_CPU is the user + system seconds
# of CMD and its children (bash's `times` in the subshell that ran it).
timed()
{
	local out=$1
	shift
	PEER_CPU=$( { "$@" >"$out" 2>/dev/null; times; } |
		awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
			printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}

# per_gib SECONDS BYTES: seconds per GiB moved, n/a without bytes.
per_gib()
{
	awk -v c="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", c * 1073741824 / b; else print "n/a" }'
}

# bulk_in NS PIN SPID: iperf2 from the kernel in NS to 10.0.0.2:5001 for SECS; sets MBPS,
# CPU (the process SPID's seconds per GiB), USR (the user part of CPU) and PEER (iperf
# -c's seconds per GiB).
bulk_in()
{
	local ns=$1 pin=$2 spid=$3 c0 c1 u0 u1 bytes bps
	c0=$(cpu_s "$spid") u0=$(usr_s "$spid")
	timed "$TMP/iperf.csv" timeout $((SECS + 15)) ip netns exec "$ns" $pin iperf -c 10.0.0.2 \
		-p 5001 -t "$SECS" -y C
	c1=$(cpu_s "$spid") u1=$(usr_s "$spid")
	# iperf2's CSV: ..., interval, bytes, bits per second
	bytes=$(awk -F, 'NF >= 9 { b = $8 } END { print b + 0 }' "$TMP/iperf.csv")
	bps=$(awk -F, 'NF >= 9 { v = $9 } END { print v + 0 }' "$TMP/iperf.csv")
	bulk_set "$bytes" "$(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1e6 }')" \
		"$(sub "$c0" "$c1")" "$(sub "$u0" "$u1")"
}

# bulk_out NS PIN SPID: curl in NS downloading GETS times http://10.0.0.2/chunk over one
# connection; sets MBPS, CPU, USR and PEER as bulk_in does.
bulk_out()
{
	local ns=$1 pin=$2 spid=$3 c0 c1 u0 u1 args=() bytes mbps
	for _ in $(seq 1 "$GETS"); do
		args+=(-o /dev/null http://10.0.0.2/chunk)
	done
	c0=$(cpu_s "$spid") u0=$(usr_s "$spid")
	timed "$TMP/curl.out" timeout 300 ip netns exec "$ns" $pin curl -s -f \
		-w '%{size_download} %{time_total}\n' "${args[@]}"
	c1=$(cpu_s "$spid") u1=$(usr_s "$spid")
	bytes=$(awk '{ b += $1 } END { print b + 0 }' "$TMP/curl.out")
	mbps=$(awk '{ b += $1; t += $2 } END { if (t > 0) printf "%.0f", b * 8 / t / 1e6; else print "n/a" }' \
		"$TMP/curl.out")
	[ "$bytes" -eq $((GETS * CHUNK_MB * 1024 * 1024)) ] || mbps=n/a
	bulk_set "$bytes" "$mbps" "$(sub "$c0" "$c1")" "$(sub "$u0" "$u1")"
}

# bulk_set BYTES MBPS CPU-SECONDS USER-SECONDS
bulk_set()
{
	local bytes=$1
	MBPS=$2
	CPU=$(per_gib "$3" "$bytes")
	USR=$(per_gib "$4" "$bytes")
	PEER=$(per_gib "$PEER_CPU" "$bytes")
	case $MBPS in
	'' | 0 | *[!0-9]*) MBPS=n/a CPU=n/a USR=n/a PEER=n/a ;;
	esac
}

declare -A R
# keep TARGET DIR RUN: stores MBPS, CPU, USR, PEER of one bulk measurement.
keep()
{
	R[$mode.$1.$2.mbps.$3]=$MBPS R[$mode.$1.$2.cpu.$3]=$CPU R[$mode.$1.$2.peer.$3]=$PEER
	R[$mode.$1.$2.usr.$3]=$USR
	echo "  $mode $1 $2: $MBPS Mbit/s, stack $CPU CPU s/GiB, peer $PEER" >&2
}

# median KEY: the median over the runs of R[KEY.run] (n/a when none is a number).
median()
{
	local r v=()
	for r in $(seq 1 "$RUNS"); do
		v+=("${R[$1.$r]:-n/a}")
	done
	b_median "${v[@]}"
}

# --- ustack on a TAP ---
# ustack_start PIN OFFLOAD ARGS...: ustack serving sink and http in a fresh namespace $NS.
ustack_start()
{
	local pin=$1 off=$2
	shift 2
	b_ns "$NS" || exit 1
	b_bg ip netns exec "$NS" $pin "$UST" serve \
		--dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24,offload="$off" \
		--serve sink --serve http,root="$TMP" "$@" 2>"$TMP/ustack.log" </dev/null
	UPID=$B_PID
	b_wait_for 5 grep -q serving "$TMP/ustack.log" ||
		{ echo "bench: ustack did not come up:" >&2; cat "$TMP/ustack.log" >&2; exit 1; }
	timeout 5 ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 >/dev/null
}
ustack_stop()
{
	b_stop "$UPID"
	ip netns del "$NS"
}
ustack_bulk()
{
	local pin=$1 off=$2 name=$3 run=$4
	ustack_start "$pin" "$off"
	bulk_in "$NS" "$pin" "$UPID"
	keep "$name" in "$run"
	bulk_out "$NS" "$pin" "$UPID"
	keep "$name" out "$run"
	ustack_stop
}

# --- lwIP on a TAP: lwip_peer ARGS... in a fresh namespace $NS, its PID in LPID ---
lwip_start()
{
	local pin=$1
	shift
	b_ns "$NS" || exit 1
	ip -n "$NS" tuntap add lwtap0 mode tap &&
		ip -n "$NS" addr add 10.0.0.1/24 dev lwtap0 && ip -n "$NS" link set lwtap0 up ||
		exit 1
	b_bg ip netns exec "$NS" $pin "$LWIP_PEER" --tap lwtap0 --addr 10.0.0.2/24 \
		--timeout 600 --count 0 server "$@" 2>"$TMP/lwip.log" </dev/null
	LPID=$B_PID
	b_wait_for 10 grep -q listening "$TMP/lwip.log" ||
		{ echo "bench: lwip_peer did not come up:" >&2; cat "$TMP/lwip.log" >&2; exit 1; }
	b_wait_for 5 ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 ||
		{ echo "bench: lwip_peer does not answer" >&2; exit 1; }
}
lwip_stop()
{
	b_stop "$LPID"
	ip netns del "$NS"
}
lwip_bulk()
{
	local pin=$1 run=$2
	lwip_start "$pin" 5001 discard
	bulk_in "$NS" "$pin" "$LPID"
	keep lwip in "$run"
	lwip_stop
	lwip_start "$pin" 80 http "${CHUNK_MB}m"
	bulk_out "$NS" "$pin" "$LPID"
	keep lwip out "$run"
	lwip_stop
}

# --- the kernel talking to itself over a veth pair ($NS the client, $NS2 the server) ---
# kernel_start PIN OFFLOADS: offloads off (per frame) or default; iperf -s (IPID) and nginx
# (one process, sendfile, NPID) at 10.0.0.2 in $NS2.
kernel_start()
{
	local pin=$1 offl=$2
	b_ns "$NS" && b_ns "$NS2" || exit 1
	ip link add kb0 netns "$NS" type veth peer name kb1 netns "$NS2"
	if [ "$offl" = off ]; then
		ip netns exec "$NS" ethtool -K kb0 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1
		ip netns exec "$NS2" ethtool -K kb1 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1
	fi
	ip -n "$NS" addr add 10.0.0.1/24 dev kb0 && ip -n "$NS" link set kb0 up
	ip -n "$NS2" addr add 10.0.0.2/24 dev kb1 && ip -n "$NS2" link set kb1 up
	b_bg ip netns exec "$NS2" $pin iperf -s -p 5001 >/dev/null 2>&1 </dev/null
	IPID=$B_PID
	b_kernel_nginx "$NS2" "$NS" "$pin" 1024 on
	NPID=$B_PID
	b_wait_for 5 ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/10.0.0.2/5001' ||
		{ echo "bench: iperf -s did not come up" >&2; exit 1; }
}
kernel_stop()
{
	b_stop "$NPID"
	b_stop "$IPID"
	ip netns del "$NS"
	ip netns del "$NS2"
}
kernel_bulk()
{
	local pin=$1 offl=$2 name=$3 run=$4
	kernel_start "$pin" "$offl"
	bulk_in "$NS" "$pin" "$IPID"
	keep "$name" in "$run"
	bulk_out "$NS" "$pin" "$NPID"
	keep "$name" out "$run"
	kernel_stop
}

# curl_mbps NS URL PIN: one download's speed in Mbit/s.
curl_mbps()
{
	timeout 120 ip netns exec "$1" $3 curl -s -o /dev/null -w '%{speed_download}' "$2" 2>/dev/null |
		awk '{ printf "%.0f", $1 * 8 / 1e6 }'
}
ab_rps()
{
	timeout 120 ip netns exec "$1" $3 ab -q -n "$ABN" -c 50 "$2" 2>/dev/null |
		awk '/Requests per second/ { printf "%d", $4 }'
}

# extras PIN: with the TAP's BENCH_OFFLOAD, the download with each congestion control,
# clean and through 1% loss, and ab against ustack and nginx over the veth.
extras()
{
	local pin=$1
	ustack_start "$pin" "$OFFLOAD"
	bulk_out "$NS" "$pin" "$UPID"
	X_OUT=$MBPS
	X_AB=$(ab_rps "$NS" http://10.0.0.2/small "$pin")
	ustack_stop
	ustack_start "$pin" "$OFFLOAD" --cc newreno
	bulk_out "$NS" "$pin" "$UPID"
	X_OUT_NR=$MBPS
	ustack_stop
	ustack_start "$pin" "$OFFLOAD" --impair loss=1,seed=7
	X_LOSS=$(curl_mbps "$NS" http://10.0.0.2/lossy "$pin")
	ustack_stop
	ustack_start "$pin" "$OFFLOAD" --impair loss=1,seed=7 --cc newreno
	X_LOSS_NR=$(curl_mbps "$NS" http://10.0.0.2/lossy "$pin")
	ustack_stop
	kernel_start "$pin" default
	X_KAB=$(ab_rps "$NS" http://10.0.0.2/small "$pin")
	kernel_stop
}

echo "ustack TCP benchmark: $(nproc) CPUs; iperf2 for ${SECS}s; download of $GETS x $CHUNK_MB MiB" \
	"over one connection; median of $RUNS"
if [ -n "$LWIP_PEER" ]; then
	echo "lwIP: $("$LWIP_PEER" options)"
	echo "  (Debian's lwipopts.h and lwIP's opt.h defaults: small, not lwIP's best tuning;" \
		"raw TCP API, one TAP reader)"
else
	echo "lwIP: $(dirname "$UST")/interop/lwip_peer not built (make interop; needs liblwip-dev): n/a"
fi

FMT='%-36s %12s %12s %12s %12s %12s\n'
G='%-40s %8s %8s %8s %8s %8s\n'
# row WHAT KEY: one line of the bulk table, the medians of every target.
row()
{
	local what=$1 key=$2 t v=()
	for t in $TARGETS; do
		v+=("${M[$t.$key]}")
	done
	printf "$FMT" "$what" "${v[@]}"
}
# ceiling A B KEY DIR: the ratio A/B of KEY in DIR if A's process spent no user time
# (A is ustack's). Rates (mbps): pinned only, where all of CPU 1 goes to the transfer, so
# the time per megabit is 1/rate and the bound is b_bound's 1 / (1/rate - user time);
# unpinned "-". CPU per GiB: any mode, its system part alone, (cpu - usr) / B's cpu.
ceiling()
{
	local a=$1 b=$2 key=$3 d=$4
	if [ "$key" = cpu ]; then
		b_ratio "$(awk -v c="${M[$a.$d.cpu]}" -v u="${M[$a.$d.usr]}" 'BEGIN {
			if (c !~ /^[0-9.]+$/ || u !~ /^[0-9.]+$/) print "n/a"; else printf "%.3f", c - u }')" \
			"${M[$b.$d.cpu]}"
	elif [ "$mode" = pinned ]; then
		# b_bound's event is a megabit: the user µs per megabit from the s per GiB
		b_ratio "$(b_bound "${M[$a.$d.mbps]}" "$(awk -v u="${M[$a.$d.usr]}" 'BEGIN {
			if (u !~ /^[0-9.]+$/) print "n/a"; else printf "%.6f", u * 1e6 / (1073741824 * 8 / 1e6) }')")" \
			"${M[$b.$d.mbps]}"
	else
		echo -
	fi
}

# goal_row WHAT A B KEY GOAL REF: the ratios A/B of KEY each way, the goal beside them, and
# the ceilings (and in $BENCH_SUMMARY).
goal_row()
{
	local what=$1 a=$2 b=$3 key=$4 goal=$5 ref=$6 rin rout cin cout
	rin=$(b_ratio "${M[$a.in.$key]}" "${M[$b.in.$key]}")
	rout=$(b_ratio "${M[$a.out.$key]}" "${M[$b.out.$key]}")
	cin=$(ceiling "$a" "$b" "$key" in)
	cout=$(ceiling "$a" "$b" "$key" out)
	printf "$G" "$what" "$rin" "$rout" "$goal" "$cin" "$cout"
	b_goal "$what, in" "$mode" "${M[$a.in.$key]}" "$ref" "${M[$b.in.$key]}" "$rin" "$goal" "$cin"
	b_goal "$what, out" "$mode" "${M[$a.out.$key]}" "$ref" "${M[$b.out.$key]}" "$rout" "$goal" \
		"$cout"
}

TARGETS="uoff uon lwip koff kon"
for mode in pinned unpinned; do
	pin=""
	[ $mode = pinned ] && pin="taskset -c 1"
	for run in $(seq 1 "$RUNS"); do
		ustack_bulk "$pin" off uoff "$run"
		ustack_bulk "$pin" on uon "$run"
		[ -n "$LWIP_PEER" ] && lwip_bulk "$pin" "$run"
		kernel_bulk "$pin" off koff "$run"
		kernel_bulk "$pin" default kon "$run"
	done
	declare -A M=()
	for t in $TARGETS; do
		for d in in out; do
			for k in mbps cpu usr peer; do
				M[$t.$d.$k]=$(median "$mode.$t.$d.$k")
			done
		done
	done
	extras "$pin"

	echo
	echo "== TCP bulk, $mode (median of $RUNS) =="
	printf "$FMT" "" "ustack frame" "ustack offl" lwIP "kernel frame" "kernel offl"
	row "kernel->stack, iperf2 (Mbit/s)" in.mbps
	row "stack->kernel, curl (Mbit/s)" out.mbps
	row "CPU s/GiB in, the stack's process" in.cpu
	row "  of it user time" in.usr
	row "CPU s/GiB out, the stack's process" out.cpu
	row "  of it user time" out.usr
	row "  the peer's, iperf -c (in)" in.peer
	row "  the peer's, curl (out)" out.peer
	echo "(frame: ustack's TAP offload=off, the veth's offloads off; offl: ustack's offload=on,"
	echo " the veth's default offloads. CPU: only the stack's process is counted; the kernel's"
	echo " \"stack's process\" is its server, iperf -s or nginx, a reference only)"
	printf "$G" "ratio (issue 13's goal)" in out goal "ceil in" "ceil out"
	goal_row "bulk per frame, ustack/lwIP" uoff lwip mbps ">=1.3" lwIP
	goal_row "bulk offloads, ustack/kernel veth" uon kon mbps ">=1" "kernel veth"
	goal_row "CPU/GiB per frame, ustack/lwIP" uoff lwip cpu "<=0.5" lwIP
	goal_row "CPU/GiB offloads, ustack/lwIP" uon lwip cpu "<=0.5" lwIP
	printf "$G" "bulk per frame, ustack/kernel per frame" \
		"$(b_ratio "${M[uoff.in.mbps]}" "${M[koff.in.mbps]}")" \
		"$(b_ratio "${M[uoff.out.mbps]}" "${M[koff.out.mbps]}")" "" "" ""
	echo "(ceil: the ratio if ustack's process spent no user time and every other cost"
	echo " stayed: for a rate, pinned only (all of CPU 1 goes to the transfer), 1 / (1/rate -"
	echo " user s/GiB); for CPU per GiB, its system time alone. Above the goal for CPU, below"
	echo " it for a rate, no work in ustack's own code meets the goal on this path)"

	echo "-- TCP, $mode, ustack offload=$OFFLOAD --"
	printf "$G" "" ustack kernel ratio
	printf "$G" "download (Mbit/s), cubic" "$X_OUT" "" ""
	printf "$G" "  --cc newreno (ratio newreno/cubic)" "$X_OUT_NR" "" "$(b_ratio "$X_OUT_NR" "$X_OUT")"
	printf "$G" "  1% loss, cubic (Mbit/s)" "$X_LOSS" "" ""
	printf "$G" "  1% loss, --cc newreno" "$X_LOSS_NR" "" "$(b_ratio "$X_LOSS_NR" "$X_LOSS")"
	printf "$G" "ab -c 50, 1 KB (requests/s)" "$X_AB" "$X_KAB" "$(b_ratio "$X_AB" "$X_KAB")"
	echo "(kernel: nginx over a veth pair with its default offloads; bench/conn.sh measures"
	echo " connections and requests per second with lwIP and medians)"
done
