#!/bin/bash
# SPDX-License-Identifier: MIT
# UDP errors reach a program under `ustack run` (docs/preload.md, preload_udp_err.py): on
# a connected socket the kernel's ICMP port unreachable makes the next send, then the
# next recv, fail with ECONNREFUSED as on Linux, once each; an unconnected socket hears
# nothing; a connected exchange with the kernel's echo server works afterwards. ustack's
# counters show the ICMP errors taken and handed to the program.
. "$(dirname "$0")/lib.sh"
t_begin preload_udp_err "$1"
ns_new NS
DEV=$(dev_spec)
T_CMD_TIMEOUT=60
# every port unreachable the test asks for is sent (no rate limit in this namespace)
in_ns "$NS" sysctl -qw net.ipv4.icmp_ratelimit=0 || fail "cannot lift the ICMP rate limit"
bg_ns "$NS" "$T_TMP/echo.out" "$PY" "$TESTDIR/preload_udp.py" server 7007 1
wait_for 10 grep -q ready "$T_TMP/echo.out" || fail "the kernel's UDP server did not start"
ECHO=$BG_PID
in_ns "$NS" "$UST" run --dev "$DEV" --stats -- "$PY" "$TESTDIR/preload_udp_err.py" \
	"$K_ADDR" 9999 7007 >"$T_TMP/cli.out" 2>"$T_TMP/cli.err"
rc=$?
cat "$T_TMP/cli.out"
UST_ERR=$T_TMP/cli.err
[ "$rc" -eq 0 ] || fail "the client under ustack run: exit $rc: $(tail -n 2 "$T_TMP/cli.out")"
[ "$(grep -c '^ok ' "$T_TMP/cli.out")" -eq 5 ] || fail "want 5 checks: $(cat "$T_TMP/cli.out")"
expect_counter udp.in_icmp_errors -ge 2
expect_counter preload.udp_errors_to_prog -ge 2
stop_pid "$ECHO"
pass
