#!/bin/bash
# SPDX-License-Identifier: MIT
# The stub resolver against dnsmasq in the namespace: `ustack get http://web.test:8080/`
# resolves through dnsmasq (--dns) and fetches the page from a kernel web server; a CNAME
# chain (alias2.test -> alias.test -> web.test) resolves; a name dnsmasq does not know is
# exit 6 and one line on stderr; a name in the hosts file ($USTACK_HOSTS) is taken from
# there without a query (dns.* counters); and a first --dns server that never answers is
# fallen over from to the second, which does; a name with 40 addresses comes truncated
# over UDP and is asked again over TCP; ping takes a name too; answers with a wrong ID,
# from another port, to another question or with a compression loop are dropped and
# counted (dns_spoof.py) before the right one is taken. dnsmasq listens on an address of the
# namespace's lo (10.0.1.53), reached through the kernel side of the TAP as gateway: the
# TAP itself lives only as long as each ustack get.
. "$(dirname "$0")/lib.sh"
t_begin dns "$1"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || skip "dnsmasq is not installed (dnsmasq-base)"
ns_new NS
DNS_ADDR=10.0.1.53
SILENT=10.0.0.99 # on the TAP's subnet, and nobody answers ARP for it
PORT=8080
# the whole /24 is local on lo: big.test's addresses below are the kernel's too
ip -n "$NS" addr add "$DNS_ADDR/24" dev lo || fail "cannot add $DNS_ADDR to lo"

printf '%s web.test\n' "$K_ADDR" >"$T_TMP/dnsmasq.hosts"
# 40 A records: 40 * 16 bytes do not fit a 512-byte UDP answer, so dnsmasq sets TC
for i in $(seq 100 139); do echo "10.0.1.$i big.test"; done >>"$T_TMP/dnsmasq.hosts"
printf '%s local.test\n# web.test is not here\n' "$K_ADDR" >"$T_TMP/hosts"
bg_ns "$NS" "$T_TMP/dnsmasq.out" "$DNSMASQ" --keep-in-foreground --no-resolv --no-hosts \
	--addn-hosts="$T_TMP/dnsmasq.hosts" --local=/test/ \
	--cname=alias.test,web.test --cname=alias2.test,alias.test \
	--port=53 --interface=lo --bind-interfaces --pid-file="$T_TMP/dnsmasq.pid" \
	--log-queries --log-facility="$T_TMP/dnsmasq.log" --user=root --group=root
wait_for 10 in_ns "$NS" sh -c "ss -Hlun 'sport = :53' | grep -q $DNS_ADDR" ||
	fail "dnsmasq is not listening: $(cat "$T_TMP/dnsmasq.out")"

mkdir "$T_TMP/www"
rand_page=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "page $rand_page" >"$T_TMP/www/index.html"
bg_ns "$NS" "$T_TMP/httpd.log" "$PY" -m http.server --bind 0.0.0.0 --directory "$T_TMP/www" $PORT
wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :$PORT' | grep -q $PORT" ||
	fail "the web server is not listening: $(tail -n 3 "$T_TMP/httpd.log")"

# uget ARGS...: ustack get in the namespace with the test's hosts file; stdout in
# $T_TMP/out, stderr in $T_TMP/err, exit status in RC, seconds taken in SECS.
uget()
{
	local t0
	t0=$(date +%s%N)
	USTACK_HOSTS=$T_TMP/hosts timeout -k 2 40 ip netns exec "$NS" "$UST" get \
		--dev "$(dev_spec)" --gw "$K_ADDR" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	SECS=$((($(date +%s%N) - t0) / 1000000))
	UST_ERR=$T_TMP/err # for counter
}

expect_ok() # expect_ok WHAT: exit 0 and the page
{
	[ "$RC" -eq 0 ] || fail "$1: exit $RC; stderr: $(head -c 600 "$T_TMP/err")"
	grep -qx "page $rand_page" "$T_TMP/out" || fail "$1: not the page: $(head -c 200 "$T_TMP/out")"
}

queries() # how many A queries dnsmasq logged for NAME
{
	grep -c "query\[A\] $1 from" "$T_TMP/dnsmasq.log"
}

