# SPDX-License-Identifier: MIT
# Shared helpers for the integration tests (bash; sourced by every t_*.sh).
#
#   . "$(dirname "$0")/lib.sh"
#   t_begin udp_echo "$1"           # test name, path of build/ustack
#   ns_new NS                        # a fresh namespace "ust-<pid>-<n>", name in $NS
#   ust_serve "$NS" --serve udp-echo # ustack serve on tap:ustap0 10.0.0.2 <-> kernel 10.0.0.1
#   in_ns "$NS" ping -c 3 10.0.0.2
#   ust_stop                         # SIGTERM, wait, check exit status, keep --stats output
#   [ "$(counter ip.reasm_oks)" -ge 5 ] || fail "..."
#   pass
#
# Everything a test makes (namespaces, processes, temp files) is removed by a trap on any
# exit. Every wait is bounded in count and time; every command that could hang runs under
# timeout(1). Processes are killed only by the PIDs recorded here.

set -u

: "${ASAN_OPTIONS:=detect_leaks=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

PY=/usr/bin/python3           # Debian's interpreter, the one with scapy
TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
US_ADDR=10.0.0.2              # ustack's side of the TAP
K_ADDR=10.0.0.1               # the kernel's side
TAPIF=ustap0
US_PREFIX=24

T_NAME=unnamed
T_DONE=0
T_SIGNALLED=0
T_TMP=
T_NS_LIST=()
T_PIDS=()
T_NS_SEQ=0
UST_PID=
UST_ERR=
UST_OUT=
UST_STATUS=0

# t_begin NAME USTACK_PATH: names the test, makes its temp dir, installs the cleanup trap.
t_begin()
{
	T_NAME=$1
	UST=${2:-}
	if [ -z "$UST" ] || [ ! -x "$UST" ]; then
		echo "FAIL $T_NAME: ustack binary '$UST' not found (run make first)"
		exit 1
	fi
	UST=$(cd "$(dirname "$UST")" && pwd)/$(basename "$UST")
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP $T_NAME: integration tests need root (namespaces, TAP devices)"
		exit 0
	fi
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ust-$T_NAME.XXXXXX")
	trap t_cleanup EXIT
	trap 'T_SIGNALLED=1; t_cleanup; exit 130' INT TERM
}

