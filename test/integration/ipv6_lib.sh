# SPDX-License-Identifier: MIT
# IPv6 transfers shared by the TUN and PF_PACKET tests (t_ipv6_tun.sh, t_ipv6_packet.sh):
# sourced after lib.sh and tcp_lib.sh, in a test that has set NS and want (the sha of its
# 4 MB file).

# nc6_both DEVSPEC US6 K6: nc -6 echo with ustack listening (the kernel's line to its
# stdout, its line back) and with ustack connecting to the kernel's nc -l
nc6_both()
{
	local out
	printf 'from ustack\n' >"$T_TMP/ust.in"
	UST_STDIN=$T_TMP/ust.in ust_start "$NS" nc --dev "$1" -v -6 -l 9000
	wait_for 10 grep -q "Listening on :: 9000" "$UST_ERR" || fail "ustack nc -l: $(cat "$UST_ERR")"
	out=$(echo "from kernel" | T_CMD_TIMEOUT=15 in_ns "$NS" nc -6 -w 3 "$2" 9000 2>&1)
	ust_wait_exit 10 || fail "ustack nc -l did not end after the kernel's nc closed"
	grep -qx "from kernel" "$UST_OUT" || fail "ustack nc -l got: $(cat "$UST_OUT")"
	[ "$out" = "from ustack" ] || fail "the kernel's nc got '$out'"
	echo "nc -6: ustack listening, both ways"
	bg_ns "$NS" "$T_TMP/knc.out" nc -6 -d -l -p 9001
	KNC=$BG_PID
	wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :9001' | grep -q ." ||
		fail "the kernel's nc -l is not listening"
	printf 'to kernel\n' >"$T_TMP/ust.in"
	UST_STDIN=$T_TMP/ust.in ust_start "$NS" nc --dev "$1" -q 1 "$3" 9001
	ust_wait_exit 20 || fail "ustack nc to [$3]:9001 did not end"
	pid_wait_exit "$KNC" 10 || fail "the kernel's nc -l did not end"
	grep -qx "to kernel" "$T_TMP/knc.out" ||
		fail "the kernel's nc -l got: $(cat "$T_TMP/knc.out"); ustack: $(tail -n 5 "$UST_ERR")"
	echo "nc -6: ustack connecting, delivered"
}

# curl6 URL: curl -6 of the 4 MB file, byte-exact; prints the rate
curl6()
{
	local t0 t1
	rm -f "$T_TMP/got.bin"
	t0=$(date +%s.%N)
	T_CMD_TIMEOUT=90 in_ns "$NS" curl -6 -sS -g --max-time 80 -o "$T_TMP/got.bin" "$1" \
		2>"$T_TMP/curl.err" || fail "curl -6 $1: $(head -c 300 "$T_TMP/curl.err")"
	t1=$(date +%s.%N)
	[ "$(sha "$T_TMP/got.bin")" = "$want" ] ||
		fail "curl -6 $1: $(stat -c %s "$T_TMP/got.bin") bytes, not the file"
	echo "curl -6 $1: 4 MB byte-exact, $(echo "$t0 $t1" | awk '{printf "%.1f MB/s", 4 / ($2 - $1)}')"
}
