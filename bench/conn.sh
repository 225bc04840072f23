#!/bin/bash
# SPDX-License-Identifier: MIT
# Small-event TCP benchmarks: ab's new connections per second (`ab -n N -c 50`, one request
# per connection, a 1 KB file) and keep-alive requests per second (`ab -k`) against ustack's
# `serve http` on a TAP, next to nginx on the kernel over a veth pair (its default
# offloads) and lwIP (test/interop/lwip_peer's `server PORT http`, Debian's liblwip on its
# own TAP, its body from memory) measured in the same run. Pinned (server and ab on CPU 1
# with taskset) and unpinned; each figure is the median of BENCH_RUNS runs (the runs are
# printed too: on a shared machine they scatter). Figures, not assertions. Needs root.
#   bench/conn.sh build/ustack
# lwIP runs as Debian builds it (the options are printed: its small defaults, not lwIP's
# best tuning). It keeps TIME_WAIT for 2 x TCP_MSL (120 s) and answers a new SYN on a
# connection it holds in TIME_WAIT with an ACK, never a new connection, while the kernel
# (ab) reuses a local port after some 7000 connections: so each lwIP run is against a
# freshly started lwip_peer and its connection runs are at most BENCH_LWIP_CONN_N
# connections. Without build/interop/lwip_peer (`make interop`, needs liblwip-dev) its
# column says n/a.
# A second table splits each server's cost: the user and the system CPU time of the
# server's process (utime and stime in /proc/PID/stat, all its threads; for the kernel,
# nginx's worker) from just before to just after each ab run, in µs per completed request.
# System time holds what the kernel does inside the server's system calls: for a TAP stack
# its write runs the kernel's receive path up to ab's socket, which no stack on a TAP
# avoids. Pinned, CPU 1 does nothing but the runs, so 1/rate is all the CPU a request
# takes (server, ab, kernel); the bound 1 / (1/rate - ustack's user µs) is the rate ustack
# would reach if its own code took no time at all, and bound/lwIP beside the goal says
# whether any user-space work on this path could meet it. Its idle column is the share of
# CPU 1's time during ustack's pinned runs that it ran nothing or the hypervisor took
# (idle, iowait and steal in /proc/stat): the bound assumes it is near 0. Unpinned, where
# the server has a CPU of its own, the bound is the client's: ab is one process, so it can
# ask no faster than 1 / its own CPU per request (user + system of ab and its children,
# measured in each run against ustack); that rate over lwIP's says whether any server
# could meet the goal with this client on this machine. Limits: the times come in ticks
# (getconf CLK_TCK, 10 ms), and the kernel splits a process's time into user and system
# by sampling at its timer tick, so short runs (small counts) give a rough split; the
# kernel's interrupt and softirq work is charged to whichever process it interrupts;
# other load on CPU 1 lowers the rate and so the bound; the readings also span the
# client's start and exit, a few ms in which CPU 1 may idle.
# Environment: BENCH_CONN_N (connections per run, 20000), BENCH_KA_N (keep-alive requests
# per run, 100000), BENCH_RUNS (3), BENCH_LWIP_CONN_N (connections per lwIP run, 5000),
# BENCH_PERF (1: also a `perf record -g` of ustack during one unpinned run of each test,
# its top symbols printed; only: that alone; 0 by default), BENCH_USTACK_ARGS (more
# options for ustack serve, e.g. "--busy-poll 0"), BENCH_SUMMARY (a file: the goal rows,
# ustack/lwIP against issue 13's 1.3, with each row's bound/lwIP, are appended to
# it, for bench/issue13.sh).
# shellcheck disable=SC2086 # $pin is "" or "taskset -c 1": split on purpose
set -u
UST=${1:-build/ustack}
CONN_N=${BENCH_CONN_N:-20000}
KA_N=${BENCH_KA_N:-100000}
RUNS=${BENCH_RUNS:-3}
PERF=${BENCH_PERF:-0}
LW_CONN_N=${BENCH_LWIP_CONN_N:-5000}
[ "$LW_CONN_N" -gt "$CONN_N" ] && LW_CONN_N=$CONN_N
read -r -a UARGS <<<"${BENCH_USTACK_ARGS:-}"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin cbench "$UST" ab nginx taskset
[ "$PERF" != 0 ] && { command -v perf >/dev/null || { echo "bench: perf missing" >&2; exit 1; }; }

