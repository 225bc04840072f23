#!/bin/bash
# SPDX-License-Identifier: MIT
# Unmodified Debian programs on ustack over IPv6 through `ustack run` (libustack-preload.so,
# docs/preload.md), ustack 2001:db8::2 and the kernel 2001:db8::1 on a TAP (addr6= and
# host6=):
#  - `curl -6` downloads 4 MB byte-exact from a kernel `python3 -m http.server --bind ::`,
#    at its global address and at its link-local one with the zone %ustap0 (the kernel's
#    index of the TAP translated to the stack's, and getpeername's back);
#  - names from the hosts file ustack reads ($USTACK_HOSTS): curl on one with only an
#    IPv6 address; Python's getaddrinfo per family, AI_V4MAPPED, AI_ADDRCONFIG judged on
#    the stack (with addr6= and with IPv4 alone); getent hosts (gethostbyname2); and
#    curl on a name dnsmasq gives only an AAAA record, through ustack's DNS stub;
#  - `python3 -m http.server --bind ::` under ustack run serving the kernel's `curl -6`
#    and its IPv4 curl from one dual-stack listener, each client logged in its family;
#  - nc -6 (OpenBSD) in both roles, byte-exact;
#  - UDP on an AF_INET6 socket: sendto/recvfrom with IPv6 and IPv4-mapped peers, connect,
#    getsockname, IPV6_V6ONLY refusing a mapped destination, IPV6_UNICAST_HOPS, and
#    IPV6_RECVPKTINFO and a raw AF_INET6 socket refused, each with its one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin preload_ipv6 "$1"
need_cmd curl nc
LIB=$(dirname "$UST")/libustack-preload.so
[ -f "$LIB" ] || fail "$LIB not built (make all)"
ns_new NS
in_ns "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
	skip "no IPv6 in the namespace"
US6=2001:db8::2
K6=2001:db8::1
DEV6="$(dev_spec),addr6=$US6/64,host6=$K6/64"
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $((4 * 1024 * 1024))
want=$(sha "$T_TMP/www/f.bin")
T_CMD_TIMEOUT=60
# the hosts file of the stack: a name with only an IPv6 address, one with both, one IPv4
printf '%s k6only.test\n%s dual.test\n%s dual.test\n%s v4only.test\n' "$K6" "$K_ADDR" "$K6" \
	"$K_ADDR" >"$T_TMP/hosts"
export USTACK_HOSTS=$T_TMP/hosts

# sha_is FILE WHAT: FILE has the file's sha256
sha_is()
{
	[ -f "$1" ] || fail "$2: no output file"
	[ "$(sha "$1")" = "$want" ] || fail "$2: $(stat -c %s "$1") bytes, not the file's"
	rm -f "$1"
}

# k_listening PORT: a kernel TCP socket in the namespace listens on PORT
k_listening()
{
	ip netns exec "$NS" ss -Htln | grep -q "]:$1 \|:$1 "
}

# k6_up: the kernel's side of the TAP has its IPv6 address
k6_up()
{
	ip -n "$NS" -o addr show dev "$TAPIF" 2>/dev/null | grep -q "inet6 $K6/"
}

# --- curl -6 on ustack from a kernel server on :: ---
bg_ns "$NS" "$T_TMP/kweb.log" "$PY" -m http.server --bind :: -d "$T_TMP/www" 8080
KWEB=$BG_PID
wait_for 10 k_listening 8080 || fail "the kernel's http.server did not listen"
in_ns "$NS" "$UST" run --dev "$DEV6" -- curl -6 -sS -g --max-time 40 -o "$T_TMP/c.bin" \
	"http://[$K6]:8080/f.bin" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "curl -6 under ustack run failed: $(head -c 300 "$T_TMP/run.err")"; }
sha_is "$T_TMP/c.bin" "curl -6 from the kernel"
grep -q "^$US6 " "$T_TMP/kweb.log" || fail "the kernel server saw no client at $US6: $(tail -n 2 "$T_TMP/kweb.log")"
echo "curl -6 under ustack run: 4 MB byte-exact from [$K6]:8080, the client $US6"

