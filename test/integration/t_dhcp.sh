#!/bin/bash
# SPDX-License-Identifier: MIT
# The DHCP client against dnsmasq: `ustack serve --dev tap:ustap0,addr=dhcp,...` comes up
# with no address; dnsmasq on the TAP's kernel side (10.0.0.1) leases it one of
# 10.0.0.50-60 for 2 minutes with T1 = 8 s and T2 = 100 s (options 58 and 59), router and
# DNS server 10.0.0.1. ustack logs the lease in one line; the kernel pings the leased
# address and fetches a page from it; the renewal at T1 (a unicast REQUEST) is ACKed and
# logged; on SIGTERM ustack sends DHCPRELEASE and dnsmasq drops the lease from its file.
# --trace decodes each message kind of the exchange. Before the lease is used, the RFC
# 5227 probe with its default timing: three probes, then two announcements, the first 4 to
# 7 s after the ACK. Then `ustack get` on a new TAP with
# addr=dhcp resolves web.test through the name server the lease names (dnsmasq's DNS on
# 10.0.0.1) and fetches a page from the kernel by that name.
. "$(dirname "$0")/lib.sh"
t_begin dhcp "$1"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || skip "dnsmasq not installed (Debian package dnsmasq-base: make deps)"
need_cmd ping curl

mkdir -p "$T_TMP/www" && echo "leased page" >"$T_TMP/www/index.html"
ns_new NS
ust_start "$NS" serve --dev "tap:$TAPIF,addr=dhcp,host=$K_ADDR/$US_PREFIX" --stats \
	--trace 'arp or udp port 67 or udp port 68' --trace-time rel --serve "http:80,root=$T_TMP/www"
: >"$T_TMP/leases"
bg_ns "$NS" "$T_TMP/dnsmasq.out" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
	--port=53 --no-resolv --no-hosts --address=/web.test/$K_ADDR \
	--interface="$TAPIF" --bind-dynamic --dhcp-authoritative \
	--dhcp-range=10.0.0.50,10.0.0.60,255.255.255.0,2m \
	--dhcp-option=option:router,$K_ADDR --dhcp-option=option:dns-server,$K_ADDR \
	--dhcp-option=option:T1,8 --dhcp-option=option:T2,100 \
	--dhcp-leasefile="$T_TMP/leases" --pid-file="$T_TMP/dnsmasq.pid" --log-dhcp --log-queries \
	--log-facility="$T_TMP/dnsmasq.log"
DNSMASQ_PID=$BG_PID

# The first DISCOVER may have gone before dnsmasq listened: the next is 4 +- 1 s later.
leased() { grep -qE "^ustack: $TAPIF: leased 10\.0\.0\.(5[0-9]|60)/24 via $K_ADDR for 120 s$" "$UST_ERR"; }
wait_for 20 leased || { cat "$UST_ERR" "$T_TMP/dnsmasq.log" 2>/dev/null; fail "no lease logged in 20 s"; }
ADDR=$(sed -n "s/^ustack: $TAPIF: leased \([0-9.]*\)\/24.*/\1/p" "$UST_ERR" | head -n 1)
grep -q " $ADDR " "$T_TMP/leases" || fail "dnsmasq's lease file has no $ADDR: $(cat "$T_TMP/leases")"
in_ns "$NS" ping -c 2 -W 2 "$ADDR" >/dev/null || fail "no answer to ping $ADDR"
body=$(in_ns "$NS" curl -sS --max-time 5 "http://$ADDR/index.html") || fail "curl http://$ADDR/ failed"
[ "$body" = "leased page" ] || fail "curl got '$body'"

# T1 = 8 s after the exchange began: RENEWING, a unicast REQUEST, dnsmasq's ACK.
renewed() { grep -q "^ustack: $TAPIF: renewed $ADDR/24 for 120 s$" "$UST_ERR"; }
wait_for 20 renewed || fail "no renewal logged within 20 s of the lease"
grep -q "DHCPREQUEST($TAPIF) $ADDR" "$T_TMP/dnsmasq.log" || fail "dnsmasq saw no renewal REQUEST"

