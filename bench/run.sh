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
# A second table splits each target's cost: the user and the system CPU time of its
# process (utime and stime in /proc/PID/stat, all its threads) from just before to just
# after each ping or UDP run, in µs per reply or echo received. System time holds what the
# kernel does inside the target's system calls: its TAP write runs the kernel's receive
# path up to the client's socket, which no stack on a TAP avoids, the reflector included.
# Pinned, CPU 1 does nothing but the runs, so 1/rate is all the CPU an exchange takes
# (target, client, kernel); the bound 1 / (1/rate - ustack's user µs) is the rate ustack
# would reach if its own code took no time at all, and its ratio to the reflector beside
# the goal says whether any user-space work on this path could meet it (to lwIP too).
# Its idle column is the share of CPU 1's time during that run that it ran nothing or the
# hypervisor took (idle, iowait and steal in /proc/stat): the bound assumes it is near 0.
# Unpinned there is no such bound: '-'. Limits: the times come in ticks (getconf
# CLK_TCK, 10 ms) and the kernel splits user from system by sampling at its timer tick,
# so short runs give a rough split; interrupt and softirq work is charged to whichever
# process it interrupts; other load on CPU 1 lowers the rate and so the bound; the
# readings also span the client's start and exit, a few ms in which CPU 1 may idle (a
# flood ping of a few thousand shows some idle that is only this).
#   bench/run.sh build/ustack [build/bench/tap_reflector]
# Environment: BENCH_PINGS (flood pings per run, 30000), BENCH_SECS (UDP seconds, 3),
# BENCH_RUNS (runs, interleaved; each figure is their median, 3), BENCH_BUSY_POLL (µs of
# --busy-poll for the extra ustack rows, 0: the spin off, beside the default's 50; empty
# leaves them out),
# BENCH_SUMMARY (a file: the goal rows, the pinned ones with bound/reflector, are
# appended to it, for bench/issue13.sh),
# BENCH_REFLECTOR_ARGS (options before the reflector's arguments, e.g. --uring=defer: its
# io_uring loop, docs/driver-tap.md; empty: blocking read and write).
# shellcheck disable=SC2086 # $pin is "" or "taskset -c 1": split on purpose
set -u
UST=${1:-build/ustack}
REFL=${2:-$(dirname "$UST")/bench/tap_reflector}
PINGS=${BENCH_PINGS:-30000}
SECS=${BENCH_SECS:-3}
RUNS=${BENCH_RUNS:-3}
BUSY=${BENCH_BUSY_POLL-0}
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
SPID= # the target's process, whose CPU time flood_pps and udp_pps read

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

# flood_pps PIN: "RATE USER SYSTEM OFF": flood-ping replies per second (ping's own count
# and elapsed time), the µs of user and of system CPU per reply received that the
# target's process SPID spent from just before the run to just after it, and the % of
# CPU 1's time that it was idle or stolen meanwhile (b_off_pct).
flood_pps()
{
	local out rx ms c0 c1 o0 o1
	c0=$(b_cpu_split "$SPID") o0=$(b_cpu_off 1)
	out=$(timeout 60 ip netns exec "$NS" $1 ping -n -q -f -c "$PINGS" -w 30 10.0.0.2 2>&1)
	c1=$(b_cpu_split "$SPID") o1=$(b_cpu_off 1)
	rx=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	ms=$(echo "$out" | sed -n 's/.* time \([0-9]*\)ms.*/\1/p')
	if [ -z "$rx" ] || [ -z "$ms" ] || [ "$ms" -eq 0 ]; then
		echo 0 n/a n/a n/a
		return
	fi
	echo $((rx * 1000 / ms)) "$(b_cpu_per "$c0" "$c1" "$rx")" "$(b_off_pct "$o0" "$o1")"
}

