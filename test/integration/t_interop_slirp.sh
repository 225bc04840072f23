#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack against libslirp (QEMU's user-mode network stack, a BSD-derived TCP/IP) as its
# "guest": ustack 10.0.2.15 on ustap0 and slirp_peer (test/interop/) on sltap0 are ports
# of bridge br0; slirp is 10.0.2.2 on that link and terminates every TCP connection
# there, re-originating it with kernel sockets on the namespace's loopback, the only
# address the namespace has (so slirp cannot reach anything outside it).
#   1. ustack serves, reached by kernel clients through slirp's host forwards
#      (127.0.0.1:6007 -> echo, :6001 -> sink): 20 MB echoed byte-exact (slirp's TCP
#      to ustack and back), 20 MB into the sink; slirp's SYN carries only an MSS and
#      ustack's SYN-ACK answers only that
#   2. ustack nc is the client, to 10.0.2.2 (slirp: the host's loopback): 20 MB to a
#      kernel `nc -l`, then 20 MB from one
#   3. --impair loss=5 on ustack: 2 MB from ustack nc through slirp to a kernel receiver,
#      then 256 KB echoed through slirp's forward, byte-exact, with retransmissions by
#      both (small sizes: slirp's TCP timers tick every 500 ms and each of its timeouts
#      costs 1.5 s or more)
# Close: the kernel tools and ustack nc exit 0 after both FINs; slirp's connection table
# at the end lists only its forwards and connections in TIME_WAIT.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
. "$(dirname "$0")/interop_lib.sh"
t_begin interop_slirp "$1"
interop_need slirp_peer libslirp-dev

ns_new NS
interop_link "$NS" sltap0
DEV="tap:ustap0,addr=10.0.2.15/24,bridge=br0"
BIG=$((20 * 1024 * 1024))
rand_file "$T_TMP/a.bin" $BIG
rand_file "$T_TMP/b.bin" $BIG

peer_bg slirp "$NS" "$PEER_BIN" --tap sltap0 --net 10.0.2.0/24 --host 10.0.2.2 --timeout 115 \
	--fwd 6007=10.0.2.15:7 --fwd 6001=10.0.2.15:5001
SLIRP=$PEER_PID
peer_wait_text slirp 10 "ready on sltap0"
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :6007' | grep -q 127.0.0.1:6007" ||
	fail "slirp's host forward is not listening on 127.0.0.1:6007"

# slirp_rexmt: the data bytes slirp sent to ustack again (printed at its exit; its
# repeated FINs, finding 3, carry none).
slirp_rexmt()
{
	sed -n 's/^slirp_peer: tx: .* sent again (\([0-9]*\) bytes).*/\1/p' "$T_TMP/slirp.err" | tail -n 1
}

# --- 1: ustack serves through slirp's host forwards
ust_start "$NS" serve --dev "$DEV" --stats --serve echo --serve sink
start=$(date +%s.%N)
T_CMD_TIMEOUT=60 in_ns "$NS" nc -N -w 30 127.0.0.1 6007 <"$T_TMP/a.bin" >"$T_TMP/echo.out" \
	2>"$T_TMP/nc.err" || fail "nc through slirp to ustack's echo exited $?: $(head -c 300 "$T_TMP/nc.err")"
secs=$(secs_since "$start")
cmp -s "$T_TMP/echo.out" "$T_TMP/a.bin" ||
	fail "echo through slirp: $(stat -c %s "$T_TMP/echo.out") bytes back, not the 20 MB sent"
echo "kernel -> slirp -> ustack echo -> slirp -> kernel: 20 MB each way byte-exact in $secs s"
grep -qE "^slirp_peer: tx SYN 10\.0\.2\.2:[0-9]+ > 10\.0\.2\.15:7 win [0-9]+ mss 1460$" \
	"$T_TMP/slirp.err" || fail "slirp's SYN: $(grep SYN "$T_TMP/slirp.err")"
# RFC 7323 1.3, RFC 2018 2: no window scale, SACK or timestamps unless the SYN offered them
grep -qE "^slirp_peer: rx SYN-ACK 10\.0\.2\.15:7 > 10\.0\.2\.2:[0-9]+ win [0-9]+ mss 1460$" \
	"$T_TMP/slirp.err" || fail "ustack's SYN-ACK to slirp: $(grep SYN-ACK "$T_TMP/slirp.err")"

