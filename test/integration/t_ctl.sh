#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack ctl`: a serve in a namespace with its control socket, asked about what the kernel
# on the other side of the TAP can see too.
#   ss -t     the kernel holds connections in known states (ESTAB both sides; TIME-WAIT on
#             the side that closed first: ustack's after an HTTP "Connection: close", the
#             kernel's after curl closes a kept-alive one); every line is compared field by
#             field with the kernel's `ss -tan` for the same connection (mirrored), and the
#             listeners with the kernel's own listener's line
#   neigh     ustack's entry for the kernel carries the kernel's MAC, as `ip neigh` in the
#             namespace carries ustack's
#   route/addr add and del take effect: a ping to an added address is answered, a ping from a
#             source only an added route reaches is answered, and both stop after del
#   stats     --delta shows ICMP counts moving by what was sent, -j is JSON
#   errors    a bad request, an unknown name: one line, exit 2; a duplicate --name: exit 2;
#             after kill -9 the stale socket is named as such, and a new stack replaces it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin ctl "$1"
need_cmd curl nc ss
N=utest-$$
N2=utest2-$$
CTL_OUT=$T_TMP/ctl.out
# the sockets this test names; removed at the end whatever happens (kill -9 leaves one)
trap 'rm -f /run/ustack/$N.sock /run/ustack/$N2.sock; t_cleanup' EXIT

ctl() { "$UST" ctl "$@"; }

ns_new NS
mkdir -p "$T_TMP/www" && echo hello >"$T_TMP/www/index.html"
ust_serve "$NS" --serve echo --serve http,root="$T_TMP/www" --name "$N"
[ -S "/run/ustack/$N.sock" ] || fail "no control socket /run/ustack/$N.sock"
[ "$(stat -c %a /run/ustack)" = 700 ] || fail "/run/ustack is $(stat -c %a /run/ustack), want 700"
[ "$(stat -c %a "/run/ustack/$N.sock")" = 600 ] || fail "the socket is not 0600"

# --- the connections ---
# ESTAB: a kernel nc that keeps its connection to echo open (-d: it reads no stdin)
bg_ns "$NS" "$T_TMP/nc.out" nc -d "$US_ADDR" 7
wait_for 5 in_ns "$NS" sh -c "ss -Htn state established 'dport = :7' | grep -q ." ||
	fail "the kernel's nc never connected to echo"
