#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each cmocka unit-test binary given as an argument (from the repository root, where
# the tests find test/data), prints one PASS/FAIL/SKIP line per binary and a summary line
# "N passed, M failed, K skipped".
#   test/run-unit.sh build/test/test_ip build/test/test_arp ...
# A binary fails when any of its cases fails, when it crashes, or when a sanitizer reports
# (leaks included). One whose cases all passed except some that called cmocka's skip() (not
# root, say) is counted as skipped, never as passed: the SKIP line names the skipped cases.
# If UST_RESULTS names a file, "unit PASSED FAILED SKIPPED" is appended to it.
set -u
cd "$(dirname "$0")/.." || exit 1

: "${ASAN_OPTIONS:=detect_leaks=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
log=$(mktemp "${TMPDIR:-/tmp}/ust-unit.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT INT TERM

passed=0 failed=0 skipped=0
for bin in "$@"; do
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "FAIL unit/$name: not built"
		failed=$((failed + 1))
		continue
	fi
	timeout -k 5 "$UNIT_TIMEOUT" "$bin" >"$log" 2>&1 </dev/null
	rc=$?
	# cmocka: "[  PASSED  ] N test(s).", "[  FAILED  ] N test(s), listed below:" and
	# "[  SKIPPED ] N test(s), listed below:" then one "[  SKIPPED ] name" per case
	np=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	nf=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	ns=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	np=${np:-0} nf=${nf:-0} ns=${ns:-0}
	san=$(grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log")
	if [ "$rc" -eq 0 ] && [ "$nf" -eq 0 ] && [ "$san" -eq 0 ] && [ "$ns" -gt 0 ]; then
		cases=$(sed -n 's/^\[  SKIPPED \] \([a-zA-Z_][a-zA-Z0-9_]*\)$/\1/p' "$log" |
			sort -u | tr '\n' ' ')
		echo "SKIP unit/$name ($ns of $((np + ns)) cases skipped: ${cases% }; $np passed)"
		skipped=$((skipped + 1))
	elif [ "$rc" -eq 0 ] && [ "$nf" -eq 0 ] && [ "$san" -eq 0 ] && [ "$np" -gt 0 ]; then
		echo "PASS unit/$name ($np cases)"
		passed=$((passed + 1))
	else
		why="exit $rc"
		[ "$rc" -eq 124 ] && why="timed out after ${UNIT_TIMEOUT}s"
		[ "$nf" -gt 0 ] && why="$nf of $((np + nf)) cases failed"
		[ "$san" -gt 0 ] && why="$why, sanitizer report"
		[ "$np" -eq 0 ] && [ "$nf" -eq 0 ] && why="$why, no cmocka summary"
		echo "FAIL unit/$name: $why"
		sed 's/^/    | /' "$log" | tail -n 60
		failed=$((failed + 1))
	fi
done

[ -n "${UST_RESULTS:-}" ] && echo "unit $passed $failed $skipped" >>"$UST_RESULTS"
if [ -z "${UST_RESULTS:-}" ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
fi
[ "$failed" -eq 0 ]
