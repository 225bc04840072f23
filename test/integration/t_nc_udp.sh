#!/bin/bash
# `ustack nc -u` against a kernel `nc -u -l`, and `ustack nc -u -l` against a kernel
# `nc -u` client: lines go both ways in each pairing.
. "$(dirname "$0")/lib.sh"
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
pass
