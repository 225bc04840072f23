#!/bin/bash
# SPDX-License-Identifier: MIT
# Every IPv4, UDP and ICMP checksum in ustack's --pcap capture is right, by tshark's
# own verification (after ping, fragmented ping, arping, UDP echo and a port unreachable).
# The same filter must catch deliberately corrupted checksums in a copy of the capture.
. "$(dirname "$0")/lib.sh"
t_begin pcap_checksums "$1"
ns_new NS
PCAP=$T_TMP/ustack.pcap
ust_serve "$NS" --serve udp-echo --pcap "$PCAP"

in_ns "$NS" ping -n -c 3 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed"
in_ns "$NS" ping -n -c 2 -i 0.2 -s 4000 -W 2 "$US_ADDR" >/dev/null || fail "ping -s 4000 failed"
in_ns "$NS" arping -c 1 -w 2 -i "$TAPIF" "$US_ADDR" >/dev/null || fail "arping failed"
in_ns "$NS" "$PY" "$TESTDIR/udp_echo_client.py" "$US_ADDR" 7 --random 4 >/dev/null ||
	fail "udp echo failed"
in_ns "$NS" "$PY" "$TESTDIR/udp_unreach.py" "$US_ADDR" 9999 >/dev/null ||
	fail "no port unreachable"
ust_stop

[ -s "$PCAP" ] || fail "no pcap file written"
total=$(timeout 30 tshark -r "$PCAP" 2>/dev/null | wc -l)
from_us=$(timeout 30 tshark -r "$PCAP" -Y "ip.src==$US_ADDR" 2>/dev/null | wc -l)
echo "$total frames in the capture, $from_us sent by ustack"
[ "$total" -ge 60 ] || fail "only $total frames in the capture"
[ "$from_us" -ge 30 ] || fail "only $from_us frames from ustack in the capture"
[ "$(timeout 30 tshark -r "$PCAP" -Y 'arp.opcode==2' 2>/dev/null | wc -l)" -ge 1 ] ||
	fail "no ARP reply in the capture"

bad=$(pcap_bad_checksums "$PCAP")
[ -z "$bad" ] || fail "bad checksums in ustack's capture: $(echo "$bad" | head -n 5)"

# The filter itself: corrupt three checksums in a copy; all three must be reported.
n=$("$PY" "$TESTDIR/pcap_corrupt.py" "$PCAP" "$T_TMP/corrupt.pcap" 2>/dev/null)
[ "$n" = 3 ] || fail "could not corrupt the test copy ($n)"
nbad=$(pcap_bad_checksums "$T_TMP/corrupt.pcap" | wc -l)
[ "$nbad" -ge 3 ] || fail "the checksum filter found $nbad of 3 corrupted checksums"
pass
