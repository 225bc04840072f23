#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack --forward over PF_PACKET between two kernel namespaces, every veth with the
# kernel's default offloads (TSO, GSO, checksum offload on): ns1 (10.76.1.2) -- veth --
# ustack packet:ustga0 10.76.1.1 | packet:ustgb0 10.76.2.1 -- veth -- ns2 (10.76.2.2).
# A 50 MB download (curl GET from ns2's HTTP server) and a 50 MB upload (curl PUT to it)
# go through byte-exact. The kernels hand ustack TCP super-segments (packet.rx_gso_frames):
#   - offload=on (the default): they leave whole, with a GSO virtio-net header, and the
#     kernel cuts them (packet.tx_gso);
#   - offload=off on both devices (a second run, 10 MB each way): ustack cuts them itself
#     (net/gso.c: gso.fwd_supersegs, gso.segments_out), plain frames with full checksums;
#   - offload=on over interfaces whose TSO is off (a third run, 10 MB each way; this part
#     is about offloads, so it turns them off with packet_offload.py): the kernel still
#     takes ustack's super-segments and cuts them in software (its own GSO).
# The throughputs are printed, never asserted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin packet_gso "$1"
ns_new NR
ns_new N1
ns_new N2

veth_to()
{
	local here=$1 there=$2 ns=$3 addr=$4 gw=$5
	ip -n "$NR" link add "$here" type veth peer name "$there" netns "$ns" ||
		fail "cannot create the veth pair $here/$there"
	ip -n "$ns" addr add "$addr" dev "$there" || fail "cannot address $there"
	ip -n "$ns" link set "$there" up || fail "cannot bring $there up"
	ip -n "$ns" route add default via "$gw" dev "$there" || fail "cannot route $ns via $gw"
}
veth_to ustga0 ustga1 "$N1" 10.76.1.2/24 10.76.1.1
veth_to ustgb0 ustgb1 "$N2" 10.76.2.2/24 10.76.2.1

mkdir -p "$T_TMP/www"
rand_file "$T_TMP/down.bin" $((50 * 1024 * 1024))
cp "$T_TMP/down.bin" "$T_TMP/www/down.bin"
bg_ns "$N2" "$T_TMP/http.log" "$PY" "$TESTDIR/http_updown.py" 10.76.2.2 8080 "$T_TMP/www"
wait_for 10 ip netns exec "$N2" sh -c "ss -Hltn 'sport = :8080' | grep -q 8080" ||
	fail "the HTTP server in ns2 did not start"

# transfer MB: curl GET and PUT of MB megabytes through the router, checked by sha256;
# prints the rates curl measured.
transfer()
{
	local mb=$1 down up want
	head -c $((mb * 1024 * 1024)) "$T_TMP/down.bin" >"$T_TMP/www/d$mb.bin"
	want=$(sha "$T_TMP/www/d$mb.bin")
	down=$(T_CMD_TIMEOUT=100 in_ns "$N1" curl -sS --max-time 90 -w '%{speed_download}' \
		-o "$T_TMP/got.bin" "http://10.76.2.2:8080/d$mb.bin" 2>"$T_TMP/curl.err") ||
		fail "curl GET of $mb MB through ustack failed: $(head -c 300 "$T_TMP/curl.err")"
	[ "$(sha "$T_TMP/got.bin")" = "$want" ] ||
		fail "$mb MB download differs ($(stat -c %s "$T_TMP/got.bin") bytes)"
	up=$(T_CMD_TIMEOUT=100 in_ns "$N1" curl -sS --max-time 90 -w '%{speed_upload}' \
		-o /dev/null -T "$T_TMP/www/d$mb.bin" "http://10.76.2.2:8080/u$mb.bin" \
		2>"$T_TMP/curl.err") ||
		fail "curl PUT of $mb MB through ustack failed: $(head -c 300 "$T_TMP/curl.err")"
	[ -f "$T_TMP/www/u$mb.bin" ] && [ "$(sha "$T_TMP/www/u$mb.bin")" = "$want" ] ||
		fail "$mb MB upload differs ($(stat -c %s "$T_TMP/www/u$mb.bin" 2>/dev/null) bytes)"
	rm -f "$T_TMP/got.bin" "$T_TMP/www/u$mb.bin"
	echo "$mb MB down $((${down%.*} * 8 / 1000000)) Mbit/s, up $((${up%.*} * 8 / 1000000)) Mbit/s"
}

# 1: the default, offload=on.
ust_start "$NR" serve --forward --stats \
	--dev packet:ustga0,addr=10.76.1.1/24 --dev packet:ustgb0,addr=10.76.2.1/24
fwd_ok=0
for i in $(seq 1 50); do
	in_ns "$N1" ping -n -c 1 -W 1 10.76.2.2 >/dev/null 2>&1 && { fwd_ok=1; break; }
done
[ "$fwd_ok" = 1 ] || fail "no ping from ns1 to ns2 through ustack"
echo "offload=on: $(transfer 50)"
ust_alive || fail "ustack died"
ust_stop
expect_counter packet.rx_gso_frames -ge 10
expect_counter packet.tx_gso -ge 10
expect_counter packet.rx_bad_vnet_hdr -eq 0
expect_counter tcp.rcv_bad_sum -eq 0
for c in packet.rx_gso_frames packet.rx_large packet.tx_gso packet.tx_dropped_full \
	packet.rx_csum_partial ip.fwd_datagrams gso.segments_out; do
	echo "  $c $(counter $c)"
done

# 2: offload=off: the super-segments are cut by ustack.
ust_start "$NR" serve --forward --stats \
	--dev packet:ustga0,addr=10.76.1.1/24,offload=off \
	--dev packet:ustgb0,addr=10.76.2.1/24,offload=off
echo "offload=off: $(transfer 10)"
ust_alive || fail "ustack died"
ust_stop
expect_counter packet.rx_gso_frames -ge 10
expect_counter packet.tx_gso -eq 0
expect_counter gso.fwd_supersegs -ge 10
expect_counter gso.segments_out -ge 20
expect_counter gso.bad_superseg -eq 0
for c in packet.rx_gso_frames packet.tx_frames packet.tx_dropped_full gso.fwd_supersegs \
	gso.segments_out; do
	echo "  $c $(counter $c)"
done

# 3: offload=on, but the interfaces ustack sends through cannot segment.
for i in ustga0 ustgb0; do
	in_ns "$NR" "$PY" "$TESTDIR/packet_offload.py" "$i" tso off ||
		fail "cannot turn TSO off on $i"
done
ust_start "$NR" serve --forward --stats \
	--dev packet:ustga0,addr=10.76.1.1/24 --dev packet:ustgb0,addr=10.76.2.1/24
echo "offload=on, tso off: $(transfer 10)"
ust_alive || fail "ustack died"
ust_stop
expect_counter packet.tx_gso -ge 10
pass
