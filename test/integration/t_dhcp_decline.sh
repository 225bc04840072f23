#!/bin/bash
# SPDX-License-Identifier: MIT
# addr=dhcp finds the offered address in use (RFC 5227 probe), declines it (RFC 2131
# DHCPDECLINE) and ends up on another. On a bridge in one namespace: dnsmasq (10.0.0.1 on
# the bridge), a "squatter" namespace whose kernel holds 10.0.0.50, and ustack's TAP.
# dnsmasq's dhcp-host entry gives ustack's MAC 10.0.0.50 (--no-ping: it does not look
# first), so the first offer is the squatter's address; its kernel answers ustack's probe;
# ustack sends DHCPDECLINE, which makes dnsmasq disable that entry and offer the one
# address of its range, 10.0.0.60, after decline_wait_ms. ustack probes 10.0.0.60, finds
# it free, announces it and serves on it; the squatter keeps 10.0.0.50. tcpdump in the
# squatter's namespace sees the probes from 0.0.0.0 and its own kernel's reply. The probe
# timings are shortened with --dhcp (the RFC's would take 4-7 s per probe).
#
#   ns:  bridge ustbr0 (10.0.0.1, dnsmasq) <- ustap0 (ustack, addr=dhcp, mac=02:00:00:aa:00:01)
#                                          <- vb1 ... eth0 in the squatter (10.0.0.50)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge_lib.sh"
t_begin dhcp_decline "$1"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || skip "dnsmasq not installed (Debian package dnsmasq-base: make deps)"
need_cmd curl tcpdump
MAC=02:00:00:aa:00:01