# TIME-WAIT on ustack's side: the server closes first. Not curl: it has the whole body by
# its length and may close before ustack's FIN comes (then ustack closes second and holds
# no TIME-WAIT, seen under make san); this client reads to the end of the stream first.
p_us=$(in_ns "$NS" /usr/bin/python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(65536):
    pass
print(s.getsockname()[1])
s.close()' "$US_ADDR") || fail "the HTTP/1.1 Connection: close fetch failed"
# TIME-WAIT on the kernel's side: curl closes its kept-alive connection when it exits
p_k=$(in_ns "$NS" curl -s -o /dev/null -w '%{local_port}' "http://$US_ADDR/index.html") ||
	fail "curl (keep-alive) failed"
# a kernel listener, to compare the LISTEN line with
# on :: for both families, as serve's listeners are: ss shows such a socket as *:PORT
bg_ns "$NS" "$T_TMP/ncl.out" nc -6 -l 5555
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5555' | grep -q ." || fail "kernel nc -l is not listening"
sleep 0.3

ctl "$N" ss -t >"$CTL_OUT" || fail "ctl ss -t exited $?"
in_ns "$NS" ss -Htan >"$T_TMP/kss" || fail "kernel ss failed"
echo "--- ctl $N ss -t"; cat "$CTL_OUT"
echo "--- kernel ss -tan"; cat "$T_TMP/kss"
head -n 1 "$CTL_OUT" | grep -q '^State *Recv-Q *Send-Q *Local Address:Port *Peer Address:Port' ||
	fail "ctl ss header: $(head -n 1 "$CTL_OUT")"

# line_for FILE STATE LOCAL PEER: the ss line with these fields (no header)
line_for() { awk -v s="$2" -v l="$3" -v p="$4" '$1 == s && $4 == l && $5 == p' "$1"; }

# ESTAB, mirrored: ours is local 10.0.0.2:7, peer the kernel's; same state and queues
kl=$(awk '$1 == "ESTAB" && $5 == "'"$US_ADDR"':7"' "$T_TMP/kss" | head -n 1)
[ -n "$kl" ] || fail "the kernel's ss shows no ESTAB connection to $US_ADDR:7"
set -- $kl
k_state=$1 k_rq=$2 k_sq=$3 k_local=$4 k_peer=$5
ul=$(line_for "$CTL_OUT" ESTAB "$k_peer" "$k_local")
[ -n "$ul" ] || fail "ctl ss shows no ESTAB $k_peer $k_local (the kernel's $kl mirrored)"
set -- $ul
[ "$1" = "$k_state" ] && [ "$2" = "$k_rq" ] && [ "$3" = "$k_sq" ] ||
	fail "ESTAB line differs: ctl '$ul', kernel '$kl'"
echo "ESTAB: ctl '$ul' mirrors the kernel's '$kl'"

# TIME-WAIT where ustack closed first; the kernel's side of it is gone (or in TIME-WAIT
# too after a simultaneous close, RFC 9293 3.6); anything else is wrong
ul=$(line_for "$CTL_OUT" TIME-WAIT "$US_ADDR:80" "$K_ADDR:$p_us")
[ -n "$ul" ] || fail "ctl ss shows no TIME-WAIT for the connection ustack closed (port $p_us)"
kus=$(awk '$4 == "'"$K_ADDR:$p_us"'" && $1 != "TIME-WAIT"' "$T_TMP/kss")
[ -z "$kus" ] || fail "the kernel still holds $K_ADDR:$p_us: $kus"
# TIME-WAIT where the kernel closed first: its line, and none in ustack for that port
kl=$(awk '$1 == "TIME-WAIT" && $4 == "'"$K_ADDR:$p_k"'"' "$T_TMP/kss")
[ -n "$kl" ] || fail "the kernel shows no TIME-WAIT for port $p_k"
[ -z "$(awk '$5 == "'"$K_ADDR:$p_k"'"' "$CTL_OUT")" ] ||
	fail "ustack still holds the connection the kernel closed: $(awk '$5 == "'"$K_ADDR:$p_k"'"' "$CTL_OUT")"
set -- $kl
k_rq=$2 k_sq=$3
set -- $ul
[ "$1" = TIME-WAIT ] && [ "$2" = "$k_rq" ] && [ "$3" = "$k_sq" ] ||
	fail "TIME-WAIT lines differ: ctl '$ul', kernel '$kl'"
echo "TIME-WAIT: ctl '$ul' as the kernel's own '$kl'"

# LISTEN: ours for echo and http, in the form of the kernel's for its nc -l
kl=$(awk '$1 == "LISTEN" && $4 ~ /:5555$/' "$T_TMP/kss" | head -n 1)
ul=$(line_for "$CTL_OUT" LISTEN "*:7" "*:*")
[ -n "$ul" ] || fail "ctl ss shows no 'LISTEN ... *:7 *:*'"
[ -n "$(line_for "$CTL_OUT" LISTEN "*:80" "*:*")" ] || fail "ctl ss shows no http listener"
set -- $kl
k_peer=$5
set -- $ul
[ "$5" = "$k_peer" ] || fail "listener peer field: ctl '$5', kernel '$k_peer'"
[ "$2" = 0 ] && [ "$3" = 128 ] || fail "listener queues: ctl '$2 $3', want '0 128' (accept queue, --backlog)"
echo "LISTEN: ctl '$ul', kernel '$kl'"

# -l lists only listeners; -i adds the TCP internals under ESTAB
ctl "$N" ss -tl | awk 'NR > 1 && $1 != "LISTEN" { bad = 1 } END { exit bad }' ||
	fail "ctl ss -tl shows a socket that does not listen"
ctl "$N" ss -ti >"$CTL_OUT" || fail "ctl ss -ti exited $?"
info=$(awk '$1 == "ESTAB" { getline; print; exit }' "$CTL_OUT")
for f in cubic rto: rtt: mss: cwnd: bytes_acked: bytes_received: retrans: wscale:; do
	case "$info" in *"$f"*) ;; *) fail "ctl ss -ti: no '$f' in '$info'" ;; esac
