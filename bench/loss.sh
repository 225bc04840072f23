#!/bin/bash
# SPDX-License-Identifier: MIT
# Loss recovery benchmark: LOSS_MB each way through a Linux router namespace whose forward
# hook drops N% of the TCP segments in both directions (nftables `numgen random mod 100 < N
# drop`), against ustack and, in the same run and through the same router, against the
# Linux kernel in a server namespace. Offloads are off (ethtool -K on the veths, offload=off
# on ustack's TAP) so that a dropped packet is one segment on both sides.
#
#   CL (kernel client) --veth-- RT (router, nft drops) --TAP-- ustack        10.0.0.2
#                                                      --veth-- SV (kernel)  10.0.2.2
#
# down: curl downloads a file over http (ustack `serve --serve http`; Python's http.server
# in SV); up: nc uploads a file (ustack `nc -l`; OpenBSD nc -l in SV). Every transfer is
# checked byte-exact (sha256). RTOs are counted on the sending side: ustack's
# tcp.rexmt_timeouts when it sends, TcpExtTCPTimeouts (nstat) of the sending kernel otherwise.
# Figures and ratios, not assertions.
#   bench/loss.sh build/ustack
# Environment: LOSS_MB (100), LOSS_RATES ("5 20"), LOSS_TIMEOUT (seconds per transfer, 240),
# LOSS_LINUX_CC (the kernel server's congestion control, cubic), LOSS_UST_CC (ustack's, the
# same as LOSS_LINUX_CC: like for like), LOSS_UST_SNDBUF (ustack's --sndbuf; default: its
# own, auto-tuned); for a diagnosis:
# LOSS_UST_ARGS (more options for ustack serve and nc, e.g. --pcap FILE), LOSS_SS=1 (the kernel
# server's `ss -tin` twice during its download), LOSS_KEEP=1 (keep the temporary directory
# with ustack's logs and counters).
set -u
UST=${1:-build/ustack}
MB=${LOSS_MB:-100}
RATES=${LOSS_RATES:-5 20}
TMO=${LOSS_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"
b_begin lbench "$UST" curl nc nft nstat ethtool sha256sum
B_KEEP_TMP=${LOSS_KEEP:-}

CL=ust-lc-$$
RT=ust-lr-$$
SV=ust-ls-$$

die() { echo "bench: $*" >&2; exit 1; }
ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
noffload() { ns "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1; }

for n in "$CL" "$RT" "$SV"; do b_ns "$n" || die "netns $n"; done
ip -n "$CL" link add uc0 type veth peer name ur0 netns "$RT" || die "veth CL-RT"
ip -n "$SV" link add ks0 type veth peer name kr0 netns "$RT" || die "veth SV-RT"
ip -n "$CL" addr add 10.0.1.2/24 dev uc0 && ip -n "$CL" link set uc0 up &&
	ip -n "$CL" route add default via 10.0.1.1 || die "client namespace"
ip -n "$RT" addr add 10.0.1.1/24 dev ur0 && ip -n "$RT" link set ur0 up &&
	ip -n "$RT" addr add 10.0.2.1/24 dev kr0 && ip -n "$RT" link set kr0 up || die "router"
ip -n "$SV" addr add 10.0.2.2/24 dev ks0 && ip -n "$SV" link set ks0 up &&
	ip -n "$SV" route add default via 10.0.2.1 || die "server namespace"
noffload "$CL" uc0; noffload "$RT" ur0; noffload "$RT" kr0; noffload "$SV" ks0
ns "$RT" sysctl -q -w net.ipv4.ip_forward=1 || die "forwarding"
# The kernel server's congestion control, on its route (congctl; the host may allow only
# some algorithms in sysctl): the host default may be BBR, which does not back off on
# loss and so measures something else than loss recovery. LOSS_LINUX_CC picks it (default
# cubic, Linux's own default, the algorithm ustack's default is to match).
LCC=${LOSS_LINUX_CC:-cubic}
UCC=${LOSS_UST_CC:-$LCC}
# ustack's send buffer: its default, grown by auto-tuning up to `--tcp wmem_max` (4 MiB, as
# the kernel's tcp_wmem[2]) like the kernel sender's; LOSS_UST_SNDBUF (bytes) fixes it at
# that size instead (--sndbuf sets SO_SNDBUF: no auto-tuning).
USND=${LOSS_UST_SNDBUF:-}
ip -n "$SV" route replace default via 10.0.2.1 congctl "$LCC" || die "congestion control $LCC"
ns "$RT" nft add table inet lb &&
	ns "$RT" nft add chain inet lb fw '{ type filter hook forward priority 0; policy accept; }' ||
	die "nft"

mkdir "$TMP/www"
head -c $((MB * 1024 * 1024)) /dev/urandom >"$TMP/www/f.bin" || die "test file"
SUM=$(sha "$TMP/www/f.bin")
DEV="tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24,offload=off"

# Linux servers: http for downloads, nc for uploads (restarted per upload).
(cd "$TMP/www" && exec ip netns exec "$SV" $PY -m http.server -b 10.0.2.2 80) >/dev/null 2>&1 &
B_PIDS+=($!)

# ustack serve for downloads (restarted for each loss rate, so its counters are its own).
UST_LOG=
ust_serve()
{
	UST_LOG=$TMP/serve-$1.log
	ip netns exec "$RT" "$UST" serve --dev "$DEV" --gw 10.0.0.1 --stats --cc "$UCC" ${USND:+--sndbuf "$USND"} ${LOSS_UST_ARGS:-} --serve "http,root=$TMP/www" \
		>/dev/null 2>"$UST_LOG" </dev/null &
	UST_SPID=$!
	B_PIDS+=($UST_SPID)
	for _ in $(seq 1 50); do grep -q serving "$UST_LOG" 2>/dev/null && break; sleep 0.1; done
	ns "$RT" ethtool -K ustap0 tso off gso off gro off >/dev/null 2>&1
	timeout 5 ip netns exec "$CL" ping -c 1 -W 2 10.0.0.2 >/dev/null || die "ustack unreachable"
}
counter() { awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"; }
timeouts() { ns "$1" nstat -asz TcpExtTCPTimeouts 2>/dev/null | awk '$1 == "TcpExtTCPTimeouts" { v = $2 } END { print v + 0 }'; }
loss() {
	ns "$RT" nft flush chain inet lb fw
	[ "$1" -gt 0 ] && ns "$RT" nft add rule inet lb fw meta l4proto tcp numgen random mod 100 '<' "$1" drop
}

# timed NS CMD...: runs CMD in NS bounded by LOSS_TIMEOUT, prints the seconds it took.
timed()
{
	local t0 t1 n=$1
	shift
	t0=$(date +%s.%N)
	timeout "$TMO" ip netns exec "$n" "$@"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

# down SERVER_ADDR: curl download; sets T and OK.
down()
{
	rm -f "$TMP/got"
	T=$(timed "$CL" curl -s -o "$TMP/got" "http://$1/f.bin")
	[ -f "$TMP/got" ] && [ "$(sha "$TMP/got")" = "$SUM" ] && OK=ok || OK=$(part "$TMP/got")
}
# part FILE: "<n>MB" for a transfer cut short (what arrived), BAD if nothing or all of it
# arrived but differs
part()
{
	local n
	n=$(stat -c %s "$1" 2>/dev/null || echo 0)
	[ "$n" -gt 0 ] && [ "$n" -lt $((MB * 1048576)) ] && echo "$((n / 1048576))MB" || echo BAD
}
# up NS ADDR: nc uploads the file to ADDR port 5001 (the caller started the listener); sets T.
up()
{
	T=$(timed "$CL" nc -N -w 30 "$2" 5001 <"$TMP/www/f.bin")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf "%-5s %-5s | %9s %6s %5s | %9s %6s %5s | %6s %6s\n" loss dir "ustack s" RTOs ok \
	"Linux s" RTOs ok "t/t" "rto/rto"
for N in $RATES; do
	# --- down ---
	ust_serve "$N"
	loss "$N"
	down 10.0.0.2; UT=$T; UOK=$OK
	loss 0
	b_stop "$UST_SPID"
	UR=$(counter "$UST_LOG" tcp.rexmt_timeouts)
	b=$(timeouts "$SV")
	loss "$N"
	if [ -n "${LOSS_SS:-}" ]; then
		(sleep 0.5; ns "$SV" ss -tin; sleep 0.3; ns "$SV" ss -tin) >"$TMP/ss-$N.txt" 2>&1 &
	fi
	down 10.0.2.2; LT=$T; LOK=$OK
	loss 0
	LR=$(( $(timeouts "$SV") - b ))
	printf "%-5s %-5s | %9s %6s %5s | %9s %6s %5s | %6s %6s\n" "$N%" down "$UT" "$UR" "$UOK" \
		"$LT" "$LR" "$LOK" "$(ratio "$UT" "$LT")" "$(ratio "$UR" "$LR")"
	# --- up (the kernel client sends: its timeouts count) ---
	ip netns exec "$RT" "$UST" nc --dev "$DEV" --gw 10.0.0.1 --stats ${LOSS_UST_ARGS:-} -l 5001 >"$TMP/up-u" 2>"$TMP/nc-$N.log" </dev/null &
	NPID=$!
	B_PIDS+=($NPID)
	sleep 0.5
	ns "$RT" ethtool -K ustap0 tso off gso off gro off >/dev/null 2>&1
	timeout 5 ip netns exec "$CL" ping -c 1 -W 2 10.0.0.2 >/dev/null || die "ustack nc unreachable"
	b=$(timeouts "$CL")
	loss "$N"
	up "$RT" 10.0.0.2; UT=$T
	loss 0
	UR=$(( $(timeouts "$CL") - b ))
	for _ in $(seq 1 100); do kill -0 "$NPID" 2>/dev/null || break; sleep 0.1; done
	b_stop "$NPID"
	[ "$(sha "$TMP/up-u")" = "$SUM" ] && UOK=ok || UOK=$(part "$TMP/up-u")
	ip netns exec "$SV" nc -l -N 10.0.2.2 5001 >"$TMP/up-l" </dev/null 2>/dev/null &
	NPID=$!
	B_PIDS+=($NPID)
	sleep 0.3
	b=$(timeouts "$CL")
	loss "$N"
	up "$SV" 10.0.2.2; LT=$T
	loss 0
	LR=$(( $(timeouts "$CL") - b ))
	for _ in $(seq 1 100); do kill -0 "$NPID" 2>/dev/null || break; sleep 0.1; done
	b_stop "$NPID"
	[ "$(sha "$TMP/up-l")" = "$SUM" ] && LOK=ok || LOK=$(part "$TMP/up-l")
	printf "%-5s %-5s | %9s %6s %5s | %9s %6s %5s | %6s %6s\n" "$N%" up "$UT" "$UR" "$UOK" \
		"$LT" "$LR" "$LOK" "$(ratio "$UT" "$LT")" "$(ratio "$UR" "$LR")"
done
echo "(ustack server: $UCC, send buffer ${USND:-auto-tuned}; Linux server: $LCC; uploads: the client kernel sends with $(ns "$CL" sysctl -n net.ipv4.tcp_congestion_control))"
echo "($MB MB each way, at most $TMO s each; ok = byte-exact, <n>MB = what arrived in time;"
echo " t/t = ustack time / Linux time, target <= 2; rto/rto target <= 3)"
