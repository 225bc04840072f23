#!/bin/bash
# SPDX-License-Identifier: MIT
# A barrage of a few thousand malformed frames (malformed.py) from the kernel's side of
# the TAP: ustack keeps serving (alive, pings answered, UDP echo intact) and counts each
# kind of garbage under its own drop counter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/malformed_lib.sh"
t_begin malformed "$1"
ns_new NS
ust_serve "$NS" --serve udp-echo

in_ns "$NS" ping -n -c 2 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed before the barrage"
MAC=$(us_mac "$NS")
[ -n "$MAC" ] || fail "the kernel did not learn ustack's MAC address"

mf_barrage "$NS" 2000 malformed.py "$TAPIF" "$MAC" "$US_ADDR" "$K_ADDR"
mf_still_serving "$NS" "$US_ADDR"
ust_stop

mf_counters_rose ether.rx_not_for_us \
	ip.in_hdr_short ip.in_hdr_version ip.in_hdr_ihl ip.in_hdr_totlen ip.in_hdr_cksum \
	ip.in_martian_src ip.in_not_for_us ip.in_unknown_proto ip.reasm_overlap \
	icmp.in_short icmp.in_cksum \
	udp.in_short udp.in_bad_len udp.in_bad_cksum \
	arp.rx_short arp.rx_bad_format arp.rx_bad_op
pass
