#!/bin/bash
# SPDX-License-Identifier: MIT
# iperf (version 2) client against ustack's `sink` for 3 s: iperf reports a transfer, and
# the byte count sink prints when the connection ends equals what iperf sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_iperf "$1"
ns_new NS
ust_serve "$NS" --serve sink

out=$(T_CMD_TIMEOUT=30 in_ns "$NS" iperf -c "$US_ADDR" -p 5001 -t 3 -y C 2>&1)
rc=$?
echo "iperf: $out"
[ "$rc" -eq 0 ] || fail "iperf exited $rc: $out"
line=$(echo "$out" | grep -E '^[0-9]+,' | tail -n 1)
sent=$(echo "$line" | cut -d, -f8)
[ -n "$sent" ] && [ "$sent" -gt 0 ] 2>/dev/null || fail "no transfer in iperf's report: $out"
# sink reports when it sees the connection close.
wait_for 5 grep -q 'sink: .* sent [0-9]* bytes' "$UST_ERR" || fail "sink printed no byte count"
grep 'sink:' "$UST_ERR"
got=$(sed -n 's/.*sink: .* sent \([0-9]*\) bytes.*/\1/p' "$UST_ERR" | tail -n 1)
[ "$got" = "$sent" ] || fail "sink received $got bytes, iperf reports $sent sent"
ust_alive || fail "ustack exited during the run"
ust_stop
expect_counter tcp.rcv_in_order_bytes -ge "$sent"
pass
