#!/bin/bash
# A barrage of malformed IP packets written into a TUN from the kernel's side
# (tun_malformed.py: a packet socket on the tun, so nothing in the kernel's IP layer
# repairs them): ustack keeps serving over the TUN, and each kind of garbage raises its
# own drop counter.
. "$(dirname "$0")/lib.sh"
t_begin tun_malformed "$1"
ns_new NS
US=10.75.0.2
K=10.75.0.1
ust_start "$NS" serve --dev "tun:ustmf0,addr=$US/32,host=$K" --stats --serve udp-echo
wait_for 5 ip -n "$NS" -o addr show dev ustmf0 || fail "tun not configured"
in_ns "$NS" ping -n -c 2 -i 0.2 -W 2 "$US" >/dev/null || fail "ping failed before the barrage"

out=$(T_CMD_TIMEOUT=90 in_ns "$NS" "$PY" "$TESTDIR/tun_malformed.py" ustmf0 "$US" "$K" \
	--seed $$ --rounds 60 2>&1)
rc=$?
echo "$out" | tail -n 1
[ "$rc" -eq 0 ] || fail "tun_malformed.py failed ($rc): $(echo "$out" | tail -n 3 | tr '\n' ' ')"
sent=$(echo "$out" | awk '$1 == "total" { print $2 }')
[ "${sent:-0}" -ge 1500 ] || fail "only ${sent:-0} malformed packets sent"

ust_alive || fail "ustack died during the barrage"
out=$(in_ns "$NS" ping -n -c 5 -i 0.1 -W 2 "$US" 2>&1)
echo "$out" | grep -q '5 packets transmitted, 5 received' ||
	fail "ping after the barrage: $(echo "$out" | grep transmitted)"
in_ns "$NS" "$PY" "$TESTDIR/udp_echo_client.py" "$US" 7 --random 4 >/dev/null ||
	fail "UDP echo broken after the barrage"
ust_stop

# No ethertype on a TUN: a packet whose version nibble is not 4 is not IP for the link
# layer (netproto.rx_unknown_ethertype) and never reaches ip.in_hdr_version.
for c in netproto.rx_unknown_ethertype ip.in_hdr_short ip.in_hdr_ihl ip.in_hdr_totlen ip.in_hdr_cksum \
	ip.in_bad_src ip.in_not_for_us ip.in_unknown_proto ip.reasm_overlap \
	icmp.in_short icmp.in_cksum udp.in_short udp.in_bad_len udp.in_bad_cksum; do
	v=$(counter $c)
	echo "$c $v"
	[ "$v" -ge 1 ] || fail "counter $c did not rise (is $v) after the barrage"
done
pass
