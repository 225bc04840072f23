#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack ctl NAME impair|trace|pcap` on a running serve, traffic from the kernel through
# the TAP:
#   impair    during a curl download, `impair loss=20` makes drops that show in
#             `stats --delta` (impair.dropped and tcp.snd_rexmt_segs grow), `impair off`
#             stops them (impair.dropped moves no more); delay and reorder turned on and
#             off with frames in their queues lose none; the file arrives byte-exact
#   pcap      `pcap FILE`, pings, `pcap off`: tshark reads the file and finds those pings,
#             requests and replies, and nothing after the off
#   trace     `trace on`: lines for the pings appear on serve's stdout; `trace off`: no more
#   churn     the three turned on and off round after round during 1500 pings: every ping
#             is answered (frames held by the injector at each change went on)
#   errors    a bad request: one line, exit 2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin ctl_live "$1"
need_cmd curl tshark
N=ulive-$$
CTL_OUT=$T_TMP/ctl.out
trap 'rm -f /run/ustack/$N.sock; t_cleanup' EXIT
SIZE=$((3 * 1024 * 1024))

ctl() { "$UST" ctl "$N" "$@"; }

ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $SIZE
rand_file "$T_TMP/www/small.bin" 4096
ust_serve "$NS" --serve "http,root=$T_TMP/www" --name "$N"
wait_for 10 test -S "/run/ustack/$N.sock" || fail "no control socket /run/ustack/$N.sock"

# --- impair during a download ---
[ "$(ctl impair)" = "$TAPIF off" ] || fail "ctl impair before any: '$(ctl impair)'"
# 3 MB at 400 KB/s: some 8 s, so the loss comes and goes mid-transfer; a small receive
# buffer on the client's side, so ustack sends at curl's pace and not all of it into the
# kernel's buffer at once
in_ns "$NS" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536" || fail "cannot set tcp_rmem"
bg_ns "$NS" "$T_TMP/curl.err" curl -sS --max-time 90 --limit-rate 400k -o "$T_TMP/get.bin" \
	"http://$US_ADDR/f.bin"
CURL=$BG_PID
wait_for 10 test -s "$T_TMP/get.bin" || fail "the download did not start: $(cat "$T_TMP/curl.err")"
ctl stats --delta >/dev/null || fail "ctl stats --delta exited $?"
# frames in the delay and reorder queues when the settings change go on, none lost (the
# sanitizers at ust_stop and impair.discarded_at_close say so at the end)
ctl impair delay=40,reorder=10 >"$CTL_OUT" || fail "ctl impair delay=40,reorder=10 exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF reorder=10,delay=40,seed=1" ] ||
	fail "ctl impair delay=40,reorder=10 answered '$(cat "$CTL_OUT")'"
sleep 1
ctl impair delay=5 >/dev/null || fail "ctl impair delay=5 exited $?"
sleep 0.5
ctl stats --delta >"$CTL_OUT" || fail "ctl stats --delta exited $?"
delayed=$(counter_in "$CTL_OUT" impair.delayed)
echo "delay=40,reorder=10 then delay=5: impair.delayed +$delayed, impair.reordered +$(counter_in "$CTL_OUT" impair.reordered)"
[ "$delayed" -ge 10 ] || fail "delay=40 delayed $delayed frames: $(cat "$CTL_OUT")"
# loss, with frames still in the delay queue (delay=0 now: they go at once)
ctl impair loss=20,seed=5 >"$CTL_OUT" || fail "ctl impair loss=20 exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF loss=20,seed=5" ] || fail "ctl impair loss=20 answered '$(cat "$CTL_OUT")'"
[ "$(ctl impair)" = "$TAPIF loss=20,seed=5" ] || fail "ctl impair shows '$(ctl impair)'"
at=$(stat -c %s "$T_TMP/get.bin")
# the sums of the deltas until 10 drops and a retransmission (TCP backs off under 20% loss
# both ways, the more so in a sanitizer build: how long that takes varies), 15 s at most
dropped=0 rexmt=0
for i in $(seq 1 30); do
	sleep 0.5
	ctl stats --delta >"$CTL_OUT" || fail "ctl stats --delta exited $?"
	dropped=$((dropped + $(counter_in "$CTL_OUT" impair.dropped)))
	rexmt=$((rexmt + $(counter_in "$CTL_OUT" tcp.snd_rexmt_segs)))
	[ "$dropped" -ge 10 ] && [ "$rexmt" -ge 1 ] && break
