#!/bin/bash
# SPDX-License-Identifier: MIT
# Two ustack instances talk to each other through kernel routing: ustack-1 on a TAP in
# namespace A, ustack-2 on a TUN in namespace B; A and B are joined by a veth and both
# forward (ip_forward=1), so every packet crosses two kernel routers.
#
#   ustack-1 10.1.0.2 =tap= A (10.1.0.1; 10.3.0.1) =veth= (10.3.0.2; 10.2.0.1) B =tun= 10.2.0.2 ustack-2
#
# 1. a conversation: `ustack nc -l` on the TAP and `ustack nc` on the TUN, lines both ways,
#    then a half-close from each side and both exit 0;
# 2. a file transfer: `ustack serve --serve http` on the TAP, `ustack get` on the TUN,
#    byte-exact (sha256), and the kernels' forwarding counters show the path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge_lib.sh"
t_begin two_stacks "$1"

US_ADDR=10.1.0.2 K_ADDR=10.1.0.1 # lib.sh's TAP defaults, for ust_start's readiness check
TUN_DEV="tun:ustun0,addr=10.2.0.2/24,host=10.2.0.1"

ns_new A
ns_new B
for ns in "$A" "$B"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 || fail "ip_forward in $ns"
done
ip -n "$A" link add eth0 type veth peer name eth0 netns "$B" || fail "cannot create the veth"
ip -n "$A" addr add 10.3.0.1/30 dev eth0 && ip -n "$B" addr add 10.3.0.2/30 dev eth0 &&
	ip -n "$A" link set eth0 up && ip -n "$B" link set eth0 up ||
	fail "cannot configure the veth between $A and $B"
ip -n "$A" route add 10.2.0.0/24 via 10.3.0.2 && ip -n "$B" route add 10.1.0.0/24 via 10.3.0.1 ||
	fail "cannot add the routes between $A and $B"

# us2_start OUT ERR ARGS...: ustack-2 in B (stdin from US2_STDIN), waits until the kernel
# side of its TUN is configured or ustack-2 has exited. PID in US2_PID.
us2_start()
{
	local out=$1 err=$2 i
	shift 2
	timeout --foreground -k 2 60 ip netns exec "$B" "$UST" "$@" >"$out" 2>"$err" \
		<"${US2_STDIN:-/dev/null}" &
	US2_PID=$!
	T_PIDS+=("$US2_PID")
	for i in $(seq 1 100); do
		ip -n "$B" -o addr show dev ustun0 2>/dev/null | grep -q "inet 10.2.0.1 peer 10.2.0.2" &&
			return 0
		# A fast `get` may be done before this loop looks: the caller checks its status.
		kill -0 "$US2_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "ustack-2's TUN not configured after 10 s"
}

# --- 1. conversation: nc -l on the TAP, nc on the TUN
fifo_open u1
fifo_open u2
UST_STDIN=$T_TMP/u1.in ust_start "$A" nc --dev "$(dev_spec)" --gw 10.1.0.1 --stats -l 5000
US2_STDIN=$T_TMP/u2.in us2_start "$T_TMP/u2.out" "$T_TMP/u2.err" \
	nc --dev "$TUN_DEV" --gw 10.2.0.1 --stats 10.1.0.2 5000

fifo_say u2 "hello from ustack-2 on the tun"
wait_text 10 "$UST_OUT" "hello from ustack-2 on the tun" ||
	fail "ustack-1 did not print ustack-2's line (got: $(head -c 200 "$UST_OUT");" \
		"ustack-2: $(tail -c 300 "$T_TMP/u2.err"))"
fifo_say u1 "hello back from ustack-1 on the tap"
wait_text 5 "$T_TMP/u2.out" "hello back from ustack-1 on the tap" ||
	fail "ustack-2 did not print ustack-1's reply (got: $(head -c 200 "$T_TMP/u2.out"))"
for i in $(seq 1 20); do fifo_say u2 "ustack-2 line $i"; done
wait_text 5 "$UST_OUT" "ustack-2 line 20" || fail "ustack-1 missed ustack-2's burst"
seq 1 20 | sed 's/^/ustack-2 line /' >"$T_TMP/burst.want"
grep '^ustack-2 line' "$UST_OUT" | cmp -s - "$T_TMP/burst.want" ||
	fail "ustack-2's 20 lines arrived altered or out of order"

# ustack-2's stdin ends: FIN to ustack-1, which then ends too; both exit 0.
fifo_end u2
pid_gone 10 "$UST_PID" || fail "ustack-1 (nc -l) still runs 10 s after ustack-2's FIN"
ust_stop
pid_gone 10 "$US2_PID" || fail "ustack-2 (nc) still runs 10 s after ustack-1 closed"
wait "$US2_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "ustack-2 (nc) exited $rc: $(tail -c 300 "$T_TMP/u2.err")"
fifo_end u1
echo "conversation between ustack-1 (tap) and ustack-2 (tun) held"

# --- 2. a file from ustack-1's http to ustack-2's get
mkdir "$T_TMP/www"
head -c $((8 * 1024 * 1024 + 17)) /dev/urandom >"$T_TMP/www/f.bin"
want=$(sha "$T_TMP/www/f.bin")
fwd_a=$(ip_snmp "$A" ForwDatagrams)
fwd_b=$(ip_snmp "$B" ForwDatagrams)
ust_start "$A" serve --dev "$(dev_spec)" --gw 10.1.0.1 --stats --serve http,root="$T_TMP/www" \
	--serve chat
us2_start "$T_TMP/get.bin" "$T_TMP/get.err" get --dev "$TUN_DEV" --gw 10.2.0.1 --stats \
	--timeout 20 http://10.1.0.2/f.bin
pid_gone 40 "$US2_PID" || fail "ustack get still runs after 40 s"
wait "$US2_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "ustack get exited $rc: $(tail -c 400 "$T_TMP/get.err")"
got=$(sha "$T_TMP/get.bin")
[ "$got" = "$want" ] ||
	fail "ustack get's copy: $(stat -c %s "$T_TMP/get.bin") bytes, sha256 $got, want $want"
echo "8 MB from ustack-1's http to ustack-2's get, byte-exact"

# Each data segment was forwarded by both kernels: at least 8 MB / 1460 in each, or with
# TAP/TUN offload (the default) 8 MB / 64 KB, as a GSO super-segment is one datagram.
min_fwd=5700
case "$(dev_spec),$TUN_DEV" in *offload=off*offload=off*) ;; *) min_fwd=128 ;; esac
for ns in A B; do
	before=fwd_$(echo "$ns" | tr AB ab)
	now=$(ip_snmp "${!ns}" ForwDatagrams)
	[ $((now - ${!before})) -ge $min_fwd ] ||
		fail "namespace $ns forwarded only $((now - ${!before})) datagrams"
done
# ustack-2's own counters (--stats at exit): the bytes came in order over the TUN.
rcvd=$(awk '$1 == "tcp.rcv_in_order_bytes" { print $2 }' "$T_TMP/get.err")
[ "${rcvd:-0}" -ge $((8 * 1024 * 1024)) ] ||
	fail "ustack-2 counted ${rcvd:-0} in-order bytes, want at least 8 MB"

ust_alive || fail "ustack-1 (serve) exited during the transfer"
ust_stop
expect_counter tcp.conn_accepts -ge 1
expect_counter tcp.snd_data_bytes -ge $((8 * 1024 * 1024))
expect_counter tcp.rcv_bad_sum -eq 0
pass
