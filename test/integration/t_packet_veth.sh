#!/bin/bash
# PF_PACKET on one end of a veth pair, the kernel on the other (10.73.0.1), both with
# the kernel's default offloads: ping, UDP echo and TCP both ways (curl of a file, 1 MB
# through the TCP echo service) reach ustack. The kernel's UDP and TCP leave with partial
# checksums (tx checksum offload); the driver completes them from the virtio-net header
# (PACKET_VNET_HDR), which the counter packet.rx_csum_completed shows. TSO is turned off
# on the kernel's end (packet_offload.py, an ethtool ioctl): segments larger than the MTU
# are not cut up by ustack (packet.rx_gso_dropped).
. "$(dirname "$0")/lib.sh"
t_begin packet_veth "$1"
ns_new NS
US=10.73.0.2
K=10.73.0.1
ip -n "$NS" link add ustpk0 type veth peer name ustpk1 || fail "cannot create the veth pair"
ip -n "$NS" addr add "$K/24" dev ustpk1 || fail "cannot address ustpk1"
ip -n "$NS" link set ustpk1 up || fail "cannot bring ustpk1 up"

mkdir -p "$T_TMP/www"
head -c 300000 /dev/urandom >"$T_TMP/www/blob"
ust_start "$NS" serve --dev "packet:ustpk0,addr=$US/24,mac=02:00:00:73:00:02" --stats \
	--serve udp-echo --serve echo --serve "http,root=$T_TMP/www"

out=$(in_ns "$NS" ping -n -c 20 -i 0.02 -W 2 "$US" 2>&1)
echo "$out" | grep -q '20 packets transmitted, 20 received' ||
	fail "ping over PF_PACKET: $(echo "$out" | grep transmitted)"
in_ns "$NS" "$PY" "$TESTDIR/udp_echo_client.py" "$US" 7 --random 4 >/dev/null ||
	fail "UDP echo over PF_PACKET broken"
in_ns "$NS" curl -sf --max-time 15 -o "$T_TMP/got" "http://$US/blob" || fail "curl over PF_PACKET failed"
cmp -s "$T_TMP/got" "$T_TMP/www/blob" || fail "curl over PF_PACKET: body differs"
head -c 1000000 /dev/urandom >"$T_TMP/echo.in"
in_ns "$NS" nc -N -w 10 "$US" 7 <"$T_TMP/echo.in" >"$T_TMP/echo.out" || fail "nc to the TCP echo failed"
cmp -s "$T_TMP/echo.in" "$T_TMP/echo.out" ||
	fail "1 MB through the TCP echo over PF_PACKET differs ($(stat -c %s "$T_TMP/echo.out") bytes back)"
ust_alive || fail "ustack died"
ust_stop
expect_counter packet.rx_csum_partial -ge 20
expect_counter udp.in_bad_cksum -eq 0
expect_counter tcp.rcv_bad_sum -eq 0
expect_counter packet.rx_outgoing_ignored -ge 1
for c in packet.rx_csum_partial packet.rx_gso_frames packet.tx_gso; do echo "$c $(counter $c)"; done
pass
