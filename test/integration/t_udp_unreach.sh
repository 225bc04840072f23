#!/bin/bash
# SPDX-License-Identifier: MIT
# A datagram to a closed UDP port gets an ICMP port unreachable (the kernel's connected
# socket reports ECONNREFUSED); an open port in the same run still echoes.
. "$(dirname "$0")/lib.sh"
t_begin udp_unreach "$1"
ns_new NS
ust_serve "$NS" --serve udp-echo --pcap "$T_TMP/u.pcap"

out=$(in_ns "$NS" "$PY" "$TESTDIR/udp_unreach.py" "$US_ADDR" 9999 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "$out"
ust_stop
expect_counter udp.no_port -ge 1
expect_counter icmp.out_dest_unreach -ge 1
# The error quotes the offending datagram: type 3 code 3 in the capture.
n=$(timeout 30 tshark -r "$T_TMP/u.pcap" -Y 'icmp.type==3 && icmp.code==3 && udp.dstport==9999' 2>/dev/null | wc -l)
[ "$n" -ge 1 ] || fail "no port-unreachable quoting port 9999 in the pcap"
pass
