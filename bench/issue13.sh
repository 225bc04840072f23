#!/bin/bash
# SPDX-License-Identifier: MIT
# Every goal of issue 13 (Performance) measured in one run: bench/run.sh (flood ping and
# UDP echo against the TAP reflector and lwIP), bench/tcp.sh (bulk each way per frame
# and with offloads against lwIP and the kernel over a veth, CPU per GiB) and
# bench/conn.sh (connections and keep-alive requests per second against lwIP and nginx),
# each printing its own tables as it goes, then one table of every goal: the ratio
# measured here beside its bar and whether it meets it, and for the pinned rows of run.sh
# and conn.sh and tcp.sh the ceiling: the ratio ustack would reach if its process spent no
# user time (those scripts' bound over the same reference; for CPU per GiB, in both
# modes, its system time alone; a * when even that misses the bar, so no user-space work
# on this path could meet it); for conn.sh's unpinned rows the client's: 1 / ab's own CPU
# per request over lwIP's rate (ab is one process). Figures, not assertions: the
# exit status says only whether the scripts ran. Needs root; about ten minutes with the
# scripts' defaults (their environment variables lengthen or shorten them; see each).
#   bench/issue13.sh build/ustack [build/bench/tap_reflector]
# lwIP's columns need build/interop/lwip_peer (`make interop`, needs liblwip-dev); it
# runs with Debian's options, which are printed (small, not lwIP's best tuning).
set -u
UST=${1:-build/ustack}
REFL=${2:-$(dirname "$UST")/bench/tap_reflector}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin issue13 "$UST"
[ -x "$REFL" ] || { echo "bench: $REFL not built; run 'make bench'" >&2; exit 1; }
LWIP_PEER=$(dirname "$UST")/interop/lwip_peer
export BENCH_SUMMARY=$TMP/goals
: >"$BENCH_SUMMARY"

rc=0
bash "$HERE/run.sh" "$UST" "$REFL" || rc=1
echo
bash "$HERE/tcp.sh" "$UST" || rc=1
echo
bash "$HERE/conn.sh" "$UST" || rc=1

echo
echo "== issue 13: the goals, measured in this run ($(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')) =="
if [ -x "$LWIP_PEER" ]; then
	echo "lwIP: $("$LWIP_PEER" options)"
else
	echo "lwIP: not built (make interop; needs liblwip-dev): its ratios are n/a"
fi
FMT='%-40s %-9s %10s %-12s %10s %7s %7s %5s %8s\n'
# shellcheck disable=SC2059 # the format is FMT
printf "$FMT" test mode ustack against figure ratio goal met ceiling
while IFS=$'\t' read -r test mode u ref figure ratio goal ceiling; do
	# the ceiling (where measured): starred when even it misses the goal
	case "${ceiling:--}" in
	- | n/a) ceiling=${ceiling:--} ;;
	*) [ "$(b_meets "$ceiling" "$goal")" = no ] && ceiling="$ceiling*" ;;
	esac
	# shellcheck disable=SC2059
	printf "$FMT" "$test" "$mode" "$u" "$ref" "$figure" "$ratio" "$goal" \
		"$(b_meets "$ratio" "$goal")" "$ceiling"
done <"$BENCH_SUMMARY"
met=$(while IFS=$'\t' read -r _ _ _ _ _ ratio goal _; do b_meets "$ratio" "$goal"; done <"$BENCH_SUMMARY" |
	grep -c yes)
echo "($met of $(wc -l <"$BENCH_SUMMARY") goals met. Bulk per frame: ustack's TAP offload=off; with"
echo " offloads: offload=on against the kernel over a veth with its default offloads. CPU/GiB"
echo " counts the stack's process alone: utime + stime from /proc/PID/stat. ceiling: the ratio"
echo " ustack would reach if its process spent no user time and every other cost stayed: for"
echo " the rates of the pinned rows, its rate 1 / (1/rate - user time per event or per GiB)"
echo " over the same reference; for CPU/GiB, in both modes, its system time per GiB alone; a"
echo " * marks a goal that even this misses: on this path the kernel's work (and pinned, the"
echo " client's) already takes more than the goal leaves. Connections and keep-alive"
echo " unpinned: the client's bound, 1 / ab's CPU per request (one process, one CPU at most)"
echo " over lwIP's rate; a * there: no server meets the goal with this client on this"
echo " machine. '-': not measured, or a rate not pinned (the bound holds only on one"
echo " saturated CPU).)"
exit $rc