# The second announcement comes 2 s after the first (which the renewal may have beaten).
announced() { [ "$(grep -c "ARP announce $ADDR" "$UST_OUT")" -ge 2 ]; }
wait_for 5 announced || fail "not two announcements of $ADDR: $(grep ARP "$UST_OUT")"
ust_stop
expect_counter dhcp.tx_discover -ge 1
expect_counter dhcp.tx_request -ge 2
expect_counter dhcp.tx_release -eq 1
expect_counter dhcp.rx_offer -ge 1
expect_counter dhcp.rx_ack -ge 2
expect_counter dhcp.leases -eq 1
expect_counter dhcp.renewals -ge 1
expect_counter arp.tx_probe -eq 3
expect_counter arp.probes_free -eq 1
expect_counter arp.tx_announce -eq 2
expect_counter arp.probe_conflicts -eq 0
[ "$(grep -c "ARP probe who-has $ADDR" "$UST_OUT")" -eq 3 ] || fail "not 3 probes for $ADDR in the trace"
took=$(awk -v a="$ADDR" '/DHCP ACK/ && ack == "" { ack = $1 } ack != "" && $0 ~ "ARP announce " a { print $1 - ack; exit }' "$UST_OUT")
[ -n "$took" ] || fail "no announcement of $ADDR after the ACK in the trace"
awk -v t="$took" 'BEGIN { exit !(t >= 4.0 && t <= 8.0) }' ||
	fail "the first announcement came $took s after the ACK, want 4-7 s (RFC 5227's timing)"
echo "the probe of $ADDR took $took s (ACK to the first announcement)"
released() { ! grep -q " $ADDR " "$T_TMP/leases" && grep -q "DHCPRELEASE($TAPIF) $ADDR" "$T_TMP/dnsmasq.log"; }
wait_for 5 released || fail "dnsmasq did not take the release: $(cat "$T_TMP/leases")"

# A client on the lease's name server: the TAP comes again (dnsmasq binds it again,
# --bind-dynamic), get waits for its lease, then resolves web.test through 10.0.0.1.
mkdir -p "$T_TMP/kweb" && echo "found by name" >"$T_TMP/kweb/index.html"
bg_ns "$NS" "$T_TMP/kweb.out" /usr/bin/python3 -m http.server 8080 --bind 0.0.0.0 \
	--directory "$T_TMP/kweb"
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :8080' | grep -q ." || fail "no kernel web server"
T_CMD_TIMEOUT=40 in_ns "$NS" "$UST" get --dev "tap:$TAPIF,addr=dhcp,host=$K_ADDR/$US_PREFIX" \
	--stats http://web.test:8080/index.html >"$T_TMP/get.out" 2>"$T_TMP/get.err" ||
	fail "get http://web.test:8080/ over a DHCP lease failed ($?): $(tail -n 3 "$T_TMP/get.err")"
[ "$(cat "$T_TMP/get.out")" = "found by name" ] || fail "get by name fetched '$(cat "$T_TMP/get.out")'"
grep -q "query\[A\] web.test from 10.0.0." "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq answered no query for web.test: $(grep -c query "$T_TMP/dnsmasq.log") queries"
grep -qE '^dns\.queries [1-9]' "$T_TMP/get.err" || fail "get's dns.queries is not counted"
echo "get http://web.test:8080/ resolved through the lease's name server and fetched the page"
stop_pid "$DNSMASQ_PID"
for want in "> 255.255.255.255.67: UDP len [0-9]* DHCP DISCOVER xid" \
	"DHCP OFFER xid 0x[0-9a-f]* yiaddr $ADDR server $K_ADDR lease 120 s" \
	"> 255.255.255.255.67: UDP len [0-9]* DHCP REQUEST xid 0x[0-9a-f]* requested $ADDR server $K_ADDR" \
	"IP $ADDR.68 > $K_ADDR.67: UDP len [0-9]* DHCP REQUEST xid 0x[0-9a-f]* ciaddr $ADDR" \
	"DHCP ACK xid 0x[0-9a-f]* ciaddr $ADDR yiaddr $ADDR server $K_ADDR lease 120 s" \
	"IP $ADDR.68 > $K_ADDR.67: UDP len [0-9]* DHCP RELEASE xid 0x[0-9a-f]* ciaddr $ADDR server $K_ADDR"; do
	grep -q -- "$want" "$UST_OUT" || fail "no trace line matching '$want'"
done
pass
