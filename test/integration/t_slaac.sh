#!/bin/bash
# SPDX-License-Identifier: MIT
# SLAAC from dnsmasq's router advertisements: ustack's TAP joins a bridge whose kernel side
# is the router (2001:db8:1::1, dnsmasq --enable-ra advertising 2001:db8:1::/64). ustack
# probes its link-local address (DAD NS from :: in the capture, an MLDv2 report before
# it), solicits routers, forms its SLAAC address from the prefix (an RFC 7217 identifier,
# probed too), learns the default router (ctl route), and the kernel pings the new address.
# Then a DAD conflict: ustack restarted with addr6= an address the kernel already holds
# logs the duplicate, marks it dadfailed and leaves it alone. Last, DNS from the RA (RFC
# 8106): dnsmasq's RAs name it as the DNS server (RDNSS, 2001:db8:1::1) and lab as the
# search domain (DNSSL); under `ustack run`, with an empty resolv.conf and hosts file,
# getent finds ra-only.lab (a name only that dnsmasq knows) and "ra-only" through the
# search domain, asked of dnsmasq over IPv6.
#
#   ns:  bridge ustbr6 (2001:db8:1::1, dnsmasq) <- ustap0 (ustack)
# ust: serial (its duplicate address phase saw a DAD probe go unanswered under load)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge_lib.sh"
t_begin slaac "$1"
need_cmd ping tcpdump dnsmasq
ns_new NS
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
br_new "$NS" ustbr6
in_ns "$NS" sysctl -qw net.ipv6.conf.ustbr6.accept_dad=0
ip -n "$NS" addr add 2001:db8:1::1/64 dev ustbr6 nodad || fail "cannot add 2001:db8:1::1"
ip -n "$NS" addr add 2001:db8:1::99/64 dev ustbr6 nodad || fail "cannot add 2001:db8:1::99"
# dnsmasq advertises a router lifetime only when the host has a default route
ip -n "$NS" -6 route add default dev ustbr6 || fail "cannot add a default route"

# the capture runs on the bridge before ustack exists: its first frames are in it
in_ns "$NS" tcpdump -i ustbr6 -U -n -w "$T_TMP/cap.pcap" icmp6 or ip6 proto 0 \
	>"$T_TMP/tcpdump.out" 2>&1 &
T_PIDS+=("$!")
wait_for 5 grep -q "listening on" "$T_TMP/tcpdump.out" || fail "tcpdump did not start"

in_ns "$NS" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
	--interface=ustbr6 --bind-interfaces --enable-ra --pid-file="$T_TMP/dnsmasq.pid" \
	--dhcp-range=2001:db8:1::,ra-only,64,1h --ra-param=ustbr6,5,600 \
	>"$T_TMP/dnsmasq.out" 2>&1 &
DNSMASQ=$!
T_PIDS+=("$DNSMASQ")

N=uslaac-$$
# rtr_solicit_delay_ms=0: the solicitation goes out as soon as the link-local address is
# usable. With the default random delay (up to 1 s) one of dnsmasq's unsolicited
# advertisements (every 5 s) could arrive first and end the solicitations (RFC 4861 6.3.7)
# before any was sent, and the capture would hold none.
ust_start "$NS" serve --dev tap:ustap0,addr=10.0.0.2/24,bridge=ustbr6 --stats \
	--serve udp-echo --name "$N" --nd rtr_solicit_delay_ms=0

# the SLAAC address: 2001:db8:1::/64, dynamic, no longer tentative
slaac_addr()
{
	"$UST" ctl "$N" addr 2>/dev/null |
		grep -oE '2001:db8:1:[0-9a-f:]*/64 dynamic' | head -n 1 | cut -d/ -f1
}
slaac_ready() { [ -n "$(slaac_addr)" ]; }
wait_for 15 slaac_ready || fail "no SLAAC address after 15 s: $("$UST" ctl "$N" addr 2>&1)"
a=$(slaac_addr)
"$UST" ctl "$N" addr
echo "ustack's SLAAC address: $a"
[ "$a" != "2001:db8:1::1" ] || fail "the router's own address"

