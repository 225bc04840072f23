#!/bin/bash
# SPDX-License-Identifier: MIT
# ICMPv6 errors handed to the protocol they quote, against kernel routers and hosts:
#  1. Packet too big lowering a live connection's MSS: a kernel router R (TAP to ustack,
#     forwarding, proxy ND for the far host F) whose link toward F has an MTU of 1280
#     while F's own end of it has 1500, so F announces MSS 1440 and ustack's full-size
#     segments (1500 bytes) are too big for R's next hop. F downloads 4 MB with curl -6
#     from ustack's `http`: byte-exact, the router's packet too big lowered the path MTU
#     and the connection's MSS (ip6.pmtu_lowered, tcp.pmtu_lowered), and ustack's capture
#     shows that no segment it sent after the packet too big was a full-size one or went
#     in fragments. The TAP has offload=on, so the capture holds TCP's super-segments as
#     they were handed to the kernel: what came after the packet too big is counted in
#     payload bytes, not in frames.
#  2. A connected kernel UDP socket in F sends to a closed port of ustack and gets
#     ECONNREFUSED from ustack's ICMPv6 port unreachable; ustack's `nc -u` to a closed
#     port of R gets "Connection refused" from R's.
#  3. `ustack ping -t 1` to F: R's time exceeded comes back to the echo socket and ping
#     prints it as iputils does.
#  4. An on-link address nobody holds: when neighbour discovery gives up, ustack's ping
#     prints address unreachable and its nc's connect fails with "No route to host".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin ipv6_pmtu "$1"
need_cmd curl
need_cmd tcpdump
ns_new R
ns_new F
in_ns "$R" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
in_ns "$F" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
US6=2001:db8::2
R6=2001:db8::1
F6=2001:db8:1::2
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((4 * 1024 * 1024))
want=$(sha "$T_TMP/www/big.bin")

# The link R - F: 1280 on R's end, 1500 on F's (veth ends keep their own MTU). F sends
# nothing bigger than its ACKs and a request, so its end's larger MTU is never used.
ip link add ufr0 mtu 1280 netns "$R" type veth peer name uff0 mtu 1500 netns "$F" ||
	fail "cannot make the veth pair"
ip -n "$R" addr add 2001:db8:1::1/64 dev ufr0 nodad
ip -n "$F" addr add "$F6/64" dev uff0 nodad
ip -n "$R" link set ufr0 up
ip -n "$F" link set uff0 up
ip -n "$F" -6 route add default via 2001:db8:1::1 dev uff0 || fail "no default route in F"
in_ns "$R" sysctl -qw net.ipv6.conf.all.forwarding=1 || fail "cannot turn on forwarding in R"

# ustack's prefix is a /32, so F counts as on-link for it: R answers its solicitations for
# F by proxy ND (set up again for each run: the TAP is ustack's and goes with it; host6=
# gives R its address on it).
tap_side()
{
	in_ns "$R" sysctl -qw "net.ipv6.conf.$TAPIF.proxy_ndp=1" || fail "no proxy ND in R"
	ip -n "$R" -6 neigh add proxy "$F6" dev "$TAPIF" || fail "cannot add the proxy entry"
}
dev6()
{
	echo "$(dev_spec),addr6=$US6/32,host6=$R6/64"
}

# 1. the download through the 1280-byte hop
ust_start "$R" serve --dev "$(dev6)" --stats --sndbuf 262144 --pcap "$T_TMP/us.pcap" \
	--serve "http,root=$T_TMP/www" --serve udp-echo:7
tap_side
wait_for 5 ip netns exec "$F" ping -6 -n -c 1 -W 1 "$US6" || fail "F cannot reach ustack through R"
rm -f "$T_TMP/fetch.bin"
T_CMD_TIMEOUT=90 in_ns "$F" curl -sS -g --max-time 80 -o "$T_TMP/fetch.bin" \
	"http://[$US6]/big.bin" 2>"$T_TMP/fetch.err" ||
	fail "curl -6 through R failed: $(head -c 300 "$T_TMP/fetch.err")"
got=$(sha "$T_TMP/fetch.bin")
[ "$got" = "$want" ] ||
	fail "curl -6: $(stat -c %s "$T_TMP/fetch.bin") bytes, sha256 $got, want $want"
echo "curl -6 through a 1280-byte hop: 4 MB byte-exact"

# 2. a connected kernel UDP socket to a closed port of ustack: ECONNREFUSED
out=$(in_ns "$F" "$PY" "$TESTDIR/udp_unreach.py" "$US6" 9999 2>&1) ||
	fail "udp_unreach.py -6: $out"
echo "kernel UDP to ustack's closed port: $out"
ust_stop

# what ustack sent F after the first packet too big: nothing over 1280 bytes, nothing in
# fragments (before it, the window in flight at 1500 bytes)
tcpdump -r "$T_TMP/us.pcap" -n 'ip6' 2>/dev/null >"$T_TMP/all.txt" ||
	fail "tcpdump cannot read ustack's capture"