LWIP_PEER=$(dirname "$UST")/interop/lwip_peer
[ -x "$LWIP_PEER" ] || LWIP_PEER=
SPID= # the server's process, whose CPU time ab_rate reads
NS=ust-cb-$$
NS2=ust-cb2-$$
head -c 1024 /dev/urandom >"$TMP/small"

# ab_rate NS PIN N [AB-OPTION...]: "RPS USER SYSTEM OFF CLIENT": requests per second of
# one ab run against 10.0.0.2's /small with 50 in flight, the µs of user and of system CPU
# per completed request that the server's process SPID spent from just before the run to
# just after it (n/a without SPID), the % of CPU 1's time that it was idle or stolen
# meanwhile (b_off_pct), and the µs of CPU (user + system) ab spent per completed request;
# "fail" when ab failed or some request did (a failed connection would be counted as a
# fast one).
ab_rate()
{
	local ns=$1 pin=$2 n=$3 out rps failed c0 c1 o0 o1 completed client
	shift 3
	c0=$(b_cpu_split "${SPID:-0}") o0=$(b_cpu_off 1)
	# ab's CPU time: the subshell's children's (cutime + cstime, fields 16 and 17 of its
	# /proc stat, read by a builtin in that same subshell), which it has waited for
	out=$(
		timeout 120 ip netns exec "$ns" $pin ab -q -r -s 10 -n "$n" -c 50 "$@" \
			http://10.0.0.2/small 2>&1
		read -r st <"/proc/$BASHPID/stat"
		echo "client-ticks ${st##*) }"
	)
	c1=$(b_cpu_split "${SPID:-0}") o1=$(b_cpu_off 1)
	rps=$(echo "$out" | awk '/^Requests per second/ { printf "%d", $4 }')
	failed=$(echo "$out" | awk '/^Failed requests/ { print $3 } /^Non-2xx/ { print 1 }' |
		awk '{ s += $1 } END { print s + 0 }')
	if [ -z "$rps" ] || [ "$failed" -gt 0 ]; then
		echo "bench: ab $* against $ns: ${failed} failed" >&2
		echo "$out" | tail -n 5 >&2
		echo fail
		return
	fi
	completed=$(echo "$out" | awk '/^Complete requests/ { print $3 }')
	client=$(echo "$out" | awk -v n="$completed" -v hz="$B_HZ" '/^client-ticks / {
		t = $15 + $16; if (n + 0 > 0 && t > 0) printf "%.1f", t * 1e6 / hz / n; else print "n/a" }')
	echo "$rps $(b_cpu_per "$c0" "$c1" "$completed") $(b_off_pct "$o0" "$o1") ${client:-n/a}"
}

# ab_take T NS PIN N [AB-OPTION...]: one ab_rate run; its rate, user and system µs,
# CPU 1's idle or stolen % and ab's µs are appended to the lists A[T], U[T], S[T], O[T]
# and K[T], and "USER/SYSTEM" to C[T] (reset by measure and lwip_measure).
declare -A A U S O C K
ab_take()
{
	local t=$1 r u s o k
	shift
	read -r r u s o k <<<"$(ab_rate "$@")"
	A[$t]+=" $r" U[$t]+=" ${u:-n/a}" S[$t]+=" ${s:-n/a}" O[$t]+=" ${o:-n/a}"
	C[$t]+=" ${u:-n/a}/${s:-n/a}" K[$t]+=" ${k:-n/a}"
}

# ab_sum: CONN and KA, the medians of the runs' rates, and CONN_U, CONN_S, KA_U, KA_S,
# the medians of their user and system µs per request, CONN_O and KA_O of CPU 1's idle
# or stolen %, CONN_K and KA_K of ab's µs per request; prints the runs.
ab_sum()
{
	CONN=$(median ${A[conn]}) KA=$(median ${A[ka]})
	CONN_U=$(b_median ${U[conn]}) CONN_S=$(b_median ${S[conn]})
	KA_U=$(b_median ${U[ka]}) KA_S=$(b_median ${S[ka]})
	CONN_O=$(b_median ${O[conn]}) KA_O=$(b_median ${O[ka]})
	CONN_K=$(b_median ${K[conn]}) KA_K=$(b_median ${K[ka]})
	echo "    connections/s:${A[conn]}; keep-alive requests/s:${A[ka]}" >&2
	echo "    server CPU µs user/system per connection:${C[conn]};" \
		"per keep-alive request:${C[ka]}" >&2
	echo "    ab's CPU µs per connection:${K[conn]}; per keep-alive request:${K[ka]}" >&2
}

