#!/bin/bash
# SPDX-License-Identifier: MIT
# --impair loss=20 drops about 20% of frames in each direction, so about
# 1 - 0.8^2 = 36% of pings go unanswered. Generous bands: this checks the injector
# works and is applied both ways, not its statistics.
. "$(dirname "$0")/lib.sh"
t_begin impair_loss "$1"
ns_new NS
ust_serve "$NS" --serve udp-echo --impair loss=20,seed=7

out=$(in_ns "$NS" ping -n -c 400 -i 0.005 -W 1 "$US_ADDR" 2>&1)
echo "$out" | tail -n 2
line=$(echo "$out" | grep 'packets transmitted')
sent=$(echo "$line" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
recv=$(echo "$line" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ -n "$sent" ] && [ -n "$recv" ] || fail "cannot read ping's summary: $line"
loss=$(( (sent - recv) * 100 / sent ))
echo "ping loss $loss% ($recv of $sent answered)"
[ "$loss" -ge 20 ] && [ "$loss" -le 55 ] || fail "ping loss $loss%, want 20..55% (~36%)"
ust_stop
dropped=$(counter impair.dropped)
passed=$(counter impair.passed)
total=$((dropped + passed))
[ "$total" -ge 400 ] || fail "impair saw $total frames (dropped $dropped, passed $passed)"
pct=$((dropped * 100 / total))
echo "impair.dropped $dropped of $total frames ($pct%)"
[ "$pct" -ge 12 ] && [ "$pct" -le 28 ] || fail "impair dropped $pct% of frames, want 12..28%"
pass
