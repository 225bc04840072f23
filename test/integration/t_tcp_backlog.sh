#!/bin/bash
# SPDX-License-Identifier: MIT
# The listen backlog holds when handshakes complete, and no client is left connected but
# unserved for good. 50 clients connect at once to `echo` run with --max-conn 5 --backlog
# 10; each sends a line and closes 1 s after the echo (tcp_backlog.py).
#  1. default: at most 5 served + 10 in the accept queue exist as connections at any time
#     (tcp.conns_live; once all 50 queued behind --backlog 10). The handshakes beyond them
#     wait, their ACK dropped (tcp.listen_overflow) and retried, and every client is served
#     in turn.
#  2. --tcp abort_on_overflow=1: the handshakes beyond them are reset instead
#     (tcp.listen_overflow_rst); every client is served or reset, none left silent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_backlog "$1"
N=50
ns_new NS

run_clients()
{
	bg_ns "$NS" "$T_TMP/clients.out" "$PY" "$TESTDIR/tcp_backlog.py" "$US_ADDR" 7 $N 1 90 "$@"
	CLI=$BG_PID
	sleep 1
	ust_stats_now "$T_TMP/during"
	LIVE=$(counter_in "$T_TMP/during" tcp.conns_live)
	pid_wait_exit "$CLI" 100 || fail "the clients did not finish in 100 s"
	wait "$CLI"
	RC=$?
	cat "$T_TMP/clients.out"
}

# --- 1. default: drop the ACK, keep the entry
ust_serve "$NS" --serve echo --max-conn 5 --backlog 10
run_clients
echo "connections held 1 s in: $LIVE"
[ "$RC" -eq 0 ] || fail "not every client was served (exit $RC)"
[ "$LIVE" -le 15 ] || fail "$LIVE connections held with --max-conn 5 --backlog 10 (at most 15)"
grep -q "echoed $N " "$T_TMP/clients.out" || fail "not all $N clients echoed"
grep -q "max_open [1-5]\$" "$T_TMP/clients.out" || fail "more than --max-conn 5 served at once"
ust_alive || fail "ustack exited"
ust_stop
expect_counter tcp.listen_overflow -ge 1
expect_counter tcp.conn_accepts -eq $N

# --- 2. abort_on_overflow: RST
ust_serve "$NS" --serve echo --max-conn 5 --backlog 10 --tcp abort_on_overflow=1
run_clients --allow-reset
echo "connections held 1 s in: $LIVE"
[ "$RC" -eq 0 ] || fail "a client was left silent with abort_on_overflow=1 (exit $RC)"
[ "$LIVE" -le 15 ] || fail "$LIVE connections held with --max-conn 5 --backlog 10 (at most 15)"
ust_alive || fail "ustack exited"
ust_stop
expect_counter tcp.listen_overflow_rst -ge 1
pass
