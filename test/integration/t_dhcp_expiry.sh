#!/bin/bash
# SPDX-License-Identifier: MIT
# A DHCP lease that expires takes its address away, and the sockets using it learn it at
# once. dhcp_once.py gives ustack one 8 s lease (T1 3 s, T2 5 s) and answers nothing after
# it, so the renewal (unicast) and the rebinding (broadcast) go unanswered and the lease
# expires 8 s after the DISCOVER; then ustack asks again from INIT (DISCOVER).
#   TCP: `ustack nc` connected from the leased address to a kernel listener: at expiry the
#        kernel's end is reset and nc ends with "Software caused connection abort" (exit 1).
#   UDP: `ustack nc -u` on a second lease: a datagram before expiry arrives; one after it
#        fails with "Network is unreachable" (its source address is gone) and none leaves.
# --dhcp probe_num=0: no ARP probe (it would take longer than the lease).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge_lib.sh"
t_begin dhcp_expiry "$1"
QUICK=probe_num=0,announce_num=0

ns_new NS
bg_ns "$NS" "$T_TMP/dhcp0.out" "$PY" "$TESTDIR/dhcp_once.py" ustap0 10.0.0.1 10.0.0.57 8 3 5 40
bg_ns "$NS" "$T_TMP/k.out" "$PY" -c '
import socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 9000))
l.listen(1)
l.settimeout(40)
print("listening", flush=True)
c, a = l.accept()
print("connected from", a[0], flush=True)
c.settimeout(40)
try:
    while True:
        d = c.recv(100)
        if not d:
            print("eof", flush=True)
            break
        print("data", d.decode().strip(), flush=True)
except ConnectionResetError:
    print("reset", flush=True)
except socket.timeout:
    print("timeout", flush=True)
'
wait_for 5 grep -q listening "$T_TMP/k.out" || fail "no kernel listener: $(cat "$T_TMP/k.out")"
fifo_open tcp
UST_STDIN=$T_TMP/tcp.in ust_start "$NS" nc --dev tap:ustap0,addr=dhcp,host=10.0.0.1/24 \
	--dhcp "$QUICK" --stats 10.0.0.1 9000
wait_for 15 grep -q "^ustack: ustap0: leased 10.0.0.57/24 for 8 s$" "$UST_ERR" ||
	fail "no lease: $(cat "$UST_ERR" "$T_TMP/dhcp0.out")"
wait_for 5 grep -q "connected from 10.0.0.57" "$T_TMP/k.out" || fail "nc did not connect: $(cat "$T_TMP/k.out")"
fifo_say tcp hello
wait_for 5 grep -q "data hello" "$T_TMP/k.out" || fail "the kernel got no data: $(cat "$T_TMP/k.out")"
wait_for 10 grep -q "^ustack: ustap0: lease of 10.0.0.57 ended$" "$UST_ERR" ||
	fail "the lease did not end: $(cat "$UST_ERR")"
wait_for 5 grep -q "^reset$" "$T_TMP/k.out" || fail "the kernel's end was not reset: $(cat "$T_TMP/k.out")"
ust_wait_exit 5 || fail "nc still runs after its address went"
[ "$UST_STATUS" -eq 1 ] || fail "nc exited $UST_STATUS, want 1"
grep -q "^ustack: nc: 10.0.0.1:9000: Software caused connection abort$" "$UST_ERR" ||
	fail "nc did not say the connection was aborted: $(cat "$UST_ERR")"
expect_counter dhcp.expiries -eq 1
expect_counter dhcp.leases -eq 1
fifo_end tcp
# The renewal (unicast, ciaddr) and the rebinding went unanswered; after expiry, INIT.
grep -q "^REQUEST ciaddr 10.0.0.57$" "$T_TMP/dhcp0.out" || fail "no renewal seen: $(cat "$T_TMP/dhcp0.out")"
sed -n '/^acked$/,$p' "$T_TMP/dhcp0.out" | grep -q "^DISCOVER$" ||
	fail "no DISCOVER after the lease ended: $(cat "$T_TMP/dhcp0.out")"

# UDP, on a second TAP.
bg_ns "$NS" "$T_TMP/dhcp1.out" "$PY" "$TESTDIR/dhcp_once.py" ustap1 10.0.1.1 10.0.1.57 8 3 5 40
bg_ns "$NS" "$T_TMP/u.out" "$PY" -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 9001))
u.settimeout(40)
print("listening", flush=True)
try:
    while True:
        d, a = u.recvfrom(100)
        print("datagram", d.decode().strip(), "from", a[0], flush=True)
except socket.timeout:
    pass
'
wait_for 5 grep -q listening "$T_TMP/u.out" || fail "no kernel UDP socket"
fifo_open udp
TAPIF=ustap1 K_ADDR=10.0.1.1 # what ust_start looks for to know nc is up
UST_STDIN=$T_TMP/udp.in ust_start "$NS" nc -u --dev tap:ustap1,addr=dhcp,host=10.0.1.1/24 \
	--dhcp "$QUICK" --stats 10.0.1.1 9001
wait_for 15 grep -q "^ustack: ustap1: leased 10.0.1.57/24 for 8 s$" "$UST_ERR" ||
	fail "no lease on ustap1: $(cat "$UST_ERR" "$T_TMP/dhcp1.out")"
fifo_say udp one
wait_for 5 grep -q "datagram one from 10.0.1.57" "$T_TMP/u.out" || fail "no datagram before expiry: $(cat "$T_TMP/u.out")"
wait_for 10 grep -q "^ustack: ustap1: lease of 10.0.1.57 ended$" "$UST_ERR" ||
	fail "the lease on ustap1 did not end: $(cat "$UST_ERR")"
fifo_say udp two
wait_for 5 grep -q "^ustack: nc: send to 10.0.1.1:9001: Network is unreachable$" "$UST_ERR" ||
	fail "the send from the gone address did not fail: $(cat "$UST_ERR")"
sleep 0.5
grep -q "datagram two" "$T_TMP/u.out" && fail "a datagram left from the gone address"
fifo_end udp
ust_stop
expect_counter dhcp.expiries -eq 1
pass
