#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 over a TAP: the kernel pings ustack's link-local address (found by pinging the
# all-nodes group, which ustack answers too) and its static addr6=, learns ustack's MAC by
# neighbour discovery (ip -6 neigh), and ustack resolves the kernel's MAC with its own
# solicitation (its echo replies need it). Then a scapy barrage of malformed IPv6 (bad
# extension chains, ND with hop limit 64, truncated headers, bad checksums), each kind
# counted, after which ustack still answers ping -6. Last, ustack's ping and nc to the
# kernel's link-local address with its zone (fe80::1%ustap0), nc's source link-local.
. "$(dirname "$0")/lib.sh"
t_begin ipv6 "$1"
need_cmd ping
"$PY" -c 'import scapy' 2>/dev/null || skip "python3 scapy not installed"
ns_new NS
# no duplicate address detection on the kernel's side: its addresses are usable at once
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
N=uipv6-$$
ust_start "$NS" serve --dev "$(dev_spec),addr6=2001:db8::2/64" --stats --serve udp-echo \
	--trace icmp6 --name "$N"
ust_wait_dad "$N"
in_ns "$NS" ip addr add 2001:db8::1/64 dev "$TAPIF" nodad || fail "cannot add 2001:db8::1"
k_ll=$(ip -n "$NS" -6 -o addr show dev "$TAPIF" scope link | sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/.*/\1/p')
[ -n "$k_ll" ] || fail "the kernel has no link-local address on $TAPIF"

# ustack's link-local: the one all-nodes reply that is not the kernel's own
out=$(in_ns "$NS" ping -6 -n -c 3 -i 0.3 -W 1 "ff02::1%$TAPIF" 2>&1)
us_ll=$(echo "$out" | sed -n 's/.* from \(fe80::[0-9a-f:]*\)%.*/\1/p' | grep -vx "$k_ll" | head -n 1)
[ -n "$us_ll" ] || fail "no all-nodes echo reply from ustack: $out"
echo "ustack's link-local: $us_ll (the kernel's: $k_ll)"
case $us_ll in
fe80::*) ;;
*) fail "ustack's link-local $us_ll is not fe80::/64" ;;
esac

out=$(in_ns "$NS" ping -6 -n -c 20 -i 0.05 -W 2 "$us_ll%$TAPIF" 2>&1)
echo "$out" | grep -q '20 packets transmitted, 20 received, 0% packet loss' ||
	fail "ping -6 $us_ll: $(echo "$out" | tail -n 2)"
out=$(in_ns "$NS" ping -6 -n -c 20 -i 0.05 -W 2 2001:db8::2 2>&1)
echo "$out" | grep -q '20 packets transmitted, 20 received, 0% packet loss' ||
	fail "ping -6 2001:db8::2: $(echo "$out" | tail -n 2)"

# the kernel learned ustack's MAC by ND, for both addresses
neigh=$(ip -n "$NS" -6 neigh show dev "$TAPIF")
echo "$neigh"
us_mac6=$(echo "$neigh" | awk -v a="2001:db8::2" '$1 == a { print $3 }')
[ -n "$us_mac6" ] || fail "the kernel has no neighbour entry for 2001:db8::2"
echo "$neigh" | grep -q "^$us_ll lladdr $us_mac6" ||
	fail "the kernel has no neighbour entry for $us_ll with $us_mac6"
# a stable identifier, not the MAC's EUI-64 (RFC 7217)
IFS=: read -r m1 m2 m3 m4 m5 m6 <<<"$us_mac6"
eui=$(printf 'fe80::%x:%xff:fe%x:%x' $(((0x$m1 ^ 2) << 8 | 0x$m2)) $((0x$m3)) $((0x$m4)) \
	$((0x$m5 << 8 | 0x$m6)))
echo "the EUI-64 address would be $eui"
[ "$us_ll" != "$eui" ] || fail "ustack's link-local $us_ll is the EUI-64 of $us_mac6"

# ustack's own view: ctl addr lists both IPv6 addresses after the IPv4 one, ctl neigh the
# kernel's addresses with its MAC (learnt by ND)
addrs=$("$UST" ctl "$N" addr) || fail "ctl addr exited $?"
echo "$addrs"
echo "$addrs" | grep -qE "^$TAPIF +UP +$US_ADDR/24 .*$us_ll/64" ||
	fail "ctl addr lacks the link-local $us_ll: $addrs"
echo "$addrs" | grep -qE "^$TAPIF .* 2001:db8::2/64" || fail "ctl addr lacks 2001:db8::2: $addrs"
k_mac=$(ip -n "$NS" link show "$TAPIF" | awk '/link\/ether/ { print $2 }')
neigh6=$("$UST" ctl "$N" neigh) || fail "ctl neigh exited $?"
echo "$neigh6"
echo "$neigh6" | grep -qE "^($k_ll|2001:db8::1) dev $TAPIF lladdr $k_mac (REACHABLE|STALE|DELAY|PROBE)$" ||
	fail "ctl neigh has no ND entry for the kernel with $k_mac: $neigh6"

# the malformed barrage, then ping -6 again
in_ns "$NS" "$PY" "$TESTDIR/ipv6_malformed.py" "$TAPIF" "$us_mac6" 2001:db8::2 "$us_ll" \
	>"$T_TMP/barrage.out" 2>&1 || fail "ipv6_malformed.py: $(tail -n 3 "$T_TMP/barrage.out")"
