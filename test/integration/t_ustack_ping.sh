#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack ping` against the kernel: ustack sends the echo requests (plain and fragmented)
# and must see every reply.
. "$(dirname "$0")/lib.sh"
t_begin ustack_ping "$1"
ns_new NS

for size in 56 3000; do
	out=$(T_CMD_TIMEOUT=30 in_ns "$NS" "$UST" ping --dev "$(dev_spec)" --stats \
		-c 3 -i 0.2 -W 2 -s $size "$K_ADDR" 2>"$T_TMP/ping.err")
	rc=$?
	UST_ERR=$T_TMP/ping.err
	echo "$out"
	[ "$rc" -eq 0 ] || fail "ustack ping -s $size exited $rc (want 0)"
	grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$UST_ERR" &&
		fail "sanitizer report from ustack ping"
	n=$(echo "$out" | grep -c "^$((size + 8)) bytes from $K_ADDR: icmp_seq=")
	[ "$n" -eq 3 ] || fail "ustack ping -s $size: $n replies of $((size + 8)) bytes printed, want 3"
	echo "$out" | grep -q '^3 packets transmitted, 3 received' ||
		fail "ustack ping -s $size: $(echo "$out" | grep transmitted)"
	expect_counter icmp.in_echo_reply -ge 3
	expect_counter icmp.out_echo -ge 3
	if [ $size -gt 1472 ]; then
		expect_counter ip.out_frag_creates -ge 6
		expect_counter ip.reasm_oks -ge 3
	fi
done
pass
