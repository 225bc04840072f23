#!/bin/bash
# SPDX-License-Identifier: MIT
# AAAA records, negative caching, the search list and a lease's domain, against dnsmasq
# authoritative for the zone test (so its negative answers carry the zone's SOA, TTL and
# MINIMUM 30 s), on an address of the namespace's lo (10.0.1.53) reached through the TAP:
#  - examples/resolve (us_getaddrinfo) gets web.test's A and AAAA, asked in parallel for
#    AF_UNSPEC, and its A alone for -4 (dnsmasq logs no second AAAA query);
#  - two lookups of a missing name (NXDOMAIN) and of a name without A (NODATA) in one
#    process are one query on the wire each: the second comes from the negative cache;
#  - get and nc on a name with only AAAA use its IPv6 address (the TAP carrying fd00::2 for
#    ustack and the name's fd00::6 for the kernel, host6=): the page comes over IPv6 (from
#    a name with two, fd00::99 that nobody holds and fd00::6, too: each tried in turn), and
#    ping sends it ICMPv6 echo (an IPv6 literal without a route to it: no route);
#    get on a missing name asks A alone: its AAAA check is answered by the NXDOMAIN just
#    cached (dns.neg_cache_hits);
#  - `ustack get http://vm:PORT/` with resolv.conf's "search nope.test lab.test" asks
#    vm.nope.test, then vm.lab.test, and fetches the page;
#  - with addr=dhcp and a resolv.conf without search line, a second dnsmasq's lease names
#    the domain lab.test (option 15), and `get http://vm:PORT/` finds vm.lab.test.
. "$(dirname "$0")/lib.sh"
t_begin dns_aaaa "$1"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || skip "dnsmasq is not installed (dnsmasq-base)"
EX=$(dirname "$UST")/examples
[ -x "$EX/resolve" ] || fail "$EX/resolve not built (make examples)"
ns_new NS
DNS_ADDR=10.0.1.53
PORT=8080
ip -n "$NS" addr add "$DNS_ADDR/24" dev lo || fail "cannot add $DNS_ADDR to lo"

cat >"$T_TMP/dnsmasq.hosts" <<EOT
$K_ADDR web.test
fd00::80 web.test
fd00::6 v6only.test
fd00::99 v6two.test
fd00::6 v6two.test
$K_ADDR vm.lab.test
EOT
bg_ns "$NS" "$T_TMP/dnsmasq.out" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --addn-hosts="$T_TMP/dnsmasq.hosts" \
	--auth-zone=test --auth-server=ns.test,lo --auth-ttl=30 \
	--port=53 --interface=lo --bind-interfaces --pid-file="$T_TMP/dnsmasq.pid" \
	--log-queries --log-facility="$T_TMP/dnsmasq.log" --user=root --group=root
DNSMASQ_PID=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -Hlun 'sport = :53' | grep -q $DNS_ADDR" ||
	fail "dnsmasq is not listening: $(cat "$T_TMP/dnsmasq.out")"

mkdir "$T_TMP/www"
echo "page by name" >"$T_TMP/www/index.html"
# on :: (the kernel's IPv6 sockets take IPv4 too): IPv4 and IPv6 clients
bg_ns "$NS" "$T_TMP/httpd.log" "$PY" -m http.server --bind :: --directory "$T_TMP/www" $PORT
wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :$PORT' | grep -q $PORT" ||
	fail "the web server is not listening: $(tail -n 3 "$T_TMP/httpd.log")"

printf 'nameserver %s\n' "$DNS_ADDR" >"$T_TMP/resolv.conf"
printf 'nameserver %s\nsearch nope.test lab.test\n' "$DNS_ADDR" >"$T_TMP/resolv.search"
: >"$T_TMP/hosts"
export USTACK_HOSTS=$T_TMP/hosts

# asked TYPE NAME: how many queries of TYPE for NAME dnsmasq logged
asked()
{
	grep -c "auth\[$1\] $2 from" "$T_TMP/dnsmasq.log"
}

# resolve ARGS...: examples/resolve on the TAP, its output in $T_TMP/res
resolve()
{
	USTACK_RESOLV_CONF=$T_TMP/resolv.conf timeout -k 2 30 ip netns exec "$NS" \
		"$EX/resolve" "$(dev_spec)" "$K_ADDR" "$@" >"$T_TMP/res" 2>&1 </dev/null
	RC=$?
}

