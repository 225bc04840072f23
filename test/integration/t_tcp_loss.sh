#!/bin/bash
# Loss made by nftables in the kernel's namespace. First 5% of the kernel's outgoing TCP
# segments to ustack are dropped (output hook, oifname = the TAP): 20 MB through `echo`
# (kernel -> ustack data lost, echoed back) and a 20 MB `http` download (ustack -> kernel)
# stay byte-exact. Then 5% of ustack's segments are dropped on the way in (input hook), so
# ustack's own retransmission repairs the 20 MB download.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_loss "$1"
SIZE=$((20 * 1024 * 1024))
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $SIZE
rand_file "$T_TMP/in.bin" $SIZE
ust_serve "$NS" --serve echo --serve "http,root=$T_TMP/www"

nft_ns() { in_ns "$NS" nft "$@" || fail "nft $* failed"; }
nft_ns add table inet ust
nft_ns add chain inet ust out '{ type filter hook output priority 0; policy accept; }'
nft_ns add chain inet ust in '{ type filter hook input priority 0; policy accept; }'
nft_ns add rule inet ust out oifname "$TAPIF" meta l4proto tcp numgen random mod 100 '<' 5 counter drop
# dropped CHAIN: packets the chain's drop rule has counted.
dropped() { in_ns "$NS" nft list chain inet ust "$1" | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -n 1; }

start=$(date +%s)
T_CMD_TIMEOUT=60 in_ns "$NS" nc -N -w 20 "$US_ADDR" 7 <"$T_TMP/in.bin" >"$T_TMP/echo.bin" 2>"$T_TMP/nc.err"
rc=$?
[ "$rc" -eq 0 ] || fail "nc to echo exited $rc after $(stat -c %s "$T_TMP/echo.bin") of $SIZE bytes back"
[ "$(sha "$T_TMP/echo.bin")" = "$(sha "$T_TMP/in.bin")" ] ||
	fail "echo under 5% kernel-side loss differs: $(stat -c %s "$T_TMP/echo.bin") of $SIZE bytes"
echo "echo 20 MB byte-exact with 5% of the kernel's segments dropped ($(( $(date +%s) - start )) s)"

start=$(date +%s)
T_CMD_TIMEOUT=60 in_ns "$NS" curl -sS --max-time 50 -o "$T_TMP/get1.bin" "http://$US_ADDR/f.bin" \
	2>"$T_TMP/curl.err" || fail "curl failed (exit $?) under output loss: $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/get1.bin")" = "$(sha "$T_TMP/www/f.bin")" ] ||
	fail "http download under 5% output loss differs: $(stat -c %s "$T_TMP/get1.bin") of $SIZE bytes"
echo "http 20 MB byte-exact with 5% of the kernel's segments (ACKs) dropped ($(( $(date +%s) - start )) s)"
out_drops=$(dropped out)
echo "nft dropped $out_drops outgoing segments"
[ "${out_drops:-0}" -ge 100 ] || fail "nft dropped only '${out_drops}' outgoing segments: the loss was not applied"

# Now ustack's data is what gets lost.
nft_ns flush chain inet ust out
nft_ns add rule inet ust in iifname "$TAPIF" meta l4proto tcp numgen random mod 100 '<' 5 counter drop
start=$(date +%s)
T_CMD_TIMEOUT=35 in_ns "$NS" curl -sS --max-time 25 -o "$T_TMP/get2.bin" "http://$US_ADDR/f.bin" \
	2>"$T_TMP/curl.err" || fail "curl failed (exit $?) under input loss: $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/get2.bin")" = "$(sha "$T_TMP/www/f.bin")" ] ||
	fail "http download under 5% input loss differs: $(stat -c %s "$T_TMP/get2.bin") of $SIZE bytes"
in_drops=$(dropped in)
echo "http 20 MB byte-exact with 5% of ustack's segments dropped ($(( $(date +%s) - start )) s, nft dropped $in_drops)"
[ "${in_drops:-0}" -ge 100 ] || fail "nft dropped only '${in_drops}' incoming segments"

ust_alive || fail "ustack exited during the transfers"
ust_stop
expect_counter tcp.rcv_ooo_segs -ge 1
expect_counter tcp.snd_rexmt_segs -ge 100
pass
