#!/bin/bash
# SPDX-License-Identifier: MIT
# UDP echo of datagrams from 1 to 8,000 bytes (fragmented above 1,472) through a kernel
# UDP socket, compared byte by byte.
. "$(dirname "$0")/lib.sh"
t_begin udp_echo "$1"
ns_new NS
ust_serve "$NS" --serve udp-echo

out=$(in_ns "$NS" "$PY" "$TESTDIR/udp_echo_client.py" "$US_ADDR" 7 --random 24 --seed $$ 2>&1)
rc=$?
echo "$out" | tail -n 10
[ "$rc" -eq 0 ] || fail "udp echo: $(echo "$out" | head -n 3 | tr '\n' ';')"
ust_stop
expect_counter udp.in_datagrams -ge 40
expect_counter udp.out_datagrams -ge 40
expect_counter udp.in_bad_cksum -eq 0
expect_counter ip.reasm_oks -ge 10
pass