done
echo "ss -ti: $info"
# the UDP form, with the Netid column when both are asked for
ctl "$N" ss >"$CTL_OUT" || fail "ctl ss exited $?"
grep -q '^tcp *LISTEN' "$CTL_OUT" || fail "ctl ss (tcp and udp) has no Netid column: $(head -n 2 "$CTL_OUT")"

# --- neigh ---
ctl "$N" neigh >"$CTL_OUT" || fail "ctl neigh exited $?"
k_mac=$(ip -n "$NS" link show "$TAPIF" | awk '/link\/ether/ { print $2 }')
u_line=$(awk '$1 == "'"$K_ADDR"'"' "$CTL_OUT")
k_line=$(ip -n "$NS" neigh show "$US_ADDR")
echo "neigh: ctl '$u_line'; kernel 'ip neigh': '$k_line'"
set -- $u_line
[ "$2" = dev ] && [ "$3" = "$TAPIF" ] && [ "$4" = lladdr ] && [ "$5" = "$k_mac" ] ||
	fail "ctl neigh: '$u_line', want '$K_ADDR dev $TAPIF lladdr $k_mac STATE'"
case "$6" in REACHABLE|STALE) ;; *) fail "ctl neigh state '$6'" ;; esac
# the kernel's line for ustack has the same form
set -- $k_line
[ "$2" = dev ] && [ "$3" = "$TAPIF" ] && [ "$4" = lladdr ] && [ "$5" = "$(us_mac "$NS")" ] ||
	fail "kernel ip neigh: '$k_line'"

# --- addr and route ---
ctl "$N" addr | grep -q "^$TAPIF *UP *$US_ADDR/24" || fail "ctl addr: $(ctl "$N" addr)"
ctl "$N" route | grep -qx "10.0.0.0/24 dev $TAPIF proto kernel scope link src $US_ADDR" ||
	fail "ctl route: $(ctl "$N" route)"
in_ns "$NS" ping -c 1 -W 1 10.0.0.7 >/dev/null 2>&1 && fail "10.0.0.7 answers before it is added"
ctl "$N" addr add 10.0.0.7/24 dev "$TAPIF" || fail "ctl addr add exited $?"
ctl "$N" addr | grep -q " 10.0.0.7/24" || fail "ctl addr does not show 10.0.0.7: $(ctl "$N" addr)"
in_ns "$NS" ping -c 2 -W 2 10.0.0.7 >/dev/null || fail "no answer from the added 10.0.0.7"
ctl "$N" addr del 10.0.0.7/24 dev "$TAPIF" || fail "ctl addr del exited $?"
in_ns "$NS" ip neigh flush dev "$TAPIF"
in_ns "$NS" ping -c 1 -W 1 10.0.0.7 >/dev/null 2>&1 && fail "10.0.0.7 still answers after addr del"
echo "addr add/del: 10.0.0.7 answered between them only"
# a source address only a route reaches: the kernel pings from 10.9.0.1 (on its lo)
in_ns "$NS" ip addr add 10.9.0.1/32 dev lo || fail "cannot add 10.9.0.1 in the namespace"
in_ns "$NS" ping -c 1 -W 1 -I 10.9.0.1 "$US_ADDR" >/dev/null 2>&1 && fail "an answer to 10.9.0.1 without a route"
ctl "$N" route add 10.9.0.0/24 via "$K_ADDR" dev "$TAPIF" || fail "ctl route add exited $?"
ctl "$N" route | grep -qx "10.9.0.0/24 via $K_ADDR dev $TAPIF" || fail "ctl route: $(ctl "$N" route)"
in_ns "$NS" ping -c 2 -W 2 -I 10.9.0.1 "$US_ADDR" >/dev/null || fail "no answer to 10.9.0.1 through the added route"
ctl "$N" route del 10.9.0.0/24 || fail "ctl route del exited $?"
in_ns "$NS" ping -c 1 -W 1 -I 10.9.0.1 "$US_ADDR" >/dev/null 2>&1 && fail "an answer to 10.9.0.1 after route del"
echo "route add/del: 10.9.0.1 answered between them only"

