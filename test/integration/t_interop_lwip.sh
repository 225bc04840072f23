#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack against lwIP (Debian's liblwip, another TCP/IP implementation) on one Ethernet:
# lwip_peer (test/interop/) runs lwIP 10.0.0.3 on TAP lwtap0, ustack 10.0.0.2 is on ustap0,
# both ports of bridge br0 in one namespace that has no other address.
#   1. handshake: each side offers what it has (lwIP MSS and window scale; ustack also SACK
#      and timestamps) and ustack's SYN-ACK answers only what lwIP offered
#   2. ustack serves echo: lwIP sends 20 MB of its pattern and checks the same 20 MB come
#      back (both directions byte-exact); then 20 MB into ustack's sink
#   3. ustack nc as the client: 20 MB to lwIP's sink (checked by lwip_peer), then 20 MB
#      from lwIP's source (compared here) after ustack half-closed first
#   4. --impair loss=5 on ustack's side: 256 KB each way through ustack's echo, then 2 MB
#      from ustack nc to lwIP's sink, byte-exact, with retransmissions counted on both
#      sides (smaller sizes: lwIP's timers tick every 500 ms and each of its timeouts
#      costs 1.5 s or more)
#   5. `ustack get` from lwip_peer's http server (bench/conn.sh's lwIP column): a 300 KB
#      body of the pattern, compared
#   6. the other benchmark servers of lwip_peer (bench/tcp.sh's and bench/run.sh's lwIP
#      columns): 2 MB from ustack nc into its discard server, counted there; a datagram
#      from ustack nc -u through its udp-echo server and back, compared
# Close, every time: lwip_peer exits 0 only when its connection carried exactly what it
# should and lwIP holds no control block for it outside TIME_WAIT (both FINs sent and
# acknowledged); ustack nc exits 0; ustack serve counts its connections closed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
. "$(dirname "$0")/interop_lib.sh"
t_begin interop_lwip "$1"
interop_need lwip_peer liblwip-dev

ns_new NS
interop_link "$NS" lwtap0
DEV="tap:ustap0,addr=10.0.0.2/24,bridge=br0"
LW="--tap lwtap0 --addr 10.0.0.3/24"
BIG=$((20 * 1024 * 1024))
"$PEER_BIN" pattern $BIG >"$T_TMP/pattern" || fail "lwip_peer pattern failed"
[ "$(stat -c %s "$T_TMP/pattern")" -eq $BIG ] || fail "lwip_peer pattern wrote the wrong size"

# lwip_run NAME ARGS...: lwip_peer in the foreground; fails unless it exits 0.
lwip_run()
{
	local name=$1 rc
	shift
	in_ns "$NS" "$PEER_BIN" $LW "$@" >"$T_TMP/$name.err" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || fail "lwip_peer $* exited $rc: $(tail -n 6 "$T_TMP/$name.err")"
}

# rexmt_seen FILE DIR: the data bytes sent again, from the peer's tx or rx line.
rexmt_seen()
{
	sed -n "s/^lwip_peer: $2: .* sent again (\([0-9]*\) bytes).*/\1/p" "$1" | tail -n 1
}

# --- 1 and 2: ustack serves, lwIP is the client
ust_start "$NS" serve --dev "$DEV" --stats --serve echo --serve sink
T_CMD_TIMEOUT=70 lwip_run echo --timeout 60 client 10.0.0.2 7 echo 20m
grep -qE "^lwip_peer: tx SYN 10\.0\.0\.3:[0-9]+ > 10\.0\.0\.2:7 win [0-9]+ mss 1460 wscale [0-9]+$" \
	"$T_TMP/echo.err" || fail "lwIP's SYN is not what lwIP 2.1 sends: $(grep SYN "$T_TMP/echo.err")"
# RFC 7323 1.3 / RFC 2018 2: window scale answered, no SACK-permitted nor timestamps
# since lwIP offered neither.
grep -qE "^lwip_peer: rx SYN-ACK 10\.0\.0\.2:7 > 10\.0\.0\.3:[0-9]+ win [0-9]+ mss 1460 wscale [0-9]+$" \
	"$T_TMP/echo.err" || fail "ustack's SYN-ACK to lwIP: $(grep SYN-ACK "$T_TMP/echo.err")"
grep -q "client echo: sent $BIG, received $BIG bytes byte-exact, FIN both ways" "$T_TMP/echo.err" ||
	fail "lwip_peer did not report 20 MB each way: $(tail -n 4 "$T_TMP/echo.err")"
grep "client echo:" "$T_TMP/echo.err"

T_CMD_TIMEOUT=70 lwip_run send --timeout 60 client 10.0.0.2 5001 send 20m
grep -q "client send: sent $BIG, received 0 bytes byte-exact, FIN both ways" "$T_TMP/send.err" ||
	fail "lwip_peer did not report 20 MB to sink: $(tail -n 4 "$T_TMP/send.err")"
wait_for 10 ust_closed 2 || fail "ustack did not close both connections: $(grep conn "$T_TMP/stats.now")"
ust_stop
grep -q "sink: 10.0.0.3:[0-9]* sent $BIG bytes" "$UST_ERR" || fail "ustack's sink did not get 20 MB"
grep "sink:" "$UST_ERR"
expect_counter tcp.conn_established -eq 2

