#!/bin/bash
# SPDX-License-Identifier: MIT
# ping -s 6000: the request arrives in 5 fragments that ustack reassembles, and the
# reply leaves ustack in fragments that the kernel reassembles.
. "$(dirname "$0")/lib.sh"
t_begin ping_frag "$1"
ns_new NS
ust_serve "$NS" --serve udp-echo

out=$(in_ns "$NS" ping -n -c 5 -i 0.2 -s 6000 -W 2 -w 20 "$US_ADDR" 2>&1)
echo "$out" | tail -n 3
echo "$out" | grep -q '5 packets transmitted, 5 received' ||
	fail "ping -s 6000: $(echo "$out" | grep 'packets transmitted')"
echo "$out" | grep -q '^6008 bytes from' || fail "no 6008-byte echo reply"
ust_stop
expect_counter ip.reasm_reqds -ge 25      # 5 requests x 5 fragments
expect_counter ip.reasm_oks -ge 5
expect_counter ip.reasm_fails -eq 0
expect_counter ip.out_frag_oks -ge 5
expect_counter ip.out_frag_creates -ge 25
expect_counter icmp.out_echo_reply -ge 5
pass
