#!/bin/bash
# SPDX-License-Identifier: MIT
# TUN end to end (an L3 device: no Ethernet, no ARP). ustack serves echo, HTTP and UDP
# echo on 10.72.0.2 over tun:usttun0 with host=10.72.0.1 (the kernel's point-to-point
# address with ustack's as its peer); from the namespace ping, curl, wget, nc (TCP) and
# a UDP client reach it. Then ustack's own nc and get reach kernel servers (nc -l and
# python3 -m http.server) bound to the kernel's TUN address.
. "$(dirname "$0")/lib.sh"
t_begin tun_e2e "$1"
ns_new NS
US=10.72.0.2
K=10.72.0.1
DEV="tun:usttun0,addr=$US/32,host=$K"

mkdir -p "$T_TMP/www"
head -c 200000 /dev/urandom >"$T_TMP/www/blob"
ust_start "$NS" serve --dev "$DEV" --stats --serve echo --serve "http,root=$T_TMP/www" \
	--serve udp-echo
ip -n "$NS" -o addr show dev usttun0 | grep -q "inet $K peer $US/32" ||
	fail "kernel side not point-to-point: $(ip -n "$NS" -o addr show dev usttun0)"
ip -n "$NS" -d link show usttun0 | grep -q 'link/none' || fail "usttun0 is not an L3 tun"

out=$(in_ns "$NS" ping -n -c 20 -i 0.02 -W 2 "$US" 2>&1)
echo "$out" | grep -q '20 packets transmitted, 20 received' ||
	fail "ping over TUN: $(echo "$out" | grep transmitted)"
out=$(in_ns "$NS" ping -n -c 2 -i 0.2 -W 2 -s 4000 "$US" 2>&1)
echo "$out" | grep -q '2 packets transmitted, 2 received' ||
	fail "ping -s 4000 (fragments) over TUN: $(echo "$out" | grep transmitted)"

in_ns "$NS" curl -sf --max-time 15 -o "$T_TMP/curl.out" "http://$US/blob" || fail "curl over TUN failed"
cmp -s "$T_TMP/curl.out" "$T_TMP/www/blob" || fail "curl over TUN: body differs"
in_ns "$NS" wget -q -T 15 -t 1 -O "$T_TMP/wget.out" "http://$US/blob" || fail "wget over TUN failed"
cmp -s "$T_TMP/wget.out" "$T_TMP/www/blob" || fail "wget over TUN: body differs"
got=$(printf 'hello over tun\n' | in_ns "$NS" nc -N -w 5 "$US" 7)
[ "$got" = "hello over tun" ] || fail "nc to the TCP echo over TUN: got '$got'"
in_ns "$NS" "$PY" "$TESTDIR/udp_echo_client.py" "$US" 7 --random 4 >/dev/null ||
	fail "UDP echo over TUN broken"
ust_alive || fail "ustack died"
ust_stop
expect_counter icmp.out_echo_reply -ge 22
expect_counter tap.rx_frames -ge 50
expect_counter arp.tx_request -eq 0
expect_counter ether.rx_frames -eq 0

# ustack as the client. The kernel's address exists only while ustack holds the tun:
# let the kernel servers bind it beforehand.
in_ns "$NS" sysctl -q -w net.ipv4.ip_nonlocal_bind=1 || fail "cannot set ip_nonlocal_bind"
head -c 100000 /dev/urandom >"$T_TMP/k.in"
head -c 100000 /dev/urandom >"$T_TMP/u.in"
# The kernel's nc closes only after ustack's FIN (no -N). And Debian's nc -l, given the
# peer's FIN, closes at once and drops what it has not yet read of its stdin: so ustack
# nc's stdin stays open (and its FIN waits) until all of the kernel's bytes have arrived
# (at most 20 s), or on a loaded machine the kernel's side could be cut short.
BG_STDIN=$T_TMP/k.in bg_ns "$NS" "$T_TMP/k.out" nc -l "$K" 5555
KNC=$BG_PID
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5555' | grep -q 5555" || fail "kernel nc -l not listening"
: >"$T_TMP/u.out"
{
	cat "$T_TMP/u.in"
	for _ in $(seq 1 200); do
		[ "$(stat -c %s "$T_TMP/u.out")" -ge "$(stat -c %s "$T_TMP/k.in")" ] && break
		sleep 0.1
	done
} | T_CMD_TIMEOUT=30 in_ns "$NS" "$UST" nc --dev "$DEV" "$K" 5555 >"$T_TMP/u.out" \
	2>"$T_TMP/unc.err" || fail "ustack nc over TUN exited $?: $(tail -n 2 "$T_TMP/unc.err")"
for i in $(seq 1 50); do kill -0 "$KNC" 2>/dev/null || break; sleep 0.1; done
cmp -s "$T_TMP/u.out" "$T_TMP/k.in" || fail "kernel -> ustack nc over TUN differs ($(stat -c %s "$T_TMP/u.out") bytes)"
cmp -s "$T_TMP/k.out" "$T_TMP/u.in" || fail "ustack -> kernel nc over TUN differs ($(stat -c %s "$T_TMP/k.out") bytes)"

bg_ns "$NS" "$T_TMP/httpd.log" "$PY" -m http.server 8000 --bind "$K" --directory "$T_TMP/www"
wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :8000' | grep -q 8000" || fail "http.server not listening"
T_CMD_TIMEOUT=30 in_ns "$NS" "$UST" get --dev "$DEV" --timeout 15 "http://$K:8000/blob" \
	>"$T_TMP/get.out" 2>"$T_TMP/get.err" || fail "ustack get over TUN exited $?: $(tail -n 2 "$T_TMP/get.err")"
cmp -s "$T_TMP/get.out" "$T_TMP/www/blob" || fail "ustack get over TUN: body differs"
pass
