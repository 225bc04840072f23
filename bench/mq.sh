#!/bin/bash
# SPDX-License-Identifier: MIT
# Multi-queue TAP: `ustack serve http` with queues=1 (one stack, one serving thread) against
# queues=2 (two stacks in one process, one per queue of the TAP, each with its own serving
# thread; the kernel picks the queue per flow), unpinned, with the tests of bench/conn.sh:
# ab's new connections per second (`ab -n N -c 50`, one request per connection, a 1 KB file)
# and keep-alive requests per second (`ab -k`), and a flood ping's replies per second (one
# flow: one queue serves it). The two settings take turns, a fresh ustack for each run, so
# a drift of the machine's load falls on both; each figure is the median of BENCH_RUNS runs
# (the runs are printed too). After each queues=2 run the split of the connections between
# the two stacks is printed (serve.conns_accepted of each, from --stats). With each ab
# figure: ustack's CPU time per request (user + system, all its threads, from
# /proc/PID/stat) and the share of the machine's CPU time left idle during the run, which
# say whether a second serving thread had a CPU to run on. Figures, not assertions. Needs
# root.
#   bench/mq.sh build/ustack
# Environment: BENCH_CONN_N (connections per run, 20000), BENCH_KA_N (keep-alive requests
# per run, 100000), BENCH_PING_N (flood ping requests per run, 100000), BENCH_RUNS (3),
# BENCH_USTACK_ARGS (more options for ustack serve).
set -u
UST=${1:-build/ustack}
CONN_N=${BENCH_CONN_N:-20000}
KA_N=${BENCH_KA_N:-100000}
PING_N=${BENCH_PING_N:-100000}
RUNS=${BENCH_RUNS:-3}
read -r -a UARGS <<<"${BENCH_USTACK_ARGS:-}"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin mqbench "$UST" ab ping
NS=ust-mq-$$
head -c 1024 /dev/urandom >"$TMP/small"

# ab_rate N [AB-OPTION...]: requests per second of one ab run against 10.0.0.2's /small
# with 50 in flight; "fail" when ab failed or some request did.
ab_rate()
{
	local n=$1 out rps failed
	shift
	out=$(timeout 120 ip netns exec "$NS" ab -q -r -s 10 -n "$n" -c 50 "$@" \
		http://10.0.0.2/small 2>&1)
	rps=$(echo "$out" | awk '/^Requests per second/ { printf "%d", $4 }')
	failed=$(echo "$out" | awk '/^Failed requests/ { print $3 } /^Non-2xx/ { print 1 }' |
		awk '{ s += $1 } END { print s + 0 }')
	if [ -z "$rps" ] || [ "$failed" -gt 0 ]; then
		echo "bench: ab $* failed ($failed failed requests)" >&2
		echo "$out" | tail -n 5 >&2
		echo fail
		return
	fi
	echo "$rps"
}

# ping_rate: replies per second of a flood ping of PING_N requests ("fail" on a loss).
ping_rate()
{
	local out
	out=$(timeout 120 ip netns exec "$NS" ping -f -q -c "$PING_N" 10.0.0.2 2>&1)
	echo "$out" | awk -v n="$PING_N" '
		/packets transmitted/ { rx = $4; for (i = 1; i <= NF; i++) if ($i == "time") ms = $(i + 1) }
		END { sub("ms", "", ms); if (rx != n || ms + 0 <= 0) print "fail"; else printf "%d", rx * 1000 / ms }'
}

# The CPU ticks (user + system) of ustack (timeout's child, which became ustack), and of
# the whole machine: idle and total.
ust_ticks() { awk '{ print $14 + $15 }' "/proc/$(pgrep -P "$UPID")/stat"; }
sys_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t }' /proc/stat; }

