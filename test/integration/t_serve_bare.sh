#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack serve` with no --serve is a bare host (--serve is optional: a router with
# --forward needs no service): it answers ping, refuses TCP with a RST and UDP with a port
# unreachable, and stops cleanly on SIGTERM.
. "$(dirname "$0")/lib.sh"
t_begin serve_bare "$1"
ns_new NS
ust_serve "$NS"
grep -q "serving no service" "$UST_ERR" || fail "no ready line: $(tail -n 2 "$UST_ERR")"
in_ns "$NS" ping -c 3 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "no ping reply"
timeout 10 ip netns exec "$NS" curl -s -o /dev/null "http://$US_ADDR/"
rc=$?
[ "$rc" -eq 7 ] || fail "curl to a bare host exited $rc, want 7 (connection refused)"
ust_stop
expect_counter icmp.out_echo_reply -ge 3
expect_counter tcp.snd_rst -ge 1
pass
