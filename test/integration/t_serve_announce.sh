#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack serve` announces every address and service it answers on, one line each, TCP
# and UDP, on every device, once they listen: at the moment the lines appear, a TCP
# connection and a UDP datagram to each announced address are answered.
. "$(dirname "$0")/lib.sh"
t_begin serve_announce "$1"
need_cmd curl nc
ns_new NS
mkdir "$T_TMP/www"
echo hello >"$T_TMP/www/index.html"
ust_start "$NS" serve --dev "$(dev_spec)" --dev "$(dev_spec ustap1 10.0.1.2 10.0.1.1)" \
	--serve "http:8080,root=$T_TMP/www" --serve udp-echo
# ust_start returned at the first line; the others follow it in the same burst
wait_for 5 sh -c "[ \$(grep -c serving '$UST_ERR') -ge 4 ]" || fail "fewer than 4 serving lines"
want="ustack: serving http on 10.0.0.2:8080/tcp (ustap0)
ustack: serving udp-echo on 10.0.0.2:7/udp (ustap0)
ustack: serving http on 10.0.1.2:8080/tcp (ustap1)
ustack: serving udp-echo on 10.0.1.2:7/udp (ustap1)"
got=$(grep serving "$UST_ERR")
[ "$got" = "$want" ] || fail "the announcement is:
$got
want:
$want"
for a in 10.0.0.2 10.0.1.2; do
	body=$(in_ns "$NS" curl -sS --max-time 5 "http://$a:8080/index.html") ||
		fail "no answer from the announced http on $a:8080"
	[ "$body" = hello ] || fail "http on $a:8080 answered '$body'"
	got=$(echo ping | in_ns "$NS" timeout 5 nc -u -w 1 "$a" 7)
	[ "$got" = ping ] || fail "udp-echo on $a:7 answered '$got'"
done
echo "announced: 2 addresses x (http/tcp, udp-echo/udp), each answering"
ust_stop
pass