# --- the kernel's link-local address with its zone: curl turns %ustap0 into the kernel's
# index of the TAP, which the host turns into the stack's number of its device of that
# name. This is the second TAP of that name in the namespace, so the kernel's index is no
# longer the stack's (each run makes its TAP anew, and the kernel's indexes only grow) ---
in_ns "$NS" "$UST" run --dev "$DEV6" -- sh -c '
ll=$(ip -6 -o addr show dev '"$TAPIF"' scope link | awk "{ print \$4 }" | cut -d/ -f1)
exec curl -6 -sS -g --max-time 20 -o "'"$T_TMP"'/ll.bin" "http://[$ll%25'"$TAPIF"']:8080/f.bin"' \
	2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "curl -6 to the kernel's link-local address failed: $(head -c 300 "$T_TMP/run.err")"; }
sha_is "$T_TMP/ll.bin" "curl -6 to a link-local address"
# and back: the peer's scope id is the kernel's index again
in_ns "$NS" "$UST" run --dev "$DEV6" -- "$PY" -c '
import socket, subprocess
out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", "'"$TAPIF"'", "scope", "link"],
                     capture_output=True, text=True).stdout
ll = out.split()[3].split("/")[0]
s = socket.create_connection((ll + "%'"$TAPIF"'", 8080), timeout=5)
peer = s.getpeername()
assert peer[3] == socket.if_nametoindex("'"$TAPIF"'"), (peer, socket.if_nametoindex("'"$TAPIF"'"))
print("ll peer", peer)
' >"$T_TMP/ll.out" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "getpeername of a link-local connection: $(tail -n 2 "$T_TMP/run.err")"; }
echo "curl -6 to [fe80::...%$TAPIF]: 4 MB byte-exact; $(cat "$T_TMP/ll.out")"

# --- a name with only an IPv6 address, from the hosts file ustack reads ---
in_ns "$NS" "$UST" run --dev "$DEV6" -- curl -sS --max-time 40 -o "$T_TMP/n.bin" \
	"http://k6only.test:8080/f.bin" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "curl http://k6only.test:8080/ failed: $(head -c 300 "$T_TMP/run.err")"; }
sha_is "$T_TMP/n.bin" "curl from k6only.test"
# getaddrinfo through the preload: each family's answers, IPv4 first for AF_UNSPEC, and
# no IPv4 address for a name that has none
in_ns "$NS" "$UST" run --dev "$DEV6" -- "$PY" -c '
import socket
def addrs(name, fam):
    return [a[4][0] for a in socket.getaddrinfo(name, 80, fam, socket.SOCK_STREAM)]
assert addrs("k6only.test", socket.AF_INET6) == ["'"$K6"'"], addrs("k6only.test", socket.AF_INET6)
assert addrs("k6only.test", 0) == ["'"$K6"'"]
assert addrs("dual.test", 0) == ["'"$K_ADDR"'", "'"$K6"'"], addrs("dual.test", 0)
assert addrs("dual.test", socket.AF_INET) == ["'"$K_ADDR"'"]
try:
    socket.getaddrinfo("k6only.test", 80, socket.AF_INET)
    raise SystemExit("k6only.test: an IPv4 answer")
except socket.gaierror as e:
    print("AF_INET k6only.test:", e)
try:
    socket.getaddrinfo("nosuch.test", 80)
    raise SystemExit("nosuch.test: an answer")
except socket.gaierror as e:
    print("nosuch.test:", e)
# AF_INET6 with AI_V4MAPPED: an IPv4-only name answered as ::ffff:a.b.c.d
m = socket.getaddrinfo("v4only.test", 80, socket.AF_INET6, socket.SOCK_STREAM, 0,
                       socket.AI_V4MAPPED)
