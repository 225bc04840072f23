#!/bin/bash
# SPDX-License-Identifier: MIT
# Socket timeouts of a Python client under `ustack run` (docs/preload.md,
# preload_timeout.py): against a kernel server that answers late, settimeout() makes recv
# raise socket.timeout on time and the late answer still arrives; create_connection
# (timeout=1) to a port whose SYNs nftables drops in the kernel's namespace times out, and
# its SYNs stop once Python has closed the socket;
# SO_RCVTIMEO and SO_SNDTIMEO on blocking sockets fail with EAGAIN on time (the unix
# socket carries them); poll and select time out on a quiet socket; then a normal exchange
# works. The same client started with LD_PRELOAD and USTACK_PRELOAD alone passes too.
. "$(dirname "$0")/lib.sh"
t_begin preload_timeout "$1"
need_cmd nft
ns_new NS
DEV=$(dev_spec)
T_CMD_TIMEOUT=90
LIB=$(dirname "$UST")/libustack-preload.so

in_ns "$NS" nft -f - <<-NFT || fail "cannot load the black-hole rule"
	table inet ustbh {
		chain in {
			type filter hook input priority 0; policy accept;
			tcp dport 9001 counter drop
		}
	}
NFT
# syns: SYNs dropped by the black hole so far
syns()
{
	local n
	n=$(in_ns "$NS" nft list chain inet ustbh in | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p')
	echo "${n:-0}"
}
bg_ns "$NS" "$T_TMP/srv.out" "$PY" "$TESTDIR/preload_timeout.py" server 9000
wait_for 10 grep -q ready "$T_TMP/srv.out" || fail "the kernel's server did not start"

in_ns "$NS" "$UST" run --dev "$DEV" -- "$PY" "$TESTDIR/preload_timeout.py" client \
	"$K_ADDR" 9000 9001 >"$T_TMP/cli.out" 2>"$T_TMP/cli.err"
rc=$?
cat "$T_TMP/cli.out"
UST_ERR=$T_TMP/cli.err
[ "$rc" -eq 0 ] || fail "the client under ustack run: exit $rc: $(tail -n 3 "$T_TMP/cli.out")"
[ "$(grep -c '^ok ' "$T_TMP/cli.out")" -eq 7 ] || fail "want 7 checks: $(cat "$T_TMP/cli.out")"
n=$(syns)
[ "$n" -ge 1 ] || fail "no SYN reached the black hole"
[ "$n" -le 2 ] || fail "$n SYNs to the black hole: the connect went on after Python closed it"
echo "black hole: $n SYN(s), none after the socket was closed"

in_ns "$NS" env LD_PRELOAD="$LIB" USTACK_PRELOAD="--dev $DEV" "$PY" \
	"$TESTDIR/preload_timeout.py" client "$K_ADDR" 9000 9001 >"$T_TMP/cli.out" 2>"$T_TMP/cli.err"
rc=$?
[ "$rc" -eq 0 ] || fail "the client with USTACK_PRELOAD: exit $rc: $(tail -n 3 "$T_TMP/cli.out")"
[ $(( $(syns) - n )) -le 2 ] || fail "USTACK_PRELOAD: the connect went on after Python closed it"
echo "the same with LD_PRELOAD + USTACK_PRELOAD: $(grep -c '^ok ' "$T_TMP/cli.out") checks ok"
pass
