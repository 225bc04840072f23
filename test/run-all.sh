#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole suite: unit tests, the include-order check (test/check_layers.sh, one test),
# then integration tests (root), then one summary line "N passed, M failed, K skipped" (a
# test that could not run here is skipped, not passed).
# Exits non-zero if anything failed.
#   test/run-all.sh BUILD_DIR        (build or build/san)
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}

: "${ASAN_OPTIONS:=detect_leaks=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

UST_RESULTS=$(mktemp "${TMPDIR:-/tmp}/ust-results.XXXXXX") || exit 1
export UST_RESULTS
trap 'rm -f "$UST_RESULTS"' EXIT INT TERM

echo "== unit tests ($BUILD)"
# The binaries of the sources that exist (a stale binary of a removed test is skipped).
bins=""
for src in test/unit/test_*.c; do
	[ -f "$src" ] || continue
	bins="$bins $BUILD/test/$(basename "$src" .c)"
done
# shellcheck disable=SC2086
sh test/run-unit.sh $bins

echo "== layer check"
sh test/check_layers.sh

echo "== integration tests ($BUILD/ustack)"
sh test/integration/run.sh "$BUILD/ustack"

passed=0 failed=0 skipped=0
while read -r _ p f s; do
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
done <"$UST_RESULTS"
# A runner that died before writing its results still counts as a failure.
[ "$(wc -l <"$UST_RESULTS")" -lt 3 ] && failed=$((failed + 1))

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
