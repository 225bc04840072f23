#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmarks: flood-ping replies per second and UDP echo packets per second against ustack,
# against a trivial TAP reflector and against lwIP (test/interop/lwip_peer's `server 7
# udp-echo`: Debian's liblwip on its own TAP, echoing on the raw UDP API in its input
# thread; lwIP answers the pings itself) measured in the same run, pinned (stack and
# client on CPU 1) and unpinned. Figures and ratios, no assertions, with issue 13's goals
# beside the ratios: ustack/reflector at least 0.95 pinned, ustack/lwIP at least 1
# unpinned. Without build/interop/lwip_peer (`make interop`, needs liblwip-dev) the lwIP
# column says n/a. Needs root.
#   bench/run.sh build/ustack [build/bench/tap_reflector]
# Environment: BENCH_PINGS (flood pings per run, 30000), BENCH_SECS (UDP seconds, 3),
# BENCH_RUNS (runs, interleaved; each figure is their median, 3), BENCH_BUSY_POLL (µs of
# --busy-poll for the extra ustack rows, 20; 0 leaves them out),
# BENCH_SUMMARY (a file: the goal rows are appended to it, for bench/issue13.sh),
# BENCH_REFLECTOR_ARGS (options before the reflector's arguments, e.g. --uring=defer: its
# io_uring loop, docs/driver-tap.md; empty: blocking read and write).
# shellcheck disable=SC2086 # $pin is "" or "taskset -c 1": split on purpose
set -u
UST=${1:-build/ustack}
REFL=${2:-$(dirname "$UST")/bench/tap_reflector}
PINGS=${BENCH_PINGS:-30000}
SECS=${BENCH_SECS:-3}
RUNS=${BENCH_RUNS:-3}
BUSY=${BENCH_BUSY_POLL:-20}
REFL_ARGS=${BENCH_REFLECTOR_ARGS:-}
for b in "$UST" "$REFL"; do
	[ -x "$b" ] || { echo "bench: $b not built; run 'make bench'" >&2; exit 1; }
done
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin bench "$UST"
REFL=$(b_abs "$REFL")
LWIP_PEER=$(dirname "$UST")/interop/lwip_peer
[ -x "$LWIP_PEER" ] || LWIP_PEER=

NS=ust-bench-$$

# start_target ustack|reflector|lwip PIN [USTACK-OPTION...]: runs it in a fresh namespace
# on TAP ustap0 at 10.0.0.2, the kernel at 10.0.0.1; its PID in PID.
start_target()
{
	local what=$1 pin=$2
	shift 2
	ip netns del "$NS" 2>/dev/null
	b_ns "$NS" || exit 1
	if [ "$what" = ustack ]; then
		b_bg timeout --foreground 300 ip netns exec "$NS" $pin "$UST" serve \
			--dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 --serve udp-echo "$@" \
			>"$TMP/target.log" 2>&1 </dev/null
	elif [ "$what" = lwip ]; then
		# lwip_peer attaches to a TAP that exists: made here, with the kernel's address
		ip -n "$NS" tuntap add ustap0 mode tap &&
			ip -n "$NS" addr add 10.0.0.1/24 dev ustap0 && ip -n "$NS" link set ustap0 up ||
			exit 1
		b_bg timeout --foreground 300 ip netns exec "$NS" $pin "$LWIP_PEER" --tap ustap0 \
			--addr 10.0.0.2/24 --timeout 290 --count 0 server 7 udp-echo \
			>"$TMP/target.log" 2>&1 </dev/null
		b_wait_for 5 grep -q listening "$TMP/target.log"
	else
		b_bg timeout --foreground 300 ip netns exec "$NS" $pin "$REFL" $REFL_ARGS ustap0 10.0.0.2 \
			>"$TMP/target.log" 2>&1 </dev/null
	fi
	PID=$B_PID
	local ok=0
	for _ in $(seq 1 100); do
		if ip -n "$NS" link show ustap0 >/dev/null 2>&1; then
			if [ "$what" = reflector ]; then
				ip -n "$NS" addr add 10.0.0.1/24 dev ustap0 2>/dev/null
				ip -n "$NS" link set ustap0 up
			fi
			if ip -n "$NS" -o addr show dev ustap0 | grep -q 'inet 10.0.0.1/'; then
				ok=1
				break
			fi
		fi
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	[ $ok -eq 1 ] || { echo "bench: $what did not come up:"; cat "$TMP/target.log"; exit 1; }
	# Warm up: ARP resolved both ways.
	timeout --foreground 10 ip netns exec "$NS" ping -n -c 2 -i 0.2 -W 1 10.0.0.2 >/dev/null 2>&1
}

# flood_pps PIN: flood-ping replies per second (ping's own count and elapsed time).
flood_pps()
{
	local out rx ms
	out=$(timeout 60 ip netns exec "$NS" $1 ping -n -q -f -c "$PINGS" -w 30 10.0.0.2 2>&1)
	rx=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	ms=$(echo "$out" | sed -n 's/.* time \([0-9]*\)ms.*/\1/p')
	if [ -z "$rx" ] || [ -z "$ms" ] || [ "$ms" -eq 0 ]; then
		echo 0
		return
	fi
	echo $((rx * 1000 / ms))
}

