#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack ping`'s iputils options, each against what the kernel's ping prints in the same
# situation (addresses, times and timestamps aside):
#   unresolved   an address on the TAP's subnet that nobody answers ARP for: one
#                "From SELF icmp_seq=N Destination Host Unreachable" per request, "+N errors",
#                "pipe N", exit 1
#   -D           [epoch.microseconds] before each reply line, within a minute of `date`
#   -q           the first line and the summary only
#   -f           a dot per request, "\b \b" per reply, the summary straight after the
#                dots with ipg/ewma; -f -w 1 ends after about a second
#   -t TTL       the requests leave with that TTL (read from --pcap)
#   -I DEV|ADDR  two TAPs: the requests leave through the one named, and the first line
#                is the kernel's ("from SRC DEV:", "from SRC :"); unknown names fail
. "$(dirname "$0")/lib.sh"
t_begin ping_opts "$1"
need_cmd ping tshark
ns_new NS

# norm: addresses and numbers that differ between two runs replaced by their shape.
norm()
{
	sed -E -e "s/${US_ADDR//./\\.}|${K_ADDR//./\\.}/ADDR/g" -e 's/time[= ][0-9.]+ ?ms/time T ms/g' \
		-e 's/^\[[0-9]+\.[0-9]{6}\] /[STAMP] /' \
		-e 's#= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms#= R ms#' \
		-e 's#ipg/ewma [0-9.]+/[0-9.]+ ms#ipg/ewma I ms#'
}

# ustack ping ARGS...: ustack pings with a TAP of its own; stdout in $T_TMP/u.out, status in RC.
uping()
{
	T_CMD_TIMEOUT=40 in_ns "$NS" "$UST" ping --dev "$(dev_spec)" "$@" >"$T_TMP/u.out" \
		2>"$T_TMP/u.err"
	RC=$?
	grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_TMP/u.err" &&
		fail "sanitizer report from ustack ping $*"
	return 0
}

# kping ARGS...: the kernel pings from the namespace; stdout in $T_TMP/k.out, status in KRC.
kping()
{
	T_CMD_TIMEOUT=40 in_ns "$NS" ping "$@" >"$T_TMP/k.out" 2>&1
	KRC=$?
}

# same_shape WHAT: the two outputs are the same once normalized.
same_shape()
{
	norm <"$T_TMP/k.out" >"$T_TMP/k.norm"
	norm <"$T_TMP/u.out" >"$T_TMP/u.norm"
	diff -u "$T_TMP/k.norm" "$T_TMP/u.norm" >"$T_TMP/diff" ||
		fail "$1: ustack's output differs from the kernel's: $(cat "$T_TMP/diff")"
}

# --- the kernel's side first: it pings ustack serve, and an address nobody has
ust_serve "$NS"
kping -c 3 -i 0.3 10.0.0.77
[ "$KRC" -eq 1 ] || fail "kernel ping to nobody exited $KRC"
cp "$T_TMP/k.out" "$T_TMP/k.unreach"
kping -D -c 2 -i 0.2 "$US_ADDR"
cp "$T_TMP/k.out" "$T_TMP/k.stamp"
kping -q -c 2 -i 0.2 "$US_ADDR"
cp "$T_TMP/k.out" "$T_TMP/k.quiet"
kping -f -c 20 "$US_ADDR"
cp "$T_TMP/k.out" "$T_TMP/k.flood"
kping -I "$TAPIF" -c 1 "$US_ADDR"
head -n 1 "$T_TMP/k.out" | norm >"$T_TMP/k.idev"
kping -I "$K_ADDR" -c 1 "$US_ADDR"
head -n 1 "$T_TMP/k.out" | norm >"$T_TMP/k.iaddr"
ust_stop

# --- unresolved neighbour
uping -c 3 -i 0.3 10.0.0.77
cat "$T_TMP/u.out"
[ "$RC" -eq 1 ] || fail "ustack ping to nobody exited $RC (want 1, as the kernel's)"
[ "$(grep -c "^From $US_ADDR icmp_seq=[123] Destination Host Unreachable$" "$T_TMP/u.out")" -eq 3 ] ||
	fail "want 3 'From $US_ADDR icmp_seq=N Destination Host Unreachable' lines"
cp "$T_TMP/k.unreach" "$T_TMP/k.out"
same_shape "unresolved neighbour"

# --- -D
now=$(date +%s)
uping -D -c 2 -i 0.2 "$K_ADDR"
cat "$T_TMP/u.out"
[ "$RC" -eq 0 ] || fail "ustack ping -D exited $RC"
stamp=$(sed -n 's/^\[\([0-9]*\)\.[0-9]\{6\}\] 64 bytes from .*/\1/p' "$T_TMP/u.out" | head -n 1)
[ -n "$stamp" ] && [ $((stamp - now)) -ge -60 ] && [ $((stamp - now)) -le 60 ] ||
	fail "-D: no [epoch.microseconds] near $now before the reply lines"
cp "$T_TMP/k.stamp" "$T_TMP/k.out"
same_shape "-D"

# --- -q
uping -q -c 2 -i 0.2 "$K_ADDR"
cat "$T_TMP/u.out"
[ "$RC" -eq 0 ] || fail "ustack ping -q exited $RC"
cp "$T_TMP/k.quiet" "$T_TMP/k.out"
same_shape "-q"

