# SPDX-License-Identifier: MIT
# Helpers for the malformed-traffic tests (t_malformed, t_packet_malformed,
# t_tun_malformed; sourced after lib.sh).
#
# mf_barrage NS MIN SCRIPT ARGS...: runs the generator SCRIPT (in this folder) in NS with
# ARGS, a seed of this shell's PID and 60 rounds; fails unless it exits 0 having sent at
# least MIN frames, and unless ustack survived it.
mf_barrage()
{
	local ns=$1 min=$2 script=$3 out rc sent
	shift 3
	out=$(T_CMD_TIMEOUT=90 in_ns "$ns" "$PY" "$TESTDIR/$script" "$@" --seed $$ --rounds 60 2>&1)
	rc=$?
	echo "$out" | tail -n 1
	[ "$rc" -eq 0 ] || fail "$script failed ($rc): $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	sent=$(echo "$out" | awk '$1 == "total" { print $2 }')
	[ "${sent:-0}" -ge "$min" ] || fail "only ${sent:-0} malformed frames sent"
	ust_alive || fail "ustack died during the barrage"
}

# mf_still_serving NS ADDR: after the barrage ustack at ADDR answers 5 pings of 5 and
# echoes UDP intact, and is still running.
mf_still_serving()
{
	local ns=$1 addr=$2 out
	out=$(in_ns "$ns" ping -n -c 5 -i 0.1 -W 2 "$addr" 2>&1)
	echo "$out" | grep -q '5 packets transmitted, 5 received' ||
		fail "ping after the barrage: $(echo "$out" | grep transmitted)"
	out=$(in_ns "$ns" "$PY" "$TESTDIR/udp_echo_client.py" "$addr" 7 --random 4 2>&1) ||
		fail "UDP echo broken after the barrage: $(echo "$out" | tail -n 5 | tr '\n' ';')"
	ust_alive || fail "ustack died after the barrage"
}

# mf_counters_rose NAME...: after ust_stop, each drop counter named rose at least once.
mf_counters_rose()
{
	local c v
	for c in "$@"; do
		v=$(counter "$c")
		echo "$c $v"
		[ "$v" -ge 1 ] || fail "counter $c did not rise (is $v) after the barrage"
	done
}