# udp_pps PIN: "RATE USER SYSTEM OFF": UDP echoes per second (udp_pps.py), the target's
# CPU per echo received and CPU 1's idle or stolen %, as flood_pps.
udp_pps()
{
	local out c0 c1 o0 o1 pps
	c0=$(b_cpu_split "$SPID") o0=$(b_cpu_off 1)
	out=$(timeout $((SECS + 20)) ip netns exec "$NS" $1 "$PY" "$HERE/udp_pps.py" 10.0.0.2 7 "$SECS" 64 8 2>&1)
	c1=$(b_cpu_split "$SPID") o1=$(b_cpu_off 1)
	pps=$(echo "$out" | awk '$1 == "pps" { print $2 }' | grep .) || { echo 0 n/a n/a n/a; return; }
	echo "$pps $(b_cpu_per "$c0" "$c1" "$(echo "$out" | awk '$1 == "pps" { print $4 - $6 }')")" \
		"$(b_off_pct "$o0" "$o1")"
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
	local t r u s o
	start_target "$target" "$pin" "$@"
	SPID=$(b_leaf "$PID") # PID is timeout's, its child the target
	for t in ping udp; do
		if [ $t = ping ]; then
			read -r r u s o <<<"$(flood_pps "$pin")"
		else
			read -r r u s o <<<"$(udp_pps "$pin")"
		fi
		P[$mode.$name.$t.$run]=$r P[$mode.$name.$t.$run.u]=$u P[$mode.$name.$t.$run.s]=$s
		P[$mode.$name.$t.$run.o]=$o
	done
	b_stop "$PID"
	echo "  $mode $name: flood ping ${P[$mode.$name.ping.$run]}/s" \
		"(CPU µs ${P[$mode.$name.ping.$run.u]} user, ${P[$mode.$name.ping.$run.s]} system" \
		"per reply), UDP echo ${P[$mode.$name.udp.$run]} pkt/s" \
		"(${P[$mode.$name.udp.$run.u]} user, ${P[$mode.$name.udp.$run.s]} system per echo)"
}

NAMES=$TARGETS
[ -n "$BUSY" ] && NAMES="$NAMES busy"
declare -A P R
for mode in pinned unpinned; do
	pin=""
	[ "$mode" = pinned ] && pin="taskset -c 1"
	# the runs interleaved, so that a busy moment of the machine spreads over all targets
	for run in $(seq 1 "$RUNS"); do
		for target in $TARGETS; do
			measure "$target" "$target" "$pin" "$run"
		done
		# Busy polling (50 us by default) keeps the loop awake for the answer: it pays when
		# the peer wakes on the other vCPU; the extra row shows another setting, by default
		# 0, no spin (docs/architecture.md).
		[ -n "$BUSY" ] && measure ustack busy "$pin" "$run" --busy-poll "$BUSY"
	done
	for name in $NAMES lwip; do
		for t in ping udp; do
			v=() vu=() vs=() vo=()
			for run in $(seq 1 "$RUNS"); do
				v+=("${P[$mode.$name.$t.$run]:-n/a}")
				vu+=("${P[$mode.$name.$t.$run.u]:-n/a}")
				vs+=("${P[$mode.$name.$t.$run.s]:-n/a}")
				vo+=("${P[$mode.$name.$t.$run.o]:-n/a}")
			done
			R[$mode.$name.$t]=$(b_median "${v[@]}")
			R[$mode.$name.$t.u]=$(b_median "${vu[@]}")
			R[$mode.$name.$t.s]=$(b_median "${vs[@]}")
			R[$mode.$name.$t.o]=$(b_median "${vo[@]}")
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
		if [ -n "$BUSY" ]; then
			b=${R[$mode.busy.$t]}
			# shellcheck disable=SC2059
			printf "$FMT" "$mode" "  --busy-poll $BUSY" "$b" "$f" "$l" \
				"$(b_ratio "$b" "$f")" "" "$(b_ratio "$b" "$l")" ""
		fi
		# ustack's bound with no user time: pinned only (see the second table)
		c=-
		[ $mode = pinned ] && c=$(b_ratio "$(b_bound "$u" "${R[$mode.ustack.$t.u]}")" "$f")
		[ -n "$g_refl" ] && b_goal "$name" "$mode" "$u" reflector "$f" "$rf" "$g_refl" "$c"
		[ -n "$g_lwip" ] && b_goal "$name" "$mode" "$u" lwIP "$l" "$rl" "$g_lwip" "$c"
	done