t_cleanup()
{
	local pid ns i
	trap - EXIT INT TERM
	for pid in "${T_PIDS[@]}"; do
		t_ours "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		t_ours "$pid" || continue
		for i in $(seq 1 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${T_NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$T_TMP" ] && rm -rf "$T_TMP"
	if [ "$T_DONE" -eq 0 ] && [ "$T_SIGNALLED" -eq 1 ]; then
		echo "FAIL $T_NAME: interrupted (time limit or signal)"
	elif [ "$T_DONE" -eq 0 ]; then
		echo "FAIL $T_NAME: test script ended without a verdict"
	fi
}

# t_ours PID: PID is a background job of this shell that is still running (so a signal
# can never reach a process that merely reused the number).
t_ours()
{
	jobs -pr | grep -qx "$1"
}

# pass: the verdict for a test whose checks all held.
pass()
{
	T_DONE=1
	echo "PASS $T_NAME"
	exit 0
}

# skip REASON: the test cannot run here (a tool or kernel feature missing): it says SKIP
# and is counted as skipped by run.sh, never as passed.
skip()
{
	T_DONE=1
	echo "SKIP $T_NAME: $*"
	exit 0
}

# need_cmd CMD...: skips the test unless every CMD is installed.
need_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# fail REASON: prints the verdict, the tail of ustack's stderr, and exits.
fail()
{
	T_DONE=1
	echo "FAIL $T_NAME: $*"
	if [ -n "$UST_ERR" ] && [ -s "$UST_ERR" ]; then
		echo "    --- ustack stderr (last 30 lines):"
		tail -n 30 "$UST_ERR" | sed 's/^/    | /'
	fi
	exit 1
}

# check DESCRIPTION COMMAND...: fails the test with DESCRIPTION when COMMAND fails.
check()
{
	local what=$1
	shift
	"$@" || fail "$what"
}

# ns_new VAR: creates a namespace with lo up; its name goes into variable VAR.
ns_new()
{
	local name
	T_NS_SEQ=$((T_NS_SEQ + 1))
	name="ust-$$-$T_NS_SEQ"
	ip netns add "$name" || fail "ip netns add $name failed"
	T_NS_LIST+=("$name")
	ip -n "$name" link set lo up || fail "cannot bring lo up in $name"
	printf -v "$1" '%s' "$name"
}

# in_ns NS CMD...: runs CMD in the namespace, bounded to T_CMD_TIMEOUT seconds (default 60).
in_ns()
{
	local ns=$1
	shift
	timeout --foreground -k 2 "${T_CMD_TIMEOUT:-60}" ip netns exec "$ns" "$@"
}

# bg_ns NS OUTFILE CMD...: starts CMD in the namespace in the background (stdin from
# /dev/null unless BG_STDIN names a file), bounded to 120 s; its PID goes into BG_PID.
bg_ns()
{
	local ns=$1 out=$2
	shift 2
	timeout --foreground -k 2 120 ip netns exec "$ns" "$@" >"$out" 2>&1 <"${BG_STDIN:-/dev/null}" &
	BG_PID=$!
	T_PIDS+=("$BG_PID")
}

# stop_pid PID: SIGTERM, wait up to 20 s, then SIGKILL; sets STOP_STATUS to its exit status.
stop_pid()
{
	local pid=$1 i
	if t_ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 200); do
			t_ours "$pid" || break
			sleep 0.1
		done
		t_ours "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	STOP_STATUS=$?
}

# wait_for SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds or time is up.
wait_for()
{
	local secs=$1 i
	shift
	for i in $(seq 1 $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# host_configured NS [IFNAME] [ADDR]: the kernel side of the TAP is up with its address.
host_configured()
{
	ip -n "$1" -o addr show dev "${2:-$TAPIF}" 2>/dev/null | grep -q "inet ${3:-$K_ADDR}/"
}

# ust_ready: ustack printed its ready line, or (for a program without one) the kernel
# side of its TAP is configured (frames sent from then on wait in the TAP queue).
ust_ready()
{
	grep -qiE '(^|[^a-z])(ready|listening|serving)([^a-z]|$)' "$UST_ERR" 2>/dev/null && return 0
	host_configured "$UST_NS"
}

# dev_spec [IFNAME] [ADDR] [HOST]: the --dev value for a TAP with its kernel side.
dev_spec()
{
	echo "tap:${1:-$TAPIF},addr=${2:-$US_ADDR}/$US_PREFIX,host=${3:-$K_ADDR}/$US_PREFIX"
}

# ust_start NS SUBCOMMAND ARGS...: starts ustack in NS in the background with stdout in
# $UST_OUT and stderr in $UST_ERR, waits (at most 10 s) until it is ready. The caller
# passes --dev. Sets UST_PID. Use UST_STDIN=FILE to feed its standard input.
ust_start()
{
	UST_NS=$1
	shift
	UST_OUT=$T_TMP/ustack.out
	UST_ERR=$T_TMP/ustack.err
	: >"$UST_OUT"
	: >"$UST_ERR"
	# -k: timeout(1) also sends SIGKILL this long after forwarding our SIGTERM, so it must
	# exceed stop_pid's patience (a sanitizer build with thousands of connections can
	# take seconds to shut down and run its leak check).
	timeout --foreground -k 30 "${UST_TIMEOUT:-120}" ip netns exec "$UST_NS" "$UST" "$@" \
		>"$UST_OUT" 2>"$UST_ERR" <"${UST_STDIN:-/dev/null}" &
	UST_PID=$!
	T_PIDS+=("$UST_PID")
	local i
	for i in $(seq 1 100); do
		kill -0 "$UST_PID" 2>/dev/null || break
		ust_ready && return 0
		sleep 0.1
	done
	if ! kill -0 "$UST_PID" 2>/dev/null; then
		wait "$UST_PID" 2>/dev/null
		UST_STATUS=$?
		# A short job (nc sending a line) may finish before we look: that is no failure.
		# UST_PID stays set: bash keeps the status, so `wait "$UST_PID"` still reports it.
		[ "$UST_STATUS" -eq 0 ] && return 0
		fail "ustack $1 exited (status $UST_STATUS) before it was ready"
	fi
	fail "ustack $1 not ready after 10 s"
}

# ust_wait_dad NAME [SECS]: waits (at most SECS, 5 by default) until the ustack started
# with --name NAME has no tentative IPv6 address left: duplicate address detection (RFC
# 4862) holds every address it gives itself for up to a second of random delay and one
# RetransTimer before the address answers.
ust_dad_over()
{
	local a
	a=$("$UST" ctl "$1" addr 2>/dev/null) || return 1
	[ -n "$a" ] && ! echo "$a" | grep -q ' tentative'
}
ust_wait_dad()
{
	wait_for "${2:-5}" ust_dad_over "$1" || fail "ustack $1 still has tentative addresses"
}

# ust_serve NS ARGS...: `ustack serve --dev <TAP with host=> --stats ARGS...`, ready once it
# printed its "serving" line.
ust_serve()
{
	local ns=$1
	shift
	ust_start "$ns" serve --dev "$(dev_spec)" --stats "$@"
	# ust_start may see the TAP's kernel side configured first; serve's "serving" line
	# comes once its services and its control socket are up too (t_ctl asked for the
	# socket in between under CI's load)
	wait_for 10 grep -q serving "$UST_ERR" ||
		fail "ustack serve printed no 'serving' line in 10 s: $(tail -n 3 "$UST_ERR")"
}

# ust_alive: the ustack process is still running.
ust_alive()
{
	kill -0 "$UST_PID" 2>/dev/null
}

# ust_wait_exit SECS: waits up to SECS for a ustack command that ends by itself (nc, get,
# ping); sets UST_STATUS to its exit status and returns 0, or returns 1 with it still
# running (the trap ends it).
ust_wait_exit()
{
	local i
	for i in $(seq 1 $(($1 * 10))); do
		ust_alive || break
		sleep 0.1
	done
	ust_alive && return 1
	wait "$UST_PID"
	UST_STATUS=$?
	UST_PID=
	return 0
}

# pid_wait_exit PID SECS: waits up to SECS for a background process to end; 1 if it didn't.
pid_wait_exit()
{
	local i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# ust_stop: SIGTERM, waits for a clean exit (status 0, no sanitizer report); --stats
# output stays in $UST_ERR for `counter`. Also checks a ustack that already exited.
ust_stop()
{
	if [ -n "$UST_PID" ]; then
		stop_pid "$UST_PID"
		UST_STATUS=$STOP_STATUS
		UST_PID=
	fi
	[ -n "$UST_ERR" ] || return 0
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$UST_ERR"; then
		fail "sanitizer report from ustack"
	fi
	[ "$UST_STATUS" -eq 0 ] || fail "ustack exited with status $UST_STATUS after SIGTERM (want 0)"
}

# ctl_errline ARGS...: `ustack ctl ARGS` must exit 2 with exactly one line on stderr and
# nothing on stdout (a bad request, an unknown stack); prints that line.
ctl_errline()
{
	local rc
	"$UST" ctl "$@" >"$T_TMP/e.out" 2>"$T_TMP/e.err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "ctl $* exited $rc, want 2"
	[ "$(wc -l <"$T_TMP/e.err")" -eq 1 ] || fail "ctl $*: want one line, got: $(cat "$T_TMP/e.err")"
	[ -s "$T_TMP/e.out" ] && fail "ctl $* printed on stdout: $(cat "$T_TMP/e.out")"
	cat "$T_TMP/e.err"
}

# counter NAME: value of "layer.name" from the last --stats output (0 when not printed:
# --stats prints only the counters that are not zero).
counter()
{
	local v
	v=$(awk -v n="$1" '$1 == n && $2 ~ /^[0-9]+$/ { v = $2 } END { if (v != "") print v }' \
		"$UST_ERR" 2>/dev/null)
	echo "${v:-0}"
}

# segs_first_sent: TCP segments ustack sent, from the last --stats output, less those it
# sent again (retransmissions, a SYN-ACK resent under load) and a loss probe's new data:
# what a test counting segments per connection or request compares (no resend is a bare
# ACK).
segs_first_sent()
{
	echo $(($(counter tcp.snd_total) - $(counter tcp.snd_rexmt_segs) -
		$(counter tcp.snd_tlp_new_data)))
}

# expect_counter NAME OP VALUE: e.g. expect_counter ip.reasm_oks -ge 5
expect_counter()
{
	local v
	v=$(counter "$1")
	[ "$v" "$2" "$3" ] || fail "counter $1 is $v, expected $2 $3"
}

# us_mac NS: ustack's MAC address as the kernel learned it (after some traffic).
us_mac()
{
	ip -n "$1" neigh show "$US_ADDR" dev "$TAPIF" 2>/dev/null |
		sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p' | head -n 1
}

# Checksum check of a pcap: prints the frames whose IP, UDP, TCP or ICMP checksum tshark
# finds bad. (Wireshark's checksum status: 0 bad, 1 good, 2 unverified.)
pcap_bad_checksums()
{
	timeout 60 tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE \
		-Y 'ip.checksum.status==0 || udp.checksum.status==0 || tcp.checksum.status==0 || icmp.checksum.status==0' \
		2>/dev/null
}
