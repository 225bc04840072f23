# SPDX-License-Identifier: MIT
# Helpers for the t_tcp_*.sh tests that lib.sh does not have (sourced after lib.sh).
#
#   rand_file PATH BYTES          random content from /dev/urandom
#   sha FILE                      its sha256 (hex only)
#   ust_inner_pid                 PID of the ustack process itself (UST_PID is timeout(1)'s)
#   ust_stats_now FILE            SIGUSR1 to ustack, the counters it printed go to FILE
#   counter_in FILE NAME          value of NAME in FILE (0 when absent)

# rand_file PATH BYTES
rand_file()
{
	head -c "$2" /dev/urandom >"$1" || fail "cannot write $2 random bytes to $1"
}

sha()
{
	sha256sum <"$1" | cut -d' ' -f1
}

# ust_inner_pid: `timeout ... ip netns exec NS ustack` - ip netns exec execs ustack, so it is
# the only child of the timeout process whose PID lib.sh keeps in UST_PID.
ust_inner_pid()
{
	pgrep -P "$UST_PID" | head -n 1
}

# ust_stats_now FILE: asks the running ustack for its counters (SIGUSR1) and copies the
# lines it printed to FILE. stats_print flushes once at the end, so the block is complete
# when stderr stops growing.
ust_stats_now()
{
	local pid before size i prev=-1
	pid=$(ust_inner_pid)
	[ -n "$pid" ] || fail "cannot find the ustack process under PID $UST_PID"
	before=$(stat -c %s "$UST_ERR")
	kill -USR1 "$pid" || fail "cannot send SIGUSR1 to ustack ($pid)"
	for i in $(seq 1 30); do
		sleep 0.1
		size=$(stat -c %s "$UST_ERR")
		[ "$size" -gt "$before" ] && [ "$size" -eq "$prev" ] && break
		prev=$size
	done
	tail -c +$((before + 1)) "$UST_ERR" >"$1"
	[ -s "$1" ] || fail "ustack printed no counters after SIGUSR1"
}

counter_in()
{
	local v
	v=$(awk -v n="$2" '$1 == n && $2 ~ /^[0-9]+$/ { v = $2 } END { if (v != "") print v }' \
		"$1" 2>/dev/null)
	echo "${v:-0}"
}

# lossy_router: a kernel client namespace CL (10.0.1.2, $CL_ADDR) behind a Linux router
# namespace RT (10.0.1.1, forwarding on, where ustack's TAP goes), and an nftables chain
# `inet ust fw` on RT's forward hook for the test's drop rules (nft_rt adds them; dropped
# reads the drop rule's counter). Sets RT, CL, CL_ADDR, RT_ADDR. Start ustack in RT with
# `--gw "$K_ADDR"` afterwards.
lossy_router()
{
	CL_ADDR=10.0.1.2
	RT_ADDR=10.0.1.1
	ns_new RT
	ns_new CL
	ip -n "$CL" link add uc0 type veth peer name ur0 netns "$RT" || fail "cannot make the veth pair"
	ip -n "$CL" addr add "$CL_ADDR/24" dev uc0 && ip -n "$CL" link set uc0 up &&
		ip -n "$CL" route add default via "$RT_ADDR" || fail "cannot set up the client namespace"
	ip -n "$RT" addr add "$RT_ADDR/24" dev ur0 && ip -n "$RT" link set ur0 up ||
		fail "cannot set up the router's veth"
	in_ns "$RT" sysctl -q -w net.ipv4.ip_forward=1 || fail "cannot enable forwarding"
	nft_rt add table inet ust
	nft_rt add chain inet ust fw '{ type filter hook forward priority 0; policy accept; }'
}
nft_rt() { in_ns "$RT" nft "$@" || fail "nft $* failed"; }
# dropped: packets the forward chain's drop rule has counted.
dropped() { in_ns "$RT" nft list chain inet ust fw | sed -n 's/.*counter packets \([0-9]*\) .* drop$/\1/p' | head -n 1; }
