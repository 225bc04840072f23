#!/bin/bash
# SPDX-License-Identifier: MIT
# Unmodified Debian programs on ustack through `ustack run` (docs/preload.md), beyond
# t_preload_tcp: socat in both roles over TCP and UDP, byte-exact; `curl -T` uploading
# 20 MB to a kernel server; curl and wget downloading 50 MB, byte-exact; nginx with its
# master and 2 worker processes, sendfile and tcp_nopush on, serving static files byte-exact to the
# kernel's curl and `ab -n 10000 -c 50` with no failed request, both workers serving;
# redis-server with `redis-benchmark -q -n 20000` from the kernel (no errors); iperf3 both
# ways, the server on ustack (listening on :: for both families) and then the client on
# ustack, each direction with -R too.
# The figures (requests/s, ops/s, Gbit/s) are printed, not checked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin preload_servers "$1"
need_cmd curl wget socat nginx ab redis-server redis-benchmark iperf3
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

# --- nginx: master + 2 workers (they drop to nobody: the files must be readable),
# sendfile on, tcp_nopush on (TCP_CORK, as Debian's nginx.conf has it), everything it
# writes in the temp dir ---
chmod 755 "$T_TMP" "$T_TMP/www"
mkdir "$T_TMP/ng"
rand_file "$T_TMP/www/mid.bin" $((5 * 1024 * 1024))
echo "hello from nginx on ustack" >"$T_TMP/www/index.html"
cat >"$T_TMP/ng/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $T_TMP/ng/nginx.pid;
error_log $T_TMP/ng/error.log notice;
events { worker_connections 512; }
http {
	types { text/html html; application/octet-stream bin; }
	log_format pids '\$pid \$status \$body_bytes_sent';
	access_log $T_TMP/ng/access.log pids;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 10;
	client_body_temp_path $T_TMP/ng/body;
	proxy_temp_path $T_TMP/ng/proxy;
	fastcgi_temp_path $T_TMP/ng/fastcgi;
	uwsgi_temp_path $T_TMP/ng/uwsgi;
	scgi_temp_path $T_TMP/ng/scgi;
	server {
		listen 8000;
		root $T_TMP/www;
	}
}
NGINX
bg_ns "$NS" "$T_TMP/ng.err" "$UST" run --dev "$DEV" -- nginx -e "$T_TMP/ng/error.log" -c "$T_TMP/ng/nginx.conf"
NG=$BG_PID
UST_ERR=$T_TMP/ng.err
wait_for 15 in_ns "$NS" curl -s -o /dev/null "http://$US_ADDR:8000/" ||
	fail "nginx on ustack does not answer: $(tail -n 3 "$T_TMP/ng/error.log" 2>/dev/null)"
n=$(pgrep -f -P "$(pgrep -f "nginx: master process nginx -e $T_TMP" | head -n 1)" 'nginx: worker' | wc -l)
[ "$n" -eq 2 ] || fail "nginx has $n worker processes, want 2"
for f in big.bin mid.bin index.html; do
	in_ns "$NS" curl -sS --max-time 40 -o "$T_TMP/ng.out" "http://$US_ADDR:8000/$f" ||
		fail "the kernel's curl from nginx on ustack: $f failed"
	same "$T_TMP/www/$f" "$T_TMP/ng.out" "nginx $f"
done
in_ns "$NS" ab -q -n 10000 -c 50 "http://$US_ADDR:8000/index.html" >"$T_TMP/ab.out" 2>&1 ||
	fail "ab against nginx on ustack failed: $(tail -n 3 "$T_TMP/ab.out")"
grep -q '^Complete requests: *10000$' "$T_TMP/ab.out" || fail "ab: $(grep -E 'Complete' "$T_TMP/ab.out")"
grep -q '^Failed requests: *0$' "$T_TMP/ab.out" || fail "ab: $(grep -E 'Failed' "$T_TMP/ab.out")"
grep -q '^Non-2xx' "$T_TMP/ab.out" && fail "ab: $(grep -E 'Non-2xx' "$T_TMP/ab.out")"
rps=$(awk '/^Requests per second/ { print $4 }' "$T_TMP/ab.out")
workers=$(awk '{ print $1 }' "$T_TMP/ng/access.log" | sort -u | wc -l)
[ "$workers" -eq 2 ] || fail "$workers nginx workers served requests, want 2"
grep -E '\[(alert|crit|emerg|error)\]' "$T_TMP/ng/error.log" && fail "nginx logged errors"
# tcp_nopush's TCP_CORK is accepted without effect, said once per worker (nginx sends its
# workers' stderr to its error log): the only lines of the preload
cat "$T_TMP/ng.err" "$T_TMP/ng/error.log" | grep ustack-preload >"$T_TMP/ng.pl"
grep -q 'TCP_CORK' "$T_TMP/ng.pl" || fail "no line about TCP_CORK from the preload"
grep -v 'TCP_CORK' "$T_TMP/ng.pl" && fail "the preload complained"
stop_pid "$NG"
echo "nginx (master + 2 workers, sendfile, tcp_nopush): 50 MB, 5 MB, index byte-exact; ab -n 10000 -c 50: 0 failed, $rps requests/s"

