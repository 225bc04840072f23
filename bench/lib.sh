# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared preamble of the benchmarks (bash; sourced by every bench/*.sh).
#
#   . "$(dirname "$0")/lib.sh"
#   b_begin tbench "$UST" iperf curl     # built? root? tools? UST made absolute, $TMP, trap
#   NS=ust-tb-$$
#   b_ns "$NS"                           # ip netns add, lo up; deleted by the trap
#   b_bg ip netns exec "$NS" iperf -s >/dev/null 2>&1   # in the background, PID in $B_PID
#   b_stop "$B_PID"                      # SIGTERM, at most 5 s, then SIGKILL
#
# On any exit (also SIGINT, SIGTERM) the trap ends the processes started with b_bg that are
# still running, deletes the namespaces made with b_ns and removes $TMP (kept, and named on
# stderr, when B_KEEP_TMP is set). Processes are
# ended only by the PIDs recorded here. A benchmark prints figures, not verdicts: a binary,
# a tool or root missing is an error (exit 1).

# shellcheck disable=SC2034 # PY and HERE are for the scripts
PY=/usr/bin/python3           # Debian's interpreter, the one with scapy
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

B_HZ=$(getconf CLK_TCK)        # the unit of /proc/PID/stat's CPU times
TMP=
B_PID=
B_PIDS=()
B_NS=()

# b_begin NAME USTACK_PATH [TOOL...]: exits unless ustack is built, we are root and every
# TOOL is installed; makes UST the absolute path, TMP a fresh temp dir, installs the trap.
b_begin()
{
	local name=$1 t
	UST=$2
	shift 2
	[ -x "$UST" ] || { echo "bench: $UST not built; run 'make'" >&2; exit 1; }
	[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "bench: $t missing; run 'make deps'" >&2; exit 1; }
	done
	UST=$(b_abs "$UST")
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/ust-$name.XXXXXX")
	trap b_cleanup EXIT
	trap 'b_cleanup; exit 130' INT TERM
}

b_cleanup()
{
	local pid ns
	trap - EXIT INT TERM
	for pid in "${B_PIDS[@]}"; do
		b_ours "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${B_PIDS[@]}"; do
		b_stop "$pid"
	done
	for ns in "${B_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${B_KEEP_TMP:-}" ]; then
		echo "kept $TMP" >&2
	elif [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
}

# b_abs PATH: PATH made absolute (the servers run in other directories).
b_abs()
{
	echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# b_ours PID: PID is a background job of this shell that is still running (so a signal
# can never reach a process that merely reused the number).
b_ours()
{
	jobs -pr | grep -qx "$1"
}

# b_ns NAME: creates namespace NAME with lo up; the trap deletes it. A script may delete
# it itself and make it again.
b_ns()
{
	case " ${B_NS[*]} " in
	*" $1 "*) ;;
	*) B_NS+=("$1") ;;
	esac
	ip netns add "$1" && ip -n "$1" link set lo up
}

# b_bg CMD...: starts CMD in the background (redirect the call as the command's); its PID
# goes into B_PID, and the trap ends it if it still runs.
b_bg()
{
	"$@" &
	B_PID=$!
	B_PIDS+=("$B_PID")
}

# b_stop PID: SIGTERM, waits up to 5 s, then SIGKILL; reaps it and forgets it.
b_stop()
{
	local pid=$1 p keep=()
	if b_ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 50); do
			b_ours "$pid" || break
			sleep 0.1
		done
		b_ours "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	for p in "${B_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	B_PIDS=("${keep[@]}")
}

# b_wait_for SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds or time is up.
b_wait_for()
{
	local secs=$1
	shift
	for _ in $(seq 1 $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# b_usr1 PID LOG: sends ustack SIGUSR1 and prints the counters it then appended to LOG.
b_usr1()
{
	local before
	before=$(stat -c %s "$2")
	kill -USR1 "$1"
	sleep 0.5
	tail -c +$((before + 1)) "$2"
}

# b_nginx_conf DIR ROOT WORKERS: DIR/nginx.conf for nginx -c, serving ROOT on port 8000
# with WORKERS worker processes, sendfile and tcp_nopush on (as Debian's nginx.conf), no
# access log, keep-alive; daemon off, its pid, error log and temporary files in DIR. Its
# workers run as nobody: ROOT and its files must be readable.
b_nginx_conf()
{
	cat >"$1/nginx.conf" <<NGINX
worker_processes $3;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 1024; }
http {
	types { application/octet-stream bin; }
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 10;
	keepalive_requests 100000;
	client_body_temp_path $1/body;
	proxy_temp_path $1/proxy;
	fastcgi_temp_path $1/fastcgi;
	uwsgi_temp_path $1/uwsgi;
	scgi_temp_path $1/scgi;
	server {
		listen 8000;
		root $2;
	}
}
NGINX
}

# b_kernel_nginx NS_SERVER NS_CLIENT PIN CONNS SENDFILE: nginx on the kernel in NS_SERVER
# at 10.0.0.2:80 (one worker, no master, no access log, keep-alive without a request limit)
# serving $TMP, CONNS worker connections, sendfile and tcp_nopush SENDFILE (on|off), run
# under PIN ("" or a taskset prefix); waits until NS_CLIENT reaches it. Its PID in B_PID;
# exits the script when it does not come up.
b_kernel_nginx()
{
	local nopush=off
	[ "$5" = on ] && nopush=on
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<NGINX
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log stderr error;
events { worker_connections $4; }
http {
	access_log off;
	sendfile $5;
	tcp_nopush $nopush;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	keepalive_requests 1000000;
	server { listen 10.0.0.2:80; root $TMP; }
}
NGINX
	# shellcheck disable=SC2086 # $3 is "" or "taskset -c N": split on purpose
	b_bg ip netns exec "$1" $3 nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
		2>"$TMP/nginx.log" </dev/null
	b_wait_for 5 ip netns exec "$2" bash -c 'exec 3<>/dev/tcp/10.0.0.2/80' ||
		{ echo "bench: nginx did not come up:" >&2; cat "$TMP/nginx.log" >&2; exit 1; }
}

# b_ratio A B: A / B with two decimals; n/a unless both are positive numbers.
b_ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a + 0 > 0 && b + 0 > 0)
			printf "%.2f", a / b
		else
			print "n/a"
	}'
}

