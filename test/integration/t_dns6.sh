#!/bin/bash
# SPDX-License-Identifier: MIT
# The stub resolver asking an IPv6 name server: dnsmasq listens on 2001:db8:53::53 (the
# kernel's, on lo; --listen-address, as dnsmasq drops IPv6 queries that arrive on another
# interface than an --interface it was given) and ustack (2001:db8::2 on its TAP, a route to 2001:db8:53::/64 via the
# kernel's 2001:db8::1) names it with --dns. `ustack get` of web.test fetches the page from
# a kernel web server (the query and answer over IPv6, dnsmasq's log says from whom);
# big.test's 40 A records do not fit a UDP answer: it comes truncated and is asked again
# over TCP to the same IPv6 server; `--dns fe80::1` without its zone is refused with one
# line.
. "$(dirname "$0")/lib.sh"
t_begin dns6 "$1"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || skip "dnsmasq is not installed (dnsmasq-base)"
ns_new NS
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
DNS6=2001:db8:53::53
PORT=8080
ip -n "$NS" addr add "$DNS6/128" dev lo nodad || fail "cannot add $DNS6 to lo"
# big.test's addresses are the kernel's too, on lo
ip -n "$NS" addr add 10.0.1.1/24 dev lo || fail "cannot add 10.0.1.1/24 to lo"

printf '%s web.test\n' "$K_ADDR" >"$T_TMP/dnsmasq.hosts"
# 40 A records: 40 * 16 bytes do not fit a 512-byte UDP answer, so dnsmasq sets TC
for i in $(seq 100 139); do echo "10.0.1.$i big.test"; done >>"$T_TMP/dnsmasq.hosts"
: >"$T_TMP/hosts"
bg_ns "$NS" "$T_TMP/dnsmasq.out" "$DNSMASQ" --keep-in-foreground --no-resolv --no-hosts \
	--addn-hosts="$T_TMP/dnsmasq.hosts" --local=/test/ \
	--port=53 --listen-address="$DNS6" --bind-interfaces --pid-file="$T_TMP/dnsmasq.pid" \
	--log-queries --log-facility="$T_TMP/dnsmasq.log" --user=root --group=root
wait_for 10 in_ns "$NS" sh -c "ss -Hlun 'sport = :53' | grep -q '$DNS6'" ||
	fail "dnsmasq is not listening on $DNS6: $(cat "$T_TMP/dnsmasq.out")"

mkdir "$T_TMP/www"
rand_page=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "page $rand_page" >"$T_TMP/www/index.html"
bg_ns "$NS" "$T_TMP/httpd.log" "$PY" -m http.server --bind 0.0.0.0 --directory "$T_TMP/www" $PORT
wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :$PORT' | grep -q $PORT" ||
	fail "the web server is not listening: $(tail -n 3 "$T_TMP/httpd.log")"

# uget ARGS...: ustack get in the namespace, IPv4 and IPv6 on its TAP, no hosts file or
# resolv.conf; stdout in $T_TMP/out, stderr in $T_TMP/err, exit status in RC.
uget()
{
	: >"$T_TMP/resolv.conf"
	USTACK_HOSTS=$T_TMP/hosts USTACK_RESOLV_CONF=$T_TMP/resolv.conf \
		timeout -k 2 40 ip netns exec "$NS" "$UST" get \
		--dev "$(dev_spec),addr6=2001:db8::2/64,host6=2001:db8::1/64" --gw "$K_ADDR" \
		--route 2001:db8:53::/64,via=2001:db8::1 "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	UST_ERR=$T_TMP/err # for counter
}

expect_ok() # expect_ok WHAT: exit 0 and the page
{
	if [ "$RC" -ne 0 ]; then
		echo "dnsmasq's log:"; tail -n 4 "$T_TMP/dnsmasq.log"
		fail "$1: exit $RC; stderr: $(head -c 600 "$T_TMP/err")"
	fi
	grep -qx "page $rand_page" "$T_TMP/out" || fail "$1: not the page: $(head -c 200 "$T_TMP/out")"
}

uget --stats --dns "$DNS6" "http://web.test:$PORT/index.html"
expect_ok "get http://web.test with --dns $DNS6"
expect_counter dns.queries -eq 1
expect_counter dns.answers -eq 1
grep -E "query\[A\] web.test from 2001:db8::2" "$T_TMP/dnsmasq.log" | head -n 1
grep -q "query\[A\] web.test from 2001:db8::2$" "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq saw no query for web.test from 2001:db8::2: $(tail -n 3 "$T_TMP/dnsmasq.log")"

uget --stats --dns "$DNS6" "http://big.test:$PORT/index.html"
expect_ok "get http://big.test (40 addresses: a truncated answer) with --dns $DNS6"
expect_counter dns.rx_truncated_answers -eq 1
expect_counter dns.tcp_queries -eq 1
expect_counter dns.answers -eq 1
[ "$(grep -c "query\[A\] big.test from 2001:db8::2$" "$T_TMP/dnsmasq.log")" -eq 2 ] ||
	fail "dnsmasq did not see big.test asked twice (UDP, then TCP): $(grep big.test "$T_TMP/dnsmasq.log")"
echo "big.test: truncated over UDP, asked again over TCP of [$DNS6]:53, page fetched"

uget --dns fe80::1 "http://web.test:$PORT/index.html"
[ "$RC" -eq 2 ] || fail "--dns fe80::1: exit $RC, not 2 (usage)"
[ "$(wc -l <"$T_TMP/err")" -eq 1 ] && grep -q "^ustack: --dns 'fe80::1': " "$T_TMP/err" ||
	fail "--dns fe80::1: not one line: $(cat "$T_TMP/err")"
pass
