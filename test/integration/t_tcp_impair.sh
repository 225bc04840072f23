#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack's own seeded fault injector: frames reordered, duplicated and delayed in both
# directions. 20 MB through `echo` (kernel -> ustack -> kernel) and a 20 MB `http`
# download (ustack -> kernel) stay byte-exact, and the injector did act.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_impair "$1"
SIZE=$((20 * 1024 * 1024))
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $SIZE
rand_file "$T_TMP/in.bin" $SIZE
ust_serve "$NS" --serve echo --serve "http,root=$T_TMP/www" --impair reorder=3,dup=2,delay=2,seed=8

start=$(date +%s)
T_CMD_TIMEOUT=40 in_ns "$NS" nc -N -w 20 "$US_ADDR" 7 <"$T_TMP/in.bin" >"$T_TMP/echo.bin" 2>"$T_TMP/nc.err"
rc=$?
[ "$rc" -eq 0 ] || fail "nc to echo exited $rc after $(stat -c %s "$T_TMP/echo.bin") of $SIZE bytes back"
[ "$(sha "$T_TMP/echo.bin")" = "$(sha "$T_TMP/in.bin")" ] ||
	fail "echo under reorder/dup/delay differs: $(stat -c %s "$T_TMP/echo.bin") of $SIZE bytes"
echo "echo 20 MB byte-exact ($(( $(date +%s) - start )) s)"

start=$(date +%s)
T_CMD_TIMEOUT=35 in_ns "$NS" curl -sS --max-time 25 -o "$T_TMP/get.bin" "http://$US_ADDR/f.bin" \
	2>"$T_TMP/curl.err" || fail "curl failed (exit $?): $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/get.bin")" = "$(sha "$T_TMP/www/f.bin")" ] ||
	fail "http download under reorder/dup/delay differs: $(stat -c %s "$T_TMP/get.bin") of $SIZE bytes"
echo "http 20 MB byte-exact ($(( $(date +%s) - start )) s)"

ust_alive || fail "ustack exited during the transfers"
ust_stop
grep -E '^impair\.' "$UST_ERR"
# 3% and 2% of the frames: some 2,500 since loss recovery stopped resending whole windows
expect_counter impair.reordered -ge 20
expect_counter impair.duplicated -ge 20
expect_counter impair.delayed -ge 1000
expect_counter tcp.rcv_ooo_segs -ge 1
pass
