#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 over PF_PACKET on one end of a veth pair, the kernel on the other: the kernel's
# solicitations to ustack's solicited-node group reach it through the packet socket (the
# link-layer group filter of ether_input), the kernel pings ustack's addr6= and its
# link-local address, and both learn each other's MAC by neighbour discovery. Then TCP:
# curl -6 of 4 MB from ustack's `http` byte-exact, and nc -6 echo with ustack listening
# and connecting.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin ipv6_packet "$1"
need_cmd ping
need_cmd curl
need_cmd nc

# nc6_both DEVSPEC US6 K6: nc -6 echo with ustack listening (the kernel's line to its
# stdout, its line back) and with ustack connecting to the kernel's nc -l
nc6_both()
{
	local out
	printf 'from ustack\n' >"$T_TMP/ust.in"
	UST_STDIN=$T_TMP/ust.in ust_start "$NS" nc --dev "$1" -v -6 -l 9000
	wait_for 10 grep -q "Listening on :: 9000" "$UST_ERR" || fail "ustack nc -l: $(cat "$UST_ERR")"
	out=$(echo "from kernel" | T_CMD_TIMEOUT=15 in_ns "$NS" nc -6 -w 3 "$2" 9000 2>&1)
	ust_wait_exit 10 || fail "ustack nc -l did not end after the kernel's nc closed"
	grep -qx "from kernel" "$UST_OUT" || fail "ustack nc -l got: $(cat "$UST_OUT")"
	[ "$out" = "from ustack" ] || fail "the kernel's nc got '$out'"
	echo "nc -6: ustack listening, both ways"
	bg_ns "$NS" "$T_TMP/knc.out" nc -6 -d -l -p 9001
	KNC=$BG_PID
	wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :9001' | grep -q ." ||
		fail "the kernel's nc -l is not listening"
	printf 'to kernel\n' >"$T_TMP/ust.in"
	UST_STDIN=$T_TMP/ust.in ust_start "$NS" nc --dev "$1" -q 1 "$3" 9001
	ust_wait_exit 20 || fail "ustack nc to [$3]:9001 did not end"
	pid_wait_exit "$KNC" 10 || fail "the kernel's nc -l did not end"
	grep -qx "to kernel" "$T_TMP/knc.out" ||
		fail "the kernel's nc -l got: $(cat "$T_TMP/knc.out"); ustack: $(tail -n 5 "$UST_ERR")"
	echo "nc -6: ustack connecting, delivered"
}

# curl6 URL: curl -6 of the 4 MB file, byte-exact; prints the rate
curl6()
{
	local t0 t1
	rm -f "$T_TMP/got.bin"
	t0=$(date +%s.%N)
	T_CMD_TIMEOUT=90 in_ns "$NS" curl -6 -sS -g --max-time 80 -o "$T_TMP/got.bin" "$1" \
		2>"$T_TMP/curl.err" || fail "curl -6 $1: $(head -c 300 "$T_TMP/curl.err")"
	t1=$(date +%s.%N)
	[ "$(sha "$T_TMP/got.bin")" = "$want" ] ||
		fail "curl -6 $1: $(stat -c %s "$T_TMP/got.bin") bytes, not the file"
	echo "curl -6 $1: 4 MB byte-exact, $(echo "$t0 $t1" | awk '{printf "%.1f MB/s", 4 / ($2 - $1)}')"
}
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
	--name "uipv6p-$$"
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
ust_alive || fail "ustack died"
ust_stop
expect_counter icmp6.out_echo_replies -ge 15
expect_counter nd.tx_na -ge 1
expect_counter nd.tx_ns -ge 1
nc6_both "$PDEV" 2001:db8:73::2 2001:db8:73::1
pass
