#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test/integration/t_*.sh against a ustack binary, up to UST_JOBS of them at once,
# and prints their PASS/FAIL/SKIP lines in the tests' sorted name order, then "N passed, M
# failed, K skipped". Needs root: run without it, every test is counted as skipped.
#   test/integration/run.sh build/ustack [PATTERN]
# PATTERN (a shell glob on the file name, e.g. 't_udp*') picks a subset. TEST_DIR names
# another folder of tests written the same way (make vm-test: test/vm). A test's full
# output is shown when it fails. A test that cannot run here (a tool missing) calls lib.sh's
# skip and is counted as skipped, never passed. If UST_RESULTS names a file,
# "integration P F S" is appended.
#
# UST_JOBS (default: the number of CPUs) tests run at once; UST_JOBS=1 runs them one after
# the other. Each test runs in a mount namespace of its own with a private /run/ustack, so
# the control and API sockets of its stacks (ustap0.sock, ...) meet no other test's; its
# namespaces, TAPs and temporary files are named per process already (lib.sh). A line in a
# test file says what else it shares:
#   # ust: serial       it runs with no other test beside it (these run first, one by one)
#   # ust: lock NAME    it never runs beside another test naming the same NAME (`lock make`:
#                       the tests that run make in the source tree)
# A test's output is kept in a file of its own and printed whole once it has ended and so
# have all the tests before it in name order, so the lines come in the same order whatever
# finished first.
set -u
cd "$(dirname "$0")/../.." || exit 1
UST=${1:-build/ustack}
PATTERN=${2:-t_*.sh}
TEST_TIMEOUT=${TEST_TIMEOUT:-150}
TEST_DIR=${TEST_DIR:-test/integration}
JOBS=${UST_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
case $JOBS in
'' | *[!0-9]* | 0)
	echo "run.sh: UST_JOBS='$JOBS': give a whole number from 1" >&2
	exit 2
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/ust-itest.XXXXXX") || exit 1
reader=
# On INT or TERM the running tests get SIGTERM (timeout(1) passes it on; lib.sh's trap
# removes what the test made), then the runner exits.
stop_all()
{
	for p in $reader $(cat "$work"/*.pid 2>/dev/null); do
		kill -TERM "$p" 2>/dev/null
	done
	wait
	rm -rf "$work"
	exit 130
}
trap 'rm -rf "$work"' EXIT
trap stop_all INT TERM

# Each test runs in its own mount namespace with a tmpfs on /run/ustack (mode 0700, as ustack
# makes it), unless unshare cannot do that here: then the tests share /run/ustack and run
# one at a time, as ustack's default control socket names (the TAP's) would clash.
ISOLATE="unshare --mount --propagation private sh -c"
ISOLATE_SCRIPT='mkdir -p /run/ustack && mount -t tmpfs -o mode=0700 ust-ctl /run/ustack && exec "$@"'

# run_one N FILE: runs one test; writes N.res (the lines to print) and N.cnt ("P F S").
run_one()
{
	n=$1 t=$2 log=$work/$1.log
	start=$(date +%s)
	if [ -n "$ISOLATE" ]; then
		# shellcheck disable=SC2086 # ISOLATE is a command and its options
		timeout -k 5 "$TEST_TIMEOUT" $ISOLATE "$ISOLATE_SCRIPT" ust-test bash "$t" "$UST" \
			>"$log" 2>&1 </dev/null 3>&- &
	else
		timeout -k 5 "$TEST_TIMEOUT" bash "$t" "$UST" >"$log" 2>&1 </dev/null 3>&- &
	fi
	echo "$!" >"$work/$n.pid"
	wait "$!"
	rc=$?
	secs=$(($(date +%s) - start))
	np=$(grep -c '^PASS ' "$log")
	nf=$(grep -c '^FAIL ' "$log")
	ns=$(grep -c '^SKIP ' "$log")
	{
		if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
			# Killed by the timeout or died without a verdict.
			echo "FAIL $(basename "$t" .sh): exit $rc$([ "$rc" -eq 124 ] && echo ", timed out after ${TEST_TIMEOUT}s")"
			nf=1
		fi
		if [ "$nf" -gt 0 ]; then
			grep -E '^(PASS|FAIL|SKIP) ' "$log"
			echo "    --- output of $t ($secs s, exit $rc$([ "$rc" -eq 124 ] && echo ": over the ${TEST_TIMEOUT}s limit")):"
			sed 's/^/    | /' "$log" | tail -n 80
		else
			grep -E '^(PASS|SKIP) ' "$log" | sed "s/\$/ (${secs}s)/"
			[ "$np" -eq 0 ] && [ "$ns" -eq 0 ] &&
				{ echo "FAIL $(basename "$t" .sh): no verdict"; nf=1; }
		fi
	} >"$work/$n.res"
	echo "$np $nf $ns" >"$work/$n.cnt.tmp"
	mv "$work/$n.cnt.tmp" "$work/$n.cnt"
	echo "$n" >&3
}

passed=0 failed=0 skipped=0
if [ "$(id -u)" -ne 0 ]; then
	for t in $TEST_DIR/$PATTERN; do
		[ -f "$t" ] || continue
		echo "SKIP $(basename "$t" .sh | sed "s/^t_//"): needs root (network namespaces and TAP devices)"
		skipped=$((skipped + 1))
	done
elif [ ! -x "$UST" ]; then
	echo "FAIL integration: $UST not built"
	failed=1
else
	if ! unshare --mount --propagation private sh -c "$ISOLATE_SCRIPT" ust-probe true \
		2>/dev/null; then
		echo "run.sh: no private /run/ustack here (unshare --mount failed): one test at a time" >&2
		ISOLATE='' JOBS=1
	fi
	mkfifo "$work/done" || exit 1
	exec 3<>"$work/done"

	# The tests in name order (1..total); the serial ones are started first.
	total=0 first='' rest=''
	for t in $TEST_DIR/$PATTERN; do
		[ -f "$t" ] || continue
		total=$((total + 1))
		eval "file_$total=\$t"
		lk=$(sed -n 's/^# ust: lock \([A-Za-z0-9_.-]*\).*/\1/p' "$t" | head -n 1)
		eval "lock_$total=\$lk"
		if grep -q '^# ust: serial' "$t"; then
			eval "serial_$total=1"
			first="$first $total"
		else
			eval "serial_$total=0"
			rest="$rest $total"
		fi
	done
	pending="$first$rest"
	running=0 serial_on=0 held='' printed=0

	# start_some: starts pending tests while there is room: a serial test only once nothing
	# runs (and nothing after it until it ends), a locked one only while its lock is free.
	start_some()
	{
		left='' blocked=0 s=0 lk=''
		for i in $pending; do
			eval "s=\$serial_$i lk=\$lock_$i"
			if [ "$blocked" -eq 1 ] || [ "$serial_on" -eq 1 ] || [ "$running" -ge "$JOBS" ]; then
				left="$left $i"
				continue
			fi
			if [ "$s" -eq 1 ] && [ "$running" -gt 0 ]; then
				blocked=1 # wait for the running ones to end
				left="$left $i"
				continue
			fi
			if [ -n "$lk" ]; then
				case " $held " in
				*" $lk "*)
					left="$left $i"
					continue
					;;
				esac
			fi
			[ -n "$lk" ] && held="$held $lk"
			[ "$s" -eq 1 ] && serial_on=1
			eval "run_one $i \"\$file_$i\" &"
			eval "job_$i=\$!"
			running=$((running + 1))
		done
		pending=$left
	}

	# finish N: test N ended: frees its slot and lock, prints every result now in order.
	finish()
	{
		s=0 lk='' j=''
		eval "s=\$serial_$1 lk=\$lock_$1 j=\$job_$1"
		wait "$j" 2>/dev/null
		running=$((running - 1))
		[ "$s" -eq 1 ] && serial_on=0
		if [ -n "$lk" ]; then
			nheld=
			for h in $held; do
				[ "$h" = "$lk" ] || nheld="$nheld $h"
			done
			held=$nheld
		fi
		while [ "$printed" -lt "$total" ] && [ -f "$work/$((printed + 1)).cnt" ]; do
			printed=$((printed + 1))
			cat "$work/$printed.res"
			read -r np nf ns <"$work/$printed.cnt"
			passed=$((passed + np))
			failed=$((failed + nf))
			skipped=$((skipped + ns))
		done
	}

	while [ -n "$pending" ] || [ "$running" -gt 0 ]; do
		start_some
		# The next test to end says its number on fd 3. Read by a child and waited for, as
		# only `wait` returns at once for a trapped signal.
		(read -r n <&3 && echo "$n" >"$work/next") &
		reader=$!
		wait "$reader" || break
		reader=
		read -r n <"$work/next" || break
		rm -f "$work/$n.pid"
		finish "$n"
	done
	exec 3<&-
	if [ "$printed" -lt "$total" ]; then
		echo "FAIL integration: the runner lost track of $((total - printed)) test(s)"
		failed=$((failed + total - printed))
	fi
fi

[ -n "${UST_RESULTS:-}" ] && echo "integration $passed $failed $skipped" >>"$UST_RESULTS"
[ -z "${UST_RESULTS:-}" ] && echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
