#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack nc -u` against a kernel `nc -u -l`, and `ustack nc -u -l` against a kernel
# `nc -u` client: lines go both ways in each pairing. Then -q: after its stdin ends,
# `ustack nc -u -q 2` still prints a reply for 2 s, and exits 0 by itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin nc_udp "$1"

# wait_line SECONDS FILE TEXT: TEXT shows up in FILE in time.
wait_line() { wait_for "$1" grep -qF "$3" "$2"; }

# --- ustack is the client
ns_new NS
mkfifo "$T_TMP/k1.in" "$T_TMP/u1.in"
exec 7<>"$T_TMP/k1.in" 8<>"$T_TMP/u1.in"
BG_STDIN=$T_TMP/k1.in bg_ns "$NS" "$T_TMP/k1.out" nc -u -l 5000
UST_STDIN=$T_TMP/u1.in ust_start "$NS" nc --dev "$(dev_spec)" -u "$K_ADDR" 5000
echo "line one from ustack" >&8
wait_line 5 "$T_TMP/k1.out" "line one from ustack" ||
	fail "kernel nc -u -l did not get ustack's line (got: $(head -c 200 "$T_TMP/k1.out"))"
echo "line two from ustack" >&8
wait_line 5 "$T_TMP/k1.out" "line two from ustack" || fail "kernel did not get the second line"
echo "reply from the kernel" >&7
wait_line 5 "$UST_OUT" "reply from the kernel" ||
	fail "ustack nc -u did not print the kernel's reply (got: $(head -c 200 "$UST_OUT"))"
ust_alive || fail "ustack nc exited early"
# One thread waits on stdin and the socket together; the others are the loop's and the
# signals'.
threads=$(ls "/proc/$(ust_inner_pid)/task" | wc -l)
[ "$threads" -eq 3 ] || fail "ustack nc runs $threads threads, want 3 (main, loop, signals)"
ust_stop
exec 7>&- 8>&-

# --- ustack listens
ns_new NS2
mkfifo "$T_TMP/k2.in" "$T_TMP/u2.in"
exec 7<>"$T_TMP/k2.in" 8<>"$T_TMP/u2.in"
UST_STDIN=$T_TMP/u2.in ust_start "$NS2" nc --dev "$(dev_spec)" -u -l 6000
BG_STDIN=$T_TMP/k2.in bg_ns "$NS2" "$T_TMP/k2.out" nc -u "$US_ADDR" 6000
echo "hello from the kernel" >&7
wait_line 5 "$UST_OUT" "hello from the kernel" ||
	fail "ustack nc -u -l did not print the kernel's line (got: $(head -c 200 "$UST_OUT"))"
echo "hello back from ustack" >&8
wait_line 5 "$T_TMP/k2.out" "hello back from ustack" ||
	fail "kernel nc -u did not get ustack's reply (got: $(head -c 200 "$T_TMP/k2.out"))"
ust_alive || fail "ustack nc -l exited early"
ust_stop
exec 7>&- 8>&-

# --- -q SECS: stdin is a file that ends at once; replies are printed for SECS, then exit 0
ns_new NS3
mkfifo "$T_TMP/k3.in"
exec 7<>"$T_TMP/k3.in"
BG_STDIN=$T_TMP/k3.in bg_ns "$NS3" "$T_TMP/k3.out" nc -u -l 5002
wait_for 5 in_ns "$NS3" sh -c "ss -Hlun 'sport = :5002' | grep -q 5002" ||
	fail "kernel nc -u -l is not listening on 5002"
echo "the only line" >"$T_TMP/u3.in"
t0=$(date +%s%N)
UST_TIMEOUT=30 UST_STDIN=$T_TMP/u3.in ust_start "$NS3" nc --dev "$(dev_spec)" -u -q 2 "$K_ADDR" 5002
wait_line 5 "$T_TMP/k3.out" "the only line" ||
	fail "kernel nc -u -l did not get the line (got: $(head -c 200 "$T_TMP/k3.out"))"
echo "reply during the linger" >&7
ust_wait_exit 10 || fail "ustack nc -u -q 2 still running 10 s after its stdin ended"
el=$((($(date +%s%N) - t0) / 1000000))
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc -u -q 2 exited $UST_STATUS: $(tail -c 300 "$UST_ERR")"
grep -qF "reply during the linger" "$UST_OUT" ||
	fail "ustack nc -u -q 2 did not print the reply (got: $(head -c 200 "$UST_OUT"))"
[ "$el" -ge 1900 ] && [ "$el" -le 8000 ] || fail "ustack nc -u -q 2 took $el ms after start"
echo "nc -u -q 2: the reply printed, exit 0 after $el ms"
exec 7>&-
pass
