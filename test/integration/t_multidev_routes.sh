#!/bin/bash
# SPDX-License-Identifier: MIT
# One ustack with three devices at once, each with its own address: a TAP (10.74.1.2/24),
# a TUN (10.74.2.2/32, point-to-point) and a veth end over PF_PACKET (10.74.3.2/24). The
# kernel reaches each address over its device (ping, curl). Routing is by longest prefix
# across them: --route 10.99.0.0/16 via the veth, --route 10.99.5.0/24 via the TAP and
# --gw on the TAP; replies and ustack's own pings leave by the route's device with that
# device's address as the source (checked in --trace lines).
. "$(dirname "$0")/lib.sh"
t_begin multidev_routes "$1"
ns_new NS
# The replies to the kernel's extra addresses come back on another device than the one
# the request left by: no reverse-path filter (set before the devices exist).
in_ns "$NS" sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 ||
	fail "cannot turn rp_filter off"
ip -n "$NS" link add ustmp0 type veth peer name ustmp1 || fail "cannot create the veth pair"
ip -n "$NS" addr add 10.74.3.1/24 dev ustmp1 && ip -n "$NS" link set ustmp1 up ||
	fail "cannot configure ustmp1"
for a in 10.99.5.5 10.99.6.6 192.0.2.77; do
	ip -n "$NS" addr add "$a/32" dev lo || fail "cannot add $a to lo"
done
DEVS=(--dev tap:ustmt0,addr=10.74.1.2/24,host=10.74.1.1/24
	--dev tun:ustmu0,addr=10.74.2.2/32,host=10.74.2.1
	--dev packet:ustmp0,addr=10.74.3.2/24
	--route 10.99.0.0/16,via=10.74.3.1 --route 10.99.5.0/24,via=10.74.1.1 --gw 10.74.1.1)

mkdir -p "$T_TMP/www"
head -c 100000 /dev/urandom >"$T_TMP/www/blob"
ust_start "$NS" serve "${DEVS[@]}" --stats --trace --serve "http,root=$T_TMP/www"
wait_for 5 ip -n "$NS" -o addr show dev ustmu0 || fail "tun not configured"

for a in 10.74.1.2 10.74.2.2 10.74.3.2; do
	out=$(in_ns "$NS" ping -n -c 3 -i 0.1 -W 2 "$a" 2>&1)
	echo "$out" | grep -q '3 packets transmitted, 3 received' ||
		fail "ping $a: $(echo "$out" | grep transmitted)"
	in_ns "$NS" curl -sf --max-time 10 -o "$T_TMP/got" "http://$a/blob" || fail "curl $a failed"
	cmp -s "$T_TMP/got" "$T_TMP/www/blob" || fail "curl $a: body differs"
done
# Requests from the kernel's extra addresses: each reply follows ustack's routes.
in_ns "$NS" ping -n -c 1 -W 2 -I 10.99.6.6 10.74.2.2 >/dev/null || fail "ping from 10.99.6.6 (reply via the /16)"
in_ns "$NS" ping -n -c 1 -W 2 -I 10.99.5.5 10.74.2.2 >/dev/null || fail "ping from 10.99.5.5 (reply via the /24)"
in_ns "$NS" ping -n -c 1 -W 2 -I 192.0.2.77 10.74.3.2 >/dev/null || fail "ping from 192.0.2.77 (reply via --gw)"
ust_alive || fail "ustack died"
ust_stop
grep -qE '^[0-9:.]+ ustmp0 > IP 10.74.2.2 > 10.99.6.6: ICMP' "$UST_OUT" ||
	fail "the reply to 10.99.6.6 did not leave by the veth (longest prefix /16)"
grep -qE '^[0-9:.]+ ustmt0 > IP 10.74.2.2 > 10.99.5.5: ICMP' "$UST_OUT" ||
	fail "the reply to 10.99.5.5 did not leave by the TAP (longest prefix /24)"
grep -qE '^[0-9:.]+ ustmt0 > IP 10.74.3.2 > 192.0.2.77: ICMP' "$UST_OUT" ||
	fail "the reply to 192.0.2.77 did not leave by the TAP (default gateway)"

# ustack's own traffic: the source address is the outgoing device's.
for t in 10.99.6.6:ustmp0:10.74.3.2 10.99.5.5:ustmt0:10.74.1.2 192.0.2.77:ustmt0:10.74.1.2 \
	10.74.2.1:ustmu0:10.74.2.2; do
	IFS=: read -r dst dev src <<<"$t"
	out=$(T_CMD_TIMEOUT=20 in_ns "$NS" "$UST" ping "${DEVS[@]}" --trace -c 1 -W 3 "$dst" 2>&1)
	echo "$out" | grep -qE "^[0-9:.]+ $dev > IP $src > $dst: ICMP" ||
		fail "ustack ping $dst: not sent by $dev from $src: $(echo "$out" | grep ' > IP ' | head -n 2 | tr '\n' ' ')"
	echo "$out" | grep -qE '1 (packets )?received' ||
		fail "ustack ping $dst: no reply: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
done
pass