# --- -f: marks counted, then the summary's shape
uping -f -c 20 "$K_ADDR"
od -c "$T_TMP/u.out" | head -n 20
[ "$RC" -eq 0 ] || fail "ustack ping -f exited $RC"
for f in k.flood u.out; do
	# line 2 holds the marks alone; the summary's "--- " starts line 3
	marks=$(sed -n 2p "$T_TMP/$f")
	dots=$(printf '%s' "$marks" | tr -cd '.' | wc -c)
	bs=$(printf '%s' "$marks" | tr -cd '\b' | wc -c)
	other=$(printf '%s' "$marks" | tr -d '.\b ' | wc -c)
	[ "$dots" -eq 20 ] && [ "$bs" -eq 40 ] && [ "$other" -eq 0 ] ||
		fail "-f ($f): $dots dots, $bs backspaces and $other other bytes, want 20, 40, 0"
	sed -n '3p' "$T_TMP/$f" | grep -q '^--- ' || fail "-f ($f): the summary does not follow the marks"
	sed -n '3,$p' "$T_TMP/$f" | norm >"$T_TMP/$f.marks"
done
diff -u "$T_TMP/k.flood.marks" "$T_TMP/u.out.marks" ||
	fail "-f: ustack's summary differs from the kernel's"
grep -q 'ipg/ewma' "$T_TMP/u.out" || fail "-f: no ipg/ewma in the summary"
start=$(date +%s%N)
uping -f -w 1 "$K_ADDR"
ms=$((($(date +%s%N) - start) / 1000000))
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T_TMP/u.out")
echo "-f -w 1: $sent requests in $ms ms"
[ "$RC" -eq 0 ] && [ "${sent:-0}" -ge 20 ] && [ "$ms" -lt 5000 ] ||
	fail "-f -w 1: exit $RC, ${sent:-no} requests, $ms ms (want 0, >= 20, < 5000)"

# --- -t: the TTL on the wire
uping --pcap "$T_TMP/ttl.pcap" -t 7 -c 2 -i 0.2 "$K_ADDR"
[ "$RC" -eq 0 ] || fail "ustack ping -t 7 exited $RC"
ttls=$(timeout 60 tshark -r "$T_TMP/ttl.pcap" -Y 'icmp.type == 8' -T fields -e ip.ttl 2>/dev/null |
	sort -u | tr '\n' ' ')
[ "$ttls" = "7 " ] || fail "-t 7: requests left with TTL '$ttls'"
echo "-t 7: requests left with TTL 7"

# --- -I: two TAPs, the second on 10.0.1.0/24
DEV1="tap:ustap1,addr=10.0.1.2/24,host=10.0.1.1/24"
uping --dev "$DEV1" --pcap "$T_TMP/i.pcap" -I ustap1 -c 2 -i 0.2 10.0.1.1
cat "$T_TMP/u.out"
[ "$RC" -eq 0 ] || fail "ping -I ustap1 exited $RC: $(cat "$T_TMP/u.err")"
head -n 1 "$T_TMP/u.out" | grep -qx 'PING 10.0.1.1 (10.0.1.1) from 10.0.1.2 ustap1: 56(84) bytes of data.' ||
	fail "-I ustap1: first line '$(head -n 1 "$T_TMP/u.out")'"
n1=$(timeout 60 tshark -r "$T_TMP/i-ustap1.pcap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
n0=$(timeout 60 tshark -r "$T_TMP/i.pcap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
[ "$n1" -eq 2 ] && [ "$n0" -eq 0 ] ||
	fail "-I ustap1: $n1 requests through ustap1 and $n0 through ustap0 (want 2 and 0)"
# bound to ustap0, a destination on ustap1's subnet is taken as on-link there (as Linux
# does with SO_BINDTODEVICE): the kernel, owning 10.0.1.1 too, answers through ustap0
uping --dev "$DEV1" --pcap "$T_TMP/j.pcap" -I "$TAPIF" -c 2 -i 0.2 10.0.1.1
[ "$RC" -eq 0 ] || fail "ping -I $TAPIF 10.0.1.1 exited $RC: $(cat "$T_TMP/u.err")"
n1=$(timeout 60 tshark -r "$T_TMP/j-ustap1.pcap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
n0=$(timeout 60 tshark -r "$T_TMP/j.pcap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
[ "$n1" -eq 0 ] && [ "$n0" -eq 2 ] ||
	fail "-I $TAPIF: $n1 requests through ustap1 and $n0 through $TAPIF (want 0 and 2)"
uping -I "$TAPIF" -c 1 "$K_ADDR"
head -n 1 "$T_TMP/u.out" | norm | diff -u "$T_TMP/k.idev" - ||
	fail "-I $TAPIF: the first line differs from the kernel's"
uping -I "$US_ADDR" -c 1 "$K_ADDR"
[ "$RC" -eq 0 ] || fail "ping -I $US_ADDR exited $RC: $(cat "$T_TMP/u.err")"
head -n 1 "$T_TMP/u.out" | norm | diff -u "$T_TMP/k.iaddr" - ||
	fail "-I $US_ADDR: the first line differs from the kernel's"
uping -I 10.9.9.9 -c 1 "$K_ADDR"
[ "$RC" -eq 2 ] || fail "-I 10.9.9.9 (not ours) exited $RC: $(cat "$T_TMP/u.err")"
uping -I nosuch0 -c 1 "$K_ADDR"
[ "$RC" -eq 2 ] && grep -q 'no such device' "$T_TMP/u.err" ||
	fail "-I nosuch0 exited $RC: $(cat "$T_TMP/u.err")"
echo "-I: through the device named, or from the address named; unknown ones refused"
pass
