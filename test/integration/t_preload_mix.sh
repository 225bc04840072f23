#!/bin/bash
# SPDX-License-Identifier: MIT
# ustack run (docs/preload.md) beyond plain TCP: a UDP exchange with the kernel in both
# roles (sendto/recvfrom with sizes 1 to 8000, then connected send/recv, peer addresses
# checked); select, poll and epoll over a ustack socket and a pipe, a reset seen as
# ECONNRESET then EPIPE, a non-blocking connect that is not writable before it fails,
# AF_INET6 taken (raw refused), TCP_CORK kept and answered, sendfile, a descriptor past 1024, threads, EINTR and names resolved
# from the host's hosts file (preload_mix.py); asyncio (epoll) with 200 concurrent
# connections both ways (preload_asyncio.py); two programs attached to one `serve --api`
# stack talking to each other (nc -l and nc, byte-exact) while the kernel fetches from a
# third; LD_PRELOAD and USTACK_PRELOAD set by hand, and the library without USTACK_PRELOAD
# (the connect fails, one line says why).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin preload_mix "$1"
need_cmd nc curl
ns_new NS
DEV=$(dev_spec)
T_CMD_TIMEOUT=60

# --- UDP, ustack the client ---
bg_ns "$NS" "$T_TMP/udp1.out" "$PY" "$TESTDIR/preload_udp.py" server 5353 5
U=$BG_PID
wait_for 10 grep -q ready "$T_TMP/udp1.out" || fail "the kernel's UDP server did not start"
in_ns "$NS" "$UST" run --dev "$DEV" -- "$PY" "$TESTDIR/preload_udp.py" client "$K_ADDR" 5353 \
	>"$T_TMP/udp.out" 2>"$T_TMP/udp.err" ||
	{ UST_ERR=$T_TMP/udp.err; fail "UDP client on ustack failed"; }
grep -q "udp ok $US_ADDR" "$T_TMP/udp.out" || fail "UDP client: $(cat "$T_TMP/udp.out")"
pid_wait_exit "$U" 10 || fail "the kernel's UDP server did not finish"

# --- UDP, ustack the server ---
bg_ns "$NS" "$T_TMP/udp2.out" "$UST" run --stats --dev "$DEV" -- "$PY" "$TESTDIR/preload_udp.py" server 5354 5
U=$BG_PID
UST_ERR=$T_TMP/udp2.out
wait_for 10 grep -q ready "$T_TMP/udp2.out" || fail "the UDP server on ustack did not start"
wait_for 10 host_configured "$NS" || fail "no TAP"
in_ns "$NS" "$PY" "$TESTDIR/preload_udp.py" client "$US_ADDR" 5354 >"$T_TMP/udp.out" 2>&1 ||
	fail "kernel UDP client against ustack: $(cat "$T_TMP/udp.out")"
grep -q "udp ok $K_ADDR" "$T_TMP/udp.out" || fail "UDP client: $(cat "$T_TMP/udp.out")"
pid_wait_exit "$U" 10 || fail "the UDP server on ustack did not finish"
wait "$U" || fail "ustack run of the UDP server exited $?"
UST_ERR=$T_TMP/udp2.out
expect_counter preload.udp_to_prog -ge 5
expect_counter preload.udp_to_stack -ge 5
expect_counter preload.udp_dropped_full -eq 0
echo "UDP both roles: datagrams of 1 to 8000 bytes, addresses right"

# --- readiness over mixed sets, resets, connect in progress, AF_INET6 ---
bg_ns "$NS" "$T_TMP/peer.out" "$PY" "$TESTDIR/preload_mix_peer.py" 7100
wait_for 10 grep -q ready "$T_TMP/peer.out" || fail "preload_mix_peer.py did not start"
printf '%s kpeer.test\n' "$K_ADDR" >"$T_TMP/hosts"
USTACK_HOSTS=$T_TMP/hosts in_ns "$NS" "$UST" run --dev "$DEV" -- "$PY" "$TESTDIR/preload_mix.py" \
	"$K_ADDR" 7100 10.0.0.9 >"$T_TMP/mix.out" 2>"$T_TMP/mix.err" ||
	{ UST_ERR=$T_TMP/mix.err; fail "preload_mix.py failed: $(cat "$T_TMP/mix.out")"; }
cat "$T_TMP/mix.out"
grep -q "socket(AF_INET6, type 3)" "$T_TMP/mix.err" || fail "no log line for the raw AF_INET6 socket"

