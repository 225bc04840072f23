#!/bin/bash
# SPDX-License-Identifier: MIT
# Slowloris figures: CONNS connections (2000) each send an unfinished HTTP request head and
# then one header byte every 5 s, for SECS seconds (60), each replaced at once when the
# server closes it (as the slowloris tool does; SLOW_RECONNECT=0: not), while curl fetches a small page
# every 0.5 s from another address (each fetch limited to 5 s). Reported per server: curl
# fetches served and failed, curl's median and slowest time, the slow connections the
# server held at most and at the end. Servers, all in the same run and namespaces:
#   ustack serve http with --http-header-timeout 0 (no head timeout: only the reclaim of
#   a slow head's slot at --max-conn),
#   with its defaults (head timeout 20 s), with --max-conn-per-source 64 as well,
#   and the kernel's TCP under Python's ThreadingHTTPServer (a thread per connection).
# The attack comes from ATTACK_SOURCES addresses (1: one host; more spreads it out).
# Figures, not assertions.
#   bench/slowloris.sh build/ustack
# Environment: SLOW_CONNS (2000), SLOW_SECS (60), SLOW_INTERVAL (5), ATTACK_SOURCES (1),
# SLOW_RECONNECT (1).
set -u
UST=${1:-build/ustack}
CONNS=${SLOW_CONNS:-2000}
SECS=${SLOW_SECS:-60}
INTERVAL=${SLOW_INTERVAL:-5}
NSRC=${ATTACK_SOURCES:-1}
RECONNECT=$([ "${SLOW_RECONNECT:-1}" = 1 ] && echo --reconnect)
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
b_begin slbench "$UST" curl
[ "$NSRC" -ge 1 ] && [ "$NSRC" -le 100 ] || { echo "bench: ATTACK_SOURCES 1..100" >&2; exit 1; }

NS=ust-sl-$$
NS2=ust-sl2-$$

mkdir "$TMP/www"
echo "hello" >"$TMP/www/index.html"
b_ns "$NS" || exit 1
# The kernel server's namespace, one veth away: 10.0.1.2.
b_ns "$NS2" || exit 1
ip -n "$NS" link add vk type veth peer name vk netns "$NS2"
ip -n "$NS" addr add 10.0.1.1/24 dev vk && ip -n "$NS" link set vk up
ip -n "$NS2" addr add 10.0.1.2/24 dev vk && ip -n "$NS2" link set vk up

sources=""
for i in $(seq 1 "$NSRC"); do sources="$sources${sources:+,}10.0.SUB.$((100 + i))"; done

# add_addrs SUB DEV: in NS on DEV, curl's address 10.0.SUB.50 and the attackers' 10.0.SUB.101..
add_addrs()
{
	for a in 50 $(seq 101 $((100 + NSRC))); do
		ip -n "$NS" addr add "10.0.$1.$a/24" dev "$2" 2>/dev/null
	done
}

# attack NAME HOST SUB: the slow connections and the curl loop against HOST, from addresses
# 10.0.SUB.x (already configured); prints one line of figures.
attack()
{
	local name=$1 host=$2 sub=$3 end n=0 ok=0 bad=0 t
	: >"$TMP/curl.txt"
	b_bg timeout -k 5 $((SECS + 30)) ip netns exec "$NS" "$PY" "$HERE/../test/integration/slowloris.py" \
		--host "$host" --port 80 --conns "$CONNS" --interval "$INTERVAL" --duration "$SECS" \
		--sources "${sources//SUB/$sub}" $RECONNECT >"$TMP/slow.json" 2>"$TMP/slow.err"
	local slow=$B_PID
	sleep 2
	end=$(($(date +%s) + SECS - 4))
	while [ "$(date +%s)" -lt "$end" ]; do
		t=$(timeout 10 ip netns exec "$NS" curl -s -o /dev/null --max-time 5 \
			--interface "10.0.$sub.50" -w '%{time_total}' "http://$host/index.html") &&
			echo "ok $t" >>"$TMP/curl.txt" || echo "fail $t" >>"$TMP/curl.txt"
		sleep 0.5
	done
	wait "$slow"
	"$PY" - "$name" "$TMP/slow.json" "$TMP/curl.txt" <<'EOF'
import json, sys
name, slow, curl = sys.argv[1:]
try:
    d = json.load(open(slow))
except Exception:
    d = {}
lines = [l.split() for l in open(curl) if l.strip()]
ok = sorted(float(l[1]) for l in lines if l[0] == "ok")
bad = sum(1 for l in lines if l[0] != "ok")
med = ok[len(ok) // 2] if ok else float("nan")
print("%-44s curl served %3d failed %3d (median %.3f s, slowest %.3f s); slow conns held "
      "max %s, at the end %s; opened %s, closed by the server %s" %
      (name, len(ok), bad, med, ok[-1] if ok else float("nan"), d.get("max_held"),
       d.get("held_at_end"), d.get("conns"), d.get("closed_by_server")))
EOF
}

# ustack: TAP in NS, 10.0.0.2; attackers 10.0.0.101.., curl 10.0.0.50
run_ustack()
{
	local name=$1
	shift
	b_bg timeout -k 5 $((SECS + 60)) ip netns exec "$NS" "$UST" serve \
		--dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 --serve "http,root=$TMP/www" \
		--max-conn 1024 "$@" >"$TMP/ust.out" 2>"$TMP/ust.err"
	local pid=$B_PID
	b_wait_for 10 grep -q serving "$TMP/ust.err"
	add_addrs 0 ustap0
	attack "$name" 10.0.0.2 0
	b_stop "$pid"
}

echo "slowloris: $CONNS connections from $NSRC address(es), a header byte every ${INTERVAL} s, ${SECS} s${RECONNECT:+, reconnecting}"
run_ustack "ustack, --http-header-timeout 0 (none)" --http-header-timeout 0
run_ustack "ustack, defaults (head timeout 20 s)"
run_ustack "ustack, defaults + --max-conn-per-source 64" --max-conn-per-source 64

# the kernel: Python's ThreadingHTTPServer in NS2; attackers and curl in NS, 10.0.1.x
add_addrs 1 vk
b_bg timeout -k 5 $((SECS + 60)) ip netns exec "$NS2" "$PY" -c '
import http.server, functools, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
h.log_message = lambda *a: None
http.server.ThreadingHTTPServer.request_queue_size = 1024
http.server.ThreadingHTTPServer(("10.0.1.2", 80), h).serve_forever()' "$TMP/www" \
	>/dev/null 2>"$TMP/py.err"
sleep 1
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
attack "Linux, Python ThreadingHTTPServer" 10.0.1.2 1