uget --stats --dns "$DNS_ADDR" "http://web.test:$PORT/index.html"
expect_ok "get http://web.test"
expect_counter dns.queries -eq 1
expect_counter dns.answers -eq 1
expect_counter dns.rx_bad_id -eq 0
[ "$(queries web.test)" -eq 1 ] || fail "dnsmasq logged $(queries web.test) queries for web.test"
echo "web.test: resolved by dnsmasq (1 query), page fetched in $SECS ms"

uget --stats --dns "$DNS_ADDR" "http://alias2.test:$PORT/index.html"
expect_ok "get http://alias2.test (a CNAME chain)"
expect_counter dns.answers -eq 1
grep -q "alias2.test is <CNAME>" "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq did not answer alias2.test with a CNAME: $(tail -n 5 "$T_TMP/dnsmasq.log")"
echo "alias2.test -> alias.test -> web.test: resolved, page fetched"

uget --dns "$DNS_ADDR" "http://nosuch.test:$PORT/"
[ "$RC" -eq 6 ] || fail "get of an unknown name: exit $RC, want 6; stderr: $(cat "$T_TMP/err")"
[ "$(wc -l <"$T_TMP/err")" -eq 1 ] || fail "get of an unknown name printed: $(cat "$T_TMP/err")"
grep -q "no such name" "$T_TMP/err" || fail "get of an unknown name said: $(cat "$T_TMP/err")"
echo "nosuch.test: exit 6, '$(cat "$T_TMP/err")'"

before=$(queries local.test)
uget --stats --dns "$DNS_ADDR" "http://local.test:$PORT/index.html"
expect_ok "get http://local.test (in the hosts file)"
expect_counter dns.hosts_hits -eq 1
expect_counter dns.queries -eq 0
[ "$(queries local.test)" -eq "$before" ] || fail "local.test was asked of dnsmasq"
echo "local.test: from the hosts file, no query"

uget --stats --dns "$DNS_ADDR" "http://big.test:$PORT/index.html"
expect_ok "get http://big.test (40 addresses: a truncated answer)"
expect_counter dns.rx_truncated_answers -eq 1
expect_counter dns.tcp_queries -eq 1
expect_counter dns.answers -eq 1
grep -q "query\[A\] big.test from .*" "$T_TMP/dnsmasq.log" || fail "dnsmasq saw no query for big.test"
echo "big.test: truncated over UDP, answered over TCP, page fetched in $SECS ms"

T_CMD_TIMEOUT=20 in_ns "$NS" "$UST" ping --dev "$(dev_spec)" --gw "$K_ADDR" \
	--dns "$DNS_ADDR" -c 1 -W 5 web.test >"$T_TMP/ping.out" 2>&1 ||
	fail "ping web.test failed: $(cat "$T_TMP/ping.out")"
grep -q "$K_ADDR" "$T_TMP/ping.out" || fail "ping web.test did not ping $K_ADDR: $(cat "$T_TMP/ping.out")"
echo "ping web.test: $(grep -m1 'bytes from' "$T_TMP/ping.out")"

# a server that sends a wrong ID, another source port, another question and a
# compression loop before the answer: each dropped and counted, the answer taken
SPOOF=10.0.1.54
bg_ns "$NS" "$T_TMP/spoof.log" "$PY" "$TESTDIR/dns_spoof.py" "$SPOOF" "$K_ADDR" 1
wait_for 10 in_ns "$NS" sh -c "ss -Hlun 'sport = :53' | grep -q $SPOOF" ||
	fail "dns_spoof.py is not listening: $(cat "$T_TMP/spoof.log")"
uget --stats --dns "$SPOOF" "http://spoofed.test:$PORT/index.html"
expect_ok "get through dns_spoof.py"
for c in rx_bad_id rx_bad_source rx_bad_question rx_ptr answers; do
	expect_counter dns.$c -eq 1
done
echo "wrong ID, source port, question, a compression loop: each dropped and counted"

uget --stats --dns "$SILENT" --dns "$DNS_ADDR" "http://web.test:$PORT/index.html"
expect_ok "get with a silent first server"
expect_counter dns.timeouts -eq 1
expect_counter dns.queries -eq 2
expect_counter dns.answers -eq 1
[ "$SECS" -lt 10000 ] || fail "falling over took $SECS ms"
echo "silent $SILENT then $DNS_ADDR: fell over after a timeout, page fetched in $SECS ms"
pass