T_CMD_TIMEOUT=60 in_ns "$NS" nc -N -w 30 127.0.0.1 6001 <"$T_TMP/b.bin" >/dev/null \
	2>"$T_TMP/nc.err" || fail "nc through slirp to ustack's sink exited $?"
wait_for 10 grep -q "sink: 10.0.2.2:[0-9]* sent $BIG bytes" "$UST_ERR" ||
	fail "ustack's sink did not report 20 MB: $(grep sink: "$UST_ERR")"
grep "sink:" "$UST_ERR"
wait_for 10 ust_closed 2 || fail "ustack did not close both connections from slirp"
ust_stop
expect_counter tcp.conn_established -eq 2

# --- 2: ustack nc is the client; slirp connects to the kernel's nc on 127.0.0.1
bg_ns "$NS" "$T_TMP/k.out" nc -l 127.0.0.1 5000
KNC=$BG_PID
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5000' | grep -q 5000" || fail "nc -l 5000 not listening"
start=$(date +%s.%N)
UST_STDIN=$T_TMP/a.bin ust_run "$NS" 60 nc --dev "$DEV" --stats 10.0.2.2 5000
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc to slirp exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
pid_wait_exit "$KNC" 10 || fail "kernel nc -l still running 10 s after ustack's FIN"
secs=$(secs_since "$start")
cmp -s "$T_TMP/k.out" "$T_TMP/a.bin" ||
	fail "ustack -> slirp -> kernel: $(stat -c %s "$T_TMP/k.out") bytes arrived, not 20 MB"
echo "ustack nc -> slirp -> kernel nc: 20 MB byte-exact in $secs s"

# kernel -> ustack: ustack's stdin stays open and empty (nc -l would stop sending at an
# early FIN), so ustack ends when slirp passes on the kernel's FIN.
BG_STDIN=$T_TMP/b.bin bg_ns "$NS" "$T_TMP/k2.log" nc -N -l 127.0.0.1 5001
KNC=$BG_PID
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5001' | grep -q 5001" || fail "nc -l 5001 not listening"
mkfifo "$T_TMP/idle"
sleep 60 >"$T_TMP/idle" &
HOLD=$!
T_PIDS+=("$HOLD")
start=$(date +%s.%N)
UST_STDIN=$T_TMP/idle ust_run "$NS" 60 nc --dev "$DEV" --stats 10.0.2.2 5001
kill "$HOLD" 2>/dev/null
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc from slirp exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
secs=$(secs_since "$start")
pid_wait_exit "$KNC" 10 || fail "kernel nc -l (sending) still running 10 s after ustack ended"
cmp -s "$UST_OUT" "$T_TMP/b.bin" ||
	fail "kernel -> slirp -> ustack: $(stat -c %s "$UST_OUT") bytes arrived, not 20 MB"
echo "kernel nc -> slirp -> ustack nc: 20 MB byte-exact in $secs s"

