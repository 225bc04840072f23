#!/bin/bash
# SPDX-License-Identifier: MIT
# Congestion control: a 20 MB curl download from ustack's `http` service through ustack's
# own 2% loss (--impair, both directions) stays byte-exact with the default CUBIC and with
# `--cc newreno` and `--cc bbr`. `--cc` reaches the connections through the TCP_CONGESTION
# socket option on the listener (apps/appio.c), so the counters also show that the option
# took: CUBIC starts congestion avoidance epochs after its loss responses
# (tcp.cc_cubic_epochs), NewReno never does, BBR counts its mode changes (tcp.cc_bbr_*).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_cc "$1"
SIZE=$((20 * 1024 * 1024))
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $SIZE
want=$(sha "$T_TMP/www/f.bin")

# download CC_ARGS...: one curl through ustack started with the arguments given
download()
{
	local start
	ust_serve "$NS" --serve "http,root=$T_TMP/www" --impair loss=2,seed=11 "$@"
	start=$(date +%s)
	T_CMD_TIMEOUT=100 in_ns "$NS" curl -sS --max-time 90 -o "$T_TMP/get.bin" \
		"http://$US_ADDR/f.bin" 2>"$T_TMP/curl.err" ||
		fail "curl ($*) failed (exit $?): $(head -c 300 "$T_TMP/curl.err")"
	[ "$(sha "$T_TMP/get.bin")" = "$want" ] ||
		fail "download ($*) differs: $(stat -c %s "$T_TMP/get.bin") of $SIZE bytes"
	echo "${*:-default}: 20 MB byte-exact through 2% loss ($(( $(date +%s) - start )) s)"
	rm -f "$T_TMP/get.bin"
	ust_alive || fail "ustack ($*) exited during the transfer"
	ust_stop
	grep -E '^tcp\.(cc_|snd_fast_rexmt|rexmt_timeouts)' "$UST_ERR"
	expect_counter impair.dropped -ge 1
	[ $(( $(counter tcp.snd_fast_rexmt) + $(counter tcp.rexmt_timeouts) )) -ge 1 ] ||
		fail "no loss response ($*): the injector dropped only ACKs"
}

download
expect_counter tcp.cc_cubic_epochs -ge 1
download --cc newreno
expect_counter tcp.cc_cubic_epochs -eq 0
download --cc cubic
expect_counter tcp.cc_cubic_epochs -ge 1
download --cc bbr
expect_counter tcp.cc_cubic_epochs -eq 0
expect_counter tcp.cc_bbr_startup -ge 1
pass
