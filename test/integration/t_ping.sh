#!/bin/bash
# SPDX-License-Identifier: MIT
# 200 kernel pings at 5 ms intervals to ustack over a TAP: every one answered.
. "$(dirname "$0")/lib.sh"
t_begin ping "$1"
ns_new NS
ust_serve "$NS" --serve udp-echo

out=$(in_ns "$NS" ping -n -c 200 -i 0.005 -W 2 -w 30 "$US_ADDR" 2>&1)
echo "$out" | tail -n 3
echo "$out" | grep -q '200 packets transmitted, 200 received, 0% packet loss' ||
	fail "ping -c 200 -i 0.005: $(echo "$out" | grep 'packets transmitted')"
ust_alive || fail "ustack died"
ust_stop
expect_counter icmp.in_echo -ge 200
expect_counter icmp.out_echo_reply -ge 200
expect_counter ip.in_delivers -ge 200
pass
