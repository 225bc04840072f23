#!/bin/bash
# SPDX-License-Identifier: MIT
# curl and wget fetch a 50 MB random file from ustack's `http` service (root=DIR);
# both copies have the file's sha256, and ustack shuts down cleanly afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_http_get "$1"
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((50 * 1024 * 1024))
want=$(sha "$T_TMP/www/big.bin")
ust_serve "$NS" --serve "http,root=$T_TMP/www"

T_CMD_TIMEOUT=60 in_ns "$NS" curl -sS --max-time 50 -o "$T_TMP/curl.bin" \
	"http://$US_ADDR/big.bin" 2>"$T_TMP/curl.err" ||
	fail "curl failed (exit $?): $(head -c 300 "$T_TMP/curl.err")"
got=$(sha "$T_TMP/curl.bin")
[ "$got" = "$want" ] ||
	fail "curl's copy differs: $(stat -c %s "$T_TMP/curl.bin") bytes, sha256 $got, want $want"
echo "curl: 50 MB byte-exact"
rm -f "$T_TMP/curl.bin"

T_CMD_TIMEOUT=60 in_ns "$NS" wget -q -T 20 -t 1 -O "$T_TMP/wget.bin" \
	"http://$US_ADDR/big.bin" 2>"$T_TMP/wget.err" ||
	fail "wget failed (exit $?): $(head -c 300 "$T_TMP/wget.err")"
got=$(sha "$T_TMP/wget.bin")
[ "$got" = "$want" ] ||
	fail "wget's copy differs: $(stat -c %s "$T_TMP/wget.bin") bytes, sha256 $got, want $want"
echo "wget: 50 MB byte-exact"

ust_alive || fail "ustack exited during the transfers"
ust_stop
expect_counter tcp.conn_accepts -ge 2
expect_counter tcp.snd_data_bytes -ge $((2 * 50 * 1024 * 1024))
pass
