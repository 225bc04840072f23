#!/bin/bash
# SPDX-License-Identifier: MIT
# arping from the kernel's side of the TAP: ustack answers every ARP request.
. "$(dirname "$0")/lib.sh"
t_begin arping "$1"
ns_new NS
ust_serve "$NS" --serve udp-echo

# Thomas Habets' arping (Debian's "arping"): -i interface, -c count, -w deadline for the whole run.
out=$(in_ns "$NS" arping -c 3 -w 10 -i "$TAPIF" "$US_ADDR" 2>&1)
rc=$?
echo "$out" | tail -n 3
[ "$rc" -eq 0 ] || fail "arping exited $rc"
echo "$out" | grep -q '3 packets transmitted, 3 packets received' ||
	fail "arping: $(echo "$out" | grep 'transmitted')"
ust_stop
expect_counter arp.rx_request -ge 3
expect_counter arp.tx_reply -ge 3
pass
