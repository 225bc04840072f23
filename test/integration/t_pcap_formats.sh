#!/bin/bash
# SPDX-License-Identifier: MIT
# --pcap's two formats, read back by tshark, on one ustack with two TAPs pinged by the
# kernel:
#  1. FILE.pcapng: one file, an interface block per device: tshark names both devices
#     (frame.interface_name), each ping's frames on its own device, in and out marked
#     (epb_flags direction), nanosecond timestamps;
#  2. FILE.pcap: one file per device (FILE-DEV.pcap for the second), each with the
#     nanosecond magic 0xa1b23c4d; tshark prints 9 decimals of every frame's time, and
#     digits below the microsecond that are not all zero.
. "$(dirname "$0")/lib.sh"
t_begin pcap_formats "$1"
need_cmd tshark od
ns_new NS
DEVS=(--dev "$(dev_spec ustap0 10.0.0.2 10.0.0.1)" --dev "$(dev_spec ustap1 10.0.1.2 10.0.1.1)")

# run_pings FILE: serve on both TAPs capturing to FILE while the kernel pings each.
run_pings()
{
	ust_start "$NS" serve "${DEVS[@]}" --stats --pcap "$1"
	wait_for 10 host_configured "$NS" ustap1 10.0.1.1 || fail "ustap1 not configured"
	in_ns "$NS" ping -n -c 3 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "ping 10.0.0.2 failed"
	in_ns "$NS" ping -n -c 4 -i 0.2 -W 2 10.0.1.2 >/dev/null || fail "ping 10.0.1.2 failed"
	ust_stop
}

# tcount FILE FILTER: frames of FILE that a tshark display filter matches.
tcount()
{
	timeout 30 tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# 1. pcapng
NG=$T_TMP/all.pcapng
run_pings "$NG"
[ -s "$NG" ] || fail "no pcapng file written"
[ ! -e "$T_TMP/all-ustap1.pcapng" ] || fail "pcapng wrote a second file"
names=$(timeout 30 tshark -r "$NG" -T fields -e frame.interface_name 2>/dev/null | sort -u |
	tr '\n' ' ')
echo "pcapng interfaces: $names"
[ "$names" = "ustap0 ustap1 " ] || fail "interface names in the pcapng: '$names'"
n0=$(tcount "$NG" 'frame.interface_name == "ustap0" && icmp.type == 8 && ip.dst == 10.0.0.2')
n1=$(tcount "$NG" 'frame.interface_name == "ustap1" && icmp.type == 8 && ip.dst == 10.0.1.2')
x=$(tcount "$NG" 'frame.interface_name == "ustap0" && ip.addr == 10.0.1.2')
echo "pcapng: $n0 echo requests on ustap0, $n1 on ustap1, $x misplaced"
[ "$n0" -eq 3 ] && [ "$n1" -eq 4 ] && [ "$x" -eq 0 ] ||
	fail "pings on the wrong interface in the pcapng ($n0/3 on ustap0, $n1/4 on ustap1, $x misplaced)"
rin=$(tcount "$NG" 'icmp.type == 8 && frame.packet_flags_direction == 1')
rout=$(tcount "$NG" 'icmp.type == 0 && frame.packet_flags_direction == 2')
[ "$rin" -eq 7 ] && [ "$rout" -eq 7 ] ||
	fail "directions: $rin of 7 requests inbound, $rout of 7 replies outbound"
tsres=$(timeout 30 tshark -r "$NG" -T fields -e frame.time_epoch 2>/dev/null | head -n 1)
echo "$tsres" | grep -qE '^[0-9]+\.[0-9]{9}$' || fail "pcapng frame time '$tsres'"

# 2. pcap, nanoseconds, one file per device
P=$T_TMP/ns.pcap
run_pings "$P"
for f in "$P" "$T_TMP/ns-ustap1.pcap"; do
	[ -s "$f" ] || fail "$(basename "$f") not written"
	magic=$(od -An -tx4 -N4 "$f" | tr -d ' ')
	[ "$magic" = a1b23c4d ] || fail "$(basename "$f"): magic $magic, want a1b23c4d (nanoseconds)"
done
[ "$(tcount "$T_TMP/ns-ustap1.pcap" 'icmp.type == 8')" -eq 4 ] ||
	fail "ns-ustap1.pcap does not hold ustap1's 4 echo requests"
times=$(timeout 30 tshark -r "$P" -T fields -e frame.time_epoch 2>/dev/null)
total=$(echo "$times" | grep -c .)
nine=$(echo "$times" | grep -cE '^[0-9]+\.[0-9]{9}$')
subus=$(echo "$times" | grep -cvE '000$')
echo "ns.pcap: $total frames, $nine with 9 decimals, $subus with sub-microsecond digits"
echo "$times" | head -n 3
[ "$total" -ge 8 ] || fail "ns.pcap: only $total frames"
[ "$nine" -eq "$total" ] || fail "ns.pcap: $nine of $total frame times have 9 decimals"
[ "$subus" -ge 1 ] || fail "ns.pcap: no frame time has digits below the microsecond"
pass