udp_pps()
{
	local out
	out=$(timeout $((SECS + 20)) ip netns exec "$NS" $1 "$PY" "$HERE/udp_pps.py" 10.0.0.2 7 "$SECS" 64 8 2>&1)
	echo "$out" | awk '$1 == "pps" { print $2 }' | grep . || echo 0
}

echo "ustack benchmark: $(nproc) CPUs, $PINGS flood pings, UDP echo for ${SECS}s (64-byte" \
	"datagrams, 8 in flight); medians of $RUNS"
TARGETS="ustack reflector"
if [ -n "$LWIP_PEER" ]; then
	TARGETS="$TARGETS lwip"
	echo "lwIP: $("$LWIP_PEER" options)"
	echo "  (Debian's lwipopts.h and lwIP's opt.h defaults; UDP echo on the raw API, one TAP reader)"
else
	echo "lwIP: $(dirname "$UST")/interop/lwip_peer not built (make interop; needs liblwip-dev): n/a"
fi
# measure TARGET NAME PIN RUN [USTACK-OPTION...]: one run of both tests against TARGET,
# kept under NAME.
measure()
{
	local target=$1 name=$2 pin=$3 run=$4
	shift 4
	start_target "$target" "$pin" "$@"
	P[$mode.$name.ping.$run]=$(flood_pps "$pin")
	P[$mode.$name.udp.$run]=$(udp_pps "$pin")
	b_stop "$PID"
	echo "  $mode $name: flood ping ${P[$mode.$name.ping.$run]}/s," \
		"UDP echo ${P[$mode.$name.udp.$run]} pkt/s"
}

NAMES=$TARGETS
[ "$BUSY" -gt 0 ] && NAMES="$NAMES busy"
declare -A P R
for mode in pinned unpinned; do
	pin=""
	[ "$mode" = pinned ] && pin="taskset -c 1"
	# the runs interleaved, so that a busy moment of the machine spreads over all targets
	for run in $(seq 1 "$RUNS"); do
		for target in $TARGETS; do
			measure "$target" "$target" "$pin" "$run"
		done
		# Busy-poll keeps the loop awake for the answer: it pays when the peer wakes on the
		# other vCPU and costs when the peer needs this CPU (docs/architecture.md).
		[ "$BUSY" -gt 0 ] && measure ustack busy "$pin" "$run" --busy-poll "$BUSY"
	done
	for name in $NAMES lwip; do
		for t in ping udp; do
			v=()
			for run in $(seq 1 "$RUNS"); do
				v+=("${P[$mode.$name.$t.$run]:-n/a}")
			done
			R[$mode.$name.$t]=$(b_median "${v[@]}")
		done
	done
done

echo
FMT='%-10s %-22s %10s %10s %10s %7s %7s %7s %7s\n'
# shellcheck disable=SC2059 # the format is FMT
printf "$FMT" mode test ustack reflector lwIP u/refl goal u/lwIP goal
for mode in pinned unpinned; do
	g_refl="" g_lwip=""
	[ $mode = pinned ] && g_refl=">=0.95"
	[ $mode = unpinned ] && g_lwip=">=1"
	for t in ping udp; do
		name="flood ping replies/s"
		[ $t = udp ] && name="UDP echo packets/s"
		u=${R[$mode.ustack.$t]} f=${R[$mode.reflector.$t]} l=${R[$mode.lwip.$t]}
		rf=$(b_ratio "$u" "$f") rl=$(b_ratio "$u" "$l")
		# shellcheck disable=SC2059
		printf "$FMT" "$mode" "$name" "$u" "$f" "$l" "$rf" "$g_refl" "$rl" "$g_lwip"
		if [ "$BUSY" -gt 0 ]; then
			b=${R[$mode.busy.$t]}
			# shellcheck disable=SC2059
			printf "$FMT" "$mode" "  --busy-poll $BUSY" "$b" "$f" "$l" \
				"$(b_ratio "$b" "$f")" "" "$(b_ratio "$b" "$l")" ""
		fi
		[ -n "$g_refl" ] && b_goal "$name" "$mode" "$u" reflector "$f" "$rf" "$g_refl"
		[ -n "$g_lwip" ] && b_goal "$name" "$mode" "$u" lwIP "$l" "$rl" "$g_lwip"
	done
done
echo "(u/refl = ustack / reflector, u/lwIP = ustack / lwIP; goals from issue 13 where they"
if [ -n "$REFL_ARGS" ]; then
	echo " apply. The reflector ($REFL_ARGS) answers through io_uring, one io_uring_enter per frame;"
else
	echo " apply. The reflector answers with one blocking read and write per frame;"
fi
echo " lwIP reads one frame per read in its TAP thread and answers under its core lock)"
