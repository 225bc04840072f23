#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack --forward from a TAP with offload and a 9000-byte MTU (ns1, 10.77.1.0/24) to a
# TAP with offload and MTU 1400 (ns2, 10.77.2.0/24): the kernel in ns1 hands over 4000-byte
# UDP datagrams (without DF) with the checksum left partial (tap.rx_csum_partial), ustack fragments
# them for ns2 (ip.fwd_fragmented) and the kernel in ns2 reassembles them and checks the
# UDP checksum. Fragments carry no whole datagram for a device to sum, so ustack must
# finish the checksum before it cuts (ip/ip_frag.c); a wrong one would be dropped by the
# kernel (UdpInCsumErrors) and the receiver would get nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwd_lib.sh"
t_begin fwd_frag_csum "$1"
ns_new NR
ns_new N1
ns_new N2

ust_start "$NR" serve --forward --stats \
	--dev tap:ustka0,addr=10.77.1.1/24,mtu=9000 --dev tap:ustkb0,addr=10.77.2.1/24,mtu=1400
fwd_move_tap ustka0 "$N1" 10.77.1.2/24 10.77.1.1
fwd_move_tap ustkb0 "$N2" 10.77.2.2/24 10.77.2.1
ip -n "$N1" link set ustka0 mtu 9000 || fail "cannot set the MTU in ns1"
ip -n "$N2" link set ustkb0 mtu 1400 || fail "cannot set the MTU in ns2"
fwd_wait_ping "$N1" 10.77.2.2

# The receiver counts the datagrams of 4000 bytes with the sender's pattern.
bg_ns "$N2" "$T_TMP/recv.log" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.2.2", 9999))
s.settimeout(5)
want = bytes(i * 7 % 251 for i in range(4000))
n = 0
try:
    while n < 5:
        d, _ = s.recvfrom(65536)
        n += d == want
except socket.timeout:
    pass
print("got", n)
'
RPID=$BG_PID
wait_for 5 ip netns exec "$N2" sh -c "ss -Hlun 'sport = :9999' | grep -q 9999" ||
	fail "the UDP receiver in ns2 did not start"
in_ns "$N1" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: no DF
d = bytes(i * 7 % 251 for i in range(4000))
for _ in range(5):
    s.sendto(d, ("10.77.2.2", 9999))
    time.sleep(0.1)
' || fail "the UDP sender in ns1 failed"
wait "$RPID"
got=$(awk '/^got/ { print $2 }' "$T_TMP/recv.log")
csumerr=$(ip netns exec "$N2" nstat -asz UdpInCsumErrors 2>/dev/null |
	awk '/UdpInCsumErrors/ { print $2 }')
echo "received $got of 5 datagrams of 4000 bytes; UdpInCsumErrors in ns2: ${csumerr:-?}"

ust_alive || fail "ustack died"
ust_stop
for c in tap.rx_csum_partial ip.fwd_fragmented ip.out_frag_creates ip.out_frag_oks; do
	echo "  $c $(counter $c)"
done
# The premise: the kernel left the checksums partial and ustack fragmented them.
expect_counter tap.rx_csum_partial -ge 5
expect_counter ip.fwd_fragmented -ge 5
[ "${got:-0}" -eq 5 ] || fail "ns2 received $got of 5 datagrams (UdpInCsumErrors ${csumerr:-?})"
pass
