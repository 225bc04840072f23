#!/bin/bash
# SPDX-License-Identifier: MIT
# Loss recovery on a lossy path: nftables in a Linux router namespace drops 5%, then 20%, of
# the TCP segments in both directions (kernel client CL -- veth -- router RT -- TAP --
# ustack), with the kernel's default offloads on the veth and the TAP. At each rate a curl
# download from `http` (ustack sends, repairs its losses) and an nc upload through `echo`
# (the kernel sends, ustack receives and SACKs; the echo comes back through ustack's sender
# too): 10 MB at 5%, 512 KB at 20% (where a loss-based congestion control, the kernel's CUBIC
# and Reno as well, spends most of its time in retransmission timeouts: a few MB a minute).
# Then ustack again with `--cc bbr` (BBR v1, paced): the 10 MB download at 20% loss, which
# a rate-based sender can afford (BBR does not take random loss as congestion).
# Every transfer must complete within a generous limit and be byte-exact; speed is for
# bench/loss.sh.
# ust: serial (at 20% loss its echo once sat in an RTO backoff of 8 past nc's limit when it ran
# beside other tests, twice in this runner's first runs; alone it has always passed)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_lossy "$1"
SIZE=$((10 * 1024 * 1024))
SIZE20=$((512 * 1024))
lossy_router

mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f5.bin" $SIZE
rand_file "$T_TMP/www/f20.bin" $SIZE20
# ustack outlives the slowest transfer (the run's limit is 150 s), so a failure shows its state
UST_TIMEOUT=145 ust_serve "$RT" --gw "$K_ADDR" --name "lossy$$" --serve echo --serve "http,root=$T_TMP/www"
wait_for 5 in_ns "$CL" ping -c 1 -W 1 "$US_ADDR" || fail "the client cannot reach ustack through the router"

# lfail REASON: fails with ustack's TCP counters (SIGUSR1) and nft's drops.
lfail()
{
	if ust_alive; then
		ust_stats_now "$T_TMP/st"
		echo "    --- ustack TCP counters at the failure:"
		grep '^tcp\.' "$T_TMP/st" | grep -v ' 0$' | sed 's/^/    | /'
		echo "    --- its connections (ctl ss -t -i):"
		"$UST" ctl "lossy$$" ss -t -i 2>&1 | sed 's/^/    | /'
		echo "    --- segments nft dropped at this rate: $(dropped)"
		UST_ERR= fail "$@"
	fi
	echo "    --- ustack is no longer running; segments nft dropped at this rate: $(dropped)"
	fail "$@"
}

for N in 5 20; do
	F=$T_TMP/www/f$N.bin
	KBS=$(( $(stat -c %s "$F") / 1024 ))
	nft_rt flush chain inet ust fw
	nft_rt add rule inet ust fw meta l4proto tcp numgen random mod 100 '<' "$N" counter drop
	start=$(date +%s)
	T_CMD_TIMEOUT=100 in_ns "$CL" curl -sS --max-time 90 -o "$T_TMP/get.bin" "http://$US_ADDR/f$N.bin" \
		2>"$T_TMP/curl.err" || lfail "curl failed (exit $?) at $N% loss: $(head -c 300 "$T_TMP/curl.err")"
	[ "$(sha "$T_TMP/get.bin")" = "$(sha "$F")" ] ||
		lfail "download differs at $N% loss: $(stat -c %s "$T_TMP/get.bin") of $(stat -c %s "$F") bytes"
	echo "download $KBS KB byte-exact at $N% loss each way ($(( $(date +%s) - start )) s)"
	start=$(date +%s)
	T_CMD_TIMEOUT=100 in_ns "$CL" nc -N -w 60 "$US_ADDR" 7 <"$F" >"$T_TMP/echo.bin" \
		2>"$T_TMP/nc.err"
	rc=$?
	[ "$rc" -eq 0 ] || lfail "nc to echo exited $rc at $N% loss after $(stat -c %s "$T_TMP/echo.bin") bytes"
	[ "$(sha "$T_TMP/echo.bin")" = "$(sha "$F")" ] ||
		lfail "echo differs at $N% loss: $(stat -c %s "$T_TMP/echo.bin") of $(stat -c %s "$F") bytes"
	echo "upload $KBS KB through echo byte-exact at $N% loss each way ($(( $(date +%s) - start )) s)"
	d=$(dropped)
	[ "${d:-0}" -ge 100 ] || lfail "nft dropped only '$d' segments at $N%: the loss was not applied"
done
nft_rt flush chain inet ust fw

ust_alive || fail "ustack exited during the transfers"
ust_stop
# the losses were repaired by ustack's own loss detection, not only by timeouts
expect_counter tcp.rack_lost_segs -ge 10
expect_counter tcp.rcv_ooo_segs -ge 10

# BBR: the option reached the connection (its mode counters), the data is exact
UST_TIMEOUT=145 ust_serve "$RT" --gw "$K_ADDR" --name "lossy$$" --cc bbr --serve "http,root=$T_TMP/www"
wait_for 5 in_ns "$CL" ping -c 1 -W 1 "$US_ADDR" || fail "the client cannot reach ustack (bbr)"
nft_rt add rule inet ust fw meta l4proto tcp numgen random mod 100 '<' 20 counter drop
F=$T_TMP/www/f5.bin
start=$(date +%s)
T_CMD_TIMEOUT=130 in_ns "$CL" curl -sS --max-time 120 -o "$T_TMP/get.bin" "http://$US_ADDR/f5.bin" \
	2>"$T_TMP/curl.err" || lfail "curl (bbr) failed (exit $?) at 20% loss: $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/get.bin")" = "$(sha "$F")" ] ||
	lfail "download (bbr) differs at 20% loss: $(stat -c %s "$T_TMP/get.bin") of $(stat -c %s "$F") bytes"
echo "bbr: download 10 MB byte-exact at 20% loss each way ($(( $(date +%s) - start )) s)"
nft_rt flush chain inet ust fw
ust_alive || fail "ustack (bbr) exited during the transfer"
ust_stop
grep -E '^tcp\.(cc_bbr|snd_paced|rexmt_timeouts|rack_lost_segs)' "$UST_ERR"
expect_counter tcp.cc_bbr_startup -ge 1
expect_counter tcp.cc_cubic_epochs -eq 0
expect_counter tcp.rack_lost_segs -ge 10
pass