out=$(in_ns "$NS" ping -6 -n -c 10 -i 0.1 -W 2 "$a" 2>&1)
echo "$out" | grep -q '10 packets transmitted, 10 received, 0% packet loss' ||
	fail "ping -6 $a: $(echo "$out" | tail -n 2)"

routes=$("$UST" ctl "$N" route) || fail "ctl route exited $?"
echo "$routes"
echo "$routes" | grep -qE '^default via fe80::[0-9a-f:]+ dev ustap0 proto ra expires [0-9]+sec$' ||
	fail "ctl route shows no default router learnt from the RA"
echo "$routes" | grep -qE '^2001:db8:1::/64 dev ustap0 proto ra' ||
	fail "ctl route shows no on-link prefix from the RA"
ust_stop

# the capture: ustack's DAD probes (NS from ::, no option), its MLDv2 reports (type 143,
# behind the hop-by-hop header), its router solicitation
sleep 0.5
tcpdump -n -r "$T_TMP/cap.pcap" 2>/dev/null >"$T_TMP/cap.txt"
grep -E '^[0-9:.]+ IP6 :: > ff02::1:ff[0-9a-f:]+: ICMP6, neighbor solicitation, who has ' \
	"$T_TMP/cap.txt" | head -n 3
grep -qE "IP6 :: > ff02::1:ff[0-9a-f:]+: ICMP6, neighbor solicitation, who has $a," \
	"$T_TMP/cap.txt" || fail "no DAD probe for $a in the capture"
grep -qE 'IP6 :: > ff02::1:ff[0-9a-f:]+: ICMP6, neighbor solicitation, who has fe80::' \
	"$T_TMP/cap.txt" || fail "no DAD probe for the link-local address in the capture"
grep -E 'multicast listener report v2' "$T_TMP/cap.txt" | head -n 2
grep -qE 'IP6 (::|fe80::[0-9a-f:]+) > ff02::16: HBH ICMP6, multicast listener report v2' \
	"$T_TMP/cap.txt" || fail "no MLDv2 report in the capture"
grep -qE 'IP6 fe80::[0-9a-f:]+ > ff02::2: ICMP6, router solicitation' "$T_TMP/cap.txt" ||
	fail "no router solicitation in the capture"
expect_counter nd.rx_ra -ge 1
expect_counter nd.tx_rs -ge 1
expect_counter nd.routers_added -eq 1
expect_counter nd.slaac_added -eq 1
expect_counter nd.dad_ok -ge 2
expect_counter nd.dad_conflicts -eq 0
expect_counter mld.out_reports -ge 2

# the conflict: 2001:db8:1::99 is the kernel's already
# (--nd: no random delay before the probes, so the verdict comes within a second; three
# probes (DupAddrDetectTransmits 3, RFC 4862 5.1) rather than one: with one, the address
# passed as unique in 2 of 3 full suite runs on a loaded machine, never alone; why the one
# probe went unanswered is not known yet, so a failure prints the capture and counters)
ust_start "$NS" serve --dev tap:ustap0,addr=10.0.0.2/24,bridge=ustbr6,addr6=2001:db8:1::99/64 \
	--stats --serve udp-echo --name "$N" \
	--nd dad_delay_ms=0,rtr_solicit_delay_ms=0,dad_transmits=3,retrans_ms=500
dad_failed() { "$UST" ctl "$N" addr 2>/dev/null | grep -q '2001:db8:1::99/64 dadfailed'; }
if ! wait_for 3 dad_failed; then
	# what the bridge saw of the probes for ::99 and the answers, and ustack's counters
	tcpdump -n -r "$T_TMP/cap.pcap" 2>/dev/null | grep -E '2001:db8:1::99|ff00:99' | tail -n 12
	"$UST" ctl "$N" stats 2>/dev/null | grep -E '^(nd|icmp6)\.' | head -n 40
	fail "2001:db8:1::99 not marked dadfailed: $("$UST" ctl "$N" addr 2>&1)"
