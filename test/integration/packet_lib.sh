# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The PF_PACKET device on one end of a veth pair, the kernel on the other, both with the
# kernel's default offloads, for t_packet_veth and t_packet_ring.
#
# packet_veth_run NET PREFIX [,DEVICE-OPTIONS]: ustack serves udp-echo, echo and http
# on packet:PREFIX0 at 10.NET.0.2, the kernel at 10.NET.0.1 on PREFIX1 in namespace $NS;
# ping, UDP echo, a small and a 50 MB curl download and 20 MB through the TCP echo must
# be byte-exact; ustack is stopped and the counters every variant must show are checked,
# with no frame refused by the kernel (at start the veth's carrier comes up late).
packet_veth_run()
{
	ns_new NS
	US=10.$1.0.2
	K=10.$1.0.1
	ip -n "$NS" link add "${2}0" type veth peer name "${2}1" || fail "cannot create the veth pair"
	ip -n "$NS" addr add "$K/24" dev "${2}1" || fail "cannot address ${2}1"
	ip -n "$NS" link set "${2}1" up || fail "cannot bring ${2}1 up"

	mkdir -p "$T_TMP/www"
	head -c 300000 /dev/urandom >"$T_TMP/www/blob"
	rand_file "$T_TMP/www/big" $((50 * 1024 * 1024))
	ust_start "$NS" serve --dev "packet:${2}0,addr=$US/24,mac=02:00:00:$1:00:02${3:-}" --stats \
		--serve udp-echo --serve echo --serve "http,root=$T_TMP/www"

	out=$(in_ns "$NS" ping -n -c 20 -i 0.02 -W 2 "$US" 2>&1)
	echo "$out" | grep -q '20 packets transmitted, 20 received' ||
		fail "ping over PF_PACKET: $(echo "$out" | grep transmitted)"
	in_ns "$NS" "$PY" "$TESTDIR/udp_echo_client.py" "$US" 7 --random 4 >/dev/null ||
		fail "UDP echo over PF_PACKET broken"
	in_ns "$NS" curl -sf --max-time 15 -o "$T_TMP/got" "http://$US/blob" || fail "curl over PF_PACKET failed"
	cmp -s "$T_TMP/got" "$T_TMP/www/blob" || fail "curl over PF_PACKET: body differs"
	rate=$(T_CMD_TIMEOUT=100 in_ns "$NS" curl -sS --max-time 90 -w '%{speed_download}' \
		-o "$T_TMP/got" "http://$US/big" 2>"$T_TMP/curl.err") ||
		fail "curl of 50 MB over PF_PACKET failed: $(head -c 300 "$T_TMP/curl.err")"
	[ "$(sha "$T_TMP/got")" = "$(sha "$T_TMP/www/big")" ] ||
		fail "50 MB over PF_PACKET differs ($(stat -c %s "$T_TMP/got") bytes)"
	echo "curl 50 MB from ustack: $((${rate%.*} * 8 / 1000000)) Mbit/s"
	rm -f "$T_TMP/got"
	head -c $((20 * 1024 * 1024)) "$T_TMP/www/big" >"$T_TMP/echo.in"
	T_CMD_TIMEOUT=100 in_ns "$NS" nc -N -w 30 "$US" 7 <"$T_TMP/echo.in" >"$T_TMP/echo.out" ||
		fail "nc to the TCP echo failed"
	cmp -s "$T_TMP/echo.in" "$T_TMP/echo.out" ||
		fail "20 MB through the TCP echo over PF_PACKET differs ($(stat -c %s "$T_TMP/echo.out") bytes back)"
	ust_alive || fail "ustack died"
	ust_stop
	expect_counter packet.rx_csum_partial -ge 20
	expect_counter udp.in_bad_cksum -eq 0
	expect_counter tcp.rcv_bad_sum -eq 0
	expect_counter packet.rx_outgoing_ignored -ge 1
	expect_counter packet.rx_gso_frames -ge 1
	expect_counter packet.tx_gso -ge 1
	expect_counter packet.rx_bad_vnet_hdr -eq 0
	expect_counter packet.tx_batches -ge 1
	# nothing refused: the address's gratuitous ARP at start waited for the carrier
	expect_counter arp.tx_gratuitous -ge 1
	expect_counter packet.tx_errors -eq 0
	expect_counter netdev.tx_errors -eq 0
}
