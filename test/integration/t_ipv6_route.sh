#!/bin/bash
# SPDX-License-Identifier: MIT
# Static IPv6 routes through a kernel router. Namespace R: the kernel's side of ustack's
# TAP (2001:db8::1/64, and fe80::1), forwarding to namespace F over a veth (R
# 2001:db8:5::1, F 2001:db8:5::2, with 2001:db8:7::7 on F's loopback). ustack
# (2001:db8::2/64) has --route 2001:db8:5::/48,via=2001:db8::1 and --gw fe80::1,dev=TAP:
#  1. serve: `ctl route` lists both routes; F pings ustack (the replies leave by the /48
#     route) and from 2001:db8:7::7 (by the default route through the link-local
#     gateway); F downloads 8 MB with curl -6, byte-exact; `ctl route del ::/0` silences
#     the answers to 2001:db8:7::7, `ctl route add ::/0 via fe80::1 dev TAP` brings them
#     back.
#  2. ustack ping of 2001:db8:5::2 with the /48 route alone.
#  3. ustack get of 8 MB from F's http.server on 2001:db8:7::7 through the link-local
#     default route, byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin ipv6_route "$1"
need_cmd curl
need_cmd ping
ns_new R
ns_new F
in_ns "$R" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
in_ns "$F" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
N=ut6r-$$
trap 'rm -f /run/ustack/$N.sock; t_cleanup' EXIT
ip link add ur6r0 netns "$R" type veth peer name ur6f0 netns "$F" ||
	fail "cannot make the veth pair"
ip -n "$R" addr add 2001:db8:5::1/64 dev ur6r0 nodad
ip -n "$F" addr add 2001:db8:5::2/64 dev ur6f0 nodad
ip -n "$F" addr add 2001:db8:7::7/128 dev lo
ip -n "$R" link set ur6r0 up
ip -n "$F" link set ur6f0 up
ip -n "$F" link set lo up
ip -n "$F" -6 route add default via 2001:db8:5::1 dev ur6f0 || fail "no default route in F"
ip -n "$R" -6 route add 2001:db8:7::7/128 via 2001:db8:5::2 dev ur6r0 ||
	fail "no route to 2001:db8:7::7 in R"
in_ns "$R" sysctl -qw net.ipv6.conf.all.forwarding=1 || fail "cannot turn on forwarding in R"

mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((8 * 1024 * 1024))
want=$(sha "$T_TMP/www/big.bin")
DEV6="$(dev_spec),addr6=2001:db8::2/64,host6=2001:db8::1/64"
ROUTES=(--route 2001:db8:5::/48,via=2001:db8::1 --gw "fe80::1,dev=$TAPIF")

# the kernel's link-local gateway on the TAP ustack just made
add_ll() { ip -n "$R" addr add fe80::1/64 dev "$TAPIF" nodad || fail "cannot add fe80::1"; }

# 1. serve
ust_start "$R" serve --dev "$DEV6" "${ROUTES[@]}" --stats --name "$N" \
	--serve "http,root=$T_TMP/www"
add_ll
ust_wait_dad "$N"
"$UST" ctl "$N" route >"$T_TMP/route.out" || fail "ctl route exited $?"
cat "$T_TMP/route.out"
grep -qx "2001:db8:5::/48 via 2001:db8::1 dev $TAPIF proto static" "$T_TMP/route.out" ||
	fail "ctl route does not list the /48"
grep -qx "default via fe80::1 dev $TAPIF proto static" "$T_TMP/route.out" ||
	fail "ctl route does not list the link-local default route"
out=$(in_ns "$F" ping -6 -n -c 3 -i 0.2 -W 2 -w 15 2001:db8::2 2>&1)
echo "$out" | grep -q '3 packets transmitted, 3 received' ||
	fail "F's ping -6 through R: $(echo "$out" | tail -n 2)"
out=$(in_ns "$F" ping -6 -n -c 3 -i 0.2 -W 2 -w 15 -I 2001:db8:7::7 2001:db8::2 2>&1)
echo "$out" | grep -q '3 packets transmitted, 3 received' ||
	fail "F's ping -6 from 2001:db8:7::7 (replies by the default route): $(echo "$out" | tail -n 2)"