done
echo "$i x 0.5 s of loss=20 from byte $at: impair.dropped +$dropped, tcp.snd_rexmt_segs +$rexmt"
[ "$dropped" -ge 10 ] || fail "impair.dropped moved by $dropped under loss=20"
[ "$rexmt" -ge 1 ] || fail "tcp.snd_rexmt_segs moved by $rexmt under loss=20"
ctl impair off >"$CTL_OUT" || fail "ctl impair off exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF off" ] || fail "ctl impair off answered '$(cat "$CTL_OUT")'"
ctl stats --delta >/dev/null
sleep 1
ctl stats --delta >"$CTL_OUT" || fail "ctl stats --delta exited $?"
d=$(counter_in "$CTL_OUT" impair.dropped)
[ "$d" -eq 0 ] || fail "impair.dropped moved by $d after impair off"
echo "after impair off: impair.dropped +0, tcp.rcv_total +$(counter_in "$CTL_OUT" tcp.rcv_total)"
pid_wait_exit "$CURL" 90 || fail "the download did not end in 90 s"
wait "$CURL" || fail "curl failed (exit $?): $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/get.bin")" = "$(sha "$T_TMP/www/f.bin")" ] ||
	fail "the download differs: $(stat -c %s "$T_TMP/get.bin") of $SIZE bytes"
echo "3 MB download byte-exact through loss=20 on and off"

# --- pcap ---
PCAP=$T_TMP/live.pcap
ctl pcap "$PCAP" >"$CTL_OUT" || fail "ctl pcap exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF $PCAP" ] || fail "ctl pcap answered '$(cat "$CTL_OUT")'"
in_ns "$NS" ping -c 4 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed during the capture"
ctl pcap off >"$CTL_OUT" || fail "ctl pcap off exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF off" ] || fail "ctl pcap off answered '$(cat "$CTL_OUT")'"
in_ns "$NS" ping -c 2 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed after the capture"
req=$(timeout 60 tshark -r "$PCAP" -Y 'icmp.type == 8' 2>"$T_TMP/tshark.err" | wc -l)
rep=$(timeout 60 tshark -r "$PCAP" -Y 'icmp.type == 0' 2>>"$T_TMP/tshark.err" | wc -l)
grep -v 'Running as user "root"' "$T_TMP/tshark.err" | grep -q . &&
	fail "tshark cannot read the capture: $(head -c 300 "$T_TMP/tshark.err")"
[ "$req" -eq 4 ] && [ "$rep" -eq 4 ] ||
	fail "the capture holds $req echo requests and $rep replies, want 4 and 4"
echo "pcap: tshark reads 4 echo requests and 4 replies, none of the pings after off"

# --- trace ---
tlines() { grep -c " $TAPIF [<>] " "$UST_OUT"; } # "TIME DEV < ..." (docs/trace.md)
[ "$(tlines)" -eq 0 ] || fail "trace lines before trace on: $(head -n 3 "$UST_OUT")"
ctl trace on >"$CTL_OUT" || fail "ctl trace on exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF on" ] || fail "ctl trace on answered '$(cat "$CTL_OUT")'"
in_ns "$NS" ping -c 3 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed while tracing"
wait_for 5 sh -c "[ \$(grep -c 'ICMP' '$UST_OUT') -ge 6 ]" ||
	fail "no trace lines for 3 pings on serve's stdout: $(tail -n 5 "$UST_OUT")"