# --- asyncio: a server on ustack holding 200 kernel clients at once, and 200 clients on
# ustack against a kernel server ---
bg_ns "$NS" "$T_TMP/aserv.out" "$UST" run --dev "$DEV" -- "$PY" "$TESTDIR/preload_asyncio.py" server 9000
A=$BG_PID
UST_ERR=$T_TMP/aserv.out
wait_for 10 grep -q ready "$T_TMP/aserv.out" || fail "the asyncio server on ustack did not start"
wait_for 10 host_configured "$NS" || fail "no TAP"
in_ns "$NS" "$PY" "$TESTDIR/preload_asyncio.py" clients "$US_ADDR" 9000 200 ||
	fail "200 kernel clients against asyncio on ustack failed"
stop_pid "$A"
bg_ns "$NS" "$T_TMP/kserv.out" "$PY" "$TESTDIR/preload_asyncio.py" server 9001
A=$BG_PID
wait_for 10 grep -q ready "$T_TMP/kserv.out" || fail "the kernel's asyncio server did not start"
in_ns "$NS" "$UST" run --dev "$DEV" -- "$PY" "$TESTDIR/preload_asyncio.py" clients "$K_ADDR" 9001 200 \
	2>"$T_TMP/ac.err" || { UST_ERR=$T_TMP/ac.err; fail "200 asyncio clients on ustack failed"; }
stop_pid "$A"

# --- two programs on one stack, and the kernel on a third ---
ust_serve "$NS" --api "mix$$"
rand_file "$T_TMP/in.bin" 500000
bg_ns "$NS" "$T_TMP/srv.err" "$UST" run --attach "mix$$" -- sh -c "exec nc -l 6100 >'$T_TMP/out.bin'"
SRV=$BG_PID
ok=0
for i in $(seq 1 50); do
	if in_ns "$NS" "$UST" run --attach "mix$$" -- nc -N "$US_ADDR" 6100 <"$T_TMP/in.bin" 2>/dev/null; then
		ok=1
		break
	fi
	sleep 0.2
done
[ "$ok" -eq 1 ] || fail "attached nc could not reach attached nc -l"
pid_wait_exit "$SRV" 10 || fail "attached nc -l did not end"
cmp -s "$T_TMP/in.bin" "$T_TMP/out.bin" || fail "attached nc -> nc -l: $(stat -c %s "$T_TMP/out.bin") bytes differ"
mkdir "$T_TMP/www" && cp "$T_TMP/in.bin" "$T_TMP/www/"
bg_ns "$NS" "$T_TMP/web.err" "$UST" run --attach "mix$$" -- "$PY" -m http.server -d "$T_TMP/www" 8000
wait_for 10 in_ns "$NS" curl -s -o /dev/null "http://$US_ADDR:8000/" || fail "attached http.server does not answer the kernel"
in_ns "$NS" curl -sS -o "$T_TMP/k.bin" "http://$US_ADDR:8000/in.bin" || fail "kernel curl failed"
cmp -s "$T_TMP/in.bin" "$T_TMP/k.bin" || fail "kernel curl from attached http.server: bytes differ"
in_ns "$NS" "$UST" run --attach "mix$$" -- curl -sS -o "$T_TMP/a.bin" "http://127.0.0.1:8000/in.bin" ||
	fail "attached curl from attached http.server failed"
cmp -s "$T_TMP/in.bin" "$T_TMP/a.bin" || fail "attached curl from attached http.server: bytes differ"
# the same without the wrapper, and the library without a stack to attach to
LIB=$(dirname "$UST")/libustack-preload.so
in_ns "$NS" env LD_PRELOAD="$LIB" USTACK_PRELOAD="attach=mix$$" curl -sS -o "$T_TMP/e.bin" \
	"http://127.0.0.1:8000/in.bin" || fail "curl with LD_PRELOAD and USTACK_PRELOAD failed"
cmp -s "$T_TMP/in.bin" "$T_TMP/e.bin" || fail "curl with LD_PRELOAD: bytes differ"
in_ns "$NS" env LD_PRELOAD="$LIB" curl -sS "http://$K_ADDR:1/" >/dev/null 2>"$T_TMP/noenv.err" &&
	fail "curl with the library but no USTACK_PRELOAD succeeded"
grep -q "ustack-preload: USTACK_PRELOAD=(unset)" "$T_TMP/noenv.err" ||
	fail "no line about the missing USTACK_PRELOAD: $(cat "$T_TMP/noenv.err")"
echo "two attached programs talk (nc), and a third serves the kernel, an attached curl and one preloaded by hand"
ust_stop
expect_counter tcp.conn_accepts -ge 3
expect_counter preload.accepted -ge 3
expect_counter preload.clients -ge 4
expect_counter preload.bytes_to_prog -ge $((3 * 500000))
expect_counter preload.bad_requests -eq 0
pass
