#!/bin/bash
# SPDX-License-Identifier: MIT
# malformed.py's barrage of a few thousand malformed frames sent from the kernel's end of
# a veth to ustack on the other end over PF_PACKET: ustack keeps serving, and each kind of
# garbage raises its own drop counter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/malformed_lib.sh"
t_begin packet_malformed "$1"
ns_new NS
US=10.76.0.2
K=10.76.0.1
MAC=02:00:00:76:00:02
ip -n "$NS" link add ustpm0 type veth peer name ustpm1 || fail "cannot create the veth pair"
ip -n "$NS" addr add "$K/24" dev ustpm1 && ip -n "$NS" link set ustpm1 up || fail "cannot configure ustpm1"
ust_start "$NS" serve --dev "packet:ustpm0,addr=$US/24,mac=$MAC" --stats --serve udp-echo
in_ns "$NS" ping -n -c 2 -i 0.2 -W 2 "$US" >/dev/null || fail "ping failed before the barrage"

mf_barrage "$NS" 2000 malformed.py ustpm1 "$MAC" "$US" "$K"
mf_still_serving "$NS" "$US"
ust_stop

mf_counters_rose ether.rx_not_for_us \
	ip.in_hdr_short ip.in_hdr_version ip.in_hdr_ihl ip.in_hdr_totlen ip.in_hdr_cksum \
	ip.in_martian_src ip.in_not_for_us ip.in_unknown_proto ip.reasm_overlap \
	icmp.in_short icmp.in_cksum udp.in_short udp.in_bad_len udp.in_bad_cksum \
	arp.rx_short arp.rx_bad_format arp.rx_bad_op
pass
