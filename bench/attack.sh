#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack benchmarks, ustack and the Linux kernel side by side in the same run:
#  1. time until a legitimate GET is served after 3,000 spoofed SYNs
#     (hping3 -S --rand-source -c 3000 -i u100), curl retried with a 1 s limit;
#  2. % of GETs (curl every 0.2 s, 2 s limit each) served during a BENCH_FLOOD_SECS (30) s
#     flood of spoofed SYNs (hping3 -i u100, bounded in count);
#  3. TCP segments sent in the 2 s after one land SYN (source = destination, same port).
# ustack serves `http` on a TAP (10.0.0.2) with its kernel side (10.0.0.1) as gateway; the
# kernel serves the same page (Python's http.server, listen backlog 128 as ustack's) on a
# veth (10.9.0.2) with the client's side (10.9.0.1) as default route. The client namespace
# does not forward, so SYN,ACKs to the spoofed sources end there. Each with SYN cookies on
# (the default of both) and off. Figures, not assertions.
#   bench/attack.sh build/ustack
set -u
UST=${1:-build/ustack}
FLOOD_SECS=${BENCH_FLOOD_SECS:-30}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin attack "$UST" hping3 curl nstat
LAND=$HERE/../test/integration/land.py

NS=ust-atk-$$
NS2=ust-atk2-$$
echo "the page" >"$TMP/index.html"

# --- the two servers ---
# ustack_up ARGS...: ustack serving http in $NS; its PID in SRV
ustack_up()
{
	b_ns "$NS"
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=0
	b_bg ip netns exec "$NS" "$UST" serve --dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 \
		--gw 10.0.0.1 --stats --serve http,root="$TMP" "$@" 2>"$TMP/ustack.log" </dev/null
	SRV=$B_PID
	ADDR=10.0.0.2 CLI_NS=$NS IFACE=ustap0
	b_wait_for 30 get 1 || { echo "bench: ustack did not serve in 30 s" >&2; exit 1; }
}
# kernel_up COOKIES: the kernel serving the page in $NS2, the client in $NS
kernel_up()
{
	b_ns "$NS" && b_ns "$NS2"
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=0
	ip netns exec "$NS2" sysctl -qw net.ipv4.tcp_syncookies="$1"
	ip link add vatk0 netns "$NS" type veth peer name vatk1 netns "$NS2"
	ip -n "$NS" addr add 10.9.0.1/24 dev vatk0; ip -n "$NS2" addr add 10.9.0.2/24 dev vatk1
	ip -n "$NS" link set vatk0 up; ip -n "$NS2" link set vatk1 up
	ip -n "$NS2" route add default via 10.9.0.1
	b_bg ip netns exec "$NS2" "$PY" -c '
import http.server, os, sys
os.chdir(sys.argv[1])
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 128
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
S(("10.9.0.2", 80), H).serve_forever()' "$TMP" 2>/dev/null
	SRV=$B_PID
	ADDR=10.9.0.2 CLI_NS=$NS IFACE=vatk0
	# the interpreter can take seconds to start on a loaded machine: flood only a server
	b_wait_for 30 get 1 || { echo "bench: the kernel's web server did not come up in 30 s" >&2; exit 1; }
}
down()
{
	b_stop "$SRV"
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	sleep 0.5
}

get() # one GET with a limit of $1 seconds
{
	timeout $(($1 + 2)) ip netns exec "$CLI_NS" curl -s -m "$1" -o /dev/null "http://$ADDR/index.html"
}

