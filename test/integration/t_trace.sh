#!/bin/bash
# SPDX-License-Identifier: MIT
# --trace's timestamps, filter and TCP options, against real traffic from the kernel:
#  1. a bad filter is a usage error: one line with libpcap's reason, exit 2;
#  2. --trace icmp --trace-time rel while the kernel pings and fetches 2 MB over HTTP at
#     the same time: ICMP lines only (as many as tshark counts ICMP frames in the same
#     run's unfiltered capture), stamps from 0.000000 up, never going back;
#  3. --trace 'tcp port 80' (the filter as the next word) with a few pings and a fetch
#     through 3% loss: TCP lines only, wall-clock stamps near `date`'s, the kernel's SYN
#     options decoded as tcpdump prints them, and SACK blocks in its duplicate ACKs.
. "$(dirname "$0")/lib.sh"
t_begin trace "$1"
need_cmd curl tshark
ns_new NS
mkdir -p "$T_TMP/www"
head -c 2000000 /dev/urandom >"$T_TMP/www/blob"
STAMP_REL='^[0-9]+\.[0-9]{6} ustap0 [<>] '
STAMP_ABS='^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} ustap0 [<>] '

# 1. A bad expression: refused before any device exists.
out=$(in_ns "$NS" "$UST" serve --dev "$(dev_spec)" --trace 'tcp port' 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "--trace 'tcp port': exit $rc, want 2 (usage): $out"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "--trace 'tcp port': more than one line: $out"
echo "$out" | grep -q "^ustack: --trace 'tcp port': .*syntax error" ||
	fail "--trace 'tcp port': not libpcap's reason: $out"
out=$(in_ns "$NS" "$UST" serve --dev "$(dev_spec)" --trace-time later 2>&1)
[ $? -eq 2 ] || fail "--trace-time later: not a usage error: $out"

# 2. ICMP only, relative stamps, while a TCP transfer runs beside the pings.
ust_serve "$NS" --serve "http,root=$T_TMP/www" --trace icmp --trace-time rel \
	--pcap "$T_TMP/all.pcap"
in_ns "$NS" ping -n -c 10 -i 0.1 -W 2 "$US_ADDR" >"$T_TMP/ping.out" 2>&1 &
PING_PID=$!
T_PIDS+=("$PING_PID")
in_ns "$NS" curl -sf --max-time 30 -o "$T_TMP/got" "http://$US_ADDR/blob" || fail "curl failed"
cmp -s "$T_TMP/got" "$T_TMP/www/blob" || fail "curl: the body differs"
pid_wait_exit "$PING_PID" 15 || fail "ping did not finish"
wait "$PING_PID" || fail "ping failed: $(tail -n 2 "$T_TMP/ping.out")"
ust_stop
traced=$(grep -cE "$STAMP_REL" "$UST_OUT")
icmp=$(grep -cE "${STAMP_REL}IP [0-9.]+ > [0-9.]+: ICMP echo (request|reply)" "$UST_OUT")
other=$(grep -E "$STAMP_REL" "$UST_OUT" | grep -vE ': ICMP ' | head -n 3)
echo "filter icmp: $traced lines traced, $icmp ICMP echo lines"
[ -z "$other" ] || fail "--trace icmp printed other frames: $other"
[ "$icmp" -ge 20 ] || fail "--trace icmp: $icmp ICMP echo lines, want 20 (10 pings)"
cap_icmp=$(timeout 30 tshark -r "$T_TMP/all.pcap" -Y icmp 2>/dev/null | wc -l)
cap_tcp=$(timeout 30 tshark -r "$T_TMP/all.pcap" -Y tcp 2>/dev/null | wc -l)
echo "the unfiltered capture: $cap_icmp ICMP frames, $cap_tcp TCP frames"
[ "$cap_tcp" -ge 20 ] || fail "the capture has $cap_tcp TCP frames: the transfer was not seen"
[ "$traced" -eq "$cap_icmp" ] ||
	fail "--trace icmp printed $traced lines, tshark counts $cap_icmp ICMP frames"
grep -E "$STAMP_REL" "$UST_OUT" | head -n 1 | grep -q '^0\.000000 ' ||
	fail "the first relative stamp is not 0.000000: $(grep -E "$STAMP_REL" "$UST_OUT" | head -n 1)"
if ! grep -E "$STAMP_REL" "$UST_OUT" | awk '{ t = $1 + 0; if (t < last) { print; bad = 1 }
		last = t } END { if (last < 0.5) { print "last " last; bad = 1 }; exit bad }'; then
	fail "relative stamps go back, or do not span the pings"
fi

# 3. TCP port 80 only (the expression as the next word), wall-clock stamps, options.
before=$(date +%s)
# offload=off: MSS-sized segments, so a loss leaves a hole the kernel SACKs past (a lost
# 64 KB super-frame at the end of a flight may leave none).
ust_start "$NS" serve --dev "$(dev_spec),offload=off" --stats --serve "http,root=$T_TMP/www" \
	--impair loss=3,seed=11 --trace 'tcp port 80'
in_ns "$NS" ping -n -c 3 -i 0.2 -W 1 "$US_ADDR" >/dev/null 2>&1 # some may be lost: no matter
in_ns "$NS" curl -sf --max-time 60 -o "$T_TMP/got" "http://$US_ADDR/blob" || fail "curl failed"
cmp -s "$T_TMP/got" "$T_TMP/www/blob" || fail "curl through loss: the body differs"
ust_stop
traced=$(grep -cE "$STAMP_ABS" "$UST_OUT")
other=$(grep -E "$STAMP_ABS" "$UST_OUT" | grep -vE ': TCP \[' | head -n 3)
echo "filter 'tcp port 80': $traced lines traced"
[ "$traced" -ge 50 ] || fail "--trace 'tcp port 80': only $traced lines"
[ -z "$other" ] || fail "--trace 'tcp port 80' printed other frames: $other"
syn=$(grep -E "${STAMP_ABS}IP $K_ADDR\.[0-9]+ > $US_ADDR\.80: TCP \[S\] " "$UST_OUT" | head -n 1)
echo "$syn" | grep -qE 'options \[mss 1460,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+\]$' ||
	fail "the kernel's SYN options are not decoded as tcpdump does: $syn"
grep -qE "${STAMP_ABS}IP $K_ADDR\.[0-9]+ > $US_ADDR\.80: TCP \[\.\] .*options \[nop,nop,TS val [0-9]+ ecr [0-9]+,nop,nop,sack [1-4] (\{[0-9]+:[0-9]+\}){1,4}\]" \
	"$UST_OUT" || fail "no duplicate ACK with SACK blocks decoded (3% loss on 2 MB)"
# The first stamp is the wall clock of the moment (seconds of the day, local time).
first=$(grep -E "$STAMP_ABS" "$UST_OUT" | head -n 1 | cut -d' ' -f1)
IFS=:. read -r h m s _ <<<"$first"
start=$(date -d "@$before" +%H:%M:%S)
IFS=: read -r bh bm bs <<<"$start"
d=$(( (10#$h * 3600 + 10#$m * 60 + 10#$s) - (10#$bh * 3600 + 10#$bm * 60 + 10#$bs) ))
[ "$d" -lt 0 ] && d=$((d + 86400))
[ "$d" -le 30 ] || fail "the first stamp $first is not near the start time $start"
pass
