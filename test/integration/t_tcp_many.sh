#!/bin/bash
# 1,000 connections open at once to ustack's `echo`, each echoing its own line
# (tcp_many.py), then closed by the client. Afterwards every connection's state is gone,
# as the counters (SIGUSR1 while ustack still runs) show:
#   tcp.conn_accepts == 1000 and tcp.conn_closed (LAST_ACK -> CLOSED) + tcp.conn_drops == 1000
#   sock.opened - sock.closed back to what it was before the clients came (the listener)
#   pkb.alloc - pkb.free back to what it was before (no buffer held by a dead connection)
# NOTE: tcp/tcp.h has no gauge of live control blocks (tcp_pcb_count() is not a counter),
# so "all TCP state freed" is inferred from these balances.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_many "$1"
N=1000
ns_new NS
ust_serve "$NS" --serve echo
ust_stats_now "$T_TMP/before"
socks0=$(( $(counter_in "$T_TMP/before" sock.opened) - $(counter_in "$T_TMP/before" sock.closed) ))
pkbs0=$(( $(counter_in "$T_TMP/before" pkb.alloc) - $(counter_in "$T_TMP/before" pkb.free) ))

out=$(T_CMD_TIMEOUT=45 in_ns "$NS" "$PY" "$TESTDIR/tcp_many.py" "$US_ADDR" 7 $N 35 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "not all $N connections echoed (exit $rc)"

# The client closed first: ustack's side goes CLOSE_WAIT -> LAST_ACK -> CLOSED and nothing
# waits in TIME_WAIT on ustack's side. Give the closes a few seconds.
balanced()
{
	ust_stats_now "$T_TMP/after"
	local acc closed drops
	acc=$(counter_in "$T_TMP/after" tcp.conn_accepts)
	closed=$(counter_in "$T_TMP/after" tcp.conn_closed)
	drops=$(counter_in "$T_TMP/after" tcp.conn_drops)
	[ "$acc" -eq $N ] && [ $((closed + drops)) -eq "$acc" ]
}
for i in $(seq 1 10); do
	balanced && break
	sleep 0.5
done
grep -E '^(tcp\.conn|tcp\.rcv_(syn|accept|conn)|sock\.|pkb\.)' "$T_TMP/after" | sed 's/^/    /'
acc=$(counter_in "$T_TMP/after" tcp.conn_accepts)
closed=$(counter_in "$T_TMP/after" tcp.conn_closed)
drops=$(counter_in "$T_TMP/after" tcp.conn_drops)
[ "$acc" -eq $N ] || fail "tcp.conn_accepts is $acc, want $N"
[ $((closed + drops)) -eq "$acc" ] ||
	fail "$acc connections accepted but only $closed closed + $drops dropped after 5 s"
in_ns "$NS" ss -Htan "sport = :7 or dport = :7" | grep -v LISTEN | awk '{print $1}' | sort | uniq -c
socks=$(( $(counter_in "$T_TMP/after" sock.opened) - $(counter_in "$T_TMP/after" sock.closed) ))
[ "$socks" -eq "$socks0" ] || fail "$socks sockets open after the clients left, $socks0 before"
pkbs=$(( $(counter_in "$T_TMP/after" pkb.alloc) - $(counter_in "$T_TMP/after" pkb.free) ))
[ "$pkbs" -le "$pkbs0" ] || fail "$pkbs packet buffers held after the clients left, $pkbs0 before"
ust_alive || fail "ustack exited"
ust_stop
pass
