#!/bin/bash
# SPDX-License-Identifier: MIT
# serve on a multi-queue TAP (queues=2): two stacks in one process, one per queue, the same
# address and MAC. 200 HTTP connections from the kernel (each its own source port, so the
# kernel's flow hash spreads them) are all served, and each queue's stack accepted some of
# them (its own serve.conns_accepted in --stats); UDP echo from 20 source ports is answered;
# a flood ping is answered whole. And the command-line checks: no second --dev, no --pcap,
# no addr6=.
. "$(dirname "$0")/lib.sh"
t_begin tap_mq "$1"
need_cmd curl
ns_new NS
head -c 1024 /dev/urandom >"$T_TMP/f1k"
ust_start "$NS" serve --dev "$(dev_spec),queues=2" --stats --serve "http,root=$T_TMP" \
	--serve udp-echo
# ust_start may return once the TAP's kernel side is up, before the line is written
wait_for 10 grep -q "ustap0: 2 queues, one stack and serving thread each" "$UST_ERR" ||
	fail "no queues line: $(cat "$UST_ERR")"
[ "$(grep -c 'serving http on' "$UST_ERR")" -eq 1 ] ||
	fail "want one 'serving http' line: $(cat "$UST_ERR")"
ip -n "$NS" -d link show "$TAPIF" | grep -q "multi_queue numqueues 2" ||
	fail "the kernel's TAP has not 2 queues: $(ip -n "$NS" -d link show "$TAPIF")"

ok=0
for _ in $(seq 1 200); do
	code=$(timeout 10 ip netns exec "$NS" curl -s -o "$T_TMP/got" -w '%{http_code}' \
		"http://$US_ADDR/f1k")
	[ "$code" = 200 ] && cmp -s "$T_TMP/got" "$T_TMP/f1k" && ok=$((ok + 1))
done
[ "$ok" -eq 200 ] || fail "$ok of 200 HTTP requests served whole"

# UDP from 20 source ports: every datagram comes back, whichever queue its flow hashes to.
timeout 20 ip netns exec "$NS" "$PY" - "$US_ADDR" <<'EOF' || fail "UDP echo over two queues"
import socket, sys
ok = 0
for i in range(20):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    msg = b"mq %d" % i
    for _ in range(3):
        s.sendto(msg, (sys.argv[1], 7))
        try:
            if s.recv(100) == msg:
                ok += 1
                break
        except socket.timeout:
            pass
    s.close()
sys.exit(0 if ok == 20 else 1)
EOF

out=$(timeout 30 ip netns exec "$NS" ping -f -q -c 2000 -w 20 "$US_ADDR")
echo "$out" | grep -q "2000 packets transmitted, 2000 received" ||
	fail "flood ping: $(echo "$out" | tail -n 2)"
ust_stop

# per_queue NAME: "Q=V" for each queue's block of --stats (queues 1.. first, then 0).
per_queue()
{
	awk -v n="$1" '/^# counters of queue/ { q = $5; sub("'"'"'s", "", q); v[q] = 0 }
		$1 == n && q != "" { v[q] = $2 }
		END { for (k in v) printf "%s=%s\n", k, v[k] }' "$UST_ERR" | sort
}
acc=$(per_queue serve.conns_accepted)
echo "$acc" | grep -qx '0=[1-9][0-9]*' || fail "queue 0's stack accepted none: $acc"
echo "$acc" | grep -qx '1=[1-9][0-9]*' || fail "queue 1's stack accepted none: $acc"
sum=$(echo "$acc" | awk -F= '{ s += $2 } END { print s }')
[ "$sum" -ge 200 ] || fail "the stacks accepted $sum connections, want 200: $acc"
replies=$(per_queue icmp.out_echo_reply | awk -F= '{ s += $2 } END { print s }')
[ "$replies" -ge 2000 ] || fail "$replies echo replies, want 2000"

# serve opens every queue itself, for one device, with no file of its own per stack.
for bad in "--dev $(dev_spec),queues=2,queue=1" \
	"--dev $(dev_spec),queues=2 --dev tap:ustap9,addr=10.9.0.2/24" \
	"--dev $(dev_spec),queues=2 --pcap $T_TMP/x.pcap" \
	"--dev $(dev_spec),queues=2,addr6=fd00::2/64"; do
	# shellcheck disable=SC2086 # the options are words
	timeout 10 ip netns exec "$NS" "$UST" serve $bad >/dev/null 2>"$T_TMP/e"
	rc=$?
	[ "$rc" -eq 2 ] || fail "serve $bad exited $rc, want 2: $(cat "$T_TMP/e")"
	[ "$(wc -l <"$T_TMP/e")" -eq 1 ] || fail "serve $bad: want one line: $(cat "$T_TMP/e")"
done
pass
