#!/bin/sh
# SPDX-License-Identifier: MIT
# ustack-addr [IFACE] [MAC]: prints ustack's IPv4 address on the lab network, found by its
# MAC (vagrant/provision.sh gives ustack a fixed one; its address may come from the
# network's DHCP server). Every address of IFACE's /24 is pinged once, all at once, so the
# kernel asks ARP for each; ustack answers for its own, and the neighbour table then maps
# ustack's MAC to it. The client VM of the Vagrant lab installs it as
# /usr/local/bin/ustack-addr:  telnet $(ustack-addr)
set -eu
IFACE=${1:-eth1}
MAC=${2:-02:00:00:5e:00:14}

net=$(ip -4 -o addr show dev "$IFACE" | awk '{ split($4, a, "/"); print a[1]; exit }' | cut -d. -f1-3)
[ -n "$net" ] || { echo "ustack-addr: $IFACE has no IPv4 address" >&2; exit 1; }
# find_mac [STATE]: the address the neighbour table maps to MAC (in STATE, if given)
find_mac()
{
	ip neigh show dev "$IFACE" |
		awk -v m="$MAC" -v st="${1:-}" '$2 == "lladdr" && $3 == m && (st == "" || $NF == st) { print $1; exit }'
}
# Always asked afresh: an entry from before may hold an address ustack no longer has.
# Root removes such entries first; anyone else takes the one the pings just confirmed
# (REACHABLE), which an old entry is too only if it was used in the last half minute.
for old in $(ip neigh show dev "$IFACE" | awk -v m="$MAC" '$2 == "lladdr" && $3 == m { print $1 }'); do
	ip neigh del "$old" dev "$IFACE" 2>/dev/null || true
done
i=1
while [ "$i" -le 254 ]; do
	ping -c 1 -W 1 "$net.$i" >/dev/null 2>&1 &
	i=$((i + 1))
done
wait
addr=$(find_mac REACHABLE)
[ -n "$addr" ] || addr=$(find_mac)
[ -n "$addr" ] || { echo "ustack-addr: no station with MAC $MAC on $net.0/24 ($IFACE)" >&2; exit 1; }
echo "$addr"
