#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack nc`'s OpenBSD options against the kernel's nc (netcat-openbsd) in the same
# situation, messages compared once addresses and ephemeral ports are masked:
#   -z     a scan of 5999-6001 with a kernel listener on 6000: exit 0 and the same three
#          -v lines as the kernel's nc -zv; a closed port alone exits 1
#   -v     "Connection to H P port [tcp/SERVICE] succeeded!" as a client; "Listening on A P"
#          and "Connection received on A P" as a listener (the kernel's nc -lvn)
#   -k     a listener serves two clients one after another, both lines arrive, it stays
#   -w     a connect to a port whose SYNs nftables drops ends after -w seconds with the
#          kernel's message; an idle connection ends after -w seconds
. "$(dirname "$0")/lib.sh"
t_begin nc_opts "$1"
need_cmd nc nft
ns_new NS

# norm: addresses and ports that differ between the two runs masked.
norm()
{
	sed -E -e 's/^ustack: //' -e 's/(10\.0\.0\.[12]|127\.0\.0\.1)/ADDR/g' \
		-e 's/^(Connection received on ADDR) [0-9]+$/\1 PORT/'
}

# unc ARGS...: ustack nc on its TAP, stdin from /dev/null unless UNC_IN names a file;
# stdout in $T_TMP/u.out, stderr in $T_TMP/u.err, status in RC, milliseconds in MS.
unc()
{
	local t0
	t0=$(date +%s%N)
	T_CMD_TIMEOUT=40 in_ns "$NS" "$UST" nc --dev "$(dev_spec)" "$@" >"$T_TMP/u.out" \
		2>"$T_TMP/u.err" <"${UNC_IN:-/dev/null}"
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_TMP/u.err" &&
		fail "sanitizer report from ustack nc $*"
	return 0
}

# a kernel listener on every address of the namespace, port 6000, for the clients
bg_ns "$NS" "$T_TMP/klisten.out" nc -lk 6000
KL_PID=$BG_PID
wait_for 10 sh -c "ip netns exec $NS ss -ltnH | grep -q ':6000 '" || fail "kernel nc -lk did not listen"

# --- -z
unc -z -v "$K_ADDR" 5999-6001
cat "$T_TMP/u.err"
[ "$RC" -eq 0 ] || fail "nc -z over 5999-6001 (6000 open) exited $RC"
in_ns "$NS" nc -z -v 127.0.0.1 5999-6001 >/dev/null 2>"$T_TMP/k.err"
norm <"$T_TMP/k.err" >"$T_TMP/k.norm"
norm <"$T_TMP/u.err" >"$T_TMP/u.norm"
diff -u "$T_TMP/k.norm" "$T_TMP/u.norm" || fail "nc -zv: messages differ from the kernel's nc"
unc -z "$K_ADDR" 6001
[ "$RC" -eq 1 ] || fail "nc -z on a closed port exited $RC (want 1)"
[ -s "$T_TMP/u.err" ] && fail "nc -z without -v printed: $(cat "$T_TMP/u.err")"
unc -z "$K_ADDR" 6000
[ "$RC" -eq 0 ] || fail "nc -z on the open port exited $RC (want 0)"
echo "-z: open port 0, closed port 1, -v lines as the kernel's"

# --- -v as a client
echo "hello from ustack" >"$T_TMP/line"
UNC_IN=$T_TMP/line unc -v "$K_ADDR" 6000
[ "$RC" -eq 0 ] || fail "nc -v to the kernel listener exited $RC: $(cat "$T_TMP/u.err")"
grep -qxE "Connection to $K_ADDR 6000 port \[tcp/(\*|x11)\] succeeded!" "$T_TMP/u.err" ||
	fail "nc -v: stderr '$(cat "$T_TMP/u.err")'"
wait_for 5 grep -q "hello from ustack" "$T_TMP/klisten.out" || fail "the line did not reach the kernel's nc"
stop_pid "$KL_PID"

