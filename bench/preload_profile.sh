#!/bin/bash
# SPDX-License-Identifier: MIT
# Where the preload path's time goes (docs/preload.md#what-it-costs), figures not
# assertions. In one namespace with a TAP to the kernel:
#  - nginx (worker_processes BENCH_WORKERS, sendfile and tcp_nopush on) under
#    `ustack run`, loaded by the kernel's `ab -c 50` of a 1 KiB file, with keep-alive (-k:
#    the per-request data path) and without (a connection per request);
#  - bench/preload_calls.c's `rpc` loop (setsockopt and getsockname: a control request
#    each) under `ustack run`.
# Method, for each: `perf record -g -F BENCH_PERF_FREQ` of ustack (all its threads) and of
# the program for the whole run (nginx: -p of ustack and the workers while ab runs;
# the calls: ustack run and its child from start to end), `perf script` classified by
# bench/perf_where.py: per thread (the host thread is named ustack-host; the stack's loop
# is ustack's other busy thread; the program) and per category (the first of scheduler,
# unix socket, TAP, futex, epoll, sendfile, fstat found walking the kernel call chain from
# the sample; else the user-space object), the share of the samples and the CPU
# microseconds per request or call. Then `perf trace -s` over a shorter run of the same
# load counts the system calls per request or call, per thread.
# CPU time is what this measures: a call's wall time beyond it is waiting for a thread to
# be woken and scheduled (the calls print their wall time per call for comparison).
#   bench/preload_profile.sh build/ustack
# Environment: BENCH_AB_N (20000), BENCH_RPCS (20000), BENCH_WORKERS (auto),
# BENCH_PERF_FREQ (2000).
set -u
UST=${1:-build/ustack}
ABN=${BENCH_AB_N:-20000}
NR=${BENCH_RPCS:-20000}
WORKERS=${BENCH_WORKERS:-auto}
FREQ=${BENCH_PERF_FREQ:-2000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin plprof "$UST" nginx ab perf cc
[ -f "$(dirname "$UST")/libustack-preload.so" ] || { echo "bench: libustack-preload.so not built; run 'make'" >&2; exit 1; }
NS=ust-plpf-$$
DEV=tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24
b_ns "$NS" || exit 1
chmod 755 "$TMP"
mkdir -p "$TMP/www" "$TMP/ng"
head -c 1024 /dev/urandom >"$TMP/www/small.bin"
chmod 644 "$TMP/www/small.bin"
cc -O2 -o "$TMP/calls" "$HERE/preload_calls.c" || exit 1

# where FREQ OPS COMM...: perf script of $TMP/perf.data classified
where()
{
	perf script -i "$TMP/perf.data" -F comm,tid,ip,sym,dso 2>/dev/null | "$PY" "$HERE/perf_where.py" "$@"
}

# syscalls OPS COMM: perf trace -s's summary ($TMP/trace.txt) as calls per operation, per
# thread role (host thread, other ustack threads, COMM), those at 0.1 or more
syscalls()
{
	awk -v ops="$1" -v prog="$2" '
		/^ [^ ].* \([0-9]+\), [0-9]+ events/ {
			role = $1 == "ustack-host" ? 1 : $1 == "ustack" ? 2 : $1 == prog ? 3 : 4
			next
		}
		role && $1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ { n[role "|" $1] += $2 }
		END {
			for (k in n)
				if (n[k] / ops >= 0.1)
					printf "%s|%.2f\n", k, n[k] / ops
		}' "$TMP/trace.txt" | sort -t'|' -k1,1n -k3,3nr |
		awk -F'|' 'BEGIN { split("host thread|other ustack threads|program|other", r, "|") }
			{ printf "  %-24s %-16s %8s\n", r[$1], $2, $3 }'
}

# --- nginx under ustack run ---
b_nginx_conf "$TMP/ng" "$TMP/www" "$WORKERS"
b_bg timeout --foreground 900 ip netns exec "$NS" "$UST" run --dev "$DEV" -- \
	nginx -e "$TMP/ng/error.log" -c "$TMP/ng/nginx.conf" >"$TMP/ustack.log" 2>&1 </dev/null
NG=$B_PID
b_wait_for 15 ip netns exec "$NS" curl -sf -o /dev/null http://10.0.0.2:8000/small.bin ||
	{ echo "bench: nginx on ustack does not answer:"; tail -n 5 "$TMP/ustack.log" "$TMP/ng/error.log"; exit 1; }
UPID=$(pgrep -P "$NG" -x ustack)
MASTER=$(pgrep -P "${UPID:-0}" -x nginx)
if [ -z "$UPID" ] || [ -z "$MASTER" ]; then
	echo "bench: no ustack or nginx process found"
	exit 1
fi
PIDS="$UPID,$(pgrep -d, -P "$MASTER" -x nginx)"
echo "nginx ($WORKERS workers) under ustack run, the kernel's ab -c 50 of 1 KiB, $(nproc) CPUs:"
for mode in -k ""; do
	name="keep-alive (ab -k)"
	[ -z "$mode" ] && name="a connection per request (ab)"
	timeout 300 perf record -q -g -F "$FREQ" -o "$TMP/perf.data" -p "$PIDS" -- \
		ip netns exec "$NS" ab -q ${mode:+"$mode"} -n "$ABN" -c 50 http://10.0.0.2:8000/small.bin \
		>"$TMP/ab.out" 2>&1
	echo
	echo "$name: $(awk '/^Requests per second/ { print $4 }' "$TMP/ab.out") requests/s" \
		"under perf, $(awk '/^Failed requests/ { print $3 }' "$TMP/ab.out") failed; CPU per request:"
	where "$FREQ" "$ABN" nginx
	n=$((ABN / 4))
	timeout 300 perf trace -s -o "$TMP/trace.txt" -p "$PIDS" -- \
		ip netns exec "$NS" ab -q ${mode:+"$mode"} -n "$n" -c 50 http://10.0.0.2:8000/small.bin >/dev/null 2>&1
	echo "  system calls per request (perf trace -s, $n requests):"
	syscalls "$n" nginx
done
b_stop "$NG"

# --- control requests: preload_calls rpc ---
echo
echo "preload_calls rpc $NR under ustack run ($NR setsockopt(TCP_NODELAY) + $NR getsockname):"
timeout 300 perf record -q -g -F "$FREQ" -o "$TMP/perf.data" -- \
	ip netns exec "$NS" "$UST" run --dev "$DEV" -- "$TMP/calls" rpc "$NR" 2>&1 | sed 's/^/  wall: /'
where "$FREQ" $((2 * NR)) calls
timeout 300 perf trace -s -o "$TMP/trace.txt" -- \
	ip netns exec "$NS" "$UST" run --dev "$DEV" -- "$TMP/calls" rpc $((NR / 4)) >/dev/null 2>&1
echo "  system calls per call (perf trace -s, $((NR / 2)) calls):"
syscalls $((NR / 2)) calls
