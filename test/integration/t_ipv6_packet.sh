#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 over PF_PACKET on one end of a veth pair, the kernel on the other: the kernel's
# solicitations to ustack's solicited-node group reach it through the packet socket (the
# link-layer group filter of ether_input), the kernel pings ustack's addr6= and its
# link-local address, and both learn each other's MAC by neighbour discovery. Then TCP:
# curl -6 of 4 MB from ustack's `http` byte-exact, sent in TCPv6 super-segments that the
# kernel cuts (packet.tx_gso: the packet socket's virtio-net header, as a TAP's); a kernel
# client sending 8 MB through ustack's echo service and reading them back byte-exact, the
# veth handing ustack the kernel's TCPv6 super-segments whole (packet.rx_gso_frames); and
# nc -6 echo with ustack listening and connecting.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
. "$(dirname "$0")/ipv6_lib.sh"
t_begin ipv6_packet "$1"
need_cmd ping
need_cmd curl
need_cmd nc
ns_new NS
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
MAC=02:00:00:73:00:06
ip -n "$NS" link add ust6p0 type veth peer name ust6p1 || fail "cannot create the veth pair"
ip -n "$NS" addr add 10.73.6.1/24 dev ust6p1 || fail "cannot address ust6p1"
ip -n "$NS" addr add 2001:db8:73::1/64 dev ust6p1 nodad || fail "cannot add 2001:db8:73::1"
ip -n "$NS" link set ust6p1 up || fail "cannot bring ust6p1 up"
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((4 * 1024 * 1024))
want=$(sha "$T_TMP/www/big.bin")
PDEV="packet:ust6p0,addr=10.73.6.2/24,addr6=2001:db8:73::2/64,mac=$MAC"
ust_start "$NS" serve --dev "$PDEV" --stats --serve udp-echo --serve "http,root=$T_TMP/www" \
	--serve echo:7 --name "uipv6p-$$"
ust_wait_dad "uipv6p-$$"

out=$(in_ns "$NS" ping -6 -n -c 10 -i 0.05 -W 2 2001:db8:73::2 2>&1)
echo "$out" | tail -n 2
echo "$out" | grep -q '10 packets transmitted, 10 received, 0% packet loss' ||
	fail "ping -6 over PF_PACKET: $(echo "$out" | tail -n 2)"
# ustack's link-local: the all-nodes reply from its MAC's neighbour entry
in_ns "$NS" ping -6 -n -c 2 -i 0.3 -W 1 ff02::1%ust6p1 >/dev/null 2>&1
ll=$(ip -n "$NS" -6 neigh show dev ust6p1 | awk -v m="$MAC" '$1 ~ /^fe80::/ && $3 == m { print $1 }' | head -n 1)
[ -n "$ll" ] || fail "no link-local neighbour with ustack's MAC $MAC: $(ip -n "$NS" -6 neigh show dev ust6p1)"
out=$(in_ns "$NS" ping -6 -n -c 5 -i 0.05 -W 2 "$ll%ust6p1" 2>&1)
echo "$out" | grep -q '5 packets transmitted, 5 received, 0% packet loss' ||
	fail "ping -6 $ll over PF_PACKET: $(echo "$out" | tail -n 2)"
ip -n "$NS" -6 neigh show dev ust6p1 | grep -q "^2001:db8:73::2 lladdr $MAC " ||
	fail "the kernel has no entry for 2001:db8:73::2 with $MAC"
curl6 "http://[2001:db8:73::2]/big.bin"
cat "$T_TMP/www/big.bin" "$T_TMP/www/big.bin" >"$T_TMP/up.bin"
T_CMD_TIMEOUT=60 in_ns "$NS" /usr/bin/python3 -c '
import socket, sys, threading
s = socket.create_connection(("2001:db8:73::2", 7), timeout=30)
data = open(sys.argv[1], "rb").read()
def send():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
th = threading.Thread(target=send)
th.start()
with open(sys.argv[2], "wb") as f:
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        f.write(b)
th.join()' "$T_TMP/up.bin" "$T_TMP/echo.bin" 2>"$T_TMP/up.err" ||
	fail "8 MB through echo: $(tail -n 3 "$T_TMP/up.err")"
[ "$(sha "$T_TMP/echo.bin")" = "$(sha "$T_TMP/up.bin")" ] ||
	fail "8 MB through echo: $(stat -c %s "$T_TMP/echo.bin") bytes back, not the file"
echo "kernel client -> echo -> back: 8 MB byte-exact"
ust_alive || fail "ustack died"
ust_stop
expect_counter icmp6.out_echo_replies -ge 15
expect_counter nd.tx_na -ge 1
expect_counter nd.tx_ns -ge 1
expect_counter packet.tx_gso -ge 5
expect_counter packet.rx_gso_frames -ge 5
expect_counter tcp.snd_tso_segs -ge 5
expect_counter packet.rx_bad_vnet_hdr -eq 0
echo "TCPv6 super-segments through the packet socket: $(counter packet.tx_gso) out," \
	"$(counter packet.rx_gso_frames) in"
nc6_both "$PDEV" 2001:db8:73::2 2001:db8:73::1
pass