ptb=$(grep -n 'ICMP6, packet too big' "$T_TMP/all.txt" | head -n 1 | cut -d: -f1)
[ -n "$ptb" ] || fail "no packet too big in ustack's capture"
tail -n +"$ptb" "$T_TMP/all.txt" | grep "IP6 $US6.80 > $F6" >"$T_TMP/after.txt"
tcpdump -r "$T_TMP/us.pcap" -n "ip6 and src host $US6 and dst host $F6 and greater 1295" \
	2>/dev/null | wc -l >"$T_TMP/big.n"
big=$(cat "$T_TMP/big.n")
late=$(tail -n +"$ptb" "$T_TMP/all.txt" | grep "IP6 $US6.80 > $F6" | grep -cE 'length 14[0-9]{2}(:|$)')
frags=$(grep -c "IP6 $US6 > $F6: frag" "$T_TMP/all.txt")
seglines=$(wc -l <"$T_TMP/after.txt")
afterbytes=$(awk '{ for (i = 1; i < NF; i++) if ($i == "length") n += $(i + 1) } END { print n + 0 }' \
	"$T_TMP/after.txt")
echo "to F: $big frames over 1280 bytes in all, $late full-size segments after the packet" \
	"too big; $seglines frames ($afterbytes payload bytes) after it, $frags fragments"
[ "$late" -eq 0 ] || fail "ustack sent $late full-size segments after the packet too big"
[ "$frags" -eq 0 ] || fail "ustack fragmented $frags segments instead of lowering its MSS"
[ "$afterbytes" -ge 3000000 ] || fail "only $afterbytes bytes after the packet too big"
grep -E '^(ip6\.pmtu|icmp6\.in_err|tcp\.(pmtu|icmp))' "$UST_ERR"
expect_counter ip6.pmtu_ptb -ge 1
expect_counter ip6.pmtu_lowered -eq 1
expect_counter icmp6.in_errors_delivered -ge 1
expect_counter tcp.pmtu_lowered -ge 1
expect_counter udp.no_port -ge 1
expect_counter icmp6.out_dst_unreach -ge 1

# 2b. ustack's nc -u to a closed port of R: refused
printf 'anyone there?\n' >"$T_TMP/nc.in"
UST_STDIN=$T_TMP/nc.in ust_start "$R" nc --dev "$(dev6)" -u -q 3 "$R6" 9999
tap_side
ust_wait_exit 20 || fail "ustack nc -u to a closed port did not end"
grep -q "Connection refused" "$UST_ERR" || fail "ustack nc -u said: $(tail -n 3 "$UST_ERR")"
echo "ustack nc -u to a closed kernel port: $(grep -m1 'Connection refused' "$UST_ERR")"

# 3. ustack ping with hop limit 1: R's time exceeded, printed per request
ust_start "$R" ping --dev "$(dev6)" -c 2 -i 0.5 -t 1 -W 2 "$F6"
tap_side
ust_wait_exit 20 || fail "ustack ping -t 1 did not end"
cat "$UST_OUT"
grep -q "^From $R6 icmp_seq=[0-9]* Time exceeded: Hop limit" "$UST_OUT" ||
	fail "ustack ping -t 1 printed no time exceeded: $(cat "$UST_OUT" "$UST_ERR" | tail -n 5)"

# 4. an on-link address nobody holds: neighbour discovery gives up (3 solicitations, 1 s
# apart) and the waiting packets' senders hear address unreachable from ustack itself
# (RFC 4861 7.2.2): ping prints it per request, nc's connect fails with EHOSTUNREACH
# at once rather than after its SYN retries
ust_start "$R" ping --dev "$(dev6)" -c 2 -i 0.5 -W 5 2001:db8::99
tap_side
ust_wait_exit 20 || fail "ustack ping of an absent neighbour did not end"
grep -q "^From $US6 icmp_seq=[0-9]* Destination unreachable: Address unreachable" "$UST_OUT" ||
	fail "ustack ping of an absent neighbour: $(cat "$UST_OUT" "$UST_ERR" | tail -n 5)"
t0=$(date +%s)
ust_start "$R" nc --dev "$(dev6)" 2001:db8::99 80
tap_side
ust_wait_exit 20 || fail "ustack nc to an absent neighbour did not end"
t1=$(date +%s)
grep -q "No route to host" "$UST_ERR" || fail "ustack nc to an absent neighbour said: $(tail -n 3 "$UST_ERR")"
[ $((t1 - t0)) -le 10 ] || fail "ustack nc took $((t1 - t0)) s to give up on an absent neighbour"
echo "absent neighbour: ping printed address unreachable, nc failed in $((t1 - t0)) s ($(grep -m1 -o 'No route to host' "$UST_ERR"))"
pass
