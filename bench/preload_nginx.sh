#!/bin/bash
# SPDX-License-Identifier: MIT
# nginx on ustack (`ustack run -- nginx`, through the preload library, docs/preload.md)
# against the same nginx on the kernel, figures not assertions. The same configuration
# (sendfile on, tcp_nopush on, as Debian's nginx.conf), the same two files (1 KiB and
# BENCH_MB MiB), the same clients on the kernel's side:
#  (a) ustack: one namespace, `ustack run --dev tap:...` (offload on, the default) runs nginx,
#      the kernel's ab and curl reach it over the TAP;
#  (b) kernel: nginx in one namespace, ab and curl in another, over a veth pair (the
#      kernel's default offloads; BENCH_KERNEL_OFFLOAD=off turns them off as bench/tcp.sh
#      does).
# Each with nginx's worker_processes auto (Debian's nginx.conf: one per CPU) and 1 (the
# compiled-in default). Per configuration BENCH_RUNS runs, the median printed:
# `ab -n BENCH_AB_N -c 50` of the small file (a connection per request) and with -k
# (keep-alive), requests/s and failed requests summed over the runs; a curl download of the
# big file, MB/s, and the CPU seconds it cost the server side (utime + stime of nginx and,
# on ustack, of the ustack process with its stack and host threads; the kernel's own work
# is charged to whichever process it ran in, so this is a rough figure) and curl.
# The ratios are ustack / kernel, measured back to back in the same run.
#   bench/preload_nginx.sh build/ustack
# Environment: BENCH_MB (200), BENCH_AB_N (10000), BENCH_RUNS (3), BENCH_WORKERS
# ("auto 1"), BENCH_KERNEL_OFFLOAD (on).
set -u
UST=${1:-build/ustack}
MB=${BENCH_MB:-200}
ABN=${BENCH_AB_N:-10000}
RUNS=${BENCH_RUNS:-3}
WORKERS=${BENCH_WORKERS:-auto 1}
KOFF=${BENCH_KERNEL_OFFLOAD:-on}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin plng "$UST" nginx ab curl ethtool
[ -f "$(dirname "$UST")/libustack-preload.so" ] || { echo "bench: libustack-preload.so not built; run 'make'" >&2; exit 1; }
NSU=ust-plng-$$
NSK1=ust-plngc-$$
NSK2=ust-plngs-$$
HZ=$(getconf CLK_TCK)

# nginx's workers drop to nobody: everything they read must be readable.
chmod 755 "$TMP"
mkdir -p "$TMP/www" "$TMP/ng"
head -c $((MB * 1024 * 1024)) /dev/zero >"$TMP/www/big.bin"
head -c 1024 /dev/urandom >"$TMP/www/small.bin"
chmod 644 "$TMP/www/"*