assert [a[4][0] for a in m] == ["::ffff:'"$K_ADDR"'"], m
' >"$T_TMP/gai.out" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "getaddrinfo under the preload: $(tail -n 3 "$T_TMP/run.err")"; }
# gethostbyname2: getent hosts asks AF_INET6 first, then AF_INET
out=$(in_ns "$NS" "$UST" run -- getent hosts k6only.test 2>"$T_TMP/run.err")
[ "$(echo $out)" = "$K6 k6only.test" ] || fail "getent hosts k6only.test: '$out' $(head -c 200 "$T_TMP/run.err")"
out=$(in_ns "$NS" "$UST" run -- getent hosts v4only.test 2>"$T_TMP/run.err")
[ "$(echo $out)" = "$K_ADDR v4only.test" ] || fail "getent hosts v4only.test: '$out'"
# AI_ADDRCONFIG judged on the stack: with addr6= both families stay; on a stack with IPv4
# alone (a link-local IPv6 address, no route to 2001:db8::/64) the IPv6 answers go
gai_cfg='
import socket, sys
def cfg(name):
    try:
        return [a[4][0] for a in socket.getaddrinfo(name, 80, 0, socket.SOCK_STREAM, 0,
                                                    socket.AI_ADDRCONFIG)]
    except socket.gaierror:
        return "none"
print(cfg("dual.test"), cfg("k6only.test"))
'
in_ns "$NS" "$UST" run --dev "$DEV6" -- "$PY" -c "$gai_cfg" >"$T_TMP/cfg6.out" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "AI_ADDRCONFIG with addr6=: $(tail -n 3 "$T_TMP/run.err")"; }
in_ns "$NS" "$UST" run --dev "$(dev_spec)" -- "$PY" -c "$gai_cfg" >"$T_TMP/cfg4.out" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "AI_ADDRCONFIG with IPv4 alone: $(tail -n 3 "$T_TMP/run.err")"; }
[ "$(cat "$T_TMP/cfg6.out")" = "['$K_ADDR', '$K6'] ['$K6']" ] ||
	fail "AI_ADDRCONFIG with addr6=: $(cat "$T_TMP/cfg6.out")"
[ "$(cat "$T_TMP/cfg4.out")" = "['$K_ADDR'] none" ] ||
	fail "AI_ADDRCONFIG with IPv4 alone: $(cat "$T_TMP/cfg4.out")"
echo "k6only.test (hosts file, IPv6 only): curl byte-exact; getaddrinfo gives each family's answers, AI_ADDRCONFIG judged on the stack"

# --- the same from ustack's DNS stub: dnsmasq, authoritative for test, on 10.0.1.53 (the
# namespace's lo, through the TAP) answers AAAA alone for k6dns.test ---
if [ -x /usr/sbin/dnsmasq ]; then
	ip -n "$NS" addr add 10.0.1.53/24 dev lo || fail "cannot add 10.0.1.53 to lo"
	printf '%s k6dns.test\n' "$K6" >"$T_TMP/dnsmasq.hosts"
	bg_ns "$NS" "$T_TMP/dnsmasq.out" /usr/sbin/dnsmasq --keep-in-foreground \
		--conf-file=/dev/null --no-resolv --no-hosts --addn-hosts="$T_TMP/dnsmasq.hosts" \
		--auth-zone=test --auth-server=ns.test,lo --port=53 --interface=lo \
		--bind-interfaces --pid-file="$T_TMP/dnsmasq.pid" --log-queries \
		--log-facility="$T_TMP/dnsmasq.log" --user=root --group=root
	DNSMASQ_PID=$BG_PID
	wait_for 10 in_ns "$NS" sh -c "ss -Hlun 'sport = :53' | grep -q 10.0.1.53" ||
		fail "dnsmasq is not listening: $(cat "$T_TMP/dnsmasq.out")"
	printf 'nameserver 10.0.1.53\n' >"$T_TMP/resolv.conf"
	in_ns "$NS" env USTACK_RESOLV_CONF="$T_TMP/resolv.conf" "$UST" run --dev "$DEV6" \
		--gw "$K_ADDR" -- curl -sS --max-time 40 -o "$T_TMP/d.bin" \
		"http://k6dns.test:8080/f.bin" 2>"$T_TMP/run.err" ||
		{ UST_ERR=$T_TMP/run.err; fail "curl http://k6dns.test:8080/ failed: $(head -c 300 "$T_TMP/run.err")"; }
	sha_is "$T_TMP/d.bin" "curl from k6dns.test"
	grep -q 'auth\[AAAA\] k6dns.test from 10.0.0.2' "$T_TMP/dnsmasq.log" ||
		fail "dnsmasq saw no AAAA query for k6dns.test from ustack"
	stop_pid "$DNSMASQ_PID"
	echo "k6dns.test (DNS, AAAA only): curl byte-exact, the AAAA query from ustack's stub"
