#!/bin/bash
# SPDX-License-Identifier: MIT
# What a user meets when something is wrong: exactly one line on stderr saying what is wrong
# and what to do, and the exit code of the contract (2 usage, 1 runtime): not root, no
# /dev/net/tun, a device name in use, the same device twice, options before the subcommand,
# bad options, and ustack run's (no program, --attach misused, not root: the program
# does not run).
. "$(dirname "$0")/lib.sh"
t_begin cli_errors "$1"

# expect CODE PATTERN CMD...: CMD exits CODE with one stderr line matching PATTERN.
expect()
{
	local code=$1 pat=$2 rc lines
	shift 2
	timeout 10 "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	rc=$?
	lines=$(wc -l <"$T_TMP/err")
	[ "$rc" -eq "$code" ] || fail "'$*' exited $rc, want $code: $(cat "$T_TMP/err")"
	[ "$lines" -eq 1 ] || fail "'$*' printed $lines lines on stderr, want 1: $(cat "$T_TMP/err")"
	grep -qE "$pat" "$T_TMP/err" || fail "'$*' said '$(cat "$T_TMP/err")', want /$pat/"
}

ns_new NS
DEV="tap:ustap9,addr=10.0.0.2/24"
expect 2 'no subcommand' "$UST"
expect 2 'unknown|unrecognized|invalid' "$UST" serve --dev "$DEV" --bogus
expect 2 'needs a prefix' "$UST" serve --dev tap:ustap9,addr=10.0.0.2
expect 2 'dev.*required|--dev' "$UST" ping 10.0.0.1
expect 2 'whole number' "$UST" ping --dev "$DEV" -c abc 10.0.0.1
expect 2 "belongs to 'ustack serve'" "$UST" nc --dev "$DEV" --serve echo 10.0.0.1 7
expect 2 "option '-f' belongs to 'ustack ping'" "$UST" serve --dev "$DEV" -f
expect 2 "option '-z' belongs to 'ustack nc'" "$UST" ping --dev "$DEV" -z 10.0.0.1
expect 2 'ustack: -t .0.: give a whole number from 1 to 255' "$UST" ping --dev "$DEV" -t 0 10.0.0.1
expect 2 'no such device' ip netns exec "$NS" "$UST" ping --dev "$DEV" -I nosuch0 10.0.0.1
expect 2 'nc: -k keeps a listener listening: add -l' "$UST" nc --dev "$DEV" -k 10.0.0.1 7
expect 2 'nc: -z scans TCP ports as a client: drop -l' "$UST" nc --dev "$DEV" -z -l 7
expect 2 "bad port range '30-20'" ip netns exec "$NS" "$UST" nc --dev "$DEV" -z 10.0.0.1 30-20
expect 2 "cc 'reno'.*unknown.*cubic, newreno" "$UST" get --dev "$DEV" --cc reno http://10.0.0.1/
expect 2 "ustack: --dhcp 'probe=3': no such setting \(--dhcp help lists them\)" "$UST" serve \
	--dev "$DEV" --dhcp probe=3
expect 2 "ustack: --dhcp 'probe_num=11': give NAME=NUMBER within the range --dhcp help shows" \
	"$UST" serve --dev "$DEV" --dhcp probe_wait_ms=10,probe_num=11
expect 2 "ustack: --dhcp 'probe_max_ms=500'" "$UST" serve --dev "$DEV" --dhcp probe_min_ms=600,probe_max_ms=500
# options before the subcommand: a hint with the command line as it should be (in the
# namespace, so that a regression cannot touch the host's devices)
expect 2 'options go after the subcommand: ustack serve --trace \.\.\.$' \
	ip netns exec "$NS" "$UST" --trace serve --dev "$DEV"
expect 2 'options go after the subcommand: ustack get -v --timeout 3 \.\.\.$' \
	ip netns exec "$NS" "$UST" -v --timeout 3 get --dev "$DEV" http://10.0.0.1/
# the same device twice is a usage error before any device is opened, whatever its kind
expect 2 "'ustap9' is given twice" ip netns exec "$NS" "$UST" serve --dev "$DEV" \
	--dev "tap:ustap9,addr=10.0.1.2/24"
expect 2 "'ustap9' is given twice" ip netns exec "$NS" "$UST" ping --dev "$DEV" \
	--dev "packet:ustap9" 10.0.0.1
ip -n "$NS" link show ustap9 >/dev/null 2>&1 && fail "a usage error left ustap9 behind"
# a short option of another subcommand is named as such
expect 2 "option '-c' belongs to 'ustack ping'" "$UST" nc --dev "$DEV" -c 3 10.0.0.1 7
expect 1 'CAP_NET_ADMIN.*root' ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$UST" serve --dev "$DEV"
expect 1 'modprobe tun' ip netns exec "$NS" unshare -m sh -c \
	"mount -t tmpfs none /dev/net && exec $UST serve --dev $DEV"
# ustack run: no program; --attach with devices, or to a name no stack serves; not root:
# the program does not run
expect 2 'run: give the PROGRAM' "$UST" run --dev "$DEV"
expect 2 'drop --dev' "$UST" run --attach web --dev "$DEV" -- true
expect 1 "run --attach none$$: no stack serves that name" "$UST" run --attach "none$$" -- true
expect 1 'CAP_NET_ADMIN.*root' ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$UST" run --dev "$DEV" -- touch "/tmp/ust-cli-ran-$$"
if [ -e "/tmp/ust-cli-ran-$$" ]; then
	rm -f "/tmp/ust-cli-ran-$$"
	fail "ustack run ran the program although the stack could not start"
fi

# a name in use: a second ustack on the same TAP name in the same namespace
ust_start "$NS" serve --dev "tap:ustap9,addr=10.0.0.2/24"
expect 1 'in use' ip netns exec "$NS" "$UST" serve --dev "tap:ustap9,addr=10.0.0.3/24"
ust_stop
pass