# median A B C...: the middle figure (a "fail" among them makes it "fail").
median()
{
	case " $* " in *" fail "*) echo fail; return ;; esac
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# measure NS PIN: CONN and KA, each the median of RUNS ab runs, and the server's CPU per
# request (ab_sum) of the process SPID.
measure()
{
	local ns=$1 pin=$2
	A=() U=() S=() O=() C=() K=()
	for _ in $(seq 1 "$RUNS"); do
		ab_take conn "$ns" "$pin" "$CONN_N"
		ab_take ka "$ns" "$pin" "$KA_N" -k
	done
	ab_sum
}

# ustack serving http on TAP ustap0 at 10.0.0.2 in namespace $NS, the kernel at 10.0.0.1
# (where ab runs); its PID in UPID.
ustack_start()
{
	local pin=$1
	b_ns "$NS" || exit 1
	# wide ephemeral range: three runs of N connections without reusing a port ustack
	# still holds in TIME_WAIT
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	b_bg timeout --foreground 600 ip netns exec "$NS" $pin "$UST" serve \
		--dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 --serve http,root="$TMP" \
		--max-conn 4096 "${UARGS[@]}" 2>"$TMP/ustack.log" </dev/null
	UPID=$B_PID
	b_wait_for 5 grep -q serving "$TMP/ustack.log" ||
		{ echo "bench: ustack did not come up:" >&2; cat "$TMP/ustack.log" >&2; exit 1; }
	b_wait_for 5 ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 ||
		{ echo "bench: ustack does not answer" >&2; exit 1; }
	SPID=$(b_leaf "$UPID") # UPID is timeout's; `ip netns exec` has become ustack, its child
}
ustack_stop()
{
	b_stop "$UPID"
	ip netns del "$NS"
}

# nginx (one worker, no master, no log) on the kernel in $NS2 at 10.0.0.2, ab in $NS at
# 10.0.0.1, over a veth pair with its default offloads. Its PID in KPID.
kernel_start()
{
	local pin=$1
	b_ns "$NS" && b_ns "$NS2" || exit 1
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	ip link add kc0 netns "$NS" type veth peer name kc1 netns "$NS2"
	ip -n "$NS" addr add 10.0.0.1/24 dev kc0 && ip -n "$NS" link set kc0 up
	ip -n "$NS2" addr add 10.0.0.2/24 dev kc1 && ip -n "$NS2" link set kc1 up
	b_kernel_nginx "$NS2" "$NS" "$pin" 4096 off
	KPID=$B_PID
	SPID=$KPID # `ip netns exec` and taskset exec nginx: one process, no master
}
kernel_stop()
{
	b_stop "$KPID"
	ip netns del "$NS"
	ip netns del "$NS2"
}

# lwip_peer serving http (1 KB bodies) on TAP lwtap0 at 10.0.0.2 in namespace $NS, the
# kernel at 10.0.0.1 on the TAP (where ab runs); its PID in LPID.
lwip_start()
{
	local pin=$1
	b_ns "$NS" || exit 1
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	ip -n "$NS" tuntap add lwtap0 mode tap &&
		ip -n "$NS" addr add 10.0.0.1/24 dev lwtap0 && ip -n "$NS" link set lwtap0 up ||
		exit 1
	b_bg ip netns exec "$NS" $pin "$LWIP_PEER" --tap lwtap0 --addr 10.0.0.2/24 \
		--timeout 600 --count 0 server 80 http 1024 2>"$TMP/lwip.log" </dev/null
	LPID=$B_PID
	SPID=$LPID # `ip netns exec` and taskset exec lwip_peer
	b_wait_for 5 grep -q listening "$TMP/lwip.log" ||
		{ echo "bench: lwip_peer did not come up:" >&2; cat "$TMP/lwip.log" >&2; exit 1; }
	b_wait_for 5 ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 ||
		{ echo "bench: lwip_peer does not answer" >&2; exit 1; }
}
lwip_stop()
{
	b_stop "$LPID"
	grep "server http:" "$TMP/lwip.log" | sed 's/^/    /' >&2
	ip netns del "$NS"
}

