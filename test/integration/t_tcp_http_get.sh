#!/bin/bash
# SPDX-License-Identifier: MIT
# curl and wget fetch a 50 MB random file from ustack's `http` service (root=DIR);
# both copies have the file's sha256, and ustack shuts down cleanly afterwards. Then a
# slow reader (curl --limit-rate) takes a 1 MB file for longer than --http-header-timeout:
# the clock for the next request head starts only once the response has left the server's
# queue (it ran from when the last byte was queued, and the 408 and close cut the
# response short: seen at 20% loss).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_http_get "$1"
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((50 * 1024 * 1024))
rand_file "$T_TMP/www/1m.bin" $((1024 * 1024))
want=$(sha "$T_TMP/www/big.bin")
ust_serve "$NS" --http-header-timeout 1 --sndbuf 65536 --conn-buf 4M --serve "http,root=$T_TMP/www"

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

# a small receive buffer on the client's side, so the response waits in ustack's queue
in_ns "$NS" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536" || fail "cannot set tcp_rmem"
start=$(date +%s)
T_CMD_TIMEOUT=60 in_ns "$NS" curl -sS --max-time 50 --limit-rate 100k -o "$T_TMP/slow.bin" \
	"http://$US_ADDR/1m.bin" 2>"$T_TMP/curl.err" ||
	fail "slow curl failed (exit $?) after $(stat -c %s "$T_TMP/slow.bin") bytes: $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/slow.bin")" = "$(sha "$T_TMP/www/1m.bin")" ] || fail "the slow reader's copy differs"
echo "curl --limit-rate 100k: 1 MB byte-exact in $(( $(date +%s) - start )) s (head timeout 1 s)"

ust_alive || fail "ustack exited during the transfers"
ust_stop
expect_counter tcp.conn_accepts -ge 3
expect_counter tcp.snd_data_bytes -ge $((2 * 50 * 1024 * 1024))
pass