ns_new NS
br_new "$NS" ustbr0
ip -n "$NS" addr add "$K_ADDR/24" dev ustbr0 || fail "cannot address ustbr0"
vm_new SQ "$NS" ustbr0 10.0.0.50/24
SQ_MAC=$(ip -n "$SQ" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
[ -n "$SQ_MAC" ] || fail "no MAC for the squatter's eth0"

bg_ns "$SQ" "$T_TMP/tcpdump.out" tcpdump -i eth0 -n -l -e arp
TCPDUMP_PID=$BG_PID
wait_for 5 grep -q "listening on eth0" "$T_TMP/tcpdump.out" ||
	fail "tcpdump did not start: $(cat "$T_TMP/tcpdump.out")"

: >"$T_TMP/leases"
bg_ns "$NS" "$T_TMP/dnsmasq.out" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
	--port=0 --interface=ustbr0 --bind-interfaces --dhcp-authoritative --no-ping \
	--dhcp-range=10.0.0.60,10.0.0.60,255.255.255.0,2m --dhcp-host=$MAC,10.0.0.50 \
	--dhcp-option=option:router,$K_ADDR --dhcp-leasefile="$T_TMP/leases" \
	--pid-file="$T_TMP/dnsmasq.pid" --log-dhcp --log-facility="$T_TMP/dnsmasq.log"
DNSMASQ_PID=$BG_PID
wait_for 5 grep -q "sockets bound exclusively to interface ustbr0" "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq did not start: $(cat "$T_TMP/dnsmasq.out" "$T_TMP/dnsmasq.log" 2>/dev/null)"

mkdir -p "$T_TMP/www" && echo "the free address" >"$T_TMP/www/index.html"
ust_start "$NS" serve --dev "tap:$TAPIF,addr=dhcp,bridge=ustbr0,mac=$MAC" --stats \
	--dhcp probe_wait_ms=300,probe_min_ms=300,probe_max_ms=600,announce_wait_ms=600,announce_interval_ms=500,decline_wait_ms=2000 \
	--trace 'arp or udp port 67 or udp port 68' --trace-time rel --serve "http:80,root=$T_TMP/www" \
	--name "ustdecl$$"
leased() { grep -q "^ustack: $TAPIF: leased 10.0.0.60/24 via $K_ADDR for 120 s$" "$UST_ERR"; }
wait_for 15 leased || fail "no lease of 10.0.0.60: $(cat "$UST_ERR")"
grep -q "^ustack: $TAPIF: 10.0.0.50 is in use by $SQ_MAC: declined, asking again in 2 s$" "$UST_ERR" ||
	fail "no conflict line for 10.0.0.50 by $SQ_MAC: $(head -n 5 "$UST_ERR")"
grep -q "leased 10.0.0.50" "$UST_ERR" && fail "ustack took the squatter's address"
grep -q "serving http on 10.0.0.60:80/tcp" "$UST_ERR" || fail "not serving on 10.0.0.60"
grep -q "DHCPDECLINE(ustbr0) 10.0.0.50 $MAC" "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq logged no DECLINE of 10.0.0.50: $(grep DHCP "$T_TMP/dnsmasq.log")"
grep -q "disabling DHCP static address 10.0.0.50" "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq did not disable the declined address"
grep -q " 10.0.0.60 " "$T_TMP/leases" || fail "dnsmasq's lease file has no 10.0.0.60"

body=$(in_ns "$NS" curl -sS --max-time 5 "http://10.0.0.60/index.html") || fail "curl http://10.0.0.60/ failed"
[ "$body" = "the free address" ] || fail "curl got '$body'"
# The squatter still has its address: the bridge's kernel reaches it, at its MAC.
in_ns "$NS" ping -c 1 -W 2 10.0.0.50 >/dev/null || fail "the squatter lost 10.0.0.50"
ip -n "$NS" neigh show 10.0.0.50 dev ustbr0 | grep -q "$SQ_MAC" ||
	fail "10.0.0.50 resolves to $(ip -n "$NS" neigh show 10.0.0.50 dev ustbr0), not $SQ_MAC"

# Seen from the squatter: ustack's probe from 0.0.0.0, its kernel's reply to ustack's MAC,
# then probes and two announcements for 10.0.0.60, and no probe answered for it.
sleep 1 # the second announcement, announce_interval_ms after the first
stop_pid "$TCPDUMP_PID"
for want in "$MAC > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length [0-9]*: Request who-has 10.0.0.50 tell 0.0.0.0" \
	"$SQ_MAC > $MAC, ethertype ARP (0x0806), length [0-9]*: Reply 10.0.0.50 is-at $SQ_MAC" \
	"$MAC > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length [0-9]*: Request who-has 10.0.0.60 tell 0.0.0.0"; do
	grep -q -- "$want" "$T_TMP/tcpdump.out" || fail "tcpdump saw nothing like '$want': $(cat "$T_TMP/tcpdump.out")"
done
n=$(grep -c "$MAC > ff:ff:ff:ff:ff:ff.*Request who-has 10.0.0.60 tell 0.0.0.0" "$T_TMP/tcpdump.out")
[ "$n" -eq 3 ] || fail "$n probes for 10.0.0.60, want 3 (probe_num)"
n=$(grep -cE "$MAC > ff:ff:ff:ff:ff:ff.*(Request who-has 10.0.0.60 tell 10.0.0.60|Announcement 10.0.0.60)" "$T_TMP/tcpdump.out")
[ "$n" -eq 2 ] || fail "$n announcements of 10.0.0.60, want 2: $(cat "$T_TMP/tcpdump.out")"
grep -q "Reply 10.0.0.60" "$T_TMP/tcpdump.out" && fail "someone answered the probe for 10.0.0.60"

# The counters through the control socket too.
"$UST" ctl "ustdecl$$" stats >"$T_TMP/ctl.out" 2>&1 || fail "ctl stats failed: $(cat "$T_TMP/ctl.out")"
for c in "arp.probe_conflicts 1" "arp.tx_announce 2" "dhcp.tx_decline 1"; do
	grep -q "^$c\$" "$T_TMP/ctl.out" || fail "ctl stats has no '$c': $(grep -E '^(arp|dhcp)' "$T_TMP/ctl.out")"
done
ust_stop
expect_counter dhcp.tx_decline -eq 1
expect_counter dhcp.leases -eq 1
expect_counter arp.probe_conflicts -eq 1
expect_counter arp.probes_free -eq 1
expect_counter arp.tx_announce -eq 2
expect_counter arp.tx_probe -ge 4
# The trace: the probe answered, the DECLINE, and the next DISCOVER no sooner than 2 s
# after it (decline_wait_ms); stamps are seconds since the first traced packet.
grep -q "ARP probe who-has 10.0.0.50" "$UST_OUT" || fail "no probe in the trace"
grep -q "DHCP DECLINE xid 0x[0-9a-f]* requested 10.0.0.50 server $K_ADDR" "$UST_OUT" ||
	fail "no DECLINE in the trace: $(grep DHCP "$UST_OUT")"
gap=$(awk '/DHCP DECLINE/ { d = $1 } d != "" && /DHCP DISCOVER/ && $1 > d { print $1 - d; exit }' "$UST_OUT")
[ -n "$gap" ] || fail "no DISCOVER after the DECLINE in the trace"
awk -v g="$gap" 'BEGIN { exit !(g >= 1.95 && g < 3.0) }' ||
	fail "the DISCOVER came $gap s after the DECLINE, want 2 s (decline_wait_ms=2000)"
echo "declined 10.0.0.50 (held by $SQ_MAC), DISCOVER again after $gap s, bound to 10.0.0.60"
stop_pid "$DNSMASQ_PID"
pass
