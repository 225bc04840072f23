#!/bin/bash
# SPDX-License-Identifier: MIT
# Unmodified Debian programs on ustack through `ustack run` (libustack-preload.so,
# docs/preload.md), TCP: curl and wget download 8 MB byte-exact from a kernel HTTP server,
# wget with --trace (its SYN in the trace); curl again through --impair loss=5 with
# --pcap (its GET in the capture);
# curl and wget attached to a `serve --api` stack fetch 50 MB from its own `http`;
# `sh -c 'curl ...; wget ...; exit 3'` (a process tree on one stack; the run exits 3);
# curl's non-blocking connect to an address nobody answers, which fails only when ARP
# gives up; `python3 -m http.server` under ustack run, fetched by the kernel's curl, its
# listener and counters seen by `ustack ctl` (run --name); a Python
# ForkingTCPServer serving 5 kernel clients from 5 children; nc (OpenBSD) in both roles
# byte-exact; and a run whose device is busy, where the program does not run and one line
# says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin preload_tcp "$1"
need_cmd curl wget nc
LIB=$(dirname "$UST")/libustack-preload.so
[ -f "$LIB" ] || fail "$LIB not built (make all)"
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $((8 * 1024 * 1024))
want=$(sha "$T_TMP/www/f.bin")
# 50 MB for the downloads from ustack's own http (issue's size; t_preload_servers fetches
# 50 MB from a kernel server)
rand_file "$T_TMP/www/big.bin" $((50 * 1024 * 1024))
want_big=$(sha "$T_TMP/www/big.bin")
DEV=$(dev_spec)
T_CMD_TIMEOUT=60

# sha_is FILE WHAT: FILE has the file's sha256
sha_is()
{
	[ -f "$1" ] || fail "$2: no output file"
	[ "$(sha "$1")" = "$want" ] || fail "$2: $(stat -c %s "$1") bytes, not the file's"
	rm -f "$1"
}

# --- from a kernel server ---
bg_ns "$NS" "$T_TMP/kweb.log" "$PY" -m http.server -b 0.0.0.0 -d "$T_TMP/www" 8080
KWEB=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -tln | grep -q ':8080 '" || fail "the kernel's http.server did not listen"
in_ns "$NS" "$UST" run --dev "$DEV" -- curl -sS --max-time 40 -o "$T_TMP/c.bin" \
	"http://$K_ADDR:8080/f.bin" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "curl under ustack run failed (exit $?)"; }
sha_is "$T_TMP/c.bin" "curl from the kernel"
in_ns "$NS" "$UST" run --dev "$DEV" --trace 'tcp port 8080' -- wget -q -T 20 -t 1 \
	-O "$T_TMP/w.bin" "http://$K_ADDR:8080/f.bin" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "wget under ustack run failed (exit $?)"; }
sha_is "$T_TMP/w.bin" "wget from the kernel"
# --trace under ustack run: wget's handshake is in the trace, nothing else is
grep -qE "> IP $US_ADDR\.[0-9]+ > $K_ADDR\.8080: TCP \[S\]" "$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "ustack run --trace does not show wget's SYN"; }
grep -qE "ARP|ICMP" "$T_TMP/run.err" &&
	{ UST_ERR=$T_TMP/run.err; fail "ustack run --trace 'tcp port 8080' shows other traffic"; }
grep -q "^$US_ADDR " "$T_TMP/kweb.log" || fail "the kernel server saw no client at $US_ADDR"
echo "curl, wget under ustack run: 8 MB byte-exact from the kernel, wget's SYN in --trace"

# --- the stack's tools on the program's traffic: 5% loss both ways and a capture ---
in_ns "$NS" "$UST" run --dev "$DEV" --impair loss=5,seed=7 --pcap "$T_TMP/c.pcap" --stats -- \
	curl -sS --max-time 50 -o "$T_TMP/l.bin" "http://$K_ADDR:8080/f.bin" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "curl under ustack run --impair loss=5 failed"; }
sha_is "$T_TMP/l.bin" "curl through 5% loss"
UST_ERR=$T_TMP/run.err
expect_counter impair.dropped -ge 10
if command -v tshark >/dev/null; then
	n=$(timeout 60 tshark -r "$T_TMP/c.pcap" -Y 'http.request.uri == "/f.bin"' 2>/dev/null | wc -l)
	[ "$n" -ge 1 ] || fail "the capture of ustack run does not show curl's GET"
