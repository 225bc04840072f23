#!/bin/bash
# SPDX-License-Identifier: MIT
# TCP over IPv6 with the TAP's segmentation offload (offload=on, TUN_F_TSO6): curl -6 and
# wget download 30 MB from ustack's `http` service and a kernel client sends 20 MB to its
# echo service and reads it back, all byte-exact (sha256), ustack sending TCPv6
# super-segments (tap.tx_gso, tcp.snd_tso_segs) and the kernel handing it its own
# (tap.rx_gso), none cut in software (ip6.out_gso_soft) nor refused (ip6.in_gso_bad,
# tap.rx_bad_vnet_hdr); then the download again with --impair loss=2, where the injector
# cuts each IPv6 super-frame into its segments (net/gso.c: impair.cut_supersegs) before
# it judges them, and curl still gets the file byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin ipv6_tso "$1"
need_cmd curl
need_cmd wget
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY"
ns_new NS
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
US6=2001:db8::2
K6=2001:db8::1
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((30 * 1024 * 1024))
want=$(sha "$T_TMP/www/big.bin")
head -c $((20 * 1024 * 1024)) "$T_TMP/www/big.bin" >"$T_TMP/up.bin"
want_up=$(sha "$T_TMP/up.bin")
DEV="$(dev_spec),offload=on,addr6=$US6/64,host6=$K6/64"

# fetch TOOL: the 30 MB file over IPv6 with curl -6 or wget, byte-exact or fail
fetch()
{
	local t0 t1
	rm -f "$T_TMP/got.bin"
	t0=$(date +%s.%N)
	if [ "$1" = curl ]; then
		T_CMD_TIMEOUT=90 in_ns "$NS" curl -6 -sS -g --max-time 80 -o "$T_TMP/got.bin" \
			"http://[$US6]/big.bin" 2>"$T_TMP/fetch.err" ||
			fail "curl -6 failed: $(head -c 300 "$T_TMP/fetch.err")"
	else
		T_CMD_TIMEOUT=90 in_ns "$NS" wget -q -T 20 -t 1 -O "$T_TMP/got.bin" \
			"http://[$US6]/big.bin" 2>"$T_TMP/fetch.err" ||
			fail "wget failed: $(head -c 300 "$T_TMP/fetch.err")"
	fi
	t1=$(date +%s.%N)
	[ "$(sha "$T_TMP/got.bin")" = "$want" ] ||
		fail "$1: $(stat -c %s "$T_TMP/got.bin") bytes, not the file"
	echo "$1 -6: 30 MB byte-exact, $(echo "$t0 $t1" | awk '{printf "%.0f Mbit/s", 30 * 8.388608 / ($2 - $1)}')"
}

ust_start "$NS" serve --dev "$DEV" --stats --serve "http,root=$T_TMP/www" --serve echo:7
wait_for 10 in_ns "$NS" ping -6 -c 1 -W 1 "$US6" >/dev/null ||
	fail "ustack's $US6 does not answer: $(tail -n 5 "$UST_ERR")"
fetch curl
fetch wget

# upload: a kernel client sends 20 MB to the echo service while it reads the echo back
T_CMD_TIMEOUT=90 in_ns "$NS" "$PY" - "$US6" "$T_TMP/up.bin" "$T_TMP/echo.bin" \
	>"$T_TMP/up.out" 2>&1 <<'EOF' || fail "upload to echo: $(tail -n 3 "$T_TMP/up.out")"
import socket, sys, threading, time
addr, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.create_connection((addr, 7), timeout=60)
data = open(src, "rb").read()
t0 = time.time()
def send():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
th = threading.Thread(target=send)
th.start()
with open(dst, "wb") as f:
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        f.write(b)
th.join()
print("upload %.0f Mbit/s" % (len(data) * 8 / (time.time() - t0) / 1e6))
EOF
[ "$(sha "$T_TMP/echo.bin")" = "$want_up" ] ||
	fail "20 MB through echo: $(stat -c %s "$T_TMP/echo.bin") bytes back, not the file"
echo "kernel client -> echo -> back: 20 MB byte-exact, $(cat "$T_TMP/up.out")"

ust_stats_now "$T_TMP/stats"
for c in tap.tx_gso tap.rx_gso tcp.snd_tso_segs ip6.out_gso_soft ip6.in_gso_bad \
	tap.rx_bad_vnet_hdr gso.bad_superseg; do
	printf '%s=%s ' "$c" "$(counter_in "$T_TMP/stats" "$c")"
done
echo
[ "$(counter_in "$T_TMP/stats" tap.tx_gso)" -ge 100 ] || fail "ustack sent few TCPv6 super-segments"
[ "$(counter_in "$T_TMP/stats" tcp.snd_tso_segs)" -ge 100 ] || fail "TCP built few super-segments"
[ "$(counter_in "$T_TMP/stats" tap.rx_gso)" -ge 10 ] ||
	fail "the kernel handed ustack no TCPv6 super-segments (tap.rx_gso)"
for c in ip6.out_gso_soft ip6.in_gso_bad tap.rx_bad_vnet_hdr gso.bad_superseg; do
	[ "$(counter_in "$T_TMP/stats" "$c")" -eq 0 ] || fail "$c is $(counter_in "$T_TMP/stats" "$c")"
done
ust_stop

# The injector cuts IPv6 super-frames in software (net/gso.c) to lose single segments.
ust_start "$NS" serve --dev "$DEV" --stats --serve "http,root=$T_TMP/www" \
	--impair loss=2,seed=7
wait_for 10 in_ns "$NS" ping -6 -c 1 -W 1 "$US6" >/dev/null ||
	fail "ustack's $US6 does not answer with --impair: $(tail -n 5 "$UST_ERR")"
fetch curl
ust_stats_now "$T_TMP/stats"
echo "impair: super-frames cut $(counter_in "$T_TMP/stats" impair.cut_supersegs) into" \
	"$(counter_in "$T_TMP/stats" impair.cut_segments) segments, dropped" \
	"$(counter_in "$T_TMP/stats" impair.dropped)"
[ "$(counter_in "$T_TMP/stats" impair.cut_supersegs)" -ge 10 ] ||
	fail "the injector cut few IPv6 super-frames"
[ "$(counter_in "$T_TMP/stats" impair.cut_failed)" -eq 0 ] ||
	fail "impair.cut_failed is $(counter_in "$T_TMP/stats" impair.cut_failed)"
ust_stop
pass
