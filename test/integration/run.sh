#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test/integration/t_*.sh (sorted, one at a time) against a ustack binary and
# prints their PASS/FAIL/SKIP lines, then "N passed, M failed, K skipped". Needs root: run
# without it, every test is counted as skipped.
#   test/integration/run.sh build/ustack [PATTERN]
# PATTERN (a shell glob on the file name, e.g. 't_udp*') picks a subset. TEST_DIR names
# another folder of tests written the same way (make vm-test: test/vm). A test's full
# output is shown when it fails. A test that cannot run here (a tool missing) calls lib.sh's
# skip and is counted as skipped, never passed. If UST_RESULTS names a file,
# "integration P F S" is appended.
set -u
cd "$(dirname "$0")/../.." || exit 1
UST=${1:-build/ustack}
PATTERN=${2:-t_*.sh}
TEST_TIMEOUT=${TEST_TIMEOUT:-150}
TEST_DIR=${TEST_DIR:-test/integration}

log=$(mktemp "${TMPDIR:-/tmp}/ust-itest.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT INT TERM

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
	for t in $TEST_DIR/$PATTERN; do
		[ -f "$t" ] || continue
		start=$(date +%s)
		timeout -k 5 "$TEST_TIMEOUT" bash "$t" "$UST" >"$log" 2>&1 </dev/null
		rc=$?
		secs=$(( $(date +%s) - start ))
		np=$(grep -c '^PASS ' "$log")
		nf=$(grep -c '^FAIL ' "$log")
		ns=$(grep -c '^SKIP ' "$log")
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
		passed=$((passed + np))
		failed=$((failed + nf))
		skipped=$((skipped + ns))
	done
fi

[ -n "${UST_RESULTS:-}" ] && echo "integration $passed $failed $skipped" >>"$UST_RESULTS"
[ -z "${UST_RESULTS:-}" ] && echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
