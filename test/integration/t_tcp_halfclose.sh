#!/bin/bash
# SPDX-License-Identifier: MIT
# Half-close from the peer's side: a kernel `nc -N -l` with nothing to say sends its FIN
# at once; `ustack nc` must still deliver all of its stdin (a file: all of it is ready; RFC
# 9293 3.6: a half-closed connection carries data the other way), then its own FIN, and
# must not exit before the last byte is acknowledged (the stack lives in the process:
# --drain). Also `--timeout` bounds nc's connect.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_halfclose "$1"
SIZE=$((4 * 1024 * 1024))

ns_new NS
rand_file "$T_TMP/u.in" $SIZE
: >"$T_TMP/empty"
BG_STDIN=$T_TMP/empty bg_ns "$NS" "$T_TMP/k.out" nc -N -l 5001
KNC=$BG_PID
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5001' | grep -q 5001" ||
	fail "kernel nc -l is not listening on 5001"
UST_TIMEOUT=60 UST_STDIN=$T_TMP/u.in ust_start "$NS" nc --dev "$(dev_spec)" "$K_ADDR" 5001
ust_wait_exit 30 || fail "ustack nc still running 30 s after start"
rc=$UST_STATUS
[ "$rc" -eq 0 ] || fail "ustack nc exited $rc"
pid_wait_exit "$KNC" 10 || fail "kernel nc -l still running: ustack's FIN never came"
wait "$KNC"
[ "$(sha "$T_TMP/k.out")" = "$(sha "$T_TMP/u.in")" ] ||
	fail "kernel received $(stat -c %s "$T_TMP/k.out") of $SIZE bytes after its own FIN"
echo "ustack nc -> half-closed kernel nc: 4 MB byte-exact, then FIN"

# --timeout: a connect to an address nobody answers ends within about that time
start=$(date +%s)
UST_TIMEOUT=30 ust_start "$NS" nc --dev "$(dev_spec)" --timeout 2 10.0.0.77 5001
ust_wait_exit 15 || fail "ustack nc --timeout 2 still running after 15 s"
rc=$UST_STATUS
[ "$rc" -eq 1 ] || fail "ustack nc --timeout 2 exited $rc, want 1"
el=$(( $(date +%s) - start ))
[ "$el" -le 10 ] || fail "ustack nc --timeout 2 took ${el}s"
echo "ustack nc --timeout 2 to a silent address: exit 1 after ${el}s"
pass