# tree_cpu PID: utime + stime, in seconds, of PID and every process below it (each process
# with all its threads).
tree_cpu()
{
	local pids=("$1") all=("$1") p kids
	while [ ${#pids[@]} -gt 0 ]; do
		kids=()
		for p in "${pids[@]}"; do
			mapfile -t -O ${#kids[@]} kids < <(pgrep -P "$p")
		done
		pids=("${kids[@]}")
		all+=("${kids[@]}")
	done
	for p in "${all[@]}"; do
		# the fields after the command name, which may hold spaces
		sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null
	done | awk -v hz="$HZ" '{ t += $12 + $13 } END { printf "%.2f", t / hz }'
}

# once NS URL_BASE SERVER_PID KEY: one run of ab, ab -k and the download; each figure is
# appended to V[KEY.NAME] (space-separated), failed requests added to V[KEY.fail|kfail].
declare -A V
once()
{
	local ns=$1 base=$2 spid=$3 key=$4 out c0 c1 v f m ka
	for m in rps krps; do
		ka=
		[ $m = krps ] && ka=-k
		out=$(timeout 120 ip netns exec "$ns" ab -q $ka -n "$ABN" -c 50 "$base/small.bin" 2>&1)
		v=$(echo "$out" | awk '/^Requests per second/ { print $4 }')
		f=$(echo "$out" | awk '/^Failed requests/ { f = $3 } /^Non-2xx/ { f += $3 } END { print f + 0 }')
		[ -n "$v" ] || { v=0; f=$ABN; }
		V[$key.$m]="${V[$key.$m]:-} $v"
		V[$key.${m/rps/fail}]=$((${V[$key.${m/rps/fail}]:-0} + f))
	done
	c0=$(tree_cpu "$spid")
	out=$(TIMEFORMAT='%U %S'; { time timeout 120 ip netns exec "$ns" curl -s -o /dev/null \
		-w '%{size_download} %{speed_download}\n' "$base/big.bin"; } 2>&1)
	c1=$(tree_cpu "$spid")
	# out: "SIZE BYTES/S" then "USER SYS" (curl's, with ip netns exec's negligible share)
	v=0
	[ "$(echo "$out" | awk 'NR == 1 { print $1 }')" = $((MB * 1024 * 1024)) ] &&
		v=$(echo "$out" | awk 'NR == 1 { printf "%.0f", $2 / 1e6 }')
	V[$key.mbs]="${V[$key.mbs]:-} $v"
	V[$key.scpu]="${V[$key.scpu]:-} $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
	V[$key.ccpu]="${V[$key.ccpu]:-} $(echo "$out" | awk 'NR == 2 { printf "%.2f", $1 + $2 }')"
}

# shellcheck disable=SC2086 # the lists are meant to split
median() { printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# pratio "A1 A2.." "B1 B2..": the median of the run-by-run ratios A/B
# shellcheck disable=SC2086
pratio()
{
	paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) |
		awk '$1 > 0 && $2 > 0 { print $1 / $2 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else print "n/a" }'
}

# start_ustack WORKERS: nginx under ustack run on a TAP in $NSU; its PID (timeout's) in UPID.
start_ustack()
{
	mkdir -p "$TMP/ng-u"
	b_nginx_conf "$TMP/ng-u" "$TMP/www" "$1"
	b_ns "$NSU" || exit 1
	b_bg timeout --foreground 900 ip netns exec "$NSU" "$UST" run \
		--dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 -- \
		nginx -e "$TMP/ng-u/error.log" -c "$TMP/ng-u/nginx.conf" >"$TMP/ustack.log" 2>&1 </dev/null
	UPID=$B_PID
	b_wait_for 15 ip netns exec "$NSU" curl -sf -o /dev/null http://10.0.0.2:8000/small.bin ||
		{ echo "bench: nginx on ustack does not answer:"; tail -n 5 "$TMP/ustack.log" "$TMP/ng-u/error.log"; exit 1; }
}

# start_kernel WORKERS: nginx on the kernel in $NSK2, the clients' side $NSK1 over a veth;
# its PID in KPID.
start_kernel()
{
	mkdir -p "$TMP/ng-k"
	b_nginx_conf "$TMP/ng-k" "$TMP/www" "$1"
	b_ns "$NSK1" && b_ns "$NSK2" || exit 1
	ip link add pb0 netns "$NSK1" type veth peer name pb1 netns "$NSK2"
	if [ "$KOFF" = off ]; then
		ip netns exec "$NSK1" ethtool -K pb0 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1
		ip netns exec "$NSK2" ethtool -K pb1 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1
	fi
	ip -n "$NSK1" addr add 10.0.1.1/24 dev pb0 && ip -n "$NSK1" link set pb0 up
	ip -n "$NSK2" addr add 10.0.1.2/24 dev pb1 && ip -n "$NSK2" link set pb1 up
	b_bg timeout --foreground 900 ip netns exec "$NSK2" \
		nginx -e "$TMP/ng-k/error.log" -c "$TMP/ng-k/nginx.conf" >"$TMP/kernel.log" 2>&1 </dev/null
	KPID=$B_PID
	b_wait_for 15 ip netns exec "$NSK1" curl -sf -o /dev/null http://10.0.1.2:8000/small.bin ||
		{ echo "bench: nginx on the kernel does not answer:"; tail -n 5 "$TMP/kernel.log" "$TMP/ng-k/error.log"; exit 1; }
}

echo "nginx on ustack (ustack run, TAP) against nginx on the kernel (veth, offloads $KOFF):"
echo "$(nproc) CPUs, $RUNS runs each, ab -n $ABN -c 50 of 1 KiB, a $MB MiB download"
for w in $WORKERS; do
	start_ustack "$w"
	start_kernel "$w"
	for _ in $(seq 1 "$RUNS"); do
		once "$NSU" http://10.0.0.2:8000 "$UPID" "ustack.$w"
		once "$NSK1" http://10.0.1.2:8000 "$KPID" "kernel.$w"
	done
	b_stop "$UPID"
	b_stop "$KPID"
	ip netns del "$NSU"
	ip netns del "$NSK1"
	ip netns del "$NSK2"
	for k in ustack kernel; do
		echo "  $k, worker_processes $w: ab${V[$k.$w.rps]} req/s; ab -k${V[$k.$w.krps]} req/s;" \
			"download${V[$k.$w.mbs]} MB/s, server CPU${V[$k.$w.scpu]} s, curl CPU${V[$k.$w.ccpu]} s"
	done
done

echo
printf '%-9s %-32s %10s %10s %7s\n' workers "" ustack kernel ratio
for w in $WORKERS; do
	u=ustack.$w k=kernel.$w
	row() { printf '%-9s %-32s %10s %10s %7s\n' "$1" "$2" "$(median "${V[$u.$3]}")" \
		"$(median "${V[$k.$3]}")" "$(pratio "${V[$u.$3]}" "${V[$k.$3]}")"; }
	row "$w" "ab -c 50, requests/s" rps
	printf '%-9s %-32s %10s %10s\n' "" "  failed (all runs)" "${V[$u.fail]}" "${V[$k.fail]}"
	row "" "ab -k -c 50, requests/s" krps
	printf '%-9s %-32s %10s %10s\n' "" "  failed (all runs)" "${V[$u.kfail]}" "${V[$k.kfail]}"
	row "" "$MB MiB download, MB/s" mbs
	row "" "  server CPU s" scpu
	row "" "  curl CPU s" ccpu
done
echo "(medians of $RUNS; ratio = the median of the run-by-run ratios ustack / kernel, each"
echo " ustack run followed by a kernel run with both servers up; auto = one worker per CPU;"
echo " CPU seconds are utime + stime at 1/$HZ s, the kernel's network work counted in"
echo " whichever process it ran)"
