#!/bin/bash
# SPDX-License-Identifier: MIT
# Unmodified Debian programs on ustack through `ustack run` (docs/preload.md), beyond
# t_preload_tcp: socat in both roles over TCP and UDP, byte-exact; `curl -T` uploading
# 20 MB to a kernel server; curl and wget downloading 50 MB, byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin preload_servers "$1"
need_cmd curl wget socat
LIB=$(dirname "$UST")/libustack-preload.so
[ -f "$LIB" ] || fail "$LIB not built (make all)"
ns_new NS
DEV=$(dev_spec)
T_CMD_TIMEOUT=60

# urun OUT ERR CMD...: CMD under `ustack run` on the TAP, stdout to OUT, stderr to ERR.
urun()
{
	local out=$1 err=$2
	shift 2
	in_ns "$NS" "$UST" run --dev "$DEV" -- "$@" >"$out" 2>"$err"
}

# same A B WHAT: files A and B are the same bytes
same()
{
	cmp -s "$1" "$2" || fail "$3: $(stat -c %s "$2" 2>/dev/null || echo no) bytes, not the $(stat -c %s "$1") sent"
}

# --- socat, TCP, both roles ---
rand_file "$T_TMP/s.in" 2000000
bg_ns "$NS" "$T_TMP/sk.err" socat -u TCP-LISTEN:6100,reuseaddr "OPEN:$T_TMP/sk.out,creat,trunc"
SK=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -tln | grep -q ':6100 '" || fail "the kernel's socat did not listen"
urun /dev/null "$T_TMP/run.err" socat -u "OPEN:$T_TMP/s.in" "TCP:$K_ADDR:6100" ||
	{ UST_ERR=$T_TMP/run.err; fail "socat TCP client on ustack failed"; }
pid_wait_exit "$SK" 10 || fail "the kernel's socat did not end after its client"
same "$T_TMP/s.in" "$T_TMP/sk.out" "socat on ustack -> kernel socat"
bg_ns "$NS" "$T_TMP/su.err" "$UST" run --dev "$DEV" -- socat -u TCP-LISTEN:6101,reuseaddr \
	"OPEN:$T_TMP/su.out,creat,trunc"
SU=$BG_PID
UST_ERR=$T_TMP/su.err
ok=0
for i in $(seq 1 50); do
	if host_configured "$NS" && in_ns "$NS" socat -u "OPEN:$T_TMP/s.in" "TCP:$US_ADDR:6101" 2>/dev/null; then
		ok=1
		break
	fi
	sleep 0.2
done
[ "$ok" -eq 1 ] || fail "kernel socat -> socat TCP-LISTEN on ustack failed"
pid_wait_exit "$SU" 10 || fail "socat TCP-LISTEN on ustack did not end after its client"
same "$T_TMP/s.in" "$T_TMP/su.out" "kernel socat -> socat on ustack"
echo "socat TCP both roles: 2000000 bytes byte-exact"

# --- socat, UDP, both roles: a datagram up and its answer back (upper-cased) ---
bg_ns "$NS" "$T_TMP/uk.err" socat UDP-RECVFROM:6200 SYSTEM:"tr a-z A-Z"
UK=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -uln | grep -q ':6200 '" || fail "the kernel's UDP socat did not bind"
echo "hello from ustack" | in_ns "$NS" "$UST" run --dev "$DEV" -- socat -t 5 - "UDP:$K_ADDR:6200" \
	>"$T_TMP/u1.out" 2>"$T_TMP/run.err" || { UST_ERR=$T_TMP/run.err; fail "socat UDP client on ustack failed"; }
[ "$(cat "$T_TMP/u1.out")" = "HELLO FROM USTACK" ] || fail "socat UDP on ustack got '$(cat "$T_TMP/u1.out")'"
pid_wait_exit "$UK" 10 || fail "the kernel's UDP socat did not end"
bg_ns "$NS" "$T_TMP/uu.err" "$UST" run --dev "$DEV" -- socat UDP-RECVFROM:6201 SYSTEM:"tr a-z A-Z"
UU=$BG_PID
UST_ERR=$T_TMP/uu.err
wait_for 10 host_configured "$NS" || fail "no TAP for the UDP socat on ustack"
ok=0
for i in $(seq 1 20); do
	echo "hello from the kernel" | in_ns "$NS" socat -t 1 - "UDP:$US_ADDR:6201" >"$T_TMP/u2.out" 2>/dev/null
	[ -s "$T_TMP/u2.out" ] && { ok=1; break; }
done
[ "$ok" -eq 1 ] || fail "no answer from socat UDP-RECVFROM on ustack"
[ "$(cat "$T_TMP/u2.out")" = "HELLO FROM THE KERNEL" ] || fail "kernel socat got '$(cat "$T_TMP/u2.out")'"
pid_wait_exit "$UU" 10 || fail "socat UDP-RECVFROM on ustack did not end"
echo "socat UDP both roles: datagram and answer"

# --- curl -T: 20 MB up to a kernel server ---
mkdir "$T_TMP/up" "$T_TMP/www"
rand_file "$T_TMP/up.in" $((20 * 1024 * 1024))
bg_ns "$NS" "$T_TMP/put.log" "$PY" "$TESTDIR/preload_put_srv.py" "$T_TMP/up" 8081
PUT=$BG_PID
wait_for 10 grep -q listening "$T_TMP/put.log" || fail "the kernel's upload server did not start"
code=$(in_ns "$NS" "$UST" run --dev "$DEV" -- curl -sS --max-time 50 -T "$T_TMP/up.in" \
	-w '%{http_code}' -o /dev/null "http://$K_ADDR:8081/up.bin" 2>"$T_TMP/run.err") ||
	{ UST_ERR=$T_TMP/run.err; fail "curl -T under ustack run failed"; }
[ "$code" = 201 ] || fail "curl -T: HTTP $code"
same "$T_TMP/up.in" "$T_TMP/up/up.bin" "curl -T 20 MB"
grep -q "^$US_ADDR .*PUT /up.bin" "$T_TMP/put.log" || fail "the upload server saw no PUT from $US_ADDR"
stop_pid "$PUT"
echo "curl -T: 20 MB byte-exact to the kernel"

# --- curl and wget: 50 MB down from a kernel server ---
rand_file "$T_TMP/www/big.bin" $((50 * 1024 * 1024))
bg_ns "$NS" "$T_TMP/kweb.log" "$PY" -m http.server -b 0.0.0.0 -d "$T_TMP/www" 8080
KWEB=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -tln | grep -q ':8080 '" || fail "the kernel's http.server did not listen"
urun /dev/null "$T_TMP/run.err" curl -sS --max-time 50 -o "$T_TMP/c.bin" "http://$K_ADDR:8080/big.bin" ||
	{ UST_ERR=$T_TMP/run.err; fail "curl 50 MB under ustack run failed"; }
same "$T_TMP/www/big.bin" "$T_TMP/c.bin" "curl 50 MB"
rm -f "$T_TMP/c.bin"
urun /dev/null "$T_TMP/run.err" wget -q -T 20 -t 1 -O "$T_TMP/w.bin" "http://$K_ADDR:8080/big.bin" ||
	{ UST_ERR=$T_TMP/run.err; fail "wget 50 MB under ustack run failed"; }
same "$T_TMP/www/big.bin" "$T_TMP/w.bin" "wget 50 MB"
rm -f "$T_TMP/w.bin"
stop_pid "$KWEB"
echo "curl, wget: 50 MB byte-exact from the kernel"
pass
