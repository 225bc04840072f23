#!/bin/bash
# SPDX-License-Identifier: MIT
# TCP and UDP over IPv6 between the kernel and ustack over a TAP (ustack 2001:db8::2, the
# kernel 2001:db8::1): curl -6 and wget of a 50 MB file from ustack's `http` service
# (on :: for both families, host6= giving the kernel its address) byte-exact, and curl
# over IPv4 of a 4 MB one from the same socket; nc -6 echo with ustack in both roles, its
# --trace labelling the segments IP6; `ustack get` from a kernel
# `python3 -m http.server --bind ::`; UDP both ways with nc -u -6 (IP6 in --trace); then
# the 4 MB download again with 5% of the kernel's IPv6 packets dropped (nftables), still
# byte-exact; `ustack ping` of the kernel's IPv6 address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin ipv6_tcp "$1"
need_cmd curl
need_cmd wget
need_cmd nc
ns_new NS
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
US6=2001:db8::2
K6=2001:db8::1
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((50 * 1024 * 1024))
want_big=$(sha "$T_TMP/www/big.bin")
rand_file "$T_TMP/www/small.bin" $((4 * 1024 * 1024))
want=$(sha "$T_TMP/www/small.bin")

# dev6: the TAP with both families, the kernel's side configured by host= and host6=
dev6()
{
	echo "$(dev_spec),addr6=$US6/64,host6=$K6/64"
}

# k_listening -t|-u PORT: a kernel socket in the namespace listens on (is bound to) PORT
k_listening()
{
	ip netns exec "$NS" ss -Hln "$1" | grep -q "]:$2 \|:$2 "
}

# fetch TOOL URL: curl -6 or wget into $T_TMP/fetch.bin, byte-exact or fail; prints the rate
fetch()
{
	local w=$want mb=4 t0 t1
	case $2 in *big.bin) w=$want_big mb=50 ;; esac
	rm -f "$T_TMP/fetch.bin"
	t0=$(date +%s.%N)
	if [ "$1" = curl ]; then
		T_CMD_TIMEOUT=90 in_ns "$NS" curl -sS -g --max-time 80 -o "$T_TMP/fetch.bin" "$2" \
			2>"$T_TMP/fetch.err" || fail "curl $2 failed: $(head -c 300 "$T_TMP/fetch.err")"
	else
		T_CMD_TIMEOUT=90 in_ns "$NS" wget -q -T 20 -t 1 -O "$T_TMP/fetch.bin" "$2" \
			2>"$T_TMP/fetch.err" || fail "wget $2 failed: $(head -c 300 "$T_TMP/fetch.err")"
	fi
	t1=$(date +%s.%N)
	got=$(sha "$T_TMP/fetch.bin")
	[ "$got" = "$w" ] ||
		fail "$1 $2: $(stat -c %s "$T_TMP/fetch.bin") bytes, sha256 $got, want $w"
	echo "$1 $2: $mb MB byte-exact, $(echo "$t0 $t1 $mb" | awk '{printf "%.1f MB/s", $3 / ($2 - $1)}')"
}

ust_start "$NS" serve --dev "$(dev6)" --stats --sndbuf 65536 \
	--serve "http,root=$T_TMP/www" --serve udp-echo:7
fetch curl "http://[$US6]/big.bin"
fetch wget "http://[$US6]/big.bin"
fetch curl "http://$US_ADDR/small.bin"

# UDP: the kernel's nc -u -6 to ustack's udp-echo on ::
out=$(echo "hello udp6" | T_CMD_TIMEOUT=10 in_ns "$NS" nc -6 -u -w 2 "$US6" 7 2>&1)
[ "$out" = "hello udp6" ] || fail "udp-echo over IPv6 answered '$out'"
echo "nc -u -6 to udp-echo: echoed"

# 5% of the kernel's IPv6 packets dropped: the download is still byte-exact
need_nft=1
if command -v nft >/dev/null 2>&1; then
	in_ns "$NS" nft -f - <<-EOF || fail "cannot load the nftables loss rule"
	table inet ustloss {
		chain out {
			type filter hook output priority 0; policy accept;
			meta nfproto ipv6 tcp dport 80 numgen random mod 100 < 5 drop
		}
		chain in {
			type filter hook input priority 0; policy accept;
			meta nfproto ipv6 tcp sport 80 numgen random mod 100 < 5 drop
		}
	}
	EOF
	fetch curl "http://[$US6]/small.bin"
	in_ns "$NS" nft delete table inet ustloss || fail "cannot remove the loss rule"
	need_nft=0
fi
ust_alive || fail "ustack exited during the transfers"
ust_stop
expect_counter tcp.conn_accepts -ge 3
# the downloads' ACKs came in over IPv6 (how many depends on the kernel's GRO and
# delayed ACKs: 9,362 were seen for the 104 MB, so the bound is loose)
expect_counter ip6.in_delivers -ge 1000
[ "$need_nft" -eq 0 ] && expect_counter tcp.snd_rexmt_segs -ge 1

