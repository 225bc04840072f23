#!/bin/bash
# SPDX-License-Identifier: MIT
# addr=dhcp over PF_PACKET: ustack on one end of a veth pair, dnsmasq on the other
# (10.74.0.1, range 10.74.0.50-60). Stopped before any server answers, it exits cleanly.
# Then dnsmasq runs first, so the first DISCOVER is answered: ustack is serving on its
# leased address once its ARP probe (4-7 s) finds it free, the kernel pings it and fetches
# a page, and on SIGTERM the DHCPRELEASE empties dnsmasq's lease file.
. "$(dirname "$0")/lib.sh"
t_begin dhcp_packet "$1"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || skip "dnsmasq not installed (Debian package dnsmasq-base: make deps)"
need_cmd ping curl
K=10.74.0.1

ns_new NS
ip -n "$NS" link add ustdh0 type veth peer name ustdh1 || fail "cannot create the veth pair"
ip -n "$NS" addr add "$K/24" dev ustdh1 || fail "cannot address ustdh1"
ip -n "$NS" link set ustdh1 up || fail "cannot bring ustdh1 up"
# With no server yet: DISCOVERs go out, and SIGTERM while it waits for a lease is a clean exit.
bg_ns "$NS" "$T_TMP/nolease.err" "$UST" serve --dev packet:ustdh0,addr=dhcp --stats
sleep 1
stop_pid "$BG_PID"
[ "$STOP_STATUS" -eq 0 ] || fail "SIGTERM while waiting for a lease: status $STOP_STATUS"
grep -qE "^dhcp\.tx_discover [1-9]" "$T_TMP/nolease.err" || fail "no DISCOVER counted: $(cat "$T_TMP/nolease.err")"
grep -q "leased" "$T_TMP/nolease.err" && fail "a lease with no server"

: >"$T_TMP/leases"
bg_ns "$NS" "$T_TMP/dnsmasq.out" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
	--port=0 --interface=ustdh1 --bind-interfaces --dhcp-authoritative \
	--dhcp-range=10.74.0.50,10.74.0.60,255.255.255.0,2m --dhcp-option=option:router,$K \
	--dhcp-leasefile="$T_TMP/leases" --pid-file="$T_TMP/dnsmasq.pid" --log-dhcp \
	--log-facility="$T_TMP/dnsmasq.log"
DNSMASQ_PID=$BG_PID
wait_for 5 grep -q "sockets bound exclusively to interface ustdh1" "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq did not start: $(cat "$T_TMP/dnsmasq.out" "$T_TMP/dnsmasq.log" 2>/dev/null)"

mkdir -p "$T_TMP/www" && echo "leased over packet" >"$T_TMP/www/index.html"
ust_start "$NS" serve --dev "packet:ustdh0,addr=dhcp" --stats --serve "http:80,root=$T_TMP/www"
leased() { grep -qE "^ustack: ustdh0: leased 10\.74\.0\.(5[0-9]|60)/24 via $K for 120 s$" "$UST_ERR"; }
wait_for 20 leased || fail "no lease logged: $(cat "$UST_ERR")"
ADDR=$(sed -n 's/^ustack: ustdh0: leased \([0-9.]*\)\/24.*/\1/p' "$UST_ERR" | head -n 1)
grep -q "serving http on $ADDR:80/tcp (ustdh0)" "$UST_ERR" || fail "not serving on $ADDR"
grep -q " $ADDR " "$T_TMP/leases" || fail "dnsmasq's lease file has no $ADDR"
in_ns "$NS" ping -c 2 -W 2 "$ADDR" >/dev/null || fail "no answer to ping $ADDR"
body=$(in_ns "$NS" curl -sS --max-time 5 "http://$ADDR/index.html") || fail "curl http://$ADDR/ failed"
[ "$body" = "leased over packet" ] || fail "curl got '$body'"

ust_stop
expect_counter dhcp.leases -eq 1
expect_counter dhcp.tx_release -eq 1
wait_for 5 eval '! grep -q " $ADDR " "$T_TMP/leases"' ||
	fail "dnsmasq still holds $ADDR after the release: $(cat "$T_TMP/leases")"
stop_pid "$DNSMASQ_PID"
pass
