#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack as a TCP client: `ustack nc` against a kernel `nc -l` (8 MB each way, one way at
# a time, byte-exact, both sides see the other's FIN and exit), and `ustack get` from a
# kernel HTTP server (python3 -m http.server bound to the kernel's side of the TAP)
# serving a 20 MB random file, byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_ustack_client "$1"
SIZE=$((8 * 1024 * 1024))

# --- ustack nc <-> kernel nc -l, one direction at a time. Both at once races: netcat-openbsd
# stops sending its stdin as soon as the peer's FIN arrives, so whichever side finishes
# first would cut the other short (a property of nc, not of TCP).
ns_new NS
rand_file "$T_TMP/k.in" $SIZE
rand_file "$T_TMP/u.in" $SIZE
mkfifo "$T_TMP/idle"

# (a) kernel -> ustack: ustack's stdin stays open and empty, so it sends no FIN first; it
# exits when the kernel's FIN arrives after 8 MB.
BG_STDIN=$T_TMP/k.in bg_ns "$NS" "$T_TMP/k.log" nc -N -l 5000
KNC=$BG_PID
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5000' | grep -q 5000" ||
	fail "kernel nc -l is not listening on 5000"
sleep 60 >"$T_TMP/idle" &
HOLD=$!
T_PIDS+=("$HOLD")
UST_TIMEOUT=60 UST_STDIN=$T_TMP/idle ust_start "$NS" nc --dev "$(dev_spec)" "$K_ADDR" 5000
ust_wait_exit 40 || fail "ustack nc still running 40 s after start (got $(stat -c %s "$UST_OUT") of $SIZE bytes)"
rc=$UST_STATUS
kill "$HOLD" 2>/dev/null
[ "$rc" -eq 0 ] || fail "ustack nc exited $rc (got $(stat -c %s "$UST_OUT") of $SIZE bytes)"
[ "$(sha "$UST_OUT")" = "$(sha "$T_TMP/k.in")" ] ||
	fail "kernel->ustack nc differs: $(stat -c %s "$UST_OUT") bytes of $SIZE"
pid_wait_exit "$KNC" 10 || fail "kernel nc -l still running 10 s after ustack nc ended"
echo "kernel nc -l -> ustack nc: 8 MB byte-exact, both exit"

# (b) ustack -> kernel: ustack sends its stdin and its FIN; the kernel's nc then closes.
# ustack ends in TIME_WAIT: --drain waits there only while the kernel might repeat its FIN
# (about a second after its last segment), never the whole --drain nor 2 MSL (60 s).
bg_ns "$NS" "$T_TMP/k.out" nc -l 5001
KNC=$BG_PID
wait_for 5 in_ns "$NS" sh -c "ss -Hltn 'sport = :5001' | grep -q 5001" ||
	fail "kernel nc -l is not listening on 5001"
UST_TIMEOUT=90 UST_STDIN=$T_TMP/u.in ust_start "$NS" nc --dev "$(dev_spec)" --drain 60 \
	--stats "$K_ADDR" 5001
pid_wait_exit "$KNC" 40 || fail "kernel nc -l still running 40 s after ustack nc started"
t0=$(date +%s%N)
ust_wait_exit 30 || fail "ustack nc (sending) still running 30 s after the kernel's nc ended"
t1=$(date +%s%N)
rc=$UST_STATUS
[ "$rc" -eq 0 ] || fail "ustack nc (sending) exited $rc"
grep -q "exiting with connections still closing" "$UST_ERR" &&
	fail "ustack nc waited out --drain: $(grep closing "$UST_ERR")"
[ "$(counter tcp.conns_time_wait)" -eq 1 ] || fail "ustack nc did not end in TIME_WAIT"
[ -z "$(in_ns "$NS" ss -Htn state last-ack)" ] || fail "the kernel is left in LAST_ACK"
wait "$KNC"
[ "$(sha "$T_TMP/k.out")" = "$(sha "$T_TMP/u.in")" ] ||
	fail "ustack->kernel nc differs: $(stat -c %s "$T_TMP/k.out") bytes of $SIZE"
echo "ustack nc -> kernel nc -l: 8 MB byte-exact, both exit; ustack nc ended" \
	"$(((t1 - t0) / 1000000)) ms after the kernel's nc (TIME_WAIT listening for a repeated FIN)"

# --- ustack get <- python3 -m http.server on the kernel's address
ns_new NS2
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/file.bin" $((20 * 1024 * 1024))
# The kernel's address appears only when ustack configures the TAP: allow the bind before.
in_ns "$NS2" sysctl -q -w net.ipv4.ip_nonlocal_bind=1 || fail "cannot set ip_nonlocal_bind"
bg_ns "$NS2" "$T_TMP/httpd.log" "$PY" -m http.server 8000 --bind "$K_ADDR" --directory "$T_TMP/www"
wait_for 10 in_ns "$NS2" sh -c "ss -Hltn 'sport = :8000' | grep -q $K_ADDR:8000" ||
	fail "python http.server not listening on $K_ADDR:8000: $(tail -n 3 "$T_TMP/httpd.log")"
UST_TIMEOUT=60 ust_start "$NS2" get --dev "$(dev_spec)" --timeout 20 "http://$K_ADDR:8000/file.bin"
ust_wait_exit 40 || fail "ustack get still running 40 s after start (got $(stat -c %s "$UST_OUT") bytes)"
rc=$UST_STATUS
[ "$rc" -eq 0 ] || fail "ustack get exited $rc (got $(stat -c %s "$UST_OUT") bytes)"
[ "$(sha "$UST_OUT")" = "$(sha "$T_TMP/www/file.bin")" ] ||
	fail "ustack get's body differs: $(stat -c %s "$UST_OUT") bytes of $((20 * 1024 * 1024))"
grep -q '"GET /file.bin HTTP/1.1" 200' "$T_TMP/httpd.log" ||
	fail "http.server did not log a 200 for GET /file.bin: $(tail -n 3 "$T_TMP/httpd.log")"
echo "ustack get from python http.server: 20 MB byte-exact"
pass
