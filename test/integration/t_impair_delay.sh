#!/bin/bash
# SPDX-License-Identifier: MIT
# --impair delay=MS holds every frame back and loses none, and loss=P loses P% of the
# segments on the wire, one here and one there, not whole TSO super-frames.
#  1. delay=10 alone: a 20 MB download from ustack's http, with the TAP's offloads on
#     (64 KB super-frames) and off (1500-byte frames), arrives byte-exact and nothing was
#     lost on the way: no segment found lost by RACK or a retransmission timeout, no frame
#     dropped by the injector or the TAP driver, and none of the kernel's ACKs dropped on
#     its side of the TAP (`ip -s link`, TX dropped: its queue to ustack is 1000 frames,
#     and a window of delayed segments written out without a read in between, as before
#     impair.delay_rx_polls, overflowed it by hundreds with offload off).
#  2. loss=5,delay=10: a 2 MB download loses about 5% of its data segments (2..10% are
#     retransmitted) and no long runs of consecutive ones (at most 4 in a row in the
#     --tcp-log's rack-lost events): the injector cut the super-frames (impair.cut_*)
#     and judged each segment alone. Judged whole, a dropped super-frame took up to 44
#     segments with it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin impair_delay "$1"
MSS=1448
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((20 * 1024 * 1024))
rand_file "$T_TMP/www/small.bin" $((2 * 1024 * 1024))

# get FILE SECS: curl's download of FILE from ustack, checked byte for byte.
get()
{
	rm -f "$T_TMP/got.bin"
	T_CMD_TIMEOUT=$(($2 + 10)) in_ns "$NS" curl -sS --max-time "$2" -o "$T_TMP/got.bin" \
		"http://$US_ADDR/$1" 2>"$T_TMP/curl.err" ||
		fail "curl $1 failed: $(head -c 300 "$T_TMP/curl.err")"
	[ "$(sha "$T_TMP/got.bin")" = "$(sha "$T_TMP/www/$1")" ] ||
		fail "$1 differs: $(stat -c %s "$T_TMP/got.bin") bytes"
}

for off in on off; do
	ust_start "$NS" serve --dev "$(dev_spec),offload=$off" --stats \
		--serve "http,root=$T_TMP/www" --impair delay=10
	start=$(date +%s%N)
	get big.bin 40
	ms=$((($(date +%s%N) - start) / 1000000))
	kdrop=$(ip -n "$NS" -s link show "$TAPIF" | awk '/TX:/ { getline; print $4 }')
	ust_stop
	echo "delay=10 offload=$off: 20 MB in $ms ms;" \
		"delayed $(counter impair.delayed), retransmitted $(counter tcp.snd_rexmt_segs)" \
		"(tail probes $(counter tcp.snd_tlp_probes)), kernel TAP TX dropped ${kdrop:-?}"
	expect_counter impair.delayed -ge 400
	for c in impair.dropped impair.nomem impair.cut_failed tap.tx_dropped_full \
		tap.tx_write_errors tcp.rack_lost_segs tcp.rto_lost_segs tcp.rexmt_timeouts; do
		expect_counter "$c" -eq 0
	done
	# a tail loss probe may resend the last segment when an ACK is late on a busy
	# machine; any other retransmission means a segment went missing
	[ "$(counter tcp.snd_rexmt_segs)" -le "$(counter tcp.snd_tlp_probes)" ] ||
		fail "delay=10 offload=$off: $(counter tcp.snd_rexmt_segs) segments retransmitted"
	[ "$kdrop" = 0 ] || fail "delay=10 offload=$off: the kernel dropped ${kdrop:-?} frames to ustack"
done

ust_start "$NS" serve --dev "$(dev_spec)" --stats --serve "http,root=$T_TMP/www" \
	--impair loss=5,delay=10,seed=3 --tcp-log "$T_TMP/log.csv"
get small.bin 60
ust_stop
segs=$(((2 * 1024 * 1024 + MSS - 1) / MSS))
rexmt=$(counter tcp.snd_rexmt_segs)
# the longest run of lost segments in a row: rack-lost events of the server's side whose
# sequence numbers follow on from each other
run=$(awk -F, '$4 == "rack-lost" && $2 ~ /:80$/ {
		n = ($5 == next_seq) ? n + 1 : 1; if (n > max) max = n; next_seq = $5 + $6 }
	END { print max + 0 }' "$T_TMP/log.csv")
echo "loss=5,delay=10: $rexmt of $segs data segments retransmitted, longest run of lost" \
	"segments $run; super-frames cut $(counter impair.cut_supersegs) into" \
	"$(counter impair.cut_segments) segments, frames dropped $(counter impair.dropped)"
[ "$rexmt" -ge $((segs * 2 / 100)) ] && [ "$rexmt" -le $((segs * 10 / 100)) ] ||
	fail "$rexmt of $segs segments retransmitted under loss=5, want 2..10%"
[ "$run" -ge 1 ] && [ "$run" -le 4 ] ||
	fail "longest run of consecutive lost segments is $run, want 1..4 under 5% random loss"
expect_counter impair.cut_supersegs -ge 1
expect_counter impair.cut_failed -eq 0
pass