done
echo "(u/refl = ustack / reflector, u/lwIP = ustack / lwIP; goals from issue 13 where they"
if [ -n "$REFL_ARGS" ]; then
	echo " apply. The reflector ($REFL_ARGS) answers through io_uring, one io_uring_enter per frame;"
else
	echo " apply. The reflector answers with one blocking read and write per frame;"
fi
echo " lwIP reads one frame per read in its TAP thread and answers under its core lock)"

# cpu_row MODE LABEL NAME TEST GOAL: a row of the CPU table for ustack's run NAME.
cpu_row()
{
	local mode=$1 label=$2 name=$3 t=$4 goal=$5 bd=- cf=- cl=- off=-
	if [ "$mode" = pinned ]; then
		off=${R[$mode.$name.$t.o]}%
		bd=$(b_bound "${R[$mode.$name.$t]}" "${R[$mode.$name.$t.u]}")
		cf=$(b_ratio "$bd" "${R[$mode.reflector.$t]}")
		cl=$(b_ratio "$bd" "${R[$mode.lwip.$t]}")
	fi
	# shellcheck disable=SC2059
	printf "$FMT2" "$mode" "$label" "$(b_cpu_cell "${R[$mode.$name.$t.u]}" "${R[$mode.$name.$t.s]}")" \
		"$(b_cpu_cell "${R[$mode.reflector.$t.u]}" "${R[$mode.reflector.$t.s]}")" \
		"$(b_cpu_cell "${R[$mode.lwip.$t.u]}" "${R[$mode.lwip.$t.s]}")" "$off" "$bd" "$cf" \
		"$goal" "$cl"
}

echo
echo "The target process's CPU per reply or echo, µs user/system (medians of the runs), and"
echo "for the pinned rows ustack's bound: its rate with no user time, beside its ratios"
FMT2='%-10s %-22s %11s %11s %11s %5s %8s %7s %7s %7s\n'
# shellcheck disable=SC2059 # the format is FMT2
printf "$FMT2" mode test ustack reflector lwIP idle bound b/refl goal b/lwIP
for mode in pinned unpinned; do
	for t in ping udp; do
		name="flood ping replies/s"
		[ $t = udp ] && name="UDP echo packets/s"
		g=""
		[ $mode = pinned ] && g=">=0.95"
		cpu_row "$mode" "$name" ustack "$t" "$g"
		[ -n "$BUSY" ] && cpu_row "$mode" "  --busy-poll $BUSY" busy "$t" ""
	done
done
echo "(CPU: utime and stime of the target's process, all its threads, from /proc/PID/stat"
echo " just before and after each ping or UDP run, over the replies or echoes it got back."
echo " System time includes what the kernel does in the target's system calls: its TAP"
echo " write delivers the answer up to the client's socket there. bound: pinned, all of CPU 1"
echo " goes to the exchanges, so 1/rate is the CPU per exchange; bound = 1 / (1/rate - ustack's"
echo " user time): the rate if ustack's own code cost nothing and all else stayed; b/refl,"
echo " b/lwIP = bound / reflector, bound / lwIP; b/refl below the goal means no user-space"
echo " work on this path reaches it. idle: the share of CPU 1's time during that ustack run"
echo " that it ran nothing or the hypervisor took (steal); near 0 the bound holds, above it"
echo " 1/rate holds waiting too. Resolution: the times come in ticks of $((1000 / B_HZ)) ms, $(
	awk -v h="$B_HZ" -v n="$PINGS" 'BEGIN { printf "%.2f", 1e6 / h / n }') µs"
echo " per reply over $PINGS pings, and for UDP $((1000 / B_HZ)) ms over its ${SECS} s of echoes; the"
echo " kernel splits a process's time into user and system by sampling at its timer tick, so"
echo " over a short run the split is rough: only counts of several seconds of events tell)"
