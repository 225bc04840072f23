#!/bin/bash
# SPDX-License-Identifier: MIT
# Land: segments whose source address and port are ustack's own (scapy from the kernel's
# side of the TAP): a SYN, a SYN+FIN and an ACK to the http port and to a closed one.
# ustack sends at most a handful of segments for them (once it answered itself without end,
# at over a million segments a second), counts the drops, and keeps serving.
# The IP layer may drop such a packet first (a martian: its own address as the source on a
# non-loopback device); TCP drops the land SYN in any case (tcp.rcv_land) and any SYN+FIN
# (tcp.rcv_syn_fin). Either way the drop must be counted somewhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_land "$1"
ns_new NS
mkdir "$T_TMP/www"
echo "still here" >"$T_TMP/www/index.html"
ust_serve "$NS" --serve "http,root=$T_TMP/www"
in_ns "$NS" curl -sS --max-time 5 -o /dev/null "http://$US_ADDR/index.html" || fail "curl failed before the land segments"
MAC=$(us_mac "$NS")
[ -n "$MAC" ] || fail "the kernel did not learn ustack's MAC address"

ust_stats_now "$T_TMP/before"
in_ns "$NS" "$PY" "$TESTDIR/land.py" "$TAPIF" "$MAC" "$US_ADDR" 80 81 || fail "land.py failed"
sleep 2
ust_stats_now "$T_TMP/after"
d()
{
	echo $(( $(counter_in "$T_TMP/after" "$1") - $(counter_in "$T_TMP/before" "$1") ))
}
sent=$(d tcp.snd_total)
rcvd=$(d tcp.rcv_total)
land=$(d tcp.rcv_land)
synfin=$(d tcp.rcv_syn_fin)
ipdrop=0
for c in $(awk '$1 ~ /^ip\.in_(bad_src|martian|own)/ { print $1 }' "$T_TMP/after" | sort -u); do
	ipdrop=$((ipdrop + $(d "$c")))
done
echo "6 land segments: TCP received $rcvd, sent $sent; dropped as land $land, as SYN+FIN $synfin, by IP $ipdrop"
[ "$sent" -le 5 ] || fail "ustack sent $sent TCP segments in answer to 6 land segments"
[ $((land + ipdrop)) -ge 2 ] || fail "the 2 land SYNs were not counted as dropped (land $land, IP $ipdrop)"
[ "$ipdrop" -ge 6 ] || [ "$synfin" -ge 2 ] || fail "the 2 SYN+FIN were not counted (tcp.rcv_syn_fin $synfin)"
in_ns "$NS" curl -sS --max-time 5 -o "$T_TMP/got" "http://$US_ADDR/index.html" || fail "curl failed after the land segments"
cmp -s "$T_TMP/got" "$T_TMP/www/index.html" || fail "curl got the wrong page"
ust_alive || fail "ustack exited"
ust_stop
pass
