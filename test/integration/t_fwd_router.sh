#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack --forward as a router between two TAPs whose kernel sides live in two namespaces
# (ns1 10.71.1.0/24, ns2 10.71.2.0/24 with MTU 1200): ping across, a file fetched with
# curl byte-exact from a python http.server on the other side, `ping -t 1` answered with
# time exceeded, refragmentation for the smaller MTU, frag-needed (mtu 1200) for DF, and
# host unreachable for an address on ns2's side that nobody answers ARP for.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwd_lib.sh"
t_begin fwd_router "$1"
ns_new NR
ns_new N1
ns_new N2

ust_start "$NR" serve --forward --stats --serve udp-echo \
	--dev tap:ustfa0,addr=10.71.1.1/24 --dev tap:ustfb0,addr=10.71.2.1/24,mtu=1200
fwd_move_tap ustfa0 "$N1" 10.71.1.2/24 10.71.1.1
fwd_move_tap ustfb0 "$N2" 10.71.2.2/24 10.71.2.1
ip -n "$N2" link set ustfb0 mtu 1200 || fail "cannot set the MTU in ns2"

fwd_wait_ping "$N1" 10.71.2.2
out=$(in_ns "$N1" ping -n -c 20 -i 0.02 -W 2 10.71.2.2 2>&1)
echo "$out" | grep -q '20 packets transmitted, 20 received' ||
	fail "ping ns1 -> ns2 through ustack: $(echo "$out" | grep transmitted)"
# The router's far-side address answers from the near side too (weak host model).
in_ns "$N1" ping -n -c 1 -W 2 10.71.2.1 >/dev/null || fail "ping to ustack's ns2-side address from ns1"

# A 300 KB file through the router, compared by sha256.
mkdir -p "$T_TMP/www"
head -c 300000 /dev/urandom >"$T_TMP/www/blob"
bg_ns "$N2" "$T_TMP/http.log" "$PY" -m http.server 8080 --bind 10.71.2.2 --directory "$T_TMP/www"
wait_for 10 ip netns exec "$N2" sh -c "ss -ltn | grep -q 10.71.2.2:8080" || fail "http.server did not start"
in_ns "$N1" curl -sf --max-time 20 -o "$T_TMP/got" http://10.71.2.2:8080/blob ||
	fail "curl through the router failed"
[ "$(sha256sum <"$T_TMP/got")" = "$(sha256sum <"$T_TMP/www/blob")" ] ||
	fail "file fetched through the router differs ($(stat -c %s "$T_TMP/got") bytes)"

# TTL 1: time exceeded from the router's near-side address.
out=$(in_ns "$N1" ping -n -c 1 -t 1 -W 2 10.71.2.2 2>&1)
echo "$out" | grep -qi 'From 10.71.1.1 .*Time to live exceeded' ||
	fail "ping -t 1: no time exceeded from 10.71.1.1: $(echo "$out" | head -n 3 | tr '\n' ' ')"

# 2000 bytes without DF: ns1 cuts it for MTU 1500, ustack cuts the first fragment again
# for 1200, ns2 reassembles and its reply comes back the same way.
out=$(in_ns "$N1" ping -n -c 3 -i 0.2 -W 2 -M dont -s 2000 10.71.2.2 2>&1)
echo "$out" | grep -q '3 packets transmitted, 3 received' ||
	fail "ping -s 2000 across the MTU step: $(echo "$out" | grep transmitted)"
# 1400 bytes with DF: frag-needed with the next-hop MTU.
out=$(in_ns "$N1" ping -n -c 2 -i 0.2 -W 1 -M do -s 1400 10.71.2.2 2>&1)
echo "$out" | grep -qiE 'mtu ?= ?1200' ||
	fail "ping -M do -s 1400: no frag-needed with mtu 1200: $(echo "$out" | head -n 3 | tr '\n' ' ')"

# A host on ns2's subnet that nobody answers ARP for: the router says Destination Host
# Unreachable for each request that waited, as a Linux router does.
out=$(in_ns "$N1" ping -n -c 2 -i 0.2 -W 6 10.71.2.77 2>&1)
[ "$(echo "$out" | grep -c '^From 10.71.1.1 icmp_seq=[12] Destination Host Unreachable$')" -eq 2 ] ||
	fail "ping to nobody behind the router: $(echo "$out" | head -n 4 | tr '\n' ' ')"

ust_alive || fail "ustack died"
ust_stop
# 300 KB at MTU size is 250 datagrams or more; with offload (the default) the TAPs pass
# TCP as 64 KB super-segments, forwarded whole (tap.tx_gso), so fewer, but at least 5.
expect_counter ip.fwd_datagrams -ge 5
expect_counter tap.tx_gso -ge 1
expect_counter ip.fwd_ttl_exceeded -ge 1
expect_counter icmp.out_time_exceeded -ge 1
expect_counter ip.fwd_fragmented -ge 3
expect_counter ip.fwd_frag_needed -ge 1
expect_counter ip.in_local_other_dev -ge 1
expect_counter arp.entries_created -ge 2
for c in ip.fwd_datagrams ip.fwd_fragmented ip.fwd_frag_needed ip.fwd_ttl_exceeded ip.out_frag_creates; do
	echo "$c $(counter $c)"
done
pass