# --- 3: 5% of frames dropped each way by ustack's injector. The side that closes first
# ends in TIME_WAIT and must still be running to acknowledge the other's FIN again if its
# last ACK is lost; ustack nc ends with its connection (docs/interop.md, finding 8), so
# the kernel's receiver closes first (recv_n.py), and slirp_peer runs until the end.
# (a) ustack nc sends 2 MB through slirp; its stdin stays open (a fifo held by a sleeping
# writer), so it ends when the receiver's FIN comes back through slirp
LOSSY=$((2 * 1024 * 1024))
head -c $LOSSY "$T_TMP/a.bin" >"$T_TMP/a2m"
bg_ns "$NS" "$T_TMP/recv_n.log" "$PY" "$TESTDIR/recv_n.py" 127.0.0.1 5002 $LOSSY "$T_TMP/k3.out"
KRX=$BG_PID
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5002' | grep -q 5002" || fail "recv_n.py not listening"
mkfifo "$T_TMP/feed"
sleep 90 >"$T_TMP/feed" &
HOLD=$!
T_PIDS+=("$HOLD")
cat "$T_TMP/a2m" >"$T_TMP/feed" &
FEED=$!
T_PIDS+=("$FEED")
start=$(date +%s.%N)
# offload=off: MSS-sized frames, so that 5% loss surely hits some of ustack's data (with
# TSO, 2 MB is only a few dozen frames)
UST_STDIN=$T_TMP/feed ust_run "$NS" 60 nc --dev "$DEV,offload=off" --stats --impair loss=5,seed=21 10.0.2.2 5002
kill "$HOLD" "$FEED" 2>/dev/null
[ "$UST_STATUS" -eq 0 ] || fail "ustack nc to slirp under loss exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
secs=$(secs_since "$start")
peer_end "$KRX" 10
[ "$PEER_STATUS" -eq 0 ] || fail "recv_n.py exited $PEER_STATUS: $(cat "$T_TMP/recv_n.log")"
cmp -s "$T_TMP/k3.out" "$T_TMP/a2m" ||
	fail "ustack -> slirp under loss: $(stat -c %s "$T_TMP/k3.out") bytes of $LOSSY"
[ "$(counter impair.dropped)" -gt 0 ] || fail "the injector dropped nothing"
[ "$(counter tcp.snd_rexmt_segs)" -gt 0 ] || fail "ustack retransmitted nothing under 5% loss"
echo "ustack nc -> slirp -> kernel, 2 MB at 5% loss: $secs s; ustack: $(counter impair.dropped)" \
	"dropped, $(counter tcp.snd_rexmt_segs) segments sent again ($(counter tcp.snd_fast_rexmt)" \
	"fast retransmits, $(counter tcp.rexmt_timeouts) timeouts)"

# (b) ustack serves echo: 256 KB each way, slirp's TCP and ustack's both sending
SMALL=$((256 * 1024))
head -c $SMALL "$T_TMP/b.bin" >"$T_TMP/b256k"
ust_start "$NS" serve --dev "$DEV,offload=off" --stats --serve echo --impair loss=5,seed=22
start=$(date +%s.%N)
T_CMD_TIMEOUT=80 in_ns "$NS" nc -N -w 60 127.0.0.1 6007 <"$T_TMP/b256k" >"$T_TMP/echo2.out" \
	2>"$T_TMP/nc.err" || fail "nc through slirp to echo under loss exited $?"
secs=$(secs_since "$start")
cmp -s "$T_TMP/echo2.out" "$T_TMP/b256k" ||
	fail "echo through slirp under loss: $(stat -c %s "$T_TMP/echo2.out") bytes of $SMALL"
wait_for 10 ust_closed 1 || fail "ustack did not close the echo connection under loss"
ust_stop
[ "$(counter tcp.rcv_ooo_segs)" -gt 0 ] || [ "$(counter tcp.rcv_dup_data)" -gt 0 ] ||
	fail "ustack saw neither out-of-order nor duplicate data from slirp under 5% loss"
echo "kernel -> slirp -> ustack echo, 256 KB each way at 5% loss: $secs s; ustack:" \
	"$(counter tcp.snd_rexmt_segs) segments sent again, $(counter tcp.rcv_ooo_segs) out of order," \
	"$(counter tcp.rcv_dup_data) duplicates received"

# --- close: slirp ends on SIGTERM and shows what it still holds
stop_pid "$SLIRP"
[ "$STOP_STATUS" -eq 0 ] || fail "slirp_peer exited $STOP_STATUS: $(tail -n 5 "$T_TMP/slirp.err")"
no_sanitizer_report "$T_TMP/slirp.err"
left=$(sed -n '/connections at exit:/,$p' "$T_TMP/slirp.err" | grep 'TCP\[' |
	grep -v 'TCP\[HOST_FORWARD\]' | grep -v 'TCP\[TIME_WAIT\]')
[ -z "$left" ] || fail "slirp still holds connections that did not close: $left"
seen=$(slirp_rexmt)
[ "${seen:-0}" -gt 0 ] || fail "slirp retransmitted nothing under 5% loss"
grep -E "^slirp_peer: (tx|rx):" "$T_TMP/slirp.err"
pass
