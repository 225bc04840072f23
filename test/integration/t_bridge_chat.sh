#!/bin/bash
# SPDX-License-Identifier: MIT
# bridge=: ustack's TAP joins an existing Linux bridge, and two namespaces standing in for
# VMs (each a veth into the bridge) use it the way the lab does: two real `telnet` users
# hold a conversation in `chat` (join, lines both ways, leave), and curl fetches a file
# from `http` byte-exact from each "VM".
#
#   host ns:  bridge ustbr0 <- ustap0 (ustack 10.0.0.2, no kernel address at all)
#                           <- vb1 ... eth0 in vm1 (10.0.0.11)
#                           <- vb2 ... eth0 in vm2 (10.0.0.12)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge_lib.sh"
t_begin bridge_chat "$1"

ns_new HOST
br_new "$HOST" ustbr0
vm_new VM1 "$HOST" ustbr0 10.0.0.11/24
vm_new VM2 "$HOST" ustbr0 10.0.0.12/24

mkdir "$T_TMP/www"
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$T_TMP/www/lab.bin"
want=$(sha "$T_TMP/www/lab.bin")

# A missing bridge is refused with a message that says what to do.
out=$(in_ns "$HOST" "$UST" serve --dev tap:ustap9,addr=10.0.0.9/24,bridge=nosuchbr \
	--serve echo 2>&1)
rc=$?
[ "$rc" -ne 0 ] || fail "serve with bridge=nosuchbr exited 0"
echo "$out" | grep -q "bridge nosuchbr not found" ||
	fail "bridge=nosuchbr: unexpected message: $out"

ust_start "$HOST" serve --dev tap:ustap0,addr=10.0.0.2/24,bridge=ustbr0 --stats \
	--serve chat --serve http,root="$T_TMP/www"
ip -n "$HOST" -o link show ustap0 | grep -q "master ustbr0" ||
	fail "ustap0 is not a port of ustbr0: $(ip -n "$HOST" -o link show ustap0)"
ip -n "$HOST" -o link show ustap0 | grep -q "state UP\|,UP" || fail "ustap0 is not up"
ip -n "$HOST" -4 -o addr show dev ustap0 | grep -q inet &&
	fail "ustap0 got a kernel address though no host= was given"

# --- chat: alice on vm1, then bob on vm2
tn_open alice "$VM1" 10.0.0.2
wait_text 10 "$T_TMP/alice.out" "welcome to ustack chat: 0 other users" ||
	fail "alice got no welcome (telnet said: $(head -c 300 "$T_TMP/alice.out"))"
tn_open bob "$VM2" 10.0.0.2
wait_text 10 "$T_TMP/bob.out" "welcome to ustack chat: 1 other user here" ||
	fail "bob got no welcome (telnet said: $(head -c 300 "$T_TMP/bob.out"))"
wait_text 5 "$T_TMP/alice.out" "* 10.0.0.12:" || fail "alice was not told that bob joined"
grep -q "joined (2 users)" "$T_TMP/alice.out" || fail "join notice without the user count"

tn_say alice "hello bob, this is alice on vm1"
wait_text 5 "$T_TMP/bob.out" "hello bob, this is alice on vm1" ||
	fail "bob did not get alice's line (bob has: $(tail -c 300 "$T_TMP/bob.out"))"
grep -q '^\[10\.0\.0\.11:[0-9]*\] hello bob' "$T_TMP/bob.out" ||
	fail "alice's line reached bob without her address as prefix"
tn_say bob "hi alice, bob here on vm2"
wait_text 5 "$T_TMP/alice.out" "hi alice, bob here on vm2" ||
	fail "alice did not get bob's reply (alice has: $(tail -c 300 "$T_TMP/alice.out"))"
grep -q '^\[10\.0\.0\.12:[0-9]*\] hi alice' "$T_TMP/alice.out" ||
	fail "bob's line reached alice without his address as prefix"
for i in 1 2 3 4 5; do tn_say alice "line $i of 5"; done
wait_text 5 "$T_TMP/bob.out" "line 5 of 5" || fail "bob missed alice's burst of lines"
[ "$(grep -c 'line [1-5] of 5' "$T_TMP/bob.out")" -eq 5 ] ||
	fail "bob got $(grep -c 'line [1-5] of 5' "$T_TMP/bob.out") of alice's 5 lines"
grep -q "hello bob" "$T_TMP/alice.out" && fail "alice's own line was echoed back to her"

# bob leaves: his telnet sees EOF on its input and quits, alice is told.
tn_close bob
wait_text 5 "$T_TMP/alice.out" "left" || fail "alice was not told that bob left"
grep -q '^\* 10\.0\.0\.12:[0-9]* left' "$T_TMP/alice.out" || fail "leave notice malformed"
pid_gone 5 "$TN_PID_bob" || fail "bob's telnet still runs 5 s after its input ended"

# --- http from both "VMs", byte-exact
for vm in "$VM1" "$VM2"; do
	rm -f "$T_TMP/got.bin"
	in_ns "$vm" curl -sS --max-time 20 -o "$T_TMP/got.bin" http://10.0.0.2/lab.bin \
		2>"$T_TMP/curl.err" || fail "curl from $vm failed: $(head -c 300 "$T_TMP/curl.err")"
	got=$(sha "$T_TMP/got.bin")
	[ "$got" = "$want" ] || fail "curl from $vm: $(stat -c %s "$T_TMP/got.bin") bytes," \
		"sha256 $got, want $want"
done
echo "chat conversation over the bridge held; 3 MB byte-exact to both VMs"

# The bridge learned ustack's MAC behind the TAP port: the traffic went through it.
ip -n "$HOST" neigh show 2>/dev/null | grep -q . &&
	fail "the host namespace has neighbours: traffic did not stay on layer 2"
bridge -n "$HOST" fdb show br ustbr0 brport ustap0 2>/dev/null | grep -v permanent |
	grep -q . || fail "the bridge has not learned ustack's MAC on ustap0"

tn_close alice
ust_alive || fail "ustack exited during the test"
ust_stop
expect_counter tcp.conn_accepts -ge 4
expect_counter arp.tx_reply -ge 2
pass