cat "$T_TMP/barrage.out"
out=$(in_ns "$NS" ping -6 -n -c 5 -i 0.1 -W 2 2001:db8::2 2>&1)
echo "$out" | grep -q '5 packets transmitted, 5 received, 0% packet loss' ||
	fail "ping -6 after the barrage: $(echo "$out" | tail -n 2)"
ust_alive || fail "ustack died"
ust_stop
grep -qE "$TAPIF < IP6 .*ICMPv6 neighbor solicitation who has" "$UST_OUT" ||
	fail "--trace shows no NS received"
grep -qE "$TAPIF > IP6 .*ICMPv6 neighbor solicitation who has .* from " "$UST_OUT" ||
	fail "--trace shows no NS of ustack's own"
grep -qE "$TAPIF > IP6 .*ICMPv6 neighbor advertisement .* is .* \[S?O\]" "$UST_OUT" ||
	fail "--trace shows no NA of ustack's"
grep -q "echo reply" "$UST_OUT" || fail "--trace shows no echo reply"
# ustack solicited the kernel's MAC itself (its replies needed it)
expect_counter nd.tx_ns -ge 1
expect_counter nd.tx_na -ge 1
expect_counter icmp6.out_echo_replies -ge 45
expect_counter ip6.in_hdr_plen -ge 1
expect_counter ip6.in_hdr_short -ge 1
expect_counter ip6.in_hbh_not_first -ge 1
expect_counter ip6.in_rthdr_refused -ge 1
expect_counter ip6.in_ext_truncated -ge 1
expect_counter ip6.in_ext_too_many -ge 1
expect_counter ip6.in_opt_discard -ge 1
expect_counter ip6.in_opt_paramprob -ge 1
expect_counter ip6.in_unknown_nh -ge 1
expect_counter ip6.reasm_reqds -ge 1
expect_counter icmp6.in_csum_errors -ge 1
expect_counter icmp6.out_param_prob -ge 3
expect_counter nd.rx_bad_hlim -ge 1
expect_counter nd.rx_bad_optlen -ge 1
expect_counter nd.rx_mcast_target -ge 1
expect_counter nd.rx_bad_code -ge 1

# a restart with the same MAC has the same link-local address (RFC 7217: stable; the secret
# comes from the host's machine-id), and another MAC another one
if [ -r /etc/machine-id ]; then
	for mac in "$us_mac6" 02:00:00:5e:00:99; do
		ust_start "$NS" serve --dev "$(dev_spec),mac=$mac" --serve udp-echo --name "$N"
		ust_wait_dad "$N"
		# the TAP is new, and so is the kernel's link-local address on it
		k_ll2=$(ip -n "$NS" -6 -o addr show dev "$TAPIF" scope link | sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/.*/\1/p')
		out=$(in_ns "$NS" ping -6 -n -c 3 -i 0.3 -W 1 "ff02::1%$TAPIF" 2>&1)
		ll2=$(echo "$out" | sed -n 's/.* from \(fe80::[0-9a-f:]*\)%.*/\1/p' | grep -vx "$k_ll2" | head -n 1)
		ust_stop
		echo "mac $mac: link-local $ll2"
		if [ "$mac" = "$us_mac6" ]; then
			[ "$ll2" = "$us_ll" ] || fail "restarted with $mac: link-local '$ll2', was $us_ll"
		else
			[ -n "$ll2" ] && [ "$ll2" != "$us_ll" ] || fail "another MAC, link-local '$ll2'"
		fi
	done
fi

# ustack's own commands to the kernel's link-local address with its zone (RFC 4007):
# ping -6 replies, and nc's connection comes from ustack's link-local address (RFC 6724
# rule 2), not its global one
# (host6= gives the kernel's side fe80::1 before the command starts)
ust_start "$NS" ping --dev "$(dev_spec),addr6=2001:db8:6::2/64,host6=fe80::1/64" -c 2 -i 0.3 \
	-W 2 "fe80::1%$TAPIF"
ust_wait_exit 20 || fail "ustack ping fe80::1%$TAPIF did not end"
grep -q "bytes from fe80::1" "$UST_OUT" ||
	fail "ustack ping fe80::1%$TAPIF: $(cat "$UST_OUT" "$UST_ERR" | tail -n 4)"
bg_ns "$NS" "$T_TMP/knc.out" nc -6 -n -v -d -l -p 9006
KNC=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :9006' | grep -q ." || fail "the kernel's nc -l is not listening"
printf 'over link-local\n' >"$T_TMP/ll.in"
UST_STDIN=$T_TMP/ll.in ust_start "$NS" nc --dev "$(dev_spec),addr6=2001:db8:6::2/64,host6=fe80::1/64" \
	-q 2 "fe80::1%$TAPIF" 9006
ust_wait_exit 20 || fail "ustack nc to fe80::1%$TAPIF did not end"
pid_wait_exit "$KNC" 10 || fail "the kernel's nc -l did not end"
grep -qx "over link-local" "$T_TMP/knc.out" ||
	fail "the kernel's nc got: $(cat "$T_TMP/knc.out"); ustack: $(tail -n 3 "$UST_ERR")"
peer=$(sed -n 's/^Connection received on \([^ ]*\) .*/\1/p' "$T_TMP/knc.out")
case "$peer" in
fe80::*) ;;
*) fail "ustack's connection to fe80::1 came from '$peer', not its link-local address" ;;
esac
echo "link-local with a zone: ustack ping answered, nc from $peer delivered"
pass
