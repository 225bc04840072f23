#!/bin/bash
# SPDX-License-Identifier: MIT
# A device with no address, the way a DHCP client uses one (examples/lease_client.c, text
# messages in DHCP's pattern): ustack's TAP comes up without addr=; from 0.0.0.0:68 through
# the device (SO_BINDTODEVICE) it broadcasts DISCOVER to 255.255.255.255:67, which leaves
# as an Ethernet broadcast from 0.0.0.0 (python reads the frame off the TAP); the kernel's
# broadcast OFFER reaches it; it adds the address at run time, the kernel pings it (ARP
# answers) and gets BOUND from it; on RELEASE it removes the address, ARP stops answering,
# and the device, with no address again, still hears the broadcast DONE and exits 0.
. "$(dirname "$0")/lib.sh"
t_begin dhcp_noaddr "$1"
EX=$(dirname "$UST")/examples
[ -x "$EX/lease_client" ] || fail "$EX/lease_client not built (make examples)"
need_cmd ping

ns_new NS
UST=$EX/lease_client ust_start "$NS" "tap:$TAPIF,host=$K_ADDR/$US_PREFIX" "$TAPIF"
in_ns "$NS" "$PY" - "$TAPIF" "$K_ADDR" <<'EOF' || fail "the exchange with lease_client failed"
import socket, struct, subprocess, sys, time
ifname, k_addr = sys.argv[1], sys.argv[2]
ETH_P_ALL = 3
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
raw.bind((ifname, 0))
raw.settimeout(15)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
u.bind(("0.0.0.0", 67))
u.settimeout(15)

def die(msg):
    print(msg)
    sys.exit(1)

data, src = u.recvfrom(256)
if data != b"DISCOVER" or src != ("0.0.0.0", 68):
    die(f"first datagram {data!r} from {src}, wanted DISCOVER from 0.0.0.0:68")
# the frame it came in: Ethernet broadcast, IP 0.0.0.0 -> 255.255.255.255, UDP 68 -> 67
mac = None
for _ in range(50):
    f, (_, _, pkttype, _, _) = raw.recvfrom(2048)
    if pkttype == socket.PACKET_OUTGOING or len(f) < 42 or f[12:14] != b"\x08\x00":
        continue
    sport, dport = struct.unpack("!HH", f[34:38])
    if f[23] == 17 and dport == 67:
        if f[0:6] != b"\xff" * 6:
            die(f"DISCOVER went to {f[0:6].hex(':')}, not the broadcast MAC")
        if f[26:30] != b"\0" * 4 or f[30:34] != b"\xff" * 4 or sport != 68:
            die(f"DISCOVER header {socket.inet_ntoa(f[26:30])}:{sport} -> "
                f"{socket.inet_ntoa(f[30:34])}")
        mac = f[6:12]
        break
if mac is None:
    die("no DISCOVER frame seen on the TAP")
u.sendto(b"OFFER 10.0.0.5/24", ("255.255.255.255", 68))
for _ in range(20):  # DISCOVERs sent before the OFFER arrived, then BOUND
    data, src = u.recvfrom(256)
    if data != b"DISCOVER":
        break
if data != b"BOUND 10.0.0.5" or src != ("10.0.0.5", 68):
    die(f"got {data!r} from {src}, wanted BOUND 10.0.0.5 from 10.0.0.5:68")
r = subprocess.run(["ping", "-c", "1", "-W", "2", "10.0.0.5"], capture_output=True)
if r.returncode != 0:
    die("no answer to ping 10.0.0.5 after the address was added")
neigh = subprocess.run(["ip", "neigh", "show", "10.0.0.5", "dev", ifname],
                       capture_output=True, text=True).stdout
if mac.hex(":") not in neigh:
    die(f"ARP for 10.0.0.5: {neigh!r}, wanted {mac.hex(':')}")
u.sendto(b"RELEASE", ("10.0.0.5", 68))
gone = False
for _ in range(20):
    time.sleep(0.2)
    subprocess.run(["ip", "neigh", "flush", "dev", ifname], capture_output=True)
    if subprocess.run(["ping", "-c", "1", "-W", "1", "10.0.0.5"],
                      capture_output=True).returncode != 0:
        gone = True
        break
if not gone:
    die("10.0.0.5 still answers after RELEASE")
u.sendto(b"DONE", ("255.255.255.255", 68))
EOF
ust_wait_exit 15 || fail "lease_client still running after DONE"
grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$UST_ERR" && fail "sanitizer report"
[ "$UST_STATUS" -eq 0 ] || fail "lease_client exited with status $UST_STATUS"
grep -q "bound 10.0.0.5/24 on $TAPIF" "$UST_ERR" || fail "lease_client did not say it was bound"
grep -q "released 10.0.0.5: 0" "$UST_ERR" || fail "lease_client did not release the address"
pass
