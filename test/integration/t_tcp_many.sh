#!/bin/bash
# SPDX-License-Identifier: MIT
# 1,000 connections open at once to ustack's `echo`, each echoing its own line
# (tcp_many.py), then closed by the client. The gauge tcp.conns_live (control blocks other
# than listeners, TIME_WAIT included) reads 1000 while they are all open and returns to 0
# once the client has closed them (ustack closes second: LAST_ACK -> CLOSED, no TIME_WAIT).
# The balances agree: accepted == closed + dropped, sockets open and packet buffers held
# are back to what they were before the clients came (and after a first ping).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_many "$1"
N=1000
ns_new NS
ust_serve "$NS" --serve echo
grep -qa conns_live "$UST" || fail "ustack has no tcp.conns_live counter (gap: no gauge of live connections)"
# One exchange first: after its first read the TAP keeps a spare receive buffer for good
# (driver/tap.c), which belongs in the baseline, not in the balance.
in_ns "$NS" ping -c 1 -W 2 "$US_ADDR" >/dev/null || fail "ustack does not answer a ping"
ust_stats_now "$T_TMP/before"
socks0=$(( $(counter_in "$T_TMP/before" sock.opened) - $(counter_in "$T_TMP/before" sock.closed) ))
pkbs0=$(( $(counter_in "$T_TMP/before" pkb.alloc) - $(counter_in "$T_TMP/before" pkb.free) ))

bg_ns "$NS" "$T_TMP/many.out" "$PY" "$TESTDIR/tcp_many.py" "$US_ADDR" 7 $N 35 "$T_TMP/release"
CLI=$BG_PID
live=-1
for i in $(seq 1 400); do
	grep -q '^holding' "$T_TMP/many.out" && break
	kill -0 "$CLI" 2>/dev/null || break
	sleep 0.1
done
if grep -q '^holding' "$T_TMP/many.out"; then
	ust_stats_now "$T_TMP/during"
	live=$(counter_in "$T_TMP/during" tcp.conns_live)
	echo "all $N echoed; tcp.conns_live while open: $live"
fi
touch "$T_TMP/release"
for i in $(seq 1 200); do
	kill -0 "$CLI" 2>/dev/null || break
	sleep 0.1
done
wait "$CLI"
rc=$?
cat "$T_TMP/many.out"
[ "$rc" -eq 0 ] || fail "not all $N connections echoed (exit $rc)"
[ "$live" -eq $N ] || fail "tcp.conns_live is $live with $N connections open"

# Give the closes a few seconds.
for i in $(seq 1 10); do
	ust_stats_now "$T_TMP/after"
	[ "$(counter_in "$T_TMP/after" tcp.conns_live)" -eq 0 ] && break
	sleep 0.5
done
grep -E '^(tcp\.conn|tcp\.rcv_(syn|accept|conn)|sock\.|pkb\.)' "$T_TMP/after" | sed 's/^/    /'
live=$(counter_in "$T_TMP/after" tcp.conns_live)
[ "$live" -eq 0 ] || fail "tcp.conns_live is $live 5 s after the client closed all $N connections"
acc=$(counter_in "$T_TMP/after" tcp.conn_accepts)
closed=$(counter_in "$T_TMP/after" tcp.conn_closed)
drops=$(counter_in "$T_TMP/after" tcp.conn_drops)
[ "$acc" -eq $N ] || fail "tcp.conn_accepts is $acc, want $N"
[ $((closed + drops)) -eq "$acc" ] || fail "$acc connections accepted but $closed closed + $drops dropped"
socks=$(( $(counter_in "$T_TMP/after" sock.opened) - $(counter_in "$T_TMP/after" sock.closed) ))
[ "$socks" -eq "$socks0" ] || fail "$socks sockets open after the clients left, $socks0 before"
pkbs=$(( $(counter_in "$T_TMP/after" pkb.alloc) - $(counter_in "$T_TMP/after" pkb.free) ))
[ "$pkbs" -le "$pkbs0" ] || fail "$pkbs packet buffers held after the clients left, $pkbs0 before"
ust_alive || fail "ustack exited"
ust_stop
pass
