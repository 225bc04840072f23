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
