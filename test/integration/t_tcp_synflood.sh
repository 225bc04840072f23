#!/bin/bash
# SPDX-License-Identifier: MIT
# SYN flood: hping3 sends spoofed SYNs (--rand-source) from the kernel's namespace to
# ustack's `http`; curl must be served during the flood and at once after it.
#  1. default settings (syncookies=1): 3,000 SYNs in ~0.3 s fill the listener's syncache
#     (syn_backlog_max 1024 records, no control blocks), the rest get cookies; curl during a
#     second, 5 s flood and right after it is served (by cookie: tcp.cookies_valid).
#  2. syncookies=0: the same 3,000 SYNs churn the syncache (the oldest entry makes room),
#     and curl is still served.
# The spoofed sources exist nowhere: ustack's SYN,ACKs go to its gateway, the kernel side of
# the TAP, which has no other route and does not forward, so they end there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_synflood "$1"
command -v hping3 >/dev/null || fail "hping3 is not installed (make deps installs it)"
ns_new NS
in_ns "$NS" sysctl -qw net.ipv4.ip_forward=0 || fail "cannot turn forwarding off in $NS"
mkdir "$T_TMP/www"
echo "hello from ustack" >"$T_TMP/www/index.html"

# curl_ok N: one GET within 5 s; its time goes to $T_TMP/curl.times
curl_ok()
{
	T_CMD_TIMEOUT=10 in_ns "$NS" curl -sS --max-time 5 -o "$T_TMP/got" \
		-w '%{time_total}\n' "http://$US_ADDR/index.html" >>"$T_TMP/curl.times" \
		2>>"$T_TMP/curl.err" && cmp -s "$T_TMP/got" "$T_TMP/www/index.html"
}

# flood COUNT INTERVAL: hping3 in the background (PID in FLOOD_PID)
flood()
{
	bg_ns "$NS" "$T_TMP/hping.out" hping3 -q -S -p 80 --rand-source -c "$1" -i "$2" "$US_ADDR"
	FLOOD_PID=$BG_PID
}

start_ust()
{
	ust_serve "$NS" --gw "$K_ADDR" --serve "http,root=$T_TMP/www" "$@"
	curl_ok || fail "curl failed before any flood: $(tail -n 2 "$T_TMP/curl.err")"
}

# --- 1. syncookies=1 (the default)
start_ust
[ -z "$(ip -n "$NS" route show default)" ] || fail "$NS has a default route: spoofed replies could leave"
flood 3000 u100
pid_wait_exit "$FLOOD_PID" 30 || fail "hping3 did not finish 3000 SYNs in 30 s"
wait "$FLOOD_PID"
curl_ok || fail "curl not served right after 3000 spoofed SYNs: $(tail -n 2 "$T_TMP/curl.err")"
echo "served right after 3000 spoofed SYNs in $(tail -n 1 "$T_TMP/curl.times") s"
ust_stats_now "$T_TMP/s1"
sent=$(counter_in "$T_TMP/s1" tcp.cookies_sent)
live=$(counter_in "$T_TMP/s1" tcp.syncache_live)
conns=$(counter_in "$T_TMP/s1" tcp.conns_live)
echo "cookies sent $sent, syncache entries $live, control blocks $conns"
[ "$sent" -ge 1000 ] || fail "only $sent cookies for 3000 SYNs against a 1024-entry queue"
[ "$live" -le 1024 ] || fail "$live syncache entries: more than syn_backlog_max (1024)"
[ "$conns" -le 2 ] || fail "$conns control blocks after a flood of spoofed SYNs"

# a 5 s flood with a GET every 0.25 s meanwhile
flood 10000 u500
ok=0 tries=0
for i in $(seq 1 20); do
	kill -0 "$FLOOD_PID" 2>/dev/null || break
	tries=$((tries + 1))
	curl_ok && ok=$((ok + 1))
	sleep 0.25
done
pid_wait_exit "$FLOOD_PID" 60 || fail "hping3 did not finish 10000 SYNs in 60 s"
wait "$FLOOD_PID"
echo "during a flood of 10000 SYNs: $ok of $tries GETs served"
[ "$tries" -ge 3 ] || fail "the flood ended before 3 GETs were tried ($tries)"
[ "$ok" -eq "$tries" ] || fail "only $ok of $tries GETs served during the flood: $(tail -n 2 "$T_TMP/curl.err")"
curl_ok || fail "curl not served after the second flood"
ust_alive || fail "ustack exited during the flood"
ust_stop
expect_counter tcp.cookies_valid -ge 1
expect_counter tcp.syncache_overflow -ge 1000
echo "at exit: cookies sent $(counter tcp.cookies_sent), valid $(counter tcp.cookies_valid);" \
	"syncache overflows $(counter tcp.syncache_overflow), SYN,ACKs resent $(counter tcp.syncache_retransmitted)"

# --- 2. syncookies=0: eviction keeps the queue turning
: >"$T_TMP/curl.times"
start_ust --tcp syncookies=0
flood 3000 u100
pid_wait_exit "$FLOOD_PID" 30 || fail "hping3 did not finish 3000 SYNs in 30 s"
wait "$FLOOD_PID"
curl_ok || fail "syncookies=0: curl not served right after 3000 spoofed SYNs: $(tail -n 2 "$T_TMP/curl.err")"
echo "syncookies=0: served right after 3000 spoofed SYNs in $(tail -n 1 "$T_TMP/curl.times") s"
ust_alive || fail "ustack exited"
ust_stop
expect_counter tcp.cookies_sent -eq 0
expect_counter tcp.syncache_overflow -ge 1000
pass