# --- redis-server, no persistence, benchmarked from the kernel ---
bg_ns "$NS" "$T_TMP/redis.out" "$UST" run --dev "$DEV" -- redis-server --port 6379 \
	--bind 0.0.0.0 --protected-mode no --save '' --appendonly no --daemonize no \
	--dir "$T_TMP" --logfile ''
RD=$BG_PID
UST_ERR=$T_TMP/redis.out
wait_for 15 grep -q 'Ready to accept connections' "$T_TMP/redis.out" || fail "redis-server on ustack did not start"
# (the LRANGE tests are left out: they take two thirds of the time and add nothing new)
T_CMD_TIMEOUT=80 in_ns "$NS" redis-benchmark -h "$US_ADDR" -q -n 20000 \
	-t ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,mset \
	>"$T_TMP/rb.out" 2>&1 || fail "redis-benchmark failed: $(tail -n 3 "$T_TMP/rb.out")"
tr '\r' '\n' <"$T_TMP/rb.out" | grep -E '[^:]: [0-9.]+ requests per second' >"$T_TMP/rb.sum"
grep -qi 'error' "$T_TMP/rb.out" && fail "redis-benchmark: $(tr '\r' '\n' <"$T_TMP/rb.out" | grep -i error | head -n 3)"
[ "$(wc -l <"$T_TMP/rb.sum")" -eq 15 ] || fail "redis-benchmark finished $(wc -l <"$T_TMP/rb.sum") of 15 tests"
set_rps=$(awk '/^SET:/ { print $2 }' "$T_TMP/rb.sum")
get_rps=$(awk '/^GET:/ { print $2 }' "$T_TMP/rb.sum")
grep -q 'ustack-preload' "$T_TMP/redis.out" && fail "the preload complained: $(grep ustack-preload "$T_TMP/redis.out")"
stop_pid "$RD"
echo "redis-server on ustack: redis-benchmark -n 20000, 15 tests, no errors; SET $set_rps/s, GET $get_rps/s"

# --- iperf3: the server on ustack (its listener an AF_INET6 socket on ::, which takes the
# kernel's IPv4 client), the kernel's client both directions; then the reverse ---
# iperf_once OUT CMD...: one 3 s iperf3 client run; prints its receiver's Gbit/s
iperf_once()
{
	local out=$1
	shift
	T_CMD_TIMEOUT=20 "$@" >"$out" 2>&1 || fail "iperf3 $*: $(tail -n 2 "$out")"
	grep -q 'iperf Done' "$out" || fail "iperf3 did not complete: $(tail -n 2 "$out")"
	awk '/receiver$/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Gbits/sec" || $(i + 1) == "Mbits/sec") print $i, $(i + 1) }' "$out"
}
bg_ns "$NS" "$T_TMP/ips.err" "$UST" run --dev "$DEV" -- iperf3 -s -p 5201
IPS=$BG_PID
UST_ERR=$T_TMP/ips.err
wait_for 10 host_configured "$NS" || fail "no TAP for iperf3 on ustack"
wait_for 10 in_ns "$NS" nc -z -w 2 "$US_ADDR" 5201 || fail "iperf3 -s on ustack does not listen"
up=$(iperf_once "$T_TMP/ip1.out" in_ns "$NS" iperf3 -c "$US_ADDR" -p 5201 -t 3)
down=$(iperf_once "$T_TMP/ip2.out" in_ns "$NS" iperf3 -c "$US_ADDR" -p 5201 -t 3 -R)
stop_pid "$IPS"
bg_ns "$NS" "$T_TMP/ipk.err" iperf3 -s -p 5202
IPK=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -tln | grep -q ':5202 '" || fail "the kernel's iperf3 -s did not listen"
cup=$(iperf_once "$T_TMP/ip3.out" in_ns "$NS" "$UST" run --dev "$DEV" -- iperf3 -c "$K_ADDR" -p 5202 -t 3)
cdown=$(iperf_once "$T_TMP/ip4.out" in_ns "$NS" "$UST" run --dev "$DEV" -- iperf3 -c "$K_ADDR" -p 5202 -t 3 -R)
stop_pid "$IPK"
echo "iperf3, server on ustack: kernel -> ustack $up, ustack -> kernel $down"
echo "iperf3, client on ustack: ustack -> kernel $cup, kernel -> ustack $cdown"
pass
