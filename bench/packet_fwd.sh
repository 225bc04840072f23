#!/bin/bash
# SPDX-License-Identifier: MIT
# Forwarding over PF_PACKET with the kernel's default offloads: ns1 -- veth -- router --
# veth -- ns2, a curl download of BENCH_MB from ns2's HTTP server (python3 http.server)
# and an nc upload of the same size into ns2 (to /dev/null). The router is, in turn:
#   kernel        the Linux kernel's own forwarding (the ceiling, same run)
#   ustack        ustack serve --forward on packet: (offload=on: super-segments go back to
#                 the kernel whole with a GSO virtio-net header)
#   ustack-soft   the same with offload=off (ustack cuts them: net/gso.c)
# Figures and ratios to the kernel, not assertions.
#   bench/packet_fwd.sh build/ustack
# Environment: BENCH_MB (transfer size, 200).
set -u
UST=${1:-build/ustack}
MB=${BENCH_MB:-200}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin pfbench "$UST" curl nc python3
NR=ust-pf-r-$$
N1=ust-pf-1-$$
N2=ust-pf-2-$$

for n in "$NR" "$N1" "$N2"; do
	b_ns "$n" || exit 1
done
ip -n "$NR" link add pfa0 type veth peer name pfa1 netns "$N1" || exit 1
ip -n "$NR" link add pfb0 type veth peer name pfb1 netns "$N2" || exit 1
ip -n "$N1" addr add 10.81.1.2/24 dev pfa1 && ip -n "$N1" link set pfa1 up &&
	ip -n "$N1" route add default via 10.81.1.1 || exit 1
ip -n "$N2" addr add 10.81.2.2/24 dev pfb1 && ip -n "$N2" link set pfb1 up &&
	ip -n "$N2" route add default via 10.81.2.1 || exit 1
ip -n "$NR" link set pfa0 up && ip -n "$NR" link set pfb0 up || exit 1

mkdir -p "$TMP/www"
head -c $((MB * 1024 * 1024)) /dev/urandom >"$TMP/www/big"
b_bg timeout 600 ip netns exec "$N2" "$PY" -m http.server 8080 --bind 10.81.2.2 \
	--directory "$TMP/www" >/dev/null 2>&1
sleep 1

# measure: prints "down_mbps up_mbps" for whatever router is running.
measure()
{
	local down s e np
	for i in $(seq 1 50); do
		ip netns exec "$N1" ping -n -c 1 -W 1 10.81.2.2 >/dev/null 2>&1 && break
	done
	down=$(timeout 120 ip netns exec "$N1" curl -s -o /dev/null -w '%{speed_download}' \
		http://10.81.2.2:8080/big 2>/dev/null | awk '{ printf "%.0f", $1 * 8 / 1e6 }')
	b_bg timeout 120 ip netns exec "$N2" sh -c 'nc -l -p 9000 >/dev/null'
	np=$B_PID
	sleep 0.5
	s=$(date +%s.%N)
	timeout 120 ip netns exec "$N1" nc -N 10.81.2.2 9000 <"$TMP/www/big"
	e=$(date +%s.%N)
	wait "$np"
	echo "${down:-n/a} $(awk -v b=$((MB * 1024 * 1024)) -v s="$s" -v e="$e" \
		'BEGIN { printf "%.0f", b * 8 / (e - s) / 1e6 }')"
}

# kernel
ip -n "$NR" addr add 10.81.1.1/24 dev pfa0 && ip -n "$NR" addr add 10.81.2.1/24 dev pfb0
ip netns exec "$NR" sysctl -q -w net.ipv4.ip_forward=1
read -r k_down k_up <<<"$(measure)"
ip netns exec "$NR" sysctl -q -w net.ipv4.ip_forward=0
ip -n "$NR" addr flush dev pfa0 && ip -n "$NR" addr flush dev pfb0
for n in "$N1" "$N2"; do ip -n "$n" neigh flush all; done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a ~ /^[0-9]+$/) printf "%.2f", a / b; else print "n/a" }'; }
printf '%-12s %10s %10s %8s %8s\n' router down_Mbps up_Mbps down/k up/k
printf '%-12s %10s %10s %8s %8s\n' kernel "$k_down" "$k_up" 1.00 1.00
for mode in on off; do
	b_bg timeout 600 ip netns exec "$NR" "$UST" serve --forward \
		--dev "packet:pfa0,addr=10.81.1.1/24,offload=$mode" \
		--dev "packet:pfb0,addr=10.81.2.1/24,offload=$mode" >/dev/null 2>&1
	up_pid=$B_PID
	sleep 1
	read -r d u <<<"$(measure)"
	b_stop "$up_pid"
	for n in "$N1" "$N2"; do ip -n "$n" neigh flush all; done
	name=ustack
	[ "$mode" = off ] && name=ustack-soft
	printf '%-12s %10s %10s %8s %8s\n' "$name" "$d" "$u" "$(ratio "$d" "$k_down")" \
		"$(ratio "$u" "$k_up")"
done
