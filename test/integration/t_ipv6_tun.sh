#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 over a TUN: bare IPv6 packets (no Ethernet, no neighbour discovery) reach ip6_input
# by their version nibble; the kernel pings ustack's addr6= on the point-to-point link, and
# ustack answers straight through the device. Then TCP: curl -6 of 4 MB from ustack's
# `http` byte-exact, and nc -6 echo with ustack listening and connecting.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
. "$(dirname "$0")/ipv6_lib.sh"
t_begin ipv6_tun "$1"
need_cmd ping
need_cmd curl
need_cmd nc
ns_new NS
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
TUNIF=ust6t0
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((4 * 1024 * 1024))
want=$(sha "$T_TMP/www/big.bin")
ust_start "$NS" serve --dev "tun:$TUNIF,addr=10.76.0.2/32,host=10.76.0.1,addr6=2001:db8:76::2/64" \
	--stats --serve udp-echo --serve "http,root=$T_TMP/www" --trace
wait_for 5 ip -n "$NS" -o addr show dev "$TUNIF" || fail "tun not configured"
in_ns "$NS" ip addr add 2001:db8:76::1/64 dev "$TUNIF" nodad || fail "cannot add 2001:db8:76::1"
out=$(in_ns "$NS" ping -6 -n -c 10 -i 0.05 -W 2 2001:db8:76::2 2>&1)
echo "$out" | tail -n 2
echo "$out" | grep -q '10 packets transmitted, 10 received, 0% packet loss' ||
	fail "ping -6 over the tun: $(echo "$out" | tail -n 2)"
# IPv4 still answers beside it
in_ns "$NS" ping -n -c 2 -i 0.2 -W 2 10.76.0.2 >/dev/null || fail "ping over IPv4 failed"
curl6 "http://[2001:db8:76::2]/big.bin"
ust_alive || fail "ustack died"
ust_stop
grep -qE "$TUNIF > IP6 2001:db8:76::2 > 2001:db8:76::1: ICMPv6 echo reply" "$UST_OUT" ||
	fail "--trace shows no echo reply on the tun"
expect_counter icmp6.out_echo_replies -ge 10
expect_counter nd.tx_ns -eq 0
expect_counter ip6.addr_added -eq 1
grep -qE "$TUNIF > IP6 \[2001:db8:76::2\]\.80 > \[2001:db8:76::1\]\.[0-9]+: TCP" "$UST_OUT" ||
	fail "--trace shows no IP6 TCP segment from port 80 on the tun"
nc6_both "tun:$TUNIF,addr=10.76.0.2/32,host=10.76.0.1,addr6=2001:db8:76::2/64,host6=2001:db8:76::1/64" \
	2001:db8:76::2 2001:db8:76::1
pass