# --- stats ---
ctl "$N" stats --delta >/dev/null || fail "ctl stats --delta exited $?"
in_ns "$NS" ping -c 3 -i 0.2 -W 2 "$US_ADDR" >/dev/null || fail "ping failed"
ctl "$N" stats --delta >"$CTL_OUT" || fail "ctl stats --delta exited $?"
d=$(counter_in "$CTL_OUT" icmp.in_echo)
[ "$d" -eq 3 ] || fail "stats --delta: icmp.in_echo moved by $d over 3 pings: $(cat "$CTL_OUT")"
ctl "$N" stats --delta >"$CTL_OUT"
d=$(counter_in "$CTL_OUT" icmp.in_echo)
[ "$d" -eq 0 ] || fail "stats --delta right after: icmp.in_echo moved by $d, want 0"
ctl "$N" stats -j | "$PY" -c 'import json, sys; d = json.load(sys.stdin); assert d["icmp.in_echo"] >= 3, d' ||
	fail "ctl stats -j is not JSON with icmp.in_echo: $(ctl "$N" stats -j | head -c 300)"
echo "stats --delta: icmp.in_echo 3 after 3 pings, then 0"

# --- errors: one line, exit 2 ---
ctl_errline "$N" bogus
ctl_errline "$N" ss -x
ctl_errline "$N" route add 10.1.0.0/33 dev "$TAPIF"
ctl_errline "$N" route del 10.77.0.0/16
ctl_errline "no-such-stack-$$" ss
ctl_errline "bad/name" ss
ctl_errline "$N"

# --- a second stack: the same --name is refused; kill -9 leaves a stale socket ---
ns_new NS2
out=$(in_ns "$NS2" "$UST" serve --dev "$(dev_spec ustap1)" --serve echo --name "$N" 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "a second stack with --name $N exited $rc, want 2: $out"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "a second stack with --name $N: want one line: $out"
echo "duplicate --name: $out"
bg_ns "$NS2" "$T_TMP/s2.out" "$UST" serve --dev "$(dev_spec ustap1)" --serve echo --name "$N2"
S2=$BG_PID
wait_for 10 test -S "/run/ustack/$N2.sock" || fail "the second stack made no socket"
wait_for 5 ctl "$N2" ss || fail "the second stack does not answer"
kill -KILL "$(pgrep -P "$S2" | head -n 1)" || fail "cannot kill -9 the second stack"
pid_wait_exit "$S2" 10 || fail "the second stack survived kill -9"
wait "$S2" 2>/dev/null
[ -S "/run/ustack/$N2.sock" ] || fail "no socket left after kill -9 (the test expects a stale one)"
msg=$(ctl_errline "$N2" ss)
case "$msg" in *stale*) ;; *) fail "a dead stack's socket is not named stale: $msg" ;; esac
echo "after kill -9: $msg"
bg_ns "$NS2" "$T_TMP/s3.out" "$UST" serve --dev "$(dev_spec ustap1)" --serve echo --name "$N2"
S3=$BG_PID
wait_for 10 ctl "$N2" ss || fail "a new stack did not replace the stale socket: $(cat "$T_TMP/s3.out")"
stop_pid "$S3"
[ "$STOP_STATUS" -eq 0 ] || fail "the replacing stack exited $STOP_STATUS after SIGTERM"
[ -e "/run/ustack/$N2.sock" ] && fail "the socket stayed after SIGTERM"
echo "a new stack replaced the stale socket, and removed it at SIGTERM"

ust_stop
[ -e "/run/ustack/$N.sock" ] && fail "/run/ustack/$N.sock stayed after SIGTERM"
pass