# nc -6, ustack listening: each side's stdin to the other's stdout
printf 'from ustack\n' >"$T_TMP/ust.in"
UST_STDIN=$T_TMP/ust.in ust_start "$NS" nc --dev "$(dev6)" -v -6 -l --trace 9000
wait_for 10 grep -q "Listening on :: 9000" "$UST_ERR" || fail "ustack nc -l: $(cat "$UST_ERR")"
out=$(echo "from kernel" | T_CMD_TIMEOUT=15 in_ns "$NS" nc -6 -w 3 "$US6" 9000 2>&1)
ust_wait_exit 10 || fail "ustack nc -l did not end after the kernel's nc closed"
grep -qx "from kernel" "$UST_OUT" || fail "ustack nc -l got: $(cat "$UST_OUT")"
[ "$out" = "from ustack" ] || fail "the kernel's nc got '$out'"
grep -qE "< IP6 \[$K6\]\.[0-9]+ > \[$US6\]\.9000: TCP \[S\] seq" "$UST_ERR" ||
	fail "--trace has no IP6 line for the kernel's SYN: $(grep -m 3 ' 9000' "$UST_ERR")"
grep -qE " IP \[" "$UST_ERR" && fail "--trace labels IPv6 TCP as IP: $(grep -m 1 ' IP \[' "$UST_ERR")"
echo "nc -6: ustack listening, both ways; --trace says IP6"

# ustack connecting to the kernel's nc -l
bg_ns "$NS" "$T_TMP/knc.out" nc -6 -d -l -p 9001
KNC=$BG_PID
wait_for 10 k_listening -t 9001 || fail "the kernel's nc -l is not listening"
printf 'to kernel\n' >"$T_TMP/ust.in"
UST_STDIN=$T_TMP/ust.in ust_start "$NS" nc --dev "$(dev6)" -q 1 "$K6" 9001
ust_wait_exit 20 || fail "ustack nc to [$K6]:9001 did not end"
pid_wait_exit "$KNC" 10 || fail "the kernel's nc -l did not end"
grep -qx "to kernel" "$T_TMP/knc.out" || fail "the kernel's nc -l got: $(cat "$T_TMP/knc.out"); ustack: $(tail -n 5 "$UST_ERR")"
echo "nc -6: ustack connecting, delivered"

# ustack get from the kernel's http.server on ::
cp "$T_TMP/www/small.bin" "$T_TMP/k.bin"
bg_ns "$NS" "$T_TMP/pyhttp.out" /usr/bin/python3 -m http.server --bind :: --directory "$T_TMP" 8081
PYH=$BG_PID
wait_for 10 k_listening -t 8081 || fail "the kernel's http.server is not listening"
ust_start "$NS" get --dev "$(dev6)" -s -o "$T_TMP/get.bin" "http://[$K6]:8081/k.bin"
ust_wait_exit 60 || fail "ustack get did not end"
[ "$UST_STATUS" -eq 0 ] || fail "ustack get exited $UST_STATUS: $(tail -n 3 "$UST_ERR")"
[ "$(sha "$T_TMP/get.bin")" = "$want" ] || fail "ustack get's copy differs"
echo "ustack get http://[$K6]:8081/: 4 MB byte-exact"
stop_pid "$PYH"

# UDP, ustack sending: ustack nc -u to the kernel's nc -u -l
bg_ns "$NS" "$T_TMP/kudp.out" nc -6 -d -u -l -p 9002 -W 1
KU=$BG_PID
wait_for 10 k_listening -u 9002 || fail "the kernel's nc -u -l is not bound"
printf 'udp to kernel\n' >"$T_TMP/ust.in"
UST_STDIN=$T_TMP/ust.in ust_start "$NS" nc --dev "$(dev6)" --trace -u -q 2 "$K6" 9002
ust_wait_exit 20 || fail "ustack nc -u did not end"
pid_wait_exit "$KU" 10 || stop_pid "$KU"
grep -qx "udp to kernel" "$T_TMP/kudp.out" || fail "the kernel's nc -u -l got: $(cat "$T_TMP/kudp.out")"
grep -qE "> IP6 \[$US6\]\.[0-9]+ > \[$K6\]\.9002: UDP len 14" "$UST_ERR" ||
	fail "--trace has no IP6 line for the datagram: $(grep -m 3 '9002' "$UST_ERR")"
echo "nc -u -6: ustack to the kernel, delivered"

# ustack ping of the kernel's IPv6 address (ICMPv6 echo socket)
ust_start "$NS" ping --dev "$(dev6)" -c 5 -i 0.2 -W 3 "$K6"
ust_wait_exit 20 || fail "ustack ping did not end"
[ "$UST_STATUS" -eq 0 ] || fail "ustack ping $K6 exited $UST_STATUS: $(cat "$UST_OUT")"
grep -q "5 packets transmitted, 5 received" "$UST_OUT" || fail "ustack ping $K6: $(tail -n 2 "$UST_OUT")"
grep -q "bytes from $K6: icmp_seq=1 ttl=64" "$UST_OUT" || fail "ustack ping's first reply: $(cat "$UST_OUT")"
echo "ustack ping $K6: 5 of 5"
pass
