#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 fragments and the path MTU over a TAP:
#  1. ping -6 -s 6000 from the kernel: ustack reassembles the five fragments and its
#     6008-byte reply leaves in fragments for the 1500-byte MTU, which the kernel
#     reassembles.
#  2. A kernel router with a 1400-byte link behind it (namespace R: forwarding, proxy ND
#     for the far host on the TAP; namespace F: the far host): F pings ustack with
#     -s 1400; ustack's first 1448-byte reply is too big for the link, the router answers
#     with packet too big (MTU 1400), and ustack's next replies to F leave in fragments
#     of at most 1400 bytes, as its --pcap shows (--trace names the fragment headers and
#     the packet too big).
#  3. A scapy barrage of bad fragments (overlapping, past 65535, tiny, a first fragment
#     without its header chain, duplicates, 200 packets that never complete), each kind
#     counted, after which ustack still answers ping -6, with 6000 bytes too.
. "$(dirname "$0")/lib.sh"
t_begin ipv6_frag "$1"
need_cmd ping
need_cmd tcpdump
"$PY" -c 'import scapy' 2>/dev/null || skip "python3 scapy not installed"
ns_new R
ns_new F
in_ns "$R" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
in_ns "$F" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
# ustack's prefix is a /32, so F's 2001:db8:1::2 counts as on-link for it (ustack has no
# routes yet): R answers its solicitations for F by proxy ND and forwards.
ust_start "$R" serve --dev "$(dev_spec),addr6=2001:db8::2/32" --stats --serve udp-echo \
	--pcap "$T_TMP/us.pcap" --trace ip6
in_ns "$R" ip addr add 2001:db8::1/64 dev "$TAPIF" nodad || fail "cannot add 2001:db8::1"
ip link add ufr0 mtu 1400 netns "$R" type veth peer name uff0 mtu 1400 netns "$F" ||
	fail "cannot make the veth pair"
ip -n "$R" addr add 2001:db8:1::1/64 dev ufr0 nodad
ip -n "$F" addr add 2001:db8:1::2/64 dev uff0 nodad
ip -n "$R" link set ufr0 up
ip -n "$F" link set uff0 up
ip -n "$F" -6 route add default via 2001:db8:1::1 dev uff0 || fail "no default route in F"
in_ns "$R" sysctl -qw net.ipv6.conf.all.forwarding=1 "net.ipv6.conf.$TAPIF.proxy_ndp=1" ||
	fail "cannot turn on forwarding and proxy ND in R"
ip -n "$R" -6 neigh add proxy 2001:db8:1::2 dev "$TAPIF" || fail "cannot add the proxy entry"

# 1. 6000 bytes both ways
out=$(in_ns "$R" ping -6 -n -c 5 -i 0.2 -s 6000 -W 2 -w 20 2001:db8::2 2>&1)
echo "$out" | tail -n 3
echo "$out" | grep -q '5 packets transmitted, 5 received' ||
	fail "ping -6 -s 6000: $(echo "$out" | grep 'packets transmitted')"
echo "$out" | grep -q '^6008 bytes from' || fail "no 6008-byte echo reply"

# 2. packet too big from the router: the first reply is lost, the next ones fragmented
wait_for 5 ip netns exec "$F" ping -6 -n -c 1 -W 1 2001:db8::2 ||
	fail "F cannot reach ustack through R"
out=$(in_ns "$F" ping -6 -n -c 6 -i 0.3 -s 1400 -W 2 2001:db8::2 2>&1)
echo "$out" | tail -n 3
rcvd=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ "${rcvd:-0}" -ge 5 ] || fail "ping -6 -s 1400 through R: $(echo "$out" | grep 'transmitted')"
ust_alive || fail "ustack died"

