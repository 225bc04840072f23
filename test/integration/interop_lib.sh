# SPDX-License-Identifier: MIT
# Helpers for t_interop_*.sh (sourced after lib.sh and tcp_lib.sh): ustack against another
# TCP/IP implementation run by a peer program of test/interop/ (docs/interop.md). `make
# interop` builds the peers next to ustack (build/interop/, build/san/interop/).
#
#   interop_need PEER PKG         $PEER_BIN is the peer; SKIP without the Debian package
#                                 PKG, FAIL when PKG is there but the peer is not built
#   interop_link NS TAP           bridge br0 in NS, up, with a new TAP device TAP as a port
#                                 (the peer opens it); ustack joins with bridge=br0
#   peer_bg NAME NS CMD...        a peer in the background (bounded to 120 s), its output
#                                 in $T_TMP/NAME.err, its PID in PEER_PID
#   peer_wait_text NAME SECS RE   the peer printed a line matching RE within SECS
#   peer_end PID SECS             waits for the peer to exit by itself; PEER_STATUS
#   ust_run NS SECS ARGS...       ustack ARGS in the foreground (stdin from UST_STDIN or
#                                 /dev/null), stdout $UST_OUT, stderr $UST_ERR; UST_STATUS
#   no_sanitizer_report FILE      fails the test if FILE holds an ASan/UBSan report
#   ust_closed N                  the running ustack has closed at least N connections
#                                 (tcp.conn_closed, asked for with SIGUSR1)
#   secs_since T0                 seconds since T0 (from `date +%s.%N`), 3 decimals

# interop_skip REASON: the test cannot run here; counted as skipped, never passed. Uses
# lib.sh's skip() where the runner has one.
interop_skip()
{
	if declare -F skip >/dev/null; then
		skip "$*"
	fi
	T_DONE=1
	echo "SKIP $T_NAME: $*"
	exit 0
}

interop_need()
{
	local peer=$1 pkg=$2 st
	st=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) interop_skip "$pkg is not installed (make deps)" ;;
	esac
	PEER_BIN=${INTEROP_DIR:-$(dirname "$UST")/interop}/$peer
	[ -x "$PEER_BIN" ] || fail "$pkg is installed but $PEER_BIN is not built (make interop)"
}

interop_link()
{
	ip -n "$1" link add br0 type bridge stp_state 0 forward_delay 0 ||
		fail "cannot create bridge br0 in $1"
	ip -n "$1" link set br0 up || fail "cannot bring br0 up in $1"
	ip -n "$1" tuntap add dev "$2" mode tap || fail "cannot create TAP $2 in $1"
	ip -n "$1" link set "$2" master br0 up || fail "cannot add $2 to br0"
}

peer_bg()
{
	local name=$1 ns=$2
	shift 2
	bg_ns "$ns" "$T_TMP/$name.err" "$@"
	PEER_PID=$BG_PID
}

peer_wait_text()
{
	wait_for "$2" grep -qE "$3" "$T_TMP/$1.err" ||
		fail "$1 did not print /$3/ within $2 s: $(tail -n 5 "$T_TMP/$1.err")"
}

peer_end()
{
	pid_wait_exit "$1" "$2" || fail "peer (PID $1) still running after $2 s"
	wait "$1"
	PEER_STATUS=$?
}

ust_run()
{
	local ns=$1 secs=$2
	shift 2
	UST_OUT=$T_TMP/ustack.out
	UST_ERR=$T_TMP/ustack.err
	timeout -k 5 "$secs" ip netns exec "$ns" "$UST" "$@" <"${UST_STDIN:-/dev/null}" \
		>"$UST_OUT" 2>"$UST_ERR"
	UST_STATUS=$?
	no_sanitizer_report "$UST_ERR"
}

no_sanitizer_report()
{
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"; then
		sed 's/^/    | /' "$1" | head -n 40
		fail "sanitizer report in $1"
	fi
}

ust_closed()
{
	ust_stats_now "$T_TMP/stats.now"
	[ "$(counter_in "$T_TMP/stats.now" tcp.conn_closed)" -ge "$1" ]
}

secs_since()
{
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'
}
