#!/bin/bash
# SPDX-License-Identifier: MIT
# A SYN to a closed port gets a RST: curl to port 81 (nothing listens) fails at once with
# exit 7 (couldn't connect) in under 2 s, and ustack counts the RST it sent. And ustack as
# the client: `ustack nc` to an address in the subnet that nobody answers ARP for gives up
# once ARP does (3 requests, about 3 s), with "No route to host" and a non-zero exit, as
# Linux's connect does: the SYNs that waited for ARP come back as an ICMP host unreachable
# (that part runs in a second namespace while the curl part runs).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_refused "$1"

# --- ustack nc to 10.0.0.99 (no host there), started first since it takes ~3 s.
ns_new NS2
bg_ns "$NS2" "$T_TMP/nc2.out" "$UST" nc --dev "$(dev_spec)" 10.0.0.99 4321
NC2=$BG_PID
nc2_start=$(date +%s)

# --- curl to a closed port on ustack
ns_new NS
ust_serve "$NS" --serve "http,root=$T_TMP"
t0=$(date +%s%N)
in_ns "$NS" curl -sS --max-time 10 "http://$US_ADDR:81/" >"$T_TMP/curl.out" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "curl to port 81: exit $rc after $ms ms: $(cat "$T_TMP/curl.out")"
[ "$rc" -eq 7 ] || fail "curl to a closed port exited $rc, want 7 (couldn't connect): $(cat "$T_TMP/curl.out")"
[ "$ms" -lt 2000 ] || fail "curl took $ms ms to be refused, want < 2000 (a RST, not a timeout)"
# The listening port still works, so the refusal is about the port.
in_ns "$NS" curl -sS --max-time 10 -o /dev/null "http://$US_ADDR:80/" ||
	fail "the http port itself does not answer"
ust_stop
expect_counter tcp.snd_rst -ge 1
expect_counter tcp.rcv_no_conn -ge 1

# --- ustack nc to nobody
for i in $(seq 1 300); do
	kill -0 "$NC2" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$NC2" 2>/dev/null && fail "ustack nc to an unanswered address still trying after $(( $(date +%s) - nc2_start )) s"
wait "$NC2"
rc=$?
secs=$(( $(date +%s) - nc2_start ))
echo "ustack nc to 10.0.0.99: exit $rc after $secs s: $(cat "$T_TMP/nc2.out")"
[ "$rc" -ne 0 ] || fail "ustack nc to an unanswered address exited 0"
[ "$rc" -ne 124 ] || fail "ustack nc was killed by the test's timeout, it did not give up by itself"
grep -q 'No route to host' "$T_TMP/nc2.out" ||
	fail "ustack nc did not say 'No route to host': $(cat "$T_TMP/nc2.out")"
[ "$secs" -le 10 ] || fail "ustack nc gave up after $secs s, want about 3 (when ARP does)"
pass