fi
"$UST" ctl "$N" addr
ust_stop
grep -E 'duplicate' "$UST_ERR"
[ "$(grep -c 'addr=2001:db8:1::99/64 duplicate (NA from another node): not used' "$UST_ERR")" -eq 1 ] ||
	fail "the duplicate is not logged in one line: $(cat "$UST_ERR")"
expect_counter nd.dad_conflicts -eq 1

# DNS from the RA: dnsmasq again, now answering DNS and naming itself in its RAs (RDNSS)
# with the search domain lab (DNSSL); nothing else names a server or the name
kill "$DNSMASQ" 2>/dev/null
wait "$DNSMASQ" 2>/dev/null
in_ns "$NS" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--interface=ustbr6 --bind-interfaces --enable-ra --pid-file="$T_TMP/dnsmasq2.pid" \
	--dhcp-range=2001:db8:1::,ra-only,64,1h --ra-param=ustbr6,5,600 \
	--dhcp-option=option6:dns-server,[2001:db8:1::1] --dhcp-option=option6:domain-search,lab \
	--host-record=ra-only.lab,2001:db8:1::99 --log-queries \
	>"$T_TMP/dnsmasq2.out" 2>&1 &
T_PIDS+=("$!")
dns_up() { ip netns exec "$NS" ss -Hlun | grep -q '2001:db8:1::1\]:53 '; }
wait_for 5 dns_up || fail "dnsmasq does not answer DNS on [2001:db8:1::1]:53: $(cat "$T_TMP/dnsmasq2.out")"
: >"$T_TMP/resolv.conf"
: >"$T_TMP/hosts"
LIB=$(dirname "$UST")/libustack-preload.so
[ -f "$LIB" ] || fail "$LIB not built (make all)"
USTACK_RESOLV_CONF=$T_TMP/resolv.conf USTACK_HOSTS=$T_TMP/hosts \
	in_ns "$NS" "$UST" run --dev tap:ustap0,bridge=ustbr6 --stats \
	--nd dad_delay_ms=0,rtr_solicit_delay_ms=0 -- sh -c '
i=0
while [ $i -lt 40 ]; do
	getent hosts ra-only.lab && exec getent hosts ra-only
	i=$((i + 1))
	sleep 0.25
done
exit 1' >"$T_TMP/getent.out" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "getent hosts ra-only.lab under ustack run: $(tail -n 3 "$T_TMP/run.err")"; }
cat "$T_TMP/getent.out"
[ "$(sed -n 1p "$T_TMP/getent.out" | tr -s ' ')" = "2001:db8:1::99 ra-only.lab" ] ||
	fail "getent hosts ra-only.lab: $(cat "$T_TMP/getent.out")"
[ "$(sed -n 2p "$T_TMP/getent.out" | tr -s ' ')" = "2001:db8:1::99 ra-only" ] ||
	fail "getent hosts ra-only (the DNSSL domain lab): $(cat "$T_TMP/getent.out")"
grep -E 'query\[AAAA\] ra-only.lab from (2001:db8:1:|fe80::)' "$T_TMP/dnsmasq2.out" | head -n 1
grep -qE 'query\[AAAA\] ra-only.lab from (2001:db8:1:|fe80::)' "$T_TMP/dnsmasq2.out" ||
	fail "dnsmasq was not asked over IPv6: $(grep query "$T_TMP/dnsmasq2.out" | tail -n 3)"
UST_ERR=$T_TMP/run.err
expect_counter nd.dns_added -ge 2
expect_counter nd.rx_ra_dns_bad -eq 0
pass