# --- 3: ustack nc is the client, lwIP serves
peer_bg sink "$NS" "$PEER_BIN" $LW --timeout 60 server 5000 sink 20m
SINK=$PEER_PID
peer_wait_text sink 10 "listening on port 5000"
UST_STDIN=$T_TMP/pattern ust_run "$NS" 60 nc --dev "$DEV" --stats 10.0.0.3 5000
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc to lwIP's sink exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
peer_end "$SINK" 20
[ "$PEER_STATUS" -eq 0 ] || fail "lwIP's sink exited $PEER_STATUS: $(tail -n 6 "$T_TMP/sink.err")"
grep -q "server sink: sent 0, received $BIG bytes byte-exact, FIN both ways" "$T_TMP/sink.err" ||
	fail "lwIP's sink did not report 20 MB: $(tail -n 4 "$T_TMP/sink.err")"
grep -qE "rx SYN 10\.0\.0\.2:[0-9]+ > 10\.0\.0\.3:5000 win [0-9]+ mss 1460 sackOK ts wscale [0-9]+" \
	"$T_TMP/sink.err" || fail "ustack's SYN: $(grep SYN "$T_TMP/sink.err")"
grep -qE "tx SYN-ACK 10\.0\.0\.3:5000 > 10\.0\.0\.2:[0-9]+ win [0-9]+ mss 1460 wscale 1$" \
	"$T_TMP/sink.err" || fail "lwIP's SYN-ACK: $(grep SYN-ACK "$T_TMP/sink.err")"
grep "server sink:" "$T_TMP/sink.err"

peer_bg source "$NS" "$PEER_BIN" $LW --timeout 60 server 5000 source 20m
SRC=$PEER_PID
peer_wait_text source 10 "listening on port 5000"
UST_STDIN=/dev/null ust_run "$NS" 60 nc --dev "$DEV" --stats 10.0.0.3 5000
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc from lwIP's source exited $UST_STATUS"
cmp -s "$UST_OUT" "$T_TMP/pattern" ||
	fail "ustack nc got $(stat -c %s "$UST_OUT") bytes from lwIP's source, not the 20 MB pattern"
peer_end "$SRC" 20
[ "$PEER_STATUS" -eq 0 ] || fail "lwIP's source exited $PEER_STATUS: $(tail -n 6 "$T_TMP/source.err")"
grep "server source:" "$T_TMP/source.err"

# --- 4: 5% of frames dropped each way by ustack's injector. The side that closes first
# ends in TIME_WAIT and must still be running to acknowledge the other's FIN again if its
# last ACK is lost; ustack nc waits for a repeated FIN only about a second by default,
# less than lwIP's retransmission timer (docs/interop.md, finding 8), so here lwIP closes
# first, and lwip_peer waits out a quiet moment before it exits.
# (a) ustack serves echo: 256 KB each way, ustack's and lwIP's TCP both sending. ustack's
# TAP offload is off here so that it sends MSS-sized frames: with it on, 256 KB leave as
# about 30 TSO super-frames, and 5% loss spared all of them about one run in five, so the
# check that ustack retransmitted could fail on a correct stack.
ust_start "$NS" serve --dev "$DEV,offload=off" --stats --serve echo --impair loss=5,seed=12
T_CMD_TIMEOUT=90 lwip_run lecho --timeout 80 client 10.0.0.2 7 echo 256k
grep -q "client echo: sent 262144, received 262144 bytes byte-exact, FIN both ways" \
	"$T_TMP/lecho.err" || fail "lwIP's echo under loss: $(tail -n 4 "$T_TMP/lecho.err")"
wait_for 10 ust_closed 1 || fail "ustack did not close the connection from lwIP"
ust_stop
seen=$(rexmt_seen "$T_TMP/lecho.err" tx)
[ "${seen:-0}" -gt 0 ] || fail "lwIP retransmitted nothing under 5% loss"
[ "$(counter tcp.rcv_ooo_segs)" -gt 0 ] || [ "$(counter tcp.rcv_dup_data)" -gt 0 ] ||
	fail "ustack saw neither out-of-order nor duplicate data under 5% loss"
[ "$(counter tcp.snd_rexmt_segs)" -gt 0 ] || fail "ustack retransmitted nothing under 5% loss"
echo "lwIP -> ustack echo -> lwIP, 256 KB each way at 5% loss:" \
	"$(grep "client echo:" "$T_TMP/lecho.err" | sed 's/.*in //'); lwIP sent $seen bytes" \
	"again; ustack: $(counter tcp.snd_rexmt_segs) sent again, $(counter tcp.rcv_ooo_segs) out of order"