# b_meets RATIO GOAL: "yes" or "no" for a GOAL such as ">=1.3" or "<=0.5"; "-" when the
# ratio is not a number.
b_meets()
{
	awk -v r="$1" -v g="$2" 'BEGIN {
		if (r !~ /^[0-9.]+$/) { print "-"; exit }
		op = substr(g, 1, 2); v = substr(g, 3) + 0
		if (op == ">=") print (r + 0 >= v ? "yes" : "no")
		else print (r + 0 <= v ? "yes" : "no")
	}'
}

# b_goal TEST MODE STACK-FIGURE REFERENCE REF-FIGURE RATIO GOAL [CEILING]: one row of a
# goal of issue 13 (a ratio measured in this run against its bar), appended tab-separated
# to $BENCH_SUMMARY when that is set (bench/issue13.sh prints them as one table).
# CEILING, where the script measured it: the ratio the stack's figure would reach if its
# process spent no user time (b_bound over REF-FIGURE); "-" where it does not apply.
b_goal()
{
	[ -n "${BENCH_SUMMARY:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}

# b_cpu_ticks PID: the process's user + system CPU time so far (all its threads), in
# clock ticks (getconf CLK_TCK a second), from /proc/PID/stat; 0 when it is gone.
b_cpu_ticks()
{
	# the command name (field 2) may hold spaces: count the fields after its ')'
	sed -n 's/.*) //p' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13; f = 1 } END { if (!f) print 0 }'
}

# b_cpu_split PID: "UTIME STIME", the process's user and system CPU time so far (all its
# threads, ended ones too), in clock ticks (B_HZ a second), from /proc/PID/stat; "0 0"
# when it is gone.
b_cpu_split()
{
	sed -n 's/.*) //p' "/proc/$1/stat" 2>/dev/null |
		awk '{ print $12, $13; f = 1 } END { if (!f) print 0, 0 }'
}

# b_cpu_per "U0 S0" "U1 S1" EVENTS: "USER SYSTEM", the µs of user and of system CPU per
# event between two b_cpu_split readings (one decimal); "n/a n/a" without a positive
# event count or when the process went away between them.
b_cpu_per()
{
	awk -v a="$1" -v b="$2" -v n="$3" -v hz="$B_HZ" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		if (n !~ /^[0-9]+$/ || n + 0 <= 0 || y[1] + y[2] <= 0 || y[1] < x[1] || y[2] < x[2]) {
			print "n/a n/a"; exit
		}
		printf "%.1f %.1f\n", (y[1] - x[1]) * 1e6 / hz / n, (y[2] - x[2]) * 1e6 / hz / n
	}'
}

# b_cpu_off N: "OFF TOTAL" of CPU N from /proc/stat, in ticks: the time it ran nothing
# (idle, iowait) or the hypervisor ran something else (steal), and all its time.
b_cpu_off()
{
	awk -v c="cpu$1" '$1 == c { print $5 + $6 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; f = 1 }
		END { if (!f) print 0, 0 }' /proc/stat
}

# b_off_pct "OFF0 TOTAL0" "OFF1 TOTAL1": the percentage of the CPU's time between two
# b_cpu_off readings that it ran nothing or was stolen (no decimals); n/a without time.
b_off_pct()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		if (y[2] - x[2] <= 0) print "n/a"; else printf "%.0f\n", 100 * (y[1] - x[1]) / (y[2] - x[2])
	}'
}

# b_cpu_cell USER SYSTEM: "USER/SYSTEM" for a table, "n/a" when neither is a number.
b_cpu_cell()
{
	if [ "$1" = n/a ] && [ "$2" = n/a ]; then
		echo n/a
	else
		echo "$1/$2"
	fi
}

# b_leaf PID: the process that does the work of background job PID: PID itself, or, while
# it is a `timeout` (which forks its command; `ip netns exec` and taskset exec theirs),
# its child.
b_leaf()
{
	local p=$1 c
	for _ in 1 2 3; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = timeout ] || break
		c=$(pgrep -P "$p" | head -n 1)
		[ -n "$c" ] || break
		p=$c
	done
	echo "$p"
}

# b_bound RATE USER_US: the events per second a server would reach if its user time per
# event (USER_US µs) were zero and every other cost stayed: 1 / (1/RATE - USER_US). Holds
# for a run on one saturated CPU (pinned), where 1/RATE is all the CPU time an event
# takes; "n/a" unless both are numbers (and 1/RATE is more than USER_US).
b_bound()
{
	awk -v r="$1" -v u="$2" 'BEGIN {
		if (r !~ /^[0-9.]+$/ || u !~ /^[0-9.]+$/ || r + 0 <= 0) { print "n/a"; exit }
		d = 1 / r - u / 1e6
		if (d <= 0) print "n/a"; else printf "%d\n", 1 / d
	}'
}

# b_median V...: the middle of the values that are numbers (the lower middle of an even
# count); n/a when none is.
b_median()
{
	printf '%s\n' "$@" | grep -E '^[0-9]+(\.[0-9]+)?$' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'
}