# --- -v and -k as a listener: two kernel clients one after another
UST_TIMEOUT=60 ust_start "$NS" nc --dev "$(dev_spec)" --name "ncopts-$$" -v -k -l 5000
for w in one two; do
	echo "$w" | in_ns "$NS" timeout 10 nc -N "$US_ADDR" 5000 >/dev/null ||
		fail "kernel client '$w' to nc -lk failed"
	wait_for 5 grep -qx "$w" "$UST_OUT" || fail "'$w' did not reach nc -lk's stdout"
done
ust_alive || fail "nc -l -k exited after two clients"
[ "$(grep -c '^Connection received on ' "$UST_ERR")" -eq 2 ] || fail "-k -v: $(cat "$UST_ERR")"
ust_stop
grep -v '^Connection received on ' "$UST_ERR" | grep -v '^Listening on ' |
	grep -q . && fail "nc -l -v printed more: $(cat "$UST_ERR")"
# the kernel's nc -lvn, reached by ustack, for its message shapes
bg_ns "$NS" "$T_TMP/klv.err" nc -lvn 7000
wait_for 10 sh -c "ip netns exec $NS ss -ltnH | grep -q ':7000 '" || fail "kernel nc -lvn did not listen"
UNC_IN=$T_TMP/line unc "$K_ADDR" 7000
pid_wait_exit "$BG_PID" 10 || fail "kernel nc -lvn did not end"
grep -E '^(Listening|Connection received)' "$T_TMP/klv.err" | norm >"$T_TMP/k.norm"
grep -E '^(Listening|Connection received)' "$UST_ERR" | head -n 2 | norm >"$T_TMP/u.norm"
sed -i 's/^Listening on ADDR /Listening on 0.0.0.0 /' "$T_TMP/k.norm"
sed -i 's/ 5000$/ 7000/' "$T_TMP/u.norm"
diff -u "$T_TMP/k.norm" "$T_TMP/u.norm" || fail "nc -l -v: messages differ from the kernel's nc -lvn"
echo "-k: two clients served one after another; -v lines as the kernel's"

# --- -w: SYNs to port 81 dropped in the namespace
in_ns "$NS" nft -f - <<'EOF' || fail "nft failed"
table inet ncdrop {
	chain in { type filter hook input priority 0; tcp dport 81 drop; }
}
EOF
unc -v -w 2 "$K_ADDR" 81
echo "-w 2 to a dropped port: exit $RC after $MS ms: $(cat "$T_TMP/u.err")"
[ "$RC" -eq 1 ] && [ "$MS" -ge 1900 ] && [ "$MS" -lt 6000 ] ||
	fail "nc -w 2 to a dropped port: exit $RC after $MS ms (want 1 after about 2 s)"
in_ns "$NS" nc -v -w 2 127.0.0.1 81 </dev/null 2>"$T_TMP/k.err"
norm <"$T_TMP/k.err" >"$T_TMP/k.norm"
norm <"$T_TMP/u.err" >"$T_TMP/u.norm"
diff -u "$T_TMP/k.norm" "$T_TMP/u.norm" || fail "nc -w: message differs from the kernel's nc"
# idle: connected, nothing either way for 2 s (stdin a pipe that stays open)
bg_ns "$NS" "$T_TMP/kidle.out" nc -lk 6000
wait_for 10 sh -c "ip netns exec $NS ss -ltnH | grep -q ':6000 '" || fail "kernel nc -lk did not listen"
mkfifo "$T_TMP/fifo"
sleep 20 >"$T_TMP/fifo" &
SLEEP_PID=$!
T_PIDS+=("$SLEEP_PID")
UNC_IN=$T_TMP/fifo unc -w 2 "$K_ADDR" 6000
echo "-w 2 on an idle connection: exit $RC after $MS ms"
[ "$RC" -eq 0 ] && [ "$MS" -ge 1900 ] && [ "$MS" -lt 8000 ] ||
	fail "nc -w 2 idle: exit $RC after $MS ms (want 0 after about 2 s): $(cat "$T_TMP/u.err")"
pass