# lwip_measure PIN: as measure, each ab run against a freshly started lwip_peer (see
# the top: lwIP's TIME_WAIT), connection runs of LW_CONN_N.
lwip_measure()
{
	local pin=$1
	A=() U=() S=() O=() C=() K=()
	for _ in $(seq 1 "$RUNS"); do
		lwip_start "$pin"
		ab_take conn "$NS" "$pin" "$LW_CONN_N"
		lwip_stop
		lwip_start "$pin"
		ab_take ka "$NS" "$pin" "$KA_N" -k
		lwip_stop
	done
	ab_sum
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

# perf_top TEST N [AB-OPTION...]: a `perf record -g` of ustack (unpinned) during one ab
# run of N requests, and the top symbols by self time.
perf_top()
{
	local what=$1 n=$2 ppid
	shift 2
	ustack_start ""
	ab_rate "$NS" "" 2000 "$@" >/dev/null # warm
	perf record -q -g -o "$TMP/perf.data" -p "$SPID" >/dev/null 2>&1 &
	ppid=$!
	sleep 0.5
	echo "== perf: ustack during ab -n $n -c 50 $* ($what): top symbols, self time =="
	echo "   ($(ab_rate "$NS" "" "$n" "$@" | cut -d' ' -f1) requests/s while recorded)"
	kill -INT "$ppid"
	wait "$ppid"
	perf report -q -i "$TMP/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null |
		grep -v '^$' | head -n 20
	ustack_stop
}

echo "ustack connection benchmark: $(nproc) CPUs, ab -c 50 on a 1 KB file:" \
	"$CONN_N connections, $KA_N keep-alive requests, median of $RUNS"
if [ -n "$LWIP_PEER" ]; then
	echo "lwIP: $("$LWIP_PEER" options)"
	echo "  (Debian's lwipopts.h and lwIP's opt.h defaults: small, not lwIP's best tuning;" \
		"$LW_CONN_N connections per run against a fresh lwip_peer)"
else
	echo "lwIP: $(dirname "$UST")/interop/lwip_peer not built (make interop; needs liblwip-dev): n/a"
fi
declare -A R
# keep X: the medians of the last measure (or lwip_measure) kept in R under $mode.X.
keep()
{
	R[$mode.$1.conn]=$CONN R[$mode.$1.conn.u]=$CONN_U R[$mode.$1.conn.s]=$CONN_S
	R[$mode.$1.ka]=$KA R[$mode.$1.ka.u]=$KA_U R[$mode.$1.ka.s]=$KA_S
	R[$mode.$1.conn.o]=$CONN_O R[$mode.$1.ka.o]=$KA_O
	R[$mode.$1.conn.k]=$CONN_K R[$mode.$1.ka.k]=$KA_K
}
MODES="pinned unpinned"
[ "$PERF" = only ] && MODES=
for mode in $MODES; do
	pin=""
	[ "$mode" = pinned ] && pin="taskset -c 1"
	echo "  $mode ustack" >&2
	ustack_start "$pin"
	measure "$NS" "$pin"
	keep u
	ustack_stop
	echo "  $mode kernel (nginx over veth)" >&2
	kernel_start "$pin"
	measure "$NS" "$pin"
	keep k
	kernel_stop
	CONN=n/a KA=n/a CONN_U=n/a CONN_S=n/a KA_U=n/a KA_S=n/a CONN_O=n/a KA_O=n/a
	CONN_K=n/a KA_K=n/a
	keep l
	[ -z "$LWIP_PEER" ] && continue
	echo "  $mode lwIP (lwip_peer)" >&2
	lwip_measure "$pin"
	keep l
done

FMT='%-10s %-28s %10s %10s %10s %9s %9s %6s\n'
# shellcheck disable=SC2059 # the format is FMT
[ -n "$MODES" ] && echo && printf "$FMT" mode test ustack kernel lwIP u/kernel u/lwIP goal
for mode in $MODES; do
	for t in conn ka; do
		what="connections/s (ab -c 50)"
		[ $t = ka ] && what="keep-alive requests/s (-k)"
		rl=$(ratio "${R[$mode.u.$t]}" "${R[$mode.l.$t]}")
		# the bound, and its ratio to lwIP: pinned, ustack's with no user time;
		# unpinned, the client's (see the top)
		R[$mode.off.$t]=-
		if [ "$mode" = pinned ]; then
			R[$mode.off.$t]=${R[$mode.u.$t.o]}%
			R[$mode.bound.$t]=$(b_bound "${R[$mode.u.$t]}" "${R[$mode.u.$t.u]}")
		else
			R[$mode.bound.$t]=$(awk -v k="${R[$mode.u.$t.k]}" 'BEGIN {
				if (k ~ /^[0-9.]+$/ && k + 0 > 0) printf "%.0f", 1e6 / k; else print "n/a" }')
		fi
		R[$mode.ceil.$t]=$(b_ratio "${R[$mode.bound.$t]}" "${R[$mode.l.$t]}")
		# shellcheck disable=SC2059
		printf "$FMT" "$mode" "$what" "${R[$mode.u.$t]}" "${R[$mode.k.$t]}" \
			"${R[$mode.l.$t]}" "$(ratio "${R[$mode.u.$t]}" "${R[$mode.k.$t]}")" "$rl" ">=1.3"
		# issue 13: at least 1.3 x lwIP, pinned and unpinned
		b_goal "$what" "$mode" "${R[$mode.u.$t]}" lwIP "${R[$mode.l.$t]}" "$rl" ">=1.3" \
			"${R[$mode.ceil.$t]}"
	done
done
[ -n "$MODES" ] &&
	echo "(u/kernel, u/lwIP = ustack / kernel, ustack / lwIP; kernel: nginx-light, one worker," &&
	echo " over a veth pair with its default offloads; lwIP: lwip_peer's http server on" &&
	echo " Debian's liblwip, its own TAP, a body from memory (no file), $LW_CONN_N connections" &&
	echo " per connection run, each run against a fresh lwip_peer;" &&
	echo " pinned: server and ab both on CPU 1; goal: issue 13's bar for u/lwIP)"

FMT2='%-10s %-28s %12s %12s %12s %7s %5s %8s %10s %6s\n'
if [ -n "$MODES" ]; then
	echo
	echo "The server process's CPU per request, µs user/system (medians of the runs), ab's own"
	echo "against ustack, and the bound beside its ratio to lwIP: pinned, ustack's rate with"
	echo "no user time; unpinned, the client's, 1 / ab's CPU per request"
	# shellcheck disable=SC2059
	printf "$FMT2" mode test ustack kernel lwIP "ab µs" idle bound bound/lwIP goal
fi
for mode in $MODES; do
	for t in conn ka; do
		what="connections/s (ab -c 50)"
		[ $t = ka ] && what="keep-alive requests/s (-k)"
		# shellcheck disable=SC2059
		printf "$FMT2" "$mode" "$what" "$(b_cpu_cell "${R[$mode.u.$t.u]}" "${R[$mode.u.$t.s]}")" \
			"$(b_cpu_cell "${R[$mode.k.$t.u]}" "${R[$mode.k.$t.s]}")" \
			"$(b_cpu_cell "${R[$mode.l.$t.u]}" "${R[$mode.l.$t.s]}")" "${R[$mode.u.$t.k]}" \
			"${R[$mode.off.$t]}" "${R[$mode.bound.$t]}" "${R[$mode.ceil.$t]}" ">=1.3"
	done
done
[ -n "$MODES" ] &&
	echo "(CPU: utime and stime of the server's process, all its threads, from /proc/PID/stat" &&
	echo " just before and after each ab run, over the requests it completed; the kernel's is" &&
	echo " nginx's worker. System time includes what the kernel does in the server's system" &&
	echo " calls: a TAP stack's write delivers the frame up to ab's socket there. bound: pinned," &&
	echo " all of CPU 1 goes to the events, 1/rate = CPU per event; bound = 1 / (1/rate - ustack's" &&
	echo " user time): the rate if ustack's own code cost nothing and all else stayed; bound/lwIP" &&
	echo " below the goal means no user-space work on this path reaches it. idle: the share of" &&
	echo " CPU 1's time during ustack's pinned runs that it ran nothing or the hypervisor took" &&
	echo " (steal); near 0 the bound holds, above it 1/rate holds waiting too. Unpinned, ab (one" &&
	echo " process) asks no faster than 1 / its CPU per request (ab µs: its user + system time" &&
	echo " in the runs against ustack), whatever the server; bound/lwIP below the goal means no" &&
	echo " server reaches it with this client on this machine. Resolution: the" &&
	echo " times come in ticks of $((1000 / B_HZ)) ms: $(awk -v h="$B_HZ" -v c="$CONN_N" -v k="$KA_N" -v l="$LW_CONN_N" \
		'BEGIN { printf "%.2f µs per connection over %d (lwIP: %.2f over %d), %.2f per", 1e6 / h / c, c, 1e6 / h / l, l, 1e6 / h / k }')" &&
	echo " keep-alive request over $KA_N; the kernel splits a process's time into user and system" &&
	echo " by sampling at its timer tick, so over a short run the split is rough)"

if [ "$PERF" != 0 ]; then
	echo
	perf_top "new connections" "$CONN_N"
	perf_top "keep-alive" "$KA_N" -k
fi
