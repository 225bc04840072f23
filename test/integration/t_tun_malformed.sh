#!/bin/bash
# SPDX-License-Identifier: MIT
# A barrage of malformed IP packets written into a TUN from the kernel's side
# (tun_malformed.py: a packet socket on the tun, so nothing in the kernel's IP layer
# repairs them): ustack keeps serving over the TUN, and each kind of garbage raises its
# own drop counter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/malformed_lib.sh"
t_begin tun_malformed "$1"
ns_new NS
US=10.75.0.2
K=10.75.0.1
ust_start "$NS" serve --dev "tun:ustmf0,addr=$US/32,host=$K" --stats --serve udp-echo
wait_for 5 ip -n "$NS" -o addr show dev ustmf0 || fail "tun not configured"
in_ns "$NS" ping -n -c 2 -i 0.2 -W 2 "$US" >/dev/null || fail "ping failed before the barrage"

mf_barrage "$NS" 1500 tun_malformed.py ustmf0 "$US" "$K"
mf_still_serving "$NS" "$US"
ust_stop

# No ethertype on a TUN: a packet whose version nibble is neither 4 nor 6 is not IP for
# the link layer (netproto.rx_unknown_ethertype) and never reaches ip.in_hdr_version.
mf_counters_rose netproto.rx_unknown_ethertype \
	ip.in_hdr_short ip.in_hdr_ihl ip.in_hdr_totlen ip.in_hdr_cksum \
	ip.in_martian_src ip.in_not_for_us ip.in_unknown_proto ip.reasm_overlap \
	icmp.in_short icmp.in_cksum udp.in_short udp.in_bad_len udp.in_bad_cksum
pass