echo "F pings ustack: replies by the /48 and by the default route"
t0=$(date +%s.%N)
T_CMD_TIMEOUT=90 in_ns "$F" curl -sS -g --max-time 80 -o "$T_TMP/got.bin" \
	"http://[2001:db8::2]/big.bin" 2>"$T_TMP/curl.err" ||
	fail "curl -6 through R: $(head -c 300 "$T_TMP/curl.err")"
t1=$(date +%s.%N)
[ "$(sha "$T_TMP/got.bin")" = "$want" ] || fail "curl -6's copy differs"
echo "curl -6 from F through R: 8 MB byte-exact, $(echo "$t0 $t1" | awk '{printf "%.1f MB/s", 8 / ($2 - $1)}')"
# ctl route del and add: without the default route 2001:db8:7::7 has no answer
"$UST" ctl "$N" route del ::/0 || fail "ctl route del ::/0 exited $?"
in_ns "$F" ping -6 -n -c 1 -W 1 -I 2001:db8:7::7 2001:db8::2 >/dev/null 2>&1 &&
	fail "an answer to 2001:db8:7::7 without the default route"
"$UST" ctl "$N" route add ::/0 via fe80::1 dev "$TAPIF" || fail "ctl route add ::/0 exited $?"
"$UST" ctl "$N" route add ::/0 via fe80::1 >/dev/null 2>"$T_TMP/e.err" &&
	fail "ctl route add of a link-local gateway without dev succeeded"
grep -q "needs its device" "$T_TMP/e.err" || fail "ctl route add without dev said: $(cat "$T_TMP/e.err")"
out=$(in_ns "$F" ping -6 -n -c 2 -i 0.2 -W 2 -I 2001:db8:7::7 2001:db8::2 2>&1)
echo "$out" | grep -q '2 packets transmitted, 2 received' ||
	fail "no answer to 2001:db8:7::7 after ctl route add: $(echo "$out" | tail -n 2)"
echo "ctl route del ::/0: no answer to 2001:db8:7::7; ctl route add ::/0 via fe80::1: answers"
ust_alive || fail "ustack died"
ust_stop

# 2. ustack ping through the /48 route
ust_start "$R" ping --dev "$DEV6" --route 2001:db8:5::/48,via=2001:db8::1 -c 3 -i 0.2 -W 3 \
	2001:db8:5::2
ust_wait_exit 20 || fail "ustack ping did not end"
grep -q "3 packets transmitted, 3 received" "$UST_OUT" ||
	fail "ustack ping 2001:db8:5::2 (status $UST_STATUS): $(tail -n 2 "$UST_OUT") $(tail -n 2 "$UST_ERR")"
echo "ustack ping 2001:db8:5::2 by the /48 route: 3 of 3"

# 3. ustack get from F through the link-local default route
bg_ns "$F" "$T_TMP/pyhttp.out" /usr/bin/python3 -m http.server --bind 2001:db8:7::7 \
	--directory "$T_TMP/www" 8081
PYH=$BG_PID
wait_for 10 in_ns "$F" sh -c "ss -Hltn 'sport = :8081' | grep -q ." ||
	fail "F's http.server is not listening"
t0=$(date +%s.%N)
ust_start "$R" get --dev "$DEV6" "${ROUTES[@]}" -s -o "$T_TMP/get.bin" \
	"http://[2001:db8:7::7]:8081/big.bin"
add_ll
ust_wait_exit 60 || fail "ustack get did not end"
t1=$(date +%s.%N)
[ "$UST_STATUS" -eq 0 ] || fail "ustack get exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
[ "$(sha "$T_TMP/get.bin")" = "$want" ] || fail "ustack get's copy differs"
echo "ustack get from 2001:db8:7::7 by the default route via fe80::1: 8 MB byte-exact, $(echo "$t0 $t1" | awk '{printf "%.1f MB/s", 8 / ($2 - $1)}')"
stop_pid "$PYH"
pass