resolve web.test:http
[ "$RC" -eq 0 ] || fail "resolve web.test: exit $RC: $(cat "$T_TMP/res")"
[ "$(cat "$T_TMP/res")" = "web.test $K_ADDR 80 tcp
web.test fd00::80 80 tcp" ] || fail "resolve web.test printed: $(cat "$T_TMP/res")"
[ "$(asked A web.test)" -eq 1 ] && [ "$(asked AAAA web.test)" -eq 1 ] ||
	fail "dnsmasq saw $(asked A web.test) A and $(asked AAAA web.test) AAAA queries for web.test"
echo "AF_UNSPEC web.test: $(tr '\n' ';' <"$T_TMP/res") (one A, one AAAA query)"

resolve -4 -s udp web.test:53
[ "$(cat "$T_TMP/res")" = "web.test $K_ADDR 53 udp" ] || fail "resolve -4 printed: $(cat "$T_TMP/res")"
[ "$(asked AAAA web.test)" -eq 1 ] || fail "AF_INET asked AAAA too"
echo "AF_INET web.test: A alone"

resolve nosuch.test nosuch.test
[ "$RC" -eq 1 ] || fail "resolve of a missing name: exit $RC"
[ "$(grep -c '^nosuch.test: no such name$' "$T_TMP/res")" -eq 2 ] ||
	fail "resolve nosuch.test twice printed: $(cat "$T_TMP/res")"
[ "$(asked A nosuch.test)" -eq 1 ] && [ "$(asked AAAA nosuch.test)" -eq 1 ] ||
	fail "two lookups of nosuch.test: $(asked A nosuch.test) A, $(asked AAAA nosuch.test) AAAA queries"
echo "nosuch.test looked up twice: one A and one AAAA query on the wire (NXDOMAIN cached)"

resolve -4 v6only.test v6only.test
[ "$(grep -c '^v6only.test: no address of the family asked$' "$T_TMP/res")" -eq 2 ] ||
	fail "resolve -4 v6only.test twice printed: $(cat "$T_TMP/res")"
[ "$(asked A v6only.test)" -eq 1 ] || fail "two AF_INET lookups of v6only.test: $(asked A v6only.test) A queries"
resolve -6 v6only.test
[ "$(cat "$T_TMP/res")" = "v6only.test fd00::6 0 tcp" ] || fail "resolve -6 printed: $(cat "$T_TMP/res")"
echo "v6only.test without A: NODATA cached (one A query for two lookups); -6: fd00::6"

# uget ARGS...: ustack get in the namespace; stderr in $T_TMP/err, exit status in RC
uget()
{
	USTACK_RESOLV_CONF=${CONF:-$T_TMP/resolv.conf} timeout -k 2 40 ip netns exec "$NS" \
		"$UST" get "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	UST_ERR=$T_TMP/err # for counter
}

# one_line WHAT TEXT: stderr is exactly one line, holding TEXT
one_line()
{
	[ "$(wc -l <"$T_TMP/err")" -eq 1 ] && grep -qF "$2" "$T_TMP/err" ||
		fail "$1 printed: $(cat "$T_TMP/err")"
}

# the TAP with IPv6 too: ustack fd00::2, the kernel fd00::6 (v6only.test's address)
DEV6="$(dev_spec),addr6=fd00::2/64,host6=fd00::6/64"
uget --dev "$DEV6" --gw "$K_ADDR" "http://v6only.test:$PORT/"
[ "$RC" -eq 0 ] || fail "get http://v6only.test: exit $RC: $(cat "$T_TMP/err")"
[ "$(cat "$T_TMP/out")" = "page by name" ] || fail "get http://v6only.test fetched: $(cat "$T_TMP/out")"
grep -q '"GET / HTTP/1.1" 200' "$T_TMP/httpd.log" && grep -q "^fd00::2 " "$T_TMP/httpd.log" ||
	fail "the web server did not see the request from fd00::2: $(tail -n 2 "$T_TMP/httpd.log")"
echo "get http://v6only.test: the page, over IPv6 from fd00::2"
# two IPv6 addresses, one nobody holds: each is tried in turn, the page still comes
t0=$(date +%s.%N)
uget --dev "$DEV6" --gw "$K_ADDR" "http://v6two.test:$PORT/"
t1=$(date +%s.%N)
[ "$RC" -eq 0 ] || fail "get http://v6two.test: exit $RC: $(cat "$T_TMP/err")"
[ "$(cat "$T_TMP/out")" = "page by name" ] || fail "get http://v6two.test fetched: $(cat "$T_TMP/out")"
echo "get http://v6two.test (fd00::99 and fd00::6): the page in $(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}') s"
T_CMD_TIMEOUT=20 in_ns "$NS" env USTACK_RESOLV_CONF="$T_TMP/resolv.conf" "$UST" nc \
	--dev "$DEV6" --gw "$K_ADDR" -z v6only.test "$PORT" >/dev/null 2>"$T_TMP/err" </dev/null ||
	fail "nc -z v6only.test $PORT: $(cat "$T_TMP/err")"
echo "nc -z v6only.test: open"

T_CMD_TIMEOUT=20 in_ns "$NS" env USTACK_RESOLV_CONF="$T_TMP/resolv.conf" "$UST" ping \
	--dev "$DEV6" --gw "$K_ADDR" -c 1 v6only.test >"$T_TMP/out" 2>"$T_TMP/err" </dev/null ||
	fail "ping v6only.test: $(cat "$T_TMP/err" "$T_TMP/out")"
grep -q "bytes from fd00::6: icmp_seq=1" "$T_TMP/out" || fail "ping v6only.test printed: $(cat "$T_TMP/out")"
echo "ping v6only.test: ICMPv6 echo to fd00::6"
# an IPv6 literal through a device without IPv6 addresses of that prefix: no route
T_CMD_TIMEOUT=20 in_ns "$NS" "$UST" ping --dev "$(dev_spec)" -c 1 fd00::6 \
	>/dev/null 2>"$T_TMP/err" </dev/null && fail "ping fd00::6 without addr6= succeeded"
grep -q "no route" "$T_TMP/err" || fail "ping fd00::6 without addr6= said: $(cat "$T_TMP/err")"
echo "ping fd00::6 without addr6=: '$(cat "$T_TMP/err")'"

uget --stats --dev "$(dev_spec)" --gw "$K_ADDR" "http://gone.test:$PORT/"
[ "$RC" -eq 6 ] || fail "get http://gone.test: exit $RC"
grep -q "could not resolve host 'gone.test': no such name" "$T_TMP/err" ||
	fail "get http://gone.test said: $(grep ustack: "$T_TMP/err")"
[ "$(asked A gone.test)" -eq 1 ] && [ "$(asked AAAA gone.test)" -eq 0 ] ||
	fail "get of gone.test: $(asked A gone.test) A, $(asked AAAA gone.test) AAAA queries"
expect_counter dns.neg_cache_hits -eq 1
echo "get http://gone.test: exit 6, one A query; the AAAA check answered by the cached NXDOMAIN"

CONF=$T_TMP/resolv.search uget --stats --dev "$(dev_spec)" --gw "$K_ADDR" "http://vm:$PORT/index.html"
[ "$RC" -eq 0 ] || fail "get http://vm/ with a search list: exit $RC: $(grep ustack: "$T_TMP/err")"
grep -qx "page by name" "$T_TMP/out" || fail "get http://vm/ got: $(head -c 200 "$T_TMP/out")"
[ "$(asked A vm.nope.test)" -eq 1 ] && [ "$(asked A vm.lab.test)" -eq 1 ] ||
	fail "the search list asked vm.nope.test $(asked A vm.nope.test), vm.lab.test $(asked A vm.lab.test) times"
awk '/auth\[A\] vm\./ { print $(NF - 2) }' "$T_TMP/dnsmasq.log" | tr '\n' ' ' | grep -q '^vm.nope.test vm.lab.test $' ||
	fail "the search list's order: $(grep 'auth\[A\] vm\.' "$T_TMP/dnsmasq.log")"
expect_counter dns.search_tries -eq 1
echo "get http://vm/: vm.nope.test (NXDOMAIN), then vm.lab.test: page fetched"

# --- a DHCP lease's domain as the search domain
stop_pid "$DNSMASQ_PID"
: >"$T_TMP/resolv.empty"
: >"$T_TMP/leases"
bg_ns "$NS" "$T_TMP/dnsmasq2.out" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
	--port=53 --no-resolv --no-hosts --address=/vm.lab.test/$K_ADDR \
	--interface="$TAPIF" --bind-dynamic --dhcp-authoritative --domain=lab.test \
	--dhcp-range=10.0.0.50,10.0.0.60,255.255.255.0,2m \
	--dhcp-option=option:router,$K_ADDR --dhcp-option=option:dns-server,$K_ADDR \
	--dhcp-leasefile="$T_TMP/leases" --pid-file="$T_TMP/dnsmasq2.pid" --log-queries \
	--log-facility="$T_TMP/dnsmasq2.log"
sleep 0.5
CONF=$T_TMP/resolv.empty uget --stats --dev "tap:$TAPIF,addr=dhcp,host=$K_ADDR/$US_PREFIX" \
	"http://vm:$PORT/index.html"
[ "$RC" -eq 0 ] || fail "get http://vm/ on a lease: exit $RC: $(grep ustack: "$T_TMP/err")"
grep -qx "page by name" "$T_TMP/out" || fail "get http://vm/ on a lease got: $(head -c 200 "$T_TMP/out")"
grep -q "query\[A\] vm.lab.test from" "$T_TMP/dnsmasq2.log" ||
	fail "dnsmasq saw no query for vm.lab.test: $(grep query "$T_TMP/dnsmasq2.log")"
echo "addr=dhcp: the lease's domain lab.test searched, vm.lab.test fetched"
pass