# timed N [AB-OPTION...]: ab_rate, and in USPR (ustack's CPU microseconds per request) and
# IDLE (the machine's idle percentage) what the run cost.
timed()
{
	local n=$1 u0 u1 i0 t0 i1 t1 hz
	hz=$(getconf CLK_TCK)
	u0=$(ust_ticks)
	read -r i0 t0 <<<"$(sys_ticks)"
	RATE=$(ab_rate "$@")
	u1=$(ust_ticks)
	read -r i1 t1 <<<"$(sys_ticks)"
	USPR=$(awk -v d=$((u1 - u0)) -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f", d * 1e6 / hz / n }')
	IDLE=$(awk -v i=$((i1 - i0)) -v t=$((t1 - t0)) 'BEGIN { printf "%d", t ? 100 * i / t : 0 }')
}

median()
{
	case " $* " in *" fail "*) echo fail; return ;; esac
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# ustack_start Q: ustack serving http on TAP ustap0 (queues=Q) at 10.0.0.2 in $NS, the
# kernel at 10.0.0.1 (where ab runs); its PID in UPID.
ustack_start()
{
	b_ns "$NS" || exit 1
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	b_bg timeout --foreground 600 ip netns exec "$NS" "$UST" serve \
		--dev "tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24,queues=$1" \
		--serve http,root="$TMP" --max-conn 4096 --stats "${UARGS[@]}" \
		2>"$TMP/ustack.log" </dev/null
	UPID=$B_PID
	b_wait_for 5 grep -q serving "$TMP/ustack.log" ||
		{ echo "bench: ustack did not come up:" >&2; cat "$TMP/ustack.log" >&2; exit 1; }
	b_wait_for 5 ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 ||
		{ echo "bench: ustack does not answer" >&2; exit 1; }
	# every queue's stack resolves the kernel's address once (not within a timed run)
	ab_rate 500 >/dev/null
}
ustack_stop()
{
	b_stop "$UPID"
	ip netns del "$NS"
}

echo "ustack multi-queue TAP benchmark: $(nproc) CPUs, unpinned, ab -c 50 on a 1 KB file:" \
	"$CONN_N connections, $KA_N keep-alive requests, flood ping of $PING_N; median of $RUNS," \
	"queues=1 and queues=2 in turns"
declare -A C K P CU KU CI KI
for r in $(seq 1 "$RUNS"); do
	for q in 1 2; do
		ustack_start "$q"
		timed "$CONN_N"
		C[$q]+=" $RATE" CU[$q]+=" $USPR" CI[$q]+=" $IDLE"
		timed "$KA_N" -k
		K[$q]+=" $RATE" KU[$q]+=" $USPR" KI[$q]+=" $IDLE"
		P[$q]+=" $(ping_rate)"
		ustack_stop
		if [ "$q" = 2 ]; then
			echo "  run $r queues=2: connections accepted per queue's stack:" \
				"$(awk '/^# counters of queue/ { q = $5; sub("'"'"'s", "", q) } /^serve.conns_accepted/ {
					printf "%s%s", sep, q " " $2; sep = ", " }' "$TMP/ustack.log")" >&2
		fi
	done
done
for q in 1 2; do
	echo "  queues=$q runs: connections/s:${C[$q]}; keep-alive requests/s:${K[$q]};" \
		"ping replies/s:${P[$q]}" >&2
	echo "    ustack CPU us per connection:${CU[$q]}, per keep-alive request:${KU[$q]};" \
		"machine idle % during them:${CI[$q]} /${KI[$q]}" >&2
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
FMT='%-36s %10s %10s %8s\n'
echo
# shellcheck disable=SC2059 # the format is FMT
printf "$FMT" test queues=1 queues=2 "2/1"
for t in C K P; do
	case $t in
	C) what="connections/s (ab -c 50)" ;;
	K) what="keep-alive requests/s (-k)" ;;
	P) what="flood ping replies/s" ;;
	esac
	declare -n A=$t
	# shellcheck disable=SC2086 # the runs are words
	one=$(median ${A[1]}) two=$(median ${A[2]})
	# shellcheck disable=SC2059
	printf "$FMT" "$what" "$one" "$two" "$(ratio "$two" "$one")"
	unset -n A
done
for t in CU KU CI KI; do
	case $t in
	CU) what="  ustack CPU us per connection" ;;
	KU) what="  ustack CPU us per keep-alive req." ;;
	CI) what="  machine idle %, connection runs" ;;
	KI) what="  machine idle %, keep-alive runs" ;;
	esac
	declare -n A=$t
	# shellcheck disable=SC2086
	one=$(printf '%s\n' ${A[1]} | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	# shellcheck disable=SC2086
	two=$(printf '%s\n' ${A[2]} | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	# shellcheck disable=SC2059
	printf "$FMT" "$what" "$one" "$two" ""
	unset -n A
done
echo "(medians; 2/1 = queues=2 / queues=1; ab, the kernel's TCP and ustack share $(nproc) CPUs)"