ctl trace off >"$CTL_OUT" || fail "ctl trace off exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF off" ] || fail "ctl trace off answered '$(cat "$CTL_OUT")'"
n=$(tlines)
in_ns "$NS" ping -c 3 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed after trace off"
sleep 0.5
[ "$(tlines)" -eq "$n" ] || fail "trace lines went on after trace off: $(tail -n 3 "$UST_OUT")"
echo "trace: $n lines while on, e.g. '$(grep -m 1 ICMP "$UST_OUT")'; none after off"

# --- trace on FILTER: only what the pcap-filter expression matches ---
ctl trace on tcp port 80 >"$CTL_OUT" || fail "ctl trace on tcp port 80 exited $?"
[ "$(cat "$CTL_OUT")" = "$TAPIF on tcp port 80" ] || fail "ctl trace on FILTER answered '$(cat "$CTL_OUT")'"
n=$(tlines)
in_ns "$NS" ping -c 3 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed while tracing tcp"
T_CMD_TIMEOUT=20 in_ns "$NS" curl -sS --max-time 10 -o /dev/null "http://$US_ADDR/small.bin" ||
	fail "curl failed while tracing tcp"
sleep 0.5
ctl trace off >/dev/null || fail "ctl trace off exited $?"
tail -n +$((n + 1)) "$UST_OUT" | grep " $TAPIF [<>] " >"$T_TMP/filtered"
grep -q ICMP "$T_TMP/filtered" && fail "ICMP lines under 'trace on tcp port 80': $(grep -m 1 ICMP "$T_TMP/filtered")"
grep -q "$US_ADDR.80 " "$T_TMP/filtered" || fail "no port 80 lines under 'trace on tcp port 80': $(head -n 3 "$T_TMP/filtered")"
echo "trace on tcp port 80: $(wc -l <"$T_TMP/filtered") lines, none of the pings"

# --- changes while frames flow: 1500 pings, the injector (no loss), the tracer and the
# capture turned on and off round after round; every ping is answered, none lost ---
# (no -w: with a deadline ping sends until 1500 replies are in, so a reply the injector
# still delays at the 1500th request makes it send a 1501st, and a lost one is hidden
# by an extra request; without it, 1500 are sent and each waits up to -W for its reply)
bg_ns "$NS" "$T_TMP/ping.out" ping -q -i 0.002 -c 1500 -W 5 "$US_ADDR"
PING=$BG_PID
rounds=0
while t_ours "$PING" && [ "$rounds" -lt 40 ]; do
	ctl impair delay=3,reorder=20,dup=5,seed=$rounds >/dev/null || fail "ctl impair (round $rounds) exited $?"
	ctl trace on >/dev/null || fail "ctl trace on (round $rounds) exited $?"
	ctl pcap "$T_TMP/r$rounds.pcap" >/dev/null || fail "ctl pcap (round $rounds) exited $?"
	ctl impair off >/dev/null || fail "ctl impair off (round $rounds) exited $?"
	ctl trace off >/dev/null || fail "ctl trace off (round $rounds) exited $?"
	ctl pcap off >/dev/null || fail "ctl pcap off (round $rounds) exited $?"
	rounds=$((rounds + 1))
done
pid_wait_exit "$PING" 60 || fail "ping did not end"
wait "$PING"
grep -q '^1500 packets transmitted, 1500 received' "$T_TMP/ping.out" || fail "pings lost while the wrappers changed: $(cat "$T_TMP/ping.out")"
echo "$rounds rounds of impair/trace/pcap on and off during 1500 pings: $(grep -o '[0-9]* received.*loss' "$T_TMP/ping.out")"
[ "$rounds" -ge 3 ] || fail "only $rounds rounds while the pings ran"

# --- errors: one line, exit 2 ---
ctl_errline "$N" impair loss=500
ctl_errline "$N" impair loss=5 dev nosuch0
ctl_errline "$N" trace on tcp port
ctl_errline "$N" trace sideways
ctl_errline "$N" pcap /nonexistent-dir/x.pcap
[ "$(ctl pcap)" = "$TAPIF off" ] || fail "a failed pcap left '$(ctl pcap)'"

ust_alive || fail "ustack exited"
ust_stop
expect_counter impair.discarded_at_close -eq 0
expect_counter impair.nomem -eq 0
pass