# 3. the barrage, then ping -6 again (small and fragmented)
us_mac6=$(ip -n "$R" -6 neigh show 2001:db8::2 dev "$TAPIF" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
[ -n "$us_mac6" ] || fail "the kernel has no neighbour entry for 2001:db8::2"
in_ns "$R" "$PY" "$TESTDIR/ipv6_frag_barrage.py" "$TAPIF" "$us_mac6" 2001:db8::2 \
	>"$T_TMP/barrage.out" 2>&1 || fail "ipv6_frag_barrage.py: $(tail -n 3 "$T_TMP/barrage.out")"
cat "$T_TMP/barrage.out"
out=$(in_ns "$R" ping -6 -n -c 5 -i 0.1 -W 2 2001:db8::2 2>&1)
echo "$out" | grep -q '5 packets transmitted, 5 received, 0% packet loss' ||
	fail "ping -6 after the barrage: $(echo "$out" | tail -n 2)"
out=$(in_ns "$R" ping -6 -n -c 3 -i 0.2 -s 6000 -W 2 -w 20 2001:db8::2 2>&1)
echo "$out" | grep -q '3 packets transmitted, 3 received' ||
	fail "ping -6 -s 6000 after the barrage: $(echo "$out" | grep 'transmitted')"
ust_alive || fail "ustack died"
ust_stop

# --trace names the fragment headers and the router's packet too big
grep -qE "$TAPIF < IP6 2001:db8::1 > 2001:db8::2: frag id [0-9]+ off 0 len 1448 MF ICMPv6 echo request" "$UST_OUT" ||
	fail "--trace shows no first fragment of the kernel's 6000-byte ping"
grep -qE "$TAPIF > IP6 2001:db8::2 > 2001:db8::1: frag id [0-9]+ off 5792 len 216 next header 58" "$UST_OUT" ||
	fail "--trace shows no last fragment of ustack's reply"
grep -qE "$TAPIF < IP6 2001:db8::1 > 2001:db8::2: ICMPv6 packet too big mtu 1400" "$UST_OUT" ||
	fail "--trace shows no packet too big"
# what ustack sent to F: one reply too big for the link (the router's packet too big
# answered it), then fragments of at most 1400 bytes (1352 + 56 for a 1408-byte reply)
tcpdump -r "$T_TMP/us.pcap" -n 'ip6 and src host 2001:db8::2 and dst host 2001:db8:1::2' \
	>"$T_TMP/toF.txt" 2>/dev/null || fail "tcpdump cannot read ustack's capture"
big=$(tcpdump -r "$T_TMP/us.pcap" -n \
	'ip6 and src host 2001:db8::2 and dst host 2001:db8:1::2 and greater 1415' 2>/dev/null | wc -l)
first=$(grep -c 'frag (0|1352)' "$T_TMP/toF.txt")
last=$(grep -c 'frag (1352|56)' "$T_TMP/toF.txt")
echo "to F: $(wc -l <"$T_TMP/toF.txt") packets, $big over 1400 bytes, $first first and $last last fragments of 1400"
[ "$big" -eq 1 ] || fail "ustack sent $big packets over 1400 bytes to F (want the one before packet too big)"
[ "$first" -ge 4 ] && [ "$last" -ge 4 ] || fail "ustack's replies to F are not fragmented to 1400: $(tail -n 4 "$T_TMP/toF.txt")"
# and to the kernel on the TAP: 6008-byte replies in fragments of 1448
grep -q . <(tcpdump -r "$T_TMP/us.pcap" -n 'ip6 and src host 2001:db8::2 and dst host 2001:db8::1' 2>/dev/null |
	grep 'frag (5792|216)') || fail "no last fragment (5792|216) of a 6008-byte reply to the kernel"

grep -E '^(ip6\.(reasm|in_frag|pmtu|out_frag)|icmp6\.out_)' "$UST_ERR"
expect_counter ip6.reasm_oks -ge 8         # 5 + 3 pings of 6000 bytes, F's of 1400
expect_counter ip6.out_frag_oks -ge 12
expect_counter ip6.pmtu_ptb -ge 1
expect_counter ip6.pmtu_lowered -eq 1
expect_counter ip6.reasm_overlap -ge 5
expect_counter ip6.in_frag_oversize -ge 5
expect_counter ip6.in_frag_bad_len -ge 10
expect_counter ip6.in_frag_no_chain -ge 5
expect_counter ip6.reasm_duplicate -ge 5
expect_counter ip6.reasm_too_many -ge 100
expect_counter icmp6.out_param_prob -ge 10 # within the burst of 10, then 1 per 100 ms
pass
