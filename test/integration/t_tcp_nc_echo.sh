#!/bin/bash
# SPDX-License-Identifier: MIT
# The kernel's nc (netcat-openbsd) sends 20 MB of random data to ustack's `echo` and reads
# the 20 MB echoed back; -N half-closes after stdin EOF, so nc ends when ustack's echo has
# sent everything and closed. The copy must be byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_nc_echo "$1"
ns_new NS
rand_file "$T_TMP/in.bin" $((20 * 1024 * 1024))
want=$(sha "$T_TMP/in.bin")
ust_serve "$NS" --serve echo

T_CMD_TIMEOUT=60 in_ns "$NS" nc -N -w 15 "$US_ADDR" 7 <"$T_TMP/in.bin" >"$T_TMP/out.bin" \
	2>"$T_TMP/nc.err"
rc=$?
got=$(sha "$T_TMP/out.bin")
size=$(stat -c %s "$T_TMP/out.bin")
[ "$rc" -eq 0 ] || fail "nc exited $rc after $size echoed bytes: $(head -c 300 "$T_TMP/nc.err")"
[ "$got" = "$want" ] || fail "echo differs: $size bytes back of $((20 * 1024 * 1024)), sha256 $got, want $want"
echo "20 MB echoed byte-exact"
ust_alive || fail "ustack exited during the transfer"
ust_stop
expect_counter tcp.rcv_in_order_bytes -ge $((20 * 1024 * 1024))
pass
