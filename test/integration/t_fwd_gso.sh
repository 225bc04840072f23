#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack --forward between a TAP with offload (ns1, 10.75.1.0/24: the kernel hands over
# TCP super-segments of up to 64 KB) and a TAP without (offload=off, ns2, 10.75.2.0/24,
# MTU 1400): a 20 MB curl PUT from ns1 to ns2 and a 20 MB GET back, byte-exact. The
# super-segments from ns1 cannot leave whole through the second TAP, so ustack cuts them
# (net/gso.c: gso.fwd_supersegs, gso.segments_out) into segments of the MSS ns2 asked
# for, instead of fragmenting them. The kernel in ns2 verifies every TCP checksum.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwd_lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin fwd_gso "$1"
ns_new NR
ns_new N1
ns_new N2

ust_start "$NR" serve --forward --stats \
	--dev tap:ustha0,addr=10.75.1.1/24 --dev tap:usthb0,addr=10.75.2.1/24,mtu=1400,offload=off
fwd_move_tap ustha0 "$N1" 10.75.1.2/24 10.75.1.1
fwd_move_tap usthb0 "$N2" 10.75.2.2/24 10.75.2.1
ip -n "$N2" link set usthb0 mtu 1400 || fail "cannot set the MTU in ns2"
fwd_wait_ping "$N1" 10.75.2.2

mkdir -p "$T_TMP/www"
rand_file "$T_TMP/up.bin" $((20 * 1024 * 1024))
want=$(sha "$T_TMP/up.bin")
bg_ns "$N2" "$T_TMP/http.log" "$PY" "$TESTDIR/http_updown.py" 10.75.2.2 8080 "$T_TMP/www"
wait_for 10 ip netns exec "$N2" sh -c "ss -Hltn 'sport = :8080' | grep -q 8080" ||
	fail "the HTTP server in ns2 did not start"

up=$(T_CMD_TIMEOUT=100 in_ns "$N1" curl -sS --max-time 90 -w '%{speed_upload}' -o /dev/null \
	-T "$T_TMP/up.bin" http://10.75.2.2:8080/up.bin 2>"$T_TMP/curl.err") ||
	fail "curl PUT through ustack failed: $(head -c 300 "$T_TMP/curl.err")"
[ -f "$T_TMP/www/up.bin" ] && [ "$(sha "$T_TMP/www/up.bin")" = "$want" ] ||
	fail "20 MB upload differs ($(stat -c %s "$T_TMP/www/up.bin" 2>/dev/null) bytes)"
down=$(T_CMD_TIMEOUT=100 in_ns "$N1" curl -sS --max-time 90 -w '%{speed_download}' \
	-o "$T_TMP/got.bin" http://10.75.2.2:8080/up.bin 2>"$T_TMP/curl.err") ||
	fail "curl GET through ustack failed: $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/got.bin")" = "$want" ] ||
	fail "20 MB download differs ($(stat -c %s "$T_TMP/got.bin") bytes)"
echo "20 MB up $((${up%.*} * 8 / 1000000)) Mbit/s, down $((${down%.*} * 8 / 1000000)) Mbit/s"

ust_alive || fail "ustack died"
ust_stop
expect_counter tap.rx_gso -ge 10
expect_counter gso.fwd_supersegs -ge 10
expect_counter gso.segments_out -ge 20
expect_counter gso.bad_superseg -eq 0
expect_counter ip.fwd_fragmented -eq 0
for c in tap.rx_gso tap.tx_gso gso.fwd_supersegs gso.segments_out ip.fwd_fragmented \
	ip.fwd_datagrams; do
	echo "  $c $(counter $c)"
done
pass
