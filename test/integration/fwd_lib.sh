# SPDX-License-Identifier: MIT
# Helpers for the forwarding and multi-device tests (sourced after lib.sh).
#
# fwd_move_tap IF NS ADDR/N [GW]: moves the kernel side of one of ustack's TAPs from
# ustack's namespace into NS (ustack keeps its file descriptor; the link comes back down
# in the new namespace), gives it ADDR/N, brings it up and, with GW, routes everything
# else through GW (ustack).
fwd_move_tap()
{
	local ifname=$1 ns=$2 addr=$3 gw=${4:-}
	ip -n "$UST_NS" link set "$ifname" netns "$ns" || fail "cannot move $ifname into $ns"
	ip -n "$ns" addr add "$addr" dev "$ifname" || fail "cannot add $addr to $ifname in $ns"
	ip -n "$ns" link set "$ifname" up || fail "cannot bring $ifname up in $ns"
	if [ -n "$gw" ]; then
		ip -n "$ns" route add default via "$gw" dev "$ifname" ||
			fail "cannot route $ns through $gw"
	fi
}

# fwd_wait_ping NS ADDR: a first ping gets through within 5 s (ARP on both sides settles).
fwd_wait_ping()
{
	wait_for 5 ip netns exec "$1" ping -n -c 1 -W 1 "$2" ||
		fail "no ping reply from $2 in $1 within 5 s"
}