fi
echo "curl under ustack run --impair loss=5 --pcap: 8 MB byte-exact, $(counter impair.dropped) frames dropped, the GET captured"

# --- a process tree: both commands of a shell on one stack, the shell's status kept ---
in_ns "$NS" "$UST" run --dev "$DEV" -- sh -c "curl -sS -o '$T_TMP/s1.bin' \
	http://$K_ADDR:8080/f.bin && wget -q -O '$T_TMP/s2.bin' http://$K_ADDR:8080/f.bin; exit 3" \
	2>"$T_TMP/run.err"
rc=$?
[ "$rc" -eq 3 ] || { UST_ERR=$T_TMP/run.err; fail "ustack run -- sh -c ...: exit $rc, want the shell's 3"; }
sha_is "$T_TMP/s1.bin" "curl in sh -c"
sha_is "$T_TMP/s2.bin" "wget in sh -c"
echo "sh -c 'curl; wget; exit 3': both byte-exact, exit 3"
stop_pid "$KWEB"

# --- curl's non-blocking connect to an address nobody answers: no POLLOUT before the
# outcome, so curl waits for ARP to give up (3 s) and says it could not connect ---
start=$(date +%s%N)
in_ns "$NS" "$UST" run --dev "$DEV" -- curl -sS --connect-timeout 20 http://10.0.0.9/ \
	>/dev/null 2>"$T_TMP/run.err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 7 ] || { UST_ERR=$T_TMP/run.err; fail "curl to an address nobody answers: exit $rc, want 7"; }
[ "$ms" -ge 2500 ] || fail "curl gave up after $ms ms: the connect looked done before ARP failed"
echo "curl to 10.0.0.9: exit 7 after $ms ms (ARP's 3 s)"

# --- the stack busy: the program does not run ---
ust_serve "$NS" --serve "http,root=$T_TMP/www" --api "pl$$"
in_ns "$NS" "$UST" run --dev "$DEV" -- touch "$T_TMP/ran" >"$T_TMP/busy.out" 2>"$T_TMP/busy.err"
rc=$?
[ "$rc" -ne 0 ] || fail "run on a busy device exited 0"
[ -e "$T_TMP/ran" ] && fail "the program ran although its stack could not start"
[ "$(wc -l <"$T_TMP/busy.err")" -eq 1 ] || fail "busy device: want one line, got: $(cat "$T_TMP/busy.err")"
echo "busy device: exit $rc, the program did not run: $(cat "$T_TMP/busy.err")"

# --- attached to serve --api: from ustack's own http, over the stack's loopback and its
# own address ---
in_ns "$NS" "$UST" run --attach "pl$$" -- curl -sS --max-time 60 -o "$T_TMP/a.bin" \
	"http://127.0.0.1/big.bin" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "attached curl failed (exit $?)"; }
[ "$(sha "$T_TMP/a.bin")" = "$want_big" ] || fail "attached curl: not the 50 MB file"
in_ns "$NS" "$UST" run --attach "pl$$" -- wget -q -T 30 -t 1 -O "$T_TMP/a.bin" \
	"http://$US_ADDR/big.bin" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "attached wget failed (exit $?)"; }
[ "$(sha "$T_TMP/a.bin")" = "$want_big" ] || fail "attached wget: not the 50 MB file"
rm -f "$T_TMP/a.bin"
"$UST" run --attach "none$$" -- true 2>"$T_TMP/e.err" && fail "--attach to no stack exited 0"
[ "$(wc -l <"$T_TMP/e.err")" -eq 1 ] || fail "--attach to no stack: want one line"
echo "curl, wget attached to serve --api: 50 MB byte-exact from ustack's http"
ust_stop
expect_counter tcp.snd_data_bytes -ge $((2 * 8 * 1024 * 1024))

# --- a server on ustack: python3 -m http.server, fetched by the kernel's curl ---
bg_ns "$NS" "$T_TMP/pyweb.err" "$UST" run --name "plrun$$" --dev "$DEV" -- \
	"$PY" -m http.server -d "$T_TMP/www" 8000