# after_flood: seconds from the end of 3,000 spoofed SYNs until a GET is served (max 150)
after_flood()
{
	timeout 60 ip netns exec "$CLI_NS" hping3 -q -S -p 80 --rand-source -c 3000 -i u100 "$ADDR" \
		>/dev/null 2>&1
	local t0 t1
	t0=$(date +%s.%N)
	while :; do
		get 1 && break
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a > 150) }' && { echo ">150"; return; }
	done
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# during_flood: % of GETs served during a FLOOD_SECS flood
during_flood()
{
	local ok=0 n=0 hp end
	b_bg timeout $((FLOOD_SECS + 30)) ip netns exec "$CLI_NS" hping3 -q -S -p 80 --rand-source \
		-c $((FLOOD_SECS * 10000)) -i u100 "$ADDR" >/dev/null 2>&1
	hp=$B_PID
	end=$(( $(date +%s) + FLOOD_SECS ))
	while [ "$(date +%s)" -lt "$end" ] && kill -0 "$hp" 2>/dev/null; do
		n=$((n + 1))
		get 2 && ok=$((ok + 1))
		sleep 0.2
	done
	b_stop "$hp"
	awk -v o=$ok -v n=$n 'BEGIN { printf "%.0f%% (%d/%d)", n ? 100 * o / n : 0, o, n }'
}

ust_counter() # NAME: from a SIGUSR1 print
{
	b_usr1 "$SRV" "$TMP/ustack.log" | awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }'
}

# tcp_out_segs NS: the kernel's Tcp OutSegs in NS (/proc/net/snmp is per namespace)
tcp_out_segs()
{
	ip netns exec "$1" awk '$1 == "Tcp:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) if ($i == "OutSegs") c = i }
		$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $c }' /proc/net/snmp
}

# land: TCP segments the server sends in the 2 s after one land SYN
land()
{
	local mac a b
	get 1 >/dev/null
	if [ "$IFACE" = ustap0 ]; then
		mac=$(ip -n "$CLI_NS" neigh show 10.0.0.2 dev ustap0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
		a=$(ust_counter tcp.snd_total)
		ip netns exec "$CLI_NS" "$PY" "$LAND" ustap0 "$mac" 10.0.0.2 --syn-only 80 >/dev/null
		sleep 2
		b=$(ust_counter tcp.snd_total)
	else
		mac=$(ip -n "$NS2" link show vatk1 | awk '/ether/ { print $2 }')
		a=$(tcp_out_segs "$NS2")
		ip netns exec "$CLI_NS" "$PY" "$LAND" vatk0 "$mac" 10.9.0.2 --syn-only 80 >/dev/null
		sleep 2
		b=$(tcp_out_segs "$NS2")
	fi
	echo $((b - a))
}

declare -A R
for cookies in 1 0; do
	ustack_up --tcp syncookies=$cookies
	R[u_after_$cookies]=$(after_flood)
	down
	ustack_up --tcp syncookies=$cookies
	R[u_during_$cookies]=$(during_flood)
	down
	kernel_up $cookies
	R[k_after_$cookies]=$(after_flood)
	down
	kernel_up $cookies
	R[k_during_$cookies]=$(during_flood)
	down
done
ustack_up
R[u_land]=$(land)
down
kernel_up 1
R[k_land]=$(land)
down

printf '\nattack benchmarks (ustack %s, Linux %s)\n' "$(basename "$UST")" "$(uname -r)"
printf '%-58s %-16s %-16s\n' "" "ustack" "Linux"
printf '%-58s %-16s %-16s\n' "s until served after 3000 spoofed SYNs, cookies on" "${R[u_after_1]}" "${R[k_after_1]}"
printf '%-58s %-16s %-16s\n' "s until served after 3000 spoofed SYNs, cookies off" "${R[u_after_0]}" "${R[k_after_0]}"
printf '%-58s %-16s %-16s\n' "GETs served during a ${FLOOD_SECS} s SYN flood, cookies on" "${R[u_during_1]}" "${R[k_during_1]}"
printf '%-58s %-16s %-16s\n' "GETs served during a ${FLOOD_SECS} s SYN flood, cookies off" "${R[u_during_0]}" "${R[k_during_0]}"
printf '%-58s %-16s %-16s\n' "TCP segments sent in 2 s after one land SYN" "${R[u_land]}" "${R[k_land]}"