else
	echo "dnsmasq not installed (dnsmasq-base): the DNS part is not run"
fi
stop_pid "$KWEB"

# --- a dual-stack server on ustack: python3 -m http.server --bind :: ---
bg_ns "$NS" "$T_TMP/pyweb.err" "$UST" run --dev "$DEV6" -- \
	"$PY" -m http.server --bind :: -d "$T_TMP/www" 8000
PYWEB=$BG_PID
UST_ERR=$T_TMP/pyweb.err
wait_for 15 in_ns "$NS" curl -6 -s -g -o /dev/null "http://[$US6]:8000/" ||
	fail "http.server --bind :: on ustack does not answer over IPv6"
in_ns "$NS" curl -6 -sS -g --max-time 40 -o "$T_TMP/k6.bin" "http://[$US6]:8000/f.bin" ||
	fail "the kernel's curl -6 from http.server on ustack failed"
sha_is "$T_TMP/k6.bin" "kernel curl -6 from http.server on ustack"
in_ns "$NS" curl -4 -sS --max-time 40 -o "$T_TMP/k4.bin" "http://$US_ADDR:8000/f.bin" ||
	fail "the kernel's IPv4 curl from http.server --bind :: on ustack failed"
sha_is "$T_TMP/k4.bin" "kernel curl -4 from http.server --bind :: on ustack"
# the server logs each client as accept gave it: IPv6, and IPv4 in the mapped form
grep -q "^$K6 " "$T_TMP/pyweb.err" || fail "http.server logged no client $K6: $(tail -n 3 "$T_TMP/pyweb.err")"
grep -q "^::ffff:$K_ADDR " "$T_TMP/pyweb.err" ||
	fail "http.server logged no client ::ffff:$K_ADDR: $(tail -n 3 "$T_TMP/pyweb.err")"
stop_pid "$PYWEB"
echo "http.server --bind :: on ustack: 4 MB byte-exact to curl -6 and curl -4 (client ::ffff:$K_ADDR)"

# --- nc -6 both ways, byte-exact ---
rand_file "$T_TMP/nc.in" 300000
bg_ns "$NS" "$T_TMP/nc1.out" nc -6 -l 6000
NC=$BG_PID
wait_for 10 k_listening 6000 || fail "kernel nc -6 -l did not listen"
in_ns "$NS" "$UST" run --dev "$DEV6" -- nc -6 -N "$K6" 6000 <"$T_TMP/nc.in" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "nc -6 on ustack -> kernel nc -6 -l failed"; }
pid_wait_exit "$NC" 10 || fail "kernel nc -6 -l did not end"
cmp -s "$T_TMP/nc.in" "$T_TMP/nc1.out" || fail "nc -6 to the kernel: $(stat -c %s "$T_TMP/nc1.out") bytes differ"
bg_ns "$NS" "$T_TMP/nc2.err" "$UST" run --dev "$DEV6" -- sh -c "exec nc -6 -l 6001 >'$T_TMP/nc2.out'"
NC=$BG_PID
UST_ERR=$T_TMP/nc2.err
ok=0
for i in $(seq 1 75); do
	if k6_up && in_ns "$NS" nc -6 -N "$US6" 6001 <"$T_TMP/nc.in" 2>/dev/null; then
		ok=1
		break
	fi
	sleep 0.2
