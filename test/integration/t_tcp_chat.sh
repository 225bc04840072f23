#!/bin/bash
# SPDX-License-Identifier: MIT
# Three users on ustack's `chat` at once: one real telnet client (fed from a fifo) and two
# kernel nc clients. A line from each user reaches both others.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_chat "$1"
ns_new NS
ust_serve "$NS" --serve chat

mkfifo "$T_TMP/a.in" "$T_TMP/b.in" "$T_TMP/c.in"
# Held open read-write so the clients never see EOF on stdin until the end.
exec 7<>"$T_TMP/a.in" 8<>"$T_TMP/b.in" 9<>"$T_TMP/c.in"
BG_STDIN=$T_TMP/a.in bg_ns "$NS" "$T_TMP/a.out" telnet "$US_ADDR" 23
BG_STDIN=$T_TMP/b.in bg_ns "$NS" "$T_TMP/b.out" nc "$US_ADDR" 23
BG_STDIN=$T_TMP/c.in bg_ns "$NS" "$T_TMP/c.out" nc "$US_ADDR" 23

established()
{
	[ "$(ip netns exec "$NS" ss -Htn state established "dport = :23" | wc -l)" -eq 3 ]
}
wait_for 10 established || fail "3 chat connections not established: $(ip netns exec "$NS" ss -tan | tail -n 5)"
grep -q 'Connected to' "$T_TMP/a.out" || wait_for 3 grep -q 'Connected to' "$T_TMP/a.out" ||
	fail "telnet did not connect: $(head -c 300 "$T_TMP/a.out")"

echo "hello from alice the telnet user $$" >&7
echo "hello from bob $$" >&8
echo "hello from carol $$" >&9

# got USER LINE
got() { wait_for 5 grep -qF "$2" "$T_TMP/$1.out"; }
got b "hello from alice the telnet user $$" || fail "bob did not get alice's (telnet) line: $(head -c 400 "$T_TMP/b.out")"
got c "hello from alice the telnet user $$" || fail "carol did not get alice's (telnet) line: $(head -c 400 "$T_TMP/c.out")"
got a "hello from bob $$" || fail "alice (telnet) did not get bob's line: $(head -c 400 "$T_TMP/a.out")"
got c "hello from bob $$" || fail "carol did not get bob's line: $(head -c 400 "$T_TMP/c.out")"
got a "hello from carol $$" || fail "alice (telnet) did not get carol's line: $(head -c 400 "$T_TMP/a.out")"
got b "hello from carol $$" || fail "bob did not get carol's line: $(head -c 400 "$T_TMP/b.out")"
echo "every line reached both other users"
# A line is not sent back to its author.
! grep -qF "hello from bob $$" "$T_TMP/b.out" || fail "bob got his own line back"
! grep -qF "hello from carol $$" "$T_TMP/c.out" || fail "carol got her own line back"
echo "--- what telnet (alice) saw:"
tr -d '\r' <"$T_TMP/a.out" | head -n 12 | sed 's/^/    /'
exec 7>&- 8>&- 9>&-
ust_alive || fail "ustack exited during the chat"
ust_stop
pass