PYWEB=$BG_PID
UST_ERR=$T_TMP/pyweb.err
wait_for 10 in_ns "$NS" curl -s -o /dev/null "http://$US_ADDR:8000/" || fail "http.server on ustack does not answer"
in_ns "$NS" curl -sS --max-time 40 -o "$T_TMP/k.bin" "http://$US_ADDR:8000/f.bin" ||
	fail "the kernel's curl from http.server on ustack failed"
sha_is "$T_TMP/k.bin" "kernel curl from http.server on ustack"
# ustack ctl looks inside the run: its listener, and the host's counters
"$UST" ctl "plrun$$" ss -t -l >"$T_TMP/ss.out" 2>&1 || fail "ustack ctl plrun$$ ss: $(cat "$T_TMP/ss.out")"
grep -q ':8000 ' "$T_TMP/ss.out" || fail "ctl ss does not show the listener: $(cat "$T_TMP/ss.out")"
"$UST" ctl "plrun$$" stats >"$T_TMP/st.out" 2>&1 || fail "ustack ctl plrun$$ stats failed"
grep -qE '^preload.accepted [1-9]' "$T_TMP/st.out" || fail "ctl stats: no preload.accepted"
stop_pid "$PYWEB"
echo "python3 -m http.server under ustack run --name: 8 MB byte-exact to the kernel's curl, seen by ustack ctl"

# --- a forking server: each kernel client served by a child of its own ---
bg_ns "$NS" "$T_TMP/fork.out" "$UST" run --dev "$DEV" -- "$PY" "$TESTDIR/preload_fork_srv.py" 7000
FORK=$BG_PID
UST_ERR=$T_TMP/fork.out
wait_for 10 grep -q listening "$T_TMP/fork.out" || fail "the forking server did not start"
wait_for 10 host_configured "$NS" || fail "no TAP"
ncs=()
for i in 1 2 3 4 5; do
	echo "hello$i" | in_ns "$NS" nc -q 2 "$US_ADDR" 7000 >"$T_TMP/fc$i" &
	ncs+=($!)
done
for p in "${ncs[@]}"; do
	wait "$p"
done
pids=""
for i in 1 2 3 4 5; do
	grep -q "says hello$i" "$T_TMP/fc$i" || fail "client $i got '$(cat "$T_TMP/fc$i")'"
	pids="$pids $(awk '{ print $2 }' "$T_TMP/fc$i")"
done
n=$(printf '%s\n' $pids | sort -u | wc -l)
[ "$n" -eq 5 ] || fail "5 clients were served by $n processes ($pids), want 5"
stop_pid "$FORK"
echo "ForkingTCPServer on ustack: 5 kernel clients, 5 children"

# --- nc both ways, byte-exact ---
rand_file "$T_TMP/nc.in" 300000
bg_ns "$NS" "$T_TMP/nc1.out" nc -l 6000
NC=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -tln | grep -q ':6000 '" || fail "kernel nc -l did not listen"
in_ns "$NS" "$UST" run --dev "$DEV" -- nc -N "$K_ADDR" 6000 <"$T_TMP/nc.in" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "nc on ustack -> kernel nc -l failed"; }
pid_wait_exit "$NC" 10 || fail "kernel nc -l did not end"
cmp -s "$T_TMP/nc.in" "$T_TMP/nc1.out" || fail "nc to the kernel: $(stat -c %s "$T_TMP/nc1.out") bytes differ"
# (nc -l says on stderr that it could not set SO_REUSEPORT, which ustack has not)
bg_ns "$NS" "$T_TMP/nc2.err" "$UST" run --dev "$DEV" -- sh -c "exec nc -l 6001 >'$T_TMP/nc2.out'"
NC=$BG_PID
UST_ERR=$T_TMP/nc2.err
ok=0
for i in $(seq 1 50); do
	if host_configured "$NS" && in_ns "$NS" nc -N "$US_ADDR" 6001 <"$T_TMP/nc.in" 2>/dev/null; then
		ok=1
		break
	fi
	sleep 0.2
done
[ "$ok" -eq 1 ] || fail "kernel nc -> nc -l on ustack failed"
pid_wait_exit "$NC" 10 || fail "nc -l under ustack run did not end after its client"
wait "$NC"
cmp -s "$T_TMP/nc2.out" "$T_TMP/nc.in" || fail "nc -l on ustack: $(stat -c %s "$T_TMP/nc2.out") bytes differ"
echo "nc both roles: 300000 bytes byte-exact"
pass
