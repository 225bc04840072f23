#!/bin/bash
# SPDX-License-Identifier: MIT
# Demo: ustack on a TAP in a network namespace of its own, answering ping, arping and UDP
# echo from the kernel's side, with its --trace output (one line per packet) shown after
# each step. Needs root. Builds nothing: `make demo` builds first.
#   test/demo.sh build/ustack
set -u
UST=${1:-build/ustack}
[ -x "$UST" ] || { echo "demo: $UST not built; run 'make demo'" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (namespaces, TAP devices)" >&2; exit 1; }
UST=$(cd "$(dirname "$UST")" && pwd)/$(basename "$UST")

NS=ust-demo-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ust-demo.XXXXXX")
LOG=$TMP/ustack.log
PID=
cleanup()
{
	trap - EXIT INT TERM
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

SHOWN=0
# Prints what ustack wrote since the last call.
show_ustack()
{
	sleep 0.3
	local n
	n=$(wc -l <"$LOG")
	if [ "$n" -gt "$SHOWN" ]; then
		echo "  -- ustack printed (--trace: one line per packet, < in, > out):"
		sed -n "$((SHOWN + 1)),${n}p" "$LOG" | sed 's/^/  ustack | /'
	fi
	SHOWN=$n
}
heading() { printf '\n=== %s\n' "$*"; }
run() { echo "\$ $*"; timeout --foreground 30 ip netns exec "$NS" "$@" 2>&1 | sed 's/^/  /'; }

heading "Namespace $NS, ustack on TAP ustap0: ustack 10.0.0.2, the kernel 10.0.0.1"
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
# No IPv6 chatter from the kernel's side: the trace then shows only the demo's traffic.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
CMD="$UST serve --dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 --serve udp-echo --trace --stats"
echo "\$ ip netns exec $NS ${CMD#"$(dirname "$UST")/"}"
# shellcheck disable=SC2086
timeout --foreground 300 ip netns exec "$NS" $CMD >"$LOG" 2>&1 </dev/null &
PID=$!
for _ in $(seq 1 100); do
	ip -n "$NS" -o addr show dev ustap0 2>/dev/null | grep -q 'inet 10.0.0.1/' && break
	kill -0 "$PID" 2>/dev/null || { echo "ustack exited:"; cat "$LOG"; exit 1; }
	sleep 0.1
done
run ip -br addr show dev ustap0
show_ustack

heading "ping: the kernel pings ustack"
run ping -n -c 3 -i 0.3 -W 2 10.0.0.2
show_ustack

heading "arping: ARP requests from the kernel's side, answered by ustack"
run arping -c 2 -w 5 -i ustap0 10.0.0.2
show_ustack

heading "UDP echo (port 7): a kernel UDP socket sends a line, ustack sends it back"
echo "\$ echo 'hello, ustack' | nc -u -w 1 10.0.0.2 7"
echo 'hello, ustack' | timeout --foreground 10 ip netns exec "$NS" nc -u -w 1 10.0.0.2 7 2>&1 | sed 's/^/  /'
show_ustack

heading "ping -s 3000: the request and the reply travel in fragments"
run ping -n -c 1 -W 2 -s 3000 10.0.0.2
show_ustack

heading "Stopping ustack (SIGTERM): its counters (--stats)"
kill -TERM "$PID"
for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
wait "$PID" 2>/dev/null
echo "ustack exited with status $?"
PID=
show_ustack
heading "Done: namespace and TAP removed"