done
[ "$ok" -eq 1 ] || fail "kernel nc -6 -> nc -6 -l on ustack failed"
pid_wait_exit "$NC" 10 || fail "nc -6 -l under ustack run did not end after its client"
wait "$NC"
cmp -s "$T_TMP/nc2.out" "$T_TMP/nc.in" || fail "nc -6 -l on ustack: $(stat -c %s "$T_TMP/nc2.out") bytes differ"
echo "nc -6 both roles: 300000 bytes byte-exact"

# --- UDP on an AF_INET6 socket: a kernel echo on :: (both families) ---
bg_ns "$NS" "$T_TMP/kudp.out" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 7007))
print("ready", flush=True)
s.settimeout(20)
for _ in range(3):
    d, a = s.recvfrom(65535)
    s.sendto(d[::-1], a)
'
KUDP=$BG_PID
wait_for 10 grep -q ready "$T_TMP/kudp.out" || fail "the kernel's UDP echo did not start"
in_ns "$NS" "$UST" run --dev "$DEV6" -- "$PY" -c '
import errno, socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
assert s.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) == socket.AF_INET6
s.settimeout(5)
s.bind(("::", 0))
d = bytes(range(256)) * 8
s.sendto(d, ("'"$K6"'", 7007))
r, a = s.recvfrom(65535)
assert r == d[::-1] and a[0] == "'"$K6"'" and a[1] == 7007, (len(r), a)
# IPv4 through the same socket: the peer comes back IPv4-mapped
s.sendto(b"abc", ("::ffff:'"$K_ADDR"'", 7007))
r, a = s.recvfrom(100)
assert r == b"cba" and a[0] == "::ffff:'"$K_ADDR"'", (r, a)
s.connect(("'"$K6"'", 7007))
s.send(b"xyz"); assert s.recv(10) == b"zyx"
name = s.getsockname()
assert name[0] == "'"$US6"'", name
# IPV6_V6ONLY (before bind): an IPv4-mapped destination is refused, as Linux does
t = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
assert t.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 17)
assert t.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS) == 17
try:
    t.connect(("::ffff:'"$K_ADDR"'", 7007))
    raise SystemExit("V6ONLY socket connected to an IPv4-mapped address")
except OSError as e:
    assert e.errno == errno.ENETUNREACH, e
# an option ustack has not: a clear error, not silence
try:
    t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    raise SystemExit("IPV6_RECVPKTINFO accepted")
except OSError as e:
    assert e.errno == errno.ENOPROTOOPT, e
# raw IPv6 sockets are not the stack'"'"'s
try:
    socket.socket(socket.AF_INET6, socket.SOCK_RAW, 58)
    raise SystemExit("a raw AF_INET6 socket")
except OSError as e:
    assert e.errno == errno.EPROTONOSUPPORT, e
print("udp6 ok", name[0])
' >"$T_TMP/udp6.out" 2>"$T_TMP/run.err" ||
	{ UST_ERR=$T_TMP/run.err; fail "UDP over AF_INET6 under the preload: $(tail -n 3 "$T_TMP/run.err")"; }
grep -q 'udp6 ok' "$T_TMP/udp6.out" || fail "the UDP client said: $(cat "$T_TMP/udp6.out")"
grep -q 'ENOPROTOOPT' "$T_TMP/run.err" || fail "no log line for the option ustack has not"
grep -q 'EPROTONOSUPPORT' "$T_TMP/run.err" || fail "no log line for the raw AF_INET6 socket"
pid_wait_exit "$KUDP" 5 || fail "the kernel's UDP echo did not end"
echo "UDP over AF_INET6: IPv6 and IPv4-mapped peers, connect, V6ONLY, hop limit; IPV6_RECVPKTINFO and raw refused with one line each"
pass