# (b) ustack nc sends 2 MB; lwIP's sink closes first once it has them all, ustack nc
# then ends (its stdin stays open: a fifo held by a sleeping writer)
LOSSY=$((2 * 1024 * 1024))
head -c $LOSSY "$T_TMP/pattern" >"$T_TMP/pattern2m"
peer_bg lsink "$NS" "$PEER_BIN" $LW --timeout 80 --close-first server 5000 sink 2m
SINK=$PEER_PID
peer_wait_text lsink 10 "listening on port 5000"
mkfifo "$T_TMP/feed"
sleep 90 >"$T_TMP/feed" &
HOLD=$!
T_PIDS+=("$HOLD")
cat "$T_TMP/pattern2m" >"$T_TMP/feed" &
FEED=$!
T_PIDS+=("$FEED")
UST_STDIN=$T_TMP/feed ust_run "$NS" 90 nc --dev "$DEV,offload=off" --stats --impair loss=5,seed=11 \
	10.0.0.3 5000
kill "$HOLD" "$FEED" 2>/dev/null
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc under loss exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
peer_end "$SINK" 20
[ "$PEER_STATUS" -eq 0 ] || fail "lwIP's sink under loss exited $PEER_STATUS: $(tail -n 6 "$T_TMP/lsink.err")"
grep -q "server sink: sent 0, received $LOSSY bytes byte-exact, FIN both ways" "$T_TMP/lsink.err" ||
	fail "lwIP's sink under loss: $(tail -n 4 "$T_TMP/lsink.err")"
[ "$(counter impair.dropped)" -gt 0 ] || fail "the injector dropped nothing"
[ "$(counter tcp.snd_rexmt_segs)" -gt 0 ] || fail "ustack retransmitted nothing under 5% loss"
seen=$(rexmt_seen "$T_TMP/lsink.err" rx)
[ "${seen:-0}" -gt 0 ] || fail "lwIP saw no retransmitted segment from ustack"
echo "ustack nc -> lwIP, 2 MB at 5% loss: $(grep "server sink:" "$T_TMP/lsink.err" | sed 's/.*in //');" \
	"ustack: $(counter impair.dropped) dropped, $(counter tcp.snd_rexmt_segs) segments sent" \
	"again ($(counter tcp.snd_fast_rexmt) fast retransmits, $(counter tcp.rexmt_timeouts) timeouts)"

# --- 5: ustack get from lwIP's http server, the one bench/conn.sh measures
HTTPB=$((300 * 1024))
peer_bg http "$NS" "$PEER_BIN" $LW --timeout 30 --count 1 server 80 http $HTTPB
HTTP=$PEER_PID
peer_wait_text http 10 "listening on port 80"
ust_run "$NS" 30 get --dev "$DEV" -s http://10.0.0.3/x
[ "$UST_STATUS" -eq 0 ] || fail "ustack get from lwIP's http server exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
cmp -s "$UST_OUT" <(head -c $HTTPB "$T_TMP/pattern") ||
	fail "ustack get got $(stat -c %s "$UST_OUT") bytes from lwIP's http server, not its 300 KB"
peer_end "$HTTP" 20
[ "$PEER_STATUS" -eq 0 ] || fail "lwIP's http server exited $PEER_STATUS: $(tail -n 4 "$T_TMP/http.err")"
grep "server http:" "$T_TMP/http.err"

# --- 6: lwip_peer's discard and udp-echo servers (bench/tcp.sh, bench/run.sh)
peer_bg discard "$NS" "$PEER_BIN" $LW --timeout 30 --count 1 server 5001 discard
DIS=$PEER_PID
peer_wait_text discard 10 "listening on port 5001"
UST_STDIN=$T_TMP/pattern2m ust_run "$NS" 30 nc --dev "$DEV" 10.0.0.3 5001
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc to lwIP's discard exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
peer_end "$DIS" 20
[ "$PEER_STATUS" -eq 0 ] || fail "lwIP's discard exited $PEER_STATUS: $(tail -n 4 "$T_TMP/discard.err")"
grep -qE "discard: 10\.0\.0\.2:[0-9]+ sent $LOSSY bytes" "$T_TMP/discard.err" ||
	fail "lwIP's discard did not count 2 MB: $(tail -n 4 "$T_TMP/discard.err")"
grep "server discard:" "$T_TMP/discard.err"

peer_bg uecho "$NS" "$PEER_BIN" $LW --timeout 30 --count 1 server 7 udp-echo
UECHO=$PEER_PID
peer_wait_text uecho 10 "listening on port 7"
echo "one datagram to lwIP and back" >"$T_TMP/dgram"
UST_STDIN=$T_TMP/dgram ust_run "$NS" 30 nc --dev "$DEV" -u -q 2 10.0.0.3 7
cmp -s "$UST_OUT" "$T_TMP/dgram" ||
	fail "ustack nc -u got back '$(head -c 100 "$UST_OUT")' from lwIP's udp-echo"
peer_end "$UECHO" 20
[ "$PEER_STATUS" -eq 0 ] || fail "lwIP's udp-echo exited $PEER_STATUS: $(tail -n 4 "$T_TMP/uecho.err")"
grep -q "server udp-echo: 1 datagrams echoed, 0 not sent" "$T_TMP/uecho.err" ||
	fail "lwIP's udp-echo: $(tail -n 3 "$T_TMP/uecho.err")"
grep "server udp-echo:" "$T_TMP/uecho.err"
pass
